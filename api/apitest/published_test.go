package apitest_test

// Behaviour of the fake for what spec 1.2.0 accepts from Descope's published document and SDKs
// (shared/reference/descope-published-api.md, section 1), users' side: recovery contacts on the
// user.

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// okUser returns the user of a 200 single-user answer to a hand-made request, failing the test
// otherwise, and checks that the answer is the user as stored.
func okUser(t *testing.T, s *apitest.Server, what string, r rawResponse) gen.User {
	t.Helper()
	var ur gen.UserResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil {
		t.Fatalf("%s: status %d, want 200: %s", what, r.Status, r.Body)
	}
	if stored := mustUser(t, s, ur.User.UserID); !reflect.DeepEqual(stored, ur.User) {
		t.Errorf("%s: the answer is not the stored user:\nanswer %+v\nstored %+v", what, ur.User, stored)
	}
	return ur.User
}

// refusedMentioning checks a non-2xx answer's status and errorCode, and that its message names
// every one of mention.
func refusedMentioning(t *testing.T, what string, r rawResponse, status int, code string, mention ...string) {
	t.Helper()
	wantError(t, what, r.Status, &r.Error, status, code)
	for _, m := range mention {
		if !strings.Contains(r.Error.ErrorMessage, m) {
			t.Errorf("%s: message does not name %q: %q", what, m, r.Error.ErrorMessage)
		}
	}
}

// recoveryOf is the four recovery fields of u.
func recoveryOf(u gen.User) apitest.Recovery {
	return apitest.Recovery{Email: u.RecoveryEmail, EmailVerified: u.VerifiedRecoveryEmail, Phone: u.RecoveryPhone, PhoneVerified: u.VerifiedRecoveryPhone}
}

// TestRecoveryContactsAreOnTheUser: the recovery contacts are fields of the user: seeded ones are
// kept, every answer that carries the user carries them, the recovery operations' answers show
// the change, and Server.Recovery reads the same fields.
func TestRecoveryContactsAreOnTheUser(t *testing.T) {
	j := jane()
	j.RecoveryEmail, j.VerifiedRecoveryEmail, j.RecoveryPhone = "jane.rec@example.org", true, "+15555550177"
	s := apitest.NewServer(t, apitest.WithUsers(j, bob()))
	o := newOps(t, s)
	seeded := apitest.Recovery{Email: "jane.rec@example.org", EmailVerified: true, Phone: "+15555550177"}

	if got := recoveryOf(mustUser(t, s, "jane")); got != seeded {
		t.Errorf("seeded user: recovery %+v, want %+v", got, seeded)
	}
	if got, ok := s.Recovery("U2jane"); !ok || got != seeded {
		t.Errorf("Server.Recovery of a seeded user: %+v %v, want %+v", got, ok, seeded)
	}

	// Load, load many, search, an unrelated update and a batch all answer them.
	check := func(what string, u gen.User) {
		t.Helper()
		if got := recoveryOf(u); got != seeded {
			t.Errorf("%s: recovery %+v, want %+v", what, got, seeded)
		}
	}
	check("load", o.ok("load", o.load(gen.LoadUserParams{LoginID: "jane"})))
	lr, err := o.c.LoadUsersWithResponse(o.ctx, gen.LoadUsersRequest{UserIDs: []string{"U2jane"}})
	o.check("load many", err)
	if lr.JSON200 == nil || len(lr.JSON200.Users) != 1 {
		t.Fatalf("load many: %d %s", lr.StatusCode(), lr.Body)
	}
	check("load many", lr.JSON200.Users[0])
	sr, err := o.c.SearchUsersWithResponse(o.ctx, gen.SearchUsersRequest{LoginIDs: []string{"jane"}})
	o.check("search", err)
	if sr.JSON200 == nil || len(sr.JSON200.Users) != 1 {
		t.Fatalf("search: %d %s", sr.StatusCode(), sr.Body)
	}
	check("search", sr.JSON200.Users[0])
	check("status update", o.ok("status", o.status("jane", "disabled")))
	br := raw(t, s, "PATCH", "/v1/mgmt/user/patch/batch", bearer(s), `{"users":[{"loginId":"jane","givenName":"J"}]}`)
	var batch gen.PatchUsersBatchResponse
	if br.Status != http.StatusOK || json.Unmarshal([]byte(br.Body), &batch) != nil || len(batch.PatchedUsers) != 1 {
		t.Fatalf("batch: %d %s", br.Status, br.Body)
	}
	check("batch", batch.PatchedUsers[0])
	r := raw(t, s, "GET", "/v1/mgmt/user?loginId=jane", bearer(s), "")
	for _, field := range []string{`"recoveryEmail":"jane.rec@example.org"`, `"verifiedRecoveryEmail":true`, `"recoveryPhone":"+15555550177"`, `"verifiedRecoveryPhone":false`} {
		if !strings.Contains(r.Body, field) {
			t.Errorf("the load answer's JSON lacks %s: %s", field, r.Body)
		}
	}

	// The recovery operations' answers show the change; the other contact stays.
	steps := []struct {
		what string
		do   func() result
		want apitest.Recovery
	}{
		{"new recovery email, unverified", func() result { return o.recoveryEmail("jane", "jane.new@example.org", false) },
			apitest.Recovery{Email: "jane.new@example.org", Phone: "+15555550177"}},
		{"recovery phone verified, by user ID", func() result { return o.recoveryPhone("U2jane", "+15555550178", true) },
			apitest.Recovery{Email: "jane.new@example.org", Phone: "+15555550178", PhoneVerified: true}},
		{`"" removes the email and its flag`, func() result { return o.recoveryEmail("jane@example.com", "", true) },
			apitest.Recovery{Phone: "+15555550178", PhoneVerified: true}},
		{`"" removes the phone and its flag`, func() result { return o.recoveryPhone("jane", "", true) },
			apitest.Recovery{}},
	}
	for _, st := range steps {
		u := o.ok(st.what, st.do())
		if got := recoveryOf(u); got != st.want {
			t.Errorf("%s: the answer's recovery %+v, want %+v", st.what, got, st.want)
		}
		if got, _ := s.Recovery("jane"); got != st.want {
			t.Errorf("%s: Server.Recovery %+v, want %+v", st.what, got, st.want)
		}
	}
	if got := recoveryOf(mustUser(t, s, "bob@example.com")); got != (apitest.Recovery{}) {
		t.Errorf("bob's recovery changed: %+v", got)
	}
	if _, ok := s.Recovery("ghost"); ok {
		t.Error("Server.Recovery found an unknown user")
	}
}
