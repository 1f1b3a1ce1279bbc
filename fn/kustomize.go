package fn

import (
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What kustomize tells a function of the build it runs in. When an
// overlay's namePrefix, nameSuffix or namespace (or a patch) renames or
// moves an object before krm-fn sees it, kustomize records the object's
// earlier names and namespaces in these annotations (the kustomize api's
// internal/utils), oldest first. krm-fn reads them so that a spec keeps
// meaning what was written: its default selector is the pods' label as
// written (namePrefix leaves labels alone), and the names and namespaces
// it writes follow the objects they name.
const (
	annotationPreviousNames      = "internal.config.kubernetes.io/previousNames"
	annotationPreviousNamespaces = "internal.config.kubernetes.io/previousNamespaces"
)

// kustomizeDefaultNamespace is the namespace kustomize records for an
// object that has none.
const kustomizeDefaultNamespace = "default"

// ref names an object: its namespace and name.
type ref struct{ namespace, name string }

// writtenRef is the name and namespace n had as written, before kustomize
// renamed or moved it; its own when kustomize did not. A namespace
// kustomize recorded as "default" for an object that had none is "".
func writtenRef(n *yaml.RNode) ref {
	ann := n.GetAnnotations(annotationPreviousNames, annotationPreviousNamespaces)
	names, ok := ann[annotationPreviousNames]
	if !ok {
		return ref{n.GetNamespace(), n.GetName()}
	}
	name, _, _ := strings.Cut(names, ",")
	ns, _, _ := strings.Cut(ann[annotationPreviousNamespaces], ",")
	if ns == kustomizeDefaultNamespace && n.GetNamespace() != kustomizeDefaultNamespace {
		ns = ""
	}
	return ref{ns, name}
}

// renames maps the objects of a build, as written, to what they are now:
// the Services of the input, and those the exposures render.
type renames map[ref]ref

// add records that the object written as from is now to.
func (r renames) add(from, to ref) {
	if from != to {
		r[from] = to
	}
}

// follow is where the object written as (namespace, name) is now; ok is
// false when the build did not rename or move it.
func (r renames) follow(namespace, name string) (ref, bool) {
	to, ok := r[ref{namespace, name}]
	return to, ok
}

// written is an exposure as written and as kustomize handed it over.
type written struct {
	as  ref // its namespace and name as written
	now ref // as handed over
}

// prefixSuffix are what kustomize put before and after the written name
// ("dev-" and "" for namePrefix: dev-); ok is false when the name changed
// otherwise (a patch).
func (w written) prefixSuffix() (prefix, suffix string, ok bool) {
	i := strings.Index(w.now.name, w.as.name)
	if w.as.name == "" || i < 0 {
		return "", "", false
	}
	return w.now.name[:i], w.now.name[i+len(w.as.name):], true
}

// moved is namespace ns, written in the exposure, as it is now: the
// exposure's own namespace as written follows the exposure.
func (w written) moved(ns string) string {
	if ns != "" && ns == w.as.namespace {
		return w.now.namespace
	}
	return ns
}

// ownService is where an exposure's Service is, as written and now: what
// it sets, else the exposure's own name and namespace. Only for a Service
// the exposure renders (create, the default).
func (w written) ownService(e *v1alpha1.ServiceExposure) (as, now ref) {
	svc := &e.Spec.Service
	as = ref{svc.Namespace, svc.Name}
	if as.namespace == "" {
		as.namespace = w.as.namespace
	}
	if as.name == "" {
		as.name = w.as.name
	}
	now = ref{w.moved(svc.Namespace), svc.Name}
	if now.namespace == "" {
		now.namespace = w.now.namespace
	}
	switch prefix, suffix, ok := w.prefixSuffix(); {
	case now.name == "":
		now.name = w.now.name
	case ok:
		now.name = prefix + now.name + suffix
	}
	return as, now
}

// followBuild rewrites what exposure e (as w says it was written) names so
// that it names the same objects after the build renamed and moved them:
// its Service (its default selector, the pods' label as written; its name
// and namespace), and the Services its routes send and mirror to. Call it
// before defaulting.
func followBuild(e *v1alpha1.ServiceExposure, w written, r renames) {
	svc := &e.Spec.Service
	renamed := w.as != w.now
	creates := svc.Create == nil || *svc.Create
	switch {
	case creates:
		if len(svc.Selector) == 0 && renamed && w.as.name != w.now.name {
			svc.Selector = map[string]string{"app": w.as.name}
		}
		if renamed {
			_, now := w.ownService(e)
			if svc.Name != "" {
				svc.Name = now.name
			}
			if svc.Namespace != "" {
				svc.Namespace = now.namespace
			}
		}
	default: // an existing Service: follow it if the build renamed it
		ns, name := svc.Namespace, svc.Name
		if ns == "" {
			ns = w.as.namespace
		}
		if name == "" {
			name = w.as.name
		}
		if to, ok := r.follow(ns, name); ok {
			svc.Namespace, svc.Name = to.namespace, to.name
		} else if renamed {
			svc.Namespace = w.moved(svc.Namespace)
			if svc.Name == "" && w.as.name != w.now.name {
				svc.Name = w.as.name // the Service kept the name the exposure was written with
			}
		}
	}
	for i := range e.Spec.Routes {
		rt := &e.Spec.Routes[i]
		for j := range rt.Backends {
			b := &rt.Backends[j]
			b.Namespace, b.Service = followTarget(b.Namespace, b.Service, w, r)
		}
		if m := rt.Mirror; m != nil {
			m.Namespace, m.Service = followTarget(m.Namespace, m.Service, w, r)
		}
	}
}

// followTarget is the namespace and name of another Service a route
// sends to, written as (namespace, service), after the build.
func followTarget(namespace, service string, w written, r renames) (string, string) {
	if service == "" {
		return namespace, service // the exposure's own Service
	}
	ns := namespace
	if ns == "" {
		ns = w.as.namespace
	}
	if to, ok := r.follow(ns, service); ok {
		return to.namespace, to.name
	}
	return w.moved(namespace), service
}
