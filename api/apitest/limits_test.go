package apitest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Descope's documented limits over HTTP: the call beyond a group's count is a 429 E130429 with
// the lock-out in Retry-After, in the API's seconds even when the clock is scaled; the lock-out
// holds the group only, and the statistics count it once.
func TestDescopeLimits(t *testing.T) {
	limits := apitest.DescopeLimits()
	limits[1].Limit.Count = 3 // user update
	limits[3].Limit.Count = 2 // everything else
	// A clock 10 times as fast: the 60 s lock-out lasts 6 s, far longer than this test.
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithLimits(limits...), apitest.WithTimeScale(10))
	c := client(t, s)
	ctx := context.Background()
	status := func(r interface{ StatusCode() int }, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode()
	}
	for i := range 3 {
		if got := status(c.UpdateUserStatusWithResponse(ctx, gen.UpdateUserStatusRequest{LoginID: "jane", Status: "enabled"})); got != 200 {
			t.Fatalf("update call %d: %d", i+1, got)
		}
	}
	r, err := c.UpdateUserEmailWithResponse(ctx, gen.UpdateUserEmailRequest{LoginID: "jane", Email: ptr("j@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "4th update call", r.StatusCode(), r.JSON429, http.StatusTooManyRequests, api.CodeRateLimitExceeded)
	if ra := r.HTTPResponse.Header.Get("Retry-After"); ra != "60" {
		t.Errorf("Retry-After %q, want 60 (the API's seconds)", ra)
	}
	if u := mustUser(t, s, "jane"); u.Email != jane().Email {
		t.Errorf("a refused call changed the email to %q", u.Email)
	}
	// Locked out: another update path of the group too.
	if got := status(c.UpdateUserAddRolesWithResponse(ctx, gen.UpdateUserRolesRequest{LoginID: "jane", RoleNames: []string{"x"}})); got != 429 {
		t.Errorf("v2 role/add during the update lock-out: %d, want 429", got)
	}
	// Other groups are not: two patches pass, the third is locked out.
	for i, want := range []int{200, 200, 429} {
		if got := status(c.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: "jane"})); got != want {
			t.Errorf("patch %d: %d, want %d", i+1, got, want)
		}
	}
	st := s.Stats()
	if st.Lockouts != 2 || st.RateLimited != 3 {
		t.Errorf("lockouts %d, 429s %d; want 2 and 3", st.Lockouts, st.RateLimited)
	}
}

// The client waits out a lock-out on the fake's scaled clock: it reads Retry-After as it does
// against Descope, and sleeps 1/scale of it. The call after the lock-out succeeds; none is sent
// during it.
func TestClientWaitsOutAScaledLockout(t *testing.T) {
	limits := []apitest.WindowLimit{{Name: "all", Limit: api.Limit{Count: 2, Window: time.Minute}, Lockout: time.Minute}}
	const scale = 600 // a minute is 0.1 s
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithLimits(limits...), apitest.WithTimeScale(scale))
	c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL), api.WithHTTPClient(s.Client()), api.WithTimeScale(scale))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := c.UpdatePicture(context.Background(), "jane", ""); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if st := s.Stats(); st.Lockouts != 1 || st.RateLimited != 1 || st.ByStatus[200] != 3 {
		t.Errorf("lockouts %d, 429s %d, 200s %d; want 1, 1, 3 (one 429, waited out, then success)", st.Lockouts, st.RateLimited, st.ByStatus[200])
	}
}
