package cli

// Tests of the commands about second factors and devices, the test-user generators, embedded
// links, history, provider tokens, custom attribute definitions and impersonation consent. Each
// runs the command line against the apitest fake and reads the fake's state afterwards.

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// printedJSON decodes what a command printed on stdout into v, strictly.
func printedJSON(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not the JSON expected: %v\n%s", err, r)
	}
}

// printedKeys checks that a command printed a JSON array of T (exit 0), and returns key of each
// item, in order.
func printedKeys[T any](t *testing.T, r result, key func(T) string) []string {
	t.Helper()
	wantExit(t, r, 0)
	var items []T
	printedJSON(t, r, &items)
	var out []string
	for _, item := range items {
		out = append(out, key(item))
	}
	return out
}

// wantDone checks a command whose call answers nothing: exit 0, nothing on stdout, and done on
// stderr.
func wantDone(t *testing.T, r result, done string) {
	t.Helper()
	wantExit(t, r, 0)
	if r.stdout != "" || r.stderr != done+"\n" {
		t.Errorf("want nothing on stdout and %q on stderr, got\n%s", done, r)
	}
}

// janeState is what only signing in makes, for jane.
var janeState = apitest.UserState{
	TrustedDevices: []api.TrustedDevice{{ID: "dev-1", Name: "Laptop"}, {ID: "dev-2", Name: "Phone"}},
	ProviderTokens: []api.ProviderToken{{Provider: "google", AccessToken: "ya29.jane", RefreshToken: "1//jane-refresh"}},
	AuthHistory:    []api.AuthHistory{{LoginTime: 1700000000, City: "Lisbon"}, {LoginTime: 1700086400, City: "Porto"}},
}

func TestRemoveTOTP(t *testing.T) {
	s, env := newServer(t, apitest.WithUsers(gen.User{UserID: "U2totp", LoginIDs: []string{"totp@example.com"}, TOTP: true}))
	wantDone(t, runCLI(t, env, withURL(s, "remove-totp", "--login-id", "totp@example.com")...), "removed the TOTP seed of totp@example.com")
	if u := user(t, s, "totp@example.com"); u.TOTP {
		t.Error("the user still has TOTP")
	}
	wantAPIError(t, runCLI(t, env, withURL(s, "remove-totp", "--login-id", "ghost@example.com")...), "remove-totp", "E112102")
}

func TestPasskeyCommands(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "list-passkeys", "--login-id", "jane@example.com")...)
	wantExit(t, r, 0)
	if r.stdout != "[]\n" {
		t.Errorf("no passkeys: printed %q, want []", r.stdout)
	}

	wantDone(t, runCLI(t, env, withURL(s, "import-passkeys", "--login-id", "jane@example.com", "--json",
		`[{"descope":{"credentialId":"cred-1","rpId":"example.com","publicKey":"AQID"}}]`)...), "imported 1 passkey for jane@example.com")
	wantDone(t, runCtx(t, t.Context(), env, `[{"auth0":{"keyId":"cred-2","publicKey":"BAU="}},{"descope":{"credentialId":"cred-3","publicKey":"Bg=="}}]`,
		withURL(s, "import-passkeys", "--login-id", "jane@example.com", "--json", "-")...), "imported 2 passkeys for jane@example.com")
	var imported gen.ImportUserPasskeysRequest
	lastBody(t, s, &imported)
	if len(imported.Devices) != 2 || string(imported.Devices[1].Descope.PublicKey) != "\x06" || imported.Devices[0].Auth0.KeyID != "cred-2" {
		t.Errorf("sent %+v", imported)
	}

	ids := func() []string {
		t.Helper()
		return printedKeys(t, runCLI(t, env, withURL(s, "list-passkeys", "--login-id", "jane@example.com")...),
			func(k api.UserPasskey) string { return k.ID })
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"cred-1", "cred-2", "cred-3"}) {
		t.Errorf("passkeys %v", got)
	}
	wantDone(t, runCLI(t, env, withURL(s, "remove-passkey", "--login-id", "jane@example.com", "--credential-id", "cred-2")...),
		"removed the passkey cred-2 of jane@example.com")
	if got := ids(); !reflect.DeepEqual(got, []string{"cred-1", "cred-3"}) {
		t.Errorf("after remove-passkey: %v", got)
	}
	wantDone(t, runCLI(t, env, withURL(s, "remove-passkeys", "--login-id", "jane@example.com")...), "removed every passkey of jane@example.com")
	if got := ids(); got != nil {
		t.Errorf("after remove-passkeys: %v", got)
	}
	if user(t, s, "jane@example.com").Webauthn {
		t.Error("jane still has webauthn")
	}

	// Another user's credential is the API's to refuse.
	wantExit(t, runCLI(t, env, withURL(s, "import-passkeys", "--login-id", "joe@example.com", "--json", `[{"descope":{"credentialId":"cred-9","publicKey":"AQ=="}}]`)...), 0)
	wantAPIError(t, runCLI(t, env, withURL(s, "import-passkeys", "--login-id", "jane@example.com", "--json", `[{"descope":{"credentialId":"cred-9","publicKey":"AQ=="}}]`)...),
		"import-passkeys", "E011004")

	for _, c := range []struct{ json, want string }{
		{`[]`, "the array is empty"},
		{`[{}]`, "passkey 1: give exactly one of descope and auth0"},
		{`[{"descope":{"credentialId":"c","publicKey":"AQ=="},"auth0":{"keyId":"k","publicKey":"AQ=="}}]`, "passkey 1: give exactly one"},
		{`{"descope":{"credentialId":"c"}}`, "expected a JSON array (passkeys), got a JSON object"},
		{`null`, "expected a JSON array (passkeys), got null"},
		{`[{"descope":{"credentialID":"c"}}]`, "case-sensitive"},
		{`[1]`, "expected a JSON object (passkeys), got a JSON number"},
	} {
		runUsage(t, s, env, c.want, "import-passkeys", "--login-id", "jane@example.com", "--json", c.json)
	}
	runUsage(t, s, env, "--credential-id must not be empty", "remove-passkey", "--login-id", "jane@example.com", "--credential-id", "")
	runUsage(t, s, env, "--json is required", "import-passkeys", "--login-id", "jane@example.com")
}

func TestTrustedDeviceCommands(t *testing.T) {
	s, env := newServer(t, apitest.WithUserState("jane@example.com", janeState),
		apitest.WithUserState("joe@example.com", apitest.UserState{TrustedDevices: []api.TrustedDevice{{ID: "dev-9"}}}))
	list := func() []string {
		t.Helper()
		return printedKeys(t, runCLI(t, env, withURL(s, "list-trusted-devices", "--login-ids", "jane@example.com,U2joe,ghost@example.com")...),
			func(d api.TrustedDevice) string { return d.UserID + "/" + d.ID })
	}
	if got := list(); !reflect.DeepEqual(got, []string{"U2jane/dev-1", "U2jane/dev-2", "U2joe/dev-9"}) {
		t.Errorf("devices %v", got)
	}
	wantDone(t, runCLI(t, env, withURL(s, "remove-trusted-devices", "--login-id", "jane@example.com", "--device-ids", "dev-2,dev-9")...),
		"removed the trusted devices dev-2, dev-9 of jane@example.com")
	if got := list(); !reflect.DeepEqual(got, []string{"U2jane/dev-1", "U2joe/dev-9"}) {
		t.Errorf("after removing: %v", got)
	}
	runUsage(t, s, env, "--login-ids must not be empty", "list-trusted-devices", "--login-ids", " , ")
	runUsage(t, s, env, "--device-ids is required", "remove-trusted-devices", "--login-id", "jane@example.com")
}

func TestTestUserGenerators(t *testing.T) {
	s, env := newServer(t)
	wantExit(t, runCLI(t, env, withURL(s, "create-test-user", "--login-id", "tester@example.com", "--json", `{"email":"tester@example.com"}`)...), 0)

	// What each prints is what the fake generated last; the method goes with the request.
	const login = "tester@example.com"
	for _, c := range []struct {
		args   []string
		method string // sent as deliveryMethod ("" when the command sends none)
		last   func() map[string]string
	}{
		{[]string{"generate-otp", "--login-id", login, "--method", "sms"}, "sms", func() map[string]string {
			code, _ := s.LastOTP(login)
			return map[string]string{"loginId": login, "code": code}
		}},
		{[]string{"generate-magic-link", "--login-id", login, "--redirect-url", "https://app.example.com/verify"}, "email", func() map[string]string {
			link, _ := s.LastMagicLink(login)
			return map[string]string{"loginId": login, "link": link}
		}},
		{[]string{"generate-enchanted-link", "--login-id", login, "--redirect-url", "https://app.example.com/e"}, "", func() map[string]string {
			link, ref, _ := s.LastEnchantedLink(login)
			return map[string]string{"loginId": login, "link": link, "pendingRef": ref}
		}},
	} {
		r := runCLI(t, env, withURL(s, c.args...)...)
		wantExit(t, r, 0)
		var printed map[string]string
		printedJSON(t, r, &printed)
		if want := c.last(); !reflect.DeepEqual(printed, want) || slices.Contains(slices.Collect(maps.Values(want)), "") {
			t.Errorf("%s printed %v, want %v", c.args[0], printed, want)
		}
		var sent struct{ DeliveryMethod string }
		lastBody(t, s, &sent)
		if sent.DeliveryMethod != c.method {
			t.Errorf("%s sent the method %q, want %q", c.args[0], sent.DeliveryMethod, c.method)
		}
	}
	if link, _ := s.LastMagicLink(login); !strings.HasPrefix(link, "https://app.example.com/verify?t=") {
		t.Errorf("magic link %q", link)
	}

	// A real user gets no codes: the API refuses.
	wantAPIError(t, runCLI(t, env, withURL(s, "generate-otp", "--login-id", "jane@example.com")...), "generate-otp", "not a test user")
	runUsage(t, s, env, `--method "pigeon": want one of email, sms, voice, whatsapp, Embedded`, "generate-otp", "--login-id", "tester@example.com", "--method", "pigeon")
	runUsage(t, s, env, `--method "EMAIL"`, "generate-magic-link", "--login-id", "tester@example.com", "--method", "EMAIL")
}

func TestEmbeddedLinks(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "embedded-link", "--login-id", "jane@example.com", "--claims", `{"source":"support","level":2}`, "--token-timeout", "5m")...)
	wantExit(t, r, 0)
	var tok embeddedToken
	printedJSON(t, r, &tok)
	if last, _ := s.LastEmbeddedToken("jane@example.com"); tok.Token != last || last == "" {
		t.Errorf("printed %+v, the fake's last token %q", tok, last)
	}
	var signin gen.EmbeddedLinkSigninRequest
	lastBody(t, s, &signin)
	if signin.Timeout != 300 || !reflect.DeepEqual(signin.CustomClaims, map[string]any{"source": "support", "level": float64(2)}) {
		t.Errorf("sent %+v", signin)
	}

	r = runCLI(t, env, withURL(s, "signup-embedded-link", "--login-id", "sam@example.com", "--json", `{"email":"sam@example.com","name":"Sam"}`, "--email-verified")...)
	wantExit(t, r, 0)
	printedJSON(t, r, &tok)
	if last, _ := s.LastEmbeddedToken("sam@example.com"); tok.Token != last || last == "" {
		t.Errorf("printed %+v, the fake's last token %q", tok, last)
	}
	var signup gen.EmbeddedLinkSignupRequest
	lastBody(t, s, &signup)
	if signup.User == nil || signup.User.Name != "Sam" || !signup.EmailVerified || signup.PhoneVerified || signup.Timeout != 0 {
		t.Errorf("sent %+v", signup)
	}
	if _, ok := s.User("sam@example.com"); ok {
		t.Error("a sign-up link created the user")
	}

	wantAPIError(t, runCLI(t, env, withURL(s, "embedded-link", "--login-id", "ghost@example.com")...), "embedded-link", "E112102")
	runUsage(t, s, env, "--token-timeout must be a whole number of seconds", "embedded-link", "--login-id", "jane@example.com", "--token-timeout", "1500ms")
	runUsage(t, s, env, "--token-timeout must be a whole number of seconds", "signup-embedded-link", "--login-id", "x@example.com", "--token-timeout", "-1s")
	runUsage(t, s, env, "--claims: expected a JSON object", "embedded-link", "--login-id", "jane@example.com", "--claims", `["a"]`)
	runUsage(t, s, env, `field "a" appears twice`, "embedded-link", "--login-id", "jane@example.com", "--claims", `{"a":1,"a":2}`)
	runUsage(t, s, env, `unknown field "emial"`, "signup-embedded-link", "--login-id", "x@example.com", "--json", `{"emial":"x"}`)
	runUsage(t, s, env, "differs from --login-id", "signup-embedded-link", "--login-id", "x@example.com", "--json", `{"loginId":"y@example.com"}`)
}

func TestHistoryCommands(t *testing.T) {
	s, env := newServer(t, apitest.WithUserState("jane@example.com", janeState))
	for cmd, op := range map[string]string{"history": "UsersAuthHistoryV2", "history-v1": "UsersAuthHistory"} {
		before := len(s.Requests())
		r := runCLI(t, env, withURL(s, cmd, "--user-ids", "U2jane,U2nobody")...)
		wantExit(t, r, 0)
		var h []api.AuthHistory
		printedJSON(t, r, &h)
		if len(h) != 2 || h[0].City != "Lisbon" || h[1].City != "Porto" || h[0].UserID != "U2jane" {
			t.Errorf("%s: printed %+v", cmd, h)
		}
		if ops := opsSince(s, before); !reflect.DeepEqual(ops, []string{op}) {
			t.Errorf("%s: requests %v, want %s", cmd, ops, op)
		}
		r = runCLI(t, env, withURL(s, cmd, "--user-ids", "U2joe")...)
		wantExit(t, r, 0)
		if r.stdout != "[]\n" {
			t.Errorf("%s: no history printed %q, want []", cmd, r.stdout)
		}
		runUsage(t, s, env, "--user-ids is required", cmd)
	}
}

func TestProviderToken(t *testing.T) {
	s, env := newServer(t, apitest.WithUserState("jane@example.com", janeState))
	r := runCLI(t, env, withURL(s, "provider-token", "--login-id", "jane@example.com", "--provider", "google")...)
	wantExit(t, r, 0)
	var tok api.ProviderToken
	printedJSON(t, r, &tok)
	if tok.AccessToken != "ya29.jane" || tok.RefreshToken != "" {
		t.Errorf("printed %+v", tok)
	}
	r = runCLI(t, env, withURL(s, "provider-token", "--login-id", "jane@example.com", "--provider", "google", "--with-refresh-token", "--force-refresh")...)
	wantExit(t, r, 0)
	printedJSON(t, r, &tok)
	if tok.RefreshToken != "1//jane-refresh" {
		t.Errorf("printed %+v", tok)
	}
	wantAPIError(t, runCLI(t, env, withURL(s, "provider-token", "--login-id", "jane@example.com", "--provider", "github")...), "provider-token", "E011004")
	runUsage(t, s, env, "--provider is required", "provider-token", "--login-id", "jane@example.com")
}

func TestCustomAttributeCommands(t *testing.T) {
	s, env := newServer(t, apitest.WithCustomAttributes(api.CustomAttribute{Name: "plan", DisplayName: "Plan", Type: 1}))
	names := func(r result) []string {
		t.Helper()
		return printedKeys(t, r, func(d api.CustomAttribute) string { return d.Name + "/" + d.DisplayName })
	}
	if got := names(runCLI(t, env, withURL(s, "custom-attributes")...)); !reflect.DeepEqual(got, []string{"plan/Plan"}) {
		t.Errorf("custom-attributes: %v", got)
	}
	got := names(runCLI(t, env, withURL(s, "create-custom-attributes", "--json",
		`[{"name":"plan","displayName":"Billing plan","type":4,"options":[{"label":"Pro","value":"pro"}]},{"name":"region","displayName":"Region","type":1}]`)...))
	if !reflect.DeepEqual(got, []string{"plan/Billing plan", "region/Region"}) {
		t.Errorf("create-custom-attributes printed %v", got)
	}
	if defs := s.CustomAttributes(); len(defs) != 2 || len(defs[0].Options) != 1 {
		t.Errorf("the fake's definitions %+v", defs)
	}
	// Deleting a definition removes users' values of it (jane has plan "free").
	if got := names(runCLI(t, env, withURL(s, "delete-custom-attributes", "--names", "plan")...)); !reflect.DeepEqual(got, []string{"region/Region"}) {
		t.Errorf("delete-custom-attributes printed %v", got)
	}
	if _, has := user(t, s, "jane@example.com").CustomAttributes["plan"]; has {
		t.Error("jane kept her plan")
	}
	runUsage(t, s, env, "definition 2 has no name", "create-custom-attributes", "--json", `[{"name":"a"},{"displayName":"B"}]`)
	runUsage(t, s, env, `unknown field "nme"`, "create-custom-attributes", "--json", `[{"nme":"a"}]`)
	runUsage(t, s, env, "--names must not be empty", "delete-custom-attributes", "--names", "")
	runUsage(t, s, env, `unexpected argument "x"`, "custom-attributes", "x")
}

func TestUpdateImpersonationConsent(t *testing.T) {
	s, env := newServer(t)
	r := runCLI(t, env, withURL(s, "update-impersonation-consent", "--login-id", "jane@example.com", "--days", "7")...)
	wantExit(t, r, 0)
	days := time.Until(time.Unix(user(t, s, "jane@example.com").ConsentExpiration, 0)).Hours() / 24
	if days < 6.9 || days > 7 {
		t.Errorf("consent for %.2f days", days)
	}
	if p := printedUser(t, r); p.ConsentExpiration != user(t, s, "jane@example.com").ConsentExpiration {
		t.Errorf("printed %+v", p)
	}
	wantExit(t, runCLI(t, env, withURL(s, "update-impersonation-consent", "--login-id", "jane@example.com", "--days", "0")...), 0)
	if c := user(t, s, "jane@example.com").ConsentExpiration; c != 0 {
		t.Errorf("consent not revoked: %d", c)
	}
	runUsage(t, s, env, "--days must be 0 or more", "update-impersonation-consent", "--login-id", "jane@example.com", "--days", "-1")
	runUsage(t, s, env, "--days is required", "update-impersonation-consent", "--login-id", "jane@example.com")
}

// A list the API leaves out of its answer prints as [], never null.
func TestListsPrintAsArrays(t *testing.T) {
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/mgmt/user/history" { // a bare array, which the API must send
			_, _ = w.Write([]byte(`[]`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(bare.Close)
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	for _, args := range [][]string{
		{"list-passkeys", "--login-id", "jane@example.com"},
		{"list-trusted-devices", "--login-ids", "jane@example.com"},
		{"history", "--user-ids", "U2jane"},
		{"history-v1", "--user-ids", "U2jane"},
		{"custom-attributes"},
		{"create-custom-attributes", "--json", `[{"name":"a"}]`},
		{"delete-custom-attributes", "--names", "a"},
	} {
		r := runCLI(t, env, append([]string{"--base-url", bare.URL}, args...)...)
		if r.code != 0 || r.stdout != "[]\n" {
			t.Errorf("%q: want [] printed, got\n%s", args, r)
		}
	}
}
