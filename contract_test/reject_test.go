package contract_test

// Rejections: each names what is wrong, and a rejected request never reaches the server.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

func TestRequestRejected(t *testing.T) {
	t.Parallel()
	type rejectCase struct {
		name  string
		op    string
		ct    string // "" means application/json
		body  string
		wants []string // fragments of the error message
	}
	var cases []rejectCase
	// accepted are the neighbours of some refusals below that the contract must let through.
	var accepted []struct{ name, op, body string }

	// For every operation that takes a body: a missing, empty or mistyped loginId where its
	// valid body names the user, and bodies that are no body, not JSON, null, or of another type.
	for _, op := range operations() {
		if p, ok := op.loginIDPath(t); ok {
			missing, _ := op.withBody(t, nil, true, p...)
			empty, _ := op.withBody(t, "", false, p...)
			number, _ := op.withBody(t, 42, false, p...)
			at := `"` + jsonPointer(p) + `"`
			cases = append(cases, rejectCase{"loginId not a string", op.ID, "", number, []string{at, "value must be a string"}})
			idAt := `"` + jsonPointer(append(slices.Clone(p[:len(p)-1]), "identifier")) + `"`
			switch {
			case op.loginIDMayBeEmpty(t):
				// DeleteUser and LogoutAllUserDevices name their user by loginId (or identifier)
				// or by userId, plain strings where "" is none, because the SDKs send "" for the
				// name they do not use: "" beside the other name, or no loginId at all, passes
				// the contract, and the fake refuses a body naming no one
				// (TestFakeRefusesABodyNamingNoOne). The names are still strings.
				for _, name := range []string{"identifier", "userId"} {
					wrong := op.withTopLevel(t, map[string]any{name: 42})
					cases = append(cases, rejectCase{name + " not a string", op.ID, "", wrong, []string{`"/` + name + `"`, "value must be a string"}})
				}
				accepted = append(accepted,
					struct{ name, op, body string }{"empty loginId beside a userId", op.ID, op.withTopLevel(t, map[string]any{"loginId": "", "userId": "U2abc"})},
					struct{ name, op, body string }{"empty userId beside a loginId", op.ID, op.withTopLevel(t, map[string]any{"loginId": "jane@example.com", "userId": ""})},
					struct{ name, op, body string }{"empty identifier beside a userId", op.ID, op.withTopLevel(t, map[string]any{"loginId": nil, "identifier": "", "userId": "U2abc"})},
					struct{ name, op, body string }{"a userId alone", op.ID, op.withTopLevel(t, map[string]any{"loginId": nil, "userId": "U2abc"})},
				)
				continue
			}
			cases = append(cases, rejectCase{"empty loginId", op.ID, "", empty, []string{at, "minimum string length is 1"}})
			// Where identifier is another name for loginId, a body naming neither is refused
			// with the spec's own message, and identifier is held to loginId's rules; elsewhere
			// loginId is required and identifier is an unknown field.
			if op.takesIdentifier(t) {
				cases = append(cases,
					rejectCase{"missing loginId", op.ID, "", missing, []string{notNamedMessage}},
					rejectCase{"empty identifier", op.ID, "", op.withIdentifier(t, "", true), []string{idAt, "minimum string length is 1"}},
					rejectCase{"identifier not a string", op.ID, "", op.withIdentifier(t, 42, true), []string{idAt, "value must be a string"}},
				)
			} else {
				cases = append(cases,
					rejectCase{"missing loginId", op.ID, "", missing, []string{`property "loginId" is missing`}},
					rejectCase{"identifier is unknown here", op.ID, "", op.withIdentifier(t, "jane@example.com", false), []string{`property "identifier" is unsupported`}},
				)
			}
		}
		if op.valid != "" {
			cases = append(cases,
				rejectCase{"no body", op.ID, "", ``, []string{"value is required but missing"}},
				rejectCase{"not JSON", op.ID, "", `{"loginId":`, []string{"failed to decode request body"}},
				rejectCase{"JSON null", op.ID, "", `null`, []string{"Value is not nullable"}},
				rejectCase{"wrong content type", op.ID, "text/plain", op.valid, []string{`"text/plain"`}},
			)
		}
	}

	// Request schemas are closed: the gateway would ignore a misspelt field, so the gate rejects it.
	cases = append(cases, []rejectCase{
		{"misspelt field", "PatchUser", "", `{"loginId":"a","rolenames":[]}`, []string{`property "rolenames" is unsupported`}},
		{"misspelt field in a batch", "PatchUserBatch", "", `{"users":[{"loginId":"a","givenname":"x"}]}`, []string{`"/users/0"`, `property "givenname" is unsupported`}},
		{"misspelt field in a tenant", "PatchUser", "", `{"loginId":"a","userTenants":[{"tenantId":"T","roles":[]}]}`, []string{`property "roles" is unsupported`}},
		{"unknown field on name", "UpdateUserName", "", `{"loginId":"a","display_name":"x"}`, []string{`property "display_name" is unsupported`}},
	}...)

	cases = append(cases, []rejectCase{
		{"attributeKey missing", "UpdateUserCustomAttribute", "", `{"loginId":"a","attributeValue":1}`, []string{`property "attributeKey" is missing`}},
		{"attributeKey empty", "UpdateUserCustomAttribute", "", `{"loginId":"a","attributeKey":"","attributeValue":1}`, []string{`"/attributeKey"`, "minimum string length is 1"}},
		{"attributeKey not a string", "UpdateUserCustomAttribute", "", `{"loginId":"a","attributeKey":7,"attributeValue":1}`, []string{`"/attributeKey"`, "value must be a string"}},

		{"name not a string", "UpdateUserName", "", `{"loginId":"a","name":1}`, []string{`"/name"`, "value must be a string"}},
		{"displayName null", "UpdateUserName", "", `{"loginId":"a","displayName":null}`, []string{`"/displayName"`, "not nullable"}},
		{"givenName not a string", "UpdateUserName", "", `{"loginId":"a","givenName":true}`, []string{`"/givenName"`}},
		{"middleName not a string", "UpdateUserName", "", `{"loginId":"a","middleName":[]}`, []string{`"/middleName"`}},
		{"familyName not a string", "UpdateUserName", "", `{"loginId":"a","familyName":{}}`, []string{`"/familyName"`}},

		{"picture null", "UpdateUserPicture", "", `{"loginId":"a","picture":null}`, []string{`"/picture"`, "not nullable"}},
		{"picture not a string", "UpdateUserPicture", "", `{"loginId":"a","picture":1}`, []string{`"/picture"`, "value must be a string"}},

		{"phone not a string", "UpdateUserPhone", "", `{"loginId":"a","phone":15555550100}`, []string{`"/phone"`, "value must be a string"}},
		{"verified as string", "UpdateUserPhone", "", `{"loginId":"a","verified":"true"}`, []string{`"/verified"`, "value must be a boolean"}},
		{"failOnConflict as number", "UpdateUserPhone", "", `{"loginId":"a","failOnConflict":1}`, []string{`"/failOnConflict"`, "value must be a boolean"}},

		{"verifiedEmail yes", "PatchUser", "", `{"loginId":"a","verifiedEmail":"yes"}`, []string{`"/verifiedEmail"`, "value must be a boolean"}},
		{"verifiedPhone as number", "PatchUser", "", `{"loginId":"a","verifiedPhone":0}`, []string{`"/verifiedPhone"`, "value must be a boolean"}},
		{"roleNames a string", "PatchUser", "", `{"loginId":"a","roleNames":"admin"}`, []string{`"/roleNames"`, "value must be an array"}},
		{"roleNames item null", "PatchUser", "", `{"loginId":"a","roleNames":["admin",null]}`, []string{`"/roleNames/1"`, "not nullable"}},
		{"userTenants item null", "PatchUser", "", `{"loginId":"a","userTenants":[null]}`, []string{`"/userTenants/0"`, "not nullable"}},
		{"status paused", "PatchUser", "", `{"loginId":"a","status":"paused"}`, []string{`"/status"`, "value is not one of the allowed values"}},
		{"roleNames item a number", "PatchUser", "", `{"loginId":"a","roleNames":["admin",7]}`, []string{`"/roleNames/1"`, "value must be a string"}},
		{"status bogus", "PatchUser", "", `{"loginId":"a","status":"bogus"}`, []string{`"/status"`, "value is not one of the allowed values"}},
		{"status wrong case", "PatchUser", "", `{"loginId":"a","status":"Enabled"}`, []string{`"/status"`, "value is not one of the allowed values"}},
		{"userTenants an object", "PatchUser", "", `{"loginId":"a","userTenants":{"tenantId":"T1"}}`, []string{`"/userTenants"`, "value must be an array"}},
		{"tenant without tenantId", "PatchUser", "", `{"loginId":"a","userTenants":[{"roleNames":["x"]}]}`, []string{`property "tenantId" is missing`}},
		{"tenant with empty tenantId", "PatchUser", "", `{"loginId":"a","userTenants":[{"tenantId":""}]}`, []string{`"/userTenants/0/tenantId"`, "minimum string length is 1"}},
		{"tenant roleNames a string", "PatchUser", "", `{"loginId":"a","userTenants":[{"tenantId":"T1","roleNames":"x"}]}`, []string{`"/userTenants/0/roleNames"`}},
		{"customAttributes a string", "PatchUser", "", `{"loginId":"a","customAttributes":"x"}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"customAttributes a list", "PatchUser", "", `{"loginId":"a","customAttributes":["x"]}`, []string{`"/customAttributes"`, "value must be an object"}},
		{"ssoAppIds a string", "PatchUser", "", `{"loginId":"a","ssoAppIds":"app"}`, []string{`"/ssoAppIds"`, "value must be an array"}},
		{"scim as string", "PatchUser", "", `{"loginId":"a","scim":"true"}`, []string{`"/scim"`, "value must be a boolean"}},
		{"additionalLoginIds items not strings", "PatchUser", "", `{"loginId":"a","additionalLoginIds":[1]}`, []string{`"/additionalLoginIds/0"`}},
		{"email not a string", "PatchUser", "", `{"loginId":"a","email":false}`, []string{`"/email"`}},
		{"several errors at once", "PatchUser", "", `{"loginId":"a","verifiedEmail":"yes","status":"bogus"}`,
			[]string{`"/verifiedEmail"`, "value must be a boolean", `"/status"`, "value is not one of the allowed values"}},
		// kin-openapi checks the schema's `not` first and stops there when it fails: a body that
		// names no user is told only that.
		{"no name and other errors", "PatchUser", "", `{"verifiedEmail":"yes","status":"bogus"}`, []string{notNamedMessage}},
		{"displayName null", "PatchUser", "", `{"loginId":"a","displayName":null}`, []string{`"/displayName"`, "not nullable"}},
		{"additionalIdentifiers items not strings", "PatchUser", "", `{"loginId":"a","additionalIdentifiers":[7]}`, []string{`"/additionalIdentifiers/0"`, "value must be a string"}},
		{"recoveryEmail a number", "PatchUser", "", `{"loginId":"a","recoveryEmail":7}`, []string{`"/recoveryEmail"`, "value must be a string"}},
		{"verifiedRecoveryPhone a string", "PatchUser", "", `{"loginId":"a","verifiedRecoveryPhone":"true"}`, []string{`"/verifiedRecoveryPhone"`, "value must be a boolean"}},
		{"recoveryPhone in a batch null", "PatchUserBatch", "", `{"users":[{"identifier":"a","recoveryPhone":null}]}`, []string{`"/users/0/recoveryPhone"`, "not nullable"}},
		{"a batch user naming no one", "PatchUserBatch", "", `{"users":[{"loginId":"a"},{"displayName":"x"}]}`, []string{`"/users/1"`, notNamedMessage}},

		{"status expired", "UpdateUserStatus", "", `{"loginId":"a","status":"expired"}`, []string{`"/status"`, "value is not one of the allowed values"}},
		{"status missing", "UpdateUserStatus", "", `{"loginId":"a"}`, []string{`property "status" is missing`}},
		{"newLoginId a number", "UpdateUserLoginID", "", `{"loginId":"a","newLoginId":7}`, []string{`"/newLoginId"`, "value must be a string"}},
		{"email a list", "UpdateUserEmail", "", `{"loginId":"a","email":["a@example.com"]}`, []string{`"/email"`, "value must be a string"}},
		{"failOnConflict a string", "UpdateUserEmail", "", `{"loginId":"a","email":"a@example.com","failOnConflict":"no"}`, []string{`"/failOnConflict"`, "value must be a boolean"}},
		{"recoveryEmail missing", "UpdateUserRecoveryEmail", "", `{"loginId":"a","verified":false}`, []string{`property "recoveryEmail" is missing`}},
		{"recoveryEmail null", "UpdateUserRecoveryEmail", "", `{"loginId":"a","recoveryEmail":null}`, []string{`"/recoveryEmail"`, "not nullable"}},
		{"recoveryPhone a number", "UpdateUserRecoveryPhone", "", `{"loginId":"a","recoveryPhone":15555550199}`, []string{`"/recoveryPhone"`, "value must be a string"}},
		{"roleNames missing", "UpdateUserSetRoles", "", `{"loginId":"a","tenantId":""}`, []string{`property "roleNames" is missing`}},
		{"empty role name", "UpdateUserAddRoles", "", `{"loginId":"a","roleNames":["admin",""]}`, []string{`"/roleNames/1"`, "minimum string length is 1"}},
		{"tenantId null", "UpdateUserRemoveRoles", "", `{"loginId":"a","tenantId":null,"roleNames":[]}`, []string{`"/tenantId"`, "not nullable"}},
		{"roles instead of roleNames", "UpdateUserSetRoles", "", `{"loginId":"a","roles":["admin"],"roleNames":[]}`, []string{`property "roles" is unsupported`}},
		{"empty tenantId", "UpdateUserAddTenant", "", `{"loginId":"a","tenantId":""}`, []string{`"/tenantId"`, "minimum string length is 1"}},
		{"tenantId missing", "UpdateUserRemoveTenant", "", `{"loginId":"a"}`, []string{`property "tenantId" is missing`}},
		{"roleNames on a tenant add", "UpdateUserAddTenant", "", `{"loginId":"a","tenantId":"T1","roleNames":["x"]}`, []string{`property "roleNames" is unsupported`}},
		{"ssoAppIds missing", "UpdateUserSetSSOApps", "", `{"loginId":"a"}`, []string{`property "ssoAppIds" is missing`}},
		{"empty SSO app", "UpdateUserAddSSOApps", "", `{"loginId":"a","ssoAppIds":[""]}`, []string{`"/ssoAppIds/0"`, "minimum string length is 1"}},
		{"ssoAppIDs spelling on SSO ops", "UpdateUserRemoveSSOApps", "", `{"loginId":"a","ssoAppIDs":["x"],"ssoAppIds":[]}`, []string{`property "ssoAppIDs" is unsupported`}},
		{"userIds missing", "LoadUsers", "", `{"includeInvalidUsers":true}`, []string{`property "userIds" is missing`}},
		{"empty user ID", "LoadUsers", "", `{"userIds":["U1",""]}`, []string{`"/userIds/1"`, "minimum string length is 1"}},
		{"loginId on a batch load", "LoadUsers", "", `{"userIds":["U1"],"loginId":"a"}`, []string{`property "loginId" is unsupported`}},
		{"negative page", "SearchUsers", "", `{"page":-1}`, []string{`"/page"`, "number must be at least 0"}},
		{"negative limit", "SearchTestUsers", "", `{"limit":-5}`, []string{`"/limit"`, "number must be at least 0"}},
		{"page too large for int32", "SearchUsers", "", `{"page":4294967296}`, []string{`"/page"`}},
		{"unknown status filter", "SearchUsers", "", `{"statuses":["active"]}`, []string{`"/statuses/0"`, "value is not one of the allowed values"}},
		{"sort without field", "SearchUsers", "", `{"sort":[{"desc":true}]}`, []string{`property "field" is missing`}},
		// A time is a number or a decimal string (TimeMillis); anything else is refused naming
		// the field.
		{"time a string with a letter", "SearchUsers", "", `{"fromCreatedTime":"12a"}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"time a string with a fraction", "SearchUsers", "", `{"toCreatedTime":"1.5"}`, []string{`"/toCreatedTime"`, anyOfFailed}},
		{"time a word", "SearchTestUsers", "", `{"fromModifiedTime":"abc"}`, []string{`"/fromModifiedTime"`, anyOfFailed}},
		{"time an empty string", "SearchUsers", "", `{"toModifiedTime":""}`, []string{`"/toModifiedTime"`, anyOfFailed}},
		{"time a negative string", "SearchUsers", "", `{"fromCreatedTime":"-1"}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"time a string past int64", "SearchUsers", "", `{"fromCreatedTime":"12345678901234567890"}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"time a fraction", "SearchUsers", "", `{"fromCreatedTime":1.5}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"time a boolean", "SearchUsers", "", `{"fromCreatedTime":true}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"time null", "SearchUsers", "", `{"fromCreatedTime":null}`, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"negative time", "SearchUsers", "", `{"toModifiedTime":-1}`, []string{`"/toModifiedTime"`, anyOfFailed}},
		{"tenant roles as a list", "SearchUsers", "", `{"tenantRoleNames":{"T1":["admin"]}}`, []string{`"/tenantRoleNames/T1"`, "value must be an object"}},
		// Every filter Descope's document names is accepted; a name it does not is still refused.
		{"unknown filter", "SearchUsers", "", `{"createdAfter":1700000000000}`, []string{`property "createdAfter" is unsupported`}},
		{"misspelt filter", "SearchUsers", "", `{"recoveryEmail":["r@example.com"]}`, []string{`property "recoveryEmail" is unsupported`}},
		{"verified filter null", "SearchUsers", "", `{"verifiedRecoveryEmail":null}`, []string{`"/verifiedRecoveryEmail"`, "not nullable"}},
		{"negative offset", "SearchUsers", "", `{"offset":-1}`, []string{`"/offset"`, "number must be at least 0"}},
		{"selectedColumns a string", "SearchUsers", "", `{"selectedColumns":"email"}`, []string{`"/selectedColumns"`, "value must be an array"}},
		{"empty sort field", "SearchUsers", "", `{"sort":[{"field":""}]}`, []string{`"/sort/0/field"`, "minimum string length is 1"}},
		{"update: userTenants an object", "UpdateUser", "", `{"loginId":"a","userTenants":{"tenantId":"T1"}}`, []string{`"/userTenants"`, "value must be an array"}},
		{"update: status outside the enum", "UpdateUser", "", `{"loginId":"a","status":"paused"}`, []string{`"/status"`, "value is not one of the allowed values"}},
		{"update: status null", "UpdateUser", "", `{"loginId":"a","status":null}`, []string{`"/status"`}},
		{"update: phoneNumber a number", "UpdateUser", "", `{"loginId":"a","phoneNumber":15555550100}`, []string{`"/phoneNumber"`, "value must be a string"}},
		{"update: recoveryEmail null", "UpdateUser", "", `{"loginId":"a","recoveryEmail":null}`, []string{`"/recoveryEmail"`, "not nullable"}},
		{"update: no name", "UpdateUser", "", `{"email":"a@example.com","status":"enabled"}`, []string{notNamedMessage}},
		{"update: verifiedEmail a string", "UpdateUser", "", `{"loginId":"a","verifiedEmail":"true"}`, []string{`"/verifiedEmail"`, "value must be a boolean"}},

		{"users missing", "PatchUserBatch", "", `{}`, []string{`property "users" is missing`}},
		{"users null", "PatchUserBatch", "", `{"users":null}`, []string{`"/users"`, "not nullable"}},
		{"users an object", "PatchUserBatch", "", `{"users":{"loginId":"a"}}`, []string{`"/users"`, "value must be an array"}},
		{"user with a bad field", "PatchUserBatch", "", `{"users":[{"loginId":"a"},{"loginId":"b","status":"bogus"}]}`,
			[]string{`"/users/1/status"`, "value is not one of the allowed values"}},
	}...)

	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := f.send(t, operationByID(t, tc.op), request{body: tc.body, contentType: tc.ct})
			assertRequestRejected(t, err, tc.op, tc.wants...)
			f.assertNotHit(t)
		})
	}
	if len(accepted) == 0 {
		t.Error("no operation names its user by loginId or userId, where \"\" is none")
	}
	for _, tc := range accepted {
		t.Run(tc.op+"/accepted: "+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{example: true})
			if _, err := f.send(t, operationByID(t, tc.op), request{body: tc.body}); err != nil {
				t.Fatalf("the contract refused %s: %v", tc.body, err)
			}
		})
	}
}

// Values of the generated types that Go allows but the spec does not: the validator stops them.
func TestRequestRejectedTyped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		op    string
		body  any // a gen request type
		wants []string
	}{
		// An empty LoginID is left out (omitempty), so a body naming no one is refused by the
		// spec's `not`.
		{"zero PatchUserRequest", "PatchUser", gen.PatchUserRequest{}, []string{notNamedMessage}},
		{"status outside the enum", "PatchUser", gen.PatchUserRequest{LoginID: "a", Status: ptr(gen.UserStatus("bogus"))}, []string{`"/status"`}},
		{"tenant without id", "PatchUser", gen.PatchUserRequest{LoginID: "a", UserTenants: &[]gen.PatchUserTenant{{}}}, []string{`"/userTenants/0/tenantId"`}},
		{"nil users", "PatchUserBatch", gen.PatchUsersBatchRequest{}, []string{`"/users"`, "not nullable"}},
		{"empty attributeKey", "UpdateUserCustomAttribute", gen.UpdateUserCustomAttributeRequest{LoginID: "a"}, []string{`"/attributeKey"`}},
		{"empty loginId", "UpdateUserName", gen.UpdateUserNameRequest{Name: ptr("x")}, []string{notNamedMessage}},
		{"empty loginId", "UpdateUserPicture", gen.UpdateUserPictureRequest{Picture: ptr("")}, []string{`"/loginId"`}},
		{"empty loginId", "UpdateUserPhone", gen.UpdateUserPhoneRequest{Phone: ptr("")}, []string{notNamedMessage}},
		{"zero status", "UpdateUserStatus", gen.UpdateUserStatusRequest{LoginID: "a"}, []string{`"/status"`, "value is not one of the allowed values"}},
		{"zero tenant", "UpdateUserAddTenant", gen.UpdateUserTenantRequest{LoginID: "a"}, []string{`"/tenantId"`, "minimum string length is 1"}},
		{"nil userIds", "LoadUsers", gen.LoadUsersRequest{}, []string{`"/userIds"`, "not nullable"}},
		{"sort by nothing", "SearchUsers", gen.SearchUsersRequest{Sort: []gen.SearchSort{{Desc: true}}}, []string{`"/sort/0/field"`, "minimum string length is 1"}},
		{"negative page", "SearchUsers", gen.SearchUsersRequest{Page: -1}, []string{`"/page"`}},
		{"empty loginId", "UpdateUser", gen.UpdateUserRequest{Email: "a@example.com"}, []string{notNamedMessage}},
		{"status outside the enum", "UpdateUser", gen.UpdateUserRequest{LoginID: "a", Status: ptr(gen.UserStatus("paused"))}, []string{`"/status"`}},
		{"negative time", "SearchUsers", gen.SearchUsersRequest{FromCreatedTime: -1}, []string{`"/fromCreatedTime"`, anyOfFailed}},
		{"negative offset", "SearchUsers", gen.SearchUsersRequest{Offset: -3}, []string{`"/offset"`}},
		{"empty loginId", "UpdateUserAddRolesV1", gen.UpdateUserRolesRequest{RoleNames: []string{"a"}}, []string{notNamedMessage}},
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := f.send(t, operationByID(t, tc.op), request{body: string(mustJSON(t, tc.body))})
			assertRequestRejected(t, err, tc.op, tc.wants...)
			f.assertNotHit(t)
		})
	}
}

func TestResponseRejected(t *testing.T) {
	t.Parallel()
	type responseCase struct {
		name  string
		op    string
		reply reply
		wants []string
	}
	cases := []responseCase{
		{"createdTime yesterday", "PatchUser", reply{body: `{"user":{"createdTime":"yesterday"}}`},
			[]string{`"/user/createdTime"`, "value must be an integer"}},
		{"createdTime fractional", "UpdateUserName", reply{body: `{"user":{"createdTime":1.5}}`},
			[]string{`"/user/createdTime"`, "value must be an integer"}},
		{"OAuth value a string", "UpdateUserPicture", reply{body: `{"user":{"OAuth":{"google":"yes"}}}`},
			[]string{`"/user/OAuth/google"`, "value must be a boolean"}},
		{"loginIds a string", "UpdateUserPhone", reply{body: `{"user":{"loginIds":"a"}}`},
			[]string{`"/user/loginIds"`, "value must be an array"}},
		{"loginIds item a number", "PatchUser", reply{body: `{"user":{"loginIds":["a",1]}}`},
			[]string{`"/user/loginIds/1"`, "value must be a string"}},
		{"verifiedEmail a string", "PatchUser", reply{body: `{"user":{"verifiedEmail":"true"}}`},
			[]string{`"/user/verifiedEmail"`, "value must be a boolean"}},
		{"userTenants item roleNames a string", "UpdateUserCustomAttribute", reply{body: `{"user":{"userTenants":[{"tenantId":"T1","roleNames":"admin"}]}}`},
			[]string{`"/user/userTenants/0/roleNames"`, "value must be an array"}},
		{"customAttributes a string", "PatchUser", reply{body: `{"user":{"customAttributes":"x"}}`},
			[]string{`"/user/customAttributes"`, "value must be an object"}},
		{"user a list", "PatchUser", reply{body: `{"user":[]}`},
			[]string{`"/user"`, "value must be an object"}},
		{"created a string", "PatchUser", reply{body: `{"created":"yes"}`},
			[]string{`"/created"`, "value must be a boolean"}},
		{"body null", "PatchUser", reply{body: `null`}, []string{"not nullable"}},
		{"body a list", "PatchUser", reply{body: `[]`}, []string{"value must be an object"}},
		{"body not JSON", "PatchUser", reply{body: `{"user":`}, []string{"failed to decode response body"}},
		{"body empty", "PatchUser", reply{body: ``}, []string{"failed to decode response body"}},
		{"text/plain", "PatchUser", reply{contentType: "text/plain", body: `{}`}, []string{`"text/plain"`}},
		{"no content type", "PatchUser", reply{contentType: "-", body: `{}`}, []string{`response header Content-Type has unexpected value: ""`}},

		{"patchedUsers an object", "PatchUserBatch", reply{body: `{"patchedUsers":{}}`},
			[]string{`"/patchedUsers"`, "value must be an array"}},
		{"failure a number", "PatchUserBatch", reply{body: `{"failedUsers":[{"failure":7}]}`},
			[]string{`"/failedUsers/0/failure"`, "value must be a string"}},
		{"failed user with bad field", "PatchUserBatch", reply{body: `{"failedUsers":[{"user":{"SCIM":"no"}}]}`},
			[]string{`"/failedUsers/0/user"`, `"/SCIM"`, "value must be a boolean"}},
		{"failed user a string", "PatchUserBatch", reply{body: `{"failedUsers":[{"failure":"x","user":"jane"}]}`},
			[]string{`"/failedUsers/0/user"`, "value must be an object"}},
		{"additionalErrors value a number", "PatchUserBatch", reply{body: `{"additionalErrors":{"a":1}}`},
			[]string{`"/additionalErrors/a"`, "value must be a string"}},

		{"error code a number", "PatchUser", reply{status: 400, body: `{"errorCode":11002}`},
			[]string{`"/errorCode"`, "value must be a string"}},
		{"error body a string", "UpdateUserName", reply{status: 500, body: `"boom"`},
			[]string{"value must be an object"}},
		{"429 Retry-After not a number", "PatchUser", reply{status: 429, header: map[string]string{"Retry-After": "soon"}, body: `{}`},
			[]string{`"Retry-After"`}},
		{"429 Retry-After negative", "PatchUser", reply{status: 429, header: map[string]string{"Retry-After": "-1"}, body: `{}`},
			[]string{`"Retry-After"`}},

		{"user a list", "LoadUser", reply{body: `{"user":[]}`}, []string{`"/user"`, "value must be an object"}},
		{"users an object", "LoadUsers", reply{body: `{"users":{},"total":0}`}, []string{`"/users"`, "value must be an array"}},
		{"total a string", "SearchUsers", reply{body: `{"users":[],"total":"85"}`}, []string{`"/total"`, "value must be an integer"}},
		{"total negative", "SearchTestUsers", reply{body: `{"users":[],"total":-1}`}, []string{`"/total"`, "number must be at least 0"}},
		{"found user with a bad field", "SearchUsers", reply{body: `{"users":[{"loginIds":["a"]},{"status":7}],"total":2}`},
			[]string{`"/users/1/status"`, "value must be a string"}},

		{"status 418", "PatchUser", reply{status: 418, body: `{}`}, []string{"status is not supported"}},
		{"status 201", "UpdateUserPicture", reply{status: 201, body: `{}`}, []string{"status is not supported"}},
		{"status 502", "PatchUserBatch", reply{status: 502, body: `{}`}, []string{"status is not supported"}},
	}
	// Every operation: an answer of another type (an object where the spec's answer is a list,
	// as UsersAuthHistory's on the v1 path, and a list where it is an object), and a status the
	// spec does not list.
	lists := 0
	for _, op := range operations() {
		other := responseCase{"body a list", op.ID, reply{body: `[{}]`}, []string{"value must be an object"}}
		if answerIsList(t, op) {
			lists++
			other = responseCase{"body an object", op.ID, reply{body: `{"usersAuthHistory":[]}`}, []string{"value must be an array"}}
		}
		cases = append(cases, other, responseCase{"status 409", op.ID, reply{status: 409, body: `{}`}, []string{"status is not supported"}})
	}
	if lists != 1 {
		t.Errorf("%d operations answer a list, want 1 (UsersAuthHistory)", lists)
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, tc.reply)
			_, err := f.sendValid(t, operationByID(t, tc.op))
			status := tc.reply.status
			if status == 0 {
				status = http.StatusOK
			}
			assertResponseRejected(t, err, tc.op, status, tc.wants...)
			if n := f.hits.Load(); n != 1 {
				t.Errorf("server hit %d times, want 1", n)
			}
		})
	}
}

func TestBadCredentials(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte(testProjectID + ":" + testKey))
	cases := []struct {
		name  string
		set   func(http.Header)
		value string // the header value, which must not appear in the error
	}{
		{"missing", func(h http.Header) { h.Del("Authorization") }, ""},
		{"empty", func(h http.Header) { h.Set("Authorization", "") }, ""},
		{"bearer without colon", func(h http.Header) { h.Set("Authorization", "Bearer "+testProjectID+testKey) }, testProjectID + testKey},
		{"bearer key only", func(h http.Header) { h.Set("Authorization", "Bearer "+testKey) }, testKey},
		{"bearer empty project", func(h http.Header) { h.Set("Authorization", "Bearer :"+testKey) }, ":" + testKey},
		{"bearer empty key", func(h http.Header) { h.Set("Authorization", "Bearer "+testProjectID+":") }, testProjectID + ":"},
		{"bearer nothing", func(h http.Header) { h.Set("Authorization", "Bearer ") }, ""},
		{"bearer white space in token", func(h http.Header) { h.Set("Authorization", "Bearer "+testProjectID+": "+testKey) }, testKey},
		{"basic", func(h http.Header) { h.Set("Authorization", "Basic "+basic) }, basic},
		{"token without scheme", func(h http.Header) { h.Set("Authorization", testProjectID+":"+testKey) }, testProjectID + ":" + testKey},
	}
	for _, op := range operations() {
		for _, tc := range cases {
			t.Run(op.ID+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newFakeAPI(t, reply{body: `{}`})
				_, err := f.send(t, op, request{body: op.valid, edit: tc.set})
				assertBadCredentials(t, err, op.ID, tc.value)
				f.assertNotHit(t)
			})
		}
	}
	// Credentials are checked even when the body is also wrong, and still reported as such.
	t.Run("bad body and bad credentials", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t, reply{body: `{}`})
		op := operationByID(t, "PatchUser")
		_, err := f.send(t, op, request{body: `{"status":"bogus"}`, edit: cases[0].set})
		assertBadCredentials(t, err, op.ID, "")
		f.assertNotHit(t)
	})
	// CheckBearer itself, on the valid form and a few more invalid ones.
	t.Run("CheckBearer", func(t *testing.T) {
		t.Parallel()
		// The scheme name is case-insensitive (RFC 9110).
		for _, h := range []string{testBearer, "bearer " + testProjectID + ":" + testKey, "BEARER " + testProjectID + ":" + testKey} {
			if err := spec.CheckBearer(h); err != nil {
				t.Errorf("valid bearer %q rejected: %v", h, err)
			}
		}
		for _, h := range []string{"Bearer  " + testProjectID + ":" + testKey,
			"Bearer " + testProjectID + ":" + testKey + "\n", "Bearer\t" + testProjectID + ":" + testKey} {
			if err := spec.CheckBearer(h); !errors.Is(err, spec.ErrBadCredentials) {
				t.Errorf("CheckBearer(%q) = %v, want ErrBadCredentials", h, err)
			}
		}
	})
}

func assertBadCredentials(t *testing.T, err error, id, value string) {
	t.Helper()
	if !errors.Is(err, spec.ErrBadCredentials) {
		t.Fatalf("err = %v, want ErrBadCredentials", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, id+": ") {
		t.Errorf("error does not name the operation %s: %v", id, err)
	}
	if strings.Contains(msg, testKey) || value != "" && strings.Contains(msg, value) {
		t.Errorf("error leaks the credentials: %v", err)
	}
}

// A request that matches no operation is an error, never a silent pass. The fake API runs on
// 127.0.0.1, which is not among the spec's servers: the valid requests of the other tests are
// matched by method and path alone, and these are not matched at all.
func TestNoOperation(t *testing.T) {
	t.Parallel()
	cases := []struct{ method, path string }{
		{"POST", "/v1/mgmt/user/update/nickname"},
		{"GET", "/v1/mgmt/user/patch"},
		{"POST", "/v1/mgmt/user/patch"},
		{"PUT", "/v1/mgmt/user/patch/batch"},
		{"DELETE", "/v1/mgmt/user/patch/batch"},
		{"PATCH", "/v1/mgmt/user/update/name"},
		{"GET", "/v1/mgmt/user/update/customAttribute"},
		{"POST", "/v1/mgmt/user/update/name/"},
		{"POST", "/v1/mgmt/user/update/Name"},
		{"POST", "/v1/mgmt/user/updates"},
		{"POST", "/mgmt/user/update/name"},
		{"PATCH", "/v1/mgmt/user/patch/batch/1"},
		{"GET", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, reply{body: `{}`})
			req, err := http.NewRequestWithContext(t.Context(), tc.method, api.srv.URL+tc.path,
				strings.NewReader(`{"loginId":"jane@example.com"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", testBearer)
			resp, err := httpClient(t).Do(req)
			if err == nil {
				_ = resp.Body.Close()
				t.Fatalf("%s %s was sent and answered %d", tc.method, tc.path, resp.StatusCode)
			}
			if !errors.Is(err, spec.ErrNoOperation) {
				t.Fatalf("err = %v, want ErrNoOperation", err)
			}
			if !strings.Contains(err.Error(), tc.method+" "+tc.path) {
				t.Errorf("error does not name %s %s: %v", tc.method, tc.path, err)
			}
			api.assertNotHit(t)
		})
	}
}

// Routing ignores the host: every operation is found on the test server's address, on the
// spec's own hosts and elsewhere, and the validator's RouteFor agrees with ValidateRequest.
func TestRoutingIgnoresHost(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for _, host := range []string{"127.0.0.1:12345", "localhost", "api.descope.com", "api.use1.descope.com", "example.org:8443"} {
		for _, op := range operations() {
			t.Run(host+"/"+op.ID, func(t *testing.T) {
				t.Parallel()
				u := "http://" + host + op.Path
				if op.query != nil {
					u += "?" + op.query.Encode()
				}
				req := httptest.NewRequestWithContext(t.Context(), op.Method, u, strings.NewReader(op.valid))
				if op.valid != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", testBearer)
				route, err := v.ValidateRequest(t.Context(), req)
				if err != nil {
					t.Fatalf("ValidateRequest: %v", err)
				}
				if got := route.OperationID(); got != op.ID {
					t.Errorf("matched %s, want %s", got, op.ID)
				}
				if r, err := v.RouteFor(req); err != nil || r.OperationID() != op.ID {
					t.Errorf("RouteFor = %v, %v", r, err)
				}
				// The body is still there for whoever serves or sends the request next.
				if got := readAll(t, req); got != op.valid {
					t.Errorf("body after validation = %q, want %q", got, op.valid)
				}
			})
		}
	}
}

func readAll(t *testing.T, req *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonPointer writes a path of keys and indexes as a JSON pointer, as the validator names places.
func jsonPointer(path []any) string {
	var b strings.Builder
	for _, p := range path {
		fmt.Fprintf(&b, "/%v", p)
	}
	return b.String()
}

// notNamedMessage is the spec's message for a body that names its user by neither loginId nor
// identifier (the `not` of every request schema that takes both).
const notNamedMessage = "Neither `loginId` nor `identifier` is given; one of them must name the user (see Identifier)."

// anyOfFailed is how kin-openapi refuses a value that matches none of a schema's alternatives,
// such as a time that is neither a non-negative integer nor a decimal string.
const anyOfFailed = `doesn't match any schema from "anyOf"`

// requestSchema is the schema of the object of op's valid body that names its user: the body's,
// or its first batch entry's.
func (op operation) requestSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Paths.Value(op.Path).GetOperation(op.Method).RequestBody.Value.Content.Get("application/json").Schema.Value
	if p, ok := op.loginIDPath(t); ok && p[0] == "users" {
		s = s.Properties["users"].Value.Items.Value
	}
	return s
}

// loginIDMayBeEmpty reports whether the loginId of op's valid body may be "": where the spec
// makes it a plain string that names no one when empty (DeleteUserRequest, UserLogoutRequest),
// instead of a LoginID.
func (op operation) loginIDMayBeEmpty(t *testing.T) bool {
	t.Helper()
	p := op.requestSchema(t).Properties["loginId"]
	return p != nil && p.Value.MinLength == 0
}

// withTopLevel returns op's valid body with the top-level fields given set, or removed where
// the value is nil.
func (op operation) withTopLevel(t *testing.T, fields map[string]any) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(op.valid), &v); err != nil {
		t.Fatalf("%s: the valid body is not an object: %v", op.ID, err)
	}
	for k, f := range fields {
		if f == nil {
			delete(v, k)
		} else {
			v[k] = f
		}
	}
	return string(mustJSON(t, v))
}

// takesIdentifier reports whether the object of op's valid body that names its user also takes
// identifier, loginId's other name.
func (op operation) takesIdentifier(t *testing.T) bool {
	return op.requestSchema(t).Properties["identifier"] != nil
}

// withIdentifier returns op's valid body with identifier set to value beside loginId where the
// body names its user, or instead of it when replace is true.
func (op operation) withIdentifier(t *testing.T, value any, replace bool) string {
	t.Helper()
	p, ok := op.loginIDPath(t)
	if !ok {
		t.Fatalf("%s: the valid body names no user", op.ID)
	}
	var v any
	if err := json.Unmarshal([]byte(op.valid), &v); err != nil {
		t.Fatal(err)
	}
	obj := v.(map[string]any)
	if p[0] == "users" {
		obj = obj["users"].([]any)[0].(map[string]any)
	}
	if replace {
		delete(obj, "loginId")
	}
	obj["identifier"] = value
	return string(mustJSON(t, v))
}
