package apitest

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// user is a stored user, in less memory than a gen.User: the fields most users have are its own,
// the others are in rest (nil when they are all zero), and the custom attributes are a list
// sorted by name (attrs) rather than a map. A gen.User takes 416 bytes and a map of two custom
// attributes 336 more; a user with the common fields takes 256, and a list of two attributes 64.
// Its fields keep their gen.User names, so that what reads a user reads it alike; view makes the
// gen.User the API answers.
//
// Stored users are immutable, and share their parts (the slices, rest, attrs and its values) with
// the gen.User views made of them, which must not change them in place either.
type user struct {
	UserID       string
	LoginIDs     []string
	Email        string
	Phone        string
	Name         string
	GivenName    string
	FamilyName   string
	Picture      string
	Status       string
	RoleNames    []string
	UserTenants  []gen.UserTenant
	CreatedTime  int64
	ModifiedTime int64
	attrs        attrs
	rest         *gen.User // every other field; the fields above are zero in it

	Test, VerifiedEmail, VerifiedPhone, Password, TOTP, Webauthn bool
}

// noRest is the rest of a user that has none; never changed.
var noRest gen.User

// more returns the fields of u that are not its own: never nil, and not to be changed.
func (u *user) more() *gen.User {
	if u.rest == nil {
		return &noRest
	}
	return u.rest
}

// compactUser returns g as a stored user, with its custom attributes as they are (plain JSON:
// jsonvalue.Plain) and its parts shared with g, which must not change them afterwards; the store's
// compact shares them with other users too.
func compactUser(g *gen.User, a attrs) *user {
	u := &user{
		UserID: g.UserID, LoginIDs: g.LoginIDs, Email: g.Email, Phone: g.Phone, Name: g.Name,
		GivenName: g.GivenName, FamilyName: g.FamilyName, Picture: g.Picture, Status: g.Status,
		RoleNames: g.RoleNames, UserTenants: g.UserTenants, CreatedTime: g.CreatedTime, ModifiedTime: g.ModifiedTime,
		attrs: a, Test: g.Test, VerifiedEmail: g.VerifiedEmail, VerifiedPhone: g.VerifiedPhone,
		Password: g.Password, TOTP: g.TOTP, Webauthn: g.Webauthn,
	}
	if hasRest(g) {
		rest := *g
		rest.UserID, rest.LoginIDs, rest.Email, rest.Phone, rest.Name = "", nil, "", "", ""
		rest.GivenName, rest.FamilyName, rest.Picture, rest.Status = "", "", "", ""
		rest.RoleNames, rest.UserTenants, rest.CreatedTime, rest.ModifiedTime = nil, nil, 0, 0
		rest.CustomAttributes = nil
		rest.Test, rest.VerifiedEmail, rest.VerifiedPhone, rest.Password, rest.TOTP, rest.Webauthn = false, false, false, false, false, false
		u.rest = &rest
	}
	return u
}

// hasRest reports whether a field of g that a user does not keep itself is not zero (an empty
// list is not: it is answered as [], where nil is left out). TestStoredUserKeepsEveryField sets
// each field of gen.User alone, and so holds this list to the fields of gen.User.
func hasRest(g *gen.User) bool {
	return g.OAuth != nil || g.OIDC || g.SAML || g.SCIM || g.ConsentExpiration != 0 || g.Editable ||
		g.ExternalIDs != nil || g.MiddleName != "" || g.Permissions != nil || g.Push ||
		g.RecoveryEmail != "" || g.RecoveryPhone != "" || g.SsoAppIDs != nil ||
		g.VerifiedRecoveryEmail || g.VerifiedRecoveryPhone
}

// view returns u as a gen.User, sharing u's parts but for a map of the custom attributes of its
// own (their values shared): what an update changes and what an answer encodes.
func (u *user) view() *gen.User {
	g := u.withoutAttributes()
	g.CustomAttributes = u.attrs.toMap(false)
	return &g
}

// public returns a deep copy of u as a gen.User, sharing nothing with the store.
func (u *user) public() gen.User {
	g := u.withoutAttributes()
	c := copyUser(&g)
	c.CustomAttributes = u.attrs.toMap(true)
	return c
}

// withoutAttributes returns u as a gen.User without its custom attributes, sharing u's parts.
func (u *user) withoutAttributes() gen.User {
	g := *u.more()
	g.UserID, g.LoginIDs, g.Email, g.Phone, g.Name = u.UserID, u.LoginIDs, u.Email, u.Phone, u.Name
	g.GivenName, g.FamilyName, g.Picture, g.Status = u.GivenName, u.FamilyName, u.Picture, u.Status
	g.RoleNames, g.UserTenants, g.CreatedTime, g.ModifiedTime = u.RoleNames, u.UserTenants, u.CreatedTime, u.ModifiedTime
	g.Test, g.VerifiedEmail, g.VerifiedPhone, g.Password, g.TOTP, g.Webauthn = u.Test, u.VerifiedEmail, u.VerifiedPhone, u.Password, u.TOTP, u.Webauthn
	return g
}

// attrs are custom attributes as a list sorted by name, with plain JSON values
// (jsonvalue.Plain). A nil list is no attributes, an empty one an empty map: the API answers
// "customAttributes":{} for it.
type attrs []attr

type attr struct {
	name  string
	value any
}

// attrsOf returns the list of m, sorted, each value as value makes it (a value as it is, when
// value is nil), or value's first error.
func attrsOf(m map[string]any, value func(any) (any, error)) (attrs, error) {
	if m == nil {
		return nil, nil
	}
	a := make(attrs, 0, len(m))
	for k, v := range m {
		if value != nil {
			var err error
			if v, err = value(v); err != nil {
				return nil, fmt.Errorf("customAttributes[%q]: %w", k, err)
			}
		}
		a = append(a, attr{k, v})
	}
	slices.SortFunc(a, func(x, y attr) int { return cmp.Compare(x.name, y.name) })
	return a, nil
}

// get returns the value of the attribute name, and whether there is one: by a look at each of a
// few, a binary search of more.
func (a attrs) get(name string) (any, bool) {
	if len(a) <= 8 {
		for i := range a {
			if a[i].name == name {
				return a[i].value, true
			}
		}
		return nil, false
	}
	i, found := slices.BinarySearchFunc(a, name, func(x attr, name string) int { return cmp.Compare(x.name, name) })
	if !found {
		return nil, false
	}
	return a[i].value, true
}

// toMap returns the attributes as a new map (nil for a nil list), the values copied (copyJSON)
// when deep, shared otherwise.
func (a attrs) toMap(deep bool) map[string]any {
	if a == nil {
		return nil
	}
	m := make(map[string]any, len(a))
	for _, x := range a {
		if deep {
			m[x.name] = copyJSON(x.value)
		} else {
			m[x.name] = x.value
		}
	}
	return m
}
