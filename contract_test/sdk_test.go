package contract_test

// What Descope's own Go SDK sends and expects back passes the contract (facts:
// shared/reference/descope-user-family.md, section 14): the bodies below are the ones its code
// writes (descope/internal/mgmt/user.go and utils.go) and the answers its tests decode. Each
// acceptance has a neighbour that the contract must still refuse.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// sdkCall sends body to operation id of the fake API through the validating transport, with
// the header the SDK adds to every call after reading its license, and returns the answer's body.
func sdkCall(t *testing.T, f *fakeAPI, id, body string, query ...string) ([]byte, error) {
	t.Helper()
	r := request{body: body, edit: func(h http.Header) { h.Set("x-descope-license", "tier1") }}
	if len(query) > 0 {
		r.query = mustQuery(t, query[0])
	}
	a, err := f.send(t, operationByID(t, id), r)
	if err != nil {
		return nil, err
	}
	return a.body, nil
}

func TestSDKRequestsAccepted(t *testing.T) {
	t.Parallel()
	const patch, batch = "PatchUser", "PatchUserBatch"
	cases := []struct{ name, op, body string }{
		{"tenant given without roles", patch, `{"loginId":"jane@example.com","userTenants":[{"tenantId":"T9","roleNames":null}]}`},
		{"roles set to a nil slice", patch, `{"loginId":"jane@example.com","roleNames":null}`},
		{"tenants set to a nil slice", patch, `{"loginId":"jane@example.com","userTenants":null}`},
		{"SSO apps set to a nil slice", patch, `{"loginId":"jane@example.com","ssoAppIds":null}`},
		{"additional login IDs null", patch, `{"loginId":"jane@example.com","additionalLoginIds":null}`},
		{"status expired", patch, `{"loginId":"jane@example.com","status":"expired"}`},
		{"batch of nothing", batch, `{"users":[]}`},
		{"batch with a null tenant role list", batch, `{"users":[{"loginId":"a","userTenants":[{"tenantId":"T9","roleNames":null}]}]}`},
		{"attribute cleared with null", "UpdateUserCustomAttribute", `{"loginId":"jane@example.com","attributeKey":"seats","attributeValue":null}`},
		{"attribute list holding null", "UpdateUserCustomAttribute", `{"loginId":"jane@example.com","attributeKey":"tags","attributeValue":["a",null,{"k":null}]}`},
		{"license at start-up", "GetLicense", ""},

		// The other operations, as user.go writes them: every key always, nil lists as null.
		{"Deactivate", "UpdateUserStatus", `{"loginId":"jane@example.com","status":"disabled"}`},
		{"UpdateLoginID removing one", "UpdateUserLoginID", `{"loginId":"jane@example.com","newLoginId":""}`},
		{"UpdateLoginID from Python, None", "UpdateUserLoginID", `{"loginId":"jane@example.com","newLoginId":null}`},
		{"UpdateLoginID from Node, undefined", "UpdateUserLoginID", `{"loginId":"jane@example.com"}`},
		{"UpdateEmail removing it", "UpdateUserEmail", `{"loginId":"jane@example.com","email":"","verified":false,"failOnConflict":false}`},
		{"UpdateEmail from Python, None flags", "UpdateUserEmail", `{"loginId":"jane@example.com","email":"j@example.com","verified":null,"failOnConflict":null}`},
		{"UpdateRecoveryEmail", "UpdateUserRecoveryEmail", `{"loginId":"jane@example.com","recoveryEmail":"r@example.com","verified":true}`},
		{"UpdateRecoveryPhone", "UpdateUserRecoveryPhone", `{"loginId":"jane@example.com","recoveryPhone":"","verified":false}`},
		{"SetRoles with nil roles", "UpdateUserSetRoles", `{"loginId":"jane@example.com","tenantId":"","roleNames":null}`},
		{"AddRoles", "UpdateUserAddRoles", `{"loginId":"jane@example.com","tenantId":"","roleNames":["admin"]}`},
		{"AddRoles from Node, no tenant key", "UpdateUserAddRoles", `{"loginId":"jane@example.com","roleNames":["admin"]}`},
		{"RemoveTenantRoles", "UpdateUserRemoveRoles", `{"loginId":"jane@example.com","tenantId":"T1","roleNames":["admin"]}`},
		{"AddTenant", "UpdateUserAddTenant", `{"loginId":"jane@example.com","tenantId":"T1"}`},
		{"RemoveTenant", "UpdateUserRemoveTenant", `{"loginId":"jane@example.com","tenantId":"T1"}`},
		{"SetSSOApps with nil", "UpdateUserSetSSOApps", `{"loginId":"jane@example.com","ssoAppIds":null}`},
		{"AddSSOApps", "UpdateUserAddSSOApps", `{"loginId":"jane@example.com","ssoAppIds":["app1"]}`},
		{"RemoveSSOApps", "UpdateUserRemoveSSOApps", `{"loginId":"jane@example.com","ssoAppIds":["app1"]}`},
		{"LoadUsers", "LoadUsers", `{"userIds":["U2abc"],"includeInvalidUsers":false}`},
		{"SearchAll, nothing set", "SearchUsers", sdkSearchBody},
		{"SearchAllTestUsers", "SearchTestUsers", strings.Replace(strings.Replace(sdkSearchBody, `"testUsersOnly":false`, `"testUsersOnly":true`, 1), `"withTestUser":false`, `"withTestUser":true`, 1)},
		{"Update", "UpdateUser", `{"loginId":"jane@example.com","email":"jane@example.com","phone":"","displayName":"Jane","givenName":"","middleName":"","familyName":"",` +
			`"roleNames":null,"userTenants":[],"customAttributes":null,"picture":"","additionalLoginIds":null,"ssoAppIDs":null}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := operationByID(t, tc.op)
			f := newFakeAPI(t, reply{body: op.ok})
			if _, err := sdkCall(t, f, tc.op, tc.body); err != nil {
				t.Fatalf("the contract refused what Descope's SDK sends: %v", err)
			}
			got := f.last(t)
			if got.method != op.Method || got.path != op.Path || string(got.body) != tc.body {
				t.Errorf("the server received %s %s %q, want %s %s %q", got.method, got.path, got.body, op.Method, op.Path, tc.body)
			}

			// The fake Descope applies it too. Jane has a second login ID and tenant T1.
			jane := gen.User{UserID: "U2abc", LoginIDs: []string{"jane@example.com", "jane"}, Email: "jane@example.com",
				UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"admin"}}}}
			s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(jane))
			a, err := (&fakeAPI{srv: &httptest.Server{URL: s.URL}}).send(t, op, request{body: tc.body})
			if err != nil || a.status != http.StatusOK {
				t.Errorf("the fake Descope refused what Descope's SDK sends: %v %+v", err, a)
			}
		})
	}
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sdkSearchBody is what the Go SDK's SearchAll sends with no option set (user.go:1229-1254).
const sdkSearchBody = `{"tenantIds":null,"roleNames":null,"limit":0,"page":0,"sort":null,"text":"","loginIds":null,` +
	`"testUsersOnly":false,"withTestUser":false,"customAttributes":null,"statuses":null,"emails":null,"phones":null,` +
	`"ssoAppIds":null,"fromCreatedTime":0,"toCreatedTime":0,"fromModifiedTime":0,"toModifiedTime":0,"userIds":null,` +
	`"tenantRoleIds":null,"tenantRoleNames":null,"includeSubTenants":false}`

// Load sends both query parameters, the unused one empty (user.go:313-316).
func TestSDKLoadQueryAccepted(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"loginId=jane%40example.com&userId=", "loginId=&userId=U2abc"} {
		f := newFakeAPI(t, reply{body: operationByID(t, "LoadUser").ok})
		if _, err := sdkCall(t, f, "LoadUser", "", q); err != nil {
			t.Errorf("?%s: the contract refused what Descope's SDK sends: %v", q, err)
		}
		if got := f.last(t); got.method != http.MethodGet || got.query.Encode() != mustQuery(t, q).Encode() {
			t.Errorf("the server received %s ?%s, want GET ?%s", got.method, got.query.Encode(), q)
		}
	}
}

// The neighbours of what is accepted above: null is a whole list, never an element of one, and
// a status is still one of four.
func TestSDKNeighboursRejected(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, want string }{
		{"null role name", `{"loginId":"a","roleNames":[null]}`, `"/roleNames/0"`},
		{"null tenant", `{"loginId":"a","userTenants":[null]}`, `"/userTenants/0"`},
		{"null tenant role name", `{"loginId":"a","userTenants":[{"tenantId":"T9","roleNames":[null]}]}`, `"/userTenants/0/roleNames/0"`},
		{"null status", `{"loginId":"a","status":null}`, `"/status"`},
		{"status paused", `{"loginId":"a","status":"paused"}`, `"/status"`},
		{"null customAttributes", `{"loginId":"a","customAttributes":null}`, `"/customAttributes"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := sdkCall(t, f, "PatchUser", tc.body)
			assertRequestRejected(t, err, "PatchUser", tc.want)
			f.assertNotHit(t)
		})
	}
}

// A batch answer whose failure names no user (the SDK's TestUserPatchBatchWithFailures) is
// accepted and decodes to a nil User; a user of the wrong type is still refused.
func TestSDKBatchFailureWithoutUser(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, reply{body: `{"patchedUsers":[],"failedUsers":[{"failure":"User not found","user":null}]}`})
	body, err := sdkCall(t, f, "PatchUserBatch", `{"users":[{"loginId":"ghost@example.com"}]}`)
	if err != nil {
		t.Fatalf("the contract refused the SDK's canned batch answer: %v", err)
	}
	var got gen.PatchUsersBatchResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.FailedUsers) != 1 || got.FailedUsers[0].User != nil || got.FailedUsers[0].Failure != "User not found" {
		t.Errorf("decoded %+v, want one failure with a nil user", got)
	}

	f = newFakeAPI(t, reply{body: `{"failedUsers":[{"failure":"x","user":[]}]}`})
	_, err = sdkCall(t, f, "PatchUserBatch", `{"users":[{"loginId":"a"}]}`)
	assertResponseRejected(t, err, "PatchUserBatch", 200, `"/failedUsers/0/user"`)
}

// The license answer is checked like any other: a tier that is not a string is refused.
func TestSDKLicenseAnswer(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, reply{body: `{"rateLimitTier":"tier3"}`})
	if _, err := sdkCall(t, f, "GetLicense", ""); err != nil {
		t.Fatalf("license answer refused: %v", err)
	}
	f = newFakeAPI(t, reply{body: `{"rateLimitTier":3}`})
	_, err := sdkCall(t, f, "GetLicense", "")
	assertResponseRejected(t, err, "GetLicense", 200, `"/rateLimitTier"`)
}
