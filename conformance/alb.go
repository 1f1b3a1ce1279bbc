package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// CheckALB checks the alb.ingress.kubernetes.io/* annotations of one
// environment's objects, as the AWS Load Balancer Controller would read
// them: each must be documented, allowed on its kind, and of its
// documented format; the health check must suit the target group's
// protocol version, and HTTP2 and GRPC target groups get no rules on HTTP
// listeners; an ssl-redirect port must be an HTTPS port the ALB listens
// on; and all Ingresses of one group.name must carry the same Exclusive
// (group-wide) annotations, or the controller stops reconciling the whole
// group.
func CheckALB(objs []Object) []Finding {
	var fs []Finding
	add := func(o Object, format string, args ...any) {
		fs = append(fs, Finding{Object: o.ID(), Component: ALBCheck, Severity: Error, Words: fmt.Sprintf(format, args...)})
	}
	var ingresses []Object
	for _, o := range objs {
		ann := albAnnotationsOf(o)
		if len(ann) == 0 {
			continue
		}
		isIngress := o.GetKind() == "Ingress" && o.GetAPIVersion() == "networking.k8s.io/v1"
		switch {
		case isIngress:
			ingresses = append(ingresses, o)
		case o.GetKind() == "Service" && o.GetAPIVersion() == "v1":
		default:
			add(o, "the controller reads %s* annotations on networking.k8s.io/v1 Ingresses and v1 Services only, this %s %s has %s",
				albPrefix, o.GetAPIVersion(), o.GetKind(), strings.Join(slices.Sorted(maps.Keys(ann)), ", "))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(ann)) {
			a, known := lookupALB(k)
			switch {
			case !known:
				add(o, "%s%s is not an annotation the AWS Load Balancer Controller documents", albPrefix, k)
			case !isIngress && !a.service:
				add(o, "%s%s is documented for Ingresses only, not Services", albPrefix, k)
			default:
				if err := a.check(ann[k]); err != nil {
					add(o, "%s%s: %q: %v", albPrefix, k, ann[k], err)
				}
			}
		}
		for _, p := range checkTargetGroup(ann) {
			add(o, "%s", p)
		}
	}
	for _, g := range ingressGroups(ingresses) {
		fs = append(fs, g.check()...)
	}
	return fs
}

// albAnnotationsOf returns o's ALB annotations, keyed without the prefix.
func albAnnotationsOf(o Object) map[string]string {
	ann := map[string]string{}
	for k, v := range o.GetAnnotations() {
		if name, ok := strings.CutPrefix(k, albPrefix); ok {
			ann[name] = v
		}
	}
	return ann
}

// lookupALB finds the table row of an annotation name (without prefix).
func lookupALB(name string) (albAnnotation, bool) {
	for _, a := range albAnnotations {
		if a.name == name {
			return a, true
		}
	}
	switch {
	case strings.HasPrefix(name, albActionsPrefix) && len(name) > len(albActionsPrefix):
		return albAnnotation{name: name, check: jsonObject}, true
	case strings.HasPrefix(name, albConditionsPrefix) && len(name) > len(albConditionsPrefix):
		return albAnnotation{name: name, check: jsonArray}, true
	case strings.HasPrefix(name, albListenerAttributesPrefix):
		if listenerAttributesKey.MatchString(strings.TrimPrefix(name, albListenerAttributesPrefix)) {
			return albAnnotation{name: name, check: stringMap, merge: merged}, true
		}
	}
	return albAnnotation{}, false
}

var listenerAttributesKey = regexp.MustCompile(`^HTTPS?-([1-9][0-9]{0,4})$`)

// ingressGroup is the Ingresses that share one ALB: those with one
// group.name, or a single Ingress without one (an implicit group).
type ingressGroup struct {
	name    string // "" for an implicit group
	members []Object
}

func ingressGroups(ingresses []Object) []ingressGroup {
	var groups []ingressGroup
	index := map[string]int{}
	for _, o := range ingresses {
		name := albAnnotationsOf(o)["group.name"]
		if i, ok := index[name]; ok && name != "" {
			groups[i].members = append(groups[i].members, o)
			continue
		}
		index[name] = len(groups)
		groups = append(groups, ingressGroup{name: name, members: []Object{o}})
	}
	return groups
}

// check checks what only shows across a group: the Exclusive annotations
// agree, and the ports ssl-redirect and mutual-authentication name are
// HTTPS ports the group's ALB listens on (the union of its members'
// listen-ports).
func (g ingressGroup) check() []Finding {
	var fs []Finding
	add := func(o Object, format string, args ...any) {
		fs = append(fs, Finding{Object: o.ID(), Component: ALBCheck, Severity: Error, Words: fmt.Sprintf(format, args...)})
	}
	first := g.members[0]
	firstAnn := albAnnotationsOf(first)
	for _, o := range g.members[1:] {
		ann := albAnnotationsOf(o)
		for _, a := range albAnnotations {
			if a.merge != exclusive {
				continue
			}
			v, ok := ann[a.name]
			fv, fok := firstAnn[a.name]
			if v != fv || ok != fok {
				add(o, "ALB group %q: %s%s is %s here but %s on %s; the controller needs every Ingress of a group to agree on its Exclusive annotations and stops reconciling the group otherwise",
					g.name, albPrefix, a.name, orUnset(v, ok), orUnset(fv, fok), first.ID())
			}
		}
	}

	https := map[int]bool{}
	for _, o := range g.members {
		ports, err := listenPorts(albAnnotationsOf(o))
		if err != nil {
			continue // reported with the annotation's format
		}
		for _, p := range ports {
			if p.protocol == "HTTPS" {
				https[p.port] = true
			}
		}
	}
	where := "the HTTPS ports of its listen-ports"
	if g.name != "" {
		where = fmt.Sprintf("the HTTPS ports the Ingresses of ALB group %q listen on", g.name)
	}
	// With ssl-redirect (on any member: it is Exclusive), every HTTP
	// listener only redirects and gets no rules.
	redirect := false
	for _, o := range g.members {
		_, ok := albAnnotationsOf(o)["ssl-redirect"]
		redirect = redirect || ok
	}
	for _, o := range g.members {
		ann := albAnnotationsOf(o)
		if v := ann["backend-protocol-version"]; (v == "HTTP2" || v == "GRPC") && !redirect {
			if ports, err := listenPorts(ann); err == nil {
				for _, p := range ports {
					if p.protocol == "HTTP" {
						add(o, "%slisten-ports: puts the rules of this Ingress, which forward to a %s target group, on the HTTP listener %d, and the group has no ssl-redirect; the ALB forwards to HTTP2 and GRPC target groups from HTTPS listeners only", albPrefix, v, p.port)
					}
				}
			}
		}
	}
	for _, o := range g.members {
		ann := albAnnotationsOf(o)
		if v, ok := ann["ssl-redirect"]; ok {
			if p, err := strconv.Atoi(v); err == nil && !https[p] {
				add(o, "%sssl-redirect: %q: the port to redirect to must be one of %s (%v)", albPrefix, v, where, sortedPorts(https))
			}
		}
		if v, ok := ann["mutual-authentication"]; ok {
			var cfgs []mutualAuthentication
			if json.Unmarshal([]byte(v), &cfgs) == nil {
				for _, c := range cfgs {
					if !https[c.Port] {
						add(o, "%smutual-authentication: port %d must be one of %s (%v)", albPrefix, c.Port, where, sortedPorts(https))
					}
				}
			}
		}
	}
	return fs
}

func orUnset(v string, ok bool) string {
	if !ok {
		return "unset"
	}
	return strconv.Quote(v)
}

func sortedPorts(set map[int]bool) []int { return slices.Sorted(maps.Keys(set)) }

type listenPort struct {
	protocol string
	port     int
}

// listenPorts decodes listen-ports, or gives the controller's default when
// it is not set: HTTPS 443 with a certificate-arn, else HTTP 80.
func listenPorts(ann map[string]string) ([]listenPort, error) {
	v, ok := ann["listen-ports"]
	if !ok {
		if _, tls := ann["certificate-arn"]; tls {
			return []listenPort{{"HTTPS", 443}}, nil
		}
		return []listenPort{{"HTTP", 80}}, nil
	}
	var entries []map[string]int
	if err := json.Unmarshal([]byte(v), &entries); err != nil {
		return nil, fmt.Errorf(`want a JSON list like [{"HTTP": 80}, {"HTTPS": 443}]: %v`, err)
	}
	if len(entries) == 0 {
		return nil, errors.New("lists no port")
	}
	var ports []listenPort
	seen := map[int]bool{}
	for i, e := range entries {
		if len(e) != 1 {
			return nil, fmt.Errorf("entry %d: want exactly one of HTTP or HTTPS, with its port", i)
		}
		for proto, port := range e {
			if proto != "HTTP" && proto != "HTTPS" {
				return nil, fmt.Errorf("entry %d: protocol %q: want HTTP or HTTPS", i, proto)
			}
			if err := checkPort(port); err != nil {
				return nil, fmt.Errorf("entry %d: %v", i, err)
			}
			if seen[port] {
				return nil, fmt.Errorf("port %d is listed twice (the controller allows no duplicate listener ports)", port)
			}
			seen[port] = true
			ports = append(ports, listenPort{proto, port})
		}
	}
	return ports, nil
}

func listenPortsFormat(v string) error {
	_, err := listenPorts(map[string]string{"listen-ports": v})
	return err
}

type mutualAuthentication struct {
	Port                          int    `json:"port"`
	Mode                          string `json:"mode"`
	TrustStore                    string `json:"trustStore"`
	IgnoreClientCertificateExpiry *bool  `json:"ignoreClientCertificateExpiry"`
	AdvertiseTrustStoreCaNames    string `json:"advertiseTrustStoreCaNames"`
}

func mutualAuthenticationFormat(v string) error {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	var cfgs []mutualAuthentication
	if err := dec.Decode(&cfgs); err != nil {
		return fmt.Errorf(`want a JSON list like [{"port": 443, "mode": "verify", "trustStore": "..."}]: %v`, err)
	}
	for i, c := range cfgs {
		if err := checkPort(c.Port); err != nil {
			return fmt.Errorf("entry %d: %v", i, err)
		}
		switch c.Mode {
		case "off", "passthrough", "verify":
		default:
			return fmt.Errorf("entry %d: mode %q: want off, passthrough or verify", i, c.Mode)
		}
		if c.Mode == "verify" && c.TrustStore == "" {
			return fmt.Errorf("entry %d: mode verify needs a trustStore", i)
		}
		if a := c.AdvertiseTrustStoreCaNames; a != "" && a != "on" && a != "off" {
			return fmt.Errorf("entry %d: advertiseTrustStoreCaNames %q: want on or off", i, a)
		}
	}
	return nil
}

// The value formats.

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(values, v) {
			return fmt.Errorf("want one of %s", strings.Join(values, ", "))
		}
		return nil
	}
}

func boolean(v string) error { return oneOf("true", "false")(v) }

func integer(v string) error {
	if _, err := strconv.Atoi(v); err != nil {
		return errors.New("want an integer")
	}
	return nil
}

func integerIn(lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		return nil
	}
}

func integerOr(word string) func(string) error {
	return func(v string) error {
		if v == word {
			return nil
		}
		if integer(v) != nil {
			return fmt.Errorf("want an integer or %s", word)
		}
		return nil
	}
}

func checkPort(p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("port %d: want 1 to 65535", p)
	}
	return nil
}

func portNumber(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want a port number")
	}
	return checkPort(n)
}

// stringList: s1,s2,s3 (the controller trims spaces around items).
func stringList(v string) error {
	_, err := splitList(v)
	return err
}

func splitList(v string) ([]string, error) {
	var items []string
	for i, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("item %d is empty; want s1,s2,s3", i)
		}
		items = append(items, item)
	}
	return items, nil
}

// stringMap: k1=v1,k2=v2.
func stringMap(v string) error {
	items, err := splitList(v)
	if err != nil {
		return err
	}
	for _, item := range items {
		k, _, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("%q is not key=value; want k1=v1,k2=v2", item)
		}
	}
	return nil
}

func cidrList(v string) error {
	items, err := splitList(v)
	if err != nil {
		return err
	}
	for _, item := range items {
		if _, err := netip.ParsePrefix(item); err != nil {
			return fmt.Errorf("%q is not a CIDR", item)
		}
	}
	return nil
}

func jsonObject(v string) error {
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return fmt.Errorf("want a JSON object: %v", err)
	}
	return nil
}

func jsonArray(v string) error {
	var l []any
	if err := json.Unmarshal([]byte(v), &l); err != nil {
		return fmt.Errorf("want a JSON list: %v", err)
	}
	return nil
}

// An ARN: arn:partition:service:region:account-id:resource.
var arnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}):(.+)$`)

// certificateARNs: a stringList of ACM certificate ARNs (or IAM server
// certificates), the first the default certificate.
func certificateARNs(v string) error {
	items, err := splitList(v)
	if err != nil {
		return err
	}
	for _, item := range items {
		m := arnPattern.FindStringSubmatch(item)
		ok := m != nil && (m[1] == "acm" && m[2] != "" && strings.HasPrefix(m[4], "certificate/") ||
			m[1] == "iam" && m[2] == "" && strings.HasPrefix(m[4], "server-certificate/"))
		if !ok {
			return fmt.Errorf("%q is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) or IAM server certificate ARN", item)
		}
	}
	return nil
}

// arnOrNone: an ARN of the service, or "none" to detach.
func arnOrNone(service string) func(string) error {
	return func(v string) error {
		if v == "none" {
			return nil
		}
		if m := arnPattern.FindStringSubmatch(v); m == nil || m[1] != service || m[2] == "" {
			return fmt.Errorf("want an arn:aws:%s:REGION:ACCOUNT:... ARN, or none", service)
		}
		return nil
	}
}

// sslPolicy: the name of one of ELB's predefined security policies, which
// all start ELBSecurityPolicy- (an ALB takes no custom policy).
func sslPolicy(v string) error {
	if !strings.HasPrefix(v, "ELBSecurityPolicy-") || len(v) == len("ELBSecurityPolicy-") {
		return errors.New("want an ELB security policy name, ELBSecurityPolicy-…")
	}
	return nil
}

// groupName: lower case alphanumerics, '-' or '.', starting and ending
// alphanumeric, at most 63 characters.
var groupNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

func groupName(v string) error {
	if len(v) > 63 || !groupNamePattern.MatchString(v) {
		return errors.New("want lower case alphanumerics, '-' or '.', starting and ending alphanumeric, at most 63 characters")
	}
	return nil
}

// loadBalancerName: "Name longer than 32 characters will be treated as an
// error."
func loadBalancerName(v string) error {
	if v == "" || len(v) > 32 {
		return errors.New("want a name of 1 to 32 characters")
	}
	return nil
}

// healthCheckPort: a port number, traffic-port, or the name of a port.
func healthCheckPort(v string) error {
	if v == "traffic-port" || portNumber(v) == nil {
		return nil
	}
	if len(validation.IsValidPortName(v)) == 0 {
		return nil
	}
	return errors.New("want a port number, a port name, or traffic-port")
}

func path(v string) error {
	if !strings.HasPrefix(v, "/") {
		return errors.New("want a path starting with /")
	}
	return nil
}

// checkTargetGroup checks what the protocol version of an object's target
// group (backend-protocol-version, HTTP1 by default) asks of its health
// check, as the AWS documentation of ALB target groups and their health
// checks says: success-codes are gRPC status codes from 0 to 99 for GRPC
// and HTTP status codes from 200 to 499 otherwise (the controller passes
// them on as the GRPC or HTTP matcher, and the ELB API rejects the target
// group, e.g. "Health check matcher GRPC code '200' must be within '0-99'
// inclusive", aws-load-balancer-controller issue 2804); a GRPC health
// check path names a gRPC method, /package.service/method.
func checkTargetGroup(ann map[string]string) []string {
	version := ann["backend-protocol-version"]
	if version == "" {
		version = "HTTP1"
	}
	var ps []string
	if v, ok := ann["success-codes"]; ok && successCodes(v) == nil {
		lo, hi, what := 200, 499, "HTTP status codes"
		if version == "GRPC" {
			lo, hi, what = 0, 99, "gRPC status codes"
		}
		for _, r := range strings.Split(v, ",") {
			a, b, isRange := strings.Cut(r, "-")
			if !isRange {
				b = a
			}
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			if x < lo || y > hi {
				article := "a"
				if strings.HasPrefix(version, "H") {
					article = "an"
				}
				ps = append(ps, fmt.Sprintf("%ssuccess-codes: %q: %s %s target group matches %s from %d to %d", albPrefix, v, article, version, what, lo, hi))
				break
			}
		}
	}
	if p, ok := ann["healthcheck-path"]; ok && version == "GRPC" && path(p) == nil && !grpcMethodPattern.MatchString(p) {
		ps = append(ps, fmt.Sprintf("%shealthcheck-path: %q: a GRPC target group's health check calls a gRPC method, /package.service/method", albPrefix, p))
	}
	return ps
}

var grpcMethodPattern = regexp.MustCompile(`^/[A-Za-z_][\w.]*/[A-Za-z_]\w*$`)

// successCodes: codes and ranges, e.g. 200, 200,201 or 200-299 (gRPC: 0-99).
var successCodesPattern = regexp.MustCompile(`^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`)

func successCodes(v string) error {
	if !successCodesPattern.MatchString(v) {
		return errors.New("want status codes or ranges: 200, 200,201 or 200-299")
	}
	for _, r := range strings.Split(v, ",") {
		lo, hi, ok := strings.Cut(r, "-")
		if !ok {
			continue
		}
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		if a > b {
			return fmt.Errorf("range %s runs backwards", r)
		}
	}
	return nil
}
