package apitest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The scale benchmarks seed 100,000 and 1,000,000 users. They are slow and take memory (about
// 600 MB of heap at 1M); run one size at a time for clean memory figures:
//
//	go test ./api/apitest -run '^$' -bench 'BenchmarkScaleMemory/1M' -benchtime 1x
//	go test ./api/apitest -run '^$' -bench 'BenchmarkScaleSearch' -benchmem
//	go test ./api/apitest -run '^$' -bench 'BenchmarkScaleRead' -benchtime 1x
var scaleSizes = []struct {
	name string
	n    int
}{{"100k", 100_000}, {"1M", 1_000_000}}

// scaleUser is the i-th user of the scale benchmarks. Plain, it is the user of benchUsers in
// bench_test.go: a login ID, the same email, a name, one role and two custom attributes. Varied,
// it also gives the search filters something to find: one of 100 tenants, the role admin for
// every 50th user (viewer for the others), the status disabled for every 7th, and every 1,000th
// is a test user.
func scaleUser(i int, varied bool) gen.User {
	id := "user" + strconv.Itoa(i) + "@example.com"
	u := gen.User{
		LoginIDs:         []string{id},
		Email:            id,
		Name:             "User " + strconv.Itoa(i),
		RoleNames:        []string{"viewer"},
		CustomAttributes: map[string]any{"department": "engineering", "seats": 1},
	}
	if !varied {
		return u
	}
	u.UserTenants = []gen.UserTenant{{TenantID: "T" + strconv.Itoa(i%100)}}
	if i%50 == 0 {
		u.RoleNames = []string{"admin"}
	}
	if i%7 == 0 {
		u.Status = "disabled"
	}
	u.Test = i%1000 == 999
	return u
}

// seedScale adds n scale users to s, 10,000 at a time (so that the users given are not all kept
// alive beside the stored ones), and returns how long it took.
func seedScale(s *Server, n int, varied bool) time.Duration {
	return seed(s, n, func(i int) gen.User { return scaleUser(i, varied) })
}

// seed adds users user(0) to user(n-1) to s, 10,000 at a time, and returns how long it took.
func seed(s *Server, n int, user func(i int) gen.User) time.Duration {
	const chunk = 10_000
	buf := make([]gen.User, 0, chunk)
	start := time.Now()
	for from := 0; from < n; from += chunk {
		buf = buf[:0]
		for i := from; i < min(n, from+chunk); i++ {
			buf = append(buf, user(i))
		}
		s.AddUsers(buf...)
	}
	return time.Since(start)
}

// procStatus reads a field of /proc/self/status in kB (VmRSS, VmHWM), or -1 where there is none.
func procStatus(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return -1
			}
			return kb
		}
	}
	return -1
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkScaleMemory seeds a fresh fake with the users of benchUsers and reports how long the
// seeding took, the live heap it added (after a collection), the process's resident memory then
// (VmRSS) and its peak (VmHWM, which includes the seeding's garbage). Run one case per process
// with -benchtime 1x for memory figures that are the case's own. distinct-attributes gives every
// user a seats of its own, so that no two users have equal attributes and none share a map.
func BenchmarkScaleMemory(b *testing.B) {
	distinct := func(i int) gen.User {
		u := scaleUser(i, false)
		u.CustomAttributes["seats"] = i
		return u
	}
	plain := func(i int) gen.User { return scaleUser(i, false) }
	for _, c := range []struct {
		name string
		n    int
		user func(i int) gen.User
	}{{"100k", 100_000, plain}, {"1M", 1_000_000, plain}, {"1M-distinct-attributes", 1_000_000, distinct}} {
		b.Run(c.name, func(b *testing.B) {
			var took time.Duration
			var heap uint64
			var rss, peak float64
			for b.Loop() {
				before := liveHeap()
				s, err := Start()
				if err != nil {
					b.Fatal(err)
				}
				took = seed(s, c.n, c.user)
				heap = liveHeap() - before
				rss, peak = procStatus("VmRSS"), procStatus("VmHWM")
				runtime.KeepAlive(s)
				s.Close()
			}
			b.ReportMetric(took.Seconds(), "seed-s")
			b.ReportMetric(float64(heap)/1e6, "heap-MB")
			b.ReportMetric(float64(heap)/float64(c.n), "heap-B/user")
			b.ReportMetric(rss/1e3, "rss-MB")
			b.ReportMetric(peak/1e3, "peak-rss-MB")
		})
	}
}

// scaleSearches are the searches of BenchmarkScaleSearch, over the varied scale users.
var scaleSearches = []struct {
	name string
	req  func(n int) gen.SearchUsersRequest
}{
	{"none", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{} }},
	{"loginIds", func(n int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{LoginIDs: spread(n, 10, "user%d@example.com")}
	}},
	{"userIds", func(n int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{UserIDs: spread(n, 10, "U2fake%022d")}
	}},
	{"tenantIds", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{TenantIDs: []string{"T7"}} }},
	{"roleNames", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{RoleNames: []string{"viewer"}} }},
	{"roleNames-rare", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{RoleNames: []string{"admin"}} }},
	{"statuses", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesDisabled}}
	}},
	{"statuses-two", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesEnabled, gen.SearchUsersRequestStatusesInvited}}
	}},
	{"withTestUser", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{WithTestUser: true} }},
	{"testUsersOnly", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{TestUsersOnly: true} }},
	{"tenantIds+withTestUser", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{TenantIDs: []string{"T7"}, WithTestUser: true}
	}},
	{"tenantIds+statuses", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{TenantIDs: []string{"T7"}, Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesDisabled}}
	}},
	{"roleNames+statuses", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{RoleNames: []string{"admin"}, Statuses: []gen.SearchUsersRequestStatuses{gen.SearchUsersRequestStatusesEnabled}}
	}},
	{"tenantIds-two", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{TenantIDs: []string{"T7", "T8"}} }},
	// These still go through every user.
	{"text", func(int) gen.SearchUsersRequest { return gen.SearchUsersRequest{Text: "user12"} }},
	{"sort", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{Sort: []gen.SearchSort{{Field: "name"}}}
	}},
	{"customAttributes", func(int) gen.SearchUsersRequest {
		return gen.SearchUsersRequest{CustomAttributes: map[string]any{"department": "engineering"}}
	}},
}

// spread returns k IDs of the users spread over n, formatted with format.
func spread(n, k int, format string) []string {
	ids := make([]string, k)
	for j := range ids {
		i := j * (n / k)
		if strings.HasPrefix(format, "U2") {
			i++ // the store numbers the user IDs it gives from 1
		}
		ids[j] = fmt.Sprintf(format, i)
	}
	return ids
}

// BenchmarkScaleSearch measures one page of 100 users from the middle of the matches (page
// total/200) of each search of scaleSearches, over 100,000 and 1,000,000 varied scale users: in
// the store; through HTTP against a fake that validates requests and responses (http, as
// NewServer does in tests); and through HTTP against one that validates requests only (emulator,
// as descope-users emulate serves by default).
func BenchmarkScaleSearch(b *testing.B) {
	for _, size := range scaleSizes {
		b.Run(size.name, func(b *testing.B) {
			s := NewServer(b)
			seedScale(s, size.n, true)
			c := scaleClient(b, s)
			emu, err := Start()
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(emu.Close)
			seedScale(emu, size.n, true)
			emuClient := scaleClient(b, emu)
			for _, search := range scaleSearches {
				req := search.req(size.n)
				_, total, e := s.store.search(req)
				if e != nil {
					b.Fatal(e)
				}
				req.Limit = 100
				req.Page = int32(total / 200)
				want := min(100, total-int(req.Page)*100)
				b.Run(search.name+"/store", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, got, e := s.store.search(req)
						if e != nil || got != total || len(page) != want {
							b.Fatalf("%d users of %d, want %d of %d (%v)", len(page), got, want, total, e)
						}
					}
				})
				for _, via := range []struct {
					name string
					c    *gen.ClientWithResponses
				}{{"http", c}, {"emulator", emuClient}} {
					b.Run(search.name+"/"+via.name, func(b *testing.B) {
						b.ReportAllocs()
						for b.Loop() {
							r, err := via.c.SearchUsersWithResponse(context.Background(), req)
							if err != nil || r.JSON200 == nil || int(r.JSON200.Total) != total || len(r.JSON200.Users) != want {
								b.Fatalf("SearchUsers: %v %s", err, r.Body)
							}
						}
					})
				}
			}
		})
	}
}

// BenchmarkScaleRead reads 100,000 users page by page through HTTP with api.Client.SearchAll, as
// the CLI's export does, with pages of 100 (the default) and of 1,000, from a fake that validates
// requests and responses (NewServer) and, for comparison, from one that does not validate its
// answers (Start). sec/read is the time to read them all.
func BenchmarkScaleRead(b *testing.B) {
	const n = 100_000
	unchecked, err := Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(unchecked.Close)
	for _, fake := range []struct {
		name string
		s    *Server
	}{{"", NewServer(b)}, {"-answers-not-validated", unchecked}} {
		seedScale(fake.s, n, false)
		for _, limit := range []int32{100, 1000} {
			b.Run(fmt.Sprintf("limit%d%s", limit, fake.name), func(b *testing.B) {
				s := fake.s
				c, err := api.New(s.ProjectID(), s.ManagementKey(), api.WithBaseURL(s.URL), api.WithHTTPClient(s.Client()))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					count := 0
					for _, err := range c.SearchAll(context.Background(), api.SearchOptions{Limit: limit}) {
						if err != nil {
							b.Fatal(err)
						}
						count++
					}
					if count != n {
						b.Fatalf("%d users, want %d", count, n)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "sec/read")
			})
		}
	}
}

// scaleClient is a generated client of s.
func scaleClient(b testing.TB, s *Server) *gen.ClientWithResponses {
	c, err := gen.NewClientWithResponses(s.URL, gen.WithHTTPClient(s.Client()),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+s.ProjectID()+":"+s.ManagementKey())
			return nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkScalePageValidation shows where the time of a page through HTTP goes: one page of 100
// users (no filter, from 10,000) from a fake that validates its answers against the spec
// (NewServer) and from one that does not (Start); both validate the requests.
func BenchmarkScalePageValidation(b *testing.B) {
	const n = 10_000
	unchecked, err := Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(unchecked.Close)
	for _, s := range []struct {
		name string
		s    *Server
	}{{"answers-validated", NewServer(b)}, {"answers-not-validated", unchecked}} {
		seedScale(s.s, n, true)
		c := scaleClient(b, s.s)
		req := gen.SearchUsersRequest{Limit: 100, Page: 10}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := c.SearchUsersWithResponse(context.Background(), req)
				if err != nil || r.JSON200 == nil || len(r.JSON200.Users) != 100 {
					b.Fatalf("SearchUsers: %v %s", err, r.Body)
				}
			}
		})
	}
}

// BenchmarkScaleDelete measures deletes through HTTP among 100,000 and 1,000,000 users: one user
// by login ID (DeleteUser), 1,000 by user ID (DeleteUsers), and all test users when there are 5
// (DeleteAllTestUsers). Each op deletes the oldest users and adds as many new ones (AddUsers), so
// that the number of users stays the same; the time includes the adding.
func BenchmarkScaleDelete(b *testing.B) {
	ctx := context.Background()
	for _, size := range scaleSizes {
		b.Run(size.name, func(b *testing.B) {
			s := NewServer(b, WithTestUserLimit(0))
			seedScale(s, size.n, false)
			c := scaleClient(b, s)
			// The store numbers the user IDs it gives from 1, in the order users are added: user i
			// (from 0) is U2fake<i+1>, and its login ID is the scale user's, or added<i-n>@....
			oldest, count := 0, size.n
			loginID := func(i int) string {
				if i < size.n {
					return fmt.Sprintf("user%d@example.com", i)
				}
				return fmt.Sprintf("added%d@example.com", i-size.n)
			}
			add := func(k int, test bool) {
				users := make([]gen.User, k)
				for j := range users {
					users[j] = gen.User{LoginIDs: []string{loginID(count)}, Test: test}
					count++
				}
				s.AddUsers(users...)
			}
			b.Run("one", func(b *testing.B) {
				for b.Loop() {
					r, err := c.DeleteUserWithResponse(ctx, gen.DeleteUserRequest{LoginID: loginID(oldest)})
					if err != nil || r.StatusCode() != http.StatusOK {
						b.Fatalf("DeleteUser: %v %s", err, r.Body)
					}
					oldest++
					add(1, false)
				}
			})
			b.Run("batch1000", func(b *testing.B) {
				for b.Loop() {
					ids := make([]string, 1000)
					for j := range ids {
						ids[j] = fmt.Sprintf("U2fake%022d", oldest+j+1)
					}
					r, err := c.DeleteUsersWithResponse(ctx, gen.DeleteUsersRequest{UserIDs: ids})
					if err != nil || r.StatusCode() != http.StatusOK {
						b.Fatalf("DeleteUsers: %v %s", err, r.Body)
					}
					oldest += len(ids)
					add(len(ids), false)
				}
			})
			b.Run("allTest", func(b *testing.B) {
				for b.Loop() {
					from := count
					add(5, true)
					r, err := c.DeleteAllTestUsersWithResponse(ctx)
					if err != nil || r.StatusCode() != http.StatusOK {
						b.Fatalf("DeleteAllTestUsers: %v %s", err, r.Body)
					}
					if u, ok := s.User(loginID(from)); ok {
						b.Fatalf("test user %s is still there", u.UserID)
					}
				}
			})
			if got := len(s.Users()); got != size.n {
				b.Fatalf("%d users at the end, want %d", got, size.n)
			}
			if u, ok := s.User(loginID(oldest)); !ok || u.UserID != fmt.Sprintf("U2fake%022d", oldest+1) {
				b.Fatalf("the oldest user left is not user %d", oldest)
			}
		})
	}
}

// BenchmarkScalePatch measures one patch in the store (no HTTP) among 100,000 and 1,000,000 users:
// the patch of BenchmarkFakeThroughput (status, roles, attributes), to users spread over the store,
// with the status going from enabled to disabled (and back on the next round of the users), so
// that the user moves between the status sets each time.
func BenchmarkScalePatch(b *testing.B) {
	for _, size := range scaleSizes {
		b.Run(size.name, func(b *testing.B) {
			s, err := Start()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			seedScale(s, size.n, false)
			st := s.store
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				p := gen.PatchUserRequest{
					LoginID:          fmt.Sprintf("user%d@example.com", i*7919%size.n),
					Status:           ptrTo([]gen.UserStatus{gen.UserStatusDisabled, gen.UserStatusEnabled}[i/size.n%2]),
					RoleNames:        &[]string{"viewer", "editor"},
					CustomAttributes: &map[string]any{"seats": float64(i), "legacyId": nil},
				}
				st.mu.Lock()
				_, e := st.patch(&p)
				st.mu.Unlock()
				if e != nil {
					b.Fatal(e.body)
				}
			}
		})
	}
}
