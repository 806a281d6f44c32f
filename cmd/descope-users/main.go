// Command descope-users updates users through Descope's user-management API: one custom
// attribute, the names, the picture or the phone of a user; a partial update (a patch) of one
// user; or patches for thousands of users from a JSON Lines or CSV file, sent in batches with a
// progress bar, a summary and a file of the patches that failed, ready to be sent again.
//
// Usage:
//
//	descope-users [global flags] COMMAND [flags] [args]
//
// Credentials come from the environment: DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY. The
// management key is read only from there (never from a flag, so it stays out of shell history
// and process lists) and is never printed. With --fake, the command instead runs against an
// in-process fake Descope seeded with 5,000 sample users (user00000@example.com to
// user04999@example.com), which needs no credentials and no network; each such run starts a
// fresh fake, so changes do not carry over to the next command (see the demo command for a
// session whose steps share one fake).
//
// Global flags, before the command:
//
//	--fake            run against an embedded fake Descope with sample users
//	--base-url URL    the API's base URL (https, or http for a loopback host)
//	--timeout D       time limit for the whole command, e.g. 30s or 5m (0: none)
//
// Commands:
//
//	update-attribute  --login-id ID --key KEY --value VALUE
//	update-name       --login-id ID [--display-name N] [--given-name G --middle-name M --family-name F]
//	update-picture    --login-id ID --picture URL
//	update-phone      --login-id ID --phone PHONE [--verified] [--fail-on-conflict]
//	patch-user        --login-id ID --json '{"name":"Jane Doe","roleNames":["editor"]}'
//	patch             [--format jsonl|csv] [--batch-size N] [--concurrency N] [--rate R --burst B] [--failed FILE] [--dry-run] [--resume] FILE
//	demo              a scripted session against one embedded fake
//	help [COMMAND]    usage of the tool or of one command
//
// The single-user commands print the user as the API returns it, as indented JSON, on standard
// output.
//
// # Values of custom attributes
//
// The value of update-attribute --value, and of a customAttributes.<key> cell of a CSV file,
// is taken as JSON when it is valid JSON, and as a plain string otherwise: 42 is a number, true
// a boolean, null clears the attribute, ["a","b"] is a list, {"k":1} an object, and "\"42\""
// (the JSON string "42") is the string 42; plain text such as pro or 2024-01-31 is a string.
//
// # Patch files
//
// patch reads a whole file, checks every line, and only then sends anything: a malformed line
// stops the command with FILE:LINE and what is wrong (exit 2), and nothing is sent. The format
// comes from the extension (.jsonl, .ndjson or .json: JSON Lines; .csv: CSV) or from --format.
// FILE "-" reads standard input (give --format).
//
// JSON Lines: one patch object per line, with the fields of the API's PatchUser body (loginId,
// userId, email, phone, name, givenName, middleName, familyName, picture, status,
// verifiedEmail, verifiedPhone, roleNames, ssoAppIds, userTenants, customAttributes,
// additionalLoginIds, scim). An absent field is left unchanged; "" or [] (or null, for a list)
// clears a field; a null value in customAttributes removes that attribute. Unknown fields are
// errors. Blank lines are skipped. The file must be UTF-8, and numbers must fit a float64.
//
//	{"loginId":"jane@example.com","name":"Jane Doe","customAttributes":{"plan":"pro"}}
//	{"loginId":"joe@example.com","status":"disabled","roleNames":[]}
//
// CSV: a header row names the columns: loginId (required), userId, email, phone, name,
// givenName, middleName, familyName, picture, status (enabled, disabled, invited or expired, in
// any case),
// verifiedEmail and verifiedPhone (true or false), roleNames and ssoAppIds (values separated by
// ";"), and customAttributes.<key> (the cell is read as for --value above). Cells are trimmed;
// an empty cell leaves that field unchanged (it is not sent), so a CSV file cannot clear a
// field, except a custom attribute with the cell null: use JSON Lines to clear fields. A
// byte-order mark and quoted headers (as spreadsheets export them) are read; blank rows are
// skipped.
//
//	loginId,name,status,roleNames,customAttributes.plan,customAttributes.seats
//	jane@example.com,Jane Doe,,editor;billing,pro,5
//	joe@example.com,,disabled,,,
//
// The input is read twice, line by line (a check before anything is sent, then the run), and
// never held in memory. The patches that fail or are not attempted (after Ctrl-C or --timeout)
// are written, as JSON Lines that patch accepts, to --failed FILE, by default FILE.failed.jsonl
// beside the input (stdin.failed.jsonl for standard input), as soon as their outcome is known;
// a journal beside it (FILE.failed.jsonl.journal) records which patches have an outcome. Both
// are synced to disk batch by batch. Before anything is sent, patch checks that it can write
// them, and refuses (exit 2) a failed file that is the input or already holds patches of an
// earlier run. A run that ends, also by Ctrl-C, removes its journal, and removes the failed file
// when it is empty. A run that is killed outright leaves its journal: the same command with
// --resume then sends only the patches without a recorded outcome.
//
// # Exit status
//
//	0  success: the update was applied, or every patch was applied
//	1  the API refused the update or could not be reached, or some patches failed or were not
//	   attempted (interrupted)
//	2  bad usage or bad input (unknown flag or command, malformed patch file, missing
//	   credentials, a failed file that cannot be written); nothing was sent
//
// # Examples
//
//	export DESCOPE_PROJECT_ID=P2abc...
//	export DESCOPE_MANAGEMENT_KEY=K2...
//	descope-users update-attribute --login-id jane@example.com --key plan --value pro
//	descope-users update-attribute --login-id jane@example.com --key seats --value 5
//	descope-users update-name --login-id jane@example.com --display-name "Jane Doe"
//	descope-users update-phone --login-id jane@example.com --phone +15551234567 --verified
//	descope-users patch-user --login-id jane@example.com --json '{"status":"disabled"}'
//	descope-users patch --rate 50 --burst 5 users.csv
//	descope-users patch users.csv.failed.jsonl
//	descope-users patch --resume users.csv
//	descope-users --fake patch --dry-run users.jsonl
//	descope-users demo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the bulk run winds down and writes its failed file; a second
		// one kills the process the usual way.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name     string
	synopsis string // the flags and arguments, after the command's name
	summary  string // one line, for the command list
	help     string // a paragraph, for the command's own usage
	run      func(ctx context.Context, c *cli, cmd *command, args []string) int
}

var commands []*command

func init() {
	commands = []*command{
		cmdUpdateAttribute, cmdUpdateName, cmdUpdatePicture, cmdUpdatePhone,
		cmdPatchUser, cmdPatch, cmdDemo,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// cli is what a command runs with: its streams and the way to a client.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
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

// run is the whole program: it parses args and runs one command. It reads the environment only
// through env and writes only to stdout and stderr.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	progress := progressOutput(stderr)

	// Everything written goes through a filter that masks the management key: the program never
	// prints it, and the filter makes sure of that should a message ever echo it.
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
	fake := g.Bool("fake", false, "run against an embedded fake Descope seeded with sample users (no credentials, no network)")
	baseURL := g.String("base-url", "", "the API's base `URL` (https, or http for a loopback host); default: Descope's production host")
	timeout := g.Duration("timeout", 0, "time limit for the whole command, e.g. 30s or 5m (0: none)")
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
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, progress: progress, prefix: prefix}
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
		client, cerr = clientFromEnv(env, *baseURL)
		return client, cerr
	}
	return cmd.run(ctx, c, cmd, cmdArgs)
}

// clientFromEnv makes the client from DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY. Its errors
// never contain the key.
func clientFromEnv(env func(string) string, baseURL string) (*api.Client, error) {
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
	opts := []api.Option{api.WithUserAgent(userAgent)}
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
	printCommandUsage(stdout, cmd, cmd.flags())
	return exitOK
}

func printMainUsage(w io.Writer, g *flag.FlagSet) {
	fmt.Fprintf(w, `%[1]s updates users through Descope's user-management API.

Usage:
  %[1]s [global flags] COMMAND [flags] [args]
  %[1]s help COMMAND      (or %[1]s COMMAND -h) for a command's flags

Commands:
`, progName)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-17s %s\n", "help", "print this usage, or a command's")
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

// flags returns the command's flag set without parsing anything, for help.
func (cmd *command) flags() *flag.FlagSet {
	fs := newFlagSet(cmd.name)
	switch cmd.name {
	case "update-attribute":
		updateAttributeFlags(fs)
	case "update-name":
		updateNameFlags(fs)
	case "update-picture":
		updatePictureFlags(fs)
	case "update-phone":
		updatePhoneFlags(fs)
	case "patch-user":
		patchUserFlags(fs)
	case "patch":
		patchFlags(fs)
	case "demo":
		demoFlags(fs)
	}
	return fs
}

func printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [global flags] %s %s\n\n%s\n", progName, cmd.name, cmd.synopsis, strings.TrimSpace(cmd.help))
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

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
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
			for _, g := range []string{"fake", "base-url", "timeout"} {
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

// required returns an error naming the flags of names that were not given.
func required(fs *flag.FlagSet, names ...string) error {
	set := setFlags(fs)
	var missing []string
	for _, n := range names {
		if !set[n] {
			missing = append(missing, "--"+n)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s is required", missing[0])
	}
	return fmt.Errorf("%s are required", strings.Join(missing, ", "))
}

func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
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
// it. A key split across two writes would get through, but every line this program writes is
// written whole.
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
