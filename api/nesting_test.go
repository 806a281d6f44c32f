package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// depthLimit is MaxValueDepth as the tests spell it out: lists and objects may nest 32 deep.
const depthLimit = 32

// TestMaxValueDepthIsTheSpecs: the client's limit is 32, the one the spec sets on AnyValue.
func TestMaxValueDepthIsTheSpecs(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	x := doc.Components.Schemas["AnyValue"].Value.Extensions[spec.MaxDepthExtension]
	if MaxValueDepth != depthLimit || x != float64(MaxValueDepth) {
		t.Errorf("MaxValueDepth = %d, AnyValue's %s = %v, want both %d", MaxValueDepth, spec.MaxDepthExtension, x, depthLimit)
	}
}

// deepValue returns lists ("lists") or objects ("objects") nested depth deep, built without
// recursion: [[[]]] and {"a":{"a":{}}} are 3 deep.
func deepValue(kind string, depth int) any {
	var v any = []any{}
	if kind == "objects" {
		v = map[string]any{}
	}
	for i := 1; i < depth; i++ {
		if kind == "objects" {
			v = map[string]any{"a": v}
		} else {
			v = []any{v}
		}
	}
	return v
}

// depthOf measures a decoded JSON value's nesting, without recursion.
func depthOf(v any) int {
	type item struct {
		v any
		d int
	}
	deepest, stack := 0, []item{{v, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v := it.v.(type) {
		case []any:
			deepest = max(deepest, it.d+1)
			for _, e := range v {
				stack = append(stack, item{e, it.d + 1})
			}
		case map[string]any:
			deepest = max(deepest, it.d+1)
			for _, e := range v {
				stack = append(stack, item{e, it.d + 1})
			}
		}
	}
	return deepest
}

// deepCalls are the calls that send custom attribute values, each with attrs among the values
// it sends, and what its error names.
func deepCalls(c *Client, attrs map[string]any) []struct {
	name string
	run  func(context.Context) error
	want string
} {
	patch := UserPatch{LoginID: "jane@example.com", CustomAttributes: &attrs}
	return []struct {
		name string
		run  func(context.Context) error
		want string
	}{
		{"UpdateCustomAttribute", func(ctx context.Context) error {
			_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "deep", attrs["deep"])
			return err
		}, `attribute "deep"`},
		{"CheckPatch", func(context.Context) error { return CheckPatch(patch) }, `customAttributes["deep"]`},
		{"Patch", func(ctx context.Context) error {
			_, err := c.Patch(ctx, patch)
			return err
		}, `patch (loginId "jane@example.com"): customAttributes["deep"]`},
		{"PatchBatch", func(ctx context.Context) error {
			_, err := c.PatchBatch(ctx, []UserPatch{{LoginID: "joe@example.com"}, patch})
			return err
		}, `patches[1] (loginId "jane@example.com"): customAttributes["deep"]`},
		{"PatchAll", func(ctx context.Context) error {
			res, err := c.PatchAll(ctx, []UserPatch{patch})
			if err != nil {
				return err
			}
			return res.Results[0].Err
		}, `patches[0] (loginId "jane@example.com"): customAttributes["deep"]`},
		{"PlanSync", func(ctx context.Context) error {
			_, err := c.PlanSync(ctx, []UserPatch{patch})
			return err
		}, `desired[0] (loginId "jane@example.com"): customAttributes["deep"]`},
		{"Update", func(ctx context.Context) error {
			_, err := c.Update(ctx, UserUpdate{LoginID: "jane@example.com", CustomAttributes: attrs})
			return err
		}, `customAttributes["deep"]`},
		{"Search", func(ctx context.Context) error {
			_, _, err := c.Search(ctx, SearchOptions{CustomAttributes: attrs})
			return err
		}, `search customAttributes["deep"]`},
		{"SearchTestUsers", func(ctx context.Context) error {
			_, _, err := c.SearchTestUsers(ctx, SearchOptions{CustomAttributes: attrs})
			return err
		}, `search customAttributes["deep"]`},
		{"SearchAll", func(ctx context.Context) error {
			for _, err := range c.SearchAll(ctx, SearchOptions{CustomAttributes: attrs}) {
				if err != nil {
					return err
				}
			}
			return nil
		}, `search customAttributes["deep"]`},
	}
}

// TestDeepValuesRefusedBeforeSending: a value of lists or objects nested one deeper than the
// limit is refused by every call that sends custom attribute values, naming the attribute and
// the limit, and nothing reaches the server.
func TestDeepValuesRefusedBeforeSending(t *testing.T) {
	for _, kind := range []string{"lists", "objects"} {
		t.Run(kind, func(t *testing.T) {
			c, s := newScripted(t, []http.HandlerFunc{ok()})
			attrs := map[string]any{"plan": "pro", "deep": deepValue(kind, depthLimit+1)}
			for _, tc := range deepCalls(c, attrs) {
				err := tc.run(context.Background())
				if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "32") {
					t.Errorf("%s: err = %v, want ErrInvalidArgument naming %s and the limit 32", tc.name, err, tc.want)
				}
			}
			if n := s.hits.Load(); n != 0 {
				t.Errorf("the server got %d requests, want none", n)
			}
		})
	}
}

// TestValuesAtTheDepthLimitAreSent: a value exactly at the limit goes out, whole.
func TestValuesAtTheDepthLimitAreSent(t *testing.T) {
	for _, kind := range []string{"lists", "objects"} {
		t.Run(kind, func(t *testing.T) {
			c, s := newScripted(t, []http.HandlerFunc{ok()})
			value := deepValue(kind, depthLimit)
			if _, err := c.UpdateCustomAttribute(context.Background(), "jane@example.com", "deep", value); err != nil {
				t.Fatal(err)
			}
			var sent any
			if err := json.Unmarshal(s.lastBody()["attributeValue"], &sent); err != nil {
				t.Fatal(err)
			}
			if d := depthOf(sent); d != depthLimit {
				t.Errorf("sent a value %d deep, want %d", d, depthLimit)
			}
		})
	}
}

// TestVeryDeepValueRefusedWithoutDeepStack: a value nested 100,000 deep is refused, and the
// check stops at the limit: it runs with the goroutine stack capped at 1 MB, which a check that
// recursed through every level would overflow (a fatal error, not a failed test).
func TestVeryDeepValueRefusedWithoutDeepStack(t *testing.T) {
	for _, kind := range []string{"lists", "objects"} {
		deep := deepValue(kind, 100_000)
		patch := UserPatch{LoginID: "jane@example.com", CustomAttributes: &map[string]any{"deep": deep}}
		old := debug.SetMaxStack(1 << 20)
		err := CheckPatch(patch)
		debug.SetMaxStack(old)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), `customAttributes["deep"]`) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument naming the attribute", kind, err)
		}
	}
}

// TestResponseValidationReadsDeepValues: the limit is on what is sent. A client with
// WithResponseValidation reads a user whose attribute is nested 31 deep, or 64 (beyond the limit:
// answers are not limited), and gets the value whole.
func TestResponseValidationReadsDeepValues(t *testing.T) {
	for _, depth := range []int{depthLimit - 1, 2 * depthLimit} {
		for _, kind := range []string{"lists", "objects"} {
			value, err := json.Marshal(deepValue(kind, depth))
			if err != nil {
				t.Fatal(err)
			}
			answer := `{"user":{"loginIds":["jane@example.com"],"userId":"U1","customAttributes":{"deep":` + string(value) + `}}}`
			c, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, answer)}, WithResponseValidation(specValidator(t)))
			u, err := c.Load(context.Background(), "jane@example.com")
			if err != nil {
				t.Fatalf("%s %d deep: %v", kind, depth, err)
			}
			if d := depthOf(u.CustomAttributes["deep"]); d != depth {
				t.Errorf("%s: read a value %d deep, want %d", kind, d, depth)
			}
		}
	}
}

// TestDeepTypedValuesRefused: values of other Go types are measured by the JSON they encode to: a
// json.RawMessage, a typed list, a struct.
func TestDeepTypedValuesRefused(t *testing.T) {
	raw := func(depth int) json.RawMessage {
		b, err := json.Marshal(deepValue("lists", depth))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type wrapper struct {
		Inner any `json:"inner"`
	}
	for _, tc := range []struct {
		name  string
		value any
		ok    bool
	}{
		{"raw JSON 32 deep", raw(depthLimit), true},
		{"raw JSON 33 deep", raw(depthLimit + 1), false},
		{"typed list holding 31", [][]any{{deepValue("lists", depthLimit-2)}}, true},
		{"typed list holding 32", [][]any{{deepValue("lists", depthLimit-1)}}, false},
		{"struct holding 31", wrapper{deepValue("objects", depthLimit-1)}, true},
		{"struct holding 32", wrapper{deepValue("objects", depthLimit)}, false},
		{"strings 32 deep", nestStrings(depthLimit - 1), true},
		{"strings 33 deep", nestStrings(depthLimit), false},
		{"a named integer", level(3), true},
	} {
		err := CheckPatch(UserPatch{LoginID: "a", CustomAttributes: &map[string]any{"v": tc.value}})
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (!errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "more than 32 deep")) {
			t.Errorf("%s: err = %v, want the depth refused", tc.name, err)
		}
	}
}

type level int

// nestStrings is a []string in lists: depth lists around it, depth+1 deep.
func nestStrings(depth int) any {
	var v any = []string{"x"}
	for range depth {
		v = []any{v}
	}
	return v
}
