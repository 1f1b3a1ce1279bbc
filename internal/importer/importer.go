package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Options steer an import.
type Options struct {
	// Domain of the platform; nil: the domain most hosts are one label
	// under.
	Domain *string
	// Name of the ExposurePlatform. Default: imported.
	Name string
}

// Loss is a source setting the import did not carry over (a Note is
// something the rendering does differently that loses nothing the
// source said, such as a Service left as written).
type Loss struct {
	Object, Field, Why string
	Note               bool
}

func (l Loss) String() string {
	s := ""
	if l.Object != "" {
		s = l.Object + ": "
	}
	if l.Field != "" {
		s += l.Field + ": "
	}
	if l.Note {
		return "note: " + s + l.Why
	}
	return s + "not carried over: " + l.Why
}

// Result is what an import prints.
type Result struct {
	Platform  *v1alpha1.ExposurePlatform
	Exposures []*v1alpha1.ServiceExposure
	// Losses in the order of the input's objects.
	Losses []Loss
}

// Lossless says whether every setting was carried over.
func (r *Result) Lossless() bool {
	return !slices.ContainsFunc(r.Losses, func(l Loss) bool { return !l.Note })
}

// exposure is a ServiceExposure being built: one per Service exposed.
type exposure struct {
	namespace, name string
	own             svcRef
	port            int32
	hosts           []string // qualified
	routes          []route
	routesFrom      source
	hasRoutes       bool
	mesh            bool
	exportTo        []string
	meshExportTo    []string // the mesh VirtualService's, which krm-fn renders as written
	// sharedRoutes are its routes on the platform's shared hosts;
	// onlyShared says it has no host of its own.
	sharedRoutes []route
	sharedFrom   string // the shared host they were read from
	onlyShared   bool
	carried      metav1.ObjectMeta
	dr           *destinationRule
	ingress      *albSettings
	ingressFrom  source
	// At L4 (tls.go): passthrough by SNI with its destinations on the
	// gateway port tlsPort, and tcp routes.
	passthrough bool
	passRoute   []*networking.RouteDestination
	tlsPort     uint32
	tcp         []tcpRoute
}

type importer struct {
	inv       *inventory
	opts      Options
	losses    []Loss
	services  map[svcRef]*service
	gateways  map[string]*gateway
	gw        gatewayRef
	exposures map[svcRef]*exposure
	// owned are the Services of the DestinationRules krm-fn rendered, by
	// their owner annotation: the Service of that exposure.
	owned   map[string]svcRef
	ownerOf map[svcRef]string
	// shared are the platform's shared hosts, as krm-fn rendered them.
	shared []string
	// l4 is what the Gateways do besides plain HTTP (tls.go).
	l4 gatewayL4
}

func (im *importer) loss(src source, path, format string, args ...any) {
	im.losses = append(im.losses, Loss{Object: src.String(), Field: path, Why: fmt.Sprintf(format, args...)})
}

func (im *importer) note(src source, path, format string, args ...any) {
	im.losses = append(im.losses, Loss{Object: src.String(), Field: path, Why: fmt.Sprintf(format, args...), Note: true})
}

// Import reads the manifests of nodes and returns the specs that render
// the same routing, with every setting not carried over. The error is a
// Problems when the input cannot be read.
func Import(nodes []*yaml.RNode, opts Options) (*Result, error) {
	inv, probs := read(nodes)
	if len(probs) > 0 {
		return nil, probs
	}
	im := &importer{inv: inv, opts: opts, services: map[svcRef]*service{}, gateways: map[string]*gateway{}, exposures: map[svcRef]*exposure{}}
	for _, s := range inv.services {
		im.services[svcRef{s.src.namespace, s.src.name}] = s
	}
	for _, g := range inv.gateways {
		im.gateways[g.src.namespace+"/"+g.src.name] = g
	}
	im.owned, im.ownerOf = map[string]svcRef{}, map[svcRef]string{}
	for _, dr := range inv.destinationRules {
		if s, ok := serviceHost(strings.ToLower(dr.spec.Host), dr.src.namespace); ok && dr.src.owner() != "" {
			im.owned[dr.src.owner()] = s
			im.ownerOf[s] = dr.src.owner()
		}
	}
	gw, ok := findGateway(inv.ingresses)
	if !ok {
		gw = gatewayRef{v1alpha1.DefaultGatewayNamespace, v1alpha1.DefaultGatewayService, v1alpha1.DefaultGatewayPort}
	}
	im.l4 = readGatewayL4(inv)
	if im.l4.reencrypt && gw.port != v1alpha1.DefaultGatewayPort {
		// The ALB sends to the gateway's HTTPS port.
		im.l4.httpsPort, gw.port = gw.port, v1alpha1.DefaultGatewayPort
	}
	im.gw = gw
	for _, vs := range inv.virtualServices {
		im.gatewayRouting(vs)
	}
	for _, x := range im.exposures {
		if !x.hasRoutes && len(x.sharedRoutes) > 0 {
			x.routes, x.hasRoutes, x.onlyShared = x.sharedRoutes, true, true
		}
	}
	for _, vs := range inv.virtualServices {
		im.meshRouting(vs)
	}
	for _, dr := range inv.destinationRules {
		im.destinationRule(dr)
	}
	platform := im.platform()
	specs := im.specs(platform)
	tenancy(platform, specs)
	return &Result{Platform: platform, Exposures: specs, Losses: im.losses}, nil
}

// portOf is the port of a Service of the input with one port.
func (im *importer) portOf(s svcRef) int32 {
	if svc := im.services[s]; svc != nil && len(svc.spec.Ports) == 1 {
		return svc.spec.Ports[0].Port
	}
	return 0
}

// canonical is the JSON of m with sorted keys, as a difference shows it.
func canonical(m proto.Message) string {
	b, err := protojson.Marshal(m)
	if err != nil {
		return err.Error()
	}
	var v any
	_ = json.Unmarshal(b, &v)
	out, _ := json.Marshal(v)
	return string(out)
}

// platform is the ExposurePlatform of the input's Ingresses and Gateways.
func (im *importer) platform() *v1alpha1.ExposurePlatform {
	name := im.opts.Name
	if name == "" {
		name = "imported"
	}
	p := &v1alpha1.ExposurePlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: string(v1alpha1.KindExposurePlatform)},
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{runtimeutil.FunctionAnnotationKey: "exec:\n  path: krm-fn\n"}},
	}
	if im.gw.namespace != v1alpha1.DefaultGatewayNamespace {
		p.Spec.Gateway.Namespace = im.gw.namespace
	}
	if im.gw.service != v1alpha1.DefaultGatewayService {
		p.Spec.Gateway.Service = im.gw.service
	}
	if im.gw.port != v1alpha1.DefaultGatewayPort {
		p.Spec.Gateway.Port = im.gw.port
	}
	p.Spec.Gateway.Selector = im.gatewaySelector()
	im.albs(p)
	im.l4Platform(p)
	var hosts []string
	for _, x := range im.exposures {
		hosts = append(hosts, x.hosts...)
	}
	sort.Strings(hosts)
	if im.opts.Domain != nil {
		p.Spec.Domain = *im.opts.Domain
	} else {
		p.Spec.Domain = guessDomain(hosts)
	}
	p.Spec.Injection, p.Spec.Revision = im.injection()
	for _, h := range im.shared {
		p.Spec.SharedHosts = append(p.Spec.SharedHosts, shortHost(h, p.Spec.Domain))
	}
	return p
}

// gatewaySelector is the selector of most Gateways, nil when it is
// Istio's default.
func (im *importer) gatewaySelector() map[string]string {
	var keys []string
	sels := map[string]map[string]string{}
	for _, g := range im.inv.gateways {
		b, _ := json.Marshal(g.spec.Selector)
		keys = append(keys, string(b))
		sels[string(b)] = g.spec.Selector
	}
	if len(keys) == 0 {
		return nil
	}
	best := mostString(keys)
	for _, g := range im.inv.gateways {
		if b, _ := json.Marshal(g.spec.Selector); string(b) != best {
			im.loss(g.src, "spec.selector", "every Gateway krm-fn renders selects the platform's gateway, %s", best)
		}
		for i, srv := range g.spec.Servers {
			at := fieldf("spec.servers[%d]", i)
			switch {
			case im.l4.carriedServer(srv):
			case srv.GetTls().GetHttpsRedirect():
				im.note(g.src, at+".tls.httpsRedirect", "the ALB redirects HTTP to HTTPS (alb.redirectHTTPS); behind an ALB that ends TLS the gateway's redirect would loop")
			case srv.Tls != nil:
				im.loss(g.src, at+".tls", "TLS ends at the ALB (alb.certificateArns): krm-fn's Gateways serve plain HTTP")
			case !im.gatewayPort(srv.GetPort().GetNumber()):
				im.loss(g.src, at+".port", "krm-fn's Gateways serve the gateway port the ALB sends to, %d", im.gw.port)
			}
		}
	}
	if sel := sels[best]; !maps.Equal(sel, map[string]string{v1alpha1.DefaultGatewaySelectorKey: v1alpha1.DefaultGatewaySelectorValue}) {
		return sel
	}
	return nil
}

// injection is how the Namespaces of the input that hold a Service krm-fn
// creates join the mesh: namespace (istio-injection: enabled, or
// istio.io/rev, which is the revision), ambient (istio.io/dataplane-mode:
// ambient), else none.
func (im *importer) injection() (v1alpha1.InjectionMode, string) {
	for _, ns := range im.inv.namespaces {
		holds := false
		for s := range im.exposures {
			if s.namespace == ns.src.name && im.services[s] != nil {
				holds = true
			}
		}
		if !holds {
			continue
		}
		l := ns.src.labels
		switch {
		case l[v1alpha1.LabelIstioInjection] == v1alpha1.InjectionEnabled:
			return v1alpha1.InjectionNamespace, ""
		case l[v1alpha1.LabelRevision] != "":
			return v1alpha1.InjectionNamespace, l[v1alpha1.LabelRevision]
		case l[v1alpha1.LabelDataplane] == v1alpha1.DataplaneAmbient:
			return v1alpha1.InjectionAmbient, ""
		}
	}
	return v1alpha1.InjectionNone, ""
}

// canonicalJSON is b with its keys sorted and no spaces.
func canonicalJSON(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
