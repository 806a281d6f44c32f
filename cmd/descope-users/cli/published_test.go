package cli

// The fields Descope's published document and SDKs name, in the tool: patch lines as Descope's
// Node and .NET SDKs write them, the recovery contacts as CSV columns, and search's new filters.

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// A patch line that names its user `identifier` and its display name `displayName` is read as
// the API reads it, and sent under the first names; two names that differ are refused by line.
func TestPatchLinesWithTheSecondNames(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "sdk.jsonl")
	writeFile(t, in, `{"identifier":"jane@example.com","displayName":"Jane D","additionalIdentifiers":[]}`+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 0)
	bodies := batchBodies(t, s)
	if len(bodies) != 1 || string(bodies[0]["loginId"]) != `"jane@example.com"` || string(bodies[0]["name"]) != `"Jane D"` ||
		string(bodies[0]["additionalLoginIds"]) != `[]` || bodies[0]["identifier"] != nil || bodies[0]["displayName"] != nil {
		t.Errorf("sent %v", bodies)
	}
	if u := user(t, s, "jane@example.com"); u.Name != "Jane D" {
		t.Errorf("jane's name: %q", u.Name)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	writeFile(t, bad, `{"loginId":"jane@example.com","identifier":"joe@example.com"}`+"\n"+`{"loginId":"jane@example.com","name":"A","displayName":"B"}`+"\n")
	r = runCLI(t, env, withURL(s, "patch", "--limit", "none", bad)...)
	wantExit(t, r, 2)
	for _, want := range []string{bad + `:1: loginId "jane@example.com" and identifier "joe@example.com" differ`, bad + `:2: name "A" and displayName "B" differ`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// The recovery contacts are CSV columns, sent as the patch's fields.
func TestPatchCSVRecoveryColumns(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "rec.csv")
	writeFile(t, in, "loginId,recoveryEmail,verifiedRecoveryEmail,recoveryPhone,verifiedRecoveryPhone\njane@example.com,r@example.com,true,+15550000009,false\n")
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...), 0)
	b := batchBodies(t, s)
	if len(b) != 1 || string(b[0]["recoveryEmail"]) != `"r@example.com"` || string(b[0]["verifiedRecoveryEmail"]) != "true" ||
		string(b[0]["recoveryPhone"]) != `"+15550000009"` || string(b[0]["verifiedRecoveryPhone"]) != "false" {
		t.Errorf("sent %v", b)
	}
}

func TestSearchNewFilters(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "search", "--recovery-emails", "r@example.com", "--recovery-phones", "+15550000009",
		"--verified-recovery-email=false", "--verified-recovery-phone", "--verified-email=false",
		"--has", "password,totp,passkey,sso,scim", "--offset", "3")...)
	wantExit(t, r, 0)
	var sent map[string]json.RawMessage
	lastBody(t, s, &sent)
	want := map[string]string{"recoveryEmails": `["r@example.com"]`, "recoveryPhones": `["+15550000009"]`, "verifiedRecoveryEmail": "false",
		"verifiedRecoveryPhone": "true", "verifiedEmail": "false", "password": "true", "totp": "true", "webauthn": "true",
		"ssoOnly": "true", "scim": "true", "offset": "3"}
	for k, v := range want {
		if string(sent[k]) != v {
			t.Errorf("%s sent as %s, want %s", k, sent[k], v)
		}
	}
	if _, ok := sent["verifiedPhone"]; ok {
		t.Errorf("verifiedPhone was sent though --verified-phone was not given: %s", sent["verifiedPhone"])
	}
	before := s.Stats().Requests
	for _, args := range [][]string{{"--has", "magic"}, {"--offset", "-1"}} {
		r := runCLI(t, env, withURL(s, append([]string{"search"}, args...)...)...)
		wantExit(t, r, 2)
	}
	if s.Stats().Requests != before {
		t.Error("a refused search was sent")
	}
}
