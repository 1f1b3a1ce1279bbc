package main

// The report alb-proof prints; the conformance suite (conformance/proof.go)
// decodes it strictly. docs/conformance.md describes it.

// Report is everything alb-proof says about one cluster.
type Report struct {
	ALBs     []LoadBalancer `json:"albs"`
	Problems []Problem      `json:"problems"`
	Answers  []Answer       `json:"answers"`
}

// LoadBalancer is the load balancer of one IngressGroup.
type LoadBalancer struct {
	// Group is the group's name (alb.ingress.kubernetes.io/group.name), or
	// "namespace/name" of the Ingress that is a group of its own.
	Group     string   `json:"group"`
	Ingresses []string `json:"ingresses"`
	Name      string   `json:"name"`
	Scheme    string   `json:"scheme"`
	// Listeners by port.
	Listeners    []Listener    `json:"listeners"`
	TargetGroups []TargetGroup `json:"targetGroups"`
}

// Listener is one port of the ALB.
type Listener struct {
	Port         int32    `json:"port"`
	Protocol     string   `json:"protocol"`
	SSLPolicy    string   `json:"sslPolicy,omitempty"`
	Certificates []string `json:"certificates,omitempty"`
	// Default is what the listener does when no rule matches.
	Default []Action `json:"default"`
	// Rules in the order the ALB evaluates them (by priority).
	Rules []Rule `json:"rules"`
}

// Rule is one listener rule.
type Rule struct {
	Priority   int32       `json:"priority"`
	Conditions []Condition `json:"conditions"`
	Actions    []Action    `json:"actions"`
	// Transforms are the rule's rewrites (as the controller's model
	// writes them), which alb-proof does not apply.
	Transforms []string `json:"transforms,omitempty"`
}

// Condition is one rule condition: Field is host-header, path-pattern,
// http-request-method, http-header, query-string or source-ip; Values are
// its values (for http-header, Name is the header; for query-string,
// Values are "key=value"). Regex holds regex values.
type Condition struct {
	Field  string   `json:"field"`
	Name   string   `json:"name,omitempty"`
	Values []string `json:"values,omitempty"`
	Regex  []string `json:"regex,omitempty"`
}

// Action is what a rule (or a listener by default) does.
type Action struct {
	Type     string         `json:"type"`
	Forward  []Forward      `json:"forward,omitempty"`
	Redirect *Redirect      `json:"redirect,omitempty"`
	Fixed    *FixedResponse `json:"fixedResponse,omitempty"`
}

// Forward is one target group of a forward action, by its ID in the
// model ("namespace/ingress-service:port").
type Forward struct {
	TargetGroup string `json:"targetGroup"`
	Weight      *int32 `json:"weight,omitempty"`
}

// Redirect is a redirect action; the ALB's #{protocol}, #{host},
// #{port}, #{path} and #{query} keep the request's.
type Redirect struct {
	Protocol string `json:"protocol,omitempty"`
	Host     string `json:"host,omitempty"`
	Port     string `json:"port,omitempty"`
	Path     string `json:"path,omitempty"`
	Query    string `json:"query,omitempty"`
	Status   string `json:"status"`
}

// FixedResponse is a fixed-response action.
type FixedResponse struct {
	Status      string `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
}

// TargetGroup is one target group and the Service port it binds.
type TargetGroup struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Service         string      `json:"service"`
	ServicePort     string      `json:"servicePort"`
	TargetType      string      `json:"targetType"`
	Port            int32       `json:"port"`
	Protocol        string      `json:"protocol"`
	ProtocolVersion string      `json:"protocolVersion,omitempty"`
	HealthCheck     HealthCheck `json:"healthCheck"`
}

// HealthCheck is a target group's health check: Port is a number, or
// "traffic-port" (the target's own port).
type HealthCheck struct {
	Port      string `json:"port"`
	Protocol  string `json:"protocol"`
	Path      string `json:"path,omitempty"`
	Matcher   string `json:"matcher,omitempty"`
	Interval  int32  `json:"intervalSeconds,omitempty"`
	Timeout   int32  `json:"timeoutSeconds,omitempty"`
	Healthy   int32  `json:"healthyThreshold,omitempty"`
	Unhealthy int32  `json:"unhealthyThreshold,omitempty"`
}

// Problem is what the controller refuses (Class "rejected": it would not
// reconcile that Ingress, or that whole group).
type Problem struct {
	Class   string `json:"class"`
	Object  string `json:"object"`
	Message string `json:"message"`
}

// Request is one request to a load balancer.
type Request struct {
	ID      string              `json:"id"`
	Method  string              `json:"method"`
	Scheme  string              `json:"scheme"`
	Host    string              `json:"host"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers,omitempty"`
}

// Answer is what the ALB that serves the host does with a request.
type Answer struct {
	ID    string `json:"id"`
	Group string `json:"group,omitempty"`
	Port  int32  `json:"port,omitempty"`
	// Rule is the priority of the rule that matched; 0 when the listener's
	// default action answered.
	Rule   int32   `json:"rule"`
	Action *Action `json:"action,omitempty"`
	// Location is where a redirect sends the client.
	Location string `json:"location,omitempty"`
	Error    string `json:"error,omitempty"`
}
