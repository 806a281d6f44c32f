package api

// What the client shows and what it returns: the key is hidden in every text the client shows (an
// error, a failure reason, a header), after every step that changes the text, and the data it
// returns (users and their fields) is exactly what the server sent, even where it holds the
// key's text.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf16"
)

// shortKey is a key short enough to occur inside ordinary values: a middle name, a picture URL.
const shortKey = "K2sk"

// testedKeys are the keys the tests below run with: one of a real key's length, one short.
var testedKeys = []string{longKey, shortKey}

// escapeAll writes s as a JSON string may carry it: every character as a \u escape, and a
// character beyond the BMP as a pair of them.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04X`, r)
	}
	return b.String()
}

// interleave puts sep between the characters of s.
func interleave(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }

// echo is one way a server may write the key back: in a JSON string (json) and in a body that
// is not JSON (raw).
type echo struct {
	name      string
	json, raw string
	marked    bool // whether the shown text must carry RedactedKey where the key was
}

func echoes(key string) []echo {
	half := len(key) / 2
	return []echo{
		{"plain", key, key, true},
		{"escaped", escapeAll(key), escapeAll(key), true},
		{"half escaped", key[:half] + escapeAll(key[half:]), key[:half] + escapeAll(key[half:]), true},
		{"NUL between", interleave(key, `\u0000`), interleave(key, "\x00"), true},
		{"zero-width space between", interleave(key, `\u200b`), interleave(key, "\u200b"), true},
		{"backspace between", interleave(key, `\b`), interleave(key, "\b"), true},
		{"color codes between", interleave(key, `\u001b[0m`), interleave(key, "\x1b[0m"), false},
	}
}

var (
	ansiSequence = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	uEscape      = regexp.MustCompile(`\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}`)
)

// onTerminal is s as a terminal shows it: color codes and other unprintable characters take no
// room.
func onTerminal(s string) string {
	s = ansiSequence.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}

// unescaped is s with its \uXXXX and \xXX escapes decoded, as a reader could decode them.
func unescaped(s string) string {
	return uEscape.ReplaceAllStringFunc(s, func(esc string) string {
		n, _ := strconv.ParseUint(esc[2:], 16, 32)
		return string(rune(n))
	})
}

// showsKey returns how s shows key to a reader (as it is, on a terminal, or with its escapes
// decoded), or "" when it does not. The long key must not show even in part (8 characters of
// it); the short one must not show whole.
func showsKey(key, s string) string {
	readings := map[string]string{"as is": s, "on a terminal": onTerminal(s), "decoded": onTerminal(unescaped(s))}
	for how, r := range readings {
		if key == longKey {
			if piece := leaks(r); piece != "" {
				return fmt.Sprintf("%q of the key (read %s)", piece, how)
			}
		} else if strings.Contains(r, key) {
			return fmt.Sprintf("the key (read %s)", how)
		}
	}
	return ""
}

// errorTexts is every way a caller may show an error: its message, %+v and %#v, and the
// fields of an *Error.
func errorTexts(err error) []string {
	texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	var e *Error
	if errors.As(err, &e) {
		texts = append(texts, e.Code, e.Description, e.Message, e.RedirectTo, fmt.Sprintf("%+v", *e), fmt.Sprintf("%#v", *e))
	}
	return texts
}

// answering starts a server that answers with whatever the test last set, and a client with
// key for it.
type answering struct {
	mu     sync.Mutex
	status int
	header http.Header
	body   string
}

func (a *answering) set(status int, body string, header ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status, a.body, a.header = status, body, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		a.header.Set(header[i], header[i+1])
	}
}

func (a *answering) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func newAnswering(t *testing.T, key string) (*Client, *answering) {
	t.Helper()
	a := &answering{status: 200}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	c, err := New(testProject, key, WithBaseURL(srv.URL), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, a
}

// The key in Descope's error fields, written plainly, with JSON escapes, or between control
// characters, shows in no text of the error: Code, Description and Message are shown text and
// hold it hidden.
func TestKeyHiddenInDescopeErrorFields(t *testing.T) {
	for _, key := range testedKeys {
		c, srv := newAnswering(t, key)
		for _, ec := range echoes(key) {
			srv.set(http.StatusForbidden, `{"errorCode":"E0110`+ec.json+`","errorDescription":"bad `+ec.json+`","errorMessage":"token `+ec.json+` refused"}`,
				"Content-Type", "application/json")
			_, err := c.Patch(context.Background(), UserPatch{LoginID: "a"})
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
				t.Fatalf("%s: err = %v", ec.name, err)
			}
			for _, s := range errorTexts(err) {
				if how := showsKey(key, s); how != "" {
					t.Errorf("key %q, %s: %s shows in %q", key, ec.name, how, s)
				}
			}
			if ec.marked && (!strings.Contains(e.Message, RedactedKey) || !strings.Contains(e.Description, RedactedKey)) {
				t.Errorf("key %q, %s: the echoed key is not marked: %q, %q", key, ec.name, e.Description, e.Message)
			}
		}
	}
}

// A body that is not a Descope error is excerpted (120 bytes) in the error. However the key is
// written in it and whatever byte the excerpt is cut at, no part of the key shows: the excerpt
// decodes escapes and drops unprintable characters first, then hides the key, then cuts.
func TestKeyHiddenAtEveryCutOfTheExcerpt(t *testing.T) {
	for _, key := range testedKeys {
		c, srv := newAnswering(t, key)
		for _, ec := range echoes(key) {
			for _, ct := range []string{"text/html", "application/json"} {
				for prefix := 0; prefix <= 130; prefix++ {
					body := strings.Repeat("x", prefix) + ec.raw + strings.Repeat("y", 40)
					if ct == "application/json" {
						body = `{"echo":"` + strings.Repeat("x", prefix) + ec.json + strings.Repeat("y", 40) + `"}`
					}
					srv.set(http.StatusBadGateway, body, "Content-Type", ct)
					_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
					var e *Error
					if !errors.As(err, &e) || e.StatusCode != http.StatusBadGateway {
						t.Fatalf("err = %v", err)
					}
					for _, s := range errorTexts(err) {
						if how := showsKey(key, s); how != "" {
							t.Fatalf("key %q, %s, %s, key at byte %d: %s shows in %q", key, ec.name, ct, prefix, how, s)
						}
					}
					if ec.marked && prefix < 60 && !strings.Contains(err.Error(), RedactedKey) {
						t.Fatalf("key %q, %s, %s, key at byte %d: the key is not marked in %q", key, ec.name, ct, prefix, err)
					}
				}
			}
		}
	}
}

// The excerpt shows the body as a reader would read it: escapes decoded (surrogate pairs
// included), white space as single spaces, unprintable characters left out, cut at 120 bytes.
func TestExcerptDecodesEscapes(t *testing.T) {
	c, srv := newAnswering(t, longKey)
	srv.set(http.StatusBadGateway, `{"msg":"caf\u00e9 \ud83d\ude00 \"q\" a\\b\/c\n\tnext \u0007bell \ud800 \x"}`, "Content-Type", "application/json")
	_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
	want := `malformed JSON body (application/json, 75 bytes): "{\"msg\":\"café 😀 \"q\" a\\b/c next bell \\ud800 \\x\"}"`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %v\nwant it to end with %s", err, want)
	}
	long := strings.Repeat(`\u00e9`, 100) // 600 bytes of escapes, 200 bytes decoded
	srv.set(http.StatusBadGateway, long, "Content-Type", "text/plain")
	_, err = c.UpdatePicture(context.Background(), "jane@example.com", "")
	if want := `(text/plain, 600 bytes): "` + strings.Repeat("é", 60) + `…"`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %v\nwant it to end with %s", err, want)
	}
}

// Headers the client shows (the content type of an unexpected body, a redirect's target, and
// what net/http quotes of a malformed answer) never show the key.
func TestKeyHiddenInShownHeaders(t *testing.T) {
	for _, key := range testedKeys {
		c, srv := newAnswering(t, key)
		for _, ct := range []string{key, "text/html; k=" + key, "text/plain; q=" + strings.Repeat("x", 90) + key + "; r=y"} {
			srv.set(http.StatusBadGateway, "<p>down</p>", "Content-Type", ct)
			_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range errorTexts(err) {
				if how := showsKey(key, s); how != "" {
					t.Errorf("key %q, content type %q: %s shows in %q", key, ct, how, s)
				}
			}
		}
		srv.set(http.StatusFound, "", "Location", "https://"+key+".example.com/x")
		_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
		for _, s := range errorTexts(err) {
			if how := showsKey(key, s); how != "" {
				t.Errorf("key %q, redirect: %s shows in %q", key, how, s)
			}
		}
	}
	// An answer net/http cannot read: its error quotes the line it could not read.
	for _, key := range testedKeys {
		for _, answer := range []string{
			"HTTP/1.1 200 OK\r\nX-Echo " + key + "\r\n\r\n",
			"HTTP/1.1 2" + key + " OK\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: " + key + "\r\n\r\n",
			key + "\r\n\r\n",
		} {
			url := rawServer(t, answer)
			c, err := New(testProject, key, WithBaseURL(url), WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UpdatePicture(context.Background(), "jane@example.com", "")
			if err == nil {
				t.Fatalf("answer %q: no error", answer)
			}
			for _, s := range errorTexts(err) {
				if how := showsKey(key, s); how != "" {
					t.Errorf("key %q, answer %q: %s shows in %q", key, answer, how, s)
				}
			}
			if !strings.Contains(err.Error(), RedactedKey) {
				t.Errorf("answer %q: the key is not marked in %q", answer, err)
			}
		}
	}
}

// rawServer answers every connection on loopback with answer, byte for byte, and returns its
// URL.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					_, _ = io.WriteString(conn, answer)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// The key in a batch answer's failure reasons and additionalErrors, however written and
// wherever in a long reason, shows in no failure of PatchBatch and no reason of PatchAll.
func TestKeyHiddenInFailureReasons(t *testing.T) {
	for _, key := range testedKeys {
		c, srv := newAnswering(t, key)
		for _, ec := range echoes(key) {
			for _, pad := range []int{0, 150, 180, 190, 199, 250} {
				x := strings.Repeat("x", pad)
				srv.set(http.StatusOK, `{"patchedUsers":[{"loginIds":["a"]}],`+
					`"failedUsers":[{"failure":"`+x+ec.json+` refused","user":{"loginIds":["b"]}},{"failure":"`+x+ec.json+`","user":null}],`+
					`"additionalErrors":{"d":"`+x+ec.json+`"}}`, "Content-Type", "application/json")
				ps := []UserPatch{{LoginID: "a"}, {LoginID: "b"}, {LoginID: "c"}, {LoginID: "d"}}
				br, err := c.PatchBatch(context.Background(), ps)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.PatchAll(context.Background(), ps)
				if err != nil {
					t.Fatal(err)
				}
				var shown []string
				for _, f := range br.FailedUsers {
					shown = append(shown, f.Failure)
				}
				for _, r := range res.Results {
					shown = append(shown, r.Reason)
				}
				for _, m := range []map[string]string{br.AdditionalErrors, res.AdditionalErrors} {
					for _, v := range m {
						shown = append(shown, v)
					}
				}
				shown = append(shown, fmt.Sprint(res.Results), fmt.Sprintf("%+v", br))
				for _, s := range shown {
					if how := showsKey(key, s); how != "" {
						t.Fatalf("key %q, %s, after %d bytes: %s shows in %q", key, ec.name, pad, how, s)
					}
				}
				if r := res.Results[1]; ec.marked && (r.Status != Failed || !strings.Contains(r.Reason, RedactedKey)) {
					t.Fatalf("key %q, %s: b's result %+v, want failed with the key marked", key, ec.name, r)
				}
			}
		}
	}
}

// userWithKey is a user whose fields hold the key's text, {K}, written as the server may write
// it: plainly, inside longer values, and with JSON escapes ({E}).
const userWithKey = `{"loginIds":["{K}@example.com","alt-{E}"],"userId":"U2{K}","name":"{K}","givenName":"{E}",` +
	`"middleName":"{K}ing","familyName":"a {K} b","email":"{K}@example.com","phone":"+15555550100",` +
	`"verifiedEmail":true,"verifiedPhone":false,"roleNames":["{K}"],"userTenants":[{"tenantId":"T-{K}","roleNames":["{K}"],"tenantName":"{K} Inc"}],` +
	`"status":"enabled","picture":"https://example.com/{K}.png","test":false,` +
	`"customAttributes":{"{K}":"{K}","list":["{K}",1,true,null],"obj":{"k":"x{E}y"}},"createdTime":1700000000}`

func withKey(tmpl, key string) string {
	return strings.NewReplacer("{K}", key, "{E}", escapeAll(key)).Replace(tmpl)
}

// decodeAs decodes body into a new T, as the data a method must return exactly.
func decodeAs[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// Users whose fields hold the key's text come back exactly as the server sent them, from every
// method that returns users; the same key in a failure reason of the same answer is hidden.
func TestDataReturnedExactly(t *testing.T) {
	for _, key := range testedKeys {
		u1 := withKey(userWithKey, key)
		u2 := strings.Replace(u1, `"U2`+key, `"U3`+key, 1)
		u2 = strings.Replace(u2, `"`+key+`@example.com","alt-`, `"other-`+key+`@example.com","alt2-`, 1)
		want1, want2 := decodeAs[User](t, u1), decodeAs[User](t, u2)
		if !strings.Contains(want1.MiddleName, key) || !strings.Contains(want1.GivenName, key) {
			t.Fatalf("the test user does not hold the key: %+v", want1)
		}
		login1, login2 := want1.LoginIDs[0], want2.LoginIDs[0]
		batch := `{"patchedUsers":[` + u1 + `],"failedUsers":[{"failure":"denied for ` + escapeAll(key) + `","user":` + u2 + `}],` +
			`"additionalErrors":{"` + key + `-3@example.com":"refused: ` + key + `"}}`
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/v2/mgmt/user/search":
				_, _ = io.WriteString(w, `{"users":[`+u1+`,`+u2+`],"total":2}`)
			case "/v1/mgmt/users/load":
				_, _ = io.WriteString(w, `{"users":[`+u1+`,`+u2+`]}`)
			case "/v1/mgmt/user/patch/batch":
				_, _ = io.WriteString(w, batch)
			default: // a single-user answer: load, patch, every update
				_, _ = io.WriteString(w, `{"user":`+u1+`}`)
			}
		}))
		t.Cleanup(srv.Close)
		c, err := New(testProject, key, WithBaseURL(srv.URL), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		same := func(method string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("key %q, %s returned\n%s\nwant, as the server sent it,\n%s", key, method, g, w)
			}
		}

		for method, call := range map[string]func() (*User, error){
			"Load":                  func() (*User, error) { return c.Load(ctx, login1) },
			"Patch":                 func() (*User, error) { return c.Patch(ctx, UserPatch{LoginID: login1, MiddleName: Ptr(key + "ing")}) },
			"UpdateCustomAttribute": func() (*User, error) { return c.UpdateCustomAttribute(ctx, login1, key, key) },
			"UpdateUserNames":       func() (*User, error) { return c.UpdateUserNames(ctx, login1, key, key+"ing", "") },
		} {
			u, err := call()
			if err != nil {
				t.Fatalf("%s: %v", method, err)
			}
			same(method, u, &want1)
		}
		users, total, err := c.Search(ctx, SearchOptions{})
		if err != nil || total != 2 {
			t.Fatal(total, err)
		}
		same("Search", users, []User{want1, want2})
		users, err = c.LoadUsers(ctx, []string{want1.UserID, want2.UserID}, false)
		if err != nil {
			t.Fatal(err)
		}
		same("LoadUsers", users, []User{want1, want2})
		users = nil
		for u, err := range c.SearchAll(ctx, SearchOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		same("SearchAll", users, []User{want1, want2})

		ps := []UserPatch{{LoginID: login1}, {LoginID: login2}, {LoginID: key + "-3@example.com"}}
		br, err := c.PatchBatch(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		same("PatchBatch's patched users", br.PatchedUsers, []User{want1})
		if len(br.FailedUsers) != 2 {
			t.Fatalf("key %q: PatchBatch's failures: %+v", key, br.FailedUsers)
		}
		same("PatchBatch's failed user", br.FailedUsers[0].User, &want2)
		same("PatchBatch's additionalErrors keys", mapKeys(br.AdditionalErrors), []string{key + "-3@example.com"})

		res, err := c.PatchAll(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		if res.Applied != 1 || res.Results[0].Status != Patched || res.Results[0].Key != login1 {
			t.Errorf("key %q: PatchAll: %+v, want %s patched", key, res.Results, login1)
		}
		same("PatchAll's additionalErrors keys", mapKeys(res.AdditionalErrors), []string{key + "-3@example.com"})

		// The same key in the answer's failure reasons is shown text: hidden.
		shown := []string{br.FailedUsers[0].Failure, br.FailedUsers[1].Failure, br.AdditionalErrors[key+"-3@example.com"],
			res.Results[1].Reason, res.Results[2].Reason, res.AdditionalErrors[key+"-3@example.com"]}
		for _, s := range shown {
			if how := showsKey(key, s); how != "" || !strings.Contains(s, RedactedKey) {
				t.Errorf("key %q: the failure reason %q shows %s, or does not mark the key", key, s, how)
			}
		}
	}
}

func mapKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func TestUnescapeJSON(t *testing.T) {
	for in, want := range map[string]string{
		``:                  ``,
		`plain`:             `plain`,
		`a\nb\tc\rd\be\ff`:  "a\nb\tc\rd\be\ff",
		`\"\\\/`:            `"\/`,
		`\u004B\u0032sk`:    `K2sk`,
		`\ud83d\ude00`:      "😀",
		`\ud83d`:            `\ud83d`,       // a lone surrogate stays as written
		`\ud83d\u0041`:      `\ud83dA`,      // so does one not followed by its pair
		`\ude00\ud83d`:      `\ude00\ud83d`, // or followed by another high one
		`\u12`:              `\u12`,         // too short
		`\u12zz`:            `\u12zz`,       // not hexadecimal
		`\x \q end\`:        `\x \q end\`,   // not escapes, and a backslash at the end
		`\\u004B`:           `\u004B`,       // an escaped backslash, then text
		"caf\u00e9 \\u00e9": "café é",
	} {
		if got := unescapeJSON(in); got != want {
			t.Errorf("unescapeJSON(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShowIsFreeForCleanText(t *testing.T) {
	r := NewRedactor(longKey)
	clean := "E112102: user not found"
	if got := r.show(clean); got != clean {
		t.Fatalf("show changed %q to %q", clean, got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = r.show(clean) }); n != 0 {
		t.Errorf("show of clean text allocates %v times", n)
	}
	if got := r.show("a\tb\u200bc\x00" + longKey[:10] + "\x1b" + longKey[10:]); got != "a bc"+RedactedKey {
		t.Errorf("show = %q", got)
	}
}
