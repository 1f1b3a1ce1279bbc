package conformance

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// RequestsFile is the name of a source's requests, beside its
// expected.yaml (a golden case) or kustomization.yaml (an overlay).
const RequestsFile = "requests.yaml"

// Request is one entry of a requests.yaml: a request and what it must
// get, as istiod and the AWS Load Balancer Controller configure the
// environment (docs/conformance.md, "Requests").
type Request struct {
	// Request is "METHOD URL": GET https://api.domain.shop/orders/42?x=1;
	// or "TCP tcp://HOST:PORT", a connection to a gateway's TCP port.
	Request string `json:"request"`
	// Headers of the request, beside Host.
	Headers map[string]string `json:"headers,omitempty"`
	// From is the namespace of a sidecar that sends the request inside the
	// mesh; without it the request comes through the ALB and the ingress
	// gateway.
	From   string `json:"from,omitempty"`
	Expect Expect `json:"expect"`
}

// Expect is what a request gets. Exactly one of Backend, Backends,
// Redirect, Respond and Status.
type Expect struct {
	// Backend is the one Service port the request goes to,
	// "name.namespace:port", and " subset" when it is a subset.
	Backend string `json:"backend,omitempty"`
	// Backends are the Service ports a route splits the requests between,
	// with their weights.
	Backends map[string]uint32 `json:"backends,omitempty"`
	// Path and Host are what the backend receives; unset, the request's
	// own (no rewrite).
	Path string `json:"path,omitempty"`
	Host string `json:"host,omitempty"`
	// Redirect is "STATUS LOCATION": 301 https://api.domain.shop/orders.
	Redirect string `json:"redirect,omitempty"`
	// Respond is a route's own answer, "STATUS" or "STATUS BODY".
	Respond string `json:"respond,omitempty"`
	// Status 404: nothing routes the request (no ALB has a rule for its
	// host, the ALB's default answer, or no virtual host or route of the
	// gateway or sidecar takes it).
	Status int `json:"status,omitempty"`
	// ALB is how the load balancer sends the request to the gateway; unset,
	// not compared.
	ALB *ExpectALB `json:"alb,omitempty"`
}

// ExpectALB is the ALB's side of a request that reaches the gateway.
type ExpectALB struct {
	// TargetGroup is the gateway Service port the target group binds,
	// "namespace/name:port".
	TargetGroup string `json:"targetGroup"`
	// TargetType is ip or instance.
	TargetType string `json:"targetType"`
	// HealthCheck is "PROTOCOL PORT PATH CODES": HTTP 15021
	// /healthz/ready 200 (the port as the target group has it: the pod's
	// port for ip targets, the node port for instance targets).
	HealthCheck string `json:"healthCheck"`
}

// LoadRequests reads a source's requests.yaml; none is no error.
func LoadRequests(dir string) ([]Request, error) {
	file := filepath.Join(dir, RequestsFile)
	data, err := readOptional(file)
	if data == nil || err != nil {
		return nil, err
	}
	var rs []Request
	if err := yaml.UnmarshalStrict(data, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, r := range rs {
		if _, err := r.parse(); err != nil {
			return nil, fmt.Errorf("%s: request %d (%s): %w", file, i+1, r.Request, err)
		}
		if err := r.Expect.check(); err != nil {
			return nil, fmt.Errorf("%s: request %d (%s): expect: %w", file, i+1, r.Request, err)
		}
	}
	return rs, nil
}

// call is a parsed request.
type call struct {
	Method, Scheme, Host, Path string
	Headers                    map[string][]string
}

func (r Request) parse() (call, error) {
	method, rawURL, ok := strings.Cut(r.Request, " ")
	if !ok || method == "" || strings.ToUpper(method) != method {
		return call{}, fmt.Errorf(`request must read "METHOD URL", e.g. "GET https://api.domain.shop/orders"`)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return call{}, err
	}
	switch {
	case method == "TCP" && (u.Scheme != "tcp" || u.Port() == "" || u.Path != ""):
		return call{}, fmt.Errorf("a TCP connection reads TCP tcp://HOST:PORT")
	case method != "TCP" && (u.Scheme != "http" && u.Scheme != "https" || u.Host == ""):
		return call{}, fmt.Errorf("the URL must be http:// or https:// with a host")
	}
	c := call{Method: method, Scheme: u.Scheme, Host: u.Host, Path: u.RequestURI(), Headers: map[string][]string{}}
	for k, v := range r.Headers {
		c.Headers[strings.ToLower(k)] = []string{v}
	}
	return c, nil
}

func (e Expect) check() error {
	n := 0
	for _, set := range []bool{e.Backend != "", len(e.Backends) > 0, e.Redirect != "", e.Respond != "", e.Status != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("say exactly one of backend, backends, redirect, respond or status")
	}
	if e.Status != 0 && e.Status != 404 {
		return fmt.Errorf("status is 404 (nothing routes the request); a route's own answer is respond")
	}
	if (e.Path != "" || e.Host != "") && e.Backend == "" && len(e.Backends) == 0 {
		return fmt.Errorf("path and host are what a backend receives: only with backend or backends")
	}
	return nil
}

// Outcome is what a request gets, in the terms of Expect, and the way it
// went, for a reader.
type Outcome struct {
	Backends map[string]uint32
	Path     string
	Host     string
	Redirect string
	Respond  string
	Status   int
	ALB      *ExpectALB
	// Pods are where the backends' requests end up, pod:port, each
	// backend's set of endpoints with its weight: what one meaning under
	// both APIs compares (the Gateway API names a subset by a Service of
	// its own).
	Pods map[string]uint32
	// Via tells the way: the ALB rule, the gateway, the route and its
	// object.
	Via string
	// Err says why the request could not be answered.
	Err string
}

// want is the outcome the expectation describes for the call.
func (e Expect) want(c call) Outcome {
	o := Outcome{Redirect: e.Redirect, Respond: e.Respond, Status: e.Status, ALB: e.ALB}
	if e.Backend != "" {
		o.Backends = map[string]uint32{e.Backend: 100}
	} else if len(e.Backends) > 0 {
		o.Backends = maps.Clone(e.Backends)
	}
	if o.Backends != nil {
		o.Path, o.Host = cmp.Or(e.Path, c.Path), cmp.Or(e.Host, c.Host)
	}
	return o
}

// Differs compares an outcome with what was wanted: the fields of the
// expectation, and the ALB's only when the expectation has them.
func (o Outcome) Differs(want Outcome) bool {
	if o.Err != "" {
		return true
	}
	if want.ALB != nil && (o.ALB == nil || *o.ALB != *want.ALB) {
		return true
	}
	return !maps.Equal(o.Backends, want.Backends) || o.Path != want.Path || o.Host != want.Host ||
		o.Redirect != want.Redirect || o.Respond != want.Respond || o.Status != want.Status
}

// String prints an outcome as an expect: of requests.yaml would say it.
func (o Outcome) String() string {
	if o.Err != "" {
		return "no answer: " + o.Err
	}
	var parts []string
	switch {
	case len(o.Backends) == 1 && slices.Collect(maps.Values(o.Backends))[0] == 100:
		parts = append(parts, "backend: "+slices.Collect(maps.Keys(o.Backends))[0])
	case len(o.Backends) > 0:
		keys := slices.Sorted(maps.Keys(o.Backends))
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s: %d", k, o.Backends[k]))
		}
		parts = append(parts, "backends: {"+strings.Join(kv, ", ")+"}")
	case o.Redirect != "":
		parts = append(parts, "redirect: "+o.Redirect)
	case o.Respond != "":
		parts = append(parts, "respond: "+strconv.Quote(o.Respond))
	case o.Status != 0:
		parts = append(parts, fmt.Sprintf("status: %d", o.Status))
	}
	if len(o.Backends) > 0 {
		parts = append(parts, "path: "+o.Path, "host: "+o.Host)
	}
	if o.ALB != nil {
		parts = append(parts, fmt.Sprintf("alb: {targetGroup: %s, targetType: %s, healthCheck: %s}", o.ALB.TargetGroup, o.ALB.TargetType, o.ALB.HealthCheck))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
