package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Fake credentials. The key is distinctive so that a leak into any output is unmistakable.
const (
	testProject = "P2cliTestProject"
	testKey     = "K2-cli-test-secret-7d3f9a1c-do-not-print"
)

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout:\n" + r.stdout + "\n--- stderr:\n" + r.stderr
}

// runCtx runs the program as a command line would, and fails the test if a management key, or
// the marker that masks one, shows up in its output.
func runCtx(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	r := result{code, out.String(), errb.String()}
	checkNoKey(t, args, r.stdout+r.stderr)
	return r
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), env, "", args...)
}

func checkNoKey(t *testing.T, args []string, output string) {
	t.Helper()
	for _, secret := range []string{testKey, apitest.DefaultManagementKey, api.RedactedKey} {
		if strings.Contains(output, secret) {
			t.Errorf("output of %q contains %q:\n%s", args, secret, output)
		}
	}
}

func testUsers() []gen.User {
	return []gen.User{
		{LoginIDs: []string{"jane@example.com"}, UserID: "U2jane", Name: "Jane", GivenName: "Jane", FamilyName: "Roe",
			Email: "jane@example.com", RoleNames: []string{"viewer"}, CustomAttributes: map[string]any{"plan": "free", "seats": 1}},
		{LoginIDs: []string{"joe@example.com"}, UserID: "U2joe", Name: "Joe", Phone: "+15550000001"},
		{LoginIDs: []string{"ann@example.com"}, UserID: "U2ann", Name: "Ann"},
	}
}

// newServer starts an apitest server with the test credentials, the test users and a request
// log; env holds the credentials as the environment would. Pass the server's URL with
// --base-url (see withURL).
func newServer(t *testing.T, opts ...apitest.Option) (*apitest.Server, map[string]string) {
	t.Helper()
	all := append([]apitest.Option{
		apitest.WithCredentials(testProject, testKey),
		apitest.WithUsers(testUsers()...),
		apitest.WithRequestLog(),
	}, opts...)
	s := apitest.NewServer(t, all...)
	return s, map[string]string{envProjectID: testProject, envManagement: testKey}
}

func withURL(s *apitest.Server, args ...string) []string {
	return append([]string{"--base-url", s.URL}, args...)
}

func user(t *testing.T, s *apitest.Server, loginID string) gen.User {
	t.Helper()
	u, ok := s.User(loginID)
	if !ok {
		t.Fatalf("no user %s in the fake", loginID)
	}
	return u
}

// printedUser decodes the user a single-user command printed.
func printedUser(t *testing.T, r result) api.User {
	t.Helper()
	var u api.User
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		t.Fatalf("stdout is not a user as JSON: %v\n%s", err, r)
	}
	if !strings.Contains(r.stdout, "\n  \"") {
		t.Errorf("the user is not indented JSON:\n%s", r.stdout)
	}
	return u
}

func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\n%s", r.code, code, r)
	}
}

func wantNoRequests(t *testing.T, s *apitest.Server) {
	t.Helper()
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("the fake got %d requests, want none", n)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := runCLI(t, nil, args...)
		wantExit(t, r, 0)
		for _, c := range commands() {
			if !strings.Contains(r.stdout, "  "+c.name+" ") {
				t.Errorf("%q: usage does not list %s:\n%s", args, c.name, r.stdout)
			}
		}
		for _, want := range []string{"--fake", "-base-url", "-timeout", envProjectID, envManagement, "Exit status"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q: usage lacks %q", args, want)
			}
		}
	}
	for _, c := range commands() {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "--help"}} {
			r := runCLI(t, nil, args...)
			wantExit(t, r, 0)
			if !strings.Contains(r.stdout, "Usage: descope-users [global flags] "+c.name) {
				t.Errorf("%q: no usage line:\n%s", args, r.stdout)
			}
		}
	}
	r := runCLI(t, nil)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "Commands:") {
		t.Errorf("no arguments: want the usage on stderr, got:\n%s", r)
	}
	wantExit(t, runCLI(t, nil, "help", "nope"), 2)
}

func TestHelpShowsNoKey(t *testing.T) {
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	for _, args := range [][]string{{"help"}, {"patch", "-h"}, {"update-phone", "--help"}} {
		r := runCLI(t, env, args...)
		wantExit(t, r, 0)
	}
}

func TestUnknownCommandAndFlags(t *testing.T) {
	r := runCLI(t, nil, "frobnicate")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "descope-users help") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = runCLI(t, nil, "update-picture", "--bogus", "x")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "flag provided but not defined: -bogus") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = runCLI(t, nil, "update-picture", "--fake", "--login-id", "x", "--picture", "y")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "global flag: put it before the command") {
		t.Errorf("a global flag after the command: want a hint, got: %s", r.stderr)
	}

	r = runCLI(t, nil, "--nope", "help")
	wantExit(t, r, 2)

	r = runCLI(t, nil, "--fake", "--base-url", "http://127.0.0.1:1", "update-picture", "--login-id", "x", "--picture", "y")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "exclude each other") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = runCLI(t, nil, "--fake", "update-picture", "--login-id", "x", "--picture", "y", "extra")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, `unexpected argument "extra"`) {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = runCLI(t, nil, "--fake", "update-picture", "--login-id", "x")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--picture is required") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = runCLI(t, nil, "--fake", "update-picture", "--login-id", "", "--picture", "y")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--login-id must not be empty") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestNoCredentials(t *testing.T) {
	s, _ := newServer(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "p.jsonl")
	writeFile(t, file, `{"loginId":"jane@example.com","name":"J"}`+"\n")
	for _, args := range [][]string{
		{"update-attribute", "--login-id", "jane@example.com", "--key", "plan", "--value", "pro"},
		{"update-name", "--login-id", "jane@example.com", "--display-name", "J"},
		{"update-picture", "--login-id", "jane@example.com", "--picture", "p"},
		{"update-phone", "--login-id", "jane@example.com", "--phone", "+1555"},
		{"patch-user", "--login-id", "jane@example.com", "--json", `{"name":"J"}`},
		{"patch", "--limit", "none", file},
	} {
		for _, env := range []map[string]string{nil, {envProjectID: testProject}, {envManagement: testKey}, {envProjectID: " ", envManagement: ""}} {
			r := runCLI(t, env, withURL(s, args...)...)
			wantExit(t, r, 2)
			for _, want := range []string{envProjectID, envManagement, "--fake"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%q with env %v: the message does not name %s:\n%s", args[0], env, want, r.stderr)
				}
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("want one line, got:\n%s", r.stderr)
			}
		}
	}
	r := runCLI(t, map[string]string{envProjectID: testProject}, "update-picture", "--login-id", "a", "--picture", "p")
	if !strings.Contains(r.stderr, envManagement+" not set") {
		t.Errorf("want the missing variable named, got: %s", r.stderr)
	}
	wantNoRequests(t, s)
	if _, err := os.Stat(filepath.Join(dir, "p.failed.jsonl")); !os.IsNotExist(err) {
		t.Errorf("a failed file was written without credentials: %v", err)
	}
}

func TestBadBaseURL(t *testing.T) {
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	r := runCLI(t, env, "--base-url", "http://example.com", "update-picture", "--login-id", "a", "--picture", "p")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "https") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// TestKeyNeverPrinted runs every command, in success and in failure, with a distinctive key in
// the environment; runCLI fails the test if the key (or the mask that would hide it) appears.
func TestKeyNeverPrinted(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	writeFile(t, good, `{"loginId":"jane@example.com","name":"J"}`+"\n"+`{"loginId":"ghost@example.com","name":"G"}`+"\n")
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "loginId,emial\nx,y\n")
	wrongProject := map[string]string{envProjectID: "P2otherproject", envManagement: testKey}
	wrongKey := map[string]string{envProjectID: testProject, envManagement: testKey + "-wrong"}
	spaced := map[string]string{envProjectID: testProject, envManagement: "K2 " + testKey}
	cases := []struct {
		env  map[string]string
		args []string
		code int
	}{
		{env, []string{"update-name", "--login-id", "ghost@example.com", "--display-name", "G"}, 1},
		{env, []string{"update-picture", "--login-id", "jane@example.com", "--picture", "p"}, 0},
		{env, []string{"update-phone", "--login-id", "joe@example.com", "--phone", "+15550000001", "--fail-on-conflict"}, 0},
		{env, []string{"patch-user", "--login-id", "jane@example.com", "--json", `{"nope":1}`}, 2},
		{env, []string{"patch", "--limit", "none", good}, 1},
		{env, []string{"patch", "--limit", "none", bad}, 2},
		{wrongProject, []string{"update-picture", "--login-id", "jane@example.com", "--picture", "p"}, 1},
		{wrongKey, []string{"update-picture", "--login-id", "jane@example.com", "--picture", "p"}, 1},
		{wrongKey, []string{"patch", "--limit", "none", "--failed", filepath.Join(dir, "wrong-key.failed.jsonl"), good}, 1},
		{spaced, []string{"update-picture", "--login-id", "jane@example.com", "--picture", "p"}, 2},
		// Last, as it leaves the key in a user: a value equal to the key is data, printed as the
		// API sent it (TestDataPrintedExactly), and nowhere else.
		{env, []string{"update-attribute", "--login-id", "ann@example.com", "--key", "k", "--value", testKey}, 0},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		args := withURL(s, c.args...)
		code := Run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &errb)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s%s", c.args, code, c.code, out.String(), errb.String())
		}
		all := out.String() + errb.String()
		if c.args[len(c.args)-1] == testKey {
			// The value was sent, and the user printed holds it exactly; stderr says nothing.
			var u api.User
			if err := json.Unmarshal(out.Bytes(), &u); err != nil || u.CustomAttributes["k"] != testKey || errb.Len() > 0 {
				t.Errorf("the user is not printed as the API sent it (%v):\n%s", err, all)
			}
			continue
		}
		checkNoKey(t, c.args, all)
	}
	// The wrong-key runs say what to check.
	r := runCLI(t, wrongKey, withURL(s, "update-picture", "--login-id", "jane@example.com", "--picture", "p")...)
	if !strings.Contains(r.stderr, "HTTP 401") || !strings.Contains(r.stderr, envManagement) {
		t.Errorf("stderr: %s", r.stderr)
	}
	// The failed file written by "patch good" holds patches, not credentials.
	data, err := os.ReadFile(good + ".failed.jsonl")
	if err != nil || strings.Contains(string(data), testKey) {
		t.Errorf("failed file: %v\n%s", err, data)
	}
}

func TestRedactingWriter(t *testing.T) {
	var b bytes.Buffer
	w := redactWriter(&b, api.NewRedactor("s3cret-value"))
	_, _ = io.WriteString(w, "a s3cret-value b s3cret-value\n")
	_, _ = io.WriteString(w, "clean\n")
	if got := b.String(); got != "a "+api.RedactedKey+" b "+api.RedactedKey+"\nclean\n" {
		t.Errorf("got %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain@example.com": "plain@example.com",
		"two words":         "'two words'",
		"":                  "''",
		`{"a":1}`:           `'{"a":1}'`,
		"it's":              `'it'\''s'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// fileMaker returns a function that writes a file in dir and returns its path.
func fileMaker(t *testing.T, dir string) func(name, content string) string {
	return func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
