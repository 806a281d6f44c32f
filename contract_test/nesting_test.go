package contract_test

// AnyValue, the spec's "any JSON value": it accepts every JSON value at every level, a request
// may nest lists and objects at most 32 deep in one, and what was refused around it still is.

import (
	"strings"
	"testing"
)

// nested is a JSON value of lists (kind "lists") or objects (kind "objects") nested depth deep:
// [[[]]] and {"a":{"a":{}}} are 3 deep.
func nested(kind string, depth int) string {
	if kind == "lists" {
		return strings.Repeat("[", depth) + strings.Repeat("]", depth)
	}
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

// valueSites are the places of a request that hold any JSON value: body(v) puts v there, and
// pointer names it.
var valueSites = []struct {
	op, pointer string
	body        func(v string) string
}{
	{"PatchUser", "/customAttributes/v", func(v string) string { return `{"loginId":"a","customAttributes":{"v":` + v + `}}` }},
	{"PatchUserBatch", "/users/1/customAttributes/v", func(v string) string {
		return `{"users":[{"loginId":"b"},{"loginId":"a","customAttributes":{"v":` + v + `}}]}`
	}},
	{"UpdateUser", "/customAttributes/v", func(v string) string { return `{"loginId":"a","customAttributes":{"v":` + v + `}}` }},
	{"UpdateUserCustomAttribute", "/attributeValue", func(v string) string {
		return `{"loginId":"a","attributeKey":"k","attributeValue":` + v + `}`
	}},
	{"SearchUsers", "/customAttributes/v", func(v string) string { return `{"customAttributes":{"v":` + v + `}}` }},
	{"SearchTestUsers", "/customAttributes/v", func(v string) string { return `{"customAttributes":{"v":` + v + `}}` }},
}

// everyKind holds every kind of JSON value, null included, at every level it can be at.
var everyKind = []string{
	`null`, `"x"`, `""`, `0`, `-1.5e3`, `true`, `false`, `[]`, `{}`, `[null]`, `{"z":null}`,
	`["x",2,true,null,[],{},[null,[null,{"z":null}]],{"l":[null,"x"],"o":{"z":null}}]`,
	`{"s":"x","n":1.5,"b":false,"z":null,"l":[null,[null],{"z":[null]}],"o":{"o":{"z":null,"l":[]}}}`,
}

// TestAnyValueAcceptsEveryJSONValue: every kind of JSON value, null included, at every level, is
// accepted wherever a request takes any JSON value, and so are values nested 32 deep, the limit;
// answers carry them too, deeper than the limit as well.
func TestAnyValueAcceptsEveryJSONValue(t *testing.T) {
	t.Parallel()
	values := append([]string{nested("lists", 32), nested("objects", 32)}, everyKind...)
	for _, site := range valueSites {
		t.Run(site.op, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{example: true})
			for _, v := range values {
				if _, err := f.send(t, operationByID(t, site.op), request{body: site.body(v)}); err != nil {
					t.Errorf("%s refused: %v", v, err)
				}
			}
		})
	}
	t.Run("answers", func(t *testing.T) {
		t.Parallel()
		for _, v := range append([]string{nested("lists", 64), nested("objects", 64)}, values...) {
			f := newFakeAPI(t, reply{body: `{"user":{"loginIds":["a"],"customAttributes":{"v":` + v + `}}}`})
			if _, err := f.sendValid(t, operationByID(t, "PatchUser")); err != nil {
				t.Errorf("%s refused: %v", v, err)
			}
		}
	})
}

// TestAnyValueNeighboursStillRefused: the custom attributes themselves must be an object, in
// requests and answers, whatever their values may be.
func TestAnyValueNeighboursStillRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		op, body string
		wants    []string
	}{
		{"PatchUser", `{"loginId":"a","customAttributes":7}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"PatchUser", `{"loginId":"a","customAttributes":null}`, []string{`"/customAttributes"`, "not nullable"}},
		{"PatchUserBatch", `{"users":[{"loginId":"a","customAttributes":"x"}]}`, []string{`"/users/0/customAttributes"`, "value must be an object"}},
		{"UpdateUser", `{"loginId":"a","customAttributes":[{"k":1}]}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"SearchUsers", `{"customAttributes":true}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"SearchTestUsers", `{"customAttributes":["plan"]}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"UpdateUserCustomAttribute", `{"loginId":"a","attributeValue":[null]}`, []string{`property "attributeKey" is missing`}},
	}
	for _, tc := range cases {
		f := newFakeAPI(t, reply{example: true})
		_, err := f.send(t, operationByID(t, tc.op), request{body: tc.body})
		assertRequestRejected(t, err, tc.op, tc.wants...)
		f.assertNotHit(t)
	}
	for _, body := range []string{
		`{"user":{"customAttributes":7}}`, `{"user":{"customAttributes":[null]}}`, `{"user":{"customAttributes":"x"}}`,
	} {
		f := newFakeAPI(t, reply{body: body})
		_, err := f.sendValid(t, operationByID(t, "PatchUser"))
		assertResponseRejected(t, err, "PatchUser", 200, `"/user/customAttributes"`, "value must be an object")
	}
}

// TestAnyValueTooDeepRefused: a request nesting lists or objects 33 deep, one more than the
// limit, in any place that takes any JSON value, is refused naming the place and the limit, and
// never reaches the server.
func TestAnyValueTooDeepRefused(t *testing.T) {
	t.Parallel()
	for _, site := range valueSites {
		for _, kind := range []string{"lists", "objects"} {
			t.Run(site.op+"/"+kind, func(t *testing.T) {
				t.Parallel()
				f := newFakeAPI(t, reply{example: true})
				_, err := f.send(t, operationByID(t, site.op), request{body: site.body(nested(kind, 33))})
				assertRequestRejected(t, err, site.op, `"`+site.pointer+`"`, "32")
				f.assertNotHit(t)
			})
		}
	}
}
