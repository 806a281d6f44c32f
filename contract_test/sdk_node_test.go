package contract_test

// What Descope's Node SDK (@descope/node-sdk 2.13.0) sends for each operation of ours that it
// has passes the contract and is applied by the fake (facts: shared/reference/
// descope-published-api.md, section 1).
//
// Recorded, not written from its source: the SDK was installed in a scratch folder, pointed at a
// loopback server that logged every request (DescopeClient({projectId, managementKey, baseUrl}))
// and every management.user method that maps to an operation we serve was called, with ordinary
// arguments and with the options that change the body. 47 calls made 48 requests (the license
// at start included); each row below is one of them, as received, keys in the order sent. The
// operations of spec 1.3.0 were recorded the same way, from the same install: 45 calls, 45
// requests, 43 in nodeLifecycleRequests and the 2 the contract refuses among the neighbours.
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
//   - Of spec 1.3.0: create, createTestUser (test: true) and invite (invite: true) send the
//     display name as displayName and extra login IDs as additionalLoginIds; createBatch and
//     inviteBatch write each user's loginIdOrUserId (or deprecated loginId) as loginId, last;
//     delete, deleteByUserId, logoutUser and logoutUserByUserId send one key, loginId or userId;
//     deleteAllTestUsers is a DELETE without a body; the password sets send no setActive;
//     getProviderToken always sends both flags ("true"/"false"); the magic and enchanted links
//     name the redirect URI; removeTrustedDevices names its user identifier; history sends
//     and reads bare lists; import sends dryrun always, and its users and hashes as given: a
//     string passes through, a Uint8Array or a Buffer becomes a JSON object, which the contract
//     refuses (TestNodeSDKNeighboursRefused). It has no passkey import, v2 history or
//     impersonation consent.

import (
	"fmt"
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

// nodeRequests are the requests the Node SDK was recorded sending: those of the update
// operations, then those of spec 1.3.0.
var nodeRequests = slices.Concat(nodeUpdateRequests, nodeLifecycleRequests)

var nodeUpdateRequests = []sdkRequest{
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

// nodeLifecycleRequests are what the Node SDK sent for the operations of spec 1.3.0, recorded as
// the others were (45 calls, 45 requests; the two imports of bytes are in
// TestNodeSDKNeighboursRefused, since the contract refuses them).
var nodeLifecycleRequests = []sdkRequest{
	// create(loginId, email, phone, displayName, roles, userTenants, customAttributes, picture,
	// verifiedEmail, verifiedPhone, givenName, middleName, familyName, additionalLoginIds), and
	// create(loginId, UserOptions); createTestUser the same, with test: true.
	{"create, positional", http.MethodPost, "/v1/mgmt/user/create",
		`{"loginId":"amy@example.com","email":"amy@example.com","phone":"+15555550142","displayName":"Amy Doe","givenName":"Amy","middleName":"Q","familyName":"Doe","roleNames":["viewer"],"userTenants":[{"tenantId":"T1","roleNames":["member"]}],"customAttributes":{"dept":"eng","seats":3},"picture":"https://example.com/amy.png","verifiedEmail":true,"verifiedPhone":false,"additionalLoginIds":["amy.d"]}`,
		createdOne("amy@example.com", func(u *gen.User) {
			u.LoginIDs, u.Email, u.VerifiedEmail, u.Phone = []string{"amy@example.com", "amy.d"}, "amy@example.com", true, "+15555550142"
			u.Name, u.GivenName, u.MiddleName, u.FamilyName, u.Picture = "Amy Doe", "Amy", "Q", "Doe", "https://example.com/amy.png"
			u.RoleNames, u.UserTenants = []string{"viewer"}, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}}
			u.CustomAttributes = gen.CustomAttributes{"dept": "eng", "seats": 3}
		})},
	{"create, options", http.MethodPost, "/v1/mgmt/user/create",
		`{"loginId":"amy@example.com","email":"amy@example.com","displayName":"Amy Doe","ssoAppIds":["app-1"],"verifiedEmail":true,"givenName":"Amy","familyName":"Doe","additionalLoginIds":["amy.d"],"roleNames":["viewer"]}`,
		createdOne("amy@example.com", func(u *gen.User) {
			u.LoginIDs, u.Email, u.VerifiedEmail = []string{"amy@example.com", "amy.d"}, "amy@example.com", true
			u.Name, u.GivenName, u.FamilyName, u.SsoAppIDs, u.RoleNames = "Amy Doe", "Amy", "Doe", []string{"app-1"}, []string{"viewer"}
		})},
	{"create, the login ID alone", http.MethodPost, "/v1/mgmt/user/create", `{"loginId":"amy@example.com"}`, createdOne("amy@example.com", nil)},
	{"createTestUser, positional", http.MethodPost, "/v1/mgmt/user/create/test",
		`{"loginId":"test-amy@example.com","email":"test-amy@example.com","displayName":"Test Amy","test":true}`,
		createdOne("test-amy@example.com", func(u *gen.User) { u.Email, u.Name, u.Test = "test-amy@example.com", "Test Amy", true })},
	{"createTestUser, options", http.MethodPost, "/v1/mgmt/user/create/test",
		`{"loginId":"test-amy@example.com","email":"test-amy@example.com","displayName":"Test Amy","roleNames":["viewer"],"test":true}`,
		createdOne("test-amy@example.com", func(u *gen.User) {
			u.Email, u.Name, u.Test, u.RoleNames = "test-amy@example.com", "Test Amy", true, []string{"viewer"}
		})},

	// invite(loginIdOrUserId, email, phone, displayName, roles, userTenants, customAttributes,
	// picture, verifiedEmail, verifiedPhone, inviteUrl, sendMail, sendSMS, givenName, middleName,
	// familyName, additionalLoginIds, templateId, locale), and invite(loginIdOrUserId, options).
	{"invite, positional", http.MethodPost, "/v1/mgmt/user/create",
		`{"loginId":"bea@example.com","email":"bea@example.com","phone":"+15555550150","displayName":"Bea","givenName":"Bea","familyName":"Bo","roleNames":["viewer"],"invite":true,"verifiedEmail":true,"verifiedPhone":false,"inviteUrl":"https://app.example.com/welcome","sendMail":true,"sendSMS":false,"templateId":"welcome-v2","locale":"en-GB"}`,
		all(createdOne("bea@example.com", func(u *gen.User) {
			u.Email, u.VerifiedEmail, u.Phone, u.Name, u.GivenName, u.FamilyName = "bea@example.com", true, "+15555550150", "Bea", "Bea", "Bo"
			u.RoleNames = []string{"viewer"}
		}), invited(map[string]string{"bea@example.com": "email"}, func(inv apitest.Invitation) bool {
			return inv.InviteURL == "https://app.example.com/welcome" && inv.TemplateID == "welcome-v2" && inv.Locale == "en-GB"
		}))},
	{"invite, options", http.MethodPost, "/v1/mgmt/user/create",
		`{"loginId":"bea@example.com","email":"bea@example.com","displayName":"Bea","inviteUrl":"https://app.example.com/welcome","sendMail":true,"sendSMS":false,"templateOptions":{"team":"Platform"},"templateId":"welcome-v2","locale":"en-GB","invite":true}`,
		all(createdOne("bea@example.com", func(u *gen.User) { u.Email, u.Name = "bea@example.com", "Bea" }),
			invited(map[string]string{"bea@example.com": "email"}, func(inv apitest.Invitation) bool { return inv.TemplateOptions["team"] == "Platform" }))},
	{"invite, an existing user", http.MethodPost, "/v1/mgmt/user/create",
		`{"loginId":"bob@example.com","inviteUrl":"https://app.example.com/welcome","invite":true}`,
		all(answered(func(a gen.UserResponse) error { return want(!a.Created && a.User.UserID == "U2bob", "the answer", a) }),
			invited(map[string]string{"bob@example.com": "email"}, func(inv apitest.Invitation) bool { return inv.UserID == "U2bob" }))},
	// inviteBatch(users, inviteUrl, sendMail, sendSMS, templateOptions, templateId, locale):
	// loginIdOrUserId and the deprecated loginId both become loginId.
	{"inviteBatch", http.MethodPost, "/v1/mgmt/user/create/batch",
		`{"users":[{"email":"cat@example.com","displayName":"Cat","loginId":"cat@example.com"},{"phone":"+15555550160","loginId":"dan@example.com"}],"invite":true,"inviteUrl":"https://app.example.com/welcome","sendMail":true,"sendSMS":true,"templateOptions":{"team":"Platform"},"templateId":"welcome-v2","locale":"fr"}`,
		all(created(map[string]func(*gen.User){
			"cat@example.com": func(u *gen.User) { u.Email, u.Name = "cat@example.com", "Cat" },
			"dan@example.com": func(u *gen.User) { u.Phone = "+15555550160" },
		}), invited(map[string]string{"cat@example.com": "email", "dan@example.com": "sms"}, func(inv apitest.Invitation) bool {
			return inv.Locale == "fr" && inv.TemplateOptions["team"] == "Platform"
		}))},
	// createBatch(users): a password, a hash of each variant the Node type has (pbkdf2, md5,
	// firebase, django, phpass; bcrypt in the other tables), a TOTP seed, a creation time, a test
	// user.
	{"createBatch, passwords and hashes", http.MethodPost, "/v1/mgmt/user/create/batch",
		`{"users":[{"email":"ann@example.com","verifiedEmail":true,"password":"Ann-Pa55word","status":"enabled","loginId":"ann@example.com","roleNames":["viewer"]},{"hashedPassword":{"pbkdf2":{"hash":"8mDC922G06gXDKrrz0GfqqFFzpdKz0yHpfwdLP5UmLQ=","salt":"cGJrZGYyLXNhbHQ=","iterations":1000,"type":"sha256"}},"seed":"JBSWY3DPEHPK3PXP","createdTime":1600000000,"loginId":"ben@example.com"},{"hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}},"test":true,"additionalLoginIds":["cal.c"],"customAttributes":{"dept":"eng"},"userTenants":[{"tenantId":"T1","roleNames":["member"]}],"loginId":"cal@example.com"}]}`,
		all(created(map[string]func(*gen.User){
			"ann@example.com": func(u *gen.User) {
				u.Email, u.VerifiedEmail, u.Password, u.Status, u.RoleNames = "ann@example.com", true, true, "enabled", []string{"viewer"}
			},
			"ben@example.com": func(u *gen.User) { u.Password, u.TOTP, u.CreatedTime = true, true, 1_600_000_000 },
			"cal@example.com": func(u *gen.User) {
				u.LoginIDs, u.Password, u.Test = []string{"cal@example.com", "cal.c"}, true, true
				u.CustomAttributes, u.UserTenants = gen.CustomAttributes{"dept": "eng"}, []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}}
			},
		}), hasPassword("ann@example.com", "Ann-Pa55word", false), hasHash("ben@example.com", "pbkdf2", "hunter2-pbkdf2"),
			hasHash("cal.c", "md5", "hunter2-md5"))},
	{"createBatch, the other hashes", http.MethodPost, "/v1/mgmt/user/create/batch",
		`{"users":[{"hashedPassword":{"firebase":{"hash":"n35TL07UH+f3ACDpEeeZN61V47BBD0bsKOXxJJ+mMyL07PpDLpu8Xesbnq2IUEl5dlXSocpLZeMgNJkwMHxJqA==","salt":"c2FsdC1mcm9tLWZpcmViYXNl","saltSeparator":"Bw==","signerKey":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==","memory":14,"rounds":8}},"loginId":"fay@example.com"},{"hashedPassword":{"django":{"hash":"pbkdf2_sha256$1000$djangosalt$NEjo3N6S26A2S19ALUJd6BHnG4EgKgJ+KwIfVnIeFO4="}},"loginId":"dj@example.com"},{"hashedPassword":{"phpass":{"hash":"y1NgRNggA.SUKHGvXSJaZ1","salt":"abcdefgh","iterations":2048,"type":"md5"}},"loginId":"php@example.com"}]}`,
		all(created(map[string]func(*gen.User){
			"fay@example.com": func(u *gen.User) { u.Password = true },
			"dj@example.com":  func(u *gen.User) { u.Password = true },
			"php@example.com": func(u *gen.User) { u.Password = true },
		}), hasHash("fay@example.com", "firebase", "hunter2-firebase"), hasHash("dj@example.com", "django", "hunter2-django"),
			hasHash("php@example.com", "phpass", "hunter2-phpass"))},

	{"deleteBatch", http.MethodPost, "/v1/mgmt/user/delete/batch", `{"userIds":["U2bob","U2nobody"]}`, deleted("U2bob")},
	{"delete", http.MethodPost, "/v1/mgmt/user/delete", `{"loginId":"bob@example.com"}`, deleted("U2bob")},
	{"deleteByUserId", http.MethodPost, "/v1/mgmt/user/delete", `{"userId":"U2bob"}`, deleted("U2bob")},
	{"deleteAllTestUsers", http.MethodDelete, "/v1/mgmt/user/test/delete/all", "", deleted("U2test", "U2tom")},
	{"logoutUser", http.MethodPost, "/v1/mgmt/user/logout", `{"loginId":"jane@example.com"}`, signedOut("U2abc", nil)},
	{"logoutUserByUserId", http.MethodPost, "/v1/mgmt/user/logout", `{"userId":"U2abc"}`, signedOut("U2abc", nil)},

	// getProviderToken(loginId, provider, {withRefreshToken, forceRefresh}) sends both flags.
	{"getProviderToken", http.MethodGet, "/v1/mgmt/user/provider/token?loginId=jane%40example.com&provider=google&withRefreshToken=false&forceRefresh=false", "",
		answered(func(a gen.UserProviderToken) error {
			return want(a.AccessToken == "ya29.fake-access-token" && a.RefreshToken == "" && a.Provider == "google", "the token", a)
		})},
	{"getProviderToken, both options", http.MethodGet, "/v1/mgmt/user/provider/token?loginId=jane%40example.com&provider=google&withRefreshToken=true&forceRefresh=true", "",
		answered(func(a gen.UserProviderToken) error {
			return want(a.AccessToken == "ya29.fake-access-token" && a.RefreshToken == "1//fake-refresh-token", "the token", a)
		})},

	// The generators, for the test user tess; the embedded links.
	{"generateOTPForTestUser", http.MethodPost, "/v1/mgmt/tests/generate/otp", `{"deliveryMethod":"email","loginId":"tess@example.com"}`,
		generated("tess@example.com", func(a gen.GenerateOTPResponse) string { return a.Code }, lastOTP)},
	{"generateOTPForTestUser, login options", http.MethodPost, "/v1/mgmt/tests/generate/otp",
		`{"deliveryMethod":"sms","loginId":"tess@example.com","loginOptions":{"stepup":true,"mfa":false,"revokeOtherSessions":true,"customClaims":{"k":"v"},"templateId":"t-1","templateOptions":{"a":"b"},"tenantId":"T1"}}`,
		generated("tess@example.com", func(a gen.GenerateOTPResponse) string { return a.Code }, lastOTP)},
	{"generateMagicLinkForTestUser", http.MethodPost, "/v1/mgmt/tests/generate/magiclink",
		`{"deliveryMethod":"email","loginId":"tess@example.com","URI":"https://app.example.com/verify"}`,
		generated("tess@example.com", func(a gen.GenerateMagicLinkResponse) string { return a.Link }, lastMagicLink)},
	{"generateEnchantedLinkForTestUser", http.MethodPost, "/v1/mgmt/tests/generate/enchantedlink",
		`{"loginId":"tess@example.com","URI":"https://app.example.com/verify","loginOptions":{"mfa":true}}`,
		generated("tess@example.com", func(a gen.GenerateEnchantedLinkResponse) string { return a.Link + " " + a.PendingRef }, lastEnchantedLink)},
	{"generateEmbeddedLink", http.MethodPost, "/v1/mgmt/user/signin/embeddedlink", `{"loginId":"jane@example.com"}`,
		generated("jane@example.com", func(a gen.EmbeddedLinkResponse) string { return a.Token }, lastEmbeddedToken)},
	{"generateEmbeddedLink, claims and timeout", http.MethodPost, "/v1/mgmt/user/signin/embeddedlink",
		`{"loginId":"jane@example.com","customClaims":{"plan":"pro","n":1},"timeout":600}`,
		generated("jane@example.com", func(a gen.EmbeddedLinkResponse) string { return a.Token }, lastEmbeddedToken)},
	{"generateSignUpEmbeddedLink", http.MethodPost, "/v1/mgmt/user/signup/embeddedlink", `{"loginId":"new@example.com"}`,
		all(generated("new@example.com", func(a gen.EmbeddedLinkResponse) string { return a.Token }, lastEmbeddedToken), noUser("new@example.com"))},
	{"generateSignUpEmbeddedLink, every argument", http.MethodPost, "/v1/mgmt/user/signup/embeddedlink",
		`{"loginId":"new@example.com","user":{"name":"New User","givenName":"New","middleName":"N","familyName":"User","phone":"+15555550170","email":"new@example.com"},"emailVerified":true,"phoneVerified":false,"loginOptions":{"stepup":false,"mfa":true,"customClaims":{"k":1}},"timeout":600}`,
		all(generated("new@example.com", func(a gen.EmbeddedLinkResponse) string { return a.Token }, lastEmbeddedToken), noUser("new@example.com"))},

	// Passwords: Node sends no setActive; password/set is then temporary.
	{"setTemporaryPassword", http.MethodPost, "/v1/mgmt/user/password/set/temporary", `{"loginId":"jane@example.com","password":"Temp-Pa55word"}`,
		all(unchanged, hasPassword("jane@example.com", "Temp-Pa55word", true))},
	{"setActivePassword", http.MethodPost, "/v1/mgmt/user/password/set/active", `{"loginId":"jane@example.com","password":"Active-Pa55word"}`,
		all(unchanged, hasPassword("jane@example.com", "Active-Pa55word", false))},
	{"setPassword (deprecated)", http.MethodPost, "/v1/mgmt/user/password/set", `{"loginId":"jane@example.com","password":"Old-Pa55word"}`,
		all(unchanged, hasPassword("jane@example.com", "Old-Pa55word", true))},
	// jane's password flag is seeded, her password is not: there is nothing to expire.
	{"expirePassword", http.MethodPost, "/v1/mgmt/user/password/expire", `{"loginId":"jane@example.com"}`, unchanged},

	// Second factors and devices: jane has a TOTP authenticator, passkey cred-1 and devices dev-1
	// and dev-2 (sdkState).
	{"removeAllPasskeys", http.MethodPost, "/v1/mgmt/user/passkeys/delete", `{"loginId":"jane@example.com"}`,
		all(becomes("U2abc", func(u *gen.User) { u.Webauthn = false }), janesPasskeys())},
	{"removeTOTPSeed", http.MethodPost, "/v1/mgmt/user/totp/delete", `{"loginId":"jane@example.com"}`,
		becomes("U2abc", func(u *gen.User) { u.TOTP = false })},
	{"removePasskey", http.MethodPost, "/v1/mgmt/user/passkey/delete", `{"loginId":"jane@example.com","credentialId":"cred-1"}`,
		all(becomes("U2abc", func(u *gen.User) { u.Webauthn = false }), janesPasskeys())},
	{"listPasskeys", http.MethodPost, "/v1/mgmt/user/passkeys/list", `{"loginId":"jane@example.com"}`,
		answered(func(a gen.UserPasskeysResponse) error {
			return want(len(a.Passkeys) == 1 && a.Passkeys[0].ID == "cred-1" && a.Passkeys[0].DisplayName == "MacBook", "the passkeys", a)
		})},
	{"listTrustedDevices", http.MethodPost, "/v1/mgmt/user/trusteddevices/list", `{"identifiers":["jane@example.com","U2bob"]}`,
		answered(func(a gen.TrustedDevicesResponse) error {
			var got []string
			for _, d := range a.Devices {
				got = append(got, d.UserID+"/"+d.ID)
			}
			return want(slices.Equal(got, []string{"U2abc/dev-1", "U2abc/dev-2", "U2bob/dev-9"}), "the devices", got)
		})},
	{"removeTrustedDevices", http.MethodPost, "/v1/mgmt/user/trusteddevices/remove", `{"identifier":"jane@example.com","deviceIds":["dev-1"]}`,
		all(unchanged, janesDevices("dev-2"))},

	// history(userIds) sends the bare list, and reads a list.
	{"history", http.MethodPost, "/v1/mgmt/user/history", `["U2abc","U2bob"]`,
		answered(func(a []gen.UserAuthHistory) error {
			var got []string
			for _, h := range a {
				got = append(got, fmt.Sprintf("%s/%s", h.UserID, h.City))
			}
			return want(slices.Equal(got, []string{"U2abc/Lisbon", "U2abc/Porto", "U2bob/Madrid"}), "the sign-ins", got)
		})},

	// import(source, users, hashes, dryrun), given base64 strings (what the server reads as
	// bytes); dryrun is always sent.
	{"import, base64 strings", http.MethodPost, "/v1/mgmt/user/import",
		`{"source":"descope","users":"eyJsb2dpbklkIjoiaXZ5QGV4YW1wbGUuY29tIiwiZW1haWwiOiJpdnlAZXhhbXBsZS5jb20ifQo=","hashes":"eyJsb2dpbklkIjoiaXZ5QGV4YW1wbGUuY29tIiwiaGFzaGVkUGFzc3dvcmQiOnsibWQ1Ijp7Imhhc2giOiI2ZWI5ZjczNWVlYzEzNmIzNGNkYzE3MTVkNmM3ZGE1NyJ9fX0K","dryrun":false}`,
		// The fake creates a user of the descope format as create/batch does: invited (the
		// spec's ImportUsers says "enabled unless the source says disabled": reported).
		all(createdOne("ivy@example.com", func(u *gen.User) { u.Email, u.Password = "ivy@example.com", true }),
			hasHash("ivy@example.com", "md5", "hunter2-md5"))},
	{"import, a dry run without hashes", http.MethodPost, "/v1/mgmt/user/import",
		`{"source":"descope","users":"eyJsb2dpbklkIjoiaXZ5QGV4YW1wbGUuY29tIn0K","dryrun":true}`,
		all(answered(func(a gen.UserImportResponse) error {
			return want(len(a.Users) == 1 && slices.Equal(a.Users[0].LoginIDs, []string{"ivy@example.com"}) && a.Users[0].UserID == "", "the dry run's users", a)
		}), noUser("ivy@example.com"))},

	// Custom attribute definitions: dept and legacyId are seeded.
	{"getCustomAttributes", http.MethodGet, "/v1/mgmt/user/customattributes", "",
		answered(func(a gen.CustomAttributesResponse) error {
			return want(len(a.Data) == 2 && a.Data[0].Name == "dept" && a.Total == "2", "the definitions", a)
		})},
	{"createCustomAttributes", http.MethodPost, "/v1/mgmt/user/customattribute/create",
		`{"attributes":[{"name":"plan","type":4,"displayName":"Plan","options":[{"value":"pro","label":"Pro"},{"value":"free","label":"Free"}],"defaultValue":"free","viewPermissions":[],"editPermissions":[]}]}`,
		definitions("dept", "legacyId", "plan")},
	{"deleteCustomAttributes", http.MethodPost, "/v1/mgmt/user/customattribute/delete", `{"names":["legacyId"]}`, definitions("dept")},
}

// TestNodeSDKRequestsAccepted: every request the Node SDK was recorded sending passes the
// contract, reaches the server as sent, and the fake applies it (the users after it, or its
// answer).
func TestNodeSDKRequestsAccepted(t *testing.T) {
	t.Parallel()
	testSDKRequests(t, nodeRequests, nodeHeaders)
}

// TestNodeSDKCoversItsOperations: the recording has every operation of ours but the v1 twins,
// which the Node SDK does not call (it adds roles and searches on v2), and three of spec 1.3.0
// that its management.user does not have in 2.13.0: passkey import, the v2 history (it reads
// history on v1) and impersonation consent.
func TestNodeSDKCoversItsOperations(t *testing.T) {
	t.Parallel()
	want := allOpsBut("UpdateUserAddRolesV1", "SearchUsersV1", "ImportUserPasskeys", "UsersAuthHistoryV2", "UpdateUserImpersonationConsent")
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

		// The operations of spec 1.3.0. import(source, users) given a Uint8Array or a Buffer, as
		// its type allows, sends an object where protobuf's JSON (and the spec) wants the bytes
		// as a base64 string: the contract refuses both, exactly as the SDK sent them (reported).
		sdkNeighbour{"import, a Uint8Array (as Node sends it)", http.MethodPost, "/v1/mgmt/user/import",
			`{"source":"descope","users":{"0":123,"1":34,"2":108,"3":111,"4":103,"5":105,"6":110,"7":73,"8":100,"9":34,"10":58,"11":34,"12":105,"13":118,"14":121,"15":64,"16":101,"17":120,"18":97,"19":109,"20":112,"21":108,"22":101,"23":46,"24":99,"25":111,"26":109,"27":34,"28":125,"29":10},"dryrun":false}`,
			bad, "E011003", []string{`"/users"`, "value must be a string"}, false},
		sdkNeighbour{"import, a Buffer (as Node sends it)", http.MethodPost, "/v1/mgmt/user/import",
			`{"source":"descope","users":{"type":"Buffer","data":[123,34,108,111,103,105,110,73,100,34,58,34,105,118,121,64,101,120,97,109,112,108,101,46,99,111,109,34,125,10]},"dryrun":false}`,
			bad, "E011003", []string{`"/users"`, "value must be a string"}, false},
		sdkNeighbour{"import, raw JSON Lines instead of base64", http.MethodPost, "/v1/mgmt/user/import",
			`{"source":"descope","users":"{\"loginId\":\"ivy@example.com\"}","dryrun":false}`, bad, "E011003", []string{`"/users"`, `"byte"`}, false},
		sdkNeighbour{"create, a login ID jane has", http.MethodPost, "/v1/mgmt/user/create", `{"loginId":"jane@example.com","email":"jane@example.com"}`,
			bad, "E011004", []string{"jane@example.com"}, false},
		sdkNeighbour{"createBatch, a password and a hash", http.MethodPost, "/v1/mgmt/user/create/batch",
			`{"users":[{"password":"Ann-Pa55word","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}},"loginId":"ann@example.com"}]}`,
			http.StatusOK, "E011004", []string{"password", "hashedPassword"}, true},
		sdkNeighbour{"generateMagicLinkForTestUser, a user who is not a test user", http.MethodPost, "/v1/mgmt/tests/generate/magiclink",
			`{"deliveryMethod":"email","loginId":"jane@example.com","URI":"https://app.example.com/verify"}`, bad, "E011004", []string{"test user"}, false},
		sdkNeighbour{"getProviderToken, a provider jane has no token from", http.MethodGet,
			"/v1/mgmt/user/provider/token?loginId=jane%40example.com&provider=github&withRefreshToken=false&forceRefresh=false", "", bad, "E011004", []string{"github"}, false},
		sdkNeighbour{"removeTrustedDevices, deviceIds and ids differ", http.MethodPost, "/v1/mgmt/user/trusteddevices/remove",
			`{"identifier":"jane@example.com","deviceIds":["dev-1"],"ids":["dev-2"]}`, bad, "E011004", []string{"deviceIds", "ids"}, false},
		sdkNeighbour{"setActivePassword, an empty password", http.MethodPost, "/v1/mgmt/user/password/set/active",
			`{"loginId":"jane@example.com","password":""}`, bad, "E011003", []string{`"/password"`}, false},
	)
	testSDKNeighbours(t, neighbours)
}
