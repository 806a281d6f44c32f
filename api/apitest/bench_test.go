package apitest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func benchUsers(n int) []gen.User {
	users := make([]gen.User, n)
	for i := range users {
		users[i] = gen.User{
			LoginIDs:         []string{fmt.Sprintf("user%d@example.com", i)},
			Email:            fmt.Sprintf("user%d@example.com", i),
			Name:             fmt.Sprintf("User %d", i),
			RoleNames:        []string{"viewer"},
			CustomAttributes: map[string]any{"department": "engineering", "seats": 1},
		}
	}
	return users
}

func benchPatch(i int64, users int) gen.PatchUserRequest {
	return gen.PatchUserRequest{
		LoginID:          fmt.Sprintf("user%d@example.com", i%int64(users)),
		Status:           ptr(gen.UserStatusEnabled),
		RoleNames:        &[]string{"viewer", "editor"},
		CustomAttributes: &map[string]any{"seats": i, "legacyId": nil},
	}
}

// BenchmarkFakeThroughput measures how many requests a second the fake serves, each one
// validated against the spec on the way in and (NewServer's self-check) on the way out, from
// GOMAXPROCS concurrent clients over kept-alive loopback connections.
func BenchmarkFakeThroughput(b *testing.B) {
	const users = 1000
	ctx := context.Background()

	b.Run("PatchUser", func(b *testing.B) {
		s := apitest.NewServer(b, apitest.WithUsers(benchUsers(users)...))
		c := client(b, s)
		var seq atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, err := c.PatchUserWithResponse(ctx, benchPatch(seq.Add(1), users))
				if err != nil || r.JSON200 == nil {
					b.Errorf("PatchUser: %v %v", err, r)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})

	b.Run("PatchUserBatch100", func(b *testing.B) {
		const batch = 100
		s := apitest.NewServer(b, apitest.WithUsers(benchUsers(users)...))
		c := client(b, s)
		var seq atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			req := gen.PatchUsersBatchRequest{Users: make([]gen.PatchUserRequest, batch)}
			for pb.Next() {
				base := seq.Add(batch)
				for j := range req.Users {
					req.Users[j] = benchPatch(base+int64(j), users)
				}
				r, err := c.PatchUserBatchWithResponse(ctx, req)
				if err != nil || r.JSON200 == nil || len(r.JSON200.PatchedUsers) != batch {
					b.Errorf("PatchUserBatch: %v %v", err, r)
					return
				}
			}
		})
		secs := b.Elapsed().Seconds()
		b.ReportMetric(float64(b.N)/secs, "req/s")
		b.ReportMetric(float64(b.N*batch)/secs, "users/s")
	})
}
