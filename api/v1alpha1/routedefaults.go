package v1alpha1

import (
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RouteDefaults are route settings applied to every route of the
// exposure that does not set the field itself.
type RouteDefaults struct {
	// Timeout of a request, as a duration ("10s"), for every route that
	// sends to backends and sets none.
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

// applyRouteDefaults sets the fields d sets on route r where r sets none
// (each value its own copy).
func applyRouteDefaults(r *Route, d *RouteDefaults) {
	sends := r.Redirect == nil && r.Respond == nil
	if sends && r.Timeout.IsZero() && !d.Timeout.IsZero() {
		r.Timeout = d.Timeout
	}
	if sends && r.Retries == nil && d.Retries != nil {
		v := *d.Retries
		r.Retries = &v
	}
	if r.CORS == nil && d.CORS != nil {
		v := *d.CORS
		v.AllowOrigins = slices.Clone(v.AllowOrigins)
		v.AllowMethods, v.AllowHeaders, v.ExposeHeaders = slices.Clone(v.AllowMethods), slices.Clone(v.AllowHeaders), slices.Clone(v.ExposeHeaders)
		r.CORS = &v
	}
	if sends && r.RequestHeaders == nil && d.RequestHeaders != nil {
		r.RequestHeaders = d.RequestHeaders.clone()
	}
	if r.ResponseHeaders == nil && d.ResponseHeaders != nil {
		r.ResponseHeaders = d.ResponseHeaders.clone()
	}
}

func (h *HeaderOps) clone() *HeaderOps {
	c := *h
	if h.Set != nil {
		c.Set = make(map[string]string, len(h.Set))
		for k, v := range h.Set {
			c.Set[k] = v
		}
	}
	if h.Add != nil {
		c.Add = make(map[string]string, len(h.Add))
		for k, v := range h.Add {
			c.Add[k] = v
		}
	}
	c.Remove = slices.Clone(h.Remove)
	return &c
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
	values := map[string]any{"timeout": d.Timeout, "retries": d.Retries, "cors": d.CORS, "requestHeaders": d.RequestHeaders, "responseHeaders": d.ResponseHeaders}
	routeValue := func(r *Route, name string) any {
		return map[string]any{"timeout": r.Timeout, "retries": r.Retries, "cors": r.CORS, "requestHeaders": r.RequestHeaders, "responseHeaders": r.ResponseHeaders}[name]
	}
	var out field.ErrorList
	seen := map[string]bool{}
	for _, e := range errs {
		moved := false
		for i := range s.Routes {
			for _, name := range routeDefaultFields {
				at := spec.Child("routes").Index(i).Child(name).String()
				v := values[name]
				if (e.Field == at || strings.HasPrefix(e.Field, at+".") || strings.HasPrefix(e.Field, at+"[")) &&
					!reflect.ValueOf(v).IsZero() && reflect.DeepEqual(routeValue(&s.Routes[i], name), v) {
					m := *e
					m.Field = spec.Child("routeDefaults", name).String() + strings.TrimPrefix(e.Field, at)
					e, moved = &m, true
				}
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
