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

// typeUserResponse and typeBatchResponse are the answer types these tests know by heart.
var (
	typeUserResponse  = reflect.TypeFor[gen.UserResponse]()
	typeBatchResponse = reflect.TypeFor[gen.PatchUsersBatchResponse]()
	typeLicense       = reflect.TypeFor[gen.License]()
	typeUsers         = reflect.TypeFor[gen.UsersResponse]()
)

// Every operation that answers with a user decodes a user with every field set, field by field.
func TestResponseDecodingFidelity(t *testing.T) {
	t.Parallel()
	for _, op := range operations() {
		if responseType(t, op, http.StatusOK) != typeUserResponse {
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{"user":` + richUserJSON + `,"created":true}`})
			a, err := f.sendValid(t, op)
			if err != nil {
				t.Fatalf("rich response rejected: %v", err)
			}
			got := decodeAnswer(t, op, a).(*gen.UserResponse)
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
	f := newFakeAPI(t, reply{body: body})
	op := operationByID(t, "PatchUserBatch")
	a, err := f.send(t, op, request{body: string(mustJSON(t, gen.PatchUsersBatchRequest{Users: []gen.PatchUserRequest{
		{LoginID: "jane@example.com", Status: ptr(gen.UserStatusEnabled)},
		{LoginID: "bob@example.com", Status: ptr(gen.UserStatusDisabled)},
		{LoginID: "ghost@example.com", Name: ptr("Ghost")},
	}}))})
	if err != nil {
		t.Fatalf("batch call failed: %v", err)
	}
	got := decodeAnswer(t, op, a).(*gen.PatchUsersBatchResponse)
	want := gen.PatchUsersBatchResponse{
		PatchedUsers: []gen.User{richUser(), {LoginIDs: []string{"bob@example.com"}, UserID: "U2bob", Status: "disabled"}},
		FailedUsers: []gen.PatchUserBatchFailure{
			{Failure: "E112102: user not found", User: &gen.User{LoginIDs: []string{"ghost@example.com"}}},
			{Failure: "E011003: request validation failed"},
		},
		AdditionalErrors: map[string]string{"ghost@example.com": "user not found", "batch": "partially applied"},
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("decoded batch response differs:\n got %#v\nwant %#v", *got, want)
	}
	assertWire(t, f.last(t).body, map[string]string{"users": `[
		{"loginId":"jane@example.com","status":"enabled"},
		{"loginId":"bob@example.com","status":"disabled"},
		{"loginId":"ghost@example.com","name":"Ghost"}]`})
}

// Real responses omit fields freely and gain new ones: both must be accepted. The bodies are
// per answer type, so every operation that answers with one is checked with all of them.
func TestResponseMinimalAndExtended(t *testing.T) {
	t.Parallel()
	bodies := map[reflect.Type]map[string]string{
		typeUserResponse: {
			"empty object":         `{}`,
			"empty user":           `{"user":{}}`,
			"created only":         `{"created":false}`,
			"empty lists and maps": `{"user":{"loginIds":[],"userTenants":[],"customAttributes":{},"OAuth":{}}}`,
			"unknown top-level":    `{"user":{"loginIds":["jane@example.com"]},"requestId":"r-1","meta":{"v":2}}`,
			"unknown in user":      `{"user":{"loginIds":["jane@example.com"],"mfaEnrolled":["totp"],"lastLogin":1700000000}}`,
			"unknown in tenant": `{"user":{"loginIds":["jane@example.com"],
				"userTenants":[{"tenantId":"T1","tenantName":"Acme","tenantRegion":"eu","flags":{"x":true}}]}}`,
		},
		typeBatchResponse: {
			"empty object":      `{}`,
			"empty lists":       `{"patchedUsers":[],"failedUsers":[],"additionalErrors":{}}`,
			"empty items":       `{"patchedUsers":[{}],"failedUsers":[{}]}`,
			"unknown fields":    `{"patchedUsers":[{"loginIds":["jane@example.com"],"newField":1}],"failedUsers":[{"failure":"x","code":"E1","user":{"extra":true}}],"total":2}`,
			"unknown in tenant": `{"patchedUsers":[{"loginIds":["jane@example.com"],"userTenants":[{"tenantId":"T1","future":[1]}]}]}`,
		},
		typeLicense: {
			"empty object":  `{}`,
			"unknown field": `{"rateLimitTier":"tier9","features":["x"]}`,
		},
		typeUsers: {
			"empty object":   `{}`,
			"no users":       `{"users":[],"total":0}`,
			"unknown fields": `{"users":[{"loginIds":["jane@example.com"],"newField":1}],"total":85,"nextPage":"x"}`,
		},
		reflect.TypeFor[gen.CreateUsersBatchResponse](): {
			"empty object":         `{}`,
			"empty lists":          `{"createdUsers":[],"failedUsers":[],"additionalErrors":{}}`,
			"empty items":          `{"createdUsers":[{}],"failedUsers":[{}]}`,
			"failure without user": `{"failedUsers":[{"failure":"E011004: taken","user":null}]}`,
			"unknown fields":       `{"createdUsers":[{"loginIds":["jane@example.com"],"newField":1}],"failedUsers":[{"failure":"x","code":"E1","user":{"extra":true}}],"total":2}`,
		},
		reflect.TypeFor[gen.EmptyResponse](): {
			"empty object":  `{}`,
			"unknown field": `{"requestId":"r-1","meta":{"v":2}}`,
		},
		reflect.TypeFor[gen.PasswordSetResponse](): {
			"empty object":    `{}`,
			"empty cleartext": `{"cleartext":""}`,
			"unknown field":   `{"cleartext":"","requestId":"r-1"}`,
		},
		reflect.TypeFor[gen.UserPasskeysResponse](): {
			"empty object":   `{}`,
			"no passkeys":    `{"passkeys":[]}`,
			"empty passkey":  `{"passkeys":[{}]}`,
			"unknown fields": `{"passkeys":[{"id":"jane@example.com","aaguid":"x","lastUsed":1}],"total":1}`,
		},
		reflect.TypeFor[gen.TrustedDevicesResponse](): {
			"empty object":   `{}`,
			"no devices":     `{"devices":[]}`,
			"empty device":   `{"devices":[{}]}`,
			"unknown fields": `{"devices":[{"id":"jane@example.com","os":"macOS"}],"nextPage":"x"}`,
		},
		reflect.TypeFor[gen.GenerateOTPResponse](): {
			"empty object":  `{}`,
			"unknown field": `{"loginId":"jane@example.com","code":"123456","expiresIn":300}`,
		},
		reflect.TypeFor[gen.GenerateMagicLinkResponse](): {
			"empty object":  `{}`,
			"unknown field": `{"loginId":"jane@example.com","link":"https://app.example.com/?t=x","expiresIn":300}`,
		},
		reflect.TypeFor[gen.GenerateEnchantedLinkResponse](): {
			"empty object":  `{}`,
			"unknown field": `{"loginId":"jane@example.com","link":"https://app.example.com/?t=x","pendingRef":"p","expiresIn":300}`,
		},
		reflect.TypeFor[gen.EmbeddedLinkResponse](): {
			"empty object":  `{}`,
			"unknown field": `{"token":"jane@example.com","maskedEmail":"j***@example.com","expiresIn":300}`,
		},
		reflect.TypeFor[[]gen.UserAuthHistory](): {
			"empty list":     `[]`,
			"empty entry":    `[{}]`,
			"unknown fields": `[{"userId":"jane@example.com","device":"x","geo":{"lat":1}}]`,
		},
		reflect.TypeFor[gen.AuthHistoryResponse](): {
			"empty object":   `{}`,
			"no entries":     `{"usersAuthHistory":[]}`,
			"empty entry":    `{"usersAuthHistory":[{}]}`,
			"unknown fields": `{"usersAuthHistory":[{"userId":"jane@example.com","device":"x"}],"total":1}`,
		},
		reflect.TypeFor[gen.UserProviderToken](): {
			"empty object":   `{}`,
			"empty scopes":   `{"scopes":[]}`,
			"unknown fields": `{"provider":"jane@example.com","idToken":"x","tokenType":"Bearer"}`,
		},
		reflect.TypeFor[gen.CustomAttributesResponse](): {
			"empty object":   `{}`,
			"no definitions": `{"data":[],"total":"0"}`,
			"empty items":    `{"data":[{"options":[{}]}]}`,
			"any default":    `{"data":[{"name":"a","defaultValue":null},{"name":"b","defaultValue":{"k":[1]}},{"name":"c","defaultValue":3}]}`,
			"unknown fields": `{"data":[{"name":"jane@example.com","tags":["x"],"options":[{"value":"pro","color":"red"}]}],"total":"1","next":"x"}`,
		},
		reflect.TypeFor[gen.UserImportResponse](): {
			"empty object":   `{}`,
			"empty lists":    `{"users":[],"failures":[]}`,
			"empty items":    `{"users":[{}],"failures":[{}]}`,
			"unknown fields": `{"users":[{"loginIds":["jane@example.com"],"x":1}],"failures":[{"user":"u","reason":"r","line":3}],"dryrun":true}`,
		},
	}
	// known reads, from each answer type, the field its "unknown fields" body sets to
	// jane@example.com, to check that it still decodes next to fields the spec does not know.
	known := map[reflect.Type]func(v any) string{
		typeUserResponse: func(v any) string { return strings.Join(v.(*gen.UserResponse).User.LoginIDs, ",") },
		typeBatchResponse: func(v any) string {
			return strings.Join(v.(*gen.PatchUsersBatchResponse).PatchedUsers[0].LoginIDs, ",")
		},
		typeUsers: func(v any) string { return strings.Join(v.(*gen.UsersResponse).Users[0].LoginIDs, ",") },
		reflect.TypeFor[gen.CreateUsersBatchResponse](): func(v any) string {
			return strings.Join(v.(*gen.CreateUsersBatchResponse).CreatedUsers[0].LoginIDs, ",")
		},
		reflect.TypeFor[gen.UserPasskeysResponse]():          func(v any) string { return v.(*gen.UserPasskeysResponse).Passkeys[0].ID },
		reflect.TypeFor[gen.TrustedDevicesResponse]():        func(v any) string { return v.(*gen.TrustedDevicesResponse).Devices[0].ID },
		reflect.TypeFor[gen.GenerateOTPResponse]():           func(v any) string { return v.(*gen.GenerateOTPResponse).LoginID },
		reflect.TypeFor[gen.GenerateMagicLinkResponse]():     func(v any) string { return v.(*gen.GenerateMagicLinkResponse).LoginID },
		reflect.TypeFor[gen.GenerateEnchantedLinkResponse](): func(v any) string { return v.(*gen.GenerateEnchantedLinkResponse).LoginID },
		reflect.TypeFor[gen.EmbeddedLinkResponse]():          func(v any) string { return v.(*gen.EmbeddedLinkResponse).Token },
		reflect.TypeFor[[]gen.UserAuthHistory]():             func(v any) string { return (*v.(*[]gen.UserAuthHistory))[0].UserID },
		reflect.TypeFor[gen.AuthHistoryResponse]():           func(v any) string { return v.(*gen.AuthHistoryResponse).UsersAuthHistory[0].UserID },
		reflect.TypeFor[gen.UserProviderToken]():             func(v any) string { return v.(*gen.UserProviderToken).Provider },
		reflect.TypeFor[gen.CustomAttributesResponse]():      func(v any) string { return v.(*gen.CustomAttributesResponse).Data[0].Name },
		reflect.TypeFor[gen.UserImportResponse](): func(v any) string {
			return strings.Join(v.(*gen.UserImportResponse).Users[0].LoginIDs, ",")
		},
	}
	for _, op := range operations() {
		typ := responseType(t, op, http.StatusOK)
		if bodies[typ] == nil {
			t.Errorf("%s answers %v, for which this test has no bodies", op.ID, typ)
		}
		for name, body := range bodies[typ] {
			t.Run(op.ID+"/"+name, func(t *testing.T) {
				t.Parallel()
				f := newFakeAPI(t, reply{body: body})
				a, err := f.sendValid(t, op)
				if err != nil {
					t.Fatalf("response %s rejected: %v", body, err)
				}
				v := decodeAnswer(t, op, a)
				// Known fields next to unknown ones still decode.
				if strings.Contains(body, `"jane@example.com"`) {
					read := known[typ]
					if read == nil {
						t.Fatalf("known has no reader for %v", typ)
					}
					if got := read(v); got != "jane@example.com" {
						t.Errorf("the known field = %q next to unknown fields, want jane@example.com", got)
					}
				}
			})
		}
	}
	t.Run("unknown tenant field keeps known ones", func(t *testing.T) {
		t.Parallel()
		op := operationByID(t, "PatchUser")
		f := newFakeAPI(t, reply{body: bodies[typeUserResponse]["unknown in tenant"]})
		a, err := f.sendValid(t, op)
		if err != nil {
			t.Fatal(err)
		}
		want := []gen.UserTenant{{TenantID: "T1", TenantName: "Acme"}}
		if got := decodeAnswer(t, op, a).(*gen.UserResponse).User.UserTenants; !reflect.DeepEqual(got, want) {
			t.Errorf("userTenants = %#v, want %#v", got, want)
		}
	})
	t.Run("content type with charset", func(t *testing.T) {
		t.Parallel()
		op := operationByID(t, "UpdateUserName")
		f := newFakeAPI(t, reply{contentType: "application/json; charset=utf-8", body: op.ok})
		if _, err := f.sendValid(t, op); err != nil {
			t.Fatal(err)
		}
	})
}

// Every error status an operation documents, with the Error schema, is accepted and decodes.
func TestResponseErrors(t *testing.T) {
	t.Parallel()
	bodies := map[int]string{
		400: `{"errorCode":"E011002","errorDescription":"Missing arguments","errorMessage":"loginId is required"}`,
		401: `{"errorCode":"E011005","errorDescription":"Unauthorized","errorMessage":"bad key"}`,
		403: `{"errorCode":"E011006","errorDescription":"Forbidden","errorMessage":"no permission"}`,
		404: `{"errorCode":"E112102","errorDescription":"User not found","errorMessage":"user ghost not found"}`,
		429: `{"errorCode":"E130429","errorDescription":"Rate limit exceeded","errorMessage":"Too many requests"}`,
		500: `{"errorCode":"E000001","errorDescription":"Internal error","errorMessage":"boom"}`,
		503: `{"errorCode":"E000002","errorDescription":"Unavailable","errorMessage":"try later"}`,
	}
	doc := loadSpec(t)
	for _, op := range operations() {
		for _, status := range sortedKeys(doc.Paths.Value(op.Path).GetOperation(op.Method).Responses.Map()) {
			code := atoi(t, status)
			if code == http.StatusOK {
				continue
			}
			body, ok := bodies[code]
			if !ok {
				t.Errorf("%s documents %d, for which this test has no body", op.ID, code)
				continue
			}
			t.Run(op.ID+"/"+http.StatusText(code), func(t *testing.T) {
				t.Parallel()
				r := reply{status: code, body: body}
				if code == http.StatusTooManyRequests {
					r.header = map[string]string{"Retry-After": "3"}
				}
				f := newFakeAPI(t, r)
				a, err := f.sendValid(t, op)
				if err != nil {
					t.Fatalf("documented %d rejected: %v", code, err)
				}
				if a.status != code {
					t.Errorf("status %d, want %d", a.status, code)
				}
				var want gen.Error
				if err := json.Unmarshal([]byte(body), &want); err != nil {
					t.Fatal(err)
				}
				if got := decodeAnswer(t, op, a).(*gen.Error); *got != want {
					t.Errorf("error = %+v, want %+v", *got, want)
				}
				if code == http.StatusTooManyRequests && a.header.Get("Retry-After") != "3" {
					t.Errorf("Retry-After = %q, want 3", a.header.Get("Retry-After"))
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
			f := newFakeAPI(t, reply{status: 400, body: body})
			if _, err := f.send(t, operationByID(t, "PatchUser"), request{body: `{"loginId":"a"}`}); err != nil {
				t.Fatalf("400 %s rejected: %v", body, err)
			}
		})
	}
	t.Run("429 without Retry-After", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t, reply{status: 429, body: `{"errorCode":"E130429"}`})
		if _, err := f.send(t, operationByID(t, "UpdateUserPhone"), request{body: `{"loginId":"a"}`}); err != nil {
			t.Fatalf("429 without Retry-After rejected: %v", err)
		}
	})
}

// Every example in the spec goes through the validating transport: request examples reach the
// server byte for byte, response examples are accepted and decode.
func TestExamplesEndToEnd(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	requests, responses := 0, 0
	for _, op := range operations() {
		sop := doc.Paths.Value(op.Path).GetOperation(op.Method)
		if rb := sop.RequestBody; rb != nil {
			mt := rb.Value.Content.Get("application/json")
			for _, name := range sortedKeys(mt.Examples) {
				body := string(mustJSON(t, mt.Examples[name].Value.Value))
				requests++
				t.Run(op.ID+"/request/"+name, func(t *testing.T) {
					t.Parallel()
					f := newFakeAPI(t, reply{body: op.ok})
					if _, err := f.send(t, op, request{body: body}); err != nil {
						t.Fatalf("example rejected: %v", err)
					}
					if got := f.last(t).body; string(got) != body {
						t.Errorf("server got %s, want %s", got, body)
					}
				})
			}
		}
		all := sop.Responses.Map()
		for _, status := range sortedKeys(all) {
			mt := all[status].Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			for _, name := range sortedKeys(mt.Examples) {
				body := string(mustJSON(t, mt.Examples[name].Value.Value))
				code := atoi(t, status)
				responses++
				t.Run(op.ID+"/response "+status+"/"+name, func(t *testing.T) {
					t.Parallel()
					r := reply{status: code, body: body}
					if code == http.StatusTooManyRequests {
						r.header = map[string]string{"Retry-After": "1"}
					}
					f := newFakeAPI(t, r)
					a, err := f.sendValid(t, op)
					if err != nil {
						t.Fatalf("example rejected: %v", err)
					}
					decodeAnswer(t, op, a)
				})
			}
		}
	}
	// At least one request example for every operation with a body, and a 200 example for
	// every operation, which TestEveryOperationIsCovered demands; more is fine.
	t.Logf("sent %d request examples and %d response examples", requests, responses)
	if requests < 13 || responses < 6*len(operations())/2 {
		t.Errorf("sent %d request and %d response examples: the walk stopped seeing them", requests, responses)
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
