package tls

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportsNoConcordPackage keeps the package a leaf: everything in
// concord may use it, so it may use nothing of concord.
func TestImportsNoConcordPackage(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if strings.Contains(imp.Path.Value, "github.com/concord-dev/concord") {
				t.Errorf("%s imports %s", f, imp.Path.Value)
			}
		}
	}
}
