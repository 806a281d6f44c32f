package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// flags is a command's flag set, with the flags it requires.
type flags struct {
	*flag.FlagSet
	required []string  // given on the command line
	nonEmpty []string  // given, and not empty
	stdin    io.Reader // for commands that read a value from standard input
	env      func(string) string
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

const loginIDUsage = "the user's login ID, or user ID (required)"

// requireValue defines a string flag that must be given and not be empty.
func (f *flags) requireValue(name, usage string) *string {
	f.nonEmpty = append(f.nonEmpty, name)
	return f.require(name, usage)
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

// jsonArg returns the value of a --json flag: arg itself, or with "-", standard input, from
// which it reads what (the patch, the user).
func (f *flags) jsonArg(arg, what string) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	data, err := io.ReadAll(f.stdin)
	if err != nil {
		return nil, fmt.Errorf("reading the %s from standard input: %v", what, err)
	}
	return data, nil
}

// passwordStdinFlag is the flag that reads a password from standard input.
const passwordStdinFlag = "password-stdin"

// passwordSource is where a command reads a password from: the first line of standard input
// (--password-stdin) or an environment variable (--password-env VAR). Never an argument: every
// user of the machine can read a command's arguments (ps, /proc), and shell history keeps them.
type passwordSource struct {
	fs    *flags
	stdin *bool
	env   *string
}

// passwordSource defines --password-stdin and --password-env.
func (f *flags) passwordSource() *passwordSource {
	return &passwordSource{
		fs:    f,
		stdin: f.Bool(passwordStdinFlag, false, "read the password from standard input: its first line, without the line break (as from < password.txt)"),
		env:   f.String("password-env", "", "read the password from the environment variable `VAR` (its name, not the password)"),
	}
}

// given reports whether a source of the password was given.
func (p *passwordSource) given() bool { return *p.stdin || p.fs.given("password-env") }

// read returns the password from the source given, or "" when none was. Its errors are usage
// errors, and never hold the password.
func (p *passwordSource) read() (string, error) {
	switch {
	case *p.stdin && p.fs.given("password-env"):
		return "", errors.New("--password-stdin and --password-env exclude each other: give one")
	case *p.stdin:
		return readPasswordLine(p.fs.stdin)
	case !p.fs.given("password-env"):
		return "", nil
	case *p.env == "":
		return "", errors.New("--password-env needs the name of an environment variable")
	}
	pw := ""
	if p.fs.env != nil {
		pw = p.fs.env(*p.env)
	}
	if pw == "" {
		return "", fmt.Errorf("--password-env: the environment variable %s is not set, or empty", *p.env)
	}
	return pw, nil
}

// require is read, for a command that needs the password.
func (p *passwordSource) require() (string, error) {
	if !p.given() {
		return "", errors.New("the password is required: give --password-stdin (it reads standard input) or --password-env VAR; never the password itself, as arguments are visible to every user of the machine")
	}
	return p.read()
}

// maxPasswordBytes caps the password --password-stdin reads.
const maxPasswordBytes = 4096

// readPasswordLine reads the first line of r, without its line break (\n or \r\n), as the password.
func readPasswordLine(r io.Reader) (string, error) {
	if r == nil {
		r = strings.NewReader("")
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordBytes+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--password-stdin: reading standard input: %v", err)
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	switch {
	case len(pw) > maxPasswordBytes:
		return "", fmt.Errorf("--password-stdin: the first line of standard input is longer than %d bytes", maxPasswordBytes)
	case pw == "":
		return "", errors.New("--password-stdin: standard input is empty, or its first line is: it should hold the password")
	}
	return pw, nil
}

// passwordFlagError is the message of a flag error msg of fs, made safe and helpful where it is
// about a password: a value given to --password-stdin (which takes none) is not echoed, and a
// flag such as --password gets a hint to the flags that read one.
func passwordFlagError(msg string, fs *flag.FlagSet) string {
	if fs.Lookup(passwordStdinFlag) == nil {
		return msg
	}
	if strings.Contains(msg, "-"+passwordStdinFlag) {
		return "--password-stdin takes no value: it reads the password from standard input"
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok && strings.Contains(strings.ToLower(name), "pass") {
		return msg + " (a password is never an argument, which every user of the machine can see: give --password-stdin or --password-env VAR)"
	}
	return msg
}

// jsonFlag reads the value of the flag --name, JSON given as arg or, with "-", read from
// standard input, strictly (decodeObject, decodeArray) into v, a pointer to a struct, a map or a
// slice; what names the value in errors ("a user", "passkeys"), which name the flag.
func (f *flags) jsonFlag(name, arg string, v any, what string) error {
	data, err := f.jsonArg(arg, what)
	if err != nil {
		return err
	}
	if reflect.TypeOf(v).Elem().Kind() == reflect.Slice {
		err = decodeArray(data, v, what)
	} else {
		err = decodeObject(data, v, what, false)
	}
	if err != nil {
		return fmt.Errorf("--%s: %v", name, err)
	}
	return nil
}

// confirm defines --confirm, which a command that cannot be undone requires: it does what it
// says ("deletes every test user of the project"). The check it returns refuses the command
// without it.
func (f *flags) confirm(does string) func() error {
	ok := f.Bool("confirm", false, "confirm that this command "+does+", which cannot be undone (required)")
	return func() error {
		if !*ok {
			return fmt.Errorf("this command %s, which cannot be undone: give --confirm", does)
		}
		return nil
	}
}

// nonEmptyList defines a list flag (list) that must be given, with at least one item.
func (f *flags) nonEmptyList(name, usage string) *[]string {
	f.required = append(f.required, name)
	f.nonEmpty = append(f.nonEmpty, name)
	return f.list(name, usage+", separated by commas (required)")
}

// list defines a flag holding a comma-separated list; "" is the empty list.
func (f *flags) list(name, usage string) *[]string {
	var l listValue
	f.Var(&l, name, usage)
	return (*[]string)(&l)
}

type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	*l = []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// timeValue is a flag holding a time, as the milliseconds since the epoch that search takes.
type timeValue struct{ millis int64 }

func (t *timeValue) String() string {
	if t == nil || t.millis == 0 {
		return ""
	}
	return time.UnixMilli(t.millis).UTC().Format(time.RFC3339)
}

func (t *timeValue) Set(s string) error {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if at, err := time.Parse(layout, s); err == nil {
			if at.UnixMilli() <= 0 {
				return fmt.Errorf("%s is not after 1970", s)
			}
			t.millis = at.UnixMilli()
			return nil
		}
	}
	return fmt.Errorf("%q is not an RFC 3339 time (2024-05-01T12:00:00Z) or a date (2024-05-01)", s)
}

// attrValue is the repeatable --attr KEY=VALUE flag: the values asked for, by key.
type attrValue map[string][]any

func (a attrValue) String() string { return "" }

func (a attrValue) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	a[k] = append(a[k], parseValue(v))
	return nil
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

// limitValue is a --limit flag: COUNT/WINDOW, such as 100/1m, or none.
type limitValue struct {
	l    api.Limit
	none bool
}

// limitFlag defines a --limit flag whose default is def, the documented limit of the route
// the command calls (route names it in the help).
func limitFlag(fs *flag.FlagSet, name string, def api.Limit, route string) *limitValue {
	v := &limitValue{l: def}
	fs.Var(v, name, fmt.Sprintf("at most `COUNT/WINDOW` calls, all batches together, e.g. 500/1m; the default is Descope's documented limit for %s calls (raise it for a project on a higher tier); none: find the limit from the API's 429s", route))
	return v
}

func (v *limitValue) String() string {
	if v == nil || v.none {
		return "none"
	}
	w := v.l.Window.String()
	switch {
	case v.l.Window%time.Minute == 0:
		w = fmt.Sprintf("%dm", v.l.Window/time.Minute)
	case v.l.Window%time.Second == 0:
		w = fmt.Sprintf("%ds", v.l.Window/time.Second)
	}
	return fmt.Sprintf("%d/%s", v.l.Count, w)
}

func (v *limitValue) Set(s string) error {
	if s == "none" {
		v.none = true
		return nil
	}
	count, window, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 2 {
		return fmt.Errorf("%q is not COUNT/WINDOW with a COUNT of at least 2, as 100/1m, or none", s)
	}
	d, err := time.ParseDuration(window)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q: the WINDOW must be a positive duration, as 1m or 60s", s)
	}
	v.l, v.none = api.Limit{Count: n, Window: d}, false
	return nil
}

// searchCommand is search or search-test-users: one page, or every page with --all.
// searchLimitFlag defines --search-limit: the pace of the SearchUsers calls of one command.
func searchLimitFlag(fs *flag.FlagSet) *limitValue {
	v := &limitValue{l: api.LimitUserSearch}
	fs.Var(v, "search-limit", "at most `COUNT/WINDOW` SearchUsers calls, e.g. 400/1m; the default is Descope's documented limit for user search; none: no pacing (a 429 is waited out, call by call)")
	return v
}

// pageOptions paces SearchAll under the flag's limit, unless none.
func (v *limitValue) pageOptions() []api.RunOption { return []api.RunOption{api.WithPace(v.pace())} }

// pace is the pace the flag asks for: under its limit, or none.
func (v *limitValue) pace() api.Pace {
	if v.none {
		return api.Pace{}
	}
	return api.PaceUnder(v.l)
}

// batchFlags are the flags of every command that sends batches (the bulk commands, sync): the
// input's format, and how the batches are sent and paced.
type batchFlags struct {
	format      *string
	batchSize   *int
	concurrency *int
	limit       *limitValue
	limitName   string // the flag that set limit: "limit"
	rate        *float64
	burst       *int
}

// batchCall is the batch operation a command's batches go to.
type batchCall struct {
	operation string    // its name: "PatchUserBatch"
	route     string    // its limit's name in Descope's documentation: "batch patch"
	limit     api.Limit // that limit: --limit's default
}

// patchBatches is PatchUserBatch, which patch and sync send.
var patchBatches = batchCall{"PatchUserBatch", "batch patch", api.LimitDefault}

// newBatchFlags defines them on fs for batches of inputs sent to call; concurrency and rate say
// what those flags govern.
func newBatchFlags(fs *flag.FlagSet, call batchCall, inputs, concurrency, rate string) batchFlags {
	return batchFlags{
		format:      fs.String("format", "", "the input's `format`: jsonl or csv (default: from the extension)"),
		batchSize:   fs.Int("batch-size", api.DefaultBatchSize, inputs+" per "+call.operation+" call"),
		concurrency: fs.Int("concurrency", api.DefaultConcurrency, concurrency),
		limit:       limitFlag(fs, "limit", call.limit, call.route),
		limitName:   "limit",
		rate:        fs.Float64("rate", 0, rate),
		burst:       fs.Int("burst", 1, "calls allowed at once above --rate"),
	}
}

// problem returns what is wrong with the flags, as a usage error says it, or "".
func (b batchFlags) problem() string {
	switch {
	case *b.batchSize < 1:
		return "--batch-size must be at least 1"
	case *b.concurrency < 1:
		return "--concurrency must be at least 1"
	case !(*b.rate >= 0) || math.IsInf(*b.rate, 0): // NaN fails the first test
		return fmt.Sprintf("--rate must be a finite number of calls per second, 0 or more (got %v)", *b.rate)
	case *b.rate > 0 && *b.burst < 1:
		return "--burst must be at least 1"
	}
	return ""
}

// bulkOptions returns a bulk run's options for the flags: batch size, concurrency and pacing.
func (b batchFlags) bulkOptions() []api.RunOption {
	return append([]api.RunOption{api.WithBatchSize(*b.batchSize), api.WithConcurrency(*b.concurrency)}, b.pacing()...)
}

// pacing returns the batches' pace: --rate's token bucket when given, else --limit's window
// (none with --limit none).
func (b batchFlags) pacing() []api.RunOption {
	if *b.rate > 0 {
		return []api.RunOption{api.WithPace(api.PaceAt(*b.rate, *b.burst))}
	}
	return []api.RunOption{api.WithPace(b.limit.pace())}
}

// describePacing says how the run was paced, for the summary.
func (b batchFlags) describePacing() string {
	switch {
	case *b.rate > 0:
		return fmt.Sprintf("at most %g calls/s, burst %d (--rate)", *b.rate, *b.burst)
	case b.limit.none:
		return fmt.Sprintf("by the API's 429s (--%s none)", b.limitName)
	}
	return fmt.Sprintf("under %s calls (--%s)", b.limit, b.limitName)
}

// withLimit is b with the limit of the flag --name instead of --limit's: for a command that
// sends batches of another kind too, each kind under its own limit.
func (b batchFlags) withLimit(l *limitValue, name string) batchFlags {
	b.limit, b.limitName = l, name
	return b
}
