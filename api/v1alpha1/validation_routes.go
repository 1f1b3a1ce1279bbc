package v1alpha1

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The checks of routes follow Istio's own validation of a VirtualService
// (istio.io/istio pkg/config/validation: validateHTTPRoute and what it
// calls), so that krm-fn rejects, naming the field, what Istio would
// reject in what it renders; and a little more, where a setting would be
// silently ignored.

// Methods are the HTTP methods a route may match and CORS may allow (the
// Gateway API's list, which Istio's CORS check also takes).
var Methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
	http.MethodConnect, http.MethodOptions, http.MethodTrace, http.MethodPatch}

// RedirectCodes are the redirect statuses Envoy sends. Istio's validation
// takes any 3xx, but istiod renders the others as a route without an
// action, with only a warning in its log.
var RedirectCodes = []int32{301, 302, 303, 307, 308}

func redirectCodeNames() []string {
	names := make([]string, len(RedirectCodes))
	for i, c := range RedirectCodes {
		names[i] = strconv.Itoa(int(c))
	}
	return names
}

// maxRegex is the longest regex Istio takes (Envoy's RE2 program size,
// approximated by length).
const maxRegex = 1024

// maxBody is the largest direct response body Istio takes.
const maxBody = 1 << 20

// controlChars matches what Envoy refuses in header values and paths.
var controlChars = regexp.MustCompile("[\u0000-\u0008\u000A-\u001F\u007F]")

// targets is what a route's backends and mirror are checked against: the
// exposure's own subsets, and the platform's allowed namespaces.
type targets struct {
	subsets  map[string]bool
	platform *ExposurePlatformSpec
	// service is the exposure's own Service, whose ports a backend may
	// name; l4 says whether the route sends connections (tcp routes,
	// passthrough), which go to its tcp ports only.
	service *ServiceSpec
	l4      bool
	tenant  tenant // what the exposure may reach
	// defaults are the exposure's routeDefaults (nil: none), whose values
	// are checked once, at spec.routeDefaults, not again in each route
	// that took them.
	defaults *RouteDefaults
}

// fromDefaults says whether v, a route's value of the routeDefaults'
// field name, is the routeDefaults' own.
func (to targets) fromDefaults(name string, v any) bool {
	return to.defaults != nil && to.defaults.holds(name, v)
}

// validateRoute checks one route.
func validateRoute(path *field.Path, r *Route, to targets) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateMatch(path.Child("match"), &r.Match)...)
	if !r.Timeout.IsZero() && !to.fromDefaults("timeout", r.Timeout) {
		errs = append(errs, validateDuration(path.Child("timeout"), r.Timeout)...)
	}
	if rt := r.Retries; rt != nil && !to.fromDefaults("retries", rt) {
		errs = append(errs, validateRetries(path.Child("retries"), rt)...)
	}

	// What the route does: exactly one of backends, redirect and respond;
	// a redirect or a response leaves nothing to rewrite, delay, mirror or
	// retry (Istio refuses some of these, ignores the others).
	answers := ""
	switch {
	case r.Redirect != nil && r.Respond != nil:
		errs = append(errs, field.Forbidden(path.Child("respond"), "a route redirects or responds, not both"))
	case r.Redirect != nil:
		answers = "redirect"
	case r.Respond != nil:
		answers = "respond"
	}
	if answers != "" {
		for _, f := range []struct {
			name string
			set  bool
		}{{"backends", len(r.Backends) > 0}, {"fault", r.Fault != nil}, {"mirror", r.Mirror != nil},
			{"retries", r.Retries != nil}, {"rewrite", r.Rewrite != nil}, {"timeout", !r.Timeout.IsZero()}} {
			if f.set {
				errs = append(errs, field.Forbidden(path.Child(f.name), fmt.Sprintf("the route answers with %s, so it sends nothing on: remove %s, or %s", answers, f.name, answers)))
			}
		}
	}
	if r.Redirect == nil && r.Respond == nil {
		errs = append(errs, validateBackends(path.Child("backends"), r.Backends, to)...)
	}
	if rw := r.Rewrite; rw != nil {
		errs = append(errs, validateRewrite(path.Child("rewrite"), rw, &r.Match)...)
	}
	if h := r.RequestHeaders; h != nil {
		if !to.fromDefaults("requestHeaders", h) {
			errs = append(errs, validateHeaderOps(path.Child("requestHeaders"), h, true)...)
		}
		if r.Rewrite != nil && r.Rewrite.Host != "" {
			for _, name := range append(sortedKeys(h.Set), sortedKeys(h.Add)...) {
				if strings.EqualFold(name, "host") || strings.EqualFold(name, ":authority") {
					errs = append(errs, field.Forbidden(path.Child("requestHeaders"), "sets the host, which rewrite.host sets already: keep one"))
				}
			}
		}
	}
	if h := r.ResponseHeaders; h != nil && !to.fromDefaults("responseHeaders", h) {
		errs = append(errs, validateHeaderOps(path.Child("responseHeaders"), h, false)...)
	}
	if c := r.CORS; c != nil && !to.fromDefaults("cors", c) {
		errs = append(errs, validateCORS(path.Child("cors"), c)...)
	}
	if f := r.Fault; f != nil {
		errs = append(errs, validateFault(path.Child("fault"), f)...)
	}
	if m := r.Mirror; m != nil {
		p := path.Child("mirror")
		errs = append(errs, validateTarget(p, m.Service, m.Namespace, m.Port, m.Subset, to)...)
		errs = append(errs, requestShare(p.Child("percent"), m.Percent, false)...)
	}
	if rd := r.Redirect; rd != nil {
		errs = append(errs, validateRedirect(path.Child("redirect"), rd, &r.Match)...)
	}
	if rs := r.Respond; rs != nil {
		p := path.Child("respond")
		errs = append(errs, httpStatus(p.Child("status"), rs.Status)...)
		if len(rs.Body) > maxBody {
			errs = append(errs, field.TooLong(p.Child("body"), "", maxBody))
		}
	}
	return errs
}

func validateMatch(m *field.Path, match *Match) field.ErrorList {
	var errs field.ErrorList
	set := 0
	for _, v := range []string{match.Prefix, match.Exact, match.Regex} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		errs = append(errs, field.Invalid(m, matchString(*match), "set exactly one of prefix, exact and regex"))
	}
	for _, kv := range [][2]string{{"exact", match.Exact}, {"prefix", match.Prefix}} {
		if v := kv[1]; v != "" {
			if !strings.HasPrefix(v, "/") {
				errs = append(errs, field.Invalid(m.Child(kv[0]), v, `must start with "/"`))
			}
			errs = append(errs, printable(m.Child(kv[0]), v)...)
		}
	}
	if match.Regex != "" {
		errs = append(errs, regex(m.Child("regex"), match.Regex)...)
	}
	if match.Method != "" && !slices.Contains(Methods, match.Method) {
		errs = append(errs, field.NotSupported(m.Child("method"), match.Method, Methods))
	}
	for _, name := range sortedKeys(match.Headers) {
		p := m.Child("headers").Key(name)
		for _, msg := range validation.IsHTTPHeaderName(name) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
		if name != strings.ToLower(name) {
			errs = append(errs, field.Invalid(p, name, "header names must be lowercase (Istio compares them lowercased)"))
		}
		errs = append(errs, stringMatch(p, match.Headers[name], "the value the header must have")...)
	}
	for _, name := range sortedKeys(match.QueryParams) {
		p := m.Child("queryParams").Key(name)
		if name == "" {
			errs = append(errs, field.Required(p, "a query parameter's name"))
		}
		errs = append(errs, printable(p, name)...)
		errs = append(errs, stringMatch(p, match.QueryParams[name], "the value the query parameter must have")...)
	}
	return errs
}

// stringMatch checks one of exact, prefix and regex; required says what
// an empty one lacks.
func stringMatch(p *field.Path, s StringMatch, required string) field.ErrorList {
	set := 0
	for _, v := range []string{s.Exact, s.Prefix, s.Regex} {
		if v != "" {
			set++
		}
	}
	switch {
	case set == 0:
		return field.ErrorList{field.Required(p, required)}
	case set > 1:
		return field.ErrorList{field.Invalid(p, fmt.Sprintf("exact: %q, prefix: %q, regex: %q", s.Exact, s.Prefix, s.Regex), "set exactly one of exact, prefix and regex")}
	case s.Regex != "":
		return regex(p.Child("regex"), s.Regex)
	case s.Prefix != "":
		return printable(p.Child("prefix"), s.Prefix)
	}
	return printable(p, s.Exact)
}

func regex(p *field.Path, re string) field.ErrorList {
	if len(re) > maxRegex {
		return field.ErrorList{field.TooLong(p, "", maxRegex)}
	}
	if _, err := regexp.Compile(re); err != nil {
		return field.ErrorList{field.Invalid(p, re, "is not a valid RE2 regular expression: "+strings.TrimPrefix(err.Error(), "error parsing regexp: "))}
	}
	return nil
}

// printable refuses the control characters (line breaks included) Envoy
// refuses in paths and header values.
func printable(p *field.Path, v string) field.ErrorList {
	if controlChars.MatchString(v) {
		return field.ErrorList{field.Invalid(p, v, "must not hold control characters such as line breaks")}
	}
	return nil
}

func validateRetries(p *field.Path, rt *Retries) field.ErrorList {
	var errs field.ErrorList
	if rt.Attempts < 0 || rt.Attempts > 100 {
		errs = append(errs, field.Invalid(p.Child("attempts"), rt.Attempts, "must be between 0 and 100"))
	}
	if rt.Attempts == 0 && (!rt.PerTryTimeout.IsZero() || rt.RetryOn != "") {
		errs = append(errs, field.Invalid(p.Child("attempts"), 0, "0 disables retries, so perTryTimeout and retryOn would do nothing: remove them, or set attempts"))
	}
	if !rt.PerTryTimeout.IsZero() {
		errs = append(errs, validateDuration(p.Child("perTryTimeout"), rt.PerTryTimeout)...)
	}
	if rt.RetryOn != "" {
		for _, c := range strings.Split(rt.RetryOn, ",") {
			c = strings.TrimSpace(c)
			if !slices.Contains(retryConditions, c) && !statusCode.MatchString(c) {
				errs = append(errs, field.NotSupported(p.Child("retryOn"), c,
					append(slices.Clone(retryConditions), "an HTTP status code such as 503")))
			}
		}
	}
	return errs
}

func validateBackends(path *field.Path, backends []Backend, to targets) field.ErrorList {
	var errs field.ErrorList
	sum, weightsOK := int32(0), true
	for i, b := range backends {
		p := path.Index(i)
		errs = append(errs, validateTarget(p, b.Service, b.Namespace, b.Port, b.Subset, to)...)
		switch {
		case b.Weight == nil:
			weightsOK = false
			errs = append(errs, field.Required(p.Child("weight"), "a route with several backends needs a weight on each"))
		case *b.Weight < 0 || *b.Weight > 100:
			weightsOK = false
			errs = append(errs, field.Invalid(p.Child("weight"), *b.Weight, "must be between 0 and 100"))
		default:
			sum += *b.Weight
		}
	}
	if sum != 100 && weightsOK {
		errs = append(errs, field.Invalid(path, sum, fmt.Sprintf("the weights must sum to 100, they sum to %d", sum)))
	}
	return errs
}

// validateTarget checks where a backend or a mirror sends: a subset of
// the exposure's Service, or another Service (whose port and subsets are
// checked against its exposure, across exposures).
func validateTarget(p *field.Path, service, namespace string, port int32, subset string, to targets) field.ErrorList {
	var errs field.ErrorList
	if service == "" {
		if namespace != "" {
			errs = append(errs, field.Forbidden(p.Child("namespace"), "only with service: the exposure's own Service has its namespace"))
		}
		errs = append(errs, ownPort(p.Child("port"), port, to)...)
		if subset != "" && !to.subsets[subset] {
			errs = append(errs, field.NotFound(p.Child("subset"), subset))
		}
		return errs
	}
	for _, msg := range validation.IsDNS1035Label(service) {
		errs = append(errs, field.Invalid(p.Child("service"), service, msg))
	}
	if namespace != "" { // else the exposure has none, which is its own error
		errs = append(errs, dnsLabel(p.Child("namespace"), namespace)...)
	}
	what := "route to"
	if strings.HasSuffix(p.String(), ".mirror") {
		what = "mirror to"
	}
	errs = append(errs, to.tenant.reaches(p.Child("namespace"), namespace, what)...)
	errs = append(errs, to.tenant.apiServer(p.Child("service"), service, namespace, what)...)
	if port != 0 {
		errs = append(errs, portNumber(p.Child("port"), port)...)
	}
	if subset != "" {
		errs = append(errs, dnsLabel(p.Child("subset"), subset)...)
	}
	return errs
}

// prefixOrPath checks the prefix and path a rewrite or redirect sets: at
// most one, each a path, and a prefix only where the route matches by
// prefix (the part it replaces); instead names the field to use then.
func prefixOrPath(p *field.Path, prefix, path string, m *Match, instead string) field.ErrorList {
	var errs field.ErrorList
	if prefix != "" && path != "" {
		errs = append(errs, field.Invalid(p, fmt.Sprintf("prefix: %q, path: %q", prefix, path), "set at most one of prefix and path"))
	}
	if prefix != "" {
		errs = append(errs, pathValue(p.Child("prefix"), prefix)...)
		if m.Prefix == "" {
			errs = append(errs, field.Invalid(p.Child("prefix"), prefix, "replaces the matched prefix, and the route does not match by prefix: use "+instead))
		}
	}
	if path != "" {
		errs = append(errs, pathValue(p.Child("path"), path)...)
	}
	return errs
}

func validateRewrite(p *field.Path, rw *Rewrite, m *Match) field.ErrorList {
	var errs field.ErrorList
	if rw.Prefix == "" && rw.Path == "" && rw.Host == "" {
		errs = append(errs, field.Required(p, "one of prefix, path and host"))
	}
	errs = append(errs, prefixOrPath(p, rw.Prefix, rw.Path, m, "rewrite.path")...)
	if rw.Host != "" {
		errs = append(errs, dnsSubdomain(p.Child("host"), rw.Host)...)
	}
	return errs
}

func pathValue(p *field.Path, v string) field.ErrorList {
	if !strings.HasPrefix(v, "/") {
		return field.ErrorList{field.Invalid(p, v, `must start with "/"`)}
	}
	return printable(p, v)
}

// validateHeaderOps checks header changes as Envoy takes them: request
// headers may set the host (:authority), nothing may set another pseudo
// header, values use Envoy's %VARIABLE% syntax.
func validateHeaderOps(p *field.Path, h *HeaderOps, request bool) field.ErrorList {
	var errs field.ErrorList
	for _, op := range []struct {
		name   string
		values map[string]string
	}{{"set", h.Set}, {"add", h.Add}} {
		for _, name := range sortedKeys(op.values) {
			np := p.Child(op.name).Key(name)
			errs = append(errs, headerName(np, name, request)...)
			errs = append(errs, headerValue(np, op.values[name])...)
		}
	}
	for i, name := range h.Remove {
		errs = append(errs, headerName(p.Child("remove").Index(i), name, false)...)
	}
	return errs
}

func headerName(p *field.Path, name string, mayBeHost bool) field.ErrorList {
	host := strings.EqualFold(name, "host") || strings.EqualFold(name, ":authority")
	switch {
	case host && mayBeHost:
		return nil
	case host:
		return field.ErrorList{field.Forbidden(p, "the host cannot be removed, nor set on a response")}
	case strings.HasPrefix(name, ":"):
		return field.ErrorList{field.Forbidden(p, "a pseudo header (\":\") cannot be changed")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsHTTPHeaderName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// headerValue checks a value for Envoy's header formatter: no control
// characters, and every % either doubled or opening a %VARIABLE% (or
// %VARIABLE(arguments)%) that closes.
func headerValue(p *field.Path, v string) field.ErrorList {
	if errs := printable(p, v); len(errs) > 0 {
		return errs
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		if i+1 < len(v) && v[i+1] == '%' {
			i++
			continue
		}
		j := i + 1
		for j < len(v) && (v[j] >= 'A' && v[j] <= 'Z' || v[j] >= '0' && v[j] <= '9' || v[j] == '_') {
			j++
		}
		if j < len(v) && v[j] == '(' {
			end := strings.IndexByte(v[j:], ')')
			if end < 0 {
				return field.ErrorList{field.Invalid(p, v, "the arguments of a %VARIABLE(...)% do not close")}
			}
			j += end + 1
		}
		if j == i+1 || j >= len(v) || v[j] != '%' {
			return field.ErrorList{field.Invalid(p, v, "a lone % must be written %% (Envoy reads %NAME% as a variable)")}
		}
		i = j
	}
	return nil
}

func validateCORS(p *field.Path, c *CORS) field.ErrorList {
	var errs field.ErrorList
	if len(c.AllowOrigins) == 0 {
		errs = append(errs, field.Required(p.Child("allowOrigins"), "the origins allowed"))
	}
	for i, o := range c.AllowOrigins {
		errs = append(errs, stringMatch(p.Child("allowOrigins").Index(i), o, "an origin")...)
	}
	for i, m := range c.AllowMethods {
		if !slices.Contains(Methods, m) {
			errs = append(errs, field.NotSupported(p.Child("allowMethods").Index(i), m, Methods))
		}
	}
	for _, list := range []struct {
		name  string
		names []string
	}{{"allowHeaders", c.AllowHeaders}, {"exposeHeaders", c.ExposeHeaders}} {
		for i, name := range list.names {
			if name == "*" {
				continue
			}
			for _, msg := range validation.IsHTTPHeaderName(name) {
				errs = append(errs, field.Invalid(p.Child(list.name).Index(i), name, msg))
			}
		}
	}
	if !c.MaxAge.IsZero() {
		if errs2 := validateDuration(p.Child("maxAge"), c.MaxAge); len(errs2) > 0 {
			errs = append(errs, errs2...)
		} else if c.MaxAge.Value()%time.Second != 0 {
			errs = append(errs, field.Invalid(p.Child("maxAge"), c.MaxAge.String(), "browsers take whole seconds"))
		}
	}
	return errs
}

func validateFault(p *field.Path, f *Fault) field.ErrorList {
	var errs field.ErrorList
	if f.Delay == nil && f.Abort == nil {
		errs = append(errs, field.Required(p, "a delay, an abort, or both"))
	}
	if d := f.Delay; d != nil {
		if d.Fixed.IsZero() {
			errs = append(errs, field.Required(p.Child("delay", "fixed"), "the delay, as a duration"))
		} else {
			errs = append(errs, validateDuration(p.Child("delay", "fixed"), d.Fixed)...)
		}
		errs = append(errs, requestShare(p.Child("delay", "percent"), d.Percent, true)...)
	}
	if a := f.Abort; a != nil {
		errs = append(errs, httpStatus(p.Child("abort", "status"), a.Status)...)
		errs = append(errs, requestShare(p.Child("abort", "percent"), a.Percent, true)...)
	}
	return errs
}

// requestShare checks a share of requests: 0-100 and, for a fault,
// Envoy's precision (0, or at least 0.0001).
func requestShare(p *field.Path, v *float64, fault bool) field.ErrorList {
	switch {
	case v == nil:
		return nil
	case *v < 0 || *v > 100:
		return percent(p, *v)
	case fault && *v > 0 && *v < 0.0001:
		return field.ErrorList{field.Invalid(p, *v, "must be 0, or at least 0.0001")}
	}
	return nil
}

func httpStatus(p *field.Path, status int32) field.ErrorList {
	if status < 200 || status > 599 {
		return field.ErrorList{field.Invalid(p, status, "must be an HTTP status between 200 and 599")}
	}
	return nil
}

func validateRedirect(p *field.Path, rd *Redirect, m *Match) field.ErrorList {
	var errs field.ErrorList
	if rd.Host == "" && rd.Prefix == "" && rd.Path == "" && rd.Scheme == "" && rd.Port == 0 {
		errs = append(errs, field.Required(p, "one of host, prefix, path, scheme and port: what the redirect changes"))
	}
	if rd.Host != "" {
		errs = append(errs, dnsSubdomain(p.Child("host"), rd.Host)...)
	}
	errs = append(errs, prefixOrPath(p, rd.Prefix, rd.Path, m, "redirect.path")...)
	if rd.Scheme != "" && rd.Scheme != "http" && rd.Scheme != "https" {
		errs = append(errs, field.NotSupported(p.Child("scheme"), rd.Scheme, []string{"http", "https"}))
	}
	if rd.Port != 0 {
		errs = append(errs, portNumber(p.Child("port"), rd.Port)...)
	}
	if !slices.Contains(RedirectCodes, rd.Code) {
		errs = append(errs, field.NotSupported(p.Child("code"), strconv.Itoa(int(rd.Code)), redirectCodeNames()))
	}
	return errs
}
