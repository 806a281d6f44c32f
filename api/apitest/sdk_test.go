package apitest_test

// What Descope's Go SDK sends in ordinary use (shared/reference/descope-user-family.md, section
// 14), as raw bodies: the fake accepts each and applies exactly what the spec says it means.

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func TestSDKNullListsClear(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	cases := []struct {
		name, body string
		check      func(u gen.User) bool
	}{
		{"roleNames null clears the roles", `{"loginId":"jane","roleNames":null}`,
			func(u gen.User) bool { return len(u.RoleNames) == 0 }},
		{"ssoAppIds null clears the apps", `{"loginId":"jane","ssoAppIds":null}`,
			func(u gen.User) bool { return len(u.SsoAppIDs) == 0 }},
		{"a tenant without roles is a membership without roles", `{"loginId":"jane","userTenants":[{"tenantId":"T9","roleNames":null}]}`,
			func(u gen.User) bool {
				return len(u.UserTenants) == 1 && u.UserTenants[0].TenantID == "T9" && len(u.UserTenants[0].RoleNames) == 0
			}},
		{"userTenants null clears the memberships", `{"loginId":"jane","userTenants":null}`,
			func(u gen.User) bool { return len(u.UserTenants) == 0 }},
		{"additionalLoginIds null leaves the first login ID", `{"loginId":"jane","additionalLoginIds":null}`,
			func(u gen.User) bool { return slices.Equal(u.LoginIDs, []string{"jane@example.com"}) }},
		{"status expired is applied", `{"loginId":"jane","status":"expired"}`,
			func(u gen.User) bool { return u.Status == "expired" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.AddUsers(jane()) // start from the same jane every time
			r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), tc.body)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			u := mustUser(t, s, "U2jane")
			if !tc.check(u) {
				t.Errorf("after %s the user is %+v", tc.body, u)
			}
			if u.Name != "Jane Doe" || u.Email != "jane@example.com" {
				t.Errorf("fields the patch did not name changed: %+v", u)
			}
		})
	}

	// An absent list is still "unchanged": the null rule does not spill over.
	s.AddUsers(jane())
	if r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), `{"loginId":"jane","name":"J"}`); r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if u := mustUser(t, s, "U2jane"); !slices.Equal(u.RoleNames, jane().RoleNames) || len(u.UserTenants) != 1 {
		t.Errorf("a patch without lists changed them: %+v", u)
	}

	// The same rule in a batch, user by user.
	s.AddUsers(jane(), bob())
	r := raw(t, s, "PATCH", "/v1/mgmt/user/patch/batch", bearer(s),
		`{"users":[{"loginId":"jane","roleNames":null},{"loginId":"bob@example.com","ssoAppIds":null,"name":"Bobby"}]}`)
	if r.Status != http.StatusOK {
		t.Fatalf("batch status %d: %s", r.Status, r.Body)
	}
	if u := mustUser(t, s, "U2jane"); len(u.RoleNames) != 0 {
		t.Errorf("batch: jane's roles %v, want none", u.RoleNames)
	}
	if u := mustUser(t, s, "U2bob"); u.Name != "Bobby" {
		t.Errorf("batch: bob's name %q", u.Name)
	}
}

func TestSDKEmptyBatch(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	r := raw(t, s, "PATCH", "/v1/mgmt/user/patch/batch", bearer(s), `{"users":[]}`)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got gen.PatchUsersBatchResponse
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.PatchedUsers) != 0 || len(got.FailedUsers) != 0 {
		t.Errorf("an empty batch answered %s", r.Body)
	}
	// Still refused: users missing or null.
	for _, body := range []string{`{}`, `{"users":null}`} {
		r := raw(t, s, "PATCH", "/v1/mgmt/user/patch/batch", bearer(s), body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	}
}

func TestSDKLicense(t *testing.T) {
	s := apitest.NewServer(t)
	r := raw(t, s, "GET", "/v1/mgmt/license", bearer(s), "")
	if r.Status != http.StatusOK || r.Body != `{"rateLimitTier":"tier1"}` {
		t.Errorf("license: %d %s", r.Status, r.Body)
	}
	s2 := apitest.NewServer(t, apitest.WithLicenseTier("tier3"))
	if r := raw(t, s2, "GET", "/v1/mgmt/license", bearer(s2), ""); r.Body != `{"rateLimitTier":"tier3"}` {
		t.Errorf("license with WithLicenseTier: %s", r.Body)
	}
	// Held to the same checks as every call: no bearer, no answer.
	r = raw(t, s, "GET", "/v1/mgmt/license", "", "")
	wantError(t, "license without a bearer", r.Status, &r.Error, http.StatusUnauthorized, apitest.CodeUnauthorized)
	if n := s.Stats().ByOperation["GetLicense"]; n != 2 {
		t.Errorf("GetLicense counted %d times, want 2", n)
	}
}
