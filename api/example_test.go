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
