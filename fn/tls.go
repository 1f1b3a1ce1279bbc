package fn

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// gatewayAPIMaxListeners is the Gateway API's limit on the listeners of
// a Gateway (v1.6.3, apis/v1/gateway_types.go).
const gatewayAPIMaxListeners = 64

// portUse is what one exposure serves on a gateway port: HTTP(S) (plain
// HTTP and TLS ended at the gateway), TLS passthrough, or a TCP route.
type portUse struct {
	what string // "HTTP(S)", "TLS passthrough", "a TCP route"
	s    exposure
	path *field.Path
}

const (
	useHTTPS       = "HTTP(S)"
	usePassthrough = "TLS passthrough"
	useTCP         = "a TCP route"
)

// gatewayTLSConflicts finds what exposures ask of the gateway together
// that it cannot serve: one gateway port serves either HTTP(S), or TLS
// passthrough, or one TCP route; a Secret serves one exposure (unless the
// platform's template names it without an issuer: a certificate the
// platform shares); a shared host is served with the platform's TLS, so
// it is neither passed through nor mutual; and the Gateway API Gateway has
// at most 64 listeners. Each error names both exposures.
func gatewayTLSConflicts(env *model.Environment, xs exposures) []problem {
	p := env.Platform
	sorted := slices.Clone(xs.list)
	slices.SortStableFunc(sorted, func(a, b exposure) int { return strings.Compare(a.x.Owner, b.x.Owner) })
	var ps []problem
	ports := map[int32]portUse{}
	if len(env.SharedHosts) > 0 && p.TLS != nil {
		// The shared hosts' TLS is the platform's, on its HTTPS port.
		ports[p.Gateway.HTTPSPort] = portUse{what: useHTTPS}
	}
	use := func(port int32, u portUse) {
		first, ok := ports[port]
		switch {
		case !ok:
			ports[port] = u
		case first.what == u.what && u.what != useTCP:
		case first.s.node == nil:
			ps = append(ps, u.s.problem(framework.Error, u.path, fmt.Sprintf(
				"gateway port %d serves the platform's %s (its shared hosts): one gateway port serves either HTTP(S), TLS passthrough or one TCP route; choose another port", port, first.what)))
		default:
			ps = append(ps, u.s.problem(framework.Error, u.path, fmt.Sprintf(
				"gateway port %d serves %s of %s (%s): one gateway port serves either HTTP(S), TLS passthrough or one TCP route; choose another port for one of them",
				port, first.what, xs.describeNode(first.s.node), first.path)))
		}
	}
	for _, s := range sorted {
		x := s.x
		if x.ServesHTTP() {
			use(p.Gateway.Port, portUse{useHTTPS, s, field.NewPath("spec", "hosts")})
		}
		if x.TLS != nil && !x.ALBReencrypts {
			u := portUse{useHTTPS, s, field.NewPath("spec", "hosts")}
			if x.Passthrough {
				u.what, u.path = usePassthrough, field.NewPath("spec", "tls", "mode")
			}
			if s.x.TLS.PortSet {
				u.path = field.NewPath("spec", "tls", "port")
			}
			use(x.TLS.Port, u)
		}
		for i, r := range x.TCP {
			use(r.Port, portUse{useTCP, s, field.NewPath("spec", "tcp").Index(i).Child("port")})
		}
	}
	ps = append(ps, secretConflicts(env, sorted, xs)...)
	for _, s := range sorted {
		if s.x.TLS == nil || len(s.x.SharedHosts) == 0 {
			continue
		}
		if m := s.x.TLS.Mode; m != v1alpha1.TLSSimple {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "tls", "mode"), fmt.Sprintf(
				"host %q is shared (spec.sharedHosts of the ExposurePlatform), and the gateway serves it with the platform's TLS (mode simple) for every exposure that claims it: remove the host (spec.hosts[%d]), or use mode simple",
				s.x.SharedHosts[0], s.x.SharedIndex[0])))
		}
	}
	ps = append(ps, clientCertificatePorts(env, sorted, xs)...)
	ps = append(ps, listenerNames(env, sorted, xs)...)
	if g := env.Gateway; g != nil {
		n := len(g.TLSListeners) + len(g.PassthroughListeners) + len(g.TCPListeners)
		if !g.NoHTTP {
			n++
		}
		if n > gatewayAPIMaxListeners {
			ps = append(ps, tooManyListeners(env, sorted, n))
		}
	}
	return ps
}

// tooManyListeners is the error of a Gateway API Gateway of n listeners,
// more than gatewayAPIMaxListeners: the exposure that takes the most, of
// the namespace whose exposures take the most, whatever order the input
// is in.
func tooManyListeners(env *model.Environment, sorted []exposure, n int) problem {
	listeners := func(x *model.Exposure) int {
		k := len(x.TCP)
		if x.TLS != nil && !x.ALBReencrypts {
			k += len(x.Hosts) // an HTTPS or passthrough listener a host
		}
		return k
	}
	byNS := map[string]int{}
	for _, s := range sorted {
		byNS[s.x.Namespace] += listeners(s.x)
	}
	var worst exposure
	for _, s := range sorted {
		if worst.node == nil || byNS[s.x.Namespace] > byNS[worst.x.Namespace] ||
			s.x.Namespace == worst.x.Namespace && listeners(s.x) > listeners(worst.x) {
			worst = s
		}
	}
	return worst.problem(framework.Error, field.NewPath("spec", "hosts"), fmt.Sprintf(
		"the environment's Gateway would have %d listeners (an HTTPS or passthrough listener per host with TLS at the gateway, one per TCP route, and the HTTP one), and the Gateway API (platform api: gateway-api) allows %d: this exposure's hosts and tcp routes take %d of them, namespace %s's exposures %d; give fewer hosts or tcp routes to the gateway, or render this environment with api: istio",
		n, gatewayAPIMaxListeners, listeners(worst.x), worst.x.Namespace, byNS[worst.x.Namespace]))
}

// maxListenerName is the Gateway API's limit on a listener's name (its
// SectionName, v1.6.3).
const maxListenerName = 253

// listenerNames finds, with the Gateway API, the hosts whose listener of
// the environment's Gateway would be named as another host's, or past a
// listener name's 253 characters: a listener per host with TLS at the
// gateway, "https-" (or, passed through, "tls-") and the host, a
// wildcard's "*" written "wildcard", so *.x and wildcard.x name one. The
// API server refuses the Gateway with either, and every team's listeners
// with it. Each error is the exposure's, naming the other.
func listenerNames(env *model.Environment, sorted []exposure, xs exposures) []problem {
	p := env.Platform
	if env.Gateway == nil || p.TLS == nil || p.ALBReencrypts() {
		return nil
	}
	type use struct {
		host string
		s    exposure // node nil: the platform's shared host
	}
	names := map[string]use{}
	for _, h := range env.SharedHosts {
		names[model.ListenerName(h.Host)] = use{host: h.Host}
	}
	var ps []problem
	for _, s := range sorted {
		x := s.x
		if x.TLS == nil {
			continue
		}
		for j, h := range x.Hosts {
			name := model.ListenerName(h)
			if x.Passthrough {
				name = model.PassthroughListenerName(h)
			}
			at := field.NewPath("spec", "hosts").Index(x.HostIndex[j])
			if len(name) > maxListenerName {
				ps = append(ps, s.problem(framework.Error, at, fmt.Sprintf(
					"names the listener %q of the environment's Gateway (platform api: gateway-api), %d characters, and a listener's name has at most %d: shorten the host, or render this environment with api: istio",
					name, len(name), maxListenerName)))
				continue
			}
			first, ok := names[name]
			switch {
			case !ok:
				names[name] = use{h, s}
				continue
			case first.host == h:
				continue // one host claimed twice: conflicts says so
			}
			// Blame the exact host spelled as a wildcard's listener.
			blamed, blamedAt, other := s, at, first
			if strings.HasPrefix(h, "*") && first.s.node != nil {
				i := slices.Index(first.s.x.Hosts, first.host)
				blamed, blamedAt, other = first.s, field.NewPath("spec", "hosts").Index(first.s.x.HostIndex[i]), use{h, s}
			}
			whose := fmt.Sprintf("the platform's shared host %q", other.host)
			if other.s.node != nil {
				whose = fmt.Sprintf("host %q of %s", other.host, xs.describeNode(other.s.node))
			}
			ps = append(ps, blamed.problem(framework.Error, blamedAt, fmt.Sprintf(
				"names the listener %q of the environment's Gateway (platform api: gateway-api), as %s does (a wildcard's \"*\" is written \"wildcard\" there), and the listeners of a Gateway have unique names: use another host",
				name, whose)))
		}
	}
	return ps
}

// clientCertificatePorts finds, with the Gateway API, the gateway ports
// whose HTTPS listeners would not all check client certificates against
// one CA. A Gateway checks them per port (spec.tls.frontend.perPort), for
// every HTTPS listener on it, and Istio takes one caCertificateRef there:
// so the TLS port of a mutual exposure serves mutual exposures only, of
// one Secret (whose ca.crt is the CA). Each error is the mutual
// exposure's, naming the other.
func clientCertificatePorts(env *model.Environment, sorted []exposure, xs exposures) []problem {
	p := env.Platform
	if p.API != v1alpha1.APIGatewayAPI || p.TLS == nil {
		return nil
	}
	type user struct {
		s      exposure // node nil: the platform's shared hosts
		mutual bool
		secret string
	}
	byPort := map[int32][]user{}
	if len(env.SharedHosts) > 0 {
		byPort[p.Gateway.HTTPSPort] = []user{{}}
	}
	for _, s := range sorted {
		if s.x.Terminated() && len(s.x.TLS.Credentials) > 0 {
			byPort[s.x.TLS.Port] = append(byPort[s.x.TLS.Port], user{s, s.x.TLS.Mode == v1alpha1.TLSMutual, s.x.TLS.Credentials[0].Secret})
		}
	}
	var ps []problem
	for _, port := range slices.Sorted(maps.Keys(byPort)) {
		users := byPort[port]
		simple := slices.IndexFunc(users, func(u user) bool { return !u.mutual })
		var first *user
		for i, u := range users {
			if !u.mutual {
				continue
			}
			at := field.NewPath("spec", "tls", "mode")
			if u.s.x.TLS.PortSet {
				at = field.NewPath("spec", "tls", "port")
			}
			why := "the Gateway API (platform api: gateway-api) checks client certificates per gateway port"
			switch {
			case simple >= 0:
				other := "the platform's shared hosts"
				if n := users[simple].s.node; n != nil {
					other = xs.describeNode(n)
				}
				ps = append(ps, u.s.problem(framework.Error, at, fmt.Sprintf(
					"%s, for every HTTPS listener on it (the Gateway's spec.tls.frontend.perPort), and gateway port %d ends TLS without them for %s (mode simple): give this exposure a TLS port of its own (spec.tls.port), or render this environment with api: istio",
					why, port, other)))
			case first == nil:
				first = &users[i]
			case u.secret != first.secret:
				ps = append(ps, u.s.problem(framework.Error, at, fmt.Sprintf(
					"%s, against one CA (the Gateway's spec.tls.frontend.perPort; Istio takes one caCertificateRef), and gateway port %d checks them against the ca.crt of Secret %s, of %s, where this exposure's is Secret %s: give this exposure a TLS port of its own (spec.tls.port), or render this environment with api: istio",
					why, port, first.secret, xs.describeNode(first.s.node), u.secret)))
			}
		}
	}
	return ps
}

// secretConflicts finds two exposures whose TLS at the gateway is one
// Secret, but where the platform's template gives both the same Secret
// and no issuer writes it (a certificate the platform shares on purpose).
func secretConflicts(env *model.Environment, sorted []exposure, xs exposures) []problem {
	type user struct {
		s            exposure
		fromPlatform bool
	}
	issuer := env.Platform.TLS != nil && env.Platform.TLS.Issuer != nil
	secrets := map[string]user{}
	var ps []problem
	for _, s := range sorted {
		if s.x.TLS == nil {
			continue
		}
		seen := map[string]bool{}
		for _, c := range s.x.TLS.Credentials {
			if seen[c.Secret] {
				continue
			}
			seen[c.Secret] = true
			u := user{s, s.x.TLS.FromPlatform}
			first, ok := secrets[c.Secret]
			if !ok {
				secrets[c.Secret] = u
				continue
			}
			if first.fromPlatform && u.fromPlatform && !issuer {
				continue
			}
			// Blame the exposure that names the Secret itself, if one does.
			blamed, other := u, first
			if u.fromPlatform && !first.fromPlatform {
				blamed, other = first, u
			}
			at, why := field.NewPath("spec", "tls", "credentialName"), "name a Secret of this exposure's own"
			if blamed.fromPlatform {
				at, why = field.NewPath("metadata", "name"), "the platform's spec.tls.credentialName must make a Secret per exposure (with {namespace} and {name}, or {host}) when cert-manager writes them"
			}
			ps = append(ps, blamed.s.problem(framework.Error, at, fmt.Sprintf(
				"ends TLS with Secret %s, which %s uses too: a Secret holds one exposure's certificate (one Certificate writes it); %s",
				c.Secret, xs.describeNode(other.s.node), why)))
		}
	}
	return ps
}

// tlsClash says, for two exposures claiming one host, that one passes its
// TLS through and the other ends it at the gateway: "" otherwise.
func tlsClash(a, b *model.Exposure) string {
	if a.TLS == nil || b.TLS == nil || a.Passthrough == b.Passthrough {
		return ""
	}
	return ", and a host is served either with TLS ended at the gateway or passed through to its Service by SNI, never both (one passes it through, the other ends it)"
}
