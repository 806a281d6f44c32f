package migrate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// TestSecretsNeverInErrors: every error of the tests' error cases (users, hashes files, hash
// configurations, broken documents), as text and as %+v, is searched for every hash, salt and key
// the fixtures hold, whole or any 12 characters of it: none shows.
func TestSecretsNeverInErrors(t *testing.T) {
	var texts []string
	note := func(errs ...*migrate.Error) {
		for _, e := range errs {
			texts = append(texts, e.Error(), fmt.Sprintf("%+v", *e), fmt.Sprintf("%#v", *e))
		}
	}
	hash := parseHash(t, firebasePublished.config)
	for _, tc := range firebaseCases() {
		export, _ := firebaseCaseExport(t, tc)
		_, errs := collect(t, migrate.ReadFirebase(strings.NewReader(export), "users.json", hash, migrate.Options{}))
		note(errs...)
	}
	v := firebasePublished
	for _, doc := range []string{
		// JSON that breaks inside and right after a secret: encoding/json quotes the character.
		"{\"users\": [\n{\"email\": \"a@example.com\", \"passwordHash\": \"" + v.hash + "\\q\", \"salt\": \"" + v.salt + "\"}]}",
		"{\"users\": [\n{\"email\": \"a@example.com\", \"passwordHash\": \"" + v.hash + "\"" + v.salt + "}]}",
		"{\"users\": [\n{\"email\": \"a@example.com\", \"passwordHash\": " + v.hash + "}]}",
		"{\"users\": [\n{\"email\": \"a@example.com\", \"passwordHash\": \"" + v.hash,
	} {
		_, errs := collect(t, migrate.ReadFirebase(strings.NewReader(doc), "users.json", hash, migrate.Options{}))
		if len(errs) == 0 {
			t.Errorf("no error for %q", doc)
		}
		note(errs...)
	}
	for _, tc := range auth0Cases() {
		_, errs := collect(t, auth0CaseRead(t, tc))
		note(errs...)
	}
	for _, tc := range auth0HashCases(t) {
		_, errs := collect(t, auth0HashCaseRead(t, tc))
		note(errs...)
	}
	for _, line := range []string{
		`{"_id": {"$oid": "a1"}, "passwordHash": "` + auth0Hashes(t)[0] + `\q"}`,
		`{"_id": {"$oid": "a1"}, "passwordHash": ` + auth0Hashes(t)[0] + `}`,
		`{"_id": {"$oid": "a1"}, "passwordHash": ["` + auth0Hashes(t)[0] + `"]}`,
	} {
		_, errs := collect(t, migrate.ReadAuth0(strings.NewReader(""), "users.ndjson", strings.NewReader(line), "hashes.ndjson", migrate.Options{}))
		if len(errs) == 0 {
			t.Errorf("no error for %q", line)
		}
		note(errs...)
	}
	for _, tc := range hashCases() {
		_, err := migrate.ParseFirebaseHash([]byte(tc.config), "hash.txt")
		note(err.(*migrate.Error))
	}
	for _, config := range []string{
		"hash_config {\n  base64_signer_key: " + v.signerKey + "\" ,\n}",
		`{"base64_signer_key": "` + v.signerKey + `\q"}`,
		`{"base64_signer_key": ` + v.signerKey + `}`,
		"base64_signer_key " + v.signerKey,
	} {
		_, err := migrate.ParseFirebaseHash([]byte(config), "hash.txt")
		if err == nil {
			t.Errorf("no error for %q", config)
			continue
		}
		note(err.(*migrate.Error))
	}

	secrets := []string{secretNotBase64, secretSaltNotB64, secretShortHash, secretBadBcrypt, secretSignerKey, "SECRET"}
	for _, fv := range []firebaseVector{firebasePublished, firebaseFake} {
		secrets = append(secrets, fv.hash, fv.salt, fv.signerKey)
	}
	secrets = append(secrets, auth0Hashes(t)...)
	if len(texts) < 100 {
		t.Fatalf("only %d error texts", len(texts))
	}
	for _, text := range texts {
		for _, s := range secrets {
			for i := 0; i+12 <= len(s) || i == 0; i++ {
				part := s[i:min(i+12, len(s))]
				if strings.Contains(text, part) {
					t.Errorf("an error shows %q of a secret: %s", part, text)
					break
				}
			}
		}
	}
}
