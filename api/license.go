package api

import (
	"context"
	"fmt"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// RateLimitTier returns the project's rate-limit tier ("tier1" to "tier4" seen), which Descope's
// Go SDK reads at start-up and sends back on every call. The tier decides how many management
// calls the project may make; the command-line tool's license command prints it.
func (c *Client) RateLimitTier(ctx context.Context) (string, error) {
	if err := checkContext(ctx); err != nil {
		return "", err
	}
	out, err := call[gen.License](ctx, c, "GetLicense", noBody(gen.NewGetLicenseRequest), struct{}{})
	if err != nil {
		return "", err
	}
	if out.RateLimitTier == "" {
		return "", fmt.Errorf("%w: the answer carries no rateLimitTier", ErrMalformedResponse)
	}
	return out.RateLimitTier, nil
}
