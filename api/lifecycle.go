package api

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The types of the user lifecycle: creating, inviting, importing and deleting users. They are
// the generated wire types.
type (
	// UserCreate is a user to create (Create, CreateTestUser, Invite): its login ID and any of
	// the fields a user has, a password or a hashed password, and, for an invitation, how to
	// send it. Fields spelt two ways (name and displayName...) take one value.
	UserCreate = gen.CreateUserRequest
	// BatchUser is one user of CreateBatch, InviteBatch and CreateSeq: the create fields less
	// the invitation's, plus a TOTP seed and a creation time.
	BatchUser = gen.BatchUser
	// PasswordImport is a password hash exported from another system: exactly one of its
	// variants (bcrypt, firebase, pbkdf2, argon2, sha, md5...).
	PasswordImport = gen.PasswordImport
	// PasswordHash is a hash given as text (the bcrypt, django, md5 and buddyauth variants).
	PasswordHash = gen.PasswordImportHash
	// CreateBatchResult is the answer to CreateBatch: the users created and the users that
	// failed, each failure with the server's reason.
	CreateBatchResult = gen.CreateUsersBatchResponse
	// ImportResult is the answer to Import: the users imported (or that would be, on a dry run)
	// and the failures.
	ImportResult = gen.UserImportResponse
)

// InviteOptions say how an invitation is sent (Invite, InviteBatch): by email and/or SMS (nil:
// the project's default), with which link, template and locale.
type InviteOptions struct {
	SendMail, SendSMS *bool
	InviteURL         string
	TemplateID        string
	TemplateOptions   map[string]string
	Locale            string
}

// Create creates a user with the login ID u.LoginID and u's other fields, and returns it (with
// its new user ID). A login ID another user has is refused by the API (400 E011004).
//
// A create is not repeated blindly: it retries only what surely did not reach the API (a 429, a
// connection that could not be opened). After a 5xx or a dropped connection the user may have
// been created: the error says so, and Load tells.
func (c *Client) Create(ctx context.Context, u UserCreate) (*User, error) {
	if err := checkCreate(ctx, &u); err != nil {
		return nil, err
	}
	return c.create(ctx, "CreateUser", gen.NewCreateUserRequest, u)
}

// create sends a user to create and hides its password and hash in an error.
func (c *Client) create(ctx context.Context, op string, build builder[UserCreate], u UserCreate) (*User, error) {
	out, err := userOf(call[userEnvelope](withRetryLimit(ctx, noUncertainRetry), c, op, build, u))
	return out, hideSecrets(err, secretsOf(string(u.Password), u.HashedPassword)...)
}

// CreateTestUser creates a test user, as Create: test users are left out of searches unless
// asked for, can be given OTP codes and links (GenerateOTPForTestUser...), and are all removed
// by DeleteAllTestUsers. A project may have a limited number of them.
func (c *Client) CreateTestUser(ctx context.Context, u UserCreate) (*User, error) {
	if err := checkCreate(ctx, &u); err != nil {
		return nil, err
	}
	u.Test = true
	return c.create(ctx, "CreateTestUser", gen.NewCreateTestUserRequest, u)
}

// Invite creates the user u and sends it an invitation as opts say; a login ID or user ID that
// already exists re-invites that user. As Create, it is not repeated blindly: a retry could send
// the invitation twice.
func (c *Client) Invite(ctx context.Context, u UserCreate, opts InviteOptions) (*User, error) {
	if err := checkCreate(ctx, &u); err != nil {
		return nil, err
	}
	u.Invite = true
	u.SendMail, u.SendSMS, u.InviteURL, u.TemplateID, u.TemplateOptions, u.Locale = opts.SendMail, opts.SendSMS, opts.InviteURL, opts.TemplateID, opts.TemplateOptions, opts.Locale
	return c.create(ctx, "CreateUser", gen.NewCreateUserRequest, u)
}

// checkCreate checks a user to create before anything is sent.
func checkCreate(ctx context.Context, u *UserCreate) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if u.LoginID == "" {
		u.LoginID = u.Identifier
	}
	u.Identifier = ""
	if err := checkNewUser("user", u.LoginID, string(u.Password), u.HashedPassword, u.CustomAttributes); err != nil {
		return err
	}
	if u.Status != nil && !u.Status.Valid() {
		return invalid("user: status %q is not one of %s", *u.Status, statusNames)
	}
	return checkNames("additionalLoginIds", append(slices.Clone(u.AdditionalLoginIDs), u.AdditionalIdentifiers...))
}

// checkNewUser checks what every user to create needs: a login ID, at most one of a password and
// a hashed password (a hash of one variant), and custom attribute values JSON can carry.
func checkNewUser(place, loginID, password string, hashed *PasswordImport, attrs map[string]any) error {
	if loginID == "" {
		return invalid("%s: loginId is empty", place)
	}
	if password != "" && hashed != nil {
		return invalid("%s (loginId %q): both a password and a hashedPassword: give one", place, loginID)
	}
	if hashed != nil {
		if err := CheckPasswordImport(*hashed); err != nil {
			return invalid("%s (loginId %q): hashedPassword: %s", place, loginID, problemOf(err))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := checkValue(attrs[k]); err != nil {
			return invalid("%s (loginId %q): customAttributes[%q]: %v", place, loginID, k, err)
		}
	}
	return nil
}

// CreateBatch creates the users in one call. A 200 answer is not an error even when some users
// failed: they are in the result's FailedUsers, each with the server's reason, and so is every
// user the answer does not mention (see CreateSeq). As Create, it retries only what surely did
// not reach the API. For more users than one call should carry, or to ride out rate limits, use
// CreateSeq.
func (c *Client) CreateBatch(ctx context.Context, users []BatchUser) (*CreateBatchResult, error) {
	return c.createBatch(ctx, users, nil)
}

// InviteBatch is CreateBatch with invitations, sent as opts say.
func (c *Client) InviteBatch(ctx context.Context, users []BatchUser, opts InviteOptions) (*CreateBatchResult, error) {
	return c.createBatch(ctx, users, &opts)
}

func (c *Client) createBatch(ctx context.Context, users []BatchUser, invite *InviteOptions) (*CreateBatchResult, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, invalid("batch is empty")
	}
	users = slices.Clone(users)
	for i := range users {
		if err := checkBatchUser(&users[i], fmt.Sprintf("users[%d]", i)); err != nil {
			return nil, err
		}
	}
	out, _, err := c.sendCreateBatch(ctx, users, invite)
	return out, err
}

// checkBatchUser checks a user of a batch create before anything is sent; place names it.
func checkBatchUser(u *BatchUser, place string) error {
	if u.Status != nil && !u.Status.Valid() {
		return invalid("%s (loginId %q): status %q is not one of %s", place, u.LoginID, *u.Status, statusNames)
	}
	if err := checkNewUser(place, u.LoginID, string(u.Password), u.HashedPassword, u.CustomAttributes); err != nil {
		return err
	}
	return checkNames(place+".additionalLoginIds", append(slices.Clone(u.AdditionalLoginIDs), u.AdditionalIdentifiers...))
}

// sendCreateBatch sends users already checked and accounts for every one of them, as patchBatch
// does for patches.
func (c *Client) sendCreateBatch(ctx context.Context, users []BatchUser, invite *InviteOptions) (*CreateBatchResult, []batchOutcome, error) {
	req := gen.CreateUsersBatchRequest{Users: users}
	if invite != nil {
		req.Invite = true
		req.SendMail, req.SendSMS, req.InviteURL, req.TemplateID, req.TemplateOptions, req.Locale = invite.SendMail, invite.SendSMS, invite.InviteURL, invite.TemplateID, invite.TemplateOptions, invite.Locale
	}
	var secrets []string
	for i := range users {
		secrets = append(secrets, secretsOf(string(users[i].Password), users[i].HashedPassword)...)
		secrets = append(secrets, string(users[i].Seed))
	}
	out, err := call[CreateBatchResult](withRetryLimit(ctx, noUncertainRetry), c, "CreateUsers", gen.NewCreateUsersRequest, req)
	if err != nil {
		return nil, nil, hideSecrets(err, secrets...)
	}
	keys := make([]string, len(users))
	for i := range users {
		keys[i] = users[i].LoginID
	}
	failed := make([]batchFailure, len(out.FailedUsers))
	for i := range out.FailedUsers {
		out.FailedUsers[i].Failure = hideText(c.redact.show(out.FailedUsers[i].Failure), secrets)
		failed[i] = batchFailure{out.FailedUsers[i].Failure, out.FailedUsers[i].User}
	}
	for k, msg := range out.AdditionalErrors {
		out.AdditionalErrors[k] = hideText(c.redact.show(msg), secrets)
	}
	outcomes, listed := matchBatch(keys, "created", out.CreatedUsers, failed, out.AdditionalErrors)
	if listed == 0 && len(users) > 0 {
		return nil, nil, fmt.Errorf("%w: the batch answer lists none of the %d users, neither as created nor as failed", ErrMalformedResponse, len(users))
	}
	for i, o := range outcomes {
		if o.unlisted {
			out.FailedUsers = append(out.FailedUsers, gen.CreateUsersBatchFailure{Failure: o.reason, User: &User{LoginIDs: []string{keys[i]}}})
		}
	}
	return out, outcomes, nil
}

// createBatches is CreateUsers as a batch operation of the bulk engine.
func createBatches(invite *InviteOptions) batchOp[BatchUser] {
	return batchOp[BatchUser]{
		inputs: "users",
		check:  checkBatchUser,
		key:    func(u *BatchUser) string { return u.LoginID },
		send: func(ctx context.Context, c *Client, users []BatchUser) ([]batchOutcome, map[string]string, error) {
			out, outcomes, err := c.sendCreateBatch(ctx, users, invite)
			if err != nil {
				return nil, nil, err
			}
			return outcomes, out.AdditionalErrors, nil
		},
		uncertain: "the batch may have reached the API, so its users may have been created: load them before sending them again",
	}
}

// importBatches is CreateUsers as ImportSeq sends it: a user the batch does not create is
// looked up by login ID, and one that exists is Existing rather than Failed. A batch that fails
// after it may have reached the API (a 5xx, a dropped connection) is settled the same way, user
// by user: those that exist are Existing, the others Failed with a reason that says no user has
// their login ID, so they are safe to send again.
var importBatches = batchOp[BatchUser]{
	inputs: "users",
	check:  checkBatchUser,
	key:    func(u *BatchUser) string { return u.LoginID },
	send: func(ctx context.Context, c *Client, users []BatchUser) ([]batchOutcome, map[string]string, error) {
		out, outcomes, err := c.sendCreateBatch(ctx, users, nil)
		if err != nil {
			if !mayHaveApplied(err) || ctx.Err() != nil {
				return nil, nil, err
			}
			outcomes = make([]batchOutcome, len(users))
			for i := range outcomes {
				outcomes[i].reason = "batch failed: " + err.Error() + "; no user has this login ID, so it was not created: safe to send again"
			}
		}
		var ask []string
		for i, o := range outcomes {
			if !o.applied {
				ask = append(ask, users[i].LoginID)
			}
		}
		if len(ask) == 0 {
			return outcomes, out.AdditionalErrors, nil
		}
		found, lookErr := c.existingLoginIDs(ctx, ask)
		if lookErr != nil {
			if err != nil {
				return nil, nil, err // the batch's own error, which the engine says may have created them
			}
			for i := range outcomes {
				if !outcomes[i].applied {
					outcomes[i].reason += " (and whether a user has its login ID could not be checked: " + lookErr.Error() + ")"
				}
			}
		}
		for i := range outcomes {
			if !outcomes[i].applied && found[strings.ToLower(users[i].LoginID)] {
				outcomes[i] = batchOutcome{existing: true}
			}
		}
		var additional map[string]string
		if out != nil {
			additional = out.AdditionalErrors
		}
		return outcomes, additional, nil
	},
}

// existingLoginIDs returns which of ids (lower-cased) a user has as a login ID, test users
// included, with one search. It is a read: a 429 or a failed attempt is retried as any search
// is, also inside a bulk run, whose own batches are not.
func (c *Client) existingLoginIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	ctx = context.WithValue(ctx, noRateLimitRetry, false)
	users, _, err := c.Search(ctx, SearchOptions{LoginIDs: ids, Limit: int32(len(ids)), WithTestUser: true})
	if err != nil {
		return nil, err
	}
	found := make(map[string]bool, len(users))
	for _, u := range users {
		for _, id := range u.LoginIDs {
			found[strings.ToLower(id)] = true
		}
	}
	return found, nil
}

// ImportSeq is CreateSeq that never creates a user twice, for imports that may be sent again: a
// user whose login ID a user has already (test users included) is Existing, not Failed, whether
// it existed before the run, was created by a run that was killed before it knew, or by a batch
// of this run whose answer was lost. To tell, the users of a batch that the API did not create
// are looked up by login ID, with one search (SearchUsers, whose limit is not create's) for the
// batch; a batch that created every user costs nothing more. A batch that failed after it may
// have reached the API (a 5xx, a dropped connection) is settled by that search too: its users
// that exist are Existing, the others Failed as safe to send again. Should the search fail, they
// are Failed as CreateSeq's would be.
//
// An existing user is left as it is, even if it differs from its input: bring it to the input's
// values with PlanSync (descope-users import --update-existing does). Login IDs are compared
// without regard to case.
func (c *Client) ImportSeq(ctx context.Context, users iter.Seq[BatchUser], opts ...RunOption) (*BulkResult[BatchUser], error) {
	return runBulk(ctx, c, importBatches, users, opts)
}

// ImportAll is ImportSeq for a slice of users.
func (c *Client) ImportAll(ctx context.Context, users []BatchUser, opts ...RunOption) (*BulkResult[BatchUser], error) {
	return c.ImportSeq(ctx, slices.Values(users), append([]RunOption{WithTotal(len(users))}, opts...)...)
}

// CreateSeq creates any number of users from an iterator (a file read line by line, say), in
// batches of CreateBatch, on the same engine and with the same options and accounting as
// PatchSeq: every user appears exactly once in the result, applied (created), failed with a
// reason, or not attempted. Descope limits create/batch to LimitUserCreate: pace with
// WithPace(PaceUnder(LimitUserCreate)).
//
// A batch that may have reached the API before it failed (a 5xx, a dropped connection) is not
// sent again: its users are Failed with a reason that says they may have been created. Sending
// them again later is safe to do only knowing that the API refuses a login ID that exists (400
// E011004 for that user): such a failure may mean "created by the earlier attempt".
func (c *Client) CreateSeq(ctx context.Context, users iter.Seq[BatchUser], opts ...RunOption) (*BulkResult[BatchUser], error) {
	return runBulk(ctx, c, createBatches(nil), users, opts)
}

// CreateAll is CreateSeq for a slice of users.
func (c *Client) CreateAll(ctx context.Context, users []BatchUser, opts ...RunOption) (*BulkResult[BatchUser], error) {
	return c.CreateSeq(ctx, slices.Values(users), append([]RunOption{WithTotal(len(users))}, opts...)...)
}

// Delete deletes the user with the login ID (or user ID) loginID. It cannot be undone. A user
// that does not exist is *Error 404 E112102 (IsUserNotFound).
//
// Delete retries only what surely did not reach the API (a 429, a connection that could not be
// opened): a retry of a delete the server applied would be answered 404, which would read as a
// user that never existed. After a 5xx or a dropped connection the error says the user may have
// been deleted, and Load tells.
func (c *Client) Delete(ctx context.Context, loginID string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	_, err := call[struct{}](withRetryLimit(ctx, noUncertainRetry), c, "DeleteUser", gen.NewDeleteUserRequest, gen.DeleteUserRequest{LoginID: loginID})
	return err
}

// DeleteByUserID deletes the user with the user ID userID, as Delete.
func (c *Client) DeleteByUserID(ctx context.Context, userID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if userID == "" {
		return invalid("userID is empty")
	}
	_, err := call[struct{}](withRetryLimit(ctx, noUncertainRetry), c, "DeleteUser", gen.NewDeleteUserRequest, gen.DeleteUserRequest{UserID: userID})
	return err
}

// DeleteBatch deletes the users with those user IDs (user IDs only) in one call. The API says
// nothing per user: user IDs nobody has are skipped. A retry is safe: it deletes what is left.
func (c *Client) DeleteBatch(ctx context.Context, userIDs []string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if len(userIDs) == 0 {
		return invalid("batch is empty")
	}
	if err := checkNames("userIDs", userIDs); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "DeleteUsers", gen.NewDeleteUsersRequest, gen.DeleteUsersRequest{UserIDs: userIDs})
	return err
}

// deleteBatches is DeleteUsers as a batch operation of the bulk engine: its inputs are user IDs,
// and a batch the API answers 200 deleted all of them (it says nothing per user).
var deleteBatches = batchOp[string]{
	inputs: "userIDs",
	check: func(id *string, place string) error {
		if *id == "" {
			return invalid("%s is empty", place)
		}
		return nil
	},
	key: func(id *string) string { return *id },
	send: func(ctx context.Context, c *Client, ids []string) ([]batchOutcome, map[string]string, error) {
		if _, err := call[struct{}](ctx, c, "DeleteUsers", gen.NewDeleteUsersRequest, gen.DeleteUsersRequest{UserIDs: ids}); err != nil {
			return nil, nil, err
		}
		outcomes := make([]batchOutcome, len(ids))
		for i := range outcomes {
			outcomes[i].applied = true
		}
		return outcomes, nil, nil
	},
}

// DeleteSeq deletes any number of users by user ID, in batches of DeleteBatch, on the same engine
// and with the same options and accounting as PatchSeq. Descope limits delete/batch to
// LimitDefault: pace with WithPace(PaceUnder(LimitDefault)).
//
// Applied means the batch holding the user ID was accepted: the API says nothing per user, so a
// user ID nobody has counts as applied too (either way no user has it afterwards).
func (c *Client) DeleteSeq(ctx context.Context, userIDs iter.Seq[string], opts ...RunOption) (*BulkResult[string], error) {
	return runBulk(ctx, c, deleteBatches, userIDs, opts)
}

// DeleteAll is DeleteSeq for a slice of user IDs.
func (c *Client) DeleteAll(ctx context.Context, userIDs []string, opts ...RunOption) (*BulkResult[string], error) {
	return c.DeleteSeq(ctx, slices.Values(userIDs), append([]RunOption{WithTotal(len(userIDs))}, opts...)...)
}

// DeleteAllTestUsers deletes every test user of the project, and no other user.
func (c *Client) DeleteAllTestUsers(ctx context.Context) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "DeleteAllTestUsers", noBody(gen.NewDeleteAllTestUsersRequest), struct{}{})
	return err
}

// LogoutUser ends the sessions of the user with the login ID loginID: all of them, or only those
// of the sessionTypes given.
func (c *Client) LogoutUser(ctx context.Context, loginID string, sessionTypes ...string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "LogoutAllUserDevices", gen.NewLogoutAllUserDevicesRequest, gen.UserLogoutRequest{LoginID: loginID, SessionTypes: sessionTypes})
	return err
}

// LogoutUserByUserID is LogoutUser for the user with the user ID userID.
func (c *Client) LogoutUserByUserID(ctx context.Context, userID string, sessionTypes ...string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if userID == "" {
		return invalid("userID is empty")
	}
	_, err := call[struct{}](ctx, c, "LogoutAllUserDevices", gen.NewLogoutAllUserDevicesRequest, gen.UserLogoutRequest{UserID: userID, SessionTypes: sessionTypes})
	return err
}

// Import creates the users of an export of source ("descope": JSON Lines of BatchUser, hashes
// JSON Lines of {loginId, hashedPassword}; "firebase": the JSON of firebase auth:export, hashes
// the project's hash configuration): Descope's Go SDK's loosely specified import, with the
// formats the spec defines (see its ImportUsers). dryRun checks without creating. As Create, it
// retries only what surely did not reach the API.
func (c *Client) Import(ctx context.Context, source string, users, hashes []byte, dryRun bool) (*ImportResult, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if source == "" {
		return nil, invalid("source is empty")
	}
	if len(users) == 0 {
		return nil, invalid("users is empty")
	}
	return call[ImportResult](withRetryLimit(ctx, noUncertainRetry), c, "ImportUsers", gen.NewImportUsersRequest,
		gen.ImportUsersRequest{Source: source, Users: users, Hashes: hashes, Dryrun: dryRun})
}
