package v1alpha1

import "strings"

// AnyHost is the host that is every host: never qualified with the domain.
const AnyHost = "*"

// QualifyHost is host h as the platform with the given domain renders it:
// lowercased (its ASCII letters only: validation refuses any other, which
// Unicode's folding could turn into ASCII), with the domain appended to a
// short host (one without a dot, or a wildcard over one: "*.apps" →
// "*.apps.<domain>").
func QualifyHost(h, domain string) string {
	h = asciiLower(h)
	if h == AnyHost || !IsShortHost(h) || domain == "" {
		return h
	}
	return h + "." + domain
}

// IsShortHost says whether h has no dot (but a wildcard's): the platform's
// domain is appended to it.
func IsShortHost(h string) bool {
	return h != AnyHost && !strings.Contains(strings.TrimPrefix(h, "*."), ".")
}
