package migrate_test

import (
	"fmt"
	"io"
	"iter"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// memFigures is what a read of n users cost.
type memFigures struct {
	users         int
	allocsPerUser float64 // allocations, the generator's included
	bytesPerUser  float64 // bytes allocated
	heldPerUser   float64 // live heap after the last user (after a GC) less before the read, per user
	peakHeld      uint64  // the most live heap held at any of 20 samples, less before the read
}

func (m memFigures) String() string {
	return fmt.Sprintf("%d users: %.1f allocs and %.0f B allocated a user; %.1f B a user held at the end; peak %.2f MB held",
		m.users, m.allocsPerUser, m.bytesPerUser, m.heldPerUser, float64(m.peakHeld)/1e6)
}

// measure ranges over seq, which must yield n records and no error, sampling the live heap (after
// a GC) 20 times.
func measure(tb testing.TB, n int, seq iter.Seq2[migrate.Record, error]) memFigures {
	tb.Helper()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseHeap, baseMallocs, baseBytes := ms.HeapAlloc, ms.Mallocs, ms.TotalAlloc
	held := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return max(ms.HeapAlloc, baseHeap) - baseHeap
	}
	f := memFigures{users: n}
	count := 0
	var sampleMallocs, sampleBytes uint64 // what the samples themselves allocated
	for rec, err := range seq {
		if err != nil {
			tb.Fatalf("user %d: %v", count, err)
		}
		if rec.User.LoginID == "" {
			tb.Fatal("a record without a login ID")
		}
		count++
		if count%max(n/20, 1) == 0 || count == n {
			runtime.ReadMemStats(&ms)
			before, beforeBytes := ms.Mallocs, ms.TotalAlloc
			h := held()
			f.peakHeld = max(f.peakHeld, h)
			if count == n {
				f.heldPerUser = float64(h) / float64(n)
			}
			runtime.ReadMemStats(&ms)
			sampleMallocs += ms.Mallocs - before
			sampleBytes += ms.TotalAlloc - beforeBytes
		}
	}
	if count != n {
		tb.Fatalf("%d records of %d", count, n)
	}
	runtime.ReadMemStats(&ms)
	f.allocsPerUser = float64(ms.Mallocs-baseMallocs-sampleMallocs) / float64(n)
	f.bytesPerUser = float64(ms.TotalAlloc-baseBytes-sampleBytes) / float64(n)
	return f
}

// The readers measured, each for n users.
var measuredReaders = []struct {
	name string
	read func(tb testing.TB, n int) iter.Seq2[migrate.Record, error]
	held float64 // the most a user may hold: the login IDs' index, and the hashes'
}{
	{"firebase", func(tb testing.TB, n int) iter.Seq2[migrate.Record, error] {
		return migrate.ReadFirebase(genFirebase(n), "users.json", parseHash(tb, firebasePublished.config), migrate.Options{})
	}, 64},
	{"auth0", func(tb testing.TB, n int) iter.Seq2[migrate.Record, error] {
		return migrate.ReadAuth0(genAuth0(n), "users.ndjson", nil, "", migrate.Options{})
	}, 64},
	{"auth0+hashes", func(tb testing.TB, n int) iter.Seq2[migrate.Record, error] {
		return migrate.ReadAuth0(genAuth0(n), "users.ndjson", genAuth0Hashes(n, auth0Hashes(tb)[0]), "hashes.ndjson", migrate.Options{})
	}, 400},
}

// TestMemoryDoesNotGrowWithTheFile: reading ten times as many users costs the same allocations
// and bytes a user, and what is held at the end is the login IDs' index (as it holds built alone)
// and buffers of a fixed size, under 256 KiB (and, for Auth0 with hashes, the hashes kept until
// their users come): nothing else is kept from one user to the next. Under -race the files are
// smaller.
func TestMemoryDoesNotGrowWithTheFile(t *testing.T) {
	small, large := 10_000, 100_000
	if raceEnabled || testing.Short() {
		small, large = 1_000, 10_000
	}
	for _, r := range measuredReaders {
		t.Run(r.name, func(t *testing.T) {
			s := measure(t, small, r.read(t, small))
			l := measure(t, large, r.read(t, large))
			t.Logf("%v\n%v", s, l)
			if l.allocsPerUser > s.allocsPerUser*1.05 {
				t.Errorf("allocations a user grow with the file: %.2f for %d users, %.2f for %d", s.allocsPerUser, small, l.allocsPerUser, large)
			}
			if l.bytesPerUser > s.bytesPerUser*1.15 {
				t.Errorf("bytes a user grow with the file: %.0f for %d users, %.0f for %d", s.bytesPerUser, small, l.bytesPerUser, large)
			}
			if l.heldPerUser > r.held {
				t.Errorf("%.1f bytes held a user after %d users, more than %v", l.heldPerUser, large, r.held)
			}
			index := indexHeld(large)
			t.Logf("the login IDs' index of %d users alone: %.1f B a user", large, index)
			if rest := (l.heldPerUser - index) * float64(large); r.name != "auth0+hashes" && rest > 256<<10 {
				t.Errorf("%.0f KiB held after %d users beside the login IDs' index (%.1f B a user held, %.1f the index's)", rest/1024, large, l.heldPerUser, index)
			}
		})
	}
}

// indexHeld is the live heap a user's login ID takes in the index of n users.
func indexHeld(n int) float64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	x := migrate.LoginIndexOf(n)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(x)
	return float64(max(ms.HeapAlloc, before)-before) / float64(n)
}

// BenchmarkRead reads exports of 10,000 and 100,000 users (generated as they are read) and
// reports per user: the time, allocations and bytes allocated (the generator's included), and
// the live heap held after the last user.
func BenchmarkRead(b *testing.B) {
	for _, r := range measuredReaders {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/users=%d", r.name, n), func(b *testing.B) {
				var f memFigures
				for b.Loop() {
					f = measure(b, n, r.read(b, n))
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/user")
				b.ReportMetric(f.allocsPerUser, "allocs/user")
				b.ReportMetric(f.bytesPerUser, "B/user")
				b.ReportMetric(f.heldPerUser, "held-B/user")
				b.ReportMetric(float64(f.peakHeld)/1e6, "peak-held-MB")
			})
		}
	}
}

// TestGeneratedExportsRead: the generators write what the readers take, places and all.
func TestGeneratedExportsRead(t *testing.T) {
	text, err := io.ReadAll(genFirebase(3))
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(string(text)), "users.json", parseHash(t, firebasePublished.config), migrate.Options{}))
	if len(errs) != 0 || len(recs) != 3 || recs[2].Place != "users.json:44 (users[2])" || recs[2].User.HashedPassword == nil {
		t.Errorf("firebase: %+v %v\n%s", recs, errs, text)
	}
	recs, errs = collect(t, migrate.ReadAuth0(genAuth0(3), "users.ndjson", genAuth0Hashes(3, auth0Hashes(t)[0]), "hashes.ndjson", migrate.Options{}))
	if len(errs) != 0 || len(recs) != 3 || recs[2].Place != "users.ndjson:3" || recs[2].User.HashedPassword == nil {
		t.Errorf("auth0: %+v %v", recs, errs)
	}
}
