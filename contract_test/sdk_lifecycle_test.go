package contract_test

// The checks of what the fake did with an SDK's request to one of the operations of spec 1.3.0
// (sdk_node_test.go, sdk_dotnet_test.go), beside those of sdk_fake_test.go: users created,
// deleted and signed out, invitations, passwords, what the fake generated, and answers.

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

type sdkCheck = func(s *apitest.Server, answer []byte) error

// created checks that the fake holds, besides the seeded users (unchanged), a new user for each
// login ID of edits: invited, with that login ID alone and nothing else unless its edit says so
// (its user ID and creation time are the fake's).
func created(edits map[string]func(u *gen.User)) sdkCheck {
	return func(s *apitest.Server, answer []byte) error {
		errs := []error{unchanged(s, answer)}
		for loginID, edit := range edits {
			got, ok := s.User(loginID)
			if !ok {
				errs = append(errs, fmt.Errorf("no user %s was created", loginID))
				continue
			}
			want := gen.User{UserID: got.UserID, LoginIDs: []string{loginID}, Status: "invited", CreatedTime: got.CreatedTime}
			if edit != nil {
				edit(&want)
			}
			if err := sameUser(got, want); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", loginID, err))
			}
		}
		if n := len(s.Users()); n != len(sdkUsers())+len(edits) {
			errs = append(errs, fmt.Errorf("%d users, want the %d seeded and %d created", n, len(sdkUsers()), len(edits)))
		}
		return errors.Join(errs...)
	}
}

// createdOne is created for one user.
func createdOne(loginID string, edit func(u *gen.User)) sdkCheck {
	return created(map[string]func(*gen.User){loginID: edit})
}

// deleted checks that the seeded users with these user IDs are gone and the others unchanged.
func deleted(ids ...string) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		var errs []error
		for _, seeded := range sdkUsers() {
			got, ok := s.User(seeded.UserID)
			switch {
			case slices.Contains(ids, seeded.UserID) && ok:
				errs = append(errs, fmt.Errorf("%s was not deleted", seeded.UserID))
			case slices.Contains(ids, seeded.UserID):
			case !ok:
				errs = append(errs, fmt.Errorf("%s is gone", seeded.UserID))
			default:
				if err := sameUser(got, seeded); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", seeded.UserID, err))
				}
			}
		}
		return errors.Join(errs...)
	}
}

// signedOut checks that the fake signed out one user, of the session types given (nil: all).
func signedOut(userID string, types []string) sdkCheck {
	return func(s *apitest.Server, answer []byte) error {
		l := s.Logouts()
		return errors.Join(unchanged(s, answer),
			want(len(l) == 1 && l[0].UserID == userID && slices.Equal(l[0].SessionTypes, types), "the sign-outs", l))
	}
}

// invited checks the fake's invitations: one per login ID, by the channels given ("email",
// "sms", both or neither), each with check.
func invited(channels map[string]string, check func(apitest.Invitation) bool) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		out := s.Outbox()
		var errs []error
		if len(out) != len(channels) {
			errs = append(errs, fmt.Errorf("%d invitations, want %d: %+v", len(out), len(channels), out))
		}
		for _, inv := range out {
			by, ok := channels[inv.LoginID]
			if !ok || inv.ByEmail != strings.Contains(by, "email") || inv.BySMS != strings.Contains(by, "sms") || (check != nil && !check(inv)) {
				errs = append(errs, fmt.Errorf("invitation %+v, want one by %q", inv, by))
			}
		}
		return errors.Join(errs...)
	}
}

// hasPassword checks loginID's password as the fake verifies it, and whether it is expired.
func hasPassword(loginID, password string, expired bool) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		info, _ := s.Password(loginID)
		return errors.Join(passwordIs(s, loginID, password, true), passwordIs(s, loginID, password+"x", false),
			want(info.Set && info.Expired == expired, fmt.Sprintf("%s's password, expired %v", loginID, expired), info))
	}
}

// hasHash checks that loginID's password is an imported hash of scheme, which password verifies.
func hasHash(loginID, scheme, password string) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		info, _ := s.Password(loginID)
		return errors.Join(want(info.Set && info.Scheme == scheme, loginID+"'s password", info), passwordIs(s, loginID, password, true))
	}
}

// answered decodes the answer into T and checks it with check, and that no user changed.
func answered[T any](check func(a T) error) sdkCheck {
	return func(s *apitest.Server, answer []byte) error {
		var a T
		if err := json.Unmarshal(answer, &a); err != nil {
			return fmt.Errorf("answer %s: %w", answer, err)
		}
		return errors.Join(check(a), unchanged(s, answer))
	}
}

// generated checks that the answer carries what the fake last generated for loginID.
func generated[T any](loginID string, read func(a T) string, last func(s *apitest.Server, loginID string) (string, bool)) sdkCheck {
	return func(s *apitest.Server, answer []byte) error {
		var a T
		if err := json.Unmarshal(answer, &a); err != nil {
			return fmt.Errorf("answer %s: %w", answer, err)
		}
		got := read(a)
		l, ok := last(s, loginID)
		return errors.Join(want(ok && got != "" && got == l, "what was answered, the fake's last: "+l, got), unchanged(s, answer))
	}
}

func lastOTP(s *apitest.Server, id string) (string, bool)       { return s.LastOTP(id) }
func lastMagicLink(s *apitest.Server, id string) (string, bool) { return s.LastMagicLink(id) }
func lastEnchantedLink(s *apitest.Server, id string) (string, bool) {
	link, ref, ok := s.LastEnchantedLink(id)
	return link + " " + ref, ok
}
func lastEmbeddedToken(s *apitest.Server, id string) (string, bool) { return s.LastEmbeddedToken(id) }

// definitions checks the fake's custom attribute definitions, by name, and that no user
// changed.
func definitions(names ...string) sdkCheck {
	return func(s *apitest.Server, answer []byte) error {
		var got []string
		for _, d := range s.CustomAttributes() {
			got = append(got, d.Name)
		}
		return errors.Join(want(slices.Equal(got, names), "the definitions", got), unchanged(s, answer))
	}
}

// janesPasskeys and janesDevices check what the fake lists for jane.
func janesPasskeys(ids ...string) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		got, err := passkeyIDs(s)
		return errors.Join(err, want(slices.Equal(got, ids), "jane's passkeys", got))
	}
}

func janesDevices(ids ...string) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		got, err := deviceIDs(s)
		return errors.Join(err, want(slices.Equal(got, ids), "jane's trusted devices", got))
	}
}

// noUser checks that the request created no user for loginID.
func noUser(loginID string) sdkCheck {
	return func(s *apitest.Server, _ []byte) error {
		_, ok := s.User(loginID)
		return want(!ok, "a user "+loginID, ok)
	}
}
