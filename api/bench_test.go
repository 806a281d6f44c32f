package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/seed-a84e9595/descope-mgmt/api"
)

// The benchmarks compare each method with a floor: the same call written by hand with net/http
// and encoding/json into a plain struct, through the same *http.Client, whose transport answers
// from memory. Without a network or a server in the loop, the difference is what the package
// costs on top of HTTP itself: the generated request, the retry wrapper, the checks, the
// scrubbing of the key from the text it shows (the batch answer's failure reason) and the
// decoding.

const benchUser = `{"loginIds":["jane@example.com"],"userId":"U2abc","name":"Jane Doe","email":"jane@example.com","phone":"+15555550100","verifiedEmail":true,"verifiedPhone":true,"roleNames":["admin","viewer"],"userTenants":[{"tenantId":"T1","roleNames":["member"],"tenantName":"Acme"}],"status":"enabled","picture":"https://example.com/p.png","customAttributes":{"dept":"eng","seats":3,"vip":true},"createdTime":1700000000,"OAuth":{"google":true},"givenName":"Jane","familyName":"Doe"}`

const (
	benchBase    = "http://127.0.0.1:1" // never dialled: memTransport answers every request
	benchProject = "P2benchproject"
	// benchKey has the length of a real management key, so that scrubbing it from the text the
	// client shows costs what it costs in use.
	benchKey  = "K2benchbenchbenchbenchbenchbenchbenchbenchbenchbenchbenchbenchbench"
	benchAuth = "Bearer " + benchProject + ":" + benchKey
)

// memTransport answers every request from memory with 200 and a full user (a batch answer for
// the batch path), after reading the request's body as a server would.
type memTransport struct{}

var (
	memSingle = []byte(`{"user":` + benchUser + `}`)
	memBatch  = []byte(`{"patchedUsers":[` + benchUser + `,` + benchUser + `],"failedUsers":[{"failure":"E112102: user not found","user":{"loginIds":["ghost"]}}]}`)
)

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := memSingle
	if req.URL.Path == "/v1/mgmt/user/patch/batch" {
		body = memBatch
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
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
// A nil in sends no body (a GET).
func floorCall(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", benchAuth)
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
		{"Load",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Load(ctx, "jane@example.com")
				return err
			},
			func(ctx context.Context, hc *http.Client, base string) error {
				return user(ctx, hc, http.MethodGet, base+"/v1/mgmt/user?loginId=jane%40example.com&userId=", nil)
			}},
	}
}

// BenchmarkMethods runs each method (…/code=api) beside its hand-written floor (…/code=floor),
// both through one *http.Client with the client's default timeout and an in-memory transport:
//
//	go test -run '^$' -bench BenchmarkMethods -benchmem -count=10 ./api/ > /tmp/methods.txt
//	benchstat -col /code /tmp/methods.txt
func BenchmarkMethods(b *testing.B) {
	hc := &http.Client{Transport: memTransport{}, Timeout: api.DefaultTimeout}
	c, err := api.New(benchProject, benchKey, api.WithBaseURL(benchBase), api.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, bc := range benchCases() {
		// One call first, so that one-time work (the table of the spec's operations, say) is not
		// counted per call.
		if err := bc.api(ctx, c); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name+"/code=api", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.api(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/code=floor", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.floor(ctx, hc, benchBase); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRetryWrapper measures what go-retryablehttp adds to one attempt that succeeds: the
// same request sent by http.Client.Do (…/send=net-http) and by retryablehttp.Client.Do (…/send=retryablehttp),
// as the client sends it (its own request wrapper, the body rewound by GetBody on a retry), over
// the in-memory transport. It is the most dropping the wrapper could save per call.
//
//	go test -run '^$' -bench BenchmarkRetryWrapper -benchmem -count=10 ./api/ > /tmp/wrapper.txt
//	benchstat -col /send /tmp/wrapper.txt
func BenchmarkRetryWrapper(b *testing.B) {
	hc := &http.Client{Transport: memTransport{}, Timeout: api.DefaultTimeout}
	rc := &retryablehttp.Client{HTTPClient: hc, RetryMax: 4, CheckRetry: retryablehttp.DefaultRetryPolicy,
		Backoff: retryablehttp.DefaultBackoff, ErrorHandler: retryablehttp.PassthroughErrorHandler}
	body := []byte(`{"loginId":"jane@example.com","picture":"https://example.com/p.png"}`)
	ctx := context.Background()
	send := func(b *testing.B, do func(*http.Request) (*http.Response, error)) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, benchBase+"/v1/mgmt/user/update/picture", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			resp, err := do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}
	b.Run("send=net-http", func(b *testing.B) { send(b, hc.Do) })
	b.Run("send=retryablehttp", func(b *testing.B) {
		send(b, func(req *http.Request) (*http.Response, error) { return rc.Do(&retryablehttp.Request{Request: req}) })
	})
}
