// Package model is the resolved model of an exposure: one ServiceExposure
// under its ExposurePlatform, with every host, name, port and annotation
// the builders (package emit) need computed once, by Resolve. The builders
// read only this.
package model

import (
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Exposure is one ServiceExposure resolved against its platform.
type Exposure struct {
	Name, Namespace string
	Owner           string // the owner annotation value, "<namespace>/<name>"
	Hosts           []string

	Service  Service
	Routes   []Route
	Subsets  []v1alpha1.Subset
	Policy   *networking.TrafficPolicy
	Gateway  Gateway
	Ingress  Ingress
	Injected bool // whether the platform's injection applies to the Service's pods
}

// Service is the Service behind the exposure.
type Service struct {
	Name, Namespace string
	FQDN            string
	Port            int32
	TargetPort      intstr.IntOrString
	Protocol        v1alpha1.Protocol
	Selector        map[string]string
	Create          bool
}

// Route is one http route, with its durations parsed.
type Route struct {
	Name          string
	Match         v1alpha1.Match
	Timeout       time.Duration
	Retries       bool
	Attempts      int32
	PerTryTimeout time.Duration
	RetryOn       string
	Backends      []Backend
}

// Backend is a weighted destination of a route.
type Backend struct {
	Subset string
	Weight int32
}

// Gateway is the Istio Gateway of the exposure.
type Gateway struct {
	Name     string
	Selector map[string]string
	Port     int32
}

// Ingress is the ALB Ingress of the exposure.
type Ingress struct {
	Name, Namespace string
	ClassName       string
	Group           string
	Annotations     map[string]string
	Service         string // the gateway Service the ALB forwards to
	Port            int32
}
