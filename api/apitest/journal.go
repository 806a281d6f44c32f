package apitest

import (
	"bytes"
	"encoding/json"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// SecretExtension marks, in the spec, a field whose value is a secret (a password, a hash, a
// seed, a code, link or token). The request journal (WithRequestLog) keeps Redacted in its place.
const SecretExtension = "x-secret"

// Redacted replaces the value of every secret field in the request journal.
const Redacted = "[REDACTED]"

// unroutedSecrets are the names of the spec's secret request fields, for a body that matched no
// operation (it has no schema to follow, and may still carry a password).
var unroutedSecrets = map[string]bool{"password": true, "hashedPassword": true, "seed": true, "users": true, "hashes": true}

// journalBody is the body the request journal keeps: the body as read, with the value of every
// field the spec marks secret replaced by Redacted. A body of an operation with secret fields
// that is not JSON is not kept (it may hold a password that cannot be found in it).
func (s *Server) journalBody(c *call) []byte {
	var schema *openapi3.Schema
	if c.route != nil {
		schema = s.secrets[c.op]
		if schema == nil {
			return c.body // no secret field
		}
	} else if !bytes.ContainsAny(c.body, "{") {
		return c.body
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return []byte(`"[not kept: the body of an operation with secret fields did not parse as JSON]"`)
	}
	if schema != nil {
		v = redactBySchema(v, schema)
	} else {
		v = redactByName(v)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(`"[not kept]"`)
	}
	return out
}

// isSecret reports whether a schema is marked secret, itself or through allOf.
func isSecret(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if b, _ := s.Extensions[SecretExtension].(bool); b {
		return true
	}
	for _, a := range s.AllOf {
		if isSecret(a.Value) {
			return true
		}
	}
	return false
}

// property returns the schema of an object's property name, looking through allOf.
func property(s *openapi3.Schema, name string) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, a := range s.AllOf {
		if p := property(a.Value, name); p != nil {
			return p
		}
	}
	if ap := s.AdditionalProperties.Schema; ap != nil {
		return ap.Value
	}
	return nil
}

// items returns the schema of an array's items, looking through allOf.
func items(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if s.Items != nil {
		return s.Items.Value
	}
	for _, a := range s.AllOf {
		if it := items(a.Value); it != nil {
			return it
		}
	}
	return nil
}

// redactBySchema replaces every value whose schema is secret.
func redactBySchema(v any, s *openapi3.Schema) any {
	if s == nil {
		return v
	}
	if isSecret(s) {
		return Redacted
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = redactBySchema(e, property(s, k))
		}
	case []any:
		for i, e := range v {
			v[i] = redactBySchema(e, items(s))
		}
	}
	return v
}

// redactByName replaces the values of the secret fields' names anywhere in v.
func redactByName(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if unroutedSecrets[k] {
				v[k] = Redacted
			} else {
				v[k] = redactByName(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = redactByName(e)
		}
	}
	return v
}

// reachesSecret reports whether a schema has a secret field, at any depth.
func reachesSecret(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if isSecret(s) {
		return true
	}
	for _, p := range s.Properties {
		if reachesSecret(p.Value, seen) {
			return true
		}
	}
	for _, a := range append(append(openapi3.SchemaRefs{}, s.AllOf...), s.Items, s.AdditionalProperties.Schema) {
		if a != nil && reachesSecret(a.Value, seen) {
			return true
		}
	}
	return false
}

// secretSchemas returns, by operationId, the request schema of each operation whose body has a
// secret field.
func secretSchemas(v *spec.Validator) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	for _, item := range v.Doc().Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil {
				continue
			}
			if reachesSecret(mt.Schema.Value, map[*openapi3.Schema]bool{}) {
				out[op.OperationID] = mt.Schema.Value
			}
		}
	}
	return out
}
