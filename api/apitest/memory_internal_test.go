package apitest

import (
	"errors"
	"fmt"
	"reflect"
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

// A stored user is its gen.User again, every field of it (a field added to gen.User too), set all
// together or each alone: those the user keeps itself, and the others in rest, which a user with
// only the common fields does not have.
func TestStoredUserKeepsEveryField(t *testing.T) {
	typ := reflect.TypeFor[gen.User]()
	set := func(u *gen.User, i int) {
		f, name := reflect.ValueOf(u).Elem().Field(i), typ.Field(i).Name
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.String:
			f.SetString(name)
		case reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			if e := f.Index(0); e.Kind() == reflect.String {
				e.SetString(name)
			}
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
			f.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(true).Convert(f.Type().Elem()))
		default:
			t.Fatalf("field %s: kind %s: teach this test to set it", name, f.Kind())
		}
	}
	p := newPool()
	var full gen.User
	for i := range typ.NumField() {
		set(&full, i)
		var alone gen.User
		set(&alone, i)
		if got := p.compact(&alone).view(); !reflect.DeepEqual(*got, alone) {
			t.Errorf("%s alone: stored and viewed as\n%+v", typ.Field(i).Name, *got)
		}
		// An empty list is not a missing one: the API answers [] for it.
		if f := reflect.ValueOf(&alone).Elem().Field(i); f.Kind() == reflect.Slice {
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
			if got := p.compact(&alone).view(); reflect.ValueOf(got).Elem().Field(i).IsNil() {
				t.Errorf("%s empty: stored and viewed as nil", typ.Field(i).Name)
			}
		}
	}
	u := p.compact(&full)
	if got := u.view(); !reflect.DeepEqual(*got, full) {
		t.Errorf("stored and viewed:\n%+v\nwant\n%+v", *got, full)
	}
	if got := u.public(); !reflect.DeepEqual(got, full) {
		t.Errorf("public:\n%+v\nwant\n%+v", got, full)
	}
	common := gen.User{UserID: "U1", LoginIDs: []string{"a"}, Email: "a", Phone: "+1", Name: "A", GivenName: "G",
		FamilyName: "F", Picture: "p", Status: "enabled", RoleNames: []string{"r"}, UserTenants: []gen.UserTenant{{TenantID: "T"}},
		CreatedTime: 1, ModifiedTime: 2, CustomAttributes: map[string]any{"x": 1.0}, Test: true, VerifiedEmail: true,
		VerifiedPhone: true, Password: true, TOTP: true, Webauthn: true}
	if u := p.compact(&common); u.rest != nil || !reflect.DeepEqual(*u.view(), common) {
		t.Errorf("a user with the common fields: rest %+v, view %+v", u.rest, *u.view())
	}
	// No attributes, and an empty map of them, stay apart: the API answers "customAttributes":{}
	// for the one, nothing for the other.
	for _, m := range []map[string]any{nil, {}} {
		if got := p.compact(&gen.User{CustomAttributes: m}).view().CustomAttributes; (got == nil) != (m == nil) || len(got) != 0 {
			t.Errorf("attributes %#v viewed as %#v", m, got)
		}
	}
}

// Reset stores the users the server started with as they are: it makes no copy of them.
func TestResetStoresTheSeedItself(t *testing.T) {
	s := NewServer(t, WithUsers(gen.User{LoginIDs: []string{"a@example.com"}, CustomAttributes: map[string]any{"n": 1}},
		gen.User{LoginIDs: []string{"b@example.com"}}))
	initial := s.store.all()
	s.AddUsers(gen.User{LoginIDs: []string{"c@example.com"}})
	s.store.mu.Lock()
	_, e := s.store.patch(&gen.PatchUserRequest{LoginID: "a@example.com", Name: ptrTo("A")})
	s.store.mu.Unlock()
	if e != nil {
		t.Fatal(e.body)
	}
	s.Reset()
	if got := s.store.all(); !slices.Equal(got, initial) {
		t.Errorf("after Reset, the store holds %v, want the very users it started with %v", got, initial)
	}
}

// attrs.get finds each attribute of a short list and of a long one, and no other.
func TestAttrsGet(t *testing.T) {
	for _, n := range []int{0, 1, 8, 9, 40} {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprint("k", i)] = float64(i)
		}
		a, _ := attrsOf(m, nil)
		for i := range n {
			if v, ok := a.get(fmt.Sprint("k", i)); !ok || v != float64(i) {
				t.Errorf("%d attributes: k%d is %v %v", n, i, v, ok)
			}
		}
		for _, name := range []string{"", "k", "k99", "z"} {
			if v, ok := a.get(name); ok {
				t.Errorf("%d attributes: %q is %v", n, name, v)
			}
		}
	}
}
