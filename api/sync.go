package api

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
)

// DefaultSyncPageSize is how many users PlanSync names in one search, and the page size it asks
// for: one SearchUsers call per DefaultSyncPageSize users, when every user is named by a login ID
// that exists. It is the API reference's default search limit; no source documents a maximum,
// so a larger WithPageSize may or may not be honoured (PlanSync pages on either way).
const DefaultSyncPageSize = DefaultSearchLimit

// FieldChange is one field that differs between a user and its desired state.
type FieldChange struct {
	// Field is the patch's JSON name of the field (name, roleNames, userTenants...), or
	// "customAttributes.KEY" for one custom attribute.
	Field string
	// Old is the user's value, New the desired one: a string, a bool, a []string (roleNames,
	// ssoAppIds, additionalLoginIds), a []TenantPatch (userTenants) or, for a custom attribute,
	// any JSON value, where nil means absent (Old) or removed (New).
	Old, New any
}

// UserChange is a user whose current state differs from its desired state.
type UserChange struct {
	Index   int           // the desired patch's position in PlanSync's input
	LoginID string        // the user as the desired patch names it: a login ID or a user ID
	UserID  string        // the user's ID
	Fields  []FieldChange // what differs, in a fixed order of fields, attributes by key
	// Patch is the smallest patch that makes the user match: the desired patch's loginId and
	// the fields that differ, custom attributes key by key. An email or phone that differs is
	// sent with the desired verifiedEmail or verifiedPhone, if the desired patch sets it, even
	// when that flag already matches, as the server may reset it when the address changes.
	Patch UserPatch
}

// MissingUser is a desired user that no user has as a login ID or user ID. Sync never creates
// users.
type MissingUser struct {
	Index   int    // the desired patch's position in PlanSync's input
	LoginID string // as the desired patch names it
}

// SyncPlan is what PlanSync found: the users to change with their smallest patches, and the
// users that do not exist. Total = Unchanged + ToChange + Missing.
type SyncPlan struct {
	Changes      []UserChange  // users that differ, in input order
	MissingUsers []MissingUser // users that do not exist, in input order

	Total, Unchanged, ToChange, Missing int
	Fields                              int           // field changes in all (len of every Changes[i].Fields)
	Reads                               int           // SearchUsers calls made to load the users
	Elapsed                             time.Duration // time spent loading
}

// Patches returns the plan's patches, in input order.
func (p *SyncPlan) Patches() []UserPatch {
	out := make([]UserPatch, len(p.Changes))
	for i := range p.Changes {
		out[i] = p.Changes[i].Patch
	}
	return out
}

// DuplicateUserError is PlanSync's error for a desired input that names one user twice: by the
// same name, or by two names (two login IDs, or a login ID and the user ID) of one user. A user
// may appear once, so that what it should look like is never ambiguous. It wraps
// ErrInvalidArgument.
type DuplicateUserError struct {
	First, Second         int    // the positions in the input, First < Second
	FirstName, SecondName string // the loginId of each
	UserID                string // the user both name; "" when the names are equal (found before any call)
}

func (e *DuplicateUserError) Error() string {
	if e.UserID == "" {
		return fmt.Sprintf("%v: desired[%d] and desired[%d] both name %q: a user may appear once in a sync",
			ErrInvalidArgument, e.First, e.Second, e.FirstName)
	}
	return fmt.Sprintf("%v: desired[%d] (%q) and desired[%d] (%q) name the same user (%s): a user may appear once in a sync",
		ErrInvalidArgument, e.First, e.FirstName, e.Second, e.SecondName, e.UserID)
}

func (e *DuplicateUserError) Unwrap() error { return ErrInvalidArgument }

// PlanSync loads the current state of the users that desired names and computes, for each, the
// smallest patch that makes it match its desired patch. It only reads: nothing is changed until
// the plan is applied (SyncPlan.Apply).
//
// A desired patch has the meaning it has in Patch: a field left out (nil) is not compared ("don't
// care"); "" or an empty list means the field should be empty; in customAttributes, each key is
// compared alone, and a nil value means the attribute should be absent. roleNames, ssoAppIds and
// additionalLoginIds are compared as sets (order and repeats do not count; additionalLoginIds
// without the user's first login ID, which a patch cannot replace); userTenants by tenant ID,
// each with its set of roles (no roles, null and [] are the same). Custom attribute values are
// compared as JSON values, numbers by value as the 64-bit floats the API keeps (5, 5.0 and
// json.Number("5e0") are equal). A user that matches gets no patch, so that a sync run right
// after a successful one sends nothing. A userId that differs from the user's is a change like
// any other, which the API refuses (a patch cannot change a user's ID): that user's patch fails.
// A user named by a login ID that its own desired additionalLoginIds leaves out is renamed by
// the patch, and the next sync cannot find it by that name: name users by their first login ID
// or user ID when their login IDs change.
//
// Users are named by login ID or by user ID, as in every call of the API. PlanSync searches
// (SearchUsers, with test users) for the names by login ID, DefaultSyncPageSize names per call,
// and then, in the same chunks, for the names it did not find by user ID: a sync whose users are
// all named by existing login IDs makes one call per chunk, and names that are user IDs or that
// nobody has cost one more call per chunk of them. No name is guessed to be one or the other.
// Names found neither way are MissingUsers: they are reported, never created. Up to
// DefaultConcurrency searches run at once (WithConcurrency, one bounded group). They are not paced
// unless asked (WithPace: PaceUnder(LimitUserSearch) keeps under Descope's 200 searches a minute,
// which a sync of more than about 20,000 users needs): a search the API answers 429 is retried
// after its Retry-After, up to the client's WithMaxRetryAfter, as every call is. Names per search:
// WithPageSize.
//
// Every desired patch is checked (CheckPatch) and the names compared before any call: an
// invalid patch, or a name given twice, is refused with an error wrapping ErrInvalidArgument
// that names the positions (a *DuplicateUserError for the second), and nothing is sent. Two
// different names of one user are found once the users are loaded, and refused the same way.
// A failed search, or ctx ending, ends PlanSync with that error and no plan. So does a search
// whose pages end before as many distinct users came as its total counts (no more than one per
// name): an empty page, a page of users that came before, or its last page by its total, with
// an error wrapping ErrMalformedResponse; a name is reported missing only when the server
// answered every user it counted. A server that answers fewer users per page than asked is read
// on at that size, and a user it sends twice is compared once.
//
// The plan keeps only the users that differ and those missing, never the users loaded: its size
// grows with the drift, not with the input.
func (c *Client) PlanSync(ctx context.Context, desired []UserPatch, opts ...RunOption) (*SyncPlan, error) {
	cfg := newRunConfig(opts)
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rps, burst, _ := cfg.pace.rate() // checked above
	named := make(map[string]int, len(desired))
	desired = slices.Clone(desired) // normalized below; the caller's patches stay as they are
	for i := range desired {
		if err := checkPatch(&desired[i], fmt.Sprintf("desired[%d]", i)); err != nil {
			return nil, err
		}
		name := desired[i].LoginID
		if j, dup := named[name]; dup {
			return nil, &DuplicateUserError{First: j, Second: i, FirstName: name, SecondName: name}
		}
		named[name] = i
	}

	start := time.Now()
	l := &syncLoad{c: c, desired: desired, cfg: cfg, plan: &SyncPlan{Total: len(desired)}, byUser: map[string]int{}}
	l.pace = newCallPace("SearchUsers", rps, burst, c.scale)
	notByLogin, err := l.loadAll(ctx, indexes(len(desired)), false)
	if err != nil {
		return nil, err
	}
	missing, err := l.loadAll(ctx, notByLogin, true)
	if err != nil {
		return nil, err
	}
	p := l.plan
	for _, i := range missing {
		p.MissingUsers = append(p.MissingUsers, MissingUser{Index: i, LoginID: desired[i].LoginID})
	}
	slices.SortFunc(p.Changes, func(a, b UserChange) int { return a.Index - b.Index })
	p.ToChange, p.Missing = len(p.Changes), len(p.MissingUsers)
	p.Unchanged = p.Total - p.ToChange - p.Missing
	p.Elapsed = time.Since(start)
	return p, nil
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// syncLoad is the loading of one PlanSync. Its searches run concurrently; mu guards plan and
// byUser.
type syncLoad struct {
	c       *Client
	desired []UserPatch
	cfg     runConfig
	pace    *callPace // nil: searches are not paced

	mu     sync.Mutex
	plan   *SyncPlan
	byUser map[string]int // user ID -> the desired position that named it
}

// loadAll loads the users named at positions (in increasing order) in chunks of the page size,
// by login ID or (byID) by user ID, up to the configured number of searches at once, and
// returns the positions not found, in order. The first error stops it: searches not yet made
// are not made, those in flight are cancelled, and that error is returned.
func (l *syncLoad) loadAll(parent context.Context, positions []int, byID bool) ([]int, error) {
	if len(positions) == 0 {
		return nil, nil
	}
	g, ctx := errgroup.WithContext(parent) // the first error cancels the searches in flight
	g.SetLimit(l.cfg.concurrency)
	var (
		mu       sync.Mutex
		notFound []int
	)
	for chunk := range slices.Chunk(positions, l.cfg.pageSize) {
		if ctx.Err() != nil {
			break // a search failed: make no more
		}
		g.Go(func() error {
			left, err := l.load(ctx, chunk, byID)
			if err != nil {
				return err
			}
			mu.Lock()
			notFound = append(notFound, left...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := parent.Err(); err != nil {
		return nil, err // the caller's context ended before every search was made
	}
	slices.Sort(notFound)
	return notFound, nil
}

// load searches for the users the desired patches at positions chunk name, by login ID or (byID)
// by user ID, compares each user found with its desired patch, and returns the positions whose
// user it did not find. It goes through the pages of the answer, however many users the server
// puts in one, until every name is found or as many distinct users came as the total counts (no
// more than one per name); a server that ends its pages sooner (an empty page, a page of users
// that came before, its last page by its total) is an error, so that no user that exists is
// reported missing. A user a server sends twice is compared once (see pager).
func (l *syncLoad) load(ctx context.Context, chunk []int, byID bool) (notFound []int, err error) {
	want := make(map[string]int, len(chunk))
	names := make([]string, len(chunk))
	for k, i := range chunk {
		names[k] = l.desired[i].LoginID
		want[names[k]] = i
	}
	opts := SearchOptions{Limit: int32(l.cfg.pageSize), WithTestUser: true}
	by := "login ID"
	if byID {
		opts.UserIDs, by = names, "user ID"
	} else {
		opts.LoginIDs = names
	}
	search := func(ctx context.Context, opts SearchOptions) ([]User, int, error) {
		users, total, err := l.c.Search(ctx, opts)
		if err == nil {
			l.mu.Lock()
			l.plan.Reads++
			l.mu.Unlock()
		}
		return users, total, err
	}
	what := fmt.Sprintf("SearchUsers for %d names by %s from desired[%d]", len(chunk), by, chunk[0])
	pages := newPager(what, search, l.pace, opts, len(chunk))
	found := make(map[int]bool, len(chunk))
	for {
		users, more, err := pages.next(ctx)
		for k := range users {
			u := &users[k]
			keys := u.LoginIDs
			if byID {
				keys = []string{u.UserID}
			}
			for _, key := range keys {
				i, ok := want[key]
				if !ok || found[i] {
					continue
				}
				if err := l.found(i, u); err != nil {
					return nil, err
				}
				found[i] = true
			}
		}
		if err != nil {
			return nil, err
		}
		if !more || len(found) == len(chunk) {
			break
		}
	}
	for _, i := range chunk {
		if !found[i] {
			notFound = append(notFound, i)
		}
	}
	return notFound, nil
}

// found compares user u with the desired patch at position i.
func (l *syncLoad) found(i int, u *User) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if j, dup := l.byUser[u.UserID]; dup {
		first, second := min(i, j), max(i, j)
		return &DuplicateUserError{First: first, Second: second, FirstName: l.desired[first].LoginID, SecondName: l.desired[second].LoginID, UserID: u.UserID}
	}
	l.byUser[u.UserID] = i
	patch, fields := diffUser(u, &l.desired[i])
	if len(fields) > 0 {
		l.plan.Changes = append(l.plan.Changes, UserChange{Index: i, LoginID: l.desired[i].LoginID, UserID: u.UserID, Fields: fields, Patch: patch})
		l.plan.Fields += len(fields)
	}
	return nil
}

// diffUser returns the smallest patch that makes u match d, and the fields that differ.
func diffUser(u *User, d *UserPatch) (UserPatch, []FieldChange) {
	p := UserPatch{LoginID: d.LoginID}
	var fields []FieldChange
	change := func(field string, old, new any) {
		fields = append(fields, FieldChange{Field: field, Old: old, New: new})
	}
	str := func(field string, want *string, have string, set **string) bool {
		if want == nil || *want == have {
			return false
		}
		change(field, have, *want)
		*set = Ptr(*want)
		return true
	}
	flag := func(field string, want *bool, have bool, set **bool) {
		if want != nil && *want != have {
			change(field, have, *want)
			*set = Ptr(*want)
		}
	}

	str("userId", d.UserID, u.UserID, &p.UserID) // a patch cannot change it: the server refuses a different one
	// A contact that changes is sent with its desired verified flag even when the flag already
	// matches, since the server may reset the flag with the address.
	contact := func(field string, want *string, have string, set **string, flagField string, wantFlag *bool, haveFlag bool, setFlag **bool) {
		changed := str(field, want, have, set)
		flag(flagField, wantFlag, haveFlag, setFlag)
		if changed && wantFlag != nil {
			*setFlag = Ptr(*wantFlag)
		}
	}
	contact("email", d.Email, u.Email, &p.Email, "verifiedEmail", d.VerifiedEmail, u.VerifiedEmail, &p.VerifiedEmail)
	contact("phone", d.Phone, u.Phone, &p.Phone, "verifiedPhone", d.VerifiedPhone, u.VerifiedPhone, &p.VerifiedPhone)
	contact("recoveryEmail", d.RecoveryEmail, u.RecoveryEmail, &p.RecoveryEmail,
		"verifiedRecoveryEmail", d.VerifiedRecoveryEmail, u.VerifiedRecoveryEmail, &p.VerifiedRecoveryEmail)
	contact("recoveryPhone", d.RecoveryPhone, u.RecoveryPhone, &p.RecoveryPhone,
		"verifiedRecoveryPhone", d.VerifiedRecoveryPhone, u.VerifiedRecoveryPhone, &p.VerifiedRecoveryPhone)
	str("name", d.Name, u.Name, &p.Name)
	str("givenName", d.GivenName, u.GivenName, &p.GivenName)
	str("middleName", d.MiddleName, u.MiddleName, &p.MiddleName)
	str("familyName", d.FamilyName, u.FamilyName, &p.FamilyName)
	str("picture", d.Picture, u.Picture, &p.Picture)
	if d.Status != nil && string(*d.Status) != u.Status {
		change("status", u.Status, string(*d.Status))
		p.Status = Ptr(*d.Status)
	}
	if d.RoleNames != nil && !sameSet(*d.RoleNames, u.RoleNames) {
		change("roleNames", nonNilList(u.RoleNames), nonNilList(*d.RoleNames))
		p.RoleNames = Ptr(slices.Clone(*d.RoleNames))
	}
	if d.SsoAppIDs != nil && !sameSet(*d.SsoAppIDs, u.SsoAppIDs) {
		change("ssoAppIds", nonNilList(u.SsoAppIDs), nonNilList(*d.SsoAppIDs))
		p.SsoAppIDs = Ptr(slices.Clone(*d.SsoAppIDs))
	}
	if d.UserTenants != nil {
		have := make([]TenantPatch, len(u.UserTenants))
		for k, t := range u.UserTenants {
			have[k] = TenantPatch{TenantID: t.TenantID, RoleNames: Ptr(nonNilList(t.RoleNames))}
		}
		if !sameTenants(*d.UserTenants, have) {
			change("userTenants", have, nonNilTenants(*d.UserTenants))
			p.UserTenants = Ptr(nonNilTenants(*d.UserTenants))
		}
	}
	if d.AdditionalLoginIDs != nil {
		var first string
		var others []string
		if len(u.LoginIDs) > 0 {
			first, others = u.LoginIDs[0], u.LoginIDs[1:]
		}
		want := slices.DeleteFunc(slices.Clone(*d.AdditionalLoginIDs), func(id string) bool { return id == first })
		if !sameSet(want, others) {
			change("additionalLoginIds", nonNilList(others), nonNilList(*d.AdditionalLoginIDs))
			p.AdditionalLoginIDs = Ptr(slices.Clone(*d.AdditionalLoginIDs))
		}
	}
	flag("scim", d.Scim, u.SCIM, &p.Scim)
	if d.CustomAttributes != nil {
		var attrs map[string]any
		for _, k := range slices.Sorted(maps.Keys(*d.CustomAttributes)) {
			want := (*d.CustomAttributes)[k]
			have, ok := u.CustomAttributes[k]
			if same, absent := sameAttribute(want, have, ok); !same {
				if attrs == nil {
					attrs = map[string]any{}
				}
				attrs[k] = want
				if absent {
					want = nil
				}
				if !ok {
					have = nil
				}
				change("customAttributes."+k, have, want)
			}
		}
		if attrs != nil {
			p.CustomAttributes = &attrs
		}
	}
	return p, fields
}

// sameSet reports whether a and b hold the same strings, ignoring order and repeats.
func sameSet(a, b []string) bool {
	sa := make(map[string]bool, len(a))
	for _, s := range a {
		sa[s] = true
	}
	sb := make(map[string]bool, len(b))
	for _, s := range b {
		if !sa[s] {
			return false
		}
		sb[s] = true
	}
	return len(sa) == len(sb)
}

// sameTenants reports whether two lists of memberships are the same by tenant ID, each with the
// same set of roles. A tenant listed twice counts once, with the roles of both.
func sameTenants(a, b []TenantPatch) bool {
	ma, mb := tenantRoles(a), tenantRoles(b)
	if len(ma) != len(mb) {
		return false
	}
	for id, roles := range ma {
		other, ok := mb[id]
		if !ok || !sameSet(roles, other) {
			return false
		}
	}
	return true
}

func tenantRoles(ts []TenantPatch) map[string][]string {
	m := make(map[string][]string, len(ts))
	for _, t := range ts {
		roles := m[t.TenantID]
		if t.RoleNames != nil {
			roles = append(roles, *t.RoleNames...)
		}
		m[t.TenantID] = roles
	}
	return m
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilTenants(ts []TenantPatch) []TenantPatch {
	out := make([]TenantPatch, len(ts))
	for i, t := range ts {
		out[i] = TenantPatch{TenantID: t.TenantID, RoleNames: Ptr(nonNilList(derefList(t.RoleNames)))}
	}
	return out
}

func derefList(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

// sameAttribute compares a desired custom attribute value with the user's (present says whether
// the user has the key). A desired value that is null in JSON (nil, or a nil slice or map)
// means absent; wantAbsent reports that.
func sameAttribute(want, have any, present bool) (same, wantAbsent bool) {
	w, err := jsonvalue.Plain(want)
	if err != nil {
		return false, false // CheckPatch has refused what JSON cannot carry; anything else: send it
	}
	if w == nil {
		return !present || have == nil, true
	}
	if !present {
		return false, false
	}
	h, err := jsonvalue.Plain(have)
	return err == nil && reflect.DeepEqual(w, h), false
}

// Apply sends the plan's patches with PatchSeq, with the same options, batching, pacing and
// accounting: every patch of the plan appears exactly once in the result (or in the calls of
// WithResultFunc), patched, failed or not attempted. Each result's Index is the user's position
// in the desired input PlanSync was given, not in the plan, so a result leads back to its
// desired patch; its Patch is the plan's (smallest) patch. Unchanged and missing users are not
// sent and have no result. A plan with nothing to change sends nothing.
//
// A plan is a snapshot. What changed on the server since it was made is not looked at again:
// its patches set only the fields that differed when it was made, so a change made meanwhile to
// another field stays, and a change made meanwhile to a field the plan sets is overwritten with
// the desired value. A field that came to differ meanwhile is not sent; run PlanSync again to
// see it. Apply may be called again (every patch sets values), e.g. after a failure.
func (p *SyncPlan) Apply(ctx context.Context, c *Client, opts ...RunOption) (*BulkResult[UserPatch], error) {
	if c == nil {
		return &BulkResult[UserPatch]{}, invalid("client is nil")
	}
	cfg := newRunConfig(opts)
	toInput := func(rs []PatchResult) {
		for i := range rs {
			if k := rs[i].Index; k >= 0 && k < len(p.Changes) {
				rs[i].Index = p.Changes[k].Index
			}
		}
	}
	all := append([]RunOption{WithTotal(len(p.Changes))}, opts...)
	if cfg.results != nil {
		fn, ok := cfg.results.(func([]PatchResult))
		if !ok {
			return &BulkResult[UserPatch]{}, invalid("WithResultFunc takes a func([]api.PatchResult) for Apply, not a %T", cfg.results)
		}
		all = append(all, WithResultFunc(func(rs []PatchResult) {
			toInput(rs)
			fn(rs)
		}))
	}
	seq := func(yield func(UserPatch) bool) {
		for i := range p.Changes {
			if !yield(p.Changes[i].Patch) {
				return
			}
		}
	}
	res, err := c.PatchSeq(ctx, seq, all...)
	if cfg.results == nil {
		toInput(res.Results)
	}
	return res, err
}

// Sync makes the users that desired names match it: PlanSync with its defaults, then Apply with
// opts. It returns the plan, and the result of applying it (nil when PlanSync failed, and nothing
// was sent). A second Sync right after one that applied every patch sends no change at all. To
// set the searches' page size, concurrency or pacing, call PlanSync and Apply.
func (c *Client) Sync(ctx context.Context, desired []UserPatch, opts ...RunOption) (*SyncPlan, *BulkResult[UserPatch], error) {
	plan, err := c.PlanSync(ctx, desired)
	if err != nil {
		return nil, nil, err
	}
	res, err := plan.Apply(ctx, c, opts...)
	return plan, res, err
}
