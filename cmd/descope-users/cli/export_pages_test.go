package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// emptyPageOneServer answers every search of 300 users with its page of them, except page 1,
// which it answers empty, with the same total.
func emptyPageOneServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/mgmt/user/search" && r.URL.Path != "/v2/mgmt/user/search/test" {
			http.NotFound(w, r)
			return
		}
		var req struct{ Page, Limit int }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.Limit == 0 {
			req.Limit = 100
		}
		users := []map[string]any{}
		for i := req.Page * req.Limit; req.Page != 1 && i < min(300, (req.Page+1)*req.Limit); i++ {
			users = append(users, map[string]any{"userId": fmt.Sprintf("U2user%03d", i), "loginIds": []string{fmt.Sprintf("user%03d@example.com", i)}})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"users": users, "total": 300})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// export (and search --all) against a server whose page 1 is empty while its total says 300
// users match: the 100 users of page 0 are printed, then the command fails with exit status 1
// and says what the server did, instead of exiting 0 as if the export were complete.
func TestExportEndsWithAnErrorWhenAPageIsMissing(t *testing.T) {
	srv := emptyPageOneServer(t)
	env := map[string]string{envProjectID: testProject, envManagement: testKey}
	for _, args := range [][]string{
		{"export"},
		{"search", "--all"},
		{"search-test-users", "--all"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, env, append([]string{"--base-url", srv.URL}, append(args, "--search-limit", "none")...)...)
			lines := strings.Count(r.stdout, "\n")
			if r.code != exitFailed {
				t.Errorf("exit status %d, want %d (%d lines printed; stderr %q)", r.code, exitFailed, lines, r.stderr)
			}
			if lines != 100 {
				t.Errorf("%d lines printed, want the 100 users of page 0", lines)
			}
			want := "descope-users " + args[0] + ": descope: malformed response: "
			if !strings.HasPrefix(r.stderr, want) {
				t.Errorf("stderr %q, want it to start %q", r.stderr, want)
			}
			for _, says := range []string{"page 1 is empty", "100 of the 300"} {
				if !strings.Contains(r.stderr, says) {
					t.Errorf("stderr %q does not say %q", r.stderr, says)
				}
			}
		})
	}
}
