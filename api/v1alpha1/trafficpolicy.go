package v1alpha1

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	networking "istio.io/api/networking/v1"
)

var protoPosition = regexp.MustCompile(`\s*\(line \d+:\d+\)`)

// ParseTrafficPolicy decodes a trafficPolicy strictly with Istio's own
// type: an unknown field is an error.
func ParseTrafficPolicy(raw json.RawMessage) (*networking.TrafficPolicy, error) {
	tp := &networking.TrafficPolicy{}
	if err := protojson.Unmarshal(raw, tp); err != nil {
		// protojson's messages start with "proto: " and may carry
		// non-breaking spaces; neither helps a reader.
		msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
		msg = strings.TrimPrefix(msg, "proto: ")
		msg = protoPosition.ReplaceAllString(msg, "") // a position in JSON the user never wrote
		return nil, fmt.Errorf("is not a valid Istio DestinationRule trafficPolicy: %s", msg)
	}
	return tp, nil
}
