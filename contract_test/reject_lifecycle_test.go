package contract_test

// Refusals of the operations of spec 1.3.0: what the contract refuses in their requests (required
// fields, types, enums, closed schemas, exactly one hash variant and one passkey source, base64
// of bytes), what only the fake can refuse (a password beside a hash, names that differ, a real
// user where a test user is needed...), and what the contract refuses in their answers.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// pbkdf2JSON is a valid pbkdf2 hash, as the spec's example sends it, for cases that break one
// field of it.
const pbkdf2JSON = `{"hash":"bQSiqobajO4AfKtBHvBCQhSofaL2GQ+iwmYakerr9Hc=","salt":"c2FsdC1vZi1hbm4=","iterations":4096,"type":"sha256"}`

// batchWith is a create/batch body of one user with the given fields beside its login ID.
func batchWith(fields string) string {
	if fields != "" {
		fields = "," + fields
	}
	return `{"users":[{"loginId":"ann@example.com"` + fields + `}]}`
}

// TestLifecycleRequestsRejected: for every operation of spec 1.3.0, requests the contract
// refuses, each naming what is wrong, none reaching the server. (The generic cases of
// TestRequestRejected, a missing, empty or mistyped name, no body, not JSON, null, another
// content type, cover them too.)
func TestLifecycleRequestsRejected(t *testing.T) {
	t.Parallel()
	const (
		create, test, batch   = "CreateUser", "CreateTestUser", "CreateUsers"
		unsupported, missing  = "is unsupported", "is missing"
		notString, notBool    = "value must be a string", "value must be a boolean"
		notArray, notObject   = "value must be an array", "value must be an object"
		notInt, notEnum       = "value must be an integer", "value is not one of the allowed values"
		empty, notBase64      = "minimum string length is 1", `string doesn't match the format "byte"`
		noVariant, twoOfThem  = "there must be at least 1 properties", "there must be at most 1 properties"
		notNullable, negative = "not nullable", "number must be at least"
	)
	cases := []struct {
		name, op, body string
		wants          []string
	}{
		// Create, invite, create a test user: CreateUserRequest.
		{"no variant of hash", create, `{"loginId":"a","hashedPassword":{}}`, []string{`"/hashedPassword"`, noVariant}},
		{"two variants of hash", create, `{"loginId":"a","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"},"bcrypt":{"hash":"$2a$10$x"}}}`, []string{`"/hashedPassword"`, twoOfThem}},
		{"a variant Descope does not list", create, `{"loginId":"a","hashedPassword":{"scrypt":{"hash":"x"}}}`, []string{`property "scrypt" ` + unsupported}},
		{"bcrypt without its hash", create, `{"loginId":"a","hashedPassword":{"bcrypt":{}}}`, []string{`"/hashedPassword"`, `property "hash" ` + missing}},
		{"bcrypt hash empty", create, `{"loginId":"a","hashedPassword":{"bcrypt":{"hash":""}}}`, []string{`"/hashedPassword"`, `"/bcrypt"`, empty}},
		{"hash a string", create, `{"loginId":"a","hashedPassword":"$2a$10$x"}`, []string{`"/hashedPassword"`, notObject}},
		{"hashedPassword null", create, `{"loginId":"a","hashedPassword":null}`, []string{`"/hashedPassword"`, notNullable}},
		{"password a number", create, `{"loginId":"a","password":1234}`, []string{`"/password"`, notString}},
		{"status paused", create, `{"loginId":"a","status":"paused"}`, []string{`"/status"`, notEnum}},
		{"invite a string", create, `{"loginId":"a","invite":"true"}`, []string{`"/invite"`, notBool}},
		{"sendMail a string", create, `{"loginId":"a","invite":true,"sendMail":"yes"}`, []string{`"/sendMail"`, notBool}},
		{"template option a number", create, `{"loginId":"a","invite":true,"templateOptions":{"seats":5}}`, []string{`"/templateOptions/seats"`, notString}},
		{"sendEmail, a misspelt sendMail", create, `{"loginId":"a","invite":true,"sendEmail":true}`, []string{`property "sendEmail" ` + unsupported}},
		{"seed, which only a batch user has", create, `{"loginId":"a","seed":"JBSWY3DPEHPK3PXP"}`, []string{`property "seed" ` + unsupported}},
		{"empty role name", create, `{"loginId":"a","roleNames":["viewer",""]}`, []string{`"/roleNames/1"`, empty}},
		{"tenant without tenantId", create, `{"loginId":"a","userTenants":[{"roleNames":["x"]}]}`, []string{`property "tenantId" ` + missing}},
		{"customAttributes a list", create, `{"loginId":"a","customAttributes":["x"]}`, []string{`"/customAttributes"`, notObject}},
		{"empty additional login ID", create, `{"loginId":"a","additionalLoginIds":[""]}`, []string{`"/additionalLoginIds/0"`, empty}},
		{"verifiedRecoveryEmail a string", create, `{"loginId":"a","verifiedRecoveryEmail":"true"}`, []string{`"/verifiedRecoveryEmail"`, notBool}},
		{"test a string", test, `{"loginId":"a","test":"yes"}`, []string{`"/test"`, notBool}},
		{"a test user's phoneNumber a number", test, `{"loginId":"a","phoneNumber":15555550100}`, []string{`"/phoneNumber"`, notString}},

		// create/batch: its users (BatchUser) and the hashes of every variant.
		{"users missing", batch, `{"invite":true}`, []string{`property "users" ` + missing}},
		{"users an object", batch, `{"users":{"loginId":"a"}}`, []string{`"/users"`, notArray}},
		{"a user without loginId", batch, `{"users":[{"email":"a@example.com"}]}`, []string{`"/users/0/loginId"`, `property "loginId" ` + missing}},
		{"a user named by identifier", batch, `{"users":[{"loginId":"a","identifier":"a"}]}`, []string{`property "identifier" ` + unsupported}},
		{"seed a number", batch, batchWith(`"seed":123456`), []string{`"/users/0/seed"`, notString}},
		{"createdTime negative", batch, batchWith(`"createdTime":-1`), []string{`"/users/0/createdTime"`, negative}},
		{"createdTime a string", batch, batchWith(`"createdTime":"1700000000"`), []string{`"/users/0/createdTime"`, notInt}},
		{"invite a number", batch, `{"users":[],"invite":1}`, []string{`"/invite"`, notBool}},
		{"two variants of hash", batch, batchWith(`"hashedPassword":{"md5":{"hash":"x"},"django":{"hash":"y"}}`), []string{`"/users/0/hashedPassword"`, twoOfThem}},
		{"pbkdf2 hash not base64", batch, batchWith(`"hashedPassword":{"pbkdf2":` + strings.Replace(pbkdf2JSON, `"bQSi`, `"not base64!`, 1) + `}`), []string{`"/users/0/hashedPassword"`, `"/hash"`, notBase64}},
		{"pbkdf2 salt raw text", batch, batchWith(`"hashedPassword":{"pbkdf2":` + strings.Replace(pbkdf2JSON, `"c2FsdC1vZi1hbm4="`, `"salt of ann"`, 1) + `}`), []string{`"/salt"`, notBase64}},
		{"pbkdf2 type md5", batch, batchWith(`"hashedPassword":{"pbkdf2":` + strings.Replace(pbkdf2JSON, `"sha256"`, `"md5"`, 1) + `}`), []string{`"/type"`, notEnum}},
		{"pbkdf2 iterations 0", batch, batchWith(`"hashedPassword":{"pbkdf2":` + strings.Replace(pbkdf2JSON, `4096`, `0`, 1) + `}`), []string{`"/iterations"`, negative}},
		{"pbkdf2 without salt", batch, batchWith(`"hashedPassword":{"pbkdf2":{"hash":"c2VjcmV0","iterations":1,"type":"sha1"}}`), []string{`property "salt" ` + missing}},
		{"firebase without signerKey", batch, batchWith(`"hashedPassword":{"firebase":{"hash":"aA==","salt":"cw==","saltSeparator":"Bw==","memory":14,"rounds":8}}`), []string{`property "signerKey" ` + missing}},
		{"firebase rounds 0", batch, batchWith(`"hashedPassword":{"firebase":{"hash":"aA==","salt":"cw==","saltSeparator":"Bw==","signerKey":"aw==","memory":14,"rounds":0}}`), []string{`"/rounds"`, negative}},
		{"argon2 threads 256", batch, batchWith(`"hashedPassword":{"argon2":{"hash":"aA==","salt":"cw==","iterations":2,"memory":1024,"threads":256}}`), []string{`"/threads"`, "number must be at most 255"}},
		{"argon2 type argon2d", batch, batchWith(`"hashedPassword":{"argon2":{"hash":"aA==","salt":"cw==","iterations":2,"memory":1024,"threads":1,"type":"argon2d"}}`), []string{`"/type"`, notEnum}},
		{"sha type sha384", batch, batchWith(`"hashedPassword":{"sha":{"hash":"ab","type":"sha384"}}`), []string{`"/type"`, notEnum}},
		{"sha without type", batch, batchWith(`"hashedPassword":{"sha":{"hash":"ab"}}`), []string{`property "type" ` + missing}},
		{"phpass type sha256", batch, batchWith(`"hashedPassword":{"phpass":{"hash":"h","salt":"s","iterations":8,"type":"sha256"}}`), []string{`"/type"`, notEnum}},
		{"bach key a number", batch, batchWith(`"hashedPassword":{"bach":{"hash":"h","key":7}}`), []string{`"/key"`, notString}},
		{"md5 with a salt", batch, batchWith(`"hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57","salt":"s"}}`), []string{`property "salt" ` + unsupported}},

		// delete, delete/batch, logout.
		{"the users of a batch delete", "DeleteUser", `{"userIds":["U2abc"]}`, []string{`property "userIds" ` + unsupported}},
		{"userIds missing", "DeleteUsers", `{}`, []string{`property "userIds" ` + missing}},
		{"userIds a string", "DeleteUsers", `{"userIds":"U2abc"}`, []string{`"/userIds"`, notArray}},
		{"empty user ID", "DeleteUsers", `{"userIds":["U2abc",""]}`, []string{`"/userIds/1"`, empty}},
		{"login IDs instead of user IDs", "DeleteUsers", `{"loginIds":["jane@example.com"]}`, []string{`property "loginIds" ` + unsupported}},
		{"sessionTypes a string", "LogoutAllUserDevices", `{"loginId":"a","sessionTypes":"web"}`, []string{`"/sessionTypes"`, notArray}},
		{"empty session type", "LogoutAllUserDevices", `{"loginId":"a","sessionTypes":[""]}`, []string{`"/sessionTypes/0"`, empty}},

		// The password sets and expire.
		{"password missing", "SetUserTemporaryPassword", `{"loginId":"a","setActive":false}`, []string{`property "password" ` + missing}},
		{"password empty", "SetUserActivePassword", `{"loginId":"a","password":""}`, []string{`"/password"`, empty}},
		{"setActive a string", "SetUserPassword", `{"loginId":"a","password":"x","setActive":"true"}`, []string{`"/setActive"`, notBool}},
		{"password null", "SetUserPassword", `{"loginId":"a","password":null}`, []string{`"/password"`, notNullable}},
		{"a hash on a password set", "SetUserActivePassword", `{"loginId":"a","password":"x","hashedPassword":{"md5":{"hash":"x"}}}`, []string{`property "hashedPassword" ` + unsupported}},
		{"a password on expire", "ExpireUserPassword", `{"loginId":"a","password":"x"}`, []string{`property "password" ` + unsupported}},

		// TOTP, passkeys.
		{"a seed on the TOTP removal", "RemoveUserTOTP", `{"loginId":"a","seed":"x"}`, []string{`property "seed" ` + unsupported}},
		{"a credential on the passkey list", "ListUserPasskeys", `{"loginId":"a","credentialId":"c"}`, []string{`property "credentialId" ` + unsupported}},
		{"credentialId a number", "RemoveUserPasskeys", `{"loginId":"a","credentialId":1}`, []string{`"/credentialId"`, notString}},
		{"credentialId missing", "RemoveUserPasskey", `{"loginId":"a"}`, []string{`property "credentialId" ` + missing}},
		{"credentialId empty", "RemoveUserPasskey", `{"loginId":"a","credentialId":""}`, []string{`"/credentialId"`, empty}},
		{"devices missing", "ImportUserPasskeys", `{"loginId":"a"}`, []string{`property "devices" ` + missing}},
		{"a device of neither source", "ImportUserPasskeys", `{"loginId":"a","devices":[{}]}`, []string{`"/devices/0"`, noVariant}},
		{"a device of both sources", "ImportUserPasskeys", `{"loginId":"a","devices":[{"descope":{"credentialId":"c","publicKey":"cA=="},"auth0":{"keyId":"k","publicKey":"cA=="}}]}`, []string{`"/devices/0"`, twoOfThem}},
		{"a device of another source", "ImportUserPasskeys", `{"loginId":"a","devices":[{"okta":{"id":"c"}}]}`, []string{`property "okta" ` + unsupported}},
		{"a Descope passkey without credentialId", "ImportUserPasskeys", `{"loginId":"a","devices":[{"descope":{"publicKey":"cA=="}}]}`, []string{`property "credentialId" ` + missing}},
		{"a public key not base64", "ImportUserPasskeys", `{"loginId":"a","devices":[{"descope":{"credentialId":"c","publicKey":"public key"}}]}`, []string{`"/devices/0/descope"`, `"/publicKey"`, notBase64}},
		{"an empty public key", "ImportUserPasskeys", `{"loginId":"a","devices":[{"auth0":{"keyId":"k","publicKey":""}}]}`, []string{`"/publicKey"`, empty}},
		{"an Auth0 passkey without keyId", "ImportUserPasskeys", `{"loginId":"a","devices":[{"auth0":{"publicKey":"cA=="}}]}`, []string{`property "keyId" ` + missing}},
		{"transports a string", "ImportUserPasskeys", `{"loginId":"a","devices":[{"descope":{"credentialId":"c","publicKey":"cA==","transports":"usb"}}]}`, []string{`"/transports"`, notArray}},

		// Trusted devices.
		{"no user", "ListTrustedDevicesForUsers", `{}`, []string{"Neither `identifiers` nor `loginId` names a user."}},
		{"an empty identifier", "ListTrustedDevicesForUsers", `{"identifiers":["jane@example.com",""]}`, []string{`"/identifiers/1"`, empty}},
		{"identifiers a string", "ListTrustedDevicesForUsers", `{"identifiers":"jane@example.com"}`, []string{`"/identifiers"`, notArray}},
		{"no devices", "UpdateUserRemoveTrustedDevices", `{"loginId":"a"}`, []string{"neither `deviceIds` nor `ids` lists the devices"}},
		{"no user", "UpdateUserRemoveTrustedDevices", `{"deviceIds":["d"]}`, []string{"Neither `loginId` nor `identifier` names the user"}},
		{"an empty device ID", "UpdateUserRemoveTrustedDevices", `{"identifier":"a","deviceIds":[""]}`, []string{`"/deviceIds/0"`, empty}},
		{"ids a string", "UpdateUserRemoveTrustedDevices", `{"identifier":"a","ids":"d"}`, []string{`"/ids"`, notArray}},

		// The generators and embedded links.
		{"deliveryMethod a number", "GenerateOTPForTestUser", `{"loginId":"a","deliveryMethod":1}`, []string{`"/deliveryMethod"`, notString}},
		{"loginOptions a string", "GenerateOTPForTestUser", `{"loginId":"a","loginOptions":"mfa"}`, []string{`"/loginOptions"`, notObject}},
		{"a misspelt login option", "GenerateOTPForTestUser", `{"loginId":"a","loginOptions":{"stepUp":true}}`, []string{`"/loginOptions"`, `property "stepUp" ` + unsupported}},
		{"custom claims a list", "GenerateOTPForTestUser", `{"loginId":"a","loginOptions":{"customClaims":["x"]}}`, []string{`"/customClaims"`, notObject}},
		{"URI a number", "GenerateMagicLinkForTestUser", `{"loginId":"a","URI":7}`, []string{`"/URI"`, notString}},
		{"uri in lower case", "GenerateMagicLinkForTestUser", `{"loginId":"a","uri":"https://app.example.com"}`, []string{`property "uri" ` + unsupported}},
		{"redirectUrl null", "GenerateMagicLinkForTestUser", `{"loginId":"a","redirectUrl":null}`, []string{`"/redirectUrl"`, notNullable}},
		{"a delivery method on the enchanted link", "GenerateEnchantedLinkForTestUser", `{"loginId":"a","deliveryMethod":"email"}`, []string{`property "deliveryMethod" ` + unsupported}},
		{"a PKCE challenge not base64", "GenerateEnchantedLinkForTestUser", `{"loginId":"a","loginOptions":{"pkceChallenge":"not base64!"}}`, []string{`"/pkceChallenge"`, notBase64}},
		{"timeout negative", "EmbeddedLinkSignin", `{"loginId":"a","timeout":-1}`, []string{`"/timeout"`, negative}},
		{"timeout a string", "EmbeddedLinkSignin", `{"loginId":"a","timeout":"600"}`, []string{`"/timeout"`, notInt}},
		{"custom claims a list", "EmbeddedLinkSignin", `{"loginId":"a","customClaims":[1]}`, []string{`"/customClaims"`, notObject}},
		{"login options on the sign-in link", "EmbeddedLinkSignin", `{"loginId":"a","loginOptions":{}}`, []string{`property "loginOptions" ` + unsupported}},
		{"the user a list", "EmbeddedLinkSignup", `{"loginId":"a","user":[]}`, []string{`"/user"`, notObject}},
		{"a misspelt user field", "EmbeddedLinkSignup", `{"loginId":"a","user":{"displayName":"x"}}`, []string{`"/user"`, `property "displayName" ` + unsupported}},
		{"emailVerified a string", "EmbeddedLinkSignup", `{"loginId":"a","emailVerified":"true"}`, []string{`"/emailVerified"`, notBool}},

		// History, custom attribute definitions, impersonation consent, import.
		{"an object on the v1 path", "UsersAuthHistory", `{"userIds":["U2abc"]}`, []string{notArray}},
		{"an empty user ID", "UsersAuthHistory", `["U2abc",""]`, []string{`"/1"`, empty}},
		{"a user ID a number", "UsersAuthHistory", `[1]`, []string{`"/0"`, notString}},
		{"a list on the v2 path", "UsersAuthHistoryV2", `["U2abc"]`, []string{notObject}},
		{"userIds missing", "UsersAuthHistoryV2", `{}`, []string{`property "userIds" ` + missing}},
		{"attributes missing", "CreateUserCustomAttribute", `{}`, []string{`property "attributes" ` + missing}},
		{"a definition without name", "CreateUserCustomAttribute", `{"attributes":[{"type":1}]}`, []string{`property "name" ` + missing}},
		{"an empty name", "CreateUserCustomAttribute", `{"attributes":[{"name":""}]}`, []string{`"/attributes/0/name"`, empty}},
		{"type negative", "CreateUserCustomAttribute", `{"attributes":[{"name":"a","type":-1}]}`, []string{`"/attributes/0/type"`, negative}},
		{"type a name", "CreateUserCustomAttribute", `{"attributes":[{"name":"a","type":"text"}]}`, []string{`"/attributes/0/type"`, notInt}},
		{"an option's misspelt field", "CreateUserCustomAttribute", `{"attributes":[{"name":"a","options":[{"value":"x","text":"X"}]}]}`, []string{`property "text" ` + unsupported}},
		{"names missing", "DeleteUserCustomAttribute", `{}`, []string{`property "names" ` + missing}},
		{"an empty name", "DeleteUserCustomAttribute", `{"names":[""]}`, []string{`"/names/0"`, empty}},
		{"impersonationConsent missing", "UpdateUserImpersonationConsent", `{"loginId":"a"}`, []string{`property "impersonationConsent" ` + missing}},
		{"impersonationConsent negative", "UpdateUserImpersonationConsent", `{"loginId":"a","impersonationConsent":-1}`, []string{`"/impersonationConsent"`, negative}},
		{"impersonationConsent past int32", "UpdateUserImpersonationConsent", `{"loginId":"a","impersonationConsent":2147483648}`, []string{`"/impersonationConsent"`, `"int32"`}},
		{"impersonationConsent a boolean", "UpdateUserImpersonationConsent", `{"loginId":"a","impersonationConsent":true}`, []string{`"/impersonationConsent"`, notInt}},
		{"source missing", "ImportUsers", `{"users":"e30="}`, []string{`property "source" ` + missing}},
		{"source empty", "ImportUsers", `{"source":"","users":"e30="}`, []string{`"/source"`, empty}},
		{"users as raw JSON, not base64", "ImportUsers", `{"source":"descope","users":"{\"loginId\":\"a\"}"}`, []string{`"/users"`, notBase64}},
		{"hashes as raw JSON, not base64", "ImportUsers", `{"source":"descope","users":"e30=","hashes":"{}"}`, []string{`"/hashes"`, notBase64}},
		{"users a list of bytes (a Node Buffer)", "ImportUsers", `{"source":"descope","users":{"type":"Buffer","data":[123,125]}}`, []string{`"/users"`, notString}},
		{"dryrun a string", "ImportUsers", `{"source":"descope","dryrun":"false"}`, []string{`"/dryrun"`, notBool}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.op] = true
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := f.send(t, operationByID(t, tc.op), request{body: tc.body})
			assertRequestRejected(t, err, tc.op, tc.wants...)
			f.assertNotHit(t)
		})
	}

	// The provider token's query.
	query := []struct {
		name  string
		query url.Values
		wants []string
	}{
		{"provider missing", url.Values{"loginId": {"jane@example.com"}}, []string{`parameter "provider" in query`, "value is required but missing"}},
		{"provider empty", url.Values{"loginId": {"jane@example.com"}, "provider": {""}}, []string{`parameter "provider" in query`}},
		{"loginId empty", url.Values{"loginId": {""}, "provider": {"google"}}, []string{`parameter "loginId" in query`}},
		{"withRefreshToken not a boolean", url.Values{"loginId": {"a"}, "provider": {"google"}, "withRefreshToken": {"yes"}}, []string{`parameter "withRefreshToken" in query`}},
		{"forceRefresh not a boolean", url.Values{"loginId": {"a"}, "provider": {"google"}, "forceRefresh": {"1x"}}, []string{`parameter "forceRefresh" in query`}},
	}
	for _, tc := range query {
		covered["GetUserProviderToken"] = true
		t.Run("GetUserProviderToken/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := f.send(t, operationByID(t, "GetUserProviderToken"), request{query: tc.query})
			assertRequestRejected(t, err, "GetUserProviderToken", tc.wants...)
			f.assertNotHit(t)
		})
	}

	// Every operation of spec 1.3.0 that takes input has cases here.
	for _, op := range operations() {
		if isNewOperation(op.ID) && !covered[op.ID] && (op.valid != "" || op.query != nil) {
			t.Errorf("%s has no refusal in this test", op.ID)
		}
	}
}

// isNewOperation reports whether an operation came with spec 1.3.0: those the api rows of
// api_lifecycle_test.go call.
func isNewOperation(id string) bool {
	for _, c := range lifecycleCalls {
		if operationOfMethod(c.method) == id {
			return true
		}
	}
	return false
}

// operationOfMethod is the operation an api method of spec 1.3.0 calls.
func operationOfMethod(method string) string {
	return map[string]string{
		"Create": "CreateUser", "Invite": "CreateUser", "CreateTestUser": "CreateTestUser", "CreateBatch": "CreateUsers",
		"InviteBatch": "CreateUsers", "CreateSeq": "CreateUsers", "CreateAll": "CreateUsers", "ImportSeq": "CreateUsers", "ImportAll": "CreateUsers", "Delete": "DeleteUser",
		"DeleteByUserID": "DeleteUser", "DeleteBatch": "DeleteUsers", "DeleteSeq": "DeleteUsers", "DeleteAll": "DeleteUsers",
		"DeleteAllTestUsers": "DeleteAllTestUsers", "LogoutUser": "LogoutAllUserDevices", "LogoutUserByUserID": "LogoutAllUserDevices",
		"Import": "ImportUsers", "SetTemporaryPassword": "SetUserTemporaryPassword", "SetActivePassword": "SetUserActivePassword",
		"SetPassword": "SetUserPassword", "ExpirePassword": "ExpireUserPassword", "RemoveTOTPSeed": "RemoveUserTOTP",
		"ListPasskeys": "ListUserPasskeys", "RemoveAllPasskeys": "RemoveUserPasskeys", "RemovePasskey": "RemoveUserPasskey",
		"ImportPasskeys": "ImportUserPasskeys", "ListTrustedDevices": "ListTrustedDevicesForUsers",
		"RemoveTrustedDevices": "UpdateUserRemoveTrustedDevices", "GenerateOTPForTestUser": "GenerateOTPForTestUser",
		"GenerateMagicLinkForTestUser": "GenerateMagicLinkForTestUser", "GenerateEnchantedLinkForTestUser": "GenerateEnchantedLinkForTestUser",
		"GenerateEmbeddedLink": "EmbeddedLinkSignin", "GenerateSignUpEmbeddedLink": "EmbeddedLinkSignup", "History": "UsersAuthHistory",
		"HistoryV2": "UsersAuthHistoryV2", "GetProviderToken": "GetUserProviderToken", "CustomAttributes": "UserCustomAttributes",
		"CreateCustomAttributes": "CreateUserCustomAttribute", "DeleteCustomAttributes": "DeleteUserCustomAttribute",
		"UpdateImpersonationConsent": "UpdateUserImpersonationConsent",
	}[method]
}

// Values of the generated types of spec 1.3.0 that Go allows and the spec does not: the
// validator stops them.
func TestLifecycleRequestsRejectedTyped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		op    string
		body  any // a gen request type
		wants []string
	}{
		{"zero create", "CreateUser", gen.CreateUserRequest{}, []string{notNamedMessage}},
		{"an empty hash", "CreateUser", gen.CreateUserRequest{LoginID: "a", HashedPassword: &gen.PasswordImport{}}, []string{`"/hashedPassword"`, "at least 1 properties"}},
		{"two hashes", "CreateTestUser", gen.CreateUserRequest{LoginID: "a", HashedPassword: &gen.PasswordImport{
			Md5: &gen.PasswordImportHash{Hash: "6eb9f735eec136b34cdc1715d6c7da57"}, Bcrypt: &gen.PasswordImportHash{Hash: "$2a$10$x"}}}, []string{`"/hashedPassword"`, "at most 1 properties"}},
		{"a status outside the enum", "CreateUser", gen.CreateUserRequest{LoginID: "a", Status: ptr(gen.UserStatus("paused"))}, []string{`"/status"`}},
		{"a batch user without loginId", "CreateUsers", gen.CreateUsersBatchRequest{Users: []gen.BatchUser{{Email: "a@example.com"}}}, []string{`"/users/0/loginId"`, "minimum string length is 1"}},
		{"a zero pbkdf2 hash", "CreateUsers", gen.CreateUsersBatchRequest{Users: []gen.BatchUser{{LoginID: "a", HashedPassword: &gen.PasswordImport{Pbkdf2: &gen.PasswordImportPbkdf2{}}}}},
			[]string{`"/users/0/hashedPassword"`, `"/hash"`, "minimum string length is 1", `"/iterations"`, `"/type"`}},
		{"a negative created time", "CreateUsers", gen.CreateUsersBatchRequest{Users: []gen.BatchUser{{LoginID: "a", CreatedTime: -1}}}, []string{`"/users/0/createdTime"`}},
		{"no user IDs", "DeleteUsers", gen.DeleteUsersRequest{}, []string{`"/userIds"`, "not nullable"}},
		{"an empty password", "SetUserActivePassword", gen.SetUserPasswordRequest{LoginID: "a"}, []string{`"/password"`, "minimum string length is 1"}},
		{"no user for the password", "SetUserTemporaryPassword", gen.SetUserPasswordRequest{Password: wire.Secret("x")}, []string{notNamedMessage}},
		{"a zero device", "ImportUserPasskeys", gen.ImportUserPasskeysRequest{LoginID: "a", Devices: []gen.WebauthnImportDevice{{}}}, []string{`"/devices/0"`, "at least 1 properties"}},
		{"no devices", "ImportUserPasskeys", gen.ImportUserPasskeysRequest{LoginID: "a"}, []string{`"/devices"`, "not nullable"}},
		{"a zero Descope passkey", "ImportUserPasskeys", gen.ImportUserPasskeysRequest{LoginID: "a", Devices: []gen.WebauthnImportDevice{{Descope: &gen.WebauthnImportDescope{}}}},
			[]string{`"/credentialId"`, `"/publicKey"`}},
		{"no one's devices", "ListTrustedDevicesForUsers", gen.ListTrustedDevicesRequest{}, []string{"Neither `identifiers` nor `loginId` names a user."}},
		{"no devices to remove", "UpdateUserRemoveTrustedDevices", gen.RemoveTrustedDevicesRequest{LoginID: "a"}, []string{"neither `deviceIds` nor `ids`"}},
		{"a zero OTP request", "GenerateOTPForTestUser", gen.GenerateOTPRequest{}, []string{`"/loginId"`, "minimum string length is 1"}},
		{"a negative timeout", "EmbeddedLinkSignin", gen.EmbeddedLinkSigninRequest{LoginID: "a", Timeout: -5}, []string{`"/timeout"`}},
		{"no user IDs", "UsersAuthHistoryV2", gen.UsersAuthHistoryRequest{}, []string{`"/userIds"`, "not nullable"}},
		{"no attributes", "CreateUserCustomAttribute", gen.CreateCustomAttributesRequest{}, []string{`"/attributes"`, "not nullable"}},
		{"a nameless attribute", "CreateUserCustomAttribute", gen.CreateCustomAttributesRequest{Attributes: []gen.CustomAttributeDefinition{{Type: 1}}}, []string{`"/attributes/0/name"`}},
		{"no names", "DeleteUserCustomAttribute", gen.DeleteCustomAttributesRequest{}, []string{`"/names"`, "not nullable"}},
		{"negative days", "UpdateUserImpersonationConsent", gen.UpdateUserImpersonationConsentRequest{LoginID: "a", ImpersonationConsent: -1}, []string{`"/impersonationConsent"`}},
		{"no source", "ImportUsers", gen.ImportUsersRequest{Users: []byte("{}")}, []string{`"/source"`, "minimum string length is 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: `{}`})
			_, err := f.send(t, operationByID(t, tc.op), request{body: string(mustJSON(t, tc.body))})
			assertRequestRejected(t, err, tc.op, tc.wants...)
			f.assertNotHit(t)
		})
	}
}

// TestFakeRefusesWhatTheContractLetsThrough: requests of spec 1.3.0 that match the spec and that
// the fake must still refuse, each with its status and code and a message naming the field (and
// never a secret), leaving the users as they were.
func TestFakeRefusesWhatTheContractLetsThrough(t *testing.T) {
	t.Parallel()
	bad, invalid := http.StatusBadRequest, api.CodeInvalidArguments
	cases := []struct {
		name, op, body string
		status         int
		code           string
		fragments      []string
		secret         string // what the message must not show
	}{
		{"a password and a hash", "CreateUser", `{"loginId":"new@example.com","password":"Pa55-secret","hashedPassword":{"md5":{"hash":"6eb9f735eec136b34cdc1715d6c7da57"}}}`,
			bad, invalid, []string{"password", "hashedPassword"}, "Pa55-secret"},
		{"a bcrypt hash of the wrong shape", "CreateUser", `{"loginId":"new@example.com","hashedPassword":{"bcrypt":{"hash":"$2a$10$tooShortToBeBcrypt"}}}`,
			bad, invalid, []string{"hashedPassword.bcrypt.hash"}, "tooShortToBeBcrypt"},
		{"an md5 hash of 31 digits", "CreateTestUser", `{"loginId":"new@example.com","hashedPassword":{"md5":{"hash":"d41d8cd98f00b204e9800998ecf8427"}}}`,
			bad, invalid, []string{"hashedPassword.md5.hash"}, "d41d8cd98f00b204e9800998ecf8427"},
		{"unpadded base64", "CreateUser", `{"loginId":"new@example.com","hashedPassword":{"pbkdf2":{"hash":"c2VjcmV0aGFzaA","salt":"c2FsdA==","iterations":10,"type":"sha1"}}}`,
			bad, invalid, []string{"hashedPassword.pbkdf2.hash"}, "c2VjcmV0aGFzaA"},
		{"a login ID that exists", "CreateUser", `{"loginId":"jane","password":"Pa55-secret"}`, bad, invalid, []string{"jane"}, "Pa55-secret"},
		{"name and displayName differ", "CreateUser", `{"loginId":"new@example.com","name":"A","displayName":"B"}`, bad, invalid, []string{"name", "displayName"}, ""},
		{"loginId and identifier differ", "CreateTestUser", `{"loginId":"new@example.com","identifier":"other@example.com"}`, bad, invalid, []string{"loginId", "identifier"}, ""},
		{"setActive true on the temporary path", "SetUserTemporaryPassword", `{"loginId":"jane@example.com","password":"Pa55-secret","setActive":true}`,
			bad, invalid, []string{"setActive"}, "Pa55-secret"},
		{"setActive false on the active path", "SetUserActivePassword", `{"loginId":"jane@example.com","password":"Pa55-secret","setActive":false}`,
			bad, invalid, []string{"setActive"}, "Pa55-secret"},
		{"a code for a real user", "GenerateOTPForTestUser", `{"loginId":"jane@example.com","deliveryMethod":"email"}`, bad, invalid, []string{"test user"}, ""},
		{"a link for a real user", "GenerateMagicLinkForTestUser", `{"loginId":"jane@example.com","URI":"https://app.example.com"}`, bad, invalid, []string{"test user"}, ""},
		{"URI and redirectUrl differ", "GenerateEnchantedLinkForTestUser", `{"loginId":"tess@example.com","URI":"https://a.example.com","redirectUrl":"https://b.example.com"}`,
			bad, invalid, []string{"URI", "redirectUrl"}, ""},
		{"deviceIds and ids differ", "UpdateUserRemoveTrustedDevices", `{"identifier":"jane@example.com","deviceIds":["d1"],"ids":["d2"]}`,
			bad, invalid, []string{"deviceIds", "ids"}, ""},
		{"a provider the user has no token from", "GetUserProviderToken", "", bad, invalid, []string{"github"}, ""},
		{"one name twice", "CreateUserCustomAttribute", `{"attributes":[{"name":"plan"},{"name":"plan","type":4}]}`, bad, invalid, []string{"plan"}, ""},
		{"a source the fake does not read", "ImportUsers", `{"source":"okta","users":"e30="}`, bad, invalid, []string{"okta"}, ""},
		{"users that do not read", "ImportUsers", `{"source":"firebase","users":"bm90IGpzb24="}`, bad, invalid, []string{"users"}, ""},
		{"a third test user beyond a limit of two", "CreateTestUser", `{"loginId":"tia@example.com"}`, bad, apitest.CodeTestUserCreateFailed,
			[]string{apitest.CodeTestUsersLimitExceeded}, ""},
	}
	v := newValidator(t)
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			op := operationByID(t, tc.op)
			target := op.Path
			if tc.op == "GetUserProviderToken" {
				target += "?" + url.Values{"loginId": {"jane@example.com"}, "provider": {"github"}}.Encode()
			}
			// The contract lets it through.
			req := httptest.NewRequestWithContext(t.Context(), op.Method, "http://127.0.0.1"+target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", testBearer)
			if _, err := v.ValidateRequest(t.Context(), req); err != nil {
				t.Fatalf("the contract refuses it: %v", err)
			}
			// The fake does not. Its users: sdkUsers (two test users: the limit, 2, is reached),
			// and jane's Google token.
			s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(sdkUsers()...), apitest.WithTestUserLimit(2),
				apitest.WithUserState("jane@example.com", apitest.UserState{ProviderTokens: []gen.UserProviderToken{{Provider: "google", AccessToken: "ya29.x"}}}))
			before := s.Users()
			status, answer, err := callAt(t, http.DefaultClient, s.URL, op.Method, target, tc.body, nil)
			if err != nil {
				t.Fatal(err)
			}
			var e gen.Error
			if err := json.Unmarshal(answer, &e); err != nil || status != tc.status || e.ErrorCode != tc.code {
				t.Fatalf("answered %d %s, want %d %s", status, answer, tc.status, tc.code)
			}
			for _, f := range tc.fragments {
				if !strings.Contains(e.ErrorMessage, f) {
					t.Errorf("errorMessage %q does not name %q", e.ErrorMessage, f)
				}
			}
			if tc.secret != "" && strings.Contains(string(answer), tc.secret) {
				t.Errorf("the answer shows the secret: %s", answer)
			}
			if after := s.Users(); len(after) != len(before) {
				t.Errorf("a refused request changed the users: %d, were %d", len(after), len(before))
			}
		})
	}
}

// TestLifecycleResponsesRejected: answers of the operations of spec 1.3.0 that drift from the
// spec are refused, naming the field. (TestResponseRejected gives every operation an answer of
// the other JSON type and an undocumented status; TestResponseErrors the documented errors.)
func TestLifecycleResponsesRejected(t *testing.T) {
	t.Parallel()
	const (
		notString, notBool, notInt = "value must be a string", "value must be a boolean", "value must be an integer"
		notArray, notObject        = "value must be an array", "value must be an object"
	)
	cases := []struct {
		name, op, body string
		wants          []string
	}{
		{"createdUsers an object", "CreateUsers", `{"createdUsers":{}}`, []string{`"/createdUsers"`, notArray}},
		{"a created user's createdTime a string", "CreateUsers", `{"createdUsers":[{"createdTime":"now"}]}`, []string{`"/createdUsers/0/createdTime"`, notInt}},
		{"a failure a number", "CreateUsers", `{"failedUsers":[{"failure":11004}]}`, []string{`"/failedUsers/0/failure"`, notString}},
		{"a failed user a login ID", "CreateUsers", `{"failedUsers":[{"failure":"x","user":"jane@example.com"}]}`, []string{`"/failedUsers/0/user"`, notObject}},
		{"additionalErrors value a list", "CreateUsers", `{"additionalErrors":{"jane":["x"]}}`, []string{`"/additionalErrors/jane"`, notString}},
		{"the created user's status a number", "CreateUser", `{"user":{"status":1},"created":true}`, []string{`"/user/status"`, notString}},
		{"created a string", "CreateTestUser", `{"user":{},"created":"true"}`, []string{`"/created"`, notBool}},
		{"consentExpiration a string", "UpdateUserImpersonationConsent", `{"user":{"consentExpiration":"1700000000"}}`, []string{`"/user/consentExpiration"`, notInt}},
		{"an empty answer a string", "DeleteUser", `"ok"`, []string{notObject}},
		{"an empty answer null", "LogoutAllUserDevices", `null`, []string{"not nullable"}},
		{"cleartext a number", "SetUserTemporaryPassword", `{"cleartext":1}`, []string{`"/cleartext"`, notString}},
		{"passkeys an object", "ListUserPasskeys", `{"passkeys":{"id":"cred-1"}}`, []string{`"/passkeys"`, notArray}},
		{"a passkey's createdTime a string", "ListUserPasskeys", `{"passkeys":[{"id":"cred-1","createdTime":"1700000000"}]}`, []string{`"/passkeys/0/createdTime"`, notInt}},
		{"a passkey's id a number", "ListUserPasskeys", `{"passkeys":[{"id":1}]}`, []string{`"/passkeys/0/id"`, notString}},
		{"a device's lastLoginTime a number", "ListTrustedDevicesForUsers", `{"devices":[{"id":"d","lastLoginTime":1700000000}]}`, []string{`"/devices/0/lastLoginTime"`, notString}},
		{"isCurrentDevice a string", "ListTrustedDevicesForUsers", `{"devices":[{"isCurrentDevice":"no"}]}`, []string{`"/devices/0/isCurrentDevice"`, notBool}},
		{"the code a number", "GenerateOTPForTestUser", `{"loginId":"t","code":123456}`, []string{`"/code"`, notString}},
		{"loginId a list", "GenerateOTPForTestUser", `{"loginId":["t"],"code":"1"}`, []string{`"/loginId"`, notString}},
		{"the link null", "GenerateMagicLinkForTestUser", `{"link":null}`, []string{`"/link"`, "not nullable"}},
		{"pendingRef a number", "GenerateEnchantedLinkForTestUser", `{"link":"x","pendingRef":7}`, []string{`"/pendingRef"`, notString}},
		{"the token a number", "EmbeddedLinkSignin", `{"token":7}`, []string{`"/token"`, notString}},
		{"maskedEmail a boolean", "EmbeddedLinkSignup", `{"token":"t","maskedEmail":true}`, []string{`"/maskedEmail"`, notString}},
		{"an entry a string", "UsersAuthHistory", `["U2abc"]`, []string{`"/0"`, notObject}},
		{"loginTime a string", "UsersAuthHistory", `[{"userId":"U2abc","loginTime":"1700000000"}]`, []string{`"/0/loginTime"`, notInt}},
		{"usersAuthHistory an object", "UsersAuthHistoryV2", `{"usersAuthHistory":{"U2abc":[]}}`, []string{`"/usersAuthHistory"`, notArray}},
		{"loginTime fractional", "UsersAuthHistoryV2", `{"usersAuthHistory":[{"loginTime":1.5}]}`, []string{`"/usersAuthHistory/0/loginTime"`, notInt}},
		{"expiration a string", "GetUserProviderToken", `{"provider":"google","expiration":"soon"}`, []string{`"/expiration"`, notInt}},
		{"scopes a string", "GetUserProviderToken", `{"scopes":"openid email"}`, []string{`"/scopes"`, notArray}},
		{"the access token null", "GetUserProviderToken", `{"accessToken":null}`, []string{`"/accessToken"`, "not nullable"}},
		{"total a number", "UserCustomAttributes", `{"data":[],"total":2}`, []string{`"/total"`, notString}},
		{"a definition's type a name", "CreateUserCustomAttribute", `{"data":[{"name":"plan","type":"select"}]}`, []string{`"/data/0/type"`, notInt}},
		{"an option's value a number", "DeleteUserCustomAttribute", `{"data":[{"name":"plan","options":[{"value":1}]}]}`, []string{`"/data/0/options/0/value"`, notString}},
		{"editable a string", "UserCustomAttributes", `{"data":[{"editable":"yes"}]}`, []string{`"/data/0/editable"`, notBool}},
		{"users an object", "ImportUsers", `{"users":{"eva":{}}}`, []string{`"/users"`, notArray}},
		{"a failure's reason a number", "ImportUsers", `{"failures":[{"user":"fred","reason":11004}]}`, []string{`"/failures/0/reason"`, notString}},
		{"an imported user's loginIds a string", "ImportUsers", `{"users":[{"loginIds":"eva@example.com"}]}`, []string{`"/users/0/loginIds"`, notArray}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.op] = true
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, reply{body: tc.body})
			_, err := f.sendValid(t, operationByID(t, tc.op))
			assertResponseRejected(t, err, tc.op, http.StatusOK, tc.wants...)
			if n := f.hits.Load(); n != 1 {
				t.Errorf("server hit %d times, want 1", n)
			}
		})
	}
	// Every kind of answer spec 1.3.0 added has refusals here.
	kinds := map[string]bool{}
	for _, op := range operations() {
		if isNewOperation(op.ID) {
			kinds[responseType(t, op, http.StatusOK).String()] = false
		}
	}
	for id := range covered {
		kinds[responseType(t, operationByID(t, id), http.StatusOK).String()] = true
	}
	for kind, ok := range kinds {
		if !ok {
			t.Errorf("no answer of type %s is refused here", kind)
		}
	}
}
