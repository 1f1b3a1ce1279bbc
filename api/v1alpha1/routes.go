package v1alpha1

import (
	"regexp"
	"strings"
)

// Route is one http route of the exposure's routing: its match, then what
// happens to a matching request. A route sends requests to backends
// (the default), or answers them with a redirect, or with a response of
// its own: exactly one of backends, redirect and respond.
type Route struct {
	// Name of the route, shown in Istio's metrics and logs. Default: none.
	Name string `json:"name,omitempty"`

	// Match selects the requests of this route. Default: prefix "/".
	Match Match `json:"match,omitempty"`

	// Timeout of a request, as a duration ("10s", "1m") in whole
	// milliseconds. Default: none (Istio's default: no timeout).
	Timeout Duration `json:"timeout,omitempty,omitzero"`

	// Retries of a failed request. Default: none (Istio's default policy).
	Retries *Retries `json:"retries,omitempty"`

	// Backends the requests go to, with weights summing to 100.
	// Default: the service, weight 100 (unless the route redirects or
	// responds).
	Backends []Backend `json:"backends,omitempty"`

	// Rewrite changes the request before it is sent on: its path (the
	// matched prefix, or the whole path) and its host. Default: none.
	Rewrite *Rewrite `json:"rewrite,omitempty"`

	// RequestHeaders changes the request's headers before it is sent on.
	// Default: none.
	RequestHeaders *HeaderOps `json:"requestHeaders,omitempty"`

	// ResponseHeaders changes the response's headers before it is
	// returned. Default: none.
	ResponseHeaders *HeaderOps `json:"responseHeaders,omitempty"`

	// CORS is the route's cross-origin resource sharing policy. Default:
	// none.
	CORS *CORS `json:"cors,omitempty"`

	// Fault delays or aborts a share of the requests, to test how clients
	// cope. Default: none.
	Fault *Fault `json:"fault,omitempty"`

	// Mirror sends a copy of a share of the requests to another backend,
	// whose responses are discarded. Default: none.
	Mirror *Mirror `json:"mirror,omitempty"`

	// Redirect answers the requests with an HTTP redirect, instead of
	// sending them to backends. Default: none.
	Redirect *Redirect `json:"redirect,omitempty"`

	// Respond answers the requests with a fixed response, instead of
	// sending them to backends. Default: none.
	Respond *Respond `json:"respond,omitempty"`
}

// Match selects requests. Exactly one of Prefix, Exact and Regex is set
// (after defaulting: prefix "/" when none is); every condition set must
// hold.
type Match struct {
	// Prefix of the URI path; must start with "/".
	Prefix string `json:"prefix,omitempty"`
	// Exact URI path; must start with "/".
	Exact string `json:"exact,omitempty"`
	// Regex the URI path must match in full (RE2 syntax, as Envoy uses).
	Regex string `json:"regex,omitempty"`
	// Method of the request (GET, POST, ...; uppercase). Default: any.
	Method string `json:"method,omitempty"`
	// Headers the request must have: name (lowercase) → value, where a
	// value is a string (an exact match) or one of {exact: v}, {prefix: v},
	// {regex: v}. Default: none.
	Headers map[string]StringMatch `json:"headers,omitempty"`
	// QueryParams the request must have: name → value, in the same forms
	// as headers. Default: none.
	QueryParams map[string]StringMatch `json:"queryParams,omitempty"`
}

// StringMatch matches a string: exactly one of Exact, Prefix and Regex.
// Written as a plain string, it is an exact match.
type StringMatch struct {
	// Exact value.
	Exact string `json:"exact,omitempty"`
	// Prefix of the value.
	Prefix string `json:"prefix,omitempty"`
	// Regex the value must match in full (RE2 syntax).
	Regex string `json:"regex,omitempty"`
}

// AnyCORSOrigin is the regex Istio makes of the Gateway API's CORS origin
// "*": any origin of a valid form, scheme://host[:port] (RFC 6454).
const AnyCORSOrigin = `^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s?#]+$`

// CORSOrigin is an allowed CORS origin as Istio matches it. An exact
// origin with a "*" in it ("https://*.example.com", "*") is the wildcard
// the Gateway API means by it, matched as Istio matches the Gateway API's
// (createCorsFilter in its pilot/pkg/config/kube/gateway conversion.go):
// "*" alone any origin of a valid form, one "*" at the end a prefix,
// others a regex where "*" is ".*". So a spec's origins allow the same
// browsers under both APIs (no browser sends a "*" in its Origin header,
// so taken literally it would allow none).
func (o StringMatch) CORSOrigin() StringMatch {
	switch {
	case o.Exact == "" || !strings.Contains(o.Exact, "*"):
		return o
	case o.Exact == "*":
		return StringMatch{Regex: AnyCORSOrigin}
	case strings.Count(o.Exact, "*") == 1 && strings.HasSuffix(o.Exact, "*"):
		return StringMatch{Prefix: strings.TrimSuffix(o.Exact, "*")}
	}
	return StringMatch{Regex: "^" + strings.ReplaceAll(regexp.QuoteMeta(o.Exact), `\*`, ".*") + "$"}
}

// ShorthandField is the field a StringMatch written as a plain string
// sets: an exact match.
func (StringMatch) ShorthandField() string { return "exact" }

// Retries is the retry policy of a route.
type Retries struct {
	// Attempts is the number of retries, 0-100. Required. 0 disables
	// retries, and then no other field may be set.
	Attempts int32 `json:"attempts"`
	// PerTryTimeout is the timeout of each attempt, as a duration in
	// whole milliseconds. Default: the route's timeout.
	PerTryTimeout Duration `json:"perTryTimeout,omitempty,omitzero"`
	// RetryOn is a comma-separated list of Envoy retry conditions
	// (5xx, gateway-error, reset, connect-failure, retriable-4xx,
	// refused-stream, cancelled, deadline-exceeded, internal,
	// resource-exhausted, unavailable, ...) or HTTP status codes.
	// Default: Istio's (connect-failure, refused-stream, unavailable,
	// cancelled; no status code).
	RetryOn string `json:"retryOn,omitempty"`
}

// Backend is a weighted destination of a route: a subset of the
// exposure's Service, or another Service (and maybe one of the subsets
// its exposure defines).
type Backend struct {
	// Service is another Service to send to. Default: the exposure's.
	Service string `json:"service,omitempty"`
	// Namespace of Service. Default: the exposure's namespace. Only with
	// service.
	Namespace string `json:"namespace,omitempty"`
	// Port of Service. Default: the port of the exposure of that Service
	// in the input, if there is one; else required. Without service, a
	// port of the exposure's own spec.service.ports (a tcp one for tcp
	// routes and passthrough); default: the first port that is not tcp
	// (for tcp routes and passthrough, the first tcp one).
	Port int32 `json:"port,omitempty"`
	// Subset of the Service: one of spec.subsets (of the exposure of
	// Service, for another Service). Default: none (the whole Service).
	Subset string `json:"subset,omitempty"`
	// Weight in percent, 0-100; the weights of a route sum to 100.
	// Default: 100 when the route has one backend; required otherwise.
	Weight *int32 `json:"weight,omitempty"`
}

// Rewrite changes a request's path and host. Default: neither.
type Rewrite struct {
	// Prefix replaces the matched prefix of the path (the route must match
	// by prefix): with prefix /api matched, prefix "/" makes /api/x /x.
	Prefix string `json:"prefix,omitempty"`
	// Path replaces the whole path. At most one of prefix and path.
	Path string `json:"path,omitempty"`
	// Host replaces the request's host (its authority).
	Host string `json:"host,omitempty"`
}

// HeaderOps changes headers: set replaces (or adds) them, add appends
// values, remove removes them. Names are HTTP header names; values may use
// Envoy's %VARIABLE% forms (a literal % is written %%).
type HeaderOps struct {
	// Set these headers to these values. Default: none.
	Set map[string]string `json:"set,omitempty"`
	// Add these values to these headers. Default: none.
	Add map[string]string `json:"add,omitempty"`
	// Remove these headers. Default: none.
	Remove []string `json:"remove,omitempty"`
}

// CORS is a cross-origin resource sharing policy.
type CORS struct {
	// AllowOrigins are the origins allowed: strings (exact) or {exact: v},
	// {prefix: v}, {regex: v}. In an exact origin a "*" is a wildcard, as
	// in the Gateway API's ("https://*.example.com", "*" for any origin).
	// Required, at least one.
	AllowOrigins []StringMatch `json:"allowOrigins"`
	// AllowMethods are the methods allowed (GET, POST, ...). Default:
	// none listed.
	AllowMethods []string `json:"allowMethods,omitempty"`
	// AllowHeaders are the request headers allowed ("*" for any). Default:
	// none listed.
	AllowHeaders []string `json:"allowHeaders,omitempty"`
	// ExposeHeaders are the response headers browsers may read. Default:
	// none listed.
	ExposeHeaders []string `json:"exposeHeaders,omitempty"`
	// MaxAge is how long a preflight's answer may be cached, as a
	// duration of whole seconds. Default: none.
	MaxAge Duration `json:"maxAge,omitempty,omitzero"`
	// AllowCredentials lets the request carry credentials. Default: false
	// (not set).
	AllowCredentials *bool `json:"allowCredentials,omitempty"`
}

// Fault delays and/or aborts a share of requests. At least one of delay
// and abort.
type Fault struct {
	// Delay holds a share of the requests back for a fixed time.
	Delay *FaultDelay `json:"delay,omitempty"`
	// Abort answers a share of the requests with an error status.
	Abort *FaultAbort `json:"abort,omitempty"`
}

// FaultDelay holds requests back.
type FaultDelay struct {
	// Fixed is the delay, as a duration ("7s") in whole milliseconds.
	// Required.
	Fixed Duration `json:"fixed"`
	// Percent of the requests delayed, 0 or 0.0001-100. Default: 100.
	Percent *float64 `json:"percent,omitempty"`
}

// FaultAbort answers requests with an error.
type FaultAbort struct {
	// Status is the HTTP status answered, 200-599. Required.
	Status int32 `json:"status"`
	// Percent of the requests aborted, 0 or 0.0001-100. Default: 100.
	Percent *float64 `json:"percent,omitempty"`
}

// Mirror is where copies of requests go: a subset of the exposure's
// Service, or another Service.
type Mirror struct {
	// Service is another Service to mirror to. Default: the exposure's.
	Service string `json:"service,omitempty"`
	// Namespace of Service. Default: the exposure's namespace.
	Namespace string `json:"namespace,omitempty"`
	// Port of Service. Default: the port of its exposure in the input; else
	// required.
	Port int32 `json:"port,omitempty"`
	// Subset of the Service. Default: none (the whole Service).
	Subset string `json:"subset,omitempty"`
	// Percent of the requests mirrored, 0-100. Default: 100.
	Percent *float64 `json:"percent,omitempty"`
}

// Redirect answers with an HTTP redirect to another URL: the request's,
// with these parts replaced. At least one of them.
type Redirect struct {
	// Host of the URL redirected to. Default: the request's.
	Host string `json:"host,omitempty"`
	// Prefix replaces the matched prefix of the path (the route must match
	// by prefix). At most one of prefix and path.
	Prefix string `json:"prefix,omitempty"`
	// Path replaces the whole path.
	Path string `json:"path,omitempty"`
	// Scheme, http or https. Default: the request's.
	Scheme string `json:"scheme,omitempty"`
	// Port of the URL redirected to, 1-65535. Default: the request's (or
	// the scheme's).
	Port int32 `json:"port,omitempty"`
	// Code is the HTTP status of the redirect, 3xx. Default: 301.
	Code int32 `json:"code,omitempty"`
}

// Respond answers with a fixed response.
type Respond struct {
	// Status of the response, 200-599. Required.
	Status int32 `json:"status"`
	// Body of the response, at most 1 MiB. Default: none.
	Body string `json:"body,omitempty"`
}
