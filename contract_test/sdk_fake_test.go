package contract_test

// The harness of the SDK tables (sdk_dotnet_test.go, sdk_node_test.go): each request a Descope
// SDK sends passes the contract and is applied by the fake Descope (api/apitest), and each has
// neighbours that the contract or the fake must refuse.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// sdkUsers are the users the fake holds before each request: jane, whom most requests name
// (by jane@example.com, her second login ID jane, or her user ID U2abc), bob, disabled, and two
// test users, tess (an admin) and tom. Their times are fixed, so that time filters select by them.
// jane also has a TOTP authenticator and a passkey, and what sdkState gives her.
func sdkUsers() []gen.User {
	return []gen.User{
		{
			UserID: "U2abc", LoginIDs: []string{"jane@example.com", "jane"},
			Email: "jane@example.com", VerifiedEmail: true, Phone: "+15555550100",
			Name: "J. Doe", GivenName: "J", FamilyName: "Doe",
			RoleNames: []string{"viewer"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}},
			SsoAppIDs: []string{"app-1"}, CustomAttributes: gen.CustomAttributes{"dept": "eng"},
			Status: "enabled", Password: true, TOTP: true, Webauthn: true, CreatedTime: 1_700_000_000, ModifiedTime: 1_700_000_000,
			RecoveryEmail: "jane.r@example.com", VerifiedRecoveryEmail: true,
		},
		{
			UserID: "U2bob", LoginIDs: []string{"bob@example.com"}, Email: "bob@example.com", Name: "Bob",
			RoleNames: []string{"admin"}, UserTenants: []gen.UserTenant{{TenantID: "T2", RoleNames: []string{"member"}}},
			Status: "disabled", CreatedTime: 1_750_000_000, ModifiedTime: 1_750_000_000,
		},
		{
			UserID: "U2test", LoginIDs: []string{"tess@example.com"}, RoleNames: []string{"admin"}, Test: true,
			Status: "enabled", CreatedTime: 1_710_000_000, ModifiedTime: 1_710_000_000,
		},
		{
			UserID: "U2tom", LoginIDs: []string{"tom@example.com"}, Test: true,
			Status: "enabled", CreatedTime: 1_720_000_000, ModifiedTime: 1_720_000_000,
		},
	}
}

// sdkUser returns the seeded user with that user ID, for a test to change into what it expects.
func sdkUser(id string) gen.User {
	for _, u := range sdkUsers() {
		if u.UserID == id {
			return u
		}
	}
	panic("no seeded user " + id)
}

// sdkState is what only Descope's sign-in side gives jane, for the SDKs' requests that list,
// read or remove it: a passkey, two trusted devices, a Google token and two sign-ins (bob one).
func sdkState() []apitest.Option {
	return []apitest.Option{
		apitest.WithUserState("jane@example.com", apitest.UserState{
			Passkeys:       []gen.UserPasskey{{ID: "cred-1", RpID: "example.com", Kind: "passkey", DisplayName: "MacBook", CreatedTime: 1_700_000_000}},
			TrustedDevices: []gen.TrustedDevice{{ID: "dev-1", Name: "Chrome on Mac"}, {ID: "dev-2", Name: "Safari on iPhone"}},
			ProviderTokens: []gen.UserProviderToken{{Provider: "google", ProviderUserID: "1098765", AccessToken: "ya29.fake-access-token",
				RefreshToken: "1//fake-refresh-token", Expiration: 1_700_003_600, Scopes: []string{"openid", "email"}}},
			AuthHistory: []gen.UserAuthHistory{{LoginTime: 1_700_000_000, City: "Lisbon", Country: "PT"}, {LoginTime: 1_700_000_100, City: "Porto", Country: "PT"}},
		}),
		apitest.WithUserState("bob@example.com", apitest.UserState{
			TrustedDevices: []gen.TrustedDevice{{ID: "dev-9", Name: "Firefox on Linux"}},
			AuthHistory:    []gen.UserAuthHistory{{LoginTime: 1_750_000_000, City: "Madrid", Country: "ES"}},
		}),
		apitest.WithCustomAttributes(gen.CustomAttribute{Name: "dept", Type: 1, DisplayName: "Department"}, gen.CustomAttribute{Name: "legacyId", Type: 1}),
	}
}

func newSDKFake(t *testing.T) *apitest.Server {
	t.Helper()
	return apitest.NewServer(t, append([]apitest.Option{apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(sdkUsers()...)}, sdkState()...)...)
}

// sdkRequest is one request an SDK sends, as it sends it, and what the fake must have done after
// answering it 200.
type sdkRequest struct {
	name   string
	method string
	target string // the path, and the query if there is one
	body   string // "" for none
	// applied checks the fake's users after the request and its answer.
	applied func(s *apitest.Server, answer []byte) error
}

// operation returns the operation of the spec that r's method and path are served by.
func (r sdkRequest) operation(t *testing.T) operation {
	t.Helper()
	req := httptest.NewRequest(r.method, "http://127.0.0.1"+r.target, nil)
	route, err := newValidator(t).RouteFor(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.target, err)
	}
	return operationByID(t, route.OperationID())
}

// callAt sends a request to base with the test credentials and the headers given, through
// client; it returns the answer's status and body.
func callAt(t *testing.T, client *http.Client, base, method, target, body string, header map[string]string) (int, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", testBearer)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data, nil
}

// testSDKRequests checks every request of an SDK: "contract", the validating transport lets it
// through to a recording server, which receives exactly what the SDK sends, and accepts the
// spec's example answer; "applied", the fake Descope answers it 200, through the validating
// transport, and holds what applied expects.
func testSDKRequests(t *testing.T, requests []sdkRequest, headers func(sdkRequest) map[string]string) {
	t.Helper()
	for _, r := range requests {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			op := r.operation(t)
			header := headers(r)
			t.Run("contract", func(t *testing.T) {
				f := newFakeAPI(t, reply{example: true})
				if _, _, err := callAt(t, httpClient(t), f.srv.URL, r.method, r.target, r.body, header); err != nil {
					t.Fatalf("the contract refused what the SDK sends (%s): %v", op.ID, err)
				}
				got := f.last(t)
				u, err := url.Parse(r.target)
				if err != nil {
					t.Fatal(err)
				}
				if got.method != r.method || got.path != u.Path || got.query.Encode() != u.Query().Encode() || string(got.body) != r.body {
					t.Errorf("the server received %s %s?%s %s, want %s %s", got.method, got.path, got.query.Encode(), got.body, r.method, r.target)
				}
			})
			t.Run("applied", func(t *testing.T) {
				s := newSDKFake(t)
				status, answer, err := callAt(t, httpClient(t), s.URL, r.method, r.target, r.body, header)
				if err != nil {
					t.Fatalf("through the validating transport: %v", err)
				}
				if status != http.StatusOK {
					t.Fatalf("the fake answered %d %s, want 200", status, answer)
				}
				if r.applied == nil {
					t.Fatal("no check of what the fake did")
				}
				if err := r.applied(s, answer); err != nil {
					t.Errorf("%s %s %s: %v", r.method, r.target, r.body, err)
				}
			})
		})
	}
}

// sdkNeighbour is a request next to one an SDK sends, which the contract or the fake must
// refuse: with status and the errorCode code whose errorMessage holds every fragment. A batch
// neighbour (batch) is answered 200, with its first patch in failedUsers for that reason.
type sdkNeighbour struct {
	name, method, target, body string
	status                     int
	code                       string
	fragments                  []string
	batch                      bool
}

// Two different users, so that a request naming both by loginId and identifier names two users
// that exist.
const (
	otherLoginID = "bob@example.com"
	janeLoginID  = "jane@example.com"
)

// anotherUser returns a login ID of a seeded user other than the one named.
func anotherUser(named any) string {
	if named == otherLoginID || named == "U2bob" {
		return janeLoginID
	}
	return otherLoginID
}

// neighboursOf derives, from a request an SDK sends, those next to it that must be refused:
//   - where a body may name its user by loginId or identifier (or a search may filter by
//     either), the other name with another user: 400 E011004 naming both;
//   - where it may not, identifier: 400 E011003 naming it (the contract refuses it);
//   - a search with a time filter, the time "abc": 400 E011003 naming the field;
//   - a load by login ID (or identifier), the other name with another user: 400 E011004; a load by
//     user ID, a login ID as the user ID: 404 E112102;
//   - the license, a wrong key: 401.
func neighboursOf(t *testing.T, r sdkRequest) []sdkNeighbour {
	t.Helper()
	out := neighboursNamed(t, r)
	for i := range out {
		out[i].name = r.name + ": " + out[i].name
	}
	return out
}

func neighboursNamed(t *testing.T, r sdkRequest) []sdkNeighbour {
	t.Helper()
	op := r.operation(t)
	n := sdkNeighbour{method: r.method, status: http.StatusBadRequest}

	if r.body == "" {
		u, err := url.Parse(r.target)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		switch {
		case len(q) == 0: // the license, the custom attribute definitions, the test users' delete
			return []sdkNeighbour{{name: "wrong key", method: r.method, target: r.target, status: http.StatusUnauthorized, code: apitest.CodeUnauthorized}}
		case q.Has("identifier"):
			q.Set("loginId", anotherUser(q.Get("identifier")))
			n.name, n.code, n.fragments = "loginId beside identifier, another user", api.CodeInvalidArguments, []string{"loginId", "identifier"}
		case q.Has("loginId") && op.hasParameter(t, "identifier"):
			q.Set("identifier", anotherUser(q.Get("loginId")))
			n.name, n.code, n.fragments = "identifier beside loginId, another user", api.CodeInvalidArguments, []string{"loginId", "identifier"}
		case q.Has("loginId"): // the provider token, which takes no identifier
			q.Set("loginId", "ghost@example.com")
			n.name, n.status, n.code, n.fragments = "a login ID nobody has", http.StatusNotFound, api.CodeUserNotFound, []string{"ghost@example.com"}
		default:
			q.Set("userId", janeLoginID)
			n.name, n.status, n.code, n.fragments = "a login ID as the user ID", http.StatusNotFound, api.CodeUserNotFound, []string{janeLoginID}
		}
		n.target = u.Path + "?" + q.Encode()
		return []sdkNeighbour{n}
	}

	n.target = r.target
	if strings.HasPrefix(r.body, "[") { // the v1 history's list of user IDs
		n.name, n.code, n.fragments, n.body = "an empty user ID in the list", api.CodeValidationFailed, []string{`"/0"`}, `[""]`
		return []sdkNeighbour{n}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	obj, batch := body, false
	if users, ok := body["users"].([]any); ok && len(users) > 0 {
		obj, batch = users[0].(map[string]any), true
	}
	schema := op.requestSchema(t)
	var out []sdkNeighbour
	edited := func(name, code string, fragments []string, edit func()) {
		saved := maps.Clone(obj)
		edit()
		m := n
		m.name, m.code, m.fragments, m.body, m.batch = name, code, fragments, string(mustJSON(t, body)), batch && code == api.CodeInvalidArguments
		out = append(out, m)
		for k := range obj {
			delete(obj, k)
		}
		for k, v := range saved {
			obj[k] = v
		}
	}
	both := []string{"loginId", "identifier"}
	switch {
	case schema.Properties["identifier"] == nil:
		edited("identifier where it is unknown", api.CodeValidationFailed, []string{"identifier", "unsupported"}, func() { obj["identifier"] = janeLoginID })
	case obj["identifier"] != nil:
		edited("loginId beside identifier, another user", api.CodeInvalidArguments, both, func() { obj["loginId"] = anotherUser(obj["identifier"]) })
	case obj["loginId"] != nil:
		edited("identifier beside loginId, another user", api.CodeInvalidArguments, both, func() { obj["identifier"] = anotherUser(obj["loginId"]) })
	default: // a search naming no login ID
		edited("loginId and identifier, two users", api.CodeInvalidArguments, both, func() { obj["loginId"], obj["identifier"] = otherLoginID, janeLoginID })
	}
	for _, field := range []string{"fromCreatedTime", "toCreatedTime", "fromModifiedTime", "toModifiedTime"} {
		if _, ok := obj[field]; ok {
			edited("time abc", api.CodeValidationFailed, []string{`"/` + field + `"`}, func() { obj[field] = "abc" })
			break
		}
	}
	return out
}

// testSDKNeighbours sends each neighbour to a fresh fake, without the validating transport: the
// fake answers as it must, and what the contract refuses (E011003) the validator refuses too,
// while what only the fake can refuse passes the validator. A refused request changes no user; a
// refused batch patch leaves its user unchanged.
func testSDKNeighbours(t *testing.T, neighbours []sdkNeighbour) {
	t.Helper()
	for _, n := range neighbours {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			var rd io.Reader
			if n.body != "" {
				rd = strings.NewReader(n.body)
			}
			req := httptest.NewRequestWithContext(t.Context(), n.method, "http://127.0.0.1"+n.target, rd)
			if n.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", testBearer)
			_, verr := newValidator(t).ValidateRequest(t.Context(), req)
			switch n.code {
			case api.CodeValidationFailed:
				if verr == nil {
					t.Errorf("the contract accepts %s, which the fake must refuse as not matching it", n.body)
				}
			case apitest.CodeUnauthorized:
			default:
				if verr != nil {
					t.Errorf("the contract refuses %s (%v); only the fake should", n.body, verr)
				}
			}

			s := newSDKFake(t)
			before := s.Users()
			header := map[string]string{}
			if n.code == apitest.CodeUnauthorized {
				header["Authorization"] = "Bearer " + testProjectID + ":wrong-key"
			}
			status, answer, err := callAt(t, http.DefaultClient, s.URL, n.method, n.target, n.body, header)
			if err != nil {
				t.Fatal(err)
			}
			if n.batch {
				var res gen.PatchUsersBatchResponse
				if status != http.StatusOK || json.Unmarshal(answer, &res) != nil || len(res.FailedUsers) == 0 {
					t.Fatalf("answer %d %s, want 200 with the first patch failed", status, answer)
				}
				f := res.FailedUsers[0].Failure
				for _, want := range append([]string{n.code}, n.fragments...) {
					if !strings.Contains(f, want) {
						t.Errorf("failure %q does not contain %q", f, want)
					}
				}
				if after, _ := s.User("U2abc"); !reflect.DeepEqual(after, before[0]) {
					t.Errorf("the refused patch changed jane:\n%+v\nwas\n%+v", after, before[0])
				}
				return
			}
			var e gen.Error
			if err := json.Unmarshal(answer, &e); err != nil || status != n.status || e.ErrorCode != n.code {
				t.Fatalf("answer %d %s, want %d %s", status, answer, n.status, n.code)
			}
			for _, want := range n.fragments {
				if !strings.Contains(e.ErrorMessage, want) {
					t.Errorf("errorMessage %q does not contain %q", e.ErrorMessage, want)
				}
			}
			if after := s.Users(); !reflect.DeepEqual(after, before) {
				t.Error("a refused request changed the fake's users")
			}
		})
	}
}

// sameUser compares two users as the API writes them, leaving out modifiedTime (stamped when
// the fake applies a change) and treating an empty list or map as absent; it names the fields
// that differ.
func sameUser(got, want gen.User) error {
	g, w := userFields(got), userFields(want)
	var diffs []string
	for _, k := range slices.Sorted(keysOf(g, w)) {
		if !reflect.DeepEqual(g[k], w[k]) {
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", k, compactJSON(g[k]), compactJSON(w[k])))
		}
	}
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}

func userFields(u gen.User) map[string]any {
	var m map[string]any
	raw, err := json.Marshal(u)
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		panic(err)
	}
	delete(m, "modifiedTime")
	for k, v := range m {
		if l, ok := v.([]any); ok && len(l) == 0 {
			delete(m, k)
		}
		if o, ok := v.(map[string]any); ok && len(o) == 0 {
			delete(m, k)
		}
	}
	return m
}

func keysOf(ms ...map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

// becomes checks that the user with that user ID is now the seeded one changed by edit, and
// that the other users are as seeded.
func becomes(id string, edit func(u *gen.User)) func(*apitest.Server, []byte) error {
	return changed(map[string]func(*gen.User){id: edit})
}

// changed checks that each user of edits is now the seeded one changed by its edit, and that the
// other users are as seeded.
func changed(edits map[string]func(u *gen.User)) func(*apitest.Server, []byte) error {
	return func(s *apitest.Server, _ []byte) error {
		var errs []error
		for _, seeded := range sdkUsers() {
			want := seeded
			if edit := edits[seeded.UserID]; edit != nil {
				edit(&want)
			}
			got, ok := s.User(seeded.UserID)
			if !ok {
				errs = append(errs, fmt.Errorf("%s is gone", seeded.UserID))
				continue
			}
			if err := sameUser(got, want); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", seeded.UserID, err))
			}
		}
		return errors.Join(errs...)
	}
}

// unchanged checks that every user is as seeded.
func unchanged(s *apitest.Server, answer []byte) error {
	return changed(nil)(s, answer)
}

// batchAnswered checks a batch answer: these users patched, in this order, and none failed.
func batchAnswered(ids ...string) func(*apitest.Server, []byte) error {
	return func(_ *apitest.Server, answer []byte) error {
		var res gen.PatchUsersBatchResponse
		if err := json.Unmarshal(answer, &res); err != nil {
			return err
		}
		got := make([]string, len(res.PatchedUsers))
		for i, u := range res.PatchedUsers {
			got[i] = u.UserID
		}
		if !slices.Equal(got, ids) || len(res.FailedUsers) != 0 {
			return fmt.Errorf("patched %v, failed %s; want %v patched", got, compactJSON(res.FailedUsers), ids)
		}
		return nil
	}
}

// found checks a users answer (search or load): exactly these user IDs, in this order, and
// total, how many match in all; and that the request changed no user.
func found(total int, ids ...string) func(*apitest.Server, []byte) error {
	return func(s *apitest.Server, answer []byte) error {
		var res gen.UsersResponse
		if err := json.Unmarshal(answer, &res); err != nil {
			return err
		}
		got := make([]string, len(res.Users))
		for i, u := range res.Users {
			got[i] = u.UserID
		}
		if !slices.Equal(got, ids) || int(res.Total) != total {
			return fmt.Errorf("answered users %v of %d, want %v of %d", got, res.Total, ids, total)
		}
		return unchanged(s, answer)
	}
}

// loaded checks a user answer: the user with that ID, as seeded.
func loaded(id string) func(*apitest.Server, []byte) error {
	return func(s *apitest.Server, answer []byte) error {
		var res gen.UserResponse
		if err := json.Unmarshal(answer, &res); err != nil {
			return err
		}
		if err := sameUser(res.User, sdkUser(id)); err != nil {
			return fmt.Errorf("answered user: %w", err)
		}
		return unchanged(s, answer)
	}
}

// all joins checks.
func all(checks ...func(*apitest.Server, []byte) error) func(*apitest.Server, []byte) error {
	return func(s *apitest.Server, answer []byte) error {
		var errs []error
		for _, c := range checks {
			errs = append(errs, c(s, answer))
		}
		return errors.Join(errs...)
	}
}

// opsOf returns the operations requests are served by, sorted.
func opsOf(t *testing.T, requests []sdkRequest) []string {
	t.Helper()
	var ids []string
	for _, r := range requests {
		if id := r.operation(t).ID; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// allOpsBut returns every operation of the spec but those given, sorted.
func allOpsBut(but ...string) []string {
	var ids []string
	for _, op := range operations() {
		if !slices.Contains(but, op.ID) {
			ids = append(ids, op.ID)
		}
	}
	return ids
}
