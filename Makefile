# `make test` is the one command that runs every test (README, CI).
GO ?= go

.PHONY: test build vet fuzz

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -trimpath -ldflags "-s -w" -o followupd ./cmd/followupd

.PHONY: learn
# learn writes the second reader's weights (rules/meaning/learned/weights.tsv)
# anew from the labeled corpus; run it after changing the corpus or the
# features (docs/READING.md).
learn:
	$(GO) test ./rules -run TestLearnedWeightsAreTheCorpus -count=1 -learn

.PHONY: bench
# bench runs the full benchmark of issue 7 (docs/BENCHMARKS.md); pass
# BENCHFLAGS=-short for the small run, or e.g. "-markdown bench.md".
bench:
	$(GO) run ./cmd/followupd-bench $(BENCHFLAGS)
