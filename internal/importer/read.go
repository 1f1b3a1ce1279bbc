package importer

import (
	"fmt"
	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/yamlout"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// source names an object of the input in messages: its file (and index
// in a file of many), kind, namespace and name.
type source struct {
	file, index           string
	kind, namespace, name string
	labels, annotations   map[string]string
}

func (s source) String() string {
	obj := s.kind + " " + s.name
	if s.namespace != "" {
		obj = s.kind + " " + s.namespace + "/" + s.name
	}
	switch {
	case s.file == "":
		return obj
	case s.index != "" && s.index != "0":
		return s.file + ":" + s.index + ": " + obj
	}
	return s.file + ": " + obj
}

// owner is the exposure krm-fn's owner annotation names, if any: a
// namespace/name, or host:<host> for a shared host.
func (s source) owner() string { return s.annotations[v1alpha1.AnnotationOwner] }

// The objects the importer reads, decoded into their types.
type (
	ingress struct {
		src  source
		spec networkingv1.IngressSpec
	}
	gateway struct {
		src  source
		spec *networking.Gateway
	}
	virtualService struct {
		src  source
		spec *networking.VirtualService
	}
	destinationRule struct {
		src  source
		spec *networking.DestinationRule
		// zeros are the enum fields its trafficPolicy sets to their zero
		// value, which a spec writes as its source did.
		zeros []v1alpha1.ZeroEnum
	}
	service struct {
		src  source
		spec corev1.ServiceSpec
	}
	namespace struct {
		src source
	}
	// certificate is a cert-manager Certificate: the issuer of a Secret
	// the gateway ends TLS with.
	certificate struct {
		src  source
		spec cmv1.CertificateSpec
	}
)

// inventory is every object of the input the importer reads; the others
// are not exposure settings and stay as they are.
type inventory struct {
	ingresses        []*ingress
	gateways         []*gateway
	virtualServices  []*virtualService
	destinationRules []*destinationRule
	services         []*service
	namespaces       []*namespace
	certificates     []*certificate
}

// Problem is an input the importer cannot read: the object and field,
// and what is wrong.
type Problem struct {
	Object string
	Field  string
	Detail string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Object + ": " + p.Detail
	}
	return p.Object + ": " + p.Field + ": " + p.Detail
}

// Problems are the inputs the importer could not read.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// istioKinds are the Istio kinds the importer reads, in any version
// Istio serves (istioVersion).
var istioKinds = []emit.Kind{emit.KindGateway, emit.KindVirtualService, emit.KindDestinationRule}

// read decodes the objects of nodes the importer knows, each strictly:
// every problem names the object and field.
func read(nodes []*yaml.RNode) (*inventory, Problems) {
	inv := &inventory{}
	var probs Problems
	for i, n := range nodes {
		if n.YNode().Kind != yaml.MappingNode {
			continue
		}
		if msg, path := krmio.NotAnObject(n, fmt.Sprintf("document %d of the input", i+1)); msg != "" {
			probs = append(probs, Problem{Object: fmt.Sprintf("document %d of the input", i+1), Field: path.String(), Detail: msg})
			continue
		}
		src := sourceOf(n)
		api, kind := n.GetApiVersion(), n.GetKind()
		k, current := emit.KindOf(api, kind) // of the kinds krm-fn renders, in the version it renders
		var errs field.ErrorList
		switch {
		case current && k == emit.KindIngress:
			var obj networkingv1.Ingress
			if errs = strict(n, &obj); len(errs) == 0 {
				inv.ingresses = append(inv.ingresses, &ingress{src: src, spec: obj.Spec})
			}
		case kind == emit.KindIngress.String() && (api == "extensions/v1beta1" || api == "networking.k8s.io/v1beta1"):
			var obj legacyIngress
			if errs = strict(n, &obj); len(errs) == 0 {
				inv.ingresses = append(inv.ingresses, &ingress{src: src, spec: obj.Spec.v1()})
			}
		case istioVersion(api) && slices.ContainsFunc(istioKinds, func(k emit.Kind) bool { return k.String() == kind }):
			errs = readIstio(n, src, kind, inv)
		case current && k == emit.KindService:
			var obj corev1.Service
			if errs = strict(n, &obj); len(errs) == 0 {
				inv.services = append(inv.services, &service{src: src, spec: obj.Spec})
			}
		case current && k == emit.KindNamespace:
			inv.namespaces = append(inv.namespaces, &namespace{src: src})
		case current && k == emit.KindCertificate:
			var obj cmv1.Certificate
			if errs = strict(n, &obj); len(errs) == 0 {
				inv.certificates = append(inv.certificates, &certificate{src: src, spec: obj.Spec})
			}
		}
		for _, e := range errs {
			if e.Field == "" {
				probs = append(probs, Problem{Object: src.String(), Detail: e.Detail})
				continue
			}
			probs = append(probs, Problem{Object: src.String(), Field: e.Field, Detail: e.ErrorBody()})
		}
	}
	return inv, probs
}

// istioVersion says whether api is a version of Istio's networking API
// the importer reads.
func istioVersion(api string) bool {
	group, version, _ := strings.Cut(api, "/")
	if group != emit.KindVirtualService.Group() {
		return false
	}
	switch version {
	case "v1alpha3", "v1beta1", "v1":
		return true
	}
	return false
}

func sourceOf(n *yaml.RNode) source {
	file, index, _ := kioutil.GetFileAnnotations(n)
	return source{
		file: file, index: index,
		kind: n.GetKind(), namespace: n.GetNamespace(), name: n.GetName(),
		labels: n.GetLabels(), annotations: userAnnotations(n.GetAnnotations()),
	}
}

// userAnnotations are the annotations of an object but those kustomize and
// kpt use to track it (its file, index, id and previous names).
func userAnnotations(a map[string]string) map[string]string {
	for k := range a {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.k8s.io/") {
			delete(a, k)
		}
	}
	return a
}

// strict decodes n into obj as kube-apiserver's strict field validation
// does: unknown and duplicate fields are errors with their paths.
func strict(n *yaml.RNode, obj any) field.ErrorList {
	data, err := yamlout.JSON(n)
	if err != nil {
		return field.ErrorList{{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: err.Error()}}
	}
	strictErrs, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		return field.ErrorList{{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: err.Error()}}
	}
	var errs field.ErrorList
	for _, e := range strictErrs {
		msg := e.Error()
		if m := strictError.FindStringSubmatch(msg); m != nil {
			errs = append(errs, &field.Error{Type: field.ErrorTypeNotSupported, Field: m[2], BadValue: field.OmitValueType{}, Detail: m[1] + " field"})
		} else {
			errs = append(errs, &field.Error{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: msg})
		}
	}
	return errs
}

// strictError is how sigs.k8s.io/json names an unknown or duplicate field.
var strictError = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)

func readIstio(n *yaml.RNode, src source, kind string, inv *inventory) field.ErrorList {
	spec := n.Field("spec")
	if spec == nil {
		return field.ErrorList{field.Required(field.NewPath("spec"), "")}
	}
	raw, err := yamlout.JSON(spec.Value)
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("spec"), field.OmitValueType{}, err.Error())}
	}
	path := field.NewPath("spec")
	switch kind {
	case "Gateway":
		g := &gateway{src: src, spec: &networking.Gateway{}}
		return decodeInto(path, raw, g.spec, func() { inv.gateways = append(inv.gateways, g) })
	case "VirtualService":
		vs := &virtualService{src: src, spec: &networking.VirtualService{}}
		return decodeInto(path, raw, vs.spec, func() { inv.virtualServices = append(inv.virtualServices, vs) })
	default:
		dr := &destinationRule{src: src, spec: &networking.DestinationRule{}}
		return decodeInto(path, raw, dr.spec, func() {
			for _, z := range v1alpha1.ZeroEnumsOf(raw, dr.spec) {
				if z.Path[0] == "trafficPolicy" {
					dr.zeros = append(dr.zeros, v1alpha1.ZeroEnum{Path: z.Path[1:], Name: z.Name})
				}
			}
			inv.destinationRules = append(inv.destinationRules, dr)
		})
	}
}

// decodeInto decodes raw into m and, when it decodes, calls keep.
func decodeInto(path *field.Path, raw []byte, m proto.Message, keep func()) field.ErrorList {
	errs := v1alpha1.DecodeIstio(path, json.RawMessage(raw), m)
	if len(errs) == 0 {
		keep()
	}
	return errs
}
