// Package envoymatch answers an HTTP request against the route
// configuration istiod sends Envoy (RDS), as Envoy's router does: the virtual
// host by its domains, then the first route, in order, whose match holds,
// then what that route does to the request (the cluster or weighted
// clusters, the path and authority after rewriting, a redirect or a direct
// response).
//
// It follows the semantics the Envoy API documents for each field
// (envoy.config.route.v3): a field it does not know how to evaluate is an
// error, never a silent match. It evaluates only what a route decides from
// the request line and headers: runtime fractions, dynamic metadata and
// filter state are errors.
package envoymatch

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// Request is what a route matches on.
type Request struct {
	Method string
	// Scheme is http or https, as the proxy sees the request (behind an ALB
	// that ends TLS, http). Empty means http.
	Scheme string
	// Authority is the Host header (HTTP/1) or :authority (HTTP/2).
	Authority string
	// Path is the request target: the path and, after a '?', the query.
	Path string
	// Headers holds the other request headers, by lower-case name.
	Headers map[string][]string
}

func (r Request) scheme() string {
	if r.Scheme == "" {
		return "http"
	}
	return r.Scheme
}

// pathOnly is the path without the query string (or fragment).
func (r Request) pathOnly() string {
	p := r.Path
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p
}

// query is the query string, without the '?'.
func (r Request) query() (string, bool) {
	p := r.Path
	if i := strings.IndexByte(p, '#'); i >= 0 {
		p = p[:i]
	}
	i := strings.IndexByte(p, '?')
	if i < 0 {
		return "", false
	}
	return p[i+1:], true
}

// header returns every value of a header joined by ",", as Envoy's header
// matchers see a header given more than once, and whether it is present.
// The pseudo-headers :method, :authority, :path and :scheme come from the
// request line.
func (r Request) header(name string) (string, bool) {
	switch name := strings.ToLower(name); name {
	case ":method":
		return r.Method, r.Method != ""
	case ":authority", "host":
		return r.Authority, r.Authority != ""
	case ":path":
		return r.Path, r.Path != ""
	case ":scheme":
		return r.scheme(), true
	default:
		vs, ok := r.Headers[name]
		if !ok {
			return "", false
		}
		return strings.Join(vs, ","), true
	}
}

// VirtualHost returns the virtual host of rc that Envoy picks for the
// authority: an exact domain first, then the longest suffix wildcard
// ("*.foo.com", "*-bar.foo.com"), then the longest prefix wildcard
// ("foo.*"), then "*". Domains compare without regard to case. nil means
// none: Envoy answers 404.
func VirtualHost(rc *routev3.RouteConfiguration, authority string) *routev3.VirtualHost {
	host := strings.ToLower(authority)
	if rc.GetIgnorePortInHostMatching() {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	var (
		suffix, prefix, any  *routev3.VirtualHost
		suffixLen, prefixLen int
	)
	for _, vh := range rc.GetVirtualHosts() {
		for _, d := range vh.GetDomains() {
			d = strings.ToLower(d)
			switch {
			case d == host:
				return vh
			case d == "*":
				if any == nil {
					any = vh
				}
			case strings.HasPrefix(d, "*"):
				// A wildcard matches at least one character.
				if len(host) > len(d)-1 && strings.HasSuffix(host, d[1:]) && len(d) > suffixLen {
					suffix, suffixLen = vh, len(d)
				}
			case strings.HasSuffix(d, "*"):
				if len(host) > len(d)-1 && strings.HasPrefix(host, d[:len(d)-1]) && len(d) > prefixLen {
					prefix, prefixLen = vh, len(d)
				}
			}
		}
	}
	switch {
	case suffix != nil:
		return suffix
	case prefix != nil:
		return prefix
	default:
		return any
	}
}

// FirstRoute returns the index of the first route of vh whose match holds
// for req, or -1 when none does (Envoy answers 404).
func FirstRoute(vh *routev3.VirtualHost, req Request) (int, error) {
	for i, r := range vh.GetRoutes() {
		ok, err := Matches(r.GetMatch(), req)
		if err != nil {
			return -1, fmt.Errorf("route %d (%q): %w", i, r.GetName(), err)
		}
		if ok {
			return i, nil
		}
	}
	return -1, nil
}

// Matches says whether a route's match holds for req: its path, every
// header matcher and every query parameter matcher.
func Matches(m *routev3.RouteMatch, req Request) (bool, error) {
	if _, err := matchedPath(m, req); err != nil {
		if err == errNoMatch {
			return false, nil
		}
		return false, err
	}
	if m.GetRuntimeFraction() != nil || len(m.GetDynamicMetadata()) > 0 || m.GetFilterState() != nil || m.GetTlsContext() != nil {
		return false, fmt.Errorf("the match depends on more than the request (runtime fraction, metadata, filter state or TLS), which this check does not evaluate")
	}
	if m.GetGrpc() != nil {
		ct, _ := req.header("content-type")
		if !strings.HasPrefix(ct, "application/grpc") {
			return false, nil
		}
	}
	for _, h := range m.GetHeaders() {
		ok, err := headerMatches(h, req)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, q := range m.GetQueryParameters() {
		ok, err := queryMatches(q, req)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

var errNoMatch = fmt.Errorf("no match")

// matchedPath returns the part of the path the route's path specifier
// matched, which a prefix rewrite replaces: the prefix for a prefix match,
// the whole path (without the query) otherwise.
func matchedPath(m *routev3.RouteMatch, req Request) (string, error) {
	sensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	eq := func(a, b string) bool {
		if sensitive {
			return a == b
		}
		return strings.EqualFold(a, b)
	}
	path := req.pathOnly()
	switch ps := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		// Envoy compares a prefix with the whole :path, query included.
		full := req.Path
		if len(full) >= len(ps.Prefix) && eq(full[:len(ps.Prefix)], ps.Prefix) {
			return full[:len(ps.Prefix)], nil
		}
	case *routev3.RouteMatch_Path:
		if eq(path, ps.Path) {
			return path, nil
		}
	case *routev3.RouteMatch_PathSeparatedPrefix:
		p := ps.PathSeparatedPrefix
		if len(path) >= len(p) && eq(path[:len(p)], p) && (len(path) == len(p) || path[len(p)] == '/') {
			return path[:len(p)], nil
		}
	case *routev3.RouteMatch_SafeRegex:
		re, err := fullRegexp(ps.SafeRegex.GetRegex())
		if err != nil {
			return "", err
		}
		if re.MatchString(path) {
			return path, nil
		}
	case nil:
		return "", fmt.Errorf("the route has no path match")
	default:
		return "", fmt.Errorf("path match %T is not evaluated by this check", ps)
	}
	return "", errNoMatch
}

// fullRegexp compiles an RE2 pattern that must match the whole input, as
// Envoy's safe_regex matchers do.
func fullRegexp(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", pattern, err)
	}
	return re, nil
}

func headerMatches(h *routev3.HeaderMatcher, req Request) (bool, error) {
	value, present := req.header(h.GetName())
	if pm, ok := h.GetHeaderMatchSpecifier().(*routev3.HeaderMatcher_PresentMatch); ok {
		return (present == pm.PresentMatch) != h.GetInvertMatch(), nil
	}
	if !present {
		if !h.GetTreatMissingHeaderAsEmpty() {
			// A missing header matches nothing, inverted or not.
			return false, nil
		}
		value = ""
	}
	var (
		ok  bool
		err error
	)
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case *routev3.HeaderMatcher_StringMatch:
		ok, err = stringMatches(s.StringMatch, value)
	case *routev3.HeaderMatcher_ExactMatch:
		ok = value == s.ExactMatch
	case *routev3.HeaderMatcher_PrefixMatch:
		ok = strings.HasPrefix(value, s.PrefixMatch)
	case *routev3.HeaderMatcher_SuffixMatch:
		ok = strings.HasSuffix(value, s.SuffixMatch)
	case *routev3.HeaderMatcher_ContainsMatch:
		ok = strings.Contains(value, s.ContainsMatch)
	case *routev3.HeaderMatcher_SafeRegexMatch:
		var re *regexp.Regexp
		if re, err = fullRegexp(s.SafeRegexMatch.GetRegex()); err == nil {
			ok = re.MatchString(value)
		}
	case nil:
		// No specifier: the header only has to be present.
		ok = true
	default:
		err = fmt.Errorf("header match %T is not evaluated by this check", s)
	}
	if err != nil {
		return false, fmt.Errorf("header %q: %w", h.GetName(), err)
	}
	return ok != h.GetInvertMatch(), nil
}

func stringMatches(m *matcherv3.StringMatcher, value string) (bool, error) {
	v := value
	fold := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		return fold(v) == fold(p.Exact), nil
	case *matcherv3.StringMatcher_Prefix:
		return strings.HasPrefix(fold(v), fold(p.Prefix)), nil
	case *matcherv3.StringMatcher_Suffix:
		return strings.HasSuffix(fold(v), fold(p.Suffix)), nil
	case *matcherv3.StringMatcher_Contains:
		return strings.Contains(fold(v), fold(p.Contains)), nil
	case *matcherv3.StringMatcher_SafeRegex:
		re, err := fullRegexp(p.SafeRegex.GetRegex())
		if err != nil {
			return false, err
		}
		return re.MatchString(v), nil
	default:
		return false, fmt.Errorf("string match %T is not evaluated by this check", p)
	}
}

// queryMatches: the first value of the parameter in the query string,
// percent-decoded as Envoy's router decodes it; a parameter that is absent matches only a
// present_match of false.
func queryMatches(q *routev3.QueryParameterMatcher, req Request) (bool, error) {
	raw, _ := req.query()
	var (
		value   string
		present bool
	)
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.PathUnescape(k); err == nil {
			k = dk
		}
		if k == q.GetName() {
			if dv, err := url.PathUnescape(v); err == nil {
				v = dv
			}
			value, present = v, true
			break
		}
	}
	switch s := q.GetQueryParameterMatchSpecifier().(type) {
	case *routev3.QueryParameterMatcher_PresentMatch:
		return present == s.PresentMatch, nil
	case *routev3.QueryParameterMatcher_StringMatch:
		if !present {
			return false, nil
		}
		ok, err := stringMatches(s.StringMatch, value)
		if err != nil {
			return false, fmt.Errorf("query parameter %q: %w", q.GetName(), err)
		}
		return ok, nil
	case nil:
		return present, nil
	default:
		return false, fmt.Errorf("query parameter match %T is not evaluated by this check", s)
	}
}

// Outcome is what a route does with a request.
type Outcome struct {
	// Clusters the request goes to, with their weights (one cluster: its
	// weight is 0, meaning all of the traffic).
	Clusters []WeightedCluster
	// Path and Authority are what the upstream receives: the request's,
	// after the route's rewrites (the path with its query).
	Path, Authority string
	// Redirect is set when the route answers with a redirect.
	Redirect *Redirect
	// Direct is set when the route answers by itself.
	Direct *Direct
}

// WeightedCluster is one upstream cluster of a route and its weight.
type WeightedCluster struct {
	Name   string
	Weight uint32
	// Authority the upstream receives, when this cluster rewrites it.
	Authority string
}

// Redirect is a route's redirect answer.
type Redirect struct {
	Location string
	Status   int
}

// Direct is a route's direct response.
type Direct struct {
	Status int
	Body   string
}

// Apply returns what route r does with req (which r must match).
func Apply(r *routev3.Route, req Request) (Outcome, error) {
	switch a := r.GetAction().(type) {
	case *routev3.Route_Route:
		return forward(r.GetMatch(), a.Route, req)
	case *routev3.Route_Redirect:
		red, err := redirect(r.GetMatch(), a.Redirect, req)
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Redirect: red}, nil
	case *routev3.Route_DirectResponse:
		d := &Direct{Status: int(a.DirectResponse.GetStatus())}
		body := a.DirectResponse.GetBody()
		switch {
		case body.GetInlineString() != "":
			d.Body = body.GetInlineString()
		case len(body.GetInlineBytes()) > 0:
			d.Body = string(body.GetInlineBytes())
		case body.GetFilename() != "":
			return Outcome{}, fmt.Errorf("the direct response's body is a file (%s), which this check does not read", body.GetFilename())
		}
		return Outcome{Direct: d}, nil
	default:
		return Outcome{}, fmt.Errorf("route action %T is not evaluated by this check", a)
	}
}

func forward(m *routev3.RouteMatch, a *routev3.RouteAction, req Request) (Outcome, error) {
	out := Outcome{Authority: req.Authority}
	switch c := a.GetClusterSpecifier().(type) {
	case *routev3.RouteAction_Cluster:
		out.Clusters = []WeightedCluster{{Name: c.Cluster}}
	case *routev3.RouteAction_WeightedClusters:
		for _, wc := range c.WeightedClusters.GetClusters() {
			if wc.GetName() == "" {
				return Outcome{}, fmt.Errorf("a weighted cluster named by header (%s), which this check does not evaluate", wc.GetClusterHeader())
			}
			out.Clusters = append(out.Clusters, WeightedCluster{
				Name: wc.GetName(), Weight: wc.GetWeight().GetValue(), Authority: wc.GetHostRewriteLiteral(),
			})
		}
	default:
		return Outcome{}, fmt.Errorf("cluster specifier %T is not evaluated by this check", c)
	}
	path, err := rewritePath(m, a.GetPrefixRewrite(), a.GetRegexRewrite(), req)
	if err != nil {
		return Outcome{}, err
	}
	if a.GetPathRewritePolicy() != nil {
		return Outcome{}, fmt.Errorf("a path rewrite policy (%s), which this check does not evaluate", a.GetPathRewritePolicy().GetName())
	}
	out.Path = path
	switch h := a.GetHostRewriteSpecifier().(type) {
	case *routev3.RouteAction_HostRewriteLiteral:
		out.Authority = h.HostRewriteLiteral
	case nil:
	case *routev3.RouteAction_AutoHostRewrite:
		if h.AutoHostRewrite.GetValue() {
			return Outcome{}, fmt.Errorf("the authority is rewritten to the upstream host's (auto_host_rewrite), which this check does not know")
		}
	default:
		return Outcome{}, fmt.Errorf("host rewrite %T is not evaluated by this check", h)
	}
	return out, nil
}

// rewritePath applies a prefix rewrite (which replaces the matched part of
// the path) or a regex rewrite (which replaces every match of its pattern in
// the path, the query left alone) and returns the new path with its query.
func rewritePath(m *routev3.RouteMatch, prefix string, rr *matcherv3.RegexMatchAndSubstitute, req Request) (string, error) {
	switch {
	case prefix != "" && rr != nil:
		return "", fmt.Errorf("both a prefix and a regex rewrite")
	case prefix != "":
		matched, err := matchedPath(m, req)
		if err != nil {
			return "", fmt.Errorf("prefix rewrite: %w", err)
		}
		return prefix + req.Path[len(matched):], nil
	case rr != nil:
		re, err := regexp.Compile(rr.GetPattern().GetRegex())
		if err != nil {
			return "", fmt.Errorf("regex rewrite %q: %w", rr.GetPattern().GetRegex(), err)
		}
		path := req.pathOnly()
		return re.ReplaceAllString(path, goTemplate(rr.GetSubstitution())) + req.Path[len(path):], nil
	default:
		return req.Path, nil
	}
}

// goTemplate turns an RE2 substitution (\1 for a group, \\ for a
// backslash) into a Go regexp template (${1}, $$ for a dollar).
func goTemplate(sub string) string {
	var b strings.Builder
	for i := 0; i < len(sub); i++ {
		c := sub[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(sub) && sub[i+1] >= '0' && sub[i+1] <= '9':
			b.WriteString("${" + string(sub[i+1]) + "}")
			i++
		case c == '\\' && i+1 < len(sub) && sub[i+1] == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var redirectStatus = map[routev3.RedirectAction_RedirectResponseCode]int{
	routev3.RedirectAction_MOVED_PERMANENTLY:  301,
	routev3.RedirectAction_FOUND:              302,
	routev3.RedirectAction_SEE_OTHER:          303,
	routev3.RedirectAction_TEMPORARY_REDIRECT: 307,
	routev3.RedirectAction_PERMANENT_REDIRECT: 308,
}

var defaultPorts = map[string]string{"http": "80", "https": "443"}

func redirect(m *routev3.RouteMatch, a *routev3.RedirectAction, req Request) (*Redirect, error) {
	scheme := req.scheme()
	switch s := a.GetSchemeRewriteSpecifier().(type) {
	case *routev3.RedirectAction_HttpsRedirect:
		if s.HttpsRedirect {
			scheme = "https"
		}
	case *routev3.RedirectAction_SchemeRedirect:
		scheme = strings.ToLower(s.SchemeRedirect)
	}
	host, port := req.Authority, ""
	if h, p, err := net.SplitHostPort(req.Authority); err == nil {
		host, port = h, p
	}
	if a.GetHostRedirect() != "" {
		host, port = a.GetHostRedirect(), ""
		if h, p, err := net.SplitHostPort(host); err == nil {
			host, port = h, p
		}
	}
	if a.GetPortRedirect() != 0 {
		port = fmt.Sprint(a.GetPortRedirect())
	}
	if port == defaultPorts[scheme] || (scheme != req.scheme() && port == defaultPorts[req.scheme()]) {
		port = ""
	}
	var path string
	switch p := a.GetPathRewriteSpecifier().(type) {
	case *routev3.RedirectAction_PathRedirect:
		if p.PathRedirect == "" {
			// Set but empty, as istiod writes a redirect that keeps the
			// path: Envoy keeps the request's.
			path = req.Path
			break
		}
		path = p.PathRedirect
		if q, ok := req.query(); ok && !a.GetStripQuery() && !strings.Contains(path, "?") {
			path += "?" + q
		}
	case *routev3.RedirectAction_PrefixRewrite:
		var err error
		if path, err = rewritePath(m, p.PrefixRewrite, nil, req); err != nil {
			return nil, err
		}
	case *routev3.RedirectAction_RegexRewrite:
		var err error
		if path, err = rewritePath(m, "", p.RegexRewrite, req); err != nil {
			return nil, err
		}
	case nil:
		path = req.Path
	default:
		return nil, fmt.Errorf("redirect path %T is not evaluated by this check", p)
	}
	if a.GetStripQuery() {
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
	}
	status, ok := redirectStatus[a.GetResponseCode()]
	if !ok {
		return nil, fmt.Errorf("redirect response code %v is not known to this check", a.GetResponseCode())
	}
	loc := scheme + "://" + host
	if port != "" {
		loc += ":" + port
	}
	return &Redirect{Location: loc + path, Status: status}, nil
}

// Domains lists the domains of a virtual host without the ":*" and
// ":port" forms Istio adds beside each.
func Domains(vh *routev3.VirtualHost) []string {
	var out []string
	for _, d := range vh.GetDomains() {
		if h, _, err := net.SplitHostPort(d); err == nil {
			d = h
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
