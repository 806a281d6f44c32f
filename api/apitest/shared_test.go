package apitest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// storedAttributes returns the map the store holds for the user, not a copy.
func storedAttributes(s *Server, loginID string) map[string]any {
	return s.store.get(loginID).CustomAttributes
}

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestUsersShareEqualAttributes: users seeded or created with attributes equal as plain JSON hold
// one map, users whose attributes JSON tells apart do not, changing one user's attributes leaves
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
		if !sameMap(storedAttributes(s, id), shared) {
			t.Errorf("%s does not share int's attributes", id)
		}
	}
	for _, pair := range [][2]string{{"zero", "minus-zero"}, {"empty-list", "null-list"}, {"int", "other"}} {
		if sameMap(storedAttributes(s, pair[0]), storedAttributes(s, pair[1])) {
			t.Errorf("%s and %s share their attributes", pair[0], pair[1])
		}
	}
	for id, want := range map[string]string{"minus-zero": `{"z":-0}`, "zero": `{"z":0}`, "null-list": `{"l":null}`, "empty-list": `{"l":[]}`} {
		u, _ := s.User(id)
		if got, _ := json.Marshal(u.CustomAttributes); string(got) != want {
			t.Errorf("%s: attributes %s, want %s", id, got, want)
		}
	}

	// A patch makes the patched user a new map; the others keep theirs.
	if got := send(t, s, http.MethodPatch, "/v1/mgmt/user/patch", `{"loginId":"float","customAttributes":{"n":5}}`); got != http.StatusOK {
		t.Fatalf("patch: %d", got)
	}
	if n := storedAttributes(s, "float")["n"]; n != 5.0 {
		t.Errorf("float's n after the patch: %v", n)
	}
	for _, id := range []string{"int", "number"} {
		if n := storedAttributes(s, id)["n"]; n != 1.0 || !sameMap(storedAttributes(s, id), shared) {
			t.Errorf("%s's n after another user's patch: %v", id, n)
		}
	}
	// A user created over HTTP with equal attributes shares them.
	if got := send(t, s, http.MethodPost, "/v1/mgmt/user/create", `{"loginId":"created","customAttributes":{"n":1,"s":"x","l":["a"]}}`); got != http.StatusOK {
		t.Fatalf("create: %d", got)
	}
	if !sameMap(storedAttributes(s, "created"), shared) {
		t.Error("a user created with int's attributes does not share them")
	}
	// Deleting an attribute's definition leaves users with equal attributes sharing them again.
	if got := send(t, s, http.MethodPost, "/v1/mgmt/user/customattribute/delete", `{"names":["n"]}`); got != http.StatusOK {
		t.Fatalf("delete the definition of n: %d", got)
	}
	if a, b := storedAttributes(s, "int"), storedAttributes(s, "other"); !sameMap(a, b) || len(a) != 2 {
		t.Errorf("int and other without n: %v and %v, shared: %v", a, b, sameMap(a, b))
	}
}

// TestSharedAttributesAreBounded: the maps kept for sharing never grow past maxSharedAttributes.
func TestSharedAttributesAreBounded(t *testing.T) {
	s := NewServer(t)
	for i := range 2*maxSharedAttributes + 10 {
		s.AddUsers(gen.User{LoginIDs: []string{fmt.Sprint(i)}, CustomAttributes: map[string]any{"i": i}})
		if n := len(s.store.attrs); n > maxSharedAttributes {
			t.Fatalf("%d maps kept after %d users", n, i+1)
		}
	}
	if u, _ := s.User("4100"); u.CustomAttributes["i"] != 4100.0 {
		t.Errorf("user 4100's attributes: %v", u.CustomAttributes)
	}
}

// TestHashPlainHashesAValueAsItsPlainCopy: hashPlain gives a value and jsonvalue.Plain's copy of it
// the same hash, and samePlain holds them the same.
func TestHashPlainHashesAValueAsItsPlainCopy(t *testing.T) {
	seed := newStore().seed
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
