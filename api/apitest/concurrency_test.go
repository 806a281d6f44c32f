package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// TestFiftyClientsAtOnce runs 50 clients at once against one fake (under -race in make test).
// Each creates users of its own, patches them (status and an attribute), loads them, searches
// for them by login ID and by its own tenant, and deletes every other one; each also adds 1, round
// after round, to a counter of its own on one user that every client patches, and creates a test
// user while another goroutine keeps deleting all test users. Then: no counter lost an increment,
// every user created and not deleted is found exactly once by every kind of search, the deleted
// ones are gone, and the totals agree with Users(). The whole run has a deadline, and the fake is
// closed only when it ends in time, so a deadlock fails the test instead of hanging it.
func TestFiftyClientsAtOnce(t *testing.T) {
	const clients, rounds, deadline = 50, 4, time.Minute
	const counter = "counter@example.com"
	var mu sync.Mutex
	var mismatches []error
	s, err := apitest.Start(
		apitest.WithUsers(gen.User{LoginIDs: []string{counter}}),
		apitest.WithTestUserLimit(0),
		apitest.WithResponseValidation(func(err error) {
			mu.Lock()
			mismatches = append(mismatches, err)
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	newClient := func() *api.Client {
		c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL), api.WithHTTPClient(s.Client()), api.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	done := make(chan struct{})
	errs := make([]error, clients)
	kept := make([][]string, clients) // each client's users left at the end
	stop := make(chan struct{})
	var sweeper error
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := range clients {
			c := newClient()
			wg.Go(func() { kept[i], errs[i] = runClient(ctx, c, i, rounds, counter) })
		}
		sweep := newClient()
		var sw sync.WaitGroup
		sw.Go(func() { // deletes all test users again and again while the clients run
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := sweep.DeleteAllTestUsers(ctx); err != nil {
					sweeper = err
					return
				}
			}
		})
		wg.Wait()
		close(stop)
		sw.Wait()
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("the clients did not finish within %v: a deadlock? (the fake is left open)", deadline)
	}
	defer s.Close()
	if err := errors.Join(append(errs, sweeper)...); err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Fatalf("responses that do not match the spec: %v", errors.Join(mismatches...))
	}

	c := newClient()
	// No increment lost: every client's counter on the shared user is at rounds.
	u, err := c.Load(ctx, counter)
	if err != nil {
		t.Fatal(err)
	}
	for i := range clients {
		if got := u.CustomAttributes[fmt.Sprintf("n%d", i)]; got != float64(rounds) {
			t.Errorf("client %d's counter is %v, want %d", i, got, rounds)
		}
	}
	// Every user kept is there once, whichever way it is searched; the deleted ones are gone.
	if err := c.DeleteAllTestUsers(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{counter}
	for _, ids := range kept {
		want = append(want, ids...)
	}
	slices.Sort(want)
	var all []string
	for u, err := range c.SearchAll(ctx, api.SearchOptions{Limit: 37}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, u.LoginIDs[0])
	}
	slices.Sort(all)
	if !slices.Equal(all, want) {
		t.Errorf("SearchAll found %d users, want %d", len(all), len(want))
	}
	if n := len(s.Users()); n != len(want) {
		t.Errorf("Users() has %d users, want %d", n, len(want))
	}
	for _, opts := range []api.SearchOptions{
		{WithTestUser: true},
		{Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesEnabled, gen.SearchUsersRequestStatusesDisabled}},
		{Text: "@example.com"},
	} {
		users, total, err := c.Search(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) || len(users) != min(total, api.DefaultSearchLimit) {
			t.Errorf("search %+v: %d users of %d, want %d", opts, len(users), total, len(want))
		}
	}
	if _, total, err := c.Search(ctx, api.SearchOptions{TestUsersOnly: true}); err != nil || total != 0 {
		t.Errorf("test users left after DeleteAllTestUsers: %d (%v)", total, err)
	}
	for i, ids := range kept {
		_, total, err := c.Search(ctx, api.SearchOptions{TenantIDs: []string{fmt.Sprintf("T%d", i)}})
		if err != nil || total != len(ids) {
			t.Errorf("tenant T%d: %d users, want %d (%v)", i, total, len(ids), err)
		}
	}
}

// runClient is client i of TestFiftyClientsAtOnce: it returns the login IDs of the users it
// created and did not delete.
func runClient(ctx context.Context, c *api.Client, i, rounds int, counter string) ([]string, error) {
	tenant := fmt.Sprintf("T%d", i)
	var kept, deleted []string
	if _, err := c.CreateTestUser(ctx, api.UserCreate{LoginID: fmt.Sprintf("test%d@example.com", i)}); err != nil {
		return nil, fmt.Errorf("client %d: create test user: %w", i, err)
	}
	for r := range rounds {
		id := fmt.Sprintf("c%d-%d@example.com", i, r)
		if _, err := c.Create(ctx, api.UserCreate{LoginID: id, Email: id, RoleNames: []string{"viewer"},
			UserTenants: []api.TenantPatch{{TenantID: tenant}}, Status: api.Ptr(gen.UserStatusEnabled)}); err != nil {
			return nil, fmt.Errorf("client %d: create %s: %w", i, id, err)
		}
		kept = append(kept, id)
		// The counter: read, add 1, write. Only this client writes its key, but every client
		// patches the same user at once.
		u, err := c.Load(ctx, counter)
		if err != nil {
			return nil, fmt.Errorf("client %d: load counter: %w", i, err)
		}
		key := fmt.Sprintf("n%d", i)
		n, _ := u.CustomAttributes[key].(float64)
		if _, err := c.UpdateCustomAttribute(ctx, counter, key, n+1); err != nil {
			return nil, fmt.Errorf("client %d: increment: %w", i, err)
		}
		if _, err := c.Patch(ctx, api.UserPatch{LoginID: id, Status: api.Ptr(gen.UserStatusDisabled),
			CustomAttributes: api.Ptr(map[string]any{"round": r})}); err != nil {
			return nil, fmt.Errorf("client %d: patch %s: %w", i, id, err)
		}
		if r%2 == 1 { // delete the user of the round before
			gone := kept[len(kept)-2]
			if err := c.Delete(ctx, gone); err != nil {
				return nil, fmt.Errorf("client %d: delete %s: %w", i, gone, err)
			}
			kept = slices.Delete(kept, len(kept)-2, len(kept)-1)
			deleted = append(deleted, gone)
		}
		// Its users, by login ID (the deleted ones too) and by tenant: each kept one once.
		users, total, err := c.Search(ctx, api.SearchOptions{LoginIDs: append(slices.Clone(kept), deleted...)})
		if err != nil {
			return nil, fmt.Errorf("client %d: search: %w", i, err)
		}
		if got := loginIDs(users); total != len(kept) || !slices.Equal(got, kept) {
			return nil, fmt.Errorf("client %d: search by login ID: %v (total %d), want %v", i, got, total, kept)
		}
		users, total, err = c.Search(ctx, api.SearchOptions{TenantIDs: []string{tenant}, Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesDisabled}})
		if err != nil {
			return nil, fmt.Errorf("client %d: search: %w", i, err)
		}
		if got := loginIDs(users); total != len(kept) || !slices.Equal(got, kept) {
			return nil, fmt.Errorf("client %d: search by tenant: %v (total %d), want %v", i, got, total, kept)
		}
		if _, err := c.Load(ctx, id); err != nil {
			return nil, fmt.Errorf("client %d: load %s: %w", i, id, err)
		}
		for _, gone := range deleted {
			if _, err := c.Load(ctx, gone); !errors.Is(err, api.ErrUserNotFound) {
				return nil, fmt.Errorf("client %d: load of deleted %s: %v, want not found", i, gone, err)
			}
		}
	}
	return kept, nil
}

func loginIDs(users []api.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.LoginIDs[0]
	}
	return out
}
