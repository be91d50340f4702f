package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"ingot/commit"
	"ingot/internal/fault"
	"ingot/schema"
	"ingot/validate"
)

// summaryFirst and summaryEvery sample the DuckDB summary: the first
// summaryFirst batches, then one in summaryEvery. Exact figures come from
// TableTotals over every row; the sample feeds the sketches (distinct
// counts, top values), which cost about 2 us a row in DuckDB.
const (
	summaryFirst = 8
	summaryEvery = 16
)

// writeStage turns what the group stage hands out into the committed
// tables' records: it counts them in the exact totals, samples them for
// the summary, and writes the changed rows as Parquet, per source file (a
// failed file's parts are discarded). It owns the data files until the
// stages are done.
type writeStage struct {
	dryRun   bool
	importID string
	uris     []string // the source files, by index
	store    commit.Store
	tables   []*schema.Table
	summary  *validate.Summariser
	opt      commit.WriterOptions
	parts    commit.Parts
	clock    stageClock

	out     []*fileWrites
	exact   map[string]*validate.TableTotals // per table, over every row
	sampled map[string]int64                 // rows given to the summary
	batches int                              // batches written, for sampling
	charts  validate.ChartCollector          // the main table's records per month, totals
}

// fileWrites is what the writer made of one source file.
type fileWrites struct {
	writers map[string]*commit.TableWriter // by table
	files   []commit.FileInfo
}

func newWriteStage(opt Options, importID string, uris []string) *writeStage {
	s := &writeStage{dryRun: opt.DryRun, importID: importID, uris: uris, clock: stageClock{name: "write"},
		exact: map[string]*validate.TableTotals{}, sampled: map[string]int64{}}
	for _, t := range opt.Kind.Tables() {
		s.exact[t.Name] = validate.NewTableTotals(t.Schema)
	}
	// 32 MiB per table writer: measured on 1M orders, it keeps the peak RSS
	// near 700 MiB (against about 1 GiB at the 64 MiB default) for the same
	// CPU (bench/RESULTS.md).
	s.opt.MaxBuffered = 32 << 20
	// A part file is published at 2^18 rows, which also frees the
	// footer metadata its writer keeps per row group: memory stays flat
	// however large the input.
	s.opt.MaxFileRows = 1 << 18
	for range uris {
		s.out = append(s.out, &fileWrites{})
	}
	return s
}

func (s *writeStage) run(ctx context.Context, in <-chan writeItem) (err error) {
	defer func() {
		for it := range in { // after an error, release what is still coming
			if it.out != nil {
				it.out.Release()
			}
		}
	}()
	for it := range in {
		t := time.Now()
		out := s.out[it.file]
		switch {
		case it.out != nil:
			err = s.writeBatch(ctx, out, it)
			it.out.Release()
		case it.end:
			for _, tb := range s.tables {
				w := out.writers[tb.Name]
				if w == nil {
					continue
				}
				infos, cerr := w.Close(ctx)
				if cerr != nil {
					err = fmt.Errorf("%s: writing parquet: %w", s.uris[it.file], cerr)
				}
				out.files = append(out.files, infos...)
			}
		default:
			for _, tb := range s.tables {
				if w := out.writers[tb.Name]; w != nil {
					err = errors.Join(err, w.Abort(ctx))
				}
			}
		}
		s.clock.since(t)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBatch writes the records of one batch: each is counted in the
// exact totals, sampled for the summary, and written when it changed.
func (s *writeStage) writeBatch(ctx context.Context, out *fileWrites, it writeItem) error {
	first, sample := true, false
	return it.out.Records(func(table, partition string, changed bool, rec arrow.RecordBatch) error {
		defer rec.Release()
		if first {
			first = false
			sample = s.batches < summaryFirst || s.batches%summaryEvery == 0
			s.batches++
			if !s.dryRun && out.writers == nil {
				out.writers = map[string]*commit.TableWriter{}
				for _, t := range s.tables {
					opt := s.opt
					if t.Partition != "" {
						opt.PartitionColumn = t.Partition
					}
					w, err := commit.NewTableWriter(s.store, t.Name, t.Schema, s.importID, &s.parts, opt)
					if err != nil {
						return err
					}
					out.writers[t.Name] = w
				}
			}
		}
		s.exact[table].Add(rec)
		if table == s.tables[0].Name {
			month := partition
			if len(month) == len("2006-01-02") { // a day (event_date): the chart counts months
				month = month[:len("2006-01")]
			}
			s.charts.AddRecords(it.file, month, changed, rec)
		}
		if sample {
			s.sampled[table] += rec.NumRows()
			if err := s.summary.Add(ctx, table, rec); err != nil {
				return fmt.Errorf("summary: %w", err)
			}
		}
		if !changed || s.dryRun {
			return nil
		}
		if err := out.writers[table].Write(ctx, partition, rec); err != nil {
			return fmt.Errorf("%s: writing %s: %w", s.uris[it.file], table, err)
		}
		return nil
	})
}

// abort removes what the writer wrote.
func (s *writeStage) abort(ctx context.Context) {
	for _, out := range s.out {
		for _, w := range out.writers {
			_ = w.Abort(ctx)
		}
		for _, f := range out.files {
			_ = s.store.Remove(ctx, f.Path)
		}
		out.files = nil
	}
}

// eventStage compresses each file's event lines into its spool: a file in
// the warehouse, so that a commit can claim it by a link instead of a
// copy. It owns the spools until the stages are done.
type eventStage struct {
	importID string
	store    commit.Store
	free     chan []byte // buffers going back to the group stage
	clock    stageClock
	out      []*fileEvents
}

// fileEvents is the event spool of one source file.
type fileEvents struct {
	spool  string // a store path, published when the file ends
	w      commit.FileWriter
	events *commit.EventWriter
	lines  int64
}

func newEventStage(importID string, files int) *eventStage {
	s := &eventStage{importID: importID, free: make(chan []byte, 4), clock: stageClock{name: "events"}}
	for range files {
		s.out = append(s.out, &fileEvents{})
	}
	return s
}

// spoolPath names the event spool of source file fi (its rewrite n).
func (s *eventStage) spoolPath(fi, n int) string {
	return fmt.Sprintf("_ingot/tmp/%s/events-%d-%d.jsonl.zst", s.importID, fi, n)
}

func (s *eventStage) run(ctx context.Context, in <-chan eventChunk) (err error) {
	defer func() {
		for range in {
		}
		if err != nil { // a cancelled or failed import: no spool half-written
			for _, out := range s.out {
				if out.w != nil {
					_ = out.w.Abort()
					out.events, out.w, out.spool = nil, nil, ""
				}
			}
		}
	}()
	for c := range in {
		t := time.Now()
		out := s.out[c.file]
		if out.events == nil && c.err == nil {
			out.spool = s.spoolPath(c.file, 0)
			if out.w, err = s.store.Create(ctx, out.spool, false); err != nil {
				return fmt.Errorf("writing the event log into the warehouse: %w", err)
			}
			if out.events, err = commit.NewEventWriter(out.w, commit.EventOptions{}); err != nil {
				return err
			}
		}
		if c.err != nil {
			if out.w != nil {
				_ = out.w.Abort()
			}
			out.events, out.w, out.spool = nil, nil, ""
			continue
		}
		if err := out.events.WriteLines(c.data); err != nil {
			return err
		}
		fault.Hit(fault.SpoolWritten)
		select { // hand the buffer back to the group stage
		case s.free <- c.data:
		default:
		}
		if c.end {
			out.lines = out.events.Lines()
			if err := out.events.Close(); err != nil {
				return err
			}
			err := out.w.Close()
			out.w = nil
			if err != nil {
				return fmt.Errorf("writing the event log into the warehouse: %w", err)
			}
		}
		s.clock.since(t)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// removeSpools deletes the import's event spools, and on a local store
// their directories once empty.
func (s *eventStage) removeSpools(ctx context.Context, store commit.Store) {
	for _, out := range s.out {
		if out.spool != "" {
			_ = store.Remove(ctx, out.spool)
			out.spool = ""
		}
	}
	if dir := store.LocalPath(path.Dir(s.spoolPath(0, 0))); dir != "" {
		_ = os.Remove(dir)               // fails, harmlessly, unless empty
		_ = os.Remove(filepath.Dir(dir)) // _ingot/tmp, when no other import uses it
	}
}
