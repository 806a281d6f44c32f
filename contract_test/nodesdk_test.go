package contract_test

// Descope's Node SDK, installed from npm at the version nodesdk/package.json pins (its
// package-lock.json makes `npm ci` install exactly that), runs against `descope-users emulate`:
// nodesdk/usersdk.mjs calls every method of management.user with ordinary arguments and checks
// each call's effect through a load, a search or the call's own answer. Every one must be
// accepted and applied: what Descope's SDK sends that the emulator refuses is a defect of the
// spec or the emulator, never a case to skip.
//
// The test needs node and npm on PATH, as `make spectral` does; without them it is skipped,
// unless CI=true, where it fails. Nothing leaves the machine but npm's own install from its
// registry (none at all when npm's cache holds the packages): the emulator listens on loopback,
// and the script refuses any connection that is not to a loopback address.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

func TestNodeSDKAgainstEmulator(t *testing.T) {
	node, npm := nodeTools(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()

	// The Node project is installed in a copy, so the source tree never holds node_modules,
	// while the emulator is built.
	var (
		wg                     sync.WaitGroup
		work                   = filepath.Join(tmp, "nodesdk")
		bin                    string
		installErr, buildErr   error
		installTook, buildTook time.Duration
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		start := time.Now()
		installErr = npmCI(ctx, npm, "nodesdk", work)
		installTook = time.Since(start)
	}()
	go func() {
		defer wg.Done()
		start := time.Now()
		bin, buildErr = emulatorBinary(ctx, tmp)
		buildTook = time.Since(start)
	}()
	wg.Wait()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if installErr != nil {
		t.Fatal(installErr)
	}
	t.Logf("npm ci: %v; emulator build: %v", installTook.Round(time.Millisecond), buildTook.Round(time.Millisecond))

	emu := startEmulator(t, bin)

	start := time.Now()
	run := exec.CommandContext(ctx, node, "usersdk.mjs", emu.url, apitest.DefaultProjectID, apitest.DefaultManagementKey)
	run.Dir = work
	run.WaitDelay = 5 * time.Second
	out, err := run.CombinedOutput()
	t.Logf("node usersdk.mjs (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
	switch summary := regexp.MustCompile(`(?m)^@descope/node-sdk \S+ against .*$`).Find(out); {
	case err != nil:
		t.Errorf("node usersdk.mjs: %v; the methods that failed:\n%s", err, failedLines(out))
	case summary == nil:
		t.Errorf("node usersdk.mjs exited 0 without its summary line")
	}

	if err := emu.stop(); err != nil {
		t.Error(err)
	}
}

// nodeTools answers the paths of node and npm, or skips the test (fails it when CI=true).
func nodeTools(t *testing.T) (node, npm string) {
	t.Helper()
	node, nodeErr := exec.LookPath("node")
	npm, npmErr := exec.LookPath("npm")
	if err := errors.Join(nodeErr, npmErr); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Descope's Node SDK cannot run: %v (CI must run this test: install Node.js with npm)", err)
		}
		t.Skipf("Descope's Node SDK needs node and npm on PATH (%v); with CI=true this fails", err)
	}
	return node, npm
}

// npmCI copies the Node project in src (its files, not node_modules) to dst and installs there
// exactly what its package-lock.json says, from npm's cache when it holds the packages.
func npmCI(ctx context.Context, npm, src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue // node_modules, if someone installed in place
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dst
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in a copy of contract_test/nodesdk: %v\n%s", err, out)
	}
	return nil
}

// emulatorBinary builds descope-users into dir and answers its path.
func emulatorBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "descope-users")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/descope-users")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/descope-users: %v\n%s", err, out)
	}
	return bin, nil
}

// emulator is a running `descope-users emulate`.
type emulator struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and its output is read
	out  *lockedBuffer // what it wrote after its first line, and to its standard error
}

var listeningLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)\n$`)

// startEmulator starts `bin emulate` on a free loopback port, with the project ID and key the
// script is given, and answers once its first line of output has named its URL. The emulator
// is killed when the test ends if stop was not called.
func startEmulator(t *testing.T, bin string) *emulator {
	t.Helper()
	cmd := exec.Command(bin, "emulate", "--addr", "127.0.0.1:0",
		"--project-id", apitest.DefaultProjectID, "--management-key", apitest.DefaultManagementKey)
	e := &emulator{cmd: cmd, done: make(chan struct{}), out: &lockedBuffer{}}
	cmd.Stderr = e.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s emulate: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-e.done
	})
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		first <- line
		_, _ = io.Copy(e.out, r)
		_ = cmd.Wait()
		close(e.done)
	}()
	select {
	case line := <-first:
		m := listeningLine.FindStringSubmatch(line)
		if m == nil {
			<-e.done
			t.Fatalf("%s emulate: its first line should be %q, got %q; then:\n%s", bin, "listening on http://127.0.0.1:PORT", line, e.out)
		}
		e.url = m[1]
	case <-time.After(30 * time.Second):
		t.Fatalf("%s emulate: no line on its standard output after 30 s; so far:\n%s", bin, e.out)
	}
	return e
}

// stop sends SIGTERM and waits for the emulator to exit, which must be with status 0.
func (e *emulator) stop() error {
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("emulator: SIGTERM: %v", err)
	}
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("emulator: still running 10 s after SIGTERM; its output:\n%s", e.out)
	}
	if code := e.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("emulator: exited %d after SIGTERM (%v), want 0; its output:\n%s", code, e.cmd.ProcessState, e.out)
	}
	return nil
}

// failedLines answers the script's FAIL lines, or its whole output when there is none.
func failedLines(out []byte) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if strings.HasPrefix(line, "FAIL ") {
			b.WriteString(line)
		}
	}
	if b.Len() == 0 {
		return string(out)
	}
	return b.String()
}

// lockedBuffer is a bytes.Buffer safe for the writers of a process's output and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
