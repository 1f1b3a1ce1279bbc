package routecmp

import "slices"

// The JSON of krm-fn routes (internal/routes/routes.go, docs/routes.md),
// decoded strictly: TestTypesMatchRoutes keeps these in step.

type krmRoutes struct {
	Version  int        `json:"version"`
	Source   string     `json:"source"`
	Platform string     `json:"platform,omitempty"`
	API      string     `json:"api"`
	Tables   []krmTable `json:"tables"`
}

type krmTable struct {
	Proxy    string    `json:"proxy"`
	Port     uint32    `json:"port"`
	TLS      bool      `json:"tls,omitempty"`
	ExportTo []string  `json:"exportTo,omitempty"`
	Hosts    []krmHost `json:"hosts,omitempty"`
	TCP      []krmTCP  `json:"tcp,omitempty"`
}

type krmHost struct {
	Domains          []string   `json:"domains"`
	RedirectsToHTTPS bool       `json:"redirectsToHTTPS,omitempty"`
	Routes           []krmRoute `json:"routes"`
}

type krmTCP struct {
	ServerNames []string  `json:"serverNames,omitempty"`
	From        string    `json:"from"`
	Origin      string    `json:"origin"`
	Backends    []backend `json:"backends"`
}

type krmRoute struct {
	Name   string `json:"name,omitempty"`
	From   string `json:"from"`
	Origin string `json:"origin"`
	Match  match  `json:"match"`
	action
	Unreachable string `json:"unreachable,omitempty"`
}

// action is what a route does, in the same fields on both sides.
type action struct {
	Backends []backend  `json:"backends,omitempty"`
	Rewrite  *rewrite   `json:"rewrite,omitempty"`
	Redirect *redirect  `json:"redirect,omitempty"`
	Response *response  `json:"response,omitempty"`
	Timeout  string     `json:"timeout,omitempty"`
	Retries  *krmRetry  `json:"retries,omitempty"`
	CORS     *cors      `json:"cors,omitempty"`
	Headers  *headerOps `json:"headers,omitempty"`
	Mirrors  []mirror   `json:"mirrors,omitempty"`
	Fault    *fault     `json:"fault,omitempty"`
}

type krmRetry struct {
	Attempts             uint32   `json:"attempts"`
	PerTryTimeout        string   `json:"perTryTimeout,omitempty"`
	RetryOn              string   `json:"retryOn,omitempty"`
	RetriableStatusCodes []uint32 `json:"retriableStatusCodes,omitempty"`
	Default              bool     `json:"default,omitempty"`
}

// The part of istio-proof's report this compares (its "tables"), decoded
// leniently: the rest of the report is not this package's.

type istioReport struct {
	Tables []istioTable `json:"tables"`
}

type istioTable struct {
	Proxy      string      `json:"proxy"`
	Namespaces []string    `json:"namespaces"`
	Port       uint32      `json:"port"`
	TLS        bool        `json:"tls"`
	Hosts      []istioHost `json:"hosts"`
	TCP        []istioTCP  `json:"tcp"`
}

type istioHost struct {
	Name             string       `json:"name"`
	Domains          []string     `json:"domains"`
	RedirectsToHTTPS bool         `json:"redirectsToHTTPS"`
	Routes           []istioRoute `json:"routes"`
}

type istioTCP struct {
	ServerNames []string  `json:"serverNames"`
	From        string    `json:"from"`
	Backends    []backend `json:"backends"`
}

type istioRoute struct {
	Name  string     `json:"name"`
	From  string     `json:"from"`
	Match istioMatch `json:"match"`
	action
}

type istioMatch struct {
	match
	IgnoreCase bool `json:"ignoreCase"`
}

// The parts both say alike.

type match struct {
	Path    string      `json:"path"`
	Method  string      `json:"method,omitempty"`
	Headers []condition `json:"headers,omitempty"`
	Query   []condition `json:"query,omitempty"`
}

type condition struct {
	Name  string `json:"name"`
	Match string `json:"match"`
}

// backend is a destination: krm-fn routes' name, namespace and
// subsetService (what the Service stands for) are its own.
type backend struct {
	Service       string `json:"service,omitempty"`
	Name          string `json:"name,omitempty"`
	Namespace     string `json:"namespace,omitempty"`
	Port          uint32 `json:"port,omitempty"`
	Subset        string `json:"subset,omitempty"`
	SubsetService string `json:"subsetService,omitempty"`
	Cluster       string `json:"cluster,omitempty"`
	Weight        uint32 `json:"weight,omitempty"`
	// istio-proof's, of no concern here.
	Endpoints int      `json:"endpoints,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
}

type rewrite struct {
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	Host         string `json:"host,omitempty"`
}

type redirect struct {
	Scheme       string `json:"scheme,omitempty"`
	Host         string `json:"host,omitempty"`
	Port         uint32 `json:"port,omitempty"`
	Path         string `json:"path,omitempty"`
	Prefix       string `json:"prefix,omitempty"`
	Regex        string `json:"regex,omitempty"`
	Substitution string `json:"substitution,omitempty"`
	StripQuery   bool   `json:"stripQuery,omitempty"`
	Status       int    `json:"status,omitempty"`
}

type response struct {
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`
}

type retries struct {
	Attempts      uint32 `json:"attempts,omitempty"`
	PerTryTimeout string `json:"perTryTimeout,omitempty"`
	RetryOn       string `json:"retryOn,omitempty"`
}

type cors struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     string   `json:"allowMethods,omitempty"`
	AllowHeaders     string   `json:"allowHeaders,omitempty"`
	ExposeHeaders    string   `json:"exposeHeaders,omitempty"`
	MaxAge           string   `json:"maxAge,omitempty"`
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
}

type headerOps struct {
	Request  *headerChanges `json:"request,omitempty"`
	Response *headerChanges `json:"response,omitempty"`
}

type headerChanges struct {
	Set    map[string]string `json:"set,omitempty"`
	Add    map[string]string `json:"add,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

type mirror struct {
	Backend backend `json:"backend"`
	Percent float64 `json:"percent"`
}

type fault struct {
	DelayPercent float64 `json:"delayPercent,omitempty"`
	Delay        string  `json:"delay,omitempty"`
	AbortPercent float64 `json:"abortPercent,omitempty"`
	AbortStatus  int     `json:"abortStatus,omitempty"`
}

// envoyRoute is the route as Envoy receives it.
func (r krmRoute) envoyRoute() envoyRoute { return r.action.envoyRoute(r.Name, r.From, r.Match) }

func (r istioRoute) envoyRoute() envoyRoute {
	m := r.Match.match
	if r.Match.IgnoreCase {
		m.Path += " (any case)"
	}
	return r.action.envoyRoute(r.Name, r.From, m)
}

func (a action) envoyRoute(name, from string, m match) envoyRoute {
	c := envoyRoute{Name: name, From: from, Match: m.sorted(), Backends: envoyBackends(a.Backends),
		Timeout: a.Timeout, CORS: a.CORS, Mirrors: envoyMirrors(a.Mirrors)}
	if a.Rewrite != nil {
		c.Rewrite = *a.Rewrite
	}
	if a.Redirect != nil {
		c.Redirect = *a.Redirect
	}
	if a.Response != nil {
		c.Response = *a.Response
	}
	if a.Retries != nil {
		c.Retries = retries{Attempts: a.Retries.Attempts, PerTryTimeout: a.Retries.PerTryTimeout, RetryOn: a.Retries.RetryOn}
	}
	if a.Headers != nil {
		c.Headers = a.Headers.normal()
	}
	if a.Fault != nil {
		c.Fault = *a.Fault
	}
	return c
}

// sorted orders the conditions by name (istiod orders headers so, query
// parameters as it iterates a map).
func (m match) sorted() match {
	by := func(a, b condition) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	}
	m.Headers = slices.SortedStableFunc(slices.Values(m.Headers), by)
	m.Query = slices.SortedStableFunc(slices.Values(m.Query), by)
	return m
}

// envoyBackends are the backends Envoy sends to, in what both sides say
// of them: the Service's cluster name, port, subset and weight.
func envoyBackends(bs []backend) []backend {
	var out []backend
	for _, b := range keepBackends(bs) {
		out = append(out, backend{Service: b.Service, Port: b.Port, Subset: b.Subset, Cluster: b.Cluster, Weight: b.Weight})
	}
	return out
}

func envoyMirrors(ms []mirror) []mirror {
	var out []mirror
	for _, m := range ms {
		if m.Percent <= 0 {
			continue // none mirrored: Envoy receives no mirror
		}
		b := m.Backend
		out = append(out, mirror{Backend: backend{Service: b.Service, Port: b.Port, Subset: b.Subset, Cluster: b.Cluster}, Percent: percent(m.Percent)})
	}
	return out
}

// normal is the header changes, an empty side as none.
func (h headerOps) normal() headerOps {
	empty := func(c *headerChanges) bool {
		return c == nil || len(c.Set) == 0 && len(c.Add) == 0 && len(c.Remove) == 0
	}
	if empty(h.Request) {
		h.Request = nil
	}
	if empty(h.Response) {
		h.Response = nil
	}
	return h
}
