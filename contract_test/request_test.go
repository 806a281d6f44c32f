package contract_test

// Requests: every operation and every documented request field, checked on the wire as the fake
// API received it after the validator accepted it.

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// wireCase is one request body, as a generated request type, and the JSON object the server
// must receive for it.
type wireCase struct {
	name string
	op   string
	body any               // a gen request type
	want map[string]string // key -> JSON value; exactly these keys
}

// wc is a wireCase of operation op.
func wc(op, name string, body any, want map[string]string) wireCase {
	return wireCase{name: name, op: op, body: body, want: want}
}

func customAttributeCase(name string, value any, want string) wireCase {
	return wireCase{
		name: "value " + name, op: "UpdateUserCustomAttribute",
		body: gen.UpdateUserCustomAttributeRequest{LoginID: "jane@example.com", AttributeKey: "attr", AttributeValue: value},
		want: map[string]string{"loginId": `"jane@example.com"`, "attributeKey": `"attr"`, "attributeValue": want},
	}
}

// fullPatch sets every field of PatchUserRequest, with custom attributes of every JSON type.
func fullPatch() gen.PatchUserRequest {
	return gen.PatchUserRequest{
		LoginID:       "jane@example.com",
		UserID:        ptr("U2abc"),
		Email:         ptr("jane@example.com"),
		Phone:         ptr("+15555550100"),
		VerifiedEmail: ptr(true),
		VerifiedPhone: ptr(false),
		Name:          ptr("Jane Doe"),
		GivenName:     ptr("Jane"),
		MiddleName:    ptr("Q"),
		FamilyName:    ptr("Doe"),
		Picture:       ptr("https://example.com/jane.png"),
		Status:        ptr(gen.UserStatusInvited),
		RoleNames:     &[]string{"admin", "viewer"},
		UserTenants: &[]gen.PatchUserTenant{
			{TenantID: "T1", RoleNames: &[]string{"member"}},
			{TenantID: "T2"},
		},
		CustomAttributes: &gen.CustomAttributes{
			"department": "engineering",
			"seats":      3,
			"ratio":      0.5,
			"vip":        true,
			"regions":    []any{"eu", "us"},
			"address":    map[string]any{"city": "Lisbon", "zip": 1100},
			"legacyId":   nil,
		},
		SsoAppIDs:          &[]string{"app-1"},
		Scim:               ptr(true),
		AdditionalLoginIDs: &[]string{"jane.doe@example.com", "+15555550101"},
		// The second names of three fields (spec 1.2.0), each equal to the first, and the
		// recovery contacts.
		Identifier:            "jane@example.com",
		DisplayName:           ptr("Jane Doe"),
		AdditionalIdentifiers: &[]string{"jane.doe@example.com", "+15555550101"},
		RecoveryEmail:         ptr("jane.recovery@example.com"),
		VerifiedRecoveryEmail: ptr(true),
		RecoveryPhone:         ptr("+15555550199"),
		VerifiedRecoveryPhone: ptr(false),
	}
}

var fullPatchWire = map[string]string{
	"loginId":       `"jane@example.com"`,
	"userId":        `"U2abc"`,
	"email":         `"jane@example.com"`,
	"phone":         `"+15555550100"`,
	"verifiedEmail": `true`,
	"verifiedPhone": `false`,
	"name":          `"Jane Doe"`,
	"givenName":     `"Jane"`,
	"middleName":    `"Q"`,
	"familyName":    `"Doe"`,
	"picture":       `"https://example.com/jane.png"`,
	"status":        `"invited"`,
	"roleNames":     `["admin","viewer"]`,
	"userTenants":   `[{"tenantId":"T1","roleNames":["member"]},{"tenantId":"T2"}]`,
	"customAttributes": `{"department":"engineering","seats":3,"ratio":0.5,"vip":true,
		"regions":["eu","us"],"address":{"city":"Lisbon","zip":1100},"legacyId":null}`,
	"ssoAppIds":          `["app-1"]`,
	"scim":               `true`,
	"additionalLoginIds": `["jane.doe@example.com","+15555550101"]`,

	"identifier":            `"jane@example.com"`,
	"displayName":           `"Jane Doe"`,
	"additionalIdentifiers": `["jane.doe@example.com","+15555550101"]`,
	"recoveryEmail":         `"jane.recovery@example.com"`,
	"verifiedRecoveryEmail": `true`,
	"recoveryPhone":         `"+15555550199"`,
	"verifiedRecoveryPhone": `false`,
}

func wireCases() []wireCase {
	return []wireCase{
		// attributeValue: every JSON type; zero values and null are sent, never dropped.
		customAttributeCase("string", "engineering", `"engineering"`),
		customAttributeCase("empty string", "", `""`),
		customAttributeCase("int", 42, `42`),
		customAttributeCase("zero", 0, `0`),
		customAttributeCase("float", 42.5, `42.5`),
		customAttributeCase("negative float", -0.25, `-0.25`),
		customAttributeCase("true", true, `true`),
		customAttributeCase("false", false, `false`),
		customAttributeCase("array", []any{"eu", 1, true, nil}, `["eu",1,true,null]`),
		customAttributeCase("string slice", []string{"eu", "us"}, `["eu","us"]`),
		customAttributeCase("empty array", []any{}, `[]`),
		customAttributeCase("object", map[string]any{"city": "Lisbon", "zip": 1100, "tags": []any{"a"}}, `{"city":"Lisbon","zip":1100,"tags":["a"]}`),
		customAttributeCase("empty object", map[string]any{}, `{}`),
		customAttributeCase("nil", nil, `null`),

		wc("UpdateUserName", "all fields", gen.UpdateUserNameRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", Name: ptr("Jane Q. Doe"), DisplayName: ptr("Jane Q. Doe"),
			GivenName: ptr("Jane"), MiddleName: ptr("Quinn"), FamilyName: ptr("Doe"),
		}, map[string]string{
			"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "name": `"Jane Q. Doe"`, "displayName": `"Jane Q. Doe"`,
			"givenName": `"Jane"`, "middleName": `"Quinn"`, "familyName": `"Doe"`,
		}),
		wc("UpdateUserName", "parts only, middle name cleared", gen.UpdateUserNameRequest{
			LoginID: "jane@example.com", GivenName: ptr("Jane"), MiddleName: ptr(""), FamilyName: ptr("Doe"),
		}, map[string]string{
			"loginId": `"jane@example.com"`, "givenName": `"Jane"`, "middleName": `""`, "familyName": `"Doe"`,
		}),
		wc("UpdateUserName", "display name under both names", gen.UpdateUserNameRequest{
			LoginID: "jane@example.com", Name: ptr("Jane"), DisplayName: ptr("Jane"),
		}, map[string]string{"loginId": `"jane@example.com"`, "name": `"Jane"`, "displayName": `"Jane"`}),

		wc("UpdateUserPicture", "set", gen.UpdateUserPictureRequest{LoginID: "jane@example.com", Picture: ptr("https://example.com/jane.png")},
			map[string]string{"loginId": `"jane@example.com"`, "picture": `"https://example.com/jane.png"`}),
		wc("UpdateUserPicture", "remove with empty string", gen.UpdateUserPictureRequest{LoginID: "jane@example.com", Picture: ptr("")},
			map[string]string{"loginId": `"jane@example.com"`, "picture": `""`}),
		wc("UpdateUserPicture", "absent", gen.UpdateUserPictureRequest{LoginID: "jane@example.com"},
			map[string]string{"loginId": `"jane@example.com"`}),

		wc("UpdateUserPhone", "all fields", gen.UpdateUserPhoneRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", Phone: ptr("+15555550100"), Verified: ptr(true), FailOnConflict: ptr(true),
		}, map[string]string{
			"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "phone": `"+15555550100"`, "verified": `true`, "failOnConflict": `true`,
		}),
		wc("UpdateUserPhone", "named by identifier", gen.UpdateUserPhoneRequest{Identifier: "jane@example.com", Phone: ptr("")},
			map[string]string{"identifier": `"jane@example.com"`, "phone": `""`}),
		wc("UpdateUserPhone", "explicit false and removal", gen.UpdateUserPhoneRequest{
			LoginID: "jane@example.com", Phone: ptr(""), Verified: ptr(false), FailOnConflict: ptr(false),
		}, map[string]string{
			"loginId": `"jane@example.com"`, "phone": `""`, "verified": `false`, "failOnConflict": `false`,
		}),
		wc("UpdateUserPhone", "phone only", gen.UpdateUserPhoneRequest{LoginID: "jane@example.com", Phone: ptr("+15555550100")},
			map[string]string{"loginId": `"jane@example.com"`, "phone": `"+15555550100"`}),

		wc("PatchUser", "every field", fullPatch(), fullPatchWire),
		wc("PatchUser", "loginId only", gen.PatchUserRequest{LoginID: "jane@example.com"},
			map[string]string{"loginId": `"jane@example.com"`}),
		wc("PatchUser", "empty list and empty string clear", gen.PatchUserRequest{
			LoginID: "jane@example.com", RoleNames: &[]string{}, Name: ptr(""),
		}, map[string]string{"loginId": `"jane@example.com"`, "roleNames": `[]`, "name": `""`}),
		wc("PatchUser", "every clearable field empty", gen.PatchUserRequest{
			LoginID: "jane@example.com", UserID: ptr(""), Email: ptr(""), Phone: ptr(""),
			VerifiedEmail: ptr(false), VerifiedPhone: ptr(false), Name: ptr(""), GivenName: ptr(""),
			MiddleName: ptr(""), FamilyName: ptr(""), Picture: ptr(""), RoleNames: &[]string{},
			UserTenants: &[]gen.PatchUserTenant{}, CustomAttributes: &gen.CustomAttributes{},
			SsoAppIDs: &[]string{}, Scim: ptr(false), AdditionalLoginIDs: &[]string{},
		}, map[string]string{
			"loginId": `"jane@example.com"`, "userId": `""`, "email": `""`, "phone": `""`,
			"verifiedEmail": `false`, "verifiedPhone": `false`, "name": `""`, "givenName": `""`,
			"middleName": `""`, "familyName": `""`, "picture": `""`, "roleNames": `[]`,
			"userTenants": `[]`, "customAttributes": `{}`, "ssoAppIds": `[]`, "scim": `false`,
			"additionalLoginIds": `[]`,
		}),
		wc("PatchUser", "tenant with roles cleared", gen.PatchUserRequest{
			LoginID: "jane@example.com", UserTenants: &[]gen.PatchUserTenant{{TenantID: "T1", RoleNames: &[]string{}}},
		}, map[string]string{"loginId": `"jane@example.com"`, "userTenants": `[{"tenantId":"T1","roleNames":[]}]`}),
		wc("PatchUser", "custom attribute removed with null", gen.PatchUserRequest{
			LoginID: "jane@example.com", CustomAttributes: &gen.CustomAttributes{"legacyId": nil},
		}, map[string]string{"loginId": `"jane@example.com"`, "customAttributes": `{"legacyId":null}`}),

		wc("PatchUserBatch", "two users", gen.PatchUsersBatchRequest{Users: []gen.PatchUserRequest{
			{LoginID: "jane@example.com", Status: ptr(gen.UserStatusDisabled)},
			{LoginID: "bob@example.com", RoleNames: &[]string{}, CustomAttributes: &gen.CustomAttributes{"seats": 2}},
		}}, map[string]string{
			"users": `[{"loginId":"jane@example.com","status":"disabled"},
				{"loginId":"bob@example.com","roleNames":[],"customAttributes":{"seats":2}}]`,
		}),
		wc("PatchUserBatch", "one full patch", gen.PatchUsersBatchRequest{Users: []gen.PatchUserRequest{fullPatch()}},
			map[string]string{"users": "[" + wireObject(fullPatchWire) + "]"}),

		// The other bodies, every field set: what each sends is what the spec defines.
		wc("UpdateUserStatus", "all fields", gen.UpdateUserStatusRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", Status: gen.UpdateUserStatusRequestStatusInvited,
		}, map[string]string{"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "status": `"invited"`}),
		wc("UpdateUserEmail", "all fields", gen.UpdateUserEmailRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", Email: ptr("jane@work.example"), Verified: ptr(true), FailOnConflict: ptr(false),
		}, map[string]string{
			"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "email": `"jane@work.example"`, "verified": `true`, "failOnConflict": `false`,
		}),
		wc("UpdateUserSetRoles", "all fields", gen.UpdateUserRolesRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", TenantID: "T1", RoleNames: []string{"owner"},
		}, map[string]string{"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "tenantId": `"T1"`, "roleNames": `["owner"]`}),
		wc("UpdateUserAddSSOApps", "all fields", gen.UpdateUserSSOAppsRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", SsoAppIDs: []string{"app-1"},
		}, map[string]string{"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "ssoAppIds": `["app-1"]`}),
		wc("UpdateUserAddTenant", "all fields", gen.UpdateUserTenantRequest{
			LoginID: "jane@example.com", Identifier: "jane@example.com", TenantID: "T2",
		}, map[string]string{"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "tenantId": `"T2"`}),
		wc("UpdateUser", "every field", fullUpdate(), fullUpdateWire),
		wc("SearchUsers", "every filter", fullSearch(), fullSearchWire),
		// A time filter is written as a number, whatever form it was read in.
		wc("SearchUsers", "times", gen.SearchUsersRequest{FromCreatedTime: 1, ToModifiedTime: 9223372036854775807},
			map[string]string{"fromCreatedTime": `1`, "toModifiedTime": `9223372036854775807`}),
	}
}

// fullUpdate sets every field of UpdateUserRequest, each field spelt two ways with one value.
func fullUpdate() gen.UpdateUserRequest {
	return gen.UpdateUserRequest{
		LoginID: "jane@example.com", Identifier: "jane@example.com",
		Email: "jane@example.com", Phone: "+15555550100", PhoneNumber: ptr("+15555550100"),
		Name: "Jane Doe", DisplayName: "Jane Doe", GivenName: "Jane", MiddleName: "Q", FamilyName: "Doe",
		Picture: "https://example.com/jane.png", RoleNames: []string{"admin"},
		UserTenants:        []gen.PatchUserTenant{{TenantID: "T1", RoleNames: &[]string{"member"}}},
		CustomAttributes:   map[string]any{"seats": 3},
		AdditionalLoginIDs: []string{"jd"}, AdditionalIdentifiers: []string{"jd"},
		SsoAppIDs: []string{"app-1"}, SsoAppIDsGoSpelling: []string{"app-1"},
		VerifiedEmail: ptr(true), VerifiedPhone: ptr(false), Test: true, Invite: true,
		Status:        ptr(gen.UserStatusDisabled),
		RecoveryEmail: ptr("jane.recovery@example.com"), VerifiedRecoveryEmail: ptr(true),
		RecoveryPhone: ptr("+15555550199"), VerifiedRecoveryPhone: ptr(false),
	}
}

var fullUpdateWire = map[string]string{
	"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`,
	"email": `"jane@example.com"`, "phone": `"+15555550100"`, "phoneNumber": `"+15555550100"`,
	"name": `"Jane Doe"`, "displayName": `"Jane Doe"`, "givenName": `"Jane"`, "middleName": `"Q"`, "familyName": `"Doe"`,
	"picture": `"https://example.com/jane.png"`, "roleNames": `["admin"]`,
	"userTenants":        `[{"tenantId":"T1","roleNames":["member"]}]`,
	"customAttributes":   `{"seats":3}`,
	"additionalLoginIds": `["jd"]`, "additionalIdentifiers": `["jd"]`,
	"ssoAppIds": `["app-1"]`, "ssoAppIDs": `["app-1"]`,
	"verifiedEmail": `true`, "verifiedPhone": `false`, "test": `true`, "invite": `true`,
	"status":        `"disabled"`,
	"recoveryEmail": `"jane.recovery@example.com"`, "verifiedRecoveryEmail": `true`,
	"recoveryPhone": `"+15555550199"`, "verifiedRecoveryPhone": `false`,
}

// fullSearch sets every filter of SearchUsersRequest; the verified flags false, which filters.
func fullSearch() gen.SearchUsersRequest {
	return gen.SearchUsersRequest{
		TenantIDs: []string{"T1"}, RoleNames: []string{"admin"}, Limit: 10, Page: 2, Offset: 5,
		Sort: []gen.SearchSort{{Field: "displayName", Desc: true}}, Text: "jane",
		LoginID: "jane@example.com", Identifier: "jane@example.com", LoginIDs: []string{"jane@example.com"},
		UserIDs: []string{"U2abc"}, Emails: []string{"jane@example.com"}, Phones: []string{"+15555550100"},
		Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesExpired}, SsoAppIDs: []string{"app-1"},
		CustomAttributes: map[string]any{"dept": "eng"}, TestUsersOnly: true, WithTestUser: true,
		VerifiedEmail: ptr(false), VerifiedPhone: ptr(false), VerifiedRecoveryEmail: ptr(false), VerifiedRecoveryPhone: ptr(false),
		RecoveryEmails: []string{"r@example.com"}, RecoveryPhones: []string{"+15555550199"},
		SsoOnly: true, ScimOnly: true, Password: true, Totp: true, Webauthn: true, Scim: true,
		SelectedColumns: []string{"email"},
		FromCreatedTime: 1700000000000, ToCreatedTime: 1800000000000, FromModifiedTime: 1700000000001, ToModifiedTime: 1800000000001,
		TenantRoleIDs:     map[string]gen.SearchTenantRoles{"T1": {Values: []string{"R1"}, And: true}},
		TenantRoleNames:   map[string]gen.SearchTenantRoles{"T1": {Values: []string{"admin"}}},
		IncludeSubTenants: true,
	}
}

var fullSearchWire = map[string]string{
	"tenantIds": `["T1"]`, "roleNames": `["admin"]`, "limit": `10`, "page": `2`, "offset": `5`,
	"sort": `[{"field":"displayName","desc":true}]`, "text": `"jane"`,
	"loginId": `"jane@example.com"`, "identifier": `"jane@example.com"`, "loginIds": `["jane@example.com"]`,
	"userIds": `["U2abc"]`, "emails": `["jane@example.com"]`, "phones": `["+15555550100"]`,
	"statuses": `["expired"]`, "ssoAppIds": `["app-1"]`,
	"customAttributes": `{"dept":"eng"}`, "testUsersOnly": `true`, "withTestUser": `true`,
	"verifiedEmail": `false`, "verifiedPhone": `false`, "verifiedRecoveryEmail": `false`, "verifiedRecoveryPhone": `false`,
	"recoveryEmails": `["r@example.com"]`, "recoveryPhones": `["+15555550199"]`,
	"ssoOnly": `true`, "scimOnly": `true`, "password": `true`, "totp": `true`, "webauthn": `true`, "scim": `true`,
	"selectedColumns": `["email"]`,
	"fromCreatedTime": `1700000000000`, "toCreatedTime": `1800000000000`, "fromModifiedTime": `1700000000001`, "toModifiedTime": `1800000000001`,
	"tenantRoleIds":     `{"T1":{"values":["R1"],"and":true}}`,
	"tenantRoleNames":   `{"T1":{"values":["admin"]}}`,
	"includeSubTenants": `true`,
}

// wireObject joins a key -> JSON value map into one JSON object.
func wireObject(fields map[string]string) string {
	parts := make([]string, 0, len(fields))
	for _, k := range sortedKeys(fields) {
		parts = append(parts, strconv.Quote(k)+":"+fields[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestRequestWire(t *testing.T) {
	t.Parallel()
	for _, tc := range wireCases() {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			op := operationByID(t, tc.op)
			f := newFakeAPI(t, reply{body: op.ok})
			a, err := f.send(t, op, request{body: string(mustJSON(t, tc.body))})
			if err != nil {
				t.Fatalf("call failed: %v", err)
			}
			decodeAnswer(t, op, a)
			got := f.last(t)
			if got.method != op.Method || got.path != op.Path {
				t.Errorf("server got %s %s, want %s %s", got.method, got.path, op.Method, op.Path)
			}
			if a := got.header.Get("Authorization"); a != testBearer {
				t.Errorf("Authorization = %q, want the bearer token", a)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			assertWire(t, got.body, tc.want)
		})
	}
}

// The explicit forms the brief of this suite names, checked byte for byte.
func TestRequestWireLiterals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		tc   wireCase
		want []string // substrings of the raw body
		not  []string
	}{
		{"attributeValue null is explicit", customAttributeCase("nil", nil, "null"),
			[]string{`"attributeValue":null`}, nil},
		{"picture empty string is sent", wc("UpdateUserPicture", "", gen.UpdateUserPictureRequest{LoginID: "a", Picture: ptr("")}, nil),
			[]string{`"picture":""`}, nil},
		{"loginId-only patch is exactly that", wc("PatchUser", "", gen.PatchUserRequest{LoginID: "jane@example.com"}, nil),
			[]string{`{"loginId":"jane@example.com"}`}, nil},
		{"empty roleNames and name are sent", wc("PatchUser", "", gen.PatchUserRequest{LoginID: "a", RoleNames: &[]string{}, Name: ptr("")}, nil),
			[]string{`"roleNames":[]`, `"name":""`}, []string{"null", "givenName", "userTenants"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			op := operationByID(t, c.tc.op)
			f := newFakeAPI(t, reply{body: op.ok})
			if _, err := f.send(t, op, request{body: string(mustJSON(t, c.tc.body))}); err != nil {
				t.Fatal(err)
			}
			raw := strings.TrimSpace(string(f.last(t).body))
			for _, w := range c.want {
				if !strings.Contains(raw, w) {
					t.Errorf("body %s does not contain %s", raw, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(raw, n) {
					t.Errorf("body %s contains %s", raw, n)
				}
			}
		})
	}
}

// The full bodies send every property the spec defines for their schema, and no other: a
// property the spec gains is a property some wire case must send.
func TestRequestWireCoversSpec(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	for schema, wire := range map[string]map[string]string{
		"PatchUserRequest":                 fullPatchWire,
		"UpdateUserNameRequest":            wireCaseWant(t, "UpdateUserName/all fields"),
		"UpdateUserPhoneRequest":           wireCaseWant(t, "UpdateUserPhone/all fields"),
		"UpdateUserPictureRequest":         wireCaseWant(t, "UpdateUserPicture/set"),
		"UpdateUserCustomAttributeRequest": wireCaseWant(t, "UpdateUserCustomAttribute/value object"),
		"UpdateUserStatusRequest":          wireCaseWant(t, "UpdateUserStatus/all fields"),
		"UpdateUserEmailRequest":           wireCaseWant(t, "UpdateUserEmail/all fields"),
		"UpdateUserRolesRequest":           wireCaseWant(t, "UpdateUserSetRoles/all fields"),
		"UpdateUserSSOAppsRequest":         wireCaseWant(t, "UpdateUserAddSSOApps/all fields"),
		"UpdateUserTenantRequest":          wireCaseWant(t, "UpdateUserAddTenant/all fields"),
		"UpdateUserRequest":                fullUpdateWire,
		"SearchUsersRequest":               fullSearchWire,
	} {
		props := sortedKeys(doc.Components.Schemas[schema].Value.Properties)
		if got := sortedKeys(wire); !slices.Equal(got, props) {
			t.Errorf("%s: the wire test sends %v, the spec has %v", schema, got, props)
		}
	}
}

func wireCaseWant(t *testing.T, name string) map[string]string {
	t.Helper()
	for _, tc := range wireCases() {
		if tc.op+"/"+tc.name == name {
			return tc.want
		}
	}
	t.Fatalf("no wire case %s", name)
	return nil
}

// The transport forwards exactly the bytes it was given.
func TestRequestBodyForwardedUnchanged(t *testing.T) {
	t.Parallel()
	op := operationByID(t, "PatchUser")
	f := newFakeAPI(t, reply{body: op.ok})
	want := mustJSON(t, fullPatch())
	if _, err := f.send(t, op, request{body: string(want)}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).body; string(got) != string(want) {
		t.Errorf("server got\n%s\nclient marshalled\n%s", got, want)
	}
}
