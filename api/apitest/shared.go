package apitest

import (
	"hash/maphash"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// maxShared bounds each of the tables of the pool, of what users may share.
const maxShared = 4096

// maxInterned is the length of the longest string value of a custom attribute the store shares
// between users: a short value (a department, a plan) is often many users', a long one rarely.
const maxInterned = 64

// pool keeps what users often have alike, for the users stored to share it: their custom
// attribute lists, the attributes' names and short string values, statuses, and lists of roles
// and of tenants. Stored users and their parts are never changed in place (an update makes new
// ones), so users may share them. Users created alike often carry the same attributes, roles and
// tenants, and a list of two attributes costs 64 bytes (a map 336), a tenant 80, and a string
// decoded from JSON is a copy of its own. Each table is forgotten when it holds maxShared
// entries, so that none can grow without bound; the users that share an entry keep it.
type pool struct {
	attrs   map[uint64]attrs            // by their hash (hashAttrs)
	names   map[string]string           // attribute names and statuses
	values  map[string]any              // short string values of attributes, each held in an any once
	roles   map[string][]string         // lists of role names, by their names joined (listKey)
	tenants map[string][]gen.UserTenant // lists of tenants, by their IDs and roles joined
	seed    maphash.Seed
}

func newPool() *pool {
	return &pool{attrs: map[uint64]attrs{}, names: map[string]string{}, values: map[string]any{},
		roles: map[string][]string{}, tenants: map[string][]gen.UserTenant{}, seed: maphash.MakeSeed()}
}

// compact returns g as a stored user (compactUser), sharing its custom attributes, which are plain
// JSON (jsonvalue.Plain), its status, roles and tenants with users that have equal ones, and its
// email with its login ID when it is one. The caller holds the store's write lock (or owns the
// pool), and must not change g's parts afterwards.
func (p *pool) compact(g *gen.User) *user {
	a, _ := attrsOf(g.CustomAttributes, nil)
	return p.compactWith(g, p.share(a))
}

// compactOver is compact for g, an update of the stored user prev: custom attributes the update
// left as they were stay prev's list, shared as they were, without being looked up again.
func (p *pool) compactOver(prev *user, g *gen.User) *user {
	a, _ := attrsOf(g.CustomAttributes, nil)
	if len(a) > 0 && sameAttrs(prev.attrs, a) {
		return p.compactWith(g, prev.attrs)
	}
	return p.compactWith(g, p.share(a))
}

// compactWith is compact for g whose custom attributes are a, a list of the pool's (share), not
// g.CustomAttributes.
func (p *pool) compactWith(g *gen.User, a attrs) *user {
	u := compactUser(g, a)
	if i := slices.Index(u.LoginIDs, u.Email); i >= 0 {
		u.Email = u.LoginIDs[i] // the same text, kept once
	}
	u.Status = p.intern(u.Status)
	u.RoleNames = p.shareRoles(u.RoleNames)
	u.UserTenants = p.shareTenants(u.UserTenants)
	return u
}

// shareRoles returns a list the pool keeps that equals roles, or roles, which it then keeps.
func (p *pool) shareRoles(roles []string) []string {
	if len(roles) == 0 {
		return roles
	}
	return shareList(p.roles, listKey(roles), roles, slices.Equal)
}

// shareTenants returns a list the pool keeps that equals tenants, or tenants, which it then keeps.
func (p *pool) shareTenants(tenants []gen.UserTenant) []gen.UserTenant {
	if len(tenants) == 0 {
		return tenants
	}
	parts := make([]string, 0, 2*len(tenants))
	for _, t := range tenants {
		parts = append(parts, t.TenantID, listKey(t.RoleNames))
	}
	return shareList(p.tenants, listKey(parts), tenants, func(a, b []gen.UserTenant) bool { return reflect.DeepEqual(a, b) })
}

// shareList returns the list table keeps under key when equal reports it equal to list, or else
// list, which table then keeps under key.
func shareList[L any](table map[string]L, key string, list L, equal func(a, b L) bool) L {
	if kept, ok := table[key]; ok && equal(kept, list) {
		return kept
	}
	bound(table)
	table[key] = list
	return list
}

// listKey joins a list of strings into a key of the pool's tables, the one string itself for a
// list of one; lists whose keys are equal are still compared.
func listKey(list []string) string {
	if len(list) == 1 {
		return list[0]
	}
	return strings.Join(list, "\x00")
}

// share returns a list the pool keeps that is equal to a (as plain JSON), or a, which it then
// keeps, its names and short string values shared with other lists.
func (p *pool) share(a attrs) attrs {
	if len(a) == 0 {
		return a
	}
	h := hashAttrs(p.seed, a)
	if kept := p.attrs[h]; kept != nil && sameAttrs(kept, a) {
		return kept
	}
	for i := range a {
		a[i].name = p.intern(a[i].name)
		if s, ok := a[i].value.(string); ok && len(s) <= maxInterned {
			v, ok := p.values[s]
			if !ok {
				v = a[i].value
				bound(p.values)
				p.values[s] = v
			}
			a[i].value = v
		}
	}
	bound(p.attrs)
	p.attrs[h] = a
	return a
}

// intern returns a string the pool keeps that equals s, or s, which it then keeps.
func (p *pool) intern(s string) string {
	if s == "" {
		return s
	}
	if kept, ok := p.names[s]; ok {
		return kept
	}
	bound(p.names)
	p.names[s] = s
	return s
}

// bound forgets every entry of m when it holds maxShared.
func bound[K comparable, V any](m map[K]V) {
	if len(m) >= maxShared {
		clear(m)
	}
}

// hashAttrs hashes a list of attributes, alike for lists equal as plain JSON.
func hashAttrs(seed maphash.Seed, a attrs) uint64 {
	h := uint64(len(a))
	for _, x := range a {
		h = 31*h + maphash.String(seed, x.name) ^ 17*hashPlain(seed, x.value)
	}
	return h
}

// sameAttrs reports whether two lists of attributes are equal as plain JSON (samePlain).
func sameAttrs(p, a attrs) bool {
	if len(p) != len(a) {
		return false
	}
	for i := range p {
		if p[i].name != a[i].name || !samePlain(p[i].value, a[i].value) {
			return false
		}
	}
	return true
}

// hashPlain hashes v as jsonvalue.Plain makes it (numbers as float64, lists as []any), so that a
// value and its plain copy hash alike; a map hashes alike whatever the order of its keys.
func hashPlain(seed maphash.Seed, v any) uint64 {
	switch v := v.(type) {
	case nil:
		return 0
	case bool:
		return maphash.Comparable(seed, v)
	case string:
		return maphash.String(seed, v)
	case float64:
		return maphash.Comparable(seed, v)
	case int:
		return maphash.Comparable(seed, float64(v))
	case int64:
		return maphash.Comparable(seed, float64(v))
	case []string:
		h := uint64(len(v))
		for _, e := range v {
			h = 31*h + maphash.String(seed, e)
		}
		return h
	case []any:
		h := uint64(len(v))
		for _, e := range v {
			h = 31*h + hashPlain(seed, e)
		}
		return h
	case map[string]any:
		h := uint64(len(v))
		for k, e := range v {
			h += maphash.String(seed, k) ^ 31*hashPlain(seed, e)
		}
		return h
	}
	p, err := jsonvalue.Plain(v)
	if err != nil {
		return 0
	}
	return hashPlain(seed, p)
}

// samePlain reports whether v made plain (jsonvalue.Plain) is p, a plain JSON value: equal, with
// numbers of the same bits (-0 is not 0: JSON tells them apart).
func samePlain(p, v any) bool {
	switch x := v.(type) {
	case nil, bool, string, float64:
	case []any:
		if x == nil {
			v = nil // null
		}
	case map[string]any:
		if x == nil {
			v = nil
		}
	default:
		var err error
		if v, err = jsonvalue.Plain(v); err != nil {
			return false
		}
	}
	switch p := p.(type) {
	case float64:
		f, ok := v.(float64)
		return ok && math.Float64bits(p) == math.Float64bits(f)
	case []any:
		l, ok := v.([]any)
		if !ok || len(l) != len(p) {
			return false
		}
		for i := range p {
			if !samePlain(p[i], l[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok || len(m) != len(p) {
			return false
		}
		for k, e := range m {
			if pe, ok := p[k]; !ok || !samePlain(pe, e) {
				return false
			}
		}
		return true
	}
	return p == v // nil, bool or string; v of another type is unequal, and comparing does not panic
}
