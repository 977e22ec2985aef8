package raftfsm

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEverySentinelErrorCrossesTheWire: a forwarded write's error result must keep its identity
// (resp turns engine.ErrWrongType into WRONGTYPE...), so every exported sentinel of engine and
// raftfsm declared as errors.New must be in wireSentinels.
func TestEverySentinelErrorCrossesTheWire(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, s := range wireSentinels {
		known[s.Error()] = true
	}
	for _, dir := range []string{"../engine", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				spec, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, id := range spec.Names {
					if !id.IsExported() || !strings.HasPrefix(id.Name, "Err") || i >= len(spec.Values) {
						continue
					}
					call, ok := spec.Values[i].(*ast.CallExpr)
					if !ok || len(call.Args) != 1 {
						continue
					}
					lit, ok := call.Args[0].(*ast.BasicLit)
					if !ok {
						continue
					}
					text, _ := strconv.Unquote(lit.Value)
					if !known[text] {
						t.Errorf("%s: %s (%q) is not in wireSentinels", name, id.Name, text)
					}
				}
				return true
			})
		}
	}
}
