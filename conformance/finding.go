package conformance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Component is what objected to an object.
type Component string

const (
	APIServer     Component = "kube-apiserver"
	IstioValidate Component = "istioctl validate"
	IstioAnalyze  Component = "istioctl analyze"
	ALBCheck      Component = "ALB annotation check"
	// Allowances reports a problem with a source's allowed-warnings.yaml.
	Allowances Component = AllowancesFile
)

// Severity of a finding. Both fail a run; a warning can be allowed by the
// source's allowed-warnings.yaml, an error never.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one objection to one object of a source.
type Finding struct {
	Source    string // the overlay or golden file the object came from
	Object    string // Object.ID(); empty when about the source as a whole
	Component Component
	Severity  Severity
	Words     string // what the component said
}

// String reads "SOURCE: OBJECT: COMPONENT SEVERITY: WORDS", continuation
// lines of the component's words indented under it.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Source)
	if f.Object != "" {
		b.WriteString(": " + f.Object)
	}
	fmt.Fprintf(&b, ": %s %s: ", f.Component, f.Severity)
	b.WriteString(strings.ReplaceAll(strings.TrimSpace(f.Words), "\n", "\n    "))
	return b.String()
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Source, b.Source),
			cmp.Compare(a.Object, b.Object),
			cmp.Compare(a.Component, b.Component),
			cmp.Compare(a.Words, b.Words),
		)
	})
}
