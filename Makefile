# ingot — build, test, demo, bench, fuzz.
# DuckDB's Go driver compiles its Arrow API only with the duckdb_arrow tag,
# so every go command here passes it.

GO        ?= go
TAGS      := -tags=duckdb_arrow
BIN       := bin/ingot
DEMO_ORDERS ?= 100000
FUZZTIME  ?= 10s
FUZZMINTIME ?= 5s
BENCHTIME ?= 3x

.PHONY: all build test test-browser vet demo bench bench-go fuzz bce clean

all: build

build:
	$(GO) build $(TAGS) -o $(BIN) ./cmd/ingot

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(TAGS) ./...

test: vet
	$(GO) test $(TAGS) -count=1 ./...

# Renders report.html and the pages of `ingot serve` in headless Chromium
# (installing Debian's chromium if missing): no console errors, data
# shown as text. Screenshots land in bin/browser/. Not part of `make test`.
test-browser: build
	./scripts/browser-check.sh

# Generates a realistic Kevel CSV of $(DEMO_ORDERS) orders into a temporary
# file, imports it into ./warehouse and prints the summary.
demo: build
	@tmp=$$(mktemp -d) && \
	  $(BIN) gen orders --orders $(DEMO_ORDERS) --seed 1 -o $$tmp/orders.csv && \
	  $(BIN) import orders $$tmp/orders.csv --format kevel-csv --dest ./warehouse; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

# The Go benchmarks of the stages, then the end-to-end harness.
bench: build bench-go
	$(BIN) bench --orders 1000000

bench-go:
	$(GO) test $(TAGS) -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# Runs every fuzz target for $(FUZZTIME). New inputs are minimised for at
# most $(FUZZMINTIME): the default minute stalls targets whose inputs run
# the whole validator.
fuzz:
	@set -e; for pkg in $$($(GO) list $(TAGS) ./...); do \
	  for t in $$($(GO) test $(TAGS) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test $(TAGS) -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg; \
	  done; done

# Lists the bounds checks left in the hot kernels.
bce:
	$(GO) build $(TAGS) -gcflags='-d=ssa/check_bce/debug=1' ./columnar/ ./formats/... 2>&1 | grep -v '^#' || true

clean:
	rm -rf bin
