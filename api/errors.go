package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrInvalidArgument marks bad input caught before anything is sent.
	ErrInvalidArgument = errors.New("descope: invalid argument")
	// ErrResponseTooLarge marks a response body over the client's cap.
	ErrResponseTooLarge = errors.New("descope: response body too large")
	// ErrMalformedResponse marks a 2xx response whose body does not carry what the operation
	// returns: not JSON, not the JSON the spec describes, null, or a single-user answer
	// without its user.
	ErrMalformedResponse = errors.New("descope: malformed response")
	// ErrResponseMismatch marks a response that fails validation against the spec (only with
	// WithResponseValidation).
	ErrResponseMismatch = errors.New("descope: response does not match the spec")
)

// ArgumentError is bad input caught before anything is sent: Problem names the field and what is
// wrong with it ("patches[2]: loginId is empty"). It wraps ErrInvalidArgument, so errors.Is
// matches it; errors.As gives the Problem alone, as a tool that reports it in its own words wants.
type ArgumentError struct{ Problem string }

func (e *ArgumentError) Error() string { return ErrInvalidArgument.Error() + ": " + e.Problem }
func (e *ArgumentError) Unwrap() error { return ErrInvalidArgument }

// problemOf is the Problem of an *ArgumentError err wraps, or err's text.
func problemOf(err error) string {
	var ae *ArgumentError
	if errors.As(err, &ae) {
		return ae.Problem
	}
	return err.Error()
}

// invalid is an *ArgumentError whose Problem is fmt.Sprintf(format, a...).
func invalid(format string, a ...any) error {
	return &ArgumentError{Problem: fmt.Sprintf(format, a...)}
}

// Descope's error codes, defined once for the module: the client matches them and the fake
// (api/apitest) answers with them.
const (
	CodeBadRequest        = "E011001"
	CodeMissingArguments  = "E011002"
	CodeValidationFailed  = "E011003"
	CodeInvalidArguments  = "E011004"
	CodeUserNotFound      = "E112102"
	CodeRateLimitExceeded = "E130429"
)

// Errors to match with errors.Is, as Descope's SDK matches its own: an *Error is one of them when
// it carries the same code (ErrRateLimited also matches any 429). errors.Is(err,
// api.ErrUserNotFound) is IsUserNotFound(err).
var (
	ErrBadRequest       = &Error{Code: CodeBadRequest, Description: "Bad request"}
	ErrMissingArguments = &Error{Code: CodeMissingArguments, Description: "Missing arguments"}
	ErrValidationFailed = &Error{Code: CodeValidationFailed, Description: "Request validation failed"}
	ErrInvalidArguments = &Error{Code: CodeInvalidArguments, Description: "Invalid arguments"}
	ErrUserNotFound     = &Error{Code: CodeUserNotFound, Description: "User not found"}
	ErrRateLimited      = &Error{Code: CodeRateLimitExceeded, Description: "Rate limit exceeded", StatusCode: http.StatusTooManyRequests}
)

// Error is a non-2xx answer from the API. Code, Description and Message are Descope's
// errorCode, errorDescription and errorMessage when the body carried them; when it did not (an
// HTML page from a proxy, an empty or truncated body), Error() still says what came back. A 3xx
// answer is an Error too: the client never follows redirects.
//
// Every text field is text to show, written by the server about the failure, never user data:
// it holds the server's text with white space as spaces, unprintable characters left out, and
// the management key, however the answer wrote it (plainly, with JSON escapes, with control
// characters between its own), replaced by RedactedKey. Printing e.Message, or any verb of fmt
// on e, shows no key.
type Error struct {
	StatusCode                 int
	Code, Description, Message string        // Descope's errorCode, errorDescription, errorMessage
	RetryAfter                 time.Duration // from Retry-After, when the server sent one
	Operation                  string        // the operationId of the call, e.g. "PatchUser"
	// RedirectTo is, for a 3xx answer, the scheme and host its Location pointed to (path and
	// query left out: they may carry tokens), or "" when it sent none. It was not followed.
	RedirectTo string

	body string // a short, printable summary of a body that was not a Descope error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("descope: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	}
	if e.Code != "" {
		if e.StatusCode != 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Message != "" && e.Message != e.Description {
		b.WriteString(": " + e.Message)
	}
	if e.StatusCode >= 300 && e.StatusCode <= 399 {
		b.WriteString(": redirect")
		if e.RedirectTo != "" {
			b.WriteString(" to " + e.RedirectTo)
		}
		b.WriteString(" not followed (the client never follows redirects: check the base URL)")
	}
	if e.body != "" {
		b.WriteString(": " + e.body)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	return b.String()
}

// Is reports whether e matches target, an *Error such as ErrUserNotFound: the same Descope code,
// or, for a target with a status and no match on the code, the same status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == e {
		return ok
	}
	return t.Code != "" && t.Code == e.Code || t.StatusCode != 0 && t.StatusCode == e.StatusCode
}

// Temporary reports whether trying again later may succeed: rate limiting and the transient
// server errors the client retries.
func (e *Error) Temporary() bool { return isRetryableStatus(e.StatusCode) }

// IsUserNotFound reports whether err is the API's "user not found" (E112102), whatever the
// status it came with: errors.Is(err, ErrUserNotFound).
func IsUserNotFound(err error) bool { return errors.Is(err, ErrUserNotFound) }

// IsRateLimited reports whether err is a 429 answer (or carries E130429): errors.Is(err,
// ErrRateLimited). RetryAfter on the *Error says how long the server asked to wait.
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// newError builds the *Error for a non-2xx response. Everything it keeps to show is shown text,
// made fit to show and scrubbed of the management key by redact (see Redactor): Descope's code,
// description and message, the redirect target, and the summary of a body that is not a Descope
// error with its content type.
func newError(op string, resp *http.Response, body []byte, redact *Redactor) *Error {
	e := &Error{Operation: op, StatusCode: resp.StatusCode}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		e.RedirectTo = redact.show(redirectTarget(resp))
	}
	var eb gen.Error
	if isJSON(resp.Header.Get("Content-Type"), body) && json.Unmarshal(body, &eb) == nil &&
		(eb.ErrorCode != "" || eb.ErrorDescription != "" || eb.ErrorMessage != "") {
		e.Code = redact.show(eb.ErrorCode)
		e.Description = redact.show(eb.ErrorDescription)
		e.Message = redact.show(eb.ErrorMessage)
		return e
	}
	if len(body) > 0 || e.RedirectTo == "" {
		e.body = describeBody(resp.Header.Get("Content-Type"), body, redact)
	}
	return e
}

// redirectTarget returns the scheme and host of a redirect's Location, resolved against the
// request's URL, or "" when there is none.
func redirectTarget(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil || loc.Host == "" {
		return ""
	}
	return loc.Scheme + "://" + loc.Host
}

func isJSON(contentType string, body []byte) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return true
	}
	// Some proxies drop the header; a body that looks like an object is worth a try.
	return contentType == "" && len(body) > 0 && body[0] == '{'
}

// The most of a body, and of its content type, that an error quotes, in bytes.
const (
	excerptBytes     = 120
	contentTypeBytes = 100
)

// describeBody summarises a body that is not a Descope error, in one printable line, with its
// content type. The excerpt is the body as a reader would read it: JSON escapes decoded (\u00e9
// is é), white space runs as one space, unprintable characters left out; then the key is hidden
// (redact), and only then is it cut to excerptBytes. No step after hiding can bring the key
// back, and the cut can leave no part of it: a key written with escapes, or with control
// characters between its own, shows as RedactedKey. The content type is shown likewise.
func describeBody(contentType string, body []byte, redact *Redactor) string {
	if len(body) == 0 {
		return "empty body"
	}
	ct := "no content type"
	if contentType != "" {
		ct = cut(redact.show(contentType), contentTypeBytes)
	}
	text := unescapeJSON(string(body))
	text = strings.Join(strings.Fields(printable(text)), " ")
	text = cut(redact.String(text), excerptBytes)
	what := "unexpected body"
	if json.Valid(body) {
		what = "body without Descope error fields"
	} else if isJSON(contentType, body) {
		what = "malformed JSON body"
	}
	// Quoting escapes only quotes and backslashes here (the text is printable); hiding the key
	// once more covers a key that holds them.
	return redact.String(fmt.Sprintf("%s (%s, %d bytes): %q", what, ct, len(body), text))
}
