package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The wire types. They are the generated types themselves, so they marshal to and from exactly
// the API's JSON.
type (
	// User is a user as the API returns it.
	User = gen.User
	// UserPatch is a partial update of one user: nil fields are not sent and stay unchanged;
	// a pointer to "" or to an empty slice is sent and clears the field. In CustomAttributes, a
	// nil value removes that attribute. Build one with Ptr.
	UserPatch = gen.PatchUserRequest
	// TenantPatch is one tenant membership in UserPatch.UserTenants.
	TenantPatch = gen.PatchUserTenant
	// UserStatus is a status a patch may set.
	UserStatus = gen.UserStatus
)

// The statuses a patch may set.
const (
	UserStatusEnabled  = gen.UserStatusEnabled
	UserStatusDisabled = gen.UserStatusDisabled
	UserStatusInvited  = gen.UserStatusInvited
)

// BatchResult is the answer to PatchBatch: the users patched and the users that failed, each
// failure with the server's reason. It has the JSON of the API's PatchUsersBatchResponse.
type BatchResult gen.PatchUsersBatchResponse

// FailedLoginIDs lists the first login ID (or, lacking one, the user ID) of every failed user,
// in the server's order.
func (r *BatchResult) FailedLoginIDs() []string {
	ids := make([]string, 0, len(r.FailedUsers))
	for _, f := range r.FailedUsers {
		ids = append(ids, userKey(f.User))
	}
	return ids
}

func userKey(u User) string {
	if len(u.LoginIDs) > 0 {
		return u.LoginIDs[0]
	}
	return u.UserID
}

// Ptr returns a pointer to v, for the optional fields of UserPatch:
//
//	api.UserPatch{LoginID: "jane@example.com", Name: api.Ptr("Jane"), RoleNames: api.Ptr([]string{})}
func Ptr[T any](v T) *T { return &v }

// The operationIds of the spec, used in errors.
const (
	OpUpdateUserCustomAttribute = "UpdateUserCustomAttribute"
	OpUpdateUserName            = "UpdateUserName"
	OpUpdateUserPicture         = "UpdateUserPicture"
	OpUpdateUserPhone           = "UpdateUserPhone"
	OpPatchUser                 = "PatchUser"
	OpPatchUserBatch            = "PatchUserBatch"
)

// UpdateCustomAttribute sets one custom attribute of the user. value may be any JSON value
// (string, number, bool, slice, map); nil clears the attribute and is sent as an explicit null.
func (c *Client) UpdateCustomAttribute(ctx context.Context, loginID, key string, value any) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, fmt.Errorf("%w: attribute key is empty", ErrInvalidArgument)
	}
	body := gen.UpdateUserCustomAttributeRequest{LoginID: loginID, AttributeKey: key, AttributeValue: value}
	return c.userCall(ctx, OpUpdateUserCustomAttribute, func(ctx context.Context) (*http.Response, error) {
		return c.api.UpdateUserCustomAttribute(ctx, body)
	})
}

// UpdateDisplayName sets the user's display name. The value is sent both as `name` (the API
// reference's field) and `displayName` (the field Descope's SDKs send), so the update takes effect
// whichever one the server reads; an empty displayName clears it.
func (c *Client) UpdateDisplayName(ctx context.Context, loginID, displayName string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	body := gen.UpdateUserNameRequest{LoginID: loginID, Name: &displayName, DisplayName: &displayName}
	return c.userCall(ctx, OpUpdateUserName, func(ctx context.Context) (*http.Response, error) {
		return c.api.UpdateUserName(ctx, body)
	})
}

// UpdateUserNames sets the user's given, middle and family names, as Descope's SDK does: all
// three are sent, and an empty one clears that part. The display name is left unchanged.
func (c *Client) UpdateUserNames(ctx context.Context, loginID, givenName, middleName, familyName string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	body := gen.UpdateUserNameRequest{LoginID: loginID, GivenName: &givenName, MiddleName: &middleName, FamilyName: &familyName}
	return c.userCall(ctx, OpUpdateUserName, func(ctx context.Context) (*http.Response, error) {
		return c.api.UpdateUserName(ctx, body)
	})
}

// UpdatePicture sets the user's picture URL; an empty picture removes it.
func (c *Client) UpdatePicture(ctx context.Context, loginID, picture string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	body := gen.UpdateUserPictureRequest{LoginID: loginID, Picture: &picture}
	return c.userCall(ctx, OpUpdateUserPicture, func(ctx context.Context) (*http.Response, error) {
		return c.api.UpdateUserPicture(ctx, body)
	})
}

// UpdatePhone sets the user's phone number (empty removes it). verified marks the new number as
// verified; failOnConflict makes the call fail when another user already has the number.
func (c *Client) UpdatePhone(ctx context.Context, loginID, phone string, verified, failOnConflict bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	body := gen.UpdateUserPhoneRequest{LoginID: loginID, Phone: &phone, Verified: &verified, FailOnConflict: &failOnConflict}
	return c.userCall(ctx, OpUpdateUserPhone, func(ctx context.Context) (*http.Response, error) {
		return c.api.UpdateUserPhone(ctx, body)
	})
}

// Patch applies a partial update to one user: only the fields set in p are sent.
func (c *Client) Patch(ctx context.Context, p UserPatch) (*User, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := checkPatch(p, "patch"); err != nil {
		return nil, err
	}
	return c.userCall(ctx, OpPatchUser, func(ctx context.Context) (*http.Response, error) {
		return c.api.PatchUser(ctx, p)
	})
}

// PatchBatch applies many patches in one call. A 200 answer is not an error even when some users
// failed: they are in the result's FailedUsers, each with the server's reason. For more patches
// than one call should carry, or to ride out rate limits, use PatchAll.
func (c *Client) PatchBatch(ctx context.Context, ps []UserPatch) (*BatchResult, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: batch is empty", ErrInvalidArgument)
	}
	for i := range ps {
		if err := checkPatch(ps[i], fmt.Sprintf("patches[%d]", i)); err != nil {
			return nil, err
		}
	}
	return c.patchBatch(ctx, ps)
}

// patchBatch sends patches already checked.
func (c *Client) patchBatch(ctx context.Context, ps []UserPatch) (*BatchResult, error) {
	var out BatchResult
	err := c.call(ctx, OpPatchUserBatch, func(ctx context.Context) (*http.Response, error) {
		return c.api.PatchUserBatch(ctx, gen.PatchUsersBatchRequest{Users: ps})
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("%w: context is nil", ErrInvalidArgument)
	}
	return nil
}

func checkCall(ctx context.Context, loginID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if loginID == "" {
		return fmt.Errorf("%w: loginID is empty", ErrInvalidArgument)
	}
	return nil
}

// checkPatch catches, before anything is sent, what the spec would reject in a patch.
func checkPatch(p UserPatch, name string) error {
	if p.LoginID == "" {
		return fmt.Errorf("%w: %s: loginId is empty", ErrInvalidArgument, name)
	}
	if p.Status != nil && !p.Status.Valid() {
		return fmt.Errorf("%w: %s (loginId %q): status %q is not one of enabled, disabled, invited", ErrInvalidArgument, name, p.LoginID, *p.Status)
	}
	if p.UserTenants != nil {
		for i, t := range *p.UserTenants {
			if t.TenantID == "" {
				return fmt.Errorf("%w: %s (loginId %q): userTenants[%d].tenantId is empty", ErrInvalidArgument, name, p.LoginID, i)
			}
		}
	}
	return nil
}

func (c *Client) userCall(ctx context.Context, op string, send func(context.Context) (*http.Response, error)) (*User, error) {
	var out gen.UserResponse
	if err := c.call(ctx, op, send, &out); err != nil {
		return nil, err
	}
	return &out.User, nil
}

// sendError marks errors that come from sending (the doer), as opposed to building the request.
type sendError struct{ err error }

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// call sends one operation and decodes a 2xx answer into out; any other answer becomes *Error.
func (c *Client) call(ctx context.Context, op string, send func(context.Context) (*http.Response, error), out any) error {
	resp, err := send(ctx)
	if err != nil {
		var se *sendError
		if errors.As(err, &se) {
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(se.err, ctxErr) {
				return fmt.Errorf("descope: %s: %w (%v)", op, ctxErr, se.err)
			}
			return fmt.Errorf("descope: %s: %w", op, se.err)
		}
		// The request could not be built, e.g. a custom attribute value that is not JSON.
		return fmt.Errorf("%w: %s: %v", ErrInvalidArgument, op, err)
	}
	mb, isMem := resp.Body.(*memBody)
	if !isMem {
		_ = resp.Body.Close()
		return fmt.Errorf("descope: %s: response body was not read by the client's doer", op)
	}
	body := mb.data
	if c.validator != nil {
		if err := c.validateResponse(ctx, op, resp, body); err != nil {
			return err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(op, resp, body, c.redact)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: %s: HTTP %d: %v", ErrMalformedResponse, op, resp.StatusCode, err)
	}
	return nil
}

// validateResponse checks the response against the spec. Error answers that the operation does
// not document, or that are not JSON (a 502 or 503 page from a proxy, say), are left to *Error:
// they come from the path to the API, not from the API.
func (c *Client) validateResponse(ctx context.Context, op string, resp *http.Response, body []byte) error {
	route, err := c.validator.RouteFor(resp.Request)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrResponseMismatch, op, err)
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if !ok2xx && (!route.Documents(resp.StatusCode) || !isJSON(resp.Header.Get("Content-Type"), body)) {
		return nil
	}
	if err := c.validator.ValidateResponse(ctx, route, resp.Request, resp.StatusCode, resp.Header, body); err != nil {
		return fmt.Errorf("%w: %s", ErrResponseMismatch, c.redact(err.Error()))
	}
	return nil
}
