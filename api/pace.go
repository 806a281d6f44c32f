package api

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the one rate control that all of PatchAll's workers share.
//
//   - A 429 pauses every worker until its Retry-After has passed (a second when none was given).
//   - With WithRateLimit the calls are paced at that rate, fixed.
//   - Without it, pacing starts after the first 429: at 90% of the calls that succeeded in the
//     second before it. The rate then doubles every half second without a 429 until the next
//     one, which sets it again from what got through; after that it grows by 5% a second. A
//     server's rate limit is thus found in a few seconds, and then kept under, instead of being
//     run into at every Retry-After. 429s answered to calls sent before a pause began belong to
//     the same episode and change nothing more.
type pacer struct {
	mu         sync.Mutex
	lim        *rate.Limiter // nil until there is a rate to keep
	adaptive   bool
	episodes   int // 429 episodes met: 429s while already paused belong to the current one
	pauseUntil time.Time
	grownAt    time.Time
	successes  []time.Time // successful calls in the last second (adaptive only)
	now        func() time.Time
}

const paceWindow = time.Second

func newPacer(rps float64, burst int) *pacer {
	p := &pacer{now: time.Now}
	if rps > 0 {
		p.lim = rate.NewLimiter(rate.Limit(rps), burst)
	} else {
		p.adaptive = true
	}
	return p
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

// trim drops the successes older than the window. Called with mu held.
func (p *pacer) trim(now time.Time) []time.Time {
	i := 0
	for i < len(p.successes) && now.Sub(p.successes[i]) > paceWindow {
		i++
	}
	return append(p.successes[:0], p.successes[i:]...)
}

// rateLimited records a 429 with the server's Retry-After (0 when it sent none).
func (p *pacer) rateLimited(retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	sameEpisode := now.Before(p.pauseUntil)
	if until := now.Add(retryAfter); until.After(p.pauseUntil) {
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
	r := rate.Limit(max(1, 0.9*float64(len(p.successes))/paceWindow.Seconds()))
	if p.lim == nil {
		p.lim = rate.NewLimiter(r, 1)
	} else if r < p.lim.Limit() {
		p.lim.SetLimitAt(now, r)
	}
	p.grownAt = p.pauseUntil
}

// grow raises an adaptive rate while no 429 comes. Called with mu held.
func (p *pacer) grow(now time.Time) {
	if !p.adaptive || p.lim == nil {
		return
	}
	every, factor := paceWindow, 1.05
	if p.episodes == 1 {
		every, factor = paceWindow/2, 2 // still looking for the limit
	}
	if now.Sub(p.grownAt) < every {
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
