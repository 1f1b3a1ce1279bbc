package krmio

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// NoIndex is the index of a result's file whose documents are not
// counted (a file kustomize's origin annotation names).
const NoIndex = -1

// FormatResult renders a result as one line for stderr:
// "file:line: [warning: ]Kind namespace/name: spec.path: what is wrong"
// (file:index when the line of the field in its file is not known, file:
// when neither is).
func FormatResult(r *framework.Result) string {
	var b strings.Builder
	switch {
	case r.File == nil:
	case r.Tags[LineTag] != "":
		fmt.Fprintf(&b, "%s:%s: ", r.File.Path, r.Tags[LineTag])
	case r.File.Index == NoIndex:
		fmt.Fprintf(&b, "%s: ", r.File.Path)
	default:
		fmt.Fprintf(&b, "%s:%d: ", r.File.Path, r.File.Index)
	}
	if r.Severity == framework.Warning {
		b.WriteString("warning: ")
	}
	if ref := r.ResourceRef; ref != nil {
		b.WriteString(Describe(ref.Kind, ref.Namespace, ref.Name))
		b.WriteString(": ")
	}
	if r.Field != nil {
		b.WriteString(r.Field.Path)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return OneLine(b.String())
}

// OneLine is s with its control characters (but tab) written as Go
// escapes ("\n", "\x1b", "\u2028"): a problem is one line, whatever
// file name or value it quotes. A line break in a file name, which a
// repository chooses, would otherwise start a line of the problem's text
// of its own, and CI reads some lines ("::error ...", GitHub Actions'
// workflow commands) as commands.
func OneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isControl says whether r is a control character that is no tab: C0,
// DEL, C1 (NEL among them), and the Unicode line and paragraph
// separators.
func isControl(r rune) bool {
	return r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == '\u2028' || r == '\u2029')
}

// Describe names an object as "Kind namespace/name" (or "Kind name").
func Describe(kind, namespace, name string) string {
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

// Failure is the error of a run whose input has problems. Each problem
// has already been printed on its own line; this is the closing line.
type Failure struct{ Errors int }

func (f Failure) Error() string {
	if f.Errors == 1 {
		return "krm-fn: 1 error; nothing was rendered"
	}
	return fmt.Sprintf("krm-fn: %d errors; nothing was rendered", f.Errors)
}
