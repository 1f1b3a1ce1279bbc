package conformance

// The AWS Load Balancer Controller's Ingress annotations, as its
// documentation lists them: name, value type, where they may be set
// (Location) and how an IngressGroup merges them (MergeBehavior).
//
// Source: docs/guide/ingress/annotations.md of
// kubernetes-sigs/aws-load-balancer-controller, published at
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
// (read at the revision that documents the frontend-NLB annotations;
// the table at the top of that page, and its prose for the formats). The
// controller's code is not a Go module we can import, so the table is
// copied here; TestGroupWideMatchesFn keeps krm-fn's GroupWideAnnotations
// equal to the Exclusive rows.
//
// The controller's encodings (the page's note at the top): boolean 'true',
// integer '42', stringList s1,s2,s3, stringMap k1=v1,k2=v2, json 'jsonContent'.

// merge is an annotation's MergeBehavior within an IngressGroup.
type merge int

const (
	perIngress merge = iota // N/A: applies to the Ingress's own rules or target groups
	merged                  // Merge: combined across the group
	exclusive               // Exclusive: configures the group's one ALB; all must agree
)

// albAnnotation is one row of the table.
type albAnnotation struct {
	name    string                   // without the alb.ingress.kubernetes.io/ prefix
	check   func(value string) error // the documented value format
	service bool                     // Location includes Service
	merge   merge
}

const albPrefix = "alb.ingress.kubernetes.io/"

var albAnnotations = []albAnnotation{
	{name: "load-balancer-name", check: loadBalancerName, merge: exclusive},
	{name: "group.name", check: groupName},
	{name: "group.order", check: integerIn(-1000, 1000)},
	{name: "tags", check: stringMap, service: true, merge: merged},
	{name: "ip-address-type", check: oneOf("ipv4", "dualstack", "dualstack-without-public-ipv4"), merge: exclusive},
	{name: "scheme", check: oneOf("internal", "internet-facing"), merge: exclusive},
	{name: "subnets", check: stringList, merge: exclusive},
	{name: "security-groups", check: stringList, merge: exclusive},
	{name: "manage-backend-security-group-rules", check: boolean, merge: exclusive},
	{name: "customer-owned-ipv4-pool", check: nonEmpty, merge: exclusive},
	{name: "load-balancer-attributes", check: stringMap, merge: exclusive},
	{name: "wafv2-acl-arn", check: arnOrNone("wafv2"), merge: exclusive},
	{name: "waf-acl-id", check: nonEmpty, merge: exclusive},
	{name: "shield-advanced-protection", check: boolean, merge: exclusive},
	{name: "listen-ports", check: listenPortsFormat, merge: merged},
	{name: "ssl-redirect", check: portNumber, merge: exclusive},
	{name: "inbound-cidrs", check: cidrList, merge: exclusive},
	{name: "security-group-prefix-lists", check: stringList, merge: exclusive},
	{name: "certificate-arn", check: certificateARNs, merge: merged},
	{name: "ssl-policy", check: sslPolicy, merge: exclusive},
	{name: "target-type", check: oneOf("instance", "ip"), service: true},
	{name: "backend-protocol", check: oneOf("HTTP", "HTTPS"), service: true},
	// Documented as a string defaulting to HTTP1, with HTTP2 and GRPC as
	// the other values its prose names.
	{name: "backend-protocol-version", check: oneOf("HTTP1", "HTTP2", "GRPC"), service: true},
	{name: "target-group-attributes", check: stringMap, service: true},
	// integer | traffic-port in the table; the prose adds a named port
	// (the NodePort or target port of that name).
	{name: "healthcheck-port", check: healthCheckPort, service: true},
	{name: "healthcheck-protocol", check: oneOf("HTTP", "HTTPS"), service: true},
	{name: "healthcheck-path", check: path, service: true},
	{name: "healthcheck-interval-seconds", check: integer, service: true},
	{name: "healthcheck-timeout-seconds", check: integer, service: true},
	{name: "healthy-threshold-count", check: integer, service: true},
	{name: "unhealthy-threshold-count", check: integer, service: true},
	{name: "success-codes", check: successCodes, service: true},
	{name: "auth-type", check: oneOf("none", "oidc", "cognito"), service: true},
	{name: "auth-idp-cognito", check: jsonObject, service: true},
	{name: "auth-idp-oidc", check: jsonObject, service: true},
	{name: "auth-on-unauthenticated-request", check: oneOf("authenticate", "allow", "deny"), service: true},
	{name: "auth-scope", check: nonEmpty, service: true},
	{name: "auth-session-cookie", check: nonEmpty, service: true},
	{name: "auth-session-timeout", check: integer, service: true},
	{name: "target-node-labels", check: stringMap, service: true},
	{name: "mutual-authentication", check: mutualAuthenticationFormat, merge: exclusive},
	{name: "multi-cluster-target-group", check: boolean, service: true},
	{name: "minimum-load-balancer-capacity", check: stringMap, merge: exclusive},
	{name: "ipam-ipv4-pool-id", check: nonEmpty, merge: exclusive},
	{name: "enable-frontend-nlb", check: boolean, merge: exclusive},
	{name: "frontend-nlb-scheme", check: oneOf("internal", "internet-facing"), merge: exclusive},
	{name: "frontend-nlb-subnets", check: stringList, merge: exclusive},
	{name: "frontend-nlb-security-groups", check: stringList, merge: exclusive},
	{name: "frontend-nlb-listener-port-mapping", check: stringMap, merge: merged},
	{name: "frontend-nlb-healthcheck-port", check: integerOr("traffic-port")},
	{name: "frontend-nlb-healthcheck-protocol", check: oneOf("HTTP", "HTTPS")},
	{name: "frontend-nlb-healthcheck-path", check: path},
	{name: "frontend-nlb-healthcheck-interval-seconds", check: integer},
	{name: "frontend-nlb-healthcheck-timeout-seconds", check: integer},
	{name: "frontend-nlb-healthcheck-healthy-threshold-count", check: integer},
	{name: "frontend-nlb-healthcheck-unhealthy-threshold-count", check: integer},
	{name: "frontend-nlb-healthcheck-success-codes", check: successCodes},
	{name: "frontend-nlb-tags", check: stringMap, merge: exclusive},
	{name: "frontend-nlb-eip-allocation", check: stringList},
	{name: "frontend-nlb-attributes", check: stringList},
	// Not in the table but documented under "Addons" beside wafv2-acl-arn:
	// the web ACL by name. It sets the ALB's WAF, so it is group-wide like
	// the ARN.
	{name: "wafv2-acl-name", check: nonEmpty, merge: exclusive},
}

// Annotations whose names carry a parameter:
// actions.${action-name} (json, Ingress), conditions.${conditions-name}
// (json, Ingress) and listener-attributes.${Protocol}-${Port} (stringMap,
// Ingress, Merge).
const (
	albActionsPrefix            = "actions."
	albConditionsPrefix         = "conditions."
	albListenerAttributesPrefix = "listener-attributes."
)
