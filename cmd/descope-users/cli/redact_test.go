package cli

// What the tool prints: the data it prints (users, and the patches export writes) is exactly
// what the API sent, even where it holds the key's text; its messages and summaries never show
// the key, however the server writes it back.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// run runs the program with the credentials project and key, and returns what it printed.
func run(key string, stdin string, args ...string) result {
	env := map[string]string{envProjectID: testProject, envManagement: key}
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// keyShown returns the longest piece of key (8 characters or more, or the whole key when it is
// shorter) that s shows, as it is or on a terminal (which gives unprintable characters no room),
// or "".
func keyShown(key, s string) string {
	terminal := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) || r == '\n' {
			return r
		}
		return -1
	}, s)
	for n := len(key); n >= min(8, len(key)); n-- {
		for i := 0; i+n <= len(key); i++ {
			if strings.Contains(s, key[i:i+n]) || strings.Contains(terminal, key[i:i+n]) {
				return key[i : i+n]
			}
		}
	}
	return ""
}

// escapeAll writes s as a JSON string may carry it: every character as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// keyUser is a user whose fields hold key's text.
func keyUser(key, id string) gen.User {
	return gen.User{
		LoginIDs: []string{key + "-" + id + "@example.com"}, UserID: "U2" + id + key, Name: key, GivenName: "a " + key,
		MiddleName: key + "ing", FamilyName: "x" + key + "y", Email: key + "-" + id + "@example.com",
		Picture: "https://example.com/" + key + ".png", RoleNames: []string{key},
		CustomAttributes: map[string]any{key: key, "list": []any{key, "b"}},
	}
}

// The users load, load-users, search, export and the single-user commands print are exactly
// what the API sent, the key's text included; export's lines patched back change nothing.
func TestDataPrintedExactly(t *testing.T) {
	for _, key := range []string{testKey, "K2sk"} {
		s := apitest.NewServer(t, apitest.WithCredentials(testProject, key), apitest.WithUsers(keyUser(key, "1"), keyUser(key, "2")))
		login1, login2 := key+"-1@example.com", key+"-2@example.com"
		stored := func(login string) gen.User { return user(t, s, login) }
		sameUser := func(what string, line string, want gen.User) {
			t.Helper()
			var got gen.User
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("key %q, %s: %v\n%s", key, what, err, line)
			}
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("key %q, %s printed\n%s\nwant, as the API sent it,\n%s", key, what, g, w)
			}
		}
		checkStderr := func(what string, r result) {
			t.Helper()
			if piece := keyShown(key, r.stderr); piece != "" {
				t.Errorf("key %q, %s: stderr shows %q:\n%s", key, what, piece, r.stderr)
			}
		}

		r := run(key, "", withURL(s, "load", "--login-id", login1)...)
		wantExit(t, r, 0)
		sameUser("load", r.stdout, stored(login1))
		checkStderr("load", r)

		for _, args := range [][]string{
			{"search", "--text", key},
			{"search", "--text", key, "--all", "--limit", "1"},
			{"load-users", "--user-ids", stored(login1).UserID + "," + stored(login2).UserID},
		} {
			r := run(key, "", withURL(s, args...)...)
			wantExit(t, r, 0)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 2 {
				t.Fatalf("key %q, %q: %d lines\n%s", key, args, len(lines), r)
			}
			sameUser(args[0]+" line 1", lines[0], stored(login1))
			sameUser(args[0]+" line 2", lines[1], stored(login2))
			checkStderr(args[0], r)
		}

		for _, args := range [][]string{
			{"patch-user", "--login-id", login1, "--json", `{"middleName":"` + key + `ing"}`},
			{"update-attribute", "--login-id", login1, "--key", key, "--value", key},
			{"update-name", "--login-id", login1, "--given-name", "a " + key, "--middle-name", key + "ing", "--family-name", "x" + key + "y"},
		} {
			before := stored(login1)
			r := run(key, "", withURL(s, args...)...)
			wantExit(t, r, 0)
			sameUser(args[0], r.stdout, before)
			checkStderr(args[0], r)
			if got := stored(login1); mustJSON(t, got) != mustJSON(t, before) {
				t.Errorf("key %q, %s changed the user:\n%s", key, args[0], mustJSON(t, got))
			}
		}

		// export writes each user as the patch that sets what it has; patching it back changes
		// nothing, the key's text included.
		r = run(key, "", withURL(s, "export", "--text", key)...)
		wantExit(t, r, 0)
		checkStderr("export", r)
		if !strings.Contains(r.stdout, `"middleName":"`+key+`ing"`) {
			t.Errorf("key %q: export does not write the middle name as it is:\n%s", key, r.stdout)
		}
		before1, before2 := stored(login1), stored(login2)
		in := filepath.Join(t.TempDir(), "export.jsonl")
		writeFile(t, in, r.stdout)
		r = run(key, "", withURL(s, "patch", "--limit", "none", in)...)
		wantExit(t, r, 0)
		for _, u := range [][2]gen.User{{before1, stored(login1)}, {before2, stored(login2)}} {
			u[1].ModifiedTime, u[0].ModifiedTime = 0, 0
			if g, w := mustJSON(t, u[1]), mustJSON(t, u[0]); g != w {
				t.Errorf("key %q: export patched back changed the user:\n%s\nwas\n%s", key, g, w)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// However a server writes the key back (plainly, with JSON escapes, between control characters,
// in a header, in a failure reason longer than the summary shows), the tool's messages and
// summaries do not show it, not even the part a cut would leave.
func TestKeyNeverShownWhenEchoed(t *testing.T) {
	for _, key := range []string{testKey, "K2sk"} {
		for _, echo := range []string{key, escapeAll(key), strings.Join(strings.Split(key, ""), `\u0000`), strings.Join(strings.Split(key, ""), `\u001b`)} {
			for _, pad := range []int{0, 150, 170, 180, 190, 199, 230} {
				x := strings.Repeat("x", pad)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch r.URL.Path {
					case "/v1/mgmt/user/patch/batch":
						w.Header().Set("Content-Type", "application/json")
						_, _ = io.WriteString(w, `{"patchedUsers":[],"failedUsers":[{"failure":"`+x+echo+` refused","user":{"loginIds":["jane@example.com"]}},`+
							`{"failure":"`+x+echo+`","user":null}],"additionalErrors":{"ann@example.com":"`+x+echo+`"}}`)
					case "/v1/mgmt/user/update/picture":
						w.Header().Set("Content-Type", "text/html; k="+key)
						w.WriteHeader(http.StatusForbidden) // not retried
						_, _ = io.WriteString(w, "<p>"+x+echo+"</p>")
					default:
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusForbidden)
						_, _ = io.WriteString(w, `{"errorCode":"E011006","errorDescription":"`+x+echo+`","errorMessage":"token `+echo+` refused"}`)
					}
				}))
				in := filepath.Join(t.TempDir(), "p.jsonl")
				writeFile(t, in, `{"loginId":"jane@example.com","name":"A"}`+"\n"+`{"loginId":"joe@example.com","name":"B"}`+"\n"+`{"loginId":"ann@example.com","name":"C"}`+"\n")
				for _, args := range [][]string{
					{"patch", "--limit", "none", in},
					{"update-picture", "--login-id", "jane@example.com", "--picture", "p"},
					{"update-name", "--login-id", "jane@example.com", "--display-name", "J"},
				} {
					r := run(key, "", append([]string{"--base-url", srv.URL}, args...)...)
					wantExit(t, r, 1)
					if piece := keyShown(key, r.stdout+r.stderr); piece != "" {
						t.Errorf("key %q, echo %q after %d bytes, %s: %q of the key shows:\n%s", key, echo, pad, args[0], piece, r)
					}
					// patch's summary cuts reasons at 200 bytes: past that, the marker is cut too.
					if (args[0] != "patch" || pad < 180) && !strings.Contains(r.stdout+r.stderr, api.RedactedKey[:10]) {
						t.Errorf("key %q, echo %q after %d bytes, %s: the echoed key is not marked:\n%s", key, echo, pad, args[0], r)
					}
				}
				srv.Close()
			}
		}
	}
}

// The reasons patch's summary shows are cut at 200 bytes; a reason holding the key is cut after
// the key is hidden, so no prefix of the key is left at the cut.
func TestSummaryCutsReasonsAfterHidingTheKey(t *testing.T) {
	key := testKey
	for pad := 150; pad <= 200; pad++ {
		reason := strings.Repeat("x", pad) + escapeAll(key)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"patchedUsers":[],"failedUsers":[{"failure":"`+reason+`","user":{"loginIds":["jane@example.com"]}}]}`)
		}))
		in := filepath.Join(t.TempDir(), "p.jsonl")
		writeFile(t, in, `{"loginId":"jane@example.com","name":"A"}`+"\n")
		r := run(key, "", "--base-url", srv.URL, "patch", "--limit", "none", in)
		srv.Close()
		wantExit(t, r, 1)
		for n := 20; n <= len(key); n++ {
			if strings.Contains(r.stdout+r.stderr, key[:n]) {
				t.Fatalf("reason after %d bytes: the key's first %d characters show:\n%s", pad, n, r)
			}
		}
		if !strings.Contains(r.stdout, "Failure reasons:") {
			t.Fatalf("no reasons in the summary:\n%s", r)
		}
	}
}
