package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// commands is every command of the tool, one row each, in the order help lists them. A command
// that makes one call about one user is a userCommand: its flags, and the api method it calls.
var commands []*command

func init() {
	commands = []*command{
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
		}, loginIDOnly((*api.Client).Activate)),

		userCommand(command{
			name:     "deactivate",
			synopsis: "--login-id ID",
			summary:  "disable a user (status disabled)",
			help:     `Disables the user: its status becomes disabled, and it can no longer sign in. Prints the user.`,
			example:  []string{"--login-id", "user00001@example.com"},
		}, loginIDOnly((*api.Client).Deactivate)),

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
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) { return cl.Load(ctx, *id) }
		}),

		{
			name:     "load-users",
			synopsis: "--user-ids ID,ID... [--include-invalid]",
			summary:  "print users by their user IDs, as JSON Lines",
			help: `Prints the users with those user IDs, one JSON object per line, in one call. Unknown IDs are
left out, and so are disabled and expired users unless --include-invalid.`,
			example: []string{"--user-ids", "U2sample00001,U2sample00002"},
			define: func(fs *flags) runner {
				ids := fs.list("user-ids", "the user IDs, separated by commas (required)")
				fs.required = append(fs.required, "user-ids")
				invalid := fs.Bool("include-invalid", false, "also print disabled and expired users")
				return usersRunner(func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
					users, err := cl.LoadUsers(ctx, *ids, *invalid)
					return seqOf(users, err)
				})
			},
		},

		searchCommand("search", "print the users that match filters, as JSON Lines",
			`Prints the users that match every filter given (a list filter matches when any of its values
does), one JSON object per line: one page (--page, from 0, of --limit users), and how many users
match in all on stderr; or with --all every page from --page on, paced under --search-limit
(default 200/1m, Descope's documented limit for user search).`, (*api.Client).Search, (*api.Client).SearchAll),
		searchCommand("search-test-users", "search among test users only",
			`Search (see 'descope-users help search') among test users only.`, (*api.Client).SearchTestUsers, (*api.Client).SearchAllTestUsers),

		{
			name:     "export",
			synopsis: "[filters] [> users.jsonl]",
			summary:  "print matching users as JSON Lines patches, for patch",
			help: `Streams every user that matches the filters (see 'descope-users help search'; none: every
user) to stdout as JSON Lines in the format 'patch' reads: loginId and the fields a patch can set
(name, given, middle and family names, email, phone and whether they are verified, picture,
status, roleNames, userTenants, customAttributes, ssoAppIds, the recovery email and phone and
whether they are verified). Edit the file, then send it with
'descope-users patch': export, edit and patch round-trip. Users are fetched a page at a time and
written as they come: an export holds one page in memory, and the ID of each user written
(about 70 bytes a user), so that no user is written twice. A server whose pages end short of the
total it reports ends the export with an error (exit 1). A user whose line would be longer than
patch reads (1 MiB) is left out and named (exit 1). The page calls are paced under
--search-limit (default 200/1m, Descope's documented limit for user search).`,
			example: []string{"--login-ids", "user00001@example.com,user00002@example.com"},
			define: func(fs *flags) runner {
				opts := searchFlags(fs)
				paced := searchLimitFlag(fs.FlagSet)
				return func(ctx context.Context, c *cli, cmd *command, args []string) int {
					if len(args) > 0 {
						return c.usageError(cmd, "unexpected argument %q (filters are flags)", args[0])
					}
					o, err := opts()
					if err != nil {
						return c.usageError(cmd, "%v", err)
					}
					return c.printUsers(ctx, cmd, func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
						return cl.SearchAll(ctx, o, paced.pageOptions()...)
					}, exportPatch)
				}
			},
		},

		userCommand(command{
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
		}, updateUser),

		{
			name:    "license",
			summary: "print the project's rate-limit tier",
			help: `Prints the project's rate-limit tier (tier1 to tier4 are known), which decides how many
management calls per minute the project may make.`,
			example: []string{},
			define: func(*flags) runner {
				return func(ctx context.Context, c *cli, cmd *command, args []string) int {
					if len(args) > 0 {
						return c.usageError(cmd, "unexpected argument %q (this command takes no arguments)", args[0])
					}
					cl, err := c.connect()
					if err != nil {
						return c.fail(cmd, err)
					}
					tier, err := cl.RateLimitTier(ctx)
					if err != nil {
						return c.fail(cmd, err)
					}
					fmt.Fprintln(c.stdout, tier)
					return exitOK
				}
			},
		},

		cmdPatch,
		cmdSync,
		cmdDemo,
	}
}

const loginIDUsage = "the user's login ID, or user ID (required)"

// userCall makes one call about one user and returns the user as the API answers it.
type userCall func(ctx context.Context, cl *api.Client) (*api.User, error)

// userCommand makes a command that makes one call about one user and prints the user. define
// registers the flags and returns the call, and optionally a check of the parsed flags that runs
// before anything else: its error is a usage error (exit 2, nothing sent).
func userCommand(cmd command, define func(fs *flags) (check func() error, call userCall)) *command {
	c := &cmd
	c.define = func(fs *flags) runner {
		check, call := define(fs)
		return func(ctx context.Context, cl *cli, _ *command, args []string) int {
			if len(args) > 0 {
				return cl.usageError(c, "unexpected argument %q (this command takes only flags)", args[0])
			}
			if check != nil {
				if err := check(); err != nil {
					return cl.usageError(c, "%v", err)
				}
			}
			return cl.userOp(ctx, c, call)
		}
	}
	return c
}

// jsonArg returns the value of a --json flag: arg itself, or with "-", standard input, from
// which it reads what (the patch, the user).
func (f *flags) jsonArg(arg, what string) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	data, err := io.ReadAll(f.stdin)
	if err != nil {
		return nil, fmt.Errorf("reading the %s from standard input: %v", what, err)
	}
	return data, nil
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

// userOp connects, runs one single-user call and prints the user it returns, as the API sent it
// (to c.data).
func (c *cli) userOp(ctx context.Context, cmd *command, call userCall) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err := call(ctx, cl)
	if err != nil {
		return c.fail(cmd, err)
	}
	if err := printJSON(c.data, u); err != nil {
		fmt.Fprintf(c.stderr, "%s %s: the update was applied, but printing the user failed: %v\n", progName, cmd.name, err)
		return exitFailed
	}
	return exitOK
}

// printJSON writes v as indented JSON, without HTML escaping.
func printJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// parseValue reads a custom attribute value: JSON when s is valid JSON, otherwise the string
// itself. Numbers keep their digits (json.Number), so large integers are sent unchanged.
func parseValue(s string) any {
	if !json.Valid([]byte(s)) {
		return s
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return s
	}
	return v
}

// list defines a flag holding a comma-separated list; "" is the empty list.
func (f *flags) list(name, usage string) *[]string {
	var l listValue
	f.Var(&l, name, usage)
	return (*[]string)(&l)
}

type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	*l = []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
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

// loginIDOnly defines a command that passes --login-id to set.
func loginIDOnly(set func(*api.Client, context.Context, string) (*api.User, error)) func(fs *flags) (func() error, userCall) {
	return func(fs *flags) (func() error, userCall) {
		id := fs.loginID()
		return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) { return set(cl, ctx, *id) }
	}
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

// searchFlags defines the filters of search and export, and returns what builds the search from
// them once parsed.
func searchFlags(fs *flags) func() (api.SearchOptions, error) {
	text := fs.String("text", "", "free text, found in login IDs, user ID, name, email or phone")
	roles := fs.list("roles", "roles, separated by commas: the user has one of them")
	tenants := fs.list("tenants", "tenant IDs, separated by commas: the user is in one of them")
	statuses := fs.list("statuses", "statuses (enabled, disabled, invited, expired), separated by commas")
	emails := fs.list("emails", "emails, separated by commas")
	phones := fs.list("phones", "phone numbers, separated by commas")
	logins := fs.list("login-ids", "login IDs, separated by commas")
	userIDs := fs.list("user-ids", "user IDs, separated by commas")
	apps := fs.list("sso-apps", "SSO app IDs, separated by commas: the user may use one of them")
	attrs := attrValue{}
	fs.Var(attrs, "attr", "`KEY=VALUE`: the custom attribute KEY is VALUE (JSON if valid, else a string); repeatable, and a key given twice matches either value")
	var times [4]timeValue
	for i, f := range timeFlags {
		fs.Var(&times[i], f.name, f.what+" `TIME`: RFC 3339 (2024-05-01T12:00:00Z) or a date (2024-05-01, midnight UTC)")
	}
	sortBy := fs.list("sort", "the order, `FIELD[:desc],...`, e.g. createdTime:desc,email")
	withTest := fs.Bool("with-test-users", false, "include test users (left out otherwise)")
	verifiedEmail := fs.Bool("verified-email", false, "only users whose email is verified (--verified-email=false: only those whose email is not)")
	verifiedPhone := fs.Bool("verified-phone", false, "only users whose phone is verified (--verified-phone=false: only those whose phone is not)")
	recoveryEmails := fs.list("recovery-emails", "recovery emails, separated by commas: the user's is one of them")
	recoveryPhones := fs.list("recovery-phones", "recovery phone numbers, separated by commas: the user's is one of them")
	verifiedRecoveryEmail := fs.Bool("verified-recovery-email", false, "only users whose recovery email is verified (=false: is not)")
	verifiedRecoveryPhone := fs.Bool("verified-recovery-phone", false, "only users whose recovery phone is verified (=false: is not)")
	has := fs.list("has", "sign-in methods the user must have, separated by commas: password, totp, passkey, sso, scim")
	offset := fs.Int("offset", 0, "the position of the first user (instead of --page)")
	limit := fs.Int("limit", 0, "users per page (0: the API's default, 100)")
	page := fs.Int("page", 0, "the page, from 0")
	return func() (api.SearchOptions, error) {
		o := api.SearchOptions{Text: *text, RoleNames: *roles, TenantIDs: *tenants, Emails: *emails, Phones: *phones,
			LoginIDs: *logins, UserIDs: *userIDs, SsoAppIDs: *apps, WithTestUser: *withTest,
			VerifiedEmail: fs.givenBool("verified-email", *verifiedEmail), VerifiedPhone: fs.givenBool("verified-phone", *verifiedPhone),
			FromCreatedTime: api.Int64(times[0].millis), ToCreatedTime: api.Int64(times[1].millis),
			FromModifiedTime: api.Int64(times[2].millis), ToModifiedTime: api.Int64(times[3].millis)}
		if len(attrs) > 0 {
			o.CustomAttributes = map[string]any{}
			for k, vs := range attrs {
				if len(vs) == 1 {
					o.CustomAttributes[k] = vs[0]
				} else {
					o.CustomAttributes[k] = vs
				}
			}
		}
		for _, st := range *statuses {
			s := api.SearchStatus(strings.ToLower(st))
			if !s.Valid() {
				return o, fmt.Errorf("--statuses: %q is not one of enabled, disabled, invited, expired", st)
			}
			o.Statuses = append(o.Statuses, s)
		}
		for _, f := range *sortBy {
			field, order, _ := strings.Cut(f, ":")
			if field == "" || order != "" && order != "desc" && order != "asc" {
				return o, fmt.Errorf("--sort: %q is not FIELD, FIELD:asc or FIELD:desc", f)
			}
			o.Sort = append(o.Sort, api.SearchSort{Field: field, Desc: order == "desc"})
		}
		o.RecoveryEmails, o.RecoveryPhones = *recoveryEmails, *recoveryPhones
		o.VerifiedRecoveryEmail = fs.givenBool("verified-recovery-email", *verifiedRecoveryEmail)
		o.VerifiedRecoveryPhone = fs.givenBool("verified-recovery-phone", *verifiedRecoveryPhone)
		for _, m := range *has {
			switch strings.ToLower(m) {
			case "password":
				o.Password = true
			case "totp":
				o.Totp = true
			case "passkey", "webauthn":
				o.Webauthn = true
			case "sso":
				o.SsoOnly = true
			case "scim":
				o.Scim = true
			default:
				return o, fmt.Errorf("--has: %q is not one of password, totp, passkey, sso, scim", m)
			}
		}
		for i, v := range []int{*limit, *page, *offset} {
			if v < 0 || v > math.MaxInt32 {
				return o, fmt.Errorf("--%s %d is out of range: it must be from 0 to %d", []string{"limit", "page", "offset"}[i], v, math.MaxInt32)
			}
		}
		o.Limit, o.Page, o.Offset = int32(*limit), int32(*page), int32(*offset)
		return o, nil
	}
}

// timeFlags are the search's time bounds, in the order of searchFlags' times.
var timeFlags = []struct{ name, what string }{
	{"created-after", "created at or after"}, {"created-before", "created at or before"},
	{"modified-after", "modified at or after"}, {"modified-before", "modified at or before"},
}

// timeValue is a flag holding a time, as the milliseconds since the epoch that search takes.
type timeValue struct{ millis int64 }

func (t *timeValue) String() string {
	if t == nil || t.millis == 0 {
		return ""
	}
	return time.UnixMilli(t.millis).UTC().Format(time.RFC3339)
}

func (t *timeValue) Set(s string) error {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if at, err := time.Parse(layout, s); err == nil {
			if at.UnixMilli() <= 0 {
				return fmt.Errorf("%s is not after 1970", s)
			}
			t.millis = at.UnixMilli()
			return nil
		}
	}
	return fmt.Errorf("%q is not an RFC 3339 time (2024-05-01T12:00:00Z) or a date (2024-05-01)", s)
}

// attrValue is the repeatable --attr KEY=VALUE flag: the values asked for, by key.
type attrValue map[string][]any

func (a attrValue) String() string { return "" }

func (a attrValue) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	a[k] = append(a[k], parseValue(v))
	return nil
}

// searchCommand is search or search-test-users: one page, or every page with --all.
// searchLimitFlag defines --search-limit: the pace of the SearchUsers calls of one command.
func searchLimitFlag(fs *flag.FlagSet) *limitValue {
	v := &limitValue{l: api.LimitUserSearch}
	fs.Var(v, "search-limit", "at most `COUNT/WINDOW` SearchUsers calls, e.g. 400/1m; the default is Descope's documented limit for user search; none: no pacing (a 429 is waited out, call by call)")
	return v
}

// pageOptions paces SearchAll under the flag's limit, unless none.
func (v *limitValue) pageOptions() []api.RunOption { return []api.RunOption{api.WithPace(v.pace())} }

// pace is the pace the flag asks for: under its limit, or none.
func (v *limitValue) pace() api.Pace {
	if v.none {
		return api.Pace{}
	}
	return api.PaceUnder(v.l)
}

func searchCommand(name, summary, help string,
	page func(*api.Client, context.Context, api.SearchOptions) ([]api.User, int, error),
	all func(*api.Client, context.Context, api.SearchOptions, ...api.RunOption) iter.Seq2[api.User, error]) *command {
	return &command{
		name:     name,
		synopsis: "[filters: --text, --roles, --tenants, --statuses, --attr, --created-after...] [--sort F[:desc]] [--limit N] [--page P] [--all]",
		summary:  summary,
		help:     help,
		example:  []string{"--text", "example.com", "--limit", "5"},
		define: func(fs *flags) runner {
			opts := searchFlags(fs)
			every := fs.Bool("all", false, "every page, from --page on, not just one")
			paced := searchLimitFlag(fs.FlagSet)
			return func(ctx context.Context, c *cli, cmd *command, args []string) int {
				if len(args) > 0 {
					return c.usageError(cmd, "unexpected argument %q (filters are flags)", args[0])
				}
				o, err := opts()
				if err != nil {
					return c.usageError(cmd, "%v", err)
				}
				total := -1
				users := func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
					if *every {
						return all(cl, ctx, o, paced.pageOptions()...)
					}
					users, n, err := page(cl, ctx, o)
					total = n
					return seqOf(users, err)
				}
				code := c.printUsers(ctx, cmd, users, func(u api.User) any { return u })
				if code == exitOK && total >= 0 {
					fmt.Fprintf(c.stderr, "%d users match in all\n", total)
				}
				return code
			}
		},
	}
}

// usersRunner is a command that prints the users a call yields, as JSON Lines.
func usersRunner(users func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error]) runner {
	return func(ctx context.Context, c *cli, cmd *command, args []string) int {
		if len(args) > 0 {
			return c.usageError(cmd, "unexpected argument %q (this command takes only flags)", args[0])
		}
		return c.printUsers(ctx, cmd, users, func(u api.User) any { return u })
	}
}

// printUsers connects and writes each user the call yields, as form gives it, one JSON object per
// line (encodeLine: no HTML escaping), as it comes, to c.data: exactly what the API sent. A user
// whose line would be longer than patch reads (maxLineBytes) is not written: it is named on
// stderr, the others are written, and the exit status is 1.
func (c *cli) printUsers(ctx context.Context, cmd *command, users func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error], form func(api.User) any) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	w := bufio.NewWriter(c.data)
	tooLong := 0
	for u, err := range users(ctx, cl) {
		if err != nil {
			_ = w.Flush()
			return c.fail(cmd, err)
		}
		line, err := encodeLine(form(u))
		if errors.Is(err, errLineTooLong) {
			tooLong++
			fmt.Fprintf(c.stderr, "%s %s: user %s not written: its line would be %v\n", progName, cmd.name, u.UserID, err)
			continue
		}
		if err != nil {
			_ = w.Flush()
			return c.fail(cmd, err)
		}
		if _, err := w.Write(line); err != nil {
			return c.fail(cmd, err)
		}
	}
	if err := w.Flush(); err != nil {
		return c.fail(cmd, err)
	}
	if tooLong > 0 {
		fmt.Fprintf(c.stderr, "%s %s: %d users not written (see above); every other user was\n", progName, cmd.name, tooLong)
		return exitFailed
	}
	return exitOK
}

// seqOf yields users, or err.
func seqOf(users []api.User, err error) iter.Seq2[api.User, error] {
	return func(yield func(api.User, error) bool) {
		if err != nil {
			yield(api.User{}, err)
			return
		}
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// exportPatch is a user as the patch that would set every field a patch can set to what the user
// has: what export writes and patch reads. The first login ID names the user; its other login
// IDs are additionalLoginIds. Fields the user has empty are written empty, so that patching the
// file back changes nothing.
func exportPatch(u api.User) any {
	p := api.UserPatch{
		LoginID: u.UserID, Name: &u.Name, GivenName: &u.GivenName, MiddleName: &u.MiddleName,
		FamilyName: &u.FamilyName, Email: &u.Email, Phone: &u.Phone, VerifiedEmail: &u.VerifiedEmail,
		VerifiedPhone: &u.VerifiedPhone, Picture: &u.Picture,
		RecoveryEmail: &u.RecoveryEmail, VerifiedRecoveryEmail: &u.VerifiedRecoveryEmail,
		RecoveryPhone: &u.RecoveryPhone, VerifiedRecoveryPhone: &u.VerifiedRecoveryPhone,
		RoleNames: ptrTo(nonNil(u.RoleNames)), SsoAppIDs: ptrTo(nonNil(u.SsoAppIDs)),
	}
	if len(u.LoginIDs) > 0 {
		p.LoginID = u.LoginIDs[0]
		p.AdditionalLoginIDs = ptrTo(nonNil(u.LoginIDs[1:]))
	}
	if st := api.UserStatus(u.Status); st.Valid() {
		p.Status = &st
	}
	tenants := make([]api.TenantPatch, len(u.UserTenants))
	for i, t := range u.UserTenants {
		tenants[i] = api.TenantPatch{TenantID: t.TenantID, RoleNames: ptrTo(nonNil(t.RoleNames))}
	}
	p.UserTenants = &tenants
	attrs := map[string]any{}
	for k, v := range u.CustomAttributes {
		attrs[k] = v
	}
	p.CustomAttributes = &attrs
	return p
}

func ptrTo[T any](v T) *T { return &v }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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
