package fn

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// exposure is one ServiceExposure resolved against its platform: every
// host, name, port and annotation the builders need, computed once. The
// builders read only this.
type exposure struct {
	name, namespace string
	owner           string // the owner annotation value, "<namespace>/<name>"
	hosts           []string

	service  resolvedService
	routes   []resolvedRoute
	subsets  []Subset
	policy   *networking.TrafficPolicy
	gateway  resolvedGateway
	ingress  resolvedIngress
	injected bool // whether the platform's injection applies to the service's pods
}

type resolvedService struct {
	name, namespace string
	fqdn            string
	port            int32
	targetPort      intstr.IntOrString
	protocol        Protocol
	selector        map[string]string
	create          bool
}

type resolvedRoute struct {
	name          string
	match         Match
	timeout       time.Duration
	attempts      int32
	retries       bool
	perTryTimeout time.Duration
	retryOn       string
	backends      []resolvedBackend
}

type resolvedBackend struct {
	subset string
	weight int32
}

type resolvedGateway struct {
	name     string
	selector map[string]string
	port     int32
}

type resolvedIngress struct {
	name, namespace string
	className       string
	group           string
	annotations     map[string]string
	service         string // the gateway Service the ALB forwards to
	port            int32
}

// resolve turns a defaulted, validated exposure into the model the
// builders read. It reports the problems that only show once names are
// derived (e.g. a derived ALB group name that is too long).
func resolve(e *ServiceExposure, p *ExposurePlatformSpec) (*exposure, field.ErrorList) {
	s := &e.Spec
	x := &exposure{
		name:      e.Name,
		namespace: e.Namespace,
		owner:     e.Namespace + "/" + e.Name,
		subsets:   s.Subsets,
	}
	for _, h := range s.Hosts {
		x.hosts = append(x.hosts, qualifyHost(h, p.Domain))
	}
	svc := &s.Service
	x.service = resolvedService{
		name:       svc.Name,
		namespace:  svc.Namespace,
		fqdn:       svc.Name + "." + svc.Namespace + clusterDomainSuffix,
		port:       svc.Port,
		targetPort: *svc.TargetPort,
		protocol:   svc.Protocol,
		selector:   svc.Selector,
		create:     *svc.Create,
	}
	x.injected = x.service.create && p.Injection != InjectionNone
	for _, r := range s.Routes {
		rr := resolvedRoute{name: r.Name, match: r.Match, timeout: mustDuration(r.Timeout)}
		if r.Retries != nil {
			rr.retries = true
			rr.attempts = r.Retries.Attempts
			rr.perTryTimeout = mustDuration(r.Retries.PerTryTimeout)
			rr.retryOn = r.Retries.RetryOn
		}
		for _, b := range r.Backends {
			rr.backends = append(rr.backends, resolvedBackend{subset: b.Subset, weight: *b.Weight})
		}
		x.routes = append(x.routes, rr)
	}
	if len(s.TrafficPolicy) > 0 {
		x.policy, _ = parseTrafficPolicy(s.TrafficPolicy) // validated already
	}
	x.gateway = resolvedGateway{name: e.Name, selector: p.Gateway.Selector, port: p.Gateway.Port}

	ann, group, errs := ingressAnnotations(s.Ingress, p)
	x.ingress = resolvedIngress{
		name:        e.Namespace + "-" + e.Name,
		namespace:   p.Gateway.Namespace,
		className:   p.ALB.IngressClassName,
		group:       group,
		annotations: ann,
		service:     p.Gateway.Service,
		port:        p.Gateway.Port,
	}
	return x, errs
}

// ingressAnnotations computes the ALB annotations of one exposure's
// Ingress and the IngressGroup it joins.
func ingressAnnotations(over *IngressOverrides, p *ExposurePlatformSpec) (map[string]string, string, field.ErrorList) {
	platform := platformAnnotations(p, p.ALB.Scheme)
	if over == nil {
		over = &IngressOverrides{}
	}
	scheme := p.ALB.Scheme
	if over.Scheme != "" {
		scheme = over.Scheme
	}
	ann := platformAnnotations(p, scheme)
	maps.Copy(ann, over.Annotations)

	group := over.Group
	if group == "" && p.ALB.Group != "" {
		group = p.ALB.Group
		if !maps.Equal(groupWide(ann), groupWide(platform)) {
			group = p.ALB.Group + "-" + scheme
		}
		if errs := groupName(field.NewPath("spec", "ingress", "group"), group); len(errs) > 0 {
			return ann, group, field.ErrorList{field.Invalid(field.NewPath("spec", "ingress"), field.OmitValueType{},
				fmt.Sprintf("these overrides take the exposure off the platform's ALB group %q, and the derived group name %q is not valid: set spec.ingress.group", p.ALB.Group, group))}
		}
	}
	if group != "" {
		ann[albGroupName] = group
	}
	return ann, group, nil
}

// platformAnnotations are the annotations every Ingress of the platform
// carries, for the given scheme.
func platformAnnotations(p *ExposurePlatformSpec, scheme string) map[string]string {
	ann := maps.Clone(p.ALB.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[albScheme] = scheme
	ann[albTargetType] = p.ALB.TargetType
	ann[albHealthCheckProto] = "HTTP"
	ann[albHealthCheckPort] = p.Gateway.HealthCheckPort
	ann[albHealthCheckPath] = p.Gateway.HealthCheckPath
	ann[albSuccessCodes] = DefaultHealthCheckCodes
	listen := []map[string]int{{"HTTP": 80}}
	if len(p.ALB.CertificateARNs) > 0 {
		listen = append(listen, map[string]int{"HTTPS": DefaultHTTPSPort})
		ann[albCertificateARN] = strings.Join(p.ALB.CertificateARNs, ",")
		if p.ALB.SSLPolicy != "" {
			ann[albSSLPolicy] = p.ALB.SSLPolicy
		}
	}
	b, _ := json.Marshal(listen) // cannot fail: a slice of maps of ints
	ann[albListenPorts] = string(b)
	if *p.ALB.RedirectHTTPS {
		ann[albSSLRedirect] = fmt.Sprint(DefaultHTTPSPort)
	}
	return ann
}

// groupWide keeps the annotations that configure the ALB a whole group
// shares.
func groupWide(ann map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range groupWideAnnotations {
		if v, ok := ann[k]; ok {
			out[k] = v
		}
	}
	return out
}

// qualifyHost appends the domain to a short host: one without a dot, or a
// wildcard over one ("*.apps" → "*.apps.<domain>").
func qualifyHost(h, domain string) string {
	h = strings.ToLower(h)
	if !isShortHost(h) || domain == "" {
		return h
	}
	return h + "." + domain
}

func isShortHost(h string) bool {
	return !strings.Contains(strings.TrimPrefix(h, "*."), ".")
}

var protoPosition = regexp.MustCompile(`\s*\(line \d+:\d+\)`)

// parseTrafficPolicy decodes a trafficPolicy strictly with Istio's own
// type: an unknown field is an error.
func parseTrafficPolicy(raw json.RawMessage) (*networking.TrafficPolicy, error) {
	tp := &networking.TrafficPolicy{}
	if err := protojson.Unmarshal(raw, tp); err != nil {
		// protojson's messages start with "proto: " and may carry
		// non-breaking spaces; neither helps a reader.
		msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
		msg = strings.TrimPrefix(msg, "proto: ")
		msg = protoPosition.ReplaceAllString(msg, "") // a position in JSON the user never wrote
		return nil, fmt.Errorf("is not a valid Istio DestinationRule trafficPolicy: %s", msg)
	}
	return tp, nil
}

// mustDuration parses a duration validation has already accepted; an empty
// string is zero.
func mustDuration(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}
