package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"istio.io/istio/pilot/pkg/model"
)

// routeProblems: a route to a cluster the proxy does not have, or to one
// without endpoints (Envoy answers 503 either way), and an object that
// produced no route on any proxy.
func (p *prover) routeProblems(tables []Table) []Problem {
	var out []Problem
	seen := map[string]bool{}
	add := func(pr Problem) {
		k := pr.Class + "\x00" + pr.Object + "\x00" + pr.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, pr)
		}
	}
	routed := map[string]bool{}
	for _, t := range tables {
		where := fmt.Sprintf("%s port %d", t.Proxy, t.Port)
		for _, r := range t.TCP {
			routed[r.From] = true
			what := "the TCP route"
			if len(r.ServerNames) > 0 {
				what = "the TLS passthrough of " + strings.Join(r.ServerNames, ", ")
			}
			for _, b := range r.Backends {
				switch {
				case b.Endpoints < 0:
					add(Problem{Class: ClassNoCluster, Object: r.From, Message: fmt.Sprintf(
						"%s (%s) sends to %s, a cluster this proxy does not have: the connection is closed", what, where, b)})
				case b.Endpoints == 0:
					add(Problem{Class: ClassNoEndpoints, Object: r.From, Message: fmt.Sprintf(
						"%s (%s) sends to %s, which has no endpoints: the connection is closed", what, where, b)})
				}
			}
		}
		for _, h := range t.Hosts {
			unreachable := p.portless(t, h)
			for _, r := range h.Routes {
				for _, from := range strings.Split(r.From, ", ") {
					routed[from] = true
				}
				if unreachable {
					continue
				}
				bs := r.Backends
				for _, m := range r.Mirrors {
					bs = append(bs, m.Backend)
				}
				for _, b := range bs {
					switch {
					case b.Endpoints < 0:
						add(Problem{Class: ClassNoCluster, Object: r.From, Message: fmt.Sprintf(
							"the route %s of %s (%s) sends to %s, a cluster this proxy does not have: Envoy answers 503",
							routeName(r), strings.Join(h.Domains, ", "), where, b)})
					case b.Endpoints == 0:
						add(Problem{Class: ClassNoEndpoints, Object: r.From, Message: fmt.Sprintf(
							"the route %s of %s (%s) sends to %s, which has no endpoints: Envoy answers 503",
							routeName(r), strings.Join(h.Domains, ", "), where, b)})
					}
				}
			}
		}
	}
	for _, cfg := range p.c.configs {
		if cfg.GroupVersionKind.Kind != "VirtualService" {
			continue
		}
		name := objectName("VirtualService", cfg.Namespace, cfg.Name)
		if !routed[name] {
			add(Problem{Class: ClassIgnored, Object: name, Message: "no proxy has a route from it: istiod ignores it (a gateway that no gateway pod serves, a host no sidecar sees, or hosts another VirtualService takes)"})
		}
	}
	for name := range p.c.gatewayAPI {
		if kind, _, _ := strings.Cut(name, " "); kind == "HTTPRoute" || kind == "GRPCRoute" || kind == "TCPRoute" || kind == "TLSRoute" {
			if !routed[name] {
				add(Problem{Class: ClassIgnored, Object: name, Message: "no proxy has a route from it: istiod ignores it"})
			}
		}
	}
	return out
}

// portless: a sidecar's virtual host whose hosts are Services that do not
// have the table's port. istiod writes a VirtualService of a Service's
// host on every HTTP port of the sidecar, but a request for the Service
// only reaches the ports it has: what the host's routes do elsewhere is
// no problem.
func (p *prover) portless(t Table, h Host) bool {
	if !strings.HasPrefix(t.Proxy, "sidecar") {
		return false
	}
	services := 0
	for _, d := range h.Domains {
		name, ns, ok := strings.Cut(strings.TrimSuffix(d, ".svc.cluster.local"), ".")
		if !ok || !strings.HasSuffix(d, ".svc.cluster.local") {
			continue
		}
		svc := p.service(ns, name)
		if svc == nil {
			return false
		}
		for _, sp := range svc.Spec.Ports {
			if uint32(sp.Port) == t.Port {
				return false
			}
		}
		services++
	}
	return services > 0
}

func routeName(r Route) string {
	if r.Name != "" {
		return fmt.Sprintf("%q (%s)", r.Name, r.Match.Path)
	}
	return "(" + r.Match.Path + ")"
}

func (b Backend) String() string {
	if b.Cluster != "" {
		return b.Cluster
	}
	s := fmt.Sprintf("%s:%d", b.Service, b.Port)
	if b.Subset != "" {
		s += " subset " + b.Subset
	}
	return s
}

// pushProblems: what istiod records while it builds the proxies'
// configuration (its push status, /debug/push_status): duplicate domains
// it drops, duplicate subsets, duplicate clusters, listener conflicts.
func (p *prover) pushProblems() []Problem {
	ps := p.s.PushContext()
	var out []Problem
	names := make([]string, 0, len(ps.ProxyStatus))
	for n := range ps.ProxyStatus {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, metric := range names {
		switch metric {
		case model.ProxyStatusClusterNoInstances.Name(), model.DNSNoEndpointClusters.Name():
			// Reported per route, where a route sends to them.
			continue
		case model.ProxyStatusNoService.Name(), model.ProxyStatusEndpointNotReady.Name(), model.EndpointNoPod.Name():
			// About the synthesized client sidecars, which no Service selects.
			continue
		}
		keys := make([]string, 0, len(ps.ProxyStatus[metric]))
		for k := range ps.ProxyStatus[metric] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			st := ps.ProxyStatus[metric][k]
			out = append(out, Problem{Class: ClassConflict, Object: k, Message: fmt.Sprintf("istiod's push status %s: %s", metric, st.Message)})
		}
	}
	return out
}

// statusProblems reads the status the Gateway API controller writes: a
// condition that says an object is not accepted, not programmed or has
// unresolved references, or a listener in conflict.
func (p *prover) statusProblems() []Problem {
	var want []string
	for name := range p.c.gatewayAPI {
		if p.c.waypoints[name] {
			// A waypoint (class istio-waypoint) is served by istiod's
			// ambient mesh controller, which this proof does not run.
			continue
		}
		if strings.HasPrefix(name, "HTTPRoute ") || strings.HasPrefix(name, "GRPCRoute ") || strings.HasPrefix(name, "Gateway ") {
			want = append(want, name)
		}
	}
	sort.Strings(want)
	if len(want) == 0 {
		return nil
	}
	p.status.settle(want, 5*time.Second)
	var out []Problem
	for _, name := range want {
		st, ok := p.status.get(name)
		if !ok {
			out = append(out, Problem{Class: ClassStatus, Object: name, Message: "istiod wrote no status for it: no controller of its class takes it"})
			continue
		}
		var s struct {
			Conditions []condition `json:"conditions"`
			Parents    []struct {
				ParentRef  json.RawMessage `json:"parentRef"`
				Conditions []condition     `json:"conditions"`
			} `json:"parents"`
			Listeners []struct {
				Name       string      `json:"name"`
				Conditions []condition `json:"conditions"`
			} `json:"listeners"`
		}
		b, _ := json.Marshal(st)
		if err := json.Unmarshal(b, &s); err != nil {
			out = append(out, Problem{Class: ClassStatus, Object: name, Message: "its status cannot be read: " + err.Error()})
			continue
		}
		for _, c := range s.Conditions {
			if c.bad() {
				out = append(out, Problem{Class: ClassStatus, Object: name, Message: c.String()})
			}
		}
		for _, l := range s.Listeners {
			for _, c := range l.Conditions {
				if c.bad() {
					out = append(out, Problem{Class: ClassStatus, Object: name, Message: "listener " + l.Name + ": " + c.String()})
				}
			}
		}
		for _, pa := range s.Parents {
			for _, c := range pa.Conditions {
				if c.bad() {
					out = append(out, Problem{Class: ClassStatus, Object: name, Message: "parent " + string(pa.ParentRef) + ": " + c.String()})
				}
			}
		}
	}
	return out
}

type condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// bad: a positive condition that is not true, or a negative one that is.
func (c condition) bad() bool {
	switch c.Type {
	case "Conflicted":
		return c.Status == "True"
	case "Accepted", "Programmed", "ResolvedRefs":
		return c.Status != "True"
	}
	return false
}

func (c condition) String() string {
	return fmt.Sprintf("%s is %s (%s): %s", c.Type, c.Status, c.Reason, c.Message)
}
