package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// RedactedKey stands in for the management key wherever a text would otherwise carry it: in the
// errors and failure reasons of this package, in the error answers of the fake (api/apitest) and
// in the messages of the command-line tool. It is the one marker for a hidden key across the
// module.
const RedactedKey = "[management key redacted]"

// Redactor hides one secret in every form a text may carry it: as it is, and as a JSON string
// escapes it. A nil *Redactor, or one for an empty secret, changes nothing.
//
// The client hides the key in the text it shows (errors, failure reasons, the headers and body
// excerpts an error quotes), never in the data it returns: users and their fields come back
// exactly as the server sent them. Text is hidden after the last step that changes it (decoding
// escapes, dropping unprintable characters), so that no such step can bring a key back, and
// before it is cut, so that no cut can leave part of one.
type Redactor struct {
	forms     []string
	byteForms [][]byte // the forms as bytes, made once: converting a long key per call allocates
	marker    string   // what stands in for the secret: RedactedKey, unless as says otherwise
}

// as makes r put marker, instead of RedactedKey, where the secret was.
func (r *Redactor) as(marker string) *Redactor {
	r.marker = marker
	return r
}

// mark is what stands in for r's secret.
func (r *Redactor) mark() string {
	if r.marker == "" {
		return RedactedKey
	}
	return r.marker
}

// NewRedactor returns a Redactor for secret.
func NewRedactor(secret string) *Redactor {
	r := &Redactor{}
	if secret == "" {
		return r
	}
	r.forms = append(r.forms, secret)
	// encoding/json escapes <, >, &, control characters, U+2028 and U+2029: a text that quotes
	// the key as JSON (a validation error quoting a value, say) may carry it in that form.
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
			s = strings.ReplaceAll(s, f, r.mark())
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
			b = bytes.ReplaceAll(b, f, []byte(r.mark()))
		}
	}
	return b
}

// show returns s as text fit to show: each white-space character a space, every other
// character a terminal would not print (control and format characters: NUL, ESC, a backspace,
// a zero-width space) left out, and then the secret hidden. A secret the server wrote with
// such characters between its own is therefore hidden too, and what is shown holds none that
// a terminal could act on or drop. s itself when it is already fit (no allocation).
func (r *Redactor) show(s string) string {
	return r.String(printable(s))
}

// printable is s with white space as spaces and unprintable characters left out.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return strings.Map(printableRune, s)
		}
	}
	return s
}

func printableRune(r rune) rune {
	switch {
	case unicode.IsSpace(r):
		return ' '
	case r == utf8.RuneError, !unicode.IsPrint(r):
		return -1
	}
	return r
}

// unescapeJSON decodes, for display, the escapes a JSON string may hold wherever they occur in
// s: \uXXXX (a surrogate pair as one character), \n, \t, \r, \b, \f, \", \\ and \/. A backslash
// that starts no valid escape, and a lone surrogate, are kept as written. s itself when it holds
// no backslash.
func unescapeJSON(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		if d, ok := simpleEscapes[s[i+1]]; ok {
			b.WriteByte(d)
			i += 2
			continue
		}
		if s[i+1] == 'u' {
			if r, ok := hex4(s, i+2); ok {
				if !utf16.IsSurrogate(r) {
					b.WriteRune(r)
					i += 6
					continue
				}
				if i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
					if r2, ok := hex4(s, i+8); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b.WriteRune(dec)
							i += 12
							continue
						}
					}
				}
			}
		}
		b.WriteByte(c) // not an escape: the backslash as written
		i++
	}
	return b.String()
}

var simpleEscapes = map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f', '"': '"', '\\': '\\', '/': '/'}

// hex4 reads four hexadecimal digits of s at i.
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// cut returns s cut to at most n bytes, at a rune boundary, with "…" marking a cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// hideSecrets returns err with each of the secrets (passwords, hashes: what a call sent that must
// never be shown) hidden wherever err shows text, as the management key is: an *Error's fields
// (in a copy) and any other error's text. It is for the calls that send secrets, whose errors may
// quote what the server was sent. The error code is left as it is: it is one of Descope's codes,
// never an echo of the request, and errors.Is and the Is* functions match on it (a password "02"
// must not turn E112102 into something no one recognises).
func hideSecrets(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && err == error(e) {
		cp := *e
		cp.Description, cp.Message = hideText(cp.Description, secrets), hideText(cp.Message, secrets)
		cp.body = hideText(cp.body, secrets)
		return &cp
	}
	if text := hideText(err.Error(), secrets); text != err.Error() {
		return &shownError{msg: text, err: err}
	}
	return err
}

// hideText is s with each of the secrets hidden, as hideSecrets hides them in an error.
func hideText(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = NewRedactor(secret).as(secretMarker).show(s)
		}
	}
	return s
}

// secretMarker stands in for a secret other than the management key in shown text: the marker a
// wire.Secret prints as.
const secretMarker = wire.Redacted
