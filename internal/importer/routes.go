package importer

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1"
)

func fieldf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// svcRef is a Service by namespace and name.
type svcRef struct{ namespace, name string }

func (s svcRef) fqdn() string { return model.FQDN(s.name, s.namespace) }

// serviceHost resolves host, written in an Istio object of namespace ns,
// to the Service it names, as Istio does: a short name is a Service of
// ns, a name ending in .svc.cluster.local names its namespace. Anything
// else (an external host, a ServiceEntry's) is no Service.
func serviceHost(host, ns string) (svcRef, bool) {
	switch {
	case host != "" && !strings.Contains(host, ".") && host != "*":
		return svcRef{ns, host}, true
	case strings.HasSuffix(host, model.ClusterDomainSuffix):
		parts := strings.Split(strings.TrimSuffix(host, model.ClusterDomainSuffix), ".")
		if len(parts) == 2 && parts[0] != "" && parts[1] != "" && parts[0] != "*" {
			return svcRef{parts[1], parts[0]}, true
		}
	}
	return svcRef{}, false
}

// route is one Istio http route with a single match, as a route of a
// ServiceExposure is: an Istio route with several matches is one route
// per match (the first that matches wins either way). Its destinations
// are FQDNs with their ports.
type route struct {
	http *networking.HTTPRoute
	at   string // where it was written: spec.http[1], spec.http[1].match[0]
	// ok is false when a destination is no Service of the cluster.
	ok bool
	// matchName is the name of the match it was written with.
	matchName string
}

// portOf gives the port of a Service a destination names without one
// (its only port), or 0.
type portOf func(svcRef) int32

// normalize turns the http routes of a VirtualService of namespace ns
// into routes of one match each, with every host a Service's FQDN and
// every port set, and Istio's defaults made explicit where krm-fn renders
// them (the redirect code, the mirror's percentage, the deprecated forms
// of percentages and CORS origins).
func normalize(http []*networking.HTTPRoute, ns string, ports portOf) []route {
	var out []route
	for i, h := range http {
		at := fieldf("spec.http[%d]", i)
		matches := h.GetMatch()
		if len(matches) == 0 {
			matches = []*networking.HTTPMatchRequest{{}}
		}
		// The route without its matches, cloned once per match: a clone
		// of the whole route per match would cost the square of them.
		base := proto.Clone(h).(*networking.HTTPRoute)
		base.Match = nil
		for j, m := range matches {
			r := proto.Clone(base).(*networking.HTTPRoute)
			m = proto.Clone(m).(*networking.HTTPMatchRequest)
			if m.Uri == nil {
				m.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: "/"}}
			}
			one := route{at: at, ok: true, matchName: m.Name}
			m.Name = ""
			r.Match = []*networking.HTTPMatchRequest{m}
			one.http = r
			if len(h.GetMatch()) > 1 {
				one.at = fieldf("%s.match[%d]", at, j)
			}
			one.ok = normalizeRoute(r, ns, ports)
			out = append(out, one)
		}
	}
	return out
}

func normalizeRoute(r *networking.HTTPRoute, ns string, ports portOf) bool {
	ok := true
	fix := func(d *networking.Destination) {
		if d == nil {
			return
		}
		s, isSvc := serviceHost(d.Host, ns)
		if !isSvc {
			ok = false
			return
		}
		d.Host = s.fqdn()
		if d.GetPort().GetNumber() == 0 {
			if p := ports(s); p != 0 {
				d.Port = &networking.PortSelector{Number: uint32(p)}
			}
		}
	}
	var sum int32
	for _, d := range r.Route {
		if d.Destination == nil {
			ok = false
			continue
		}
		fix(d.Destination)
		sum += d.Weight
	}
	if len(r.Route) == 1 {
		r.Route[0].Weight = 0
	} else if sum > 0 && sum != 100 {
		// Istio takes weights as shares of their sum.
		for _, d := range r.Route {
			if d.Weight*100%sum == 0 {
				d.Weight = d.Weight * 100 / sum
			}
		}
	}
	if len(r.Mirrors) == 1 && r.Mirror == nil {
		r.Mirror, r.MirrorPercentage = r.Mirrors[0].Destination, r.Mirrors[0].Percentage
		r.Mirrors = nil
	}
	if r.Mirror != nil {
		fix(r.Mirror)
		if r.MirrorPercentage == nil {
			r.MirrorPercentage = &networking.Percent{Value: 100}
			if r.MirrorPercent != nil {
				r.MirrorPercentage.Value = float64(r.MirrorPercent.Value)
			}
		}
		r.MirrorPercent = nil
	}
	if rd := r.Redirect; rd != nil && rd.RedirectCode == 0 {
		rd.RedirectCode = v1alpha1.DefaultRedirectCode
	}
	if rw := r.Rewrite; rw != nil && rw.Uri != "" && r.Match[0].GetUri().GetExact() != "" {
		// On an exact match, the whole path is the matched part.
		rw.UriRegexRewrite = &networking.RegexRewrite{Match: "^.*$", Rewrite: rw.Uri}
		rw.Uri = ""
	}
	if f := r.Fault; f != nil {
		if d := f.Delay; d != nil && d.Percentage == nil && d.Percent != 0 {
			d.Percentage, d.Percent = &networking.Percent{Value: float64(d.Percent)}, 0
		}
	}
	if c := r.CorsPolicy; c != nil && len(c.AllowOrigin) > 0 {
		for _, o := range c.AllowOrigin {
			c.AllowOrigins = append(c.AllowOrigins, &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: o}})
		}
		c.AllowOrigin = nil
	}
	return ok
}

// carried are the fields of an Istio http route a ServiceExposure route
// carries over: true for a field taken whole, false for one whose fields
// are looked at in turn. Paths have no indices.
var carried = map[string]bool{
	"name": true, "match": false, "route": false, "redirect": false, "directResponse": false,
	"rewrite": false, "timeout": true, "retries": false, "fault": false, "mirror": false,
	"mirrorPercentage": true, "corsPolicy": false, "headers": false,

	"match.uri": true, "match.method": false, "match.method.exact": true,
	"match.headers": true, "match.queryParams": true,

	"route.destination": false, "route.destination.host": true, "route.destination.subset": true,
	"route.destination.port": false, "route.destination.port.number": true, "route.weight": true,

	"redirect.uri": true, "redirect.authority": true, "redirect.redirectCode": true,
	"redirect.scheme": true, "redirect.port": true, "redirect.prefixRewrite": true,
	"directResponse.status": true, "directResponse.body": false, "directResponse.body.string": true,

	"rewrite.uri": true, "rewrite.authority": true, "rewrite.uriRegexRewrite": true,
	"retries.attempts": true, "retries.perTryTimeout": true, "retries.retryOn": true,

	"fault.delay": false, "fault.delay.fixedDelay": true, "fault.delay.percentage": true,
	"fault.abort": false, "fault.abort.httpStatus": true, "fault.abort.percentage": true,

	"mirror.host": true, "mirror.subset": true, "mirror.port": false, "mirror.port.number": true,

	"corsPolicy.allowOrigins": true, "corsPolicy.allowMethods": true, "corsPolicy.allowHeaders": true,
	"corsPolicy.exposeHeaders": true, "corsPolicy.maxAge": true, "corsPolicy.allowCredentials": true,

	"headers.request": false, "headers.response": false,
	"headers.request.set": true, "headers.request.add": true, "headers.request.remove": true,
	"headers.response.set": true, "headers.response.add": true, "headers.response.remove": true,
}

// notCarried lists the fields set in m that carried does not take, as
// field paths under at (with indices).
func notCarried(m protoreflect.Message, at, prefix string) []string {
	var out []string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := fd.JSONName()
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		whole, known := carried[key]
		switch {
		case !known:
			out = append(out, at+"."+name)
		case whole:
		case fd.IsList():
			for i := range v.List().Len() {
				out = append(out, notCarried(v.List().Get(i).Message(), fieldf("%s.%s[%d]", at, name, i), key)...)
			}
		case fd.Message() != nil:
			out = append(out, notCarried(v.Message(), at+"."+name, key)...)
		}
		return true
	})
	sort.Strings(out)
	return out
}

// matchField says whether the field at path is a condition of the match:
// a route whose condition cannot be carried over is left out, rather than
// carried over matching more than it did.
func matchField(path string) bool {
	return strings.Contains(path, ".match")
}

// specRoute is r as a ServiceExposure route of the exposure whose Service
// is own (port ownPort), in namespace ns.
func specRoute(r *networking.HTTPRoute, own svcRef, ownPort int32, ns string) v1alpha1.Route {
	out := v1alpha1.Route{Name: r.Name}
	m := r.Match[0]
	switch u := m.GetUri(); {
	case u.GetExact() != "":
		out.Match.Exact = u.GetExact()
	case u.GetRegex() != "":
		out.Match.Regex = u.GetRegex()
	case u.GetPrefix() != "/":
		out.Match.Prefix = u.GetPrefix()
	}
	out.Match.Method = m.GetMethod().GetExact()
	out.Match.Headers = stringMatches(m.Headers)
	out.Match.QueryParams = stringMatches(m.QueryParams)
	out.Timeout = duration(r.Timeout.AsDuration())
	if rt := r.Retries; rt != nil {
		out.Retries = &v1alpha1.Retries{Attempts: rt.Attempts, PerTryTimeout: duration(rt.PerTryTimeout.AsDuration()), RetryOn: rt.RetryOn}
	}
	for _, d := range r.Route {
		b := v1alpha1.Backend{Subset: d.Destination.Subset}
		s, _ := serviceHost(d.Destination.Host, ns)
		port := int32(d.Destination.GetPort().GetNumber())
		if s != own || port != ownPort && port != 0 {
			b.Service, b.Port = s.name, port
			if s.namespace != ns {
				b.Namespace = s.namespace
			}
		}
		if len(r.Route) > 1 {
			w := d.Weight
			b.Weight = &w
		}
		if b != (v1alpha1.Backend{}) {
			out.Backends = append(out.Backends, b)
		} else if len(r.Route) > 1 {
			out.Backends = append(out.Backends, b)
		}
	}
	if len(out.Backends) == 1 && out.Backends[0] == (v1alpha1.Backend{}) {
		out.Backends = nil
	}
	if rw := r.Rewrite; rw != nil {
		out.Rewrite = &v1alpha1.Rewrite{Host: rw.Authority}
		switch {
		case rw.UriRegexRewrite != nil:
			out.Rewrite.Path = rw.UriRegexRewrite.Rewrite
		case m.GetUri().GetExact() != "" && rw.Uri != "":
			out.Rewrite.Path = rw.Uri
		default:
			out.Rewrite.Prefix = rw.Uri
		}
	}
	if h := r.Headers; h != nil {
		out.RequestHeaders = headerOps(h.Request)
		out.ResponseHeaders = headerOps(h.Response)
	}
	if c := r.CorsPolicy; c != nil {
		out.CORS = &v1alpha1.CORS{AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders, MaxAge: duration(c.MaxAge.AsDuration())}
		for _, o := range c.AllowOrigins {
			out.CORS.AllowOrigins = append(out.CORS.AllowOrigins, stringMatch(o))
		}
		if c.AllowCredentials != nil {
			v := c.AllowCredentials.Value
			out.CORS.AllowCredentials = &v
		}
	}
	if f := r.Fault; f != nil {
		out.Fault = &v1alpha1.Fault{}
		if d := f.Delay; d != nil {
			out.Fault.Delay = &v1alpha1.FaultDelay{Fixed: duration(d.GetFixedDelay().AsDuration()), Percent: percent(d.Percentage)}
		}
		if a := f.Abort; a != nil {
			out.Fault.Abort = &v1alpha1.FaultAbort{Status: a.GetHttpStatus(), Percent: percent(a.Percentage)}
		}
	}
	if d := r.Mirror; d != nil {
		mr := &v1alpha1.Mirror{Subset: d.Subset, Percent: percent(r.MirrorPercentage)}
		s, _ := serviceHost(d.Host, ns)
		port := int32(d.GetPort().GetNumber())
		if s != own || port != ownPort && port != 0 {
			mr.Service, mr.Port = s.name, port
			if s.namespace != ns {
				mr.Namespace = s.namespace
			}
		}
		out.Mirror = mr
	}
	if rd := r.Redirect; rd != nil {
		out.Redirect = &v1alpha1.Redirect{Host: rd.Authority, Path: rd.Uri, Prefix: rd.PrefixRewrite, Scheme: rd.Scheme, Port: int32(rd.GetPort())}
		if rd.RedirectCode != v1alpha1.DefaultRedirectCode {
			out.Redirect.Code = int32(rd.RedirectCode)
		}
	}
	if dr := r.DirectResponse; dr != nil {
		out.Respond = &v1alpha1.Respond{Status: int32(dr.Status), Body: dr.GetBody().GetString_()}
	}
	return out
}

func percent(p *networking.Percent) *float64 {
	if p == nil || p.Value == 100 {
		return nil
	}
	v := p.Value
	return &v
}

// duration is d as a spec writes it: "24h", "1h30m", "500ms".
func duration(d time.Duration) v1alpha1.Duration {
	return v1alpha1.ParseDuration(durationString(d))
}

// durationString is d as a spec writes it: Go's form without its zero
// minutes and seconds ("1h", "1m30s"); "" for 0.
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func headerOps(h *networking.Headers_HeaderOperations) *v1alpha1.HeaderOps {
	if h == nil || len(h.Set) == 0 && len(h.Add) == 0 && len(h.Remove) == 0 {
		return nil
	}
	return &v1alpha1.HeaderOps{Set: h.Set, Add: h.Add, Remove: h.Remove}
}

func stringMatches(m map[string]*networking.StringMatch) map[string]v1alpha1.StringMatch {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]v1alpha1.StringMatch, len(m))
	for k, v := range m {
		out[k] = stringMatch(v)
	}
	return out
}

func stringMatch(s *networking.StringMatch) v1alpha1.StringMatch {
	return v1alpha1.StringMatch{Exact: s.GetExact(), Prefix: s.GetPrefix(), Regex: s.GetRegex()}
}
