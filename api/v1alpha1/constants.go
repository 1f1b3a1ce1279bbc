package v1alpha1

// Marks krm-fn puts on every object it renders. The owner annotation lets
// a second run recognise (and replace) what an earlier run rendered.
const (
	LabelManagedBy      = "app.kubernetes.io/managed-by"
	ManagedByValue      = "krm-fn"
	AnnotationOwner     = Group + "/owner"
	LabelIstioInjection = "istio-injection"
)

// Built-in defaults, used where neither the exposure nor the platform says
// otherwise. Each is named in the comment of the field of types.go that it
// fills.
const (
	DefaultIngressClassName = "alb"
	DefaultGatewayNamespace = "istio-system"
	DefaultGatewayService   = "istio-ingressgateway"
	DefaultGatewayAPIName   = "ingress"
	// GatewayClassIstio is the GatewayClass of Istio's gateways.
	GatewayClassIstio       = "istio"
	DefaultGatewayPort      = 80
	DefaultHealthCheckPort  = "status-port"
	DefaultHealthCheckPath  = "/healthz/ready"
	DefaultHealthCheckCodes = "200"
	DefaultHTTPSPort        = 443
	DefaultBackendWeight    = 100
	DefaultPathPrefix       = "/"
	DefaultRedirectCode     = 301
	// The last group.order of an Ingress in an ALB group.
	MaxGroupOrder = 1000
	// The label of Istio's ingress gateway pods (gateway.selector).
	DefaultGatewaySelectorKey   = "istio"
	DefaultGatewaySelectorValue = "ingressgateway"
)

// The health check of a GRPC target group (protocol grpc): a gRPC call to a
// method nothing implements, on the port the traffic takes, which the
// ingress gateway answers UNIMPLEMENTED (gRPC status 12). These are the AWS
// Load Balancer Controller's defaults for a GRPC target group; why they
// suit the gateway is in docs/design.md ("gRPC through the ALB").
const (
	DefaultGRPCHealthCheckPort  = HealthCheckPortTrafficPort
	DefaultGRPCHealthCheckPath  = "/AWS.ALB/healthcheck"
	DefaultGRPCHealthCheckCodes = "12"
)

// Limits of the API.
const (
	// MaxHosts bounds the hosts of one exposure: each is an ALB listener
	// rule, and AWS allows 100 rules per ALB by default.
	MaxHosts = 100
	// MaxALBGroupNameLength is the AWS Load Balancer Controller's limit
	// for group.name.
	MaxALBGroupNameLength = 63
)

// ReservedNamespaces are Kubernetes' own namespaces: nothing krm-fn
// renders may go there.
var ReservedNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// The Kubernetes API server's Service, default/kubernetes: no exposure
// renders it, points spec.service at it, routes or mirrors to it, but the
// platform's own.
const (
	APIServerNamespace = "default"
	APIServerService   = "kubernetes"
)

// ALB schemes and target types.
const (
	SchemeInternetFacing = "internet-facing"
	SchemeInternal       = "internal"
	TargetTypeIP         = "ip"
	TargetTypeInstance   = "instance"
)

// The values of the enumerated fields, in the order messages list them.
var (
	Schemes        = []string{SchemeInternetFacing, SchemeInternal}
	TargetTypes    = []string{TargetTypeIP, TargetTypeInstance}
	InjectionModes = []InjectionMode{InjectionNamespace, InjectionWorkload, InjectionAmbient, InjectionNone}
	PlatformAPIs   = []PlatformAPI{APIIstio, APIGatewayAPI}
	Protocols      = []Protocol{ProtocolHTTP, ProtocolHTTP2, ProtocolGRPC, ProtocolTCP}
	// BackendProtocolVersions are the values of backend-protocol-version.
	BackendProtocolVersions = []string{BackendProtocolVersionHTTP1, BackendProtocolVersionHTTP2, BackendProtocolVersionGRPC}
)
