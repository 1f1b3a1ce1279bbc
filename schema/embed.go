package schema

import _ "embed"

// JSON is the checked-in schema (File), for krm-fn explain.
//
//go:embed exposure.krmfn.io_v1alpha1.json
var JSON []byte
