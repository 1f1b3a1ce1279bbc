package conformance

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestProofReportTypes: proofreport.go's copies of the commands' report
// types have the fields of the originals (conformance/proof/*/report.go),
// with the same JSON names and types, so that what a command prints is
// what the suite decodes.
func TestProofReportTypes(t *testing.T) {
	copies := structs(t, "proofreport.go")
	for prefix, file := range map[string]string{"Istio": "proof/istio/report.go", "ALB": "proof/alb/report.go"} {
		originals := structs(t, file)
		if len(originals) == 0 {
			t.Fatalf("%s declares no struct", file)
		}
		for _, name := range slices.Sorted(maps.Keys(originals)) {
			got, ok := copies[prefix+name]
			if !ok {
				t.Errorf("proofreport.go has no %s%s, the copy of %s's %s", prefix, name, file, name)
				continue
			}
			want := originals[name]
			for i := range want {
				// The copy names the other types with the prefix.
				want[i] = strings.NewReplacer(prefixed(originals, prefix)...).Replace(want[i])
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s%s differs from %s's %s (make proofreport.go say what it says):\ngot  %q\nwant %q", prefix, name, file, name, got, want)
			}
		}
	}
}

// structs reads a file's struct types: each field as "Name Type `tag`".
func structs(t *testing.T, file string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.FromSlash(file), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		var fields []string
		for _, fl := range st.Fields.List {
			var typ strings.Builder
			if err := printer.Fprint(&typ, fset, fl.Type); err != nil {
				t.Fatal(err)
			}
			tag := ""
			if fl.Tag != nil {
				tag = fl.Tag.Value
			}
			for _, n := range fl.Names {
				fields = append(fields, n.Name+" "+typ.String()+" "+tag)
			}
		}
		out[ts.Name.Name] = fields
		return false
	})
	return out
}

// prefixed is a replacer's pairs that prefix each type name where it is a
// field's type: after a space, '*' or ']'.
func prefixed(types map[string][]string, prefix string) []string {
	var pairs []string
	for _, name := range slices.Sorted(maps.Keys(types)) {
		for _, before := range []string{" ", "*", "]"} {
			pairs = append(pairs, before+name+" ", before+prefix+name+" ")
		}
	}
	return pairs
}

// TestProofIstioIsIstioctls: istio-proof runs the istiod of the istioctl
// the suite validates with (hack/tools.sh's ISTIOCTL_VERSION), so that
// both layers judge by one Istio.
func TestProofIstioIsIstioctls(t *testing.T) {
	tools, err := os.ReadFile(filepath.Join(root, "hack", "tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ISTIOCTL_VERSION=(\S+)$`).FindSubmatch(tools)
	if m == nil {
		t.Fatal("hack/tools.sh sets no ISTIOCTL_VERSION")
	}
	mod, err := os.ReadFile(filepath.Join("proof", "istio", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "istio.io/istio " + string(m[1]); !strings.Contains(string(mod), want) {
		t.Errorf("conformance/proof/istio/go.mod does not require %s (hack/tools.sh's istioctl): bump both together", want)
	}
}
