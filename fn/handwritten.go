package fn

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// taken is what krm-fn renders for one namespace's exposures (or, with
// namespace "", for the platform: shared hosts, its Gateway), which a
// routing object written by hand in another namespace may not take.
type taken struct {
	namespace string // "": the platform's
	what      string // whose, as a message says it
}

// claims are the hosts, Gateways, VirtualServices and ALB groups a plan
// renders, by whom.
type claims struct {
	hosts, services            map[string]taken // public hosts; Services' FQDNs
	gateways, gatewayAPI, vses map[string]taken // "<namespace>/<name>"
	groups                     map[string]taken // ALB group names
}

// claimsOf are the claims of plan p.
func claimsOf(p *plan, xs exposures) claims {
	c := claims{map[string]taken{}, map[string]taken{}, map[string]taken{}, map[string]taken{}, map[string]taken{}, map[string]taken{}}
	byOwner := map[string]taken{}
	groups := map[string]string{} // the ALB group of each owner's Ingress
	for _, x := range p.env.Exposures {
		t := taken{x.Namespace, xs.describe(x)}
		byOwner[x.Owner] = t
		for _, h := range x.Hosts {
			c.hosts[h] = t
		}
		c.services[x.Service.FQDN] = taken{x.Service.Namespace, fmt.Sprintf("the Service of %s", t.what)}
		groups[x.Owner] = x.Ingress.Group
	}
	for _, h := range p.env.SharedHosts {
		t := taken{"", fmt.Sprintf("the platform's shared host %q", h.Host)}
		byOwner[h.Owner] = t
		c.hosts[h.Host] = t
		groups[h.Owner] = h.Ingress.Group
	}
	if g := p.env.Gateway; g != nil {
		byOwner[g.Owner] = taken{"", "the platform's Gateway"}
	}
	for _, w := range p.env.Waypoints {
		byOwner[w.Owner] = taken{w.Namespace, fmt.Sprintf("the waypoint of namespace %s", w.Namespace)}
	}
	for _, g := range p.objects {
		t, ok := byOwner[g.owner]
		if !ok {
			continue
		}
		key := g.namespace + "/" + g.name
		switch g.kind {
		case emit.KindGateway:
			c.gateways[key] = t
		case emit.KindGatewayAPIGateway:
			c.gatewayAPI[key] = t
		case emit.KindVirtualService:
			c.vses[key] = t
		case emit.KindIngress:
			if _, ok := c.groups[groups[g.owner]]; !ok && groups[g.owner] != "" {
				c.groups[groups[g.owner]] = t
			}
		}
	}
	return c
}

// handWritten refuses the routing objects of the input (written by hand,
// passing through) that take what krm-fn renders for another namespace:
// a host, a Gateway to bind to, a VirtualService to delegate to, an ALB
// group to join, a DNS name to publish. Istio merges what several objects
// say of one host, and the AWS Load Balancer Controller the rules of one
// group, in an order the object's author can choose: the exposures'
// tenancy would mean nothing if a VirtualService beside them could take
// their hosts. Objects in the reserved namespaces are the platform's.
func handWritten(p *plan, xs exposures) []problem {
	c := claimsOf(p, xs)
	var ps []problem
	for _, n := range p.items {
		ns := n.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		if p.env.Platform.ReservedNamespace(ns) != "" {
			continue
		}
		h := handObject{node: n, ns: ns, claims: c}
		group, _, _ := strings.Cut(n.GetApiVersion(), "/")
		switch {
		case group == "networking.istio.io" && n.GetKind() == "VirtualService":
			h.virtualService()
		case group == "networking.istio.io" && n.GetKind() == "Gateway":
			h.istioGateway()
		case group == "networking.istio.io" && n.GetKind() == "ServiceEntry":
			h.hosts()
		case group == "gateway.networking.k8s.io" && strings.HasSuffix(n.GetKind(), "Route"):
			h.route()
		case (group == "networking.k8s.io" || group == "extensions") && n.GetKind() == "Ingress":
			h.ingress()
		case n.GetApiVersion() == "v1" && n.GetKind() == "Service":
		default:
			ps = append(ps, h.problems...)
			continue // no source of external-dns's
		}
		h.dnsNames()
		ps = append(ps, h.problems...)
	}
	return ps
}

// handObject is an object of the input being checked, in namespace ns.
type handObject struct {
	node     *yaml.RNode
	ns       string
	claims   claims
	problems []problem
}

func (h *handObject) refuse(path *field.Path, msg string) {
	h.problems = append(h.problems, problem{node: h.node, severity: framework.Error, message: field.Forbidden(nil, msg).ErrorBody()}.at(path))
}

// Why an object may not name another namespace's host.
const (
	routesHost = "its routes would be merged with the exposure's, or its ALB rule tried first"
	dnsHost    = "external-dns would point that name at this object's load balancer"
	entryHost  = "the sidecars it is exported to would send their calls to that host to its endpoints"
)

// host refuses host at path, as why says, if krm-fn renders it for
// another namespace.
func (h *handObject) host(path *field.Path, host, why string) {
	t, ok := h.claims.hosts[strings.TrimSuffix(strings.ToLower(host), ".")]
	if !ok || t.namespace == h.ns {
		return
	}
	h.refuse(path, fmt.Sprintf("%q is a host of %s, which krm-fn renders: an object of namespace %s may not name it (%s); route it through an exposure of its own namespace, or remove it",
		host, t.what, h.ns, why))
}

// hosts refuses the spec.hosts of an Istio VirtualService or
// ServiceEntry that name (or, wildcards, cover) a host or a Service krm-fn
// renders for another namespace: Istio applies either to the calls
// sidecars make to those hosts, in every namespace it is exported to.
func (h *handObject) hosts() {
	spec := field.NewPath("spec")
	kind, why := h.node.GetKind(), routesHost
	if kind == "ServiceEntry" {
		why = entryHost
	}
	for i, host := range scalars(h.node, "spec", "hosts") {
		h.host(spec.Child("hosts").Index(i), host, why)
		if t, ok := h.claims.services[serviceFQDN(host, h.ns)]; ok && t.namespace != h.ns {
			h.refuse(spec.Child("hosts").Index(i), fmt.Sprintf("%q is %s, in namespace %s: a %s of namespace %s would route the calls of every client it is exported to; route it through that exposure instead",
				host, t.what, t.namespace, kind, h.ns))
		} else if fqdn, t, ok := h.claims.coveredService(host, h.ns); ok {
			h.refuse(spec.Child("hosts").Index(i), fmt.Sprintf("%q covers %s, %s, in namespace %s: Istio applies a %s of a wildcard host to the calls to every Service it covers, and one of namespace %s would route the calls of every client it is exported to; name the hosts of its own namespace's Services",
				host, fqdn, t.what, t.namespace, kind, h.ns))
		}
	}
}

func (h *handObject) virtualService() {
	spec := field.NewPath("spec")
	h.hosts()
	for i, g := range scalars(h.node, "spec", "gateways") {
		if g == "mesh" {
			continue
		}
		key := g
		if !strings.Contains(g, "/") {
			key = h.ns + "/" + g
		}
		if t, ok := h.claims.gateways[key]; ok && t.namespace != h.ns {
			h.refuse(spec.Child("gateways").Index(i), fmt.Sprintf("is the Gateway krm-fn renders for %s: a VirtualService of namespace %s may not bind to it; bind to a Gateway of its own namespace", t.what, h.ns))
		}
	}
	for i, r := range mappings(h.node, "spec", "http") {
		name := scalar(r, "delegate", "name")
		if name == "" {
			continue
		}
		dns := scalar(r, "delegate", "namespace")
		if dns == "" {
			dns = h.ns
		}
		if t, ok := h.claims.vses[dns+"/"+name]; ok && t.namespace != h.ns {
			h.refuse(spec.Child("http").Index(i).Child("delegate"), fmt.Sprintf("is the VirtualService krm-fn renders for %s: a VirtualService of namespace %s may not delegate to it", t.what, h.ns))
		}
	}
}

func (h *handObject) istioGateway() {
	for i, srv := range mappings(h.node, "spec", "servers") {
		for j, host := range scalars(srv, "hosts") {
			if _, name, ok := strings.Cut(host, "/"); ok {
				host = name
			}
			h.host(field.NewPath("spec", "servers").Index(i).Child("hosts").Index(j), host, routesHost)
		}
	}
}

func (h *handObject) route() {
	spec := field.NewPath("spec")
	for i, host := range scalars(h.node, "spec", "hostnames") {
		h.host(spec.Child("hostnames").Index(i), host, routesHost)
	}
	for i, ref := range mappings(h.node, "spec", "parentRefs") {
		group, kind := scalar(ref, "group"), scalar(ref, "kind")
		if (group != "" && group != "gateway.networking.k8s.io") || (kind != "" && kind != "Gateway") {
			continue // a Service (a consumer route: for this namespace's clients only), or another kind
		}
		ns := scalar(ref, "namespace")
		if ns == "" {
			ns = h.ns
		}
		if t, ok := h.claims.gatewayAPI[ns+"/"+scalar(ref, "name")]; ok && t.namespace != h.ns {
			h.refuse(spec.Child("parentRefs").Index(i), fmt.Sprintf("is %s, which krm-fn renders: a route of namespace %s may not attach to it (only the exposures' HTTPRoutes do, each for its own hosts); route through an exposure instead", t.what, h.ns))
		}
	}
}

func (h *handObject) ingress() {
	spec := field.NewPath("spec")
	for i, r := range mappings(h.node, "spec", "rules") {
		if host := scalar(r, "host"); host != "" {
			h.host(spec.Child("rules").Index(i).Child("host"), host, routesHost)
		}
	}
	for i, tls := range mappings(h.node, "spec", "tls") {
		for j, host := range scalars(tls, "hosts") {
			h.host(spec.Child("tls").Index(i).Child("hosts").Index(j), host, routesHost)
		}
	}
	if g := h.node.GetAnnotations()[v1alpha1.ALBGroupName]; g != "" {
		if t, ok := h.claims.groups[g]; ok && t.namespace != h.ns {
			h.refuse(field.NewPath("metadata", "annotations").Key(v1alpha1.ALBGroupName), fmt.Sprintf("joins ALB group %q, whose Ingresses krm-fn renders (%s): an Ingress of namespace %s in that group could order its rules before theirs; give it an ALB group of its own",
				g, t.what, h.ns))
		}
	}
}

// dnsNames refuses an annotation that publishes a DNS name krm-fn renders
// for another namespace: external-dns, which reads it on Services,
// Ingresses, Istio Gateways and VirtualServices and Gateway API routes,
// would point it at this object.
func (h *handObject) dnsNames() {
	for _, k := range v1alpha1.HostAnnotations {
		v, ok := h.node.GetAnnotations()[k]
		if !ok {
			continue
		}
		for _, host := range strings.Split(v, ",") {
			h.host(field.NewPath("metadata", "annotations").Key(k), strings.TrimSpace(host), dnsHost)
		}
	}
}

// coveredService is the first Service FQDN (in order), of a namespace
// other than ns, that host covers if it is a wildcard ("*.team-pay.svc.cluster.local",
// "*.cluster.local"), with whose it is.
func (c claims) coveredService(host, ns string) (string, taken, bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	suffix, ok := strings.CutPrefix(host, "*")
	if !ok {
		return "", taken{}, false
	}
	for _, fqdn := range slices.Sorted(maps.Keys(c.services)) {
		if t := c.services[fqdn]; t.namespace != ns && strings.HasSuffix(fqdn, suffix) {
			return fqdn, t, true
		}
	}
	return "", taken{}, false
}

// serviceFQDN is the Service FQDN an Istio host of namespace ns names: a
// short name is of ns, "name.namespace" and "name.namespace.svc" are
// completed.
func serviceFQDN(host, ns string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	switch strings.Count(host, ".") {
	case 0:
		return model.FQDN(host, ns)
	case 1:
		return host + model.ClusterDomainSuffix
	}
	if strings.HasSuffix(host, ".svc") {
		return host + ".cluster.local"
	}
	return host
}

// scalars are the string values of the list at path in n; none if there
// is no such list.
func scalars(n *yaml.RNode, path ...string) []string {
	l, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || l == nil || l.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, e := range l.YNode().Content {
		if e.Kind == yaml.ScalarNode {
			out = append(out, e.Value)
		} else {
			out = append(out, "")
		}
	}
	return out
}

// mappings are the mappings of the list at path in n (nil for an item
// that is none).
func mappings(n *yaml.RNode, path ...string) []*yaml.RNode {
	l, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || l == nil || l.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.RNode
	for _, e := range l.YNode().Content {
		if e.Kind == yaml.MappingNode {
			out = append(out, yaml.NewRNode(e))
		} else {
			out = append(out, yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode}))
		}
	}
	return out
}

// scalar is the string value at path in n, "" if there is none.
func scalar(n *yaml.RNode, path ...string) string {
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return v.YNode().Value
}
