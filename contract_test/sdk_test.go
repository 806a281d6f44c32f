package contract_test

// What Descope's own Go SDK sends and expects back passes the contract (facts:
// shared/reference/descope-user-family.md, section 14): the bodies below are the ones its code
// writes (descope/internal/mgmt/user.go and utils.go) and the answers its tests decode. Each
// acceptance has a neighbour that the contract must still refuse.

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// sdkCall sends body to operation id of the fake API through the validating transport, with
// the header the SDK adds to every call after reading its license, and returns the answer's body.
func sdkCall(t *testing.T, f *fakeAPI, id, body string) ([]byte, error) {
	t.Helper()
	a, err := f.send(t, operationByID(t, id), request{body: body, edit: func(h http.Header) { h.Set("x-descope-license", "tier1") }})
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
		})
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
