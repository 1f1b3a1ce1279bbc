package fn

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// warnings are the settings that render but will not do what they say.
// They are reported and do not fail the run.
func warnings(srcs []source, p *v1alpha1.ExposurePlatformSpec) []problem {
	var ps []problem
	for _, s := range srcs {
		x := s.x
		// Istio looks a DestinationRule up in the client's namespace (the
		// gateway's) and the Service's; one elsewhere does not apply.
		if (len(x.Subsets) > 0 || x.Policy != nil) && x.Namespace != x.Service.Namespace && x.Namespace != p.Gateway.Namespace {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("metadata", "namespace"),
				fmt.Sprintf("the DestinationRule goes to namespace %s, where the ingress gateway does not look for it (it looks in %s and %s): its subsets and trafficPolicy will not apply; put the exposure in namespace %s",
					x.Namespace, p.Gateway.Namespace, x.Service.Namespace, x.Service.Namespace)))
		}
		ps = append(ps, routeWarnings(s)...)
		// An overlay's commonAnnotations reach the spec's metadata; an ALB
		// setting there would bypass the checks of spec.ingress.
		ann := s.node.GetAnnotations()
		for _, k := range slices.Sorted(maps.Keys(ann)) {
			if strings.HasPrefix(k, v1alpha1.ALBAnnotationPrefix) {
				ps = append(ps, s.problem(framework.Warning, field.NewPath("metadata", "annotations").Key(k),
					"is an ALB setting, which the annotations of the ServiceExposure itself do not carry to its Ingress (the others they carry to every object it renders): set it in spec.ingress.annotations"))
			}
		}
	}
	return ps
}

// routeWarnings are the routes of s that render but do not do what they
// seem to: one an earlier route shadows, and a prefix replaced by "/"
// where the matched prefix does not end in "/" (the path keeps the
// slash after it: /api/x becomes //x).
func routeWarnings(s source) []problem {
	var ps []problem
	routes := field.NewPath("spec", "routes")
	// On shared hosts, routes take the host's precedence, not their order.
	ordered := len(s.x.Hosts) > 0 || s.x.Mesh
	// The Gateway API tries the most specific match first (validation
	// refuses an order it would change), and replacing a prefix with "/"
	// takes its slash too.
	gatewayAPI := s.x.API == v1alpha1.APIGatewayAPI
	if gatewayAPI {
		ordered = false
	}
	for j, r := range s.x.Routes {
		for i := range j {
			if !ordered {
				break
			}
			if shadows(s.x.Routes[i].Match, r.Match) {
				ps = append(ps, s.problem(framework.Warning, routes.Index(j).Child("match"),
					fmt.Sprintf("is never reached: spec.routes[%d] before it matches every request this route matches (Istio takes the first route that matches): move this route above it", i)))
				break
			}
		}
		prefix := r.Match.Prefix
		for _, rp := range []struct {
			field, value string
		}{{"rewrite", rewritePrefix(r.Rewrite)}, {"redirect", redirectPrefix(r.Redirect)}} {
			if rp.value == "/" && prefix != "" && !strings.HasSuffix(prefix, "/") && !gatewayAPI {
				ps = append(ps, s.problem(framework.Warning, routes.Index(j).Child(rp.field, "prefix"),
					fmt.Sprintf("replaces the matched prefix %q with \"/\", and the slash after it stays: %s/x becomes //x; match prefix %q instead (and exact %q on a route of its own, if that path is served too)",
						prefix, prefix, prefix+"/", prefix)))
			}
		}
	}
	return ps
}

// shadows says whether every request match b selects is selected by
// match a: a has no condition but its path, and its path covers b's.
func shadows(a, b v1alpha1.Match) bool {
	if a.Method != "" || len(a.Headers) > 0 || len(a.QueryParams) > 0 {
		return false
	}
	switch {
	case a.Prefix == "/":
		return true
	case a.Prefix != "":
		return b.Prefix != "" && strings.HasPrefix(b.Prefix, a.Prefix) || b.Exact != "" && strings.HasPrefix(b.Exact, a.Prefix)
	case a.Exact != "":
		return b.Exact == a.Exact
	}
	return a.Regex != "" && a.Regex == b.Regex
}

func rewritePrefix(rw *v1alpha1.Rewrite) string {
	if rw == nil {
		return ""
	}
	return rw.Prefix
}

func redirectPrefix(rd *v1alpha1.Redirect) string {
	if rd == nil {
		return ""
	}
	return rd.Prefix
}
