package main

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// answer finds the ALB whose rules name the request's host (DNS sends the
// host to that load balancer), its listener on the request's port, and
// the first rule, by priority, whose every condition holds, as the ALB
// evaluates its rules (AWS: "Listener rules for your Application Load
// Balancer": values of one condition are ORed, conditions ANDed; host,
// header and query values are case-insensitive, paths case-sensitive; '*'
// matches any characters, '?' exactly one).
func answer(albs []LoadBalancer, r Request) Answer {
	a := Answer{ID: r.ID}
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	var serving []*LoadBalancer
	for i := range albs {
		if servesHost(&albs[i], host) {
			serving = append(serving, &albs[i])
		}
	}
	switch len(serving) {
	case 0:
		a.Error = fmt.Sprintf("no ALB has a rule for the host %s", host)
		return a
	case 1:
	default:
		var names []string
		for _, s := range serving {
			names = append(names, s.Group)
		}
		a.Error = fmt.Sprintf("several ALBs have rules for the host %s (groups %s): DNS can send it to only one", host, strings.Join(names, ", "))
		return a
	}
	alb := serving[0]
	a.Group = alb.Group
	port := int32(80)
	if r.Scheme == "https" {
		port = 443
	}
	a.Port = port
	var l *Listener
	for i := range alb.Listeners {
		if alb.Listeners[i].Port == port {
			l = &alb.Listeners[i]
		}
	}
	if l == nil {
		a.Error = fmt.Sprintf("the ALB of group %s has no listener on port %d", alb.Group, port)
		return a
	}
	actions := l.Default
	for _, rule := range l.Rules {
		ok, err := ruleMatches(rule, r, host)
		if err != nil {
			a.Error = fmt.Sprintf("rule %d: %v", rule.Priority, err)
			return a
		}
		if ok {
			a.Rule, actions = rule.Priority, rule.Actions
			break
		}
	}
	for _, act := range actions {
		if strings.HasPrefix(act.Type, "authenticate-") {
			continue // authentication first, then the routing action
		}
		act := act
		a.Action = &act
		if act.Redirect != nil {
			a.Location = location(act.Redirect, r, host, port)
		}
		break
	}
	return a
}

// servesHost: one of the ALB's rules names the host (or the ALB has a
// rule for every host).
func servesHost(alb *LoadBalancer, host string) bool {
	for _, l := range alb.Listeners {
		for _, rule := range l.Rules {
			hostCondition := false
			for _, c := range rule.Conditions {
				if c.Field != "host-header" {
					continue
				}
				hostCondition = true
				if anyWildcard(c.Values, host, true) {
					return true
				}
			}
			if !hostCondition {
				return true
			}
		}
	}
	return false
}

func ruleMatches(rule Rule, r Request, host string) (bool, error) {
	path, query, _ := strings.Cut(r.Path, "?")
	for _, c := range rule.Conditions {
		if len(c.Regex) > 0 {
			return false, fmt.Errorf("a %s condition with regex values, which this check does not evaluate", c.Field)
		}
		var ok bool
		switch c.Field {
		case "host-header":
			ok = anyWildcard(c.Values, host, true)
		case "path-pattern":
			ok = anyWildcard(c.Values, path, false)
		case "http-request-method":
			for _, v := range c.Values {
				ok = ok || v == r.Method
			}
		case "http-header":
			for name, vs := range r.Headers {
				if strings.EqualFold(name, c.Name) {
					ok = ok || anyWildcard(c.Values, strings.Join(vs, ","), true)
				}
			}
		case "query-string":
			params, err := url.ParseQuery(query)
			if err != nil {
				return false, fmt.Errorf("query %q: %w", query, err)
			}
			for _, kv := range c.Values {
				k, v, _ := strings.Cut(kv, "=")
				for pk, pvs := range params {
					if k != "" && !wildcard(k, pk, true) {
						continue
					}
					for _, pv := range pvs {
						ok = ok || wildcard(v, pv, true)
					}
				}
			}
		default:
			return false, fmt.Errorf("a %s condition, which this check does not evaluate", c.Field)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func anyWildcard(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcard(p, s, fold) {
			return true
		}
	}
	return false
}

// wildcard matches an ALB condition value: '*' any characters, '?' one.
func wildcard(pattern, s string, fold bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if fold {
		b.WriteString("(?i)")
	}
	for _, c := range pattern {
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(s)
}

// location is where a redirect action sends the client; #{protocol},
// #{host}, #{port}, #{path} and #{query} are the request's.
func location(rd *Redirect, r Request, host string, port int32) string {
	path, query, _ := strings.Cut(r.Path, "?")
	scheme := r.Scheme
	if scheme == "" {
		scheme = "http"
	}
	sub := strings.NewReplacer("#{protocol}", scheme, "#{host}", host, "#{port}", fmt.Sprint(port), "#{path}", strings.TrimPrefix(path, "/"), "#{query}", query)
	proto := strings.ToLower(sub.Replace(or(rd.Protocol, "#{protocol}")))
	h := sub.Replace(or(rd.Host, "#{host}"))
	p := sub.Replace(or(rd.Port, "#{port}"))
	pa := "/" + strings.TrimPrefix(sub.Replace(or(rd.Path, "/#{path}")), "/")
	q := sub.Replace(or(rd.Query, "#{query}"))
	loc := proto + "://" + h
	if !(proto == "https" && p == "443") && !(proto == "http" && p == "80") {
		loc += ":" + p
	}
	loc += pa
	if q != "" {
		loc += "?" + q
	}
	return loc
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
