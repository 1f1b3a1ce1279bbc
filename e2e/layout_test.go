package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/render"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// layout is the layout of testdata/layouts/kustomize-native (its README).
const layout = "../testdata/layouts/kustomize-native"

// TestLayoutRenamesAndMoves builds an overlay that sets namePrefix,
// namespace, labels and commonAnnotations and patches a spec, with the
// platform a directory of the overlay's transformers, and checks what a
// platform team would: kustomize and krm-fn render print the same bytes,
// every Service selects the pods of its workload, every name an object
// writes names an object of the output, the Ingresses stay beside the
// gateway's Service, the overlay's labels and annotations reach every
// object krm-fn renders, and the patch took.
func TestLayoutRenamesAndMoves(t *testing.T) {
	dir := filepath.Join(layout, "overlays", "dev")
	out := kustomizeBuild(t, dir)
	sameBytes(t, "krm-fn render "+dir, renderDir(t, dir, false), out)

	objs, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*yaml.RNode{}
	for _, o := range objs {
		byID[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = o
	}
	has := func(id string) bool { _, ok := byID[id]; return ok }
	service := func(fqdn string) string {
		name, rest, _ := strings.Cut(fqdn, ".")
		ns, _, _ := strings.Cut(rest, ".")
		return "Service " + ns + "/" + name
	}

	generated := 0
	for _, o := range objs {
		id := o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
		switch o.GetKind() {
		case "Service":
			// The Service selects the pods of a Deployment of its namespace.
			sel, err := o.Pipe(yaml.Lookup("spec", "selector"))
			if err != nil || sel == nil {
				t.Fatalf("%s has no selector", id)
			}
			want, _ := sel.Map()
			selects := false
			for _, d := range objs {
				if d.GetKind() != "Deployment" || d.GetNamespace() != o.GetNamespace() {
					continue
				}
				labels, _ := d.Pipe(yaml.Lookup("spec", "template", "metadata", "labels"))
				got, _ := labels.Map()
				selects = selects || matches(want, got)
			}
			if !selects {
				t.Errorf("%s selects %v, and no Deployment of %s has such pods: a Service without endpoints", id, want, o.GetNamespace())
			}
		case "VirtualService":
			for _, g := range strings.Fields(lookupAll(t, o, "spec", "gateways")) {
				if ns, name, _ := strings.Cut(g, "/"); !has("Gateway " + ns + "/" + name) {
					t.Errorf("%s is bound to Gateway %s, which is not in the output", id, g)
				}
			}
			for _, h := range strings.Fields(lookupDestinations(t, o)) {
				if !has(service(h)) {
					t.Errorf("%s routes to %s, and %s is not in the output", id, h, service(h))
				}
			}
		case "DestinationRule":
			if h := lookup(t, o, "spec", "host"); !has(service(h)) {
				t.Errorf("%s is for %s, and %s is not in the output", id, h, service(h))
			}
		case "Ingress":
			if o.GetNamespace() != "istio-system" {
				t.Errorf("%s is in namespace %s: an Ingress reaches Services of its own namespace only, and the gateway's is in istio-system", id, o.GetNamespace())
			}
		}
		if o.GetLabels()[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue {
			continue
		}
		generated++
		if o.GetLabels()["team"] != "payments" || o.GetAnnotations()["contact"] != "payments-oncall" {
			t.Errorf("%s lacks the overlay's label team: payments or annotation contact: payments-oncall: %v %v", id, o.GetLabels(), o.GetAnnotations())
		}
	}
	if generated != 10 {
		t.Errorf("krm-fn rendered %d objects, want a Namespace and, for each of two exposures, a Gateway, VirtualService, DestinationRule and Ingress, and one Service", generated)
	}
	vs := byID["VirtualService dev/dev-payments"]
	if vs == nil {
		t.Fatal("no VirtualService dev/dev-payments: the overlay's namePrefix and namespace did not reach it")
	}
	if s, _ := vs.String(); !strings.Contains(s, "timeout: 5s") || !strings.Contains(s, "host: dev-ledger.dev.svc.cluster.local") {
		t.Errorf("VirtualService dev/dev-payments lacks the patch's timeout or the route to the renamed ledger:\n%s", s)
	}
}

// TestLayoutRefusesEarlyPlatform builds the layouts where krm-fn would run
// before the overlay renames and moves what it renders: the platform in a
// Component (kustomize and krm-fn render both refuse it, saying what to
// write instead), and in a base an overlay renames (krm-fn render refuses
// it; kustomize cannot tell krm-fn, which then renders names the overlay
// changes afterwards).
func TestLayoutRefusesEarlyPlatform(t *testing.T) {
	self, err := exec.LookPath("krm-fn")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, want string
		kustomize  bool
	}{
		{"component", "krm-fn runs from the Component", true},
		{"base-platform", "which includes it, then renames or moves objects", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(layout, "refused", c.name)
			if c.kustomize {
				var stderr bytes.Buffer
				cmd := exec.Command(kustomizeBinary(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
				cmd.Stderr = &stderr
				if out, err := cmd.Output(); err == nil || len(out) > 0 || !strings.Contains(stderr.String(), c.want) {
					t.Errorf("kustomize build %s: %v, %d bytes out, want a failure saying %q:\n%s", dir, err, len(out), c.want, stderr.String())
				}
			}
			var stderr bytes.Buffer
			out, err := render.Render(dir, render.Options{Policy: render.Policy{Root: layout}, Self: self, Stderr: &stderr})
			if err == nil || len(out) > 0 || !strings.Contains(err.Error()+stderr.String(), c.want) {
				t.Errorf("krm-fn render %s: %v, %d bytes out, want a failure saying %q:\n%s", dir, err, len(out), c.want, stderr.String())
			}
		})
	}
}

// matches says whether labels has every pair of selector.
func matches(selector, labels map[string]any) bool {
	for _, k := range slices.Sorted(maps.Keys(selector)) {
		if labels[k] != selector[k] {
			return false
		}
	}
	return len(selector) > 0
}

// lookupAll is the scalars of the list at path in n, space-separated.
func lookupAll(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	l, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || l == nil {
		t.Fatalf("%s %s has no %s", n.GetKind(), n.GetName(), strings.Join(path, "."))
	}
	var out []string
	for _, e := range l.YNode().Content {
		out = append(out, e.Value)
	}
	return strings.Join(out, " ")
}

// lookupDestinations is the destination hosts of a VirtualService's http
// routes, space-separated.
func lookupDestinations(t *testing.T, vs *yaml.RNode) string {
	t.Helper()
	routes, err := vs.Pipe(yaml.Lookup("spec", "http"))
	if err != nil || routes == nil {
		t.Fatalf("VirtualService %s has no http routes", vs.GetName())
	}
	var hosts []string
	for _, r := range routes.YNode().Content {
		dests, _ := yaml.NewRNode(r).Pipe(yaml.Lookup("route"))
		if dests == nil {
			continue
		}
		for _, d := range dests.YNode().Content {
			h, _ := yaml.NewRNode(d).Pipe(yaml.Lookup("destination", "host"))
			if h != nil {
				hosts = append(hosts, fmt.Sprint(yaml.GetValue(h)))
			}
		}
	}
	return strings.Join(hosts, " ")
}

// TestValidateJudgesBuilds runs krm-fn validate as a user would on a copy
// of the layout with files beside the specs that are no Kubernetes
// objects: the overlay is built, its patch file (a partial spec) and its
// base specs (without a namespace) are judged by it, the other YAML is
// skipped; a broken patch fails, naming the overlay, the object and the
// field.
func TestValidateJudgesBuilds(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, layout, dir)
	if err := os.RemoveAll(filepath.Join(dir, "refused")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".pre-commit-hooks.yaml"), "- id: krm-fn-check\n  name: krm-fn check\n")
	for _, d := range []string{"chart/templates", "ci"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "chart", "templates", "web.yaml"), "{{- range .Values.services }}\nkind: Service\n{{- end }}\n")
	write(t, filepath.Join(dir, "ci", "values.yaml"), "replicas: 3\nimage: {tag: v1}\n")
	validate := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := exec.Command("krm-fn", append([]string{"validate"}, args...)...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := validate("."); err != nil || !strings.Contains(out, "krm-fn validate: 1 overlay built") {
		t.Fatalf("krm-fn validate . on a layout kustomize builds: %v\n%s", err, out)
	}
	if out, err := validate("overlays", ".pre-commit-hooks.yaml"); err == nil || !strings.Contains(out, ".pre-commit-hooks.yaml") {
		t.Errorf("krm-fn validate of a file named explicitly that is no Kubernetes object: %v, want it refused, naming the file\n%s", err, out)
	}

	write(t, filepath.Join(dir, "overlays", "dev", "exposure-timeout.yaml"), `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: payments}
spec:
  routes:
  - match: {prefix: /}
    timeout: 30 seconds
`)
	if out, err := validate("overlays"); err == nil || !strings.Contains(out, "(in overlays/dev)") ||
		!strings.Contains(out, "ServiceExposure dev/dev-payments: spec.routes[0].timeout") {
		t.Errorf("krm-fn validate with a broken patch: %v, want it to fail naming the overlay and the field:\n%s", err, out)
	}
}
