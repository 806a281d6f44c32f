package apitest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// call is what the handler learns about one request, for the counters and the log.
type call struct {
	start        time.Time
	method, path string
	body         []byte
	bodyErr      error
	route        *spec.Route
	op           string
	status       int
	fault        string
	recorded     bool // counted and logged (record)
	unchecked    bool // not validated against the spec: a fault rule's answer
	// errorCode and errorMessage are those of a non-2xx answer, for the journal.
	errorCode, errorMessage string
	// cut is the hijacked connection of a cut call, closed by finish once the call is counted
	// and logged, so that a client that sees the cut also finds it in the log.
	cut io.Closer
}

// apiError is a non-2xx answer.
type apiError struct {
	status int
	body   gen.Error
}

// errorOf is an answer of the given status with one of api's errors: its code and description,
// and msg.
func errorOf(status int, e *api.Error, msg string) *apiError {
	return &apiError{status, gen.Error{ErrorCode: e.Code, ErrorDescription: e.Description, ErrorMessage: msg}}
}

func userNotFound(loginID string) *apiError {
	return errorOf(http.StatusNotFound, api.ErrUserNotFound, fmt.Sprintf("user %s not found", loginID))
}

func invalidArguments(msg string) *apiError {
	return errorOf(http.StatusBadRequest, api.ErrInvalidArguments, msg)
}

func unauthorized(msg string) *apiError {
	return &apiError{http.StatusUnauthorized, gen.Error{
		ErrorCode:        CodeUnauthorized,
		ErrorDescription: "Unauthorized",
		ErrorMessage:     msg,
	}}
}

func (s *Server) enter() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		panic(http.ErrAbortHandler)
	}
	defer s.inflight.Done()
	if s.cfg.controlAPI && strings.HasPrefix(r.URL.Path, controlRoot) {
		s.serveControl(w, r) // neither counted nor journaled: see WithControlAPI
		return
	}
	s.stats.requests.Add(1)
	c := &call{start: time.Now(), method: r.Method, path: r.URL.Path}
	defer s.finish(c) // also when a fault aborts the handler with a panic
	c.body, c.bodyErr = readBody(r.Body, s.cfg.maxBody)
	s.serve(w, r, c)
}

func readBody(body io.Reader, limit int) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err != nil {
		return data, fmt.Errorf("reading the request body: %w", err)
	}
	if len(data) > limit {
		return data, fmt.Errorf("the request body is larger than %d bytes", limit)
	}
	return data, nil
}

// serve runs the checks in the documented order (route, credentials, rate limit, faults,
// validation) and then the operation.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, c *call) {
	route, err := s.v.RouteFor(r)
	if err != nil {
		s.fail(w, r, c, &apiError{http.StatusNotFound, gen.Error{
			ErrorCode:        CodeBadRequest,
			ErrorDescription: "Unknown operation",
			ErrorMessage:     fmt.Sprintf("no operation %s %s", r.Method, r.URL.Path),
		}})
		return
	}
	c.route, c.op = route, route.OperationID()

	if e := s.authenticate(r.Header.Get("Authorization")); e != nil {
		s.fail(w, r, c, e)
		return
	}

	if retryAfter, ok := s.rateLimit(r.URL.Path); !ok {
		s.stats.rateLimited.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		s.fail(w, r, c, errorOf(http.StatusTooManyRequests, api.ErrRateLimited, "Too many requests"))
		return
	}

	if !s.injectFaults(w, r, c) {
		return
	}

	if c.bodyErr != nil {
		s.fail(w, r, c, &apiError{http.StatusBadRequest, gen.Error{
			ErrorCode:        CodeBadRequest,
			ErrorDescription: "Bad request",
			ErrorMessage:     c.bodyErr.Error(),
		}})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(c.body))
	if err := s.v.ValidateRequestFor(r.Context(), route, r); err != nil {
		s.fail(w, r, c, validationFailed(err))
		return
	}

	// The generated router hands the request to the operation's method of operations.
	s.ops.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// callKey carries a request's *call to the operation that serves it.
type callKey struct{}

func callOf(r *http.Request) *call { return r.Context().Value(callKey{}).(*call) }

func validationFailed(err error) *apiError {
	return errorOf(http.StatusBadRequest, api.ErrValidationFailed, err.Error())
}

// authenticate checks the Authorization header. Its messages never echo the header.
func (s *Server) authenticate(header string) *apiError {
	if spec.CheckBearer(header) != nil {
		return unauthorized(`the Authorization header must be "Bearer <ProjectID>:<ManagementKey>"`)
	}
	// CheckBearer has checked the scheme (in any case) and the colon.
	projectID, key, _ := strings.Cut(header[len("Bearer "):], ":")
	if projectID != s.cfg.projectID {
		return unauthorized("unknown project ID")
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.managementKey)) != 1 {
		return unauthorized("the management key is not valid for this project")
	}
	return nil
}

// rateLimit checks WithRateLimit's bucket, then WithLimits' windows, and says whether the call
// goes on, or after how many seconds to try again.
func (s *Server) rateLimit(path string) (retryAfter int, ok bool) {
	if s.limiter != nil {
		if retryAfter, ok := s.allow(time.Now()); !ok {
			return retryAfter, false
		}
	}
	if s.windows != nil {
		retryAfter, started, ok := s.windows.allow(path)
		if started {
			s.stats.lockouts.Add(1)
		}
		return retryAfter, ok
	}
	return 0, true
}

// allow takes a token from the bucket, or says how many whole seconds (at least 1) to wait
// for one; a refused call takes nothing.
func (s *Server) allow(now time.Time) (retryAfter int, ok bool) {
	res := s.limiter.ReserveN(now, 1)
	if !res.OK() {
		return 1, false
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return 0, true
	}
	res.CancelAt(now)
	return max(1, int(math.Ceil(d.Seconds()))), false
}

// injectFaults applies the first fault rule for the call's operation, if any, then Faults, and
// reports whether the call goes on.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request, c *call) bool {
	if fr, ok := s.takeFaultRule(c.op); ok && !s.applyFaultRule(w, r, c, fr) {
		return false
	}
	f := s.cfg.faults
	if f.Latency > 0 {
		s.wait(r, c, f.Latency)
	}
	if f.ErrorRate <= 0 && f.CutRate <= 0 {
		return true
	}
	u := unitFloat(uint64(f.Seed), s.faultSeq.Add(1))
	switch {
	case u < f.ErrorRate:
		c.fault = "error"
		s.stats.injectedErrors.Add(1)
		s.respond(w, r, c, http.StatusServiceUnavailable, gen.Error{
			ErrorCode:        CodeServiceUnavailable,
			ErrorDescription: "Service unavailable",
			ErrorMessage:     "The service is temporarily unavailable (fault injected by apitest)",
		})
		return false
	case u < f.ErrorRate+f.CutRate:
		c.fault = "cut"
		s.stats.injectedCuts.Add(1)
		s.cut(w, c)
		return false
	}
	return true
}

// wait waits d before the call goes on; a client that gives up, or Close, ends the call without an
// answer.
func (s *Server) wait(r *http.Request, c *call, d time.Duration) {
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
		c.fault = "canceled"
		s.stats.canceled.Add(1)
		panic(http.ErrAbortHandler) // the client is gone: no answer
	case <-s.closing:
		t.Stop()
		c.fault = "closed"
		s.stats.canceled.Add(1)
		panic(http.ErrAbortHandler)
	}
}

// unitFloat maps (seed, n) to a float64 in [0, 1) with splitmix64: the same seed gives the same
// sequence, and nearby n give unrelated values.
func unitFloat(seed, n uint64) float64 {
	z := seed + n*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// cut sends the start of a 200 answer whose Content-Length promises more than follows, and
// closes the connection.
func (s *Server) cut(w http.ResponseWriter, c *call) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // closes the connection all the same
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	c.cut = conn
	c.status = http.StatusOK
	const partial = `{"user":{"loginIds":["`
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		len(partial)+4096, partial)
	_ = buf.Flush()
}

// fail answers with e, the management key scrubbed from the message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *call, e *apiError) {
	body := e.body
	body.ErrorMessage = s.redact.String(body.ErrorMessage)
	body.ErrorDescription = s.redact.String(body.ErrorDescription)
	s.respond(w, r, c, e.status, body)
}

// respond encodes v and sends it, after checking it against the spec when the server reports
// mismatches.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, c *call, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(gen.Error{
			ErrorCode:        "E011500",
			ErrorDescription: "Internal server error",
			ErrorMessage:     s.redact.String("apitest: encoding the answer: " + err.Error()),
		})
	}
	if s.cfg.mutateResponse != nil {
		status, body = s.cfg.mutateResponse(c.op, status, body)
	}
	if e, ok := v.(gen.Error); ok {
		c.errorCode, c.errorMessage = e.ErrorCode, e.ErrorMessage
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if s.cfg.report != nil && !c.unchecked {
		if err := s.checkResponse(r, c, status, h, body); err != nil {
			s.cfg.report(fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, err))
		}
	}
	c.status = status
	// Counted and logged before the answer leaves, so that a client that has its answer finds
	// the call in Stats and Requests.
	s.record(c)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// checkResponse validates an answer against the operation's responses, or, for a request that
// matched no operation, checks that it is an error status with a body of the Error schema.
func (s *Server) checkResponse(r *http.Request, c *call, status int, h http.Header, body []byte) error {
	ctx := context.WithoutCancel(r.Context())
	if c.route != nil {
		return s.v.ValidateResponse(ctx, c.route, r, status, h, body)
	}
	if status < 400 {
		return fmt.Errorf("status %d for a request that matches no operation", status)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %w", err)
	}
	ref := s.v.Doc().Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		return errors.New("the spec has no Error schema")
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("error body does not match the Error schema: %w", err)
	}
	return nil
}

// finish counts the call and logs it, and then closes a cut call's connection.
func (s *Server) finish(c *call) {
	if c.cut != nil {
		defer func() { _ = c.cut.Close() }()
	}
	s.record(c)
}

// record counts and logs a call, once: when its answer is sent, or at the end of a call that sent
// none (a cut, a cancelled latency).
func (s *Server) record(c *call) {
	if c.recorded {
		return
	}
	c.recorded = true
	s.stats.countOperation(c.op)
	if c.status > 0 && c.status < len(s.stats.byStatus) && c.fault != "cut" {
		s.stats.byStatus[c.status].Add(1)
	}
	if !s.cfg.logRequests {
		return
	}
	req := Request{
		Method:      c.method,
		Path:        c.path,
		OperationID: c.op,
		Status:      c.status,
		Body:        s.journalBody(c),
		Time:        c.start,
		Fault:       c.fault,

		ErrorCode:    c.errorCode,
		ErrorMessage: c.errorMessage,
	}
	s.logMu.Lock()
	s.log = append(s.log, req)
	// With a limit n, the log holds up to 2n requests and drops the older n at once: each
	// request is copied at most once, and Requests answers the last n.
	if n := s.cfg.logLimit; n > 0 && len(s.log) >= 2*n {
		drop := len(s.log) - n
		s.logDropped += drop
		s.log = append(make([]Request, 0, 2*n), s.log[drop:]...)
	}
	s.logMu.Unlock()
}

// decodePatch decodes one patch as the API reads it: null for a list field clears it. Its second
// names are left for normalizePatch.
func decodePatch(data []byte, p *gen.PatchUserRequest) error {
	if err := json.Unmarshal(data, p); err != nil {
		return err
	}
	return api.NormalizeNullLists(p, data)
}

// normalizePatch folds a decoded patch's second names into the first (api.NormalizePatch):
// identifier into loginId, displayName into name, additionalIdentifiers into additionalLoginIds.
// Two names of one field with different values are an invalidArguments naming both, and both
// values; the patch is then left as it was decoded, but for the folds done before the one that
// failed.
func normalizePatch(p *gen.PatchUserRequest) *apiError {
	if err := api.NormalizePatch(p); err != nil {
		return invalidArguments(strings.TrimPrefix(err.Error(), api.ErrInvalidArgument.Error()+": "))
	}
	return nil
}

// decodeFailed answers a body that passed validation but does not decode into the generated
// type: the spec and the generated code disagree.
func decodeFailed(err error) *apiError {
	return errorOf(http.StatusBadRequest, api.ErrValidationFailed, "decoding the request body: "+err.Error())
}
