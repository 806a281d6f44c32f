package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// batchBodies returns the patches the fake received in PatchUserBatch calls, as raw JSON objects.
func batchBodies(t *testing.T, s *apitest.Server) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	for _, r := range s.Requests() {
		if r.OperationID != "PatchUserBatch" {
			continue
		}
		var body struct {
			Users []map[string]json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.Users...)
	}
	return out
}

// loginOf returns the loginId of a JSON Lines patch.
func loginOf(t *testing.T, line string) string {
	t.Helper()
	var p api.UserPatch
	if err := json.Unmarshal([]byte(line), &p); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return p.LoginID
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestPatchJSONL(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "users.jsonl")
	writeFile(t, in, "\uFEFF"+`{"loginId":"jane@example.com","name":"Jane B","customAttributes":{"plan":"pro","seats":null},"roleNames":[]}`+"\n"+
		"\n   \n"+ // blank lines are skipped
		`{"loginId":"U2joe","status":"disabled","verifiedPhone":true,"userTenants":[{"tenantId":"T1","roleNames":["r"]}]}`+"\r\n"+
		`{"loginId":"ann@example.com","email":""}`) // no final newline
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 0)
	jane := user(t, s, "jane@example.com")
	if jane.Name != "Jane B" || jane.RoleNames != nil || !reflect.DeepEqual(jane.CustomAttributes, map[string]any{"plan": "pro"}) {
		t.Errorf("jane %+v", jane)
	}
	joe := user(t, s, "joe@example.com")
	if joe.Status != "disabled" || !joe.VerifiedPhone || len(joe.UserTenants) != 1 || joe.UserTenants[0].TenantID != "T1" {
		t.Errorf("joe %+v", joe)
	}
	for _, want := range []string{"Summary of " + in, "total          3", "patched        3", "failed         0", "not attempted  0", "batches        1", "429s met       0", "elapsed", "patches/s", "no failed file written"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr (not a terminal) should be empty: %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "users.failed.jsonl")); !os.IsNotExist(err) {
		t.Errorf("failed file written although nothing failed: %v", err)
	}
}

func TestPatchCSV(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.CSV")
	writeFile(t, in, "loginId, name ,roleNames,ssoAppIds,status,verifiedEmail,customAttributes.plan,customAttributes.seats,customAttributes.tags,customAttributes.note,picture\n"+
		"jane@example.com,Jane C, editor ; billing ;,app1,Invited,TRUE,pro,5,\"[\"\"a\"\",\"\"b\"\"]\",\"\"\"42\"\"\",\n"+
		"joe@example.com,,,,,,,,,null,https://example.com/j.png\n"+
		"\n"+ // blank lines are skipped
		"ann@example.com,,viewer,,,false,,,,plain text,\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--batch-size", "2", in)...)
	wantExit(t, r, 0)

	jane := user(t, s, "jane@example.com")
	if jane.Name != "Jane C" || !reflect.DeepEqual(jane.RoleNames, []string{"editor", "billing"}) || !reflect.DeepEqual(jane.SsoAppIDs, []string{"app1"}) ||
		jane.Status != "invited" || !jane.VerifiedEmail {
		t.Errorf("jane %+v", jane)
	}
	wantAttrs := map[string]any{"plan": "pro", "seats": float64(5), "tags": []any{"a", "b"}, "note": "42"}
	if !reflect.DeepEqual(jane.CustomAttributes, wantAttrs) {
		t.Errorf("jane's attributes %#v, want %#v", jane.CustomAttributes, wantAttrs)
	}
	joe := user(t, s, "joe@example.com")
	if joe.Name != "Joe" || joe.Picture != "https://example.com/j.png" || joe.CustomAttributes != nil {
		t.Errorf("joe %+v", joe)
	}
	ann := user(t, s, "ann@example.com")
	if ann.Name != "Ann" || !reflect.DeepEqual(ann.RoleNames, []string{"viewer"}) || ann.CustomAttributes["note"] != "plain text" {
		t.Errorf("ann %+v", ann)
	}

	// Empty cells are not sent at all. (The batches ran concurrently: order them as the file.)
	byLogin := map[string]map[string]json.RawMessage{}
	for _, p := range batchBodies(t, s) {
		var id string
		_ = json.Unmarshal(p["loginId"], &id)
		byLogin[id] = p
	}
	sent := []map[string]json.RawMessage{byLogin["jane@example.com"], byLogin["joe@example.com"], byLogin["ann@example.com"]}
	if len(byLogin) != 3 || sent[0] == nil || sent[1] == nil || sent[2] == nil {
		t.Fatalf("sent %v", byLogin)
	}
	keys := func(m map[string]json.RawMessage) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	if len(sent[1]) != 3 || sent[1]["name"] != nil || sent[1]["roleNames"] != nil {
		t.Errorf("joe's patch sent %v, want loginId, picture and customAttributes only", keys(sent[1]))
	}
	if string(sent[1]["customAttributes"]) != `{"note":null}` {
		t.Errorf("joe's customAttributes sent %s", sent[1]["customAttributes"])
	}
	if string(sent[0]["customAttributes"]) != `{"note":"42","plan":"pro","seats":5,"tags":["a","b"]}` {
		t.Errorf("jane's customAttributes sent %s", sent[0]["customAttributes"])
	}
	if string(sent[2]["verifiedEmail"]) != "false" {
		t.Errorf("ann's verifiedEmail sent %s", sent[2]["verifiedEmail"])
	}
}

func TestPatchFailedFileAndRetry(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "batch.v2.jsonl")
	lines := []string{
		`{"loginId":"jane@example.com","name":"A"}`,
		`{"loginId":"ghost1@example.com","name":"G1","customAttributes":{"n":1,"gone":null}}`,
		`{"loginId":"joe@example.com","name":"B"}`,
		`{"loginId":"ghost2@example.com","roleNames":[],"status":"enabled"}`,
		`{"loginId":"ann@example.com","name":"C"}`,
	}
	writeFile(t, in, strings.Join(lines, "\n")+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--batch-size", "2", "--concurrency", "2", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	for _, want := range []string{"total          5", "patched        3", "failed         2", "Failure reasons:", "     2  E112102: user not found",
		"Failed file: 2 unfinished patches in " + failed, "retry them with: descope-users --base-url " + s.URL + " patch " + failed} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	got := readLines(t, failed)
	if len(got) != 2 {
		t.Fatalf("failed file has %d lines:\n%s", len(got), strings.Join(got, "\n"))
	}
	// In the order the outcomes became known: compare as a set.
	slices.SortFunc(got, func(a, b string) int { return strings.Compare(loginOf(t, a), loginOf(t, b)) })
	for i, want := range []string{lines[1], lines[3]} {
		var a, b any
		_ = json.Unmarshal([]byte(got[i]), &a)
		_ = json.Unmarshal([]byte(want), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("failed line %d = %s, want %s", i+1, got[i], want)
		}
	}
	if _, err := os.Stat(journalPath(failed)); !os.IsNotExist(err) {
		t.Errorf("a finished run left its journal: %v", err)
	}

	// Fed back while the users are still missing: they fail again, into <failed>.failed.jsonl.
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", failed)...)
	wantExit(t, r, 1)
	failed2 := failed + ".failed.jsonl"
	again := readLines(t, failed2)
	slices.SortFunc(again, func(a, b string) int { return strings.Compare(loginOf(t, a), loginOf(t, b)) })
	if !reflect.DeepEqual(again, got) {
		t.Errorf("second failed file %q, want %q", again, got)
	}

	// Running the same file again would overwrite those unfinished patches: refused, unsent.
	before := s.Stats().Requests
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", failed)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, failed2+" holds unfinished patches of an earlier run (2 lines)") || !strings.Contains(r.stderr, "nothing was sent") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if s.Stats().Requests != before {
		t.Error("the refused run sent requests")
	}

	// Once the users exist, retrying the newest failed file applies the patches.
	s.AddUsers(gen.User{LoginIDs: []string{"ghost1@example.com"}, CustomAttributes: map[string]any{"gone": "x"}},
		gen.User{LoginIDs: []string{"ghost2@example.com"}, RoleNames: []string{"r"}})
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", failed2)...)
	wantExit(t, r, 0)
	if g := user(t, s, "ghost1@example.com"); g.Name != "G1" || !reflect.DeepEqual(g.CustomAttributes, map[string]any{"n": float64(1)}) {
		t.Errorf("ghost1 %+v", g)
	}
	if g := user(t, s, "ghost2@example.com"); g.RoleNames != nil {
		t.Errorf("ghost2 %+v", g)
	}
	if !strings.Contains(r.stdout, "All patches applied; no failed file written") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	// No failed file, no journal for that run; its input, itself a failed file, is left alone.
	for _, p := range []string{failed2 + ".failed.jsonl", journalPath(failed2 + ".failed.jsonl")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(failed2); err != nil {
		t.Errorf("input removed: %v", err)
	}
}

// The failed file is written while the input is read, so it may not be the input.
func TestPatchFailedFileIsNotTheInput(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "todo.jsonl")
	content := `{"loginId":"jane@example.com","name":"A"}` + "\n" + `{"loginId":"ghost@example.com","name":"G"}` + "\n"
	writeFile(t, in, content)
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in, "--failed", in)...) // flags after FILE work too
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "is the input file") {
		t.Errorf("stderr: %s", r.stderr)
	}
	wantNoRequests(t, s)
	if data, _ := os.ReadFile(in); string(data) != content {
		t.Errorf("the input changed: %q", data)
	}
}

func TestPatchStdinAndFormat(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	r := runCtx(t, context.Background(), env, "loginId,name\njane@example.com,From Stdin\n",
		withURL(s, "patch", "--limit", "none", "--format", "csv", "--failed", filepath.Join(dir, "f.jsonl"), "-")...)
	wantExit(t, r, 0)
	if u := user(t, s, "jane@example.com"); u.Name != "From Stdin" {
		t.Errorf("name %q", u.Name)
	}
	if !strings.Contains(r.stdout, "Summary of standard input") || strings.Contains(r.stdout, "Failed file") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// A .txt file read as JSON Lines with --format.
	txt := filepath.Join(dir, "p.txt")
	writeFile(t, txt, `{"loginId":"joe@example.com","name":"Txt"}`+"\n")
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", "--format", "jsonl", txt)...), 0)
	if u := user(t, s, "joe@example.com"); u.Name != "Txt" {
		t.Errorf("name %q", u.Name)
	}
}

func TestPatchDryRunAndEmpty(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "p.jsonl")
	writeFile(t, in, `{"loginId":"a@example.com","name":"A"}`+"\n"+`{"loginId":"b@example.com"}`+"\n")
	r := runCLI(t, nil, "patch", "--limit", "none", "--dry-run", in) // no credentials needed
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "2 patches, all well formed (dry run: nothing was sent)") {
		t.Errorf("stdout: %s", r.stdout)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	writeFile(t, empty, "\n\n")
	r = runCLI(t, nil, "patch", "--limit", "none", empty)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "no patches; nothing to do") {
		t.Errorf("stdout: %s", r.stdout)
	}
}

func TestPatchBadInput(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	file := fileMaker(t, dir)
	mkdir := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"loginId":"jane@example.com","name":"x"}` + "\n"
	cases := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"missing file", []string{filepath.Join(dir, "nope.jsonl")}, []string{"cannot read " + filepath.Join(dir, "nope.jsonl") + ": no such file or directory"}},
		{"directory", []string{mkdir("d.jsonl")}, []string{"cannot read " + filepath.Join(dir, "d.jsonl") + ": it is a directory"}},
		{"malformed JSON line", []string{file("m.jsonl", good+good+`{"loginId":"joe@example.com","name":}`+"\n"+good)}, []string{filepath.Join(dir, "m.jsonl") + ":3: invalid JSON"}},
		{"unknown JSON field", []string{file("u.jsonl", good+"\n"+`{"loginId":"joe@example.com","emial":"x"}`)}, []string{"u.jsonl:3: unknown field \"emial\""}},
		{"wrong JSON type", []string{file("t.jsonl", `{"loginId":"joe@example.com","roleNames":"admin"}`)}, []string{"t.jsonl:1: field \"roleNames\": expected a list of strings, got a JSON string"}},
		{"JSON without loginId", []string{file("l.jsonl", good+`{"name":"x"}`)}, []string{"l.jsonl:2: loginId is missing or empty"}},
		{"JSON bad status", []string{file("s.jsonl", `{"loginId":"joe@example.com","status":"active"}`)}, []string{`s.jsonl:1: status "active" is not one of enabled, disabled, invited`}},
		{"JSON empty tenant", []string{file("te.jsonl", `{"loginId":"joe@example.com","userTenants":[{"roleNames":["a"]}]}`)}, []string{"te.jsonl:1: userTenants[0].tenantId is empty"}},
		{"JSON two objects on a line", []string{file("two.jsonl", `{"loginId":"a"} {"loginId":"b"}`)}, []string{"two.jsonl:1: unexpected data after the JSON object"}},
		{"JSON array", []string{file("arr.json", `[{"loginId":"a"}]`)}, []string{"arr.json:1: a JSON array"}},
		{"JSON not an object", []string{file("num.jsonl", "42\n")}, []string{"num.jsonl:1: expected a JSON object"}},
		{"many bad lines", []string{file("many.jsonl", strings.Repeat(`{"x":1}`+"\n", 12))}, []string{"many.jsonl: 12 malformed lines", "many.jsonl:10:", "... and 2 more"}},
		{"unknown CSV column", []string{file("c.csv", "loginId,name,emial\na,b,c\n")}, []string{"c.csv:1: column 3 \"emial\" is not a known column", "customAttributes.<key>"}},
		{"CSV column case", []string{file("cc.csv", "loginId,Email\na,b\n")}, []string{`cc.csv:1: column 2 "Email" is not a known column (did you mean "email"?`}},
		{"CSV without loginId", []string{file("n.csv", "email,name\na@example.com,b\n")}, []string{"n.csv:1: the header row has no loginId column"}},
		{"CSV empty loginId", []string{file("el.csv", "loginId,name\na@example.com,A\n,B\n")}, []string{"el.csv:3: loginId is empty"}},
		{"CSV bad status", []string{file("bs.csv", "loginId,status\na@example.com,enabled\nb@example.com,on\n")}, []string{`bs.csv:3: status "on" is not one of enabled, disabled, invited, expired`}},
		{"CSV bad bool", []string{file("bb.csv", "loginId,verifiedPhone\na@example.com,yes\n")}, []string{`bb.csv:2: column 2 "verifiedPhone": "yes" is not true or false`}},
		{"CSV row length", []string{file("rl.csv", "loginId,name\na@example.com,A,extra\n")}, []string{"rl.csv:2: the row has 3 cells, the header row has 2 columns"}},
		{"CSV duplicate column", []string{file("dc.csv", "loginId,name,name\na,b,c\n")}, []string{`dc.csv:1: column 3 "name" repeats column 2`}},
		{"CSV empty attribute key", []string{file("ek.csv", "loginId,customAttributes.\na,b\n")}, []string{`ek.csv:1: column 2 "customAttributes." has no attribute key`}},
		{"CSV empty file", []string{file("e.csv", "")}, []string{"e.csv: the CSV file is empty"}},
		{"CSV bad quote", []string{file("q.csv", "loginId,name\na,\"b\n")}, []string{"q.csv:2:"}},
		{"unknown extension", []string{file("p.txt", good)}, []string{"cannot tell the format", "--format"}},
		{"bad --format", []string{"--format", "xml", file("p2.jsonl", good)}, []string{`--format "xml"`}},
		{"stdin without --format", []string{"-"}, []string{"give --format"}},
		{"no file", nil, []string{"FILE is required"}},
		{"two files", []string{"a.jsonl", "b.jsonl"}, []string{"one FILE at a time"}},
		{"bad batch size", []string{"--batch-size", "0", file("p3.jsonl", good)}, []string{"--batch-size must be at least 1"}},
		{"bad concurrency", []string{"--concurrency", "0", file("p4.jsonl", good)}, []string{"--concurrency must be at least 1"}},
		{"bad burst", []string{"--rate", "5", "--burst", "0", file("p5.jsonl", good)}, []string{"--burst must be at least 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, env, withURL(s, append([]string{"patch", "--limit", "none"}, c.args...)...)...)
			wantExit(t, r, 2)
			for _, want := range c.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
			if strings.HasPrefix(c.name, "CSV") || strings.HasPrefix(c.name, "JSON") {
				if first, _, _ := strings.Cut(r.stderr, "\n"); !strings.HasSuffix(first, "; nothing was sent") {
					t.Errorf("the first line does not say nothing was sent: %q", first)
				}
			}
		})
	}
	wantNoRequests(t, s)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "failed") {
			t.Errorf("a failed file was written for bad input: %s", e.Name())
		}
	}
}

// TestPatchTimeoutAndInterrupt stops bulk runs early: the summary says so, and the failed file
// holds every patch that was not applied, including those not attempted.
func TestPatchTimeoutAndInterrupt(t *testing.T) {
	users := make([]gen.User, 60)
	var b strings.Builder
	for i := range users {
		users[i] = gen.User{LoginIDs: []string{fmt.Sprintf("u%02d@example.com", i)}}
		fmt.Fprintf(&b, `{"loginId":"u%02d@example.com","name":"N%d"}`+"\n", i, i)
	}
	s, env := newServer(t, apitest.WithUsers(users...), apitest.WithFaults(apitest.Faults{Latency: 40 * time.Millisecond}))
	dir := t.TempDir()
	in := filepath.Join(dir, "slow.jsonl")
	writeFile(t, in, b.String())

	start := time.Now()
	r := runCLI(t, env, withURL(s, "--timeout", "150ms", "patch", "--limit", "none", "--batch-size", "5", "--concurrency", "1", in)...)
	wantExit(t, r, 1)
	if time.Since(start) > 3*time.Second {
		t.Errorf("the run took %v after its timeout", time.Since(start))
	}
	if !strings.Contains(r.stdout, "stopped early: the --timeout ran out") || !strings.Contains(r.stdout, "not attempted") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// Every patch the fake did not apply is in the failed file. So may be the one batch (of 5) cut
	// off in flight: the fake may have applied it before the client stopped waiting.
	inFailed := map[string]bool{}
	for _, line := range readLines(t, in+".failed.jsonl") {
		var p struct{ LoginID string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("failed file line %q: %v", line, err)
		}
		inFailed[p.LoginID] = true
	}
	patched, both := 0, 0
	for _, u := range s.Users() {
		if !strings.HasPrefix(u.LoginIDs[0], "u") {
			continue // the fake's own users
		}
		switch applied := u.Name != ""; {
		case applied && inFailed[u.LoginIDs[0]]:
			both++
			patched++
		case applied:
			patched++
		case !inFailed[u.LoginIDs[0]]:
			t.Errorf("%s was neither patched nor written to the failed file", u.LoginIDs[0])
		}
	}
	if patched == 0 || patched == 60 || both > 5 || len(inFailed) != 60-patched+both {
		t.Errorf("%d users patched, %d in the failed file, %d in both; want 0 < patched < 60 and at most one batch in both", patched, len(inFailed), both)
	}

	// Ctrl-C is a cancelled context.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	r = runCtx(t, ctx, env, "", withURL(s, "patch", "--limit", "none", "--batch-size", "5", "--concurrency", "1", "--failed", filepath.Join(dir, "c.jsonl"), in)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "stopped early: interrupted") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if lines := readLines(t, filepath.Join(dir, "c.jsonl")); len(lines) < 30 {
		t.Errorf("failed file has %d lines after an early interrupt", len(lines))
	}
}

func TestPatchRateLimited(t *testing.T) {
	users := make([]gen.User, 40)
	var b strings.Builder
	for i := range users {
		users[i] = gen.User{LoginIDs: []string{fmt.Sprintf("u%02d@example.com", i)}}
		fmt.Fprintf(&b, `{"loginId":"u%02d@example.com","customAttributes":{"i":%d}}`+"\n", i, i)
	}
	// 4 batches at once against a burst of 3 at 2 calls/s: one meets a 429 (Retry-After: 1), all
	// wait a second, and it is sent again.
	s, env := newServer(t, apitest.WithUsers(users...), apitest.WithRateLimit(2, 3))
	in := filepath.Join(t.TempDir(), "r.jsonl")
	writeFile(t, in, b.String())
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", "--batch-size", "10", "--concurrency", "4", in)...)
	wantExit(t, r, 0)
	n := s.Stats().RateLimited
	for _, want := range []string{"patched        40", fmt.Sprintf("429s met       %d (all batches paused", n), fmt.Sprintf("batches        4 (%d calls: %d sent again after a 429)", 4+n, n)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the fake answered %d 429s; summary lacks %q:\n%s", n, want, r.stdout)
		}
	}
	if n == 0 {
		t.Errorf("no 429: the test did not test what it should")
	}
}

func TestProgressBar(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"A"}`+"\n"+`{"loginId":"joe@example.com","name":"B"}`+"\n")

	// stderr is a file, not a terminal: nothing is written to it.
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = errFile.Close() }()
	var out bytes.Buffer
	code := Run(context.Background(), withURL(s, "patch", "--limit", "none", "--batch-size", "1", in), func(k string) string { return env[k] }, nil, &out, errFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if st, _ := errFile.Stat(); st.Size() != 0 {
		data, _ := os.ReadFile(errFile.Name())
		t.Errorf("stderr is not a terminal, yet got %q", data)
	}

	// When stderr is a terminal, the bar is drawn there (and nothing of it goes to stdout).
	isTerminal = func(w io.Writer) bool { return w == io.Writer(fakeTTY) }
	defer func() { isTerminal = defaultIsTerminal }()
	fakeTTY.Reset()
	out.Reset()
	code = Run(context.Background(), withURL(s, "patch", "--limit", "none", "--batch-size", "1", in), func(k string) string { return env[k] }, nil, &out, fakeTTY)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if !strings.Contains(fakeTTY.String(), "patching") || !strings.Contains(fakeTTY.String(), "\r") {
		t.Errorf("no progress bar on the terminal: %q", fakeTTY.String())
	}
	if strings.Contains(out.String(), "patching") {
		t.Errorf("progress bar on stdout: %q", out.String())
	}
}

var fakeTTY = &bytes.Buffer{}

var defaultIsTerminal = isTerminal

// TestPatchBatchFailureReasons checks the summary's reasons when whole batches fail.
func TestPatchBatchFailureReasons(t *testing.T) {
	s, env := newServer(t, apitest.WithFaults(apitest.Faults{ErrorRate: 1}))
	in := filepath.Join(t.TempDir(), "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"A"}`+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "batch failed: descope: PatchUserBatch: HTTP 503") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	var p api.UserPatch
	if err := json.Unmarshal([]byte(readLines(t, in+".failed.jsonl")[0]), &p); err != nil || p.LoginID != "jane@example.com" {
		t.Errorf("failed file: %v %+v", err, p)
	}
}

// patch paces itself under Descope's documented limit by default (100 calls a minute for batch
// patch), meets no 429 against a fake enforcing the documented limits, and with --limit none runs
// into the limit once and then keeps under it. The fake's minute is a second (--time-scale 60).
func TestPatchDefaultLimit(t *testing.T) {
	const scale = "60"
	users := make([]gen.User, 150)
	var b strings.Builder
	for i := range users {
		users[i] = gen.User{LoginIDs: []string{fmt.Sprintf("u%03d@example.com", i)}}
		fmt.Fprintf(&b, `{"loginId":"u%03d@example.com","name":"N%d"}`+"\n", i, i)
	}
	for _, tc := range []struct {
		limit        []string
		lockouts     int64
		pacedSummary string
	}{
		{nil, 0, "paced          under 100/1m calls (--limit)"},
		{[]string{"--limit", "none"}, 1, "paced          by the API's 429s (--limit none)"},
		{[]string{"--limit", "50/30s"}, 0, "paced          under 50/30s calls (--limit)"},
	} {
		t.Run(strings.Join(append([]string{"limit"}, tc.limit...), " "), func(t *testing.T) {
			t.Parallel()
			s, env := newServer(t, apitest.WithUsers(users...), apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(60))
			in := filepath.Join(t.TempDir(), "p.jsonl")
			writeFile(t, in, b.String())
			args := append([]string{"--base-url", s.URL, "--time-scale", scale, "patch", "--batch-size", "1"}, tc.limit...)
			r := runCLI(t, env, append(args, in)...)
			wantExit(t, r, 0)
			st := s.Stats()
			if st.Lockouts != tc.lockouts || st.PatchedUsers != 150 {
				t.Errorf("%d lock-outs and %d users patched, want %d and 150\n%s", st.Lockouts, st.PatchedUsers, tc.lockouts, r.stdout)
			}
			if !strings.Contains(r.stdout, tc.pacedSummary) {
				t.Errorf("summary lacks %q:\n%s", tc.pacedSummary, r.stdout)
			}
		})
	}
}

func TestPatchLimitFlag(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "p.jsonl")
	writeFile(t, in, `{"loginId":"jane@example.com","name":"A"}`+"\n")
	for _, tc := range []struct{ value, want string }{
		{"abc", `"abc" is not COUNT/WINDOW`},
		{"1/1m", `"1/1m" is not COUNT/WINDOW with a COUNT of at least 2`},
		{"100/0s", "the WINDOW must be a positive duration"},
		{"100/soon", "the WINDOW must be a positive duration"},
	} {
		r := runCLI(t, env, withURL(s, "patch", "--limit", tc.value, in)...)
		wantExit(t, r, exitUsage)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("--limit %s: stderr lacks %q:\n%s", tc.value, tc.want, r.stderr)
		}
	}
	for _, args := range [][]string{{"--time-scale", "0"}, {"--time-scale", "NaN"}, {"--time-scale", "-2"}, {"--fake", "--time-scale", "2"}} {
		r := runCLI(t, env, append(args, "patch", in)...)
		wantExit(t, r, exitUsage)
		if !strings.Contains(r.stderr, "--time-scale") {
			t.Errorf("%q: stderr does not name --time-scale:\n%s", args, r.stderr)
		}
	}
	wantNoRequests(t, s)
}
