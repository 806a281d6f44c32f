package contract_test

// The harness: a fake Descope API on httptest that records what it receives and answers with a
// canned reply, and the generated client wired through spec.Validator's Transport, so every request
// is validated before it is sent and every response before it is accepted. The tests that use it
// are in request_test.go, response_test.go and reject_test.go; TestConcurrentCalls is below.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// Fake credentials: the project ID has the 32-character shape of a real one.
const (
	testProjectID = "P2abcdefghijklmnopqrstuvwxyz0123"
	testKey       = "fake-key-not-secret"
	testBearer    = "Bearer " + testProjectID + ":" + testKey
)

// validator is built once with spec.NewValidator, the same constructor production uses.
var validator = sync.OnceValues(spec.NewValidator)

func newValidator(t *testing.T) *spec.Validator {
	t.Helper()
	v, err := validator()
	if err != nil {
		t.Fatalf("spec.NewValidator: %v", err)
	}
	return v
}

// reply is what the fake API answers.
type reply struct {
	status      int               // 0 means 200
	contentType string            // "" means application/json; "-" means no Content-Type at all
	header      map[string]string // extra headers
	body        string
}

// received is one request as the fake API saw it.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

type fakeAPI struct {
	srv   *httptest.Server
	reply reply
	hits  atomic.Int64

	mu  sync.Mutex
	got []received
}

func newFakeAPI(t *testing.T, r reply) *fakeAPI {
	t.Helper()
	f := &fakeAPI{reply: r}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	f.got = append(f.got, received{r.Method, r.URL.Path, r.Header.Clone(), body})
	f.mu.Unlock()

	h := w.Header()
	switch f.reply.contentType {
	case "":
		h.Set("Content-Type", "application/json")
	case "-":
		h["Content-Type"] = nil // suppress net/http's sniffing
	default:
		h.Set("Content-Type", f.reply.contentType)
	}
	for k, v := range f.reply.header {
		h.Set(k, v)
	}
	status := f.reply.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, f.reply.body)
}

// last returns the only request the fake API received, failing unless there was exactly one.
func (f *fakeAPI) last(t *testing.T) received {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) != 1 {
		t.Fatalf("the server received %d requests, want 1", len(f.got))
	}
	return f.got[0]
}

// assertNotHit fails if any request reached the fake API.
func (f *fakeAPI) assertNotHit(t *testing.T) {
	t.Helper()
	if n := f.hits.Load(); n != 0 {
		t.Errorf("the server was hit %d times; the request should have been stopped client-side", n)
	}
}

// httpClient is an http.Client whose every request and response goes through the validator.
func httpClient(t *testing.T) *http.Client {
	return &http.Client{Transport: newValidator(t).Transport(http.DefaultTransport)}
}

// client returns the generated client for the fake API, validating and authenticated with the
// fake management key.
func (f *fakeAPI) client(t *testing.T) *gen.ClientWithResponses {
	t.Helper()
	return f.clientWithAuth(t, func(h http.Header) { h.Set("Authorization", testBearer) })
}

// clientWithAuth is client with the Authorization header set by setAuth instead.
func (f *fakeAPI) clientWithAuth(t *testing.T, setAuth func(http.Header)) *gen.ClientWithResponses {
	t.Helper()
	c, err := gen.NewClientWithResponses(f.srv.URL,
		gen.WithHTTPClient(httpClient(t)),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			setAuth(req.Header)
			return nil
		}),
	)
	if err != nil {
		t.Fatalf("gen.NewClientWithResponses: %v", err)
	}
	return c
}

// errorGetters is what every generated ...Response type offers for the error statuses. The
// spec's error responses are all aliases of gen.Error.
type errorGetters interface {
	StatusCode() int
	GetJSON400() *gen.Error
	GetJSON401() *gen.Error
	GetJSON403() *gen.Error
	GetJSON404() *gen.Error
	GetJSON429() *gen.Error
	GetJSON500() *gen.Error
	GetJSON503() *gen.Error
}

// outcome is a typed response reduced to what every operation has in common.
type outcome struct {
	status     int
	json200    any                // *gen.UserResponse or *gen.PatchUsersBatchResponse, nil if unset
	errs       map[int]*gen.Error // the JSON4xx/5xx fields that are set
	retryAfter *int               // Headers429.RetryAfter if Headers429 is set
}

func newOutcome(r errorGetters, json200 any, retryAfter *int) outcome {
	o := outcome{status: r.StatusCode(), errs: map[int]*gen.Error{}, retryAfter: retryAfter}
	if !reflect.ValueOf(json200).IsNil() {
		o.json200 = json200
	}
	for status, e := range map[int]*gen.Error{
		400: r.GetJSON400(), 401: r.GetJSON401(), 403: r.GetJSON403(), 404: r.GetJSON404(),
		429: r.GetJSON429(), 500: r.GetJSON500(), 503: r.GetJSON503(),
	} {
		if e != nil {
			o.errs[status] = e
		}
	}
	return o
}

// operation is one operation of the spec as the generated client calls it with a raw body.
type operation struct {
	id, method, path string
	valid            string // a small valid request body
	send             func(ctx context.Context, c *gen.ClientWithResponses, contentType string, body io.Reader) (outcome, error)
}

var operations = []operation{
	{
		id: "UpdateUserCustomAttribute", method: "POST", path: "/v1/mgmt/user/update/customAttribute",
		valid: `{"loginId":"jane@example.com","attributeKey":"department","attributeValue":"engineering"}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.UpdateUserCustomAttributeWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
	{
		id: "UpdateUserName", method: "POST", path: "/v1/mgmt/user/update/name",
		valid: `{"loginId":"jane@example.com","name":"Jane Doe","displayName":"Jane Doe"}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.UpdateUserNameWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
	{
		id: "UpdateUserPicture", method: "POST", path: "/v1/mgmt/user/update/picture",
		valid: `{"loginId":"jane@example.com","picture":"https://example.com/jane.png"}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.UpdateUserPictureWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
	{
		id: "UpdateUserPhone", method: "POST", path: "/v1/mgmt/user/update/phone",
		valid: `{"loginId":"jane@example.com","phone":"+15555550100"}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.UpdateUserPhoneWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
	{
		id: "PatchUser", method: "PATCH", path: "/v1/mgmt/user/patch",
		valid: `{"loginId":"jane@example.com","status":"enabled"}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.PatchUserWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
	{
		id: "PatchUserBatch", method: "PATCH", path: "/v1/mgmt/user/patch/batch",
		valid: `{"users":[{"loginId":"jane@example.com","status":"disabled"}]}`,
		send: func(ctx context.Context, c *gen.ClientWithResponses, ct string, body io.Reader) (outcome, error) {
			r, err := c.PatchUserBatchWithBodyWithResponse(ctx, ct, body)
			if err != nil {
				return outcome{}, err
			}
			var ra *int
			if r.Headers429 != nil {
				ra = &r.Headers429.RetryAfter
			}
			return newOutcome(r, r.JSON200, ra), nil
		},
	},
}

func operationByID(t *testing.T, id string) operation {
	t.Helper()
	for _, op := range operations {
		if op.id == id {
			return op
		}
	}
	t.Fatalf("no operation %s", id)
	return operation{}
}

// sendJSON sends body as application/json with the operation's ...WithBody method.
func (op operation) sendJSON(t *testing.T, c *gen.ClientWithResponses, body string) (outcome, error) {
	t.Helper()
	return op.send(t.Context(), c, "application/json", strings.NewReader(body))
}

// assertWire checks the JSON object the server received: exactly the keys of want, each with
// the JSON value given (compared as decoded JSON, so formatting does not matter).
func assertWire(t *testing.T, got []byte, want map[string]string) {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(got, &fields); err != nil {
		t.Fatalf("the server received a body that is not a JSON object: %v\n%s", err, got)
	}
	if g, w := sortedKeys(fields), sortedKeys(want); !slices.Equal(g, w) {
		t.Errorf("keys on the wire = %v, want %v\nbody: %s", g, w, got)
	}
	for k, w := range want {
		g, ok := fields[k]
		if !ok {
			continue
		}
		if !jsonEqual(t, g, []byte(w)) {
			t.Errorf("%q on the wire = %s, want %s", k, g, w)
		}
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var av, bv any
	if err := json.Unmarshal(a, &av); err != nil {
		t.Fatalf("not JSON: %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &bv); err != nil {
		t.Fatalf("not JSON: %s: %v", b, err)
	}
	return reflect.DeepEqual(av, bv)
}

// assertRequestRejected checks that err is a request-validation failure of operation id whose
// message contains every fragment, and that it is neither of the validator's sentinel errors.
func assertRequestRejected(t *testing.T, err error, id string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("the request was accepted")
	}
	if errors.Is(err, spec.ErrNoOperation) || errors.Is(err, spec.ErrBadCredentials) {
		t.Fatalf("rejected for routing or credentials, not for the body: %v", err)
	}
	msg := err.Error()
	for _, f := range append([]string{id + ": request does not match the spec"}, fragments...) {
		if !strings.Contains(msg, f) {
			t.Errorf("error does not contain %q:\n%v", f, err)
		}
	}
}

// assertResponseRejected checks that err is a response-validation failure of operation id
// whose message contains every fragment.
func assertResponseRejected(t *testing.T, err error, id string, status int, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("the response was accepted")
	}
	if errors.Is(err, spec.ErrNoOperation) || errors.Is(err, spec.ErrBadCredentials) {
		t.Fatalf("rejected for routing or credentials, not for the response: %v", err)
	}
	msg := err.Error()
	head := id + ": response " + strconv.Itoa(status) + " does not match the spec"
	for _, f := range append([]string{head}, fragments...) {
		if !strings.Contains(msg, f) {
			t.Errorf("error does not contain %q:\n%v", f, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// mustJSON marshals v or fails the test.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// One client and one validator shared by many goroutines: valid calls all arrive, invalid ones
// never do, and the race detector sees nothing.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, reply{body: `{}`})
	c := api.client(t)
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		op := operations[i%len(operations)]
		wg.Go(func() {
			if _, err := op.sendJSON(t, c, op.valid); err != nil {
				errs <- fmt.Errorf("%s valid: %w", op.id, err)
			}
		})
		wg.Go(func() {
			_, err := op.sendJSON(t, c, strings.Replace(op.valid, `"jane@example.com"`, `""`, 1))
			if err == nil || !strings.Contains(err.Error(), `loginId": minimum string length is 1`) {
				errs <- fmt.Errorf("%s invalid: want a body rejection, got %v", op.id, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := api.hits.Load(); got != n {
		t.Errorf("server hit %d times, want %d (only the valid calls)", got, n)
	}
}
