package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"

	"ingot/columnar"
	"ingot/commit"
	"ingot/formats"
	"ingot/formats/source"
	"ingot/kinds"
	"ingot/transform"
)

// The values of Options.OnNewColumns.
const (
	OnNewColumnsIgnore = "ignore"
	OnNewColumnsFail   = "fail"
)

// ErrNewColumns is the cause of the failure of an import with
// OnNewColumnsFail whose header has columns the format does not know.
var ErrNewColumns = errors.New("columns the format does not know")

// Options describe one import for the pipeline: which kind, which format,
// where from and where to. Package ingot fills them from its facade's
// options and registry.
type Options struct {
	Kind   kinds.Kind
	Format *formats.Format
	Dest   string // warehouse directory or s3://bucket/prefix; default ./warehouse

	// Stores open the sources: remote schemes and standard input. The
	// zero value reads local files only.
	Stores source.Stores
	// StoreOptions configure an s3:// Dest (commit.OpenStore).
	StoreOptions commit.StoreOptions

	// DryRun runs every stage but the commit and writes only the report.
	DryRun bool
	// ReportDir is where report.json and the rejects go; default
	// <dest>/_ingot/reports/<import id>/ (for an s3:// Dest, the local
	// _ingot/reports/<import id>/), or the current directory on a dry run.
	ReportDir string
	// Encoding of the sources: "" or auto (detected), or a charset name.
	Encoding string
	// Delimiter of delimited sources; default ',', or detected for the
	// formats that take any columns (Format.Attributes).
	Delimiter byte
	// Force imports sources even when a source with the same sha256 is
	// committed already; by default such a local file is skipped and
	// reported as already committed (see skipCommitted).
	Force bool
	// Quote of delimited sources; default '"', or detected as Delimiter.
	Quote byte
	// Header says whether delimited sources start with a header row:
	// formats.HeaderDetect ("": present, or detected as Delimiter),
	// formats.HeaderPresent or formats.HeaderAbsent.
	Header string
	// OnNewColumns is what a header column the format does not know does:
	// OnNewColumnsIgnore (""; skipped and listed in the file's
	// ignored_columns) or OnNewColumnsFail (the import fails before
	// anything is imported, naming them). Formats that take any columns
	// (customers, products) make them attributes: none is new.
	OnNewColumns string
	// Formats are every registered format: a header the format cannot
	// bind is explained by the one it looks like (formats.HeaderHint).
	Formats []*formats.Format
	// HashEmails stores e-mail user ids as their SHA-256 (email_sha256).
	HashEmails bool
	// Records configure the kinds whose records are a key and attributes
	// (customers, products): user id column and type, merge strategy,
	// ragged rows.
	Records kinds.RecordOptions
	// Transforms, if set, reshape every raw batch before the kind sees
	// it: a job spec's transforms, then a customers mapping
	// (transform.MappingSteps), compiled once. The format's header checks
	// apply to the columns they make; their issues (a failed cast, an
	// unparsable timestamp, a missing or mistyped attribute) reject their
	// rows. A step that does not fit a file's columns fails that file
	// before any of its rows is read. The pipeline runs copies of it
	// (Clone), never the Program itself.
	Transforms *transform.Program
	// Preprocess reads every file once before the import (Preprocess)
	// and fails the import, committing nothing, when any has a
	// structural error.
	Preprocess bool
	// Pinned are the options of this import that change how its records
	// are stored (option → value as text), recorded in the manifest and
	// the report. An import whose Pinned differ from the values the
	// warehouse's earlier commits of the kind recorded is refused with a
	// *PinnedError before any data is read, unless AllowChangedOptions.
	Pinned              map[string]string
	AllowChangedOptions bool
	// MaxRejected fails the import (nothing committed) when more records
	// than this are rejected: a count ("100") or a percentage of records
	// ("2.5%"), or "none" for no limit. Empty means DefaultMaxRejected.
	MaxRejected string

	// Limits against hostile input; zero means each default
	// (csv.DefaultMaxRecordBytes, DefaultMaxFieldBytes, DefaultMaxColumns,
	// compress.DefaultMaxRatio; no size limit on decompressed content).
	MaxRecordBytes, MaxFieldBytes, MaxColumns   int
	MaxDecompressedBytes, MaxDecompressionRatio int64
	// MaxLineItems is the most rows a record may have (an order's line
	// items): a larger one is rejected as one; zero means
	// kinds.DefaultMaxLineItems.
	MaxLineItems int

	// BatchRows is the rows per batch; default columnar.DefaultBatchRows.
	BatchRows int
	// Workers validating batches in parallel; default GOMAXPROCS.
	Workers int

	// Logger receives progress and diagnostics; default discards.
	Logger *slog.Logger
	// Progress, if set, gets a line of progress every ProgressEvery and
	// one per phase (LineProgress), unless OnProgress is set.
	Progress      io.Writer
	ProgressEvery time.Duration
	// OnProgress, if set, is told when each phase starts and, while
	// reading, after every batch (see Progress). Its calls come one at a
	// time and must be quick: it runs on the import's goroutines.
	OnProgress func(Progress)
	// Now is the clock; default time.Now. Tests pin it.
	Now func() time.Time

	// Command is the command line that started the import, and Recorded
	// the options that shape what it does, both recorded in report.json.
	Command  []string
	Recorded map[string]any

	// CommitRetryFor bounds how long an import that keeps losing commit
	// races to other writers goes on retrying; default 10 minutes.
	CommitRetryFor time.Duration

	// Hooks for tests. BeforeCommit runs just before an attempt commits
	// (to make another writer win the race); BeforeManifest after the
	// event segment is published and before the manifest is written;
	// AfterManifest replaces the manifest write's error (to report a
	// failure for a write that happened).
	BeforeCommit   func(attempt int)
	BeforeManifest func(attempt int)
	AfterManifest  func(error) error
}

func (o Options) withDefaults() Options {
	o.Dest = cmp.Or(o.Dest, "warehouse")
	o.BatchRows = cmp.Or(o.BatchRows, columnar.DefaultBatchRows)
	o.Workers = cmp.Or(o.Workers, runtime.GOMAXPROCS(0))
	o.ProgressEvery = cmp.Or(o.ProgressEvery, 10*time.Second)
	o.CommitRetryFor = cmp.Or(o.CommitRetryFor, 10*time.Minute)
	if o.OnProgress == nil && o.Progress != nil {
		o.OnProgress = LineProgress(o.Progress, o.ProgressEvery)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// DefaultMaxRejected is the MaxRejected of an import that does not set
// one: an import that rejects more than half of its records almost always
// has the wrong file, format, delimiter or encoding.
const DefaultMaxRejected = "50%"

// ParseMaxRejected reads "N", "P%" or "none" (no limit); empty means
// DefaultMaxRejected. A negative result means "no limit of this kind".
func ParseMaxRejected(s string) (count int64, percent float64, err error) {
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
