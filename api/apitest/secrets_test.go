package apitest_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// TestSecretsAreNeverShown: passwords, hashes and seeds sent to the fake appear in no answer, no
// error message, no entry of the request journal (which keeps "[REDACTED]" in their place, also
// for a request that matched no operation) and no %v, %+v or %#v of what the fake returns.
func TestSecretsAreNeverShown(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithRequestLog())
	const (
		password = "Sup3r-Secret-Password"
		hash     = "6eb9f735eec136b34cdc1715d6c7da57"
		seed     = "JBSWY3DPEHPK3PXPSEED"
		pbkdf2   = "8mDC922G06gXDKrrz0GfqqFFzpdKz0yHpfwdLP5UmLQ="
	)
	importUsers := base64.StdEncoding.EncodeToString([]byte(`{"loginId":"imp","password":"` + password + `"}`))
	var answers []string
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/v1/mgmt/user/create", `{"loginId":"a","password":"` + password + `"}`},
		{"POST", "/v1/mgmt/user/create", `{"loginId":"b","hashedPassword":{"md5":{"hash":"` + hash + `"}}}`},
		{"POST", "/v1/mgmt/user/create", `{"loginId":"c","password":"` + password + `","hashedPassword":{"md5":{"hash":"` + hash + `"}}}`},
		{"POST", "/v1/mgmt/user/create", `{"loginId":"d","hashedPassword":{"pbkdf2":{"hash":"` + pbkdf2 + `","salt":"c2FsdA","iterations":1,"type":"sha256"}}}`},
		{"POST", "/v1/mgmt/user/create", `{"loginId":"e","hashedPassword":{"md5":{"hash":"` + hash + `x"}}}`},
		{"POST", "/v1/mgmt/user/create/batch", `{"users":[{"loginId":"f","seed":"` + seed + `","password":"` + password + `"},{"loginId":"jane","password":"` + password + `"}]}`},
		{"POST", "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"` + password + `"}`},
		{"POST", "/v1/mgmt/user/password/set/temporary", `{"loginId":"ghost","password":"` + password + `"}`},
		{"POST", "/v1/mgmt/user/password/set/temporary", `{"loginId":"jane","password":"` + password + `","unknown":1}`},
		{"POST", "/v1/mgmt/user/password/set/temporary", `{"loginId":"jane","password":"` + password + `"`},
		{"POST", "/v1/mgmt/user/import", `{"source":"descope","users":"` + importUsers + `"}`},
		{"POST", "/v1/mgmt/user/password/nowhere", `{"loginId":"jane","password":"` + password + `"}`},
	} {
		r := raw(t, s, req.method, req.path, bearer(s), req.body)
		answers = append(answers, fmt.Sprintf("%d %s", r.Status, r.Body))
	}
	ok, err := s.CheckPassword("imp", password)
	if !ok || err != nil {
		t.Fatalf("the imported user's password does not verify: %v %v", ok, err)
	}
	info, _ := s.Password("jane")
	shown := strings.Join(answers, "\n") + fmt.Sprintf("%v %+v %#v %v %+v %#v %v %+v %#v %v", s, s, s, s.Users(), s.Users(), s.Users(), s.Outbox(), s.Stats(), info, s.Logouts())
	journal := ""
	for _, r := range s.Requests() {
		journal += string(r.Body) + "\n"
	}
	for _, secret := range []string{password, hash, seed, pbkdf2, importUsers} {
		if strings.Contains(shown, secret) {
			t.Errorf("%q is shown:\n%s", secret, shown)
		}
		if strings.Contains(journal, secret) {
			t.Errorf("%q is in the request journal:\n%s", secret, journal)
		}
	}
	if n := strings.Count(journal, apitest.Redacted); n < 12 {
		t.Errorf("%d redactions in the journal, want every secret field replaced:\n%s", n, journal)
	}
	if !strings.Contains(journal, `"loginId":"jane"`) || !strings.Contains(journal, `"source":"descope"`) {
		t.Errorf("the journal lost the fields that are not secret:\n%s", journal)
	}
	// The refusals were refusals.
	for i, want := range []int{200, 200, 400, 400, 400, 200, 200, 404, 400, 400, 200, 404} {
		if !strings.HasPrefix(answers[i], fmt.Sprint(want)) {
			t.Errorf("request %d: %s, want %d", i, answers[i], want)
		}
	}
}
