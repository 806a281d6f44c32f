package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

const loginIDUsage = "the user's login ID, or user ID (required)"

var cmdUpdateAttribute = &command{
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
	run: runUpdateAttribute,
}

type updateAttributeOpts struct{ loginID, key, value *string }

func updateAttributeFlags(fs *flag.FlagSet) updateAttributeOpts {
	return updateAttributeOpts{
		loginID: fs.String("login-id", "", loginIDUsage),
		key:     fs.String("key", "", "the custom attribute's machine name (required)"),
		value:   fs.String("value", "", "the new value: JSON if it parses as JSON, else a plain string (required)"),
	}
}

func runUpdateAttribute(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := updateAttributeFlags(fs)
	if code, ok := c.parseNoArgs(cmd, fs, args, "login-id", "key", "value"); !ok {
		return code
	}
	if *o.key == "" {
		return c.usageError(cmd, "--key must not be empty")
	}
	value := parseValue(*o.value)
	return c.userOp(ctx, cmd, func(cl *api.Client) (*api.User, error) {
		return cl.UpdateCustomAttribute(ctx, *o.loginID, *o.key, value)
	})
}

var cmdUpdateName = &command{
	name:     "update-name",
	synopsis: "--login-id ID [--display-name NAME] [--given-name G --middle-name M --family-name F]",
	summary:  "set a user's display name and/or given, middle and family names",
	help: `Sets the user's display name (--display-name), or the given, middle and family names, or
both, and prints the user. At least one of the name flags is required; an empty value clears.

The given, middle and family names are set together, as Descope's API sets them: when any of
them is given, a part left out is cleared. To change one part alone, use
patch-user --json '{"givenName":"Jane"}'.`,
	run: runUpdateName,
}

type updateNameOpts struct{ loginID, display, given, middle, family *string }

func updateNameFlags(fs *flag.FlagSet) updateNameOpts {
	return updateNameOpts{
		loginID: fs.String("login-id", "", loginIDUsage),
		display: fs.String("display-name", "", "the display name"),
		given:   fs.String("given-name", "", "the given name (see above: set with the middle and family names)"),
		middle:  fs.String("middle-name", "", "the middle name"),
		family:  fs.String("family-name", "", "the family name"),
	}
}

func runUpdateName(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := updateNameFlags(fs)
	if code, ok := c.parseNoArgs(cmd, fs, args, "login-id"); !ok {
		return code
	}
	set := setFlags(fs)
	display := set["display-name"]
	parts := set["given-name"] || set["middle-name"] || set["family-name"]
	if !display && !parts {
		return c.usageError(cmd, "give --display-name, or --given-name/--middle-name/--family-name, or both")
	}
	return c.userOp(ctx, cmd, func(cl *api.Client) (*api.User, error) {
		var (
			u   *api.User
			err error
		)
		if display {
			if u, err = cl.UpdateDisplayName(ctx, *o.loginID, *o.display); err != nil {
				return nil, err
			}
		}
		if parts {
			if u, err = cl.UpdateUserNames(ctx, *o.loginID, *o.given, *o.middle, *o.family); err != nil {
				if display {
					err = fmt.Errorf("the display name was set, but setting the given, middle and family names failed: %w", err)
				}
				return nil, err
			}
		}
		return u, nil
	})
}

var cmdUpdatePicture = &command{
	name:     "update-picture",
	synopsis: "--login-id ID --picture URL",
	summary:  "set a user's picture URL",
	help:     `Sets the user's picture URL and prints the user. An empty --picture '' removes the picture.`,
	run:      runUpdatePicture,
}

type updatePictureOpts struct{ loginID, picture *string }

func updatePictureFlags(fs *flag.FlagSet) updatePictureOpts {
	return updatePictureOpts{
		loginID: fs.String("login-id", "", loginIDUsage),
		picture: fs.String("picture", "", "the picture's `URL`; '' removes it (required)"),
	}
}

func runUpdatePicture(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := updatePictureFlags(fs)
	if code, ok := c.parseNoArgs(cmd, fs, args, "login-id", "picture"); !ok {
		return code
	}
	return c.userOp(ctx, cmd, func(cl *api.Client) (*api.User, error) {
		return cl.UpdatePicture(ctx, *o.loginID, *o.picture)
	})
}

var cmdUpdatePhone = &command{
	name:     "update-phone",
	synopsis: "--login-id ID --phone PHONE [--verified] [--fail-on-conflict]",
	summary:  "set a user's phone number",
	help: `Sets the user's phone number and prints the user. An empty --phone '' removes it.
--verified marks the new number as verified; --fail-on-conflict makes the call fail when another
user already has the number.`,
	run: runUpdatePhone,
}

type updatePhoneOpts struct {
	loginID, phone           *string
	verified, failOnConflict *bool
}

func updatePhoneFlags(fs *flag.FlagSet) updatePhoneOpts {
	return updatePhoneOpts{
		loginID:        fs.String("login-id", "", loginIDUsage),
		phone:          fs.String("phone", "", "the phone number, e.g. +15551234567; '' removes it (required)"),
		verified:       fs.Bool("verified", false, "mark the number as verified"),
		failOnConflict: fs.Bool("fail-on-conflict", false, "fail when another user has this number"),
	}
}

func runUpdatePhone(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := updatePhoneFlags(fs)
	if code, ok := c.parseNoArgs(cmd, fs, args, "login-id", "phone"); !ok {
		return code
	}
	return c.userOp(ctx, cmd, func(cl *api.Client) (*api.User, error) {
		return cl.UpdatePhone(ctx, *o.loginID, *o.phone, *o.verified, *o.failOnConflict)
	})
}

var cmdPatchUser = &command{
	name:     "patch-user",
	synopsis: "--login-id ID --json PATCH",
	summary:  "apply a partial update (a patch) to one user",
	help: `Applies a patch to one user and prints the user. PATCH is a JSON object with the fields of
one line of a JSON Lines patch file (see 'descope-users help patch'); fields left out are left
unchanged, "" or [] clears a field, and a null custom attribute removes it. Unknown fields are
errors. The login ID comes from --login-id, or from the patch's loginId; when both are given they
must agree. --json - reads the patch from standard input.

Example:
  descope-users patch-user --login-id jane@example.com \
    --json '{"name":"Jane Doe","status":"enabled","roleNames":["editor"],"customAttributes":{"plan":"pro"}}'`,
	run: runPatchUser,
}

type patchUserOpts struct{ loginID, json *string }

func patchUserFlags(fs *flag.FlagSet) patchUserOpts {
	return patchUserOpts{
		loginID: fs.String("login-id", "", "the user's login ID, or user ID (required unless the patch has loginId)"),
		json:    fs.String("json", "", "the patch, a JSON object; - reads it from standard input (required)"),
	}
}

func runPatchUser(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := patchUserFlags(fs)
	if code, ok := c.parseNoArgs(cmd, fs, args, "json"); !ok {
		return code
	}
	data := []byte(*o.json)
	if *o.json == "-" {
		var err error
		if data, err = io.ReadAll(c.stdin); err != nil {
			return c.usageError(cmd, "reading the patch from standard input: %v", err)
		}
	}
	p, err := decodePatch(data, true)
	if err != nil {
		return c.usageError(cmd, "--json: %v", err)
	}
	loginSet := setFlags(fs)["login-id"]
	switch {
	case loginSet && *o.loginID == "":
		return c.usageError(cmd, "--login-id must not be empty")
	case loginSet && p.LoginID != "" && p.LoginID != *o.loginID:
		return c.usageError(cmd, "--login-id %q and the patch's loginId %q differ", *o.loginID, p.LoginID)
	case loginSet:
		p.LoginID = *o.loginID
	case p.LoginID == "":
		return c.usageError(cmd, "--login-id is required (or a loginId in the patch)")
	}
	if err := checkPatch(&p); err != nil {
		return c.usageError(cmd, "--json: %v", err)
	}
	return c.userOp(ctx, cmd, func(cl *api.Client) (*api.User, error) {
		return cl.Patch(ctx, p)
	})
}

// parseNoArgs parses flags for a command that takes no positional arguments, and checks that
// the required flags were given and that --login-id, when required, is not empty.
func (c *cli) parseNoArgs(cmd *command, fs *flag.FlagSet, args []string, requiredFlags ...string) (int, bool) {
	pos, code, ok := c.parse(cmd, fs, args)
	if !ok {
		return code, false
	}
	if len(pos) > 0 {
		return c.usageError(cmd, "unexpected argument %q (this command takes only flags)", pos[0]), false
	}
	if err := required(fs, requiredFlags...); err != nil {
		return c.usageError(cmd, "%v", err), false
	}
	for _, n := range requiredFlags {
		if n == "login-id" && fs.Lookup(n).Value.String() == "" {
			return c.usageError(cmd, "--login-id must not be empty"), false
		}
	}
	return exitOK, true
}

// userOp connects, runs one single-user call and prints the user it returns.
func (c *cli) userOp(ctx context.Context, cmd *command, call func(*api.Client) (*api.User, error)) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err := call(cl)
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
