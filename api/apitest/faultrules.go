package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// FaultRule makes the next Count calls of an operation (or of every operation) fail in a chosen
// way, where Faults makes a share of all calls fail at random. A call that reaches the fault
// stage (after the route, credentials and rate limit checks, before validation) takes the first
// rule, in the order they were added, that names its operation and has calls left, and uses up
// one of them; a rule with none left is gone. The rule then answers:
//
//   - Status 429: Descope's rate-limit answer (errorCode E130429) with Retry-After: RetryAfter
//     seconds (1 when 0);
//   - another Status (400 to 599): a Descope-style error body with ErrorCode and Message, or, when
//     they are empty, a code for the status (E011001 for a 4xx, E011005 for 401 and 403, E112102
//     for 404, E011503 for 503, E011500 for another 5xx) and a message saying a fault rule sent it;
//   - Cut: a connection cut mid-answer, as Faults.CutRate cuts it;
//   - Delay alone: the normal answer, Delay later.
//
// Delay may come before a Status or a Cut too. A call answered by a rule is not applied. Its
// answer is not validated against the spec (a rule may send a status the spec does not list for
// the operation, as an edge proxy would).
type FaultRule struct {
	// Operation is an operationId of the spec ("PatchUser"), or "*" (or "") for every operation.
	Operation string
	// Count is how many calls the rule answers; 0 means 1.
	Count      int
	Status     int
	RetryAfter int // seconds, for a 429
	ErrorCode  string
	Message    string
	Delay      time.Duration
	Cut        bool
	// Left is how many calls the rule still answers (FaultRules; AddFaultRule ignores it).
	Left int
}

// maxFaultDelay caps a fault rule's Delay.
const maxFaultDelay = 10 * time.Minute

// check says what is wrong with a rule, naming its field as the control API's JSON does.
func (fr *FaultRule) check() error {
	if fr.Operation != "" && fr.Operation != "*" && !slices.ContainsFunc(spec.Operations(), func(op spec.Operation) bool { return op.ID == fr.Operation }) {
		return fmt.Errorf("operation: %q is no operationId of the spec (or \"*\" for every operation)", fr.Operation)
	}
	switch {
	case fr.Count < 0:
		return errors.New("count: must be 1 or more (0 or absent: 1)")
	case fr.Status != 0 && (fr.Status < 400 || fr.Status > 599):
		return fmt.Errorf("status: %d is not an error status (400 to 599)", fr.Status)
	case fr.Status != 0 && fr.Cut:
		return errors.New("status and cut: give one (a cut connection has no status)")
	case fr.Status == 0 && !fr.Cut && fr.Delay == 0:
		return errors.New("give status, cut or delay: what the rule does")
	case fr.RetryAfter < 0 || fr.RetryAfter != 0 && fr.Status != http.StatusTooManyRequests:
		return errors.New("retryAfter: whole seconds, 0 or more, with status 429 only")
	case (fr.ErrorCode != "" || fr.Message != "") && fr.Status == 0:
		return errors.New("errorCode and message: with a status only")
	case fr.Delay < 0 || fr.Delay > maxFaultDelay:
		return fmt.Errorf("delay: must be from 0 to %v", maxFaultDelay)
	}
	return nil
}

// AddFaultRule adds a rule after those the server has (see FaultRule), or says what is wrong with
// it.
func (s *Server) AddFaultRule(fr FaultRule) error {
	if _, err := s.addFaultRule(fr); err != nil {
		return fmt.Errorf("apitest: fault rule: %w", err)
	}
	return nil
}

// addFaultRule adds a rule and returns it as added (its operation and count filled in).
func (s *Server) addFaultRule(fr FaultRule) (FaultRule, error) {
	if err := fr.check(); err != nil {
		return FaultRule{}, err
	}
	if fr.Operation == "" {
		fr.Operation = "*"
	}
	fr.Left = max(fr.Count, 1)
	fr.Count = fr.Left
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	s.rules = append(s.rules, &fr)
	return fr, nil
}

// FaultRules returns the rules that still have calls to answer, in the order they were added,
// each with the calls it has Left.
func (s *Server) FaultRules() []FaultRule {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	out := make([]FaultRule, len(s.rules))
	for i, fr := range s.rules {
		out[i] = *fr
	}
	return out
}

// ClearFaultRules removes every fault rule, and returns how many there were.
func (s *Server) ClearFaultRules() int {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	n := len(s.rules)
	s.rules = nil
	return n
}

// takeFaultRule uses up one call of the first rule for op, and returns a copy of it.
func (s *Server) takeFaultRule(op string) (FaultRule, bool) {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	for i, fr := range s.rules {
		if fr.Operation == "*" || fr.Operation == op {
			fr.Left--
			taken := *fr
			if fr.Left == 0 {
				s.rules = slices.Delete(s.rules, i, i+1)
			}
			return taken, true
		}
	}
	return FaultRule{}, false
}

// applyFaultRule answers a call with the rule it took, and reports whether the call goes on (a
// delay alone). A wait that its client or the server's Close ends drops the call without an
// answer, as Faults.Latency does.
func (s *Server) applyFaultRule(w http.ResponseWriter, r *http.Request, c *call, fr FaultRule) bool {
	if fr.Delay > 0 {
		c.fault = "delay"
		s.wait(r, c, fr.Delay)
	}
	switch {
	case fr.Cut:
		c.fault = "cut"
		s.stats.injectedCuts.Add(1)
		s.cut(w, c)
		return false
	case fr.Status != 0:
		c.fault, c.unchecked = "error", true
		s.stats.injectedErrors.Add(1)
		if fr.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(max(fr.RetryAfter, 1)))
		}
		s.fail(w, r, c, &apiError{fr.Status, ruleError(fr)})
		return false
	}
	return true
}

// ruleError is the body a rule's status answers with.
func ruleError(fr FaultRule) gen.Error {
	e := gen.Error{ErrorCode: fr.ErrorCode, ErrorDescription: http.StatusText(fr.Status), ErrorMessage: fr.Message}
	if e.ErrorDescription == "" {
		e.ErrorDescription = "Error"
	}
	if e.ErrorMessage == "" {
		e.ErrorMessage = fmt.Sprintf("HTTP %d sent by a fault rule of the fake (apitest)", fr.Status)
	}
	if e.ErrorCode != "" {
		return e
	}
	switch st := fr.Status; {
	case st == http.StatusTooManyRequests:
		e.ErrorCode, e.ErrorDescription = api.ErrRateLimited.Code, api.ErrRateLimited.Description
		if fr.Message == "" {
			e.ErrorMessage = "Too many requests"
		}
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		e.ErrorCode = CodeUnauthorized
	case st == http.StatusNotFound:
		e.ErrorCode = CodeUserNotFound
	case st == http.StatusServiceUnavailable:
		e.ErrorCode = CodeServiceUnavailable
	case st >= 500:
		e.ErrorCode = "E011500"
	default:
		e.ErrorCode = CodeBadRequest
	}
	return e
}
