package apitest_test

// Behaviour of the fake for the user lifecycle operations of spec 1.3.0: create (plain, test,
// batch), invitations and their outbox, the test-user limit, delete (one, a batch, every test
// user) and logout. Passwords are in passwords_test.go, second factors, devices and the other
// operations in factors_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// post sends a hand-made JSON body to path with s's credentials.
func post(t *testing.T, s *apitest.Server, path, body string) rawResponse {
	t.Helper()
	return raw(t, s, http.MethodPost, path, bearer(s), body)
}

// created decodes a 200 answer of create, checks it is the stored user, and returns it with its
// `created` flag.
func created(t *testing.T, s *apitest.Server, what string, r rawResponse) (gen.User, bool) {
	t.Helper()
	var ur gen.UserResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil {
		t.Fatalf("%s: status %d, want 200: %s", what, r.Status, r.Body)
	}
	if stored := mustUser(t, s, ur.User.UserID); !reflect.DeepEqual(stored, ur.User) {
		t.Errorf("%s: the answer is not the stored user:\nanswer %+v\nstored %+v", what, ur.User, stored)
	}
	return ur.User, ur.Created
}

// wantEmpty checks a 200 answer of `{}`.
func wantEmpty(t *testing.T, what string, r rawResponse) {
	t.Helper()
	if r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "{}" {
		t.Fatalf("%s: %d %s, want 200 {}", what, r.Status, r.Body)
	}
}

func loginIDsOf(users []gen.User) []string {
	var ids []string
	for _, u := range users {
		ids = append(ids, u.LoginIDs...)
	}
	return ids
}

// TestCreatedUserLivesAndDies: a user created as Descope's Go SDK sends it gets a user ID, a
// created time and the status invited; it can be loaded, searched, patched and deleted, after
// which load and search no longer find it and its login ID is free again.
func TestCreatedUserLivesAndDies(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(bob()))
	body := `{"loginId":"jane@example.com","email":"jane@example.com","phone":"","displayName":"Jane Doe",
		"givenName":"Jane","middleName":"","familyName":"Doe","roleNames":["viewer"],
		"userTenants":[{"tenantId":"T1","roleNames":null}],"customAttributes":{"seats":3},"picture":"",
		"additionalLoginIds":["jane"],"ssoAppIDs":["app1"],"verifiedEmail":true,"invite":false}`
	u, isNew := created(t, s, "create", post(t, s, "/v1/mgmt/user/create", body))
	if !isNew {
		t.Error("created is false for a new user")
	}
	if !strings.HasPrefix(u.UserID, "U2") || u.UserID == "U2bob" {
		t.Errorf("userId %q", u.UserID)
	}
	if u.CreatedTime <= 0 || u.ModifiedTime != u.CreatedTime || u.Status != "invited" || u.Test {
		t.Errorf("createdTime %d, modifiedTime %d, status %q, test %v", u.CreatedTime, u.ModifiedTime, u.Status, u.Test)
	}
	if !slices.Equal(u.LoginIDs, []string{"jane@example.com", "jane"}) || u.Name != "Jane Doe" || !u.VerifiedEmail ||
		!slices.Equal(u.SsoAppIDs, []string{"app1"}) || u.CustomAttributes["seats"] != 3.0 ||
		len(u.UserTenants) != 1 || u.UserTenants[0].TenantID != "T1" || u.UserTenants[0].RoleNames != nil {
		t.Errorf("fields not as sent: %+v", u)
	}

	okUser(t, s, "load", raw(t, s, http.MethodGet, "/v1/mgmt/user?loginId=jane", bearer(s), ""))
	found := post(t, s, "/v2/mgmt/user/search", `{"emails":["jane@example.com"]}`)
	if !strings.Contains(found.Body, u.UserID) || !strings.Contains(found.Body, `"total":1`) {
		t.Errorf("search: %s", found.Body)
	}
	patched := okUser(t, s, "patch", raw(t, s, http.MethodPatch, "/v1/mgmt/user/patch", bearer(s), `{"loginId":"jane","status":"enabled"}`))
	if patched.Status != "enabled" {
		t.Errorf("patched status %q", patched.Status)
	}

	wantEmpty(t, "delete", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"jane@example.com","userId":""}`))
	r := raw(t, s, http.MethodGet, "/v1/mgmt/user?loginId=jane", bearer(s), "")
	wantError(t, "load after delete", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	if found := post(t, s, "/v2/mgmt/user/search", `{"emails":["jane@example.com"]}`); !strings.Contains(found.Body, `"total":0`) {
		t.Errorf("search after delete: %s", found.Body)
	}
	if _, ok := s.User(u.UserID); ok {
		t.Error("Server.User still finds the deleted user")
	}
	again, _ := created(t, s, "create again", post(t, s, "/v1/mgmt/user/create", `{"loginId":"jane"}`))
	if again.UserID == u.UserID {
		t.Errorf("a new user got the deleted user's ID %q", again.UserID)
	}
	if got := s.Users(); len(got) != 2 {
		t.Errorf("%d users, want bob and the new jane", len(got))
	}
}

// TestCreateRefusesTakenLoginIDs: a login ID is unique across users: a create whose login ID,
// or one of its additional ones, is another user's login ID or user ID is 400 E011004 naming it,
// and creates nothing.
func TestCreateRefusesTakenLoginIDs(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	for _, tc := range []struct{ body, names string }{
		{`{"loginId":"bob@example.com"}`, "bob@example.com"},
		{`{"loginId":"U2bob"}`, "U2bob"},
		{`{"loginId":"new@example.com","additionalLoginIds":["jane"]}`, "jane"},
		{`{"loginId":"new@example.com","additionalIdentifiers":["U2jane"]}`, "U2jane"},
		{`{"identifier":"jane@example.com","email":"x@example.com"}`, "jane@example.com"},
	} {
		refusedMentioning(t, tc.body, post(t, s, "/v1/mgmt/user/create", tc.body), http.StatusBadRequest, apitest.CodeInvalidArguments, tc.names)
	}
	if n := len(s.Users()); n != 2 {
		t.Errorf("%d users after refused creates, want 2", n)
	}
	// The same login ID twice in one user is one login ID.
	u, _ := created(t, s, "repeated", post(t, s, "/v1/mgmt/user/create", `{"loginId":"amy","additionalLoginIds":["amy","amy@example.com"]}`))
	if !slices.Equal(u.LoginIDs, []string{"amy", "amy@example.com"}) {
		t.Errorf("loginIds %v", u.LoginIDs)
	}
}

// TestCreateSpellingsMustAgree: fields spelt two ways are read under either name, and sent under
// both with different values are 400 E011004 naming both.
func TestCreateSpellingsMustAgree(t *testing.T) {
	s := apitest.NewServer(t)
	for _, tc := range []struct{ body, a, b string }{
		{`{"loginId":"a1","name":"A","displayName":"B"}`, "name", "displayName"},
		{`{"loginId":"a2","additionalIdentifiers":["x"],"additionalLoginIds":["y"]}`, "additionalLoginIds", "additionalIdentifiers"},
		{`{"loginId":"a3","ssoAppIds":["x"],"ssoAppIDs":["y"]}`, "ssoAppIds", "ssoAppIDs"},
		{`{"loginId":"a4","phone":"+15555550100","phoneNumber":"+15555550101"}`, "phone", "phoneNumber"},
		{`{"loginId":"a5","identifier":"a6"}`, "loginId", "identifier"},
	} {
		refusedMentioning(t, tc.body, post(t, s, "/v1/mgmt/user/create", tc.body), http.StatusBadRequest, apitest.CodeInvalidArguments, tc.a, tc.b)
	}
	if n := len(s.Users()); n != 0 {
		t.Fatalf("%d users created by refused bodies", n)
	}
	u, _ := created(t, s, ".NET spellings", post(t, s, "/v1/mgmt/user/create",
		`{"identifier":"net@example.com","name":"Net","additionalIdentifiers":["net"],"ssoAppIds":["app2"],"phoneNumber":"+15555550102","verifiedPhone":true}`))
	if !slices.Equal(u.LoginIDs, []string{"net@example.com", "net"}) || u.Name != "Net" || !slices.Equal(u.SsoAppIDs, []string{"app2"}) || u.Phone != "+15555550102" || !u.VerifiedPhone {
		t.Errorf(".NET spellings not applied: %+v", u)
	}
	u, _ = created(t, s, "both spellings, equal", post(t, s, "/v1/mgmt/user/create",
		`{"loginId":"both","name":"Both","displayName":"Both","phone":"+15555550103","phoneNumber":"+15555550103"}`))
	if u.Name != "Both" || u.Phone != "+15555550103" {
		t.Errorf("equal spellings: %+v", u)
	}
}

// TestCreateFields: status, flags without their contact, recovery contacts, the test flag.
func TestCreateFields(t *testing.T) {
	s := apitest.NewServer(t)
	u, _ := created(t, s, "status", post(t, s, "/v1/mgmt/user/create", `{"loginId":"e1","status":"enabled","verifiedEmail":true,"verifiedPhone":true}`))
	if u.Status != "enabled" || u.VerifiedEmail || u.VerifiedPhone {
		t.Errorf("status %q, verified flags without contacts %v %v", u.Status, u.VerifiedEmail, u.VerifiedPhone)
	}
	u, _ = created(t, s, "recovery", post(t, s, "/v1/mgmt/user/create", `{"loginId":"e2","recoveryEmail":"r@example.com","verifiedRecoveryEmail":true,"verifiedRecoveryPhone":true}`))
	if got := recoveryOf(u); got != (apitest.Recovery{Email: "r@example.com", EmailVerified: true}) {
		t.Errorf("recovery %+v", got)
	}
	u, _ = created(t, s, "test on create", post(t, s, "/v1/mgmt/user/create", `{"loginId":"e3","test":true}`))
	if !u.Test {
		t.Error("test: true on create made no test user")
	}
	u, _ = created(t, s, "create/test", post(t, s, "/v1/mgmt/user/create/test", `{"loginId":"e4","test":false}`))
	if !u.Test {
		t.Error("create/test made no test user")
	}
	// A test user is left out of a search that does not ask for test users.
	if r := post(t, s, "/v2/mgmt/user/search", `{"loginIds":["e4"]}`); !strings.Contains(r.Body, `"total":0`) {
		t.Errorf("search without test users found e4: %s", r.Body)
	}
}

// TestInvitations: an invitation creates the user invited and keeps in the outbox what would have
// been sent, by email (the default, when the user has one) or text message (when asked); inviting
// an existing login ID or user ID re-invites that user, unchanged, with created false.
func TestInvitations(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(bob()))
	u, isNew := created(t, s, "invite", post(t, s, "/v1/mgmt/user/create", `{"loginId":"cat@example.com","email":"cat@example.com","phone":"+15555550111",
		"invite":true,"inviteUrl":"https://app.example.com/welcome","templateId":"welcome-v2","templateOptions":{"team":"Platform"},"locale":"en-GB","password":"s3cret-Pa55"}`))
	if !isNew || u.Status != "invited" {
		t.Errorf("created %v, status %q", isNew, u.Status)
	}
	want := apitest.Invitation{
		UserID: u.UserID, LoginID: "cat@example.com", Email: "cat@example.com", Phone: "+15555550111", ByEmail: true,
		InviteURL: "https://app.example.com/welcome", TemplateID: "welcome-v2", TemplateOptions: map[string]string{"team": "Platform"}, Locale: "en-GB",
	}
	out := s.Outbox()
	if len(out) != 1 {
		t.Fatalf("outbox %+v, want one invitation", out)
	}
	out[0].Time = want.Time
	if !reflect.DeepEqual(out[0], want) {
		t.Errorf("invitation\n got %+v\nwant %+v", out[0], want)
	}
	if strings.Contains(fmt.Sprintf("%+v %#v", s.Outbox(), s.Outbox()), "s3cret-Pa55") {
		t.Error("the outbox shows the password")
	}

	created(t, s, "by SMS only", post(t, s, "/v1/mgmt/user/create", `{"loginId":"dan","email":"dan@example.com","phone":"+15555550112","invite":true,"sendMail":false,"sendSMS":true}`))
	created(t, s, "nothing to send", post(t, s, "/v1/mgmt/user/create", `{"loginId":"eve","invite":true}`))
	created(t, s, "no invite", post(t, s, "/v1/mgmt/user/create", `{"loginId":"fay","email":"fay@example.com","sendMail":true}`))
	out = s.Outbox()
	if len(out) != 2 || out[1].LoginID != "dan" || out[1].ByEmail || !out[1].BySMS {
		t.Errorf("outbox %+v, want cat's and dan's (by SMS)", out)
	}

	// Re-invitation: by login ID and by user ID; the user is left as it is.
	before := mustUser(t, s, "bob@example.com")
	for _, name := range []string{"bob@example.com", "U2bob"} {
		again, isNew := created(t, s, "re-invite "+name, post(t, s, "/v1/mgmt/user/create", `{"loginId":"`+name+`","invite":true,"displayName":"Robert"}`))
		if isNew || !reflect.DeepEqual(again, before) {
			t.Errorf("re-invite %s: created %v, user %+v", name, isNew, again)
		}
	}
	if out := s.Outbox(); len(out) != 4 || out[2].UserID != "U2bob" || out[3].Email != "bob@example.com" || !out[3].ByEmail {
		t.Errorf("outbox after re-invites: %+v", out)
	}
	// A plain create of an existing login ID is still a conflict.
	refusedMentioning(t, "plain create of bob", post(t, s, "/v1/mgmt/user/create", `{"loginId":"bob@example.com"}`), http.StatusBadRequest, apitest.CodeInvalidArguments, "bob@example.com")
}

// batchAnswer decodes a 200 answer of create/batch.
func batchAnswer(t *testing.T, what string, r rawResponse) gen.CreateUsersBatchResponse {
	t.Helper()
	var a gen.CreateUsersBatchResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &a) != nil {
		t.Fatalf("%s: status %d, want 200: %s", what, r.Status, r.Body)
	}
	return a
}

// TestCreateBatchAccountsForEveryUser: every user of a batch is created or failed, once, in input
// order; a user whose login ID exists (also earlier in the same batch), whose hash is bad, or who
// is a test user beyond the limit fails alone; seed, status and createdTime apply.
func TestCreateBatchAccountsForEveryUser(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithTestUserLimit(1))
	a := batchAnswer(t, "batch", post(t, s, "/v1/mgmt/user/create/batch", `{"users":[
		{"loginId":"ann@example.com","email":"ann@example.com","seed":"JBSWY3DPEHPK3PXP","status":"enabled","createdTime":1600000000},
		{"loginId":"jane@example.com"},
		{"loginId":"ben","displayName":"Ben"},
		{"loginId":"ben"},
		{"loginId":"cal","hashedPassword":{"bcrypt":{"hash":"not-bcrypt"}}},
		{"loginId":"t1","test":true},
		{"loginId":"t2","test":true},
		{"loginId":"dee","name":"D","displayName":"E"}]}`))
	if got := loginIDsOf(a.CreatedUsers); !slices.Equal(got, []string{"ann@example.com", "ben", "t1"}) {
		t.Errorf("created %v", got)
	}
	var failed []string
	for _, f := range a.FailedUsers {
		if f.User == nil || len(f.User.LoginIDs) != 1 {
			t.Fatalf("failure without its login ID: %+v", f)
		}
		failed = append(failed, f.User.LoginIDs[0]+" "+f.Failure[:7])
	}
	if want := []string{"jane@example.com E011004", "ben E011004", "cal E011004", "t2 E111111", "dee E011004"}; !slices.Equal(failed, want) {
		t.Errorf("failed %v, want %v", failed, want)
	}
	if f := a.FailedUsers[3].Failure; !strings.Contains(f, "E013002") {
		t.Errorf("test-user limit failure %q does not carry E013002", f)
	}
	ann := mustUser(t, s, "ann@example.com")
	if !ann.TOTP || ann.Status != "enabled" || ann.CreatedTime != 1600000000 || ann.Password {
		t.Errorf("ann: %+v", ann)
	}
	if strings.Contains(fmt.Sprint(a), "JBSWY3DPEHPK3PXP") {
		t.Error("the answer carries the seed")
	}
	if st := s.Stats(); st.CreatedUsers != 3 {
		t.Errorf("Stats().CreatedUsers = %d, want 3", st.CreatedUsers)
	}

	// Go sends null for no users; an invalid user fails the whole call before anything is created.
	if a := batchAnswer(t, "null", post(t, s, "/v1/mgmt/user/create/batch", `{"users":null}`)); len(a.CreatedUsers)+len(a.FailedUsers) != 0 {
		t.Errorf("null users: %+v", a)
	}
	r := post(t, s, "/v1/mgmt/user/create/batch", `{"users":[{"loginId":"gus"},{"loginId":"hal","nickname":"x"}]}`)
	wantError(t, "invalid batch", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	if _, ok := s.User("gus"); ok {
		t.Error("a batch refused as a whole created a user")
	}
}

// TestInviteBatch: the batch's invitation options apply to every user; an existing user is
// re-invited and listed as created, unchanged.
func TestInviteBatch(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(bob()))
	a := batchAnswer(t, "invite batch", post(t, s, "/v1/mgmt/user/create/batch", `{"users":[
		{"loginId":"cat@example.com","email":"cat@example.com"},{"loginId":"U2bob"}],
		"invite":true,"inviteUrl":"https://app.example.com/welcome","templateId":"t-1","locale":"fr"}`))
	if got := loginIDsOf(a.CreatedUsers); !slices.Equal(got, []string{"cat@example.com", "bob@example.com"}) || len(a.FailedUsers) != 0 {
		t.Fatalf("created %v, failed %+v", got, a.FailedUsers)
	}
	if a.CreatedUsers[0].Status != "invited" || !reflect.DeepEqual(a.CreatedUsers[1], mustUser(t, s, "U2bob")) {
		t.Errorf("answers: %+v", a.CreatedUsers)
	}
	out := s.Outbox()
	if len(out) != 2 || out[0].LoginID != "cat@example.com" || out[1].UserID != "U2bob" {
		t.Fatalf("outbox %+v", out)
	}
	for _, inv := range out {
		if inv.InviteURL != "https://app.example.com/welcome" || inv.TemplateID != "t-1" || inv.Locale != "fr" || !inv.ByEmail {
			t.Errorf("invitation %+v", inv)
		}
	}
}

// TestTestUserLimit: test users are counted against the limit (DefaultTestUserLimit unless
// WithTestUserLimit says otherwise); the create beyond it is 400 E111111 carrying E013002; real
// users do not count, and deleting a test user frees its place.
func TestTestUserLimit(t *testing.T) {
	s := apitest.NewServer(t)
	for i := range apitest.DefaultTestUserLimit {
		created(t, s, "test user", post(t, s, "/v1/mgmt/user/create/test", fmt.Sprintf(`{"loginId":"t%d"}`, i)))
	}
	created(t, s, "a real user", post(t, s, "/v1/mgmt/user/create", `{"loginId":"real"}`))
	r := post(t, s, "/v1/mgmt/user/create/test", `{"loginId":"one-too-many"}`)
	refusedMentioning(t, "beyond the limit", r, http.StatusBadRequest, apitest.CodeTestUserCreateFailed, "E013002")
	refusedMentioning(t, "beyond the limit on create", post(t, s, "/v1/mgmt/user/create", `{"loginId":"one-too-many","test":true}`),
		http.StatusBadRequest, apitest.CodeTestUserCreateFailed, "E013002")
	wantEmpty(t, "delete a test user", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"t0"}`))
	created(t, s, "in the freed place", post(t, s, "/v1/mgmt/user/create/test", `{"loginId":"one-too-many"}`))

	unlimited := apitest.NewServer(t, apitest.WithTestUserLimit(0))
	for i := range 2 * apitest.DefaultTestUserLimit {
		created(t, unlimited, "unlimited", post(t, unlimited, "/v1/mgmt/user/create/test", fmt.Sprintf(`{"loginId":"t%d"}`, i)))
	}
}

// TestDeleteUser: by login ID, by user ID (in loginId or userId), by identifier, as the Go SDK
// sends it; both names must name one user; neither is E011002; an unknown user is 404 E112102,
// and so is a retried delete.
func TestDeleteUser(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob(), gen.User{UserID: "U2cat", LoginIDs: []string{"cat"}}, gen.User{UserID: "U2dan", LoginIDs: []string{"dan"}}))
	refusedMentioning(t, "two users", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"jane","userId":"U2bob"}`), http.StatusBadRequest, apitest.CodeInvalidArguments, "jane", "U2bob")
	r := post(t, s, "/v1/mgmt/user/delete", `{"loginId":"","userId":""}`)
	wantError(t, "no one", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeMissingArguments)
	r = post(t, s, "/v1/mgmt/user/delete", `{"userId":"bob@example.com"}`)
	wantError(t, "a login ID in userId", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	if n := len(s.Users()); n != 4 {
		t.Fatalf("refused deletes deleted users: %d left", n)
	}
	wantEmpty(t, "same user twice", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"jane","userId":"U2jane"}`))
	wantEmpty(t, "Go SDK by user ID", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"","userId":"U2bob"}`))
	wantEmpty(t, "identifier", post(t, s, "/v1/mgmt/user/delete", `{"identifier":"cat"}`))
	wantEmpty(t, "user ID in loginId", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"U2dan"}`))
	if n := len(s.Users()); n != 0 {
		t.Errorf("%d users left", n)
	}
	r = post(t, s, "/v1/mgmt/user/delete", `{"loginId":"jane"}`)
	wantError(t, "retried delete", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	if st := s.Stats(); st.DeletedUsers != 4 {
		t.Errorf("Stats().DeletedUsers = %d, want 4", st.DeletedUsers)
	}
}

// TestDeleteUsersBatch: user IDs only; unknown ones are skipped; the answer is {}.
func TestDeleteUsersBatch(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	wantEmpty(t, "batch", post(t, s, "/v1/mgmt/user/delete/batch", `{"userIds":["U2jane","U2ghost","bob@example.com"]}`))
	if got := loginIDsOf(s.Users()); !slices.Equal(got, []string{"bob@example.com"}) {
		t.Errorf("left %v, want bob (named by login ID, which userIds does not take)", got)
	}
	wantEmpty(t, "retry", post(t, s, "/v1/mgmt/user/delete/batch", `{"userIds":["U2jane"]}`))
	wantEmpty(t, "empty", post(t, s, "/v1/mgmt/user/delete/batch", `{"userIds":[]}`))
}

// TestDeleteAllTestUsers: a DELETE without a body removes every test user and no other.
func TestDeleteAllTestUsers(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), gen.User{UserID: "U2t", LoginIDs: []string{"t"}, Test: true}))
	created(t, s, "test user", post(t, s, "/v1/mgmt/user/create/test", `{"loginId":"t2"}`))
	wantEmpty(t, "delete all", raw(t, s, http.MethodDelete, "/v1/mgmt/user/test/delete/all", bearer(s), ""))
	if got := loginIDsOf(s.Users()); !slices.Equal(got, []string{"jane@example.com", "jane"}) {
		t.Errorf("left %v", got)
	}
	wantEmpty(t, "again", raw(t, s, http.MethodDelete, "/v1/mgmt/user/test/delete/all", bearer(s), ""))
}

// TestLogout: the fake records which user's sessions ended, all of them or the types asked.
func TestLogout(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	wantEmpty(t, "Go SDK, all", post(t, s, "/v1/mgmt/user/logout", `{"userId":"","loginId":"jane","sessionTypes":null}`))
	wantEmpty(t, "by user ID, some", post(t, s, "/v1/mgmt/user/logout", `{"userId":"U2bob","sessionTypes":["web","mobile"]}`))
	got := s.Logouts()
	if len(got) != 2 || got[0].UserID != "U2jane" || got[0].SessionTypes != nil || got[1].UserID != "U2bob" || !slices.Equal(got[1].SessionTypes, []string{"web", "mobile"}) || got[0].Time.IsZero() {
		t.Errorf("logouts %+v", got)
	}
	r := post(t, s, "/v1/mgmt/user/logout", `{"loginId":"ghost"}`)
	wantError(t, "unknown user", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	r = post(t, s, "/v1/mgmt/user/logout", `{"sessionTypes":["web"]}`)
	wantError(t, "no user", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeMissingArguments)
	if len(s.Logouts()) != 2 {
		t.Error("a refused logout was recorded")
	}
}

func jsonUnmarshal(body string, v any) error { return json.Unmarshal([]byte(body), v) }
