package api

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestPacerFixedRateOnlyPauses(t *testing.T) {
	p := newPacer(50, 2)
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
	p := newPacer(0, 0)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	if err := p.wait(context.Background()); err != nil || p.lim != nil {
		t.Fatalf("before any 429 there is no pacing: %v %v", err, p.lim)
	}
	// 40 successes over the last second, 10 older ones that no longer count.
	for i := range 50 {
		now = time.Unix(999, 0).Add(time.Duration(i) * 40 * time.Millisecond)
		p.succeeded()
	}
	now = time.Unix(1001, 0).Add(-30 * time.Millisecond)
	p.rateLimited(time.Second)
	if p.lim == nil || p.lim.Limit() != rate.Limit(0.9*float64(len(p.successes))) {
		t.Fatalf("limit %v after a 429 with %d successes in the window", p.lim, len(p.successes))
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
	p := newPacer(0, 0)
	p.rateLimited(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
}
