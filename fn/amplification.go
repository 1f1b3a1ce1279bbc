package fn

import (
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/reflect/protoreflect"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What a run may render: outputPerInput times the bytes of its input, and
// outputAllowance, as a build may (internal/render; docs/security.md). An
// environment renders a few times its specs; what copies one spec's
// settings into many objects (the platform's annotations into every
// Ingress, an exposure's routes into every shared host it claims), many
// times more.
const (
	outputPerInput  = 100
	outputAllowance = 16 << 20
)

// amplification refuses a plan whose objects would be more than the run
// may render (outputPerInput times in, the bytes of its input, and
// outputAllowance), before any is built: what the plan's objects would be
// is estimated from the model (sizer), close to the YAML each renders.
// The problem names what copies the most: the platform's annotations, an
// exposure's routes on the shared hosts it claims, or an exposure's
// objects.
func amplification(pl *plan, xs exposures, in int64) []problem {
	sz := newSizer(pl.env)
	var total int64
	byOwner := map[string]int64{}
	ingresses := 0
	for _, g := range pl.objects {
		n := sz.object(g)
		total += n
		byOwner[g.owner] += n
		if g.kind == emit.KindIngress {
			ingresses++
		}
	}
	limit := outputPerInput*in + outputAllowance
	if total <= limit {
		return nil
	}
	// The most a cause copies, "about <most> of" what the run renders.
	of := func(most int64) string {
		return fmt.Sprintf("about %s of the %s the run would render, more than %d times its input (%s) and %d MiB, which krm-fn does not render (docs/security.md)",
			mib(most), mib(total), outputPerInput, mib(in), outputAllowance>>20)
	}

	// The platform's annotations, on every Ingress.
	cause, most := "", int64(0)
	if ann := int64(annotationBytes(pl.env.Platform.ALB.Annotations)) * int64(ingresses); ann > most && pl.in.platform != nil {
		cause, most = "platform", ann
	}
	// An exposure's routes, on every shared host it claims.
	var worst *model.Exposure
	for _, x := range pl.env.Exposures {
		if !x.SharesHosts() || x.API != v1alpha1.APIIstio {
			continue
		}
		if n := int64(sz.routes(x)) * int64(len(x.SharedHosts)); n > most {
			cause, most, worst = "shared", n, x
		}
	}
	// An exposure's own objects.
	for _, x := range pl.env.Exposures {
		if n := byOwner[x.Owner]; n > most {
			cause, most, worst = "objects", n, x
		}
	}
	switch cause {
	case "platform":
		p := problem{node: pl.in.platform, severity: framework.Error,
			message: fmt.Sprintf("are copied to each of the %d Ingresses the run renders: %s; keep the platform's annotations short, or render fewer exposures at a time",
				ingresses, of(most))}
		return []problem{p.at(field.NewPath("spec", "alb", "annotations"))}
	case "shared":
		return []problem{xs.problem(worst, framework.Error, field.NewPath("spec", "hosts"),
			fmt.Sprintf("claims %d shared hosts, and the VirtualService of each holds all its routes (about %s as rendered): %s; claim fewer shared hosts, or give them fewer routes",
				len(worst.SharedHosts), mib(int64(sz.routes(worst))), of(most)))}
	case "objects":
		why := ""
		if subsets := len(worst.SubsetServices()); subsets > 0 && worst.Policy != nil {
			why = fmt.Sprintf(" (with the Gateway API its trafficPolicy is in the DestinationRule of each of the %d subsets it routes to)", subsets)
		}
		return []problem{xs.problem(worst, framework.Error, field.NewPath("metadata", "name"),
			fmt.Sprintf("renders %s%s; split it", of(most), why))}
	}
	return []problem{{severity: framework.Error, message: "renders " + of(total)}}
}

// mib is n bytes, readably.
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// inputBytes is about the bytes of YAML config and items are written in:
// every node's value and a few bytes of syntax each. It is what the
// nodes hold, whichever way the input came (stdin, files, a build).
func inputBytes(config *yaml.RNode, items []*yaml.RNode) int64 {
	var n int64
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		n += int64(len(y.Value)) + 4
		for _, c := range y.Content {
			walk(c)
		}
	}
	if config != nil {
		walk(config.YNode())
	}
	for _, it := range items {
		walk(it.YNode())
	}
	return n
}

// sizer estimates the bytes of YAML the objects of an environment render,
// from the model: the strings each copies and a few bytes of syntax for
// each field, remembering what several objects copy (an exposure's
// routes).
type sizer struct {
	env       *model.Environment
	exposures map[string]*model.Exposure // by owner
	shared    map[string]*model.SharedHost
	routeSums map[*model.Exposure]int
}

func newSizer(env *model.Environment) *sizer {
	s := &sizer{env: env, exposures: map[string]*model.Exposure{}, shared: map[string]*model.SharedHost{}, routeSums: map[*model.Exposure]int{}}
	for _, x := range env.Exposures {
		s.exposures[x.Owner] = x
	}
	for _, h := range env.SharedHosts {
		s.shared[h.Owner] = h
	}
	return s
}

// objectBytes is what every object renders beside its spec: apiVersion,
// kind, metadata with its name, namespace, managed-by label and owner.
const objectBytes = 180

// object estimates the bytes of g.
func (s *sizer) object(g planned) int64 {
	n := objectBytes + len(g.name) + len(g.namespace) + len(g.owner)
	if x := s.exposures[g.owner]; x != nil {
		n += carriedBytes(x.Carried) + s.exposureObject(g, x)
	} else if h := s.shared[g.owner]; h != nil {
		n += carriedBytes(h.Carried) + s.sharedObject(g, h)
	} else {
		n += s.environmentObject(g)
	}
	return int64(n)
}

func (s *sizer) exposureObject(g planned, x *model.Exposure) int {
	switch g.kind {
	case emit.KindService:
		n := 120 + mapBytes(x.Service.Selector)
		if g.name != x.Service.Name { // a subset's
			for _, sub := range x.Subsets {
				n += mapBytes(sub.Labels)
			}
		}
		return n
	case emit.KindGateway:
		return 120 + mapBytes(x.Gateway.Selector) + listBytes(x.Hosts)
	case emit.KindVirtualService:
		hosts := listBytes(x.Hosts)
		if g.name == x.MeshName() {
			hosts = len(x.Service.FQDN) + 20
		}
		return 60 + hosts + listBytes(x.ExportTo) + s.routes(x)
	case emit.KindHTTPRoute:
		return 80 + listBytes(x.Hosts) + listBytes(x.SharedHosts) + s.routes(x)
	case emit.KindDestinationRule:
		n := 60 + len(x.Service.FQDN) + listBytes(x.ExportTo) + policyBytes(x)
		for _, sub := range x.Subsets {
			n += 20 + len(sub.Name) + mapBytes(sub.Labels)
		}
		return n
	case emit.KindReferenceGrant:
		n := 120
		for _, gr := range x.Grants() {
			n += listBytes(gr.Services) * 3
		}
		return n
	case emit.KindIngress:
		return 80 + mapBytes(x.Ingress.Annotations) + len(x.Ingress.Service) + 120*len(x.Hosts) + listBytes(x.Hosts)
	}
	return 200
}

func (s *sizer) sharedObject(g planned, h *model.SharedHost) int {
	switch g.kind {
	case emit.KindVirtualService:
		n := 80 + len(h.Host)
		for _, r := range h.Routes {
			n += routeBytes(r)
		}
		return n
	case emit.KindIngress:
		return 200 + mapBytes(h.Ingress.Annotations) + len(h.Ingress.Service) + len(h.Host)
	}
	return 120 + mapBytes(h.Gateway.Selector) + len(h.Host)
}

func (s *sizer) environmentObject(g planned) int {
	switch {
	case g.kind == emit.KindNamespace:
		for _, ns := range s.env.Namespaces {
			if ns.Name == g.name {
				n := carriedBytes(ns.Carried) + 80
				for _, l := range ns.Labels {
					n += len(l.Key) + len(l.Value) + 6
				}
				return n
			}
		}
	case s.env.Gateway != nil && g.owner == s.env.Gateway.Owner:
		return 300 + carriedBytes(s.env.Gateway.Carried) + listBytes(s.env.Gateway.Namespaces)
	}
	for _, w := range s.env.Waypoints {
		if w.Owner == g.owner {
			return 250 + carriedBytes(w.Carried)
		}
	}
	return 200
}

// routes is the bytes of x's routes, as a VirtualService or HTTPRoute
// holds them.
func (s *sizer) routes(x *model.Exposure) int {
	if n, ok := s.routeSums[x]; ok {
		return n
	}
	n := 0
	for i := range x.Routes {
		n += routeBytes(&x.Routes[i])
	}
	s.routeSums[x] = n
	return n
}

// routeBytes estimates one route as rendered.
func routeBytes(r *model.Route) int {
	m := r.Match
	n := 60 + len(r.Name) + len(m.Prefix) + len(m.Exact) + len(m.Regex) + len(m.Method)
	for _, set := range []map[string]v1alpha1.StringMatch{m.Headers, m.QueryParams} {
		for k, v := range set {
			n += 30 + len(k) + len(v.Exact) + len(v.Prefix) + len(v.Regex)
		}
	}
	if r.Timeout > 0 || r.Retries != nil {
		n += 60
	}
	for _, b := range r.Backends {
		n += 70 + len(b.Host) + len(b.Subset)
	}
	if rw := r.Rewrite; rw != nil {
		n += 40 + len(rw.Prefix) + len(rw.Path) + len(rw.Host)
	}
	for _, h := range []*v1alpha1.HeaderOps{r.RequestHeaders, r.ResponseHeaders} {
		if h != nil {
			n += 30 + mapBytes(h.Set) + mapBytes(h.Add) + listBytes(h.Remove)
		}
	}
	if c := r.CORS; c != nil {
		n += 80 + listBytes(c.AllowMethods) + listBytes(c.AllowHeaders) + listBytes(c.ExposeHeaders)
		for _, o := range c.AllowOrigins {
			n += 20 + len(o.Exact) + len(o.Prefix) + len(o.Regex)
		}
	}
	if r.Fault != nil {
		n += 100
	}
	if d := r.Mirror; d != nil {
		n += 80 + len(d.Host) + len(d.Subset)
	}
	if rd := r.Redirect; rd != nil {
		n += 60 + len(rd.Host) + len(rd.Prefix) + len(rd.Path)
	}
	if rs := r.Respond; rs != nil {
		n += 40 + len(rs.Body)
	}
	return n
}

func carriedBytes(c model.Carried) int { return mapBytes(c.Labels) + mapBytes(c.Annotations) }

// annotationBytes is the bytes of annotations in an object's metadata.
func annotationBytes(m map[string]string) int { return mapBytes(m) }

func mapBytes(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v) + 8
	}
	return n
}

func listBytes(l []string) int {
	n := 0
	for _, v := range l {
		n += len(v) + 4
	}
	return n
}

// policyBytes estimates x's trafficPolicy as rendered: each field's name,
// its value, and its indentation.
func policyBytes(x *model.Exposure) int {
	if x.Policy == nil {
		return 0
	}
	return messageBytes(x.Policy.ProtoReflect(), 1)
}

func messageBytes(m protoreflect.Message, depth int) int {
	n := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		n += 2*depth + len(fd.JSONName()) + 3
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				n += 2*depth + 2 + valueBytes(fd, v.List().Get(i), depth+1)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				n += 2*depth + 4 + len(k.String()) + valueBytes(fd.MapValue(), e, depth+1)
				return true
			})
		default:
			n += valueBytes(fd, v, depth+1)
		}
		return true
	})
	return n
}

func valueBytes(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) int {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return messageBytes(v.Message(), depth)
	case protoreflect.EnumKind:
		return 12
	}
	return len(v.String()) + 2
}
