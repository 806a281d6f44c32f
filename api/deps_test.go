package api

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAPIDoesNotLinkTheValidator: a program that imports api links neither kin-openapi nor what
// it brings (a router, a JSON Schema library, YAML parsers); response validation is supplied from
// package spec (WithResponseValidation).
func TestAPIDoesNotLinkTheValidator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/seed-a84e9595/descope-mgmt/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{"github.com/getkin/", "github.com/gorilla/", "jsonschema", "yaml", "github.com/seed-a84e9595/descope-mgmt/spec"} {
			if strings.Contains(dep, heavy) {
				t.Errorf("api links %s", dep)
			}
		}
	}
}
