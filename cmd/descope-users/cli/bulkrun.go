package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// bulkCommand is a command that sends every record of a file, an input of type T, through one
// api bulk run over a batch operation: patch (PatchSeq), and any command over another batch
// operation. Its run is written once, here, for all of them: it holds the failed file and the
// journal from before it reads FILE (a new run, or the killed one --resume continues), checks
// the whole of FILE while spooling it, sends from the spool with the progress bar, records
// every outcome as it comes (outcomeWriter), prints the summary, reports a FILE that changed
// meanwhile, and exits 0, 1 or 2 as every bulk command does.
type bulkCommand[T any] struct {
	// records is how FILE's lines or rows become inputs, checked, and what the inputs are
	// called ("patch", "patches"). Whatever is not applied goes to the failed file as
	// encodeLine writes its line (records.lineOf: the input, unless records says otherwise),
	// which records reads back.
	records records[T]
	// applied names the applied inputs in the summary ("patched"); doing names the run on the
	// progress bar ("patching").
	applied, doing string
	// call is the batch operation, for the flags' help and --limit's default.
	call batchCall
	// send runs the batches: a method expression such as (*api.Client).PatchSeq.
	send func(cl *api.Client, ctx context.Context, inputs iter.Seq[T], opts ...api.RunOption) (*api.BulkResult[T], error)
	// confirm, when not "", says what the command does that cannot be undone ("deletes the users
	// FILE names"): it then sends nothing without --confirm (which --dry-run does not need).
	confirm string
	// own, when set, defines the command's own flags beside bulkFlags, and returns what reads
	// them once they are parsed: how they change the run, or a usage error.
	own func(fs *flags) func() (bulkVariant[T], error)
}

// bulkVariant is how a command's own flags change the one bulk run. Its zero value changes
// nothing.
type bulkVariant[T any] struct {
	// source, when set, reads FILE instead of records' format; format is then its name, which
	// the journal records, and args the flags that select it, for the --resume command line.
	source recordSource[T]
	format string
	args   string
	// unique is a key no two records of FILE may share (see spooledInput).
	unique func(rec *T) string
	// plan, when set, is what --dry-run prints after FILE is checked, instead of a count; checkErr
	// is the check's *inputError, or nil. It returns the exit status.
	plan func(ctx context.Context, c *cli, cmd *command, in *spooledInput[T], checkErr error) int
	// existing, when set, receives the inputs the run found existing (api.Existing), after a
	// run that recorded every outcome; it returns the exit status it calls for.
	existing func(ctx context.Context, c *cli, cl *api.Client, inputs []T) int
}

// bulkFlags are the flags of every bulk command.
type bulkFlags struct {
	batchFlags
	failed *string
	dryRun *bool
	resume *bool
	// confirmed refuses a run without --confirm, for a command whose runs cannot be undone; nil
	// for the others.
	confirmed func() error
}

// command makes cmd, whose name, synopsis, summary, example and first paragraph of help say
// what it does, a bulk command running b: its help gets the format of FILE and what every bulk
// run does, and its flags are bulkFlags.
func (b bulkCommand[T]) command(cmd command) *command {
	many := b.records.many
	cmd.help = strings.TrimSpace(cmd.help) + "\n\n" + b.help(cmd.name)
	cmd.define = func(fs *flags) runner {
		o := bulkFlags{
			batchFlags: newBatchFlags(fs.FlagSet, b.call, many, "batches in flight at once",
				"instead of --limit, a token bucket: at most this many calls per second, all batches together (0: none)"),
			failed: fs.String("failed", "", "where to write the failed and not-attempted "+many+", as JSON Lines (default: `FILE`.failed.jsonl, beside it); its journal goes beside it"),
			dryRun: fs.Bool("dry-run", false, "check the file and report what it holds; send nothing (needs no credentials)"),
			resume: fs.Bool("resume", false, "continue a run that was killed: send only the "+many+" its journal does not record"),
		}
		if b.confirm != "" {
			o.confirmed = fs.confirm(b.confirm)
		}
		variant := func() (bulkVariant[T], error) { return bulkVariant[T]{}, nil }
		if b.own != nil {
			variant = b.own(fs)
		}
		return func(ctx context.Context, c *cli, cmd *command, args []string) int {
			v, err := variant()
			if err != nil {
				return c.usageError(cmd, "%v", err)
			}
			return b.run(ctx, c, cmd, o, v, args)
		}
	}
	return &cmd
}

// bulkHelp is what the help of every bulk command says after its first paragraph: {format} is
// the format of its records, {one} and {many} what they are called, {cmd} the command.
const bulkHelp = `Any malformed line stops the command before anything is sent: the error names FILE:LINE and
what is wrong (exit 2). The file is read once, line by line, and copied to a private temporary
file, which the run then reads: it is never held in memory, so its size does not matter, and
the run sends exactly what was checked, even if FILE is rewritten meanwhile (that is reported,
and makes the exit status 1). A named pipe or process substitution works as FILE.

{format}

Nothing is lost, even if the command is killed. The {many} that fail or are not attempted are
written to the --failed file (default FILE.failed.jsonl) as soon as their outcome is known, as
JSON Lines that {cmd} accepts (no line longer than {cmd} reads: a {one} that could not be
written back so is refused when FILE is checked), and a journal beside it (FAILED.journal)
records which {many} have an outcome. Both are the run's from before FILE is read until the run
ends: the failed file is created readable by its owner alone (an empty one may be taken over, and
is made so), the journal created, and the run holds a lock on them, so a second run naming them is refused while the first lives. A failed
file that holds {many} is never overwritten: retry those first, or remove it. Ctrl-C (or
--timeout) stops promptly and writes every {one} not applied to the failed file. A run that is
killed outright leaves its journal, which names the command: run the same command with --resume
to send only the {many} without a known outcome (at most the batches in flight when it died are
sent twice). --resume refuses a journal that does not describe FILE, or that another command
wrote.

While it runs, a progress bar is drawn on stderr when stderr is a terminal. At the end it prints
a summary ({applied}, failed, not attempted, batches, 429s, time, rate) and the failure reasons.

Exit status: 0 all applied; 1 some failed or were not attempted, FILE changed during the run, or
the run was interrupted; 2 bad input or a failed file that cannot be written, nothing sent.`

func (b bulkCommand[T]) help(cmd string) string {
	return strings.NewReplacer("{format}", b.records.help, "{one}", b.records.one, "{many}", b.records.many,
		"{applied}", b.applied, "{cmd}", cmd).Replace(bulkHelp)
}

// run is the one run of every bulk command.
func (b bulkCommand[T]) run(ctx context.Context, c *cli, cmd *command, o bulkFlags, v bulkVariant[T], pos []string) int {
	n := b.records.noun
	problem := o.problem()
	if problem == "" && *o.dryRun && *o.resume {
		problem = "--dry-run and --resume exclude each other"
	}
	if problem == "" && o.confirmed != nil && !*o.dryRun {
		if err := o.confirmed(); err != nil {
			problem = err.Error()
		}
	}
	// again is the command line that runs the command again, on another file.
	by := holder{cmd: cmd.name, noun: n, journaled: true}
	if o.confirmed != nil {
		by.needs = "--confirm"
	}
	again := c.prefix + " " + cmd.name
	if by.needs != "" {
		again += " " + by.needs
	}
	format := *o.format
	if v.source != nil {
		format = formatJSONL // not used: the source reads FILE
	}
	file, ok := c.inputArg(cmd, pos, "the JSON Lines or CSV file of "+n.many, problem, format)
	if !ok {
		return exitUsage
	}
	if v.source != nil {
		file.format = v.format
	}
	in := &spooledInput[T]{inputFile: file, records: b.records, source: v.source, unique: v.unique,
		listAll: *o.dryRun && v.plan != nil}
	defer in.cleanup()
	failedPath := failedPathFor(*o.failed, in.path)
	// The failed file and the journal are this run's from before the input is read to the end.
	var files *runFiles
	if !*o.dryRun {
		var err error
		if files, err = holdRunFiles(in.path, failedPath, by, *o.resume); err != nil {
			return c.refuse(cmd, err)
		}
	}
	refuseHeld := func(err error) int {
		files.release(false)
		return c.refuse(cmd, err)
	}

	checkErr := in.check(ctx, c.stdin)
	if *o.dryRun && v.plan != nil && (checkErr == nil || isInputError(checkErr)) {
		return v.plan(ctx, c, cmd, in, checkErr)
	}
	if err := checkErr; err != nil {
		files.release(false)
		if ctx.Err() != nil {
			fmt.Fprintf(c.stderr, "%s %s: %s while reading %s; nothing was sent\n", progName, cmd.name, stopCause(ctx), in.name())
			return exitFailed
		}
		return c.refuseInput(cmd, err)
	}
	if *o.dryRun {
		fmt.Fprintf(c.stdout, "%s: %d %s, all well formed (dry run: nothing was sent)\n", in.name(), in.count, n.many)
		return exitOK
	}
	if in.count == 0 && !*o.resume {
		files.release(false)
		fmt.Fprintf(c.stdout, "%s: no %s; nothing to do\n", in.name(), n.many)
		return exitOK
	}

	header := journalHeader{Journal: journalOf(cmd.name), Version: journalVersion, Input: in.path, Format: in.format, SHA256: in.sha256, Inputs: in.count}
	var resumed *resumeState
	if *o.resume {
		var err error
		resumed, err = resumable(files.journal, header, in.name(), n)
		if errors.Is(err, errNothingSent) {
			// Killed before its first call: this run is the killed one, started over.
			if err = files.startOver(); err == nil {
				fmt.Fprintf(c.stderr, "%s %s: the killed run sent nothing (it was killed before its journal's header was written): starting it over\n", progName, cmd.name)
			}
		}
		if err != nil {
			return refuseHeld(err)
		}
	}
	cl, err := c.connect()
	if err != nil {
		files.release(false)
		return c.fail(cmd, err)
	}
	out := newOutcomeWriter(files.failed, func(r api.Result[T]) any { return b.records.lineOf(r.Item) })
	if err := out.keepJournal(files.journal, header, resumed); err != nil {
		return refuseHeld(err)
	}

	var readErr error
	seq := func(yield func(T) bool) {
		ord := -1
		readErr = in.each(func(rec T) bool {
			ord++
			return !out.sent.contains(ord) || yield(rec)
		})
	}
	var existing []T
	if v.existing != nil {
		out.existing = func(rec T) { existing = append(existing, rec) }
	}
	opts := append(o.bulkOptions(), api.WithTotal(out.sent.len()))
	end, err := sendRecorded(ctx, c, out, b.doing, n.many, out.sent.len(), opts, func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[T], error) {
		return b.send(cl, ctx, seq, opts...)
	})
	if err != nil {
		files.release(false)
		return c.fail(cmd, err)
	}
	end.problem = errors.Join(end.problem, readErr)
	failedLines := out.unfinished
	if resumed != nil {
		failedLines += countLines(failedPath, resumed.failedBytes)
	}
	// Once every input has an outcome on disk, the journal has done its job.
	files.release(end.problem == nil)
	s := summary[T]{
		input: in.label(), res: end.res, inputs: n.many, applied: b.applied, reasons: &out.reasons,
		total: in.count, resumed: in.count - out.sent.len(), stopped: end.stopped(ctx), pacing: o.describePacing(),
		failedPath: failedPath, failedLines: failedLines, retry: again + " " + fileArg(failedPath),
	}
	printSummary(c.stdout, s)
	_, _ = io.WriteString(c.stdout, in.skipped.describe(n))
	changed := in.changedSinceCheck()
	if changed != "" {
		fmt.Fprintf(c.stderr, "%s %s: %s changed while the run read it (%s): the run sent the %s as they were when checked, every one accounted for above; run %s on it again if its new content is meant\n",
			progName, cmd.name, in.name(), changed, n.many, cmd.name)
	}
	if end.problem != nil {
		resume := again + " --resume "
		if v.args != "" {
			resume += v.args + " "
		}
		return c.runStopped(cmd, end.problem, fmt.Sprintf("The run was stopped, and the %s without a recorded outcome were not lost: their journal is %s.\nFix the problem, then continue with: %s",
			n.many, journalPath(failedPath), resume+fileArg(in.path)))
	}
	code := exitOK
	if s.unfinished() || changed != "" {
		code = exitFailed
	}
	if v.existing != nil && len(existing) > 0 && s.stopped == "" {
		code = max(code, v.existing(ctx, c, cl, existing))
	}
	return code
}

// inputArg returns the one FILE a command reads, whose content holds describes, with its
// format (from --format, or its extension). When the arguments are not one FILE, problem (a
// problem with the flags) is not "", or the format is not known, it prints the usage error and
// returns false: the command exits 2.
func (c *cli) inputArg(cmd *command, pos []string, holds, problem, format string) (inputFile, bool) {
	switch {
	case len(pos) == 0:
		c.usageError(cmd, "FILE is required: %s", holds)
		return inputFile{}, false
	case len(pos) > 1:
		c.usageError(cmd, "one FILE at a time (got %d arguments: %s)", len(pos), strings.Join(pos, " "))
		return inputFile{}, false
	case problem != "":
		c.usageError(cmd, "%s", problem)
		return inputFile{}, false
	}
	f, err := formatOf(pos[0], format)
	if err != nil {
		c.usageError(cmd, "%v", err)
		return inputFile{}, false
	}
	return inputFile{pos[0], f}, true
}

// refuse prints why a run does not start (its failed file, its journal, its input) and returns
// exit status 2.
func (c *cli) refuse(cmd *command, err error) int {
	fmt.Fprintf(c.stderr, "%s %s: %v; nothing was sent\n", progName, cmd.name, err)
	return exitUsage
}

// refuseInput is refuse for an error reading the input: malformed lines (an *inputError) are
// listed, each at its FILE:LINE.
func (c *cli) refuseInput(cmd *command, err error) int {
	var ie *inputError
	if errors.As(err, &ie) {
		fmt.Fprintf(c.stderr, "%s %s: %s\n", progName, cmd.name, ie.describe("; nothing was sent"))
		return exitUsage
	}
	return c.refuse(cmd, err)
}

// runStopped prints why a run stopped before every outcome was recorded, and what to do then,
// and returns exit status 1.
func (c *cli) runStopped(cmd *command, problem error, then string) int {
	fmt.Fprintf(c.stderr, "%s %s: %v\n%s\n", progName, cmd.name, problem, then)
	return exitFailed
}

// bulkEnd is how a bulk run whose outcomes went to an outcomeWriter ended.
type bulkEnd[T any] struct {
	res    *api.BulkResult[T]
	runErr error // the run's error: nil, the context's, or an *api.StopError
	// problem is why some outcome may not be recorded (a write that failed, an input that could
	// not be read back): the run was stopped.
	problem error
}

// stopped says why a run that recorded every outcome stopped before its end, for the summary's
// heading, or "".
func (e bulkEnd[T]) stopped(ctx context.Context) string {
	if e.problem != nil {
		return ""
	}
	return stoppedBy(ctx, e.runErr)
}

// sendRecorded runs send, a bulk run of total inputs called inputs, with opts and: every result
// to out, which cancels the run should it fail to record one, and the progress bar (doing names
// the run). Its error is the run's when the command fails with it: only invalid options fail a
// run outright, and the commands check theirs before.
func sendRecorded[T any](ctx context.Context, c *cli, out *outcomeWriter[T], doing, inputs string, total int, opts []api.RunOption,
	send func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[T], error)) (bulkEnd[T], error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	out.cancel = cancel
	res, runErr := sendTracked(runCtx, c, out.record, doing, inputs, total, opts, send)
	flushErr := out.flush()
	if failsCommand(runCtx, runErr) {
		return bulkEnd[T]{res: res}, runErr
	}
	return bulkEnd[T]{res: res, runErr: runErr, problem: errors.Join(out.err, flushErr)}, nil
}

// sendTracked runs send, a bulk run of total inputs called inputs, with opts and: every result
// to record, and the progress bar (doing names the run).
func sendTracked[T any](ctx context.Context, c *cli, record func([]api.Result[T]), doing, inputs string, total int, opts []api.RunOption,
	send func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[T], error)) (*api.BulkResult[T], error) {
	opts = append(opts, api.WithResultFunc(record))
	bar := newProgressBar(c.progress, total, doing, inputs)
	if bar != nil {
		opts = append(opts, api.WithProgressFunc(bar.update))
	}
	res, err := send(ctx, opts...)
	if bar != nil {
		bar.done()
	}
	return res, err
}

// failsCommand reports whether runErr, the error of a bulk run in ctx, fails the command: only
// invalid options fail a run outright, where a run that ctx or the API stopped accounts for
// every input.
func failsCommand(ctx context.Context, runErr error) bool {
	return runErr != nil && ctx.Err() == nil && !errors.Is(runErr, api.ErrStoppedEarly)
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
