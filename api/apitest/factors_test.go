package apitest_test

// Behaviour of the fake for second factors, devices and the other operations of spec 1.3.0:
// TOTP, passkeys, trusted devices, the test-user generators, embedded links, sign-in history,
// provider tokens, custom attribute definitions and impersonation consent.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// seeded is jane with a TOTP authenticator, two passkeys, two trusted devices, two provider
// tokens and a sign-in history; bob with a device and a sign-in.
func seeded(t *testing.T, more ...apitest.Option) *apitest.Server {
	j := jane()
	j.TOTP = true
	opts := append([]apitest.Option{
		apitest.WithUsers(j, bob(), gen.User{UserID: "U2test", LoginIDs: []string{"test@example.com"}, Email: "test@example.com", Test: true}),
		apitest.WithUserState("jane", apitest.UserState{
			Passkeys: []gen.UserPasskey{{ID: "cred-1", RpID: "example.com", Kind: "passkey", DisplayName: "MacBook", CreatedTime: 1700000000},
				{ID: "cred-2", RpID: "example.com", Kind: "passkey", DisplayName: "Phone", CreatedTime: 1700000100}},
			TrustedDevices: []gen.TrustedDevice{{ID: "dev-1", Name: "Chrome", DeviceType: "desktop", LastLoginTime: "1700000000", ExpirationTime: "1702592000"},
				{ID: "dev-2", Name: "Safari", DeviceType: "mobile"}},
			ProviderTokens: []gen.UserProviderToken{{Provider: "google", ProviderUserID: "g-1", AccessToken: "ya29.access", RefreshToken: "1//refresh", Expiration: 1700003600, Scopes: []string{"openid", "email"}},
				{Provider: "github", AccessToken: "gho_access"}},
			AuthHistory: []gen.UserAuthHistory{{LoginTime: 1700000000, City: "Lisbon", Country: "PT", IP: "203.0.113.7"}, {LoginTime: 1700086400, City: "Porto", Country: "PT"}},
		}),
		apitest.WithUserState("U2bob", apitest.UserState{
			TrustedDevices: []gen.TrustedDevice{{ID: "dev-9", Name: "Firefox"}},
			AuthHistory:    []gen.UserAuthHistory{{LoginTime: 1700000500, City: "Paris", Country: "FR", SelectedTenant: "T1"}},
		}),
	}, more...)
	return apitest.NewServer(t, opts...)
}

func TestRemoveTOTP(t *testing.T) {
	s := seeded(t)
	wantEmpty(t, "remove", post(t, s, "/v1/mgmt/user/totp/delete", `{"loginId":"jane"}`))
	if mustUser(t, s, "jane").TOTP {
		t.Error("TOTP still set")
	}
	wantEmpty(t, "again", post(t, s, "/v1/mgmt/user/totp/delete", `{"identifier":"U2jane"}`))
	r := post(t, s, "/v1/mgmt/user/totp/delete", `{"loginId":"ghost"}`)
	wantError(t, "unknown", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
}

func passkeyIDs(t *testing.T, s *apitest.Server, loginID string) []string {
	t.Helper()
	var a gen.UserPasskeysResponse
	decodeOK(t, "list "+loginID, post(t, s, "/v1/mgmt/user/passkeys/list", `{"loginId":"`+loginID+`"}`), &a)
	var ids []string
	for _, p := range a.Passkeys {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestPasskeys: the list returns what was seeded; import adds (or replaces) and refuses another
// user's credential; one removal and the removal of all follow, and webauthn with them.
func TestPasskeys(t *testing.T) {
	s := seeded(t)
	if u := mustUser(t, s, "jane"); !u.Webauthn {
		t.Error("seeded passkeys did not set webauthn")
	}
	if got := passkeyIDs(t, s, "jane"); !slices.Equal(got, []string{"cred-1", "cred-2"}) {
		t.Errorf("list %v", got)
	}
	if got := passkeyIDs(t, s, "bob@example.com"); got != nil {
		t.Errorf("bob's passkeys %v", got)
	}
	wantEmpty(t, "import", post(t, s, "/v1/mgmt/user/passkeys/import", `{"loginId":"bob@example.com","devices":[
		{"descope":{"credentialId":"cred-9","rpId":"example.com","publicKey":"cHVibGljLWtleQ==","transports":["internal"]}},
		{"auth0":{"keyId":"auth0-key","rpId":"example.com","publicKey":"cHVibGljLWtleQ=="}}]}`))
	if got := passkeyIDs(t, s, "bob@example.com"); !slices.Equal(got, []string{"cred-9", "auth0-key"}) || !mustUser(t, s, "bob@example.com").Webauthn {
		t.Errorf("after import: %v, webauthn %v", got, mustUser(t, s, "bob@example.com").Webauthn)
	}
	wantEmpty(t, "import again", post(t, s, "/v1/mgmt/user/passkeys/import", `{"loginId":"bob@example.com","devices":[{"descope":{"credentialId":"cred-9","publicKey":"cHVibGljLWtleQ=="}}]}`))
	if got := passkeyIDs(t, s, "bob@example.com"); !slices.Equal(got, []string{"auth0-key", "cred-9"}) {
		t.Errorf("after importing cred-9 again: %v", got)
	}
	refusedMentioning(t, "another user's credential", post(t, s, "/v1/mgmt/user/passkeys/import", `{"loginId":"bob@example.com","devices":[{"descope":{"credentialId":"cred-1","publicKey":"cHVibGljLWtleQ=="}}]}`),
		http.StatusBadRequest, apitest.CodeInvalidArguments, "cred-1")
	r := post(t, s, "/v1/mgmt/user/passkeys/import", `{"loginId":"bob@example.com","devices":[{"descope":{"credentialId":"x","publicKey":"AA=="},"auth0":{"keyId":"y","publicKey":"AA=="}}]}`)
	wantError(t, "two kinds in one device", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)

	wantEmpty(t, "remove one", post(t, s, "/v1/mgmt/user/passkey/delete", `{"loginId":"jane","credentialId":"cred-1"}`))
	wantEmpty(t, "remove one unknown", post(t, s, "/v1/mgmt/user/passkey/delete", `{"loginId":"jane","credentialId":"cred-404"}`))
	if got := passkeyIDs(t, s, "jane"); !slices.Equal(got, []string{"cred-2"}) || !mustUser(t, s, "jane").Webauthn {
		t.Errorf("after removing cred-1: %v", got)
	}
	wantEmpty(t, "remove all", post(t, s, "/v1/mgmt/user/passkeys/delete", `{"loginId":"jane"}`))
	if got := passkeyIDs(t, s, "jane"); got != nil || mustUser(t, s, "jane").Webauthn {
		t.Errorf("after removing all: %v, webauthn %v", got, mustUser(t, s, "jane").Webauthn)
	}
	wantEmpty(t, "remove all with a credential", post(t, s, "/v1/mgmt/user/passkeys/delete", `{"identifier":"bob@example.com","credentialId":"cred-9"}`))
	if got := passkeyIDs(t, s, "bob@example.com"); !slices.Equal(got, []string{"auth0-key"}) {
		t.Errorf("passkeys/delete with credentialId removed %v", got)
	}
	r = post(t, s, "/v1/mgmt/user/passkeys/list", `{"loginId":"ghost"}`)
	wantError(t, "unknown", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
}

func deviceIDs(t *testing.T, s *apitest.Server, body string) []string {
	t.Helper()
	var a gen.TrustedDevicesResponse
	decodeOK(t, "list "+body, post(t, s, "/v1/mgmt/user/trusteddevices/list", body), &a)
	var ids []string
	for _, d := range a.Devices {
		ids = append(ids, d.UserID+"/"+d.ID)
	}
	return ids
}

// TestTrustedDevices: the list returns the seeded devices of the users named (unknown ones left
// out), with their user IDs; remove takes deviceIds or ids, and both must agree.
func TestTrustedDevices(t *testing.T) {
	s := seeded(t)
	if got := deviceIDs(t, s, `{"identifiers":["jane","ghost","U2bob","jane@example.com"]}`); !slices.Equal(got, []string{"U2jane/dev-1", "U2jane/dev-2", "U2bob/dev-9"}) {
		t.Errorf("list %v", got)
	}
	if got := deviceIDs(t, s, `{"loginId":"U2bob"}`); !slices.Equal(got, []string{"U2bob/dev-9"}) {
		t.Errorf("Go SDK list %v", got)
	}
	refusedMentioning(t, "two spellings", post(t, s, "/v1/mgmt/user/trusteddevices/remove", `{"loginId":"jane","deviceIds":["dev-1"],"ids":["dev-2"]}`),
		http.StatusBadRequest, apitest.CodeInvalidArguments, "deviceIds", "ids")
	wantEmpty(t, "Node", post(t, s, "/v1/mgmt/user/trusteddevices/remove", `{"identifier":"jane","deviceIds":["dev-1","dev-404"]}`))
	wantEmpty(t, "Go", post(t, s, "/v1/mgmt/user/trusteddevices/remove", `{"loginId":"U2bob","ids":["dev-9"]}`))
	if got := deviceIDs(t, s, `{"identifiers":["jane","U2bob"]}`); !slices.Equal(got, []string{"U2jane/dev-2"}) {
		t.Errorf("after removals %v", got)
	}
	r := post(t, s, "/v1/mgmt/user/trusteddevices/remove", `{"loginId":"jane"}`)
	wantError(t, "no devices", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
}

// TestGeneratorsForTestUsers: OTP codes, magic and enchanted links are generated for test users
// only (a real user is 400 E011004, an unknown one 404), and the last of each can be read from
// the fake.
func TestGeneratorsForTestUsers(t *testing.T) {
	s := seeded(t)
	for _, path := range []string{"otp", "magiclink", "enchantedlink"} {
		refusedMentioning(t, path+" for a real user", post(t, s, "/v1/mgmt/tests/generate/"+path, `{"loginId":"jane"}`), http.StatusBadRequest, apitest.CodeInvalidArguments, "jane", "test user")
		r := post(t, s, "/v1/mgmt/tests/generate/"+path, `{"loginId":"ghost"}`)
		wantError(t, path+" for no one", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	}
	var otp gen.GenerateOTPResponse
	decodeOK(t, "otp", post(t, s, "/v1/mgmt/tests/generate/otp", `{"loginId":"test@example.com","deliveryMethod":"email","loginOptions":null}`), &otp)
	if last, ok := s.LastOTP("U2test"); !ok || last != otp.Code || len(otp.Code) != 6 || otp.LoginID != "test@example.com" {
		t.Errorf("otp %+v, LastOTP %q %v", otp, last, ok)
	}
	var ml gen.GenerateMagicLinkResponse
	decodeOK(t, "magic link (Go)", post(t, s, "/v1/mgmt/tests/generate/magiclink", `{"loginId":"test@example.com","deliveryMethod":"email","URI":"https://app.example.com/verify?from=mail"}`), &ml)
	if last, ok := s.LastMagicLink("test@example.com"); !ok || last != ml.Link || !strings.HasPrefix(ml.Link, "https://app.example.com/verify?") || !strings.Contains(ml.Link, "from=mail") || !strings.Contains(ml.Link, "t=T2") {
		t.Errorf("magic link %q, last %q", ml.Link, last)
	}
	refusedMentioning(t, "both redirect names", post(t, s, "/v1/mgmt/tests/generate/magiclink", `{"loginId":"test@example.com","URI":"https://a.example","redirectUrl":"https://b.example"}`),
		http.StatusBadRequest, apitest.CodeInvalidArguments, "redirectUrl", "URI")
	var el gen.GenerateEnchantedLinkResponse
	decodeOK(t, "enchanted link (.NET)", post(t, s, "/v1/mgmt/tests/generate/enchantedlink", `{"loginId":"test@example.com","redirectUrl":"https://app.example.com/e","loginOptions":{"stepup":true,"customClaims":{"k":1}}}`), &el)
	if link, ref, ok := s.LastEnchantedLink("test@example.com"); !ok || link != el.Link || ref != el.PendingRef || ref == "" || !strings.HasPrefix(link, "https://app.example.com/e?t=") {
		t.Errorf("enchanted %+v, last %q %q %v", el, link, ref, ok)
	}
	if _, ok := s.LastOTP("jane"); ok {
		t.Error("LastOTP has a code for a user none was generated for")
	}
	// A deleted user's codes are gone with it.
	wantEmpty(t, "delete", post(t, s, "/v1/mgmt/user/delete", `{"loginId":"test@example.com"}`))
	if _, ok := s.LastOTP("U2test"); ok {
		t.Error("a deleted user's code is still there")
	}
}

// TestEmbeddedLinks: sign-in tokens for any existing user (masked contacts in the answer), sign-up
// tokens for a login ID without a user (no user is created), both readable from the fake.
func TestEmbeddedLinks(t *testing.T) {
	s := seeded(t)
	var in gen.EmbeddedLinkResponse
	decodeOK(t, "sign in", post(t, s, "/v1/mgmt/user/signin/embeddedlink", `{"loginId":"jane","customClaims":null,"timeout":0}`), &in)
	if last, ok := s.LastEmbeddedToken("jane@example.com"); !ok || last != in.Token || in.MaskedEmail != "j***@example.com" || in.MaskedPhone != "+*******0100" {
		t.Errorf("sign in %+v, last %q %v", in, last, ok)
	}
	r := post(t, s, "/v1/mgmt/user/signin/embeddedlink", `{"loginId":"ghost"}`)
	wantError(t, "sign in, no one", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	var up gen.EmbeddedLinkResponse
	decodeOK(t, "sign up", post(t, s, "/v1/mgmt/user/signup/embeddedlink", `{"loginId":"new@example.com","user":{"name":"New","email":"new@example.com"},"emailVerified":true,"phoneVerified":false,"loginOptions":null,"timeout":600}`), &up)
	if last, ok := s.LastEmbeddedToken("new@example.com"); !ok || last != up.Token || up.Token == in.Token || up.MaskedEmail != "n***@example.com" {
		t.Errorf("sign up %+v, last %q %v", up, last, ok)
	}
	if _, ok := s.User("new@example.com"); ok {
		t.Error("a sign-up token created the user")
	}
}

// TestAuthHistory: v1 takes and answers bare arrays, v2 objects; both answer the seeded sign-ins
// of the users asked for by user ID, in that order, with their user IDs.
func TestAuthHistory(t *testing.T) {
	s := seeded(t)
	var v1 []gen.UserAuthHistory
	decodeOK(t, "v1", post(t, s, "/v1/mgmt/user/history", `["U2bob","U2ghost","U2jane","jane"]`), &v1)
	var cities []string
	for _, h := range v1 {
		cities = append(cities, h.UserID+"/"+h.City)
	}
	if !slices.Equal(cities, []string{"U2bob/Paris", "U2jane/Lisbon", "U2jane/Porto"}) {
		t.Errorf("v1 %v", cities)
	}
	var v2 gen.AuthHistoryResponse
	decodeOK(t, "v2", post(t, s, "/v2/mgmt/user/history", `{"userIds":["U2jane"]}`), &v2)
	if len(v2.UsersAuthHistory) != 2 || v2.UsersAuthHistory[1].City != "Porto" || v2.UsersAuthHistory[0].IP != "203.0.113.7" {
		t.Errorf("v2 %+v", v2)
	}
	if r := post(t, s, "/v1/mgmt/user/history", `[]`); r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "[]" {
		t.Errorf("v1 of no one: %d %s", r.Status, r.Body)
	}
	r := post(t, s, "/v1/mgmt/user/history", `{"userIds":["U2jane"]}`)
	wantError(t, "an object on v1", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
}

// TestProviderToken: the seeded token of that provider, with its refresh token only when asked;
// an unknown user is 404, a provider without a token 400 E011004.
func TestProviderToken(t *testing.T) {
	s := seeded(t)
	get := func(query string) rawResponse {
		return raw(t, s, http.MethodGet, "/v1/mgmt/user/provider/token?"+query, bearer(s), "")
	}
	var tok gen.UserProviderToken
	decodeOK(t, "Go SDK", get("loginId=jane&provider=google&withRefreshToken=false&forceRefresh=false"), &tok)
	if tok.AccessToken != "ya29.access" || tok.RefreshToken != "" || tok.ProviderUserID != "g-1" || tok.Expiration != 1700003600 || !slices.Equal(tok.Scopes, []string{"openid", "email"}) {
		t.Errorf("token %+v", tok)
	}
	decodeOK(t, "with refresh", get("loginId=U2jane&provider=google&withRefreshToken=true&forceRefresh=true"), &tok)
	if tok.RefreshToken != "1//refresh" {
		t.Errorf("refresh token %q", tok.RefreshToken)
	}
	r := get("loginId=ghost&provider=google")
	wantError(t, "unknown user", r.Status, &r.Error, http.StatusNotFound, apitest.CodeUserNotFound)
	refusedMentioning(t, "no token", get("loginId=bob@example.com&provider=google"), http.StatusBadRequest, apitest.CodeInvalidArguments, "google")
	r = get("loginId=jane")
	wantError(t, "no provider", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
}

func attributeNames(t *testing.T, what string, r rawResponse) ([]string, gen.CustomAttributesResponse) {
	t.Helper()
	var a gen.CustomAttributesResponse
	decodeOK(t, what, r, &a)
	var names []string
	for _, d := range a.Data {
		names = append(names, d.Name)
	}
	return names, a
}

// TestCustomAttributeDefinitions: list what was seeded; create adds, replaces a name that exists,
// refuses a name twice in one call; delete removes the definitions and the users' values.
func TestCustomAttributeDefinitions(t *testing.T) {
	s := seeded(t, apitest.WithCustomAttributes(gen.CustomAttribute{Name: "department", Type: 1, DisplayName: "Department"},
		gen.CustomAttribute{Name: "legacyId", Type: 1}))
	names, a := attributeNames(t, "list", raw(t, s, http.MethodGet, "/v1/mgmt/user/customattributes", bearer(s), ""))
	if !slices.Equal(names, []string{"department", "legacyId"}) || a.Total != "2" || !a.Data[0].Editable {
		t.Errorf("list %v %+v", names, a)
	}
	names, a = attributeNames(t, "create", post(t, s, "/v1/mgmt/user/customattribute/create", `{"attributes":[
		{"name":"plan","type":4,"displayName":"Plan","options":[{"value":"pro","label":"Pro"}],"defaultValue":"pro"},
		{"name":"department","type":1,"displayName":"Dept."}]}`))
	if !slices.Equal(names, []string{"department", "legacyId", "plan"}) || a.Total != "3" || a.Data[0].DisplayName != "Dept." || a.Data[2].DefaultValue != "pro" || a.Data[2].Options[0].Label != "Pro" {
		t.Errorf("after create %v %+v", names, a)
	}
	refusedMentioning(t, "twice", post(t, s, "/v1/mgmt/user/customattribute/create", `{"attributes":[{"name":"x"},{"name":"x"}]}`), http.StatusBadRequest, apitest.CodeInvalidArguments, `"x"`)
	before := mustUser(t, s, "jane")
	names, _ = attributeNames(t, "delete", post(t, s, "/v1/mgmt/user/customattribute/delete", `{"names":["legacyId","ghost"]}`))
	if !slices.Equal(names, []string{"department", "plan"}) {
		t.Errorf("after delete %v", names)
	}
	after := mustUser(t, s, "jane")
	if _, has := after.CustomAttributes["legacyId"]; has || after.CustomAttributes["department"] != before.CustomAttributes["department"] || after.ModifiedTime < before.ModifiedTime {
		t.Errorf("jane's attributes after the delete: %v", after.CustomAttributes)
	}
	if got := s.CustomAttributes(); len(got) != 2 {
		t.Errorf("Server.CustomAttributes %+v", got)
	}
}

// TestImpersonationConsent: a number of days grants consent until then, 0 revokes it; the answer
// is the user.
func TestImpersonationConsent(t *testing.T) {
	s := seeded(t)
	start := time.Now().Unix()
	u := okUser(t, s, "grant", post(t, s, "/v1/mgmt/user/update/impersonationConsent", `{"loginId":"jane","impersonationConsent":30}`))
	end := time.Now().Unix()
	if u.ConsentExpiration < start+30*86400 || u.ConsentExpiration > end+30*86400 {
		t.Errorf("consentExpiration %d, want now + 30 days", u.ConsentExpiration)
	}
	u = okUser(t, s, "revoke", post(t, s, "/v1/mgmt/user/update/impersonationConsent", `{"identifier":"jane","impersonationConsent":0}`))
	if u.ConsentExpiration != 0 {
		t.Errorf("consentExpiration %d after 0", u.ConsentExpiration)
	}
	r := post(t, s, "/v1/mgmt/user/update/impersonationConsent", `{"loginId":"jane","impersonationConsent":-1}`)
	wantError(t, "negative", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
}

// TestUserStateNeedsAUser: WithUserState for no user fails the start; SetUserState likewise.
func TestUserStateNeedsAUser(t *testing.T) {
	if _, err := apitest.Start(apitest.WithUserState("ghost", apitest.UserState{})); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("Start: %v", err)
	}
	s := apitest.NewServer(t)
	if err := s.SetUserState("ghost", apitest.UserState{}); err == nil {
		t.Error("SetUserState of no user did not fail")
	}
}
