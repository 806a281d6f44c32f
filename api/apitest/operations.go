package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// operations serves the operations of the spec: it implements the server interface that
// oapi-codegen generates from the same document, so an operation the fake does not serve fails to
// compile. Each method runs after the request passed every check of Server.serve (credentials,
// rate limit, faults, validation against the spec); c.body holds the validated body.
type operations struct{ s *Server }

var _ gen.ServerInterface = operations{}

// decodeBody decodes the call's validated body into a new T, or answers why it cannot.
func decodeBody[T any](s *Server, w http.ResponseWriter, r *http.Request) (*T, *call, bool) {
	c := callOf(r)
	var v T
	if err := json.Unmarshal(c.body, &v); err != nil {
		s.fail(w, r, c, decodeFailed(err))
		return nil, c, false
	}
	return &v, c, true
}

// update decodes the call's body into a T and applies change to the user its loginId, or its
// identifier, names (a login ID or a user ID), answering with the user as it is after, or with why
// it could not. change gets a shallow copy of the user, and gives every field it changes a new
// value. answer, when given, makes the answer of the updated user instead of gen.UserResponse.
func update[T any](o operations, w http.ResponseWriter, r *http.Request, change func(req *T, sl *slot, u gen.User) (*gen.User, *apiError), answer ...func(u *gen.User) any) {
	req, c, ok := decodeBody[T](o.s, w, r)
	if !ok {
		return
	}
	var named struct {
		LoginID    string `json:"loginId"`
		Identifier string `json:"identifier"`
	}
	// It decoded as a T, whose loginId and identifier (where it has one) are strings; a T without
	// identifier was validated against a schema that refuses one.
	_ = json.Unmarshal(c.body, &named)
	id, e := userNamed(named.LoginID, named.Identifier)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	u, e := o.s.store.update(id, func(sl *slot, old *gen.User) (*gen.User, *apiError) { return change(req, sl, *old) })
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.stats.updatedUsers.Add(1)
	if len(answer) > 0 {
		o.s.respond(w, r, c, http.StatusOK, answer[0](u))
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.UserResponse{User: *u})
}

// userNamed returns the login ID (or user ID) a request names its user by: loginId, or identifier,
// which the spec makes another name for it (Identifier). Both given with different values are
// refused, even when they name the same user. "" is not given.
func userNamed(loginID, identifier string) (string, *apiError) {
	switch {
	case identifier == "":
		return loginID, nil
	case loginID == "" || loginID == identifier:
		return identifier, nil
	}
	return "", invalidArguments(fmt.Sprintf("loginId %q and identifier %q differ: identifier is another name for loginId; send one of them, or the same in both", loginID, identifier))
}

func (o operations) UpdateUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserCustomAttributeRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		// An absent attributeValue reads as null (remove): the generated type cannot tell them
		// apart, and the spec says the field is always sent.
		u.CustomAttributes = mergeAttributes(u.CustomAttributes, map[string]any{req.AttributeKey: req.AttributeValue})
		return &u, nil
	})
}

func (o operations) UpdateUserName(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserNameRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		display := req.DisplayName
		if req.Name != nil {
			if display != nil && *display != *req.Name {
				return nil, invalidArguments(fmt.Sprintf("name %q and displayName %q differ: both carry the display name, send the same value in both", *req.Name, *display))
			}
			display = req.Name
		}
		setString(&u.Name, display)
		setString(&u.GivenName, req.GivenName)
		setString(&u.MiddleName, req.MiddleName)
		setString(&u.FamilyName, req.FamilyName)
		return &u, nil
	})
}

func (o operations) UpdateUserPicture(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserPictureRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		setString(&u.Picture, req.Picture)
		return &u, nil
	})
}

func (o operations) UpdateUserPhone(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserPhoneRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		verified := req.Verified != nil && *req.Verified
		switch {
		case req.Phone != nil:
			phone := *req.Phone
			if phone != "" && req.FailOnConflict != nil && *req.FailOnConflict && o.s.store.phoneTaken(sl, phone) {
				return nil, invalidArguments(fmt.Sprintf("phone %q belongs to another user (failOnConflict is set)", phone))
			}
			u.Phone = phone
			u.VerifiedPhone = verified && phone != ""
		case req.Verified != nil:
			u.VerifiedPhone = verified
		}
		return &u, nil
	})
}

func (o operations) PatchUser(w http.ResponseWriter, r *http.Request) {
	c := callOf(r)
	var req gen.PatchUserRequest
	if err := decodePatch(c.body, &req); err != nil {
		o.s.fail(w, r, c, decodeFailed(err))
		return
	}
	if e := normalizePatch(&req); e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.store.mu.Lock()
	u, e := o.s.store.patch(&req)
	o.s.store.mu.Unlock()
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.stats.patchedUsers.Add(1)
	o.s.respond(w, r, c, http.StatusOK, gen.UserResponse{User: *u})
}

func (o operations) PatchUserBatch(w http.ResponseWriter, r *http.Request) {
	c := callOf(r)
	var req struct{ Users []json.RawMessage }
	if err := json.Unmarshal(c.body, &req); err != nil {
		o.s.fail(w, r, c, decodeFailed(err))
		return
	}
	patches := make([]gen.PatchUserRequest, len(req.Users))
	for i, raw := range req.Users {
		if err := decodePatch(raw, &patches[i]); err != nil {
			o.s.fail(w, r, c, decodeFailed(fmt.Errorf("users[%d]: %w", i, err)))
			return
		}
	}
	// In a batch, a patch that cannot be applied does not fail the call: the user goes into
	// failedUsers, and the other patches are applied. That includes a patch whose two names of one
	// field differ: a check of what the values mean, made user by user, unlike a patch that does
	// not match the spec, which fails the whole call above (as a gateway refuses a body it cannot
	// read).
	resp := gen.PatchUsersBatchResponse{PatchedUsers: make([]gen.User, 0, len(patches))}
	o.s.store.mu.Lock()
	for i := range patches {
		p := &patches[i]
		// The login IDs the patch named its user by, both when loginId and identifier differ.
		named := slices.Compact(slices.DeleteFunc([]string{p.LoginID, p.Identifier}, func(id string) bool { return id == "" }))
		e := normalizePatch(p)
		var u *gen.User
		if e == nil {
			u, e = o.s.store.patch(p)
		}
		if e != nil {
			failure := e.body.ErrorCode + ": " + e.body.ErrorMessage
			if e.body.ErrorCode == CodeUserNotFound {
				failure = CodeUserNotFound + ": user not found"
			}
			resp.FailedUsers = append(resp.FailedUsers, gen.PatchUserBatchFailure{
				Failure: o.s.redact.String(failure),
				User:    &gen.User{LoginIDs: named},
			})
			continue
		}
		resp.PatchedUsers = append(resp.PatchedUsers, *u)
	}
	o.s.store.mu.Unlock()
	o.s.stats.patchedUsers.Add(int64(len(resp.PatchedUsers)))
	o.s.stats.failedUsers.Add(int64(len(resp.FailedUsers)))
	o.s.respond(w, r, c, http.StatusOK, resp)
}

func (o operations) GetLicense(w http.ResponseWriter, r *http.Request) {
	o.s.respond(w, r, callOf(r), http.StatusOK, gen.License{RateLimitTier: o.s.cfg.licenseTier})
}

func (o operations) UpdateUserStatus(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserStatusRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		// Any status the request may carry can follow any other: no source restricts the
		// transitions (a user created by the API starts invited; activate enables it).
		u.Status = string(req.Status)
		return &u, nil
	})
}

func (o operations) UpdateUserLoginID(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserLoginIDRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		newID := ""
		if req.NewLoginID != nil {
			newID = *req.NewLoginID
		}
		at := slices.Index(u.LoginIDs, req.LoginID)
		if at < 0 { // named by its user ID: its first login ID changes
			at = 0
		}
		switch {
		case len(u.LoginIDs) == 0:
			return nil, invalidArguments("the user has no login ID to change")
		case newID == "" && len(u.LoginIDs) == 1:
			return nil, invalidArguments(fmt.Sprintf("login ID %q is the user's last: it cannot be removed", u.LoginIDs[at]))
		case newID != "" && o.s.store.loginIDTaken(sl, newID):
			return nil, invalidArguments(fmt.Sprintf("login ID %q belongs to another user", newID))
		}
		ids := slices.Clone(u.LoginIDs)
		switch {
		case newID == ids[at]: // unchanged
		case newID == "" || slices.Contains(ids, newID):
			ids = slices.Delete(ids, at, at+1)
		default:
			ids[at] = newID
		}
		u.LoginIDs = ids
		return &u, nil
	})
}

func (o operations) UpdateUserEmail(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserEmailRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		email := deref(req.Email)
		if email != "" && deref(req.FailOnConflict) && o.s.store.emailTaken(sl, email) {
			return nil, invalidArguments(fmt.Sprintf("email %q is another user's login ID or email (failOnConflict is set)", email))
		}
		u.Email, u.VerifiedEmail = email, email != "" && deref(req.Verified)
		return &u, nil
	})
}

func (o operations) UpdateUserRecoveryEmail(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserRecoveryEmailRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		u.RecoveryEmail, u.VerifiedRecoveryEmail = req.RecoveryEmail, req.RecoveryEmail != "" && req.Verified
		return &u, nil
	})
}

func (o operations) UpdateUserRecoveryPhone(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserRecoveryPhoneRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		u.RecoveryPhone, u.VerifiedRecoveryPhone = req.RecoveryPhone, req.RecoveryPhone != "" && req.Verified
		return &u, nil
	})
}

func (o operations) UpdateUserSetRoles(w http.ResponseWriter, r *http.Request) {
	o.changeRoles(w, r, func(_, given []string) []string { return given })
}

func (o operations) UpdateUserAddRoles(w http.ResponseWriter, r *http.Request) {
	o.changeRoles(w, r, union)
}

// UpdateUserAddRolesV1 is the v1 path of UpdateUserAddRoles (the spec's x-twin-of).
func (o operations) UpdateUserAddRolesV1(w http.ResponseWriter, r *http.Request) {
	o.UpdateUserAddRoles(w, r)
}

func (o operations) UpdateUserRemoveRoles(w http.ResponseWriter, r *http.Request) {
	o.changeRoles(w, r, without)
}

// changeRoles applies change to the user's project roles, or, with a tenantId, to its roles in
// that tenant, of which it must be a member.
func (o operations) changeRoles(w http.ResponseWriter, r *http.Request, change func(have, given []string) []string) {
	update(o, w, r, func(req *gen.UpdateUserRolesRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		if req.TenantID == "" {
			u.RoleNames = nilIfEmpty(change(u.RoleNames, req.RoleNames))
			return &u, nil
		}
		i := slices.IndexFunc(u.UserTenants, func(t gen.UserTenant) bool { return t.TenantID == req.TenantID })
		if i < 0 {
			return nil, invalidArguments(fmt.Sprintf("the user is not a member of tenant %q: add the tenant first", req.TenantID))
		}
		u.UserTenants = slices.Clone(u.UserTenants)
		u.UserTenants[i].RoleNames = nilIfEmpty(change(u.UserTenants[i].RoleNames, req.RoleNames))
		return &u, nil
	})
}

func (o operations) UpdateUserAddTenant(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserTenantRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		if !slices.ContainsFunc(u.UserTenants, func(t gen.UserTenant) bool { return t.TenantID == req.TenantID }) {
			u.UserTenants = append(slices.Clone(u.UserTenants), gen.UserTenant{TenantID: req.TenantID})
		}
		return &u, nil
	})
}

func (o operations) UpdateUserRemoveTenant(w http.ResponseWriter, r *http.Request) {
	update(o, w, r, func(req *gen.UpdateUserTenantRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		u.UserTenants = nilIfEmpty(slices.DeleteFunc(slices.Clone(u.UserTenants), func(t gen.UserTenant) bool { return t.TenantID == req.TenantID }))
		return &u, nil
	})
}

func (o operations) UpdateUserAddSSOApps(w http.ResponseWriter, r *http.Request) {
	o.changeSSOApps(w, r, union)
}

func (o operations) UpdateUserSetSSOApps(w http.ResponseWriter, r *http.Request) {
	o.changeSSOApps(w, r, func(_, given []string) []string { return given })
}

func (o operations) UpdateUserRemoveSSOApps(w http.ResponseWriter, r *http.Request) {
	o.changeSSOApps(w, r, without)
}

func (o operations) changeSSOApps(w http.ResponseWriter, r *http.Request, change func(have, given []string) []string) {
	update(o, w, r, func(req *gen.UpdateUserSSOAppsRequest, _ *slot, u gen.User) (*gen.User, *apiError) {
		u.SsoAppIDs = nilIfEmpty(change(u.SsoAppIDs, req.SsoAppIDs))
		return &u, nil
	})
}

func (o operations) LoadUser(w http.ResponseWriter, r *http.Request, params gen.LoadUserParams) {
	c := callOf(r)
	id, e := userNamed(params.LoginID, params.Identifier) // identifier: the .NET SDK's loginId
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	byLoginID := id != ""
	if !byLoginID {
		id = params.UserID
	}
	if id == "" {
		o.s.fail(w, r, c, errorOf(http.StatusBadRequest, api.ErrMissingArguments, "give loginId (or identifier) or userId"))
		return
	}
	u := o.s.store.get(id)
	if u != nil && !byLoginID && u.UserID != id {
		u = nil // userId names a user ID, not a login ID
	}
	if u == nil {
		o.s.fail(w, r, c, userNotFound(id))
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.UserResponse{User: *u.view()})
}

func (o operations) LoadUsers(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.LoadUsersRequest](o.s, w, r)
	if !ok {
		return
	}
	users := o.s.store.byUserIDs(req.UserIDs, req.IncludeInvalidUsers)
	o.s.respond(w, r, c, http.StatusOK, gen.UsersResponse{Users: users, Total: int32(len(users))})
}

func (o operations) SearchUsers(w http.ResponseWriter, r *http.Request) {
	o.search(w, r, false)
}

// SearchUsersV1 is the v1 path of SearchUsers (the spec's x-twin-of).
func (o operations) SearchUsersV1(w http.ResponseWriter, r *http.Request) {
	o.SearchUsers(w, r)
}

func (o operations) SearchTestUsers(w http.ResponseWriter, r *http.Request) {
	o.search(w, r, true)
}

func (o operations) search(w http.ResponseWriter, r *http.Request, testUsers bool) {
	req, c, ok := decodeBody[gen.SearchUsersRequest](o.s, w, r)
	if !ok {
		return
	}
	if testUsers {
		req.TestUsersOnly, req.WithTestUser = true, true
	}
	users, total, e := o.s.store.search(*req)
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.UsersResponse{Users: users, Total: int32(total)})
}

func (o operations) UpdateUser(w http.ResponseWriter, r *http.Request) {
	// Whether phone was sent: the request type reads "phone": "" and no phone alike, and phoneNumber
	// must equal a phone sent as "".
	var sent struct {
		Phone *string `json:"phone"`
	}
	_ = json.Unmarshal(callOf(r).body, &sent) // a body that does not decode is answered by update
	update(o, w, r, func(req *gen.UpdateUserRequest, sl *slot, u gen.User) (*gen.User, *apiError) {
		// Fields spelt two ways must agree when both are sent (see the spec's UpdateUserRequest).
		name, e := either("name", req.Name, "displayName", req.DisplayName, req.Name == "", req.DisplayName == "")
		if e == nil {
			_, e = either("additionalLoginIds", req.AdditionalLoginIDs, "additionalIdentifiers", req.AdditionalIdentifiers, req.AdditionalLoginIDs == nil, req.AdditionalIdentifiers == nil)
		}
		if e == nil {
			_, e = either("ssoAppIds", req.SsoAppIDs, "ssoAppIDs", req.SsoAppIDsGoSpelling, req.SsoAppIDs == nil, req.SsoAppIDsGoSpelling == nil)
		}
		var phone any = req.Phone
		if e == nil {
			// phoneNumber is phone's deprecated name.
			phone, e = either("phone", req.Phone, "phoneNumber", deref(req.PhoneNumber), sent.Phone == nil, req.PhoneNumber == nil)
		}
		if e != nil {
			return nil, e
		}
		extra := req.AdditionalLoginIDs
		if extra == nil {
			extra = req.AdditionalIdentifiers
		}
		apps := req.SsoAppIDs
		if apps == nil {
			apps = req.SsoAppIDsGoSpelling
		}
		attrs, err := jsonvalue.Plain(req.CustomAttributes)
		if err != nil {
			return nil, decodeFailed(err)
		}
		// What an update sets is replaced, absent or not; the rest (ID, created time, test flag,
		// sign-in methods) is the user's own. Status and the recovery contacts, which the published
		// document adds, are the exception: absent, they are left as they are (the spec's
		// UpdateUserRequest says why).
		ids := u.LoginIDs[:min(len(u.LoginIDs), 1)]
		for _, id := range extra {
			if o.s.store.loginIDTaken(sl, id) {
				return nil, invalidArguments(fmt.Sprintf("additional login ID %q belongs to another user", id))
			}
			if !slices.Contains(ids, id) {
				ids = append(slices.Clone(ids), id)
			}
		}
		u.LoginIDs = ids
		u.Email, u.Phone, u.Picture = req.Email, phone.(string), req.Picture
		u.Name, u.GivenName, u.MiddleName, u.FamilyName = name.(string), req.GivenName, req.MiddleName, req.FamilyName
		u.VerifiedEmail = req.Email != "" && deref(req.VerifiedEmail)
		u.VerifiedPhone = u.Phone != "" && deref(req.VerifiedPhone)
		if req.Status != nil {
			u.Status = string(*req.Status)
		}
		setRecovery(&u.RecoveryEmail, &u.VerifiedRecoveryEmail, req.RecoveryEmail, req.VerifiedRecoveryEmail)
		setRecovery(&u.RecoveryPhone, &u.VerifiedRecoveryPhone, req.RecoveryPhone, req.VerifiedRecoveryPhone)
		u.RoleNames, u.SsoAppIDs = nilIfEmpty(slices.Clone(req.RoleNames)), nilIfEmpty(slices.Clone(apps))
		u.UserTenants = nil
		for _, t := range req.UserTenants {
			u.UserTenants = append(u.UserTenants, gen.UserTenant{TenantID: t.TenantID, RoleNames: nilIfEmpty(slices.Clone(deref(t.RoleNames)))})
		}
		u.CustomAttributes = nil
		if m, _ := attrs.(map[string]any); len(m) > 0 {
			u.CustomAttributes = m
		}
		return &u, nil
	})
}

// either returns the value of a field spelt two ways, a or b (strings or lists of strings),
// refusing two different values with a message that names both spellings and both values.
func either(aName string, a any, bName string, b any, aAbsent, bAbsent bool) (any, *apiError) {
	switch {
	case aAbsent:
		return b, nil
	case bAbsent || reflect.DeepEqual(a, b):
		return a, nil
	}
	return nil, invalidArguments(fmt.Sprintf("%s %q and %s %q carry the same field and differ: send the same value in both", aName, a, bName, b))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// union is have followed by the values of given it lacks.
func union(have, given []string) []string {
	out := slices.Clone(have)
	for _, g := range given {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// without is have without the values of given.
func without(have, given []string) []string {
	return slices.DeleteFunc(slices.Clone(have), func(h string) bool { return slices.Contains(given, h) })
}

// nilIfEmpty stores an empty list as none, as the store keeps every cleared list.
func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}
