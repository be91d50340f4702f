package events

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/columnar"
	"ingot/schema"
)

// outBatch is a validated batch on its way to the writer: its kept rows
// with their keys, fingerprints and outcomes.
type outBatch struct {
	g    *Grouper
	file int
	o    *Rows

	rows    []int32
	outcome []uint8
	fps     []uint64
	keyBuf  []byte
	keyOff  []int32
}

func (ob *outBatch) keep(row int, key []byte, fp uint64, outcome uint8) {
	ob.rows = append(ob.rows, int32(row))
	ob.outcome = append(ob.outcome, outcome)
	ob.fps = append(ob.fps, fp)
	ob.keyBuf = append(ob.keyBuf, key...)
	ob.keyOff = append(ob.keyOff, int32(len(ob.keyBuf)))
}

// File returns the index of the batch's source file.
func (ob *outBatch) File() int { return ob.file }

// Release frees the batch (Go memory only).
func (ob *outBatch) Release() {}

const microsPerDay = 86400 * 1_000_000

// day returns the UTC day of micros, in days since the epoch.
func day(micros int64) int64 {
	d := micros / microsPerDay
	if micros%microsPerDay < 0 {
		d--
	}
	return d
}

// Partition returns the event_date partition value of a day: YYYY-MM-DD.
func Partition(days int64) string {
	y, m, d := columnar.CivilFromDays(days)
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// Records yields the kept rows as records of the events table, one per
// day and per changed or unchanged; yield takes over each.
func (ob *outBatch) Records(yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error {
	if len(ob.rows) == 0 {
		return nil
	}
	// Sort the kept rows by (day, unchanged), keeping input order within.
	type group struct {
		day     int64
		changed bool
	}
	idx := make([]int32, len(ob.rows))
	for k := range idx {
		idx[k] = int32(k)
	}
	gk := func(k int32) group {
		return group{day(ob.o.At[ob.rows[k]]), ob.outcome[k] != outUnchanged}
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		ga, gb := gk(a), gk(b)
		switch {
		case ga.day != gb.day:
			if ga.day < gb.day {
				return -1
			}
			return 1
		case ga.changed != gb.changed:
			if ga.changed {
				return -1
			}
			return 1
		}
		return 0
	})
	for start := 0; start < len(idx); {
		g0 := gk(idx[start])
		end := start + 1
		for end < len(idx) && gk(idx[end]) == g0 {
			end++
		}
		rec := ob.record(idx[start:end])
		if err := yield(schema.Events, Partition(g0.day), g0.changed, rec); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// record builds the rows ks (indexes into ob.rows).
func (ob *outBatch) record(ks []int32) arrow.RecordBatch {
	g := ob.g
	mem := g.cfg.Pool
	n := len(ks)
	o := ob.o
	bs := make([]*array.StringBuilder, 0, 8)
	str := func() *array.StringBuilder {
		b := array.NewStringBuilder(mem)
		b.Reserve(n)
		bs = append(bs, b)
		return b
	}
	ev, typ, id := str(), str(), str()
	at := array.NewTimestampBuilder(mem, schema.Timestamp)
	defer at.Release()
	at.Reserve(n)
	props, key, fp, imp, file := str(), str(), str(), str(), str()
	lines := array.NewInt64Builder(mem)
	defer lines.Release()
	lines.Reserve(n)
	src := g.cfg.Files[ob.file]
	var hx [16]byte
	for _, k := range ks {
		row := int(ob.rows[k])
		ev.BinaryBuilder.Append(o.Event(row))
		typ.BinaryBuilder.Append(o.Type(row))
		id.BinaryBuilder.Append(o.ID(row))
		at.UnsafeAppend(arrow.Timestamp(o.At[row]))
		props.BinaryBuilder.Append(o.Props(row))
		key.BinaryBuilder.Append(ob.keyBuf[ob.keyOff[k]:ob.keyOff[k+1]])
		fp.BinaryBuilder.Append(columnar.AppendHex16(hx[:0], ob.fps[k]))
		imp.Append(g.cfg.ImportID)
		file.Append(src)
		lines.UnsafeAppend(o.Lines[row])
	}
	cols := make([]arrow.Array, 0, schema.EventsSchema.NumFields())
	for i, b := range bs {
		if i == 3 {
			cols = append(cols, at.NewArray())
		}
		cols = append(cols, b.NewArray())
		b.Release()
	}
	cols = append(cols, lines.NewArray())
	rec := array.NewRecordBatch(schema.EventsSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
