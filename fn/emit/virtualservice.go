package emit

import (
	"maps"
	"slices"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/types/known/durationpb"
	networking "istio.io/api/networking/v1"
)

// VirtualService builds the VirtualService of x: bound to its Gateway (by
// namespace/name), every host, one http entry per route.
func VirtualService(x *model.Exposure) *IstioObject {
	vs := &networking.VirtualService{
		Hosts:    x.Hosts,
		Gateways: []string{x.Namespace + "/" + x.Gateway.Name},
	}
	for _, r := range x.Routes {
		vs.Http = append(vs.Http, httpRoute(x, r))
	}
	return &IstioObject{
		TypeMeta:   KindVirtualService.TypeMeta(),
		ObjectMeta: ownedMeta(x, x.Name, x.Namespace),
		Spec:       vs,
	}
}

func httpRoute(x *model.Exposure, r model.Route) *networking.HTTPRoute {
	h := &networking.HTTPRoute{
		Name:    r.Name,
		Match:   []*networking.HTTPMatchRequest{httpMatch(r.Match)},
		Timeout: protoDuration(r.Timeout),
	}
	if r.Retries {
		h.Retries = &networking.HTTPRetry{
			Attempts:      r.Attempts,
			PerTryTimeout: protoDuration(r.PerTryTimeout),
			RetryOn:       r.RetryOn,
		}
	}
	for _, b := range r.Backends {
		d := &networking.HTTPRouteDestination{
			Destination: &networking.Destination{
				Host:   x.Service.FQDN,
				Subset: b.Subset,
				Port:   &networking.PortSelector{Number: uint32(x.Service.Port)},
			},
		}
		// A lone destination takes all traffic; Istio wants no weight then.
		if len(r.Backends) > 1 {
			d.Weight = b.Weight
		}
		h.Route = append(h.Route, d)
	}
	return h
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
	for _, name := range slices.Sorted(maps.Keys(m.Headers)) {
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
