package fn

import (
	"fmt"

	"github.com/spf13/cobra"
)

// addHumanCommands adds the subcommands people type (validate, version,
// install) to the function command. The function itself keeps its
// positional arguments: cobra takes the first argument as a subcommand only
// when it is one of these names.
func addHumanCommands(root *cobra.Command) {
	for _, c := range []*cobra.Command{newValidateCommand(), newVersionCommand(), newInstallCommand(), newArgoCDCommand()} {
		root.AddCommand(showErrors(c))
	}
	root.Example += `

  # check specs without rendering (file:index: Kind ns/name: field: problem)
  krm-fn validate overlays/prd/platform.yaml bases/`
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		fmt.Fprintf(c.ErrOrStderr(), "Error: %v\nRun '%s --help' for usage.\n", err, c.CommandPath())
		return err
	})
}

// showErrors prints the errors of c's argument checks and run on stderr.
// The root command (kyaml's command.Build) silences cobra's own printing,
// which would otherwise apply to subcommands too.
func showErrors(c *cobra.Command) *cobra.Command {
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			err := args(cmd, a)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
			}
			return err
		}
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, a []string) error {
			err := run(cmd, a)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
			}
			return err
		}
	}
	return c
}
