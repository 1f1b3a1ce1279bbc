package fn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// slashPrefixes finds the routes that the two APIs would route
// differently because their prefix ends in "/". With api: istio, prefix
// "/orders/" is Envoy's prefix of those bytes: /orders/x matches, /orders
// does not and goes to the routes after it. With api: gateway-api it is
// the HTTPRoute's PathPrefix, which matches whole path segments and
// ignores a trailing "/" (Istio renders it as the path-separated prefix
// /orders, createURIMatch and route.go): /orders matches too. The two
// agree when a route matching exact /orders, on every host the prefix
// route serves, takes /orders first under both: an earlier route of the
// same exposure (the Gateway API tries exact paths first, and validation
// keeps the written order the same as that), or, on a shared host, a
// route of any exposure that claims it (the host's precedence tries exact
// paths first under both). Its method, headers and query parameters must
// be among the prefix route's, so that it takes every request to /orders
// the prefix route would. Without one it is an error.
func slashPrefixes(env *model.Environment, xs exposures) []problem {
	if env.Platform.API != v1alpha1.APIGatewayAPI {
		return nil
	}
	// The exact matches of the routes of each shared host's claims, by
	// path: a host may have thousands of claims.
	exacts := map[string]map[string][]v1alpha1.Match{}
	for _, h := range env.SharedHosts {
		byPath := map[string][]v1alpha1.Match{}
		for _, y := range h.Claimants {
			for _, r := range y.Routes {
				if r.Match.Exact != "" {
					byPath[r.Match.Exact] = append(byPath[r.Match.Exact], r.Match)
				}
			}
		}
		exacts[h.Host] = byPath
	}
	var ps []problem
	for _, s := range xs.list {
		x := s.x
		if x.Passthrough {
			continue // tls routes, by SNI
		}
		for j, r := range x.Routes {
			prefix := r.Match.Prefix
			if prefix == "/" || !strings.HasSuffix(prefix, "/") {
				continue
			}
			path := strings.TrimSuffix(prefix, "/")
			if takesFirst(x.Routes[:j], path, r.Match) {
				continue // everywhere its routes apply
			}
			var uncovered []string
			if len(x.Hosts) > 0 || x.Mesh {
				uncovered = append(uncovered, ownRouting(x))
			}
			if x.SharesHosts() {
				// On a shared host exact paths come first, under both APIs.
				for _, h := range x.SharedHosts {
					if !slices.ContainsFunc(exacts[h][path], func(m v1alpha1.Match) bool { return conditionsAmong(m, r.Match) }) {
						uncovered = append(uncovered, fmt.Sprintf("on shared host %q", h))
					}
				}
			}
			if len(uncovered) == 0 {
				continue
			}
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "routes").Index(j).Child("match", "prefix"), fmt.Sprintf(
				"with api: gateway-api this is the PathPrefix %[3]q, which ignores its trailing \"/\" and takes %[1]s too, where api: istio's prefix leaves %[1]s to the routes after it (%[2]s, no route matching exact %[1]s comes first): put a route with match {exact: %[1]s} before it (a redirect to %[3]s, say) so that both APIs send %[1]s there, or match prefix %[1]s to take it here under both",
				path, strings.Join(uncovered, "; "), prefix)))
		}
	}
	return ps
}

// ownRouting names where an exposure's own routes apply: its own hosts,
// the mesh, or both.
func ownRouting(x *model.Exposure) string {
	switch {
	case len(x.Hosts) > 0 && x.Mesh:
		return "on its own hosts and in the mesh"
	case x.Mesh:
		return "in the mesh"
	}
	return "on its own hosts"
}

// takesFirst says whether one of routes (those before the prefix route
// m) matches exact path and every request to it that m matches.
func takesFirst(routes []model.Route, path string, m v1alpha1.Match) bool {
	for _, r := range routes {
		if r.Match.Exact == path && conditionsAmong(r.Match, m) {
			return true
		}
	}
	return false
}

// conditionsAmong says whether every condition of a but its path (method,
// headers, query parameters) is one of b's: then a matches every request
// to its path that b matches.
func conditionsAmong(a, b v1alpha1.Match) bool {
	if a.Method != "" && a.Method != b.Method {
		return false
	}
	among := func(as, bs map[string]v1alpha1.StringMatch) bool {
		for k, v := range as {
			if w, ok := bs[k]; !ok || w != v {
				return false
			}
		}
		return true
	}
	return among(a.Headers, b.Headers) && among(a.QueryParams, b.QueryParams)
}
