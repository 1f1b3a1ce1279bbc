package krmio

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// TestFormatResultIsOneLine: a file name, a message or a value quoted in
// it may hold line breaks and other control characters (a repository
// names its files); the line keeps them as escapes, so no line of its
// own starts inside it.
func TestFormatResultIsOneLine(t *testing.T) {
	r := &framework.Result{
		Severity: framework.Error,
		Message:  "bad\r\nvalue \x1b[31mred\u0085\u2028",
		File:     &framework.File{Path: "a\n::error file=README.md::x\n.yaml", Index: 2},
		Tags:     map[string]string{LineTag: "7"},
	}
	got := FormatResult(r)
	want := `a\n::error file=README.md::x\n.yaml:7: bad\r\nvalue \x1b[31mred\u0085\u2028`
	if got != want {
		t.Errorf("FormatResult:\n got %s\nwant %s", got, want)
	}
	if s := "tabs\tstay, and ünïcode"; OneLine(s) != s {
		t.Errorf("OneLine(%q) = %q, want it unchanged", s, OneLine(s))
	}
}
