package api_test

// PlanSync against the servers of search_pages_test.go that page badly.

import (
	"slices"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// PlanSync pages each chunk of its search the same way: a server that sends an empty page early,
// a short page late, or the same users on every page can neither make it report as missing a
// user that exists (without an error) nor count a user twice.
func TestPlanSyncAgainstServersThatPageBadly(t *testing.T) {
	users := numbered(25)
	var desired []api.UserPatch
	for _, u := range users {
		desired = append(desired, api.UserPatch{LoginID: u.LoginIDs[0], Name: api.Ptr("N")})
	}
	for _, tc := range []struct {
		name  string
		shape func(call, page, limit int, match []api.User) ([]api.User, int)
		reads int    // the searches, when the plan is made
		fails string // what the error says, when it is not
	}{
		{"honest", honestly, 3, ""},
		{"ignores the limit, answers every match on every page", func(_, _, _ int, match []api.User) ([]api.User, int) {
			return match, len(match)
		}, 3, ""},
		{"ignores the limit and the page, answers the same 4 users", func(_, _, _ int, match []api.User) ([]api.User, int) {
			return match[:min(4, len(match))], len(match)
		}, 0, "page 1 (4 a page) holds only users that came before (4 of them), but only 4 of the 10 users"},
		{"caps at 4, then an empty page", func(_, page, limit int, match []api.User) ([]api.User, int) {
			if page > 0 {
				return nil, len(match)
			}
			users, total := honest(page, limit, match)
			return users[:min(4, len(users))], total
		}, 0, "page 1 (4 a page) is empty, but only 4 of the 10 users"},
		{"caps at 6, then at 3", func(_, page, limit int, match []api.User) ([]api.User, int) {
			most := 3
			if page == 0 {
				most = 6
			}
			users, total := honest(page, limit, match)
			return users[:min(most, len(users))], total
		}, 7, ""}, // 10 names: 0/10 (6 users), 1/6 (3), 3/3 (1); 5 names: 0/10 (5)
		{"caps at 4 at the offsets of the limit asked", func(_, page, limit int, match []api.User) ([]api.User, int) {
			users, total := honest(page, limit, match)
			return users[:min(4, len(users))], total
		}, 8, ""}, // 10 names: 0/10, 1/4, 2/4; 5 names: 0/10 (4), 1/4 (1)
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newPaged(t, slices.Clone(users), tc.shape)
			plan, err := c.PlanSync(t.Context(), desired, api.WithPageSize(10), api.WithConcurrency(1))
			if tc.fails != "" {
				wantMalformed(t, err, "SearchUsers", tc.fails)
				if plan != nil {
					t.Errorf("a plan beside the error: %+v", plan)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (asked %v)", err, s.calls())
			}
			if plan.Missing != 0 || plan.ToChange != 25 || plan.Reads != tc.reads {
				t.Errorf("%d missing, %d to change in %d reads (asked %v); want 0, 25 in %d", plan.Missing, plan.ToChange, plan.Reads, s.calls(), tc.reads)
			}
		})
	}
}
