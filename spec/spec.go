// Package spec is spec/openapi.yaml, the single source of truth of this module, as Go sees it:
// the document itself (embedded from this directory), the list of its operations, and the
// validator built on kin-openapi's openapi3filter that the contract tests, the fake server in
// api/apitest and clients made with api.WithResponseValidation(v) share (*Validator is an
// api.ResponseValidator; package api does not import this one, so a program that does not
// validate answers does not link kin-openapi). It depends on nothing but the document.
package spec

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var source []byte

// YAML returns the document as it is in spec/openapi.yaml.
func YAML() []byte { return append([]byte(nil), source...) }

// Load parses the document and checks it with kin-openapi's Validate. Every call returns a new
// *openapi3.T, which the caller may change.
func Load() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(source)
	if err != nil {
		return nil, fmt.Errorf("spec: loading openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("spec: openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

// Operation is one operation of the document.
type Operation struct {
	ID     string // the operationId
	Method string // GET, POST, PATCH...
	Path   string // the path template, e.g. /v1/mgmt/user/patch
	// TwinOf is, for an older path of an operation that the document serves beside the current
	// one (x-twin-of: the same body, answer and effect), the operationId of the current one.
	TwinOf string
}

var operations = sync.OnceValues(func() ([]Operation, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	var ops []Operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			twin, _ := op.Extensions["x-twin-of"].(string)
			ops = append(ops, Operation{ID: op.OperationID, Method: method, Path: path, TwinOf: twin})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops, nil
})

// Operations lists the document's operations, sorted by operationId. It panics if the embedded
// document does not load, which the module's own tests rule out.
func Operations() []Operation {
	ops, err := operations()
	if err != nil {
		panic(err)
	}
	return append([]Operation(nil), ops...)
}
