package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// BenchmarkBulkAtDescopeLimits sends 100,000 patches in batches of 100 through the fake Descope
// enforcing the documented limits (apitest.DescopeLimits: batch patch falls under 100 calls a
// minute, then a minute's lock-out), with the API's clock running timeScale times as fast and the
// client on the same clock. Efficiency = patches per second of the API's time / (100/60 x 100).
// Each iteration checks that every user holds its patch's value (nothing lost) and that the fake
// applied each patch once (nothing duplicated). Run it with -benchtime=1x:
//
//	go test -run '^$' -bench BulkAtDescopeLimits -benchtime=1x ./api/
func BenchmarkBulkAtDescopeLimits(b *testing.B) {
	const (
		n         = 100_000
		batch     = 100
		timeScale = 30 // the API's minute is 2 s of real time
	)
	users := make([]api.User, n)
	patches := make([]api.UserPatch, n)
	for i := range users {
		id := fmt.Sprintf("user%06d@example.com", i)
		users[i] = api.User{LoginIDs: []string{id}}
		patches[i] = api.UserPatch{LoginID: id, CustomAttributes: api.Ptr(map[string]any{"n": i})}
	}
	limit := api.LimitDefault
	ideal := float64(limit.Count) / limit.Window.Seconds() * batch // patches per second of the API's time
	for _, mode := range []struct {
		name string
		opts []api.RunOption
	}{
		{"told", []api.RunOption{api.WithPace(api.PaceUnder(limit))}},
		{"not-told", nil},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv, err := apitest.Start(apitest.WithUsers(users...), apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(timeScale))
				if err != nil {
					b.Fatal(err)
				}
				c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()), api.WithTimeScale(timeScale))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := c.PatchAll(context.Background(), patches, append([]api.RunOption{api.WithBatchSize(batch), api.WithConcurrency(4)}, mode.opts...)...)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				stats := srv.Stats()
				for i, u := range srv.Users() {
					if got, _ := u.CustomAttributes["n"].(float64); int(got) != i {
						b.Fatalf("user %d holds n=%v", i, u.CustomAttributes["n"])
					}
				}
				srv.Close()
				apiSeconds := res.Elapsed.Seconds() * timeScale
				b.ReportMetric(float64(res.Applied)/apiSeconds/ideal, "efficiency")
				b.ReportMetric(float64(stats.RateLimited), "429s")
				b.ReportMetric(float64(stats.Lockouts), "lockouts")
				b.ReportMetric(float64(n-res.Applied), "lost")
				b.ReportMetric(float64(stats.PatchedUsers-n), "duplicated")
				b.ReportMetric(apiSeconds/60, "api-minutes")
				b.StartTimer()
			}
		})
	}
}
