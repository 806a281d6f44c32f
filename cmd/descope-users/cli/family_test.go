package cli

// Tests of the commands for the user-update operations beyond the first five (activate and
// deactivate, login IDs, email, recovery contacts, roles, tenants, SSO apps), of load,
// load-users, search, search-test-users, export, update and license. Each runs the command line
// against the apitest fake and reads the fake's users afterwards.

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// familyUsers are users added to testUsers() for these tests: one with several login IDs,
// tenants, SSO apps and custom attributes of every JSON kind; a disabled and an invited user;
// and test users, which only search-test-users finds.
func familyUsers() []gen.User {
	return []gen.User{
		{LoginIDs: []string{"multi@example.com", "multi-alt@example.com", "+15550000077"}, UserID: "U2multi", Name: "Multi Ple",
			GivenName: "Multi", FamilyName: "Ple", Email: "multi@example.com", VerifiedEmail: true, Phone: "+15550000077", VerifiedPhone: true,
			Picture: "https://example.com/m.png", RoleNames: []string{"editor", "billing"},
			RecoveryEmail: "multi-r@example.com", VerifiedRecoveryEmail: true, RecoveryPhone: "+15550000078",
			UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-admin"}}, {TenantID: "T2"}},
			SsoAppIDs:   []string{"app-1"},
			CustomAttributes: map[string]any{"plan": "team", "seats": 12, "ratio": 0.25, "beta": true,
				"tags": []any{"a", "b"}, "nested": map[string]any{"k": 1.5, "l": []any{1, "x"}}}},
		{LoginIDs: []string{"off@example.com"}, UserID: "U2off", Name: "Off", Status: "disabled", RoleNames: []string{"editor"}},
		{LoginIDs: []string{"inv@example.com"}, UserID: "U2inv", Name: "Inv", Status: "invited",
			UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-viewer"}}}},
		{LoginIDs: []string{"tester1@example.com"}, UserID: "U2test1", Name: "Tester One", Test: true, RoleNames: []string{"qa"}},
		{LoginIDs: []string{"tester2@example.com"}, UserID: "U2test2", Name: "Tester Two", Test: true, RoleNames: []string{"qa"},
			UserTenants: []gen.UserTenant{{TenantID: "T1"}}},
		{LoginIDs: []string{"tester3@example.com"}, UserID: "U2test3", Name: "Tester Three", Test: true, Status: "disabled"},
		{LoginIDs: []string{"tester4@example.com"}, UserID: "U2test4", Name: "Tester Four", Test: true},
		{LoginIDs: []string{"tester5@example.com"}, UserID: "U2test5", Name: "Tester Five", Test: true, RoleNames: []string{"qa"}},
	}
}

// allNonTest are the login IDs of the users a search without filters finds, in the fake's order.
var allNonTest = []string{"jane@example.com", "joe@example.com", "ann@example.com", "multi@example.com", "off@example.com", "inv@example.com"}

var allTest = []string{"tester1@example.com", "tester2@example.com", "tester3@example.com", "tester4@example.com", "tester5@example.com"}

// newFamilyServer is newServer with familyUsers too.
func newFamilyServer(t *testing.T, opts ...apitest.Option) (*apitest.Server, map[string]string) {
	t.Helper()
	return newServer(t, append([]apitest.Option{apitest.WithUsers(familyUsers()...)}, opts...)...)
}

// opsSince returns the operation IDs of the requests the fake answered after the first n.
func opsSince(s *apitest.Server, n int) []string {
	var ops []string
	for _, r := range s.Requests()[n:] {
		ops = append(ops, r.OperationID)
	}
	return ops
}

// lastBody decodes the body of the last request the fake got into v.
func lastBody(t *testing.T, s *apitest.Server, v any) {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake got no request")
	}
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, v); err != nil {
		t.Fatalf("request body %s: %v", reqs[len(reqs)-1].Body, err)
	}
}

// userLines decodes the users a command printed as JSON Lines: one compact object per line.
func userLines(t *testing.T, r result) []api.User {
	t.Helper()
	if r.stdout == "" {
		return nil
	}
	if !strings.HasSuffix(r.stdout, "\n") {
		t.Errorf("JSON Lines output does not end with a newline:\n%s", r)
	}
	var users []api.User
	for i, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if !strings.HasPrefix(line, "{") || !strings.HasSuffix(line, "}") {
			t.Fatalf("line %d is not one JSON object: %q\n%s", i+1, line, r)
		}
		var u api.User
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			t.Fatalf("line %d is not a user: %v\n%s", i+1, err, r)
		}
		users = append(users, u)
	}
	return users
}

func firstLoginIDs(users []api.User) []string {
	ids := []string{}
	for _, u := range users {
		ids = append(ids, userKey(u))
	}
	return ids
}

func userKey(u api.User) string {
	if len(u.LoginIDs) > 0 {
		return u.LoginIDs[0]
	}
	return u.UserID
}

// usersIgnoringModified is every user of the fake, with modifiedTime zeroed: the fake sets it on
// every write, also one that changes nothing.
func usersIgnoringModified(s *apitest.Server) []gen.User {
	us := s.Users()
	for i := range us {
		us[i].ModifiedTime = 0
	}
	return us
}

// diffUsers reports the users of after that differ from before (same order: the fake keeps
// insertion order), except those in changed, and returns the user IDs that differ.
func diffUsers(t *testing.T, before, after []gen.User, changed ...string) []string {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%d users before, %d after", len(before), len(after))
	}
	var differ []string
	for i := range before {
		if reflect.DeepEqual(before[i], after[i]) {
			continue
		}
		differ = append(differ, before[i].UserID)
		if !slices.Contains(changed, before[i].UserID) {
			t.Errorf("user %s changed:\nbefore %+v\nafter  %+v", before[i].UserID, before[i], after[i])
		}
	}
	return differ
}

// wantAPIError checks an API refusal: exit 1, nothing on stdout, one line on stderr that starts
// with the command's name and holds every want, and no management key anywhere.
func wantAPIError(t *testing.T, r result, cmd string, want ...string) {
	t.Helper()
	if r.code != exitFailed {
		t.Errorf("%s: exit %d, want %d\n%s", cmd, r.code, exitFailed, r)
		return
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, progName+" "+cmd+": ") {
		t.Errorf("%s: want one line naming the command, got %q", cmd, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(strings.ToLower(line), strings.ToLower(w)) {
			t.Errorf("%s: stderr %q does not say %q", cmd, r.stderr, w)
		}
	}
	if r.stdout != "" {
		t.Errorf("%s: stdout on an API error: %q", cmd, r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, testKey) {
		t.Errorf("%s: the management key is in the output", cmd)
	}
}

// runUsage runs a command line that is a usage error and checks: exit 2, nothing on stdout, a
// message naming the command and holding want, and not one request to the fake.
func runUsage(t *testing.T, s *apitest.Server, env map[string]string, want string, args ...string) {
	t.Helper()
	before := s.Stats().Requests
	r := runCLI(t, env, withURL(s, args...)...)
	sent := s.Stats().Requests - before
	if r.code != exitUsage {
		t.Errorf("%q: exit %d, want %d (a usage error); %d requests sent, stderr %q", args, r.code, exitUsage, sent, r.stderr)
		return
	}
	if !strings.Contains(r.stderr, progName+" "+args[0]) || !strings.Contains(r.stderr, want) {
		t.Errorf("%q: stderr does not name the command and %q:\n%s", args, want, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("%q: stdout on a usage error: %q", args, r.stdout)
	}
	if sent != 0 {
		t.Errorf("%q: a usage error sent %d requests", args, sent)
	}
}

// step is one command line about one user and what the user must look like afterwards, both in
// the fake and as printed.
type step struct {
	args  []string
	check func(u gen.User) bool
}

// runSteps runs each step, which must exit 0, print the user as indented JSON, make exactly one
// request (of operation op, unless op is "") and leave the user login names passing its check.
func runSteps(t *testing.T, s *apitest.Server, env map[string]string, login, op string, steps []step) {
	t.Helper()
	for _, st := range steps {
		before := len(s.Requests())
		r := runCLI(t, env, withURL(s, st.args...)...)
		wantExit(t, r, 0)
		if u := user(t, s, login); !st.check(u) {
			t.Errorf("%q: stored user %+v", st.args, u)
		}
		p := printedUser(t, r)
		if !st.check(p) || userKey(p) != userKey(user(t, s, login)) {
			t.Errorf("%q: printed user %+v", st.args, p)
		}
		if ops := opsSince(s, before); len(ops) != 1 || ops[0] != op && op != "" {
			t.Errorf("%q: requests %v, want one %s", st.args, ops, op)
		}
		if r.stderr != "" {
			t.Errorf("%q: stderr %q", st.args, r.stderr)
		}
	}
}

func TestActivateDeactivate(t *testing.T) {
	s, env := newFamilyServer(t)
	runSteps(t, s, env, "jane@example.com", "UpdateUserStatus", []step{
		{[]string{"deactivate", "--login-id", "jane@example.com"}, func(u gen.User) bool { return u.Status == "disabled" }},
		{[]string{"deactivate", "--login-id", "jane@example.com"}, func(u gen.User) bool { return u.Status == "disabled" }},
		{[]string{"activate", "--login-id", "U2jane"}, func(u gen.User) bool { return u.Status == "enabled" && u.Name == "Jane" }},
	})
	var body struct{ LoginID, Status string }
	lastBody(t, s, &body)
	if body.LoginID != "U2jane" || body.Status != "enabled" {
		t.Errorf("activate sent %+v", body)
	}
	runSteps(t, s, env, "inv@example.com", "UpdateUserStatus", []step{
		{[]string{"activate", "--login-id", "inv@example.com"}, func(u gen.User) bool { return u.Status == "enabled" }},
	})
	runSteps(t, s, env, "off@example.com", "UpdateUserStatus", []step{
		{[]string{"activate", "--login-id", "off@example.com"}, func(u gen.User) bool { return u.Status == "enabled" }},
	})
	if u := user(t, s, "joe@example.com"); u.Status != "enabled" {
		t.Errorf("joe's status changed to %q", u.Status)
	}
}

func TestUpdateLoginID(t *testing.T) {
	s, env := newFamilyServer(t)
	runSteps(t, s, env, "jane@example.org", "UpdateUserLoginID", []step{
		{[]string{"update-login-id", "--login-id", "jane@example.com", "--new-login-id", "jane@example.org"},
			func(u gen.User) bool {
				return reflect.DeepEqual(u.LoginIDs, []string{"jane@example.org"}) && u.UserID == "U2jane"
			}},
	})
	if _, ok := s.User("jane@example.com"); ok {
		t.Error("the old login ID still finds a user")
	}
	// Named by its user ID, the user's first login ID is replaced.
	runSteps(t, s, env, "multi@example.net", "UpdateUserLoginID", []step{
		{[]string{"update-login-id", "--login-id", "U2multi", "--new-login-id", "multi@example.net"},
			func(u gen.User) bool {
				return reflect.DeepEqual(u.LoginIDs, []string{"multi@example.net", "multi-alt@example.com", "+15550000077"})
			}},
		// '' removes one login ID of a user that has several.
		{[]string{"update-login-id", "--login-id", "multi-alt@example.com", "--new-login-id", ""},
			func(u gen.User) bool {
				return reflect.DeepEqual(u.LoginIDs, []string{"multi@example.net", "+15550000077"})
			}},
	})

	// Refused by the API: the last login ID, another user's login ID, an unknown user.
	before := usersIgnoringModified(s)
	r := runCLI(t, env, withURL(s, "update-login-id", "--login-id", "joe@example.com", "--new-login-id", "")...)
	wantAPIError(t, r, "update-login-id", "HTTP 400", "E011004", "last", "cannot be removed")
	r = runCLI(t, env, withURL(s, "update-login-id", "--login-id", "joe@example.com", "--new-login-id", "ann@example.com")...)
	wantAPIError(t, r, "update-login-id", "HTTP 400", "E011004", "ann@example.com", "belongs to another user")
	r = runCLI(t, env, withURL(s, "update-login-id", "--login-id", "ghost@example.com", "--new-login-id", "g@example.com")...)
	wantAPIError(t, r, "update-login-id", "HTTP 404", "E112102", "user not found")
	diffUsers(t, before, usersIgnoringModified(s))
}

func TestUpdateEmail(t *testing.T) {
	s, env := newFamilyServer(t)
	runSteps(t, s, env, "joe@example.com", "UpdateUserEmail", []step{
		{[]string{"update-email", "--login-id", "joe@example.com", "--email", "joe.new@example.com", "--verified"},
			func(u gen.User) bool { return u.Email == "joe.new@example.com" && u.VerifiedEmail }},
		{[]string{"update-email", "--login-id", "U2joe", "--email", "joe.other@example.com"},
			func(u gen.User) bool { return u.Email == "joe.other@example.com" && !u.VerifiedEmail }},
	})
	var body struct {
		LoginID                  string
		Email                    string
		Verified, FailOnConflict bool
	}
	lastBody(t, s, &body)
	if body.LoginID != "U2joe" || body.Email != "joe.other@example.com" || body.Verified || body.FailOnConflict {
		t.Errorf("sent %+v", body)
	}

	// Jane's email, with --fail-on-conflict: refused, joe unchanged.
	r := runCLI(t, env, withURL(s, "update-email", "--login-id", "joe@example.com", "--email", "jane@example.com", "--fail-on-conflict")...)
	wantAPIError(t, r, "update-email", "HTTP 400", "E011004", "jane@example.com")
	if u := user(t, s, "joe@example.com"); u.Email != "joe.other@example.com" {
		t.Errorf("email changed to %q", u.Email)
	}
	// Without the flag it is taken; '' then removes it.
	runSteps(t, s, env, "joe@example.com", "UpdateUserEmail", []step{
		{[]string{"update-email", "--login-id", "joe@example.com", "--email", "jane@example.com", "--verified"},
			func(u gen.User) bool { return u.Email == "jane@example.com" && u.VerifiedEmail }},
		{[]string{"update-email", "--login-id", "joe@example.com", "--email", ""},
			func(u gen.User) bool { return u.Email == "" && !u.VerifiedEmail && u.Phone == "+15550000001" }},
	})
}

func TestUpdateRecoveryContacts(t *testing.T) {
	s, env := newFamilyServer(t)
	janeBefore := user(t, s, "jane@example.com")
	r := runCLI(t, env, withURL(s, "update-recovery-email", "--login-id", "jane@example.com", "--email", "jane.backup@example.net", "--verified")...)
	wantExit(t, r, 0)
	if rec, _ := s.Recovery("jane@example.com"); rec.Email != "jane.backup@example.net" || !rec.EmailVerified || rec.Phone != "" {
		t.Errorf("recovery %+v", rec)
	}
	if p := printedUser(t, r); userKey(p) != "jane@example.com" || p.Email != "jane@example.com" {
		t.Errorf("printed %+v", p)
	}
	if p := printedUser(t, r); p.RecoveryEmail != "jane.backup@example.net" || !p.VerifiedRecoveryEmail {
		t.Errorf("the printed user does not show the recovery email:\n%s", r.stdout)
	}

	r = runCLI(t, env, withURL(s, "update-recovery-phone", "--login-id", "U2jane", "--phone", "+15555550199")...)
	wantExit(t, r, 0)
	if rec, _ := s.Recovery("jane@example.com"); rec.Phone != "+15555550199" || rec.PhoneVerified || rec.Email != "jane.backup@example.net" {
		t.Errorf("recovery %+v", rec)
	}
	if p := printedUser(t, r); userKey(p) != "jane@example.com" {
		t.Errorf("printed %+v", p)
	}
	r = runCLI(t, env, withURL(s, "update-recovery-phone", "--login-id", "jane@example.com", "--phone", "+15555550100", "--verified")...)
	wantExit(t, r, 0)
	if rec, _ := s.Recovery("jane@example.com"); rec.Phone != "+15555550100" || !rec.PhoneVerified {
		t.Errorf("recovery %+v", rec)
	}

	// '' removes each.
	wantExit(t, runCLI(t, env, withURL(s, "update-recovery-email", "--login-id", "jane@example.com", "--email", "")...), 0)
	wantExit(t, runCLI(t, env, withURL(s, "update-recovery-phone", "--login-id", "jane@example.com", "--phone", "")...), 0)
	if rec, _ := s.Recovery("jane@example.com"); rec != (apitest.Recovery{}) {
		t.Errorf("recovery not removed: %+v", rec)
	}
	// The user itself, and everyone else's recovery, are untouched.
	after := user(t, s, "jane@example.com")
	janeBefore.ModifiedTime, after.ModifiedTime = 0, 0
	if !reflect.DeepEqual(janeBefore, after) {
		t.Errorf("the user changed:\nbefore %+v\nafter  %+v", janeBefore, after)
	}
	if rec, _ := s.Recovery("joe@example.com"); rec != (apitest.Recovery{}) {
		t.Errorf("joe's recovery %+v", rec)
	}
	ops := opsSince(s, 0)
	want := []string{"UpdateUserRecoveryEmail", "UpdateUserRecoveryPhone", "UpdateUserRecoveryPhone", "UpdateUserRecoveryEmail", "UpdateUserRecoveryPhone"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
}

func TestRolesCommands(t *testing.T) {
	s, env := newFamilyServer(t)
	jane := "jane@example.com"
	roles := func(want ...string) func(gen.User) bool {
		return func(u gen.User) bool { return reflect.DeepEqual(u.RoleNames, nilIfNone(want)) }
	}
	runSteps(t, s, env, jane, "", []step{
		{[]string{"add-roles", "--login-id", jane, "--roles", "editor, billing"}, roles("viewer", "editor", "billing")},
		{[]string{"add-roles", "--login-id", jane, "--roles", "editor"}, roles("viewer", "editor", "billing")},
		{[]string{"remove-roles", "--login-id", jane, "--roles", "viewer,nope"}, roles("editor", "billing")},
		{[]string{"set-roles", "--login-id", "U2jane", "--roles", "admin"}, roles("admin")},
		{[]string{"set-roles", "--login-id", jane, "--roles", ""}, roles()},
		{[]string{"set-roles", "--login-id", jane, "--roles", "viewer"}, roles("viewer")},
	})
	ops := opsSince(s, 0)
	if want := []string{"UpdateUserAddRoles", "UpdateUserAddRoles", "UpdateUserRemoveRoles", "UpdateUserSetRoles", "UpdateUserSetRoles", "UpdateUserSetRoles"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	// set-roles --roles '' sends an empty list, which clears.
	var cleared map[string]json.RawMessage
	if err := json.Unmarshal(s.Requests()[4].Body, &cleared); err != nil || string(cleared["roleNames"]) != "[]" {
		t.Errorf("set-roles --roles '' sent %s (%v)", s.Requests()[4].Body, err)
	}

	// In a tenant the user is not a member of: refused, nothing changes.
	before := usersIgnoringModified(s)
	for _, cmd := range []string{"set-roles", "add-roles", "remove-roles"} {
		r := runCLI(t, env, withURL(s, cmd, "--login-id", jane, "--tenant", "T1", "--roles", "t-a")...)
		wantAPIError(t, r, cmd, "HTTP 400", "E011004", "not a member of tenant", "T1")
	}
	diffUsers(t, before, usersIgnoringModified(s))

	// Tenant roles change only that tenant's roles.
	tenantRoles := func(want ...string) func(gen.User) bool {
		return func(u gen.User) bool {
			return reflect.DeepEqual(u.RoleNames, []string{"viewer"}) &&
				reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1", RoleNames: nilIfNone(want)}, {TenantID: "T2", RoleNames: []string{"t2-role"}}})
		}
	}
	runSteps(t, s, env, jane, "", []step{
		{[]string{"add-tenant", "--login-id", jane, "--tenant", "T1"}, func(u gen.User) bool {
			return reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1"}})
		}},
		{[]string{"add-tenant", "--login-id", jane, "--tenant", "T2"}, func(u gen.User) bool { return len(u.UserTenants) == 2 }},
		{[]string{"set-roles", "--login-id", jane, "--tenant", "T2", "--roles", "t2-role"}, tenantRoles()},
		{[]string{"add-roles", "--login-id", jane, "--tenant", "T1", "--roles", "t-a,t-b"}, tenantRoles("t-a", "t-b")},
		{[]string{"remove-roles", "--login-id", "U2jane", "--tenant", "T1", "--roles", "t-a"}, tenantRoles("t-b")},
		{[]string{"set-roles", "--login-id", jane, "--tenant", "T1", "--roles", "t-c,t-d"}, tenantRoles("t-c", "t-d")},
		{[]string{"set-roles", "--login-id", jane, "--tenant", "T1", "--roles", ""}, tenantRoles()},
	})
	var body struct {
		LoginID, TenantID string
		RoleNames         []string
	}
	lastBody(t, s, &body)
	if body.TenantID != "T1" || body.RoleNames == nil || len(body.RoleNames) != 0 {
		t.Errorf("set-roles --tenant T1 --roles '' sent %+v", body)
	}
	// Nobody else changed along the way.
	after := usersIgnoringModified(s)
	for i := range after {
		if after[i].UserID != "U2jane" && !reflect.DeepEqual(after[i], before[i]) {
			t.Errorf("user %s changed: %+v", after[i].UserID, after[i])
		}
	}
}

func nilIfNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestTenantCommands(t *testing.T) {
	s, env := newFamilyServer(t)
	runSteps(t, s, env, "multi@example.com", "", []step{
		{[]string{"add-tenant", "--login-id", "multi@example.com", "--tenant", "T1"}, func(u gen.User) bool {
			return reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-admin"}}, {TenantID: "T2"}})
		}},
		{[]string{"add-tenant", "--login-id", "multi-alt@example.com", "--tenant", "T3"}, func(u gen.User) bool {
			return reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-admin"}}, {TenantID: "T2"}, {TenantID: "T3"}})
		}},
		// Removing a tenant removes the roles there.
		{[]string{"remove-tenant", "--login-id", "multi@example.com", "--tenant", "T1"}, func(u gen.User) bool {
			return reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T2"}, {TenantID: "T3"}}) &&
				reflect.DeepEqual(u.RoleNames, []string{"editor", "billing"})
		}},
		{[]string{"remove-tenant", "--login-id", "U2multi", "--tenant", "T9"}, func(u gen.User) bool { return len(u.UserTenants) == 2 }},
		{[]string{"remove-tenant", "--login-id", "multi@example.com", "--tenant", "T2"}, func(u gen.User) bool { return len(u.UserTenants) == 1 }},
		{[]string{"remove-tenant", "--login-id", "multi@example.com", "--tenant", "T3"}, func(u gen.User) bool { return u.UserTenants == nil }},
	})
	ops := opsSince(s, 0)
	if want := []string{"UpdateUserAddTenant", "UpdateUserAddTenant", "UpdateUserRemoveTenant", "UpdateUserRemoveTenant", "UpdateUserRemoveTenant", "UpdateUserRemoveTenant"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	// Re-adding starts with no roles.
	runSteps(t, s, env, "multi@example.com", "UpdateUserAddTenant", []step{
		{[]string{"add-tenant", "--login-id", "multi@example.com", "--tenant", "T1"}, func(u gen.User) bool {
			return reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1"}})
		}},
	})
	if u := user(t, s, "inv@example.com"); !reflect.DeepEqual(u.UserTenants, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-viewer"}}}) {
		t.Errorf("another member of T1 changed: %+v", u.UserTenants)
	}
}

func TestSSOAppsCommands(t *testing.T) {
	s, env := newFamilyServer(t)
	apps := func(want ...string) func(gen.User) bool {
		return func(u gen.User) bool { return reflect.DeepEqual(u.SsoAppIDs, nilIfNone(want)) }
	}
	joe := "joe@example.com"
	runSteps(t, s, env, joe, "", []step{
		{[]string{"add-sso-apps", "--login-id", joe, "--apps", "app-1,app-2"}, apps("app-1", "app-2")},
		{[]string{"add-sso-apps", "--login-id", joe, "--apps", "app-2, app-3"}, apps("app-1", "app-2", "app-3")},
		{[]string{"remove-sso-apps", "--login-id", "U2joe", "--apps", "app-1,app-9"}, apps("app-2", "app-3")},
		{[]string{"set-sso-apps", "--login-id", joe, "--apps", "app-7"}, apps("app-7")},
		{[]string{"set-sso-apps", "--login-id", joe, "--apps", ""}, apps()},
	})
	ops := opsSince(s, 0)
	if want := []string{"UpdateUserAddSSOApps", "UpdateUserAddSSOApps", "UpdateUserRemoveSSOApps", "UpdateUserSetSSOApps", "UpdateUserSetSSOApps"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	var body map[string]json.RawMessage
	lastBody(t, s, &body)
	if string(body["ssoAppIds"]) != "[]" {
		t.Errorf("set-sso-apps --apps '' sent %s", body["ssoAppIds"])
	}
	if u := user(t, s, "multi@example.com"); !reflect.DeepEqual(u.SsoAppIDs, []string{"app-1"}) {
		t.Errorf("another user's apps changed: %v", u.SsoAppIDs)
	}
}

func TestLoad(t *testing.T) {
	s, env := newFamilyServer(t)
	for _, id := range []string{"multi@example.com", "multi-alt@example.com", "U2multi"} {
		r := runCLI(t, env, withURL(s, "load", "--login-id", id)...)
		wantExit(t, r, 0)
		if got, want := printedUser(t, r), user(t, s, "U2multi"); !reflect.DeepEqual(got, want) {
			t.Errorf("load %s printed\n%+v\nwant\n%+v", id, got, want)
		}
	}
	if ops := opsSince(s, 0); !reflect.DeepEqual(ops, []string{"LoadUser", "LoadUser", "LoadUser"}) {
		t.Errorf("requests %v", ops)
	}
	r := runCLI(t, env, withURL(s, "load", "--login-id", "ghost@example.com")...)
	wantAPIError(t, r, "load", "HTTP 404", "E112102", "user not found", "ghost@example.com")
	// A test user is loaded like any other.
	r = runCLI(t, env, withURL(s, "load", "--login-id", "tester1@example.com")...)
	wantExit(t, r, 0)
	if p := printedUser(t, r); !p.Test || p.UserID != "U2test1" {
		t.Errorf("printed %+v", p)
	}
}

func TestLoadUsers(t *testing.T) {
	s, env := newFamilyServer(t)
	r := runCLI(t, env, withURL(s, "load-users", "--user-ids", "U2multi,U2nobody,jane@example.com,U2jane,U2off,U2test1")...)
	wantExit(t, r, 0)
	got := userLines(t, r)
	// Unknown IDs (and a login ID is not a user ID) are left out, and so is the disabled user.
	if ids := firstLoginIDs(got); !reflect.DeepEqual(ids, []string{"multi@example.com", "jane@example.com", "tester1@example.com"}) {
		t.Errorf("printed %v\n%s", ids, r)
	}
	if len(got) > 0 && !reflect.DeepEqual(got[0], user(t, s, "U2multi")) {
		t.Errorf("printed\n%+v\nwant\n%+v", got[0], user(t, s, "U2multi"))
	}
	var body struct {
		UserIDs             []string `json:"userIds"`
		IncludeInvalidUsers bool     `json:"includeInvalidUsers"`
	}
	lastBody(t, s, &body)
	if len(body.UserIDs) != 6 || body.IncludeInvalidUsers {
		t.Errorf("sent %+v", body)
	}

	r = runCLI(t, env, withURL(s, "load-users", "--user-ids", "U2off, U2inv", "--include-invalid")...)
	wantExit(t, r, 0)
	if ids := firstLoginIDs(userLines(t, r)); !reflect.DeepEqual(ids, []string{"off@example.com", "inv@example.com"}) {
		t.Errorf("--include-invalid printed %v", ids)
	}
	lastBody(t, s, &body)
	if !reflect.DeepEqual(body.UserIDs, []string{"U2off", "U2inv"}) || !body.IncludeInvalidUsers {
		t.Errorf("sent %+v", body)
	}

	// Only unknown IDs: no output, and success.
	r = runCLI(t, env, withURL(s, "load-users", "--user-ids", "U2nobody,U2ghost")...)
	wantExit(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("unknown IDs only:\n%s", r)
	}
	if ops := opsSince(s, 0); !reflect.DeepEqual(ops, []string{"LoadUsers", "LoadUsers", "LoadUsers"}) {
		t.Errorf("requests %v", ops)
	}
}

// TestFamilyUsageErrors runs bad command lines: each exits 2 with a message naming the
// problem, prints nothing on stdout and sends nothing.
func TestFamilyUsageErrors(t *testing.T) {
	s, env := newFamilyServer(t)
	cases := []struct {
		want string
		args []string
	}{
		{"--login-id is required", []string{"activate"}},
		{"--login-id must not be empty", []string{"deactivate", "--login-id", ""}},
		{"--login-id is required", []string{"activate", "jane@example.com"}}, // the ID without its flag
		{`unexpected argument "joe@example.com"`, []string{"activate", "--login-id", "jane@example.com", "joe@example.com"}},
		{`unexpected argument "extra"`, []string{"deactivate", "--login-id", "jane@example.com", "extra"}},
		{"flag provided but not defined: -status", []string{"activate", "--login-id", "jane@example.com", "--status", "enabled"}},

		{"--new-login-id is required", []string{"update-login-id", "--login-id", "jane@example.com"}},
		{"--login-id, --new-login-id are required", []string{"update-login-id"}},
		{"--email is required", []string{"update-email", "--login-id", "jane@example.com"}},
		{"--login-id must not be empty", []string{"update-email", "--login-id", "", "--email", "a@example.com"}},
		{"--email is required", []string{"update-recovery-email", "--login-id", "jane@example.com", "--verified"}},
		{"flag provided but not defined: -fail-on-conflict", []string{"update-recovery-email", "--login-id", "jane@example.com", "--email", "a@example.com", "--fail-on-conflict"}},
		{"--phone is required", []string{"update-recovery-phone", "--login-id", "jane@example.com"}},
		{`unexpected argument "+15550000000"`, []string{"update-recovery-phone", "--login-id", "jane@example.com", "--phone", "", "+15550000000"}},

		{"--roles is required", []string{"set-roles", "--login-id", "jane@example.com"}},
		{"--roles is required", []string{"add-roles", "--login-id", "jane@example.com", "--tenant", "T1"}},
		{"--roles is required", []string{"remove-roles", "--login-id", "jane@example.com"}},
		{"--login-id is required", []string{"set-roles", "--roles", "a"}},
		{`unexpected argument "admin"`, []string{"set-roles", "--login-id", "jane@example.com", "--roles", "viewer", "admin"}},

		{"--tenant is required", []string{"add-tenant", "--login-id", "jane@example.com"}},
		{"--tenant is required", []string{"remove-tenant", "--login-id", "jane@example.com"}},
		{"--tenant must not be empty", []string{"add-tenant", "--login-id", "jane@example.com", "--tenant", ""}},
		{"--tenant must not be empty", []string{"remove-tenant", "--login-id", "jane@example.com", "--tenant", ""}},
		{`unexpected argument "T2"`, []string{"add-tenant", "--login-id", "jane@example.com", "--tenant", "T1", "T2"}},

		{"--apps is required", []string{"add-sso-apps", "--login-id", "jane@example.com"}},
		{"--apps is required", []string{"set-sso-apps", "--login-id", "jane@example.com"}},
		{"--apps is required", []string{"remove-sso-apps", "--login-id", "jane@example.com"}},
		{"--login-id is required", []string{"set-sso-apps", "--apps", "a"}},

		{"--login-id is required", []string{"load"}},
		{`unexpected argument "joe@example.com"`, []string{"load", "--login-id", "jane@example.com", "joe@example.com"}},
		{"--user-ids is required", []string{"load-users"}},
		{"--user-ids is required", []string{"load-users", "--include-invalid"}},
		{`unexpected argument "U2joe"`, []string{"load-users", "--user-ids", "U2jane", "U2joe"}},
		{"userIDs is empty", []string{"load-users", "--user-ids", ""}},
		{"userIDs is empty", []string{"load-users", "--user-ids", " , "}},

		{`unexpected argument "jane"`, []string{"search", "jane"}},
		{"--limit -1 is out of range", []string{"search", "--limit", "-1"}},
		{"--page -1 is out of range", []string{"search", "--page", "-1"}},
		{"--limit 3000000000 is out of range: it must be from 0 to 2147483647", []string{"search", "--limit", "3000000000"}},
		{`--statuses: "paused" is not one of enabled, disabled, invited, expired`, []string{"search", "--statuses", "enabled,paused"}},
		{`invalid value "ten" for flag -limit`, []string{"search", "--limit", "ten"}},
		{`invalid value "x" for flag -page`, []string{"search", "--page", "x", "--all"}},
		{"flag provided but not defined: -from-created-time", []string{"search", "--from-created-time", "yesterday"}},
		{`--statuses: "active" is not one of`, []string{"search", "--all", "--statuses", "active"}},
		{"--limit -5 is out of range", []string{"search-test-users", "--limit", "-5"}},
		{"--page -1 is out of range", []string{"search-test-users", "--all", "--page", "-1"}},
		{`--statuses: "on" is not one of`, []string{"search-test-users", "--statuses", "on"}},
		{`unexpected argument "qa"`, []string{"search-test-users", "--roles", "x", "qa"}},

		{`unexpected argument "users.jsonl"`, []string{"export", "users.jsonl"}},
		{"--page -2 is out of range", []string{"export", "--page", "-2"}},
		{`--statuses: "gone" is not one of`, []string{"export", "--statuses", "gone"}},
		{"flag provided but not defined: -all", []string{"export", "--all"}},

		{"give --replace to confirm", []string{"update", "--login-id", "jane@example.com", "--json", `{"displayName":"J"}`}},
		{"--json is required", []string{"update", "--login-id", "jane@example.com", "--replace"}},
		{"--login-id is required", []string{"update", "--replace", "--json", `{"displayName":"J"}`}},
		{"--login-id must not be empty", []string{"update", "--login-id", "", "--replace", "--json", `{}`}},
		{`--json: unknown field "dispalyName"`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"dispalyName":"J"}`}},
		{`unknown field "status"`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"status":"disabled"}`}},
		{`unknown field "loginId"`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"loginId":"joe@example.com"}`}},
		{"--json: invalid JSON", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"displayName":`}},
		{"--json: invalid JSON", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{displayName:"J"}`}},
		{"--json: invalid JSON", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", ``}},
		{"expected a JSON object", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `["J"]`}},
		{`field "roleNames": expected a list of strings, got a JSON string`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"roleNames":"admin"}`}},
		{`field "verifiedEmail": expected true or false`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"verifiedEmail":"yes"}`}},
		{"tenantId is empty", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"userTenants":[{"roleNames":["r"]}]}`}},
		{"additionalLoginIDs[0] is empty", []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{"additionalLoginIds":[""]}`}},
		{`unexpected argument "{}"`, []string{"update", "--login-id", "jane@example.com", "--replace", "--json", `{}`, `{}`}},

		{`unexpected argument "tier"`, []string{"license", "tier"}},
		{"flag provided but not defined: -login-id", []string{"license", "--login-id", "jane@example.com"}},
	}
	before := usersIgnoringModified(s)
	for _, c := range cases {
		runUsage(t, s, env, c.want, c.args...)
	}
	wantNoRequests(t, s)
	diffUsers(t, before, usersIgnoringModified(s))
}

// TestRolesEmptyTenantIsUsageError: --tenant ” is refused, as add-tenant and remove-tenant
// refuse it, rather than read as "no --tenant": an empty variable in --tenant "$TENANT" must not
// turn a change of one tenant's roles into a change of the project's roles.
func TestRolesEmptyTenantIsUsageError(t *testing.T) {
	s, env := newFamilyServer(t)
	before := usersIgnoringModified(s)
	for _, cmd := range []string{"set-roles", "add-roles", "remove-roles"} {
		runUsage(t, s, env, "--tenant", cmd, "--login-id", "multi@example.com", "--tenant", "", "--roles", "editor")
	}
	diffUsers(t, before, usersIgnoringModified(s))
}

// TestUpdateJSONMustBeOneObject: USER is one JSON object. JSON after it, or null (which is not an
// object and would decode as a user with every field empty, clearing the user), is a usage error,
// as it is for patch-user's --json.
func TestUpdateJSONMustBeOneObject(t *testing.T) {
	s, env := newFamilyServer(t)
	before := usersIgnoringModified(s)
	for _, js := range []string{
		`{"displayName":"Jane"} {"email":""}`,
		`{"displayName":"Jane"}]`,
		`null`,
	} {
		runUsage(t, s, env, "--json", "update", "--login-id", "jane@example.com", "--replace", "--json", js)
	}
	diffUsers(t, before, usersIgnoringModified(s))
}

// TestFamilyUnknownUser: every single-user command of this family, about a user the API does
// not know, exits 1 with one line that says the user was not found.
func TestFamilyUnknownUser(t *testing.T) {
	s, env := newFamilyServer(t)
	ghost := "ghost@example.com"
	before := usersIgnoringModified(s)
	for _, args := range [][]string{
		{"activate", "--login-id", ghost},
		{"deactivate", "--login-id", ghost},
		{"update-login-id", "--login-id", ghost, "--new-login-id", "g2@example.com"},
		{"update-email", "--login-id", ghost, "--email", "g@example.com"},
		{"update-recovery-email", "--login-id", ghost, "--email", "g@example.com"},
		{"update-recovery-phone", "--login-id", ghost, "--phone", "+15550001111"},
		{"set-roles", "--login-id", ghost, "--roles", "a"},
		{"add-roles", "--login-id", ghost, "--roles", "a"},
		{"remove-roles", "--login-id", ghost, "--roles", "a"},
		{"set-roles", "--login-id", ghost, "--tenant", "T1", "--roles", "a"},
		{"add-roles", "--login-id", ghost, "--tenant", "T1", "--roles", "a"},
		{"remove-roles", "--login-id", ghost, "--tenant", "T1", "--roles", "a"},
		{"add-tenant", "--login-id", ghost, "--tenant", "T1"},
		{"remove-tenant", "--login-id", ghost, "--tenant", "T1"},
		{"add-sso-apps", "--login-id", ghost, "--apps", "a"},
		{"set-sso-apps", "--login-id", ghost, "--apps", "a"},
		{"remove-sso-apps", "--login-id", ghost, "--apps", "a"},
		{"load", "--login-id", ghost},
		{"update", "--login-id", ghost, "--replace", "--json", `{"displayName":"G"}`},
	} {
		n := len(s.Requests())
		r := runCLI(t, env, withURL(s, args...)...)
		wantAPIError(t, r, args[0], "HTTP 404", "E112102", "user not found", ghost)
		if ops := opsSince(s, n); len(ops) != 1 {
			t.Errorf("%s: requests %v, want one", args[0], ops)
		}
	}
	diffUsers(t, before, usersIgnoringModified(s))
}

// TestFamilyWrongKey: with a wrong management key each command exits 1 with a 401 that says
// what to check, and neither key shows in the output.
func TestFamilyWrongKey(t *testing.T) {
	s, _ := newFamilyServer(t)
	wrong := testKey + "-wrong"
	env := map[string]string{envProjectID: testProject, envManagement: wrong}
	before := usersIgnoringModified(s)
	for _, args := range [][]string{
		{"activate", "--login-id", "jane@example.com"},
		{"update-email", "--login-id", "jane@example.com", "--email", "x@example.com"},
		{"set-roles", "--login-id", "jane@example.com", "--tenant", "T1", "--roles", "a"},
		{"add-tenant", "--login-id", "jane@example.com", "--tenant", "T1"},
		{"set-sso-apps", "--login-id", "jane@example.com", "--apps", "a"},
		{"load", "--login-id", "jane@example.com"},
		{"load-users", "--user-ids", "U2jane"},
		{"search", "--all"},
		{"search-test-users"},
		{"export"},
		{"update", "--login-id", "jane@example.com", "--replace", "--json", `{}`},
		{"license"},
	} {
		r := runCLI(t, env, withURL(s, args...)...)
		wantAPIError(t, r, args[0], "HTTP 401", envManagement)
		if strings.Contains(r.stdout+r.stderr, wrong) {
			t.Errorf("%s: the wrong key is in the output", args[0])
		}
	}
	diffUsers(t, before, usersIgnoringModified(s))
}

// fillerUsers are n plain users fill00@example.com... with the role filler.
func fillerUsers(n int) []gen.User {
	users := make([]gen.User, n)
	for i := range users {
		login := fmt.Sprintf("fill%02d@example.com", i)
		users[i] = gen.User{LoginIDs: []string{login}, UserID: fmt.Sprintf("U2fill%02d", i), Name: fmt.Sprintf("Filler %d", i), RoleNames: []string{"filler"}}
	}
	return users
}

func fillerIDs(from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprintf("fill%02d@example.com", i))
	}
	return ids
}

func TestSearchFilters(t *testing.T) {
	s, env := newFamilyServer(t)
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{nil, allNonTest},
		{[]string{"--roles", "editor"}, []string{"multi@example.com", "off@example.com"}},
		{[]string{"--roles", "t-viewer,nope"}, []string{"inv@example.com"}}, // tenant roles count
		{[]string{"--tenants", "T1"}, []string{"multi@example.com", "inv@example.com"}},
		{[]string{"--tenants", "T2, T9"}, []string{"multi@example.com"}},
		{[]string{"--statuses", "disabled,invited"}, []string{"off@example.com", "inv@example.com"}},
		{[]string{"--statuses", "ENABLED"}, []string{"jane@example.com", "joe@example.com", "ann@example.com", "multi@example.com"}},
		{[]string{"--emails", "jane@example.com,multi@example.com"}, []string{"jane@example.com", "multi@example.com"}},
		{[]string{"--login-ids", "multi-alt@example.com,ann@example.com"}, []string{"ann@example.com", "multi@example.com"}},
		{[]string{"--user-ids", "U2joe,U2off,U2test1"}, []string{"joe@example.com", "off@example.com"}},
		{[]string{"--text", "ROE"}, []string{"jane@example.com"}},
		{[]string{"--roles", "editor", "--statuses", "enabled"}, []string{"multi@example.com"}},
		{[]string{"--tenants", "T1", "--roles", "t-viewer", "--text", "inv"}, []string{"inv@example.com"}},
		{[]string{"--roles", "nobody"}, []string{}},
		{[]string{"--roles", "qa"}, []string{}}, // test users are not searched
	} {
		args := append([]string{"search"}, c.flags...)
		r := runCLI(t, env, withURL(s, args...)...)
		wantExit(t, r, 0)
		users := userLines(t, r)
		if ids := firstLoginIDs(users); !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%q: found %v, want %v", c.flags, ids, c.want)
		}
		if want := fmt.Sprintf("%d users match in all\n", len(c.want)); r.stderr != want {
			t.Errorf("%q: stderr %q, want %q", c.flags, r.stderr, want)
		}
		for _, u := range users {
			if want := user(t, s, u.UserID); !reflect.DeepEqual(u, want) {
				t.Errorf("%q: printed %+v, want %+v", c.flags, u, want)
			}
		}
	}
	if got := s.Stats().ByOperation["SearchUsers"]; got != 15 {
		t.Errorf("%d SearchUsers calls, want 15 (one each)", got)
	}

	// Every filter is sent as given (statuses lowercased); no test users asked for.
	r := runCLI(t, env, withURL(s, "search", "--text", "example", "--roles", "editor,viewer", "--tenants", "T1,T2",
		"--statuses", "Enabled,invited", "--emails", "a@example.com", "--login-ids", "jane@example.com,joe@example.com",
		"--user-ids", "U2jane", "--limit", "7", "--page", "0")...)
	wantExit(t, r, 0)
	var sent api.SearchOptions
	lastBody(t, s, &sent)
	want := api.SearchOptions{Text: "example", RoleNames: []string{"editor", "viewer"}, TenantIDs: []string{"T1", "T2"},
		Statuses: []api.SearchStatus{"enabled", "invited"}, Emails: []string{"a@example.com"},
		LoginIDs: []string{"jane@example.com", "joe@example.com"}, UserIDs: []string{"U2jane"}, Limit: 7}
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %+v\nwant %+v", sent, want)
	}
	if r.stdout != "" || r.stderr != "0 users match in all\n" {
		t.Errorf("no match:\n%s", r)
	}
}

func TestSearchPages(t *testing.T) {
	s, env := newFamilyServer(t, apitest.WithUsers(fillerUsers(10)...))

	// One page: --page counts from 0, and the total is on stderr.
	for _, c := range []struct {
		page string
		want []string
	}{
		{"0", fillerIDs(0, 3)}, {"1", fillerIDs(3, 6)}, {"3", fillerIDs(9, 10)}, {"4", []string{}},
	} {
		r := runCLI(t, env, withURL(s, "search", "--roles", "filler", "--limit", "3", "--page", c.page)...)
		wantExit(t, r, 0)
		if ids := firstLoginIDs(userLines(t, r)); !reflect.DeepEqual(ids, c.want) {
			t.Errorf("--page %s: %v, want %v", c.page, ids, c.want)
		}
		if r.stderr != "10 users match in all\n" {
			t.Errorf("--page %s: stderr %q", c.page, r.stderr)
		}
	}

	// --all: every page from --page on, a call per page, each user once, in order.
	for _, c := range []struct {
		flags []string
		want  []string
		calls int
	}{
		{[]string{"--roles", "filler", "--limit", "3"}, fillerIDs(0, 10), 4},
		{[]string{"--roles", "filler", "--limit", "3", "--page", "2"}, fillerIDs(6, 10), 2},
		{[]string{"--roles", "filler", "--limit", "5"}, fillerIDs(0, 10), 2},
		{[]string{"--roles", "filler", "--limit", "10"}, fillerIDs(0, 10), 1},
		{[]string{"--roles", "filler", "--limit", "1", "--page", "9"}, fillerIDs(9, 10), 1},
		{[]string{"--limit", "4"}, append(slices.Clone(allNonTest), fillerIDs(0, 10)...), 4},
		{nil, append(slices.Clone(allNonTest), fillerIDs(0, 10)...), 1},
		{[]string{"--roles", "nobody", "--limit", "2"}, []string{}, 1},
	} {
		n := len(s.Requests())
		args := append([]string{"search", "--all"}, c.flags...)
		r := runCLI(t, env, withURL(s, args...)...)
		wantExit(t, r, 0)
		if ids := firstLoginIDs(userLines(t, r)); !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%q: %v, want %v", args, ids, c.want)
		}
		if ops := opsSince(s, n); len(ops) != c.calls || slices.ContainsFunc(ops, func(op string) bool { return op != "SearchUsers" }) {
			t.Errorf("%q: requests %v, want %d SearchUsers", args, ops, c.calls)
		}
		if r.stderr != "" {
			t.Errorf("%q: stderr %q", args, r.stderr)
		}
	}
	// The pages asked for, in order.
	var pages []int32
	n := len(s.Requests())
	wantExit(t, runCLI(t, env, withURL(s, "search", "--all", "--roles", "filler", "--limit", "3", "--page", "1")...), 0)
	for _, req := range s.Requests()[n:] {
		var o api.SearchOptions
		if err := json.Unmarshal(req.Body, &o); err != nil {
			t.Fatal(err)
		}
		if o.Limit != 3 || !reflect.DeepEqual(o.RoleNames, []string{"filler"}) {
			t.Errorf("sent %+v", o)
		}
		pages = append(pages, o.Page)
	}
	if !reflect.DeepEqual(pages, []int32{1, 2, 3}) {
		t.Errorf("pages %v, want [1 2 3]", pages)
	}
}

func TestSearchTestUsers(t *testing.T) {
	s, env := newFamilyServer(t)
	for _, c := range []struct {
		flags []string
		want  []string
		calls int
		total int // printed on stderr; -1: nothing (--all)
	}{
		{nil, allTest, 1, 5},
		{[]string{"--roles", "qa"}, []string{"tester1@example.com", "tester2@example.com", "tester5@example.com"}, 1, 3},
		{[]string{"--tenants", "T1"}, []string{"tester2@example.com"}, 1, 1},
		{[]string{"--statuses", "disabled"}, []string{"tester3@example.com"}, 1, 1},
		{[]string{"--login-ids", "jane@example.com"}, []string{}, 1, 0},
		{[]string{"--limit", "2", "--page", "1"}, allTest[2:4], 1, 5},
		{[]string{"--all", "--limit", "2"}, allTest, 3, -1},
		{[]string{"--all", "--limit", "2", "--page", "1"}, allTest[2:], 2, -1},
		{[]string{"--all", "--roles", "qa", "--limit", "1"}, []string{"tester1@example.com", "tester2@example.com", "tester5@example.com"}, 3, -1},
		{[]string{"--all"}, allTest, 1, -1},
	} {
		n := len(s.Requests())
		args := append([]string{"search-test-users"}, c.flags...)
		r := runCLI(t, env, withURL(s, args...)...)
		wantExit(t, r, 0)
		users := userLines(t, r)
		if ids := firstLoginIDs(users); !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%q: %v, want %v", args, ids, c.want)
		}
		for _, u := range users {
			if !u.Test {
				t.Errorf("%q: printed a user that is not a test user: %s", args, userKey(u))
			}
		}
		if ops := opsSince(s, n); len(ops) != c.calls || slices.ContainsFunc(ops, func(op string) bool { return op != "SearchTestUsers" }) {
			t.Errorf("%q: requests %v, want %d SearchTestUsers", args, ops, c.calls)
		}
		want := ""
		if c.total >= 0 {
			want = fmt.Sprintf("%d users match in all\n", c.total)
		}
		if r.stderr != want {
			t.Errorf("%q: stderr %q, want %q", args, r.stderr, want)
		}
	}
	// The filters reach the server.
	wantExit(t, runCLI(t, env, withURL(s, "search-test-users", "--roles", "qa", "--statuses", "Enabled", "--limit", "2")...), 0)
	var sent api.SearchOptions
	lastBody(t, s, &sent)
	if want := (api.SearchOptions{RoleNames: []string{"qa"}, Statuses: []api.SearchStatus{"enabled"}, Limit: 2}); !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %+v, want %+v", sent, want)
	}
	// search, by contrast, finds none of them.
	r := runCLI(t, env, withURL(s, "search", "--all", "--text", "tester")...)
	wantExit(t, r, 0)
	if r.stdout != "" {
		t.Errorf("search found test users:\n%s", r.stdout)
	}
}

// exportTo runs export with flags and writes what it printed to a file, returning the path and
// the lines.
func exportTo(t *testing.T, s *apitest.Server, env map[string]string, path string, flags ...string) []string {
	t.Helper()
	r := runCLI(t, env, withURL(s, append([]string{"export"}, flags...)...)...)
	wantExit(t, r, 0)
	if r.stderr != "" {
		t.Errorf("export: stderr %q", r.stderr)
	}
	if r.stdout == "" {
		return nil
	}
	writeFile(t, path, r.stdout)
	return readLines(t, path)
}

func TestExportFormat(t *testing.T) {
	s, env := newFamilyServer(t)
	path := filepath.Join(t.TempDir(), "users.jsonl")
	n := len(s.Requests())
	lines := exportTo(t, s, env, path, "--limit", "2")
	// Every non-test user, a page (of 2) at a time.
	if ops := opsSince(s, n); !reflect.DeepEqual(ops, []string{"SearchUsers", "SearchUsers", "SearchUsers"}) {
		t.Errorf("requests %v", ops)
	}
	var ids []string
	for i, line := range lines {
		// Each line is a patch that patch reads: decoded strictly, checked, with a loginId.
		p, err := decodePatch([]byte(line), false)
		if err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		if err := checkPatch(&p); err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
		if p.UserID != nil || p.Scim != nil {
			t.Errorf("line %d sets userId or scim: %s", i+1, line)
		}
		ids = append(ids, p.LoginID)
	}
	if !reflect.DeepEqual(ids, allNonTest) {
		t.Fatalf("exported %v, want %v", ids, allNonTest)
	}

	// The user with everything: every field a patch can set, as the user has it.
	var multi map[string]any
	if err := json.Unmarshal([]byte(lines[3]), &multi); err != nil {
		t.Fatal(err)
	}
	wantMulti := map[string]any{
		"loginId": "multi@example.com", "additionalLoginIds": []any{"multi-alt@example.com", "+15550000077"},
		"name": "Multi Ple", "givenName": "Multi", "middleName": "", "familyName": "Ple",
		"email": "multi@example.com", "verifiedEmail": true, "phone": "+15550000077", "verifiedPhone": true,
		"picture": "https://example.com/m.png", "status": "enabled", "roleNames": []any{"editor", "billing"},
		"userTenants":   []any{map[string]any{"tenantId": "T1", "roleNames": []any{"t-admin"}}, map[string]any{"tenantId": "T2", "roleNames": []any{}}},
		"ssoAppIds":     []any{"app-1"},
		"recoveryEmail": "multi-r@example.com", "verifiedRecoveryEmail": true, "recoveryPhone": "+15550000078", "verifiedRecoveryPhone": false,
		"customAttributes": map[string]any{"plan": "team", "seats": float64(12), "ratio": 0.25, "beta": true,
			"tags": []any{"a", "b"}, "nested": map[string]any{"k": 1.5, "l": []any{float64(1), "x"}}},
	}
	if !reflect.DeepEqual(multi, wantMulti) {
		t.Errorf("exported\n%v\nwant\n%v", multi, wantMulti)
	}
	// A user with empty fields exports them empty, so that patching the line back clears nothing
	// that was there and sets nothing that was not.
	var ann map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &ann); err != nil {
		t.Fatal(err)
	}
	wantAnn := map[string]any{
		"loginId": "ann@example.com", "additionalLoginIds": []any{}, "name": "Ann", "givenName": "", "middleName": "", "familyName": "",
		"email": "", "verifiedEmail": false, "phone": "", "verifiedPhone": false, "picture": "", "status": "enabled",
		"roleNames": []any{}, "userTenants": []any{}, "ssoAppIds": []any{}, "customAttributes": map[string]any{},
		"recoveryEmail": "", "verifiedRecoveryEmail": false, "recoveryPhone": "", "verifiedRecoveryPhone": false,
	}
	if !reflect.DeepEqual(ann, wantAnn) {
		t.Errorf("exported\n%v\nwant\n%v", ann, wantAnn)
	}

	// Filters select the users exported.
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{[]string{"--tenants", "T1"}, []string{"multi@example.com", "inv@example.com"}},
		{[]string{"--statuses", "disabled", "--limit", "1"}, []string{"off@example.com"}},
		{[]string{"--roles", "editor", "--page", "1", "--limit", "1"}, []string{"off@example.com"}},
		{[]string{"--text", "nobody-has-this"}, nil},
	} {
		var got []string
		for _, line := range exportTo(t, s, env, path, c.flags...) {
			got = append(got, loginOf(t, line))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("export %q: %v, want %v", c.flags, got, c.want)
		}
	}
}

func TestExportPatchRoundTrip(t *testing.T) {
	// Besides the family: fillers, an expired user, and a user with no login ID (named by its
	// user ID in the export).
	extra := append(fillerUsers(5),
		gen.User{LoginIDs: []string{"exp@example.com"}, UserID: "U2exp", Name: "Exp", Status: "expired", Email: "exp@example.com", VerifiedEmail: true},
		gen.User{UserID: "U2nologin", Name: "No Login", Phone: "+15550004444", CustomAttributes: map[string]any{"big": 12345678901234567890.0, "neg": -0.5}})
	s, env := newFamilyServer(t, apitest.WithUsers(extra...))
	dir := t.TempDir()
	path := filepath.Join(dir, "users.jsonl")
	before := usersIgnoringModified(s)
	lines := exportTo(t, s, env, path, "--limit", "4")
	if want := len(allNonTest) + len(extra); len(lines) != want {
		t.Fatalf("exported %d lines, want %d", len(lines), want)
	}
	if last := lines[len(lines)-1]; loginOf(t, last) != "U2nologin" || strings.Contains(last, "additionalLoginIds") {
		t.Errorf("the user without login IDs exported as %s", last)
	}

	// Sent back unedited: every user is patched, and none changes.
	n := len(s.Requests())
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--batch-size", "3", path)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, fmt.Sprintf("patched        %d", len(lines))) || !strings.Contains(r.stdout, "failed         0") {
		t.Errorf("summary:\n%s", r)
	}
	if got := len(batchBodies(t, s)); got != len(lines) {
		t.Errorf("%d patches sent, want %d", got, len(lines))
	}
	if ops := opsSince(s, n); len(ops) != (len(lines)+2)/3 {
		t.Errorf("requests %v, want %d batches", ops, (len(lines)+2)/3)
	}
	diffUsers(t, before, usersIgnoringModified(s))

	// And exporting again gives the same file.
	if again := exportTo(t, s, env, filepath.Join(dir, "again.jsonl")); !reflect.DeepEqual(again, lines) {
		t.Errorf("a second export differs:\n%s\n---\n%s", strings.Join(lines, "\n"), strings.Join(again, "\n"))
	}
}

func TestExportEditPatch(t *testing.T) {
	s, env := newFamilyServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "users.jsonl")
	before := usersIgnoringModified(s)
	lines := exportTo(t, s, env, path)

	// Edit the multi user's line: a new name, one role fewer, out of T2, an attribute changed, the
	// phone login ID dropped, disabled.
	edited := false
	for i, line := range lines {
		if loginOf(t, line) != "multi@example.com" {
			continue
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		p["name"] = json.RawMessage(`"Multi Edited"`)
		p["roleNames"] = json.RawMessage(`["editor"]`)
		p["userTenants"] = json.RawMessage(`[{"tenantId":"T1","roleNames":["t-admin"]}]`)
		p["customAttributes"] = json.RawMessage(`{"plan":"enterprise","seats":12,"ratio":0.25,"beta":true,"tags":["a","b"],"nested":{"k":1.5,"l":[1,"x"]}}`)
		p["additionalLoginIds"] = json.RawMessage(`["multi-alt@example.com"]`)
		p["status"] = json.RawMessage(`"disabled"`)
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = string(data)
		edited = true
	}
	if !edited {
		t.Fatal("the export has no line for multi@example.com")
	}
	writeFile(t, path, strings.Join(lines, "\n")+"\n")

	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", path)...)
	wantExit(t, r, 0)
	after := usersIgnoringModified(s)
	if differ := diffUsers(t, before, after, "U2multi"); !reflect.DeepEqual(differ, []string{"U2multi"}) {
		t.Errorf("users changed: %v, want only U2multi", differ)
	}
	got := user(t, s, "U2multi")
	got.ModifiedTime = 0
	// What the edit should have made of the user, from what it was.
	var want gen.User
	for _, u := range before {
		if u.UserID == "U2multi" {
			want = u
		}
	}
	want.Name = "Multi Edited"
	want.RoleNames = []string{"editor"}
	want.UserTenants = []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-admin"}}}
	want.CustomAttributes["plan"] = "enterprise"
	want.LoginIDs = []string{"multi@example.com", "multi-alt@example.com"}
	want.Status = "disabled"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the edit:\n%+v\nwant\n%+v", got, want)
	}
	if _, ok := s.User("+15550000077"); ok {
		t.Error("the dropped login ID still finds the user")
	}
}

func TestUpdateReplacesUser(t *testing.T) {
	s, env := newFamilyServer(t)
	want := user(t, s, "U2jane")
	r := runCLI(t, env, withURL(s, "update", "--login-id", "jane@example.com", "--replace", "--json",
		`{"displayName":"Jane Replaced","email":"jane.r@example.com","verifiedEmail":true,"phone":"+15550009999",
		  "roleNames":["admin"],"userTenants":[{"tenantId":"T3","roleNames":["t-admin"]}],
		  "customAttributes":{"plan":"enterprise","limits":{"a":1}},"additionalLoginIds":["jane.alt@example.com"],"ssoAppIds":["app-9"]}`)...)
	wantExit(t, r, 0)
	got := user(t, s, "jane.alt@example.com")
	want.ModifiedTime = got.ModifiedTime
	// Everything the JSON gave is set; given and family names, left out, are cleared.
	want.Name, want.GivenName, want.FamilyName = "Jane Replaced", "", ""
	want.Email, want.VerifiedEmail, want.Phone, want.VerifiedPhone = "jane.r@example.com", true, "+15550009999", false
	want.RoleNames = []string{"admin"}
	want.UserTenants = []gen.UserTenant{{TenantID: "T3", RoleNames: []string{"t-admin"}}}
	want.CustomAttributes = map[string]any{"plan": "enterprise", "limits": map[string]any{"a": float64(1)}}
	want.LoginIDs = []string{"jane@example.com", "jane.alt@example.com"}
	want.SsoAppIDs = []string{"app-9"}
	if !reflect.DeepEqual(got, want) || got.UserID != "U2jane" || got.Status != "enabled" {
		t.Errorf("after update:\n%+v\nwant\n%+v", got, want)
	}
	if got.GivenName != "" || got.FamilyName != "" || got.CustomAttributes["seats"] != nil {
		t.Errorf("fields left out were not cleared: %+v", got)
	}
	if p := printedUser(t, r); !reflect.DeepEqual(p, got) {
		t.Errorf("printed\n%+v\nwant\n%+v", p, got)
	}
	if ops := opsSince(s, 0); !reflect.DeepEqual(ops, []string{"UpdateUser"}) {
		t.Errorf("requests %v", ops)
	}

	// --json - reads the user from stdin; what it leaves out is cleared (joe's phone).
	r = runCtx(t, context.Background(), env, `{"displayName":"Joe R","roleNames":["viewer"]}`,
		withURL(s, "update", "--login-id", "U2joe", "--replace", "--json", "-")...)
	wantExit(t, r, 0)
	joe := user(t, s, "joe@example.com")
	if joe.Name != "Joe R" || joe.Phone != "" || !reflect.DeepEqual(joe.RoleNames, []string{"viewer"}) || joe.Status != "enabled" {
		t.Errorf("joe %+v", joe)
	}
	// Test users and everyone else are untouched.
	if u := user(t, s, "ann@example.com"); u.Name != "Ann" {
		t.Errorf("ann %+v", u)
	}

	// Another user's login ID cannot be added: refused by the API, ann unchanged.
	before := usersIgnoringModified(s)
	r = runCLI(t, env, withURL(s, "update", "--login-id", "ann@example.com", "--replace", "--json", `{"additionalLoginIds":["joe@example.com"]}`)...)
	wantAPIError(t, r, "update", "HTTP 400", "E011004", "joe@example.com", "belongs to another user")
	diffUsers(t, before, usersIgnoringModified(s))
}

func TestLicense(t *testing.T) {
	s, env := newFamilyServer(t)
	r := runCLI(t, env, withURL(s, "license")...)
	wantExit(t, r, 0)
	if r.stdout != apitest.DefaultLicenseTier+"\n" || r.stderr != "" {
		t.Errorf("default tier:\n%s", r)
	}
	if ops := opsSince(s, 0); !reflect.DeepEqual(ops, []string{"GetLicense"}) {
		t.Errorf("requests %v", ops)
	}

	s3, env3 := newServer(t, apitest.WithLicenseTier("tier3"))
	r = runCLI(t, env3, withURL(s3, "license")...)
	wantExit(t, r, 0)
	if r.stdout != "tier3\n" || r.stderr != "" {
		t.Errorf("tier3:\n%s", r)
	}
	if u := usersIgnoringModified(s3); len(u) != len(testUsers()) {
		t.Errorf("license changed the users: %d", len(u))
	}
}

// The filters beyond lists: custom attributes, time bounds, sorting, verified contacts and test
// users reach the request as the API takes them (times in milliseconds), and bad values are usage
// errors that send nothing.
func TestSearchMoreFilters(t *testing.T) {
	s, env := newFamilyServer(t)
	r := runCLI(t, env, withURL(s, "search", "--attr", "plan=pro", "--attr", "seats=3", "--attr", "seats=4",
		"--created-after", "2024-05-01", "--created-before", "2024-05-01T12:00:00Z", "--modified-after", "2024-05-01T00:00:00.5Z",
		"--sort", "createdTime:desc,email,name:asc", "--phones", "+15555550100", "--sso-apps", "app1",
		"--verified-email", "--verified-phone", "--with-test-users")...)
	wantExit(t, r, 0)
	var sent api.SearchOptions
	lastBody(t, s, &sent)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	want := api.SearchOptions{
		CustomAttributes: map[string]any{"plan": "pro", "seats": []any{3.0, 4.0}},
		FromCreatedTime:  api.Int64(day), ToCreatedTime: api.Int64(day + 12*3600*1000), FromModifiedTime: api.Int64(day + 500),
		Sort:   []api.SearchSort{{Field: "createdTime", Desc: true}, {Field: "email"}, {Field: "name"}},
		Phones: []string{"+15555550100"}, SsoAppIDs: []string{"app1"},
		VerifiedEmail: api.Ptr(true), VerifiedPhone: api.Ptr(true), WithTestUser: true,
	}
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %+v\nwant %+v", sent, want)
	}

	// The filters select: every user is created before 2100, none before 2001.
	for _, c := range []struct {
		flags []string
		all   bool
	}{
		{[]string{"--created-before", "2100-01-01"}, true},
		{[]string{"--created-before", "2001-01-01"}, false},
	} {
		r := runCLI(t, env, withURL(s, append([]string{"search"}, c.flags...)...)...)
		wantExit(t, r, 0)
		if got := len(userLines(t, r)); (got == len(allNonTest)) != c.all || (got == 0) == c.all {
			t.Errorf("%q: %d users, want all (%v) of %d", c.flags, got, c.all, len(allNonTest))
		}
	}

	n := len(s.Requests())
	for _, c := range []struct{ flag, value, want string }{
		{"--created-after", "yesterday", "is not an RFC 3339 time"},
		{"--modified-before", "1969-12-31", "is not after 1970"},
		{"--attr", "plan", `"plan" is not KEY=VALUE`},
		{"--attr", "=pro", `"=pro" is not KEY=VALUE`},
		{"--sort", "email:up", `"email:up" is not FIELD, FIELD:asc or FIELD:desc`},
		{"--sort", ":desc", `":desc" is not FIELD`},
	} {
		r := runCLI(t, env, withURL(s, "search", c.flag, c.value)...)
		wantExit(t, r, exitUsage)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s %s: stderr does not say %q:\n%s", c.flag, c.value, c.want, r.stderr)
		}
	}
	if len(s.Requests()) != n {
		t.Errorf("bad search flags sent %d requests", len(s.Requests())-n)
	}
}

// search --all and export pace their page calls under --search-limit: one call an hour allows
// one page before a 2-second --timeout, and says so; none lets every page through.
func TestSearchLimitFlag(t *testing.T) {
	s, env := newFamilyServer(t)
	for _, cmd := range []string{"search", "export"} {
		args := []string{"--timeout", "2s", cmd, "--limit", "1", "--search-limit", "2/1h"}
		if cmd == "search" {
			args = append(args, "--all")
		}
		n := s.Stats().ByOperation["SearchUsers"]
		r := runCLI(t, env, withURL(s, args...)...)
		wantExit(t, r, exitFailed)
		if !strings.Contains(r.stderr, "the pace allows no call before it") || s.Stats().ByOperation["SearchUsers"]-n != 1 {
			t.Errorf("%s: %d calls, stderr:\n%s", cmd, s.Stats().ByOperation["SearchUsers"]-n, r.stderr)
		}
	}
	r := runCLI(t, env, withURL(s, "export", "--limit", "1", "--search-limit", "none")...)
	wantExit(t, r, 0)
	if got := strings.Count(r.stdout, "\n"); got != len(allNonTest) {
		t.Errorf("export with --search-limit none: %d lines, want %d", got, len(allNonTest))
	}
	n := len(s.Requests())
	r = runCLI(t, env, withURL(s, "search", "--all", "--search-limit", "1/1m")...)
	wantExit(t, r, exitUsage)
	if !strings.Contains(r.stderr, "COUNT of at least 2") || len(s.Requests()) != n {
		t.Errorf("--search-limit 1/1m: %d requests, stderr:\n%s", len(s.Requests())-n, r.stderr)
	}
}
