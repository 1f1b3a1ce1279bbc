package fn

// API group, version and kinds of the function's own types.
const (
	Group                = "exposure.krmfn.io"
	Version              = "v1alpha1"
	APIVersion           = Group + "/" + Version
	KindServiceExposure  = "ServiceExposure"
	KindExposurePlatform = "ExposurePlatform"
)

// Marks the function puts on every object it emits. The owner annotation
// lets a second run recognise (and replace) what an earlier run generated.
const (
	LabelManagedBy      = "app.kubernetes.io/managed-by"
	ManagedByValue      = "krm-fn"
	AnnotationOwner     = Group + "/owner"
	LabelIstioInjection = "istio-injection"
)

// Built-in defaults, used where neither the exposure nor the platform says
// otherwise. Each is named in the field comment of types.go that it fills.
const (
	DefaultIngressClassName = "alb"
	DefaultGatewayNamespace = "istio-system"
	DefaultGatewayService   = "istio-ingressgateway"
	DefaultGatewayPort      = 80
	DefaultHealthCheckPort  = "status-port"
	DefaultHealthCheckPath  = "/healthz/ready"
	DefaultHealthCheckCodes = "200"
	DefaultHTTPSPort        = 443
	DefaultBackendWeight    = 100
	DefaultPathPrefix       = "/"
	clusterDomainSuffix     = ".svc.cluster.local"
	gatewayServerPortName   = "http"
	gatewayServerProtocol   = "HTTP"
	gatewaySelectorKey      = "istio"
	gatewaySelectorValue    = "ingressgateway"
	injectionEnabledValue   = "enabled"
	workloadInjectValue     = "true"
	albAnnotationPrefix     = "alb.ingress.kubernetes.io/"
	maxALBGroupNameLength   = 63
	// maxHosts bounds the hosts of one exposure: each is an ALB listener
	// rule, and AWS allows 100 rules per ALB by default.
	maxHosts = 100
)

// AWS Load Balancer Controller annotations the function writes itself.
const (
	albScheme            = albAnnotationPrefix + "scheme"
	albCertificateARN    = albAnnotationPrefix + "certificate-arn"
	albSSLPolicy         = albAnnotationPrefix + "ssl-policy"
	albListenPorts       = albAnnotationPrefix + "listen-ports"
	albSSLRedirect       = albAnnotationPrefix + "ssl-redirect"
	albGroupName         = albAnnotationPrefix + "group.name"
	albTargetType        = albAnnotationPrefix + "target-type"
	albHealthCheckPort   = albAnnotationPrefix + "healthcheck-port"
	albHealthCheckPath   = albAnnotationPrefix + "healthcheck-path"
	albHealthCheckProto  = albAnnotationPrefix + "healthcheck-protocol"
	albSuccessCodes      = albAnnotationPrefix + "success-codes"
	albBackendProtoVer   = albAnnotationPrefix + "backend-protocol-version"
	albLoadBalancerName  = albAnnotationPrefix + "load-balancer-name"
	albInboundCIDRs      = albAnnotationPrefix + "inbound-cidrs"
	albIPAddressType     = albAnnotationPrefix + "ip-address-type"
	albSubnets           = albAnnotationPrefix + "subnets"
	albSecurityGroups    = albAnnotationPrefix + "security-groups"
	albCOIPv4Pool        = albAnnotationPrefix + "customer-owned-ipv4-pool"
	albLBAttributes      = albAnnotationPrefix + "load-balancer-attributes"
	albWAFv2ACLARN       = albAnnotationPrefix + "wafv2-acl-arn"
	albWAFACLID          = albAnnotationPrefix + "waf-acl-id"
	albShieldAdvanced    = albAnnotationPrefix + "shield-advanced-protection"
	albManageBackendSGRs = albAnnotationPrefix + "manage-backend-security-group-rules"
)

// More annotations that configure a group's one ALB (or its frontend NLB);
// the function only compares them across a group.
const (
	albSGPrefixLists      = albAnnotationPrefix + "security-group-prefix-lists"
	albMutualAuth         = albAnnotationPrefix + "mutual-authentication"
	albMinimumCapacity    = albAnnotationPrefix + "minimum-load-balancer-capacity"
	albIPAMPool           = albAnnotationPrefix + "ipam-ipv4-pool-id"
	albWAFv2ACLName       = albAnnotationPrefix + "wafv2-acl-name"
	albFrontendNLB        = albAnnotationPrefix + "enable-frontend-nlb"
	albFrontendNLBScheme  = albAnnotationPrefix + "frontend-nlb-scheme"
	albFrontendNLBSubnets = albAnnotationPrefix + "frontend-nlb-subnets"
	albFrontendNLBSGs     = albAnnotationPrefix + "frontend-nlb-security-groups"
	albFrontendNLBTags    = albAnnotationPrefix + "frontend-nlb-tags"
)

// groupWideAnnotations are the annotations the AWS Load Balancer Controller
// documents with merge behaviour "Exclusive": they configure the one ALB an
// IngressGroup shares, so every Ingress of a group must carry the same value
// (or the controller stops reconciling the whole group). wafv2-acl-name is
// documented beside wafv2-acl-arn rather than in the table, and is as
// group-wide. The conformance suite checks this list against its copy of
// the controller's table (conformance/albtable.go).
var groupWideAnnotations = []string{
	albLoadBalancerName,
	albIPAddressType,
	albScheme,
	albSubnets,
	albSecurityGroups,
	albCOIPv4Pool,
	albLBAttributes,
	albWAFv2ACLARN,
	albWAFACLID,
	albShieldAdvanced,
	albSSLRedirect,
	albInboundCIDRs,
	albSSLPolicy,
	albManageBackendSGRs,
	albSGPrefixLists,
	albMutualAuth,
	albMinimumCapacity,
	albIPAMPool,
	albWAFv2ACLName,
	albFrontendNLB,
	albFrontendNLBScheme,
	albFrontendNLBSubnets,
	albFrontendNLBSGs,
	albFrontendNLBTags,
}

// ownedAnnotations are written from typed fields; setting them through a
// free-form annotations map is an error that names the field to use.
var ownedAnnotations = map[string]string{
	albScheme:          "alb.scheme",
	albCertificateARN:  "alb.certificateArns",
	albSSLPolicy:       "alb.sslPolicy",
	albListenPorts:     "alb.certificateArns (HTTPS is listened on when a certificate is set)",
	albSSLRedirect:     "alb.redirectHTTPS",
	albGroupName:       "alb.group",
	albTargetType:      "alb.targetType",
	albHealthCheckPort: "gateway.healthCheckPort",
	albHealthCheckPath: "gateway.healthCheckPath",
}

// ALB schemes and target types.
const (
	SchemeInternetFacing = "internet-facing"
	SchemeInternal       = "internal"
	TargetTypeIP         = "ip"
	TargetTypeInstance   = "instance"
)
