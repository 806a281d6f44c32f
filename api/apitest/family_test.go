package apitest_test

// Behaviour of the fake for the user operations beyond the first six: status, login ID, email,
// recovery contacts, roles, tenants, SSO apps, load, batch load, search, test-user search and the
// full update (shared/reference/descope-user-family.md; spec/openapi.yaml).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// result is the part of a single-user answer the tests look at, whatever the operation.
type result struct {
	Status int
	Body   []byte
	User   *gen.UserResponse // the 200 body
	Err    *gen.Error        // the 400 or 404 body
}

func errOf(es ...*gen.Error) *gen.Error {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

// ops calls the fake's operations through the generated client; a transport error fails the test.
type ops struct {
	t   *testing.T
	s   *apitest.Server
	c   *gen.ClientWithResponses
	ctx context.Context
}

func newOps(t *testing.T, s *apitest.Server) ops {
	return ops{t: t, s: s, c: client(t, s), ctx: context.Background()}
}

func (o ops) check(what string, err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatalf("%s: %v", what, err)
	}
}

// ok returns the user of a 200 answer, failing the test otherwise, and checks that the answer is
// the user as stored.
func (o ops) ok(what string, r result) gen.User {
	o.t.Helper()
	if r.Status != http.StatusOK || r.User == nil {
		o.t.Fatalf("%s: status %d, want 200: %s", what, r.Status, r.Body)
	}
	if stored := mustUser(o.t, o.s, r.User.User.UserID); !reflect.DeepEqual(stored, r.User.User) {
		o.t.Errorf("%s: the answer is not the stored user:\nanswer %+v\nstored %+v", what, r.User.User, stored)
	}
	return r.User.User
}

// refused checks a non-2xx answer's status and errorCode.
func (o ops) refused(what string, r result, status int, code string) {
	o.t.Helper()
	wantError(o.t, what, r.Status, r.Err, status, code)
}

func (o ops) status(loginID, status string) result {
	o.t.Helper()
	r, err := o.c.UpdateUserStatusWithResponse(o.ctx, gen.UpdateUserStatusRequest{LoginID: loginID, Status: gen.UpdateUserStatusRequestStatus(status)})
	o.check("status", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

func (o ops) loginID(loginID string, newID *string) result {
	o.t.Helper()
	r, err := o.c.UpdateUserLoginIDWithResponse(o.ctx, gen.UpdateUserLoginIDRequest{LoginID: loginID, NewLoginID: newID})
	o.check("loginid", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

func (o ops) email(req gen.UpdateUserEmailRequest) result {
	o.t.Helper()
	r, err := o.c.UpdateUserEmailWithResponse(o.ctx, req)
	o.check("email", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

func (o ops) recoveryEmail(loginID, email string, verified bool) result {
	o.t.Helper()
	r, err := o.c.UpdateUserRecoveryEmailWithResponse(o.ctx, gen.UpdateUserRecoveryEmailRequest{LoginID: loginID, RecoveryEmail: email, Verified: verified})
	o.check("recovery email", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

func (o ops) recoveryPhone(loginID, phone string, verified bool) result {
	o.t.Helper()
	r, err := o.c.UpdateUserRecoveryPhoneWithResponse(o.ctx, gen.UpdateUserRecoveryPhoneRequest{LoginID: loginID, RecoveryPhone: phone, Verified: verified})
	o.check("recovery phone", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

// roles calls role/set, role/add or role/remove (op "set", "add", "remove").
func (o ops) roles(op, loginID, tenantID string, names []string) result {
	o.t.Helper()
	req := gen.UpdateUserRolesRequest{LoginID: loginID, TenantID: tenantID, RoleNames: names}
	switch op {
	case "set":
		r, err := o.c.UpdateUserSetRolesWithResponse(o.ctx, req)
		o.check("role/set", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	case "add":
		r, err := o.c.UpdateUserAddRolesWithResponse(o.ctx, req)
		o.check("role/add", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	case "remove":
		r, err := o.c.UpdateUserRemoveRolesWithResponse(o.ctx, req)
		o.check("role/remove", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	}
	o.t.Fatalf("no role operation %q", op)
	return result{}
}

// tenant calls tenant/add or tenant/remove (op "add", "remove").
func (o ops) tenant(op, loginID, tenantID string) result {
	o.t.Helper()
	req := gen.UpdateUserTenantRequest{LoginID: loginID, TenantID: tenantID}
	if op == "add" {
		r, err := o.c.UpdateUserAddTenantWithResponse(o.ctx, req)
		o.check("tenant/add", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	}
	r, err := o.c.UpdateUserRemoveTenantWithResponse(o.ctx, req)
	o.check("tenant/remove", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

// apps calls ssoapp/set, ssoapp/add or ssoapp/remove (op "set", "add", "remove").
func (o ops) apps(op, loginID string, ids []string) result {
	o.t.Helper()
	req := gen.UpdateUserSSOAppsRequest{LoginID: loginID, SsoAppIDs: ids}
	switch op {
	case "set":
		r, err := o.c.UpdateUserSetSSOAppsWithResponse(o.ctx, req)
		o.check("ssoapp/set", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	case "add":
		r, err := o.c.UpdateUserAddSSOAppsWithResponse(o.ctx, req)
		o.check("ssoapp/add", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	case "remove":
		r, err := o.c.UpdateUserRemoveSSOAppsWithResponse(o.ctx, req)
		o.check("ssoapp/remove", err)
		return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
	}
	o.t.Fatalf("no SSO app operation %q", op)
	return result{}
}

func (o ops) load(params gen.LoadUserParams) result {
	o.t.Helper()
	r, err := o.c.LoadUserWithResponse(o.ctx, &params)
	o.check("load", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

func (o ops) update(req gen.UpdateUserRequest) result {
	o.t.Helper()
	r, err := o.c.UpdateUserWithResponse(o.ctx, req)
	o.check("update", err)
	return result{r.StatusCode(), r.Body, r.JSON200, errOf(r.JSON400, r.JSON404)}
}

// found fails the test unless LoadUser with that login ID finds the user with that user ID.
func (o ops) found(loginID, userID string) {
	o.t.Helper()
	if u := o.ok("load "+loginID, o.load(gen.LoadUserParams{LoginID: loginID})); u.UserID != userID {
		o.t.Errorf("load %s: user %q, want %q", loginID, u.UserID, userID)
	}
}

// notFound fails the test unless LoadUser with that login ID answers 404 E112102.
func (o ops) notFound(loginID string) {
	o.t.Helper()
	o.refused("load "+loginID, o.load(gen.LoadUserParams{LoginID: loginID}), http.StatusNotFound, apitest.CodeUserNotFound)
}

// search runs SearchUsers (or SearchTestUsers with test) and returns the user IDs of the page, in
// order, and the total; any answer but 200 fails the test.
func (o ops) search(req gen.SearchUsersRequest) ([]string, int) {
	o.t.Helper()
	r, err := o.c.SearchUsersWithResponse(o.ctx, req)
	o.check("search", err)
	if r.JSON200 == nil {
		o.t.Fatalf("search %+v: status %d: %s", req, r.StatusCode(), r.Body)
	}
	return userIDs(r.JSON200.Users), int(r.JSON200.Total)
}

func (o ops) searchTest(req gen.SearchUsersRequest) ([]string, int) {
	o.t.Helper()
	r, err := o.c.SearchTestUsersWithResponse(o.ctx, req)
	o.check("search/test", err)
	if r.JSON200 == nil {
		o.t.Fatalf("search/test %+v: status %d: %s", req, r.StatusCode(), r.Body)
	}
	return userIDs(r.JSON200.Users), int(r.JSON200.Total)
}

// wantSearch fails the test unless the search finds exactly want, in that order, with total
// len(want).
func (o ops) wantSearch(what string, req gen.SearchUsersRequest, want ...string) {
	o.t.Helper()
	got, total := o.search(req)
	if !slices.Equal(got, want) || total != len(want) {
		o.t.Errorf("%s: users %v total %d, want %v total %d", what, got, total, want, len(want))
	}
}

func userIDs(us []gen.User) []string {
	ids := []string{}
	for _, u := range us {
		ids = append(ids, u.UserID)
	}
	return ids
}

// unchanged fails the test unless the stored user is still before.
func unchanged(t *testing.T, s *apitest.Server, what string, before gen.User) {
	t.Helper()
	if after := mustUser(t, s, before.UserID); !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the user:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// sameButModified fails the test unless the stored user is still before, but for modifiedTime.
func sameButModified(t *testing.T, s *apitest.Server, what string, before gen.User) {
	t.Helper()
	after := mustUser(t, s, before.UserID)
	after.ModifiedTime = before.ModifiedTime
	if !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the user:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// carol has an email that is not one of her login IDs; dave a login ID that is an email, and no
// email.
func carol() gen.User {
	return gen.User{UserID: "U2carol", LoginIDs: []string{"carol"}, Email: "carol.mail@example.com", Name: "Carol"}
}

func dave() gen.User {
	return gen.User{UserID: "U2dave", LoginIDs: []string{"dave@example.com"}, Name: "Dave"}
}

func TestUpdateUserStatus(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)

	// Disable (what Deactivate sends), by a login ID.
	if u := o.ok("disable", o.status("jane", "disabled")); u.Status != "disabled" {
		t.Errorf("answer: status %q after disable", u.Status)
	}
	if u := mustUser(t, s, "jane@example.com"); u.Status != "disabled" {
		t.Errorf("stored: status %q after disable", u.Status)
	}
	if u := mustUser(t, s, "bob@example.com"); u.Status != "enabled" {
		t.Errorf("another user's status changed to %q", u.Status)
	}
	// Enable (what Activate sends), by the user ID.
	o.ok("enable", o.status("U2jane", "enabled"))
	if u := mustUser(t, s, "jane"); u.Status != "enabled" {
		t.Errorf("stored: status %q after enable", u.Status)
	}
	// invited is the third value of the reference.
	o.ok("invite", o.status("jane", "invited"))
	if u := mustUser(t, s, "jane"); u.Status != "invited" {
		t.Errorf("stored: status %q after invited", u.Status)
	}
	updated := s.Stats().UpdatedUsers

	// A status outside the enum, expired included (a status update may not set it), is refused by
	// the spec's validation and changes nothing.
	before := mustUser(t, s, "jane")
	for _, body := range []string{
		`{"loginId":"jane","status":"expired"}`,
		`{"loginId":"jane","status":"deleted"}`,
		`{"loginId":"jane","status":"Enabled"}`,
		`{"loginId":"jane","status":""}`,
		`{"loginId":"jane","status":null}`,
		`{"loginId":"jane"}`,
	} {
		r := raw(t, s, "POST", "/v1/mgmt/user/update/status", bearer(s), body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
		if !strings.Contains(r.Error.ErrorMessage, "status") {
			t.Errorf("%s: message does not name status: %q", body, r.Error.ErrorMessage)
		}
	}
	unchanged(t, s, "a refused status", before)

	// An unknown user is 404 E112102, and no user appears.
	o.refused("unknown user", o.status("ghost@example.com", "disabled"), http.StatusNotFound, apitest.CodeUserNotFound)
	if n := len(s.Users()); n != 2 {
		t.Errorf("%d users after a status update of an unknown user, want 2", n)
	}
	if got := s.Stats().UpdatedUsers; got != updated {
		t.Errorf("UpdatedUsers went from %d to %d on refused updates", updated, got)
	}
}

func TestUpdateUserLoginID(t *testing.T) {
	multi := gen.User{UserID: "U2multi", LoginIDs: []string{"m1", "m2", "m3", "m4"}}
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob(), multi))
	o := newOps(t, s)

	// Another user's login ID or user ID cannot be taken: 400 E011004, nothing changes.
	before, bobBefore := mustUser(t, s, "jane"), mustUser(t, s, "U2bob")
	for _, taken := range []string{"bob@example.com", "U2bob"} {
		r := o.loginID("jane", ptr(taken))
		o.refused("take "+taken, r, http.StatusBadRequest, apitest.CodeInvalidArguments)
		if !strings.Contains(r.Err.ErrorMessage, taken) {
			t.Errorf("take %s: message does not name it: %q", taken, r.Err.ErrorMessage)
		}
	}
	unchanged(t, s, "taking bob's IDs", before)
	unchanged(t, s, "taking bob's IDs", bobBefore)

	// Replace one: the named login ID changes in place, the other stays.
	if u := o.ok("replace", o.loginID("jane", ptr("jd"))); !slices.Equal(u.LoginIDs, []string{"jane@example.com", "jd"}) {
		t.Errorf("after replace: login IDs %v", u.LoginIDs)
	}
	o.notFound("jane")
	o.found("jd", "U2jane")
	o.found("jane@example.com", "U2jane")
	if _, ok := s.User("jane"); ok {
		t.Error(`the replaced login ID "jane" still finds a user`)
	}
	// The released login ID is free for another user.
	if u := o.ok("bob takes the released ID", o.loginID("bob@example.com", ptr("jane"))); !slices.Equal(u.LoginIDs, []string{"jane"}) {
		t.Errorf("bob's login IDs %v", u.LoginIDs)
	}
	o.found("jane", "U2bob")
	o.notFound("bob@example.com")

	// Named by its user ID, the user's first login ID changes.
	if u := o.ok("by user ID", o.loginID("U2jane", ptr("jane.doe@example.com"))); !slices.Equal(u.LoginIDs, []string{"jane.doe@example.com", "jd"}) {
		t.Errorf("after a change by user ID: login IDs %v", u.LoginIDs)
	}
	o.notFound("jane@example.com")
	o.found("jane.doe@example.com", "U2jane")

	// Remove one of several: "" (Go), absent (Node) and null (Python) all remove.
	if u := o.ok(`remove with ""`, o.loginID("m2", ptr(""))); !slices.Equal(u.LoginIDs, []string{"m1", "m3", "m4"}) {
		t.Errorf(`after removing m2: %v`, u.LoginIDs)
	}
	if u := o.ok("remove with newLoginId absent", o.loginID("m3", nil)); !slices.Equal(u.LoginIDs, []string{"m1", "m4"}) {
		t.Errorf(`after removing m3: %v`, u.LoginIDs)
	}
	if r := raw(t, s, "POST", "/v1/mgmt/user/update/loginid", bearer(s), `{"loginId":"m4","newLoginId":null}`); r.Status != http.StatusOK {
		t.Fatalf("remove with newLoginId null: %d %s", r.Status, r.Body)
	}
	if u := mustUser(t, s, "U2multi"); !slices.Equal(u.LoginIDs, []string{"m1"}) {
		t.Errorf("after removing m4: %v", u.LoginIDs)
	}
	for _, id := range []string{"m2", "m3", "m4"} {
		o.notFound(id)
	}
	o.ok("remove jd", o.loginID("jd", ptr("")))
	o.notFound("jd")

	// The last login ID cannot be removed, whether named by it or by the user ID, and whether
	// newLoginId is "" or absent; nothing changes.
	before = mustUser(t, s, "U2multi")
	for _, tc := range []struct {
		name  string
		id    string
		newID *string
	}{{"by login ID", "m1", ptr("")}, {"absent", "m1", nil}, {"by user ID", "U2multi", ptr("")}} {
		r := o.loginID(tc.id, tc.newID)
		o.refused("remove the last login ID "+tc.name, r, http.StatusBadRequest, apitest.CodeInvalidArguments)
		if !strings.Contains(r.Err.ErrorMessage, "m1") {
			t.Errorf("%s: message does not name the login ID: %q", tc.name, r.Err.ErrorMessage)
		}
	}
	unchanged(t, s, "removing the last login ID", before)
	o.found("m1", "U2multi")

	// An unknown user is 404.
	o.refused("unknown user", o.loginID("ghost", ptr("g2")), http.StatusNotFound, apitest.CodeUserNotFound)
	if _, ok := s.User("g2"); ok {
		t.Error("a login ID change of an unknown user created one")
	}
}

func TestUpdateUserEmail(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob(), carol(), dave()))
	o := newOps(t, s)

	// Set, verified. The email is not a login ID: the login IDs do not change.
	u := o.ok("set verified", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("jane.doe@example.com"), Verified: ptr(true), FailOnConflict: ptr(true)}))
	if u.Email != "jane.doe@example.com" || !u.VerifiedEmail {
		t.Errorf("after set verified: email %q verified %v", u.Email, u.VerifiedEmail)
	}
	if !slices.Equal(u.LoginIDs, jane().LoginIDs) {
		t.Errorf("an email change changed the login IDs: %v", u.LoginIDs)
	}
	o.notFound("jane.doe@example.com")
	// Without verified, the new email is unverified.
	if u := o.ok("set unverified", o.email(gen.UpdateUserEmailRequest{LoginID: "U2jane", Email: ptr("jane.doe@example.com")})); u.VerifiedEmail {
		t.Error("an email set without verified is verified")
	}

	// failOnConflict: another user's email, or login ID, is refused; nothing changes.
	before := mustUser(t, s, "jane")
	for _, taken := range []string{
		"carol.mail@example.com", // carol's email, not a login ID
		"dave@example.com",       // dave's login ID, not an email
		"bob@example.com",        // both
	} {
		r := o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr(taken), Verified: ptr(true), FailOnConflict: ptr(true)})
		o.refused("failOnConflict with "+taken, r, http.StatusBadRequest, apitest.CodeInvalidArguments)
		if !strings.Contains(r.Err.ErrorMessage, taken) {
			t.Errorf("conflict with %s: message does not name it: %q", taken, r.Err.ErrorMessage)
		}
	}
	unchanged(t, s, "a refused email", before)
	// The user's own login ID is no conflict.
	if u := o.ok("own login ID", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("jane@example.com"), FailOnConflict: ptr(true)})); u.Email != "jane@example.com" {
		t.Errorf("own login ID as email: %q", u.Email)
	}

	// Without failOnConflict (absent or false), another user's email is accepted.
	if u := o.ok("shared, failOnConflict absent", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("carol.mail@example.com"), Verified: ptr(true)})); u.Email != "carol.mail@example.com" || !u.VerifiedEmail {
		t.Errorf("shared email: %q verified %v", u.Email, u.VerifiedEmail)
	}
	if u := o.ok("shared, failOnConflict false", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("dave@example.com"), FailOnConflict: ptr(false)})); u.Email != "dave@example.com" {
		t.Errorf("another user's login ID as email: %q", u.Email)
	}
	if u := mustUser(t, s, "carol"); u.Email != "carol.mail@example.com" {
		t.Errorf("carol's email changed to %q", u.Email)
	}
	// jane.doe@example.com, which jane left, is free again.
	o.ok("released email", o.email(gen.UpdateUserEmailRequest{LoginID: "bob@example.com", Email: ptr("jane.doe@example.com"), FailOnConflict: ptr(true)}))

	// "" removes the email and clears verified, even when verified is sent.
	o.ok("verified again", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("jane.x@example.com"), Verified: ptr(true)}))
	if u := o.ok("remove", o.email(gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr(""), Verified: ptr(true), FailOnConflict: ptr(true)})); u.Email != "" || u.VerifiedEmail {
		t.Errorf(`after "": email %q verified %v`, u.Email, u.VerifiedEmail)
	}
	// An absent email removes it too (Python sends null, which means the same).
	if u := o.ok("absent email", o.email(gen.UpdateUserEmailRequest{LoginID: "carol"})); u.Email != "" {
		t.Errorf("absent email: %q", u.Email)
	}
	if r := raw(t, s, "POST", "/v1/mgmt/user/update/email", bearer(s), `{"loginId":"bob@example.com","email":null,"verified":null,"failOnConflict":null}`); r.Status != http.StatusOK {
		t.Fatalf("nulls: %d %s", r.Status, r.Body)
	}
	if u := mustUser(t, s, "U2bob"); u.Email != "" || u.VerifiedEmail {
		t.Errorf("email null: %q verified %v", u.Email, u.VerifiedEmail)
	}

	o.refused("unknown user", o.email(gen.UpdateUserEmailRequest{LoginID: "ghost", Email: ptr("g@example.com")}), http.StatusNotFound, apitest.CodeUserNotFound)
}

func TestUpdateUserRecoveryContacts(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	const recEmail, recPhone = "jane.recovery@example.org", "+15555550177"
	recovery := func(id string) apitest.Recovery {
		t.Helper()
		rec, ok := s.Recovery(id)
		if !ok {
			t.Fatalf("no recovery contacts for %q", id)
		}
		return rec
	}

	// sameButRecovery fails the test unless the stored user is still before, but for its recovery
	// contacts and modifiedTime.
	sameButRecovery := func(what string, before gen.User) {
		t.Helper()
		after := mustUser(t, s, before.UserID)
		after.RecoveryEmail, after.VerifiedRecoveryEmail = before.RecoveryEmail, before.VerifiedRecoveryEmail
		after.RecoveryPhone, after.VerifiedRecoveryPhone = before.RecoveryPhone, before.VerifiedRecoveryPhone
		after.ModifiedTime = before.ModifiedTime
		if !reflect.DeepEqual(before, after) {
			t.Errorf("%s changed the user beyond its recovery contacts:\nbefore %+v\nafter  %+v", what, before, after)
		}
	}

	// Set the recovery email, verified: a field of the user, shown in the answer (spec 1.2.0), and
	// the user's own email is untouched.
	before := mustUser(t, s, "jane")
	r := o.recoveryEmail("jane", recEmail, true)
	u := o.ok("recovery email", r)
	if u.RecoveryEmail != recEmail || !u.VerifiedRecoveryEmail || !strings.Contains(string(r.Body), `"recoveryEmail":"`+recEmail+`"`) {
		t.Errorf("the answer does not show the recovery email: %s", r.Body)
	}
	if u.Email != before.Email || !u.VerifiedEmail {
		t.Errorf("the recovery email changed the email: %q %v", u.Email, u.VerifiedEmail)
	}
	sameButRecovery("a recovery email", before)
	if got, want := recovery("jane"), (apitest.Recovery{Email: recEmail, EmailVerified: true}); got != want {
		t.Errorf("recovery = %+v, want %+v", got, want)
	}
	if got := recovery("U2jane"); got.Email != recEmail {
		t.Errorf("by user ID, recovery = %+v", got)
	}
	if got := recovery("bob@example.com"); got != (apitest.Recovery{}) {
		t.Errorf("bob's recovery contacts changed: %+v", got)
	}

	// The recovery phone, unverified, by user ID; the email stays.
	r = o.recoveryPhone("U2jane", recPhone, false)
	u = o.ok("recovery phone", r)
	if u.RecoveryPhone != recPhone || u.VerifiedRecoveryPhone || u.RecoveryEmail != recEmail {
		t.Errorf("the answer does not show the recovery phone, or lost the email: %s", r.Body)
	}
	if u.Phone != before.Phone {
		t.Errorf("the recovery phone changed the phone to %q", u.Phone)
	}
	if got, want := recovery("jane"), (apitest.Recovery{Email: recEmail, EmailVerified: true, Phone: recPhone}); got != want {
		t.Errorf("recovery = %+v, want %+v", got, want)
	}
	o.ok("recovery phone verified", o.recoveryPhone("jane@example.com", recPhone, true))
	if got := recovery("jane"); !got.PhoneVerified {
		t.Errorf("recovery phone not verified: %+v", got)
	}

	// "" removes each and clears its verified flag, even when verified is sent; the other stays.
	o.ok("remove recovery email", o.recoveryEmail("jane", "", true))
	if got, want := recovery("jane"), (apitest.Recovery{Phone: recPhone, PhoneVerified: true}); got != want {
		t.Errorf(`after "" email: recovery = %+v, want %+v`, got, want)
	}
	o.ok("remove recovery phone", o.recoveryPhone("jane", "", true))
	if got := recovery("jane"); got != (apitest.Recovery{}) {
		t.Errorf(`after "" phone: recovery = %+v`, got)
	}
	sameButModified(t, s, "recovery changes undone", before)

	// Both fields are required by the spec; unknown users are 404.
	for _, tc := range []struct{ path, body string }{
		{"/v1/mgmt/user/update/recovery/email", `{"loginId":"jane","verified":true}`},
		{"/v1/mgmt/user/update/recovery/phone", `{"loginId":"jane","verified":true}`},
	} {
		r := raw(t, s, "POST", tc.path, bearer(s), tc.body)
		wantError(t, tc.path+" without the value", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	}
	o.refused("unknown user, email", o.recoveryEmail("ghost", recEmail, true), http.StatusNotFound, apitest.CodeUserNotFound)
	o.refused("unknown user, phone", o.recoveryPhone("ghost", recPhone, true), http.StatusNotFound, apitest.CodeUserNotFound)
	if _, ok := s.Recovery("ghost"); ok {
		t.Error("an unknown user has recovery contacts")
	}
}

func TestUpdateUserRoles(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	tenantRoles := func(u gen.User, tenant string) []string {
		t.Helper()
		i := slices.IndexFunc(u.UserTenants, func(ut gen.UserTenant) bool { return ut.TenantID == tenant })
		if i < 0 {
			t.Fatalf("user %s is not in tenant %s: %+v", u.UserID, tenant, u.UserTenants)
		}
		return u.UserTenants[i].RoleNames
	}
	wantTenants := jane().UserTenants

	// Project roles: set replaces, add keeps one of each, remove ignores names the user lacks.
	steps := []struct {
		op    string
		names []string
		want  []string
	}{
		{"set", []string{"editor", "viewer"}, []string{"editor", "viewer"}},
		{"add", []string{"viewer", "billing", "billing"}, []string{"editor", "viewer", "billing"}},
		{"remove", []string{"editor", "ghost"}, []string{"viewer", "billing"}},
	}
	for _, st := range steps {
		u := o.ok(st.op, o.roles(st.op, "jane", "", st.names))
		if !slices.Equal(u.RoleNames, st.want) {
			t.Errorf("%s %v: roles %v, want %v", st.op, st.names, u.RoleNames, st.want)
		}
		if !reflect.DeepEqual(u.UserTenants, wantTenants) {
			t.Errorf("%s of project roles changed the tenants: %+v", st.op, u.UserTenants)
		}
	}
	// "tenantId": "" (what Go sends) is the project too.
	if r := raw(t, s, "POST", "/v2/mgmt/user/update/role/add", bearer(s), `{"loginId":"jane","tenantId":"","roleNames":["auditor"]}`); r.Status != http.StatusOK {
		t.Fatalf(`add with tenantId "": %d %s`, r.Status, r.Body)
	}
	if u := mustUser(t, s, "jane"); !slices.Equal(u.RoleNames, []string{"viewer", "billing", "auditor"}) {
		t.Errorf(`after add with tenantId "": %v`, u.RoleNames)
	}
	// set with null (Go's nil slice) or [] clears.
	if u := o.ok("set null", o.roles("set", "jane", "", nil)); u.RoleNames != nil {
		t.Errorf("set null: roles %v", u.RoleNames)
	}
	o.ok("set one", o.roles("set", "jane", "", []string{"x"}))
	if u := o.ok("set []", o.roles("set", "jane", "", []string{})); u.RoleNames != nil {
		t.Errorf("set []: roles %v", u.RoleNames)
	}
	o.ok("project roles again", o.roles("set", "jane", "", []string{"admin"}))

	// Tenant roles, in a tenant the user is a member of: the project roles stay.
	tsteps := []struct {
		op    string
		names []string
		want  []string
	}{
		{"add", []string{"member", "owner"}, []string{"owner", "member"}},
		{"set", []string{"auditor"}, []string{"auditor"}},
		{"add", []string{"member"}, []string{"auditor", "member"}},
		{"remove", []string{"auditor", "nope"}, []string{"member"}},
		{"remove", []string{"member"}, nil},
	}
	for _, st := range tsteps {
		u := o.ok("tenant "+st.op, o.roles(st.op, "U2jane", "T1", st.names))
		if got := tenantRoles(u, "T1"); !slices.Equal(got, st.want) {
			t.Errorf("tenant %s %v: roles in T1 %v, want %v", st.op, st.names, got, st.want)
		}
		if !slices.Equal(u.RoleNames, []string{"admin"}) {
			t.Errorf("tenant %s changed the project roles: %v", st.op, u.RoleNames)
		}
	}
	// With its roles removed, the user is still a member.
	if u := mustUser(t, s, "jane"); len(u.UserTenants) != 1 || u.UserTenants[0].TenantID != "T1" {
		t.Errorf("removing all tenant roles changed the membership: %+v", u.UserTenants)
	}

	// A tenant the user is not a member of: refused, for each of the three, and nothing changes
	// (the user does not become a member either).
	for _, who := range []string{"jane", "bob@example.com"} {
		before := mustUser(t, s, who)
		for _, op := range []string{"set", "add", "remove"} {
			r := o.roles(op, who, "T9", []string{"owner"})
			o.refused(op+" in a tenant "+who+" is not in", r, http.StatusBadRequest, apitest.CodeInvalidArguments)
			if !strings.Contains(r.Err.ErrorMessage, "T9") {
				t.Errorf("%s: message does not name the tenant: %q", op, r.Err.ErrorMessage)
			}
		}
		unchanged(t, s, "role changes in a tenant the user is not in", before)
	}

	// An empty role name is invalid; unknown users are 404.
	r := raw(t, s, "POST", "/v1/mgmt/user/update/role/set", bearer(s), `{"loginId":"jane","roleNames":[""]}`)
	wantError(t, "empty role name", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	for _, op := range []string{"set", "add", "remove"} {
		o.refused(op+" of an unknown user", o.roles(op, "ghost", "", []string{"a"}), http.StatusNotFound, apitest.CodeUserNotFound)
	}
}

func TestUpdateUserTenants(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	tenants := func(u gen.User) []gen.UserTenant { return u.UserTenants }

	// Add: a new membership without roles, after the others.
	u := o.ok("add T2", o.tenant("add", "jane", "T2"))
	want := []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"owner"}}, {TenantID: "T2"}}
	if !reflect.DeepEqual(tenants(u), want) {
		t.Errorf("after add T2: %+v, want %+v", u.UserTenants, want)
	}
	if !slices.Equal(u.RoleNames, jane().RoleNames) {
		t.Errorf("adding a tenant changed the project roles: %v", u.RoleNames)
	}
	// Adding a tenant the user is in keeps one membership, and its roles.
	for _, tenant := range []string{"T2", "T1"} {
		before := mustUser(t, s, "jane")
		o.ok("add "+tenant+" again", o.tenant("add", "U2jane", tenant))
		sameButModified(t, s, "adding "+tenant+" again", before)
	}
	// Remove: the membership goes, with its roles; adding it back brings no roles back.
	if u := o.ok("remove T1", o.tenant("remove", "jane", "T1")); !reflect.DeepEqual(tenants(u), []gen.UserTenant{{TenantID: "T2"}}) {
		t.Errorf("after remove T1: %+v", u.UserTenants)
	}
	if u := o.ok("add T1 back", o.tenant("add", "jane", "T1")); !reflect.DeepEqual(tenants(u), []gen.UserTenant{{TenantID: "T2"}, {TenantID: "T1"}}) {
		t.Errorf("after adding T1 back: %+v", u.UserTenants)
	}
	// Removing a tenant the user is not in is accepted (200) and changes nothing else.
	before := mustUser(t, s, "jane")
	o.ok("remove T9", o.tenant("remove", "jane", "T9"))
	sameButModified(t, s, "removing a tenant the user is not in", before)
	o.ok("remove from a user without tenants", o.tenant("remove", "bob@example.com", "T1"))
	if u := mustUser(t, s, "bob@example.com"); u.UserTenants != nil {
		t.Errorf("bob's tenants: %+v", u.UserTenants)
	}
	// Removing every membership leaves none.
	o.ok("remove T2", o.tenant("remove", "jane", "T2"))
	if u := o.ok("remove T1", o.tenant("remove", "jane", "T1")); u.UserTenants != nil {
		t.Errorf("after removing every tenant: %+v", u.UserTenants)
	}

	// The tenant ID is required and not empty; unknown users are 404.
	for _, body := range []string{`{"loginId":"jane","tenantId":""}`, `{"loginId":"jane"}`, `{"loginId":"jane","tenantId":"T1","roleNames":["a"]}`} {
		for _, path := range []string{"/v1/mgmt/user/update/tenant/add", "/v1/mgmt/user/update/tenant/remove"} {
			r := raw(t, s, "POST", path, bearer(s), body)
			wantError(t, path+" "+body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
		}
	}
	if u := mustUser(t, s, "jane"); u.UserTenants != nil {
		t.Errorf("invalid requests changed the tenants: %+v", u.UserTenants)
	}
	o.refused("add, unknown user", o.tenant("add", "ghost", "T1"), http.StatusNotFound, apitest.CodeUserNotFound)
	o.refused("remove, unknown user", o.tenant("remove", "ghost", "T1"), http.StatusNotFound, apitest.CodeUserNotFound)
}

func TestUpdateUserSSOApps(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	for _, st := range []struct {
		op   string
		ids  []string
		want []string
	}{
		{"set", []string{"app2", "app3"}, []string{"app2", "app3"}},
		{"add", []string{"app3", "app4", "app4"}, []string{"app2", "app3", "app4"}},
		{"remove", []string{"app2", "nope"}, []string{"app3", "app4"}},
		{"set", []string{}, nil}, // [] resets to all apps: no list
		{"remove", []string{"app3"}, nil},
		{"add", []string{"app5"}, []string{"app5"}},
		{"set", nil, nil}, // null, as Go sends a nil slice, is []
		{"set", []string{"app6"}, []string{"app6"}},
		{"remove", []string{"app6"}, nil},
	} {
		before := mustUser(t, s, "jane")
		r := o.apps(st.op, "jane", st.ids)
		u := o.ok(st.op, r)
		if !slices.Equal(u.SsoAppIDs, st.want) || (st.want == nil && u.SsoAppIDs != nil) {
			t.Errorf("%s %v: apps %v, want %v", st.op, st.ids, u.SsoAppIDs, st.want)
		}
		if st.want == nil && strings.Contains(string(r.Body), `"ssoAppIds"`) {
			t.Errorf("%s %v: the answer still lists apps: %s", st.op, st.ids, r.Body)
		}
		before.SsoAppIDs = u.SsoAppIDs
		sameButModified(t, s, st.op+" of SSO apps", before)
	}
	if u := mustUser(t, s, "bob@example.com"); u.SsoAppIDs != nil {
		t.Errorf("bob's SSO apps changed: %v", u.SsoAppIDs)
	}
	r := raw(t, s, "POST", "/v1/mgmt/user/update/ssoapp/add", bearer(s), `{"loginId":"jane","ssoAppIds":[""]}`)
	wantError(t, "empty app ID", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	r = raw(t, s, "POST", "/v1/mgmt/user/update/ssoapp/set", bearer(s), `{"loginId":"jane"}`)
	wantError(t, "ssoAppIds missing", r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	for _, op := range []string{"set", "add", "remove"} {
		o.refused(op+" of an unknown user", o.apps(op, "ghost", []string{"a"}), http.StatusNotFound, apitest.CodeUserNotFound)
	}
}

func TestLoadUser(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	stored := mustUser(t, s, "U2jane")

	// By either login ID, by the user ID in loginId, and by the user ID in userId: the stored user.
	for _, p := range []gen.LoadUserParams{
		{LoginID: "jane@example.com"},
		{LoginID: "jane"},
		{LoginID: "U2jane"},
		{UserID: "U2jane"},
	} {
		if u := o.ok(fmt.Sprintf("load %+v", p), o.load(p)); !reflect.DeepEqual(u, stored) {
			t.Errorf("load %+v:\n got %+v\nwant %+v", p, u, stored)
		}
	}
	// Both given: loginId is used.
	if u := o.ok("both", o.load(gen.LoadUserParams{LoginID: "bob@example.com", UserID: "U2jane"})); u.UserID != "U2bob" {
		t.Errorf("both parameters: loaded %q, want U2bob", u.UserID)
	}
	// Go's form: the unused parameter present and empty.
	for _, q := range []string{"?loginId=jane&userId=", "?loginId=&userId=U2jane"} {
		r := raw(t, s, "GET", "/v1/mgmt/user"+q, bearer(s), "")
		var ur gen.UserResponse
		if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil || ur.User.UserID != "U2jane" {
			t.Errorf("GET %s: %d %s", q, r.Status, r.Body)
		}
	}

	// Unknown: 404 E112102 naming the ID.
	for _, p := range []gen.LoadUserParams{{LoginID: "ghost@example.com"}, {UserID: "U2ghost"}} {
		r := o.load(p)
		o.refused(fmt.Sprintf("load %+v", p), r, http.StatusNotFound, apitest.CodeUserNotFound)
		if !strings.Contains(r.Err.ErrorMessage, p.LoginID+p.UserID) {
			t.Errorf("load %+v: message does not name the ID: %q", p, r.Err.ErrorMessage)
		}
	}
	// Neither: 400 E011002.
	o.refused("no parameter", o.load(gen.LoadUserParams{}), http.StatusBadRequest, api.CodeMissingArguments)
	r := raw(t, s, "GET", "/v1/mgmt/user?loginId=&userId=", bearer(s), "")
	wantError(t, "both parameters empty", r.Status, &r.Error, http.StatusBadRequest, api.CodeMissingArguments)

	// A load changes nothing and counts as no update.
	unchanged(t, s, "loads", stored)
	if n := s.Stats().UpdatedUsers; n != 0 {
		t.Errorf("UpdatedUsers = %d after loads", n)
	}
}

// TestLoadUserByUserIDParamNeedsAUserID: the spec's userId parameter is "The user's ID" (only
// loginId may carry either), so a login ID given as userId names no user.
func TestLoadUserByUserIDParamNeedsAUserID(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()))
	o := newOps(t, s)
	o.refused("userId=<a login ID>", o.load(gen.LoadUserParams{UserID: "jane@example.com"}), http.StatusNotFound, apitest.CodeUserNotFound)
}

func TestLoadUsers(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(
		jane(), bob(),
		gen.User{UserID: "U2dis", LoginIDs: []string{"dis"}, Status: "disabled"},
		gen.User{UserID: "U2exp", LoginIDs: []string{"exp"}, Status: "expired"},
		gen.User{UserID: "U2inv", LoginIDs: []string{"inv"}, Status: "invited"},
	))
	c := client(t, s)
	ctx := context.Background()
	load := func(req gen.LoadUsersRequest) ([]string, int) {
		t.Helper()
		r, err := c.LoadUsersWithResponse(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if r.JSON200 == nil {
			t.Fatalf("load %+v: %d %s", req, r.StatusCode(), r.Body)
		}
		for _, u := range r.JSON200.Users {
			if stored := mustUser(t, s, u.UserID); !reflect.DeepEqual(u, stored) {
				t.Errorf("loaded %s is not the stored user:\n%+v\n%+v", u.UserID, u, stored)
			}
		}
		return userIDs(r.JSON200.Users), int(r.JSON200.Total)
	}
	ids := []string{"U2inv", "U2bob", "U2ghost", "U2exp", "U2jane", "jane", "U2dis"}

	// The request's order; unknown IDs, login IDs (not user IDs), disabled and expired users left
	// out; invited users are valid.
	if got, total := load(gen.LoadUsersRequest{UserIDs: ids}); !slices.Equal(got, []string{"U2inv", "U2bob", "U2jane"}) || total != 3 {
		t.Errorf("load: %v total %d", got, total)
	}
	// includeInvalidUsers brings back disabled and expired users, in place.
	if got, total := load(gen.LoadUsersRequest{UserIDs: ids, IncludeInvalidUsers: true}); !slices.Equal(got, []string{"U2inv", "U2bob", "U2exp", "U2jane", "U2dis"}) || total != 5 {
		t.Errorf("load with includeInvalidUsers: %v total %d", got, total)
	}
	// A user disabled by the API is left out from then on.
	o := newOps(t, s)
	o.ok("disable bob", o.status("bob@example.com", "disabled"))
	if got, _ := load(gen.LoadUsersRequest{UserIDs: []string{"U2jane", "U2bob"}}); !slices.Equal(got, []string{"U2jane"}) {
		t.Errorf("after disabling bob: %v", got)
	}
	// No IDs, or only unknown ones: no users.
	for _, req := range []gen.LoadUsersRequest{{UserIDs: []string{}}, {UserIDs: []string{"nobody"}, IncludeInvalidUsers: true}} {
		if got, total := load(req); len(got) != 0 || total != 0 {
			t.Errorf("load %+v: %v total %d", req, got, total)
		}
	}
	// userIds is required, and an ID may not be empty.
	for _, body := range []string{`{}`, `{"userIds":[""]}`, `{"userIds":null}`} {
		r := raw(t, s, "POST", "/v1/mgmt/users/load", bearer(s), body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	}
}

// Search fixtures. Times are Unix seconds; every user has distinct ones. Insertion order is
// a, b, c, d, e, t.
func searchUsers() []gen.User {
	return []gen.User{
		{
			UserID: "U1a", LoginIDs: []string{"alice@example.com", "alice"}, Email: "alice@example.com", VerifiedEmail: true,
			Phone: "+15555550101", VerifiedPhone: true, Name: "Alice Archer", GivenName: "Alice", FamilyName: "Archer",
			RoleNames: []string{"admin"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"owner", "billing"}}},
			SsoAppIDs: []string{"app1"}, CustomAttributes: map[string]any{"dept": "eng", "level": 3},
			Status: "enabled", CreatedTime: 1_600_000_000, ModifiedTime: 1_650_000_000,
		},
		{
			UserID: "U1b", LoginIDs: []string{"bruno@example.com"}, Email: "bruno@example.com", Phone: "+15555550102",
			Name: "Bruno Baker", RoleNames: []string{"viewer"},
			UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}, {TenantID: "T2", RoleNames: []string{"owner"}}},
			SsoAppIDs:   []string{"app2"}, CustomAttributes: map[string]any{"dept": "sales", "level": 1},
			Status: "disabled", CreatedTime: 1_700_000_000, ModifiedTime: 1_750_000_000,
		},
		{
			UserID: "U1c", LoginIDs: []string{"carla@example.com", "+15555550103"}, Email: "carla@example.com", VerifiedEmail: true,
			Phone: "+15555550103", Name: "Carla Cruz", UserTenants: []gen.UserTenant{{TenantID: "T2", RoleNames: []string{"billing"}}},
			SsoAppIDs: []string{"app1", "app3"}, CustomAttributes: map[string]any{"dept": "ops"},
			Status: "invited", CreatedTime: 1_800_000_000, ModifiedTime: 1_850_000_000,
		},
		{
			UserID: "U1d", LoginIDs: []string{"dmitri@example.com"}, Email: "dmitri@example.com", Name: "Dmitri Dahl",
			RoleNames: []string{"admin", "viewer"}, CustomAttributes: map[string]any{"level": 3},
			Status: "expired", CreatedTime: 1_750_000_000, ModifiedTime: 1_760_000_000,
		},
		{
			UserID: "U1e", LoginIDs: []string{"ana@example.org"}, Email: "ana@example.org", Name: "Ana Ames",
			Status: "enabled", CreatedTime: 1_720_000_000, ModifiedTime: 1_720_000_000,
		},
		{
			UserID: "U1t", LoginIDs: []string{"tess@example.com"}, Email: "tess@example.com", VerifiedEmail: true, Name: "Tess Tester",
			Test: true, RoleNames: []string{"admin"}, UserTenants: []gen.UserTenant{{TenantID: "T1", RoleNames: []string{"owner"}}},
			SsoAppIDs: []string{"app1"}, CustomAttributes: map[string]any{"dept": "eng", "level": 3},
			Status: "enabled", CreatedTime: 1_650_000_000, ModifiedTime: 1_650_000_000,
		},
	}
}

func TestSearchUsersFilters(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	o := newOps(t, s)
	type R = gen.SearchUsersRequest
	type TR = gen.SearchTenantRoles
	for _, tc := range []struct {
		name string
		req  R
		want []string
	}{
		{"no filter: every user but the test user", R{}, []string{"U1a", "U1b", "U1c", "U1d", "U1e"}},

		{"tenantIds T2", R{TenantIDs: []string{"T2"}}, []string{"U1b", "U1c"}},
		{"tenantIds T1", R{TenantIDs: []string{"T1"}}, []string{"U1a", "U1b"}},
		{"tenantIds T1 or T2", R{TenantIDs: []string{"T1", "T2"}}, []string{"U1a", "U1b", "U1c"}},
		{"tenantIds unknown", R{TenantIDs: []string{"T9"}}, []string{}},

		{"roleNames project role", R{RoleNames: []string{"admin"}}, []string{"U1a", "U1d"}},
		{"roleNames tenant role", R{RoleNames: []string{"owner"}}, []string{"U1a", "U1b"}},
		{"roleNames in a tenant or the project", R{RoleNames: []string{"billing"}}, []string{"U1a", "U1c"}},
		{"roleNames any of", R{RoleNames: []string{"viewer", "owner"}}, []string{"U1a", "U1b", "U1d"}},

		{"statuses disabled or expired", R{Statuses: []gen.SearchUsersRequestStatuses{"disabled", "expired"}}, []string{"U1b", "U1d"}},
		{"statuses enabled", R{Statuses: []gen.SearchUsersRequestStatuses{"enabled"}}, []string{"U1a", "U1e"}},
		{"statuses invited", R{Statuses: []gen.SearchUsersRequestStatuses{"invited"}}, []string{"U1c"}},

		{"emails", R{Emails: []string{"carla@example.com", "nobody@example.com"}}, []string{"U1c"}},
		{"phones", R{Phones: []string{"+15555550102"}}, []string{"U1b"}},
		{"loginIds second login ID", R{LoginIDs: []string{"alice"}}, []string{"U1a"}},
		{"loginIds a phone login ID", R{LoginIDs: []string{"+15555550103"}}, []string{"U1c"}},
		{"loginIds any of", R{LoginIDs: []string{"ana@example.org", "bruno@example.com"}}, []string{"U1b", "U1e"}},
		{"loginIds a user ID is not a login ID", R{LoginIDs: []string{"U1a"}}, []string{}},
		{"userIds, in the store's order", R{UserIDs: []string{"U1d", "U1b"}}, []string{"U1b", "U1d"}},
		{"ssoAppIds app1", R{SsoAppIDs: []string{"app1"}}, []string{"U1a", "U1c"}},
		{"ssoAppIds app3", R{SsoAppIDs: []string{"app3"}}, []string{"U1c"}},
		{"ssoAppIds any of", R{SsoAppIDs: []string{"app2", "app3"}}, []string{"U1b", "U1c"}},

		{"customAttributes string", R{CustomAttributes: map[string]any{"dept": "eng"}}, []string{"U1a"}},
		{"customAttributes number", R{CustomAttributes: map[string]any{"level": 3}}, []string{"U1a", "U1d"}},
		{"customAttributes list of values", R{CustomAttributes: map[string]any{"dept": []any{"sales", "ops"}}}, []string{"U1b", "U1c"}},
		{"customAttributes every key", R{CustomAttributes: map[string]any{"dept": "eng", "level": 3}}, []string{"U1a"}},
		{"customAttributes list and scalar", R{CustomAttributes: map[string]any{"dept": []any{"eng", "sales"}, "level": 1}}, []string{"U1b"}},
		{"customAttributes unknown key", R{CustomAttributes: map[string]any{"nosuch": "x"}}, []string{}},

		{"text in a family name, any case", R{Text: "ARCHER"}, []string{"U1a"}},
		{"text in a name", R{Text: "ames"}, []string{"U1e"}},
		{"text in emails and login IDs", R{Text: "Example.COM"}, []string{"U1a", "U1b", "U1c", "U1d"}},
		{"text in a user ID", R{Text: "u1e"}, []string{"U1e"}},
		{"text in a phone", R{Text: "5550102"}, []string{"U1b"}},
		{"text found nowhere", R{Text: "zebra"}, []string{}},

		{"verifiedEmail", R{VerifiedEmail: api.Ptr(true)}, []string{"U1a", "U1c"}},
		{"verifiedPhone", R{VerifiedPhone: api.Ptr(true)}, []string{"U1a"}},

		// Times in milliseconds; the bounds are inclusive.
		{"fromCreatedTime", R{FromCreatedTime: 1_700_000_000_000}, []string{"U1b", "U1c", "U1d", "U1e"}},
		{"toCreatedTime", R{ToCreatedTime: 1_700_000_000_000}, []string{"U1a", "U1b"}},
		{"toCreatedTime just before", R{ToCreatedTime: 1_699_999_999_999}, []string{"U1a"}},
		{"created between", R{FromCreatedTime: 1_700_000_000_001, ToCreatedTime: 1_750_000_000_000}, []string{"U1d", "U1e"}},
		{"a bound in seconds is a time in 1970", R{FromCreatedTime: 1_700_000_000}, []string{"U1a", "U1b", "U1c", "U1d", "U1e"}},
		{"fromModifiedTime", R{FromModifiedTime: 1_750_000_000_000}, []string{"U1b", "U1c", "U1d"}},
		{"toModifiedTime", R{ToModifiedTime: 1_720_000_000_000}, []string{"U1a", "U1e"}},
		{"modified between", R{FromModifiedTime: 1_700_000_000_000, ToModifiedTime: 1_760_000_000_000}, []string{"U1b", "U1d", "U1e"}},

		{"tenantRoleNames any of", R{TenantRoleNames: map[string]TR{"T1": {Values: []string{"owner", "member"}}}}, []string{"U1a", "U1b"}},
		{"tenantRoleNames all of", R{TenantRoleNames: map[string]TR{"T1": {Values: []string{"owner", "billing"}, And: true}}}, []string{"U1a"}},
		{"tenantRoleNames all of, none has", R{TenantRoleNames: map[string]TR{"T1": {Values: []string{"owner", "member"}, And: true}}}, []string{}},
		{"tenantRoleNames a role of another tenant", R{TenantRoleNames: map[string]TR{"T2": {Values: []string{"owner"}}}}, []string{"U1b"}},
		{"tenantRoleNames every tenant", R{TenantRoleNames: map[string]TR{"T1": {Values: []string{"member"}}, "T2": {Values: []string{"owner"}}}}, []string{"U1b"}},
		{"tenantRoleNames every tenant, none", R{TenantRoleNames: map[string]TR{"T1": {Values: []string{"member"}}, "T2": {Values: []string{"billing"}}}}, []string{}},
		{"tenantRoleIds", R{TenantRoleIDs: map[string]TR{"T2": {Values: []string{"billing"}}}}, []string{"U1c"}},
	} {
		o.wantSearch(tc.name, tc.req, tc.want...)
	}

	// A search changes nothing.
	for _, u := range searchUsers() {
		got := mustUser(t, s, u.UserID)
		if got.ModifiedTime != u.ModifiedTime || got.Status != u.Status {
			t.Errorf("a search changed %s: %+v", u.UserID, got)
		}
	}
}

func TestSearchUsersCombined(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	o := newOps(t, s)
	type R = gen.SearchUsersRequest
	st := func(ss ...gen.SearchUsersRequestStatuses) []gen.SearchUsersRequestStatuses { return ss }
	// AND across filters, OR within a list.
	o.wantSearch("roles or, statuses or", R{RoleNames: []string{"admin", "viewer"}, Statuses: st("enabled", "expired")}, "U1a", "U1d")
	o.wantSearch("and a tenant", R{RoleNames: []string{"admin", "viewer"}, Statuses: st("enabled", "expired"), TenantIDs: []string{"T1"}}, "U1a")
	o.wantSearch("emails and apps", R{Emails: []string{"alice@example.com", "bruno@example.com"}, SsoAppIDs: []string{"app2"}}, "U1b")
	o.wantSearch("text and attribute", R{Text: "example.com", CustomAttributes: map[string]any{"level": 3}}, "U1a", "U1d")
	o.wantSearch("role and verified email", R{RoleNames: []string{"admin"}, VerifiedEmail: api.Ptr(true)}, "U1a")
	o.wantSearch("status and created after", R{Statuses: st("enabled"), FromCreatedTime: 1_700_000_000_000}, "U1e")
	o.wantSearch("contradictory filters", R{UserIDs: []string{"U1a"}, Statuses: st("disabled")})
	o.wantSearch("tenant roles and project roles", R{TenantRoleNames: map[string]gen.SearchTenantRoles{"T1": {Values: []string{"owner", "member"}}}, RoleNames: []string{"viewer"}}, "U1b")
}

func TestSearchUsersTestUsers(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	o := newOps(t, s)
	type R = gen.SearchUsersRequest
	admins := []string{"admin"}
	o.wantSearch("test users left out", R{RoleNames: admins}, "U1a", "U1d")
	o.wantSearch("even when named", R{UserIDs: []string{"U1t"}})
	o.wantSearch("withTestUser", R{RoleNames: admins, WithTestUser: true}, "U1a", "U1d", "U1t")
	o.wantSearch("withTestUser, named", R{UserIDs: []string{"U1t"}, WithTestUser: true}, "U1t")
	o.wantSearch("testUsersOnly", R{RoleNames: admins, TestUsersOnly: true}, "U1t")
	o.wantSearch("testUsersOnly and withTestUser", R{TestUsersOnly: true, WithTestUser: true}, "U1t")
	o.wantSearch("testUsersOnly, other filters apply", R{TestUsersOnly: true, Statuses: []gen.SearchUsersRequestStatuses{"disabled"}})
	o.wantSearch("withTestUser, no filter", R{WithTestUser: true}, "U1a", "U1b", "U1c", "U1d", "U1e", "U1t")
}

func TestSearchUsersPaging(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	o := newOps(t, s)
	type R = gen.SearchUsersRequest
	all, total := o.search(R{})
	if total != 5 || len(all) != 5 {
		t.Fatalf("all: %v total %d", all, total)
	}
	// Pages of 2 from page 0: each page in order, total always 5; together they are every user
	// once, in the order of the unpaged search.
	var joined []string
	for page, want := range [][]string{{"U1a", "U1b"}, {"U1c", "U1d"}, {"U1e"}, {}, {}} {
		if page == 4 {
			page = 100 // far past the end
		}
		got, total := o.search(R{Limit: 2, Page: int32(page)})
		if !slices.Equal(got, want) || total != 5 {
			t.Errorf("page %d: %v total %d, want %v total 5", page, got, total, want)
		}
		joined = append(joined, got...)
	}
	if !slices.Equal(joined, all) {
		t.Errorf("pages joined %v, unpaged %v", joined, all)
	}
	// The same page twice is the same page.
	first, _ := o.search(R{Limit: 2, Page: 1})
	again, _ := o.search(R{Limit: 2, Page: 1})
	if !slices.Equal(first, again) {
		t.Errorf("page 1 twice: %v then %v", first, again)
	}
	// Paging a filtered, sorted search: total counts every match, not the page.
	byName := []gen.SearchSort{{Field: "name"}}
	for page, want := range [][]string{{"U1a", "U1e"}, {"U1b", "U1c"}, {"U1d"}, {}} {
		got, total := o.search(R{Limit: 2, Page: int32(page), Sort: byName})
		if !slices.Equal(got, want) || total != 5 {
			t.Errorf("by name, page %d: %v total %d, want %v total 5", page, got, total, want)
		}
	}
	got, total := o.search(R{Limit: 2, Page: 1, Statuses: []gen.SearchUsersRequestStatuses{"enabled", "disabled", "invited"}})
	if !slices.Equal(got, []string{"U1c", "U1e"}) || total != 4 {
		t.Errorf("filtered page 1: %v total %d", got, total)
	}
	got, total = o.search(R{Limit: 1, Page: 3, WithTestUser: true, RoleNames: []string{"admin"}})
	if len(got) != 0 || total != 3 {
		t.Errorf("filtered page past the end: %v total %d", got, total)
	}
	// A limit larger than the matches is one page.
	if got, total := o.search(R{Limit: 50}); !slices.Equal(got, all) || total != 5 {
		t.Errorf("limit 50: %v total %d", got, total)
	}
}

func TestSearchUsersDefaultLimit(t *testing.T) {
	var users []gen.User
	for i := range 105 {
		users = append(users, gen.User{UserID: fmt.Sprintf("U%03d", i), LoginIDs: []string{fmt.Sprintf("u%03d@example.com", i)}})
	}
	s := apitest.NewServer(t, apitest.WithUsers(users...))
	o := newOps(t, s)
	// No limit (the client leaves 0 out) and an explicit "limit": 0 are 100.
	got, total := o.search(gen.SearchUsersRequest{})
	if len(got) != 100 || total != 105 || got[0] != "U000" || got[99] != "U099" {
		t.Errorf("default limit: %d users (%v..) total %d", len(got), got[:min(len(got), 1)], total)
	}
	r := raw(t, s, "POST", "/v2/mgmt/user/search", bearer(s), `{"limit":0,"page":1}`)
	var ur gen.UsersResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil {
		t.Fatalf("limit 0, page 1: %d %s", r.Status, r.Body)
	}
	if ids := userIDs(ur.Users); !slices.Equal(ids, []string{"U100", "U101", "U102", "U103", "U104"}) || ur.Total != 105 {
		t.Errorf("limit 0, page 1: %v total %d", ids, ur.Total)
	}
}

func TestSearchUsersSort(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	o := newOps(t, s)
	type S = gen.SearchSort
	for _, tc := range []struct {
		name string
		sort []S
		want []string
	}{
		{"name asc", []S{{Field: "name"}}, []string{"U1a", "U1e", "U1b", "U1c", "U1d"}},
		{"name desc", []S{{Field: "name", Desc: true}}, []string{"U1d", "U1c", "U1b", "U1e", "U1a"}},
		{"createdTime asc", []S{{Field: "createdTime"}}, []string{"U1a", "U1b", "U1e", "U1d", "U1c"}},
		{"createdTime desc", []S{{Field: "createdTime", Desc: true}}, []string{"U1c", "U1d", "U1e", "U1b", "U1a"}},
		{"modifiedTime desc", []S{{Field: "modifiedTime", Desc: true}}, []string{"U1c", "U1d", "U1b", "U1e", "U1a"}},
		{"email desc", []S{{Field: "email", Desc: true}}, []string{"U1d", "U1c", "U1b", "U1e", "U1a"}},
		{"status asc, ties in the store's order", []S{{Field: "status"}}, []string{"U1b", "U1a", "U1e", "U1d", "U1c"}},
		{"status asc, then createdTime desc", []S{{Field: "status"}, {Field: "createdTime", Desc: true}}, []string{"U1b", "U1e", "U1a", "U1d", "U1c"}},
		{"status desc, then name asc", []S{{Field: "status", Desc: true}, {Field: "name"}}, []string{"U1c", "U1d", "U1a", "U1e", "U1b"}},
	} {
		got, total := o.search(gen.SearchUsersRequest{Sort: tc.sort})
		if !slices.Equal(got, tc.want) || total != 5 {
			t.Errorf("%s: %v total %d, want %v", tc.name, got, total, tc.want)
		}
	}
	got, _ := o.search(gen.SearchUsersRequest{Sort: []S{{Field: "createdTime", Desc: true}}, Limit: 2, Page: 1})
	if !slices.Equal(got, []string{"U1e", "U1b"}) {
		t.Errorf("createdTime desc, page 1 of 2: %v", got)
	}

	// An unknown field is refused, also after a known one; the message names it.
	for _, sort := range [][]S{{{Field: "favouriteColour"}}, {{Field: "name"}, {Field: "favouriteColour", Desc: true}}} {
		r, err := o.c.SearchUsersWithResponse(o.ctx, gen.SearchUsersRequest{Sort: sort})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, fmt.Sprintf("sort %+v", sort), r.StatusCode(), r.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
		if !strings.Contains(r.JSON400.ErrorMessage, "favouriteColour") {
			t.Errorf("message does not name the field: %q", r.JSON400.ErrorMessage)
		}
	}
}

func TestSearchUsersInvalid(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(searchUsers()...))
	for _, path := range []string{"/v2/mgmt/user/search", "/v2/mgmt/user/search/test"} {
		for _, tc := range []struct{ body, mention string }{
			{`{"page":-1}`, "page"},
			{`{"limit":-1}`, "limit"},
			{`{"limit":-5,"page":-2}`, ""},
			{`{"fromCreatedTime":-1}`, "fromCreatedTime"},
			{`{"toModifiedTime":-1}`, "toModifiedTime"},
			{`{"statuses":["deleted"]}`, "statuses"},
			{`{"sort":[{"field":""}]}`, "field"},
			{`{"sort":[{"desc":true}]}`, "field"},
			{`{"Text":"alice"}`, "Text"},
			{`{"page":"1"}`, "page"},
			{`{"limit":1.5}`, "limit"},
			{`{"page":`, ""},
		} {
			r := raw(t, s, "POST", path, bearer(s), tc.body)
			wantError(t, path+" "+tc.body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
			if !strings.Contains(r.Error.ErrorMessage, tc.mention) {
				t.Errorf("%s %s: message does not name %q: %q", path, tc.body, tc.mention, r.Error.ErrorMessage)
			}
		}
	}
}

func TestSearchTestUsers(t *testing.T) {
	uma := gen.User{
		UserID: "U1u", LoginIDs: []string{"uma@example.com"}, Email: "uma@example.com", Name: "Uma Unit", Test: true,
		RoleNames: []string{"viewer"}, Status: "disabled", CreatedTime: 1_660_000_000,
	}
	s := apitest.NewServer(t, apitest.WithUsers(append(searchUsers(), uma)...))
	o := newOps(t, s)
	type R = gen.SearchUsersRequest
	for _, tc := range []struct {
		name string
		req  R
		want []string
	}{
		{"no filter", R{}, []string{"U1t", "U1u"}},
		{"withTestUser", R{WithTestUser: true}, []string{"U1t", "U1u"}},
		{"testUsersOnly", R{TestUsersOnly: true}, []string{"U1t", "U1u"}},
		{"a filter matching users of both kinds", R{RoleNames: []string{"admin"}}, []string{"U1t"}},
		{"statuses", R{Statuses: []gen.SearchUsersRequestStatuses{"disabled"}}, []string{"U1u"}},
		{"named non-test users", R{UserIDs: []string{"U1a", "U1b"}}, []string{}},
		{"sorted", R{Sort: []gen.SearchSort{{Field: "name", Desc: true}}}, []string{"U1u", "U1t"}},
	} {
		got, total := o.searchTest(tc.req)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s: %v total %d, want %v", tc.name, got, total, tc.want)
		}
	}
	if got, total := o.searchTest(R{Limit: 1, Page: 1}); !slices.Equal(got, []string{"U1u"}) || total != 2 {
		t.Errorf("page 1 of 1: %v total %d", got, total)
	}
	// The flags sent as false, as Go sends them, change nothing.
	r := raw(t, s, "POST", "/v2/mgmt/user/search/test", bearer(s), `{"testUsersOnly":false,"withTestUser":false,"limit":0,"page":0}`)
	var ur gen.UsersResponse
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil {
		t.Fatalf("flags false: %d %s", r.Status, r.Body)
	}
	if ids := userIDs(ur.Users); !slices.Equal(ids, []string{"U1t", "U1u"}) || ur.Total != 2 {
		t.Errorf("flags false: %v total %d", ids, ur.Total)
	}
	// The same body on SearchUsers leaves the test users out.
	r = raw(t, s, "POST", "/v2/mgmt/user/search", bearer(s), `{"testUsersOnly":false,"withTestUser":false}`)
	ur = gen.UsersResponse{}
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &ur) != nil {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	if ids := userIDs(ur.Users); slices.Contains(ids, "U1t") || slices.Contains(ids, "U1u") || ur.Total != 5 {
		t.Errorf("SearchUsers with the flags false: %v total %d", ids, ur.Total)
	}
	// An unknown sort field is refused here too.
	rr, err := o.c.SearchTestUsersWithResponse(o.ctx, R{Sort: []gen.SearchSort{{Field: "nope"}}})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "unknown sort field", rr.StatusCode(), rr.JSON400, http.StatusBadRequest, apitest.CodeInvalidArguments)
}

func TestUpdateUserReplaces(t *testing.T) {
	j := jane()
	j.Status = "disabled"
	j.CreatedTime, j.ModifiedTime = 1_600_000_000, 1_600_000_000
	j.Password, j.OAuth = true, map[string]bool{"google": true}
	s := apitest.NewServer(t, apitest.WithUsers(j, bob()))
	o := newOps(t, s)
	stored := mustUser(t, s, "U2jane")

	before := time.Now().Unix()
	got := o.ok("update", o.update(gen.UpdateUserRequest{
		LoginID:            "jane",
		Email:              "jane.new@example.com",
		VerifiedEmail:      ptr(true),
		DisplayName:        "Jane N.",
		RoleNames:          []string{"editor"},
		UserTenants:        []gen.PatchUserTenant{{TenantID: "T3", RoleNames: &[]string{"member"}}, {TenantID: "T4"}},
		CustomAttributes:   map[string]any{"tier": "gold", "seats": 5},
		SsoAppIDs:          []string{"app9"},
		AdditionalLoginIDs: []string{"jn"},
	}))
	after := time.Now().Unix()
	// Every field the request does not carry is cleared (phone, name parts, picture, the old
	// attributes and login IDs); ID, status, created time and sign-in methods stay.
	want := stored
	want.LoginIDs = []string{"jane@example.com", "jn"}
	want.Email, want.VerifiedEmail = "jane.new@example.com", true
	want.Phone, want.VerifiedPhone = "", false
	want.Name, want.GivenName, want.MiddleName, want.FamilyName, want.Picture = "Jane N.", "", "", "", ""
	want.RoleNames = []string{"editor"}
	want.UserTenants = []gen.UserTenant{{TenantID: "T3", RoleNames: []string{"member"}}, {TenantID: "T4"}}
	want.CustomAttributes = map[string]any{"tier": "gold", "seats": float64(5)}
	want.SsoAppIDs = []string{"app9"}
	if got.ModifiedTime < before || got.ModifiedTime > after {
		t.Errorf("modifiedTime %d, want the time of the update, in [%d, %d]", got.ModifiedTime, before, after)
	}
	want.ModifiedTime = got.ModifiedTime
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after update:\n got %+v\nwant %+v", got, want)
	}
	o.notFound("jane")
	o.found("jn", "U2jane")
	// The cleared phone is free: bob may take it with failOnConflict.
	pr, err := o.c.UpdateUserPhoneWithResponse(o.ctx, gen.UpdateUserPhoneRequest{LoginID: "bob@example.com", Phone: ptr(j.Phone), FailOnConflict: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if pr.JSON200 == nil {
		t.Errorf("bob taking jane's cleared phone: %d %s", pr.StatusCode(), pr.Body)
	}

	// Only loginId: everything the request can carry is cleared, and only the first login ID
	// stays.
	got = o.ok("minimal update", o.update(gen.UpdateUserRequest{LoginID: "U2jane"}))
	want = gen.User{
		UserID: "U2jane", LoginIDs: []string{"jane@example.com"}, Status: "disabled", CreatedTime: 1_600_000_000,
		ModifiedTime: got.ModifiedTime, Password: true, OAuth: map[string]bool{"google": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a minimal update:\n got %+v\nwant %+v", got, want)
	}
	o.notFound("jn")

	// The other spellings: name, additionalIdentifiers, ssoAppIDs; both spellings with the same
	// value are accepted. verified without the value is unverified.
	for _, tc := range []struct {
		name  string
		req   gen.UpdateUserRequest
		check func(u gen.User) bool
	}{
		{"name", gen.UpdateUserRequest{Name: "Jane R."}, func(u gen.User) bool { return u.Name == "Jane R." }},
		{"name and displayName equal", gen.UpdateUserRequest{Name: "J", DisplayName: "J"}, func(u gen.User) bool { return u.Name == "J" }},
		{"additionalIdentifiers", gen.UpdateUserRequest{AdditionalIdentifiers: []string{"jr"}},
			func(u gen.User) bool { return slices.Equal(u.LoginIDs, []string{"jane@example.com", "jr"}) }},
		{"both login ID spellings equal", gen.UpdateUserRequest{AdditionalLoginIDs: []string{"jr", "jq"}, AdditionalIdentifiers: []string{"jr", "jq"}},
			func(u gen.User) bool { return slices.Equal(u.LoginIDs, []string{"jane@example.com", "jr", "jq"}) }},
		{"the first login ID among the others", gen.UpdateUserRequest{AdditionalLoginIDs: []string{"jane@example.com", "jr"}},
			func(u gen.User) bool { return slices.Equal(u.LoginIDs, []string{"jane@example.com", "jr"}) }},
		{"ssoAppIDs", gen.UpdateUserRequest{SsoAppIDsGoSpelling: []string{"a1"}}, func(u gen.User) bool { return slices.Equal(u.SsoAppIDs, []string{"a1"}) }},
		{"both app spellings equal", gen.UpdateUserRequest{SsoAppIDs: []string{"a1", "a2"}, SsoAppIDsGoSpelling: []string{"a1", "a2"}},
			func(u gen.User) bool { return slices.Equal(u.SsoAppIDs, []string{"a1", "a2"}) }},
		{"verified without the value", gen.UpdateUserRequest{VerifiedEmail: ptr(true), VerifiedPhone: ptr(true)},
			func(u gen.User) bool { return !u.VerifiedEmail && !u.VerifiedPhone }},
		{"verified phone", gen.UpdateUserRequest{Phone: "+15555550142", VerifiedPhone: ptr(true)},
			func(u gen.User) bool { return u.Phone == "+15555550142" && u.VerifiedPhone && !u.VerifiedEmail }},
		{"test and invite change nothing", gen.UpdateUserRequest{Test: true, Invite: true},
			func(u gen.User) bool { return !u.Test && u.Status == "disabled" }},
	} {
		tc.req.LoginID = "jane@example.com"
		if u := o.ok(tc.name, o.update(tc.req)); !tc.check(u) {
			t.Errorf("%s: %+v", tc.name, u)
		}
	}
	// The login ID given in loginId is dropped unless it is the first or listed again.
	o.ok("add jr", o.update(gen.UpdateUserRequest{LoginID: "jane@example.com", AdditionalLoginIDs: []string{"jr"}}))
	o.ok("listed", o.update(gen.UpdateUserRequest{LoginID: "jr", AdditionalLoginIDs: []string{"jr"}}))
	o.found("jr", "U2jane")
	o.ok("not listed", o.update(gen.UpdateUserRequest{LoginID: "jr"}))
	o.notFound("jr")
}

func TestUpdateUserRefusals(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	o := newOps(t, s)
	before, bobBefore := mustUser(t, s, "jane"), mustUser(t, s, "bob@example.com")
	full := func(r gen.UpdateUserRequest) gen.UpdateUserRequest {
		r.LoginID, r.Email, r.RoleNames = "jane", "x@example.com", []string{"x"}
		return r
	}
	for _, tc := range []struct {
		name    string
		req     gen.UpdateUserRequest
		mention []string
	}{
		{"name and displayName differ", full(gen.UpdateUserRequest{Name: "A", DisplayName: "B"}), []string{"name", "displayName"}},
		{"ssoAppIds and ssoAppIDs differ", full(gen.UpdateUserRequest{SsoAppIDs: []string{"a"}, SsoAppIDsGoSpelling: []string{"b"}}), []string{"ssoAppIds", "ssoAppIDs"}},
		{"additionalLoginIds and additionalIdentifiers differ", full(gen.UpdateUserRequest{AdditionalLoginIDs: []string{"a"}, AdditionalIdentifiers: []string{"b"}}), []string{"additionalLoginIds", "additionalIdentifiers"}},
		{"another user's login ID", full(gen.UpdateUserRequest{AdditionalLoginIDs: []string{"jx", "bob@example.com"}}), []string{"bob@example.com"}},
		{"another user's user ID", full(gen.UpdateUserRequest{AdditionalIdentifiers: []string{"U2bob"}}), []string{"U2bob"}},
	} {
		r := o.update(tc.req)
		o.refused(tc.name, r, http.StatusBadRequest, apitest.CodeInvalidArguments)
		for _, m := range tc.mention {
			if !strings.Contains(r.Err.ErrorMessage, m) {
				t.Errorf("%s: message does not name %q: %q", tc.name, m, r.Err.ErrorMessage)
			}
		}
	}
	// Invalid by the spec: an empty additional login ID, neither loginId nor identifier, a status
	// outside the enum (since spec 1.2.0 a full update may carry one), a tenant without its ID.
	for _, body := range []string{
		`{"loginId":"jane","additionalLoginIds":[""]}`,
		`{"email":"x@example.com"}`,
		`{"loginId":"jane","status":"deleted"}`,
		`{"loginId":"jane","userTenants":[{"roleNames":["a"]}]}`,
	} {
		r := raw(t, s, "POST", "/v1/mgmt/user/update", bearer(s), body)
		wantError(t, body, r.Status, &r.Error, http.StatusBadRequest, apitest.CodeValidationFailed)
	}
	unchanged(t, s, "refused full updates", before)
	unchanged(t, s, "refused full updates", bobBefore)
	if _, ok := s.User("jx"); ok {
		t.Error("a refused update added a login ID")
	}

	// An unknown user is 404, and is not created.
	o.refused("unknown user", o.update(gen.UpdateUserRequest{LoginID: "ghost@example.com", Email: "ghost@example.com"}), http.StatusNotFound, apitest.CodeUserNotFound)
	if n := len(s.Users()); n != 2 {
		t.Errorf("%d users after updating an unknown one, want 2", n)
	}
}

// TestUpdatesSetModifiedTime: every update sets modifiedTime to the time of the update, and never
// before createdTime; createdTime never changes.
func TestUpdatesSetModifiedTime(t *testing.T) {
	old := jane()
	old.CreatedTime, old.ModifiedTime = 1_600_000_000, 1_600_000_000
	future := gen.User{UserID: "U2future", LoginIDs: []string{"future", "f2"}, CreatedTime: 4_000_000_000, ModifiedTime: 4_000_000_000}
	s := apitest.NewServer(t, apitest.WithUsers(old, future))
	o := newOps(t, s)
	for _, tc := range []struct {
		name string
		do   func(id string) result
	}{
		{"status", func(id string) result { return o.status(id, "disabled") }},
		{"loginid", func(id string) result { return o.loginID(id, ptr(id+".new")) }},
		{"email", func(id string) result {
			return o.email(gen.UpdateUserEmailRequest{LoginID: id, Email: ptr(id + "@example.net")})
		}},
		{"recovery email", func(id string) result { return o.recoveryEmail(id, "r@example.net", false) }},
		{"recovery phone", func(id string) result { return o.recoveryPhone(id, "+15555550999", false) }},
		{"role add", func(id string) result { return o.roles("add", id, "", []string{"new-role"}) }},
		{"tenant add", func(id string) result { return o.tenant("add", id, "T-new") }},
		{"ssoapp set", func(id string) result { return o.apps("set", id, []string{"app-new"}) }},
		{"update", func(id string) result { return o.update(gen.UpdateUserRequest{LoginID: id, Name: "Updated"}) }},
	} {
		for _, u := range []gen.User{old, future} {
			id := u.UserID
			before := time.Now().Unix()
			got := o.ok(tc.name+" "+id, tc.do(id))
			after := time.Now().Unix()
			if got.CreatedTime != u.CreatedTime {
				t.Errorf("%s of %s: createdTime %d, want %d", tc.name, id, got.CreatedTime, u.CreatedTime)
			}
			lo, hi := before, after
			if u.CreatedTime > after {
				lo, hi = u.CreatedTime, u.CreatedTime // never before the creation
			}
			if got.ModifiedTime < lo || got.ModifiedTime > hi {
				t.Errorf("%s of %s: modifiedTime %d, want in [%d, %d]", tc.name, id, got.ModifiedTime, lo, hi)
			}
		}
	}
}

// TestNoOpTenantUpdatesChangeNothing: the spec says adding a tenant the user is already in, and
// removing one it is not in, change nothing; that includes modifiedTime ("when the user last
// changed").
func TestNoOpTenantUpdatesChangeNothing(t *testing.T) {
	j := jane()
	j.CreatedTime, j.ModifiedTime = 1_600_000_000, 1_600_000_000
	s := apitest.NewServer(t, apitest.WithUsers(j))
	o := newOps(t, s)
	before := mustUser(t, s, "jane")
	o.ok("add a tenant the user is in", o.tenant("add", "jane", "T1"))
	unchanged(t, s, "adding a tenant the user is in", before)
	o.ok("remove a tenant the user is not in", o.tenant("remove", "jane", "T9"))
	unchanged(t, s, "removing a tenant the user is not in", before)
}
