package apitest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// storedAttributes returns the list the store holds for the user, not a copy.
func storedAttributes(s *Server, loginID string) attrs {
	return s.store.get(loginID).attrs
}

// sameList reports whether two lists are one (their first elements one), as users share them.
func sameList(a, b attrs) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

// TestUsersShareEqualAttributes: users seeded or created with attributes equal as plain JSON hold
// one list, users whose attributes JSON tells apart do not, changing one user's attributes leaves
// the others' as they were, and users left with equal attributes by a deleted definition share.
func TestUsersShareEqualAttributes(t *testing.T) {
	user := func(id string, attrs map[string]any) gen.User {
		return gen.User{LoginIDs: []string{id}, CustomAttributes: attrs}
	}
	s := NewServer(t, WithUsers(
		user("int", map[string]any{"n": 1, "s": "x", "l": []string{"a"}}),
		user("float", map[string]any{"n": 1.0, "s": "x", "l": []any{"a"}}),
		user("number", map[string]any{"n": json.Number("1e0"), "s": "x", "l": []any{"a"}}),
		user("zero", map[string]any{"z": 0.0}),
		user("minus-zero", map[string]any{"z": math.Copysign(0, -1)}),
		user("empty-list", map[string]any{"l": []any{}}),
		user("null-list", map[string]any{"l": []any(nil)}),
		user("other", map[string]any{"n": 2, "s": "x", "l": []any{"a"}}),
	), WithCustomAttributes(gen.CustomAttribute{Name: "n", Type: 2}))
	shared := storedAttributes(s, "int")
	for _, id := range []string{"float", "number"} {
		if !sameList(storedAttributes(s, id), shared) {
			t.Errorf("%s does not share int's attributes", id)
		}
	}
	for _, pair := range [][2]string{{"zero", "minus-zero"}, {"empty-list", "null-list"}, {"int", "other"}} {
		if sameList(storedAttributes(s, pair[0]), storedAttributes(s, pair[1])) {
			t.Errorf("%s and %s share their attributes", pair[0], pair[1])
		}
	}
	for id, want := range map[string]string{"minus-zero": `{"z":-0}`, "zero": `{"z":0}`, "null-list": `{"l":null}`, "empty-list": `{"l":[]}`} {
		u, _ := s.User(id)
		if got, _ := json.Marshal(u.CustomAttributes); string(got) != want {
			t.Errorf("%s: attributes %s, want %s", id, got, want)
		}
	}

	// A patch makes the patched user a new list; the others keep theirs.
	if got := send(t, s, http.MethodPatch, "/v1/mgmt/user/patch", `{"loginId":"float","customAttributes":{"n":5}}`); got != http.StatusOK {
		t.Fatalf("patch: %d", got)
	}
	if n, _ := storedAttributes(s, "float").get("n"); n != 5.0 {
		t.Errorf("float's n after the patch: %v", n)
	}
	for _, id := range []string{"int", "number"} {
		if n, _ := storedAttributes(s, id).get("n"); n != 1.0 || !sameList(storedAttributes(s, id), shared) {
			t.Errorf("%s's n after another user's patch: %v", id, n)
		}
	}
	// A user created over HTTP with equal attributes shares them.
	if got := send(t, s, http.MethodPost, "/v1/mgmt/user/create", `{"loginId":"created","customAttributes":{"n":1,"s":"x","l":["a"]}}`); got != http.StatusOK {
		t.Fatalf("create: %d", got)
	}
	if !sameList(storedAttributes(s, "created"), shared) {
		t.Error("a user created with int's attributes does not share them")
	}
	// Deleting an attribute's definition leaves users with equal attributes sharing them again.
	if got := send(t, s, http.MethodPost, "/v1/mgmt/user/customattribute/delete", `{"names":["n"]}`); got != http.StatusOK {
		t.Fatalf("delete the definition of n: %d", got)
	}
	if a, b := storedAttributes(s, "int"), storedAttributes(s, "other"); !sameList(a, b) || len(a) != 2 {
		t.Errorf("int and other without n: %v and %v, shared: %v", a, b, sameList(a, b))
	}
}

// TestSharedAttributesAreBounded: the lists and strings kept for sharing never grow past
// maxShared.
func TestSharedAttributesAreBounded(t *testing.T) {
	s := NewServer(t)
	for i := range 2*maxShared + 10 {
		s.AddUsers(gen.User{LoginIDs: []string{fmt.Sprint(i)}, CustomAttributes: map[string]any{"i": i, fmt.Sprint("name", i): fmt.Sprint("value", i)},
			RoleNames: []string{fmt.Sprint("role", i)}, UserTenants: []gen.UserTenant{{TenantID: fmt.Sprint("T", i)}}})
		p := s.store.pool
		if n := max(len(p.attrs), len(p.names), len(p.values), len(p.roles), len(p.tenants)); n > maxShared {
			t.Fatalf("%d lists or strings kept after %d users", n, i+1)
		}
	}
	if u, _ := s.User("4100"); u.CustomAttributes["i"] != 4100.0 {
		t.Errorf("user 4100's attributes: %v", u.CustomAttributes)
	}
}

// TestHashPlainHashesAValueAsItsPlainCopy: hashPlain gives a value and jsonvalue.Plain's copy of it
// the same hash, and samePlain holds them the same.
func TestHashPlainHashesAValueAsItsPlainCopy(t *testing.T) {
	seed := newPool().seed
	type named struct{ A int }
	for _, v := range []any{
		nil, true, "x", 1.5, 7, int64(-3), int32(9), json.Number("12"), []string{"a", "b"},
		[]any{1, "a", []any{true}}, map[string]any{"a": 1, "b": map[string]any{"c": []string{"d"}}},
		named{A: 1}, map[string]any{},
	} {
		p, err := jsonvalue.Plain(v)
		if err != nil {
			t.Fatal(err)
		}
		if hashPlain(seed, v) != hashPlain(seed, p) {
			t.Errorf("%#v and its plain copy %#v hash apart", v, p)
		}
		if !samePlain(p, v) {
			t.Errorf("samePlain(%#v, %#v) is false", p, v)
		}
	}
	for _, pair := range [][2]any{{1.0, 2}, {"1", 1.0}, {[]any{"a"}, []any{"a", "b"}}, {map[string]any{"a": 1.0}, map[string]any{"b": 1.0}}, {0.0, math.Copysign(0, -1)}, {[]any{}, []any(nil)}, {nil, false}} {
		if samePlain(pair[0], pair[1]) {
			t.Errorf("samePlain(%#v, %#v) is true", pair[0], pair[1])
		}
	}
}

// TestUsersShareEqualRolesAndTenants: users with equal lists of roles, and of tenants with their
// roles, hold one list; users whose lists differ in any way do not, and each reads its own.
func TestUsersShareEqualRolesAndTenants(t *testing.T) {
	tenants := func(roles ...string) []gen.UserTenant {
		return []gen.UserTenant{{TenantID: "T1", RoleNames: roles}, {TenantID: "T2"}}
	}
	s := NewServer(t, WithUsers(
		gen.User{LoginIDs: []string{"a"}, RoleNames: []string{"viewer", "editor"}, UserTenants: tenants("admin")},
		gen.User{LoginIDs: []string{"b"}, RoleNames: []string{"viewer", "editor"}, UserTenants: tenants("admin")},
		gen.User{LoginIDs: []string{"c"}, RoleNames: []string{"viewer\x00editor"}, UserTenants: tenants("admin", "x")},
		gen.User{LoginIDs: []string{"d"}, RoleNames: []string{"viewer"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"admin"}, TenantName: "One"}, {TenantID: "T2"}}},
	))
	a, b, c, d := s.store.get("a"), s.store.get("b"), s.store.get("c"), s.store.get("d")
	if &a.RoleNames[0] != &b.RoleNames[0] || &a.UserTenants[0] != &b.UserTenants[0] {
		t.Error("a and b do not share their roles and tenants")
	}
	if &a.RoleNames[0] == &c.RoleNames[0] || &a.UserTenants[0] == &c.UserTenants[0] || &a.UserTenants[0] == &d.UserTenants[0] {
		t.Error("c or d shares a list of a's that is not equal to theirs")
	}
	for id, want := range map[string]int{"a": 2, "c": 1, "d": 1} {
		if u, _ := s.User(id); len(u.RoleNames) != want || (id == "d") != (u.UserTenants[0].TenantName == "One") {
			t.Errorf("%s: roles %v, tenants %+v", id, u.RoleNames, u.UserTenants)
		}
	}
}
