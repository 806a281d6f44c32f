package apitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// recordingTB is a testing.TB that records what NewServer reports instead of failing.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.TB.Fatalf(format, args...)
}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func (r *recordingTB) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// withMutation is the test-only hook that breaks responses.
func withMutation(f func(op string, status int, body []byte) (int, []byte)) Option {
	return func(c *config) { c.mutateResponse = f }
}

func send(t *testing.T, s *Server, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.ProjectID()+":"+s.ManagementKey())
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestSelfCheckReportsBrokenResponses proves that NewServer's response validation works: a
// response broken by the hook is reported to the test through Errorf, and an intact one is not.
func TestSelfCheckReportsBrokenResponses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(op string, status int, body []byte) (int, []byte)
		want   string // in the reported error
	}{
		{
			name: "wrong type in the user",
			mutate: func(_ string, status int, body []byte) (int, []byte) {
				return status, bytes.Replace(body, []byte(`"loginIds":[`), []byte(`"loginIds":"x","was":[`), 1)
			},
			want: "loginIds",
		},
		{
			name: "undocumented status",
			mutate: func(_ string, _ int, body []byte) (int, []byte) {
				return http.StatusTeapot, body
			},
			want: "418",
		},
		{
			name: "error body that is not an Error",
			mutate: func(_ string, _ int, _ []byte) (int, []byte) {
				return http.StatusBadRequest, []byte(`{"errorCode":42}`)
			},
			want: "errorCode",
		},
		{
			name: "not JSON",
			mutate: func(_ string, status int, _ []byte) (int, []byte) {
				return status, []byte(`<html>`)
			},
			want: "PatchUser",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := &recordingTB{TB: t}
			s := NewServer(tb, WithUsers(gen.User{LoginIDs: []string{"jane"}}), withMutation(tc.mutate))
			send(t, s, "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","name":"J"}`)
			tb.runCleanups()
			errs := tb.errors()
			if len(errs) != 1 {
				t.Fatalf("%d reports, want 1: %q", len(errs), errs)
			}
			t.Logf("reported: %s", errs[0])
			if !strings.Contains(errs[0], "does not match the spec") || !strings.Contains(errs[0], tc.want) {
				t.Errorf("report %q does not name %q", errs[0], tc.want)
			}
		})
	}

	t.Run("unknown route with a broken error body", func(t *testing.T) {
		tb := &recordingTB{TB: t}
		s := NewServer(tb, withMutation(func(_ string, _ int, _ []byte) (int, []byte) {
			return http.StatusNotFound, []byte(`{"errorMessage":["x"]}`)
		}))
		send(t, s, "GET", "/nowhere", ``)
		tb.runCleanups()
		if errs := tb.errors(); len(errs) != 1 || !strings.Contains(errs[0], "Error schema") {
			t.Errorf("reports: %q", errs)
		}
	})

	t.Run("intact responses are not reported", func(t *testing.T) {
		tb := &recordingTB{TB: t}
		s := NewServer(tb, WithUsers(gen.User{LoginIDs: []string{"jane"}}), WithRateLimit(1000, 1))
		send(t, s, "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","name":"J"}`)     // 200 or 429
		send(t, s, "PATCH", "/v1/mgmt/user/patch", `{"loginId":"ghost"}`)               // 404 or 429
		send(t, s, "PATCH", "/v1/mgmt/user/patch", `{}`)                                // 400 or 429
		send(t, s, "PATCH", "/v1/mgmt/user/patch/batch", `{"users":[{"loginId":"x"}]}`) // 200 or 429
		send(t, s, "GET", "/nowhere", ``)                                               // 404
		tb.runCleanups()
		if errs := tb.errors(); len(errs) != 0 {
			t.Errorf("intact responses reported: %q", errs)
		}
	})
}

func TestBodyTooLarge(t *testing.T) {
	s := NewServer(t, WithUsers(gen.User{LoginIDs: []string{"jane"}, Name: "Jane"}), WithRequestLog(),
		func(c *config) { c.maxBody = 1024 })
	body := `{"loginId":"jane","name":"` + strings.Repeat("a", 1024) + `"}`
	if status := send(t, s, "PATCH", "/v1/mgmt/user/patch", body); status != http.StatusBadRequest {
		t.Errorf("status %d, want 400", status)
	}
	if u, _ := s.User("jane"); u.Name != "Jane" {
		t.Error("a too-large patch was applied")
	}
	if log := s.Requests(); len(log) != 1 || len(log[0].Body) != 1025 {
		t.Errorf("log: %d entries", len(log))
	}
	// Exactly at the cap is fine.
	body = `{"loginId":"jane","name":"` + strings.Repeat("b", 1024-28) + `"}`
	if len(body) != 1024 {
		t.Fatalf("test body is %d bytes", len(body))
	}
	if status := send(t, s, "PATCH", "/v1/mgmt/user/patch", body); status != http.StatusOK {
		t.Errorf("status %d at the cap, want 200", status)
	}
}

func TestAllowRetryAfter(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Server{limiter: rate.NewLimiter(0.25, 1)} // one token per 4s
	if _, ok := s.allow(t0); !ok {
		t.Fatal("first call refused")
	}
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{
		{0, 4},
		{500 * time.Millisecond, 4}, // 3.5s → 4
		{2500 * time.Millisecond, 2},
		{3999 * time.Millisecond, 1}, // 1ms → at least 1
	} {
		got, ok := s.allow(t0.Add(tc.at))
		if ok || got != tc.want {
			t.Errorf("at +%v: Retry-After %d (ok %v), want %d", tc.at, got, ok, tc.want)
		}
	}
	// Refused calls took no token: the next one is free exactly 4s after the first.
	if _, ok := s.allow(t0.Add(4 * time.Second)); !ok {
		t.Error("call at +4s refused: refused calls consumed tokens")
	}

	fast := &Server{limiter: rate.NewLimiter(1000, 1)}
	fast.allow(t0)
	if got, ok := fast.allow(t0); ok || got != 1 {
		t.Errorf("1ms wait: Retry-After %d, want 1", got)
	}
}

func TestUnitFloat(t *testing.T) {
	const n = 20000
	var sum float64
	seen := map[float64]bool{}
	for i := range uint64(n) {
		u := unitFloat(42, i)
		if u < 0 || u >= 1 {
			t.Fatalf("unitFloat(42, %d) = %v", i, u)
		}
		sum += u
		seen[u] = true
	}
	if mean := sum / n; mean < 0.48 || mean > 0.52 {
		t.Errorf("mean %v, want about 0.5", mean)
	}
	if len(seen) < n-1 {
		t.Errorf("only %d distinct values of %d", len(seen), n)
	}
}
