package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// patchCommand is patch: the patches of a file, sent in batches.
func patchCommand() *command {
	return &command{
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
