package fn

import (
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// warnings are the settings that render but will not do what they say.
// They are reported and do not fail the run.
func warnings(srcs []source, p *v1alpha1.ExposurePlatformSpec) []problem {
	var ps []problem
	for _, s := range srcs {
		x := s.x
		// Istio looks a DestinationRule up in the client's namespace (the
		// gateway's) and the Service's; one elsewhere does not apply.
		if (len(x.Subsets) > 0 || x.Policy != nil) && x.Namespace != x.Service.Namespace && x.Namespace != p.Gateway.Namespace {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("metadata", "namespace"),
				fmt.Sprintf("the DestinationRule goes to namespace %s, where the ingress gateway does not look for it (it looks in %s and %s): its subsets and trafficPolicy will not apply; put the exposure in namespace %s",
					x.Namespace, p.Gateway.Namespace, x.Service.Namespace, x.Service.Namespace)))
		}
	}
	return ps
}
