package cli

// Tried as a hostile user would: an input rewritten while a run reads it, two runs sharing one
// failed file, a sync beside a killed patch, a corrupt journal, JSON that encoding/json would
// read otherwise than the API, and lines the tool writes that it could not read back.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// proxyWithHook serves the fake through a reverse proxy that calls hook(path, n) after the n-th
// answer to path has been sent back.
func proxyWithHook(t *testing.T, s *apitest.Server, hook func(path string, n int64)) *httptest.Server {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var counts [2]atomic.Int64 // batch patches, searches
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp.ServeHTTP(w, r)
		var n int64
		switch r.URL.Path {
		case "/v1/mgmt/user/patch/batch":
			n = counts[0].Add(1)
		case "/v2/mgmt/user/search":
			n = counts[1].Add(1)
		default:
			return
		}
		hook(r.URL.Path, n)
	}))
	t.Cleanup(p.Close)
	return p
}

func numberedUsers(n int) []gen.User {
	us := make([]gen.User, n)
	for i := range us {
		us[i] = gen.User{UserID: fmt.Sprintf("U2n%02d", i), LoginIDs: []string{fmt.Sprintf("n%02d@example.com", i)}, Name: "old"}
	}
	return us
}

// An input truncated while the run reads it (a generator writing it again) is sent as it was
// checked: every patch the check counted is patched, and the change is reported.
func TestInputChangedDuringRunIsSentAsChecked(t *testing.T) {
	s, env := newServer(t, apitest.WithUsers(numberedUsers(40)...))
	in := filepath.Join(t.TempDir(), "in.jsonl")
	// Lines of 4 KB, so that the file is more than a reader's buffer holds at once.
	pad := strings.Repeat("x", 4000)
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, `{"loginId":"n%02d@example.com","name":"new-%02d","familyName":"%s"}`+"\n", i, i, pad)
	}
	writeFile(t, in, b.String())
	proxy := proxyWithHook(t, s, func(path string, n int64) {
		if path == "/v1/mgmt/user/patch/batch" && n == 2 {
			if err := os.WriteFile(in, []byte(`{"loginId":"n00@example.com","name":"regenerated"}`+"\n"), 0o600); err != nil {
				t.Error(err)
			}
		}
	})
	r := runCLI(t, env, "--base-url", proxy.URL, "patch", "--limit", "none", "--batch-size", "8", "--concurrency", "1", in)
	wantExit(t, r, 1)
	for _, want := range []string{"  total          40\n", "  patched        40\n", "  not attempted  0\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r)
		}
	}
	if !strings.Contains(r.stderr, in+" changed while the run read it") {
		t.Errorf("the change is not reported:\n%s", r)
	}
	for i := range 40 {
		if u := user(t, s, fmt.Sprintf("n%02d@example.com", i)); u.Name != fmt.Sprintf("new-%02d", i) {
			t.Errorf("n%02d has name %q", i, u.Name)
		}
	}
	if _, err := os.Stat(journalPath(in + ".failed.jsonl")); !os.IsNotExist(err) {
		t.Errorf("journal left: %v", err)
	}
}

// A second run that names the failed file of a run still going is refused, naming both files,
// and whatever the first run records stays whole.
func TestSecondRunOnAHeldFailedFileIsRefused(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	failed := filepath.Join(dir, "shared.failed.jsonl")

	// The first run reads standard input, which the test feeds: it is in its check pass.
	pr, pw := io.Pipe()
	first := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := Run(t.Context(), withURL(s, "patch", "--limit", "none", "--format", "jsonl", "--failed", failed, "-"),
			func(k string) string { return env[k] }, pr, &out, &errb)
		first <- result{code, out.String(), errb.String()}
	}()
	if _, err := io.WriteString(pw, `{"loginId":"ghost-1@example.com","name":"A"}`+"\n"); err != nil {
		t.Fatal(err)
	}

	// The second run, with five patches that fail, is refused: it would have truncated the
	// first run's file, or written into it.
	in := filepath.Join(dir, "five.jsonl")
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, `{"loginId":"ghost-b%d@example.com","name":"B"}`+"\n", i)
	}
	writeFile(t, in, b.String())
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--failed", failed, in)...)
	wantExit(t, r, 2)
	if want := "another run is writing " + failed + " (and its journal " + journalPath(failed); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r)
	}

	if _, err := io.WriteString(pw, `{"loginId":"ghost-2@example.com","name":"A"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	r = <-first
	wantExit(t, r, 1)
	got := readLines(t, failed)
	if len(got) != 2 || !strings.Contains(got[0], "ghost-1@") || !strings.Contains(got[1], "ghost-2@") {
		t.Errorf("the first run's failed file holds %q, want its own two patches", got)
	}
	if data, _ := os.ReadFile(failed); bytes.IndexByte(data, 0) >= 0 {
		t.Errorf("the failed file has NUL bytes: %q", data)
	}
	// The second run sent nothing.
	if n := settled(s).Stats().ByOperation["PatchUserBatch"]; n != 1 {
		t.Errorf("%d batch calls, want the first run's one", n)
	}
}

// A failed file that another process writes while sync runs keeps what that process wrote: sync
// holds the file it created and only appends to it.
func TestSyncFailedFileKeepsWhatAnotherProcessWrote(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in, failed := filepath.Join(dir, "users.jsonl"), filepath.Join(dir, "report.jsonl")
	jane := api.UserPatch{LoginID: "jane@example.com", AdditionalLoginIDs: api.Ptr([]string{"joe@example.com"})} // refused: joe's login ID
	writeDesired(t, in, jane)
	const other = `{"loginId":"someone-else@example.com","name":"theirs"}` + "\n"
	proxy := proxyWithHook(t, s, func(path string, n int64) {
		if path == "/v2/mgmt/user/search" && n == 1 {
			f, err := os.OpenFile(failed, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
			if err == nil {
				_, err = f.WriteString(other)
				_ = f.Close()
			}
			if err != nil {
				t.Error(err)
			}
		}
	})
	r := runCLI(t, env, "--base-url", proxy.URL, "sync", "--limit", "none", "--search-limit", "none", "--failed", failed, in)
	wantExit(t, r, 1)
	got := readLines(t, failed)
	want := append([]string{strings.TrimSuffix(other, "\n")}, desiredLines(t, jane)...)
	if !slices.Equal(got, want) {
		t.Errorf("failed file:\n%s\nwant the other process's line, then jane's", strings.Join(got, "\n"))
	}
}

// sync beside the files of a killed patch run of the same input leaves them as they are, so that
// the patch run can still be resumed.
func TestSyncLeavesAKilledPatchRunsFiles(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "users.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"X"}`+"\n"+`{"loginId":"joe@example.com","name":"Y"}`+"\n")
	failed := in + ".failed.jsonl"
	const line = `{"loginId":"jane@example.com","name":"X"}` + "\n"
	writeJournal(t, failed, in, line, fmt.Sprintf(`{"done":[[0,0]],"failedBytes":%d}`+"\n", len(line)))
	before := map[string][]byte{}
	for _, p := range []string{failed, journalPath(failed)} {
		before[p], _ = os.ReadFile(p)
	}

	r := runCLI(t, env, withURL(s, "sync", in)...)
	wantExit(t, r, 2)
	if want := "a patch run that was killed left " + journalPath(failed); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r)
	}
	for p, b := range before {
		if now, err := os.ReadFile(p); err != nil || !bytes.Equal(now, b) {
			t.Errorf("sync changed %s: %q (%v), was %q", p, now, err, b)
		}
	}
	wantNoRequests(t, s)

	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
	wantExit(t, r, 1) // the journal's failed line for jane stays in the failed file
	if u := user(t, s, "joe@example.com"); u.Name != "Y" {
		t.Errorf("the resumed run did not patch joe: %q", u.Name)
	}
	if got := readLines(t, failed); len(got) != 1 || got[0]+"\n" != line {
		t.Errorf("failed file after the resume: %q", got)
	}
}

// --resume refuses a journal whose records cannot be a run's over this input.
func TestResumeRefusesACorruptJournal(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "ten.jsonl")
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, `{"loginId":"ghost-%d@example.com","name":"N"}`+"\n", i)
	}
	writeFile(t, in, b.String())
	failed := in + ".failed.jsonl"
	const ten = "0123456789"
	cases := []struct {
		name, failedContent, records, want string
	}{
		{"backwards range", "", `{"done":[[7,2]],"failedBytes":0}` + "\n", "records patches [7,2], which are not a range of the input's 10 patches"},
		{"past the end", "", `{"done":[[0,10]],"failedBytes":0}` + "\n", "records patches [0,10]"},
		{"negative", "", `{"done":[[-1,0]],"failedBytes":0}` + "\n", "records patches [-1,0]"},
		{"a patch twice", "", `{"done":[[0,3]],"failedBytes":0}` + "\n" + `{"done":[[2,5]],"failedBytes":0}` + "\n", "it records 8 outcomes for 6 patches: some patch twice"},
		{"a line that is no record", "", "not json\n" + `{"done":[[0,0]],"failedBytes":0}` + "\n", "line 2 is not a record of a patch run"},
		{"an unknown field", "", `{"done":[[0,0]],"failedBytes":0,"skip":[1,9]}` + "\n", "line 2 is not a record of a patch run"},
		{"a failed file that shrinks", ten, `{"done":[[0,0]],"failedBytes":10}` + "\n" + `{"done":[[1,1]],"failedBytes":5}` + "\n", "records a failed file of 5 bytes, shorter than line 2 before it (10)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			writeJournal(t, failed, in, tc.failedContent, tc.records)
			r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
			wantExit(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "nothing was sent") {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r)
			}
			if got, _ := os.ReadFile(failed); string(got) != tc.failedContent {
				t.Errorf("the refused resume changed the failed file: %q", got)
			}
		})
	}
	wantNoRequests(t, s)
}
