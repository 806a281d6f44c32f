package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// The benchmarks compare each method with a floor: the same call written by hand with net/http
// and encoding/json into a plain struct, against the same in-process server. The difference is
// what the package costs on top of the HTTP round trip (retry wrapper, generated client, checks).

const benchUser = `{"loginIds":["jane@example.com"],"userId":"U2abc","name":"Jane Doe","email":"jane@example.com","phone":"+15555550100","verifiedEmail":true,"verifiedPhone":true,"roleNames":["admin","viewer"],"userTenants":[{"tenantId":"T1","roleNames":["member"],"tenantName":"Acme"}],"status":"enabled","picture":"https://example.com/p.png","customAttributes":{"dept":"eng","seats":3,"vip":true},"createdTime":1700000000,"OAuth":{"google":true},"givenName":"Jane","familyName":"Doe"}`

func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	single := []byte(`{"user":` + benchUser + `}`)
	batch := []byte(`{"patchedUsers":[` + benchUser + `,` + benchUser + `],"failedUsers":[{"failure":"E112102: user not found","user":{"loginIds":["ghost"]}}]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/mgmt/user/patch/batch" {
			_, _ = w.Write(batch)
			return
		}
		_, _ = w.Write(single)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// floorUser is the plain struct the floor decodes into: the same fields as api.User.
type floorUser struct {
	LoginIDs      []string `json:"loginIds"`
	UserID        string   `json:"userId"`
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Phone         string   `json:"phone"`
	VerifiedEmail bool     `json:"verifiedEmail"`
	VerifiedPhone bool     `json:"verifiedPhone"`
	RoleNames     []string `json:"roleNames"`
	UserTenants   []struct {
		TenantID    string   `json:"tenantId"`
		RoleNames   []string `json:"roleNames"`
		TenantName  string   `json:"tenantName"`
		Permissions []string `json:"permissions"`
	} `json:"userTenants"`
	Status            string          `json:"status"`
	ExternalIDs       []string        `json:"externalIds"`
	Picture           string          `json:"picture"`
	Test              bool            `json:"test"`
	CustomAttributes  map[string]any  `json:"customAttributes"`
	CreatedTime       int64           `json:"createdTime"`
	TOTP              bool            `json:"TOTP"`
	SAML              bool            `json:"SAML"`
	OAuth             map[string]bool `json:"OAuth"`
	Webauthn          bool            `json:"webauthn"`
	Password          bool            `json:"password"`
	SsoAppIDs         []string        `json:"ssoAppIds"`
	GivenName         string          `json:"givenName"`
	MiddleName        string          `json:"middleName"`
	FamilyName        string          `json:"familyName"`
	Editable          bool            `json:"editable"`
	SCIM              bool            `json:"SCIM"`
	Push              bool            `json:"push"`
	Permissions       []string        `json:"permissions"`
	OIDC              bool            `json:"OIDC"`
	ConsentExpiration int64           `json:"consentExpiration"`
}

type floorUserResponse struct {
	User    floorUser `json:"user"`
	Created bool      `json:"created"`
}

type floorBatchResponse struct {
	PatchedUsers []floorUser `json:"patchedUsers"`
	FailedUsers  []struct {
		Failure string    `json:"failure"`
		User    floorUser `json:"user"`
	} `json:"failedUsers"`
	AdditionalErrors map[string]string `json:"additionalErrors"`
}

// floorCall is the hand-written call: marshal, send, check the status, read, unmarshal.
func floorCall(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer P2benchproject:bench-key")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}

type benchCase struct {
	name  string
	api   func(context.Context, *api.Client) error
	floor func(context.Context, *http.Client, string) error
}

func benchCases() []benchCase {
	patch := api.UserPatch{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe"), RoleNames: api.Ptr([]string{"admin"}),
		CustomAttributes: api.Ptr(map[string]any{"seats": 3, "vip": true})}
	type floorPatch struct {
		LoginID          string         `json:"loginId"`
		Name             *string        `json:"name,omitempty"`
		RoleNames        *[]string      `json:"roleNames,omitempty"`
		CustomAttributes map[string]any `json:"customAttributes,omitempty"`
	}
	fp := floorPatch{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe"), RoleNames: api.Ptr([]string{"admin"}),
		CustomAttributes: map[string]any{"seats": 3, "vip": true}}
	user := func(ctx context.Context, hc *http.Client, method, url string, in any) error {
		var out floorUserResponse
		return floorCall(ctx, hc, method, url, in, &out)
	}
	return []benchCase{
		{"UpdateCustomAttribute",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.UpdateCustomAttribute(ctx, "jane@example.com", "seats", 42)
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPost, base+"/v1/mgmt/user/update/customAttribute",
					map[string]any{"loginId": "jane@example.com", "attributeKey": "seats", "attributeValue": 42})
			}},
		{"UpdateDisplayName",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.UpdateDisplayName(ctx, "jane@example.com", "Jane Doe")
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPost, base+"/v1/mgmt/user/update/name",
					struct {
						LoginID     string `json:"loginId"`
						Name        string `json:"name"`
						DisplayName string `json:"displayName"`
					}{"jane@example.com", "Jane Doe", "Jane Doe"})
			}},
		{"UpdateUserNames",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.UpdateUserNames(ctx, "jane@example.com", "Jane", "", "Doe")
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPost, base+"/v1/mgmt/user/update/name",
					struct {
						LoginID    string `json:"loginId"`
						GivenName  string `json:"givenName"`
						MiddleName string `json:"middleName"`
						FamilyName string `json:"familyName"`
					}{"jane@example.com", "Jane", "", "Doe"})
			}},
		{"UpdatePicture",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.UpdatePicture(ctx, "jane@example.com", "https://example.com/p.png")
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPost, base+"/v1/mgmt/user/update/picture",
					struct {
						LoginID string `json:"loginId"`
						Picture string `json:"picture"`
					}{"jane@example.com", "https://example.com/p.png"})
			}},
		{"UpdatePhone",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.UpdatePhone(ctx, "jane@example.com", "+15555550100", true, false)
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPost, base+"/v1/mgmt/user/update/phone",
					struct {
						LoginID        string `json:"loginId"`
						Phone          string `json:"phone"`
						Verified       bool   `json:"verified"`
						FailOnConflict bool   `json:"failOnConflict"`
					}{"jane@example.com", "+15555550100", true, false})
			}},
		{"Patch",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Patch(ctx, patch)
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodPatch, base+"/v1/mgmt/user/patch", fp)
			}},
		{"PatchBatch",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.PatchBatch(ctx, []api.UserPatch{patch, patch, patch})
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				var out floorBatchResponse
				return floorCall(ctx, hc, http.MethodPatch, base+"/v1/mgmt/user/patch/batch",
					struct {
						Users []floorPatch `json:"users"`
					}{[]floorPatch{fp, fp, fp}}, &out)
			}},
	}
}

// BenchmarkMethods runs each method (…/api) beside its hand-written floor (…/floor). Compare
// them with benchstat, or read the ratio of ns/op from one run.
func BenchmarkMethods(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	for _, bc := range benchCases() {
		b.Run(bc.name+"/api", func(b *testing.B) {
			c, err := api.New("P2benchproject", "bench-key", api.WithBaseURL(srv.URL))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.api(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/floor", func(b *testing.B) {
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.floor(ctx, hc, srv.URL); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
