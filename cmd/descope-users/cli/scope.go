package cli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// scopeValue is a repeatable --scope TERM flag: the users a run may touch beyond those a file
// names (sync --prune deletes those of them the file does not name). A user is in the scope when
// it matches every term given:
//
//	all            every user
//	tenant=ID      a member of the tenant ID
//	role=NAME      has the role NAME, in the project or in any tenant
//	attr.KEY=VALUE the custom attribute KEY is VALUE: JSON when VALUE is valid JSON (42, true,
//	               "42"), else the string itself; numbers compare by value
//
// One term a flag, so that a value may hold commas; all stands alone.
type scopeValue struct {
	terms []scopeTerm
}

// scopeTerm is one term of a scope: kind is all, tenant, role or attr.
type scopeTerm struct {
	kind, key, value string
	attr             any // an attr term's value, as parseValue reads it
}

func (s *scopeValue) String() string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(s.terms))
	for i, t := range s.terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " and ")
}

func (t scopeTerm) String() string {
	switch t.kind {
	case "all":
		return "all"
	case "attr":
		return "attr." + t.key + "=" + t.value
	}
	return t.kind + "=" + t.value
}

// given reports whether any term was given.
func (s *scopeValue) given() bool { return len(s.terms) > 0 }

func (s *scopeValue) Set(v string) error {
	t, err := parseScopeTerm(v)
	if err != nil {
		return err
	}
	for _, o := range s.terms {
		switch {
		case o.kind == "all" || t.kind == "all":
			return fmt.Errorf("%q: all stands alone (it is every user); give it without other terms", v)
		case t.kind == "attr" && o.kind == "attr" && o.key == t.key:
			return fmt.Errorf("%q: attr.%s is given twice, and no attribute has two values", v, t.key)
		case t.kind != "attr" && o.kind == t.kind && o.value == t.value:
			return fmt.Errorf("%q is given twice", v)
		}
	}
	s.terms = append(s.terms, t)
	return nil
}

func parseScopeTerm(v string) (scopeTerm, error) {
	if v == "all" {
		return scopeTerm{kind: "all"}, nil
	}
	const forms = "all, tenant=ID, role=NAME or attr.KEY=VALUE"
	key, value, ok := strings.Cut(v, "=")
	if !ok {
		return scopeTerm{}, fmt.Errorf("%q is not %s", v, forms)
	}
	switch {
	case key == "tenant" || key == "role":
		if value == "" {
			return scopeTerm{}, fmt.Errorf("%q: the %s is empty", v, map[string]string{"tenant": "tenant ID", "role": "role name"}[key])
		}
		return scopeTerm{kind: key, value: value}, nil
	case strings.HasPrefix(key, "attr."):
		name := strings.TrimPrefix(key, "attr.")
		if name == "" {
			return scopeTerm{}, fmt.Errorf("%q: the attribute's KEY is empty", v)
		}
		attr := parseValue(value)
		switch attr.(type) {
		case string, bool, json.Number:
		default:
			return scopeTerm{}, fmt.Errorf("%q: the value must be a string, a number or true/false (a search reads a list as any of its values)", v)
		}
		return scopeTerm{kind: "attr", key: name, value: value, attr: attr}, nil
	}
	return scopeTerm{}, fmt.Errorf("%q is not %s", v, forms)
}

// search is the search that finds the users of the scope (test users only withTest), and maybe
// more: two tenant or role terms are searched as either, and matches says which users are in.
func (s *scopeValue) search(withTest bool, pageSize int) api.SearchOptions {
	o := api.SearchOptions{WithTestUser: withTest, Limit: int32(pageSize)}
	for _, t := range s.terms {
		switch t.kind {
		case "tenant":
			o.TenantIDs = append(o.TenantIDs, t.value)
		case "role":
			o.RoleNames = append(o.RoleNames, t.value)
		case "attr":
			if o.CustomAttributes == nil {
				o.CustomAttributes = map[string]any{}
			}
			o.CustomAttributes[t.key] = t.attr
		}
	}
	return o
}

// matches reports whether u is in the scope: it matches every term, and it is not a test user
// unless withTest. The search asked for as much; this is checked again here, as what is done to
// the users of a scope (deleting them) cannot be undone.
func (s *scopeValue) matches(u *api.User, withTest bool) bool {
	if u.Test && !withTest {
		return false
	}
	for _, t := range s.terms {
		if !t.matches(u) {
			return false
		}
	}
	return true
}

func (t scopeTerm) matches(u *api.User) bool {
	switch t.kind {
	case "tenant":
		return slices.ContainsFunc(u.UserTenants, func(ut api.UserTenant) bool { return ut.TenantID == t.value })
	case "role":
		return slices.Contains(u.RoleNames, t.value) ||
			slices.ContainsFunc(u.UserTenants, func(ut api.UserTenant) bool { return slices.Contains(ut.RoleNames, t.value) })
	case "attr":
		have, ok := u.CustomAttributes[t.key]
		return ok && sameJSON(have, t.attr)
	}
	return t.kind == "all"
}

// sameJSON reports whether a and b are the same JSON value, numbers by value (json.Number("5")
// and 5.0 are equal).
func sameJSON(a, b any) bool {
	pa, errA := plainJSON(a)
	pb, errB := plainJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(pa, pb)
}

// plainJSON is v as encoding/json decodes it into an any: numbers as float64.
func plainJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(data, &out)
	return out, err
}
