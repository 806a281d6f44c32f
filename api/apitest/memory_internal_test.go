package apitest

import (
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The users given to WithUsers are copied into the store; the server keeps no second copy of
// them, which at a million users would be most of its memory.
func TestServerKeepsNoCopyOfItsSeed(t *testing.T) {
	s := NewServer(t, WithUsers(gen.User{LoginIDs: []string{"a@example.com"}}, gen.User{LoginIDs: []string{"b@example.com"}}))
	if s.cfg.users != nil {
		t.Errorf("the server still holds the %d users given to WithUsers", len(s.cfg.users))
	}
	if n := s.UserCount(); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}
