package v1alpha1

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	networking "istio.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The checks of this file are Istio's checks of a DestinationRule's
// trafficPolicy, which istioctl validate and istiod's webhook make
// (istio/istio, pkg/config/validation: validateTrafficPolicy and what it
// calls; agent.ValidateTLS, agent.ValidateLocalityLbSetting,
// agent.ValidateDuration), and the bounds that the schema of Istio's CRD
// (istio.io/api, kubernetes/customresourcedefinitions.gen.yaml) makes
// kube-apiserver enforce. Istio's warnings (deprecated fields) are not
// reported. The one check of krm-fn's own: a port-level port number is a
// port number.

// MaxPortLevelSettings is the CRD's bound on trafficPolicy.portLevelSettings.
const MaxPortLevelSettings = 4096

// topologyLabels are the labels of region, zone and subzone, which
// failover orders by itself.
var topologyLabels = map[string]bool{
	"topology.kubernetes.io/region": true,
	"topology.kubernetes.io/zone":   true,
	"topology.istio.io/subzone":     true,
}

func validateTrafficPolicy(path *field.Path, tp *networking.TrafficPolicy, namespace string) field.ErrorList {
	if proto.Size(tp) == 0 { // every field is a message or a list: none is set
		return field.ErrorList{field.Required(path, "set at least one of loadBalancer, connectionPool, outlierDetection, tls, portLevelSettings, tunnel, proxyProtocol and retryBudget, or leave trafficPolicy out")}
	}
	errs := validatePolicies(path, tp.LoadBalancer, tp.ConnectionPool, tp.OutlierDetection, tp.Tls, namespace)
	pls := path.Child("portLevelSettings")
	if len(tp.PortLevelSettings) > MaxPortLevelSettings {
		errs = append(errs, field.TooMany(pls, len(tp.PortLevelSettings), MaxPortLevelSettings))
	}
	for i, s := range tp.PortLevelSettings {
		p := pls.Index(i)
		if s.Port == nil {
			errs = append(errs, field.Required(p.Child("port"), "the port these settings apply to"))
		} else {
			for _, msg := range validation.IsValidPortNum(int(s.Port.Number)) {
				errs = append(errs, field.Invalid(p.Child("port", "number"), s.Port.Number, msg))
			}
		}
		if s.LoadBalancer == nil && s.ConnectionPool == nil && s.OutlierDetection == nil && s.Tls == nil {
			errs = append(errs, field.Required(p, "set at least one of loadBalancer, connectionPool, outlierDetection and tls"))
			continue
		}
		errs = append(errs, validatePolicies(p, s.LoadBalancer, s.ConnectionPool, s.OutlierDetection, s.Tls, namespace)...)
	}
	errs = append(errs, validateTunnel(path.Child("tunnel"), tp.Tunnel)...)
	if tp.Tunnel != nil && tp.ProxyProtocol != nil {
		errs = append(errs, field.Forbidden(path.Child("proxyProtocol"), "may not be set together with tunnel"))
	}
	if rb := tp.RetryBudget; rb != nil && rb.Percent != nil {
		errs = append(errs, percent(path.Child("retryBudget", "percent"), rb.Percent.Value)...)
	}
	return errs
}

// validatePolicies checks what a policy and its port-level settings share.
func validatePolicies(path *field.Path, lb *networking.LoadBalancerSettings, cp *networking.ConnectionPoolSettings,
	od *networking.OutlierDetection, tls *networking.ClientTLSSettings, namespace string) field.ErrorList {
	errs := validateLoadBalancer(path.Child("loadBalancer"), lb)
	errs = append(errs, validateConnectionPool(path.Child("connectionPool"), cp)...)
	errs = append(errs, validateOutlierDetection(path.Child("outlierDetection"), od)...)
	return append(errs, validateClientTLS(path.Child("tls"), tls, namespace)...)
}

func validateConnectionPool(path *field.Path, cp *networking.ConnectionPoolSettings) field.ErrorList {
	if cp == nil {
		return nil
	}
	if cp.Tcp == nil && cp.Http == nil {
		return field.ErrorList{field.Required(path, "set tcp or http, or leave connectionPool out")}
	}
	var errs field.ErrorList
	if h := cp.Http; h != nil {
		p := path.Child("http")
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(h.Http1MaxPendingRequests), p.Child("http1MaxPendingRequests"))...)
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(h.Http2MaxRequests), p.Child("http2MaxRequests"))...)
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(h.MaxRequestsPerConnection), p.Child("maxRequestsPerConnection"))...)
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(h.MaxRetries), p.Child("maxRetries"))...)
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(h.MaxConcurrentStreams), p.Child("maxConcurrentStreams"))...)
		errs = append(errs, istioDuration(p.Child("idleTimeout"), h.IdleTimeout)...)
		if h.H2UpgradePolicy == networking.ConnectionPoolSettings_HTTPSettings_UPGRADE && h.UseClientProtocol {
			errs = append(errs, field.Forbidden(p.Child("useClientProtocol"), "may not be true when h2UpgradePolicy is UPGRADE"))
		}
		if ka := h.Http2KeepAlive; ka != nil {
			why := "a keepalive needs both its interval and its timeout"
			errs = append(errs, requiredDuration(p.Child("http2KeepAlive", "interval"), ka.Interval, why)...)
			errs = append(errs, requiredDuration(p.Child("http2KeepAlive", "timeout"), ka.Timeout, why)...)
		}
	}
	if t := cp.Tcp; t != nil {
		p := path.Child("tcp")
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(t.MaxConnections), p.Child("maxConnections"))...)
		errs = append(errs, istioDuration(p.Child("connectTimeout"), t.ConnectTimeout)...)
		errs = append(errs, istioDuration(p.Child("maxConnectionDuration"), t.MaxConnectionDuration)...)
		if t.IdleTimeout.AsDuration() != 0 { // 0s turns the timeout off
			errs = append(errs, istioDuration(p.Child("idleTimeout"), t.IdleTimeout)...)
		}
		if ka := t.TcpKeepalive; ka != nil {
			errs = append(errs, istioDuration(p.Child("tcpKeepalive", "time"), ka.Time)...)
			errs = append(errs, istioDuration(p.Child("tcpKeepalive", "interval"), ka.Interval)...)
		}
	}
	return errs
}

func validateOutlierDetection(path *field.Path, od *networking.OutlierDetection) field.ErrorList {
	if od == nil {
		return nil
	}
	errs := istioDuration(path.Child("baseEjectionTime"), od.BaseEjectionTime)
	errs = append(errs, istioDuration(path.Child("interval"), od.Interval)...)
	if n := od.ConsecutiveLocalOriginFailures.GetValue(); n > 0 && !od.SplitExternalLocalOriginErrors {
		errs = append(errs, field.Invalid(path.Child("consecutiveLocalOriginFailures"), n,
			"counts local origin failures apart, which needs splitExternalLocalOriginErrors: true"))
	}
	errs = append(errs, percent(path.Child("maxEjectionPercent"), od.MaxEjectionPercent)...)
	errs = append(errs, percent(path.Child("minHealthPercent"), od.MinHealthPercent)...)
	if od.FailurePercentageThreshold != nil {
		errs = append(errs, percent(path.Child("failurePercentageThreshold"), od.FailurePercentageThreshold.Value)...)
	}
	for i, code := range od.OutlierDetectionHttpErrorCodes {
		if code < 100 || code > 599 {
			errs = append(errs, field.Invalid(path.Child("outlierDetectionHttpErrorCodes").Index(i), code, "must be an HTTP status code, between 100 and 599"))
		}
	}
	return errs
}

func validateLoadBalancer(path *field.Path, lb *networking.LoadBalancerSettings) field.ErrorList {
	if lb == nil {
		return nil
	}
	var errs field.ErrorList
	if ch := lb.GetConsistentHash(); ch != nil {
		p := path.Child("consistentHash")
		if c := ch.GetHttpCookie(); c != nil {
			cp := p.Child("httpCookie")
			if c.Name == "" {
				errs = append(errs, field.Required(cp.Child("name"), "the name of the cookie to hash"))
			}
			seen := map[string]bool{}
			for i, a := range c.Attributes {
				ap := cp.Child("attributes").Index(i).Child("name")
				switch {
				case a.Name == "":
					errs = append(errs, field.Required(ap, ""))
				case seen[a.Name]:
					errs = append(errs, field.Duplicate(ap, a.Name))
				}
				seen[a.Name] = true
			}
		}
		if ch.MinimumRingSize != 0 && ch.GetHashAlgorithm() != nil { //nolint:staticcheck // Istio still takes it
			errs = append(errs, field.Forbidden(p.Child("minimumRingSize"), "may not be set together with ringHash or maglev: set ringHash.minimumRingSize instead"))
		}
		if m := ch.GetMaglev(); m != nil {
			tp := p.Child("maglev", "tableSize")
			switch {
			case m.TableSize == 0:
				errs = append(errs, field.Required(tp, "a prime number below 5000011"))
			case m.TableSize >= 5000011:
				errs = append(errs, field.Invalid(tp, m.TableSize, "must be less than 5000011"))
			case !isPrime(m.TableSize):
				errs = append(errs, field.Invalid(tp, m.TableSize, "must be a prime number"))
			}
		}
	}
	if lb.LocalityLbSetting != nil && lb.ZoneAwareLbSetting != nil {
		errs = append(errs, field.Forbidden(path.Child("zoneAwareLbSetting"), "may not be set together with localityLbSetting"))
	}
	errs = append(errs, validateLocalityLb(path.Child("localityLbSetting"), lb.LocalityLbSetting)...)
	errs = append(errs, validateZoneAwareLb(path.Child("zoneAwareLbSetting"), lb.ZoneAwareLbSetting)...)
	errs = append(errs, atLeastMillisecond(path.Child("warmupDurationSecs"), lb.WarmupDurationSecs)...)
	if w := lb.Warmup; w != nil {
		p := path.Child("warmup")
		errs = append(errs, requiredDuration(p.Child("duration"), w.Duration, "how long the warmup of a new endpoint lasts")...)
		if w.MinimumPercent != nil {
			errs = append(errs, percent(p.Child("minimumPercent"), w.MinimumPercent.Value)...)
		}
		if w.Aggression != nil && w.Aggression.Value <= 0 {
			errs = append(errs, field.Invalid(p.Child("aggression"), w.Aggression.Value, "must be greater than 0"))
		}
	}
	return errs
}

// isPrime is whether n is prime as Envoy counts them for a Maglev table
// (1 included).
func isPrime(n uint64) bool {
	if n < 2 {
		return n == 1
	}
	for d := uint64(2); d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func validateLocalityLb(path *field.Path, l *networking.LocalityLoadBalancerSetting) field.ErrorList {
	if l == nil {
		return nil
	}
	if len(l.Distribute) > 0 && len(l.Failover) > 0 {
		return field.ErrorList{field.Forbidden(path.Child("failover"), "may not be set together with distribute")}
	}
	var errs field.ErrorList
	if len(l.Failover) > 0 {
		for i, label := range l.FailoverPriority {
			if topologyLabels[label] {
				errs = append(errs, field.Forbidden(path.Child("failoverPriority").Index(i),
					label+" may not be set together with failover, which orders regions, zones and subzones itself"))
			}
		}
	}
	var from []located
	for i, d := range l.Distribute {
		p := path.Child("distribute").Index(i)
		from = append(from, located{p.Child("from"), d.From})
		var to []located
		total, weightsOK := uint64(0), true
		for _, k := range sortedKeys(d.To) {
			kp := p.Child("to").Key(k)
			to = append(to, located{kp, k})
			if w := d.To[k]; w < 1 || w > 100 {
				weightsOK = false
				errs = append(errs, field.Invalid(kp, w, validation.InclusiveRangeError(1, 100)))
			}
			total += uint64(d.To[k])
		}
		if weightsOK && total != 100 {
			errs = append(errs, field.Invalid(p.Child("to"), total, fmt.Sprintf("the weights must sum to 100, they sum to %d", total)))
		}
		errs = append(errs, localities(to)...)
	}
	errs = append(errs, localities(from)...)
	return append(errs, failovers(path.Child("failover"), l.Failover)...)
}

func validateZoneAwareLb(path *field.Path, z *networking.ZoneAwareLoadBalancerSetting) field.ErrorList {
	if z == nil {
		return nil
	}
	var errs field.ErrorList
	for i, label := range z.FailoverPriority {
		if topologyLabels[label] {
			errs = append(errs, field.Forbidden(path.Child("failoverPriority").Index(i),
				label+" may not be used: zone-aware load balancing orders regions, zones and subzones itself"))
		}
	}
	errs = append(errs, failovers(path.Child("failover"), z.Failover)...)
	if z.MinClusterSize != nil && z.MinClusterSize.Value < 1 {
		errs = append(errs, field.Invalid(path.Child("minClusterSize"), z.MinClusterSize.Value, "must be at least 1"))
	}
	return errs
}

// located is a locality and where it was written.
type located struct {
	path *field.Path
	name string
}

// localities checks locality names (region, region/zone or
// region/zone/subzone; a "*" at the end matches everything below) and
// that none of ls covers another.
func localities(ls []located) field.ErrorList {
	var errs field.ErrorList
	var valid []located
	for _, l := range ls {
		if n := strings.Count(l.name, "*"); n > 1 || n == 1 && !strings.HasSuffix(l.name, "*") {
			errs = append(errs, field.Invalid(l.path, l.name, `may hold one "*", at its end`))
			continue
		}
		if strings.Contains("/"+l.name+"/", "//") {
			errs = append(errs, field.Invalid(l.path, l.name, "must be a region, region/zone or region/zone/subzone, none of them empty"))
			continue
		}
		for _, prev := range valid {
			if covers(prev.name, l.name) || covers(l.name, prev.name) {
				errs = append(errs, field.Invalid(l.path, l.name, fmt.Sprintf("overlaps %q (%s)", prev.name, prev.path)))
				break
			}
		}
		valid = append(valid, l)
	}
	return errs
}

// covers is whether locality a takes in locality b: a region takes in its
// zones, a zone its subzones, and "*" everything at its level.
func covers(a, b string) bool {
	as := strings.SplitN(a, "/", 3)
	bs := strings.SplitN(b, "/", 3)
	if as[len(as)-1] == "*" {
		as = as[:len(as)-1]
	}
	if len(as) > len(bs) {
		return false
	}
	for i := range as {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}

func failovers[F interface {
	GetFrom() string
	GetTo() string
}](path *field.Path, fs []F) field.ErrorList {
	var errs field.ErrorList
	for i, f := range fs {
		p := path.Index(i)
		if f.GetFrom() == f.GetTo() {
			errs = append(errs, field.Invalid(p.Child("to"), f.GetTo(), "must be another region than from"))
		}
		for _, end := range []struct{ name, region string }{{"from", f.GetFrom()}, {"to", f.GetTo()}} {
			if strings.Contains(end.region, "/") {
				errs = append(errs, field.Invalid(p.Child(end.name), end.region, "must be a region: failover is between regions only"))
			}
			if strings.Contains(end.region, "*") {
				errs = append(errs, field.Invalid(p.Child(end.name), end.region, `may not hold a "*"`))
			}
		}
	}
	return errs
}

// validateClientTLS checks the TLS settings of a policy whose
// DestinationRule is in namespace.
func validateClientTLS(path *field.Path, t *networking.ClientTLSSettings, namespace string) field.ErrorList {
	if t == nil {
		return nil
	}
	var errs field.ErrorList
	forbid := func(name string, set bool, why string) {
		if set {
			errs = append(errs, field.Forbidden(path.Child(name), why))
		}
	}
	if rest, ok := strings.CutPrefix(t.CredentialName, "configmap://"); ok {
		p := path.Child("credentialName")
		ns, name, _ := strings.Cut(rest, "/")
		switch {
		case ns == "" || name == "":
			errs = append(errs, field.Invalid(p, t.CredentialName, "must be configmap://<namespace>/<name>"))
		case namespace != "" && ns != namespace:
			errs = append(errs, field.Invalid(p, t.CredentialName, fmt.Sprintf("must name a ConfigMap in %s, the namespace of the DestinationRule", namespace)))
		}
	}
	simple, mutual := t.Mode == networking.ClientTLSSettings_SIMPLE, t.Mode == networking.ClientTLSSettings_MUTUAL
	if t.GetInsecureSkipVerify().GetValue() && (simple || mutual) {
		why := "may not be set when insecureSkipVerify is true"
		forbid("caCertificates", t.CaCertificates != "", why)
		forbid("credentialName", simple && t.CredentialName != "", why)
		forbid("subjectAltNames", len(t.SubjectAltNames) > 0, why)
	}
	if (simple || mutual) && t.CredentialName != "" {
		why := "may not be set together with credentialName, which holds the certificates"
		forbid("clientCertificate", t.ClientCertificate != "", why)
		forbid("privateKey", t.PrivateKey != "", why)
		forbid("caCertificates", t.CaCertificates != "", why)
		forbid("caCrl", t.CaCrl != "", why)
		return errs
	}
	if mutual {
		why := "mode MUTUAL needs a client certificate and its private key, or a credentialName"
		if t.ClientCertificate == "" {
			errs = append(errs, field.Required(path.Child("clientCertificate"), why))
		}
		if t.PrivateKey == "" {
			errs = append(errs, field.Required(path.Child("privateKey"), why))
		}
	}
	return errs
}

func validateTunnel(path *field.Path, t *networking.TrafficPolicy_TunnelSettings) field.ErrorList {
	if t == nil {
		return nil
	}
	var errs field.ErrorList
	if t.Protocol != "" && t.Protocol != "CONNECT" && t.Protocol != "POST" {
		errs = append(errs, field.NotSupported(path.Child("protocol"), t.Protocol, []string{"CONNECT", "POST"}))
	}
	switch h := t.TargetHost; {
	case h == "":
		errs = append(errs, field.Required(path.Child("targetHost"), "the host the tunnel leads to"))
	case !isHostOrIP(h):
		errs = append(errs, field.Invalid(path.Child("targetHost"), h, "must be a DNS name or an IP address"))
	}
	switch p := path.Child("targetPort"); {
	case t.TargetPort == 0:
		errs = append(errs, field.Required(p, "the port the tunnel leads to"))
	case t.TargetPort > 65535:
		errs = append(errs, field.Invalid(p, t.TargetPort, validation.InclusiveRangeError(1, 65535)))
	}
	return errs
}

// isHostOrIP is whether h is an IP address or a DNS name (a trailing dot
// allowed, not an all-numeric top-level domain), as Istio's ValidateFQDN.
func isHostOrIP(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 255 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
		return false
	}
	for _, l := range labels {
		if len(validation.IsDNS1123Label(l)) > 0 {
			return false
		}
	}
	return true
}

func percent[N int32 | uint32 | float64](path *field.Path, v N) field.ErrorList {
	if v < 0 || v > 100 {
		return field.ErrorList{field.Invalid(path, v, validation.InclusiveRangeError(0, 100))}
	}
	return nil
}

// istioDuration is Istio's check of the durations it validates: at least
// 1ms, in whole milliseconds. nil is unset.
func istioDuration(path *field.Path, d *durationpb.Duration) field.ErrorList {
	if errs := atLeastMillisecond(path, d); errs != nil || d == nil {
		return errs
	}
	if d.AsDuration()%time.Millisecond != 0 {
		return field.ErrorList{field.Invalid(path, d.AsDuration().String(), notWholeMilliseconds(d.AsDuration()))}
	}
	return nil
}

func requiredDuration(path *field.Path, d *durationpb.Duration, why string) field.ErrorList {
	if d == nil {
		return field.ErrorList{field.Required(path, why)}
	}
	return istioDuration(path, d)
}

// atLeastMillisecond is the CRD's check of a duration (at least 1ms),
// for the one Istio's code does not check itself.
func atLeastMillisecond(path *field.Path, d *durationpb.Duration) field.ErrorList {
	if d != nil && d.AsDuration() < time.Millisecond {
		return field.ErrorList{field.Invalid(path, d.AsDuration().String(), "must be at least 1ms")}
	}
	return nil
}
