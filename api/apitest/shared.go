package apitest

import (
	"hash/maphash"
	"math"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// maxSharedAttributes bounds the custom attribute maps the store keeps for sharing.
const maxSharedAttributes = 4096

// shareAttributes makes u, a user about to be stored, share its custom attributes with the users
// that have equal ones, or keeps them for users to come; the caller holds the write lock. The users
// created (seeded, created, imported) share, and those whose attribute definitions were deleted;
// an update that sets attributes gives its user a map of its own, which is usually unlike any
// other's (a counter, an ID), and not worth the time of every update.
func (st *store) shareAttributes(u *gen.User) {
	if shared, h := st.sharedAttributes(u.CustomAttributes); shared != nil {
		u.CustomAttributes = shared
	} else if len(u.CustomAttributes) > 0 {
		st.keepAttributes(h, u.CustomAttributes)
	}
}

// sharedAttributes returns a map the store keeps for sharing whose values are those of attrs made
// plain (jsonvalue.Plain), or nil when it keeps none, and the hash of attrs for keepAttributes.
// The caller holds the write lock.
//
// Users created alike often carry the same attributes, and a map of two costs 336 bytes, almost
// as much as the rest of a user. Stored users and their maps are never changed in place (an update
// makes a new map), so users may share one.
func (st *store) sharedAttributes(attrs map[string]any) (map[string]any, uint64) {
	if len(attrs) == 0 {
		return nil, 0
	}
	h := hashPlain(st.seed, attrs)
	if kept := st.attrs[h]; kept != nil && samePlain(kept, attrs) {
		return kept, h
	}
	return nil, h
}

// keepAttributes keeps attrs, plain JSON with hash h, for users to share. The maps kept are all
// forgotten when there are maxSharedAttributes of them, so that they cannot grow without bound;
// the users that share one keep it.
func (st *store) keepAttributes(h uint64, attrs map[string]any) {
	if len(st.attrs) >= maxSharedAttributes {
		clear(st.attrs)
	}
	st.attrs[h] = attrs
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
