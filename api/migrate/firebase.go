package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// FirebaseHash is a Firebase project's password hash parameters, as the Firebase console shows
// them (Authentication > Users > Password hash parameters): what Descope's firebase variant of
// a hashed password needs beside each user's hash and salt. The keys print as
// [secret redacted]. Every Record of one read shares them: do not modify them.
type FirebaseHash struct {
	SignerKey     wire.SecretBytes // base64_signer_key, decoded
	SaltSeparator wire.SecretBytes // base64_salt_separator, decoded; may be empty
	Rounds        int32            // rounds, 1 to 8
	MemCost       int32            // mem_cost, 1 to 14: scrypt's N is 2 to this power
}

// The keys of a hash configuration.
const (
	keyAlgorithm     = "algorithm"
	keySignerKey     = "base64_signer_key"
	keySaltSeparator = "base64_salt_separator"
	keyRounds        = "rounds"
	keyMemCost       = "mem_cost"
)

var hashKeys = []string{keyAlgorithm, keySignerKey, keySaltSeparator, keyRounds, keyMemCost}

// ParseFirebaseHash reads a Firebase project's hash configuration in either of two forms: the
// block the Firebase console shows, on one line or several, with or without its trailing commas
//
//	hash_config {
//	  algorithm: SCRYPT,
//	  base64_signer_key: <base64>,
//	  base64_salt_separator: <base64>,
//	  rounds: 8,
//	  mem_cost: 14,
//	}
//
// (the lines alone, without "hash_config {" and "}", are read too), or a JSON object with the
// same keys, numbers as numbers or decimal strings:
//
//	{"base64_signer_key": "<base64>", "base64_salt_separator": "<base64>", "rounds": 8, "mem_cost": 14}
//
// algorithm may be left out; when given it must be SCRYPT (Firebase's modified scrypt, the
// only one Descope's firebase variant takes). The salt separator may be empty but not left
// out. name names the file in errors, which are *Error naming the line and the key and never
// quote a key's value.
func ParseFirebaseHash(data []byte, name string) (*FirebaseHash, error) {
	name = sourceName(name)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var values map[string]hashValue
	var err *Error
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		values, err = hashValuesJSON(data, name)
	} else {
		values, err = hashValuesText(data, name)
	}
	if err != nil {
		return nil, err
	}
	return hashOf(values, name)
}

// hashValue is a key's value in a hash configuration and its line.
type hashValue struct {
	text string
	line int
}

// hashValuesText reads the console's block.
func hashValuesText(data []byte, name string) (map[string]hashValue, *Error) {
	text := string(data)
	line := 1
	skip := func(n int) { line += strings.Count(text[:n], "\n"); text = text[n:] }
	skip(len(text) - len(strings.TrimLeft(text, " \t\r\n")))
	if rest, ok := strings.CutPrefix(text, "hash_config"); ok {
		skip(len(text) - len(rest))
		skip(len(text) - len(strings.TrimLeft(text, " \t\r\n")))
		if !strings.HasPrefix(text, "{") {
			return nil, &Error{Place: fmt.Sprintf("%s:%d", name, line), Problem: `"hash_config" is not followed by "{"`}
		}
		skip(1)
		body := strings.TrimRight(text, " \t\r\n")
		if !strings.HasSuffix(body, "}") {
			return nil, &Error{Place: fmt.Sprintf("%s:%d", name, line+strings.Count(body, "\n")), Problem: `the block "hash_config {" does not end with "}"`}
		}
		text = body[:len(body)-1]
	}
	values := map[string]hashValue{}
	for i, l := range strings.Split(text, "\n") {
		place := fmt.Sprintf("%s:%d", name, line+i)
		for part := range strings.SplitSeq(l, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			key, value, ok := strings.Cut(part, ":")
			key = strings.TrimSpace(key)
			if !ok || key == "" {
				return nil, &Error{Place: place, Problem: "not KEY: VALUE, as the console's hash_config shows its parameters"}
			}
			if err := addHashValue(values, key, unquote(strings.TrimSpace(value)), line+i, place); err != nil {
				return nil, err
			}
		}
	}
	return values, nil
}

// unquote takes a value out of double quotes, which a hand-copied block may have.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// addHashValue records a key's value, refusing an unknown key and a key given twice.
func addHashValue(values map[string]hashValue, key, value string, line int, place string) *Error {
	if !slices.Contains(hashKeys, key) {
		return &Error{Place: place, Field: key, Problem: "not a key of Firebase's hash_config (" + strings.Join(hashKeys, ", ") + ")"}
	}
	if v, twice := values[key]; twice {
		return &Error{Place: place, Field: key, Problem: fmt.Sprintf("given at line %d too", v.line)}
	}
	values[key] = hashValue{value, line}
	return nil
}

// hashValuesJSON reads the JSON form.
func hashValuesJSON(data []byte, name string) (map[string]hashValue, *Error) {
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(max(off, 0), int64(len(data)))], []byte("\n")) }
	fail := func(err error) *Error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &Error{Place: fmt.Sprintf("%s:%d", name, lineAt(se.Offset)), Problem: "not valid JSON"}
		}
		return &Error{Place: name, Problem: "not valid JSON (the file ends inside the object?)"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, fail(err)
	}
	values := map[string]hashValue{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		line := lineAt(dec.InputOffset())
		place := fmt.Sprintf("%s:%d", name, line)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fail(err)
		}
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case json.Number:
			text = v.String()
		default:
			return nil, &Error{Place: place, Field: key, Problem: "not a string or a number"}
		}
		if err := addHashValue(values, key, text, line, place); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Place: fmt.Sprintf("%s:%d", name, lineAt(dec.InputOffset())), Problem: "something follows the JSON object"}
	}
	return values, nil
}

// hashOf checks the values of a hash configuration and makes it.
func hashOf(values map[string]hashValue, name string) (*FirebaseHash, error) {
	at := func(k string) string { return fmt.Sprintf("%s:%d", name, values[k].line) }
	// The algorithm first: another one's configuration lacks some of SCRYPT's keys.
	if a, ok := values[keyAlgorithm]; ok && !strings.EqualFold(a.text, "SCRYPT") {
		return nil, &Error{Place: at(keyAlgorithm), Field: keyAlgorithm, Problem: fmt.Sprintf("%q is not SCRYPT: only Firebase's modified scrypt can be carried into Descope (its firebase hashed password)", a.text)}
	}
	for _, k := range []string{keySignerKey, keySaltSeparator, keyRounds, keyMemCost} {
		if _, ok := values[k]; !ok {
			return nil, &Error{Place: name, Field: k, Problem: "missing: the console's hash_config gives " + strings.Join(hashKeys[1:], ", ")}
		}
	}
	h := &FirebaseHash{}
	var ok bool
	if h.SignerKey, ok = decodeBase64(values[keySignerKey].text); !ok || len(h.SignerKey) == 0 {
		return nil, &Error{Place: at(keySignerKey), Field: keySignerKey, Problem: "not base64, or empty"}
	}
	if h.SaltSeparator, ok = decodeBase64(values[keySaltSeparator].text); !ok {
		return nil, &Error{Place: at(keySaltSeparator), Field: keySaltSeparator, Problem: "not base64"}
	}
	for _, c := range []struct {
		key      string
		to       *int32
		min, max int64
	}{{keyRounds, &h.Rounds, 1, 8}, {keyMemCost, &h.MemCost, 1, 14}} {
		n, err := strconv.ParseInt(values[c.key].text, 10, 32)
		if err != nil || n < c.min || n > c.max {
			return nil, &Error{Place: at(c.key), Field: c.key, Problem: fmt.Sprintf("not a whole number from %d to %d", c.min, c.max)}
		}
		*c.to = int32(n)
	}
	return h, nil
}

// firebaseUser is a user of Firebase's export: the fields carried over and those looked at.
// Every other field (lastSignedInAt, mfaInfo, tenantId...) is ignored.
type firebaseUser struct {
	LocalID          string          `json:"localId"`
	Email            string          `json:"email"`
	EmailVerified    bool            `json:"emailVerified"`
	PasswordHash     string          `json:"passwordHash"`
	Salt             string          `json:"salt"`
	DisplayName      string          `json:"displayName"`
	PhotoURL         string          `json:"photoUrl"`
	PhoneNumber      string          `json:"phoneNumber"`
	Disabled         bool            `json:"disabled"`
	CreatedAt        json.RawMessage `json:"createdAt"`
	CustomAttributes json.RawMessage `json:"customAttributes"`
	ProviderUserInfo []struct {
		ProviderID string `json:"providerId"`
	} `json:"providerUserInfo"`
}

// ReadFirebase reads the users of a Firebase Auth export (firebase auth:export FILE
// --format=json: one document, {"users": [...]}) as Records, one user at a time: the document
// is walked with a JSON token reader and only the current user is held, so the memory a read
// needs does not grow with the file (beside the login IDs' index, about 30 bytes a user; see
// the package doc). name names the export in places and errors ("users.json").
//
// hash is the project's password hash configuration (ParseFirebaseHash). It may be nil for an
// export without password hashes; the first user with one then ends the read with an error
// wrapping ErrNoHashConfig.
//
// A user that cannot be carried over is yielded as an *Error naming its place (the line where
// its object starts and its index) and its field, and the read goes on; an error wrapping
// ErrUnreadable (the document does not parse, is not {"users": [...]}, cannot be read) ends
// it. The export is read once, as the sequence is ranged over; ranging again yields an error.
func ReadFirebase(export io.Reader, name string, hash *FirebaseHash, opts Options) iter.Seq2[Record, error] {
	name = sourceName(name)
	var o once
	return func(yield func(Record, error) bool) {
		if !o.first(name, yield) {
			return
		}
		br, err := openSource(export)
		if err != nil {
			yield(Record{}, &Error{Place: name, Problem: "cannot be read: " + err.Error(), Err: ErrUnreadable})
			return
		}
		cr := &countingReader{r: br}
		cr.dec = json.NewDecoder(cr)
		fr := &firebaseReader{name: name, hash: hash, opts: opts, in: cr, dec: cr.dec, logins: newLoginIndex()}
		fr.read(yield)
	}
}

// countingReader counts the lines of what its decoder reads, and refuses to read on when the
// decoder holds more than maxLine bytes of one value (a user, or another member of the
// document), so that the decoder's buffer does not grow with a broken file.
type countingReader struct {
	r     io.Reader
	dec   *json.Decoder
	read  int64 // bytes read
	lines int64 // newlines read
}

// errValueTooLong is what the decoder meets reading a value longer than maxLine.
var errValueTooLong = fmt.Errorf("longer than %d MiB (a user of an export is a few KB)", maxLine>>20)

func (c *countingReader) Read(p []byte) (int, error) {
	held := c.read - c.dec.InputOffset()
	if held > maxLine {
		return 0, errValueTooLong
	}
	if room := maxLine + 1 - held; int64(len(p)) > room {
		p = p[:room] // never more than one byte past the limit
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	c.lines += int64(bytes.Count(p[:n], []byte("\n")))
	return n, err
}

// newlineCounter counts the newlines of what is written to it after its first skip bytes.
type newlineCounter struct {
	skip int64
	n    int64
}

func (w *newlineCounter) Write(p []byte) (int, error) {
	if w.skip < int64(len(p)) {
		w.n += int64(bytes.Count(p[w.skip:], []byte("\n")))
		w.skip = 0
	} else {
		w.skip -= int64(len(p))
	}
	return len(p), nil
}

// firebaseReader walks one export.
type firebaseReader struct {
	name   string
	hash   *FirebaseHash
	opts   Options
	in     *countingReader
	dec    *json.Decoder
	logins *loginIndex
}

// lineAt is the line of the byte at offset off of the text, which must be at or after the
// decoder's offset: the lines read less those still in the decoder's buffer after off.
func (f *firebaseReader) lineAt(off int64) int {
	w := &newlineCounter{skip: off - f.dec.InputOffset()}
	_, _ = io.Copy(w, f.dec.Buffered()) // a bytes.Reader: written in one piece, not copied
	return int(1 + f.in.lines - w.n)
}

// placeOf is the place of users[index], whose object starts at line.
func (f *firebaseReader) placeOf(index, line int) string {
	return fmt.Sprintf("%s:%d (users[%d])", f.name, line, index)
}

// nextValueLine is the line of the next value the decoder reads: past white space and a comma.
func (f *firebaseReader) nextValueLine() int {
	w := &valueStart{}
	_, _ = io.Copy(w, f.dec.Buffered())
	return f.lineAt(f.dec.InputOffset()) + w.newlines
}

// valueStart counts the newlines before the first byte that is not white space or a comma.
type valueStart struct {
	newlines int
	found    bool
}

func (w *valueStart) Write(p []byte) (int, error) {
	for _, c := range p {
		if w.found {
			break
		}
		switch c {
		case '\n':
			w.newlines++
		case ' ', '\t', '\r', ',':
		default:
			w.found = true
		}
	}
	return len(p), nil
}

// stop reports an error that ends the read: at the line of a syntax error, else at where the
// decoder is.
func (f *firebaseReader) stop(yield func(Record, error) bool, err error, what string) {
	f.stopAt(yield, err, what, f.lineAt(f.dec.InputOffset()))
}

// stopAt is stop at line, unless err is a syntax error.
func (f *firebaseReader) stopAt(yield func(Record, error) bool, err error, what string, line int) {
	var se *json.SyntaxError
	problem := what
	switch {
	case errors.As(err, &se):
		line = f.lineAt(se.Offset)
		problem = what + ": not valid JSON"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		problem = what + ": the file ends too soon (is it whole?)"
	case err != nil:
		problem = what + ": " + err.Error()
	}
	yield(Record{}, &Error{Place: fmt.Sprintf("%s:%d", f.name, line), Problem: problem, Err: ErrUnreadable})
}

// read walks {"users": [...]}, yielding each user.
func (f *firebaseReader) read(yield func(Record, error) bool) {
	const shape = `not a Firebase export ({"users": [...]})`
	if tok, err := f.dec.Token(); err != nil || tok != json.Delim('{') {
		f.stop(yield, err, shape)
		return
	}
	sawUsers := false
	for f.dec.More() {
		tok, err := f.dec.Token()
		if err != nil {
			f.stop(yield, err, shape)
			return
		}
		if tok != "users" {
			var skip json.RawMessage // another member: Firebase's own export has none
			if err := f.dec.Decode(&skip); err != nil {
				f.stop(yield, err, shape)
				return
			}
			continue
		}
		if sawUsers {
			f.stop(yield, nil, `"users" appears twice`)
			return
		}
		sawUsers = true
		if tok, err := f.dec.Token(); err != nil || tok != json.Delim('[') {
			f.stop(yield, err, `"users" is not an array`)
			return
		}
		var raw json.RawMessage // reused: Decode appends to raw[:0]
		for index := 0; f.dec.More(); index++ {
			if err := f.dec.Decode(&raw); err != nil {
				start := f.nextValueLine()
				f.stopAt(yield, err, fmt.Sprintf("users[%d], which starts at line %d", index, start), start)
				return
			}
			line := f.lineAt(f.dec.InputOffset()) - bytes.Count(raw, []byte("\n"))
			rec, err := f.user(raw, index, line)
			if errors.Is(err, ErrNoHashConfig) {
				yield(Record{}, err)
				return
			}
			if err != nil {
				if !yield(Record{}, err) {
					return
				}
				continue
			}
			if !yield(rec, nil) {
				return
			}
		}
		if _, err := f.dec.Token(); err != nil {
			f.stop(yield, err, shape)
			return
		}
	}
	if _, err := f.dec.Token(); err != nil {
		f.stop(yield, err, shape)
		return
	}
	if !sawUsers {
		f.stop(yield, nil, shape+`: no "users"`)
		return
	}
	if _, err := f.dec.Token(); err != io.EOF {
		f.stop(yield, nil, "something follows the document")
	}
}

// user maps users[index], whose object starts at line.
func (f *firebaseReader) user(raw []byte, index, line int) (Record, error) {
	place := f.placeOf(index, line)
	fail := func(field, problem string) (Record, error) {
		return Record{}, &Error{Place: place, Field: field, Problem: problem}
	}
	if raw[0] != '{' {
		return fail("", "not a JSON object")
	}
	var fu firebaseUser
	if err := json.Unmarshal(raw, &fu); err != nil {
		return fail(typeProblem(err))
	}
	rec := Record{Place: place, SourceID: fu.LocalID}
	u := &rec.User
	u.Email, u.VerifiedEmail = fu.Email, fu.EmailVerified && fu.Email != ""
	// A Firebase phone number is the one phone sign-in sends its code to: the user proved it
	// (or an admin set it, and Firebase signs its holder in all the same).
	u.Phone, u.VerifiedPhone = fu.PhoneNumber, fu.PhoneNumber != ""
	u.Name, u.Picture = fu.DisplayName, fu.PhotoURL
	u.Status = api.Ptr(api.UserStatusEnabled)
	if fu.Disabled {
		u.Status = api.Ptr(api.UserStatusDisabled)
	}
	switch {
	case fu.Email != "":
		u.LoginID = fu.Email
	case fu.PhoneNumber != "":
		u.LoginID = fu.PhoneNumber
	default:
		return Record{}, &Error{Place: place, Problem: fmt.Sprintf("no email and no phoneNumber (uid %q): nothing Descope could sign the user in with; an anonymous account?", fu.LocalID), Err: ErrNoLoginID}
	}
	if len(fu.CreatedAt) > 0 && string(fu.CreatedAt) != "null" {
		ms, err := strconv.ParseInt(string(bytes.Trim(fu.CreatedAt, `"`)), 10, 64)
		if err != nil || ms < 0 {
			return fail("createdAt", "not a whole number of milliseconds since 1970 (a number or a decimal string)")
		}
		u.CreatedTime = ms / 1000
	}
	attrs, err := customClaims(fu.CustomAttributes)
	if err != nil {
		return fail("customAttributes", err.Error())
	}
	u.CustomAttributes = attrs
	if fu.PasswordHash != "" {
		if f.hash == nil {
			return Record{}, &Error{Place: place, Field: "passwordHash", Problem: "the export has password hashes, and no hash configuration was given (the project's hash_config, from the Firebase console)", Err: ErrNoHashConfig}
		}
		hash, ok := decodeBase64(fu.PasswordHash)
		if !ok {
			return fail("passwordHash", "not base64")
		}
		if fu.Salt == "" {
			return fail("salt", "missing: a passwordHash needs its salt")
		}
		salt, ok := decodeBase64(fu.Salt)
		if !ok {
			return fail("salt", "not base64")
		}
		if len(hash) != len(f.hash.SignerKey) {
			return fail("passwordHash", fmt.Sprintf("%d bytes, and the signer key is %d: Firebase's hash is the signer key encrypted, as long as it; is the hash configuration this project's?", len(hash), len(f.hash.SignerKey)))
		}
		u.HashedPassword = &api.PasswordImport{Firebase: &gen.PasswordImportFirebase{
			Hash: hash, Salt: salt, SaltSeparator: f.hash.SaltSeparator, SignerKey: f.hash.SignerKey,
			Memory: f.hash.MemCost, Rounds: f.hash.Rounds,
		}}
	}
	for _, p := range fu.ProviderUserInfo {
		rec.Providers = append(rec.Providers, p.ProviderID)
	}
	rec.Providers = providersBut(rec.Providers, "password", "phone")
	if err := checkRecord(&rec, "passwordHash", f.opts, f.logins, index, line, f.placeOf); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// customClaims reads Firebase's customAttributes: the user's custom claims as a JSON object
// written in a string (as the CLI exports them) or, from other exporters, the object itself.
// "" and null are none.
func customClaims(raw json.RawMessage) (map[string]any, error) {
	text := []byte(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("not a string")
		}
		text = []byte(s)
	}
	if len(bytes.TrimSpace(text)) == 0 || string(bytes.TrimSpace(text)) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(text, &v); err != nil {
		return nil, errors.New("not valid JSON (custom claims are a JSON object)")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s, not a JSON object: custom claims are an object whose keys become custom attributes", jsonKind(v))
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// sortedKeys lists a map's keys in order, for messages that must not depend on map order.
func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
