package apitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The state of a Server is everything it keeps that the management API can read or change: every
// user with its user ID, what the fake keeps beside each user (UserState, and the password as its
// hash, with whether it has expired), the custom attribute definitions, and how many user IDs the
// fake has issued, so that a user ID it issues after a restart never is one it issued before.
// WriteState writes it, ReadState and WithState read it, and Reset returns a server to the state it
// started with. What the fake records of what was done (Outbox, Logouts, the generated codes and
// links, Requests, Stats) is not state.
//
// The state is JSON Lines, so that a large one is written and read a line at a time and a bad line
// is named by its number. The first line is the header:
//
//	{"format":"descope-emulator-state","version":1,"userIdsIssued":2,"customAttributes":[...]}
//
// and each further line is one user, in the order the server keeps them (insertion order):
//
//	{"user":{...gen.User...},"password":{"hash":{"bcrypt":{"hash":"$2a$..."}},"scheme":"bcrypt","expired":false},
//	 "passkeys":[...],"trustedDevices":[...],"providerTokens":[...],"authHistory":[...]}
//
// user is the user as the API returns it (its userId and loginIds required); the other fields are
// left out when empty. password.hash is a PasswordImport, the hashedPassword of a create: the hash
// a password was imported with, or, for one set in clear text, its argon2id hash (the fake keeps
// no password in clear text, so neither does the state). Provider tokens are kept as the API
// answers them. A line is read strictly: an unknown field, a field of the wrong type, a hash of
// the wrong shape, a login ID or user ID of two users, or a trusted device or sign-in of another
// user is refused with a *StateError naming the line and the field.
const (
	StateFormat  = "descope-emulator-state"
	StateVersion = 1
)

// maxStateLine caps one line of a state (a user with all it keeps).
const maxStateLine = MaxRequestBodyBytes

// StateError is what is wrong with a state that ReadState or WithState refused: the line (counted
// from 1) and the problem there, which names the field and never quotes a password hash.
type StateError struct {
	Line    int
	Problem string
}

func (e *StateError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Problem) }

// stateHeader is the first line of a state.
type stateHeader struct {
	Format           string                `json:"format"`
	Version          int                   `json:"version"`
	UserIDsIssued    uint64                `json:"userIdsIssued"`
	CustomAttributes []gen.CustomAttribute `json:"customAttributes"`
}

// stateUser is one user's line of a state.
type stateUser struct {
	User           gen.User                `json:"user"`
	Password       *statePassword          `json:"password,omitempty"`
	Passkeys       []gen.UserPasskey       `json:"passkeys,omitempty"`
	TrustedDevices []gen.TrustedDevice     `json:"trustedDevices,omitempty"`
	ProviderTokens []gen.UserProviderToken `json:"providerTokens,omitempty"`
	AuthHistory    []gen.UserAuthHistory   `json:"authHistory,omitempty"`
}

// statePassword is a user's password in a state: its hash, never the password.
type statePassword struct {
	Hash    json.RawMessage `json:"hash"`
	Scheme  string          `json:"scheme"`
	Expired bool            `json:"expired"`
}

// snapshot is a server's state at one moment. Stored users are immutable and the slices of a
// userState are replaced, never changed in place, so a snapshot shares them with the store and
// copies only each userState struct: taking one costs a few pointers a user, and restoring one
// stores its users as they are.
type snapshot struct {
	users      []*user
	states     []*userState // nil where the fake keeps nothing beside the user
	attributes []gen.CustomAttribute
	issued     uint64
}

// snapshot takes the server's state under the store's read lock.
func (s *Server) snapshot() *snapshot {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := len(st.slots) - st.dead
	snap := &snapshot{users: make([]*user, 0, n), states: make([]*userState, 0, n),
		attributes: copyAttributes(s.attributes), issued: st.nextID}
	for _, sl := range st.slots {
		if sl == nil {
			continue
		}
		var ks *userState
		if sl.state != nil {
			c := *sl.state
			ks = &c
		}
		snap.users = append(snap.users, sl.user)
		snap.states = append(snap.states, ks)
	}
	return snap
}

// restore replaces the server's state by snap, and forgets the invitations, sign-outs and codes it
// recorded, which were about the users it replaces.
func (s *Server) restore(snap *snapshot) {
	st := s.store
	st.mu.Lock()
	st.byID, st.phones, st.emails = map[string]*slot{}, map[string]int{}, map[string]int{}
	st.slots, st.dead, st.sets = nil, 0, map[setKey]*posSet{}
	st.nextID = snap.issued
	for i, u := range snap.users {
		sl := st.newSlot()
		if ks := snap.states[i]; ks != nil {
			k := *ks
			sl.state = &k
		}
		st.put(sl, u)
	}
	s.attributes = copyAttributes(snap.attributes)
	st.mu.Unlock()
	s.recMu.Lock()
	s.outbox, s.logouts, s.generated = nil, nil, nil
	s.recMu.Unlock()
}

// Reset returns the server to the state it started with: the users, what it kept beside them, the
// custom attribute definitions and the count of user IDs issued, as WithUsers, WithSeed,
// WithUserState, WithCustomAttributes or WithState made them. It also forgets the invitations,
// sign-outs and generated codes it recorded; the request journal, the counters and the fault
// rules stay.
func (s *Server) Reset() { s.restore(s.initial) }

// WriteState writes the server's state (see StateFormat) to w, as it was at one moment: requests
// served meanwhile are in it entirely or not at all. It holds password hashes: keep it private.
func (s *Server) WriteState(w io.Writer) error { return s.snapshot().write(w) }

// UserCount returns how many users the server holds.
func (s *Server) UserCount() int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return len(s.store.slots) - s.store.dead
}

func (snap *snapshot) write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	attrs := snap.attributes
	if attrs == nil {
		attrs = []gen.CustomAttribute{}
	}
	if err := enc.Encode(stateHeader{Format: StateFormat, Version: StateVersion, UserIDsIssued: snap.issued, CustomAttributes: attrs}); err != nil {
		return err
	}
	for i, u := range snap.users {
		line := stateUser{User: *u.view()}
		if ks := snap.states[i]; ks != nil {
			if ks.password != nil {
				if len(ks.password.stored) == 0 {
					return fmt.Errorf("apitest: the password of user %s has no form the state can hold", u.UserID)
				}
				line.Password = &statePassword{Hash: ks.password.stored, Scheme: ks.password.scheme, Expired: ks.passwordExpired}
			}
			line.Passkeys, line.TrustedDevices, line.ProviderTokens, line.AuthHistory = ks.passkeys, ks.devices, ks.tokens, ks.history
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("apitest: writing user %s: %w", u.UserID, err)
		}
	}
	return bw.Flush()
}

// WithState starts the server in the state r holds (see StateFormat), as WriteState wrote it.
// Start fails with a *StateError (wrapped) naming the line of a state it refuses. It excludes
// WithUsers, WithSeed, WithUserState and WithCustomAttributes: a state is the whole of what they
// seed.
func WithState(r io.Reader) Option {
	return func(c *config) { c.state = r }
}

// ReadState replaces the server's state by the one r holds (see StateFormat): every user, what is
// kept beside them, the custom attribute definitions and the count of user IDs issued. It reads
// all of r first: a state it refuses (a *StateError, naming the line) changes nothing. Like
// Reset, it forgets the invitations, sign-outs and generated codes recorded; Reset still returns
// to the state the server started with.
func (s *Server) ReadState(r io.Reader) error {
	snap, err := readState(r)
	if err != nil {
		return err
	}
	s.restore(snap)
	return nil
}

// readState reads a state, checking every line.
func readState(r io.Reader) (*snapshot, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxStateLine)
	snap := &snapshot{}
	owner := map[string]int{} // every login ID and user ID, to the line of its user
	users := newPool()        // the users read share what they have alike, as stored users do
	n, header := 0, false
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !header {
			if err := readHeader(line, snap); err != nil {
				return nil, &StateError{n, err.Error()}
			}
			header = true
			continue
		}
		u, ks, err := readUser(line, owner, n)
		if err != nil {
			return nil, &StateError{n, err.Error()}
		}
		snap.users = append(snap.users, users.compact(u))
		snap.states = append(snap.states, ks)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &StateError{n + 1, fmt.Sprintf("the line is longer than %d bytes", maxStateLine)}
		}
		return nil, fmt.Errorf("apitest: reading the state: %w", err)
	}
	if !header {
		return nil, &StateError{max(n, 1), fmt.Sprintf("no header: a state starts with {\"format\":%q,\"version\":%d,...}", StateFormat, StateVersion)}
	}
	return snap, nil
}

// decodeStrictly decodes one JSON value, with no unknown field and nothing after it, into v, and
// says what is wrong in words that name the field.
func decodeStrictly(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
		case errors.As(err, &typ) && typ.Field != "":
			return fmt.Errorf("%s: expected %s, got a JSON %s", typ.Field, typ.Type, typ.Value)
		case errors.As(err, &typ):
			return fmt.Errorf("expected a JSON object, got a JSON %s", typ.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("invalid JSON: the object is not closed")
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	if bytes.HasPrefix(data, []byte("null")) {
		return errors.New("expected a JSON object, got null")
	}
	return nil
}

func readHeader(line []byte, snap *snapshot) error {
	var h stateHeader
	if err := decodeStrictly(line, &h); err != nil {
		return fmt.Errorf("the header: %v", err)
	}
	if h.Format != StateFormat {
		return fmt.Errorf("format: %q, want %q (the first line of a state is its header)", h.Format, StateFormat)
	}
	if h.Version != StateVersion {
		return fmt.Errorf("version: %d, this program reads version %d", h.Version, StateVersion)
	}
	seen := map[string]bool{}
	for i, a := range h.CustomAttributes {
		switch {
		case a.Name == "":
			return fmt.Errorf("customAttributes[%d].name: empty", i)
		case seen[a.Name]:
			return fmt.Errorf("customAttributes[%d].name: %q is defined twice", i, a.Name)
		}
		seen[a.Name] = true
	}
	snap.attributes, snap.issued = h.CustomAttributes, h.UserIDsIssued
	return nil
}

// readUser reads one user's line; owner maps the IDs of the users before it to their lines.
func readUser(line []byte, owner map[string]int, n int) (*gen.User, *userState, error) {
	var su stateUser
	if err := decodeStrictly(line, &su); err != nil {
		return nil, nil, err
	}
	u := &su.User
	if u.UserID == "" {
		return nil, nil, errors.New("user.userId: missing or empty")
	}
	if len(u.LoginIDs) == 0 {
		return nil, nil, errors.New("user.loginIds: missing or empty: a user has at least one login ID")
	}
	ids := append([]string{u.UserID}, u.LoginIDs...)
	for i, id := range ids {
		field := "user.userId"
		if i > 0 {
			field = fmt.Sprintf("user.loginIds[%d]", i-1)
			if id == "" {
				return nil, nil, fmt.Errorf("%s: empty", field)
			}
			if id == u.UserID || containsString(u.LoginIDs[:i-1], id) {
				continue // the user's own ID again
			}
		}
		if other, ok := owner[id]; ok {
			return nil, nil, fmt.Errorf("%s: %q is also a login ID or user ID of the user on line %d", field, id, other)
		}
	}
	for _, id := range ids {
		owner[id] = n
	}
	var ks userState
	if p := su.Password; p != nil {
		sec, e := importedPassword("password.hash", p.Hash)
		if e != nil {
			return nil, nil, errors.New(e.body.ErrorMessage)
		}
		if p.Scheme != "" {
			sec.scheme = p.Scheme
		}
		ks.password, ks.passwordExpired = sec, p.Expired
	}
	for i, d := range su.TrustedDevices {
		if d.UserID != "" && d.UserID != u.UserID {
			return nil, nil, fmt.Errorf("trustedDevices[%d].userId: %q is not the user's", i, d.UserID)
		}
		su.TrustedDevices[i].UserID = u.UserID
	}
	for i, h := range su.AuthHistory {
		if h.UserID != "" && h.UserID != u.UserID {
			return nil, nil, fmt.Errorf("authHistory[%d].userId: %q is not the user's", i, h.UserID)
		}
		su.AuthHistory[i].UserID = u.UserID
	}
	ks.passkeys, ks.devices = nilIfEmpty(su.Passkeys), nilIfEmpty(su.TrustedDevices)
	ks.tokens, ks.history = nilIfEmpty(su.ProviderTokens), nilIfEmpty(su.AuthHistory)
	if ks.password == nil && ks.passkeys == nil && ks.devices == nil && ks.tokens == nil && ks.history == nil {
		return u, nil, nil
	}
	return u, &ks, nil
}
