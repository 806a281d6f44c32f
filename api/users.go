package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
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
	// UserTenant is one tenant membership of a User.
	UserTenant = gen.UserTenant
	// UserStatus is a status a patch may set.
	UserStatus = gen.UserStatus
	// SearchOptions are the filters, order and page of a search (Search, SearchAll): the
	// generated request type itself. Zero fields are no filter.
	SearchOptions = gen.SearchUsersRequest
	// SearchSort is one sort key of a search.
	SearchSort = gen.SearchSort
	// SearchStatus is a status a search filters on.
	SearchStatus = gen.SearchUsersRequestStatuses
	// Int64 is a 64-bit integer of a request that the API reads as a JSON number or a decimal
	// string, such as a search's time filters; the client writes a number.
	Int64 = wire.Int64
)

// The statuses a patch may set. Expired is in the contract because Descope's SDK sends it; the
// API reference lists only the other three for updates (see the spec's UserStatus).
const (
	UserStatusEnabled  = gen.UserStatusEnabled
	UserStatusDisabled = gen.UserStatusDisabled
	UserStatusInvited  = gen.UserStatusInvited
	UserStatusExpired  = gen.UserStatusExpired
)

// BatchResult is the answer to PatchBatch: the users patched and the users that failed, each
// failure with the server's reason. It has the JSON of the API's PatchUsersBatchResponse. The
// users (PatchedUsers, FailedUsers[i].User) are exactly what the server sent; the reasons
// (FailedUsers[i].Failure, the values of AdditionalErrors) are text to show, scrubbed of the
// management key and of unprintable characters.
//
// Every patch sent is accounted for: a patch the server listed neither as patched nor as failed
// is added to FailedUsers, with a Failure that says so (and carries the reasons of any failures
// the server sent without naming their user, `"user": null`, which cannot be tied to a patch).
// Such a patch is never counted as patched.
type BatchResult gen.PatchUsersBatchResponse

// FailedLoginIDs lists the first login ID (or, lacking one, the user ID) of every failure that
// names its user, in the order of FailedUsers.
func (r *BatchResult) FailedLoginIDs() []string {
	ids := make([]string, 0, len(r.FailedUsers))
	for _, f := range r.FailedUsers {
		if f.User != nil {
			ids = append(ids, userKey(*f.User))
		}
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

// UpdateCustomAttribute sets one custom attribute of the user. value may be any JSON value
// (string, number, bool, slice, map) whose lists and objects nest at most MaxValueDepth deep; nil
// clears the attribute and is sent as an explicit null.
func (c *Client) UpdateCustomAttribute(ctx context.Context, loginID, key string, value any) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalid("attribute key is empty")
	}
	if err := checkValue(value); err != nil {
		return nil, invalid("attribute %q: %v", key, err)
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserCustomAttribute", gen.NewUpdateUserCustomAttributeRequest,
		gen.UpdateUserCustomAttributeRequest{LoginID: loginID, AttributeKey: key, AttributeValue: value}))
}

// UpdateDisplayName sets the user's display name. The value is sent both as `name` (the API
// reference's field) and `displayName` (the field Descope's SDKs send), so the update takes effect
// whichever one the server reads; an empty displayName clears it.
func (c *Client) UpdateDisplayName(ctx context.Context, loginID, displayName string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserName", gen.NewUpdateUserNameRequest,
		gen.UpdateUserNameRequest{LoginID: loginID, Name: &displayName, DisplayName: &displayName}))
}

// UpdateUserNames sets the user's given, middle and family names, as Descope's SDK does: all
// three are sent, and an empty one clears that part. The display name is left unchanged.
func (c *Client) UpdateUserNames(ctx context.Context, loginID, givenName, middleName, familyName string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserName", gen.NewUpdateUserNameRequest,
		gen.UpdateUserNameRequest{LoginID: loginID, GivenName: &givenName, MiddleName: &middleName, FamilyName: &familyName}))
}

// UpdatePicture sets the user's picture URL; an empty picture removes it.
func (c *Client) UpdatePicture(ctx context.Context, loginID, picture string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserPicture", gen.NewUpdateUserPictureRequest,
		gen.UpdateUserPictureRequest{LoginID: loginID, Picture: &picture}))
}

// UpdatePhone sets the user's phone number (empty removes it). verified marks the new number as
// verified; failOnConflict makes the call fail when another user already has the number.
func (c *Client) UpdatePhone(ctx context.Context, loginID, phone string, verified, failOnConflict bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserPhone", gen.NewUpdateUserPhoneRequest,
		gen.UpdateUserPhoneRequest{LoginID: loginID, Phone: &phone, Verified: &verified, FailOnConflict: &failOnConflict}))
}

// Patch applies a partial update to one user: only the fields set in p are sent.
func (c *Client) Patch(ctx context.Context, p UserPatch) (*User, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := checkPatch(&p, "patch"); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "PatchUser", gen.NewPatchUserRequest, p))
}

// PatchBatch applies many patches in one call. A 200 answer is not an error even when some users
// failed: they are in the result's FailedUsers, each with the server's reason, and so is every
// patch the answer does not mention (see BatchResult). For more patches than one call should
// carry, or to ride out rate limits, use PatchAll.
func (c *Client) PatchBatch(ctx context.Context, ps []UserPatch) (*BatchResult, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, invalid("batch is empty")
	}
	ps = slices.Clone(ps) // normalized below; the caller's patches stay as they are
	for i := range ps {
		if err := checkPatch(&ps[i], fmt.Sprintf("patches[%d]", i)); err != nil {
			return nil, err
		}
	}
	out, _, err := c.patchBatch(ctx, ps)
	return out, err
}

// patchBatch sends patches already checked and accounts for every one of them (see BatchResult).
// outcomes has one entry per patch, in order. An answer that names none of the patches at all
// (`{}` for a batch of one or more) carries nothing the operation returns: ErrMalformedResponse.
//
// The answer's failure reasons and additionalErrors messages are shown text, written by the
// server about the failure: they are scrubbed of the management key (see Redactor) before
// anything reads them. Its users, and the login IDs that key additionalErrors, are data: they are
// kept as the server sent them.
func (c *Client) patchBatch(ctx context.Context, ps []UserPatch) (*BatchResult, []batchOutcome, error) {
	out, err := call[BatchResult](ctx, c, "PatchUserBatch", gen.NewPatchUserBatchRequest, gen.PatchUsersBatchRequest{Users: ps})
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, len(ps))
	for i := range ps {
		keys[i] = ps[i].LoginID
	}
	failed := make([]batchFailure, len(out.FailedUsers))
	for i := range out.FailedUsers {
		out.FailedUsers[i].Failure = c.redact.show(out.FailedUsers[i].Failure)
		failed[i] = batchFailure{out.FailedUsers[i].Failure, out.FailedUsers[i].User}
	}
	for k, msg := range out.AdditionalErrors {
		out.AdditionalErrors[k] = c.redact.show(msg)
	}
	outcomes, listed := matchBatch(keys, "patched", out.PatchedUsers, failed, out.AdditionalErrors)
	if listed == 0 && len(ps) > 0 {
		return nil, nil, fmt.Errorf("%w: the batch answer lists none of the %d patched users, neither as patched nor as failed", ErrMalformedResponse, len(ps))
	}
	for i, o := range outcomes {
		if o.unlisted {
			out.FailedUsers = append(out.FailedUsers, gen.PatchUserBatchFailure{Failure: o.reason, User: &User{LoginIDs: []string{ps[i].LoginID}}})
		}
	}
	return out, outcomes, nil
}

// Activate enables the user: its status becomes "enabled".
func (c *Client) Activate(ctx context.Context, loginID string) (*User, error) {
	return c.updateStatus(ctx, loginID, gen.UpdateUserStatusRequestStatusEnabled)
}

// Deactivate disables the user: its status becomes "disabled", and it can no longer sign in.
func (c *Client) Deactivate(ctx context.Context, loginID string) (*User, error) {
	return c.updateStatus(ctx, loginID, gen.UpdateUserStatusRequestStatusDisabled)
}

func (c *Client) updateStatus(ctx context.Context, loginID string, status gen.UpdateUserStatusRequestStatus) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserStatus", gen.NewUpdateUserStatusRequest, gen.UpdateUserStatusRequest{LoginID: loginID, Status: status}))
}

// UpdateLoginID replaces the user's login ID loginID with newLoginID; when loginID is the user's
// ID, the user's first login ID is the one replaced. An empty newLoginID removes that login ID,
// which fails for the user's last one. A newLoginID another user has fails too.
//
// Unlike the other methods, UpdateLoginID retries only a 429 and a connection that could not be
// opened: after a 5xx or a dropped connection the change may have been made, and a retry would
// name a login ID that no longer exists. Such an error leaves the outcome unknown; Load the user
// by its user ID or newLoginID to see it.
func (c *Client) UpdateLoginID(ctx context.Context, loginID, newLoginID string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](withRetryLimit(ctx, noUncertainRetry), c, "UpdateUserLoginID", gen.NewUpdateUserLoginIDRequest, gen.UpdateUserLoginIDRequest{LoginID: loginID, NewLoginID: &newLoginID}))
}

// UpdateEmail sets the user's email; an empty email removes it. verified marks the new email as
// verified, so that the user can sign in with it; failOnConflict makes the call fail when the
// email is already another user's login ID or email.
func (c *Client) UpdateEmail(ctx context.Context, loginID, email string, verified, failOnConflict bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserEmail", gen.NewUpdateUserEmailRequest,
		gen.UpdateUserEmailRequest{LoginID: loginID, Email: &email, Verified: &verified, FailOnConflict: &failOnConflict}))
}

// UpdateRecoveryEmail sets the email used to recover the user's account; empty removes it. The
// user returned shows it (RecoveryEmail, VerifiedRecoveryEmail).
func (c *Client) UpdateRecoveryEmail(ctx context.Context, loginID, email string, verified bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserRecoveryEmail", gen.NewUpdateUserRecoveryEmailRequest,
		gen.UpdateUserRecoveryEmailRequest{LoginID: loginID, RecoveryEmail: email, Verified: verified}))
}

// UpdateRecoveryPhone sets the phone number used to recover the user's account; empty removes
// it. The user returned shows it (RecoveryPhone, VerifiedRecoveryPhone).
func (c *Client) UpdateRecoveryPhone(ctx context.Context, loginID, phone string, verified bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUserRecoveryPhone", gen.NewUpdateUserRecoveryPhoneRequest,
		gen.UpdateUserRecoveryPhoneRequest{LoginID: loginID, RecoveryPhone: phone, Verified: verified}))
}

// SetRoles replaces the user's project-level roles with roles; an empty list removes them all.
func (c *Client) SetRoles(ctx context.Context, loginID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserSetRoles", gen.NewUpdateUserSetRolesRequest, loginID, "", roles, false)
}

// AddRoles adds roles to the user's project-level roles.
func (c *Client) AddRoles(ctx context.Context, loginID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserAddRoles", gen.NewUpdateUserAddRolesRequest, loginID, "", roles, false)
}

// RemoveRoles removes roles from the user's project-level roles.
func (c *Client) RemoveRoles(ctx context.Context, loginID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserRemoveRoles", gen.NewUpdateUserRemoveRolesRequest, loginID, "", roles, false)
}

// SetTenantRoles replaces the user's roles in the tenant with roles. The user must already be a
// member of the tenant (see AddTenant).
func (c *Client) SetTenantRoles(ctx context.Context, loginID, tenantID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserSetRoles", gen.NewUpdateUserSetRolesRequest, loginID, tenantID, roles, true)
}

// AddTenantRoles adds roles to the user's roles in the tenant, of which it must be a member.
func (c *Client) AddTenantRoles(ctx context.Context, loginID, tenantID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserAddRoles", gen.NewUpdateUserAddRolesRequest, loginID, tenantID, roles, true)
}

// RemoveTenantRoles removes roles from the user's roles in the tenant, of which it must be a
// member.
func (c *Client) RemoveTenantRoles(ctx context.Context, loginID, tenantID string, roles []string) (*User, error) {
	return c.roles(ctx, "UpdateUserRemoveRoles", gen.NewUpdateUserRemoveRolesRequest, loginID, tenantID, roles, true)
}

func (c *Client) roles(ctx context.Context, op string, build builder[gen.UpdateUserRolesRequest], loginID, tenantID string, roles []string, inTenant bool) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if inTenant && tenantID == "" {
		return nil, invalid("tenantID is empty")
	}
	if err := checkNames("roles", roles); err != nil {
		return nil, err
	}
	if roles == nil {
		roles = []string{} // an empty list, not null: what the call means
	}
	return userOf(call[userEnvelope](ctx, c, op, build, gen.UpdateUserRolesRequest{LoginID: loginID, TenantID: tenantID, RoleNames: roles}))
}

// AddTenant makes the user a member of the tenant, with no roles in it; adding a tenant the user
// is already in changes nothing.
func (c *Client) AddTenant(ctx context.Context, loginID, tenantID string) (*User, error) {
	return c.tenant(ctx, "UpdateUserAddTenant", gen.NewUpdateUserAddTenantRequest, loginID, tenantID)
}

// RemoveTenant removes the user, and its roles there, from the tenant.
func (c *Client) RemoveTenant(ctx context.Context, loginID, tenantID string) (*User, error) {
	return c.tenant(ctx, "UpdateUserRemoveTenant", gen.NewUpdateUserRemoveTenantRequest, loginID, tenantID)
}

func (c *Client) tenant(ctx context.Context, op string, build builder[gen.UpdateUserTenantRequest], loginID, tenantID string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if tenantID == "" {
		return nil, invalid("tenantID is empty")
	}
	return userOf(call[userEnvelope](ctx, c, op, build, gen.UpdateUserTenantRequest{LoginID: loginID, TenantID: tenantID}))
}

// AddSSOApps lets the user use the SSO apps appIDs too.
func (c *Client) AddSSOApps(ctx context.Context, loginID string, appIDs []string) (*User, error) {
	return c.ssoApps(ctx, "UpdateUserAddSSOApps", gen.NewUpdateUserAddSSOAppsRequest, loginID, appIDs)
}

// SetSSOApps replaces the SSO apps the user may use with appIDs. An empty list resets the user to
// every SSO app, which is what an empty list on a user means (see the spec).
func (c *Client) SetSSOApps(ctx context.Context, loginID string, appIDs []string) (*User, error) {
	return c.ssoApps(ctx, "UpdateUserSetSSOApps", gen.NewUpdateUserSetSSOAppsRequest, loginID, appIDs)
}

// RemoveSSOApps stops the user using the SSO apps appIDs.
func (c *Client) RemoveSSOApps(ctx context.Context, loginID string, appIDs []string) (*User, error) {
	return c.ssoApps(ctx, "UpdateUserRemoveSSOApps", gen.NewUpdateUserRemoveSSOAppsRequest, loginID, appIDs)
}

func (c *Client) ssoApps(ctx context.Context, op string, build builder[gen.UpdateUserSSOAppsRequest], loginID string, appIDs []string) (*User, error) {
	if err := checkCall(ctx, loginID); err != nil {
		return nil, err
	}
	if err := checkNames("appIDs", appIDs); err != nil {
		return nil, err
	}
	if appIDs == nil {
		appIDs = []string{}
	}
	return userOf(call[userEnvelope](ctx, c, op, build, gen.UpdateUserSSOAppsRequest{LoginID: loginID, SsoAppIDs: appIDs}))
}

// Load returns the user with that login ID or user ID. An unknown user is an *Error matching
// ErrUserNotFound.
func (c *Client) Load(ctx context.Context, loginIDOrUserID string) (*User, error) {
	if err := checkCall(ctx, loginIDOrUserID); err != nil {
		return nil, err
	}
	return userOf(call[userEnvelope](ctx, c, "LoadUser", gen.NewLoadUserRequest, &gen.LoadUserParams{LoginID: loginIDOrUserID}))
}

// LoadUsers returns the users with those user IDs, in one call; unknown IDs are left out, and so
// are disabled and expired users unless includeInvalid. The server caps how many IDs one call
// may carry, without documenting the number.
func (c *Client) LoadUsers(ctx context.Context, userIDs []string, includeInvalid bool) ([]User, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(userIDs) == 0 {
		return nil, invalid("userIDs is empty")
	}
	if err := checkNames("userIDs", userIDs); err != nil {
		return nil, err
	}
	out, err := call[gen.UsersResponse](ctx, c, "LoadUsers", gen.NewLoadUsersRequest, gen.LoadUsersRequest{UserIDs: userIDs, IncludeInvalidUsers: includeInvalid})
	if err != nil {
		return nil, err
	}
	return out.Users, nil
}

// Search returns one page of the users that match opts, and how many match in all. Pages count
// from 0 (opts.Page); opts.Limit is the page size, 100 when 0. A user matches when it matches
// every filter set; a list filter matches when any of its values does. See SearchAll to go
// through every page.
func (c *Client) Search(ctx context.Context, opts SearchOptions) ([]User, int, error) {
	return c.search(ctx, "SearchUsers", gen.NewSearchUsersRequest, opts)
}

// SearchTestUsers is Search among test users only.
func (c *Client) SearchTestUsers(ctx context.Context, opts SearchOptions) ([]User, int, error) {
	return c.search(ctx, "SearchTestUsers", gen.NewSearchTestUsersRequest, opts)
}

func (c *Client) search(ctx context.Context, op string, build builder[gen.SearchUsersRequest], opts SearchOptions) ([]User, int, error) {
	if err := checkContext(ctx); err != nil {
		return nil, 0, err
	}
	if err := checkSearch(opts); err != nil {
		return nil, 0, err
	}
	out, err := call[gen.UsersResponse](ctx, c, op, build, opts)
	if err != nil {
		return nil, 0, err
	}
	return out.Users, int(out.Total), nil
}

// SearchAll goes through every page of the users that match opts, from opts.Page on, and yields
// them one by one: a page is fetched when the one before is used up. An error (a failed call, or
// ctx ending) is yielded once, with a zero User, and ends the iteration.
//
// No user is yielded twice (a user is known by its userId, or by its first login ID when it
// has none; a user with neither is a malformed answer, the error below). The iteration ends without an error only once as many distinct users were yielded
// as the latest page's total counts from opts.Page on; a server that ends its pages sooner (an
// empty page, a page of users that came before, its last page by its total) ends it with an
// error wrapping ErrMalformedResponse that names the page and says how many users came of how
// many. A server that answers fewer users than asked is read on at that size (users it sends
// again are skipped), and one that answers more is read until its total is reached.
//
// Pages are offsets into a list that may change meanwhile. While the users that match stay the
// same ones (changed or not, moved in the order or not), SearchAll from page 0 yields each of
// them exactly once, or ends with that error. Users deleted while it runs make the total drop,
// which is no error; but as many other users may shift onto pages already read and be missed,
// and the count cannot tell, because the deleted users were yielded in their place. Users
// created while it runs are read if they sort after the users read (as with a Sort on
// createdTime, ascending); created before them, they push users already yielded onto later
// pages (skipped there) and are missed themselves, so the iteration ends with the error, unless
// as many users were deleted meanwhile. Each user is yielded as it was when its page was read.
//
// To know them, it keeps the IDs of the users yielded until the iteration ends: about 70 bytes
// a user for IDs of Descope's length (6.8 MB for 100,000 users), besides the page in use.
//
//	for u, err := range c.SearchAll(ctx, api.SearchOptions{Statuses: ...}) {
//		if err != nil { return err }
//		...
//	}
//
// With WithPace the page calls are paced, for exports of more pages than Descope allows searches
// in a minute: WithPace(PaceUnder(LimitUserSearch)). A pace that cannot be kept is yielded as an
// error before any call.
func (c *Client) SearchAll(ctx context.Context, opts SearchOptions, paging ...RunOption) iter.Seq2[User, error] {
	return c.pages(ctx, "SearchUsers", c.Search, opts, paging)
}

// SearchAllTestUsers is SearchAll among test users only.
func (c *Client) SearchAllTestUsers(ctx context.Context, opts SearchOptions, paging ...RunOption) iter.Seq2[User, error] {
	return c.pages(ctx, "SearchTestUsers", c.SearchTestUsers, opts, paging)
}

// pages yields the users of every page search returns, from opts.Page on, each once (see pager).
func (c *Client) pages(ctx context.Context, op string, search func(context.Context, SearchOptions) ([]User, int, error), opts SearchOptions, paging []RunOption) iter.Seq2[User, error] {
	cfg := newRunConfig(paging)
	return func(yield func(User, error) bool) {
		rps, burst, err := cfg.pace.rate()
		if err != nil {
			yield(User{}, err)
			return
		}
		pace := newCallPace(op, rps, burst, c.scale)
		p := newPager(op, search, pace, opts, 0)
		for {
			users, more, err := p.next(ctx)
			for _, u := range users {
				if !yield(u, nil) {
					return
				}
			}
			if err != nil {
				yield(User{}, err)
				return
			}
			if !more {
				return
			}
		}
	}
}

// DefaultSearchLimit is the page size of a search whose Limit is 0.
const DefaultSearchLimit = 100

// checkSearch catches, before anything is sent, what the spec would refuse in a search.
func checkSearch(opts SearchOptions) error {
	switch {
	case opts.Limit < 0:
		return invalid("search limit %d is negative", opts.Limit)
	case opts.Page < 0:
		return invalid("search page %d is negative (pages count from 0)", opts.Page)
	case opts.Offset < 0:
		return invalid("search offset %d is negative", opts.Offset)
	case opts.FromCreatedTime < 0 || opts.ToCreatedTime < 0 || opts.FromModifiedTime < 0 || opts.ToModifiedTime < 0:
		return invalid("a search time is negative")
	case opts.LoginID != "" && opts.Identifier != "" && opts.LoginID != opts.Identifier:
		return invalid("search loginId %q and identifier %q differ: both name one login ID; set one of them", opts.LoginID, opts.Identifier)
	}
	for i, s := range opts.Sort {
		if s.Field == "" {
			return invalid("search sort[%d] has no field", i)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(opts.CustomAttributes)) {
		if err := checkValue(opts.CustomAttributes[k]); err != nil {
			return invalid("search customAttributes[%q]: %v", k, err)
		}
	}
	return nil
}

// UserUpdate is a whole user for Update, which replaces the stored user with it: every field
// left empty here is cleared on the user. The user's ID, first login ID, created time and sign-in
// methods are not replaced, and neither are its status and recovery contacts unless they are set
// here (nil leaves them as they are; see the spec's UpdateUserRequest).
type UserUpdate struct {
	LoginID                       string // the user's login ID or user ID: who is replaced
	Email, Phone                  string
	VerifiedEmail, VerifiedPhone  bool
	DisplayName                   string
	GivenName, MiddleName         string
	FamilyName, Picture           string
	RoleNames                     []string
	Tenants                       []TenantPatch // memberships, each with its roles
	CustomAttributes              map[string]any
	AdditionalLoginIDs, SSOAppIDs []string

	Status                                       *UserStatus // nil: unchanged
	RecoveryEmail, RecoveryPhone                 *string     // nil: unchanged; "" removes
	VerifiedRecoveryEmail, VerifiedRecoveryPhone *bool       // nil: unchanged
}

// Update replaces the user with u. Dangerous: it clears every field u leaves empty, e.g. the
// phone of a user updated with only an email. To change some fields and keep the rest, use Patch.
//
// Descope's sources spell three fields two ways (the display name, the extra login IDs and the
// SSO apps; see the spec's UpdateUserRequest); Update sends each under both spellings, with the
// same value, so that it takes effect whichever the server reads.
func (c *Client) Update(ctx context.Context, u UserUpdate) (*User, error) {
	if err := checkCall(ctx, u.LoginID); err != nil {
		return nil, err
	}
	if err := checkNames("additionalLoginIDs", u.AdditionalLoginIDs); err != nil {
		return nil, err
	}
	for i, t := range u.Tenants {
		if t.TenantID == "" {
			return nil, invalid("tenants[%d].tenantId is empty", i)
		}
	}
	if u.Status != nil && !u.Status.Valid() {
		return nil, invalid("status %q is not one of %s", *u.Status, statusNames)
	}
	for _, k := range slices.Sorted(maps.Keys(u.CustomAttributes)) {
		if err := checkValue(u.CustomAttributes[k]); err != nil {
			return nil, invalid("customAttributes[%q]: %v", k, err)
		}
	}
	req := gen.UpdateUserRequest{
		LoginID: u.LoginID, Email: u.Email, Phone: u.Phone,
		Name: u.DisplayName, DisplayName: u.DisplayName,
		GivenName: u.GivenName, MiddleName: u.MiddleName, FamilyName: u.FamilyName, Picture: u.Picture,
		RoleNames: u.RoleNames, UserTenants: u.Tenants, CustomAttributes: u.CustomAttributes,
		AdditionalLoginIDs: u.AdditionalLoginIDs, AdditionalIdentifiers: u.AdditionalLoginIDs,
		SsoAppIDs: u.SSOAppIDs, SsoAppIDsGoSpelling: u.SSOAppIDs,
		Status: u.Status, RecoveryEmail: u.RecoveryEmail, RecoveryPhone: u.RecoveryPhone,
		VerifiedRecoveryEmail: u.VerifiedRecoveryEmail, VerifiedRecoveryPhone: u.VerifiedRecoveryPhone,
	}
	if u.VerifiedEmail {
		req.VerifiedEmail = &u.VerifiedEmail
	}
	if u.VerifiedPhone {
		req.VerifiedPhone = &u.VerifiedPhone
	}
	return userOf(call[userEnvelope](ctx, c, "UpdateUser", gen.NewUpdateUserRequest, req))
}

// checkNames refuses a list with an empty name in it.
func checkNames(what string, names []string) error {
	if i := slices.Index(names, ""); i >= 0 {
		return invalid("%s[%d] is empty", what, i)
	}
	return nil
}

// batchFailure is one failure a batch answer lists: its reason, and the user it names (nil when
// it names none).
type batchFailure struct {
	reason string
	user   *User
}

// matchBatch matches a batch answer to its inputs, each named by keys[i] (its login ID): the
// users the answer lists as applied (patched, created) and those it lists as failed, by login ID
// or user ID, first come first served, and says what became of each input. verb says what
// applied means ("patched"). listed counts the entries of the answer that named an input, plus
// the additionalErrors keyed by an input's key. An input the answer does not name is not
// applied: its reason says so, with the reasons of the failures that name no user (they may be
// about it) or its additionalErrors entry.
func matchBatch(keys []string, verb string, applied []User, failed []batchFailure, additional map[string]string) (outcomes []batchOutcome, listed int) {
	byKey := make(map[string][]int, len(keys))
	for i, k := range keys {
		byKey[k] = append(byKey[k], i)
	}
	outcomes = make([]batchOutcome, len(keys))
	settled := make([]bool, len(keys))
	match := func(u *User) (int, bool) {
		if u == nil {
			return 0, false
		}
		take := func(k string) (int, bool) {
			for _, i := range byKey[k] {
				if k != "" && !settled[i] {
					settled[i] = true
					listed++
					return i, true
				}
			}
			return 0, false
		}
		for _, k := range u.LoginIDs {
			if i, ok := take(k); ok {
				return i, true
			}
		}
		return take(u.UserID)
	}
	for j := range applied {
		if i, ok := match(&applied[j]); ok {
			outcomes[i].applied = true
		}
	}
	var anonymous []string
	for _, f := range failed {
		reason := f.reason
		if reason == "" {
			reason = "the server reported a failure without a reason"
		}
		if i, ok := match(f.user); ok {
			outcomes[i].reason = reason
		} else if !slices.Contains(anonymous, reason) {
			anonymous = append(anonymous, reason)
		}
	}
	unlisted := "the server listed this user neither as " + verb + " nor as failed"
	for i, k := range keys {
		if settled[i] {
			continue
		}
		o := &outcomes[i]
		o.unlisted = true
		switch msg, ok := additional[k]; {
		case ok:
			listed++
			o.reason = unlisted + ": additionalErrors: " + msg
		case len(anonymous) > 0:
			o.reason = unlisted + "; it reported failures without naming their user: " + strings.Join(anonymous, "; ")
		default:
			o.reason = unlisted
		}
	}
	return outcomes, listed
}

func checkContext(ctx context.Context) error {
	if ctx == nil {
		return invalid("context is nil")
	}
	return nil
}

func checkCall(ctx context.Context, loginID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if loginID == "" {
		return invalid("loginID is empty")
	}
	return nil
}

// CheckPatch reports, before anything is sent, what the API would refuse in a patch or what
// JSON cannot carry: no loginId (or identifier), two names of one field that differ (see
// NormalizePatch), a status outside the contract's, a tenant without an ID,
// a custom attribute value that is NaN, infinite, a number outside float64's range (such as a
// json.Number "1e400"), or whose lists and objects nest deeper than MaxValueDepth. The error
// wraps ErrInvalidArgument and names the field. Patch, PatchBatch and PatchAll run it on every
// patch; it is exported for tools that check input before a run.
func CheckPatch(p UserPatch) error {
	if err := NormalizePatch(&p); err != nil {
		return err
	}
	if err := checkPatchFields(p); err != nil {
		return invalid("%v", err)
	}
	return nil
}

// checkPatch normalizes *p (NormalizePatch) and checks it as CheckPatch does, naming the patch's
// place in the call (name) and its login ID.
func checkPatch(p *UserPatch, name string) error {
	if err := NormalizePatch(p); err != nil {
		return invalid("%s: %s", name, problemOf(err))
	}
	if err := checkPatchFields(*p); err != nil {
		if p.LoginID == "" {
			return invalid("%s: %v", name, err)
		}
		return invalid("%s (loginId %q): %v", name, p.LoginID, err)
	}
	return nil
}

func checkPatchFields(p UserPatch) error {
	if p.LoginID == "" {
		return errors.New("loginId is empty")
	}
	if p.Status != nil && !p.Status.Valid() {
		return fmt.Errorf("status %q is not one of %s", *p.Status, statusNames)
	}
	if p.UserTenants != nil {
		for i, t := range *p.UserTenants {
			if t.TenantID == "" {
				return fmt.Errorf("userTenants[%d].tenantId is empty", i)
			}
		}
	}
	if p.CustomAttributes != nil {
		for _, k := range slices.Sorted(maps.Keys(*p.CustomAttributes)) {
			if err := checkValue((*p.CustomAttributes)[k]); err != nil {
				return fmt.Errorf("customAttributes[%q]: %v", k, err)
			}
		}
	}
	return nil
}

// NormalizeNullLists gives p, decoded from data, the meaning the contract gives `null` in a
// patch: every list field that data sets to null (roleNames, userTenants, ssoAppIds,
// additionalLoginIds, additionalIdentifiers) becomes an empty list, which clears it, where encoding/json leaves a nil
// pointer that would read as "unchanged". Descope's Go SDK sends such nulls; see the spec's
// PatchUserRequest. The fake server and the command-line tool decode patches with it.
func NormalizeNullLists(p *UserPatch, data []byte) error {
	if !bytes.Contains(data, []byte("null")) {
		return nil
	}
	var raw struct {
		RoleNames             json.RawMessage `json:"roleNames"`
		UserTenants           json.RawMessage `json:"userTenants"`
		SsoAppIDs             json.RawMessage `json:"ssoAppIds"`
		AdditionalLoginIDs    json.RawMessage `json:"additionalLoginIds"`
		AdditionalIdentifiers json.RawMessage `json:"additionalIdentifiers"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	isNull := func(m json.RawMessage) bool { return string(m) == "null" }
	if isNull(raw.RoleNames) {
		p.RoleNames = &[]string{}
	}
	if isNull(raw.UserTenants) {
		p.UserTenants = &[]TenantPatch{}
	}
	if isNull(raw.SsoAppIDs) {
		p.SsoAppIDs = &[]string{}
	}
	if isNull(raw.AdditionalLoginIDs) {
		p.AdditionalLoginIDs = &[]string{}
	}
	if isNull(raw.AdditionalIdentifiers) {
		p.AdditionalIdentifiers = &[]string{}
	}
	return nil
}

// NormalizePatch folds the second names a patch may give three of its fields into the first:
// identifier into loginId, displayName into name, additionalIdentifiers into additionalLoginIds.
// Descope's SDKs send one name or the other (see the spec's PatchUserRequest), and both mean the
// same; given together, the two must be equal, and an error wrapping ErrInvalidArgument names
// both when they are not. Patch, PatchBatch, PatchAll and PlanSync normalize every patch before
// they check and send it, so that what is sent names each field once; the fake server and the
// command-line tool read patches with it.
func NormalizePatch(p *UserPatch) error {
	if p.Identifier != "" {
		if p.LoginID != "" && p.LoginID != p.Identifier {
			return invalid("loginId %q and identifier %q differ: both name the user; send one of them, or the same in both", p.LoginID, p.Identifier)
		}
		p.LoginID, p.Identifier = p.Identifier, ""
	}
	if p.DisplayName != nil {
		if p.Name != nil && *p.Name != *p.DisplayName {
			return invalid("name %q and displayName %q differ: both carry the display name; send one of them, or the same in both", *p.Name, *p.DisplayName)
		}
		p.Name, p.DisplayName = p.DisplayName, nil
	}
	if p.AdditionalIdentifiers != nil {
		if p.AdditionalLoginIDs != nil && !slices.Equal(*p.AdditionalLoginIDs, *p.AdditionalIdentifiers) {
			return invalid("additionalLoginIds %q and additionalIdentifiers %q differ: both carry the user's other login IDs; send one of them, or the same in both", *p.AdditionalLoginIDs, *p.AdditionalIdentifiers)
		}
		p.AdditionalLoginIDs, p.AdditionalIdentifiers = p.AdditionalIdentifiers, nil
	}
	return nil
}

// statusNames lists the statuses a patch may set, for messages.
var statusNames = func() string {
	names := make([]string, 0, 4)
	for _, s := range []UserStatus{UserStatusEnabled, UserStatusDisabled, UserStatusInvited, UserStatusExpired} {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}()

// MaxValueDepth is how deep lists and objects may nest in a custom attribute value that is sent
// (in a patch, an update, UpdateCustomAttribute, or a search's custom attribute filter): [[1]] and
// {"a":{"b":1}} are 2 deep, a string, number, boolean or nil 0. A deeper value is refused before
// anything is sent, with an error wrapping ErrInvalidArgument that names the attribute.
//
// Descope keeps these values as protobuf Values, and protobuf's decoders stop at a fixed
// recursion depth: 100 nested messages in the C++, Java and Python runtimes, 10,000 in Go's. Each
// level of a list or object is two messages (Value to ListValue or Struct to Value), and the
// request around the value adds a few more, so 32 levels (64 messages) stay well below the
// smallest of those limits, whichever runtime reads them. The spec sets the same limit
// (AnyValue's x-max-depth), and the fake server in apitest answers a deeper value 400 E011003, as
// it answers every request that does not match the spec. Values read from the API are not
// limited.
const MaxValueDepth = 32

// checkValue refuses a custom attribute value that JSON cannot carry, that the API cannot read as
// a number (NaN, an infinity, a json.Number outside float64's range), or whose lists and objects
// nest deeper than MaxValueDepth. Lists and objects are checked element by element, and no deeper
// than the limit: a value nested however deep is refused without the check going down further.
func checkValue(v any) error {
	return checkValueWithin(v, MaxValueDepth)
}

// checkValueWithin is checkValue for a value that may hold lists and objects room levels deep.
func checkValueWithin(v any, room int) error {
	switch v := v.(type) {
	case nil, bool, string, int, int64, int32:
		return nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("the number %s does not fit a 64-bit float", v)
		}
		return nil
	case float64:
		return checkFloat(v)
	case float32:
		return checkFloat(float64(v))
	case []any:
		if room == 0 {
			return errTooDeep
		}
		for i, e := range v {
			if err := checkValueWithin(e, room-1); err != nil {
				return atElement(fmt.Sprintf("[%d]", i), err)
			}
		}
		return nil
	case map[string]any:
		if room == 0 {
			return errTooDeep
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if err := checkValueWithin(v[k], room-1); err != nil {
				return atElement(fmt.Sprintf("[%q]", k), err)
			}
		}
		return nil
	case []string:
		if room == 0 && v != nil {
			return errTooDeep
		}
		return nil
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if _, ok := v.(json.Marshaler); !ok {
			return nil
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Marshaler); !ok {
			return checkFloat(rv.Float())
		}
	}
	// Another Go type (a struct, a typed list or map, json.RawMessage, a json.Marshaler): check the
	// JSON value it encodes to.
	plain, err := jsonvalue.Plain(v)
	if err != nil {
		return err
	}
	return checkValueWithin(plain, room)
}

func checkFloat(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%v is not a JSON number", f)
	}
	return nil
}

// errTooDeep is checkValue's error for a value whose lists and objects nest too deep. It is not
// prefixed with the place where the limit was reached: the attribute names the value.
var errTooDeep = fmt.Errorf("lists and objects nest more than %d deep (MaxValueDepth: Descope's protobuf values stop at a fixed depth)", MaxValueDepth)

// atElement prefixes err with the element it is about, unless it is errTooDeep.
func atElement(elem string, err error) error {
	if err == errTooDeep {
		return err
	}
	return fmt.Errorf("%s: %w", elem, err)
}
