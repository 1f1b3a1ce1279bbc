package routes

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
)

// What istiod gives a route that sets no retries (retry.DefaultPolicy),
// and the conditions it adds to a Gateway API retry (convertHTTPRoute).
const (
	defaultAttempts         = 2
	defaultRetryOn          = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
	gatewayAPIRetryOn       = "connect-failure,refused-stream,unavailable,cancelled"
	retriableStatusCodes    = "retriable-status-codes"
	istioFullPathRegex      = "^.*$" // krm-fn's rewrite of the whole path (fn/emit)
	gatewayAPIFullPathRegex = "/.*"  // Istio's of a ReplaceFullPath
)

// route is route i of exposure x (r) as the platform's API renders it in
// the object from. With the Gateway API a rule without a name is named
// "<namePrefix>.<i>" (its HTTPRoute's namespace and name, and its index).
func (b *builder) route(x *model.Exposure, i int, r *model.Route, from, namePrefix string) Route {
	out := Route{Name: r.Name, From: from, Origin: origin(x, i)}
	if b.gatewayAPI {
		if out.Name == "" {
			out.Name = fmt.Sprintf("%s.%d", namePrefix, i)
		}
		out.Match = gatewayAPIMatch(r.Match)
	} else {
		out.Match = istioMatch(r.Match)
	}
	var authority string
	out.Headers, authority = headerOps(r.RequestHeaders, r.ResponseHeaders)
	switch {
	case r.Redirect != nil:
		out.Redirect = b.redirect(r.Redirect, r.Match.Prefix)
	case r.Respond != nil:
		out.Response = &Response{Status: int(r.Respond.Status), Body: r.Respond.Body}
	default:
		out.Backends = b.backends(r.Backends)
		out.Rewrite = b.rewrite(r.Rewrite, out.Match, authority)
		if r.Timeout > 0 {
			out.Timeout = r.Timeout.String()
		}
		out.Retries = b.retries(r.Retries)
		if r.Mirror != nil && r.MirrorPercent > 0 {
			out.Mirrors = []Mirror{{Backend: b.backend(*r.Mirror), Percent: r.MirrorPercent}}
		}
	}
	out.CORS = b.cors(r.CORS)
	if f := r.Fault; f != nil && (f.Delay > 0 || f.AbortStatus != 0) {
		out.Fault = &Fault{}
		if f.Delay > 0 {
			out.Fault.Delay, out.Fault.DelayPercent = f.Delay.String(), f.DelayPercent
		}
		if f.AbortStatus != 0 {
			out.Fault.AbortStatus, out.Fault.AbortPercent = int(f.AbortStatus), f.AbortPercent
		}
	}
	return out
}

// istioMatch is a match as a VirtualService's.
func istioMatch(m v1alpha1.Match) Match {
	return translateMatch(m, func(p string) string { return "prefix " + p }, istioCondition)
}

func istioCondition(s v1alpha1.StringMatch) string {
	switch {
	case s.Prefix != "":
		return "prefix " + s.Prefix
	case s.Regex != "":
		return "regex " + s.Regex
	}
	return "exact " + s.Exact
}

// gatewayAPIMatch is a match as Istio reads an HTTPRoute's: a PathPrefix
// matches whole path segments (its trailing "/" ignored), and a header or
// query parameter prefix is a regex (the Gateway API has no prefix match).
func gatewayAPIMatch(m v1alpha1.Match) Match {
	return translateMatch(m, func(p string) string {
		if p = gatewayAPIPrefix(p); p == "/" {
			return "prefix /"
		}
		return "segments " + p
	}, gatewayAPICondition)
}

// translateMatch is a match with its prefix and conditions as the API
// reads them.
func translateMatch(m v1alpha1.Match, prefix func(string) string, condition func(v1alpha1.StringMatch) string) Match {
	out := Match{Method: m.Method, Headers: conditions(m.Headers, condition), Query: conditions(m.QueryParams, condition)}
	switch {
	case m.Exact != "":
		out.Path = "exact " + m.Exact
	case m.Regex != "":
		out.Path = "regex " + m.Regex
	default:
		out.Path = prefix(m.Prefix)
	}
	return out
}

func gatewayAPICondition(s v1alpha1.StringMatch) string {
	switch {
	case s.Prefix != "":
		return "regex " + regexp.QuoteMeta(s.Prefix) + ".*"
	case s.Regex != "":
		return "regex " + s.Regex
	}
	return "exact " + s.Exact
}

// conditions are the conditions of a match's headers or query
// parameters, by name.
func conditions(m map[string]v1alpha1.StringMatch, match func(v1alpha1.StringMatch) string) []Condition {
	var out []Condition
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Condition{Name: name, Match: match(m[name])})
	}
	return out
}

// backends are a route's destinations, each with its weight when there
// are several.
func (b *builder) backends(ds []model.Destination) []Backend {
	out := make([]Backend, 0, len(ds))
	for _, d := range ds {
		bk := b.backend(d)
		if len(ds) > 1 {
			bk.Weight = uint32(max(d.Weight, 0))
		}
		out = append(out, bk)
	}
	return out
}

// backend is a destination: with the Gateway API, a subset is the Service
// krm-fn renders for it.
func (b *builder) backend(d model.Destination) Backend {
	out := Backend{Service: d.Host, Name: d.Name, Namespace: d.Namespace, Port: uint32(max(d.Port, 0)), Subset: d.Subset}
	if b.gatewayAPI && d.Subset != "" {
		name := model.SubsetService(d.Name, d.Subset)
		out = Backend{Service: model.FQDN(name, d.Namespace), Name: name, Namespace: d.Namespace, Port: out.Port, SubsetService: d.Subset}
	}
	return out
}

// rewrite is what a forwarding route changes in the request: the path
// (under the Gateway API, a prefix replaced by "/" is Istio's regex that
// keeps one "/"), and the host (the rewrite's, else a host header the
// route sets, which Istio makes the authority).
func (b *builder) rewrite(rw *v1alpha1.Rewrite, m Match, authority string) *Rewrite {
	out := &Rewrite{Host: authority}
	if rw != nil {
		if rw.Host != "" {
			out.Host = rw.Host
		}
		switch {
		case !b.gatewayAPI && rw.Path != "":
			out.Regex, out.Substitution = istioFullPathRegex, rw.Path
		case !b.gatewayAPI:
			out.Prefix = rw.Prefix
		case rw.Path != "":
			out.Regex, out.Substitution = gatewayAPIFullPathRegex, rw.Path
		case rw.Prefix != "":
			if uri := gatewayAPIPrefix(rw.Prefix); uri != "/" {
				out.Prefix = uri
			} else {
				segments, _ := strings.CutPrefix(m.Path, "segments ")
				if !strings.HasPrefix(m.Path, "segments ") {
					segments = ""
				}
				out.Regex, out.Substitution = "^"+regexp.QuoteMeta(segments)+"(/?)(.*)", `/\2`
			}
		}
	}
	if *out == (Rewrite{}) {
		return nil
	}
	return out
}

// redirect is a route's redirect (of a route matching prefix), its port
// as the listener it is on makes it (finishRedirect). With the Gateway
// API its prefix is the ReplacePrefixMatch krm-fn renders for it.
func (b *builder) redirect(rd *v1alpha1.Redirect, prefix string) *Redirect {
	replace := rd.Prefix
	if b.gatewayAPI && replace != "" {
		replace = v1alpha1.GatewayAPIRedirectPrefix(prefix, replace)
	}
	return &Redirect{Scheme: rd.Scheme, Host: rd.Host, Path: rd.Path, Prefix: replace, Port: uint32(max(rd.Port, 0)), Status: int(rd.Code)}
}

// finishRedirect gives a redirect on a listener of port (tls: HTTPS) the
// port Envoy redirects to: the one written; with the Gateway API and no
// scheme, the request's (the listener's); none for the scheme's own.
func finishRedirect(rd *Redirect, gatewayAPI bool, port uint32, tls bool) *Redirect {
	out := *rd
	if gatewayAPI && out.Port == 0 && out.Scheme == "" {
		out.Port = port
	}
	scheme := out.Scheme
	if scheme == "" {
		scheme = "http"
		if tls {
			scheme = "https"
		}
	}
	if out.Port == 80 && scheme == "http" || out.Port == 443 && scheme == "https" {
		out.Port = 0
	}
	return &out
}

// retries is a route's retry policy as Envoy receives it: Istio's default
// without one; none with 0 attempts. With the Gateway API, a retry is of
// its status codes and Istio's connection conditions.
func (b *builder) retries(rt *model.Retries) *Retries {
	if rt == nil {
		return &Retries{Attempts: defaultAttempts, RetryOn: defaultRetryOn, Default: true}
	}
	if rt.Attempts <= 0 {
		return nil
	}
	retryOn := rt.RetryOn
	if b.gatewayAPI {
		codes, _, _ := v1alpha1.GatewayAPIRetryCodes(rt.RetryOn)
		retryOn = gatewayAPIRetryOn
		for _, c := range codes {
			retryOn += "," + strconv.Itoa(c)
		}
	}
	out := &Retries{Attempts: uint32(rt.Attempts), RetryOn: defaultRetryOn}
	if rt.PerTryTimeout > 0 {
		out.PerTryTimeout = rt.PerTryTimeout.String()
	}
	if retryOn != "" {
		out.RetryOn, out.RetriableStatusCodes = parseRetryOn(retryOn)
		if len(out.RetriableStatusCodes) > 0 && !strings.Contains(out.RetryOn, retriableStatusCodes) {
			out.RetryOn += "," + retriableStatusCodes
		}
	}
	return out
}

// parseRetryOn splits retry conditions into Envoy's and the HTTP status
// codes among them (istiod's parseRetryOn).
func parseRetryOn(retryOn string) (string, []uint32) {
	var on []string
	var codes []uint32
	for _, part := range strings.Split(retryOn, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if i, err := strconv.Atoi(part); err == nil && http.StatusText(i) != "" {
			codes = append(codes, uint32(i))
			continue
		}
		on = append(on, part)
	}
	return strings.Join(on, ","), codes
}

// cors is a route's CORS policy as Envoy receives it: an origin is "*",
// exact, a prefix (one "*", at its end) or a regex (other "*"s), as Istio
// reads the Gateway API's; with the Gateway API, credentials are allowed
// or left unsaid (Istio does not write false).
func (b *builder) cors(c *model.CORS) *CORS {
	if c == nil {
		return nil
	}
	out := &CORS{AllowMethods: strings.Join(c.AllowMethods, ","), AllowHeaders: strings.Join(c.AllowHeaders, ","), ExposeHeaders: strings.Join(c.ExposeHeaders, ",")}
	if s := int64(c.MaxAge / time.Second); s > 0 {
		out.MaxAge = strconv.FormatInt(s, 10)
	}
	// An origin with a "*" is a wildcard under both APIs (Istio reads the
	// Gateway API's so, and krm-fn renders the VirtualService's alike).
	for _, o := range c.AllowOrigins {
		out.AllowOrigins = append(out.AllowOrigins, istioCondition(o.CORSOrigin()))
	}
	if !b.gatewayAPI || c.AllowCredentials != nil && *c.AllowCredentials {
		out.AllowCredentials = c.AllowCredentials
	}
	return out
}

// headerOps are a route's header changes as Envoy receives them, and the
// host a request header sets: Istio makes it the authority (a host
// rewrite) and changes no pseudo header.
func headerOps(req, resp *v1alpha1.HeaderOps) (*HeaderOps, string) {
	r, authority := headerChanges(req)
	s, _ := headerChanges(resp)
	if r == nil && s == nil {
		return nil, authority
	}
	return &HeaderOps{Request: r, Response: s}, authority
}

func headerChanges(h *v1alpha1.HeaderOps) (*HeaderChanges, string) {
	if h == nil {
		return nil, ""
	}
	authority := ""
	keep := func(m map[string]string) map[string]string {
		var out map[string]string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if strings.EqualFold(k, ":authority") || strings.EqualFold(k, "host") {
				authority = m[k]
			}
			if strings.HasPrefix(k, ":") || strings.EqualFold(k, "host") {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			out[k] = m[k]
		}
		return out
	}
	// The host a set sets wins over the one an add adds.
	c := &HeaderChanges{Add: keep(h.Add)}
	c.Set = keep(h.Set)
	for _, k := range h.Remove {
		if !strings.HasPrefix(k, ":") && !strings.EqualFold(k, "host") {
			c.Remove = append(c.Remove, k)
		}
	}
	if c.Set == nil && c.Add == nil && c.Remove == nil {
		return nil, authority
	}
	return c, authority
}
