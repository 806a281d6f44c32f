package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Defaults of PatchAll.
const (
	DefaultBatchSize           = 100
	DefaultConcurrency         = 4
	DefaultRateLimitedAttempts = 10
)

// PatchStatus is what became of one patch in PatchAll.
type PatchStatus int

// The outcomes of a patch.
const (
	// Patched: the server listed the user in patchedUsers.
	Patched PatchStatus = iota + 1
	// Failed: the server listed the user in failedUsers, the patch was invalid, or its whole
	// batch failed (after all retries, or cut off in flight by cancellation). Reason says which.
	Failed
	// NotAttempted: the context was cancelled before the patch was sent.
	NotAttempted
)

func (s PatchStatus) String() string {
	switch s {
	case Patched:
		return "patched"
	case Failed:
		return "failed"
	case NotAttempted:
		return "not attempted"
	}
	return fmt.Sprintf("PatchStatus(%d)", int(s))
}

// PatchResult is the outcome of one input patch.
type PatchResult struct {
	Index   int         // the patch's position in the input
	LoginID string      // the patch's loginId
	Status  PatchStatus // patched, failed or not attempted
	Reason  string      // for failed and not attempted patches: why
	Err     error       // when a whole batch failed or was cut off: the error (often an *Error)
	Patch   *UserPatch  // for failed and not attempted patches: the patch itself, to retry it
}

// BulkResult accounts for every input patch of PatchAll exactly once.
type BulkResult struct {
	Results                        []PatchResult // one per input patch, in input order
	Patched, Failed, NotAttempted  int
	Batches, RateLimited, Requeued int               // calls made, 429 answers met, batches sent again after a 429
	AdditionalErrors               map[string]string // additionalErrors the server sent, merged
	Elapsed                        time.Duration
}

// Unfinished returns the results that were not patched (failed or not attempted), in input
// order; each carries its patch, so they can be sent again.
func (r *BulkResult) Unfinished() []PatchResult {
	var out []PatchResult
	for _, res := range r.Results {
		if res.Status != Patched {
			out = append(out, res)
		}
	}
	return out
}

// Progress is reported after every batch: Done counts patches with an outcome (patched or
// failed), Failed those that failed, Total the number of input patches (-1 while unknown, for an
// iterator without WithTotal).
type Progress struct {
	Done, Failed, Total int
}

// BulkOption configures PatchAll.
type BulkOption func(*bulkConfig)

type bulkConfig struct {
	batchSize   int
	concurrency int
	rps         float64
	burst       int
	attempts429 int
	progress    func(Progress)
	total       int
}

// WithBatchSize sets how many patches go in one PatchBatch call (DefaultBatchSize).
func WithBatchSize(n int) BulkOption { return func(c *bulkConfig) { c.batchSize = n } }

// WithConcurrency sets how many batches are in flight at once (DefaultConcurrency).
func WithConcurrency(n int) BulkOption { return func(c *bulkConfig) { c.concurrency = n } }

// WithRateLimit paces the batch calls of all workers together at requestsPerSecond (with the
// given burst). Set it to the project's management rate limit to stay under it. Without it,
// PatchAll finds the limit from the server's 429s: after the first one it paces all workers at
// the rate that was getting through, and raises that rate while no 429 comes.
func WithRateLimit(requestsPerSecond float64, burst int) BulkOption {
	return func(c *bulkConfig) { c.rps, c.burst = requestsPerSecond, burst }
}

// WithRateLimitedAttempts sets how many times one batch is sent while the server answers 429
// (DefaultRateLimitedAttempts) before its patches are reported failed.
func WithRateLimitedAttempts(n int) BulkOption { return func(c *bulkConfig) { c.attempts429 = n } }

// WithProgressFunc calls fn after every batch. Calls are never concurrent, so fn needs no locking;
// it should return quickly.
func WithProgressFunc(fn func(Progress)) BulkOption { return func(c *bulkConfig) { c.progress = fn } }

// WithTotal tells PatchSeq how many patches the iterator yields, for Progress.Total.
func WithTotal(n int) BulkOption { return func(c *bulkConfig) { c.total = n } }

// PatchAll patches any number of users: it splits the patches into batches, runs a bounded
// number of batches at once, and backs off together when the server answers 429 (one shared
// pause for all workers, and an optional shared rate limit). Every input patch appears exactly
// once in the result: patched, failed with a reason, or not attempted.
//
// Patches for the same login ID are applied in input order: a batch never holds the same login
// ID twice, and a repeated login ID waits until the batches before it are done. (A user named
// once by login ID and once by user ID cannot be recognised as the same.)
//
// An invalid patch (no loginId, unknown status) fails alone, unsent. Cancelling ctx stops
// promptly: batches not yet sent are reported NotAttempted, batches cut off in flight Failed
// (the server may or may not have applied them). The error is non-nil only for invalid options
// or a cancelled context; the result is never nil.
func (c *Client) PatchAll(ctx context.Context, patches []UserPatch, opts ...BulkOption) (*BulkResult, error) {
	return c.PatchSeq(ctx, slices.Values(patches), append([]BulkOption{WithTotal(len(patches))}, opts...)...)
}

// PatchSeq is PatchAll for patches from an iterator, such as a file read line by line. After a
// cancellation the rest of the iterator is still read, so that each patch is reported
// NotAttempted.
func (c *Client) PatchSeq(ctx context.Context, patches iter.Seq[UserPatch], opts ...BulkOption) (*BulkResult, error) {
	cfg := bulkConfig{batchSize: DefaultBatchSize, concurrency: DefaultConcurrency, attempts429: DefaultRateLimitedAttempts, total: -1}
	for _, o := range opts {
		o(&cfg)
	}
	res := &BulkResult{}
	switch {
	case ctx == nil:
		return res, fmt.Errorf("%w: context is nil", ErrInvalidArgument)
	case cfg.batchSize < 1:
		return res, fmt.Errorf("%w: batch size %d is less than 1", ErrInvalidArgument, cfg.batchSize)
	case cfg.concurrency < 1:
		return res, fmt.Errorf("%w: concurrency %d is less than 1", ErrInvalidArgument, cfg.concurrency)
	case cfg.rps < 0 || (cfg.rps > 0 && cfg.burst < 1):
		return res, fmt.Errorf("%w: rate limit needs a positive rate and a burst of at least 1", ErrInvalidArgument)
	case cfg.attempts429 < 1:
		return res, fmt.Errorf("%w: rate-limited attempts %d is less than 1", ErrInvalidArgument, cfg.attempts429)
	}
	r := &bulkRun{c: c, cfg: cfg, res: res, jobs: make(chan job), pace: newPacer(cfg.rps, cfg.burst)}
	start := time.Now()
	r.run(ctx, patches)
	res.Elapsed = time.Since(start)
	return res, ctx.Err()
}

// job is one batch for a worker; done tells the producer the batch has an outcome.
type job struct {
	batch []PatchResult
	done  func()
}

// bulkRun is one PatchSeq: a producer forms batches, workers send them, and every outcome is
// recorded under mu.
type bulkRun struct {
	c    *Client
	cfg  bulkConfig
	pace *pacer
	jobs chan job

	mu     sync.Mutex
	res    *BulkResult
	done   int
	failed int
}

func (r *bulkRun) run(ctx context.Context, patches iter.Seq[UserPatch]) {
	var workers sync.WaitGroup
	for range r.cfg.concurrency {
		workers.Go(func() {
			for j := range r.jobs {
				r.send(ctx, j.batch)
				j.done()
			}
		})
	}
	r.produce(ctx, patches)
	close(r.jobs)
	workers.Wait()
	slices.SortFunc(r.res.Results, func(a, b PatchResult) int { return a.Index - b.Index })
}

// produce reads the patches and hands out batches. A batch holds each login ID once; a login ID
// already sent since the last barrier makes the producer wait for the batches in flight first.
func (r *bulkRun) produce(ctx context.Context, patches iter.Seq[UserPatch]) {
	var (
		batch    []PatchResult
		inBatch  = map[string]bool{}
		sentSet  = map[string]bool{}
		inFlight sync.WaitGroup
		index    = -1
	)
	dispatch := func() {
		if len(batch) == 0 {
			return
		}
		b := batch
		batch, inBatch = nil, map[string]bool{}
		inFlight.Add(1)
		select {
		case r.jobs <- job{batch: b, done: inFlight.Done}:
		case <-ctx.Done():
			inFlight.Done()
			r.record(settle(b, NotAttempted, "not sent: "+ctx.Err().Error(), ctx.Err())...)
		}
	}
	for p := range patches {
		index++
		pr := PatchResult{Index: index, LoginID: p.LoginID, Patch: &p}
		if err := ctx.Err(); err != nil {
			r.record(settle([]PatchResult{pr}, NotAttempted, "not sent: "+err.Error(), err)...)
			continue
		}
		if err := checkPatch(p, fmt.Sprintf("patches[%d]", index)); err != nil {
			r.record(settle([]PatchResult{pr}, Failed, err.Error(), err)...)
			continue
		}
		if inBatch[p.LoginID] {
			dispatch()
		}
		if sentSet[p.LoginID] {
			dispatch()
			inFlight.Wait()
			clear(sentSet)
		}
		batch = append(batch, pr)
		inBatch[p.LoginID], sentSet[p.LoginID] = true, true
		if len(batch) == r.cfg.batchSize {
			dispatch()
		}
	}
	if err := ctx.Err(); err != nil && len(batch) > 0 {
		r.record(settle(batch, NotAttempted, "not sent: "+err.Error(), err)...)
		batch = nil
	}
	dispatch()
}

// settle gives every result of b (which the caller owns) the same outcome, and returns b.
func settle(b []PatchResult, status PatchStatus, reason string, err error) []PatchResult {
	for i := range b {
		b[i].Status, b[i].Reason, b[i].Err = status, reason, err
	}
	return b
}

// send runs one batch to an outcome, sending it again while the server answers 429.
func (r *bulkRun) send(ctx context.Context, batch []PatchResult) {
	ps := make([]UserPatch, len(batch))
	for i, pr := range batch {
		ps[i] = *pr.Patch
	}
	for attempt := 1; ; attempt++ {
		if err := r.pace.wait(ctx); err != nil {
			r.record(settle(batch, NotAttempted, "not sent: "+err.Error(), err)...)
			return
		}
		r.mu.Lock()
		r.res.Batches++
		r.mu.Unlock()
		out, err := r.c.patchBatch(withoutRateLimitRetry(ctx), ps)
		if err == nil {
			r.pace.succeeded()
			r.resolve(batch, out)
			return
		}
		var e *Error
		if errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests && ctx.Err() == nil {
			r.pace.rateLimited(e.RetryAfter)
			r.mu.Lock()
			r.res.RateLimited++
			retry := attempt < r.cfg.attempts429
			if retry {
				r.res.Requeued++
			}
			r.mu.Unlock()
			if retry {
				continue
			}
		}
		reason := "batch failed: " + err.Error()
		if ctx.Err() != nil {
			reason = "batch cut off by cancellation; the server may or may not have applied it: " + err.Error()
		}
		r.record(settle(batch, Failed, reason, err)...)
		return
	}
}

// resolve matches the server's patchedUsers and failedUsers to the batch's patches by login ID
// or user ID. A patch the server did not mention is reported failed: it may be sent again
// safely, since a patch sets values.
func (r *bulkRun) resolve(batch []PatchResult, out *BatchResult) {
	byKey := make(map[string]int, len(batch))
	for i, pr := range batch {
		byKey[pr.LoginID] = i
	}
	settled := make([]bool, len(batch))
	match := func(u User) (int, bool) {
		for _, k := range u.LoginIDs {
			if i, ok := byKey[k]; ok && !settled[i] {
				return i, true
			}
		}
		if i, ok := byKey[u.UserID]; ok && u.UserID != "" && !settled[i] {
			return i, true
		}
		return 0, false
	}
	results := make([]PatchResult, 0, len(batch))
	for _, u := range out.PatchedUsers {
		if i, ok := match(u); ok {
			settled[i] = true
			pr := batch[i]
			pr.Status, pr.Patch = Patched, nil
			results = append(results, pr)
		}
	}
	for _, f := range out.FailedUsers {
		if i, ok := match(f.User); ok {
			settled[i] = true
			pr := batch[i]
			pr.Status, pr.Reason = Failed, f.Failure
			if pr.Reason == "" {
				pr.Reason = "the server reported a failure without a reason"
			}
			results = append(results, pr)
		}
	}
	for i, pr := range batch {
		if settled[i] {
			continue
		}
		pr.Status = Failed
		if msg, ok := out.AdditionalErrors[pr.LoginID]; ok {
			pr.Reason = msg
		} else {
			pr.Reason = "the server listed this user neither as patched nor as failed"
		}
		results = append(results, pr)
	}
	r.mu.Lock()
	for k, v := range out.AdditionalErrors {
		if r.res.AdditionalErrors == nil {
			r.res.AdditionalErrors = map[string]string{}
		}
		r.res.AdditionalErrors[k] = v
	}
	r.mu.Unlock()
	r.record(results...)
}

// record files outcomes and reports progress.
func (r *bulkRun) record(results ...PatchResult) {
	if len(results) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pr := range results {
		switch pr.Status {
		case Patched:
			r.res.Patched++
			r.done++
		case Failed:
			r.res.Failed++
			r.done++
			r.failed++
		case NotAttempted:
			r.res.NotAttempted++
		}
	}
	r.res.Results = append(r.res.Results, results...)
	if r.cfg.progress != nil {
		r.cfg.progress(Progress{Done: r.done, Failed: r.failed, Total: r.cfg.total})
	}
}

type noRateLimitRetryKey struct{}

// withoutRateLimitRetry tells the retry policy to hand a 429 back at once: PatchAll backs off
// for all its workers together instead of each worker sleeping on its own.
func withoutRateLimitRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRateLimitRetryKey{}, true)
}

func rateLimitRetryDisabled(ctx context.Context) bool {
	v, _ := ctx.Value(noRateLimitRetryKey{}).(bool)
	return v
}
