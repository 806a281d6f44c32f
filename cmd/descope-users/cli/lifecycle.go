package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// lifecycleCommands are the commands that create users, sign them out and import them: create,
// create-test-user, invite, logout and import-users, in the order help lists them.
func lifecycleCommands() []*command {
	return []*command{
		userCommand(command{
			name:     "create",
			synopsis: newUserSynopsis,
			summary:  "create a user",
			help:     "Creates a user with the login ID --login-id and the fields of USER, and prints it, with its new\nuser ID. A login ID another user has is refused.\n\n" + newUserHelp,
			example:  []string{"--login-id", "new-user@example.com", "--json", `{"email":"new-user@example.com","name":"New User","status":"enabled"}`, "--password-stdin"},
			stdin:    "Sample-Passw0rd-1\n",
		}, newUser((*api.Client).Create)),

		userCommand(command{
			name:     "create-test-user",
			synopsis: newUserSynopsis,
			summary:  "create a test user (codes and links on demand, for tests)",
			help: `Creates a test user, as create does, and prints it. Test users are left out of searches (see
search-test-users); the generate-* commands make codes and links for them without sending
anything, and delete-all-test-users removes them all. A project may have only so many.

` + newUserHelp,
			example: []string{"--login-id", "test-user@example.com", "--json", `{"email":"test-user@example.com","phone":"+15555550123"}`},
		}, newUser((*api.Client).CreateTestUser)),

		userCommand(command{
			name:     "invite",
			synopsis: newUserSynopsis + " [--send-mail] [--send-sms] [--invite-url URL] [--template-id ID] [--locale L]",
			summary:  "create a user and send it an invitation",
			help: `Creates the user, as create does, and sends it an invitation by email and/or text message, and
prints it (its status is invited). A login ID or user ID that exists invites that user again. A
channel left out is the project's default: --send-mail=false sends no email, --send-sms sends a
text message (the user needs a phone). An invitation is not sent twice: a call that may have
reached Descope before it failed is not repeated.

` + newUserHelp,
			example: []string{"--login-id", "invited@example.com", "--json", `{"email":"invited@example.com"}`, "--invite-url", "https://app.example.com/welcome"},
		}, func(fs *flags) (func() error, userCall) {
			read := newUserFlags(fs)
			sendMail := fs.Bool("send-mail", false, "send the invitation by email (default: the project's setting)")
			sendSMS := fs.Bool("send-sms", false, "send the invitation by text message (default: the project's setting)")
			url := fs.String("invite-url", "", "the `URL` the invitation links to (default: the project's)")
			template := fs.String("template-id", "", "the message template (default: the project's)")
			locale := fs.String("locale", "", "the invitation's language, e.g. pt-BR (default: the project's)")
			var u api.UserCreate
			check := func() (err error) {
				u, err = read()
				return err
			}
			return check, func(ctx context.Context, cl *api.Client) (*api.User, error) {
				return cl.Invite(ctx, u, api.InviteOptions{
					SendMail: fs.givenBool("send-mail", *sendMail), SendSMS: fs.givenBool("send-sms", *sendSMS),
					InviteURL: *url, TemplateID: *template, Locale: *locale,
				})
			}
		}),

		doneCommand(command{
			name:     "logout",
			synopsis: "(--login-id ID | --user-id ID) [--session-types TYPE,TYPE...]",
			summary:  "sign a user out: end its sessions",
			help: `Ends the user's sessions (all of them, or those of --session-types) on every device. Prints
nothing on standard output.`,
			example: []string{"--login-id", "user00004@example.com"},
		}, func(fs *flags) (func() error, apiCall[string]) {
			ref := newUserRef(fs)
			types := fs.list("session-types", "end only the sessions of these types, separated by commas (default: all)")
			check := func() error {
				if fs.given("session-types") && len(*types) == 0 {
					return errors.New("--session-types names no type (leave it out to end every session)")
				}
				return ref.check()
			}
			return check, func(ctx context.Context, cl *api.Client) (string, error) {
				which := "every session"
				if len(*types) > 0 {
					which = "the sessions of type " + strings.Join(*types, ", ")
				}
				done := fmt.Sprintf("signed out %s: %s ended", ref.id, which)
				if ref.byUserID {
					return done, cl.LogoutUserByUserID(ctx, ref.id, *types...)
				}
				return done, cl.LogoutUser(ctx, ref.id, *types...)
			}
		}),

		importUsersCommand(),
	}
}

// deleteCommands are delete and delete-all-test-users: after the other commands in the table,
// so that the examples run before them can use the users these delete.
func deleteCommands() []*command {
	return []*command{
		doneCommand(command{
			name:     "delete",
			synopsis: "--login-id ID | --user-id ID",
			summary:  "delete a user (it cannot be undone)",
			help: `Deletes the user. It cannot be undone. Prints nothing on standard output. A user that does not
exist is an error (exit 1). A delete is not repeated blindly: after an error that leaves it
unknown whether the API deleted the user, the message says so, and 'load' tells.`,
			example: []string{"--login-id", "new-user@example.com"},
		}, func(fs *flags) (func() error, apiCall[string]) {
			ref := newUserRef(fs)
			return ref.check, func(ctx context.Context, cl *api.Client) (string, error) {
				if ref.byUserID {
					return "deleted the user " + ref.id, cl.DeleteByUserID(ctx, ref.id)
				}
				return "deleted " + ref.id, cl.Delete(ctx, ref.id)
			}
		}),

		doneCommand(command{
			name:     "delete-all-test-users",
			synopsis: "--confirm",
			summary:  "delete every test user of the project (it cannot be undone)",
			help:     `Deletes every test user of the project, and no other user. --confirm is required.`,
			example:  []string{"--confirm"},
		}, func(fs *flags) (func() error, apiCall[string]) {
			confirmed := fs.confirm("deletes every test user of the project")
			return confirmed, func(ctx context.Context, cl *api.Client) (string, error) {
				return "deleted every test user", cl.DeleteAllTestUsers(ctx)
			}
		}),
	}
}

const newUserSynopsis = "--login-id ID [--json USER] [--password-stdin | --password-env VAR]"

// newUserHelp describes USER and the password of create, create-test-user and invite.
const newUserHelp = `USER is a JSON object with the user's fields, as Descope's API takes them: email, phone, name
(or displayName), givenName, middleName, familyName, picture, status (enabled, disabled or
invited, the default), verifiedEmail, verifiedPhone, recoveryEmail, recoveryPhone,
verifiedRecoveryEmail, verifiedRecoveryPhone, roleNames, userTenants
([{"tenantId":"T1","roleNames":["admin"]}]), customAttributes, additionalLoginIds, ssoAppIds, and
a password or a hashedPassword (a hash exported from another system, one of its variants:
{"bcrypt":{"hash":"$2a$10$..."}}, {"pbkdf2":{...}}...). Unknown fields are errors, and so is a
field named twice or in another case; its loginId, if any, must be --login-id. --json - reads
USER from standard input.

A password is never an argument: arguments are visible to every user of the machine, and shell
history keeps them. Give it with --password-stdin (the first line of standard input, as from
< password.txt) or --password-env VAR (the name of an environment variable that holds it). A
password or hashedPassword in USER is refused when USER is an argument; it is read when USER
comes from standard input (--json -).`

// newUser defines a command that creates the user of newUserFlags with create.
func newUser(create func(*api.Client, context.Context, api.UserCreate) (*api.User, error)) defineCall[*api.User] {
	return func(fs *flags) (func() error, userCall) {
		read := newUserFlags(fs)
		var u api.UserCreate
		check := func() (err error) {
			u, err = read()
			return err
		}
		return check, func(ctx context.Context, cl *api.Client) (*api.User, error) { return create(cl, ctx, u) }
	}
}

// newUserFlags defines the flags of a user to create: --login-id, --json USER and the
// password's source. What it returns reads them once they are parsed, as a usage error would
// say what is wrong.
func newUserFlags(fs *flags) func() (api.UserCreate, error) {
	id := fs.loginID()
	js := fs.String("json", "", "the user's other fields, a JSON object (see above); - reads it from standard input")
	pw := fs.passwordSource()
	return func() (api.UserCreate, error) {
		var u api.UserCreate
		if fs.given("json") {
			if *js == "-" && *pw.stdin {
				return u, errors.New("--json - and --password-stdin both read standard input: put the password in USER, or give it with --password-env VAR")
			}
			if err := fs.jsonFlag("json", *js, &u, "a user"); err != nil {
				return u, err
			}
			if err := checkNewUser(&u, *id, *js == "-"); err != nil {
				return u, fmt.Errorf("--json: %v", err)
			}
		}
		password, err := pw.read()
		if err != nil {
			return u, err
		}
		if password != "" && (u.Password != "" || u.HashedPassword != nil) {
			return u, errors.New("a password both in USER and from --password-stdin or --password-env: give one")
		}
		if password != "" {
			u.Password = wire.Secret(password)
		}
		u.LoginID, u.Identifier = *id, ""
		return u, nil
	}
}

// checkNewUser checks USER, read from standard input or not (an argument), for the user with
// the login ID id.
func checkNewUser(u *api.UserCreate, id string, fromStdin bool) error {
	for _, l := range []string{u.LoginID, string(u.Identifier)} {
		if l != "" && l != id {
			return fmt.Errorf("USER's login ID %q differs from --login-id %q", l, id)
		}
	}
	switch {
	case !fromStdin && (u.Password != "" || u.HashedPassword != nil):
		return errors.New("USER holds a password or hashedPassword, and an argument is visible to every user of the machine: give the password with --password-stdin or --password-env VAR, or give USER on standard input with --json -")
	case u.Invite || u.SendMail != nil || u.SendSMS != nil || u.InviteURL != "" || u.TemplateID != "" || u.TemplateOptions != nil || u.Locale != "":
		return errors.New("invite, sendMail, sendSMS, inviteUrl, templateId, templateOptions and locale are not fields of USER: the invite command sends invitations, with its flags")
	case u.Test:
		return errors.New("test is not a field of USER: create-test-user creates test users")
	}
	return checkNewPassword(u.Password, u.HashedPassword)
}

// userRef is a user named by --login-id or by --user-id, of which a command takes one.
type userRef struct {
	fs              *flags
	loginID, userID *string
	id              string // the one given, once checked
	byUserID        bool   // it is --user-id
}

func newUserRef(fs *flags) *userRef {
	return &userRef{
		fs:      fs,
		loginID: fs.String("login-id", "", "the user's login ID (or user ID)"),
		userID:  fs.String("user-id", "", "the user's user ID (instead of --login-id)"),
	}
}

// check checks that one of the flags, not empty, was given.
func (r *userRef) check() error {
	login, user := r.fs.given("login-id"), r.fs.given("user-id")
	switch {
	case login == user:
		return errors.New("give --login-id or --user-id (one of them)")
	case login && *r.loginID == "":
		return errors.New("--login-id must not be empty")
	case user && *r.userID == "":
		return errors.New("--user-id must not be empty")
	case user:
		r.id, r.byUserID = *r.userID, true
	default:
		r.id = *r.loginID
	}
	return nil
}

// importSources are the sources import-users knows.
var importSources = []string{"descope", "firebase"}

// importUsersCommand is import-users: Descope's one-call import.
func importUsersCommand() *command {
	return &command{
		name:     "import-users",
		synopsis: "--source descope|firebase [--hashes FILE] [--dry-run] USERS_FILE",
		summary:  "import users exported from Descope or Firebase, in one call",
		help: `Sends USERS_FILE (and the --hashes file), whole, in one call to Descope's import endpoint
(/v1/mgmt/user/import), and prints its answer: the users imported (with --dry-run: as they would
be, with no user ID, and nothing is created) and, in failures, each user that was not, with the
reason. Exit status 1 when some user was not imported. USERS_FILE - reads standard input.

Sources (--source):
  descope   USERS_FILE is JSON Lines, one user per line with the fields create-batch reads;
            --hashes, when given, is JSON Lines of {"loginId":...,"hashedPassword":{...}}, which
            gives the user of that login ID its password hash.
  firebase  USERS_FILE is the JSON of 'firebase auth:export --format=json'; --hashes is the
            project's password hash configuration from Firebase's console, as JSON
            ({"base64_signer_key":...,"base64_salt_separator":...,"rounds":...,"mem_cost":...}),
            needed when a user has a passwordHash.

It is one request, and not repeated blindly: users it created fail on a retry (their login IDs
exist). For many users, create-batch sends batches paced under Descope's limits, with a failed
file and a journal; a later 'import' command is to pace, resume and reconcile an import.`,
		example: []string{"--source", "descope", "users-export.jsonl"},
		define: func(fs *flags) runner {
			source := fs.require("source", "the system the users come from: "+strings.Join(importSources, " or "))
			hashes := fs.String("hashes", "", "the password hashes, a `FILE` in the source's format (- reads standard input)")
			dryRun := fs.Bool("dry-run", false, "check the import and print what it would create; create nothing")
			return func(ctx context.Context, c *cli, cmd *command, args []string) int {
				switch {
				case len(args) != 1:
					return c.usageError(cmd, "give one USERS_FILE (got %d arguments)", len(args))
				case !slices.Contains(importSources, *source):
					return c.usageError(cmd, "--source %q: want %s", *source, strings.Join(importSources, " or "))
				case args[0] == "-" && *hashes == "-":
					return c.usageError(cmd, "USERS_FILE and --hashes cannot both be standard input")
				}
				users, err := readWhole(args[0], c.stdin)
				if err != nil {
					return c.usageError(cmd, "%v", err)
				}
				var hashData []byte
				if fs.given("hashes") {
					if hashData, err = readWhole(*hashes, c.stdin); err != nil {
						return c.usageError(cmd, "--hashes: %v", err)
					}
				}
				return callAndShow(ctx, c, cmd, func(ctx context.Context, cl *api.Client) (*api.ImportResult, error) {
					return cl.Import(ctx, *source, users, hashData, *dryRun)
				}, func(c *cli, cmd *command, res *api.ImportResult) int {
					if code := printAnswer(c, cmd, res); code != exitOK {
						return code
					}
					if *dryRun {
						fmt.Fprintf(c.stderr, "dry run: nothing was created\n")
					}
					if n := len(res.Failures); n > 0 {
						fmt.Fprintf(c.stderr, "%s %s: %d of %d users were not imported (see failures)\n", progName, cmd.name, n, n+len(res.Users))
						return exitFailed
					}
					return exitOK
				})
			}
		},
	}
}

// readWhole reads the file at path whole (- : stdin); an empty file is an error.
func readWhole(path string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %v", path, pathErr(err))
	case len(strings.TrimSpace(string(data))) == 0:
		return nil, fmt.Errorf("%s is empty", path)
	}
	return data, nil
}
