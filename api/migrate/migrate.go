package migrate

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// Record is one user read from a source: the user to create, as CreateBatch, CreateAll and
// CreateSeq take it, and where it came from.
type Record struct {
	// User is the user to create. Its LoginID is never empty, its Status is enabled or
	// disabled (never left to Descope's default, invited), and its HashedPassword, when set,
	// passes api.CheckPasswordImport.
	User api.BatchUser
	// Place is where the user is in the source: "FILE:LINE" for a file of one user a line,
	// "FILE:LINE (users[I])" for Firebase's single document, LINE being where the user's object
	// starts and I its index in the users array.
	Place string
	// SourceID is the user's ID at the source (Firebase's localId, Auth0's user_id), or "" when
	// the source gave none. Options.KeepIDAs keeps it in Descope too.
	SourceID string
	// Providers are the other ways the user signed in at the source (Firebase's
	// providerUserInfo[].providerId such as google.com, Auth0's identities[].provider such as
	// google-oauth2), which are not carried over: a user to create has no field for them. Nil
	// when there are none; a caller may report them, as users who will sign in another way.
	Providers []string
}

// Options say how a reader carries users over. The zero Options are the defaults.
type Options struct {
	// KeepIDAs, when not empty, names a custom attribute that keeps the user's ID at the
	// source (Record.SourceID), such as "firebaseUid" or "auth0UserId". A user whose own
	// attributes already have that name is an error. Descope keeps a custom attribute only if
	// the project defines it: define it before creating the users.
	KeepIDAs string
}

// Errors that a caller may want to tell apart (errors.Is). Every error a reader yields is an
// *Error, which wraps one of these or none.
var (
	// ErrNoLoginID: the user has nothing Descope could know it by (an anonymous Firebase
	// account, an Auth0 user with neither email, phone number nor username). The readers go on
	// after it, so a caller may count these users as skipped and carry on.
	ErrNoLoginID = errors.New("migrate: the user has no login ID")
	// ErrDuplicateLoginID: a login ID already given to another user of the same source; the
	// error names both places. The first user was yielded as a Record.
	ErrDuplicateLoginID = errors.New("migrate: a login ID of two users")
	// ErrUnmatchedHash: a password hash that matched no user (Auth0's hashes file), reported
	// at its line after the last user.
	ErrUnmatchedHash = errors.New("migrate: a password hash that matches no user")
	// ErrHashConflict: a user that two password hashes match, or a hash that two users match.
	ErrHashConflict = errors.New("migrate: a password hash matched twice")
	// ErrNoHashConfig: a Firebase export with password hashes was read without the project's
	// hash configuration. Reading stops there.
	ErrNoHashConfig = errors.New("migrate: password hashes but no hash configuration")
	// ErrUnreadable: the source cannot be read on (an I/O error, JSON that does not parse in a
	// single-document source, a document of another shape, a second read). Reading stops
	// there.
	ErrUnreadable = errors.New("migrate: the source cannot be read on")
)

// Error is a problem with one user of a source, or with the source itself. Its text names the
// place and the field and says what is wrong; it never quotes a password, a hash, a salt or a
// key (login IDs and source IDs are quoted: they are what the user must look for).
type Error struct {
	// Place is where the problem is: "FILE:LINE", or "FILE:LINE (users[I])" in Firebase's
	// document.
	Place string
	// Field is the source's field ("passwordHash", "app_metadata.plan"), or "" when the
	// problem is the user or the source as a whole.
	Field string
	// Problem says what is wrong.
	Problem string
	// Err is the sentinel the error wraps (ErrNoLoginID...), or nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Place)
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// maxLine is the longest line a line-per-user source may have (16 MiB, Auth0's limit on a
// user's metadata is far lower). The buffer grows only as long lines need it.
const maxLine = 16 << 20

// openSource reads past what may come before the text: gzip (Auth0's export job writes
// .json.gz; it is undone here, the lines counted in the text) and a UTF-8 byte-order mark.
func openSource(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	return br, nil
}

// lineReader reads a source of one JSON value a line, reusing one buffer.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	line int // the number of the last line returned
}

// errLineTooLong is next's answer for a line longer than maxLine, which it skips.
var errLineTooLong = fmt.Errorf("the line is longer than %d MiB", maxLine>>20)

// next returns the next line without its end (\n or \r\n) and its number, or io.EOF after the
// last; a line longer than maxLine is skipped and reported with errLineTooLong, and any other
// error of the source is returned as it is. The line is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	tooLong := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !tooLong {
			if len(l.buf)+len(chunk) > maxLine+2 {
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && (len(l.buf) > 0 || tooLong):
			// the last line, without an end
		case err != nil && err != io.EOF:
			return nil, err
		case err == io.EOF:
			return nil, io.EOF
		}
		l.line++
		if tooLong {
			return nil, errLineTooLong
		}
		line := bytes.TrimSuffix(l.buf, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

// blank reports whether a line holds only white space.
func blank(line []byte) bool {
	return len(bytes.TrimSpace(line)) == 0
}

// loginIndex finds login IDs given twice in one source. It keeps a 64-bit hash of each login
// ID with the place it was first given (the line, and the index for Firebase), so about 24
// bytes a user whatever the login ID's length, rather than the login IDs themselves. Two
// different login IDs of one source share a hash with the probability of two random 64-bit
// numbers being equal (below one in 10^7 for a million users); the seed is new for every read,
// so such a false report would not come back on the next read.
type loginIndex struct {
	seed  maphash.Seed
	first map[uint64]uint64 // hash -> place: index<<32 | line
}

func newLoginIndex() *loginIndex {
	return &loginIndex{seed: maphash.MakeSeed(), first: map[uint64]uint64{}}
}

// add records the login IDs of the user at (index, line); for one already given, it returns
// the login ID and the place where it was given first.
func (x *loginIndex) add(ids []string, index, line int) (dup string, firstIndex, firstLine int, ok bool) {
	place := uint64(min(index, math.MaxUint32))<<32 | uint64(min(line, math.MaxUint32))
	for _, id := range ids {
		h := maphash.String(x.seed, id)
		if p, seen := x.first[h]; seen {
			return id, int(p >> 32), int(p & (1<<32 - 1)), true
		}
	}
	for _, id := range ids {
		x.first[maphash.String(x.seed, id)] = place
	}
	return "", 0, 0, false
}

// checkRecord does the checks common to every source on a user mapped from it: a login ID, a
// hashed password the API would take (hashField is the source's field for the messages), the
// source ID kept if asked, no login ID given twice. placeOf rebuilds a place from what the
// index keeps.
func checkRecord(rec *Record, hashField string, opts Options, x *loginIndex, index, line int, placeOf func(index, line int) string) *Error {
	u := &rec.User
	if h := u.HashedPassword; h != nil {
		if err := api.CheckPasswordImport(*h); err != nil {
			return &Error{Place: rec.Place, Field: hashField, Problem: problemOf(err)}
		}
	}
	if opts.KeepIDAs != "" {
		if rec.SourceID == "" {
			return &Error{Place: rec.Place, Problem: fmt.Sprintf("no ID at the source, which Options.KeepIDAs would keep as %q", opts.KeepIDAs)}
		}
		if _, taken := u.CustomAttributes[opts.KeepIDAs]; taken {
			return &Error{Place: rec.Place, Field: opts.KeepIDAs, Problem: fmt.Sprintf("the user has an attribute %q already, the name Options.KeepIDAs gives the source's ID", opts.KeepIDAs)}
		}
		if u.CustomAttributes == nil {
			u.CustomAttributes = map[string]any{}
		}
		u.CustomAttributes[opts.KeepIDAs] = rec.SourceID
	}
	ids := append([]string{u.LoginID}, u.AdditionalLoginIDs...)
	if dup, i, l, found := x.add(ids, index, line); found {
		return &Error{Place: rec.Place, Problem: fmt.Sprintf("login ID %q is the login ID of the user at %s too", dup, placeOf(i, l)), Err: ErrDuplicateLoginID}
	}
	return nil
}

// problemOf is what api's error says, without its "descope: invalid argument: " prefix.
func problemOf(err error) string {
	var ae *api.ArgumentError
	if errors.As(err, &ae) {
		return ae.Problem
	}
	return err.Error()
}

// decodeBase64 reads base64 as exports write it: the standard or the URL alphabet, padded or
// not (Firebase's API writes the URL alphabet, its CLI the standard one).
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// typeProblem turns what encoding/json says of a value of the wrong type into a field and a
// problem that quote no value; other errors become "not valid JSON" (a syntax error quotes a
// character of the text, which may be a secret's).
func typeProblem(err error) (field, problem string) {
	if errors.Is(err, errNotObject) {
		return "", "not a JSON object"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := te.Type.Kind().String()
		switch want {
		case "map", "struct":
			want = "an object"
		case "slice":
			want = "an array"
		case "bool":
			want = "true or false"
		default:
			want = "a " + want
		}
		got, _, _ := strings.Cut(te.Value, " ") // "number 12" quotes the number: keep the kind
		if got == "bool" {
			got = "boolean"
		}
		return te.Field, fmt.Sprintf("is %s where %s is expected", article(got), want)
	}
	return "", "not valid JSON"
}

// errNotObject is what a line that is not a JSON object decodes to.
var errNotObject = errors.New("not a JSON object")

// article prefixes a JSON kind as encoding/json names it ("string", "number", "array"...).
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// providersBut lists providers less those carried over (kept), without repeats, or nil.
func providersBut(all []string, kept ...string) []string {
	var out []string
	for _, p := range all {
		if p != "" && !slices.Contains(kept, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// once guards a reader's iterator against being ranged over twice: the source is read once.
type once struct{ used bool }

// first reports whether this is the first range; the later ones yield one error.
func (o *once) first(name string, yield func(Record, error) bool) bool {
	if o.used {
		yield(Record{}, &Error{Place: name, Problem: "already read: a reader's records can be ranged over once", Err: ErrUnreadable})
		return false
	}
	o.used = true
	return true
}

// sourceName is how errors name an unnamed source.
func sourceName(name string) string {
	if name == "" {
		return "input"
	}
	return name
}
