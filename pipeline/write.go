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

	"ingot/columnar"
	"ingot/commit"
	"ingot/internal/fault"
	"ingot/kinds"
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
	tmp      string                  // the attempt's, for the held spools
	pool     *columnar.PoolAllocator // for the held rows kept

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
	held    map[string]*heldTable // rows held back, by table (hold.go)
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
			if herr := out.closeHeld(); herr != nil && err == nil {
				err = fmt.Errorf("%s: holding back rows: %w", s.uris[it.file], herr)
			}
		default:
			out.dropHeld()
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
// exact totals, sampled for the summary, and written when it changed, or
// held back when the kind says so (kinds.HeldOutput).
func (s *writeStage) writeBatch(ctx context.Context, out *fileWrites, it writeItem) error {
	b := batchWrite{s: s, out: out, file: it.file, first: true}
	err := it.out.Records(func(table, partition string, changed bool, rec arrow.RecordBatch) error {
		defer rec.Release()
		return b.take(ctx, table, partition, changed, false, rec)
	})
	if ho, ok := it.out.(kinds.HeldOutput); ok && err == nil {
		err = ho.HeldRecords(func(table, partition string, rec arrow.RecordBatch) error {
			defer rec.Release()
			return b.take(ctx, table, partition, true, true, rec)
		})
	}
	return err
}

// batchWrite is the writing of one batch.
type batchWrite struct {
	s             *writeStage
	out           *fileWrites
	file          int
	first, sample bool
}

// take counts, samples and writes (or holds back) one record.
func (b *batchWrite) take(ctx context.Context, table, partition string, changed, held bool, rec arrow.RecordBatch) error {
	s, out := b.s, b.out
	if b.first {
		b.first = false
		b.sample = s.batches < summaryFirst || s.batches%summaryEvery == 0
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
		s.charts.AddRecords(b.file, month, changed, rec)
	}
	if b.sample {
		s.sampled[table] += rec.NumRows()
		if err := s.summary.Add(ctx, table, rec); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
	}
	switch {
	case !changed || s.dryRun:
		return nil
	case held:
		return s.hold(out, b.file, table, partition, rec)
	}
	if err := out.writers[table].Write(ctx, partition, rec); err != nil {
		return fmt.Errorf("%s: writing %s: %w", s.uris[b.file], table, err)
	}
	return nil
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
		out.dropHeld()
	}
}

// eventStage compresses each file's event lines into its spool: a file in
// the warehouse, so that a commit can claim it by a link instead of a
// copy. It owns the spools until the stages are done.
type eventStage struct {
	importID string
	tmp      string // the attempt's, for the held spools
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

	held      *heldEvents // lines held back (hold.go)
	heldSpool string      // the held lines kept, once released
	heldLines int64
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
				out.dropHeld()
			}
		}
	}()
	for c := range in {
		t := time.Now()
		out := s.out[c.file]
		if c.err != nil {
			if out.w != nil {
				_ = out.w.Abort()
			}
			out.events, out.w, out.spool = nil, nil, ""
			out.dropHeld()
			continue
		}
		if c.held {
			if len(c.data) > 0 {
				if err := s.hold(out, c.file, c.data); err != nil {
					return err
				}
			}
		} else {
			if out.events == nil {
				out.spool = s.spoolPath(c.file, 0)
				if out.w, err = s.store.Create(ctx, out.spool, false); err != nil {
					return fmt.Errorf("writing the event log into the warehouse: %w", err)
				}
				if out.events, err = commit.NewEventWriter(out.w, commit.EventOptions{}); err != nil {
					return err
				}
			}
			if err := out.events.WriteLines(c.data); err != nil {
				return err
			}
		}
		fault.Hit(fault.SpoolWritten)
		select { // hand the buffer back to the group stage
		case s.free <- c.data:
		default:
		}
		if c.end {
			if out.w != nil {
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
			if err := out.closeHeld(); err != nil {
				return err
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
		for _, sp := range []*string{&out.spool, &out.heldSpool} {
			if *sp != "" {
				_ = store.Remove(ctx, *sp)
				*sp = ""
			}
		}
		out.dropHeld()
	}
	if dir := store.LocalPath(path.Dir(s.spoolPath(0, 0))); dir != "" {
		_ = os.Remove(dir)               // fails, harmlessly, unless empty
		_ = os.Remove(filepath.Dir(dir)) // _ingot/tmp, when no other import uses it
	}
}
