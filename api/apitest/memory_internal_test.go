package apitest

import (
	"errors"
	"slices"
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

// WithSeed stores each user as read gives it (the store holds it before the next is read), in
// that order, and refuses a user with an ID of a user before it, naming that user's position.
func TestWithSeedStoresEachUserAsItIsRead(t *testing.T) {
	var s *Server
	stored := 0
	read := func(add func(gen.User) error) error {
		for _, id := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if err := add(gen.User{LoginIDs: []string{id}, CustomAttributes: map[string]any{"n": stored}}); err != nil {
				return err
			}
			stored++
		}
		return nil
	}
	s = NewServer(t, WithUsers(gen.User{LoginIDs: []string{"first@example.com"}}), WithSeed(read))
	if s.cfg.seed != nil {
		t.Error("the server still holds the seed's reader")
	}
	var got []string
	for _, u := range s.Users() {
		got = append(got, u.LoginIDs[0])
	}
	if want := []string{"first@example.com", "a@example.com", "b@example.com", "c@example.com"}; !slices.Equal(got, want) {
		t.Errorf("users %v, want %v", got, want)
	}
	if u, _ := s.User("c@example.com"); u.CustomAttributes["n"] != 2.0 {
		t.Errorf("c: %v", u.CustomAttributes)
	}

	for _, tc := range []struct {
		user gen.User
		want IDTakenError
	}{
		{gen.User{LoginIDs: []string{"x", "b@example.com"}}, IDTakenError{"b@example.com", 2}},
		{gen.User{LoginIDs: []string{"x"}, UserID: "a@example.com"}, IDTakenError{"a@example.com", 1}},
		{gen.User{LoginIDs: []string{"first@example.com"}, UserID: "U2fake0000000000000000000003"}, IDTakenError{"U2fake0000000000000000000003", 2}},
	} {
		read := func(add func(gen.User) error) error {
			_ = add(gen.User{LoginIDs: []string{"a@example.com"}})
			_ = add(gen.User{LoginIDs: []string{"b@example.com"}})
			return add(tc.user)
		}
		_, err := Start(WithUsers(gen.User{LoginIDs: []string{"first@example.com"}}), WithSeed(read))
		var taken *IDTakenError
		if !errors.As(err, &taken) || *taken != tc.want {
			t.Errorf("%+v: %v, want %+v", tc.user, err, tc.want)
		}
	}
}
