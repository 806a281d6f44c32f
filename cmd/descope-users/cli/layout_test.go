package cli

// The package's files have one job each (see doc.go): main.go runs the tool and holds the
// command table; each command family is one file, which main.go's table names; every other file
// is shared. Shared files serve the families, never the reverse, and families do not use each
// other: adding a family is adding a file and a line of the table.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// packageFiles parses the package's non-test files (every platform's).
func packageFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
	}
	return files
}

// declaredIn maps each package-level name (not methods) to the file that declares it.
func declaredIn(files map[string]*ast.File) map[string]string {
	decl := map[string]string{}
	for name, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					decl[d.Name.Name] = name
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						decl[s.Name.Name] = name
					case *ast.ValueSpec:
						for _, n := range s.Names {
							decl[n.Name] = name
						}
					}
				}
			}
		}
	}
	return decl
}

// uses maps each file to the files whose package-level names it uses, with those names: the
// identifiers the parser could not resolve within the file are the package's other files' (or
// the language's).
func uses(files map[string]*ast.File, decl map[string]string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for name, f := range files {
		out[name] = map[string][]string{}
		for _, id := range f.Unresolved {
			if other, ok := decl[id.Name]; ok && other != name && !slices.Contains(out[name][other], id.Name) {
				out[name][other] = append(out[name][other], id.Name)
			}
		}
	}
	return out
}

// families are the files that declare what the command table (commands, in main.go) calls.
func families(t *testing.T, files map[string]*ast.File, decl map[string]string) map[string]bool {
	t.Helper()
	fams := map[string]bool{}
	for _, d := range files["main.go"].Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "commands" && fd.Recv == nil {
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && decl[id.Name] != "" && decl[id.Name] != "main.go" {
						fams[decl[id.Name]] = true
					}
				}
				return true
			})
		}
	}
	if len(fams) < 5 {
		t.Fatalf("the table names the families %v: expected at least single.go, search.go, patch.go, sync.go and demo.go", fams)
	}
	return fams
}

func TestFilesServeTheFamiliesNeverTheReverse(t *testing.T) {
	files := packageFiles(t)
	decl := declaredIn(files)
	fams := families(t, files, decl)
	used := uses(files, decl)
	for file, deps := range used {
		for dep, names := range deps {
			if fams[dep] && file != "main.go" {
				t.Errorf("%s uses %s of the command family %s: only main.go's table may name a family; move what they share to a shared file", file, strings.Join(names, ", "), dep)
			}
		}
	}
	// A family's methods are on its own types: a shared type gets no method in a family's file,
	// where another file could use it without naming anything of the family.
	for file := range fams {
		for _, d := range files[file].Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			typ := fd.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if ix, ok := typ.(*ast.IndexExpr); ok {
				typ = ix.X
			}
			if id, ok := typ.(*ast.Ident); ok && decl[id.Name] != file {
				t.Errorf("%s declares the method %s on %s, a type of %s: a family's methods go on its own types", file, fd.Name.Name, id.Name, decl[id.Name])
			}
		}
	}
}

// The files depend on each other without a cycle: from the families down to the files that use
// no other.
func TestFilesFormADAG(t *testing.T) {
	files := packageFiles(t)
	used := uses(files, declaredIn(files))
	const (
		unseen = iota
		open
		closed
	)
	state := map[string]int{}
	var path []string
	var visit func(string)
	visit = func(f string) {
		switch state[f] {
		case open:
			i := slices.Index(path, f)
			t.Errorf("the files depend on each other in a cycle: %s", strings.Join(append(path[i:], f), " -> "))
			return
		case closed:
			return
		}
		state[f] = open
		path = append(path, f)
		deps := make([]string, 0, len(used[f]))
		for dep := range used[f] {
			deps = append(deps, dep)
		}
		slices.Sort(deps)
		for _, dep := range deps {
			visit(dep)
		}
		path = path[:len(path)-1]
		state[f] = closed
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		visit(f)
	}
	if t.Failed() {
		for _, f := range names {
			t.Log(f, "->", fmt.Sprint(used[f]))
		}
	}
}

// doc.go's list of files names every file, with its job.
func TestDocListsEveryFile(t *testing.T) {
	files := packageFiles(t)
	var doc string
	for _, d := range files["doc.go"].Doc.List {
		doc += d.Text + "\n"
	}
	for name := range files {
		if strings.HasPrefix(name, "lock_") {
			name = "lock_*.go"
		}
		if name != "doc.go" && !strings.Contains(doc, "//\t"+name+" ") {
			t.Errorf("doc.go does not list %s and its job", name)
		}
	}
}
