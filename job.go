package ingot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"ingot/columnar"
	"ingot/commit"
	"ingot/formats"
	"ingot/validate"
)

// job is one attempt at an import.
type job struct {
	opt       ImportOptions
	attempt   int
	format    *validate.OrderFormat
	importID  string
	started   time.Time
	reportDir string
	tmp       string
	// pool recycles the memory of every batch's buffers: the reader's
	// columns, the typed columns, the JSON fragments, the pieces written.
	pool *columnar.PoolAllocator

	store   commit.Store // nil on a dry run into a warehouse that does not exist
	log     []commit.Manifest
	version int64
	state   *columnar.KeyMap[uint64]

	files []*fileState
	out   []*fileOutput

	runs        *runLog
	superseded  []supersession
	rejects     *validate.RejectWriter
	rejectErr   error
	rejectsDone bool // rejects.csv and rejects.json are written
	committed   bool // the manifest is in place
	samples     validate.SampleKeeper
	summary     *validate.Summariser
	exact       map[string]*validate.TableTotals // per table, over every row
	batches     int                              // batches written, for sampling
	sampled     map[string]int64                 // rows given to the summary
	charts      validate.ChartCollector          // records per month, totals (charts.go)
	parts       commit.Parts
	writerOpt   commit.WriterOptions
	eventHead   []byte
	evFree      chan []byte // event buffers going back to the sequencer

	clock struct {
		read, validate, sequence, write, events, summary, commit stageClock
	}
	progress struct{ rows, bytes atomic.Int64 }
	dropped  []droppedRun // superseded runs, once applySupersessions ran
}

// ErrConflict means another writer committed the version this import was
// about to take; Import retries on it.
var ErrConflict = errors.New("another import committed first")

// maxAttempts bounds the retries of an import that loses commit races.
const maxAttempts = 3

// Import runs one import and returns its report, which is also written to
// the report directory. The error is non-nil when the import failed (the
// report says why, with status failed) or could not start; a *UsageError
// means the options are wrong.
func Import(ctx context.Context, opt ImportOptions) (*validate.Report, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	objs, err := formats.Resolve(ctx, opt.Sources)
	if err != nil {
		return nil, &UsageError{err}
	}
	for attempt := 1; ; attempt++ {
		j := &job{opt: opt, attempt: attempt, format: orderFormats[opt.Format], started: opt.Now(),
			pool:   &columnar.PoolAllocator{},
			evFree: make(chan []byte, 4)}
		j.importID = newImportID(j.started)
		rep, err := j.run(ctx, objs)
		if errors.Is(err, ErrConflict) && attempt < maxAttempts {
			opt.Logger.Warn("commit race lost, importing again on top of the newer state", "import_id", j.importID, "attempt", attempt)
			continue
		}
		return rep, err
	}
}

// run performs one attempt.
func (j *job) run(ctx context.Context, objs []formats.Object) (rep *validate.Report, err error) {
	log := j.opt.Logger.With("import_id", j.importID)
	j.reportDir = j.opt.ReportDir
	if j.reportDir == "" {
		j.reportDir = filepath.Join(j.opt.Dest, "_ingot", "reports", j.importID)
		if j.opt.DryRun {
			j.reportDir = "."
		}
	}
	if err := os.MkdirAll(j.reportDir, 0o755); err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	if j.tmp, err = tempDir(); err != nil {
		return nil, err
	}
	defer os.RemoveAll(j.tmp)
	j.runs = newRunLog(j.tmp)
	// 32 MiB per table writer: measured on 1M orders, it keeps the peak RSS
	// near 700 MiB (against about 1 GiB at the 64 MiB default) for the same
	// CPU (bench/RESULTS.md).
	j.writerOpt.MaxBuffered = 32 << 20
	// A part file is published at 2^18 rows, which also frees the
	// footer metadata its writer keeps per row group: memory stays flat
	// however large the input.
	j.writerOpt.MaxFileRows = 1 << 18
	defer j.runs.close()
	for _, o := range objs {
		j.files = append(j.files, &fileState{obj: o, issues: map[issueKey]int64{},
			report: validate.FileReport{URI: o.URI, Status: validate.FileOK, Bytes: o.Size}})
		j.out = append(j.out, &fileOutput{})
	}
	if j.rejects, err = validate.NewRejectWriter(j.reportDir); err != nil {
		return nil, err
	}
	defer j.rejects.Abort()

	defer func() {
		if j.store != nil {
			j.removeSpools(context.WithoutCancel(ctx))
		}
	}()
	fail := func(err error) (*validate.Report, error) {
		j.cleanup(ctx)
		status := validate.StatusFailed
		if j.committed { // the data is committed; only the report could not be finished
			status = validate.StatusCompleted
		}
		// The rejects of a failed import are kept: they often say why.
		if ferr := j.rejects.Finish(j.dropReject); ferr == nil {
			j.rejectsDone = true
		}
		rep := j.report(status, nil)
		rep.Error = err.Error()
		if _, werr := rep.WriteFile(j.reportDir); werr != nil {
			log.Error("writing the report", "err", werr)
		}
		return rep, err
	}

	if err := j.openWarehouse(ctx); err != nil {
		return fail(err)
	}
	log.Info("import started", "files", len(objs), "version", j.version, "committed_orders", j.state.Len(), "dry_run", j.opt.DryRun)
	j.eventHead = fmt.Appendf(nil, `,"version":%d,"import_id":%s,"at":"%s"`, j.version,
		strconv.Quote(j.importID), j.started.UTC().Format(time.RFC3339Nano))
	j.exact = map[string]*validate.TableTotals{
		commit.Orders: validate.NewTableTotals(commit.OrdersSchema), commit.LineItems: validate.NewTableTotals(commit.LineItemsSchema)}
	j.sampled = map[string]int64{}
	j.summary, err = validate.NewSummariser(ctx, map[string]*arrow.Schema{
		commit.Orders: commit.OrdersSchema, commit.LineItems: commit.LineItemsSchema,
	}, validate.SummaryOptions{})
	if err != nil {
		return fail(err)
	}
	defer j.summary.Close()

	if err := j.runPipeline(ctx); err != nil {
		return fail(err)
	}
	log.Debug("pipeline drained", "rows", j.progress.rows.Load())
	if j.rejectErr != nil {
		return fail(j.rejectErr)
	}
	t := time.Now()
	stats, err := j.summary.Finish(ctx)
	j.clock.summary.since(t)
	if err != nil {
		return fail(fmt.Errorf("summary: %w", err))
	}
	for table, t := range j.exact {
		stats[table] = t.Apply(stats[table], j.sampled[table])
	}
	log.Debug("summary done")
	if err := j.applySupersessions(ctx); err != nil {
		return fail(err)
	}
	total := j.totals()
	okFiles := 0
	for _, f := range j.files {
		if !f.failed {
			okFiles++
		}
	}
	if okFiles == 0 {
		return fail(fmt.Errorf("every file failed; nothing was imported (first: %s)", j.files[0].report.Error))
	}
	if err := j.checkMaxRejected(total); err != nil {
		return fail(err)
	}
	status := validate.StatusCompleted
	if okFiles < len(j.files) {
		status = validate.StatusCompletedWithFailures
	}
	if j.opt.DryRun {
		status = validate.StatusDryRun
	} else {
		if j.opt.beforeCommit != nil {
			j.opt.beforeCommit(j.attempt)
		}
		t := time.Now()
		err := j.commit(ctx, total)
		j.clock.commit.since(t)
		log.Debug("committed", "version", j.version, "err", err)
		if err != nil {
			j.cleanup(ctx)
			if errors.Is(err, ErrConflict) {
				return nil, err
			}
			return fail(err)
		}
		j.committed = true // from here on, nothing may be removed
	}
	if err := j.rejects.Finish(j.dropReject); err != nil {
		return fail(err)
	}
	j.rejectsDone = true
	rep = j.report(status, stats)
	if _, err := rep.WriteFile(j.reportDir); err != nil {
		return rep, fmt.Errorf("writing the report: %w", err)
	}
	log.Info("import finished", "status", status, "version", rep.Version)
	return rep, nil
}

// openWarehouse reads the log and the committed state the import diffs
// against, and picks the version it will commit.
func (j *job) openWarehouse(ctx context.Context) error {
	j.state = &columnar.KeyMap[uint64]{}
	j.version = 1
	if j.opt.DryRun {
		if _, err := os.Stat(j.opt.Dest); errors.Is(err, os.ErrNotExist) {
			return nil // nothing committed yet, and a dry run creates nothing
		}
	}
	st, err := commit.OpenLocal(j.opt.Dest)
	if err != nil {
		return fmt.Errorf("opening the warehouse: %w", err)
	}
	j.store = st
	if j.log, err = commit.ReadLog(ctx, st); err != nil {
		return err
	}
	if j.version, err = commit.NextVersion(ctx, st); err != nil {
		return err
	}
	if len(j.log) > 0 {
		if j.state, err = commit.LoadState(ctx, st, j.log, commit.Orders, "order_id", "fingerprint"); err != nil {
			return fmt.Errorf("loading the committed orders: %w", err)
		}
	}
	return nil
}

// checkMaxRejected fails the import when more records were rejected than
// the user allows.
func (j *job) checkMaxRejected(c validate.Counts) error {
	limit, pct, _ := parseMaxRejected(j.opt.MaxRejected)
	switch {
	case limit >= 0 && c.Rejected > limit:
		return fmt.Errorf("%d records rejected, more than --max-rejected %d; nothing was committed", c.Rejected, limit)
	case pct >= 0 && c.Records > 0 && float64(c.Rejected)*100/float64(c.Records) > pct:
		return fmt.Errorf("%.2f%% of records rejected (%d of %d), more than --max-rejected %g%%; nothing was committed",
			float64(c.Rejected)*100/float64(c.Records), c.Rejected, c.Records, pct)
	}
	return nil
}

// cleanup removes what a failed attempt wrote to the warehouse; after the
// manifest is in place it does nothing.
func (j *job) cleanup(ctx context.Context) {
	if j.store == nil || j.committed {
		return
	}
	for _, out := range j.out {
		for _, w := range []*commit.TableWriter{out.orders, out.items} {
			if w != nil {
				_ = w.Abort(ctx)
			}
		}
		for _, f := range out.files {
			_ = j.store.Remove(ctx, f.Path)
		}
		out.files = nil
	}
}

// totals adds up the counts of the files that did not fail; the rows of
// failed files count as failed.
func (j *job) totals() validate.Counts {
	var t validate.Counts
	for _, f := range j.files {
		t.Rows += f.report.Rows
		if f.failed {
			t.RowsFailed += f.report.Rows
			continue
		}
		c := f.counts
		t.Records += c.Records
		t.Valid += c.Valid
		t.Rejected += c.Rejected
		t.Added += c.Added
		t.Updated += c.Updated
		t.Unchanged += c.Unchanged
		t.Superseded += c.Superseded
		t.RowsCommitted += c.RowsCommitted
		t.RowsRejected += c.RowsRejected
		t.RowsSuperseded += c.RowsSuperseded
	}
	return t
}

// dropReject leaves out the rejects of failed files and superseded runs.
func (j *job) dropReject(file string, line int64) bool {
	for fi, f := range j.files {
		if f.obj.URI != file {
			continue
		}
		if f.failed {
			return true
		}
		for _, r := range j.dropped {
			if int(r.file) == fi && r.first <= line && line <= r.last {
				return true
			}
		}
	}
	return false
}
