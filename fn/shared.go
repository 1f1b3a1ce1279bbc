package fn

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// sharedHosts assembles the hosts of the platform's sharedHosts that
// exposures claim: each with the routes of all its claims, in the host's
// precedence (most specific first). Two claims with the same match, and a
// claim by an exposure whose spec.ingress would change the ALB settings of
// the host, are problems.
func sharedHosts(srcs []source, p *v1alpha1.ExposurePlatformSpec) ([]*model.SharedHost, []problem) {
	type claim struct {
		src   source
		route int // its index in spec.routes
	}
	claims := map[string][]claim{}
	var ps []problem
	for _, s := range srcs {
		for j, h := range s.x.SharedHosts {
			if s.x.IngressOverrides {
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "ingress"),
					fmt.Sprintf("host %q is shared (spec.sharedHosts of the ExposurePlatform), and its one Ingress takes the platform's ALB settings: remove spec.ingress, or the host (spec.hosts[%d])", h, s.x.SharedIndex[j])))
				continue
			}
			if s.x.Service.Protocol == v1alpha1.ProtocolGRPC {
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "hosts").Index(s.x.SharedIndex[j]),
					fmt.Sprintf("host %q is shared (spec.sharedHosts of the ExposurePlatform), and its one Ingress has the platform's HTTP/1.1 target group, through which gRPC does not pass: give the gRPC service a host of its own", h)))
				continue
			}
			for i := range s.x.Routes {
				claims[h] = append(claims[h], claim{s, i})
			}
		}
	}
	var hosts []*model.SharedHost
	for _, h := range slices.Sorted(maps.Keys(claims)) {
		cs := claims[h]
		slices.SortStableFunc(cs, func(a, b claim) int {
			return cmp.Or(cmpPrecedence(a.src.x.Routes[a.route].Match, b.src.x.Routes[b.route].Match),
				strings.Compare(a.src.x.Owner, b.src.x.Owner), cmp.Compare(a.route, b.route))
		})
		sh := model.NewSharedHost(h, p)
		for i, c := range cs {
			if i == 0 {
				sh.Carried = c.src.x.Carried
			} else {
				sh.Carried = sh.Carried.Common(c.src.x.Carried)
			}
		}
		seen := map[string]claim{}
		for _, c := range cs {
			m := c.src.x.Routes[c.route].Match
			key := matchKey(m)
			if first, ok := seen[key]; ok && first.src.x != c.src.x {
				ps = append(ps, c.src.problem(framework.Error, field.NewPath("spec", "routes").Index(c.route).Child("match"),
					fmt.Sprintf("on shared host %q, %s also matches exactly these requests (spec.routes[%d]): a request goes to one route only; give one of them another path, method, headers or query parameters",
						h, describeNode(first.src.node), first.route)))
				continue
			}
			seen[key] = c
			sh.Routes = append(sh.Routes, c.src.x.Routes[c.route])
		}
		hosts = append(hosts, sh)
	}
	return hosts, ps
}

// cmpPrecedence orders the matches of a shared host, most specific first:
// exact paths, then prefixes longest first, then regexes (in the order
// claimed); on the same path, one with a method, headers or query
// parameters before one without.
func cmpPrecedence(a, b v1alpha1.Match) int {
	if c := cmp.Compare(a.PathRank(), b.PathRank()); c != 0 || a.PathRank() == 2 {
		return c
	}
	path := func(m v1alpha1.Match) string { return m.Exact + m.Prefix }
	conditions := func(m v1alpha1.Match) int {
		if m.Method != "" || len(m.Headers) > 0 || len(m.QueryParams) > 0 {
			return 0
		}
		return 1
	}
	return cmp.Or(
		-cmp.Compare(len(path(a)), len(path(b))), // longest first
		strings.Compare(path(a), path(b)),
		cmp.Compare(conditions(a), conditions(b)))
}

// matchKey says what requests a match selects, for finding two claims of
// the same requests.
func matchKey(m v1alpha1.Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q %q", m.Exact, m.Prefix, m.Regex, m.Method)
	for _, set := range []map[string]v1alpha1.StringMatch{m.Headers, m.QueryParams} {
		for _, k := range slices.Sorted(maps.Keys(set)) {
			fmt.Fprintf(&b, " %q=%q/%q/%q", k, set[k].Exact, set[k].Prefix, set[k].Regex)
		}
		b.WriteString(" |")
	}
	return b.String()
}

// grpcHealthChecks finds the gRPC exposures whose ALB health check another
// exposure's host "*" would answer. The check of a GRPC target group calls
// the gateway on the traffic port with no host of the exposure's, which
// passes because no route matches (the gateway answers gRPC status 12);
// a VirtualService for every host matches it, and its service answers
// instead.
func grpcHealthChecks(srcs []source, shared []*model.SharedHost) []problem {
	anyHost := ""
	for _, h := range shared {
		if h.Host == v1alpha1.AnyHost {
			anyHost = "the platform's shared host \"*\""
		}
	}
	for _, s := range srcs {
		if slices.Contains(s.x.Hosts, v1alpha1.AnyHost) && anyHost == "" {
			anyHost = "host \"*\" of " + describeNode(s.node)
		}
	}
	if anyHost == "" {
		return nil
	}
	var ps []problem
	for _, s := range srcs {
		ann := s.x.Ingress.Annotations
		if len(s.x.Hosts) > 0 && ann[v1alpha1.ALBBackendProtoVer] == v1alpha1.BackendProtocolVersionGRPC && ann[v1alpha1.ALBHealthCheckPort] == v1alpha1.HealthCheckPortTrafficPort {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service", "protocol"),
				fmt.Sprintf("the ALB's gRPC health check reaches the gateway on the traffic port with no host of this exposure's, and %s routes every request no other host takes, that one too: the target group would never be healthy; set %s: status-port in spec.ingress.annotations",
					anyHost, v1alpha1.ALBHealthCheckPort)))
		}
	}
	return ps
}
