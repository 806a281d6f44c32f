package api

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestPacerFixedRateOnlyPauses(t *testing.T) {
	p := newPacer(50, 2, 1, time.Minute)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	p.rateLimited(3 * time.Second)
	if p.lim.Limit() != 50 || !p.pauseUntil.Equal(now.Add(3*time.Second)) {
		t.Fatalf("limit %v, pause until %v", p.lim.Limit(), p.pauseUntil)
	}
	p.rateLimited(0) // same episode, no Retry-After: the longer pause stands
	if !p.pauseUntil.Equal(now.Add(3*time.Second)) || p.episodes != 1 {
		t.Fatalf("pause until %v, episodes %d", p.pauseUntil, p.episodes)
	}
}

func TestPacerAdaptive(t *testing.T) {
	p := newPacer(0, 0, 1, time.Minute)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	if err := p.wait(context.Background()); err != nil || p.lim != nil {
		t.Fatalf("before any 429 there is no pacing: %v %v", err, p.lim)
	}
	// 25 successes in the last second before the 429, 25 older ones that do not count.
	for i := range 50 {
		now = time.Unix(999, 0).Add(time.Duration(i) * 40 * time.Millisecond)
		p.succeeded()
	}
	now = time.Unix(1001, 0).Add(-30 * time.Millisecond)
	p.rateLimited(time.Second)
	if inWindow := p.since(now, time.Second); inWindow != 25 || p.lim == nil || p.lim.Limit() != rate.Limit(0.9*25) {
		t.Fatalf("limit %v after a 429 with %d successes in the window, want 22.5 from 25", p.lim, inWindow)
	}
	first := p.lim.Limit()
	// Other workers' 429s from before the pause are the same episode.
	p.rateLimited(time.Second)
	if p.episodes != 1 || p.lim.Limit() != first {
		t.Fatalf("episodes %d, limit %v", p.episodes, p.lim.Limit())
	}
	// While looking for the limit, the rate doubles every half second after the pause.
	now = p.pauseUntil.Add(600 * time.Millisecond)
	p.mu.Lock()
	p.grow(now)
	p.mu.Unlock()
	if p.lim.Limit() != 2*first {
		t.Fatalf("limit %v, want %v", p.lim.Limit(), 2*first)
	}
	// A second episode sets the rate from what got through, and growth slows to 5% a second.
	for range 20 {
		p.succeeded()
	}
	p.rateLimited(time.Second)
	if p.episodes != 2 || p.lim.Limit() != 18 {
		t.Fatalf("episodes %d, limit %v, want 18", p.episodes, p.lim.Limit())
	}
	now = p.pauseUntil.Add(1100 * time.Millisecond)
	p.mu.Lock()
	p.grow(now)
	p.mu.Unlock()
	if got := float64(p.lim.Limit()); got < 18.89 || got > 18.91 {
		t.Fatalf("limit %v, want 18.9", got)
	}
}

func TestPacerWaitEndsWithContext(t *testing.T) {
	p := newPacer(0, 0, 1, time.Minute)
	p.rateLimited(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
}

// A long Retry-After is a fixed window's lock-out: the rate is set once from the calls that got
// through in it, 95% of them over the Retry-After, and not raised after; a second lock-out
// lowers it.
func TestPacerLockout(t *testing.T) {
	p := newPacer(0, 0, 1, time.Minute)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	// 100 calls got through in the 10 s before the lock-out, 30 more long before it.
	for i := range 130 {
		if i == 30 {
			now = now.Add(2 * time.Minute)
		}
		now = now.Add(100 * time.Millisecond)
		p.succeeded()
	}
	p.rateLimited(time.Minute)
	want := rate.Limit(95.0 / 60)
	if p.lim == nil || p.lim.Limit() != want || !p.windowed {
		t.Fatalf("limit %v after a lock-out, want %v", p.lim, want)
	}
	// No growth after the back-off.
	now = p.pauseUntil.Add(10 * time.Minute)
	p.mu.Lock()
	p.grow(now)
	p.mu.Unlock()
	if p.lim.Limit() != want {
		t.Fatalf("limit grew to %v", p.lim.Limit())
	}
	// A second lock-out: at most 80% of the rate before it.
	for range 200 {
		now = now.Add(100 * time.Millisecond)
		p.succeeded()
	}
	p.rateLimited(time.Minute)
	if p.episodes != 2 || p.lim.Limit() != 0.8*want {
		t.Fatalf("episodes %d, limit %v, want %v", p.episodes, p.lim.Limit(), 0.8*want)
	}
}

// On an API clock running 100 times as fast, a Retry-After of 60 s pauses 0.6 s of real time,
// a rate of 2 calls a second paces at 200 real ones, and the look-back of a lock-out is 0.6 s.
func TestPacerTimeScale(t *testing.T) {
	p := newPacer(2, 1, 100, time.Minute)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	p.rateLimited(time.Minute)
	if p.lim.Limit() != 200 || !p.pauseUntil.Equal(now.Add(600*time.Millisecond)) {
		t.Fatalf("limit %v, pause until %v", p.lim.Limit(), p.pauseUntil.Sub(now))
	}

	p = newPacer(0, 0, 100, time.Minute)
	p.now = func() time.Time { return now }
	for range 50 {
		now = now.Add(10 * time.Millisecond) // 50 calls in 0.5 s real: 50 s of the API's time
		p.succeeded()
	}
	p.rateLimited(time.Minute)
	if want := rate.Limit(0.95 * 50 / 0.6); p.lim.Limit() != want {
		t.Fatalf("limit %v real calls/s, want %v", p.lim.Limit(), want)
	}
}
