# ingot — build, test, demo, bench, fuzz.
# DuckDB's Go driver compiles its Arrow API only with the duckdb_arrow tag,
# so every go command here passes it.

GO        ?= go
TAGS      := -tags=duckdb_arrow
BIN       := bin/ingot
DEMO_ORDERS ?= 100000
FUZZTIME  ?= 10s
FUZZMINTIME ?= 5s
FUZZCITIME ?= 10s
# The team's shared corpora, which fuzz targets add to their seeds.
SHARED    ?= ../shared
BENCHTIME ?= 3x

.PHONY: all build test test-browser vet demo bench bench-go fuzz fuzz-ci soak bce clean

all: build

build:
	$(GO) build $(TAGS) -o $(BIN) ./cmd/ingot

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(TAGS) ./...

# The root package holds TestCrashAnywhere, which builds a fault binary and
# kills imports (about two minutes of CPU): more than go test's default 10
# minutes on a loaded machine.
test: vet
	$(GO) test $(TAGS) -count=1 -timeout 30m ./...

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

# CI's short fuzz run: every fuzz target for $(FUZZCITIME) (the seeds'
# baseline run comes out of it: 10 s leaves time to fuzz), seeds from
# testdata and $(SHARED)/corpora. A failing input is kept by go test under
# the package's testdata/fuzz/<target>/ (commit it: it becomes a
# regression test). Prints each target's execs and the total time. Up to
# Go 1.26, a duration-bounded fuzz run can end in a bare "context deadline
# exceeded" without any failing input (go.dev/issue/75804): that is not
# counted as a failure.
fuzz-ci:
	@set -e; start=$$(date +%s); total=0; n=0; \
	  export INGOT_SHARED="$$(cd $(SHARED) 2>/dev/null && pwd)"; \
	  for pkg in $$($(GO) list $(TAGS) ./...); do \
	  for t in $$($(GO) test $(TAGS) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    rc=0; out=$$($(GO) test $(TAGS) -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZCITIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg 2>&1) || rc=$$?; \
	    if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
	      echo "fuzz-ci: $$pkg $$t: stopped by Go's fuzztime race (go.dev/issue/75804, fixed in Go 1.27), no failing input: passed"; rc=0; fi; \
	    if [ $$rc -ne 0 ]; then echo "$$out"; echo "fuzz-ci: $$pkg $$t failed; the input is under testdata/fuzz/$$t/ of the package"; exit 1; fi; \
	    execs=$$(echo "$$out" | grep -o 'execs: [0-9]*' | tail -1 | grep -o '[0-9]*' || true); \
	    base=$$(echo "$$out" | grep -o 'baseline coverage: [0-9]*/[0-9]*' | tail -1 | grep -o '[0-9]*/[0-9]*' || true); \
	    echo "fuzz-ci: $$pkg $$t: $${execs:-0} execs after a baseline of $${base:-0/0} seeds"; \
	    total=$$((total + $${execs:-0})); n=$$((n + 1)); \
	  done; done; \
	  echo "fuzz-ci: $$n targets, $$total execs in $$(( $$(date +%s) - start ))s"

# The long runs of the reliability tests: TestCrashAnywhere with 30,000
# orders and 100 random SIGKILLs (CI runs 3,000 and 20), and
# TestRowAccounting over every file of $(SHARED)/corpora (CI runs one in
# 8; every realdata file either way). INGOT_CRASH_SEED=n picks other random
# moments.
soak:
	INGOT_SOAK=1 INGOT_SHARED="$$(cd $(SHARED) 2>/dev/null && pwd)" \
	  $(GO) test $(TAGS) -count=1 -timeout 3h -v -run '^(TestCrashAnywhere|TestRowAccounting)$$' .

# Lists the bounds checks left in the hot kernels.
bce:
	$(GO) build $(TAGS) -gcflags='-d=ssa/check_bce/debug=1' ./columnar/ ./formats/... 2>&1 | grep -v '^#' || true

clean:
	rm -rf bin
