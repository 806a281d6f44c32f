package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// MaxDepthExtension is the extension with which a schema of the document limits how deep lists and
// objects may nest in a value it describes in a request: `x-max-depth: 32` on AnyValue. [[1]] and
// {"a":{"b":1}} are 2 deep; a string, number, boolean or null is 0. OpenAPI has no keyword for
// it, so the Validator enforces it itself, after kin-openapi's checks; answers are not limited.
const MaxDepthExtension = "x-max-depth"

// depthRules is where the document's MaxDepthExtension limits apply.
type depthRules struct {
	// least is, for every operation whose JSON request body can hold a limited value, the
	// smallest limit of the body's schemas.
	least map[*openapi3.Operation]int
	// reaches holds the schemas of request bodies from which a limited schema can be reached,
	// the limited ones included: the only ones a body is walked along.
	reaches map[*openapi3.Schema]bool
}

// newDepthRules finds the limited schemas of every JSON request body. A limit that is not a
// positive integer is an error.
func newDepthRules(doc *openapi3.T) (*depthRules, error) {
	r := &depthRules{least: map[*openapi3.Operation]int{}, reaches: map[*openapi3.Schema]bool{}}
	var all []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op := item.GetOperation(method)
			body := jsonBodySchema(op)
			if body == nil {
				continue
			}
			mine := reachable(body, map[*openapi3.Schema]bool{})
			for _, s := range mine {
				limit, ok, err := depthLimit(s)
				if err != nil {
					return nil, fmt.Errorf("spec: %s: %w", op.OperationID, err)
				}
				if ok && (r.least[op] == 0 || limit < r.least[op]) {
					r.least[op] = limit
				}
				if !seen[s] {
					seen[s] = true
					all = append(all, s)
				}
			}
		}
	}
	// A schema reaches a limited one when it is limited or one of its children reaches one.
	for changed := true; changed; {
		changed = false
		for _, s := range all {
			if r.reaches[s] {
				continue
			}
			_, limited, _ := depthLimit(s)
			if limited || slices.ContainsFunc(children(s), func(c *openapi3.SchemaRef) bool { return c != nil && r.reaches[c.Value] }) {
				r.reaches[s] = true
				changed = true
			}
		}
	}
	return r, nil
}

// jsonBodySchema is the schema of an operation's application/json request body, or nil.
func jsonBodySchema(op *openapi3.Operation) *openapi3.SchemaRef {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// children are the schemas that describe a value, or the values in it, that ref's schema
// describes: the branches of allOf, anyOf and oneOf, items, properties and additional properties.
func children(s *openapi3.Schema) openapi3.SchemaRefs {
	out := slices.Concat(s.AllOf, s.AnyOf, s.OneOf, openapi3.SchemaRefs{s.Items, s.AdditionalProperties.Schema})
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		out = append(out, s.Properties[name])
	}
	return out
}

// reachable lists the schemas reachable from ref, ref's own included, each once.
func reachable(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) []*openapi3.Schema {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return nil
	}
	seen[ref.Value] = true
	out := []*openapi3.Schema{ref.Value}
	for _, c := range children(ref.Value) {
		out = append(out, reachable(c, seen)...)
	}
	return out
}

// depthLimit reads a schema's MaxDepthExtension.
func depthLimit(s *openapi3.Schema) (limit int, ok bool, err error) {
	x, ok := s.Extensions[MaxDepthExtension]
	if !ok {
		return 0, false, nil
	}
	f, isNumber := x.(float64)
	if !isNumber || f < 1 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, false, fmt.Errorf("%s is %v, not a positive integer", MaxDepthExtension, x)
	}
	return int(f), true, nil
}

// check refuses the request body of op, already valid against the spec, in which a value described
// by a schema with MaxDepthExtension nests lists and objects deeper than that schema allows. A body
// that does not itself nest deeper than the smallest limit its schemas have cannot hold such a
// value, and is passed after one scan of its bytes, without being decoded.
//
// Otherwise the body is decoded and walked along its schema, only where a limited schema can be
// reached (reaches): in this document, the few levels of a request around AnyValue. A limited
// value is measured at most one level deeper than its limit, each element once, so the check is
// linear in the body's size, and a value nested however deep costs the Go stack no more than its
// limit.
func (r *depthRules) check(op *openapi3.Operation, body []byte) error {
	least, ok := r.least[op]
	if !ok || nestingDepth(body) <= least {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return nil // kin-openapi has decoded it already; nothing to add
	}
	return r.walk(jsonBodySchema(op), value, nil)
}

// walk visits value along ref and refuses the first value, in key order, that a schema with
// MaxDepthExtension describes and that nests deeper than its limit. at is the value's place.
func (r *depthRules) walk(ref *openapi3.SchemaRef, value any, at []string) error {
	if ref == nil || !r.reaches[ref.Value] {
		return nil
	}
	s := ref.Value
	if limit, ok, _ := depthLimit(s); ok {
		if deeper(value, limit) {
			return fmt.Errorf("at %q: lists and objects nest more than %d deep (%s)", "/"+strings.Join(at, "/"), limit, MaxDepthExtension)
		}
		return nil
	}
	for _, sub := range slices.Concat(s.AllOf, s.AnyOf, s.OneOf) {
		if err := r.walk(sub, value, at); err != nil {
			return err
		}
	}
	switch v := value.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			child := s.Properties[k]
			if child == nil {
				child = s.AdditionalProperties.Schema
			}
			if err := r.walk(child, v[k], append(at[:len(at):len(at)], k)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := r.walk(s.Items, e, append(at[:len(at):len(at)], strconv.Itoa(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

// deeper reports whether lists and objects nest more than limit deep in v. It goes at most limit+1
// levels down, and visits each element at most once.
func deeper(v any, limit int) bool {
	switch v := v.(type) {
	case []any:
		if limit == 0 {
			return true
		}
		for _, e := range v {
			if deeper(e, limit-1) {
				return true
			}
		}
	case map[string]any:
		if limit == 0 {
			return true
		}
		for _, e := range v {
			if deeper(e, limit-1) {
				return true
			}
		}
	}
	return false
}

// nestingDepth is how deep lists and objects nest in data, a JSON text, in one pass over its bytes.
func nestingDepth(data []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			// Skip the string: to its closing quote, past escaped characters.
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest
}
