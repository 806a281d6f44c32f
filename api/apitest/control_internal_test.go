package apitest

import (
	"net/http"
	"testing"
)

// TestRequestLogLimitBoundsMemory: with WithRequestLogLimit(n) the log holds at most 2n requests
// however many come, and answers the last n with the count of those dropped.
func TestRequestLogLimitBoundsMemory(t *testing.T) {
	s := NewServer(t, WithRequestLogLimit(3))
	for range 50 {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/mgmt/license", nil)
		req.Header.Set("Authorization", "Bearer "+s.ProjectID()+":"+s.ManagementKey())
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	s.logMu.Lock()
	held := len(s.log)
	s.logMu.Unlock()
	if held > 6 {
		t.Errorf("the log holds %d requests with a limit of 3", held)
	}
	if kept, dropped := s.journal(); len(kept) != 3 || dropped != 47 {
		t.Errorf("%d kept, %d dropped; want 3 and 47", len(kept), dropped)
	}
}
