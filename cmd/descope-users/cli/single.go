package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// userCommands are the commands that make one call about one user and print the user, in the
// order help lists them.
func userCommands() []*command {
	return []*command{
		userCommand(command{
			name:     "update-attribute",
			synopsis: "--login-id ID --key KEY --value VALUE",
			summary:  "set one custom attribute of a user",
			help: `Sets one custom attribute of the user and prints the user.

VALUE is taken as JSON when it is valid JSON, and as a plain string otherwise:
  --value 42          the number 42
  --value true        the boolean true
  --value null        clears the attribute
  --value '["a","b"]' a list
  --value '{"k":1}'   an object
  --value '"42"'      the string "42" (quoted JSON string)
  --value pro         the string "pro" (not valid JSON, so taken as it is)`,
			example: []string{"--login-id", "user00001@example.com", "--key", "seats", "--value", "5"},
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			key := fs.require("key", "the custom attribute's machine name")
			value := fs.require("value", "the new value: JSON if it parses as JSON, else a plain string")
			check := func() error {
				if *key == "" {
					return errors.New("--key must not be empty")
				}
				return nil
			}
			return check, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				return cl.UpdateCustomAttribute(ctx, *id, *key, parseValue(*value))
			}
		}),

		userCommand(command{
			name:     "update-name",
			synopsis: "--login-id ID [--display-name NAME] [--given-name G --middle-name M --family-name F]",
			summary:  "set a user's display name and/or given, middle and family names",
			help: `Sets the user's display name (--display-name), or the given, middle and family names, or
both, and prints the user. At least one of the name flags is required; an empty value clears.

The given, middle and family names are set together, as Descope's API sets them: when any of
them is given, a part left out is cleared. To change one part alone, use
patch-user --json '{"givenName":"Jane"}'.`,
			example: []string{"--login-id", "user00001@example.com", "--display-name", "Ada King"},
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			display := fs.String("display-name", "", "the display name")
			given := fs.String("given-name", "", "the given name (see above: set with the middle and family names)")
			middle := fs.String("middle-name", "", "the middle name")
			family := fs.String("family-name", "", "the family name")
			parts := func() bool { return fs.given("given-name") || fs.given("middle-name") || fs.given("family-name") }
			check := func() error {
				if !fs.given("display-name") && !parts() {
					return errors.New("give --display-name, or --given-name/--middle-name/--family-name, or both")
				}
				return nil
			}
			return check, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				var u *api.User
				var err error
				if fs.given("display-name") {
					if u, err = cl.UpdateDisplayName(ctx, *id, *display); err != nil {
						return nil, err
					}
				}
				if parts() {
					if u, err = cl.UpdateUserNames(ctx, *id, *given, *middle, *family); err != nil {
						if fs.given("display-name") {
							err = fmt.Errorf("the display name was set, but setting the given, middle and family names failed: %w", err)
						}
						return nil, err
					}
				}
				return u, nil
			}
		}),

		userCommand(command{
			name:     "update-picture",
			synopsis: "--login-id ID --picture URL",
			summary:  "set a user's picture URL",
			help:     `Sets the user's picture URL and prints the user. An empty --picture '' removes the picture.`,
			example:  []string{"--login-id", "user00001@example.com", "--picture", "https://example.com/ada.png"},
		}, loginIDAnd("picture", "the picture's `URL`; '' removes it", (*api.Client).UpdatePicture)),

		userCommand(command{
			name:     "update-phone",
			synopsis: "--login-id ID --phone PHONE [--verified] [--fail-on-conflict]",
			summary:  "set a user's phone number",
			help: `Sets the user's phone number and prints the user. An empty --phone '' removes it.
--verified marks the new number as verified; --fail-on-conflict makes the call fail when another
user already has the number.`,
			example: []string{"--login-id", "user00001@example.com", "--phone", "+15557654321", "--verified"},
		}, contact("phone", "the phone number, e.g. +15551234567; '' removes it", true, (*api.Client).UpdatePhone)),

		userCommand(command{
			name:     "patch-user",
			synopsis: "--login-id ID --json PATCH",
			summary:  "apply a partial update (a patch) to one user",
			help: `Applies a patch to one user and prints the user. PATCH is a JSON object with the fields of
one line of a JSON Lines patch file (see 'descope-users help patch'); fields left out are left
unchanged, "" or [] (or null, for a list) clears a field, and a null custom attribute removes it.
Unknown fields are errors. The login ID comes from --login-id, or from the patch's loginId; when
both are given they must agree. --json - reads the patch from standard input.`,
			example: []string{"--login-id", "user00001@example.com", "--json", `{"status":"disabled","roleNames":["editor"]}`},
		}, patchUser),

		userCommand(command{
			name:     "activate",
			synopsis: "--login-id ID",
			summary:  "enable a user (status enabled)",
			help:     `Enables the user: its status becomes enabled. Prints the user.`,
			example:  []string{"--login-id", "user00001@example.com"},
		}, loginIDCall((*api.Client).Activate)),

		userCommand(command{
			name:     "deactivate",
			synopsis: "--login-id ID",
			summary:  "disable a user (status disabled)",
			help:     `Disables the user: its status becomes disabled, and it can no longer sign in. Prints the user.`,
			example:  []string{"--login-id", "user00001@example.com"},
		}, loginIDCall((*api.Client).Deactivate)),

		userCommand(command{
			name:     "update-login-id",
			synopsis: "--login-id ID --new-login-id NEW",
			summary:  "change or remove one of a user's login IDs",
			help: `Replaces the login ID --login-id with --new-login-id and prints the user. When --login-id is
the user's ID, its first login ID is replaced. An empty --new-login-id '' removes the login ID;
a user's last login ID cannot be removed, and a login ID another user has cannot be taken.`,
			example: []string{"--login-id", "user00003@example.com", "--new-login-id", "user00003@example.org"},
		}, loginIDAnd("new-login-id", "the new login ID; '' removes the one named by --login-id", (*api.Client).UpdateLoginID)),

		userCommand(command{
			name:     "update-email",
			synopsis: "--login-id ID --email EMAIL [--verified] [--fail-on-conflict]",
			summary:  "set a user's email",
			help: `Sets the user's email and prints the user. An empty --email '' removes it. --verified marks
the new email as verified (the user can then sign in with it); --fail-on-conflict makes the call
fail when the email is already another user's login ID or email.`,
			example: []string{"--login-id", "user00001@example.com", "--email", "ada@example.com", "--verified"},
		}, contact("email", "the email; '' removes it", true, (*api.Client).UpdateEmail)),

		userCommand(command{
			name:     "update-recovery-email",
			synopsis: "--login-id ID --email EMAIL [--verified]",
			summary:  "set the email that recovers a user's account",
			help: `Sets the user's recovery email; an empty --email '' removes it. The user printed shows it
(recoveryEmail, verifiedRecoveryEmail).`,
			example: []string{"--login-id", "user00001@example.com", "--email", "ada.backup@example.com"},
		}, contact("email", "the recovery email; '' removes it", false, recovery((*api.Client).UpdateRecoveryEmail))),

		userCommand(command{
			name:     "update-recovery-phone",
			synopsis: "--login-id ID --phone PHONE [--verified]",
			summary:  "set the phone number that recovers a user's account",
			help: `Sets the user's recovery phone; an empty --phone '' removes it. The user printed shows it
(recoveryPhone, verifiedRecoveryPhone).`,
			example: []string{"--login-id", "user00001@example.com", "--phone", "+15555550199"},
		}, contact("phone", "the recovery phone number; '' removes it", false, recovery((*api.Client).UpdateRecoveryPhone))),

		rolesCommand("set-roles", "replace a user's roles, in the project or in a tenant", (*api.Client).SetRoles, (*api.Client).SetTenantRoles),
		rolesCommand("add-roles", "add roles to a user, in the project or in a tenant", (*api.Client).AddRoles, (*api.Client).AddTenantRoles),
		rolesCommand("remove-roles", "remove roles from a user, in the project or in a tenant", (*api.Client).RemoveRoles, (*api.Client).RemoveTenantRoles),
		tenantCommand("add-tenant", "make a user a member of a tenant (with no roles)", (*api.Client).AddTenant),
		tenantCommand("remove-tenant", "remove a user, and its roles there, from a tenant", (*api.Client).RemoveTenant),
		appsCommand("add-sso-apps", "let a user use more SSO apps", (*api.Client).AddSSOApps),
		appsCommand("set-sso-apps", "replace the SSO apps a user may use ('' resets to all apps)", (*api.Client).SetSSOApps),
		appsCommand("remove-sso-apps", "stop a user using some SSO apps", (*api.Client).RemoveSSOApps),

		userCommand(command{
			name:     "load",
			synopsis: "--login-id ID",
			summary:  "print one user",
			help:     `Prints the user with that login ID or user ID.`,
			example:  []string{"--login-id", "user00001@example.com"},
		}, loginIDCall((*api.Client).Load)),
	}
}

// replaceCommand is update, which replaces a whole user.
func replaceCommand() *command {
	return userCommand(command{
		name:     "update",
		synopsis: "--login-id ID --replace --json USER",
		summary:  "replace a whole user (what the JSON leaves out is cleared)",
		help: `Replaces the user with USER, a JSON object with the fields displayName, givenName, middleName,
familyName, email, phone, verifiedEmail, verifiedPhone, picture, roleNames, userTenants
([{"tenantId":...,"roleNames":[...]}]), customAttributes, additionalLoginIds and ssoAppIds, and
prints the user. Dangerous: every field USER leaves out is cleared on the user, so --replace must
be given to confirm. To change some fields and keep the rest, use patch-user. --json - reads USER
from standard input.`,
		example: []string{"--login-id", "user00002@example.com", "--replace", "--json", `{"displayName":"Grace Hopper","email":"user00002@example.com","verifiedEmail":true,"roleNames":["admin"]}`},
	}, updateUser)
}

// patchUser defines patch-user: the patch comes from --json (or standard input, through
// fs.stdin), its login ID from --login-id or the patch.
func patchUser(fs *flags) (func() error, userCall) {
	loginID := fs.String("login-id", "", "the user's login ID, or user ID (required unless the patch has loginId)")
	js := fs.require("json", "the patch, a JSON object; - reads it from standard input")
	var p api.UserPatch
	check := func() error {
		data, err := fs.jsonArg(*js, "patch")
		if err != nil {
			return err
		}
		if p, err = decodePatch(data, true); err != nil {
			return fmt.Errorf("--json: %v", err)
		}
		switch {
		case fs.given("login-id") && *loginID == "":
			return errors.New("--login-id must not be empty")
		case fs.given("login-id") && p.LoginID != "" && p.LoginID != *loginID:
			return fmt.Errorf("--login-id %q and the patch's loginId %q differ", *loginID, p.LoginID)
		case fs.given("login-id"):
			p.LoginID = *loginID
		case p.LoginID == "":
			return errors.New("--login-id is required (or a loginId in the patch)")
		}
		if err := checkPatch(&p); err != nil {
			return fmt.Errorf("--json: %v", err)
		}
		return nil
	}
	return check, func(ctx context.Context, cl *api.Client) (*api.User, error) { return cl.Patch(ctx, p) }
}

// updateUser defines update: USER from --json (or standard input), confirmed by --replace.
func updateUser(fs *flags) (func() error, userCall) {
	id := fs.loginID()
	js := fs.require("json", "the whole user, a JSON object; - reads it from standard input")
	replace := fs.Bool("replace", false, "confirm that every field the JSON leaves out is cleared (required)")
	var u api.UserUpdate
	check := func() error {
		if !*replace {
			return errors.New("update replaces the whole user, clearing every field the JSON leaves out: give --replace to confirm, or use patch-user to change some fields")
		}
		data, err := fs.jsonArg(*js, "user")
		if err != nil {
			return err
		}
		var in userUpdate
		if err := decodeObject(data, &in, "a user", false); err != nil {
			return fmt.Errorf("--json: %v", err)
		}
		u = api.UserUpdate{
			LoginID: *id, Email: in.Email, Phone: in.Phone, VerifiedEmail: in.VerifiedEmail, VerifiedPhone: in.VerifiedPhone,
			DisplayName: in.DisplayName, GivenName: in.GivenName, MiddleName: in.MiddleName, FamilyName: in.FamilyName,
			Picture: in.Picture, RoleNames: in.RoleNames, Tenants: in.UserTenants, CustomAttributes: in.CustomAttributes,
			AdditionalLoginIDs: in.AdditionalLoginIDs, SSOAppIDs: in.SSOAppIDs,
		}
		return nil
	}
	return check, func(ctx context.Context, cl *api.Client) (*api.User, error) { return cl.Update(ctx, u) }
}

// userUpdate is USER of the update command: api.UserUpdate in JSON.
type userUpdate struct {
	DisplayName        string            `json:"displayName"`
	GivenName          string            `json:"givenName"`
	MiddleName         string            `json:"middleName"`
	FamilyName         string            `json:"familyName"`
	Email              string            `json:"email"`
	Phone              string            `json:"phone"`
	VerifiedEmail      bool              `json:"verifiedEmail"`
	VerifiedPhone      bool              `json:"verifiedPhone"`
	Picture            string            `json:"picture"`
	RoleNames          []string          `json:"roleNames"`
	UserTenants        []api.TenantPatch `json:"userTenants"`
	CustomAttributes   map[string]any    `json:"customAttributes"`
	AdditionalLoginIDs []string          `json:"additionalLoginIds"`
	SSOAppIDs          []string          `json:"ssoAppIds"`
}

// loginIDAnd defines a command that passes --login-id and the required --FLAG to set.
func loginIDAnd(flag, usage string, set func(*api.Client, context.Context, string, string) (*api.User, error)) func(fs *flags) (func() error, userCall) {
	return func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		value := fs.require(flag, usage)
		return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) { return set(cl, ctx, *id, *value) }
	}
}

// setContact is an api method that sets one of a user's contacts: loginID, value, verified,
// failOnConflict.
type setContact func(cl *api.Client, ctx context.Context, loginID, value string, verified, failOnConflict bool) (*api.User, error)

// contact defines a command that sets one of a user's contacts with set: --login-id, --FLAG
// (the value), --verified and, when conflict is true, --fail-on-conflict.
func contact(flag, usage string, conflict bool, set setContact) func(fs *flags) (func() error, userCall) {
	return func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		value := fs.require(flag, usage)
		verified := fs.Bool("verified", false, "mark the "+flag+" as verified")
		failOnConflict := new(bool)
		if conflict {
			failOnConflict = fs.Bool("fail-on-conflict", false, "fail when another user has this "+flag)
		}
		return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) {
			return set(cl, ctx, *id, *value, *verified, *failOnConflict)
		}
	}
}

// recovery is set, which sets a recovery contact, as a setContact: it has no failOnConflict.
func recovery(set func(*api.Client, context.Context, string, string, bool) (*api.User, error)) setContact {
	return func(cl *api.Client, ctx context.Context, loginID, value string, verified, _ bool) (*api.User, error) {
		return set(cl, ctx, loginID, value, verified)
	}
}

// rolesCommand is set-roles, add-roles or remove-roles: project roles, or with --tenant a
// tenant's.
func rolesCommand(name, summary string, project func(*api.Client, context.Context, string, []string) (*api.User, error),
	tenant func(*api.Client, context.Context, string, string, []string) (*api.User, error)) *command {
	return userCommand(command{
		name:     name,
		synopsis: "--login-id ID [--tenant TENANT] --roles ROLE,ROLE...",
		summary:  summary,
		help: fmt.Sprintf(`Changes (%s) the user's project-level roles, or with --tenant its roles in that tenant, of
which the user must already be a member (add-tenant), and prints the user.`, name),
		example: []string{"--login-id", "user00001@example.com", "--roles", "editor,billing"},
	}, func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		t := fs.String("tenant", "", "the tenant whose roles change (default: the project's roles)")
		roles := fs.list("roles", "the roles, separated by commas; '' is none (required)")
		fs.required = append(fs.required, "roles")
		check := func() error {
			if fs.given("tenant") && *t == "" {
				return errors.New("--tenant must not be empty (leave it out to change the project's roles)")
			}
			return nil
		}
		return check, func(ctx context.Context, cl *api.Client) (*api.User, error) {
			if *t != "" {
				return tenant(cl, ctx, *id, *t, *roles)
			}
			return project(cl, ctx, *id, *roles)
		}
	})
}

// tenantCommand is add-tenant or remove-tenant.
func tenantCommand(name, summary string, do func(*api.Client, context.Context, string, string) (*api.User, error)) *command {
	return userCommand(command{
		name:     name,
		synopsis: "--login-id ID --tenant TENANT",
		summary:  summary,
		help:     fmt.Sprintf("%s, and prints the user.", strings.ToUpper(summary[:1])+summary[1:]),
		example:  []string{"--login-id", "user00001@example.com", "--tenant", "T1"},
	}, func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		t := fs.require("tenant", "the tenant's ID")
		check := func() error {
			if *t == "" {
				return errors.New("--tenant must not be empty")
			}
			return nil
		}
		return check, func(ctx context.Context, cl *api.Client) (*api.User, error) { return do(cl, ctx, *id, *t) }
	})
}

// appsCommand is add-sso-apps, set-sso-apps or remove-sso-apps.
func appsCommand(name, summary string, do func(*api.Client, context.Context, string, []string) (*api.User, error)) *command {
	return userCommand(command{
		name:     name,
		synopsis: "--login-id ID --apps APP,APP...",
		summary:  summary,
		help:     fmt.Sprintf("Changes (%s) the SSO apps the user may use, and prints the user. A user with no SSO apps may use all of them.", name),
		example:  []string{"--login-id", "user00001@example.com", "--apps", "app-1,app-2"},
	}, func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		apps := fs.list("apps", "the SSO app IDs, separated by commas (required)")
		fs.required = append(fs.required, "apps")
		return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) { return do(cl, ctx, *id, *apps) }
	})
}
