package v1alpha1

// This file imports nothing: the conformance suite type-checks it on its
// own to compare GroupWideAnnotations with the AWS Load Balancer
// Controller's documentation.

// ALBAnnotationPrefix starts every AWS Load Balancer Controller annotation.
const ALBAnnotationPrefix = "alb.ingress.kubernetes.io/"

// AWS Load Balancer Controller annotations krm-fn writes or reads.
const (
	ALBScheme            = ALBAnnotationPrefix + "scheme"
	ALBCertificateARN    = ALBAnnotationPrefix + "certificate-arn"
	ALBSSLPolicy         = ALBAnnotationPrefix + "ssl-policy"
	ALBListenPorts       = ALBAnnotationPrefix + "listen-ports"
	ALBSSLRedirect       = ALBAnnotationPrefix + "ssl-redirect"
	ALBGroupName         = ALBAnnotationPrefix + "group.name"
	ALBGroupOrder        = ALBAnnotationPrefix + "group.order"
	ALBTargetType        = ALBAnnotationPrefix + "target-type"
	ALBHealthCheckPort   = ALBAnnotationPrefix + "healthcheck-port"
	ALBHealthCheckPath   = ALBAnnotationPrefix + "healthcheck-path"
	ALBHealthCheckProto  = ALBAnnotationPrefix + "healthcheck-protocol"
	ALBSuccessCodes      = ALBAnnotationPrefix + "success-codes"
	ALBBackendProtoVer   = ALBAnnotationPrefix + "backend-protocol-version"
	ALBLoadBalancerName  = ALBAnnotationPrefix + "load-balancer-name"
	ALBInboundCIDRs      = ALBAnnotationPrefix + "inbound-cidrs"
	ALBIPAddressType     = ALBAnnotationPrefix + "ip-address-type"
	ALBSubnets           = ALBAnnotationPrefix + "subnets"
	ALBSecurityGroups    = ALBAnnotationPrefix + "security-groups"
	ALBCOIPv4Pool        = ALBAnnotationPrefix + "customer-owned-ipv4-pool"
	ALBLBAttributes      = ALBAnnotationPrefix + "load-balancer-attributes"
	ALBWAFv2ACLARN       = ALBAnnotationPrefix + "wafv2-acl-arn"
	ALBWAFACLID          = ALBAnnotationPrefix + "waf-acl-id"
	ALBShieldAdvanced    = ALBAnnotationPrefix + "shield-advanced-protection"
	ALBManageBackendSGRs = ALBAnnotationPrefix + "manage-backend-security-group-rules"
)

// The protocol versions of an ALB target group (backend-protocol-version):
// HTTP1 (the controller's default) sends HTTP/1.1 to the targets, HTTP2
// HTTP/2, GRPC gRPC (over HTTP/2, health-checked with gRPC).
const (
	BackendProtocolVersionHTTP1 = "HTTP1"
	BackendProtocolVersionHTTP2 = "HTTP2"
	BackendProtocolVersionGRPC  = "GRPC"
)

// ALBBackendProtocol is the protocol the ALB speaks to its targets (HTTP,
// the controller's default, or HTTPS): HTTPS when it re-encrypts to the
// gateway (spec.tls with loadBalancer alb).
const (
	ALBBackendProtocol   = ALBAnnotationPrefix + "backend-protocol"
	BackendProtocolHTTPS = "HTTPS"
)

// HealthCheckPortTrafficPort, as healthcheck-port, health-checks each
// target on the port it takes traffic on.
const HealthCheckPortTrafficPort = "traffic-port"

// More annotations that configure a group's one ALB (or its frontend NLB);
// krm-fn only compares them across a group.
const (
	ALBSGPrefixLists      = ALBAnnotationPrefix + "security-group-prefix-lists"
	ALBMutualAuth         = ALBAnnotationPrefix + "mutual-authentication"
	ALBMinimumCapacity    = ALBAnnotationPrefix + "minimum-load-balancer-capacity"
	ALBIPAMPool           = ALBAnnotationPrefix + "ipam-ipv4-pool-id"
	ALBWAFv2ACLName       = ALBAnnotationPrefix + "wafv2-acl-name"
	ALBFrontendNLB        = ALBAnnotationPrefix + "enable-frontend-nlb"
	ALBFrontendNLBScheme  = ALBAnnotationPrefix + "frontend-nlb-scheme"
	ALBFrontendNLBSubnets = ALBAnnotationPrefix + "frontend-nlb-subnets"
	ALBFrontendNLBSGs     = ALBAnnotationPrefix + "frontend-nlb-security-groups"
	ALBFrontendNLBTags    = ALBAnnotationPrefix + "frontend-nlb-tags"
)

// GroupWideAnnotations are the annotations the AWS Load Balancer
// Controller documents with merge behaviour "Exclusive": they configure the
// one ALB an IngressGroup shares, so every Ingress of a group must carry the
// same value (or the controller stops reconciling the whole group).
// wafv2-acl-name is documented beside wafv2-acl-arn rather than in the
// table, and is as group-wide. The conformance suite checks this list
// against its copy of the controller's table (conformance/albtable.go).
var GroupWideAnnotations = []string{
	ALBLoadBalancerName,
	ALBIPAddressType,
	ALBScheme,
	ALBSubnets,
	ALBSecurityGroups,
	ALBCOIPv4Pool,
	ALBLBAttributes,
	ALBWAFv2ACLARN,
	ALBWAFACLID,
	ALBShieldAdvanced,
	ALBSSLRedirect,
	ALBInboundCIDRs,
	ALBSSLPolicy,
	ALBManageBackendSGRs,
	ALBSGPrefixLists,
	ALBMutualAuth,
	ALBMinimumCapacity,
	ALBIPAMPool,
	ALBWAFv2ACLName,
	ALBFrontendNLB,
	ALBFrontendNLBScheme,
	ALBFrontendNLBSubnets,
	ALBFrontendNLBSGs,
	ALBFrontendNLBTags,
}

// ownedAnnotations are written from typed fields of the ExposurePlatform;
// setting them through a free-form annotations map is an error that names
// the field to use.
var ownedAnnotations = map[string]string{
	ALBScheme:          "alb.scheme",
	ALBCertificateARN:  "alb.certificateArns",
	ALBSSLPolicy:       "alb.sslPolicy",
	ALBListenPorts:     "alb.certificateArns (HTTPS is listened on when a certificate is set)",
	ALBSSLRedirect:     "alb.redirectHTTPS",
	ALBGroupName:       "alb.group",
	ALBTargetType:      "alb.targetType",
	ALBHealthCheckPort: "gateway.healthCheckPort",
	ALBHealthCheckPath: "gateway.healthCheckPath",
}

// exposureAnnotationFields are the owned annotations an exposure sets
// through a field of its own.
var exposureAnnotationFields = map[string]string{
	ALBScheme:    "spec.ingress.scheme",
	ALBGroupName: "spec.ingress.group",
}
