package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

const (
	testProject = "P2testproject"
	testKey     = "K2fake-management-key-never-real"
)

// script is a test server that answers each hit with the next step, repeating the last one,
// and counts the hits.
type script struct {
	hits  atomic.Int32
	steps []http.HandlerFunc
	mu    sync.Mutex
	last  []byte   // the last request body
	all   [][]byte // every request body, in order
	auth  string   // the last Authorization header
	path  string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1)) - 1
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.last, s.auth, s.path = body, r.Header.Get("Authorization"), r.URL.Path
	s.all = append(s.all, body)
	s.mu.Unlock()
	if n >= len(s.steps) {
		n = len(s.steps) - 1
	}
	s.steps[n](w, r)
}

// bodies returns every request body, each decoded as a JSON object.
func (s *script) bodies() []map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]json.RawMessage, len(s.all))
	for i, b := range s.all {
		_ = json.Unmarshal(b, &out[i])
	}
	return out
}

func (s *script) lastBody() map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m map[string]json.RawMessage
	_ = json.Unmarshal(s.last, &m)
	return m
}

func jsonStep(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const okUser = `{"user":{"loginIds":["jane@example.com"],"userId":"U1","name":"Jane","customAttributes":{"n":1.5,"s":"x","b":true,"l":["a"],"o":{"k":"v"}}},"created":false}`

const okBatch = `{"patchedUsers":[{"loginIds":["jane@example.com"],"userId":"U1"}]}`

// ok answers a success of the operation called: a batch answer patching jane@example.com, or
// okUser.
func ok() http.HandlerFunc {
	user, batch := jsonStep(200, okUser), jsonStep(200, okBatch)
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/patch/batch") {
			batch(w, r)
			return
		}
		user(w, r)
	}
}

// newScripted starts a server with the steps and a client for it with fast retries.
func newScripted(t *testing.T, steps []http.HandlerFunc, opts ...Option) (*Client, *script) {
	t.Helper()
	s := &script{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithBaseURL(srv.URL), WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := New(testProject, testKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// specValidator is the spec's validator, for WithResponseValidation.
func specValidator(t testing.TB) ResponseValidator {
	t.Helper()
	v, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name, pid, key string
		opts           []Option
		want           string
	}{
		{"empty project", "", testKey, nil, "project ID is empty"},
		{"blank project", "  ", testKey, nil, "project ID is empty"},
		{"empty key", testProject, "", nil, "management key is empty"},
		{"colon in project", "P2:x", testKey, nil, "project ID contains a colon"},
		{"http to a public host", testProject, testKey, []Option{WithBaseURL("http://api.descope.com")}, "not https"},
		{"http to a private host", testProject, testKey, []Option{WithBaseURL("http://10.0.0.1:8080")}, "not https"},
		{"no host", testProject, testKey, []Option{WithBaseURL("https://")}, "no host"},
		{"ftp", testProject, testKey, []Option{WithBaseURL("ftp://127.0.0.1")}, "scheme must be https"},
		{"query", testProject, testKey, []Option{WithBaseURL("https://api.descope.com?x=1")}, "query"},
		{"negative retries", testProject, testKey, []Option{WithMaxRetries(-1)}, "max retries -1"},
		{"bad wait", testProject, testKey, []Option{WithRetryWait(time.Second, time.Millisecond)}, "retry wait"},
		{"bad cap", testProject, testKey, []Option{WithMaxResponseBytes(0)}, "max response bytes"},
		{"zero time scale", testProject, testKey, []Option{WithTimeScale(0)}, "time scale must be a positive, finite number (got 0)"},
		{"NaN time scale", testProject, testKey, []Option{WithTimeScale(math.NaN())}, "time scale"},
		{"infinite time scale", testProject, testKey, []Option{WithTimeScale(math.Inf(1))}, "time scale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.pid, tc.key, tc.opts...)
			if err == nil || c != nil {
				t.Fatalf("New succeeded, want error containing %q", tc.want)
			}
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidArgument containing %q", err, tc.want)
			}
			if tc.key != "" && strings.Contains(err.Error(), tc.key) {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

func TestBaseURLDefaultsAndLoopback(t *testing.T) {
	cases := []struct{ pid, opt, want string }{
		{"P2short", "", "https://api.descope.com"},
		{"P2use1abcdefghijklmnopqrstuvwxyz0", "", "https://api.2use.descope.com"},
		{"Peuc1abcdefghijklmnopqrstuvwxyz01", "", "https://api.euc1.descope.com"},
		{"P2short", "http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"P2short", "http://localhost:9", "http://localhost:9"},
		{"P2short", "http://[::1]:9", "http://[::1]:9"},
		{"P2short", "https://proxy.example.com/descope", "https://proxy.example.com/descope"},
	}
	for _, tc := range cases {
		var opts []Option
		if tc.opt != "" {
			opts = append(opts, WithBaseURL(tc.opt))
		}
		c, err := New(tc.pid, testKey, opts...)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.pid, tc.opt, err)
		}
		if c.BaseURL() != tc.want {
			t.Errorf("%s %s: base URL %q, want %q", tc.pid, tc.opt, c.BaseURL(), tc.want)
		}
	}
}

func TestAuthorizationHeaderOnEveryCall(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	for _, call := range everyMethod() {
		if err := call.run(context.Background(), c); err != nil {
			t.Fatalf("%s: %v", call.name, err)
		}
		s.mu.Lock()
		auth := s.auth
		s.mu.Unlock()
		if auth != "Bearer "+testProject+":"+testKey {
			t.Fatalf("%s: Authorization = %q", call.name, auth)
		}
	}
}

// everyMethod calls each method of the client once with valid input.
func everyMethod() []struct {
	name string
	run  func(context.Context, *Client) error
} {
	return []struct {
		name string
		run  func(context.Context, *Client) error
	}{
		{"UpdateCustomAttribute", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "dept", "eng")
			return err
		}},
		{"UpdateDisplayName", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateDisplayName(ctx, "jane@example.com", "Jane")
			return err
		}},
		{"UpdateUserNames", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateUserNames(ctx, "jane@example.com", "Jane", "", "Doe")
			return err
		}},
		{"UpdatePicture", func(ctx context.Context, c *Client) error {
			_, err := c.UpdatePicture(ctx, "jane@example.com", "https://example.com/p.png")
			return err
		}},
		{"UpdatePhone", func(ctx context.Context, c *Client) error {
			_, err := c.UpdatePhone(ctx, "jane@example.com", "+15555550100", true, false)
			return err
		}},
		{"Patch", func(ctx context.Context, c *Client) error {
			_, err := c.Patch(ctx, UserPatch{LoginID: "jane@example.com", Name: Ptr("Jane")})
			return err
		}},
		{"PatchBatch", func(ctx context.Context, c *Client) error {
			_, err := c.PatchBatch(ctx, []UserPatch{{LoginID: "jane@example.com"}})
			return err
		}},
	}
}

func TestBadInputIsRejectedBeforeSending(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	ctx := context.Background()
	bad := Ptr(UserStatus("archived"))
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"custom attribute: empty login", func() error { _, err := c.UpdateCustomAttribute(ctx, "", "k", 1); return err }, "loginID is empty"},
		{"custom attribute: empty key", func() error { _, err := c.UpdateCustomAttribute(ctx, "a", "", 1); return err }, "attribute key is empty"},
		{"custom attribute: not JSON", func() error { _, err := c.UpdateCustomAttribute(ctx, "a", "k", make(chan int)); return err }, "unsupported type"},
		{"display name: empty login", func() error { _, err := c.UpdateDisplayName(ctx, "", "x"); return err }, "loginID is empty"},
		{"names: empty login", func() error { _, err := c.UpdateUserNames(ctx, "", "a", "b", "c"); return err }, "loginID is empty"},
		{"picture: empty login", func() error { _, err := c.UpdatePicture(ctx, "", "x"); return err }, "loginID is empty"},
		{"phone: empty login", func() error { _, err := c.UpdatePhone(ctx, "", "x", false, false); return err }, "loginID is empty"},
		{"patch: no login", func() error { _, err := c.Patch(ctx, UserPatch{Name: Ptr("x")}); return err }, "patch: loginId is empty"},
		{"patch: bad status", func() error { _, err := c.Patch(ctx, UserPatch{LoginID: "a", Status: bad}); return err }, `status "archived"`},
		{"patch: empty tenant", func() error {
			_, err := c.Patch(ctx, UserPatch{LoginID: "a", UserTenants: Ptr([]TenantPatch{{TenantID: ""}})})
			return err
		}, "userTenants[0].tenantId is empty"},
		{"batch: empty", func() error { _, err := c.PatchBatch(ctx, nil); return err }, "batch is empty"},
		{"batch: one without login", func() error {
			_, err := c.PatchBatch(ctx, []UserPatch{{LoginID: "a"}, {LoginID: "b"}, {}})
			return err
		}, "patches[2]: loginId is empty"},
		{"nil context", func() error {
			//lint:ignore SA1012 the point is to pass a nil context
			_, err := c.Patch(nil, UserPatch{LoginID: "a"})
			return err
		}, "context is nil"},
		{"activate: empty login", func() error { _, err := c.Activate(ctx, ""); return err }, "loginID is empty"},
		{"deactivate: empty login", func() error { _, err := c.Deactivate(ctx, ""); return err }, "loginID is empty"},
		{"login ID: empty login", func() error { _, err := c.UpdateLoginID(ctx, "", "b"); return err }, "loginID is empty"},
		{"email: empty login", func() error { _, err := c.UpdateEmail(ctx, "", "e", false, false); return err }, "loginID is empty"},
		{"recovery email: empty login", func() error { _, err := c.UpdateRecoveryEmail(ctx, "", "e", false); return err }, "loginID is empty"},
		{"roles: empty role", func() error { _, err := c.SetRoles(ctx, "a", []string{"x", ""}); return err }, "roles[1] is empty"},
		{"tenant roles: empty tenant", func() error { _, err := c.AddTenantRoles(ctx, "a", "", []string{"x"}); return err }, "tenantID is empty"},
		{"remove roles: empty login", func() error { _, err := c.RemoveRoles(ctx, "", []string{"x"}); return err }, "loginID is empty"},
		{"add tenant: empty tenant", func() error { _, err := c.AddTenant(ctx, "a", ""); return err }, "tenantID is empty"},
		{"remove tenant: empty login", func() error { _, err := c.RemoveTenant(ctx, "", "T"); return err }, "loginID is empty"},
		{"sso apps: empty app", func() error { _, err := c.AddSSOApps(ctx, "a", []string{""}); return err }, "appIDs[0] is empty"},
		{"load: empty login", func() error { _, err := c.Load(ctx, ""); return err }, "loginID is empty"},
		{"load users: none", func() error { _, err := c.LoadUsers(ctx, nil, false); return err }, "userIDs is empty"},
		{"load users: empty ID", func() error { _, err := c.LoadUsers(ctx, []string{"U1", ""}, false); return err }, "userIDs[1] is empty"},
		{"search: negative page", func() error { _, _, err := c.Search(ctx, SearchOptions{Page: -1}); return err }, "page -1 is negative"},
		{"search: negative limit", func() error { _, _, err := c.SearchTestUsers(ctx, SearchOptions{Limit: -5}); return err }, "limit -5 is negative"},
		{"search: sort without field", func() error { _, _, err := c.Search(ctx, SearchOptions{Sort: []SearchSort{{Desc: true}}}); return err }, "sort[0] has no field"},
		{"search: 1e400", func() error {
			_, _, err := c.Search(ctx, SearchOptions{CustomAttributes: map[string]any{"n": json.Number("1e400")}})
			return err
		}, `customAttributes["n"]`},
		{"update: empty login", func() error { _, err := c.Update(ctx, UserUpdate{Email: "e"}); return err }, "loginID is empty"},
		{"update: empty tenant", func() error {
			_, err := c.Update(ctx, UserUpdate{LoginID: "a", Tenants: []TenantPatch{{}}})
			return err
		}, "tenants[0].tenantId is empty"},
		{"update: empty extra login ID", func() error {
			_, err := c.Update(ctx, UserUpdate{LoginID: "a", AdditionalLoginIDs: []string{""}})
			return err
		}, "additionalLoginIDs[0] is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidArgument naming %q", err, tc.want)
			}
		})
	}
	if n := s.hits.Load(); n != 0 {
		t.Fatalf("server was hit %d times by invalid calls", n)
	}
}

func TestRetries(t *testing.T) {
	html := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>")
	}
	cutMidBody := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"user":{"loginIds":["ja`)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	cases := []struct {
		name     string
		steps    []http.HandlerFunc
		retries  int
		wantHits int32
		check    func(*testing.T, *User, error)
	}{
		{"429 with Retry-After then 200", []http.HandlerFunc{jsonStep(429, `{"errorCode":"E130429"}`, "Retry-After", "0"), ok()}, 3, 2, wantOK},
		{"503, 503, 200", []http.HandlerFunc{jsonStep(503, `{}`), jsonStep(503, `{}`), ok()}, 3, 3, wantOK},
		{"520 and 530 then 200", []http.HandlerFunc{jsonStep(520, ``), jsonStep(530, ``), ok()}, 3, 3, wantOK},
		{"connection cut mid-body then 200", []http.HandlerFunc{cutMidBody, ok()}, 3, 2, wantOK},
		{"502 HTML page until retries run out", []http.HandlerFunc{html}, 2, 3, func(t *testing.T, _ *User, err error) {
			e := wantStatus(t, err, 502)
			if !strings.Contains(err.Error(), "text/html") || !strings.Contains(err.Error(), "502 Bad Gateway") {
				t.Fatalf("502 error does not describe the page: %v", err)
			}
			if e.Code != "" {
				t.Fatalf("code %q from an HTML page", e.Code)
			}
		}},
		{"401 answered once", []http.HandlerFunc{jsonStep(401, `{"errorCode":"E011005","errorDescription":"Unauthorized"}`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			e := wantStatus(t, err, 401)
			if e.Code != "E011005" || e.Description != "Unauthorized" {
				t.Fatalf("fields not decoded: %+v", e)
			}
		}},
		{"400 answered once", []http.HandlerFunc{jsonStep(400, `{"errorCode":"E011002","errorDescription":"Missing arguments","errorMessage":"loginId is required"}`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			e := wantStatus(t, err, 400)
			if e.Code != CodeMissingArguments || e.Message != "loginId is required" {
				t.Fatalf("fields not decoded: %+v", e)
			}
		}},
		{"500 answered once", []http.HandlerFunc{jsonStep(500, `{"errorCode":"E000000"}`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			wantStatus(t, err, 500)
		}},
		{"404 user not found", []http.HandlerFunc{jsonStep(404, `{"errorCode":"E112102","errorDescription":"User not found"}`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			wantStatus(t, err, 404)
			if !IsUserNotFound(err) {
				t.Fatal("IsUserNotFound is false")
			}
		}},
		{"retries disabled", []http.HandlerFunc{jsonStep(503, `{}`), ok()}, 0, 1, func(t *testing.T, _ *User, err error) {
			wantStatus(t, err, 503)
		}},
		{"malformed JSON on 200", []http.HandlerFunc{jsonStep(200, `{"user":{"loginIds":[`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			}
		}},
		{"malformed JSON on 400", []http.HandlerFunc{jsonStep(400, `{"errorCode":"E01`)}, 3, 1, func(t *testing.T, _ *User, err error) {
			wantStatus(t, err, 400)
			if !strings.Contains(err.Error(), "malformed JSON body") {
				t.Fatalf("error does not say the body was malformed: %v", err)
			}
		}},
		{"empty body on 503", []http.HandlerFunc{jsonStep(503, ``)}, 1, 2, func(t *testing.T, _ *User, err error) {
			wantStatus(t, err, 503)
			if !strings.Contains(err.Error(), "empty body") {
				t.Fatalf("error does not say the body was empty: %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, s := newScripted(t, tc.steps, WithMaxRetries(tc.retries))
			u, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
			tc.check(t, u, err)
			if got := s.hits.Load(); got != tc.wantHits {
				t.Fatalf("server hit %d times, want %d", got, tc.wantHits)
			}
		})
	}
}

func wantOK(t *testing.T, u *User, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != "U1" || u.LoginIDs[0] != "jane@example.com" {
		t.Fatalf("user not decoded: %+v", u)
	}
}

func wantStatus(t *testing.T, err error, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if e.StatusCode != status {
		t.Fatalf("status %d, want %d: %v", e.StatusCode, status, err)
	}
	// The operation is named by the spec's operationId, found from the request's method and path.
	if e.Operation != "UpdateUserPicture" && e.Operation != "PatchUser" {
		t.Fatalf("operation %q", e.Operation)
	}
	return e
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{" 7 ", 7 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryAfterHTTPDateIsHonoured(t *testing.T) {
	date := func(w http.ResponseWriter, r *http.Request) {
		// A date one second ahead, rounded down to the second by the format: waits up to 1s.
		jsonStep(429, `{"errorCode":"E130429"}`, "Retry-After", time.Now().Add(time.Second).UTC().Format(http.TimeFormat))(w, r)
	}
	c, s := newScripted(t, []http.HandlerFunc{date, ok()})
	start := time.Now()
	if _, err := c.UpdatePicture(context.Background(), "jane@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if s.hits.Load() != 2 {
		t.Fatalf("hits = %d, want 2", s.hits.Load())
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("waited %v for a Retry-After of about a second", time.Since(start))
	}
}

func TestRetryAfterPastDeadlineReturnsAtOnce(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(429, `{"errorCode":"E130429","errorDescription":"Rate limit exceeded"}`, "Retry-After", "20"), ok()})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.UpdatePicture(ctx, "jane@example.com", "")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter != 20*time.Second || !IsRateLimited(err) {
		t.Fatalf("err = %v, want the 429 with RetryAfter 20s", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call waited until the deadline instead of returning the 429")
	}
	if s.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", s.hits.Load())
	}
}

func TestRetryAfterOverCapIsNotWaited(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(429, `{}`, "Retry-After", "120"), ok()}, WithMaxRetryAfter(time.Second))
	_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter != 2*time.Minute {
		t.Fatalf("err = %v", err)
	}
	if s.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", s.hits.Load())
	}
}

func TestSlowServerHonoursContextDeadline(t *testing.T) {
	release := make(chan struct{})
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	c, s := newScripted(t, []http.HandlerFunc{slow})
	defer close(release)
	callEndsWithDeadline(t, c)
	if s.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1 (no retry after the deadline)", s.hits.Load())
	}
}

func TestBackoffWaitIsCutByContext(t *testing.T) {
	// Long backoff, short deadline: the wait must end with the context.
	c, _ := newScripted(t, []http.HandlerFunc{jsonStep(503, `{}`)}, WithRetryWait(10*time.Second, 10*time.Second))
	callEndsWithDeadline(t, c)
}

// callEndsWithDeadline makes a call with a 100ms deadline and asserts it ends with
// context.DeadlineExceeded rather than running on for seconds.
func callEndsWithDeadline(t *testing.T, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.UpdatePicture(ctx, "jane@example.com", "")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call outlived its context by seconds")
	}
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	c, err := New(testProject, testKey, WithBaseURL("http://"+addr), WithRetryWait(time.Millisecond, 2*time.Millisecond), WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Patch(context.Background(), UserPatch{LoginID: "a"})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatal("error leaks the key")
	}
}

func TestResponseSizeCap(t *testing.T) {
	big := `{"user":{"name":"` + strings.Repeat("x", 4096) + `"}}`
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(200, big)}, WithMaxResponseBytes(1024))
	_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v, want ErrResponseTooLarge", err)
	}
	if s.hits.Load() != 1 {
		t.Fatalf("hits = %d: an oversized answer was retried", s.hits.Load())
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	// The server echoes the Authorization header back, as some proxies do.
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(403)
		_ = json.NewEncoder(w).Encode(map[string]string{"errorCode": "E011006", "errorMessage": "bad token " + r.Header.Get("Authorization")})
	}
	echoHTML := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		_, _ = io.WriteString(w, "<p>"+r.Header.Get("Authorization")+"</p>")
	}
	for _, step := range []http.HandlerFunc{echo, echoHTML} {
		c, _ := newScripted(t, []http.HandlerFunc{step}, WithMaxRetries(0))
		_, err := c.Patch(context.Background(), UserPatch{LoginID: "a"})
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v", err)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), e.Message} {
			if strings.Contains(s, testKey) {
				t.Fatalf("key leaked: %s", s)
			}
		}
		if !strings.Contains(err.Error(), RedactedKey) {
			t.Fatalf("expected the echoed key to be redacted: %v", err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(verb, c); strings.Contains(s, testKey) || !strings.Contains(s, testProject) {
				t.Fatalf("%s of the client: %s", verb, s)
			}
		}
	}
}

func TestResponseValidation(t *testing.T) {
	// `"user": null` decodes fine into the Go type, but the spec says user is an object.
	drift := jsonStep(200, `{"user":null}`)
	c, _ := newScripted(t, []http.HandlerFunc{drift}, WithResponseValidation(specValidator(t)))
	_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
	if !errors.Is(err, ErrResponseMismatch) || !strings.Contains(err.Error(), "user") {
		t.Fatalf("err = %v, want ErrResponseMismatch naming user", err)
	}
	// Without validation the same answer is still refused: it carries no user.
	c2, _ := newScripted(t, []http.HandlerFunc{drift})
	if _, err := c2.UpdatePicture(context.Background(), "jane@example.com", ""); !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("without validation: err = %v, want ErrMalformedResponse", err)
	}
	// A valid answer, an extra field included, passes validation.
	c3, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, `{"user":{"loginIds":["a"],"newField":{"x":1}}}`)}, WithResponseValidation(specValidator(t)))
	if _, err := c3.UpdatePicture(context.Background(), "jane@example.com", ""); err != nil {
		t.Fatalf("valid answer: %v", err)
	}
	// A documented error answer of the wrong shape is drift too.
	c4, _ := newScripted(t, []http.HandlerFunc{jsonStep(400, `{"errorCode":400}`)}, WithResponseValidation(specValidator(t)))
	if _, err := c4.UpdatePicture(context.Background(), "jane@example.com", ""); !errors.Is(err, ErrResponseMismatch) {
		t.Fatalf("err = %v, want ErrResponseMismatch", err)
	}
	// An undocumented status, or an HTML page on a documented one, comes from the path to the API
	// and stays an *Error.
	for _, status := range []int{502, 503} {
		html := func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html>down</html>")
		}
		c5, _ := newScripted(t, []http.HandlerFunc{html}, WithResponseValidation(specValidator(t)), WithMaxRetries(0))
		_, err = c5.UpdatePicture(context.Background(), "jane@example.com", "")
		wantStatus(t, err, status)
	}
}

func TestPatchBatchReportsFailures(t *testing.T) {
	body := `{"patchedUsers":[{"loginIds":["a"]}],"failedUsers":[{"failure":"E112102: user not found","user":{"loginIds":["ghost"]}},{"failure":"bad","user":{"userId":"U9"}}]}`
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(200, body)})
	res, err := c.PatchBatch(context.Background(), []UserPatch{{LoginID: "a"}, {LoginID: "ghost"}, {LoginID: "U9"}})
	if err != nil {
		t.Fatalf("a 200 with failures is not an error: %v", err)
	}
	if len(res.PatchedUsers) != 1 || len(res.FailedUsers) != 2 || res.FailedUsers[0].Failure != "E112102: user not found" {
		t.Fatalf("result: %+v", res)
	}
	if got := strings.Join(res.FailedLoginIDs(), ","); got != "ghost,U9" {
		t.Fatalf("FailedLoginIDs = %s", got)
	}
	var users []json.RawMessage
	_ = json.Unmarshal(s.lastBody()["users"], &users)
	if len(users) != 3 {
		t.Fatalf("sent %d users", len(users))
	}
}

func TestWireBodies(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	ctx := context.Background()
	cases := []struct {
		name string
		run  func() error
		path string
		want map[string]string
	}{
		{"nil attribute is an explicit null", func() error { _, err := c.UpdateCustomAttribute(ctx, "a", "k", nil); return err },
			"/v1/mgmt/user/update/customAttribute", map[string]string{"loginId": `"a"`, "attributeKey": `"k"`, "attributeValue": "null"}},
		{"display name under both names", func() error { _, err := c.UpdateDisplayName(ctx, "a", "Jane"); return err },
			"/v1/mgmt/user/update/name", map[string]string{"loginId": `"a"`, "name": `"Jane"`, "displayName": `"Jane"`}},
		{"names: all three, empty included", func() error { _, err := c.UpdateUserNames(ctx, "a", "J", "", "D"); return err },
			"/v1/mgmt/user/update/name", map[string]string{"loginId": `"a"`, "givenName": `"J"`, "middleName": `""`, "familyName": `"D"`}},
		{"picture removal sends empty", func() error { _, err := c.UpdatePicture(ctx, "a", ""); return err },
			"/v1/mgmt/user/update/picture", map[string]string{"loginId": `"a"`, "picture": `""`}},
		{"phone with flags", func() error { _, err := c.UpdatePhone(ctx, "a", "+1", false, true); return err },
			"/v1/mgmt/user/update/phone", map[string]string{"loginId": `"a"`, "phone": `"+1"`, "verified": "false", "failOnConflict": "true"}},
		{"patch: absent stays absent, empty is sent", func() error {
			_, err := c.Patch(ctx, UserPatch{LoginID: "a", Name: Ptr(""), RoleNames: Ptr([]string{}), CustomAttributes: Ptr(map[string]any{"gone": nil})})
			return err
		}, "/v1/mgmt/user/patch", map[string]string{"loginId": `"a"`, "name": `""`, "roleNames": "[]", "customAttributes": `{"gone":null}`}},
	}
	for _, tc := range cases {
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := s.lastBody()
		if len(got) != len(tc.want) {
			t.Errorf("%s: sent keys %v, want exactly %v", tc.name, keys(got), tc.want)
		}
		for k, v := range tc.want {
			if string(got[k]) != v {
				t.Errorf("%s: %s = %s, want %s", tc.name, k, got[k], v)
			}
		}
		s.mu.Lock()
		path := s.path
		s.mu.Unlock()
		if path != tc.path {
			t.Errorf("%s: path %s, want %s", tc.name, path, tc.path)
		}
	}
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestConcurrentUse(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(503, `{}`), ok()})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Patch(context.Background(), UserPatch{LoginID: fmt.Sprintf("user%d@example.com", i), Name: Ptr("x")})
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := s.hits.Load(); n != 65 {
		t.Fatalf("hits = %d, want 65 (one 503 retried once, 64 successes)", n)
	}
}

func TestServerNeverCausesPanic(t *testing.T) {
	bodies := []string{``, `null`, `[]`, `"x"`, `{"user":[]}`, `{"user":{"customAttributes":[1]}}`, `{"patchedUsers":{}}`, "\x00\xff", `{"user":{"createdTime":1e400}}`}
	for _, b := range bodies {
		for _, status := range []int{200, 400, 429, 503} {
			c, _ := newScripted(t, []http.HandlerFunc{jsonStep(status, b, "Retry-After", "bogus")}, WithMaxRetries(0))
			_, err1 := c.UpdatePicture(context.Background(), "a", "")
			_, err2 := c.PatchBatch(context.Background(), []UserPatch{{LoginID: "a"}})
			if status != 200 && (err1 == nil || err2 == nil) {
				t.Fatalf("status %d body %q: no error", status, b)
			}
		}
	}
}

// SearchAll fetches pages until the total is reached, stops when the caller stops, and yields a
// failed page's error once.
func TestSearchAllPaging(t *testing.T) {
	page := func(users ...string) http.HandlerFunc {
		var b strings.Builder
		for i, u := range users {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"loginIds":[%q]}`, u)
		}
		return jsonStep(200, `{"users":[`+b.String()+`],"total":5}`)
	}
	c, s := newScripted(t, []http.HandlerFunc{page("a", "b"), page("c", "d"), page("e")})
	var got []string
	for u, err := range c.SearchAll(context.Background(), SearchOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.LoginIDs[0])
	}
	if strings.Join(got, "") != "abcde" || s.hits.Load() != 3 {
		t.Fatalf("got %v in %d calls, want a..e in 3", got, s.hits.Load())
	}
	if string(s.lastBody()["page"]) != "2" {
		t.Errorf("the last call asked for page %s, want 2", s.lastBody()["page"])
	}

	// A server that caps the page size below the limit asked for: its short first page is not
	// the last, so the next pages are asked at its size, and no user is skipped or repeated.
	c, s = newScripted(t, []http.HandlerFunc{
		jsonStep(200, `{"users":[{"loginIds":["a"]},{"loginIds":["b"]}],"total":5}`),
		jsonStep(200, `{"users":[{"loginIds":["c"]},{"loginIds":["d"]}],"total":5}`),
		jsonStep(200, `{"users":[{"loginIds":["e"]}],"total":5}`),
	})
	got = nil
	for u, err := range c.SearchAll(context.Background(), SearchOptions{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.LoginIDs[0])
	}
	var asked []string
	for _, b := range s.bodies() {
		asked = append(asked, string(b["page"])+"/"+string(b["limit"]))
	}
	if strings.Join(got, "") != "abcde" || strings.Join(asked, " ") != "/5 1/2 2/2" {
		t.Errorf("got %v, asking page/limit %v; want a..e, asking /5 1/2 2/2", got, asked)
	}

	// The caller stops early: no page beyond the one in use is fetched.
	c, s = newScripted(t, []http.HandlerFunc{page("a", "b"), page("c", "d")})
	for range c.SearchAll(context.Background(), SearchOptions{Limit: 2}) {
		break
	}
	if n := s.hits.Load(); n != 1 {
		t.Errorf("%d calls after the caller stopped at the first user", n)
	}

	// A failed page is yielded once, as an error, and ends the iteration.
	c, _ = newScripted(t, []http.HandlerFunc{page("a", "b"), jsonStep(403, `{"errorCode":"E011006"}`)}, WithMaxRetries(0))
	var errs int
	n := 0
	for _, err := range c.SearchAll(context.Background(), SearchOptions{Limit: 2}) {
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), "SearchUsers: HTTP 403") {
				t.Errorf("err = %v", err)
			}
			continue
		}
		n++
	}
	if n != 2 || errs != 1 {
		t.Errorf("%d users and %d errors, want 2 and 1", n, errs)
	}

	// A cancelled context ends it with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ = newScripted(t, []http.HandlerFunc{page("a", "b"), page("c", "d")})
	var ended error
	for _, err := range c.SearchAll(ctx, SearchOptions{Limit: 2}) {
		if err != nil {
			ended = err
			break
		}
		cancel()
	}
	if !errors.Is(ended, context.Canceled) {
		t.Errorf("iteration ended with %v, want context.Canceled", ended)
	}
}

// dialFailsOnce is a transport whose first attempt fails to connect; the rest go through.
type dialFailsOnce struct {
	calls atomic.Int32
}

func (d *dialFailsOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.calls.Add(1) == 1 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// UpdateLoginID retries only attempts that surely changed nothing: after a 5xx or a cut
// connection the login ID may already be renamed, and a retry would name one that is gone.
func TestUpdateLoginIDRetriesOnlyWhatWasNotApplied(t *testing.T) {
	unavailable := jsonStep(503, `{"errorCode":"E000000"}`)
	cut := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	for _, tc := range []struct {
		name     string
		first    http.HandlerFunc
		wantHits int32
		wantErr  string
	}{
		{"503", unavailable, 1, "HTTP 503"},
		{"connection cut", cut, 1, "EOF"},
		{"429", jsonStep(429, `{"errorCode":"E130429"}`, "Retry-After", "0"), 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newScripted(t, []http.HandlerFunc{tc.first, ok()})
			_, err := c.UpdateLoginID(context.Background(), "jane@example.com", "jane@example.org")
			if hits := s.hits.Load(); hits != tc.wantHits {
				t.Errorf("%d attempts, want %d", hits, tc.wantHits)
			}
			if (tc.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			// Every other method retries the same answer.
			c, s = newScripted(t, []http.HandlerFunc{tc.first, ok()})
			if _, err := c.UpdateEmail(context.Background(), "jane@example.com", "jane@example.org", false, false); err != nil || s.hits.Load() != 2 {
				t.Errorf("UpdateEmail after %s: %v in %d attempts, want success in 2", tc.name, err, s.hits.Load())
			}
		})
	}

	// A connection that could not be opened reached nothing: it is retried.
	srv := httptest.NewServer(ok())
	t.Cleanup(srv.Close)
	tr := &dialFailsOnce{}
	c, err := New(testProject, testKey, WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateLoginID(context.Background(), "jane@example.com", "jane@example.org"); err != nil || tr.calls.Load() != 2 {
		t.Errorf("after a refused connection: %v in %d attempts, want success in 2", err, tr.calls.Load())
	}
}

// WithPace paces the page calls of one iteration: a second page that the limit allows only
// after the context's deadline ends the iteration with an error saying so, on the API's clock.
func TestSearchAllPageLimit(t *testing.T) {
	page := jsonStep(200, `{"users":[{"loginIds":["a"]}],"total":2}`)
	second := jsonStep(200, `{"users":[{"loginIds":["b"]}],"total":2}`)
	hourly := Limit{Count: 2, Window: time.Hour} // one call an hour, as paced

	c, s := newScripted(t, []http.HandlerFunc{page})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var errs []error
	for _, err := range c.SearchAll(ctx, SearchOptions{Limit: 1}, WithPace(PaceUnder(hourly))) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) || !strings.Contains(errs[0].Error(), "the pace allows no call before it") || s.hits.Load() != 1 {
		t.Errorf("errors %v after %d calls; want one deadline error after 1", errs, s.hits.Load())
	}

	// On a clock 360,000 times as fast, the hour is 10 ms: both pages come.
	c, s = newScripted(t, []http.HandlerFunc{page, second}, WithTimeScale(360_000))
	n := 0
	for _, err := range c.SearchAll(context.Background(), SearchOptions{Limit: 1}, WithPace(PaceUnder(hourly))) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || s.hits.Load() != 2 {
		t.Errorf("%d users in %d calls, want 2 in 2", n, s.hits.Load())
	}

	// A limit that cannot be kept is an error before any call.
	c, s = newScripted(t, []http.HandlerFunc{page})
	for _, err := range c.SearchAll(context.Background(), SearchOptions{}, WithPace(PaceUnder(Limit{Count: 1, Window: time.Minute}))) {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("err = %v, want ErrInvalidArgument", err)
		}
	}
	if s.hits.Load() != 0 {
		t.Errorf("%d calls with an invalid limit", s.hits.Load())
	}
}
