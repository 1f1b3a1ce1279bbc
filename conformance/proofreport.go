package conformance

// The reports of the proof layer's commands, as they print them
// (conformance/proof/istio/report.go, conformance/proof/alb/report.go,
// copied here with each type's name prefixed: the commands are modules of
// their own). They are decoded strictly, so a field one side adds and the
// other does not know fails the run instead of being dropped;
// TestProofReportTypes keeps the copies equal.

// The report istio-proof prints: the routing tables istiod computes, the
// problems it meets, and the answers to the requests it was given. This is
// the JSON contract the conformance suite (conformance/proof.go) decodes,
// strictly; docs/conformance.md describes it.

// IstioReport is everything istio-proof says about one cluster.
type IstioReport struct {
	Tables   []IstioTable   `json:"tables"`
	Problems []IstioProblem `json:"problems"`
	Answers  []IstioAnswer  `json:"answers"`
}

// IstioTable is the routing of one port of one proxy, as Envoy receives it.
type IstioTable struct {
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
	TLS   bool            `json:"tls,omitempty"`
	Hosts []IstioHost     `json:"hosts"`
	TCP   []IstioTCPRoute `json:"tcp,omitempty"`
	// TLSServers are the filter chains of the port that end TLS.
	TLSServers []IstioTLSServer `json:"tlsServers,omitempty"`
}

// IstioTLSServer is a filter chain that ends TLS: for the ServerNames (SNI;
// none: any), with the certificate of Credential (an SDS name,
// kubernetes://<Secret>), a minimum TLS version (Envoy's, TLS_AUTO being
// its default: 1.2 for a server), and whether clients must present a
// certificate (mutual TLS).
type IstioTLSServer struct {
	ServerNames       []string `json:"serverNames,omitempty"`
	Credential        string   `json:"credential,omitempty"`
	MinVersion        string   `json:"minVersion"`
	ClientCertificate bool     `json:"clientCertificate,omitempty"`
}

// IstioTCPRoute is a TCP proxy of a port: a TCP route, or TLS passed through
// to the backends of the ServerNames (SNI) it matches.
type IstioTCPRoute struct {
	ServerNames []string       `json:"serverNames,omitempty"`
	From        string         `json:"from,omitempty"`
	Backends    []IstioBackend `json:"backends"`
}

// IstioHost is one Envoy virtual host: its domains and its routes in the order
// Envoy tries them.
type IstioHost struct {
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	// RedirectsToHTTPS: plain HTTP gets a 301 to https before any route
	// (a Gateway server's tls.httpsRedirect).
	RedirectsToHTTPS bool         `json:"redirectsToHTTPS,omitempty"`
	Routes           []IstioRoute `json:"routes"`
}

// IstioRoute is one Envoy route, read back into the terms of the Istio API.
type IstioRoute struct {
	Name string `json:"name,omitempty"`
	// From is the object the route comes from: "VirtualService ns/name" or
	// "HTTPRoute ns/name"; empty for a route istiod adds by itself.
	From     string          `json:"from,omitempty"`
	Match    IstioMatch      `json:"match"`
	Backends []IstioBackend  `json:"backends,omitempty"`
	Rewrite  *IstioRewrite   `json:"rewrite,omitempty"`
	Redirect *IstioRedirect  `json:"redirect,omitempty"`
	Response *IstioResponse  `json:"response,omitempty"`
	Timeout  string          `json:"timeout,omitempty"`
	Retries  *IstioRetries   `json:"retries,omitempty"`
	CORS     *IstioCORS      `json:"cors,omitempty"`
	Headers  *IstioHeaderOps `json:"headers,omitempty"`
	Mirrors  []IstioMirror   `json:"mirrors,omitempty"`
	Fault    *IstioFault     `json:"fault,omitempty"`
}

// IstioMatch is what a request must have: Path is "prefix P", "exact P",
// "regex R" (the whole path) or "segments P" (P or P/..., the Gateway
// API's PathPrefix); a condition is "exact V", "prefix V", "suffix V",
// "contains V", "regex R", "present" or "absent", "not " before one
// that is inverted, " (any case)" after one that ignores case.
type IstioMatch struct {
	Path       string           `json:"path"`
	IgnoreCase bool             `json:"ignoreCase,omitempty"`
	Method     string           `json:"method,omitempty"`
	Headers    []IstioCondition `json:"headers,omitempty"`
	Query      []IstioCondition `json:"query,omitempty"`
}

// IstioCondition is one header or query parameter condition.
type IstioCondition struct {
	Name  string `json:"name"`
	Match string `json:"match"`
}

// IstioBackend is one destination of a route: a Service port (and subset) of
// the mesh, or, for a cluster that is none, the Envoy cluster's name.
type IstioBackend struct {
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

// IstioRewrite is what a route changes in a forwarded request: Prefix replaces
// the matched part of the path, Regex and Substitution every match of the
// pattern in it; Host the authority.
type IstioRewrite struct {
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	Host         string `json:"host,omitempty"`
}

// IstioRedirect is a route that answers with a redirect.
type IstioRedirect struct {
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

// IstioResponse is a route that answers by itself.
type IstioResponse struct {
	Status int    `json:"status"`
	Body   string `json:"body,omitempty"`
}

// IstioRetries is a route's retry policy.
type IstioRetries struct {
	Attempts      uint32 `json:"attempts"`
	PerTryTimeout string `json:"perTryTimeout,omitempty"`
	RetryOn       string `json:"retryOn,omitempty"`
	// RetriableStatusCodes are the codes retryOn's retriable-status-codes
	// names.
	RetriableStatusCodes []uint32 `json:"retriableStatusCodes,omitempty"`
}

// IstioCORS is a route's CORS policy; origins are conditions as in Match.
type IstioCORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     string   `json:"allowMethods,omitempty"`
	AllowHeaders     string   `json:"allowHeaders,omitempty"`
	ExposeHeaders    string   `json:"exposeHeaders,omitempty"`
	MaxAge           string   `json:"maxAge,omitempty"`
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
}

// IstioHeaderOps are the header changes of a route.
type IstioHeaderOps struct {
	Request  *IstioHeaderChanges `json:"request,omitempty"`
	Response *IstioHeaderChanges `json:"response,omitempty"`
}

// IstioHeaderChanges sets, adds and removes headers.
type IstioHeaderChanges struct {
	Set    map[string]string `json:"set,omitempty"`
	Add    map[string]string `json:"add,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

// IstioMirror is a share of the requests copied to another backend.
type IstioMirror struct {
	Backend IstioBackend `json:"backend"`
	Percent float64      `json:"percent"`
}

// IstioFault is a route's fault injection.
type IstioFault struct {
	DelayPercent float64 `json:"delayPercent,omitempty"`
	Delay        string  `json:"delay,omitempty"`
	AbortPercent float64 `json:"abortPercent,omitempty"`
	AbortStatus  int     `json:"abortStatus,omitempty"`
}

// IstioProblem is something istiod rejects, ignores, or computes that cannot
// serve: Class is one of the Class* constants.
type IstioProblem struct {
	Class   string `json:"class"`
	Object  string `json:"object,omitempty"`
	Message string `json:"message"`
}

// The classes of problem.
const (
	// IstioClassRejected: istiod's validation refuses the object (its webhook
	// would not admit it), or it cannot be converted.
	IstioClassRejected = "rejected"
	// IstioClassWarning: istiod's validation warns (not a failure here:
	// istioctl validate reports warnings in the conformance suite).
	IstioClassWarning = "warning"
	// IstioClassIgnored: the object produces no route on any proxy.
	IstioClassIgnored = "ignored"
	// IstioClassConflict: istiod drops part of the configuration for a
	// conflict (a duplicate domain, a duplicate subset, a gateway server
	// that clashes with another).
	IstioClassConflict = "conflict"
	// IstioClassStatus: a Gateway API object's status says it is not accepted,
	// not programmed, or has unresolved references.
	IstioClassStatus = "status"
	// IstioClassNoCluster: a route sends to a cluster the proxy does not have
	// (Envoy answers 503).
	IstioClassNoCluster = "no-cluster"
	// IstioClassNoEndpoints: a route sends to a cluster without endpoints
	// (Envoy answers 503).
	IstioClassNoEndpoints = "no-endpoints"
)

// IstioRequest is one request to answer.
type IstioRequest struct {
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

// IstioAnswer is what istiod's configuration does with a request.
type IstioAnswer struct {
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
	Matched *IstioRoute `json:"matched,omitempty"`
	// Status is 404 when no virtual host or route matches, else 0.
	Status   int            `json:"status,omitempty"`
	Backends []IstioBackend `json:"backends,omitempty"`
	// Path and Host are what the backend receives.
	Path     string         `json:"path,omitempty"`
	Host     string         `json:"host,omitempty"`
	Redirect *IstioLocation `json:"redirect,omitempty"`
	Response *IstioResponse `json:"response,omitempty"`
	// Error says why the request could not be answered at all.
	Error string `json:"error,omitempty"`
}

// IstioLocation is a redirect's answer.
type IstioLocation struct {
	Location string `json:"location"`
	Status   int    `json:"status"`
}

// The report alb-proof prints; the conformance suite (conformance/proof.go)
// decodes it strictly. docs/conformance.md describes it.

// ALBReport is everything alb-proof says about one cluster.
type ALBReport struct {
	ALBs     []ALBLoadBalancer `json:"albs"`
	Problems []ALBProblem      `json:"problems"`
	Answers  []ALBAnswer       `json:"answers"`
}

// ALBLoadBalancer is the load balancer of one IngressGroup.
type ALBLoadBalancer struct {
	// Group is the group's name (alb.ingress.kubernetes.io/group.name), or
	// "namespace/name" of the Ingress that is a group of its own.
	Group     string   `json:"group"`
	Ingresses []string `json:"ingresses"`
	Name      string   `json:"name"`
	Scheme    string   `json:"scheme"`
	// Listeners by port.
	Listeners    []ALBListener    `json:"listeners"`
	TargetGroups []ALBTargetGroup `json:"targetGroups"`
}

// ALBListener is one port of the ALB.
type ALBListener struct {
	Port         int32    `json:"port"`
	Protocol     string   `json:"protocol"`
	SSLPolicy    string   `json:"sslPolicy,omitempty"`
	Certificates []string `json:"certificates,omitempty"`
	// Default is what the listener does when no rule matches.
	Default []ALBAction `json:"default"`
	// Rules in the order the ALB evaluates them (by priority).
	Rules []ALBRule `json:"rules"`
}

// ALBRule is one listener rule.
type ALBRule struct {
	Priority   int32          `json:"priority"`
	Conditions []ALBCondition `json:"conditions"`
	Actions    []ALBAction    `json:"actions"`
	// Transforms are the rule's rewrites (as the controller's model
	// writes them), which alb-proof does not apply.
	Transforms []string `json:"transforms,omitempty"`
}

// ALBCondition is one rule condition: Field is host-header, path-pattern,
// http-request-method, http-header, query-string or source-ip; Values are
// its values (for http-header, Name is the header; for query-string,
// Values are "key=value"). Regex holds regex values.
type ALBCondition struct {
	Field  string   `json:"field"`
	Name   string   `json:"name,omitempty"`
	Values []string `json:"values,omitempty"`
	Regex  []string `json:"regex,omitempty"`
}

// ALBAction is what a rule (or a listener by default) does.
type ALBAction struct {
	Type     string            `json:"type"`
	Forward  []ALBForward      `json:"forward,omitempty"`
	Redirect *ALBRedirect      `json:"redirect,omitempty"`
	Fixed    *ALBFixedResponse `json:"fixedResponse,omitempty"`
}

// ALBForward is one target group of a forward action, by its ID in the
// model ("namespace/ingress-service:port").
type ALBForward struct {
	TargetGroup string `json:"targetGroup"`
	Weight      *int32 `json:"weight,omitempty"`
}

// ALBRedirect is a redirect action; the ALB's #{protocol}, #{host},
// #{port}, #{path} and #{query} keep the request's.
type ALBRedirect struct {
	Protocol string `json:"protocol,omitempty"`
	Host     string `json:"host,omitempty"`
	Port     string `json:"port,omitempty"`
	Path     string `json:"path,omitempty"`
	Query    string `json:"query,omitempty"`
	Status   string `json:"status"`
}

// ALBFixedResponse is a fixed-response action.
type ALBFixedResponse struct {
	Status      string `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
}

// ALBTargetGroup is one target group and the Service port it binds.
type ALBTargetGroup struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Service         string         `json:"service"`
	ServicePort     string         `json:"servicePort"`
	TargetType      string         `json:"targetType"`
	Port            int32          `json:"port"`
	Protocol        string         `json:"protocol"`
	ProtocolVersion string         `json:"protocolVersion,omitempty"`
	HealthCheck     ALBHealthCheck `json:"healthCheck"`
}

// ALBHealthCheck is a target group's health check: Port is a number, or
// "traffic-port" (the target's own port).
type ALBHealthCheck struct {
	Port      string `json:"port"`
	Protocol  string `json:"protocol"`
	Path      string `json:"path,omitempty"`
	Matcher   string `json:"matcher,omitempty"`
	Interval  int32  `json:"intervalSeconds,omitempty"`
	Timeout   int32  `json:"timeoutSeconds,omitempty"`
	Healthy   int32  `json:"healthyThreshold,omitempty"`
	Unhealthy int32  `json:"unhealthyThreshold,omitempty"`
}

// ALBProblem is what the controller refuses (Class "rejected": it would not
// reconcile that Ingress, or that whole group).
type ALBProblem struct {
	Class   string `json:"class"`
	Object  string `json:"object"`
	Message string `json:"message"`
}

// ALBRequest is one request to a load balancer.
type ALBRequest struct {
	ID      string              `json:"id"`
	Method  string              `json:"method"`
	Scheme  string              `json:"scheme"`
	Host    string              `json:"host"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers,omitempty"`
}

// ALBAnswer is what the ALB that serves the host does with a request.
type ALBAnswer struct {
	ID    string `json:"id"`
	Group string `json:"group,omitempty"`
	Port  int32  `json:"port,omitempty"`
	// Rule is the priority of the rule that matched; 0 when the listener's
	// default action answered.
	Rule   int32      `json:"rule"`
	Action *ALBAction `json:"action,omitempty"`
	// Location is where a redirect sends the client.
	Location string `json:"location,omitempty"`
	Error    string `json:"error,omitempty"`
}
