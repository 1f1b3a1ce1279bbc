package yamlout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestWriteItemsMatchesByteWriter checks WriteItems against what
// kio.ByteWriter writes for the same items (the objects encoded first),
// for every way krm-fn writes (a ResourceList, documents, files), with
// few and with many items (several parts per worker), and inputs of every
// shape before the objects.
func TestWriteItemsMatchesByteWriter(t *testing.T) {
	shapes, err := (&kio.ByteReader{Reader: strings.NewReader(printerShapes)}).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 2, 300} {
		var objects []Lazy
		for i := range n {
			objects = append(objects, func() (any, error) { return service(i), nil })
		}
		for name, w := range printerWriters {
			for _, nodes := range [][]*yaml.RNode{nil, shapes} {
				t.Run(fmt.Sprintf("%s/%d objects/%d items", name, n, len(nodes)), func(t *testing.T) {
					encoded, err := EncodeAll(objects)
					if err != nil {
						t.Fatal(err)
					}
					var want, got bytes.Buffer
					ww, wg := w, w
					ww.Writer, wg.Writer = &want, &got
					if err := ww.Write(append(copyNodes(nodes), encoded...)); err != nil {
						t.Fatal(err)
					}
					if err := WriteItems(wg, copyNodes(nodes), objects); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Errorf("WriteItems wrote\n%s\nkio.ByteWriter writes\n%s", got.String(), want.String())
					}
				})
			}
		}
	}
}

func copyNodes(nodes []*yaml.RNode) []*yaml.RNode {
	out := make([]*yaml.RNode, len(nodes))
	for i, n := range nodes {
		out[i] = n.Copy()
	}
	return out
}

// service is a typed object of the kind krm-fn writes most.
func service(i int) *corev1.Service {
	proto := "http"
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: "ns", Labels: map[string]string{"app": "x", "n": fmt.Sprint(i)}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": fmt.Sprintf("svc-%d", i)},
			Ports:    []corev1.ServicePort{{Name: "http-80", Port: 80, TargetPort: intstr.FromString("http"), AppProtocol: &proto}},
		},
	}
}
