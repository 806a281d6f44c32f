package contract_test

// The rows of apiCalls for the operations of spec 1.3.0: creating, inviting, importing and
// deleting users, passwords, second factors and devices, the test-user generators, embedded
// links, history, provider tokens, custom attribute definitions and impersonation consent. They
// run after the update rows against the coverage fake (coverageOptions), in order.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// coverageOptions are the fake's options for the api rows and the CLI's examples: the coverage
// users, and what only Descope's sign-in side creates, seeded for jane (two trusted devices, a
// Google token, one sign-in), and two custom attribute definitions.
func coverageOptions() []apitest.Option {
	return []apitest.Option{
		apitest.WithCredentials(testProjectID, testKey),
		apitest.WithUsers(coverageUsers()...),
		apitest.WithUserState("jane@example.com", apitest.UserState{
			TrustedDevices: []gen.TrustedDevice{
				{ID: "dev-1", Name: "Chrome on Mac", DeviceType: "desktop", LastLoginTime: "1700000000", ExpirationTime: "1702592000"},
				{ID: "dev-2", Name: "Safari on iPhone", DeviceType: "mobile"},
			},
			ProviderTokens: []gen.UserProviderToken{{Provider: "google", ProviderUserID: "1098765", AccessToken: "ya29.fake-access-token",
				RefreshToken: "1//fake-refresh-token", Expiration: 1700003600, Scopes: []string{"openid", "email"}}},
			AuthHistory: []gen.UserAuthHistory{{LoginTime: 1700000000, City: "Lisbon", Country: "PT", IP: "203.0.113.7"}},
		}),
		apitest.WithCustomAttributes(
			gen.CustomAttribute{Name: "dept", Type: 1, DisplayName: "Department"},
			gen.CustomAttribute{Name: "legacyId", Type: 1, DisplayName: "Legacy ID"},
		),
	}
}

// hashVector is a password hash of one variant and the password that verifies against it.
type hashVector struct {
	variant  string // the PasswordImport field, and the scheme Server.Password names
	hash     api.PasswordImport
	password string // "" where the fake cannot verify the variant (buddyauth, bach)
}

// b64 decodes standard base64 that the test writes itself.
func b64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// hashVectors: one hash of each variant Descope lists. Those of firebase, pbkdf2, argon2id, sha,
// md5, django and phpass are the fake's own test vectors (api/apitest/passwords_test.go),
// computed outside Go; bcrypt is made here with golang.org/x/crypto.
var hashVectors = sync.OnceValue(func() []hashVector {
	bc, err := bcrypt.GenerateFromPassword([]byte("hunter2-bcrypt"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return []hashVector{
		{"bcrypt", api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(bc)}}, "hunter2-bcrypt"},
		{"django", api.PasswordImport{Django: &api.PasswordHash{Hash: "pbkdf2_sha256$1000$djangosalt$NEjo3N6S26A2S19ALUJd6BHnG4EgKgJ+KwIfVnIeFO4="}}, "hunter2-django"},
		{"md5", api.PasswordImport{Md5: &api.PasswordHash{Hash: "6eb9f735eec136b34cdc1715d6c7da57"}}, "hunter2-md5"},
		{"buddyauth", api.PasswordImport{Buddyauth: &api.PasswordHash{Hash: "opaque-buddyauth-hash"}}, ""},
		{"firebase", api.PasswordImport{Firebase: &gen.PasswordImportFirebase{
			Hash:          b64("n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA=="),
			Salt:          b64("c2FsdC1mcm9tLWZpcmViYXNl"),
			SaltSeparator: b64("Bw=="),
			SignerKey:     b64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="),
			Memory:        14, Rounds: 8,
		}}, "hunter2-firebase"},
		{"pbkdf2", api.PasswordImport{Pbkdf2: &gen.PasswordImportPbkdf2{
			Hash: b64("8mDC922G06gXDKrrz0GfqqFFzpdKz0yHpfwdLP5UmLQ="), Salt: b64("cGJrZGYyLXNhbHQ="), Iterations: 1000, Type: "sha256",
		}}, "hunter2-pbkdf2"},
		{"argon2", api.PasswordImport{Argon2: &gen.PasswordImportArgon2{
			Hash: b64("LtDWv5aQY3otrTDn0k82NJkm4dw7OoJCGhj90rBxcHI="), Salt: []byte("argon2-salt-16by"), Iterations: 2, Memory: 1024, Threads: 1, Type: "argon2id",
		}}, "hunter2-argon2"},
		{"sha", api.PasswordImport{Sha: &gen.PasswordImportSha{
			Hash: "9ffdca2dd3d36f6c9400a6d2bfcd8b0a5eb3b27b09b3bc2335dddc2639a21857", Type: "sha256", Salt: "pepper-salt",
		}}, "hunter2-sha"},
		{"phpass", api.PasswordImport{Phpass: &gen.PasswordImportPhpass{
			Hash: "y1NgRNggA.SUKHGvXSJaZ1", Salt: "abcdefgh", Iterations: 2048, Type: "md5",
		}}, "hunter2-phpass"},
		{"bach", api.PasswordImport{Bach: &gen.PasswordImportBach{Hash: "opaque-bach-hash", Key: "bach-key"}}, ""},
	}
})

// verifies checks that the user loginID has the password of v, as the fake verifies it, or, for
// a variant it cannot verify, that the user has a password of that variant.
func verifies(s *apitest.Server, loginID string, v hashVector) error {
	info, ok := s.Password(loginID)
	if !ok || !info.Set || info.Scheme != v.variant || info.Expired {
		return fmt.Errorf("%s's password: %+v (exists: %v), want a %s hash", loginID, info, ok, v.variant)
	}
	if v.password == "" {
		if _, err := s.CheckPassword(loginID, "x"); !errors.Is(err, apitest.ErrUnsupportedHash) {
			return fmt.Errorf("%s: CheckPassword of a %s hash: %v, want ErrUnsupportedHash", loginID, v.variant, err)
		}
		return nil
	}
	return errors.Join(passwordIs(s, loginID, v.password, true), passwordIs(s, loginID, v.password+"x", false))
}

// passwordIs checks whether password is loginID's password, as the fake verifies it.
func passwordIs(s *apitest.Server, loginID, password string, want bool) error {
	ok, err := s.CheckPassword(loginID, password)
	if err != nil || ok != want {
		return fmt.Errorf("CheckPassword(%q, %q) = %v, %v; want %v", loginID, password, ok, err, want)
	}
	return nil
}

// passwordState checks what the fake knows of loginID's password besides the password itself.
func passwordState(s *apitest.Server, loginID, password string, expired bool) error {
	info, _ := s.Password(loginID)
	return errors.Join(passwordIs(s, loginID, password, true),
		want(info.Set && info.Expired == expired && info.Scheme == "argon2id", fmt.Sprintf("%s's password, expired %v", loginID, expired), info))
}

// resultKey carries, in the context of a call, where the call keeps what it returned (a code, a
// link, a token) for its row's returned check; calls elsewhere keep nothing.
type resultKey struct{}

func keep(ctx context.Context, v string) {
	if p, ok := ctx.Value(resultKey{}).(*string); ok {
		*p = v
	}
}

// fakeAnswer sends a request to the fake with the test credentials, outside the api package (to
// read what only the API answers), and returns the body of its 200 answer.
func fakeAnswer(s *apitest.Server, path, body string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", testBearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %d %s", path, body, resp.StatusCode, data)
	}
	return data, err
}

// passkeyIDs are the credential IDs of jane's passkeys, as the fake lists them.
func passkeyIDs(s *apitest.Server) ([]string, error) {
	data, err := fakeAnswer(s, "/v1/mgmt/user/passkeys/list", `{"loginId":"jane@example.com"}`)
	var res gen.UserPasskeysResponse
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	var ids []string
	for _, p := range res.Passkeys {
		ids = append(ids, p.ID)
	}
	return ids, err
}

// deviceIDs are the IDs of jane's trusted devices, as the fake lists them.
func deviceIDs(s *apitest.Server) ([]string, error) {
	data, err := fakeAnswer(s, "/v1/mgmt/user/trusteddevices/list", `{"identifiers":["jane@example.com"]}`)
	var res gen.TrustedDevicesResponse
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	var ids []string
	for _, d := range res.Devices {
		ids = append(ids, d.ID)
	}
	return ids, err
}

// gone checks that no user has these login IDs or user IDs any more.
func gone(s *apitest.Server, ids ...string) error {
	var errs []error
	for _, id := range ids {
		if _, ok := s.User(id); ok {
			errs = append(errs, fmt.Errorf("%s still exists", id))
		}
	}
	return errors.Join(errs...)
}

// lastInvitation checks the fake's last invitation: to loginID, by the channels given.
func lastInvitation(s *apitest.Server, loginID string, byEmail, bySMS bool, check func(apitest.Invitation) bool) error {
	out := s.Outbox()
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].LoginID == loginID {
			inv := out[i]
			return want(inv.ByEmail == byEmail && inv.BySMS == bySMS && (check == nil || check(inv)), "the invitation of "+loginID, inv)
		}
	}
	return fmt.Errorf("no invitation to %s in %+v", loginID, out)
}

// batchFailed checks a create batch's answer: these login IDs failed (the others created or left
// out), each with a reason.
func batchFailed(res *api.CreateBatchResult, loginIDs ...string) error {
	var failed []string
	for _, f := range res.FailedUsers {
		if f.User == nil || len(f.User.LoginIDs) == 0 || f.Failure == "" {
			return fmt.Errorf("a failure without its user or reason: %+v", f)
		}
		failed = append(failed, f.User.LoginIDs[0])
	}
	for _, id := range loginIDs {
		if !slices.Contains(failed, id) {
			return fmt.Errorf("%s did not fail: failed %v", id, failed)
		}
	}
	return nil
}

// hashedBatchCall creates, with one create/batch, a user with the hash of v, beside jane, whose
// login ID exists: she fails alone (as in the spec's example answer, which names her).
func hashedBatchCall(v hashVector) apiCall {
	loginID := v.variant + "@example.com"
	return apiCall{"CreateBatch", "hashed password, " + v.variant, func(ctx context.Context, c *api.Client) error {
		h := v.hash
		res, err := c.CreateBatch(ctx, []api.BatchUser{{LoginID: loginID, Email: loginID, HashedPassword: &h}, {LoginID: "jane@example.com"}})
		if err != nil {
			return err
		}
		return batchFailed(res, "jane@example.com")
	}, []string{"users"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, loginID)
		if err != nil {
			return err
		}
		return errors.Join(want(u.Password && u.Email == loginID, "the user created with a hash", u), verifies(s, loginID, v))
	}}
}

// lifecycleCalls are the rows of the operations of spec 1.3.0.
var lifecycleCalls = slices.Concat(creationCalls(), passwordAndFactorCalls(), deletionCalls())

func creationCalls() []apiCall {
	calls := []apiCall{
		{"Create", "with a password", func(ctx context.Context, c *api.Client) error {
			u, err := c.Create(ctx, api.UserCreate{LoginID: "amy@example.com", Email: "amy@example.com", VerifiedEmail: true,
				DisplayName: "Amy", Password: "Amy-Pa55word"})
			if err == nil && len(u.LoginIDs) == 0 {
				return fmt.Errorf("created %+v", u)
			}
			return err
		}, []string{"loginId", "email", "verifiedEmail", "displayName", "password"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "amy@example.com")
			return errors.Join(err, want(u.Name == "Amy" && u.VerifiedEmail && u.Status == "invited" && u.Password && !u.Test && strings.HasPrefix(u.UserID, "U"),
				"amy after Create", u), passwordState(s, "amy@example.com", "Amy-Pa55word", false))
		}},
		{"Create", "hashed password, every user field", func(ctx context.Context, c *api.Client) error {
			h := hashVectors()[0].hash
			_, err := c.Create(ctx, api.UserCreate{
				LoginID: "ben@example.com", Email: "ben@example.com", VerifiedEmail: true, Phone: "+15555550142", VerifiedPhone: true,
				Name: "Ben Bo", DisplayName: "Ben Bo", GivenName: "Ben", MiddleName: "B", FamilyName: "Bo", Picture: "https://example.com/ben.png",
				RoleNames: []string{"viewer"}, UserTenants: []gen.PatchUserTenant{{TenantID: "T1", RoleNames: ptr([]string{"member"})}},
				CustomAttributes: map[string]any{"dept": "eng", "legacyId": "L-7"}, AdditionalLoginIDs: []string{"benbo"},
				SsoAppIDs: []string{"app-1"}, Status: ptr(api.UserStatusEnabled),
				RecoveryEmail: "ben.r@example.com", VerifiedRecoveryEmail: true, RecoveryPhone: "+15555550143", VerifiedRecoveryPhone: true,
				HashedPassword: &h,
			})
			return err
		}, []string{"loginId", "email", "verifiedEmail", "phone", "verifiedPhone", "name", "displayName", "givenName", "middleName",
			"familyName", "picture", "roleNames", "userTenants", "customAttributes", "additionalLoginIds", "ssoAppIds", "status",
			"recoveryEmail", "verifiedRecoveryEmail", "recoveryPhone", "verifiedRecoveryPhone", "hashedPassword"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "benbo")
			if err != nil {
				return err
			}
			wantUser := gen.User{UserID: u.UserID, LoginIDs: []string{"ben@example.com", "benbo"}, Email: "ben@example.com", VerifiedEmail: true,
				Phone: "+15555550142", VerifiedPhone: true, Name: "Ben Bo", GivenName: "Ben", MiddleName: "B", FamilyName: "Bo",
				Picture: "https://example.com/ben.png", RoleNames: []string{"viewer"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}},
				CustomAttributes: gen.CustomAttributes{"dept": "eng", "legacyId": "L-7"}, SsoAppIDs: []string{"app-1"}, Status: "enabled",
				RecoveryEmail: "ben.r@example.com", VerifiedRecoveryEmail: true, RecoveryPhone: "+15555550143", VerifiedRecoveryPhone: true,
				Password: true, CreatedTime: u.CreatedTime}
			return errors.Join(sameUser(u, wantUser), verifies(s, "ben@example.com", hashVectors()[0]))
		}},
		{"CreateTestUser", "", func(ctx context.Context, c *api.Client) error {
			_, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: "test-amy@example.com", Email: "test-amy@example.com", DisplayName: "Test Amy"})
			return err
		}, []string{"loginId", "email", "displayName", "test"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "test-amy@example.com")
			return errors.Join(err, want(u.Test && u.Name == "Test Amy", "the test user", u))
		}},
		{"Invite", "by email", func(ctx context.Context, c *api.Client) error {
			_, err := c.Invite(ctx, api.UserCreate{LoginID: "bea@example.com", Email: "bea@example.com"}, api.InviteOptions{
				SendMail: ptr(true), InviteURL: "https://app.example.com/welcome", TemplateID: "welcome-v2",
				TemplateOptions: map[string]string{"team": "Platform"}, Locale: "en-GB"})
			return err
		}, []string{"loginId", "email", "invite", "sendMail", "inviteUrl", "templateId", "templateOptions", "locale"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "bea@example.com")
			return errors.Join(err, want(u.Status == "invited", "bea's status", u.Status),
				lastInvitation(s, "bea@example.com", true, false, func(inv apitest.Invitation) bool {
					return inv.UserID == u.UserID && inv.InviteURL == "https://app.example.com/welcome" && inv.TemplateID == "welcome-v2" &&
						inv.TemplateOptions["team"] == "Platform" && inv.Locale == "en-GB"
				}))
		}},
		{"Invite", "by text message, not by email", func(ctx context.Context, c *api.Client) error {
			_, err := c.Invite(ctx, api.UserCreate{LoginID: "+15555550123", Phone: "+15555550123", Email: "cy@example.com"},
				api.InviteOptions{SendMail: ptr(false), SendSMS: ptr(true)})
			return err
		}, []string{"loginId", "phone", "email", "invite", "sendMail", "sendSMS"}, func(s *apitest.Server) error {
			return lastInvitation(s, "+15555550123", false, true, nil)
		}},
	}
	for _, v := range hashVectors() {
		calls = append(calls, hashedBatchCall(v))
	}
	calls = append(calls,
		apiCall{"CreateBatch", "password and TOTP seed", func(ctx context.Context, c *api.Client) error {
			res, err := c.CreateBatch(ctx, []api.BatchUser{
				{LoginID: "tia@example.com", DisplayName: "Tia", Password: "Tia-Pa55word", Seed: "JBSWY3DPEHPK3PXP", Status: ptr(api.UserStatusEnabled),
					CreatedTime: 1600000000},
				{LoginID: "jane@example.com", Test: true},
			})
			if err != nil {
				return err
			}
			return batchFailed(res, "jane@example.com")
		}, []string{"users"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "tia@example.com")
			return errors.Join(err, want(u.TOTP && u.Status == "enabled" && u.CreatedTime == 1600000000 && !u.Test, "tia after CreateBatch", u),
				passwordState(s, "tia@example.com", "Tia-Pa55word", false))
		}},
		// jane exists: she is re-invited, unchanged, beside cat, who is created.
		apiCall{"InviteBatch", "", func(ctx context.Context, c *api.Client) error {
			_, err := c.InviteBatch(ctx, []api.BatchUser{{LoginID: "jane@example.com"}, {LoginID: "cat@example.com", Email: "cat@example.com"}},
				api.InviteOptions{InviteURL: "https://app.example.com/welcome", Locale: "fr"})
			return err
		}, []string{"users", "invite", "inviteUrl", "locale"}, func(s *apitest.Server) error {
			return errors.Join(
				lastInvitation(s, "cat@example.com", true, false, func(inv apitest.Invitation) bool { return inv.Locale == "fr" }),
				lastInvitation(s, "jane@example.com", true, false, func(inv apitest.Invitation) bool { return inv.UserID == "U2abc" }))
		}},
		apiCall{"CreateSeq", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.CreateSeq(ctx, slices.Values([]api.BatchUser{{LoginID: "dee@example.com", Email: "dee@example.com"}, {LoginID: "jane@example.com"}}))
			if err == nil && (res.Failed < 1 || res.Applied+res.Failed != 2) {
				return fmt.Errorf("created %d, failed %d", res.Applied, res.Failed)
			}
			return err
		}, []string{"users"}, func(s *apitest.Server) error {
			_, err := fakeUser(s, "dee@example.com")
			return err
		}},
		apiCall{"CreateAll", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.CreateAll(ctx, []api.BatchUser{{LoginID: "jane@example.com"}, {LoginID: "eve@example.com", Email: "eve@example.com"}})
			if err == nil && (res.Failed < 1 || res.Applied+res.Failed != 2) {
				return fmt.Errorf("created %d, failed %d", res.Applied, res.Failed)
			}
			return err
		}, []string{"users"}, func(s *apitest.Server) error {
			_, err := fakeUser(s, "eve@example.com")
			return err
		}},

		// ann is created, or, should a row before have created her, found existing (looked up by
		// SearchUsers): never failed, never created twice. (ImportSeq's lookup sends the body
		// PlanSync's row sends.)
		apiCall{"ImportSeq", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.ImportSeq(ctx, slices.Values([]api.BatchUser{{LoginID: "ann@example.com", Email: "ann@example.com"}}))
			if err == nil && res.Applied+res.Existing != 1 {
				return fmt.Errorf("created %d, existing %d, failed %d", res.Applied, res.Existing, res.Failed)
			}
			return err
		}, []string{"users"}, func(s *apitest.Server) error {
			_, err := fakeUser(s, "ann@example.com")
			return err
		}},
		apiCall{"ImportAll", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.ImportAll(ctx, []api.BatchUser{{LoginID: "ann@example.com", Email: "ann@example.com"}})
			if err == nil && res.Applied+res.Existing != 1 {
				return fmt.Errorf("created %d, existing %d, failed %d", res.Applied, res.Existing, res.Failed)
			}
			return err
		}, []string{"users"}, func(s *apitest.Server) error {
			_, err := fakeUser(s, "ann@example.com")
			return err
		}},

		// The generators, for the test user created above; what each returns is what the fake
		// generated last.
		apiCall{"GenerateOTPForTestUser", "", func(ctx context.Context, c *api.Client) error {
			code, err := c.GenerateOTPForTestUser(ctx, "email", "test-amy@example.com", nil)
			keep(ctx, code)
			if err == nil && code == "" {
				return errors.New("no code")
			}
			return err
		}, []string{"loginId", "deliveryMethod"}, nil},
		apiCall{"GenerateMagicLinkForTestUser", "", func(ctx context.Context, c *api.Client) error {
			link, err := c.GenerateMagicLinkForTestUser(ctx, "sms", "test-amy@example.com", "https://app.example.com/verify", nil)
			keep(ctx, link)
			if err == nil && !strings.HasPrefix(link, "https://app.example.com/verify?t=") {
				return fmt.Errorf("link %q", link)
			}
			return err
		}, []string{"loginId", "deliveryMethod", "redirectUrl"}, nil},
		apiCall{"GenerateEnchantedLinkForTestUser", "", func(ctx context.Context, c *api.Client) error {
			link, ref, err := c.GenerateEnchantedLinkForTestUser(ctx, "test-amy@example.com", "https://app.example.com/verify",
				&api.LoginOptions{Stepup: true, CustomClaims: map[string]any{"k": "v"}})
			keep(ctx, link+" "+ref)
			if err == nil && (link == "" || ref == "") {
				return fmt.Errorf("link %q, pending reference %q", link, ref)
			}
			return err
		}, []string{"loginId", "redirectUrl", "loginOptions"}, nil},
		apiCall{"GenerateEmbeddedLink", "", func(ctx context.Context, c *api.Client) error {
			token, err := c.GenerateEmbeddedLink(ctx, "jane@example.com", map[string]any{"plan": "pro"}, 600)
			keep(ctx, token)
			if err == nil && token == "" {
				return errors.New("no token")
			}
			return err
		}, []string{"loginId", "customClaims", "timeout"}, nil},
		apiCall{"GenerateSignUpEmbeddedLink", "", func(ctx context.Context, c *api.Client) error {
			token, err := c.GenerateSignUpEmbeddedLink(ctx, "newbie@example.com", &api.SignUpUser{Name: "New Bie", Email: "newbie@example.com"},
				true, false, &api.LoginOptions{Mfa: true}, 0)
			keep(ctx, token)
			if err == nil && token == "" {
				return errors.New("no token")
			}
			return err
		}, []string{"loginId", "user", "emailVerified", "loginOptions"}, func(s *apitest.Server) error {
			_, created := s.User("newbie@example.com")
			return want(!created, "the sign-up link created no user", created)
		}},
		apiCall{"DeleteAllTestUsers", "", func(ctx context.Context, c *api.Client) error {
			return c.DeleteAllTestUsers(ctx)
		}, nil, func(s *apitest.Server) error {
			var tests []string
			for _, u := range s.Users() {
				if u.Test {
					tests = append(tests, u.UserID)
				}
			}
			_, err := fakeUser(s, "jane@example.com")
			return errors.Join(err, want(len(tests) == 0, "test users left", tests), gone(s, "test-amy@example.com"))
		}},
	)
	return calls
}

// returnedChecks compare what a row's call returned (kept with keep) with what the fake
// generated, by the row's name.
var returnedChecks = map[string]func(s *apitest.Server, got string) error{
	"GenerateOTPForTestUser": func(s *apitest.Server, got string) error {
		code, ok := s.LastOTP("test-amy@example.com")
		return want(ok && got == code, "the code returned, the fake's last: "+code, got)
	},
	"GenerateMagicLinkForTestUser": func(s *apitest.Server, got string) error {
		link, ok := s.LastMagicLink("test-amy@example.com")
		return want(ok && got == link, "the link returned, the fake's last: "+link, got)
	},
	"GenerateEnchantedLinkForTestUser": func(s *apitest.Server, got string) error {
		link, ref, ok := s.LastEnchantedLink("test-amy@example.com")
		return want(ok && got == link+" "+ref, "the link and reference returned, the fake's last: "+link+" "+ref, got)
	},
	"GenerateEmbeddedLink": func(s *apitest.Server, got string) error {
		token, ok := s.LastEmbeddedToken("jane@example.com")
		return want(ok && got == token, "the token returned, the fake's last: "+token, got)
	},
	"GenerateSignUpEmbeddedLink": func(s *apitest.Server, got string) error {
		token, ok := s.LastEmbeddedToken("newbie@example.com")
		return want(ok && got == token, "the token returned, the fake's last: "+token, got)
	},
	"GetProviderToken with the refresh token": func(_ *apitest.Server, got string) error {
		return want(got == "ya29.fake-access-token 1//fake-refresh-token", "the tokens returned", got)
	},
	"GetProviderToken without the refresh token": func(_ *apitest.Server, got string) error {
		return want(got == "ya29.fake-access-token ", "the tokens returned", got)
	},
}

func passwordAndFactorCalls() []apiCall {
	return []apiCall{
		{"SetTemporaryPassword", "", func(ctx context.Context, c *api.Client) error {
			return c.SetTemporaryPassword(ctx, "jane@example.com", "Temp-Pa55word")
		}, []string{"loginId", "password", "setActive"}, func(s *apitest.Server) error {
			return passwordState(s, "jane@example.com", "Temp-Pa55word", true)
		}},
		{"SetActivePassword", "", func(ctx context.Context, c *api.Client) error {
			return c.SetActivePassword(ctx, "jane@example.com", "Active-Pa55word")
		}, []string{"loginId", "password", "setActive"}, func(s *apitest.Server) error {
			return errors.Join(passwordState(s, "jane@example.com", "Active-Pa55word", false), passwordIs(s, "jane@example.com", "Temp-Pa55word", false))
		}},
		{"SetPassword", "temporary", func(ctx context.Context, c *api.Client) error {
			return c.SetPassword(ctx, "jane@example.com", "Older-Pa55word", false)
		}, []string{"loginId", "password", "setActive"}, func(s *apitest.Server) error {
			return passwordState(s, "jane@example.com", "Older-Pa55word", true)
		}},
		{"SetPassword", "active", func(ctx context.Context, c *api.Client) error {
			return c.SetPassword(ctx, "jane@example.com", "Oldest-Pa55word", true)
		}, []string{"loginId", "password", "setActive"}, func(s *apitest.Server) error {
			return passwordState(s, "jane@example.com", "Oldest-Pa55word", false)
		}},
		{"ExpirePassword", "", func(ctx context.Context, c *api.Client) error {
			return c.ExpirePassword(ctx, "jane@example.com")
		}, []string{"loginId"}, func(s *apitest.Server) error {
			return passwordState(s, "jane@example.com", "Oldest-Pa55word", true)
		}},
		{"RemoveTOTPSeed", "", func(ctx context.Context, c *api.Client) error {
			return c.RemoveTOTPSeed(ctx, "tia@example.com")
		}, []string{"loginId"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "tia@example.com")
			return errors.Join(err, want(!u.TOTP && u.Password, "tia after RemoveTOTPSeed", u))
		}},
		{"ImportPasskeys", "", func(ctx context.Context, c *api.Client) error {
			return c.ImportPasskeys(ctx, "jane@example.com", []api.PasskeyImport{
				{Descope: &gen.WebauthnImportDescope{CredentialID: "cred-9", RpID: "example.com", PublicKey: []byte("public-key-9"),
					AttestationType: "none", Transports: []string{"internal"}, BackupEligible: true, BackupState: true}},
				{Auth0: &gen.WebauthnImportAuth0{KeyID: "key-1", RpID: "example.com", PublicKey: []byte("public-key-1"), UserHandle: "aGFuZGxl"}},
			})
		}, []string{"loginId", "devices"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "jane@example.com")
			ids, lerr := passkeyIDs(s)
			return errors.Join(err, lerr, want(u.Webauthn && slices.Equal(ids, []string{"cred-9", "key-1"}), "jane's passkeys", ids))
		}},
		{"ListPasskeys", "", func(ctx context.Context, c *api.Client) error {
			keys, err := c.ListPasskeys(ctx, "jane@example.com")
			if err == nil && (len(keys) == 0 || keys[0].ID == "") {
				return fmt.Errorf("passkeys %+v", keys)
			}
			return err
		}, []string{"loginId"}, nil},
		{"RemovePasskey", "", func(ctx context.Context, c *api.Client) error {
			return c.RemovePasskey(ctx, "jane@example.com", "cred-9")
		}, []string{"loginId", "credentialId"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "jane@example.com")
			ids, lerr := passkeyIDs(s)
			return errors.Join(err, lerr, want(u.Webauthn && slices.Equal(ids, []string{"key-1"}), "jane's passkeys after RemovePasskey", ids))
		}},
		{"RemoveAllPasskeys", "", func(ctx context.Context, c *api.Client) error {
			return c.RemoveAllPasskeys(ctx, "jane@example.com")
		}, []string{"loginId"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "jane@example.com")
			ids, lerr := passkeyIDs(s)
			return errors.Join(err, lerr, want(!u.Webauthn && len(ids) == 0, "jane's passkeys after RemoveAllPasskeys", ids))
		}},
		{"ListTrustedDevices", "", func(ctx context.Context, c *api.Client) error {
			devices, err := c.ListTrustedDevices(ctx, []string{"jane@example.com", "U2sample00006", "ghost@example.com"})
			if err == nil && (len(devices) == 0 || devices[0].ID == "") {
				return fmt.Errorf("devices %+v", devices)
			}
			return err
		}, []string{"identifiers"}, nil},
		{"RemoveTrustedDevices", "", func(ctx context.Context, c *api.Client) error {
			return c.RemoveTrustedDevices(ctx, "jane@example.com", []string{"dev-1", "dev-unknown"})
		}, []string{"loginId", "deviceIds"}, func(s *apitest.Server) error {
			ids, err := deviceIDs(s)
			return errors.Join(err, want(slices.Equal(ids, []string{"dev-2"}), "jane's devices after RemoveTrustedDevices", ids))
		}},
		{"History", "", func(ctx context.Context, c *api.Client) error {
			h, err := c.History(ctx, []string{"U2abc", "U2nobody"})
			if err == nil && (len(h) != 1 || h[0].LoginTime != 1700000000 || h[0].City != "Lisbon") {
				return fmt.Errorf("history %+v", h)
			}
			return err
		}, nil, nil},
		{"HistoryV2", "", func(ctx context.Context, c *api.Client) error {
			h, err := c.HistoryV2(ctx, []string{"U2abc"})
			if err == nil && (len(h) != 1 || h[0].LoginTime != 1700000000) {
				return fmt.Errorf("history %+v", h)
			}
			return err
		}, []string{"userIds"}, nil},
		{"GetProviderToken", "with the refresh token", func(ctx context.Context, c *api.Client) error {
			tok, err := c.GetProviderToken(ctx, "jane@example.com", "google", true, true)
			if err == nil {
				keep(ctx, tok.AccessToken+" "+tok.RefreshToken)
				if tok.Provider != "google" || tok.AccessToken == "" {
					return fmt.Errorf("token %+v", tok)
				}
			}
			return err
		}, nil, nil},
		{"GetProviderToken", "without the refresh token", func(ctx context.Context, c *api.Client) error {
			tok, err := c.GetProviderToken(ctx, "jane@example.com", "google", false, false)
			if err == nil {
				keep(ctx, tok.AccessToken+" "+tok.RefreshToken)
			}
			return err
		}, nil, nil},
		{"CustomAttributes", "", func(ctx context.Context, c *api.Client) error {
			defs, err := c.CustomAttributes(ctx)
			if err == nil && len(defs) == 0 {
				return errors.New("no definitions")
			}
			return err
		}, nil, nil},
		{"CreateCustomAttributes", "", func(ctx context.Context, c *api.Client) error {
			defs, err := c.CreateCustomAttributes(ctx, []api.CustomAttributeDefinition{{Name: "plan", Type: 4, DisplayName: "Plan",
				Options: []gen.CustomAttributeOptionInput{{Value: "pro", Label: "Pro"}, {Value: "free", Label: "Free"}}, DefaultValue: "free"}})
			if err == nil && len(defs) == 0 {
				return errors.New("no definitions")
			}
			return err
		}, []string{"attributes"}, func(s *apitest.Server) error {
			var names []string
			for _, d := range s.CustomAttributes() {
				names = append(names, d.Name)
			}
			return want(slices.Equal(names, []string{"dept", "legacyId", "plan"}), "the definitions", names)
		}},
		// ben carries legacyId (his Create row): the definition's values go with it.
		{"DeleteCustomAttributes", "", func(ctx context.Context, c *api.Client) error {
			_, err := c.DeleteCustomAttributes(ctx, []string{"legacyId", "nope"})
			return err
		}, []string{"names"}, func(s *apitest.Server) error {
			var names []string
			for _, d := range s.CustomAttributes() {
				names = append(names, d.Name)
			}
			u, err := fakeUser(s, "ben@example.com")
			_, kept := u.CustomAttributes["legacyId"]
			return errors.Join(err, want(slices.Equal(names, []string{"dept", "plan"}), "the definitions", names),
				want(!kept && u.CustomAttributes["dept"] == "eng", "ben's attributes", u.CustomAttributes))
		}},
		{"UpdateImpersonationConsent", "grant", func(ctx context.Context, c *api.Client) error {
			_, err := c.UpdateImpersonationConsent(ctx, "jane@example.com", 30)
			return err
		}, []string{"loginId", "impersonationConsent"}, func(s *apitest.Server) error {
			// The fake sets consentExpiration to now plus 30 days, and modifiedTime to now: the
			// same second, or the next.
			u, err := fakeUser(s, "jane@example.com")
			d := u.ConsentExpiration - u.ModifiedTime
			return errors.Join(err, want(d >= 30*86400-1 && d <= 30*86400, "jane's consent expiration after 30 days were granted", u.ConsentExpiration))
		}},
		{"UpdateImpersonationConsent", "revoke", func(ctx context.Context, c *api.Client) error {
			_, err := c.UpdateImpersonationConsent(ctx, "jane@example.com", 0)
			return err
		}, []string{"loginId", "impersonationConsent"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "jane@example.com")
			return errors.Join(err, want(u.ConsentExpiration == 0, "jane's consent expiration after a revoke", u.ConsentExpiration))
		}},
		{"LogoutUser", "", func(ctx context.Context, c *api.Client) error {
			return c.LogoutUser(ctx, "jane@example.com", "web")
		}, []string{"loginId", "sessionTypes"}, func(s *apitest.Server) error {
			l := s.Logouts()
			return want(len(l) > 0 && l[len(l)-1].UserID == "U2abc" && slices.Equal(l[len(l)-1].SessionTypes, []string{"web"}), "the last sign-out", l)
		}},
		{"LogoutUserByUserID", "", func(ctx context.Context, c *api.Client) error {
			return c.LogoutUserByUserID(ctx, "U2abc")
		}, []string{"userId"}, func(s *apitest.Server) error {
			l := s.Logouts()
			return want(len(l) > 1 && l[len(l)-1].UserID == "U2abc" && l[len(l)-1].SessionTypes == nil, "the last sign-out", l)
		}},
	}
}

// The exports Import reads in the rows below: this spec's descope format (JSON Lines of batch
// users, hashes as JSON Lines of {loginId, hashedPassword}), and Firebase's, with the fake's
// Firebase vector.
const (
	importDescopeUsers  = `{"loginId":"ivy@example.com","email":"ivy@example.com","displayName":"Ivy"}` + "\n" + `{"loginId":"jane@example.com"}` + "\n"
	importDescopeHashes = `{"loginId":"ivy@example.com","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}}}` + "\n"
	importFirebaseUsers = `{"users":[{"localId":"fb-1","email":"fay@example.com","emailVerified":true,` +
		`"passwordHash":"n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA==",` +
		`"salt":"c2FsdC1mcm9tLWZpcmViYXNl","displayName":"Fay","createdAt":"1600000000000"}]}`
	importFirebaseHashes = `{"base64_signer_key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",` +
		`"base64_salt_separator":"Bw==","rounds":8,"mem_cost":14}`
)

func deletionCalls() []apiCall {
	return []apiCall{
		{"Import", "descope, with hashes", func(ctx context.Context, c *api.Client) error {
			res, err := c.Import(ctx, "descope", []byte(importDescopeUsers), []byte(importDescopeHashes), false)
			if err == nil && len(res.Users)+len(res.Failures) == 0 {
				return errors.New("nothing imported, nothing failed")
			}
			return err
		}, []string{"source", "users", "hashes"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "ivy@example.com")
			return errors.Join(err, want(u.Name == "Ivy" && u.Password, "ivy after Import", u),
				passwordIs(s, "ivy@example.com", "hunter2-md5", true))
		}},
		{"Import", "firebase", func(ctx context.Context, c *api.Client) error {
			_, err := c.Import(ctx, "firebase", []byte(importFirebaseUsers), []byte(importFirebaseHashes), false)
			return err
		}, []string{"source", "users", "hashes"}, func(s *apitest.Server) error {
			u, err := fakeUser(s, "fay@example.com")
			return errors.Join(err, want(u.Name == "Fay" && u.VerifiedEmail && u.Status == "enabled" && u.CreatedTime == 1600000000, "fay after Import", u),
				passwordIs(s, "fay@example.com", "hunter2-firebase", true))
		}},
		{"Import", "dry run", func(ctx context.Context, c *api.Client) error {
			res, err := c.Import(ctx, "descope", []byte(`{"loginId":"dry@example.com"}`+"\n"), nil, true)
			if err == nil && len(res.Users)+len(res.Failures) == 0 {
				return errors.New("nothing would be imported, nothing failed")
			}
			return err
		}, []string{"source", "users", "dryrun"}, func(s *apitest.Server) error {
			return gone(s, "dry@example.com")
		}},
		{"Delete", "", func(ctx context.Context, c *api.Client) error {
			return c.Delete(ctx, "user00001@example.com")
		}, []string{"loginId"}, func(s *apitest.Server) error {
			return gone(s, "user00001@example.com", "U2sample00001")
		}},
		{"DeleteByUserID", "", func(ctx context.Context, c *api.Client) error {
			return c.DeleteByUserID(ctx, "U2sample00002")
		}, []string{"userId"}, func(s *apitest.Server) error {
			return gone(s, "U2sample00002")
		}},
		{"DeleteBatch", "", func(ctx context.Context, c *api.Client) error {
			return c.DeleteBatch(ctx, []string{"U2sample00003", "U2nobody"})
		}, []string{"userIds"}, func(s *apitest.Server) error {
			return gone(s, "U2sample00003")
		}},
		{"DeleteSeq", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.DeleteSeq(ctx, slices.Values([]string{"U2sample00004"}))
			if err == nil && res.Applied != 1 {
				return fmt.Errorf("deleted %d", res.Applied)
			}
			return err
		}, []string{"userIds"}, func(s *apitest.Server) error {
			return gone(s, "U2sample00004")
		}},
		{"DeleteAll", "", func(ctx context.Context, c *api.Client) error {
			res, err := c.DeleteAll(ctx, []string{"U2sample00005"})
			if err == nil && res.Applied != 1 {
				return fmt.Errorf("deleted %d", res.Applied)
			}
			return err
		}, []string{"userIds"}, func(s *apitest.Server) error {
			_, err := fakeUser(s, "jane@example.com")
			return errors.Join(err, gone(s, "U2sample00005"))
		}},
	}
}
