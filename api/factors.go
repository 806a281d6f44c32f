package api

import (
	"context"
	"net/http"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The types of second factors, devices, test-user helpers and the rest of a user's state: the
// generated wire types.
type (
	// UserPasskey is one passkey (WebAuthn credential) of a user.
	UserPasskey = gen.UserPasskey
	// PasskeyImport is one passkey exported from Descope or Auth0 (exactly one of the two).
	PasskeyImport = gen.WebauthnImportDevice
	// TrustedDevice is one device a user trusts.
	TrustedDevice = gen.TrustedDevice
	// LoginOptions are the options of a sign-in the test-user helpers prepare.
	LoginOptions = gen.LoginOptions
	// SignUpUser is the user an embedded sign-up link signs up.
	SignUpUser = gen.SignUpUser
	// AuthHistory is one sign-in of a user.
	AuthHistory = gen.UserAuthHistory
	// ProviderToken is the token an OAuth or OIDC provider issued to a user.
	ProviderToken = gen.UserProviderToken
	// CustomAttribute is the definition of a custom attribute of the project.
	CustomAttribute = gen.CustomAttribute
	// CustomAttributeDefinition is a custom attribute to define (CreateCustomAttributes).
	CustomAttributeDefinition = gen.CustomAttributeDefinition
)

// RemoveTOTPSeed deletes the user's TOTP seed: it can no longer sign in with its authenticator.
func (c *Client) RemoveTOTPSeed(ctx context.Context, loginID string) error {
	return c.named(ctx, "RemoveUserTOTP", gen.NewRemoveUserTOTPRequest, loginID)
}

// named sends an operation whose body names only the user.
func (c *Client) named(ctx context.Context, op string, build builder[gen.UserNamedRequest], loginID string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, op, build, gen.UserNamedRequest{LoginID: loginID})
	return err
}

// ListPasskeys returns the user's passkeys, in the order they were added.
func (c *Client) ListPasskeys(ctx context.Context, loginID string) ([]UserPasskey, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	out, err := call[gen.UserPasskeysResponse](ctx, c, "ListUserPasskeys", gen.NewListUserPasskeysRequest, gen.UserNamedRequest{LoginID: loginID})
	if err != nil {
		return nil, err
	}
	return out.Passkeys, nil
}

// RemoveAllPasskeys removes every passkey of the user.
func (c *Client) RemoveAllPasskeys(ctx context.Context, loginID string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "RemoveUserPasskeys", gen.NewRemoveUserPasskeysRequest, gen.RemoveUserPasskeysRequest{LoginID: loginID})
	return err
}

// RemovePasskey removes the user's passkey with that credential ID; one the user does not have
// changes nothing.
func (c *Client) RemovePasskey(ctx context.Context, loginID, credentialID string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	if credentialID == "" {
		return invalid("credentialID is empty")
	}
	_, err := call[struct{}](ctx, c, "RemoveUserPasskey", gen.NewRemoveUserPasskeyRequest, gen.RemoveUserPasskeyRequest{LoginID: loginID, CredentialID: credentialID})
	return err
}

// ImportPasskeys adds passkeys exported from Descope or Auth0 to the user.
func (c *Client) ImportPasskeys(ctx context.Context, loginID string, devices []PasskeyImport) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	if len(devices) == 0 {
		return invalid("devices is empty")
	}
	for i, d := range devices {
		if (d.Descope == nil) == (d.Auth0 == nil) {
			return invalid("devices[%d]: give exactly one of descope and auth0", i)
		}
	}
	_, err := call[struct{}](ctx, c, "ImportUserPasskeys", gen.NewImportUserPasskeysRequest, gen.ImportUserPasskeysRequest{LoginID: loginID, Devices: devices})
	return err
}

// ListTrustedDevices returns the trusted devices of the users named (login IDs or user IDs), in
// that order; users nobody has are left out.
func (c *Client) ListTrustedDevices(ctx context.Context, loginIDs []string) ([]TrustedDevice, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(loginIDs) == 0 {
		return nil, invalid("loginIDs is empty")
	}
	if err := checkNames("loginIDs", loginIDs); err != nil {
		return nil, err
	}
	out, err := call[gen.TrustedDevicesResponse](ctx, c, "ListTrustedDevicesForUsers", gen.NewListTrustedDevicesForUsersRequest, gen.ListTrustedDevicesRequest{Identifiers: loginIDs})
	if err != nil {
		return nil, err
	}
	return out.Devices, nil
}

// RemoveTrustedDevices removes the user's trusted devices with those IDs; IDs the user does not
// have are ignored.
func (c *Client) RemoveTrustedDevices(ctx context.Context, loginID string, deviceIDs []string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	if len(deviceIDs) == 0 {
		return invalid("deviceIDs is empty")
	}
	if err := checkNames("deviceIDs", deviceIDs); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "UpdateUserRemoveTrustedDevices", gen.NewUpdateUserRemoveTrustedDevicesRequest, gen.RemoveTrustedDevicesRequest{LoginID: loginID, DeviceIDs: deviceIDs})
	return err
}

// GenerateOTPForTestUser returns a one-time code for the test user, as it would be sent by method
// ("email", "sms"...), without sending it. The API refuses a user that is not a test user.
func (c *Client) GenerateOTPForTestUser(ctx context.Context, method, loginID string, opts *LoginOptions) (code string, err error) {
	if err := checkCall(ctx, loginID); err != nil {
		return "", err
	}
	out, err := call[gen.GenerateOTPResponse](ctx, c, "GenerateOTPForTestUser", gen.NewGenerateOTPForTestUserRequest,
		gen.GenerateOTPRequest{LoginID: loginID, DeliveryMethod: method, LoginOptions: opts})
	if err != nil {
		return "", err
	}
	return out.Code, nil
}

// GenerateMagicLinkForTestUser returns a magic link for the test user, to redirectURL, as it
// would be sent by method, without sending it.
func (c *Client) GenerateMagicLinkForTestUser(ctx context.Context, method, loginID, redirectURL string, opts *LoginOptions) (link string, err error) {
	if err := checkCall(ctx, loginID); err != nil {
		return "", err
	}
	out, err := call[gen.GenerateMagicLinkResponse](ctx, c, "GenerateMagicLinkForTestUser", gen.NewGenerateMagicLinkForTestUserRequest,
		gen.GenerateMagicLinkRequest{LoginID: loginID, DeliveryMethod: method, RedirectURL: redirectURL, LoginOptions: opts})
	if err != nil {
		return "", err
	}
	return out.Link, nil
}

// GenerateEnchantedLinkForTestUser returns an enchanted link for the test user, to redirectURL,
// without sending it, and the reference a client polls for the session.
func (c *Client) GenerateEnchantedLinkForTestUser(ctx context.Context, loginID, redirectURL string, opts *LoginOptions) (link, pendingRef string, err error) {
	if err := checkCall(ctx, loginID); err != nil {
		return "", "", err
	}
	out, err := call[gen.GenerateEnchantedLinkResponse](ctx, c, "GenerateEnchantedLinkForTestUser", gen.NewGenerateEnchantedLinkForTestUserRequest,
		gen.GenerateEnchantedLinkRequest{LoginID: loginID, RedirectURL: redirectURL, LoginOptions: opts})
	if err != nil {
		return "", "", err
	}
	return out.Link, out.PendingRef, nil
}

// GenerateEmbeddedLink returns a token that signs the user in when verified, valid for
// timeoutSeconds (0: the project's default), with customClaims in the session it makes.
func (c *Client) GenerateEmbeddedLink(ctx context.Context, loginID string, customClaims map[string]any, timeoutSeconds int64) (token string, err error) {
	if err := checkCall(ctx, loginID); err != nil {
		return "", err
	}
	if timeoutSeconds < 0 {
		return "", invalid("timeout %d is negative", timeoutSeconds)
	}
	out, err := call[gen.EmbeddedLinkResponse](ctx, c, "EmbeddedLinkSignin", gen.NewEmbeddedLinkSigninRequest,
		gen.EmbeddedLinkSigninRequest{LoginID: loginID, CustomClaims: customClaims, Timeout: timeoutSeconds})
	if err != nil {
		return "", err
	}
	return out.Token, nil
}

// GenerateSignUpEmbeddedLink returns a token that signs up the user (or signs it in, if the login
// ID exists) when verified. Nothing is created by this call.
func (c *Client) GenerateSignUpEmbeddedLink(ctx context.Context, loginID string, user *SignUpUser, emailVerified, phoneVerified bool, opts *LoginOptions, timeoutSeconds int64) (token string, err error) {
	if err := checkCall(ctx, loginID); err != nil {
		return "", err
	}
	if timeoutSeconds < 0 {
		return "", invalid("timeout %d is negative", timeoutSeconds)
	}
	out, err := call[gen.EmbeddedLinkResponse](ctx, c, "EmbeddedLinkSignup", gen.NewEmbeddedLinkSignupRequest,
		gen.EmbeddedLinkSignupRequest{LoginID: loginID, User: user, EmailVerified: emailVerified, PhoneVerified: phoneVerified, LoginOptions: opts, Timeout: timeoutSeconds})
	if err != nil {
		return "", err
	}
	return out.Token, nil
}

// History returns the sign-in history of the users with those user IDs, oldest first per user,
// through the v1 path (a bare list, as Descope's Go and Node SDKs send it).
func (c *Client) History(ctx context.Context, userIDs []string) ([]AuthHistory, error) {
	if err := checkUserIDs(ctx, userIDs); err != nil {
		return nil, err
	}
	out, err := call[[]AuthHistory](ctx, c, "UsersAuthHistory", gen.NewUsersAuthHistoryRequest, userIDs)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// HistoryV2 is History through the v2 path, whose body and answer are objects.
func (c *Client) HistoryV2(ctx context.Context, userIDs []string) ([]AuthHistory, error) {
	if err := checkUserIDs(ctx, userIDs); err != nil {
		return nil, err
	}
	out, err := call[gen.AuthHistoryResponse](ctx, c, "UsersAuthHistoryV2", gen.NewUsersAuthHistoryV2Request, gen.UsersAuthHistoryRequest{UserIDs: userIDs})
	if err != nil {
		return nil, err
	}
	return out.UsersAuthHistory, nil
}

func checkUserIDs(ctx context.Context, userIDs []string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if len(userIDs) == 0 {
		return invalid("userIDs is empty")
	}
	return checkNames("userIDs", userIDs)
}

// GetProviderToken returns the token the OAuth or OIDC provider issued to the user, with its
// refresh token when withRefreshToken; forceRefresh asks Descope to refresh it first.
func (c *Client) GetProviderToken(ctx context.Context, loginID, provider string, withRefreshToken, forceRefresh bool) (*ProviderToken, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if provider == "" {
		return nil, invalid("provider is empty")
	}
	build := func(server string, p gen.GetUserProviderTokenParams) (*http.Request, error) {
		return gen.NewGetUserProviderTokenRequest(server, &p)
	}
	return call[ProviderToken](ctx, c, "GetUserProviderToken", build,
		gen.GetUserProviderTokenParams{LoginID: loginID, Provider: provider, WithRefreshToken: withRefreshToken, ForceRefresh: forceRefresh})
}

// CustomAttributes returns the custom attributes defined for the project's users.
func (c *Client) CustomAttributes(ctx context.Context) ([]CustomAttribute, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	out, err := call[gen.CustomAttributesResponse](ctx, c, "UserCustomAttributes", noBody(gen.NewUserCustomAttributesRequest), struct{}{})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// CreateCustomAttributes defines custom attributes (one whose name exists is replaced) and
// returns every definition.
func (c *Client) CreateCustomAttributes(ctx context.Context, defs []CustomAttributeDefinition) ([]CustomAttribute, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(defs) == 0 {
		return nil, invalid("definitions is empty")
	}
	for i, d := range defs {
		if d.Name == "" {
			return nil, invalid("definitions[%d].name is empty", i)
		}
	}
	out, err := call[gen.CustomAttributesResponse](ctx, c, "CreateUserCustomAttribute", gen.NewCreateUserCustomAttributeRequest, gen.CreateCustomAttributesRequest{Attributes: defs})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// DeleteCustomAttributes removes the custom attribute definitions with those names (and, as the
// spec reads it, their values from every user), and returns the definitions left.
func (c *Client) DeleteCustomAttributes(ctx context.Context, names []string) ([]CustomAttribute, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, invalid("names is empty")
	}
	if err := checkNames("names", names); err != nil {
		return nil, err
	}
	out, err := call[gen.CustomAttributesResponse](ctx, c, "DeleteUserCustomAttribute", gen.NewDeleteUserCustomAttributeRequest, gen.DeleteCustomAttributesRequest{Names: names})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// UpdateImpersonationConsent grants the user's consent to be impersonated for days days (0
// revokes it), and returns the user.
func (c *Client) UpdateImpersonationConsent(ctx context.Context, loginID string, days int32) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if days < 0 {
		return nil, invalid("days %d is negative", days)
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserImpersonationConsent", gen.NewUpdateUserImpersonationConsentRequest,
		gen.UpdateUserImpersonationConsentRequest{LoginID: loginID, ImpersonationConsent: days}))
}
