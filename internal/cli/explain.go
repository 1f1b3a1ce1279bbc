package cli

import (
	"github.com/krmfn/krm-fn/internal/explain"
	"github.com/krmfn/krm-fn/schema"
	"github.com/spf13/cobra"
)

// newExplainCommand is `krm-fn explain KIND[.FIELD...]`.
func newExplainCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "explain KIND[.FIELD...]",
		Short: "Describe a field of ServiceExposure or ExposurePlatform: its type, default, limits and fields",
		Long: `explain prints what a field of the krm-fn kinds is, as kubectl explain does for
a cluster's kinds: its type, its description (what it does, its default
and its limits) and, for an object, its fields. It reads the JSON Schema
generated from the Go types and their doc comments (schema/, docs/schema.md),
the same text as docs/api.md's reference. The kind is case-insensitive;
fields are named as in YAML, through lists and maps.`,
		Example: `  krm-fn explain serviceexposure
  krm-fn explain serviceexposure.spec.routes.retries
  krm-fn explain exposureplatform.spec.alb`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return explain.Explain(cmd.OutOrStdout(), schema.JSON, args[0])
		},
	}
}
