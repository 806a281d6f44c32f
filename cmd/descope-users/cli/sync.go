package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// syncCommand is sync: users made to match a file of desired states; with --create-missing the
// users it names that do not exist are created, and with --prune the users of a scope it does not
// name are deleted.
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

Users that do not exist are created only with --create-missing; without it they are listed on
stderr and make the exit status 1. With it, each is created (CreateUsers, Descope's
create/batch: --batch-size, --concurrency, paced under --create-limit, by default the documented
limit for user creation, 100 calls a minute) with every field of its line that a create takes:
loginId (the new user's login ID), email, phone, name, givenName, middleName, familyName,
picture, status, verifiedEmail, verifiedPhone, recoveryEmail, recoveryPhone,
verifiedRecoveryEmail, verifiedRecoveryPhone, roleNames, userTenants, customAttributes (less
those that are null: absent is what they ask), additionalLoginIds and ssoAppIds. A line without
status leaves it to the API, as create-batch does: a user created through the management API
starts invited, and sync never compares a status a line does not give, so never patches it;
give "status":"enabled" to create users enabled. The creates go as import sends them
(ImportSeq): a user created meanwhile, or by a batch whose answer was lost, is reported
existing, never created twice. A line with a userId names its user by user ID, which
a create cannot choose, and a line with "scim":true asks what a create cannot set: such users are
not created but listed on stderr with FILE:LINE and why (missing, exit status 1). sync cannot
tell a user ID from a login ID by its look: a loginId without a userId is created as a login ID,
so give a userId on the line of any user that must never be created. A create that fails (a
login ID another user has, say) or is not attempted goes to the failed file as its desired line,
so that 'descope-users sync --create-missing FAILED' creates it.

--prune deletes the users of --scope that FILE does not name (DeleteUsers, Descope's
delete/batch, by user ID: --batch-size, --concurrency, paced under --delete-limit, by default the
documented limit of the management paths without one of their own, 100 calls a minute). It
cannot be undone. --scope TERM says which users it may delete, one TERM a flag; a user is in the
scope when it matches every TERM given: all (every user; alone), tenant=ID (a member of the
tenant), role=NAME (has the role, in the project or in a tenant), attr.KEY=VALUE (the custom
attribute KEY is VALUE: JSON when VALUE is valid JSON, as 42, true or "42", else a plain string;
numbers by value). --prune without --scope is a usage error (exit 2). The scope is read with
SearchUsers (its tenantIds, roleNames and customAttributes filters; --page-size users a page,
paced under --search-limit), and every user the search returns is checked against the terms
again. Test users are never in the scope unless --include-test-users. A user FILE names is never
deleted: by any of its login IDs or its user ID as a line's loginId, by a line's userId, or among
a line's additionalLoginIds. An empty FILE names nobody. Deleting more users than --max-deletes
(default 10) is refused without --force: exit 2, after the plan is printed and before anything is
sent (with --dry-run the plan says so). Deletes that fail or are not attempted are listed on
stderr by login ID and user ID, not in the failed file (they are no desired lines), and make the
exit status 1: run the same command again, and it deletes what is left. Never prune with a failed
file: it names only the users that failed, so every other user of the scope would go. sync
refuses --prune on a FILE whose name ends in .failed.jsonl.

A run sends the patches first, then the creates, then the deletes, each kind in batches under its
own limit (--rate, when given, paces each kind instead), and prints a summary of each. Run again
right after a run that applied everything, sync sends nothing at all.

--dry-run loads the users (and reads the scope) and prints the plan without sending anything
that changes anything: first each user to delete (delete: LOGIN-ID (USER-ID)), a list every run
prints; then each user to create, with the fields it would be created with (as JSON); then each
user to change, with every field that differs, its current and its desired value (as JSON; a
custom attribute the user lacks is (absent), one to remove (removed)); then a summary: users
unchanged, to change, to create (with --create-missing), missing, and to delete (with --prune).
It needs credentials, as it reads the users.

The patches and creates that fail or are not attempted are recorded as their users' desired
lines (JSON Lines, whatever FILE's format) in the --failed file (default FILE.failed.jsonl), as
soon as their outcome is known, so that 'descope-users sync FILE.failed.jsonl' retries them (with
--create-missing when creates failed: the summary names the command). The run creates that file
(or takes over an empty one) before reading FILE and holds it to the end, appending only; it
removes it when nothing failed. A failed file that already holds lines, or the journal of a
killed patch run beside it, is never replaced or removed: sync refuses to start until it is
retried or removed (exit 2). FILE itself says everything the failed file would, and running sync
on FILE again sends only what still differs, so sync needs no journal and no --resume.

Exit status: 0 every user of FILE exists (or was created) and matches it, and every user to
delete was deleted (with --dry-run: every user exists or is to be created); 1 some patches,
creates or deletes failed or were not attempted, some users do not exist and were not created,
or the API refused a call; 2 bad usage or input, or more deletes than --max-deletes without
--force (nothing was sent).`,
		example: []string{"users.jsonl"},
		define: func(fs *flags) runner {
			o := syncFlags(fs)
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

	createMissing *bool
	createLimit   *limitValue

	prune       *bool
	scope       *scopeValue
	withTest    *bool
	maxDeletes  *int
	force       *bool
	deleteLimit *limitValue

	fs *flags // to tell the flags given
}

// syncBatches are the batch calls of sync: --limit is PatchUserBatch's.
var syncBatches = batchCall{"PatchUserBatch, CreateUsers or DeleteUsers", patchBatches.route, patchBatches.limit}

// defaultMaxDeletes is --max-deletes' default.
const defaultMaxDeletes = 10

func syncFlags(fs *flags) syncOpts {
	o := syncOpts{
		batchFlags: newBatchFlags(fs.FlagSet, syncBatches, "patches, users to create or user IDs to delete", "searches, then batches, in flight at once",
			"instead of --limit, --create-limit and --delete-limit, a token bucket for each kind of batch call: at most this many calls per second (0: none)"),
		searchLimit: searchLimitFlag(fs.FlagSet),
		pageSize:    fs.Int("page-size", api.DefaultSyncPageSize, "users named in one SearchUsers call, and its page size (no source documents a maximum)"),
		failed:      fs.String("failed", "", "where to write the desired lines of the users whose patch or create failed or was not attempted (default: `FILE`.failed.jsonl, beside it)"),
		dryRun:      fs.Bool("dry-run", false, "load the users and print the plan: what differs, user by user, and what would be created and deleted; change nothing"),

		createMissing: fs.Bool("create-missing", false, "create the users FILE names that do not exist, each with the fields of its line (CreateUsers)"),
		createLimit:   limitFlag(fs.FlagSet, "create-limit", api.LimitUserCreate, "user create"),

		prune:       fs.Bool("prune", false, "delete the users of --scope that FILE does not name (DeleteUsers); it cannot be undone"),
		scope:       &scopeValue{},
		withTest:    fs.Bool("include-test-users", false, "with --prune: test users are in the scope too (they are left out otherwise)"),
		maxDeletes:  fs.Int("max-deletes", defaultMaxDeletes, "with --prune: refuse to delete more users than this without --force (exit 2, nothing sent)"),
		force:       fs.Bool("force", false, "with --prune: delete even more users than --max-deletes"),
		deleteLimit: limitFlag(fs.FlagSet, "delete-limit", api.LimitDefault, "management API"),
		fs:          fs,
	}
	fs.Var(o.scope, "scope", "with --prune, the users it may delete: `TERM` all, tenant=ID, role=NAME or attr.KEY=VALUE; repeat it for the users that match every TERM")
	return o
}

// pruneProblem is what is wrong with --prune and the flags that go with it, for a run on the
// file at path (or "" when the arguments are not one file), as a usage error says it, or "".
func (o syncOpts) pruneProblem(path string) string {
	if !*o.prune {
		for _, name := range []string{"scope", "include-test-users", "max-deletes", "force"} {
			if o.fs.given(name) {
				return fmt.Sprintf("--%s goes with --prune", name)
			}
		}
		return ""
	}
	switch {
	case !o.scope.given():
		return "--prune needs --scope: the users it may delete (all, tenant=ID, role=NAME or attr.KEY=VALUE)"
	case *o.maxDeletes < 0:
		return "--max-deletes must be 0 or more"
	case strings.HasSuffix(path, ".failed.jsonl"):
		return fmt.Sprintf("--prune on %s, a failed file, would delete every user of the scope but the few that failed: prune with the whole desired file", path)
	}
	return ""
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

// names is every name FILE gives its users: each line's loginId (a login ID or a user ID), userId
// and additionalLoginIds.
func (in *desiredFile) names() map[string]bool {
	named := make(map[string]bool, len(in.patches))
	for _, p := range in.patches {
		named[p.LoginID] = true
		if p.UserID != nil {
			named[*p.UserID] = true
		}
		for _, id := range valueOf(p.AdditionalLoginIDs) {
			named[id] = true
		}
	}
	return named
}

func runSync(ctx context.Context, c *cli, cmd *command, o syncOpts, pos []string) int {
	problem := o.problem()
	if problem == "" && (*o.pageSize < 1 || *o.pageSize > math.MaxInt32) {
		problem = fmt.Sprintf("--page-size must be between 1 and %d", math.MaxInt32)
	}
	if problem == "" && len(pos) <= 1 {
		problem = o.pruneProblem(strings.Join(pos, ""))
	}
	file, ok := c.inputArg(cmd, pos, "the JSON Lines or CSV file of the users' desired states", problem, *o.format)
	if !ok {
		return exitUsage
	}
	in := &desiredFile{inputFile: file}
	failedPath := failedPathFor(*o.failed, in.path)
	by := holder{cmd: cmd.name, noun: patchRecords.noun}
	retry := c.prefix + " " + cmd.name + " " + fileArg(failedPath)
	if *o.createMissing {
		by.needs = "--create-missing"
		retry = c.prefix + " " + cmd.name + " --create-missing " + fileArg(failedPath)
	}
	// The failed file is this run's from before anything is read to the end of the run.
	var files *runFiles
	if !*o.dryRun {
		var err error
		if files, err = holdRunFiles(in.path, failedPath, by, false); err != nil {
			return c.refuse(cmd, err)
		}
		defer files.release(false)
	}
	if err := in.read(c.stdin); err != nil {
		return c.refuseInput(cmd, err)
	}
	if len(in.patches) == 0 && !*o.prune {
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
	missing := sortMissing(in, plan, *o.createMissing)
	var prune *pruneSet
	if *o.prune {
		if prune, err = findPrunes(ctx, cl, in, o); err != nil {
			return c.fail(cmd, fmt.Errorf("reading the scope %s (nothing was changed): %w", o.scope, err))
		}
		if prune.unmatched > 0 {
			fmt.Fprintf(c.stderr, "%s %s: the search for the scope %s returned %d users that do not match it; they are left alone\n",
				progName, cmd.name, o.scope, prune.unmatched)
		}
	}
	tooMany := prune != nil && len(prune.users) > *o.maxDeletes && !*o.force

	printDeletes(c.stdout, prune)
	if *o.dryRun {
		printCreates(c.stdout, in, missing)
		printPlan(c.stdout, in.where, plan)
		printPlanSummary(c.stdout, in, plan, missing, prune, "dry run: nothing was changed")
		if tooMany {
			fmt.Fprintf(c.stdout, "%s; a run without --dry-run would refuse to delete them\n", o.overMaxDeletes(len(prune.users)))
		}
		return reportMissing(c, cmd, in, missing)
	}
	printPlanSummary(c.stdout, in, plan, missing, prune, "")
	if tooMany {
		fmt.Fprintf(c.stderr, "%s %s: %s: give --force to delete them (or a larger --max-deletes); nothing was sent\n",
			progName, cmd.name, o.overMaxDeletes(len(prune.users)))
		return exitUsage
	}
	r := &syncRun{c: c, cmd: cmd, in: in, files: files, failedPath: failedPath, retry: retry}
	sends := 0
	for _, n := range []int{plan.ToChange, len(missing.create), prune.size()} {
		if n > 0 {
			sends++
		}
	}
	if sends == 0 {
		fmt.Fprintf(c.stdout, "%s: nothing was sent.\n", settledState(in, missing, prune))
		return reportMissing(c, cmd, in, missing)
	}
	r.shared = sends > 1

	if plan.ToChange > 0 {
		// Apply's Index is the desired line's position.
		if code, stop := runRecorded(ctx, r, syncPhase[api.UserPatch]{
			doing: "patching", inputs: "patches", applied: "patched", total: plan.ToChange, flags: o.batchFlags,
			send: func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[api.UserPatch], error) {
				return plan.Apply(ctx, cl, opts...)
			},
			line: func(r api.PatchResult) any { return in.patches[r.Index] },
		}); stop {
			return code
		}
	}
	if n := len(missing.create); n > 0 {
		if code, stop := runRecorded(ctx, r, syncPhase[api.BatchUser]{
			label: "the creates of ", doing: "creating", inputs: "creates", applied: "created", total: n,
			flags: o.withLimit(o.createLimit, "create-limit"),
			send: func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[api.BatchUser], error) {
				return cl.ImportSeq(ctx, slices.Values(missing.create), opts...)
			},
			line: func(r api.Result[api.BatchUser]) any { return in.patches[missing.from[r.Index]] },
		}); stop {
			return code
		}
	}
	if prune.size() > 0 {
		if code, stop := r.deletes(ctx, cl, o, prune); stop {
			return code
		}
	}
	code := reportMissing(c, cmd, in, missing)
	if r.unfinished {
		return exitFailed
	}
	return code
}

// overMaxDeletes says that the run would delete n users, more than --max-deletes.
func (o syncOpts) overMaxDeletes(n int) string {
	return fmt.Sprintf("--prune would delete %d users of the scope %s, more than --max-deletes (%d)", n, o.scope, *o.maxDeletes)
}

// settledState says what a run that has nothing to send found.
func settledState(in *desiredFile, m missingUsers, prune *pruneSet) string {
	s := fmt.Sprintf("Every user of %s that exists matches it", in.label())
	if m.creating && len(m.left) == 0 {
		s = fmt.Sprintf("Every user of %s exists and matches it", in.label())
	}
	if prune != nil {
		s += fmt.Sprintf(", and the scope %s holds no other user", prune.scope)
	}
	return s
}

// syncRun is the sending part of a sync run: its kinds of calls (patches, creates, deletes), one
// after another, each with its summary.
type syncRun struct {
	c          *cli
	cmd        *command
	in         *desiredFile
	files      *runFiles
	failedPath string
	retry      string // the command line that retries the failed file
	shared     bool   // more than one kind is sent: no summary speaks for the failed file alone
	unfinished bool   // something was not applied
}

// syncPhase is one kind of batch call of a sync run whose inputs come from FILE's desired lines:
// the patches, or the creates.
type syncPhase[T any] struct {
	label                  string // before FILE, in the summary's heading
	doing, inputs, applied string // for the progress bar and the summary: "patching", "patches", "patched"
	total                  int
	flags                  batchFlags // batching and pacing
	send                   func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[T], error)
	line                   func(api.Result[T]) any // the desired line of an input not applied
}

// runRecorded sends the inputs of p, recording the desired line of each one not applied in the
// failed file as soon as its outcome is known, and prints the summary. stop is true, with the
// exit status, when the run cannot go on: it failed outright, or an outcome could not be recorded.
func runRecorded[T any](ctx context.Context, r *syncRun, p syncPhase[T]) (code int, stop bool) {
	out := newOutcomeWriter(r.files.failed, p.line)
	opts := append(p.flags.bulkOptions(), api.WithTotal(p.total))
	end, err := sendRecorded(ctx, r.c, out, p.doing, p.inputs, p.total, opts, p.send)
	if err != nil {
		return r.c.fail(r.cmd, err), true
	}
	s := summary[T]{
		input: p.label + r.in.label(), res: end.res, inputs: p.inputs, applied: p.applied, reasons: &out.reasons,
		total: p.total, stopped: end.stopped(ctx), pacing: p.flags.describePacing(), shared: r.shared,
		failedPath: r.failedPath, failedLines: out.unfinished, retry: r.retry,
	}
	printSummary(r.c.stdout, s)
	if end.problem != nil {
		return r.c.runStopped(r.cmd, end.problem, "The run was stopped. Run the same command again: it sends only what still differs."), true
	}
	r.unfinished = r.unfinished || s.unfinished()
	return exitOK, false
}

// deletes deletes the users prune found, prints the summary, and lists on stderr the users not
// deleted: they are no desired lines, and the failed file does not get them.
func (r *syncRun) deletes(ctx context.Context, cl *api.Client, o syncOpts, prune *pruneSet) (code int, stop bool) {
	var (
		reasons reasonTally
		left    []api.Result[string]
	)
	record := func(rs []api.Result[string]) {
		for _, x := range rs {
			if x.Status != api.Applied {
				left = append(left, x)
				reasons.add(x.Reason, x.Status)
			}
		}
	}
	flags := o.withLimit(o.deleteLimit, "delete-limit")
	n := prune.size()
	opts := append(flags.bulkOptions(), api.WithTotal(n))
	res, err := sendTracked(ctx, r.c, record, "deleting", "users", n, opts, func(ctx context.Context, opts ...api.RunOption) (*api.BulkResult[string], error) {
		return cl.DeleteSeq(ctx, prune.userIDs(), opts...)
	})
	if failsCommand(ctx, err) {
		return r.c.fail(r.cmd, err), true
	}
	printSummary(r.c.stdout, summary[string]{
		input: "the deletes of the scope " + prune.scope, res: res, inputs: "deletes", applied: "deleted", reasons: &reasons,
		total: n, stopped: stoppedBy(ctx, err), pacing: flags.describePacing(), shared: true,
	})
	if len(left) == 0 {
		return exitOK, false
	}
	r.unfinished = true
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d of the users to delete were not deleted (run the same command again: it deletes what is left):\n", progName, r.cmd.name, len(left))
	for _, x := range left {
		fmt.Fprintf(&b, "  %s: %s\n", prune.name(x.Index), oneLine(x.Reason))
	}
	_, _ = io.WriteString(r.c.stderr, b.String())
	return exitOK, false
}

func printPlanSummary(w io.Writer, in *desiredFile, plan *api.SyncPlan, m missingUsers, prune *pruneSet, note string) {
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
	if m.creating {
		row("to create", "%d", len(m.create))
	}
	row("missing", "%d", len(m.left))
	if prune != nil {
		row("to delete", "%d (of %d users in the scope %s)", len(prune.users), prune.inScope, prune.scope)
	}
	row("searches", "%d (%v)", plan.Reads, round(plan.Elapsed))
	_, _ = io.WriteString(w, b.String())
}

// maxMissingListed caps how many missing users the error lists.
const maxMissingListed = 20

// reportMissing lists the users that do not exist and are not created on stderr, and returns
// the exit status they call for: 1 when there are any.
func reportMissing(c *cli, cmd *command, in *desiredFile, m missingUsers) int {
	n := len(m.left)
	if n == 0 {
		return exitOK
	}
	var b strings.Builder
	users := "users do not exist"
	if n == 1 {
		users = "user does not exist"
	}
	if m.creating {
		fmt.Fprintf(&b, "%s %s: %d %s and cannot be created:\n", progName, cmd.name, n, users)
	} else {
		fmt.Fprintf(&b, "%s %s: %d %s (sync creates users only with --create-missing):\n", progName, cmd.name, n, users)
	}
	for i, l := range m.left {
		if i == maxMissingListed {
			fmt.Fprintf(&b, "  ... and %d more\n", n-maxMissingListed)
			break
		}
		fmt.Fprintf(&b, "  %s: %s", in.where(l.index), l.name)
		if l.why != "" {
			fmt.Fprintf(&b, ": %s", l.why)
		}
		b.WriteString("\n")
	}
	_, _ = io.WriteString(c.stderr, b.String())
	return exitFailed
}

// missingUsers are the users of a plan that do not exist, sorted: those --create-missing creates,
// and those left missing.
type missingUsers struct {
	creating bool            // --create-missing
	create   []api.BatchUser // the users to create, in FILE's order
	from     []int           // the desired position of each user to create
	left     []leftMissing   // the users not created, in FILE's order
}

// leftMissing is a user that does not exist and is not created: its desired position, its name,
// and why it cannot be created ("" without --create-missing).
type leftMissing struct {
	index     int
	name, why string
}

// sortMissing sorts the missing users of plan: with create, the users whose line a create can
// make are to be created.
func sortMissing(in *desiredFile, plan *api.SyncPlan, create bool) missingUsers {
	m := missingUsers{creating: create}
	for _, mu := range plan.MissingUsers {
		if !create {
			m.left = append(m.left, leftMissing{mu.Index, mu.LoginID, ""})
			continue
		}
		u, why := newUserOf(in.patches[mu.Index])
		if why != "" {
			m.left = append(m.left, leftMissing{mu.Index, mu.LoginID, why})
			continue
		}
		m.create = append(m.create, u)
		m.from = append(m.from, mu.Index)
	}
	return m
}

// newUserOf is the user --create-missing creates for the desired line p of a user that does not
// exist: every field of p that a create takes, as p sets it, and its custom attributes but those
// p wants absent (null). A status p leaves out is left to the API (invited). why is not "" for a
// line whose user a create cannot make as it says: one with a userId (the API chooses a new
// user's ID), or with "scim":true (a create cannot set it).
func newUserOf(p api.UserPatch) (u api.BatchUser, why string) {
	switch {
	case p.UserID != nil:
		return u, "its line names it by user ID (userId), and the API chooses a new user's ID: name a user to create by login ID alone"
	case p.Scim != nil && *p.Scim:
		return u, `its line sets "scim":true, which a create cannot set`
	}
	u = api.BatchUser{
		LoginID: p.LoginID, Email: valueOf(p.Email), Phone: valueOf(p.Phone), Name: valueOf(p.Name),
		GivenName: valueOf(p.GivenName), MiddleName: valueOf(p.MiddleName), FamilyName: valueOf(p.FamilyName),
		Picture: valueOf(p.Picture), Status: p.Status,
		VerifiedEmail: valueOf(p.VerifiedEmail), VerifiedPhone: valueOf(p.VerifiedPhone),
		RecoveryEmail: valueOf(p.RecoveryEmail), RecoveryPhone: valueOf(p.RecoveryPhone),
		VerifiedRecoveryEmail: valueOf(p.VerifiedRecoveryEmail), VerifiedRecoveryPhone: valueOf(p.VerifiedRecoveryPhone),
		RoleNames: valueOf(p.RoleNames), UserTenants: valueOf(p.UserTenants),
		AdditionalLoginIDs: valueOf(p.AdditionalLoginIDs), SsoAppIDs: valueOf(p.SsoAppIDs),
	}
	if p.CustomAttributes != nil {
		for k, v := range *p.CustomAttributes {
			if v == nil {
				continue // null: absent, as a new user's attributes are
			}
			if u.CustomAttributes == nil {
				u.CustomAttributes = map[string]any{}
			}
			u.CustomAttributes[k] = v
		}
	}
	return u, ""
}

// valueOf is what p points to, or the zero value for nil.
func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// printCreates writes each user to create, with the fields it is created with, as JSON.
func printCreates(w io.Writer, in *desiredFile, m missingUsers) {
	var b strings.Builder
	for k, u := range m.create {
		fmt.Fprintf(&b, "%s: %s (to create)\n", in.where(m.from[k]), u.LoginID)
		writeFields(&b, createdFields(u))
	}
	_, _ = io.WriteString(w, b.String())
}

// createdFields are the fields a user is created with, but its login ID, by their JSON names in
// order, custom attributes one by one.
func createdFields(u api.BatchUser) []planField {
	data, err := json.Marshal(u)
	var m map[string]any
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // numbers as they were written
		err = dec.Decode(&m)
	}
	if err != nil {
		return []planField{{"(fields)", err.Error()}}
	}
	delete(m, "loginId")
	if attrs, ok := m["customAttributes"].(map[string]any); ok {
		delete(m, "customAttributes")
		for k, v := range attrs {
			m["customAttributes."+k] = v
		}
	}
	fields := make([]planField, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fields = append(fields, planField{k, planValue(m[k])})
	}
	return fields
}

// pruneSet is what --prune found: the users of the scope that FILE does not name.
type pruneSet struct {
	scope     string      // the scope, as --scope says it
	inScope   int         // users in the scope
	users     []scopeUser // the users to delete, in the search's order
	unmatched int         // users the search returned that the scope does not admit: left alone
}

// scopeUser is a user to delete: its user ID and first login ID ("" when it has none).
type scopeUser struct{ userID, loginID string }

// size is how many users are to be deleted; 0 for no --prune.
func (p *pruneSet) size() int {
	if p == nil {
		return 0
	}
	return len(p.users)
}

func (p *pruneSet) userIDs() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, u := range p.users {
			if !yield(u.userID) {
				return
			}
		}
	}
}

// name is the i-th user to delete, by login ID and user ID.
func (p *pruneSet) name(i int) string {
	u := p.users[i]
	if u.loginID == "" || u.loginID == u.userID {
		return u.userID
	}
	return fmt.Sprintf("%s (%s)", u.loginID, u.userID)
}

// findPrunes reads the scope with SearchAll, and keeps the users that in.patches does not name.
func findPrunes(ctx context.Context, cl *api.Client, in *desiredFile, o syncOpts) (*pruneSet, error) {
	named := in.names()
	p := &pruneSet{scope: o.scope.String()}
	for u, err := range cl.SearchAll(ctx, o.scope.search(*o.withTest, *o.pageSize), o.searchPacing()) {
		if err != nil {
			return nil, err
		}
		if !o.scope.matches(&u, *o.withTest) {
			p.unmatched++
			continue
		}
		p.inScope++
		if named[u.UserID] || slices.ContainsFunc(u.LoginIDs, func(id string) bool { return named[id] }) {
			continue
		}
		first := ""
		if len(u.LoginIDs) > 0 {
			first = u.LoginIDs[0]
		}
		p.users = append(p.users, scopeUser{u.UserID, first})
	}
	return p, nil
}

// printDeletes writes each user to delete, by login ID and user ID; nothing without --prune.
func printDeletes(w io.Writer, p *pruneSet) {
	var b strings.Builder
	for i := range p.size() {
		fmt.Fprintf(&b, "delete: %s\n", p.name(i))
	}
	_, _ = io.WriteString(w, b.String())
}
