// Package v1alpha1 is the exposure.krmfn.io/v1alpha1 API: the
// ServiceExposure and ExposurePlatform kinds users write, their constants,
// their defaults (Default) and the checks each object passes on its own
// (Validate). It knows nothing of YAML, kustomize or the objects krm-fn
// renders: the function (package fn) decodes into these types, defaults
// and validates them, and resolves them into its model.
//
// Every field's comment states its default and limits; docs/api.md is the
// reference users read, and the JSON Schema (package schema) is generated
// from these comments.
package v1alpha1
