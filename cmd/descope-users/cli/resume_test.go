package cli

// The command as a real process: killed with SIGKILL at random moments and resumed, or stopped
// with SIGINT and SIGTERM. The test binary runs itself as the command (see TestMain); the fake
// Descope runs in the test, so that it outlives the process it serves.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// runMainEnv makes the test binary run the command instead of the tests.
const runMainEnv = "DESCOPE_USERS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(Main())
		return
	}
	os.Exit(m.Run())
}

// process is the command running as a child process.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
}

func startProcess(t testing.TB, s *apitest.Server, args ...string) *process {
	t.Helper()
	return startProcessIn(t, s, nil, args...)
}

// startProcessIn is startProcess with stdin as the command's standard input (nil: none).
func startProcessIn(t testing.TB, s *apitest.Server, stdin *os.File, args ...string) *process {
	t.Helper()
	p := &process{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"--base-url", s.URL}, args...)...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1", envProjectID+"="+testProject, envManagement+"="+testKey)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if stdin != nil {
		p.cmd.Stdin = stdin
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit; a hang fails the test instead of the whole run.
func (p *process) wait(t testing.TB) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the command did not exit\nstdout:\n%s\nstderr:\n%s", &p.stdout, &p.stderr)
	}
	if out := p.stdout.String() + p.stderr.String(); strings.Contains(out, testKey) {
		t.Fatalf("the key shows in the output:\n%s", out)
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// bulkFixture is a fake with `users` users and an input of `rounds` patches for each, every
// round setting a name that says which round it was.
type bulkFixture struct {
	s     *apitest.Server
	in    string
	users int
	total int
}

func newBulkFixture(t *testing.T, users, rounds int, faults apitest.Faults) *bulkFixture {
	t.Helper()
	us := make([]gen.User, users)
	for i := range us {
		us[i] = gen.User{UserID: fmt.Sprintf("U%05d", i), LoginIDs: []string{fmt.Sprintf("u%05d@example.com", i)}}
	}
	s := apitest.NewServer(t, apitest.WithCredentials(testProject, testKey), apitest.WithUsers(us...),
		apitest.WithRequestLog(), apitest.WithFaults(faults))
	var b strings.Builder
	for r := range rounds {
		for i := range users {
			fmt.Fprintf(&b, `{"loginId":"u%05d@example.com","name":"r%d-%05d"}`+"\n", i, r, i)
		}
	}
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, b.String())
	return &bulkFixture{s: s, in: in, users: users, total: users * rounds}
}

// sends counts how many times each patch (login ID and name) reached the fake whole: a request
// cut off by the kill is not counted, as the fake did not apply it.
func (f *bulkFixture) sends(t *testing.T) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range f.s.Requests() {
		if r.Status != 200 {
			continue
		}
		var body struct {
			Users []struct {
				LoginID string `json:"loginId"`
				Name    string `json:"name"`
			} `json:"users"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, u := range body.Users {
			n[u.LoginID+" "+u.Name]++
		}
	}
	return n
}

// wantFinalRound checks that every user carries the name of the last round: every patch was
// applied, in input order.
func (f *bulkFixture) wantFinalRound(t *testing.T, round int) {
	t.Helper()
	for i := range f.users {
		u, _ := f.s.User(fmt.Sprintf("U%05d", i))
		if want := fmt.Sprintf("r%d-%05d", round, i); u.Name != want {
			t.Fatalf("user %d has name %q, want %q", i, u.Name, want)
		}
	}
}

// Killed with SIGKILL at a random moment of a run of 20,000 patches, then started again with
// --resume: every patch is applied, none is lost, and at most the batches in flight when the
// process died are sent twice.
func TestKilledRunResumes(t *testing.T) {
	const batch, concurrency = 100, 4
	seeds := []uint64{1, 2, 3, 4, 5}
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			f := newBulkFixture(t, 10000, 2, apitest.Faults{Latency: 2 * time.Millisecond})
			rng := rand.New(rand.NewPCG(seed, 0))
			killAt := int64(rng.IntN(f.total - 2*batch*concurrency)) // patches applied when the kill comes
			pause := time.Duration(rng.IntN(3000)) * time.Microsecond

			p := startProcess(t, f.s, "patch", "--limit", "none", "--batch-size", fmt.Sprint(batch), "--concurrency", fmt.Sprint(concurrency), f.in)
			for f.s.Stats().PatchedUsers < killAt && !p.exited() {
				time.Sleep(200 * time.Microsecond)
			}
			time.Sleep(pause)
			if p.exited() {
				t.Fatalf("the run ended before the kill at %d patches:\n%s", killAt, &p.stdout)
			}
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			p.wait(t)
			applied := f.s.Stats().PatchedUsers
			if _, err := os.Stat(journalPath(f.in + ".failed.jsonl")); err != nil {
				t.Fatalf("the killed run left no journal: %v", err)
			}

			r := startProcess(t, f.s, "patch", "--limit", "none", "--resume", "--batch-size", fmt.Sprint(batch), "--concurrency", fmt.Sprint(concurrency), f.in)
			if code := r.wait(t); code != 0 {
				t.Fatalf("--resume: exit %d\nstdout:\n%s\nstderr:\n%s", code, &r.stdout, &r.stderr)
			}
			f.wantFinalRound(t, 1)
			sends := f.sends(t)
			twice := 0
			for k, n := range sends {
				if n > 2 {
					t.Fatalf("%s was sent %d times", k, n)
				}
				if n == 2 {
					twice++
				}
			}
			if len(sends) != f.total {
				t.Fatalf("%d of %d patches were sent", len(sends), f.total)
			}
			if twice > batch*concurrency {
				t.Fatalf("%d patches sent twice; at most the %d batches in flight (%d patches) may be", twice, concurrency, batch*concurrency)
			}
			for _, p := range []string{f.in + ".failed.jsonl", journalPath(f.in + ".failed.jsonl")} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is left after the resumed run completed: %v", p, err)
				}
			}
			if !strings.Contains(r.stdout.String(), "resumed ") {
				t.Errorf("the summary does not say it resumed:\n%s", &r.stdout)
			}
			t.Logf("killed after %d patches applied (target %d); %d sent twice", applied, killAt, twice)
		})
	}
}

// SIGINT and SIGTERM stop a run promptly; every patch is accounted for, the failed file holds
// every patch not applied, and no journal is left, since nothing is unknown.
func TestSignalsStopWithExactAccounting(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			f := newBulkFixture(t, 3000, 1, apitest.Faults{Latency: 20 * time.Millisecond})
			p := startProcess(t, f.s, "patch", "--limit", "none", "--batch-size", "50", "--concurrency", "2", f.in)
			for f.s.Stats().PatchedUsers < 200 && !p.exited() {
				time.Sleep(time.Millisecond)
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t); code != 1 {
				t.Fatalf("exit %d\n%s\n%s", code, &p.stdout, &p.stderr)
			}
			out := p.stdout.String()
			var patched, failed, notAttempted int
			for _, l := range strings.Split(out, "\n") {
				_, _ = fmt.Sscanf(l, "  patched %d", &patched)
				_, _ = fmt.Sscanf(l, "  failed %d", &failed)
				_, _ = fmt.Sscanf(l, "  not attempted %d", &notAttempted)
			}
			failedPath := f.in + ".failed.jsonl"
			lines := readLines(t, failedPath)
			if !strings.Contains(out, "stopped early: interrupted") || patched == 0 || notAttempted == 0 ||
				patched+failed+notAttempted != f.total || len(lines) != failed+notAttempted {
				t.Fatalf("patched %d + failed %d + not attempted %d, %d lines in the failed file; want them to add up to %d\n%s",
					patched, failed, notAttempted, len(lines), f.total, out)
			}
			if _, err := os.Stat(journalPath(failedPath)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a journal is left after a clean stop: %v", err)
			}
			// The failed file finishes the job.
			r := startProcess(t, f.s, "patch", "--limit", "none", failedPath)
			if code := r.wait(t); code != 0 {
				t.Fatalf("retry: exit %d\n%s\n%s", code, &r.stdout, &r.stderr)
			}
			f.wantFinalRound(t, 0)
		})
	}
}

// A run killed before its journal's header was written (while it checked its input) sent
// nothing: --resume starts it over, and sends every input. A headerless journal beside a failed
// file that holds lines was changed since, and is refused.
func TestResumeOfARunKilledBeforeItsFirstCall(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"J1"}`+"\n"+`{"loginId":"joe@example.com","name":"J2"}`+"\n")
	failed := in + ".failed.jsonl"
	writeFile(t, failed, "")
	writeFile(t, journalPath(failed), `{"journal":"descope-users pa`)
	r := runCLI(t, env, withURL(s, "patch", "--resume", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stderr, "the killed run sent nothing") || !strings.Contains(r.stdout, "patched        2") {
		t.Errorf("not started over:\n%s", r)
	}
	if u := user(t, s, "joe@example.com"); u.Name != "J2" {
		t.Errorf("joe %+v", u)
	}
	if _, err := os.Stat(journalPath(failed)); !os.IsNotExist(err) {
		t.Errorf("journal left: %v", err)
	}

	writeFile(t, failed, `{"loginId":"jane@example.com"}`+"\n")
	writeFile(t, journalPath(failed), "")
	runUsage(t, s, env, "has no header, yet its failed file", "patch", "--resume", in)
}
