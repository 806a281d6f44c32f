//go:build tools

// Package tools pins the versions of the tools `make` runs with `go run` in go.mod: the code
// generator (`make generate`) and the breaking-change check of the spec (`make breaking`). Nothing
// is installed globally.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "github.com/oasdiff/oasdiff"
)
