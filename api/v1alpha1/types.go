package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ServiceExposure exposes one service through the platform's ALB and the
// Istio ingress gateway. It is namespaced: everything it generates, but the
// Ingress, lives in its namespace.
type ServiceExposure struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceExposureSpec `json:"spec"`
}

// ServiceExposureSpec is what one service asks of the platform.
type ServiceExposureSpec struct {
	// Hosts the service answers on through the load balancer, 1-100. A name without
	// a dot gets the platform's domain appended ("api" → "api.domain.shop");
	// a leading "*." makes a wildcard host; "*" alone is every host (never
	// qualified). Two exposures may not claim the same host in one
	// environment, unless the platform lists it in sharedHosts. Required
	// unless mesh is true: then none means no Gateway and no Ingress, only
	// the Service, the mesh routing and the DestinationRule.
	Hosts []string `json:"hosts,omitempty"`

	// Mesh applies the routes to requests from inside the mesh too
	// (sidecar clients calling the Service): the routing is bound to the
	// mesh as well as to the gateway. Default: false.
	Mesh bool `json:"mesh,omitempty"`

	// ExportTo is the Istio exportTo of the routing and the
	// DestinationRule: the namespaces they apply to ("." for the
	// exposure's own, "*" for all). Default: all.
	ExportTo []string `json:"exportTo,omitempty"`

	// Service is the Kubernetes Service the traffic goes to. Required.
	Service ServiceSpec `json:"service"`

	// Routes, in match order (on a shared host, in the host's precedence:
	// see ExposurePlatform sharedHosts). Default: one route, prefix "/", to
	// the service.
	Routes []Route `json:"routes,omitempty"`

	// RouteDefaults are settings applied to every route that does not set
	// the field itself (a redirect or a fixed response takes only cors and
	// responseHeaders: it sends nothing on). Default: none.
	RouteDefaults *RouteDefaults `json:"routeDefaults,omitempty"`

	// Subsets become the DestinationRule's subsets; routes send weights to
	// them by name. Default: none.
	Subsets []Subset `json:"subsets,omitempty"`

	// TrafficPolicy is Istio's DestinationRule trafficPolicy
	// (networking.istio.io/v1), checked strictly against Istio's own type
	// and with Istio's rules, and passed through; durations are written as
	// Istio's YAML takes them ("3m", "500ms") and rendered in its canonical
	// form ("180s", "0.500s"). Default: none.
	TrafficPolicy *TrafficPolicy `json:"trafficPolicy,omitempty"`

	// Ingress overrides the platform's ALB settings for this service only.
	Ingress *IngressOverrides `json:"ingress,omitempty"`

	// TLS is how this exposure's hosts are served at the Istio gateway:
	// terminated there (simple, mutual) or passed through to the Service
	// by SNI (passthrough). Only where the platform has gateway TLS
	// (spec.tls of the ExposurePlatform; the default with loadBalancer
	// nlb). Default: mode simple, the platform's credentialName.
	TLS *ExposureTLS `json:"tls,omitempty"`

	// TCP routes at the gateway: a gateway port whose connections go to
	// this exposure's Service (and its subsets), weighted. Only with
	// loadBalancer nlb or none. With tcp routes, hosts may be empty.
	// Default: none.
	TCP []TCPRoute `json:"tcp,omitempty"`
}

// Protocol is the application protocol of the service port.
type Protocol string

// The protocols a service port can speak. Istio reads it from the port name
// prefix and appProtocol.
const (
	ProtocolHTTP  Protocol = "http"
	ProtocolHTTP2 Protocol = "http2"
	ProtocolGRPC  Protocol = "grpc"
	ProtocolTCP   Protocol = "tcp"
)

// ServiceSpec names the Service behind the exposure.
type ServiceSpec struct {
	// Port clients and the VirtualService use. Required, 1-65535, unless
	// ports lists the Service's ports.
	Port int32 `json:"port,omitempty"`

	// TargetPort on the pods: a number (1-65535) or a port name.
	// Default: port.
	TargetPort *intstr.IntOrString `json:"targetPort,omitempty"`

	// Protocol of the port: http, http2, grpc or tcp. Default: http.
	// The Service port is named "<protocol>-<port>" and carries the same
	// appProtocol, so Istio selects the protocol without guessing. grpc
	// also gives the Ingress a GRPC target group (HTTP/2 from the ALB to
	// the gateway, a gRPC health check, the HTTPS listener only), which
	// needs the platform's certificateArns.
	Protocol Protocol `json:"protocol,omitempty"`

	// Selector of the pods behind the Service. Default: {app: <metadata.name>}.
	Selector map[string]string `json:"selector,omitempty"`

	// Create the Service. Default: true. false means the Service already
	// exists (name, namespace) and no Service is emitted.
	Create *bool `json:"create,omitempty"`

	// Name of the Service. Default: metadata.name. With create: false, the
	// name of the existing Service.
	Name string `json:"name,omitempty"`

	// Namespace of the Service. Default: metadata.namespace. An existing
	// Service may live elsewhere.
	Namespace string `json:"namespace,omitempty"`

	// Ports of the Service, instead of port, targetPort and protocol:
	// several named ports, 1-100. http routes send to the first port
	// whose protocol is not tcp, tcp routes and passthrough to the first
	// tcp port, unless a backend names its port. Default: none (the one
	// port of port, targetPort and protocol).
	Ports []ServicePort `json:"ports,omitempty"`
}

// Subset is a named group of the service's pods.
type Subset struct {
	// Name of the subset, a DNS-1123 label. Required, unique.
	Name string `json:"name"`
	// Labels the subset's pods carry. Required, at least one.
	Labels map[string]string `json:"labels"`
}

// IngressOverrides override the platform's ALB settings for one exposure.
type IngressOverrides struct {
	// Scheme of the ALB: internet-facing or internal. Default: the platform's.
	// The scheme is group-wide: an exposure whose scheme differs from its
	// group's goes to an ALB group of its own (see Group).
	Scheme string `json:"scheme,omitempty"`

	// Group is the ALB IngressGroup of this exposure. Default: the
	// platform's group; when this exposure's group-wide settings differ from
	// the platform's, "<platform group>-<scheme>". Every exposure of one
	// group must agree on every group-wide setting.
	Group string `json:"group,omitempty"`

	// Annotations added to this exposure's Ingress, over the platform's.
	// Default: none.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ExposurePlatform is one environment's defaults: the function config of an
// overlay. Cluster-scoped in spirit; its metadata.name names the environment.
type ExposurePlatform struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ExposurePlatformSpec `json:"spec"`
}

// ExposurePlatformSpec holds what every exposure of an environment shares.
type ExposurePlatformSpec struct {
	// Domain appended to hosts without a dot. Default: none (then every host
	// must be fully qualified).
	Domain string `json:"domain,omitempty"`

	// ALB settings for every Ingress.
	ALB ALBSpec `json:"alb,omitempty"`

	// API is the routing API the exposures render to: istio (Istio's
	// Gateway, VirtualService and DestinationRule) or gateway-api (the
	// Kubernetes Gateway API, gateway.networking.k8s.io/v1, served by
	// Istio: one Gateway of class istio for the environment, an HTTPRoute
	// per exposure, a Service per subset routed to, a DestinationRule only
	// for a trafficPolicy). A route setting the Gateway API cannot express
	// is an error. Default: istio.
	API PlatformAPI `json:"api,omitempty"`

	// GatewayAPI says what of the Gateway API the cluster serves, with api:
	// gateway-api. Default: its standard channel.
	GatewayAPI *GatewayAPISpec `json:"gatewayAPI,omitempty"`

	// Gateway is the Istio ingress gateway the ALB forwards to.
	Gateway GatewaySpec `json:"gateway,omitempty"`

	// Injection is how the workloads of the Services this function creates
	// join the mesh: namespace (label the namespace istio-injection:
	// enabled), workload (label the pod templates sidecar.istio.io/inject:
	// "true"), ambient (label the namespace istio.io/dataplane-mode:
	// ambient: no sidecar, ztunnel) or none. Default: namespace.
	Injection InjectionMode `json:"injection,omitempty"`

	// Revision is the Istio control-plane revision (or revision tag) whose
	// injector gives the sidecars, with namespace or workload injection:
	// the label istio.io/rev: <revision> replaces istio-injection (on the
	// namespace) or sidecar.istio.io/inject (on the pod templates). A DNS
	// label. Default: none (the default revision).
	Revision string `json:"revision,omitempty"`

	// SharedHosts are hosts several exposures may claim, each on its own
	// paths (short ones take the domain, as an exposure's do; "*" is every
	// host). A request to a shared host goes to the most specific match of
	// all the exposures that claim it: exact paths, then prefixes longest
	// first, then regexes; on the same path, a route with headers, method
	// or query parameters before one without. Default: none.
	SharedHosts []string `json:"sharedHosts,omitempty"`

	// LoadBalancer is what carries traffic to the Istio gateway: alb (an
	// ALB Ingress per exposure, TLS at the ALB), nlb (no Ingress: the
	// gateway's own LoadBalancer Service, an NLB the platform owns,
	// carries traffic at L4 and TLS ends at the gateway) or none (no
	// load-balancer objects at all). Default: alb.
	LoadBalancer LoadBalancerKind `json:"loadBalancer,omitempty"`

	// TLS at the Istio gateway. The default with loadBalancer nlb; with
	// alb, setting it (tls: {} will do) makes the ALB re-encrypt to the
	// gateway (backend protocol HTTPS, gateway.httpsPort); with none, the
	// gateway serves plain HTTP unless it is set. Default: none, but
	// with nlb.
	TLS *GatewayTLS `json:"tls,omitempty"`

	// AllowedNamespaces is deprecated: the older name of
	// tenancy.namespaces, which it sets when that is unset (a warning says
	// to move it). Default: none.
	AllowedNamespaces []string `json:"allowedNamespaces,omitempty"`

	// Tenancy is what exposures may touch: where they live, what they
	// reach, the annotations they set. Default: the safe defaults of each
	// field.
	Tenancy TenancySpec `json:"tenancy,omitempty"`
}

// PlatformAPI is the routing API exposures render to.
type PlatformAPI string

// The routing APIs.
const (
	APIIstio      PlatformAPI = "istio"
	APIGatewayAPI PlatformAPI = "gateway-api"
)

// InjectionMode says how sidecar injection is ensured.
type InjectionMode string

// The injection modes.
const (
	InjectionNamespace InjectionMode = "namespace"
	InjectionWorkload  InjectionMode = "workload"
	InjectionAmbient   InjectionMode = "ambient"
	InjectionNone      InjectionMode = "none"
)

// ALBSpec is the AWS Load Balancer Controller configuration.
type ALBSpec struct {
	// Scheme: internet-facing or internal. Default: internet-facing.
	Scheme string `json:"scheme,omitempty"`

	// CertificateARNs of ACM (or IAM) certificates for the HTTPS listener;
	// the first is the default certificate. Default: none (HTTP only).
	CertificateARNs []string `json:"certificateArns,omitempty"`

	// SSLPolicy of the HTTPS listener (ELBSecurityPolicy-…). Default: none
	// (the controller's default). Only with certificateArns.
	SSLPolicy string `json:"sslPolicy,omitempty"`

	// Group is the ALB IngressGroup name: every exposure shares one ALB.
	// Lowercase alphanumerics, '-' and '.', at most 63 characters.
	// Default: none (one ALB per exposure).
	Group string `json:"group,omitempty"`

	// TargetType: ip or instance (instance needs a NodePort gateway
	// Service). Default: ip.
	TargetType string `json:"targetType,omitempty"`

	// RedirectHTTPS makes the ALB redirect HTTP to HTTPS (ssl-redirect
	// '443'). Default: true when any certificate is set, else false. The
	// redirect happens at the ALB, never on the Istio Gateway (that loops
	// behind an ALB that terminates TLS).
	RedirectHTTPS *bool `json:"redirectHTTPS,omitempty"`

	// IngressClassName of the Ingresses. Default: alb.
	IngressClassName string `json:"ingressClassName,omitempty"`

	// Annotations put on every Ingress: any other alb.ingress.kubernetes.io/*
	// (WAF, inbound-cidrs, idle timeout, tags) or e.g. external-dns ones.
	// Annotations the fields above write may not be set here.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// GatewaySpec locates the Istio ingress gateway.
type GatewaySpec struct {
	// Name of the Gateway API Gateway (class istio) every HTTPRoute
	// attaches to, in namespace; Istio deploys it as a Deployment and a
	// Service "<name>-istio" there, which the Ingresses target. Only with
	// api: gateway-api. Default: ingress.
	Name string `json:"name,omitempty"`

	// Namespace where the ingress gateway Service runs; the Ingresses go
	// there. Default: istio-system.
	Namespace string `json:"namespace,omitempty"`

	// Service is the ingress gateway Service the ALB targets.
	// Default: istio-ingressgateway. With api: gateway-api, the Service
	// Istio deploys for the Gateway, "<name>-istio", and not settable.
	Service string `json:"service,omitempty"`

	// Selector of the gateway pods, used by every Gateway.
	// Default: {istio: ingressgateway}. Not with api: gateway-api (the
	// Gateway's own pods serve it).
	Selector map[string]string `json:"selector,omitempty"`

	// Port of the gateway Service the ALB sends HTTP to; also the port of
	// every Gateway server. Default: 80.
	Port int32 `json:"port,omitempty"`

	// HealthCheckPort is the gateway Service port (name or number) the ALB
	// health check uses: Istio's status port. Default: status-port (15021).
	// A name resolves to the NodePort (target type instance) or the pod
	// port (ip); a number is taken as it is, so with target type instance
	// it must be a NodePort (30000-32767).
	HealthCheckPort string `json:"healthCheckPort,omitempty"`

	// HealthCheckPath answered by the status port when the gateway is ready.
	// Default: /healthz/ready.
	HealthCheckPath string `json:"healthCheckPath,omitempty"`

	// HTTPSPort is the gateway port of TLS: the HTTPS servers (and SNI
	// passthrough) of the exposures, and, with loadBalancer alb and tls,
	// where the ALB re-encrypts to. An exposure may choose another
	// (spec.tls.port). Default: 443.
	HTTPSPort int32 `json:"httpsPort,omitempty"`
}
