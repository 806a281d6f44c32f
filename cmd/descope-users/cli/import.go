package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// importCommand is import: users moved into Descope from a file, or from another platform's
// export, by the bulk run every bulk command shares, over ImportSeq: a user whose login ID exists
// is reported existing, never created twice.
func importCommand() *command {
	return bulkCommand[api.BatchUser]{
		records: newUserRecords,
		applied: "created",
		doing:   "importing",
		call:    createBatches,
		send:    (*api.Client).ImportSeq,
		own:     importFlags,
	}.command(command{
		name:     "import",
		synopsis: "[--from firebase|auth0] [flags] FILE",
		summary:  "migrate users into Descope from a file or a Firebase or Auth0 export, none created twice",
		help: `Reads FILE, checks every user in it, and only then creates them in batches (CreateUsers,
Descope's create/batch), paced under Descope's documented limit for user creation (--limit, 100
calls a minute per project), with their passwords' hashes, so that nobody has to reset a password.
It is create-batch made safe to run again: a user whose login ID a user has already is reported
as existing and is not created again, whether it existed before, or was created by an earlier
run that was killed, or by a batch whose answer was lost (the users of a batch that did not
create them are looked up by login ID, one search for the batch). Running import again on the
same FILE creates only the users still missing.

FILE is, by --from:
  (none)    users to create, in create-batch's format (JSON Lines or CSV, below), with password
            hashes in any variant Descope takes (hashedPassword: bcrypt, firebase, pbkdf2,
            argon2, sha, md5, django, phpass, ...)
  firebase  the JSON document of 'firebase auth:export FILE --format=json'; its password hashes
            need the project's hash parameters: --hash-config FILE, the block the Firebase
            console shows (Authentication, Users, Password hash parameters) or its JSON
  auth0     Auth0's NDJSON user export (gzipped or not); --hashes FILE adds the bcrypt hashes
            Auth0 support provides (NDJSON), joined by user ID
README (and 'go doc github.com/seed-a84e9595/descope-mgmt/api/migrate') maps each field of
Firebase's and Auth0's users, and says what cannot be carried over. A user without a login ID
(an anonymous Firebase account) is skipped and listed; two users with one login ID, a hash that
matches no user or two, a hash of a shape Descope refuses: each is an error at FILE:LINE, and
the file is refused before anything is sent.

--dry-run checks the whole file and prints the plan: how many users would be created, how many
exist already (looked up by login ID, paced under --search-limit; needs credentials), and every
problem at FILE:LINE. With --update-existing it also lists what differs for the existing users.

--update-existing: after the run, the users found existing are brought to FILE's values as sync
does (only the fields that differ, custom attributes key by key; a field a line leaves out or
empty is not compared). Passwords of existing users are not changed. Should some updates fail,
run the same command again: it creates nothing twice and sends only what still differs.`,
		example: []string{"--dry-run", "new-users.jsonl"},
	})
}

// importOpts are import's own flags.
type importOpts struct {
	from, hashConfig, hashes, keepIDAs *string
	updateExisting                     *bool
	searchLimit                        *limitValue
}

// importFlags defines import's own flags, and reads them into how they change the bulk run.
func importFlags(fs *flags) func() (bulkVariant[api.BatchUser], error) {
	o := importOpts{
		from:           fs.String("from", "", "what FILE is: firebase (firebase auth:export's JSON) or auth0 (Auth0's NDJSON user export); default: create-batch's format"),
		hashConfig:     fs.String("hash-config", "", "with --from firebase: the project's password hash parameters (`FILE`: the console's block or JSON)"),
		hashes:         fs.String("hashes", "", "with --from auth0: the bcrypt password hashes Auth0 support provides (`FILE`, NDJSON)"),
		keepIDAs:       fs.String("keep-id-as", "", "with --from: keep each user's ID at the source in this custom `ATTRIBUTE` (define it in Descope first)"),
		updateExisting: fs.Bool("update-existing", false, "bring the users that exist already to FILE's values, as sync does (passwords are not changed)"),
		searchLimit:    searchLimitFlag(fs.FlagSet),
	}
	return o.variant
}

func (o importOpts) variant() (bulkVariant[api.BatchUser], error) {
	v := bulkVariant[api.BatchUser]{
		unique: func(u *api.BatchUser) string { return u.LoginID },
		plan:   o.plan,
	}
	if *o.updateExisting {
		v.existing = o.update
	}
	from := *o.from
	switch {
	case from != "" && from != "firebase" && from != "auth0":
		return v, fmt.Errorf("--from %q: want firebase or auth0 (or none, for create-batch's format)", from)
	case *o.hashConfig != "" && from != "firebase":
		return v, errors.New("--hash-config goes with --from firebase")
	case *o.hashes != "" && from != "auth0":
		return v, errors.New("--hashes goes with --from auth0")
	case *o.keepIDAs != "" && from == "":
		return v, errors.New("--keep-id-as goes with --from firebase or --from auth0")
	case from == "":
		return v, nil
	}
	opts := migrate.Options{KeepIDAs: *o.keepIDAs}
	v.format, v.args = from, "--from "+from
	if *o.keepIDAs != "" {
		v.args += " --keep-id-as " + shellQuote(*o.keepIDAs)
	}
	if from == "firebase" {
		var hash *migrate.FirebaseHash
		if *o.hashConfig != "" {
			data, err := readSmallFile(*o.hashConfig, maxHashConfig)
			if err != nil {
				return v, fmt.Errorf("--hash-config: %v", err)
			}
			if hash, err = migrate.ParseFirebaseHash(data, *o.hashConfig); err != nil {
				return v, fmt.Errorf("--hash-config: %v", err)
			}
			v.args += " --hash-config " + shellQuote(*o.hashConfig)
		}
		v.source = migrateSource(func(r io.Reader, name string) (iter.Seq2[migrate.Record, error], func(), error) {
			return migrate.ReadFirebase(r, name, hash, opts), func() {}, nil
		})
		return v, nil
	}
	hashesPath := *o.hashes
	if hashesPath != "" {
		v.args += " --hashes " + shellQuote(hashesPath)
	}
	v.source = migrateSource(func(r io.Reader, name string) (iter.Seq2[migrate.Record, error], func(), error) {
		if hashesPath == "" {
			return migrate.ReadAuth0(r, name, nil, "", opts), func() {}, nil
		}
		f, err := openInput(hashesPath)
		if err != nil {
			return nil, nil, fmt.Errorf("--hashes: %v", err)
		}
		return migrate.ReadAuth0(r, name, f, hashesPath, opts), func() { _ = f.Close() }, nil
	})
	return v, nil
}

// maxHashConfig caps the hash configuration file: the console's block is a few hundred bytes.
const maxHashConfig = 64 << 10

// readSmallFile reads a file of at most limit bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, pathErr(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is longer than %d bytes: is it the hash configuration?", path, limit)
	}
	return data, nil
}

// migrateSource is a reader of package migrate as the source of a bulk run: its records are the
// users, a user without a login ID is skipped, an error that ends the read (the document does not
// parse, password hashes without their configuration) stops it, and any other is a problem at
// its place. open opens the read of r, named name, and returns what ends it.
func migrateSource(open func(r io.Reader, name string) (iter.Seq2[migrate.Record, error], func(), error)) recordSource[api.BatchUser] {
	return func(r io.Reader, name string, emit func(string, api.BatchUser) error, problem, skip func(place, why string)) error {
		users, done, err := open(r, name)
		if err != nil {
			return err
		}
		defer done()
		for rec, err := range users {
			if err == nil {
				if err := emit(rec.Place, rec.User); err != nil {
					return err
				}
				continue
			}
			var me *migrate.Error
			switch {
			case !errors.As(err, &me), errors.Is(err, migrate.ErrUnreadable), errors.Is(err, migrate.ErrNoHashConfig):
				return err
			case errors.Is(err, migrate.ErrNoLoginID):
				skip(me.Place, strings.TrimPrefix(me.Error(), me.Place+": "))
			default:
				problem(me.Place, strings.TrimPrefix(me.Error(), me.Place+": "))
			}
		}
		return nil
	}
}

// plan is import's --dry-run: the users FILE holds, which of them exist already (PlanSync, by
// login ID), what --update-existing would change, and FILE's problems. It sends nothing that
// changes anything.
func (o importOpts) plan(ctx context.Context, c *cli, cmd *command, in *spooledInput[api.BatchUser], checkErr error) int {
	var desired []api.UserPatch
	var lines []int
	seen := map[string]bool{} // a login ID on two lines is a problem of the second
	err := in.eachAt(func(line int, u api.BatchUser) bool {
		if seen[u.LoginID] {
			return true
		}
		seen[u.LoginID] = true
		d := api.UserPatch{LoginID: u.LoginID}
		if *o.updateExisting {
			d = desiredOf(u)
		}
		desired, lines = append(desired, d), append(lines, line)
		return true
	})
	if err != nil && checkErr == nil {
		return c.fail(cmd, err)
	}
	where := func(i int) string {
		if in.source != nil {
			return fmt.Sprintf("%s (user %d)", in.name(), lines[i])
		}
		return fmt.Sprintf("%s:%d", in.name(), lines[i])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan for %s (dry run: nothing was sent)\n", in.label())
	row := func(label, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("users", "%d well formed", len(desired))
	var plan *api.SyncPlan
	lookErr := errors.New("no user to look up")
	if len(desired) > 0 {
		var cl *api.Client
		if cl, lookErr = c.connect(); lookErr == nil {
			plan, lookErr = cl.PlanSync(ctx, desired, api.WithPageSize(api.DefaultSyncPageSize), api.WithPace(o.searchLimit.pace()))
		}
	}
	if plan != nil {
		row("to create", "%d", plan.Missing)
		row("existing", "%d (a user has the login ID: not created again)", plan.Total-plan.Missing)
		if *o.updateExisting {
			row("to update", "%d of them differ from FILE (%d fields), listed below", plan.ToChange, plan.Fields)
		}
		row("searches", "%d (%v)", plan.Reads, round(plan.Elapsed))
	} else if len(desired) > 0 {
		row("to create", "not known: the users that exist could not be looked up (%v)", lookErr)
	}
	invalid := 0
	var ie *inputError
	if errors.As(checkErr, &ie) {
		invalid = ie.total
	}
	row("invalid", "%d", invalid)
	if in.skipped.count > 0 {
		row("skipped", "%d (cannot be carried over, below)", in.skipped.count)
	}
	_, _ = io.WriteString(c.stdout, b.String())
	if plan != nil && *o.updateExisting {
		printPlan(c.stdout, where, plan)
	}
	_, _ = io.WriteString(c.stdout, in.skipped.describe(in.records.noun))
	switch {
	case ie != nil:
		fmt.Fprintf(c.stderr, "%s import: %s\n", progName, ie.describe("; a run refuses the file until they are fixed"))
		return exitUsage
	case plan == nil && len(desired) > 0:
		return exitFailed
	}
	return exitOK
}

// update is import's --update-existing: the users the run found existing are brought to FILE's
// values with sync's plan (PlanSync, then Apply), and the outcome is printed.
func (o importOpts) update(ctx context.Context, c *cli, cl *api.Client, users []api.BatchUser) int {
	desired := make([]api.UserPatch, len(users))
	for i, u := range users {
		desired[i] = desiredOf(u)
	}
	fail := func(err error) int {
		fmt.Fprintf(c.stderr, "%s import: bringing the %d existing users to FILE's values: %v\nRun the same command again: it creates nothing twice and sends only what still differs.\n",
			progName, len(users), err)
		return exitFailed
	}
	plan, err := cl.PlanSync(ctx, desired, api.WithPageSize(api.DefaultSyncPageSize), api.WithPace(o.searchLimit.pace()))
	if err != nil {
		return fail(err)
	}
	res, err := plan.Apply(ctx, cl, api.WithPace(api.PaceUnder(api.LimitDefault)))
	var b strings.Builder
	fmt.Fprintf(&b, "Existing users brought to FILE's values (--update-existing)\n")
	row := func(label, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("existing", "%d", plan.Total)
	row("unchanged", "%d", plan.Unchanged)
	row("updated", "%d (%d fields)", res.Applied, plan.Fields)
	row("failed", "%d", res.Failed+res.NotAttempted+plan.Missing)
	listed := 0
	for _, r := range res.Results {
		if r.Status.Unfinished() && listed < maxReportedProblems {
			fmt.Fprintf(&b, "  %s: %s\n", r.Key, r.Reason)
			listed++
		}
	}
	for _, m := range plan.MissingUsers {
		if listed < maxReportedProblems {
			fmt.Fprintf(&b, "  %s: deleted since the import found it\n", m.LoginID)
			listed++
		}
	}
	_, _ = io.WriteString(c.stdout, b.String())
	if err != nil {
		return fail(err)
	}
	if res.Failed+res.NotAttempted+plan.Missing > 0 {
		return fail(errors.New("some updates failed"))
	}
	return exitOK
}

// desiredOf is the desired state of an existing user that a user to create describes: every
// field it sets, and nothing else (a field left out or empty is not compared; a verified flag
// only when true, as a create line cannot say false).
func desiredOf(u api.BatchUser) api.UserPatch {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	flag := func(b bool) *bool {
		if !b {
			return nil
		}
		return &b
	}
	list := func(l ...[]string) *[]string {
		for _, x := range l {
			if len(x) > 0 {
				return &x
			}
		}
		return nil
	}
	d := api.UserPatch{
		LoginID: u.LoginID, Email: str(u.Email), Phone: str(u.Phone), Name: str(u.Name), GivenName: str(u.GivenName),
		MiddleName: str(u.MiddleName), FamilyName: str(u.FamilyName), Picture: str(u.Picture), Status: u.Status,
		VerifiedEmail: flag(u.VerifiedEmail), VerifiedPhone: flag(u.VerifiedPhone),
		RecoveryEmail: str(u.RecoveryEmail), RecoveryPhone: str(u.RecoveryPhone),
		VerifiedRecoveryEmail: flag(u.VerifiedRecoveryEmail), VerifiedRecoveryPhone: flag(u.VerifiedRecoveryPhone),
		RoleNames: list(u.RoleNames), SsoAppIDs: list(u.SsoAppIDs, u.SsoAppIDsGoSpelling),
		AdditionalLoginIDs: list(u.AdditionalLoginIDs, u.AdditionalIdentifiers),
	}
	if d.Name == nil {
		d.Name = str(u.DisplayName)
	}
	if len(u.UserTenants) > 0 {
		d.UserTenants = &u.UserTenants
	}
	if len(u.CustomAttributes) > 0 {
		d.CustomAttributes = &u.CustomAttributes
	}
	return d
}
