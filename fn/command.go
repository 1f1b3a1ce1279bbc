package fn

import (
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
)

// NewCommand builds the krm-fn command: a KRM function that reads a
// ResourceList on stdin and writes one on stdout (how kustomize, kpt and
// Argo CD plugins call it), or, given files, renders them directly:
//
//	krm-fn platform.yaml exposures.yaml...
func NewCommand() *cobra.Command {
	p := &Processor{}
	cmd := command.Build(p, command.StandaloneEnabled, false)
	p.Stderr = cmd.ErrOrStderr
	cmd.Use = "krm-fn [FUNCTION-CONFIG [RESOURCES...]]"
	cmd.Short = "Render ServiceExposure specs into ALB Ingress, Istio Gateway/VirtualService/DestinationRule and Service"
	cmd.Long = `krm-fn is a KRM function. Given an ExposurePlatform as function config it
expands every ServiceExposure among its input items (transformer); given a
ServiceExposure it expands that one (generator).

With no arguments it reads a ResourceList on stdin and writes one on stdout,
as kustomize (exec or container function), kpt and Argo CD plugins call it.
With files it renders them: the first is the function config, the others
the input resources ("-" is stdin).

Every problem is printed on stderr as one line naming the file, the object
and the field; on any error the exit status is 1 and nothing is rendered.`
	cmd.Example = `  # render an environment directly
  krm-fn overlays/prd/platform.yaml bases/cb-test-api/exposure.yaml

  # as kustomize runs it (see the README for the kustomization wiring)
  kustomize build --enable-alpha-plugins --enable-exec overlays/prd`
	addHumanCommands(cmd)
	return cmd
}
