package apitest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// userState is what the fake keeps about a user beside its gen.User. It changes only under the
// store's write lock.
type userState struct {
	password        *secret
	passwordExpired bool
	passkeys        []gen.UserPasskey
	devices         []gen.TrustedDevice
	tokens          []gen.UserProviderToken // one per provider
	history         []gen.UserAuthHistory
}

// UserState is what a test may give a user beside its gen.User (WithUserState, SetUserState):
// the things only Descope's sign-in side creates, which the management API lists, reads or
// removes.
type UserState struct {
	Passkeys       []gen.UserPasskey       // ListUserPasskeys answers them; the user's webauthn follows
	TrustedDevices []gen.TrustedDevice     // ListTrustedDevicesForUsers answers them (userId is filled in)
	ProviderTokens []gen.UserProviderToken // GetUserProviderToken answers the one of its provider
	AuthHistory    []gen.UserAuthHistory   // UsersAuthHistory(V2) answer them, oldest first (userId is filled in)
}

type seededState struct {
	loginID string
	state   UserState
}

// WithUserState gives the user with loginID among its login IDs (or that user ID), which
// WithUsers seeds, what st holds: see UserState. Start fails if there is no such user.
func WithUserState(loginID string, st UserState) Option {
	return func(c *config) { c.states = append(c.states, seededState{loginID, st}) }
}

// SetUserState replaces what the fake keeps beside the user with loginID among its login IDs, or
// with that user ID, by st (its password is left as it is), and sets the user's webauthn to
// whether it has passkeys. It fails if there is no such user.
func (s *Server) SetUserState(loginID string, st UserState) error {
	_, e := s.store.update(loginID, func(sl *slot, old *gen.User) (*gen.User, *apiError) {
		ks := sl.keep()
		ks.passkeys = slices.Clone(st.Passkeys)
		ks.devices = slices.Clone(st.TrustedDevices)
		ks.tokens = nil
		for _, t := range st.ProviderTokens {
			ks.tokens = slices.DeleteFunc(ks.tokens, func(x gen.UserProviderToken) bool { return x.Provider == t.Provider })
			t.Scopes = slices.Clone(t.Scopes)
			ks.tokens = append(ks.tokens, t)
		}
		ks.history = slices.Clone(st.AuthHistory)
		for i := range ks.devices {
			ks.devices[i].UserID = old.UserID
		}
		for i := range ks.history {
			ks.history[i].UserID = old.UserID
		}
		u := *old
		u.Webauthn = len(ks.passkeys) > 0
		return &u, nil
	})
	if e != nil {
		return fmt.Errorf("apitest: SetUserState: %s", e.body.ErrorMessage)
	}
	return nil
}

// changeState applies fn to the user a UserNamedRequest-like body names (loginId or identifier)
// under the write lock, and answers {}. fn gets a copy of the user and returns it, changed or not.
func (o operations) changeState(w http.ResponseWriter, r *http.Request, fn func(sl *slot, u *gen.User) *gen.User) {
	update(o, w, r, func(_ *gen.UserNamedRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		return fn(sl, &u), nil
	}, emptyAnswer)
}

// emptyAnswer is the answer of the operations that return nothing.
func emptyAnswer(*gen.User) any { return gen.EmptyResponse{} }

func (o operations) RemoveUserTOTP(w http.ResponseWriter, r *http.Request) {
	o.changeState(w, r, func(_ *slot, u *gen.User) *gen.User {
		u.TOTP = false
		return u
	})
}

func (o operations) ListUserPasskeys(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UserNamedRequest](o.s, w, r)
	if !ok {
		return
	}
	id, e := userNamed(string(req.LoginID), string(req.Identifier))
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.store.mu.RLock()
	sl := o.s.store.byID[id]
	var keys []gen.UserPasskey
	if sl != nil {
		keys = slices.Clone(sl.kept().passkeys)
	}
	o.s.store.mu.RUnlock()
	if sl == nil {
		o.s.fail(w, r, c, userNotFound(id))
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.UserPasskeysResponse{Passkeys: append([]gen.UserPasskey{}, keys...)})
}

// removePasskeys removes the user's passkeys with that credential ID, or all of them for "".
func removePasskeys(sl *slot, u *gen.User, credentialID string) *gen.User {
	ks := sl.keep()
	ks.passkeys = nilIfEmpty(slices.DeleteFunc(slices.Clone(ks.passkeys), func(p gen.UserPasskey) bool {
		return credentialID == "" || p.ID == credentialID
	}))
	u.Webauthn = len(ks.passkeys) > 0
	return u
}

func (o operations) RemoveUserPasskeys(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.RemoveUserPasskeysRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		return removePasskeys(sl, &u, req.CredentialID), nil
	}, emptyAnswer)
}

func (o operations) RemoveUserPasskey(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.RemoveUserPasskeyRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		return removePasskeys(sl, &u, req.CredentialID), nil
	}, emptyAnswer)
}

func (o operations) ImportUserPasskeys(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.ImportUserPasskeysRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		now := time.Now().Unix()
		keys := slices.Clone(sl.kept().passkeys)
		for i, d := range req.Devices {
			var p gen.UserPasskey
			switch {
			case d.Descope != nil:
				p = gen.UserPasskey{ID: d.Descope.CredentialID, RpID: d.Descope.RpID, Kind: "passkey", CreatedTime: now}
			case d.Auth0 != nil:
				p = gen.UserPasskey{ID: d.Auth0.KeyID, RpID: d.Auth0.RpID, Kind: "auth0", CreatedTime: now}
			default:
				return nil, invalidArguments(fmt.Sprintf("devices[%d]: give descope or auth0", i))
			}
			for _, other := range o.s.store.slots {
				if other != nil && other != sl && other.state != nil && slices.ContainsFunc(other.state.passkeys, func(x gen.UserPasskey) bool { return x.ID == p.ID }) {
					return nil, invalidArguments(fmt.Sprintf("devices[%d]: credential %q belongs to another user", i, p.ID))
				}
			}
			keys = slices.DeleteFunc(keys, func(x gen.UserPasskey) bool { return x.ID == p.ID })
			keys = append(keys, p)
		}
		sl.keep().passkeys = nilIfEmpty(keys)
		u.Webauthn = len(keys) > 0
		return &u, nil
	}, emptyAnswer)
}

func (o operations) ListTrustedDevicesForUsers(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.ListTrustedDevicesRequest](o.s, w, r)
	if !ok {
		return
	}
	ids := slices.Clone(req.Identifiers)
	if req.LoginID != "" {
		ids = append(ids, req.LoginID)
	}
	devices := []gen.TrustedDevice{}
	var seen []*slot
	o.s.store.mu.RLock()
	for _, id := range ids {
		if sl := o.s.store.byID[id]; sl != nil && !slices.Contains(seen, sl) {
			seen = append(seen, sl)
			devices = append(devices, sl.kept().devices...)
		}
	}
	o.s.store.mu.RUnlock()
	o.s.respond(w, r, c, http.StatusOK, gen.TrustedDevicesResponse{Devices: devices})
}

func (o operations) UpdateUserRemoveTrustedDevices(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.RemoveTrustedDevicesRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		ids, e := either("deviceIds", req.DeviceIDs, "ids", req.IDs, req.DeviceIDs == nil, req.IDs == nil)
		if e != nil {
			return nil, e
		}
		ks := sl.keep()
		ks.devices = nilIfEmpty(slices.DeleteFunc(slices.Clone(ks.devices), func(d gen.TrustedDevice) bool {
			return slices.Contains(ids.([]string), d.ID)
		}))
		return &u, nil
	}, emptyAnswer)
}

// generated is what the fake generated for one user (or one login ID, for a sign-up): the last
// OTP code, magic link, enchanted link and embedded-link token, for tests to read.
type generated struct {
	otp, magicLink, enchantedLink, pendingRef, embeddedToken string
}

// randomToken is a random token with a prefix, as the fake's codes and links carry.
func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// remember records a generated code or link under key (a user ID, or "login:"+login ID).
func (s *Server) remember(key string, set func(g *generated)) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.generated == nil {
		s.generated = map[string]*generated{}
	}
	g := s.generated[key]
	if g == nil {
		g = &generated{}
		s.generated[key] = g
	}
	set(g)
}

// lastGenerated returns what was generated for the user with loginID among its login IDs (or that
// user ID), or, when there is none, for that login ID (a sign-up).
func (s *Server) lastGenerated(loginID string) (generated, bool) {
	key := "login:" + loginID
	if u := s.store.get(loginID); u != nil {
		key = u.UserID
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if g := s.generated[key]; g != nil {
		return *g, true
	}
	return generated{}, false
}

// LastOTP returns the last OTP code GenerateOTPForTestUser answered for the user with loginID
// among its login IDs (or that user ID), and whether there is one.
func (s *Server) LastOTP(loginID string) (string, bool) {
	g, ok := s.lastGenerated(loginID)
	return g.otp, ok && g.otp != ""
}

// LastMagicLink returns the last link GenerateMagicLinkForTestUser answered for the user.
func (s *Server) LastMagicLink(loginID string) (string, bool) {
	g, ok := s.lastGenerated(loginID)
	return g.magicLink, ok && g.magicLink != ""
}

// LastEnchantedLink returns the last link and pending reference GenerateEnchantedLinkForTestUser
// answered for the user.
func (s *Server) LastEnchantedLink(loginID string) (link, pendingRef string, ok bool) {
	g, found := s.lastGenerated(loginID)
	return g.enchantedLink, g.pendingRef, found && g.enchantedLink != ""
}

// LastEmbeddedToken returns the last token EmbeddedLinkSignin or EmbeddedLinkSignup answered for
// the user with loginID (a sign-up's login ID, whose user does not exist, works too).
func (s *Server) LastEmbeddedToken(loginID string) (string, bool) {
	g, ok := s.lastGenerated(loginID)
	return g.embeddedToken, ok && g.embeddedToken != ""
}

// testUser returns the user a generator names: it must exist (404 E112102) and be a test user
// (400 E011004: Descope generates codes and links for test users only).
func (s *Server) testUser(loginID string) (*user, *apiError) {
	u := s.store.get(loginID)
	switch {
	case u == nil:
		return nil, userNotFound(loginID)
	case !u.Test:
		return nil, invalidArguments(fmt.Sprintf("user %q is not a test user: codes and links are generated for test users only", loginID))
	}
	return u, nil
}

// linkTo is the redirect URL with the token in its t parameter.
func linkTo(redirect, token string) string {
	if redirect == "" {
		redirect = "https://auth.example.invalid/verify" // the project's default, which the fake does not have
	}
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect + "?t=" + url.QueryEscape(token)
	}
	q := u.Query()
	q.Set("t", token)
	u.RawQuery = q.Encode()
	return u.String()
}

func (o operations) GenerateOTPForTestUser(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.GenerateOTPRequest](o.s, w, r)
	if !ok {
		return
	}
	u, e := o.s.testUser(req.LoginID)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	code := fmt.Sprintf("%06d", n.Int64())
	o.s.remember(u.UserID, func(g *generated) { g.otp = code })
	o.s.respond(w, r, c, http.StatusOK, gen.GenerateOTPResponse{LoginID: req.LoginID, Code: code})
}

// linkTarget returns the test user a link generator names and the URL its link goes to, given
// as redirectUrl or as the Go SDK's URI (two that differ are refused).
func (s *Server) linkTarget(loginID, redirectURL, uri string) (*user, string, *apiError) {
	redirect, e := either("redirectUrl", redirectURL, "URI", uri, redirectURL == "", uri == "")
	if e != nil {
		return nil, "", e
	}
	u, e := s.testUser(loginID)
	if e != nil {
		return nil, "", e
	}
	return u, redirect.(string), nil
}

func (o operations) GenerateMagicLinkForTestUser(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.GenerateMagicLinkRequest](o.s, w, r)
	if !ok {
		return
	}
	u, redirect, e := o.s.linkTarget(req.LoginID, req.RedirectURL, req.URIGoSpelling)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	link := linkTo(redirect, randomToken("T2"))
	o.s.remember(u.UserID, func(g *generated) { g.magicLink = link })
	o.s.respond(w, r, c, http.StatusOK, gen.GenerateMagicLinkResponse{LoginID: req.LoginID, Link: link})
}

func (o operations) GenerateEnchantedLinkForTestUser(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.GenerateEnchantedLinkRequest](o.s, w, r)
	if !ok {
		return
	}
	u, redirect, e := o.s.linkTarget(req.LoginID, req.RedirectURL, req.URIGoSpelling)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	link, ref := linkTo(redirect, randomToken("T2")), randomToken("P2")
	o.s.remember(u.UserID, func(g *generated) { g.enchantedLink, g.pendingRef = link, ref })
	o.s.respond(w, r, c, http.StatusOK, gen.GenerateEnchantedLinkResponse{LoginID: req.LoginID, Link: link, PendingRef: ref})
}

// mask hides most of an email's local part or a phone's digits: j***@example.com, +*******0100.
func mask(contact string, email bool) string {
	if contact == "" {
		return ""
	}
	if email {
		local, domain, ok := strings.Cut(contact, "@")
		if !ok || local == "" {
			return "***"
		}
		return local[:1] + "***@" + domain
	}
	if len(contact) <= 4 {
		return strings.Repeat("*", len(contact))
	}
	return contact[:1] + strings.Repeat("*", len(contact)-5) + contact[len(contact)-4:]
}

func (o operations) EmbeddedLinkSignin(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.EmbeddedLinkSigninRequest](o.s, w, r)
	if !ok {
		return
	}
	u := o.s.store.get(req.LoginID)
	if u == nil {
		o.s.fail(w, r, c, userNotFound(req.LoginID))
		return
	}
	token := randomToken("E2")
	o.s.remember(u.UserID, func(g *generated) { g.embeddedToken = token })
	o.s.respond(w, r, c, http.StatusOK, gen.EmbeddedLinkResponse{Token: token, MaskedEmail: mask(u.Email, true), MaskedPhone: mask(u.Phone, false)})
}

func (o operations) EmbeddedLinkSignup(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.EmbeddedLinkSignupRequest](o.s, w, r)
	if !ok {
		return
	}
	key, email, phone := "login:"+req.LoginID, "", ""
	if u := o.s.store.get(req.LoginID); u != nil { // signs the user in
		key, email, phone = u.UserID, u.Email, u.Phone
	} else if req.User != nil {
		email, phone = req.User.Email, req.User.Phone
	}
	token := randomToken("E2")
	o.s.remember(key, func(g *generated) { g.embeddedToken = token })
	o.s.respond(w, r, c, http.StatusOK, gen.EmbeddedLinkResponse{Token: token, MaskedEmail: mask(email, true), MaskedPhone: mask(phone, false)})
}

// history returns the sign-ins of the users with those user IDs, users in that order.
func (s *Server) history(userIDs []string) []gen.UserAuthHistory {
	out := []gen.UserAuthHistory{}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	var seen []string
	for _, id := range userIDs {
		if sl := s.store.byID[id]; sl != nil && sl.user.UserID == id && !slices.Contains(seen, id) {
			seen = append(seen, id)
			out = append(out, sl.kept().history...)
		}
	}
	return out
}

func (o operations) UsersAuthHistory(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UsersAuthHistoryJSONRequestBody](o.s, w, r)
	if !ok {
		return
	}
	o.s.respond(w, r, c, http.StatusOK, o.s.history(*req))
}

func (o operations) UsersAuthHistoryV2(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UsersAuthHistoryRequest](o.s, w, r)
	if !ok {
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.AuthHistoryResponse{UsersAuthHistory: o.s.history(req.UserIDs)})
}

func (o operations) GetUserProviderToken(w http.ResponseWriter, r *http.Request, params gen.GetUserProviderTokenParams) {
	c := callOf(r)
	o.s.store.mu.RLock()
	sl := o.s.store.byID[params.LoginID]
	var tok gen.UserProviderToken
	found := false
	if sl != nil {
		for _, t := range sl.kept().tokens {
			if t.Provider == params.Provider {
				tok, found = t, true
				tok.Scopes = slices.Clone(t.Scopes)
			}
		}
	}
	o.s.store.mu.RUnlock()
	switch {
	case sl == nil:
		o.s.fail(w, r, c, userNotFound(params.LoginID))
		return
	case !found:
		o.s.fail(w, r, c, invalidArguments(fmt.Sprintf("user %q has no token from provider %q", params.LoginID, params.Provider)))
		return
	}
	if !params.WithRefreshToken {
		tok.RefreshToken = ""
	}
	o.s.respond(w, r, c, http.StatusOK, tok)
}

func (o operations) UpdateUserImpersonationConsent(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserImpersonationConsentRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		u.ConsentExpiration = 0
		if req.ImpersonationConsent > 0 {
			u.ConsentExpiration = time.Now().Add(time.Duration(req.ImpersonationConsent) * 24 * time.Hour).Unix()
		}
		return &u, nil
	}, userAnswer)
}

// userAnswer is the answer of the operations that answer the user.
func userAnswer(u *gen.User) any { return gen.UserResponse{User: *u} }

// decimal writes an int64 as protobuf's JSON writes it: a decimal string.
func decimal(n int) string { return strconv.Itoa(n) }
