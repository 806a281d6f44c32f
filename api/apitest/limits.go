package apitest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// WindowLimit is one of Descope's rate limits as the fake models it: the project may send Count
// calls to the routes Paths names in a fixed Window, which starts at the first call after the
// last window or lock-out ended. The call beyond Count starts a Lockout, during which every call
// to those routes is answered 429 E130429 with the lock-out's remaining seconds, rounded up, in
// Retry-After. Paths are path prefixes ("/v1/mgmt/user/update" covers update/email too); a limit
// with no Paths covers every path that no other limit names. A call counts against the limit
// with the longest matching prefix.
type WindowLimit struct {
	Name    string
	Paths   []string
	Limit   api.Limit
	Lockout time.Duration
}

// DescopeLimits are the limits Descope documents per project (see api.LimitUserUpdate...), each
// with its 60-second back-off. The documentation names the v1 search path; the fake applies
// that limit to the v2 paths the SDKs call too.
func DescopeLimits() []WindowLimit {
	return []WindowLimit{
		{"user create", []string{"/v1/mgmt/user/create"}, api.LimitUserCreate, api.DocumentedBackoff},
		{"user update", []string{"/v1/mgmt/user/update", "/v2/mgmt/user/update"}, api.LimitUserUpdate, api.DocumentedBackoff},
		{"user search", []string{"/v1/mgmt/user/search", "/v2/mgmt/user/search"}, api.LimitUserSearch, api.DocumentedBackoff},
		{"other management calls", nil, api.LimitDefault, api.DocumentedBackoff},
	}
}

// WithLimits makes the server enforce fixed-window limits with lock-outs, as Descope does (see
// WindowLimit and DescopeLimits). It can be combined with WithRateLimit's token bucket, which is
// checked first. WithTimeScale runs their clock faster.
func WithLimits(limits ...WindowLimit) Option {
	return func(c *config) { c.limits = append([]WindowLimit(nil), limits...) }
}

// WithTimeScale runs the clock of WithLimits scale times as fast as real time: with scale 100, a
// 60-second window and lock-out pass in 0.6 s, and a Retry-After of 60 means 0.6 s of real time.
// The Retry-After header still counts the API's seconds, as Descope's does; a client under test
// must run its waits on the same clock (api.WithTimeScale with the same scale). The default, 1,
// is real time.
func WithTimeScale(scale float64) Option { return func(c *config) { c.timeScale = scale } }

func checkLimits(limits []WindowLimit, scale float64) error {
	if !(scale > 0) || math.IsInf(scale, 0) {
		return fmt.Errorf("WithTimeScale: the scale must be a positive, finite number (got %v)", scale)
	}
	fallbacks := 0
	for _, l := range limits {
		switch {
		case l.Limit.Count < 1 || l.Limit.Window <= 0 || l.Lockout < 0:
			return fmt.Errorf("WithLimits: %q needs a count of at least 1, a positive window and a lock-out of 0 or more (got %v, lock-out %v)", l.Name, l.Limit, l.Lockout)
		case len(l.Paths) == 0:
			fallbacks++
		}
		for _, p := range l.Paths {
			if !strings.HasPrefix(p, "/") {
				return fmt.Errorf("WithLimits: %q: path %q does not start with /", l.Name, p)
			}
		}
	}
	if fallbacks > 1 {
		return errors.New("WithLimits: more than one limit has no Paths")
	}
	return nil
}

// windows enforces WithLimits.
type windows struct {
	limits []WindowLimit
	base   time.Time // real time at which the API's clock reads base too
	scale  float64
	now    func() time.Time // the API's clock: scaled, or a test's

	mu    sync.Mutex
	state []windowState
}

type windowState struct {
	start       time.Time // of the current window; zero: none open
	count       int
	lockedUntil time.Time
}

func newWindows(limits []WindowLimit, scale float64) *windows {
	w := &windows{limits: limits, base: time.Now(), scale: scale, state: make([]windowState, len(limits))}
	w.now = w.scaled
	return w
}

// scaled is the API's clock: real time since base, scale times as fast.
func (w *windows) scaled() time.Time {
	return w.base.Add(time.Duration(float64(time.Since(w.base)) * w.scale))
}

// match returns the index of the limit a path counts against, or -1.
func (w *windows) match(path string) int {
	best, bestLen := -1, -1
	for i, l := range w.limits {
		if len(l.Paths) == 0 && bestLen < 0 {
			best = i
		}
		for _, p := range l.Paths {
			if (path == p || strings.HasPrefix(path, p+"/")) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	return best
}

// allow counts a call to path, or says how many of the API's seconds (at least 1) its lock-out
// has left, and whether this call started it.
func (w *windows) allow(path string) (retryAfter int, started, ok bool) {
	i := w.match(path)
	if i < 0 {
		return 0, false, true
	}
	l := w.limits[i]
	w.mu.Lock()
	defer w.mu.Unlock()
	now, st := w.now(), &w.state[i]
	if now.Before(st.lockedUntil) {
		return seconds(st.lockedUntil.Sub(now)), false, false
	}
	if st.start.IsZero() || now.Sub(st.start) >= l.Limit.Window {
		st.start, st.count = now, 0
	}
	if st.count < l.Limit.Count {
		st.count++
		return 0, false, true
	}
	// The call beyond the count: a lock-out, and a fresh window after it.
	st.lockedUntil, st.start = now.Add(l.Lockout), time.Time{}
	return seconds(l.Lockout), true, false
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }
