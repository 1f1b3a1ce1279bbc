package v1alpha1

import "strings"

// QualifyHost is host h as the platform with the given domain renders it:
// lowercased, with the domain appended to a short host (one without a
// dot, or a wildcard over one: "*.apps" → "*.apps.<domain>").
func QualifyHost(h, domain string) string {
	h = strings.ToLower(h)
	if !IsShortHost(h) || domain == "" {
		return h
	}
	return h + "." + domain
}

// IsShortHost says whether h has no dot (but a wildcard's): the platform's
// domain is appended to it.
func IsShortHost(h string) bool {
	return !strings.Contains(strings.TrimPrefix(h, "*."), ".")
}
