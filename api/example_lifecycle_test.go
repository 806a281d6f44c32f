package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The examples of the user lifecycle (creating, inviting, importing, deleting, signing out),
// passwords, second factors and the rest of a user's state. They run against the fake Descope of
// api/apitest, and print what each call did as a test would check it: the fake's users, outbox,
// sign-outs, passwords (CheckPassword) and generated codes.

// exampleFakeWith is exampleFake with opts: the fake with jane, and bob, a disabled test user,
// and a client for it.
func exampleFakeWith(opts ...apitest.Option) (*apitest.Server, *api.Client) {
	srv, err := apitest.Start(append([]apitest.Option{apitest.WithUsers(
		api.User{UserID: "U2jane", LoginIDs: []string{"jane@example.com"}, Email: "jane@example.com", Name: "Jane",
			RoleNames: []string{"viewer"}, UserTenants: []api.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}},
			CustomAttributes: map[string]any{"plan": "pro"}},
		api.User{UserID: "U2bob", LoginIDs: []string{"bob@example.com"}, Email: "bob@example.com", Name: "Bob",
			Status: "disabled", Test: true},
	)}, opts...)...)
	if err != nil {
		panic(err)
	}
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	return srv, c
}

// exampleStateFake is exampleFakeWith with what only Descope's sign-in side creates, seeded for
// jane: two passkeys, a trusted device, a Google token and two sign-ins; and a trusted device
// for bob.
func exampleStateFake() (*apitest.Server, *api.Client) {
	return exampleFakeWith(
		apitest.WithUserState("jane@example.com", apitest.UserState{
			Passkeys: []api.UserPasskey{
				{ID: "cred-laptop", Kind: "passkey", RpID: "example.com", DisplayName: "Laptop", CreatedTime: 1700000000},
				{ID: "cred-phone", Kind: "passkey", RpID: "example.com", DisplayName: "Phone", CreatedTime: 1700000100},
			},
			TrustedDevices: []api.TrustedDevice{{ID: "dev-1", Name: "Jane's laptop", DeviceType: "desktop"}},
			ProviderTokens: []api.ProviderToken{{Provider: "google", ProviderUserID: "g-123",
				AccessToken: "ya29.example-access", RefreshToken: "1//example-refresh", Scopes: []string{"email"}}},
			AuthHistory: []api.AuthHistory{
				{LoginTime: 1700000000, City: "Lisbon", Country: "PT", IP: "192.0.2.1"},
				{LoginTime: 1700086400, City: "Porto", Country: "PT", IP: "192.0.2.2"},
			},
		}),
		apitest.WithUserState("bob@example.com", apitest.UserState{
			TrustedDevices: []api.TrustedDevice{{ID: "dev-2", Name: "Bob's phone", DeviceType: "mobile"}},
		}),
	)
}

func ExampleClient_Create() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, err := c.Create(ctx, api.UserCreate{LoginID: "ann@example.com", Email: "ann@example.com", Name: "Ann",
		Status: api.Ptr(api.UserStatusEnabled)})
	fmt.Println(u.LoginIDs, u.Status, u.UserID != "", err)

	// A login ID another user has is refused: a typed *api.Error with Descope's code.
	_, err = c.Create(ctx, api.UserCreate{LoginID: "jane@example.com"})
	var e *api.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code, errors.Is(err, api.ErrInvalidArguments))
	}
	fmt.Println(err)
	// Output:
	// [ann@example.com] enabled true <nil>
	// 400 E011004 true
	// descope: CreateUser: HTTP 400 Bad Request: E011004: Invalid arguments: login ID "jane@example.com" belongs to another user (U2jane): login IDs are unique
}

func ExampleClient_CreateTestUser() {
	srv, c := exampleFakeWith(apitest.WithTestUserLimit(2)) // bob is a test user already
	defer srv.Close()
	ctx := context.Background()

	u, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: "test-1@example.com"})
	fmt.Println(u.LoginIDs, u.Test, err)

	// A project may have only so many test users.
	_, err = c.CreateTestUser(ctx, api.UserCreate{LoginID: "test-2@example.com"})
	var e *api.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code, strings.Contains(e.Message, "E013002"))
	}
	// Output:
	// [test-1@example.com] true <nil>
	// 400 E111111 true
}

func ExampleClient_Invite() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	opts := api.InviteOptions{InviteURL: "https://app.example.com/welcome", Locale: "pt"}
	u, err := c.Invite(ctx, api.UserCreate{LoginID: "ann@example.com", Email: "ann@example.com"}, opts)
	fmt.Println(u.LoginIDs, u.Status, err)
	// An existing user is invited again, unchanged.
	u, err = c.Invite(ctx, api.UserCreate{LoginID: "jane@example.com"}, opts)
	fmt.Println(u.Name, err)

	for _, inv := range srv.Outbox() {
		fmt.Println(inv.LoginID, inv.ByEmail, inv.BySMS, inv.InviteURL, inv.Locale)
	}
	// Output:
	// [ann@example.com] invited <nil>
	// Jane <nil>
	// ann@example.com true false https://app.example.com/welcome pt
	// jane@example.com true false https://app.example.com/welcome pt
}

func ExampleClient_CreateBatch() {
	srv, c := exampleFake()
	defer srv.Close()

	// A 200 answer lists each user as created or failed: one failure does not fail the others.
	res, err := c.CreateBatch(context.Background(), []api.BatchUser{
		{LoginID: "ann@example.com", Email: "ann@example.com"},
		{LoginID: "jane@example.com"}, // taken
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range res.CreatedUsers {
		fmt.Println("created:", u.LoginIDs[0])
	}
	for _, f := range res.FailedUsers {
		fmt.Println("failed:", f.User.LoginIDs[0], "-", f.Failure)
	}
	// Output:
	// created: ann@example.com
	// failed: jane@example.com - E011004: login ID "jane@example.com" belongs to another user (U2jane): login IDs are unique
}

func ExampleClient_InviteBatch() {
	srv, c := exampleFake()
	defer srv.Close()

	// Each invitation goes by email, and by text message to users with a phone.
	res, err := c.InviteBatch(context.Background(), []api.BatchUser{
		{LoginID: "ann@example.com", Email: "ann@example.com"},
		{LoginID: "+15555550100", Phone: "+15555550100"},
	}, api.InviteOptions{SendSMS: api.Ptr(true), TemplateID: "welcome"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", len(res.CreatedUsers))
	for _, inv := range srv.Outbox() {
		fmt.Println(inv.LoginID, "email:", inv.ByEmail, "sms:", inv.BySMS, inv.TemplateID)
	}
	// Output:
	// created: 2
	// ann@example.com email: true sms: false welcome
	// +15555550100 email: false sms: true welcome
}

func ExampleClient_CreateSeq() {
	srv, c := exampleFake()
	defer srv.Close()

	// Users read one at a time, as from a file, never all held in memory.
	const file = "ann@example.com,Ann\ncarl@example.com,Carl\ndora@example.com,Dora\n"
	users := func(yield func(api.BatchUser) bool) {
		for line := range strings.Lines(file) {
			email, name, _ := strings.Cut(strings.TrimSpace(line), ",")
			if !yield(api.BatchUser{LoginID: email, Email: email, Name: name}) {
				return
			}
		}
	}
	res, err := c.CreateSeq(context.Background(), users, api.WithBatchSize(2), api.WithPace(api.PaceUnder(api.LimitUserCreate)))
	fmt.Println(res.Applied, res.Failed, res.NotAttempted, res.Batches, err)
	fmt.Println(len(srv.Users()))
	// Output:
	// 3 0 0 2 <nil>
	// 5
}

func ExampleClient_CreateAll() {
	srv, c := exampleFake()
	defer srv.Close()

	res, err := c.CreateAll(context.Background(), []api.BatchUser{
		{LoginID: "ann@example.com"},
		{LoginID: "jane@example.com"}, // taken: the server fails this one
		{Email: "nobody@example.com"}, // no login ID: refused before sending
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d created, %d failed, %d not attempted\n", res.Applied, res.Failed, res.NotAttempted)
	for _, r := range res.Unfinished() { // each carries its input, to send again once fixed
		fmt.Printf("#%d %q %s: %s\n", r.Index, r.Key, r.Status, r.Reason)
	}
	// Output:
	// 1 created, 2 failed, 0 not attempted
	// #1 "jane@example.com" failed: E011004: login ID "jane@example.com" belongs to another user (U2jane): login IDs are unique
	// #2 "" failed: descope: invalid argument: users[2]: loginId is empty
}

func ExampleClient_Delete() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	err := c.Delete(ctx, "jane@example.com")
	_, found := srv.User("jane@example.com")
	fmt.Println(err, found)

	// The user is gone: deleting it again is "user not found".
	err = c.Delete(ctx, "jane@example.com")
	fmt.Println(api.IsUserNotFound(err))
	// Output:
	// <nil> false
	// true
}

func ExampleClient_DeleteByUserID() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// A user ID only: a login ID names nobody here.
	err := c.DeleteByUserID(ctx, "bob@example.com")
	fmt.Println(api.IsUserNotFound(err))

	err = c.DeleteByUserID(ctx, "U2bob")
	_, found := srv.User("bob@example.com")
	fmt.Println(err, found)
	// Output:
	// true
	// <nil> false
}

func ExampleClient_DeleteBatch() {
	srv, c := exampleFake()
	defer srv.Close()

	// User IDs nobody has are skipped: the call succeeds and says nothing per user.
	err := c.DeleteBatch(context.Background(), []string{"U2bob", "U2nobody"})
	fmt.Println(err, len(srv.Users()), srv.Stats().DeletedUsers)
	// Output:
	// <nil> 1 1
}

func ExampleClient_DeleteSeq() {
	srv, c := exampleFake()
	defer srv.Close()

	// User IDs read one at a time, as from a file.
	const file = "U2jane\nU2bob\n"
	ids := func(yield func(string) bool) {
		for line := range strings.Lines(file) {
			if !yield(strings.TrimSpace(line)) {
				return
			}
		}
	}
	res, err := c.DeleteSeq(context.Background(), ids, api.WithPace(api.PaceUnder(api.LimitDefault)))
	fmt.Println(res.Applied, res.Failed, res.Batches, err)
	fmt.Println(len(srv.Users()))
	// Output:
	// 2 0 1 <nil>
	// 0
}

func ExampleClient_DeleteAll() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	created, err := c.CreateBatch(ctx, []api.BatchUser{{LoginID: "a@example.com"}, {LoginID: "b@example.com"}, {LoginID: "c@example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var ids []string // DeleteAll takes user IDs only
	for _, u := range created.CreatedUsers {
		ids = append(ids, u.UserID)
	}
	fmt.Println(len(ids), len(srv.Users()))

	// Two user IDs a call: three users in two calls.
	res, err := c.DeleteAll(ctx, ids, api.WithBatchSize(2))
	fmt.Println(res.Applied, res.Batches, err)
	fmt.Println(len(srv.Users()))
	// Output:
	// 3 5
	// 3 2 <nil>
	// 2
}

func ExampleClient_DeleteAllTestUsers() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: "test-1@example.com"}); err != nil {
		fmt.Println(err)
		return
	}
	// bob and test-1 are test users; jane is not, and stays.
	err := c.DeleteAllTestUsers(ctx)
	for _, u := range srv.Users() {
		fmt.Println(u.LoginIDs[0], u.Test)
	}
	fmt.Println(err)
	// Output:
	// jane@example.com false
	// <nil>
}

func ExampleClient_LogoutUser() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	_ = c.LogoutUser(ctx, "jane@example.com")        // every session
	_ = c.LogoutUser(ctx, "jane@example.com", "web") // web sessions only
	// What the fake was asked to sign out; SessionTypes nil is every session.
	for _, l := range srv.Logouts() {
		fmt.Println(l.UserID, l.SessionTypes)
	}
	fmt.Println(api.IsUserNotFound(c.LogoutUser(ctx, "ghost@example.com")))
	// Output:
	// U2jane []
	// U2jane [web]
	// true
}

func ExampleClient_LogoutUserByUserID() {
	srv, c := exampleFake()
	defer srv.Close()

	err := c.LogoutUserByUserID(context.Background(), "U2bob", "web", "mobile")
	fmt.Println(err)
	for _, l := range srv.Logouts() {
		fmt.Println(l.UserID, l.SessionTypes)
	}
	// Output:
	// <nil>
	// U2bob [web mobile]
}

func ExampleClient_Import() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// Descope's format: users as JSON Lines, password hashes as JSON Lines by login ID.
	users := []byte(`{"loginId":"ann@example.com","email":"ann@example.com","status":"enabled"}
{"loginId":"jane@example.com"}
`)
	hashes := []byte(`{"loginId":"ann@example.com","hashedPassword":{"md5":{"hash":"5f4dcc3b5aa765d61d8327deb882cf99"}}}`)

	// A dry run checks everything and creates nothing.
	dry, err := c.Import(ctx, "descope", users, hashes, true)
	fmt.Println(len(dry.Users), dry.Users[0].UserID == "", len(dry.Failures), len(srv.Users()), err)
	for _, f := range dry.Failures {
		fmt.Println(f.User, "-", f.Reason)
	}

	res, err := c.Import(ctx, "descope", users, hashes, false)
	fmt.Println(len(res.Users), res.Users[0].LoginIDs, res.Users[0].Status, len(srv.Users()), err)
	ok, _ := srv.CheckPassword("ann@example.com", "password") // the hash came with the user
	fmt.Println(ok)
	// Output:
	// 1 true 1 2 <nil>
	// jane@example.com - E011004: login ID "jane@example.com" belongs to another user: login IDs are unique
	// 1 [ann@example.com] enabled 3 <nil>
	// true
}

func ExampleCheckPasswordImport() {
	good := api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}}
	fmt.Println(api.CheckPasswordImport(good))

	// Checked before anything is sent; the error names the field, never the hash.
	err := api.CheckPasswordImport(api.PasswordImport{Md5: &api.PasswordHash{Hash: "5f4dcc3b"}})
	fmt.Println(err, errors.Is(err, api.ErrInvalidArgument))
	err = api.CheckPasswordImport(api.PasswordImport{Md5: &api.PasswordHash{Hash: "x"}, Bcrypt: &api.PasswordHash{Hash: "y"}})
	fmt.Println(err)
	// Output:
	// <nil>
	// descope: invalid argument: md5.hash: not 32 hexadecimal digits true
	// descope: invalid argument: bcrypt and md5: give exactly one variant
}

func ExampleClient_SetTemporaryPassword() {
	srv, c := exampleFake()
	defer srv.Close()

	err := c.SetTemporaryPassword(context.Background(), "jane@example.com", "Temp-0rary-pass")
	info, _ := srv.Password("jane@example.com")
	ok, _ := srv.CheckPassword("jane@example.com", "Temp-0rary-pass")
	// Set, and expired: jane must choose her own at the next sign-in.
	fmt.Println(err, info.Set, info.Expired, ok)
	// Output:
	// <nil> true true true
}

func ExampleClient_SetActivePassword() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()
	const pw = "c0rrect-horse-battery"

	err := c.SetActivePassword(ctx, "jane@example.com", pw)
	info, _ := srv.Password("jane@example.com")
	ok, _ := srv.CheckPassword("jane@example.com", pw)
	wrong, _ := srv.CheckPassword("jane@example.com", "guess")
	fmt.Println(err, info.Expired, ok, wrong)

	// The password shows nowhere: not in an error, not in a printed request.
	err = c.SetActivePassword(ctx, "ghost@example.com", pw)
	fmt.Println(api.IsUserNotFound(err), strings.Contains(err.Error(), pw))
	fmt.Printf("%+v\n", gen.SetUserPasswordRequest{LoginID: "jane@example.com", Password: pw}) // what it sends
	// Output:
	// <nil> false true false
	// true false
	// {Identifier: LoginID:jane@example.com Password:[secret redacted] SetActive:<nil>}
}

func ExampleClient_SetPassword() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	for _, active := range []bool{false, true} {
		err := c.SetPassword(ctx, "jane@example.com", "N3w-password", active)
		info, _ := srv.Password("jane@example.com")
		fmt.Println("active:", active, "expired:", info.Expired, err)
	}
	// Output:
	// active: false expired: true <nil>
	// active: true expired: false <nil>
}

func ExampleClient_ExpirePassword() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	_ = c.SetActivePassword(ctx, "jane@example.com", "0ld-password")
	err := c.ExpirePassword(ctx, "jane@example.com")
	info, _ := srv.Password("jane@example.com")
	ok, _ := srv.CheckPassword("jane@example.com", "0ld-password")
	// Still her password, but she must reset it at the next sign-in.
	fmt.Println(err, info.Set, info.Expired, ok)
	// Output:
	// <nil> true true true
}

func ExampleClient_RemoveTOTPSeed() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// A user created with a TOTP seed (an authenticator app) imported from another system.
	if _, err := c.CreateBatch(ctx, []api.BatchUser{{LoginID: "ann@example.com", Seed: "JBSWY3DPEHPK3PXP"}}); err != nil {
		fmt.Println(err)
		return
	}
	before, _ := srv.User("ann@example.com")
	err := c.RemoveTOTPSeed(ctx, "ann@example.com")
	after, _ := srv.User("ann@example.com")
	fmt.Println(before.TOTP, after.TOTP, err)
	// Output:
	// true false <nil>
}

func ExampleClient_ListPasskeys() {
	srv, c := exampleStateFake()
	defer srv.Close()

	keys, err := c.ListPasskeys(context.Background(), "jane@example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range keys {
		fmt.Println(k.ID, k.Kind, k.RpID, k.DisplayName)
	}
	// Output:
	// cred-laptop passkey example.com Laptop
	// cred-phone passkey example.com Phone
}

func ExampleClient_RemoveAllPasskeys() {
	srv, c := exampleStateFake()
	defer srv.Close()
	ctx := context.Background()

	err := c.RemoveAllPasskeys(ctx, "jane@example.com")
	keys, _ := c.ListPasskeys(ctx, "jane@example.com")
	u, _ := srv.User("jane@example.com")
	fmt.Println(len(keys), u.Webauthn, err)
	// Output:
	// 0 false <nil>
}

func ExampleClient_RemovePasskey() {
	srv, c := exampleStateFake()
	defer srv.Close()
	ctx := context.Background()

	err := c.RemovePasskey(ctx, "jane@example.com", "cred-phone")
	fmt.Println(err)
	// A credential the user does not have changes nothing.
	err = c.RemovePasskey(ctx, "jane@example.com", "cred-unknown")
	fmt.Println(err)
	keys, _ := c.ListPasskeys(ctx, "jane@example.com")
	for _, k := range keys {
		fmt.Println(k.ID)
	}
	// Output:
	// <nil>
	// <nil>
	// cred-laptop
}

func ExampleClient_ImportPasskeys() {
	srv, c := exampleStateFake()
	defer srv.Close()
	ctx := context.Background()

	err := c.ImportPasskeys(ctx, "bob@example.com", []api.PasskeyImport{
		{Descope: &gen.WebauthnImportDescope{CredentialID: "cred-bob", RpID: "example.com", PublicKey: []byte{1, 2, 3}}},
	})
	keys, _ := c.ListPasskeys(ctx, "bob@example.com")
	fmt.Println(err, len(keys), keys[0].ID)

	// A credential is one user's: jane's laptop cannot be given to bob.
	err = c.ImportPasskeys(ctx, "bob@example.com", []api.PasskeyImport{
		{Descope: &gen.WebauthnImportDescope{CredentialID: "cred-laptop", PublicKey: []byte{1}}},
	})
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// <nil> 1 cred-bob
	// true
}

func ExampleClient_ListTrustedDevices() {
	srv, c := exampleStateFake()
	defer srv.Close()

	// Several users at once, by login ID or user ID; unknown users are left out.
	devices, err := c.ListTrustedDevices(context.Background(), []string{"jane@example.com", "U2bob", "ghost@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devices {
		fmt.Println(d.UserID, d.ID, d.Name, d.DeviceType)
	}
	// Output:
	// U2jane dev-1 Jane's laptop desktop
	// U2bob dev-2 Bob's phone mobile
}

func ExampleClient_RemoveTrustedDevices() {
	srv, c := exampleStateFake()
	defer srv.Close()
	ctx := context.Background()

	// IDs the user does not have (here bob's device) are ignored.
	err := c.RemoveTrustedDevices(ctx, "jane@example.com", []string{"dev-1", "dev-2"})
	fmt.Println(err)
	devices, _ := c.ListTrustedDevices(ctx, []string{"jane@example.com", "bob@example.com"})
	for _, d := range devices {
		fmt.Println(d.UserID, d.ID)
	}
	// Output:
	// <nil>
	// U2bob dev-2
}

func ExampleClient_GenerateOTPForTestUser() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// An end-to-end test signs bob, a test user, in with a code nobody had to receive.
	code, err := c.GenerateOTPForTestUser(ctx, "email", "bob@example.com", nil)
	last, _ := srv.LastOTP("bob@example.com")
	fmt.Println(len(code), code == last, err)

	// jane is a real user: no codes for her.
	_, err = c.GenerateOTPForTestUser(ctx, "email", "jane@example.com", nil)
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// 6 true <nil>
	// true
}

func ExampleClient_GenerateMagicLinkForTestUser() {
	srv, c := exampleFake()
	defer srv.Close()

	link, err := c.GenerateMagicLinkForTestUser(context.Background(), "email", "bob@example.com",
		"https://app.example.com/verify", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The link is the redirect URL with the token in t, which the test then verifies.
	u, _ := url.Parse(link)
	last, _ := srv.LastMagicLink("bob@example.com")
	fmt.Println(u.Host+u.Path, u.Query().Get("t") != "", link == last)
	// Output:
	// app.example.com/verify true true
}

func ExampleClient_GenerateEnchantedLinkForTestUser() {
	srv, c := exampleFake()
	defer srv.Close()

	link, pendingRef, err := c.GenerateEnchantedLinkForTestUser(context.Background(), "bob@example.com",
		"https://app.example.com/verify", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The test opens the link, and polls for the session with pendingRef.
	lastLink, lastRef, _ := srv.LastEnchantedLink("bob@example.com")
	fmt.Println(strings.HasPrefix(link, "https://app.example.com/verify?t="), link == lastLink, pendingRef == lastRef)
	// Output:
	// true true true
}

func ExampleClient_GenerateEmbeddedLink() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// Any existing user, test or not; the claims go into the session the token makes.
	token, err := c.GenerateEmbeddedLink(ctx, "jane@example.com", map[string]any{"source": "support"}, 300)
	last, _ := srv.LastEmbeddedToken("jane@example.com")
	fmt.Println(token != "", token == last, err)

	_, err = c.GenerateEmbeddedLink(ctx, "ghost@example.com", nil, 0)
	fmt.Println(api.IsUserNotFound(err))
	// Output:
	// true true <nil>
	// true
}

func ExampleClient_GenerateSignUpEmbeddedLink() {
	srv, c := exampleFake()
	defer srv.Close()

	token, err := c.GenerateSignUpEmbeddedLink(context.Background(), "ann@example.com",
		&api.SignUpUser{Email: "ann@example.com", Name: "Ann"}, true, false, nil, 600)
	// Nothing is created until the token is verified.
	_, created := srv.User("ann@example.com")
	last, _ := srv.LastEmbeddedToken("ann@example.com")
	fmt.Println(token == last, created, len(srv.Users()), err)
	// Output:
	// true false 2 <nil>
}

func ExampleClient_History() {
	srv, c := exampleStateFake()
	defer srv.Close()

	// User IDs only; oldest first per user, unknown IDs left out.
	history, err := c.History(context.Background(), []string{"U2jane", "U2nobody"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range history {
		fmt.Println(h.UserID, h.LoginTime, h.City, h.Country)
	}
	// Output:
	// U2jane 1700000000 Lisbon PT
	// U2jane 1700086400 Porto PT
}

func ExampleClient_HistoryV2() {
	srv, c := exampleStateFake()
	defer srv.Close()

	// The same answer as History, through the v2 path.
	history, err := c.HistoryV2(context.Background(), []string{"U2bob", "U2jane"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(history), history[len(history)-1].City)
	// Output:
	// 2 Porto
}

func ExampleClient_GetProviderToken() {
	srv, c := exampleStateFake()
	defer srv.Close()
	ctx := context.Background()

	t, err := c.GetProviderToken(ctx, "jane@example.com", "google", false, false)
	fmt.Printf("%s %s %q %v\n", t.Provider, t.AccessToken, t.RefreshToken, err)
	t, err = c.GetProviderToken(ctx, "jane@example.com", "google", true, false)
	fmt.Printf("%q %v\n", t.RefreshToken, err)

	// jane never signed in with GitHub.
	_, err = c.GetProviderToken(ctx, "jane@example.com", "github", false, false)
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// google ya29.example-access "" <nil>
	// "1//example-refresh" <nil>
	// true
}

func ExampleClient_CustomAttributes() {
	srv, c := exampleFakeWith(apitest.WithCustomAttributes(
		api.CustomAttribute{Name: "plan", DisplayName: "Plan", Type: 1},
		api.CustomAttribute{Name: "seats", DisplayName: "Seats", Type: 2},
	))
	defer srv.Close()

	defs, err := c.CustomAttributes(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range defs {
		fmt.Println(d.Name, d.DisplayName, d.Type, d.Editable)
	}
	// Output:
	// plan Plan 1 true
	// seats Seats 2 true
}

func ExampleClient_CreateCustomAttributes() {
	srv, c := exampleFakeWith(apitest.WithCustomAttributes(api.CustomAttribute{Name: "plan", DisplayName: "Plan", Type: 1}))
	defer srv.Close()

	// "plan" exists and is replaced in its place; "region" is new.
	defs, err := c.CreateCustomAttributes(context.Background(), []api.CustomAttributeDefinition{
		{Name: "plan", DisplayName: "Billing plan", Type: 4, Options: []gen.CustomAttributeOptionInput{{Label: "Pro", Value: "pro"}}},
		{Name: "region", DisplayName: "Region", Type: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range defs {
		fmt.Println(d.Name, d.DisplayName, len(d.Options))
	}
	// Output:
	// plan Billing plan 1
	// region Region 0
}

func ExampleClient_DeleteCustomAttributes() {
	srv, c := exampleFakeWith(apitest.WithCustomAttributes(
		api.CustomAttribute{Name: "plan", Type: 1}, api.CustomAttribute{Name: "region", Type: 1}))
	defer srv.Close()

	// The definitions left come back; jane loses her value of "plan".
	defs, err := c.DeleteCustomAttributes(context.Background(), []string{"plan"})
	for _, d := range defs {
		fmt.Println("left:", d.Name)
	}
	jane, _ := srv.User("jane@example.com")
	_, has := jane.CustomAttributes["plan"]
	fmt.Println(has, err)
	// Output:
	// left: region
	// false <nil>
}

func ExampleClient_UpdateImpersonationConsent() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// Jane lets support sign in as her for a week...
	u, err := c.UpdateImpersonationConsent(ctx, "jane@example.com", 7)
	days := time.Until(time.Unix(u.ConsentExpiration, 0)).Hours() / 24
	fmt.Println(days > 6.9 && days <= 7, err)
	// ...and takes it back.
	u, err = c.UpdateImpersonationConsent(ctx, "jane@example.com", 0)
	fmt.Println(u.ConsentExpiration, err)
	// Output:
	// true <nil>
	// 0 <nil>
}
