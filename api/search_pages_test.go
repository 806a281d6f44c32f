package api_test

// SearchAll against servers that page badly: a page that comes back empty before the total is
// reached, a server that ignores the limit, a short page after the first, a user the total
// counts but no page carries, users deleted, created or moved while the pages are read. It may
// neither end short of what the server said exists without an error, nor yield a user twice.
// (PlanSync against the same servers: sync_pages_test.go.)

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

const (
	pagesProject = "P2pagesTestProject"
	pagesKey     = "K2pages-fake-management-key"
)

// pagedServer is a search endpoint over a list of users whose answers a test shapes. Every
// search gets the users that match its loginIds or userIds filter (all users without one), in
// order; shape turns the call's number (from 0), the page and limit asked (100 when 0) and those
// users into the users it answers and the total it sends. shape runs under the server's lock,
// so it may change users (for the calls after it).
type pagedServer struct {
	mu    sync.Mutex
	users []api.User
	shape func(call, page, limit int, match []api.User) ([]api.User, int)
	asked []string // "page/limit" of every call, in order
}

// honest is the documented paging: page of limit users, and how many match in all.
func honest(page, limit int, match []api.User) ([]api.User, int) {
	from := min(page*limit, len(match))
	return match[from:min(from+limit, len(match))], len(match)
}

// honestly answers every call honestly.
func honestly(_, page, limit int, match []api.User) ([]api.User, int) {
	return honest(page, limit, match)
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req api.SearchOptions
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	limit := int(req.Limit)
	if limit == 0 {
		limit = api.DefaultSearchLimit
	}
	s.mu.Lock()
	var match []api.User
	for _, u := range s.users {
		switch {
		case len(req.LoginIDs) > 0 && !slices.ContainsFunc(u.LoginIDs, func(id string) bool { return slices.Contains(req.LoginIDs, id) }),
			len(req.UserIDs) > 0 && !slices.Contains(req.UserIDs, u.UserID):
			continue
		}
		match = append(match, u)
	}
	call := len(s.asked)
	s.asked = append(s.asked, fmt.Sprintf("%d/%d", req.Page, limit))
	users, total := s.shape(call, int(req.Page), limit, match)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"users": nonNil(users), "total": total})
}

func nonNil(us []api.User) []api.User {
	if us == nil {
		return []api.User{}
	}
	return us
}

// calls returns the "page/limit" of every call so far.
func (s *pagedServer) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

// numbered returns n users U2user00000, U2user00001... with the login IDs user00000@example.com...
func numbered(n int) []api.User {
	out := make([]api.User, n)
	for i := range out {
		out[i] = api.User{UserID: fmt.Sprintf("U2user%05d", i), LoginIDs: []string{fmt.Sprintf("user%05d@example.com", i)}}
	}
	return out
}

// newPaged starts a pagedServer over users and a client for it.
func newPaged(t *testing.T, users []api.User, shape func(call, page, limit int, match []api.User) ([]api.User, int)) (*pagedServer, *api.Client) {
	t.Helper()
	s := &pagedServer{users: users, shape: shape}
	return s, serve(t, s)
}

// serve starts s and returns a client for it.
func serve(t *testing.T, s *pagedServer) *api.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := api.New(pagesProject, pagesKey, api.WithBaseURL(srv.URL), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// searchAll runs SearchAll with opts to its end and returns the user IDs yielded, in order, and
// the error that ended it. It fails the test if an error is yielded more than once or is
// followed by a user.
func searchAll(t *testing.T, c *api.Client, opts api.SearchOptions) ([]string, error) {
	t.Helper()
	var ids []string
	var ended error
	for u, err := range c.SearchAll(t.Context(), opts) {
		if ended != nil {
			t.Fatalf("SearchAll went on after its error %v (%v, %v)", ended, u.UserID, err)
		}
		if err != nil {
			ended = err
			continue
		}
		ids = append(ids, u.UserID)
	}
	return ids, ended
}

// wantOnce fails the test unless ids holds no ID twice.
func wantOnce(t *testing.T, ids []string) {
	t.Helper()
	seen := make(map[string]bool, len(ids))
	var twice []string
	for _, id := range ids {
		if seen[id] {
			twice = append(twice, id)
		}
		seen[id] = true
	}
	if len(twice) > 0 {
		t.Errorf("%d of %d users yielded twice, e.g. %v", len(twice), len(ids), twice[:min(3, len(twice))])
	}
}

// wantMalformed fails the test unless err wraps api.ErrMalformedResponse and says each of says.
func wantMalformed(t *testing.T, err error, says ...string) {
	t.Helper()
	if !errors.Is(err, api.ErrMalformedResponse) {
		t.Fatalf("err = %v, want one wrapping ErrMalformedResponse", err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to say %q", err, s)
		}
	}
}

// Page 1 comes back empty while the total says 300 users match: after the 100 of page 0, the
// iteration ends with an error that says what the server did, not quietly.
func TestSearchAllEmptyPageBeforeTheTotal(t *testing.T) {
	s, c := newPaged(t, numbered(300), func(call, page, limit int, match []api.User) ([]api.User, int) {
		if page == 1 {
			return nil, len(match)
		}
		return honest(page, limit, match)
	})
	ids, err := searchAll(t, c, api.SearchOptions{})
	wantOnce(t, ids)
	if len(ids) != 100 {
		t.Errorf("%d users before the error, want the 100 of page 0", len(ids))
	}
	wantMalformed(t, err, "SearchUsers", "page 1 is empty", "100 of the 300")
	if got := s.calls(); !slices.Equal(got, []string{"0/100", "1/100"}) {
		t.Errorf("asked %v, want 0/100 1/100", got)
	}
}

// A server that ignores the limit and answers all 250 users on every page: they are yielded once
// and the iteration ends when the total is reached, after one call. When its total says more
// than it ever sends, the page that brings nothing new ends it with an error.
func TestSearchAllServerIgnoringTheLimit(t *testing.T) {
	everything := func(_, _, _ int, match []api.User) ([]api.User, int) { return match, len(match) }
	s, c := newPaged(t, numbered(250), everything)
	ids, err := searchAll(t, c, api.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantOnce(t, ids)
	if len(ids) != 250 || len(s.calls()) != 1 {
		t.Errorf("%d users in %d calls, want 250 in 1", len(ids), len(s.calls()))
	}

	s, c = newPaged(t, numbered(250), func(_, _, _ int, match []api.User) ([]api.User, int) { return match, 300 })
	ids, err = searchAll(t, c, api.SearchOptions{})
	wantOnce(t, ids)
	if len(ids) != 250 {
		t.Errorf("%d users, want 250", len(ids))
	}
	wantMalformed(t, err, "page 1 holds only users that came before", "250 of the 300")
	if n := len(s.calls()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// A short page that is not the last and arrives after page 0 (here the server answers at most 60
// users from page 1 on, at the offsets of the limit asked) is not a reason to skip or repeat
// users: every user is yielded once, and the pages after it are asked at its size, the first of
// them from the page of that size that holds the next user (its first 40 users are known and
// skipped).
func TestSearchAllShortPageLate(t *testing.T) {
	s, c := newPaged(t, numbered(300), func(_, page, limit int, match []api.User) ([]api.User, int) {
		users, total := honest(page, limit, match)
		if page > 0 && len(users) > 60 {
			users = users[:60]
		}
		return users, total
	})
	ids, err := searchAll(t, c, api.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantOnce(t, ids)
	if len(ids) != 300 || !slices.IsSorted(ids) {
		t.Errorf("%d users (sorted: %v), want the 300 in order", len(ids), slices.IsSorted(ids))
	}
	if got := s.calls(); !slices.Equal(got, []string{"0/100", "1/100", "2/60", "3/60", "4/60"}) {
		t.Errorf("asked %v, want 0/100 1/100 2/60 3/60 4/60", got)
	}

	// A server that answers a short page 0 caps the page size (the case the short page was
	// first read for): the pages after it are asked at its size, and nothing is repeated.
	s, c = newPaged(t, numbered(300), func(_, page, limit int, match []api.User) ([]api.User, int) {
		return honest(page, min(limit, 75), match)
	})
	ids, err = searchAll(t, c, api.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantOnce(t, ids)
	if got := s.calls(); len(ids) != 300 || !slices.Equal(got, []string{"0/100", "1/75", "2/75", "3/75"}) {
		t.Errorf("%d users asking %v, want 300 asking 0/100 1/75 2/75 3/75", len(ids), got)
	}
}

// A user the total counts but no page carries: the pages run out one user short, and the
// iteration says so instead of ending as if complete.
func TestSearchAllUserCountedButNeverSent(t *testing.T) {
	s, c := newPaged(t, numbered(300), func(_, page, limit int, match []api.User) ([]api.User, int) {
		carried := slices.Delete(slices.Clone(match), 150, 151)
		users, _ := honest(page, limit, carried)
		return users, len(match)
	})
	ids, err := searchAll(t, c, api.SearchOptions{})
	wantOnce(t, ids)
	if len(ids) != 299 {
		t.Errorf("%d users, want 299", len(ids))
	}
	wantMalformed(t, err, "299 of the 300")
	if n := len(s.calls()); n > 4 {
		t.Errorf("%d calls (%v) for 3 pages", n, s.calls())
	}
}

// Users deleted while the pages are read make the total drop on the later pages: that is not an
// error, whether the pages shift under the iteration or its last page comes back empty. No
// user is yielded twice, every user yielded existed, and no fewer come than the last total.
// (When users before the offset are deleted, as many users shift onto pages already read and
// are not seen: offset paging cannot show them, and the count cannot tell, since the deleted
// users were yielded in their place. The case "a page's worth before the offset" misses 100.)
func TestSearchAllUsersDeletedMidway(t *testing.T) {
	for _, tc := range []struct {
		name    string
		deleted func(i int) bool // which of the 300 users are deleted once page 0 is answered
	}{
		{"before and after the offset", func(i int) bool { return i >= 10 && i < 40 || i >= 250 && i < 270 }},
		{"the last page's users", func(i int) bool { return i >= 200 }},
		{"a page's worth before the offset", func(i int) bool { return i < 100 }},
		{"every user", func(int) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := numbered(300)
			s := &pagedServer{users: slices.Clone(all)}
			s.shape = func(call, page, limit int, match []api.User) ([]api.User, int) {
				users, total := honest(page, limit, match)
				if call == 0 {
					var left []api.User
					for i, u := range all {
						if !tc.deleted(i) {
							left = append(left, u)
						}
					}
					s.users = left
				}
				return users, total
			}
			ids, err := searchAll(t, serve(t, s), api.SearchOptions{})
			if err != nil {
				t.Fatalf("after %d users: %v", len(ids), err)
			}
			wantOnce(t, ids)
			if left := len(s.users); len(ids) < left {
				t.Errorf("%d users yielded, fewer than the %d left", len(ids), left)
			}
			for _, id := range ids {
				if !slices.ContainsFunc(all, func(u api.User) bool { return u.UserID == id }) {
					t.Errorf("yielded %s, who never existed", id)
				}
			}
		})
	}
}

// Users created while the pages are read: created after every user (as with a sort on
// createdTime), they are read on the later pages; created before the offset, they push users
// already yielded onto the next page, which are not yielded again, and the users created are
// not read, so the iteration ends short of the new total with an error.
func TestSearchAllUsersCreatedMidway(t *testing.T) {
	more := numbered(330)[300:]
	for _, tc := range []struct {
		name  string
		first bool // the users are created before every other
	}{{"last", false}, {"first", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pagedServer{users: numbered(300)}
			s.shape = func(call, page, limit int, match []api.User) ([]api.User, int) {
				users, total := honest(page, limit, match)
				if call == 0 {
					if tc.first {
						s.users = append(slices.Clone(more), s.users...)
					} else {
						s.users = append(s.users, more...)
					}
				}
				return users, total
			}
			ids, err := searchAll(t, serve(t, s), api.SearchOptions{})
			wantOnce(t, ids)
			if !tc.first {
				if err != nil || len(ids) != 330 {
					t.Errorf("%d users, %v; want the 330", len(ids), err)
				}
				return
			}
			if len(ids) != 300 {
				t.Errorf("%d users, want the 300 that were there", len(ids))
			}
			wantMalformed(t, err, "300 of the 330")
		})
	}
}

// Users that change while the pages are read and move in the order, the users that match
// staying the same: each is yielded once, or the iteration ends with an error when a move made
// one of them fall between the pages (onto a page already read, or pushed back from one).
func TestSearchAllUsersMovedMidway(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to int // the user at position from moves to position to once page 0 is answered
		fails    bool
	}{
		{"between pages not read", 250, 150, false},
		{"onto a page read", 250, 50, true},
		{"from a page read", 50, 250, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pagedServer{users: numbered(300)}
			s.shape = func(call, page, limit int, match []api.User) ([]api.User, int) {
				users, total := honest(page, limit, match)
				if call == 0 {
					moved := s.users[tc.from]
					s.users = slices.Insert(slices.Delete(slices.Clone(s.users), tc.from, tc.from+1), tc.to, moved)
				}
				return users, total
			}
			ids, err := searchAll(t, serve(t, s), api.SearchOptions{})
			wantOnce(t, ids)
			if tc.fails {
				wantMalformed(t, err, "299 of the 300")
				return
			}
			if err != nil || len(ids) != 300 {
				t.Errorf("%d users, %v; want the 300", len(ids), err)
			}
		})
	}
}

// A search from a later page counts the total from that page on; a user with neither a userId
// nor a login ID cannot be told from another, and is a malformed answer.
func TestSearchAllFromALaterPageAndNamelessUsers(t *testing.T) {
	s, c := newPaged(t, numbered(300), honestly)
	ids, err := searchAll(t, c, api.SearchOptions{Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 200 || ids[0] != "U2user00100" || len(s.calls()) != 2 {
		t.Errorf("%d users from %v in %d calls, want 200 from U2user00100 in 2", len(ids), ids[:min(1, len(ids))], len(s.calls()))
	}
	// Beyond the last page: nothing, and no error.
	if ids, err := searchAll(t, c, api.SearchOptions{Page: 5, Limit: 100}); err != nil || len(ids) != 0 {
		t.Errorf("from page 5 of 3: %d users, %v", len(ids), err)
	}

	users := numbered(3)
	users[1] = api.User{Name: "nobody"}
	_, c = newPaged(t, users, honestly)
	ids, err = searchAll(t, c, api.SearchOptions{})
	wantMalformed(t, err, "page 0", "neither a userId nor a login ID")
	if len(ids) > 1 {
		t.Errorf("yielded %v", ids)
	}
	// A user with a login ID and no userId is told by its login ID.
	users[1] = api.User{LoginIDs: []string{"anon@example.com"}}
	_, c = newPaged(t, users, honestly)
	if ids, err := searchAll(t, c, api.SearchOptions{}); err != nil || len(ids) != 3 {
		t.Errorf("%d users, %v; want 3", len(ids), err)
	}
}
