package cli

// Tests of the sync command: each runs the command line against the apitest fake and reads the
// fake's users, its request log and its counters afterwards.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// settled closes the fake, which waits for every call in flight to end, and returns it. The fake
// counts a call (Stats) and logs it (Requests) once its answer is sent, so the command may have
// read an answer the fake has not counted yet: tests read the counters and the log after settled.
func settled(s *apitest.Server) *apitest.Server {
	s.Close()
	return s
}

// writes counts the calls the fake received that can change a user.
func writes(s *apitest.Server) int64 {
	var n int64
	for op, k := range s.Stats().ByOperation {
		switch op {
		case "SearchUsers", "SearchTestUsers", "LoadUser", "LoadUsers", "GetLicense":
		default:
			n += k
		}
	}
	return n
}

// desiredLines encodes patches as the lines of a JSON Lines file, in the form the failed file
// writes them.
func desiredLines(t *testing.T, ps ...api.UserPatch) []string {
	t.Helper()
	out := make([]string, len(ps))
	for i, p := range ps {
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(data)
	}
	return out
}

// writeDesired writes patches to path as a JSON Lines file of desired lines.
func writeDesired(t *testing.T, path string, ps ...api.UserPatch) {
	t.Helper()
	writeFile(t, path, strings.Join(desiredLines(t, ps...), "\n")+"\n")
}

// withoutTimes drops the timing of the plan's searches line, the one line that varies.
func withoutTimes(s string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(line, "  searches ") {
			line = line[:strings.LastIndex(line, " (")]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

const syncDesired = `{"loginId":"jane@example.com","name":"Jane Roe","roleNames":["viewer","editor"],"customAttributes":{"plan":"pro","seats":1.0,"legacy":null}}
{"loginId":"joe@example.com","name":"Joe","phone":"+15550000001"}
{"loginId":"U2ann","picture":"","customAttributes":{"plan":"free"}}
`

func TestSyncDryRunPrintsThePlanAndChangesNothing(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "users.jsonl")
	writeFile(t, in, syncDesired)
	before := s.Users()
	r := runCLI(t, env, withURL(s, "sync", "--dry-run", in)...)
	wantExit(t, r, 0)
	want := in + `:1: jane@example.com (U2jane)
  name                   "Jane" -> "Jane Roe"
  roleNames              ["viewer"] -> ["viewer","editor"]
  customAttributes.plan  "free" -> "pro"
` + in + `:3: U2ann
  customAttributes.plan  (absent) -> "free"
Plan for ` + in + ` (dry run: nothing was changed)
  users          3
  unchanged      1
  to change      2 (4 fields)
  missing        0
  searches       2
`
	if got := withoutTimes(r.stdout); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	if !reflect.DeepEqual(s.Users(), before) {
		t.Error("a dry run changed users")
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run wrote a failed file: %v", err)
	}

	// A removal, and a missing user: listed on stderr, exit status 1.
	writeFile(t, in, `{"loginId":"jane@example.com","customAttributes":{"seats":null}}`+"\n"+`{"loginId":"ghost@example.com","name":"G"}`+"\n")
	r = runCLI(t, env, withURL(s, "sync", "--dry-run", in)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "  customAttributes.seats  1 -> (removed)\n") || !strings.Contains(r.stdout, "  missing        1\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if want := "descope-users sync: 1 user does not exist (sync creates users only with --create-missing):\n  " + in + ":2: ghost@example.com\n"; r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
	// Only searches: in each run, one by login ID, one by user ID for the names not found.
	if got := settled(s).Stats().ByOperation; writes(s) != 0 || got["SearchUsers"] != 4 {
		t.Errorf("calls %v, want 4 SearchUsers and nothing else", got)
	}
}

// Applying sends only what differs; a second run right after reports every user unchanged and
// sends nothing that changes anything.
func TestSyncAppliesThenSendsNothing(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, syncDesired)
	r := runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	wantStdout(t, r, "", "Plan for "+in+"\n", "  unchanged      1\n", "  to change      2 (4 fields)\n",
		"Summary of "+in, "  total          2\n", "  patched        2\n", "  failed         0\n", "All patches applied; no failed file written")
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	jane := user(t, s, "jane@example.com")
	if jane.Name != "Jane Roe" || !slices.Equal(jane.RoleNames, []string{"viewer", "editor"}) ||
		!reflect.DeepEqual(jane.CustomAttributes, map[string]any{"plan": "pro", "seats": 1.0}) || jane.FamilyName != "Roe" {
		t.Errorf("jane %+v", jane)
	}
	if ann := user(t, s, "ann@example.com"); ann.CustomAttributes["plan"] != "free" {
		t.Errorf("ann %+v", ann)
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed file written although nothing failed: %v", err)
	}

	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	wantStdout(t, r, "second run", "  unchanged      3\n", "  to change      0 (0 fields)\n", "Every user of "+in+" that exists matches it: nothing was sent.\n")
	// What the fake received in all: the first run's one batch of the two smallest patches.
	st := settled(s).Stats().ByOperation
	if st["PatchUserBatch"] != 1 || st["PatchUser"] != 0 || writes(s) != 1 {
		t.Errorf("calls %v: the second run made changing calls", st)
	}
	var sent []string
	for _, b := range batchBodies(t, s) {
		data, _ := json.Marshal(b)
		sent = append(sent, string(data))
	}
	slices.Sort(sent)
	wantSent := []string{
		`{"customAttributes":{"plan":"free"},"loginId":"U2ann"}`,
		`{"customAttributes":{"plan":"pro"},"loginId":"jane@example.com","name":"Jane Roe","roleNames":["viewer","editor"]}`,
	}
	if !slices.Equal(sent, wantSent) {
		t.Errorf("sent\n%s\nwant\n%s", strings.Join(sent, "\n"), strings.Join(wantSent, "\n"))
	}
}

// Users that do not exist are listed, never created, and make the exit status 1; the others are
// applied, and the failed file is not written for them.
func TestSyncMissingUsers(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"J"}`+"\n"+`{"loginId":"ghost@example.com","name":"G"}`+"\n"+
		`{"loginId":"U2nobody","name":"N"}`+"\n")
	users := len(s.Users())
	for run := range 2 {
		r := runCLI(t, env, withURL(s, "sync", in)...)
		wantExit(t, r, 1)
		want := "descope-users sync: 2 users do not exist (sync creates users only with --create-missing):\n  " + in + ":2: ghost@example.com\n  " + in + ":3: U2nobody\n"
		if r.stderr != want {
			t.Errorf("run %d: stderr:\n%s\nwant:\n%s", run, r.stderr, want)
		}
		if !strings.Contains(r.stdout, "  missing        2\n") {
			t.Errorf("run %d: stdout:\n%s", run, r.stdout)
		}
	}
	if user(t, s, "jane@example.com").Name != "J" {
		t.Error("jane was not patched")
	}
	if len(s.Users()) != users {
		t.Error("sync created users")
	}
	for _, b := range batchBodies(t, settled(s)) {
		if id := string(b["loginId"]); id != `"jane@example.com"` {
			t.Errorf("sent a patch for %s", id)
		}
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing users went to a failed file: %v", err)
	}
}

// CSV input: the columns of patch; an empty cell is not compared. Test users and a user with
// several login IDs are found.
func TestSyncCSV(t *testing.T) {
	s, env := newFamilyServer(t)
	in := filepath.Join(t.TempDir(), "users.csv")
	writeFile(t, in, "loginId,name,roleNames,status,customAttributes.seats\n"+
		"multi-alt@example.com,Multi Ple,billing;editor,,12\n"+ // matches: roles as a set, seats by value
		"tester1@example.com,Tess One,,,\n"+
		"jane@example.com,,viewer;admin,disabled,3\n")
	r := runCLI(t, env, withURL(s, "sync", "--dry-run", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, in+":3: tester1@example.com (U2test1)\n  name  \"Tester One\" -> \"Tess One\"\n") ||
		!strings.Contains(r.stdout, "  unchanged      1\n") || strings.Contains(r.stdout, "multi") {
		t.Errorf("plan:\n%s", r.stdout)
	}
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	if u := user(t, s, "tester1@example.com"); u.Name != "Tess One" {
		t.Errorf("tester1 %+v", u)
	}
	jane := user(t, s, "jane@example.com")
	if jane.Status != "disabled" || !slices.Equal(jane.RoleNames, []string{"viewer", "admin"}) || jane.CustomAttributes["seats"] != 3.0 || jane.Name != "Jane" {
		t.Errorf("jane %+v", jane)
	}
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "  unchanged      3\n") {
		t.Errorf("second run:\n%s", r)
	}
	if st := settled(s).Stats().ByOperation; st["PatchUserBatch"] != 1 || writes(s) != 1 {
		t.Errorf("calls %v, want the first apply's one PatchUserBatch", st)
	}
}

// The desired file can come from standard input, and --fake has users to sync.
func TestSyncStdinAndFake(t *testing.T) {
	line := `{"loginId":"user00001@example.com","name":"Grace Hopper","customAttributes":{"plan":"team"}}` + "\n"
	failed := filepath.Join(t.TempDir(), "f.jsonl")
	r := runCtx(t, t.Context(), nil, line, "--fake", "sync", "--format", "jsonl", "--failed", failed, "-")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "Plan for standard input\n") || !strings.Contains(r.stdout, "  patched        1\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = runCtx(t, t.Context(), nil, line, "--fake", "sync", "--dry-run", "--format", "jsonl", "-")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "stdin:1: user00001@example.com (U2sample00001)\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

// Bad input and bad usage, --prune's too: exit 2, and nothing sent.
func TestSyncRefusesBadInput(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	file := fileMaker(t, dir)
	good := file("good.jsonl", `{"loginId":"jane@example.com","name":"J"}`+"\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{file("bad.jsonl", `{"loginId":"jane@example.com","name":"J"}`+"\n"+`{"loginId":"joe@example.com","emial":"x"}`+"\n")},
			"bad.jsonl:2: unknown field \"emial\"; nothing was sent"},
		{[]string{file("status.csv", "loginId,status\njane@example.com,paused\n")}, `status.csv:2: status "paused" is not one of`},
		{[]string{file("dup.jsonl", `{"loginId":"jane@example.com","name":"J"}`+"\n"+`{"loginId":"joe@example.com"}`+"\n"+`{"loginId":"jane@example.com","name":"K"}`+"\n")},
			`dup.jsonl:3: loginId "jane@example.com" is also on line 1: a user may appear once in a sync file; nothing was sent`},
		{[]string{file("users.txt", "")}, "cannot tell the format"},
		{[]string{filepath.Join(dir, "absent.jsonl")}, "cannot read"},
		{[]string{}, "FILE is required"},
		{[]string{good, good}, "one FILE at a time"},
		{[]string{"--batch-size", "0", good}, "--batch-size must be at least 1"},
		{[]string{"--concurrency", "0", good}, "--concurrency must be at least 1"},
		{[]string{"--page-size", "0", good}, "--page-size must be between 1"},
		{[]string{"--rate", "-1", good}, "--rate must be"},
		{[]string{"--search-limit", "1/1m", good}, "invalid value"},
		{[]string{"--failed", good, good}, "is the input file"},
		{[]string{"--failed", dir, good}, "not a regular file"},
		{[]string{"--failed", file("notes.txt", "keep me\n"), good}, filepath.Join(dir, "notes.txt") + " already holds 1 lines"},
		{[]string{"--resume", good}, "flag provided but not defined: -resume"},
		// --prune needs --scope, and the flags that go with it need --prune; a scope term must be
		// well formed; --prune on a failed file is refused.
		{[]string{"--prune", good}, "--prune needs --scope"},
		{[]string{"--scope", "all", good}, "--scope goes with --prune"},
		{[]string{"--force", good}, "--force goes with --prune"},
		{[]string{"--max-deletes", "3", good}, "--max-deletes goes with --prune"},
		{[]string{"--include-test-users", good}, "--include-test-users goes with --prune"},
		{[]string{"--prune", "--scope", "all", "--max-deletes", "-1", good}, "--max-deletes must be 0 or more"},
		{[]string{"--prune", "--scope", "everyone", good}, `"everyone" is not all, tenant=ID, role=NAME or attr.KEY=VALUE`},
		{[]string{"--prune", "--scope", "tenant=", good}, "the tenant ID is empty"},
		{[]string{"--prune", "--scope", "attr.=x", good}, "the attribute's KEY is empty"},
		{[]string{"--prune", "--scope", `attr.tags=["a"]`, good}, "the value must be a string, a number or true/false"},
		{[]string{"--prune", "--scope", "all", "--scope", "role=x", good}, "all stands alone"},
		{[]string{"--prune", "--scope", "role=x", "--scope", "role=x", good}, `"role=x" is given twice`},
		{[]string{"--prune", "--scope", "attr.a=1", "--scope", "attr.a=2", good}, "attr.a is given twice"},
		{[]string{"--prune", "--scope", "all", file("users.jsonl.failed.jsonl", "")}, "a failed file, would delete every user of the scope"},
	}
	for _, tc := range cases {
		r := runCLI(t, env, withURL(s, append([]string{"sync"}, tc.args...)...)...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r.stderr)
		}
	}
	wantNoRequests(t, s)

	// Two names of one user are found once the users are loaded: exit 2, nothing changed.
	two := file("two.jsonl", `{"loginId":"jane@example.com","name":"J"}`+"\n"+`{"loginId":"joe@example.com","name":"K"}`+"\n"+`{"loginId":"U2jane","name":"L"}`+"\n")
	r := runCLI(t, env, withURL(s, "sync", two)...)
	wantExit(t, r, 2)
	if want := fmt.Sprintf(`%s:1 ("jane@example.com") and %s:3 ("U2jane") name the same user (U2jane): a user may appear once in a sync file; nothing was changed`, two, two); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if writes(settled(s)) != 0 {
		t.Errorf("%d changing calls", writes(s))
	}
}

// The failed file holds the desired lines of the users whose patch failed, whole (not the
// smaller patch that was sent), so that syncing it retries them.
func TestSyncFailedFileAndRetry(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	jane := api.UserPatch{LoginID: "jane@example.com", Name: api.Ptr("Jane"), FamilyName: api.Ptr("Doe"),
		AdditionalLoginIDs: api.Ptr([]string{"joe@example.com"})} // joe's login ID: the fake refuses it
	ann := api.UserPatch{LoginID: "ann@example.com", Name: api.Ptr("Ann B")}
	writeDesired(t, in, jane, ann)
	r := runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	wantStdout(t, r, "", "  patched        1\n", "  failed         1\n", "E011004",
		"Failed file: 1 unfinished patches in "+failed, "retry them with: descope-users --base-url "+s.URL+" sync "+failed)
	if got := readLines(t, failed); !slices.Equal(got, desiredLines(t, jane)) {
		t.Errorf("failed file %q, want jane's desired line", got)
	}
	if user(t, s, "ann@example.com").Name != "Ann B" || user(t, s, "U2jane").FamilyName != "Roe" {
		t.Error("the batch was not applied as the fake answered it")
	}

	// Once joe's login ID is free, syncing the failed file applies jane's whole desired line.
	cl := apiClient(t, s)
	if _, err := cl.UpdateLoginID(t.Context(), "joe@example.com", "joseph@example.com"); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, withURL(s, "sync", failed)...)
	wantExit(t, r, 0)
	if u := user(t, s, "U2jane"); u.FamilyName != "Doe" || !slices.Equal(u.LoginIDs, []string{"jane@example.com", "joe@example.com"}) {
		t.Errorf("jane after the retry: %+v", u)
	}
	// The first run's failed file is still there: a run never replaces what another wrote, so
	// syncing the original again is refused until it is removed.
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 2)
	if want := failed + " already holds 1 lines"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if got := readLines(t, failed); !slices.Equal(got, desiredLines(t, jane)) {
		t.Errorf("the refused run changed the failed file: %q", got)
	}
	if err := os.Remove(failed); err != nil {
		t.Fatal(err)
	}
	// The original file now matches: a sync of it sends nothing and leaves no failed file.
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "nothing was sent") {
		t.Errorf("third run:\n%s", r.stdout)
	}
	// In all: the first run's batch, the login ID change, the retry's batch.
	if st := settled(s).Stats().ByOperation; st["PatchUserBatch"] != 2 || writes(s) != 3 {
		t.Errorf("calls %v, want 2 PatchUserBatch and 1 UpdateUserLoginID", st)
	}
	if _, err := os.Stat(failed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed file was left: %v", err)
	}
}

// A run that ends early (a Retry-After longer than the client waits) records the desired lines
// of the patches that failed and of those not attempted.
func TestSyncNotAttemptedGoToTheFailedFile(t *testing.T) {
	// Two tokens, then one every 1000 s: the search and the first batch go through, the second
	// batch meets a 429 the run cannot wait out, and the third is not attempted.
	s, env := newServer(t, apitest.WithRateLimit(0.001, 2))
	in := filepath.Join(t.TempDir(), "users.jsonl")
	ps := []api.UserPatch{
		{LoginID: "jane@example.com", Name: api.Ptr("A"), GivenName: api.Ptr("Jane")},
		{LoginID: "joe@example.com", Name: api.Ptr("B"), Phone: api.Ptr("+15550000001")},
		{LoginID: "ann@example.com", Name: api.Ptr("C")},
	}
	writeDesired(t, in, ps...)
	r := runCLI(t, env, withURL(s, "sync", "--batch-size", "1", "--concurrency", "1", "--limit", "none", "--search-limit", "none", in)...)
	wantExit(t, r, 1)
	wantStdout(t, r, "", "(stopped early: the API asked to wait", "  patched        1\n", "  failed         1\n", "  not attempted  1\n")
	// In the order the outcomes became known: joe's failure and ann's stop race each other.
	got, want := readLines(t, in+".failed.jsonl"), desiredLines(t, ps[1:]...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("failed file:\n%s\nwant the desired lines of joe and ann", strings.Join(got, "\n"))
	}
}

// apiClient is a client of the fake with the test credentials.
func apiClient(t *testing.T, s *apitest.Server) *api.Client {
	t.Helper()
	c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An export is a desired state every user already matches, whatever it holds (several login IDs,
// tenants, SSO apps, custom attributes of every JSON kind, test users): syncing it sends nothing,
// and syncing an edited export sends only the edit.
func TestSyncOfAnExportSendsOnlyTheEdits(t *testing.T) {
	s, env := newFamilyServer(t)
	r := runCLI(t, env, withURL(s, "export", "--with-test-users")...)
	wantExit(t, r, 0)
	in := filepath.Join(t.TempDir(), "export.jsonl")
	writeFile(t, in, r.stdout)
	users := len(s.Users())
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	if want := fmt.Sprintf("  unchanged      %d\n", users); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "nothing was sent") {
		t.Fatalf("sync of an export, want %q:\n%s", want, r)
	}

	export := readLines(t, in)
	for i, line := range export {
		if strings.Contains(line, `"loginId":"multi@example.com"`) {
			export[i] = strings.Replace(line, `"seats":12`, `"seats":13`, 1)
		}
	}
	writeFile(t, in, strings.Join(export, "\n")+"\n")
	r = runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "  to change      1 (1 fields)\n") {
		t.Errorf("sync of the edited export:\n%s", r.stdout)
	}
	got := batchBodies(t, settled(s))
	if len(got) != 1 || string(got[0]["customAttributes"]) != `{"seats":13}` || len(got[0]) != 2 {
		t.Errorf("sent %v, want multi's seats alone", got)
	}
}
