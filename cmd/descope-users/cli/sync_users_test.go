package cli

// Tests of sync --create-missing and sync --prune: users as code. Each runs the command line
// against the apitest fake and reads the fake's users, its counters and its request log
// afterwards (after settled, as the fake counts a call once its answer is sent).

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// amyLine is a desired line that sets every field a create takes, and a custom attribute that
// should be absent.
const amyLine = `{"loginId":"amy@example.com","email":"amy@example.com","verifiedEmail":true,"phone":"+15550000099","verifiedPhone":true,` +
	`"name":"Amy Pond","givenName":"Amy","middleName":"J","familyName":"Pond","picture":"https://example.com/amy.png","status":"enabled",` +
	`"recoveryEmail":"amy-r@example.com","verifiedRecoveryEmail":true,"recoveryPhone":"+15550000098","verifiedRecoveryPhone":true,` +
	`"roleNames":["viewer","editor"],"userTenants":[{"tenantId":"T1","roleNames":["t-admin"]},{"tenantId":"T2"}],` +
	`"customAttributes":{"plan":"pro","seats":3,"tags":["a"],"legacy":null},"additionalLoginIds":["amy2@example.com"],"ssoAppIds":["app-1"]}`

// The users a file names that do not exist are created with every field of their line, in the
// same plan and apply as the patches; a user named by user ID, or with "scim":true, is not created
// and is reported at FILE:LINE. --dry-run lists the users to create and creates nothing.
func TestSyncCreateMissing(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"Jane Roe"}`+"\n"+amyLine+"\n"+
		`{"loginId":"bob@example.com","displayName":"Bob"}`+"\n"+
		`{"loginId":"U2gone","userId":"U2gone","name":"Gone"}`+"\n"+
		`{"loginId":"scim@example.com","scim":true}`+"\n")
	wantStderr := "descope-users sync: 2 users do not exist and cannot be created:\n" +
		"  " + in + ":4: U2gone: its line names it by user ID (userId), and the API chooses a new user's ID: name a user to create by login ID alone\n" +
		"  " + in + ":5: scim@example.com: its line sets \"scim\":true, which a create cannot set\n"

	r := runCLI(t, env, withURL(s, "sync", "--dry-run", "--create-missing", in)...)
	wantExit(t, r, 1)
	wantPlan := in + `:2: amy@example.com (to create)
  additionalLoginIds      ["amy2@example.com"]
  customAttributes.plan   "pro"
  customAttributes.seats  3
  customAttributes.tags   ["a"]
  email                   "amy@example.com"
  familyName              "Pond"
  givenName               "Amy"
  middleName              "J"
  name                    "Amy Pond"
  phone                   "+15550000099"
  picture                 "https://example.com/amy.png"
  recoveryEmail           "amy-r@example.com"
  recoveryPhone           "+15550000098"
  roleNames               ["viewer","editor"]
  ssoAppIds               ["app-1"]
  status                  "enabled"
  userTenants             [{"roleNames":["t-admin"],"tenantId":"T1"},{"tenantId":"T2"}]
  verifiedEmail           true
  verifiedPhone           true
  verifiedRecoveryEmail   true
  verifiedRecoveryPhone   true
` + in + `:3: bob@example.com (to create)
  name  "Bob"
` + in + `:1: jane@example.com (U2jane)
  name  "Jane" -> "Jane Roe"
Plan for ` + in + ` (dry run: nothing was changed)
  users          5
  unchanged      0
  to change      1 (1 fields)
  to create      2
  missing        2
  searches       2
`
	if got := withoutTimes(r.stdout); got != wantPlan {
		t.Errorf("dry run: stdout:\n%s\nwant:\n%s", got, wantPlan)
	}
	if strings.Contains(r.stdout, "legacy") {
		t.Errorf("dry run: a null attribute is created:\n%s", r.stdout)
	}
	if r.stderr != wantStderr {
		t.Errorf("dry run: stderr:\n%s\nwant:\n%s", r.stderr, wantStderr)
	}
	if _, ok := s.User("amy@example.com"); ok {
		t.Fatal("the dry run created amy")
	}

	r = runCLI(t, env, withURL(s, "sync", "--create-missing", in)...)
	wantExit(t, r, 1)
	wantStdout(t, r, "", "  to create      2\n", "Summary of "+in+"\n", "  patched        1\n",
		"Summary of the creates of "+in+"\n", "  created        2\n", "  paced          under 100/1m calls (--create-limit)\n", "All creates applied\n")
	if r.stderr != wantStderr {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, wantStderr)
	}
	amy := user(t, s, "amy@example.com")
	amy.UserID, amy.CreatedTime, amy.ModifiedTime = "", 0, 0
	want := gen.User{LoginIDs: []string{"amy@example.com", "amy2@example.com"}, Email: "amy@example.com", VerifiedEmail: true,
		Phone: "+15550000099", VerifiedPhone: true, Name: "Amy Pond", GivenName: "Amy", MiddleName: "J", FamilyName: "Pond",
		Picture: "https://example.com/amy.png", Status: "enabled",
		RecoveryEmail: "amy-r@example.com", VerifiedRecoveryEmail: true, RecoveryPhone: "+15550000098", VerifiedRecoveryPhone: true,
		RoleNames: []string{"viewer", "editor"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"t-admin"}}, {TenantID: "T2"}},
		CustomAttributes: map[string]any{"plan": "pro", "seats": 3.0, "tags": []any{"a"}}, SsoAppIDs: []string{"app-1"}}
	if !reflect.DeepEqual(amy, want) {
		t.Errorf("amy in the fake:\n%+v\nwant:\n%+v", amy, want)
	}
	// A line without status leaves it to the API: create/batch's default, invited.
	if bob := user(t, s, "bob@example.com"); bob.Name != "Bob" || bob.Status != "invited" {
		t.Errorf("bob %+v", bob)
	}
	wantNoUser(t, s, "was created", "U2gone", "scim@example.com")
	if user(t, s, "jane@example.com").Name != "Jane Roe" {
		t.Error("jane was not patched")
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed file was left: %v", err)
	}

	// Again: the created users match their lines, and nothing more is sent.
	r = runCLI(t, env, withURL(s, "sync", "--create-missing", in)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "  unchanged      3\n  to change      0 (0 fields)\n  to create      0\n  missing        2\n") ||
		!strings.Contains(r.stdout, "Every user of "+in+" that exists matches it: nothing was sent.\n") {
		t.Errorf("second run:\n%s", r.stdout)
	}
	st := settled(s).Stats().ByOperation
	if st["CreateUsers"] != 1 || st["PatchUserBatch"] != 1 || writes(s) != 2 {
		t.Errorf("calls %v: want one create batch and one patch batch, from the second run", st)
	}
	var created []map[string]json.RawMessage
	for _, req := range s.Requests() {
		if req.OperationID == "CreateUsers" {
			var body struct {
				Users []map[string]json.RawMessage `json:"users"`
			}
			if err := json.Unmarshal(req.Body, &body); err != nil {
				t.Fatal(err)
			}
			created = append(created, body.Users...)
		}
	}
	if len(created) != 2 || string(created[1]["loginId"]) != `"bob@example.com"` || len(created[1]) != 2 || created[0]["status"] == nil {
		t.Errorf("created %v", created)
	}
}

// A create that fails goes to the failed file as its desired line, and syncing that file with
// --create-missing creates it; a create not attempted (the run stopped) goes there too.
func TestSyncCreateFailureGoesToTheFailedFile(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	clash := api.UserPatch{LoginID: "clash@example.com", Name: api.Ptr("Clash"), AdditionalLoginIDs: api.Ptr([]string{"joe@example.com"}),
		CustomAttributes: api.Ptr(map[string]any{"plan": "pro", "old": nil})} // joe's login ID: the fake refuses it
	ok := api.UserPatch{LoginID: "ok@example.com", Name: api.Ptr("Okay")}
	writeDesired(t, in, clash, ok)
	r := runCLI(t, env, withURL(s, "sync", "--create-missing", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	wantStdout(t, r, "", "  created        1\n", "  failed         1\n", "E011004",
		"Failed file: 1 unfinished creates in "+failed, "retry them with: descope-users --base-url "+s.URL+" sync --create-missing "+failed)
	if got := readLines(t, failed); !slices.Equal(got, desiredLines(t, clash)) {
		t.Errorf("failed file %q, want clash's desired line", got)
	}
	if _, exists := s.User("clash@example.com"); exists {
		t.Fatal("clash was created")
	}
	if user(t, s, "ok@example.com").Name != "Okay" {
		t.Error("ok was not created")
	}

	// Once joe's login ID is free, syncing the failed file creates clash as its line says.
	if _, err := apiClient(t, s).UpdateLoginID(t.Context(), "joe@example.com", "joseph@example.com"); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, withURL(s, "sync", "--create-missing", failed)...)
	wantExit(t, r, 0)
	u := user(t, s, "clash@example.com")
	if !slices.Equal(u.LoginIDs, []string{"clash@example.com", "joe@example.com"}) || !reflect.DeepEqual(u.CustomAttributes, map[string]any{"plan": "pro"}) {
		t.Errorf("clash after the retry: %+v", u)
	}
	if !strings.Contains(r.stdout, "All creates applied; no failed file written\n") {
		t.Errorf("retry:\n%s", r.stdout)
	}

	// A run that stops early (a Retry-After longer than the client waits) records the creates it
	// did not attempt.
	s2, env2 := newServer(t, apitest.WithRateLimit(0.001, 2))
	in2 := filepath.Join(t.TempDir(), "more.jsonl")
	more := []api.UserPatch{{LoginID: "new1@example.com", Name: api.Ptr("One")}, {LoginID: "new2@example.com", Email: api.Ptr("new2@example.com")}}
	writeDesired(t, in2, more...)
	r = runCLI(t, env2, withURL(s2, "sync", "--create-missing", "--search-limit", "none", "--create-limit", "none", in2)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "Summary of the creates of "+in2+" (stopped early: the API asked to wait") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if got := readLines(t, in2+".failed.jsonl"); !slices.Equal(got, desiredLines(t, more...)) {
		t.Errorf("failed file %q, want both desired lines", got)
	}
	if _, exists := s2.User("new1@example.com"); exists {
		t.Error("new1 was created")
	}
}

// pruneFile is the desired file of the prune tests: jane, by login ID, unchanged.
const pruneFile = `{"loginId":"jane@example.com","name":"Jane"}` + "\n"

// --prune deletes the users of the scope the file does not name: by tenant, role (a project's or a
// tenant's), custom attribute (numbers by value), several terms together, or all; test users only
// with --include-test-users.
func TestSyncPruneScopes(t *testing.T) {
	cases := []struct {
		scope []string
		want  []string // the login IDs deleted
	}{
		{[]string{"tenant=T1"}, []string{"multi@example.com", "inv@example.com"}},
		{[]string{"tenant=T1", "--include-test-users"}, []string{"multi@example.com", "inv@example.com", "tester2@example.com"}},
		{[]string{"role=editor"}, []string{"multi@example.com", "off@example.com"}},
		{[]string{"role=t-viewer"}, []string{"inv@example.com"}},
		{[]string{"role=qa"}, nil},
		{[]string{"role=qa", "--include-test-users"}, []string{"tester1@example.com", "tester2@example.com", "tester5@example.com"}},
		{[]string{"attr.seats=12"}, []string{"multi@example.com"}},
		{[]string{"attr.plan=team"}, []string{"multi@example.com"}},
		{[]string{"attr.plan=free"}, nil}, // jane, whom the file names
		{[]string{"attr.beta=true", "attr.ratio=0.25"}, []string{"multi@example.com"}},
		{[]string{"attr.seats=\"12\""}, nil}, // the string "12" is not the number 12
		{[]string{"tenant=T1", "role=t-admin"}, []string{"multi@example.com"}},
		{[]string{"tenant=T1", "tenant=T2"}, []string{"multi@example.com"}}, // in both
		{[]string{"all"}, []string{"joe@example.com", "ann@example.com", "multi@example.com", "off@example.com", "inv@example.com"}},
		{[]string{"all", "--include-test-users"}, append([]string{"joe@example.com", "ann@example.com", "multi@example.com", "off@example.com", "inv@example.com"}, allTest...)},
	}
	for _, tc := range cases {
		name := strings.Join(tc.scope, " ")
		t.Run(name, func(t *testing.T) {
			s, env := newFamilyServer(t)
			in := filepath.Join(t.TempDir(), "users.jsonl")
			writeFile(t, in, pruneFile)
			args := []string{"sync", "--prune"}
			for _, term := range tc.scope {
				if strings.HasPrefix(term, "--") {
					args = append(args, term)
				} else {
					args = append(args, "--scope", term)
				}
			}
			before := s.Users()
			r := runCLI(t, env, withURL(s, append(args, in)...)...)
			wantExit(t, r, 0)
			var listed []string
			for _, id := range tc.want {
				i := slices.IndexFunc(before, func(u gen.User) bool { return u.LoginIDs[0] == id })
				listed = append(listed, "delete: "+id+" ("+before[i].UserID+")\n")
			}
			wantListed := strings.Join(listed, "")
			if !strings.HasPrefix(r.stdout, wantListed+"Plan for ") {
				t.Errorf("stdout, want the deletes first:\n%s\nwant:\n%s", r.stdout, wantListed)
			}
			settled(s)
			var left []string
			for _, u := range s.Users() {
				left = append(left, u.LoginIDs[0])
			}
			var wantLeft []string
			for _, u := range before {
				if !slices.Contains(tc.want, u.LoginIDs[0]) {
					wantLeft = append(wantLeft, u.LoginIDs[0])
				}
			}
			slices.Sort(left)
			slices.Sort(wantLeft)
			if !slices.Equal(left, wantLeft) {
				t.Errorf("users left %v, want %v", left, wantLeft)
			}
			wantCalls := int64(0)
			if len(tc.want) > 0 {
				wantCalls = 1
			}
			if st := s.Stats().ByOperation; st["DeleteUsers"] != wantCalls || writes(s) != wantCalls {
				t.Errorf("calls %v, want %d DeleteUsers and nothing else that writes", st, wantCalls)
			}
		})
	}
}

// A user the file names is never deleted, whatever its name there: a login ID that is not its
// first, its user ID, a userId, one of a line's additionalLoginIds.
func TestSyncPruneKeepsTheUsersTheFileNames(t *testing.T) {
	s, env := newFamilyServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"U2jane"}`+"\n"+`{"loginId":"multi-alt@example.com"}`+"\n"+
		`{"loginId":"inv@example.com","userId":"U2inv"}`+"\n"+
		`{"loginId":"ghost@example.com","additionalLoginIds":["off@example.com"]}`+"\n")
	r := runCLI(t, env, withURL(s, "sync", "--prune", "--scope", "all", in)...)
	wantExit(t, r, 1) // ghost does not exist
	if want := "delete: joe@example.com (U2joe)\ndelete: ann@example.com (U2ann)\nPlan for "; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("stdout, want %q first:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.stdout, "  to delete      2 (of 6 users in the scope all)\n") || !strings.Contains(r.stderr, in+":4: ghost@example.com") {
		t.Errorf("%s", r)
	}
	for _, id := range append([]string{"jane@example.com", "multi@example.com", "inv@example.com", "off@example.com"}, allTest...) {
		user(t, s, id)
	}
	wantNoUser(t, s, "was not deleted", "joe@example.com", "ann@example.com")
}

// Deleting more than --max-deletes is refused without --force, before anything is sent, the
// patches too; --dry-run reports it and lists the deletes first; --force deletes them.
func TestSyncPruneMaxDeletes(t *testing.T) {
	s, env := newFamilyServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"Jane Roe"}`+"\n")
	deletes := "delete: joe@example.com (U2joe)\ndelete: ann@example.com (U2ann)\ndelete: multi@example.com (U2multi)\n" +
		"delete: off@example.com (U2off)\ndelete: inv@example.com (U2inv)\n"

	r := runCLI(t, env, withURL(s, "sync", "--prune", "--scope", "all", "--max-deletes", "4", in)...)
	wantExit(t, r, 2)
	if want := "descope-users sync: --prune would delete 5 users of the scope all, more than --max-deletes (4): give --force to delete them (or a larger --max-deletes); nothing was sent\n"; r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
	if !strings.HasPrefix(r.stdout, deletes+"Plan for "+in+"\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run left a failed file: %v", err)
	}

	r = runCLI(t, env, withURL(s, "sync", "--dry-run", "--prune", "--scope", "all", "--max-deletes", "4", in)...)
	wantExit(t, r, 0)
	wantStdout(t, r, "dry run", deletes+in+":1: jane@example.com (U2jane)\n", "  to delete      5 (of 6 users in the scope all)\n",
		"--prune would delete 5 users of the scope all, more than --max-deletes (4); a run without --dry-run would refuse to delete them\n")
	if !strings.HasPrefix(r.stdout, deletes) || r.stderr != "" {
		t.Errorf("dry run:\n%s", r)
	}

	// The default is 10; with 5 to delete, --max-deletes 5 is enough.
	r = runCLI(t, env, withURL(s, "sync", "--prune", "--scope", "all", "--max-deletes", "5", "--dry-run", in)...)
	wantExit(t, r, 0)
	if strings.Contains(r.stdout, "more than --max-deletes") {
		t.Errorf("5 deletes are not more than 5:\n%s", r.stdout)
	}
	if n := writes(s); n != 0 {
		t.Fatalf("%d changing calls before --force", n)
	}

	r = runCLI(t, env, withURL(s, "sync", "--prune", "--scope", "all", "--max-deletes", "4", "--force", in)...)
	wantExit(t, r, 0)
	wantStdout(t, r, "", "Summary of the deletes of the scope all\n", "  deleted        5\n", "  paced          under 100/1m calls (--delete-limit)\n", "All deletes applied\n")
	if len(s.Users()) != 6 || user(t, s, "jane@example.com").Name != "Jane Roe" {
		t.Errorf("users after --force: %d, jane %+v", len(s.Users()), user(t, s, "jane@example.com"))
	}
	if st := settled(s).Stats().ByOperation; st["DeleteUsers"] != 1 || st["PatchUserBatch"] != 1 || writes(s) != 2 {
		t.Errorf("calls %v", st)
	}
}

// Deletes that fail are listed on stderr with their user IDs (not in the failed file, which holds
// desired lines), exit status 1; the same command run again deletes them.
func TestSyncPruneFailedDeletes(t *testing.T) {
	s, env := newFamilyServer(t)
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "DeleteUsers", Status: 400, ErrorCode: "E011001", Message: "no deleting today"}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, pruneFile)
	args := withURL(s, "sync", "--prune", "--scope", "tenant=T1", in)
	r := runCLI(t, env, args...)
	wantExit(t, r, 1)
	want := "descope-users sync: 2 of the users to delete were not deleted (run the same command again: it deletes what is left):\n" +
		"  multi@example.com (U2multi): batch failed: descope: DeleteUsers: HTTP 400 Bad Request: E011001: Bad Request: no deleting today\n" +
		"  inv@example.com (U2inv): batch failed: descope: DeleteUsers: HTTP 400 Bad Request: E011001: Bad Request: no deleting today\n"
	if r.stderr != want || !strings.Contains(r.stdout, "  failed         2\n") {
		t.Errorf("%s", r)
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed deletes went to the failed file: %v", err)
	}
	r = runCLI(t, env, args...)
	wantExit(t, r, 0)
	wantNoUser(t, s, "was not deleted by the second run", "multi@example.com", "inv@example.com")
}

// With --create-missing and --prune, a second run right after a successful one sends nothing: no
// patch, no create, no delete.
func TestSyncUsersAsCodeSecondRunSendsNothing(t *testing.T) {
	s, env := newFamilyServer(t)
	in := filepath.Join(t.TempDir(), "t1.jsonl")
	writeFile(t, in, `{"loginId":"multi@example.com","name":"Multi Ple Jr"}`+"\n"+
		`{"loginId":"new1@example.com","name":"New One","status":"enabled","userTenants":[{"tenantId":"T1","roleNames":["t-viewer"]}],"customAttributes":{"plan":"pro","x":null}}`+"\n"+
		`{"loginId":"new2@example.com","email":"new2@example.com","verifiedEmail":true,"userTenants":[{"tenantId":"T1"}],"roleNames":[]}`+"\n")
	args := withURL(s, "sync", "--create-missing", "--prune", "--scope", "tenant=T1", in)
	r := runCLI(t, env, args...)
	wantExit(t, r, 0)
	wantStdout(t, r, "first run", "delete: inv@example.com (U2inv)\nPlan for ", "  patched        1\n", "  created        2\n", "  deleted        1\n")
	if _, ok := s.User("inv@example.com"); ok {
		t.Error("inv was not deleted")
	}
	if _, ok := s.User("tester2@example.com"); !ok {
		t.Error("a test user of T1 was deleted")
	}

	r = runCLI(t, env, args...)
	wantExit(t, r, 0)
	if want := "Every user of " + in + " exists and matches it, and the scope tenant=T1 holds no other user: nothing was sent.\n"; !strings.Contains(r.stdout, want) ||
		!strings.Contains(r.stdout, "  to delete      0 (of 3 users in the scope tenant=T1)\n") {
		t.Errorf("second run: stdout lacks %q:\n%s", want, r.stdout)
	}
	if st := settled(s).Stats().ByOperation; st["PatchUserBatch"] != 1 || st["CreateUsers"] != 1 || st["DeleteUsers"] != 1 || writes(s) != 3 {
		t.Errorf("calls %v: want the first run's patch, create and delete batches, and nothing from the second", st)
	}
}

// wantStdout fails the test for each of wants that r's stdout lacks; when names the run ("" for
// none).
func wantStdout(t *testing.T, r result, when string, wants ...string) {
	t.Helper()
	if when != "" {
		when += ": "
	}
	for _, want := range wants {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("%sstdout lacks %q:\n%s", when, want, r.stdout)
		}
	}
}

// wantNoUser fails the test for each of ids that names a user of the fake; why says what should
// have become of it ("was not deleted").
func wantNoUser(t *testing.T, s *apitest.Server, why string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, ok := s.User(id); ok {
			t.Errorf("%s %s", id, why)
		}
	}
}
