package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

func importUsers(n int, prefix string) []api.BatchUser {
	users := make([]api.BatchUser, n)
	for i := range users {
		users[i] = api.BatchUser{LoginID: fmt.Sprintf("%s%03d@example.com", prefix, i), Name: fmt.Sprintf("User %d", i)}
	}
	return users
}

// statuses counts the results of a run by status, and checks each input has one.
func statuses(t *testing.T, n int, res *api.BulkResult[api.BatchUser]) map[api.Status]int {
	t.Helper()
	if len(res.Results) != n {
		t.Fatalf("%d results for %d users", len(res.Results), n)
	}
	got := map[api.Status]int{}
	for i, r := range res.Results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
		got[r.Status]++
	}
	if got[api.Applied] != res.Applied || got[api.Existing] != res.Existing || got[api.Failed] != res.Failed || got[api.NotAttempted] != res.NotAttempted {
		t.Fatalf("counts %+v do not match the results %v", res, got)
	}
	return got
}

// A user whose login ID exists (an ordinary user, a test user, or one named by
// an additional login ID) is Existing, not Failed, and nothing is created twice; CreateSeq on
// the same input reports them Failed.
func TestImportSeqReportsExistingUsers(t *testing.T) {
	srv, c := exampleFakeWith()
	defer srv.Close()
	ctx := t.Context()
	users := importUsers(10, "new")
	users[2].LoginID = "jane@example.com" // jane exists
	users[5].LoginID = "bob@example.com"  // bob is a test user
	if _, err := c.Create(ctx, api.UserCreate{LoginID: "carl@example.com", AdditionalLoginIDs: []string{"new007@example.com"}}); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().CreatedUsers

	res, err := c.ImportSeq(ctx, slices.Values(users), api.WithBatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(t, len(users), res)
	if got[api.Applied] != 7 || got[api.Existing] != 3 || got[api.Failed] != 0 {
		t.Fatalf("outcomes %v, want 7 applied and 3 existing", got)
	}
	for _, i := range []int{2, 5, 7} {
		if r := res.Results[i]; r.Status != api.Existing || r.Item == nil || r.Item.LoginID != users[i].LoginID {
			t.Errorf("user %d (%s): %v %q, want existing with its input", i, users[i].LoginID, r.Status, r.Reason)
		}
	}
	if created := srv.Stats().CreatedUsers - before; created != 7 {
		t.Errorf("the fake created %d users, want 7", created)
	}

	// Sent again: every user exists now, none is created.
	before = srv.Stats().CreatedUsers
	res, err = c.ImportSeq(ctx, slices.Values(users), api.WithBatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(t, len(users), res); got[api.Existing] != 10 {
		t.Errorf("second import: %v, want 10 existing", got)
	}
	if created := srv.Stats().CreatedUsers - before; created != 0 {
		t.Errorf("the second import created %d users", created)
	}

	// CreateSeq does not look: the same users fail.
	res, err = c.CreateAll(ctx, users[:3])
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 3 || res.Existing != 0 {
		t.Errorf("CreateAll of existing users: %d failed, %d existing; want 3 failed", res.Failed, res.Existing)
	}
}

// A user the API refuses for another reason, whose login ID nobody has, stays Failed with the
// API's reason.
func TestImportSeqKeepsOtherFailures(t *testing.T) {
	srv, c := exampleFakeWith()
	defer srv.Close()
	users := importUsers(3, "bad")
	users[1].AdditionalLoginIDs = []string{"jane@example.com"} // taken by jane, but bad001 is free
	res, err := c.ImportAll(t.Context(), users)
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(t, 3, res)
	if got[api.Applied] != 2 || got[api.Failed] != 1 {
		t.Fatalf("outcomes %v, want 2 applied, 1 failed", got)
	}
	if r := res.Results[1]; r.Status != api.Failed || !strings.Contains(r.Reason, "jane@example.com") || r.Item == nil {
		t.Errorf("user 1: %v %q (item %v), want failed naming the taken login ID, with its item", r.Status, r.Reason, r.Item)
	}
}

// lossyProxy forwards every call to the fake, and for the first lose CreateUsers calls answers
// 502 after the fake has answered: the users were created, the client never hears of it.
func lossyProxy(t *testing.T, srv *apitest.Server, lose int32) (*httptest.Server, *atomic.Int32) {
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var lost atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/user/create/batch") && lost.Load() < lose {
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			lost.Add(1)
			http.Error(w, `{"errorCode":"E011502","errorDescription":"bad gateway"}`, http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy, &lost
}

// A batch whose answer is lost after the API created its users (a 502 from a proxy) is settled
// by looking its users up: every one is Existing, none Failed or created twice. CreateSeq, over
// the same proxy, fails them as users that may have been created.
func TestImportSeqSettlesABatchWhoseAnswerWasLost(t *testing.T) {
	srv, _ := exampleFakeWith()
	defer srv.Close()
	proxy, lost := lossyProxy(t, srv, 1)
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(proxy.URL))
	if err != nil {
		t.Fatal(err)
	}
	users := importUsers(6, "lost")
	res, err := c.ImportAll(t.Context(), users, api.WithBatchSize(3), api.WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	if lost.Load() != 1 {
		t.Fatalf("the proxy lost %d answers, want 1", lost.Load())
	}
	got := statuses(t, 6, res)
	if got[api.Existing] != 3 || got[api.Applied] != 3 {
		t.Errorf("outcomes %v, want 3 existing (the lost batch) and 3 applied", got)
	}
	if n := srv.Stats().CreatedUsers; n != 6 {
		t.Errorf("the fake created %d users, want 6", n)
	}

	proxy2, _ := lossyProxy(t, srv, 1)
	c2, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(proxy2.URL))
	if err != nil {
		t.Fatal(err)
	}
	res, err = c2.CreateAll(t.Context(), importUsers(3, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 3 || !strings.Contains(res.Results[0].Reason, "may have been created") {
		t.Errorf("CreateAll over a lost answer: %d failed, reason %q; want 3 failed as maybe created", res.Failed, res.Results[0].Reason)
	}
}

// A batch that fails before the API applies it (a 5xx from the fake's fault rules, which apply
// nothing) is Failed, with a reason that says no user has the login ID: safe to send again.
func TestImportSeqBatchThatFailedUnapplied(t *testing.T) {
	srv, c := exampleFakeWith()
	defer srv.Close()
	if err := srv.AddFaultRule(apitest.FaultRule{Operation: "CreateUsers", Status: 503, Count: 5}); err != nil {
		t.Fatal(err)
	}
	res, err := c.ImportAll(t.Context(), importUsers(2, "down"))
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(t, 2, res)
	if got[api.Failed] != 2 {
		t.Fatalf("outcomes %v, want 2 failed", got)
	}
	if r := res.Results[0]; !strings.Contains(r.Reason, "safe to send again") || strings.Contains(r.Reason, "may have been created") {
		t.Errorf("reason %q, want it to say the user was not created", r.Reason)
	}
	if srv.Stats().CreatedUsers != 0 {
		t.Errorf("created %d", srv.Stats().CreatedUsers)
	}
}
