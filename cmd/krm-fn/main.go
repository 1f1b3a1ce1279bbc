// Command krm-fn is the exposure KRM function; see package fn.
package main

import (
	"os"

	"github.com/krmfn/krm-fn/fn"
)

func main() {
	if err := fn.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
