package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the one rate control that all of PatchAll's workers share.
//
//   - A 429 pauses every worker until its Retry-After has passed (a second when none was given).
//   - With WithPace (PaceUnder or PaceAt) the calls are paced at that rate, fixed.
//   - Without them, pacing starts after the first 429, from the calls that got through before
//     it. A short Retry-After (under lockoutRetryAfter) is a token bucket's: the rate is 90% of
//     the calls that succeeded in the second before the 429, and then doubles every half second
//     without a 429 until the next one, which sets it again from what got through; after that
//     it grows by 5% a second. A long Retry-After is a fixed window's lock-out, as Descope
//     documents (a count per minute, then a minute's back-off): the calls that succeeded in the
//     Retry-After before the 429 are the window's count, the rate is 95% of it over that time,
//     and it is never raised, since every further lock-out costs a whole back-off (a second
//     lock-out lowers it by a fifth more). 429s answered to calls sent before a pause began
//     belong to the same episode and change nothing more.
//
// Durations and rates are those of the API's clock, which WithTimeScale lets a test run faster:
// the pacer converts them to real time (divides durations by scale, multiplies rates by it) where
// it sleeps and where it counts.
type pacer struct {
	mu         sync.Mutex
	lim        *rate.Limiter // nil until there is a rate to keep; real-time rate
	adaptive   bool
	windowed   bool // the rate was set from a lock-out: it is not raised
	episodes   int  // 429 episodes met: 429s while already paused belong to the current one
	pauseUntil time.Time
	grownAt    time.Time
	successes  []time.Time // successful calls within keep (adaptive only)
	keep       time.Duration
	scale      float64
	now        func() time.Time
}

const (
	paceWindow = time.Second
	// lockoutRetryAfter is the shortest Retry-After read as a fixed window's lock-out.
	lockoutRetryAfter = 10 * time.Second
)

// newPacer paces at rps calls per second with burst (0: adaptive), on an API clock running scale
// times as fast as real time. keep is the longest look-back an adaptive pacer needs: the
// longest Retry-After it waits out.
func newPacer(rps float64, burst int, scale float64, keep time.Duration) *pacer {
	p := &pacer{now: time.Now, scale: scale, keep: toReal(max(keep, paceWindow), scale)}
	if rps > 0 {
		p.lim = apiLimiter(rps, burst, scale)
	} else {
		p.adaptive = true
	}
	return p
}

// apiLimiter is a token bucket of rps calls a second with burst on the API's clock, which runs
// scale times as fast as real time (WithTimeScale).
func apiLimiter(rps float64, burst int, scale float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(rps*scale), burst)
}

// callPace is the fixed pace of a sequence of calls of one operation: the searches of PlanSync,
// the pages of SearchAll. A nil *callPace paces nothing.
type callPace struct {
	lim *rate.Limiter
	op  string // the operation, for the error
}

func newCallPace(op string, rps float64, burst int, scale float64) *callPace {
	if rps <= 0 {
		return nil
	}
	return &callPace{lim: apiLimiter(rps, burst, scale), op: op}
}

// wait returns when the pace allows the next call, or the context's error, or an error wrapping
// context.DeadlineExceeded when the deadline comes before the pace allows one.
func (p *callPace) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	if err := p.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("descope: %s: %w: the pace allows no call before it", p.op, context.DeadlineExceeded)
	}
	return nil
}

// toReal converts a duration of the API's clock to real time.
func toReal(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) / scale)
}

// succeeded records a call that was not rate limited.
func (p *pacer) succeeded() {
	if !p.adaptive {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.successes = append(p.trim(now), now)
}

// trim drops the successes older than keep. Called with mu held.
func (p *pacer) trim(now time.Time) []time.Time {
	i := 0
	for i < len(p.successes) && now.Sub(p.successes[i]) > p.keep {
		i++
	}
	return append(p.successes[:0], p.successes[i:]...)
}

// since counts the successes in the last d (real time). Called with mu held.
func (p *pacer) since(now time.Time, d time.Duration) int {
	n := 0
	for i := len(p.successes) - 1; i >= 0 && now.Sub(p.successes[i]) <= d; i-- {
		n++
	}
	return n
}

// rateLimited records a 429 with the server's Retry-After (0 when it sent none), in the API's
// clock.
func (p *pacer) rateLimited(retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	wait := toReal(retryAfter, p.scale)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	sameEpisode := now.Before(p.pauseUntil)
	if until := now.Add(wait); until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	if sameEpisode {
		return
	}
	p.episodes++
	if !p.adaptive {
		return
	}
	p.successes = p.trim(now)
	var r rate.Limit
	if retryAfter >= lockoutRetryAfter {
		look := min(wait, p.keep)
		r = rate.Limit(max(1, 0.95*float64(p.since(now, look))) / look.Seconds())
		if p.lim != nil {
			r = min(r, 0.8*p.lim.Limit())
		}
		p.windowed = true
	} else {
		look := toReal(paceWindow, p.scale)
		r = rate.Limit(max(1, 0.9*float64(p.since(now, look))) / look.Seconds())
	}
	if p.lim == nil {
		p.lim = rate.NewLimiter(r, 1)
	} else if r < p.lim.Limit() {
		p.lim.SetLimitAt(now, r)
	}
	p.grownAt = p.pauseUntil
}

// grow raises an adaptive rate while no 429 comes. Called with mu held.
func (p *pacer) grow(now time.Time) {
	if !p.adaptive || p.lim == nil || p.windowed {
		return
	}
	every, factor := paceWindow, 1.05
	if p.episodes == 1 {
		every, factor = paceWindow/2, 2 // still looking for the limit
	}
	if now.Sub(p.grownAt) < toReal(every, p.scale) {
		return
	}
	p.lim.SetLimitAt(now, p.lim.Limit()*rate.Limit(factor))
	p.grownAt = now
}

// wait blocks until the shared pause is over and the rate allows a call, or ctx ends. When ctx
// has a deadline that comes before the pause or the rate allows a call, it returns
// errDeadlineNear at once instead of waiting for the deadline.
func (p *pacer) wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		now := p.now()
		d := p.pauseUntil.Sub(now)
		if d <= 0 {
			p.grow(now)
		}
		lim := p.lim
		p.mu.Unlock()
		if d <= 0 {
			if lim == nil {
				return nil
			}
			if err := lim.Wait(ctx); err != nil {
				if ctx.Err() == nil {
					return errDeadlineNear // rate.Limiter refuses a wait that would pass the deadline
				}
				return ctx.Err()
			}
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			return errDeadlineNear
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
