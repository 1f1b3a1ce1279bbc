package conformance

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"testing"
)

// TestGroupWideMatchesFn keeps krm-fn and this suite in step: the
// annotations krm-fn treats as group-wide (GroupWideAnnotations in
// api/v1alpha1/alb.go, which decide group conflicts and the move to a group
// of one's own) must be exactly the ones the controller documents as
// Exclusive. The suite imports nothing from krm-fn, so that it checks the
// function's output against the documentation rather than against the
// function's own reading of it; this test reads krm-fn's source instead.
func TestGroupWideMatchesFn(t *testing.T) {
	fnList := fnGroupWideAnnotations(t, filepath.Join(root, "api", "v1alpha1", "alb.go"))
	var documented []string
	for _, a := range albAnnotations {
		if a.merge == exclusive {
			documented = append(documented, albPrefix+a.name)
		}
	}
	slices.Sort(fnList)
	slices.Sort(documented)
	for _, k := range documented {
		if !slices.Contains(fnList, k) {
			t.Errorf("%s is Exclusive in the controller's documentation but missing from krm-fn's GroupWideAnnotations", k)
		}
	}
	for _, k := range fnList {
		if !slices.Contains(documented, k) {
			t.Errorf("krm-fn's GroupWideAnnotations has %s, which the controller's documentation does not list as Exclusive", k)
		}
	}
}

// fnGroupWideAnnotations type-checks api/v1alpha1/alb.go on its own (it
// imports nothing) and returns the values of GroupWideAnnotations.
func fnGroupWideAnnotations(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	if _, err := (&types.Config{}).Check("v1alpha1", fset, []*ast.File{f}, info); err != nil {
		t.Fatalf("type-checking %s on its own: %v", file, err)
	}
	var values []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "GroupWideAnnotations" || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		if !ok {
			t.Fatalf("%s: GroupWideAnnotations is not a slice literal", file)
		}
		for _, e := range lit.Elts {
			v := info.Types[e].Value
			if v == nil || v.Kind() != constant.String {
				t.Fatalf("%s: an element of GroupWideAnnotations is not a string constant", fset.Position(e.Pos()))
			}
			values = append(values, constant.StringVal(v))
		}
		return false
	})
	if len(values) == 0 {
		t.Fatalf("%s: no GroupWideAnnotations found", file)
	}
	return values
}
