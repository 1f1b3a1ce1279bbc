package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/krmfn/krm-fn/conformance/proof/istio/envoymatch"
	"istio.io/istio/pilot/pkg/simulation"
)

// answer routes one request through the proxy it names, as Envoy would:
// Istio's simulation finds the listener and the route configuration,
// envoymatch the virtual host, the first route that matches, and what it
// does.
func (p *prover) answer(r Request) Answer {
	a := Answer{ID: r.ID, Route: -1}
	x, address, port, mode, err := p.entry(r)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	a.Proxy = x.name
	e, err := x.locate(address, port, mode, r.TLS, r.SNI)
	a.Listener, a.RouteConfig = e.listener, e.routeConfig
	if r.SNI != "" && errors.Is(err, simulation.ErrNoFilterChain) {
		// No filter chain takes the connection's SNI: Envoy closes it,
		// nothing routes the request.
		a.Status = 404
		return a
	}
	if err != nil {
		a.Error = err.Error()
		return a
	}
	if e.routeConfig == "" {
		// A TCP proxy: the connection goes to its backends, untouched.
		if tp := x.tcpProxy(e); tp != nil {
			a.Backends = tcpBackends(x, tp)
			a.Path, a.Host, a.From = r.Path, r.Host, p.tcpFrom(tp, a.Backends)
			return a
		}
		a.Error = fmt.Sprintf("%s: port %d leads to no HTTP route and no TCP proxy", x.name, port)
		return a
	}
	rc := e.routeConfig
	req := envoymatch.Request{Method: r.Method, Scheme: r.Scheme, Authority: r.Host, Path: r.Path, Headers: map[string][]string{}}
	for k, v := range r.Headers {
		req.Headers[strings.ToLower(k)] = v
	}
	vh := envoymatch.VirtualHost(x.routes[rc], r.Host)
	if vh == nil {
		a.Status = 404
		return a
	}
	a.VirtualHost = vh.GetName()
	if vh.GetRequireTls() != routev3.VirtualHost_NONE && !e.tls && !r.TLS {
		// The server redirects plain HTTP to HTTPS (a Gateway's
		// tls.httpsRedirect): Envoy answers before any route.
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		a.Redirect = &Location{Location: "https://" + host + r.Path, Status: 301}
		return a
	}
	i, err := envoymatch.FirstRoute(vh, req)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	if i < 0 {
		a.Status = 404
		return a
	}
	route := vh.GetRoutes()[i]
	a.Route, a.RouteName, a.From = i, route.GetName(), p.from(route)
	matched := readRoute(route, x)
	matched.From = a.From
	a.Matched = &matched
	out, err := envoymatch.Apply(route, req)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	switch {
	case out.Redirect != nil:
		a.Redirect = &Location{Location: out.Redirect.Location, Status: out.Redirect.Status}
	case out.Direct != nil:
		a.Response = &Response{Status: out.Direct.Status, Body: out.Direct.Body}
	default:
		a.Path, a.Host = out.Path, out.Authority
		for _, c := range out.Clusters {
			a.Backends = append(a.Backends, x.backend(c.Name, c.Weight))
			if c.Authority != "" {
				a.Host = c.Authority
			}
		}
	}
	return a
}

// entry finds the proxy a request enters and the address and port it
// reaches: a gateway pod behind the gateway Service, on the Service
// port's target port; or the sidecar of the mesh namespace, calling the
// Service the host names on its cluster IP.
func (p *prover) entry(r Request) (*proxy, string, int, simulation.CallMode, error) {
	if r.Gateway != "" {
		ns, name, _ := strings.Cut(r.Gateway, "/")
		svc := p.service(ns, name)
		if svc == nil {
			return nil, "", 0, "", fmt.Errorf("there is no gateway Service %s", r.Gateway)
		}
		var sp *corev1.ServicePort
		for i := range svc.Spec.Ports {
			if uint32(svc.Spec.Ports[i].Port) == r.Port {
				sp = &svc.Spec.Ports[i]
			}
		}
		if sp == nil {
			return nil, "", 0, "", fmt.Errorf("the gateway Service %s has no port %d", r.Gateway, r.Port)
		}
		for _, x := range p.gateway {
			pod := p.pod(x)
			if pod.Namespace == ns && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				port := targetPort(pod, *sp)
				if port == 0 {
					return nil, "", 0, "", fmt.Errorf("the gateway Service %s port %d targets %s, which its pod does not name", r.Gateway, r.Port, sp.TargetPort.String())
				}
				return x, pod.Status.PodIP, port, simulation.CallModeGateway, nil
			}
		}
		return nil, "", 0, "", fmt.Errorf("no gateway pod serves the Service %s", r.Gateway)
	}
	var x *proxy
	for _, s := range p.sidecar {
		if s.namespace == r.Mesh {
			x = s
		}
	}
	if x == nil {
		return nil, "", 0, "", fmt.Errorf("there is no namespace %q to call from", r.Mesh)
	}
	host, portText, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, portText = r.Host, "80"
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, "", 0, "", fmt.Errorf("host %q: the port is no number", r.Host)
	}
	parts := strings.Split(strings.TrimSuffix(host, ".svc.cluster.local"), ".")
	ns := r.Mesh
	if len(parts) >= 2 {
		ns = parts[1]
	}
	address := "240.240.255.254" // a host that is no Service: the sidecar's catch-all listener
	if svc := p.service(ns, parts[0]); svc != nil && svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != "None" {
		address = svc.Spec.ClusterIP
	}
	return x, address, port, simulation.CallModeOutbound, nil
}

func (p *prover) service(ns, name string) *corev1.Service {
	for _, s := range p.c.services {
		if s.Namespace == ns && s.Name == name {
			return s
		}
	}
	return nil
}
