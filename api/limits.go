package api

import (
	"fmt"
	"time"
)

// Limit is a fixed-window rate limit: at most Count calls in any Window. Descope counts its
// management limits per project, and answers the call beyond one with 429 E130429 and a
// Retry-After, then refuses every call to the same routes until a back-off has passed.
type Limit struct {
	Count  int
	Window time.Duration
}

func (l Limit) String() string { return fmt.Sprintf("%d per %v", l.Count, l.Window) }

// The management rate limits Descope documents (docs.descope.com/rate-limiting), per project,
// each followed by a 60-second back-off once exceeded. Projects on a higher tier may have more;
// pass the project's own numbers to PaceUnder then.
var (
	// LimitUserCreate is /v1/mgmt/user/create and create/batch.
	LimitUserCreate = Limit{Count: 100, Window: time.Minute}
	// LimitUserUpdate is /v1/mgmt/user/update and, as this package reads it, every update/...
	// path under it (status, email, roles, tenants, SSO apps...).
	LimitUserUpdate = Limit{Count: 200, Window: time.Minute}
	// LimitUserSearch is user search (the page names the v1 path; this package applies it to
	// the v2 paths the SDKs call, and to the test-user search).
	LimitUserSearch = Limit{Count: 200, Window: time.Minute}
	// LimitDefault is every management path without a limit of its own: the documented limit
	// of raw API traffic. Patch and batch patch (PatchAll) fall under it.
	LimitDefault = Limit{Count: 100, Window: time.Minute}
)

// DocumentedBackoff is how long Descope refuses calls after a limit is exceeded.
const DocumentedBackoff = time.Minute

// pace returns the token-bucket rate and burst that keep any window of l within l.Count calls.
// A bucket of burst 1 at rate r grants at most 1 + r*Window calls in a window; calls also reach
// the server after varying delays, which can bring a call granted just before a window into it.
// So the bucket grants Count-1 calls per window, less 2% of Count (97 of 100), which leaves
// room for a delay of up to 2% of the window (1.2 s of a minute).
func (l Limit) pace() (rps float64, burst int, err error) {
	if l.Count < 2 || l.Window <= 0 {
		return 0, 0, invalid("a limit needs a count of at least 2 and a positive window (got %v)", l)
	}
	return float64(l.Count-1-l.Count/50) / l.Window.Seconds(), 1, nil
}
