# The CI gate is `make test`. Every tool runs through `go run` at a pinned version, so a machine
# with only Go installed can run every target.
GO          ?= go
OAPI_CODEGEN = $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
# staticcheck is pinned here rather than in go.mod, so that users of this module do not inherit it.
STATICCHECK  = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Spectral runs through npx (Node is on every machine this project builds on), pinned likewise.
SPECTRAL     = npx --yes @stoplight/spectral-cli@6.16.3
OASDIFF      = $(GO) run github.com/oasdiff/oasdiff
# What the spec must stay compatible with: the newest release tag (v*), or, before the first one,
# the commit the breaking-change gate was introduced on.
SPEC_BASELINE ?= $(shell git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || echo 7837792371aa4f8d4f61b7a31dd3d3c9b99b0986)
GEN_OUT      = gen/descope.gen.go

.DEFAULT_GOAL := help
.PHONY: help generate check-generated lint spectral breaking test bench demo

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

lint: spectral breaking ## gofmt, go vet, staticcheck, Spectral, the breaking-change gate and the spec's own validation
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

# oasdiff's levels are raised in spec/oasdiff-levels.txt for two changes it only warns of or
# lists: a request property removed (request schemas are closed, so an old client's field would be
# refused) and an optional response property removed (a client reading it would get nothing).
# spec/oasdiff-ignore.txt lists findings that were reviewed and are not breaking, each with its
# whole text, and says why; it silences nothing else.
breaking: ## fail on a breaking change to spec/openapi.yaml since SPEC_BASELINE, unless its major version was raised
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	{ git cat-file -e "$(SPEC_BASELINE):spec/openapi.yaml" 2>/dev/null || git fetch --quiet --unshallow 2>/dev/null || true; } && \
	if ! git show "$(SPEC_BASELINE):spec/openapi.yaml" >"$$tmp/base.yaml" 2>"$$tmp/err"; then \
		echo "breaking: cannot read spec/openapi.yaml at $(SPEC_BASELINE): $$(cat "$$tmp/err")" >&2; exit 1; fi && \
	major() { sed -n 's/^  version: *\([0-9][0-9]*\)\..*/\1/p' "$$1" | head -n 1; } && \
	base=$$(major "$$tmp/base.yaml") && cur=$$(major spec/openapi.yaml) && \
	if [ "$$cur" -gt "$$base" ]; then \
		echo "breaking: info.version's major went from $$base to $$cur: breaking changes since $(SPEC_BASELINE) are allowed"; \
	else \
		$(OASDIFF) breaking "$$tmp/base.yaml" spec/openapi.yaml --fail-on WARN --severity-levels spec/oasdiff-levels.txt \
			--warn-ignore spec/oasdiff-ignore.txt && \
		echo "breaking: no breaking change to the spec since $(SPEC_BASELINE)"; \
	fi && \
	sed 's/^        scim: {type: boolean,/        scim: {type: string,/' spec/openapi.yaml >"$$tmp/retyped.yaml" && \
	if $(OASDIFF) breaking spec/openapi.yaml "$$tmp/retyped.yaml" --fail-on WARN --severity-levels spec/oasdiff-levels.txt >"$$tmp/out" 2>&1; then \
		echo "breaking: retyping a request field passed: the gate does not bite" >&2; exit 1; fi && \
	grep -q 'request-property-type-changed' "$$tmp/out" && echo "breaking: a retyped request field fails, as it must" && \
	sed '/^        - {type: number, nullable: true}$$/d' spec/openapi.yaml >"$$tmp/narrowed.yaml" && \
	if $(OASDIFF) breaking "$$tmp/base.yaml" "$$tmp/narrowed.yaml" --fail-on WARN --severity-levels spec/oasdiff-levels.txt \
		--warn-ignore spec/oasdiff-ignore.txt >"$$tmp/out" 2>&1; then \
		echo "breaking: AnyValue without numbers passed: spec/oasdiff-ignore.txt silences too much" >&2; exit 1; fi && \
	grep -q 'request-property-list-of-types-narrowed' "$$tmp/out" && echo "breaking: AnyValue without numbers fails despite spec/oasdiff-ignore.txt, as it must"

test: check-generated lint ## the CI gate: generated code fresh, lint clean, all tests with -race
	$(GO) test -race -count=1 ./...

demo: ## a scripted session against an embedded fake Descope: single-user updates, a bulk patch of 3,000 users, a sync plan and its apply, then every other command
	$(GO) run ./cmd/descope-users demo

bench: ## run the benchmarks (not part of the gate)
	$(GO) test -run '^$$' -bench . -benchmem ./...
