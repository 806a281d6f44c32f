package apitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// importRecord is one user of an import: its name for failures, and the user, or why it cannot be
// read.
type importRecord struct {
	name string
	user *newUser
	fail *apiError
}

// schemaReason is where a value does not match a schema and why, never the value itself.
func schemaReason(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		err = me[0]
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("at %q: %s", "/"+strings.Join(se.JSONPointer(), "/"), se.Reason)
	}
	return "does not match the spec"
}

// jsonLines splits data into its non-blank lines, numbered from 1.
func jsonLines(data []byte) (lines [][]byte, numbers []int) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxRequestBodyBytes)
	for n := 1; sc.Scan(); n++ {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			lines, numbers = append(lines, append([]byte(nil), line...)), append(numbers, n)
		}
	}
	return lines, numbers
}

// descopeRecords reads this document's `descope` format: users as JSON Lines of BatchUser, hashes
// as JSON Lines of {loginId, hashedPassword}.
func (s *Server) descopeRecords(users, hashes []byte) ([]importRecord, *apiError) {
	batchUserSchema := s.v.Doc().Components.Schemas["BatchUser"].Value
	hashed := map[string]json.RawMessage{}
	lines, numbers := jsonLines(hashes)
	for i, line := range lines {
		var h struct {
			LoginID        string          `json:"loginId"`
			HashedPassword json.RawMessage `json:"hashedPassword"`
		}
		if err := json.Unmarshal(line, &h); err != nil || h.LoginID == "" || len(h.HashedPassword) == 0 {
			return nil, invalidArguments(fmt.Sprintf("hashes, line %d: not {\"loginId\": ..., \"hashedPassword\": {...}}", numbers[i]))
		}
		hashed[h.LoginID] = h.HashedPassword
	}
	var records []importRecord
	lines, numbers = jsonLines(users)
	for i, line := range lines {
		rec := importRecord{name: fmt.Sprintf("line %d", numbers[i])}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			rec.fail = invalidArguments(rec.name + ": not JSON")
			records = append(records, rec)
			continue
		}
		if err := batchUserSchema.VisitJSON(v); err != nil {
			rec.fail = invalidArguments(rec.name + ": not a BatchUser " + schemaReason(err))
			records = append(records, rec)
			continue
		}
		var loginID string
		loginID, rec.user, rec.fail = batchUser(line)
		rec.name = loginID
		if h, ok := hashed[loginID]; ok && rec.fail == nil {
			if rec.user.password != nil {
				rec.fail = invalidArguments("the user has a password in users and in hashes: give one")
			} else {
				rec.user.password, rec.fail = importedPassword("hashes: hashedPassword", h)
			}
		}
		records = append(records, rec)
	}
	return records, nil
}

// firebaseExport is the part of `firebase auth:export --format=json` the fake reads.
type firebaseExport struct {
	Users []struct {
		LocalID          string `json:"localId"`
		Email            string `json:"email"`
		EmailVerified    bool   `json:"emailVerified"`
		PasswordHash     string `json:"passwordHash"`
		Salt             string `json:"salt"`
		DisplayName      string `json:"displayName"`
		PhotoURL         string `json:"photoUrl"`
		PhoneNumber      string `json:"phoneNumber"`
		Disabled         bool   `json:"disabled"`
		CreatedAt        string `json:"createdAt"` // milliseconds, as a decimal string
		CustomAttributes string `json:"customAttributes"`
	} `json:"users"`
}

// firebaseConfig is a Firebase project's password hash configuration, as its console shows it.
type firebaseConfig struct {
	SignerKey     string `json:"base64_signer_key"`
	SaltSeparator string `json:"base64_salt_separator"`
	Rounds        int    `json:"rounds"`
	MemCost       int    `json:"mem_cost"`
}

// firebaseRecords reads Firebase's export and hash configuration.
func firebaseRecords(users, hashes []byte) ([]importRecord, *apiError) {
	var export firebaseExport
	if err := json.Unmarshal(users, &export); err != nil {
		return nil, invalidArguments("users: not the JSON of firebase auth:export ({\"users\": [...]})")
	}
	var cfg *firebaseConfig
	if len(bytes.TrimSpace(hashes)) > 0 {
		cfg = &firebaseConfig{}
		if err := json.Unmarshal(hashes, cfg); err != nil || cfg.SignerKey == "" || cfg.Rounds < 1 || cfg.MemCost < 1 {
			return nil, invalidArguments("hashes: not a Firebase hash configuration ({\"base64_signer_key\", \"base64_salt_separator\", \"rounds\", \"mem_cost\"})")
		}
	}
	records := make([]importRecord, len(export.Users))
	for i, fu := range export.Users {
		rec := &records[i]
		rec.name = fmt.Sprintf("users[%d]", i)
		loginID := fu.Email
		if loginID == "" {
			loginID = fu.PhoneNumber
		}
		if loginID == "" {
			rec.fail = invalidArguments(rec.name + ": neither an email nor a phone number to sign in with")
			continue
		}
		rec.name = loginID
		status := gen.UserStatusEnabled
		if fu.Disabled {
			status = gen.UserStatusDisabled
		}
		var attrs map[string]any
		if fu.CustomAttributes != "" {
			if err := json.Unmarshal([]byte(fu.CustomAttributes), &attrs); err != nil {
				rec.fail = invalidArguments(rec.name + ": customAttributes is not a JSON object")
				continue
			}
		}
		u, e := userFields(fu.Email, fu.PhoneNumber, fu.DisplayName, "", "", "", fu.PhotoURL, fu.EmailVerified, false,
			nil, nil, attrs, nil, "", "", false, false, false)
		if e != nil {
			rec.fail = e
			continue
		}
		nu := &newUser{loginID: loginID, user: u, status: &status}
		if ms, err := strconv.ParseInt(fu.CreatedAt, 10, 64); err == nil && ms > 0 {
			nu.created = ms / 1000
		}
		if fu.PasswordHash != "" {
			if cfg == nil {
				rec.fail = invalidArguments(rec.name + ": has a passwordHash, and hashes gives no hash configuration")
				continue
			}
			raw, _ := json.Marshal(map[string]any{"firebase": map[string]any{
				"hash": fu.PasswordHash, "salt": fu.Salt, "saltSeparator": cfg.SaltSeparator, "signerKey": cfg.SignerKey,
				"memory": cfg.MemCost, "rounds": cfg.Rounds,
			}})
			if nu.password, e = importedPassword("users: passwordHash", raw); e != nil {
				rec.fail = e
				continue
			}
		}
		rec.user = nu
	}
	return records, nil
}

func (o operations) ImportUsers(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.ImportUsersRequest](o.s, w, r)
	if !ok {
		return
	}
	var records []importRecord
	var e *apiError
	switch req.Source {
	case "descope":
		records, e = o.s.descopeRecords(req.Users, req.Hashes)
	case "firebase":
		records, e = firebaseRecords(req.Users, req.Hashes)
	default:
		e = invalidArguments(fmt.Sprintf("source %q: the fake reads \"descope\" and \"firebase\" (see the spec's ImportUsers)", req.Source))
	}
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	resp := gen.UserImportResponse{Users: []gen.User{}}
	now := time.Now().Unix()
	st := o.s.store
	st.mu.Lock()
	taken := map[string]bool{} // login IDs of a dry run's users
	for _, rec := range records {
		e := rec.fail
		var u *gen.User
		switch {
		case e != nil:
		case req.Dryrun:
			u, e = o.s.wouldCreate(rec.user, now, taken)
		default:
			u, e = o.s.create(rec.user, now)
		}
		if e != nil {
			resp.Failures = append(resp.Failures, gen.UserImportFailure{User: rec.name, Reason: o.s.redact.String(createFailure(e))})
			continue
		}
		resp.Users = append(resp.Users, *u)
	}
	st.mu.Unlock()
	o.s.respond(w, r, c, http.StatusOK, resp)
}

// wouldCreate is create without creating, for a dry run: the user as it would be, without a user
// ID; taken holds the login IDs of the run's earlier users. The caller holds the lock.
func (s *Server) wouldCreate(nu *newUser, now int64, taken map[string]bool) (*gen.User, *apiError) {
	ids := []string{nu.loginID}
	for _, id := range nu.extraIDs {
		if !containsString(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if s.store.byID[id] != nil || taken[id] {
			return nil, invalidArguments(fmt.Sprintf("login ID %q belongs to another user: login IDs are unique", id))
		}
	}
	for _, id := range ids {
		taken[id] = true
	}
	u := nu.user
	u.LoginIDs = ids
	u.Status = string(gen.UserStatusInvited)
	if nu.status != nil {
		u.Status = string(*nu.status)
	}
	u.CreatedTime, u.ModifiedTime = now, now
	if nu.created > 0 {
		u.CreatedTime = nu.created
	}
	u.Password = nu.password != nil
	return &u, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
