//go:build linux

package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEmulator measures the emulator as users run it, as processes: `emulate --seed FILE`
// with N users whose custom attributes all differ (as a real export's do), reporting how long it
// takes to start (reading the seed) and its peak resident memory; and `export --search-limit
// none` of 100,000 users through it, another process writing JSON Lines, as a user would run it.
//
//	go test -run '^$' -bench BenchmarkEmulator -benchtime 1x ./cmd/descope-users/cli/
func BenchmarkEmulator(b *testing.B) {
	env := map[string]string{envProjectID: "P2bench", envManagement: "bench-emulator-key"}
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("seed-%dk", n/1000), func(b *testing.B) {
			seed := writeSeed(b, n)
			for b.Loop() {
				start := time.Now()
				p := startEmulateProcess(b, env, "--seed", seed)
				b.ReportMetric(time.Since(start).Seconds(), "start-s")
				b.ReportMetric(procKB(b, p.cmd.Process.Pid, "VmHWM")/1024, "peak-RSS-MB")
				b.ReportMetric(procKB(b, p.cmd.Process.Pid, "VmRSS")/1024, "RSS-MB")
				if code := p.signal(b, time.Minute, syscall.SIGTERM); code != 0 {
					b.Fatalf("emulate exited %d\n%s", code, p.errors())
				}
			}
		})
	}
	b.Run("export-100k", func(b *testing.B) {
		const n = 100_000
		p := startEmulateProcess(b, env, "--seed", writeSeed(b, n))
		out := filepath.Join(b.TempDir(), "export.jsonl")
		for b.Loop() {
			f, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "--base-url", p.url, "export", "--search-limit", "none")
			cmd.Env = append(os.Environ(), runMainEnv+"=1", envProjectID+"="+env[envProjectID], envManagement+"="+env[envManagement])
			cmd.Stdout = f
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err = cmd.Run()
			_ = f.Close()
			if err != nil {
				b.Fatalf("export: %v\n%s", err, stderr.String())
			}
			if lines := countFileLines(b, out); lines != n {
				b.Fatalf("exported %d users, want %d", lines, n)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/export")
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
	})
}

// writeSeed writes n users in the format export writes, each with custom attributes of its own,
// and returns the file's path.
func writeSeed(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), "seed.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"loginId":"user%07d@example.com","email":"user%07d@example.com","name":"User %d","roleNames":["viewer"],"customAttributes":{"department":"engineering","seats":%d}}`+"\n", i, i, i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// procKB reads a field of /proc/PID/status, in kB.
func procKB(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func countFileLines(b *testing.B, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}
