package cli

// Tests of the lifecycle commands: create, create-test-user, invite, logout, import-users,
// delete and delete-all-test-users. Each runs the command line against the apitest fake and reads
// the fake's state afterwards (its users, passwords, outbox, sign-outs).

import (
	"encoding/json"
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

// md5OfPassword is the MD5 hash of "password", as another system would export it.
const md5OfPassword = "5f4dcc3b5aa765d61d8327deb882cf99"

// wantPassword checks that the fake's user has password as its password.
func wantPassword(t *testing.T, s *apitest.Server, loginID, password string) {
	t.Helper()
	ok, err := s.CheckPassword(loginID, password)
	if err != nil || !ok {
		t.Errorf("%s: the password is not the one given (%v)", loginID, err)
	}
}

func TestCreate(t *testing.T) {
	s, env := newServer(t)
	env["NEW_PW"] = "From-Env-Passw0rd"

	// The password from standard input: the first line, its line break dropped.
	r := runCtx(t, t.Context(), env, "From-Stdin-Passw0rd\r\nignored second line\n", withURL(s, "create", "--login-id", "new@example.com",
		"--json", `{"email":"new@example.com","name":"New","status":"enabled","roleNames":["editor"],"customAttributes":{"plan":"pro","seats":3}}`,
		"--password-stdin")...)
	wantExit(t, r, 0)
	u := user(t, s, "new@example.com")
	if u.Email != "new@example.com" || u.Name != "New" || u.Status != "enabled" || !reflect.DeepEqual(u.RoleNames, []string{"editor"}) ||
		!reflect.DeepEqual(u.CustomAttributes, map[string]any{"plan": "pro", "seats": float64(3)}) || u.Test {
		t.Errorf("created %+v", u)
	}
	wantPassword(t, s, "new@example.com", "From-Stdin-Passw0rd")
	if p := printedUser(t, r); p.UserID != u.UserID || p.UserID == "" || p.LoginIDs[0] != "new@example.com" {
		t.Errorf("printed %+v", p)
	}

	// From an environment variable; no --json at all.
	r = runCLI(t, env, withURL(s, "create", "--login-id", "env@example.com", "--password-env", "NEW_PW")...)
	wantExit(t, r, 0)
	wantPassword(t, s, "env@example.com", "From-Env-Passw0rd")
	if info, _ := s.Password("env@example.com"); info.Expired {
		t.Error("a created user's password is expired")
	}

	// In USER, when USER comes from standard input: a password, or a hash.
	r = runCtx(t, t.Context(), env, `{"password":"In-Json-Passw0rd"}`, withURL(s, "create", "--login-id", "json@example.com", "--json", "-")...)
	wantExit(t, r, 0)
	wantPassword(t, s, "json@example.com", "In-Json-Passw0rd")
	r = runCtx(t, t.Context(), env, `{"hashedPassword":{"md5":{"hash":"`+md5OfPassword+`"}}}`, withURL(s, "create", "--login-id", "hash@example.com", "--json", "-")...)
	wantExit(t, r, 0)
	wantPassword(t, s, "hash@example.com", "password")

	// A login ID that exists: the API refuses it.
	r = runCLI(t, env, withURL(s, "create", "--login-id", "jane@example.com")...)
	wantAPIError(t, r, "create", "E011004")
}

// A password given as an argument is refused, and so is every other mistake in USER or the
// password's source: exit 2, nothing sent, and no password in the message.
func TestCreateUsageErrors(t *testing.T) {
	s, env := newServer(t)
	const pw = "Argument-Passw0rd-9"
	env["PW"] = pw
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"--login-id", "a@example.com", "--json", `{"password":"` + pw + `"}`}, "--password-stdin or --password-env VAR, or give USER on standard input with --json -"},
		{"", []string{"--login-id", "a@example.com", "--json", `{"hashedPassword":{"md5":{"hash":"` + md5OfPassword + `"}}}`}, "visible to every user of the machine"},
		{pw, []string{"--login-id", "a@example.com", "--json", "-", "--password-stdin"}, "both read standard input"},
		{"", []string{"--login-id", "a@example.com", "--password-stdin"}, "standard input is empty"},
		{"\n", []string{"--login-id", "a@example.com", "--password-stdin"}, "standard input is empty"},
		{"", []string{"--login-id", "a@example.com", "--password-env", "NO_SUCH_VAR"}, "NO_SUCH_VAR is not set"},
		{"", []string{"--login-id", "a@example.com", "--password-env", ""}, "needs the name of an environment variable"},
		{pw, []string{"--login-id", "a@example.com", "--password-stdin", "--password-env", "X"}, "exclude each other"},
		{`{"password":"` + pw + `"}`, []string{"--login-id", "a@example.com", "--json", "-", "--password-env", "PW"}, "a password both in USER and"},
		{"", []string{"--login-id", "a@example.com", "--json", `{"loginId":"b@example.com"}`}, `differs from --login-id`},
		{"", []string{"--login-id", "a@example.com", "--json", `{"invite":true}`}, "the invite command sends invitations"},
		{"", []string{"--login-id", "a@example.com", "--json", `{"test":true}`}, "create-test-user creates test users"},
		{"", []string{"--login-id", "a@example.com", "--json", `{"emial":"x"}`}, `unknown field "emial"`},
		{"", []string{"--login-id", "a@example.com", "--json", `{"Email":"x"}`}, "case-sensitive"},
		{"", []string{"--login-id", "a@example.com", "--json", `null`}, "got null"},
		{`{"password":"` + pw + `","hashedPassword":{"md5":{"hash":"` + md5OfPassword + `"}}}`, []string{"--login-id", "a@example.com", "--json", "-"}, "give one"},
		{`{"hashedPassword":{"md5":{"hash":"5f4dcc3b"}}}`, []string{"--login-id", "a@example.com", "--json", "-"}, "hashedPassword: md5.hash: not 32 hexadecimal digits"},
		{"", []string{"--json", `{}`}, "--login-id is required"},
		{"", []string{"--login-id", "a@example.com", "--password", pw}, "a password is never an argument"},
		{"", []string{"--login-id", "a@example.com", "--password-stdin=" + pw}, "--password-stdin takes no value"},
		{"", []string{"--login-id", "a@example.com", "extra"}, `unexpected argument "extra"`},
	} {
		before := s.Stats().Requests
		r := runCtx(t, t.Context(), env, c.stdin, withURL(s, append([]string{"create"}, c.args...)...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: want exit 2 saying %q, got\n%s", c.args, c.want, r)
		}
		if strings.Contains(r.stdout+r.stderr, pw) {
			t.Errorf("%q: the password is in the output:\n%s", c.args, r)
		}
		if s.Stats().Requests != before {
			t.Errorf("%q: a usage error sent a request", c.args)
		}
	}
}

func TestCreateTestUser(t *testing.T) {
	s, env := newServer(t, apitest.WithTestUserLimit(1))
	r := runCLI(t, env, withURL(s, "create-test-user", "--login-id", "test-1@example.com", "--json", `{"email":"test-1@example.com"}`)...)
	wantExit(t, r, 0)
	if u := user(t, s, "test-1@example.com"); !u.Test || u.Email != "test-1@example.com" {
		t.Errorf("created %+v", u)
	}
	if p := printedUser(t, r); !p.Test {
		t.Errorf("printed %+v", p)
	}
	// The project's limit of test users is the API's to enforce.
	r = runCLI(t, env, withURL(s, "create-test-user", "--login-id", "test-2@example.com")...)
	wantAPIError(t, r, "create-test-user", "E111111")
	if _, ok := s.User("test-2@example.com"); ok {
		t.Error("a test user beyond the limit was created")
	}
}

func TestInvite(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "invite", "--login-id", "+15555550100", "--json", `{"phone":"+15555550100","email":"inv@example.com"}`,
		"--send-sms", "--send-mail=false", "--invite-url", "https://app.example.com/welcome", "--template-id", "welcome", "--locale", "pt")...)
	wantExit(t, r, 0)
	if u := user(t, s, "+15555550100"); u.Status != "invited" || u.Phone != "+15555550100" {
		t.Errorf("invited %+v", u)
	}
	// Left out, a channel is the project's default: email, for a user with one.
	r = runCLI(t, env, withURL(s, "invite", "--login-id", "jane@example.com")...)
	wantExit(t, r, 0)
	if p := printedUser(t, r); p.Name != "Jane" {
		t.Errorf("re-invited %+v", p)
	}
	out := s.Outbox()
	if len(out) != 2 {
		t.Fatalf("outbox %+v", out)
	}
	if o := out[0]; o.LoginID != "+15555550100" || o.ByEmail || !o.BySMS || o.InviteURL != "https://app.example.com/welcome" || o.TemplateID != "welcome" || o.Locale != "pt" {
		t.Errorf("first invitation %+v", o)
	}
	if o := out[1]; o.LoginID != "jane@example.com" || !o.ByEmail || o.BySMS || o.InviteURL != "" {
		t.Errorf("second invitation %+v", o)
	}
	runUsage(t, s, env, "the invite command sends invitations, with its flags", "invite", "--login-id", "x@example.com", "--json", `{"inviteUrl":"https://x"}`)
}

func TestLogout(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "logout", "--login-id", "jane@example.com")...)
	wantExit(t, r, 0)
	if r.stdout != "" || !strings.Contains(r.stderr, "signed out jane@example.com: every session ended") {
		t.Errorf("output:\n%s", r)
	}
	r = runCLI(t, env, withURL(s, "logout", "--user-id", "U2joe", "--session-types", "web,mobile")...)
	wantExit(t, r, 0)
	got := s.Logouts()
	if len(got) != 2 || got[0].UserID != "U2jane" || got[0].SessionTypes != nil || got[1].UserID != "U2joe" || !slices.Equal(got[1].SessionTypes, []string{"web", "mobile"}) {
		t.Errorf("logouts %+v", got)
	}
	wantAPIError(t, runCLI(t, env, withURL(s, "logout", "--login-id", "ghost@example.com")...), "logout", "E112102")
	runUsage(t, s, env, "give --login-id or --user-id", "logout")
	runUsage(t, s, env, "give --login-id or --user-id", "logout", "--login-id", "jane@example.com", "--user-id", "U2jane")
	runUsage(t, s, env, "--user-id must not be empty", "logout", "--user-id", "")
	runUsage(t, s, env, "--session-types names no type", "logout", "--login-id", "jane@example.com", "--session-types", "")
}

func TestDelete(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "delete", "--login-id", "joe@example.com")...)
	wantExit(t, r, 0)
	if r.stdout != "" || r.stderr != "deleted joe@example.com\n" {
		t.Errorf("output:\n%s", r)
	}
	r = runCLI(t, env, withURL(s, "delete", "--user-id", "U2ann")...)
	wantExit(t, r, 0)
	for _, gone := range []string{"joe@example.com", "ann@example.com"} {
		if _, ok := s.User(gone); ok {
			t.Errorf("%s was not deleted", gone)
		}
	}
	if _, ok := s.User("jane@example.com"); !ok {
		t.Error("jane was deleted")
	}
	// A user ID only: a login ID names nobody there.
	wantAPIError(t, runCLI(t, env, withURL(s, "delete", "--user-id", "jane@example.com")...), "delete", "E112102")
	wantAPIError(t, runCLI(t, env, withURL(s, "delete", "--login-id", "joe@example.com")...), "delete", "E112102")
	runUsage(t, s, env, "give --login-id or --user-id", "delete")
	runUsage(t, s, env, "--login-id must not be empty", "delete", "--login-id", "")
}

func TestDeleteAllTestUsers(t *testing.T) {
	s, env := newServer(t, apitest.WithUsers(gen.User{UserID: "U2t1", LoginIDs: []string{"t1@example.com"}, Test: true},
		gen.User{UserID: "U2t2", LoginIDs: []string{"t2@example.com"}, Test: true}))
	runUsage(t, s, env, "deletes every test user of the project, which cannot be undone: give --confirm", "delete-all-test-users")
	r := runCLI(t, env, withURL(s, "delete-all-test-users", "--confirm")...)
	wantExit(t, r, 0)
	if r.stdout != "" || r.stderr != "deleted every test user\n" {
		t.Errorf("output:\n%s", r)
	}
	var left []string
	for _, u := range s.Users() {
		left = append(left, u.LoginIDs[0])
	}
	if !slices.Equal(left, []string{"jane@example.com", "joe@example.com", "ann@example.com"}) {
		t.Errorf("users left: %v", left)
	}
}

func TestImportUsers(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	users := filepath.Join(dir, "export.jsonl")
	writeFile(t, users, `{"loginId":"imp1@example.com","email":"imp1@example.com","status":"enabled"}`+"\n"+
		`{"loginId":"jane@example.com"}`+"\n")
	hashes := filepath.Join(dir, "hashes.jsonl")
	writeFile(t, hashes, `{"loginId":"imp1@example.com","hashedPassword":{"md5":{"hash":"`+md5OfPassword+`"}}}`+"\n")

	// A dry run creates nothing, and says what would fail (exit 1).
	r := runCLI(t, env, withURL(s, "import-users", "--source", "descope", "--hashes", hashes, "--dry-run", users)...)
	wantExit(t, r, 1)
	if _, ok := s.User("imp1@example.com"); ok {
		t.Error("a dry run created a user")
	}
	if !strings.Contains(r.stderr, "dry run: nothing was created") || !strings.Contains(r.stderr, "1 of 2 users were not imported") {
		t.Errorf("stderr %q", r.stderr)
	}

	r = runCLI(t, env, withURL(s, "import-users", "--source", "descope", "--hashes", hashes, users)...)
	wantExit(t, r, 1)
	var res api.ImportResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not the import's answer: %v\n%s", err, r)
	}
	if len(res.Users) != 1 || res.Users[0].LoginIDs[0] != "imp1@example.com" || len(res.Failures) != 1 || res.Failures[0].User != "jane@example.com" {
		t.Errorf("answer %+v", res)
	}
	if u := user(t, s, "imp1@example.com"); u.Status != "enabled" {
		t.Errorf("imported %+v", u)
	}
	wantPassword(t, s, "imp1@example.com", "password")

	// From standard input, all imported: exit 0.
	r = runCtx(t, t.Context(), env, `{"loginId":"imp2@example.com"}`, withURL(s, "import-users", "--source", "descope", "-")...)
	wantExit(t, r, 0)
	user(t, s, "imp2@example.com")
	if len(s.Requests()) == 0 || s.Requests()[len(s.Requests())-1].OperationID != "ImportUsers" {
		t.Error("import-users did not call ImportUsers")
	}

	empty := filepath.Join(dir, "empty.jsonl")
	writeFile(t, empty, "\n")
	runUsage(t, s, env, `--source "okta": want descope or firebase`, "import-users", "--source", "okta", users)
	runUsage(t, s, env, "--source is required", "import-users", users)
	runUsage(t, s, env, "give one USERS_FILE (got 0 arguments)", "import-users", "--source", "descope")
	runUsage(t, s, env, "is empty", "import-users", "--source", "descope", empty)
	runUsage(t, s, env, "cannot read", "import-users", "--source", "descope", filepath.Join(dir, "missing.jsonl"))
	runUsage(t, s, env, "cannot both be standard input", "import-users", "--source", "descope", "--hashes", "-", "-")
	if _, err := os.Stat(users); err != nil {
		t.Fatal(err)
	}
}
