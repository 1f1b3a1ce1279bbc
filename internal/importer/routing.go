package importer

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	networking "istio.io/api/networking/v1"
)

// routing is what a set of objects does with requests, in typed terms two
// sets can be compared in (verify.go: compare): the routes the ingress gateway
// takes for each host, those the mesh takes for each Service, each
// Service's subsets and traffic policy, and the ALB's settings for each
// host.
type routing struct {
	gateway map[string][]route // host → routes, in the order Istio tries them
	mesh    map[string][]route // Service FQDN → routes
	from    map[string]source  // host or FQDN → the VirtualService
	// exported are the namespaces whose workloads see a Service's mesh
	// routes (its VirtualService's exportTo), by FQDN: see visibility.
	exported map[string]string
	rules    map[string]destinationRouting // by Service FQDN
	alb      map[string]albRouting         // by host
	hasALB   bool                          // whether any Ingress sends to the gateway
	// services are what the Services of one port do with what the
	// routes send them, by FQDN.
	services map[string]serviceRouting
	// l4 is TLS at the gateway, passthrough and TCP (tls.go).
	l4 l4Routing
}

// The fields of each are in the order of their JSON names, the order in
// which their differences are told.
type (
	// destinationRouting is what a Service's DestinationRule does.
	destinationRouting struct {
		ExportTo      string                       `json:"exportTo,omitempty"` // see visibility; "": everywhere
		Subsets       map[string]map[string]string `json:"subsets,omitempty"`
		TrafficPolicy *networking.TrafficPolicy    `json:"trafficPolicy,omitempty"`
	}
	// serviceRouting is what a Service of one port does with what the
	// routes send it.
	serviceRouting struct {
		Port       int32             `json:"port"`
		Protocol   v1alpha1.Protocol `json:"protocol"`
		Selector   map[string]string `json:"selector"`
		TargetPort string            `json:"targetPort"`
	}
	// albRouting is what the ALB does with the requests of a host: the
	// health check, the listeners and the Ingress class's spelling are
	// the modernisations, left out.
	albRouting struct {
		ALB              string            `json:"alb"` // which: the hosts that share it
		Annotations      map[string]string `json:"annotations"`
		CertificateARN   string            `json:"certificate-arn"`
		IngressClassName string            `json:"ingressClassName"`
		Paths            []string          `json:"paths"`
		Scheme           string            `json:"scheme"`
		SSLPolicy        string            `json:"ssl-policy"`
		SSLRedirect      string            `json:"ssl-redirect"`
		TargetType       string            `json:"target-type"`
	}
)

// routingOf is the routing of inv.
func routingOf(inv *inventory) *routing {
	rt := &routing{gateway: map[string][]route{}, mesh: map[string][]route{}, from: map[string]source{}, exported: map[string]string{},
		rules: map[string]destinationRouting{}, alb: map[string]albRouting{}, services: map[string]serviceRouting{}}
	gw, ok := findGateway(inv.ingresses)
	if !ok {
		gw = gatewayRef{v1alpha1.DefaultGatewayNamespace, v1alpha1.DefaultGatewayService, v1alpha1.DefaultGatewayPort}
	}
	im := &importer{inv: inv, services: map[svcRef]*service{}, gateways: map[string]*gateway{}, gw: gw, l4: readGatewayL4(inv)}
	for _, s := range inv.services {
		im.services[svcRef{s.src.namespace, s.src.name}] = s
	}
	for _, g := range inv.gateways {
		im.gateways[g.src.namespace+"/"+g.src.name] = g
	}
	for _, vs := range inv.virtualServices {
		mesh, gws := boundGateways(vs)
		routes := normalize(vs.spec.Http, vs.src.namespace, im.portOf)
		for _, h := range vs.spec.Hosts {
			h = strings.ToLower(h)
			s, isSvc := serviceHost(h, vs.src.namespace)
			if mesh && isSvc {
				if _, dup := rt.mesh[s.fqdn()]; !dup {
					rt.from[s.fqdn()] = vs.src
					rt.exported[s.fqdn()] = im.visibility(vs.spec.ExportTo, vs.src.namespace)
				}
				rt.mesh[s.fqdn()] = append(rt.mesh[s.fqdn()], routes...)
				continue
			}
			if len(gws) > 0 && im.served(vs, gws, h) {
				if _, dup := rt.gateway[h]; !dup {
					rt.from[h] = vs.src
				}
				rt.gateway[h] = append(rt.gateway[h], routes...)
			}
		}
	}
	for _, svc := range inv.services {
		if len(svc.spec.Ports) != 1 {
			continue
		}
		p := svc.spec.Ports[0]
		target := p.TargetPort.String()
		if target == "0" {
			target = strconv.Itoa(int(p.Port))
		}
		rt.services[svcRef{svc.src.namespace, svc.src.name}.fqdn()] = serviceRouting{Selector: svc.spec.Selector, Port: p.Port, TargetPort: target, Protocol: protocolOf(p)}
	}
	for _, dr := range inv.destinationRules {
		s, isSvc := serviceHost(strings.ToLower(dr.spec.Host), dr.src.namespace)
		if !isSvc {
			continue
		}
		d := destinationRouting{TrafficPolicy: dr.spec.TrafficPolicy}
		for _, ss := range dr.spec.Subsets {
			if d.Subsets == nil {
				d.Subsets = map[string]map[string]string{}
			}
			d.Subsets[ss.Name] = ss.Labels
		}
		if e := im.visibility(dr.spec.ExportTo, dr.src.namespace); e != "*" {
			d.ExportTo = e
		}
		rt.rules[s.fqdn()] = d
	}
	quiet := &importer{}
	var catchAll *albRouting
	for _, in := range inv.ingresses {
		paths := map[string][]string{} // host → the paths the ALB sends to the gateway
		var hosts []string
		for _, b := range in.backends() {
			if b.svc.Port.Name != useAnnotation && in.src.namespace == gw.namespace && b.svc.Name == gw.service {
				h := strings.ToLower(b.host)
				if _, ok := paths[h]; !ok {
					hosts = append(hosts, h)
				}
				p := b.path
				if p == "" || p == "/*" {
					p = "/"
				}
				paths[h] = append(paths[h], p)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		rt.hasALB = true
		settings := quiet.settings(in)
		for _, h := range hosts {
			s := albRoutingOf(settings, paths[h])
			if h == "" {
				catchAll = &s
			} else if _, dup := rt.alb[h]; !dup {
				rt.alb[h] = s
			}
		}
	}
	if catchAll != nil {
		for h := range rt.gateway {
			if _, ok := rt.alb[h]; !ok {
				rt.alb[h] = *catchAll
			}
		}
	}
	sharedALBs(rt)
	rt.l4 = l4RoutingOf(inv, im.portOf)
	return rt
}

// visibility is where an object of namespace ns with exportTo is seen,
// in terms two can be compared in: the namespaces, sorted, "." as ns, or
// "*" for every one. The ingress gateway's namespace is left out (krm-fn
// adds it where the gateway needs it: a modernisation).
func (im *importer) visibility(exportTo []string, ns string) string {
	seen := map[string]bool{}
	for _, e := range im.withoutGateway(exportTo, ns) {
		switch e {
		case "*":
			return "*"
		case ".":
			e = ns
		}
		seen[e] = true
	}
	switch {
	case len(exportTo) == 0:
		return "*"
	case len(seen) == 0:
		return im.gw.namespace // the gateway's only
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), ",")
}

// sharedALBs names each host's ALB by the routed hosts it shares it
// with: the controller names ALBs itself, and what routes alike is which
// hosts share one.
func sharedALBs(rt *routing) {
	byALB := map[string][]string{}
	for _, h := range sortedKeys(rt.alb) {
		if _, routed := rt.gateway[h]; routed {
			byALB[rt.alb[h].ALB] = append(byALB[rt.alb[h].ALB], h)
		}
	}
	for h, a := range rt.alb {
		a.ALB = "shared by " + strings.Join(byALB[a.ALB], ", ")
		rt.alb[h] = a
	}
}

// albRoutingOf is what of s the ALB does with the requests of paths.
func albRoutingOf(s albSettings, paths []string) albRouting {
	other := maps.Clone(s.other)
	delete(other, annotationExternalDNS)
	delete(other, v1alpha1.ALBGroupOrder)
	return albRouting{
		Scheme: s.scheme, CertificateARN: strings.Join(s.certs, ","), SSLPolicy: s.sslPolicy,
		TargetType: s.targetType, SSLRedirect: strconv.FormatBool(s.redirect),
		IngressClassName: cmp.Or(s.class, v1alpha1.DefaultIngressClassName), Annotations: other, Paths: paths, ALB: albOf(s),
	}
}

// albOf names the ALB of an Ingress: its group's, or one of its own
// (the controller makes one per Ingress outside a group).
func albOf(s albSettings) string {
	if s.group != "" {
		return "group " + s.group
	}
	return "ingress " + s.ingress
}

// sortedKeys are the keys of maps, each once, sorted.
func sortedKeys[V any](ms ...map[string]V) []string {
	keys := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			keys[k] = true
		}
	}
	return slices.Sorted(maps.Keys(keys))
}
