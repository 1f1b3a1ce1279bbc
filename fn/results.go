package fn

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/krmfn/krm-fn/internal/krmio"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// problem is one thing wrong with the input, or a warning: the object it
// is about (nil: the input as a whole), the field, and what is wrong.
type problem struct {
	node     *yaml.RNode
	severity framework.Severity
	field    string // the field path, as field.Path.String(); "": the object as a whole
	message  string
}

// at is p about the field at path.
func (p problem) at(path *field.Path) problem {
	p.field = path.String()
	return p
}

// fieldProblems are the problems of errs, field errors about node.
func fieldProblems(node *yaml.RNode, sev framework.Severity, errs field.ErrorList) []problem {
	ps := make([]problem, 0, len(errs))
	for _, e := range errs {
		if v, ok := e.BadValue.(string); ok && len(v) > maxQuoted {
			short := *e
			short.BadValue = excerpt(v, maxQuoted)
			e = &short
		}
		ps = append(ps, problem{node: node, severity: sev, field: e.Field, message: e.ErrorBody()})
	}
	return ps
}

// result is the KRM result of p: the object, its field path and the file
// the object came from (when the orchestrator says), with the line of the
// field where lines finds it.
func (p problem) result(lines *krmio.Lines) *framework.Result {
	r := &framework.Result{Severity: p.severity, Message: excerpt(p.message, maxMessage)}
	if p.field != "" && p.field != "<nil>" {
		r.Field = &framework.Field{Path: p.field}
	}
	if p.node.IsNil() {
		return r
	}
	if msg, _ := krmio.NotAnObject(p.node, "it"); msg != "" {
		// kyaml's accessors panic on what is no object: the message
		// says what it is.
		return r
	}
	r.ResourceRef = &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: p.node.GetApiVersion(), Kind: p.node.GetKind()},
		NameMeta: yaml.NameMeta{Name: p.node.GetName(), Namespace: p.node.GetNamespace()},
	}
	if file, idx, err := kioutil.GetFileAnnotations(p.node); err == nil && file != "" {
		i, _ := strconv.Atoi(idx)
		r.File = &framework.File{Path: file, Index: i}
	} else if file := originFile(p.node); file != "" {
		r.File = &framework.File{Path: file, Index: krmio.NoIndex}
	}
	if r.File != nil {
		if line := lines.Line(r.File.Path, p.node.YNode(), p.field); line > 0 {
			r.Tags = map[string]string{krmio.LineTag: strconv.Itoa(line)}
		}
	}
	return r
}

// originAnnotation is where kustomize records the file an object came
// from, when the kustomization asks (buildMetadata: [originAnnotations];
// krm-fn render always does).
const originAnnotation = "config.kubernetes.io/origin"

// originFile is the file kustomize says n came from: the path of its
// origin annotation (relative to the kustomization built); "" if none.
func originFile(n *yaml.RNode) string {
	o, ok := n.GetAnnotations(originAnnotation)[originAnnotation]
	if !ok {
		return ""
	}
	var origin struct {
		Path string `json:"path"`
	}
	if err := sigsyaml.Unmarshal([]byte(o), &origin); err != nil {
		return ""
	}
	return origin.Path
}

// results are the KRM results of problems, sorted as kyaml sorts them.
func results(ps []problem, lines *krmio.Lines) framework.Results {
	rs := make(framework.Results, 0, len(ps))
	for _, p := range ps {
		rs = append(rs, p.result(lines))
	}
	rs.Sort()
	// Then in the order of their lines, in each file.
	slices.SortStableFunc(rs, func(a, b *framework.Result) int {
		if a.File == nil || b.File == nil || a.File.Path != b.File.Path || a.File.Index != b.File.Index {
			return 0
		}
		return lineOf(a) - lineOf(b)
	})
	return rs
}

// lineOf is the line of r (krmio.LineTag); 0 when not known.
func lineOf(r *framework.Result) int {
	n, _ := strconv.Atoi(r.Tags[krmio.LineTag])
	return n
}

// describeNode names the object of node, with its file when known.
func describeNode(n *yaml.RNode) string { return describeAt(n, nil) }

// describeAt names the object of node, with its file when known, and its
// line in it where lines finds it (else, given by kpt, its index).
func describeAt(n *yaml.RNode, lines *krmio.Lines) string {
	s := krmio.Describe(n.GetKind(), n.GetNamespace(), n.GetName())
	file, idx, err := kioutil.GetFileAnnotations(n)
	if err != nil || file == "" {
		file, idx = originFile(n), ""
	}
	switch line := lines.Line(file, n.YNode(), ""); {
	case file == "":
	case line > 0:
		s += fmt.Sprintf(" (%s:%d)", file, line)
	case idx != "":
		s += " (" + file + ":" + idx + ")"
	default:
		s += " (" + file + ")"
	}
	return s
}

// maxMessage bounds a problem's message: a bad value is quoted in part,
// never whole.
const (
	maxMessage = 1024
	maxQuoted  = 256
)

// excerpt is s cut to at most n bytes (on a character boundary), with how
// much was left out.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], len(s))
}
