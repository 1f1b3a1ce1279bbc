//go:build ignore

// Writes the schema: go generate ./schema.
package main

import (
	"log"
	"os"

	"github.com/krmfn/krm-fn/schema"
)

func main() {
	b, err := schema.Generate("../api/v1alpha1")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(schema.File, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
