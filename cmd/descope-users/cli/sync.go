package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// syncCommand is sync: users made to match a file of desired states.
func syncCommand() *command {
	return &command{
		name:     "sync",
		synopsis: "[flags] FILE",
		summary:  "make users match a file of desired states, sending only what differs",
		help: `Reads FILE, the desired state of some users in the format patch reads (JSON Lines or CSV, the
same fields and columns: see 'descope-users help patch'), loads those users, and sends each one
the smallest patch that makes it match: only the fields that differ, custom attributes key by
key. Users that already match get nothing, so a sync run again right after a successful one
sends no change at all. 'descope-users export' writes such a file: export, edit, and sync sends
only the edits.

What a line means: a field it leaves out is not compared (whatever the user has is fine); "" or
[] means the field should be empty (a CSV cell cannot say that: an empty cell is left out); in
customAttributes, null means the attribute should be absent. roleNames, ssoAppIds and
additionalLoginIds compare as sets, userTenants by tenant ID with each tenant's roles as a set,
and custom attribute numbers by value (5 and 5.0 are equal). Users are named by login ID or user
ID; a user named twice, even by two of its names, is an error (exit 2).

The whole file is checked before anything is sent: a malformed line stops sync with FILE:LINE
and what is wrong (exit 2). The users are then loaded with SearchUsers (test users too), up to
--page-size names per call, --concurrency calls at once, paced under --search-limit; names not
found as login IDs are looked up as user IDs. The patches go out as patch sends them
(PatchUserBatch: --batch-size, --concurrency, paced under --limit or --rate). The file is held in
memory.

Users that do not exist are never created: they are listed on stderr and make the exit status 1.

--dry-run loads the users and prints the plan without sending anything that changes anything:
each user to change, with every field that differs, its current and its desired value (as JSON;
a custom attribute the user lacks is (absent), one to remove (removed)), then a summary: users
unchanged, to change and missing. It needs credentials, as it reads the users.

The patches that fail or are not attempted are recorded as their users' desired lines (JSON
Lines, whatever FILE's format) in the --failed file (default FILE.failed.jsonl), as soon as their
outcome is known, so that 'descope-users sync FILE.failed.jsonl' retries them. The run creates
that file (or takes over an empty one) before reading FILE and holds it to the end, appending
only; it removes it when nothing failed. A failed file that already holds lines, or the journal
of a killed patch run beside it, is never replaced or removed: sync refuses to start until it is
retried or removed (exit 2). FILE itself says everything the failed file would, and running sync
on FILE again sends only what still differs, so sync needs no journal and no --resume.

Exit status: 0 every user of FILE exists and matches it (with --dry-run: every user exists);
1 some patches failed or were not attempted, some users do not exist, or the API refused a call;
2 bad usage or input (nothing was sent).`,
		example: []string{"users.jsonl"},
		define: func(fs *flags) runner {
			o := syncFlags(fs.FlagSet)
			return func(ctx context.Context, c *cli, cmd *command, args []string) int {
				return runSync(ctx, c, cmd, o, args)
			}
		},
	}
}

type syncOpts struct {
	batchFlags
	searchLimit *limitValue
	pageSize    *int
	failed      *string
	dryRun      *bool
}

func syncFlags(fs *flag.FlagSet) syncOpts {
	return syncOpts{
		batchFlags: newBatchFlags(fs, patchBatches, "patches", "searches, then batches, in flight at once",
			"instead of --limit, a token bucket: at most this many batch calls per second (0: none)"),
		searchLimit: searchLimitFlag(fs),
		pageSize:    fs.Int("page-size", api.DefaultSyncPageSize, "users named in one SearchUsers call, and its page size (no source documents a maximum)"),
		failed:      fs.String("failed", "", "where to write the desired lines of the users whose patch failed or was not attempted (default: `FILE`.failed.jsonl, beside it)"),
		dryRun:      fs.Bool("dry-run", false, "load the users and print the plan: what differs, user by user; change nothing"),
	}
}

func (o syncOpts) searchPacing() api.RunOption { return api.WithPace(o.searchLimit.pace()) }

// desiredFile is the input of a sync run, read whole: the patches and the line each starts on.
type desiredFile struct {
	inputFile
	patches []api.UserPatch
	lines   []int
}

// where names the line of the i-th patch, FILE:LINE.
func (in *desiredFile) where(i int) string { return fmt.Sprintf("%s:%d", in.name(), in.lines[i]) }

// read reads and checks the whole input: malformed lines, then users named twice, come back as
// an *inputError.
func (in *desiredFile) read(stdin io.Reader) error {
	r := stdin
	if in.path != "-" {
		f, err := openInput(in.path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	if err := scanRecords(in.name(), r, in.format, patchRecords, func(line int, p api.UserPatch) error {
		in.patches = append(in.patches, p)
		in.lines = append(in.lines, line)
		return nil
	}); err != nil {
		return err
	}
	problems := &inputError{name: in.name()}
	seen := make(map[string]int, len(in.patches))
	for i, p := range in.patches {
		if j, dup := seen[p.LoginID]; dup {
			problems.add(in.lines[i], "loginId %q is also on line %d: a user may appear once in a sync file", p.LoginID, in.lines[j])
			continue
		}
		seen[p.LoginID] = i
	}
	return problems.err()
}

func runSync(ctx context.Context, c *cli, cmd *command, o syncOpts, pos []string) int {
	problem := o.problem()
	if problem == "" && (*o.pageSize < 1 || *o.pageSize > math.MaxInt32) {
		problem = fmt.Sprintf("--page-size must be between 1 and %d", math.MaxInt32)
	}
	file, ok := c.inputArg(cmd, pos, "the JSON Lines or CSV file of the users' desired states", problem, *o.format)
	if !ok {
		return exitUsage
	}
	in := &desiredFile{inputFile: file}
	failedPath := failedPathFor(*o.failed, in.path)
	// The failed file is this run's from before anything is read to the end of the run.
	var files *runFiles
	if !*o.dryRun {
		var err error
		if files, err = holdRunFiles(in.path, failedPath, holder{cmd: cmd.name, noun: patchRecords.noun}, false); err != nil {
			return c.refuse(cmd, err)
		}
		defer files.release(false)
	}
	if err := in.read(c.stdin); err != nil {
		return c.refuseInput(cmd, err)
	}
	if len(in.patches) == 0 {
		fmt.Fprintf(c.stdout, "%s: no users; nothing to do\n", in.name())
		return exitOK
	}

	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	plan, err := cl.PlanSync(ctx, in.patches, api.WithPageSize(*o.pageSize), api.WithConcurrency(*o.concurrency), o.searchPacing())
	var dup *api.DuplicateUserError
	switch {
	case errors.As(err, &dup):
		fmt.Fprintf(c.stderr, "%s %s: %s (%q) and %s (%q) name the same user (%s): a user may appear once in a sync file; nothing was changed\n",
			progName, cmd.name, in.where(dup.First), dup.FirstName, in.where(dup.Second), dup.SecondName, dup.UserID)
		return exitUsage
	case err != nil:
		return c.fail(cmd, fmt.Errorf("loading the users (nothing was changed): %w", err))
	}

	if *o.dryRun {
		printPlan(c.stdout, in.where, plan)
		printPlanSummary(c.stdout, in, plan, "dry run: nothing was changed")
		return reportMissing(c, cmd, in, plan)
	}
	printPlanSummary(c.stdout, in, plan, "")
	if plan.ToChange == 0 {
		fmt.Fprintf(c.stdout, "Every user of %s that exists matches it: nothing was sent.\n", in.label())
		return reportMissing(c, cmd, in, plan)
	}

	// The failed file gets the desired line of each user whose patch did not apply (Apply's
	// Index is the desired line's position), so that sync retries it.
	out := newOutcomeWriter(files.failed, func(r api.PatchResult) any { return in.patches[r.Index] })
	end, err := sendRecorded(ctx, c, out, "patching", "patches", plan.ToChange, o.bulkOptions(), func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[api.UserPatch], error) {
		return plan.Apply(ctx, cl, opts...)
	})
	if err != nil {
		return c.fail(cmd, err)
	}
	s := summary[api.UserPatch]{
		input: in.label(), res: end.res, inputs: "patches", applied: "patched", reasons: &out.reasons,
		total: plan.ToChange, stopped: end.stopped(ctx), pacing: o.describePacing(),
		failedPath: failedPath, failedLines: out.unfinished, retry: c.prefix + " " + cmd.name + " " + fileArg(failedPath),
	}
	printSummary(c.stdout, s)
	code := reportMissing(c, cmd, in, plan)
	if end.problem != nil {
		return c.runStopped(cmd, end.problem, "The run was stopped. Run the same command again: it sends only what still differs.")
	}
	if s.unfinished() {
		return exitFailed
	}
	return code
}

func printPlanSummary(w io.Writer, in *desiredFile, plan *api.SyncPlan, note string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan for %s", in.label())
	if note != "" {
		fmt.Fprintf(&b, " (%s)", note)
	}
	b.WriteString("\n")
	row := func(label, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("users", "%d", plan.Total)
	row("unchanged", "%d", plan.Unchanged)
	row("to change", "%d (%d fields)", plan.ToChange, plan.Fields)
	row("missing", "%d", plan.Missing)
	row("searches", "%d (%v)", plan.Reads, round(plan.Elapsed))
	_, _ = io.WriteString(w, b.String())
}

// maxMissingListed caps how many missing users the error lists.
const maxMissingListed = 20

// reportMissing lists the users that do not exist on stderr and returns the exit status they
// call for: 1 when there are any.
func reportMissing(c *cli, cmd *command, in *desiredFile, plan *api.SyncPlan) int {
	if plan.Missing == 0 {
		return exitOK
	}
	var b strings.Builder
	if plan.Missing == 1 {
		fmt.Fprintf(&b, "%s %s: 1 user does not exist (sync does not create users):\n", progName, cmd.name)
	} else {
		fmt.Fprintf(&b, "%s %s: %d users do not exist (sync does not create users):\n", progName, cmd.name, plan.Missing)
	}
	for i, m := range plan.MissingUsers {
		if i == maxMissingListed {
			fmt.Fprintf(&b, "  ... and %d more\n", plan.Missing-maxMissingListed)
			break
		}
		fmt.Fprintf(&b, "  %s: %s\n", in.where(m.Index), m.LoginID)
	}
	_, _ = io.WriteString(c.stderr, b.String())
	return exitFailed
}
