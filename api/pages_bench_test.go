package api

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"testing"
)

// BenchmarkSeenUsers adds 100,000 users, each with a userId of the length of Descope's (28
// characters), to the set SearchAll keeps of the users it yielded, and reports the heap it holds
// afterwards per user. "hash128" is the alternative it was measured against: a set of 128-bit
// hashes of the IDs (maphash with two random seeds), which holds less and is exact only with
// high probability. Its ns/op includes the two collections each op makes to measure the heap.
//
//	go test -run '^$' -bench SeenUsers -benchmem ./api/
func BenchmarkSeenUsers(b *testing.B) {
	const n = 100_000
	users := make([]User, n)
	for i := range users {
		users[i] = User{UserID: fmt.Sprintf("U2%026d", i)}
	}
	held := func(b *testing.B, fill func() any) {
		var perUser float64
		for b.Loop() {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			set := fill()
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(set)
			perUser = float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc)) / n
		}
		b.ReportMetric(perUser, "heap-B-held/user")
	}
	b.Run("strings", func(b *testing.B) {
		held(b, func() any {
			var s seenUsers
			for i := range users {
				s.add(&users[i])
			}
			return &s
		})
	})
	b.Run("hash128", func(b *testing.B) {
		seeds := [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
		held(b, func() any {
			s := map[[2]uint64]struct{}{}
			for i := range users {
				s[[2]uint64{maphash.String(seeds[0], users[i].UserID), maphash.String(seeds[1], users[i].UserID)}] = struct{}{}
			}
			return s
		})
	})
}
