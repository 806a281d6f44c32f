package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// recorder is a transport that keeps every request it is sent, with its body, and answers 400,
// which no call retries.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, url, host string
	header            http.Header
	body              []byte
	contentLength     int64
	getBody           bool
	ctx               context.Context
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.String(), req.Host, req.Header.Clone(), body,
		req.ContentLength, req.GetBody != nil, req.Context()})
	r.mu.Unlock()
	return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader([]byte(`{"errorCode":"E011003","errorDescription":"Request is invalid"}`))), Request: req}, nil
}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := r.reqs
	r.reqs = nil
	return reqs
}

type ctxKey struct{}

// TestDirectRequestsAreTheBuildersRequests checks that a request made directly (newRequest, after
// the builder's first request) is the request the generated builder makes, on any base URL:
// method, URL, host, headers, body and its length, a GetBody for redirects and retries of the
// transport, the call's context; and that it names the same operation in errors.
func TestDirectRequestsAreTheBuildersRequests(t *testing.T) {
	// everyOperation must name every operation of the spec, so that a new one is checked here.
	named := map[string]bool{}
	for _, m := range everyOperation() {
		named[m.name] = true
	}
	for _, op := range spec.Operations() {
		if !named[op.ID] && op.TwinOf == "" { // a twin is an older path the api does not call
			t.Errorf("everyOperation lacks %s: add the call that sends it", op.ID)
		}
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "the call's")
	for _, base := range []string{"http://127.0.0.1:1", "http://127.0.0.1:1/", "http://127.0.0.1:1/proxy/descope",
		"http://127.0.0.1:1/a%20b/", "http://127.0.0.1:1/a/../b", "http://[::1]:80/x/./y"} {
		rec := &recorder{}
		c, err := New(testProject, testKey, WithBaseURL(base), WithHTTPClient(&http.Client{Transport: rec}))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range everyOperation() {
			directs.Store(nil) // forget what earlier calls learned: the first call below builds
			err1 := m.run(ctx, c)
			err2 := m.run(ctx, c)
			reqs := rec.take()
			if len(reqs) != 2 {
				t.Fatalf("%s %s: %d requests, want 2", base, m.name, len(reqs))
			}
			if reqs[0].ctx.Value(ctxKey{}) == nil || reqs[1].ctx.Value(ctxKey{}) == nil {
				t.Errorf("%s %s: a request does not carry the call's context", base, m.name)
			}
			reqs[0].ctx, reqs[1].ctx = nil, nil
			if !reflect.DeepEqual(reqs[0], reqs[1]) {
				t.Errorf("%s %s: the builder's request and the direct one differ:\n%+v\n%+v", base, m.name, reqs[0], reqs[1])
			}
			if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
				t.Errorf("%s %s: errors differ: %v, %v", base, m.name, err1, err2)
			}
		}
	}
	// On a clean base URL every operation but the GETs with query parameters is made directly.
	directs.Store(nil)
	c, err := New(testProject, testKey, WithBaseURL("http://127.0.0.1:1/proxy"), WithHTTPClient(&http.Client{Transport: &recorder{}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyOperation() {
		_ = m.run(ctx, c)
	}
	built := map[string]bool{}
	for _, d := range *directs.Load() {
		if d != nil {
			built[d.op] = true
		}
	}
	for _, m := range everyOperation() {
		if want := m.name != "LoadUser" && m.name != "GetLicense"; built[m.name] != want {
			t.Errorf("%s: made directly %v, want %v", m.name, built[m.name], want)
		}
	}
}

// everyOperation calls each of the spec's operations once, by the method that sends it.
func everyOperation() []struct {
	name string
	run  func(context.Context, *Client) error
} {
	const id = "jane@example.com"
	user := func(f func() (*User, error)) error { _, err := f(); return err }
	type op = struct {
		name string
		run  func(context.Context, *Client) error
	}
	return []op{
		{"UpdateUserCustomAttribute", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateCustomAttribute(ctx, id, "seats", map[string]any{"n": 3}) })
		}},
		{"UpdateUserName", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateDisplayName(ctx, id, "Jane <&> Doe") })
		}},
		{"UpdateUserPicture", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdatePicture(ctx, id, "") })
		}},
		{"UpdateUserPhone", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdatePhone(ctx, id, "+15555550100", true, false) })
		}},
		{"PatchUser", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) {
				return c.Patch(ctx, UserPatch{LoginID: id, Name: Ptr("Jane"), RoleNames: Ptr([]string{}),
					CustomAttributes: Ptr(map[string]any{"b": nil, "a": 1.5})})
			})
		}},
		{"PatchUserBatch", func(ctx context.Context, c *Client) error {
			_, err := c.PatchBatch(ctx, []UserPatch{{LoginID: id}, {LoginID: "joe@example.com", Phone: Ptr("")}})
			return err
		}},
		{"UpdateUserStatus", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.Deactivate(ctx, id) })
		}},
		{"UpdateUserLoginID", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateLoginID(ctx, id, "jane@example.org") })
		}},
		{"UpdateUserEmail", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateEmail(ctx, id, "jane@work.example", true, true) })
		}},
		{"UpdateUserRecoveryEmail", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateRecoveryEmail(ctx, id, "b@example.com", false) })
		}},
		{"UpdateUserRecoveryPhone", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.UpdateRecoveryPhone(ctx, id, "+15555550101", true) })
		}},
		{"UpdateUserSetRoles", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.SetTenantRoles(ctx, id, "T1", []string{"admin"}) })
		}},
		{"UpdateUserAddRoles", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.AddRoles(ctx, id, []string{"editor", "viewer"}) })
		}},
		{"UpdateUserRemoveRoles", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.RemoveRoles(ctx, id, []string{"editor"}) })
		}},
		{"UpdateUserAddTenant", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.AddTenant(ctx, id, "T1") })
		}},
		{"UpdateUserRemoveTenant", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.RemoveTenant(ctx, id, "T1") })
		}},
		{"UpdateUserAddSSOApps", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.AddSSOApps(ctx, id, []string{"app-1"}) })
		}},
		{"UpdateUserSetSSOApps", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.SetSSOApps(ctx, id, []string{"app-1"}) })
		}},
		{"UpdateUserRemoveSSOApps", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.RemoveSSOApps(ctx, id, []string{"app-1"}) })
		}},
		{"LoadUser", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.Load(ctx, id) })
		}},
		{"LoadUsers", func(ctx context.Context, c *Client) error {
			_, err := c.LoadUsers(ctx, []string{"U2abc"}, true)
			return err
		}},
		{"SearchUsers", func(ctx context.Context, c *Client) error {
			_, _, err := c.Search(ctx, SearchOptions{RoleNames: []string{"admin"}, Limit: 10, Page: 2})
			return err
		}},
		{"SearchTestUsers", func(ctx context.Context, c *Client) error {
			_, _, err := c.SearchTestUsers(ctx, SearchOptions{TenantIDs: []string{"T1"}})
			return err
		}},
		{"UpdateUser", func(ctx context.Context, c *Client) error {
			return user(func() (*User, error) { return c.Update(ctx, UserUpdate{LoginID: id, Email: id}) })
		}},
		{"GetLicense", func(ctx context.Context, c *Client) error {
			_, err := c.RateLimitTier(ctx)
			return err
		}},
	}
}

// flaky is a transport that answers 503 (retried) to the first attempts of every call, and
// cuts the body of the next answer mid-read (retried too), before recording the last request.
type flaky struct {
	recorder
	attempts int
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.attempts++
	n := f.attempts
	f.mu.Unlock()
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{method: req.Method, url: req.URL.String(), body: body, contentLength: req.ContentLength})
	f.mu.Unlock()
	switch n % 3 {
	case 1:
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	case 2:
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(cutReader{}), Request: req}, nil
	}
	return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

type cutReader struct{}

func (cutReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestRetriesSendTheWholeBodyAgain checks that every retry of every operation sends the body of
// the first attempt again, whole, whether the request was built or made directly.
func TestRetriesSendTheWholeBodyAgain(t *testing.T) {
	f := &flaky{}
	c, err := New(testProject, testKey, WithBaseURL("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Transport: f}),
		WithRetryWait(time.Microsecond, time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyOperation() {
		if m.name == "UpdateUserLoginID" {
			continue // retries only what surely was not applied (TestUpdateLoginIDRetriesOnlyWhatWasNotApplied)
		}
		directs.Store(nil)
		for _, how := range []string{"built", "direct"} {
			_ = m.run(context.Background(), c)
			reqs := f.take()
			if len(reqs) != 3 {
				t.Fatalf("%s (%s): %d attempts, want 3", m.name, how, len(reqs))
			}
			for i, r := range reqs[1:] {
				if !reflect.DeepEqual(r, reqs[0]) {
					t.Errorf("%s (%s): attempt %d sent\n%+v\nwant\n%+v", m.name, how, i+2, r, reqs[0])
				}
			}
			if reqs[0].method != http.MethodGet && (len(reqs[0].body) == 0 || int64(len(reqs[0].body)) != reqs[0].contentLength) {
				t.Errorf("%s (%s): body %q, Content-Length %d", m.name, how, reqs[0].body, reqs[0].contentLength)
			}
		}
	}
}
