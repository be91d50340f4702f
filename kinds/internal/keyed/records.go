package keyed

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/columnar"
	"ingot/kinds"
)

// outBatch is a validated batch on its way to the writer: its kept rows
// with their merged attributes and fingerprints.
type outBatch struct {
	g    *Grouper
	file int
	o    *Rows
	sink kinds.Sink

	rows    []int32
	changed []bool
	fps     []uint64
	attrBuf []byte
	attrOff []int32
}

func (ob *outBatch) keep(row int, merged []byte, fp uint64, changed bool) {
	if ob.attrOff == nil {
		ob.attrOff = []int32{0}
	}
	ob.rows = append(ob.rows, int32(row))
	ob.changed = append(ob.changed, changed)
	ob.fps = append(ob.fps, fp)
	ob.attrBuf = append(ob.attrBuf, merged...)
	ob.attrOff = append(ob.attrOff, int32(len(ob.attrBuf)))
}

// File returns the index of the batch's source file.
func (ob *outBatch) File() int { return ob.file }

// Release frees the batch (Go memory only).
func (ob *outBatch) Release() { ob.o.Release() }

// Records yields the kept rows, changed ones and unchanged ones as two
// records of the kind's table, unpartitioned; yield takes over each.
func (ob *outBatch) Records(yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error {
	for _, want := range []bool{true, false} {
		n := 0
		for _, c := range ob.changed {
			if c == want {
				n++
			}
		}
		if n == 0 {
			continue
		}
		rec, err := ob.record(want, n)
		if err != nil {
			return err
		}
		if err := yield(ob.g.table.Name, "", want, rec); err != nil { // the writer owns rec
			return err
		}
	}
	return nil
}

// record builds the rows whose changed flag is want.
func (ob *outBatch) record(want bool, n int) (arrow.RecordBatch, error) {
	g := ob.g
	mem := g.cfg.Pool
	sch := g.table.Schema
	src := g.cfg.Files[ob.file]
	bs := make([]*array.StringBuilder, 0, 6)
	str := func() *array.StringBuilder {
		b := array.NewStringBuilder(mem)
		b.Reserve(n)
		bs = append(bs, b)
		return b
	}
	var typ *array.StringBuilder
	if g.spec.UserID {
		typ = str()
	}
	id, attrs, fp, imp, file := str(), str(), str(), str(), str()
	lines := array.NewInt64Builder(mem)
	defer lines.Release()
	lines.Reserve(n)
	var hx [16]byte
	for k, row := range ob.rows {
		if ob.changed[k] != want {
			continue
		}
		if typ != nil {
			typ.Append(string(ob.o.Type(int(row))))
		}
		id.BinaryBuilder.Append(ob.o.ID(int(row)))
		attrs.BinaryBuilder.Append(ob.attrBuf[ob.attrOff[k]:ob.attrOff[k+1]])
		fp.BinaryBuilder.Append(columnar.AppendHex16(hx[:0], ob.fps[k]))
		imp.Append(g.cfg.ImportID)
		file.Append(src)
		lines.UnsafeAppend(ob.o.Lines[row])
	}
	cols := make([]arrow.Array, 0, sch.NumFields())
	for _, b := range bs {
		cols = append(cols, b.NewArray())
		b.Release()
	}
	cols = append(cols, lines.NewArray())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if len(cols) != sch.NumFields() {
		return nil, fmt.Errorf("%s: built %d columns for %d fields", g.spec.Kind, len(cols), sch.NumFields())
	}
	return array.NewRecordBatch(sch, cols, int64(n)), nil
}
