package contract_test

// A response decoded into the generated types encodes back to the JSON it came from, for every
// field the spec knows: a value the server sent is never dropped on the way back (empty lists,
// false, "" and 0 included), and a field it left out comes back only as a zero scalar.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// zeroOf builds, from a schema, a value with every property present and empty: "" for strings,
// false, 0, [] for lists (with one zero element when the items are objects, so that nested
// properties are covered), {} for maps.
func zeroOf(s *openapi3.Schema) any {
	for _, sub := range s.AllOf {
		if sub.Value.Type.Is("object") || len(sub.Value.Properties) > 0 {
			return zeroOf(sub.Value)
		}
	}
	switch {
	case s.Type.Is("string"):
		return ""
	case s.Type.Is("boolean"):
		return false
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 0.0
	case s.Type.Is("array"):
		if it := s.Items.Value; it.Type.Is("object") && len(it.Properties) > 0 {
			return []any{zeroOf(it)}
		}
		return []any{}
	case len(s.Properties) > 0:
		m := map[string]any{}
		for name, p := range s.Properties {
			m[name] = zeroOf(p.Value)
		}
		return m
	}
	return map[string]any{}
}

// roundTripLosses decodes src into a new value of t's type, encodes it again, and names every
// value of src that did not come back the same, and every field that came back without being in
// src unless it is a zero scalar.
func roundTripLosses(t *testing.T, typ reflect.Type, src []byte) []string {
	t.Helper()
	v := reflect.New(typ)
	if err := json.Unmarshal(src, v.Interface()); err != nil {
		t.Fatalf("decoding %s into %v: %v", src, typ, err)
	}
	out, err := json.Marshal(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(src, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	return jsonLosses("", a, b)
}

func jsonLosses(at string, src, got any) []string {
	sm, ok1 := src.(map[string]any)
	gm, ok2 := got.(map[string]any)
	if !ok1 || !ok2 {
		if sl, ok := src.([]any); ok {
			gl, ok := got.([]any)
			if !ok || len(gl) != len(sl) {
				return []string{fmt.Sprintf("%s: sent %s, came back %s", at, compactJSON(src), compactJSON(got))}
			}
			var out []string
			for i := range sl {
				out = append(out, jsonLosses(fmt.Sprintf("%s/%d", at, i), sl[i], gl[i])...)
			}
			return out
		}
		if !reflect.DeepEqual(src, got) {
			return []string{fmt.Sprintf("%s: sent %s, came back %s", at, compactJSON(src), compactJSON(got))}
		}
		return nil
	}
	var out []string
	for _, k := range sortedKeys(sm) {
		g, ok := gm[k]
		if !ok {
			out = append(out, fmt.Sprintf("%s/%s: sent %s, dropped on the way back", at, k, compactJSON(sm[k])))
			continue
		}
		out = append(out, jsonLosses(at+"/"+k, sm[k], g)...)
	}
	for _, k := range sortedKeys(gm) {
		if _, ok := sm[k]; !ok && !slices.Contains([]any{"", false, 0.0}, gm[k]) {
			out = append(out, fmt.Sprintf("%s/%s: absent, came back as %s", at, k, compactJSON(gm[k])))
		}
	}
	return out
}

func TestResponseRoundTrip(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	schemas := doc.Components.Schemas
	examples := doc.Components.Responses["UserResponse"].Value.Content.Get("application/json").Examples
	batchExamples := doc.Paths.Value("/v1/mgmt/user/patch/batch").Patch.Responses.Status(200).Value.Content.Get("application/json").Examples

	type roundTrip struct {
		name string
		typ  reflect.Type
		src  any
	}
	user, userResponse, batchResponse := reflect.TypeFor[gen.User](), reflect.TypeFor[gen.UserResponse](), reflect.TypeFor[gen.PatchUsersBatchResponse]()
	cases := []roundTrip{
		{"User, every field empty", user, zeroOf(schemas["User"].Value)},
		{"User, rich", user, json.RawMessage(richUserJSON)},
		{"UserResponse, every field empty", userResponse, zeroOf(schemas["UserResponse"].Value)},
		{"PatchUsersBatchResponse, every field empty", batchResponse, zeroOf(schemas["PatchUsersBatchResponse"].Value)},
		{"License, every field empty", reflect.TypeFor[gen.License](), zeroOf(schemas["License"].Value)},
	}
	for typ, exs := range map[reflect.Type]openapi3.Examples{userResponse: examples, batchResponse: batchExamples} {
		for _, name := range sortedKeys(exs) {
			cases = append(cases, roundTrip{typ.Name() + " example " + name, typ, exs[name].Value.Value})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := mustJSON(t, tc.src)
			for _, l := range roundTripLosses(t, tc.typ, src) {
				t.Error(l)
			}
		})
	}

	// Every field of the empty User is present, so the test covers all of them, nested ones too.
	empty := zeroOf(schemas["User"].Value).(map[string]any)
	if len(empty) != len(schemas["User"].Value.Properties) {
		t.Errorf("the empty user has %d fields, the schema %d", len(empty), len(schemas["User"].Value.Properties))
	}
	if tenant := empty["userTenants"].([]any)[0].(map[string]any); tenant["roleNames"] == nil || tenant["permissions"] == nil {
		t.Errorf("the empty user's tenant lacks its lists: %v", tenant)
	}
}

// The check must catch what went wrong before: a tenant's empty lists dropped by omitempty.
func TestResponseRoundTripDetectsLoss(t *testing.T) {
	t.Parallel()
	type omitEmptyTenant struct {
		TenantID    string   `json:"tenantId,omitempty"`
		RoleNames   []string `json:"roleNames,omitempty"`
		Permissions []string `json:"permissions,omitempty"`
	}
	losses := roundTripLosses(t, reflect.TypeFor[omitEmptyTenant](), []byte(`{"tenantId":"T1","roleNames":[],"permissions":["read"]}`))
	if len(losses) != 1 || losses[0] != "/roleNames: sent [], dropped on the way back" {
		t.Errorf("losses = %q, want the dropped roleNames", losses)
	}
	losses = roundTripLosses(t, reflect.TypeFor[struct {
		Seats int `json:"seats"`
	}](), []byte(`{}`))
	if len(losses) != 0 {
		t.Errorf("an absent field that comes back as 0 is not a loss: %q", losses)
	}
	losses = roundTripLosses(t, reflect.TypeFor[struct {
		Tags []string `json:"tags"`
	}](), []byte(`{}`))
	if len(losses) != 1 {
		t.Errorf("an absent list that comes back as null is a change: %q", losses)
	}
}
