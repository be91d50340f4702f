package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"ingot/internal/textfmt"
	"ingot/version"
)

// ReportFile is the name of the report in its directory.
const ReportFile = "report.json"

// ReportSchemaVersion is the version of the report.json layout this
// package writes. It grows when a field changes meaning or goes away;
// new fields do not change it.
const ReportSchemaVersion = 1

// Statuses of an import (report.json "status").
const (
	StatusCompleted             = "completed"               // everything committed; rejected records allowed
	StatusCompletedWithFailures = "completed_with_failures" // some files failed, their siblings committed
	StatusFailed                = "failed"                  // nothing committed
	StatusDryRun                = "dry_run"                 // ran everything but the commit
	StatusCancelled             = "cancelled"               // cancelled before its commit: nothing committed
)

// Statuses of a file (report.json "files[].status").
const (
	FileOK     = "ok"
	FileFailed = "failed"
	// FileAlreadyCommitted: a source with the same sha256 is committed
	// already (FileReport.CommittedVersion); the file was not imported
	// again.
	FileAlreadyCommitted = "already_committed"
)

// Report is the outcome of one import, written as report.json (design
// section 5). Its JSON field names are a contract: scripts read them.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	ImportID      string `json:"import_id"`
	// Status is one of the Status constants.
	Status string `json:"status"`
	DryRun bool   `json:"dry_run"`
	// Kind is orders, customers, products or events.
	Kind string `json:"kind"`
	// Format is the input format, e.g. kevel-csv.
	Format string `json:"format"`
	// Dest is the destination warehouse, a directory or s3:// URI.
	Dest       string    `json:"dest"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Version is the committed version; absent on a dry run or when
	// nothing was committed.
	Version int64 `json:"version,omitempty"`
	// Ingot is the build that ran the import (also in the Parquet files'
	// created_by).
	Ingot *version.Info `json:"ingot,omitempty"`
	// Command is the command line, and Options the options the import
	// ran with, so that a report says how to repeat it.
	Command []string       `json:"command,omitempty"`
	Options map[string]any `json:"options,omitempty"`
	// Pinned are the options that change how records are stored, as the
	// commit's manifest records them (see commit.Manifest.Pinned).
	Pinned map[string]string `json:"pinned,omitempty"`
	// Error is why the import failed, if it did.
	Error   string                   `json:"error,omitempty"`
	Files   []FileReport             `json:"files"`
	Counts  Counts                   `json:"counts"`
	Issues  []IssueRow               `json:"issues"`
	Samples Samples                  `json:"samples"`
	Stats   map[string][]ColumnStats `json:"stats"` // table → statistics of its columns
	Timings []StageTiming            `json:"timings"`
	// Rejects says how many rejects the import wrote and where, relative
	// to the report's directory.
	Rejects RejectFiles `json:"rejects"`
	// Superseded lists runs of an order's rows that a later run of the
	// same order replaced (the order came back after other orders, and
	// the last run wins). The importer may cap the list; Counts has the
	// totals.
	Superseded []SupersededRun `json:"superseded"`
	// Charts holds what the charts of report.html are drawn from.
	Charts *Charts `json:"charts,omitempty"`

	// ReportDir is the directory of report.json and the rejects files:
	// set by WriteFile and ReadReport, or by the importer before
	// WriteSummary. It is not part of the JSON.
	ReportDir string `json:"-"`
}

// SupersededRun is a run of consecutive rows of one order that a later
// run of the same order superseded: where it was and what replaced it.
type SupersededRun struct {
	OrderID     string `json:"order_id"`
	File        string `json:"file"`
	FirstLine   int64  `json:"first_line"`
	LastLine    int64  `json:"last_line"`
	ByFile      string `json:"by_file"`
	ByFirstLine int64  `json:"by_first_line"`
	ByLastLine  int64  `json:"by_last_line"`
}

// FileReport describes one source file.
type FileReport struct {
	URI    string `json:"uri"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	// Encoding is the text encoding read, e.g. utf-8 or windows-1252;
	// EncodingConfidence is how sure detection was (0–1) when it was
	// detected rather than given.
	Encoding           string  `json:"encoding"`
	EncodingConfidence float64 `json:"encoding_confidence,omitempty"`
	// Compression is none, gzip, zstd or zip.
	Compression string `json:"compression"`
	// Delimiter and Header are the dialect a delimited file was read in
	// (given, or detected for the formats that take any columns); absent
	// for JSON.
	Delimiter string `json:"delimiter,omitempty"`
	Header    *bool  `json:"header,omitempty"`
	// Rows is the number of data rows read from the file.
	Rows int64 `json:"rows"`
	// IgnoredColumns are the header's columns the format does not read:
	// skipped, and listed here as a notice.
	IgnoredColumns []string `json:"ignored_columns,omitempty"`
	// Status is FileOK, FileFailed or FileAlreadyCommitted.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// CommittedVersion is, for FileAlreadyCommitted, the newest version
	// whose manifest lists a source with this file's sha256; Message
	// says so in words.
	CommittedVersion int64  `json:"committed_version,omitempty"`
	Message          string `json:"message,omitempty"`
}

// Counts are the import's totals. Records are what the kind's key
// identifies (an order, a customer); rows are the input's data rows (an
// order spans several). Row accounting: every row read ends in exactly one
// of committed, rejected, superseded or failed, and Check proves that
// Rows is their sum. On a dry run RowsCommitted counts the rows that
// would have been committed.
type Counts struct {
	Rows       int64 `json:"rows"`
	Records    int64 `json:"records"`
	Valid      int64 `json:"valid"`
	Rejected   int64 `json:"rejected"`
	Added      int64 `json:"added"`
	Updated    int64 `json:"updated"`
	Unchanged  int64 `json:"unchanged"`
	Superseded int64 `json:"superseded"`

	RowsCommitted  int64 `json:"rows_committed"`
	RowsRejected   int64 `json:"rows_rejected"`
	RowsSuperseded int64 `json:"rows_superseded"` // rows of an earlier, non-adjacent run of the same order
	RowsFailed     int64 `json:"rows_failed"`     // rows of files that failed
}

// Check returns an error unless every count is non-negative and Rows is
// RowsCommitted + RowsRejected + RowsSuperseded + RowsFailed.
func (c Counts) Check() error {
	named := []struct {
		name string
		v    int64
	}{
		{"rows", c.Rows}, {"records", c.Records}, {"valid", c.Valid}, {"rejected", c.Rejected},
		{"added", c.Added}, {"updated", c.Updated}, {"unchanged", c.Unchanged}, {"superseded", c.Superseded},
		{"rows_committed", c.RowsCommitted}, {"rows_rejected", c.RowsRejected},
		{"rows_superseded", c.RowsSuperseded}, {"rows_failed", c.RowsFailed},
	}
	var errs []error
	for _, f := range named {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("counts: %s: expected 0 or more, found %d", f.name, f.v))
		}
	}
	sum := c.RowsCommitted + c.RowsRejected + c.RowsSuperseded + c.RowsFailed
	if sum != c.Rows {
		errs = append(errs, fmt.Errorf("counts: expected rows = rows_committed + rows_rejected + rows_superseded + rows_failed, found %d ≠ %d + %d + %d + %d = %d (%+d)",
			c.Rows, c.RowsCommitted, c.RowsRejected, c.RowsSuperseded, c.RowsFailed, sum, sum-c.Rows))
	}
	return errors.Join(errs...)
}

// StageTiming is the time one stage took and its throughput.
type StageTiming struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
	Rows    int64   `json:"rows"`
	// Bytes is the input the stage consumed, if it counts bytes.
	Bytes      int64   `json:"bytes,omitempty"`
	RowsPerSec float64 `json:"rows_per_sec"`
	// MBPerSec is Bytes per second in MB (10⁶ bytes).
	MBPerSec float64 `json:"mb_per_sec"`
}

// NewStageTiming computes the rates of a stage that handled rows and
// bytes in d. A zero duration gives zero rates.
func NewStageTiming(stage string, d time.Duration, rows, bytes int64) StageTiming {
	t := StageTiming{Stage: stage, Seconds: round(d.Seconds(), 3), Rows: rows, Bytes: bytes}
	if s := d.Seconds(); s > 0 {
		t.RowsPerSec = round(float64(rows)/s, 1)
		t.MBPerSec = round(float64(bytes)/1e6/s, 2)
	}
	return t
}

func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}

// RejectFiles names the rejects files, relative to the report's
// directory, and the number of rejects in each.
type RejectFiles struct {
	Count int64  `json:"count"`
	CSV   string `json:"csv"`
	JSON  string `json:"json"`
}

// Samples are records as JSON objects: the first and the last five of
// the import (they overlap when there are fewer than ten).
type Samples struct {
	First []json.RawMessage `json:"first"`
	Last  []json.RawMessage `json:"last"`
}

// MarshalJSON writes absent samples as [] rather than null.
func (s Samples) MarshalJSON() ([]byte, error) {
	type plain Samples
	p := plain(s)
	if p.First == nil {
		p.First = []json.RawMessage{}
	}
	if p.Last == nil {
		p.Last = []json.RawMessage{}
	}
	return json.Marshal(p)
}

// sampleSize is the number of records Samples keeps at each end.
const sampleSize = 5

// SampleKeeper keeps the first and the last five records it is given,
// copying their bytes (the last five in a ring buffer whose buffers are
// reused, so Add allocates nothing once they have grown). It is safe for
// concurrent use, though "first" and "last" then follow the order of the
// calls.
type SampleKeeper struct {
	mu    sync.Mutex
	first [][]byte
	ring  [sampleSize][]byte
	n     int64
}

// Add offers one record, a JSON object.
func (k *SampleKeeper) Add(rec json.RawMessage) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.first) < sampleSize {
		k.first = append(k.first, bytes.Clone(rec))
	}
	i := k.n % sampleSize
	k.ring[i] = append(k.ring[i][:0], rec...)
	k.n++
}

// Samples returns copies of the kept records, oldest first, each string
// value longer than MaxQuotedValueBytes cut by TruncateValue. A record
// that is not valid JSON is given as a JSON string of its (cut) text.
func (k *SampleKeeper) Samples() Samples {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := Samples{First: make([]json.RawMessage, 0, len(k.first))}
	for _, r := range k.first {
		s.First = append(s.First, sampleJSON(r))
	}
	n := min(k.n, sampleSize)
	s.Last = make([]json.RawMessage, 0, n)
	for i := k.n - n; i < k.n; i++ {
		s.Last = append(s.Last, sampleJSON(k.ring[i%sampleSize]))
	}
	return s
}

func sampleJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return bytes.Clone(truncateJSONStrings(b))
	}
	q, _ := json.Marshal(TruncateValue(string(b)))
	return q
}

// MarshalJSON writes absent lists and maps as [] and {} rather than null,
// so that readers need not test for null.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	p := plain(r)
	if p.Files == nil {
		p.Files = []FileReport{}
	}
	if p.Issues == nil {
		p.Issues = []IssueRow{}
	}
	if p.Stats == nil {
		p.Stats = map[string][]ColumnStats{}
	}
	if p.Timings == nil {
		p.Timings = []StageTiming{}
	}
	if p.Superseded == nil {
		p.Superseded = []SupersededRun{}
	}
	return json.Marshal(p)
}

// WriteFile writes the report, indented, as dir/report.json, and for
// people as dir/report.html (see WriteHTML): each to a temporary file
// first, synced and renamed into place, so that a reader sees the old
// report or the new one, never half of one. It sets SchemaVersion when it
// is zero, and ReportDir. When the import ran with --hash-emails
// (Options["hash_emails"]), the report is masked first (see
// Report.MaskEmails), in place.
func (r *Report) WriteFile(dir string) (path string, err error) {
	if r.hashEmails() {
		r.MaskEmails()
	}
	if r.SchemaVersion == 0 {
		r.SchemaVersion = ReportSchemaVersion
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("validate: encode report %s: %w", r.ImportID, err)
	}
	path = filepath.Join(dir, ReportFile)
	if err := writeFileAtomic(path, append(b, '\n')); err != nil {
		return "", err
	}
	r.ReportDir = dir
	if err := r.writeHTMLFile(dir); err != nil {
		return path, err
	}
	return path, nil
}

// ReadReport reads a report.json. Numbers in statistics and samples come
// back as json.Number, so that no precision is lost. A report of a newer
// schema version than this package knows is an error.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("validate: read report: %w", err)
	}
	r, err := ParseReport(b, path)
	if err != nil {
		return nil, err
	}
	r.ReportDir = filepath.Dir(path)
	return r, nil
}

// ParseReport decodes the bytes of a report.json, as ReadReport does;
// name says where they come from, in errors. ReportDir is left empty.
func ParseReport(b []byte, name string) (*Report, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var r Report
	if err := d.Decode(&r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, se.Offset-1) // Offset is just past the bad byte
			return nil, fmt.Errorf("validate: read report %s: line %d, column %d: %w", name, line, col, err)
		}
		return nil, fmt.Errorf("validate: read report %s: %w", name, err)
	}
	if r.SchemaVersion < 1 || r.SchemaVersion > ReportSchemaVersion {
		return nil, fmt.Errorf("validate: read report %s: expected schema_version 1 to %d, found %d", name, ReportSchemaVersion, r.SchemaVersion)
	}
	return &r, nil
}

// lineCol returns the 1-based line and column of the byte at offset off.
func lineCol(b []byte, off int64) (line, col int64) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = int64(bytes.Count(before, []byte("\n"))) + 1
	col = off - int64(bytes.LastIndexByte(before, '\n'))
	return line, col
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func seconds(s float64) string {
	switch {
	case s >= 100:
		return strconv.FormatFloat(s, 'f', 0, 64) + " s"
	case s >= 10:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(s, 'f', 3, 64) + " s"
}

// group formats n with thousands separators: 2,514,993.
func group(n int64) string { return textfmt.Thousands(n) }
