package cli

import (
	"fmt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// defaultFakeUsers is how many sample users --fake seeds.
const defaultFakeUsers = 5000

// fakeTimeScale is how many times as fast as real time the embedded fake's clock runs: it
// enforces Descope's documented rate limits (apitest.DescopeLimits), whose minute is then a
// second, and the tool's client waits on the same clock.
const fakeTimeScale = 60

type fakeOptions struct {
	users     int     // sample users to seed
	rateLimit float64 // requests per second the fake allows; 0: no limit
	burst     int
}

// fakeServer is an embedded apitest server.
type fakeServer struct{ *apitest.Server }

// startFake starts an apitest server on loopback seeded with sample users, enforcing Descope's
// documented rate limits on a clock fakeTimeScale times as fast as real time.
func startFake(o fakeOptions) (fakeServer, error) {
	opts := []apitest.Option{apitest.WithUsers(sampleUsers(o.users)...),
		apitest.WithLimits(apitest.DescopeLimits()...), apitest.WithTimeScale(fakeTimeScale)}
	if o.users > sampleSignedIn {
		opts = append(opts, apitest.WithUserState(sampleLoginID(sampleSignedIn), sampleState))
	}
	if o.rateLimit > 0 {
		opts = append(opts, apitest.WithRateLimit(o.rateLimit, o.burst))
	}
	s, err := apitest.Start(opts...)
	if err != nil {
		return fakeServer{}, fmt.Errorf("starting the embedded fake: %w", err)
	}
	return fakeServer{s}, nil
}

// client returns a client for the fake, with its (fake) credentials.
func (s fakeServer) client() (*api.Client, error) {
	return api.New(s.ProjectID(), s.ManagementKey(),
		api.WithBaseURL(s.URL), api.WithHTTPClient(s.Client()), api.WithUserAgent(userAgent), api.WithTimeScale(fakeTimeScale))
}

var (
	sampleGiven  = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Ken", "Margaret", "Donald", "Radia", "Tim", "Hedy", "Dennis", "Katherine", "Linus", "Sophie", "Claude", "Annie", "John", "Mary"}
	sampleFamily = []string{"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Thompson", "Hamilton", "Knuth", "Perlman", "Berners-Lee", "Lamarr", "Ritchie", "Johnson", "Torvalds", "Wilson", "Shannon", "Easley", "McCarthy", "Keller"}
	sampleRoles  = []string{"viewer", "viewer", "editor", "admin"}
	samplePlans  = []string{"free", "team", "enterprise"}
)

// sampleSignedIn is the sample user with what only signing in makes, which the management API
// reads: a Google token, a trusted device, sign-ins (sampleState).
const sampleSignedIn = 7

var sampleState = apitest.UserState{
	ProviderTokens: []api.ProviderToken{{Provider: "google", ProviderUserID: "g-sample-7", AccessToken: "ya29.sample-access-token",
		RefreshToken: "1//sample-refresh-token", Scopes: []string{"email", "profile"}, Expiration: 1767225600}},
	TrustedDevices: []api.TrustedDevice{{ID: "dev-sample", Name: "Laptop", DeviceType: "desktop", LastLocation: "Lisbon, PT"}},
	AuthHistory: []api.AuthHistory{
		{LoginTime: 1735700000, City: "Lisbon", Country: "PT", IP: "192.0.2.7"},
		{LoginTime: 1735786400, City: "Porto", Country: "PT", IP: "192.0.2.8"},
	},
}

// sampleLoginID is the login ID of sample user i.
func sampleLoginID(i int) string { return fmt.Sprintf("user%05d@example.com", i) }

// sampleUsers makes n deterministic sample users: user00000@example.com, ... with names, a
// role, a phone, and custom attributes plan, seats and beta.
func sampleUsers(n int) []gen.User {
	users := make([]gen.User, n)
	for i := range users {
		given := sampleGiven[i%len(sampleGiven)]
		family := sampleFamily[(i/len(sampleGiven))%len(sampleFamily)]
		login := sampleLoginID(i)
		status := "enabled"
		if i%97 == 96 {
			status = "disabled"
		}
		users[i] = gen.User{
			LoginIDs:      []string{login},
			UserID:        fmt.Sprintf("U2sample%05d", i),
			Email:         login,
			VerifiedEmail: true,
			Phone:         fmt.Sprintf("+1555%07d", i),
			VerifiedPhone: i%3 == 0,
			Name:          given + " " + family,
			GivenName:     given,
			FamilyName:    family,
			RoleNames:     []string{sampleRoles[i%len(sampleRoles)]},
			Status:        status,
			CreatedTime:   1735689600 + int64(i)*3600, // from 2025-01-01, one an hour
			CustomAttributes: map[string]any{
				"plan":  samplePlans[i%len(samplePlans)],
				"seats": 1 + i%10,
				"beta":  i%7 == 0,
			},
		}
	}
	return users
}
