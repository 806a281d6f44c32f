package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// A line that names a field twice, or in another case than the API's, is refused by line: Go's
// decoder would take the last of two keys and match names in any case.
func TestDuplicateAndMiscasedKeysRefused(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "keys.jsonl")
	lines := []string{
		`{"loginId":"jane@example.com","name":"dup","LoginID":"joe@example.com"}`,
		`{"loginId":"jane@example.com","loginId":"joe@example.com"}`,
		`{"loginId":"jane@example.com","userTenants":[{"tenantId":"T1","TenantId":"T2"}]}`,
		`{"loginId":"jane@example.com","customAttributes":{"plan":"a","plan":"b"}}`,
		`{"LOGINID":"jane@example.com"}`,
		`{"loginId":"jane@example.com","userTenants":[{"tenantId":"T1","roleNames":["a"],"roleNames":["b"]}]}`,
	}
	writeFile(t, in, strings.Join(lines, "\n")+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 2)
	for _, want := range []string{
		in + `:1: field "LoginID": field names are case-sensitive: did you mean "loginId"?`,
		in + `:2: field "loginId" appears twice in one object`,
		in + `:3: field "userTenants[0].TenantId": field names are case-sensitive: did you mean "userTenants[0].tenantId"?`,
		in + `:4: field "customAttributes.plan" appears twice in one object`,
		in + `:5: field "LOGINID": field names are case-sensitive`,
		in + `:6: field "userTenants[0].roleNames" appears twice in one object`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	// patch-user and sync read patches the same way.
	wantExit(t, runCLI(t, env, withURL(s, "patch-user", "--login-id", "jane@example.com", "--json", lines[0])...), 2)
	wantExit(t, runCLI(t, env, withURL(s, "sync", in)...), 2)
	wantNoRequests(t, s)
}

// null for a field that null cannot clear is refused by line instead of being a silent no-op;
// null for a list still clears it, and null inside customAttributes removes the attribute.
func TestNullForAScalarFieldRefused(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "nulls.jsonl")
	writeFile(t, in, strings.Join([]string{
		`{"loginId":"jane@example.com","picture":null,"name":null}`,
		`{"loginId":"jane@example.com","verifiedEmail":null}`,
		`{"loginId":"jane@example.com","customAttributes":null}`,
		`{"loginId":"jane@example.com","status":null}`,
	}, "\n")+"\n")
	r := runCLI(t, env, withURL(s, "patch", "--limit", "none", in)...)
	wantExit(t, r, 2)
	for _, want := range []string{
		in + `:1: field "picture" is null, which leaves it unchanged: to clear it write "", or leave the field out`,
		in + `:2: field "verifiedEmail" is null`,
		in + `:3: field "customAttributes" is null, which leaves it unchanged: to clear it write null for each key inside it`,
		in + `:4: field "status" is null`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	wantExit(t, runCLI(t, env, withURL(s, "patch-user", "--login-id", "jane@example.com", "--json", `{"name":null}`)...), 2)
	wantNoRequests(t, s)

	ok := filepath.Join(dir, "ok.jsonl")
	writeFile(t, ok, `{"loginId":"jane@example.com","roleNames":null,"customAttributes":{"plan":null}}`+"\n")
	wantExit(t, runCLI(t, env, withURL(s, "patch", "--limit", "none", ok)...), 0)
	u := user(t, s, "jane@example.com")
	if len(u.RoleNames) != 0 || u.CustomAttributes["plan"] != nil || u.CustomAttributes["seats"] == nil {
		t.Errorf("jane after the patch: roles %q, attributes %v", u.RoleNames, u.CustomAttributes)
	}
}

// Bytes that are not standard base64 with padding are refused naming the field (Go's decoder
// names none), without quoting the value, which may be a secret: a hash's salt by FILE:LINE, a
// passkey's public key in --json.
func TestBadBase64RefusedByField(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "new.jsonl")
	const salt = "c2FsdC1vZi1hbm4" // unpadded
	writeFile(t, in, `{"loginId":"ann@example.com","hashedPassword":{"pbkdf2":{"hash":"bQSiqobajO4AfKtBHvBCQhSofaL2GQ+iwmYakerr9Hc=","salt":"`+salt+`","iterations":4096,"type":"sha256"}}}`+"\n")
	r := runCLI(t, env, withURL(s, "create-batch", in)...)
	wantExit(t, r, 2)
	if want := in + `:1: field "hashedPassword.pbkdf2.salt" must be standard base64 with padding`; !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, salt) {
		t.Errorf("stderr lacks %q, or shows the salt:\n%s", want, r)
	}
	r = runCLI(t, env, withURL(s, "import-passkeys", "--login-id", "jane@example.com", "--json", `[{"descope":{"credentialId":"Y3JlZA","publicKey":"YWJjZA"}}]`)...)
	wantExit(t, r, 2)
	if want := `field "[0].descope.publicKey" must be standard base64 with padding`; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r)
	}
	wantNoRequests(t, s)
}
