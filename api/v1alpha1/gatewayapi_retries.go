package v1alpha1

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// GatewayAPISpec is what of the Gateway API the cluster serves.
type GatewayAPISpec struct {
	// Channel of the Gateway API CRDs the cluster has installed (v1.6.3):
	// standard, or experimental, whose fields krm-fn then renders where
	// Istio implements them: a route's retries become its HTTPRoute rule's
	// retry (and perTryTimeout its timeouts.backendRequest), which Istio
	// turns back into the same retry policy. Default: standard.
	Channel string `json:"channel,omitempty"`
}

// The Gateway API's release channels.
const (
	GatewayAPIStandard     = "standard"
	GatewayAPIExperimental = "experimental"
)

// GatewayAPIChannels are the channels of the Gateway API.
var GatewayAPIChannels = []string{GatewayAPIStandard, GatewayAPIExperimental}

// Experimental says whether the platform renders the Gateway API's
// experimental fields.
func (s *ExposurePlatformSpec) Experimental() bool {
	return s.GatewayAPI != nil && s.GatewayAPI.Channel == GatewayAPIExperimental
}

// gatewayAPIRetryAlways are the conditions Istio retries on for every
// HTTPRoute retry ("Implementations SHOULD retry on connection errors",
// convertHTTPRoute in Istio's pilot/pkg/config/kube/gateway/conversion.go),
// before the status codes the retry lists.
var gatewayAPIRetryAlways = []string{"connect-failure", "refused-stream", "unavailable", "cancelled"}

// gatewayAPIRetryCodes are the retry conditions that stand for status
// codes and nothing else (Envoy's router: retriable-4xx is 409). Not
// gateway-error: Envoy retries on it a 502, 503 or 504 and an upstream
// reset too (it counts a reset as a 5xx: retry_state_impl.cc), which no
// status code of an HTTPRoute retry says.
var gatewayAPIRetryCodes = map[string][]int{"retriable-4xx": {409}}

// GatewayAPIRetryCodes are the status codes of an HTTPRoute retry that
// Istio renders as retryOn (none for an empty retryOn: Istio's default
// then, connect-failure,refused-stream,unavailable,cancelled and
// retriable-status-codes without codes, which is what an HTTPRoute retry
// without codes gives too), and what of retryOn an HTTPRoute cannot say:
// the conditions it has no code for, and those Istio always adds that
// retryOn leaves out.
func GatewayAPIRetryCodes(retryOn string) (codes []int, noEquivalent, missing []string) {
	if strings.TrimSpace(retryOn) == "" {
		return nil, nil, nil
	}
	seen := map[string]bool{}
	for _, c := range strings.Split(retryOn, ",") {
		c = strings.TrimSpace(c)
		seen[c] = true
		n, err := strconv.Atoi(c)
		switch {
		case slices.Contains(gatewayAPIRetryAlways, c), c == "retriable-status-codes":
		case gatewayAPIRetryCodes[c] != nil:
			codes = append(codes, gatewayAPIRetryCodes[c]...)
		case err == nil && n >= 400 && n <= 599:
			codes = append(codes, n)
		default:
			noEquivalent = append(noEquivalent, c)
		}
	}
	for _, c := range gatewayAPIRetryAlways {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes), noEquivalent, missing
}

// validateGatewayAPISpec checks the platform's gatewayAPI.
func validateGatewayAPISpec(p *field.Path, s *ExposurePlatformSpec) field.ErrorList {
	if s.GatewayAPI == nil {
		return nil
	}
	var errs field.ErrorList
	if s.GatewayAPI.Channel != "" {
		errs = append(errs, oneOf(p.Child("channel"), s.GatewayAPI.Channel, GatewayAPIChannels)...)
	}
	if s.API != APIGatewayAPI {
		errs = append(errs, field.Forbidden(p, "says what of the Gateway API the cluster serves: only with api: gateway-api"))
	}
	return errs
}

// validateGatewayAPIRetries checks that the routes' retries (after the
// route defaults) are what an HTTPRoute rule's retry says under Istio,
// exactly: in the experimental channel only, and a retry policy that
// Istio's translation gives back as written; anything else is an error
// naming the field and the API, never a policy silently changed.
func validateGatewayAPIRetries(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec) field.ErrorList {
	var errs field.ErrorList
	for i := range s.Routes {
		r := &s.Routes[i]
		if r.Retries == nil {
			continue
		}
		p := spec.Child("routes").Index(i).Child("retries")
		if !platform.Experimental() {
			errs = append(errs, field.Forbidden(p, gatewayAPINo+
				"retries in its standard channel (HTTPRoute's retry is experimental in v1.6.3): with the experimental channel's CRDs installed, set the platform's gatewayAPI.channel: experimental to render them; or remove them (the gateway then retries as Istio does by default)"))
			continue
		}
		if r.Retries.Attempts == 0 {
			errs = append(errs, field.Invalid(p.Child("attempts"), 0, "the Gateway API (platform api: gateway-api) cannot turn retries off: an HTTPRoute retry takes 1 or more attempts, and a rule without one retries as Istio does by default; remove retries, or render this environment with api: istio"))
		}
		_, noEquivalent, missing := GatewayAPIRetryCodes(r.Retries.RetryOn)
		for _, c := range noEquivalent {
			why := "an HTTPRoute retry lists status codes (400-599), which Istio retries on besides " + strings.Join(gatewayAPIRetryAlways, ", ") + ": name the codes instead"
			switch c {
			case "gateway-error":
				why = "Envoy retries on it upstream resets too, which no status code of an HTTPRoute retry says: name the codes 502,503,504 instead (resets are then retried under neither API)"
			case "5xx":
				why = "Envoy retries on it upstream resets too, which no status code of an HTTPRoute retry says: name the status codes to retry instead (500,502,503,504, say; resets are then retried under neither API)"
			}
			errs = append(errs, field.Invalid(p.Child("retryOn"), r.Retries.RetryOn, fmt.Sprintf(
				"%q has no equivalent in the Gateway API (platform api: gateway-api): %s, or render this environment with api: istio", c, why)))
		}
		if len(missing) > 0 {
			errs = append(errs, field.Invalid(p.Child("retryOn"), r.Retries.RetryOn, fmt.Sprintf(
				"with the Gateway API (platform api: gateway-api) Istio always retries on %s too: add %s to retryOn (or leave retryOn out: those only)", strings.Join(gatewayAPIRetryAlways, ", "), strings.Join(missing, ", "))))
		}
		if !r.Retries.PerTryTimeout.IsZero() {
			errs = append(errs, gatewayAPIDuration(p.Child("perTryTimeout"), r.Retries.PerTryTimeout)...)
			if !r.Timeout.IsZero() && r.Retries.PerTryTimeout.Value() > r.Timeout.Value() {
				errs = append(errs, field.Invalid(p.Child("perTryTimeout"), r.Retries.PerTryTimeout.String(), fmt.Sprintf(
					"is longer than the route's timeout (%s), which the Gateway API refuses (an HTTPRoute's timeouts.backendRequest may not exceed timeouts.request): shorten it", r.Timeout.String())))
			}
		}
	}
	return errs
}
