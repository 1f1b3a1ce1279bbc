package emit

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// HTTPRoute builds the HTTPRoute of x's hosts (its own and the shared ones
// it claims), attached to the platform's Gateway: one rule per route. On a
// shared host, the HTTPRoutes of every claim are merged by the Gateway,
// most specific match first (Gateway API's precedence, which is krm-fn's).
// A route to "*" is a route without hostnames: for every host.
func HTTPRoute(x *model.Exposure) *gwapiv1.HTTPRoute {
	var hostnames []gwapiv1.Hostname
	for _, h := range slices.Concat(x.Hosts, x.SharedHosts) {
		if h == v1alpha1.AnyHost {
			hostnames = nil
			break
		}
		hostnames = append(hostnames, gwapiv1.Hostname(h))
	}
	parent := gwapiv1.ParentReference{Name: gwapiv1.ObjectName(x.Gateway.Name)}
	if x.Gateway.Namespace != x.Namespace {
		parent.Namespace = ptr(gwapiv1.Namespace(x.Gateway.Namespace))
	}
	route := httpRouteObject(x, x.Name, hostnames, parent)
	if len(x.Listeners) > 0 {
		// The HTTP listener redirects: its hosts' HTTPS listeners only.
		route.Spec.ParentRefs = nil
		for _, l := range x.Listeners {
			p := parent
			p.SectionName = ptr(gwapiv1.SectionName(l))
			route.Spec.ParentRefs = append(route.Spec.ParentRefs, p)
		}
	}
	return route
}

// MeshHTTPRoute builds the HTTPRoute that routes calls to x's Service from
// inside the mesh (Gateway API's GAMMA): the same rules, attached to the
// Service itself.
func MeshHTTPRoute(x *model.Exposure) *gwapiv1.HTTPRoute {
	parent := gwapiv1.ParentReference{
		Group: ptr(gwapiv1.Group("")),
		Kind:  ptr(gwapiv1.Kind("Service")),
		Name:  gwapiv1.ObjectName(x.Service.Name),
	}
	if x.Service.Namespace != x.Namespace {
		parent.Namespace = ptr(gwapiv1.Namespace(x.Service.Namespace))
	}
	return httpRouteObject(x, x.MeshName(), nil, parent)
}

func httpRouteObject(x *model.Exposure, name string, hostnames []gwapiv1.Hostname, parent gwapiv1.ParentReference) *gwapiv1.HTTPRoute {
	spec := gwapiv1.HTTPRouteSpec{
		CommonRouteSpec: gwapiv1.CommonRouteSpec{ParentRefs: []gwapiv1.ParentReference{parent}},
		Hostnames:       hostnames,
	}
	for _, r := range x.Routes {
		spec.Rules = append(spec.Rules, httpRouteRule(r, x.Namespace))
	}
	return &gwapiv1.HTTPRoute{
		TypeMeta:   KindHTTPRoute.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, name, x.Namespace),
		Spec:       spec,
	}
}

// httpRouteRule is one route as a rule of an HTTPRoute in namespace ns.
// Validation has refused what the Gateway API cannot express (faults,
// fixed responses, ..., and retries but in the experimental channel, as
// Istio translates them back).
func httpRouteRule(r model.Route, ns string) gwapiv1.HTTPRouteRule {
	rule := gwapiv1.HTTPRouteRule{Matches: []gwapiv1.HTTPRouteMatch{gatewayAPIMatch(r.Match)}}
	if r.Name != "" {
		rule.Name = ptr(gwapiv1.SectionName(r.Name))
	}
	if r.Timeout > 0 {
		rule.Timeouts = &gwapiv1.HTTPRouteTimeouts{Request: ptr(GatewayAPIDuration(r.Timeout))}
	}
	if rt := r.Retries; rt != nil {
		// Istio renders a retry as retries of attempts, on its connection
		// conditions and these codes, each try timed out after the
		// backend request timeout (convertHTTPRoute).
		codes, _, _ := v1alpha1.GatewayAPIRetryCodes(rt.RetryOn)
		retry := &gwapiv1.HTTPRouteRetry{Attempts: ptr(int(rt.Attempts))}
		for _, c := range codes {
			retry.Codes = append(retry.Codes, gwapiv1.HTTPRouteRetryStatusCode(c))
		}
		rule.Retry = retry
		if rt.PerTryTimeout > 0 {
			if rule.Timeouts == nil {
				rule.Timeouts = &gwapiv1.HTTPRouteTimeouts{}
			}
			rule.Timeouts.BackendRequest = ptr(GatewayAPIDuration(rt.PerTryTimeout))
		}
	}
	for _, b := range r.Backends {
		ref := gwapiv1.HTTPBackendRef{BackendRef: gwapiv1.BackendRef{BackendObjectReference: backendObject(b, ns)}}
		// A lone backend takes all traffic; with several, every weight is
		// written (0 too: Gateway API's default is 1).
		if len(r.Backends) > 1 {
			ref.Weight = ptr(b.Weight)
		}
		rule.BackendRefs = append(rule.BackendRefs, ref)
	}
	if h := r.RequestHeaders; h != nil {
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterRequestHeaderModifier, RequestHeaderModifier: headerFilter(h)})
	}
	if h := r.ResponseHeaders; h != nil {
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterResponseHeaderModifier, ResponseHeaderModifier: headerFilter(h)})
	}
	if rw := r.Rewrite; rw != nil {
		f := &gwapiv1.HTTPURLRewriteFilter{Path: pathModifier(rw.Prefix, rw.Path)}
		if rw.Host != "" {
			f.Hostname = ptr(gwapiv1.PreciseHostname(rw.Host))
		}
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterURLRewrite, URLRewrite: f})
	}
	if c := r.CORS; c != nil {
		f := &gwapiv1.HTTPCORSFilter{AllowCredentials: c.AllowCredentials, MaxAge: int32(c.MaxAge / time.Second)}
		for _, o := range c.AllowOrigins {
			f.AllowOrigins = append(f.AllowOrigins, gwapiv1.CORSOrigin(o.Exact))
		}
		for _, m := range c.AllowMethods {
			f.AllowMethods = append(f.AllowMethods, gwapiv1.HTTPMethodWithWildcard(m))
		}
		f.AllowHeaders = headerNames(c.AllowHeaders)
		f.ExposeHeaders = headerNames(c.ExposeHeaders)
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterCORS, CORS: f})
	}
	if m := r.Mirror; m != nil {
		f := &gwapiv1.HTTPRequestMirrorFilter{BackendRef: backendObject(*m, ns)}
		switch p := r.MirrorPercent; {
		case p == 100: // all, the default
		case p == math.Trunc(p):
			f.Percent = ptr(int32(p))
		default:
			// With the Gateway API validation allows 4 decimals (a
			// millionth of the requests): p/100 as the fraction of the
			// fewest decimals, 12.5 as 125/1000.
			num, den := p, int32(100)
			for num != math.Trunc(num) && den < 1000000 {
				num, den = math.Round(num*10*10000)/10000, den*10
			}
			f.Fraction = &gwapiv1.Fraction{Numerator: int32(num), Denominator: ptr(den)}
		}
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterRequestMirror, RequestMirror: f})
	}
	if rd := r.Redirect; rd != nil {
		f := &gwapiv1.HTTPRequestRedirectFilter{Path: pathModifier(rd.Prefix, rd.Path), StatusCode: ptr(int(rd.Code))}
		if rd.Scheme != "" {
			f.Scheme = ptr(rd.Scheme)
		}
		if rd.Host != "" {
			f.Hostname = ptr(gwapiv1.PreciseHostname(rd.Host))
		}
		if rd.Port != 0 {
			f.Port = ptr(rd.Port)
		}
		rule.Filters = append(rule.Filters, gwapiv1.HTTPRouteFilter{Type: gwapiv1.HTTPRouteFilterRequestRedirect, RequestRedirect: f})
	}
	return rule
}

// backendObject is a destination as a reference from namespace ns: a
// subset is the Service that stands for it.
func backendObject(d model.Destination, ns string) gwapiv1.BackendObjectReference {
	name := d.Name
	if d.Subset != "" {
		name = model.SubsetService(d.Name, d.Subset)
	}
	ref := gwapiv1.BackendObjectReference{Name: gwapiv1.ObjectName(name), Port: ptr(d.Port)}
	if d.Namespace != ns {
		ref.Namespace = ptr(gwapiv1.Namespace(d.Namespace))
	}
	return ref
}

func pathModifier(prefix, path string) *gwapiv1.HTTPPathModifier {
	switch {
	case prefix != "":
		return &gwapiv1.HTTPPathModifier{Type: gwapiv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr(prefix)}
	case path != "":
		return &gwapiv1.HTTPPathModifier{Type: gwapiv1.FullPathHTTPPathModifier, ReplaceFullPath: ptr(path)}
	}
	return nil
}

func headerFilter(h *v1alpha1.HeaderOps) *gwapiv1.HTTPHeaderFilter {
	return &gwapiv1.HTTPHeaderFilter{Set: headers(h.Set), Add: headers(h.Add), Remove: h.Remove}
}

func headers(m map[string]string) []gwapiv1.HTTPHeader {
	var out []gwapiv1.HTTPHeader
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, gwapiv1.HTTPHeader{Name: gwapiv1.HTTPHeaderName(k), Value: m[k]})
	}
	return out
}

func headerNames(names []string) []gwapiv1.HTTPHeaderName {
	var out []gwapiv1.HTTPHeaderName
	for _, n := range names {
		out = append(out, gwapiv1.HTTPHeaderName(n))
	}
	return out
}

func gatewayAPIMatch(m v1alpha1.Match) gwapiv1.HTTPRouteMatch {
	path := &gwapiv1.HTTPPathMatch{}
	switch {
	case m.Exact != "":
		path.Type, path.Value = ptr(gwapiv1.PathMatchExact), ptr(m.Exact)
	case m.Regex != "":
		path.Type, path.Value = ptr(gwapiv1.PathMatchRegularExpression), ptr(m.Regex)
	default:
		path.Type, path.Value = ptr(gwapiv1.PathMatchPathPrefix), ptr(m.Prefix)
	}
	out := gwapiv1.HTTPRouteMatch{Path: path}
	if m.Method != "" {
		out.Method = ptr(gwapiv1.HTTPMethod(m.Method))
	}
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
		t, v := gatewayAPIStringMatch(m.Headers[name])
		out.Headers = append(out.Headers, gwapiv1.HTTPHeaderMatch{Type: ptr(gwapiv1.HeaderMatchType(t)), Name: gwapiv1.HTTPHeaderName(name), Value: v})
	}
	for _, name := range slices.Sorted(maps.Keys(m.QueryParams)) {
		t, v := gatewayAPIStringMatch(m.QueryParams[name])
		out.QueryParams = append(out.QueryParams, gwapiv1.HTTPQueryParamMatch{Type: ptr(gwapiv1.QueryParamMatchType(t)), Name: gwapiv1.HTTPHeaderName(name), Value: v})
	}
	return out
}

// gatewayAPIStringMatch is a header or query parameter match as the Gateway
// API's type and value. It has no prefix match: a prefix is the regex of
// the prefix quoted and anything after it (Istio matches regexes whole).
func gatewayAPIStringMatch(s v1alpha1.StringMatch) (string, string) {
	switch {
	case s.Prefix != "":
		return string(gwapiv1.HeaderMatchRegularExpression), regexp.QuoteMeta(s.Prefix) + ".*"
	case s.Regex != "":
		return string(gwapiv1.HeaderMatchRegularExpression), s.Regex
	}
	return string(gwapiv1.HeaderMatchExact), s.Exact
}

// GatewayAPIDuration is d in the Gateway API's form (GEP-2257): hours,
// minutes, seconds and milliseconds, each there only if not 0 ("1m30s",
// "500ms"); "0s" for 0. Validation refuses durations with less than a
// millisecond in them.
func GatewayAPIDuration(d time.Duration) gwapiv1.Duration {
	if d == 0 {
		return "0s"
	}
	var out string
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if n := d / u.unit; n > 0 {
			out += strconv.FormatInt(int64(n), 10) + u.name
			d -= n * u.unit
		}
	}
	return gwapiv1.Duration(out)
}

func ptr[T any](v T) *T { return &v }
