package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// demoCommand is demo: a scripted session against one embedded fake.
func demoCommand() *command {
	return &command{
		name:     "demo",
		synopsis: "[--users N] [--patches N] [--rate R] [--keep]",
		summary:  "a scripted session against one embedded fake (no credentials needed)",
		help: `Runs a scripted session against one embedded fake Descope, so that every step sees the changes
of the steps before it: the single-user update commands, a small CSV file, a malformed file
(refused, nothing sent), a JSON Lines file of --patches patches of which about 2% name users that
do not exist, the retry of its failed file, a sync of a few users to a desired state (planned,
applied, run again to show that nothing is left to send, and run with --create-missing to create
the user that does not exist), and then every other command as
its help's example shows it. Each step prints its command line, then its output.

The fake enforces Descope's documented rate limits (batch patch and most calls 100 a minute,
updates and searches 200, each followed by a minute's lock-out) on a clock 60 times as fast, so a
minute lasts a second; the tool paces itself under them, as it does against Descope. --rate adds
a token bucket of that many requests per second in front of them, which the bulk run rides out.

The demo needs no credentials and no network beyond loopback. Its exit status is 0 when every
step went as scripted (the failures of the unknown users are part of the script).`,
		define: func(fs *flags) runner {
			o := demoFlags(fs.FlagSet)
			return func(ctx context.Context, c *cli, cmd *command, args []string) int {
				return runDemo(ctx, c, cmd, o, args)
			}
		},
	}
}

type demoOpts struct {
	users, patches, unknownEvery *int
	rate                         *float64
	keep                         *bool
}

func demoFlags(fs *flag.FlagSet) demoOpts {
	return demoOpts{
		users:        fs.Int("users", defaultFakeUsers, "sample users in the fake"),
		patches:      fs.Int("patches", 3000, "patches in the bulk file"),
		unknownEvery: fs.Int("unknown-every", 50, "every Nth patch of the bulk file names a user that does not exist"),
		rate:         fs.Float64("rate", 0, "a token bucket in front of the documented limits: requests per second the fake allows before it answers 429 (0: none)"),
		keep:         fs.Bool("keep", false, "keep the demo's files instead of removing them at the end"),
	}
}

const (
	// demoLogin is the user the single-user steps change.
	demoLogin = "user00042@example.com"
	// demoBurst is the burst of the demo fake's rate limit: the bulk run's first batches go
	// through at once, then the run meets a 429 or two and waits out the Retry-After.
	demoBurst = 20
)

func runDemo(ctx context.Context, c *cli, cmd *command, o demoOpts, pos []string) int {
	switch {
	case len(pos) > 0:
		return c.usageError(cmd, "unexpected argument %q", pos[0])
	case *o.users < 100:
		return c.usageError(cmd, "--users must be at least 100")
	case *o.patches < 1 || *o.patches > *o.users:
		return c.usageError(cmd, "--patches must be between 1 and --users (%d)", *o.users)
	case *o.unknownEvery < 2:
		return c.usageError(cmd, "--unknown-every must be at least 2")
	case *o.rate < 0:
		return c.usageError(cmd, "--rate must not be negative")
	}

	srv, err := startFake(fakeOptions{users: *o.users, rateLimit: *o.rate, burst: demoBurst})
	if err != nil {
		return c.fail(cmd, err)
	}
	defer srv.Close()
	client, err := srv.client()
	if err != nil {
		return c.fail(cmd, err)
	}
	dir, err := os.MkdirTemp("", "descope-users-demo-")
	if err != nil {
		return c.fail(cmd, err)
	}
	if !*o.keep {
		defer func() { _ = os.RemoveAll(dir) }()
	}

	d := &demo{
		out: c.stdout,
		// Every step writes its output and its errors to the transcript, in order.
		sub: &cli{
			commands: c.commands, stdin: strings.NewReader(""), env: c.env, stdout: c.stdout, stderr: c.stdout, data: c.data, progress: c.progress,
			prefix:  progName + " --fake",
			connect: func() (*api.Client, error) { return client, nil },
		},
	}
	rateNote := fmt.Sprintf("enforcing Descope's documented rate limits on a clock %d times as fast (a minute lasts a second)", fakeTimeScale)
	if *o.rate > 0 {
		rateNote += fmt.Sprintf(",\nand a token bucket of %g requests/s in bursts of %d (429 above that)", *o.rate, demoBurst)
	}
	d.say("descope-users demo: a scripted session against one embedded fake Descope with %d sample\n"+
		"users (%s ... %s),\n%s.\n"+
		"All steps share that one fake, so each change shows in the next step; outside the demo,\n"+
		"every '%s --fake ...' run starts a fresh fake.",
		*o.users, sampleLoginID(0), sampleLoginID(*o.users-1), rateNote, progName)

	d.step(ctx, "Set a custom attribute. The value 25 is valid JSON, so it is sent as a number.", 0,
		"update-attribute", "--login-id", demoLogin, "--key", "seats", "--value", "25")
	d.step(ctx, "Set the display name and the given, middle and family names.", 0,
		"update-name", "--login-id", demoLogin, "--display-name", "Ada King", "--given-name", "Ada", "--middle-name", "Augusta", "--family-name", "King")
	d.step(ctx, "Set the picture.", 0,
		"update-picture", "--login-id", demoLogin, "--picture", "https://example.com/avatars/ada.png")
	d.step(ctx, "Set the phone number, marked as verified.", 0,
		"update-phone", "--login-id", demoLogin, "--phone", "+15557654321", "--verified")
	d.step(ctx, `Patch several fields at once; "beta": null removes that custom attribute.`, 0,
		"patch-user", "--login-id", demoLogin, "--json", `{"status":"disabled","roleNames":["editor","billing"],"customAttributes":{"plan":"team","beta":null}}`)
	d.step(ctx, "An error from the API is one line on stderr, with the HTTP status and Descope's error code; exit status 1.", 1,
		"update-picture", "--login-id", "nobody@example.com", "--picture", "https://example.com/x.png")

	csvPath := filepath.Join(dir, "users.csv")
	d.writeFile(csvPath, "loginId,name,status,roleNames,customAttributes.plan,customAttributes.seats\n"+
		"user00001@example.com,Grace Hopper,,admin;editor,enterprise,50\n"+
		"user00002@example.com,,invited,,,\n"+
		"user00003@example.com,,,,free,\n")
	d.show("A CSV file: an empty cell leaves the field as it is; roleNames are separated by ';'.", "cat "+shellQuote(csvPath), csvPath, 0)
	d.step(ctx, "", 0, "patch", csvPath)

	badPath := filepath.Join(dir, "bad.jsonl")
	d.writeFile(badPath, `{"loginId":"user00004@example.com","name":"Ok"}`+"\n"+
		`{"loginId":"user00005@example.com","emial":"typo@example.com"}`+"\n"+
		`{"loginId":"user00006@example.com","status":"paused"}`+"\n")
	d.show("A file with mistakes is refused as a whole, before anything is sent; exit status 2.", "cat "+shellQuote(badPath), badPath, 0)
	d.step(ctx, "", 2, "patch", badPath)

	bulkPath := filepath.Join(dir, "patches.jsonl")
	unknown := d.writeBulk(bulkPath, *o.patches, *o.unknownEvery)
	d.show(fmt.Sprintf("A JSON Lines file of %d patches; %d of them (every %dth) name users that do not exist.",
		*o.patches, unknown, *o.unknownEvery), "head -n 3 "+shellQuote(bulkPath), bulkPath, 3)
	wantCode := 0
	if unknown > 0 {
		wantCode = 1
	}
	d.step(ctx, "Patch them in batches of 100, 4 batches at a time, paced under the documented limit of 100 calls a\nminute. Exit status 1: some patches failed.", wantCode,
		"patch", "--batch-size", "100", "--concurrency", "4", bulkPath)
	failedPath := defaultFailedPath(bulkPath)
	if unknown > 0 {
		d.show("The failed file holds the unfinished patches, as JSON Lines that patch reads again.", "head -n 3 "+shellQuote(failedPath), failedPath, 3)
		d.checkLines(failedPath, unknown)
		d.step(ctx, "Retry the failed patches. These users do not exist in the fake, so they fail again.", 1,
			"patch", failedPath)
		d.checkLines(defaultFailedPath(failedPath), unknown)
	}
	d.checkUser(srv, sampleLoginID(0), "pro")

	syncPath := filepath.Join(dir, "desired.jsonl")
	d.writeDesired(srv, syncPath)
	d.show(fmt.Sprintf("A desired state for four users, in the format patch reads: %s already matches it,\n"+
		"%s and U2sample00012 (named by its user ID) differ, and nobody@example.com does not exist.", sampleLoginID(10), sampleLoginID(11)),
		"cat "+shellQuote(syncPath), syncPath, 0)
	d.step(ctx, "Plan a sync: load the users and print what differs, field by field; nothing is changed.\n"+
		"Exit status 1: a user does not exist, and sync creates users only with --create-missing.", 1, "sync", "--dry-run", syncPath)
	d.step(ctx, "Sync: only the fields that differ are sent.", 1, "sync", syncPath)
	d.step(ctx, "Sync again: every user that exists matches now, so nothing is sent.", 1, "sync", syncPath)
	d.checkSynced(srv)
	d.step(ctx, "Sync with --create-missing: the user that does not exist is created with the fields of its line.", 0,
		"sync", "--create-missing", syncPath)
	d.checkExists(srv, "nobody@example.com", true)

	importPath := filepath.Join(dir, "users-export.jsonl")
	d.writeFile(importPath, `{"loginId":"imported1@example.com","email":"imported1@example.com","status":"enabled"}`+"\n"+
		`{"loginId":"imported2@example.com","name":"Imported Two","roleNames":["viewer"]}`+"\n")
	d.show("Users exported from another Descope project: JSON Lines, one user a line.", "cat "+shellQuote(importPath), importPath, 0)
	d.step(ctx, "Import them in one call to Descope's import endpoint (--dry-run would create nothing).", 0,
		"import-users", "--source", "descope", importPath)
	d.checkExists(srv, "imported2@example.com", true)

	newPath := filepath.Join(dir, "new-users.csv")
	d.writeFile(newPath, "loginId,email,name,roleNames,status,password\n"+
		"new1@example.com,new1@example.com,New One,editor,enabled,Sample-Passw0rd-1\n"+
		"new2@example.com,new2@example.com,New Two,viewer;billing,,\n"+
		sampleLoginID(20)+",,Taken,,,\n")
	d.show("New users in a CSV file; the last one's login ID is taken. A file may hold passwords: it is not an argument.",
		"cat "+shellQuote(newPath), newPath, 0)
	d.step(ctx, "Create them in batches, paced under the documented limit for user creation. Exit status 1: one user failed,\n"+
		"and went to the failed file (readable by its owner alone: it may hold passwords).", 1, "create-batch", newPath)
	d.checkExists(srv, "new2@example.com", true)
	d.checkLines(defaultFailedPath(newPath), 1)

	d.importFirebase(ctx, srv, dir)

	leaversPath := filepath.Join(dir, "leavers.jsonl")
	d.writeFile(leaversPath, `{"userId":"U2sample00098"}`+"\n"+`{"userId":"U2sample00099","loginId":"`+sampleLoginID(99)+`"}`+"\n")
	d.show("Users to delete, by user ID (other fields of the patch format are ignored).", "cat "+shellQuote(leaversPath), leaversPath, 0)
	d.step(ctx, "Deleting cannot be undone: without --confirm, nothing is sent; exit status 2.", 2, "delete-batch", leaversPath)
	d.step(ctx, "Delete them, in batches.", 0, "delete-batch", "--confirm", leaversPath)
	d.checkExists(srv, sampleLoginID(99), false)
	byLoginPath := filepath.Join(dir, "by-login-id.jsonl")
	d.writeFile(byLoginPath, `{"loginId":"`+sampleLoginID(97)+`"}`+"\n")
	d.step(ctx, "delete/batch takes user IDs only: a line that names its user by login ID alone is refused; exit status 2.", 2,
		"delete-batch", "--confirm", byLoginPath)

	// Every other command of the table, as the example of its help shows it (after the bulk run,
	// whose users they change): a command added to the table is in the demo without a line here.
	// emulate is left out: it serves its own fake rather than calling this one (the coverage test
	// runs its example, --check).
	scripted := map[string]bool{"update-attribute": true, "update-name": true, "update-picture": true, "update-phone": true, "patch-user": true,
		"patch": true, "sync": true, "import-users": true, "create-batch": true, "import": true, "delete-batch": true, cmd.name: true, "emulate": true}
	for _, other := range c.commands {
		if !scripted[other.name] {
			d.stepIn(ctx, strings.ToUpper(other.summary[:1])+other.summary[1:]+".", other.stdin, 0, append([]string{other.name}, other.example...)...)
		}
	}

	if len(d.problems) > 0 {
		fmt.Fprintf(c.stderr, "%s demo: the session did not go as scripted:\n", progName)
		for _, p := range d.problems {
			fmt.Fprintf(c.stderr, "  %s\n", p)
		}
		return exitFailed
	}
	where := "the demo's files were removed (run 'descope-users demo --keep' to keep them)"
	if *o.keep {
		where = "the demo's files are in " + dir
	}
	fmt.Fprintln(d.out)
	d.say("Demo finished: every step went as scripted; %s.", where)
	return exitOK
}

// demo prints a transcript and collects what did not go as scripted.
type demo struct {
	out interface {
		Write([]byte) (int, error)
	}
	sub      *cli
	problems []string
}

func (d *demo) say(format string, a ...any) {
	text := fmt.Sprintf(format, a...)
	for line := range strings.SplitSeq(text, "\n") {
		fmt.Fprintf(d.out, "# %s\n", line)
	}
}

// step prints the command line of a step and runs it against the demo's fake.
func (d *demo) step(ctx context.Context, note string, wantCode int, args ...string) {
	d.stepIn(ctx, note, "", wantCode, args...)
}

// stepIn is step with stdin as the command's standard input.
func (d *demo) stepIn(ctx context.Context, note, stdin string, wantCode int, args ...string) {
	fmt.Fprintln(d.out)
	if note != "" {
		d.say("%s", note)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	fmt.Fprintf(d.out, "$ %s%s %s\n", stdinPipe(stdin), d.sub.prefix, strings.Join(quoted, " "))
	d.sub.stdin = strings.NewReader(stdin)
	code := d.sub.runCommand(ctx, lookup(d.sub.commands, args[0]), args[1:])
	if code != 0 {
		fmt.Fprintf(d.out, "(exit status %d)\n", code)
	}
	if code != wantCode {
		d.problems = append(d.problems, fmt.Sprintf("%s: exit status %d, want %d", strings.Join(quoted, " "), code, wantCode))
	}
}

// show prints a file's first lines (all when n is 0) as if by cat or head.
func (d *demo) show(note, cmdLine, path string, n int) {
	fmt.Fprintln(d.out)
	d.say("%s", note)
	fmt.Fprintf(d.out, "$ %s\n", cmdLine)
	f, err := os.Open(path)
	if err != nil {
		d.problems = append(d.problems, err.Error())
		return
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan() && (n == 0 || i < n); i++ {
		fmt.Fprintln(d.out, sc.Text())
	}
}

func (d *demo) writeFile(path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		d.problems = append(d.problems, err.Error())
	}
}

// writeBulk writes n patches to path, every unknownEvery-th for a user that does not exist, and
// returns how many those are.
func (d *demo) writeBulk(path string, n, unknownEvery int) int {
	var b strings.Builder
	unknown := 0
	for i := range n {
		p := api.UserPatch{
			LoginID:          sampleLoginID(i),
			CustomAttributes: &map[string]any{"plan": "pro", "migrated": true},
		}
		if i%unknownEvery == unknownEvery-1 {
			p.LoginID = fmt.Sprintf("ghost%05d@example.com", i)
			unknown++
		}
		if i%4 == 0 {
			p.RoleNames = &[]string{"editor"}
		}
		line, _ := json.Marshal(p)
		b.Write(line)
		b.WriteByte('\n')
	}
	d.writeFile(path, b.String())
	return unknown
}

// writeDesired writes the sync step's desired state: sample user 10 as it is, 11 and 12 (named
// by its user ID) changed, and a user that does not exist.
func (d *demo) writeDesired(s fakeServer, path string) {
	u, _ := s.User(sampleLoginID(10))
	lines := []string{
		fmt.Sprintf(`{"loginId":%q,"name":%q,"customAttributes":{"plan":%q}}`, sampleLoginID(10), u.Name, u.CustomAttributes["plan"]),
		fmt.Sprintf(`{"loginId":%q,"name":"Grace Brewster Hopper","customAttributes":{"plan":"enterprise","seats":12,"beta":null}}`, sampleLoginID(11)),
		`{"loginId":"U2sample00012","roleNames":["editor","admin"],"status":"enabled"}`,
		`{"loginId":"nobody@example.com","name":"Nobody"}`,
	}
	d.writeFile(path, strings.Join(lines, "\n")+"\n")
}

// checkSynced checks that the sync step reached its users.
func (d *demo) checkSynced(s fakeServer) {
	u, _ := s.User(sampleLoginID(11))
	if u.Name != "Grace Brewster Hopper" || u.CustomAttributes["seats"] != 12.0 {
		d.problems = append(d.problems, fmt.Sprintf("%s: name %q, seats %v after the sync", sampleLoginID(11), u.Name, u.CustomAttributes["seats"]))
	}
	if _, ok := s.User("nobody@example.com"); ok {
		d.problems = append(d.problems, "the sync created nobody@example.com")
	}
}

// checkExists checks that the user with that login ID exists, or not.
func (d *demo) checkExists(s fakeServer, loginID string, want bool) {
	if _, ok := s.User(loginID); ok != want {
		d.problems = append(d.problems, fmt.Sprintf("%s: exists %v, want %v", loginID, ok, want))
	}
}

// checkLines checks that a file has want lines.
func (d *demo) checkLines(path string, want int) {
	data, err := os.ReadFile(path)
	if err != nil {
		d.problems = append(d.problems, err.Error())
		return
	}
	if got := strings.Count(string(data), "\n"); got != want {
		d.problems = append(d.problems, fmt.Sprintf("%s has %d lines, want %d", path, got, want))
	}
}

// checkUser checks that the bulk run reached a user.
func (d *demo) checkUser(s fakeServer, loginID, plan string) {
	u, ok := s.User(loginID)
	if !ok || u.CustomAttributes["plan"] != plan {
		d.problems = append(d.problems, fmt.Sprintf("%s: custom attribute plan is %v, want %q", loginID, u.CustomAttributes["plan"], plan))
	}
}

// demoFirebaseConfig is the example of Firebase's documentation of its password hash (the
// project's parameters, as the console shows them), and demoFirebaseExport an export of that
// project: the documentation's example user (password user1password), a user who signs in by
// phone, and an anonymous account.
const (
	demoFirebaseConfig = `hash_config {
  algorithm: SCRYPT,
  base64_signer_key: jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,
  base64_salt_separator: Bw==,
  rounds: 8,
  mem_cost: 14,
}
`
	demoFirebaseExport = `{"users": [
{"localId": "kYi4EvWQlQTKSfnJ3dRSP6IH3ed2", "email": "user1@test.com", "emailVerified": true,
 "passwordHash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
 "salt": "42xEC+ixf3L2lw==", "displayName": "Test User 1", "createdAt": "1508893925000",
 "customAttributes": "{\"plan\":\"pro\"}"},
{"localId": "p7Lx2", "phoneNumber": "+15555550199", "displayName": "Phone Only", "disabled": true, "createdAt": "1600000000000"},
{"localId": "anon-1", "createdAt": "1600000000000"}
]}
`
)

// importFirebase is the demo's migration: a small Firebase export imported with its password
// hashes (planned, run, run again), and the rehearsal's password check.
func (d *demo) importFirebase(ctx context.Context, srv fakeServer, dir string) {
	export, hash := filepath.Join(dir, "firebase-users.json"), filepath.Join(dir, "firebase-hash.txt")
	d.writeFile(export, demoFirebaseExport)
	d.writeFile(hash, demoFirebaseConfig)
	d.say("\nfirebase-users.json is a Firebase export (firebase auth:export firebase-users.json --format=json) of\n" +
		"three users: user1@test.com with a password (its scrypt hash and salt), a user who signs in by phone,\n" +
		"and an anonymous account; firebase-hash.txt holds the project's password hash parameters, as the\n" +
		"Firebase console shows them. (Neither is shown: they hold hashes and the project's signer key.)")
	d.step(ctx, "Plan the migration: what would be created, what exists already, and what cannot be carried over.", 0,
		"import", "--dry-run", "--from", "firebase", "--hash-config", hash, export)
	d.step(ctx, "Import: the users are created in batches with their Firebase scrypt hashes, so nobody resets a password;\n"+
		"the anonymous account is skipped, and listed.", 0, "import", "--from", "firebase", "--hash-config", hash, export)
	d.step(ctx, "Import again (after a crash, say): every user exists, none is created twice.", 0,
		"import", "--from", "firebase", "--hash-config", hash, export)
	ok, err := srv.CheckPassword("user1@test.com", "user1password")
	d.say("The rehearsal: user1@test.com signs in with its Firebase password in the fake: %v", ok && err == nil)
	if !ok || err != nil {
		d.problems = append(d.problems, fmt.Sprintf("user1@test.com: the Firebase password does not verify (%v)", err))
	}
	d.checkExists(srv, "+15555550199", true)
}
