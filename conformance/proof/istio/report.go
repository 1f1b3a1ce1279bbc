package main

// The report istio-proof prints: the routing tables istiod computes, the
// problems it meets, and the answers to the requests it was given. This is
// the JSON contract the conformance suite (conformance/proof.go) decodes,
// strictly; docs/conformance.md describes it.

// Report is everything istio-proof says about one cluster.
type Report struct {
	Tables   []Table   `json:"tables"`
	Problems []Problem `json:"problems"`
	Answers  []Answer  `json:"answers"`
}

// Table is the routing of one port of one proxy, as Envoy receives it.
type Table struct {
	// Proxy is "gateway <namespace>/<Service>" for an ingress gateway, or
	// "sidecar" for the mesh (the tables of sidecars in several namespaces
	// are one table when they route alike; Namespaces lists them).
	Proxy      string   `json:"proxy"`
	Namespaces []string `json:"namespaces,omitempty"`
	// Port is the gateway Service's port (what the ALB targets), or, for
	// a sidecar, the port called.
	Port uint32 `json:"port"`
	// Listener and RouteConfig name the Envoy listener and the RDS route
	// configuration the port's HTTP traffic goes through.
	Listener    string `json:"listener"`
	RouteConfig string `json:"routeConfig"`
	// TLS says the port takes only TLS (the gateway ends it, or passes it
	// through by SNI).
	TLS   bool       `json:"tls,omitempty"`
	Hosts []Host     `json:"hosts"`
	TCP   []TCPRoute `json:"tcp,omitempty"`
	// TLSServers are the filter chains of the port that end TLS.
	TLSServers []TLSServer `json:"tlsServers,omitempty"`
}

// TLSServer is a filter chain that ends TLS: for the ServerNames (SNI;
// none: any), with the certificate of Credential (an SDS name,
// kubernetes://<Secret>), a minimum TLS version (Envoy's, TLS_AUTO being
// its default: 1.2 for a server), and whether clients must present a
// certificate (mutual TLS).
type TLSServer struct {
	ServerNames       []string `json:"serverNames,omitempty"`
	Credential        string   `json:"credential,omitempty"`
	MinVersion        string   `json:"minVersion"`
	ClientCertificate bool     `json:"clientCertificate,omitempty"`
}

// TCPRoute is a TCP proxy of a port: a TCP route, or TLS passed through
// to the backends of the ServerNames (SNI) it matches.
type TCPRoute struct {
	ServerNames []string  `json:"serverNames,omitempty"`
	From        string    `json:"from,omitempty"`
	Backends    []Backend `json:"backends"`
}

// Host is one Envoy virtual host: its domains and its routes in the order
// Envoy tries them.
type Host struct {
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	// RedirectsToHTTPS: plain HTTP gets a 301 to https before any route
	// (a Gateway server's tls.httpsRedirect).
	RedirectsToHTTPS bool    `json:"redirectsToHTTPS,omitempty"`
	Routes           []Route `json:"routes"`
}

// Route is one Envoy route, read back into the terms of the Istio API.
type Route struct {
	Name string `json:"name,omitempty"`
	// From is the object the route comes from: "VirtualService ns/name" or
	// "HTTPRoute ns/name"; empty for a route istiod adds by itself.
	From     string     `json:"from,omitempty"`
	Match    Match      `json:"match"`
	Backends []Backend  `json:"backends,omitempty"`
	Rewrite  *Rewrite   `json:"rewrite,omitempty"`
	Redirect *Redirect  `json:"redirect,omitempty"`
	Response *Response  `json:"response,omitempty"`
	Timeout  string     `json:"timeout,omitempty"`
	Retries  *Retries   `json:"retries,omitempty"`
	CORS     *CORS      `json:"cors,omitempty"`
	Headers  *HeaderOps `json:"headers,omitempty"`
	Mirrors  []Mirror   `json:"mirrors,omitempty"`
	Fault    *Fault     `json:"fault,omitempty"`
}

// Match is what a request must have: Path is "prefix P", "exact P",
// "regex R" (the whole path) or "segments P" (P or P/..., the Gateway
// API's PathPrefix); a condition is "exact V", "prefix V", "suffix V",
// "contains V", "regex R", "present" or "absent", "not " before one
// that is inverted, " (any case)" after one that ignores case.
type Match struct {
	Path       string      `json:"path"`
	IgnoreCase bool        `json:"ignoreCase,omitempty"`
	Method     string      `json:"method,omitempty"`
	Headers    []Condition `json:"headers,omitempty"`
	Query      []Condition `json:"query,omitempty"`
}

// Condition is one header or query parameter condition.
type Condition struct {
	Name  string `json:"name"`
	Match string `json:"match"`
}

// Backend is one destination of a route: a Service port (and subset) of
// the mesh, or, for a cluster that is none, the Envoy cluster's name.
type Backend struct {
	Service string `json:"service,omitempty"`
	Port    uint32 `json:"port,omitempty"`
	Subset  string `json:"subset,omitempty"`
	Cluster string `json:"cluster,omitempty"`
	// Weight out of the route's total (100 with Istio); 0 for a route with
	// a single backend.
	Weight uint32 `json:"weight,omitempty"`
	// Endpoints the proxy knows for the cluster (-1: the proxy has no such
	// cluster), and their addresses (ip:port, sorted): where the requests
	// end up, whichever API named them.
	Endpoints int      `json:"endpoints"`
	Addresses []string `json:"addresses,omitempty"`
}

// Rewrite is what a route changes in a forwarded request: Prefix replaces
// the matched part of the path, Regex and Substitution every match of the
// pattern in it; Host the authority.
type Rewrite struct {
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	Host         string `json:"host,omitempty"`
}

// Redirect is a route that answers with a redirect.
type Redirect struct {
	Scheme       string `json:"scheme,omitempty"`
	Host         string `json:"host,omitempty"`
	Port         uint32 `json:"port,omitempty"`
	Path         string `json:"path,omitempty"`
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	StripQuery   bool   `json:"stripQuery,omitempty"`
	Status       int    `json:"status"`
}

// Response is a route that answers by itself.
type Response struct {
	Status int    `json:"status"`
	Body   string `json:"body,omitempty"`
}

// Retries is a route's retry policy.
type Retries struct {
	Attempts      uint32 `json:"attempts"`
	PerTryTimeout string `json:"perTryTimeout,omitempty"`
	RetryOn       string `json:"retryOn,omitempty"`
	// RetriableStatusCodes are the codes retryOn's retriable-status-codes
	// names.
	RetriableStatusCodes []uint32 `json:"retriableStatusCodes,omitempty"`
}

// CORS is a route's CORS policy; origins are conditions as in Match.
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

// Mirror is a share of the requests copied to another backend.
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

// Problem is something istiod rejects, ignores, or computes that cannot
// serve: Class is one of the Class* constants.
type Problem struct {
	Class   string `json:"class"`
	Object  string `json:"object,omitempty"`
	Message string `json:"message"`
}

// The classes of problem.
const (
	// ClassRejected: istiod's validation refuses the object (its webhook
	// would not admit it), or it cannot be converted.
	ClassRejected = "rejected"
	// ClassWarning: istiod's validation warns (not a failure here:
	// istioctl validate reports warnings in the conformance suite).
	ClassWarning = "warning"
	// ClassIgnored: the object produces no route on any proxy.
	ClassIgnored = "ignored"
	// ClassConflict: istiod drops part of the configuration for a
	// conflict (a duplicate domain, a duplicate subset, a gateway server
	// that clashes with another).
	ClassConflict = "conflict"
	// ClassStatus: a Gateway API object's status says it is not accepted,
	// not programmed, or has unresolved references.
	ClassStatus = "status"
	// ClassNoCluster: a route sends to a cluster the proxy does not have
	// (Envoy answers 503).
	ClassNoCluster = "no-cluster"
	// ClassNoEndpoints: a route sends to a cluster without endpoints
	// (Envoy answers 503).
	ClassNoEndpoints = "no-endpoints"
)

// Request is one request to answer.
type Request struct {
	ID string `json:"id"`
	// Gateway is the gateway Service ("namespace/name") and Port its port
	// the request arrives on; or Mesh is the namespace of the sidecar that
	// sends it.
	Gateway string `json:"gateway,omitempty"`
	Port    uint32 `json:"port,omitempty"`
	Mesh    string `json:"mesh,omitempty"`
	Method  string `json:"method"`
	// Scheme is what the proxy sees (behind an ALB that ends TLS: http).
	Scheme string `json:"scheme,omitempty"`
	// TLS: the request comes in TLS (the scheme is https at the proxy),
	// with the SNI given (an ALB re-encrypting to the gateway sends none).
	TLS     bool                `json:"tls,omitempty"`
	SNI     string              `json:"sni,omitempty"`
	Host    string              `json:"host"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers,omitempty"`
}

// Answer is what istiod's configuration does with a request.
type Answer struct {
	ID string `json:"id"`
	// Proxy, Listener and RouteConfig say where the request was routed.
	Proxy       string `json:"proxy,omitempty"`
	Listener    string `json:"listener,omitempty"`
	RouteConfig string `json:"routeConfig,omitempty"`
	// VirtualHost is the Envoy virtual host picked, Route the index of the
	// route (in Table order) and its name; From its object.
	VirtualHost string `json:"virtualHost,omitempty"`
	Route       int    `json:"route"`
	RouteName   string `json:"routeName,omitempty"`
	From        string `json:"from,omitempty"`
	// Matched is that route, as its table has it.
	Matched *Route `json:"matched,omitempty"`
	// Status is 404 when no virtual host or route matches, else 0.
	Status   int       `json:"status,omitempty"`
	Backends []Backend `json:"backends,omitempty"`
	// Path and Host are what the backend receives.
	Path     string    `json:"path,omitempty"`
	Host     string    `json:"host,omitempty"`
	Redirect *Location `json:"redirect,omitempty"`
	Response *Response `json:"response,omitempty"`
	// Error says why the request could not be answered at all.
	Error string `json:"error,omitempty"`
}

// Location is a redirect's answer.
type Location struct {
	Location string `json:"location"`
	Status   int    `json:"status"`
}
