package api

import (
	"bytes"
	"encoding/json"
	"strings"
)

// RedactedKey stands in for the management key wherever a text would otherwise carry it: in the
// errors and results of this package, in the answers of the fake (api/apitest) and in the output
// of the command-line tool. It is the one marker for a hidden key across the module.
const RedactedKey = "[management key redacted]"

var redactedKeyBytes = []byte(RedactedKey)

// Redactor hides one secret in every form a text may carry it: as it is, and as a JSON string
// escapes it. The client runs every response body through one before anything reads it, so that
// error messages, excerpts, batch failures and bulk results can never show the key, not even part
// of it after an excerpt is cut. A nil *Redactor, or one for an empty secret, changes nothing.
type Redactor struct {
	forms     []string
	byteForms [][]byte // the forms as bytes, made once: converting a long key per call allocates
}

// NewRedactor returns a Redactor for secret.
func NewRedactor(secret string) *Redactor {
	r := &Redactor{}
	if secret == "" {
		return r
	}
	r.forms = append(r.forms, secret)
	// encoding/json escapes <, >, &, control characters, U+2028 and U+2029: a server that echoes
	// the key inside a JSON string may carry it in that form.
	if enc, err := json.Marshal(secret); err == nil {
		if esc := string(enc[1 : len(enc)-1]); esc != secret {
			r.forms = append(r.forms, esc)
		}
	}
	for _, f := range r.forms {
		r.byteForms = append(r.byteForms, []byte(f))
	}
	return r
}

// String returns s with every occurrence of the secret replaced by RedactedKey.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, RedactedKey)
		}
	}
	return s
}

// Bytes returns b with every occurrence of the secret replaced by RedactedKey; b itself when it
// holds none. RedactedKey holds no quote or backslash, so a JSON document stays valid JSON.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	for _, f := range r.byteForms {
		if bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, redactedKeyBytes)
		}
	}
	return b
}
