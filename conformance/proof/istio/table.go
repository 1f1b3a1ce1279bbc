package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/durationpb"
)

// readRoute reads an Envoy route back into the table's terms.
func readRoute(r *routev3.Route, x *proxy) Route {
	out := Route{Name: r.GetName(), Match: readMatch(r.GetMatch())}
	switch a := r.GetAction().(type) {
	case *routev3.Route_Route:
		ra := a.Route
		switch c := ra.GetClusterSpecifier().(type) {
		case *routev3.RouteAction_Cluster:
			out.Backends = []Backend{x.backend(c.Cluster, 0)}
		case *routev3.RouteAction_WeightedClusters:
			for _, wc := range c.WeightedClusters.GetClusters() {
				out.Backends = append(out.Backends, x.backend(wc.GetName(), wc.GetWeight().GetValue()))
			}
		}
		rw := &Rewrite{Prefix: ra.GetPrefixRewrite(), Host: ra.GetHostRewriteLiteral()}
		if rr := ra.GetRegexRewrite(); rr != nil {
			rw.Regex, rw.Substitution = rr.GetPattern().GetRegex(), rr.GetSubstitution()
		}
		if *rw != (Rewrite{}) {
			out.Rewrite = rw
		}
		out.Timeout = duration(ra.GetTimeout())
		if rp := ra.GetRetryPolicy(); rp != nil {
			out.Retries = &Retries{Attempts: rp.GetNumRetries().GetValue(), PerTryTimeout: duration(rp.GetPerTryTimeout()), RetryOn: rp.GetRetryOn(),
				RetriableStatusCodes: rp.GetRetriableStatusCodes()}
		}
		for _, m := range ra.GetRequestMirrorPolicies() {
			out.Mirrors = append(out.Mirrors, Mirror{Backend: x.backend(m.GetCluster(), 0), Percent: percent(m.GetRuntimeFraction().GetDefaultValue())})
		}
	case *routev3.Route_Redirect:
		rd := a.Redirect
		red := &Redirect{Host: rd.GetHostRedirect(), Port: rd.GetPortRedirect(), StripQuery: rd.GetStripQuery(),
			Path: rd.GetPathRedirect(), Prefix: rd.GetPrefixRewrite(), Status: redirectCode(rd.GetResponseCode())}
		if rd.GetHttpsRedirect() {
			red.Scheme = "https"
		} else {
			red.Scheme = rd.GetSchemeRedirect()
		}
		if rr := rd.GetRegexRewrite(); rr != nil {
			red.Regex, red.Substitution = rr.GetPattern().GetRegex(), rr.GetSubstitution()
		}
		out.Redirect = red
	case *routev3.Route_DirectResponse:
		out.Response = &Response{Status: int(a.DirectResponse.GetStatus()), Body: a.DirectResponse.GetBody().GetInlineString()}
		if b := a.DirectResponse.GetBody().GetInlineBytes(); len(b) > 0 {
			out.Response.Body = string(b)
		}
	}
	out.Headers = readHeaderOps(r)
	if any := r.GetTypedPerFilterConfig()["envoy.filters.http.cors"]; any != nil {
		var cp corsv3.CorsPolicy
		if any.UnmarshalTo(&cp) == nil {
			c := &CORS{AllowMethods: cp.GetAllowMethods(), AllowHeaders: cp.GetAllowHeaders(), ExposeHeaders: cp.GetExposeHeaders(), MaxAge: cp.GetMaxAge()}
			for _, o := range cp.GetAllowOriginStringMatch() {
				c.AllowOrigins = append(c.AllowOrigins, stringMatch(o))
			}
			if cp.GetAllowCredentials() != nil {
				v := cp.GetAllowCredentials().GetValue()
				c.AllowCredentials = &v
			}
			out.CORS = c
		}
	}
	if any := r.GetTypedPerFilterConfig()["envoy.filters.http.fault"]; any != nil {
		var f faultv3.HTTPFault
		if any.UnmarshalTo(&f) == nil {
			fault := &Fault{}
			if d := f.GetDelay(); d != nil {
				fault.Delay, fault.DelayPercent = duration(d.GetFixedDelay()), percent(d.GetPercentage())
			}
			if a := f.GetAbort(); a != nil {
				fault.AbortStatus, fault.AbortPercent = int(a.GetHttpStatus()), percent(a.GetPercentage())
			}
			out.Fault = fault
		}
	}
	return out
}

func readMatch(m *routev3.RouteMatch) Match {
	var out Match
	switch ps := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		out.Path = "prefix " + ps.Prefix
	case *routev3.RouteMatch_Path:
		out.Path = "exact " + ps.Path
	case *routev3.RouteMatch_SafeRegex:
		out.Path = "regex " + ps.SafeRegex.GetRegex()
	case *routev3.RouteMatch_PathSeparatedPrefix:
		out.Path = "segments " + ps.PathSeparatedPrefix
	default:
		out.Path = fmt.Sprintf("%T", ps)
	}
	out.IgnoreCase = m.GetCaseSensitive() != nil && !m.GetCaseSensitive().GetValue()
	for _, h := range m.GetHeaders() {
		c := Condition{Name: h.GetName(), Match: headerMatch(h)}
		if h.GetName() == ":method" && strings.HasPrefix(c.Match, "exact ") {
			out.Method = strings.TrimPrefix(c.Match, "exact ")
			continue
		}
		out.Headers = append(out.Headers, c)
	}
	for _, q := range m.GetQueryParameters() {
		c := Condition{Name: q.GetName()}
		switch s := q.GetQueryParameterMatchSpecifier().(type) {
		case *routev3.QueryParameterMatcher_PresentMatch:
			c.Match = "present"
			if !s.PresentMatch {
				c.Match = "absent"
			}
		case *routev3.QueryParameterMatcher_StringMatch:
			c.Match = stringMatch(s.StringMatch)
		}
		out.Query = append(out.Query, c)
	}
	return out
}

func headerMatch(h *routev3.HeaderMatcher) string {
	var m string
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case *routev3.HeaderMatcher_StringMatch:
		m = stringMatch(s.StringMatch)
	case *routev3.HeaderMatcher_ExactMatch:
		m = "exact " + s.ExactMatch
	case *routev3.HeaderMatcher_PrefixMatch:
		m = "prefix " + s.PrefixMatch
	case *routev3.HeaderMatcher_SuffixMatch:
		m = "suffix " + s.SuffixMatch
	case *routev3.HeaderMatcher_ContainsMatch:
		m = "contains " + s.ContainsMatch
	case *routev3.HeaderMatcher_SafeRegexMatch:
		m = "regex " + s.SafeRegexMatch.GetRegex()
	case *routev3.HeaderMatcher_PresentMatch:
		m = "present"
		if !s.PresentMatch {
			m = "absent"
		}
	case nil:
		m = "present"
	default:
		m = fmt.Sprintf("%T", s)
	}
	if h.GetInvertMatch() {
		m = "not " + m
	}
	return m
}

func stringMatch(s *matcherv3.StringMatcher) string {
	var m string
	switch p := s.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		m = "exact " + p.Exact
	case *matcherv3.StringMatcher_Prefix:
		m = "prefix " + p.Prefix
	case *matcherv3.StringMatcher_Suffix:
		m = "suffix " + p.Suffix
	case *matcherv3.StringMatcher_Contains:
		m = "contains " + p.Contains
	case *matcherv3.StringMatcher_SafeRegex:
		m = "regex " + p.SafeRegex.GetRegex()
	default:
		m = fmt.Sprintf("%T", p)
	}
	if s.GetIgnoreCase() {
		m += " (any case)"
	}
	return m
}

func readHeaderOps(r *routev3.Route) *HeaderOps {
	req := changes(r.GetRequestHeadersToAdd(), r.GetRequestHeadersToRemove())
	res := changes(r.GetResponseHeadersToAdd(), r.GetResponseHeadersToRemove())
	if req == nil && res == nil {
		return nil
	}
	return &HeaderOps{Request: req, Response: res}
}

func changes(add []*corev3.HeaderValueOption, remove []string) *HeaderChanges {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	c := &HeaderChanges{Remove: remove}
	for _, o := range add {
		v := o.GetHeader().GetValue()
		if v == "" && len(o.GetHeader().GetRawValue()) > 0 {
			v = string(o.GetHeader().GetRawValue())
		}
		appendAction := o.GetAppendAction() == corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD
		if o.GetAppend() != nil {
			appendAction = o.GetAppend().GetValue()
		}
		if appendAction {
			if c.Add == nil {
				c.Add = map[string]string{}
			}
			c.Add[o.GetHeader().GetKey()] = v
		} else {
			if c.Set == nil {
				c.Set = map[string]string{}
			}
			c.Set[o.GetHeader().GetKey()] = v
		}
	}
	return c
}

func redirectCode(c routev3.RedirectAction_RedirectResponseCode) int {
	switch c {
	case routev3.RedirectAction_MOVED_PERMANENTLY:
		return 301
	case routev3.RedirectAction_FOUND:
		return 302
	case routev3.RedirectAction_SEE_OTHER:
		return 303
	case routev3.RedirectAction_TEMPORARY_REDIRECT:
		return 307
	case routev3.RedirectAction_PERMANENT_REDIRECT:
		return 308
	}
	return 0
}

// duration prints an Envoy duration as Istio's API prints one; "" for
// none (a zero route timeout means none).
func duration(d *durationpb.Duration) string {
	if d == nil || d.AsDuration() == 0 {
		return ""
	}
	return d.AsDuration().String()
}

func percent(f *typev3.FractionalPercent) float64 {
	if f == nil {
		return 100
	}
	n := float64(f.GetNumerator())
	switch f.GetDenominator() {
	case typev3.FractionalPercent_TEN_THOUSAND:
		return n / 100
	case typev3.FractionalPercent_MILLION:
		return n / 10000
	default:
		return n
	}
}

// backend reads an Istio cluster name, outbound|port|subset|host.
func (x *proxy) backend(name string, weight uint32) Backend {
	b := Backend{Weight: weight, Endpoints: -1}
	if _, ok := x.clusters[name]; ok {
		b.Addresses = x.endpoints[name]
		b.Endpoints = len(b.Addresses)
	}
	parts := strings.Split(name, "|")
	if len(parts) == 4 && parts[0] == "outbound" {
		if port, err := strconv.Atoi(parts[1]); err == nil {
			b.Service, b.Port, b.Subset = parts[3], uint32(port), parts[2]
			return b
		}
	}
	b.Cluster = name
	return b
}

// endpointAddresses lists the healthy endpoints of a cluster, ip:port,
// sorted.
func endpointAddresses(locs []*endpointv3.LocalityLbEndpoints) []string {
	var out []string
	for _, l := range locs {
		for _, e := range l.GetLbEndpoints() {
			switch e.GetHealthStatus() {
			case corev3.HealthStatus_UNKNOWN, corev3.HealthStatus_HEALTHY:
				a := e.GetEndpoint().GetAddress().GetSocketAddress()
				out = append(out, fmt.Sprintf("%s:%d", a.GetAddress(), a.GetPortValue()))
			}
		}
	}
	sort.Strings(out)
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Object != ps[j].Object {
			return ps[i].Object < ps[j].Object
		}
		if ps[i].Class != ps[j].Class {
			return ps[i].Class < ps[j].Class
		}
		return ps[i].Message < ps[j].Message
	})
}
