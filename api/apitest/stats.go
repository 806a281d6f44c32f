package apitest

import (
	"io"
	"log"
	"sync/atomic"
)

// discardLogger silences net/http's own log lines (a client that hangs up mid-answer is normal
// here: faults do it on purpose).
var discardLogger = log.New(io.Discard, "", 0)

// operations are the operationIds the fake serves, in a fixed order; counters.byOp has one
// slot per operation and a last one for requests that match none.
var operations = [...]string{
	"UpdateUserCustomAttribute",
	"UpdateUserName",
	"UpdateUserPicture",
	"UpdateUserPhone",
	"PatchUser",
	"PatchUserBatch",
	"GetLicense",
}

func opIndex(op string) int {
	for i, o := range operations {
		if o == op {
			return i
		}
	}
	return len(operations)
}

// counters are lock-free so that they cost the hot path next to nothing.
type counters struct {
	requests       atomic.Int64
	byStatus       [600]atomic.Int64
	byOp           [len(operations) + 1]atomic.Int64
	rateLimited    atomic.Int64
	injectedErrors atomic.Int64
	injectedCuts   atomic.Int64
	canceled       atomic.Int64
	patchedUsers   atomic.Int64
	failedUsers    atomic.Int64
	updatedUsers   atomic.Int64
}

func (c *counters) snapshot() Stats {
	st := Stats{
		Requests:       c.requests.Load(),
		ByStatus:       map[int]int64{},
		ByOperation:    map[string]int64{},
		RateLimited:    c.rateLimited.Load(),
		InjectedErrors: c.injectedErrors.Load(),
		InjectedCuts:   c.injectedCuts.Load(),
		Canceled:       c.canceled.Load(),
		PatchedUsers:   c.patchedUsers.Load(),
		FailedUsers:    c.failedUsers.Load(),
		UpdatedUsers:   c.updatedUsers.Load(),
	}
	for code := range c.byStatus {
		if n := c.byStatus[code].Load(); n != 0 {
			st.ByStatus[code] = n
		}
	}
	for i := range c.byOp {
		if n := c.byOp[i].Load(); n != 0 {
			op := ""
			if i < len(operations) {
				op = operations[i]
			}
			st.ByOperation[op] = n
		}
	}
	return st
}
