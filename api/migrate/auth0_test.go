package migrate_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// auth0Passwords are the passwords of the bcrypt hashes the Auth0 tests use.
var auth0Passwords = []string{"hunter2-auth0-ann", "hunter2-auth0-bob"}

var (
	auth0HashesOnce sync.Once
	auth0HashList   []string
)

// auth0Hashes are bcrypt hashes of auth0Passwords as Auth0 support exports them ($2b$, cost
// 10 there; the lowest cost here), made once with golang.org/x/crypto/bcrypt.
func auth0Hashes(t testing.TB) []string {
	t.Helper()
	auth0HashesOnce.Do(func() {
		for _, pw := range auth0Passwords {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			auth0HashList = append(auth0HashList, "$2b$"+strings.TrimPrefix(string(h), "$2a$"))
		}
	})
	return auth0HashList
}

// auth0Ann is a user of a users export with every field the reader looks at, and others.
func auth0Ann() map[string]any {
	return map[string]any{
		"user_id": "auth0|5dea9f9c82dd7c0e76e4ec93", "email": "ann@example.com", "email_verified": true,
		"username": "ann", "phone_number": "+15555550100", "phone_verified": true,
		"name": "Ann Example", "given_name": "Ann", "family_name": "Example", "nickname": "annie",
		"picture":       "https://example.com/ann.png",
		"user_metadata": map[string]any{"theme": "dark", "address": map[string]any{"city": "Lisbon"}},
		"app_metadata":  map[string]any{"plan": "pro", "roles": []any{"admin", "billing"}, "seats": 3},
		"created_at":    "2019-12-06T18:36:12.412Z", "updated_at": "2024-01-01T00:00:00.000Z",
		"last_login": "2024-05-01T00:00:00.000Z", "logins_count": 7, "last_ip": "192.0.2.1",
		"blocked": false, "multifactor": []any{"guardian"},
		"identities": []any{
			map[string]any{"provider": "auth0", "connection": "Username-Password-Authentication", "user_id": "5dea9f9c82dd7c0e76e4ec93", "isSocial": false},
			map[string]any{"provider": "google-oauth2", "connection": "google-oauth2", "user_id": "1234", "isSocial": true},
		},
	}
}

// auth0HashLine is a line of Auth0 support's hashes export for the user with _id.$oid oid.
func auth0HashLine(oid, altID, email, hash string) map[string]any {
	l := map[string]any{
		"_id": map[string]any{"$oid": oid}, "email_verified": false, "email": email, "passwordHash": hash,
		"password_set_date": map[string]any{"$date": "2019-12-06T18:36:12.412Z"}, "tenant": "example",
		"connection": "Username-Password-Authentication", "_tmp_is_unique": true,
		"identifiers": []any{map[string]any{"type": "email", "value": email, "verified": false}},
	}
	if altID != "" {
		l["alt_id"] = altID
	}
	return l
}

// TestAuth0Mapping: each field of a users export lands where the package doc's table says; the
// hashes go to their users by _id.$oid and by alt_id; blank lines and CRLF are fine and lines
// are counted.
func TestAuth0Mapping(t *testing.T) {
	hashes := auth0Hashes(t)
	users := ndjson(t,
		auth0Ann(),
		// A custom ID (alt_id), blocked, no email: the phone is the login ID.
		map[string]any{"user_id": "auth0|euclid", "phone_number": "+15555550101", "phone_verified": false, "blocked": true,
			"created_at": "2021-03-04T05:06:07Z", "user_metadata": map[string]any{}, "app_metadata": nil},
		// A username only; an unverified email is absent. No password.
		map[string]any{"user_id": "auth0|5dea9f9c82dd7c0e76e4ec95", "username": "cat", "email_verified": true},
		// A social user without a password.
		map[string]any{"user_id": "google-oauth2|998877", "email": "dan@example.com", "email_verified": true,
			"identities": []any{map[string]any{"provider": "google-oauth2", "isSocial": true}}},
	)
	users = strings.Replace(users, "\n", "\r\n\n  \n", 1) // a CRLF, a blank line and one of spaces after ann
	hashFile := ndjson(t,
		auth0HashLine("5dea9f9c82dd7c0e76e4ec93", "", "ann@example.com", hashes[0]),
		auth0HashLine("5dea9f9c82dd7c0e76e4ec94", "euclid", "bob@example.com", hashes[1]),
	)
	recs, errs := collect(t, migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", strings.NewReader(hashFile), "hashes.ndjson", migrate.Options{}))
	if len(errs) != 0 || len(recs) != 4 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	want := []migrate.Record{
		{
			User: api.BatchUser{
				LoginID: "ann@example.com", AdditionalLoginIDs: []string{"ann"}, Email: "ann@example.com", VerifiedEmail: true,
				Phone: "+15555550100", VerifiedPhone: true, Name: "Ann Example", GivenName: "Ann", FamilyName: "Example",
				Picture: "https://example.com/ann.png", Status: api.Ptr(api.UserStatusEnabled), CreatedTime: 1575657372,
				CustomAttributes: map[string]any{"theme": "dark", "address": map[string]any{"city": "Lisbon"},
					"plan": "pro", "roles": []any{"admin", "billing"}, "seats": 3.0},
				HashedPassword: &api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(hashes[0])}},
			},
			Place: "users.ndjson:1", SourceID: "auth0|5dea9f9c82dd7c0e76e4ec93", Providers: []string{"google-oauth2"},
		},
		{
			User: api.BatchUser{LoginID: "+15555550101", Phone: "+15555550101", Status: api.Ptr(api.UserStatusDisabled), CreatedTime: 1614834367,
				HashedPassword: &api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(hashes[1])}}},
			Place: "users.ndjson:4", SourceID: "auth0|euclid",
		},
		{
			User:  api.BatchUser{LoginID: "cat", Status: api.Ptr(api.UserStatusEnabled)},
			Place: "users.ndjson:5", SourceID: "auth0|5dea9f9c82dd7c0e76e4ec95",
		},
		{
			User:  api.BatchUser{LoginID: "dan@example.com", Email: "dan@example.com", VerifiedEmail: true, Status: api.Ptr(api.UserStatusEnabled)},
			Place: "users.ndjson:6", SourceID: "google-oauth2|998877", Providers: []string{"google-oauth2"},
		},
	}
	for i := range want {
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Errorf("user %d:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}

	// Without a hashes file, the same users come without passwords; KeepIDAs keeps user_id.
	recs, errs = collect(t, migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", nil, "", migrate.Options{KeepIDAs: "auth0UserId"}))
	if len(errs) != 0 || len(recs) != 4 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	for i, r := range recs {
		if r.User.HashedPassword != nil || r.User.CustomAttributes["auth0UserId"] != want[i].SourceID {
			t.Errorf("user %d without hashes: %+v", i, r.User)
		}
	}
}

// TestAuth0Gzip: the export job's gzipped file reads as the text, as does a gzipped hashes file.
func TestAuth0Gzip(t *testing.T) {
	hashes := auth0Hashes(t)
	zip := func(s string) io.Reader {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return &b
	}
	users := ndjson(t, map[string]any{"user_id": "auth0|a1", "email": "a@example.com"}, map[string]any{"user_id": "auth0|b2", "email": "b@example.com"})
	hashFile := ndjson(t, auth0HashLine("b2", "", "b@example.com", hashes[1]))
	recs, errs := collect(t, migrate.ReadAuth0(zip(users), "users.json.gz", zip(hashFile), "hashes.json.gz", migrate.Options{}))
	if len(errs) != 0 || len(recs) != 2 || recs[1].Place != "users.json.gz:2" || recs[1].User.HashedPassword == nil {
		t.Errorf("records %+v, errors %v", recs, errs)
	}
}

type auth0Case struct {
	name    string
	line    any // the second line of the users export: a map, or raw text
	place   string
	field   string
	problem string
	is      error
}

func auth0Cases() []auth0Case {
	return []auth0Case{
		{"email_verified not a boolean", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "email_verified": "true"}, "users.ndjson:2", "email_verified", "a string where true or false", nil},
		{"blocked not a boolean", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "blocked": "no"}, "users.ndjson:2", "blocked", "a string where true or false", nil},
		{"user_metadata not an object", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "user_metadata": []any{1}}, "users.ndjson:2", "user_metadata", "an array where an object", nil},
		{"app_metadata a string", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "app_metadata": "pro"}, "users.ndjson:2", "app_metadata", "a string where an object", nil},
		{"a key in both metadata", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "user_metadata": map[string]any{"plan": "free", "a": 1}, "app_metadata": map[string]any{"plan": "pro", "b": 2}}, "users.ndjson:2", "app_metadata.plan", "user_metadata has this key too", nil},
		{"created_at not a time", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "created_at": "06/12/2019"}, "users.ndjson:2", "created_at", "ISO 8601", nil},
		{"no login ID", map[string]any{"user_id": "sms|x", "name": "Nobody"}, "users.ndjson:2", "", `no email, phone_number or username (user_id "sms|x")`, migrate.ErrNoLoginID},
		{"login ID twice", map[string]any{"user_id": "auth0|x", "email": "first@example.com"}, "users.ndjson:2", "", `login ID "first@example.com" is the login ID of the user at users.ndjson:1 too`, migrate.ErrDuplicateLoginID},
		{"a username that is another's email", map[string]any{"user_id": "auth0|x", "email": "x@example.com", "username": "first@example.com"}, "users.ndjson:2", "", `login ID "first@example.com" is the login ID of the user at users.ndjson:1 too`, migrate.ErrDuplicateLoginID},
		{"not an object", `["auth0|x", "x@example.com"]`, "users.ndjson:2", "", "not a JSON object", nil},
		{"broken JSON", `{"user_id": "auth0|x", "email": "x@example.com",`, "users.ndjson:2", "", "not valid JSON", nil},
		{"no user_id to join by", map[string]any{"email": "x@example.com"}, "users.ndjson:2", "user_id", "matched to users by it", nil},
	}
}

// TestAuth0UserErrors: a line that cannot be carried over is an error naming FILE:LINE and the
// field; the lines after it are read.
func TestAuth0UserErrors(t *testing.T) {
	for _, tc := range auth0Cases() {
		t.Run(tc.name, func(t *testing.T) {
			recs, errs := collect(t, auth0CaseRead(t, tc))
			if len(recs) != 2 || recs[0].User.LoginID != "first@example.com" || recs[1].Place != "users.ndjson:3" {
				t.Errorf("records %+v", recs)
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v", errs)
			}
			e := errs[0]
			if e.Place != tc.place || e.Field != tc.field || !strings.Contains(e.Problem, tc.problem) {
				t.Errorf("got %q (place %q, field %q); want place %q, field %q, problem with %q", e, e.Place, e.Field, tc.place, tc.field, tc.problem)
			}
			if tc.is != nil && !errors.Is(e, tc.is) || tc.is == nil && e.Err != nil {
				t.Errorf("%v wraps %v, want %v", e, e.Err, tc.is)
			}
		})
	}
}

// auth0CaseRead reads a case's export: a good user, the case's line, another good user, with a
// hashes file of the first user's hash.
func auth0CaseRead(t *testing.T, tc auth0Case) func(func(migrate.Record, error) bool) {
	t.Helper()
	line, ok := tc.line.(string)
	if !ok {
		line = strings.TrimSuffix(ndjson(t, tc.line), "\n")
	}
	users := ndjson(t, map[string]any{"user_id": "auth0|first", "email": "first@example.com"}) + line + "\n" +
		ndjson(t, map[string]any{"user_id": "auth0|last", "email": "last@example.com"})
	hashes := ndjson(t, auth0HashLine("first", "", "first@example.com", auth0Hashes(t)[0]))
	return migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", strings.NewReader(hashes), "hashes.ndjson", migrate.Options{})
}

type auth0HashCase struct {
	name   string
	users  []any
	hashes []any
	want   []string // every error, in order, as "place|field|problem part|sentinel"
	recs   int
}

func auth0HashCases(t testing.TB) []auth0HashCase {
	h := auth0Hashes(t)
	ann := map[string]any{"user_id": "auth0|a1", "email": "ann@example.com"}
	bob := map[string]any{"user_id": "auth0|b2", "email": "bob@example.com"}
	return []auth0HashCase{
		{"not a bcrypt hash", []any{ann, bob}, []any{auth0HashLine("a1", "", "ann@example.com", secretBadBcrypt), auth0HashLine("b2", "", "", h[1])},
			[]string{
				"hashes.ndjson:1|passwordHash|not a bcrypt hash|",
				"users.ndjson:1|passwordHash|its hash, at hashes.ndjson:1, was refused|",
			}, 1},
		{"a hash that matches no user", []any{ann}, []any{auth0HashLine("a1", "", "", h[0]), auth0HashLine("zz9", "", "gone@example.com", h[1])},
			[]string{`hashes.ndjson:2|_id|the hash of "auth0|zz9" matches no user_id of users.ndjson|ErrUnmatchedHash`}, 1},
		{"a user two hashes match", []any{ann, bob}, []any{auth0HashLine("a1", "", "", h[0]), auth0HashLine("b2", "", "", h[1]), auth0HashLine("a1", "", "", h[1])},
			[]string{`users.ndjson:1|user_id|two hashes are for "auth0|a1", at hashes.ndjson:1 and hashes.ndjson:3|ErrHashConflict`}, 1},
		{"a user its alt_id and another's _id match", []any{ann}, []any{auth0HashLine("a1", "", "", h[0]), auth0HashLine("x7", "a1", "", h[1])},
			[]string{`users.ndjson:1|user_id|two hashes are for "auth0|a1", at hashes.ndjson:1 and hashes.ndjson:2|ErrHashConflict`}, 0},
		{"a hash two users match", []any{ann, map[string]any{"user_id": "auth0|a1", "email": "ann2@example.com"}}, []any{auth0HashLine("a1", "", "", h[0])},
			[]string{`users.ndjson:2|user_id|the hash at hashes.ndjson:1 for "auth0|a1" went to the user at users.ndjson:1 already|ErrHashConflict`}, 1},
		{"a hash line without an ID", []any{ann}, []any{map[string]any{"email": "ann@example.com", "passwordHash": h[0]}},
			[]string{"hashes.ndjson:1|_id|cannot be matched to a user|"}, 1},
		{"a hash line without a hash", []any{ann}, []any{auth0HashLine("a1", "", "", "")},
			[]string{"hashes.ndjson:1|passwordHash|missing or empty|", "users.ndjson:1|passwordHash|was refused|"}, 0},
		{"a hash line of another shape", []any{ann}, []any{map[string]any{"_id": 12, "passwordHash": h[0]}, "[1,2]", map[string]any{"_id": map[string]any{"$oid": true}, "passwordHash": h[0]}},
			[]string{"hashes.ndjson:1|_id|a number where a string|", "hashes.ndjson:2||not a JSON object|", "hashes.ndjson:3|_id.$oid|a boolean where a string|"}, 1},
		{"_id as a plain string", []any{ann}, []any{map[string]any{"_id": "a1", "passwordHash": h[0]}}, nil, 1},
	}
}

// TestAuth0HashErrors: a hash that is not bcrypt is an error at its line (and its user, which
// would otherwise come without its password, fails too); a hash no user takes is reported after
// the users; a user two hashes match and a hash two users match are errors.
func TestAuth0HashErrors(t *testing.T) {
	for _, tc := range auth0HashCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			recs, errs := collect(t, auth0HashCaseRead(t, tc))
			var got []string
			for _, e := range errs {
				s := ""
				for _, sentinel := range []struct {
					name string
					err  error
				}{{"ErrUnmatchedHash", migrate.ErrUnmatchedHash}, {"ErrHashConflict", migrate.ErrHashConflict}} {
					if errors.Is(e, sentinel.err) {
						s = sentinel.name
					}
				}
				got = append(got, e.Place+"|"+e.Field+"|"+e.Problem+"|"+s)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for i, w := range tc.want {
				parts := strings.Split(w, "|")
				place, field, problem, sentinel := parts[0], parts[1], strings.Join(parts[2:len(parts)-1], "|"), parts[len(parts)-1]
				e := errs[i]
				gotSentinel := strings.Split(got[i], "|")
				if e.Place != place || e.Field != field || !strings.Contains(e.Problem, problem) || gotSentinel[len(gotSentinel)-1] != sentinel {
					t.Errorf("error %d: got %s\nwant %s", i, got[i], w)
				}
			}
			if len(recs) != tc.recs {
				t.Errorf("%d records, want %d", len(recs), tc.recs)
			}
		})
	}
}

func auth0HashCaseRead(t testing.TB, tc auth0HashCase) func(func(migrate.Record, error) bool) {
	var users, hashes strings.Builder
	for _, u := range tc.users {
		users.WriteString(ndjson(t, u))
	}
	for _, h := range tc.hashes {
		if s, ok := h.(string); ok {
			hashes.WriteString(s + "\n")
		} else {
			hashes.WriteString(ndjson(t, h))
		}
	}
	return migrate.ReadAuth0(strings.NewReader(users.String()), "users.ndjson", strings.NewReader(hashes.String()), "hashes.ndjson", migrate.Options{})
}

// TestAuth0LongLine: a line longer than the limit is an error at its line, and the next line
// is read.
func TestAuth0LongLine(t *testing.T) {
	long := `{"email": "long@example.com", "user_metadata": {"blob": "` + strings.Repeat("x", 17<<20) + `"}}`
	users := ndjson(t, map[string]any{"email": "a@example.com"}) + long + "\n" + ndjson(t, map[string]any{"email": "b@example.com"})
	recs, errs := collect(t, migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", nil, "", migrate.Options{}))
	if len(recs) != 2 || recs[1].Place != "users.ndjson:3" || len(errs) != 1 || errs[0].Place != "users.ndjson:2" || !strings.Contains(errs[0].Problem, "longer than 16 MiB") {
		t.Errorf("records %+v, errors %v", recs, errs)
	}
}

// failingReader fails after its text.
type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

// TestAuth0ReadError: an I/O error ends the read with ErrUnreadable, after the lines before it.
func TestAuth0ReadError(t *testing.T) {
	users := ndjson(t, map[string]any{"email": "a@example.com"}, map[string]any{"email": "b@example.com"})
	recs, errs := collect(t, migrate.ReadAuth0(&failingReader{strings.NewReader(users)}, "users.ndjson", nil, "", migrate.Options{}))
	if len(recs) != 2 || len(errs) != 1 || !errors.Is(errs[0], migrate.ErrUnreadable) || errs[0].Place != "users.ndjson:3" || !strings.Contains(errs[0].Problem, "disk on fire") {
		t.Errorf("records %+v, errors %v", recs, errs)
	}
	recs, errs = collect(t, migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", &failingReader{strings.NewReader("")}, "hashes.ndjson", migrate.Options{}))
	if len(recs) != 0 || len(errs) != 1 || !errors.Is(errs[0], migrate.ErrUnreadable) || errs[0].Place != "hashes.ndjson:1" {
		t.Errorf("hashes: records %+v, errors %v", recs, errs)
	}
}
