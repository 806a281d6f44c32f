package contract_test

// One operation is one row: this test enumerates the spec's operations and names, for each, what
// it lacks of the six places an operation lives in. The fake's handlers are also forced by the
// compiler (apitest implements gen.ServerInterface); this test checks that they answer. A twin
// (x-twin-of) inherits the api method, CLI command and Example of the operation it names.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/cmd/descope-users/cli"
	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// What every operation needs, in the order the test names them.
const (
	needRequestCase  = "a contract request case (an example request body, or examples of its required parameters, in the spec)"
	needResponseCase = "a contract response case (an example 200 answer in the spec)"
	needAPIMethod    = "an api method (a row of apiCalls that calls it)"
	needFakeHandler  = "a fake handler that answers it (api/apitest)"
	needCLICommand   = "a CLI command (an example in cmd/descope-users/cli's table that calls it)"
	needExample      = "a godoc Example (an Example function in api/example*_test.go that calls its method)"
)

var needs = []string{needRequestCase, needResponseCase, needAPIMethod, needFakeHandler, needCLICommand, needExample}

// exampleCalls returns the names of the methods the Example functions of api's example files
// (api/example*_test.go) call.
func exampleCalls(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../api/example*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files in ../api: %v", err)
	}
	called := map[string]bool{}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fn.Name.Name, "Example") {
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok {
						if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
							called[sel.Sel.Name] = true
						}
					}
					return true
				})
			}
		}
	}
	return called
}

// coverageGaps names, for each operation, the needs it lacks in have (operation -> need -> met).
func coverageGaps(ops []string, have map[string]map[string]bool) []string {
	var gaps []string
	for _, op := range ops {
		var missing []string
		for _, n := range needs {
			if !have[op][n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			gaps = append(gaps, fmt.Sprintf("%s lacks %s", op, strings.Join(missing, "; and ")))
		}
	}
	return gaps
}

// twinOfExtension marks an operation served on a second path for the SDKs that call it there
// (the spec's x-twin-of), naming the operation it is a twin of: the same body, the same answer,
// the same effect.
const twinOfExtension = "x-twin-of"

// inheritedByTwins are the needs a twin cannot meet itself: the api package, the CLI and the
// Examples call the operation it is a twin of, never the twin. Its own request and response
// examples and a fake handler that answers it it still needs.
var inheritedByTwins = []string{needAPIMethod, needCLICommand, needExample}

// twinsOf returns, by operationId, the operation each twin of the document names.
func twinsOf(t *testing.T, doc *openapi3.T) map[string]string {
	t.Helper()
	twins := map[string]string{}
	for _, o := range spec.Operations() {
		v, ok := doc.Paths.Value(o.Path).GetOperation(o.Method).Extensions[twinOfExtension]
		if !ok {
			continue
		}
		name, isString := v.(string)
		if !isString {
			t.Errorf("%s: %s is %v, not an operationId", o.ID, twinOfExtension, v)
		}
		twins[o.ID] = name
	}
	return twins
}

// inheritFromTwins gives each twin the needs of inheritedByTwins its original meets, and names
// each twin whose x-twin-of names no operation of ops, or another twin.
func inheritFromTwins(ops []string, twins map[string]string, have map[string]map[string]bool) []string {
	var problems []string
	for _, twin := range slices.Sorted(maps.Keys(twins)) {
		original := twins[twin]
		switch {
		case !slices.Contains(ops, original):
			problems = append(problems, fmt.Sprintf("%s: %s names %q, which is no operation of the spec", twin, twinOfExtension, original))
			continue
		case twins[original] != "":
			problems = append(problems, fmt.Sprintf("%s: %s names %s, which is itself a twin (of %s): name the original", twin, twinOfExtension, original, twins[original]))
			continue
		}
		for _, n := range inheritedByTwins {
			if have[original][n] {
				if have[twin] == nil {
					have[twin] = map[string]bool{}
				}
				have[twin][n] = true
			}
		}
	}
	return problems
}

// Users both the api calls and the CLI examples name.
func coverageUsers() []gen.User {
	users := []gen.User{{UserID: "U2abc", LoginIDs: []string{"jane@example.com"}, Email: "jane@example.com"}}
	for i := range 10 {
		users = append(users, gen.User{UserID: fmt.Sprintf("U2sample%05d", i), LoginIDs: []string{fmt.Sprintf("user%05d@example.com", i)}})
	}
	return users
}

func TestEveryOperationIsCovered(t *testing.T) {
	doc := loadSpec(t)
	have := map[string]map[string]bool{}
	mark := func(op, need string) {
		if have[op] == nil {
			have[op] = map[string]bool{}
		}
		have[op][need] = true
	}
	var ops []string
	for _, o := range spec.Operations() {
		ops = append(ops, o.ID)
		sop := doc.Paths.Value(o.Path).GetOperation(o.Method)
		request := true
		if rb := sop.RequestBody; rb != nil {
			request = len(rb.Value.Content.Get("application/json").Examples) > 0
		}
		for _, p := range sop.Parameters {
			request = request && (!p.Value.Required || p.Value.Example != nil)
		}
		if request {
			mark(o.ID, needRequestCase)
		}
		if r := sop.Responses.Status(http.StatusOK); r != nil && len(r.Value.Content.Get("application/json").Examples) > 0 {
			mark(o.ID, needResponseCase)
		}
	}

	// The api: every row of apiCalls, through the validating transport, against the fake.
	s := apitest.NewServer(t, append(coverageOptions(), apitest.WithRequestLog())...)
	c, err := api.New(testProjectID, testKey, api.WithBaseURL(s.URL), api.WithHTTPClient(httpClient(t)), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	examples := exampleCalls(t)
	for _, call := range apiCalls {
		before := len(s.Requests())
		var returned string
		err := call.call(context.WithValue(t.Context(), resultKey{}, &returned), c)
		reqs := s.Requests()[before:] // the call's, not those its checks make
		if err != nil {
			t.Errorf("api call %s against the fake: %v", call.name(), err)
		} else {
			if call.fake != nil {
				if err := call.fake(s); err != nil {
					t.Errorf("api call %s: the fake: %v", call.name(), err)
				}
			}
			if check := returnedChecks[call.name()]; check != nil {
				if err := check(s, returned); err != nil {
					t.Errorf("api call %s: what it returned: %v", call.name(), err)
				}
			}
		}
		for _, r := range reqs {
			mark(r.OperationID, needAPIMethod)
			if examples[call.method] {
				mark(r.OperationID, needExample)
			}
			if r.Status >= 200 && r.Status <= 299 {
				mark(r.OperationID, needFakeHandler)
			}
		}
	}

	// The CLI: every command's example, run in a directory holding users.jsonl, against a fake.
	t.Chdir(t.TempDir())
	writeCoverageInput(t)
	cs := apitest.NewServer(t, append(coverageOptions(), apitest.WithRequestLog())...)
	// user00007 signed in with Google, as Descope's sign-in side would leave it: provider-token's
	// example reads that token (no management operation makes one).
	if err := cs.SetUserState("user00007@example.com", apitest.UserState{ProviderTokens: []api.ProviderToken{{Provider: "google", AccessToken: "ya29.coverage"}}}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DESCOPE_PROJECT_ID": testProjectID, "DESCOPE_MANAGEMENT_KEY": testKey}
	for _, cmd := range cli.Commands() {
		before := len(cs.Requests())
		var out, errb bytes.Buffer
		args := append([]string{"--base-url", cs.URL}, cmd.Example...)
		code := cli.Run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(cmd.Stdin), &out, &errb)
		if code != 0 && cmd.Name != "demo" {
			t.Errorf("descope-users %s: exit %d\n%s%s", strings.Join(cmd.Example, " "), code, &out, &errb)
		}
		for _, r := range cs.Requests()[before:] {
			mark(r.OperationID, needCLICommand)
		}
	}

	// Twins: no api method, CLI command or Example calls them, so they inherit those from the
	// operation they are twins of; their own request example must be answered by the fake.
	twins := twinsOf(t, doc)
	for _, problem := range inheritFromTwins(ops, twins, have) {
		t.Error(problem)
	}
	for _, twin := range slices.Sorted(maps.Keys(twins)) {
		op := operationByID(t, twin)
		a, err := (&fakeAPI{srv: &httptest.Server{URL: s.URL}}).send(t, op, request{body: op.valid})
		if err != nil {
			t.Errorf("twin %s: its example against the fake: %v", twin, err)
			continue
		}
		if a.status >= 200 && a.status <= 299 {
			mark(twin, needFakeHandler)
		} else {
			t.Errorf("twin %s: the fake answered its example %d %s", twin, a.status, a.body)
		}
	}

	for _, gap := range coverageGaps(ops, have) {
		t.Error(gap)
	}
	t.Logf("checked %d operations (%d of them twins) for the %d places each needs", len(ops), len(twins), len(needs))
	for name := range returnedChecks {
		if !slices.ContainsFunc(apiCalls, func(c apiCall) bool { return c.name() == name }) {
			t.Errorf("returnedChecks names %q, which is no row of apiCalls", name)
		}
	}

	// Every row of apiCalls names a method of api.Client, and every method that calls the API
	// has a row.
	client := reflect.TypeFor[*api.Client]()
	var methods []string
	for _, call := range apiCalls {
		methods = append(methods, call.method)
		if _, ok := client.MethodByName(call.method); !ok {
			t.Errorf("apiCalls names %s, which api.Client does not have", call.method)
		}
	}
	notCalls := []string{"BaseURL", "ProjectID", "String", "GoString", "Format"}
	for i := range client.NumMethod() {
		if m := client.Method(i).Name; !slices.Contains(methods, m) && !slices.Contains(notCalls, m) {
			t.Errorf("api.Client.%s has no row in apiCalls", m)
		}
	}
}

// writeCoverageInput writes the files the examples of the bulk commands read: users.jsonl
// (patch, sync), users-export.jsonl (import-users), new-users.jsonl (create-batch) and
// leavers.jsonl (delete-batch).
func writeCoverageInput(t *testing.T) {
	t.Helper()
	for name, content := range map[string]string{
		"users.jsonl":        `{"loginId":"user00001@example.com","name":"Ada"}`,
		"users-export.jsonl": `{"loginId":"imported@example.com","email":"imported@example.com"}`,
		"new-users.jsonl":    `{"loginId":"batch-user@example.com","email":"batch-user@example.com","password":"Batch-Passw0rd-1"}`,
		"leavers.jsonl":      `{"userId":"U2sample00009"}`,
	} {
		if err := os.WriteFile(name, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// The check itself names each missing place, and says nothing of an operation that has them all.
func TestCoverageGapsNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	all := map[string]bool{}
	for _, n := range needs {
		all[n] = true
	}
	have := map[string]map[string]bool{
		"Complete":    all,
		"NoCLI":       {needRequestCase: true, needResponseCase: true, needAPIMethod: true, needFakeHandler: true, needExample: true},
		"NoAPINoFake": {needRequestCase: true, needResponseCase: true, needCLICommand: true, needExample: true},
	}
	got := coverageGaps([]string{"Complete", "NoCLI", "NoAPINoFake", "Nothing"}, have)
	want := []string{
		"NoCLI lacks " + needCLICommand,
		"NoAPINoFake lacks " + needAPIMethod + "; and " + needFakeHandler,
		"Nothing lacks " + strings.Join(needs, "; and "),
	}
	if !slices.Equal(got, want) {
		t.Errorf("gaps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A twin inherits what only its original can have, still needs what it can have itself, and an
// x-twin-of that names no operation (or another twin) is named.
func TestTwinsInheritWhatOnlyTheirOriginalCanHave(t *testing.T) {
	t.Parallel()
	all := map[string]bool{}
	for _, n := range needs {
		all[n] = true
	}
	own := map[string]bool{needRequestCase: true, needResponseCase: true, needFakeHandler: true}
	have := map[string]map[string]bool{
		"Original":      all,
		"Twin":          maps.Clone(own),
		"TwinNoFake":    {needRequestCase: true, needResponseCase: true},
		"Lost":          maps.Clone(own),
		"TwinOfTwin":    maps.Clone(own),
		"OriginalNoCLI": {needRequestCase: true, needResponseCase: true, needAPIMethod: true, needFakeHandler: true, needExample: true},
		"TwinNoCLI":     maps.Clone(own),
	}
	ops := slices.Sorted(maps.Keys(have))
	twins := map[string]string{"Twin": "Original", "TwinNoFake": "Original", "Lost": "Nobody", "TwinOfTwin": "Twin", "TwinNoCLI": "OriginalNoCLI"}
	problems := inheritFromTwins(ops, twins, have)
	wantProblems := []string{
		`Lost: x-twin-of names "Nobody", which is no operation of the spec`,
		"TwinOfTwin: x-twin-of names Twin, which is itself a twin (of Original): name the original",
	}
	if !slices.Equal(problems, wantProblems) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
	got := coverageGaps(ops, have)
	want := []string{
		"Lost lacks " + strings.Join(inheritedByTwins, "; and "),
		"OriginalNoCLI lacks " + needCLICommand,
		"TwinNoCLI lacks " + needCLICommand,
		"TwinNoFake lacks " + needFakeHandler,
		"TwinOfTwin lacks " + strings.Join(inheritedByTwins, "; and "),
	}
	if !slices.Equal(got, want) {
		t.Errorf("gaps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The spec's own twins name operations that are not twins.
	doc := loadSpec(t)
	var specOps []string
	for _, o := range spec.Operations() {
		specOps = append(specOps, o.ID)
	}
	specTwins := twinsOf(t, doc)
	if len(specTwins) == 0 {
		t.Error("the spec marks no operation x-twin-of")
	}
	if problems := inheritFromTwins(specOps, specTwins, map[string]map[string]bool{}); len(problems) > 0 {
		t.Errorf("the spec's twins: %v", problems)
	}
}

// aboutANewUser are the operations whose body names, by loginId, a user that need not exist: they
// create it, or make a token that signs it up. An unknown login ID is their ordinary case, not
// an unknown user (TestFakeAnswersUnknownUsers checks that they answer it 200).
var aboutANewUser = map[string]string{
	"CreateUser":         "creates the user",
	"CreateTestUser":     "creates the test user",
	"EmbeddedLinkSignup": "makes a token that signs the login ID up (or in, if it exists); nothing is created",
}

// unknownUserProbe is op's valid request with the user it names replaced by ghost@example.com,
// and whether op names one user that way: loginId (or identifier) at the top of its body, or
// the loginId of its query, its other parameters kept.
func unknownUserProbe(t *testing.T, op operation) (request, bool) {
	t.Helper()
	if op.query.Has("loginId") {
		q := url.Values{}
		for k, v := range op.query {
			q[k] = slices.Clone(v)
		}
		q.Set("loginId", "ghost@example.com")
		return request{query: q}, true
	}
	for _, name := range []string{"loginId", "identifier"} {
		if body, ok := op.withBody(t, "ghost@example.com", false, name); ok {
			return request{body: body}, true
		}
	}
	return request{}, false
}

// Every operation that names a user answers 404 E112102 for one the fake does not know, and
// changes nothing: the fake's negative case, for every operation at once. The operations about a
// new user answer it 200 instead, each on a fake of its own.
func TestFakeAnswersUnknownUsers(t *testing.T) {
	t.Parallel()
	s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(coverageUsers()...))
	before := s.Users()
	probed := 0
	for _, op := range operations() {
		req, ok := unknownUserProbe(t, op)
		if !ok {
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			// The probe names the ghost, and no one else.
			names := map[string]any{}
			if req.body != "" {
				if err := json.Unmarshal([]byte(req.body), &names); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range req.query {
				names[k] = v[0]
			}
			for _, k := range []string{"loginId", "identifier", "userId"} {
				if v, ok := names[k]; ok && v != "ghost@example.com" && v != "" {
					t.Fatalf("the probe %s?%s names %v by %s", req.body, req.query.Encode(), v, k)
				}
			}
			if why, isNew := aboutANewUser[op.ID]; isNew {
				n := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithUsers(coverageUsers()...))
				a, err := (&fakeAPI{srv: &httptest.Server{URL: n.URL}}).send(t, op, req)
				if err != nil || a.status != http.StatusOK {
					t.Fatalf("%s (it %s): answer %v %v, want 200", req.body, why, err, a)
				}
				_, created := n.User("ghost@example.com")
				if wantCreated := strings.HasPrefix(why, "creates"); created != wantCreated {
					t.Errorf("it %s, and the ghost exists afterwards: %v", why, created)
				}
				return
			}
			probed++
			a, err := (&fakeAPI{srv: &httptest.Server{URL: s.URL}}).send(t, op, req)
			if err != nil {
				t.Fatal(err)
			}
			var e gen.Error
			if err := json.Unmarshal(a.body, &e); err != nil || a.status != http.StatusNotFound || e.ErrorCode != api.CodeUserNotFound {
				t.Errorf("answer %d %s, want 404 %s", a.status, a.body, api.CodeUserNotFound)
			}
		})
	}
	for id := range aboutANewUser {
		if _, ok := unknownUserProbe(t, operationByID(t, id)); !ok {
			t.Errorf("aboutANewUser names %s, whose request names no user", id)
		}
	}
	if probed < 30 {
		t.Errorf("only %d operations were probed with an unknown user", probed)
	}
	if after := s.Users(); !reflect.DeepEqual(after, before) {
		t.Error("a request for an unknown user changed the fake's users")
	}
}

// TestFakeRefusesABodyNamingNoOne: where the contract lets loginId be "" (DeleteUser and
// LogoutAllUserDevices, whose SDKs send "" for the name they do not use), the fake still wants
// one name: neither is 400 E011002, two that name different users 400 E011004, and "" beside a
// userId is applied to that user.
func TestFakeRefusesABodyNamingNoOne(t *testing.T) {
	t.Parallel()
	applied := map[string]func(s *apitest.Server) error{
		"DeleteUser": func(s *apitest.Server) error {
			_, ok := s.User("U2abc")
			return want(!ok, "jane after her delete", ok)
		},
		"LogoutAllUserDevices": func(s *apitest.Server) error {
			l := s.Logouts()
			return want(len(l) == 1 && l[0].UserID == "U2abc", "the sign-outs", l)
		},
	}
	n := 0
	for _, op := range operations() {
		if _, ok := op.loginIDPath(t); !ok || !op.loginIDMayBeEmpty(t) {
			continue
		}
		n++
		check, ok := applied[op.ID]
		if !ok {
			t.Errorf("%s: applied has no check of what it does", op.ID)
			continue
		}
		for _, tc := range []struct {
			name   string
			fields map[string]any
			status int
			code   string
		}{
			{"both empty", map[string]any{"loginId": "", "userId": ""}, http.StatusBadRequest, api.CodeMissingArguments},
			{"neither", map[string]any{"loginId": nil, "userId": nil}, http.StatusBadRequest, api.CodeMissingArguments},
			{"empty identifier alone", map[string]any{"loginId": nil, "identifier": "", "userId": nil}, http.StatusBadRequest, api.CodeMissingArguments},
			{"two users", map[string]any{"loginId": "jane@example.com", "userId": "U2bob"}, http.StatusBadRequest, api.CodeInvalidArguments},
			{"loginId and identifier differ", map[string]any{"loginId": "jane@example.com", "identifier": "bob@example.com", "userId": nil}, http.StatusBadRequest, api.CodeInvalidArguments},
			{"empty loginId beside a userId", map[string]any{"loginId": "", "userId": "U2abc"}, http.StatusOK, ""},
		} {
			t.Run(op.ID+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newSDKFake(t)
				before := s.Users()
				body := op.withTopLevel(t, tc.fields)
				a, err := (&fakeAPI{srv: &httptest.Server{URL: s.URL}}).send(t, op, request{body: body})
				if err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				if a.status != tc.status {
					t.Fatalf("%s: answered %d %s, want %d", body, a.status, a.body, tc.status)
				}
				if tc.status == http.StatusOK {
					if err := check(s); err != nil {
						t.Error(err)
					}
					return
				}
				var e gen.Error
				if err := json.Unmarshal(a.body, &e); err != nil || e.ErrorCode != tc.code {
					t.Errorf("%s: answered %s, want %s", body, a.body, tc.code)
				}
				if !reflect.DeepEqual(s.Users(), before) || len(s.Logouts()) != 0 {
					t.Error("a refused request changed something")
				}
			})
		}
	}
	if n != len(applied) {
		t.Errorf("%d operations let loginId be empty, applied checks %d", n, len(applied))
	}
}
