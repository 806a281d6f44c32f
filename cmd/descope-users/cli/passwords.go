package cli

import (
	"context"
	"fmt"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// passwordCommands are the commands that set or expire a user's password, in the order help
// lists them.
func passwordCommands() []*command {
	return []*command{
		doneCommand(command{
			name:     "set-temporary-password",
			synopsis: passwordSynopsis,
			summary:  "set a user's password, to be replaced at the next sign-in",
			help:     "Sets the user's password and marks it expired: the user must choose another at the next\nsign-in. Prints nothing on standard output.\n\n" + passwordHelp,
			example:  []string{"--login-id", "user00005@example.com", "--password-stdin"},
			stdin:    "Temp-Passw0rd-5\n",
		}, setsPassword(setWith(temporaryDone, (*api.Client).SetTemporaryPassword))),

		doneCommand(command{
			name:     "set-active-password",
			synopsis: passwordSynopsis,
			summary:  "set a user's password, usable at once",
			help:     "Sets the user's password, which the user can sign in with at once. Prints nothing on standard\noutput.\n\n" + passwordHelp,
			example:  []string{"--login-id", "user00005@example.com", "--password-stdin"},
			stdin:    "Active-Passw0rd-5\n",
		}, setsPassword(setWith(activeDone, (*api.Client).SetActivePassword))),

		doneCommand(command{
			name:     "set-password",
			synopsis: passwordSynopsis + " [--active]",
			summary:  "set a user's password: temporary, or with --active usable at once",
			help: `Sets the user's password through the call behind Descope's deprecated SetPassword: a temporary
password (as set-temporary-password), or with --active one usable at once (as
set-active-password). Prints nothing on standard output.

` + passwordHelp,
			example: []string{"--login-id", "user00005@example.com", "--active", "--password-stdin"},
			stdin:   "Other-Passw0rd-5\n",
		}, setsPassword(func(fs *flags) passwordSetter {
			active := fs.Bool("active", false, "set a password usable at once (default: a temporary one)")
			return func(ctx context.Context, cl *api.Client, id, pw string) (string, error) {
				done := temporaryDone
				if *active {
					done = activeDone
				}
				return fmt.Sprintf(done, id), cl.SetPassword(ctx, id, pw, *active)
			}
		})),

		doneCommand(command{
			name:     "expire-password",
			synopsis: "--login-id ID",
			summary:  "expire a user's password: it must be reset at the next sign-in",
			help:     `Marks the user's password expired: the user must reset it at the next sign-in. Prints nothing on standard output.`,
			example:  []string{"--login-id", "user00005@example.com"},
		}, loginIDDone("expired the password of %s", (*api.Client).ExpirePassword)),
	}
}

const passwordSynopsis = "--login-id ID (--password-stdin | --password-env VAR)"

// passwordHelp says where the password comes from.
const passwordHelp = `The password is never an argument: arguments are visible to every user of the machine, and
shell history keeps them. --password-stdin reads it from the first line of standard input (as
from < password.txt; the line break is not part of it); --password-env VAR reads it from the
environment variable VAR. It shows in no output and no error.`

// What the password commands say they did, with %s for the login ID.
const (
	temporaryDone = "set a temporary password for %s (to be replaced at the next sign-in)"
	activeDone    = "set an active password for %s"
)

// setWith is the passwordSetter of a command that sets the password with set, and says done.
func setWith(done string, set func(cl *api.Client, ctx context.Context, id, password string) error) func(*flags) passwordSetter {
	return func(*flags) passwordSetter {
		return func(ctx context.Context, cl *api.Client, id, pw string) (string, error) {
			return fmt.Sprintf(done, id), set(cl, ctx, id, pw)
		}
	}
}

// passwordSetter sets the password of the user id and says what was done.
type passwordSetter func(ctx context.Context, cl *api.Client, id, password string) (done string, err error)

// setsPassword defines a command that sets the password of --login-id, read from its source,
// with the setter define returns (which may define flags of its own).
func setsPassword(define func(fs *flags) passwordSetter) defineCall[string] {
	return func(fs *flags) (func() error, apiCall[string]) {
		id := fs.loginID()
		source := fs.passwordSource()
		set := define(fs)
		var password string
		check := func() (err error) {
			password, err = source.require()
			return err
		}
		return check, func(ctx context.Context, cl *api.Client) (string, error) { return set(ctx, cl, *id, password) }
	}
}
