package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// BenchmarkBulkEfficiency sends 100,000 patches through the fake Descope, rate limited at R
// requests per second, in batches of B. Efficiency = patches per second achieved / (R x B).
// Each iteration checks that no patch was lost or applied twice. Run it with -benchtime=1x:
//
//	go test -run '^$' -bench BulkEfficiency -benchtime=1x ./api/
func BenchmarkBulkEfficiency(b *testing.B) {
	const (
		n     = 100_000
		rps   = 100 // the server's rate limit, requests per second
		batch = 100
		burst = 10 // the server's burst
	)
	users := make([]api.User, n)
	patches := make([]api.UserPatch, n)
	for i := range users {
		id := fmt.Sprintf("user%06d@example.com", i)
		users[i] = api.User{LoginIDs: []string{id}}
		patches[i] = api.UserPatch{LoginID: id, CustomAttributes: api.Ptr(map[string]any{"n": i})}
	}
	for _, mode := range []struct {
		name string
		opts []api.RunOption
	}{
		{"paced", []api.RunOption{api.WithPace(api.PaceAt(rps, 1))}}, // told the project's limit
		{"unpaced", nil}, // relying on the server's 429s alone
	} {
		b.Run(fmt.Sprintf("%s/R=%d/B=%d", mode.name, rps, batch), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv, err := apitest.Start(apitest.WithUsers(users...), apitest.WithRateLimit(rps, burst))
				if err != nil {
					b.Fatal(err)
				}
				c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := c.PatchAll(context.Background(), patches,
					append([]api.RunOption{api.WithBatchSize(batch), api.WithConcurrency(4), api.WithRateLimitedAttempts(100)}, mode.opts...)...)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				stats := srv.Stats()
				lost := n - res.Applied
				dup := stats.PatchedUsers - n
				for i, u := range srv.Users() {
					if got, _ := u.CustomAttributes["n"].(float64); int(got) != i {
						b.Fatalf("user %d holds n=%v", i, u.CustomAttributes["n"])
					}
				}
				srv.Close()
				perSec := float64(res.Applied) / res.Elapsed.Seconds()
				b.ReportMetric(perSec/(rps*batch), "efficiency")
				b.ReportMetric(perSec, "patches/s")
				b.ReportMetric(float64(res.RateLimited), "429s")
				b.ReportMetric(float64(lost), "lost")
				b.ReportMetric(float64(dup), "duplicated")
				b.StartTimer()
			}
		})
	}
}
