// Package ingot imports offline e-commerce files into a warehouse of
// partitioned Parquet tables and an event log. Import is the library entry
// point: it checks the options, looks the kind and the format up in the
// registry (registry.go) and hands them to package pipeline, which runs the
// stages (read → decode → validate → group → diff → write → publish, with
// the DuckDB summary on the side) and returns the report.
//
// The work itself lives in the packages below: pipeline (the generic
// stages and their scheduling), kinds/orders (what is particular to
// orders), formats (sources, decompression, charsets, reader shapes, one
// file per format), validate (shared rule kernels, rejects, the report),
// commit (Parquet, manifests, the event log) and the leaves schema,
// columnar and issue. This package only wires them.
package ingot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"ingot/columnar"
	"ingot/commit"
	"ingot/formats"
	"ingot/formats/charset"
	"ingot/formats/compress"
	"ingot/formats/source"
	"ingot/issue"
	"ingot/kinds"
	"ingot/pipeline"
	"ingot/spec"
	"ingot/transform"
	"ingot/validate"
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
	Kind    string   // a registered kind: orders, customers, products or events
	Format  string   // a registered format of that kind, e.g. kevel-csv (see Formats), or auto (sniffed from the first source)
	Sources []string // paths, globs, directories, file://, http(s)://, s3://, sftp:// URIs, or "-" for stdin
	Dest    string   // warehouse directory or s3://bucket/prefix; default ./warehouse

	// Stores configure the remote sources (retries, S3 path-style
	// addressing, the SFTP key and known_hosts) and the s3:// Dest's
	// client; the zero value reads credentials and endpoints from the
	// environment. Its Logger defaults to Logger.
	Stores source.StoreOptions
	// Stdin is what the source "-" reads; default os.Stdin.
	Stdin io.Reader
	// MoveProcessed moves each source that was imported into a
	// processed/ folder beside it once the import has committed (local
	// files, S3, SFTP); failed files stay where they are, and a dry run
	// or a failed import moves nothing.
	MoveProcessed bool

	// DryRun runs every stage but the commit and writes only the report.
	DryRun bool
	// Force imports a source even when a source with the same sha256 is
	// committed already. By default such a local file is not read again:
	// its report says "already committed as version N" and it adds
	// nothing (remote sources and stdin are hashed only while read, and
	// so are always imported; see pipeline.skipCommitted).
	Force bool
	// ReportDir is where report.json and the rejects go; default
	// <dest>/_ingot/reports/<import id>/, or a fresh
	// ./ingot-dry-run-<import id>/ on a dry run.
	ReportDir string
	// Encoding of the sources: "" or "auto" (the default: BOM, UTF-8
	// validity, else the likely single-byte encoding, reported with a
	// confidence), or any WHATWG or IANA name such as utf-8 or
	// windows-1252.
	Encoding string
	// Delimiter of CSV sources: given, or (0) ',' for the orders formats
	// and detected (',', ';', tab or '|') for the formats that take any
	// columns (customers and products csv) and for Format "auto".
	Delimiter byte
	// Quote of CSV sources: given, or (0) '"' (detected as Delimiter: ' is
	// chosen only when fields are quoted with it and never with ").
	Quote byte
	// Header says whether CSV sources start with a header row: "" (yes
	// for the orders formats, detected for the others), "present" or
	// "absent" (the columns are then column1, column2, …).
	Header string
	// OnNewColumns is what header columns the format does not know do:
	// "" or "ignore" (skipped, named in the file's ignored_columns) or
	// "fail" (the import fails, naming them, before anything is
	// imported). Customers and products make every column an attribute.
	OnNewColumns string
	// HashEmails stores e-mail user ids as their SHA-256 (email_sha256).
	HashEmails bool
	// OrderID chooses the input column that identifies a record, for
	// formats that offer a choice (shopify-csv: Name, the default, or Id);
	// "" keeps the format's default.
	OrderID string
	// UserIDColumn and UserIDType name the user id column of customers
	// and the type of its ids (default userId, email).
	UserIDColumn, UserIDType string
	// KeyColumn names the key column of products (default productId).
	KeyColumn string
	// Merge is how customers and products meet their committed record:
	// merge (default) or overwrite.
	Merge string
	// OnRagged is what happens to rows with too few or too many fields,
	// for every kind: reject (default; the row, and for orders its
	// order), pad (missing fields empty; too many is still rejected) or
	// truncate (missing fields empty, surplus dropped). They are counted
	// as field_count issues either way.
	OnRagged string
	// AllowChangedOptions lets the import use a different value of a
	// pinned option (PinnedOptions: what changes how records are stored)
	// than the warehouse's earlier commits of its kind; without it such an
	// import is refused before any data is read.
	AllowChangedOptions bool
	// MaxRejected fails the import (nothing committed) when more records
	// than this are rejected: a count ("100") or a percentage of records
	// ("2.5%"), or "none" for no limit. Empty means DefaultMaxRejected.
	MaxRejected string

	// Transforms reshape every raw batch, in order, before the format's
	// header checks and the kind's validation (design section 4: rename,
	// copy, new, delete, map, timestamp, cast, derive); any kind, any
	// format. A failed cast or an unparsable timestamp rejects its row.
	Transforms []transform.Step
	// Mapping, for customers, keeps only the mapped attributes (attribute
	// ← header), after the Transforms: each with its value map, fallback
	// (already evaluated: spec.Import.MappingAttrs), type check and
	// mandatory rule. A header a file lacks fails that file before any of
	// its rows is read (with Preprocess, the whole import).
	Mapping []transform.Attr
	// IgnoreOnUpdate lists customer attributes written when the customer
	// is created and never changed by a later import.
	IgnoreOnUpdate []string
	// Program, if set, is used instead of compiling Transforms and
	// Mapping: a program compiled with TransformCodes.
	Program *transform.Program
	// Preprocess checks every file's structure before anything is
	// imported (Preprocess): with a structural error in any file (an
	// empty file, a missing or duplicate header, rows of inconsistent
	// field counts, broken JSON, a mapped header missing) the import
	// fails and nothing is committed.
	Preprocess bool

	// Limits against hostile or broken input; zero means the default of
	// each (csv.DefaultMaxRecordBytes, DefaultMaxFieldBytes,
	// DefaultMaxColumns, compress.DefaultMaxRatio; no size limit on
	// decompressed content). A negative MaxDecompressionRatio disables the ratio check.
	MaxRecordBytes        int
	MaxFieldBytes         int
	MaxColumns            int
	MaxDecompressedBytes  int64
	MaxDecompressionRatio int64
	// MaxLineItems is the most line items an order may have; a larger
	// order is rejected as one (order_too_large) without being held whole
	// in memory. Zero means kinds.DefaultMaxLineItems (100,000).
	MaxLineItems int

	// BatchRows is the rows per batch; default columnar.DefaultBatchRows.
	BatchRows int
	// Workers validating batches in parallel; default GOMAXPROCS.
	Workers int

	// Logger receives progress and diagnostics; default discards.
	Logger *slog.Logger
	// Progress, if set, gets a line of progress every ProgressEvery
	// (default 10 s) while reading and one per phase, unless OnProgress
	// is set.
	Progress      io.Writer
	ProgressEvery time.Duration
	// OnProgress, if set, is told when each phase starts and, while
	// reading, after every batch: what a progress bar needs. Its calls
	// come one at a time from the import's goroutines and must be quick.
	OnProgress func(Progress)
	// Now is the clock; default time.Now. Tests pin it.
	Now func() time.Time

	// Command is the command line that started the import, recorded in
	// report.json (as dbt's run_results.json records its args).
	Command []string

	// CommitRetryFor bounds how long an import that keeps losing commit
	// races to other writers goes on retrying; default 10 minutes.
	CommitRetryFor time.Duration

	// mapping is the spec import whose mapping Import evaluates (its
	// fallbacks at Now) into Mapping, when SpecOptions made the options.
	mapping *spec.Import

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

// recorded returns the options that shape what an import does, for
// report.json: the fields a person re-running it needs, no clocks or
// writers.
func (o ImportOptions) recorded() map[string]any {
	sources := make([]string, len(o.Sources))
	for i, src := range o.Sources {
		sources[i] = source.Redact(src)
	}
	return map[string]any{
		"kind": o.Kind, "format": o.Format, "sources": sources, "dest": source.Redact(o.Dest),
		"dry_run": o.DryRun, "report_dir": o.ReportDir, "encoding": cmp.Or(o.Encoding, "auto"),
		"delimiter": string(rune(o.Delimiter)), "hash_emails": o.HashEmails, "order_id": o.OrderID,
		"user_id": o.UserIDColumn, "user_id_type": o.UserIDType, "key": o.KeyColumn, "merge": o.Merge, "on_ragged": o.OnRagged,
		"quote": quoteString(o.Quote), "header": o.Header, "on_new_columns": o.OnNewColumns,
		"max_rejected": cmp.Or(o.MaxRejected, DefaultMaxRejected), "batch_rows": o.BatchRows,
		"move_processed": o.MoveProcessed, "allow_changed_options": o.AllowChangedOptions, "force": o.Force,
		"transforms": len(o.Transforms), "mapping": len(o.Mapping), "preprocess": o.Preprocess,
	}
}

// now reads the import's clock: Now, or the time.
func (o ImportOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// TransformCodes are the issue codes of transform programs: the codes
// the kinds' validators know how to describe in rejects.
var TransformCodes = transform.Codes{Cast: issue.CastFailed, Timestamp: issue.TimestampPattern,
	Missing: issue.MissingAttribute, Attr: issue.BadAttribute}

// CompileTransforms compiles an import's Transforms and Mapping into the
// program the pipeline runs (nil when there are none), or returns
// o.Program when set. A *transform.StepError names a step whose
// arguments are wrong.
func (o ImportOptions) CompileTransforms() (*transform.Program, error) {
	if o.Program != nil {
		return o.Program, nil
	}
	steps := slices.Clone(o.Transforms)
	if len(o.Mapping) > 0 {
		ms, err := transform.MappingSteps(o.Mapping)
		if err != nil {
			return nil, err
		}
		steps = append(steps, ms...)
	}
	if len(steps) == 0 {
		return nil, nil
	}
	return transform.Compile(steps, TransformCodes)
}

// PinnedOptions lists the options that change how an import's records
// are stored, so that a warehouse pins them: each commit's manifest (and
// report.json, under pinned) records their values, and an import of the
// same kind with other values than the newest commit that recorded them is
// refused before reading any data, unless AllowChangedOptions. Per kind:
//
//   - orders: hash_emails (user ids stored plain or as SHA-256) and, for
//     formats that offer a choice of record key (shopify-csv), order_id
//     (Name or Id);
//   - customers: hash_emails, user_id_type (the type part of the key) and
//     merge (merge or overwrite);
//   - products: merge;
//   - events: hash_emails (an e-mail user stored plain or hashed makes
//     another event fingerprint, so a feed imported again would add
//     every event a second time).
//
// Column names (user_id, key) are not pinned: they say where the value is
// in a file, not how it is stored.
var PinnedOptions = map[string][]string{
	KindOrders:    {"hash_emails", "order_id"},
	KindCustomers: {"hash_emails", "user_id_type", "merge"},
	KindProducts:  {"merge"},
	KindEvents:    {"hash_emails"},
}

// pinned returns the values of the kind's PinnedOptions this import uses,
// defaults resolved, as text.
func (o ImportOptions) pinned(format *formats.Format) map[string]string {
	out := map[string]string{}
	for _, k := range PinnedOptions[o.Kind] {
		switch k {
		case "hash_emails":
			out[k] = strconv.FormatBool(o.HashEmails)
		case "order_id":
			if len(format.KeyChoices) > 0 && format.KeyField() != nil {
				out[k] = format.KeyField().Name
			}
		case "user_id_type":
			out[k] = cmp.Or(o.UserIDType, DefaultUserIDType)
		case "merge":
			out[k] = cmp.Or(o.Merge, kinds.MergeMerge)
		}
	}
	return out
}

// DefaultUserIDType is the type of customers' user ids when none is
// given.
const DefaultUserIDType = validate.TypeEmail

// DefaultMaxRejected is the --max-rejected of an import that does not
// set one: an import that rejects more than half of its records almost
// always has the wrong file, format, delimiter or encoding.
const DefaultMaxRejected = pipeline.DefaultMaxRejected

// Progress is what an import tells ImportOptions.OnProgress; its Phase is
// one of the Phase constants.
type Progress = pipeline.Progress

// Phases of an import, as Progress reports them.
const (
	PhaseRead         = pipeline.PhaseRead
	PhaseSummary      = pipeline.PhaseSummary
	PhaseSupersession = pipeline.PhaseSupersession
	PhaseCommit       = pipeline.PhaseCommit
	PhaseReport       = pipeline.PhaseReport
	PhaseDone         = pipeline.PhaseDone
)

// StatusCancelled is the report status of an import cancelled before its
// commit (nothing committed).
const StatusCancelled = pipeline.StatusCancelled

// CancelledError is Import's error when ctx was cancelled before the
// commit: nothing was committed and the import's files were removed. It
// unwraps to context.Canceled.
type CancelledError = pipeline.CancelledError

// ErrConflict means another writer committed the version this import was
// about to take; Import retries on it.
var ErrConflict = pipeline.ErrConflict

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
	if kindByName(o.Kind) == nil {
		return usagef("unknown import kind %q (want orders, customers, products or events)", o.Kind)
	}
	if o.Format != FormatAuto {
		if f := formatByName(o.Kind, o.Format); f == nil {
			return usagef("unknown %s format %q (supported: %s, or auto)", o.Kind, o.Format, strings.Join(FormatNames(o.Kind), ", "))
		}
		if _, err := formatByName(o.Kind, o.Format).WithKey(o.OrderID); err != nil {
			return &UsageError{err}
		}
	}
	switch o.Header {
	case formats.HeaderDetect, formats.HeaderPresent, formats.HeaderAbsent:
	default:
		return usagef("--header: expected present or absent, found %q", o.Header)
	}
	switch o.OnNewColumns {
	case "", pipeline.OnNewColumnsIgnore, pipeline.OnNewColumnsFail:
	default:
		return usagef("--on-new-columns: expected ignore or fail, found %q", o.OnNewColumns)
	}
	if o.Quote != 0 && (o.Quote == '\n' || o.Quote == '\r' || o.Quote >= 0x80 || o.Quote == o.Delimiter) {
		return usagef("--quote: %q cannot quote fields", o.Quote)
	}
	if len(o.Sources) == 0 {
		return usagef("no source given")
	}
	if o.BatchRows < 0 {
		return usagef("--batch-rows: expected a positive number of rows (0: the default), found %d", o.BatchRows)
	}
	if o.Workers < 0 {
		return usagef("--workers: expected a positive number of goroutines (0: one per CPU), found %d", o.Workers)
	}
	if _, err := charset.Decode(strings.NewReader(""), o.Encoding); err != nil {
		return usagef("--encoding: %w", err)
	}
	if d := o.Dest; strings.Contains(d, "://") && !hasScheme(d, "s3://") && !hasScheme(d, "file://") {
		return usagef("--dest %s: expected a local directory, file:///path or s3://bucket/prefix", source.Redact(d))
	}
	if o.MaxRecordBytes < 0 || o.MaxFieldBytes < 0 || o.MaxColumns < 0 || o.MaxDecompressedBytes < 0 || o.MaxLineItems < 0 {
		return usagef("--max-record-bytes, --max-field-bytes, --max-columns, --max-decompressed-bytes and --max-line-items must not be negative")
	}
	if _, _, err := pipeline.ParseMaxRejected(o.MaxRejected); err != nil {
		return &UsageError{err}
	}
	if (len(o.Mapping) > 0 || len(o.IgnoreOnUpdate) > 0) && o.Kind != KindCustomers {
		return usagef("an attribute mapping is for customers imports, not %s", o.Kind)
	}
	if _, err := o.CompileTransforms(); err != nil {
		return &UsageError{err}
	}
	switch o.Merge {
	case "", kinds.MergeMerge, kinds.MergeOverwrite:
	default:
		return usagef("--merge: expected merge or overwrite, found %q", o.Merge)
	}
	switch o.OnRagged {
	case "", kinds.RaggedReject, kinds.RaggedPad, kinds.RaggedTruncate:
	default:
		return usagef("--on-ragged: expected reject, pad or truncate, found %q", o.OnRagged)
	}
	return nil
}

// hasScheme reports whether uri starts with scheme, in any case.
func hasScheme(uri, scheme string) bool {
	return len(uri) >= len(scheme) && strings.EqualFold(uri[:len(scheme)], scheme)
}

// Import runs one import and returns its report, which is also written to
// the report directory. The error is non-nil when the import failed (the
// report says why, with status failed) or could not start; a *UsageError
// means the options are wrong, including pinned options (PinnedOptions)
// that differ from the warehouse's without AllowChangedOptions (it wraps a
// *pipeline.PinnedError; the report, status failed, read no data).
//
// An attempt that loses the commit race to another writer (its manifest
// version was taken) is repeated from the start on top of the newer
// state, after a short randomised backoff, until it commits or
// CommitRetryFor has passed; the report of the last attempt is written
// either way.
func Import(ctx context.Context, opt ImportOptions) (*validate.Report, error) {
	if opt.mapping != nil && len(opt.Mapping) == 0 {
		opt.Mapping = opt.mapping.MappingAttrs(opt.now().UTC())
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	rec := opt // recorded with the defaults the pipeline applies
	rec.Dest = cmp.Or(rec.Dest, "warehouse")
	rec.BatchRows = cmp.Or(rec.BatchRows, columnar.DefaultBatchRows)
	if opt.Stores.Logger == nil {
		opt.Stores.Logger = opt.Logger
	}
	st, err := source.NewStores(ctx, opt.Stores)
	if err != nil {
		return nil, err
	}
	defer source.CloseStores(st)
	st.Stdin = opt.Stdin
	objs, err := st.Resolve(ctx, opt.Sources)
	if err != nil {
		return nil, &UsageError{err}
	}
	if opt.MoveProcessed {
		for _, o := range objs {
			if o.URI == source.StdinURI || strings.HasPrefix(strings.ToLower(o.URI), "http") && strings.Contains(o.URI, "://") {
				return nil, usagef("--move-processed: source %s cannot be moved (only local files, s3:// and sftp:// sources can)", source.Redact(o.URI))
			}
		}
	}
	command := make([]string, len(opt.Command))
	for i, a := range opt.Command {
		command[i] = source.Redact(a)
	}
	if opt.Format == FormatAuto {
		if opt.Format, err = sniffFormat(ctx, st, objs[0], opt); err != nil {
			return nil, err
		}
	}
	format, err := formatByName(opt.Kind, opt.Format).WithKey(opt.OrderID)
	if err != nil {
		return nil, &UsageError{err}
	}
	// Files import in the format's order (CrossEngage: by the export time
	// in their names), else in the order given.
	objs = formats.SortSources(format, objs)
	rec.Format = format.Name
	prog, _ := opt.CompileTransforms() // checked by Validate
	rep, err := pipeline.Run(ctx, pipeline.Options{
		Kind: kindByName(opt.Kind), Format: format, Dest: opt.Dest,
		Stores: st, StoreOptions: commit.StoreOptions{S3: opt.Stores.S3, Logger: opt.Stores.Logger},
		DryRun: opt.DryRun, Force: opt.Force, ReportDir: opt.ReportDir, Encoding: opt.Encoding, Delimiter: opt.Delimiter,
		Quote: opt.Quote, Header: opt.Header, OnNewColumns: opt.OnNewColumns, Formats: Formats(),
		HashEmails: opt.HashEmails, Records: kinds.RecordOptions{UserIDColumn: opt.UserIDColumn, UserIDType: opt.UserIDType, KeyColumn: opt.KeyColumn,
			Merge: opt.Merge, OnRagged: opt.OnRagged, IgnoreOnUpdate: opt.IgnoreOnUpdate},
		Transforms: prog, Preprocess: opt.Preprocess,
		MaxRejected: opt.MaxRejected, BatchRows: opt.BatchRows, Workers: opt.Workers,
		MaxRecordBytes: opt.MaxRecordBytes, MaxFieldBytes: opt.MaxFieldBytes, MaxColumns: opt.MaxColumns,
		MaxDecompressedBytes: opt.MaxDecompressedBytes, MaxDecompressionRatio: opt.MaxDecompressionRatio, MaxLineItems: opt.MaxLineItems,
		Logger: opt.Logger, Progress: opt.Progress, ProgressEvery: opt.ProgressEvery, OnProgress: opt.OnProgress, Now: opt.Now,
		CommitRetryFor: opt.CommitRetryFor, Command: command, Recorded: rec.recorded(),
		Pinned: opt.pinned(format), AllowChangedOptions: opt.AllowChangedOptions,
		BeforeCommit: opt.beforeCommit, BeforeManifest: opt.beforeManifest, AfterManifest: opt.afterManifest,
	}, objs)
	var pe *pipeline.PinnedError
	if errors.As(err, &pe) {
		return rep, &UsageError{err}
	}
	if err == nil && opt.MoveProcessed {
		moveProcessed(ctx, st, objs, rep, opt.Stores.Logger)
	}
	return rep, err
}

// FormatAuto is the format that is sniffed from the first source.
const FormatAuto = "auto"

// sniffFormat finds the format of kind that the source o is in: the one
// whose required fields its header has, else the kind's generic format
// of its syntax (csv, jsonl, json).
func sniffFormat(ctx context.Context, st source.Stores, o source.Object, opt ImportOptions) (string, error) {
	var own []*formats.Format
	for _, f := range registeredFormats {
		if f.Kind == opt.Kind {
			own = append(own, f)
		}
	}
	s, err := formats.Sniff(ctx, st, o, formats.SniffOptions{Encoding: opt.Encoding, Delimiter: opt.Delimiter, Quote: opt.Quote,
		Header: opt.Header, Formats: own, Limits: compress.DecompressOptions{MaxBytes: opt.MaxDecompressedBytes, MaxRatio: opt.MaxDecompressionRatio}})
	if err != nil {
		return "", fmt.Errorf("format auto: %w", err)
	}
	if s.Format != nil {
		return s.Format.Format, nil
	}
	if len(s.Generic) > 0 {
		return s.Generic[0].Format, nil
	}
	hint := ""
	if ms := formats.Recognize(columnNames(s), s.Syntax, registeredFormats); len(ms) > 0 {
		hint = fmt.Sprintf(" (it looks like %s %s: ingot import %s --format %s)", ms[0].Kind, ms[0].Format, ms[0].Kind, ms[0].Format)
	}
	return "", usagef("format auto: %s is %s whose header no %s format recognises%s; name the format (%s)",
		source.Redact(o.URI), s.Syntax, opt.Kind, hint, strings.Join(FormatNames(opt.Kind), ", "))
}

func columnNames(s *formats.Sniffed) []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// quoteString records a quote option: "" for the default.
func quoteString(q byte) string {
	if q == 0 {
		return ""
	}
	return string(rune(q))
}

// moveProcessed is the opt-in file lifecycle: once the import has
// succeeded (its data committed, or already in the warehouse when nothing
// changed), each source whose file was imported moves to processed/
// beside it. Failed files stay where they are; a dry run moves nothing. A
// failed move is logged: the import itself has committed.
func moveProcessed(ctx context.Context, st source.Stores, objs []source.Object, rep *validate.Report, log *slog.Logger) {
	if rep == nil || rep.DryRun || len(rep.Files) != len(objs) {
		return
	}
	switch rep.Status {
	case validate.StatusCompleted, validate.StatusCompletedWithFailures:
	default:
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i, o := range objs {
		if rep.Files[i].Status != validate.FileOK {
			log.Info("failed source left in place", "file", source.Redact(o.URI))
			continue
		}
		moved, err := st.MoveProcessed(ctx, o)
		if err != nil {
			log.Warn("moving a processed source", "file", source.Redact(o.URI), "err", err)
			continue
		}
		log.Info("moved processed source", "file", source.Redact(o.URI), "to", source.Redact(moved.URI))
	}
}
