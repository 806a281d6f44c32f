package apitest

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// defaultSearchLimit is the page size of a search that gives none, the reference's default.
const defaultSearchLimit = 100

// byUserIDs returns copies of the users with those user IDs, in that order, leaving out unknown
// IDs and, unless includeInvalid, disabled and expired users.
func (st *store) byUserIDs(ids []string, includeInvalid bool) []gen.User {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := []gen.User{}
	for _, id := range ids {
		sl := st.byID[id]
		if sl == nil || sl.user.UserID != id {
			continue
		}
		if !includeInvalid && (sl.user.Status == "disabled" || sl.user.Status == "expired") {
			continue
		}
		out = append(out, sl.user.public())
	}
	return out
}

// search returns the page the request asks for of the users that match all its filters, and how
// many match in all. Users are in the order they were added unless the request sorts them, and
// users equal by every sort field keep that order, so paging is stable. The page starts at
// offset when it is positive, at page*limit otherwise; with selectedColumns, each user carries
// only those fields (and its user ID and login IDs).
//
// The users checked are the candidates of the request's source: those its loginIds, userIds or
// loginId name, or the smallest union of the store's sets its tenantIds, roleNames and statuses
// and its test-user flags give, or every user of the test partitions it asks for. Without a sort:
// when the source holds exactly the matches (a union of sets that do not overlap, and no other
// filter), the page is found by position in the sets and the total is their size, without going
// through the users; when the other filters are also unions of sets, a candidate matches when its
// position is in each of them, and only the users of the page are read. Otherwise the candidates
// are checked one by one.
func (st *store) search(req gen.SearchUsersRequest) ([]gen.User, int, *apiError) {
	loginID, e := userNamed(req.LoginID, req.Identifier)
	if e != nil {
		return nil, 0, e
	}
	req.LoginID, req.Identifier = loginID, ""
	less, e := sortOrder(req.Sort)
	if e != nil {
		return nil, 0, e
	}
	columns, e := selectedColumns(req.SelectedColumns)
	if e != nil {
		return nil, 0, e
	}
	limit := int(req.Limit)
	if limit == 0 {
		limit = defaultSearchLimit
	}
	from := int(req.Page) * limit
	if req.Offset > 0 {
		from = int(req.Offset)
	}
	f := newSearchFilter(&req)
	sorted := len(req.Sort) > 0
	var candidates, page, matches []*user
	total := 0
	st.mu.RLock()
	src := st.source(&req)
	switch {
	case src.exact && !sorted:
		total = src.size
		merge(disjointFrom(src.sets, from, int32(len(st.slots))), func(p int32) bool {
			page = append(page, st.slots[p].user)
			return len(page) < limit
		})
	case src.indexed && !sorted:
		rest := make([][]cursor, len(src.rest))
		for i, r := range src.rest {
			rest[i] = cursors(r.sets)
		}
		merge(cursors(src.sets), func(p int32) bool {
			for _, cs := range rest {
				if !holds(cs, p) {
					return true
				}
			}
			if total >= from && total < from+limit {
				page = append(page, st.slots[p].user)
			}
			total++
			return true
		})
	default:
		// The candidates are checked once the lock is let go (stored users do not change), so
		// that a long search (text, attributes, a sort) does not hold up the writers.
		candidates = make([]*user, 0, src.size)
		st.each(src, func(u *user) { candidates = append(candidates, u) })
	}
	st.mu.RUnlock()
	for _, u := range candidates {
		if !f.matches(u) {
			continue
		}
		switch {
		case sorted:
			matches = append(matches, u)
		case total >= from && total < from+limit:
			page = append(page, u)
		}
		total++
	}
	if sorted {
		slices.SortStableFunc(matches, less)
		from = min(from, len(matches))
		page = matches[from:min(from+limit, len(matches))]
	}
	out := make([]gen.User, len(page))
	for i, u := range page {
		out[i] = withColumns(u.public(), columns)
	}
	return out, total, nil
}

// source is where a search finds its candidates, in insertion order: the users a filter names by
// ID, or the union of sets of positions.
type source struct {
	isNamed bool
	named   []*slot   // the users loginIds, userIds or loginId name, in insertion order
	sets    []*posSet // or the union of these
	size    int       // how many candidates there are at most: len(named), or the sum of the sets' sizes
	kind    setKind   // of the sets
	// disjoint is true when no two of the sets hold a position in common; exact, when moreover
	// every user in them matches the search (sorted or not): size is then the total.
	disjoint, exact bool
	// indexed is true when every filter of the search is a union of sets: this one, and rest.
	indexed bool
	rest    []source
}

// source returns the source of the candidates of req; the caller holds a lock. Of the unions of
// sets that req's filters give, the smallest is read: every user of the test partitions req asks
// for, or the users with one of its tenantIds, roleNames or statuses, in those partitions.
func (st *store) source(req *gen.SearchUsersRequest) source {
	if named, ok := st.named(req); ok {
		return source{isNamed: true, named: named, size: len(named)}
	}
	test := []bool{false}
	switch {
	case req.TestUsersOnly:
		test = []bool{true}
	case req.WithTestUser:
		test = []bool{false, true}
	}
	statuses := make([]string, len(req.Statuses))
	for i, s := range req.Statuses {
		statuses[i] = string(s)
	}
	best := st.union(allUsers, []string{""}, test)
	var unions []source // of the filters
	for _, f := range []struct {
		kind   setKind
		values []string
	}{{byTenant, req.TenantIDs}, {byRole, req.RoleNames}, {byStatus, statuses}} {
		if len(f.values) > 0 {
			unions = append(unions, st.union(f.kind, f.values, test))
		}
	}
	for i, u := range unions {
		if u.size <= best.size {
			best = u
			best.rest = slices.Delete(slices.Clone(unions), i, i+1)
		}
	}
	if best.kind == allUsers {
		best.rest = unions
	}
	best.indexed = !otherFilters(req)
	// The union of every user holds exactly the matches when there is no filter; a filter's union
	// does when it is the only filter and its sets do not overlap.
	best.exact = best.indexed && best.disjoint && len(best.rest) == 0
	return best
}

// union returns the source of the users in the sets of kind with one of values, in the test
// partitions test; the caller holds a lock.
func (st *store) union(kind setKind, values []string, test []bool) source {
	src := source{kind: kind}
	var distinct []string
	for _, v := range values {
		if slices.Contains(distinct, v) {
			continue
		}
		distinct = append(distinct, v)
		for _, t := range test {
			if s := st.sets[setKey{kind, t, v}]; s != nil {
				src.sets = append(src.sets, s)
				src.size += s.len()
			}
		}
	}
	// The partitions do not overlap, nor do the statuses: a user has one.
	src.disjoint = kind == allUsers || kind == byStatus || len(distinct) == 1
	return src
}

// each calls fn with each candidate of src, in insertion order; the caller holds a lock.
func (st *store) each(src source, fn func(u *user)) {
	if src.isNamed {
		for _, sl := range src.named {
			fn(sl.user)
		}
		return
	}
	merge(cursors(src.sets), func(p int32) bool {
		fn(st.slots[p].user)
		return true
	})
}

// cursors returns a cursor at the start of each set.
func cursors(sets []*posSet) []cursor {
	cs := make([]cursor, len(sets))
	for i, s := range sets {
		cs[i] = s.from(0)
	}
	return cs
}

// holds reports whether one of the cursors' sets holds p, moving each cursor to its first position
// from p on: the positions asked must not go down.
func holds(cs []cursor, p int32) bool {
	found := false
	for i := range cs {
		cs[i].seek(p)
		found = found || !cs[i].done() && cs[i].pos() == p
	}
	return found
}

// named returns the slots of the users the request names by loginIds, or else userIds, or else
// loginId, in insertion order, and whether it names users so; the caller holds a lock. A login ID
// in userIds, a user ID in loginIds and unknown IDs name no one.
func (st *store) named(req *gen.SearchUsersRequest) ([]*slot, bool) {
	ids, isUserID := req.LoginIDs, false
	if len(ids) == 0 {
		ids, isUserID = req.UserIDs, true
	}
	if len(ids) == 0 && req.LoginID != "" {
		ids, isUserID = []string{req.LoginID}, false
	}
	if len(ids) == 0 {
		return nil, false
	}
	var slots []*slot
	for _, id := range ids {
		sl := st.byID[id]
		if sl == nil || isUserID != (sl.user.UserID == id) || slices.Contains(slots, sl) {
			continue // unknown, or a user ID in loginIds (or a login ID in userIds), or seen
		}
		slots = append(slots, sl)
	}
	slices.SortFunc(slots, func(a, b *slot) int { return cmp.Compare(a.pos, b.pos) })
	return slots, true
}

// otherFilters reports whether req filters on anything but its tenantIds, roleNames, statuses and
// test-user flags. (Paging, selectedColumns, sort and includeSubTenants filter nothing.)
func otherFilters(req *gen.SearchUsersRequest) bool {
	return len(req.LoginIDs) > 0 || len(req.UserIDs) > 0 || req.LoginID != "" || req.Identifier != "" ||
		len(req.Emails) > 0 || len(req.Phones) > 0 || len(req.RecoveryEmails) > 0 || len(req.RecoveryPhones) > 0 ||
		len(req.SsoAppIDs) > 0 || len(req.CustomAttributes) > 0 || req.Text != "" ||
		len(req.TenantRoleIDs) > 0 || len(req.TenantRoleNames) > 0 ||
		req.VerifiedEmail != nil || req.VerifiedPhone != nil || req.VerifiedRecoveryEmail != nil || req.VerifiedRecoveryPhone != nil ||
		req.SsoOnly || req.ScimOnly || req.Scim || req.Password || req.Totp || req.Webauthn ||
		req.FromCreatedTime != 0 || req.ToCreatedTime != 0 || req.FromModifiedTime != 0 || req.ToModifiedTime != 0
}

// searchFilter holds a search's filters, ready to check users against.
type searchFilter struct {
	req      *gen.SearchUsersRequest
	statuses []string
	text     string         // in lower case
	attrs    map[string]any // the values wanted, as plain JSON
}

func newSearchFilter(req *gen.SearchUsersRequest) *searchFilter {
	f := &searchFilter{req: req, text: strings.ToLower(req.Text)}
	for _, s := range req.Statuses {
		f.statuses = append(f.statuses, string(s))
	}
	if len(req.CustomAttributes) > 0 {
		f.attrs = make(map[string]any, len(req.CustomAttributes))
		for k, want := range req.CustomAttributes {
			f.attrs[k], _ = jsonvalue.Plain(want)
		}
	}
	return f
}

// matches reports whether u matches every filter; a list filter matches when any of its values
// does. An empty filter is no filter.
func (f *searchFilter) matches(u *user) bool {
	req, more := f.req, u.more()
	switch {
	case req.TestUsersOnly && !u.Test, !req.TestUsersOnly && !req.WithTestUser && u.Test:
		return false
	case !inTenant(req.TenantIDs, u), !hasRole(req.RoleNames, u), !anyOf(req.LoginIDs, u.LoginIDs...),
		!anyOf(req.UserIDs, u.UserID), !anyOf(req.Emails, u.Email), !anyOf(req.Phones, u.Phone),
		!anyOf(f.statuses, u.Status), !anyOf(req.SsoAppIDs, more.SsoAppIDs...):
		return false
	case req.LoginID != "" && !slices.Contains(u.LoginIDs, req.LoginID),
		!anyOf(req.RecoveryEmails, more.RecoveryEmail), !anyOf(req.RecoveryPhones, more.RecoveryPhone):
		return false
	case !flagMatches(req.VerifiedEmail, u.VerifiedEmail), !flagMatches(req.VerifiedPhone, u.VerifiedPhone),
		!flagMatches(req.VerifiedRecoveryEmail, more.VerifiedRecoveryEmail), !flagMatches(req.VerifiedRecoveryPhone, more.VerifiedRecoveryPhone):
		return false
	// The sign-in method flags cannot tell false from absent: only true filters. scimOnly and scim
	// are one test here (the fake cannot tell a user SCIM provisioned from one SCIM updated), and
	// includeSubTenants changes nothing (the fake has no sub-tenants).
	case req.SsoOnly && !more.SAML && !more.OIDC, (req.ScimOnly || req.Scim) && !more.SCIM,
		req.Password && !u.Password, req.Totp && !u.TOTP, req.Webauthn && !u.Webauthn:
		return false
	case !inRange(u.CreatedTime, int64(req.FromCreatedTime), int64(req.ToCreatedTime)), !inRange(u.ModifiedTime, int64(req.FromModifiedTime), int64(req.ToModifiedTime)):
		return false
	case f.text != "" && !containsText(u, f.text):
		return false
	}
	for key, want := range f.attrs {
		if !attributeMatches(u.attrs, key, want) {
			return false
		}
	}
	return tenantRolesMatch(u, req.TenantRoleIDs) && tenantRolesMatch(u, req.TenantRoleNames)
}

// inTenant reports whether filter is empty or names a tenant of u.
func inTenant(filter []string, u *user) bool {
	if len(filter) == 0 {
		return true
	}
	for _, t := range u.UserTenants {
		if slices.Contains(filter, t.TenantID) {
			return true
		}
	}
	return false
}

// hasRole reports whether filter is empty or names a role of u, its own or one of a tenant.
func hasRole(filter []string, u *user) bool {
	if len(filter) == 0 || anyOf(filter, u.RoleNames...) {
		return true
	}
	for _, t := range u.UserTenants {
		if anyOf(filter, t.RoleNames...) {
			return true
		}
	}
	return false
}

// flagMatches reports whether a tri-state filter (nil: no filter) admits have.
func flagMatches(want *bool, have bool) bool { return want == nil || *want == have }

// anyOf reports whether filter is empty or holds one of have.
func anyOf(filter []string, have ...string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, h := range have {
		if slices.Contains(filter, h) {
			return true
		}
	}
	return false
}

// inRange compares a time in Unix seconds with bounds in milliseconds; 0 is no bound.
func inRange(seconds, fromMillis, toMillis int64) bool {
	ms := seconds * 1000
	return (fromMillis == 0 || ms >= fromMillis) && (toMillis == 0 || ms <= toMillis)
}

// containsText reports whether lower, in lower case, is in u's user ID, login IDs, names, email or
// phone in lower case.
func containsText(u *user, lower string) bool {
	for _, s := range [...]string{u.UserID, u.Name, u.GivenName, u.FamilyName, u.Email, u.Phone} {
		if containsLower(s, lower) {
			return true
		}
	}
	for _, s := range u.LoginIDs {
		if containsLower(s, lower) {
			return true
		}
	}
	return false
}

// containsLower reports whether strings.ToLower(s) contains lower, without making the lower-case
// copy when s is ASCII.
func containsLower(s, lower string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), lower)
		}
	}
next:
	for i := 0; i+len(lower) <= len(s); i++ {
		for j := range len(lower) {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				continue next
			}
		}
		return true
	}
	return false
}

// attributeMatches reports whether the user's attribute key equals want (plain JSON) or, when
// want is a list, one of its values.
func attributeMatches(attrs attrs, key string, want any) bool {
	have, ok := attrs.get(key)
	if !ok {
		return false
	}
	if list, isList := want.([]any); isList {
		return slices.ContainsFunc(list, func(v any) bool { return equalJSON(v, have) })
	}
	return equalJSON(want, have)
}

// equalJSON reports whether two plain JSON values are equal.
func equalJSON(a, b any) bool {
	switch a.(type) {
	case string, float64, bool:
		return a == b // b of another type is unequal, and comparing does not panic
	}
	return reflect.DeepEqual(a, b)
}

// tenantRolesMatch reports whether, for every tenant of filter, the user's roles there include
// any of the values (all of them with And). Roles have no IDs in the fake: IDs match names.
func tenantRolesMatch(u *user, filter map[string]gen.SearchTenantRoles) bool {
	for tenant, f := range filter {
		i := slices.IndexFunc(u.UserTenants, func(t gen.UserTenant) bool { return t.TenantID == tenant })
		if i < 0 {
			return false
		}
		have := u.UserTenants[i].RoleNames
		if f.And && !slices.ContainsFunc(f.Values, func(v string) bool { return !slices.Contains(have, v) }) {
			continue
		}
		if !f.And && anyOf(f.Values, have...) {
			continue
		}
		return false
	}
	return true
}

// sortField reads a field a search can sort by: text (str) or a number (num).
type sortField struct {
	str func(u *user) string
	num func(u *user) int64
}

func (f sortField) compare(a, b *user) int {
	if f.num != nil {
		return cmp.Compare(f.num(a), f.num(b))
	}
	return strings.Compare(f.str(a), f.str(b))
}

// sortFields are the names a search can sort by (the spec's SearchSort): those of Descope's
// document and the fields of User the fake sorted by before, some of them two names of one field.
// A list sorts by its first value, "" when it has none.
var sortFields = func() map[string]sortField {
	userID := sortField{str: func(u *user) string { return u.UserID }}
	firstLoginID := sortField{str: func(u *user) string { return first(u.LoginIDs) }}
	name := sortField{str: func(u *user) string { return u.Name }}
	phone := sortField{str: func(u *user) string { return u.Phone }}
	return map[string]sortField{
		"id":          userID,
		"userId":      userID,
		"externalId":  firstLoginID, // Descope calls login IDs external IDs
		"loginIds":    firstLoginID,
		"displayName": name,
		"name":        name,
		"phoneNumber": phone,
		"phone":       phone,
		"givenName":   {str: func(u *user) string { return u.GivenName }},
		"familyName":  {str: func(u *user) string { return u.FamilyName }},
		"email":       {str: func(u *user) string { return u.Email }},
		"status":      {str: func(u *user) string { return u.Status }},
		"tenant": {str: func(u *user) string {
			if len(u.UserTenants) == 0 {
				return ""
			}
			return u.UserTenants[0].TenantID
		}},
		"createdTime":  {num: func(u *user) int64 { return u.CreatedTime }},
		"modifiedTime": {num: func(u *user) int64 { return u.ModifiedTime }},
	}
}()

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// sortOrder returns the comparison a search's sort asks for, or why it cannot sort so.
func sortOrder(sort []gen.SearchSort) (func(a, b *user) int, *apiError) {
	fields := make([]sortField, len(sort))
	for i, s := range sort {
		f, ok := sortFields[s.Field]
		if !ok {
			names := slices.Sorted(maps.Keys(sortFields))
			return nil, invalidArguments(fmt.Sprintf("sort: a search cannot sort by %q; it sorts by %s", s.Field, strings.Join(names, ", ")))
		}
		fields[i] = f
	}
	return func(a, b *user) int {
		for i, f := range fields {
			c := f.compare(a, b)
			if sort[i].Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

// userColumns maps the JSON name of each field of User to the field's index, for selectedColumns.
var userColumns = func() map[string]int {
	t := reflect.TypeFor[gen.User]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}()

// selectedColumns returns the indexes of the fields of User that a search's selectedColumns
// names (nil: every field), or why it cannot: a name that is no field's JSON name, exactly.
func selectedColumns(names []string) ([]int, *apiError) {
	if len(names) == 0 {
		return nil, nil
	}
	columns := make([]int, 0, len(names))
	for _, n := range names {
		i, ok := userColumns[n]
		if !ok {
			return nil, invalidArguments(fmt.Sprintf("selectedColumns: no field of a user is named %q (the names are the JSON names of the user's fields, such as email or recoveryEmail)", n))
		}
		columns = append(columns, i)
	}
	return columns, nil
}

// withColumns returns u with only the fields of columns, and its user ID and login IDs; the
// others are zero. With no columns, it returns u.
func withColumns(u gen.User, columns []int) gen.User {
	if columns == nil {
		return u
	}
	out := gen.User{UserID: u.UserID, LoginIDs: u.LoginIDs}
	from, to := reflect.ValueOf(&u).Elem(), reflect.ValueOf(&out).Elem()
	for _, i := range columns {
		to.Field(i).Set(from.Field(i))
	}
	return out
}
