package apitest

import (
	"io"
	"log"
	"sync/atomic"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// discardLogger silences net/http's own log lines (a client that hangs up mid-answer is normal
// here: faults do it on purpose).
var discardLogger = log.New(io.Discard, "", 0)

// counters are lock-free so that they cost the hot path next to nothing.
type counters struct {
	requests       atomic.Int64
	byStatus       [600]atomic.Int64
	byOp           map[string]*atomic.Int64 // every operationId of the spec, and "" for none; read-only after newCounters
	rateLimited    atomic.Int64
	lockouts       atomic.Int64
	injectedErrors atomic.Int64
	injectedCuts   atomic.Int64
	canceled       atomic.Int64
	patchedUsers   atomic.Int64
	failedUsers    atomic.Int64
	updatedUsers   atomic.Int64
	createdUsers   atomic.Int64
	deletedUsers   atomic.Int64
}

func newCounters() *counters {
	c := &counters{byOp: map[string]*atomic.Int64{"": {}}}
	for _, op := range spec.Operations() {
		c.byOp[op.ID] = &atomic.Int64{}
	}
	return c
}

func (c *counters) countOperation(op string) { c.byOp[op].Add(1) }

func (c *counters) snapshot() Stats {
	st := Stats{
		Requests:       c.requests.Load(),
		ByStatus:       map[int]int64{},
		ByOperation:    map[string]int64{},
		RateLimited:    c.rateLimited.Load(),
		Lockouts:       c.lockouts.Load(),
		InjectedErrors: c.injectedErrors.Load(),
		InjectedCuts:   c.injectedCuts.Load(),
		Canceled:       c.canceled.Load(),
		PatchedUsers:   c.patchedUsers.Load(),
		FailedUsers:    c.failedUsers.Load(),
		UpdatedUsers:   c.updatedUsers.Load(),
		CreatedUsers:   c.createdUsers.Load(),
		DeletedUsers:   c.deletedUsers.Load(),
	}
	for code := range c.byStatus {
		if n := c.byStatus[code].Load(); n != 0 {
			st.ByStatus[code] = n
		}
	}
	for op, n := range c.byOp {
		if n := n.Load(); n != 0 {
			st.ByOperation[op] = n
		}
	}
	return st
}
