package fn

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// warnings are the settings that render but will not do what they say.
// They are reported and do not fail the run.
func warnings(env *model.Environment, xs exposures) []problem {
	p := env.Platform
	var ps []problem
	for _, s := range xs.list {
		x := s.x
		// Istio looks a DestinationRule up in the client's namespace (the
		// gateway's) and the Service's; one elsewhere does not apply.
		if (len(x.Subsets) > 0 || x.Policy != nil) && x.Namespace != x.Service.Namespace && x.Namespace != p.Gateway.Namespace {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("metadata", "namespace"),
				fmt.Sprintf("the DestinationRule goes to namespace %s, where the ingress gateway does not look for it (it looks in %s and %s): its subsets and trafficPolicy will not apply; put the exposure in namespace %s",
					x.Namespace, p.Gateway.Namespace, x.Service.Namespace, x.Service.Namespace)))
		}
		ps = append(ps, routeWarnings(s)...)
		ps = append(ps, preflightWarnings(s)...)
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
func routeWarnings(s exposure) []problem {
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
	earlier := newShadowIndex()
	for j, r := range s.x.Routes {
		if i := earlier.covering(r.Match); ordered && i >= 0 {
			ps = append(ps, s.problem(framework.Warning, routes.Index(j).Child("match"),
				fmt.Sprintf("is never reached: spec.routes[%d] before it matches every request this route matches (Istio takes the first route that matches): move this route above it", i)))
		}
		earlier.add(j, r.Match)
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

// shadowIndex holds the matches of the routes seen so far that have no
// condition but their path, so that the first of them whose path covers
// a later match's (every request it selects) is found in the time of
// that match's path, not of the number of routes: a spec may have
// thousands.
type shadowIndex struct {
	slash        int            // the first prefix "/", which covers everything; -1
	exact, regex map[string]int // the first of each exact path and regex
	prefixes     *prefixNode    // the first of each prefix, by its bytes
}

// prefixNode is a node of a trie of path prefixes. Most nodes have one
// child: a list takes a few bytes where a map takes a few hundred.
type prefixNode struct {
	next  []prefixEdge
	index int // the first route whose prefix ends here; -1
}

// prefixEdge leads to the node of one more byte.
type prefixEdge struct {
	c    byte
	node *prefixNode
}

// child is n's child for byte c; nil if none.
func (n *prefixNode) child(c byte) *prefixNode {
	for _, e := range n.next {
		if e.c == c {
			return e.node
		}
	}
	return nil
}

func newShadowIndex() *shadowIndex {
	return &shadowIndex{slash: -1, exact: map[string]int{}, regex: map[string]int{}, prefixes: &prefixNode{index: -1}}
}

// add records match m of route i, if only its path conditions it.
func (x *shadowIndex) add(i int, m v1alpha1.Match) {
	if m.Method != "" || len(m.Headers) > 0 || len(m.QueryParams) > 0 {
		return
	}
	first := func(seen map[string]int, k string) {
		if _, ok := seen[k]; !ok {
			seen[k] = i
		}
	}
	switch {
	case m.Prefix == "/":
		if x.slash < 0 {
			x.slash = i
		}
	case m.Prefix != "":
		n := x.prefixes
		for _, c := range []byte(m.Prefix) {
			next := n.child(c)
			if next == nil {
				next = &prefixNode{index: -1}
				n.next = append(n.next, prefixEdge{c, next})
			}
			n = next
		}
		if n.index < 0 {
			n.index = i
		}
	case m.Exact != "":
		first(x.exact, m.Exact)
	case m.Regex != "":
		first(x.regex, m.Regex)
	}
}

// covering is the first route added whose match selects every request m
// selects: a prefix "/", a prefix of m's prefix or exact path, the same
// exact path or the same regex; -1 if none does.
func (x *shadowIndex) covering(m v1alpha1.Match) int {
	best := x.slash
	better := func(i int) {
		if i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if i, ok := x.exact[m.Exact]; ok && m.Exact != "" {
		better(i)
	}
	if i, ok := x.regex[m.Regex]; ok && m.Regex != "" {
		better(i)
	}
	for _, path := range []string{m.Prefix, m.Exact} {
		n := x.prefixes
		for k := 0; k < len(path) && n != nil; k++ {
			if n = n.child(path[k]); n != nil {
				better(n.index)
			}
		}
	}
	return best
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

// preflightWarnings are the routes with a CORS policy that a browser's
// preflight cannot reach. Before a cross-origin request with a method or
// headers of its own, a browser sends an OPTIONS request to the same URL
// (its query included) without those headers, and Envoy answers it with
// the CORS policy of the route that request matches: a route that matches
// a method other than OPTIONS, or headers a preflight does not carry,
// never gets it. When the route a preflight for its path does match (the
// first of the exposure's whose path covers it, with no such condition)
// has no CORS policy, or there is none, the browser gets no CORS answer
// and refuses the request.
func preflightWarnings(s exposure) []problem {
	var ps []problem
	routes := field.NewPath("spec", "routes")
	for j, r := range s.x.Routes {
		if r.CORS == nil || preflightMeets(r.Match, r.Match) {
			continue
		}
		taker := -1
		for k, q := range s.x.Routes {
			if preflightMeets(q.Match, r.Match) {
				taker = k
				break
			}
		}
		why := "no route of this exposure takes it"
		if taker >= 0 {
			if s.x.Routes[taker].CORS != nil {
				continue
			}
			why = fmt.Sprintf("spec.routes[%d] takes it, which has no cors", taker)
		}
		ps = append(ps, s.problem(framework.Warning, routes.Index(j).Child("cors"),
			fmt.Sprintf("a browser's preflight (an OPTIONS request to the same path, without %s) does not match this route, and %s: browsers will refuse the cross-origin requests; set the same cors on a route of the path without the method and header match (or in spec.routeDefaults)",
				preflightLacks(r.Match), why)))
	}
	return ps
}

// preflightHeaders are the headers of a preflight request a route may
// match on (besides the host).
var preflightHeaders = []string{"origin", "access-control-request-method", "access-control-request-headers", "host", ":authority"}

// preflightMeets says whether a preflight for a request that match m
// selects (its path and query) is selected by q: q asks for no method
// but OPTIONS, no header a preflight lacks, no query parameter m does not
// ask for the same way, and its path covers m's.
func preflightMeets(q, m v1alpha1.Match) bool {
	if q.Method != "" && q.Method != "OPTIONS" {
		return false
	}
	for h := range q.Headers {
		if !slices.Contains(preflightHeaders, strings.ToLower(h)) {
			return false
		}
	}
	for k, v := range q.QueryParams {
		if w, ok := m.QueryParams[k]; !ok || w != v {
			return false
		}
	}
	switch {
	case q.Prefix != "":
		return m.Prefix != "" && strings.HasPrefix(m.Prefix, q.Prefix) || m.Exact != "" && strings.HasPrefix(m.Exact, q.Prefix)
	case q.Exact != "":
		return m.Exact == q.Exact
	default:
		return q.Regex != "" && m.Regex == q.Regex
	}
}

// preflightLacks says what of match m a preflight does not carry.
func preflightLacks(m v1alpha1.Match) string {
	var what []string
	if m.Method != "" && m.Method != "OPTIONS" {
		what = append(what, "method "+m.Method)
	}
	for _, h := range slices.Sorted(maps.Keys(m.Headers)) {
		if !slices.Contains(preflightHeaders, strings.ToLower(h)) {
			what = append(what, "header "+h)
		}
	}
	return strings.Join(what, " and ")
}
