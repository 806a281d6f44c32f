package cli

import (
	"context"
	"errors"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// stoppedBy says why a run that had every outcome recorded stopped before its end, for the
// summary's heading, or "" when it did not: the --timeout or a signal ended ctx, or the API would
// not take another call in time (an *api.StopError).
func stoppedBy(ctx context.Context, runErr error) string {
	var stop *api.StopError
	switch {
	case ctx.Err() != nil:
		return "stopped early: " + stopCause(ctx)
	case errors.As(runErr, &stop):
		return "stopped early: " + stop.Reason
	}
	return ""
}

// stopCause says why ctx ended: the --timeout, or a signal.
func stopCause(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the --timeout ran out"
	}
	return "interrupted"
}
