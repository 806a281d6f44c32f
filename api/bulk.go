package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Status is what became of one input of a bulk run.
type Status int

// The outcomes of an input.
const (
	// Applied: the server applied it (listed it as patched, created...; for an operation that
	// answers nothing per input, such as delete/batch, accepted the batch that held it).
	Applied Status = iota + 1
	// Failed: the server listed it as failed or named it nowhere in its answer, the input was
	// invalid, its whole batch failed (after all retries, or a Retry-After longer than
	// WithMaxRetryAfter), or the batch was cut off in flight by cancellation, in which case the
	// server may or may not have applied it. Reason says which.
	Failed
	// NotAttempted: the input was not applied and may be sent again as it is: it was never sent,
	// or only ever answered 429, before the run stopped (cancelled, past its deadline, or ended
	// early). Reason says why, in one wording per cause.
	NotAttempted
	// Existing: the input was not applied because what it would make exists already: a user of
	// ImportSeq whose login ID a user has (created before the run, or by an earlier attempt of
	// this one whose answer was lost). Nothing was changed; that user may differ from the input.
	Existing
)

// Patched is Applied, as patch runs call it.
const Patched = Applied

// PatchStatus is Status, as patch runs call it.
type PatchStatus = Status

func (s Status) String() string {
	switch s {
	case Applied:
		return "applied"
	case Failed:
		return "failed"
	case NotAttempted:
		return "not attempted"
	case Existing:
		return "existing"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// StopError is why a bulk run ended before its context did: the API would not take another call
// in time. It asked, with Retry-After, for a wait longer than WithMaxRetryAfter, or the
// context's deadline comes before the end of the wait it asked for (or of the pace's). Reason
// says which, and is also the reason, after "not applied: the run ended early: ", of every input
// the run did not get to. It wraps ErrStoppedEarly.
type StopError struct{ Reason string }

func (e *StopError) Error() string { return "the run ended early: " + e.Reason }
func (e *StopError) Unwrap() error { return ErrStoppedEarly }

// ErrStoppedEarly marks a bulk run that ended before its context did (see StopError).
var ErrStoppedEarly = errors.New("descope: bulk run ended early")

// Result is the outcome of one input of a bulk run of inputs of type T.
type Result[T any] struct {
	Index  int    // the input's position
	Key    string // who the input names: its login ID (a patch), or its user ID
	Status Status // applied, failed or not attempted
	Reason string // for failed and not attempted inputs: why
	Err    error  // when a whole batch failed or the run stopped: the error (often an *Error)
	Item   *T     // for failed, not attempted and existing inputs: the input itself
}

// PatchResult is the outcome of one patch of PatchAll.
type PatchResult = Result[UserPatch]

// BulkResult accounts for every input of a bulk run exactly once.
type BulkResult[T any] struct {
	// Results has one result per input, in input order; empty with WithResultFunc, which
	// receives them instead.
	Results                        []Result[T]
	Applied, Failed, NotAttempted  int
	Existing                       int               // inputs whose user exists already (ImportSeq)
	Batches, RateLimited, Requeued int               // calls made, 429 answers met, batches sent again after a 429
	AdditionalErrors               map[string]string // additionalErrors the server sent, merged
	Elapsed                        time.Duration
}

// Unfinished returns the results that were not applied (failed or not attempted), in input
// order; each carries its input, so they can be sent again. It is empty with WithResultFunc.
func (r *BulkResult[T]) Unfinished() []Result[T] {
	var out []Result[T]
	for _, res := range r.Results {
		if res.Status.Unfinished() {
			out = append(out, res)
		}
	}
	return out
}

// Unfinished reports whether an input with this outcome still needs sending: it failed or was
// not attempted.
func (s Status) Unfinished() bool { return s == Failed || s == NotAttempted }

// Progress is reported after every batch: Done counts inputs with an outcome (applied, existing or
// failed), Failed those that failed, Total the number of inputs (-1 while unknown, for an
// iterator without WithTotal).
type Progress struct {
	Done, Failed, Total int
}

// batchOp is a batch operation of the API, as the one bulk engine (runBulk) sends it.
type batchOp[T any] struct {
	inputs string // what the inputs are called in errors: "patches"
	// check normalizes and checks an input before it is sent; place names it in errors.
	check func(in *T, place string) error
	// key is who an input names its user by: inputs with the same key are applied in input
	// order.
	key func(in *T) string
	// send sends one batch and says what became of each input, in order, with the answer's
	// additionalErrors. An error is the whole batch's.
	send func(ctx context.Context, c *Client, batch []T) ([]batchOutcome, map[string]string, error)
	// uncertain, for an operation that is not sent again once it may have been applied
	// (create/batch), is what the reason of a batch that failed after it may have reached the
	// API (a 5xx, a dropped connection, an answer that could not be read) adds.
	uncertain string
}

// mayHaveApplied reports whether a batch that failed with err may have been applied: every
// failure but a 4xx answer and a batch refused before it was sent.
func mayHaveApplied(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode >= 500
	}
	return !errors.Is(err, ErrInvalidArgument)
}

// batchOutcome is what a batch answer says of one input.
type batchOutcome struct {
	applied  bool
	existing bool   // not applied: what it would make exists already (Existing)
	unlisted bool   // named neither as applied nor as failed
	reason   string // why it was not applied
}

// patchBatches is PatchUserBatch as a batch operation.
var patchBatches = batchOp[UserPatch]{
	inputs: "patches",
	check:  checkPatch,
	key:    func(p *UserPatch) string { return p.LoginID },
	send: func(ctx context.Context, c *Client, ps []UserPatch) ([]batchOutcome, map[string]string, error) {
		out, outcomes, err := c.patchBatch(ctx, ps)
		if err != nil {
			return nil, nil, err
		}
		return outcomes, out.AdditionalErrors, nil
	},
}

// PatchAll patches any number of users: it splits the patches into batches, runs a bounded
// number of batches at once, and backs off together when the server answers 429 (one shared
// pause for all workers, and an optional shared pace). Every input patch appears exactly once in
// the result: applied (Patched), failed with a reason, or not attempted.
//
// Patches for the same login ID are applied in input order: a batch never holds the same login
// ID twice, and a repeated login ID waits until the batch holding the one before it is done. (A
// user named once by login ID and once by user ID cannot be recognised as the same.)
//
// Pacing (WithPace): PatchAll calls the batch patch route, which Descope limits to LimitDefault
// (100 calls a minute per project, then a minute's back-off); WithPace(PaceUnder(LimitDefault))
// stays under it (97 calls a minute) and meets no 429. Without a pace, PatchAll runs into the
// limit once, waits out the back-off, and then paces itself at 95% of the count that got through
// in that window, without raising it again. A Retry-After is waited out by all workers together,
// up to the client's WithMaxRetryAfter: a longer one fails the batch that received it, with a
// reason that says what the server asked for, and ends the run (a *StopError). So does a context
// deadline that comes before the wait ends: the run stops at once rather than idling until the
// deadline.
//
// An invalid patch (see CheckPatch) fails alone, unsent. Cancelling ctx stops promptly: batches
// not yet sent are reported NotAttempted, batches cut off in flight Failed (the server may or
// may not have applied them). The error is non-nil only for invalid options, a cancelled
// context, or a run that ended early (a *StopError); the result is never nil.
func (c *Client) PatchAll(ctx context.Context, patches []UserPatch, opts ...RunOption) (*BulkResult[UserPatch], error) {
	return c.PatchSeq(ctx, slices.Values(patches), append([]RunOption{WithTotal(len(patches))}, opts...)...)
}

// PatchSeq is PatchAll for patches from an iterator, such as a file read line by line. After the
// run stops (a cancellation, or an early end), the rest of the iterator is still read, so that
// each patch is reported NotAttempted.
func (c *Client) PatchSeq(ctx context.Context, patches iter.Seq[UserPatch], opts ...RunOption) (*BulkResult[UserPatch], error) {
	return runBulk(ctx, c, patchBatches, patches, opts)
}

// runBulk runs op over the inputs: the one bulk engine of every batch operation.
func runBulk[T any](ctx context.Context, c *Client, op batchOp[T], inputs iter.Seq[T], opts []RunOption) (*BulkResult[T], error) {
	cfg := newRunConfig(opts)
	res := &BulkResult[T]{}
	if ctx == nil {
		return res, invalid("context is nil")
	}
	if err := cfg.check(); err != nil {
		return res, err
	}
	var results func([]Result[T])
	if cfg.results != nil {
		fn, ok := cfg.results.(func([]Result[T]))
		if !ok {
			return res, invalid("WithResultFunc takes a func([]Result[%T]) for this run, not a %T", *new(T), cfg.results)
		}
		results = fn
	}
	rps, burst, _ := cfg.pace.rate() // checked above
	r := &bulkRun[T]{c: c, op: op, cfg: cfg, results: results, res: res,
		pace: newPacer(rps, burst, c.scale, c.maxRetryAfter), stopped: make(chan struct{})}
	var cancelPacing context.CancelFunc
	r.pacing, cancelPacing = context.WithCancel(ctx)
	defer cancelPacing()
	r.endPacing = cancelPacing
	start := time.Now()
	r.run(ctx, inputs)
	res.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, r.stopCause()
}

// job is one batch in flight; done is closed once its results are recorded.
type job[T any] struct {
	batch []Result[T]
	done  chan struct{}
}

// bulkRun is one run of runBulk: a producer forms batches, a bounded group of workers sends
// them, and every outcome is recorded under mu.
type bulkRun[T any] struct {
	c       *Client
	op      batchOp[T]
	cfg     runConfig
	results func([]Result[T])
	pace    *pacer

	// stopped is closed when the run ends early; stopWhy, set before, says why. pacing is the
	// context the workers wait for the pacer in; stopping cancels it, so no worker sleeps on.
	stopped   chan struct{}
	stopOnce  sync.Once
	stopWhy   error
	pacing    context.Context
	endPacing context.CancelFunc

	mu     sync.Mutex
	res    *BulkResult[T]
	done   int
	failed int
}

// haltError is why a run stopped sending because its context ended. Its text is the one wording
// of that cause in every result it touches; Unwrap gives the matchable cause.
type haltError struct {
	msg   string
	cause error
}

func (e *haltError) Error() string { return e.msg }
func (e *haltError) Unwrap() error { return e.cause }

var (
	errCancelled      = &haltError{"the run was cancelled", context.Canceled}
	errDeadlinePassed = &haltError{"the context's deadline passed", context.DeadlineExceeded}
	errDeadlineNear   = &StopError{"the context's deadline comes before the API accepts another call (its Retry-After, or the pace)"}
)

func errRetryAfterTooLong(asked, limit time.Duration) *StopError {
	return &StopError{fmt.Sprintf("the API asked to wait %v (Retry-After), longer than WithMaxRetryAfter (%v)", asked, limit)}
}

// notApplied is the reason of a NotAttempted input.
func notApplied(why error) string { return "not applied: " + why.Error() }

// stop ends the run early: nothing more is sent.
func (r *bulkRun[T]) stop(why error) {
	r.stopOnce.Do(func() {
		r.stopWhy = why
		close(r.stopped)
		r.endPacing()
	})
}

func (r *bulkRun[T]) stopCause() error {
	select {
	case <-r.stopped:
		return r.stopWhy
	default:
		return nil
	}
}

// halted returns why no more batches may be sent, or nil while they may.
func (r *bulkRun[T]) halted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errDeadlinePassed
		}
		return errCancelled
	}
	return r.stopCause()
}

// run produces the batches and sends each with a bounded group of goroutines (errgroup's
// limit): handing a batch to the group waits while that many are in flight.
func (r *bulkRun[T]) run(ctx context.Context, inputs iter.Seq[T]) {
	var workers errgroup.Group
	workers.SetLimit(r.cfg.concurrency)
	r.produce(ctx, inputs, &workers)
	_ = workers.Wait() // the workers return no error: every outcome is recorded
	if r.results == nil {
		slices.SortFunc(r.res.Results, func(a, b Result[T]) int { return a.Index - b.Index })
	}
}

// produce reads the inputs and hands out batches. A batch holds each key once; a key held by a
// batch still in flight makes the producer wait for that batch. The producer keeps only the keys
// of batches in flight, so its memory does not grow with the input. Once the run halts, the
// inputs read are reported NotAttempted in groups of a batch.
func (r *bulkRun[T]) produce(ctx context.Context, inputs iter.Seq[T], workers *errgroup.Group) {
	var (
		batch   []Result[T]
		inBatch = map[string]bool{}
		owner   = map[string]*job[T]{} // key -> the batch in flight that holds it
		flying  []*job[T]
		index   = -1
	)
	// prune forgets the batches that are done, and their keys.
	prune := func() {
		keep := flying[:0]
		for _, j := range flying {
			select {
			case <-j.done: // the worker is done with j.batch
				for i := range j.batch {
					if key := j.batch[i].Key; owner[key] == j {
						delete(owner, key)
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
		j := &job[T]{batch: batch, done: make(chan struct{})}
		workers.Go(func() error { // waits while the group is full; a worker ends promptly once the run halts
			defer close(j.done)
			r.send(ctx, j.batch)
			return nil
		})
		flying = append(flying, j)
		for key := range inBatch { // not j.batch: the worker owns it now
			owner[key] = j
		}
		batch = nil
		clear(inBatch)
		prune()
	}
	for in := range inputs {
		index++
		pr := Result[T]{Index: index, Key: r.op.key(&in), Item: &in}
		if why := r.halted(ctx); why != nil {
			batch = append(batch, pr)
			if len(batch) == r.cfg.batchSize {
				notSent(why)
			}
			continue
		}
		err := r.op.check(&in, fmt.Sprintf("%s[%d]", r.op.inputs, index))
		key := r.op.key(&in) // as checked: normalized
		pr.Key = key
		if err != nil {
			r.record(settle([]Result[T]{pr}, Failed, err.Error(), err)...)
			continue
		}
		if inBatch[key] {
			dispatch()
		}
		if j := owner[key]; j != nil {
			dispatch() // send what is ready before waiting
			<-j.done   // the batch always ends: its worker records an outcome, also on cancellation
			prune()
		}
		batch = append(batch, pr)
		inBatch[key] = true
		if len(batch) == r.cfg.batchSize {
			dispatch()
		}
	}
	dispatch()
}

// settle gives every result of b (which the caller owns) the same outcome, and returns b.
func settle[T any](b []Result[T], status Status, reason string, err error) []Result[T] {
	for i := range b {
		b[i].Status, b[i].Reason, b[i].Err = status, reason, err
	}
	return b
}

// send runs one batch to an outcome, sending it again while the server answers 429.
func (r *bulkRun[T]) send(ctx context.Context, batch []Result[T]) {
	items := make([]T, len(batch))
	for i, pr := range batch {
		items[i] = *pr.Item
	}
	for attempt := 1; ; attempt++ {
		if err := r.pace.wait(r.pacing); errors.Is(err, ErrStoppedEarly) {
			r.stop(err) // the deadline comes before the pause or the pace allows a call
		}
		if why := r.halted(ctx); why != nil {
			r.record(settle(batch, NotAttempted, notApplied(why), why)...)
			return
		}
		r.mu.Lock()
		r.res.Batches++
		r.mu.Unlock()
		outcomes, additional, err := r.op.send(withRetryLimit(ctx, noRateLimitRetry), r.c, items)
		if err == nil {
			r.pace.succeeded()
			r.resolve(batch, outcomes, additional)
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
		if r.op.uncertain != "" && mayHaveApplied(err) {
			reason += " (" + r.op.uncertain + ")"
		}
		r.record(settle(batch, Failed, reason, err)...)
		return
	}
}

// resolve records a batch's outcomes as the operation's answer says.
func (r *bulkRun[T]) resolve(batch []Result[T], outcomes []batchOutcome, additional map[string]string) {
	for i, o := range outcomes {
		switch {
		case o.applied:
			batch[i].Status, batch[i].Item = Applied, nil
		case o.existing:
			batch[i].Status = Existing
		default:
			batch[i].Status, batch[i].Reason = Failed, o.reason
		}
	}
	if len(additional) > 0 {
		r.mu.Lock()
		if r.res.AdditionalErrors == nil {
			r.res.AdditionalErrors = map[string]string{}
		}
		maps.Copy(r.res.AdditionalErrors, additional)
		r.mu.Unlock()
	}
	r.record(batch...)
}

// record files outcomes, hands them to the result func or keeps them, and reports progress.
// Reasons are shown text: they are scrubbed of the management key here, after everything that
// builds them.
func (r *bulkRun[T]) record(results ...Result[T]) {
	if len(results) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range results {
		pr := &results[i]
		pr.Reason = r.c.redact.show(pr.Reason)
		switch pr.Status {
		case Applied:
			r.res.Applied++
			r.done++
		case Failed:
			r.res.Failed++
			r.done++
			r.failed++
		case NotAttempted:
			r.res.NotAttempted++
		case Existing:
			r.res.Existing++
			r.done++
		}
	}
	if r.results != nil {
		r.results(results)
	} else {
		r.res.Results = append(r.res.Results, results...)
	}
	if r.cfg.progress != nil {
		r.cfg.progress(Progress{Done: r.done, Failed: r.failed, Total: r.cfg.total})
	}
}
