package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
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
	// Failed: the server listed the user in failedUsers or named it nowhere in its answer, the
	// patch was invalid, its whole batch failed (after all retries, or a Retry-After longer than
	// WithMaxRetryAfter), or the batch was cut off in flight by cancellation, in which case the
	// server may or may not have applied it. Reason says which.
	Failed
	// NotAttempted: the patch was not applied and may be sent again as it is: it was never sent,
	// or only ever answered 429, before the run stopped (cancelled, past its deadline, or ended
	// early). Reason says why, in one wording per cause.
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

// ErrStoppedEarly marks a bulk run that ended before its context did, because the API would not
// take another call in time: it asked, with Retry-After, for a wait longer than
// WithMaxRetryAfter, or the context's deadline comes before the end of the wait it asked for (or
// of the rate limit's). PatchSeq returns an error wrapping it, and each patch the run did not get
// to is NotAttempted with that error's text as its reason.
var ErrStoppedEarly = errors.New("descope: bulk run ended early")

// PatchResult is the outcome of one input patch.
type PatchResult struct {
	Index   int         // the patch's position in the input
	LoginID string      // the patch's loginId
	Status  PatchStatus // patched, failed or not attempted
	Reason  string      // for failed and not attempted patches: why (shown text: the key is hidden)
	Err     error       // when a whole batch failed or the run stopped: the error (often an *Error)
	Patch   *UserPatch  // for failed and not attempted patches: the patch itself, to retry it
}

// BulkResult accounts for every input patch of PatchAll exactly once.
type BulkResult struct {
	// Results has one result per input patch, in input order; empty with WithResultFunc, which
	// receives them instead.
	Results                        []PatchResult
	Patched, Failed, NotAttempted  int
	Batches, RateLimited, Requeued int               // calls made, 429 answers met, batches sent again after a 429
	AdditionalErrors               map[string]string // additionalErrors the server sent, merged
	Elapsed                        time.Duration
}

// Unfinished returns the results that were not patched (failed or not attempted), in input
// order; each carries its patch, so they can be sent again. It is empty with WithResultFunc.
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
	limit       *Limit
	attempts429 int
	progress    func(Progress)
	results     func([]PatchResult)
	total       int
}

// WithBatchSize sets how many patches go in one PatchBatch call (DefaultBatchSize).
func WithBatchSize(n int) BulkOption { return func(c *bulkConfig) { c.batchSize = n } }

// WithConcurrency sets how many batches are in flight at once (DefaultConcurrency).
func WithConcurrency(n int) BulkOption { return func(c *bulkConfig) { c.concurrency = n } }

// WithRateLimit paces the batch calls of all workers together at requestsPerSecond (with the
// given burst): a token bucket. Without it or WithLimit, PatchAll finds the limit from the
// server's 429s: after the first one it paces all workers at the rate that was getting through
// (see WithLimit for Descope's documented limits). The last of WithRateLimit and WithLimit wins.
func WithRateLimit(requestsPerSecond float64, burst int) BulkOption {
	return func(c *bulkConfig) { c.rps, c.burst, c.limit = requestsPerSecond, burst, nil }
}

// WithLimit paces the batch calls of all workers together so that no window of l.Window holds
// more than l.Count of them: one at a time, at 97% of Count per Window (see Limit). PatchAll calls the batch patch
// route, which Descope limits to LimitDefault (100 calls a minute per project, then a minute's
// back-off); WithLimit(LimitDefault) stays under it and meets no 429. Told nothing, PatchAll
// runs into the limit once, waits out the back-off, and then paces itself at 95% of the count
// that got through in that window, without raising it again.
func WithLimit(l Limit) BulkOption {
	return func(c *bulkConfig) { c.limit, c.rps = &l, 0 }
}

// WithRateLimitedAttempts sets how many times one batch is sent while the server answers 429
// (DefaultRateLimitedAttempts) before its patches are reported failed.
func WithRateLimitedAttempts(n int) BulkOption { return func(c *bulkConfig) { c.attempts429 = n } }

// WithProgressFunc calls fn after every batch. Calls are never concurrent, so fn needs no locking;
// it should return quickly.
func WithProgressFunc(fn func(Progress)) BulkOption { return func(c *bulkConfig) { c.progress = fn } }

// WithResultFunc hands the results to fn as soon as they are known, instead of collecting them in
// BulkResult.Results: a run of any length then holds only the batches in flight. fn gets the
// results of one batch, or of one patch that failed alone or a group that was not applied, and is
// called once for every input patch in all. Calls are never concurrent and happen before the
// run takes the next step that depends on them (a later patch for the same login ID waits for
// the call that reports the earlier one), so fn may record them durably, as the command-line
// tool's journal does. The workers wait for fn; it should not take long.
func WithResultFunc(fn func([]PatchResult)) BulkOption { return func(c *bulkConfig) { c.results = fn } }

// WithTotal tells PatchSeq how many patches the iterator yields, for Progress.Total.
func WithTotal(n int) BulkOption { return func(c *bulkConfig) { c.total = n } }

// PatchAll patches any number of users: it splits the patches into batches, runs a bounded
// number of batches at once, and backs off together when the server answers 429 (one shared
// pause for all workers, and an optional shared rate limit). Every input patch appears exactly
// once in the result: patched, failed with a reason, or not attempted.
//
// Patches for the same login ID are applied in input order: a batch never holds the same login
// ID twice, and a repeated login ID waits until the batch holding the one before it is done. (A
// user named once by login ID and once by user ID cannot be recognised as the same.)
//
// A Retry-After is waited out by all workers together, up to the client's WithMaxRetryAfter: a
// longer one fails the batch that received it, with a reason that says what the server asked
// for, and ends the run (ErrStoppedEarly). So does a context deadline that comes before the
// wait ends: the run stops at once rather than idling until the deadline.
//
// An invalid patch (see CheckPatch) fails alone, unsent. Cancelling ctx stops promptly: batches
// not yet sent are reported NotAttempted, batches cut off in flight Failed (the server may or
// may not have applied them). The error is non-nil only for invalid options, a cancelled
// context, or a run that ended early (wrapping ErrStoppedEarly); the result is never nil.
func (c *Client) PatchAll(ctx context.Context, patches []UserPatch, opts ...BulkOption) (*BulkResult, error) {
	return c.PatchSeq(ctx, slices.Values(patches), append([]BulkOption{WithTotal(len(patches))}, opts...)...)
}

// PatchSeq is PatchAll for patches from an iterator, such as a file read line by line. After the
// run stops (a cancellation, or an early end), the rest of the iterator is still read, so that
// each patch is reported NotAttempted.
func (c *Client) PatchSeq(ctx context.Context, patches iter.Seq[UserPatch], opts ...BulkOption) (*BulkResult, error) {
	cfg := bulkConfig{batchSize: DefaultBatchSize, concurrency: DefaultConcurrency, attempts429: DefaultRateLimitedAttempts, total: -1}
	for _, o := range opts {
		o(&cfg)
	}
	res := &BulkResult{}
	if cfg.limit != nil {
		var err error
		if cfg.rps, cfg.burst, err = cfg.limit.pace(); err != nil {
			return res, err
		}
	}
	switch {
	case ctx == nil:
		return res, fmt.Errorf("%w: context is nil", ErrInvalidArgument)
	case cfg.batchSize < 1:
		return res, fmt.Errorf("%w: batch size %d is less than 1", ErrInvalidArgument, cfg.batchSize)
	case cfg.concurrency < 1:
		return res, fmt.Errorf("%w: concurrency %d is less than 1", ErrInvalidArgument, cfg.concurrency)
	case !(cfg.rps >= 0) || math.IsInf(cfg.rps, 0) || (cfg.rps > 0 && cfg.burst < 1): // NaN fails the first test
		return res, fmt.Errorf("%w: rate limit needs a finite, positive rate and a burst of at least 1 (got %v, %d)", ErrInvalidArgument, cfg.rps, cfg.burst)
	case cfg.attempts429 < 1:
		return res, fmt.Errorf("%w: rate-limited attempts %d is less than 1", ErrInvalidArgument, cfg.attempts429)
	}
	r := &bulkRun{c: c, cfg: cfg, res: res, jobs: make(chan *job), pace: newPacer(cfg.rps, cfg.burst, c.scale, c.maxRetryAfter), stopped: make(chan struct{})}
	var cancelPacing context.CancelFunc
	r.pacing, cancelPacing = context.WithCancel(ctx)
	defer cancelPacing()
	r.endPacing = cancelPacing
	start := time.Now()
	r.run(ctx, patches)
	res.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, r.stopCause()
}

// job is one batch for a worker; done is closed once the batch's results are recorded.
type job struct {
	batch []PatchResult
	done  chan struct{}
}

// bulkRun is one PatchSeq: a producer forms batches, workers send them, and every outcome is
// recorded under mu.
type bulkRun struct {
	c    *Client
	cfg  bulkConfig
	pace *pacer
	jobs chan *job

	// stopped is closed when the run ends early; stopWhy, set before, says why. pacing is the
	// context the workers wait for the pacer in; stopping cancels it, so no worker sleeps on.
	stopped   chan struct{}
	stopOnce  sync.Once
	stopWhy   error
	pacing    context.Context
	endPacing context.CancelFunc

	mu     sync.Mutex
	res    *BulkResult
	done   int
	failed int
}

// haltError is why a run stopped sending. Its text is the one wording of that cause in every
// result it touches; Unwrap gives the matchable cause.
type haltError struct {
	msg   string
	cause error
}

func (e *haltError) Error() string { return e.msg }
func (e *haltError) Unwrap() error { return e.cause }

var (
	errCancelled      = &haltError{"the run was cancelled", context.Canceled}
	errDeadlinePassed = &haltError{"the context's deadline passed", context.DeadlineExceeded}
	errDeadlineNear   = &haltError{"the run ended early: the context's deadline comes before the API accepts another call (its Retry-After, or the rate limit)", ErrStoppedEarly}
)

func errRetryAfterTooLong(asked, limit time.Duration) *haltError {
	return &haltError{fmt.Sprintf("the run ended early: the API asked to wait %v (Retry-After), longer than WithMaxRetryAfter (%v)", asked, limit), ErrStoppedEarly}
}

// notApplied is the reason of a NotAttempted patch.
func notApplied(why error) string { return "not applied: " + why.Error() }

// stop ends the run early: nothing more is sent.
func (r *bulkRun) stop(why error) {
	r.stopOnce.Do(func() {
		r.stopWhy = why
		close(r.stopped)
		r.endPacing()
	})
}

func (r *bulkRun) stopCause() error {
	select {
	case <-r.stopped:
		return r.stopWhy
	default:
		return nil
	}
}

// halted returns why no more batches may be sent, or nil while they may.
func (r *bulkRun) halted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errDeadlinePassed
		}
		return errCancelled
	}
	return r.stopCause()
}

func (r *bulkRun) run(ctx context.Context, patches iter.Seq[UserPatch]) {
	var workers sync.WaitGroup
	for range r.cfg.concurrency {
		workers.Go(func() {
			for j := range r.jobs {
				r.send(ctx, j.batch)
				close(j.done)
			}
		})
	}
	r.produce(ctx, patches)
	close(r.jobs)
	workers.Wait()
	if r.cfg.results == nil {
		slices.SortFunc(r.res.Results, func(a, b PatchResult) int { return a.Index - b.Index })
	}
}

// produce reads the patches and hands out batches. A batch holds each login ID once; a login ID
// held by a batch still in flight makes the producer wait for that batch. The producer keeps
// only the login IDs of batches in flight, so its memory does not grow with the input. Once the
// run halts, the patches read are reported NotAttempted in groups of a batch.
func (r *bulkRun) produce(ctx context.Context, patches iter.Seq[UserPatch]) {
	var (
		batch   []PatchResult
		inBatch = map[string]bool{}
		owner   = map[string]*job{} // login ID -> the batch in flight that holds it
		flying  []*job
		index   = -1
	)
	// prune forgets the batches that are done, and their login IDs.
	prune := func() {
		keep := flying[:0]
		for _, j := range flying {
			select {
			case <-j.done: // the worker is done with j.batch
				for i := range j.batch {
					if id := j.batch[i].LoginID; owner[id] == j {
						delete(owner, id)
					}
				}
			default:
				keep = append(keep, j)
			}
		}
		clear(flying[len(keep):])
		flying = keep
	}
	notSent := func(why error) {
		r.record(settle(batch, NotAttempted, notApplied(why), why)...)
		batch = nil
		clear(inBatch)
	}
	dispatch := func() {
		if len(batch) == 0 {
			return
		}
		if why := r.halted(ctx); why != nil {
			notSent(why)
			return
		}
		j := &job{batch: batch, done: make(chan struct{})}
		select {
		case r.jobs <- j:
		case <-ctx.Done():
			notSent(r.halted(ctx))
			return
		case <-r.stopped:
			notSent(r.halted(ctx))
			return
		}
		flying = append(flying, j)
		for id := range inBatch { // not j.batch: the worker owns it now
			owner[id] = j
		}
		batch = nil
		clear(inBatch)
		prune()
	}
	for p := range patches {
		index++
		pr := PatchResult{Index: index, LoginID: p.LoginID, Patch: &p}
		if why := r.halted(ctx); why != nil {
			batch = append(batch, pr)
			if len(batch) == r.cfg.batchSize {
				notSent(why)
			}
			continue
		}
		err := checkPatch(&p, fmt.Sprintf("patches[%d]", index)) // normalizes p: identifier is loginId
		pr.LoginID = p.LoginID
		if err != nil {
			r.record(settle([]PatchResult{pr}, Failed, err.Error(), err)...)
			continue
		}
		if inBatch[p.LoginID] {
			dispatch()
		}
		if j := owner[p.LoginID]; j != nil {
			dispatch() // send what is ready before waiting
			<-j.done   // the batch always ends: its worker records an outcome, also on cancellation
			prune()
		}
		batch = append(batch, pr)
		inBatch[p.LoginID] = true
		if len(batch) == r.cfg.batchSize {
			dispatch()
		}
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
		if err := r.pace.wait(r.pacing); errors.Is(err, ErrStoppedEarly) {
			r.stop(err) // the deadline comes before the pause or the rate limit allows a call
		}
		if why := r.halted(ctx); why != nil {
			r.record(settle(batch, NotAttempted, notApplied(why), why)...)
			return
		}
		r.mu.Lock()
		r.res.Batches++
		r.mu.Unlock()
		out, outcomes, err := r.c.patchBatch(withRetryLimit(ctx, noRateLimitRetry), ps)
		if err == nil {
			r.pace.succeeded()
			r.resolve(batch, out, outcomes)
			return
		}
		var e *Error
		if errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests && ctx.Err() == nil {
			r.mu.Lock()
			r.res.RateLimited++
			r.mu.Unlock()
			if limit := r.c.maxRetryAfter; e.RetryAfter > limit {
				r.stop(errRetryAfterTooLong(e.RetryAfter, limit))
				reason := fmt.Sprintf("rate limited: the API asked to wait %v (Retry-After), longer than WithMaxRetryAfter (%v)", e.RetryAfter, limit)
				r.record(settle(batch, Failed, reason, err)...)
				return
			}
			r.pace.rateLimited(e.RetryAfter)
			if attempt < r.cfg.attempts429 {
				r.mu.Lock()
				r.res.Requeued++
				r.mu.Unlock()
				continue
			}
		}
		reason := "batch failed: " + err.Error()
		if ctx.Err() != nil {
			reason = "cut off in flight (" + r.halted(ctx).Error() + "): the server may or may not have applied it"
		}
		r.record(settle(batch, Failed, reason, err)...)
		return
	}
}

// resolve records a batch's outcomes as matchBatch found them.
func (r *bulkRun) resolve(batch []PatchResult, out *BatchResult, outcomes []batchOutcome) {
	for i, o := range outcomes {
		if o.patched {
			batch[i].Status, batch[i].Patch = Patched, nil
		} else {
			batch[i].Status, batch[i].Reason = Failed, o.reason
		}
	}
	if len(out.AdditionalErrors) > 0 {
		r.mu.Lock()
		if r.res.AdditionalErrors == nil {
			r.res.AdditionalErrors = map[string]string{}
		}
		maps.Copy(r.res.AdditionalErrors, out.AdditionalErrors)
		r.mu.Unlock()
	}
	r.record(batch...)
}

// record files outcomes, hands them to the result func or keeps them, and reports progress. It is
// where every reason takes its final form: each is made fit to show and scrubbed of the
// management key here, after everything that built it.
func (r *bulkRun) record(results ...PatchResult) {
	if len(results) == 0 {
		return
	}
	for i := range results {
		results[i].Reason = r.c.redact.show(results[i].Reason)
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
	if r.cfg.results != nil {
		r.cfg.results(results)
	} else {
		r.res.Results = append(r.res.Results, results...)
	}
	if r.cfg.progress != nil {
		r.cfg.progress(Progress{Done: r.done, Failed: r.failed, Total: r.cfg.total})
	}
}
