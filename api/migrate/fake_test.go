package migrate_test

import (
	"iter"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// createInFake creates the records of seq in a fake Descope with the client's CreateBatch, and
// returns the fake and the client; every record must read and be created.
func createInFake(t *testing.T, seq iter.Seq2[migrate.Record, error]) (*apitest.Server, *api.Client) {
	t.Helper()
	recs, errs := collect(t, seq)
	if len(errs) != 0 || len(recs) == 0 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	s := apitest.NewServer(t)
	c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	users := make([]api.BatchUser, len(recs))
	for i, r := range recs {
		users[i] = r.User
	}
	res, err := c.CreateBatch(t.Context(), users)
	if err != nil || len(res.FailedUsers) != 0 || len(res.CreatedUsers) != len(users) {
		t.Fatalf("CreateBatch: %+v, %v", res, err)
	}
	return s, c
}

func wantPassword(t *testing.T, s *apitest.Server, loginID, password string) {
	t.Helper()
	if ok, err := s.CheckPassword(loginID, password); !ok || err != nil {
		t.Errorf("%s: the password does not verify: %v, %v", loginID, ok, err)
	}
	if ok, err := s.CheckPassword(loginID, password+"x"); ok || err != nil {
		t.Errorf("%s: another password verifies: %v, %v", loginID, ok, err)
	}
}

// TestFirebaseIntoFake: users read from Firebase exports are created in the fake with what the
// export said, and their passwords verify (the fake checks Firebase's modified scrypt): with
// Firebase's own published example, and with the fake's vector under another project's key.
func TestFirebaseIntoFake(t *testing.T) {
	pub := firebasePublished
	export, _ := firebaseExport(t, firebaseAnn(pub),
		map[string]any{"localId": "uid-bob", "phoneNumber": "+15555550101", "disabled": true, "createdAt": "1600000000000",
			"passwordHash": pub.hash, "salt": pub.salt})
	s, c := createInFake(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", parseHash(t, pub.config), migrate.Options{KeepIDAs: "firebaseUid"}))
	wantPassword(t, s, "ann@example.com", pub.password)
	wantPassword(t, s, "+15555550101", pub.password)
	ann, err := c.Load(t.Context(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ann.Email != "ann@example.com" || !ann.VerifiedEmail || ann.Phone != "+15555550100" || !ann.VerifiedPhone ||
		ann.Name != "Ann Example" || ann.Picture != "https://example.com/ann.png" || ann.Status != "enabled" ||
		ann.CreatedTime != 1508893925 || !ann.Password ||
		!reflect.DeepEqual(map[string]any(ann.CustomAttributes), map[string]any{"plan": "pro", "seats": 3.0, "admin": true, "tags": []any{"a", "b"}, "firebaseUid": "uid-ann"}) {
		t.Errorf("ann in the fake: %+v", ann)
	}
	bob, err := c.Load(t.Context(), "+15555550101")
	if err != nil || bob.Status != "disabled" || bob.CreatedTime != 1600000000 || bob.Email != "" {
		t.Errorf("bob in the fake: %+v, %v", bob, err)
	}

	fake := firebaseFake
	export, _ = firebaseExport(t, map[string]any{"localId": "u1", "email": "cat@example.com", "passwordHash": fake.hash, "salt": fake.salt})
	s, _ = createInFake(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", parseHash(t, fake.config), migrate.Options{}))
	wantPassword(t, s, "cat@example.com", fake.password)
}

// TestAuth0IntoFake: users read from an Auth0 export and its hashes are created in the fake and
// their bcrypt passwords verify; a username is a login ID too.
func TestAuth0IntoFake(t *testing.T) {
	hashes := auth0Hashes(t)
	users := ndjson(t, auth0Ann(),
		map[string]any{"user_id": "auth0|euclid", "phone_number": "+15555550101", "blocked": true, "created_at": "2021-03-04T05:06:07Z"})
	hashFile := ndjson(t,
		auth0HashLine("5dea9f9c82dd7c0e76e4ec93", "", "ann@example.com", hashes[0]),
		auth0HashLine("5dea9f9c82dd7c0e76e4ec94", "euclid", "", hashes[1]))
	s, c := createInFake(t, migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", strings.NewReader(hashFile), "hashes.ndjson", migrate.Options{}))
	wantPassword(t, s, "ann@example.com", auth0Passwords[0])
	wantPassword(t, s, "+15555550101", auth0Passwords[1])
	ann, err := c.Load(t.Context(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ann.LoginIDs, []string{"ann@example.com", "ann"}) || ann.GivenName != "Ann" || ann.FamilyName != "Example" ||
		ann.CreatedTime != 1575657372 || ann.CustomAttributes["plan"] != "pro" || ann.CustomAttributes["theme"] != "dark" {
		t.Errorf("ann in the fake: %+v", ann)
	}
	bob, err := c.Load(t.Context(), "+15555550101")
	if err != nil || bob.Status != "disabled" || bob.CreatedTime != 1614834367 {
		t.Errorf("bob in the fake: %+v, %v", bob, err)
	}
}
