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
		out = append(out, copyUser(sl.user))
	}
	return out
}

// search returns the page the request asks for of the users that match all its filters, and how
// many match in all. Users are in the order they were added unless the request sorts them, and
// users equal by every sort field keep that order, so paging is stable. The page starts at
// offset when it is positive, at page*limit otherwise; with selectedColumns, each user carries
// only those fields (and its user ID and login IDs).
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
	f := newSearchFilter(&req)
	var matches []*gen.User
	for _, u := range st.candidates(&req) {
		if f.matches(u) {
			matches = append(matches, u)
		}
	}
	slices.SortStableFunc(matches, less)
	limit := int(req.Limit)
	if limit == 0 {
		limit = defaultSearchLimit
	}
	from := int(req.Page) * limit
	if req.Offset > 0 {
		from = int(req.Offset)
	}
	from = min(from, len(matches))
	page := make([]gen.User, 0, min(limit, len(matches)-from))
	for _, u := range matches[from:min(from+limit, len(matches))] {
		page = append(page, withColumns(copyUser(u), columns))
	}
	return page, len(matches), nil
}

// candidates returns, in insertion order, the users a search may match: those its loginIds or
// userIds filter names, found through the index, or else every user.
func (st *store) candidates(req *gen.SearchUsersRequest) []*gen.User {
	ids, isUserID := req.LoginIDs, false
	if len(ids) == 0 {
		ids, isUserID = req.UserIDs, true
	}
	if len(ids) == 0 {
		return st.all()
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	var slots []*slot
	for _, id := range ids {
		sl := st.byID[id]
		if sl == nil || isUserID != (sl.user.UserID == id) || slices.Contains(slots, sl) {
			continue // unknown, or a user ID in loginIds (or a login ID in userIds), or seen
		}
		slots = append(slots, sl)
	}
	slices.SortFunc(slots, func(a, b *slot) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*gen.User, len(slots))
	for i, sl := range slots {
		out[i] = sl.user
	}
	return out
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
func (f *searchFilter) matches(u *gen.User) bool {
	req := f.req
	switch {
	case req.TestUsersOnly && !u.Test, !req.TestUsersOnly && !req.WithTestUser && u.Test:
		return false
	case !inTenant(req.TenantIDs, u), !hasRole(req.RoleNames, u), !anyOf(req.LoginIDs, u.LoginIDs...),
		!anyOf(req.UserIDs, u.UserID), !anyOf(req.Emails, u.Email), !anyOf(req.Phones, u.Phone),
		!anyOf(f.statuses, u.Status), !anyOf(req.SsoAppIDs, u.SsoAppIDs...):
		return false
	case req.LoginID != "" && !slices.Contains(u.LoginIDs, req.LoginID),
		!anyOf(req.RecoveryEmails, u.RecoveryEmail), !anyOf(req.RecoveryPhones, u.RecoveryPhone):
		return false
	case !flagMatches(req.VerifiedEmail, u.VerifiedEmail), !flagMatches(req.VerifiedPhone, u.VerifiedPhone),
		!flagMatches(req.VerifiedRecoveryEmail, u.VerifiedRecoveryEmail), !flagMatches(req.VerifiedRecoveryPhone, u.VerifiedRecoveryPhone):
		return false
	// The sign-in method flags cannot tell false from absent: only true filters. scimOnly and scim
	// are one test here (the fake cannot tell a user SCIM provisioned from one SCIM updated), and
	// includeSubTenants changes nothing (the fake has no sub-tenants).
	case req.SsoOnly && !u.SAML && !u.OIDC, (req.ScimOnly || req.Scim) && !u.SCIM,
		req.Password && !u.Password, req.Totp && !u.TOTP, req.Webauthn && !u.Webauthn:
		return false
	case !inRange(u.CreatedTime, int64(req.FromCreatedTime), int64(req.ToCreatedTime)), !inRange(u.ModifiedTime, int64(req.FromModifiedTime), int64(req.ToModifiedTime)):
		return false
	case f.text != "" && !containsText(u, f.text):
		return false
	}
	for key, want := range f.attrs {
		if !attributeMatches(u.CustomAttributes, key, want) {
			return false
		}
	}
	return tenantRolesMatch(u, req.TenantRoleIDs) && tenantRolesMatch(u, req.TenantRoleNames)
}

// inTenant reports whether filter is empty or names a tenant of u.
func inTenant(filter []string, u *gen.User) bool {
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
func hasRole(filter []string, u *gen.User) bool {
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
func containsText(u *gen.User, lower string) bool {
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
func attributeMatches(attrs map[string]any, key string, want any) bool {
	have, ok := attrs[key]
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
func tenantRolesMatch(u *gen.User, filter map[string]gen.SearchTenantRoles) bool {
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

// sortFields are the names a search can sort by (the spec's SearchSort): those of Descope's
// document and the fields of User the fake sorted by before, some of them two names of one field.
// A list sorts by its first value, "" when it has none.
var sortFields = func() map[string]func(u *gen.User) any {
	userID := func(u *gen.User) any { return u.UserID }
	firstLoginID := func(u *gen.User) any { return first(u.LoginIDs) }
	name := func(u *gen.User) any { return u.Name }
	phone := func(u *gen.User) any { return u.Phone }
	return map[string]func(u *gen.User) any{
		"id":           userID,
		"userId":       userID,
		"externalId":   firstLoginID, // Descope calls login IDs external IDs
		"loginIds":     firstLoginID,
		"displayName":  name,
		"name":         name,
		"phoneNumber":  phone,
		"phone":        phone,
		"givenName":    func(u *gen.User) any { return u.GivenName },
		"familyName":   func(u *gen.User) any { return u.FamilyName },
		"email":        func(u *gen.User) any { return u.Email },
		"status":       func(u *gen.User) any { return u.Status },
		"tenant":       func(u *gen.User) any { return first(tenantIDs(u)) },
		"createdTime":  func(u *gen.User) any { return u.CreatedTime },
		"modifiedTime": func(u *gen.User) any { return u.ModifiedTime },
	}
}()

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func tenantIDs(u *gen.User) []string {
	ids := make([]string, len(u.UserTenants))
	for i, t := range u.UserTenants {
		ids[i] = t.TenantID
	}
	return ids
}

// sortOrder returns the comparison a search's sort asks for, or why it cannot sort so.
func sortOrder(sort []gen.SearchSort) (func(a, b *gen.User) int, *apiError) {
	for _, s := range sort {
		if sortFields[s.Field] == nil {
			names := slices.Sorted(maps.Keys(sortFields))
			return nil, invalidArguments(fmt.Sprintf("sort: a search cannot sort by %q; it sorts by %s", s.Field, strings.Join(names, ", ")))
		}
	}
	return func(a, b *gen.User) int {
		for _, s := range sort {
			field := sortFields[s.Field]
			var c int
			switch av := field(a).(type) {
			case string:
				c = strings.Compare(av, field(b).(string))
			case int64:
				c = cmp.Compare(av, field(b).(int64))
			}
			if s.Desc {
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
