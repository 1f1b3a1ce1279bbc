package emit

import (
	"maps"
	"slices"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	networking "istio.io/api/networking/v1"
)

// meshGateway is the gateway name Istio gives the sidecars of the mesh.
const meshGateway = "mesh"

// VirtualService builds the VirtualService of x's own hosts: bound to its
// Gateway (by namespace/name), one http entry per route.
//
// With TLS at the gateway it routes the hosts' HTTPS too (the HTTPS
// servers of the same Gateway); behind an ALB that re-encrypts, it is
// bound to the environment's TLS Gateway instead. A passthrough
// exposure's routes are tls routes, by SNI, on its TLS port; tcp routes
// take their gateway ports. With tcp routes alone its host is "*".
func VirtualService(x *model.Exposure) *IstioObject {
	gw := x.Namespace + "/" + x.Gateway.Name
	if x.ALBReencrypts {
		gw = x.Ingress.Namespace + "/" + model.TLSGatewayName(x.Ingress.Service)
	}
	hosts := x.Hosts
	if len(hosts) == 0 {
		hosts = []string{v1alpha1.AnyHost}
	}
	obj := virtualService(x, x.Name, hosts, []string{gw}, x.GatewayExportTo())
	vs := obj.Spec.Message.(*networking.VirtualService)
	if x.Passthrough || len(x.Hosts) == 0 {
		vs.Http = nil
	}
	if x.Passthrough && x.TLS != nil && len(x.Routes) > 0 {
		vs.Tls = []*networking.TLSRoute{{
			Match: []*networking.TLSMatchAttributes{{Port: uint32(x.TLS.Port), SniHosts: x.Hosts}},
			Route: routeDestinations(x.Routes[0].Backends),
		}}
	}
	for _, r := range x.TCP {
		vs.Tcp = append(vs.Tcp, &networking.TCPRoute{
			Match: []*networking.L4MatchAttributes{{Port: uint32(r.Port)}},
			Route: routeDestinations(r.Backends),
		})
	}
	return obj
}

// routeDestinations are the weighted destinations of a tls or tcp route
// (a lone one without weight, as for http).
func routeDestinations(ds []model.Destination) []*networking.RouteDestination {
	var out []*networking.RouteDestination
	for _, b := range ds {
		d := &networking.RouteDestination{Destination: destination(b)}
		if len(ds) > 1 {
			d.Weight = b.Weight
		}
		out = append(out, d)
	}
	return out
}

// MeshVirtualService builds the VirtualService that routes calls to x's
// Service from inside the mesh: the same routes, bound to the mesh, for
// the Service's FQDN. It is apart from the gateway's, whose Gateway does
// not serve that host.
func MeshVirtualService(x *model.Exposure) *IstioObject {
	return virtualService(x, x.MeshName(), []string{x.Service.FQDN}, []string{meshGateway}, x.ExportTo)
}

func virtualService(x *model.Exposure, name string, hosts, gateways, exportTo []string) *IstioObject {
	vs := &networking.VirtualService{Hosts: hosts, Gateways: gateways, ExportTo: exportTo}
	for _, r := range x.Routes {
		vs.Http = append(vs.Http, httpRoute(r))
	}
	return &IstioObject{
		TypeMeta:   KindVirtualService.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, name, x.Namespace),
		Spec:       IstioSpec{vs},
	}
}

// SharedVirtualService builds the VirtualService of a shared host: bound
// to the host's Gateway, the routes of every exposure that claims it, in
// the host's precedence.
func SharedVirtualService(h *model.SharedHost) *IstioObject {
	gw := h.Gateway.Name
	if h.ALBReencrypts {
		gw = model.TLSGatewayName(h.Ingress.Service)
	}
	vs := &networking.VirtualService{Hosts: []string{h.Host}, Gateways: []string{h.Ingress.Namespace + "/" + gw}}
	for _, r := range h.Routes {
		vs.Http = append(vs.Http, httpRoute(*r))
	}
	return &IstioObject{
		TypeMeta:   KindVirtualService.TypeMeta(),
		ObjectMeta: ownedMeta(h.Owner, h.Carried, h.Name, h.Ingress.Namespace),
		Spec:       IstioSpec{vs},
	}
}

// httpRoute is one route as Istio's HTTPRoute.
func httpRoute(r model.Route) *networking.HTTPRoute {
	h := &networking.HTTPRoute{
		Name:    r.Name,
		Match:   []*networking.HTTPMatchRequest{httpMatch(r.Match)},
		Timeout: protoDuration(r.Timeout),
	}
	if rt := r.Retries; rt != nil {
		h.Retries = &networking.HTTPRetry{Attempts: rt.Attempts, PerTryTimeout: protoDuration(rt.PerTryTimeout), RetryOn: rt.RetryOn}
	}
	for _, b := range r.Backends {
		d := &networking.HTTPRouteDestination{Destination: destination(b)}
		// A lone destination takes all traffic; Istio wants no weight then.
		if len(r.Backends) > 1 {
			d.Weight = b.Weight
		}
		h.Route = append(h.Route, d)
	}
	if rw := r.Rewrite; rw != nil {
		h.Rewrite = &networking.HTTPRewrite{Uri: rw.Prefix, Authority: rw.Host}
		if rw.Path != "" {
			// The whole path, whatever matched: Envoy's regex rewrite of it.
			h.Rewrite.UriRegexRewrite = &networking.RegexRewrite{Match: "^.*$", Rewrite: rw.Path}
		}
	}
	if r.RequestHeaders != nil || r.ResponseHeaders != nil {
		h.Headers = &networking.Headers{Request: headerOps(r.RequestHeaders), Response: headerOps(r.ResponseHeaders)}
	}
	if c := r.CORS; c != nil {
		h.CorsPolicy = &networking.CorsPolicy{
			AllowMethods:  c.AllowMethods,
			AllowHeaders:  c.AllowHeaders,
			ExposeHeaders: c.ExposeHeaders,
			MaxAge:        protoDuration(c.MaxAge),
		}
		for _, o := range c.AllowOrigins {
			h.CorsPolicy.AllowOrigins = append(h.CorsPolicy.AllowOrigins, stringMatch(o.CORSOrigin()))
		}
		if c.AllowCredentials != nil {
			h.CorsPolicy.AllowCredentials = wrapperspb.Bool(*c.AllowCredentials)
		}
	}
	if f := r.Fault; f != nil {
		h.Fault = &networking.HTTPFaultInjection{}
		if f.Delay > 0 {
			h.Fault.Delay = &networking.HTTPFaultInjection_Delay{
				HttpDelayType: &networking.HTTPFaultInjection_Delay_FixedDelay{FixedDelay: durationpb.New(f.Delay)},
				Percentage:    &networking.Percent{Value: f.DelayPercent},
			}
		}
		if f.AbortStatus != 0 {
			h.Fault.Abort = &networking.HTTPFaultInjection_Abort{
				ErrorType:  &networking.HTTPFaultInjection_Abort_HttpStatus{HttpStatus: f.AbortStatus},
				Percentage: &networking.Percent{Value: f.AbortPercent},
			}
		}
	}
	if m := r.Mirror; m != nil {
		h.Mirror = destination(*m)
		h.MirrorPercentage = &networking.Percent{Value: r.MirrorPercent}
	}
	if rd := r.Redirect; rd != nil {
		h.Redirect = &networking.HTTPRedirect{Uri: rd.Path, PrefixRewrite: rd.Prefix, Authority: rd.Host, Scheme: rd.Scheme, RedirectCode: uint32(rd.Code)}
		if rd.Port != 0 {
			h.Redirect.RedirectPort = &networking.HTTPRedirect_Port{Port: uint32(rd.Port)}
		}
	}
	if rs := r.Respond; rs != nil {
		h.DirectResponse = &networking.HTTPDirectResponse{Status: uint32(rs.Status)}
		if rs.Body != "" {
			h.DirectResponse.Body = &networking.HTTPBody{Specifier: &networking.HTTPBody_String_{String_: rs.Body}}
		}
	}
	return h
}

func destination(d model.Destination) *networking.Destination {
	return &networking.Destination{Host: d.Host, Subset: d.Subset, Port: &networking.PortSelector{Number: uint32(d.Port)}}
}

func headerOps(h *v1alpha1.HeaderOps) *networking.Headers_HeaderOperations {
	if h == nil {
		return nil
	}
	return &networking.Headers_HeaderOperations{Set: h.Set, Add: h.Add, Remove: h.Remove}
}

func httpMatch(m v1alpha1.Match) *networking.HTTPMatchRequest {
	req := &networking.HTTPMatchRequest{}
	switch {
	case m.Exact != "":
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: m.Exact}}
	case m.Regex != "":
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Regex{Regex: m.Regex}}
	default:
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: m.Prefix}}
	}
	if m.Method != "" {
		req.Method = &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: m.Method}}
	}
	req.Headers = stringMatches(m.Headers)
	req.QueryParams = stringMatches(m.QueryParams)
	return req
}

func stringMatches(m map[string]v1alpha1.StringMatch) map[string]*networking.StringMatch {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*networking.StringMatch, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out[name] = stringMatch(m[name])
	}
	return out
}

func stringMatch(s v1alpha1.StringMatch) *networking.StringMatch {
	switch {
	case s.Prefix != "":
		return &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: s.Prefix}}
	case s.Regex != "":
		return &networking.StringMatch{MatchType: &networking.StringMatch_Regex{Regex: s.Regex}}
	}
	return &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: s.Exact}}
}

func protoDuration(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}
