// Package ingot imports offline e-commerce files into a warehouse of
// partitioned Parquet tables and an event log. Import is the library entry
// point: it wires the stages (formats → validate → group → diff → commit,
// with the DuckDB summary on the side) for one job and returns its report.
//
// The stages themselves live in their packages: formats (sources,
// decompression, charsets, readers, input schemas), columnar (batches and
// kernels), validate (rules, issues, reports) and commit (Parquet,
// manifests, the event log). This package only schedules them.
package ingot

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"

	"ingot/columnar"
)

// Kinds of import.
const (
	KindOrders    = "orders"
	KindCustomers = "customers"
	KindProducts  = "products"
	KindEvents    = "events"
)

// ImportOptions describe one import. The zero value plus Kind, Format and
// Sources imports into ./warehouse.
type ImportOptions struct {
	Kind    string   // orders (customers, products and events come later)
	Format  string   // kevel-csv
	Sources []string // paths, globs, directories, file:// URIs
	Dest    string   // warehouse directory; default ./warehouse

	// DryRun runs every stage but the commit and writes only the report.
	DryRun bool
	// ReportDir is where report.json and the rejects go; default
	// <dest>/_ingot/reports/<import id>/, or the current directory on a
	// dry run.
	ReportDir string
	// Encoding of the sources: "" or utf-8, auto, or a charset name.
	Encoding string
	// Delimiter of CSV sources; default ','.
	Delimiter byte
	// HashEmails stores e-mail user ids as their SHA-256 (email_sha256).
	HashEmails bool
	// MaxRejected fails the import (nothing committed) when more records
	// than this are rejected: a count ("100") or a percentage of records
	// ("2.5%"), or "none" for no limit. Empty means DefaultMaxRejected.
	MaxRejected string

	// BatchRows is the rows per batch; default columnar.DefaultBatchRows.
	BatchRows int
	// Workers validating batches in parallel; default GOMAXPROCS.
	Workers int

	// Logger receives progress and diagnostics; default discards.
	Logger *slog.Logger
	// Progress, if set, gets a line of progress every ProgressEvery.
	Progress      io.Writer
	ProgressEvery time.Duration
	// Now is the clock; default time.Now. Tests pin it.
	Now func() time.Time

	// CommitRetryFor bounds how long an import that keeps losing commit
	// races to other writers goes on retrying; default 10 minutes.
	CommitRetryFor time.Duration

	// beforeCommit, if set, runs just before an attempt commits: tests
	// use it to make another writer win the race.
	beforeCommit func(attempt int)
	// beforeManifest, if set, runs after the event segment is published
	// and before the manifest is written.
	beforeManifest func(attempt int)
	// afterManifest, if set, replaces the manifest write's error: tests
	// use it to report a failure for a write that happened.
	afterManifest func(error) error
}

func (o ImportOptions) withDefaults() ImportOptions {
	o.Dest = cmp.Or(o.Dest, "warehouse")
	o.BatchRows = cmp.Or(o.BatchRows, columnar.DefaultBatchRows)
	o.Workers = cmp.Or(o.Workers, runtime.GOMAXPROCS(0))
	o.ProgressEvery = cmp.Or(o.ProgressEvery, 10*time.Second)
	o.CommitRetryFor = cmp.Or(o.CommitRetryFor, 10*time.Minute)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// UsageError is a problem with the options rather than with the data: a
// command line maps it to exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// Validate checks the options before any data moves.
func (o ImportOptions) Validate() error {
	switch o.Kind {
	case KindOrders:
	case KindCustomers, KindProducts, KindEvents:
		return usagef("import kind %q is not supported yet (supported: orders)", o.Kind)
	default:
		return usagef("unknown import kind %q (want orders, customers, products or events)", o.Kind)
	}
	if _, ok := orderFormats[o.Format]; !ok {
		return usagef("unknown %s format %q (supported: %s)", o.Kind, o.Format, strings.Join(formatNames(), ", "))
	}
	if len(o.Sources) == 0 {
		return usagef("no source given")
	}
	if o.BatchRows < 0 || o.Workers < 0 {
		return usagef("BatchRows and Workers must not be negative")
	}
	if _, _, err := parseMaxRejected(o.MaxRejected); err != nil {
		return &UsageError{err}
	}
	return nil
}

// DefaultMaxRejected is the --max-rejected of an import that does not
// set one: an import that rejects more than half of its records almost
// always has the wrong file, format, delimiter or encoding.
const DefaultMaxRejected = "50%"

// parseMaxRejected reads "N", "P%" or "none" (no limit); empty means
// DefaultMaxRejected. A negative result means "no limit of this kind".
func parseMaxRejected(s string) (count int64, percent float64, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultMaxRejected
	}
	if strings.EqualFold(s, "none") {
		return -1, -1, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 {
			return 0, 0, fmt.Errorf("--max-rejected: expected a percentage between 0%% and 100%%, found %q", s)
		}
		return -1, f, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("--max-rejected: expected a count, a percentage such as 2.5%%, or none, found %q", s)
	}
	return n, -1, nil
}

// newImportID returns a sortable unique id: UTC time and 6 random hex
// digits, e.g. 20261123T014512Z-3f9a1c.
func newImportID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
