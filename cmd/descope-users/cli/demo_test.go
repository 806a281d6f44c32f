package cli

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	args := []string{"demo", "--users", "400", "--patches", "300", "--unknown-every", "25"}
	if testing.Short() {
		args = []string{"demo", "--users", "100", "--patches", "50", "--unknown-every", "10", "--rate", "0"}
	}
	r := runCLI(t, nil, args...) // no credentials
	wantExit(t, r, 0)
	for _, want := range []string{
		"$ descope-users --fake update-attribute --login-id user00042@example.com",
		"$ descope-users --fake update-name ",
		"$ descope-users --fake update-picture ",
		"$ descope-users --fake update-phone ",
		"$ descope-users --fake patch-user ",
		"E112102",
		"bad.jsonl:2: unknown field \"emial\"",
		"$ descope-users --fake patch --batch-size 100 --concurrency 4 ",
		"Failure reasons:",
		"patches.jsonl.failed.jsonl",
		"patches.jsonl.failed.jsonl.failed.jsonl",
		"$ descope-users --fake sync --dry-run ",
		"desired.jsonl:2: user00011@example.com (U2sample00011)\n  name                    ",
		"  customAttributes.beta   false -> (removed)\n",
		"desired.jsonl:3: U2sample00012\n  roleNames  [\"editor\"] -> [\"editor\",\"admin\"]\n",
		"desired.jsonl:4: nobody@example.com",
		"  unchanged      3\n  to change      0 (0 fields)\n",
		"that exists matches it: nothing was sent.",
		"$ descope-users --fake sync --create-missing ",
		"  to create      1\n",
		"  created        1\n",
		"Demo finished: every step went as scripted",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// State carries across steps: the last single-user step shows the changes of the first four.
	last := r.stdout[strings.Index(r.stdout, "$ descope-users --fake patch-user"):]
	for _, want := range []string{`"seats": 25`, `"name": "Ada King"`, `"picture": "https://example.com/avatars/ada.png"`, `"phone": "+15557654321"`, `"status": "disabled"`} {
		if !strings.Contains(last[:strings.Index(last, "\n}\n")], want) {
			t.Errorf("the patch-user step's user lacks %s", want)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestDemoBadFlags(t *testing.T) {
	wantExit(t, runCLI(t, nil, "demo", "--patches", "0"), 2)
	wantExit(t, runCLI(t, nil, "demo", "--users", "5"), 2)
	wantExit(t, runCLI(t, nil, "demo", "extra"), 2)
}
