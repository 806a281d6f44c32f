package cli

// Tests of the password commands (set-temporary-password, set-active-password, set-password,
// expire-password), and that no password a command reads ever shows in its output.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

func TestPasswordCommands(t *testing.T) {
	s, env := newServer(t)
	env["JANE_PW"] = "Env-Passw0rd-2"
	for _, c := range []struct {
		stdin   string
		args    []string
		pw      string
		expired bool
		done    string
	}{
		{"Temp-Passw0rd-1\n", []string{"set-temporary-password", "--login-id", "jane@example.com", "--password-stdin"}, "Temp-Passw0rd-1", true,
			"set a temporary password for jane@example.com (to be replaced at the next sign-in)"},
		{"", []string{"set-active-password", "--login-id", "jane@example.com", "--password-env", "JANE_PW"}, "Env-Passw0rd-2", false,
			"set an active password for jane@example.com"},
		{"Temp-Passw0rd-3\r\n", []string{"set-password", "--login-id", "U2jane", "--password-stdin"}, "Temp-Passw0rd-3", true,
			"set a temporary password for U2jane (to be replaced at the next sign-in)"},
		{"Active-Passw0rd-4", []string{"set-password", "--login-id", "jane@example.com", "--active", "--password-stdin"}, "Active-Passw0rd-4", false,
			"set an active password for jane@example.com"},
		{"", []string{"expire-password", "--login-id", "jane@example.com"}, "Active-Passw0rd-4", true,
			"expired the password of jane@example.com"},
	} {
		before := len(s.Requests())
		r := runCtx(t, t.Context(), env, c.stdin, withURL(s, c.args...)...)
		wantExit(t, r, 0)
		if r.stdout != "" || r.stderr != c.done+"\n" {
			t.Errorf("%q: output\n%s", c.args, r)
		}
		wantPassword(t, s, "jane@example.com", c.pw)
		if info, _ := s.Password("jane@example.com"); !info.Set || info.Expired != c.expired {
			t.Errorf("%q: password %+v, want expired %v", c.args, info, c.expired)
		}
		if n := len(s.Requests()) - before; n != 1 {
			t.Errorf("%q: %d requests", c.args, n)
		}
	}
	wantAPIError(t, runCtx(t, t.Context(), env, "Pw-1\n", withURL(s, "set-active-password", "--login-id", "ghost@example.com", "--password-stdin")...),
		"set-active-password", "E112102")

	for _, cmd := range []string{"set-temporary-password", "set-active-password", "set-password"} {
		runUsage(t, s, env, "the password is required: give --password-stdin", cmd, "--login-id", "jane@example.com")
		runUsage(t, s, env, "standard input is empty", cmd, "--login-id", "jane@example.com", "--password-stdin")
		runUsage(t, s, env, "a password is never an argument", cmd, "--login-id", "jane@example.com", "--password", "Pw")
		runUsage(t, s, env, "--login-id is required", cmd, "--password-env", "JANE_PW")
		runUsage(t, s, env, "the environment variable UNSET_PW is not set, or empty", cmd, "--login-id", "jane@example.com", "--password-env", "UNSET_PW")
	}
	runUsage(t, s, env, "flag provided but not defined: -password-stdin", "expire-password", "--login-id", "jane@example.com", "--password-stdin")
}

// A password read from standard input or the environment, or in USER on standard input, shows
// nowhere in what the command prints, even when the API answers with an error that repeats the
// request whole, and when the error is the command's own.
func TestPasswordsNeverShown(t *testing.T) {
	const pw = "Zq9-unmistakable-passw0rd"
	// A server that refuses every request, quoting its body in the error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errorCode":"E011004","errorDescription":"Invalid arguments","errorMessage":` + jsonString(string(body)) + `}`))
	}))
	t.Cleanup(echo.Close)
	fake, _ := newServer(t, apitest.WithFaults(apitest.Faults{ErrorRate: 1})) // every answer 503
	env := map[string]string{envProjectID: testProject, envManagement: testKey, "THE_PW": pw}
	lines := []struct {
		stdin string
		args  []string
	}{
		{pw + "\n", []string{"create", "--login-id", "new@example.com", "--password-stdin"}},
		{"", []string{"create", "--login-id", "new@example.com", "--password-env", "THE_PW"}},
		{`{"email":"new@example.com","password":"` + pw + `"}`, []string{"create", "--login-id", "new@example.com", "--json", "-"}},
		{pw + "\n", []string{"invite", "--login-id", "new@example.com", "--password-stdin"}},
		{pw + "\n", []string{"set-active-password", "--login-id", "ghost@example.com", "--password-stdin"}},
		{"", []string{"set-active-password", "--login-id", "ghost@example.com", "--password-env", "THE_PW"}},
		{pw + "\n", []string{"set-temporary-password", "--login-id", "ghost@example.com", "--password-stdin"}},
		{"", []string{"set-password", "--login-id", "ghost@example.com", "--active", "--password-env", "THE_PW"}},
	}
	for _, base := range []string{echo.URL, fake.URL} {
		for _, l := range lines {
			r := runCtx(t, t.Context(), env, l.stdin, append([]string{"--base-url", base}, l.args...)...)
			if r.code != exitFailed {
				t.Errorf("%q against %s: exit %d, want 1 (the API refused)\n%s", l.args, base, r.code, r)
			}
			if strings.Contains(r.stdout+r.stderr, pw) {
				t.Errorf("%q against %s: the password shows:\n%s", l.args, base, r)
			}
		}
	}
	// The echo server did quote it: the test would see it if the command let it through.
	r := runCtx(t, t.Context(), env, pw+"\n", "--base-url", echo.URL, "set-active-password", "--login-id", "x@example.com", "--password-stdin")
	if !strings.Contains(r.stderr, "secret redacted") {
		t.Errorf("the echo server's error does not show the hidden password: %s", r.stderr)
	}
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
