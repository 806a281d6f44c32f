package contract_test

// What Descope's Node SDK (@descope/node-sdk 2.13.0) sends for each operation of ours that it
// has passes the contract and is applied by the fake (facts: shared/reference/
// descope-published-api.md, section 1).
//
// Recorded, not written from its source: the SDK was installed in a scratch folder, pointed at a
// loopback server that logged every request (DescopeClient({projectId, managementKey, baseUrl}))
// and every management.user method that maps to an operation we serve was called, with ordinary
// arguments and with the options that change the body. 47 calls made 48 requests (the license
// at start included); each row below is one of them, as received, keys in the order sent.
// Neither the SDK nor the recording script is in this repository.
//
// What the recording showed besides the bodies:
//   - At start, without waiting, it sends GET /v1/mgmt/license, and from its answer on it sends
//     x-descope-license: <rateLimitTier> on every management call.
//   - Every call carries Authorization: Bearer <project ID>:<management key>,
//     x-descope-project-id, x-descope-sdk-name: nodejs, x-descope-sdk-version: 2.13.0,
//     x-descope-sdk-node-version and x-descope-sdk-session-id; Content-Type: application/json
//     only with a body. With an explicit baseUrl no region is derived.
//   - It names the user loginId everywhere (identifier only on trusteddevices/remove, which we do
//     not serve); it adds roles on v2 and searches on v2.
//   - patch and patchBatch send the display name as displayName and extra login IDs as
//     additionalIdentifiers, and leave out what the caller left undefined. PatchUserOptions has
//     no recovery fields: a patch given recoveryEmail, verifiedRecoveryEmail, recoveryPhone or
//     verifiedRecoveryPhone sends only loginId (the row "patch given recovery fields").
//   - update (the full one) sends displayName and additionalLoginIds, never status or the
//     recovery contacts; with no options, only loginId.
//   - search sends the filters of its SearchRequest type as given (times as numbers, roles as
//     roleNames, the verified flags when set), nothing it was not given; searchTestUsers adds
//     withTestUser and testUsersOnly, true.
//   - updateLoginId without a new one, updateEmail and updatePhone without failOnConflict, and
//     updateRecoveryEmail without isVerified leave those keys out.

import (
	"net/http"
	"slices"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// nodeHeaders are the headers the Node SDK sends on a management call after its license
// handshake (on the handshake itself, all but x-descope-license).
func nodeHeaders(r sdkRequest) map[string]string {
	h := map[string]string{
		"x-descope-project-id":       testProjectID,
		"x-descope-sdk-name":         "nodejs",
		"x-descope-sdk-version":      "2.13.0",
		"x-descope-sdk-node-version": "20.20.2",
		"x-descope-sdk-session-id":   "2026-12-06-02:06:58:66-3724",
	}
	if r.target != "/v1/mgmt/license" {
		h["x-descope-license"] = apitest.DefaultLicenseTier
	}
	return h
}

// licensed checks a license answer: the fake's default tier.
func licensed(s *apitest.Server, answer []byte) error {
	if string(answer) != `{"rateLimitTier":"`+apitest.DefaultLicenseTier+`"}` {
		return want(false, "license answer", string(answer))
	}
	return unchanged(s, answer)
}

var nodeRequests = []sdkRequest{
	{"license at start", http.MethodGet, "/v1/mgmt/license", "", licensed},

	// update(loginIdOrUserId, email, phone, displayName, roles, userTenants, customAttributes,
	// picture, verifiedEmail, verifiedPhone, givenName, middleName, familyName, additionalLoginIds)
	{"update, positional", http.MethodPost, "/v1/mgmt/user/update",
		`{"loginId":"jane@example.com","email":"jane@example.com","phone":"+15555550100","displayName":"Jane Doe","givenName":"Jane",` +
			`"middleName":"Q","familyName":"Doe","roleNames":["admin"],"userTenants":[{"tenantId":"T1","roleNames":["member"]}],` +
			`"customAttributes":{"dept":"eng","seats":3},"picture":"https://example.com/jane.png","verifiedEmail":true,` +
			`"verifiedPhone":false,"additionalLoginIds":["jd"]}`,
		becomes("U2abc", replaced(func(u *gen.User) {
			u.LoginIDs, u.Email, u.VerifiedEmail, u.Phone = []string{"jane@example.com", "jd"}, "jane@example.com", true, "+15555550100"
			u.Name, u.GivenName, u.MiddleName, u.FamilyName = "Jane Doe", "Jane", "Q", "Doe"
			u.RoleNames, u.UserTenants = []string{"admin"}, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}}
			u.CustomAttributes, u.Picture = gen.CustomAttributes{"dept": "eng", "seats": 3}, "https://example.com/jane.png"
		}))},
	// update(loginIdOrUserId, UserOptions)
	{"update, options", http.MethodPost, "/v1/mgmt/user/update",
		`{"loginId":"jane@example.com","email":"jane@example.com","displayName":"Jane Doe","ssoAppIds":["app-1"],` +
			`"additionalLoginIds":["jd"],"verifiedEmail":true,"givenName":"Jane","familyName":"Doe","roleNames":["admin"]}`,
		becomes("U2abc", replaced(func(u *gen.User) {
			u.LoginIDs, u.Email, u.VerifiedEmail = []string{"jane@example.com", "jd"}, "jane@example.com", true
			u.Name, u.GivenName, u.FamilyName = "Jane Doe", "Jane", "Doe"
			u.RoleNames, u.SsoAppIDs = []string{"admin"}, []string{"app-1"}
		}))},
	{"update, no options", http.MethodPost, "/v1/mgmt/user/update", `{"loginId":"jane@example.com"}`,
		becomes("U2abc", replaced(func(*gen.User) {}))},

	// patch(loginIdOrUserId, PatchUserOptions)
	{"patch, displayName", http.MethodPatch, "/v1/mgmt/user/patch", `{"loginId":"jane@example.com","displayName":"Jane Doe"}`,
		becomes("U2abc", func(u *gen.User) { u.Name = "Jane Doe" })},
	{"patch, additionalIdentifiers", http.MethodPatch, "/v1/mgmt/user/patch",
		`{"loginId":"jane@example.com","additionalIdentifiers":["jd","jane.d"]}`,
		becomes("U2abc", func(u *gen.User) { u.LoginIDs = []string{"jane@example.com", "jd", "jane.d"} })},
	{"patch, every option", http.MethodPatch, "/v1/mgmt/user/patch",
		`{"loginId":"jane@example.com","email":"jane@work.example","phone":"+15555550100","displayName":"Jane Doe","givenName":"Jane",` +
			`"middleName":"Q","familyName":"Doe","roleNames":["admin"],"userTenants":[{"tenantId":"T1","roleNames":["member"]}],` +
			`"customAttributes":{"dept":"eng","seats":3,"vip":true,"tags":["a"],"gone":null},"picture":"https://example.com/jane.png",` +
			`"verifiedEmail":true,"verifiedPhone":false,"ssoAppIds":["app-1"],"scim":true,"status":"disabled","additionalIdentifiers":["jd"]}`,
		becomes("U2abc", func(u *gen.User) {
			u.LoginIDs, u.Email, u.VerifiedEmail, u.VerifiedPhone = []string{"jane@example.com", "jd"}, "jane@work.example", true, false
			u.Name, u.GivenName, u.MiddleName, u.FamilyName = "Jane Doe", "Jane", "Q", "Doe"
			u.RoleNames, u.UserTenants = []string{"admin"}, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}}
			u.CustomAttributes = gen.CustomAttributes{"dept": "eng", "seats": 3, "vip": true, "tags": []any{"a"}}
			u.Picture, u.SsoAppIDs, u.SCIM, u.Status = "https://example.com/jane.png", []string{"app-1"}, true, "disabled"
		})},
	{"patch given recovery fields (PatchUserOptions has none: only loginId is sent)", http.MethodPatch, "/v1/mgmt/user/patch",
		`{"loginId":"jane@example.com"}`, unchanged},
	{"patch, clearing", http.MethodPatch, "/v1/mgmt/user/patch",
		`{"loginId":"jane@example.com","roleNames":[],"userTenants":[],"picture":"","ssoAppIds":[],"additionalIdentifiers":[]}`,
		becomes("U2abc", func(u *gen.User) {
			u.LoginIDs, u.RoleNames, u.UserTenants, u.Picture, u.SsoAppIDs = []string{"jane@example.com"}, nil, nil, "", nil
		})},
	// patchBatch([{loginIdOrUserId, ...}, {loginId (deprecated), ...}])
	{"patchBatch", http.MethodPatch, "/v1/mgmt/user/patch/batch",
		`{"users":[{"loginId":"jane@example.com","displayName":"Jane Doe","status":"enabled"},` +
			`{"loginId":"bob@example.com","roleNames":["viewer"],"additionalIdentifiers":["bobby"]}]}`,
		all(batchAnswered("U2abc", "U2bob"), changed(map[string]func(*gen.User){
			"U2abc": func(u *gen.User) { u.Name = "Jane Doe" },
			"U2bob": func(u *gen.User) { u.RoleNames, u.LoginIDs = []string{"viewer"}, []string{"bob@example.com", "bobby"} },
		}))},

	{"load", http.MethodGet, "/v1/mgmt/user?loginId=jane%40example.com", "", loaded("U2abc")},
	{"loadByUserId", http.MethodGet, "/v1/mgmt/user?userId=U2abc", "", loaded("U2abc")},
	{"loadUsers, invalid ones included", http.MethodPost, "/v1/mgmt/users/load",
		`{"userIds":["U2abc","U2bob"],"includeInvalidUsers":true}`, found(2, "U2abc", "U2bob")},
	{"loadUsers", http.MethodPost, "/v1/mgmt/users/load", `{"userIds":["U2abc"]}`, found(1, "U2abc")},

	// searchAll(tenantIds, roles, limit, page, testUsersOnly, withTestUser, customAttributes,
	// statuses, emails, phones), deprecated but on the v2 path.
	{"searchAll", http.MethodPost, "/v2/mgmt/user/search",
		`{"tenantIds":["T1"],"roleNames":["viewer"],"limit":10,"page":0,"testUsersOnly":false,"withTestUser":true,` +
			`"customAttributes":{"dept":"eng"},"statuses":["enabled"],"emails":["jane@example.com"],"phones":["+15555550100"]}`,
		found(1, "U2abc")},
	{"search, no filter", http.MethodPost, "/v2/mgmt/user/search", `{}`, found(2, "U2abc", "U2bob")},
	{"search, every filter of SearchRequest", http.MethodPost, "/v2/mgmt/user/search",
		`{"page":0,"limit":10,"sort":[{"field":"email","desc":true},{"field":"createdTime"}],"text":"jane",` +
			`"emails":["jane@example.com"],"phones":["+15555550100"],"statuses":["enabled","disabled"],"tenantIds":["T1"],` +
			`"customAttributes":{"dept":"eng"},"withTestUser":true,"testUsersOnly":false,"ssoAppIds":["app-1"],` +
			`"loginIds":["jane@example.com"],"userIds":["U2abc"],"fromCreatedTime":1700000000000,"toCreatedTime":1800000000000,` +
			`"fromModifiedTime":1700000000000,"toModifiedTime":1800000000000,"tenantRoleIds":{"T1":{"values":["member"],"and":false}},` +
			`"tenantRoleNames":{"T1":{"values":["member"]}},"verifiedEmail":true,"verifiedPhone":false,"roleNames":["viewer"]}`,
		found(1, "U2abc")},
	{"searchTestUsers", http.MethodPost, "/v2/mgmt/user/search/test",
		`{"limit":5,"withTestUser":true,"testUsersOnly":true,"roleNames":["admin"]}`, found(1, "U2test")},

	{"activate", http.MethodPost, "/v1/mgmt/user/update/status", `{"loginId":"bob@example.com","status":"enabled"}`,
		becomes("U2bob", func(u *gen.User) { u.Status = "enabled" })},
	{"deactivate", http.MethodPost, "/v1/mgmt/user/update/status", `{"loginId":"jane@example.com","status":"disabled"}`,
		becomes("U2abc", func(u *gen.User) { u.Status = "disabled" })},
	{"updateLoginId", http.MethodPost, "/v1/mgmt/user/update/loginid",
		`{"loginId":"jane@example.com","newLoginId":"jane.doe@example.com"}`,
		becomes("U2abc", func(u *gen.User) { u.LoginIDs = []string{"jane.doe@example.com", "jane"} })},
	{"updateLoginId, none new (remove)", http.MethodPost, "/v1/mgmt/user/update/loginid", `{"loginId":"jane"}`,
		becomes("U2abc", func(u *gen.User) { u.LoginIDs = []string{"jane@example.com"} })},
	{"updateEmail", http.MethodPost, "/v1/mgmt/user/update/email",
		`{"loginId":"jane@example.com","email":"jane@work.example","verified":true}`,
		becomes("U2abc", func(u *gen.User) { u.Email, u.VerifiedEmail = "jane@work.example", true })},
	{"updateEmail, failOnConflict", http.MethodPost, "/v1/mgmt/user/update/email",
		`{"loginId":"jane@example.com","email":"jane@work.example","verified":false,"failOnConflict":true}`,
		becomes("U2abc", func(u *gen.User) { u.Email, u.VerifiedEmail = "jane@work.example", false })},
	{"updatePhone", http.MethodPost, "/v1/mgmt/user/update/phone",
		`{"loginId":"jane@example.com","phone":"+15555550111","verified":true}`,
		becomes("U2abc", func(u *gen.User) { u.Phone, u.VerifiedPhone = "+15555550111", true })},
	{"updatePhone, failOnConflict", http.MethodPost, "/v1/mgmt/user/update/phone",
		`{"loginId":"jane@example.com","phone":"+15555550111","verified":false,"failOnConflict":true}`,
		becomes("U2abc", func(u *gen.User) { u.Phone, u.VerifiedPhone = "+15555550111", false })},
	{"updateDisplayName", http.MethodPost, "/v1/mgmt/user/update/name", `{"loginId":"jane@example.com","displayName":"Jane Doe"}`,
		becomes("U2abc", func(u *gen.User) { u.Name = "Jane Doe" })},
	{"updateDisplayName, every part", http.MethodPost, "/v1/mgmt/user/update/name",
		`{"loginId":"jane@example.com","displayName":"Jane Doe","givenName":"Jane","middleName":"Q","familyName":"Doe"}`,
		becomes("U2abc", func(u *gen.User) { u.Name, u.GivenName, u.MiddleName, u.FamilyName = "Jane Doe", "Jane", "Q", "Doe" })},
	{"updateUserNames", http.MethodPost, "/v1/mgmt/user/update/name",
		`{"loginId":"jane@example.com","givenName":"Jane","middleName":"","familyName":"Doe"}`,
		becomes("U2abc", func(u *gen.User) { u.GivenName, u.MiddleName, u.FamilyName = "Jane", "", "Doe" })},
	{"updatePicture", http.MethodPost, "/v1/mgmt/user/update/picture",
		`{"loginId":"jane@example.com","picture":"https://example.com/jane.png"}`,
		becomes("U2abc", func(u *gen.User) { u.Picture = "https://example.com/jane.png" })},
	{"updateCustomAttribute, a string", http.MethodPost, "/v1/mgmt/user/update/customAttribute",
		`{"loginId":"jane@example.com","attributeKey":"dept","attributeValue":"sales"}`,
		becomes("U2abc", func(u *gen.User) { u.CustomAttributes = gen.CustomAttributes{"dept": "sales"} })},
	{"updateCustomAttribute, a number", http.MethodPost, "/v1/mgmt/user/update/customAttribute",
		`{"loginId":"jane@example.com","attributeKey":"seats","attributeValue":3}`,
		becomes("U2abc", func(u *gen.User) { u.CustomAttributes = gen.CustomAttributes{"dept": "eng", "seats": 3} })},
	{"updateCustomAttribute, a list", http.MethodPost, "/v1/mgmt/user/update/customAttribute",
		`{"loginId":"jane@example.com","attributeKey":"tags","attributeValue":["a","b"]}`,
		becomes("U2abc", func(u *gen.User) { u.CustomAttributes = gen.CustomAttributes{"dept": "eng", "tags": []any{"a", "b"}} })},
	{"updateCustomAttribute, null", http.MethodPost, "/v1/mgmt/user/update/customAttribute",
		`{"loginId":"jane@example.com","attributeKey":"dept","attributeValue":null}`,
		becomes("U2abc", func(u *gen.User) { u.CustomAttributes = nil })},

	{"setRoles", http.MethodPost, "/v1/mgmt/user/update/role/set", `{"loginId":"jane@example.com","roleNames":["admin","viewer"]}`,
		becomes("U2abc", func(u *gen.User) { u.RoleNames = []string{"admin", "viewer"} })},
	{"addRoles", http.MethodPost, "/v2/mgmt/user/update/role/add", `{"loginId":"jane@example.com","roleNames":["billing"]}`,
		becomes("U2abc", func(u *gen.User) { u.RoleNames = []string{"viewer", "billing"} })},
	{"removeRoles", http.MethodPost, "/v1/mgmt/user/update/role/remove", `{"loginId":"jane@example.com","roleNames":["viewer"]}`,
		becomes("U2abc", func(u *gen.User) { u.RoleNames = nil })},
	{"setTenantRoles", http.MethodPost, "/v1/mgmt/user/update/role/set",
		`{"loginId":"jane@example.com","tenantId":"T1","roleNames":["owner"]}`,
		becomes("U2abc", func(u *gen.User) { u.UserTenants = []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"owner"}}} })},
	{"addTenantRoles", http.MethodPost, "/v2/mgmt/user/update/role/add",
		`{"loginId":"jane@example.com","tenantId":"T1","roleNames":["owner"]}`,
		becomes("U2abc", func(u *gen.User) {
			u.UserTenants = []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member", "owner"}}}
		})},
	{"removeTenantRoles", http.MethodPost, "/v1/mgmt/user/update/role/remove",
		`{"loginId":"jane@example.com","tenantId":"T1","roleNames":["member"]}`,
		becomes("U2abc", func(u *gen.User) { u.UserTenants = []gen.UserTenant{{TenantID: "T1"}} })},
	{"addTenant", http.MethodPost, "/v1/mgmt/user/update/tenant/add", `{"loginId":"jane@example.com","tenantId":"T2"}`,
		becomes("U2abc", func(u *gen.User) {
			u.UserTenants = []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}, {TenantID: "T2"}}
		})},
	{"removeTenant", http.MethodPost, "/v1/mgmt/user/update/tenant/remove", `{"loginId":"jane@example.com","tenantId":"T1"}`,
		becomes("U2abc", func(u *gen.User) { u.UserTenants = nil })},
	{"addSSOapps", http.MethodPost, "/v1/mgmt/user/update/ssoapp/add", `{"loginId":"jane@example.com","ssoAppIds":["app-1","app-2"]}`,
		becomes("U2abc", func(u *gen.User) { u.SsoAppIDs = []string{"app-1", "app-2"} })},
	{"setSSOapps", http.MethodPost, "/v1/mgmt/user/update/ssoapp/set", `{"loginId":"jane@example.com","ssoAppIds":["app-3"]}`,
		becomes("U2abc", func(u *gen.User) { u.SsoAppIDs = []string{"app-3"} })},
	{"removeSSOapps", http.MethodPost, "/v1/mgmt/user/update/ssoapp/remove", `{"loginId":"jane@example.com","ssoAppIds":["app-1"]}`,
		becomes("U2abc", func(u *gen.User) { u.SsoAppIDs = nil })},

	// The recovery contacts are fields of the user the API returns (spec 1.2.0's User).
	{"updateRecoveryEmail", http.MethodPost, "/v1/mgmt/user/update/recovery/email",
		`{"loginId":"jane@example.com","recoveryEmail":"jane.backup@example.com","verified":true}`,
		becomes("U2abc", func(u *gen.User) { u.RecoveryEmail, u.VerifiedRecoveryEmail = "jane.backup@example.com", true })},
	{"updateRecoveryEmail, isVerified left out", http.MethodPost, "/v1/mgmt/user/update/recovery/email",
		`{"loginId":"jane@example.com","recoveryEmail":"jane.backup@example.com"}`,
		becomes("U2abc", func(u *gen.User) { u.RecoveryEmail, u.VerifiedRecoveryEmail = "jane.backup@example.com", false })},
	{"updateRecoveryPhone", http.MethodPost, "/v1/mgmt/user/update/recovery/phone",
		`{"loginId":"jane@example.com","recoveryPhone":"+15555550199","verified":false}`,
		becomes("U2abc", func(u *gen.User) { u.RecoveryPhone, u.VerifiedRecoveryPhone = "+15555550199", false })},
}

// TestNodeSDKRequestsAccepted: every request the Node SDK was recorded sending passes the
// contract, reaches the server as sent, and the fake applies it (the users after it, or its
// answer).
func TestNodeSDKRequestsAccepted(t *testing.T) {
	t.Parallel()
	testSDKRequests(t, nodeRequests, nodeHeaders)
}

// TestNodeSDKCoversItsOperations: the recording has every operation of ours but the v1 twins,
// which the Node SDK does not call (it adds roles and searches on v2).
func TestNodeSDKCoversItsOperations(t *testing.T) {
	t.Parallel()
	want := allOpsBut("UpdateUserAddRolesV1", "SearchUsersV1")
	if got := opsOf(t, nodeRequests); !slices.Equal(got, want) {
		t.Errorf("the Node table covers %v, want %v", got, want)
	}
}

// TestNodeSDKNeighboursRefused: next to each recorded request, one the contract or the fake must
// refuse (see neighboursOf), and those the Node SDK's second names invite: displayName beside a
// different name, additionalIdentifiers beside different additionalLoginIds, in a patch, a batch
// and the updates.
func TestNodeSDKNeighboursRefused(t *testing.T) {
	t.Parallel()
	var neighbours []sdkNeighbour
	for _, r := range nodeRequests {
		neighbours = append(neighbours, neighboursOf(t, r)...)
	}
	const patch, batch = "/v1/mgmt/user/patch", "/v1/mgmt/user/patch/batch"
	bad := http.StatusBadRequest
	neighbours = append(neighbours,
		sdkNeighbour{"patch: displayName and name differ", http.MethodPatch, patch,
			`{"loginId":"jane@example.com","displayName":"Jane Doe","name":"Jane"}`, bad, "E011004", []string{"name", "displayName"}, false},
		sdkNeighbour{"patch: additionalIdentifiers and additionalLoginIds differ", http.MethodPatch, patch,
			`{"loginId":"jane@example.com","additionalIdentifiers":["jd"],"additionalLoginIds":["jane.d"]}`,
			bad, "E011004", []string{"additionalLoginIds", "additionalIdentifiers"}, false},
		sdkNeighbour{"patchBatch: displayName and name differ", http.MethodPatch, batch,
			`{"users":[{"loginId":"jane@example.com","displayName":"Jane Doe","name":"Jane"},{"loginId":"bob@example.com","status":"enabled"}]}`,
			http.StatusOK, "E011004", []string{"name", "displayName"}, true},
		sdkNeighbour{"updateDisplayName: displayName and name differ", http.MethodPost, "/v1/mgmt/user/update/name",
			`{"loginId":"jane@example.com","displayName":"Jane Doe","name":"Jane"}`, bad, "E011004", []string{"name", "displayName"}, false},
		sdkNeighbour{"update: displayName and name differ", http.MethodPost, "/v1/mgmt/user/update",
			`{"loginId":"jane@example.com","displayName":"Jane Doe","name":"Jane"}`, bad, "E011004", []string{"name", "displayName"}, false},
		sdkNeighbour{"update: additionalLoginIds and additionalIdentifiers differ", http.MethodPost, "/v1/mgmt/user/update",
			`{"loginId":"jane@example.com","additionalLoginIds":["jd"],"additionalIdentifiers":["jane.d"]}`,
			bad, "E011004", []string{"additionalLoginIds", "additionalIdentifiers"}, false},
	)
	testSDKNeighbours(t, neighbours)
}
