package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// batchServer answers patch/batch calls: users whose login ID starts with "ghost" fail, the
// others are patched. before, when set, may answer instead (return true when it did).
type batchServer struct {
	calls    atomic.Int32
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	mu       sync.Mutex
	seen     []string // login IDs in the order batches were received
	names    []string // the name each of those patches set ("" for none)
	before   func(n int, w http.ResponseWriter, r *http.Request, ids []string) bool
	delay    time.Duration
}

func (s *batchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1))
	cur := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxSeen.Load()
		if cur <= m || s.maxSeen.CompareAndSwap(m, cur) {
			break
		}
	}
	var req struct {
		Users []UserPatch `json:"users"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	ids := make([]string, len(req.Users))
	names := make([]string, len(req.Users))
	for i, u := range req.Users {
		ids[i] = u.LoginID
		if u.Name != nil {
			names[i] = *u.Name
		}
	}
	if s.before != nil && s.before(n, w, r, ids) {
		return
	}
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	s.seen = append(s.seen, ids...)
	s.names = append(s.names, names...)
	s.mu.Unlock()
	var out BatchResult
	for _, id := range ids {
		u := User{LoginIDs: []string{id}}
		if strings.HasPrefix(id, "ghost") {
			out.FailedUsers = append(out.FailedUsers, gen.PatchUserBatchFailure{Failure: "E112102: user not found", User: &u})
			continue
		}
		out.PatchedUsers = append(out.PatchedUsers, u)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func newBulk(t *testing.T, s *batchServer, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := New(testProject, testKey, append([]Option{WithBaseURL(srv.URL), WithRetryWait(time.Millisecond, 2*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func makePatches(n int, ghostEvery int) []UserPatch {
	ps := make([]UserPatch, n)
	for i := range ps {
		id := fmt.Sprintf("user%05d@example.com", i)
		if ghostEvery > 0 && i%ghostEvery == 0 {
			id = fmt.Sprintf("ghost%05d@example.com", i)
		}
		ps[i] = UserPatch{LoginID: id, Status: Ptr(UserStatusEnabled)}
	}
	return ps
}

// checkAccounting asserts that every input patch appears exactly once, in order, and that the
// counters agree with the results.
func checkAccounting(t *testing.T, ps []UserPatch, res *BulkResult[UserPatch]) {
	t.Helper()
	if len(res.Results) != len(ps) {
		t.Fatalf("%d results for %d patches", len(res.Results), len(ps))
	}
	var patched, failed, notAttempted int
	for i, r := range res.Results {
		if r.Index != i || r.Key != ps[i].LoginID {
			t.Fatalf("result %d is for patch %d (%s), want %s", i, r.Index, r.Key, ps[i].LoginID)
		}
		switch r.Status {
		case Patched:
			patched++
		case Failed:
			failed++
			if r.Reason == "" || r.Item == nil || r.Item.LoginID != r.Key {
				t.Fatalf("failed result without reason or patch: %+v", r)
			}
		case NotAttempted:
			notAttempted++
			if r.Reason == "" || r.Item == nil {
				t.Fatalf("not-attempted result without reason or patch: %+v", r)
			}
		default:
			t.Fatalf("result %d has no status", i)
		}
	}
	if patched != res.Applied || failed != res.Failed || notAttempted != res.NotAttempted {
		t.Fatalf("counters %d/%d/%d, results %d/%d/%d", res.Applied, res.Failed, res.NotAttempted, patched, failed, notAttempted)
	}
}

func TestPatchAllAccountsForEveryPatch(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ps := makePatches(1000, 7)
	var progress []Progress
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(64), WithConcurrency(3),
		WithProgressFunc(func(p Progress) { progress = append(progress, p) }))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	wantFailed := (1000 + 6) / 7
	if res.Failed != wantFailed || res.Applied != 1000-wantFailed {
		t.Fatalf("patched %d failed %d, want %d and %d", res.Applied, res.Failed, 1000-wantFailed, wantFailed)
	}
	for _, r := range res.Unfinished() {
		if !strings.HasPrefix(r.Key, "ghost") || r.Reason != "E112102: user not found" {
			t.Fatalf("unexpected failure %+v", r)
		}
	}
	if got := int(s.calls.Load()); got != 16 || res.Batches != 16 {
		t.Fatalf("calls = %d, batches = %d, want 16 (1000/64)", got, res.Batches)
	}
	if m := s.maxSeen.Load(); m > 3 {
		t.Fatalf("%d batches in flight at once, concurrency is 3", m)
	}
	last := progress[len(progress)-1]
	if last.Done != 1000 || last.Failed != wantFailed || last.Total != 1000 {
		t.Fatalf("last progress %+v", last)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Done < progress[i-1].Done {
			t.Fatalf("progress went backwards: %v", progress)
		}
	}
}

func TestPatchAllInvalidPatchFailsAloneUnsent(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ps := makePatches(10, 0)
	ps[3].LoginID = ""
	ps[5].Status = Ptr(UserStatus("archived"))
	res, err := c.PatchAll(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Applied != 8 || res.Failed != 2 {
		t.Fatalf("patched %d failed %d", res.Applied, res.Failed)
	}
	if r := res.Results[3]; !strings.Contains(r.Reason, "patches[3]: loginId is empty") || !errors.Is(r.Err, ErrInvalidArgument) {
		t.Fatalf("result 3: %+v", r)
	}
	if r := res.Results[5]; !strings.Contains(r.Reason, `status "archived"`) {
		t.Fatalf("result 5: %+v", r)
	}
	if len(s.seen) != 8 {
		t.Fatalf("server saw %d users, want the 8 valid ones", len(s.seen))
	}
}

func TestPatchAllSharedBackoffOn429(t *testing.T) {
	var limited atomic.Int32
	var firstOK atomic.Int64
	s := &batchServer{before: func(n int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n <= 3 { // the first three calls are rate limited
			limited.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"errorCode":"E130429"}`)
			return true
		}
		firstOK.CompareAndSwap(0, time.Now().UnixNano())
		return false
	}}
	c := newBulk(t, s)
	ps := makePatches(400, 0)
	start := time.Now()
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(100), WithConcurrency(3))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Applied != 400 || res.RateLimited != 3 || res.Requeued != 3 {
		t.Fatalf("patched %d, 429s %d, requeued %d", res.Applied, res.RateLimited, res.Requeued)
	}
	// After a 429 every worker waits for the shared pause: no call succeeded within the second.
	if d := time.Duration(firstOK.Load() - start.UnixNano()); d < 900*time.Millisecond {
		t.Fatalf("a call went through %v after the 429, before the shared Retry-After of 1s", d)
	}
	if int(s.calls.Load()) != 7 {
		t.Fatalf("calls = %d, want 7 (3 limited + 4 batches)", s.calls.Load())
	}
}

func TestPatchAllWholeBatchFailure(t *testing.T) {
	s := &batchServer{before: func(n int, w http.ResponseWriter, _ *http.Request, ids []string) bool {
		if slices.Contains(ids, "user00010@example.com") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			_, _ = io.WriteString(w, `{"errorCode":"E000503","errorDescription":"Service unavailable"}`)
			return true
		}
		return false
	}}
	c := newBulk(t, s, WithMaxRetries(2))
	ps := makePatches(30, 0)
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(10))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Applied != 20 || res.Failed != 10 {
		t.Fatalf("patched %d failed %d", res.Applied, res.Failed)
	}
	for _, r := range res.Results[10:20] {
		var e *Error
		if r.Status != Failed || !errors.As(r.Err, &e) || e.StatusCode != 503 || !strings.Contains(r.Reason, "batch failed") {
			t.Fatalf("result %+v", r)
		}
	}
	if s.calls.Load() != 2+3 {
		t.Fatalf("calls = %d, want 5 (2 good batches, 1 bad batch tried 3 times)", s.calls.Load())
	}
}

func TestPatchAllRateLimitedUntilAttemptsRunOut(t *testing.T) {
	s := &batchServer{before: func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
		return true
	}}
	c := newBulk(t, s)
	ps := makePatches(5, 0)
	res, err := c.PatchAll(context.Background(), ps, WithRateLimitedAttempts(3))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Failed != 5 || res.RateLimited != 3 || s.calls.Load() != 3 {
		t.Fatalf("failed %d, 429s %d, calls %d", res.Failed, res.RateLimited, s.calls.Load())
	}
	if !IsRateLimited(res.Results[0].Err) {
		t.Fatalf("err = %v", res.Results[0].Err)
	}
}

func TestPatchAllServerOmitsAUser(t *testing.T) {
	s := &batchServer{before: func(_ int, w http.ResponseWriter, _ *http.Request, ids []string) bool {
		// Report only the first user, and an additional error for the second.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"patchedUsers":     []any{map[string]any{"loginIds": []string{ids[0]}}},
			"additionalErrors": map[string]string{ids[1]: "quota exceeded"},
		})
		return true
	}}
	c := newBulk(t, s)
	ps := makePatches(3, 0)
	res, err := c.PatchAll(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if res.Results[0].Status != Patched ||
		res.Results[1].Status != Failed || res.Results[1].Reason != "the server listed this user neither as patched nor as failed: additionalErrors: quota exceeded" ||
		res.Results[2].Status != Failed || res.Results[2].Reason != "the server listed this user neither as patched nor as failed" {
		t.Fatalf("results %+v", res.Results)
	}
}

func TestPatchAllMatchesByUserID(t *testing.T) {
	s := &batchServer{before: func(_ int, w http.ResponseWriter, _ *http.Request, ids []string) bool {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"patchedUsers": []any{map[string]any{"loginIds": []string{"jane@example.com"}, "userId": ids[0]}},
		})
		return true
	}}
	c := newBulk(t, s)
	ps := []UserPatch{{LoginID: "U2abc"}}
	res, _ := c.PatchAll(context.Background(), ps)
	checkAccounting(t, ps, res)
	if res.Applied != 1 {
		t.Fatalf("a patch by user ID was not matched: %+v", res.Results)
	}
}

func TestPatchAllSameLoginIDKeepsOrder(t *testing.T) {
	s := &batchServer{delay: 5 * time.Millisecond}
	c := newBulk(t, s)
	ps := []UserPatch{
		{LoginID: "a", Name: Ptr("1")}, {LoginID: "b"}, {LoginID: "a", Name: Ptr("2")}, {LoginID: "c"}, {LoginID: "a", Name: Ptr("3")},
	}
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(10), WithConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	var as []int
	for i, id := range s.seen {
		if id == "a" {
			as = append(as, i)
		}
	}
	if len(as) != 3 || res.Batches != 3 {
		t.Fatalf("server saw a at %v in %d batches; want three separate, ordered batches", as, res.Batches)
	}
}

func TestPatchAllCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &batchServer{delay: 20 * time.Millisecond}
	s.before = func(n int, _ http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n == 3 {
			cancel()
		}
		return false
	}
	c := newBulk(t, s)
	ps := makePatches(2000, 0)
	done := make(chan struct{})
	var res *BulkResult[UserPatch]
	var err error
	go func() {
		res, err = c.PatchAll(ctx, ps, WithBatchSize(10), WithConcurrency(2))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("PatchAll did not stop after cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	checkAccounting(t, ps, res)
	if res.NotAttempted < 1900 || res.Applied+res.Failed+res.NotAttempted != 2000 {
		t.Fatalf("patched %d failed %d not attempted %d", res.Applied, res.Failed, res.NotAttempted)
	}
	if int(s.calls.Load()) > 5 {
		t.Fatalf("%d calls after cancellation", s.calls.Load())
	}
}

func TestPatchSeqFromIterator(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ps := makePatches(250, 50)
	seq := func(yield func(UserPatch) bool) {
		for _, p := range ps {
			if !yield(p) {
				return
			}
		}
	}
	var last Progress
	res, err := c.PatchSeq(context.Background(), seq, WithProgressFunc(func(p Progress) { last = p }))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	if last.Total != -1 || last.Done != 250 || last.Failed != 5 {
		t.Fatalf("last progress %+v", last)
	}
}

func TestPatchAllClientRateLimit(t *testing.T) {
	s := &batchServer{}
	c := newBulk(t, s)
	ps := makePatches(60, 0)
	start := time.Now()
	res, err := c.PatchAll(context.Background(), ps, WithBatchSize(10), WithPace(PaceAt(20, 1)))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, ps, res)
	// Six calls at 20/s with a burst of 1 take at least five intervals of 50ms.
	if d := time.Since(start); d < 240*time.Millisecond {
		t.Fatalf("6 calls at 20/s took %v", d)
	}
}

func TestPatchAllBadOptions(t *testing.T) {
	c := newBulk(t, &batchServer{})
	for _, o := range []RunOption{WithBatchSize(0), WithConcurrency(0), WithPace(PaceAt(-1, 1)), WithPace(PaceAt(5, 0)), WithRateLimitedAttempts(0)} {
		res, err := c.PatchAll(context.Background(), makePatches(1, 0), o)
		if !errors.Is(err, ErrInvalidArgument) || res == nil {
			t.Fatalf("err = %v", err)
		}
	}
}

// WithLimit paces at 97% of the count per window, and refuses a limit it cannot keep.
func TestWithLimitOption(t *testing.T) {
	rps, burst, err := Limit{Count: 100, Window: time.Minute}.pace()
	if err != nil || burst != 1 || rps != 97.0/60 {
		t.Errorf("pace of 100 per minute: %v per second, burst %d, %v; want 97/60, 1", rps, burst, err)
	}
	if rps, _, _ := LimitUserUpdate.pace(); rps != 195.0/60 {
		t.Errorf("pace of the update limit: %v, want 195/60", rps)
	}
	c, _ := newScripted(t, nil)
	for _, l := range []Limit{{Count: 1, Window: time.Minute}, {Count: 100}} {
		_, err := c.PatchAll(context.Background(), []UserPatch{{LoginID: "a"}}, WithPace(PaceUnder(l)))
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "a limit needs a count of at least 2 and a positive window") {
			t.Errorf("%v: err = %v", l, err)
		}
	}
}
