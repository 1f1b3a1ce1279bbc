// Package routes is krm-fn routes: the routing table of an environment as
// krm-fn computes it from the specs (fn/model), in the terms of what Envoy
// receives from istiod for what krm-fn renders: per gateway Service port
// and per mesh port, each virtual host's routes in the order Envoy tries
// them, each with its match, destinations and weights, rewrite, redirect
// or response, timeout, retries, mirrors, CORS, header changes and
// faults; and the TCP routes and TLS passthrough of each port.
//
// The table is of what the platform's API renders: under api: istio, the
// VirtualServices' routes as written (a shared host's in its precedence);
// under api: gateway-api, the HTTPRoutes' rules as Istio translates them
// (merged per host, most specific match first, a PathPrefix matching
// whole path segments). Its JSON (Routes) is a stable, documented schema
// (docs/routes.md) whose field meanings are those of the proof layer's
// istio-proof tables (conformance), so that the two compare.
package routes

// Version is the version of the JSON schema of Routes and Diff: it
// changes only when a field changes meaning or goes away (a new field
// keeps it).
const Version = 1

// Routes is the routing of one environment: `krm-fn routes -o json`.
type Routes struct {
	// Version of this schema (Version).
	Version int `json:"version"`
	// Source is what was read: the overlay directory, or the files, as
	// given; with a revision, "REV:" before it.
	Source string `json:"source"`
	// Platform is the name of the environment's ExposurePlatform ("" for
	// the built-in defaults).
	Platform string `json:"platform,omitempty"`
	// API is the routing API the platform renders to: "istio" (Istio's
	// VirtualServices) or "gateway-api" (the Gateway API's routes, which
	// Istio translates). Every route of the tables is rendered for it.
	API string `json:"api"`
	// Tables are the routing of each port of the ingress gateway, then
	// of the mesh, in order (gateway before mesh, then by proxy and port).
	Tables []Table `json:"tables"`
}

// Table is the routing of one port of one proxy, as istio-proof's
// tables are (conformance/proof/istio/report.go).
type Table struct {
	// Proxy is "gateway <namespace>/<Service>" (the platform's ingress
	// gateway Service), "sidecar" (the mesh's sidecars) or "waypoint
	// <namespace>/<name>" (an ambient namespace's waypoint).
	Proxy string `json:"proxy"`
	// Port is the gateway Service's port, or the port of the Service
	// called in the mesh.
	Port uint32 `json:"port"`
	// TLS says the port takes only TLS: the gateway ends it (HTTPS), or
	// passes it through by SNI.
	TLS bool `json:"tls,omitempty"`
	// ExportTo are the namespaces whose sidecars take a mesh table's
	// routes ("*": every namespace).
	ExportTo []string `json:"exportTo,omitempty"`
	// Hosts are the port's virtual hosts, by domain.
	Hosts []Host `json:"hosts,omitempty"`
	// TCP are the port's TCP proxies: a tcp route, or TLS passed through
	// to the backends of the server names (SNI) it matches.
	TCP []TCPRoute `json:"tcp,omitempty"`
}

// Host is one virtual host: its domains and its routes in the order Envoy
// tries them.
type Host struct {
	Domains []string `json:"domains"`
	// RedirectsToHTTPS: plain HTTP gets a 301 to https before any route
	// (the platform's tls.httpsRedirect on an Istio Gateway server).
	RedirectsToHTTPS bool    `json:"redirectsToHTTPS,omitempty"`
	Routes           []Route `json:"routes"`
}

// TCPRoute is a TCP proxy of a port.
type TCPRoute struct {
	// ServerNames are the SNI names of TLS passthrough (none: a tcp route,
	// every connection of the port).
	ServerNames []string `json:"serverNames,omitempty"`
	// From is the object that renders it ("VirtualService ns/name",
	// "TLSRoute ns/name", "TCPRoute ns/name"), Origin the spec.
	From     string    `json:"from"`
	Origin   string    `json:"origin"`
	Backends []Backend `json:"backends"`
}

// Route is one route, in the terms of the Istio API as Envoy receives it.
type Route struct {
	// Name is the Envoy route's name: the route's name; with the Gateway
	// API, "<namespace>.<name>.<index>" for a rule without one.
	Name string `json:"name,omitempty"`
	// From is the object the route comes from: "VirtualService ns/name"
	// or "HTTPRoute ns/name".
	From string `json:"from"`
	// Origin is the spec that writes it: "ServiceExposure ns/name
	// spec.routes[i]", or "ExposurePlatform name spec.tls.httpsRedirect".
	Origin   string    `json:"origin"`
	Match    Match     `json:"match"`
	Backends []Backend `json:"backends,omitempty"`
	Rewrite  *Rewrite  `json:"rewrite,omitempty"`
	Redirect *Redirect `json:"redirect,omitempty"`
	Response *Response `json:"response,omitempty"`
	// Timeout of the request, as Go prints a duration ("10s", "1m30s");
	// none: no timeout.
	Timeout string     `json:"timeout,omitempty"`
	Retries *Retries   `json:"retries,omitempty"`
	CORS    *CORS      `json:"cors,omitempty"`
	Headers *HeaderOps `json:"headers,omitempty"`
	Mirrors []Mirror   `json:"mirrors,omitempty"`
	Fault   *Fault     `json:"fault,omitempty"`
	// Unreachable, when set, says why no request reaches the route: an
	// earlier route of the host takes every request (istiod leaves the
	// route out of what Envoy receives).
	Unreachable string `json:"unreachable,omitempty"`
}

// Match is what a request must have. Path is "prefix P", "exact P",
// "regex R" (the whole path) or "segments P" (P or P/..., the Gateway
// API's PathPrefix); a condition is "exact V", "prefix V" or "regex R".
type Match struct {
	Path    string      `json:"path"`
	Method  string      `json:"method,omitempty"`
	Headers []Condition `json:"headers,omitempty"`
	Query   []Condition `json:"query,omitempty"`
}

// Condition is one header or query parameter condition, by name.
type Condition struct {
	Name  string `json:"name"`
	Match string `json:"match"`
}

// Backend is one destination: a port of a Service, maybe a subset of it.
type Backend struct {
	// Service is the Service's cluster name (FQDN), Name and Namespace
	// its parts.
	Service   string `json:"service"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Port      uint32 `json:"port"`
	// Subset is the DestinationRule subset (api: istio).
	Subset string `json:"subset,omitempty"`
	// SubsetService, with the Gateway API (which has no subsets), is the
	// subset the Service stands for: krm-fn renders a Service per subset.
	SubsetService string `json:"subsetService,omitempty"`
	// Weight out of the route's 100; 0 for a route with one backend.
	Weight uint32 `json:"weight,omitempty"`
}

// Rewrite is what a route changes in a request it forwards: Prefix
// replaces the matched prefix of the path, Regex and Substitution replace
// what the pattern matches; Host the authority.
type Rewrite struct {
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	Host         string `json:"host,omitempty"`
}

// Redirect is a route that answers with a redirect to the request's URL
// with these parts replaced.
type Redirect struct {
	Scheme string `json:"scheme,omitempty"`
	Host   string `json:"host,omitempty"`
	Port   uint32 `json:"port,omitempty"`
	// Path replaces the whole path, Prefix the matched prefix.
	Path   string `json:"path,omitempty"`
	Prefix string `json:"prefix,omitempty"`
	Status int    `json:"status"`
}

// Response is a route that answers by itself.
type Response struct {
	Status int    `json:"status"`
	Body   string `json:"body,omitempty"`
}

// Retries is a route's retry policy as Envoy receives it: RetryOn with
// its status codes in RetriableStatusCodes (retriable-status-codes).
type Retries struct {
	Attempts             uint32   `json:"attempts"`
	PerTryTimeout        string   `json:"perTryTimeout,omitempty"`
	RetryOn              string   `json:"retryOn,omitempty"`
	RetriableStatusCodes []uint32 `json:"retriableStatusCodes,omitempty"`
	// Default says the route sets none: Istio's default policy applies.
	Default bool `json:"default,omitempty"`
}

// CORS is a route's CORS policy as Envoy receives it: origins are
// conditions as in Match, the lists joined by commas, MaxAge in seconds.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     string   `json:"allowMethods,omitempty"`
	AllowHeaders     string   `json:"allowHeaders,omitempty"`
	ExposeHeaders    string   `json:"exposeHeaders,omitempty"`
	MaxAge           string   `json:"maxAge,omitempty"`
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
}

// HeaderOps are the header changes of a route.
type HeaderOps struct {
	Request  *HeaderChanges `json:"request,omitempty"`
	Response *HeaderChanges `json:"response,omitempty"`
}

// HeaderChanges sets, adds and removes headers.
type HeaderChanges struct {
	Set    map[string]string `json:"set,omitempty"`
	Add    map[string]string `json:"add,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

// Mirror is a share of the requests copied to another backend (0: none
// are, and Envoy receives no mirror).
type Mirror struct {
	Backend Backend `json:"backend"`
	Percent float64 `json:"percent"`
}

// Fault is a route's fault injection.
type Fault struct {
	DelayPercent float64 `json:"delayPercent,omitempty"`
	Delay        string  `json:"delay,omitempty"`
	AbortPercent float64 `json:"abortPercent,omitempty"`
	AbortStatus  int     `json:"abortStatus,omitempty"`
}
