package contract_test

// Twins (x-twin-of): an operation served on a second path, for the SDKs that call it there. The
// spec gives it its original's body and answers; the fake must answer it as it answers the
// original, and do the same.

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// twinBodies are the bodies sent to each twin and to its original, besides both operations'
// request examples, by the original's operationId: ones the fake applies, and ones it refuses
// for each reason it has (the contract, an unknown user, a conflict).
var twinBodies = map[string][]string{
	"UpdateUserAddRoles": {
		`{"loginId":"jane@example.com","roleNames":["billing","viewer"]}`,
		`{"loginId":"jane","tenantId":"T1","roleNames":["owner"]}`,
		`{"loginId":"U2bob","tenantId":"","roleNames":null}`,
		`{"identifier":"bob@example.com","roleNames":["billing"]}`,
		`{"loginId":"jane@example.com","tenantId":"T9","roleNames":["owner"]}`,
		`{"loginId":"ghost@example.com","roleNames":["billing"]}`,
		`{"loginId":"jane@example.com","identifier":"bob@example.com","roleNames":["billing"]}`,
		`{"roleNames":["billing"]}`,
		`{"loginId":"jane@example.com","roleNames":[""]}`,
	},
	"SearchUsers": {
		`{}`,
		`{"withTestUser":true,"sort":[{"field":"createdTime","desc":true}]}`,
		`{"fromCreatedTime":"1740000000000","toCreatedTime":1760000000000}`,
		`{"limit":1,"page":1}`,
		`{"text":"example.com","offset":1,"limit":1}`,
		`{"statuses":["disabled"],"verifiedEmail":false}`,
		`{"identifier":"bob@example.com"}`,
		`{"sort":[{"field":"nickname"}]}`,
		`{"statuses":["active"]}`,
		`{"fromCreatedTime":"abc"}`,
	},
}

// TestTwinsAnswerAsTheirOriginal: for every twin of the spec, the spec gives it the same request
// schema and the same answers as its original and marks it deprecated; and the fake, sent the
// same body on both paths (each on its own fake holding the same users), answers with the same
// status and the same body, modulo modifiedTime (the second at which a change is stamped) and
// the operation's own name in a validation message, and leaves the same users behind.
func TestTwinsAnswerAsTheirOriginal(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	twins := twinsOf(t, doc)
	if len(twins) == 0 {
		t.Fatal("the spec marks no operation x-twin-of")
	}
	for original := range twinBodies {
		if !slices.Contains(slices.Collect(maps.Values(twins)), original) {
			t.Errorf("twinBodies has bodies for %s, which has no twin", original)
		}
	}
	for twin, original := range twins {
		t.Run(twin, func(t *testing.T) {
			t.Parallel()
			tw, or := operationByID(t, twin), operationByID(t, original)
			twOp, orOp := doc.Paths.Value(tw.Path).GetOperation(tw.Method), doc.Paths.Value(or.Path).GetOperation(or.Method)
			if !twOp.Deprecated {
				t.Errorf("%s is not marked deprecated", twin)
			}
			if g, w := requestRef(twOp), requestRef(orOp); g == "" || g != w {
				t.Errorf("%s takes %q, %s %q", twin, g, original, w)
			}
			if g, w := responseRefs(twOp), responseRefs(orOp); !reflect.DeepEqual(g, w) {
				t.Errorf("%s answers %v, %s %v", twin, g, original, w)
			}

			extra, ok := twinBodies[original]
			if !ok {
				t.Fatalf("twinBodies has no bodies for the twins of %s", original)
			}
			bodies := append(requestExamples(t, twOp), requestExamples(t, orOp)...)
			bodies = append(bodies, extra...)
			statuses := map[int]int{}
			for _, body := range bodies {
				a, b := newSDKFake(t), newSDKFake(t)
				sa, ba, err := callAt(t, http.DefaultClient, a.URL, or.Method, or.Path, body, nil)
				if err != nil {
					t.Fatal(err)
				}
				sb, bb, err := callAt(t, http.DefaultClient, b.URL, tw.Method, tw.Path, body, nil)
				if err != nil {
					t.Fatal(err)
				}
				statuses[sa]++
				if ga, gb := twinAnswer(t, ba, twin, original), twinAnswer(t, bb, twin, original); sa != sb || !reflect.DeepEqual(ga, gb) {
					t.Errorf("%s: %s answered %d %s, %s %d %s", body, original, sa, ba, twin, sb, bb)
				}
				ua, ub := a.Users(), b.Users()
				if len(ua) != len(ub) {
					t.Fatalf("%s: %d users after %s, %d after %s", body, len(ua), original, len(ub), twin)
				}
				for i := range ua {
					if err := sameUser(ub[i], ua[i]); err != nil {
						t.Errorf("%s: after %s, %s differs from after %s: %v", body, twin, ua[i].UserID, original, err)
					}
				}
			}
			// Both kinds of answer were compared.
			if statuses[http.StatusOK] == 0 || statuses[http.StatusOK] == len(bodies) {
				t.Errorf("%s's bodies were answered %v: want some applied and some refused", original, statuses)
			}
		})
	}
}

func requestRef(op *openapi3.Operation) string {
	if op.RequestBody == nil {
		return ""
	}
	return op.RequestBody.Value.Content.Get("application/json").Schema.Ref
}

// responseRefs are the schemas of an operation's answers, by status.
func responseRefs(op *openapi3.Operation) map[string]string {
	out := map[string]string{}
	for status, r := range op.Responses.Map() {
		ref := r.Ref
		if mt := r.Value.Content.Get("application/json"); mt != nil {
			ref += " " + mt.Schema.Ref
		}
		out[status] = ref
	}
	return out
}

// requestExamples are the JSON bodies of an operation's request examples.
func requestExamples(t *testing.T, op *openapi3.Operation) []string {
	t.Helper()
	mt := op.RequestBody.Value.Content.Get("application/json")
	var out []string
	for _, name := range sortedKeys(mt.Examples) {
		out = append(out, string(mustJSON(t, mt.Examples[name].Value.Value)))
	}
	return out
}

// twinAnswer decodes an answer with every modifiedTime left out and the twin's operationId
// written as its original's (unless twin is ""), so that a twin's answer and its original's
// compare equal.
func twinAnswer(t *testing.T, body []byte, twin, original string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "modifiedTime")
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		case string:
			if twin != "" {
				return strings.ReplaceAll(v, twin, original)
			}
		}
		return v
	}
	return walk(v)
}

// The comparison has teeth: answers that differ in anything but modifiedTime and the twin's
// name differ.
func TestTwinAnswerComparison(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{`{"user":{"userId":"U1","modifiedTime":1}}`, `{"user":{"userId":"U1","modifiedTime":2}}`},
		{`{"errorMessage":"SearchUsers: request does not match"}`, `{"errorMessage":"SearchUsersV1: request does not match"}`},
		{`{"users":[{"userId":"U1","modifiedTime":1}],"total":1}`, `{"users":[{"userId":"U1","modifiedTime":5}],"total":1}`},
	}
	differ := [][2]string{
		{`{"user":{"userId":"U1","createdTime":1}}`, `{"user":{"userId":"U1","createdTime":2}}`},
		{`{"users":[{"userId":"U1"}],"total":1}`, `{"users":[{"userId":"U1"}],"total":2}`},
		{`{"users":[{"userId":"U1"},{"userId":"U2"}]}`, `{"users":[{"userId":"U2"},{"userId":"U1"}]}`},
		{`{"errorMessage":"SearchUsers: x"}`, `{"errorMessage":"SearchTestUsers: x"}`},
	}
	for _, p := range same {
		if a, b := twinAnswer(t, []byte(p[0]), "SearchUsersV1", "SearchUsers"), twinAnswer(t, []byte(p[1]), "SearchUsersV1", "SearchUsers"); !reflect.DeepEqual(a, b) {
			t.Errorf("%s and %s differ", p[0], p[1])
		}
	}
	for _, p := range differ {
		if a, b := twinAnswer(t, []byte(p[0]), "SearchUsersV1", "SearchUsers"), twinAnswer(t, []byte(p[1]), "SearchUsersV1", "SearchUsers"); reflect.DeepEqual(a, b) {
			t.Errorf("%s and %s compare equal", p[0], p[1])
		}
	}
}
