package api

// The promises that make the client safe to hand a management key: no redirect is followed, no
// part of the key ever shows, a 2xx that carries nothing is not a success, and many clients do
// not pile up connections.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// longKey is 62 characters, like a real management key, and unlike anything else in the bodies.
const longKey = "K2xQ7vLm9PzR4tWb8YcN3aHd6FsJ1gUe5KoVi0MqXr2ZlTy7BwCn4DpEh9Gj3k"

func TestLongKeyIs62Characters(t *testing.T) {
	if len(longKey) != 62 {
		t.Fatalf("len(longKey) = %d", len(longKey))
	}
}

// leaks returns the longest piece of the key (8 characters or more) found in s, or "".
func leaks(s string) string {
	for n := len(longKey); n >= 8; n-- {
		for i := 0; i+n <= len(longKey); i++ {
			if strings.Contains(s, longKey[i:i+n]) {
				return longKey[i : i+n]
			}
		}
	}
	return ""
}

func newKeyClient(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(testProject, longKey, append([]Option{WithBaseURL(srv.URL), WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Everything a server says about a failure is shown text, with the key hidden: error fields,
// batch failures, additionalErrors messages, and PatchAll's reasons. What it sends as data (a
// user's fields, the login IDs that key additionalErrors) comes back as sent, key and all.
func TestKeyHiddenInEverythingTheServerSays(t *testing.T) {
	echo := `{"errorCode":"E011006","errorDescription":"bad ` + longKey + `","errorMessage":"token ` + longKey + `"}`
	c := newKeyClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/patch/batch"):
			_, _ = io.WriteString(w, `{"patchedUsers":[{"loginIds":["a"],"name":"`+longKey+`"}],`+
				`"failedUsers":[{"failure":"denied for `+longKey+`","user":{"loginIds":["b"]}},{"failure":"`+longKey+`","user":null}],`+
				`"additionalErrors":{"c":"`+longKey+`","`+longKey+`":"x"}}`)
		case strings.HasSuffix(r.URL.Path, "/picture"):
			_, _ = io.WriteString(w, `{"user":{"loginIds":["a"],"picture":"https://x/?k=`+longKey+`"}}`)
		default:
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, echo)
		}
	})
	ctx := context.Background()

	_, err := c.Patch(ctx, UserPatch{LoginID: "a"})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(e.Message, RedactedKey) {
		t.Errorf("the echoed key is not marked in the message: %q", e.Message)
	}

	u, err := c.UpdatePicture(ctx, "a", "")
	if err != nil {
		t.Fatal(err)
	}

	ps := []UserPatch{{LoginID: "a"}, {LoginID: "b"}, {LoginID: "c"}}
	br, err := c.PatchBatch(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.PatchAll(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	said := []any{e, e.Error(), fmt.Sprint(res.Results), res.AdditionalErrors["c"], br.AdditionalErrors["c"]}
	for _, f := range br.FailedUsers {
		said = append(said, f.Failure)
	}
	everything, _ := json.Marshal(said)
	if piece := leaks(string(everything)); piece != "" {
		t.Fatalf("%q of the key shows in %s", piece, everything)
	}
	if n := strings.Count(string(everything), RedactedKey); n < 9 {
		t.Errorf("the marker shows %d times, want every echo marked: %s", n, everything)
	}
	if r := res.Results[2]; r.Status != Failed || !strings.Contains(r.Reason, RedactedKey) {
		t.Errorf("c's result %+v, want failed with the marked additionalErrors entry", r)
	}
	if u.Picture != "https://x/?k="+longKey || br.PatchedUsers[0].Name != longKey ||
		br.AdditionalErrors[longKey] != "x" || res.AdditionalErrors[longKey] != "x" {
		t.Errorf("data was changed: picture %q, name %q, additionalErrors %v and %v", u.Picture, br.PatchedUsers[0].Name, br.AdditionalErrors, res.AdditionalErrors)
	}
}

// The key may come back as a JSON string escapes it; that form is hidden too.
func TestRedactorHidesEscapedForms(t *testing.T) {
	r := NewRedactor("K2<a&b>\u2028")
	enc, _ := json.Marshal("K2<a&b>\u2028")
	for _, s := range []string{"x K2<a&b>\u2028 y", "x " + string(enc[1:len(enc)-1]) + " y"} {
		if got := r.String(s); got != "x "+RedactedKey+" y" {
			t.Errorf("String(%q) = %q", s, got)
		}
		if got := string(r.Bytes([]byte(s))); got != "x "+RedactedKey+" y" {
			t.Errorf("Bytes(%q) = %q", s, got)
		}
	}
	var nilR *Redactor
	if nilR.String("k") != "k" || string(NewRedactor("").Bytes([]byte("k"))) != "k" {
		t.Error("an empty redactor changed its input")
	}
}

// redirector answers every request with status and a Location on target, and counts.
func redirector(status int, target string) (http.HandlerFunc, *atomic.Int32) {
	var hits atomic.Int32
	return func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	}, &hits
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	var elsewhereHits atomic.Int32
	var elsewhereAuth atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereHits.Add(1)
		elsewhereAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, okUser)
	}))
	defer elsewhere.Close()
	target := elsewhere.URL + "/collect?session=abc"

	callers := map[string]func() *http.Client{
		"default client": func() *http.Client { return nil },
		"caller's client": func() *http.Client {
			return &http.Client{Timeout: 5 * time.Second} // follows redirects, as http.Client does
		},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for name, mk := range callers {
			t.Run(fmt.Sprintf("%d/%s", status, name), func(t *testing.T) {
				h, hits := redirector(status, target)
				hc := mk()
				var opts []Option
				if hc != nil {
					opts = append(opts, WithHTTPClient(hc))
				}
				c := newKeyClient(t, h, opts...)
				_, err := c.UpdatePicture(context.Background(), "jane@example.com", "https://example.com/p.png")
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want an *Error for the %d", err, status)
				}
				if e.StatusCode != status || e.RedirectTo != strings.TrimSuffix(elsewhere.URL, "/") {
					t.Errorf("StatusCode %d RedirectTo %q, want %d %q", e.StatusCode, e.RedirectTo, status, elsewhere.URL)
				}
				msg := err.Error()
				if !strings.Contains(msg, fmt.Sprint(status)) || !strings.Contains(msg, strings.TrimPrefix(elsewhere.URL, "http://")) ||
					!strings.Contains(msg, "not followed") || strings.Contains(msg, "session=abc") {
					t.Errorf("message %q should name the status and host, not the path", msg)
				}
				if hits.Load() != 1 || elsewhereHits.Load() != 0 {
					t.Errorf("hits: API %d, elsewhere %d; want 1, 0", hits.Load(), elsewhereHits.Load())
				}
				if hc != nil && hc.CheckRedirect != nil {
					t.Error("the caller's http.Client was changed")
				}
			})
		}
	}
	if v := elsewhereAuth.Load(); v != nil {
		t.Errorf("the key reached the redirect target: %v", v)
	}
}

// A 307 from an https API to plain http on the same host is where net/http would carry the
// Authorization header along. The plain-http listener must never see a request.
func TestRedirectToPlainHTTPOnSameHostCarriesNoKey(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var plainHits atomic.Int32
	plain := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { plainHits.Add(1) }), ReadHeaderTimeout: time.Second}
	go func() { _ = plain.Serve(ln) }()
	defer func() { _ = plain.Close() }()

	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+ln.Addr().String()+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer tlsSrv.Close()
	hc := tlsSrv.Client() // trusts the test certificate; follows redirects by default
	c, err := New(testProject, longKey, WithBaseURL(tlsSrv.URL), WithHTTPClient(hc), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Patch(context.Background(), UserPatch{LoginID: "jane@example.com", Name: Ptr("J")})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusTemporaryRedirect || e.RedirectTo != "http://"+ln.Addr().String() {
		t.Fatalf("err = %v, want the 307 as an *Error naming http://%s", err, ln.Addr())
	}
	if n := plainHits.Load(); n != 0 {
		t.Fatalf("the plain-http listener got %d requests", n)
	}
}

// A 2xx whose body does not carry what the operation returns is not a success.
func TestEmptySuccessIsMalformed(t *testing.T) {
	for _, body := range []string{`null`, `{}`, `{"user":null}`, `{"created":true}`, `[]`, `""`, ``} {
		c, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, body)})
		u, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
		if !errors.Is(err, ErrMalformedResponse) || u != nil {
			t.Errorf("single-user answer %q: user %v, err %v; want ErrMalformedResponse", body, u, err)
		}
	}
	ps := []UserPatch{{LoginID: "a"}, {LoginID: "b"}}
	for _, body := range []string{`null`, `{}`, `{"patchedUsers":[]}`, `{"patchedUsers":[{"loginIds":["someone-else"]}]}`} {
		c, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, body)})
		res, err := c.PatchBatch(context.Background(), ps)
		if !errors.Is(err, ErrMalformedResponse) || res != nil {
			t.Errorf("batch answer %q: %+v, %v; want ErrMalformedResponse", body, res, err)
		}
		all, err := c.PatchAll(context.Background(), ps)
		if err != nil || all.Applied != 0 || all.Failed != 2 {
			t.Errorf("PatchAll on %q: %+v, %v; want both failed", body, all, err)
		}
	}
}

// A batch answer that names some patches: the others are failed, never patched, and say so.
func TestBatchAccountsForEveryPatch(t *testing.T) {
	body := `{"patchedUsers":[{"loginIds":["a"]}],"failedUsers":[{"failure":"User not found","user":null}]}`
	c, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, body)})
	ps := []UserPatch{{LoginID: "a"}, {LoginID: "b"}, {LoginID: "c"}}
	res, err := c.PatchBatch(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.FailedLoginIDs(), ","); got != "b,c" {
		t.Errorf("FailedLoginIDs = %s, want b,c", got)
	}
	want := "the server listed this user neither as patched nor as failed; it reported failures without naming their user: User not found"
	for _, f := range res.FailedUsers[1:] {
		if f.Failure != want {
			t.Errorf("failure %q, want %q", f.Failure, want)
		}
	}
	all, err := c.PatchAll(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	if all.Applied != 1 || all.Failed != 2 || all.Results[1].Reason != want || all.Results[2].Reason != want {
		t.Errorf("PatchAll: %+v", all.Results)
	}
}

// Clients made and dropped in a loop share one pool of connections.
func TestManyClientsShareConnections(t *testing.T) {
	var mu sync.Mutex
	open, maxOpen, total := 0, 0, 0
	srv := httptest.NewUnstartedServer(ok())
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			open++
			total++
			maxOpen = max(maxOpen, open)
		case http.StateClosed, http.StateHijacked:
			open--
		}
	}
	srv.Start()
	defer srv.Close()
	for i := range 1000 {
		c, err := New(testProject, testKey, WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdatePicture(context.Background(), "jane@example.com", ""); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("1000 clients: %d connections opened, at most %d open at once", total, maxOpen)
	if maxOpen > 4 || total > 4 {
		t.Errorf("1000 clients opened %d connections, %d at once; want them to share a few", total, maxOpen)
	}
}

// Custom attribute values that JSON cannot carry, or that no float64 holds, are refused before
// anything is sent, naming the attribute.
func TestUnrepresentableNumbersRefused(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	ctx := context.Background()
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"1e400 as an attribute", func() error {
			_, err := c.UpdateCustomAttribute(ctx, "a", "seats", json.Number("1e400"))
			return err
		}, `attribute "seats": the number 1e400 does not fit a 64-bit float`},
		{"-1e400 inside a list", func() error {
			_, err := c.UpdateCustomAttribute(ctx, "a", "xs", []any{json.Number("1"), json.Number("-1e400")})
			return err
		}, `[1]: the number -1e400`},
		{"NaN in a patch", func() error {
			_, err := c.Patch(ctx, UserPatch{LoginID: "a", CustomAttributes: &map[string]any{"r": nanValue()}})
			return err
		}, `customAttributes["r"]: NaN is not a JSON number`},
		{"1e400 deep in a batch", func() error {
			_, err := c.PatchBatch(ctx, []UserPatch{{LoginID: "a"}, {LoginID: "b", CustomAttributes: &map[string]any{"o": map[string]any{"k": json.Number("1e400")}}}})
			return err
		}, `patches[1] (loginId "b"): customAttributes["o"]: ["k"]: the number 1e400`},
	}
	for _, tc := range cases {
		err := tc.call()
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument containing %q", tc.name, err, tc.want)
		}
	}
	if n := s.hits.Load(); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
	// A big number that float64 holds (with less precision) is a number, and goes out as written.
	if _, err := c.UpdateCustomAttribute(ctx, "a", "big", json.Number("123456789012345678901234567890")); err != nil {
		t.Errorf("a large but finite number was refused: %v", err)
	}
	if got := string(s.lastBody()["attributeValue"]); got != "123456789012345678901234567890" {
		t.Errorf("sent %s", got)
	}
}

func nanValue() float64 { var z float64; return z / z }
