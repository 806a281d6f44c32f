package spec

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestNestingDepthSkipsStrings(t *testing.T) {
	for text, want := range map[string]int{
		`1`:                     0,
		`"[[[{{{"`:              0,
		`[]`:                    1,
		`{}`:                    1,
		`{"a":"]]]\"[[[{"}`:     1,
		`["\\",[1]]`:            2,
		`["\\\"[",[1]]`:         2,
		`[[{"a":[1]}],{"b":2}]`: 4,
		`{"k[":{"}":[[]]}}`:     4,
	} {
		if got := nestingDepth([]byte(text)); got != want {
			t.Errorf("nestingDepth(%s) = %d, want %d", text, got, want)
		}
	}
}

func TestDepthLimitMustBeAPositiveInteger(t *testing.T) {
	for _, x := range []any{0.0, -1.0, 1.5, "32", true, nil} {
		s := &openapi3.Schema{Extensions: map[string]any{MaxDepthExtension: x}}
		if _, _, err := depthLimit(s); err == nil || !strings.Contains(err.Error(), MaxDepthExtension) {
			t.Errorf("%s: %#v: err = %v", MaxDepthExtension, x, err)
		}
	}
	if limit, ok, err := depthLimit(&openapi3.Schema{Extensions: map[string]any{MaxDepthExtension: 32.0}}); limit != 32 || !ok || err != nil {
		t.Errorf("32: %d %v %v", limit, ok, err)
	}
	if _, ok, err := depthLimit(&openapi3.Schema{}); ok || err != nil {
		t.Errorf("no limit: %v %v", ok, err)
	}

	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	doc.Components.Schemas["AnyValue"].Value.Extensions[MaxDepthExtension] = "deep"
	if _, err := newDepthRules(doc); err == nil || !strings.Contains(err.Error(), MaxDepthExtension) {
		t.Errorf("a document whose limit is not a number: err = %v", err)
	}
}

// TestDepthRulesOfTheDocument: the operations that take any JSON value in their requests are
// limited by AnyValue's 32, and the others are not walked at all.
func TestDepthRulesOfTheDocument(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	limited := map[string]int{}
	for op, least := range v.depth.least {
		limited[op.OperationID] = least
	}
	for _, id := range []string{"PatchUser", "PatchUserBatch", "UpdateUser", "UpdateUserCustomAttribute", "SearchUsers", "SearchUsersV1", "SearchTestUsers",
		// Spec 1.3.0: custom attributes of new users, claims of generated sessions, and the default
		// value of a custom attribute definition.
		"CreateUser", "CreateTestUser", "CreateUsers", "EmbeddedLinkSignin", "EmbeddedLinkSignup",
		"GenerateOTPForTestUser", "GenerateMagicLinkForTestUser", "GenerateEnchantedLinkForTestUser", "CreateUserCustomAttribute"} {
		if limited[id] != 32 {
			t.Errorf("%s: limit %d, want 32", id, limited[id])
		}
		delete(limited, id)
	}
	if len(limited) != 0 {
		t.Errorf("limited operations that take no JSON value: %v", limited)
	}
	schemas := v.doc.Components.Schemas
	for name, want := range map[string]bool{"AnyValue": true, "CustomAttributes": true, "PatchUserRequest": true, "LoginID": false, "PatchUserTenant": false} {
		if got := v.depth.reaches[schemas[name].Value]; got != want {
			t.Errorf("reaches[%s] = %v, want %v", name, got, want)
		}
	}
}

// TestDeeperGoesNoFurtherThanTheLimit: measuring a value nested 100,000 deep against a limit of 32
// runs with the goroutine stack capped at 1 MB, which going down every level would overflow.
func TestDeeperGoesNoFurtherThanTheLimit(t *testing.T) {
	var lists any = []any{}
	var objects any = map[string]any{}
	for range 100_000 {
		lists, objects = []any{lists}, map[string]any{"a": objects}
	}
	old := debug.SetMaxStack(1 << 20)
	defer debug.SetMaxStack(old)
	if !deeper(lists, 32) || !deeper(objects, 32) {
		t.Error("a value 100,000 deep is not deeper than 32")
	}
	if deeper([]any{[]any{}, map[string]any{"a": []any{"x"}}}, 3) {
		t.Error("a value 3 deep is deeper than 3")
	}
	if !deeper([]any{[]any{}, map[string]any{"a": []any{[]any{}}}}, 3) {
		t.Error("a value 4 deep is not deeper than 3")
	}
}
