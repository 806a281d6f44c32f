// Package apitest is an in-process fake of Descope's user-management API, in the style
// of net/http/httptest: start a Server on loopback, point the client under test at its URL with
// its ProjectID and ManagementKey, and inspect the users, the request log and the counters
// afterwards.
//
// The fake serves the operations of spec/openapi.yaml and behaves like the API:
//
//   - Every request is checked in this order: route, credentials, rate limit, injected faults,
//     validation against the spec (package spec), and only then the operation.
//   - Users live in memory. An operation finds its user by any of the user's login IDs or by
//     its user ID, given in loginId or in identifier, its other name (Descope's .NET SDK sends
//     identifier; the load query takes ?identifier= as ?loginId=). loginId and identifier with
//     different values are 400 E011004 naming both and both values, even when both name the
//     same user. Patches follow the spec's conventions: an absent field leaves the stored
//     value, "" clears a string, [] or null clears a list (api.NormalizeNullLists), and
//     customAttributes merge key by key, a null value removing that attribute. The second names
//     a patch may give three fields (identifier, displayName, additionalIdentifiers) mean the
//     first (loginId, name, additionalLoginIds) and are folded into them (api.NormalizePatch);
//     two names of one field with different values are 400 E011004 naming both. A batch of no
//     patches is answered 200 with empty lists.
//   - Users carry their recovery contacts (recoveryEmail, recoveryPhone) and whether each is
//     verified, as Descope's published document returns them: every answer that carries a user
//     carries them, users given to WithUsers or AddUsers keep those they are given, and
//     Server.Recovery reads them. update/recovery/email and /phone set one with its flag ("" removes
//     it, and a removed contact is unverified). A patch or a full update applies each field it
//     carries: "" removes a contact and its flag; a flag sent without its contact marks the
//     stored contact (and marks nothing when there is none); an absent flag leaves the stored
//     flag, also when the contact changes, as a patch's verifiedEmail does.
//   - The other updates: a status may follow any other; a login ID is unique across users and a
//     user's last one cannot be removed; an email with failOnConflict may not be another user's
//     login ID or email; roles in a tenant need the user to be its member; add and remove of
//     roles, tenants and SSO apps are set union and difference. UpdateUser replaces every field
//     it carries, absent ones included, except status and the recovery contacts and their flags,
//     which it leaves as they are when absent (the spec's UpdateUserRequest says why); its
//     phoneNumber is phone under its deprecated name (both given: equal, or 400 E011004). Every
//     update stamps modifiedTime. The v1 paths of search and role add (the spec's x-twin-of)
//     behave exactly as their v2 operations.
//   - Load answers 404 E112102 for an unknown user; LoadUsers leaves unknown IDs out, and
//     disabled and expired users unless asked. Search combines its filters as the spec says
//     (all filters, any value of each), leaves test users out unless asked, and pages in a stable
//     order (insertion order, or the sort asked for) with the total of all matches. Besides the
//     filters the SDKs send: loginId (or identifier; both with different values are 400 E011004)
//     is one login ID the user must have, not a user ID; recoveryEmails and recoveryPhones match
//     exactly, any of them; the four verified flags (verifiedEmail, verifiedPhone,
//     verifiedRecoveryEmail, verifiedRecoveryPhone) filter whenever present, false included; the
//     sign-in method flags filter only when true: ssoOnly keeps users with SAML or OIDC, scimOnly
//     and scim users with SCIM (the fake cannot tell the two apart), password, totp and webauthn
//     users with that method; includeSubTenants changes nothing (the fake has no sub-tenants).
//     The four time filters are milliseconds, a number or a decimal string, compared with
//     createdTime and modifiedTime (seconds) times 1000. A positive offset is the position of the
//     first user answered, instead of page*limit. selectedColumns answers each user with only
//     the fields it names, by their JSON names in User exactly (e.g. email, recoveryEmail,
//     TOTP), plus userId and loginIds; the others are empty, and filters, sort, paging and total
//     are as without it. sort takes the names the spec lists: id and userId (the user ID),
//     externalId and loginIds (the first login ID), displayName and name, phoneNumber and phone,
//     email, status, tenant (the first tenant ID; users in none sort first), givenName,
//     familyName, createdTime and modifiedTime; strings sort by byte and lists by their first
//     value, "" when empty.
//   - Users are created (create, create/test, create/batch, import) with a new user ID, createdTime
//     and modifiedTime now (a batch user's or an import's createdTime when given) and the status
//     invited unless the request sets one; test users (create/test, or test: true) are counted
//     against WithTestUserLimit (DefaultTestUserLimit, 5, Descope's free tier; n <= 0 is no
//     limit). A login ID is unique: a create whose login ID or additional login ID is another
//     user's login ID or user ID is 400 E011004 naming it. The create fields spelt two ways
//     (name/displayName, additionalIdentifiers/additionalLoginIds, ssoAppIds/ssoAppIDs,
//     phone/phoneNumber, loginId/identifier) are read under either name; two values that differ
//     are 400 E011004 naming both. A verified flag without its contact is false.
//   - Invitations (invite: true) are kept in Server.Outbox: to whom, by email (sendMail true or
//     absent, when the user has an email) and/or SMS (sendSMS true, when the user has a phone),
//     and the inviteUrl, templateId, templateOptions and locale; an invitation that could go by
//     neither is not kept. Inviting an existing login ID or user ID re-invites that user: the
//     answer is the user, unchanged, with created: false (in a batch, listed in createdUsers).
//   - create/batch answers every user once, in createdUsers or failedUsers ("<code>: <message>",
//     the user named by its login ID), as patch/batch does: a taken login ID (also one taken
//     earlier in the same batch), a bad hashed password, spellings that differ or a test user
//     beyond the limit fail that user alone; a body that does not match the spec fails the call
//     (400 E011003). A batch user's seed gives it TOTP and is not kept.
//   - Delete names the user by loginId (or identifier: a login ID or user ID) or by userId (a user
//     ID only); neither is 400 E011002, two different users 400 E011004, an unknown user 404
//     E112102 (also for a retried delete). delete/batch takes user IDs only and skips unknown
//     ones; test/delete/all deletes the test users and no other. A deleted user is gone from
//     load, search and Server.User, with its password, passkeys, devices, tokens, history and
//     generated codes; its login IDs are free. Stats counts CreatedUsers and DeletedUsers.
//   - Logout records the user and the session types asked (nil: all) in Server.Logouts.
//   - Passwords are kept as hashes only: a clear-text password (create, create/batch, the
//     password sets) as its argon2id hash, an imported hashedPassword as the hash it came with
//     (exactly one variant; password and hashedPassword together are 400 E011004). Shapes are
//     checked, 400 E011004 naming the field and never the value (in a batch: that user fails):
//     bcrypt ($2a$, $2b$ or $2y$, 60 characters, a readable cost), md5 (32 hex digits), sha (hex
//     of the type's length), django (<algorithm>$...; pbkdf2_sha256/sha1, argon2 and
//     bcrypt_sha256 are read), phpass (its alphabet; 22 characters for md5), and every bytes
//     field standard base64 with padding (protobuf's JSON form). Server.CheckPassword verifies:
//     bcrypt; PBKDF2 with HMAC-SHA1, -SHA256 or -SHA512 as type says; argon2i and argon2id (the
//     default); sha: hex of SHA-1/256/512 of the password followed by the salt; md5: hex of MD5
//     of the password; Firebase's modified scrypt (scrypt of the password with salt followed by
//     the salt separator, N = 2^memory, r = rounds, p = 1, 32 bytes, as the AES-256-CTR key,
//     zero IV, that encrypts the signer key); Django's pbkdf2_sha256, pbkdf2_sha1, argon2 and
//     bcrypt_sha256; phpass's portable MD5. buddyauth, bach, phpass sha512 and other Django
//     algorithms are kept and not verified (ErrUnsupportedHash). set/active sets an active
//     password, set/temporary an expired one, password/set as setActive says (temporary when
//     absent); setActive that contradicts its path is 400 E011004; expire expires the password
//     (a user without one is left as it is); Server.Password says which. The password answers
//     are {} (cleartext is never sent).
//   - Secrets never show: no password, hash or seed is in an answer, an error message, or %v of
//     anything the package returns; the request journal (WithRequestLog) keeps Redacted in place
//     of every field the spec marks x-secret (SecretExtension), and of password, hashedPassword,
//     seed, users and hashes in a request that matched no operation.
//   - totp/delete sets the user's TOTP to false. Passkeys, trusted devices, provider tokens and
//     sign-in history are seeded with WithUserState or Server.SetUserState (UserState). Passkey
//     import replaces a credential the user has and refuses another user's (400 E011004);
//     removal (one, all, or the one passkeys/delete names by credentialId) ignores unknown IDs;
//     the user's webauthn is true exactly while it has passkeys. trusteddevices/list answers the
//     devices of the users named (identifiers, or the Go SDK's loginId; unknown users left out);
//     remove takes deviceIds or ids (both: equal, or 400 E011004) and ignores unknown IDs.
//   - tests/generate/otp, magiclink and enchantedlink refuse a user that is not a test user (400
//     E011004) and an unknown one (404 E112102); a link is the redirect URL (redirectUrl, or URI
//     as Go and Node send it; both: equal) with the token in t. Server.LastOTP, LastMagicLink and
//     LastEnchantedLink read the last ones; signin/embeddedlink (any existing user, masked
//     contacts in the answer) and signup/embeddedlink (no user is created) tokens are read by
//     Server.LastEmbeddedToken. loginOptions are accepted and change nothing.
//   - history (v1: bare arrays in and out; v2: {userIds} and {usersAuthHistory}) answers the
//     seeded sign-ins of the user IDs asked, in that order, unknown ones left out. provider/token
//     answers the seeded token of that provider, its refresh token only with withRefreshToken;
//     a user without one is 400 E011004. Custom attribute definitions are seeded with
//     WithCustomAttributes and read with Server.CustomAttributes; create replaces a name that
//     exists (two in one call: 400 E011004), delete ignores unknown names and removes the deleted
//     attributes' values from every user. Users' attributes are not held to the definitions.
//     update/impersonationConsent sets consentExpiration to now plus that many days (0: 0).
//   - import reads the two formats the spec defines: descope (JSON Lines of create/batch users,
//     hashes as JSON Lines of {loginId, hashedPassword}) and firebase (Firebase's export and its
//     hash configuration); each user is created as by create/batch (firebase: enabled unless
//     disabled) or listed in failures; a dryrun creates nothing and answers the users without
//     user IDs; another source, or a file that does not read, is 400 E011004.
//   - GET /v1/mgmt/license answers the rate-limit tier (WithLicenseTier), which Descope's Go SDK
//     reads when it starts, so that SDK can be pointed at the fake too.
//   - As an emulator for programs in any language (descope-users emulate): its state (every user
//     with its ID, password hash, passkeys, devices, tokens, history, the attribute definitions
//     and the count of user IDs issued; see StateFormat) is written by WriteState and read back by
//     ReadState or WithState, losing nothing, and Reset returns to the state it started with.
//     WithControlAPI serves reset, the state, the users, the request journal, fault rules and a
//     password check under ControlPrefix (/emulator/v1/), with the management API's credentials.
//     A FaultRule makes the next calls of one operation, or of all, answer a chosen status (429
//     with Retry-After), a delay or a cut connection. WithRequestLogLimit keeps the last requests
//     only; Shutdown stops gracefully, letting the requests in flight finish; WithRemoteAccess
//     lets WithAddr name an address other machines reach.
//   - The spec closes the request schemas, so a request with an unknown, misspelt or mis-cased
//     field is a 400 E011003 here, where the real gateway would ignore the field and answer
//     200 without applying it. Holding clients to the spec is the point of the fake.
//   - A custom attribute value (any JSON value) in a request may nest lists and objects at most
//     32 deep, the limit the spec sets on AnyValue (x-max-depth) below protobuf's recursion
//     limits; a deeper one is a 400 E011003 naming its place. Stored values and answers are not
//     limited.
//   - A Server made by NewServer also validates every response it sends against the spec and
//     reports a mismatch with tb.Errorf, so a bug in the fake fails the test that met it.
//   - It holds a million users in well under a gigabyte: a stored user is kept compact (its
//     custom attributes a sorted list, equal lists of attributes, roles and tenants shared
//     between users), about 500 bytes of heap a user, 580 when its attributes are its own
//     (BenchmarkScaleMemory). A search with no filter, or by loginIds, userIds or one of
//     tenantIds, roleNames and statuses, with or without test users, reads indexes and takes
//     about as long at any size; by several of those, it checks the positions of the smallest
//     one's users in the others' indexes, without reading users; one that also filters by text,
//     attributes, times or the other fields, or sorts, goes through the users its indexed
//     filters leave (all of them without one). Deletes cost the same at any size. The
//     BenchmarkScale benchmarks of this package measure all this.
//
// # Status and error codes
//
// Every non-2xx answer carries a gen.Error body. The management key configured for the
// server never appears in one, nor in a batch answer's failure reasons: it is replaced by
// api.RedactedKey. Users are data, and are answered as stored.
//
//	200                 success: the answer the spec gives the operation (gen.UserResponse,
//	                    gen.UsersResponse, gen.PatchUsersBatchResponse, gen.License, and since
//	                    spec 1.3.0 gen.CreateUsersBatchResponse, gen.EmptyResponse ({} for the
//	                    operations Descope documents no body for) and the others of the spec)
//	400 E011003         the request does not match the spec, or nests a value deeper than it
//	                    allows; errorMessage names what is wrong
//	400 E011001         the body could not be read or is larger than MaxRequestBodyBytes
//	400 E011002         a load, delete or logout that names neither loginId (nor identifier)
//	                    nor userId
//	400 E011004         the request is valid but cannot be applied: two names of one field
//	                    with different values (loginId and identifier, in every request that
//	                    names its user, the load query and search; name and displayName;
//	                    additionalLoginIds and additionalIdentifiers; ssoAppIds and ssoAppIDs;
//	                    phone and phoneNumber in a full update), the message naming both and
//	                    both values; a phone or email taken by another user, with
//	                    failOnConflict; a login ID another user has, or the removal of a user's
//	                    last one; roles in a tenant the user is not in; a search sorted by a
//	                    name the spec does not list, or whose selectedColumns names no field of
//	                    User (the message names it); a patch whose userId differs from the
//	                    user's (a patch never changes a user ID); additionalLoginIds (or
//	                    additionalIdentifiers) with an empty ID or an ID of another user;
//	                    a create whose login ID is taken; a hashed password of the wrong
//	                    shape, or with a clear-text one; setActive against its path; a code or
//	                    link for a user who is not a test user; a provider token the user does
//	                    not have; a passkey of another user; a custom attribute named twice;
//	                    an import source the fake does not read
//	400 E111111         a test user beyond WithTestUserLimit (the message carries E013002)
//	401 E011005         Authorization missing, not "Bearer <ProjectID>:<ManagementKey>", or
//	                    naming another project or key
//	404 E112102         no user has that login ID or user ID (single-user operations)
//	404 E011001         no operation has that method and path
//	429 E130429         rate limit exceeded: WithRateLimit's token bucket, or a WithLimits window
//	                    (the call beyond its count, and every call of its lock-out); Retry-After
//	                    in whole seconds of the API's clock (WithTimeScale), >= 1
//	503 E011503         injected by Faults.ErrorRate
//	4xx, 5xx            a FaultRule's status, with its code (see FaultRule)
//	405 E011001         the control API (WithControlAPI): a method its path does not serve
//
// In PatchUserBatch, a patch that cannot be applied does not fail the call: the user goes into
// failedUsers, with failure "E112102: user not found" or "E011004: <reason>" and user {loginIds:
// the login IDs the patch named it by}, and the other patches are applied and listed in
// patchedUsers. That includes a patch whose two names of one field differ (its loginId and
// identifier, both listed in loginIds; name and displayName; additionalLoginIds and
// additionalIdentifiers): that check is about what the values mean, user by user, so the fake
// treats it like the other per-user failures. A patch that does not match the spec (an unknown
// field, a wrong type, no loginId or identifier) fails the whole call, 400 E011003, before any
// patch is applied, as a gateway refuses a body it cannot read.
//
// E011005 and E011503 are apitest's choices: the reference documents no code for these cases.
// E111111 and E013002 are Descope's, from its test-user page; which HTTP status carries them is
// the spec's choice (400).
// The others are the api package's constants, so a client's checks and the fake agree.
package apitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/time/rate"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// Default credentials of a Server made without WithCredentials. Both are fake.
//
// DefaultProjectID is shorter than 32 characters on purpose: Descope's SDKs derive a regional
// host from project IDs of 32 characters or more, and a client pointed at the fake must not
// try to do that.
const (
	DefaultProjectID     = "P2fakeprojectidforapitest000000"
	DefaultManagementKey = "fake-management-key"
)

// MaxRequestBodyBytes caps the request bodies the fake reads; a larger body is answered 400
// E011001.
const MaxRequestBodyBytes = spec.MaxBodyBytes

// Error codes the fake answers with; see the package documentation for when.
const (
	CodeBadRequest         = api.CodeBadRequest
	CodeValidationFailed   = api.CodeValidationFailed
	CodeInvalidArguments   = api.CodeInvalidArguments
	CodeUnauthorized       = "E011005"
	CodeUserNotFound       = api.CodeUserNotFound
	CodeRateLimitExceeded  = api.CodeRateLimitExceeded
	CodeServiceUnavailable = "E011503"
	CodeMissingArguments   = api.CodeMissingArguments
	// CodeTestUserCreateFailed ("Failed to create user") is the errorCode of a test user created
	// beyond the limit, whose message carries CodeTestUsersLimitExceeded, as Descope documents.
	CodeTestUserCreateFailed   = "E111111"
	CodeTestUsersLimitExceeded = "E013002"
)

// DefaultLicenseTier is the rate-limit tier GetLicense answers unless WithLicenseTier says
// otherwise.
const DefaultLicenseTier = "tier1"

// Server is a running fake of the user-management API. Its methods are safe for
// concurrent use, also while requests are being served.
type Server struct {
	// URL is the base URL of the server, http://127.0.0.1:<port>, without a trailing slash.
	URL string

	cfg     config
	redact  *api.Redactor
	v       *spec.Validator
	srv     *http.Server
	client  *http.Client
	store   *store
	limiter *rate.Limiter // nil: no rate limit
	windows *windows      // nil: no WithLimits

	ops      http.Handler // gen's router over operations
	faultSeq atomic.Uint64
	stats    *counters

	logMu      sync.Mutex
	log        []Request
	logDropped int                         // requests dropped from the front of log (WithRequestLogLimit)
	secrets    map[string]*openapi3.Schema // request schemas with secret fields, by operationId

	initial *snapshot // the state the server started with, for Reset

	rulesMu sync.Mutex
	rules   []*FaultRule // fault rules with calls left, in the order they were added

	// What the fake would have sent or was asked to do, for tests to read.
	recMu     sync.Mutex
	outbox    []Invitation
	logouts   []Logout
	generated map[string]*generated // by user ID, or "login:"+login ID for a sign-up

	attributes []gen.CustomAttribute // the custom attribute definitions, under store.mu

	// Closing: handlers register in inflight under mu.RLock unless closed is set; Close sets it
	// under mu.Lock, so no handler registers after Close starts waiting.
	mu        sync.RWMutex
	closed    bool
	inflight  sync.WaitGroup
	closing   chan struct{}
	closeOnce sync.Once
}

// Option configures a Server.
type Option func(*config)

type config struct {
	projectID, managementKey string
	addr                     string
	users                    []gen.User
	seed                     func(add func(gen.User) error) error // WithSeed
	states                   []seededState
	attributes               []gen.CustomAttribute
	testUserLimit            int
	rateLimit                float64
	burst                    int
	limits                   []WindowLimit
	timeScale                float64
	faults                   Faults
	licenseTier              string
	logRequests              bool
	logLimit                 int         // WithRequestLogLimit; 0: keep every request
	state                    io.Reader   // WithState
	controlAPI               bool        // WithControlAPI
	remote                   bool        // WithRemoteAccess
	report                   func(error) // receives response validation failures; nil: no check
	maxBody                  int         // MaxRequestBodyBytes, lowered by this package's tests

	// mutateResponse, set only by this package's tests, alters a response before it is
	// validated and sent, to prove that validation catches a broken fake.
	mutateResponse func(op string, status int, body []byte) (int, []byte)
}

// Faults makes a share of the calls fail. Which calls fail is decided by a deterministic
// function of Seed and the call's sequence number (calls numbered in the order they reach the
// fault stage, after the route, credentials and rate limit checks), so the same Seed and the
// same sequence of calls give the same failures. A call chosen to fail is not applied.
type Faults struct {
	// ErrorRate is the share of calls, from 0 to 1, answered 503 with a Descope-style body
	// (errorCode E011503).
	ErrorRate float64
	// CutRate is the share of calls, from 0 to 1, whose connection is cut mid-response: the
	// fake sends a status line and headers announcing a longer body than it then writes, and
	// closes the connection. Clients see an unexpected EOF. ErrorRate+CutRate must not exceed 1.
	CutRate float64
	// Latency is added to every call that reaches the fault stage. A call whose client gives up
	// (its request context is cancelled) during the wait is dropped without an answer.
	Latency time.Duration
	// Seed selects which calls fail.
	Seed int64
}

// WithUsers seeds the server with users, as AddUsers does: a later user with the same user ID
// replaces an earlier one. Start fails (and NewServer fails the test) where AddUsers would
// panic, for instance when a login ID belongs to two users.
func WithUsers(users ...gen.User) Option {
	return func(c *config) { c.users = append(c.users, users...) }
}

// WithSeed seeds the server with the users read gives to add, one at a time, as it reads them
// (from a file, say), so that a large seed is never held whole beside the users stored, as the
// slice given to WithUsers is. add stores a copy of the user at once, as AddUsers does, and
// refuses (with an *IDTakenError) a user whose user ID or one of whose login IDs a user added
// before it has, instead of replacing that user. The seed is read after the users of WithUsers.
// Start fails with the error read returns, wrapped, which may be one add returned; read is not
// kept once it has returned.
func WithSeed(read func(add func(gen.User) error) error) Option {
	return func(c *config) { c.seed = read }
}

// WithCredentials sets the project ID and management key the server accepts, instead of
// DefaultProjectID and DefaultManagementKey. Neither may be empty or contain white space, and
// the project ID may not contain a colon. Pick a distinctive key: every occurrence of it in an
// error message or a batch failure reason is replaced by api.RedactedKey (users are answered as
// stored, the key's text included).
func WithCredentials(projectID, managementKey string) Option {
	return func(c *config) { c.projectID, c.managementKey = projectID, managementKey }
}

// WithRateLimit limits all management calls of the server together with a token bucket that
// refills at requestsPerSecond and holds burst tokens. A call beyond it is answered 429 with
// errorCode E130429 and a Retry-After header: the wait until a token is free, in whole seconds
// rounded up, at least 1. requestsPerSecond <= 0 means no limit; burst < 1 counts as 1.
func WithRateLimit(requestsPerSecond float64, burst int) Option {
	return func(c *config) { c.rateLimit, c.burst = requestsPerSecond, burst }
}

// WithLicenseTier sets the rateLimitTier that GET /v1/mgmt/license answers (DefaultLicenseTier).
func WithLicenseTier(tier string) Option {
	return func(c *config) { c.licenseTier = tier }
}

// WithFaults injects failures; see Faults.
func WithFaults(f Faults) Option {
	return func(c *config) { c.faults = f }
}

// WithRequestLog makes the server record every request it receives; see Server.Requests.
func WithRequestLog() Option {
	return func(c *config) { c.logRequests = true }
}

// WithAddr sets the address to listen on, "127.0.0.1:0" (any free port) unless set. The host
// must be a loopback address or "localhost": the fake is not meant to be reachable from
// elsewhere, unless WithRemoteAccess says it is.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithRemoteAccess lets WithAddr name an address that is not loopback (as "0.0.0.0:4100" for a
// container, or ":4100"), from which other machines can reach the fake. Anyone who reaches it and
// knows the management key can then read and change its users (and, with WithControlAPI, its
// password hashes): use it on networks you control, with a key of your own (WithCredentials).
func WithRemoteAccess() Option {
	return func(c *config) { c.remote = true }
}

// WithResponseValidation makes the server validate every response it sends against the spec
// and call report with each mismatch, which is a bug in the fake. NewServer installs a report
// that calls tb.Errorf; this option replaces it, and gives a Server made by Start the same
// check. report may be called from several goroutines at once.
func WithResponseValidation(report func(error)) Option {
	return func(c *config) { c.report = report }
}

// NewServer starts a fake server on loopback and closes it when the test ends. Every response
// the server sends is validated against the spec, and a mismatch is reported with tb.Errorf.
// NewServer fails the test with tb.Fatalf if the options are invalid or the server cannot
// start; it must therefore be called from the test's goroutine.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	report := func(err error) {
		tb.Errorf("apitest: the fake sent a response that does not match the spec (a bug in apitest): %v", err)
	}
	s, err := start(report, opts)
	if err != nil {
		tb.Fatalf("apitest: %v", err)
		return nil
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake server on loopback, like NewServer but without a test: responses are
// validated only with WithResponseValidation, and the caller must call Close.
func Start(opts ...Option) (*Server, error) {
	s, err := start(nil, opts)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	return s, nil
}

func start(report func(error), opts []Option) (*Server, error) {
	cfg := config{
		projectID:     DefaultProjectID,
		managementKey: DefaultManagementKey,
		addr:          "127.0.0.1:0",
		licenseTier:   DefaultLicenseTier,
		report:        report,
		maxBody:       MaxRequestBodyBytes,
		timeScale:     1,
		testUserLimit: DefaultTestUserLimit,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	v, err := spec.Default()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		redact:  api.NewRedactor(cfg.managementKey),
		v:       v,
		store:   newStore(),
		stats:   newCounters(),
		closing: make(chan struct{}),
		secrets: secretSchemas(v),

		attributes: copyAttributes(cfg.attributes),
	}
	s.ops = gen.HandlerWithOptions(operations{s}, gen.StdHTTPServerOptions{
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.fail(w, r, callOf(r), validationFailed(err)) // a parameter the router could not bind
		},
	})
	if err := s.store.add(cfg.users...); err != nil {
		return nil, fmt.Errorf("WithUsers: %w", err)
	}
	if cfg.seed != nil {
		if err := cfg.seed(s.store.addNew); err != nil {
			return nil, fmt.Errorf("WithSeed: %w", err)
		}
	}
	// The store holds copies of the users: the server keeps no second copy of a large seed.
	s.cfg.users, s.cfg.seed = nil, nil
	for _, st := range cfg.states {
		if err := s.SetUserState(st.loginID, st.state); err != nil {
			return nil, fmt.Errorf("WithUserState: %w", err)
		}
	}
	if cfg.state != nil {
		if err := s.ReadState(cfg.state); err != nil {
			return nil, fmt.Errorf("WithState: %w", err)
		}
	}
	s.initial = s.snapshot()
	if cfg.rateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.rateLimit), max(cfg.burst, 1))
	}
	if len(cfg.limits) > 0 {
		s.windows = newWindows(cfg.limits, cfg.timeScale)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          discardLogger,
	}
	s.client = &http.Client{Transport: &http.Transport{
		Proxy:               nil, // loopback: never through a proxy
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (c *config) check() error {
	if c.projectID == "" || c.managementKey == "" {
		return errors.New("WithCredentials: the project ID and the management key must not be empty")
	}
	if strings.Contains(c.projectID, ":") {
		return errors.New("WithCredentials: the project ID must not contain a colon")
	}
	if strings.ContainsAny(c.projectID+c.managementKey, " \t\r\n") {
		return errors.New("WithCredentials: the project ID and the management key must not contain white space")
	}
	if err := checkLimits(c.limits, c.timeScale); err != nil {
		return err
	}
	if c.state != nil && (len(c.users) > 0 || c.seed != nil || len(c.states) > 0 || len(c.attributes) > 0) {
		return errors.New("WithState excludes WithUsers, WithSeed, WithUserState and WithCustomAttributes: a state holds all they seed")
	}
	f := c.faults
	if !(f.ErrorRate >= 0 && f.CutRate >= 0 && f.ErrorRate+f.CutRate <= 1) || f.Latency < 0 { // NaN fails too
		return fmt.Errorf("WithFaults: rates must be in [0, 1] with ErrorRate+CutRate <= 1, and Latency >= 0 (got %+v)", f)
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("WithAddr: %w", err)
	}
	if host != "localhost" && !c.remote {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("WithAddr: %q is not a loopback address (WithRemoteAccess allows others)", c.addr)
		}
	}
	return nil
}

// Close stops the server: it closes the listener and every connection, ends the latency waits
// in progress, and returns when every handler has returned. Close may be called more than
// once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		_ = s.srv.Close()
		s.inflight.Wait()
		s.client.CloseIdleConnections()
	})
}

// Shutdown stops the server gracefully: it stops accepting connections, closes the idle ones, and
// waits for the requests in flight to be answered (an injected latency or delay included) until
// ctx ends; then it closes the server as Close does, which ends what is still running. It returns
// ctx's error when requests were still in flight as ctx ended, and nil otherwise.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.Close()
	return err
}

// ProjectID returns the project ID the server accepts.
func (s *Server) ProjectID() string { return s.cfg.projectID }

// ManagementKey returns the management key the server accepts.
func (s *Server) ManagementKey() string { return s.cfg.managementKey }

// Client returns an HTTP client tuned for calling the server (kept-alive connections for many
// concurrent callers, no proxy). Its idle connections are closed by Close.
func (s *Server) Client() *http.Client { return s.client }

// User returns a deep copy of the user with loginID among its login IDs, or with that user
// ID, and whether there is one.
func (s *Server) User(loginID string) (gen.User, bool) {
	u := s.store.get(loginID)
	if u == nil {
		return gen.User{}, false
	}
	return u.public(), true
}

// Users returns deep copies of all users, in the order they were added.
func (s *Server) Users() []gen.User {
	us := s.store.all()
	out := make([]gen.User, len(us))
	for i, u := range us {
		out[i] = u.public()
	}
	return out
}

// AddUsers adds users to the server, or replaces the user with the same user ID. A user
// without a user ID is given one; a user without a status gets "enabled"; a user without a
// created time gets the current time. The users are copied, and custom attribute values are
// stored as JSON would decode them (numbers become float64). AddUsers panics if a user cannot
// be added: a login ID that belongs to another user, an empty login ID, or a custom attribute
// that cannot be encoded as JSON.
func (s *Server) AddUsers(users ...gen.User) {
	if err := s.store.add(users...); err != nil {
		panic("apitest: AddUsers: " + err.Error())
	}
}

// Request is one request the server received, as recorded by WithRequestLog. Headers, and so
// the Authorization header, are never recorded.
type Request struct {
	Method      string
	Path        string
	OperationID string    // "" when the request matched no operation
	Status      int       // the status answered; 0 when no answer was sent (see Fault)
	Body        []byte    // the raw request body, as read (at most MaxRequestBodyBytes+1 bytes)
	Time        time.Time // when the request arrived
	// Fault is "error" for an injected error (a 503 of Faults, or a fault rule's status), "cut"
	// for a cut connection (Status is then the status line that was sent), "delay" for a call a
	// fault rule delayed and then answered, "canceled" when the client gave up during an injected
	// latency or delay, "closed" when the server was closed during one, and "" otherwise.
	Fault string
	// ErrorCode and ErrorMessage are those of a non-2xx answer's body (the message names what
	// was wrong, and never holds the management key or a secret); "" for a success.
	ErrorCode, ErrorMessage string
}

// Requests returns a copy of the request log, in the order the answers were completed. It is
// empty unless the server was started with WithRequestLog (or WithRequestLogLimit, and then holds
// the last requests only).
func (s *Server) Requests() []Request {
	out, _ := s.journal()
	return out
}

// journal returns a copy of the requests kept, and how many earlier ones were dropped.
func (s *Server) journal() ([]Request, int) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	kept := s.log
	if n := s.cfg.logLimit; n > 0 && len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	out := make([]Request, len(kept))
	for i, r := range kept {
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out, s.logDropped + len(s.log) - len(kept)
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log, s.logDropped = nil, 0
}

// WithRequestLogLimit makes the server record requests as WithRequestLog does, keeping only the
// last n, so that its memory does not grow with the traffic; n <= 0 keeps every request.
func WithRequestLogLimit(n int) Option {
	return func(c *config) { c.logRequests, c.logLimit = true, max(n, 0) }
}

// Stats are the server's counters since it started.
type Stats struct {
	Requests       int64            // requests received, counted on arrival; the rest count completed calls
	ByStatus       map[int]int64    // complete answers by status code (cut connections excluded)
	ByOperation    map[string]int64 // calls by operationId; "" for those matching none
	RateLimited    int64            // answered 429
	Lockouts       int64            // lock-outs of WithLimits started
	InjectedErrors int64            // answered 503 by Faults.ErrorRate
	InjectedCuts   int64            // connections cut by Faults.CutRate
	Canceled       int64            // dropped during an injected latency (client gone or server closed)
	PatchedUsers   int64            // users patched by PatchUser and PatchUserBatch
	FailedUsers    int64            // entries of failedUsers in PatchUserBatch answers
	UpdatedUsers   int64            // users changed by the single-user operations other than PatchUser
	CreatedUsers   int64            // users created by create, create/test, create/batch and import
	DeletedUsers   int64            // users deleted by delete, delete/batch and test/delete/all
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Recovery is a user's recovery contacts: the four recovery fields of gen.User (RecoveryEmail,
// VerifiedRecoveryEmail, RecoveryPhone, VerifiedRecoveryPhone), which every answer that carries
// the user carries too.
type Recovery struct {
	Email, Phone                 string
	EmailVerified, PhoneVerified bool
}

// Recovery returns the recovery contacts of the user with loginID among its login IDs, or with
// that user ID, and whether there is one: the recovery fields of the user User returns, gathered
// for tests that compare them together.
func (s *Server) Recovery(loginID string) (Recovery, bool) {
	su := s.store.get(loginID)
	if su == nil {
		return Recovery{}, false
	}
	u := su.more()
	return Recovery{
		Email:         u.RecoveryEmail,
		EmailVerified: u.VerifiedRecoveryEmail,
		Phone:         u.RecoveryPhone,
		PhoneVerified: u.VerifiedRecoveryPhone,
	}, true
}
