package migrate_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firebaseAnn is a user with every field the reader carries over, and some it does not.
func firebaseAnn(v firebaseVector) map[string]any {
	return map[string]any{
		"localId":          "uid-ann",
		"email":            "ann@example.com",
		"emailVerified":    true,
		"passwordHash":     v.hash,
		"salt":             v.salt,
		"displayName":      "Ann Example",
		"photoUrl":         "https://example.com/ann.png",
		"lastSignedInAt":   "1700000000000",
		"createdAt":        "1508893925000",
		"phoneNumber":      "+15555550100",
		"disabled":         false,
		"customAttributes": `{"plan":"pro","seats":3,"admin":true,"tags":["a","b"]}`,
		"providerUserInfo": []any{
			map[string]any{"providerId": "google.com", "rawId": "1234", "email": "ann@gmail.com"},
			map[string]any{"providerId": "github.com", "rawId": "99"},
			map[string]any{"providerId": "password", "rawId": "ann@example.com"},
		},
		// What Firebase may add and nothing carries over.
		"tenantId":     "tenant-1",
		"mfaInfo":      []any{map[string]any{"phoneInfo": "+15555550199", "mfaEnrollmentId": "e1"}},
		"someNewField": map[string]any{"nested": []any{1, 2}},
	}
}

// TestFirebaseMapping: each field of an export, as the CLI writes it, lands where the package
// doc's table says; fields that are not carried over are ignored; places name the line where
// each user's object starts and its index.
func TestFirebaseMapping(t *testing.T) {
	v := firebasePublished
	hash := parseHash(t, v.config)
	export, lines := firebaseExport(t,
		firebaseAnn(v),
		// Phone only: the phone is the login ID. Disabled. createdAt as a number, claims as an object.
		map[string]any{"localId": "uid-bob", "phoneNumber": "+15555550101", "disabled": true, "createdAt": 1700000000999,
			"customAttributes": map[string]any{"level": 2}},
		// An email not verified, no password, empty claims, createdAt absent.
		map[string]any{"localId": "uid-cat", "email": "cat@example.com", "emailVerified": false, "customAttributes": "{}"},
		// emailVerified without an email: nothing to verify.
		map[string]any{"localId": "uid-dan", "phoneNumber": "+15555550102", "emailVerified": true, "customAttributes": ""},
	)
	recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", hash, migrate.Options{}))
	if len(errs) != 0 || len(recs) != 4 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	want := []migrate.Record{
		{
			User: api.BatchUser{
				LoginID: "ann@example.com", Email: "ann@example.com", VerifiedEmail: true,
				Phone: "+15555550100", VerifiedPhone: true, Name: "Ann Example", Picture: "https://example.com/ann.png",
				Status: api.Ptr(api.UserStatusEnabled), CreatedTime: 1508893925,
				CustomAttributes: map[string]any{"plan": "pro", "seats": 3.0, "admin": true, "tags": []any{"a", "b"}},
				HashedPassword: &api.PasswordImport{Firebase: &gen.PasswordImportFirebase{
					Hash: b64(t, v.hash), Salt: b64(t, v.salt), SaltSeparator: b64(t, v.saltSeparator), SignerKey: b64(t, v.signerKey),
					Memory: 14, Rounds: 8,
				}},
			},
			Place: fmt.Sprintf("users.json:%d (users[0])", lines[0]), SourceID: "uid-ann", Providers: []string{"google.com", "github.com"},
		},
		{
			User: api.BatchUser{LoginID: "+15555550101", Phone: "+15555550101", VerifiedPhone: true,
				Status: api.Ptr(api.UserStatusDisabled), CreatedTime: 1700000000, CustomAttributes: map[string]any{"level": 2.0}},
			Place: fmt.Sprintf("users.json:%d (users[1])", lines[1]), SourceID: "uid-bob",
		},
		{
			User:  api.BatchUser{LoginID: "cat@example.com", Email: "cat@example.com", Status: api.Ptr(api.UserStatusEnabled)},
			Place: fmt.Sprintf("users.json:%d (users[2])", lines[2]), SourceID: "uid-cat",
		},
		{
			User:  api.BatchUser{LoginID: "+15555550102", Phone: "+15555550102", VerifiedPhone: true, Status: api.Ptr(api.UserStatusEnabled)},
			Place: fmt.Sprintf("users.json:%d (users[3])", lines[3]), SourceID: "uid-dan",
		},
	}
	for i := range want {
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Errorf("users[%d]:\n got %s\nwant %s", i, dump(recs[i]), dump(want[i]))
		}
	}
	if lines[0] != 2 || lines[1] <= lines[0]+10 {
		t.Errorf("the fixture's layout changed: lines %v", lines)
	}
}

// dump shows a record in a test failure, its hash's bytes included.
func dump(r migrate.Record) string {
	s := fmt.Sprintf("%+v", r)
	if h := r.User.HashedPassword; h != nil && h.Firebase != nil {
		f := h.Firebase
		s += fmt.Sprintf(" firebase{hash %x salt %x sep %x key %x mem %d rounds %d}", []byte(f.Hash), []byte(f.Salt), []byte(f.SaltSeparator), []byte(f.SignerKey), f.Memory, f.Rounds)
	}
	return s
}

// TestFirebaseKeepID: Options.KeepIDAs keeps the uid as a custom attribute beside the claims; a
// claim of that name, or a user without a uid, is an error.
func TestFirebaseKeepID(t *testing.T) {
	export, lines := firebaseExport(t,
		map[string]any{"localId": "uid-ann", "email": "ann@example.com", "customAttributes": `{"plan":"pro"}`},
		map[string]any{"localId": "uid-bob", "email": "bob@example.com", "customAttributes": `{"firebaseUid":"mine"}`},
		map[string]any{"email": "cat@example.com"},
	)
	recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", nil, migrate.Options{KeepIDAs: "firebaseUid"}))
	if len(recs) != 1 || !reflect.DeepEqual(recs[0].User.CustomAttributes, map[string]any{"plan": "pro", "firebaseUid": "uid-ann"}) {
		t.Fatalf("records %+v", recs)
	}
	if len(errs) != 2 ||
		errs[0].Place != fmt.Sprintf("users.json:%d (users[1])", lines[1]) || errs[0].Field != "firebaseUid" ||
		errs[1].Place != fmt.Sprintf("users.json:%d (users[2])", lines[2]) || !strings.Contains(errs[1].Problem, "no ID") {
		t.Errorf("errors %v", errs)
	}
}

// firebaseCase is a user that cannot be carried over and what its error says.
type firebaseCase struct {
	name    string
	user    map[string]any
	field   string // the error's Field
	problem string // in the error's Problem
	is      error  // the sentinel it wraps, or nil
}

// Secrets the error cases hold, which no error may show (TestSecretsNeverInErrors).
const (
	secretNotBase64    = "SECRET*hash*not*base64*Zq9"
	secretSaltNotB64   = "SECRET*salt*not*base64*Kp2"
	secretShortHash    = "U0VDUkVULXNob3J0LWhhc2gtMTYh" // base64 of 21 bytes: not the signer key's 64
	secretBadBcrypt    = "$2b$10$SECRETtooShortToBeBcryptQx7"
	secretClaimsBroken = `{"apiKey": "SECRET-claim-Vb8"`
)

func firebaseCases() []firebaseCase {
	v := firebasePublished
	return []firebaseCase{
		{"emailVerified not a boolean", map[string]any{"email": "x@example.com", "emailVerified": "yes"}, "emailVerified", "a string where true or false", nil},
		{"disabled not a boolean", map[string]any{"email": "x@example.com", "disabled": 1}, "disabled", "a number where true or false", nil},
		{"email not a string", map[string]any{"email": []any{"x@example.com"}}, "email", "an array where a string", nil},
		{"createdAt not a number", map[string]any{"email": "x@example.com", "createdAt": "yesterday"}, "createdAt", "milliseconds", nil},
		{"createdAt negative", map[string]any{"email": "x@example.com", "createdAt": "-5"}, "createdAt", "milliseconds", nil},
		{"createdAt not whole", map[string]any{"email": "x@example.com", "createdAt": 1.5e12 + 0.5}, "createdAt", "milliseconds", nil},
		{"claims an array", map[string]any{"email": "x@example.com", "customAttributes": `["admin"]`}, "customAttributes", "an array, not a JSON object", nil},
		{"claims a string", map[string]any{"email": "x@example.com", "customAttributes": `"admin"`}, "customAttributes", "a string, not a JSON object", nil},
		{"claims a number", map[string]any{"email": "x@example.com", "customAttributes": 7}, "customAttributes", "a number, not a JSON object", nil},
		{"claims not JSON", map[string]any{"email": "x@example.com", "customAttributes": secretClaimsBroken}, "customAttributes", "not valid JSON", nil},
		{"hash not base64", map[string]any{"email": "x@example.com", "passwordHash": secretNotBase64, "salt": v.salt}, "passwordHash", "not base64", nil},
		{"salt not base64", map[string]any{"email": "x@example.com", "passwordHash": v.hash, "salt": secretSaltNotB64}, "salt", "not base64", nil},
		{"salt missing", map[string]any{"email": "x@example.com", "passwordHash": v.hash}, "salt", "needs its salt", nil},
		{"hash of another project", map[string]any{"email": "x@example.com", "passwordHash": secretShortHash, "salt": v.salt}, "passwordHash", "21 bytes, and the signer key is 64", nil},
		{"no login ID", map[string]any{"localId": "anon-1", "createdAt": "1508893925000"}, "", `no email and no phoneNumber (uid "anon-1")`, migrate.ErrNoLoginID},
		{"login ID twice", map[string]any{"email": "first@example.com"}, "", `login ID "first@example.com" is the login ID of the user at users.json:2 (users[0]) too`, migrate.ErrDuplicateLoginID},
		{"not an object", nil, "", "not a JSON object", nil},
	}
}

// TestFirebaseUserErrors: a user that cannot be carried over is an error naming the line where
// its object starts, its index and the field; the users after it are read.
func TestFirebaseUserErrors(t *testing.T) {
	hash := parseHash(t, firebasePublished.config)
	for _, tc := range firebaseCases() {
		t.Run(tc.name, func(t *testing.T) {
			export, lines := firebaseCaseExport(t, tc)
			recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", hash, migrate.Options{}))
			if len(recs) != 2 || recs[0].User.LoginID != "first@example.com" || recs[1].User.LoginID != "last@example.com" {
				t.Errorf("records %+v", recs)
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v", errs)
			}
			e := errs[0]
			if place := fmt.Sprintf("users.json:%d (users[1])", lines[1]); e.Place != place || e.Field != tc.field || !strings.Contains(e.Problem, tc.problem) {
				t.Errorf("got %q (place %q, field %q); want place %q, field %q, problem with %q", e, e.Place, e.Field, place, tc.field, tc.problem)
			}
			if tc.is != nil && !errors.Is(e, tc.is) || tc.is == nil && e.Err != nil {
				t.Errorf("%v wraps %v, want %v", e, e.Err, tc.is)
			}
			if errors.Is(e, migrate.ErrUnreadable) {
				t.Errorf("a user's error ends the read: %v", e)
			}
		})
	}
}

// firebaseCaseExport is the export of a case: a good user, the case's, another good one. A nil
// user is a number where the object should be.
func firebaseCaseExport(t *testing.T, tc firebaseCase) (string, []int) {
	t.Helper()
	first := map[string]any{"localId": "u1", "email": "first@example.com"}
	last := map[string]any{"localId": "u3", "email": "last@example.com"}
	if tc.user == nil {
		export, lines := firebaseExport(t, first, map[string]any{"PLACEHOLDER": true}, last)
		return strings.Replace(export, "{\n  \"PLACEHOLDER\": true\n}", "42", 1), lines
	}
	return firebaseExport(t, first, tc.user, last)
}

// TestFirebaseDocumentErrors: a document that cannot be read on ends the read with an error
// wrapping ErrUnreadable at the line where it goes wrong, after the users before it.
func TestFirebaseDocumentErrors(t *testing.T) {
	good := "{\"users\": [\n{\n  \"email\": \"a@example.com\"\n},\n{\n  \"email\": \"b@example.com\"\n}]}"
	for _, tc := range []struct {
		name, doc string
		users     int
		place     string
		problem   string
	}{
		{"broken JSON in a user", "{\"users\": [\n{\n  \"email\": \"a@example.com\"\n},\n{\n  \"email\": \"b@example.com\",\n  \"salt\": SECRET-bare-salt\n}]}", 1, "users.json:7", "users[1], which starts at line 5: not valid JSON"},
		{"truncated", good[:len(good)-20], 1, "users.json:", "the file ends too soon"},
		{"an array", "[\n{\"email\": \"a@example.com\"}\n]", 0, "users.json:1", `not a Firebase export ({"users": [...]})`},
		{"empty", "", 0, "users.json:1", "not a Firebase export"},
		{"no users", "{\"accounts\": []}", 0, "users.json:1", `no "users"`},
		{"users not an array", "{\"users\": {\"a\": 1}}", 0, "users.json:1", `"users" is not an array`},
		{"users twice", "{\"users\": [\n{\"email\": \"a@example.com\"}],\n\"users\": []}", 1, "users.json:3", `"users" appears twice`},
		{"a user too long", "{\"users\": [\n{\n  \"email\": \"a@example.com\"\n},\n{\n  \"email\": \"b@example.com\",\n  \"displayName\": \"" + strings.Repeat("x", 17<<20) + "\"\n}]}", 1, "users.json:5", "users[1], which starts at line 5: longer than 16 MiB"},
		{"something after", good + "\n{}", 2, "users.json:8", "something follows the document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(tc.doc), "users.json", nil, migrate.Options{}))
			if len(recs) != tc.users || len(errs) != 1 {
				t.Fatalf("%d records, errors %v", len(recs), errs)
			}
			e := errs[0]
			if !errors.Is(e, migrate.ErrUnreadable) || !strings.HasPrefix(e.Place, tc.place) || !strings.Contains(e.Problem, tc.problem) {
				t.Errorf("got %q (place %q); want place %q, problem with %q, ErrUnreadable", e, e.Place, tc.place, tc.problem)
			}
			if strings.Contains(e.Error(), "SECRET") {
				t.Errorf("the error shows the text: %v", e)
			}
		})
	}
}

// TestFirebaseWithoutHashConfig: an export without hashes needs no configuration; the first
// hash without one ends the read with ErrNoHashConfig.
func TestFirebaseWithoutHashConfig(t *testing.T) {
	v := firebasePublished
	export, lines := firebaseExport(t,
		map[string]any{"email": "a@example.com"},
		map[string]any{"email": "b@example.com", "passwordHash": v.hash, "salt": v.salt},
		map[string]any{"email": "c@example.com", "passwordHash": v.hash, "salt": v.salt},
	)
	recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", nil, migrate.Options{}))
	if len(recs) != 1 || len(errs) != 1 || !errors.Is(errs[0], migrate.ErrNoHashConfig) ||
		errs[0].Place != fmt.Sprintf("users.json:%d (users[1])", lines[1]) || errs[0].Field != "passwordHash" {
		t.Errorf("records %d, errors %v", len(recs), errs)
	}
}

// TestFirebaseSourceForms: a gzipped export and one with a byte-order mark and CRLF line ends
// read the same, lines counted in the text.
func TestFirebaseSourceForms(t *testing.T) {
	export, lines := firebaseExport(t, map[string]any{"email": "a@example.com"}, map[string]any{"email": "b@example.com"})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(export))
	_ = zw.Close()
	for name, in := range map[string]string{
		"plain": export, "gzip": gz.String(), "bom and crlf": "\xef\xbb\xbf" + strings.ReplaceAll(export, "\n", "\r\n"),
	} {
		recs, errs := collect(t, migrate.ReadFirebase(strings.NewReader(in), "users.json", nil, migrate.Options{}))
		if len(errs) != 0 || len(recs) != 2 || recs[1].User.LoginID != "b@example.com" ||
			recs[1].Place != fmt.Sprintf("users.json:%d (users[1])", lines[1]) {
			t.Errorf("%s: records %+v, errors %v", name, recs, errs)
		}
	}
}

// TestReadOnce: a reader's sequence reads its source once; ranging again yields an error, and
// breaking out of the loop stops the read.
func TestReadOnce(t *testing.T) {
	export, _ := firebaseExport(t, map[string]any{"email": "a@example.com"}, map[string]any{"email": "b@example.com"})
	seq := migrate.ReadFirebase(strings.NewReader(export), "users.json", nil, migrate.Options{})
	for rec, err := range seq {
		if err != nil || rec.User.LoginID != "a@example.com" {
			t.Fatalf("%+v %v", rec, err)
		}
		break
	}
	recs, errs := collect(t, seq)
	if len(recs) != 0 || len(errs) != 1 || !errors.Is(errs[0], migrate.ErrUnreadable) || !strings.Contains(errs[0].Problem, "already read") {
		t.Errorf("second range: %+v %v", recs, errs)
	}
}
