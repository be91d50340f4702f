package orders

import (
	"fmt"
	"iter"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/schema"
)

// File returns the index of the batch's source file.
func (pb *pendingBatch) File() int { return pb.file }

// Release frees the validated batch.
func (pb *pendingBatch) Release() { pb.o.Release() }

// Records yields what the grouper kept of the batch and did not hold
// back: per table and month, the changed rows and the unchanged ones as
// separate records of exactly their size (so that the Parquet writer can
// hold them without copying).
func (pb *pendingBatch) Records(yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error {
	return pb.records(false, yield)
}

// HeldRecords yields the changed rows held back (kinds.HeldOutput), per
// table and month.
func (pb *pendingBatch) HeldRecords(yield func(table, partition string, rec arrow.RecordBatch) error) error {
	if !slices.Contains(pb.ordHeld, true) && !slices.Contains(pb.itemHeld, true) {
		return nil
	}
	return pb.records(true, func(table, partition string, _ bool, rec arrow.RecordBatch) error {
		return yield(table, partition, rec)
	})
}

// records yields the held rows, or the others.
func (pb *pendingBatch) records(held bool, yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error {
	if len(pb.ordIdx) == 0 && len(pb.itemRow) == 0 {
		return nil
	}
	g := pb.g
	src := g.cfg.Files[pb.file]
	lines := pb.o.Lines
	var part []byte
	emit := func(table string, month int32, changed bool, rec arrow.RecordBatch) error {
		part = columnar.AppendMonth(part[:0], month)
		return yield(table, string(part), changed, rec)
	}
	perm := groupPerm(pb.ordMonth, pb.ordChanged, pb.ordHeld)
	for a, b := range groups(perm, pb.ordMonth, pb.ordChanged, pb.ordHeld) {
		if pb.ordHeld[perm[a]] != held {
			continue
		}
		idx := make([]int32, b-a)
		srcLine := make([]int64, b-a)
		fps := make([]uint64, b-a)
		for k, p := range perm[a:b] {
			idx[k] = pb.ordIdx[p]
			srcLine[k] = lines[pb.o.Starts[pb.ordIdx[p]]]
			fps[k] = pb.ordFP[p]
		}
		rec, err := pb.ordersRecord(idx, fps, src, srcLine)
		if err != nil {
			return err
		}
		if err := emit(schema.Orders, pb.ordMonth[perm[a]], pb.ordChanged[perm[a]], rec); err != nil {
			return err
		}
	}
	perm = groupPerm(pb.itemMonth, pb.itemChanged, pb.itemHeld)
	for a, b := range groups(perm, pb.itemMonth, pb.itemChanged, pb.itemHeld) {
		if pb.itemHeld[perm[a]] != held {
			continue
		}
		rows := make([]int32, b-a)
		lineNo := make([]int32, b-a)
		srcLine := make([]int64, b-a)
		for k, p := range perm[a:b] {
			rows[k] = pb.itemRow[p]
			lineNo[k] = pb.itemLineNo[p]
			srcLine[k] = lines[pb.itemRow[p]]
		}
		rec, err := pb.itemsRecord(rows, lineNo, src, srcLine)
		if err != nil {
			return err
		}
		if err := emit(schema.LineItems, pb.itemMonth[perm[a]], pb.itemChanged[perm[a]], rec); err != nil {
			return err
		}
	}
	return nil
}

// groupKey orders rows by month, then changed, held, unchanged.
func groupKey(month []int32, changed, held []bool, i int) int32 {
	k := month[i] * 4
	switch {
	case held[i]:
		k++
	case !changed[i]:
		k += 2
	}
	return k
}

// groupPerm returns the indexes 0..n-1 ordered by month, and within a
// month the changed ones first, then the held ones, then the unchanged,
// keeping input order within a group: a counting sort, as a batch holds
// only a few dozen months.
func groupPerm(month []int32, changed, held []bool) []int {
	var keys []int32
	count := map[int32]int{}
	for i := range month {
		k := groupKey(month, changed, held, i)
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
		k := groupKey(month, changed, held, i)
		perm[next[k]] = i
		next[k]++
	}
	return perm
}

// groups yields the [a, b) ranges of perm that share month, changed and
// held.
func groups(perm []int, month []int32, changed, held []bool) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for a := 0; a < len(perm); {
			b := a + 1
			for b < len(perm) && groupKey(month, changed, held, perm[b]) == groupKey(month, changed, held, perm[a]) {
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
func (pb *pendingBatch) ordersRecord(idx []int32, fps []uint64, src string, lines []int64) (arrow.RecordBatch, error) {
	mem := pb.g.cfg.Pool
	typed, err := columnar.GatherRecord(mem, pb.o.Orders, idx)
	if err != nil {
		return nil, err
	}
	defer typed.Release()
	n := len(idx)
	fp := array.NewStringBuilder(mem)
	defer fp.Release()
	fp.Reserve(n)
	fp.ReserveData(16 * n)
	var hx [16]byte
	for _, f := range fps {
		fp.UnsafeAppend(columnar.AppendHex16(hx[:0], f))
	}
	extra := []arrow.Array{fp.NewArray(), constString(mem, pb.g.cfg.ImportID, n), constString(mem, src, n), int64Array(mem, lines)}
	return assemble(schema.OrdersSchema, n, typed.Columns(), extra)
}

// itemsRecord builds rows of the line_items table.
func (pb *pendingBatch) itemsRecord(rows, lineNo []int32, src string, lines []int64) (arrow.RecordBatch, error) {
	mem := pb.g.cfg.Pool
	typed, err := columnar.GatherRecord(mem, pb.o.Items, rows)
	if err != nil {
		return nil, err
	}
	defer typed.Release()
	n := len(rows)
	ids, err := columnar.Gather(mem, pb.o.OrderID, rows)
	if err != nil {
		return nil, err
	}
	ln := array.NewInt32Builder(mem)
	defer ln.Release()
	ln.AppendValues(lineNo, nil)
	head := []arrow.Array{ids, ln.NewArray()}
	cols := append(head, typed.Columns()...)
	for _, c := range typed.Columns() {
		c.Retain()
	}
	extra := []arrow.Array{constString(mem, pb.g.cfg.ImportID, n), constString(mem, src, n), int64Array(mem, lines)}
	rec, err := assemble(schema.LineItemsSchema, n, cols, extra)
	for _, c := range typed.Columns() {
		c.Release()
	}
	ids.Release()
	head[1].Release()
	return rec, err
}

// assemble makes a record of sch from cols then extra, releasing extra.
func assemble(sch *arrow.Schema, n int, cols, extra []arrow.Array) (arrow.RecordBatch, error) {
	all := append(slices.Clone(cols), extra...)
	defer func() {
		for _, a := range extra {
			a.Release()
		}
	}()
	if len(all) != sch.NumFields() {
		return nil, fmt.Errorf("orders: building %v: %d columns for %d fields", sch.Field(0).Name, len(all), sch.NumFields())
	}
	for i, a := range all {
		if !arrow.TypeEqual(a.DataType(), sch.Field(i).Type) {
			return nil, fmt.Errorf("orders: column %s: built %s, want %s", sch.Field(i).Name, a.DataType(), sch.Field(i).Type)
		}
	}
	return array.NewRecordBatch(sch, all, int64(n)), nil
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
