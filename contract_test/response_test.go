package contract_test

// Responses: what the fake API answers is validated by the transport and must land, field by
// field, in the generated types.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// richUserJSON sets every User field, with custom attributes of every JSON type. Every boolean
// is true, because the generated response types cannot tell false from absent.
const richUserJSON = `{
	"loginIds": ["jane@example.com", "+15555550100"],
	"userId": "U2abc",
	"name": "Jane Doe",
	"email": "jane@example.com",
	"phone": "+15555550100",
	"verifiedEmail": true,
	"verifiedPhone": true,
	"roleNames": ["admin", "viewer"],
	"userTenants": [
		{"tenantId": "T1", "roleNames": ["member"], "tenantName": "Acme", "permissions": ["read", "write"]},
		{"tenantId": "T2", "tenantName": "Globex"}
	],
	"status": "enabled",
	"externalIds": ["ext-1"],
	"picture": "https://example.com/jane.png",
	"test": true,
	"customAttributes": {
		"department": "engineering",
		"seats": 42,
		"ratio": 0.25,
		"vip": true,
		"optOut": false,
		"regions": ["eu", "us"],
		"mixed": ["a", 1, false, null, {"k": "v"}],
		"address": {"city": "Lisbon", "zip": 1100, "geo": {"lat": 38.72, "tags": ["old"]}},
		"startDate": 1704067200000,
		"legacyId": null
	},
	"createdTime": 1700000000,
	"TOTP": true,
	"SAML": true,
	"OAuth": {"google": true, "github": false},
	"webauthn": true,
	"password": true,
	"ssoAppIds": ["app-1", "app-2"],
	"givenName": "Jane",
	"middleName": "Quinn",
	"familyName": "Doe",
	"editable": true,
	"SCIM": true,
	"push": true,
	"permissions": ["users.read"],
	"OIDC": true,
	"consentExpiration": 9007199254740993
}`

// richUser is richUserJSON, written out by hand as the generated type must hold it.
func richUser() gen.User {
	return gen.User{
		LoginIDs:      []string{"jane@example.com", "+15555550100"},
		UserID:        "U2abc",
		Name:          "Jane Doe",
		Email:         "jane@example.com",
		Phone:         "+15555550100",
		VerifiedEmail: true,
		VerifiedPhone: true,
		RoleNames:     []string{"admin", "viewer"},
		UserTenants: []gen.UserTenant{
			{TenantID: "T1", RoleNames: []string{"member"}, TenantName: "Acme", Permissions: []string{"read", "write"}},
			{TenantID: "T2", TenantName: "Globex"},
		},
		Status:      "enabled",
		ExternalIDs: []string{"ext-1"},
		Picture:     "https://example.com/jane.png",
		Test:        true,
		CustomAttributes: gen.CustomAttributes{
			"department": "engineering",
			"seats":      float64(42),
			"ratio":      0.25,
			"vip":        true,
			"optOut":     false,
			"regions":    []any{"eu", "us"},
			"mixed":      []any{"a", float64(1), false, nil, map[string]any{"k": "v"}},
			"address": map[string]any{
				"city": "Lisbon", "zip": float64(1100),
				"geo": map[string]any{"lat": 38.72, "tags": []any{"old"}},
			},
			"startDate": float64(1704067200000),
			"legacyId":  nil,
		},
		CreatedTime:       1700000000,
		TOTP:              true,
		SAML:              true,
		OAuth:             map[string]bool{"google": true, "github": false},
		Webauthn:          true,
		Password:          true,
		SsoAppIDs:         []string{"app-1", "app-2"},
		GivenName:         "Jane",
		MiddleName:        "Quinn",
		FamilyName:        "Doe",
		Editable:          true,
		SCIM:              true,
		Push:              true,
		Permissions:       []string{"users.read"},
		OIDC:              true,
		ConsentExpiration: 9007199254740993, // above 2^53: must not pass through a float64
	}
}

func TestResponseDecodingFidelity(t *testing.T) {
	t.Parallel()
	for _, op := range operations {
		if op.id == "PatchUserBatch" {
			continue // TestPatchUserBatchResponse
		}
		t.Run(op.id, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, reply{body: `{"user":` + richUserJSON + `,"created":true}`})
			out, err := op.sendJSON(t, api.client(t), op.valid)
			if err != nil {
				t.Fatalf("rich response rejected: %v", err)
			}
			got, ok := out.json200.(*gen.UserResponse)
			if !ok {
				t.Fatalf("JSON200 = %#v, want a *gen.UserResponse", out.json200)
			}
			want := gen.UserResponse{User: richUser(), Created: true}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("decoded user differs:\n got %#v\nwant %#v", *got, want)
				for _, d := range fieldDiffs("UserResponse", reflect.ValueOf(*got), reflect.ValueOf(want)) {
					t.Log(d)
				}
			}
			if _, present := got.User.CustomAttributes["legacyId"]; !present {
				t.Error(`customAttributes "legacyId": null was dropped; it must decode as a present nil`)
			}
		})
	}
}

func TestPatchUserBatchResponse(t *testing.T) {
	t.Parallel()
	body := `{
		"patchedUsers": [` + richUserJSON + `, {"loginIds": ["bob@example.com"], "userId": "U2bob", "status": "disabled"}],
		"failedUsers": [
			{"failure": "E112102: user not found", "user": {"loginIds": ["ghost@example.com"]}},
			{"failure": "E011003: request validation failed"}
		],
		"additionalErrors": {"ghost@example.com": "user not found", "batch": "partially applied"}
	}`
	api := newFakeAPI(t, reply{body: body})
	r, err := api.client(t).PatchUserBatchWithResponse(t.Context(), gen.PatchUsersBatchRequest{Users: []gen.PatchUserRequest{
		{LoginID: "jane@example.com", Status: ptr(gen.UserStatusEnabled)},
		{LoginID: "bob@example.com", Status: ptr(gen.UserStatusDisabled)},
		{LoginID: "ghost@example.com", Name: ptr("Ghost")},
	}})
	if err != nil {
		t.Fatalf("batch call failed: %v", err)
	}
	if r.StatusCode() != http.StatusOK || r.JSON200 == nil {
		t.Fatalf("status %d, JSON200 %v", r.StatusCode(), r.JSON200)
	}
	want := gen.PatchUsersBatchResponse{
		PatchedUsers: []gen.User{richUser(), {LoginIDs: []string{"bob@example.com"}, UserID: "U2bob", Status: "disabled"}},
		FailedUsers: []gen.PatchUserBatchFailure{
			{Failure: "E112102: user not found", User: &gen.User{LoginIDs: []string{"ghost@example.com"}}},
			{Failure: "E011003: request validation failed"},
		},
		AdditionalErrors: map[string]string{"ghost@example.com": "user not found", "batch": "partially applied"},
	}
	if !reflect.DeepEqual(*r.JSON200, want) {
		t.Errorf("decoded batch response differs:\n got %#v\nwant %#v", *r.JSON200, want)
	}
	assertWire(t, api.last(t).body, map[string]string{"users": `[
		{"loginId":"jane@example.com","status":"enabled"},
		{"loginId":"bob@example.com","status":"disabled"},
		{"loginId":"ghost@example.com","name":"Ghost"}]`})
}

// Real responses omit fields freely and gain new ones: both must be accepted.
func TestResponseMinimalAndExtended(t *testing.T) {
	t.Parallel()
	userBodies := map[string]string{
		"empty object":         `{}`,
		"empty user":           `{"user":{}}`,
		"created only":         `{"created":false}`,
		"empty lists and maps": `{"user":{"loginIds":[],"userTenants":[],"customAttributes":{},"OAuth":{}}}`,
		"unknown top-level":    `{"user":{"loginIds":["jane@example.com"]},"requestId":"r-1","meta":{"v":2}}`,
		"unknown in user":      `{"user":{"loginIds":["jane@example.com"],"mfaEnrolled":["totp"],"lastLogin":1700000000}}`,
		"unknown in tenant": `{"user":{"loginIds":["jane@example.com"],
			"userTenants":[{"tenantId":"T1","tenantName":"Acme","tenantRegion":"eu","flags":{"x":true}}]}}`,
	}
	batchBodies := map[string]string{
		"empty object":      `{}`,
		"empty lists":       `{"patchedUsers":[],"failedUsers":[],"additionalErrors":{}}`,
		"empty items":       `{"patchedUsers":[{}],"failedUsers":[{}]}`,
		"unknown fields":    `{"patchedUsers":[{"loginIds":["jane@example.com"],"newField":1}],"failedUsers":[{"failure":"x","code":"E1","user":{"extra":true}}],"total":2}`,
		"unknown in tenant": `{"patchedUsers":[{"loginIds":["jane@example.com"],"userTenants":[{"tenantId":"T1","future":[1]}]}]}`,
	}
	for _, op := range operations {
		bodies := userBodies
		if op.id == "PatchUserBatch" {
			bodies = batchBodies
		}
		for name, body := range bodies {
			t.Run(op.id+"/"+name, func(t *testing.T) {
				t.Parallel()
				api := newFakeAPI(t, reply{body: body})
				out, err := op.sendJSON(t, api.client(t), op.valid)
				if err != nil {
					t.Fatalf("response %s rejected: %v", body, err)
				}
				if out.json200 == nil || len(out.errs) != 0 {
					t.Fatalf("JSON200 %v, error bodies %v", out.json200, out.errs)
				}
				// Known fields next to unknown ones still decode.
				if strings.Contains(body, `"loginIds":["jane@example.com"]`) {
					var loginIDs []string
					switch v := out.json200.(type) {
					case *gen.UserResponse:
						loginIDs = v.User.LoginIDs
					case *gen.PatchUsersBatchResponse:
						loginIDs = v.PatchedUsers[0].LoginIDs
					}
					if !reflect.DeepEqual(loginIDs, []string{"jane@example.com"}) {
						t.Errorf("loginIds = %v next to unknown fields", loginIDs)
					}
				}
			})
		}
	}
	t.Run("unknown tenant field keeps known ones", func(t *testing.T) {
		t.Parallel()
		op := operationByID(t, "PatchUser")
		api := newFakeAPI(t, reply{body: userBodies["unknown in tenant"]})
		out, err := op.sendJSON(t, api.client(t), op.valid)
		if err != nil {
			t.Fatal(err)
		}
		want := []gen.UserTenant{{TenantID: "T1", TenantName: "Acme"}}
		if got := out.json200.(*gen.UserResponse).User.UserTenants; !reflect.DeepEqual(got, want) {
			t.Errorf("userTenants = %#v, want %#v", got, want)
		}
	})
	t.Run("content type with charset", func(t *testing.T) {
		t.Parallel()
		op := operationByID(t, "UpdateUserName")
		api := newFakeAPI(t, reply{contentType: "application/json; charset=utf-8", body: userReply})
		out, err := op.sendJSON(t, api.client(t), op.valid)
		if err != nil {
			t.Fatal(err)
		}
		if out.json200 == nil {
			t.Error("JSON200 not set")
		}
	})
}

// Every documented error status with the Error schema is accepted and lands in its JSONnnn.
func TestResponseErrors(t *testing.T) {
	t.Parallel()
	statuses := []struct {
		status int
		body   string
		header map[string]string
	}{
		{400, `{"errorCode":"E011002","errorDescription":"Missing arguments","errorMessage":"loginId is required"}`, nil},
		{401, `{"errorCode":"E011005","errorDescription":"Unauthorized","errorMessage":"bad key"}`, nil},
		{403, `{"errorCode":"E011006","errorDescription":"Forbidden","errorMessage":"no permission"}`, nil},
		{404, `{"errorCode":"E112102","errorDescription":"User not found","errorMessage":"user ghost not found"}`, nil},
		{429, `{"errorCode":"E130429","errorDescription":"Rate limit exceeded","errorMessage":"Too many requests"}`, map[string]string{"Retry-After": "3"}},
		{500, `{"errorCode":"E000001","errorDescription":"Internal error","errorMessage":"boom"}`, nil},
		{503, `{"errorCode":"E000002","errorDescription":"Unavailable","errorMessage":"try later"}`, nil},
	}
	for _, op := range operations {
		for _, s := range statuses {
			t.Run(op.id+"/"+http.StatusText(s.status), func(t *testing.T) {
				t.Parallel()
				api := newFakeAPI(t, reply{status: s.status, header: s.header, body: s.body})
				out, err := op.sendJSON(t, api.client(t), op.valid)
				if err != nil {
					t.Fatalf("documented %d rejected: %v", s.status, err)
				}
				if out.status != s.status {
					t.Errorf("status %d, want %d", out.status, s.status)
				}
				var want gen.Error
				if err := json.Unmarshal([]byte(s.body), &want); err != nil {
					t.Fatal(err)
				}
				if got := out.errs[s.status]; got == nil || *got != want {
					t.Errorf("JSON%d = %v, want %+v", s.status, got, want)
				}
				if len(out.errs) != 1 || out.json200 != nil {
					t.Errorf("other typed bodies set: errors %v, JSON200 %v", out.errs, out.json200)
				}
				if s.status == http.StatusTooManyRequests {
					if out.retryAfter == nil || *out.retryAfter != 3 {
						t.Errorf("Headers429.RetryAfter = %v, want 3", out.retryAfter)
					}
				} else if out.retryAfter != nil {
					t.Errorf("Headers429 set on a %d", s.status)
				}
			})
		}
	}
	// Error bodies are open and every field optional, like every response object.
	for name, body := range map[string]string{
		"empty":         `{}`,
		"code only":     `{"errorCode":"E011002"}`,
		"unknown field": `{"errorCode":"E011002","errorDescription":"x","details":[{"field":"loginId"}]}`,
	} {
		t.Run("PatchUser/400 "+name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, reply{status: 400, body: body})
			out, err := operationByID(t, "PatchUser").sendJSON(t, api.client(t), `{"loginId":"a"}`)
			if err != nil {
				t.Fatalf("400 %s rejected: %v", body, err)
			}
			if out.errs[400] == nil {
				t.Error("JSON400 not set")
			}
		})
	}
	t.Run("429 without Retry-After", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, reply{status: 429, body: `{"errorCode":"E130429"}`})
		out, err := operationByID(t, "UpdateUserPhone").sendJSON(t, api.client(t), `{"loginId":"a"}`)
		if err != nil {
			t.Fatalf("429 without Retry-After rejected: %v", err)
		}
		if out.errs[429] == nil || out.retryAfter == nil || *out.retryAfter != 0 {
			t.Errorf("JSON429 %v, RetryAfter %v", out.errs[429], out.retryAfter)
		}
	})
}

// Every example in the spec goes through the real client and validator: request examples reach
// the server byte for byte, response examples are accepted and decoded.
func TestExamplesEndToEnd(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	checked := 0
	for _, op := range operations {
		spec := doc.Paths.Value(op.path).GetOperation(op.method)
		if mt := spec.RequestBody.Value.Content.Get("application/json"); mt != nil {
			for _, name := range sortedKeys(mt.Examples) {
				body := string(mustJSON(t, mt.Examples[name].Value.Value))
				checked++
				t.Run(op.id+"/request/"+name, func(t *testing.T) {
					t.Parallel()
					api := newFakeAPI(t, reply{body: `{}`})
					if _, err := op.sendJSON(t, api.client(t), body); err != nil {
						t.Fatalf("example rejected: %v", err)
					}
					if got := api.last(t).body; string(got) != body {
						t.Errorf("server got %s, want %s", got, body)
					}
				})
			}
		}
		responses := spec.Responses.Map()
		for _, status := range sortedKeys(responses) {
			mt := responses[status].Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			for _, name := range sortedKeys(mt.Examples) {
				body := string(mustJSON(t, mt.Examples[name].Value.Value))
				code := atoi(t, status)
				checked++
				t.Run(op.id+"/response "+status+"/"+name, func(t *testing.T) {
					t.Parallel()
					r := reply{status: code, body: body}
					if code == http.StatusTooManyRequests {
						r.header = map[string]string{"Retry-After": "1"}
					}
					api := newFakeAPI(t, r)
					out, err := op.sendJSON(t, api.client(t), op.valid)
					if err != nil {
						t.Fatalf("example rejected: %v", err)
					}
					if code == http.StatusOK && out.json200 == nil || code != http.StatusOK && out.errs[code] == nil {
						t.Errorf("status %d example not decoded: %+v", code, out)
					}
				})
			}
		}
	}
	// 13 request examples, and per operation 6 response examples: 2 for its 200 (UserResponse
	// or the batch's own), BadRequest 2, NotFound 1, TooManyRequests 1.
	if want := 6*6 + 13; checked < want {
		t.Errorf("sent %d examples, want at least %d", checked, want)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a status: %q", s)
	}
	return n
}

// fieldDiffs names the struct fields, at any depth, in which got and want differ.
func fieldDiffs(at string, got, want reflect.Value) []string {
	if got.Kind() == reflect.Struct {
		var out []string
		for i := range got.NumField() {
			name := at + "." + got.Type().Field(i).Name
			out = append(out, fieldDiffs(name, got.Field(i), want.Field(i))...)
		}
		return out
	}
	if reflect.DeepEqual(got.Interface(), want.Interface()) {
		return nil
	}
	return []string{fmt.Sprintf("%s: got %#v, want %#v", at, got.Interface(), want.Interface())}
}
