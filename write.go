package ingot

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/commit"
)

// fileOutput is what the writer made of one source file.
type fileOutput struct {
	orders, items *commit.TableWriter
	files         []commit.FileInfo
	spool         string // the event spool: a store path, published when the file ends
	spoolW        commit.FileWriter
	events        *commit.EventWriter
	eventLines    int64
}

// writeBatches turns the sequencer's selections into the committed tables'
// records, feeds the summary, and writes the changed rows as Parquet, per
// source file (a failed file's parts are discarded).
func (j *job) writeBatches(ctx context.Context, in <-chan writeItem) (err error) {
	defer func() {
		for it := range in { // after an error, release what is still coming
			if it.pb != nil {
				it.pb.o.Release()
			}
		}
	}()
	for it := range in {
		t := time.Now()
		out := j.out[it.file]
		switch {
		case it.pb != nil:
			err = j.writeBatch(ctx, out, it.pb)
			it.pb.o.Release()
		case it.end:
			for _, w := range []*commit.TableWriter{out.orders, out.items} {
				if w == nil {
					continue
				}
				infos, cerr := w.Close(ctx)
				if cerr != nil {
					err = fmt.Errorf("%s: writing parquet: %w", j.files[it.file].obj.URI, cerr)
				}
				out.files = append(out.files, infos...)
			}
		default:
			for _, w := range []*commit.TableWriter{out.orders, out.items} {
				if w != nil {
					err = errors.Join(err, w.Abort(ctx))
				}
			}
		}
		j.clock.write.since(t)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBatch writes what the sequencer kept of one batch: per table and
// month, the changed rows and the unchanged ones are built as separate
// records of exactly their size (so the Parquet writer can hold them
// without copying), counted in the exact totals, sampled for the summary,
// and the changed ones written.
func (j *job) writeBatch(ctx context.Context, out *fileOutput, pb *pendingBatch) error {
	if len(pb.ordIdx) == 0 && len(pb.itemRow) == 0 {
		return nil
	}
	src := j.files[pb.file].obj.URI
	lines := pb.o.Lines
	sample := j.batches < summaryFirst || j.batches%summaryEvery == 0
	j.batches++
	if !j.opt.DryRun && out.orders == nil {
		var err error
		if out.orders, err = commit.NewTableWriter(j.store, commit.Orders, commit.OrdersSchema, j.importID, &j.parts, j.writerOpt); err != nil {
			return err
		}
		if out.items, err = commit.NewTableWriter(j.store, commit.LineItems, commit.LineItemsSchema, j.importID, &j.parts, j.writerOpt); err != nil {
			return err
		}
	}
	var part []byte
	emit := func(table string, w *commit.TableWriter, month int32, changed bool, rec arrow.RecordBatch) error {
		defer rec.Release()
		j.exact[table].Add(rec)
		if table == commit.Orders {
			j.charts.AddOrders(pb.file, month, changed, rec)
		}
		if sample {
			j.sampled[table] += rec.NumRows()
			if err := j.summary.Add(ctx, table, rec); err != nil {
				return fmt.Errorf("summary: %w", err)
			}
		}
		if !changed || j.opt.DryRun {
			return nil
		}
		part = columnar.AppendMonth(part[:0], month)
		if err := w.Write(ctx, string(part), rec); err != nil {
			return fmt.Errorf("%s: writing %s: %w", src, table, err)
		}
		return nil
	}

	perm := groupPerm(pb.ordMonth, pb.ordChanged)
	for a, b := range groups(perm, pb.ordMonth, pb.ordChanged) {
		idx := make([]int32, b-a)
		srcLine := make([]int64, b-a)
		fps := make([]uint64, b-a)
		for k, p := range perm[a:b] {
			idx[k] = pb.ordIdx[p]
			srcLine[k] = lines[pb.o.Starts[pb.ordIdx[p]]]
			fps[k] = pb.ordFP[p]
		}
		rec, err := j.ordersRecord(pb, idx, fps, src, srcLine)
		if err != nil {
			return err
		}
		if err := emit(commit.Orders, out.orders, pb.ordMonth[perm[a]], pb.ordChanged[perm[a]], rec); err != nil {
			return err
		}
	}
	perm = groupPerm(pb.itemMonth, pb.itemChanged)
	for a, b := range groups(perm, pb.itemMonth, pb.itemChanged) {
		rows := make([]int32, b-a)
		lineNo := make([]int32, b-a)
		srcLine := make([]int64, b-a)
		for k, p := range perm[a:b] {
			rows[k] = pb.itemRow[p]
			lineNo[k] = pb.itemLineNo[p]
			srcLine[k] = lines[pb.itemRow[p]]
		}
		rec, err := j.itemsRecord(pb, rows, lineNo, src, srcLine)
		if err != nil {
			return err
		}
		if err := emit(commit.LineItems, out.items, pb.itemMonth[perm[a]], pb.itemChanged[perm[a]], rec); err != nil {
			return err
		}
	}
	return nil
}

// summaryFirst and summaryEvery sample the DuckDB summary: the first
// summaryFirst batches, then one in summaryEvery. Exact figures come from
// TableTotals over every row; the sample feeds the sketches (distinct
// counts, top values), which cost about 2 us a row in DuckDB.
const (
	summaryFirst = 8
	summaryEvery = 16
)

// groupPerm returns the indexes 0..n-1 ordered by month, and within a
// month the changed ones first, keeping input order within a group: a
// counting sort, as a batch holds only a few dozen months.
func groupPerm(month []int32, changed []bool) []int {
	key := func(i int) int32 {
		k := month[i] * 2
		if !changed[i] {
			k++
		}
		return k
	}
	var keys []int32
	count := map[int32]int{}
	for i := range month {
		k := key(i)
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	slices.Sort(keys)
	next := make(map[int32]int, len(keys))
	pos := 0
	for _, k := range keys {
		next[k] = pos
		pos += count[k]
	}
	perm := make([]int, len(month))
	for i := range month {
		k := key(i)
		perm[next[k]] = i
		next[k]++
	}
	return perm
}

// groups yields the [a, b) ranges of perm that share month and changed.
func groups(perm []int, month []int32, changed []bool) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for a := 0; a < len(perm); {
			b := a + 1
			for b < len(perm) && month[perm[b]] == month[perm[a]] && changed[perm[b]] == changed[perm[a]] {
				b++
			}
			if !yield(a, b) {
				return
			}
			a = b
		}
	}
}

// ordersRecord builds rows of the orders table: the typed order columns of
// the given starts, then fingerprint, import and provenance.
func (j *job) ordersRecord(pb *pendingBatch, idx []int32, fps []uint64, src string, lines []int64) (arrow.RecordBatch, error) {
	typed, err := columnar.GatherRecord(j.pool, pb.o.Orders, idx)
	if err != nil {
		return nil, err
	}
	defer typed.Release()
	n := len(idx)
	fp := array.NewStringBuilder(j.pool)
	defer fp.Release()
	fp.Reserve(n)
	fp.ReserveData(16 * n)
	var hx [16]byte
	for _, f := range fps {
		fp.UnsafeAppend(appendHex16(hx[:0], f))
	}
	extra := []arrow.Array{fp.NewArray(), constString(j.pool, j.importID, n), constString(j.pool, src, n), int64Array(j.pool, lines)}
	return assemble(commit.OrdersSchema, n, typed.Columns(), extra)
}

// itemsRecord builds rows of the line_items table.
func (j *job) itemsRecord(pb *pendingBatch, rows, lineNo []int32, src string, lines []int64) (arrow.RecordBatch, error) {
	typed, err := columnar.GatherRecord(j.pool, pb.o.Items, rows)
	if err != nil {
		return nil, err
	}
	defer typed.Release()
	n := len(rows)
	ids, err := columnar.Gather(j.pool, pb.o.OrderID, rows)
	if err != nil {
		return nil, err
	}
	ln := array.NewInt32Builder(j.pool)
	defer ln.Release()
	ln.AppendValues(lineNo, nil)
	head := []arrow.Array{ids, ln.NewArray()}
	cols := append(head, typed.Columns()...)
	for _, c := range typed.Columns() {
		c.Retain()
	}
	extra := []arrow.Array{constString(j.pool, j.importID, n), constString(j.pool, src, n), int64Array(j.pool, lines)}
	rec, err := assemble(commit.LineItemsSchema, n, cols, extra)
	for _, c := range typed.Columns() {
		c.Release()
	}
	ids.Release()
	head[1].Release()
	return rec, err
}

// assemble makes a record of schema from cols then extra, releasing extra.
func assemble(schema *arrow.Schema, n int, cols, extra []arrow.Array) (arrow.RecordBatch, error) {
	all := append(slices.Clone(cols), extra...)
	defer func() {
		for _, a := range extra {
			a.Release()
		}
	}()
	if len(all) != schema.NumFields() {
		return nil, fmt.Errorf("ingot: building %v: %d columns for %d fields", schema.Field(0).Name, len(all), schema.NumFields())
	}
	for i, a := range all {
		if !arrow.TypeEqual(a.DataType(), schema.Field(i).Type) {
			return nil, fmt.Errorf("ingot: column %s: built %s, want %s", schema.Field(i).Name, a.DataType(), schema.Field(i).Type)
		}
	}
	return array.NewRecordBatch(schema, all, int64(n)), nil
}

// constString makes a column of n copies of s, building its buffers
// directly: offsets in steps of len(s), the bytes by doubling copies.
func constString(mem memory.Allocator, s string, n int) arrow.Array {
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize(4 * (n + 1))
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	for i := range offs {
		offs[i] = int32(i * len(s))
	}
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(len(s) * n)
	data := dataBuf.Bytes()
	if len(data) > 0 {
		copy(data, s)
		for k := len(s); k < len(data); k *= 2 {
			copy(data[k:], data[:k])
		}
	}
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, offBuf, dataBuf}, nil, 0, 0)
	offBuf.Release()
	dataBuf.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

func int64Array(mem memory.Allocator, v []int64) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

// spoolPath names the event spool of source file fi (its rewrite n): a
// file in the warehouse, so that a commit can claim it by a link instead
// of a copy.
func (j *job) spoolPath(fi, n int) string {
	return fmt.Sprintf("_ingot/tmp/%s/events-%d-%d.jsonl.zst", j.importID, fi, n)
}

// writeEvents compresses each file's event lines into its spool.
func (j *job) writeEvents(ctx context.Context, in <-chan eventChunk) (err error) {
	defer func() {
		for range in {
		}
	}()
	for c := range in {
		t := time.Now()
		out := j.out[c.file]
		if out.events == nil && c.err == nil {
			out.spool = j.spoolPath(c.file, 0)
			if out.spoolW, err = j.store.Create(ctx, out.spool, false); err != nil {
				return fmt.Errorf("event spool: %w", err)
			}
			if out.events, err = commit.NewEventWriter(out.spoolW, commit.EventOptions{}); err != nil {
				return err
			}
		}
		if c.err != nil {
			if out.spoolW != nil {
				_ = out.spoolW.Abort()
			}
			out.events, out.spoolW, out.spool = nil, nil, ""
			continue
		}
		if err := out.events.WriteLines(c.data); err != nil {
			return err
		}
		select { // hand the buffer back to the sequencer
		case j.evFree <- c.data:
		default:
		}
		if c.end {
			out.eventLines = out.events.Lines()
			if err := out.events.Close(); err != nil {
				return err
			}
			if err := out.spoolW.Close(); err != nil {
				return fmt.Errorf("event spool: %w", err)
			}
		}
		j.clock.events.since(t)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}
