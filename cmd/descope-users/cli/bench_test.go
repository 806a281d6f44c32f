package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// BenchmarkPatchPeakRSS runs `descope-users --fake patch` on a JSON Lines file of 200,000
// patches (about 50 MB) as a child process, and reports its peak resident set size (the fake
// runs in the same process). The input is read twice, line by line, and results stream to the
// failed file and journal, so the peak should not grow with the file.
//
//	go test -run '^$' -bench PatchPeakRSS -benchtime 1x ./cmd/descope-users/
func BenchmarkPatchPeakRSS(b *testing.B) {
	const patches = 200_000
	in := filepath.Join(b.TempDir(), "big.jsonl")
	size := writeBigInput(b, in, patches)
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(os.Args[0], "--fake", "patch", "--limit", "none", in)
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(string(out), fmt.Sprintf("patched        %d", patches)) {
			b.Fatalf("not every patch was applied:\n%s", out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Maxrss is in KiB on Linux
	}
	b.ReportMetric(float64(size)/(1<<20), "input-MB")
}

// writeBigInput writes n patches for the --fake sample users, 250 bytes each, and
// returns the file's size.
func writeBigInput(b *testing.B, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	note := strings.Repeat("bulk import from the HR system; ", 4)[:114]
	for i := range n {
		fmt.Fprintf(w, `{"loginId":%q,"name":"Bulk %06d","customAttributes":{"batch":%d,"note":%q,"plan":"team"},"roleNames":["viewer"]}`+"\n",
			sampleLoginID(i%defaultFakeUsers), i, i/1000, note)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	return st.Size()
}
