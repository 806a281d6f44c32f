package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"

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

// updateUser applies change to the user with that login ID or user ID and answers with the user
// as it is after, or with why it could not.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *call, loginID string, change func(sl *slot, u gen.User) (*gen.User, *apiError)) {
	u, e := s.store.update(loginID, func(sl *slot, old *gen.User) (*gen.User, *apiError) {
		return change(sl, *old) // a shallow copy: change gives every field it changes a new value
	})
	if e != nil {
		s.fail(w, r, c, e)
		return
	}
	s.stats.updatedUsers.Add(1)
	s.respond(w, r, c, http.StatusOK, gen.UserResponse{User: *u})
}

func (o operations) UpdateUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UpdateUserCustomAttributeRequest](o.s, w, r)
	if !ok {
		return
	}
	// An absent attributeValue reads as null (remove): the generated type cannot tell them
	// apart, and the spec says the field is always sent.
	o.s.updateUser(w, r, c, req.LoginID, func(_ *slot, u gen.User) (*gen.User, *apiError) {
		u.CustomAttributes = mergeAttributes(u.CustomAttributes, map[string]any{req.AttributeKey: req.AttributeValue})
		return &u, nil
	})
}

func (o operations) UpdateUserName(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UpdateUserNameRequest](o.s, w, r)
	if !ok {
		return
	}
	display := req.DisplayName
	if req.Name != nil {
		if display != nil && *display != *req.Name {
			o.s.fail(w, r, c, invalidArguments(fmt.Sprintf("name %q and displayName %q differ: both carry the display name, send the same value in both", *req.Name, *display)))
			return
		}
		display = req.Name
	}
	o.s.updateUser(w, r, c, req.LoginID, func(_ *slot, u gen.User) (*gen.User, *apiError) {
		setString(&u.Name, display)
		setString(&u.GivenName, req.GivenName)
		setString(&u.MiddleName, req.MiddleName)
		setString(&u.FamilyName, req.FamilyName)
		return &u, nil
	})
}

func (o operations) UpdateUserPicture(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UpdateUserPictureRequest](o.s, w, r)
	if !ok {
		return
	}
	o.s.updateUser(w, r, c, req.LoginID, func(_ *slot, u gen.User) (*gen.User, *apiError) {
		setString(&u.Picture, req.Picture)
		return &u, nil
	})
}

func (o operations) UpdateUserPhone(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.UpdateUserPhoneRequest](o.s, w, r)
	if !ok {
		return
	}
	o.s.updateUser(w, r, c, req.LoginID, func(sl *slot, u gen.User) (*gen.User, *apiError) {
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
	// failedUsers, and the other patches are applied.
	resp := gen.PatchUsersBatchResponse{PatchedUsers: make([]gen.User, 0, len(patches))}
	o.s.store.mu.Lock()
	for i := range patches {
		p := &patches[i]
		u, e := o.s.store.patch(p)
		if e != nil {
			failure := e.body.ErrorCode + ": " + e.body.ErrorMessage
			if e.body.ErrorCode == CodeUserNotFound {
				failure = CodeUserNotFound + ": user not found"
			}
			resp.FailedUsers = append(resp.FailedUsers, gen.PatchUserBatchFailure{
				Failure: o.s.redact.String(failure),
				User:    &gen.User{LoginIDs: []string{p.LoginID}},
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
