package apitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// DefaultTestUserLimit is how many test users a Server lets a project have unless
// WithTestUserLimit says otherwise: 5, Descope's free tier (pro has 100). The strictest tier is
// the default so that a suite that passes against the fake passes on any project.
const DefaultTestUserLimit = 5

// WithTestUserLimit sets how many test users the project may have (DefaultTestUserLimit unless
// set); n <= 0 means no limit. Creating a test user beyond it is 400 E111111 carrying E013002,
// as Descope documents. Users given to WithUsers are counted but never refused.
func WithTestUserLimit(n int) Option { return func(c *config) { c.testUserLimit = n } }

// Invitation is what the fake would have sent to invite a user: create or create/batch with
// invite set. It never holds a password.
type Invitation struct {
	UserID, LoginID string // the user invited, and its first login ID
	Email, Phone    string // the user's contacts when it was invited
	ByEmail, BySMS  bool   // the channels the invitation went by
	InviteURL       string
	TemplateID      string
	TemplateOptions map[string]string
	Locale          string
	Time            time.Time
}

// Outbox returns copies of the invitations the server would have sent, in the order it sent
// them. An invitation goes by email when sendMail is true or absent and the user has an email,
// and by text message when sendSMS is true and the user has a phone; one that could go by
// neither is not sent, and not kept.
func (s *Server) Outbox() []Invitation {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := slices.Clone(s.outbox)
	for i := range out {
		out[i].TemplateOptions = maps.Clone(out[i].TemplateOptions)
	}
	return out
}

// Logout is one sign-out the server was asked for (LogoutAllUserDevices).
type Logout struct {
	UserID       string
	SessionTypes []string // nil: every session
	Time         time.Time
}

// Logouts returns copies of the sign-outs the server was asked for, in order.
func (s *Server) Logouts() []Logout {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := slices.Clone(s.logouts)
	for i := range out {
		out[i].SessionTypes = slices.Clone(out[i].SessionTypes)
	}
	return out
}

// invite is the invitation part of a create request.
type invite struct {
	on                bool
	sendMail, sendSMS *bool
	url, templateID   string
	templateOptions   map[string]string
	locale            string
}

// send keeps the invitation of u in the outbox, when it can go by some channel.
func (s *Server) send(inv invite, u *gen.User) {
	if !inv.on {
		return
	}
	byEmail := (inv.sendMail == nil || *inv.sendMail) && u.Email != ""
	bySMS := inv.sendSMS != nil && *inv.sendSMS && u.Phone != ""
	if !byEmail && !bySMS {
		return
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	s.outbox = append(s.outbox, Invitation{
		UserID: u.UserID, LoginID: first(u.LoginIDs), Email: u.Email, Phone: u.Phone,
		ByEmail: byEmail, BySMS: bySMS, InviteURL: inv.url, TemplateID: inv.templateID,
		TemplateOptions: maps.Clone(inv.templateOptions), Locale: inv.locale, Time: time.Now(),
	})
}

// newUser is a user a create asks for, its two spellings of each field resolved.
type newUser struct {
	loginID  string
	extraIDs []string
	user     gen.User // the fields the request sets; ID, times and flags are the store's
	status   *gen.UserStatus
	created  int64 // createdTime asked for, 0: now
	password *secret
}

// createFailure is why a user cannot be created: an answer, and for a batch the failure reason.
func createFailure(e *apiError) string {
	return e.body.ErrorCode + ": " + e.body.ErrorMessage
}

// spelledTwice resolves the fields Descope's sources spell two ways; two values that differ are
// refused naming both.
func spelledTwice(name, displayName string, ids, ids2, apps, apps2 []string) (string, []string, []string, *apiError) {
	n, e := either("name", name, "displayName", displayName, name == "", displayName == "")
	if e != nil {
		return "", nil, nil, e
	}
	extra, e := either("additionalLoginIds", ids, "additionalIdentifiers", ids2, ids == nil, ids2 == nil)
	if e != nil {
		return "", nil, nil, e
	}
	a, e := either("ssoAppIds", apps, "ssoAppIDs", apps2, apps == nil, apps2 == nil)
	if e != nil {
		return "", nil, nil, e
	}
	return n.(string), extra.([]string), a.([]string), nil
}

// userFields fills the fields every create carries.
func userFields(email, phone, name, given, middle, family, picture string, verifiedEmail, verifiedPhone bool,
	roles []string, tenants []gen.PatchUserTenant, attrs map[string]any, apps []string,
	recEmail, recPhone string, recEmailVerified, recPhoneVerified, test bool,
) (gen.User, *apiError) {
	u := gen.User{
		Email: email, Phone: phone, Name: name, GivenName: given, MiddleName: middle, FamilyName: family, Picture: picture,
		VerifiedEmail: verifiedEmail && email != "", VerifiedPhone: verifiedPhone && phone != "",
		RoleNames: nilIfEmpty(slices.Clone(roles)), SsoAppIDs: nilIfEmpty(slices.Clone(apps)),
		RecoveryEmail: recEmail, VerifiedRecoveryEmail: recEmailVerified && recEmail != "",
		RecoveryPhone: recPhone, VerifiedRecoveryPhone: recPhoneVerified && recPhone != "",
		Test: test,
	}
	for _, t := range tenants {
		u.UserTenants = append(u.UserTenants, gen.UserTenant{TenantID: t.TenantID, RoleNames: nilIfEmpty(slices.Clone(deref(t.RoleNames)))})
	}
	if len(attrs) > 0 {
		plain, err := jsonvalue.Plain(attrs)
		if err != nil {
			return u, decodeFailed(err)
		}
		u.CustomAttributes = plain.(map[string]any)
	}
	return u, nil
}

// fromCreateRequest reads a CreateUserRequest whose password was read from its body (passwordOf).
func fromCreateRequest(req *gen.CreateUserRequest, password *secret, test bool) (*newUser, invite, *apiError) {
	inv := invite{on: req.Invite, sendMail: req.SendMail, sendSMS: req.SendSMS, url: req.InviteURL,
		templateID: req.TemplateID, templateOptions: req.TemplateOptions, locale: req.Locale}
	loginID, e := userNamed(req.LoginID, string(req.Identifier))
	if e != nil {
		return nil, inv, e
	}
	name, extra, apps, e := spelledTwice(req.Name, req.DisplayName, req.AdditionalLoginIDs, req.AdditionalIdentifiers, req.SsoAppIDs, req.SsoAppIDsGoSpelling)
	if e != nil {
		return nil, inv, e
	}
	phone, e := either("phone", req.Phone, "phoneNumber", deref(req.PhoneNumber), req.Phone == "", req.PhoneNumber == nil)
	if e != nil {
		return nil, inv, e
	}
	u, e := userFields(req.Email, phone.(string), name, req.GivenName, req.MiddleName, req.FamilyName, req.Picture,
		req.VerifiedEmail, req.VerifiedPhone, req.RoleNames, req.UserTenants, req.CustomAttributes, apps,
		req.RecoveryEmail, req.RecoveryPhone, req.VerifiedRecoveryEmail, req.VerifiedRecoveryPhone, test || req.Test)
	if e != nil {
		return nil, inv, e
	}
	return &newUser{loginID: loginID, extraIDs: extra, user: u, status: req.Status, password: password}, inv, nil
}

// batchUser reads one user of a CreateUsersBatchRequest (or of an import), raw its JSON, which
// matches the spec's BatchUser: its password first, so that a bad hash is refused naming its
// field rather than failing to decode. It returns the user's login ID also when it fails.
func batchUser(raw []byte) (string, *newUser, *apiError) {
	var named struct {
		LoginID  string `json:"loginId"`
		Password string `json:"password"`
	}
	_ = json.Unmarshal(raw, &named)
	password, e := passwordOf(named.Password, raw)
	if e != nil {
		return named.LoginID, nil, e
	}
	var bu gen.BatchUser
	if err := json.Unmarshal(raw, &bu); err != nil {
		return named.LoginID, nil, decodeFailed(err)
	}
	nu, e := fromBatchUser(&bu, password)
	return bu.LoginID, nu, e
}

// fromBatchUser reads one user of a CreateUsersBatchRequest whose password was read already.
func fromBatchUser(bu *gen.BatchUser, password *secret) (*newUser, *apiError) {
	name, extra, apps, e := spelledTwice(bu.Name, bu.DisplayName, bu.AdditionalLoginIDs, bu.AdditionalIdentifiers, bu.SsoAppIDs, bu.SsoAppIDsGoSpelling)
	if e != nil {
		return nil, e
	}
	u, e := userFields(bu.Email, bu.Phone, name, bu.GivenName, bu.MiddleName, bu.FamilyName, bu.Picture,
		bu.VerifiedEmail, bu.VerifiedPhone, bu.RoleNames, bu.UserTenants, bu.CustomAttributes, apps,
		bu.RecoveryEmail, bu.RecoveryPhone, bu.VerifiedRecoveryEmail, bu.VerifiedRecoveryPhone, bu.Test)
	if e != nil {
		return nil, e
	}
	// A TOTP seed gives the user an authenticator; the seed itself is not kept.
	u.TOTP = bu.Seed != ""
	return &newUser{loginID: bu.LoginID, extraIDs: extra, user: u, status: bu.Status, created: bu.CreatedTime, password: password}, nil
}

// passwordOf hashes a clear-text password or reads the hashedPassword of the request body raw
// (the request's own part of it); not both.
func passwordOf(password string, raw []byte) (*secret, *apiError) {
	var r struct {
		HashedPassword json.RawMessage `json:"hashedPassword"`
	}
	_ = json.Unmarshal(raw, &r) // validated against the spec: an object
	hashed := len(r.HashedPassword) > 0 && string(r.HashedPassword) != "null"
	switch {
	case password != "" && hashed:
		return nil, invalidArguments("password and hashedPassword: send one of them, not both")
	case password != "":
		return hashPassword(password), nil
	case hashed:
		return importedPassword("hashedPassword", r.HashedPassword)
	}
	return nil, nil
}

// testUserLimitExceeded is Descope's answer to a test user beyond the limit.
func (s *Server) testUserLimitExceeded() *apiError {
	return &apiError{http.StatusBadRequest, gen.Error{
		ErrorCode:        CodeTestUserCreateFailed,
		ErrorDescription: "Failed to create user",
		ErrorMessage:     fmt.Sprintf("%s: Test users limit exceeded: the project may have %d test users", CodeTestUsersLimitExceeded, s.cfg.testUserLimit),
	}}
}

// create stores nu as a new user, or says why it cannot be; the caller holds the write lock.
func (s *Server) create(nu *newUser, now int64) (*gen.User, *apiError) {
	st := s.store
	ids := []string{nu.loginID}
	for _, id := range nu.extraIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if other := st.byID[id]; other != nil {
			return nil, invalidArguments(fmt.Sprintf("login ID %q belongs to another user (%s): login IDs are unique", id, other.user.UserID))
		}
	}
	if nu.user.Test && s.cfg.testUserLimit > 0 && st.testUsers() >= s.cfg.testUserLimit {
		return nil, s.testUserLimitExceeded()
	}
	u := nu.user
	u.UserID = st.newUserID()
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
	sl := st.newSlot()
	if nu.password != nil {
		sl.keep().password = nu.password
	}
	st.put(sl, st.pool.compact(&u))
	s.stats.createdUsers.Add(1)
	return &u, nil
}

// createOrReinvite creates nu, or, for an invitation naming an existing user, answers that user
// unchanged; the caller holds the write lock.
func (s *Server) createOrReinvite(nu *newUser, inv invite, now int64) (u *gen.User, isNew bool, e *apiError) {
	if inv.on {
		if sl := s.store.byID[nu.loginID]; sl != nil {
			return sl.user.view(), false, nil
		}
	}
	u, e = s.create(nu, now)
	return u, e == nil, e
}

func (o operations) CreateUser(w http.ResponseWriter, r *http.Request) { o.createUser(w, r, false) }

func (o operations) CreateTestUser(w http.ResponseWriter, r *http.Request) { o.createUser(w, r, true) }

func (o operations) createUser(w http.ResponseWriter, r *http.Request, test bool) {
	c := callOf(r)
	// The password first, so that a bad hash is refused naming its field rather than failing to
	// decode (bytes fields are base64).
	var named struct {
		Password string `json:"password"`
	}
	_ = json.Unmarshal(c.body, &named) // validated against the spec: an object
	password, e := passwordOf(named.Password, c.body)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	req, c, ok := decodeBody[gen.CreateUserRequest](o.s, w, r)
	if !ok {
		return
	}
	nu, inv, e := fromCreateRequest(req, password, test)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.store.mu.Lock()
	u, isNew, e := o.s.createOrReinvite(nu, inv, time.Now().Unix())
	o.s.store.mu.Unlock()
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.send(inv, u)
	o.s.respond(w, r, c, http.StatusOK, gen.UserResponse{User: *u, Created: isNew})
}

func (o operations) CreateUsers(w http.ResponseWriter, r *http.Request) {
	// The users are read one by one (batchUser), so that one with a bad hash fails alone.
	var req struct {
		Users           []json.RawMessage `json:"users"`
		Invite          bool              `json:"invite"`
		SendMail        *bool             `json:"sendMail"`
		SendSMS         *bool             `json:"sendSMS"`
		InviteURL       string            `json:"inviteUrl"`
		TemplateID      string            `json:"templateId"`
		TemplateOptions map[string]string `json:"templateOptions"`
		Locale          string            `json:"locale"`
	}
	c := callOf(r)
	if err := json.Unmarshal(c.body, &req); err != nil {
		o.s.fail(w, r, c, decodeFailed(err))
		return
	}
	inv := invite{on: req.Invite, sendMail: req.SendMail, sendSMS: req.SendSMS, url: req.InviteURL,
		templateID: req.TemplateID, templateOptions: req.TemplateOptions, locale: req.Locale}
	// Read (and hash) every user before taking the lock.
	users := make([]*newUser, len(req.Users))
	names := make([]string, len(req.Users))
	failures := make([]*apiError, len(req.Users))
	for i, raw := range req.Users {
		names[i], users[i], failures[i] = batchUser(raw)
	}
	resp := gen.CreateUsersBatchResponse{CreatedUsers: make([]gen.User, 0, len(users))}
	var invited []*gen.User
	now := time.Now().Unix()
	o.s.store.mu.Lock()
	for i, nu := range users {
		e := failures[i]
		var u *gen.User
		if e == nil {
			u, _, e = o.s.createOrReinvite(nu, inv, now)
		}
		if e != nil {
			resp.FailedUsers = append(resp.FailedUsers, gen.CreateUsersBatchFailure{
				Failure: o.s.redact.String(createFailure(e)),
				User:    &gen.User{LoginIDs: []string{names[i]}},
			})
			continue
		}
		resp.CreatedUsers = append(resp.CreatedUsers, *u)
		invited = append(invited, u)
	}
	o.s.store.mu.Unlock()
	for _, u := range invited {
		o.s.send(inv, u)
	}
	o.s.respond(w, r, c, http.StatusOK, resp)
}

// namedByIDs returns the slot of the user a delete or logout names: loginId (or identifier,
// its other name), a login ID or user ID, or userId, a user ID; both must name the same user.
// The caller holds a lock.
func (st *store) namedByIDs(loginID, identifier, userID string) (*slot, *apiError) {
	byLogin, e := userNamed(loginID, identifier)
	if e != nil {
		return nil, e
	}
	if byLogin == "" && userID == "" {
		return nil, errorOf(http.StatusBadRequest, api.ErrMissingArguments, "give loginId (or identifier) or userId")
	}
	var sl *slot
	if byLogin != "" {
		if sl = st.byID[byLogin]; sl == nil {
			return nil, userNotFound(byLogin)
		}
	}
	if userID != "" {
		other := st.byID[userID]
		if other == nil || other.user.UserID != userID {
			return nil, userNotFound(userID)
		}
		if sl != nil && sl != other {
			return nil, invalidArguments(fmt.Sprintf("loginId %q and userId %q name two different users: name one", byLogin, userID))
		}
		sl = other
	}
	return sl, nil
}

func (o operations) DeleteUser(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.DeleteUserRequest](o.s, w, r)
	if !ok {
		return
	}
	st := o.s.store
	st.mu.Lock()
	sl, e := st.namedByIDs(req.LoginID, req.Identifier, req.UserID)
	var gone []*user
	if e == nil {
		st.remove(sl)
		gone = []*user{sl.user}
	}
	st.mu.Unlock()
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.forget(gone)
	o.s.respond(w, r, c, http.StatusOK, gen.EmptyResponse{})
}

func (o operations) DeleteUsers(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.DeleteUsersRequest](o.s, w, r)
	if !ok {
		return
	}
	st := o.s.store
	st.mu.Lock()
	var gone []*user
	for _, id := range req.UserIDs {
		if sl := st.byID[id]; sl != nil && sl.user.UserID == id {
			st.remove(sl)
			gone = append(gone, sl.user)
		}
	}
	st.mu.Unlock()
	o.s.forget(gone)
	o.s.respond(w, r, c, http.StatusOK, gen.EmptyResponse{})
}

func (o operations) DeleteAllTestUsers(w http.ResponseWriter, r *http.Request) {
	st := o.s.store
	st.mu.Lock()
	var test []*slot
	if s := st.sets[setKey{kind: allUsers, test: true}]; s != nil {
		for c := s.from(0); !c.done(); c.next() {
			test = append(test, st.slots[c.pos()])
		}
	}
	gone := make([]*user, len(test))
	for i, sl := range test {
		st.remove(sl)
		gone[i] = sl.user
	}
	st.mu.Unlock()
	o.s.forget(gone)
	o.s.respond(w, r, callOf(r), http.StatusOK, gen.EmptyResponse{})
}

// forget counts deleted users and drops the codes and links generated for them.
func (s *Server) forget(gone []*user) {
	s.stats.deletedUsers.Add(int64(len(gone)))
	s.recMu.Lock()
	defer s.recMu.Unlock()
	for _, u := range gone {
		delete(s.generated, u.UserID)
	}
}

func (o operations) LogoutAllUserDevices(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UserLogoutRequest](o.s, w, r)
	if !ok {
		return
	}
	st := o.s.store
	st.mu.RLock()
	sl, e := st.namedByIDs(req.LoginID, req.Identifier, req.UserID)
	var userID string
	if e == nil {
		userID = sl.user.UserID
	}
	st.mu.RUnlock()
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.recMu.Lock()
	o.s.logouts = append(o.s.logouts, Logout{UserID: userID, SessionTypes: nilIfEmpty(slices.Clone(req.SessionTypes)), Time: time.Now()})
	o.s.recMu.Unlock()
	o.s.respond(w, r, c, http.StatusOK, gen.EmptyResponse{})
}
