package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The proof layer's components, as its findings name them.
const (
	Istiod        Component = "istiod"
	ALBController Component = "AWS Load Balancer Controller"
	Requests      Component = RequestsFile
	BothAPIs      Component = "both APIs"
)

// FixtureFile holds what a source's cluster has besides its rendering
// (workloads, Services made by other means), beside its expected.yaml or
// kustomization.yaml.
const FixtureFile = "cluster.yaml"

// Proof runs the proof layer: istiod's configuration generation
// (istio-proof) and the AWS Load Balancer Controller's model builder
// (alb-proof) over a source's cluster (Synthesize), and checks what they
// compute.
type Proof struct {
	// Istio and ALB are the commands (hack/tools.sh istio-proof alb-proof).
	Istio, ALB string
	// Timeout bounds each command; 0 means 2 minutes.
	Timeout time.Duration
}

// ProofRun is what the proof layer says about one source.
type ProofRun struct {
	Source   string
	World    *World
	Istio    *IstioReport
	ALB      *ALBReport
	Requests []Request
	// Outcomes holds what each request got, in Requests' order.
	Outcomes []Outcome
	// Matched holds the gateway or mesh route each request matched (nil
	// when none), in Requests' order.
	Matched  []*IstioRoute
	Findings []Finding
}

// LoadFixture reads a source's cluster.yaml; none is no error.
func LoadFixture(dir string) ([]Object, error) {
	file := filepath.Join(dir, FixtureFile)
	data, err := readOptional(file)
	if data == nil || err != nil {
		return nil, err
	}
	objs, err := ParseObjects(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return objs, nil
}

// Run proves a source: its cluster (the source's objects and fixture,
// Synthesize), both commands over it, the requests through the ALB and the
// gateway (or from a sidecar), and every check; platform, when known, says
// where its gateway runs and what the ALBs' listeners are. An error means the layer could
// not run at all.
func (p *Proof) Run(ctx context.Context, src *Source, fixture []Object, reqs []Request, platform *Platform) (*ProofRun, error) {
	world, err := Synthesize(src.Objects, fixture, platform)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	dir, err := os.MkdirTemp("", "krm-fn-proof-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	clusterFile := filepath.Join(dir, "cluster.yaml")
	y, err := world.YAML()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(clusterFile, y, 0o644); err != nil {
		return nil, err
	}
	run := &ProofRun{Source: src.Name, World: world, Requests: reqs,
		Outcomes: make([]Outcome, len(reqs)), Matched: make([]*IstioRoute, len(reqs))}

	// The ALB first: where it forwards a request, the gateway takes it.
	calls := make([]call, len(reqs))
	var albReqs []ALBRequest
	for i, r := range reqs {
		c, err := r.parse()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", src.Name, r.Request, err)
		}
		calls[i] = c
		if r.From == "" && c.Method != "TCP" {
			albReqs = append(albReqs, ALBRequest{ID: strconv.Itoa(i), Method: c.Method, Scheme: c.Scheme, Host: c.Host, Path: c.Path, Headers: c.Headers})
		}
	}
	run.ALB = &ALBReport{}
	if err := p.command(ctx, dir, p.ALB, "alb", clusterFile, albReqs, run.ALB); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	var istioReqs []IstioRequest
	for i, r := range reqs {
		c := calls[i]
		if r.From != "" {
			istioReqs = append(istioReqs, IstioRequest{ID: strconv.Itoa(i), Mesh: r.From, Method: c.Method, Scheme: c.Scheme, Host: c.Host, Path: c.Path, Headers: c.Headers})
			run.Outcomes[i].Via = "sidecar in " + r.From
			continue
		}
		a := answerByID(run.ALB.Answers, strconv.Itoa(i))
		o := &run.Outcomes[i]
		if c.Method == "TCP" {
			// No ALB takes TCP: the gateway's own Service does.
			a = &ALBAnswer{Error: "no ALB has a rule for the host (TCP)"}
		}
		switch {
		case a == nil:
			o.Err = "alb-proof gave no answer"
		case a.Error != "" && a.Group == "" && strings.HasPrefix(a.Error, "no ALB has a rule for the host"):
			if req, via, ok := run.direct(c, platform); ok {
				// No ALB: the clients reach the gateway's own Service (an
				// NLB carries the connection to it).
				req.ID, o.Via = strconv.Itoa(i), via
				istioReqs = append(istioReqs, req)
				break
			}
			// Nothing routes the request: a 404 in requests.yaml's terms.
			o.Status, o.Via = 404, a.Error
		case a.Error != "":
			o.Err = "the ALB: " + a.Error
		case a.Action == nil:
			o.Err = fmt.Sprintf("the ALB of group %s: no action", a.Group)
		default:
			o.Via = fmt.Sprintf("ALB %s port %d %s", a.Group, a.Port, ruleText(a.Rule))
			switch a.Action.Type {
			case "redirect":
				o.Redirect = strings.TrimPrefix(a.Action.Redirect.Status, "HTTP_") + " " + a.Location
			case "fixed-response":
				if a.Action.Fixed.Status == "404" {
					o.Status = 404
				} else {
					o.Respond = strings.TrimSpace(a.Action.Fixed.Status + " " + a.Action.Fixed.Body)
				}
			case "forward":
				if len(a.Action.Forward) != 1 {
					o.Err = fmt.Sprintf("the ALB splits the request between %d target groups, which requests.yaml cannot express", len(a.Action.Forward))
					break
				}
				tg := run.targetGroup(a.Group, a.Action.Forward[0].TargetGroup)
				if tg == nil {
					o.Err = "the ALB forwards to target group " + a.Action.Forward[0].TargetGroup + ", which its model does not have"
					break
				}
				port, err := world.servicePort(tg.Service, tg.ServicePort)
				if err != nil {
					o.Err = err.Error()
					break
				}
				o.ALB = &ExpectALB{TargetGroup: fmt.Sprintf("%s:%d", tg.Service, port), TargetType: tg.TargetType,
					HealthCheck: strings.TrimSpace(fmt.Sprintf("%s %s %s %s", tg.HealthCheck.Protocol, tg.HealthCheck.Port, tg.HealthCheck.Path, tg.HealthCheck.Matcher))}
				if _, _, ok := run.gatewayOf(*tg); !ok {
					// An Ingress of a team's own (passed through) to its
					// app's Service: the ALB sends to its pods.
					o.fromService(world, tg.Service, port, c)
					o.Via += " → Service " + o.ALB.TargetGroup + " (no gateway)"
					break
				}
				o.Via += " → gateway " + o.ALB.TargetGroup
				// Behind an ALB that ends TLS the gateway sees http; one that
				// re-encrypts (backend protocol HTTPS) sends TLS without SNI.
				req := IstioRequest{ID: strconv.Itoa(i), Gateway: tg.Service, Port: uint32(port), Method: c.Method, Scheme: "http", Host: c.Host, Path: c.Path, Headers: c.Headers}
				if tg.Protocol == "HTTPS" {
					req.Scheme, req.TLS = "https", true
				}
				istioReqs = append(istioReqs, req)
			default:
				o.Err = "the ALB answers with a " + a.Action.Type + " action"
			}
		}
	}
	istioReqs = append(istioReqs, run.healthCheckRequests()...)
	run.Istio = &IstioReport{}
	if err := p.command(ctx, dir, p.Istio, "istio", clusterFile, istioReqs, run.Istio); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	for _, a := range run.Istio.Answers {
		i, err := strconv.Atoi(a.ID)
		if err != nil {
			continue // a health check's
		}
		run.Matched[i] = a.Matched
		run.Outcomes[i].fromIstio(a, world.podNames)
	}

	run.Findings = append(run.Findings, run.problems()...)
	run.Findings = append(run.Findings, run.ingressHosts()...)
	run.Findings = append(run.Findings, run.healthChecks()...)
	run.Findings = append(run.Findings, run.listeners(platform)...)
	run.Findings = append(run.Findings, run.gatewaySecrets()...)
	run.Findings = append(run.Findings, run.gatewayTLS(platform)...)
	for i, r := range reqs {
		want := r.Expect.want(calls[i])
		if got := run.Outcomes[i]; got.Differs(want) {
			run.Findings = append(run.Findings, Finding{Object: requestName(r), Component: Requests, Severity: Error,
				Words: fmt.Sprintf("want %s\ngot  %s\nvia  %s", want, got, got.Via)})
		}
	}
	for i := range run.Findings {
		run.Findings[i].Source = src.Name
	}
	sortFindings(run.Findings)
	return run, nil
}

// direct is a request that no ALB takes, sent to the gateway's own
// Service, when the platform has no ALB and one gateway Service has the
// URL's port: of type LoadBalancer with loadBalancer nlb (the NLB its
// controller makes for it), of any type with none (what fronts the gateway
// is the platform's own); in TLS, with the host as SNI, for https.
func (r *ProofRun) direct(c call, platform *Platform) (IstioRequest, string, bool) {
	if platform == nil || platform.LoadBalancer == "alb" {
		return IstioRequest{}, "", false
	}
	port := map[string]int32{"http": 80, "https": 443}[c.Scheme]
	host := c.Host
	if h, p, err := net.SplitHostPort(c.Host); err == nil {
		host = h
		if n, err := strconv.Atoi(p); err == nil {
			port = int32(n)
		}
	}
	var found []string
	for _, o := range r.World.Objects {
		if o.GetKind() != "Service" || o.GetAnnotations()[RoleAnnotation] != roleGateway {
			continue
		}
		svc := r.World.Service(o.GetNamespace(), o.GetName())
		if svc == nil || platform.LoadBalancer == "nlb" && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			if sp.Port == port {
				found = append(found, svc.Namespace+"/"+svc.Name)
			}
		}
	}
	if len(found) != 1 {
		return IstioRequest{}, "", false
	}
	req := IstioRequest{Gateway: found[0], Port: uint32(port), Method: c.Method, Scheme: c.Scheme, Host: c.Host, Path: c.Path, Headers: c.Headers}
	if c.Scheme == "https" {
		req.TLS, req.SNI = true, host
	}
	return req, fmt.Sprintf("%s load balancer → gateway %s:%d", platform.LoadBalancer, found[0], port), true
}

func requestName(r Request) string {
	s := r.Request
	if r.From != "" {
		s += " from " + r.From
	}
	for _, k := range slices.Sorted(maps.Keys(r.Headers)) {
		s += fmt.Sprintf(" %s: %s", k, r.Headers[k])
	}
	return s
}

func ruleText(priority int32) string {
	if priority == 0 {
		return "default action"
	}
	return fmt.Sprintf("rule %d", priority)
}

// command runs one of the proof layer's commands with the requests and
// decodes its report strictly.
func (p *Proof) command(ctx context.Context, dir, bin, name, clusterFile string, reqs any, into any) error {
	reqFile := filepath.Join(dir, name+"-requests.json")
	b, err := json.Marshal(reqs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(reqFile, b, 0o644); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.Timeout, 2*time.Minute))
	defer cancel()
	out, err := run(ctx, "", nil, bin, "-requests", reqFile, clusterFile)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(out.stdout)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s's report: %w", filepath.Base(bin), err)
	}
	return nil
}

func answerByID(as []ALBAnswer, id string) *ALBAnswer {
	for i := range as {
		if as[i].ID == id {
			return &as[i]
		}
	}
	return nil
}

func (r *ProofRun) targetGroup(group, id string) *ALBTargetGroup {
	for _, lb := range r.ALB.ALBs {
		if lb.Group != group {
			continue
		}
		for i := range lb.TargetGroups {
			if lb.TargetGroups[i].ID == id {
				return &lb.TargetGroups[i]
			}
		}
	}
	return nil
}

// servicePort resolves a target group's Service port (a number or a name)
// to the Service's port number.
func (w *World) servicePort(service, port string) (int32, error) {
	ns, name, _ := strings.Cut(service, "/")
	svc := w.Service(ns, name)
	if svc == nil {
		return 0, fmt.Errorf("the ALB forwards to the Service %s, which the cluster does not have", service)
	}
	for _, sp := range svc.Spec.Ports {
		if sp.Name == port || strconv.Itoa(int(sp.Port)) == port {
			return sp.Port, nil
		}
	}
	return 0, fmt.Errorf("the ALB forwards to port %s of the Service %s, which it does not have", port, service)
}

// fromIstio reads istiod's answer into the outcome; pods names the
// endpoints of a backend.
func (o *Outcome) fromIstio(a IstioAnswer, pods func([]string) string) {
	switch {
	case a.Error != "":
		o.Err = a.Proxy + ": " + a.Error
		return
	case a.Status == 404:
		o.Status = 404
	case a.Redirect != nil:
		o.Redirect = fmt.Sprintf("%d %s", a.Redirect.Status, a.Redirect.Location)
	case a.Response != nil:
		o.Respond = strings.TrimSpace(fmt.Sprintf("%d %s", a.Response.Status, a.Response.Body))
	default:
		o.Backends, o.Pods = map[string]uint32{}, map[string]uint32{}
		for _, b := range a.Backends {
			name := backendName(b)
			switch {
			case b.Endpoints < 0:
				// Envoy answers 503: what requests.yaml expects is not this.
				name += " (no such cluster: 503)"
			case b.Endpoints == 0:
				name += " (no endpoints: 503)"
			}
			o.Backends[name] += cmp.Or(b.Weight, 100)
			o.Pods[pods(b.Addresses)] += cmp.Or(b.Weight, 100)
		}
		o.Path, o.Host = a.Path, a.Host
	}
	route := "no route"
	if a.Route >= 0 {
		route = fmt.Sprintf("route %d", a.Route+1)
		if a.RouteName != "" {
			route += fmt.Sprintf(" %q", a.RouteName)
		}
		if a.From != "" {
			route += " of " + a.From
		}
	}
	if a.RouteConfig == "" && a.Listener != "" && a.Status == 404 {
		o.Via = strings.TrimPrefix(o.Via+" → listener "+a.Listener+", no filter chain for the connection's SNI (Envoy closes it)", " → ")
		return
	}
	if a.RouteConfig == "" && a.Listener != "" && len(a.Backends) > 0 {
		// A TCP proxy (a TCP route, TLS passed through): no HTTP routes.
		proxy := "listener " + a.Listener + ", TCP proxy"
		if a.From != "" {
			proxy += " of " + a.From
		}
		o.Via = strings.TrimPrefix(o.Via+" → "+proxy, " → ")
		return
	}
	o.Via = strings.TrimPrefix(fmt.Sprintf("%s → virtual host %s, %s", o.Via, cmp.Or(a.VirtualHost, "(none)"), route), " → ")
}

// fromService: the request reaches a Service's pods directly, untouched
// (the ALB sends to them, not to a gateway).
func (o *Outcome) fromService(w *World, service string, port int32, c call) {
	ns, name, _ := strings.Cut(service, "/")
	backend := fmt.Sprintf("%s.%s:%d", name, ns, port)
	addresses := w.endpoints(ns, name, port)
	if len(addresses) == 0 {
		backend += " (no endpoints: 503)"
	}
	o.Backends = map[string]uint32{backend: 100}
	o.Pods = map[string]uint32{w.podNames(addresses): 100}
	o.Path, o.Host = c.Path, c.Host
}

// endpoints lists the addresses (ip:port) of a Service's port in its
// EndpointSlices.
func (w *World) endpoints(namespace, name string, port int32) []string {
	svc := w.Service(namespace, name)
	if svc == nil {
		return nil
	}
	var portName string
	for _, sp := range svc.Spec.Ports {
		if sp.Port == port {
			portName = sp.Name
		}
	}
	var out []string
	for _, o := range w.Objects {
		if o.GetKind() != "EndpointSlice" || o.GetNamespace() != namespace || o.GetLabels()[discoveryv1.LabelServiceName] != name {
			continue
		}
		var es discoveryv1.EndpointSlice
		if err := fromUnstructured(o, &es); err != nil {
			continue
		}
		for _, ep := range es.Ports {
			if ep.Port == nil || ptr.Deref(ep.Name, "") != portName {
				continue
			}
			for _, e := range es.Endpoints {
				for _, a := range e.Addresses {
					out = append(out, fmt.Sprintf("%s:%d", a, *ep.Port))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// backendName is how requests.yaml names a backend: name.namespace:port
// for a Service of the cluster, and " subset NAME".
func backendName(b IstioBackend) string {
	if b.Cluster != "" {
		return b.Cluster
	}
	s := fmt.Sprintf("%s:%d", strings.TrimSuffix(b.Service, ".svc.cluster.local"), b.Port)
	if b.Subset != "" {
		s += " subset " + b.Subset
	}
	return s
}

// problems: what istiod and the controller refuse, ignore or cannot
// serve. istiod's validation warnings are left to istioctl validate.
func (r *ProofRun) problems() []Finding {
	var out []Finding
	for _, p := range r.Istio.Problems {
		if p.Class == IstioClassWarning {
			continue
		}
		out = append(out, Finding{Object: p.Object, Component: Istiod, Severity: Error, Words: p.Class + ": " + p.Message})
	}
	for _, p := range r.ALB.Problems {
		out = append(out, Finding{Object: p.Object, Component: ALBController, Severity: Error, Words: p.Class + ": " + p.Message})
	}
	return out
}

// ingressHosts: every host an ALB forwards to a gateway Service port has a
// virtual host on the gateway's listener for that port (else every
// request to it gets 404 there), and a gateway listens there.
func (r *ProofRun) ingressHosts() []Finding {
	var out []Finding
	for _, lb := range r.ALB.ALBs {
		for _, l := range lb.Listeners {
			for _, rule := range l.Rules {
				hosts := []string{"*"}
				for _, c := range rule.Conditions {
					if c.Field == "host-header" {
						hosts = c.Values
					}
				}
				for _, a := range rule.Actions {
					for _, f := range a.Forward {
						tg := r.targetGroup(lb.Group, f.TargetGroup)
						if tg == nil {
							continue
						}
						port, err := r.World.servicePort(tg.Service, tg.ServicePort)
						if err != nil {
							out = append(out, Finding{Object: "ALB group " + lb.Group, Component: ALBController, Severity: Error, Words: err.Error()})
							continue
						}
						if _, _, ok := r.gatewayOf(*tg); !ok {
							// No gateway: the ALB sends to the Service's
							// pods, whatever the host (requests.yaml says
							// whether they serve).
							continue
						}
						table := r.gatewayTable(tg.Service, port)
						for _, h := range hosts {
							where := fmt.Sprintf("the ALB of group %s (port %d, rule %d) forwards %s to the gateway Service %s port %d", lb.Group, l.Port, rule.Priority, h, tg.Service, port)
							switch {
							case table == nil:
								out = append(out, Finding{Object: "ALB group " + lb.Group, Component: Istiod, Severity: Error,
									Words: where + ", where no gateway listens (no gateway pod behind it, or no Gateway server on that port)"})
							case table.RouteConfig == "":
								out = append(out, Finding{Object: "ALB group " + lb.Group, Component: Istiod, Severity: Error,
									Words: where + ", where the gateway has no HTTP listener: every request fails"})
							case virtualHost(table, h) == nil:
								out = append(out, Finding{Object: "ALB group " + lb.Group, Component: Istiod, Severity: Error,
									Words: where + ", where the gateway has no virtual host for it: every request gets 404"})
							}
						}
					}
				}
			}
		}
	}
	return out
}

func (r *ProofRun) gatewayTable(service string, port int32) *IstioTable {
	for i, t := range r.Istio.Tables {
		if t.Proxy == "gateway "+service && t.Port == uint32(port) {
			return &r.Istio.Tables[i]
		}
	}
	return nil
}

// virtualHost finds the virtual host Envoy picks for a host, as
// envoymatch.VirtualHost does (an exact domain, the longest suffix
// wildcard, the longest prefix wildcard, "*"); an ALB's host wildcard
// "*.shop" needs the same wildcard, or "*", on the gateway. istiod's
// "blackhole" host, which answers 404 on a port that has no host, is none.
func virtualHost(t *IstioTable, host string) *IstioHost {
	host = strings.ToLower(host)
	var best *IstioHost
	bestRank, bestLen := 0, 0
	for i, h := range t.Hosts {
		if strings.HasPrefix(h.Name, "blackhole:") {
			// istiod's stand-in on a port with no host: it answers 404.
			continue
		}
		for _, d := range h.Domains {
			d = strings.ToLower(d)
			rank, n := 0, len(d)
			switch {
			case d == host:
				return &t.Hosts[i]
			case d == "*":
				rank = 1
			case strings.HasPrefix(d, "*") && len(host) > n-1 && strings.HasSuffix(host, d[1:]):
				rank = 3
			case strings.HasSuffix(d, "*") && len(host) > n-1 && strings.HasPrefix(host, d[:n-1]):
				rank = 2
			}
			if rank > bestRank || rank == bestRank && rank > 1 && n > bestLen {
				best, bestRank, bestLen = &t.Hosts[i], rank, n
			}
		}
	}
	return best
}

// healthChecks: a target group that sends to a gateway health-checks a
// port that answers. The gateway's status port answers /healthz/ready with
// 200 (and a gRPC call with UNIMPLEMENTED, 12): for ip targets the pod's
// status port, for instance targets the node port of the gateway Service's
// status port. On the traffic port the gateway routes the check as any
// request (its Host is the target's address): a GRPC target group's check
// passes there only when no route takes it, Envoy's 404 being gRPC's 12
// (docs/design.md, "The health check"). Any other port answers nothing:
// no target is ever healthy, and the ALB, every target unhealthy, sends to
// all of them (fail-open).
func (r *ProofRun) healthChecks() []Finding {
	var out []Finding
	for _, lb := range r.ALB.ALBs {
		for _, tg := range lb.TargetGroups {
			svc, status, ok := r.gatewayOf(tg)
			if !ok {
				continue
			}
			fail := func(format string, args ...any) {
				out = append(out, Finding{Object: "ALB group " + lb.Group, Component: ALBController, Severity: Error,
					Words: fmt.Sprintf("target group %s (target type %s, %s) health-checks %s %s %s of its targets: ",
						tg.ID, tg.TargetType, cmp.Or(tg.ProtocolVersion, "HTTP1"), tg.HealthCheck.Protocol, tg.HealthCheck.Port, tg.HealthCheck.Path) +
						fmt.Sprintf(format, args...) + ": no target ever passes, and the ALB, every target unhealthy, sends to all of them (fail-open)"})
			}
			if status == nil {
				fail("the gateway Service %s has no status port (%d)", tg.Service, GatewayStatusPort)
				continue
			}
			statusPort, what := strconv.Itoa(int(status.TargetPort.IntVal)), "its status port, pod port"
			if tg.TargetType == "instance" {
				statusPort, what = strconv.Itoa(int(status.NodePort)), fmt.Sprintf("the node port of its status port %d,", status.Port)
			}
			grpc := tg.ProtocolVersion == "GRPC"
			switch tg.HealthCheck.Port {
			case statusPort:
				switch {
				case grpc && !codes(tg.HealthCheck.Matcher, 12):
					fail("the status port answers a gRPC call with UNIMPLEMENTED (12), which the matcher %q does not take", tg.HealthCheck.Matcher)
				case !grpc && (tg.HealthCheck.Path != "/healthz/ready" || !codes(tg.HealthCheck.Matcher, 200)):
					fail("the status port answers /healthz/ready with 200, not %s with %s", tg.HealthCheck.Path, tg.HealthCheck.Matcher)
				}
			case "traffic-port", strconv.Itoa(int(tg.Port)):
				a := r.istioAnswer("hc " + tg.ID)
				switch {
				case a == nil || a.Error != "":
					fail("the gateway's traffic port %d does not answer (%s)", tg.Port, answerError(a))
				case a.Status != 404:
					fail("the gateway routes the check (its Host is the target's address) to %s, which answers for itself, not with the gateway's 404", answerText(*a))
				case !grpc:
					fail("the gateway answers it 404 (no route for the target's address), a failure for a target group of HTTP codes")
				case !codes(tg.HealthCheck.Matcher, 12):
					fail("the gateway answers it 404 (no route), UNIMPLEMENTED (12) in gRPC, which the matcher %q does not take", tg.HealthCheck.Matcher)
				}
			default:
				fail("port %s is not %s %s, on the gateway Service %s", tg.HealthCheck.Port, what, statusPort, svc)
			}
		}
	}
	return out
}

// gatewayOf finds the gateway Service of a target group and its status
// port; ok is false when the target group sends to no gateway.
func (r *ProofRun) gatewayOf(tg ALBTargetGroup) (string, *corev1.ServicePort, bool) {
	ns, name, _ := strings.Cut(tg.Service, "/")
	svc := r.World.Service(ns, name)
	if svc == nil || !r.World.isGateway(svc) {
		return "", nil, false
	}
	return tg.Service, statusServicePort(svc), true
}

// healthCheckRequests: the health check of every target group that checks
// a gateway's traffic port, as a request to the gateway.
func (r *ProofRun) healthCheckRequests() []IstioRequest {
	var out []IstioRequest
	for _, lb := range r.ALB.ALBs {
		for _, tg := range lb.TargetGroups {
			if _, _, ok := r.gatewayOf(tg); !ok || (tg.HealthCheck.Port != "traffic-port" && tg.HealthCheck.Port != strconv.Itoa(int(tg.Port))) {
				continue
			}
			port, err := r.World.servicePort(tg.Service, tg.ServicePort)
			if err != nil {
				continue
			}
			req := IstioRequest{ID: "hc " + tg.ID, Gateway: tg.Service, Port: uint32(port), Method: "GET", Scheme: "http",
				Host: fmt.Sprintf("10.244.0.1:%d", tg.Port), Path: cmp.Or(tg.HealthCheck.Path, "/")}
			if tg.ProtocolVersion == "GRPC" {
				req.Method, req.Headers = "POST", map[string][]string{"content-type": {"application/grpc"}}
			}
			out = append(out, req)
		}
	}
	return out
}

func (r *ProofRun) istioAnswer(id string) *IstioAnswer {
	for i := range r.Istio.Answers {
		if r.Istio.Answers[i].ID == id {
			return &r.Istio.Answers[i]
		}
	}
	return nil
}

func answerError(a *IstioAnswer) string {
	if a == nil {
		return "istio-proof gave no answer"
	}
	return a.Error
}

func answerText(a IstioAnswer) string {
	var o Outcome
	o.fromIstio(a, func([]string) string { return "" })
	return o.String() + " via " + o.Via
}

// codes says whether an ALB matcher ("200", "200,302", "200-299", "0-99")
// takes a code.
func codes(matcher string, code int) bool {
	for _, part := range strings.Split(matcher, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && l <= code && code <= h {
			return true
		}
	}
	return false
}

// statusServicePort is the gateway Service's port to Istio's status port.
func statusServicePort(svc *corev1.Service) *corev1.ServicePort {
	for i, sp := range svc.Spec.Ports {
		if sp.TargetPort == intstr.FromInt32(GatewayStatusPort) || sp.TargetPort.StrVal == "status-port" ||
			sp.TargetPort == (intstr.IntOrString{}) && sp.Port == GatewayStatusPort {
			return &svc.Spec.Ports[i]
		}
	}
	return nil
}

// gatewaySecrets: the Secret every TLS server of an Istio Gateway names
// (credentialName) exists in the namespace of the gateway pods the Gateway
// selects, with a CA for mutual TLS (ca.crt, or a Secret <name>-cacert):
// else Envoy never gets the certificate and the port refuses TLS for the
// server's hosts. (istiod generates the listener all the same, so the
// tables cannot show it; the Gateway API's status does, for its Gateways.)
func (r *ProofRun) gatewaySecrets() []Finding {
	var out []Finding
	for _, o := range r.World.Objects {
		if o.GetKind() != "Gateway" || o.GetAPIVersion() != "networking.istio.io/v1" {
			continue
		}
		sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector")
		namespaces := r.World.gatewayNamespaces(sel)
		servers, _, _ := unstructured.NestedSlice(o.Object, "spec", "servers")
		for _, sv := range servers {
			m, _ := sv.(map[string]any)
			mode, _, _ := unstructured.NestedString(m, "tls", "mode")
			name, _, _ := unstructured.NestedString(m, "tls", "credentialName")
			if name == "" || mode == "PASSTHROUGH" || mode == "AUTO_PASSTHROUGH" || mode == "ISTIO_MUTUAL" {
				continue
			}
			port, _, _ := unstructured.NestedInt64(m, "port", "number")
			hosts, _, _ := unstructured.NestedStringSlice(m, "hosts")
			for _, ns := range namespaces {
				secret := r.World.object("v1", "Secret", ns, name)
				var missing string
				switch {
				case secret == nil:
					missing = fmt.Sprintf("names no Secret %s in the gateway's namespace %s", name, ns)
				case mode == "MUTUAL" || mode == "OPTIONAL_MUTUAL":
					if ca, _, _ := unstructured.NestedString(secret.Object, "data", "ca.crt"); ca == "" && r.World.object("v1", "Secret", ns, name+"-cacert") == nil {
						missing = fmt.Sprintf("names the Secret %s/%s, which has no ca.crt, and there is no %s-cacert: mutual TLS has no CA to check clients with", ns, name, name)
					}
				}
				if missing != "" {
					out = append(out, Finding{Object: "Gateway " + o.GetNamespace() + "/" + o.GetName(), Component: Istiod, Severity: Error,
						Words: fmt.Sprintf("its server on port %d (%s, %s) %s: Envoy never gets the certificate, and the port refuses TLS for these hosts", port, strings.Join(hosts, ", "), mode, missing)})
				}
			}
		}
	}
	return out
}

// gatewayNamespaces lists the namespaces of the gateway pods a selector
// selects.
func (w *World) gatewayNamespaces(sel map[string]string) []string {
	var out []string
	for _, o := range w.Objects {
		if o.GetKind() != "Pod" || o.GetAnnotations()[RoleAnnotation] != roleGateway || slices.Contains(out, o.GetNamespace()) {
			continue
		}
		lbls := o.GetLabels()
		match := len(sel) > 0
		for k, v := range sel {
			match = match && lbls[k] == v
		}
		if match {
			out = append(out, o.GetNamespace())
		}
	}
	return out
}

func (w *World) object(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	for _, o := range w.Objects {
		if o.GetAPIVersion() == apiVersion && o.GetKind() == kind && o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}

// podNames names endpoints, ip:port, by their pods: "web-v1-proof-0:8080
// web-v1-proof-1:8080"; "no endpoints" for none.
func (w *World) podNames(addresses []string) string {
	if len(addresses) == 0 {
		return "no endpoints"
	}
	names := make([]string, 0, len(addresses))
	for _, a := range addresses {
		ip, port, _ := strings.Cut(a, ":")
		name := ip
		for _, o := range w.Objects {
			if o.GetKind() != "Pod" {
				continue
			}
			if podIP, _, _ := unstructured.NestedString(o.Object, "status", "podIP"); podIP == ip {
				name = o.GetNamespace() + "/" + o.GetName()
			}
		}
		names = append(names, name+":"+port)
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// isGateway: the Service selects an ingress gateway pod.
func (w *World) isGateway(svc *corev1.Service) bool {
	if svc.Annotations[RoleAnnotation] == roleGateway {
		return true
	}
	for _, o := range w.Objects {
		if o.GetKind() == "Pod" && o.GetNamespace() == svc.Namespace && o.GetAnnotations()[RoleAnnotation] == roleGateway {
			lbls := o.GetLabels()
			match := len(svc.Spec.Selector) > 0
			for k, v := range svc.Spec.Selector {
				match = match && lbls[k] == v
			}
			if match {
				return true
			}
		}
	}
	return false
}
