package api

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// isRetryableStatus lists the answers worth trying again: 429, and the transient gateway and
// edge errors that Descope's own SDK retries (503, 520, 521, 522, 524, 530) plus 502 and 504.
//
// 500 is not retried, as in Descope's SDK: it reports a failure of the call itself rather than of
// the path to the server, and repeating it would spend the project's rate limit for nothing.
func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		520, 521, 522, 524, 530:
		return true
	}
	return false
}

// retryPolicy decides whether a failed attempt is tried again. Every operation but one sets values
// (none appends or counts), so repeating one that may have reached the server is safe. The
// exception, UpdateLoginID, renames the key it is sent with: its calls carry
// the noUncertainRetry limit.
//
// Retry-After and maxRetryAfter are in the API's time; scale (WithTimeScale) converts a wait to
// real time where it is compared with the context's deadline.
func retryPolicy(maxRetryAfter time.Duration, scale float64) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if hasRetryLimit(ctx, noUncertainRetry) && !surelyNotApplied(resp, err) {
			return false, nil
		}
		if err != nil {
			if errors.Is(err, ErrResponseTooLarge) {
				return false, err
			}
			// Connection errors, and a body cut mid-read, are retried; TLS, scheme, header
			// and redirect errors are not.
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}
		if !isRetryableStatus(resp.StatusCode) {
			return false, nil
		}
		if resp.StatusCode == http.StatusTooManyRequests && hasRetryLimit(ctx, noRateLimitRetry) {
			return false, nil
		}
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if d > maxRetryAfter {
				return false, nil
			}
			// Waiting would outlive the caller's deadline: hand the answer back now.
			if dl, ok := ctx.Deadline(); ok && time.Now().Add(toReal(d, scale)).After(dl) {
				return false, nil
			}
		}
		return true, nil
	}
}

// backoff honours the server's Retry-After when there is one (retryPolicy has already checked it
// against the cap and the deadline); otherwise it waits exponentially longer from minWait,
// capped at maxWait, with "equal jitter": half of the wait fixed, half random, so that clients
// that failed together do not retry together. The wait itself is cut short by the request's
// context, so no sleep outlives the caller's deadline.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d
		}
	}
	d := maxWait
	if attempt < 30 {
		if e := minWait << attempt; e > 0 && e < maxWait {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// scaledBackoff is backoff on an API clock running scale times as fast as real time: the wait is
// computed in the API's time and slept for 1/scale of it.
func scaledBackoff(scale float64) retryablehttp.Backoff {
	if scale == 1 {
		return backoff
	}
	return func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		return toReal(backoff(minWait, maxWait, attempt, resp), scale)
	}
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfterHeader/time.Second) {
			return maxRetryAfterHeader, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfterHeader), true
	}
	return 0, false
}

// maxRetryAfterHeader caps what parseRetryAfter reads, in seconds and HTTP dates alike: a day
// is already far beyond any wait a client honours.
const maxRetryAfterHeader = 24 * time.Hour

// retryLimit is a restriction a call's context puts on the retry policy; the context key is the
// restriction itself.
type retryLimit int

const (
	// noRateLimitRetry hands a 429 back at once: PatchAll backs off for all its workers
	// together instead of each worker sleeping on its own.
	noRateLimitRetry retryLimit = iota
	// noUncertainRetry retries only attempts that surely did not reach the operation (see
	// surelyNotApplied): for a call that cannot be repeated once applied, such as a login ID
	// change, whose retry would name a login ID that no longer exists.
	noUncertainRetry
)

// withRetryLimit returns ctx with the retry policy restricted by l.
func withRetryLimit(ctx context.Context, l retryLimit) context.Context {
	return context.WithValue(ctx, l, true)
}

func hasRetryLimit(ctx context.Context, l retryLimit) bool {
	v, _ := ctx.Value(l).(bool)
	return v
}

// surelyNotApplied reports whether a failed attempt surely left the user unchanged: a 429 (the
// rate limit refuses a call before it runs) or a connection that could not be opened. A 5xx
// from the edge, a connection reset or a body cut mid-read may come after the change was made.
func surelyNotApplied(resp *http.Response, err error) bool {
	if err != nil {
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial"
	}
	return resp.StatusCode == http.StatusTooManyRequests
}
