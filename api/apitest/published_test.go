package apitest_test

// Behaviour of the fake for what spec 1.2.0 accepts from Descope's published document and SDKs
// (shared/reference/descope-published-api.md, section 1), users' side: recovery contacts on the
// user, `identifier` as another name for `loginId`, and the published fields of patch, batch and
// the full update. Searches are in published_search_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
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

// namingOps are the operations whose body may name the user by loginId or by identifier, each
// with the rest of a body and a check of its effect on jane.
var namingOps = []struct {
	name, method, path, rest string
	applied                  func(u gen.User) bool
}{
	{"update/name", "POST", "/v1/mgmt/user/update/name", `"displayName":"Jane I."`, func(u gen.User) bool { return u.Name == "Jane I." }},
	{"update/phone", "POST", "/v1/mgmt/user/update/phone", `"phone":"+15555550142"`, func(u gen.User) bool { return u.Phone == "+15555550142" }},
	{"update/email", "POST", "/v1/mgmt/user/update/email", `"email":"jane.i@example.com","verified":true`, func(u gen.User) bool { return u.Email == "jane.i@example.com" }},
	{"update/status", "POST", "/v1/mgmt/user/update/status", `"status":"disabled"`, func(u gen.User) bool { return u.Status == "disabled" }},
	{"role/set", "POST", "/v1/mgmt/user/update/role/set", `"roleNames":["r-set"]`, func(u gen.User) bool { return slices.Equal(u.RoleNames, []string{"r-set"}) }},
	{"role/add (v2)", "POST", "/v2/mgmt/user/update/role/add", `"roleNames":["r-add"]`, func(u gen.User) bool { return slices.Contains(u.RoleNames, "r-add") }},
	{"role/add (v1)", "POST", "/v1/mgmt/user/update/role/add", `"roleNames":["r-add1"]`, func(u gen.User) bool { return slices.Contains(u.RoleNames, "r-add1") }},
	{"role/remove", "POST", "/v1/mgmt/user/update/role/remove", `"roleNames":["admin"]`, func(u gen.User) bool { return !slices.Contains(u.RoleNames, "admin") }},
	{"tenant/add", "POST", "/v1/mgmt/user/update/tenant/add", `"tenantId":"T7"`, func(u gen.User) bool { return len(u.UserTenants) == 2 }},
	{"tenant/remove", "POST", "/v1/mgmt/user/update/tenant/remove", `"tenantId":"T1"`, func(u gen.User) bool { return len(u.UserTenants) == 0 }},
	{"ssoapp/add", "POST", "/v1/mgmt/user/update/ssoapp/add", `"ssoAppIds":["app7"]`, func(u gen.User) bool { return slices.Equal(u.SsoAppIDs, []string{"app1", "app7"}) }},
	{"ssoapp/set", "POST", "/v1/mgmt/user/update/ssoapp/set", `"ssoAppIds":["app8"]`, func(u gen.User) bool { return slices.Equal(u.SsoAppIDs, []string{"app8"}) }},
	{"ssoapp/remove", "POST", "/v1/mgmt/user/update/ssoapp/remove", `"ssoAppIds":["app1"]`, func(u gen.User) bool { return len(u.SsoAppIDs) == 0 }},
	{"patch", "PATCH", "/v1/mgmt/user/patch", `"givenName":"Ida"`, func(u gen.User) bool { return u.GivenName == "Ida" && u.FamilyName == "Doe" }},
	{"full update", "POST", "/v1/mgmt/user/update", `"email":"jane@example.com","displayName":"Jane F."`, func(u gen.User) bool { return u.Name == "Jane F." && u.FamilyName == "" }},
}

// TestIdentifierNamesTheUser: every operation that names its user by loginId takes identifier
// instead, or both with the same value; both with different values are 400 E011004 naming both
// fields and values (even when both name the same user), and an unknown identifier is 404.
func TestIdentifierNamesTheUser(t *testing.T) {
	for _, op := range namingOps {
		t.Run(op.name, func(t *testing.T) {
			for _, naming := range []string{`"identifier":"jane"`, `"loginId":"U2jane","identifier":"U2jane"`} {
				s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
				bobBefore := mustUser(t, s, "bob@example.com")
				body := "{" + naming + "," + op.rest + "}"
				u := okUser(t, s, body, raw(t, s, op.method, op.path, bearer(s), body))
				if u.UserID != "U2jane" || !op.applied(u) {
					t.Errorf("%s: not applied to jane: %+v", body, u)
				}
				unchanged(t, s, body, bobBefore)
			}

			s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
			before, bobBefore := mustUser(t, s, "jane"), mustUser(t, s, "bob@example.com")
			for _, tc := range []struct{ loginID, identifier string }{
				{"jane", "bob@example.com"},
				{"jane", "jane@example.com"}, // one user, two different values
				{"ghost@example.com", "jane"},
			} {
				body := fmt.Sprintf(`{"loginId":%q,"identifier":%q,%s}`, tc.loginID, tc.identifier, op.rest)
				r := raw(t, s, op.method, op.path, bearer(s), body)
				refusedMentioning(t, body, r, http.StatusBadRequest, apitest.CodeInvalidArguments,
					"loginId", "identifier", `"`+tc.loginID+`"`, `"`+tc.identifier+`"`)
			}
			body := `{"identifier":"ghost@example.com",` + op.rest + "}"
			refusedMentioning(t, body, raw(t, s, op.method, op.path, bearer(s), body), http.StatusNotFound, apitest.CodeUserNotFound, "ghost@example.com")
			// An empty identifier is refused by the spec, as an empty loginId is.
			body = `{"identifier":"",` + op.rest + "}"
			refusedMentioning(t, body, raw(t, s, op.method, op.path, bearer(s), body), http.StatusBadRequest, apitest.CodeValidationFailed, "identifier")
			unchanged(t, s, "refused requests", before)
			unchanged(t, s, "refused requests", bobBefore)
		})
	}
}

// TestLoadUserByIdentifier: ?identifier= is another name for ?loginId=.
func TestLoadUserByIdentifier(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	load := func(q string) rawResponse { return raw(t, s, "GET", "/v1/mgmt/user?"+q, bearer(s), "") }
	for q, want := range map[string]string{
		"identifier=jane":                            "U2jane",
		"identifier=U2jane":                          "U2jane", // a user ID, as loginId may carry
		"identifier=jane&loginId=jane":               "U2jane",
		"identifier=bob%40example.com&userId=U2jane": "U2bob",  // like loginId, it wins over userId
		"identifier=jane&loginId=&userId=":           "U2jane", // Go's form, empty parameters
	} {
		if u := okUser(t, s, q, load(q)); u.UserID != want {
			t.Errorf("%s: loaded %s, want %s", q, u.UserID, want)
		}
	}
	refusedMentioning(t, "different values", load("loginId=jane&identifier=bob%40example.com"), http.StatusBadRequest, apitest.CodeInvalidArguments,
		"loginId", "identifier", `"jane"`, `"bob@example.com"`)
	refusedMentioning(t, "one user, different values", load("loginId=jane&identifier=U2jane"), http.StatusBadRequest, apitest.CodeInvalidArguments, "loginId", "identifier")
	refusedMentioning(t, "unknown", load("identifier=ghost"), http.StatusNotFound, apitest.CodeUserNotFound, "ghost")
	refusedMentioning(t, "all empty", load("identifier=&loginId=&userId="), http.StatusBadRequest, api.CodeMissingArguments)
}

// TestPatchPublishedFields: a patch applies identifier, displayName, additionalIdentifiers and
// the recovery fields as the spec describes, and refuses two names of one field that differ.
func TestPatchPublishedFields(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	patch := func(body string) rawResponse { return raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), body) }

	u := okUser(t, s, "second names", patch(`{"identifier":"jane","displayName":"Jane D.","additionalIdentifiers":["jd","jane.d@example.com"]}`))
	if u.UserID != "U2jane" || u.Name != "Jane D." || !slices.Equal(u.LoginIDs, []string{"jane@example.com", "jd", "jane.d@example.com"}) {
		t.Errorf("second names: %+v", u)
	}
	if _, ok := s.User("jane"); ok {
		t.Error(`the login ID "jane", left out of additionalIdentifiers, still finds the user`)
	}
	u = okUser(t, s, "both names equal", patch(`{"loginId":"jd","identifier":"jd","name":"Jane E.","displayName":"Jane E.","additionalLoginIds":["jd"],"additionalIdentifiers":["jd"]}`))
	if u.Name != "Jane E." || !slices.Equal(u.LoginIDs, []string{"jane@example.com", "jd"}) {
		t.Errorf("both names equal: %+v", u)
	}
	if u = okUser(t, s, "null additionalIdentifiers", patch(`{"loginId":"jd","additionalIdentifiers":null}`)); !slices.Equal(u.LoginIDs, []string{"jane@example.com"}) {
		t.Errorf("null additionalIdentifiers: login IDs %v", u.LoginIDs)
	}
	refusedMentioning(t, "additionalIdentifiers taken", patch(`{"loginId":"jane@example.com","additionalIdentifiers":["bob@example.com"]}`),
		http.StatusBadRequest, apitest.CodeInvalidArguments, "bob@example.com")

	// The recovery contacts: set with their flags; a flag alone marks the stored contact; an absent
	// flag leaves it; "" removes a contact and its flag; a flag without a contact marks nothing.
	for _, st := range []struct {
		body string
		want apitest.Recovery
	}{
		{`"recoveryEmail":"r@example.org","verifiedRecoveryEmail":true,"recoveryPhone":"+15555550180"`,
			apitest.Recovery{Email: "r@example.org", EmailVerified: true, Phone: "+15555550180"}},
		{`"verifiedRecoveryPhone":true`, apitest.Recovery{Email: "r@example.org", EmailVerified: true, Phone: "+15555550180", PhoneVerified: true}},
		{`"verifiedRecoveryEmail":false`, apitest.Recovery{Email: "r@example.org", Phone: "+15555550180", PhoneVerified: true}},
		{`"recoveryEmail":"r2@example.org"`, apitest.Recovery{Email: "r2@example.org", Phone: "+15555550180", PhoneVerified: true}},
		{`"recoveryPhone":""`, apitest.Recovery{Email: "r2@example.org"}},
		{`"verifiedRecoveryPhone":true`, apitest.Recovery{Email: "r2@example.org"}},
		{`"recoveryEmail":"","verifiedRecoveryEmail":true`, apitest.Recovery{}},
		{`"recoveryPhone":"+15555550181","verifiedRecoveryPhone":true,"displayName":"Jane R."`, apitest.Recovery{Phone: "+15555550181", PhoneVerified: true}},
	} {
		body := `{"identifier":"jane@example.com",` + st.body + "}"
		u := okUser(t, s, body, patch(body))
		if got := recoveryOf(u); got != st.want {
			t.Errorf("%s: recovery %+v, want %+v", body, got, st.want)
		}
	}
	if u := mustUser(t, s, "jane@example.com"); u.Email != jane().Email || u.Phone != jane().Phone || !u.VerifiedEmail || !u.VerifiedPhone || u.Name != "Jane R." {
		t.Errorf("the recovery fields changed the user's own contacts, or displayName was lost: %+v", u)
	}

	// Two names of one field with different values: 400 E011004 naming both fields and values.
	before, bobBefore := mustUser(t, s, "U2jane"), mustUser(t, s, "U2bob")
	for _, tc := range []struct {
		body    string
		mention []string
	}{
		{`{"loginId":"jane@example.com","identifier":"bob@example.com","name":"X"}`, []string{"loginId", "identifier", `"jane@example.com"`, `"bob@example.com"`}},
		{`{"loginId":"jane@example.com","identifier":"U2jane","name":"X"}`, []string{"loginId", "identifier", `"U2jane"`}},
		{`{"loginId":"jane@example.com","name":"A","displayName":"B"}`, []string{"name", "displayName", `"A"`, `"B"`}},
		{`{"loginId":"jane@example.com","additionalLoginIds":["x1"],"additionalIdentifiers":["x2"]}`, []string{"additionalLoginIds", "additionalIdentifiers", "x1", "x2"}},
		{`{"loginId":"jane@example.com","additionalLoginIds":null,"additionalIdentifiers":["x2"]}`, []string{"additionalLoginIds", "additionalIdentifiers", "x2"}},
	} {
		refusedMentioning(t, tc.body, patch(tc.body), http.StatusBadRequest, apitest.CodeInvalidArguments, tc.mention...)
	}
	refusedMentioning(t, "unknown identifier", patch(`{"identifier":"ghost@example.com","name":"G"}`), http.StatusNotFound, apitest.CodeUserNotFound, "ghost@example.com")
	for _, body := range []string{`{"identifier":"","name":"X"}`, `{"recoveryEmail":"x@example.org"}`, `{"loginId":"jane@example.com","recoveryEmail":null}`, `{"loginId":"jane@example.com","verifiedRecoveryPhone":"yes"}`} {
		refusedMentioning(t, body, patch(body), http.StatusBadRequest, apitest.CodeValidationFailed)
	}
	unchanged(t, s, "refused patches", before)
	unchanged(t, s, "refused patches", bobBefore)
}

// TestPatchBatchPublishedFields: each user of a batch is named and patched as a single patch is;
// a user whose two names of one field differ is a failure of that user (E011004, listed in
// failedUsers with the login IDs it was named by) and the others are applied. A user that does
// not match the spec still fails the whole batch.
func TestPatchBatchPublishedFields(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob(), carol(), dave()))
	bobBefore, carolBefore := mustUser(t, s, "U2bob"), mustUser(t, s, "U2carol")
	batch := func(body string) rawResponse { return raw(t, s, "PATCH", "/v1/mgmt/user/patch/batch", bearer(s), body) }
	r := batch(`{"users":[
		{"identifier":"jane","displayName":"Jane B.","recoveryEmail":"jb@example.org","verifiedRecoveryEmail":true},
		{"loginId":"bob@example.com","identifier":"carol","name":"Nobody"},
		{"loginId":"carol","name":"A","displayName":"B"},
		{"identifier":"ghost@example.com","name":"G"},
		{"loginId":"dave@example.com","identifier":"dave@example.com","additionalIdentifiers":["dave"],"recoveryPhone":"+15555550181","verifiedRecoveryPhone":true},
		{"loginId":"carol","additionalLoginIds":["c1"],"additionalIdentifiers":["c2"]}
	]}`)
	var out gen.PatchUsersBatchResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &out) != nil {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	if ids := userIDs(out.PatchedUsers); !slices.Equal(ids, []string{"U2jane", "U2dave"}) {
		t.Fatalf("patchedUsers %v, want [U2jane U2dave]: %s", ids, r.Body)
	}
	for _, u := range out.PatchedUsers {
		if stored := mustUser(t, s, u.UserID); !reflect.DeepEqual(u, stored) {
			t.Errorf("patched %s is not the stored user:\n%+v\n%+v", u.UserID, u, stored)
		}
	}
	if u := out.PatchedUsers[0]; u.Name != "Jane B." || recoveryOf(u) != (apitest.Recovery{Email: "jb@example.org", EmailVerified: true}) {
		t.Errorf("jane: %+v", u)
	}
	if u := out.PatchedUsers[1]; !slices.Equal(u.LoginIDs, []string{"dave@example.com", "dave"}) || recoveryOf(u) != (apitest.Recovery{Phone: "+15555550181", PhoneVerified: true}) {
		t.Errorf("dave: %+v", u)
	}
	want := []struct {
		loginIDs []string
		prefix   string
		mention  []string
	}{
		{[]string{"bob@example.com", "carol"}, "E011004: ", []string{"loginId", "identifier", `"bob@example.com"`, `"carol"`}},
		{[]string{"carol"}, "E011004: ", []string{"name", "displayName", `"A"`, `"B"`}},
		{[]string{"ghost@example.com"}, "E112102: user not found", nil},
		{[]string{"carol"}, "E011004: ", []string{"additionalLoginIds", "additionalIdentifiers"}},
	}
	if len(out.FailedUsers) != len(want) {
		t.Fatalf("failedUsers %+v, want %d", out.FailedUsers, len(want))
	}
	for i, w := range want {
		f := out.FailedUsers[i]
		if f.User == nil || !slices.Equal(f.User.LoginIDs, w.loginIDs) || !strings.HasPrefix(f.Failure, w.prefix) {
			t.Errorf("failedUsers[%d] = %q %+v, want %v and a failure starting %q", i, f.Failure, f.User, w.loginIDs, w.prefix)
		}
		for _, m := range w.mention {
			if !strings.Contains(f.Failure, m) {
				t.Errorf("failedUsers[%d]: failure does not name %q: %q", i, m, f.Failure)
			}
		}
	}
	unchanged(t, s, "failed batch entries", bobBefore)
	unchanged(t, s, "failed batch entries", carolBefore)
	if st := s.Stats(); st.PatchedUsers != 2 || st.FailedUsers != 4 {
		t.Errorf("stats: patched %d failed %d, want 2 and 4", st.PatchedUsers, st.FailedUsers)
	}

	// A user that does not match the spec fails the whole batch, before anything is applied.
	janeBefore := mustUser(t, s, "U2jane")
	r = batch(`{"users":[{"identifier":"jane","name":"Z"},{"identifier":""}]}`)
	wantError(t, "an empty identifier", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	unchanged(t, s, "a refused batch", janeBefore)
}

// TestUpdateUserPublishedFields: a full update takes status, the recovery contacts and their flags
// (absent: unchanged; "" removes a contact), phoneNumber (phone's other name) and identifier.
func TestUpdateUserPublishedFields(t *testing.T) {
	j := jane()
	j.Status = "disabled"
	j.RecoveryEmail, j.VerifiedRecoveryEmail, j.RecoveryPhone = "jr@example.org", true, "+15555550177"
	s := apitest.NewServer(t, apitest.WithUsers(j, bob()))
	o := newOps(t, s)
	jr := apitest.Recovery{Email: "jr@example.org", EmailVerified: true, Phone: "+15555550177"}

	for _, st := range []struct {
		what   string
		req    gen.UpdateUserRequest
		status string
		rec    apitest.Recovery
		check  func(u gen.User) bool
	}{
		{"absent: status and recovery stay, the rest is replaced", gen.UpdateUserRequest{LoginID: "U2jane", Email: "jane@example.com"},
			"disabled", jr, func(u gen.User) bool { return u.Phone == "" && u.Name == "" }},
		{"status", gen.UpdateUserRequest{LoginID: "U2jane", Status: ptr(gen.UserStatusEnabled)}, "enabled", jr, nil},
		{"status expired", gen.UpdateUserRequest{LoginID: "U2jane", Status: ptr(gen.UserStatusExpired)}, "expired", jr, nil},
		{"recovery contacts and flags", gen.UpdateUserRequest{LoginID: "U2jane", RecoveryEmail: ptr("new@example.org"), VerifiedRecoveryEmail: ptr(false),
			RecoveryPhone: ptr("+15555550190"), VerifiedRecoveryPhone: ptr(true)},
			"expired", apitest.Recovery{Email: "new@example.org", Phone: "+15555550190", PhoneVerified: true}, nil},
		{"a flag alone marks the stored contact", gen.UpdateUserRequest{LoginID: "U2jane", VerifiedRecoveryEmail: ptr(true)},
			"expired", apitest.Recovery{Email: "new@example.org", EmailVerified: true, Phone: "+15555550190", PhoneVerified: true}, nil},
		{`"" removes a contact and its flag`, gen.UpdateUserRequest{LoginID: "U2jane", RecoveryEmail: ptr(""), VerifiedRecoveryEmail: ptr(true)},
			"expired", apitest.Recovery{Phone: "+15555550190", PhoneVerified: true}, nil},
		{"phoneNumber", gen.UpdateUserRequest{LoginID: "U2jane", PhoneNumber: ptr("+15555550191"), VerifiedPhone: ptr(true)},
			"expired", apitest.Recovery{Phone: "+15555550190", PhoneVerified: true}, func(u gen.User) bool { return u.Phone == "+15555550191" && u.VerifiedPhone }},
		{"phone and phoneNumber equal", gen.UpdateUserRequest{LoginID: "U2jane", Phone: "+15555550192", PhoneNumber: ptr("+15555550192")},
			"expired", apitest.Recovery{Phone: "+15555550190", PhoneVerified: true}, func(u gen.User) bool { return u.Phone == "+15555550192" && !u.VerifiedPhone }},
		{"identifier", gen.UpdateUserRequest{Identifier: "jane@example.com", Email: "jane.i@example.com", Status: ptr(gen.UserStatusEnabled)},
			"enabled", apitest.Recovery{Phone: "+15555550190", PhoneVerified: true}, func(u gen.User) bool { return u.Email == "jane.i@example.com" && u.Phone == "" }},
	} {
		u := o.ok(st.what, o.update(st.req))
		if u.UserID != "U2jane" || u.Status != st.status || recoveryOf(u) != st.rec || (st.check != nil && !st.check(u)) {
			t.Errorf("%s: status %q recovery %+v, want %q %+v: %+v", st.what, u.Status, recoveryOf(u), st.status, st.rec, u)
		}
	}

	before, bobBefore := mustUser(t, s, "U2jane"), mustUser(t, s, "U2bob")
	for _, tc := range []struct {
		what    string
		req     gen.UpdateUserRequest
		mention []string
	}{
		{"phone and phoneNumber differ", gen.UpdateUserRequest{LoginID: "U2jane", Phone: "+15555550193", PhoneNumber: ptr("+15555550194")},
			[]string{"phone", "phoneNumber", "+15555550193", "+15555550194"}},
		{`phone and an empty phoneNumber`, gen.UpdateUserRequest{LoginID: "U2jane", Phone: "+15555550193", PhoneNumber: ptr("")}, []string{"phone", "phoneNumber"}},
		{"loginId and identifier differ", gen.UpdateUserRequest{LoginID: "U2jane", Identifier: "bob@example.com", Email: "x@example.com"},
			[]string{"loginId", "identifier", `"U2jane"`, `"bob@example.com"`}},
	} {
		r := o.update(tc.req)
		o.refused(tc.what, r, http.StatusBadRequest, apitest.CodeInvalidArguments)
		for _, m := range tc.mention {
			if !strings.Contains(r.Err.ErrorMessage, m) {
				t.Errorf("%s: message does not name %q: %q", tc.what, m, r.Err.ErrorMessage)
			}
		}
	}
	r := raw(t, s, "POST", "/v1/mgmt/user/update", bearer(s), `{"loginId":"U2jane","phone":"","phoneNumber":"+15555550195"}`)
	refusedMentioning(t, `phone "" and a phoneNumber`, r, http.StatusBadRequest, apitest.CodeInvalidArguments, `phone ""`, `phoneNumber "+15555550195"`)
	for _, body := range []string{`{"loginId":"jane","status":"deleted"}`, `{"loginId":"jane","recoveryEmail":null}`, `{"loginId":"jane","verifiedRecoveryPhone":1}`, `{"identifier":""}`} {
		r := raw(t, s, "POST", "/v1/mgmt/user/update", bearer(s), body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	}
	unchanged(t, s, "refused updates", before)
	unchanged(t, s, "refused updates", bobBefore)
}
