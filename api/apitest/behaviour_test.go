package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

func TestAuth(t *testing.T) {
	const key = "k-3f9a-very-fake-key"
	s := apitest.NewServer(t, apitest.WithCredentials("P2auth", key), apitest.WithUsers(jane()), apitest.WithRequestLog())
	body := `{"loginId":"jane","name":"Mallory"}`
	for _, tc := range []struct{ name, auth string }{
		{"missing", ""},
		{"not bearer", "Basic UDJhdXRoOms="},
		{"no colon", "Bearer P2auth" + key},
		{"no key", "Bearer P2auth:"},
		{"no project", "Bearer :" + key},
		{"white space", "Bearer P2auth: " + key},
		{"wrong key", "Bearer P2auth:" + key + "x"},
		{"key of another project", "Bearer P2other:" + key},
		{"key as project", "Bearer " + key + ":" + key},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", tc.auth, body)
			wantError(t, tc.name, r.Status, &r.Error, http.StatusUnauthorized, apitest.CodeUnauthorized)
			if strings.Contains(r.Body, key) {
				t.Errorf("the 401 body contains the management key: %s", r.Body)
			}
		})
	}
	if u := mustUser(t, s, "jane"); u.Name != "Jane Doe" {
		t.Errorf("an unauthorized patch was applied: %q", u.Name)
	}
	// Credentials come before validation: an invalid body with bad credentials is a 401.
	r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", "Bearer P2auth:nope", `{"name":1}`)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("bad credentials and bad body: status %d, want 401", r.Status)
	}
	// The right credentials work, whatever the case of the scheme name (RFC 9110).
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		if r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", scheme+" P2auth:"+key, body); r.Status != http.StatusOK {
			t.Errorf("right credentials, scheme %q: %d %s", scheme, r.Status, r.Body)
		}
	}
	// Error bodies never echo the key, even when the request carries it where it gets echoed.
	r = raw(t, s, "PATCH", "/v1/mgmt/user/patch", "Bearer P2auth:"+key, `{"loginId":"`+key+`"}`)
	if r.Status != http.StatusNotFound || strings.Contains(r.Body, key) {
		t.Errorf("unknown login ID equal to the key: %d %s", r.Status, r.Body)
	}
	if st := s.Stats(); st.ByStatus[http.StatusUnauthorized] != 10 {
		t.Errorf("ByStatus[401] = %d, want 10", st.ByStatus[http.StatusUnauthorized])
	}
}

func TestRateLimit(t *testing.T) {
	// 10 tokens a second (one per 100ms), 2 in the bucket.
	s := apitest.NewServer(t, apitest.WithRateLimit(10, 2), apitest.WithUsers(jane()))
	c := client(t, s)
	ctx := context.Background()
	patch := func() *gen.PatchUserResponse {
		t.Helper()
		r, err := c.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: "jane", Name: ptr("R")})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := range 2 {
		if r := patch(); r.StatusCode() != http.StatusOK {
			t.Fatalf("call %d within the burst: %d %s", i, r.StatusCode(), r.Body)
		}
	}
	r := patch()
	wantError(t, "beyond the burst", r.StatusCode(), r.JSON429, http.StatusTooManyRequests, apitest.CodeRateLimitExceeded)
	ra := r.HTTPResponse.Header.Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want an integer >= 1", ra)
	}
	if r.Headers429 == nil || r.Headers429.RetryAfter != 1 {
		t.Errorf("generated client's Retry-After: %+v", r.Headers429)
	}
	// Refused calls take no token: after one refill interval a call succeeds again.
	time.Sleep(110 * time.Millisecond)
	if r := patch(); r.StatusCode() != http.StatusOK {
		t.Fatalf("after waiting: %d %s", r.StatusCode(), r.Body)
	}
	if st := s.Stats(); st.RateLimited != 1 || st.ByStatus[http.StatusTooManyRequests] != 1 {
		t.Errorf("stats: %+v", st)
	}
	// The rate limit comes after the credentials: a bad key is a 401, not a 429.
	if r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", "Bearer x:y", `{"loginId":"jane"}`); r.Status != http.StatusUnauthorized {
		t.Errorf("bad key while limited: %d", r.Status)
	}
}

func TestFaultErrorRate(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithFaults(apitest.Faults{ErrorRate: 1}))
	c := client(t, s)
	for i := range 5 {
		r, err := c.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{LoginID: "jane", Name: ptr(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, "injected", r.StatusCode(), r.JSON503, http.StatusServiceUnavailable, apitest.CodeServiceUnavailable)
	}
	// Faults come before validation: even an invalid request gets the 503.
	if r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), `{}`); r.Status != http.StatusServiceUnavailable {
		t.Errorf("invalid request: %d", r.Status)
	}
	if u := mustUser(t, s, "jane"); u.Name != "Jane Doe" {
		t.Errorf("a failed call was applied: %q", u.Name)
	}
	if st := s.Stats(); st.InjectedErrors != 6 || st.ByStatus[503] != 6 {
		t.Errorf("stats: %+v", st)
	}
}

func TestFaultsAreDeterministic(t *testing.T) {
	pattern := func(seed int64) string {
		s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithFaults(apitest.Faults{ErrorRate: 0.3, Seed: seed}))
		var b strings.Builder
		for range 40 {
			r := raw(t, s, "PATCH", "/v1/mgmt/user/patch", bearer(s), `{"loginId":"jane"}`)
			b.WriteString(map[bool]string{true: "x", false: "."}[r.Status == 503])
		}
		return b.String()
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Errorf("same seed, different failures:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same failures: %s", a)
	}
	if n := strings.Count(a, "x"); n < 4 || n > 20 {
		t.Errorf("%d of 40 calls failed with ErrorRate 0.3: %s", n, a)
	}
}

func TestFaultCutRate(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithFaults(apitest.Faults{CutRate: 1}), apitest.WithRequestLog())
	c := client(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: "jane", Name: ptr("Cut")})
	if err == nil {
		t.Fatal("a cut call returned no error")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want an unexpected EOF", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cut took %v", d)
	}
	if st := s.Stats(); st.InjectedCuts != 1 || len(st.ByStatus) != 0 {
		t.Errorf("stats: %+v", st)
	}
	if log := s.Requests(); len(log) != 1 || log[0].Fault != "cut" {
		t.Errorf("log: %+v", log)
	}
	if u := mustUser(t, s, "jane"); u.Name != "Jane Doe" {
		t.Errorf("a cut call was applied: %q", u.Name)
	}
}

func TestFaultLatency(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithFaults(apitest.Faults{Latency: 30 * time.Millisecond}))
	c := client(t, s)

	// A patient client gets its answer, late.
	start := time.Now()
	r, err := c.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{LoginID: "jane", Name: ptr("Slow")})
	if err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("%v %v", err, r)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered in %v, before the latency", d)
	}

	// A client that gives up: the server drops the call instead of holding it.
	slow := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithFaults(apitest.Faults{Latency: time.Hour}))
	sc := client(t, slow)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = sc.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: "jane", Name: ptr("Never")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cancelled call took %v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for slow.Stats().Canceled != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not drop the cancelled call: %+v", slow.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if u := mustUser(t, slow, "jane"); u.Name != "Jane Doe" {
		t.Errorf("a dropped call was applied: %q", u.Name)
	}

	// Close does not wait out the latency of calls in progress.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = sc.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{LoginID: "jane"})
	}()
	for slow.Stats().Requests < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // let the call reach the latency wait
	start = time.Now()
	slow.Close()
	<-done
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
}

func TestRequestLog(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane()), apitest.WithRequestLog())
	c := client(t, s)
	before := time.Now()
	if _, err := c.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{LoginID: "jane", Name: ptr("Logged")}); err != nil {
		t.Fatal(err)
	}
	raw(t, s, "POST", "/v1/mgmt/user/update/picture", "Bearer "+s.ProjectID()+":wrong-"+s.ManagementKey(), `{"loginId":"jane"}`)
	raw(t, s, "GET", "/nowhere", bearer(s), ``)

	log := s.Requests()
	if len(log) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(log), log)
	}
	if e := log[0]; e.Method != "PATCH" || e.Path != "/v1/mgmt/user/patch" || e.OperationID != "PatchUser" ||
		e.Status != 200 || string(e.Body) != `{"loginId":"jane","name":"Logged"}` || e.Time.Before(before) || e.Fault != "" {
		t.Errorf("entry 0: %+v (body %s)", e, e.Body)
	}
	if e := log[1]; e.OperationID != "UpdateUserPicture" || e.Status != 401 {
		t.Errorf("entry 1: %+v", e)
	}
	if e := log[2]; e.OperationID != "" || e.Status != 404 || e.Path != "/nowhere" {
		t.Errorf("entry 2: %+v", e)
	}
	if dump := fmt.Sprintf("%+v %s %s %s", log, log[0].Body, log[1].Body, log[2].Body); strings.Contains(dump, s.ManagementKey()) {
		t.Errorf("the log holds the management key: %s", dump)
	}
	// The log is a copy.
	log[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] != '{' {
		t.Error("changing a returned entry changed the log")
	}
	// Without WithRequestLog, nothing is kept.
	quiet := apitest.NewServer(t)
	raw(t, quiet, "GET", "/", "", "")
	if n := len(quiet.Requests()); n != 0 {
		t.Errorf("%d entries without WithRequestLog", n)
	}
}

func TestStats(t *testing.T) {
	s := apitest.NewServer(t, apitest.WithUsers(jane(), bob()))
	c := client(t, s)
	ctx := context.Background()
	_, _ = c.PatchUserWithResponse(ctx, gen.PatchUserRequest{LoginID: "jane", Name: ptr("A")})
	_, _ = c.UpdateUserPictureWithResponse(ctx, gen.UpdateUserPictureRequest{LoginID: "bob@example.com", Picture: ptr("")})
	_, _ = c.UpdateUserPictureWithResponse(ctx, gen.UpdateUserPictureRequest{LoginID: "ghost", Picture: ptr("")})
	raw(t, s, "GET", "/", "", "")
	st := s.Stats()
	if st.Requests != 4 || st.ByStatus[200] != 2 || st.ByStatus[404] != 2 ||
		st.ByOperation["PatchUser"] != 1 || st.ByOperation["UpdateUserPicture"] != 2 || st.ByOperation[""] != 1 ||
		st.PatchedUsers != 1 || st.UpdatedUsers != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestConcurrentPatches(t *testing.T) {
	const (
		workers = 16
		rounds  = 8
		others  = 30
	)
	users := []gen.User{jane()}
	for i := range others {
		users = append(users, gen.User{LoginIDs: []string{fmt.Sprintf("user%d@example.com", i)}})
	}
	s := apitest.NewServer(t, apitest.WithUsers(users...), apitest.WithRequestLog())
	c := client(t, s)
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				// Every worker merges its own attribute into Jane, and batches over the others.
				r, err := c.PatchUserWithResponse(ctx, gen.PatchUserRequest{
					LoginID: "jane", CustomAttributes: &map[string]any{fmt.Sprintf("w%d", w): i},
				})
				if err != nil || r.StatusCode() != 200 {
					errs <- fmt.Errorf("worker %d patch %d: %v %v", w, i, err, r)
					return
				}
				batch := make([]gen.PatchUserRequest, 0, others/2)
				for j := range others / 2 {
					batch = append(batch, gen.PatchUserRequest{
						LoginID:          fmt.Sprintf("user%d@example.com", (w+i+j)%others),
						CustomAttributes: &map[string]any{fmt.Sprintf("w%d", w): i},
					})
				}
				br, err := c.PatchUserBatchWithResponse(ctx, gen.PatchUsersBatchRequest{Users: batch})
				if err != nil || br.JSON200 == nil || len(br.JSON200.PatchedUsers) != len(batch) {
					errs <- fmt.Errorf("worker %d batch %d: %v %v", w, i, err, br)
					return
				}
				_ = s.Users()
				_, _ = s.User("jane")
				_ = s.Stats()
			}
		})
	}
	// Readers and seeding alongside.
	wg.Go(func() {
		for i := range 50 {
			s.AddUsers(gen.User{LoginIDs: []string{fmt.Sprintf("late%d", i)}})
			_ = s.Requests()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	attrs := mustUser(t, s, "jane").CustomAttributes
	for w := range workers {
		if got := attrs[fmt.Sprintf("w%d", w)]; got != float64(rounds-1) {
			t.Errorf("w%d = %v, want %d: a merge was lost", w, got, rounds-1)
		}
	}
	st := s.Stats()
	if want := int64(workers * rounds * (1 + others/2)); st.PatchedUsers != want {
		t.Errorf("PatchedUsers = %d, want %d", st.PatchedUsers, want)
	}
	if n := len(s.Requests()); n != workers*rounds*2 {
		t.Errorf("%d logged requests, want %d", n, workers*rounds*2)
	}
	if n := len(s.Users()); n != 1+others+50 {
		t.Errorf("%d users, want %d", n, 1+others+50)
	}
}
