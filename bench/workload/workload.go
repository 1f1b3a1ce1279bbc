// Package workload generates the benchmark's environments: N services
// across M namespaces, each exposed with a ServiceExposure, laid out for
// every way the benchmark renders them (the function alone, kustomize with
// krm-fn, kustomize over the same output written by hand, helm template).
//
// Every file is marshalled from typed objects: the exposures from the
// API's types, the kustomizations from kustomize's, the hand-written
// output from what the krm-fn program renders. It imports no package of
// krm-fn but its API: the benchmark runs the built program.
package workload

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// Options says how big an environment is.
type Options struct {
	Services   int // how many services (one ServiceExposure each)
	Namespaces int // how many namespaces they are spread across
	// KrmFn is the krm-fn program whose rendering Write lays out as a
	// team would write it by hand (HandwrittenDir). Default: krm-fn, on
	// PATH.
	KrmFn string
	// Render, if set, renders the ResourceList instead of KrmFn (a test
	// renders in process).
	Render func(resourceList []byte) ([]byte, error)
}

// The directories Write creates under its root.
const (
	ExposuresDir   = "exposures"   // exposures/<ns>/<svc>.yaml, a kustomization per namespace
	TransformerDir = "transformer" // the overlay: the exposures + the ExposurePlatform transformer
	HandwrittenDir = "handwritten" // the same output written out by hand: handwritten/<ns>/<svc>.yaml
	GeneratorDir   = "generator"   // one generator per service (see Generator)
	ResourceList   = "resourcelist.yaml"
	HelmValues     = "values.yaml" // values for bench/chart
)

// Write writes the environment o under dir.
func Write(dir string, o Options) error {
	if o.Services < 1 || o.Namespaces < 1 {
		return fmt.Errorf("workload: want at least one service and one namespace, got %+v", o)
	}
	platform := Platform()
	exposures := Exposures(o)

	files := map[string][]byte{}
	nsResources := map[string][]string{}
	var namespaces []string
	for _, e := range exposures {
		if _, ok := nsResources[e.Namespace]; !ok {
			namespaces = append(namespaces, e.Namespace)
		}
		nsResources[e.Namespace] = append(nsResources[e.Namespace], e.Name+".yaml")
		b, err := yaml.Marshal(e)
		if err != nil {
			return err
		}
		files[filepath.Join(ExposuresDir, e.Namespace, e.Name+".yaml")] = b
	}
	var overlay []string
	for _, ns := range namespaces {
		files[filepath.Join(ExposuresDir, ns, "kustomization.yaml")] = kustomization(nsResources[ns], nil, nil)
		overlay = append(overlay, "../"+ExposuresDir+"/"+ns)
	}

	annotated := *platform
	annotated.Annotations = map[string]string{runtimeutil.FunctionAnnotationKey: "exec:\n  path: krm-fn\n"}
	pb, err := yaml.Marshal(&annotated)
	if err != nil {
		return err
	}
	files[filepath.Join(TransformerDir, "platform.yaml")] = pb
	files[filepath.Join(TransformerDir, "kustomization.yaml")] = kustomization(overlay, []string{"platform.yaml"}, nil)

	rl, err := resourceList(platform, exposures)
	if err != nil {
		return err
	}
	files[ResourceList] = rl

	hand, err := handwritten(o, rl)
	if err != nil {
		return err
	}
	for k, v := range hand {
		files[filepath.Join(HandwrittenDir, k)] = v
	}

	gen, err := generator(o)
	if err != nil {
		return err
	}
	for k, v := range gen {
		files[filepath.Join(GeneratorDir, k)] = v
	}

	vb, err := yaml.Marshal(helmValues(platform, exposures))
	if err != nil {
		return err
	}
	files[HelmValues] = vb

	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Platform is the environment's ExposurePlatform: the example prd overlay's
// settings.
func Platform() *v1alpha1.ExposurePlatform {
	return &v1alpha1.ExposurePlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: string(v1alpha1.KindExposurePlatform)},
		ObjectMeta: metav1.ObjectMeta{Name: "bench"},
		Spec: v1alpha1.ExposurePlatformSpec{
			Domain: "bench.example.com",
			ALB: v1alpha1.ALBSpec{
				Scheme:          "internet-facing",
				CertificateARNs: []string{"arn:aws:acm:ap-northeast-2:111122223333:certificate/8b3e4f50-6c7d-4e8f-a091-2c3d4e5f6a73"},
				SSLPolicy:       "ELBSecurityPolicy-TLS13-1-2-2021-06",
				Group:           "bench-public",
				Annotations: map[string]string{
					"alb.ingress.kubernetes.io/load-balancer-attributes": "idle_timeout.timeout_seconds=60",
					"alb.ingress.kubernetes.io/tags":                     "env=bench,team=platform",
				},
			},
			Injection: v1alpha1.InjectionNamespace,
		},
	}
}

// Exposures are the environment's services: svc-NNNNN, spread round-robin
// over team-NN namespaces. Some vary, so that every builder branch the
// example uses is exercised: every third has a second host, every fourth
// speaks gRPC, every other one retries, and every fifth serves an API
// under /api/ as well, with the prefix stripped, header operations and a
// CORS policy.
func Exposures(o Options) []*v1alpha1.ServiceExposure {
	var out []*v1alpha1.ServiceExposure
	for i := range o.Services {
		name := fmt.Sprintf("svc-%05d", i)
		e := &v1alpha1.ServiceExposure{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: string(v1alpha1.KindServiceExposure)},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: fmt.Sprintf("team-%02d", i%o.Namespaces)},
			Spec: v1alpha1.ServiceExposureSpec{
				Hosts:   []string{name},
				Service: v1alpha1.ServiceSpec{Port: 8080},
				Routes:  []v1alpha1.Route{{Match: v1alpha1.Match{Prefix: "/"}, Timeout: v1alpha1.ParseDuration("10s")}},
			},
		}
		if i%3 == 0 {
			e.Spec.Hosts = append(e.Spec.Hosts, name+"-v2")
		}
		if i%4 == 0 {
			e.Spec.Service.Protocol = v1alpha1.ProtocolGRPC
			tp := intstr.FromString("grpc")
			e.Spec.Service.TargetPort = &tp
		}
		if i%2 == 0 {
			e.Spec.Routes[0].Retries = &v1alpha1.Retries{Attempts: 3, PerTryTimeout: v1alpha1.ParseDuration("2s"), RetryOn: "5xx,connect-failure"}
		}
		if i%5 == 0 {
			e.Spec.Routes = append([]v1alpha1.Route{apiRoute()}, e.Spec.Routes...)
		}
		out = append(out, e)
	}
	return out
}

// apiRoute is the route of the services that serve an API under /api/.
func apiRoute() v1alpha1.Route {
	return v1alpha1.Route{
		Name:            "api",
		Match:           v1alpha1.Match{Prefix: "/api/"},
		Rewrite:         &v1alpha1.Rewrite{Prefix: "/"},
		RequestHeaders:  &v1alpha1.HeaderOps{Set: map[string]string{"x-forwarded-prefix": "/api"}},
		ResponseHeaders: &v1alpha1.HeaderOps{Remove: []string{"server"}},
		CORS: &v1alpha1.CORS{
			AllowOrigins: []v1alpha1.StringMatch{{Exact: "https://app.bench.example.com"}},
			AllowMethods: []string{"GET", "POST"},
			MaxAge:       v1alpha1.ParseDuration("86400s"), // as Istio prints it, which the chart writes as it is
		},
	}
}

func kustomization(resources, transformers, generators []string) []byte {
	k := types.Kustomization{
		TypeMeta:     types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources:    resources,
		Transformers: transformers,
		Generators:   generators,
	}
	b, err := yaml.Marshal(k)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return b
}

// resourceList is the function's input as kustomize hands it over.
func resourceList(platform *v1alpha1.ExposurePlatform, exposures []*v1alpha1.ServiceExposure) ([]byte, error) {
	config, err := toRNode(platform)
	if err != nil {
		return nil, err
	}
	var items []*kyaml.RNode
	for _, e := range exposures {
		n, err := toRNode(e)
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
	var out bytes.Buffer
	w := kio.ByteWriter{Writer: &out, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: config}
	if err := w.Write(items); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func toRNode(obj any) (*kyaml.RNode, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return kyaml.Parse(string(b))
}

// handwritten is the function's output for rl laid out as a team would
// write it by hand: a file per service with its objects, a kustomization
// per namespace, the Namespaces in one file.
func handwritten(o Options, rl []byte) (map[string][]byte, error) {
	render := o.Render
	if render == nil {
		render = func(rl []byte) ([]byte, error) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(cmp.Or(o.KrmFn, "krm-fn"))
			cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(rl), &stdout, &stderr
			if err := cmd.Run(); err != nil {
				return nil, fmt.Errorf("%s: %v\n%s", cmd.Path, err, stderr.String())
			}
			return stdout.Bytes(), nil
		}
	}
	rendered, err := render(rl)
	if err != nil {
		return nil, fmt.Errorf("rendering the workload: %w", err)
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(rendered), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	byFile := map[string][]*kyaml.RNode{}
	var order []string
	nsFiles := map[string][]string{}
	var namespaces []string
	for _, it := range items {
		file := "namespaces.yaml"
		if owner := it.GetAnnotations()[v1alpha1.AnnotationOwner]; owner != "" {
			ns, name, _ := strings.Cut(owner, "/")
			file = filepath.Join(ns, name+".yaml")
			if _, ok := nsFiles[ns]; !ok {
				namespaces = append(namespaces, ns)
			}
			if _, ok := byFile[file]; !ok {
				nsFiles[ns] = append(nsFiles[ns], name+".yaml")
			}
		}
		if _, ok := byFile[file]; !ok {
			order = append(order, file)
		}
		byFile[file] = append(byFile[file], it)
	}
	out := map[string][]byte{}
	for _, file := range order {
		var b bytes.Buffer
		if err := (kio.ByteWriter{Writer: &b}).Write(byFile[file]); err != nil {
			return nil, err
		}
		out[file] = b.Bytes()
	}
	top := []string{"namespaces.yaml"}
	for _, ns := range namespaces {
		out[filepath.Join(ns, "kustomization.yaml")] = kustomization(nsFiles[ns], nil, nil)
		top = append(top, ns)
	}
	out["kustomization.yaml"] = kustomization(top, nil, nil)
	return out, nil
}

// generator lays the services out for krm-fn's generator mode: one
// generator per service. kustomize hands a generator nothing but its own
// config, so the platform is krm-fn's built-in default: hosts are fully
// qualified, gRPC services speak HTTP (the default has no certificate for
// the HTTPS listener gRPC needs), and each service has a namespace of its own (a generator
// emits the Namespace it labels, and kustomize refuses two generators
// emitting the same one).
func generator(o Options) (map[string][]byte, error) {
	out := map[string][]byte{}
	var gens []string
	for _, e := range Exposures(o) {
		e.Namespace = e.Name
		// The built-in platform has no certificate, and gRPC through the
		// ALB needs an HTTPS listener.
		if e.Spec.Service.Protocol == v1alpha1.ProtocolGRPC {
			e.Spec.Service.Protocol, e.Spec.Service.TargetPort = "", nil
		}
		for i, h := range e.Spec.Hosts {
			e.Spec.Hosts[i] = h + "." + Platform().Spec.Domain
		}
		e.Annotations = map[string]string{runtimeutil.FunctionAnnotationKey: "exec:\n  path: krm-fn\n"}
		b, err := yaml.Marshal(e)
		if err != nil {
			return nil, err
		}
		out[e.Name+".yaml"] = b
		gens = append(gens, e.Name+".yaml")
	}
	out["kustomization.yaml"] = kustomization(nil, nil, gens)
	return out, nil
}

// Values are the values bench/chart renders: the same platform and specs
// a helm user would write, in the chart's own shape.
type Values struct {
	Platform v1alpha1.ExposurePlatformSpec `json:"platform"`
	Services []ServiceValues               `json:"services"`
}

// ServiceValues is one service of Values.
type ServiceValues struct {
	Name      string                       `json:"name"`
	Namespace string                       `json:"namespace"`
	Spec      v1alpha1.ServiceExposureSpec `json:"spec"`
}

func helmValues(platform *v1alpha1.ExposurePlatform, exposures []*v1alpha1.ServiceExposure) Values {
	v := Values{Platform: platform.Spec}
	for _, e := range exposures {
		v.Services = append(v.Services, ServiceValues{Name: e.Name, Namespace: e.Namespace, Spec: e.Spec})
	}
	return v
}
