package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

const (
	emulateAddr = "127.0.0.1:4100"
	// emulateDrain is how long emulate lets the requests in flight finish once told to stop.
	emulateDrain = 30 * time.Second
	// emulateGrace is how long emulate may take to stop after a signal: the requests in flight,
	// then the state, which for a million users takes seconds to write.
	emulateGrace = 2 * time.Minute
	// emulateRequestLog is how many requests the emulator's journal keeps by default.
	emulateRequestLog = 10000
	// emulateMemoryLimit is the soft memory limit emulate gives Go's garbage collector when
	// GOMEMLIMIT sets none: a million users with custom attributes of their own take about 600 MB
	// of heap, which the collector's default alone (GOGC=100, a heap up to twice what is live)
	// would let grow past 1.2 GB.
	emulateMemoryLimit = 800 << 20
)

// emulateCommand is emulate: the fake Descope (package apitest) served for other programs, as
// Firebase's Auth Emulator is for Firebase: one process on the real paths, which every SDK reaches
// by its base URL, its state imported and exported.
func emulateCommand() *command {
	return &command{
		name:     "emulate",
		synopsis: "[--addr HOST:PORT] [--seed FILE] [--state FILE] [--limits L] [--faults F] [flags]",
		summary:  "serve a fake Descope (an emulator) for SDKs and tests, until stopped",
		help: `Serves the fake Descope of package apitest (every operation of the spec, held to it: an invalid
request is refused as Descope would) on --addr, for programs in any language: point Descope's
Node, Python, Go or .NET SDK, this module's api package or this tool's --base-url at the URL it
prints. The first line of standard output is exactly "listening on http://HOST:PORT" (the port
it got for an address ending in :0); then how to point each SDK at it.

It listens on loopback only, unless --allow-remote lets --addr name another address (0.0.0.0:4100
in a container). The credentials it accepts: --project-id and --management-key, else
DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY from the environment, else the documented fake ones
(apitest.DefaultProjectID and apitest.DefaultManagementKey), the only key it ever prints. Give it
a key of its own, never a real one: --management-key is visible to every user of the machine.

State: --seed FILE loads users at the start, JSON Lines, each line a patch as export writes it
(the user gets a new user ID, or the patch's userId) or a user as the API returns it (a user
object with loginIds, or {"user": {...}}), keeping its userId; a bad line stops it (FILE:LINE,
exit 2). A seed holds no passwords: set them through the API, and keep them with --state. --state FILE keeps the whole state across restarts: loaded at the start when FILE exists
(then --seed is not read), and written when it stops, atomically (a temporary file in FILE's
directory, readable by you alone, synced and renamed over FILE): every user with its user ID,
password hashes (never a password), TOTP, passkeys, trusted devices, provider tokens, sign-in
history, consent, the custom attribute definitions, and what keeps new user IDs from repeating
old ones.

It stops on SIGINT (Ctrl-C), SIGTERM or --timeout: it accepts no more connections, lets the
requests in flight finish (up to 30s), writes --state, and exits 0; a second signal ends it at
once (the previous FILE stays whole). --check loads --seed or --state, prints what it would serve
and exits, serving nothing.

A control API under /emulator/v1/, with the same credentials (Authorization: Bearer
PROJECT:KEY), resets, reads and replaces the state, lists the users and the requests (the last
--request-log, bodies without their secrets), adds fault rules for the next calls of an
operation, and checks a password:
  curl -X POST -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/reset
  curl -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/state > state.jsonl
  curl -X PUT --data-binary @state.jsonl -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/state
  curl -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/users
  curl -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/requests    (DELETE empties it)
  curl -X POST -d '{"operation":"PatchUser","count":3,"status":429,"retryAfter":5}' \
       -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/faults     (GET lists, DELETE clears;
       or {"status":503}, {"delay":"2s"}, {"cut":true}; "operation" "*" or absent: every operation)
  curl -X POST -d '{"loginId":"jane@example.com","password":"..."}' \
       -H "Authorization: Bearer $P:$K" http://127.0.0.1:4100/emulator/v1/password/check   -> {"matches":true}

--limits none (the default) answers every call: the emulator is shared by every test and SDK
pointed at it, and Descope's limits (100 to 200 calls a minute, then a 60-second lock-out) would
fail a suite's bursts for a reason unrelated to what it tests. --limits descope enforces them
(test a client's back-off, best with --time-scale 60); --limits SPEC sets your own windows,
NAME=COUNT/WINDOW for create, update, search and default (every other path), and lockout=D (60s
unless given): create=100/1m,update=200/1m,search=200/1m,default=100/1m,lockout=60s.

--time-scale S runs the emulator's clock S times as fast (a minute's window passes in 60/S
seconds; Retry-After still counts its seconds, as Descope's does), so clients must scale their
waits alike: api.WithTimeScale(S), descope-users --time-scale S. The global --time-scale (before
the command) describes the server's clock for every command, so it sets the emulator's too; give
one or the other.

Memory: a million users with custom attributes of their own take about 600 MB. Unless GOMEMLIMIT
is set in its environment, emulate asks Go's garbage collector to keep the process within 800 MiB
(GOMEMLIMIT=800MiB), which holds a million users; past it the collector works ever harder (up to
half the CPU), so give a larger seed room: GOMEMLIMIT=2GiB, or GOMEMLIMIT=off.`,
		example: []string{"--check", "--seed", "users.jsonl"},
		serves:  true,
		grace:   emulateGrace,
		define:  defineEmulate,
	}
}

// emulateFlags are emulate's flags.
type emulateFlags struct {
	fs                    *flags
	addr, seed, state     *string
	allowRemote, check    *bool
	projectID, key        *string
	limits, faults        *string
	timeScale             *float64
	validate              *bool
	testUserLimit, reqLog *int
}

func defineEmulate(fs *flags) runner {
	o := &emulateFlags{
		fs:            fs,
		addr:          fs.String("addr", emulateAddr, "listen on `HOST:PORT` (:0 picks a free port); a host that is not loopback needs --allow-remote"),
		allowRemote:   fs.Bool("allow-remote", false, "let --addr name an address other machines reach (0.0.0.0:4100 in a container): anyone who reaches it and knows the key can read and change its users"),
		seed:          fs.String("seed", "", "load the users of this JSON Lines `FILE` at the start: patches as export writes them, or users as the API returns them"),
		state:         fs.String("state", "", "keep the state in `FILE`: loaded at the start when it exists (instead of --seed), written on exit"),
		projectID:     fs.String("project-id", "", "the project `ID` the emulator accepts (default: $DESCOPE_PROJECT_ID, else "+apitest.DefaultProjectID+")"),
		key:           fs.String("management-key", "", "the management `KEY` the emulator accepts (default: $DESCOPE_MANAGEMENT_KEY, else the documented fake key); never a real one"),
		limits:        fs.String("limits", "none", "rate limits: none, descope (Descope's documented limits) or a `SPEC` such as create=100/1m,search=200/1m,default=100/1m,lockout=60s"),
		timeScale:     fs.Float64("time-scale", 1, "run the emulator's clock `S` times as fast as real time (its limits' windows and lock-outs); clients scale their waits alike"),
		validate:      fs.Bool("validate-responses", false, "check every answer the emulator sends against the spec, reporting a mismatch on stderr (a self-check of the emulator, about 3 times the cost of a page; requests are always validated)"),
		faults:        fs.String("faults", "", "make a share of the calls fail: `F` such as error-rate=0.1,cut-rate=0.05,latency=200ms,seed=1"),
		testUserLimit: fs.Int("test-user-limit", apitest.DefaultTestUserLimit, "how many test users the project may have (Descope's free tier: 5; 0: no limit)"),
		reqLog:        fs.Int("request-log", emulateRequestLog, "how many of the last requests the journal (GET /emulator/v1/requests) keeps; 0: all"),
		check:         fs.Bool("check", false, "load --seed or --state, print what would be served, and exit without serving"),
	}
	return o.run
}

// credentials are the project ID and key the emulator accepts, and where the key came from.
type credentials struct {
	projectID, key string
	keyFrom        string // "default", "flag" or "env"
}

func (o *emulateFlags) credentials(env func(string) string) credentials {
	cr := credentials{projectID: *o.projectID, key: *o.key, keyFrom: "flag"}
	if cr.projectID == "" {
		cr.projectID = strings.TrimSpace(env(envProjectID))
	}
	if cr.projectID == "" {
		cr.projectID = apitest.DefaultProjectID
	}
	if !o.fs.given("management-key") {
		cr.key, cr.keyFrom = strings.TrimSpace(env(envManagement)), "env"
		if cr.key == "" {
			cr.key, cr.keyFrom = apitest.DefaultManagementKey, "default"
		}
	}
	if cr.key == apitest.DefaultManagementKey {
		cr.keyFrom = "default"
	}
	return cr
}

// emulation is what emulate serves, as its flags say.
type emulation struct {
	opts   []apitest.Option
	cr     credentials
	users  string // where the users come from, for the setup
	limits string
	scale  float64
	faults string
	state  string // --state, or ""
	// remote: --addr is not loopback (--allow-remote); anywhere: it names no host (0.0.0.0, ::
	// or none), so that clients on this machine reach it at 127.0.0.1.
	remote, anywhere bool
	// closeInput closes the state or seed file once the emulator has read it.
	closeInput func()
}

// prepare reads the flags and the files, and returns what to serve; its errors carry their exit
// status.
func (o *emulateFlags) prepare(c *cli) (*emulation, error) {
	usage := func(format string, a ...any) error { return &exitError{exitUsage, fmt.Errorf(format, a...)} }
	host, _, err := net.SplitHostPort(*o.addr)
	if err != nil {
		return nil, usage("--addr %q is not HOST:PORT: %v", *o.addr, pathErr(err))
	}
	if !isLoopback(host) && !*o.allowRemote {
		return nil, usage("--addr %s is reachable from other machines: give --allow-remote to mean it (or listen on 127.0.0.1)", *o.addr)
	}
	scale, global := *o.timeScale, c.timeScale
	if global == 0 {
		global = 1 // a cli made without the global flags (the demo's)
	}
	switch {
	case o.fs.given("time-scale") && global != 1 && global != scale:
		return nil, usage("the global --time-scale %v and emulate's --time-scale %v differ: both set the emulator's clock; give one", global, scale)
	case !o.fs.given("time-scale"):
		scale = global
	}
	if !(scale > 0) || scale > 1e6 {
		return nil, usage("--time-scale must be a positive number, at most 1000000 (got %v)", scale)
	}
	limits, err := parseLimits(*o.limits)
	if err != nil {
		return nil, usage("--limits: %v", err)
	}
	faults, err := parseFaults(*o.faults)
	if err != nil {
		return nil, usage("--faults: %v", err)
	}
	if *o.testUserLimit < 0 || *o.reqLog < 0 {
		return nil, usage("--test-user-limit and --request-log must be 0 or more")
	}
	e := &emulation{cr: o.credentials(c.env), scale: scale, state: *o.state, limits: describeLimits(limits), faults: *o.faults,
		remote: !isLoopback(host), closeInput: func() {}}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		e.anywhere = true
	}
	e.opts = []apitest.Option{
		apitest.WithCredentials(e.cr.projectID, e.cr.key), apitest.WithControlAPI(),
		apitest.WithRequestLogLimit(*o.reqLog), apitest.WithTestUserLimit(*o.testUserLimit),
		apitest.WithTimeScale(scale), apitest.WithFaults(faults),
	}
	if len(limits) > 0 {
		e.opts = append(e.opts, apitest.WithLimits(limits...))
	}
	if *o.allowRemote {
		e.opts = append(e.opts, apitest.WithRemoteAccess())
	}
	if *o.validate {
		var mu sync.Mutex
		e.opts = append(e.opts, apitest.WithResponseValidation(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(c.stderr, "%s emulate: an answer does not match the spec (a bug of the emulator): %v\n", progName, err)
		}))
	}

	e.users = ""
	if *o.state != "" {
		if err := checkWritableDir(*o.state); err != nil {
			return nil, usage("--state %s: %v", *o.state, err)
		}
		if _, err := os.Stat(*o.state); !errors.Is(err, os.ErrNotExist) {
			f, err := openInput(*o.state)
			if err != nil {
				return nil, usage("--state: %v", err)
			}
			e.opts = append(e.opts, apitest.WithState(f))
			e.closeInput = func() { _ = f.Close() }
			e.users = ", from " + *o.state
			if *o.seed != "" {
				e.users += fmt.Sprintf(" (--seed %s not read: the state wins)", *o.seed)
			}
			return e, nil
		}
	}
	if *o.seed != "" {
		f, err := openInput(*o.seed)
		if err != nil {
			return nil, usage("%v", err)
		}
		e.opts = append(e.opts, apitest.WithSeed(seedUsers(*o.seed, f)))
		e.closeInput = func() { _ = f.Close() }
		e.users = ", from " + *o.seed
	}
	return e, nil
}

// isLoopback reports whether a host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (o *emulateFlags) run(ctx context.Context, c *cli, cmd *command, args []string) int {
	if len(args) > 0 {
		return c.usageError(cmd, "unexpected argument %q (emulate takes only flags)", args[0])
	}
	if os.Getenv("GOMEMLIMIT") == "" { // the runtime read it at the start
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(emulateMemoryLimit))
	}
	e, err := o.prepare(c)
	if err != nil {
		if exitCode(err) == exitUsage {
			return c.usageError(cmd, "%v", err)
		}
		return c.fail(cmd, err)
	}
	if e.remote {
		fmt.Fprintf(c.stderr, "%s emulate: warning: %s is an address other machines may reach (--allow-remote): anyone who reaches it and knows the key can read and change its users, and read their password hashes\n", progName, *o.addr)
	}
	addr := *o.addr
	if *o.check {
		addr = "127.0.0.1:0" // the check binds nothing the emulator would
	}
	srv, err := apitest.Start(append(e.opts, apitest.WithAddr(addr))...)
	e.closeInput()
	if err != nil {
		return startFailed(c, cmd, err, e)
	}
	if *o.check {
		n := srv.UserCount()
		srv.Close()
		url := "http://" + *o.addr
		fmt.Fprintf(c.stdout, "would listen on %s (--check: nothing is served)\n", url)
		e.describe(c.stdout, url, n)
		return exitOK
	}
	defer srv.Close()
	fmt.Fprintf(c.stdout, "listening on %s\n", srv.URL)
	e.describe(c.stdout, srv.URL, srv.UserCount())

	<-ctx.Done()
	why := "interrupted"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		why = "the --timeout passed"
	}
	fmt.Fprintf(c.stderr, "%s emulate: stopping (%s): letting the requests in flight finish\n", progName, why)
	drain, cancel := context.WithTimeout(context.Background(), emulateDrain)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		fmt.Fprintf(c.stderr, "%s emulate: requests still in flight after %v were cut\n", progName, emulateDrain)
	}
	if e.state == "" {
		return exitOK
	}
	n := srv.UserCount()
	if err := writeAtomically(e.state, srv.WriteState); err != nil {
		fmt.Fprintf(c.stderr, "%s emulate: the state was NOT written (%s keeps what it held): %v\n", progName, e.state, err)
		return exitFailed
	}
	fmt.Fprintf(c.stderr, "%s emulate: state written to %s (%d users)\n", progName, e.state, n)
	return exitOK
}

// startFailed says why the emulator could not start: an address it could not listen on (in use:
// exit 1), or what it refused (exit 2): a state, by FILE:LINE, the credentials, the seed's users.
func startFailed(c *cli, cmd *command, err error, e *emulation) int {
	var se *apitest.StateError
	var oe *net.OpError
	var seed *exitError // what the seed's reader refused, by FILE:LINE
	switch {
	case errors.As(err, &se):
		return c.usageError(cmd, "%s:%d: %s", e.state, se.Line, se.Problem)
	case errors.As(err, &seed):
		return c.usageError(cmd, "%v", seed.err)
	case errors.As(err, &oe):
		return c.fail(cmd, fmt.Errorf("cannot listen on %s: %v", oe.Addr, oe.Err))
	}
	return c.usageError(cmd, "%s", strings.TrimPrefix(err.Error(), "apitest: "))
}

// describe prints what is served at url and how to point each SDK at it.
func (e *emulation) describe(w io.Writer, url string, users int) {
	if e.anywhere { // on this machine; from another, its name instead of 127.0.0.1
		url = "http://127.0.0.1" + url[strings.LastIndex(url, ":"):]
	}
	key, keyNote := e.cr.key, "the documented fake key (apitest.DefaultManagementKey)"
	var node, python, goKey, dotnet, cliEnv string
	switch e.cr.keyFrom {
	case "default":
		node, python, goKey, dotnet = "'"+key+"'", "'"+key+"'", strconv.Quote(key), strconv.Quote(key)
		cliEnv = fmt.Sprintf("%s=%s %s=%s ", envProjectID, e.cr.projectID, envManagement, key)
	case "env":
		keyNote = "the one in $" + envManagement + " (not shown)"
		node, python = "process.env."+envManagement, "os.environ['"+envManagement+"']"
		goKey, dotnet = `os.Getenv("`+envManagement+`")`, `Environment.GetEnvironmentVariable("`+envManagement+`")`
		cliEnv = envProjectID + "=" + e.cr.projectID + " "
	default:
		keyNote = "the one given to --management-key (not shown)"
		node, python, goKey, dotnet = "'<KEY>'", "'<KEY>'", `"<KEY>"`, `"<KEY>"`
		cliEnv = fmt.Sprintf("%s=%s %s='<KEY>' ", envProjectID, e.cr.projectID, envManagement)
	}
	state := "not kept: give --state FILE to keep it across restarts"
	if e.state != "" {
		state = e.state + ", written when the emulator stops"
	}
	clock := "real time"
	if e.scale != 1 {
		clock = fmt.Sprintf("%g times as fast: scale clients' waits alike (api.WithTimeScale(%g), %s --time-scale %g)", e.scale, e.scale, progName, e.scale)
	}
	faults := e.faults
	if faults == "" {
		faults = "none"
	}
	p := e.cr.projectID
	fmt.Fprintf(w, `
The Descope emulator (%[1]s emulate): Descope's user-management API, held to its spec.
  project ID      %[2]s
  management key  %[3]s
  users           %[4]d%[5]s
  state           %[6]s
  limits          %[7]s
  clock           %[8]s
  faults          %[9]s
  control API     %[10]s/emulator/v1/ (reset, state, users, requests, faults, password/check), the same credentials

Point your code at it:
  Node    DescopeClient({ projectId: '%[2]s', managementKey: %[11]s, baseUrl: '%[10]s' })
  Python  DescopeClient(project_id='%[2]s', management_key=%[12]s, base_url='%[10]s')
          (or DESCOPE_BASE_URI=%[10]s in its environment)
  Go      client.NewWithConfig(&client.Config{ProjectID: %[13]q, ManagementKey: %[14]s, DescopeBaseURL: %[15]q})
  .NET    DescopeManagementClientFactory.Create(new DescopeClientOptions { ProjectId = %[13]q, ManagementKey = %[16]s, BaseUrl = %[15]q })
  api     api.New(%[13]q, %[14]s, api.WithBaseURL(%[15]q))
  CLI     %[17]s%[1]s --base-url %[10]s search

Stop it with Ctrl-C or SIGTERM: the requests in flight finish, then the state is written.
`, progName, p, keyNote, users, e.users, state, e.limits, clock, faults, url, node, python, p, goKey, url, dotnet, cliEnv)
}

// checkWritableDir checks that a file can be created beside path, as the state will be.
func checkWritableDir(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
	if err != nil {
		return fmt.Errorf("cannot write beside it: %v", pathErr(err))
	}
	_ = f.Close()
	return os.Remove(f.Name())
}

// writeAtomically writes a file with write, so that path is either what it was or all of it:
// write goes to a temporary file in path's directory, created readable by its owner alone, which
// is synced, closed and renamed over path; then the directory is synced, so that the rename
// survives a power cut. A failure removes the temporary file and leaves path as it was.
func writeAtomically(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("creating a temporary file beside %s: %v", path, pathErr(err))
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %v", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %v", f.Name(), err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("renaming %s over %s: %v", f.Name(), path, err)
	}
	if runtime.GOOS != "windows" { // a directory cannot be synced there; the rename is durable
		d, derr := os.Open(dir)
		if derr == nil {
			derr = d.Sync()
			_ = d.Close()
		}
		if derr != nil {
			return fmt.Errorf("%s was written, but syncing its directory failed: %v", path, derr)
		}
	}
	return nil
}

// seedRecords are the lines --seed reads: a patch as export writes it, or a user as the API
// returns it (with loginIds, or as {"user": {...}}).
var seedRecords = records[gen.User]{
	noun:   noun{"user", "users"},
	decode: decodeSeedLine,
	check:  func(*gen.User) error { return nil },
	help:   "JSON Lines: a patch (loginId...) or a user (loginIds..., or {\"user\": {...}}) a line",
}

// decodeSeedLine reads one line of a seed file: a patch, read by patch's own decoder, or else a
// whole user when it has loginIds or user (neither is a field of a patch, so that a line with one
// never reads as a patch).
func decodeSeedLine(line []byte) (gen.User, error) {
	p, err := decodePatchLine(line)
	if err == nil {
		return userOfPatch(p), nil
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) == nil {
		if _, ok := keys["user"]; ok {
			var r gen.UserResponse
			if err := decodeObject(line, &r, "{\"user\": a user}", false); err != nil {
				return gen.User{}, err
			}
			return r.User, checkSeedUser(r.User, "user.")
		}
		if _, ok := keys["loginIds"]; ok {
			var u gen.User
			if err := decodeObject(line, &u, "a user", false); err != nil {
				return gen.User{}, err
			}
			return u, checkSeedUser(u, "")
		}
	}
	return gen.User{}, err
}

// checkSeedUser checks what a user of a seed needs.
func checkSeedUser(u gen.User, at string) error {
	if len(u.LoginIDs) == 0 {
		return fmt.Errorf("%sloginIds is empty: a user has at least one login ID", at)
	}
	for i, id := range u.LoginIDs {
		if id == "" {
			return fmt.Errorf("%sloginIds[%d] is empty", at, i)
		}
	}
	return nil
}

// userOfPatch is the user a patch describes: what it sets, on a user with no other field.
func userOfPatch(p api.UserPatch) gen.User {
	val := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	flag := func(b *bool) bool { return b != nil && *b }
	list := func(l *[]string) []string {
		if l == nil || len(*l) == 0 {
			return nil
		}
		return slices.Clone(*l)
	}
	u := gen.User{
		LoginIDs: []string{string(p.LoginID)}, UserID: val(p.UserID),
		Email: val(p.Email), Phone: val(p.Phone), Name: val(p.Name), GivenName: val(p.GivenName),
		MiddleName: val(p.MiddleName), FamilyName: val(p.FamilyName), Picture: val(p.Picture),
		VerifiedEmail: flag(p.VerifiedEmail), VerifiedPhone: flag(p.VerifiedPhone), SCIM: flag(p.Scim),
		RecoveryEmail: val(p.RecoveryEmail), VerifiedRecoveryEmail: flag(p.VerifiedRecoveryEmail),
		RecoveryPhone: val(p.RecoveryPhone), VerifiedRecoveryPhone: flag(p.VerifiedRecoveryPhone),
		RoleNames: list(p.RoleNames), SsoAppIDs: list(p.SsoAppIDs),
	}
	for _, id := range list(p.AdditionalLoginIDs) {
		if !slices.Contains(u.LoginIDs, id) {
			u.LoginIDs = append(u.LoginIDs, id)
		}
	}
	if p.Status != nil {
		u.Status = string(*p.Status)
	}
	if p.UserTenants != nil {
		for _, t := range *p.UserTenants {
			u.UserTenants = append(u.UserTenants, gen.UserTenant{TenantID: t.TenantID, RoleNames: list(t.RoleNames)})
		}
	}
	if p.CustomAttributes != nil {
		for k, v := range *p.CustomAttributes {
			if v != nil { // null removes an attribute: the new user has none to remove
				if u.CustomAttributes == nil {
					u.CustomAttributes = map[string]any{}
				}
				u.CustomAttributes[k] = v
			}
		}
	}
	return u
}

// seedUsers returns the reader of apitest.WithSeed for the seed file f, named path: the user of
// each line goes to the emulator's store as the line is read, so that the file's users are never
// held beside the stored ones. A line that does not read, or whose user has a login ID or user ID
// of another line's user, stops it, by FILE:LINE (an *exitError).
func seedUsers(path string, f io.Reader) func(add func(gen.User) error) error {
	return func(add func(gen.User) error) error {
		var lines []int32 // the line of each user added, by its position in the store
		err := scanRecords(path, f, formatJSONL, seedRecords, func(line int, u gen.User) error {
			var taken *apitest.IDTakenError
			switch err := add(u); {
			case errors.As(err, &taken):
				return fmt.Errorf("%s:%d: %q is a login ID or user ID of the user on line %d too", path, line, taken.ID, lines[taken.Other])
			case err != nil:
				return fmt.Errorf("%s:%d: %v", path, line, err)
			}
			lines = append(lines, int32(line))
			return nil
		})
		if err != nil {
			return &exitError{exitUsage, err}
		}
		return nil
	}
}

// parseLimits reads --limits: none, descope, or NAME=COUNT/WINDOW items for Descope's route
// groups (create, update, search, default) and lockout=D.
func parseLimits(spec string) ([]apitest.WindowLimit, error) {
	switch spec {
	case "none", "":
		return nil, nil
	case "descope":
		return apitest.DescopeLimits(), nil
	}
	groups := map[string]apitest.WindowLimit{}
	for _, l := range apitest.DescopeLimits() {
		name := strings.TrimPrefix(l.Name, "user ")
		if len(l.Paths) == 0 {
			name = "default"
		}
		groups[name] = l
	}
	lockout, lockoutGiven := api.DocumentedBackoff, false
	var out []apitest.WindowLimit
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("%q is not NAME=COUNT/WINDOW (or none, or descope)", item)
		}
		if seen[name] {
			return nil, fmt.Errorf("%s is given twice", name)
		}
		seen[name] = true
		if name == "lockout" {
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("lockout=%s: not a duration of 0 or more, as 60s", value)
			}
			lockout, lockoutGiven = d, true
			continue
		}
		g, ok := groups[name]
		if !ok {
			return nil, fmt.Errorf("%q: the limits are create, update, search, default (every other path) and lockout", name)
		}
		count, window, ok := strings.Cut(value, "/")
		n, err := strconv.Atoi(count)
		d, err2 := time.ParseDuration(window)
		if !ok || err != nil || n < 1 || err2 != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%s: not COUNT/WINDOW with a COUNT of 1 or more and a positive WINDOW, as 100/1m", name, value)
		}
		g.Limit = api.Limit{Count: n, Window: d}
		out = append(out, g)
	}
	if len(out) == 0 && lockoutGiven {
		return nil, errors.New("lockout alone limits nothing: name a limit (create, update, search, default)")
	}
	for i := range out {
		out[i].Lockout = lockout
	}
	return out, nil
}

// describeLimits says what limits are enforced, for the setup.
func describeLimits(limits []apitest.WindowLimit) string {
	if len(limits) == 0 {
		return "none: every call is answered (--limits)"
	}
	var parts []string
	for _, l := range limits {
		parts = append(parts, fmt.Sprintf("%s %d/%s", l.Name, l.Limit.Count, shortDuration(l.Limit.Window)))
	}
	return fmt.Sprintf("%s; then a lock-out of %s", strings.Join(parts, ", "), shortDuration(limits[0].Lockout))
}

// shortDuration writes whole minutes and seconds as 1m and 60s rather than 1m0s.
func shortDuration(d time.Duration) string {
	switch {
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d > 0 && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// parseFaults reads --faults: error-rate=R,cut-rate=R,latency=D,seed=N, each optional.
func parseFaults(spec string) (apitest.Faults, error) {
	var f apitest.Faults
	if spec == "" || spec == "none" {
		return f, nil
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || seen[name] {
			return f, fmt.Errorf("%q: give each of error-rate=R, cut-rate=R, latency=D and seed=N at most once, separated by commas", item)
		}
		seen[name] = true
		var err error
		switch name {
		case "error-rate", "cut-rate":
			var r float64
			r, err = strconv.ParseFloat(value, 64)
			if err != nil || !(r >= 0 && r <= 1) {
				return f, fmt.Errorf("%s=%s: a share from 0 to 1, as 0.1", name, value)
			}
			if name == "error-rate" {
				f.ErrorRate = r
			} else {
				f.CutRate = r
			}
		case "latency":
			if f.Latency, err = time.ParseDuration(value); err != nil || f.Latency < 0 {
				return f, fmt.Errorf("latency=%s: a duration, as 200ms", value)
			}
		case "seed":
			if f.Seed, err = strconv.ParseInt(value, 10, 64); err != nil {
				return f, fmt.Errorf("seed=%s: an integer", value)
			}
		default:
			return f, fmt.Errorf("%q: the faults are error-rate, cut-rate, latency and seed", name)
		}
	}
	if f.ErrorRate+f.CutRate > 1 {
		return f, errors.New("error-rate and cut-rate add up to more than 1")
	}
	return f, nil
}
