package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"reflect"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// auth0User is a line of Auth0's users export (the JSON format of a users-exports job): the
// fields carried over and those looked at. Every other field (nickname, multifactor,
// last_login, logins_count...) is ignored.
type auth0User struct {
	UserID        string         `json:"user_id"`
	Email         string         `json:"email"`
	EmailVerified bool           `json:"email_verified"`
	Username      string         `json:"username"`
	PhoneNumber   string         `json:"phone_number"`
	PhoneVerified bool           `json:"phone_verified"`
	Name          string         `json:"name"`
	GivenName     string         `json:"given_name"`
	FamilyName    string         `json:"family_name"`
	Picture       string         `json:"picture"`
	UserMetadata  map[string]any `json:"user_metadata"`
	AppMetadata   map[string]any `json:"app_metadata"`
	CreatedAt     string         `json:"created_at"`
	Blocked       bool           `json:"blocked"`
	Identities    []struct {
		Provider string `json:"provider"`
	} `json:"identities"`
}

// auth0HashLine is a line of the password hashes export Auth0 support provides.
type auth0HashLine struct {
	ID           auth0OID `json:"_id"`
	AltID        string   `json:"alt_id"`
	PasswordHash string   `json:"passwordHash"`
}

// auth0OID is the _id of a hashes line: {"$oid": "..."} (MongoDB's extended JSON), or a plain
// string.
type auth0OID string

func (o *auth0OID) UnmarshalJSON(data []byte) error {
	switch data[0] {
	case '"':
		return json.Unmarshal(data, (*string)(o))
	case '{':
		var v struct {
			OID string `json:"$oid"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return err // an *UnmarshalTypeError naming $oid, under _id
		}
		*o = auth0OID(v.OID)
		return nil
	case 'n':
		return nil
	}
	kind := map[byte]string{'[': "array", 't': "bool", 'f': "bool"}[data[0]]
	if kind == "" {
		kind = "number"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[string]()}
}

// auth0Hash is a hash of the hashes file, kept until its user comes.
type auth0Hash struct {
	hash    string // "" when its line was refused (the user then fails too)
	line    int
	userID  string // the first key it was indexed under, for the messages
	matched int    // the line of the user it went to, 0 before
}

// auth0Slot is what a user ID finds in the index: a hash, and another when two lines claim it.
type auth0Slot struct {
	hash, other *auth0Hash
}

// ReadAuth0 reads the users of an Auth0 users export (the NDJSON a users-exports job writes in
// its JSON format, gzipped or not: one user object a line), one line at a time, as Records.
// name names the export in places and errors ("users.ndjson").
//
// hashes, when not nil, is the password hashes export that Auth0 support provides (NDJSON, one
// line per user with a password: _id.$oid, alt_id, email, passwordHash...), named hashesName.
// It is read whole first, and its hashes are kept (about 200 bytes each, see the package doc)
// while the users stream; each goes to the user whose user_id is "auth0|" followed by its
// alt_id or its _id.$oid. Errors of its lines come first; a hash that no user took is reported
// after the last user (ErrUnmatchedHash); a user two hashes match, or a hash two users match,
// is an error (ErrHashConflict).
//
// A line that cannot be carried over is yielded as an *Error naming its place (FILE:LINE) and
// its field, and the read goes on; an error wrapping ErrUnreadable (an I/O error) ends it. The
// files are read once, as the sequence is ranged over; ranging again yields an error.
func ReadAuth0(export io.Reader, name string, hashes io.Reader, hashesName string, opts Options) iter.Seq2[Record, error] {
	name = sourceName(name)
	if hashesName == "" {
		hashesName = "hashes"
	}
	var o once
	return func(yield func(Record, error) bool) {
		if !o.first(name, yield) {
			return
		}
		a := &auth0Reader{name: name, hashesName: hashesName, opts: opts, logins: newLoginIndex()}
		if hashes != nil {
			if !a.readHashes(hashes, yield) {
				return
			}
		}
		if !a.readUsers(export, yield) {
			return
		}
		for _, h := range a.order {
			if h.matched == 0 {
				err := &Error{Place: fmt.Sprintf("%s:%d", a.hashesName, h.line), Field: "_id",
					Problem: fmt.Sprintf("the hash of %q matches no user_id of %s", h.userID, a.name), Err: ErrUnmatchedHash}
				if !yield(Record{}, err) {
					return
				}
			}
		}
	}
}

// auth0Reader reads one export and its hashes.
type auth0Reader struct {
	name, hashesName string
	opts             Options
	logins           *loginIndex
	index            map[string]auth0Slot // user_id -> hashes; nil without a hashes file
	order            []*auth0Hash         // the hashes in the file's order
}

// eachLine calls do with every line of r that is not blank, yielding the errors of lines too
// long and stopping at an I/O error; it reports whether the read should go on.
func eachLine(r io.Reader, name string, yield func(Record, error) bool, do func(line []byte, n int) bool) bool {
	br, err := openSource(r)
	if err != nil {
		yield(Record{}, &Error{Place: name, Problem: "cannot be read: " + err.Error(), Err: ErrUnreadable})
		return false
	}
	lr := &lineReader{r: br}
	for {
		line, err := lr.next()
		switch {
		case err == io.EOF:
			return true
		case err == errLineTooLong:
			if !yield(Record{}, &Error{Place: fmt.Sprintf("%s:%d", name, lr.line), Problem: err.Error()}) {
				return false
			}
			continue
		case err != nil:
			yield(Record{}, &Error{Place: fmt.Sprintf("%s:%d", name, lr.line+1), Problem: "cannot be read: " + err.Error(), Err: ErrUnreadable})
			return false
		}
		if blank(line) {
			continue
		}
		if !do(line, lr.line) {
			return false
		}
	}
}

// readHashes indexes the hashes file.
func (a *auth0Reader) readHashes(r io.Reader, yield func(Record, error) bool) bool {
	a.index = map[string]auth0Slot{}
	return eachLine(r, a.hashesName, yield, func(line []byte, n int) bool {
		place := fmt.Sprintf("%s:%d", a.hashesName, n)
		fail := func(field, problem string) bool {
			return yield(Record{}, &Error{Place: place, Field: field, Problem: problem})
		}
		var hl auth0HashLine
		if err := unmarshalObject(line, &hl); err != nil {
			return fail(typeProblem(err))
		}
		var ids []string
		for _, id := range []string{hl.AltID, string(hl.ID)} {
			if id != "" {
				ids = append(ids, "auth0|"+id)
			}
		}
		if len(ids) == 0 {
			return fail("_id", "missing: the hash cannot be matched to a user (user_id is auth0| and alt_id or _id.$oid)")
		}
		h := &auth0Hash{hash: hl.PasswordHash, line: n, userID: ids[0]}
		a.order = append(a.order, h)
		for _, id := range ids {
			switch s := a.index[id]; {
			case s.hash == nil:
				a.index[id] = auth0Slot{hash: h}
			case s.hash != h && s.other == nil:
				a.index[id] = auth0Slot{s.hash, h}
			}
		}
		var problem string
		switch {
		case hl.PasswordHash == "":
			problem = "missing or empty"
		default:
			if err := api.CheckPasswordImport(api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(hl.PasswordHash)}}); err != nil {
				problem = problemOf(err)
			}
		}
		if problem != "" {
			h.hash = "" // its user fails too, rather than come without a password
			return fail("passwordHash", problem)
		}
		return true
	})
}

// readUsers streams the users.
func (a *auth0Reader) readUsers(r io.Reader, yield func(Record, error) bool) bool {
	return eachLine(r, a.name, yield, func(line []byte, n int) bool {
		rec, err := a.user(line, n)
		if err != nil {
			return yield(Record{}, err)
		}
		return yield(rec, nil)
	})
}

// placeOf is the place of the user at line n.
func (a *auth0Reader) placeOf(_, n int) string { return fmt.Sprintf("%s:%d", a.name, n) }

// user maps the user at line n.
func (a *auth0Reader) user(line []byte, n int) (Record, error) {
	place := a.placeOf(0, n)
	fail := func(field, problem string) (Record, error) {
		return Record{}, &Error{Place: place, Field: field, Problem: problem}
	}
	var au auth0User
	if err := unmarshalObject(line, &au); err != nil {
		return fail(typeProblem(err))
	}
	rec := Record{Place: place, SourceID: au.UserID}
	u := &rec.User
	u.Email, u.VerifiedEmail = au.Email, au.EmailVerified && au.Email != ""
	u.Phone, u.VerifiedPhone = au.PhoneNumber, au.PhoneVerified && au.PhoneNumber != ""
	u.Name, u.GivenName, u.FamilyName, u.Picture = au.Name, au.GivenName, au.FamilyName, au.Picture
	u.Status = api.Ptr(api.UserStatusEnabled)
	if au.Blocked {
		u.Status = api.Ptr(api.UserStatusDisabled)
	}
	switch {
	case au.Email != "":
		u.LoginID = au.Email
	case au.PhoneNumber != "":
		u.LoginID = au.PhoneNumber
	case au.Username != "":
		u.LoginID = au.Username
	default:
		return Record{}, &Error{Place: place, Problem: fmt.Sprintf("no email, phone_number or username (user_id %q): nothing Descope could sign the user in with", au.UserID), Err: ErrNoLoginID}
	}
	if au.Username != "" && au.Username != u.LoginID {
		u.AdditionalLoginIDs = []string{au.Username}
	}
	if au.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, au.CreatedAt)
		if err != nil || t.Unix() < 0 {
			return fail("created_at", "not an ISO 8601 time such as 2024-05-01T12:00:00.000Z")
		}
		u.CreatedTime = t.Unix()
	}
	if len(au.UserMetadata)+len(au.AppMetadata) > 0 {
		u.CustomAttributes = make(map[string]any, len(au.UserMetadata)+len(au.AppMetadata))
		for k, v := range au.UserMetadata {
			u.CustomAttributes[k] = v
		}
		for _, k := range sortedKeys(au.AppMetadata) {
			if _, both := au.UserMetadata[k]; both {
				return fail("app_metadata."+k, "user_metadata has this key too: both become custom attributes, and one attribute cannot take two values")
			}
			u.CustomAttributes[k] = au.AppMetadata[k]
		}
	}
	var providers []string
	for _, id := range au.Identities {
		providers = append(providers, id.Provider)
	}
	// auth0 is a database connection (its password comes with the hashes), email and sms
	// passwordless ones (the email or phone is carried over).
	rec.Providers = providersBut(providers, "auth0", "email", "sms")
	if a.index != nil {
		if err := a.join(&rec, au.UserID, n); err != nil {
			return Record{}, err
		}
	}
	if err := checkRecord(&rec, "passwordHash", a.opts, a.logins, 0, n, a.placeOf); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// join gives the user at line the hash whose ID is its user_id, if any.
func (a *auth0Reader) join(rec *Record, userID string, line int) *Error {
	if userID == "" {
		return &Error{Place: rec.Place, Field: "user_id", Problem: "missing: the password hashes are matched to users by it (export user_id too)"}
	}
	s := a.index[userID]
	if s.hash == nil {
		return nil
	}
	hashAt := func(h *auth0Hash) string { return fmt.Sprintf("%s:%d", a.hashesName, h.line) }
	if s.other != nil {
		s.hash.matched, s.other.matched = line, line
		return &Error{Place: rec.Place, Field: "user_id", Problem: fmt.Sprintf("two hashes are for %q, at %s and %s: which is its password cannot be told", userID, hashAt(s.hash), hashAt(s.other)), Err: ErrHashConflict}
	}
	if s.hash.matched != 0 {
		return &Error{Place: rec.Place, Field: "user_id", Problem: fmt.Sprintf("the hash at %s for %q went to the user at %s already", hashAt(s.hash), userID, a.placeOf(0, s.hash.matched)), Err: ErrHashConflict}
	}
	s.hash.matched = line
	if s.hash.hash == "" {
		return &Error{Place: rec.Place, Field: "passwordHash", Problem: fmt.Sprintf("its hash, at %s, was refused (see there): the user is not carried over without it", hashAt(s.hash))}
	}
	rec.User.HashedPassword = &api.PasswordImport{Bcrypt: &api.PasswordHash{Hash: wire.Secret(s.hash.hash)}}
	return nil
}

// unmarshalObject decodes a line that must hold one JSON object.
func unmarshalObject(line []byte, v any) error {
	if t := bytes.TrimLeft(line, " \t\r"); len(t) == 0 || t[0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(line, v)
}
