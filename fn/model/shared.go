package model

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// SharedOwnerPrefix starts the owner annotation of what a shared host
// renders: "host:<host>".
const SharedOwnerPrefix = "host:"

// NewSharedHost is the shared host h (qualified) under platform p, without
// routes: its objects' names, its Gateway, and its Ingress, with the
// platform's ALB settings (an exposure's overrides cannot apply to a host
// others share).
func NewSharedHost(h string, p *v1alpha1.ExposurePlatformSpec) *SharedHost {
	ann, group, _ := ingressAnnotations(&v1alpha1.ServiceExposureSpec{}, p) // the platform's own settings and group: always a valid name
	_ = orderWildcards(ann, group, []string{h})                             // the platform's annotations cannot set group.order
	name := SharedName(h)
	return &SharedHost{
		Host:    h,
		Name:    name,
		Owner:   SharedOwnerPrefix + h,
		Gateway: Gateway{Name: name, Selector: p.Gateway.Selector, Port: p.Gateway.Port},
		Ingress: platformIngress(name, ann, group, p),
	}
}

// SharedName is the name of the objects of shared host h: "shared-" and
// the host's labels joined by "-" ("*" as "wildcard"), a DNS label (a
// Gateway's name must be one). Where that could be another host's name
// too (the host has a "-" of its own, or the name is too long and is cut),
// a hash of the host ends it, so that two hosts never share a name.
func SharedName(h string) string {
	name := "shared-" + strings.ReplaceAll(strings.ReplaceAll(h, "*", "wildcard"), ".", "-")
	if len(name) <= 63 && !strings.Contains(h, "-") {
		return name
	}
	sum := sha256.Sum256([]byte(h))
	return strings.TrimRight(name[:min(len(name), 54)], "-") + "-" + hex.EncodeToString(sum[:4])
}
