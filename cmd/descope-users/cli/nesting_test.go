package cli

import (
	"strings"
	"testing"
)

// TestPatchRefusesTooDeepValues: a line whose custom attribute nests lists or objects 33 deep,
// one more than the limit (api.MaxValueDepth), is refused by FILE:LINE with exit status 2 before
// anything is sent, in JSON Lines and in CSV, checked alone (--dry-run) or before a run.
func TestPatchRefusesTooDeepValues(t *testing.T) {
	s, env := newServer(t)
	file := fileMaker(t, t.TempDir())
	lists := strings.Repeat("[", 33) + strings.Repeat("]", 33)
	objects := strings.Repeat(`{"a":`, 32) + "{}" + strings.Repeat("}", 32)
	good := `{"loginId":"jane@example.com","name":"x"}` + "\n"
	inputs := []struct{ name, content, line string }{
		{"lists.jsonl", good + `{"loginId":"joe@example.com","customAttributes":{"deep":` + lists + `}}` + "\n", "2"},
		{"objects.jsonl", good + `{"loginId":"joe@example.com","customAttributes":{"deep":` + objects + `}}` + "\n", "2"},
		{"lists.csv", "loginId,customAttributes.deep\njane@example.com,1\njoe@example.com," + lists + "\n", "3"},
	}
	for _, in := range inputs {
		name, path := in.name, file(in.name, in.content)
		for _, dry := range []bool{true, false} {
			args := []string{"patch", "--limit", "none", path}
			if dry {
				args = []string{"patch", "--limit", "none", "--dry-run", path}
			}
			r := runCLI(t, env, withURL(s, args...)...)
			wantExit(t, r, 2)
			for _, want := range []string{path + ":" + in.line + `: customAttributes["deep"]`, "32", "nothing was sent"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s (dry run %v): stderr lacks %q:\n%s", name, dry, want, r)
				}
			}
		}
	}
	wantNoRequests(t, s)
}
