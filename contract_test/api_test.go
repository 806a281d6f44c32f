package contract_test

// The hand-written package api goes through the same gate: every request it builds is validated
// against the spec before it leaves, and every response it accepts after it arrives.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

const apiUserReply = `{"user":{"loginIds":["jane@example.com"],"userId":"U2abc","customAttributes":{"n":1,"s":"x","b":true,"l":[1,"a"],"o":{"k":null}}},"created":false}`

// apiClient is an api.Client whose transport is the validating one. Retries are off, so that a
// rejection by the gate surfaces as it is instead of being retried as a connection error.
func (f *fakeAPI) apiClient(t *testing.T) *api.Client {
	t.Helper()
	v, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.New(testProjectID, testKey, api.WithBaseURL(f.srv.URL), api.WithHTTPClient(httpClient(t)),
		api.WithResponseValidation(v), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiCall is one call of a method of api.Client: one row per method, or per variant of one, in
// apiCalls. The calls name jane@example.com, whom the fakes know (as U2abc), user00009, and
// ghost@example.com, whom they do not. The coverage test runs them in order against one fake
// (api/apitest), so a row must leave jane usable for the rows after it.
type apiCall struct {
	method  string // the api.Client method called; the coverage test checks it exists
	variant string
	call    func(context.Context, *api.Client) error
	keys    []string // the keys of the body it sends, exactly; nil for no body, or a list body (UsersAuthHistory's)
	// fake checks what the call did to the fake's users, after it: the fake's behaviour test of
	// the operation. Nil for calls that change nothing or are checked elsewhere.
	fake func(s *apitest.Server) error
}

// fakeUser returns a user of the fake, or an error naming who is missing.
func fakeUser(s *apitest.Server, id string) (gen.User, error) {
	u, ok := s.User(id)
	if !ok {
		return u, fmt.Errorf("the fake has no user %s", id)
	}
	return u, nil
}

// want returns nil when ok, else an error saying what was wrong with got.
func want(ok bool, what string, got any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%s: got %+v", what, got)
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

// apiCalls are the rows: those of the update operations, then those of spec 1.3.0's
// (api_lifecycle_test.go).
var apiCalls = slices.Concat(updateCalls, lifecycleCalls)

var updateCalls = []apiCall{
	{"UpdateCustomAttribute", "null", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "dept", nil)
		return err
	}, []string{"loginId", "attributeKey", "attributeValue"}, nil},
	{"UpdateCustomAttribute", "object", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "dept", map[string]any{"a": []int{1, 2}})
		return err
	}, []string{"loginId", "attributeKey", "attributeValue"}, nil},
	{"UpdateDisplayName", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateDisplayName(ctx, "jane@example.com", "Jane Doe")
		return err
	}, []string{"loginId", "name", "displayName"}, nil},
	{"UpdateUserNames", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateUserNames(ctx, "jane@example.com", "Jane", "", "Doe")
		return err
	}, []string{"loginId", "givenName", "middleName", "familyName"}, nil},
	{"UpdatePicture", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdatePicture(ctx, "jane@example.com", "")
		return err
	}, []string{"loginId", "picture"}, nil},
	{"UpdatePhone", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdatePhone(ctx, "jane@example.com", "+15555550100", true, true)
		return err
	}, []string{"loginId", "phone", "verified", "failOnConflict"}, nil},
	{"Patch", "every field", func(ctx context.Context, c *api.Client) error {
		_, err := c.Patch(ctx, everyFieldPatch)
		return err
	}, []string{"loginId", "userId", "email", "phone", "verifiedEmail", "verifiedPhone", "name", "givenName", "middleName",
		"familyName", "picture", "status", "roleNames", "userTenants", "customAttributes", "ssoAppIds", "scim", "additionalLoginIds"}, nil},
	{"Patch", "login only", func(ctx context.Context, c *api.Client) error {
		_, err := c.Patch(ctx, api.UserPatch{LoginID: "jane@example.com"})
		return err
	}, []string{"loginId"}, nil},
	{"PatchBatch", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchBatch(ctx, []api.UserPatch{everyFieldPatch, {LoginID: "ghost@example.com"}})
		if err == nil && strings.Join(res.FailedLoginIDs(), ",") != "ghost@example.com" {
			return fmt.Errorf("failed login IDs %v", res.FailedLoginIDs())
		}
		return err
	}, []string{"users"}, nil},
	{"PatchSeq", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchSeq(ctx, slices.Values([]api.UserPatch{{LoginID: "jane@example.com", Name: ptr("Jane")}}))
		if err == nil && res.Applied != 1 {
			return fmt.Errorf("patched %d", res.Applied)
		}
		return err
	}, []string{"users"}, nil},
	{"RateLimitTier", "", func(ctx context.Context, c *api.Client) error {
		tier, err := c.RateLimitTier(ctx)
		if err == nil && !strings.HasPrefix(tier, "tier") {
			return fmt.Errorf("tier %q", tier)
		}
		return err
	}, nil, nil},
	{"PatchAll", "", func(ctx context.Context, c *api.Client) error {
		res, err := c.PatchAll(ctx, []api.UserPatch{everyFieldPatch, {LoginID: "ghost@example.com"}})
		if err == nil && (res.Applied != 1 || res.Failed != 1) {
			return fmt.Errorf("patched %d failed %d", res.Applied, res.Failed)
		}
		return err
	}, []string{"users"}, nil},

	{"Deactivate", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.Deactivate(ctx, "jane@example.com")
		return err
	}, []string{"loginId", "status"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.Status == "disabled", "status after Deactivate", u.Status))
	}},
	{"Activate", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.Activate(ctx, "jane@example.com")
		return err
	}, []string{"loginId", "status"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.Status == "enabled", "status after Activate", u.Status))
	}},
	{"UpdateLoginID", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateLoginID(ctx, "user00009@example.com", "user00009@example.org")
		return err
	}, []string{"loginId", "newLoginId"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "U2sample00009")
		return errors.Join(err, want(slices.Equal(u.LoginIDs, []string{"user00009@example.org"}), "login IDs after UpdateLoginID", u.LoginIDs))
	}},
	{"UpdateEmail", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateEmail(ctx, "jane@example.com", "jane.doe@example.com", true, true)
		return err
	}, []string{"loginId", "email", "verified", "failOnConflict"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.Email == "jane.doe@example.com" && u.VerifiedEmail, "email after UpdateEmail", u))
	}},
	{"UpdateRecoveryEmail", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateRecoveryEmail(ctx, "jane@example.com", "jane.backup@example.com", true)
		return err
	}, []string{"loginId", "recoveryEmail", "verified"}, func(s *apitest.Server) error {
		// Spec 1.2.0: the recovery contacts are fields of the user.
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.RecoveryEmail == "jane.backup@example.com" && u.VerifiedRecoveryEmail,
			"recovery email after UpdateRecoveryEmail", [2]any{u.RecoveryEmail, u.VerifiedRecoveryEmail}))
	}},
	{"UpdateRecoveryPhone", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.UpdateRecoveryPhone(ctx, "jane@example.com", "+15555550199", false)
		return err
	}, []string{"loginId", "recoveryPhone", "verified"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.RecoveryPhone == "+15555550199" && !u.VerifiedRecoveryPhone,
			"recovery phone after UpdateRecoveryPhone", [2]any{u.RecoveryPhone, u.VerifiedRecoveryPhone}))
	}},
	{"SetRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.SetRoles(ctx, "jane@example.com", []string{"viewer", "editor"})
		return err
	}, []string{"loginId", "roleNames"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.RoleNames, []string{"viewer", "editor"}), "roles after SetRoles", u.RoleNames))
	}},
	{"AddRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.AddRoles(ctx, "jane@example.com", []string{"editor", "admin"})
		return err
	}, []string{"loginId", "roleNames"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.RoleNames, []string{"viewer", "editor", "admin"}), "roles after AddRoles", u.RoleNames))
	}},
	{"RemoveRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.RemoveRoles(ctx, "jane@example.com", []string{"viewer", "nope"})
		return err
	}, []string{"loginId", "roleNames"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.RoleNames, []string{"editor", "admin"}), "roles after RemoveRoles", u.RoleNames))
	}},
	{"AddTenant", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.AddTenant(ctx, "jane@example.com", "T7")
		return err
	}, []string{"loginId", "tenantId"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.ContainsFunc(u.UserTenants, func(t gen.UserTenant) bool { return t.TenantID == "T7" }), "tenants after AddTenant", u.UserTenants))
	}},
	{"SetTenantRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.SetTenantRoles(ctx, "jane@example.com", "T7", []string{"member"})
		return err
	}, []string{"loginId", "tenantId", "roleNames"}, func(s *apitest.Server) error {
		return tenantRoles(s, "T7", "member")
	}},
	{"AddTenantRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.AddTenantRoles(ctx, "jane@example.com", "T7", []string{"owner"})
		return err
	}, []string{"loginId", "tenantId", "roleNames"}, func(s *apitest.Server) error {
		return tenantRoles(s, "T7", "member", "owner")
	}},
	{"RemoveTenantRoles", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.RemoveTenantRoles(ctx, "jane@example.com", "T7", []string{"member"})
		return err
	}, []string{"loginId", "tenantId", "roleNames"}, func(s *apitest.Server) error {
		return tenantRoles(s, "T7", "owner")
	}},
	{"RemoveTenant", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.RemoveTenant(ctx, "jane@example.com", "T7")
		return err
	}, []string{"loginId", "tenantId"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(!slices.ContainsFunc(u.UserTenants, func(t gen.UserTenant) bool { return t.TenantID == "T7" }), "tenants after RemoveTenant", u.UserTenants))
	}},
	{"SetSSOApps", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.SetSSOApps(ctx, "jane@example.com", []string{"app-1", "app-2"})
		return err
	}, []string{"loginId", "ssoAppIds"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.SsoAppIDs, []string{"app-1", "app-2"}), "apps after SetSSOApps", u.SsoAppIDs))
	}},
	{"AddSSOApps", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.AddSSOApps(ctx, "jane@example.com", []string{"app-2", "app-3"})
		return err
	}, []string{"loginId", "ssoAppIds"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.SsoAppIDs, []string{"app-1", "app-2", "app-3"}), "apps after AddSSOApps", u.SsoAppIDs))
	}},
	{"RemoveSSOApps", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.RemoveSSOApps(ctx, "jane@example.com", []string{"app-1"})
		return err
	}, []string{"loginId", "ssoAppIds"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(slices.Equal(u.SsoAppIDs, []string{"app-2", "app-3"}), "apps after RemoveSSOApps", u.SsoAppIDs))
	}},
	{"Load", "", func(ctx context.Context, c *api.Client) error {
		u, err := c.Load(ctx, "U2abc")
		if err == nil && u.UserID == "" {
			return fmt.Errorf("loaded %+v", u)
		}
		return err
	}, nil, nil},
	{"LoadUsers", "", func(ctx context.Context, c *api.Client) error {
		us, err := c.LoadUsers(ctx, []string{"U2abc", "U2nobody"}, true)
		if err == nil && len(us) == 0 {
			return errors.New("no users loaded")
		}
		return err
	}, []string{"userIds", "includeInvalidUsers"}, nil},
	{"Search", "", func(ctx context.Context, c *api.Client) error {
		us, total, err := c.Search(ctx, api.SearchOptions{RoleNames: []string{"admin"}, Limit: 10})
		if err == nil && (len(us) == 0 || total == 0) {
			return fmt.Errorf("found %d of %d", len(us), total)
		}
		return err
	}, []string{"roleNames", "limit"}, nil},
	// The first user of an iteration, one page: the paging itself is TestSearchAllPaging's (the
	// spec's example answer, one user of 85, would read as a server capping pages at one).
	{"SearchAll", "", func(ctx context.Context, c *api.Client) error {
		for _, err := range c.SearchAll(ctx, api.SearchOptions{Text: "example", Limit: 100}) {
			return err
		}
		return errors.New("SearchAll yielded no user")
	}, []string{"text", "limit"}, nil},
	{"SearchAllTestUsers", "", func(ctx context.Context, c *api.Client) error {
		for _, err := range c.SearchAllTestUsers(ctx, api.SearchOptions{Limit: 100}) {
			return err
		}
		return nil
	}, []string{"limit"}, nil},
	{"SearchTestUsers", "", func(ctx context.Context, c *api.Client) error {
		_, _, err := c.SearchTestUsers(ctx, api.SearchOptions{})
		return err
	}, []string{}, nil},
	{"Update", "", func(ctx context.Context, c *api.Client) error {
		_, err := c.Update(ctx, api.UserUpdate{
			LoginID: "jane@example.com", Email: "jane@example.com", VerifiedEmail: true, DisplayName: "Jane Doe",
			RoleNames: []string{"admin"}, AdditionalLoginIDs: []string{"jd"}, SSOAppIDs: []string{"app-9"},
		})
		return err
	}, []string{"loginId", "email", "verifiedEmail", "name", "displayName", "roleNames", "additionalLoginIds", "additionalIdentifiers", "ssoAppIds", "ssoAppIDs"},
		func(s *apitest.Server) error {
			u, err := fakeUser(s, "U2abc")
			return errors.Join(err, want(u.Name == "Jane Doe" && u.Phone == "" && slices.Equal(u.LoginIDs, []string{"jane@example.com", "jd"}) &&
				slices.Equal(u.SsoAppIDs, []string{"app-9"}) && slices.Equal(u.RoleNames, []string{"admin"}) && len(u.UserTenants) == 0,
				"user after Update (the rest cleared)", u))
		}},
	// The sync rows come after Update, which names jane "Jane Doe". The spec's example answer to a
	// search is a user without a name, so against it the desired "" already matches and the
	// row makes its one search; against the fake, jane differs and Sync patches her.
	{"PlanSync", "", func(ctx context.Context, c *api.Client) error {
		plan, err := c.PlanSync(ctx, []api.UserPatch{{LoginID: "jane@example.com", Name: ptr("")}})
		if err == nil && (plan.Total != 1 || plan.Missing != 0 || plan.Reads != 1) {
			return fmt.Errorf("plan %+v", plan)
		}
		return err
	}, []string{"loginIds", "limit", "withTestUser"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.Name == "Jane Doe", "name after PlanSync (it only reads)", u.Name))
	}},
	{"Sync", "", func(ctx context.Context, c *api.Client) error {
		plan, res, err := c.Sync(ctx, []api.UserPatch{{LoginID: "jane@example.com", Name: ptr("")}})
		if err == nil && (plan.Missing != 0 || res.Applied != plan.ToChange || res.Failed+res.NotAttempted != 0) {
			return fmt.Errorf("plan %+v, result %+v", plan, res)
		}
		return err
	}, []string{"loginIds", "limit", "withTestUser"}, func(s *apitest.Server) error {
		u, err := fakeUser(s, "jane@example.com")
		return errors.Join(err, want(u.Name == "" && u.Email == "jane@example.com", "user after Sync (the name cleared, the rest kept)", u))
	}},
}

// tenantRoles checks jane's roles in a tenant.
func tenantRoles(s *apitest.Server, tenant string, roles ...string) error {
	u, err := fakeUser(s, "jane@example.com")
	if err != nil {
		return err
	}
	for _, t := range u.UserTenants {
		if t.TenantID == tenant {
			return want(slices.Equal(t.RoleNames, roles), "roles in "+tenant, t.RoleNames)
		}
	}
	return fmt.Errorf("jane is not in tenant %s: %+v", tenant, u.UserTenants)
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
				// No body, or where the spec's request body is a list, a list of strings.
				req, err := http.NewRequest(got.method, "http://127.0.0.1"+got.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				route, err := newValidator(t).RouteFor(req)
				if err != nil {
					t.Fatal(err)
				}
				var list []string
				switch {
				case requestIsList(t, operationByID(t, route.OperationID())):
					if err := json.Unmarshal(got.body, &list); err != nil || len(list) == 0 {
						t.Fatalf("sent %s, want a list of strings (%v)", got.body, err)
					}
				case len(got.body) != 0:
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

// requestIsList reports whether op's request body is a JSON list (UsersAuthHistory's, on the v1
// path), as the spec says.
func requestIsList(t *testing.T, op operation) bool {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	rb := doc.Paths.Value(op.Path).GetOperation(op.Method).RequestBody
	return rb != nil && rb.Value.Content.Get("application/json").Schema.Value.Type.Is("array")
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

// TestAPIErrorsNameTheOperation: every api method names the operation it calls as the spec does
// (its operationId), in the *api.Error of a refused call: the name each method passes is checked
// against the operation the fake routed its request to.
func TestAPIErrorsNameTheOperation(t *testing.T) {
	s := apitest.NewServer(t, append(coverageOptions(), apitest.WithRequestLog())...)
	c, err := api.New(testProjectID, "K2-not-the-fake's-key", api.WithBaseURL(s.URL), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range apiCalls {
		before := len(s.Requests())
		err := call.call(t.Context(), c)
		reqs := s.Requests()[before:]
		var e *api.Error
		if !errors.As(err, &e) {
			// The bulk runs report a refused batch in their results, not as an error; their
			// batches are PatchBatch's, whose row checks the name.
			if len(reqs) == 0 || reqs[0].Status != http.StatusUnauthorized {
				t.Errorf("%s: %v, and the fake saw no refused request", call.name(), err)
			}
			continue
		}
		if e.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %v, want a 401", call.name(), err)
			continue
		}
		if len(reqs) == 0 || reqs[len(reqs)-1].OperationID != e.Operation {
			got := "no request"
			if len(reqs) > 0 {
				got = reqs[len(reqs)-1].OperationID
			}
			t.Errorf("%s: the error names %q, the fake routed the call to %s", call.name(), e.Operation, got)
		}
	}
}
