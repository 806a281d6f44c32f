package apitest_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func mustUser(t *testing.T, s *apitest.Server, id string) gen.User {
	t.Helper()
	u, ok := s.User(id)
	if !ok {
		t.Fatalf("no user %q", id)
	}
	return u
}

func TestUpdateCustomAttribute(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	c := client(t, s)
	ctx := context.Background()

	for _, tc := range []struct {
		key   string
		value any
	}{
		{"department", "sales"},
		{"seats", 42.5},
		{"vip", true},
		{"regions", []any{"eu", "us"}},
		{"address", map[string]any{"city": "Lisbon", "zip": float64(1100)}},
	} {
		// Lookup by a second login ID and by user ID work alike.
		resp, err := c.UpdateUserCustomAttributeWithResponse(ctx, gen.UpdateUserCustomAttributeRequest{
			LoginID: "jane", AttributeKey: tc.key, AttributeValue: tc.value,
		})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("set %s: %v %d %s", tc.key, err, resp.StatusCode(), resp.Body)
		}
		if got := resp.JSON200.User.CustomAttributes[tc.key]; !reflect.DeepEqual(got, tc.value) {
			t.Errorf("answer: %s = %#v, want %#v", tc.key, got, tc.value)
		}
		if got := mustUser(t, s, "U2jane").CustomAttributes[tc.key]; !reflect.DeepEqual(got, tc.value) {
			t.Errorf("stored: %s = %#v, want %#v", tc.key, got, tc.value)
		}
	}

	// null removes the attribute and leaves the others.
	resp, err := c.UpdateUserCustomAttributeWithResponse(ctx, gen.UpdateUserCustomAttributeRequest{
		LoginID: "U2jane", AttributeKey: "legacyId", AttributeValue: nil,
	})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("remove: %v %s", err, resp.Body)
	}
	attrs := mustUser(t, s, "jane@example.com").CustomAttributes
	if _, ok := attrs["legacyId"]; ok {
		t.Errorf("legacyId still set after null: %v", attrs)
	}
	if attrs["department"] != "sales" || attrs["seats"] != 42.5 {
		t.Errorf("other attributes changed: %v", attrs)
	}
}

func TestUpdateName(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	c := client(t, s)
	ctx := context.Background()
	update := func(req gen.UpdateUserNameRequest) *gen.UpdateUserNameResponse {
		t.Helper()
		req.LoginID = "jane@example.com"
		resp, err := c.UpdateUserNameWithResponse(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// displayName alone (what the SDKs send) sets the display name; absent parts stay.
	if r := update(gen.UpdateUserNameRequest{DisplayName: ptr("Jane S.")}); r.JSON200 == nil || r.JSON200.User.Name != "Jane S." {
		t.Fatalf("displayName: %d %s", r.StatusCode(), r.Body)
	}
	if u := mustUser(t, s, "jane"); u.GivenName != "Jane" || u.MiddleName != "Q" || u.FamilyName != "Doe" {
		t.Errorf("name parts changed by a displayName-only update: %+v", u)
	}
	// name alone (the reference's field) does too.
	if r := update(gen.UpdateUserNameRequest{Name: ptr("Jane R.")}); r.JSON200 == nil || r.JSON200.User.Name != "Jane R." {
		t.Fatalf("name: %d %s", r.StatusCode(), r.Body)
	}
	// Both, equal, plus the parts; "" clears the middle name.
	r := update(gen.UpdateUserNameRequest{
		Name: ptr("J. Roe"), DisplayName: ptr("J. Roe"),
		GivenName: ptr("Janet"), MiddleName: ptr(""), FamilyName: ptr("Roe"),
	})
	if r.JSON200 == nil {
		t.Fatalf("both: %d %s", r.StatusCode(), r.Body)
	}
	u := mustUser(t, s, "jane")
	if u.Name != "J. Roe" || u.GivenName != "Janet" || u.MiddleName != "" || u.FamilyName != "Roe" {
		t.Errorf("after full update: %+v", u)
	}
	// Only parts: the display name stays.
	if r := update(gen.UpdateUserNameRequest{GivenName: ptr("Jan")}); r.JSON200 == nil || r.JSON200.User.Name != "J. Roe" || r.JSON200.User.GivenName != "Jan" {
		t.Fatalf("parts only: %d %s", r.StatusCode(), r.Body)
	}

	// Both, different: 400 E011004 naming both fields, nothing changes.
	r = update(gen.UpdateUserNameRequest{Name: ptr("A"), DisplayName: ptr("B")})
	wantError(t, "name != displayName", r.StatusCode(), r.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
	if msg := r.JSON400.ErrorMessage; !strings.Contains(msg, "name") || !strings.Contains(msg, "displayName") {
		t.Errorf("message does not name both fields: %q", msg)
	}
	if u := mustUser(t, s, "jane"); u.Name != "J. Roe" {
		t.Errorf("a rejected update changed the name to %q", u.Name)
	}
}

func TestUpdatePicture(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	c := client(t, s)
	ctx := context.Background()

	r, err := c.UpdateUserPictureWithResponse(ctx, gen.UpdateUserPictureRequest{LoginID: "jane", Picture: ptr("https://example.com/new.png")})
	if err != nil || r.JSON200 == nil || r.JSON200.User.Picture != "https://example.com/new.png" {
		t.Fatalf("set: %v %s", err, r.Body)
	}
	r, err = c.UpdateUserPictureWithResponse(ctx, gen.UpdateUserPictureRequest{LoginID: "jane", Picture: ptr("")})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("remove: %v %s", err, r.Body)
	}
	if !strings.Contains(string(r.Body), `"picture":""`) {
		t.Errorf("answer still has a picture: %s", r.Body)
	}
	if u := mustUser(t, s, "jane"); u.Picture != "" {
		t.Errorf("stored picture %q after removal", u.Picture)
	}
}

func TestUpdatePhone(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	c := client(t, s)
	ctx := context.Background()
	bobsPhone := bob().Phone

	// Conflict with failOnConflict: 400 E011004, nothing changes.
	r, err := c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "jane", Phone: ptr(bobsPhone), Verified: ptr(true), FailOnConflict: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "conflict", r.StatusCode(), r.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
	if !strings.Contains(r.JSON400.ErrorMessage, "another user") {
		t.Errorf("message does not name the conflict: %q", r.JSON400.ErrorMessage)
	}
	if u := mustUser(t, s, "jane"); u.Phone != jane().Phone || !u.VerifiedPhone {
		t.Errorf("rejected update changed the phone: %+v", u)
	}

	// Setting one's own number again with failOnConflict is no conflict.
	r, err = c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "jane", Phone: ptr(jane().Phone), Verified: ptr(true), FailOnConflict: ptr(true)})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("own number: %v %s", err, r.Body)
	}

	// Without failOnConflict, the shared number is accepted; verified unset means unverified.
	r, err = c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "jane", Phone: ptr(bobsPhone)})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("shared: %v %s", err, r.Body)
	}
	if u := r.JSON200.User; u.Phone != bobsPhone || u.VerifiedPhone {
		t.Errorf("shared number: phone %q verified %v", u.Phone, u.VerifiedPhone)
	}

	// A new number, verified.
	r, err = c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "jane", Phone: ptr("+15555550111"), Verified: ptr(true), FailOnConflict: ptr(true)})
	if err != nil || r.JSON200 == nil || r.JSON200.User.Phone != "+15555550111" || !r.JSON200.User.VerifiedPhone {
		t.Fatalf("new verified number: %v %s", err, r.Body)
	}
	// Bob's old number is now free for anyone else... and Jane's previous one is no longer hers.
	r, err = c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "bob@example.com", Phone: ptr(jane().Phone), FailOnConflict: ptr(true)})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("released number: %v %s", err, r.Body)
	}

	// "" removes the phone.
	r, err = c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: "jane", Phone: ptr("")})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("remove: %v %s", err, r.Body)
	}
	if u := mustUser(t, s, "jane"); u.Phone != "" || u.VerifiedPhone {
		t.Errorf("after removal: phone %q verified %v", u.Phone, u.VerifiedPhone)
	}
}

func TestPatchUser(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	c := client(t, s)
	ctx := context.Background()
	patch := func(p gen.PatchUserRequest) *gen.PatchUserResponse {
		t.Helper()
		resp, err := c.PatchUserWithResponse(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// An empty patch changes nothing.
	before := mustUser(t, s, "jane")
	if r := patch(gen.PatchUserRequest{LoginID: "jane"}); r.JSON200 == nil {
		t.Fatalf("empty patch: %d %s", r.StatusCode(), r.Body)
	}
	if after := mustUser(t, s, "jane"); !reflect.DeepEqual(before, after) {
		t.Errorf("empty patch changed the user:\n%+v\n%+v", before, after)
	}

	// Absent leaves, "" clears a string, [] clears a list, attributes merge, null removes.
	r := patch(gen.PatchUserRequest{
		LoginID:       "jane@example.com",
		Email:         ptr(""),
		Name:          ptr("Jane P."),
		RoleNames:     &[]string{},
		Status:        ptr(gen.UserStatusDisabled),
		VerifiedEmail: ptr(false),
		CustomAttributes: &map[string]any{
			"department": "sales",
			"vip":        true,
			"legacyId":   nil,
		},
	})
	if r.JSON200 == nil {
		t.Fatalf("patch: %d %s", r.StatusCode(), r.Body)
	}
	u := mustUser(t, s, "jane")
	if u.Email != "" || u.VerifiedEmail || u.Name != "Jane P." || u.Status != "disabled" || u.RoleNames != nil {
		t.Errorf("changed fields: %+v", u)
	}
	if u.Phone != before.Phone || u.GivenName != "Jane" || u.Picture != before.Picture ||
		!slices.Equal(u.SsoAppIDs, before.SsoAppIDs) || !reflect.DeepEqual(u.UserTenants, before.UserTenants) ||
		!slices.Equal(u.LoginIDs, before.LoginIDs) {
		t.Errorf("absent fields changed: %+v", u)
	}
	wantAttrs := map[string]any{"department": "sales", "seats": float64(3), "vip": true}
	if !reflect.DeepEqual(u.CustomAttributes, wantAttrs) {
		t.Errorf("customAttributes = %v, want %v", u.CustomAttributes, wantAttrs)
	}
	if !reflect.DeepEqual(r.JSON200.User, u) {
		t.Errorf("answer and stored user differ:\n%+v\n%+v", r.JSON200.User, u)
	}

	// The other list fields, tenants, SCIM, phone and the login IDs.
	r = patch(gen.PatchUserRequest{
		LoginID:            "U2jane",
		Phone:              ptr("+15555550123"),
		VerifiedPhone:      ptr(false),
		GivenName:          ptr(""),
		MiddleName:         ptr("M"),
		FamilyName:         ptr("Poe"),
		Picture:            ptr(""),
		RoleNames:          &[]string{"editor"},
		SsoAppIDs:          &[]string{},
		UserTenants:        &[]gen.PatchUserTenant{{TenantID: "T2", RoleNames: &[]string{"member", "billing"}}, {TenantID: "T3"}},
		Scim:               ptr(true),
		AdditionalLoginIDs: &[]string{"jp", "jane.p@example.com"},
		UserID:             ptr("U2jane"), // its own ID: allowed, no change
	})
	if r.JSON200 == nil {
		t.Fatalf("second patch: %d %s", r.StatusCode(), r.Body)
	}
	u = mustUser(t, s, "jp")
	want := gen.User{
		UserID:      "U2jane",
		LoginIDs:    []string{"jane@example.com", "jp", "jane.p@example.com"},
		Phone:       "+15555550123",
		Name:        "Jane P.",
		MiddleName:  "M",
		FamilyName:  "Poe",
		RoleNames:   []string{"editor"},
		UserTenants: []gen.UserTenant{{TenantID: "T2", RoleNames: []string{"member", "billing"}}, {TenantID: "T3"}},
		Status:      "disabled",
		SCIM:        true,
		CreatedTime: u.CreatedTime,
		CustomAttributes: map[string]any{
			"department": "sales", "seats": float64(3), "vip": true,
		},
	}
	if u.ModifiedTime < u.CreatedTime {
		t.Errorf("modifiedTime %d is before createdTime %d", u.ModifiedTime, u.CreatedTime)
	}
	u.ModifiedTime = 0 // when the patch landed, checked above
	if !reflect.DeepEqual(u, want) {
		t.Errorf("after second patch:\n got %+v\nwant %+v", u, want)
	}
	if _, ok := s.User("jane"); ok {
		t.Error(`the dropped login ID "jane" still finds the user`)
	}
	if _, ok := s.User("jane.p@example.com"); !ok {
		t.Error("a new login ID does not find the user")
	}
	// [] leaves only the first login ID.
	if r := patch(gen.PatchUserRequest{LoginID: "jp", AdditionalLoginIDs: &[]string{}}); r.JSON200 == nil ||
		!slices.Equal(r.JSON200.User.LoginIDs, []string{"jane@example.com"}) {
		t.Fatalf("clearing additional login IDs: %d %s", r.StatusCode(), r.Body)
	}

	// A patch never changes a user ID, and never takes another user's login ID.
	r = patch(gen.PatchUserRequest{LoginID: "jane@example.com", UserID: ptr("U2other"), Name: ptr("X")})
	wantError(t, "userId change", r.StatusCode(), r.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
	if !strings.Contains(r.JSON400.ErrorMessage, "userId") {
		t.Errorf("message does not name userId: %q", r.JSON400.ErrorMessage)
	}
	r = patch(gen.PatchUserRequest{LoginID: "jane@example.com", AdditionalLoginIDs: &[]string{"bob@example.com"}, Name: ptr("X")})
	wantError(t, "login ID taken", r.StatusCode(), r.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
	if u := mustUser(t, s, "jane@example.com"); u.Name != "Jane P." {
		t.Errorf("a rejected patch was partly applied: name %q", u.Name)
	}
	if u := mustUser(t, s, "bob@example.com"); u.UserID != "U2bob" {
		t.Errorf("bob's login ID moved to %q", u.UserID)
	}
}

func TestUnknownUser(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	c := client(t, s)
	ctx := context.Background()
	const ghost = "ghost@example.com"
	check := func(op string, status int, e *gen.Error) {
		t.Helper()
		wantError(t, op, status, e, http.StatusNotFound, apitest.CodeUserNotFound)
		if e.ErrorDescription != "User not found" || !strings.Contains(e.ErrorMessage, ghost) {
			t.Errorf("%s: %+v", op, *e)
		}
	}
	r1, err := c.UpdateUserCustomAttributeWithResponse(ctx, gen.UpdateUserCustomAttributeRequest{LoginID: ghost, AttributeKey: "k", AttributeValue: 1})
	if err != nil {
		t.Fatal(err)
	}
	check("customAttribute", r1.StatusCode(), r1.JSON404)
	r2, err := c.UpdateUserNameWithResponse(ctx, gen.UpdateUserNameRequest{LoginID: ghost, Name: ptr("G")})
	if err != nil {
		t.Fatal(err)
	}
	check("name", r2.StatusCode(), r2.JSON404)
	r3, err := c.UpdateUserPictureWithResponse(ctx, gen.UpdateUserPictureRequest{LoginID: ghost, Picture: ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	check("picture", r3.StatusCode(), r3.JSON404)
	r4, err := c.UpdateUserPhoneWithResponse(ctx, gen.UpdateUserPhoneRequest{LoginID: ghost, Phone: ptr("+1")})
	if err != nil {
		t.Fatal(err)
	}
	check("phone", r4.StatusCode(), r4.JSON404)
	r5, err := c.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: ghost, Name: ptr("G")})
	if err != nil {
		t.Fatal(err)
	}
	check("patch", r5.StatusCode(), r5.JSON404)
	if n := len(s.Users()); n != 1 {
		t.Errorf("%d users after updates of a missing user, want 1", n)
	}
}

func TestPatchUserBatch(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	c := client(t, s)
	resp, err := c.PatchUserBatchWithResponse(context.Background(), gen.PatchUsersBatchRequest{Users: []gen.PatchUserRequest{
		{LoginID: "jane@example.com", Status: ptr(gen.UserStatusDisabled)},
		{LoginID: "ghost@example.com", Name: ptr("G")},
		{LoginID: "U2bob", RoleNames: &[]string{"viewer"}, CustomAttributes: &map[string]any{"seats": 2}},
		{LoginID: "nobody", Status: ptr(gen.UserStatusEnabled)},
		{LoginID: "bob@example.com", UserID: ptr("U2x")}, // invalid: cannot change a user ID
	}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("status %d: %s", resp.StatusCode(), resp.Body)
	}
	out := resp.JSON200
	var patched []string
	for _, u := range out.PatchedUsers {
		patched = append(patched, u.UserID)
	}
	if !slices.Equal(patched, []string{"U2jane", "U2bob"}) {
		t.Errorf("patchedUsers = %v", patched)
	}
	failed := map[string]string{}
	for _, f := range out.FailedUsers {
		if len(f.User.LoginIDs) != 1 {
			t.Fatalf("failed entry without exactly one login ID: %+v", f)
		}
		failed[f.User.LoginIDs[0]] = f.Failure
	}
	for _, id := range []string{"ghost@example.com", "nobody"} {
		if !strings.Contains(failed[id], apitest.CodeUserNotFound) {
			t.Errorf("failure of %s = %q, want one with %s", id, failed[id], apitest.CodeUserNotFound)
		}
	}
	if !strings.HasPrefix(failed["bob@example.com"], apitest.CodeInvalidArguments+": ") {
		t.Errorf("failure of the userId change = %q", failed["bob@example.com"])
	}
	if got := len(out.PatchedUsers) + len(out.FailedUsers); got != 5 {
		t.Errorf("%d users accounted for, want 5", got)
	}
	if u := mustUser(t, s, "jane"); u.Status != "disabled" {
		t.Errorf("jane's status %q", u.Status)
	}
	if u := mustUser(t, s, "bob@example.com"); !slices.Equal(u.RoleNames, []string{"viewer"}) || u.CustomAttributes["seats"] != float64(2) {
		t.Errorf("bob: %+v", u)
	}
	st := s.Stats()
	if st.PatchedUsers != 2 || st.FailedUsers != 3 {
		t.Errorf("stats: patched %d failed %d", st.PatchedUsers, st.FailedUsers)
	}
}

func TestInvalidRequests(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithRequestLog())
	auth := bearer(s)
	for _, tc := range []struct {
		name, method, path, body string
		mention                  []string // what the message must name
	}{
		{"missing loginId", "PATCH", "/v1/mgmt/user/patch", `{"name":"x"}`, []string{"loginId", "identifier"}},
		{"empty loginId", "POST", "/v1/mgmt/user/update/picture", `{"loginId":"","picture":""}`, []string{"loginId"}},
		{"wrong type", "POST", "/v1/mgmt/user/update/phone", `{"loginId":"jane","verified":"yes"}`, []string{"verified", "boolean"}},
		{"list of numbers", "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","roleNames":[1]}`, []string{"roleNames"}},
		{"unknown status", "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","status":"deleted"}`, []string{"status"}},
		{"null attributes", "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","customAttributes":null}`, []string{"customAttributes"}},
		{"missing attributeKey", "POST", "/v1/mgmt/user/update/customAttribute", `{"loginId":"jane","attributeValue":1}`, []string{"attributeKey"}},
		{"tenant without ID", "PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","userTenants":[{"roleNames":["a"]}]}`, []string{"tenantId"}},
		{"batch entry without loginId", "PATCH", "/v1/mgmt/user/patch/batch", `{"users":[{"loginId":"jane"},{"name":"x"}]}`, []string{`"/users/1"`, "loginId", "identifier"}},
		{"not JSON", "PATCH", "/v1/mgmt/user/patch", `{"loginId":`, nil},
		{"no body", "POST", "/v1/mgmt/user/update/name", ``, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := raw(t, s, tc.method, tc.path, auth, tc.body)
			wantError(t, tc.name, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
			t.Logf("errorMessage: %s", r.Error.ErrorMessage)
			if r.Error.ErrorDescription != "Request validation failed" {
				t.Errorf("errorDescription %q", r.Error.ErrorDescription)
			}
			for _, m := range tc.mention {
				if !strings.Contains(r.Error.ErrorMessage, m) {
					t.Errorf("errorMessage does not name %q: %q", m, r.Error.ErrorMessage)
				}
			}
			if strings.Contains(r.Error.ErrorMessage, "Schema:") || strings.Contains(r.Error.ErrorMessage, "\n") {
				t.Errorf("errorMessage carries the validator's dumps: %q", r.Error.ErrorMessage)
			}
		})
	}
	if u := mustUser(t, s, "jane"); !reflect.DeepEqual(u.RoleNames, jane().RoleNames) || u.Status != "enabled" {
		t.Errorf("invalid requests changed the user: %+v", u)
	}
}

func TestUnknownRoute(t *testing.T) {
	s := apitest.NewServer(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/v1/mgmt/user/patch"},
		{"POST", "/v1/mgmt/user/patch"},
		{"PATCH", "/v1/mgmt/user/update/name"},
		{"POST", "/v1/mgmt/user/create/unknown"}, // /v1/mgmt/user/create is served since spec 1.3.0
		{"GET", "/"},
	} {
		// Route comes before credentials: no Authorization at all still gets the 404.
		r := raw(t, s, tc.method, tc.path, "", `{}`)
		what := tc.method + " " + tc.path
		wantError(t, what, r.Status, &r.Error, http.StatusNotFound, apitest.CodeBadRequest)
		if !strings.Contains(r.Error.ErrorMessage, tc.path) {
			t.Errorf("%s: message %q", what, r.Error.ErrorMessage)
		}
	}
}

// TestUnknownFieldsRejected: the spec closes the request schemas (additionalProperties: false),
// so a misspelt or mis-cased field, which the real gateway would silently ignore, is a 400.
func TestUnknownFieldsRejected(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	for _, tc := range []struct{ method, path, body, field string }{
		{"POST", "/v1/mgmt/user/update/name", `{"loginId":"jane","DisplayName":"Wrong"}`, "DisplayName"},
		{"POST", "/v1/mgmt/user/update/name", `{"loginId":"jane","display_name":"Wrong"}`, "display_name"},
		{"PATCH", "/v1/mgmt/user/patch", `{"loginId":"jane","Status":"disabled"}`, "Status"},
		{"PATCH", "/v1/mgmt/user/patch/batch", `{"users":[{"loginId":"jane","userTenants":[{"tenantId":"T9","RoleNames":["x"]}]}]}`, "RoleNames"},
		{"PATCH", "/v1/mgmt/user/patch/batch", `{"users":[{"loginId":"jane"}],"dryRun":true}`, "dryRun"},
	} {
		r := raw(t, s, tc.method, tc.path, bearer(s), tc.body)
		wantError(t, tc.body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
		if !strings.Contains(r.Error.ErrorMessage, tc.field) {
			t.Errorf("%s: message does not name %s: %q", tc.body, tc.field, r.Error.ErrorMessage)
		}
	}
	if u := mustUser(t, s, "jane"); !reflect.DeepEqual(u, mustUser(t, s, "U2jane")) || u.Name != "Jane Doe" || u.Status != "enabled" {
		t.Errorf("a rejected request changed the user: %+v", u)
	}
	// Custom attribute keys are data, not fields: any key goes.
	r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), `{"loginId":"jane","customAttributes":{"Status":"x","DisplayName":1}}`)
	if r.Status != http.StatusOK {
		t.Fatalf("attribute keys: %d %s", r.Status, r.Body)
	}
}

func TestUsersAccessors(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	type address struct {
		City string `json:"city"`
	}
	s.AddUsers(gen.User{LoginIDs: []string{"new@example.com"}, CustomAttributes: map[string]any{
		"n": 1, "i": int64(1 << 40), "f": float32(0.1), "l": []string{"a"}, "m": map[string]any{"x": []any{int32(2)}}, "s": address{"Lisbon"},
	}}, bob())
	users := s.Users()
	if len(users) != 3 || users[0].UserID != "U2jane" || users[2].UserID != "U2bob" {
		t.Fatalf("Users() order: %+v", users)
	}
	added := users[1]
	if added.UserID == "" || added.Status != "enabled" || added.CreatedTime == 0 {
		t.Errorf("added user not completed: %+v", added)
	}
	if !reflect.DeepEqual(added.CustomAttributes, map[string]any{
		"n": float64(1), "i": float64(1 << 40), "f": 0.1, "l": []any{"a"}, "m": map[string]any{"x": []any{float64(2)}}, "s": map[string]any{"city": "Lisbon"},
	}) {
		t.Errorf("custom attributes not stored as JSON values: %#v", added.CustomAttributes)
	}
	if u, ok := s.User(added.UserID); !ok || u.LoginIDs[0] != "new@example.com" {
		t.Errorf("lookup by the assigned user ID: %v %+v", ok, u)
	}

	// Copies are deep: changing them changes nothing stored.
	u := mustUser(t, s, "jane")
	u.LoginIDs[0] = "changed"
	u.RoleNames[0] = "changed"
	u.UserTenants[0].RoleNames[0] = "changed"
	u.CustomAttributes["department"] = "changed"
	users[0].LoginIDs[1] = "changed"
	if again := mustUser(t, s, "jane"); !reflect.DeepEqual(again.LoginIDs, jane().LoginIDs) ||
		again.RoleNames[0] != "admin" || again.UserTenants[0].RoleNames[0] != "owner" || again.CustomAttributes["department"] != "engineering" {
		t.Errorf("stored user changed through a copy: %+v", again)
	}

	// Replacing by user ID.
	j := jane()
	j.Name = "Replaced"
	j.LoginIDs = []string{"jane@example.com"}
	s.AddUsers(j)
	if u := mustUser(t, s, "U2jane"); u.Name != "Replaced" {
		t.Errorf("replace: %+v", u)
	}
	if _, ok := s.User("jane"); ok {
		t.Error("a login ID dropped by the replacement still finds the user")
	}
	if len(s.Users()) != 3 {
		t.Errorf("replacement added a user")
	}

	// A value JSON cannot carry panics, and so does a login ID of another user.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AddUsers with a NaN attribute did not panic")
			}
		}()
		s.AddUsers(gen.User{CustomAttributes: map[string]any{"x": math.NaN()}})
	}()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AddUsers with a taken login ID did not panic")
			}
		}()
		s.AddUsers(gen.User{LoginIDs: []string{"bob@example.com"}})
	}()
}

func TestStart(t *testing.T) {
	if _, err := apitest.Start(apitest.WithUsers(jane(), gen.User{LoginIDs: []string{"jane"}})); err == nil {
		t.Error("Start accepted two users with the same login ID")
	}
	if _, err := apitest.Start(apitest.WithAddr("0.0.0.0:0")); err == nil {
		t.Error("Start accepted a non-loopback address")
	}
	if _, err := apitest.Start(apitest.WithCredentials("P:1", "k")); err == nil {
		t.Error("Start accepted a project ID with a colon")
	}
	if _, err := apitest.Start(apitest.WithFaults(apitest.Faults{ErrorRate: 0.7, CutRate: 0.7})); err == nil {
		t.Error("Start accepted ErrorRate+CutRate > 1")
	}

	var mismatches []error
	s, err := apitest.Start(
		apitest.WithCredentials("P2custom", "custom-key"),
		apitest.WithAddr("localhost:0"),
		apitest.WithUsers(jane()),
		apitest.WithResponseValidation(func(err error) { mismatches = append(mismatches, err) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ProjectID() != "P2custom" || s.ManagementKey() != "custom-key" {
		t.Errorf("credentials %q %q", s.ProjectID(), s.ManagementKey())
	}
	if r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", "Bearer P2custom:custom-key", `{"loginId":"jane","name":"S"}`); r.Status != 200 {
		t.Errorf("status %d: %s", r.Status, r.Body)
	}
	s.Close()
	s.Close() // twice is fine
	if _, err := s.Client().Get(s.URL); err == nil {
		t.Error("the server still answers after Close")
	}
	if len(mismatches) != 0 {
		t.Errorf("response mismatches: %v", mismatches)
	}
}

func TestDefaultProjectIDIsNotRegional(t *testing.T) {
	if n := len(apitest.DefaultProjectID); n >= 32 {
		t.Errorf("DefaultProjectID has %d characters: clients would derive a regional host", n)
	}
	if strings.Contains(fmt.Sprint(apitest.DefaultProjectID), ":") {
		t.Error("DefaultProjectID contains a colon")
	}
}
