package fn

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// resultsFor turns field errors about node into KRM results.
func resultsFor(node *yaml.RNode, sev framework.Severity, errs field.ErrorList) framework.Results {
	var rs framework.Results
	for _, e := range errs {
		rs = append(rs, result(node, sev, e.Field, e.ErrorBody()))
	}
	return rs
}

// result is one problem with the object it is about, its field path and
// the file the object came from (when the orchestrator says).
func result(node *yaml.RNode, sev framework.Severity, path, msg string) *framework.Result {
	r := &framework.Result{Severity: sev, Message: msg}
	if path != "" && path != "<nil>" {
		r.Field = &framework.Field{Path: path}
	}
	if node == nil {
		return r
	}
	r.ResourceRef = &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: node.GetApiVersion(), Kind: node.GetKind()},
		NameMeta: yaml.NameMeta{Name: node.GetName(), Namespace: node.GetNamespace()},
	}
	if file, idx, err := kioutil.GetFileAnnotations(node); err == nil && file != "" {
		i, _ := strconv.Atoi(idx)
		r.File = &framework.File{Path: file, Index: i}
	}
	return r
}

// formatResult renders a result as one line for stderr:
// "file:index: [warning: ]Kind namespace/name: spec.path: what is wrong".
func formatResult(r *framework.Result) string {
	var b strings.Builder
	if r.File != nil {
		fmt.Fprintf(&b, "%s:%d: ", r.File.Path, r.File.Index)
	}
	if r.Severity == framework.Warning {
		b.WriteString("warning: ")
	}
	if ref := r.ResourceRef; ref != nil {
		b.WriteString(describe(ref.Kind, ref.Namespace, ref.Name))
		b.WriteString(": ")
	}
	if r.Field != nil {
		b.WriteString(r.Field.Path)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

// describe names an object as "Kind namespace/name" (or "Kind name").
func describe(kind, namespace, name string) string {
	if kind == "" {
		kind = "object"
	}
	if name == "" {
		name = "(unnamed)"
	}
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

// describeNode names the object of node, with its file when known.
func describeNode(n *yaml.RNode) string {
	s := describe(n.GetKind(), n.GetNamespace(), n.GetName())
	if file, idx, err := kioutil.GetFileAnnotations(n); err == nil && file != "" {
		s += " (" + file + ":" + idx + ")"
	}
	return s
}

// failure is the error a run with error results returns. Each problem has
// already been printed on its own line; this is the closing line.
type failure struct{ errors int }

func (f failure) Error() string {
	if f.errors == 1 {
		return "krm-fn: 1 error; nothing was rendered"
	}
	return fmt.Sprintf("krm-fn: %d errors; nothing was rendered", f.errors)
}
