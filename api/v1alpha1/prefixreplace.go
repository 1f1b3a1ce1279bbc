package v1alpha1

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A rewrite or redirect that replaces the matched prefix works on other
// bytes under each API. With api: istio the route's prefix is Envoy's
// prefix of those bytes, and the replacement takes its place: prefix
// /api/ replaced with / makes /api/x /x, prefix /api replaced with /
// makes it //x. With api: gateway-api Istio renders the HTTPRoute's
// PathPrefix as the path-separated prefix without a trailing "/" (/api
// for /api/ and /api alike), and then (pilot/pkg/networking/core/route,
// pilot/pkg/config/kube/gateway createRewriteFilter, createRedirectFilter):
//   - a URLRewrite's ReplacePrefixMatch loses its trailing "/"; "/" alone
//     removes the prefix and the slash after it (/api/x is /x), anything
//     else replaces the path segments (/api/x with /v2 is /v2/x);
//   - a RequestRedirect's ReplacePrefixMatch replaces the path segments
//     as written, the slash after them kept (/api/x with / is //x).
// The functions below compute both, so that a replacement the APIs would
// do differently is an error, and a redirect is rendered so that they do
// not where it can be.

// GatewayAPIRedirectPrefix is the ReplacePrefixMatch of a RequestRedirect
// that replaces prefix match with prefix under api: gateway-api: where
// match ends in "/" (not "/" alone), Istio keeps the slash after the path
// it matches, so a replacement ending in "/" loses it (/docs/ by /guides/
// is ReplacePrefixMatch /guides: /docs/x is /guides/x under both APIs).
// Validation refuses the replacements no ReplacePrefixMatch gives back.
func GatewayAPIRedirectPrefix(match, prefix string) string {
	if match != "/" && strings.HasSuffix(match, "/") && prefix != "/" {
		return strings.TrimSuffix(prefix, "/")
	}
	return prefix
}

// replacedPrefix is path (which prefix match matches) with match replaced
// by prefix, as Envoy does it for api: istio.
func replacedPrefix(match, prefix, path string) string {
	return prefix + path[len(match):]
}

// gatewayAPIMatched is what of a path Istio matches for the Gateway API's
// PathPrefix match: the path segments, without a trailing "/" ("/" alone
// as it is).
func gatewayAPIMatched(match string) string {
	if match == "/" {
		return match
	}
	return strings.TrimSuffix(match, "/")
}

// gatewayAPIRewritten is path rewritten by an HTTPRoute rule matching
// PathPrefix match with a URLRewrite ReplacePrefixMatch prefix, as Istio
// renders it.
func gatewayAPIRewritten(match, prefix, path string) string {
	if uri := strings.TrimSuffix(prefix, "/"); uri != "" {
		return replacedPrefix(gatewayAPIMatched(match), uri, path)
	}
	// The regex ^<prefix>(/?)(.*) → /\2, on the path-separated prefix
	// (none for the match "/").
	rest := path[len(gatewayAPIMatched(match)):]
	if match == "/" {
		rest = path
	}
	return "/" + strings.TrimPrefix(rest, "/")
}

// gatewayAPIRedirected is the path of the redirect of an HTTPRoute rule
// matching PathPrefix match with a RequestRedirect ReplacePrefixMatch
// prefix, as Istio renders it.
func gatewayAPIRedirected(match, prefix, path string) string {
	return replacedPrefix(gatewayAPIMatched(match), prefix, path)
}

// samplePath is a path under prefix match, below the path it names: what
// both APIs match (/api/x for /api and /api/ alike).
func samplePath(match string) string {
	return strings.TrimSuffix(match, "/") + "/x"
}

// gatewayAPIReplacements checks that route r's rewrite.prefix and
// redirect.prefix, under api: gateway-api, give the paths api: istio
// gives.
func gatewayAPIReplacements(p *field.Path, r *Route) field.ErrorList {
	m := r.Match.Prefix
	if m == "" {
		return nil // validation refuses a prefix replacement without a prefix match
	}
	path := samplePath(m)
	var errs field.ErrorList
	if rw := r.Rewrite; rw != nil && rw.Prefix != "" {
		gw, istio := gatewayAPIRewritten(m, rw.Prefix, path), replacedPrefix(m, rw.Prefix, path)
		if gw != istio {
			errs = append(errs, field.Invalid(p.Child("rewrite", "prefix"), rw.Prefix, fmt.Sprintf(
				"with api: gateway-api Istio rewrites %s to %s, where api: istio rewrites it to %s (%s): %s",
				path, gw, istio, prefixWhy(m, rw.Prefix, false), prefixFix(m, rw.Prefix, path, "rewrite"))))
		}
	}
	if rd := r.Redirect; rd != nil && rd.Prefix != "" {
		gw, istio := gatewayAPIRedirected(m, GatewayAPIRedirectPrefix(m, rd.Prefix), path), replacedPrefix(m, rd.Prefix, path)
		if gw != istio {
			errs = append(errs, field.Invalid(p.Child("redirect", "prefix"), rd.Prefix, fmt.Sprintf(
				"with api: gateway-api Istio redirects %s to %s, where api: istio redirects it to %s (%s): %s",
				path, gw, istio, prefixWhy(m, rd.Prefix, true), prefixFix(m, rd.Prefix, path, "redirect"))))
		}
	}
	return errs
}

// prefixWhy says why the Gateway API's replacement of match by prefix
// differs from Istio's VirtualService's.
func prefixWhy(match, prefix string, redirect bool) string {
	switch {
	case match == "/":
		return fmt.Sprintf("Istio's Gateway API rewrite drops the trailing \"/\" of %q", prefix)
	case redirect && strings.HasSuffix(match, "/"):
		return fmt.Sprintf("Istio's Gateway API redirect replaces the path segment %s and keeps the slash after it", gatewayAPIMatched(match))
	case strings.HasSuffix(match, "/"):
		return fmt.Sprintf("the Gateway API replaces the path segment %s, and keeps the slash after it", gatewayAPIMatched(match))
	}
	return fmt.Sprintf("the Gateway API replaces the path segment %s and the slash after it", match)
}

// prefixFix says how to make the replacement of match by prefix the same
// under both APIs, with path as the example; what is rewrite or redirect.
func prefixFix(match, prefix, path, what string) string {
	switch {
	case match == "/" || what == "redirect" && prefix == "/":
		return fmt.Sprintf("no %s of a prefix gives %s with the Gateway API as Istio implements it: %s to a whole path (%s.path), or render this environment with api: istio",
			what, replacedPrefix(match, prefix, path), what, what)
	case strings.HasSuffix(match, "/"):
		fixed := prefix + "/"
		return fmt.Sprintf("end it with \"/\" (%q) to %s %s to %s under both", fixed, what, path, replacedPrefix(match, fixed, path))
	}
	fixed := match + "/"
	return fmt.Sprintf("match prefix %q instead (and exact %q on a route of its own before it, if that path is served too) to %s %s to %s under both",
		fixed, match, what, path, replacedPrefix(fixed, prefix, path))
}
