//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// emulateProcess is emulate running as a process (the test binary, see TestMain).
type emulateProcess struct {
	emulator
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan struct{}
}

// startEmulateProcess starts emulate --addr 127.0.0.1:0 with args and reads its first line.
func startEmulateProcess(t testing.TB, env map[string]string, args ...string) *emulateProcess {
	t.Helper()
	p := &emulateProcess{exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"emulate", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", envProjectID+"="+env[envProjectID], envManagement+"="+env[envManagement])
	p.cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.exited })
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	m := listeningLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
	if err != nil || m == nil {
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("first line %q (%v), want listening on http://127.0.0.1:PORT\nstderr:\n%s", line, err, p.errors())
	}
	go func() { _, _ = r.WriteTo(io.Discard) }() // the rest of stdout
	p.url = m[1]
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (p *emulateProcess) errors() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// signal sends SIGTERM and waits at most within for the process to end; it returns its exit
// status (-1 when a signal ended it).
func (p *emulateProcess) signal(t testing.TB, within time.Duration, sig ...syscall.Signal) int {
	t.Helper()
	for _, s := range sig {
		if err := p.cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case <-p.exited:
	case <-time.After(within):
		t.Fatalf("still running %v after the signal\nstderr:\n%s", within, p.errors())
	}
	if strings.Contains(p.errors(), testKey) {
		t.Errorf("the key shows on stderr")
	}
	return p.cmd.ProcessState.ExitCode()
}

// TestEmulateSIGTERMKeepsTheState: SIGTERM stops emulate with exit 0 and its state written; a
// restart with --state serves the same users with the same user IDs, and their passwords.
func TestEmulateSIGTERMKeepsTheState(t *testing.T) {
	t.Parallel()
	env := emulateEnv()
	state := filepath.Join(t.TempDir(), "state.jsonl")
	p := startEmulateProcess(t, env, "--state", state)
	c := p.client(t, env)
	ctx := context.Background()
	var ids []string
	for _, login := range []string{"amy@example.com", "ben@example.com", "cat@example.com"} {
		u, err := c.Create(ctx, api.UserCreate{LoginID: login, Email: login})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UserID)
	}
	if err := c.SetActivePassword(ctx, "ben@example.com", "Ben-Pa55word"); err != nil {
		t.Fatal(err)
	}
	if code := p.signal(t, 30*time.Second, syscall.SIGTERM); code != 0 || !strings.Contains(p.errors(), "state written to "+state+" (3 users)") {
		t.Fatalf("exit %d\nstderr:\n%s", code, p.errors())
	}

	p = startEmulateProcess(t, env, "--state", state)
	c = p.client(t, env)
	users, err := c.LoadUsers(ctx, ids, true)
	if err != nil || len(users) != 3 {
		t.Fatalf("after the restart: %d users, %v", len(users), err)
	}
	for i, u := range users {
		if u.UserID != ids[i] {
			t.Errorf("user %d: %s, want %s", i, u.UserID, ids[i])
		}
	}
	var check struct{ Matches bool }
	if st := p.control(t, env, "POST", "password/check", `{"loginId":"ben@example.com","password":"Ben-Pa55word"}`, &check); st != 200 || !check.Matches {
		t.Errorf("ben's password after the restart: %d %+v", st, check)
	}
	if code := p.signal(t, 30*time.Second, syscall.SIGTERM); code != 0 {
		t.Errorf("second stop: exit %d\n%s", code, p.errors())
	}
}

// delayedLoad starts a load that a fault rule delays by d, and returns once the emulator holds it
// (the rule has been taken); the load's error comes on the channel.
func delayedLoad(t *testing.T, p *emulateProcess, env map[string]string, d time.Duration) chan error {
	t.Helper()
	if st := p.control(t, env, "POST", "faults", `{"operation":"LoadUser","delay":"`+d.String()+`"}`, nil); st != 200 {
		t.Fatalf("adding the rule: %d", st)
	}
	c := p.client(t, env)
	done := make(chan error, 1)
	go func() {
		_, err := c.Load(context.Background(), "amy@example.com")
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var rules struct{ Rules []any }
		p.control(t, env, "GET", "faults", "", &rules)
		if len(rules.Rules) == 0 {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatal("the load never reached the emulator")
		}
	}
}

// TestEmulateGraceOutlastsTheDefault: a request in flight that takes longer than the 5 seconds
// every other command gets after a signal still gets its answer, and the state is written after
// it: emulate's grace is longer. (With the default grace, the process would exit 1 at 5s, before
// the answer, without writing the state.)
func TestEmulateGraceOutlastsTheDefault(t *testing.T) {
	t.Parallel()
	env := emulateEnv()
	state := filepath.Join(t.TempDir(), "state.jsonl")
	p := startEmulateProcess(t, env, "--state", state, "--seed", writeTemp(t, "seed.jsonl", `{"loginId":"amy@example.com"}`))
	done := delayedLoad(t, p, env, stopGrace+500*time.Millisecond)
	start := time.Now()
	if code := p.signal(t, time.Minute, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after %v\nstderr:\n%s", code, time.Since(start), p.errors())
	}
	if err := <-done; err != nil {
		t.Errorf("the request in flight: %v", err)
	}
	if _, err := os.Stat(state); err != nil || !strings.Contains(p.errors(), "state written") {
		t.Errorf("the state was not written (%v):\n%s", err, p.errors())
	}
}

// TestEmulateSecondSignalEndsItAtOnce: a second signal ends emulate without waiting for the
// requests in flight or writing the state; the state file it started from stays whole.
func TestEmulateSecondSignalEndsItAtOnce(t *testing.T) {
	t.Parallel()
	env := emulateEnv()
	state := filepath.Join(t.TempDir(), "state.jsonl")
	p := startEmulateProcess(t, env, "--state", state, "--seed", writeTemp(t, "seed.jsonl", `{"loginId":"amy@example.com"}`))
	if code := p.signal(t, 30*time.Second, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	p = startEmulateProcess(t, env, "--state", state)
	done := delayedLoad(t, p, env, 20*time.Second)
	start := time.Now()
	if code := p.signal(t, 5*time.Second, syscall.SIGTERM, syscall.SIGTERM); code == 0 {
		t.Errorf("exit 0 after a second signal")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if err := <-done; err == nil {
		t.Error("the request in flight was answered")
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(after, before) {
		t.Error("the state file changed")
	}
}
