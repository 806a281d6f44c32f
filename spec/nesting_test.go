package spec_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// nested is a JSON value of lists (kind "lists") or objects (kind "objects") nested depth deep:
// [[[]]] and {"a":{"a":{}}} are 3 deep. The innermost one is empty, so the value's size grows
// with depth alone.
func nested(kind string, depth int) string {
	if kind == "lists" {
		return strings.Repeat("[", depth) + strings.Repeat("]", depth)
	}
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

// patchRequest is a PatchUser request whose custom attribute "deep" is value.
func patchRequest(value string) *http.Request {
	body := `{"loginId":"a","customAttributes":{"deep":` + value + `}}`
	req, _ := http.NewRequest(http.MethodPatch, "http://127.0.0.1/v1/mgmt/user/patch", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer P2test:K2test")
	return req
}

// userAnswer is a 200 answer to PatchUser whose user's custom attribute "deep" is value.
func userAnswer(value string) []byte {
	return []byte(`{"user":{"loginIds":["a"],"userId":"U2a","customAttributes":{"deep":` + value + `}}}`)
}

func validator(t testing.TB) *spec.Validator {
	t.Helper()
	v, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func validateRequest(v *spec.Validator, value string) error {
	_, err := v.ValidateRequest(context.Background(), patchRequest(value))
	return err
}

func validateResponse(v *spec.Validator, value string) error {
	req := patchRequest(`1`)
	route, err := v.RouteFor(req)
	if err != nil {
		return err
	}
	h := http.Header{"Content-Type": {"application/json"}}
	return v.ValidateResponse(context.Background(), route, req, http.StatusOK, h, userAnswer(value))
}

// TestValidationIsLinearInNesting counts what validating a value nested d deep allocates against
// one nested 2d deep, for requests and responses, lists and objects. Work that grows linearly
// with the depth, a + b·d, at most doubles; kin-openapi's anyOf validated a recursive AnyValue
// twice per level, 2^d, and the ratio was then 2^d.
func TestValidationIsLinearInNesting(t *testing.T) {
	v := validator(t)
	const d = 8
	for _, side := range []struct {
		name     string
		validate func(*spec.Validator, string) error
	}{{"request", validateRequest}, {"response", validateResponse}} {
		for _, kind := range []string{"lists", "objects"} {
			t.Run(side.name+"/"+kind, func(t *testing.T) {
				allocs := func(depth int) float64 {
					value := nested(kind, depth)
					if err := side.validate(v, value); err != nil {
						t.Fatalf("%d deep: %v", depth, err)
					}
					return testing.AllocsPerRun(1, func() { _ = side.validate(v, value) })
				}
				a1, a2 := allocs(d), allocs(2*d)
				t.Logf("allocations: %d deep %.0f, %d deep %.0f (ratio %.2f)", d, a1, 2*d, a2, a2/a1)
				if a2 > 2*a1 {
					t.Errorf("validating a value nested %d deep allocates %.0f times, %.2f times as much as %d deep (%.0f): not linear in the depth", 2*d, a2, a2/a1, d, a1)
				}
			})
		}
	}
}

// TestNestingLimitOnRequestsOnly: a request may nest lists and objects 32 deep in a value
// (AnyValue's x-max-depth), not 33, and the refusal names the value's place and the limit;
// brackets inside a string are not nesting; answers are not limited.
func TestNestingLimitOnRequestsOnly(t *testing.T) {
	v := validator(t)
	for _, kind := range []string{"lists", "objects"} {
		if err := validateRequest(v, nested(kind, 32)); err != nil {
			t.Errorf("%s 32 deep: %v", kind, err)
		}
		for _, depth := range []int{33, 5000} {
			err := validateRequest(v, nested(kind, depth))
			if err == nil || !strings.Contains(err.Error(), `at "/customAttributes/deep": lists and objects nest more than 32 deep`) {
				t.Errorf("%s %d deep: err = %v", kind, depth, err)
			}
		}
		if err := validateResponse(v, nested(kind, 100)); err != nil {
			t.Errorf("an answer %s 100 deep: %v", kind, err)
		}
	}
	if err := validateRequest(v, `"`+nested("lists", 40)+`"`); err != nil {
		t.Errorf("a string of brackets: %v", err)
	}
}
