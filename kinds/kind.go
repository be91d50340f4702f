// Package kinds is the contract between the generic pipeline and the
// kinds of record ingot imports (orders now; customers, products and
// events next). A kind implements Kind; the pipeline drives it without
// knowing which kind it is, and package ingot's registry lists the kinds.
//
// The contract is small on purpose: a kind binds a format to an input's
// header (Validator), and groups validated batches in input order into
// records, diffs them against the committed state and hands out what to
// write (Grouper). Everything else — reading, scheduling, writing Parquet,
// the event log, the summary and the commit — is the pipeline's.
package kinds

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/formats"
	"ingot/schema"
	"ingot/validate"
)

// Kind is one kind of record.
type Kind interface {
	// Name is the kind's name, the first argument of `ingot import`.
	Name() string
	// Tables lists the committed tables the kind writes.
	Tables() []*schema.Table
	// State names the table and columns of the committed state that
	// records are diffed against: a key and its content fingerprint.
	State() StateSpec
	// Bind binds format to an input's header. A missing required column
	// is an error wrapping parse.ErrMissingColumns.
	Bind(format *formats.Format, header []string, opt BindOptions) (Validator, error)
	// NewGrouper starts the group and diff stage of one import attempt.
	NewGrouper(cfg GroupConfig) (Grouper, error)
}

// StateSpec names the committed state of a kind (commit.LoadState).
type StateSpec struct {
	Table, Key, Fingerprint string
}

// BindOptions configure a Validator.
type BindOptions struct {
	// HashEmails stores e-mail user ids as their SHA-256 (email_sha256).
	HashEmails bool
	// Allocator for the typed columns.
	Allocator memory.Allocator
	// Pool, if set, provides recycled memory for buffers written whole.
	Pool *columnar.PoolAllocator
	// Records configure kinds whose records are a key and attributes.
	Records RecordOptions
}

// RecordOptions configure the kinds whose records are a key and a set of
// attributes (customers, products). Other kinds ignore them. The zero
// value is the default of every option.
type RecordOptions struct {
	// UserIDColumn names the input column that holds the user id
	// (customers); default "userId".
	UserIDColumn string
	// UserIDType is the type of every user id of the input: email,
	// email_sha256, email_md5, phone, phone_sha256 or a custom type;
	// default email.
	UserIDType string
	// KeyColumn names the key column of products; default productId.
	KeyColumn string
	// Merge is the merge strategy against the committed record: MergeMerge
	// (default: attributes given are added or replaced, others kept) or
	// MergeOverwrite (the record becomes exactly what was given).
	Merge string
	// OnRagged says what happens to a row with more or fewer fields than
	// the header: RaggedReject (default), RaggedPad (missing fields are
	// empty) or RaggedTruncate (extra fields are dropped, missing ones
	// empty). The rows are counted as issues either way. Every kind
	// follows it, orders too.
	OnRagged string
	// IgnoreOnUpdate names attributes that are written when a record is
	// created and never changed afterwards: an import that updates a
	// committed record leaves them as they were (customers' mapping,
	// ignore_on_update).
	IgnoreOnUpdate []string
	// Delimiter of delimited text, set by the pipeline (to truncate the
	// surplus fields a CSV reader appends to a row's last field).
	Delimiter byte
}

// The merge strategies and ragged-row policies of RecordOptions.
const (
	MergeMerge     = "merge"
	MergeOverwrite = "overwrite"
	RaggedReject   = "reject"
	RaggedPad      = "pad"
	RaggedTruncate = "truncate"
)

// LookupSpec asks the pipeline for a read-only view of the current state
// of a committed table (the row of the newest version of each key): the
// Value column by key, the Key columns' values joined with KeySep.
type LookupSpec struct {
	Table string
	Key   []string
	Value string
}

// KeySep joins the values of a multi-column lookup key.
const KeySep = "\x00"

// Lookup is a loaded LookupSpec: value by key. It is shared read-only by
// the stages of an attempt; nobody writes to it once loaded.
type Lookup map[string]string

// Lookuper is implemented by a kind that reads committed state beyond its
// own fingerprints: the customers kind its committed attributes (to
// merge), the orders kind the committed products (to enrich line items).
// The pipeline loads each spec before the attempt starts and hands the
// result in GroupConfig.Lookups, keyed by table. Kinds never import each
// other: they meet only in the committed tables.
type Lookuper interface {
	Lookups(opt RecordOptions) []LookupSpec
}

// Validator types and checks raw batches; it is safe for concurrent use.
type Validator interface {
	// Validate takes over b and returns its rows typed and checked.
	Validate(b *columnar.Batch) (Validated, error)
}

// Validated is a validated batch, owned by the kind's Grouper once added.
type Validated interface {
	// Rows returns the number of input rows.
	Rows() int
	// Release frees its memory.
	Release()
}

// GroupConfig is what a Grouper is given for one attempt.
type GroupConfig struct {
	// Format is the format the inputs are in.
	Format *formats.Format
	// Files are the URIs of the attempt's sources, by file index.
	Files []string
	// State maps the committed keys to their fingerprints.
	State *columnar.KeyMap[uint64]
	// Rejects receives the rejects of the records the grouper rejects.
	Rejects *validate.RejectWriter
	// ImportID and the pipeline's Pool are for the records it builds.
	ImportID string
	Pool     *columnar.PoolAllocator
	// EventHead is the part every event line shares after its key:
	// `,"version":N,"import_id":"…","at":"…"`. Nil on a dry run: then no
	// events are rendered.
	EventHead []byte
	// TempDir is a scratch directory for spill files, removed after the
	// attempt.
	TempDir string
	// Records are the import's record options (see RecordOptions).
	Records RecordOptions
	// Lookups holds what the kind asked for as a Lookuper, by table; a
	// table with nothing committed has an empty Lookup.
	Lookups map[string]Lookup
	// MaxLineItems is the most rows a record may have (an order's line
	// items); a larger record is rejected as one, without being held
	// whole in memory. Zero means DefaultMaxLineItems.
	MaxLineItems int
}

// DefaultMaxLineItems is the GroupConfig.MaxLineItems of an import that
// does not set one.
const DefaultMaxLineItems = 100_000

// Grouper is the group and diff stage of one attempt. The pipeline calls
// it from one goroutine, with batches in input order.
type Grouper interface {
	// Add takes the next validated batch of file; header names its raw
	// columns. It hands batches whose records are complete to out.
	Add(file int, v Validated, header []string, out Sink) error
	// EndFile closes the last record of file and hands out the rest.
	EndFile(file int, out Sink) error
	// FailFile drops what is pending of file: it failed.
	FailFile(file int)
	// Finish is called once every file ended or failed, while the writers
	// drain: the grouper may look for records that came back.
	Finish() error
	// Settle is called once the writers are done: it decides what was
	// superseded and returns the attempt's outcome.
	Settle() (*Result, error)
	// Close removes the grouper's spill files.
	Close()
}

// Sink receives what a Grouper hands out.
type Sink interface {
	// Write hands a batch of built rows to the writer.
	Write(o Output) error
	// Events gives the event buffer to append whole event lines to (each
	// ending in '\n'), nil on a dry run; EventsAdded says lines were added.
	Events() *[]byte
	EventsAdded() error
}

// Output is what the writer gets of a batch: the rows to write, built
// lazily in the writer's goroutine.
type Output interface {
	// File is the index of the source file the rows came from.
	File() int
	// Records yields the rows as records of the kind's tables, grouped
	// by partition value and by whether they changed (only changed rows
	// are written; unchanged ones feed the summary).
	Records(yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error
	// Release frees the batch.
	Release()
}

// HeldOutput is implemented by an Output some of whose changed rows may
// still be superseded by a later record of the same key in the import:
// the kind holds them back from Records and yields them here instead.
// The pipeline counts and summarises them like changed rows, but writes
// them only once the grouper settled, without the rows of the records
// that were superseded (Removal.KeepLine): a superseded record held back
// is never written to a data file.
type HeldOutput interface {
	Output
	// HeldRecords yields the held rows as records of the kind's tables,
	// grouped by partition value; yield takes over each.
	HeldRecords(yield func(table, partition string, rec arrow.RecordBatch) error) error
}

// EventHolder is implemented by the pipeline's Sink. A kind calls
// HoldEvents once, when it starts holding rows back (HeldOutput): every
// event line appended after the call is held back too, and written once
// the grouper settled, without the events of superseded records. A kind
// whose Sink does not implement it holds nothing back.
type EventHolder interface {
	HoldEvents() error
}

// IssueKey counts issues by column (a header name) and code.
type IssueKey struct {
	Column string
	Code   columnar.Code
}

// Result is the outcome of a Grouper, per source file.
type Result struct {
	// Counts per file: records, valid, rejected, added, … (Rows and
	// RowsFailed are the pipeline's).
	Counts []validate.Counts
	// Issues per file.
	Issues []map[IssueKey]int64
	// Samples of the records, for the report.
	Samples validate.Samples
	// Superseded lists records replaced by a later one of the same key
	// (at most 1000).
	Superseded []validate.SupersededRun
	// DropReject says whether the reject at file, line belongs to a
	// superseded record.
	DropReject func(file int, line int64) bool
	// Removals says, per file, which rows and events already written
	// belong to superseded records and must be taken out before commit.
	Removals map[int]*Removal
	// Dropped lists the valid records that were superseded after the
	// writer had seen them (added, updated or unchanged), so that the
	// report's charts can take them out again.
	Dropped []validate.ChartDrop
}

// Removal describes the superseded rows and events of one file.
type Removal struct {
	// Partitions are the partition values whose files hold such rows.
	Partitions map[string]bool
	// KeepRow marks the rows of rec to keep.
	KeepRow func(rec arrow.RecordBatch) []bool
	// KeepEvent says whether the event of key at line stays.
	KeepEvent func(key string, line int64) bool

	// Counted says that DroppedRows and DroppedEvents are exact: the
	// pipeline then removes a partition's files, or the event spool,
	// whole when every row or event in them is dropped, without reading
	// them. Without it every partition listed is rewritten.
	Counted bool
	// DroppedRows counts the dropped rows written before the kind began
	// holding rows back, by table and partition.
	DroppedRows map[string]map[string]int64
	// DroppedEvents counts the dropped events written before the kind
	// began holding events back.
	DroppedEvents int64
	// KeepLine says whether the held row or event of the given source
	// line stays (HeldOutput, EventHolder); nil keeps them all.
	KeepLine func(line int64) bool
}
