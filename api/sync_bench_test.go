package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// BenchmarkSync brings 10,000 users of the fake Descope, of whom 1% differ from the desired
// state, to that state: with Sync (read every user, send the 100 patches that change something),
// and naively with PatchAll of all 10,000 desired patches. "sync again" is a second Sync right
// after one: it reads, and sends nothing. The "at Descope's limits" runs are against a fake that
// enforces Descope's documented limits (apitest.DescopeLimits) on a clock 60 times as fast, each
// side paced under the limit of the route it calls (searches under api.LimitUserSearch, batches
// under api.LimitDefault); api-s is their time in the API's seconds. The calls are counted by
// the fake (SearchUsers, PatchUserBatch), users written by its PatchedUsers. Each run checks the
// users afterwards. Run it with -benchtime=1x:
//
//	go test -run '^$' -bench BenchmarkSync -benchtime=1x ./api/
func BenchmarkSync(b *testing.B) {
	const (
		n         = 10_000
		every     = 100 // 1% differ
		timeScale = 60  // for the runs at Descope's limits: the API's minute is a second
	)
	users := make([]api.User, n)
	desired := make([]api.UserPatch, n)
	for i := range users {
		id := fmt.Sprintf("user%05d@example.com", i)
		name := fmt.Sprintf("User %d", i)
		users[i] = api.User{LoginIDs: []string{id}, Name: name, RoleNames: []string{"viewer"},
			CustomAttributes: map[string]any{"plan": "free", "seats": i % 10}}
		desired[i] = api.UserPatch{LoginID: id, Name: &name, RoleNames: api.Ptr([]string{"viewer"}),
			CustomAttributes: api.Ptr(map[string]any{"plan": "free", "seats": i % 10})}
		if i%every == 0 {
			desired[i].CustomAttributes = api.Ptr(map[string]any{"plan": "pro", "seats": i % 10})
		}
	}
	sync := func(ctx context.Context, c *api.Client) (*api.BulkResult[api.UserPatch], error) {
		_, res, err := c.Sync(ctx, desired)
		return res, err
	}
	for _, mode := range []struct {
		name   string
		run    func(ctx context.Context, c *api.Client) (*api.BulkResult[api.UserPatch], error)
		pre    bool // bring the users to the desired state before the timed run
		limits bool // against Descope's documented limits
	}{
		{"sync", sync, false, false},
		{"naive PatchAll", func(ctx context.Context, c *api.Client) (*api.BulkResult[api.UserPatch], error) {
			return c.PatchAll(ctx, desired)
		}, false, false},
		{"sync again", sync, true, false},
		{"sync at Descope's limits", func(ctx context.Context, c *api.Client) (*api.BulkResult[api.UserPatch], error) {
			plan, err := c.PlanSync(ctx, desired, api.WithPace(api.PaceUnder(api.LimitUserSearch)))
			if err != nil {
				return nil, err
			}
			return plan.Apply(ctx, c, api.WithPace(api.PaceUnder(api.LimitDefault)))
		}, false, true},
		{"naive PatchAll at Descope's limits", func(ctx context.Context, c *api.Client) (*api.BulkResult[api.UserPatch], error) {
			return c.PatchAll(ctx, desired, api.WithPace(api.PaceUnder(api.LimitDefault)))
		}, false, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srvOpts := []apitest.Option{apitest.WithUsers(users...)}
				clientOpts := []api.Option{}
				scale := 1.0
				if mode.limits {
					scale = timeScale
					srvOpts = append(srvOpts, apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(scale))
					clientOpts = append(clientOpts, api.WithTimeScale(scale))
				}
				srv, err := apitest.Start(srvOpts...)
				if err != nil {
					b.Fatal(err)
				}
				c, err := api.New(srv.ProjectID(), srv.ManagementKey(),
					append([]api.Option{api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client())}, clientOpts...)...)
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				// The calls of the preparing Sync, as it counted them: the fake counts a call
				// once its answer is sent, so its counters are read only after Close.
				var preReads, preWrites, preWritten int64
				if mode.pre {
					plan, res, err := c.Sync(ctx, desired)
					if err != nil {
						b.Fatal(err)
					}
					preReads, preWrites, preWritten = int64(plan.Reads), int64(res.Batches), int64(res.Applied)
				}
				b.StartTimer()
				start := time.Now()
				res, err := mode.run(ctx, c)
				elapsed := time.Since(start)
				b.StopTimer()
				if err != nil || res.Failed+res.NotAttempted != 0 {
					b.Fatalf("%v: %+v", err, res)
				}
				srv.Close() // waits for every call to be counted
				st := srv.Stats()
				for i, u := range srv.Users() {
					if want := map[bool]string{true: "pro", false: "free"}[i%every == 0]; u.CustomAttributes["plan"] != want {
						b.Fatalf("user %d: plan %v, want %s", i, u.CustomAttributes["plan"], want)
					}
				}
				b.ReportMetric(float64(st.ByOperation["SearchUsers"]-preReads), "reads")
				b.ReportMetric(float64(st.ByOperation["PatchUserBatch"]-preWrites), "writes")
				b.ReportMetric(float64(st.PatchedUsers-preWritten), "users-written")
				b.ReportMetric(float64(elapsed.Microseconds())/1000, "elapsed-ms")
				if mode.limits {
					b.ReportMetric(elapsed.Seconds()*scale, "api-s")
					b.ReportMetric(float64(st.RateLimited), "429s")
				}
				b.StartTimer()
			}
		})
	}
}
