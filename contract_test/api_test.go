package contract_test

// The hand-written package api goes through the same gate: every request it builds is validated
// against the spec before it leaves, and every response it accepts after it arrives.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

const apiUserReply = `{"user":{"loginIds":["jane@example.com"],"userId":"U2abc","customAttributes":{"n":1,"s":"x","b":true,"l":[1,"a"],"o":{"k":null}}},"created":false}`

// apiClient is an api.Client whose transport is the validating one. Retries are off, so that a
// rejection by the gate surfaces as it is instead of being retried as a connection error.
func (f *fakeAPI) apiClient(t *testing.T) *api.Client {
	t.Helper()
	c, err := api.New(testProjectID, testKey, api.WithBaseURL(f.srv.URL), api.WithHTTPClient(httpClient(t)),
		api.WithResponseValidation(), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiCall is one call of a method of api.Client: one row per method, or per variant of one, in
// apiCalls. The calls name jane@example.com, whom the fakes know (as U2abc), and
// ghost@example.com, whom they do not.
type apiCall struct {
	method  string // the api.Client method called; the coverage test checks it exists
	variant string
	call    func(context.Context, *api.Client) error
	keys    []string // the keys of the body it sends, exactly; nil for no body
}

func (c apiCall) name() string { return strings.TrimSuffix(c.method+" "+c.variant, " ") }

// fullPatch sets every field of a patch, for the calls that send one.
var everyFieldPatch = api.UserPatch{
	LoginID: "jane@example.com", UserID: ptr("U2abc"), Email: ptr("jane@example.com"), Phone: ptr("+15555550100"),
	VerifiedEmail: ptr(true), VerifiedPhone: ptr(false), Name: ptr(""), GivenName: ptr("Jane"), MiddleName: ptr(""),
	FamilyName: ptr("Doe"), Picture: ptr(""), Status: ptr(api.UserStatusDisabled), RoleNames: ptr([]string{}),
	UserTenants:      ptr([]api.TenantPatch{{TenantID: "T1", RoleNames: ptr([]string{"admin"})}, {TenantID: "T2"}}),
	CustomAttributes: ptr(map[string]any{"s": "x", "n": 1.5, "b": false, "l": []any{"a", 1}, "o": map[string]any{"k": "v"}, "gone": nil}),
	SsoAppIDs:        ptr([]string{"app"}), Scim: ptr(true), AdditionalLoginIDs: ptr([]string{"jd"}),
}

var apiCalls = []apiCall{
	{"UpdateCustomAttribute", "null", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "dept", nil)
		return err
	}, []string{"loginId", "attributeKey", "attributeValue"}},
	{"UpdateCustomAttribute", "object", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "dept", map[string]any{"a": []int{1, 2}})
		return err
	}, []string{"loginId", "attributeKey", "attributeValue"}},
	{"UpdateDisplayName", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateDisplayName(ctx, "jane@example.com", "Jane Doe")
		return err
	}, []string{"loginId", "name", "displayName"}},
	{"UpdateUserNames", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateUserNames(ctx, "jane@example.com", "Jane", "", "Doe")
		return err
	}, []string{"loginId", "givenName", "middleName", "familyName"}},
	{"UpdatePicture", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdatePicture(ctx, "jane@example.com", "")
		return err
	}, []string{"loginId", "picture"}},
	{"UpdatePhone", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdatePhone(ctx, "jane@example.com", "+15555550100", true, true)
		return err
	}, []string{"loginId", "phone", "verified", "failOnConflict"}},
	{"Patch", "every field", func(ctx context.Context, c *api.Client) error {
		_, err := c.Patch(ctx, everyFieldPatch)
		return err
	}, []string{"loginId", "userId", "email", "phone", "verifiedEmail", "verifiedPhone", "name", "givenName", "middleName",
		"familyName", "picture", "status", "roleNames", "userTenants", "customAttributes", "ssoAppIds", "scim", "additionalLoginIds"}},
	{"Patch", "login only", func(ctx context.Context, c *api.Client) error {
		_, err := c.Patch(ctx, api.UserPatch{LoginID: "jane@example.com"})
		return err
	}, []string{"loginId"}},
	{"PatchBatch", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchBatch(ctx, []api.UserPatch{everyFieldPatch, {LoginID: "ghost@example.com"}})
		if err == nil && strings.Join(res.FailedLoginIDs(), ",") != "ghost@example.com" {
			return fmt.Errorf("failed login IDs %v", res.FailedLoginIDs())
		}
		return err
	}, []string{"users"}},
	{"PatchSeq", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchSeq(ctx, slices.Values([]api.UserPatch{{LoginID: "jane@example.com", Name: ptr("Jane")}}))
		if err == nil && res.Patched != 1 {
			return fmt.Errorf("patched %d", res.Patched)
		}
		return err
	}, []string{"users"}},
	{"RateLimitTier", "", func(ctx context.Context, c *api.Client) error {
		tier, err := c.RateLimitTier(ctx)
		if err == nil && !strings.HasPrefix(tier, "tier") {
			return fmt.Errorf("tier %q", tier)
		}
		return err
	}, nil},
	{"PatchAll", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchAll(ctx, []api.UserPatch{everyFieldPatch, {LoginID: "ghost@example.com"}})
		if err == nil && (res.Patched != 1 || res.Failed != 1) {
			return fmt.Errorf("patched %d failed %d", res.Patched, res.Failed)
		}
		return err
	}, []string{"users"}},
}

// Every api call goes through the validating transport to a server that answers with the
// spec's examples: its request and the example answer both pass, and it sends what it should.
func TestAPIMethodsPassTheGate(t *testing.T) {
	t.Parallel()
	for _, tc := range apiCalls {
		t.Run(tc.name(), func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{example: true})
			if err := tc.call(t.Context(), f.apiClient(t)); err != nil {
				t.Fatal(err)
			}
			got := f.last(t)
			if got.header.Get("Authorization") != testBearer {
				t.Fatalf("sent %s %s with auth %q", got.method, got.path, got.header.Get("Authorization"))
			}
			if tc.keys == nil {
				if len(got.body) != 0 {
					t.Fatalf("sent a body %s, want none", got.body)
				}
				return
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(got.body, &keys); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sortedKeys(keys), slices.Sorted(slices.Values(tc.keys))) {
				t.Fatalf("sent keys %v, want %v", sortedKeys(keys), tc.keys)
			}
		})
	}
}

// The gate has teeth against the api package too: a response that drifts from the spec is
// refused by the validating transport, and the api client reports it without a panic.
func TestAPIResponseDriftIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, reply{body: `{"user":{"createdTime":"yesterday"}}`})
	_, err := f.apiClient(t).UpdatePicture(context.Background(), "jane@example.com", "")
	if err == nil || !strings.Contains(err.Error(), "/user/createdTime") {
		t.Fatalf("err = %v, want a rejection naming /user/createdTime", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatal("the error carries the key")
	}
}

// A request the api package sends to a path the spec does not know (here through a base URL
// with an unknown prefix) is stopped before the server, never passed through unvalidated.
func TestAPIUnknownOperationIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, reply{body: apiUserReply})
	c, err := api.New(testProjectID, testKey, api.WithBaseURL(f.srv.URL+"/v2"), api.WithHTTPClient(httpClient(t)), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdatePicture(context.Background(), "jane@example.com", "")
	if !errors.Is(err, spec.ErrNoOperation) {
		t.Fatalf("err = %v, want ErrNoOperation", err)
	}
	f.assertNotHit(t)
}
