package contract_test

// Secrets (the fields the spec marks x-secret: passwords, hashes, salts and keys, TOTP seeds, the
// exports an import carries) never show: not in the fake's request journal, not in an error the
// api returns when the fake refuses a call, not in %v of the request values that carry them.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// secretExtension marks a secret field in the spec.
const secretExtension = "x-secret"

// isSecretSchema reports whether a schema is marked secret, itself or through allOf.
func isSecretSchema(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if b, _ := s.Extensions[secretExtension].(bool); b {
		return true
	}
	return slices.ContainsFunc(s.AllOf, func(r *openapi3.SchemaRef) bool { return isSecretSchema(r.Value) })
}

// subschema returns the schema of a property (name != "") or of the items of a list, looking
// through allOf and additionalProperties.
func subschema(s *openapi3.Schema, name string) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if name == "" && s.Items != nil {
		return s.Items.Value
	}
	if p := s.Properties[name]; name != "" && p != nil {
		return p.Value
	}
	for _, a := range s.AllOf {
		if sub := subschema(a.Value, name); sub != nil {
			return sub
		}
	}
	if ap := s.AdditionalProperties.Schema; name != "" && ap != nil {
		return ap.Value
	}
	return nil
}

// minSecret is the shortest secret looked for: shorter ones (a salt separator of one byte) would
// be found by chance in any text.
const minSecret = 6

// secretsIn returns the values of the secret fields of a JSON value of schema s: every string
// whose schema is marked secret, and, where it is base64 (bytes on the wire), the text it
// encodes too.
func secretsIn(s *openapi3.Schema, v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			out = append(out, secretsIn(subschema(s, k), e)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, secretsIn(subschema(s, ""), e)...)
		}
	case string:
		if !isSecretSchema(s) {
			return nil
		}
		if len(v) >= minSecret {
			out = append(out, v)
		}
		if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) >= minSecret {
			out = append(out, string(b))
		}
	}
	return out
}

// requestSecrets returns the secrets of a request body of op.
func requestSecrets(t *testing.T, op operation, body []byte) []string {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	rb := doc.Paths.Value(op.Path).GetOperation(op.Method).RequestBody
	if rb == nil || len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %s: %v", op.ID, body, err)
	}
	return secretsIn(rb.Value.Content.Get("application/json").Schema.Value, v)
}

// requestValue decodes a request body of op into the Go type the generated client takes for it.
func requestValue(t *testing.T, op operation, body []byte) any {
	t.Helper()
	m, ok := reflect.TypeFor[*gen.Client]().MethodByName(op.ID)
	if !ok {
		t.Fatalf("gen.Client has no method %s", op.ID)
	}
	typ := m.Type.In(2) // receiver, context, body
	v := reflect.New(typ)
	if err := json.Unmarshal(body, v.Interface()); err != nil {
		t.Fatalf("%s: %s does not decode into %v: %v", op.ID, body, typ, err)
	}
	return v.Elem().Interface()
}

// leaks returns the secrets text shows, sorted.
func leaks(secrets map[string]string, text string) []string {
	var out []string
	for v := range secrets {
		if strings.Contains(text, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// The search has teeth: it finds a password printed from a plain string, and the text a base64
// secret encodes, where the generated types hide both.
func TestSecretSearchFindsLeaks(t *testing.T) {
	t.Parallel()
	op := operationByID(t, "CreateUsers")
	body := []byte(`{"users":[{"loginId":"a","password":"Leaky-Pa55word","hashedPassword":{"pbkdf2":{"hash":"c2VjcmV0LWhhc2g=","salt":"c2FsdC1vZi1h","iterations":1,"type":"sha1"}}}]}`)
	secrets := map[string]string{}
	for _, v := range requestSecrets(t, op, body) {
		secrets[v] = "the test"
	}
	want := []string{"Leaky-Pa55word", "c2FsdC1vZi1h", "c2VjcmV0LWhhc2g=", "salt-of-a", "secret-hash"}
	if got := slices.Sorted(maps.Keys(secrets)); !slices.Equal(got, want) {
		t.Fatalf("secrets found %q, want %q (not the loginId, type or iterations)", got, want)
	}
	var plain struct {
		Users []struct {
			Password       string
			HashedPassword struct{ Pbkdf2 struct{ Hash, Salt []byte } }
		}
	}
	if err := json.Unmarshal(body, &plain); err != nil {
		t.Fatal(err)
	}
	if got := leaks(secrets, fmt.Sprintf("%v %s", plain, plain.Users[0].HashedPassword.Pbkdf2.Salt)); !slices.Equal(got, []string{"Leaky-Pa55word", "salt-of-a"}) {
		t.Errorf("plain types show %q, want the password and the salt's text", got)
	}
	v := requestValue(t, op, body)
	if got := leaks(secrets, fmt.Sprintf("%v %+v %#v", v, v, v)); len(got) != 0 {
		t.Errorf("the generated type shows %q", got)
	}
}

// sentBody is one request body sent for an operation, and where it comes from.
type sentBody struct {
	from string
	op   operation
	body []byte
}

// TestSecretsNeverShown: every x-secret value of every request example of the spec and of every
// row of apiCalls (its body as the api sends it) is looked for in the fake's request journal, in
// every error the api returns when the fake refuses the rows (a fake without the users they
// name, the same rows a second time, and a wrong key), and in %v, %+v and %#v of the request
// value the generated client takes for the body.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)

	// What is sent: the spec's request examples, and each row's body, as a recording server
	// receives it.
	var sent []sentBody
	for _, op := range operations() {
		if rb := doc.Paths.Value(op.Path).GetOperation(op.Method).RequestBody; rb != nil {
			mt := rb.Value.Content.Get("application/json")
			for _, name := range sortedKeys(mt.Examples) {
				sent = append(sent, sentBody{op.ID + " example " + name, op, mustJSON(t, mt.Examples[name].Value.Value)})
			}
		}
	}
	for _, call := range apiCalls {
		f := newFakeAPI(t, reply{example: true})
		if err := call.call(t.Context(), f.apiClient(t)); err != nil {
			t.Fatalf("%s: %v", call.name(), err)
		}
		for _, r := range f.got {
			req := httptest.NewRequest(r.method, "http://127.0.0.1"+r.path, nil)
			route, err := newValidator(t).RouteFor(req)
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, sentBody{"row " + call.name(), operationByID(t, route.OperationID()), r.body})
		}
	}
	secrets := map[string]string{} // secret -> where it was sent
	withSecrets := map[string]bool{}
	for _, s := range sent {
		for _, v := range requestSecrets(t, s.op, s.body) {
			secrets[v] = s.from
			withSecrets[s.from] = true
		}
	}
	// The secrets this test must have found, of each kind: a password, hashes as text and as
	// bytes, a TOTP seed, an import's users, and the spec's examples'.
	for _, v := range []string{"Amy-Pa55word", "Tia-Pa55word", "JBSWY3DPEHPK3PXP", "6eb9f735eec136b34cdc1715d6c7da57",
		"8mDC922G06gXDKrrz0GfqqFFzpdKz0yHpfwdLP5UmLQ=", "argon2-salt-16by", importDescopeUsers, importFirebaseHashes,
		"correct horse battery staple", "$2a$10$3hXVuP/N0CgxaBn1WxhFt.xTOqQBkT2yzhZxRBCwEOFmgKqPAYk.C"} {
		if _, ok := secrets[v]; !ok {
			t.Errorf("the secret %q was not found in what is sent", v)
		}
	}
	t.Logf("%d secrets in %d bodies (%d of them carry secrets)", len(secrets), len(sent), len(withSecrets))
	shows := func(where, text string) {
		t.Helper()
		for _, v := range leaks(secrets, text) {
			t.Errorf("%s shows the secret %q (sent by %s):\n%s", where, v, secrets[v], text)
		}
	}

	// %v of the request values.
	for _, s := range sent {
		if !withSecrets[s.from] {
			continue
		}
		v := requestValue(t, s.op, s.body)
		shows("%v of "+s.from, fmt.Sprintf("%v %+v %#v", v, v, v))
	}

	// The journal of a fake that receives every body (those of the rows as the api sends them,
	// through the rows themselves), and the errors of the rows it refuses: first without the
	// users they name, then again once it holds what the first pass created.
	s := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithRequestLog())
	c, err := api.New(testProjectID, testKey, api.WithBaseURL(s.URL), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]bool{} // rows the fake refused reading their bodies
	var errs []string
	run := func(c *api.Client, readsBodies bool) {
		for _, call := range apiCalls {
			if err := call.call(context.Background(), c); err != nil {
				errs = append(errs, call.name()+": "+err.Error())
				refused["row "+call.name()] = refused["row "+call.name()] || readsBodies
				var e *api.Error
				if errors.As(err, &e) {
					errs = append(errs, fmt.Sprintf("%v %+v %#v", e, e, e))
				}
			}
		}
	}
	// Each row alone on an empty fake: whatever names a user is refused (404 E112102).
	journal := ""
	for _, call := range apiCalls {
		empty := apitest.NewServer(t, apitest.WithCredentials(testProjectID, testKey), apitest.WithRequestLog())
		alone, err := api.New(testProjectID, testKey, api.WithBaseURL(empty.URL), api.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		if err := call.call(context.Background(), alone); err != nil {
			errs = append(errs, call.name()+" alone: "+err.Error())
			refused["row "+call.name()] = true
		}
		for _, r := range empty.Requests() {
			journal += string(r.Body) + "\n"
		}
		empty.Close()
	}
	run(c, true)
	run(c, true)
	for _, b := range sent {
		if strings.HasPrefix(b.from, "row ") {
			continue
		}
		if _, _, err := callAt(t, http.DefaultClient, s.URL, b.op.Method, b.op.Path, string(b.body), nil); err != nil {
			t.Fatal(err)
		}
	}
	// And with a key the fake does not hold: every row refused.
	wrong, err := api.New(testProjectID, "K2-not-the-fake's-key", api.WithBaseURL(s.URL), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	run(wrong, false)

	redacted := 0
	for _, r := range s.Requests() {
		journal += string(r.Body) + "\n"
		redacted += strings.Count(string(r.Body), apitest.Redacted)
	}
	shows("the fake's request journal", journal)
	shows("the api's errors", strings.Join(errs, "\n"))
	if redacted < len(withSecrets) {
		t.Errorf("%d secret fields redacted in the journal, fewer than the %d bodies that carry secrets", redacted, len(withSecrets))
	}
	// Every row that sends a secret was refused by the fake reading its body at least once, but
	// for the batch creates and the imports, which it answers 200 with each user's failure.
	answeredPerUser := []string{"CreateUsers", "ImportUsers"}
	for _, b := range sent {
		if strings.HasPrefix(b.from, "row ") && withSecrets[b.from] && !refused[b.from] && !slices.Contains(answeredPerUser, b.op.ID) {
			t.Errorf("%s sends a secret and was never refused", b.from)
		}
	}
}
