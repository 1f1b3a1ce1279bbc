package fn_test

import (
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestResults checks the KRM results of a run whose items carry file
// annotations, as kpt sends them: each problem names the object, the
// field and the file, and matches its stderr line.
func TestResults(t *testing.T) {
	in := prdResourceList + `
- apiVersion: exposure.krmfn.io/v1alpha1
  kind: ServiceExposure
  metadata:
    name: api
    namespace: prd-api
    annotations:
      internal.config.kubernetes.io/path: apps/api.yaml
      internal.config.kubernetes.io/index: '2'
  spec:
    hosts: [api]
    service: {port: 0}
`
	rl, stderr, err := runResourceList(t, in)
	if err == nil {
		t.Fatal("want the run to fail")
	}
	if len(rl.Items) != 0 {
		t.Errorf("a failed run returned %d items", len(rl.Items))
	}
	want := framework.Results{{
		Severity: framework.Error,
		Message:  "Required value: the port clients and the VirtualService use",
		ResourceRef: &yaml.ResourceIdentifier{
			TypeMeta: yaml.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: string(v1alpha1.KindServiceExposure)},
			NameMeta: yaml.NameMeta{Name: "api", Namespace: "prd-api"},
		},
		Field: &framework.Field{Path: "spec.service.port"},
		File:  &framework.File{Path: "apps/api.yaml", Index: 2},
	}}
	if diff := cmp.Diff(want, rl.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	wantStderr := "apps/api.yaml:2: ServiceExposure prd-api/api: spec.service.port: Required value: the port clients and the VirtualService use\nkrm-fn: 1 error; nothing was rendered\n"
	if stderr != wantStderr {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, wantStderr)
	}
}

// TestWarningsDoNotFail checks that a warning is a warning result, on
// stderr, and that the run still renders.
func TestWarningsDoNotFail(t *testing.T) {
	// The exposure reaches a Service of another namespace: the platform
	// allows it.
	in := strings.Replace(prdResourceList, "spec: {domain: domain.shop}", "spec: {domain: domain.shop, tenancy: {crossNamespace: allow}}", 1) + `
- apiVersion: exposure.krmfn.io/v1alpha1
  kind: ServiceExposure
  metadata: {name: kibana, namespace: observability}
  spec:
    hosts: [logs]
    service: {name: kibana-kb-http, namespace: elastic-system, port: 5601, create: false}
    subsets: [{name: v8, labels: {version: "8"}}]
`
	rl, stderr, err := runResourceList(t, in)
	if err != nil {
		t.Fatalf("a warning failed the run: %v\n%s", err, stderr)
	}
	if len(rl.Items) == 0 {
		t.Error("a run with only warnings rendered nothing")
	}
	if len(rl.Results) != 1 || rl.Results[0].Severity != framework.Warning || rl.Results[0].Field.Path != "metadata.namespace" {
		t.Errorf("want one warning on metadata.namespace, got %v", rl.Results)
	}
	if !strings.HasPrefix(stderr, "warning: ServiceExposure observability/kibana: metadata.namespace: ") {
		t.Errorf("stderr: %q", stderr)
	}
}

// prdResourceList is a ResourceList head with a minimal platform; tests
// append their items.
const prdResourceList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: exposure.krmfn.io/v1alpha1
  kind: ExposurePlatform
  metadata: {name: prd}
  spec: {domain: domain.shop}
items:`

func runResourceList(t *testing.T, in string) (*framework.ResourceList, string, error) {
	t.Helper()
	stdout, stderr, runErr := execute(nil, strings.NewReader(in))
	r := &kio.ByteReader{Reader: stdout}
	items, err := r.Read()
	if err != nil {
		t.Fatalf("output is not a ResourceList: %v", err)
	}
	rl := &framework.ResourceList{Items: items}
	if r.Results != nil {
		if err := r.Results.YNode().Decode(&rl.Results); err != nil {
			t.Fatalf("results do not decode: %v", err)
		}
	}
	return rl, stderr.String(), runErr
}
