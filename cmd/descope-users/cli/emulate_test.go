package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// lockedBuffer is a buffer written by the command's goroutine and read by the test's; first
// receives the first line once it is whole.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	first chan string
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{first: make(chan string, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	had := bytes.IndexByte(l.b.Bytes(), '\n') >= 0
	n, err := l.b.Write(p)
	if i := bytes.IndexByte(l.b.Bytes(), '\n'); !had && i >= 0 {
		l.first <- string(l.b.Bytes()[:i])
	}
	return n, err
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// emulator is emulate running in the test's process, until stop.
type emulator struct {
	url    string
	stdout *lockedBuffer
	cancel context.CancelFunc
	done   chan result
	result *result
}

var listeningLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// startEmulate runs emulate with args (after the command's name) and waits for its first line,
// which must name the URL it serves.
func startEmulate(t *testing.T, env map[string]string, args ...string) *emulator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e := &emulator{stdout: newLockedBuffer(), cancel: cancel, done: make(chan result, 1)}
	stderr := newLockedBuffer()
	go func() {
		code := Run(ctx, append([]string{"emulate", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, nil, e.stdout, stderr)
		e.done <- result{code, e.stdout.String(), stderr.String()}
	}()
	t.Cleanup(func() { e.stop(t) })
	select {
	case line := <-e.stdout.first:
		m := listeningLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("the first line is %q, want listening on http://127.0.0.1:PORT", line)
		}
		e.url = m[1]
	case r := <-e.done:
		e.result = &r
		t.Fatalf("emulate ended before it served:\n%s", r)
	case <-time.After(30 * time.Second):
		t.Fatal("emulate printed no line in 30s")
	}
	return e
}

// stop stops the emulator as a signal would, and returns how it ended.
func (e *emulator) stop(t *testing.T) result {
	t.Helper()
	if e.result == nil {
		e.cancel()
		r := <-e.done
		e.result = &r
		checkNoKey(t, []string{"emulate"}, r.stdout+r.stderr)
	}
	return *e.result
}

func (e *emulator) client(t *testing.T, env map[string]string) *api.Client {
	t.Helper()
	c, err := api.New(env[envProjectID], env[envManagement], api.WithBaseURL(e.url), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// control calls the emulator's control API and decodes its JSON answer into v (when not nil).
func (e *emulator) control(t *testing.T, env map[string]string, method, path, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, e.url+apitest.ControlPrefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env[envProjectID]+":"+env[envManagement])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func emulateEnv() map[string]string {
	return map[string]string{envProjectID: testProject, envManagement: testKey}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEmulateServes: emulate serves the fake on the port it got, first printing exactly where,
// then how to point each SDK at it (the key by the environment variable that holds it); the
// api package works against it; it stops with exit 0 when told to.
func TestEmulateServes(t *testing.T) {
	env := emulateEnv()
	e := startEmulate(t, env)
	c := e.client(t, env)
	ctx := context.Background()
	u, err := c.Create(ctx, api.UserCreate{LoginID: "amy@example.com", Email: "amy@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Load(ctx, u.UserID); err != nil || got.LoginIDs[0] != "amy@example.com" {
		t.Fatalf("load: %+v %v", got, err)
	}
	r := e.stop(t)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r)
	}
	for _, want := range []string{
		"DescopeClient({ projectId: '" + testProject + "', managementKey: process.env.DESCOPE_MANAGEMENT_KEY, baseUrl: '" + e.url + "' })",
		"DescopeClient(project_id='" + testProject + "', management_key=os.environ['DESCOPE_MANAGEMENT_KEY'], base_url='" + e.url + "')",
		"DESCOPE_BASE_URI=" + e.url,
		`client.NewWithConfig(&client.Config{ProjectID: "` + testProject + `", ManagementKey: os.Getenv("DESCOPE_MANAGEMENT_KEY"), DescopeBaseURL: "` + e.url + `"})`,
		`DescopeManagementClientFactory.Create(new DescopeClientOptions { ProjectId = "` + testProject + `", ManagementKey = Environment.GetEnvironmentVariable("DESCOPE_MANAGEMENT_KEY"), BaseUrl = "` + e.url + `" })`,
		`api.New("` + testProject + `", os.Getenv("DESCOPE_MANAGEMENT_KEY"), api.WithBaseURL("` + e.url + `"))`,
		"descope-users --base-url " + e.url + " search",
		"management key  the one in $DESCOPE_MANAGEMENT_KEY (not shown)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the setup lacks %s:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "stopping") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if _, err := http.Get(e.url); err == nil {
		t.Error("still serving after it stopped")
	}
}

// TestEmulateShowsOnlyTheDefaultKey: the setup shows the key literally only when it is the
// documented fake one; a key from the flag or the environment is named by where it came from.
func TestEmulateShowsOnlyTheDefaultKey(t *testing.T) {
	run := func(env map[string]string, args ...string) result {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"emulate", "--check"}, args...), func(k string) string { return env[k] }, nil, &out, &errb)
		return result{code, out.String(), errb.String()}
	}
	r := run(nil)
	if r.code != 0 || !strings.Contains(r.stdout, "managementKey: '"+apitest.DefaultManagementKey+"'") || !strings.Contains(r.stdout, apitest.DefaultProjectID) {
		t.Errorf("defaults:\n%s", r)
	}
	if !strings.HasPrefix(r.stdout, "would listen on http://127.0.0.1:4100 ") {
		t.Errorf("the check's first line: %s", r.stdout)
	}
	const flagKey = "K2-given-on-the-command-line"
	r = run(map[string]string{envManagement: testKey}, "--project-id", "P2flag", "--management-key", flagKey)
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, flagKey) || strings.Contains(r.stdout, testKey) ||
		!strings.Contains(r.stdout, "the one given to --management-key (not shown)") || !strings.Contains(r.stdout, "projectId: 'P2flag'") {
		t.Errorf("flag key:\n%s", r)
	}
	r = run(map[string]string{envProjectID: "P2env", envManagement: testKey})
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, testKey) || !strings.Contains(r.stdout, "process.env.DESCOPE_MANAGEMENT_KEY") {
		t.Errorf("environment key:\n%s", r)
	}
}

const seedFile = `{"loginId":"jane@example.com","additionalLoginIds":["jane"],"name":"Jane","status":"disabled","customAttributes":{"plan":"pro","gone":null},"userTenants":[{"tenantId":"T1","roleNames":["admin"]}]}

{"loginIds":["bob@example.com"],"userId":"U2bob","name":"Bob","customAttributes":{"seats":3}}
{"user":{"loginIds":["ann@example.com"],"userId":"U2ann","test":true},"created":false}
`

// TestEmulateSeed: --seed reads patches as export writes them (new user IDs) and users as the API
// returns them, bare or as {"user": ...} (their user IDs kept).
func TestEmulateSeed(t *testing.T) {
	env := emulateEnv()
	e := startEmulate(t, env, "--seed", writeTemp(t, "seed.jsonl", seedFile))
	c := e.client(t, env)
	ctx := context.Background()
	jane, err := c.Load(ctx, "jane")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(jane.UserID, "U2fake") || jane.Name != "Jane" || jane.Status != "disabled" || jane.CustomAttributes["plan"] != "pro" ||
		len(jane.CustomAttributes) != 1 || len(jane.UserTenants) != 1 || jane.UserTenants[0].RoleNames[0] != "admin" || len(jane.LoginIDs) != 2 {
		t.Errorf("jane: %+v", jane)
	}
	for id, login := range map[string]string{"U2bob": "bob@example.com", "U2ann": "ann@example.com"} {
		u, err := c.Load(ctx, login)
		if err != nil || u.UserID != id {
			t.Errorf("%s: %+v %v, want user ID %s", login, u, err, id)
		}
	}
	if u, _ := c.Load(ctx, "bob@example.com"); u.CustomAttributes["seats"] != 3.0 || u.Status != "enabled" {
		t.Errorf("bob: %+v", u)
	}
	if r := e.stop(t); !strings.Contains(r.stdout, "users           3, from ") {
		t.Errorf("the setup does not count the users:\n%s", r.stdout)
	}
}

// TestEmulateSeedRefusals: a seed line that does not read stops emulate before it serves, naming
// FILE:LINE and what is wrong.
func TestEmulateSeedRefusals(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"not JSON", `{"loginId":"a"}` + "\n" + `{"loginId":`, ":2: invalid JSON"},
		{"patch typo", `{"loginId":"a","nmae":"A"}`, `:1: unknown field "nmae"`},
		{"user typo", `{"loginIds":["a"],"nmae":"A"}`, `:1: unknown field "nmae"`},
		{"wrapped user typo", `{"user":{"loginIds":["a"],"userid":"U1"}}`, `:1: `},
		{"no login ID", `{"loginIds":[]}`, ":1: loginIds is empty"},
		{"wrapped without login ID", `{"user":{"userId":"U1"}}`, ":1: user.loginIds is empty"},
		{"patch without loginId", `{"name":"A"}`, ":1: loginId is missing or empty"},
		{"twice", `{"loginId":"a"}` + "\n\n" + `{"loginIds":["b","a"]}`, `:3: "a" is a login ID or user ID of the user on line 1 too`},
		{"user ID twice", `{"loginIds":["a"],"userId":"U1"}` + "\n" + `{"user":{"loginIds":["b"],"userId":"U1"}}`, `:2: "U1" is a login ID or user ID of the user on line 1 too`},
		// The user of line 1 was given that user ID: line 2's does not replace it.
		{"a user ID given", `{"loginId":"a"}` + "\n" + `{"loginIds":["b"],"userId":"U2fake0000000000000000000001"}`,
			`:2: "U2fake0000000000000000000001" is a login ID or user ID of the user on line 1 too`},
	} {
		path := writeTemp(t, "seed.jsonl", tc.content)
		r := runCLI(t, emulateEnv(), "emulate", "--addr", "127.0.0.1:0", "--seed", path)
		if r.code != 2 || !strings.Contains(r.stderr, path+tc.want) || strings.Contains(r.stdout, "listening") {
			t.Errorf("%s: want exit 2 and %s%s\n%s", tc.name, path, tc.want, r)
		}
	}
}

// TestEmulateStateAcrossRestarts: with --state, a restart keeps every user with its user ID, its
// password (checked through the control API), and never issues a user ID again; the state file is
// private. A state file that does not read stops emulate, naming FILE:LINE, and is left as it is.
func TestEmulateStateAcrossRestarts(t *testing.T) {
	env := emulateEnv()
	state := filepath.Join(t.TempDir(), "state.jsonl")
	e := startEmulate(t, env, "--state", state, "--seed", writeTemp(t, "seed.jsonl", seedFile))
	c := e.client(t, env)
	ctx := context.Background()
	amy, err := c.Create(ctx, api.UserCreate{LoginID: "amy@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := c.Create(ctx, api.UserCreate{LoginID: "gone@example.com"})
	if err == nil {
		err = c.Delete(ctx, "gone@example.com")
	}
	if err == nil {
		err = c.SetActivePassword(ctx, "amy@example.com", "Amy-Pa55word")
	}
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := c.Search(ctx, api.SearchOptions{Limit: 100, WithTestUser: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.stop(t); r.code != 0 || !strings.Contains(r.stderr, "state written to "+state+" (4 users)") {
		t.Fatalf("stop:\n%s", r)
	}
	if st, err := os.Stat(state); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the state file: %v %v", st, err)
	}

	e = startEmulate(t, env, "--state", state, "--seed", "/nonexistent/seed.jsonl")
	c = e.client(t, env)
	after, _, err := c.Search(ctx, api.SearchOptions{Limit: 100, WithTestUser: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 4 || len(before) != 4 {
		t.Fatalf("%d users before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].UserID != after[i].UserID || before[i].ModifiedTime != after[i].ModifiedTime || before[i].LoginIDs[0] != after[i].LoginIDs[0] {
			t.Errorf("user %d: %+v, was %+v", i, after[i], before[i])
		}
	}
	var check struct{ Matches bool }
	if st := e.control(t, env, "POST", "password/check", `{"loginId":"`+amy.UserID+`","password":"Amy-Pa55word"}`, &check); st != 200 || !check.Matches {
		t.Errorf("amy's password after the restart: %d %+v", st, check)
	}
	next, err := c.Create(ctx, api.UserCreate{LoginID: "next@example.com"})
	if err != nil || next.UserID == gone.UserID || next.UserID == amy.UserID {
		t.Errorf("the next user ID %q (%v) repeats one issued before (%s, %s)", next.UserID, err, amy.UserID, gone.UserID)
	}
	r := e.stop(t)
	if !strings.Contains(r.stdout, "users           4, from "+state+" (--seed /nonexistent/seed.jsonl not read: the state wins)") {
		t.Errorf("the setup:\n%s", r.stdout)
	}

	// A state that does not read: named by line, nothing served, the file left whole.
	data, _ := os.ReadFile(state)
	bad := strings.Replace(string(data), `"loginIds":["amy@example.com"]`, `"loginIds":["jane"]`, 1)
	if err := os.WriteFile(state, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "emulate", "--addr", "127.0.0.1:0", "--state", state)
	if r.code != 2 || !regexp.MustCompile(regexp.QuoteMeta(state)+`:[0-9]+: user.loginIds\[0\]: "jane" is also a login ID or user ID of the user on line 2`).MatchString(r.stderr) {
		t.Errorf("a bad state:\n%s", r)
	}
	if after, _ := os.ReadFile(state); string(after) != bad {
		t.Error("the refused state file was changed")
	}
}

// TestWriteAtomically: the state reaches its file whole or not at all: a write that fails leaves
// the file as it was and no temporary file; until the rename, the file is the old one; the new
// file is readable by its owner alone.
func TestWriteAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.jsonl")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAtomically(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half of the new st")
		return errors.New("disk full")
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old\n" {
		t.Errorf("after a failed write the file holds %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	err = writeAtomically(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "new ")
		if data, _ := os.ReadFile(path); string(data) != "old\n" {
			t.Errorf("during the write the file holds %q", data)
		}
		_, err := io.WriteString(w, "state\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if data, _ := os.ReadFile(path); err != nil || string(data) != "new state\n" || st.Mode().Perm() != 0o600 {
		t.Errorf("after the write: %q, %v %v", data, st.Mode(), err)
	}
	if err := writeAtomically(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
}

// TestEmulateUsage: what emulate refuses before serving (exit 2), and what it allows.
func TestEmulateUsage(t *testing.T) {
	env := emulateEnv()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"emulate", "--addr", "0.0.0.0:4100"}, "--addr 0.0.0.0:4100 is reachable from other machines: give --allow-remote"},
		{[]string{"emulate", "--addr", ":4100"}, "give --allow-remote"},
		{[]string{"emulate", "--addr", "4100"}, `--addr "4100" is not HOST:PORT`},
		{[]string{"emulate", "--limits", "create=100"}, "--limits: create=100: not COUNT/WINDOW"},
		{[]string{"emulate", "--limits", "delete=1/1m"}, `--limits: "delete": the limits are create, update, search, default`},
		{[]string{"emulate", "--limits", "lockout=5s"}, "lockout alone limits nothing"},
		{[]string{"emulate", "--faults", "error-rate=2"}, "--faults: error-rate=2: a share from 0 to 1"},
		{[]string{"emulate", "--faults", "errors=0.1"}, `the faults are error-rate, cut-rate, latency and seed`},
		{[]string{"emulate", "--faults", "error-rate=0.6,cut-rate=0.6"}, "add up to more than 1"},
		{[]string{"--time-scale", "60", "emulate", "--time-scale", "10"}, "the global --time-scale 60 and emulate's --time-scale 10 differ"},
		{[]string{"emulate", "--time-scale", "0"}, "--time-scale must be a positive number"},
		{[]string{"emulate", "extra"}, `unexpected argument "extra"`},
		{[]string{"emulate", "--state", "/nonexistent/dir/state.jsonl"}, "--state /nonexistent/dir/state.jsonl: cannot write beside it"},
		{[]string{"emulate", "--seed", "/nonexistent/seed.jsonl"}, "cannot read /nonexistent/seed.jsonl"},
	} {
		r := runCLI(t, env, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%q: want exit 2 and %q\n%s", tc.args, tc.want, r)
		}
	}
	// Allowed: a remote address with --allow-remote (checked, not bound: the test touches loopback
	// only), with its warning; the global --time-scale sets the emulator's clock.
	r := runCLI(t, env, "--time-scale", "60", "emulate", "--check", "--addr", "0.0.0.0:4100", "--allow-remote", "--limits", "descope", "--faults", "latency=1ms,seed=3")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: 0.0.0.0:4100 is an address other machines may reach") ||
		!strings.Contains(r.stdout, "60 times as fast") || !strings.Contains(r.stdout, "baseUrl: 'http://127.0.0.1:4100'") ||
		!strings.Contains(r.stdout, "user create 100/1m, user update 200/1m, user search 200/1m, other management calls 100/1m; then a lock-out of 1m") {
		t.Errorf("allowed:\n%s", r)
	}
}

// TestEmulateSwitches: --limits, --test-user-limit, --faults and --request-log reach the served
// fake (and --validate-responses reports nothing for answers that match the spec).
func TestEmulateSwitches(t *testing.T) {
	env := emulateEnv()
	e := startEmulate(t, env, "--limits", "search=1/1m,lockout=10s", "--test-user-limit", "1", "--faults", "latency=50ms,seed=7",
		"--request-log", "2", "--validate-responses")
	c := e.client(t, env)
	ctx := context.Background()
	if _, _, err := c.Search(ctx, api.SearchOptions{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	var ae *api.Error
	if _, _, err := c.Search(ctx, api.SearchOptions{Limit: 10}); !api.IsRateLimited(err) || !errors.As(err, &ae) || ae.RetryAfter != 10*time.Second {
		t.Errorf("the second search: %v, want a 429 with Retry-After 10", err)
	}
	if _, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: "t1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: "t2"}); err == nil || !strings.Contains(err.Error(), "E111111") {
		t.Errorf("a second test user beyond --test-user-limit 1: %v", err)
	}
	start := time.Now()
	if _, err := c.Load(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("a call took %v with --faults latency=50ms", d)
	}
	var j struct {
		Requests []struct{ OperationID string }
		Dropped  int
	}
	if st := e.control(t, env, "GET", "requests", "", &j); st != 200 || len(j.Requests) != 2 || j.Dropped != 3 || j.Requests[1].OperationID != "LoadUser" {
		t.Errorf("the journal with --request-log 2: %d %+v", st, j)
	}
	if r := e.stop(t); r.code != 0 || strings.Contains(r.stderr, "does not match") {
		t.Errorf("stop:\n%s", r)
	}
}

// TestEmulateStartRefusals: credentials the emulator cannot take are a usage error (exit 2); an
// address in use is a failure (exit 1), naming it.
func TestEmulateStartRefusals(t *testing.T) {
	r := runCLI(t, nil, "emulate", "--project-id", "P2:colon")
	if r.code != 2 || !strings.Contains(r.stderr, "the project ID must not contain a colon") {
		t.Errorf("a project ID with a colon:\n%s", r)
	}
	env := emulateEnv()
	e := startEmulate(t, env)
	r = runCLI(t, env, "emulate", "--addr", strings.TrimPrefix(e.url, "http://"))
	if r.code != 1 || !strings.Contains(r.stderr, "cannot listen on "+strings.TrimPrefix(e.url, "http://")) {
		t.Errorf("an address in use:\n%s", r)
	}
}
