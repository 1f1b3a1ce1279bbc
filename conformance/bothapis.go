package conformance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// One meaning under both APIs: where a spec renders under api: istio and
// under api: gateway-api, the same requests must go to the same place
// (the same backends and weights, the same path and host, the same
// redirect or answer), with the same CORS policy, header changes, timeout,
// mirrors and faults on the route that takes them. Only the gateway the
// ALB targets differs (istio-ingressgateway, or the Service Istio deploys
// for the Gateway).

// CompareAPIs compares two runs of the same requests: istio's under api:
// istio, gw's under api: gateway-api.
func CompareAPIs(istio, gw *ProofRun) []Finding {
	source := istio.Source + " ~ " + gw.Source
	var out []Finding
	for i, r := range istio.Requests {
		a, b := istio.Outcomes[i], gw.Outcomes[i]
		var diffs []string
		if a.meaning() != b.meaning() {
			diffs = append(diffs, fmt.Sprintf("it gets %s under api: istio but %s under api: gateway-api", a.meaning(), b.meaning()))
		}
		diffs = append(diffs, routePolicyDiffs(istio.Matched[i], gw.Matched[i], istio.World, gw.World)...)
		if len(diffs) == 0 {
			continue
		}
		out = append(out, Finding{Source: source, Object: requestName(r), Component: BothAPIs, Severity: Error,
			Words: strings.Join(diffs, "\n") + fmt.Sprintf("\nvia (istio)        %s\nvia (gateway-api)  %s", istio.Outcomes[i].Via, gw.Outcomes[i].Via)})
	}
	sortFindings(out)
	return out
}

// meaning is what a request gets, whichever API rendered the route: the
// pods it ends up on and their weights (not the Services that name them),
// the path and host they receive, or the redirect, the answer, the 404.
func (o Outcome) meaning() string {
	m := o
	m.Backends, m.ALB, m.Via = nil, nil, ""
	s := m.String()
	if len(o.Pods) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(o.Pods)) {
			kv = append(kv, fmt.Sprintf("%s: %d", k, o.Pods[k]))
		}
		s = "{pods: {" + strings.Join(kv, ", ") + "}, path: " + o.Path + ", host: " + o.Host + "}"
	}
	return s
}

// routePolicyDiffs: what the two routes that take a request do to it
// besides sending it somewhere.
func routePolicyDiffs(a, b *IstioRoute, aw, bw *World) []string {
	if a == nil || b == nil {
		return nil
	}
	var out []string
	diff := func(what string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, fmt.Sprintf("its route's %s is %s under api: istio but %s under api: gateway-api", what, jsonText(x), jsonText(y)))
		}
	}
	diff("CORS policy", a.CORS, b.CORS)
	diff("header changes", a.Headers, b.Headers)
	diff("timeout", a.Timeout, b.Timeout)
	diff("retries", retryMeaning(a.Retries), retryMeaning(b.Retries))
	diff("mirrors", mirrors(a.Mirrors, aw), mirrors(b.Mirrors, bw))
	diff("fault injection", a.Fault, b.Fault)
	return out
}

// retryMeaning is what a retry policy retries, in Envoy's terms
// (x-envoy-retry-on, as its router decides: source/common/router/
// retry_state_impl.cc): the attempts, the time per try, and the responses
// and failures that are retried, whichever names say them. 5xx is every
// 5xx response and every reset; gateway-error 502, 503 and 504 and every
// reset (Envoy counts a reset as a 5xx); reset takes connect-failure and
// refused-stream in; retriable-4xx is 409; retriable-status-codes the
// codes listed. So "gateway-error" and "retriable-status-codes" with 502,
// 503 and 504 differ by the resets only.
func retryMeaning(r *IstioRetries) string {
	if r == nil {
		return "none"
	}
	on := map[string]bool{}
	codes := func(from, to uint32) {
		for c := from; c <= to; c++ {
			on[fmt.Sprintf("status %d", c)] = true
		}
	}
	for _, c := range strings.Split(r.RetryOn, ",") {
		switch c = strings.TrimSpace(c); c {
		case "":
		case "5xx":
			codes(500, 599)
			on["reset"] = true
		case "gateway-error":
			codes(502, 504)
			on["reset"] = true
		case "retriable-4xx":
			codes(409, 409)
		case "retriable-status-codes":
			for _, code := range r.RetriableStatusCodes {
				codes(code, code)
			}
		default:
			on[c] = true
		}
	}
	if on["reset"] {
		delete(on, "connect-failure")
		delete(on, "refused-stream")
	}
	return fmt.Sprintf("%d attempts, %s per try, on %s", r.Attempts, cmp.Or(r.PerTryTimeout, "the route's timeout"), strings.Join(compactStatuses(slices.Sorted(maps.Keys(on))), ", "))
}

// compactStatuses writes runs of status codes as ranges: "status 500-599".
func compactStatuses(conds []string) []string {
	var out []string
	for i := 0; i < len(conds); i++ {
		var from int
		if _, err := fmt.Sscanf(conds[i], "status %d", &from); err != nil {
			out = append(out, conds[i])
			continue
		}
		to := from
		for i+1 < len(conds) && conds[i+1] == fmt.Sprintf("status %d", to+1) {
			i, to = i+1, to+1
		}
		if to == from {
			out = append(out, conds[i])
		} else {
			out = append(out, fmt.Sprintf("status %d-%d", from, to))
		}
	}
	return out
}

// mirrors names where mirrored requests end up (pods, not Services).
func mirrors(ms []IstioMirror, w *World) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %g%%", w.podNames(m.Backend.Addresses), m.Percent))
	}
	return out
}

func jsonText(v any) string {
	if v == nil || reflect.ValueOf(v).IsZero() {
		return "none"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// unionRequests joins two sources' requests (the first of a request seen
// twice), for running both on the same.
func unionRequests(a, b []Request) []Request {
	out := slices.Clone(a)
	seen := map[string]bool{}
	for _, r := range a {
		seen[requestName(r)] = true
	}
	for _, r := range b {
		if !seen[requestName(r)] {
			out = append(out, r)
		}
	}
	return out
}

// FlipAPI turns an ExposurePlatform function config to the other API:
// api: istio (the default) becomes api: gateway-api without the istio
// gateway's Service and selector (the Gateway's own pods serve it), on the
// Gateway API's experimental channel (istiod reads its fields, retries
// among them, so what only it says is compared too), and api: gateway-api
// becomes api: istio without the Gateway's name and channel (the default
// istio-ingressgateway serves it). It returns the new API, or "" when the
// config is no ExposurePlatform.
func FlipAPI(config *unstructured.Unstructured) (string, error) {
	if config.GetKind() != "ExposurePlatform" {
		return "", nil
	}
	api, _, _ := unstructured.NestedString(config.Object, "spec", "api")
	if api == "gateway-api" {
		unstructured.RemoveNestedField(config.Object, "spec", "api")
		unstructured.RemoveNestedField(config.Object, "spec", "gateway", "name")
		unstructured.RemoveNestedField(config.Object, "spec", "gatewayAPI")
		return "istio", nil
	}
	unstructured.RemoveNestedField(config.Object, "spec", "gateway", "service")
	unstructured.RemoveNestedField(config.Object, "spec", "gateway", "selector")
	if err := unstructured.SetNestedField(config.Object, "experimental", "spec", "gatewayAPI", "channel"); err != nil {
		return "", err
	}
	return "gateway-api", unstructured.SetNestedField(config.Object, "gateway-api", "spec", "api")
}

// RenderFunction runs krm-fn (in fnDir) as a KRM function on items with
// config, as kustomize would, and returns the items it emits; an error
// carries what it said.
func RenderFunction(ctx context.Context, fnDir string, config *unstructured.Unstructured, items []*unstructured.Unstructured) ([]byte, error) {
	rl := map[string]any{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "functionConfig": config.Object}
	var list []any
	for _, it := range items {
		list = append(list, it.Object)
	}
	rl["items"] = list
	in, err := yaml.Marshal(rl)
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, "", in, filepath.Join(fnDir, "krm-fn"))
	if err != nil {
		return nil, err
	}
	var res struct {
		Items []map[string]any `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(out.stdout), &res); err != nil {
		return nil, fmt.Errorf("krm-fn's output: %w", err)
	}
	var b bytes.Buffer
	for _, it := range res.Items {
		y, err := yaml.Marshal(it)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

// renderSpec renders a case's input.yaml with its config.yaml (turned to
// the other API when flip is set) into out. It returns the API rendered
// and, when there is no rendering, why: a config that is no platform, or
// krm-fn's refusal (a spec one API cannot express is an error at render
// time, which is fine).
func renderSpec(ctx context.Context, fnDir, dir, out string, flip bool) (api, none string, err error) {
	cfgData, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		return "", "", err
	}
	cfg := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(cfgData, &cfg.Object); err != nil {
		return "", "", err
	}
	if cfg.GetKind() != "ExposurePlatform" {
		return "", "its config.yaml is no ExposurePlatform", nil
	}
	api, _, _ = unstructured.NestedString(cfg.Object, "spec", "api")
	api = cmp.Or(api, "istio")
	if flip {
		if api, err = FlipAPI(cfg); err != nil {
			return "", "", err
		}
	}
	var items []*unstructured.Unstructured
	if in, err := os.ReadFile(filepath.Join(dir, "input.yaml")); err == nil {
		objs, err := ParseObjects(in)
		if err != nil {
			return "", "", err
		}
		for _, o := range objs {
			items = append(items, o.Unstructured)
		}
	}
	rendered, err := RenderFunction(ctx, fnDir, cfg, items)
	if err != nil {
		return api, "krm-fn refuses it under api " + api + ": " + firstLine(err.Error()), nil
	}
	return api, "", os.WriteFile(out, rendered, 0o644)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
