// Command argocd-cmp-server is Argo CD's config management plugin server,
// built from the pinned argo-cd module (see ../../go.mod and
// hack/tools.sh) so the CMP integration test talks to the real thing.
package main

import (
	"os"

	"github.com/argoproj/argo-cd/v3/cmd/argocd-cmp-server/commands"
)

func main() {
	if err := commands.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
