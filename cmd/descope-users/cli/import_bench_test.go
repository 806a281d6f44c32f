//go:build linux

package cli

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// importScale is the clock of the import benchmarks: the fake enforces Descope's documented
// limits (create/batch: 100 calls a minute, then a minute's lock-out) on a clock this many times
// as fast, and import runs its pacing on the same clock (--time-scale). An API minute lasts
// 60/importScale seconds.
const importScale = 10

// BenchmarkImport runs `descope-users import` as a process, as a migration runs it, over a file
// of 100,000 users with bcrypt hashes, against the fake enforcing Descope's documented limits on
// a scaled clock, told the limit (import's default --limit, 100 calls a minute):
//
//   - once through: efficiency = users created per API minute / (100 calls x batch size), the
//     users lost and created twice, the import process's peak resident memory;
//
//   - killed with SIGKILL at 5 random moments while it creates users (once the fake has created a
//     random number of them, in each fifth of the file), each time started again with --resume,
//     then run to its end: every user created exactly once. The calls the runs sent again (the
//     batches in flight at each kill) show in create-calls above 1000.
//
//     go test -run '^$' -bench BenchmarkImport -benchtime 1x -timeout 30m ./cmd/descope-users/cli/
func BenchmarkImport(b *testing.B) {
	const n = 100_000
	in := writeImportFile(b, n)
	b.Run("100k", func(b *testing.B) {
		for b.Loop() {
			s := importFake(b)
			start := time.Now()
			p := startProcess(b, s, "--time-scale", strconv.Itoa(importScale), "import", in)
			if code := p.wait(b); code != 0 {
				b.Fatalf("import exited %d\n%s\n%s", code, &p.stdout, &p.stderr)
			}
			elapsed := time.Since(start)
			reportImport(b, s, n, elapsed)
			b.ReportMetric(float64(p.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024, "peak-RSS-MB")
			_ = os.Remove(in + ".failed.jsonl")
		}
	})
	b.Run("100k-killed-5-times", func(b *testing.B) {
		for b.Loop() {
			s := importFake(b)
			rng := rand.New(rand.NewPCG(1, 2))
			start := time.Now()
			args := []string{"--time-scale", strconv.Itoa(importScale), "import", in}
			for kill := range 5 {
				p := startProcess(b, s, append(args[:len(args):len(args)], "--resume")...)
				if kill == 0 {
					p = startProcess(b, s, args...)
				}
				// A random moment while users are being created: once the fake has created a
				// random number of them, within the next fifth of the file.
				at := int64(kill*n/5 + rng.IntN(n/5))
				for s.Stats().CreatedUsers < at && !p.exited() {
					time.Sleep(time.Millisecond)
				}
				if err := p.cmd.Process.Kill(); err != nil {
					b.Fatal(err)
				}
				p.wait(b)
			}
			p := startProcess(b, s, append(args, "--resume")...)
			if code := p.wait(b); code != 0 {
				b.Fatalf("the last resume exited %d\n%s\n%s", code, &p.stdout, &p.stderr)
			}
			reportImport(b, s, n, time.Since(start))
			_ = os.Remove(in + ".failed.jsonl")
		}
	})
}

// BenchmarkOneCallPerUser creates users one Create call each, as Descope's migration tools do,
// paced under the same documented limit (100 calls a minute), on a faster clock (an API minute
// lasts 60/300 s), and reports the calls and API minutes per 100,000 users, for the side by
// side with BenchmarkImport.
//
//	go test -run '^$' -bench BenchmarkOneCallPerUser -benchtime 1x ./cmd/descope-users/cli/
func BenchmarkOneCallPerUser(b *testing.B) {
	const (
		n     = 10_000
		scale = 300
	)
	hash := bcryptHashes(b, 1)[0]
	for b.Loop() {
		s := apitest.NewServer(b, apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(scale))
		c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL), api.WithTimeScale(scale))
		if err != nil {
			b.Fatal(err)
		}
		pace := newOneByOnePace(api.LimitUserCreate, scale)
		start := time.Now()
		calls := 0
		for i := range n {
			pace()
			calls++
			if _, err := c.Create(context.Background(), api.UserCreate{LoginID: importLoginID(i),
				HashedPassword: &api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(hash)}}}); err != nil {
				b.Fatal(err)
			}
		}
		apiMinutes := time.Since(start).Minutes() * scale
		if got := s.Stats().CreatedUsers; got != n {
			b.Fatalf("created %d, want %d", got, n)
		}
		b.ReportMetric(float64(calls)*100_000/n, "calls/100k-users")
		b.ReportMetric(apiMinutes*100_000/n, "API-minutes/100k-users")
	}
}

// newOneByOnePace returns a wait that lets calls through at most l.Count a l.Window on a clock
// scale times as fast, evenly: as a one-at-a-time migration paced under the limit would.
func newOneByOnePace(l api.Limit, scale float64) func() {
	every := time.Duration(float64(l.Window) / float64(l.Count) / scale)
	next := time.Now()
	return func() {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(every)
	}
}

// importFake is the fake of BenchmarkImport: Descope's documented limits on importScale's clock,
// with the project ID and key the processes are given.
func importFake(b *testing.B) *apitest.Server {
	return apitest.NewServer(b, apitest.WithCredentials(testProject, testKey), apitest.WithRequestLog(),
		apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(importScale))
}

// reportImport checks that every user of the file exists exactly once and reports the run's
// efficiency: users created per API minute / (100 calls x batch size), the API minutes being
// those from the first create/batch call to the last, as the fake saw them arrive (the file's
// check before the first call, and a process's start, use no API time); and, for the whole run,
// the API minutes of the wall clock.
func reportImport(b *testing.B, s *apitest.Server, n int, elapsed time.Duration) {
	created := int(s.Stats().CreatedUsers)
	users := s.UserCount()
	lost, twice := n-users, created-users
	if lost != 0 || twice != 0 {
		b.Fatalf("%d users in the fake, %d created, for %d in the file", users, created, n)
	}
	var first, last time.Time
	calls := 0
	for _, r := range s.Requests() {
		if r.OperationID != "CreateUsers" {
			continue
		}
		calls++
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	// calls-1 intervals between the first call and the last: the last interval's users count.
	apiMinutes := last.Sub(first).Minutes() * importScale * float64(calls) / float64(calls-1)
	b.ReportMetric(float64(created)/apiMinutes/(100*api.DefaultBatchSize), "efficiency")
	b.ReportMetric(apiMinutes, "API-minutes")
	b.ReportMetric(elapsed.Minutes()*importScale, "wall-API-minutes")
	b.ReportMetric(float64(calls), "create-calls")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(twice), "created-twice")
}

func importLoginID(i int) string { return fmt.Sprintf("migrated%06d@example.com", i) }

// writeImportFile writes n users to create, in create-batch's format, each with a bcrypt hash
// (one of 64, made once: bcrypt's cost is in making them, not in sending them).
func writeImportFile(b *testing.B, n int) string {
	hashes := bcryptHashes(b, 64)
	path := filepath.Join(b.TempDir(), "users.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"loginId":%q,"email":%q,"name":"User %d","status":"enabled","customAttributes":{"source":"legacy","n":%d},"hashedPassword":{"bcrypt":{"hash":%q}}}`+"\n",
			importLoginID(i), importLoginID(i), i, i, hashes[i%len(hashes)])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func bcryptHashes(b *testing.B, n int) []string {
	out := make([]string, n)
	for i := range out {
		h, err := bcrypt.GenerateFromPassword(fmt.Appendf(nil, "password-%d", i), bcrypt.MinCost)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = string(h)
	}
	return out
}
