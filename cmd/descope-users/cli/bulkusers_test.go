package cli

// Tests of create-batch and delete-batch: their formats, their failed files (read back by the
// same command, and private: they may hold passwords), --confirm, and a killed create-batch run
// resumed.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// wantMode checks a file's permissions, where the system has them.
func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

func TestCreateBatchJSONL(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "new.jsonl")
	writeFile(t, in, `{"loginId":"a@example.com","email":"a@example.com","name":"A","status":"enabled","password":"A-Passw0rd","customAttributes":{"plan":"pro"}}`+"\n\n"+
		`{"loginId":"b@example.com","hashedPassword":{"md5":{"hash":"`+md5OfPassword+`"}},"roleNames":["editor"],"userTenants":[{"tenantId":"T1","roleNames":["admin"]}]}`+"\n"+
		`{"loginId":"c@example.com","seed":"JBSWY3DPEHPK3PXP","test":true}`+"\n")
	r := runCLI(t, env, withURL(s, "create-batch", in)...)
	wantExit(t, r, 0)
	for _, want := range []string{"total          3", "created        3", "failed         0", "paced          under 100/1m calls (--limit)", "users/s", "All users applied"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	a := user(t, s, "a@example.com")
	if a.Status != "enabled" || a.Name != "A" || a.CustomAttributes["plan"] != "pro" {
		t.Errorf("a %+v", a)
	}
	wantPassword(t, s, "a@example.com", "A-Passw0rd")
	wantPassword(t, s, "b@example.com", "password")
	if b := user(t, s, "b@example.com"); len(b.UserTenants) != 1 || b.UserTenants[0].TenantID != "T1" || !slices.Equal(b.RoleNames, []string{"editor"}) {
		t.Errorf("b %+v", b)
	}
	if c := user(t, s, "c@example.com"); !c.TOTP || !c.Test {
		t.Errorf("c %+v", c)
	}
	if ops := opsSince(s, 0); !slices.Equal(ops, []string{"CreateUsers"}) {
		t.Errorf("requests %v", ops)
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !os.IsNotExist(err) {
		t.Errorf("a failed file is left although nothing failed: %v", err)
	}
}

func TestCreateBatchCSV(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "new.csv")
	writeFile(t, in, "loginId,email,name,status,verifiedEmail,roleNames,additionalLoginIds,password,createdTime,customAttributes.seats\n"+
		"a@example.com,a@example.com,A,Enabled,TRUE,editor;billing,a2@example.com,A-Passw0rd,1700000000,5\n"+
		",,,,,,,,,\n"+
		"b@example.com,,,,,,,,,\n")
	r := runCLI(t, env, withURL(s, "create-batch", "--limit", "none", in)...)
	wantExit(t, r, 0)
	a := user(t, s, "a@example.com")
	if a.Status != "enabled" || !a.VerifiedEmail || !slices.Equal(a.RoleNames, []string{"editor", "billing"}) || !slices.Equal(a.LoginIDs, []string{"a@example.com", "a2@example.com"}) ||
		a.CreatedTime != 1700000000 || a.CustomAttributes["seats"] != float64(5) {
		t.Errorf("a %+v", a)
	}
	wantPassword(t, s, "a@example.com", "A-Passw0rd")
	if b := user(t, s, "b@example.com"); b.Status != "invited" || b.Name != "" {
		t.Errorf("b %+v", b)
	}
}

// A file with mistakes is refused whole, at FILE:LINE, before anything is sent; a hash in it is
// never shown.
func TestCreateBatchMalformed(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	for _, c := range []struct{ name, content, want string }{
		{"a.jsonl", `{"loginId":"a@example.com","emial":"x"}`, `a.jsonl:1: unknown field "emial"`},
		{"b.jsonl", `{"email":"a@example.com"}`, "b.jsonl:1: loginId is missing or empty"},
		{"c.jsonl", `{"loginId":"a@example.com","password":"P-1","hashedPassword":{"md5":{"hash":"` + md5OfPassword + `"}}}`, "c.jsonl:1: both a password and a hashedPassword"},
		{"d.jsonl", `{"loginId":"a@example.com","hashedPassword":{"md5":{"hash":"5f4dcc3b5aa7"}}}`, "d.jsonl:1: hashedPassword: md5.hash: not 32 hexadecimal digits"},
		{"e.jsonl", "{\"loginId\":\"a@example.com\"}\n{\"loginId\":\"b@example.com\",\"status\":\"paused\"}", `e.jsonl:2: status "paused" is not enabled, disabled or invited`},
		{"f.csv", "loginId,pasword\na@example.com,x\n", `column 2 "pasword" is not a known column`},
		{"g.csv", "email\na@example.com\n", "the header row has no loginId column: every row needs the login ID of the user to create"},
		{"h.csv", "loginId,verifiedEmail,createdTime\na@example.com,yes,\nb@example.com,,soon\n", `h.csv: 2 malformed lines`},
	} {
		in := filepath.Join(dir, c.name)
		writeFile(t, in, c.content+"\n")
		runUsage(t, s, env, c.want, "create-batch", in)
		if r := runCLI(t, env, withURL(s, "create-batch", in)...); strings.Contains(r.stderr, "5f4dcc3b5aa7") {
			t.Errorf("%s: the hash shows: %s", c.name, r.stderr)
		}
	}
}

// The failed file of create-batch holds the users as they were read, passwords included, readable
// by its owner alone; create-batch reads it back, and creates them.
func TestCreateBatchFailedFileIsPrivateAndRetried(t *testing.T) {
	failing, env := newServer(t, apitest.WithFaults(apitest.Faults{ErrorRate: 1}))
	in := filepath.Join(t.TempDir(), "new.jsonl")
	writeFile(t, in, `{"loginId":"a@example.com","password":"A-Passw0rd"}`+"\n"+`{"loginId":"b@example.com","hashedPassword":{"md5":{"hash":"`+md5OfPassword+`"}}}`+"\n")
	r := runCLI(t, env, withURL(failing, "create-batch", "--limit", "none", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	if !strings.Contains(r.stdout, "retry them with: descope-users --base-url") || !strings.Contains(r.stdout, "create-batch "+failed) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if lines := readLines(t, failed); len(lines) != 2 || !strings.Contains(lines[0], `"password":"A-Passw0rd"`) || !strings.Contains(lines[1], md5OfPassword) {
		t.Errorf("failed file:\n%s", strings.Join(lines, "\n"))
	}
	wantMode(t, failed, 0o600)

	s, env := newServer(t)
	r = runCLI(t, env, withURL(s, "create-batch", failed)...)
	wantExit(t, r, 0)
	wantPassword(t, s, "a@example.com", "A-Passw0rd")
	wantPassword(t, s, "b@example.com", "password")
}

// A failed file that exists, empty, is taken over; if anyone could read it, it is made its
// owner's alone first, since it may receive passwords.
func TestFailedFileTakenOverIsMadePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "new.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","password":"Taken-Passw0rd"}`+"\n")
	failed := filepath.Join(dir, "failed.jsonl")
	if err := os.WriteFile(failed, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(failed, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	r := runCLI(t, env, withURL(s, "create-batch", "--failed", failed, in)...)
	wantExit(t, r, 1)
	wantMode(t, failed, 0o600)
	if lines := readLines(t, failed); len(lines) != 1 || !strings.Contains(lines[0], "Taken-Passw0rd") {
		t.Errorf("failed file %q", lines)
	}
}

// killedCreateRun starts a run that creates 12 users (k00@example.com..., with passwords), one a
// batch, against a fake slow enough to be caught mid-run, kills it outright once its journal
// records 4 outcomes, and returns the fake, the input, and the run's flags after its command.
func killedCreateRun(t *testing.T, command string, concurrency int) (s *apitest.Server, in string, flags []string) {
	t.Helper()
	s = apitest.NewServer(t, apitest.WithCredentials(testProject, testKey), apitest.WithRequestLog(),
		apitest.WithFaults(apitest.Faults{Latency: 60 * time.Millisecond}))
	var b strings.Builder
	for i := range killedUsers {
		fmt.Fprintf(&b, `{"loginId":"k%02d@example.com","password":"Pw-%02d-secret"}`+"\n", i, i)
	}
	in = filepath.Join(t.TempDir(), "new.jsonl")
	writeFile(t, in, b.String())
	flags = []string{"--limit", "none", "--batch-size", "1", "--concurrency", strconv.Itoa(concurrency), in}
	p := startProcess(t, s, append([]string{command}, flags...)...)
	journal := journalPath(in + ".failed.jsonl")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if data, err := os.ReadFile(journal); err == nil && strings.Count(string(data), "\n") >= 4 {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("the run ended, or recorded nothing, before it was killed\n%s\n%s", &p.stdout, &p.stderr)
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	if len(s.Users()) == killedUsers {
		t.Fatal("every user was created before the kill: nothing to resume")
	}
	return s, in, flags
}

// killedUsers is how many users killedCreateRun's run creates.
const killedUsers = 12

// wantKilledUsersCreated checks that each user of killedCreateRun exists with its password, and
// that the journal is gone.
func wantKilledUsersCreated(t *testing.T, s *apitest.Server, in string) {
	t.Helper()
	if len(s.Users()) != killedUsers {
		t.Errorf("%d users, want %d", len(s.Users()), killedUsers)
	}
	for i := range killedUsers {
		wantPassword(t, s, fmt.Sprintf("k%02d@example.com", i), fmt.Sprintf("Pw-%02d-secret", i))
	}
	if _, err := os.Stat(journalPath(in + ".failed.jsonl")); !os.IsNotExist(err) {
		t.Errorf("the journal is left after the resumed run ended: %v", err)
	}
}

// A create-batch run killed outright is continued with --resume: every user is created once, but
// for those in flight when it died, which are sent again and then fail as existing.
func TestCreateBatchKilledRunResumes(t *testing.T) {
	s, in, flags := killedCreateRun(t, "create-batch", 1)
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	r := runCLI(t, env, withURL(s, append([]string{"create-batch", "--resume"}, flags...)...)...)
	if !strings.Contains(r.stdout, "already had an outcome in the journal of the killed run") {
		t.Errorf("not resumed:\n%s", r)
	}
	wantKilledUsersCreated(t, s, in)
	// Only a user in flight at the kill may have been sent twice, failing the second time.
	if r.code != 0 {
		lines := readLines(t, in+".failed.jsonl")
		if len(lines) > 1 || !strings.Contains(r.stdout, "E011004") {
			t.Errorf("after the resume:\n%s\nfailed file %q", r, lines)
		}
	}
}

func TestCreateBatchDefaultLimit(t *testing.T) {
	r := runCLI(t, nil, "help", "create-batch")
	wantExit(t, r, 0)
	for _, want := range []string{"Descope's documented limit for user create calls", "(default 100/1m)", "CreateUsers call", "create-batch new-users.jsonl"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, r.stdout)
		}
	}
	if api.LimitUserCreate.Count != 100 || createBatches.limit != api.LimitUserCreate {
		t.Errorf("create-batch's default limit %v", createBatches.limit)
	}
	// Every CSV column is in the help.
	for _, c := range newUserColumns.named {
		if !strings.Contains(newUserFormatHelp, c.name) {
			t.Errorf("the format's help does not name the column %s", c.name)
		}
	}
}

func TestDeleteBatch(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "leavers.jsonl")
	writeFile(t, in, `{"userId":"U2joe"}`+"\n"+`{"userId":"U2ann","loginId":"ann@example.com","name":"Ann","customAttributes":{"x":null}}`+"\n"+`{"userId":"U2nobody"}`+"\n")

	// --confirm, unless nothing is sent.
	runUsage(t, s, env, "this command deletes the users FILE names, which cannot be undone: give --confirm", "delete-batch", in)
	r := runCLI(t, env, withURL(s, "delete-batch", "--dry-run", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "3 user IDs, all well formed (dry run: nothing was sent)") || s.Stats().Requests != 0 {
		t.Errorf("dry run:\n%s\n%d requests", r, s.Stats().Requests)
	}

	r = runCLI(t, env, withURL(s, "delete-batch", "--confirm", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "deleted        3") || !strings.Contains(r.stdout, "paced          under 100/1m calls (--limit)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	var left []string
	for _, u := range s.Users() {
		left = append(left, u.UserID)
	}
	if !slices.Equal(left, []string{"U2jane"}) {
		t.Errorf("users left %v", left)
	}
	// A failed file that holds an earlier run's lines is refused, and the advice to retry them
	// carries the --confirm that the retry needs.
	held := filepath.Join(dir, "held.jsonl")
	writeFile(t, held, `{"userId":"U2jane"}`+"\n")
	writeFile(t, defaultFailedPath(held), `{"userId":"U2joe"}`+"\n")
	r = runCLI(t, env, withURL(s, "delete-batch", "--confirm", held)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "retry them with 'delete-batch --confirm "+defaultFailedPath(held)+"'") {
		t.Errorf("the advice to retry lacks --confirm:\n%s", r.stderr)
	}
	var body gen.DeleteUsersRequest
	lastBody(t, s, &body)
	if !slices.Equal(body.UserIDs, []string{"U2joe", "U2ann", "U2nobody"}) {
		t.Errorf("sent %+v", body)
	}

	// CSV: the userId column; the patch format's other columns are read, and ignored.
	s, env = newServer(t)
	csv := filepath.Join(dir, "leavers.csv")
	writeFile(t, csv, "loginId,userId,verifiedEmail,customAttributes.plan\njoe@example.com,U2joe,true,pro\n,U2ann,,\n")
	wantExit(t, runCLI(t, env, withURL(s, "delete-batch", "--confirm", csv)...), 0)
	if len(s.Users()) != 1 {
		t.Errorf("users left %+v", s.Users())
	}
}

// delete/batch takes user IDs only: a line that names its user by loginId alone is refused at its
// FILE:LINE, saying how to find the user IDs; and so is a line that is not of the patch format.
func TestDeleteBatchRefusesLoginIDs(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	for _, c := range []struct{ name, content, want string }{
		{"a.jsonl", `{"userId":"U2joe"}` + "\n" + `{"loginId":"jane@example.com"}`,
			`a.jsonl:2: no userId: delete/batch deletes by user ID only, and this line names its user by loginId alone; find the user IDs with 'descope-users search --login-ids jane@example.com'`},
		{"b.jsonl", `{"userId":""}`, "b.jsonl:1: no userId"},
		{"c.jsonl", `{"userId":"U2joe","emial":"x"}`, `c.jsonl:1: unknown field "emial"`},
		{"d.jsonl", `{"userId":"U2joe","verifiedEmail":"yes"}`, `d.jsonl:1: field "verifiedEmail": expected true or false`},
		{"e.csv", "loginId\njane@example.com\n", "the header row has no userId column: every row needs the user ID of the user to delete (delete/batch takes user IDs only)"},
		{"f.csv", "loginId,userId\njane@example.com,\n", "f.csv:2: no userId"},
		{"g.csv", "userId,verifiedEmail\nU2joe,maybe\n", `g.csv:2: column 2 "verifiedEmail": "maybe" is not true or false`},
		{"h.csv", "userId,nickname\nU2joe,Jo\n", `column 2 "nickname" is not a known column`},
	} {
		in := filepath.Join(dir, c.name)
		writeFile(t, in, c.content+"\n")
		runUsage(t, s, env, c.want, "delete-batch", "--confirm", in)
	}
	if len(s.Users()) != 3 {
		t.Error("a refused file deleted users")
	}
}

// The failed file of delete-batch holds {"userId":...} lines, which delete-batch reads back.
func TestDeleteBatchFailedFileIsReadBack(t *testing.T) {
	failing, env := newServer(t, apitest.WithFaults(apitest.Faults{ErrorRate: 1}))
	in := filepath.Join(t.TempDir(), "leavers.csv")
	writeFile(t, in, "userId,loginId\nU2joe,joe@example.com\nU2ann,\n")
	r := runCLI(t, env, withURL(failing, "delete-batch", "--confirm", "--limit", "none", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	if lines := readLines(t, failed); !slices.Equal(lines, []string{`{"userId":"U2joe"}`, `{"userId":"U2ann"}`}) {
		t.Errorf("failed file %q", lines)
	}
	// The retry it suggests confirms, as the first run did.
	if !strings.Contains(r.stdout, "delete-batch --confirm "+failed) {
		t.Errorf("stdout:\n%s", r.stdout)
	}

	s, env := newServer(t)
	wantExit(t, runCLI(t, env, withURL(s, "delete-batch", "--confirm", failed)...), 0)
	for _, gone := range []string{"joe@example.com", "ann@example.com"} {
		if _, ok := s.User(gone); ok {
			t.Errorf("%s is left", gone)
		}
	}
	var line userIDLine
	if err := json.Unmarshal([]byte(readLines(t, failed)[0]), &line); err != nil || line.UserID != "U2joe" {
		t.Errorf("%v %+v", err, line)
	}
}
