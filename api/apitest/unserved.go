package apitest

import (
	"net/http"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// The operations spec 1.3.0 adds, not served yet: each answers 501, which the spec does not
// document (a Server made by NewServer reports it). They go as the fake learns each area.

func (o operations) notServed(w http.ResponseWriter, r *http.Request) {
	o.s.respond(w, r, callOf(r), http.StatusNotImplemented, gen.Error{
		ErrorCode:        "E011501",
		ErrorDescription: "Not implemented",
		ErrorMessage:     "apitest does not serve " + callOf(r).op + " yet",
	})
}

func (o operations) GenerateEnchantedLinkForTestUser(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) GenerateMagicLinkForTestUser(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) GenerateOTPForTestUser(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) CreateUser(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) CreateUsers(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) CreateTestUser(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) CreateUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) DeleteUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) UserCustomAttributes(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) DeleteUser(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) DeleteUsers(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) UsersAuthHistory(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) ImportUsers(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) LogoutAllUserDevices(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) RemoveUserPasskey(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) RemoveUserPasskeys(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) ImportUserPasskeys(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) ListUserPasskeys(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) ExpireUserPassword(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) SetUserPassword(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) SetUserActivePassword(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) SetUserTemporaryPassword(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) GetUserProviderToken(w http.ResponseWriter, r *http.Request, _ gen.GetUserProviderTokenParams) {
	o.notServed(w, r)
}

func (o operations) EmbeddedLinkSignin(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) EmbeddedLinkSignup(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) DeleteAllTestUsers(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) RemoveUserTOTP(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }

func (o operations) ListTrustedDevicesForUsers(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) UpdateUserRemoveTrustedDevices(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) UpdateUserImpersonationConsent(w http.ResponseWriter, r *http.Request) {
	o.notServed(w, r)
}

func (o operations) UsersAuthHistoryV2(w http.ResponseWriter, r *http.Request) { o.notServed(w, r) }
