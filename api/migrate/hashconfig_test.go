package migrate_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// TestParseFirebaseHashForms: the console's block (as Firebase's documentation shows it, on one
// line, without its commas, without its wrapper) and the JSON form read the same.
func TestParseFirebaseHashForms(t *testing.T) {
	v := firebasePublished
	want := &migrate.FirebaseHash{SignerKey: b64(t, v.signerKey), SaltSeparator: b64(t, v.saltSeparator), Rounds: 8, MemCost: 14}
	for name, config := range map[string]string{
		"console block": v.config,
		"one line":      "hash_config { algorithm: SCRYPT, base64_signer_key: " + v.signerKey + ", base64_salt_separator: Bw==, rounds: 8, mem_cost: 14 }",
		"no commas, CRLF, BOM": "\xef\xbb\xbfhash_config {\r\n  algorithm: SCRYPT\r\n  base64_signer_key: " + v.signerKey +
			"\r\n  base64_salt_separator: Bw==\r\n  rounds: 8\r\n  mem_cost: 14\r\n}\r\n",
		"lines alone, quoted": "base64_signer_key: \"" + v.signerKey + "\"\nbase64_salt_separator: \"Bw==\"\nrounds: 8\nmem_cost: 14\n",
		"JSON":                `{"base64_signer_key": "` + v.signerKey + `", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}`,
		"JSON, strings and algorithm": "{\n  \"algorithm\": \"SCRYPT\",\n  \"base64_signer_key\": \"" + v.signerKey +
			"\",\n  \"base64_salt_separator\": \"Bw==\",\n  \"rounds\": \"8\",\n  \"mem_cost\": \"14\"\n}\n",
	} {
		got, err := migrate.ParseFirebaseHash([]byte(config), "hash.txt")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
	got, err := migrate.ParseFirebaseHash([]byte(`{"base64_signer_key": "`+v.signerKey+`", "base64_salt_separator": "", "rounds": 1, "mem_cost": 1}`), "h.json")
	if err != nil || len(got.SaltSeparator) != 0 || got.Rounds != 1 || got.MemCost != 1 {
		t.Errorf("an empty salt separator: %+v, %v", got, err)
	}
}

// secretSignerKey is a signer key the error cases of hash configurations hold.
const secretSignerKey = "c2lnbmVyLWtleS1TRUNSRVQtUXo0LXRoYXQtbXVzdC1uZXZlci1zaG93"

type hashCase struct {
	name, config, place, field, problem string
}

func hashCases() []hashCase {
	block := func(lines ...string) string {
		return "hash_config {\n" + strings.Join(lines, "\n") + "\n}\n"
	}
	key := "  base64_signer_key: " + secretSignerKey + ","
	sep := "  base64_salt_separator: Bw==,"
	return []hashCase{
		{"another algorithm", block("  algorithm: STANDARD_SCRYPT,", key, sep, "  rounds: 8,", "  mem_cost: 14,"), "hash.txt:2", "algorithm", `"STANDARD_SCRYPT" is not SCRYPT`},
		{"another algorithm's keys", block("  algorithm: HMAC_SHA256,", key), "hash.txt:2", "algorithm", `"HMAC_SHA256" is not SCRYPT`},
		{"bcrypt", `{"algorithm": "BCRYPT", "base64_signer_key": "` + secretSignerKey + `", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}`, "hash.txt:1", "algorithm", `"BCRYPT" is not SCRYPT`},
		{"no signer key", block(sep, "  rounds: 8,", "  mem_cost: 14,"), "hash.txt", "base64_signer_key", "missing"},
		{"no salt separator", block(key, "  rounds: 8,", "  mem_cost: 14,"), "hash.txt", "base64_salt_separator", "missing"},
		{"signer key not base64", block("  base64_signer_key: "+secretSignerKey+"!*,", sep, "  rounds: 8,", "  mem_cost: 14,"), "hash.txt:2", "base64_signer_key", "not base64"},
		{"separator not base64", block(key, "  base64_salt_separator: SECRET*sep,", "  rounds: 8,", "  mem_cost: 14,"), "hash.txt:3", "base64_salt_separator", "not base64"},
		{"rounds too many", block(key, sep, "  rounds: 9,", "  mem_cost: 14,"), "hash.txt:4", "rounds", "from 1 to 8"},
		{"mem_cost not a number", block(key, sep, "  rounds: 8,", "  mem_cost: lots,"), "hash.txt:5", "mem_cost", "from 1 to 14"},
		{"an unknown key", block(key, sep, "  rounds: 8,", "  mem_cost: 14,", "  memory_cost: 14,"), "hash.txt:6", "memory_cost", "not a key"},
		{"a key twice", block(key, sep, "  rounds: 8,", "  rounds: 8,", "  mem_cost: 14,"), "hash.txt:5", "rounds", "given at line 4 too"},
		{"not KEY: VALUE", block(key, "  "+secretSignerKey), "hash.txt:3", "", "not KEY: VALUE"},
		{"no closing brace", "hash_config {\n" + key + "\n" + sep + "\n", "hash.txt:3", "", `does not end with "}"`},
		{"no opening brace", "hash_config\n" + key, "hash.txt:2", "", `not followed by "{"`},
		{"JSON broken", "{\n  \"base64_signer_key\": \"" + secretSignerKey + "\",\n  \"rounds\": 8 9\n}", "hash.txt:3", "", "not valid JSON"},
		{"JSON object value", `{"base64_signer_key": {"k": "` + secretSignerKey + `"}}`, "hash.txt:1", "base64_signer_key", "not a string or a number"},
		{"JSON after the object", `{"base64_signer_key": "` + secretSignerKey + `", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14} {}`, "hash.txt:1", "", "follows the JSON object"},
	}
}

// TestParseFirebaseHashErrors: a configuration that cannot be used is an *Error naming the line
// and the key; another algorithm than SCRYPT is refused.
func TestParseFirebaseHashErrors(t *testing.T) {
	for _, tc := range hashCases() {
		h, err := migrate.ParseFirebaseHash([]byte(tc.config), "hash.txt")
		var e *migrate.Error
		if h != nil || !errors.As(err, &e) {
			t.Errorf("%s: %+v, %v", tc.name, h, err)
			continue
		}
		if e.Place != tc.place || e.Field != tc.field || !strings.Contains(e.Problem, tc.problem) {
			t.Errorf("%s: got %q (place %q, field %q); want place %q, field %q, problem with %q", tc.name, e, e.Place, e.Field, tc.place, tc.field, tc.problem)
		}
	}
}
