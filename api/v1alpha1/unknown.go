package v1alpha1

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// UnknownField is the error of a field at path, the last part of which
// (name) is none of the known names of its object: with the known name it
// was most likely meant to be, if one is close enough to be a typo. Strict
// decoding reports every unknown field of a spec this way, Istio's
// trafficPolicy included.
func UnknownField(path, name string, known []string) *field.Error {
	detail := "unknown field"
	if s := closest(name, known); s != "" {
		detail += fmt.Sprintf(", did you mean %q?", s)
	}
	return &field.Error{Type: field.ErrorTypeNotSupported, Field: path, BadValue: field.OmitValueType{}, Detail: detail}
}

// closest is the name of names closest to unknown by edit distance,
// ignoring case, if it is close enough to be a likely typo (at most about
// half of unknown differs); else "".
func closest(unknown string, names []string) string {
	best, bestDist := "", len(unknown)/2+1
	for _, name := range names {
		if d := levenshtein(strings.ToLower(unknown), strings.ToLower(name)); d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
