package contract_test

// Search sort: every name the spec documents for a sort field is accepted and sorts, by the
// fake; any other is refused.

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// sortNames are the names SearchSort.field documents: Descope's document's list, then the names
// of User fields the fake sorted by before it followed the document.
var sortNames = []string{
	"id", "externalId", "displayName", "email", "phoneNumber", "status", "tenant", "createdTime", "modifiedTime",
	"userId", "loginIds", "name", "phone", "givenName", "familyName",
}

// sortUsers are three users, added as U2c, U2a, U2b, whose order by each sort name is U2a, U2b,
// U2c: neither the order they were added in nor its reverse, so that an answer in that order
// was sorted, and one in the reverse order was sorted descending.
func sortUsers() []gen.User {
	user := func(id, letter, name, family, status, tenant string, created int64) gen.User {
		return gen.User{
			UserID: id, LoginIDs: []string{letter + "@example.com"}, Email: letter + ".mail@example.com",
			Phone: "+1555555000" + map[string]string{"a": "1", "b": "2", "c": "3"}[letter],
			Name:  name, GivenName: name, FamilyName: family, Status: status,
			UserTenants: []gen.UserTenant{{TenantID: tenant}},
			CreatedTime: created, ModifiedTime: created + 60,
		}
	}
	return []gen.User{
		user("U2c", "c", "Cid", "Cooper", "invited", "T3", 1_720_000_000),
		user("U2a", "a", "Ann", "Adams", "disabled", "T1", 1_700_000_000),
		user("U2b", "b", "Bea", "Baker", "enabled", "T2", 1_710_000_000),
	}
}

// TestSearchSortNames: the names the spec documents are sortNames; each is accepted by the
// contract and sorts, by the fake, ascending and descending, on both search paths; two sort
// fields sort by the second where the first ties; a name it does not document is refused 400
// E011004 naming it (the contract cannot list the names: Descope's document gives them only in
// prose), and an empty one by the contract.
func TestSearchSortNames(t *testing.T) {
	t.Parallel()
	desc := loadSpec(t).Components.Schemas["SearchSort"].Value.Properties["field"].Value.Description
	var documented []string
	for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllStringSubmatch(desc, -1) {
		if !slices.Contains(documented, m[1]) {
			documented = append(documented, m[1])
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(documented)), slices.Sorted(slices.Values(sortNames))) {
		t.Errorf("SearchSort.field documents %v, this test sorts by %v", documented, sortNames)
	}

	search := func(t *testing.T, s *apitest.Server, path, body string) (int, []byte) {
		t.Helper()
		status, answer, err := callAt(t, httpClient(t), s.URL, http.MethodPost, path, body, nil)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return status, answer
	}
	ids := func(t *testing.T, answer []byte) []string {
		t.Helper()
		var res gen.UsersResponse
		if err := json.Unmarshal(answer, &res); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range res.Users {
			out = append(out, u.UserID)
		}
		return out
	}
	for _, name := range sortNames {
		for _, path := range []string{"/v2/mgmt/user/search", "/v1/mgmt/user/search"} {
			t.Run(name+" "+path, func(t *testing.T) {
				t.Parallel()
				s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(sortUsers()...))
				for _, c := range []struct {
					body string
					want []string
				}{
					{`{"sort":[{"field":"` + name + `"}]}`, []string{"U2a", "U2b", "U2c"}},
					{`{"sort":[{"field":"` + name + `","desc":true}]}`, []string{"U2c", "U2b", "U2a"}},
				} {
					status, answer := search(t, s, path, c.body)
					if status != http.StatusOK {
						t.Errorf("%s: answered %d %s", c.body, status, answer)
						continue
					}
					if got := ids(t, answer); !slices.Equal(got, c.want) {
						t.Errorf("%s: answered %v, want %v", c.body, got, c.want)
					}
				}
			})
		}
	}

	t.Run("ties broken by the next field", func(t *testing.T) {
		t.Parallel()
		users := sortUsers()
		users[1].Status = "enabled" // U2a and U2b are both enabled now
		s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(users...))
		status, answer := search(t, s, "/v2/mgmt/user/search", `{"sort":[{"field":"status"},{"field":"createdTime","desc":true}]}`)
		if want := []string{"U2b", "U2a", "U2c"}; status != http.StatusOK || !slices.Equal(ids(t, answer), want) {
			t.Errorf("answered %d %s, want users %v", status, answer, want)
		}
	})

	for _, name := range []string{"nickname", "ID", "display_name", "lastLoginTime"} {
		t.Run("refused "+name, func(t *testing.T) {
			t.Parallel()
			s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(sortUsers()...))
			before := s.Users()
			status, answer := search(t, s, "/v2/mgmt/user/search", `{"sort":[{"field":"email"},{"field":"`+name+`"}]}`)
			var e gen.Error
			if err := json.Unmarshal(answer, &e); err != nil || status != http.StatusBadRequest || e.ErrorCode != api.CodeInvalidArguments {
				t.Fatalf("answered %d %s, want 400 %s", status, answer, api.CodeInvalidArguments)
			}
			if !regexp.MustCompile(`\b` + name + `\b`).MatchString(e.ErrorMessage) {
				t.Errorf("errorMessage %q does not name %q", e.ErrorMessage, name)
			}
			if !slices.EqualFunc(s.Users(), before, func(a, b gen.User) bool { return sameUser(a, b) == nil }) {
				t.Error("a refused search changed the users")
			}
		})
	}
	t.Run("refused by the contract: empty", func(t *testing.T) {
		t.Parallel()
		f := newFakeAPI(t, reply{example: true})
		_, err := f.send(t, operationByID(t, "SearchUsers"), request{body: `{"sort":[{"field":""}]}`})
		assertRequestRejected(t, err, "SearchUsers", `"/sort/0/field"`, "minimum string length is 1")
		f.assertNotHit(t)
	})
}
