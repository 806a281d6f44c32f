package apitest_test

// Behaviour of the fake for passwords (spec 1.3.0): the three password sets and expire, hashed
// passwords of every variant Descope lists, verified by Server.CheckPassword against vectors
// computed outside Go (see each), their shapes checked, and secrets never shown.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func wantPassword(t *testing.T, s *apitest.Server, loginID, password string, want bool) {
	t.Helper()
	ok, err := s.CheckPassword(loginID, password)
	if err != nil || ok != want {
		t.Errorf("CheckPassword(%q, %q) = %v, %v; want %v", loginID, password, ok, err, want)
	}
}

// TestSetPasswords: set/active sets a usable password, set/temporary an expired one, the older
// set path as setActive says (temporary when absent), expire expires it; setActive contradicting
// the path is 400 E011004; the answers are {} and the password is kept as a hash only.
func TestSetPasswords(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	if info, _ := s.Password("jane"); info.Set {
		t.Fatalf("jane has a password before any was set: %+v", info)
	}
	wantEmpty(t, "active", post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"Active-Pa55"}`))
	wantPassword(t, s, "jane@example.com", "Active-Pa55", true)
	wantPassword(t, s, "U2jane", "active-pa55", false)
	if info, _ := s.Password("jane"); info != (apitest.PasswordInfo{Set: true, Scheme: "argon2id"}) {
		t.Errorf("after set/active: %+v", info)
	}
	if u := mustUser(t, s, "jane"); !u.Password {
		t.Error("the user's password flag is false after a password was set")
	}

	wantEmpty(t, "temporary (Go SDK)", post(t, s, "/v1/mgmt/user/password/set/temporary", `{"loginId":"jane","password":"Temp-Pa55","setActive":false}`))
	wantPassword(t, s, "jane", "Temp-Pa55", true)
	wantPassword(t, s, "jane", "Active-Pa55", false)
	if info, _ := s.Password("jane"); !info.Expired {
		t.Errorf("a temporary password is not expired: %+v", info)
	}
	wantEmpty(t, "older path, active", post(t, s, "/v1/mgmt/user/password/set", `{"identifier":"jane","password":"Old-Path","setActive":true}`))
	if info, _ := s.Password("jane"); info.Expired {
		t.Errorf("password/set with setActive true: %+v", info)
	}
	wantEmpty(t, "older path, Node", post(t, s, "/v1/mgmt/user/password/set", `{"loginId":"jane","password":"Node-Path"}`))
	if info, _ := s.Password("jane"); !info.Expired {
		t.Errorf("password/set without setActive is temporary: %+v", info)
	}
	wantEmpty(t, "active again", post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"Active-Pa55"}`))
	wantEmpty(t, "expire", post(t, s, "/v1/mgmt/user/password/expire", `{"loginId":"jane"}`))
	if info, _ := s.Password("jane"); !info.Expired || !info.Set {
		t.Errorf("after expire: %+v", info)
	}
	wantPassword(t, s, "jane", "Active-Pa55", true)

	wantEmpty(t, "expire without a password", post(t, s, "/v1/mgmt/user/password/expire", `{"identifier":"bob@example.com"}`))
	if info, _ := s.Password("bob@example.com"); info.Set || info.Expired {
		t.Errorf("bob: %+v", info)
	}
	wantPassword(t, s, "bob@example.com", "anything", false)

	for _, tc := range []struct{ path, body string }{
		{"/v1/mgmt/user/password/set/temporary", `{"loginId":"bob@example.com","password":"x","setActive":true}`},
		{"/v1/mgmt/user/password/set/active", `{"loginId":"bob@example.com","password":"x","setActive":false}`},
	} {
		refusedMentioning(t, tc.path, post(t, s, tc.path, tc.body), http.StatusBadRequest, apitest.CodeInvalidArguments, "setActive")
	}
	r := post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"ghost","password":"x"}`)
	wantError(t, "unknown user", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	r = post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"bob@example.com","password":""}`)
	wantError(t, "empty password", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	if _, err := s.CheckPassword("ghost", "x"); err == nil {
		t.Error("CheckPassword of an unknown user did not fail")
	}
}

// hashVector is a user created with a hashed password and what verifies against it.
type hashVector struct {
	name, hashed, password, scheme string
}

// vectors: each hash was computed outside this package's code: with Python's hashlib (OpenSSL's
// PBKDF2, scrypt, SHA and MD5) and the cryptography package (AES-CTR, Argon2id), or in the test
// with golang.org/x/crypto (bcrypt, argon2i), for the passwords given.
func vectors(t *testing.T) []hashVector {
	t.Helper()
	bc, err := bcrypt.GenerateFromPassword([]byte("hunter2-bcrypt"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("hunter2-django-bcrypt"))
	djangoBcrypt, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(digest[:])), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	argon2iSalt := []byte("argon2i-salt-16b")
	argon2i := argon2.Key([]byte("hunter2-argon2i"), argon2iSalt, 2, 1024, 1, 32)
	b64 := base64.StdEncoding.EncodeToString
	raw64 := base64.RawStdEncoding.EncodeToString
	argon2idSalt := []byte("argon2-salt-16by")
	argon2id, _ := base64.StdEncoding.DecodeString("LtDWv5aQY3otrTDn0k82NJkm4dw7OoJCGhj90rBxcHI=")
	return []hashVector{
		{"bcrypt", fmt.Sprintf(`{"bcrypt":{"hash":%q}}`, bc), "hunter2-bcrypt", "bcrypt"},
		// Firebase's modified scrypt: scrypt(password, salt+separator, N=2^14, r=8, p=1, 32 bytes)
		// as the AES-256-CTR key (zero IV) that encrypts the signer key (the bytes 0 to 63).
		{"firebase", `{"firebase":{"hash":"n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA==",
			"salt":"c2FsdC1mcm9tLWZpcmViYXNl","saltSeparator":"Bw==",
			"signerKey":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==","memory":14,"rounds":8}}`, "hunter2-firebase", "firebase"},
		{"pbkdf2 sha1", `{"pbkdf2":{"hash":"2eANFuqEmQ1+RofmDDerMBbA5qA=","salt":"cGJrZGYyLXNhbHQ=","iterations":1000,"type":"sha1"}}`, "hunter2-pbkdf2", "pbkdf2"},
		{"pbkdf2 sha256", `{"pbkdf2":{"hash":"8mDC922G06gXDKrrz0GfqqFFzpdKz0yHpfwdLP5UmLQ=","salt":"cGJrZGYyLXNhbHQ=","iterations":1000,"type":"sha256"}}`, "hunter2-pbkdf2", "pbkdf2"},
		{"pbkdf2 sha512", `{"pbkdf2":{"hash":"c6YY2ItAb8tUSjmYkdec55k6qS/POYmaRZZfGecX4BqPTjLGit+mleIlxWGlJa9CXyXg/0T+fsZY0NokPE9ICQ==","salt":"cGJrZGYyLXNhbHQ=","iterations":1000,"type":"sha512"}}`, "hunter2-pbkdf2", "pbkdf2"},
		{"argon2id", fmt.Sprintf(`{"argon2":{"hash":%q,"salt":%q,"iterations":2,"memory":1024,"threads":1,"type":"argon2id"}}`, b64(argon2id), b64(argon2idSalt)), "hunter2-argon2", "argon2"},
		{"argon2 without type (.NET)", fmt.Sprintf(`{"argon2":{"hash":%q,"salt":%q,"iterations":2,"memory":1024,"threads":1}}`, b64(argon2id), b64(argon2idSalt)), "hunter2-argon2", "argon2"},
		{"argon2i", fmt.Sprintf(`{"argon2":{"hash":%q,"salt":%q,"iterations":2,"memory":1024,"threads":1,"type":"argon2i"}}`, b64(argon2i), b64(argon2iSalt)), "hunter2-argon2i", "argon2"},
		// SHA of the password followed by the salt, in hexadecimal.
		{"sha1", `{"sha":{"hash":"3811d173280202ccf55ff0047fb5b9516c0817fb","type":"sha1","salt":"pepper-salt"}}`, "hunter2-sha", "sha"},
		{"sha256", `{"sha":{"hash":"9ffdca2dd3d36f6c9400a6d2bfcd8b0a5eb3b27b09b3bc2335dddc2639a21857","type":"sha256","salt":"pepper-salt"}}`, "hunter2-sha", "sha"},
		{"sha512", `{"sha":{"hash":"e02017014b1178913ad25dd9383e862689ccefcac107ce2aba27fbc1708b87530526433c0b04692d0964099b170f28ed16a0c33d61668d3206d6a868bde10e8c","type":"sha512","salt":"pepper-salt"}}`, "hunter2-sha", "sha"},
		{"md5", `{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}}`, "hunter2-md5", "md5"},
		{"django pbkdf2_sha256", `{"django":{"hash":"pbkdf2_sha256$1000$djangosalt$NEjo3N6S26A2S19ALUJd6BHnG4EgKgJ+KwIfVnIeFO4="}}`, "hunter2-django", "django"},
		{"django argon2", fmt.Sprintf(`{"django":{"hash":"argon2$argon2id$v=19$m=1024,t=2,p=1$%s$%s"}}`, raw64(argon2idSalt), raw64(argon2id)), "hunter2-argon2", "django"},
		{"django bcrypt_sha256", fmt.Sprintf(`{"django":{"hash":"bcrypt_sha256$%s"}}`, djangoBcrypt), "hunter2-django-bcrypt", "django"},
		// phpass's portable hash ($P$9abcdefgh...: 2^11 rounds of MD5), computed in Python.
		{"phpass md5", `{"phpass":{"hash":"y1NgRNggA.SUKHGvXSJaZ1","salt":"abcdefgh","iterations":2048,"type":"md5"}}`, "hunter2-phpass", "phpass"},
	}
}

// TestHashedPasswordsVerify: a user created with a hash of each variant has a password that
// CheckPassword verifies: the right one true, another false; create/batch takes them too.
func TestHashedPasswordsVerify(t *testing.T) {
	s := apitest.NewServer(t)
	for i, v := range vectors(t) {
		loginID := fmt.Sprintf("u%d", i)
		u, _ := created(t, s, v.name, post(t, s, "/v1/mgmt/user/create", fmt.Sprintf(`{"loginId":%q,"hashedPassword":%s}`, loginID, v.hashed)))
		if !u.Password {
			t.Errorf("%s: the user's password flag is false", v.name)
		}
		wantPassword(t, s, loginID, v.password, true)
		wantPassword(t, s, loginID, v.password+"x", false)
		if info, _ := s.Password(loginID); info.Scheme != v.scheme || info.Expired {
			t.Errorf("%s: %+v", v.name, info)
		}
	}
	// The same through create/batch.
	var users []string
	vs := vectors(t)
	for i, v := range vs {
		users = append(users, fmt.Sprintf(`{"loginId":"b%d","hashedPassword":%s}`, i, v.hashed))
	}
	a := batchAnswer(t, "batch", post(t, s, "/v1/mgmt/user/create/batch", `{"users":[`+strings.Join(users, ",")+`]}`))
	if len(a.CreatedUsers) != len(vs) || len(a.FailedUsers) != 0 {
		t.Fatalf("batch: %d created, failures %+v", len(a.CreatedUsers), a.FailedUsers)
	}
	for i, v := range vs {
		wantPassword(t, s, fmt.Sprintf("b%d", i), v.password, true)
	}
}

// TestUnverifiableHashesAreKept: buddyauth, bach and phpass sha512 are kept (the user has a
// password) but CheckPassword says it cannot verify them.
func TestUnverifiableHashesAreKept(t *testing.T) {
	s := apitest.NewServer(t)
	for i, h := range []string{`{"buddyauth":{"hash":"opaque"}}`, `{"bach":{"hash":"opaque","key":"k"}}`,
		`{"phpass":{"hash":"y1NgRNggA.SUKHGvXSJaZ1y1NgRNggA.SUKHGvXSJaZ1","salt":"abcdefgh","iterations":5000,"type":"sha512"}}`} {
		loginID := fmt.Sprintf("u%d", i)
		created(t, s, h, post(t, s, "/v1/mgmt/user/create", fmt.Sprintf(`{"loginId":%q,"hashedPassword":%s}`, loginID, h)))
		if info, _ := s.Password(loginID); !info.Set {
			t.Errorf("%s: not kept", h)
		}
		if _, err := s.CheckPassword(loginID, "x"); !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, apitest.ErrUnsupportedHash) {
			t.Errorf("%s: CheckPassword error %v", h, err)
		}
	}
}

// TestHashShapesRefused: a hash that cannot be one of its kind is 400 E011004 naming the field
// (E011003 where the spec itself says so: no variant or two), never showing the value; in a
// batch it fails that user alone.
func TestHashShapesRefused(t *testing.T) {
	s := apitest.NewServer(t)
	for _, tc := range []struct{ hashed, code, field, secret string }{
		{`{"bcrypt":{"hash":"$2a$10$tooShortToBeBcrypt"}}`, apitest.CodeInvalidArguments, "hashedPassword.bcrypt.hash", "tooShortToBeBcrypt"},
		{`{"md5":{"hash":"d41d8cd98f00b204e9800998ecf8427"}}`, apitest.CodeInvalidArguments, "hashedPassword.md5.hash", "d41d8cd98f00b204e9800998ecf8427"},
		{`{"sha":{"hash":"abcdef","type":"sha256"}}`, apitest.CodeInvalidArguments, "hashedPassword.sha.hash", "abcdef"},
		{`{"pbkdf2":{"hash":"c2VjcmV0aGFzaA","salt":"c2FsdA==","iterations":10,"type":"sha1"}}`, apitest.CodeInvalidArguments, "hashedPassword.pbkdf2.hash", "c2VjcmV0aGFzaA"},
		{`{"argon2":{"hash":"c2VjcmV0aGFzaA==","salt":"c2FsdA","iterations":1,"memory":64,"threads":1}}`, apitest.CodeInvalidArguments, "hashedPassword.argon2.salt", "c2FsdA"},
		{`{"firebase":{"hash":"c2VjcmV0","salt":"c2FsdA==","saltSeparator":"Bw==","signerKey":"a2V5a2V5a2V5","memory":14,"rounds":8}}`, apitest.CodeInvalidArguments, "hashedPassword.firebase.hash", "c2VjcmV0"},
		{`{"django":{"hash":"pbkdf2_sha256$many$salt$aGFzaA=="}}`, apitest.CodeInvalidArguments, "hashedPassword.django.hash", "aGFzaA=="},
		{`{"phpass":{"hash":"short","salt":"abcdefgh","iterations":8,"type":"md5"}}`, apitest.CodeInvalidArguments, "hashedPassword.phpass.hash", "short"},
		{`{}`, apitest.CodeValidationFailed, "hashedPassword", ""},
		{`{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"},"bcrypt":{"hash":"x"}}`, apitest.CodeValidationFailed, "hashedPassword", "6eb9f735eec136b34cdc1715d6c7da57"},
	} {
		r := post(t, s, "/v1/mgmt/user/create", `{"loginId":"x","hashedPassword":`+tc.hashed+`}`)
		refusedMentioning(t, tc.hashed, r, http.StatusBadRequest, tc.code, tc.field)
		if tc.secret != "" && strings.Contains(r.Body, tc.secret) {
			t.Errorf("%s: the answer shows the hash: %s", tc.hashed, r.Body)
		}
	}
	refusedMentioning(t, "both", post(t, s, "/v1/mgmt/user/create", `{"loginId":"x","password":"Pa55-both","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}}}`),
		http.StatusBadRequest, apitest.CodeInvalidArguments, "password", "hashedPassword")
	if n := len(s.Users()); n != 0 {
		t.Fatalf("%d users created by refused bodies", n)
	}
	a := batchAnswer(t, "batch", post(t, s, "/v1/mgmt/user/create/batch", `{"users":[{"loginId":"ok","password":"Fine-Pa55"},{"loginId":"bad","hashedPassword":{"md5":{"hash":"zz"}}}]}`))
	if len(a.CreatedUsers) != 1 || len(a.FailedUsers) != 1 || !strings.Contains(a.FailedUsers[0].Failure, "hashedPassword.md5.hash") {
		t.Errorf("batch: %+v", a)
	}
	wantPassword(t, s, "ok", "Fine-Pa55", true)
}

// TestImportFormats: the Go SDK's import in this document's two formats: descope (JSON Lines of
// batch users, hashes as JSON Lines) and firebase (Firebase's export and hash configuration),
// with a dry run that creates nothing and per-user failures.
func TestImportFormats(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(bob()))
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	users := `{"loginId":"eva@example.com","email":"eva@example.com","displayName":"Eva"}
{"loginId":"bob@example.com"}

{"loginId":"gil","nickname":"x"}
not json
{"loginId":"hal","status":"disabled"}
`
	hashes := `{"loginId":"eva@example.com","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}}}`
	body := fmt.Sprintf(`{"source":"descope","dryrun":%%v,"users":%q,"hashes":%q}`, b64(users), b64(hashes))
	var dry gen.UserImportResponse
	decodeOK(t, "dry run", post(t, s, "/v1/mgmt/user/import", fmt.Sprintf(body, true)), &dry)
	if got := loginIDsOf(dry.Users); strings.Join(got, ",") != "eva@example.com,hal" || dry.Users[0].UserID != "" {
		t.Errorf("dry run users %v (%+v)", got, dry.Users)
	}
	var failures []string
	for _, f := range dry.Failures {
		failures = append(failures, f.User)
	}
	if strings.Join(failures, ",") != "bob@example.com,line 4,line 5" {
		t.Errorf("dry run failures %+v", dry.Failures)
	}
	if _, ok := s.User("eva@example.com"); ok {
		t.Fatal("a dry run created a user")
	}
	var done gen.UserImportResponse
	decodeOK(t, "import", post(t, s, "/v1/mgmt/user/import", fmt.Sprintf(body, false)), &done)
	if got := loginIDsOf(done.Users); strings.Join(got, ",") != "eva@example.com,hal" || len(done.Failures) != 3 {
		t.Errorf("import: %+v", done)
	}
	eva := mustUser(t, s, "eva@example.com")
	if eva.Name != "Eva" || !eva.Password || eva.Status != "invited" || mustUser(t, s, "hal").Status != "disabled" {
		t.Errorf("eva %+v", eva)
	}
	wantPassword(t, s, "eva@example.com", "hunter2-md5", true)

	export := `{"users":[
		{"localId":"fb1","email":"fay@example.com","emailVerified":true,"passwordHash":"n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA==",
		 "salt":"c2FsdC1mcm9tLWZpcmViYXNl","displayName":"Fay","createdAt":"1600000000123","customAttributes":"{\"plan\":\"pro\"}"},
		{"localId":"fb2","phoneNumber":"+15555550150","disabled":true},
		{"localId":"fb3"}]}`
	config := `{"base64_signer_key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==","base64_salt_separator":"Bw==","rounds":8,"mem_cost":14}`
	var fb gen.UserImportResponse
	decodeOK(t, "firebase", post(t, s, "/v1/mgmt/user/import", fmt.Sprintf(`{"source":"firebase","users":%q,"hashes":%q}`, b64(export), b64(config))), &fb)
	if got := loginIDsOf(fb.Users); strings.Join(got, ",") != "fay@example.com,+15555550150" || len(fb.Failures) != 1 || fb.Failures[0].User != "users[2]" {
		t.Errorf("firebase import: %+v", fb)
	}
	fay := mustUser(t, s, "fay@example.com")
	if fay.Status != "enabled" || !fay.VerifiedEmail || fay.CreatedTime != 1600000000 || fay.CustomAttributes["plan"] != "pro" {
		t.Errorf("fay %+v", fay)
	}
	wantPassword(t, s, "fay@example.com", "hunter2-firebase", true)
	wantPassword(t, s, "fay@example.com", "hunter2-firebasf", false)
	if mustUser(t, s, "+15555550150").Status != "disabled" {
		t.Error("a disabled Firebase user is not disabled")
	}

	refusedMentioning(t, "unknown source", post(t, s, "/v1/mgmt/user/import", `{"source":"Auth0"}`), http.StatusBadRequest, apitest.CodeInvalidArguments, "Auth0")
	refusedMentioning(t, "unreadable export", post(t, s, "/v1/mgmt/user/import", fmt.Sprintf(`{"source":"firebase","users":%q}`, b64("[1,2"))), http.StatusBadRequest, apitest.CodeInvalidArguments, "users")
}

// decodeOK decodes a 200 answer into v.
func decodeOK(t *testing.T, what string, r rawResponse, v any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", what, r.Status, r.Body)
	}
	if err := jsonUnmarshal(r.Body, v); err != nil {
		t.Fatalf("%s: %v: %s", what, err, r.Body)
	}
}
