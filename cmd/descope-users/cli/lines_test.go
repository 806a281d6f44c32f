package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Every line export or a failed file holds is one patch reads: no HTML escaping, and one limit
// for what is written and what is read.
func TestWhatTheToolWritesItReadsBack(t *testing.T) {
	big := strings.Repeat("a&b<c>", 60_000) // 360 KB; 1.26 MB with encoding/json's HTML escapes
	s, env := newServer(t, apitest.WithUsers(
		gen.User{UserID: "U2big", LoginIDs: []string{"big@example.com"}, Name: "x&y", CustomAttributes: map[string]any{"notes": big}},
		gen.User{UserID: "U2huge", LoginIDs: []string{"huge@example.com"}, CustomAttributes: map[string]any{"notes": strings.Repeat("z", maxLineBytes)}},
	))
	dir := t.TempDir()
	out := filepath.Join(dir, "export.jsonl")
	r := runCLI(t, env, withURL(s, "export", "--login-ids", "big@example.com,huge@example.com", "--search-limit", "none")...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stderr, "user U2huge not written: its line would be longer than 1048576 bytes") {
		t.Errorf("the user too long to read back is not reported:\n%s", r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 1 || strings.Contains(lines[0], `\u0026`) || !strings.Contains(lines[0], big) || len(lines[0]) > maxLineBytes {
		t.Fatalf("export wrote %d lines; the first (%d bytes) escapes HTML or lacks the value", len(lines), len(lines[0]))
	}
	writeFile(t, out, r.stdout)
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", out)...)
	wantExit(t, r, 0)

	// A CSV row whose patch could not be written back as a line is refused before anything is sent.
	csvIn := filepath.Join(dir, "big.csv")
	writeFile(t, csvIn, "loginId,customAttributes.notes\nbig@example.com,"+strings.Repeat("q", 1_200_000)+"\n")
	before := s.Stats().Requests
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", csvIn)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, csvIn+":2: the patch, written as one line, would be longer than 1048576 bytes") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if s.Stats().Requests != before {
		t.Error("the refused file sent requests")
	}

	// A failed patch goes to the failed file as written, and its retry reads it.
	ghost := filepath.Join(dir, "ghost.jsonl")
	writeFile(t, ghost, `{"loginId":"ghost@example.com","name":"`+big+`"}`+"\n")
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", ghost)...), 1)
	got := readLines(t, ghost+".failed.jsonl")
	if len(got) != 1 || !strings.Contains(got[0], big) {
		t.Fatalf("failed file: %d lines, HTML escaped or without the value", len(got))
	}
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", "--failed", filepath.Join(dir, "retry.failed.jsonl"), ghost+".failed.jsonl")...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stdout, "  failed         1\n") {
		t.Errorf("the retry did not read the failed line:\n%s", r)
	}
}
