package fn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// otherServices resolves the destinations of routes (and mirrors) that
// send to another exposure's Service: a port left out is that exposure's
// Service port, a subset must be one it defines. A Service no exposure of
// the input exposes needs its port, and can have no subset.
func otherServices(srcs []source) []problem {
	byService := map[string]*model.Exposure{}
	for _, s := range srcs {
		byService[s.x.Service.Namespace+"/"+s.x.Service.Name] = s.x
	}
	var ps []problem
	for _, s := range srcs {
		for i := range s.x.Routes {
			r := &s.x.Routes[i]
			p := field.NewPath("spec", "routes").Index(i)
			for j := range r.Backends {
				ps = append(ps, resolveOther(s, &r.Backends[j], p.Child("backends").Index(j), byService)...)
			}
			if r.Mirror != nil {
				ps = append(ps, resolveOther(s, r.Mirror, p.Child("mirror"), byService)...)
			}
		}
	}
	return ps
}

func resolveOther(s source, d *model.Destination, p *field.Path, byService map[string]*model.Exposure) []problem {
	if d.OtherService == "" {
		return nil
	}
	other, exposed := byService[d.OtherService]
	// The gateway applies s's routes if s has hosts (its own routing only:
	// not other's, which a route sends to directly).
	if exposed && len(s.x.Hosts)+len(s.x.SharedHosts) > 0 {
		other.GatewayRouted = true
	}
	var ps []problem
	switch {
	case d.Port == 0 && exposed:
		d.Port = other.Service.Port
	case d.Port == 0:
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
	if !slices.ContainsFunc(other.Subsets, func(sub v1alpha1.Subset) bool { return sub.Name == d.Subset }) {
		return append(ps, s.problem(framework.Error, p.Child("subset"),
			field.NotFound(p.Child("subset"), d.Subset).ErrorBody()+fmt.Sprintf(": the exposure of Service %s (ServiceExposure %s) defines no such subset", d.OtherService, other.Owner)))
	}
	other.RoutedSubsets[d.Subset] = true
	// The subset is in other's DestinationRule: it must apply wherever
	// this routing does. The gateway's namespace is added to it (below);
	// the sidecars' namespaces are the exposures' to agree on.
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
