package v1alpha1

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The Gateway API's limits on an HTTPRoute (Gateway API v1.6.3, standard
// channel: apis/v1/httproute_types.go).
const (
	gatewayAPIMaxHostnames = 16
	gatewayAPIMaxRules     = 16
	gatewayAPIMaxBackends  = 16
	gatewayAPIMaxMatches   = 16 // headers, and query parameters, of one match
	// Each unit of a Gateway API duration has at most 5 digits (GEP-2257);
	// sigs.k8s.io/gateway-api's own formatter (pkg/utils, a main package
	// in v1.6.3, so not importable) takes at most this.
	gatewayAPIMaxDuration = 99999*time.Hour + 59*time.Minute + 59*time.Second + 999*time.Millisecond
)

// gatewayAPIOrigin is the pattern of a CORS origin (CORSOrigin): "*", or
// http(s)://host[:port], where the host may start with "*.".
var gatewayAPIOrigin = regexp.MustCompile(`(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)`)

// gatewayAPIPath is what the Gateway API takes as an exact or prefix
// path: URI path characters and percent-encodings.
var gatewayAPIPath = regexp.MustCompile(`^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$`)

// gatewayAPIPathMatch checks an exact or prefix path as the Gateway API's
// CRD does: no empty, dot or encoded-slash segments, no fragment.
func gatewayAPIPathMatch(p *field.Path, v string) field.ErrorList {
	why := ""
	switch {
	case v == "":
		return nil
	case !gatewayAPIPath.MatchString(v):
		why = "may hold only URI path characters and percent-encodings"
	case strings.Contains(v, "//"), strings.Contains(v, "/./"), strings.Contains(v, "/../"),
		strings.HasSuffix(v, "/.."), strings.HasSuffix(v, "/."):
		why = `may have no empty, "." or ".." segments`
	case strings.Contains(strings.ToLower(v), "%2f"):
		why = "may not encode a slash (%2F)"
	default:
		return nil
	}
	return field.ErrorList{field.Invalid(p, v, "the Gateway API takes a path that "+why)}
}

// gatewayAPINo is the start of every message about what the Gateway API
// cannot express.
const gatewayAPINo = "the Gateway API (platform api: gateway-api) has no "

// validateGatewayAPI checks what an exposure asks that the Gateway API
// (standard channel, v1.6.3, as Istio serves it) cannot express: each is
// an error naming the field, never dropped.
func validateGatewayAPI(spec *field.Path, s *ServiceExposureSpec, namespace string) field.ErrorList {
	var errs field.ErrorList
	orIstio := "; render this environment with api: istio to keep it"
	if len(s.ExportTo) > 0 {
		errs = append(errs, field.Forbidden(spec.Child("exportTo"), gatewayAPINo+
			"exportTo: an HTTPRoute applies to the Gateway or the Service it attaches to, nowhere else: remove it"+orIstio))
	}
	if s.Mesh && s.Service.Namespace != "" && s.Service.Namespace != namespace {
		errs = append(errs, field.Forbidden(spec.Child("mesh"), fmt.Sprintf(
			"with the Gateway API the mesh routing is an HTTPRoute attached to the Service, and one in namespace %s attached to a Service of namespace %s applies to the clients of %s only (a consumer route): put the exposure in namespace %s", namespace, s.Service.Namespace, namespace, s.Service.Namespace)))
	}
	if n := len(s.Hosts); n > gatewayAPIMaxHostnames {
		errs = append(errs, gatewayAPITooMany(spec.Child("hosts"), n, gatewayAPIMaxHostnames, "an HTTPRoute has at most %d hostnames: split the hosts over exposures"))
	}
	if n := len(s.Routes); n > gatewayAPIMaxRules {
		errs = append(errs, gatewayAPITooMany(spec.Child("routes"), n, gatewayAPIMaxRules, "an HTTPRoute has at most %d rules: merge routes that go to the same backends, or split the paths over exposures"))
	}
	if len(s.Subsets) > 0 && s.Service.Create != nil && !*s.Service.Create && len(s.Service.Selector) == 0 {
		errs = append(errs, field.Required(spec.Child("service", "selector"), gatewayAPINo+
			"subsets: a subset is a Service of its own, selecting the Service's pods with the subset's labels, and with create: false krm-fn does not know the existing Service's selector: set it"))
	}
	for i, sub := range s.Subsets {
		name := GatewayAPISubsetService(s.Service.Name, sub.Name)
		for _, msg := range validation.IsDNS1035Label(name) {
			errs = append(errs, field.Invalid(spec.Child("subsets").Index(i).Child("name"), sub.Name,
				fmt.Sprintf("names the Service %q that stands for the subset with the Gateway API (which has no subsets): %s", name, msg)))
		}
	}
	names := map[string]int{} // route name → index of the first route of that name
	rule := "a rule of an HTTPRoute"
	if !s.HTTPRoutes() {
		rule = "the rule of a TLSRoute" // passthrough
	}
	for i := range s.Routes {
		r := &s.Routes[i]
		errs = append(errs, validateGatewayAPIRoute(spec.Child("routes").Index(i), r, rule)...)
		if first, ok := names[r.Name]; ok && r.Name != "" {
			errs = append(errs, field.Invalid(spec.Child("routes").Index(i).Child("name"), r.Name, fmt.Sprintf(
				"names a rule of the HTTPRoute, whose rule names must be unique, and %s has this name: rename one", spec.Child("routes").Index(first))))
			continue
		}
		names[r.Name] = i
	}
	errs = append(errs, gatewayAPIOrder(spec.Child("routes"), s.Routes)...)
	return errs
}

// gatewayAPITooMany is the error for n items where the Gateway API takes
// at most limit: what holds them (why, a format for limit) and the way out.
func gatewayAPITooMany(p *field.Path, n, limit int, why string) *field.Error {
	e := field.TooMany(p, n, limit)
	e.Detail = fmt.Sprintf("the Gateway API (platform api: gateway-api): "+why+"; or render this environment with api: istio", limit)
	return e
}

// validateGatewayAPIRoute checks route r as rule (what holds it, for
// messages).
func validateGatewayAPIRoute(p *field.Path, r *Route, rule string) field.ErrorList {
	var errs field.ErrorList
	if r.Name != "" {
		for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), r.Name, "names a rule of an HTTPRoute with the Gateway API, which must be a DNS-1123 subdomain: "+msg))
		}
	}
	if !r.Timeout.IsZero() {
		errs = append(errs, gatewayAPIDuration(p.Child("timeout"), r.Timeout)...)
	}
	errs = append(errs, gatewayAPIPathMatch(p.Child("match", "prefix"), r.Match.Prefix)...)
	errs = append(errs, gatewayAPIPathMatch(p.Child("match", "exact"), r.Match.Exact)...)
	if m := r.Mirror; m != nil && m.Percent != nil && math.Abs(*m.Percent*10000-math.Round(*m.Percent*10000)) > 1e-6 {
		errs = append(errs, field.Invalid(p.Child("mirror", "percent"), *m.Percent,
			"the Gateway API (platform api: gateway-api) takes a mirrored share in millionths of the requests: round it to at most 4 decimals"))
	}
	if r.Fault != nil {
		errs = append(errs, field.Forbidden(p.Child("fault"), gatewayAPINo+"fault injection: remove it, or test resilience in an environment with api: istio"))
	}
	if r.Respond != nil {
		errs = append(errs, field.Forbidden(p.Child("respond"), gatewayAPINo+"fixed responses (Istio's directResponse): send the route to a backend that answers, or redirect it"))
	}
	if n := len(r.Backends); n > gatewayAPIMaxBackends {
		errs = append(errs, gatewayAPITooMany(p.Child("backends"), n, gatewayAPIMaxBackends, rule+" has at most %d backends"))
	}
	if n := len(r.Match.Headers); n > gatewayAPIMaxMatches {
		errs = append(errs, gatewayAPITooMany(p.Child("match", "headers"), n, gatewayAPIMaxMatches, "a match of an HTTPRoute has at most %d headers"))
	}
	if n := len(r.Match.QueryParams); n > gatewayAPIMaxMatches {
		errs = append(errs, gatewayAPITooMany(p.Child("match", "queryParams"), n, gatewayAPIMaxMatches, "a match of an HTTPRoute has at most %d query parameters"))
	}
	if c := r.CORS; c != nil {
		for i, o := range c.AllowOrigins {
			op := p.Child("cors", "allowOrigins").Index(i)
			switch {
			case o.Prefix != "" || o.Regex != "":
				errs = append(errs, field.Forbidden(op, gatewayAPINo+
					`prefix or regex CORS origins: an origin is "*" or scheme://host[:port], whose host may start with "*." for any subdomain`))
			case !gatewayAPIOrigin.MatchString(o.Exact):
				errs = append(errs, field.Invalid(op, o.Exact,
					`the Gateway API takes "*" or an origin http(s)://host[:port], whose host may start with "*."`))
			case o.Exact == "*" && len(c.AllowOrigins) > 1:
				errs = append(errs, field.Invalid(op, o.Exact, `the Gateway API takes "*" alone, without other origins`))
			}
		}
	}
	return errs
}

// gatewayAPIDuration checks that a (valid) duration has the Gateway API's
// form: whole milliseconds, at most 99999h59m59.999s.
func gatewayAPIDuration(p *field.Path, d Duration) field.ErrorList {
	if d.wrong != "" {
		return nil // reported already
	}
	if v := d.Value(); v%time.Millisecond != 0 || v > gatewayAPIMaxDuration {
		return field.ErrorList{field.Invalid(p, d.String(), "the Gateway API takes durations in whole milliseconds, under 100000h: round it")}
	}
	return nil
}

// gatewayAPIOrder checks that the routes, tried in the order written (as
// Istio's VirtualService tries them), keep that meaning with the Gateway
// API, which tries the most specific match first: exact paths, then
// prefixes and then regexes, longer paths first, then a match with a
// method, with more headers, with more query parameters (Istio's order of
// an HTTPRoute's rules; the written order breaks ties). A route the
// Gateway API would try before an earlier route that can match the same
// requests is an error: written in the Gateway API's order, the routes
// mean the same under both.
func gatewayAPIOrder(routes *field.Path, rs []Route) field.ErrorList {
	var errs field.ErrorList
	for j := range rs {
		for i := range j {
			a, b := &rs[i].Match, &rs[j].Match
			if GatewayAPIPrecedence(*b, *a) < 0 && mayOverlap(*a, *b) {
				errs = append(errs, field.Forbidden(routes.Index(j).Child("match"), fmt.Sprintf(
					"the Gateway API (platform api: gateway-api) tries the most specific match first, not the first written: this route (%s) would take requests that spec.routes[%d] (%s) takes before it as written: move it above spec.routes[%d]",
					matchString(*b), i, matchString(*a), i)))
				break
			}
		}
	}
	return errs
}

// GatewayAPIPrecedence orders matches as Istio orders the rules of
// Gateway API routes, most specific first (negative: a before b).
func GatewayAPIPrecedence(a, b Match) int {
	path := func(m Match) string { return m.Exact + m.Prefix + m.Regex }
	method := func(m Match) int {
		if m.Method != "" {
			return 0
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.PathRank(), b.PathRank()),
		-cmp.Compare(len(path(a)), len(path(b))),
		cmp.Compare(method(a), method(b)),
		-cmp.Compare(len(a.Headers), len(b.Headers)),
		-cmp.Compare(len(a.QueryParams), len(b.QueryParams)))
}

// PathRank ranks a match by how it matches the path, most specific first:
// 0 exact, 1 prefix, 2 regex.
func (m Match) PathRank() int {
	switch {
	case m.Exact != "":
		return 0
	case m.Prefix != "":
		return 1
	}
	return 2
}

// mayOverlap says whether a request could match both a and b, by their
// paths (a regex may match anything; methods, headers and query
// parameters are taken to be able to match together). A Gateway API
// prefix matches whole path segments.
func mayOverlap(a, b Match) bool {
	if a.Method != "" && b.Method != "" && a.Method != b.Method {
		return false
	}
	switch {
	case a.Regex != "" || b.Regex != "":
		return true
	case a.Exact != "" && b.Exact != "":
		return a.Exact == b.Exact
	case a.Exact != "":
		return segmentPrefix(a.Exact, b.Prefix)
	case b.Exact != "":
		return segmentPrefix(b.Exact, a.Prefix)
	}
	return segmentPrefix(a.Prefix, b.Prefix) || segmentPrefix(b.Prefix, a.Prefix)
}

// segmentPrefix says whether a Gateway API path prefix matches path.
func segmentPrefix(path, prefix string) bool {
	p := strings.TrimSuffix(prefix, "/")
	return p == "" || path == p || strings.HasPrefix(path, p+"/")
}
