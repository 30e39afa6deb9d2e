# `make test` is the one command that runs every test (README, CI).
GO ?= go

.PHONY: test build vet fuzz

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -trimpath -ldflags "-s -w" -o followupd ./cmd/followupd

.PHONY: bench
# bench runs the full benchmark of issue 7 (docs/BENCHMARKS.md); pass
# BENCHFLAGS=-short for the small run, or e.g. "-markdown bench.md".
bench:
	$(GO) run ./cmd/followupd-bench $(BENCHFLAGS)
