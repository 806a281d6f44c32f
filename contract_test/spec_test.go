package contract_test

// The spec's own checks: run by `make lint` (`go test -run '^TestSpec'`), they need no server.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// loadSpec loads the document as package spec embeds it (spec/openapi.yaml itself).
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSpecValid checks the document with kin-openapi, every option on: examples, patterns,
// defaults and extensions.
func TestSpecValid(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the spec is invalid: %v", err)
	}
	if got := doc.OpenAPI; got != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", got)
	}
}

// exampleSite is one example found in the spec, with the schema it must satisfy.
type exampleSite struct {
	where  string // a readable location, e.g. "paths./v1/mgmt/user/patch.PATCH.requestBody.application/json.examples.some"
	kind   string // "media", "schema", "parameter" or "header"
	schema *openapi3.Schema
	value  any
	asResp bool // validate as a response value (readOnly/writeOnly semantics)
}

// exampleWalker collects every example of a document. It visits each schema, media type,
// parameter and response value once, however many $refs lead to it, so nothing is counted twice.
type exampleWalker struct {
	sites     []exampleSite
	schemas   map[*openapi3.Schema]bool
	media     map[*openapi3.MediaType]bool
	params    map[*openapi3.Parameter]bool
	responses map[*openapi3.Response]bool
}

func collectExamples(doc *openapi3.T) []exampleSite {
	w := &exampleWalker{
		schemas:   map[*openapi3.Schema]bool{},
		media:     map[*openapi3.MediaType]bool{},
		params:    map[*openapi3.Parameter]bool{},
		responses: map[*openapi3.Response]bool{},
	}
	if c := doc.Components; c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			w.schema("components.schemas."+name, c.Schemas[name], false)
		}
		for _, name := range sortedKeys(c.Responses) {
			w.response("components.responses."+name, c.Responses[name].Value)
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			w.content("components.requestBodies."+name, c.RequestBodies[name].Value.Content, false)
		}
		for _, name := range sortedKeys(c.Parameters) {
			w.parameter("components.parameters."+name, "parameter", c.Parameters[name].Value, false)
		}
		for _, name := range sortedKeys(c.Headers) {
			w.parameter("components.headers."+name, "header", &c.Headers[name].Value.Parameter, true)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, p := range item.Parameters {
			w.parameter("paths."+path+".parameters."+p.Value.Name, "parameter", p.Value, false)
		}
		ops := item.Operations()
		for _, method := range sortedKeys(ops) {
			op := ops[method]
			at := "paths." + path + "." + method
			for _, p := range op.Parameters {
				w.parameter(at+".parameters."+p.Value.Name, "parameter", p.Value, false)
			}
			if op.RequestBody != nil {
				w.content(at+".requestBody", op.RequestBody.Value.Content, false)
			}
			if op.Responses != nil {
				rs := op.Responses.Map()
				for _, status := range sortedKeys(rs) {
					w.response(at+".responses."+status, rs[status].Value)
				}
			}
		}
	}
	return w.sites
}

func (w *exampleWalker) response(at string, r *openapi3.Response) {
	if r == nil || w.responses[r] {
		return
	}
	w.responses[r] = true
	for _, name := range sortedKeys(r.Headers) {
		w.parameter(at+".headers."+name, "header", &r.Headers[name].Value.Parameter, true)
	}
	w.content(at, r.Content, true)
}

func (w *exampleWalker) parameter(at, kind string, p *openapi3.Parameter, asResp bool) {
	if p == nil || w.params[p] {
		return
	}
	w.params[p] = true
	if p.Schema != nil {
		if p.Example != nil {
			w.sites = append(w.sites, exampleSite{at + ".example", kind, p.Schema.Value, p.Example, asResp})
		}
		for _, name := range sortedKeys(p.Examples) {
			w.sites = append(w.sites, exampleSite{at + ".examples." + name, kind, p.Schema.Value, p.Examples[name].Value.Value, asResp})
		}
		w.schema(at+".schema", p.Schema, asResp)
	}
	w.content(at, p.Content, asResp)
}

func (w *exampleWalker) content(at string, content openapi3.Content, asResp bool) {
	for _, mime := range sortedKeys(content) {
		mt := content[mime]
		if mt == nil || w.media[mt] {
			continue
		}
		w.media[mt] = true
		here := at + "." + mime
		if mt.Schema == nil {
			continue
		}
		if mt.Example != nil {
			w.sites = append(w.sites, exampleSite{here + ".example", "media", mt.Schema.Value, mt.Example, asResp})
		}
		for _, name := range sortedKeys(mt.Examples) {
			w.sites = append(w.sites, exampleSite{here + ".examples." + name, "media", mt.Schema.Value, mt.Examples[name].Value.Value, asResp})
		}
		w.schema(here+".schema", mt.Schema, asResp)
	}
}

// schema records a schema's own example and descends into every subschema.
func (w *exampleWalker) schema(at string, ref *openapi3.SchemaRef, asResp bool) {
	if ref == nil || ref.Value == nil || w.schemas[ref.Value] {
		return
	}
	if ref.Ref != "" {
		at = ref.Ref
	}
	s := ref.Value
	w.schemas[s] = true
	if s.Example != nil {
		w.sites = append(w.sites, exampleSite{at + ".example", "schema", s, s.Example, asResp})
	}
	for i, e := range s.Examples { // OpenAPI 3.1 only; none expected here.
		w.sites = append(w.sites, exampleSite{fmt.Sprintf("%s.examples[%d]", at, i), "schema", s, e, asResp})
	}
	for _, name := range sortedKeys(s.Properties) {
		w.schema(at+".properties."+name, s.Properties[name], asResp)
	}
	w.schema(at+".items", s.Items, asResp)
	w.schema(at+".additionalProperties", s.AdditionalProperties.Schema, asResp)
	w.schema(at+".not", s.Not, asResp)
	for kw, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		for i, sub := range list {
			w.schema(fmt.Sprintf("%s.%s[%d]", at, kw, i), sub, asResp)
		}
	}
}

// checkExample validates value against schema the way the validator sees a body: after a JSON
// round trip, so numbers are float64 and YAML-only types are gone.
func checkExample(schema *openapi3.Schema, value any, asResp bool) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("marshalling example: %w", err)
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return fmt.Errorf("decoding example: %w", err)
	}
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsRequest()}
	if asResp {
		opts[1] = openapi3.VisitAsResponse()
	}
	return schema.VisitJSON(decoded, opts...)
}

func TestSpecExamples(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	sites := collectExamples(doc)

	counts := map[string]int{}
	for _, s := range sites {
		counts[s.kind]++
		if err := checkExample(s.schema, s.value, s.asResp); err != nil {
			t.Errorf("%s does not match its schema: %v", s.where, err)
		}
	}
	// What spec/openapi.yaml holds today. Media-type examples: customAttribute 6, name 2, picture
	// 2, phone 1, patch 1, batch request 1, batch response 2, components/responses UserResponse 2,
	// BadRequest 2, NotFound 1, TooManyRequests 1. Schema examples: LoginID and Error.errorCode.
	// More is fine; fewer means an example was dropped or the walker stopped seeing them.
	for kind, min := range map[string]int{"media": 21, "schema": 2} {
		if counts[kind] < min {
			t.Errorf("checked %d %s examples, want at least %d (all: %v)", counts[kind], kind, min, counts)
		}
	}
	t.Logf("checked %d examples: %v", len(sites), counts)
	for _, s := range sites {
		t.Logf("  %s", s.where)
	}

	// The same check must reject broken copies of real examples.
	find := func(t *testing.T, suffix string) exampleSite {
		t.Helper()
		for _, s := range sites {
			if strings.HasSuffix(s.where, suffix) {
				return s
			}
		}
		t.Fatalf("no example at %s", suffix)
		return exampleSite{}
	}
	broken := []struct {
		name   string
		site   string
		mutate func(v map[string]any)
		want   string
	}{
		{"loginId as number", "/v1/mgmt/user/patch.PATCH.requestBody.application/json.examples.some",
			func(v map[string]any) { v["loginId"] = 42 }, `"/loginId"`},
		{"loginId empty", "/v1/mgmt/user/update/picture.POST.requestBody.application/json.examples.set",
			func(v map[string]any) { v["loginId"] = "" }, `"/loginId"`},
		{"loginId missing", "/v1/mgmt/user/update/phone.POST.requestBody.application/json.examples.set",
			func(v map[string]any) { delete(v, "loginId") }, `"loginId"`},
		{"status outside the enum", "/v1/mgmt/user/patch/batch.PATCH.requestBody.application/json.examples.two",
			func(v map[string]any) { v["users"].([]any)[0].(map[string]any)["status"] = "bogus" }, `"/users/0/status"`},
		{"OAuth value as string", "components.responses.UserResponse.application/json.examples.reference",
			func(v map[string]any) { v["user"].(map[string]any)["OAuth"] = map[string]any{"google": "yes"} }, `"/user/OAuth/google"`},
		{"createdTime as string", "components.responses.UserResponse.application/json.examples.typedAttributes",
			func(v map[string]any) { v["user"].(map[string]any)["createdTime"] = "yesterday" }, `"/user/createdTime"`},
		{"failure as number", "/v1/mgmt/user/patch/batch.PATCH.responses.200.application/json.examples.partial",
			func(v map[string]any) { v["failedUsers"].([]any)[0].(map[string]any)["failure"] = 7 }, `"/failedUsers/0/failure"`},
		{"errorCode as number", "components.responses.BadRequest.application/json.examples.missingArguments",
			func(v map[string]any) { v["errorCode"] = 11002 }, `"/errorCode"`},
	}
	for _, tc := range broken {
		t.Run("rejects/"+tc.name, func(t *testing.T) {
			site := find(t, tc.site)
			if err := checkExample(site.schema, site.value, site.asResp); err != nil {
				t.Fatalf("the original example is already invalid: %v", err)
			}
			v := deepCopyJSON(t, site.value).(map[string]any)
			tc.mutate(v)
			err := checkExample(site.schema, v, site.asResp)
			if err == nil {
				t.Fatalf("broken copy of %s was accepted", tc.site)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not name %s: %v", tc.want, err)
			}
		})
	}
	// And the walk plus the check must catch a broken example planted in a loaded document,
	// both in a $ref'd component response and at schema level.
	t.Run("rejects/planted in the document", func(t *testing.T) {
		doc := loadSpec(t)
		doc.Components.Responses["NotFound"].Value.Content.Get("application/json").
			Examples["userNotFound"].Value.Value = map[string]any{"errorCode": 112102}
		doc.Components.Schemas["Error"].Value.Properties["errorCode"].Value.Example = false
		var failed []string
		for _, s := range collectExamples(doc) {
			if checkExample(s.schema, s.value, s.asResp) != nil {
				failed = append(failed, s.where)
			}
		}
		want := []string{
			"components.responses.NotFound.application/json.examples.userNotFound",
			"components.schemas.Error.properties.errorCode.example",
		}
		slices.Sort(failed)
		if !slices.Equal(failed, want) {
			t.Errorf("rejected %v, want %v", failed, want)
		}
	})
	t.Run("rejects/schema example", func(t *testing.T) {
		site := find(t, "components.schemas.LoginID.example")
		if err := checkExample(site.schema, "", site.asResp); err == nil {
			t.Fatal(`"" accepted as a LoginID`)
		}
	})
}

// Every operation documents the errors a caller must handle: credentials (401, 403), the rate
// limit (429 with Retry-After), and the server (500, 503); one that names a user or takes input
// also documents 400 and 404. GetLicense takes neither.
var wantStatuses = []string{"200", "400", "401", "403", "404", "429", "500", "503"}

func wantStatusesOf(id string) []string {
	if id == "GetLicense" {
		return slices.DeleteFunc(slices.Clone(wantStatuses), func(s string) bool { return s == "400" || s == "404" })
	}
	return wantStatuses
}

// The invariants of every operation of the spec. Which operations there are, and where, is the
// breaking-change gate's business (make breaking) and the coverage test's.
func TestSpecOperations(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)

	ids := map[string]int{}
	for _, op := range spec.Operations() {
		ids[op.ID]++
	}
	for id, n := range ids {
		if id == "" || n != 1 {
			t.Errorf("operationId %q is used %d times", id, n)
		}
	}

	scheme := doc.Components.SecuritySchemes["ManagementKey"]
	if scheme == nil || scheme.Value == nil {
		t.Fatal("components.securitySchemes.ManagementKey is missing")
	}
	if s := scheme.Value; s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		t.Errorf("ManagementKey is type %q scheme %q, want http bearer", s.Type, s.Scheme)
	}

	for _, o := range spec.Operations() {
		t.Run(o.ID, func(t *testing.T) {
			op := doc.Paths.Value(o.Path).GetOperation(o.Method)
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			wantSec := openapi3.SecurityRequirements{{"ManagementKey": []string{}}}
			if !reflect.DeepEqual(normSecurity(security), normSecurity(wantSec)) {
				t.Errorf("effective security = %v, want %v", security, wantSec)
			}
			if problem := bodyProblem(o.Method, op.RequestBody); problem != "" {
				t.Error(problem)
			}
			wantStatuses := wantStatusesOf(o.ID)
			responses := op.Responses.Map()
			if got := sortedKeys(responses); !slices.Equal(got, wantStatuses) {
				t.Errorf("responses = %v, want %v", got, wantStatuses)
			}
			for _, status := range wantStatuses {
				r := responses[status]
				if r == nil || r.Value == nil {
					continue
				}
				mt := r.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil {
					t.Errorf("response %s has no application/json schema", status)
				}
			}
			if r := responses["429"]; r != nil && r.Value != nil {
				h := r.Value.Headers["Retry-After"]
				switch {
				case h == nil || h.Value == nil:
					t.Error("429 has no Retry-After header")
				case h.Value.Schema == nil || !h.Value.Schema.Value.Type.Is("integer"):
					t.Error("429 Retry-After is not an integer")
				}
			}
		})
	}

	// Response objects must stay open (the API adds fields) and every field optional.
	t.Run("responses are open", func(t *testing.T) {
		var problems []string
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				for status, r := range op.Responses.Map() {
					for mime, mt := range r.Value.Content {
						at := fmt.Sprintf("%s %s %s %s", method, path, status, mime)
						problems = append(problems, closedSchemas(at, mt.Schema, map[*openapi3.Schema]bool{})...)
					}
				}
			}
		}
		slices.Sort(problems)
		problems = slices.Compact(problems)
		for _, p := range problems {
			t.Error(p)
		}
	})
	// The body check allows a GET or a DELETE without a body, and nothing else.
	t.Run("body check", func(t *testing.T) {
		content := openapi3.NewContentWithJSONSchema(openapi3.NewObjectSchema())
		required := &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithContent(content)}
		optional := &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(content)}
		text := &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/plain"}))}
		for _, tc := range []struct {
			method string
			body   *openapi3.RequestBodyRef
			want   string
		}{
			{http.MethodGet, nil, ""},
			{http.MethodDelete, nil, ""},
			{http.MethodPost, required, ""},
			{http.MethodPatch, required, ""},
			{http.MethodPost, nil, "a POST without a request body"},
			{http.MethodPatch, nil, "a PATCH without a request body"},
			{http.MethodPut, nil, "a PUT without a request body"},
			{http.MethodGet, required, "a GET with a request body"},
			{http.MethodDelete, required, "a DELETE with a request body"},
			{http.MethodPost, optional, "request body is not required"},
			{http.MethodPost, text, "request body has no application/json content"},
		} {
			if got := bodyProblem(tc.method, tc.body); got != tc.want {
				t.Errorf("%s, body %v: %q, want %q", tc.method, tc.body != nil, got, tc.want)
			}
		}
	})
	// The checker above must find a closed or required-field schema when there is one.
	t.Run("closed schema is detected", func(t *testing.T) {
		no := false
		closed := &openapi3.SchemaRef{Value: &openapi3.Schema{
			Type: &openapi3.Types{"object"},
			Properties: openapi3.Schemas{"inner": {Value: &openapi3.Schema{
				Type:                 &openapi3.Types{"object"},
				AdditionalProperties: openapi3.AdditionalProperties{Has: &no},
			}}},
			Required: []string{"inner"},
		}}
		if got := closedSchemas("synthetic", closed, map[*openapi3.Schema]bool{}); len(got) != 2 {
			t.Errorf("found %d problems in a schema with two: %v", len(got), got)
		}
	})
}

// bodyProblem says what is wrong with an operation's request body for its method, or "": a POST,
// PUT or PATCH takes a required JSON body; a GET or a DELETE takes none. A DELETE's body has no
// meaning in HTTP (RFC 9110, section 9.3.5) and proxies may drop it, so Descope's DELETE
// operations (DeleteAllTestUsers) carry none, as its document and SDKs have them.
func bodyProblem(method string, rb *openapi3.RequestBodyRef) string {
	switch method {
	case http.MethodGet, http.MethodDelete:
		if rb != nil {
			return fmt.Sprintf("a %s with a request body", method)
		}
		return ""
	}
	switch {
	case rb == nil:
		return fmt.Sprintf("a %s without a request body", method)
	case rb.Value == nil || !rb.Value.Required:
		return "request body is not required"
	case rb.Value.Content.Get("application/json") == nil:
		return "request body has no application/json content"
	}
	return ""
}

// closedSchemas lists the response-side schemas under ref that set additionalProperties: false
// or require a field.
func closedSchemas(at string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) []string {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return nil
	}
	if ref.Ref != "" {
		at += " " + ref.Ref
	}
	s := ref.Value
	seen[s] = true
	var out []string
	if has := s.AdditionalProperties.Has; has != nil && !*has {
		out = append(out, at+": additionalProperties: false in a response schema")
	}
	if len(s.Required) > 0 {
		out = append(out, fmt.Sprintf("%s: response schema requires %v", at, s.Required))
	}
	for _, name := range sortedKeys(s.Properties) {
		out = append(out, closedSchemas(at+"."+name, s.Properties[name], seen)...)
	}
	out = append(out, closedSchemas(at+"[]", s.Items, seen)...)
	out = append(out, closedSchemas(at+"{}", s.AdditionalProperties.Schema, seen)...)
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range list {
			out = append(out, closedSchemas(at, sub, seen)...)
		}
	}
	return out
}

func normSecurity(srs openapi3.SecurityRequirements) []map[string][]string {
	out := make([]map[string][]string, 0, len(srs))
	for _, sr := range srs {
		m := map[string][]string{}
		for k, v := range sr {
			if v == nil {
				v = []string{}
			}
			m[k] = v
		}
		out = append(out, m)
	}
	return out
}

func compactJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(raw) > 120 {
		return string(raw[:117]) + "..."
	}
	return string(raw)
}

// deepCopyJSON copies a JSON-shaped value through a JSON round trip.
func deepCopyJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
