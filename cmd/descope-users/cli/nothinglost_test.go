package cli

// Nothing is lost: the failed file is checked before anything is sent, never overwritten
// silently, and shared by no two inputs; the journal and --resume refuse what they cannot vouch
// for; and input that would be changed or lost on the way is refused with FILE:LINE.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

func TestFailedFileCheckedBeforeSending(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"X"}`+"\n")
	asDir := filepath.Join(dir, "taken")
	if err := os.Mkdir(asDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, failed, want string
	}{
		{"directory missing", filepath.Join(dir, "no", "such", "f.jsonl"), "its directory " + filepath.Join(dir, "no", "such")},
		{"path is a directory", asDir, asDir + ": it is not a regular file"},
		{"parent is a file", filepath.Join(in, "f.jsonl"), "is not a directory"},
	}
	if runtime.GOOS == "linux" {
		// Not writable even for root, which ignores permission bits.
		cases = append(cases, struct{ name, failed, want string }{"directory not writable", "/proc/descope-users.failed.jsonl", "/proc is not writable"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--failed", tc.failed, in)...)
			wantExit(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) || !strings.HasSuffix(strings.TrimSpace(r.stderr), "nothing was sent") {
				t.Errorf("stderr: %s", r.stderr)
			}
		})
	}
	wantNoRequests(t, s)
	if u := user(t, s, "jane@example.com"); u.Name != "Jane" {
		t.Errorf("jane changed: %q", u.Name)
	}
}

func TestInputsDoNotShareAFailedFile(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	jsonl, csv := filepath.Join(dir, "users.jsonl"), filepath.Join(dir, "users.csv")
	writeFile(t, jsonl, `{"loginId":"ghost-a@example.com","name":"A"}`+"\n")
	writeFile(t, csv, "loginId,name\nghost-b@example.com,B\n")
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", jsonl)...), 1)
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", csv)...), 1)
	a, b := readLines(t, jsonl+".failed.jsonl"), readLines(t, csv+".failed.jsonl")
	if len(a) != 1 || !strings.Contains(a[0], "ghost-a") || len(b) != 1 || !strings.Contains(b[0], "ghost-b") {
		t.Errorf("failed files: %q and %q", a, b)
	}
}

func TestJournalRefusals(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"X"}`+"\n"+`{"loginId":"joe@example.com","name":"Y"}`+"\n")
	failed := in + ".failed.jsonl"

	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "nothing to resume: there is no journal "+journalPath(failed)) {
		t.Errorf("stderr: %s", r.stderr)
	}

	// A journal of this input, as a killed run leaves it: the first patch has an outcome.
	writeJournal(t, failed, in, "", `{"done":[[0,0]],"failedBytes":0}`+"\n")
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "a run that was killed left "+journalPath(failed)+": continue it with --resume") {
		t.Errorf("stderr: %s", r.stderr)
	}

	// The input changed since: --resume refuses, as the journal's ordinals would be wrong.
	other := filepath.Join(dir, "other.jsonl")
	writeFile(t, other, `{"loginId":"ann@example.com","name":"Z"}`+"\n")
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", "--failed", failed, other)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "is not the input of the run") {
		t.Errorf("stderr: %s", r.stderr)
	}

	// The failed file lost lines the journal records: refused.
	writeJournal(t, failed, in, "", `{"done":[[0,0]],"failedBytes":50}`+"\n")
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "shorter (0 bytes) than its journal records (50)") {
		t.Errorf("stderr: %s", r.stderr)
	}
	wantNoRequests(t, s)

	// A torn last record (the kill came mid-write) is ignored; the good one is honoured, and a
	// failed file longer than the journal records is cut back to it.
	writeJournal(t, failed, in, `{"loginId":"half-written`, `{"done":[[0,0]],"failedBytes":0}`+"\n"+`{"done":[[1,`)
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
	wantResumedFromJane(t, s, r)
	for _, p := range []string{failed, journalPath(failed)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left: %v", p, err)
		}
	}
}

// wantResumedFromJane checks a resumed run of jane's and joe's patches whose journal recorded
// jane's: joe is patched, jane is not patched again.
func wantResumedFromJane(t *testing.T, s *apitest.Server, r result) {
	t.Helper()
	wantExit(t, r, 0)
	if u := user(t, s, "joe@example.com"); u.Name != "Y" {
		t.Errorf("joe not patched: %q", u.Name)
	}
	if u := user(t, s, "jane@example.com"); u.Name != "Jane" {
		t.Errorf("jane was patched again although the journal records her: %q", u.Name)
	}
}

// writeJournal writes a journal of input (and the failed file's content) as a killed patch run
// would.
func writeJournal(t *testing.T, failedPath, input, failedContent, records string) {
	t.Helper()
	writeJournalAs(t, failedPath, input, failedContent, records, `{"journal":"descope-users patch","version":2,"input":%q,"format":"jsonl","sha256":%q,"inputs":%d}`)
}

// writeJournalAs is writeJournal with the header head, a format taking the input's path, its
// SHA-256 and how many records it holds.
func writeJournalAs(t *testing.T, failedPath, input, failedContent, records, head string) {
	t.Helper()
	in := &spooledInput[api.UserPatch]{inputFile: inputFile{input, formatJSONL}, records: patchRecords}
	defer in.cleanup()
	if err := in.check(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	writeFile(t, journalPath(failedPath), fmt.Sprintf(head, input, in.sha256, in.count)+"\n"+records)
	writeFile(t, failedPath, failedContent)
}

// A journal's header names the command whose run wrote it: no other command resumes it or
// writes beside it, and a journal of version 1, which only patch wrote, is resumed as it was.
func TestJournalNamesItsCommand(t *testing.T) {
	dir := t.TempDir()
	probe, err := os.Create(filepath.Join(dir, "probe.journal"))
	if err != nil {
		t.Fatal(err)
	}
	h := journalHeader{Journal: journalOf("patch"), Version: journalVersion, Input: "p.jsonl", Format: formatJSONL, SHA256: "ab", Inputs: 3}
	if err := writeJournalHeader(probe, h); err != nil {
		t.Fatal(err)
	}
	_ = probe.Close()
	const wantHead = `{"journal":"descope-users patch","version":2,"input":"p.jsonl","format":"jsonl","sha256":"ab","inputs":3}` + "\n"
	if got, _ := os.ReadFile(probe.Name()); string(got) != wantHead {
		t.Errorf("header %q, want %q", got, wantHead)
	}
	if got := journalCommand(probe.Name()); got != "patch" {
		t.Errorf("journalCommand = %q", got)
	}

	s, env := newServer(t)
	in := filepath.Join(dir, "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"X"}`+"\n"+`{"loginId":"joe@example.com","name":"Y"}`+"\n")
	failed := in + ".failed.jsonl"
	done := `{"done":[[0,0]],"failedBytes":0}` + "\n"

	// Another command's journal: patch neither resumes it nor starts beside it, and names it.
	writeJournalAs(t, failed, in, "", done, `{"journal":"descope-users import","version":2,"input":%q,"format":"jsonl","sha256":%q,"inputs":%d}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"patch", "--resume", in}, "it is the journal of an import run, not of a patch run: continue that run with 'import --resume'"},
		{[]string{"patch", in}, "an import run that was killed left " + journalPath(failed) + " beside " + failed + ": finish it with 'import --resume'"},
		{[]string{"sync", in}, "an import run that was killed left " + journalPath(failed)},
	} {
		r := runCLI(t, env, withURL(s, tc.args...)...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: stderr lacks %q:\n%s", tc.args, tc.want, r.stderr)
		}
	}

	// A version this tool does not know is refused, saying so.
	writeJournalAs(t, failed, in, "", done, `{"journal":"descope-users patch","version":3,"input":%q,"format":"jsonl","sha256":%q,"inputs":%d}`)
	r := runCLI(t, env, withURL(s, "patch", "--resume", in)...)
	wantExit(t, r, 2)
	if want := "it is of version 3; this descope-users reads versions 1 to 2"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	wantNoRequests(t, s)

	// Version 1, as the tool wrote it before journals named any other command than patch.
	writeJournalAs(t, failed, in, "", done, `{"journal":"descope-users patch","version":1,"input":%q,"format":"jsonl","sha256":%q,"patches":%d}`)
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--resume", in)...)
	wantResumedFromJane(t, s, r)
	if !strings.Contains(r.stdout, "resumed        1 already had an outcome") {
		t.Errorf("summary:\n%s", r.stdout)
	}
}

// A write that fails mid-run stops the run and journals nothing more, so --resume sends the
// patches without a recorded outcome again.
func TestOutcomeWriteFailureStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	failed, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	journal, err := os.Create(filepath.Join(dir, "j"))
	if err != nil {
		t.Fatal(err)
	}
	cancelled := false
	o := newOutcomeWriter(&heldFile{path: failed.Name(), f: failed}, func(r api.PatchResult) any { return r.Item })
	o.journal, o.sent, o.cancel = journal, newRemaining(3, nil), func() { cancelled = true }
	o.record([]api.PatchResult{{Index: 0, Key: "a", Status: api.Patched}})
	_ = failed.Close() // the disk goes away
	o.record([]api.PatchResult{{Index: 1, Key: "b", Status: api.Failed, Reason: "x", Item: &api.UserPatch{LoginID: "b"}}})
	o.record([]api.PatchResult{{Index: 2, Key: "c", Status: api.Patched}})
	if o.err == nil || !cancelled {
		t.Fatalf("err %v, cancelled %v", o.err, cancelled)
	}
	_ = journal.Close()
	st, err := readJournalRecords(filepath.Join(dir, "j"))
	if err != nil || len(st) != 1 || st[0].Done[0] != [2]int{0, 0} {
		t.Errorf("journal records %+v (%v): want only patch 0's", st, err)
	}
}

// readJournalRecords reads the records of a journal file without its header.
func readJournalRecords(path string) ([]journalRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []journalRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r journalRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestRemainingOrdinals(t *testing.T) {
	r := newRemaining(20, mergeRanges([][2]int{{5, 7}, {0, 1}, {8, 8}, {15, 19}, {12, 12}}))
	var got []int
	for k := range r.len() {
		got = append(got, r.ordinal(k))
	}
	if want := []int{2, 3, 4, 9, 10, 11, 13, 14}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ordinals %v, want %v", got, want)
	}
	for o := range 20 {
		want := strings.Contains(" 2 3 4 9 10 11 13 14 ", fmt.Sprintf(" %d ", o))
		if r.contains(o) != want {
			t.Errorf("contains(%d) = %v", o, !want)
		}
	}
	if all := newRemaining(3, nil); all.len() != 3 || all.ordinal(2) != 2 {
		t.Errorf("fresh run: %+v", all)
	}
	if none := newRemaining(3, [][2]int{{0, 2}}); none.len() != 0 {
		t.Errorf("all done: %+v", none)
	}
}

// Input that would be changed or lost on the way is refused before anything is sent.
func TestInputStrictness(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	file := fileMaker(t, dir)
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"JSONL invalid UTF-8", []string{file("u.jsonl", `{"loginId":"jane@example.com"}`+"\n"+`{"loginId":"joe@example.com","name":"Jo`+"\xff"+`"}`+"\n")},
			"u.jsonl:2: invalid UTF-8 at byte 40"},
		{"CSV invalid UTF-8", []string{file("u.csv", "loginId,name\njane@example.com,Ok\njoe@example.com,Bad\xc3\n")},
			`u.csv:3: column 2 "name": invalid UTF-8 at byte 4`},
		{"1e400 in JSONL", []string{file("n.jsonl", `{"loginId":"jane@example.com","customAttributes":{"seats":1e400}}`+"\n")},
			`n.jsonl:1: customAttributes["seats"]: the number 1e400 does not fit a 64-bit float`},
		{"-1e400 in CSV", []string{file("n.csv", "loginId,customAttributes.seats\njane@example.com,-1e400\n")},
			`n.csv:2: customAttributes["seats"]: the number -1e400 does not fit a 64-bit float`},
		{"--rate NaN", []string{"--rate", "NaN", file("r1.jsonl", `{"loginId":"a"}`)}, "--rate must be a finite number"},
		{"--rate Inf", []string{"--rate", "Inf", file("r2.jsonl", `{"loginId":"a"}`)}, "--rate must be a finite number"},
		{"--rate -Inf", []string{"--rate", "-Inf", file("r3.jsonl", `{"loginId":"a"}`)}, "--rate must be a finite number"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, withURL(s, append([]string{"patch", "--limit", "none"}, tc.args...)...)...)
			wantExit(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
		})
	}
	r := runCLI(t, env, withURL(s, "update-attribute", "--login-id", "jane@example.com", "--key", "seats", "--value", "1e400")...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, `attribute "seats": the number 1e400 does not fit a 64-bit float`) {
		t.Errorf("update-attribute 1e400: %s", r.stderr)
	}
	wantNoRequests(t, s)

	// What spreadsheets write is read: a byte-order mark, a quoted header, CRLF, blank rows.
	sheet := file("sheet.csv", "\uFEFF\"loginId\",\"name\",\"customAttributes.seats\"\r\n"+
		"\"jane@example.com\",\"Jane Sheet\",\"7\"\r\n"+
		"   \r\n"+
		",,\r\n"+
		"\"joe@example.com\",\"Joe Sheet\",\r\n"+
		"\t \r\n")
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", sheet)...)
	wantExit(t, r, 0)
	if u := user(t, s, "jane@example.com"); u.Name != "Jane Sheet" || u.CustomAttributes["seats"] != float64(7) {
		t.Errorf("jane %+v", u)
	}
	if u := user(t, s, "joe@example.com"); u.Name != "Joe Sheet" {
		t.Errorf("joe %+v", u)
	}
	if !strings.Contains(r.stdout, "total          2") {
		t.Errorf("blank rows counted as patches:\n%s", r.stdout)
	}
	// null for a list in JSON Lines means [], as in the API.
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", file("null.jsonl", `{"loginId":"jane@example.com","roleNames":null}`+"\n"))...)
	wantExit(t, r, 0)
	if u := user(t, s, "jane@example.com"); len(u.RoleNames) != 0 {
		t.Errorf("roleNames null did not clear: %v", u.RoleNames)
	}
}

// Standard input is read twice too, from a temporary copy that is removed afterwards.
func TestStdinSpoolRemoved(t *testing.T) {
	s, env := newServer(t)
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "descope-users-stdin-*"))
	r := runCtx(t, context.Background(), env, `{"loginId":"jane@example.com","name":"S"}`+"\n",
		withURL(s, "patch", "--limit", "none", "--format", "jsonl", "--failed", filepath.Join(t.TempDir(), "f.jsonl"), "-")...)
	wantExit(t, r, 0)
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "descope-users-stdin-*"))
	if len(after) > len(before) {
		t.Errorf("the copy of standard input was left: %v", after)
	}
}

// A Retry-After longer than the client waits out ends the run at once: the summary says what the
// server asked for, and every patch not applied is in the failed file.
func TestPatchEndsEarlyOnLongRetryAfter(t *testing.T) {
	s, env := newServer(t, apitest.WithRateLimit(0.01, 1)) // a token every 100 s
	in := fileMaker(t, t.TempDir())("p.jsonl", `{"loginId":"jane@example.com","name":"A"}`+"\n"+
		`{"loginId":"joe@example.com","name":"B"}`+"\n"+`{"loginId":"ann@example.com","name":"C"}`+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--batch-size", "1", "--concurrency", "1", in)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "(stopped early: the API asked to wait 1m40s (Retry-After), longer than WithMaxRetryAfter (1m0s))") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	lines := readLines(t, in+".failed.jsonl")
	if len(lines) != 2 || !strings.Contains(r.stdout, "patched        1") {
		t.Errorf("%d lines in the failed file:\n%s", len(lines), r.stdout)
	}
	if _, err := os.Stat(journalPath(in + ".failed.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal left: %v", err)
	}
}
