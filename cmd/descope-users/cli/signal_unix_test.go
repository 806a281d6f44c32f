//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startBlocked starts the command as a process (see TestMain) whose standard input is a pipe the
// test holds open, and waits until it holds its failed file (or a second has passed).
func startBlocked(t *testing.T, failed string, args ...string) (*process, *os.File) {
	t.Helper()
	s, _ := newServer(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	p := startProcessIn(t, s, r, args...)
	_ = r.Close()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(failed); err == nil {
			break
		}
	}
	return p, w
}

// SIGTERM while patch reads a standard input that never ends stops it at once, cleanly: nothing
// was sent, and the files it held are gone.
func TestSignalStopsAReadOfStandardInput(t *testing.T) {
	failed := filepath.Join(t.TempDir(), "stdin.failed.jsonl")
	p, w := startBlocked(t, failed, "patch", "--format", "jsonl", "--failed", failed, "-")
	if _, err := w.WriteString(`{"loginId":"jane@example.com","name":"X"}` + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 1 {
		t.Errorf("exit status %d, want 1\n%s", code, &p.stderr)
	}
	if want := "interrupted while reading stdin; nothing was sent"; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, &p.stderr)
	}
	for _, f := range []string{failed, journalPath(failed)} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", f, err)
		}
	}
}

// SIGTERM while patch is stuck where no context reaches (opening a named pipe no one writes to)
// still ends the process, within the grace period.
func TestSignalEndsAStuckProcess(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	failed := filepath.Join(dir, "in.failed.jsonl")
	p, _ := startBlocked(t, failed, "patch", "--failed", failed, fifo)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 1 {
		t.Errorf("exit status %d, want 1\n%s", code, &p.stderr)
	}
	if want := "stopped by terminated, and still busy 5s later: exiting now"; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, &p.stderr)
	}
}
