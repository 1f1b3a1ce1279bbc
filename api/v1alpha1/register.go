package v1alpha1

import "strings"

// API group and version of the kinds.
const (
	Group      = "exposure.krmfn.io"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
)

// Kind is one of the API's kinds.
type Kind string

// The kinds of the API.
const (
	KindServiceExposure  Kind = "ServiceExposure"
	KindExposurePlatform Kind = "ExposurePlatform"
)

// Kinds lists the API's kinds.
var Kinds = []Kind{KindServiceExposure, KindExposurePlatform}

// InGroup says whether apiVersion is of the exposure.krmfn.io group, in
// any version.
func InGroup(apiVersion string) bool {
	return strings.HasPrefix(apiVersion, Group+"/")
}

// KindOf says which of the API's kinds an object of apiVersion and kind
// is: "" when it is none of them (another group, or a kind or version of
// this group that does not exist).
func KindOf(apiVersion, kind string) Kind {
	if apiVersion != APIVersion {
		return ""
	}
	for _, k := range Kinds {
		if string(k) == kind {
			return k
		}
	}
	return ""
}
