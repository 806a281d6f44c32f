package api

// How a bulk run ends when the API will not take another call in time: a Retry-After above the
// client's cap, a deadline that comes before the wait ends, or a cancellation. Each ends
// promptly, and every unfinished patch says why once, in one wording per cause.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// limited answers every call 429 with the given Retry-After header.
func limited(retryAfter string) func(int, http.ResponseWriter, *http.Request, []string) bool {
	return func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"errorCode":"E130429"}`)
		return true
	}
}

// reasons returns the distinct reasons of the results with status st.
func reasons(res *BulkResult[UserPatch], st PatchStatus) []string {
	var out []string
	for _, r := range res.Results {
		if r.Status == st && !slices.Contains(out, r.Reason) {
			out = append(out, r.Reason)
		}
	}
	return out
}

func TestPatchAllRetryAfterAboveTheCapEndsTheRun(t *testing.T) {
	for name, header := range map[string]string{
		"seconds":   "3600",
		"HTTP date": time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat), // capped at 24h like seconds
	} {
		t.Run(name, func(t *testing.T) {
			s := &batchServer{before: limited(header)}
			c := newBulk(t, s, WithMaxRetryAfter(30*time.Second))
			// A deadline far beyond the test: the run must not wait for it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			ps := makePatches(1000, 0)
			res, err := c.PatchAll(ctx, ps, WithBatchSize(100), WithConcurrency(2))
			if ctx.Err() != nil {
				t.Fatal("the run waited for the context's deadline")
			}
			if !errors.Is(err, ErrStoppedEarly) {
				t.Fatalf("err = %v, want ErrStoppedEarly", err)
			}
			checkAccounting(t, ps, res)
			asked := "1h0m0s"
			if name == "HTTP date" {
				asked = "24h0m0s"
			}
			failed := reasons(res, Failed)
			want := "rate limited: the API asked to wait " + asked + " (Retry-After), longer than WithMaxRetryAfter (30s)"
			if len(failed) != 1 || failed[0] != want {
				t.Errorf("failed reasons %q, want [%q]", failed, want)
			}
			notSent := reasons(res, NotAttempted)
			want = "not applied: the run ended early: the API asked to wait " + asked + " (Retry-After), longer than WithMaxRetryAfter (30s)"
			if len(notSent) != 1 || notSent[0] != want {
				t.Errorf("not-attempted reasons %q, want [%q]", notSent, want)
			}
			// Only the batches sent before the first 429 came back reached the server.
			if n := s.calls.Load(); n > 2 || res.Failed > 200 || res.NotAttempted < 800 {
				t.Errorf("%d calls, %d failed, %d not attempted", n, res.Failed, res.NotAttempted)
			}
			for _, r := range res.Results {
				if r.Status == Failed && !IsRateLimited(r.Err) {
					t.Fatalf("failed result's Err = %v, want the 429", r.Err)
				}
			}
		})
	}
}

// A Retry-After the client honours, but that ends after the context's deadline: the run stops
// at once, and every unfinished patch carries the same single reason.
func TestPatchAllDeadlineBeforeRetryAfterEndsTheRun(t *testing.T) {
	s := &batchServer{before: limited("120")}
	c := newBulk(t, s, WithMaxRetryAfter(5*time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ps := makePatches(500, 0)
	res, err := c.PatchAll(ctx, ps, WithBatchSize(100), WithConcurrency(3))
	if ctx.Err() != nil {
		t.Fatal("the run idled until the deadline")
	}
	if !errors.Is(err, ErrStoppedEarly) {
		t.Fatalf("err = %v, want ErrStoppedEarly", err)
	}
	checkAccounting(t, ps, res)
	want := "not applied: the run ended early: the context's deadline comes before the API accepts another call (its Retry-After, or the pace)"
	if got := reasons(res, NotAttempted); res.NotAttempted != 500 || len(got) != 1 || got[0] != want {
		t.Errorf("%d not attempted with reasons %q, want all 500 with [%q]", res.NotAttempted, got, want)
	}
	for _, r := range res.Results {
		if strings.Count(r.Reason, "deadline") != 1 {
			t.Fatalf("reason says it %d times: %q", strings.Count(r.Reason, "deadline"), r.Reason)
		}
	}
}

// The same with the client's own rate limit: one call per 100 s cannot fit a second call before
// a one-minute deadline.
func TestPatchAllDeadlineBeforeRateLimitEndsTheRun(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ps := makePatches(300, 0)
	res, err := c.PatchAll(ctx, ps, WithBatchSize(100), WithConcurrency(1), WithPace(PaceAt(0.01, 1)))
	if ctx.Err() != nil || !errors.Is(err, ErrStoppedEarly) {
		t.Fatalf("ctx %v, err %v; want an early end before the deadline", ctx.Err(), err)
	}
	checkAccounting(t, ps, res)
	if res.Applied != 100 || res.NotAttempted != 200 || len(reasons(res, NotAttempted)) != 1 {
		t.Errorf("patched %d, not attempted %d with reasons %q", res.Applied, res.NotAttempted, reasons(res, NotAttempted))
	}
}

// Cancellation: one wording for what was not sent, one for what was cut off in flight.
func TestPatchAllCancellationWording(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	s := &batchServer{delay: 200 * time.Millisecond}
	s.before = func(n int, _ http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n == 2 {
			once.Do(func() { time.AfterFunc(20*time.Millisecond, cancel) })
		}
		return false
	}
	c := newBulk(t, s)
	ps := makePatches(1000, 0)
	res, err := c.PatchAll(ctx, ps, WithBatchSize(50), WithConcurrency(2))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	checkAccounting(t, ps, res)
	if got := reasons(res, NotAttempted); len(got) != 1 || got[0] != "not applied: the run was cancelled" {
		t.Errorf("not-attempted reasons %q", got)
	}
	if got := reasons(res, Failed); len(got) != 1 || got[0] != "cut off in flight (the run was cancelled): the server may or may not have applied it" {
		t.Errorf("failed reasons %q", got)
	}
	for _, r := range res.Results {
		if r.Status == NotAttempted && !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("not-attempted Err %v, want one matching context.Canceled", r.Err)
		}
	}
}

// WithResultFunc gets every result once, as it is known, and Results stays empty.
func TestPatchAllResultFunc(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ps := makePatches(1050, 10)
	seen := make([]int, len(ps))
	calls := 0
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(100), WithResultFunc(func(rs []PatchResult) {
		calls++
		for _, r := range rs {
			seen[r.Index]++
			if (r.Status == Patched) == strings.HasPrefix(r.Key, "ghost") {
				t.Errorf("result %+v", r)
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 0 || res.Applied+res.Failed != 1050 || res.Failed != 105 {
		t.Errorf("results kept %d, patched %d, failed %d", len(res.Results), res.Applied, res.Failed)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("patch %d reported %d times", i, n)
		}
	}
	if calls != 11 {
		t.Errorf("%d calls, want one per batch (11)", calls)
	}
}

// 20 rounds over the same 500 users, 4 batches at a time: a repeated login ID waits for the
// batch that holds its predecessor, so every user sees its patches in input order.
func TestPatchAllRepeatedLoginIDsKeepOrder(t *testing.T) {
	// The first round's batches are slow, so a later round would overtake them if it could.
	s := &batchServer{before: func(n int, _ http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n <= 5 {
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}}
	c := newBulk(t, s)
	users := makePatches(500, 0)
	var ps []UserPatch
	for round := range 20 {
		for _, u := range users {
			ps = append(ps, UserPatch{LoginID: u.LoginID, Name: Ptr(string(rune('a' + round)))})
		}
	}
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(100), WithConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Applied != len(ps) {
		t.Fatalf("patched %d of %d", res.Applied, len(ps))
	}
	got := map[string]string{}
	for i, id := range s.seen {
		got[id] += s.names[i]
	}
	for _, u := range users {
		if got[u.LoginID] != "abcdefghijklmnopqrst" {
			t.Fatalf("%s saw its patches as %q", u.LoginID, got[u.LoginID])
		}
	}
}

func TestParseRetryAfterCapsDates(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"90":      90 * time.Second,
		"9999999": 24 * time.Hour,
		now.Add(time.Hour).Format(http.TimeFormat):        time.Hour,
		now.Add(72 * time.Hour).Format(http.TimeFormat):   24 * time.Hour,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
		now.Add(1500 * time.Hour).Format(http.TimeFormat): 24 * time.Hour,
	} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
}
