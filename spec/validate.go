package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// SecuritySchemeName is the name of the spec's only security scheme.
const SecuritySchemeName = "ManagementKey"

// MaxBodyBytes caps how much of a body the validator reads.
const MaxBodyBytes = 16 << 20

// ErrNoOperation is returned (wrapped) for a request whose method and path match no operation
// of the spec.
var ErrNoOperation = errors.New("request matches no operation of the spec")

// ErrBadCredentials is returned (wrapped) when the Authorization header is missing or is not of
// the form "Bearer <ProjectID>:<ManagementKey>". The header's value is never part of the message.
var ErrBadCredentials = errors.New("authorization header is not \"Bearer <ProjectID>:<ManagementKey>\"")

// Validator validates requests and responses against the document, with kin-openapi's
// openapi3filter. It is safe for concurrent use.
//
// Routing is by method and path only. The document's servers name Descope's hosts, and a router
// built from them would not match a test server on 127.0.0.1; rather than let such a request
// slip through unvalidated, the validator drops the servers before routing, and a request that
// matches no operation is an error (ErrNoOperation), never a silent pass.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	depth  *depthRules // the document's x-max-depth limits (MaxDepthExtension)
}

var (
	sharedOnce sync.Once
	shared     *Validator
	sharedErr  error
)

// Default returns a Validator for the document, built once per process.
func Default() (*Validator, error) {
	sharedOnce.Do(func() { shared, sharedErr = NewValidator() })
	return shared, sharedErr
}

// NewValidator loads the document and builds a router for it.
func NewValidator() (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	// Route on method and path only; see Validator.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: building router: %w", err)
	}
	depth, err := newDepthRules(doc)
	if err != nil {
		return nil, err
	}
	return &Validator{doc: doc, router: router, depth: depth}, nil
}

// Doc returns the loaded spec (with its servers removed). Callers must not modify it.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// CheckBearer reports whether an Authorization header value has the form
// "Bearer <ProjectID>:<ManagementKey>" with both parts non-empty and no white space.
func CheckBearer(header string) error {
	const prefix = "Bearer "
	// The scheme name is case-insensitive (RFC 9110, section 11.1).
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return ErrBadCredentials
	}
	token := header[len(prefix):]
	pid, key, ok := strings.Cut(token, ":")
	if !ok || pid == "" || key == "" || strings.ContainsAny(token, " \t\r\n") {
		return ErrBadCredentials
	}
	return nil
}

func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != SecuritySchemeName {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	return CheckBearer(in.RequestValidationInput.Request.Header.Get("Authorization"))
}

var requestOptions, responseOptions = newOptions()

func newOptions() (req, resp *openapi3filter.Options) {
	req = &openapi3filter.Options{MultiError: true, AuthenticationFunc: authenticate}
	req.WithCustomSchemaErrorFunc(schemaError)
	resp = &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}
	resp.WithCustomSchemaErrorFunc(schemaError)
	return req, resp
}

// schemaError keeps a schema error to its location and reason. kin-openapi's own message appends
// the whole schema and the offending value, which is often a whole body full of personal data.
//
// A `not` that fails has no reason of its own in kin-openapi; the spec's `not` schemas carry
// theirs in their description (say, that neither loginId nor identifier names the user).
func schemaError(err *openapi3.SchemaError) string {
	if err.Origin != nil {
		return "" // kin-openapi then prints the path and the nested errors, each through here
	}
	reason := err.Reason
	if err.SchemaField == "not" && reason == "" && err.Schema != nil && err.Schema.Not != nil && err.Schema.Not.Value != nil {
		reason = strings.TrimSpace(err.Schema.Not.Value.Description)
	}
	return fmt.Sprintf("at %q: %s", "/"+strings.Join(err.JSONPointer(), "/"), reason)
}

// Route is the operation a request was matched to.
type Route struct {
	route      *routers.Route
	pathParams map[string]string
}

// OperationID returns the matched operation's operationId.
func (r *Route) OperationID() string { return r.route.Operation.OperationID }

// Documents reports whether the operation documents responses with this status (or has a
// default response).
func (r *Route) Documents(status int) bool {
	return r.route.Operation.Responses.Status(status) != nil || r.route.Operation.Responses.Default() != nil
}

// ValidateRequest finds the operation for req and validates its security, parameters and body.
// The body is read and replaced, so req can still be sent or served afterwards. The error names
// what is wrong; it wraps ErrNoOperation or ErrBadCredentials where those apply.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) (*Route, error) {
	route, err := v.RouteFor(req)
	if err != nil {
		return nil, err
	}
	if err := v.ValidateRequestFor(ctx, route, req); err != nil {
		return nil, err
	}
	return route, nil
}

// ValidateRequestFor is ValidateRequest for a request already matched by RouteFor, so that a
// server that routes first does not route twice. Besides the schemas, it enforces the limits the
// document sets on nesting with MaxDepthExtension.
func (v *Validator) ValidateRequestFor(ctx context.Context, r *Route, req *http.Request) error {
	route, params := r.route, r.pathParams
	body, err := readBody(&req.Body)
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    requestOptions,
	}
	verr := openapi3filter.ValidateRequest(ctx, in)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if verr == nil {
		verr = v.depth.check(route.Operation, body)
	}
	if verr != nil {
		return requestError(route, verr)
	}
	return nil
}

// requestError flattens kin-openapi's error into one that names the operation and keeps the
// authentication failure matchable with errors.Is.
func requestError(route *routers.Route, err error) error {
	op := route.Operation.OperationID
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		return fmt.Errorf("%s: %w", op, ErrBadCredentials)
	}
	return fmt.Errorf("%s: request does not match the spec: %w", op, err)
}

// ValidateResponse validates a response to a request matched by ValidateRequest: its status
// must be one the operation documents, and its headers and body must match that response's
// schema.
func (v *Validator) ValidateResponse(ctx context.Context, route *Route, req *http.Request, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: route.pathParams,
			Route:      route.route,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: responseOptions,
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fmt.Errorf("%s: response %d does not match the spec: %w", route.OperationID(), status, err)
	}
	return nil
}

// CheckResponse validates the answer to resp.Request against the document: it is the
// api.ResponseValidator that api.WithResponseValidation takes, so that the api package need not
// link kin-openapi. Error answers that the operation does not document, or that are not JSON (a
// 502 or 503 page from a proxy, say), pass: they come from the path to the API, not from the API,
// and the client reports them as errors anyway.
func (v *Validator) CheckResponse(ctx context.Context, resp *http.Response, body []byte) error {
	route, err := v.RouteFor(resp.Request)
	if err != nil {
		return err
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if !ok2xx && (!route.Documents(resp.StatusCode) || !isJSON(resp.Header.Get("Content-Type"), body)) {
		return nil
	}
	return v.ValidateResponse(ctx, route, resp.Request, resp.StatusCode, resp.Header, body)
}

// isJSON reports whether an answer is JSON: its Content-Type says so, or it has none (some proxies
// drop it) and its body looks like an object.
func isJSON(contentType string, body []byte) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return true
	}
	return contentType == "" && len(body) > 0 && body[0] == '{'
}

// RouteFor matches req to an operation without validating anything else.
func (v *Validator) RouteFor(req *http.Request) (*Route, error) {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", ErrNoOperation, req.Method, req.URL.Path, err)
	}
	return &Route{route: route, pathParams: params}, nil
}

// readBody reads *body (at most MaxBodyBytes) and replaces it with a reader over the same bytes.
func readBody(body *io.ReadCloser) ([]byte, error) {
	if *body == nil || *body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(*body, MaxBodyBytes+1))
	_ = (*body).Close()
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBodyBytes {
		return nil, fmt.Errorf("body larger than %d bytes", MaxBodyBytes)
	}
	*body = io.NopCloser(bytes.NewReader(data))
	return data, nil
}

// Transport returns an http.RoundTripper that validates every request before handing it to
// next, and every response before returning it. A request that fails validation is not sent;
// a response that fails is closed and replaced by the error. Either error names what broke.
func (v *Validator) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{v: v, next: next}
}

type transport struct {
	v    *Validator
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper may consume the caller's body but must not modify the request, so the
	// check and the send each get a clone over the bytes read.
	body := req.Body
	data, err := readBody(&body)
	if err != nil {
		return nil, fmt.Errorf("spec: reading request body: %w", err)
	}
	check := cloneWithBody(req, data)
	route, err := t.v.ValidateRequest(req.Context(), check)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	req = cloneWithBody(req, data)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := readBody(&resp.Body)
	if err != nil {
		return nil, fmt.Errorf("spec: reading response body: %w", err)
	}
	if err := t.v.ValidateResponse(req.Context(), route, check, resp.StatusCode, resp.Header, respBody); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return resp, nil
}

func cloneWithBody(req *http.Request, body []byte) *http.Request {
	c := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return c
	}
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return c
}
