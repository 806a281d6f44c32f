// Package cli is the command-line tool descope-users (see its package main for usage): its
// commands, its bulk runs with their failed file and journal, and its embedded fake. It is a
// package of its own so that the module's coverage test can run every command.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
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

// Main runs the tool with the process's arguments, environment and streams, and returns its exit
// status. SIGINT and SIGTERM stop it gracefully: a bulk run winds down and writes its failed
// file. Whatever it is doing, the process then ends within stopGrace (a read that cannot be
// interrupted, say of a named pipe no one writes to, ends with it); a second signal ends it at
// once.
func Main() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		cancel()
		signal.Stop(sig) // a second signal ends the process the usual way
		time.Sleep(stopGrace)
		fmt.Fprintf(os.Stderr, "%s: stopped by %v, and still busy %v later: exiting now. A patch run's journal keeps every outcome it recorded: continue it with --resume.\n",
			progName, s, stopGrace)
		os.Exit(exitFailed)
	}()
	return Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
}

// stopGrace is how long the tool may take to wind down after SIGINT or SIGTERM.
const stopGrace = 5 * time.Second

// command is one subcommand: one row of the table in commands.go.
type command struct {
	name     string
	synopsis string // the flags and arguments, after the command's name
	summary  string // one line, for the command list
	help     string // a paragraph, for the command's own usage
	// example is a command line after the name that works against --fake's sample users. The
	// command's help prints it, and the module's coverage test runs it against a fake.
	example []string
	// define registers the command's flags on fs and returns what runs the command once they are
	// parsed, with the positional arguments.
	define func(fs *flags) runner
}

// runner runs a command whose flags are parsed.
type runner func(ctx context.Context, c *cli, cmd *command, args []string) int

// Command is a command of the tool as other packages see it: the coverage test runs each
// Example, as a command line after the global flags.
type Command struct {
	Name    string
	Example []string
}

// Commands lists the tool's commands with their examples, in the order help lists them.
func Commands() []Command {
	out := make([]Command, 0, len(commands))
	for _, c := range commands {
		out = append(out, Command{Name: c.name, Example: append([]string{c.name}, c.example...)})
	}
	return out
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// flags is a command's flag set, with the flags it requires.
type flags struct {
	*flag.FlagSet
	required []string  // given on the command line
	nonEmpty []string  // given, and not empty
	stdin    io.Reader // for commands that read a value from standard input
}

func newFlags(name string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs}
}

// require defines a string flag that must be given (it may be empty: "" often clears).
func (f *flags) require(name, usage string) *string {
	f.required = append(f.required, name)
	return f.String(name, "", usage+" (required)")
}

// loginID defines --login-id, which must be given and not empty.
func (f *flags) loginID() *string {
	f.required = append(f.required, "login-id")
	f.nonEmpty = append(f.nonEmpty, "login-id")
	return f.String("login-id", "", loginIDUsage)
}

// check returns what is wrong with the required flags after parsing, or nil.
func (f *flags) check() error {
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var missing []string
	for _, n := range f.required {
		if !set[n] {
			missing = append(missing, "--"+n)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return fmt.Errorf("%s is required", missing[0])
	default:
		return fmt.Errorf("%s are required", strings.Join(missing, ", "))
	}
	for _, n := range f.nonEmpty {
		if f.Lookup(n).Value.String() == "" {
			return fmt.Errorf("--%s must not be empty", n)
		}
	}
	return nil
}

// givenBool is a tri-state filter from a boolean flag: v when the flag was given, else nil.
func (f *flags) givenBool(name string, v bool) *bool {
	if !f.given(name) {
		return nil
	}
	return &v
}

// given reports whether the flag was set on the command line.
func (f *flags) given(name string) bool {
	found := false
	f.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

// cli is what a command runs with: its streams and the way to a client.
type cli struct {
	stdin io.Reader
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

// Run is the whole program: it parses args and runs one command. It reads the environment only
// through env and writes only to stdout and stderr.
func Run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	progress := progressOutput(stderr)

	// Everything the program says goes through a filter that masks the management key: the
	// program never prints it, and the filter makes sure of that should a message ever echo it.
	// The data it prints does not: it is written as the API sent it (the API hides the key in
	// what it shows: errors and failure reasons).
	data := stdout
	if key := strings.TrimSpace(env(envManagement)); key != "" {
		r := api.NewRedactor(key)
		stdout, stderr = redactWriter(stdout, r), redactWriter(stderr, r)
		if progress != nil {
			progress = redactWriter(progress, r)
		}
	}

	g := flag.NewFlagSet(progName, flag.ContinueOnError)
	g.SetOutput(io.Discard)
	g.Usage = func() {}
	fake := g.Bool("fake", false, "run against an embedded fake Descope seeded with sample users, with Descope's documented rate limits on a clock 60 times as fast (no credentials, no network)")
	baseURL := g.String("base-url", "", "the API's base `URL` (https, or http for a loopback host); default: Descope's production host")
	timeout := g.Duration("timeout", 0, "time limit for the whole command, e.g. 30s or 5m (0: none)")
	timeScale := g.Float64("time-scale", 1, "for a test server whose clock runs this many times as fast as real time (apitest.WithTimeScale): Retry-After and --limit are read in its time, and waits last 1/`SCALE` as long; --fake sets 60")
	if err := g.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainUsage(stdout, g)
			return exitOK
		}
		fmt.Fprintf(stderr, "%s: %v\nrun '%s help' for usage\n", progName, err, progName)
		return exitUsage
	}
	rest := g.Args()
	if len(rest) == 0 {
		printMainUsage(stderr, g)
		return exitUsage
	}
	if *fake && *baseURL != "" {
		fmt.Fprintf(stderr, "%s: --fake and --base-url exclude each other: --fake runs against its own embedded server\n", progName)
		return exitUsage
	}
	if *timeout < 0 {
		fmt.Fprintf(stderr, "%s: --timeout must not be negative\n", progName)
		return exitUsage
	}
	if !(*timeScale > 0) || math.IsInf(*timeScale, 0) { // NaN fails the first test
		fmt.Fprintf(stderr, "%s: --time-scale must be a positive, finite number (got %v)\n", progName, *timeScale)
		return exitUsage
	}
	if *fake && *timeScale != 1 {
		fmt.Fprintf(stderr, "%s: --fake and --time-scale exclude each other: --fake's clock runs %d times as fast\n", progName, fakeTimeScale)
		return exitUsage
	}

	name, cmdArgs := rest[0], rest[1:]
	if name == "help" {
		return runHelp(stdout, stderr, g, cmdArgs)
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "%s: unknown command %q; run '%s help' for the list of commands\n", progName, name, progName)
		return exitUsage
	}

	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}

	prefix := progName
	switch {
	case *fake:
		prefix += " --fake"
	case *baseURL != "":
		prefix += " --base-url " + shellQuote(*baseURL)
	}
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, data: data, progress: progress, prefix: prefix}
	var (
		client *api.Client
		cerr   error
		closer func()
	)
	defer func() {
		if closer != nil {
			closer()
		}
	}()
	c.connect = func() (*api.Client, error) {
		if client != nil || cerr != nil {
			return client, cerr
		}
		if *fake {
			var srv fakeServer
			srv, cerr = startFake(fakeOptions{users: defaultFakeUsers})
			if cerr != nil {
				cerr = &exitError{exitFailed, cerr}
				return nil, cerr
			}
			closer = srv.Close
			client, cerr = srv.client()
			return client, cerr
		}
		client, cerr = clientFromEnv(env, *baseURL, *timeScale)
		return client, cerr
	}
	return c.runCommand(ctx, cmd, cmdArgs)
}

// runCommand parses a command's flags and runs it.
func (c *cli) runCommand(ctx context.Context, cmd *command, args []string) int {
	fs := newFlags(cmd.name)
	fs.stdin = c.stdin
	run := cmd.define(fs)
	pos, code, ok := c.parse(cmd, fs.FlagSet, args)
	if !ok {
		return code
	}
	if err := fs.check(); err != nil {
		return c.usageError(cmd, "%v", err)
	}
	return run(ctx, c, cmd, pos)
}

// clientFromEnv makes the client from DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY. Its errors
// never contain the key.
func clientFromEnv(env func(string) string, baseURL string, timeScale float64) (*api.Client, error) {
	projectID := strings.TrimSpace(env(envProjectID))
	key := strings.TrimSpace(env(envManagement))
	var missing []string
	if projectID == "" {
		missing = append(missing, envProjectID)
	}
	if key == "" {
		missing = append(missing, envManagement)
	}
	if len(missing) > 0 {
		return nil, &exitError{exitUsage, fmt.Errorf(
			"no credentials: %s not set; set %s and %s to your project's ID and a management key, or pass --fake (before the command) to try the tool against an embedded fake Descope",
			strings.Join(missing, " and "), envProjectID, envManagement)}
	}
	opts := []api.Option{api.WithUserAgent(userAgent), api.WithTimeScale(timeScale)}
	if baseURL != "" {
		opts = append(opts, api.WithBaseURL(baseURL))
	}
	client, err := api.New(projectID, key, opts...)
	if err != nil {
		// api.New names the problem without the key (e.g. "management key contains white space").
		return nil, &exitError{exitUsage, err}
	}
	return client, nil
}

func runHelp(stdout, stderr io.Writer, g *flag.FlagSet, args []string) int {
	if len(args) == 0 {
		printMainUsage(stdout, g)
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil || len(args) > 1 {
		fmt.Fprintf(stderr, "%s help: unknown command %q; run '%s help' for the list of commands\n", progName, strings.Join(args, " "), progName)
		return exitUsage
	}
	fs := newFlags(cmd.name)
	cmd.define(fs)
	printCommandUsage(stdout, cmd, fs.FlagSet)
	return exitOK
}

func printMainUsage(w io.Writer, g *flag.FlagSet) {
	fmt.Fprintf(w, `%[1]s updates users through Descope's user-management API.

Usage:
  %[1]s [global flags] COMMAND [flags] [args]
  %[1]s help COMMAND      (or %[1]s COMMAND -h) for a command's flags

Commands:
`, progName)
	width := len("help")
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "help", "print this usage, or a command's")
	fmt.Fprintf(w, "\nGlobal flags (before the command):\n")
	printDefaults(w, g)
	fmt.Fprintf(w, `
Credentials:
  %[2]s and %[3]s, from the environment. The management key is read
  only from the environment and is never printed. --fake needs neither.

Exit status:
  0  done: the update was applied, or every patch of the file was applied
  1  the API refused or could not be reached, or some patches failed or were not attempted
  2  bad usage or bad input (nothing was sent)

Examples:
  %[1]s --fake update-attribute --login-id user00001@example.com --key plan --value pro
  %[1]s --fake update-name --login-id user00001@example.com --display-name "Jane Doe"
  %[1]s patch --rate 50 --burst 5 users.jsonl
  %[1]s demo
`, progName, envProjectID, envManagement)
}

func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [global flags] %s %s\n\n%s\n", progName, cmd.name, cmd.synopsis, strings.TrimSpace(cmd.help))
	if len(cmd.example) > 0 {
		fmt.Fprintf(w, "\nExample (try it with --fake):\n  %s --fake %s %s\n", progName, cmd.name, shellJoin(cmd.example))
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
			msg := err.Error()
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
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

// redactingWriter masks the management key (as api.RedactedKey) in everything written through
// it: the tool's messages and summaries, never its data (see cli.data). A key split across two
// writes would get through, but every line this program writes is written whole.
type redactingWriter struct {
	w io.Writer
	r *api.Redactor
}

func redactWriter(w io.Writer, r *api.Redactor) io.Writer {
	return &redactingWriter{w: w, r: r}
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	if _, err := rw.w.Write(rw.r.Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sortedCounts returns the keys of m by count, highest first, then by first appearance.
func sortedCounts(m map[string]int, order []string) []string {
	keys := append([]string(nil), order...)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	return keys
}

// round makes durations readable in summaries.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}
