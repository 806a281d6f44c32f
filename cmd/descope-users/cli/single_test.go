package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestUpdateAttributeValues(t *testing.T) {
	s, env := newServer(t)
	cases := []struct {
		value string
		want  any // as the fake stores it (JSON-decoded); absent means removed
		gone  bool
		sent  string // the attributeValue sent, as JSON
	}{
		{value: "42", want: float64(42), sent: `42`},
		{value: "12345678901234567890", want: float64(12345678901234567890), sent: `12345678901234567890`},
		{value: "-1.5e3", want: float64(-1500), sent: `-1.5e3`},
		{value: "true", want: true, sent: `true`},
		{value: "false", want: false, sent: `false`},
		{value: `["a","b"]`, want: []any{"a", "b"}, sent: `["a","b"]`},
		{value: `{"k":1}`, want: map[string]any{"k": float64(1)}, sent: `{"k":1}`},
		{value: `"\"quoted\""`, want: `"quoted"`, sent: `"\"quoted\""`},
		{value: `"42"`, want: "42", sent: `"42"`},
		{value: "pro plan", want: "pro plan", sent: `"pro plan"`},
		{value: "2024-01-31", want: "2024-01-31", sent: `"2024-01-31"`},
		{value: "007", want: "007", sent: `"007"`},
		{value: "{not json", want: "{not json", sent: `"{not json"`},
		{value: "", want: "", sent: `""`},
		{value: "null", gone: true, sent: `null`},
	}
	for _, c := range cases {
		before := len(s.Requests())
		r := runCLI(t, env, withURL(s, "update-attribute", "--login-id", "jane@example.com", "--key", "plan", "--value", c.value)...)
		wantExit(t, r, 0)
		got, ok := user(t, s, "jane@example.com").CustomAttributes["plan"]
		switch {
		case c.gone && ok:
			t.Errorf("--value %s: attribute still there: %#v", c.value, got)
		case !c.gone && !reflect.DeepEqual(got, c.want):
			t.Errorf("--value %s: stored %#v (%T), want %#v (%T)", c.value, got, got, c.want, c.want)
		}
		printed := printedUser(t, r)
		if _, ok := printed.CustomAttributes["plan"]; ok == c.gone {
			t.Errorf("--value %s: printed user: %v", c.value, printed.CustomAttributes)
		}
		reqs := s.Requests()[before:]
		if len(reqs) != 1 || reqs[0].OperationID != "UpdateUserCustomAttribute" {
			t.Fatalf("--value %s: requests %+v", c.value, reqs)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		if string(body["attributeValue"]) != c.sent {
			t.Errorf("--value %s: sent attributeValue %s, want %s", c.value, body["attributeValue"], c.sent)
		}
	}
	// The other attribute is untouched.
	if got := user(t, s, "jane@example.com").CustomAttributes["seats"]; got != float64(1) {
		t.Errorf("seats = %#v", got)
	}
	r := runCLI(t, env, withURL(s, "update-attribute", "--login-id", "jane@example.com", "--key", "", "--value", "1")...)
	wantExit(t, r, 2)
	r = runCLI(t, env, withURL(s, "update-attribute", "--login-id", "jane@example.com", "--key", "x")...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--value is required") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestParseValue(t *testing.T) {
	for in, want := range map[string]any{
		"42": json.Number("42"), "true": true, "null": nil, `["a"]`: []any{"a"}, `{"k":1}`: map[string]any{"k": json.Number("1")},
		`"\"quoted\""`: `"quoted"`, "plain": "plain", " 7 ": json.Number("7"), "1 2": "1 2",
	} {
		if got := parseValue(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestUpdateName(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "update-name", "--login-id", "jane@example.com", "--display-name", "Jane Q. Roe")...)
	wantExit(t, r, 0)
	u := user(t, s, "jane@example.com")
	if u.Name != "Jane Q. Roe" || u.GivenName != "Jane" || u.FamilyName != "Roe" {
		t.Errorf("display name only: %+v", u)
	}
	if p := printedUser(t, r); p.Name != "Jane Q. Roe" {
		t.Errorf("printed %+v", p)
	}

	r = runCLI(t, env, withURL(s, "update-name", "--login-id", "jane@example.com", "--given-name", "Janet", "--family-name", "Doe")...)
	wantExit(t, r, 0)
	u = user(t, s, "jane@example.com")
	if u.Name != "Jane Q. Roe" || u.GivenName != "Janet" || u.MiddleName != "" || u.FamilyName != "Doe" {
		t.Errorf("name parts only: %+v", u)
	}

	r = runCLI(t, env, withURL(s, "update-name", "--login-id", "U2jane", "--display-name", "J. M. D.", "--given-name", "J", "--middle-name", "M", "--family-name", "D")...)
	wantExit(t, r, 0)
	u = user(t, s, "jane@example.com")
	if u.Name != "J. M. D." || u.GivenName != "J" || u.MiddleName != "M" || u.FamilyName != "D" {
		t.Errorf("both kinds: %+v", u)
	}
	if p := printedUser(t, r); p.Name != "J. M. D." || p.MiddleName != "M" {
		t.Errorf("printed %+v", p)
	}

	before := s.Stats().Requests
	r = runCLI(t, env, withURL(s, "update-name", "--login-id", "jane@example.com")...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--display-name") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if s.Stats().Requests != before {
		t.Error("a usage error sent a request")
	}
}

func TestUpdatePicture(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "update-picture", "--login-id", "joe@example.com", "--picture", "https://example.com/joe.png")...)
	wantExit(t, r, 0)
	if u := user(t, s, "joe@example.com"); u.Picture != "https://example.com/joe.png" {
		t.Errorf("picture %q", u.Picture)
	}
	if p := printedUser(t, r); p.Picture != "https://example.com/joe.png" || p.LoginIDs[0] != "joe@example.com" {
		t.Errorf("printed %+v", p)
	}
	r = runCLI(t, env, withURL(s, "update-picture", "--login-id", "joe@example.com", "--picture", "")...)
	wantExit(t, r, 0)
	if u := user(t, s, "joe@example.com"); u.Picture != "" {
		t.Errorf("picture not removed: %q", u.Picture)
	}
}

func TestUpdatePhone(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "update-phone", "--login-id", "jane@example.com", "--phone", "+15559998888", "--verified")...)
	wantExit(t, r, 0)
	if u := user(t, s, "jane@example.com"); u.Phone != "+15559998888" || !u.VerifiedPhone {
		t.Errorf("phone %q verified %v", u.Phone, u.VerifiedPhone)
	}
	if p := printedUser(t, r); p.Phone != "+15559998888" || !p.VerifiedPhone {
		t.Errorf("printed %+v", p)
	}

	// Joe's number, with --fail-on-conflict: refused, one line with status and code, exit 1.
	r = runCLI(t, env, withURL(s, "update-phone", "--login-id", "jane@example.com", "--phone", "+15550000001", "--fail-on-conflict")...)
	wantExit(t, r, 1)
	if !strings.Contains(r.stderr, "HTTP 400") || !strings.Contains(r.stderr, "E011004") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr: %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout on error: %q", r.stdout)
	}
	if u := user(t, s, "jane@example.com"); u.Phone != "+15559998888" {
		t.Errorf("phone changed to %q", u.Phone)
	}
	// Without the flag the number is taken, and not verified.
	r = runCLI(t, env, withURL(s, "update-phone", "--login-id", "jane@example.com", "--phone", "+15550000001")...)
	wantExit(t, r, 0)
	if u := user(t, s, "jane@example.com"); u.Phone != "+15550000001" || u.VerifiedPhone {
		t.Errorf("phone %q verified %v", u.Phone, u.VerifiedPhone)
	}
}

func TestPatchUser(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "patch-user", "--login-id", "jane@example.com", "--json",
		`{"name":"Jane P","status":"disabled","roleNames":["editor","billing"],"verifiedEmail":true,"customAttributes":{"plan":"pro","seats":null}}`)...)
	wantExit(t, r, 0)
	u := user(t, s, "jane@example.com")
	if u.Name != "Jane P" || u.Status != "disabled" || !reflect.DeepEqual(u.RoleNames, []string{"editor", "billing"}) || !u.VerifiedEmail {
		t.Errorf("user %+v", u)
	}
	if !reflect.DeepEqual(u.CustomAttributes, map[string]any{"plan": "pro"}) {
		t.Errorf("custom attributes %v", u.CustomAttributes)
	}
	if p := printedUser(t, r); p.Status != "disabled" || p.GivenName != "Jane" {
		t.Errorf("printed %+v", p)
	}

	// The login ID may come from the patch, and the patch from stdin.
	r = runCtx(t, t.Context(), env, `{"loginId":"joe@example.com","roleNames":[]}`, withURL(s, "patch-user", "--json", "-")...)
	wantExit(t, r, 0)
	if u := user(t, s, "joe@example.com"); u.RoleNames != nil {
		t.Errorf("roles not cleared: %v", u.RoleNames)
	}

	before := s.Stats().Requests
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--login-id", "jane@example.com", "--json", `{"nmae":"x"}`}, `unknown field "nmae"`},
		{[]string{"--login-id", "jane@example.com", "--json", `{"status":"paused"}`}, `status "paused"`},
		{[]string{"--login-id", "jane@example.com", "--json", `{"verifiedEmail":"yes"}`}, `field "verifiedEmail": expected true or false, got a JSON string`},
		{[]string{"--login-id", "jane@example.com", "--json", `{"name":"x"} {"name":"y"}`}, "unexpected data after"},
		{[]string{"--login-id", "jane@example.com", "--json", `{"name":`}, "invalid JSON"},
		{[]string{"--login-id", "jane@example.com", "--json", `[1]`}, "expected a JSON object"},
		{[]string{"--login-id", "jane@example.com", "--json", `{"loginId":"joe@example.com"}`}, "differ"},
		{[]string{"--json", `{"name":"x"}`}, "--login-id is required"},
		{[]string{"--login-id", "jane@example.com"}, "--json is required"},
	} {
		r := runCLI(t, env, withURL(s, append([]string{"patch-user"}, c.args...)...)...)
		wantExit(t, r, 2)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: stderr %q, want %q", c.args, r.stderr, c.want)
		}
	}
	if s.Stats().Requests != before {
		t.Error("bad patches were sent")
	}
}

func TestSingleUserNotFound(t *testing.T) {
	s, env := newServer(t)
	for _, args := range [][]string{
		{"update-attribute", "--login-id", "ghost@example.com", "--key", "k", "--value", "v"},
		{"update-name", "--login-id", "ghost@example.com", "--display-name", "G"},
		{"update-picture", "--login-id", "ghost@example.com", "--picture", "p"},
		{"update-phone", "--login-id", "ghost@example.com", "--phone", "+1"},
		{"patch-user", "--login-id", "ghost@example.com", "--json", `{"name":"G"}`},
	} {
		r := runCLI(t, env, withURL(s, args...)...)
		wantExit(t, r, 1)
		line := strings.TrimSuffix(r.stderr, "\n")
		if strings.Contains(line, "\n") || !strings.HasPrefix(line, "descope-users "+args[0]+": ") ||
			!strings.Contains(line, "HTTP 404") || !strings.Contains(line, "E112102") {
			t.Errorf("%s: stderr %q", args[0], r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%s: stdout %q", args[0], r.stdout)
		}
	}
}

// TestFakeSingleOperations runs each single-user command against the embedded fake.
func TestFakeSingleOperations(t *testing.T) {
	login := "user00007@example.com"
	for _, c := range []struct {
		args  []string
		check func(u map[string]any) bool
	}{
		{[]string{"update-attribute", "--login-id", login, "--key", "plan", "--value", `["a",1]`},
			func(u map[string]any) bool {
				return reflect.DeepEqual(u["customAttributes"].(map[string]any)["plan"], []any{"a", float64(1)})
			}},
		{[]string{"update-name", "--login-id", login, "--display-name", "Seven"},
			func(u map[string]any) bool { return u["name"] == "Seven" }},
		{[]string{"update-picture", "--login-id", login, "--picture", "https://example.com/7.png"},
			func(u map[string]any) bool { return u["picture"] == "https://example.com/7.png" }},
		{[]string{"update-phone", "--login-id", login, "--phone", "+15557777777", "--verified"},
			func(u map[string]any) bool { return u["phone"] == "+15557777777" && u["verifiedPhone"] == true }},
		{[]string{"patch-user", "--login-id", login, "--json", `{"status":"invited"}`},
			func(u map[string]any) bool { return u["status"] == "invited" && u["name"] != "" }},
	} {
		r := runCLI(t, nil, append([]string{"--fake"}, c.args...)...)
		wantExit(t, r, 0)
		var u map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
			t.Fatalf("%s: %v\n%s", c.args[0], err, r)
		}
		if !c.check(u) || u["loginIds"].([]any)[0] != login {
			t.Errorf("%s: printed %s", c.args[0], r.stdout)
		}
	}
}
