package pipeline

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"ingot/columnar"
	"ingot/commit"
	"ingot/formats/source"
	"ingot/issue"
	"ingot/kinds"
	"ingot/validate"
)

// ErrConflict means another writer committed the version this import was
// about to take; Run retries on it.
var ErrConflict = errors.New("another import committed first")

// Run imports objs and returns the report, which is also written to the
// report directory. The error is non-nil when the import failed (the
// report says why, with status failed) or could not start.
//
// An attempt that loses the commit race to another writer (its manifest
// version was taken) is repeated from the start on top of the newer
// state, after a short randomised backoff, until it commits or
// CommitRetryFor has passed; the report of the last attempt is written
// either way.
func Run(ctx context.Context, opt Options, objs []source.Object) (*validate.Report, error) {
	opt = opt.withDefaults()
	retryUntil := time.Now().Add(opt.CommitRetryFor)
	for n := 1; ; n++ {
		a := &attempt{opt: opt, n: n, started: opt.Now(), t0: time.Now(), pool: &columnar.PoolAllocator{}, retryUntil: retryUntil,
			summaryClock: stageClock{name: "summarise"}, commitClock: stageClock{name: "commit"}}
		a.importID = newImportID(a.started)
		rep, err := a.run(ctx, objs)
		if rep == nil && errors.Is(err, ErrConflict) {
			opt.Logger.Warn("commit race lost, importing again on top of the newer state", "import_id", a.importID, "attempt", n)
			if err := sleepCtx(ctx, backoff(n)); err != nil {
				return nil, err
			}
			continue
		}
		return rep, err
	}
}

// backoff is the pause before attempt+1 after a lost commit race:
// exponential from 50 ms up to 2 s, with full jitter so that writers that
// collided once do not collide again in lockstep.
func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt-1, 6)
	d = min(d, 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newImportID returns a sortable unique id: UTC time and 6 random hex
// digits, e.g. 20261123T014512Z-3f9a1c.
func newImportID(now time.Time) string {
	var b [3]byte
	_, _ = crand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// attempt is one attempt at an import: it opens the warehouse, runs the
// stages, settles what the kind grouped, commits and reports. The stages
// are values of their own (read, validate, group, write, events); the
// attempt only reads their results once they are done.
type attempt struct {
	opt       Options
	n         int
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
	lookups map[string]kinds.Lookup // what the kind asked for (kinds.Lookuper)

	files   []*fileIn // what was read of each source
	grouper kinds.Grouper
	result  *kinds.Result // the grouper's, once settled
	write   *writeStage
	events  *eventStage
	rejects *validate.RejectWriter
	summary *validate.Summariser
	stats   map[string][]validate.ColumnStats

	clocks                    []*stageClock // every stage's, for the report
	summaryClock, commitClock stageClock
	rejectsDone               bool // rejects.csv and rejects.json are written
	committed                 bool // the manifest is in place
	retryUntil                time.Time
	stateUnknown              bool // the manifest write may have happened: remove nothing
	readRows, readBytes       func() int64
	totalBytes                int64     // the size of every source, as far as known
	t0                        time.Time // when the attempt started, by the monotonic clock
}

// fileIn is what the attempt knows of one source file. The read stage
// fills it while it runs; everyone else reads it once the stages are done.
type fileIn struct {
	obj    source.Object
	report validate.FileReport
	failed bool
}

// run performs one attempt.
func (a *attempt) run(ctx context.Context, objs []source.Object) (rep *validate.Report, err error) {
	log := a.opt.Logger.With("import_id", a.importID)
	a.reportDir = a.opt.ReportDir
	inWarehouse := a.reportDir == "" && !a.opt.DryRun
	if a.reportDir == "" {
		a.reportDir = filepath.Join(a.opt.Dest, "_ingot", "reports", a.importID)
		if isRemote(a.opt.Dest) {
			// Reports are local files; the warehouse is not.
			a.reportDir = filepath.Join("_ingot", "reports", a.importID)
		}
		if a.opt.DryRun { // a fresh directory: never over an earlier report
			a.reportDir = DryRunReportDir(a.importID)
		}
	}
	if err := os.MkdirAll(a.reportDir, 0o777); err != nil {
		return nil, reportDirError(a.opt.Dest, a.reportDir, inWarehouse, err)
	}
	if a.tmp, err = os.MkdirTemp("", "ingot-*"); err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory (set TMPDIR to a writable one): %w", err)
	}
	defer os.RemoveAll(a.tmp)
	uris := make([]string, len(objs))
	for i, o := range objs {
		// Reports, rejects, manifests and logs name a source by its
		// redacted URI: no user info or token leaves the import.
		name := source.Redact(o.URI)
		a.files = append(a.files, &fileIn{obj: o, report: validate.FileReport{URI: name, Status: validate.FileOK, Bytes: o.Size}})
		uris[i] = name
		a.totalBytes += max(o.Size, 0)
	}
	if a.rejects, err = validate.NewRejectWriterWith(a.reportDir, validate.RejectOptions{MaskEmails: a.opt.HashEmails}); err != nil {
		return nil, reportDirError(a.opt.Dest, a.reportDir, inWarehouse, err)
	}
	defer a.rejects.Abort()
	a.write = newWriteStage(a.opt, a.importID, uris)
	a.events = newEventStage(a.importID, len(objs))

	defer func() {
		if a.store != nil {
			a.events.removeSpools(context.WithoutCancel(ctx), a.store)
		}
	}()
	defer a.phase(PhaseDone)
	fail := func(err error) (*validate.Report, error) {
		a.cleanup(ctx)
		if a.result == nil && a.grouper != nil { // the counts so far
			a.result, _ = a.grouper.Settle()
		}
		status := validate.StatusFailed
		switch {
		case a.committed: // the data is committed; only the report could not be finished
			status = validate.StatusCompleted
		case ctx.Err() != nil && !a.stateUnknown:
			status = StatusCancelled
			err = &CancelledError{Cause: context.Cause(ctx)}
			log.Info("import cancelled; nothing committed")
		}
		// The rejects of a failed import are kept: they often say why.
		if ferr := a.rejects.Finish(a.dropReject); ferr == nil {
			a.rejectsDone = true
		}
		rep := a.report(status)
		rep.Error = err.Error()
		if _, werr := rep.WriteFile(a.reportDir); werr != nil {
			log.Error("writing the report", "err", werr)
		}
		return rep, err
	}

	if err := a.openWarehouse(ctx); err != nil {
		return fail(err)
	}
	log.Info("import started", "files", len(objs), "version", a.version, "committed_records", a.state.Len(), "dry_run", a.opt.DryRun)
	a.write.store, a.events.store = a.store, a.store
	cfg := kinds.GroupConfig{Format: a.opt.Format, Files: uris, State: a.state, Rejects: a.rejects,
		ImportID: a.importID, Pool: a.pool, TempDir: a.tmp, Records: a.opt.Records, Lookups: a.lookups}
	if !a.opt.DryRun {
		cfg.EventHead = fmt.Appendf(nil, `,"version":%d,"import_id":%s,"at":"%s"`, a.version,
			strconv.Quote(a.importID), a.started.UTC().Format(time.RFC3339Nano))
	}
	if a.grouper, err = a.opt.Kind.NewGrouper(cfg); err != nil {
		return fail(err)
	}
	defer a.grouper.Close()
	schemas := map[string]*arrow.Schema{}
	for _, t := range a.opt.Kind.Tables() {
		schemas[t.Name] = t.Schema
	}
	a.summary, err = validate.NewSummariser(ctx, schemas, validate.SummaryOptions{})
	if err != nil {
		return fail(err)
	}
	defer a.summary.Close()
	a.write.summary = a.summary
	a.write.tables = a.opt.Kind.Tables()

	if err := a.runStages(ctx); err != nil {
		return fail(err)
	}
	log.Debug("pipeline drained", "rows", a.readRows())
	a.phase(PhaseSummary)
	t := time.Now()
	a.stats, err = a.summary.Finish(ctx)
	a.summaryClock.since(t)
	if err != nil {
		return fail(fmt.Errorf("summary: %w", err))
	}
	for table, t := range a.write.exact {
		a.stats[table] = t.Apply(a.stats[table], a.write.sampled[table])
	}
	log.Debug("summary done")
	if a.result, err = a.grouper.Settle(); err != nil {
		return fail(err)
	}
	if len(a.result.Removals) > 0 && !a.opt.DryRun {
		a.phase(PhaseSupersession)
	}
	if err := a.removeSuperseded(ctx); err != nil {
		return fail(err)
	}
	total := a.totals()
	okFiles := 0
	for _, f := range a.files {
		if !f.failed {
			okFiles++
		}
	}
	if okFiles == 0 {
		return fail(fmt.Errorf("every file failed; nothing was imported (first: %s)", a.files[0].report.Error))
	}
	if err := a.checkMaxRejected(total); err != nil {
		return fail(err)
	}
	status := validate.StatusCompleted
	if okFiles < len(a.files) {
		status = validate.StatusCompletedWithFailures
	}
	switch {
	case a.opt.DryRun:
		status = validate.StatusDryRun
	case total.Added+total.Updated == 0:
		// Nothing changed: a version with no file and an empty segment
		// would only clutter the log, so nothing is committed.
		a.cleanup(ctx)
		log.Info("nothing changed; no version committed")
	default:
		a.phase(PhaseCommit)
		if a.opt.BeforeCommit != nil {
			a.opt.BeforeCommit(a.n)
		}
		if ctx.Err() != nil { // cancelled: stop before the commit
			return fail(ctx.Err())
		}
		t := time.Now()
		err := a.commit(ctx, total)
		a.commitClock.since(t)
		log.Debug("committed", "version", a.version, "err", err)
		if err != nil {
			a.cleanup(ctx)
			if errors.Is(err, ErrConflict) {
				if time.Now().Before(a.retryUntil) {
					return nil, err
				}
				return fail(fmt.Errorf("%w; gave up after %d attempts", err, a.n))
			}
			return fail(err)
		}
		a.committed = true // from here on, nothing may be removed
		if ctx.Err() != nil {
			log.Info("cancelled after the commit: the import is complete", "version", a.version)
		}
	}
	a.phase(PhaseReport)
	if err := a.rejects.Finish(a.dropReject); err != nil {
		return fail(fmt.Errorf("writing rejects.csv and rejects.json into %s: %w", a.reportDir, rootCause(err)))
	}
	a.rejectsDone = true
	rep = a.report(status)
	if _, err := rep.WriteFile(a.reportDir); err != nil {
		return rep, fmt.Errorf("writing the report: %w", err)
	}
	log.Info("import finished", "status", status, "version", rep.Version)
	return rep, nil
}

// isRemote reports whether dest is an s3:// URI rather than a directory.
func isRemote(dest string) bool {
	return len(dest) >= 5 && strings.EqualFold(dest[:5], "s3://")
}

// openWarehouse reads the log and the committed state the import diffs
// against, and picks the version it will commit.
func (a *attempt) openWarehouse(ctx context.Context) error {
	a.state = &columnar.KeyMap[uint64]{}
	a.version = 1
	if a.opt.DryRun && !isRemote(a.opt.Dest) {
		if _, err := os.Stat(a.opt.Dest); errors.Is(err, os.ErrNotExist) {
			return nil // nothing committed yet, and a dry run creates nothing
		}
	}
	st, err := commit.OpenStore(ctx, a.opt.Dest, a.opt.StoreOptions)
	if err != nil {
		return fmt.Errorf("opening the warehouse: %w", err)
	}
	a.store = st
	if a.log, err = commit.ReadLog(ctx, st); err != nil {
		return err
	}
	if err := checkPinned(a.log, a.opt, a.opt.Logger); err != nil {
		return err
	}
	// The import diffs against exactly this log, so it may commit only
	// the version right after it; PutManifest's put-if-absent decides.
	a.version = commit.NextVersion(a.log)
	if len(a.log) > 0 {
		spec := a.opt.Kind.State()
		// DuckDB reads local files only: a remote warehouse's data files
		// are fetched into the attempt's temporary directory (removed
		// when the attempt ends) for the committed state.
		cached, err := commit.NewCachedStore(st, filepath.Join(a.tmp, "warehouse"))
		if err != nil {
			return err
		}
		if c, ok := cached.(*commit.CachedStore); ok {
			if err := c.Fetch(ctx, a.log); err != nil {
				return fmt.Errorf("loading the committed %s: %w", spec.Table, err)
			}
		}
		if a.state, err = commit.LoadState(ctx, cached, a.log, spec.Table, spec.Key, spec.Fingerprint); err != nil {
			return fmt.Errorf("loading the committed %s: %w", spec.Table, err)
		}
	}
	return a.loadLookups(ctx)
}

// loadLookups loads the committed state the kind asked for as a
// kinds.Lookuper: empty lookups when nothing is committed.
func (a *attempt) loadLookups(ctx context.Context) error {
	lk, ok := a.opt.Kind.(kinds.Lookuper)
	if !ok {
		return nil
	}
	a.lookups = map[string]kinds.Lookup{}
	for _, spec := range lk.Lookups(a.opt.Records) {
		if a.store == nil || len(a.log) == 0 {
			a.lookups[spec.Table] = kinds.Lookup{}
			continue
		}
		m, err := commit.LoadLookup(ctx, a.store, a.log, spec.Table, spec.Key, spec.Value, kinds.KeySep)
		if err != nil {
			return fmt.Errorf("loading the committed %s: %w", spec.Table, err)
		}
		a.lookups[spec.Table] = m
	}
	return nil
}

// issues returns the issue counts of file fi, nil before the grouper
// settled.
func (a *attempt) issues(fi int) map[kinds.IssueKey]int64 {
	if a.result == nil {
		return nil
	}
	return a.result.Issues[fi]
}

// checkMaxRejected fails the import when more records were rejected than
// the user allows.
func (a *attempt) checkMaxRejected(c validate.Counts) error {
	limit, pct, _ := ParseMaxRejected(a.opt.MaxRejected)
	var err error
	switch {
	case limit >= 0 && c.Rejected > limit:
		err = fmt.Errorf("%d records rejected, more than --max-rejected %d; nothing was committed", c.Rejected, limit)
	case pct >= 0 && c.Records > 0 && float64(c.Rejected)*100/float64(c.Records) > pct:
		err = fmt.Errorf("%.2f%% of records rejected (%d of %d), more than --max-rejected %g%%; nothing was committed",
			float64(c.Rejected)*100/float64(c.Records), c.Rejected, c.Records, pct)
	}
	if err == nil {
		return nil
	}
	// Say what is most likely wrong: the most frequent issue.
	var top kinds.IssueKey
	var topN int64
	for fi := range a.files {
		for k, n := range a.issues(fi) {
			if n > topN || n == topN && (k.Column < top.Column || k.Column == top.Column && k.Code < top.Code) {
				top, topN = k, n
			}
		}
	}
	hint := ""
	if topN > 0 {
		hint = fmt.Sprintf(" The most frequent issue is %s in column %q (%d times);", issue.InfoOf(top.Code).Name, top.Column, topN)
	}
	return fmt.Errorf("%w.%s so many rejects usually mean the wrong file, format, delimiter or encoding (see `ingot sniff`); --max-rejected none imports the valid records anyway", err, hint)
}

// cleanup removes what a failed attempt wrote to the warehouse; after the
// manifest is in place it does nothing.
func (a *attempt) cleanup(ctx context.Context) {
	if a.store == nil || a.committed || a.stateUnknown {
		return
	}
	// A cancelled import still removes what it wrote.
	a.write.abort(context.WithoutCancel(ctx))
}

// phase tells the observer that the import reached phase.
func (a *attempt) phase(name string) {
	if a.opt.OnProgress == nil {
		return
	}
	var rows, bytes int64
	if a.readRows != nil {
		rows = a.readRows()
	}
	if a.readBytes != nil {
		bytes = a.readBytes()
	}
	a.opt.OnProgress(Progress{Phase: name, Rows: rows, Bytes: bytes, TotalBytes: a.totalBytes, Elapsed: time.Since(a.t0)})
}

// totals adds up the counts of the files that did not fail; the rows of
// failed files count as failed.
func (a *attempt) totals() validate.Counts {
	var t validate.Counts
	for fi, f := range a.files {
		t.Rows += f.report.Rows
		if f.failed {
			t.RowsFailed += f.report.Rows
			continue
		}
		if a.result == nil {
			continue
		}
		c := a.result.Counts[fi]
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

// dropReject leaves out the rejects of failed files and superseded
// records.
func (a *attempt) dropReject(file string, line int64) bool {
	for fi, f := range a.files {
		if f.report.URI != file {
			continue
		}
		if f.failed {
			return true
		}
		if a.result != nil && a.result.DropReject != nil && a.result.DropReject(fi, line) {
			return true
		}
	}
	return false
}
