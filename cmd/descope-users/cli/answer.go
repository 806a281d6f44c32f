package cli

import (
	"context"
	"fmt"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// apiCall makes one call and returns its answer.
type apiCall[R any] func(ctx context.Context, cl *api.Client) (R, error)

// userCall makes one call about one user and returns the user as the API answers it.
type userCall = apiCall[*api.User]

// defineCall registers a command's flags and returns its call, and optionally a check of the
// parsed flags that runs before anything else: its error is a usage error (exit 2, nothing sent).
type defineCall[R any] func(fs *flags) (check func() error, call apiCall[R])

// showAnswer shows the answer of a command's call and returns the command's exit status.
type showAnswer[R any] func(c *cli, cmd *command, answer R) int

// callCommand makes cmd a command of one call, which takes only flags, whose answer show
// shows.
func callCommand[R any](cmd command, define defineCall[R], show showAnswer[R]) *command {
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
			return callAndShow(ctx, cl, c, call, show)
		}
	}
	return c
}

// callAndShow connects, makes the call and shows its answer.
func callAndShow[R any](ctx context.Context, c *cli, cmd *command, call apiCall[R], show showAnswer[R]) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	answer, err := call(ctx, cl)
	if err != nil {
		return c.fail(cmd, err)
	}
	return show(c, cmd, answer)
}

// printAnswer prints the answer as indented JSON, as the API sent it, to c.data.
func printAnswer[R any](c *cli, cmd *command, answer R) int {
	if err := printJSON(c.data, answer); err != nil {
		fmt.Fprintf(c.stderr, "%s %s: the call succeeded, but printing its answer failed: %v\n", progName, cmd.name, err)
		return exitFailed
	}
	return exitOK
}

// jsonCommand makes a command of one call that prints the call's answer as JSON.
func jsonCommand[R any](cmd command, define defineCall[R]) *command {
	return callCommand(cmd, define, printAnswer[R])
}

// userCommand makes a command that makes one call about one user and prints the user.
func userCommand(cmd command, define defineCall[*api.User]) *command {
	return jsonCommand(cmd, define)
}

// doneCommand makes a command of one call that answers nothing: it prints nothing on standard
// output, and once the call succeeded, what its call returns (what was done: "deleted
// jane@example.com") on stderr.
func doneCommand(cmd command, define defineCall[string]) *command {
	return callCommand(cmd, define, func(c *cli, _ *command, done string) int {
		fmt.Fprintln(c.stderr, done)
		return exitOK
	})
}

// listAnswer is a call's list, empty rather than nil, so that it prints as [] and never null.
func listAnswer[T any](list []T, err error) ([]T, error) {
	if list == nil && err == nil {
		list = []T{}
	}
	return list, err
}

// loginIDDone defines a command that passes --login-id to do, a call that answers nothing; done
// says what was done, with %s for the login ID.
func loginIDDone(done string, do func(*api.Client, context.Context, string) error) defineCall[string] {
	return func(fs *flags) (func() error, apiCall[string]) {
		id := fs.loginID()
		return nil, func(ctx context.Context, cl *api.Client) (string, error) {
			return fmt.Sprintf(done, *id), do(cl, ctx, *id)
		}
	}
}

// loginIDCall defines a command that passes --login-id to get and prints its answer.
func loginIDCall[R any](get func(*api.Client, context.Context, string) (R, error)) defineCall[R] {
	return func(fs *flags) (func() error, apiCall[R]) {
		id := fs.loginID()
		return nil, func(ctx context.Context, cl *api.Client) (R, error) { return get(cl, ctx, *id) }
	}
}
