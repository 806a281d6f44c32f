//go:build tools

// Package tools pins the code generator's version in go.mod, so `make generate` runs exactly
// that version with `go run` and nothing is installed globally.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
