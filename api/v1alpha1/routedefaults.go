package v1alpha1

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RouteDefaults are route settings applied to every route of the
// exposure that does not set the field itself.
type RouteDefaults struct {
	// Timeout of a request, as a duration ("10s") in whole milliseconds,
	// for every route that sends to backends and sets none.
	Timeout Duration `json:"timeout,omitempty,omitzero"`
	// Retries of a failed request, for every route that sends to backends
	// and sets none.
	Retries *Retries `json:"retries,omitempty"`
	// CORS policy of every route that sets none.
	CORS *CORS `json:"cors,omitempty"`
	// RequestHeaders changes, for every route that sends to backends and
	// sets none.
	RequestHeaders *HeaderOps `json:"requestHeaders,omitempty"`
	// ResponseHeaders changes, for every route that sets none.
	ResponseHeaders *HeaderOps `json:"responseHeaders,omitempty"`
}

// routeDefaultFields are the fields of RouteDefaults, by their YAML names.
var routeDefaultFields = []string{"timeout", "retries", "cors", "requestHeaders", "responseHeaders"}

// applyRouteDefaults sets the fields d sets on route r where r sets none.
// The values are d's own, shared by every route that takes them, not
// copied: nothing changes them after defaulting, and a copy per route made
// memory grow as the routes times the defaults (1,000 routes taking 200 KiB
// of headers held 400 MiB before the rendering was refused as too large).
func applyRouteDefaults(r *Route, d *RouteDefaults) {
	sends := r.Redirect == nil && r.Respond == nil
	if sends && r.Timeout.IsZero() && !d.Timeout.IsZero() {
		r.Timeout = d.Timeout
	}
	if sends && r.Retries == nil && d.Retries != nil {
		r.Retries = d.Retries
	}
	if r.CORS == nil && d.CORS != nil {
		r.CORS = d.CORS
	}
	if sends && r.RequestHeaders == nil && d.RequestHeaders != nil {
		r.RequestHeaders = d.RequestHeaders
	}
	if r.ResponseHeaders == nil && d.ResponseHeaders != nil {
		r.ResponseHeaders = d.ResponseHeaders
	}
}

// holds says whether v, a route's value of the field name (one of
// routeDefaultFields), is the value d sets there.
func (d *RouteDefaults) holds(name string, v any) bool {
	dv := map[string]any{"timeout": d.Timeout, "retries": d.Retries, "cors": d.CORS, "requestHeaders": d.RequestHeaders, "responseHeaders": d.ResponseHeaders}[name]
	return !reflect.ValueOf(dv).IsZero() && reflect.DeepEqual(v, dv)
}

// defaultable is r's value of the field name, one of routeDefaultFields.
func (r *Route) defaultable(name string) any {
	return map[string]any{"timeout": r.Timeout, "retries": r.Retries, "cors": r.CORS, "requestHeaders": r.RequestHeaders, "responseHeaders": r.ResponseHeaders}[name]
}

// validateRouteDefaults checks routeDefaults (at path) as the same fields
// of a route are checked.
func validateRouteDefaults(path *field.Path, d *RouteDefaults) field.ErrorList {
	var errs field.ErrorList
	if !d.Timeout.IsZero() {
		errs = append(errs, validateDuration(path.Child("timeout"), d.Timeout)...)
	}
	if d.Retries != nil {
		errs = append(errs, validateRetries(path.Child("retries"), d.Retries)...)
	}
	if d.CORS != nil {
		errs = append(errs, validateCORS(path.Child("cors"), d.CORS)...)
	}
	if d.RequestHeaders != nil {
		errs = append(errs, validateHeaderOps(path.Child("requestHeaders"), d.RequestHeaders, true)...)
	}
	if d.ResponseHeaders != nil {
		errs = append(errs, validateHeaderOps(path.Child("responseHeaders"), d.ResponseHeaders, false)...)
	}
	return errs
}

// fromRouteDefaults moves the errors of route fields that hold the
// routeDefaults' value (set by them, or the same value written again) to
// spec.routeDefaults: the place to fix, said once, not once per route.
func fromRouteDefaults(spec *field.Path, s *ServiceExposureSpec, errs field.ErrorList) field.ErrorList {
	d := s.RouteDefaults
	if d == nil {
		return errs
	}
	// The route fields that hold the defaults' value, by path, each
	// compared once: an invalid default is an error on every route that
	// takes it, and comparing each error with each route is quadratic.
	holds := map[string]string{}
	for i := range s.Routes {
		for _, name := range routeDefaultFields {
			if d.holds(name, s.Routes[i].defaultable(name)) {
				holds[spec.Child("routes").Index(i).Child(name).String()] = name
			}
		}
	}
	routes := spec.Child("routes").String() + "["
	var out field.ErrorList
	seen := map[string]bool{}
	for _, e := range errs {
		moved := false
		if at, ok := routeField(e.Field, routes); ok {
			if name, ok := holds[at]; ok {
				m := *e
				m.Field = spec.Child("routeDefaults", name).String() + strings.TrimPrefix(e.Field, at)
				e, moved = &m, true
			}
		}
		key := e.Field + "\x00" + string(e.Type) + "\x00" + e.Detail
		if moved && seen[key] {
			continue // said once already
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

// routeField is the path of the route field path is in, "<routes>N].<field>"
// (routes is the path of the routes and "["), if it is in one.
func routeField(path, routes string) (string, bool) {
	rest, ok := strings.CutPrefix(path, routes)
	if !ok {
		return "", false
	}
	i := strings.Index(rest, "].")
	if i < 0 {
		return "", false
	}
	n := len(routes) + i + len("].")
	end := strings.IndexAny(path[n:], ".[")
	if end < 0 {
		return path, true
	}
	return path[:n+end], true
}
