package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hashicorp/go-retryablehttp"
)

// One call, from start to end, as go-github's NewRequest, Do and CheckResponse read:
//
//	req, err := build(c.server, in)            // the request of the operation's generated builder
//	resp, data, err := c.do(ctx, op, req)      // authorized, with the context; sent with the retry policy, read
//	err = c.checkResponse(ctx, op, resp, data) // validate if asked; a non-2xx becomes an *Error
//	out, err := decode[T](op, resp, data)      // a 2xx that does not carry a T is malformed
//
// call runs them in that order; every method of Client goes through it, naming the spec's
// operation (its operationId), as errors report it.

// builder is a request builder that oapi-codegen generates for each operation of the spec:
// gen.NewUpdateUserStatusRequest, gen.NewLoadUserRequest...
type builder[In any] func(server string, in In) (*http.Request, error)

// noBody adapts the builder of an operation that takes no input to call.
func noBody(build func(server string) (*http.Request, error)) builder[struct{}] {
	return func(server string, _ struct{}) (*http.Request, error) { return build(server) }
}

// call sends one operation, op, and decodes its answer into a new Out.
func call[Out, In any](ctx context.Context, c *Client, op string, build builder[In], in In) (*Out, error) {
	req, err := build(c.server, in)
	if err != nil {
		// The body could not be encoded, e.g. a custom attribute value that is not JSON.
		return nil, invalid("%s: building the request: %v", op, err)
	}
	c.authorize(req.Header)
	resp, data, err := c.do(ctx, op, req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := c.checkResponse(ctx, op, resp, data); err != nil {
		return nil, err
	}
	return decode[Out](op, resp, data, c.redact)
}

// do sends req, which carries ctx, with the retry policy. The body is read (capped) while
// retries are still possible, so that a connection cut mid-body is retried; it is returned as
// the server sent it. An error's text is scrubbed of the management key (net/http quotes what it
// could not read of an answer: a status line, a header), and wraps the error it was made from.
func (c *Client) do(ctx context.Context, op string, req *http.Request) (*http.Response, []byte, error) {
	x := &exchange{c: c}
	if req.GetBody != nil || req.Body == nil || req.Body == http.NoBody {
		// Each retry rewinds the body with GetBody (rewindBody, the client's PrepareRetry):
		// retryablehttp.FromRequest would read the body into a copy of its own to rewind it.
		x.Request.Request = req
	} else {
		rreq, err := retryablehttp.FromRequest(req)
		if err != nil {
			return nil, nil, invalid("%s: %v", op, err)
		}
		x.Request = *rreq
	}
	x.SetResponseHandler(x.readBody)
	resp, err := c.retry.Do(&x.Request)
	if err == nil && !x.read {
		// The retries ran out on a retryable status, so the handler never ran: read it here.
		var b []byte
		if b, err = readCapped(resp.Body, resp.ContentLength, c.maxBody); err == nil {
			x.data = b
		}
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("descope: %s: %w (%v)", op, ctxErr, err)
		} else {
			err = fmt.Errorf("descope: %s: %w", op, err)
		}
		return nil, nil, &shownError{msg: c.redact.show(err.Error()), err: err}
	}
	return resp, x.data, nil
}

// exchange is one call as the retry wrapper sends it: the request, and the body its response
// handler read. One allocation holds both.
type exchange struct {
	retryablehttp.Request
	c    *Client
	data []byte
	read bool
}

// readBody is the response handler: it reads the body of an answer the policy does not retry.
func (x *exchange) readBody(resp *http.Response) error {
	b, err := readCapped(resp.Body, resp.ContentLength, x.c.maxBody)
	if err != nil {
		return err
	}
	x.data, x.read = b, true
	return nil
}

// rewindBody gives a request about to be retried a fresh copy of its body (retryablehttp's
// PrepareRetry). Requests whose body has no GetBody are rewound by retryablehttp itself (see do).
func rewindBody(req *http.Request) error {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	req.Body = body
	return nil
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

// validateResponse checks the answer with the client's ResponseValidator.
func (c *Client) validateResponse(ctx context.Context, op string, resp *http.Response, data []byte) error {
	if err := c.validator.CheckResponse(ctx, resp, data); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrResponseMismatch, op, c.redact.show(err.Error()))
	}
	return nil
}

// decode reads a 2xx body into a new T. A body that is not JSON of T's shape, is null, or lacks
// what T must carry (see carrier) wraps ErrMalformedResponse, with the decoder's complaint
// scrubbed by redact.
func decode[T any](op string, resp *http.Response, data []byte, redact *Redactor) (*T, error) {
	// Decoding into a new T rather than into a nil *T, which would itself be allocated, so a
	// body of null, which would leave the nil *T nil, is told apart first.
	if bytes.Equal(bytes.Trim(data, " \t\r\n"), []byte("null")) {
		return nil, fmt.Errorf("%w: %s: HTTP %d: the body is null", ErrMalformedResponse, op, resp.StatusCode)
	}
	out := new(T)
	if _, nothing := any(out).(*struct{}); nothing && len(bytes.TrimSpace(data)) == 0 {
		return out, nil // an operation that answers nothing: the SDKs read no body, so none is needed
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("%w: %s: HTTP %d: %s", ErrMalformedResponse, op, resp.StatusCode, redact.show(err.Error()))
	}
	if c, ok := any(out).(carrier); ok {
		if missing := c.missing(); missing != "" {
			return nil, fmt.Errorf("%w: %s: HTTP %d: %s", ErrMalformedResponse, op, resp.StatusCode, missing)
		}
	}
	return out, nil
}

// shownError is an error whose text is shown text, scrubbed of the management key, wrapping the
// error it was made from so that errors.Is and errors.As still reach that error (whose own text
// is net/http's, unscrubbed).
type shownError struct {
	msg string
	err error
}

func (e *shownError) Error() string    { return e.msg }
func (e *shownError) Unwrap() error    { return e.err }
func (e *shownError) GoString() string { return e.msg } // %#v shows the scrubbed text too

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

// readCapped reads body to its end and closes it, failing with ErrResponseTooLarge past maxBytes.
// size is the length the answer declared (Content-Length; -1 when unknown): such a body is read
// into one buffer of that size, where io.ReadAll would read into growing chunks and copy them
// into a buffer of the final size. Up to 1 MiB is allocated on the declaration's word; beyond
// that, and for bodies of unknown length, the buffer grows as bytes arrive.
func readCapped(body io.ReadCloser, size, maxBytes int64) ([]byte, error) {
	defer func() { _ = body.Close() }()
	n := int64(512)
	if size >= 0 {
		n = min(size, maxBytes, 1<<20) + 1 // +1: the end is seen without growing
	}
	data := make([]byte, 0, n)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		m, err := body.Read(data[len(data):min(int64(cap(data)), maxBytes+1)])
		data = data[:len(data)+m]
		if int64(len(data)) > maxBytes {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, maxBytes)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading response body: %w", err)
		}
	}
}
