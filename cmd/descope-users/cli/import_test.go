package cli

// Tests of import: idempotent runs (existing users reported, never created twice, also after a
// kill), --dry-run's plan, --update-existing, Firebase and Auth0 exports with their hashes, and
// secrets kept out of everything it prints.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// bcryptOfPassword is a bcrypt hash of "password", as Auth0 support exports them.
var bcryptOfPassword = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// firebaseHash and firebaseSalt are those of the user of Firebase's documentation of its hash
// (demoFirebaseConfig), whose password is user1password; firebaseUser1 is that user.
const (
	firebaseHash  = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
	firebaseSalt  = "42xEC+ixf3L2lw=="
	firebaseUser1 = `{"localId":"kYi4EvWQlQTKSfnJ3dRSP6IH3ed2","email":"user1@test.com","emailVerified":true,` +
		`"passwordHash":"` + firebaseHash + `","salt":"` + firebaseSalt + `","displayName":"Test User 1","createdAt":"1508893925000","disabled":false}`
)

// A second import of the same file creates nothing: every user is reported existing, nothing
// goes to a failed file, and exit status is 0.
func TestImportTwiceCreatesNothingTwice(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"a@example.com","email":"a@example.com","status":"enabled","password":"A-Passw0rd"}`+"\n"+
		`{"loginId":"jane@example.com","name":"Jane Other"}`+"\n"+
		`{"loginId":"b@example.com","hashedPassword":{"md5":{"hash":"`+md5OfPassword+`"}}}`+"\n")
	r := runCLI(t, env, withURL(s, "import", in)...)
	wantExit(t, r, 0)
	for _, want := range []string{"total          3", "created        2", "existing       1 (a user has the login ID already: not created again)", "failed         0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if u := user(t, s, "jane@example.com"); u.Name == "Jane Other" {
		t.Error("an existing user was changed without --update-existing")
	}
	wantPassword(t, s, "a@example.com", "A-Passw0rd")
	wantPassword(t, s, "b@example.com", "password")
	created := s.Stats().CreatedUsers

	r = runCLI(t, env, withURL(s, "import", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "created        0") || !strings.Contains(r.stdout, "existing       3") {
		t.Errorf("second run:\n%s", r.stdout)
	}
	if s.Stats().CreatedUsers != created {
		t.Errorf("the second run created %d users", s.Stats().CreatedUsers-created)
	}
	if _, err := os.Stat(in + ".failed.jsonl"); !os.IsNotExist(err) {
		t.Errorf("existing users went to a failed file: %v", err)
	}
	// create-batch, which does not look, fails them.
	r = runCLI(t, env, withURL(s, "create-batch", in)...)
	wantExit(t, r, 1)
}

// Two lines with one login ID are refused at FILE:LINE, naming the other line: the second would
// otherwise be reported existing, its values silently dropped.
func TestImportRefusesALoginIDTwice(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"a@example.com"}`+"\n"+`{"loginId":"b@example.com"}`+"\n"+`{"loginId":"a@example.com","name":"Other A"}`+"\n")
	runUsage(t, s, env, `users.jsonl:3: "a@example.com" is also on line 1: a user may appear once`, "import", in)
	// create-batch keeps its own rule: the repeated login ID fails alone.
	r := runCLI(t, env, withURL(s, "create-batch", in)...)
	wantExit(t, r, 1)
}

// --dry-run prints the plan: users to create, users that exist, and the problems at FILE:LINE;
// it sends searches only, and never a hash.
func TestImportDryRunPlan(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	badHash := "$2a$10$notAValidBcryptHashAtAllNotAValidBcryptHash"
	writeFile(t, in, `{"loginId":"a@example.com","status":"enabled"}`+"\n"+
		`{"loginId":"jane@example.com","name":"Jane Changed"}`+"\n"+
		`{"loginId":"b@example.com","hashedPassword":{"bcrypt":{"hash":"`+badHash+`"}}}`+"\n"+
		`{"loginId":"a@example.com"}`+"\n")
	r := runCLI(t, env, withURL(s, "import", "--dry-run", in)...)
	wantExit(t, r, 2)
	for _, want := range []string{"users          2 well formed", "to create      1", "existing       1", "invalid        2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"users.jsonl:3: hashedPassword: bcrypt.hash", `users.jsonl:4: "a@example.com" is also on line 1`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("problems lack %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.String(), "notAValid") {
		t.Errorf("a hash shows:\n%s", r)
	}
	for _, op := range opsSince(s, 0) {
		if op != "SearchUsers" {
			t.Errorf("the dry run sent %s", op)
		}
	}

	// --update-existing lists what it would change, field by field.
	writeFile(t, in, `{"loginId":"a@example.com","status":"enabled"}`+"\n"+`{"loginId":"jane@example.com","name":"Jane Changed"}`+"\n")
	r = runCLI(t, env, withURL(s, "import", "--dry-run", "--update-existing", in)...)
	wantExit(t, r, 0)
	for _, want := range []string{"to update      1 of them differ", "users.jsonl:2: jane@example.com (U2jane)", `name  "Jane" -> "Jane Changed"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if len(s.Users()) != 3 || user(t, s, "jane@example.com").Name != "Jane" {
		t.Error("the dry run changed users")
	}
}

// --update-existing brings existing users to the file's values (only what differs), and a second
// run sends nothing but the lookups.
func TestImportUpdateExisting(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"new@example.com","name":"New"}`+"\n"+
		`{"loginId":"jane@example.com","name":"Jane Changed","customAttributes":{"plan":"team"}}`+"\n"+
		`{"loginId":"joe@example.com"}`+"\n")
	r := runCLI(t, env, withURL(s, "import", "--update-existing", in)...)
	wantExit(t, r, 0)
	for _, want := range []string{"created        1", "existing       2", "Existing users brought to FILE's values (--update-existing)", "unchanged      1", "updated        1 (2 fields)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if u := user(t, s, "jane@example.com"); u.Name != "Jane Changed" || u.CustomAttributes["plan"] != "team" {
		t.Errorf("jane %+v", u)
	}
	n := len(s.Requests())
	r = runCLI(t, env, withURL(s, "import", "--update-existing", in)...)
	wantExit(t, r, 0)
	for _, op := range opsSince(s, n) {
		if op == "PatchUserBatch" || op == "PatchUser" {
			t.Errorf("the second run sent %s", op)
		}
	}
	if !strings.Contains(r.stdout, "created        0") || !strings.Contains(r.stdout, "existing       3") || !strings.Contains(r.stdout, "unchanged      3") {
		t.Errorf("second run:\n%s", r.stdout)
	}
}

// A Firebase export, with the project's hash parameters: users created with their scrypt hashes
// (the password verifies in the fake), names, verified flags, disabled status and creation
// time; an anonymous account is skipped and listed; no hash, salt or key shows.
func TestImportFromFirebase(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	export := filepath.Join(dir, "users.json")
	writeFile(t, export, `{"users": [`+firebaseUser1+`,
{"localId":"anon-1","createdAt":"1508893925000"},
{"localId":"u3","phoneNumber":"+15555550123","disabled":true,"displayName":"Phone Only"}]}`)
	hash := filepath.Join(dir, "hash.txt")
	writeFile(t, hash, demoFirebaseConfig)

	runUsage(t, s, env, "--hash-config goes with --from firebase", "import", "--hash-config", hash, export)
	r := runCLI(t, env, withURL(s, "import", "--from", "firebase", export)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "hash configuration") || len(s.Users()) != 3 {
		t.Errorf("without --hash-config:\n%s", r)
	}

	r = runCLI(t, env, withURL(s, "import", "--from", "firebase", "--hash-config", hash, "--keep-id-as", "firebaseUid", export)...)
	wantExit(t, r, 0)
	for _, want := range []string{"total          2", "created        2", "Skipped 1 user that cannot be carried over", "users.json:2 (users[1])"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	u := user(t, s, "user1@test.com")
	if u.Name != "Test User 1" || !u.VerifiedEmail || u.Status != "enabled" || u.CreatedTime != 1508893925 || u.CustomAttributes["firebaseUid"] != "kYi4EvWQlQTKSfnJ3dRSP6IH3ed2" {
		t.Errorf("user1 %+v", u)
	}
	wantPassword(t, s, "user1@test.com", "user1password")
	if p := user(t, s, "+15555550123"); p.Status != "disabled" || p.Phone != "+15555550123" {
		t.Errorf("phone user %+v", p)
	}
	out := r.String()
	for _, secret := range []string{firebaseHash[:12], firebaseSalt[:8], "jxspr8Ki0RYy"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows %q:\n%s", secret, out)
		}
	}
	// Run again: nothing created twice; the rehearsal's password still verifies.
	r = runCLI(t, env, withURL(s, "import", "--from", "firebase", "--hash-config", hash, export)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "existing       2") {
		t.Errorf("second run:\n%s", r.stdout)
	}
}

// An Auth0 export with the bcrypt hashes Auth0 support provides: each user gets its hash by
// user_id; a hash that matches no user is an error at its line, and nothing is sent.
func TestImportFromAuth0(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	export := filepath.Join(dir, "users.ndjson")
	writeFile(t, export, `{"user_id":"auth0|5dea9f9c82dd7c0e76e4ec93","email":"ava@example.com","email_verified":true,"name":"Ava","app_metadata":{"plan":"pro"},"created_at":"2019-12-06T18:36:12.412Z","blocked":false}`+"\n"+
		`{"user_id":"auth0|5dea9f9c82dd7c0e76e4ec94","email":"bo@example.com","name":"Bo","blocked":true}`+"\n")
	hashes := filepath.Join(dir, "hashes.ndjson")
	writeFile(t, hashes, `{"_id":{"$oid":"5dea9f9c82dd7c0e76e4ec93"},"email":"ava@example.com","passwordHash":"`+bcryptOfPassword+`"}`+"\n")
	r := runCLI(t, env, withURL(s, "import", "--from", "auth0", "--hashes", hashes, export)...)
	wantExit(t, r, 0)
	if a := user(t, s, "ava@example.com"); a.Name != "Ava" || !a.VerifiedEmail || a.CustomAttributes["plan"] != "pro" || a.Status != "enabled" {
		t.Errorf("ava %+v", a)
	}
	wantPassword(t, s, "ava@example.com", "password")
	if b := user(t, s, "bo@example.com"); b.Status != "disabled" {
		t.Errorf("bo %+v", b)
	}
	if strings.Contains(r.String(), bcryptOfPassword[7:20]) {
		t.Errorf("a hash shows:\n%s", r)
	}

	writeFile(t, hashes, `{"_id":{"$oid":"000000000000000000000000"},"passwordHash":"`+bcryptOfPassword+`"}`+"\n")
	writeFile(t, export, `{"user_id":"auth0|x1","email":"cy@example.com"}`+"\n")
	n := len(s.Requests())
	runUsage(t, s, env, "hashes.ndjson:1: _id: the hash of", "import", "--from", "auth0", "--hashes", hashes, export)
	if len(s.Requests()) != n {
		t.Error("a refused export sent requests")
	}
}

// A run killed outright is continued with --resume: every user is created exactly once; those
// in flight at the kill are reported existing, not failed.
func TestImportKilledRunResumes(t *testing.T) {
	s, in, flags := killedCreateRun(t, "import", 2)
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	r := runCLI(t, env, withURL(s, append([]string{"import", "--resume"}, flags...)...)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "already had an outcome in the journal of the killed run") || strings.Contains(r.stdout, "E011004") {
		t.Errorf("not resumed cleanly:\n%s", r)
	}
	if s.Stats().CreatedUsers != killedUsers {
		t.Errorf("%d users created, want %d", s.Stats().CreatedUsers, killedUsers)
	}
	wantKilledUsersCreated(t, s, in)
}

// The --resume advice of a stopped run names the flags that say how FILE is read.
func TestImportResumeAdviceKeepsFrom(t *testing.T) {
	v, err := importOpts{from: api.Ptr("firebase"), hashConfig: api.Ptr(""), hashes: api.Ptr(""), keepIDAs: api.Ptr("uid"), updateExisting: api.Ptr(false)}.variant()
	if err != nil {
		t.Fatal(err)
	}
	if v.args != "--from firebase --keep-id-as uid" || v.format != "firebase" || v.source == nil {
		t.Errorf("variant %+v", v)
	}
}

// CSV carries hashed passwords too: a bcrypt column for the common case, and a hashedPassword
// column holding any variant as JSON. A cell that is not one is an error at FILE:LINE that never
// shows the cell; two hash columns on one row are refused.
func TestImportCSVWithHashes(t *testing.T) {
	s, env := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "users.csv")
	writeFile(t, in, "loginId,email,status,bcrypt,hashedPassword\n"+
		"amy@example.com,amy@example.com,enabled,"+bcryptOfPassword+",\n"+
		`bea@example.com,,,,"{""md5"":{""hash"":""`+md5OfPassword+`""}}"`+"\n")
	r := runCLI(t, env, withURL(s, "import", in)...)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "paced          under 100/1m calls (--limit)") {
		t.Errorf("not paced under the documented create limit:\n%s", r.stdout)
	}
	wantPassword(t, s, "amy@example.com", "password")
	wantPassword(t, s, "bea@example.com", "password")

	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "loginId,bcrypt,hashedPassword\n"+
		`cy@example.com,,"{""md5"":""SECRETHASHTEXT""}"`+"\n"+
		`dee@example.com,`+bcryptOfPassword+`,"{""md5"":{""hash"":""`+md5OfPassword+`""}}"`+"\n")
	r = runCLI(t, env, withURL(s, "import", bad)...)
	wantExit(t, r, 2)
	for _, want := range []string{"bad.csv:2:", "not a hashedPassword object as JSON", "bad.csv:3:", "a second hashed password"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if out := r.String(); strings.Contains(out, "SECRETHASHTEXT") || strings.Contains(out, md5OfPassword) || strings.Contains(out, bcryptOfPassword[7:20]) {
		t.Errorf("a hash shows:\n%s", out)
	}
}

// The users an import could not create go to a failed file readable by its owner alone (it
// holds their hashes), which import reads back: its retry creates them.
func TestImportFailedFileIsPrivateAndRetried(t *testing.T) {
	s, env := newServer(t)
	if err := s.AddFaultRule(apitest.FaultRule{Operation: "CreateUsers", Status: 400, Count: 1}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, `{"loginId":"fay@example.com","hashedPassword":{"bcrypt":{"hash":"`+bcryptOfPassword+`"}}}`+"\n")
	r := runCLI(t, env, withURL(s, "import", in)...)
	wantExit(t, r, 1)
	failed := in + ".failed.jsonl"
	wantMode(t, failed, 0o600)
	if !strings.Contains(r.stdout, "import "+failed) || strings.Contains(r.String(), bcryptOfPassword[7:20]) {
		t.Errorf("output:\n%s", r)
	}
	r = runCLI(t, env, withURL(s, "import", failed)...)
	wantExit(t, r, 0)
	wantPassword(t, s, "fay@example.com", "password")
}

// The plan lists every problem at its FILE:LINE, where a run's refusal lists the first 10.
func TestImportDryRunListsEveryProblem(t *testing.T) {
	s, env := newServer(t)
	in := filepath.Join(t.TempDir(), "users.jsonl")
	writeFile(t, in, strings.Repeat(`{"loginId":"x@example.com","emial":"typo"}`+"\n", 12))
	r := runCLI(t, env, withURL(s, "import", "--dry-run", in)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "users.jsonl:12: unknown field") || strings.Contains(r.stderr, "and 2 more") || !strings.Contains(r.stdout, "invalid        12") {
		t.Errorf("the plan does not list all 12:\n%s", r)
	}
	r = runCLI(t, env, withURL(s, "import", in)...)
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "... and 2 more") {
		t.Errorf("a run's refusal:\n%s", r.stderr)
	}
}

// Users of an export that cannot be carried over refuse the file, each at its place, called
// what they are: a login ID two users have names both places.
func TestImportFromFirebaseRefusesWhatCannotBeCarriedOver(t *testing.T) {
	s, env := newServer(t)
	export := filepath.Join(t.TempDir(), "users.json")
	writeFile(t, export, `{"users": [
{"localId":"a","email":"dup@example.com"},
{"localId":"b","email":"dup@example.com"},
{"localId":"c","email":"c@example.com","customAttributes":"[1]"}
]}`)
	n := len(s.Requests())
	r := runCLI(t, env, withURL(s, "import", "--from", "firebase", export)...)
	wantExit(t, r, 2)
	for _, want := range []string{"users.json: 2 users that cannot be carried over; nothing was sent",
		`users.json:3 (users[1]): login ID "dup@example.com" is the login ID of the user at`, "users.json:4 (users[2]): customAttributes"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if len(s.Requests()) != n {
		t.Error("a refused export sent requests")
	}
}
