package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

var cmdPatch = &command{
	name:     "patch",
	synopsis: "[flags] FILE",
	summary:  "apply the patches of a JSON Lines or CSV file, in batches",
	help: `Reads FILE, checks every patch in it, and only then sends them in batches (PatchUserBatch),
a few batches at a time, paced under Descope's documented limit for that route (--limit, 100
calls a minute per project) and backing off together when the API answers 429. Any malformed
line stops the command before anything is sent: the error names FILE:LINE and what is wrong
(exit 2). The file is read once, line by line, and copied to a private temporary file, which the
run then reads: it is never held in memory, so its size does not matter, and the run sends
exactly what was checked, even if FILE is rewritten meanwhile (that is reported, and makes the
exit status 1). A named pipe or process substitution works as FILE.

Formats (from the extension, or --format; FILE - reads standard input and needs --format):
  .jsonl .ndjson .json   JSON Lines: one patch object per line, with the fields of the API's
                         PatchUser body (loginId required); blank lines are skipped, unknown
                         fields are errors, and so is a field named twice or in another case
                         than the API's (LoginID for loginId). An absent field is left
                         unchanged, "" or [] (or null, for a list) clears it, and null in
                         customAttributes removes that attribute; null for any other field
                         would change nothing, and is an error. The names Descope's Node and
                         .NET SDKs write are read too: identifier for loginId, displayName for
                         name, additionalIdentifiers for additionalLoginIds (two that differ
                         are an error):
                           {"loginId":"jane@example.com","name":"Jane Doe","roleNames":["editor"]}
                           {"loginId":"joe@example.com","status":"disabled","customAttributes":{"plan":null}}
  .csv                   a header row naming the columns, then one patch per row. Columns:
                         loginId (required), userId, email, phone, name, givenName, middleName,
                         familyName, picture, status (enabled|disabled|invited|expired),
                         recoveryEmail, recoveryPhone, verifiedEmail, verifiedPhone,
                         verifiedRecoveryEmail and verifiedRecoveryPhone (true|false), roleNames and ssoAppIds
                         (values separated by ;), customAttributes.<key> (a cell is JSON if valid
                         JSON - 42, true, null, ["a"], "\"42\"" - else a plain string). Cells are
                         trimmed; an empty cell leaves the field unchanged (it is not sent). To
                         clear a field, use JSON Lines. A byte-order mark and quoted headers, as
                         spreadsheets export them, are fine; blank rows are skipped.
                           loginId,name,roleNames,customAttributes.plan
                           jane@example.com,Jane Doe,editor;billing,pro
The file must be UTF-8; numbers must fit a 64-bit float.

Nothing is lost, even if the command is killed. The patches that fail or are not attempted are
written to the --failed file (default FILE.failed.jsonl) as soon as their outcome is known, as
JSON Lines that patch accepts (no line longer than patch reads: a patch that could not be
written back so is refused when FILE is checked), and a journal beside it (FAILED.journal)
records which patches have an outcome. Both are the run's from before FILE is read until the run
ends: the failed file is created (an empty one may be taken over), the journal created, and the
run holds a lock on them, so a second run naming them is refused while the first lives. A failed
file that holds patches is never overwritten: retry those first, or remove it. Ctrl-C (or
--timeout) stops promptly and writes every patch not applied to the failed file. A run that is
killed outright leaves its journal: run the same command with --resume to send only the patches
without a known outcome (at most the batches in flight when it died are sent twice). --resume
refuses a journal that does not describe FILE.

While it runs, a progress bar is drawn on stderr when stderr is a terminal. At the end it prints
a summary (patched, failed, not attempted, batches, 429s, time, rate) and the failure reasons.

Exit status: 0 all applied; 1 some failed or were not attempted, FILE changed during the run, or
the run was interrupted; 2 bad input or a failed file that cannot be written, nothing sent.`,
	example: []string{"users.jsonl"},
	define: func(fs *flags) runner {
		o := patchFlags(fs.FlagSet)
		return func(ctx context.Context, c *cli, cmd *command, args []string) int {
			return runPatch(ctx, c, cmd, o, args)
		}
	},
}

// batchFlags are the flags patch and sync share: the input's format, and how the batches are
// sent and paced.
type batchFlags struct {
	format      *string
	batchSize   *int
	concurrency *int
	limit       *limitValue
	rate        *float64
	burst       *int
}

// newBatchFlags defines them on fs; concurrency and rate say what those flags govern.
func newBatchFlags(fs *flag.FlagSet, concurrency, rate string) batchFlags {
	return batchFlags{
		format:      fs.String("format", "", "the input's `format`: jsonl or csv (default: from the extension)"),
		batchSize:   fs.Int("batch-size", api.DefaultBatchSize, "patches per PatchUserBatch call"),
		concurrency: fs.Int("concurrency", api.DefaultConcurrency, concurrency),
		limit:       limitFlag(fs, "limit", api.LimitDefault, "batch patch"),
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

// bulkOptions returns PatchSeq's options for the flags: batch size, concurrency and pacing.
func (b batchFlags) bulkOptions() []api.RunOption {
	return append([]api.RunOption{api.WithBatchSize(*b.batchSize), api.WithConcurrency(*b.concurrency)}, b.pacing()...)
}

type patchOpts struct {
	batchFlags
	failed *string
	dryRun *bool
	resume *bool
}

func patchFlags(fs *flag.FlagSet) patchOpts {
	return patchOpts{
		batchFlags: newBatchFlags(fs, "batches in flight at once",
			"instead of --limit, a token bucket: at most this many calls per second, all batches together (0: none)"),
		failed: fs.String("failed", "", "where to write the failed and not-attempted patches, as JSON Lines (default: `FILE`.failed.jsonl, beside it); its journal goes beside it"),
		dryRun: fs.Bool("dry-run", false, "check the file and report what it holds; send nothing (needs no credentials)"),
		resume: fs.Bool("resume", false, "continue a run that was killed: send only the patches its journal does not record"),
	}
}

func runPatch(ctx context.Context, c *cli, cmd *command, o patchOpts, pos []string) int {
	switch {
	case len(pos) == 0:
		return c.usageError(cmd, "FILE is required: the JSON Lines or CSV file of patches")
	case len(pos) > 1:
		return c.usageError(cmd, "one FILE at a time (got %d arguments: %s)", len(pos), strings.Join(pos, " "))
	case o.problem() != "":
		return c.usageError(cmd, "%s", o.problem())
	case *o.dryRun && *o.resume:
		return c.usageError(cmd, "--dry-run and --resume exclude each other")
	}
	format, err := formatOf(pos[0], *o.format)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	in := &patchInput{inputFile: inputFile{pos[0], format}}
	defer in.cleanup()
	failedPath := *o.failed
	if failedPath == "" {
		failedPath = defaultFailedPath(in.path)
	}
	refuse := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "%s %s: %s; nothing was sent\n", progName, cmd.name, fmt.Sprintf(format, a...))
		return exitUsage
	}
	// The failed file and the journal are this run's from before the input is read to the end.
	var files *patchFiles
	if !*o.dryRun {
		if err := checkOutcomePaths(in.path, failedPath); err != nil {
			return refuse("%v", err)
		}
		var err error
		if files, err = holdPatchFiles(failedPath, *o.resume); err != nil {
			return refuse("%v", err)
		}
	}
	refuseHeld := func(format string, a ...any) int {
		files.release(false)
		return refuse(format, a...)
	}

	if err := in.check(ctx, c.stdin); err != nil {
		files.release(false)
		if ctx.Err() != nil {
			fmt.Fprintf(c.stderr, "%s %s: %s while reading %s; nothing was sent\n", progName, cmd.name, stopCause(ctx), in.name())
			return exitFailed
		}
		var ie *inputError
		if errors.As(err, &ie) {
			fmt.Fprintf(c.stderr, "%s %s: %s\n", progName, cmd.name, ie.describe("; nothing was sent"))
			return exitUsage
		}
		return refuse("%v", err)
	}
	if *o.dryRun {
		fmt.Fprintf(c.stdout, "%s: %d patches, all well formed (dry run: nothing was sent)\n", in.name(), in.patches)
		return exitOK
	}
	if in.patches == 0 && !*o.resume {
		files.release(false)
		fmt.Fprintf(c.stdout, "%s: no patches; nothing to do\n", in.name())
		return exitOK
	}

	var resumed *resumeState
	if *o.resume {
		var err error
		if resumed, err = in.resumable(files.journal); err != nil {
			return refuseHeld("%v", err)
		}
	}
	cl, err := c.connect()
	if err != nil {
		files.release(false)
		return c.fail(cmd, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, err := openOutcomeFiles(in, files, resumed, cancel)
	if err != nil {
		return refuseHeld("%v", err)
	}

	opts := append(o.bulkOptions(), api.WithTotal(out.sent.len()), api.WithResultFunc(out.record))
	bar := newProgressBar(c.progress, out.sent.len())
	if bar != nil {
		opts = append(opts, api.WithProgressFunc(bar.update))
	}
	var readErr error
	seq := func(yield func(api.UserPatch) bool) {
		ord := -1
		readErr = in.each(func(p api.UserPatch) bool {
			ord++
			return !out.sent.contains(ord) || yield(p)
		})
	}
	res, runErr := cl.PatchSeq(runCtx, seq, opts...)
	if bar != nil {
		bar.done()
	}
	flushErr := out.flush()
	if runErr != nil && runCtx.Err() == nil && !errors.Is(runErr, api.ErrStoppedEarly) {
		// Only invalid options fail PatchSeq outright, and they were checked above.
		files.release(false)
		return c.fail(cmd, runErr)
	}
	complete := out.err == nil && flushErr == nil && readErr == nil
	stopped := ""
	if complete {
		stopped = stoppedBy(ctx, runErr)
	}
	failedLines := out.unfinished
	if resumed != nil {
		failedLines += countLines(failedPath, resumed.failedBytes)
	}
	// Once every patch has an outcome on disk, the journal has done its job.
	files.release(complete)
	printSummary(c.stdout, summary{
		input: in.label(), res: res, total: in.patches, stopped: stopped, out: out, pacing: o.describePacing(),
		resumed: in.patches - out.sent.len(), failedPath: failedPath, failedLines: failedLines,
		retry: c.prefix + " patch " + fileArg(failedPath),
	})
	changed := in.changedSinceCheck()
	if changed != "" {
		fmt.Fprintf(c.stderr, "%s %s: %s changed while the run read it (%s): the run sent the patches as they were when checked, every one accounted for above; run patch on it again if its new content is meant\n",
			progName, cmd.name, in.name(), changed)
	}
	if !complete {
		problem := errors.Join(out.err, flushErr, readErr)
		fmt.Fprintf(c.stderr, "%s %s: %v\nThe run was stopped, and the patches without a recorded outcome were not lost: their journal is %s.\nFix the problem, then continue with: %s\n",
			progName, cmd.name, problem, journalPath(failedPath), c.prefix+" patch --resume "+fileArg(in.path))
		return exitFailed
	}
	if failedLines > 0 || res.Failed+res.NotAttempted > 0 || changed != "" {
		return exitFailed
	}
	return exitOK
}

// stoppedBy says why a run that had every outcome recorded stopped before its end, for the
// summary's heading, or "" when it did not: the --timeout or a signal ended ctx, or the API would
// not take another call in time (an *api.StopError).
func stoppedBy(ctx context.Context, runErr error) string {
	var stop *api.StopError
	switch {
	case ctx.Err() != nil:
		return "stopped early: " + stopCause(ctx)
	case errors.As(runErr, &stop):
		return "stopped early: " + stop.Reason
	}
	return ""
}

// stopCause says why ctx ended: the --timeout, or a signal.
func stopCause(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the --timeout ran out"
	}
	return "interrupted"
}

// defaultFailedPath is FILE.failed.jsonl, beside FILE: every input has its own, so users.jsonl
// and users.csv never share one.
func defaultFailedPath(path string) string {
	if path == "-" {
		return "stdin.failed.jsonl"
	}
	return path + ".failed.jsonl"
}

// checkOutcomePaths checks, before anything is read or sent, that the failed file can be
// written where it is asked for: not over the input, in a directory that exists and is writable,
// not over a directory. Whether it (and its journal) may be used is holdPatchFiles' to decide.
func checkOutcomePaths(input, failedPath string) error {
	if input != "-" && sameFile(failedPath, input) {
		return fmt.Errorf("--failed %s is the input file: the failed file is written while the input is read; name another", failedPath)
	}
	dir := filepath.Dir(failedPath)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("cannot write the failed file %s: its directory %s: %v", failedPath, dir, pathErr(err))
	} else if !st.IsDir() {
		return fmt.Errorf("cannot write the failed file %s: %s is not a directory", failedPath, dir)
	}
	for _, p := range []string{failedPath, journalPath(failedPath)} {
		if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("cannot write %s: it is not a regular file (a directory?)", p)
		}
	}
	probe, err := os.CreateTemp(dir, ".descope-users-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write the failed file %s: %s is not writable: %v", failedPath, dir, pathErr(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}

// pathErr is the reason of a *os.PathError without the path, which the message already names.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// countLines counts the lines in the first n bytes of path (0 when it cannot be read).
func countLines(path string, n int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	lines := 0
	buf := make([]byte, 32<<10)
	r := io.LimitReader(f, n)
	for {
		k, err := r.Read(buf)
		lines += bytes.Count(buf[:k], []byte("\n"))
		if err != nil {
			return lines
		}
	}
}

// openOutcomeFiles starts writing the held failed file and journal: a new run's journal gets
// its header; the files of the run being resumed are cut back to its last complete record.
func openOutcomeFiles(in *patchInput, files *patchFiles, resumed *resumeState, cancel func()) (*outcomeFiles, error) {
	o := &outcomeFiles{reasons: map[string]int{}, cancel: cancel, failed: files.failed.f, journal: files.journal}
	var err error
	if resumed == nil {
		o.sent = newRemaining(in.patches, nil)
		head, _ := json.Marshal(journalHeader{Journal: journalMagic, Version: journalVersion, Input: in.path, Format: in.format, SHA256: in.sha256, Patches: in.patches})
		if _, err = o.journal.Write(append(head, '\n')); err == nil {
			err = o.journal.Sync()
		}
		if err != nil {
			err = fmt.Errorf("cannot write the journal: %w", err)
		}
	} else {
		o.sent = newRemaining(in.patches, resumed.done)
		o.failedBytes = resumed.failedBytes
		err = cutTo(o.failed, resumed.failedBytes, files.failed.path)
		if err == nil {
			err = cutTo(o.journal, resumed.validBytes, o.journal.Name())
		}
	}
	if err != nil {
		return nil, err
	}
	o.failedBuf = bufio.NewWriterSize(o.failed, 64<<10)
	return o, nil
}

// cutTo truncates f to n bytes, dropping what a killed run wrote after its last record, and
// moves to its end. f shorter than n was changed since: that is refused.
func cutTo(f *os.File, n int64, path string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < n {
		return fmt.Errorf("%s is shorter (%d bytes) than its journal records (%d): it was changed since the run was killed", path, st.Size(), n)
	}
	if err := f.Truncate(n); err != nil {
		return err
	}
	_, err = f.Seek(n, io.SeekStart)
	return err
}

// fileArg is path as a command line's last argument.
func fileArg(path string) string {
	if strings.HasPrefix(path, "-") {
		return "-- " + shellQuote(path)
	}
	return shellQuote(path)
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

type summary struct {
	input       string
	res         *api.BulkResult[api.UserPatch]
	out         *outcomeFiles
	total       int
	resumed     int
	stopped     string
	pacing      string
	failedPath  string
	failedLines int
	retry       string
}

const maxReasons = 10

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
		return "by the API's 429s (--limit none)"
	}
	return fmt.Sprintf("under %s calls (--limit)", b.limit)
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

func printSummary(w io.Writer, s summary) {
	r := s.res
	elapsed := r.Elapsed
	rate := 0.0
	if elapsed > 0 {
		rate = float64(r.Applied+r.Failed) / elapsed.Seconds()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Summary of %s", s.input)
	if s.stopped != "" {
		fmt.Fprintf(&b, " (%s)", s.stopped)
	}
	b.WriteString("\n")
	row := func(label string, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("total", "%d", s.total)
	if s.resumed > 0 {
		row("resumed", "%d already had an outcome in the journal of the killed run (not sent again)", s.resumed)
	}
	row("patched", "%d", r.Applied)
	row("failed", "%d", r.Failed)
	row("not attempted", "%d", r.NotAttempted)
	if r.Requeued > 0 {
		row("batches", "%d (%d calls: %d sent again after a 429)", r.Batches-r.Requeued, r.Batches, r.Requeued)
	} else {
		row("batches", "%d", r.Batches)
	}
	if r.RateLimited > 0 {
		row("429s met", "%d (all batches paused for the Retry-After the server asked for)", r.RateLimited)
	} else {
		row("429s met", "0")
	}
	row("paced", "%s", s.pacing)
	row("elapsed", "%v", round(elapsed))
	row("rate", "%.0f patches/s", rate)

	if o := s.out; o.unfinished > 0 {
		keys := sortedCounts(o.reasons, o.order)
		if len(keys) > maxReasons {
			fmt.Fprintf(&b, "Failure reasons (top %d of %d):\n", maxReasons, len(keys))
		} else {
			b.WriteString("Failure reasons:\n")
		}
		rest := o.otherCount
		for i, k := range keys {
			if i >= maxReasons {
				rest += o.reasons[k]
				continue
			}
			fmt.Fprintf(&b, "  %6d  %s\n", o.reasons[k], k)
		}
		if rest > 0 {
			fmt.Fprintf(&b, "  %6d  (other reasons)\n", rest)
		}
	}
	if len(r.AdditionalErrors) > 0 {
		fmt.Fprintf(&b, "The API also sent %d additionalErrors.\n", len(r.AdditionalErrors))
	}
	switch {
	case s.failedLines > 0:
		fmt.Fprintf(&b, "Failed file: %d unfinished patches in %s\n  retry them with: %s\n", s.failedLines, s.failedPath, s.retry)
	case r.Failed+r.NotAttempted == 0:
		b.WriteString("All patches applied; no failed file written\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// isTerminal reports whether w is a terminal; a variable so that tests can pretend.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressOutput returns where the progress bar goes: stderr when it is a terminal, else nil.
func progressOutput(stderr io.Writer) io.Writer {
	if isTerminal(stderr) {
		return stderr
	}
	return nil
}

// progress draws the bulk progress bar. PatchAll calls update after every batch, never
// concurrently.
type progress struct {
	bar    *progressbar.ProgressBar
	failed int
}

func newProgressBar(w io.Writer, total int) *progress {
	if w == nil {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("patching"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("patches"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.RenderBlank()
	return &progress{bar: bar}
}

func (p *progress) update(pr api.Progress) {
	if pr.Failed != p.failed {
		p.failed = pr.Failed
		p.bar.Describe(fmt.Sprintf("patching (%d failed)", pr.Failed))
	}
	_ = p.bar.Set(pr.Done)
}

// done erases the bar, so that the summary starts on a clean line.
func (p *progress) done() {
	_ = p.bar.Clear()
}
