package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// factorCommands are the commands about a user's second factors and devices, the test-user
// generators, embedded links, history, provider tokens, custom attribute definitions and
// impersonation consent, in the order help lists them.
func factorCommands() []*command {
	return []*command{
		doneCommand(command{
			name:     "remove-totp",
			synopsis: "--login-id ID",
			summary:  "remove a user's TOTP seed (its authenticator app)",
			help:     `Deletes the user's TOTP seed: its authenticator app no longer signs it in. Prints nothing on standard output.`,
			example:  []string{"--login-id", "user00006@example.com"},
		}, loginIDDone("removed the TOTP seed of %s", (*api.Client).RemoveTOTPSeed)),

		doneCommand(command{
			name:     "import-passkeys",
			synopsis: "--login-id ID --json DEVICES",
			summary:  "add passkeys exported from Descope or Auth0 to a user",
			help: `Adds passkeys exported from Descope or Auth0 to the user. DEVICES is a JSON array, each item
with exactly one of descope ({"credentialId","publicKey" (base64),"rpId","aaguid","transports",
"attestationType","backupEligible","backupState"}) and auth0 ({"keyId","publicKey" (base64),
"rpId","userHandle","aaguid","transports","credentialDeviceType","credentialBackedUp"}). A
credential another user has is refused. --json - reads DEVICES from standard input. Prints
nothing on standard output.`,
			example: []string{"--login-id", "user00006@example.com", "--json", `[{"descope":{"credentialId":"cred-example","rpId":"example.com","publicKey":"AQID"}}]`},
		}, func(fs *flags) (func() error, apiCall[string]) {
			id := fs.loginID()
			js := fs.require("json", "the passkeys, a JSON array; - reads it from standard input")
			var devices []api.PasskeyImport
			check := func() error {
				if err := fs.jsonFlag("json", *js, &devices, "passkeys"); err != nil {
					return err
				}
				for i, d := range devices {
					if (d.Descope == nil) == (d.Auth0 == nil) {
						return fmt.Errorf("--json: passkey %d: give exactly one of descope and auth0", i+1)
					}
				}
				return nil
			}
			return check, func(ctx context.Context, cl *api.Client) (string, error) {
				what := fmt.Sprintf("%d passkeys", len(devices))
				if len(devices) == 1 {
					what = "1 passkey"
				}
				return "imported " + what + " for " + *id, cl.ImportPasskeys(ctx, *id, devices)
			}
		}),

		jsonCommand(command{
			name:     "list-passkeys",
			synopsis: "--login-id ID",
			summary:  "print a user's passkeys",
			help:     `Prints the user's passkeys (WebAuthn credentials), as a JSON array, in the order they were added.`,
			example:  []string{"--login-id", "user00006@example.com"},
		}, loginIDCall(func(cl *api.Client, ctx context.Context, id string) ([]api.UserPasskey, error) {
			return listAnswer(cl.ListPasskeys(ctx, id))
		})),

		doneCommand(command{
			name:     "remove-passkey",
			synopsis: "--login-id ID --credential-id ID",
			summary:  "remove one of a user's passkeys",
			help: `Removes the user's passkey with that credential ID (list-passkeys shows them); one the user does
not have changes nothing. Prints nothing on standard output.`,
			example: []string{"--login-id", "user00006@example.com", "--credential-id", "cred-example"},
		}, func(fs *flags) (func() error, apiCall[string]) {
			id := fs.loginID()
			cred := fs.requireValue("credential-id", "the passkey's credential ID")
			return nil, func(ctx context.Context, cl *api.Client) (string, error) {
				return fmt.Sprintf("removed the passkey %s of %s", *cred, *id), cl.RemovePasskey(ctx, *id, *cred)
			}
		}),

		doneCommand(command{
			name:     "remove-passkeys",
			synopsis: "--login-id ID",
			summary:  "remove every passkey of a user",
			help:     `Removes every passkey of the user. Prints nothing on standard output.`,
			example:  []string{"--login-id", "user00006@example.com"},
		}, loginIDDone("removed every passkey of %s", (*api.Client).RemoveAllPasskeys)),

		jsonCommand(command{
			name:     "list-trusted-devices",
			synopsis: "--login-ids ID,ID...",
			summary:  "print the trusted devices of users",
			help:     `Prints the trusted devices of the users (login IDs or user IDs), as a JSON array, users in that order; users nobody has are left out.`,
			example:  []string{"--login-ids", "user00006@example.com,user00007@example.com"},
		}, listFor("login-ids", "the users' login IDs or user IDs", (*api.Client).ListTrustedDevices)),

		doneCommand(command{
			name:     "remove-trusted-devices",
			synopsis: "--login-id ID --device-ids ID,ID...",
			summary:  "remove some of a user's trusted devices",
			help: `Removes the user's trusted devices with those IDs (list-trusted-devices shows them); IDs the user
does not have are ignored. Prints nothing on standard output.`,
			example: []string{"--login-id", "user00007@example.com", "--device-ids", "dev-sample"},
		}, func(fs *flags) (func() error, apiCall[string]) {
			id := fs.loginID()
			devices := fs.nonEmptyList("device-ids", "the devices' IDs")
			return nil, func(ctx context.Context, cl *api.Client) (string, error) {
				return fmt.Sprintf("removed the trusted devices %s of %s", strings.Join(*devices, ", "), *id), cl.RemoveTrustedDevices(ctx, *id, *devices)
			}
		}),

		jsonCommand(command{
			name:     "generate-otp",
			synopsis: "--login-id ID [--method METHOD]",
			summary:  "print a one-time code for a test user, without sending it",
			help: `Prints a one-time code for the test user ({"loginId","code"}), as it would be sent by --method,
without sending it, for an end-to-end test to sign in with. Descope refuses a user that is not a
test user (see create-test-user).`,
			example: []string{"--login-id", "test-user@example.com", "--method", "email"},
		}, func(fs *flags) (func() error, apiCall[gen.GenerateOTPResponse]) {
			id := fs.loginID()
			method, check := methodFlag(fs)
			return check, func(ctx context.Context, cl *api.Client) (gen.GenerateOTPResponse, error) {
				code, err := cl.GenerateOTPForTestUser(ctx, *method, *id, nil)
				return gen.GenerateOTPResponse{LoginID: *id, Code: code}, err
			}
		}),

		jsonCommand(command{
			name:     "generate-magic-link",
			synopsis: "--login-id ID [--method METHOD] [--redirect-url URL]",
			summary:  "print a magic link for a test user, without sending it",
			help: `Prints a magic link for the test user ({"loginId","link"}), to --redirect-url (default: the
project's), as it would be sent by --method, without sending it. Test users only.`,
			example: []string{"--login-id", "test-user@example.com", "--method", "email", "--redirect-url", "https://app.example.com/verify"},
		}, func(fs *flags) (func() error, apiCall[gen.GenerateMagicLinkResponse]) {
			id := fs.loginID()
			method, check := methodFlag(fs)
			redirect := redirectFlag(fs)
			return check, func(ctx context.Context, cl *api.Client) (gen.GenerateMagicLinkResponse, error) {
				link, err := cl.GenerateMagicLinkForTestUser(ctx, *method, *id, *redirect, nil)
				return gen.GenerateMagicLinkResponse{LoginID: *id, Link: link}, err
			}
		}),

		jsonCommand(command{
			name:     "generate-enchanted-link",
			synopsis: "--login-id ID [--redirect-url URL]",
			summary:  "print an enchanted link for a test user, without sending it",
			help: `Prints an enchanted link for the test user, to --redirect-url (default: the project's), without
sending it, and the reference a client polls for the session ({"loginId","link","pendingRef"}).
Test users only.`,
			example: []string{"--login-id", "test-user@example.com", "--redirect-url", "https://app.example.com/verify"},
		}, func(fs *flags) (func() error, apiCall[gen.GenerateEnchantedLinkResponse]) {
			id := fs.loginID()
			redirect := redirectFlag(fs)
			return nil, func(ctx context.Context, cl *api.Client) (gen.GenerateEnchantedLinkResponse, error) {
				link, ref, err := cl.GenerateEnchantedLinkForTestUser(ctx, *id, *redirect, nil)
				return gen.GenerateEnchantedLinkResponse{LoginID: *id, Link: link, PendingRef: ref}, err
			}
		}),

		jsonCommand(command{
			name:     "embedded-link",
			synopsis: "--login-id ID [--claims JSON] [--token-timeout DURATION]",
			summary:  "print a token that signs a user in (an embedded link)",
			help: `Prints a token ({"token"}) that signs the user in when verified, valid for --token-timeout
(default: the project's), with the custom claims of --claims (a JSON object; - reads it from
standard input) in the session it makes. Any user, test or not.`,
			example: []string{"--login-id", "user00007@example.com", "--claims", `{"source":"support"}`, "--token-timeout", "5m"},
		}, func(fs *flags) (func() error, apiCall[embeddedToken]) {
			id := fs.loginID()
			js := fs.String("claims", "", "custom claims for the session, a JSON object; - reads it from standard input")
			timeout := tokenTimeoutFlag(fs)
			var claims map[string]any
			var seconds int64
			check := func() (err error) {
				if fs.given("claims") {
					if err := fs.jsonFlag("claims", *js, &claims, "the claims"); err != nil {
						return err
					}
				}
				seconds, err = timeout()
				return err
			}
			return check, func(ctx context.Context, cl *api.Client) (embeddedToken, error) {
				token, err := cl.GenerateEmbeddedLink(ctx, *id, claims, seconds)
				return embeddedToken{token}, err
			}
		}),

		jsonCommand(command{
			name:     "signup-embedded-link",
			synopsis: "--login-id ID [--json USER] [--email-verified] [--phone-verified] [--token-timeout DURATION]",
			summary:  "print a token that signs a user up (or in, if it exists)",
			help: `Prints a token ({"token"}) that signs up the user with that login ID when verified (or signs it
in, if the login ID exists), valid for --token-timeout (default: the project's). USER is a JSON
object of the new user's fields: email, phone, name, givenName, middleName, familyName,
recoveryEmail, recoveryPhone (- reads it from standard input); --email-verified and
--phone-verified mark its contacts verified. Nothing is created by this call.`,
			example: []string{"--login-id", "new-signup@example.com", "--json", `{"email":"new-signup@example.com","name":"Sam Signup"}`, "--email-verified"},
		}, func(fs *flags) (func() error, apiCall[embeddedToken]) {
			id := fs.loginID()
			js := fs.String("json", "", "the new user's fields, a JSON object; - reads it from standard input")
			email := fs.Bool("email-verified", false, "mark the user's email verified")
			phone := fs.Bool("phone-verified", false, "mark the user's phone verified")
			timeout := tokenTimeoutFlag(fs)
			var user *api.SignUpUser
			var seconds int64
			check := func() (err error) {
				if fs.given("json") {
					user = &api.SignUpUser{}
					if err := fs.jsonFlag("json", *js, user, "a user"); err != nil {
						return err
					}
					if user.LoginID != "" && user.LoginID != *id {
						return fmt.Errorf("--json: USER's loginId %q differs from --login-id %q", user.LoginID, *id)
					}
				}
				seconds, err = timeout()
				return err
			}
			return check, func(ctx context.Context, cl *api.Client) (embeddedToken, error) {
				token, err := cl.GenerateSignUpEmbeddedLink(ctx, *id, user, *email, *phone, nil, seconds)
				return embeddedToken{token}, err
			}
		}),

		historyCommand("history", "print the sign-in history of users",
			`Prints the sign-ins of the users with those user IDs (user IDs only), as a JSON array, oldest
first per user; unknown IDs are left out. It calls the v2 path (/v2/mgmt/user/history), whose
answer is an object; history-v1 calls the older one.`, (*api.Client).HistoryV2),
		historyCommand("history-v1", "print the sign-in history of users, through the older path",
			`History (see 'descope-users help history') through the older path (/v1/mgmt/user/history), as
Descope's Go and Node SDKs call it: its request and answer are bare arrays, not objects. It
prints the same JSON array as history.`, (*api.Client).History),

		jsonCommand(command{
			name:     "provider-token",
			synopsis: "--login-id ID --provider PROVIDER [--with-refresh-token] [--force-refresh]",
			summary:  "print the token an OAuth provider issued to a user",
			help: `Prints the token the OAuth or OIDC provider (google, github...) issued to the user when it signed
in with it: the access token, and with --with-refresh-token the refresh token. --force-refresh
asks Descope to refresh it first. The tokens are secrets: keep the output to yourself.`,
			example: []string{"--login-id", "user00007@example.com", "--provider", "google"},
		}, func(fs *flags) (func() error, apiCall[*api.ProviderToken]) {
			id := fs.loginID()
			provider := fs.requireValue("provider", "the provider's name, e.g. google")
			refresh := fs.Bool("with-refresh-token", false, "include the refresh token")
			force := fs.Bool("force-refresh", false, "have Descope refresh the token first")
			return nil, func(ctx context.Context, cl *api.Client) (*api.ProviderToken, error) {
				return cl.GetProviderToken(ctx, *id, *provider, *refresh, *force)
			}
		}),

		jsonCommand(command{
			name:    "custom-attributes",
			summary: "print the custom attributes defined for the project's users",
			help:    `Prints the definitions of the custom attributes of the project's users, as a JSON array.`,
			example: []string{},
		}, func(*flags) (func() error, apiCall[[]api.CustomAttribute]) {
			return nil, func(ctx context.Context, cl *api.Client) ([]api.CustomAttribute, error) {
				return listAnswer(cl.CustomAttributes(ctx))
			}
		}),

		jsonCommand(command{
			name:     "create-custom-attributes",
			synopsis: "--json DEFINITIONS",
			summary:  "define custom attributes (one whose name exists is replaced)",
			help: `Defines custom attributes and prints every definition, as a JSON array. DEFINITIONS is a JSON
array of objects with name (required), displayName, type (a number: Descope's console's types
are text, number, boolean, single select, multi select and date, and no document says which
number is which), options ([{"label","value"}], for a select), defaultValue, viewPermissions
and editPermissions. A definition whose name exists replaces it. --json - reads
DEFINITIONS from standard input.`,
			example: []string{"--json", `[{"name":"department","displayName":"Department","type":1}]`},
		}, func(fs *flags) (func() error, apiCall[[]api.CustomAttribute]) {
			js := fs.require("json", "the definitions, a JSON array; - reads it from standard input")
			var defs []api.CustomAttributeDefinition
			check := func() error {
				if err := fs.jsonFlag("json", *js, &defs, "definitions"); err != nil {
					return err
				}
				for i, d := range defs {
					if d.Name == "" {
						return fmt.Errorf("--json: definition %d has no name", i+1)
					}
				}
				return nil
			}
			return check, func(ctx context.Context, cl *api.Client) ([]api.CustomAttribute, error) {
				return listAnswer(cl.CreateCustomAttributes(ctx, defs))
			}
		}),

		jsonCommand(command{
			name:     "delete-custom-attributes",
			synopsis: "--names NAME,NAME...",
			summary:  "remove custom attribute definitions (and users' values of them)",
			help: `Removes the custom attribute definitions with those names, and the users' values of them, and
prints the definitions left, as a JSON array.`,
			example: []string{"--names", "department"},
		}, listFor("names", "the attributes' names", (*api.Client).DeleteCustomAttributes)),

		userCommand(command{
			name:     "update-impersonation-consent",
			synopsis: "--login-id ID --days N",
			summary:  "let a user be impersonated for N days (0 revokes it)",
			help: `Grants the user's consent to be impersonated (by support staff, say) for --days days from now,
or with --days 0 revokes it, and prints the user (consentExpiration).`,
			example: []string{"--login-id", "user00007@example.com", "--days", "7"},
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			days := fs.Int("days", 0, "for how many days from now; 0 revokes the consent (required)")
			fs.required = append(fs.required, "days")
			check := func() error {
				if *days < 0 || *days > math.MaxInt32 {
					return fmt.Errorf("--days must be 0 or more (got %d)", *days)
				}
				return nil
			}
			return check, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				return cl.UpdateImpersonationConsent(ctx, *id, int32(*days))
			}
		}),
	}
}

// embeddedToken is what the embedded-link commands print: the token of Descope's answer (the api
// returns that alone).
type embeddedToken struct {
	Token string `json:"token"`
}

// deliveryMethods are the delivery methods Descope's document names for the test-user
// generators.
var deliveryMethods = []string{"email", "sms", "voice", "whatsapp", "Embedded"}

// methodFlag defines --method, and the check of its value.
func methodFlag(fs *flags) (*string, func() error) {
	m := fs.String("method", "email", "how the code or link would be sent: "+strings.Join(deliveryMethods, ", "))
	return m, func() error {
		if !slices.Contains(deliveryMethods, *m) {
			return fmt.Errorf("--method %q: want one of %s", *m, strings.Join(deliveryMethods, ", "))
		}
		return nil
	}
}

// redirectFlag defines --redirect-url.
func redirectFlag(fs *flags) *string {
	return fs.String("redirect-url", "", "the page the link opens (default: the project's)")
}

// tokenTimeoutFlag defines --token-timeout, and returns what reads it in whole seconds (0: the
// project's default). (Not --timeout: that is the global flag, the time limit of the command.)
func tokenTimeoutFlag(fs *flags) func() (int64, error) {
	d := fs.Duration("token-timeout", 0, "how long the token is valid, in whole seconds, e.g. 5m or 90s (default: the project's)")
	return func() (int64, error) {
		if *d < 0 || *d%time.Second != 0 {
			return 0, errors.New("--token-timeout must be a whole number of seconds, 0 or more, such as 90s or 5m")
		}
		return int64(*d / time.Second), nil
	}
}

// historyCommand is history or history-v1, which call history.
func historyCommand(name, summary, help string, history func(*api.Client, context.Context, []string) ([]api.AuthHistory, error)) *command {
	return jsonCommand(command{
		name:     name,
		synopsis: "--user-ids ID,ID...",
		summary:  summary,
		help:     help,
		example:  []string{"--user-ids", "U2sample00007,U2sample00008"},
	}, listFor("user-ids", "the users' user IDs", history))
}

// listFor defines a command that passes the items of the list flag --name (at least one) to get,
// and prints the list get returns.
func listFor[T any](name, usage string, get func(*api.Client, context.Context, []string) ([]T, error)) defineCall[[]T] {
	return func(fs *flags) (func() error, apiCall[[]T]) {
		items := fs.nonEmptyList(name, usage)
		return nil, func(ctx context.Context, cl *api.Client) ([]T, error) { return listAnswer(get(cl, ctx, *items)) }
	}
}
