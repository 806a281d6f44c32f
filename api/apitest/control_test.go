package apitest_test

// The control API (WithControlAPI), the state (WriteState, ReadState, WithState, Reset), fault
// rules, the request journal's limit and Shutdown.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// control sends a request to the control API with the server's credentials; the answer's Error
// is decoded for an error status only (a success may be JSON Lines).
func control(t *testing.T, s *apitest.Server, method, path, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+apitest.ControlPrefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", bearer(s))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	r := rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b.String()}
	if r.Status >= 400 {
		if err := json.Unmarshal(b.Bytes(), &r.Error); err != nil {
			t.Fatalf("%s %s: error body %q: %v", method, path, r.Body, err)
		}
	}
	return r
}

// patchJSON sends a PatchUser request (PATCH).
func patchJSON(t *testing.T, s *apitest.Server, body string) rawResponse {
	t.Helper()
	return raw(t, s, http.MethodPatch, "/v1/mgmt/user/patch", bearer(s), body)
}

func wantStatus(t *testing.T, what string, r rawResponse, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Body)
	}
}

// TestControlAPIAuthAndRoutes: every control path needs the management API's credentials; an
// unknown path is a 404 and another method a 405, both with a JSON error; without
// WithControlAPI the paths are unknown operations.
func TestControlAPIAuthAndRoutes(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(jane()), apitest.WithRequestLog())
	for _, ep := range []struct{ method, path string }{
		{"POST", "reset"}, {"GET", "state"}, {"PUT", "state"}, {"GET", "users"}, {"GET", "requests"}, {"DELETE", "requests"},
		{"GET", "faults"}, {"POST", "faults"}, {"DELETE", "faults"}, {"POST", "password/check"},
	} {
		for _, auth := range []string{"", "Bearer " + s.ProjectID() + ":wrong-key", "Bearer other:" + s.ManagementKey()} {
			r := raw(t, s, ep.method, apitest.ControlPrefix+ep.path, auth, `{}`)
			wantError(t, ep.method+" "+ep.path+" with "+auth, r.Status, &r.Error, http.StatusUnauthorized, apitest.CodeUnauthorized)
		}
	}
	r := control(t, s, "GET", "nothing", "")
	wantError(t, "unknown path", r.Status, &r.Error, http.StatusNotFound, apitest.CodeBadRequest)
	if !strings.Contains(r.Error.ErrorMessage, "/emulator/v1/nothing") {
		t.Errorf("the 404 does not name the path: %s", r.Body)
	}
	r = raw(t, s, "GET", "/emulator/v2/state", bearer(s), "")
	wantError(t, "another version", r.Status, &r.Error, http.StatusNotFound, apitest.CodeBadRequest)
	r = control(t, s, "GET", "reset", "")
	wantError(t, "GET reset", r.Status, &r.Error, http.StatusMethodNotAllowed, apitest.CodeBadRequest)
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("Allow: %q, want POST", r.Header.Get("Allow"))
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the control API's requests are in the journal: %d", n)
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("the control API's requests are counted: %d", n)
	}

	plain := apitest.NewServer(t)
	r = raw(t, plain, "POST", apitest.ControlPrefix+"reset", bearer(plain), "")
	wantError(t, "without WithControlAPI", r.Status, &r.Error, http.StatusNotFound, apitest.CodeBadRequest)
}

// everyKindOfState is a server whose users have every kind of thing the fake keeps: passwords of
// every hash kind (one set in clear text, one temporary, one expired, one the fake cannot
// verify), TOTP, passkeys, trusted devices, provider tokens, sign-in history, consent, a test
// user, tenants and attributes, custom attribute definitions, and user IDs it issued to users it
// then deleted.
func everyKindOfState(t *testing.T, more ...apitest.Option) (*apitest.Server, []hashVector) {
	t.Helper()
	s := seeded(t, append([]apitest.Option{apitest.WithControlAPI(),
		apitest.WithCustomAttributes(gen.CustomAttribute{Name: "plan", Type: 4, DisplayName: "Plan",
			Options: []gen.CustomAttributeOption{{Label: "Pro", Value: "pro"}}, DefaultValue: "free"})}, more...)...)
	vs := vectors(t)
	for i, v := range vs {
		r := post(t, s, "/v1/mgmt/user/create", fmt.Sprintf(`{"loginId":"hash%02d@example.com","hashedPassword":%s}`, i, v.hashed))
		wantStatus(t, v.name, r, http.StatusOK)
	}
	wantStatus(t, "bach", post(t, s, "/v1/mgmt/user/create", `{"loginId":"bach@example.com","hashedPassword":{"bach":{"hash":"not-verifiable"}}}`), http.StatusOK)
	wantEmpty(t, "clear text", post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"Jane-Pa55word"}`))
	wantEmpty(t, "temporary", post(t, s, "/v1/mgmt/user/password/set/temporary", `{"loginId":"bob@example.com","password":"Bob-Temp-Pa55"}`))
	wantEmpty(t, "expire", post(t, s, "/v1/mgmt/user/password/expire", `{"loginId":"hash00@example.com"}`))
	wantStatus(t, "consent", post(t, s, "/v1/mgmt/user/update/impersonationConsent", `{"loginId":"jane","impersonationConsent":7}`), http.StatusOK)
	wantStatus(t, "doomed", post(t, s, "/v1/mgmt/user/create", `{"loginId":"doomed@example.com"}`), http.StatusOK)
	wantEmpty(t, "delete", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"doomed@example.com"}`))
	return s, vs
}

// TestStateRoundTrip: the state a server writes, read by another (PUT state, and WithState), gives
// the same state back byte for byte, with every user's ID, every password that verifies, the
// passkeys, devices, tokens and history the API answers, the definitions, and user IDs that never
// repeat one issued before; the state holds hashes and never a clear-text password.
func TestStateRoundTrip(t *testing.T) {
	s, vs := everyKindOfState(t)
	r := control(t, s, "GET", "state", "")
	wantStatus(t, "GET state", r, http.StatusOK)
	state := r.Body
	for _, want := range []string{`"format":"descope-emulator-state"`, `"name":"plan"`, `"expired":true`, `"scheme":"argon2id"`,
		`"id":"cred-1"`, `"id":"dev-1"`, `"accessToken":"ya29.access"`, `"city":"Lisbon"`, `"TOTP":true`, `"test":true`, `"bach":`} {
		if !strings.Contains(state, want) {
			t.Errorf("the state lacks %s:\n%s", want, state)
		}
	}
	for _, secret := range []string{"Jane-Pa55word", "Bob-Temp-Pa55", "hunter2"} {
		if strings.Contains(state, secret) {
			t.Errorf("the state holds the password %q", secret)
		}
	}

	var buf bytes.Buffer
	if err := s.WriteState(&buf); err != nil || buf.String() != state {
		t.Fatalf("WriteState differs from GET state (%v)", err)
	}
	viaOption := apitest.NewServer(t, apitest.WithState(strings.NewReader(state)))
	viaPut := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(gen.User{LoginIDs: []string{"gone@example.com"}}))
	r = control(t, viaPut, "PUT", "state", state)
	wantStatus(t, "PUT state", r, http.StatusOK)
	if want := fmt.Sprintf(`{"users":%d}`, len(s.Users())); strings.TrimSpace(r.Body) != want {
		t.Errorf("PUT state answered %s, want %s", r.Body, want)
	}
	if len(vs) < 16 {
		t.Fatalf("only %d hash vectors", len(vs))
	}
	next, _ := created(t, s, "create in the original", post(t, s, "/v1/mgmt/user/create", `{"loginId":"next@example.com"}`))
	for name, other := range map[string]*apitest.Server{"WithState": viaOption, "PUT state": viaPut} {
		var again bytes.Buffer
		if err := other.WriteState(&again); err != nil {
			t.Fatal(err)
		}
		if again.String() != state {
			t.Errorf("%s: the state written back differs:\n%s\nwant:\n%s", name, again.String(), state)
		}
		if got, want := other.Users(), s.Users(); !reflect.DeepEqual(got, want[:len(want)-1]) {
			t.Errorf("%s: the users differ", name)
		}
		if _, ok := other.User("gone@example.com"); ok {
			t.Errorf("%s: a user of the replaced state is still there", name)
		}
		wantPassword(t, other, "jane", "Jane-Pa55word", true)
		wantPassword(t, other, "jane", "wrong", false)
		wantPassword(t, other, "bob@example.com", "Bob-Temp-Pa55", true)
		for i, v := range vs {
			wantPassword(t, other, fmt.Sprintf("hash%02d@example.com", i), v.password, true)
		}
		if _, err := other.CheckPassword("bach@example.com", "x"); !errors.Is(err, apitest.ErrUnsupportedHash) {
			t.Errorf("%s: bach: %v, want ErrUnsupportedHash", name, err)
		}
		for _, id := range []string{"jane", "bob@example.com", "hash00@example.com", "hash01@example.com"} {
			want, _ := s.Password(id)
			if got, _ := other.Password(id); got != want {
				t.Errorf("%s: Password(%s) = %+v, want %+v", name, id, got, want)
			}
		}
		if got := passkeyIDs(t, other, "jane"); !reflect.DeepEqual(got, []string{"cred-1", "cred-2"}) {
			t.Errorf("%s: passkeys %v", name, got)
		}
		for _, call := range []struct{ path, body string }{
			{"/v1/mgmt/user/trusteddevices/list", `{"identifiers":["jane","bob@example.com"]}`},
			{"/v2/mgmt/user/history", `{"userIds":["U2jane","U2bob"]}`},
			{"/v1/mgmt/user/customattributes", ``},
		} {
			method := "POST"
			if call.body == "" {
				method = "GET"
			}
			a, b := raw(t, s, method, call.path, bearer(s), call.body), raw(t, other, method, call.path, bearer(other), call.body)
			if a.Status != 200 || a.Body != b.Body {
				t.Errorf("%s: %s answers %d %s, want %s", name, call.path, b.Status, b.Body, a.Body)
			}
		}
		a := raw(t, s, "GET", "/v1/mgmt/user/provider/token?loginId=jane&provider=google&withRefreshToken=true", bearer(s), "")
		b := raw(t, other, "GET", "/v1/mgmt/user/provider/token?loginId=jane&provider=google&withRefreshToken=true", bearer(other), "")
		if a.Status != 200 || a.Body != b.Body {
			t.Errorf("%s: the provider token differs: %s, want %s", name, b.Body, a.Body)
		}
		// The next user ID is neither a kept one nor the deleted user's.
		u, _ := created(t, other, "create after", post(t, other, "/v1/mgmt/user/create", `{"loginId":"next@example.com"}`))
		if u.UserID == "" || strings.Contains(state, `"`+u.UserID+`"`) {
			t.Errorf("%s: the new user's ID %q", name, u.UserID)
		}
		if u.UserID != next.UserID {
			t.Errorf("%s: the next user ID is %s, the original issued %s", name, u.UserID, next.UserID)
		}
	}
}

// TestPutStateRefusals: a state that does not read is a 400 naming its line and the field, and
// changes nothing.
func TestPutStateRefusals(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(jane()))
	header := `{"format":"descope-emulator-state","version":1,"userIdsIssued":0,"customAttributes":[]}`
	user := func(id, login string) string {
		return fmt.Sprintf(`{"user":{"userId":%q,"loginIds":[%q]}}`, id, login)
	}
	before := control(t, s, "GET", "state", "").Body
	for _, tc := range []struct{ name, state, want string }{
		{"empty", "", "line 1: no header"},
		{"no header", user("U1", "a"), `line 1: the header: unknown field "user"`},
		{"no format", `{"version":1}`, `line 1: format: ""`},
		{"another version", `{"format":"descope-emulator-state","version":2}`, "line 1: version: 2"},
		{"unknown header field", `{"format":"descope-emulator-state","version":1,"users":[]}`, `line 1: the header: unknown field "users"`},
		{"twice defined", `{"format":"descope-emulator-state","version":1,"customAttributes":[{"name":"a"},{"name":"a"}]}`, `line 1: customAttributes[1].name: "a" is defined twice`},
		{"unknown field", header + "\n" + user("U1", "a") + "\n" + `{"user":{"userId":"U2","loginIds":["b"]},"passwd":{}}`, `line 3: unknown field "passwd"`},
		{"wrong type", header + "\n\n" + `{"user":{"userId":"U1","loginIds":"a"}}`, "line 3: user.loginIds: expected []string, got a JSON string"},
		{"no user ID", header + "\n" + `{"user":{"loginIds":["a"]}}`, "line 2: user.userId: missing or empty"},
		{"no login ID", header + "\n" + `{"user":{"userId":"U1"}}`, "line 2: user.loginIds: missing or empty"},
		{"taken login ID", header + "\n" + user("U1", "a") + "\n" + user("U2", "a"), `line 3: user.loginIds[0]: "a" is also a login ID or user ID of the user on line 2`},
		{"taken user ID", header + "\n" + user("U1", "a") + "\n" + user("a", "b"), `line 3: user.userId: "a" is also a login ID or user ID of the user on line 2`},
		{"bad hash", header + "\n" + `{"user":{"userId":"U1","loginIds":["a"]},"password":{"hash":{"bcrypt":{"hash":"$2a$10$tooshort"}}}}`, "line 2: password.hash.bcrypt.hash: not a bcrypt hash"},
		{"two kinds of hash", header + "\n" + `{"user":{"userId":"U1","loginIds":["a"]},"password":{"hash":{"md5":{"hash":"x"},"sha":{}}}}`, "line 2: password.hash: give exactly one kind of hash"},
		{"another's device", header + "\n" + `{"user":{"userId":"U1","loginIds":["a"]},"trustedDevices":[{"id":"d","userId":"U9"}]}`, `line 2: trustedDevices[0].userId: "U9" is not the user's`},
		{"not JSON", header + "\n" + `{"user":`, "line 2: invalid JSON"},
	} {
		r := control(t, s, "PUT", "state", tc.state)
		wantError(t, tc.name, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeBadRequest)
		if !strings.Contains(r.Error.ErrorMessage, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, r.Error.ErrorMessage, tc.want)
		}
		if strings.Contains(r.Error.ErrorMessage, "tooshort") {
			t.Errorf("%s: the message quotes the hash: %s", tc.name, r.Error.ErrorMessage)
		}
	}
	if after := control(t, s, "GET", "state", "").Body; after != before {
		t.Errorf("a refused state changed the server:\n%s\nwant:\n%s", after, before)
	}
	if _, err := apitest.Start(apitest.WithState(strings.NewReader(header + "\n" + user("U1", "a") + "\n" + user("U2", "a")))); err == nil || !strings.Contains(err.Error(), "line 3:") {
		t.Errorf("WithState with a bad line 3: %v", err)
	} else if se := (*apitest.StateError)(nil); !errors.As(err, &se) || se.Line != 3 {
		t.Errorf("the error is not a *StateError of line 3: %#v", err)
	}
	if _, err := apitest.Start(apitest.WithState(strings.NewReader(header)), apitest.WithUsers(jane())); err == nil {
		t.Error("WithState with WithUsers started")
	}
}

// TestReset: reset returns to the users, passwords, kept state, definitions and issued IDs the
// server started with, and forgets what was recorded about the users it replaces.
func TestReset(t *testing.T) {
	s := seeded(t, apitest.WithControlAPI(), apitest.WithCustomAttributes(gen.CustomAttribute{Name: "plan", Type: 1}))
	start := control(t, s, "GET", "state", "").Body
	first, _ := created(t, s, "first", post(t, s, "/v1/mgmt/user/create", `{"loginId":"new@example.com","password":"New-Pa55"}`))
	wantEmpty(t, "delete jane", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"jane"}`))
	wantEmpty(t, "bob's password", post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"bob@example.com","password":"Bob-Pa55"}`))
	wantStatus(t, "define", post(t, s, "/v1/mgmt/user/customattribute/create", `{"attributes":[{"name":"seats","type":2}]}`), http.StatusOK)
	wantStatus(t, "invite", post(t, s, "/v1/mgmt/user/create", `{"loginId":"inv@example.com","email":"inv@example.com","invite":true}`), http.StatusOK)
	if len(s.Outbox()) == 0 {
		t.Fatal("no invitation was recorded")
	}
	if control(t, s, "GET", "state", "").Body == start {
		t.Fatal("nothing changed")
	}

	r := control(t, s, "POST", "reset", "")
	wantStatus(t, "reset", r, http.StatusOK)
	if want := fmt.Sprintf(`{"users":%d}`, len(s.Users())); strings.TrimSpace(r.Body) != want || len(s.Users()) != 3 {
		t.Errorf("reset answered %s, and there are %d users", r.Body, len(s.Users()))
	}
	if got := control(t, s, "GET", "state", "").Body; got != start {
		t.Errorf("after reset:\n%s\nwant the start:\n%s", got, start)
	}
	if len(s.Outbox()) != 0 {
		t.Errorf("the outbox survived the reset: %+v", s.Outbox())
	}
	if got := passkeyIDs(t, s, "jane"); len(got) != 2 {
		t.Errorf("jane's passkeys after reset: %v", got)
	}
	wantPassword(t, s, "bob@example.com", "Bob-Pa55", false)
	again, _ := created(t, s, "again", post(t, s, "/v1/mgmt/user/create", `{"loginId":"new@example.com"}`))
	if again.UserID != first.UserID {
		t.Errorf("after reset the first new user is %s, before it %s: reset returns to the IDs issued at the start", again.UserID, first.UserID)
	}
}

// TestControlUsers: GET users is every user as the API returns it, one a line.
func TestControlUsers(t *testing.T) {
	s := seeded(t, apitest.WithControlAPI())
	r := control(t, s, "GET", "users", "")
	wantStatus(t, "GET users", r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	var got []gen.User
	for line := range strings.SplitSeq(strings.TrimSpace(r.Body), "\n") {
		var u gen.User
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, u)
	}
	if want := s.Users(); !reflect.DeepEqual(got, want) {
		t.Errorf("GET users:\n%+v\nwant\n%+v", got, want)
	}
}

// journalOf decodes GET requests.
type journalOf struct {
	Requests []struct {
		Method, Path, OperationID, ErrorCode, ErrorMessage, Fault string
		Status                                                    int
		Body                                                      json.RawMessage
	}
	Dropped int
}

func journal(t *testing.T, s *apitest.Server) journalOf {
	t.Helper()
	var j journalOf
	r := control(t, s, "GET", "requests", "")
	wantStatus(t, "GET requests", r, http.StatusOK)
	if err := json.Unmarshal([]byte(r.Body), &j); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return j
}

// TestControlRequests: the journal names each call's operation and status, a refusal's code and
// the message that names the field, with the body's secrets redacted; DELETE empties it;
// WithRequestLogLimit keeps the last requests and counts those dropped.
func TestControlRequests(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(jane()), apitest.WithRequestLogLimit(3))
	post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"Never-Shown-Pa55"}`)
	patchJSON(t, s, `{"loginId":"jane","statu":"disabled"}`)
	post(t, s, "/v1/mgmt/user/update/name", `{"loginId":"ghost","name":"G"}`)
	j := journal(t, s)
	if len(j.Requests) != 3 || j.Dropped != 0 {
		t.Fatalf("journal: %+v", j)
	}
	pw, patch, ghost := j.Requests[0], j.Requests[1], j.Requests[2]
	if pw.OperationID != "SetUserActivePassword" || pw.Status != 200 || pw.ErrorCode != "" || strings.Contains(string(pw.Body), "Never-Shown") ||
		!strings.Contains(string(pw.Body), apitest.Redacted) || !strings.Contains(string(pw.Body), `"loginId":"jane"`) {
		t.Errorf("the password call: %+v (%s)", pw, pw.Body)
	}
	if patch.OperationID != "PatchUser" || patch.Status != 400 || patch.ErrorCode != apitest.CodeValidationFailed || !strings.Contains(patch.ErrorMessage, "statu") {
		t.Errorf("the refused patch: %+v", patch)
	}
	if ghost.Method != "POST" || ghost.Path != "/v1/mgmt/user/update/name" || ghost.Status != 404 || ghost.ErrorCode != apitest.CodeUserNotFound || !strings.Contains(ghost.ErrorMessage, "ghost") {
		t.Errorf("the unknown user: %+v", ghost)
	}
	for range 4 {
		post(t, s, "/v1/mgmt/user/update/name", `{"loginId":"jane","name":"J"}`)
	}
	if j = journal(t, s); len(j.Requests) != 3 || j.Dropped != 4 || j.Requests[0].ErrorCode != "" {
		t.Errorf("with a limit of 3, after 7 requests: %d kept, %d dropped: %+v", len(j.Requests), j.Dropped, j)
	}
	if got := len(s.Requests()); got != 3 {
		t.Errorf("Requests() holds %d", got)
	}
	wantStatus(t, "DELETE requests", control(t, s, "DELETE", "requests", ""), http.StatusOK)
	if j = journal(t, s); len(j.Requests) != 0 || j.Dropped != 0 {
		t.Errorf("after DELETE: %+v", j)
	}
}

// TestFaultRules: each kind of rule answers exactly the calls it counts, of its operation, and
// then the calls are answered normally; rules are listed with the calls they have left.
func TestFaultRules(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(jane()), apitest.WithRequestLog())
	name := func() rawResponse { return post(t, s, "/v1/mgmt/user/update/name", `{"loginId":"jane","name":"J"}`) }
	patch := func() rawResponse { return patchJSON(t, s, `{"loginId":"jane","name":"P"}`) }

	wantStatus(t, "add 429", control(t, s, "POST", "faults", `{"operation":"PatchUser","count":2,"status":429,"retryAfter":5}`), http.StatusOK)
	wantStatus(t, "add 503", control(t, s, "POST", "faults", `{"status":503}`), http.StatusOK)
	r := control(t, s, "GET", "faults", "")
	if want := `{"rules":[{"operation":"PatchUser","count":2,"status":429,"retryAfter":5,"left":2},{"operation":"*","count":1,"status":503,"left":1}]}`; strings.TrimSpace(r.Body) != want {
		t.Errorf("GET faults: %s, want %s", r.Body, want)
	}
	for i := range 2 {
		r := patch()
		wantError(t, fmt.Sprintf("patch %d", i), r.Status, &r.Error, http.StatusTooManyRequests, apitest.CodeRateLimitExceeded)
		if r.Header.Get("Retry-After") != "5" {
			t.Errorf("Retry-After %q, want 5", r.Header.Get("Retry-After"))
		}
	}
	r = name() // the 503 rule, for every operation
	wantError(t, "the 503", r.Status, &r.Error, http.StatusServiceUnavailable, apitest.CodeServiceUnavailable)
	wantStatus(t, "patch after its rule", patch(), http.StatusOK)
	wantStatus(t, "name after its rule", name(), http.StatusOK)
	if u := mustUser(t, s, "jane"); u.Name != "J" {
		t.Errorf("the refused calls were applied, or the last was not: name %q", u.Name)
	}
	if rules := s.FaultRules(); len(rules) != 0 {
		t.Errorf("rules left: %+v", rules)
	}

	// A delay, then the normal answer.
	wantStatus(t, "add delay", control(t, s, "POST", "faults", `{"operation":"UpdateUserName","delay":"300ms"}`), http.StatusOK)
	start := time.Now()
	wantStatus(t, "delayed", name(), http.StatusOK)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the delayed call took %v", d)
	}
	start = time.Now()
	wantStatus(t, "after the delay", name(), http.StatusOK)
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("the call after the delay took %v", d)
	}

	// A cut connection, twice, and a status of the rule's own.
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "UpdateUserName", Count: 2, Cut: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "UpdateUserName", Status: 400, ErrorCode: "E011004", Message: "made up"}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		req, _ := http.NewRequest("POST", s.URL+"/v1/mgmt/user/update/name", strings.NewReader(`{"loginId":"jane","name":"C"}`))
		req.Header.Set("Authorization", bearer(s))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			_, err = bytes.NewBuffer(nil).ReadFrom(resp.Body)
			_ = resp.Body.Close()
		}
		if err == nil {
			t.Errorf("cut %d: the answer was whole", i)
		}
	}
	r = name()
	wantError(t, "own status", r.Status, &r.Error, http.StatusBadRequest, "E011004")
	if r.Error.ErrorMessage != "made up" {
		t.Errorf("message %q", r.Error.ErrorMessage)
	}
	wantStatus(t, "after the cuts", name(), http.StatusOK)
	if st := s.Stats(); st.InjectedCuts != 2 || st.InjectedErrors != 4 {
		t.Errorf("stats: %d cuts, %d errors, want 2 and 4", st.InjectedCuts, st.InjectedErrors)
	}
	var faults []string
	for _, r := range s.Requests() {
		faults = append(faults, r.Fault)
	}
	if want := []string{"error", "error", "error", "", "", "delay", "", "cut", "cut", "error", ""}; !reflect.DeepEqual(faults, want) {
		t.Errorf("journal faults %q, want %q", faults, want)
	}

	// DELETE clears; bad rules are refused naming the field.
	_ = s.AddFaultRule(apitest.FaultRule{Status: 500, Count: 9})
	r = control(t, s, "DELETE", "faults", "")
	if strings.TrimSpace(r.Body) != `{"cleared":1}` {
		t.Errorf("DELETE faults: %s", r.Body)
	}
	wantStatus(t, "after DELETE", name(), http.StatusOK)
	for body, want := range map[string]string{
		`{"operation":"PatchUsers","status":500}`: `operation: "PatchUsers" is no operationId`,
		`{"status":200}`:                "status: 200 is not an error status",
		`{"status":503,"cut":true}`:     "status and cut",
		`{"count":3}`:                   "give status, cut or delay",
		`{"status":503,"retryAfter":5}`: "retryAfter",
		`{"delay":"soon"}`:              `delay: "soon" is not a duration`,
		`{"status":503,"left":2}`:       "left",
		`{"status":503,"sttus":2}`:      `unknown field "sttus"`,
		`{"count":-1,"status":503}`:     "count",
	} {
		r := control(t, s, "POST", "faults", body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeBadRequest)
		if !strings.Contains(r.Error.ErrorMessage, want) {
			t.Errorf("%s: %q does not say %q", body, r.Error.ErrorMessage, want)
		}
	}
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "Nope", Status: 500}); err == nil {
		t.Error("AddFaultRule took an unknown operation")
	}
	if len(s.FaultRules()) != 0 {
		t.Errorf("refused rules were added: %+v", s.FaultRules())
	}
}

// TestControlPasswordCheck: password/check says whether a password matches the kept hash, 404 for
// an unknown user, 400 for a hash the fake cannot verify; the password is echoed nowhere.
func TestControlPasswordCheck(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithControlAPI(), apitest.WithUsers(jane(), bob()), apitest.WithRequestLog())
	wantEmpty(t, "set", post(t, s, "/v1/mgmt/user/password/set/active", `{"loginId":"jane","password":"Right-Pa55"}`))
	wantStatus(t, "bach", post(t, s, "/v1/mgmt/user/create", `{"loginId":"bach","hashedPassword":{"bach":{"hash":"h"}}}`), http.StatusOK)
	var answers []string
	for _, tc := range []struct {
		body, want string
		status     int
	}{
		{`{"loginId":"jane","password":"Right-Pa55"}`, `{"matches":true}`, 200},
		{`{"loginId":"U2jane","password":"Wrong-Pa55"}`, `{"matches":false}`, 200},
		{`{"loginId":"bob@example.com","password":"Any-Pa55"}`, `{"matches":false}`, 200},
		{`{"loginId":"ghost","password":"Ghost-Pa55"}`, "E112102", 404},
		{`{"loginId":"bach","password":"Bach-Pa55"}`, "a bach hash, which the fake keeps but cannot verify", 400},
		{`{"password":"Lone-Pa55"}`, "loginId: missing", 400},
		{`{"loginId":"jane","pasword":"Typo-Pa55"}`, `unknown field "pasword"`, 400},
	} {
		r := control(t, s, "POST", "password/check", tc.body)
		if r.Status != tc.status || !strings.Contains(r.Body+r.Error.ErrorCode+r.Error.ErrorMessage, tc.want) {
			t.Errorf("%s: %d %s, want %d %s", tc.body, r.Status, r.Body, tc.status, tc.want)
		}
		answers = append(answers, r.Body)
	}
	shown := strings.Join(answers, "\n")
	for _, r := range s.Requests() {
		shown += string(r.Body) + r.ErrorMessage
	}
	for _, pw := range []string{"Right-Pa55", "Wrong-Pa55", "Any-Pa55", "Ghost-Pa55", "Bach-Pa55", "Lone-Pa55", "Typo-Pa55"} {
		if strings.Contains(shown, pw) {
			t.Errorf("%s is shown:\n%s", pw, shown)
		}
	}
}

// TestShutdownLetsARequestInFlightFinish: Shutdown waits for a call in flight (here delayed by a
// fault rule) to be answered, and then refuses new connections; Close would have cut it.
func TestShutdownLetsARequestInFlightFinish(t *testing.T) {
	s, err := apitest.Start(apitest.WithUsers(jane()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "UpdateUserName", Delay: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	done := make(chan rawResponse)
	go func() {
		req, _ := http.NewRequest("POST", s.URL+"/v1/mgmt/user/update/name", strings.NewReader(`{"loginId":"jane","name":"Finished"}`))
		req.Header.Set("Authorization", bearer(s))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			done <- rawResponse{Body: err.Error()}
			return
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		_ = resp.Body.Close()
		done <- rawResponse{Status: resp.StatusCode, Body: b.String()}
	}()
	for deadline := time.Now().Add(5 * time.Second); s.Stats().Requests == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if r := <-done; r.Status != 200 {
		t.Errorf("the request in flight got %d %s, want 200", r.Status, r.Body)
	}
	if u, _ := s.User("jane"); u.Name != "Finished" {
		t.Errorf("the request in flight was not applied: %q", u.Name)
	}
	if _, err := http.Post(s.URL+"/v1/mgmt/user/update/name", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("a new connection was accepted after Shutdown")
	}
}

// TestRemoteAccess: an address that is not loopback needs WithRemoteAccess (the test binds none:
// the documentation address 192.0.2.1 is on no interface, so the listen itself fails).
func TestRemoteAccess(t *testing.T) {
	_, err := apitest.Start(apitest.WithAddr("192.0.2.1:0"))
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("without WithRemoteAccess: %v", err)
	}
	s, err := apitest.Start(apitest.WithAddr("192.0.2.1:0"), apitest.WithRemoteAccess())
	if err == nil {
		s.Close()
		t.Fatal("listened on 192.0.2.1")
	}
	if strings.Contains(err.Error(), "loopback") {
		t.Errorf("with WithRemoteAccess: %v", err)
	}
}

// TestResetDuringTraffic: reset and PUT state while clients create, patch, search and delete
// users leave the store whole (run with -race): afterwards it holds the start's users, and
// answers as before.
func TestResetDuringTraffic(t *testing.T) {
	s := seeded(t, apitest.WithControlAPI())
	start := control(t, s, "GET", "state", "").Body
	stop := make(chan struct{})
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				login := fmt.Sprintf("w%d-%d@example.com", w, i)
				post(t, s, "/v1/mgmt/user/create", `{"loginId":"`+login+`","customAttributes":{"n":1}}`)
				patchJSON(t, s, `{"loginId":"jane","name":"W"}`)
				post(t, s, "/v2/mgmt/user/search", `{"limit":5}`)
				post(t, s, "/v1/mgmt/user/delete", `{"loginId":"`+login+`"}`)
			}
		}()
	}
	for i := range 20 {
		if i%2 == 0 {
			wantStatus(t, "reset", control(t, s, "POST", "reset", ""), http.StatusOK)
		} else {
			wantStatus(t, "PUT state", control(t, s, "PUT", "state", start), http.StatusOK)
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	for range 4 {
		<-done
	}
	control(t, s, "POST", "reset", "")
	if got := control(t, s, "GET", "state", "").Body; got != start {
		t.Errorf("after the traffic and a reset:\n%s\nwant:\n%s", got, start)
	}
	if got := passkeyIDs(t, s, "jane"); len(got) != 2 {
		t.Errorf("passkeys %v", got)
	}
}
