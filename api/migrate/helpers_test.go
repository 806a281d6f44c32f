package migrate_test

import (
	"encoding/json"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// The vectors of Firebase's modified scrypt the tests carry users with.
//
// firebasePublished is the example of Firebase's own documentation of its hash
// (github.com/firebase/scrypt, README: the sample hash_config, an exported user and the
// password it hashes). firebaseFake is the vector api/apitest's tests verify the fake with
// (passwords_test.go, computed with Python's hashlib and cryptography), with another signer key.
var (
	firebasePublished = firebaseVector{
		config: `hash_config {
  algorithm: SCRYPT,
  base64_signer_key: jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,
  base64_salt_separator: Bw==,
  rounds: 8,
  mem_cost: 14,
}
`,
		signerKey:     "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
		saltSeparator: "Bw==",
		hash:          "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
		salt:          "42xEC+ixf3L2lw==",
		password:      "user1password",
	}
	firebaseFake = firebaseVector{
		config:        `{"base64_signer_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}`,
		signerKey:     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
		saltSeparator: "Bw==",
		hash:          "n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA==",
		salt:          "c2FsdC1mcm9tLWZpcmViYXNl",
		password:      "hunter2-firebase",
	}
)

// firebaseVector is a project's hash configuration and a user's hash under it.
type firebaseVector struct {
	config, signerKey, saltSeparator, hash, salt, password string
}

// firebaseExport writes users as `firebase auth:export --format=json` does: {"users": [ and a
// newline, each user as JSON.stringify(user, null, 2) separated by ",\n", and ]}. It returns the
// text and the line each user's object starts at.
func firebaseExport(t testing.TB, users ...map[string]any) (string, []int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\"users\": [\n")
	var lines []int
	for i, u := range users {
		if i > 0 {
			b.WriteString(",\n")
		}
		lines = append(lines, strings.Count(b.String(), "\n")+1)
		data, err := json.MarshalIndent(u, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	b.WriteString("]}")
	return b.String(), lines
}

// ndjson writes values one a line.
func ndjson(t testing.TB, values ...any) string {
	t.Helper()
	var b strings.Builder
	for _, v := range values {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// collect ranges over a reader's records, keeping them and its errors (each must be a
// *migrate.Error) in order.
func collect(t testing.TB, seq iter.Seq2[migrate.Record, error]) ([]migrate.Record, []*migrate.Error) {
	t.Helper()
	var recs []migrate.Record
	var errs []*migrate.Error
	for rec, err := range seq {
		if err != nil {
			var me *migrate.Error
			if !errors.As(err, &me) {
				t.Fatalf("an error that is not a *migrate.Error: %T %v", err, err)
			}
			errs = append(errs, me)
			continue
		}
		recs = append(recs, rec)
	}
	return recs, errs
}

// parseHash parses a hash configuration the test needs.
func parseHash(t testing.TB, config string) *migrate.FirebaseHash {
	t.Helper()
	h, err := migrate.ParseFirebaseHash([]byte(config), "hash.txt")
	if err != nil {
		t.Fatal(err)
	}
	return h
}
