package apitest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The store's indexes (the sets of positions, byID, the email and phone counts) are kept up to
// date by every change. These tests change users at random and check, throughout, that the
// indexes are what the users make them, and that every search answers what filtering Users()
// by hand answers.

// checkIndexes fails the test unless every index of s's store is what its users make it.
func checkIndexes(t *testing.T, s *Server) {
	t.Helper()
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	want := map[setKey][]int32{}
	ids := map[string]*slot{}
	emails, phones := map[string]int{}, map[string]int{}
	dead := 0
	for pos, sl := range st.slots {
		if sl == nil {
			dead++
			continue
		}
		if sl.pos != int32(pos) {
			t.Fatalf("the slot at position %d says it is at %d", pos, sl.pos)
		}
		u := sl.user
		for _, k := range setKeys(u, nil) {
			want[k] = append(want[k], int32(pos))
		}
		ids[u.UserID] = sl
		for _, id := range u.LoginIDs {
			ids[id] = sl
		}
		if e := ownEmail(u); e != "" {
			emails[e]++
		}
		if u.Phone != "" {
			phones[u.Phone]++
		}
	}
	if dead != st.dead {
		t.Fatalf("%d slots are empty, the store counts %d", dead, st.dead)
	}
	got := map[setKey][]int32{}
	for k, set := range st.sets {
		for c := set.from(0); !c.done(); c.next() {
			got[k] = append(got[k], c.pos())
		}
		if set.len() != len(got[k]) {
			t.Fatalf("set %+v counts %d positions and holds %d", k, set.len(), len(got[k]))
		}
	}
	if !reflect.DeepEqual(got, want) {
		for k := range mapsUnion(got, want) {
			if !slices.Equal(got[k], want[k]) {
				t.Fatalf("set %+v holds %v, want %v", k, got[k], want[k])
			}
		}
	}
	if !reflect.DeepEqual(st.byID, ids) {
		t.Fatalf("byID has %d IDs, want %d", len(st.byID), len(ids))
	}
	if !reflect.DeepEqual(st.emails, emails) || !reflect.DeepEqual(st.phones, phones) {
		t.Fatalf("emails %v phones %v, want %v %v", st.emails, st.phones, emails, phones)
	}
}

// checkTaken fails the test unless the store's answers to whether an email or a phone is another
// user's (failOnConflict) agree with going through users, for some users and values.
func checkTaken(t *testing.T, s *Server, r *rand.Rand, users []*gen.User) {
	t.Helper()
	if len(users) == 0 {
		return
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	for range 20 {
		me := users[r.IntN(len(users))]
		other := users[r.IntN(len(users))]
		value := []string{other.Email, other.LoginIDs[0], other.UserID, me.Email, fmt.Sprintf("shared%d@example.com", r.IntN(3))}[r.IntN(5)]
		phone := []string{other.Phone, me.Phone, "+15550009"}[r.IntN(3)]
		var emailTaken, phoneTaken bool
		for _, u := range users {
			if u.UserID != me.UserID {
				emailTaken = emailTaken || value != "" && (u.Email == value || u.UserID == value || slices.Contains(u.LoginIDs, value))
				phoneTaken = phoneTaken || phone != "" && u.Phone == phone
			}
		}
		sl := s.store.byID[me.UserID]
		if got := s.store.emailTaken(sl, value); got != emailTaken {
			t.Fatalf("emailTaken(%s, %q) = %v, want %v", me.UserID, value, got, emailTaken)
		}
		if got := s.store.phoneTaken(sl, phone); got != phoneTaken {
			t.Fatalf("phoneTaken(%s, %q) = %v, want %v", me.UserID, phone, got, phoneTaken)
		}
	}
}

func mapsUnion(a, b map[setKey][]int32) map[setKey]bool {
	out := map[setKey]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// bruteSearch answers req as the fake should, by going through every user of users (in insertion
// order) and checking the filters the random searches use, one by one.
func bruteSearch(users []*gen.User, req gen.SearchUsersRequest) ([]string, int) {
	var matches []*gen.User
	for _, u := range users {
		var tenants, roles []string
		roles = append(roles, u.RoleNames...)
		for _, t := range u.UserTenants {
			tenants = append(tenants, t.TenantID)
			roles = append(roles, t.RoleNames...)
		}
		some := func(filter []string, have ...string) bool {
			if len(filter) == 0 {
				return true
			}
			for _, h := range have {
				if slices.Contains(filter, h) {
					return true
				}
			}
			return false
		}
		var statuses []string
		for _, s := range req.Statuses {
			statuses = append(statuses, string(s))
		}
		text := false
		for _, f := range append([]string{u.UserID, u.Name, u.GivenName, u.FamilyName, u.Email, u.Phone}, u.LoginIDs...) {
			text = text || strings.Contains(strings.ToLower(f), strings.ToLower(req.Text))
		}
		switch {
		case req.TestUsersOnly && !u.Test, !req.TestUsersOnly && !req.WithTestUser && u.Test:
		case !some(req.TenantIDs, tenants...), !some(req.RoleNames, roles...), !some(statuses, u.Status):
		case !some(req.LoginIDs, u.LoginIDs...), !some(req.UserIDs, u.UserID), !some(req.Emails, u.Email):
		case !text:
		default:
			matches = append(matches, u)
		}
	}
	if len(req.Sort) > 0 {
		s := req.Sort[0]
		sort.SliceStable(matches, func(i, j int) bool {
			if s.Desc {
				return matches[i].Name > matches[j].Name
			}
			return matches[i].Name < matches[j].Name
		})
	}
	limit := int(req.Limit)
	if limit == 0 {
		limit = defaultSearchLimit
	}
	from := int(req.Page) * limit
	if req.Offset > 0 {
		from = int(req.Offset)
	}
	var page []string
	for _, u := range matches[min(from, len(matches)):min(from+limit, len(matches))] {
		page = append(page, u.UserID)
	}
	return page, len(matches)
}

// randomSearch is a search with some of the filters the indexes serve, and now and then another
// (text, emails), a sort, and a page.
func randomSearch(r *rand.Rand, users []*gen.User) gen.SearchUsersRequest {
	var req gen.SearchUsersRequest
	pick := func(n int, of func() string) []string {
		var out []string
		for range 1 + r.IntN(n) {
			out = append(out, of())
		}
		return out
	}
	some := func() bool { return r.IntN(3) == 0 }
	if some() {
		req.TenantIDs = pick(2, func() string { return fmt.Sprintf("T%d", r.IntN(5)) })
	}
	if some() {
		req.RoleNames = pick(2, func() string { return fmt.Sprintf("r%d", r.IntN(5)) })
	}
	if some() {
		for _, s := range pick(2, func() string { return randomStatus(r) }) {
			req.Statuses = append(req.Statuses, gen.SearchUsersRequestStatuses(s))
		}
	}
	if len(users) > 0 && r.IntN(8) == 0 {
		req.LoginIDs = pick(3, func() string { return users[r.IntN(len(users))].LoginIDs[0] })
	}
	if len(users) > 0 && r.IntN(8) == 0 {
		req.UserIDs = pick(3, func() string { return users[r.IntN(len(users))].UserID })
	}
	if r.IntN(10) == 0 {
		req.Text = []string{"NAME 1", "u1", "example"}[r.IntN(3)]
	}
	if len(users) > 0 && r.IntN(10) == 0 {
		req.Emails = []string{users[r.IntN(len(users))].Email}
	}
	switch r.IntN(4) {
	case 0:
		req.WithTestUser = true
	case 1:
		req.TestUsersOnly = true
	}
	if r.IntN(6) == 0 {
		req.Sort = []gen.SearchSort{{Field: "name", Desc: r.IntN(2) == 0}}
	}
	req.Limit = int32([]int{0, 1, 7, 50}[r.IntN(4)])
	size := max(1, int(req.Limit))
	if req.Limit == 0 {
		size = defaultSearchLimit
	}
	req.Page = int32(r.IntN(len(users)/size + 2))
	if r.IntN(5) == 0 {
		req.Offset = int32(r.IntN(len(users) + 2))
	}
	return req
}

func randomStatus(r *rand.Rand) string {
	return []string{"enabled", "disabled", "invited", "expired"}[r.IntN(4)]
}

// randomUser is a user of a few tenants and roles, with one of a few emails and phones.
func randomUser(r *rand.Rand, n int, test bool) gen.User {
	u := gen.User{
		LoginIDs: []string{fmt.Sprintf("u%d@example.com", n)},
		Name:     fmt.Sprintf("Name %d", r.IntN(20)),
		Status:   randomStatus(r),
		Test:     test,
	}
	switch r.IntN(4) {
	case 0:
		u.Email = u.LoginIDs[0]
	case 1:
		u.Email = fmt.Sprintf("shared%d@example.com", r.IntN(3))
	case 2:
		u.Email = fmt.Sprintf("u%d@example.com", r.IntN(10)) // perhaps another user's login ID
	}
	if r.IntN(2) == 0 {
		u.Phone = fmt.Sprintf("+1555000%d", r.IntN(3))
	}
	for range r.IntN(3) {
		u.RoleNames = append(u.RoleNames, fmt.Sprintf("r%d", r.IntN(5)))
	}
	for range r.IntN(3) {
		t := gen.UserTenant{TenantID: fmt.Sprintf("T%d", r.IntN(5))}
		if r.IntN(2) == 0 {
			t.RoleNames = []string{fmt.Sprintf("r%d", r.IntN(5))}
		}
		u.UserTenants = append(u.UserTenants, t)
	}
	if r.IntN(2) == 0 {
		u.CustomAttributes = map[string]any{"plan": []string{"free", "pro"}[r.IntN(2)], "seats": r.IntN(3)}
	}
	return u
}

// TestIndexesAgreeWithAFullScan runs random sequences of changes (users added, replaced, created
// over HTTP, patched in their status, roles, tenants, email, phone and login IDs, deleted one by
// one, in batches and all test users at once) against a fake, and after every few changes checks
// the indexes and compares random searches (store and HTTP) with a brute-force filter over Users().
func TestIndexesAgreeWithAFullScan(t *testing.T) {
	for seq := range 12 {
		r := rand.New(rand.NewPCG(uint64(seq), 42))
		s := NewServer(t, WithTestUserLimit(0))
		c := scaleClient(t, s)
		users, next := 0, 0
		if seq == 0 {
			// One sequence with more users than a block holds, so that the sets have many.
			for range 3 * maxBlock {
				s.AddUsers(randomUser(r, next, r.IntN(10) == 0))
				next++
			}
		}
		for step := range 250 {
			all := storedViews(s)
			users = len(all)
			pickUser := func() *gen.User { return all[r.IntN(len(all))] }
			switch op := r.IntN(20); {
			case op < 6 || users < 5:
				s.AddUsers(randomUser(r, next, r.IntN(8) == 0))
				next++
			case op == 6: // the same user ID again: replaced in place, perhaps now a test user
				u := randomUser(r, next, r.IntN(3) == 0)
				u.UserID = pickUser().UserID
				next++
				s.AddUsers(u)
			case op == 7:
				body := fmt.Sprintf(`{"loginId":"c%d@example.com","roleNames":["r%d"],"userTenants":[{"tenantId":"T%d"}],"test":%v}`,
					next, r.IntN(5), r.IntN(5), r.IntN(5) == 0)
				next++
				if got := send(t, s, http.MethodPost, "/v1/mgmt/user/create", body); got != http.StatusOK {
					t.Fatalf("create: %d", got)
				}
			case op < 13:
				p := gen.PatchUserRequest{LoginID: pickUser().LoginIDs[0]}
				switch r.IntN(6) {
				case 0:
					p.Status = ptrTo(gen.UserStatus(randomStatus(r)))
				case 1:
					p.RoleNames = ptrTo(randomUser(r, 0, false).RoleNames)
				case 2:
					var tenants []gen.PatchUserTenant
					for _, ut := range randomUser(r, 0, false).UserTenants {
						tenants = append(tenants, gen.PatchUserTenant{TenantID: ut.TenantID, RoleNames: &ut.RoleNames})
					}
					p.UserTenants = &tenants
				case 3:
					p.Email = ptrTo(randomUser(r, 0, false).Email)
					p.Phone = ptrTo(fmt.Sprintf("+1555000%d", r.IntN(3)))
				case 4:
					p.AdditionalLoginIDs = &[]string{fmt.Sprintf("extra%d", next)}
					next++
				case 5:
					p.CustomAttributes = &map[string]any{"seats": r.IntN(3)}
				}
				s.store.mu.Lock()
				_, e := s.store.patch(&p)
				s.store.mu.Unlock()
				if e != nil {
					t.Fatalf("patch %+v: %v", p, e.body)
				}
			case op < 16:
				body, _ := json.Marshal(map[string]string{"loginId": pickUser().LoginIDs[0]})
				if got := send(t, s, http.MethodPost, "/v1/mgmt/user/delete", string(body)); got != http.StatusOK {
					t.Fatalf("delete: %d", got)
				}
			case op < 19:
				var ids []string
				for range 1 + r.IntN(users/2) {
					ids = append(ids, pickUser().UserID)
				}
				ids = append(ids, "U2unknown")
				body, _ := json.Marshal(map[string][]string{"userIds": ids})
				if got := send(t, s, http.MethodPost, "/v1/mgmt/user/delete/batch", string(body)); got != http.StatusOK {
					t.Fatalf("delete/batch: %d", got)
				}
			default:
				if got := send(t, s, http.MethodDelete, "/v1/mgmt/user/test/delete/all", ""); got != http.StatusOK {
					t.Fatalf("test/delete/all: %d", got)
				}
			}
			if step%5 != 0 {
				continue
			}
			checkIndexes(t, s)
			all = storedViews(s)
			checkTaken(t, s, r, all)
			for i := range 8 {
				req := randomSearch(r, all)
				wantPage, wantTotal := bruteSearch(all, req)
				page, total, e := s.store.search(req)
				if e != nil {
					t.Fatalf("search %+v: %v", req, e.body)
				}
				var gotPage []string
				if i == 0 && step%25 == 0 { // and now and then through HTTP, validated both ways
					resp, err := c.SearchUsersWithResponse(t.Context(), req)
					if err != nil || resp.JSON200 == nil {
						t.Fatalf("search over HTTP: %v %s", err, resp.Body)
					}
					page, total = resp.JSON200.Users, int(resp.JSON200.Total)
				}
				for _, u := range page {
					gotPage = append(gotPage, u.UserID)
				}
				if total != wantTotal || !slices.Equal(gotPage, wantPage) {
					t.Fatalf("sequence %d, step %d: search %+v\ngot  %d: %v\nwant %d: %v", seq, step, req, total, gotPage, wantTotal, wantPage)
				}
			}
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// storedViews returns views of the stored users (user.view), in insertion order, for the checks
// that go through them all.
func storedViews(s *Server) []*gen.User {
	var out []*gen.User
	for _, u := range s.store.all() {
		out = append(out, u.view())
	}
	return out
}

// TestOtherFiltersKnowsEveryField holds otherFilters to the request's fields: every field of
// SearchUsersRequest set alone is either one the indexes answer, one that filters nothing, or one
// otherFilters reports. A field added to the spec is a filter until it is placed here.
func TestOtherFiltersKnowsEveryField(t *testing.T) {
	indexed := []string{"TenantIDs", "RoleNames", "Statuses", "TestUsersOnly", "WithTestUser"}
	noFilter := []string{"Limit", "Page", "Offset", "SelectedColumns", "Sort", "IncludeSubTenants"}
	typ := reflect.TypeFor[gen.SearchUsersRequest]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var req gen.SearchUsersRequest
		v := reflect.ValueOf(&req).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.String:
			v.SetString("x")
		case reflect.Int32, reflect.Int64:
			v.SetInt(1)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		case reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
			v.SetMapIndex(reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem())
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			t.Fatalf("field %s: kind %s: teach this test to set it", f.Name, v.Kind())
		}
		wantOther := !slices.Contains(indexed, f.Name) && !slices.Contains(noFilter, f.Name)
		if got := otherFilters(&req); got != wantOther {
			t.Errorf("otherFilters with only %s set = %v, want %v", f.Name, got, wantOther)
		}
	}
}
