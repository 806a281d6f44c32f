package contract_test

// The harness: a fake Descope API on httptest that records what it receives and answers with a
// canned reply, an HTTP client wired through spec.Validator's Transport (every request is
// validated before it is sent and every response before it is accepted), and the operations of
// the spec, each with a valid request taken from the spec's own examples. Tests are tables over
// those operations; none holds a closure per operation.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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

// operation is one operation of the spec with a valid request: the body of its first request
// example (sorted by name), and a query string from its parameters' examples.
type operation struct {
	spec.Operation
	valid string     // "" when the operation takes no body
	query url.Values // nil when it takes no parameters
	ok    string     // a valid 200 answer: its first response example
}

// operations are the spec's operations, sorted by operationId.
var operations = sync.OnceValue(func() []operation {
	doc, err := sharedSpec()
	if err != nil {
		panic(err)
	}
	var ops []operation
	for _, so := range spec.Operations() {
		o := operation{Operation: so}
		op := doc.Paths.Value(so.Path).GetOperation(so.Method)
		if rb := op.RequestBody; rb != nil {
			o.valid = firstExample(rb.Value.Content.Get("application/json"))
		}
		for _, p := range op.Parameters {
			if p.Value.Example != nil {
				if o.query == nil {
					o.query = url.Values{}
				}
				o.query.Set(p.Value.Name, fmt.Sprint(p.Value.Example))
			}
		}
		if r := op.Responses.Status(http.StatusOK); r != nil {
			o.ok = firstExample(r.Value.Content.Get("application/json"))
		}
		ops = append(ops, o)
	}
	return ops
})

// firstExample returns the JSON of a media type's first example, sorted by name, or "".
func firstExample(mt *openapi3.MediaType) string {
	if mt == nil || len(mt.Examples) == 0 {
		return ""
	}
	raw, err := json.Marshal(mt.Examples[sortedKeys(mt.Examples)[0]].Value.Value)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

func operationByID(t *testing.T, id string) operation {
	t.Helper()
	for _, op := range operations() {
		if op.ID == id {
			return op
		}
	}
	t.Fatalf("no operation %s", id)
	return operation{}
}

// withBody returns op's valid body with the field at path (keys, or indexes of lists, from the
// top) set to value, or removed when remove is true. ok is false when the body has no such
// field.
func (op operation) withBody(t *testing.T, value any, remove bool, path ...any) (body string, ok bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(op.valid), &v); err != nil {
		return "", false
	}
	parent, last := v, path[len(path)-1]
	for _, k := range path[:len(path)-1] {
		switch k := k.(type) {
		case string:
			m, ok := parent.(map[string]any)
			if !ok {
				return "", false
			}
			parent = m[k]
		case int:
			l, ok := parent.([]any)
			if !ok || k >= len(l) {
				return "", false
			}
			parent = l[k]
		}
	}
	m, isMap := parent.(map[string]any)
	if _, present := m[last.(string)]; !isMap || !present {
		return "", false
	}
	if remove {
		delete(m, last.(string))
	} else {
		m[last.(string)] = value
	}
	return string(mustJSON(t, v)), true
}

// loginIDPath is where op's valid body names its user, if it does: loginId, or the first
// batch entry's.
func (op operation) loginIDPath(t *testing.T) ([]any, bool) {
	for _, p := range [][]any{{"loginId"}, {"users", 0, "loginId"}} {
		if _, ok := op.withBody(t, "x", false, p...); ok {
			return p, true
		}
	}
	return nil, false
}

// reply is what the fake API answers.
type reply struct {
	example     bool              // answer each request with the first 200 example of its operation
	minimal     bool              // answer each request with the least its operation's 200 allows: {} or []
	status      int               // 0 means 200
	contentType string            // "" means application/json; "-" means no Content-Type at all
	header      map[string]string // extra headers
	body        string
}

// received is one request as the fake API saw it.
type received struct {
	method, path string
	query        url.Values
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
	f.got = append(f.got, received{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body})
	f.mu.Unlock()

	rp := f.reply
	if rp.example {
		rp.body = exampleAnswer(r)
	}
	if rp.minimal {
		rp.body = minimalAnswer(r)
	}
	h := w.Header()
	switch rp.contentType {
	case "":
		h.Set("Content-Type", "application/json")
	case "-":
		h["Content-Type"] = nil // suppress net/http's sniffing
	default:
		h.Set("Content-Type", rp.contentType)
	}
	for k, v := range rp.header {
		h.Set(k, v)
	}
	status := rp.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rp.body)
}

// exampleAnswer is the first 200 example of the operation r is for.
func exampleAnswer(r *http.Request) string {
	v, err := validator()
	if err != nil {
		return err.Error()
	}
	route, err := v.RouteFor(r)
	if err != nil {
		return err.Error()
	}
	for _, op := range operations() {
		if op.ID == route.OperationID() {
			return op.ok
		}
	}
	return ""
}

// minimalAnswer is the least the 200 answer of the operation r is for may be: [] where the
// spec's answer is a list, {} where it is an object.
func minimalAnswer(r *http.Request) string {
	v, err := validator()
	if err != nil {
		return err.Error()
	}
	route, err := v.RouteFor(r)
	if err != nil {
		return err.Error()
	}
	for _, op := range operations() {
		if op.ID == route.OperationID() {
			if strings.HasPrefix(op.ok, "[") {
				return `[]`
			}
			return `{}`
		}
	}
	return ""
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

// answer is a response that passed the validator.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// request is one request for an operation: its body and content type ("" means
// application/json when there is a body), its query, and edit, which changes the headers after
// the test bearer is set (a bad Authorization, an extra header).
type request struct {
	body        string
	contentType string
	query       url.Values
	edit        func(http.Header)
}

// send sends r for op to the fake API through the validating transport.
func (f *fakeAPI) send(t *testing.T, op operation, r request) (*answer, error) {
	t.Helper()
	u := f.srv.URL + op.Path
	if q := r.query; q != nil || op.query != nil {
		if q == nil {
			q = op.query
		}
		u += "?" + q.Encode()
	}
	var body io.Reader
	if r.body != "" || op.valid != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), op.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", testBearer)
	if r.edit != nil {
		r.edit(req.Header)
	}
	resp, err := httpClient(t).Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// sendValid sends op's valid request.
func (f *fakeAPI) sendValid(t *testing.T, op operation) (*answer, error) {
	t.Helper()
	return f.send(t, op, request{body: op.valid})
}

// responseTypes are the Go types of the spec's response schemas, by schema name ("[]Name" for an
// answer that is a list of Name, written inline), for decoding answers without knowing the
// operation: a new operation that answers with one of these needs nothing here.
var responseTypes = map[string]reflect.Type{
	"UserResponse":                  reflect.TypeFor[gen.UserResponse](),
	"PatchUsersBatchResponse":       reflect.TypeFor[gen.PatchUsersBatchResponse](),
	"License":                       reflect.TypeFor[gen.License](),
	"UsersResponse":                 reflect.TypeFor[gen.UsersResponse](),
	"Error":                         reflect.TypeFor[gen.Error](),
	"CreateUsersBatchResponse":      reflect.TypeFor[gen.CreateUsersBatchResponse](),
	"EmptyResponse":                 reflect.TypeFor[gen.EmptyResponse](),
	"PasswordSetResponse":           reflect.TypeFor[gen.PasswordSetResponse](),
	"UserPasskeysResponse":          reflect.TypeFor[gen.UserPasskeysResponse](),
	"TrustedDevicesResponse":        reflect.TypeFor[gen.TrustedDevicesResponse](),
	"GenerateOTPResponse":           reflect.TypeFor[gen.GenerateOTPResponse](),
	"GenerateMagicLinkResponse":     reflect.TypeFor[gen.GenerateMagicLinkResponse](),
	"GenerateEnchantedLinkResponse": reflect.TypeFor[gen.GenerateEnchantedLinkResponse](),
	"EmbeddedLinkResponse":          reflect.TypeFor[gen.EmbeddedLinkResponse](),
	"[]UserAuthHistory":             reflect.TypeFor[[]gen.UserAuthHistory](),
	"AuthHistoryResponse":           reflect.TypeFor[gen.AuthHistoryResponse](),
	"UserProviderToken":             reflect.TypeFor[gen.UserProviderToken](),
	"CustomAttributesResponse":      reflect.TypeFor[gen.CustomAttributesResponse](),
	"UserImportResponse":            reflect.TypeFor[gen.UserImportResponse](),
}

// sharedSpec is the document, loaded once, for the lookups that do not change it.
var sharedSpec = sync.OnceValues(spec.Load)

// responseType returns the Go type of op's answer with status.
func responseType(t *testing.T, op operation, status int) reflect.Type {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	r := doc.Paths.Value(op.Path).GetOperation(op.Method).Responses.Status(status)
	if r == nil {
		t.Fatalf("%s documents no %d", op.ID, status)
	}
	name := schemaName(r.Value.Content.Get("application/json").Schema)
	typ, ok := responseTypes[name]
	if !ok {
		t.Fatalf("responseTypes has no Go type for schema %q (answer of %s %d)", name, op.ID, status)
	}
	return typ
}

// schemaName is the name of a referenced schema, "[]Name" for an inline list of a referenced
// schema, and "" for any other inline schema.
func schemaName(ref *openapi3.SchemaRef) string {
	if ref.Ref != "" {
		return ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
	}
	if s := ref.Value; s != nil && s.Type.Is("array") && s.Items != nil && s.Items.Ref != "" {
		return "[]" + schemaName(s.Items)
	}
	return ""
}

// answerIsList reports whether op's 200 answer is a JSON array (UsersAuthHistory's, on the v1
// path) rather than an object, as the spec says.
func answerIsList(t *testing.T, op operation) bool {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Paths.Value(op.Path).GetOperation(op.Method).Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
	return s.Type.Is("array")
}

// decodeAnswer decodes an answer into the Go type of op's answer with its status.
func decodeAnswer(t *testing.T, op operation, a *answer) any {
	t.Helper()
	v := reflect.New(responseType(t, op, a.status))
	if err := json.Unmarshal(a.body, v.Interface()); err != nil {
		t.Fatalf("%s %d: %s does not decode into %v: %v", op.ID, a.status, a.body, v.Type().Elem(), err)
	}
	return v.Interface()
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
	f := newFakeAPI(t, reply{minimal: true})
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	valid := 0
	ops := operations()
	for i := range n {
		op := ops[i%len(ops)]
		valid++
		wg.Go(func() {
			if _, err := f.sendValid(t, op); err != nil {
				errs <- fmt.Errorf("%s valid: %w", op.ID, err)
			}
		})
		if p, ok := op.loginIDPath(t); ok {
			// An empty loginId, or a number where it may be empty (DeleteUser, LogoutAllUserDevices).
			var value any = ""
			want := `loginId": minimum string length is 1`
			if op.loginIDMayBeEmpty(t) {
				value, want = 42, `loginId": value must be a string`
			}
			bad, _ := op.withBody(t, value, false, p...)
			wg.Go(func() {
				_, err := f.send(t, op, request{body: bad})
				if err == nil || !strings.Contains(err.Error(), want) {
					errs <- fmt.Errorf("%s invalid: want a body rejection, got %v", op.ID, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.hits.Load(); got != int64(valid) {
		t.Errorf("server hit %d times, want %d (only the valid calls)", got, valid)
	}
}
