package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

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
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			picture := fs.require("picture", "the picture's `URL`; '' removes it")
			return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				return cl.UpdatePicture(ctx, *id, *picture)
			}
		}),

		userCommand(command{
			name:     "update-phone",
			synopsis: "--login-id ID --phone PHONE [--verified] [--fail-on-conflict]",
			summary:  "set a user's phone number",
			help: `Sets the user's phone number and prints the user. An empty --phone '' removes it.
--verified marks the new number as verified; --fail-on-conflict makes the call fail when another
user already has the number.`,
			example: []string{"--login-id", "user00001@example.com", "--phone", "+15557654321", "--verified"},
		}, func(fs *flags) (func() error, userCall) {
			id := fs.loginID()
			phone := fs.require("phone", "the phone number, e.g. +15551234567; '' removes it")
			verified := fs.Bool("verified", false, "mark the number as verified")
			failOnConflict := fs.Bool("fail-on-conflict", false, "fail when another user has this number")
			return nil, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				return cl.UpdatePhone(ctx, *id, *phone, *verified, *failOnConflict)
			}
		}),

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

// patchUser defines patch-user: the patch comes from --json (or standard input, through
// fs.stdin), its login ID from --login-id or the patch.
func patchUser(fs *flags) (func() error, userCall) {
	loginID := fs.String("login-id", "", "the user's login ID, or user ID (required unless the patch has loginId)")
	js := fs.require("json", "the patch, a JSON object; - reads it from standard input")
	var p api.UserPatch
	check := func() error {
		data := []byte(*js)
		if *js == "-" {
			var err error
			if data, err = io.ReadAll(fs.stdin); err != nil {
				return fmt.Errorf("reading the patch from standard input: %v", err)
			}
		}
		var err error
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

// userOp connects, runs one single-user call and prints the user it returns.
func (c *cli) userOp(ctx context.Context, cmd *command, call userCall) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err := call(ctx, cl)
	if err != nil {
		return c.fail(cmd, err)
	}
	if err := printJSON(c.stdout, u); err != nil {
		fmt.Fprintf(c.stderr, "%s %s: the update was applied, but printing the user failed: %v\n", progName, cmd.name, err)
		return exitFailed
	}
	return exitOK
}

func printJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
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
