package apitest

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// store holds the users, each as a *user (user.go), in less memory than a gen.User. Stored users
// are immutable: an update builds a new gen.User from a view of the stored one (sharing the parts
// it does not change) and swaps its compact form into the user's slot under the write lock, so a
// reader may keep the user it got without a lock and without copying it. Users may share parts
// with each other too: users with equal custom attributes share one list, and their attribute
// names, short string values and statuses are kept once (pool).
//
// The slots are kept in insertion order, each at its position in slots; a deleted user leaves nil
// at its position until there are more of those than users, when the slots are moved together
// (compact). The sets index the positions by what a search filters on most (see setKey), so that
// a search by those finds its page without going through the users (search.go).
type store struct {
	mu     sync.RWMutex
	byID   map[string]*slot // every login ID and every user ID
	phones map[string]int   // phone -> how many users have it
	emails map[string]int   // email -> how many users have it, not as a login ID (ownEmail)
	slots  []*slot          // by position: insertion order, nil where a user was deleted
	dead   int              // nil slots in slots
	sets   map[setKey]*posSet
	pool   *pool  // what users share
	nextID uint64 // for user IDs the store assigns
}

// slot is one user: the stored (immutable) user, its position in the insertion order, and what
// the fake keeps about it beside the user (its password, passkeys, devices...), which changes only
// under the store's write lock. state is nil until something is kept (keep): most users have
// nothing, and an empty state would cost 120 bytes a user.
type slot struct {
	user  *user
	pos   int32
	state *userState
}

// keep returns the slot's state, making it if there is none; the caller holds the write lock.
func (sl *slot) keep() *userState {
	if sl.state == nil {
		sl.state = &userState{}
	}
	return sl.state
}

// kept returns a copy of the slot's state (empty if there is none); the caller holds a lock.
func (sl *slot) kept() userState {
	if sl.state == nil {
		return userState{}
	}
	return *sl.state
}

// setKey names a set of positions: of every user (kind allUsers), or of the users with a status,
// in a tenant, or with a role (roleNames or a tenant's roles). Test users are in sets of their
// own (test), so that the searches that leave them out, and those that want only them, read
// only the sets they want.
type setKey struct {
	kind  setKind
	test  bool
	value string // the status, tenant ID or role name; "" for allUsers
}

type setKind uint8

const (
	allUsers setKind = iota
	byStatus
	byTenant
	byRole
)

func newStore() *store {
	return &store{byID: map[string]*slot{}, phones: map[string]int{}, emails: map[string]int{},
		sets: map[setKey]*posSet{}, pool: newPool()}
}

// get returns the stored (immutable) user with that login ID or user ID, or nil.
func (st *store) get(id string) *user {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if sl := st.byID[id]; sl != nil {
		return sl.user
	}
	return nil
}

func (st *store) all() []*user {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]*user, 0, len(st.slots)-st.dead)
	for _, sl := range st.slots {
		if sl != nil {
			out = append(out, sl.user)
		}
	}
	return out
}

// testUsers returns how many test users there are; the caller holds a lock.
func (st *store) testUsers() int { return st.count(setKey{kind: allUsers, test: true}) }

// count returns how many users the set k holds; the caller holds a lock.
func (st *store) count(k setKey) int {
	if s := st.sets[k]; s != nil {
		return s.len()
	}
	return 0
}

// add stores copies of users, each replacing the user with the same user ID if there is one.
// It stops at the first user that cannot be added; the users before it stay added.
func (st *store) add(users ...gen.User) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range users {
		if err := st.addLocked(users[i]); err != nil {
			return fmt.Errorf("user %d: %w", i, err)
		}
	}
	return nil
}

// IDTakenError is why the add function of WithSeed refused a user: ID, the user's user ID or one
// of its login IDs, is a user ID or login ID of the user the server holds at position Other
// (counted from 0, in the order the users were added).
type IDTakenError struct {
	ID    string
	Other int
}

func (e *IDTakenError) Error() string {
	return fmt.Sprintf("%q is a login ID or user ID of user %d too", e.ID, e.Other)
}

// addNew stores a copy of in, as add does, unless one of its IDs (its user ID, then its login
// IDs) is one of a user the store holds: then it returns an *IDTakenError.
func (st *store) addNew(in gen.User) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	taken := func(id string) error {
		if other := st.byID[id]; id != "" && other != nil {
			return &IDTakenError{ID: id, Other: int(other.pos)}
		}
		return nil
	}
	err := taken(in.UserID)
	for _, id := range in.LoginIDs {
		err = cmp.Or(err, taken(id))
	}
	if err != nil {
		return err
	}
	return st.addLocked(in)
}

// addLocked stores a copy of in, replacing the user with its user ID if there is one; the caller
// holds the write lock.
func (st *store) addLocked(in gen.User) error {
	u, a, err := seedCopy(in)
	if err != nil {
		return err
	}
	if u.UserID == "" {
		u.UserID = st.newUserID()
	}
	sl := st.byID[u.UserID]
	if sl != nil && sl.user.UserID != u.UserID {
		return fmt.Errorf("user ID %q is a login ID of user %q", u.UserID, sl.user.UserID)
	}
	for _, id := range u.LoginIDs {
		if id == "" {
			return errors.New("empty login ID")
		}
		if other := st.byID[id]; other != nil && other != sl {
			return fmt.Errorf("login ID %q belongs to user %q", id, other.user.UserID)
		}
	}
	if sl == nil {
		sl = st.newSlot()
	}
	st.put(sl, st.pool.compactWith(u, st.pool.share(a)))
	return nil
}

// newSlot appends an empty slot to the insertion order, after every other (also after users
// deleted); the caller holds the write lock and puts a user in it.
func (st *store) newSlot() *slot {
	sl := &slot{pos: int32(len(st.slots))}
	st.slots = append(st.slots, sl)
	return sl
}

// newUserID returns a user ID no user has; the caller holds the write lock.
func (st *store) newUserID() string {
	for {
		st.nextID++
		id := fmt.Sprintf("U2fake%022d", st.nextID)
		if st.byID[id] == nil {
			return id
		}
	}
}

// put stores u in sl and updates the indexes. The caller holds the write lock, and has checked
// that u's login IDs are free.
func (st *store) put(sl *slot, u *user) {
	old := sl.user
	if old != nil {
		st.unindexIDs(sl, old)
	}
	sl.user = u
	st.byID[u.UserID] = sl
	for _, id := range u.LoginIDs {
		st.byID[id] = sl
	}
	countKey(st.phones, u.Phone, 1)
	countKey(st.emails, ownEmail(u), 1)
	st.reindex(sl.pos, old, u)
}

// remove deletes the user of sl from the store, and compacts the slots when more of them are
// empty than not; the caller holds the write lock. sl.user is left as it was.
func (st *store) remove(sl *slot) {
	st.unindexIDs(sl, sl.user)
	st.reindex(sl.pos, sl.user, nil)
	st.slots[sl.pos] = nil
	st.dead++
	if st.dead > 64 && st.dead > len(st.slots)/2 {
		st.compact()
	}
}

// compact moves the slots together, in the same order, and renumbers the sets' positions.
func (st *store) compact() {
	to := make([]int32, len(st.slots))
	live := st.slots[:0]
	for i, sl := range st.slots {
		if sl != nil {
			to[i] = int32(len(live))
			sl.pos = int32(len(live))
			live = append(live, sl)
		}
	}
	clear(st.slots[len(live):])
	st.slots = live
	if cap(live) > 2*len(live) {
		st.slots = slices.Clone(live) // let the longer array go
	}
	st.dead = 0
	for _, s := range st.sets {
		s.renumber(to)
	}
}

// unindexIDs removes the IDs and contacts of u, the user of sl, from the indexes; the caller
// holds the write lock.
func (st *store) unindexIDs(sl *slot, u *user) {
	delete(st.byID, u.UserID)
	for _, id := range u.LoginIDs {
		if st.byID[id] == sl {
			delete(st.byID, id)
		}
	}
	countKey(st.phones, u.Phone, -1)
	countKey(st.emails, ownEmail(u), -1)
}

// ownEmail returns u's email when it is not one of u's login IDs, "" otherwise. An email that is a
// login ID is found in byID, so emails counts only the others.
func ownEmail(u *user) string {
	if slices.Contains(u.LoginIDs, u.Email) {
		return ""
	}
	return u.Email
}

// reindex moves position pos from the sets of old to those of u; either may be nil.
func (st *store) reindex(pos int32, old, u *user) {
	var a, b [8]setKey
	was, is := setKeys(old, a[:0]), setKeys(u, b[:0])
	for _, k := range was {
		if !slices.Contains(is, k) {
			s := st.sets[k]
			s.remove(pos)
			if s.len() == 0 {
				delete(st.sets, k)
			}
		}
	}
	for _, k := range is {
		if !slices.Contains(was, k) {
			s := st.sets[k]
			if s == nil {
				s = &posSet{}
				st.sets[k] = s
			}
			s.add(pos)
		}
	}
}

// setKeys appends to keys the sets u is in, each once; none for nil.
func setKeys(u *user, keys []setKey) []setKey {
	if u == nil {
		return keys
	}
	add := func(kind setKind, value string) {
		if k := (setKey{kind, u.Test, value}); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(allUsers, "")
	add(byStatus, u.Status)
	for _, r := range u.RoleNames {
		add(byRole, r)
	}
	for _, t := range u.UserTenants {
		add(byTenant, t.TenantID)
		for _, r := range t.RoleNames {
			add(byRole, r)
		}
	}
	return keys
}

// countKey adds d to the count of key in m, leaving out "" and counts of 0.
func countKey(m map[string]int, key string, d int) {
	if key == "" {
		return
	}
	if n := m[key] + d; n > 0 {
		m[key] = n
	} else {
		delete(m, key)
	}
}

// phoneTaken reports whether a user other than sl has that phone.
func (st *store) phoneTaken(sl *slot, phone string) bool {
	return othersHave(st.phones, phone, sl.user.Phone)
}

// emailTaken reports whether a user other than sl has that email as its email or a login ID.
func (st *store) emailTaken(sl *slot, email string) bool {
	if other := st.byID[email]; other != nil && other != sl {
		return true
	}
	return othersHave(st.emails, email, ownEmail(sl.user))
}

// loginIDTaken reports whether a user other than sl has id as a login ID or user ID.
func (st *store) loginIDTaken(sl *slot, id string) bool {
	other := st.byID[id]
	return other != nil && other != sl
}

// othersHave reports whether users other than one whose own value is mine have value, by the
// counts of m.
func othersHave(m map[string]int, value, mine string) bool {
	n := m[value]
	if mine == value {
		n--
	}
	return n > 0
}

// update applies fn to the user with that login ID or user ID, a view of the stored user, and
// stores the user fn returns, which it answers. fn runs under the write lock and must not modify
// the parts of the user it is given, which the stored user shares (its custom attribute map is
// its own).
func (st *store) update(loginID string, fn func(sl *slot, old *gen.User) (*gen.User, *apiError)) (*gen.User, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.updateLocked(loginID, fn)
}

func (st *store) updateLocked(loginID string, fn func(sl *slot, old *gen.User) (*gen.User, *apiError)) (*gen.User, *apiError) {
	sl := st.byID[loginID]
	if sl == nil {
		return nil, userNotFound(loginID)
	}
	old := sl.user.view()
	u, e := fn(sl, old)
	if e != nil {
		return nil, e
	}
	// An update that changes nothing (adding a tenant the user is in, an empty patch) leaves the
	// user as it was, modifiedTime included.
	if u != old && reflect.DeepEqual(u, old) {
		return old, nil
	}
	u.ModifiedTime = max(time.Now().Unix(), u.CreatedTime)
	st.put(sl, st.pool.compactOver(sl.user, u))
	return u, nil
}

// patch applies one PatchUserRequest; the caller holds the write lock.
func (st *store) patch(p *gen.PatchUserRequest) (*gen.User, *apiError) {
	return st.updateLocked(p.LoginID, func(sl *slot, old *gen.User) (*gen.User, *apiError) {
		return st.applyPatch(sl, old, p)
	})
}

// applyPatch returns old with p applied, or why p cannot be applied (then nothing changes). p has
// been through normalizePatch: its second names (identifier, displayName, additionalIdentifiers)
// are folded into the first.
func (st *store) applyPatch(sl *slot, old *gen.User, p *gen.PatchUserRequest) (*gen.User, *apiError) {
	u := *old // shallow: every field that changes gets a new value, nothing is changed in place
	if p.UserID != nil && *p.UserID != old.UserID {
		return nil, invalidArguments(fmt.Sprintf("userId: a patch cannot change a user's ID (the user's is %q)", old.UserID))
	}
	if p.AdditionalLoginIDs != nil {
		ids := make([]string, 0, 1+len(*p.AdditionalLoginIDs))
		if len(old.LoginIDs) > 0 {
			ids = append(ids, old.LoginIDs[0])
		}
		for _, id := range *p.AdditionalLoginIDs {
			if id == "" {
				return nil, invalidArguments("additionalLoginIds: a login ID must not be empty")
			}
			if other := st.byID[id]; other != nil && other != sl {
				return nil, invalidArguments(fmt.Sprintf("additionalLoginIds: login ID %q belongs to another user", id))
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		u.LoginIDs = ids
	}
	setString(&u.Email, p.Email)
	setString(&u.Phone, p.Phone)
	setString(&u.Name, p.Name)
	setString(&u.GivenName, p.GivenName)
	setString(&u.MiddleName, p.MiddleName)
	setString(&u.FamilyName, p.FamilyName)
	setString(&u.Picture, p.Picture)
	setBool(&u.VerifiedEmail, p.VerifiedEmail)
	setBool(&u.VerifiedPhone, p.VerifiedPhone)
	setBool(&u.SCIM, p.Scim)
	setRecovery(&u.RecoveryEmail, &u.VerifiedRecoveryEmail, p.RecoveryEmail, p.VerifiedRecoveryEmail)
	setRecovery(&u.RecoveryPhone, &u.VerifiedRecoveryPhone, p.RecoveryPhone, p.VerifiedRecoveryPhone)
	if p.Status != nil {
		u.Status = string(*p.Status)
	}
	setList(&u.RoleNames, p.RoleNames)
	setList(&u.SsoAppIDs, p.SsoAppIDs)
	if p.UserTenants != nil {
		u.UserTenants = nil
		for _, t := range *p.UserTenants {
			ut := gen.UserTenant{TenantID: t.TenantID}
			setList(&ut.RoleNames, t.RoleNames)
			u.UserTenants = append(u.UserTenants, ut)
		}
	}
	if p.CustomAttributes != nil {
		u.CustomAttributes = mergeAttributes(old.CustomAttributes, *p.CustomAttributes)
	}
	return &u, nil
}

func setString(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func setBool(dst *bool, src *bool) {
	if src != nil {
		*dst = *src
	}
}

// setRecovery applies a recovery contact and its verified flag as a patch or a full update
// carries them, each nil when absent (left as it is): "" removes the contact, a flag sent without
// its contact marks the stored one, and a user left without the contact has it unverified (a flag
// with no contact to mark marks nothing), as update/recovery/email and phone do.
func setRecovery(contact *string, verified *bool, newContact *string, newVerified *bool) {
	if newContact == nil && newVerified == nil {
		return
	}
	setString(contact, newContact)
	setBool(verified, newVerified)
	*verified = *verified && *contact != ""
}

// setList replaces *dst with a copy of *src when src is present; [] clears.
func setList(dst *[]string, src *[]string) {
	if src == nil {
		return
	}
	if len(*src) == 0 {
		*dst = nil
		return
	}
	*dst = slices.Clone(*src)
}

// mergeAttributes returns a new map: old with each key of patch set, or removed when its value
// is nil (JSON null). Values come from a freshly decoded request, so they are not shared.
func mergeAttributes(old, patch map[string]any) map[string]any {
	out := make(map[string]any, len(old)+len(patch))
	maps.Copy(out, old)
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// seedCopy copies a user given to AddUsers, but for its custom attributes, and fills the fields
// the API always sets; the attributes it returns as a list, each value as a decoded request would
// carry it (float64, []any, map[string]any), so that every stored value is plain JSON and copies
// and comparisons behave alike.
func seedCopy(in gen.User) (*gen.User, attrs, error) {
	a, err := attrsOf(in.CustomAttributes, jsonvalue.Plain)
	if err != nil {
		return nil, nil, err
	}
	in.CustomAttributes = nil
	u := copyUser(&in)
	if u.Status == "" {
		u.Status = string(gen.UserStatusEnabled)
	}
	if u.CreatedTime == 0 {
		u.CreatedTime = time.Now().Unix()
	}
	if u.ModifiedTime == 0 {
		u.ModifiedTime = u.CreatedTime
	}
	return &u, a, nil
}

// copyUser returns a deep copy of *u. Custom attribute values are copied as JSON values.
func copyUser(u *gen.User) gen.User {
	c := *u
	c.LoginIDs = slices.Clone(u.LoginIDs)
	c.ExternalIDs = slices.Clone(u.ExternalIDs)
	c.Permissions = slices.Clone(u.Permissions)
	c.RoleNames = slices.Clone(u.RoleNames)
	c.SsoAppIDs = slices.Clone(u.SsoAppIDs)
	c.OAuth = maps.Clone(u.OAuth)
	if u.UserTenants != nil {
		c.UserTenants = make([]gen.UserTenant, len(u.UserTenants))
		for i, t := range u.UserTenants {
			t.RoleNames = slices.Clone(t.RoleNames)
			t.Permissions = slices.Clone(t.Permissions)
			c.UserTenants[i] = t
		}
	}
	if u.CustomAttributes != nil {
		c.CustomAttributes = make(map[string]any, len(u.CustomAttributes))
		for k, v := range u.CustomAttributes {
			c.CustomAttributes[k] = copyJSON(v)
		}
	}
	return c
}

// copyJSON deep-copies a value as encoding/json decodes it into an any.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = copyJSON(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = copyJSON(e)
		}
		return c
	default:
		return v
	}
}
