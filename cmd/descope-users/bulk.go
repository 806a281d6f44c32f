package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
a few batches at a time, backing off together when the API answers 429. Any malformed line stops
the command before anything is sent: the error names FILE:LINE and what is wrong (exit 2).

Formats (from the extension, or --format; FILE - reads standard input and needs --format):
  .jsonl .ndjson .json   JSON Lines: one patch object per line, with the fields of the API's
                         PatchUser body (loginId required); blank lines are skipped, unknown
                         fields are errors. An absent field is left unchanged, "" or [] clears
                         it, and null in customAttributes removes that attribute:
                           {"loginId":"jane@example.com","name":"Jane Doe","roleNames":["editor"]}
                           {"loginId":"joe@example.com","status":"disabled","customAttributes":{"plan":null}}
  .csv                   a header row naming the columns, then one patch per row. Columns:
                         loginId (required), userId, email, phone, name, givenName, middleName,
                         familyName, picture, status (enabled|disabled|invited), verifiedEmail and
                         verifiedPhone (true|false), roleNames and ssoAppIds (values separated
                         by ;), customAttributes.<key> (a cell is JSON if valid JSON - 42, true,
                         null, ["a"], "\"42\"" - else a plain string). Cells are trimmed; an
                         empty cell leaves the field unchanged (it is not sent). To clear a
                         field, use JSON Lines.
                           loginId,name,roleNames,customAttributes.plan
                           jane@example.com,Jane Doe,editor;billing,pro

While it runs, a progress bar is drawn on stderr when stderr is a terminal. At the end it prints
a summary (patched, failed, not attempted, batches, 429s, time, rate) and the failure reasons.
The patches that failed or were not attempted (Ctrl-C, --timeout) are written as JSON Lines to
the --failed file, which patch accepts as input to retry them. When every patch was applied, no
failed file is written, and one left at that path by an earlier run is removed (unless it is
FILE itself).

Exit status: 0 all applied; 1 some failed or were not attempted; 2 bad input, nothing sent.`,
	run: runPatch,
}

type patchOpts struct {
	format      *string
	batchSize   *int
	concurrency *int
	rate        *float64
	burst       *int
	failed      *string
	dryRun      *bool
}

func patchFlags(fs *flag.FlagSet) patchOpts {
	return patchOpts{
		format:      fs.String("format", "", "the input's `format`: jsonl or csv (default: from the extension)"),
		batchSize:   fs.Int("batch-size", api.DefaultBatchSize, "patches per PatchUserBatch call"),
		concurrency: fs.Int("concurrency", api.DefaultConcurrency, "batches in flight at once"),
		rate:        fs.Float64("rate", 0, "at most this many calls per second, all batches together (0: none; the run then paces itself by the API's 429s)"),
		burst:       fs.Int("burst", 1, "calls allowed at once above --rate"),
		failed:      fs.String("failed", "", "where to write the failed and not-attempted patches, as JSON Lines (default: `FILE` without extension + .failed.jsonl, beside it)"),
		dryRun:      fs.Bool("dry-run", false, "check the file and report what it holds; send nothing (needs no credentials)"),
	}
}

func runPatch(ctx context.Context, c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd.name)
	o := patchFlags(fs)
	pos, code, ok := c.parse(cmd, fs, args)
	if !ok {
		return code
	}
	switch {
	case len(pos) == 0:
		return c.usageError(cmd, "FILE is required: the JSON Lines or CSV file of patches")
	case len(pos) > 1:
		return c.usageError(cmd, "one FILE at a time (got %d arguments: %s)", len(pos), strings.Join(pos, " "))
	case *o.batchSize < 1:
		return c.usageError(cmd, "--batch-size must be at least 1")
	case *o.concurrency < 1:
		return c.usageError(cmd, "--concurrency must be at least 1")
	case *o.rate < 0:
		return c.usageError(cmd, "--rate must not be negative")
	case *o.rate > 0 && *o.burst < 1:
		return c.usageError(cmd, "--burst must be at least 1")
	}
	path := pos[0]
	format, err := formatOf(path, *o.format)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	failedPath := *o.failed
	if failedPath == "" {
		failedPath = defaultFailedPath(path)
	}

	patches, err := readInput(path, c.stdin, format)
	if err != nil {
		var ie *inputError
		if errors.As(err, &ie) {
			fmt.Fprintf(c.stderr, "%s %s: %s\n", progName, cmd.name, ie.describe("; nothing was sent"))
		} else {
			fmt.Fprintf(c.stderr, "%s %s: %v; nothing was sent\n", progName, cmd.name, err)
		}
		return exitUsage
	}
	if *o.dryRun {
		fmt.Fprintf(c.stdout, "%s: %d patches, all well formed (dry run: nothing was sent)\n", path, len(patches))
		return exitOK
	}
	if len(patches) == 0 {
		fmt.Fprintf(c.stdout, "%s: no patches; nothing to do\n", path)
		return exitOK
	}

	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	opts := []api.BulkOption{api.WithBatchSize(*o.batchSize), api.WithConcurrency(*o.concurrency)}
	if *o.rate > 0 {
		opts = append(opts, api.WithRateLimit(*o.rate, *o.burst))
	}
	bar := newProgressBar(c.progress, len(patches))
	if bar != nil {
		opts = append(opts, api.WithProgressFunc(bar.update))
	}
	res, err := cl.PatchAll(ctx, patches, opts...)
	if bar != nil {
		bar.done()
	}
	if err != nil && ctx.Err() == nil {
		// Only invalid options fail PatchAll outright, and they were checked above.
		return c.fail(cmd, err)
	}

	unfinished := res.Unfinished()
	var stopped string
	switch {
	case len(unfinished) == 0:
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		stopped = "stopped early: the --timeout ran out"
	case ctx.Err() != nil:
		stopped = "stopped early: interrupted"
	}
	wrote, removed, ferr := writeFailedFile(failedPath, path, unfinished)
	printSummary(c.stdout, summary{
		input: path, res: res, total: len(patches), stopped: stopped,
		failedPath: failedPath, wroteFailed: wrote, removedStale: removed, retry: c.prefix + " patch " + fileArg(failedPath),
	})
	if ferr != nil {
		fmt.Fprintf(c.stderr, "%s %s: writing the failed patches: %v\n", progName, cmd.name, ferr)
		return exitFailed
	}
	if len(unfinished) > 0 {
		return exitFailed
	}
	return exitOK
}

func readInput(path string, stdin io.Reader, format string) ([]api.UserPatch, error) {
	rc, err := openInput(path, stdin)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	name := path
	if path == "-" {
		name = "stdin"
	}
	return readPatchFile(name, rc, format)
}

// fileArg is path as a command line's last argument.
func fileArg(path string) string {
	if strings.HasPrefix(path, "-") {
		return "-- " + shellQuote(path)
	}
	return shellQuote(path)
}

// defaultFailedPath is FILE without its extension, plus .failed.jsonl, beside FILE.
func defaultFailedPath(path string) string {
	if path == "-" {
		return "stdin.failed.jsonl"
	}
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".failed.jsonl"
}

// writeFailedFile writes the unfinished patches to path as JSON Lines, atomically (a temporary
// file renamed over path), so that path may be the input itself. With nothing unfinished it
// writes nothing and removes a stale file at path, unless path is the input.
func writeFailedFile(path, input string, unfinished []api.PatchResult) (wrote, removedStale bool, err error) {
	if len(unfinished) == 0 {
		if sameFile(path, input) {
			return false, false, nil
		}
		if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
			return false, false, nil // nothing there, or not a file of ours
		}
		if err := os.Remove(path); err != nil {
			return false, false, fmt.Errorf("removing the stale %s: %w", path, err)
		}
		return false, true, nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return false, false, err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	for _, r := range unfinished {
		line, err := json.Marshal(r.Patch)
		if err != nil {
			return false, false, fmt.Errorf("encoding the patch for %q: %w", r.LoginID, err)
		}
		_, _ = w.Write(append(line, '\n'))
	}
	if err = w.Flush(); err != nil {
		return false, false, err
	}
	if err = tmp.Close(); err != nil {
		return false, false, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return false, false, err
	}
	return true, false, nil
}

func sameFile(a, b string) bool {
	if b == "-" {
		return false
	}
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
	input        string
	res          *api.BulkResult
	total        int
	stopped      string
	failedPath   string
	wroteFailed  bool
	removedStale bool
	retry        string
}

const maxReasons = 10

func printSummary(w io.Writer, s summary) {
	r := s.res
	elapsed := r.Elapsed
	rate := 0.0
	if elapsed > 0 {
		rate = float64(r.Patched+r.Failed) / elapsed.Seconds()
	}
	input := s.input
	if input == "-" {
		input = "standard input"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Summary of %s", input)
	if s.stopped != "" {
		fmt.Fprintf(&b, " (%s)", s.stopped)
	}
	b.WriteString("\n")
	row := func(label string, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("total", "%d", s.total)
	row("patched", "%d", r.Patched)
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
	row("elapsed", "%v", round(elapsed))
	row("rate", "%.0f patches/s", rate)

	unfinished := r.Unfinished()
	if len(unfinished) > 0 {
		counts := map[string]int{}
		var order []string
		for _, u := range unfinished {
			reason := oneLine(u.Reason)
			if reason == "" {
				reason = u.Status.String()
			}
			if len(reason) > 200 {
				reason = reason[:200] + "…"
			}
			if counts[reason] == 0 {
				order = append(order, reason)
			}
			counts[reason]++
		}
		keys := sortedCounts(counts, order)
		if len(keys) > maxReasons {
			fmt.Fprintf(&b, "Failure reasons (top %d of %d):\n", maxReasons, len(keys))
		} else {
			b.WriteString("Failure reasons:\n")
		}
		rest := 0
		for i, k := range keys {
			if i >= maxReasons {
				rest += counts[k]
				continue
			}
			fmt.Fprintf(&b, "  %6d  %s\n", counts[k], k)
		}
		if rest > 0 {
			fmt.Fprintf(&b, "  %6d  (other reasons)\n", rest)
		}
	}
	if len(r.AdditionalErrors) > 0 {
		fmt.Fprintf(&b, "The API also sent %d additionalErrors.\n", len(r.AdditionalErrors))
	}
	switch {
	case s.wroteFailed:
		fmt.Fprintf(&b, "Failed file: %d unfinished patches written to %s\n  retry them with: %s\n", len(unfinished), s.failedPath, s.retry)
	case len(unfinished) > 0:
		fmt.Fprintf(&b, "Failed file: not written (see the error below); %d patches are unfinished\n", len(unfinished))
	case s.removedStale:
		fmt.Fprintf(&b, "All patches applied; removed %s, a failed file left by an earlier run\n", s.failedPath)
	default:
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
