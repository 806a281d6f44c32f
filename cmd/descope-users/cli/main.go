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
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// Main runs the tool with the process's arguments, environment and streams, and returns its exit
// status. SIGINT and SIGTERM stop it gracefully: a bulk run winds down and writes its failed
// file. Whatever it is doing, the process then ends within stopGrace, or the longer grace its
// command asks for (emulate, which writes its state; command.grace) (a read that cannot be
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
		go func() {
			// A second signal ends the process at once. (Stopping the notification instead would
			// leave a window, until that ran, in which a second signal is taken and ignored.)
			again := <-sig
			fmt.Fprintf(os.Stderr, "%s: stopped by a second %v: exiting now.\n", progName, again)
			os.Exit(exitFailed)
		}()
		grace, hint := stopGrace, " A patch run's journal keeps every outcome it recorded: continue it with --resume."
		if g := time.Duration(runningGrace.Load()); g > 0 {
			grace, hint = g, ""
		}
		time.Sleep(grace)
		fmt.Fprintf(os.Stderr, "%s: stopped by %v, and still busy %v later: exiting now.%s\n", progName, s, grace, hint)
		os.Exit(exitFailed)
	}()
	return Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
}

// stopGrace is how long the tool may take to wind down after SIGINT or SIGTERM.
const stopGrace = 5 * time.Second

// Command is a command of the tool as other packages see it: the coverage test runs each
// Example, as a command line after the global flags, with Stdin as its standard input.
type Command struct {
	Name    string
	Example []string
	Stdin   string
}

// Commands lists the tool's commands with their examples, in the order help lists them.
func Commands() []Command {
	cmds := commands()
	out := make([]Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, Command{Name: c.name, Example: append([]string{c.name}, c.example...), Stdin: c.stdin})
	}
	return out
}

// commands is every command of the tool, in the order help lists them.
func commands() []*command {
	return slices.Concat(userCommands(), readCommands(), []*command{replaceCommand(), licenseCommand()},
		lifecycleCommands(), passwordCommands(), factorCommands(), deleteCommands(),
		[]*command{patchCommand(), createBatchCommand(), importCommand(), deleteBatchCommand(), syncCommand(), demoCommand(), emulateCommand()})
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
	timeScale := g.Float64("time-scale", 1, "for a test server whose clock runs this many times as fast as real time (apitest.WithTimeScale): Retry-After and --limit are read in its time, and waits last 1/`SCALE` as long; --fake sets 60; emulate runs its clock so")
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
	cmds := commands()
	cmd := lookup(cmds, name)
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
	c := &cli{commands: cmds, stdin: stdin, env: env, stdout: stdout, stderr: stderr, data: data, progress: progress, prefix: prefix, timeScale: *timeScale}
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
	cmd := lookup(commands(), args[0])
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
	cmds := commands()
	for _, c := range cmds {
		width = max(width, len(c.name))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "help", "print this usage, or a command's")
	fmt.Fprintf(w, "\nGlobal flags (before the command):\n")
	printDefaults(w, g)
	fmt.Fprintf(w, `
Credentials:
  %[2]s and %[3]s, from the environment. The management key is read
  only from the environment and is never printed. --fake needs neither; emulate
  accepts them, or its own.

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
