package apitest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// client returns a generated client that calls s with s's credentials.
func client(t testing.TB, s *apitest.Server) *gen.ClientWithResponses {
	t.Helper()
	c, err := gen.NewClientWithResponses(s.URL,
		gen.WithHTTPClient(s.Client()),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", bearer(s))
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bearer(s *apitest.Server) string { return "Bearer " + s.ProjectID() + ":" + s.ManagementKey() }

// rawResponse is an answer to a hand-made request.
type rawResponse struct {
	Status int
	Header http.Header
	Body   string
	Error  gen.Error // decoded when the body is a JSON object
}

// raw sends a hand-made request to s; auth is the Authorization header ("" sends none).
func raw(t testing.TB, s *apitest.Server, method, path, auth, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	r := rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
	if strings.HasPrefix(strings.TrimSpace(r.Body), "{") {
		if err := json.Unmarshal(data, &r.Error); err != nil {
			t.Fatalf("%s %s: error body %q: %v", method, path, data, err)
		}
	}
	return r
}

func ptr[T any](v T) *T { return &v }

// jane and bob are the users most tests start with.
func jane() gen.User {
	return gen.User{
		UserID:        "U2jane",
		LoginIDs:      []string{"jane@example.com", "jane"},
		Email:         "jane@example.com",
		VerifiedEmail: true,
		Phone:         "+15555550100",
		VerifiedPhone: true,
		Name:          "Jane Doe",
		GivenName:     "Jane",
		MiddleName:    "Q",
		FamilyName:    "Doe",
		Picture:       "https://example.com/jane.png",
		RoleNames:     []string{"admin", "viewer"},
		UserTenants:   []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"owner"}}},
		SsoAppIDs:     []string{"app1"},
		CustomAttributes: map[string]any{
			"department": "engineering",
			"seats":      3,
			"legacyId":   "L-1",
		},
	}
}

func bob() gen.User {
	return gen.User{
		UserID:   "U2bob",
		LoginIDs: []string{"bob@example.com"},
		Email:    "bob@example.com",
		Phone:    "+15555550199",
		Name:     "Bob",
	}
}

// wantError checks a non-2xx answer's status and errorCode.
func wantError(t testing.TB, what string, status int, e *gen.Error, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d, want %d", what, status, wantStatus)
	}
	if e == nil {
		t.Fatalf("%s: no JSON error body", what)
	}
	if e.ErrorCode != wantCode {
		t.Fatalf("%s: errorCode %q, want %q (%+v)", what, e.ErrorCode, wantCode, *e)
	}
}
