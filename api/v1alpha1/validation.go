package v1alpha1

import (
	"cmp"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	// certificateARN matches ACM certificates and IAM server certificates,
	// in every AWS partition.
	certificateARN = regexp.MustCompile(`^arn:aws[a-z-]*:(acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+|iam::[0-9]{12}:server-certificate/[\w+=,.@/-]+)$`)
	sslPolicyName  = regexp.MustCompile(`^ELBSecurityPolicy-[A-Za-z0-9-]+$`)
	// albGroupNameRE is the controller's rule for group.name.
	albGroupNameRE = regexp.MustCompile(`^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$`)
	statusCode     = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	successCode    = regexp.MustCompile(`^[0-9]{1,3}(-[0-9]{1,3})?$`)
	// grpcMethodPath is the health check path of a GRPC target group:
	// /package.service/method.
	grpcMethodPath = regexp.MustCompile(`^/[A-Za-z_][\w.]*/[A-Za-z_]\w*$`)
)

// retryConditions are the retryOn policies Istio accepts besides HTTP
// status codes (Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on).
var retryConditions = []string{
	"5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
	"envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes",
	"retriable-headers", "http3-post-connect-failure",
	"cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
}

// Validate checks a defaulted platform and returns every problem found.
func (p *ExposurePlatform) Validate() field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	s := &p.Spec
	if s.Domain != "" {
		errs = append(errs, dnsSubdomain(spec.Child("domain"), s.Domain)...)
	}
	alb := spec.Child("alb")
	errs = append(errs, oneOf(alb.Child("scheme"), s.ALB.Scheme, Schemes)...)
	errs = append(errs, oneOf(alb.Child("targetType"), s.ALB.TargetType, TargetTypes)...)
	for i, arn := range s.ALB.CertificateARNs {
		if !certificateARN.MatchString(arn) {
			errs = append(errs, field.Invalid(alb.Child("certificateArns").Index(i), arn,
				"must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) or an IAM server certificate ARN"))
		}
	}
	if s.ALB.SSLPolicy != "" {
		if !sslPolicyName.MatchString(s.ALB.SSLPolicy) {
			errs = append(errs, field.Invalid(alb.Child("sslPolicy"), s.ALB.SSLPolicy,
				"must name an ELB security policy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06"))
		} else if len(s.ALB.CertificateARNs) == 0 {
			errs = append(errs, field.Invalid(alb.Child("sslPolicy"), s.ALB.SSLPolicy,
				"applies to the HTTPS listener, which needs certificateArns"))
		}
	}
	if s.ALB.Group != "" {
		errs = append(errs, ValidateGroupName(alb.Child("group"), s.ALB.Group)...)
	}
	if s.ALB.RedirectHTTPS != nil && *s.ALB.RedirectHTTPS && len(s.ALB.CertificateARNs) == 0 {
		errs = append(errs, field.Invalid(alb.Child("redirectHTTPS"), true,
			"needs certificateArns: without an HTTPS listener the redirect has nowhere to go"))
	}
	errs = append(errs, dnsSubdomain(alb.Child("ingressClassName"), s.ALB.IngressClassName)...)
	errs = append(errs, annotations(alb.Child("annotations"), s.ALB.Annotations, nil, nil)...)
	if _, set := s.ALB.Annotations[ALBGroupOrder]; set {
		errs = append(errs, field.Forbidden(alb.Child("annotations").Key(ALBGroupOrder),
			"orders one Ingress of a group against the others: the same on every Ingress orders nothing (krm-fn puts wildcard hosts last itself), and no exposure may set it either: remove it"))
	}
	if v, ok := s.ALB.Annotations[ALBBackendProtoVer]; ok {
		p := alb.Child("annotations").Key(ALBBackendProtoVer)
		switch v {
		case BackendProtocolVersionHTTP1:
		case BackendProtocolVersionHTTP2:
			if len(s.ALB.CertificateARNs) == 0 {
				errs = append(errs, field.Invalid(p, v, "needs certificateArns: the ALB forwards to HTTP2 target groups from HTTPS listeners only"))
			}
		case BackendProtocolVersionGRPC:
			errs = append(errs, field.Invalid(p, v, "GRPC target groups are for gRPC services only: set spec.service.protocol: grpc in their ServiceExposures, which renders GRPC for them"))
		default:
			errs = append(errs, field.NotSupported(p, v, []string{BackendProtocolVersionHTTP1, BackendProtocolVersionHTTP2}))
		}
	}

	gw := spec.Child("gateway")
	errs = append(errs, oneOf(spec.Child("api"), s.API, PlatformAPIs)...)
	errs = append(errs, dnsLabel(gw.Child("namespace"), s.Gateway.Namespace)...)
	switch s.API {
	case APIGatewayAPI:
		errs = append(errs, dnsLabel(gw.Child("name"), s.Gateway.Name)...)
		want := GatewayAPIService(s.Gateway.Name)
		for _, msg := range validation.IsDNS1035Label(want) {
			errs = append(errs, field.Invalid(gw.Child("name"), s.Gateway.Name, fmt.Sprintf("names the Service Istio deploys for the Gateway, %q, which must be a DNS-1035 label: %s", want, msg)))
		}
		if s.Gateway.Service != want {
			errs = append(errs, field.Invalid(gw.Child("service"), s.Gateway.Service,
				fmt.Sprintf("with api: gateway-api the ALB targets the Service Istio deploys for the Gateway %q, %q: remove it", s.Gateway.Name, want)))
		}
		if len(s.Gateway.Selector) > 0 {
			errs = append(errs, field.Forbidden(gw.Child("selector"),
				"with api: gateway-api the Gateway's own pods, which Istio deploys for it, serve it: remove it"))
		}
	default:
		for _, msg := range validation.IsDNS1035Label(s.Gateway.Service) {
			errs = append(errs, field.Invalid(gw.Child("service"), s.Gateway.Service, msg))
		}
		if s.Gateway.Name != "" {
			errs = append(errs, field.Forbidden(gw.Child("name"), "names the Gateway API Gateway: only with api: gateway-api"))
		}
		errs = append(errs, labelMap(gw.Child("selector"), s.Gateway.Selector)...)
	}
	errs = append(errs, portNumber(gw.Child("port"), s.Gateway.Port)...)
	errs = append(errs, portNumberOrName(gw.Child("healthCheckPort"), intstr.Parse(s.Gateway.HealthCheckPort))...)
	if s.Ingresses() {
		errs = append(errs, instanceHealthCheckPort(gw.Child("healthCheckPort"), s.Gateway.HealthCheckPort, s.ALB.TargetType)...)
	}
	if !strings.HasPrefix(s.Gateway.HealthCheckPath, "/") {
		errs = append(errs, field.Invalid(gw.Child("healthCheckPath"), s.Gateway.HealthCheckPath, `must start with "/"`))
	}
	errs = append(errs, oneOf(spec.Child("injection"), s.Injection, InjectionModes)...)
	if s.Revision != "" {
		errs = append(errs, dnsLabel(spec.Child("revision"), s.Revision)...)
		if s.Injection != InjectionNamespace && s.Injection != InjectionWorkload {
			errs = append(errs, field.Forbidden(spec.Child("revision"),
				fmt.Sprintf("a revision chooses the injector of sidecars, and injection: %s injects none: set injection to namespace or workload, or remove the revision", s.Injection)))
		}
	}
	errs = append(errs, validateHosts(spec.Child("sharedHosts"), s.SharedHosts, s)...)
	errs = append(errs, validatePlatformTLS(spec, s)...)
	errs = append(errs, validateTenancy(spec.Child("tenancy"), s)...)
	errs = append(errs, validateGatewayAPISpec(spec.Child("gatewayAPI"), s)...)
	seen := map[string]bool{}
	for i, ns := range s.AllowedNamespaces {
		p := spec.Child("allowedNamespaces").Index(i)
		errs = append(errs, dnsLabel(p, ns)...)
		if slices.Contains(ReservedNamespaces, ns) {
			errs = append(errs, field.Forbidden(p, fmt.Sprintf("%s is Kubernetes' own namespace, where krm-fn renders nothing", ns)))
		}
		if seen[ns] {
			errs = append(errs, field.Duplicate(p, ns))
		}
		seen[ns] = true
	}
	return errs
}

// Validate checks a defaulted exposure against the (defaulted) platform it
// is rendered for and returns every problem found. A nil platform is one
// that is itself invalid: what depends on it (short hosts) is not checked.
// Checks that span several exposures (hosts, ALB groups) are the
// function's, on the environment they render together (package fn).
func (e *ServiceExposure) Validate(platform *ExposurePlatformSpec) field.ErrorList {
	var errs field.ErrorList
	meta := field.NewPath("metadata")
	if e.Name == "" {
		errs = append(errs, field.Required(meta.Child("name"), ""))
	} else {
		errs = append(errs, dnsLabel(meta.Child("name"), e.Name)...)
	}
	if e.Namespace == "" {
		errs = append(errs, field.Required(meta.Child("namespace"),
			"the Gateway, VirtualService and DestinationRule are generated in it"))
	} else {
		errs = append(errs, dnsLabel(meta.Child("namespace"), e.Namespace)...)
	}
	if rev, ok := e.Labels[LabelRevision]; ok && platform != nil && rev != platform.Revision {
		errs = append(errs, field.Invalid(meta.Child("labels").Key(LabelRevision), rev, fmt.Sprintf(
			"hands the routing objects this exposure renders (its VirtualService or HTTPRoute, Gateway, DestinationRule) to the Istio control plane of revision %q, which is not the platform's (%s): the platform's control plane would ignore them; remove the label (the ExposurePlatform's spec.revision says which control plane serves the environment)",
			rev, cmp.Or(platform.Revision, "the default revision"))))
	}
	tn := tenant{namespace: e.Namespace, name: e.Name, platform: platform}
	errs = append(errs, validateTenancyOf(e, tn)...)

	spec := field.NewPath("spec")
	s := &e.Spec
	switch {
	case len(s.Hosts) == 0 && !s.Mesh && len(s.TCP) == 0:
		errs = append(errs, field.Required(spec.Child("hosts"), "at least one host name (or mesh: true, for routing inside the mesh only)"))
	default:
		errs = append(errs, validateHosts(spec.Child("hosts"), s.Hosts, platform)...)
	}
	if s.Mesh && s.Service.HTTPProtocol() == ProtocolTCP {
		errs = append(errs, field.Invalid(spec.Child("mesh"), true, "the routes are http routes, which do not apply to calls to a tcp port inside the mesh: set the protocol of the port, or remove mesh"))
	}
	errs = append(errs, validateExportTo(spec.Child("exportTo"), s.ExportTo)...)
	errs = append(errs, validateService(spec.Child("service"), &s.Service, &e.ObjectMeta)...)
	subsets := map[string]bool{}
	for i, sub := range s.Subsets {
		p := spec.Child("subsets").Index(i)
		if sub.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, dnsLabel(p.Child("name"), sub.Name)...)
		}
		if subsets[sub.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), sub.Name))
		}
		subsets[sub.Name] = true
		if len(sub.Labels) == 0 {
			errs = append(errs, field.Required(p.Child("labels"), "a subset selects pods by at least one label"))
		}
		errs = append(errs, labelMap(p.Child("labels"), sub.Labels)...)
	}
	for i := range s.Routes {
		errs = append(errs, validateRoute(spec.Child("routes").Index(i), &s.Routes[i], targets{subsets: subsets, platform: platform, service: &s.Service, l4: !s.HTTPRoutes(), tenant: tn, defaults: s.RouteDefaults})...)
	}
	errs = append(errs, s.TrafficPolicy.validate(e.Namespace)...)
	if in := s.Ingress; in != nil {
		p := spec.Child("ingress")
		if in.Scheme != "" {
			errs = append(errs, oneOf(p.Child("scheme"), in.Scheme, Schemes)...)
		}
		if in.Group != "" {
			errs = append(errs, ValidateGroupName(p.Child("group"), in.Group)...)
		}
		var free []string
		if TargetGroupProtocolVersion(s, platform) == BackendProtocolVersionGRPC {
			// The platform's health check settings are for HTTP.
			free = []string{ALBHealthCheckPort, ALBHealthCheckPath}
		}
		errs = append(errs, annotations(p.Child("annotations"), in.Annotations, exposureAnnotationFields, free)...)
	}
	errs = append(errs, validateTargetGroup(spec, s, platform)...)
	if platform != nil && platform.API == APIGatewayAPI {
		errs = append(errs, validateGatewayAPI(spec, s, e.Namespace)...)
	}
	if platform != nil && platform.API == APIGatewayAPI {
		errs = append(errs, validateGatewayAPIRetries(spec, s, platform)...)
	}
	errs = append(errs, validateExposureTLS(spec, s, platform, tn)...)
	if d := s.RouteDefaults; d != nil {
		errs = append(validateRouteDefaults(spec.Child("routeDefaults"), d), errs...)
	}
	return fromRouteDefaults(spec, s, errs)
}

// validateTargetGroup checks that the target group the exposure's Ingress
// gets can work: its protocol version suits the Service's protocol and has
// the HTTPS listener it needs, and the health check overrides suit it
// (targetgroup.go). A nil platform is invalid itself: what depends on it
// is not checked.
func validateTargetGroup(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec) field.ErrorList {
	var over map[string]string
	if s.Ingress != nil {
		over = s.Ingress.Annotations
	}
	annotation := func(k string) *field.Path { return spec.Child("ingress", "annotations").Key(k) }
	v, from := targetGroupProtocolVersion(s, platform)
	if from == versionFromExposure && !slices.Contains(BackendProtocolVersions, v) {
		return field.ErrorList{field.NotSupported(annotation(ALBBackendProtoVer), v, BackendProtocolVersions)}
	}
	if from == versionFromPlatform {
		return successCodes(annotation(ALBSuccessCodes), over, v) // the platform's value is checked with the platform
	}
	var errs field.ErrorList
	where, value := spec.Child("service", "protocol"), any(s.Service.Protocol)
	if from == versionFromExposure {
		where, value = annotation(ALBBackendProtoVer), v
	}
	switch {
	case s.Service.Protocol == ProtocolGRPC && v == BackendProtocolVersionHTTP1:
		errs = append(errs, field.Invalid(where, value,
			"gRPC needs HTTP/2 from the ALB to the gateway, and an HTTP1 target group sends HTTP/1.1: remove it (protocol grpc renders GRPC)"))
	case v == BackendProtocolVersionGRPC && s.Service.Protocol != ProtocolGRPC:
		errs = append(errs, field.Invalid(where, value,
			fmt.Sprintf("a GRPC target group is for gRPC services, and spec.service.protocol is %s: set it to grpc instead, which renders GRPC and names the port for Istio as gRPC", s.Service.Protocol)))
	}
	if NeedsHTTPSListener(v) && platform != nil && len(platform.ALB.CertificateARNs) == 0 {
		what := "gRPC through the ALB needs an HTTPS listener (the ALB forwards to GRPC target groups from HTTPS listeners only)"
		if v == BackendProtocolVersionHTTP2 {
			what = "an HTTP2 target group takes requests from HTTPS listeners only"
		}
		errs = append(errs, field.Invalid(where, value,
			what+", and the ExposurePlatform sets no spec.alb.certificateArns: set them, or expose this service some other way"))
	}
	errs = append(errs, successCodes(annotation(ALBSuccessCodes), over, v)...)
	if v == BackendProtocolVersionGRPC {
		if path, ok := over[ALBHealthCheckPath]; ok && !grpcMethodPath.MatchString(path) {
			errs = append(errs, field.Invalid(annotation(ALBHealthCheckPath), path,
				"a GRPC target group's health check calls a gRPC method: /package.service/method (krm-fn's default is /AWS.ALB/healthcheck)"))
		}
		if port, ok := over[ALBHealthCheckPort]; ok && port != HealthCheckPortTrafficPort {
			errs = append(errs, portNumberOrName(annotation(ALBHealthCheckPort), intstr.Parse(port))...)
			if platform != nil {
				errs = append(errs, instanceHealthCheckPort(annotation(ALBHealthCheckPort), port, platform.ALB.TargetType)...)
			}
		}
	}
	return errs
}

// validateExportTo checks an Istio exportTo: "." (this namespace), "*"
// (all, alone), or namespaces.
func validateExportTo(path *field.Path, exportTo []string) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, ns := range exportTo {
		p := path.Index(i)
		switch {
		case ns == "*" && len(exportTo) > 1:
			errs = append(errs, field.Invalid(p, ns, `"*" is every namespace: list it alone`))
		case ns != "." && ns != "*":
			errs = append(errs, dnsLabel(p, ns)...)
		}
		if seen[ns] {
			errs = append(errs, field.Duplicate(p, ns))
		}
		seen[ns] = true
	}
	return errs
}

// successCodes checks a success-codes override against the target group's
// protocol version: the ALB matches HTTP status codes from 200 to 499, or,
// for GRPC, gRPC status codes from 0 to 99. A code, codes (200,202) or a
// range (200-299).
func successCodes(path *field.Path, over map[string]string, version string) field.ErrorList {
	codes, ok := over[ALBSuccessCodes]
	if !ok {
		return nil
	}
	lo, hi, what := 200, 499, "HTTP status codes from 200 to 499"
	if version == BackendProtocolVersionGRPC {
		lo, hi, what = 0, 99, "gRPC status codes from 0 to 99 (0 is OK, 12 UNIMPLEMENTED), as a GRPC target group matches"
	}
	for _, item := range strings.Split(codes, ",") {
		a, b, isRange := strings.Cut(item, "-")
		if !isRange {
			b = a
		}
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		if !successCode.MatchString(item) || errA != nil || errB != nil || x < lo || y > hi || x > y {
			return field.ErrorList{field.Invalid(path, codes, "must be "+what+": a code, codes (a,b) or a range (a-b)")}
		}
	}
	return nil
}

// validateHosts checks the hosts of an exposure (or the platform's shared
// hosts), qualified with the platform's domain; "*" is every host.
func validateHosts(path *field.Path, hosts []string, platform *ExposurePlatformSpec) field.ErrorList {
	var errs field.ErrorList
	if len(hosts) > MaxHosts {
		return field.ErrorList{field.TooMany(path, len(hosts), MaxHosts)}
	}
	seen := map[string]bool{}
	for i, h := range hosts {
		p := path.Index(i)
		if !isASCII(h) {
			errs = append(errs, field.Invalid(p, h, "must be ASCII: an internationalised name is written as its IDNA A-label (xn--…), and other characters can fold into another host's (the Kelvin sign \u212A lowercases to k)"))
			continue
		}
		if h == AnyHost {
			if seen[h] {
				errs = append(errs, field.Duplicate(p, h))
			}
			seen[h] = true
			continue
		}
		if net.ParseIP(h) != nil {
			errs = append(errs, field.Invalid(p, h, "must be a DNS name, not an IP address (the ALB routes by host name)"))
			continue
		}
		if IsShortHost(h) {
			if platform == nil {
				continue // the platform's own errors come first
			}
			if platform.Domain == "" {
				errs = append(errs, field.Invalid(p, h,
					"has no dot and the platform sets no domain: write the full host name or set spec.domain in the ExposurePlatform"))
				continue
			}
		}
		q := h
		if platform != nil {
			q = QualifyHost(h, platform.Domain)
		}
		var msgs []string
		switch {
		case strings.Contains(h, "://") || strings.Contains(h, ":") || strings.Contains(h, "/"):
			msgs = []string{"must be a host name alone: no scheme (https://), port (:443) or path"}
		case strings.Contains(strings.TrimPrefix(h, "*."), "*"):
			msgs = []string{`a wildcard must be the whole first label, "*.": *.example.com, not a*.example.com or a.*.example.com`}
		case strings.HasPrefix(q, "*."):
			msgs = validation.IsWildcardDNS1123Subdomain(q)
		default:
			msgs = validation.IsDNS1123Subdomain(q)
		}
		for _, msg := range msgs {
			errs = append(errs, field.Invalid(p, h, msg))
		}
		for _, label := range strings.Split(q, ".") {
			if len(label) > validation.DNS1123LabelMaxLength {
				errs = append(errs, field.Invalid(p, h, fmt.Sprintf("the label %q is longer than %d characters, which DNS does not allow", label, validation.DNS1123LabelMaxLength)))
			}
		}
		if seen[q] {
			errs = append(errs, field.Duplicate(p, h))
		}
		seen[q] = true
	}
	return errs
}

// validateService checks the service. A value defaulted from the
// exposure's metadata (name, namespace, selector) or from port (targetPort)
// is checked where it came from, so one mistake gives one error.
func validateService(path *field.Path, s *ServiceSpec, meta *metav1.ObjectMeta) field.ErrorList {
	var errs field.ErrorList
	exposureName := meta.Name
	if len(s.Ports) > 0 {
		errs = append(errs, validateServicePorts(path, s)...)
	} else if s.Port == 0 {
		errs = append(errs, field.Required(path.Child("port"), "the port clients and the VirtualService use"))
	} else {
		errs = append(errs, portNumber(path.Child("port"), s.Port)...)
	}
	if s.TargetPort != nil && *s.TargetPort != intstr.FromInt32(s.Port) && len(s.Ports) == 0 {
		errs = append(errs, portNumberOrName(path.Child("targetPort"), *s.TargetPort)...)
	}
	if len(s.Ports) == 0 {
		errs = append(errs, oneOf(path.Child("protocol"), s.Protocol, Protocols)...)
	}
	if !maps.Equal(s.Selector, map[string]string{"app": exposureName}) || len(validation.IsDNS1123Label(exposureName)) == 0 {
		errs = append(errs, labelMap(path.Child("selector"), s.Selector)...)
	}
	if s.Name != "" {
		p := path.Child("name")
		if s.Name == exposureName {
			if len(validation.IsDNS1123Label(s.Name)) > 0 {
				return errs // reported at metadata.name already
			}
			p = field.NewPath("metadata", "name")
		}
		for _, msg := range validation.IsDNS1035Label(s.Name) {
			if s.Name == exposureName {
				msg = "names the Service, so " + msg
			}
			errs = append(errs, field.Invalid(p, s.Name, msg))
		}
	}
	if s.Namespace != "" && s.Namespace != meta.Namespace {
		errs = append(errs, dnsLabel(path.Child("namespace"), s.Namespace)...)
	}
	return errs
}

func oneOf[S ~string](path *field.Path, v S, allowed []S) field.ErrorList {
	if slices.Contains(allowed, v) {
		return nil
	}
	return field.ErrorList{field.NotSupported(path, v, allowed)}
}

func dnsLabel(path *field.Path, v string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(path, v, msg))
	}
	return errs
}

func dnsSubdomain(path *field.Path, v string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(v) {
		errs = append(errs, field.Invalid(path, v, msg))
	}
	return errs
}

// ValidateGroupName checks an ALB IngressGroup name as the AWS Load Balancer
// Controller does.
func ValidateGroupName(path *field.Path, v string) field.ErrorList {
	if len(v) > MaxALBGroupNameLength || !albGroupNameRE.MatchString(v) {
		return field.ErrorList{field.Invalid(path, v,
			"an ALB group name is at most 63 lowercase alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character")}
	}
	return nil
}

func portNumber(path *field.Path, port int32) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(path, port, msg))
	}
	return errs
}

func portNumberOrName(path *field.Path, port intstr.IntOrString) field.ErrorList {
	if port.Type == intstr.Int {
		return portNumber(path, port.IntVal)
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(path, port.StrVal, msg))
	}
	return errs
}

// The range of a NodePort (kube-apiserver's default
// --service-node-port-range).
const (
	minNodePort = 30000
	maxNodePort = 32767
)

// instanceHealthCheckPort checks a health check port (a number or a name)
// for the target type of the ALB's target groups. With targetType
// instance the ALB checks each node: the AWS Load Balancer Controller
// resolves a port's name to that port's NodePort, but writes a number as
// it is, and a port of the gateway Service (15021) is no port a node
// answers on, so every target would be unhealthy (and the ALB would fail
// open, sending to all of them). A number can only be a NodePort.
func instanceHealthCheckPort(path *field.Path, port, targetType string) field.ErrorList {
	p := intstr.Parse(port)
	if targetType != TargetTypeInstance || p.Type != intstr.Int || p.IntVal >= minNodePort && p.IntVal <= maxNodePort || p.IntVal < 1 || p.IntVal > 65535 {
		return nil
	}
	return field.ErrorList{field.Invalid(path, port, fmt.Sprintf(
		"with the platform's alb.targetType instance the ALB health-checks every node on this port, and the AWS Load Balancer Controller takes a number as it is: %s is no NodePort (%d-%d), so no target would ever be healthy; name the gateway Service's port instead (status-port for Istio's 15021), which the controller resolves to its NodePort",
		port, minNodePort, maxNodePort))}
}

// labelMap validates a label map key by key in sorted order, so its errors
// come out in the same order every run.
func labelMap(path *field.Path, m map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(m) {
		errs = append(errs, metav1validation.ValidateLabels(map[string]string{k: m[k]}, path)...)
	}
	return errs
}

// annotations validates free-form annotations; the ones krm-fn writes
// itself are rejected with the field to use instead (own: the fields of
// the object at hand, else the ExposurePlatform's), but for those free
// here.
func annotations(path *field.Path, a map[string]string, own map[string]string, free []string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(a) {
		// One key at a time: apimachinery walks the map in random order.
		errs = append(errs, apivalidation.ValidateAnnotations(map[string]string{k: a[k]}, path)...)
	}
	// Several values may be too much together though none is alone.
	if apivalidation.ValidateAnnotationsSize(a) != nil && len(errs.Filter(field.NewErrorTypeMatcher(field.ErrorTypeTooLong))) == len(errs) {
		errs = append(errs, field.TooLong(path, "", apivalidation.TotalAnnotationSizeLimitB))
	}
	for _, k := range sortedKeys(a) {
		platformField, ok := ownedAnnotations[k]
		if !ok || slices.Contains(free, k) {
			continue
		}
		use := "spec." + platformField + " in the ExposurePlatform"
		if f, ok := own[k]; ok {
			use = f
		}
		errs = append(errs, field.Forbidden(path.Key(k), "is written by krm-fn: set "+use+" instead"))
	}
	return errs
}

func matchString(m Match) string {
	var parts []string
	for _, kv := range [][2]string{{"prefix", m.Prefix}, {"exact", m.Exact}, {"regex", m.Regex}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+": "+strconv.Quote(kv[1]))
		}
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}
