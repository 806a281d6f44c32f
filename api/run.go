package api

import (
	"fmt"
	"math"
)

// RunOption configures a run of many calls: a bulk run (PatchAll, PatchSeq), the searches of a
// sync (PlanSync, Apply) and the pages of SearchAll. Each run reads the options that concern it
// and ignores the others.
type RunOption func(*runConfig)

type runConfig struct {
	batchSize   int
	concurrency int
	pace        Pace
	attempts429 int
	pageSize    int
	progress    func(Progress)
	results     any // func([]Result[T]) for the run's T: WithResultFunc
	total       int
}

// Defaults of the run options.
const (
	DefaultBatchSize           = 100
	DefaultConcurrency         = 4
	DefaultRateLimitedAttempts = 10
)

func newRunConfig(opts []RunOption) runConfig {
	cfg := runConfig{batchSize: DefaultBatchSize, concurrency: DefaultConcurrency, attempts429: DefaultRateLimitedAttempts,
		pageSize: DefaultSyncPageSize, total: -1}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

// check refuses options no run can keep, naming them.
func (cfg *runConfig) check() error {
	switch {
	case cfg.batchSize < 1:
		return invalid("batch size %d is less than 1", cfg.batchSize)
	case cfg.concurrency < 1:
		return invalid("concurrency %d is less than 1", cfg.concurrency)
	case cfg.attempts429 < 1:
		return invalid("rate-limited attempts %d is less than 1", cfg.attempts429)
	case cfg.pageSize < 1 || cfg.pageSize > math.MaxInt32:
		return invalid("page size %d is not between 1 and %d", cfg.pageSize, math.MaxInt32)
	}
	_, _, err := cfg.pace.rate()
	return err
}

// Pace is how a run paces its calls, all its workers together: under a fixed-window Limit
// (PaceUnder), at a token bucket's rate (PaceAt), or, the zero Pace, not at all until the API
// answers 429 (a bulk run then finds the limit from the 429s; see PatchAll).
type Pace struct {
	limit *Limit
	rps   float64
	burst int
}

// PaceUnder paces so that no window of l.Window holds more than l.Count calls: one at a time,
// at 97% of Count per Window (see Limit). Descope's documented limits are LimitUserCreate,
// LimitUserUpdate, LimitUserSearch and LimitDefault; a project on a higher tier passes its own.
func PaceUnder(l Limit) Pace { return Pace{limit: &l} }

// PaceAt paces at callsPerSecond, with burst calls allowed at once: a token bucket.
func PaceAt(callsPerSecond float64, burst int) Pace { return Pace{rps: callsPerSecond, burst: burst} }

// rate is the token bucket that keeps the pace (0: none), or an error naming why it cannot be
// kept.
func (p Pace) rate() (rps float64, burst int, err error) {
	if p.limit != nil {
		return p.limit.pace()
	}
	if !(p.rps >= 0) || math.IsInf(p.rps, 0) || (p.rps > 0 && p.burst < 1) { // NaN fails the first test
		return 0, 0, invalid("a pace needs a finite rate of 0 or more and, with a rate, a burst of at least 1 (got %v, %d)", p.rps, p.burst)
	}
	return p.rps, p.burst, nil
}

func (p Pace) String() string {
	switch {
	case p.limit != nil:
		return "under " + p.limit.String()
	case p.rps > 0:
		return fmt.Sprintf("at %g calls/s, burst %d", p.rps, p.burst)
	}
	return "by the API's 429s"
}

// WithPace paces the run's calls (see Pace): PatchAll's batches, PlanSync's searches, SearchAll's
// pages. Without it they are not paced (PatchAll then finds the limit from the API's 429s).
func WithPace(p Pace) RunOption { return func(c *runConfig) { c.pace = p } }

// WithBatchSize sets how many inputs go in one batch call (DefaultBatchSize).
func WithBatchSize(n int) RunOption { return func(c *runConfig) { c.batchSize = n } }

// WithConcurrency sets how many calls are in flight at once (DefaultConcurrency): a bulk run's
// batches, a sync's searches.
func WithConcurrency(n int) RunOption { return func(c *runConfig) { c.concurrency = n } }

// WithPageSize sets how many users one search of PlanSync names and asks for
// (DefaultSyncPageSize).
func WithPageSize(n int) RunOption { return func(c *runConfig) { c.pageSize = n } }

// WithRateLimitedAttempts sets how many times one batch is sent while the server answers 429
// (DefaultRateLimitedAttempts) before its inputs are reported failed.
func WithRateLimitedAttempts(n int) RunOption { return func(c *runConfig) { c.attempts429 = n } }

// WithProgressFunc calls fn after every batch of a bulk run. Calls are never concurrent, so fn
// needs no locking; it should return quickly.
func WithProgressFunc(fn func(Progress)) RunOption { return func(c *runConfig) { c.progress = fn } }

// WithResultFunc hands a bulk run's results to fn as soon as they are known, instead of
// collecting them in BulkResult.Results: a run of any length then holds only the batches in
// flight. fn gets the results of one batch, or of one input that failed alone or a group that
// was not applied, and is called once for every input in all. Calls are never concurrent and
// happen before the run takes the next step that depends on them (a later input for the same
// key waits for the call that reports the earlier one), so fn may record them durably, as the
// command-line tool's journal does. The workers wait for fn; it should not take long. T is the
// run's input type (UserPatch for PatchAll); fn of another type is refused by the run.
func WithResultFunc[T any](fn func([]Result[T])) RunOption {
	return func(c *runConfig) { c.results = fn }
}

// WithTotal tells a run over an iterator how many inputs it yields, for Progress.Total.
func WithTotal(n int) RunOption { return func(c *runConfig) { c.total = n } }
