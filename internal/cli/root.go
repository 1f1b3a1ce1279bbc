// Package cli is krm-fn's command line: the function command kustomize,
// kpt and Argo CD run, and the commands people type (validate, render,
// import, argocd, install, version). It parses arguments, reads files and
// prints; the work is done by package fn and the internal packages.
package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/guard"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/spf13/cobra"
	kerrors "sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
)

// NewCommand builds the krm-fn command: a KRM function that reads a
// ResourceList on stdin and writes one on stdout (how kustomize, kpt and
// Argo CD plugins call it), or, given files, renders them directly:
//
//	krm-fn platform.yaml exposures.yaml...
//
// It is the command of tests: Main's also sandboxes the process.
func NewCommand() *cobra.Command { return app{}.command() }

// Main runs the krm-fn command on os.Args, as the krm-fn program does, and
// returns its exit status. The commands that build an untrusted
// repository (render, argocd generate, hook) first make what their policy
// refuses impossible in the whole process (sandbox).
func Main() int {
	g := guard.Start(os.Stderr)
	defer g.Stop()
	if err := (app{sandbox: true, guard: g}).command().Execute(); err != nil {
		var status ExitStatus
		if errors.As(err, &status) {
			return status.Code
		}
		return 1
	}
	return 0
}

// app is the command line of one process.
type app struct {
	sandbox bool // whether commands may restrict the whole process
	// guard, if set, bounds the memory and time of the builds the
	// commands run (internal/guard).
	guard *guard.Guard
}

func (a app) command() *cobra.Command {
	p := &fn.Processor{}
	// kyaml builds the command (its flags, the ResourceList wire format);
	// fn.Execute answers the ResourceList, writing item by item. Files are
	// read here, so that every item knows its file and every error can
	// name it.
	cmd := command.Build(p, command.StandaloneDisabled, true)
	p.Stderr = cmd.ErrOrStderr
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := unknownCommand(c, args); err != nil {
			fmt.Fprintln(c.ErrOrStderr(), err)
			return err
		}
		var err error
		if len(args) == 0 {
			err = resourceList(c, p)
		} else {
			err = fn.ExecuteFiles(p, c.InOrStdin(), c.OutOrStdout(), args)
		}
		if err != nil {
			if _, problems := err.(krmio.Failure); !problems {
				err = fmt.Errorf("krm-fn: %w", err)
			}
			fmt.Fprintln(c.ErrOrStderr(), strings.TrimRight(err.Error(), "\n"))
		}
		return err
	}
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
  kustomize build --enable-alpha-plugins --enable-exec overlays/prd

  # check specs without rendering (file:line: Kind ns/name: field: problem)
  krm-fn validate overlays/prd/platform.yaml bases/`
	cmd.Version = versionLine(buildInfo())
	cmd.SuggestionsMinimumDistance = 2
	cmd.SetVersionTemplate("{{.Version}}\n")
	// The function keeps its positional arguments: cobra takes the first
	// argument as a subcommand only when it is one of these names.
	for _, c := range []*cobra.Command{a.newRenderCommand(), a.newValidateCommand(), newVersionCommand(), newExplainCommand(), newInstallCommand(), a.newArgoCDCommand(), a.newHookCommand(), newImportCommand()} {
		cmd.AddCommand(showErrors(c))
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		fmt.Fprintf(c.ErrOrStderr(), "Error: %v\nRun '%s --help' for usage.\n", err, c.CommandPath())
		return err
	})
	return cmd
}

// unknownCommand is the error of a first argument that is neither a
// command nor a file: a word (no "/", no ".") that names nothing on disk
// was meant as a command, and is said to be none, with the commands it
// may have meant (cobra's suggestions: a prefix, or at most two edits).
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 || args[0] == "-" || strings.ContainsAny(args[0], `./\`) {
		return nil
	}
	if _, err := os.Stat(args[0]); err == nil {
		return nil
	}
	msg := fmt.Sprintf("krm-fn: unknown command %q, and no such file", args[0])
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return fmt.Errorf("%s\nRun 'krm-fn --help' for the commands.", msg)
}

// resourceList answers a ResourceList on stdin as the command kyaml's
// command.Build makes for p does (framework.Execute), but writes the
// output item by item. It prints no error: the caller does.
func resourceList(c *cobra.Command, p *fn.Processor) error {
	p.Component = kustomization.RunningComponent()
	err := fn.Execute(p, c.InOrStdin(), c.OutOrStdout())
	if stack, _ := c.Flags().GetBool("stack"); stack && err != nil {
		if s := kerrors.GetStack(err); s != "" {
			fmt.Fprintln(c.ErrOrStderr(), s)
		}
	}
	return err
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
	for _, sub := range c.Commands() {
		showErrors(sub)
	}
	return c
}
