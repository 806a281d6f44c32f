# The CI gate is `make test`. Every tool runs through `go run` at a pinned version, so a machine
# with only Go installed can run every target.
GO          ?= go
OAPI_CODEGEN = $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
# staticcheck is pinned here rather than in go.mod, so that users of this module do not inherit it.
STATICCHECK  = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Spectral runs through npx (Node is on every machine this project builds on), pinned likewise.
SPECTRAL     = npx --yes @stoplight/spectral-cli@6.16.3
GEN_OUT      = gen/descope.gen.go

.DEFAULT_GOAL := help
.PHONY: help generate check-generated lint spectral test bench demo

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

generate: ## regenerate gen/ from spec/openapi.yaml
	$(OAPI_CODEGEN) -config gen/config.yaml spec/openapi.yaml

check-generated: ## fail if gen/ is not what spec/openapi.yaml generates (regenerates into a temp dir)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed 's|^output:.*|output: '"$$tmp"'/out.go|' gen/config.yaml >"$$tmp/config.yaml" && \
	$(OAPI_CODEGEN) -config "$$tmp/config.yaml" spec/openapi.yaml && \
	if ! diff -u $(GEN_OUT) "$$tmp/out.go" >"$$tmp/diff"; then \
		head -n 40 "$$tmp/diff"; \
		echo "check-generated: $(GEN_OUT) is stale: run 'make generate' and commit the result" >&2; \
		exit 1; \
	fi
	@echo "check-generated: $(GEN_OUT) matches spec/openapi.yaml"

lint: spectral ## gofmt, go vet, staticcheck, Spectral and the spec's own validation
	@unformatted=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: needs formatting: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) test -count=1 -run '^TestSpec' ./contract_test/

spectral: ## lint spec/openapi.yaml with Spectral's spectral:oas ruleset: no error, no warning
	$(SPECTRAL) lint --ruleset spec/.spectral.yaml --fail-severity warn spec/openapi.yaml
	@# The gate must bite: the same spec without its info.contact has to fail it.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed '/^  contact:/,/^    url:/d' spec/openapi.yaml >"$$tmp/openapi.yaml" && \
	if $(SPECTRAL) lint --ruleset spec/.spectral.yaml --fail-severity warn "$$tmp/openapi.yaml" >"$$tmp/out" 2>&1; then \
		echo "spectral: a spec without info.contact passed: the gate does not bite" >&2; exit 1; fi && \
	grep -q 'info-contact' "$$tmp/out" && echo "spectral: a spec without info.contact fails, as it must"

test: check-generated lint ## the CI gate: generated code fresh, lint clean, all tests with -race
	$(GO) test -race -count=1 ./...

demo: ## a scripted session against an embedded fake Descope: every operation, then a bulk patch of 3,000 users
	$(GO) run ./cmd/descope-users demo

bench: ## run the benchmarks (not part of the gate)
	$(GO) test -run '^$$' -bench . -benchmem ./...
