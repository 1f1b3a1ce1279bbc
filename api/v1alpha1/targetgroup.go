package v1alpha1

// An exposure's ALB target group: its protocol version, and what that
// version asks of the listeners and of the health check. The AWS
// documentation of ALB target groups: a target group of protocol version
// HTTP2 or GRPC takes requests from HTTPS listeners only; a GRPC one is
// health-checked with a gRPC method (/package.service/method) and matches
// gRPC status codes (0 to 99), an HTTP1 or HTTP2 one matches HTTP status
// codes (200 to 499). docs/design.md ("gRPC through the ALB") has the
// sources.

// versionSource is where an exposure's target group protocol version
// comes from.
type versionSource int

const (
	versionUnset        versionSource = iota // nothing: the controller's default, HTTP1
	versionFromProtocol                      // spec.service.protocol grpc
	versionFromExposure                      // the exposure's spec.ingress.annotations
	versionFromPlatform                      // the platform's spec.alb.annotations
)

// TargetGroupProtocolVersion is the protocol version of the target group
// behind an exposure's Ingress (backend-protocol-version): the exposure's
// own annotation, else GRPC for protocol grpc, else the platform's
// annotation. "" is the controller's default, HTTP1, and renders nothing.
func TargetGroupProtocolVersion(s *ServiceExposureSpec, p *ExposurePlatformSpec) string {
	v, _ := targetGroupProtocolVersion(s, p)
	return v
}

func targetGroupProtocolVersion(s *ServiceExposureSpec, p *ExposurePlatformSpec) (string, versionSource) {
	if s.Ingress != nil {
		if v, ok := s.Ingress.Annotations[ALBBackendProtoVer]; ok {
			return v, versionFromExposure
		}
	}
	if s.Service.HTTPProtocol() == ProtocolGRPC {
		return BackendProtocolVersionGRPC, versionFromProtocol
	}
	if p != nil {
		if v, ok := p.ALB.Annotations[ALBBackendProtoVer]; ok {
			return v, versionFromPlatform
		}
	}
	return "", versionUnset
}

// NeedsHTTPSListener says whether a target group of this protocol version
// takes requests from HTTPS listeners only (HTTP2 and GRPC do: the ALB
// rejects a rule of an HTTP listener that forwards to one).
func NeedsHTTPSListener(version string) bool {
	return version == BackendProtocolVersionHTTP2 || version == BackendProtocolVersionGRPC
}
