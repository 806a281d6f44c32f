package apitest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// nested is a JSON value of lists (kind "lists") or objects (kind "objects") nested depth deep:
// [[[]]] and {"a":{"a":{}}} are 3 deep.
func nested(kind string, depth int) string {
	if kind == "lists" {
		return strings.Repeat("[", depth) + strings.Repeat("]", depth)
	}
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

// valueSites are the requests that carry any JSON value, each with the JSON pointer of the value
// in body(value).
var valueSites = []struct {
	op, method, path, pointer string
	body                      func(value string) string
}{
	{"PatchUser", http.MethodPatch, "/v1/mgmt/user/patch", "/customAttributes/deep",
		func(v string) string { return `{"loginId":"jane@example.com","customAttributes":{"deep":` + v + `}}` }},
	{"PatchUserBatch", http.MethodPatch, "/v1/mgmt/user/patch/batch", "/users/1/customAttributes/deep",
		func(v string) string {
			return `{"users":[{"loginId":"bob@example.com"},{"loginId":"jane@example.com","customAttributes":{"deep":` + v + `}}]}`
		}},
	{"UpdateUser", http.MethodPost, "/v1/mgmt/user/update", "/customAttributes/deep",
		func(v string) string { return `{"loginId":"jane@example.com","customAttributes":{"deep":` + v + `}}` }},
	{"UpdateUserCustomAttribute", http.MethodPost, "/v1/mgmt/user/update/customAttribute", "/attributeValue",
		func(v string) string {
			return `{"loginId":"jane@example.com","attributeKey":"deep","attributeValue":` + v + `}`
		}},
	{"SearchUsers", http.MethodPost, "/v2/mgmt/user/search", "/customAttributes/deep",
		func(v string) string { return `{"customAttributes":{"deep":` + v + `}}` }},
	{"SearchTestUsers", http.MethodPost, "/v2/mgmt/user/search/test", "/customAttributes/deep",
		func(v string) string { return `{"customAttributes":{"deep":` + v + `}}` }},
}

// TestFakeRefusesDeepValues: a request whose value nests lists or objects 33 deep, one more than
// the limit, gets Descope's 400 E011003 naming the field and the limit, and changes nothing; one
// 32 deep is served. The fake validates its answers too (a testing.TB is given), so the stored
// value's way back is checked as well.
func TestFakeRefusesDeepValues(t *testing.T) {
	for _, site := range valueSites {
		for _, kind := range []string{"lists", "objects"} {
			t.Run(site.op+"/"+kind, func(t *testing.T) {
				s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
				r := raw(t, s, site.method, site.path, bearer(s), site.body(nested(kind, 33)))
				wantError(t, "33 deep", r.Status, &r.Error, http.StatusBadRequest, api.CodeValidationFailed)
				for _, want := range []string{site.op, `"` + site.pointer + `"`, "32"} {
					if !strings.Contains(r.Error.ErrorMessage, want) {
						t.Errorf("the message does not name %s: %q", want, r.Error.ErrorMessage)
					}
				}
				if u, _ := s.User("jane@example.com"); u.CustomAttributes["deep"] != nil {
					t.Errorf("a refused request changed the user: %v", u.CustomAttributes["deep"])
				}

				r = raw(t, s, site.method, site.path, bearer(s), site.body(nested(kind, 32)))
				if r.Status != http.StatusOK {
					t.Fatalf("32 deep: %d %s", r.Status, r.Body)
				}
			})
		}
	}
}

// TestFakeAnswersDeepStoredValues: answers are not limited; a stored value nested deeper than
// the limit is served, validated, whole.
func TestFakeAnswersDeepStoredValues(t *testing.T) {
	var deep any
	if err := json.Unmarshal([]byte(nested("lists", 64)), &deep); err != nil {
		t.Fatal(err)
	}
	u := jane()
	u.CustomAttributes = map[string]any{"deep": deep}
	s := apitest.NewServer(t, apitest.WithUsers(u))
	r := raw(t, s, http.MethodGet, "/v1/mgmt/user?loginId=jane@example.com", bearer(s), "")
	if r.Status != http.StatusOK {
		t.Fatalf("load: %d %s", r.Status, r.Body)
	}
	var got gen.UserResponse
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got.User.CustomAttributes["deep"]); string(b) != nested("lists", 64) {
		t.Errorf("served %s", b)
	}
}

// TestFakeRefusesFarTooDeepValues: values thousands of levels deep are refused as well, with the
// same answer, whether the spec's limit (5,000) or the JSON decoder's (100,000) catches them.
func TestFakeRefusesFarTooDeepValues(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	for _, depth := range []int{5_000, 100_000} {
		r := raw(t, s, http.MethodPatch, "/v1/mgmt/user/patch", bearer(s), valueSites[0].body(nested("lists", depth)))
		wantError(t, "deep", r.Status, &r.Error, http.StatusBadRequest, api.CodeValidationFailed)
	}
}
