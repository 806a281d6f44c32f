package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// One call, from start to end, as go-github's NewRequest, Do and CheckResponse read:
//
//	req, err := build(c.baseURL, body)    // the generated builder of the operation (gen.New...Request)
//	resp, data, err := c.do(ctx, op, req) // authorize, send with the retry policy, read, scrub
//	err = c.checkResponse(ctx, op, resp, data)  // validate if asked; a non-2xx becomes an *Error
//	out, err := decode[T](op, resp, data)  // a 2xx that does not carry a T is malformed
//
// call runs them in that order; every method of Client goes through it.

// builder is a request builder that oapi-codegen generates for each operation of the spec:
// gen.NewUpdateUserStatusRequest, gen.NewLoadUserRequest...
type builder[In any] func(server string, in In) (*http.Request, error)

// noBody adapts the builder of an operation that takes no input to call.
func noBody(build func(server string) (*http.Request, error)) builder[struct{}] {
	return func(server string, _ struct{}) (*http.Request, error) { return build(server) }
}

// call sends one operation and decodes its answer into a new Out.
func call[Out, In any](ctx context.Context, c *Client, build builder[In], in In) (*Out, error) {
	req, err := build(c.server, in)
	if err != nil {
		// The body could not be encoded, e.g. a custom attribute value that is not JSON.
		return nil, fmt.Errorf("%w: building the request: %v", ErrInvalidArgument, err)
	}
	op := operationOf(req, c.basePath)
	resp, data, err := c.do(ctx, op, req)
	if err != nil {
		return nil, err
	}
	if err := c.checkResponse(ctx, op, resp, data); err != nil {
		return nil, err
	}
	return decode[Out](op, resp, data)
}

// operationOf names the spec's operation a built request is for, its operationId, as errors
// report it. The names come from the spec; a request that matches none (which the module's
// tests rule out) is named by its method and path.
func operationOf(req *http.Request, basePath string) string {
	key := req.Method + " " + strings.TrimPrefix(req.URL.Path, basePath)
	if id, ok := operationIDs()[key]; ok {
		return id
	}
	return key
}

var operationIDs = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, op := range spec.Operations() {
		m[op.Method+" "+op.Path] = op.ID
	}
	return m
})

// do authorizes req and sends it with the retry policy. The body is read (capped) while retries
// are still possible, so that a connection cut mid-body is retried, and it is scrubbed of the
// management key as it is read: this is the one redaction step for everything a server sends
// back, before anything parses, excerpts or truncates it.
func (c *Client) do(ctx context.Context, op string, req *http.Request) (*http.Response, []byte, error) {
	req = req.WithContext(ctx)
	c.authorize(req.Header)
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrInvalidArgument, op, err)
	}
	var data []byte
	read := false
	rreq.SetResponseHandler(func(resp *http.Response) error {
		b, err := readCapped(resp.Body, c.maxBody)
		if err != nil {
			return err
		}
		data, read = c.redact.Bytes(b), true
		return nil
	})
	resp, err := c.retry.Do(rreq)
	if err == nil && !read {
		// The retries ran out on a retryable status, so the handler never ran: read it here.
		var b []byte
		if b, err = readCapped(resp.Body, c.maxBody); err == nil {
			data = c.redact.Bytes(b)
		}
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			return nil, nil, fmt.Errorf("descope: %s: %w (%v)", op, ctxErr, err)
		}
		return nil, nil, fmt.Errorf("descope: %s: %w", op, err)
	}
	return resp, data, nil
}

// checkResponse validates the answer against the spec when the client was asked to, and turns
// a non-2xx answer into an *Error.
func (c *Client) checkResponse(ctx context.Context, op string, resp *http.Response, data []byte) error {
	if c.validator != nil {
		if err := c.validateResponse(ctx, op, resp, data); err != nil {
			return err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(op, resp, data, c.redact)
	}
	return nil
}

// validateResponse checks the answer against the spec. Error answers that the operation does
// not document, or that are not JSON (a 502 or 503 page from a proxy, say), are left to *Error:
// they come from the path to the API, not from the API.
func (c *Client) validateResponse(ctx context.Context, op string, resp *http.Response, data []byte) error {
	route, err := c.validator.RouteFor(resp.Request)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrResponseMismatch, op, err)
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if !ok2xx && (!route.Documents(resp.StatusCode) || !isJSON(resp.Header.Get("Content-Type"), data)) {
		return nil
	}
	if err := c.validator.ValidateResponse(ctx, route, resp.Request, resp.StatusCode, resp.Header, data); err != nil {
		return fmt.Errorf("%w: %s", ErrResponseMismatch, c.redact.String(err.Error()))
	}
	return nil
}

// decode reads a 2xx body into a new T. A body that is not JSON of T's shape, is null, or lacks
// what T must carry (see carrier) wraps ErrMalformedResponse.
func decode[T any](op string, resp *http.Response, data []byte) (*T, error) {
	var out *T
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%w: %s: HTTP %d: %v", ErrMalformedResponse, op, resp.StatusCode, err)
	}
	if out == nil {
		return nil, fmt.Errorf("%w: %s: HTTP %d: the body is null", ErrMalformedResponse, op, resp.StatusCode)
	}
	if c, ok := any(out).(carrier); ok {
		if missing := c.missing(); missing != "" {
			return nil, fmt.Errorf("%w: %s: HTTP %d: %s", ErrMalformedResponse, op, resp.StatusCode, missing)
		}
	}
	return out, nil
}

// carrier is an answer that must carry something to be of use; missing says what it lacks, or
// "" when nothing.
type carrier interface{ missing() string }

// userEnvelope is the body of a single-user answer (the spec's UserResponse), with the user as a
// pointer so that a body without one is told from an empty user.
type userEnvelope struct {
	User *User `json:"user"`
}

func (e *userEnvelope) missing() string {
	if e.User == nil {
		return "the answer carries no user"
	}
	return ""
}

// userOf returns the user of a single-user answer.
func userOf(env *userEnvelope, err error) (*User, error) {
	if err != nil {
		return nil, err
	}
	return env.User, nil
}

func readCapped(body io.ReadCloser, maxBytes int64) ([]byte, error) {
	defer func() { _ = body.Close() }()
	data, err := io.ReadAll(io.LimitReader(body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, maxBytes)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}
