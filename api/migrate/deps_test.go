package migrate_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNothingButTheClient: a program that imports migrate links what package api links
// and nothing else that is not the standard library: not the validator (kin-openapi, YAML), not
// golang.org/x/crypto (the readers carry hashes, they never compute one).
func TestLinksNothingButTheClient(t *testing.T) {
	deps := func(pkg string) map[string]bool {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		m := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			m[d] = true
		}
		return m
	}
	const module = "github.com/seed-a84e9595/descope-mgmt/"
	client := deps(module + "api")
	for d := range deps(module + "api/migrate") {
		if !client[d] && d != module+"api/migrate" && strings.Contains(strings.Split(d, "/")[0], ".") {
			t.Errorf("migrate links %s, which api does not", d)
		}
	}
}
