package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/api/migrate"
)

// exampleFake is a fake Descope and a client for it.
func exampleFake() (*apitest.Server, *api.Client) {
	srv, err := apitest.Start()
	if err != nil {
		panic(err)
	}
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	return srv, c
}

func ExampleReadFirebase() {
	srv, c := exampleFake()
	defer srv.Close()

	// The project's password hash parameters, as the Firebase console shows them (this is the
	// example of Firebase's documentation of its hash).
	hash, err := migrate.ParseFirebaseHash([]byte(`hash_config {
  algorithm: SCRYPT,
  base64_signer_key: jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,
  base64_salt_separator: Bw==,
  rounds: 8,
  mem_cost: 14,
}`), "hash.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	// firebase auth:export users.json --format=json
	export := `{"users": [
{
  "localId": "kYi4EvWQlQTKSfnJ3dRSP6IH3ed2",
  "email": "user1@test.com",
  "emailVerified": true,
  "passwordHash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
  "salt": "42xEC+ixf3L2lw==",
  "displayName": "Test User 1",
  "createdAt": "1508893925000",
  "customAttributes": "{\"plan\":\"pro\"}"
},
{
  "localId": "anonymous-1",
  "createdAt": "1508893925000"
}]}`
	// The users go to CreateSeq as they are read; users that cannot be carried over are
	// reported (an anonymous account has nothing to sign in with).
	users := func(yield func(api.BatchUser) bool) {
		for rec, err := range migrate.ReadFirebase(strings.NewReader(export), "users.json", hash, migrate.Options{KeepIDAs: "firebaseUid"}) {
			if errors.Is(err, migrate.ErrNoLoginID) {
				fmt.Println("skipped:", err)
				continue
			} else if err != nil {
				fmt.Println(err)
				return
			}
			if !yield(rec.User) {
				return
			}
		}
	}
	res, err := c.CreateSeq(context.Background(), users)
	fmt.Println(res.Applied, "created", err)
	u, _ := c.Load(context.Background(), "user1@test.com")
	fmt.Println(u.Name, u.Status, u.CreatedTime, u.CustomAttributes["plan"], u.CustomAttributes["firebaseUid"])
	fmt.Println(srv.CheckPassword("user1@test.com", "user1password"))
	// Output:
	// skipped: users.json:12 (users[1]): no email and no phoneNumber (uid "anonymous-1"): nothing Descope could sign the user in with; an anonymous account?
	// 1 created <nil>
	// Test User 1 enabled 1508893925 pro kYi4EvWQlQTKSfnJ3dRSP6IH3ed2
	// true <nil>
}

func ExampleReadAuth0() {
	srv, c := exampleFake()
	defer srv.Close()

	// The users export job's file, and the hashes Auth0 support provides.
	users := `{"user_id":"auth0|5dea9f9c82dd7c0e76e4ec93","email":"ann@example.com","email_verified":true,"name":"Ann","app_metadata":{"plan":"pro"},"created_at":"2019-12-06T18:36:12.412Z","blocked":false}
{"user_id":"auth0|5dea9f9c82dd7c0e76e4ec94","email":"bob@example.com","blocked":true}
`
	h, _ := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.MinCost)
	hashes := `{"_id":{"$oid":"5dea9f9c82dd7c0e76e4ec93"},"email":"ann@example.com","passwordHash":"` + string(h) + `","connection":"Username-Password-Authentication"}
{"_id":{"$oid":"0000000000000000000000ff"},"email":"gone@example.com","passwordHash":"` + string(h) + `","connection":"Username-Password-Authentication"}
`
	var batch []api.BatchUser
	for rec, err := range migrate.ReadAuth0(strings.NewReader(users), "users.ndjson", strings.NewReader(hashes), "hashes.ndjson", migrate.Options{}) {
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(rec.Place, rec.User.LoginID, *rec.User.Status, rec.User.HashedPassword != nil)
		batch = append(batch, rec.User)
	}
	res, err := c.CreateBatch(context.Background(), batch)
	fmt.Println(len(res.CreatedUsers), "created", err)
	fmt.Println(srv.CheckPassword("ann@example.com", "hunter2"))
	// Output:
	// users.ndjson:1 ann@example.com enabled true
	// users.ndjson:2 bob@example.com disabled false
	// hashes.ndjson:2: _id: the hash of "auth0|0000000000000000000000ff" matches no user_id of users.ndjson
	// 2 created <nil>
	// true <nil>
}

func ExampleParseFirebaseHash() {
	_, err := migrate.ParseFirebaseHash([]byte("hash_config {\n  algorithm: HMAC_SHA256,\n  base64_signer_key: c2VjcmV0,\n}\n"), "hash.txt")
	fmt.Println(err)
	h, err := migrate.ParseFirebaseHash([]byte(`{"base64_signer_key": "c2VjcmV0", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}`), "hash.json")
	fmt.Println(h.Rounds, h.MemCost, h.SignerKey, err)
	// Output:
	// hash.txt:2: algorithm: "HMAC_SHA256" is not SCRYPT: only Firebase's modified scrypt can be carried into Descope (its firebase hashed password)
	// 8 14 [secret redacted] <nil>
}
