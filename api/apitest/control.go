package apitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// ControlPrefix is where WithControlAPI serves the control API. No Descope path starts with
// /emulator/: the fake answers every path under it, with the control API or a 404.
const ControlPrefix = "/emulator/v1/"

// controlRoot is the part of the paths the control API reserves.
const controlRoot = "/emulator/"

// WithControlAPI makes the server answer a control API under ControlPrefix, for programs and
// tests in other languages that use the fake as an emulator. It is authenticated as the
// management API is (Authorization: Bearer <ProjectID>:<ManagementKey>), answers JSON (errors as
// gen.Error, the status saying what went wrong), and is neither counted in Stats nor kept in the
// request journal, which holds the management API's traffic only. The paths, after ControlPrefix:
//
//	POST   reset           back to the state the server started with (Reset): {"users": N}
//	GET    state           the whole state, as WriteState writes it (JSON Lines; it holds the
//	                       password hashes, never a password)
//	PUT    state           replace the state by the body's (ReadState): {"users": N}; a state it
//	                       refuses is a 400 naming the line and the field, and changes nothing
//	GET    users           the users as the API returns them, one JSON object a line
//	GET    requests        the request journal: {"requests": [{"time", "method", "path",
//	                       "operationId", "status", "errorCode", "errorMessage", "fault",
//	                       "body"}], "dropped": N}, the bodies with every secret field replaced by
//	                       Redacted, dropped counting requests WithRequestLogLimit let go
//	DELETE requests        empty the journal
//	POST   faults          add a fault rule (AddFaultRule): {"operation": "PatchUser" or "*",
//	                       "count": 3, "status": 429, "retryAfter": 5, "errorCode": "...",
//	                       "message": "...", "delay": "2s", "cut": true}, each optional but what
//	                       the rule does; answers {"rule": {..., "left": 3}}
//	GET    faults          the rules with calls left: {"rules": [...]}
//	DELETE faults          remove every rule: {"cleared": N}
//	POST   password/check  {"loginId": "...", "password": "..."} -> {"matches": true|false}
//	                       (CheckPassword): 404 for an unknown user, 400 for a hash the fake keeps
//	                       but cannot verify; the password is never kept, logged or echoed
//
// Another path under /emulator/ is a 404, and another method a 405 naming the allowed ones. The
// requests are served in the order route, credentials; no rate limit or fault applies to them.
func WithControlAPI() Option {
	return func(c *config) { c.controlAPI = true }
}

// controlBodyLimit caps the bodies of the control API but PUT state's, which is read a line at a
// time.
const controlBodyLimit = 1 << 20

// serveControl answers a request under controlRoot.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	type endpoint map[string]func(w http.ResponseWriter, r *http.Request)
	endpoints := map[string]endpoint{
		"reset":          {http.MethodPost: s.controlReset},
		"state":          {http.MethodGet: s.controlGetState, http.MethodPut: s.controlPutState},
		"users":          {http.MethodGet: s.controlUsers},
		"requests":       {http.MethodGet: s.controlRequests, http.MethodDelete: s.controlClearRequests},
		"faults":         {http.MethodGet: s.controlFaults, http.MethodPost: s.controlAddFault, http.MethodDelete: s.controlClearFaults},
		"password/check": {http.MethodPost: s.controlCheckPassword},
	}
	name, ok := strings.CutPrefix(r.URL.Path, ControlPrefix)
	ep := endpoints[name]
	if !ok || ep == nil {
		s.controlError(w, http.StatusNotFound, "Unknown control path",
			fmt.Sprintf("no control path %s: the control API serves %sreset, state, users, requests, faults and password/check", r.URL.Path, ControlPrefix))
		return
	}
	if e := s.authenticate(r.Header.Get("Authorization")); e != nil {
		s.controlError(w, e.status, e.body.ErrorDescription, e.body.ErrorMessage)
		return
	}
	handle := ep[r.Method]
	if handle == nil {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			if ep[m] != nil {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.controlError(w, http.StatusMethodNotAllowed, "Method not allowed",
			fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
		return
	}
	handle(w, r)
}

// controlError answers a control request with a Descope-style error, the management key scrubbed
// from its message.
func (s *Server) controlError(w http.ResponseWriter, status int, description, message string) {
	code := CodeBadRequest
	if status == http.StatusUnauthorized {
		code = CodeUnauthorized
	}
	if status == http.StatusNotFound && description == "User not found" {
		code = CodeUserNotFound
	}
	controlJSON(w, status, gen.Error{ErrorCode: code, ErrorDescription: description, ErrorMessage: s.redact.String(message)})
}

// controlJSON answers v as JSON.
func controlJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"errorCode":"E011500","errorDescription":"Internal server error","errorMessage":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// controlBody decodes a control request's body, one JSON object with no unknown field, into v;
// false when it answered the problem.
func (s *Server) controlBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := readBody(r.Body, controlBodyLimit)
	if err == nil {
		err = decodeStrictly(data, v)
	}
	if err != nil {
		s.controlError(w, http.StatusBadRequest, "Bad request", "the body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) controlReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	controlJSON(w, http.StatusOK, map[string]int{"users": s.UserCount()})
}

func (s *Server) controlGetState(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	_ = s.WriteState(w) // the status has gone: a failure cuts the body short
}

func (s *Server) controlPutState(w http.ResponseWriter, r *http.Request) {
	if err := s.ReadState(r.Body); err != nil {
		var se *StateError
		if !errors.As(err, &se) {
			s.controlError(w, http.StatusBadRequest, "Bad request", err.Error())
			return
		}
		s.controlError(w, http.StatusBadRequest, "Bad request", "the state, "+se.Error())
		return
	}
	controlJSON(w, http.StatusOK, map[string]int{"users": s.UserCount()})
}

func (s *Server) controlUsers(w http.ResponseWriter, _ *http.Request) {
	snap := s.snapshot()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, u := range snap.users {
		if enc.Encode(u.view()) != nil {
			return
		}
	}
	_ = bw.Flush()
}

// journalEntry is one request of the journal, as GET requests answers it.
type journalEntry struct {
	Time         time.Time       `json:"time"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	OperationID  string          `json:"operationId"`
	Status       int             `json:"status"`
	ErrorCode    string          `json:"errorCode,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
	Fault        string          `json:"fault,omitempty"`
	Body         json.RawMessage `json:"body,omitempty"`
}

func (s *Server) controlRequests(w http.ResponseWriter, _ *http.Request) {
	reqs, dropped := s.journal()
	out := struct {
		Requests []journalEntry `json:"requests"`
		Dropped  int            `json:"dropped"`
	}{Requests: make([]journalEntry, len(reqs)), Dropped: dropped}
	for i, r := range reqs {
		e := journalEntry{Time: r.Time, Method: r.Method, Path: r.Path, OperationID: r.OperationID, Status: r.Status,
			ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage, Fault: r.Fault}
		switch b := bytes.TrimSpace(r.Body); {
		case len(b) == 0:
		case json.Valid(b):
			e.Body = b
		default: // not JSON: kept as a string (the journal keeps no body of this kind with a secret field)
			e.Body, _ = json.Marshal(string(b))
		}
		out.Requests[i] = e
	}
	controlJSON(w, http.StatusOK, out)
}

func (s *Server) controlClearRequests(w http.ResponseWriter, _ *http.Request) {
	s.ClearRequests()
	controlJSON(w, http.StatusOK, struct{}{})
}

// faultRuleJSON is a FaultRule as the control API reads and answers it.
type faultRuleJSON struct {
	Operation  string `json:"operation"`
	Count      int    `json:"count,omitempty"`
	Status     int    `json:"status,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
	ErrorCode  string `json:"errorCode,omitempty"`
	Message    string `json:"message,omitempty"`
	Delay      string `json:"delay,omitempty"`
	Cut        bool   `json:"cut,omitempty"`
	Left       *int   `json:"left,omitempty"` // answered only
}

func ruleJSON(fr FaultRule) faultRuleJSON {
	left := fr.Left
	j := faultRuleJSON{Operation: fr.Operation, Count: fr.Count, Status: fr.Status, RetryAfter: fr.RetryAfter,
		ErrorCode: fr.ErrorCode, Message: fr.Message, Cut: fr.Cut, Left: &left}
	if fr.Delay > 0 {
		j.Delay = fr.Delay.String()
	}
	return j
}

func (s *Server) controlAddFault(w http.ResponseWriter, r *http.Request) {
	var j faultRuleJSON
	if !s.controlBody(w, r, &j) {
		return
	}
	fr := FaultRule{Operation: j.Operation, Count: j.Count, Status: j.Status, RetryAfter: j.RetryAfter,
		ErrorCode: j.ErrorCode, Message: j.Message, Cut: j.Cut}
	var err error
	switch {
	case j.Left != nil:
		err = errors.New("left: answered, not given (give count)")
	case j.Delay != "":
		if fr.Delay, err = time.ParseDuration(j.Delay); err != nil {
			err = fmt.Errorf("delay: %q is not a duration such as 250ms or 2s", j.Delay)
		}
	}
	var added FaultRule
	if err == nil {
		added, err = s.addFaultRule(fr)
	}
	if err != nil {
		s.controlError(w, http.StatusBadRequest, "Bad request", "the fault rule: "+err.Error())
		return
	}
	controlJSON(w, http.StatusOK, map[string]faultRuleJSON{"rule": ruleJSON(added)})
}

func (s *Server) controlFaults(w http.ResponseWriter, _ *http.Request) {
	rules := s.FaultRules()
	out := make([]faultRuleJSON, len(rules))
	for i, fr := range rules {
		out[i] = ruleJSON(fr)
	}
	controlJSON(w, http.StatusOK, map[string][]faultRuleJSON{"rules": out})
}

func (s *Server) controlClearFaults(w http.ResponseWriter, _ *http.Request) {
	controlJSON(w, http.StatusOK, map[string]int{"cleared": s.ClearFaultRules()})
}

func (s *Server) controlCheckPassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		LoginID  string `json:"loginId"`
		Password string `json:"password"`
	}
	if !s.controlBody(w, r, &req) {
		return
	}
	if req.LoginID == "" {
		s.controlError(w, http.StatusBadRequest, "Bad request", "loginId: missing or empty")
		return
	}
	if s.store.get(req.LoginID) == nil {
		s.controlError(w, http.StatusNotFound, "User not found", fmt.Sprintf("no user has the login ID or user ID %q", req.LoginID))
		return
	}
	ok, err := s.CheckPassword(req.LoginID, req.Password)
	if err != nil {
		info, _ := s.Password(req.LoginID)
		msg := fmt.Sprintf("the password of %q is a %s hash, which the fake keeps but cannot verify", req.LoginID, info.Scheme)
		if !errors.Is(err, ErrUnsupportedHash) {
			msg = fmt.Sprintf("the password of %q cannot be verified: %v", req.LoginID, err)
		}
		s.controlError(w, http.StatusBadRequest, "Bad request", msg)
		return
	}
	controlJSON(w, http.StatusOK, map[string]bool{"matches": ok})
}
