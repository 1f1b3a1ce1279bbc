package fn

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	networking "istio.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildVirtualService builds the VirtualService of x: bound to its Gateway
// (by namespace/name), every host, one http entry per route.
func buildVirtualService(x *exposure) *istioObject {
	vs := &networking.VirtualService{
		Hosts:    x.hosts,
		Gateways: []string{x.namespace + "/" + x.gateway.name},
	}
	for _, r := range x.routes {
		vs.Http = append(vs.Http, httpRoute(x, r))
	}
	return &istioObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: istioNetworkingV1, Kind: "VirtualService"},
		ObjectMeta: ownedMeta(x, x.name, x.namespace),
		Spec:       vs,
	}
}

func httpRoute(x *exposure, r resolvedRoute) *networking.HTTPRoute {
	h := &networking.HTTPRoute{
		Name:    r.name,
		Match:   []*networking.HTTPMatchRequest{httpMatch(r.match)},
		Timeout: protoDuration(r.timeout),
	}
	if r.retries {
		h.Retries = &networking.HTTPRetry{
			Attempts:      r.attempts,
			PerTryTimeout: protoDuration(r.perTryTimeout),
			RetryOn:       r.retryOn,
		}
	}
	for _, b := range r.backends {
		d := &networking.HTTPRouteDestination{
			Destination: &networking.Destination{
				Host:   x.service.fqdn,
				Subset: b.subset,
				Port:   &networking.PortSelector{Number: uint32(x.service.port)},
			},
		}
		// A lone destination takes all traffic; Istio wants no weight then.
		if len(r.backends) > 1 {
			d.Weight = b.weight
		}
		h.Route = append(h.Route, d)
	}
	return h
}

func httpMatch(m Match) *networking.HTTPMatchRequest {
	req := &networking.HTTPMatchRequest{}
	switch {
	case m.Exact != "":
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: m.Exact}}
	case m.Regex != "":
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Regex{Regex: m.Regex}}
	default:
		req.Uri = &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: m.Prefix}}
	}
	for _, name := range sortedKeys(m.Headers) {
		if req.Headers == nil {
			req.Headers = map[string]*networking.StringMatch{}
		}
		req.Headers[name] = &networking.StringMatch{MatchType: &networking.StringMatch_Exact{Exact: m.Headers[name]}}
	}
	return req
}

func protoDuration(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}
