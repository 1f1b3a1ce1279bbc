package conformance

import (
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// The proof layer runs istiod and the AWS Load Balancer Controller over a
// cluster: the source's objects, the case's cluster.yaml (what the cluster
// has that the rendering does not: workloads, Services made by other
// means), and what a cluster would make of them, synthesized here as a
// cluster would: Pods for the workloads, EndpointSlices for the Services,
// cluster IPs and node ports, the namespaces' name labels; and the ingress
// gateway the platform runs (for api: istio, as Istio's gateway chart
// installs it; for the Gateway API, as Istio's deployment controller
// does). Every synthesized object carries RoleAnnotation.

// RoleAnnotation marks what the proof layer synthesized, and why.
const RoleAnnotation = "proof.krmfn.io/role"

// The roles of synthesized objects.
const (
	roleGateway   = "gateway"   // an ingress gateway pod or Service
	roleWorkload  = "workload"  // a Pod of a Deployment, StatefulSet, ...
	roleEndpoints = "endpoints" // an EndpointSlice of a Service
	roleNamespace = "namespace" // a Namespace no object of the source is
	roleClass     = "class"     // an IngressClass or GatewayClass
	roleSecret    = "secret"    // a Secret cert-manager issues
)

// The ports of Istio's ingress gateway: its status port (readiness on
// /healthz/ready), and the container ports the gateway chart maps the
// Service's 80 and 443 to.
const (
	GatewayStatusPort = 15021
	gatewayHTTPPort   = 8080
	gatewayHTTPSPort  = 8443
)

// World is a source's objects and everything synthesized beside them.
type World struct {
	Objects []*unstructured.Unstructured
	// Gateways are the ingress gateway Services (synthesized or not)
	// that Ingresses send to.
	Gateways []*corev1.Service
}

// YAML prints the cluster as one stream.
func (c *World) YAML() ([]byte, error) {
	var b strings.Builder
	for _, o := range c.Objects {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return []byte(b.String()), nil
}

// Service finds a Service of the cluster.
func (c *World) Service(namespace, name string) *corev1.Service {
	for _, o := range c.Objects {
		if o.GetKind() == "Service" && o.GetAPIVersion() == "v1" && o.GetNamespace() == namespace && o.GetName() == name {
			var s corev1.Service
			if runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &s) == nil {
				return &s
			}
		}
	}
	return nil
}

// Synthesize builds the cluster of a source: its objects, the fixture's
// (cluster.yaml) and what a cluster would make of them; platform (nil:
// krm-fn's defaults) says where the istio gateway runs.
func Synthesize(src, fixture []Object, platform *Platform) (*World, error) {
	if platform == nil {
		platform = defaultPlatform()
	}
	s := &synth{platform: platform}
	where := map[string]string{}
	for i, o := range append(slices.Clone(src), fixture...) {
		here := "the rendering"
		if i >= len(src) {
			here = FixtureFile
		}
		key := o.GetAPIVersion() + " " + o.ID()
		if first, ok := where[key]; ok {
			return nil, fmt.Errorf("%s: %s is also in %s: a cluster has one of each", here, o.ID(), first)
		}
		where[key] = here
		// Read again as the API machinery reads JSON, numbers as int64
		// (ParseObjects' YAML decoding makes them float64).
		b, err := json.Marshal(o.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		s.objects = append(s.objects, u)
	}
	steps := []func() error{s.gatewayClasses, s.istioGateway, s.gatewayAPIGateways, s.workloads, s.serviceAddresses, s.endpoints, s.secrets, s.namespaces, s.ingressClasses}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	c := &World{Objects: s.objects}
	seen := map[string]bool{}
	err := s.each("networking.k8s.io/v1", "Ingress", func(o *unstructured.Unstructured) error {
		ing, err := convert[networkingv1.Ingress](o)
		if err != nil {
			return err
		}
		for _, b := range ingressBackends(ing) {
			if b.Service == nil || seen[ing.Namespace+"/"+b.Service.Name] {
				continue
			}
			seen[ing.Namespace+"/"+b.Service.Name] = true
			if svc := c.Service(ing.Namespace, b.Service.Name); svc != nil {
				c.Gateways = append(c.Gateways, svc)
			}
		}
		return nil
	})
	return c, err
}

type synth struct {
	platform *Platform
	objects  []*unstructured.Unstructured
	podIP    int
	svcIP    int
	lbIP     int
	nodePort int32
}

func (s *synth) add(obj runtime.Object, role string) error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: m}
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[RoleAnnotation] = role
	u.SetAnnotations(ann)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	if svc, ok := obj.(*corev1.Service); ok && svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		// A load balancer Service has its address (else istiod reports a
		// Gateway API gateway's address pending).
		s.lbIP++
		ing := []any{map[string]any{"ip": fmt.Sprintf("192.0.2.%d", s.lbIP)}}
		if err := unstructured.SetNestedSlice(u.Object, ing, "status", "loadBalancer", "ingress"); err != nil {
			return err
		}
	} else {
		unstructured.RemoveNestedField(u.Object, "status", "loadBalancer")
	}
	s.objects = append(s.objects, u)
	return nil
}

func (s *synth) find(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	for _, o := range s.objects {
		if o.GetAPIVersion() == apiVersion && o.GetKind() == kind && o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}

func (s *synth) each(apiVersion, kind string, f func(o *unstructured.Unstructured) error) error {
	for _, o := range slices.Clone(s.objects) {
		if o.GetAPIVersion() == apiVersion && o.GetKind() == kind {
			if err := f(o); err != nil {
				return fmt.Errorf("%s %s/%s: %w", kind, o.GetNamespace(), o.GetName(), err)
			}
		}
	}
	return nil
}

func convert[T any](o *unstructured.Unstructured) (*T, error) {
	var t T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// gatewayClasses: the classes Istio installs (istio, istio-waypoint), when
// the source uses the Gateway API and has none.
func (s *synth) gatewayClasses() error {
	uses := false
	for _, o := range s.objects {
		uses = uses || o.GetKind() == "Gateway" && o.GetAPIVersion() == "gateway.networking.k8s.io/v1"
	}
	if !uses {
		return nil
	}
	for _, class := range [][2]string{{"istio", "istio.io/gateway-controller"}, {"istio-waypoint", "istio.io/mesh-controller"}} {
		name, controller := class[0], class[1]
		if s.find("gateway.networking.k8s.io/v1", "GatewayClass", "", name) != nil {
			continue
		}
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
			"metadata": map[string]any{"name": name, "annotations": map[string]any{RoleAnnotation: roleClass}},
			"spec":     map[string]any{"controllerName": controller},
		}}
		s.objects = append(s.objects, u)
	}
	return nil
}

// istioGateway stands in for the ingress gateway of api: istio, which the
// platform runs: the platform's gateway Service (and every other Service
// an Ingress sends to) that the cluster does not have, and a gateway pod
// behind it, as Istio's gateway chart makes them: the Service's 80 to the
// pod's 8080, 443 to 8443, another port to itself, the status port
// 15021; type LoadBalancer, so with node ports. Its ports are those the
// Ingresses send to and, for the platform's, those the Istio Gateways'
// servers name (with an NLB, clients reach them directly). The pods carry
// the platform's selector (or else the Istio Gateways').
func (s *synth) istioGateway() error {
	var selectors []map[string]string
	var serverPorts []int32
	protocols := map[int32]string{}
	err := s.each("networking.istio.io/v1", "Gateway", func(o *unstructured.Unstructured) error {
		sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector")
		if len(sel) > 0 && !slices.ContainsFunc(selectors, func(m map[string]string) bool { return maps.Equal(m, sel) }) {
			selectors = append(selectors, sel)
		}
		servers, _, _ := unstructured.NestedSlice(o.Object, "spec", "servers")
		for _, sv := range servers {
			n, ok, _ := unstructured.NestedInt64(sv.(map[string]any), "port", "number")
			if ok && !slices.Contains(serverPorts, int32(n)) {
				serverPorts = append(serverPorts, int32(n))
				proto, _, _ := unstructured.NestedString(sv.(map[string]any), "port", "protocol")
				protocols[int32(n)] = strings.ToLower(proto)
			}
		}
		return nil
	})
	if err != nil || len(selectors) == 0 {
		return err
	}
	slices.SortFunc(selectors, func(a, b map[string]string) int {
		return cmp.Compare(labels.Set(a).String(), labels.Set(b).String())
	})
	if sel := s.platform.GatewaySelector; len(sel) > 0 && !slices.ContainsFunc(selectors, func(m map[string]string) bool { return maps.Equal(m, sel) }) {
		selectors = append([]map[string]string{sel}, selectors...)
	} else if len(sel) > 0 {
		i := slices.IndexFunc(selectors, func(m map[string]string) bool { return maps.Equal(m, sel) })
		selectors[0], selectors[i] = selectors[i], selectors[0]
	}
	type backend struct{ namespace, name string }
	platformGW := backend{s.platform.GatewayNamespace, s.platform.GatewayService}
	ports := map[backend][]int32{platformGW: slices.Clone(serverPorts)}
	order := []backend{platformGW}
	err = s.each("networking.k8s.io/v1", "Ingress", func(o *unstructured.Unstructured) error {
		ing, err := convert[networkingv1.Ingress](o)
		if err != nil {
			return err
		}
		for _, b := range ingressBackends(ing) {
			if b.Service == nil {
				continue
			}
			k := backend{ing.Namespace, b.Service.Name}
			if _, ok := ports[k]; !ok {
				order = append(order, k)
			}
			if p := b.Service.Port.Number; p != 0 && !slices.Contains(ports[k], p) {
				ports[k] = append(ports[k], p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range order {
		if s.find("v1", "Service", b.namespace, b.name) != nil {
			continue
		}
		svc := &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: b.name, Namespace: b.namespace},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeLoadBalancer,
				Selector: selectors[0],
				Ports: []corev1.ServicePort{{Name: "status-port", Port: GatewayStatusPort, Protocol: corev1.ProtocolTCP,
					TargetPort: intstr.FromInt32(GatewayStatusPort)}},
			},
		}
		slices.Sort(ports[b])
		// The chart's targets first; another port to itself, unless that
		// is a target already (then the next free one from 20000).
		targets := map[int32]bool{GatewayStatusPort: true}
		for _, p := range ports[b] {
			targets[map[int32]int32{80: gatewayHTTPPort, 443: gatewayHTTPSPort}[p]] = true
		}
		for _, p := range ports[b] {
			name, target := fmt.Sprintf("%s-%d", cmp.Or(protocols[p], "http"), p), p
			switch p {
			case 80:
				name, target = "http2", gatewayHTTPPort
			case 443:
				name, target = "https", gatewayHTTPSPort
			default:
				for target = p; targets[target]; {
					target = max(target+1, 20000)
				}
				targets[target] = true
			}
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: name, Port: p, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(target)})
		}
		for i, sel := range selectors {
			if b != platformGW && i > 0 {
				break
			}
			if err := s.gatewayPod(b.namespace, fmt.Sprintf("%s-proof-%d", b.name, i), sel, b.name+"-service-account", svc); err != nil {
				return err
			}
		}
		if err := s.add(svc, roleGateway); err != nil {
			return err
		}
	}
	return nil
}

// gatewayAPIGateways: for every Gateway of class istio, the Service and
// pod Istio's deployment controller makes for it ("<name>-istio": the
// status port and one port per listener port; the type its
// networking.istio.io/service-type annotation says, LoadBalancer by
// default), unless the cluster has that Service.
func (s *synth) gatewayAPIGateways() error {
	return s.each("gateway.networking.k8s.io/v1", "Gateway", func(o *unstructured.Unstructured) error {
		class, _, _ := unstructured.NestedString(o.Object, "spec", "gatewayClassName")
		if class != "istio" {
			return nil
		}
		name := o.GetName() + "-istio"
		if n := o.GetAnnotations()["gateway.istio.io/name-override"]; n != "" {
			name = n
		}
		if s.find("v1", "Service", o.GetNamespace(), name) != nil {
			return nil
		}
		typ := corev1.ServiceTypeLoadBalancer
		if t := o.GetAnnotations()["networking.istio.io/service-type"]; t != "" {
			typ = corev1.ServiceType(t)
		}
		sel := map[string]string{"gateway.networking.k8s.io/gateway-name": o.GetName()}
		svc := &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.GetNamespace()},
			Spec: corev1.ServiceSpec{
				Type:     typ,
				Selector: sel,
				Ports: []corev1.ServicePort{{Name: "status-port", Port: GatewayStatusPort, Protocol: corev1.ProtocolTCP,
					AppProtocol: ptr.To("tcp"), TargetPort: intstr.FromInt32(GatewayStatusPort)}},
			},
		}
		listeners, _, _ := unstructured.NestedSlice(o.Object, "spec", "listeners")
		for _, l := range listeners {
			lm, _ := l.(map[string]any)
			port, _, _ := unstructured.NestedInt64(lm, "port")
			lname, _, _ := unstructured.NestedString(lm, "name")
			proto, _, _ := unstructured.NestedString(lm, "protocol")
			if port == 0 || slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return int64(p.Port) == port }) {
				continue
			}
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: lname, Port: int32(port), Protocol: corev1.ProtocolTCP,
				AppProtocol: ptr.To(strings.ToLower(proto)), TargetPort: intstr.FromInt32(int32(port))})
		}
		if err := s.gatewayPod(o.GetNamespace(), name+"-proof-0", sel, name, svc); err != nil {
			return err
		}
		return s.add(svc, roleGateway)
	})
}

// gatewayPod adds a running gateway pod with the labels, listening on the
// Service's target ports.
func (s *synth) gatewayPod(namespace, name string, lbls map[string]string, serviceAccount string, svc *corev1.Service) error {
	pod := s.pod(namespace, name, maps.Clone(lbls))
	pod.Spec.ServiceAccountName = serviceAccount
	c := corev1.Container{Name: "istio-proxy", Image: "istio/proxyv2"}
	for _, p := range svc.Spec.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: p.TargetPort.IntVal, Protocol: corev1.ProtocolTCP})
	}
	pod.Spec.Containers = []corev1.Container{c}
	return s.add(pod, roleGateway)
}

// pod makes a running, ready pod with the next pod IP.
func (s *synth) pod(namespace, name string, lbls map[string]string) *corev1.Pod {
	s.podIP++
	ip := fmt.Sprintf("10.244.%d.%d", s.podIP/250, s.podIP%250+1)
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: lbls},
		Spec:       corev1.PodSpec{NodeName: "proof-node"},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, HostIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
}

// workloads: the pods of every Deployment, StatefulSet, DaemonSet and
// ReplicaSet (as many as its replicas, at least one, at most three),
// with its pod template's labels, annotations and containers.
func (s *synth) workloads() error {
	for _, kind := range []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"} {
		err := s.each("apps/v1", kind, func(o *unstructured.Unstructured) error {
			tmpl, found, err := unstructured.NestedMap(o.Object, "spec", "template")
			if err != nil || !found {
				return err
			}
			var pt corev1.PodTemplateSpec
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
				return err
			}
			replicas, found, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
			if !found || replicas < 1 {
				replicas = 1
			}
			replicas = min(replicas, 3)
			for i := range replicas {
				pod := s.pod(o.GetNamespace(), fmt.Sprintf("%s-proof-%d", o.GetName(), i), pt.Labels)
				pod.Annotations = pt.Annotations
				pod.Spec.Containers = pt.Spec.Containers
				pod.Spec.ServiceAccountName = pt.Spec.ServiceAccountName
				if err := s.add(pod, roleWorkload); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// A fixture's own Pods run.
	return s.each("v1", "Pod", func(o *unstructured.Unstructured) error {
		if _, ok := o.GetAnnotations()[RoleAnnotation]; ok {
			return nil
		}
		if ip, _, _ := unstructured.NestedString(o.Object, "status", "podIP"); ip != "" {
			return nil
		}
		p := s.pod(o.GetNamespace(), o.GetName(), nil)
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&p.Status)
		if err != nil {
			return err
		}
		return unstructured.SetNestedField(o.Object, m, "status")
	})
}

// serviceAddresses gives every Service without one a cluster IP, and node
// ports to the ports of NodePort and LoadBalancer Services.
func (s *synth) serviceAddresses() error {
	used := map[int64]bool{}
	_ = s.each("v1", "Service", func(o *unstructured.Unstructured) error {
		ports, _, _ := unstructured.NestedSlice(o.Object, "spec", "ports")
		for _, p := range ports {
			if n, ok, _ := unstructured.NestedInt64(p.(map[string]any), "nodePort"); ok {
				used[n] = true
			}
		}
		return nil
	})
	return s.each("v1", "Service", func(o *unstructured.Unstructured) error {
		typ, _, _ := unstructured.NestedString(o.Object, "spec", "type")
		if typ == "ExternalName" {
			return nil
		}
		if ip, _, _ := unstructured.NestedString(o.Object, "spec", "clusterIP"); ip == "" {
			s.svcIP++
			if err := unstructured.SetNestedField(o.Object, fmt.Sprintf("10.96.%d.%d", s.svcIP/250, s.svcIP%250+1), "spec", "clusterIP"); err != nil {
				return err
			}
		}
		if typ != "NodePort" && typ != "LoadBalancer" {
			return nil
		}
		ports, _, _ := unstructured.NestedSlice(o.Object, "spec", "ports")
		for _, p := range ports {
			pm := p.(map[string]any)
			if _, ok := pm["nodePort"]; ok {
				continue
			}
			port, _, _ := unstructured.NestedInt64(pm, "port")
			// Node ports from the Service port where they can be
			// (80 → 30080), so that a failure reads plainly.
			n := 30000 + port%2768
			for used[n] {
				n = 30000 + (n-30000+1)%2768
			}
			used[n] = true
			pm["nodePort"] = n
		}
		return unstructured.SetNestedSlice(o.Object, ports, "spec", "ports")
	})
}

// endpoints: an EndpointSlice for every Service with a selector, holding
// the running pods of its namespace that it selects, at the ports its
// target ports resolve to on each (a named target port resolves by the
// pod's container port names; a pod without that name is left out of that
// port, as the endpoint controller does).
func (s *synth) endpoints() error {
	var pods []*corev1.Pod
	if err := s.each("v1", "Pod", func(o *unstructured.Unstructured) error {
		p, err := convert[corev1.Pod](o)
		if err == nil {
			pods = append(pods, p)
		}
		return err
	}); err != nil {
		return err
	}
	return s.each("v1", "Service", func(o *unstructured.Unstructured) error {
		svc, err := convert[corev1.Service](o)
		if err != nil || len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
			return err
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		// One slice per distinct resolution of the ports.
		type slice struct {
			ports     []discoveryv1.EndpointPort
			endpoints []discoveryv1.Endpoint
		}
		var slices_ []*slice
		for _, pod := range pods {
			if pod.Namespace != svc.Namespace || !sel.Matches(labels.Set(pod.Labels)) || pod.Status.PodIP == "" {
				continue
			}
			var eps []discoveryv1.EndpointPort
			for _, sp := range svc.Spec.Ports {
				port := resolveTargetPort(pod, sp)
				if port == 0 {
					continue
				}
				eps = append(eps, discoveryv1.EndpointPort{Name: ptr.To(sp.Name), Port: ptr.To(port), Protocol: ptr.To(cmp.Or(sp.Protocol, corev1.ProtocolTCP)), AppProtocol: sp.AppProtocol})
			}
			var target *slice
			for _, sl := range slices_ {
				if portsKey(sl.ports) == portsKey(eps) {
					target = sl
				}
			}
			if target == nil {
				target = &slice{ports: eps}
				slices_ = append(slices_, target)
			}
			target.endpoints = append(target.endpoints, discoveryv1.Endpoint{
				Addresses:  []string{pod.Status.PodIP},
				Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true), Serving: ptr.To(true), Terminating: ptr.To(false)},
				NodeName:   ptr.To(pod.Spec.NodeName),
				TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name},
			})
		}
		for i, sl := range slices_ {
			es := &discoveryv1.EndpointSlice{
				TypeMeta: metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
				ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-proof-" + strconv.Itoa(i), Namespace: svc.Namespace,
					Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: "proof.krmfn.io"}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints:   sl.endpoints,
				Ports:       sl.ports,
			}
			if err := s.add(es, roleEndpoints); err != nil {
				return err
			}
		}
		return nil
	})
}

func portsKey(ps []discoveryv1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s=%d,", *p.Name, *p.Port)
	}
	return b.String()
}

// resolveTargetPort is the pod's port a Service port sends to; 0 when a
// named target port is not among the pod's container ports.
func resolveTargetPort(pod *corev1.Pod, sp corev1.ServicePort) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal {
					return cp.ContainerPort
				}
			}
		}
		return 0
	default:
		return sp.Port
	}
}

// secrets: the Secret of every cert-manager Certificate, as cert-manager
// issues it (a certificate for its DNS names, from a CA of the proof's
// own), and the data of a kubernetes.io/tls Secret the fixture names
// without any (cluster.yaml says it exists, not what it holds).
func (s *synth) secrets() error {
	if err := s.each("cert-manager.io/v1", "Certificate", func(o *unstructured.Unstructured) error {
		name, _, _ := unstructured.NestedString(o.Object, "spec", "secretName")
		if name == "" || s.find("v1", "Secret", o.GetNamespace(), name) != nil {
			return nil
		}
		dns, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "dnsNames")
		data, err := tlsSecretData(dns)
		if err != nil {
			return err
		}
		return s.add(&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.GetNamespace()}, Type: corev1.SecretTypeTLS, Data: data}, roleSecret)
	}); err != nil {
		return err
	}
	return s.each("v1", "Secret", func(o *unstructured.Unstructured) error {
		typ, _, _ := unstructured.NestedString(o.Object, "type")
		if d, _, _ := unstructured.NestedMap(o.Object, "data"); typ != string(corev1.SecretTypeTLS) || len(d) > 0 {
			return nil
		}
		data, err := tlsSecretData(nil)
		if err != nil {
			return err
		}
		m := map[string]any{}
		for k, v := range data {
			m[k] = base64.StdEncoding.EncodeToString(v)
		}
		return unstructured.SetNestedMap(o.Object, m, "data")
	})
}

// tlsSecretData is a certificate for names (and its key and CA): valid,
// so that istiod takes it, and of no use outside the proof.
func tlsSecretData(names []string) (map[string][]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cn := "proof.krmfn.io"
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return map[string][]byte{
		"tls.crt": crt,
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		"ca.crt":  crt,
	}, nil
}

// namespaces: every namespace an object is in exists, with the
// kubernetes.io/metadata.name label the API server puts on every
// Namespace (an allowedRoutes selector may name it).
func (s *synth) namespaces() error {
	seen := map[string]bool{}
	for _, o := range s.objects {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" {
			seen[o.GetName()] = true
			l := o.GetLabels()
			if l == nil {
				l = map[string]string{}
			}
			l["kubernetes.io/metadata.name"] = o.GetName()
			o.SetLabels(l)
		}
	}
	var missing []string
	for _, o := range s.objects {
		if ns := o.GetNamespace(); ns != "" && !seen[ns] {
			seen[ns] = true
			missing = append(missing, ns)
		}
	}
	slices.Sort(missing)
	for _, ns := range missing {
		n := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}}
		if err := s.add(n, roleNamespace); err != nil {
			return err
		}
	}
	return nil
}

// ingressClasses: every class the Ingresses name is the AWS Load Balancer
// Controller's (ingress.k8s.aws/alb), unless the cluster has it.
func (s *synth) ingressClasses() error {
	var names []string
	_ = s.each("networking.k8s.io/v1", "Ingress", func(o *unstructured.Unstructured) error {
		if c, _, _ := unstructured.NestedString(o.Object, "spec", "ingressClassName"); c != "" && !slices.Contains(names, c) {
			names = append(names, c)
		}
		return nil
	})
	slices.Sort(names)
	for _, n := range names {
		if s.find("networking.k8s.io/v1", "IngressClass", "", n) != nil {
			continue
		}
		ic := &networkingv1.IngressClass{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
			ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: networkingv1.IngressClassSpec{Controller: "ingress.k8s.aws/alb"}}
		if err := s.add(ic, roleClass); err != nil {
			return err
		}
	}
	return nil
}

// ingressBackends lists every backend of an Ingress: its rules' paths and
// its default backend.
func ingressBackends(ing *networkingv1.Ingress) []networkingv1.IngressBackend {
	var out []networkingv1.IngressBackend
	if ing.Spec.DefaultBackend != nil {
		out = append(out, *ing.Spec.DefaultBackend)
	}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			out = append(out, p.Backend)
		}
	}
	return out
}

func fromUnstructured(o *unstructured.Unstructured, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into)
}
