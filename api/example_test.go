package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

// exampleServer stands in for Descope: it echoes each update back as the user, as the API does.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &req)
		w.Header().Set("Content-Type", "application/json")
		user := map[string]any{"loginIds": []any{req["loginId"]}, "userId": "U2example"}
		switch r.URL.Path {
		case "/v1/mgmt/user/update/customAttribute":
			user["customAttributes"] = map[string]any{req["attributeKey"].(string): req["attributeValue"]}
		case "/v1/mgmt/user/update/name":
			for _, k := range []string{"givenName", "middleName", "familyName"} {
				user[k] = req[k]
			}
			user["name"] = req["displayName"]
		case "/v1/mgmt/user/update/picture":
			user["picture"] = req["picture"]
		case "/v1/mgmt/user/update/phone":
			user["phone"], user["verifiedPhone"] = req["phone"], req["verified"]
		case "/v1/mgmt/user/patch":
			for k, v := range req {
				if k != "loginId" {
					user[k] = v
				}
			}
		case "/v1/mgmt/user/patch/batch":
			_ = json.NewEncoder(w).Encode(map[string]any{
				"patchedUsers": []any{map[string]any{"loginIds": []string{"jane@example.com"}}},
				"failedUsers":  []any{map[string]any{"failure": "E112102: user not found", "user": map[string]any{"loginIds": []string{"ghost@example.com"}}}},
			})
			return
		}
		if req["loginId"] == "ghost@example.com" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"errorCode":"E112102","errorDescription":"User not found"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"user": user})
	}))
}

func exampleClient(srv *httptest.Server) *api.Client {
	c, err := api.New("P2exampleproject", "example-management-key", api.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	return c
}

func ExampleNew() {
	c, err := api.New("P2exampleproject", "example-management-key")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL())
	fmt.Println(c) // the key is never printed

	_, err = api.New("P2exampleproject", "")
	fmt.Println(err)
	// Output:
	// https://api.descope.com
	// api.Client{projectID: "P2exampleproject", baseURL: "https://api.descope.com"}
	// descope: invalid argument: management key is empty
}

func ExampleClient_UpdateCustomAttribute() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	u, err := c.UpdateCustomAttribute(context.Background(), "jane@example.com", "seats", 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.CustomAttributes["seats"])
	// Output: 42
}

func ExampleClient_UpdateDisplayName() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	u, err := c.UpdateDisplayName(context.Background(), "jane@example.com", "Jane Doe")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Name)
	// Output: Jane Doe
}

func ExampleClient_UpdateUserNames() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	u, err := c.UpdateUserNames(context.Background(), "jane@example.com", "Jane", "Q", "Doe")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.GivenName, u.MiddleName, u.FamilyName)
	// Output: Jane Q Doe
}

func ExampleClient_UpdatePicture() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	u, err := c.UpdatePicture(context.Background(), "jane@example.com", "https://example.com/jane.png")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Picture)
	// Output: https://example.com/jane.png
}

func ExampleClient_UpdatePhone() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	u, err := c.UpdatePhone(context.Background(), "jane@example.com", "+15555550100", true, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Phone, u.VerifiedPhone)
	// Output: +15555550100 true
}

func ExampleClient_Patch() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	// Only the fields set are sent: the name changes, the roles are cleared, the rest stays.
	u, err := c.Patch(context.Background(), api.UserPatch{
		LoginID:   "jane@example.com",
		Name:      api.Ptr("Jane Doe"),
		RoleNames: api.Ptr([]string{}),
		Status:    api.Ptr(api.UserStatusDisabled),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Name, u.Status, len(u.RoleNames))
	// Output: Jane Doe disabled 0
}

func ExampleClient_PatchBatch() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	res, err := c.PatchBatch(context.Background(), []api.UserPatch{
		{LoginID: "jane@example.com", Status: api.Ptr(api.UserStatusEnabled)},
		{LoginID: "ghost@example.com", Status: api.Ptr(api.UserStatusEnabled)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("patched:", len(res.PatchedUsers))
	for _, f := range res.FailedUsers {
		fmt.Println("failed:", f.User.LoginIDs[0], "-", f.Failure)
	}
	// Output:
	// patched: 1
	// failed: ghost@example.com - E112102: user not found
}

func ExampleError() {
	srv := exampleServer()
	defer srv.Close()
	c := exampleClient(srv)

	_, err := c.UpdatePicture(context.Background(), "ghost@example.com", "")
	var e *api.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code, api.IsUserNotFound(err))
	}
	fmt.Println(err)
	// Output:
	// 404 E112102 true
	// descope: UpdateUserPicture: HTTP 404 Not Found: E112102: User not found
}

// exampleFake starts the fake Descope of api/apitest with two users, and a client for it.
func exampleFake() (*apitest.Server, *api.Client) {
	srv, err := apitest.Start(apitest.WithUsers(
		api.User{UserID: "U2jane", LoginIDs: []string{"jane@example.com"}, Email: "jane@example.com", Name: "Jane",
			RoleNames: []string{"viewer"}, UserTenants: []api.UserTenant{{TenantID: "T1", RoleNames: []string{"member"}}},
			CustomAttributes: map[string]any{"plan": "pro"}},
		api.User{UserID: "U2bob", LoginIDs: []string{"bob@example.com"}, Email: "bob@example.com", Name: "Bob",
			Status: "disabled", Test: true},
	))
	if err != nil {
		panic(err)
	}
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	return srv, c
}

func ExampleClient_Deactivate() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.Deactivate(context.Background(), "jane@example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Status)
	// Output: disabled
}

func ExampleClient_Activate() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.Activate(context.Background(), "bob@example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Status)
	// Output: enabled
}

func ExampleClient_UpdateLoginID() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, err := c.UpdateLoginID(ctx, "jane@example.com", "jane.doe@example.com")
	fmt.Println(u.LoginIDs, err)
	// The last login ID cannot be removed.
	_, err = c.UpdateLoginID(ctx, "jane.doe@example.com", "")
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// [jane.doe@example.com] <nil>
	// true
}

func ExampleClient_UpdateEmail() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, err := c.UpdateEmail(ctx, "jane@example.com", "jane@work.example.com", true, true)
	fmt.Println(u.Email, u.VerifiedEmail, err)
	// bob's email is taken by bob: with failOnConflict, refused.
	_, err = c.UpdateEmail(ctx, "jane@example.com", "bob@example.com", true, true)
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// jane@work.example.com true <nil>
	// true
}

func ExampleClient_UpdateRecoveryEmail() {
	srv, c := exampleFake()
	defer srv.Close()

	// The user returned carries its recovery email and whether it is verified.
	u, err := c.UpdateRecoveryEmail(context.Background(), "jane@example.com", "jane.backup@example.com", true)
	fmt.Println(u.Email, u.RecoveryEmail, u.VerifiedRecoveryEmail, err)
	// Output: jane@example.com jane.backup@example.com true <nil>
}

func ExampleClient_UpdateRecoveryPhone() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.UpdateRecoveryPhone(context.Background(), "jane@example.com", "+15555550199", false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.RecoveryPhone, u.VerifiedRecoveryPhone)
	// Output: +15555550199 false
}

func ExampleClient_SetRoles() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.SetRoles(context.Background(), "jane@example.com", []string{"editor", "billing"})
	fmt.Println(u.RoleNames, err)
	// Output: [editor billing] <nil>
}

func ExampleClient_AddRoles() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.AddRoles(context.Background(), "jane@example.com", []string{"viewer", "admin"})
	fmt.Println(u.RoleNames, err)
	// Output: [viewer admin] <nil>
}

func ExampleClient_RemoveRoles() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.RemoveRoles(context.Background(), "jane@example.com", []string{"viewer"})
	fmt.Println(len(u.RoleNames), err)
	// Output: 0 <nil>
}

func ExampleClient_SetTenantRoles() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, err := c.SetTenantRoles(ctx, "jane@example.com", "T1", []string{"owner"})
	fmt.Println(u.UserTenants[0].TenantID, u.UserTenants[0].RoleNames, err)
	// A tenant the user is not in: add it first.
	_, err = c.SetTenantRoles(ctx, "jane@example.com", "T2", []string{"owner"})
	fmt.Println(errors.Is(err, api.ErrInvalidArguments))
	// Output:
	// T1 [owner] <nil>
	// true
}

func ExampleClient_AddTenant() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.AddTenant(ctx, "jane@example.com", "T2"); err != nil {
		fmt.Println(err)
		return
	}
	u, err := c.AddTenantRoles(ctx, "jane@example.com", "T2", []string{"admin"})
	fmt.Println(len(u.UserTenants), u.UserTenants[1].TenantID, u.UserTenants[1].RoleNames, err)
	// Output: 2 T2 [admin] <nil>
}

func ExampleClient_RemoveTenant() {
	srv, c := exampleFake()
	defer srv.Close()

	u, err := c.RemoveTenant(context.Background(), "jane@example.com", "T1")
	fmt.Println(len(u.UserTenants), err)
	// Output: 0 <nil>
}

func ExampleClient_SetSSOApps() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, _ := c.SetSSOApps(ctx, "jane@example.com", []string{"app-1", "app-2"})
	fmt.Println(u.SsoAppIDs)
	u, _ = c.AddSSOApps(ctx, "jane@example.com", []string{"app-3"})
	fmt.Println(u.SsoAppIDs)
	u, _ = c.RemoveSSOApps(ctx, "jane@example.com", []string{"app-1"})
	fmt.Println(u.SsoAppIDs)
	// An empty list: every SSO app again.
	u, _ = c.SetSSOApps(ctx, "jane@example.com", nil)
	fmt.Println(len(u.SsoAppIDs))
	// Output:
	// [app-1 app-2]
	// [app-1 app-2 app-3]
	// [app-2 app-3]
	// 0
}

func ExampleClient_Load() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	u, err := c.Load(ctx, "U2jane") // a login ID or a user ID
	fmt.Println(u.LoginIDs, err)
	_, err = c.Load(ctx, "ghost@example.com")
	fmt.Println(errors.Is(err, api.ErrUserNotFound))
	// Output:
	// [jane@example.com] <nil>
	// true
}

func ExampleClient_LoadUsers() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// Unknown IDs are left out, and so is bob, who is disabled, unless asked for.
	users, _ := c.LoadUsers(ctx, []string{"U2jane", "U2bob", "U2nobody"}, false)
	fmt.Println(len(users))
	users, _ = c.LoadUsers(ctx, []string{"U2jane", "U2bob", "U2nobody"}, true)
	fmt.Println(len(users))
	// Output:
	// 1
	// 2
}

func ExampleClient_Search() {
	srv, c := exampleFake()
	defer srv.Close()

	users, total, err := c.Search(context.Background(), api.SearchOptions{
		RoleNames:        []string{"viewer"},
		CustomAttributes: map[string]any{"plan": "pro"},
		Limit:            10,
	})
	fmt.Println(len(users), total, users[0].LoginIDs, err)
	// Output: 1 1 [jane@example.com] <nil>
}

func ExampleClient_SearchAll() {
	srv, c := exampleFake()
	defer srv.Close()

	// Every page, one user at a time; the error, if any, ends the loop.
	for u, err := range c.SearchAll(context.Background(), api.SearchOptions{Limit: 1, WithTestUser: true}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(u.LoginIDs[0])
	}
	// Output:
	// jane@example.com
	// bob@example.com
}

func ExampleClient_SearchTestUsers() {
	srv, c := exampleFake()
	defer srv.Close()

	users, total, err := c.SearchTestUsers(context.Background(), api.SearchOptions{})
	fmt.Println(len(users), total, users[0].LoginIDs, err)
	// Output: 1 1 [bob@example.com] <nil>
}

func ExampleClient_Update() {
	srv, c := exampleFake()
	defer srv.Close()

	// Update replaces the whole user: jane's roles, tenant and custom attributes are cleared,
	// because this UserUpdate leaves them empty.
	u, err := c.Update(context.Background(), api.UserUpdate{
		LoginID:     "jane@example.com",
		Email:       "jane@example.com",
		DisplayName: "Jane Doe",
	})
	fmt.Println(u.Name, len(u.RoleNames), len(u.UserTenants), len(u.CustomAttributes), err)
	// Output: Jane Doe 0 0 0 <nil>
}

func ExampleClient_RateLimitTier() {
	srv, c := exampleFake()
	defer srv.Close()

	tier, err := c.RateLimitTier(context.Background())
	fmt.Println(tier, err)
	// Output: tier1 <nil>
}

func ExampleClient_PlanSync() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	// The desired state, as patches: what a patch leaves out is not compared.
	desired := []api.UserPatch{
		{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe"), RoleNames: api.Ptr([]string{"viewer"}),
			CustomAttributes: api.Ptr(map[string]any{"plan": "pro", "seats": 10})},
		{LoginID: "bob@example.com", Status: api.Ptr(api.UserStatusDisabled)}, // a test user, found too
		{LoginID: "ghost@example.com", Name: api.Ptr("Ghost")},                // no such user: never created
	}
	plan, err := c.PlanSync(ctx, desired)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range plan.Changes {
		for _, f := range ch.Fields {
			fmt.Printf("%s %s: %v -> %v\n", ch.LoginID, f.Field, f.Old, f.New)
		}
	}
	for _, m := range plan.MissingUsers {
		fmt.Println("missing:", m.LoginID)
	}
	fmt.Printf("%d unchanged, %d to change, %d missing, in %d searches\n", plan.Unchanged, plan.ToChange, plan.Missing, plan.Reads)

	res, err := plan.Apply(ctx, c) // only jane's name and seats are sent
	fmt.Println(res.Applied, err)

	again, _ := c.PlanSync(ctx, desired)
	fmt.Println(again.ToChange)
	// Output:
	// jane@example.com name: Jane -> Jane Doe
	// jane@example.com customAttributes.seats: <nil> -> 10
	// missing: ghost@example.com
	// 1 unchanged, 1 to change, 1 missing, in 2 searches
	// 1 <nil>
	// 0
}

func ExampleClient_Sync() {
	srv, c := exampleFake()
	defer srv.Close()
	ctx := context.Background()

	desired := []api.UserPatch{{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe"), CustomAttributes: api.Ptr(map[string]any{"plan": "team"})}}
	for range 2 {
		plan, res, err := c.Sync(ctx, desired, api.WithBatchSize(100))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d to change, %d patched in %d batches\n", plan.ToChange, res.Applied, res.Batches)
	}
	// Output:
	// 1 to change, 1 patched in 1 batches
	// 0 to change, 0 patched in 0 batches
}
