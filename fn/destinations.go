package fn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// destinations checks the destinations of routes (and mirrors) that
// send to another exposure's Service, which the environment has resolved
// (model.Environment): a Service no exposure of the input exposes needs
// its port and can have no subset; a subset must be one that exposure
// defines, and apply wherever the routing that sends to it does.
func destinations(env *model.Environment, xs exposures) []problem {
	var ps []problem
	for _, s := range xs.list {
		for i := range s.x.Routes {
			r := &s.x.Routes[i]
			p := field.NewPath("spec", "routes").Index(i)
			for j := range r.Backends {
				ps = append(ps, destination(env, s, &r.Backends[j], p.Child("backends").Index(j))...)
			}
			if r.Mirror != nil {
				ps = append(ps, destination(env, s, r.Mirror, p.Child("mirror"))...)
			}
		}
		for i := range s.x.TCP {
			for j := range s.x.TCP[i].Backends {
				ps = append(ps, destination(env, s, &s.x.TCP[i].Backends[j], field.NewPath("spec", "tcp").Index(i).Child("backends").Index(j))...)
			}
		}
	}
	return ps
}

// destination checks d, a destination of exposure s at path p.
func destination(env *model.Environment, s exposure, d *model.Destination, p *field.Path) []problem {
	if d.OtherService == "" {
		return nil
	}
	other, exposed := env.ServiceExposure(d.OtherService)
	var ps []problem
	if d.Port == 0 { // no exposure to take it from
		ps = append(ps, s.problem(framework.Error, p.Child("port"),
			field.Required(p.Child("port"), fmt.Sprintf("no exposure of Service %s is in the input to take its port from: set port", d.OtherService)).ErrorBody()))
	}
	if d.Subset == "" {
		return ps
	}
	if !exposed {
		return append(ps, s.problem(framework.Error, p.Child("subset"),
			field.NotFound(p.Child("subset"), d.Subset).ErrorBody()+fmt.Sprintf(": no exposure of Service %s is in the input, and subsets are its exposure's (spec.subsets)", d.OtherService)))
	}
	if !other.DefinesSubset(d.Subset) {
		return append(ps, s.problem(framework.Error, p.Child("subset"),
			field.NotFound(p.Child("subset"), d.Subset).ErrorBody()+fmt.Sprintf(": the exposure of Service %s (ServiceExposure %s) defines no such subset", d.OtherService, other.Owner)))
	}
	// The subset is in other's DestinationRule: it must apply wherever
	// this routing does. The gateway's namespace is added to it
	// (model.Exposure.DestinationRuleExportTo); the sidecars' namespaces
	// are the exposures' to agree on.
	if s.x.Mesh {
		if ns, ok := notExported(other, s.x); !ok {
			ps = append(ps, s.problem(framework.Error, p.Child("subset"),
				fmt.Sprintf("subset %q is in the DestinationRule of ServiceExposure %s, which applies in %s only (its spec.exportTo), and this routing applies inside the mesh in %s too: clients there would find no such subset; export it there, or narrow spec.exportTo here",
					d.Subset, other.Owner, namespaces(other.ExportTo, other.Namespace), ns)))
		}
	}
	return ps
}

// notExported says where the mesh routing of x applies and other's
// DestinationRule does not: "" and true when nowhere.
func notExported(other, x *model.Exposure) (string, bool) {
	if len(other.ExportTo) == 0 || slices.Contains(other.ExportTo, "*") {
		return "", true
	}
	if len(x.ExportTo) == 0 || slices.Contains(x.ExportTo, "*") {
		return "every namespace", false
	}
	for _, e := range x.ExportTo {
		ns := e
		if e == "." {
			ns = x.Namespace
		}
		if !model.Exported(other.ExportTo, other.Namespace, ns) {
			return "namespace " + ns, false
		}
	}
	return "", true
}

// namespaces names the namespaces of an exportTo ("." resolved to own).
func namespaces(exportTo []string, own string) string {
	names := make([]string, len(exportTo))
	for i, e := range exportTo {
		if e == "." {
			e = own
		}
		names[i] = e
	}
	if len(names) == 1 {
		return "namespace " + names[0]
	}
	return "namespaces " + strings.Join(names, ", ")
}
