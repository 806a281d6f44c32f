package main

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/cmd/descope-users/cli"
)

// The package doc lists every command of the tool, in the words and order of its help.
func TestDocListsEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()

	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"help"}, func(string) string { return "" }, nil, &out, &errb); code != 0 {
		t.Fatalf("help: exit %d: %s", code, &errb)
	}
	help := out.String()
	start := strings.Index(help, "Commands:\n")
	end := strings.Index(help, "\n\nGlobal flags")
	if start < 0 || end < start {
		t.Fatalf("no command list in the help:\n%s", help)
	}
	var want strings.Builder
	for line := range strings.SplitSeq(help[start+len("Commands:\n"):end], "\n") {
		want.WriteString("\t" + strings.TrimPrefix(line, "  ") + "\n")
	}
	if !strings.Contains(doc, "\n\n"+want.String()+"\n") {
		t.Errorf("the package doc's list of commands is not the help's; it should read:\n%s", want.String())
	}
	for _, c := range cli.Commands() {
		if !strings.Contains(doc, "\t"+c.Name+" ") {
			t.Errorf("the package doc does not list %s", c.Name)
		}
	}
}
