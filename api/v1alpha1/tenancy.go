package v1alpha1

import (
	"fmt"
	"slices"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TenancySpec is what the exposures of an environment may touch. A
// platform team owns the ExposurePlatform; application teams own their
// ServiceExposures, one namespace each. Nothing an exposure says may take
// another namespace's host, Service, namespace or traffic, or reach the
// platform's own components, unless this block allows it. Every field is
// optional: with none, the defaults below hold.
type TenancySpec struct {
	// Namespaces are where exposures may live, as globs ("team-*": a "*"
	// stands for any run of characters); with crossNamespace: allow, also
	// the namespaces their Services and routes may reach. The platform's
	// own exposures (platformExposures) may live anywhere. Default: any
	// namespace that is not reserved.
	Namespaces []string `json:"namespaces,omitempty"`

	// ReservedNamespaces are added to the built-in reserved namespaces:
	// the gateway's namespace, istio-system (Istio's root namespace),
	// kube-system, kube-public and kube-node-lease. No exposure may live
	// in a reserved namespace, nor render, label, route to, mirror to or
	// export into one, but the platform's own (platformExposures); krm-fn
	// itself still places beside the gateway what the platform needs there
	// (the Ingresses, the shared hosts' Gateways and VirtualServices, the
	// Gateway API Gateway). Globs, as namespaces. Default: none.
	ReservedNamespaces []string `json:"reservedNamespaces,omitempty"`

	// PlatformExposures are the platform team's own exposures,
	// "<namespace>/<name>" (Grafana in istio-system, say): exempt from the
	// reserved-namespace rule and from namespaces. Default: none.
	PlatformExposures []string `json:"platformExposures,omitempty"`

	// CrossNamespace says whether an exposure may route, mirror, or point
	// spec.service (create: false, or a Service it creates) at a Service in
	// another namespace than its own: deny or allow. With the Gateway API,
	// a route to another namespace needs a ReferenceGrant there, the
	// target's consent: krm-fn writes one only with allow. Default: deny.
	CrossNamespace CrossNamespacePolicy `json:"crossNamespace,omitempty"`

	// ExposureAnnotations are the annotation keys (globs) a
	// ServiceExposure's spec.ingress.annotations may set, added to the
	// built-in safe list (the health check's tuning, target-group-attributes,
	// backend-protocol-version, external-dns' hostname and ttl). Never
	// group.*, conditions.*, actions.*, transforms.*, scheme or
	// listen-ports, whatever this says. An annotation that names hosts
	// (external-dns' hostname) may name only the exposure's own hosts.
	// Default: none.
	ExposureAnnotations []string `json:"exposureAnnotations,omitempty"`
}

// CrossNamespacePolicy says whether exposures may reach Services of other
// namespaces.
type CrossNamespacePolicy string

// The cross-namespace policies.
const (
	CrossNamespaceDeny  CrossNamespacePolicy = "deny"
	CrossNamespaceAllow CrossNamespacePolicy = "allow"
)

// CrossNamespacePolicies are the values of crossNamespace.
var CrossNamespacePolicies = []CrossNamespacePolicy{CrossNamespaceDeny, CrossNamespaceAllow}

// IstioRootNamespace is Istio's root namespace by default: configuration
// there (a DestinationRule, say) applies to every namespace of the mesh.
const IstioRootNamespace = "istio-system"

// Argo CD's sync options on a Namespace krm-fn renders only to carry mesh
// labels: neither pruning the exposure that asked for it nor deleting the
// application deletes the namespace and everything in it.
const (
	AnnotationArgoCDSyncOptions = "argocd.argoproj.io/sync-options"
	NamespaceSyncOptions        = "Prune=false,Delete=false"
)

// external-dns' annotations that an exposure may set.
const (
	ExternalDNSHostname         = "external-dns.alpha.kubernetes.io/hostname"
	ExternalDNSInternalHostname = "external-dns.alpha.kubernetes.io/internal-hostname"
	ExternalDNSTTL              = "external-dns.alpha.kubernetes.io/ttl"
)

// HostAnnotations are the annotations that name hosts (a comma-separated
// list): external-dns publishes a DNS record for each, pointing at the
// object's load balancer. An exposure may name only its own hosts in them.
var HostAnnotations = []string{ExternalDNSHostname, ExternalDNSInternalHostname}

// SafeExposureAnnotations are the annotations (globs) every exposure may
// set in spec.ingress.annotations: they change its own target group, or
// its own hosts' DNS records, and nothing of the ALB its group shares.
// healthcheck-port and healthcheck-path are the platform's
// (gateway.healthCheck*) but for a grpc exposure.
var SafeExposureAnnotations = []string{
	ALBAnnotationPrefix + "healthcheck-interval-seconds",
	ALBAnnotationPrefix + "healthcheck-timeout-seconds",
	ALBAnnotationPrefix + "healthy-threshold-count",
	ALBAnnotationPrefix + "unhealthy-threshold-count",
	ALBHealthCheckProto,
	ALBHealthCheckPort,
	ALBHealthCheckPath,
	ALBSuccessCodes,
	ALBAnnotationPrefix + "target-group-attributes",
	ALBBackendProtoVer,
	ExternalDNSHostname,
	ExternalDNSTTL,
}

// neverExposureAnnotations are the annotations (globs) no exposure may
// set, whatever the platform allows, with why.
var neverExposureAnnotations = []struct{ glob, why string }{
	{ALBAnnotationPrefix + "group.*", "places this Ingress in an ALB group and orders its rules against every other Ingress of the group (group.order -1000 comes first, past the other exposures' own rule settings, authentication say): krm-fn chooses the group (spec.ingress.group) and orders wildcard hosts after exact ones itself"},
	{ALBAnnotationPrefix + "conditions.*", "adds conditions to this Ingress's ALB rules, and a host-header condition takes the requests of hosts the exposure does not own"},
	{ALBAnnotationPrefix + "actions.*", "defines ALB actions, which may forward to any target group, redirect or answer requests in place of the gateway"},
	{ALBAnnotationPrefix + "transforms.*", "rewrites the host or path of requests on the ALB, before the gateway routes them by host"},
	{ALBScheme, "chooses the ALB's scheme: set spec.ingress.scheme"},
	{ALBListenPorts, "chooses the ALB's listeners, which krm-fn derives from the platform's certificates"},
}

// Glob says whether s matches pattern, where a "*" stands for any run of
// characters (none too) and every other character for itself.
func Glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// SafeExposureAnnotation says whether any exposure may set annotation k
// in spec.ingress.annotations, whatever the platform's tenancy says.
func SafeExposureAnnotation(k string) bool { return anyGlob(SafeExposureAnnotations, k) }

// NeverExposureAnnotation says why no exposure may set annotation k in
// spec.ingress.annotations ("" when it may, as the platform allows).
func NeverExposureAnnotation(k string) string {
	for _, n := range neverExposureAnnotations {
		if Glob(n.glob, k) {
			return n.why
		}
	}
	return ""
}

func anyGlob(patterns []string, s string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Glob(p, s) })
}

// defaultTenancy fills the tenancy's defaults: crossNamespace deny, and
// the namespaces of the older allowedNamespaces, which it stands for.
func (s *ExposurePlatformSpec) defaultTenancy() {
	t := &s.Tenancy
	if t.CrossNamespace == "" {
		t.CrossNamespace = CrossNamespaceDeny
	}
	if len(t.Namespaces) == 0 && len(s.AllowedNamespaces) > 0 {
		t.Namespaces = slices.Clone(s.AllowedNamespaces)
	}
}

// ReservedNamespace says why ns is reserved ("" if it is not): one of
// the built-in reserved namespaces, or one the platform lists.
func (s *ExposurePlatformSpec) ReservedNamespace(ns string) string {
	var why []string
	if ns == s.Gateway.Namespace {
		why = append(why, "the ingress gateway's namespace")
	}
	if ns == IstioRootNamespace {
		why = append(why, "Istio's root namespace, whose configuration applies to every namespace")
	}
	if slices.Contains(ReservedNamespaces, ns) {
		why = append(why, "Kubernetes' own namespace")
	}
	if anyGlob(s.Tenancy.ReservedNamespaces, ns) {
		why = append(why, "listed in spec.tenancy.reservedNamespaces")
	}
	return strings.Join(why, ", and ")
}

// IsPlatformExposure says whether the exposure namespace/name is the
// platform's own (spec.tenancy.platformExposures).
func (s *ExposurePlatformSpec) IsPlatformExposure(namespace, name string) bool {
	return slices.Contains(s.Tenancy.PlatformExposures, namespace+"/"+name)
}

// CrossNamespaceAllowed says whether exposures may reach Services of other
// namespaces.
func (s *ExposurePlatformSpec) CrossNamespaceAllowed() bool {
	return s.Tenancy.CrossNamespace == CrossNamespaceAllow
}

// validateTenancy checks the platform's tenancy, at path.
func validateTenancy(path *field.Path, s *ExposurePlatformSpec) field.ErrorList {
	t := &s.Tenancy
	var errs field.ErrorList
	errs = append(errs, namespaceGlobs(path.Child("namespaces"), t.Namespaces)...)
	for i, g := range t.Namespaces {
		if why := s.ReservedNamespace(g); why != "" {
			errs = append(errs, field.Forbidden(path.Child("namespaces").Index(i),
				fmt.Sprintf("%s is reserved (%s): the platform's own exposures there are listed in spec.tenancy.platformExposures instead", g, why)))
		}
	}
	errs = append(errs, namespaceGlobs(path.Child("reservedNamespaces"), t.ReservedNamespaces)...)
	seen := map[string]bool{}
	for i, x := range t.PlatformExposures {
		p := path.Child("platformExposures").Index(i)
		ns, name, ok := strings.Cut(x, "/")
		if !ok || len(dnsLabel(p, ns)) > 0 || len(dnsLabel(p, name)) > 0 {
			errs = append(errs, field.Invalid(p, x, "must be an exposure's <namespace>/<name>, as istio-system/grafana"))
		}
		if seen[x] {
			errs = append(errs, field.Duplicate(p, x))
		}
		seen[x] = true
	}
	errs = append(errs, oneOf(path.Child("crossNamespace"), t.CrossNamespace, CrossNamespacePolicies)...)
	seen = map[string]bool{}
	for i, g := range t.ExposureAnnotations {
		p := path.Child("exposureAnnotations").Index(i)
		// A key with each "*" as a letter must be a valid annotation key.
		if g == "" || len(apivalidation.ValidateAnnotations(map[string]string{strings.ReplaceAll(g, "*", "x"): ""}, p)) > 0 {
			errs = append(errs, field.Invalid(p, g, "must be an annotation key, where a \"*\" stands for any run of characters (alb.ingress.kubernetes.io/target-node-labels, external-dns.alpha.kubernetes.io/*)"))
		}
		for _, n := range neverExposureAnnotations {
			if g == n.glob || !strings.Contains(g, "*") && Glob(n.glob, g) {
				errs = append(errs, field.Forbidden(p, fmt.Sprintf("no exposure may set %s, whatever the platform allows: it %s", g, n.why)))
			}
		}
		if seen[g] {
			errs = append(errs, field.Duplicate(p, g))
		}
		seen[g] = true
	}
	if len(s.AllowedNamespaces) > 0 && !slices.Equal(s.AllowedNamespaces, t.Namespaces) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "allowedNamespaces"), s.AllowedNamespaces,
			"is the older name of spec.tenancy.namespaces, which says otherwise: keep spec.tenancy.namespaces alone"))
	}
	return errs
}

// namespaceGlobs checks globs of namespaces: DNS labels where each "*"
// stands for a run of characters, no two the same.
func namespaceGlobs(path *field.Path, globs []string) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, g := range globs {
		p := path.Index(i)
		if g == "*" {
			errs = append(errs, field.Invalid(p, g, "is every namespace: leave the list out instead"))
		} else if len(dnsLabel(p, strings.ReplaceAll(g, "*", "x"))) > 0 {
			errs = append(errs, field.Invalid(p, g, `must be a namespace name, where a "*" stands for any run of characters (team-*)`))
		}
		if seen[g] {
			errs = append(errs, field.Duplicate(p, g))
		}
		seen[g] = true
	}
	return errs
}

// Warnings are what the platform says that works but should be said
// otherwise: the deprecated allowedNamespaces.
func (p *ExposurePlatform) Warnings() field.ErrorList {
	if len(p.Spec.AllowedNamespaces) == 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("spec", "allowedNamespaces"), p.Spec.AllowedNamespaces,
		"is deprecated: it is the older name of spec.tenancy.namespaces, which it still sets; move the list there")}
}

// tenant is the exposure whose reach is checked, under its platform
// (nil when the platform is invalid: then only Kubernetes' own namespaces
// are checked).
type tenant struct {
	namespace, name string
	platform        *ExposurePlatformSpec
}

// ownPlatform says whether the exposure is the platform's own.
func (t tenant) ownPlatform() bool {
	return t.platform != nil && t.platform.IsPlatformExposure(t.namespace, t.name)
}

// reserved says why ns is reserved for the exposure ("" when it is not,
// or the exposure is the platform's own).
func (t tenant) reserved(ns string) string {
	switch {
	case t.platform == nil:
		if slices.Contains(ReservedNamespaces, ns) {
			return "Kubernetes' own namespace"
		}
		return ""
	case t.ownPlatform():
		return ""
	}
	return t.platform.ReservedNamespace(ns)
}

// platformOnly is how a refusal about a reserved namespace ns ends: the
// setting that allows it.
func (t tenant) platformOnly(ns string) string {
	return fmt.Sprintf("only the platform's own exposures may, listed in the ExposurePlatform's spec.tenancy.platformExposures (%q)", t.namespace+"/"+t.name)
}

// lives checks that the exposure may live in its namespace.
func (t tenant) lives(path *field.Path) field.ErrorList {
	if len(dnsLabel(path, t.namespace)) > 0 {
		return nil // its own error
	}
	if why := t.reserved(t.namespace); why != "" {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s is a reserved namespace (%s), where no exposure may live: %s", t.namespace, why, t.platformOnly(t.namespace)))}
	}
	if t.platform == nil || t.ownPlatform() {
		return nil
	}
	if ns := t.platform.Tenancy.Namespaces; len(ns) > 0 && !anyGlob(ns, t.namespace) {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("exposures may live only in the namespaces the ExposurePlatform's %s lists (%s): add %s there",
			t.platform.namespacesField(), strings.Join(ns, ", "), t.namespace))}
	}
	return nil
}

// namespacesField names the field the platform lists its namespaces in, as
// its author wrote it.
func (s *ExposurePlatformSpec) namespacesField() string {
	if len(s.AllowedNamespaces) > 0 {
		return "spec.allowedNamespaces (spec.tenancy.namespaces)"
	}
	return "spec.tenancy.namespaces"
}

// reaches checks that the exposure may do what (e.g. "route to") a
// Service in namespace ns, at path.
func (t tenant) reaches(path *field.Path, ns, what string) field.ErrorList {
	if ns == "" || len(dnsLabel(path, ns)) > 0 {
		return nil // no namespace, or none valid: their own errors
	}
	if why := t.reserved(ns); why != "" {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s is a reserved namespace (%s): no exposure may %s a Service there; %s", ns, why, what, t.platformOnly(ns)))}
	}
	if t.platform == nil || ns == t.namespace {
		return nil
	}
	if !t.platform.CrossNamespaceAllowed() {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s is another namespace than the exposure's own (%s), and with the ExposurePlatform's spec.tenancy.crossNamespace: deny (the default) an exposure may %s the Services of its own namespace only: crossNamespace: allow would let it",
			ns, t.namespace, what))}
	}
	if list := t.platform.Tenancy.Namespaces; len(list) > 0 && !anyGlob(list, ns) && !t.ownPlatform() {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s is not among the namespaces the ExposurePlatform's %s lists (%s), which exposures may reach: add it there",
			ns, t.platform.namespacesField(), strings.Join(list, ", ")))}
	}
	return nil
}

// apiServer checks that the Service namespace/service the exposure would
// do what (e.g. "route to") is not the Kubernetes API server's, at path:
// a namespace an exposure may reach (its own, default, or any with
// crossNamespace: allow) holds it.
func (t tenant) apiServer(path *field.Path, service, ns, what string) field.ErrorList {
	if service != APIServerService || ns != APIServerNamespace || t.ownPlatform() {
		return nil
	}
	return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s/%s is the Kubernetes API server's Service: no exposure may %s it, whatever namespace it lives in; %s",
		ns, service, what, t.platformOnly(ns)))}
}

// exports checks that the exposure's exportTo exports into no reserved
// namespace.
func (t tenant) exports(path *field.Path, exportTo []string) field.ErrorList {
	var errs field.ErrorList
	for i, ns := range exportTo {
		if ns == "." || ns == "*" {
			continue
		}
		if why := t.reserved(ns); why != "" {
			errs = append(errs, field.Forbidden(path.Index(i), fmt.Sprintf("%s is a reserved namespace (%s): no exposure may export its routing or policy into it (krm-fn itself exports to the gateway's namespace what the gateway uses); %s",
				ns, why, t.platformOnly(ns))))
		}
	}
	return errs
}

// ingressAnnotations checks the keys of an exposure's
// spec.ingress.annotations against the annotations it may set (those
// krm-fn writes itself are annotations()' to report), and the hosts the
// ones that name hosts name (own: the exposure's hosts, qualified; nil
// when the platform is invalid).
func (t tenant) ingressAnnotations(path *field.Path, ann map[string]string, own []string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(ann) {
		p := path.Key(k)
		if len(validation.IsQualifiedName(strings.ToLower(k))) > 0 {
			continue // not a key at all: annotations() says so
		}
		if never := slices.IndexFunc(neverExposureAnnotations, func(n struct{ glob, why string }) bool { return Glob(n.glob, k) }); never >= 0 {
			if _, owned := ownedAnnotations[k]; !owned {
				errs = append(errs, field.Forbidden(p, fmt.Sprintf("no exposure may set it, whatever the platform's spec.tenancy.exposureAnnotations says: it %s", neverExposureAnnotations[never].why)))
			}
			continue
		}
		if _, owned := ownedAnnotations[k]; owned || t.platform == nil {
			continue
		}
		if k == ALBBackendProtocol && t.platform.ALBReencrypts() {
			continue // written by krm-fn: reencryptAnnotations says so
		}
		if !anyGlob(SafeExposureAnnotations, k) && !anyGlob(t.platform.Tenancy.ExposureAnnotations, k) {
			errs = append(errs, field.Forbidden(p, "is not an annotation an exposure may set: the safe ones are the health check's tuning, target-group-attributes, backend-protocol-version and external-dns' hostname and ttl; the ExposurePlatform's spec.tenancy.exposureAnnotations would allow it"))
			continue
		}
		errs = append(errs, hostAnnotation(p, k, ann[k], own)...)
	}
	return errs
}

// hostAnnotation checks that the value of annotation k, if it is one that
// names hosts, names only hosts of own.
func hostAnnotation(p *field.Path, k, v string, own []string) field.ErrorList {
	if !slices.Contains(HostAnnotations, k) || own == nil {
		return nil
	}
	for _, h := range strings.Split(v, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		name := asciiLower(strings.TrimSuffix(h, "."))
		switch {
		case !isASCII(h):
			return field.ErrorList{field.Forbidden(p, fmt.Sprintf("names %q, which is not ASCII: a host is written as its IDNA A-label (xn--…), and may be one of the exposure's own hosts only (spec.hosts)", h))}
		case !slices.Contains(own, name):
			return field.ErrorList{field.Forbidden(p, fmt.Sprintf("names host %q, which is not one of the exposure's own hosts (spec.hosts: %s): external-dns would point that name at this exposure's load balancer; name only the exposure's own hosts",
				h, strings.Join(own, ", ")))}
		}
	}
	return nil
}

// hostAnnotations checks the annotations of the exposure's metadata,
// which it carries to every object it renders, that name hosts.
func hostAnnotations(path *field.Path, ann map[string]string, own []string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(ann) {
		errs = append(errs, hostAnnotation(path.Key(k), k, ann[k], own)...)
	}
	return errs
}

// ownHosts are the exposure's hosts as the platform qualifies them: nil
// when the platform is invalid.
func ownHosts(hosts []string, platform *ExposurePlatformSpec) []string {
	if platform == nil {
		return nil
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, QualifyHost(h, platform.Domain))
	}
	return out
}

// validateTenancyOf checks what exposure e touches against its platform's
// tenancy: where it lives, the Service it points at, what it exports to,
// the annotations it sets. Its routes' backends and mirrors are checked
// with the routes (validateTarget).
func validateTenancyOf(e *ServiceExposure, t tenant) field.ErrorList {
	var errs field.ErrorList
	if e.Namespace != "" {
		errs = append(errs, t.lives(field.NewPath("metadata", "namespace"))...)
	}
	if ns := e.Spec.Service.Namespace; ns != "" && ns != e.Namespace {
		what := "point spec.service at"
		if c := e.Spec.Service.Create; c == nil || *c {
			what = "create"
		}
		errs = append(errs, t.reaches(field.NewPath("spec", "service", "namespace"), ns, what)...)
	}
	if svc := e.Spec.Service; svc.Create != nil && !*svc.Create {
		ns := svc.Namespace
		if ns == "" {
			ns = e.Namespace
		}
		errs = append(errs, t.apiServer(field.NewPath("spec", "service", "name"), svc.Name, ns, "point spec.service at")...)
	}
	errs = append(errs, t.exports(field.NewPath("spec", "exportTo"), e.Spec.ExportTo)...)
	own := ownHosts(e.Spec.Hosts, t.platform)
	if in := e.Spec.Ingress; in != nil {
		errs = append(errs, t.ingressAnnotations(field.NewPath("spec", "ingress", "annotations"), in.Annotations, own)...)
	}
	errs = append(errs, hostAnnotations(field.NewPath("metadata", "annotations"), e.Annotations, own)...)
	return errs
}

// isASCII says whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower folds the ASCII letters of s to lower case, and nothing else:
// Unicode's folding maps look-alikes (the Kelvin sign K) onto ASCII.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
