package apitest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// exampleT stands in for the *testing.T that a real test passes to NewServer.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// end runs the cleanups, as the testing package does when a test ends: here, it closes the server.
func (t *exampleT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func ExampleNewServer() {
	t := &exampleT{} // in a test: func TestX(t *testing.T) { s := apitest.NewServer(t, ...) }
	defer t.end()

	s := apitest.NewServer(t, apitest.WithUsers(gen.User{
		LoginIDs: []string{"jane@example.com"},
		Name:     "Jane",
	}))

	// The code under test talks to s.URL with s's (fake) credentials.
	c, err := gen.NewClientWithResponses(s.URL, gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+s.ProjectID()+":"+s.ManagementKey())
		return nil
	}))
	if err != nil {
		panic(err)
	}
	name := "Jane Doe"
	resp, err := c.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{
		LoginID:          "jane@example.com",
		Name:             &name,
		CustomAttributes: &map[string]any{"department": "engineering"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.User.Name)

	// The test then checks what the code did.
	u, _ := s.User("jane@example.com")
	fmt.Println(u.CustomAttributes["department"])

	// Errors look like the API's.
	resp, err = c.PatchUserWithResponse(context.Background(), gen.PatchUserRequest{LoginID: "ghost@example.com"})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode(), resp.JSON404.ErrorCode, resp.JSON404.ErrorDescription)
	fmt.Println(s.Stats().ByStatus)
	// Output:
	// 200 Jane Doe
	// engineering
	// 404 E112102 User not found
	// map[200:1 404:1]
}
