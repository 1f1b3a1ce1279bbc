package importer

import (
	"errors"
	"fmt"
	"io"

	"github.com/krmfn/krm-fn/internal/krmio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The exit statuses of krm-fn import (0: everything carried over).
const (
	importError      = 1
	importLossy      = 2
	importDifference = 3
)

// ExitStatus is an error that ends the process with its own status.
type ExitStatus struct {
	Code    int
	Message string
}

func (e ExitStatus) Error() string { return e.Message }

// Run is krm-fn import of the files of paths ("-": stdin, directories
// recursively): the platform and exposures printed on stdout, every
// setting not carried over (and, verifying, every routing difference
// between the input and the rendering of the import) on stderr. Its
// error is an ExitStatus: 1 when the input cannot be read, 2 when a
// setting was not carried over, 3 when --verify found a difference.
func Run(stdin io.Reader, stdout, stderr io.Writer, paths []string, opts Options, verify bool) error {
	nodes, err := readManifests(stdin, paths)
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	res, err := Import(nodes, opts)
	var probs Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %d problems in the input; nothing was imported", len(probs))}
	}
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	out, err := res.YAML()
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	fmt.Fprint(stdout, out)
	lost := 0
	for _, l := range res.Losses {
		fmt.Fprintln(stderr, l)
		if !l.Note {
			lost++
		}
	}
	// What krm-fn's own checks refuse in what was imported (a placeholder
	// certificate ARN, say): each named, and the import is not lossless.
	refused, err := res.Check()
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	for _, r := range refused {
		fmt.Fprintf(stderr, "%s: krm-fn refuses this value of the import; fix it in the output\n", krmio.FormatResult(r))
	}
	if len(refused) > 0 {
		msg := fmt.Sprintf("krm-fn import: %d %s of the import krm-fn refuses", len(refused), map[bool]string{true: "value", false: "values"}[len(refused) == 1])
		if lost > 0 {
			msg += fmt.Sprintf(", and %d settings not carried over", lost)
		}
		if verify {
			msg += "; not verified (what krm-fn refuses does not render)"
		}
		return ExitStatus{importLossy, msg}
	}
	if verify {
		diffs, err := Verify(nodes, res)
		if err != nil {
			return ExitStatus{importError, fmt.Sprintf("krm-fn import: --verify: %v", err)}
		}
		for _, d := range diffs {
			fmt.Fprintln(stderr, d)
		}
		if len(diffs) > 0 {
			return ExitStatus{importDifference, fmt.Sprintf("krm-fn import: --verify: %d routing differences between the input and the rendering of the import", len(diffs))}
		}
	}
	if lost > 0 {
		return ExitStatus{importLossy, fmt.Sprintf("krm-fn import: %d settings not carried over", lost)}
	}
	return nil
}

// readManifests reads the objects of paths ("-": stdin), directories
// recursively, as validate reads them; YAML of something else found under
// a directory is skipped.
func readManifests(stdin io.Reader, paths []string) ([]*yaml.RNode, error) {
	var in krmio.Files
	return in.Objects(stdin, paths, func(string) bool { return true })
}
