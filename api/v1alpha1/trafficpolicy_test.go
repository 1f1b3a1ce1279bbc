package v1alpha1

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var tpPath = field.NewPath("spec", "trafficPolicy")

// parseTrafficPolicy is raw as a trafficPolicy of an exposure in
// namespace prd-api after decoding and validation: the policy, or every
// problem.
func parseTrafficPolicy(raw json.RawMessage) (*networking.TrafficPolicy, field.ErrorList) {
	t := ParseTrafficPolicy(raw)
	if t == nil {
		return nil, nil
	}
	if errs := t.validate("prd-api"); len(errs) > 0 {
		return nil, errs
	}
	return t.Policy, nil
}

// typeInvalid and unknown are the errors of strict decoding, which carry
// no value.
func typeInvalid(path *field.Path, detail string) *field.Error {
	return &field.Error{Type: field.ErrorTypeTypeInvalid, Field: path.String(), BadValue: field.OmitValueType{}, Detail: detail}
}

// negative is apimachinery's error for a negative value.
func negative(path *field.Path, v int64) *field.Error {
	return field.Invalid(path, v, "must be greater than or equal to 0").WithOrigin("minimum")
}

func unknown(path *field.Path, detail string) *field.Error {
	return &field.Error{Type: field.ErrorTypeNotSupported, Field: path.String(), BadValue: field.OmitValueType{}, Detail: detail}
}

var (
	simpleLBs  = []string{"UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"}
	tcp        = tpPath.Child("connectionPool", "tcp")
	httpPool   = tpPath.Child("connectionPool", "http")
	outlier    = tpPath.Child("outlierDetection")
	lb         = tpPath.Child("loadBalancer")
	hash       = lb.Child("consistentHash")
	locality   = lb.Child("localityLbSetting")
	tls        = tpPath.Child("tls")
	pls        = tpPath.Child("portLevelSettings")
	mutualWhy  = "mode MUTUAL needs a client certificate and its private key, or a credentialName"
	hashKeys   = "set only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName"
	lbPolicies = "set only one of simple, consistentHash, backendUtilization"
)

// TestParseTrafficPolicyDecoding covers the walk along Istio's types:
// every unknown field, wrong type and bad enum value, with its path.
func TestParseTrafficPolicyDecoding(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		want field.ErrorList
	}{
		"none":                    {json: ``},
		"null is none":            {json: `null`},
		"null fields are unset":   {json: `{"connectionPool": null, "tls": {"mode": "SIMPLE", "sni": null}}`},
		"wrappers take the value": {json: `{"outlierDetection": {"consecutive5xxErrors": 5}, "tls": {"mode": "SIMPLE", "insecureSkipVerify": true}}`},
		"integral floats are integers": {
			json: `{"connectionPool": {"tcp": {"maxConnections": 1e2}, "http": {"maxRetries": 3.0}}}`,
		},
		"not an object": {
			json: `5`,
			want: field.ErrorList{typeInvalid(tpPath, "must be an object, not 5")},
		},
		"unknown field with a suggestion": {
			json: `{"connectionPool": {"tcp": {"maxConnectoins": 10}}}`,
			want: field.ErrorList{unknown(tcp.Child("maxConnectoins"), `unknown field, did you mean "maxConnections"?`)},
		},
		"proto names are not JSON names": {
			json: `{"connectionPool": {"tcp": {"max_connections": 10}}}`,
			want: field.ErrorList{unknown(tcp.Child("max_connections"), `unknown field, did you mean "maxConnections"?`)},
		},
		"unknown field with nothing close": {
			json: `{"retries": {"attempts": 3}}`,
			want: field.ErrorList{unknown(tpPath.Child("retries"), "unknown field")},
		},
		"every problem, not only the first": {
			json: `{"connectionPool": {"tcp": {"maxConnectoins": 10, "connectTimeout": 5}, "http": 3},
				"loadBalancer": {"simple": "ROUND_ROBIN_X"}, "outlierDetection": {"intervall": "5s"}}`,
			want: field.ErrorList{
				typeInvalid(httpPool, "must be an object, not 3"),
				typeInvalid(tcp.Child("connectTimeout"), `must be a duration such as "10s", not 5`),
				unknown(tcp.Child("maxConnectoins"), `unknown field, did you mean "maxConnections"?`),
				field.NotSupported(lb.Child("simple"), "ROUND_ROBIN_X", simpleLBs),
				unknown(outlier.Child("intervall"), `unknown field, did you mean "interval"?`),
			},
		},
		"enum by number": {
			json: `{"loadBalancer": {"simple": 4}}`,
			want: field.ErrorList{field.NotSupported(lb.Child("simple"), int64(4), simpleLBs)},
		},
		"enum of the wrong type": {
			json: `{"tls": {"mode": ["SIMPLE"]}}`,
			want: field.ErrorList{typeInvalid(tls.Child("mode"), "must be a string, not an array")},
		},
		"wrong scalar types": {
			json: `{"connectionPool": {"tcp": {"maxConnections": "10"}, "http": {"useClientProtocol": "yes", "maxRetries": 2.5}},
				"tls": {"mode": "SIMPLE", "sni": 5, "insecureSkipVerify": "true"}}`,
			want: field.ErrorList{
				typeInvalid(httpPool.Child("maxRetries"), "must be an integer, not 2.5"),
				typeInvalid(httpPool.Child("useClientProtocol"), "must be true or false, not a string"),
				typeInvalid(tcp.Child("maxConnections"), "must be an integer, not a string"),
				typeInvalid(tls.Child("insecureSkipVerify"), "must be true or false, not a string"),
				typeInvalid(tls.Child("sni"), "must be a string, not 5"),
			},
		},
		"integers out of range": {
			json: `{"connectionPool": {"tcp": {"maxConnections": 3000000000, "tcpKeepalive": {"probes": -1}}},
				"outlierDetection": {"consecutive5xxErrors": -5}}`,
			want: field.ErrorList{
				field.Invalid(tcp.Child("maxConnections"), int64(3000000000), "must be between -2147483648 and 2147483647, inclusive"),
				field.Invalid(tcp.Child("tcpKeepalive", "probes"), int64(-1), "must be between 0 and 4294967295, inclusive"),
				field.Invalid(outlier.Child("consecutive5xxErrors"), int64(-5), "must be between 0 and 4294967295, inclusive"),
			},
		},
		"durations": {
			json: `{"outlierDetection": {"interval": "5", "baseEjectionTime": "three minutes"}, "connectionPool": {"tcp": {"connectTimeout": {"seconds": 5}}}}`,
			want: field.ErrorList{
				typeInvalid(tcp.Child("connectTimeout"), `must be a duration such as "10s", not an object`),
				field.Invalid(outlier.Child("baseEjectionTime"), "three minutes", durationHint),
				field.Invalid(outlier.Child("interval"), "5", durationHint),
			},
		},
		"lists and their elements": {
			json: `{"portLevelSettings": {"port": {"number": 80}}, "tls": {"mode": "SIMPLE", "subjectAltNames": ["a", null, 3]}}`,
			want: field.ErrorList{
				typeInvalid(pls, "must be a list, not an object"),
				typeInvalid(tls.Child("subjectAltNames").Index(1), "must be a string, not null"),
				typeInvalid(tls.Child("subjectAltNames").Index(2), "must be a string, not 3"),
			},
		},
		"port-level settings are walked too": {
			json: `{"portLevelSettings": [{"port": {"number": 80}, "connectionPool": {"tcp": {"maxConnectoins": 1}}}]}`,
			want: field.ErrorList{unknown(pls.Index(0).Child("connectionPool", "tcp", "maxConnectoins"), `unknown field, did you mean "maxConnections"?`)},
		},
		"maps and their values": {
			json: `{"loadBalancer": {"localityLbSetting": {"distribute": [{"from": "a", "to": {"b": "100"}}, {"from": "c", "to": ["d"]}]}}}`,
			want: field.ErrorList{
				typeInvalid(locality.Child("distribute").Index(0).Child("to").Key("b"), "must be an integer, not a string"),
				typeInvalid(locality.Child("distribute").Index(1).Child("to"), "must be a map, not an array"),
			},
		},
		"several hash keys": {
			json: `{"loadBalancer": {"consistentHash": {"httpHeaderName": "x-user", "useSourceIp": true}}}`,
			want: field.ErrorList{field.Forbidden(hash.Child("useSourceIp"), "may not be set together with httpHeaderName: "+hashKeys)},
		},
		"simple and consistentHash": {
			json: `{"loadBalancer": {"simple": "ROUND_ROBIN", "consistentHash": {"useSourceIp": true}}}`,
			want: field.ErrorList{field.Forbidden(lb.Child("simple"), "may not be set together with consistentHash: "+lbPolicies)},
		},
		"a null oneof member is unset": {
			json: `{"loadBalancer": {"simple": "ROUND_ROBIN", "consistentHash": null}}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, got := parseTrafficPolicy(json.RawMessage(tc.json))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseTrafficPolicy(%s) (-want +got):\n%s", tc.json, diff)
			}
		})
	}
}

// TestParseTrafficPolicyIstioRules covers Istio's checks (istioctl
// validate, istiod's webhook) and its CRD's bounds, one rule at a time.
func TestParseTrafficPolicyIstioRules(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		want field.ErrorList
	}{
		"valid": {
			json: `{"loadBalancer": {"simple": "LEAST_REQUEST", "warmup": {"duration": "1m", "minimumPercent": 10, "aggression": 1.5}},
				"connectionPool": {"tcp": {"maxConnections": 100, "connectTimeout": "3s", "idleTimeout": "0s"},
					"http": {"http2MaxRequests": 1000, "idleTimeout": "1h30m", "http2KeepAlive": {"interval": "30s", "timeout": "5s"}}},
				"outlierDetection": {"consecutive5xxErrors": 5, "interval": "500ms", "baseEjectionTime": "3m", "maxEjectionPercent": 50,
					"splitExternalLocalOriginErrors": true, "consecutiveLocalOriginFailures": 3, "outlierDetectionHttpErrorCodes": [500, 503]},
				"tls": {"mode": "MUTUAL", "credentialName": "client-cert"},
				"portLevelSettings": [{"port": {"number": 9000}, "tls": {"mode": "DISABLE"}}],
				"retryBudget": {"percent": 20}}`,
		},
		"empty": {
			json: `{}`,
			want: field.ErrorList{field.Required(tpPath, "set at least one of loadBalancer, connectionPool, outlierDetection, tls, portLevelSettings, tunnel, proxyProtocol and retryBudget, or leave trafficPolicy out")},
		},
		"empty connection pool": {
			json: `{"connectionPool": {}}`,
			want: field.ErrorList{field.Required(tpPath.Child("connectionPool"), "set tcp or http, or leave connectionPool out")},
		},
		"negative connection pool settings": {
			json: `{"connectionPool": {"tcp": {"maxConnections": -1}, "http": {"http1MaxPendingRequests": -1, "http2MaxRequests": -2,
				"maxRequestsPerConnection": -3, "maxRetries": -4, "maxConcurrentStreams": -5}}}`,
			want: field.ErrorList{
				negative(httpPool.Child("http1MaxPendingRequests"), -1),
				negative(httpPool.Child("http2MaxRequests"), -2),
				negative(httpPool.Child("maxRequestsPerConnection"), -3),
				negative(httpPool.Child("maxRetries"), -4),
				negative(httpPool.Child("maxConcurrentStreams"), -5),
				negative(tcp.Child("maxConnections"), -1),
			},
		},
		"durations below 1ms or finer than 1ms": {
			json: `{"connectionPool": {"tcp": {"connectTimeout": "0.5ms", "maxConnectionDuration": "1.5ms", "idleTimeout": "-1s",
					"tcpKeepalive": {"time": "0s", "interval": "1500us"}}, "http": {"idleTimeout": "999us"}},
				"outlierDetection": {"interval": "0s", "baseEjectionTime": "-3m"}, "loadBalancer": {"warmupDurationSecs": "0s"}}`,
			want: field.ErrorList{
				field.Invalid(lb.Child("warmupDurationSecs"), "0s", "must be at least 1ms"),
				field.Invalid(httpPool.Child("idleTimeout"), "999µs", "must be at least 1ms"),
				field.Invalid(tcp.Child("connectTimeout"), "500µs", "must be at least 1ms"),
				field.Invalid(tcp.Child("maxConnectionDuration"), "1.5ms", "must be a whole number of milliseconds: Istio takes nothing finer"),
				field.Invalid(tcp.Child("idleTimeout"), "-1s", "must be at least 1ms"),
				field.Invalid(tcp.Child("tcpKeepalive", "time"), "0s", "must be at least 1ms"),
				field.Invalid(tcp.Child("tcpKeepalive", "interval"), "1.5ms", "must be a whole number of milliseconds: Istio takes nothing finer"),
				field.Invalid(outlier.Child("baseEjectionTime"), "-3m0s", "must be at least 1ms"),
				field.Invalid(outlier.Child("interval"), "0s", "must be at least 1ms"),
			},
		},
		"h2 upgrade with the client's protocol": {
			json: `{"connectionPool": {"http": {"h2UpgradePolicy": "UPGRADE", "useClientProtocol": true}}}`,
			want: field.ErrorList{field.Forbidden(httpPool.Child("useClientProtocol"), "may not be true when h2UpgradePolicy is UPGRADE")},
		},
		"http2 keepalive without interval and timeout": {
			json: `{"connectionPool": {"http": {"http2KeepAlive": {}}}}`,
			want: field.ErrorList{
				field.Required(httpPool.Child("http2KeepAlive", "interval"), "a keepalive needs both its interval and its timeout"),
				field.Required(httpPool.Child("http2KeepAlive", "timeout"), "a keepalive needs both its interval and its timeout"),
			},
		},
		"outlier detection percentages": {
			json: `{"outlierDetection": {"maxEjectionPercent": 101, "minHealthPercent": -1, "failurePercentageThreshold": 120}}`,
			want: field.ErrorList{
				field.Invalid(outlier.Child("maxEjectionPercent"), int32(101), "must be between 0 and 100, inclusive"),
				field.Invalid(outlier.Child("minHealthPercent"), int32(-1), "must be between 0 and 100, inclusive"),
				field.Invalid(outlier.Child("failurePercentageThreshold"), uint32(120), "must be between 0 and 100, inclusive"),
			},
		},
		"outlier detection status codes": {
			json: `{"outlierDetection": {"outlierDetectionHttpErrorCodes": [99, 503, 600]}}`,
			want: field.ErrorList{
				field.Invalid(outlier.Child("outlierDetectionHttpErrorCodes").Index(0), uint32(99), "must be an HTTP status code, between 100 and 599"),
				field.Invalid(outlier.Child("outlierDetectionHttpErrorCodes").Index(2), uint32(600), "must be an HTTP status code, between 100 and 599"),
			},
		},
		"local origin failures without splitting them": {
			json: `{"outlierDetection": {"consecutiveLocalOriginFailures": 3}}`,
			want: field.ErrorList{field.Invalid(outlier.Child("consecutiveLocalOriginFailures"), uint32(3),
				"counts local origin failures apart, which needs splitExternalLocalOriginErrors: true")},
		},
		"mutual TLS without certificates": {
			json: `{"tls": {"mode": "MUTUAL"}}`,
			want: field.ErrorList{
				field.Required(tls.Child("clientCertificate"), mutualWhy),
				field.Required(tls.Child("privateKey"), mutualWhy),
			},
		},
		"mutual TLS with a certificate and no key": {
			json: `{"tls": {"mode": "MUTUAL", "clientCertificate": "/etc/certs/cert.pem"}}`,
			want: field.ErrorList{field.Required(tls.Child("privateKey"), mutualWhy)},
		},
		"certificates and a credentialName": {
			json: `{"tls": {"mode": "SIMPLE", "credentialName": "ca", "caCertificates": "/etc/ca.pem", "caCrl": "/etc/crl.pem"}}`,
			want: field.ErrorList{
				field.Forbidden(tls.Child("caCertificates"), "may not be set together with credentialName, which holds the certificates"),
				field.Forbidden(tls.Child("caCrl"), "may not be set together with credentialName, which holds the certificates"),
			},
		},
		"insecureSkipVerify and what verifies": {
			json: `{"tls": {"mode": "MUTUAL", "insecureSkipVerify": true, "clientCertificate": "c", "privateKey": "k", "subjectAltNames": ["a"]}}`,
			want: field.ErrorList{field.Forbidden(tls.Child("subjectAltNames"), "may not be set when insecureSkipVerify is true")},
		},
		"configmap credential in another namespace": {
			json: `{"tls": {"mode": "SIMPLE", "credentialName": "configmap://other/ca"}}`,
			want: field.ErrorList{field.Invalid(tls.Child("credentialName"), "configmap://other/ca", "must name a ConfigMap in prd-api, the namespace of the DestinationRule")},
		},
		"configmap credential without a namespace": {
			json: `{"tls": {"mode": "SIMPLE", "credentialName": "configmap://ca"}}`,
			want: field.ErrorList{field.Invalid(tls.Child("credentialName"), "configmap://ca", "must be configmap://<namespace>/<name>")},
		},
		"port-level settings without a port or settings": {
			json: `{"portLevelSettings": [{"tls": {"mode": "SIMPLE"}}, {"port": {"number": 80}}, {"port": {}, "tls": {"mode": "SIMPLE"}}]}`,
			want: field.ErrorList{
				field.Required(pls.Index(0).Child("port"), "the port these settings apply to"),
				field.Required(pls.Index(1), "set at least one of loadBalancer, connectionPool, outlierDetection and tls"),
				field.Invalid(pls.Index(2).Child("port", "number"), uint32(0), "must be between 1 and 65535, inclusive"),
			},
		},
		"port-level settings are checked as the policy": {
			json: `{"portLevelSettings": [{"port": {"number": 80}, "connectionPool": {"tcp": {"maxConnections": -1}}, "tls": {"mode": "MUTUAL", "credentialName": "c"}}]}`,
			want: field.ErrorList{negative(pls.Index(0).Child("connectionPool", "tcp", "maxConnections"), -1)},
		},
		"too many port-level settings": {
			json: `{"portLevelSettings": [` + strings.TrimSuffix(strings.Repeat(`{"port": {"number": 80}, "tls": {"mode": "SIMPLE"}},`, MaxPortLevelSettings+1), ",") + `]}`,
			want: field.ErrorList{field.TooMany(pls, MaxPortLevelSettings+1, MaxPortLevelSettings)},
		},
		"http cookie without a name, attributes twice": {
			json: `{"loadBalancer": {"consistentHash": {"httpCookie": {"ttl": "0s", "attributes": [{"name": "SameSite", "value": "Strict"}, {"value": "x"}, {"name": "SameSite"}]}}}}`,
			want: field.ErrorList{
				field.Required(hash.Child("httpCookie", "name"), "the name of the cookie to hash"),
				field.Required(hash.Child("httpCookie", "attributes").Index(1).Child("name"), ""),
				field.Duplicate(hash.Child("httpCookie", "attributes").Index(2).Child("name"), "SameSite"),
			},
		},
		"maglev table sizes": {
			json: `{"portLevelSettings": [
				{"port": {"number": 1}, "loadBalancer": {"consistentHash": {"useSourceIp": true, "maglev": {}}}},
				{"port": {"number": 2}, "loadBalancer": {"consistentHash": {"useSourceIp": true, "maglev": {"tableSize": 65536}}}},
				{"port": {"number": 3}, "loadBalancer": {"consistentHash": {"useSourceIp": true, "maglev": {"tableSize": 5000011}}}},
				{"port": {"number": 4}, "loadBalancer": {"consistentHash": {"useSourceIp": true, "maglev": {"tableSize": 65537}}}}]}`,
			want: field.ErrorList{
				field.Required(pls.Index(0).Child("loadBalancer", "consistentHash", "maglev", "tableSize"), "a prime number below 5000011"),
				field.Invalid(pls.Index(1).Child("loadBalancer", "consistentHash", "maglev", "tableSize"), uint64(65536), "must be a prime number"),
				field.Invalid(pls.Index(2).Child("loadBalancer", "consistentHash", "maglev", "tableSize"), uint64(5000011), "must be less than 5000011"),
			},
		},
		"deprecated ring size with a hash algorithm": {
			json: `{"loadBalancer": {"consistentHash": {"useSourceIp": true, "minimumRingSize": 1024, "ringHash": {"minimumRingSize": 1024}}}}`,
			want: field.ErrorList{field.Forbidden(hash.Child("minimumRingSize"), "may not be set together with ringHash or maglev: set ringHash.minimumRingSize instead")},
		},
		"locality and zone-aware load balancing": {
			json: `{"loadBalancer": {"localityLbSetting": {"enabled": true}, "zoneAwareLbSetting": {"enabled": true}}}`,
			want: field.ErrorList{field.Forbidden(lb.Child("zoneAwareLbSetting"), "may not be set together with localityLbSetting")},
		},
		"distribute and failover": {
			json: `{"loadBalancer": {"localityLbSetting": {"distribute": [{"from": "a", "to": {"b": 100}}], "failover": [{"from": "a", "to": "b"}]}}}`,
			want: field.ErrorList{field.Forbidden(locality.Child("failover"), "may not be set together with distribute")},
		},
		"distribute weights": {
			json: `{"loadBalancer": {"localityLbSetting": {"distribute": [{"from": "a", "to": {"b": 50, "c": 40}}, {"from": "d", "to": {"e": 0, "f": 100}}]}}}`,
			want: field.ErrorList{
				field.Invalid(locality.Child("distribute").Index(0).Child("to"), uint64(90), "the weights must sum to 100, they sum to 90"),
				field.Invalid(locality.Child("distribute").Index(1).Child("to").Key("e"), uint32(0), "must be between 1 and 100, inclusive"),
			},
		},
		"localities": {
			json: `{"loadBalancer": {"localityLbSetting": {"distribute": [
				{"from": "us-east/*", "to": {"us-west/*": 100}},
				{"from": "us-east/zone1", "to": {"us-west//x": 100}},
				{"from": "*/zone1", "to": {"us-west": 50, "us-west/zone2": 50}}]}}}`,
			want: field.ErrorList{
				field.Invalid(locality.Child("distribute").Index(1).Child("to").Key("us-west//x"), "us-west//x", "must be a region, region/zone or region/zone/subzone, none of them empty"),
				field.Invalid(locality.Child("distribute").Index(2).Child("to").Key("us-west/zone2"), "us-west/zone2",
					fmt.Sprintf("overlaps %q (%s)", "us-west", locality.Child("distribute").Index(2).Child("to").Key("us-west"))),
				field.Invalid(locality.Child("distribute").Index(1).Child("from"), "us-east/zone1",
					fmt.Sprintf("overlaps %q (%s)", "us-east/*", locality.Child("distribute").Index(0).Child("from"))),
				field.Invalid(locality.Child("distribute").Index(2).Child("from"), "*/zone1", `may hold one "*", at its end`),
			},
		},
		"failover": {
			json: `{"loadBalancer": {"localityLbSetting": {"failover": [{"from": "us-east", "to": "us-east"}, {"from": "us-east/zone1", "to": "*"}],
				"failoverPriority": ["topology.istio.io/network", "topology.kubernetes.io/zone"]}}, "outlierDetection": {"consecutive5xxErrors": 5}}`,
			want: field.ErrorList{
				field.Forbidden(locality.Child("failoverPriority").Index(1), "topology.kubernetes.io/zone may not be set together with failover, which orders regions, zones and subzones itself"),
				field.Invalid(locality.Child("failover").Index(0).Child("to"), "us-east", "must be another region than from"),
				field.Invalid(locality.Child("failover").Index(1).Child("from"), "us-east/zone1", "must be a region: failover is between regions only"),
				field.Invalid(locality.Child("failover").Index(1).Child("to"), "*", `may not hold a "*"`),
			},
		},
		"zone-aware load balancing": {
			json: `{"loadBalancer": {"zoneAwareLbSetting": {"failoverPriority": ["topology.kubernetes.io/region"], "minClusterSize": 0, "failover": [{"from": "a", "to": "a"}]}}}`,
			want: field.ErrorList{
				field.Forbidden(lb.Child("zoneAwareLbSetting", "failoverPriority").Index(0), "topology.kubernetes.io/region may not be used: zone-aware load balancing orders regions, zones and subzones itself"),
				field.Invalid(lb.Child("zoneAwareLbSetting", "failover").Index(0).Child("to"), "a", "must be another region than from"),
				field.Invalid(lb.Child("zoneAwareLbSetting", "minClusterSize"), uint32(0), "must be at least 1"),
			},
		},
		"warmup": {
			json: `{"loadBalancer": {"warmup": {"minimumPercent": 101, "aggression": 0}}}`,
			want: field.ErrorList{
				field.Required(lb.Child("warmup", "duration"), "how long the warmup of a new endpoint lasts"),
				field.Invalid(lb.Child("warmup", "minimumPercent"), float64(101), "must be between 0 and 100, inclusive"),
				field.Invalid(lb.Child("warmup", "aggression"), float64(0), "must be greater than 0"),
			},
		},
		"tunnel": {
			json: `{"tunnel": {"protocol": "GET", "targetHost": "a_b", "targetPort": 70000}}`,
			want: field.ErrorList{
				field.NotSupported(tpPath.Child("tunnel", "protocol"), "GET", []string{"CONNECT", "POST"}),
				field.Invalid(tpPath.Child("tunnel", "targetHost"), "a_b", "must be a DNS name or an IP address"),
				field.Invalid(tpPath.Child("tunnel", "targetPort"), uint32(70000), "must be between 1 and 65535, inclusive"),
			},
		},
		"tunnel without a target": {
			json: `{"tunnel": {"protocol": "CONNECT"}}`,
			want: field.ErrorList{
				field.Required(tpPath.Child("tunnel", "targetHost"), "the host the tunnel leads to"),
				field.Required(tpPath.Child("tunnel", "targetPort"), "the port the tunnel leads to"),
			},
		},
		"tunnel to an IP address, and proxy protocol": {
			json: `{"tunnel": {"targetHost": "10.0.0.1", "targetPort": 8080}, "proxyProtocol": {"version": "V2"}}`,
			want: field.ErrorList{field.Forbidden(tpPath.Child("proxyProtocol"), "may not be set together with tunnel")},
		},
		"retry budget": {
			json: `{"retryBudget": {"percent": 100.5}}`,
			want: field.ErrorList{field.Invalid(tpPath.Child("retryBudget", "percent"), 100.5, "must be between 0 and 100, inclusive")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			tp, got := parseTrafficPolicy(json.RawMessage(tc.json))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseTrafficPolicy(%s) (-want +got):\n%s", tc.json, diff)
			}
			if (tp == nil) != (len(got) > 0) {
				t.Errorf("got the policy %v with the errors %v: want one of them", tp, got)
			}
		})
	}
}

// TestParseTrafficPolicyDurations: durations as Istio's YAML takes them,
// parsed to the values protojson's canonical form has.
func TestParseTrafficPolicyDurations(t *testing.T) {
	got, errs := parseTrafficPolicy(json.RawMessage(`{
		"outlierDetection": {"baseEjectionTime": "3m", "interval": "500ms"},
		"connectionPool": {"tcp": {"connectTimeout": "10s", "maxConnectionDuration": "1h30m", "idleTimeout": "180s"},
			"http": {"idleTimeout": "0.5s"}}}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := &networking.TrafficPolicy{
		OutlierDetection: &networking.OutlierDetection{BaseEjectionTime: durationpb.New(180e9), Interval: durationpb.New(500e6)},
		ConnectionPool: &networking.ConnectionPoolSettings{
			Tcp:  &networking.ConnectionPoolSettings_TCPSettings{ConnectTimeout: durationpb.New(10e9), MaxConnectionDuration: durationpb.New(5400e9), IdleTimeout: durationpb.New(180e9)},
			Http: &networking.ConnectionPoolSettings_HTTPSettings{IdleTimeout: durationpb.New(500e6)},
		},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("parseTrafficPolicy (-want +got):\n%s", diff)
	}
}

// TestEveryDurationTakesGoForms walks TrafficPolicy's descriptors to every
// google.protobuf.Duration field and decodes "3m" there.
func TestEveryDurationTakesGoForms(t *testing.T) {
	var paths [][]protoreflect.FieldDescriptor
	var walk func(md protoreflect.MessageDescriptor, above []protoreflect.FieldDescriptor)
	walk = func(md protoreflect.MessageDescriptor, above []protoreflect.FieldDescriptor) {
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			if fd.Message() == nil || fd.IsMap() {
				continue
			}
			p := append(append([]protoreflect.FieldDescriptor{}, above...), fd)
			if fd.Message().FullName() == "google.protobuf.Duration" {
				paths = append(paths, p)
			} else if len(p) < 8 {
				walk(fd.Message(), p)
			}
		}
	}
	md := (&networking.TrafficPolicy{}).ProtoReflect().Descriptor()
	walk(md, nil)
	if len(paths) < 20 {
		t.Fatalf("found only %d Duration fields", len(paths))
	}
	for _, p := range paths {
		var v any = "3m"
		name := ""
		for i := len(p) - 1; i >= 0; i-- {
			if p[i].IsList() {
				v = []any{v}
			}
			v = map[string]any{p[i].JSONName(): v}
			name = "." + p[i].JSONName() + name
		}
		normalized, errs := message(tpPath, md, v)
		if len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
			continue
		}
		data, _ := json.Marshal(normalized)
		if !strings.Contains(string(data), `"180s"`) {
			t.Errorf("%s: normalized to %s, want 180s", name, data)
		}
		if err := protojson.Unmarshal(data, &networking.TrafficPolicy{}); err != nil {
			t.Errorf("%s: protojson does not take %s: %v", name, data, err)
		}
	}
}
