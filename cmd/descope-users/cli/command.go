package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

const (
	progName      = "descope-users"
	envProjectID  = "DESCOPE_PROJECT_ID"
	envManagement = "DESCOPE_MANAGEMENT_KEY"
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	userAgent     = "descope-users (descope-mgmt-go)"
)

// command is one subcommand: one row of the table (commands).
type command struct {
	name     string
	synopsis string // the flags and arguments, after the command's name
	summary  string // one line, for the command list
	help     string // a paragraph, for the command's own usage
	// example is a command line after the name that works against --fake's sample users. The
	// command's help prints it, and the module's coverage test runs it against a fake.
	example []string
	// stdin is the example's standard input (a password, for --password-stdin), or "".
	stdin string
	// define registers the command's flags on fs and returns what runs the command once they are
	// parsed, with the positional arguments.
	define func(fs *flags) runner
	// serves is set for a command that serves the API instead of calling it (emulate): its
	// example needs no --fake.
	serves bool
	// grace, when set, is how long the command may take to wind down after SIGINT or SIGTERM,
	// instead of stopGrace (see Main).
	grace time.Duration
}

// runningGrace is the grace of the command that runs, in nanoseconds; 0: stopGrace. Main reads it
// when a signal comes.
var runningGrace atomic.Int64

// runner runs a command whose flags are parsed.
type runner func(ctx context.Context, c *cli, cmd *command, args []string) int

// cli is what a command runs with: its streams and the way to a client.
type cli struct {
	// commands is the table of commands (the demo runs them).
	commands []*command
	stdin    io.Reader
	// env reads the environment (for --password-env).
	env func(string) string
	// stdout and stderr mask the management key in what the tool says: messages, summaries,
	// plans, help.
	stdout, stderr io.Writer
	// data is standard output as it is, for the data the tool prints: the users the API
	// returned (load, search, export, and the user a single-user command prints), which must be
	// exactly what the API sent, even where a value holds the key's text (a middle name, a
	// custom attribute), so that export and patch round-trip.
	data io.Writer
	// progress receives the bulk progress bar; nil when stderr is not a terminal.
	progress io.Writer
	// prefix is how the commands' own command lines start, for hints: "descope-users --fake".
	prefix string
	// timeScale is the global --time-scale (1 unless given): how many times as fast as real time
	// the server's clock runs.
	timeScale float64
	// connect returns the client to use, creating it (and the fake) on first use. Its error
	// carries the exit status.
	connect func() (*api.Client, error)
}

// exitError is an error with the exit status it calls for.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitFailed
}

// lookup returns the command of cmds with that name, or nil.
func lookup(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// runCommand parses a command's flags and runs it.
func (c *cli) runCommand(ctx context.Context, cmd *command, args []string) int {
	fs := newFlags(cmd.name)
	fs.stdin, fs.env = c.stdin, c.env
	run := cmd.define(fs)
	if cmd.grace > 0 {
		runningGrace.Store(int64(cmd.grace))
	}
	pos, code, ok := c.parse(cmd, fs.FlagSet, args)
	if !ok {
		return code
	}
	if err := fs.check(); err != nil {
		return c.usageError(cmd, "%v", err)
	}
	return run(ctx, c, cmd, pos)
}

// parse parses a command's flags, allowing flags after positional arguments ("patch FILE
// --batch-size 10"). ok is false when the command should stop with code: after -h (usage on
// stdout, 0) or a bad flag (message and usage on stderr, 2).
func (c *cli) parse(cmd *command, fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandUsage(c.stdout, cmd, fs)
				return nil, exitOK, false
			}
			msg := passwordFlagError(err.Error(), fs)
			for _, g := range []string{"fake", "base-url", "timeout", "time-scale"} {
				if strings.Contains(msg, "-"+g) && fs.Lookup(g) == nil {
					msg += fmt.Sprintf(" (--%s is a global flag: put it before the command, as in '%s --%s %s ...')", g, progName, g, cmd.name)
					break
				}
			}
			fmt.Fprintf(c.stderr, "%s %s: %s\n\n", progName, cmd.name, msg)
			printCommandUsage(c.stderr, cmd, fs)
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// usageError prints a usage problem of a command and returns exit status 2.
func (c *cli) usageError(cmd *command, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "%s %s: %s\nrun '%s help %s' for usage\n", progName, cmd.name, fmt.Sprintf(format, a...), progName, cmd.name)
	return exitUsage
}

// fail prints err as one line and returns its exit status.
func (c *cli) fail(cmd *command, err error) int {
	fmt.Fprintf(c.stderr, "%s %s: %s\n", progName, cmd.name, oneLine(describeError(err)))
	code := exitCode(err)
	if errors.Is(err, api.ErrInvalidArgument) {
		code = exitUsage
	}
	return code
}

// describeError adds hints to the errors a user can act on.
func describeError(err error) string {
	msg := err.Error()
	var e *api.Error
	switch {
	case errors.As(err, &e) && e.StatusCode == 401:
		msg += fmt.Sprintf(" (check %s and %s)", envProjectID, envManagement)
	case errors.Is(err, context.DeadlineExceeded):
		msg += " (the --timeout ran out)"
	case errors.Is(err, context.Canceled):
		msg += " (interrupted)"
	}
	return msg
}

func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [global flags] %s %s\n\n%s\n", progName, cmd.name, cmd.synopsis, strings.TrimSpace(cmd.help))
	switch {
	case cmd.example != nil && cmd.serves:
		fmt.Fprintf(w, "\nExample:\n  %s%s %s\n", stdinPipe(cmd.stdin), progName, strings.TrimSpace(cmd.name+" "+shellJoin(cmd.example)))
	case cmd.example != nil:
		fmt.Fprintf(w, "\nExample (try it with --fake):\n  %s%s --fake %s\n", stdinPipe(cmd.stdin), progName, strings.TrimSpace(cmd.name+" "+shellJoin(cmd.example)))
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags (-flag and --flag both work):\n")
		printDefaults(w, fs)
	}
	fmt.Fprintf(w, "\nRun '%s help' for the global flags (--fake, --base-url, --timeout) and credentials.\n", progName)
}

func printDefaults(w io.Writer, fs *flag.FlagSet) {
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// stdinPipe is how a command line shows its standard input, stdin: echo STDIN | (nothing when
// it is "").
func stdinPipe(stdin string) string {
	if stdin == "" {
		return ""
	}
	return "echo " + shellQuote(strings.TrimSuffix(stdin, "\n")) + " | "
}

// shellJoin quotes each argument for a POSIX shell and joins them.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fileArg is path as a command line's last argument.
func fileArg(path string) string {
	if strings.HasPrefix(path, "-") {
		return "-- " + shellQuote(path)
	}
	return shellQuote(path)
}
