package columnar

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Gather returns the rows idx of a, in that order, as a new array whose
// buffers are allocated at their exact size and filled directly, without
// builders: cheap enough to cut a batch into many small pieces (one per
// partition). It covers the types of ingot's tables: strings, float64,
// decimal128 (money), int64, int32, booleans, timestamps and lists of strings.
func Gather(mem memory.Allocator, a arrow.Array, idx []int32) (arrow.Array, error) {
	n := len(idx)
	validity, nulls := gatherValidity(mem, a, idx)
	var bufs []*memory.Buffer
	var children []arrow.ArrayData
	switch src := a.(type) {
	case *array.String:
		offs, data := gatherStrings(mem, StringsOf(src), idx)
		bufs = []*memory.Buffer{validity, offs, data}
	case *array.Float64:
		bufs = []*memory.Buffer{validity, gatherFixed(mem, src.Float64Values(), idx, arrow.Float64Traits.CastFromBytes, 8)}
	case *array.Decimal128:
		bufs = []*memory.Buffer{validity, gatherFixed(mem, src.Values(), idx, arrow.Decimal128Traits.CastFromBytes, 16)}
	case *array.Int64:
		bufs = []*memory.Buffer{validity, gatherFixed(mem, src.Int64Values(), idx, arrow.Int64Traits.CastFromBytes, 8)}
	case *array.Int32:
		bufs = []*memory.Buffer{validity, gatherFixed(mem, src.Int32Values(), idx, arrow.Int32Traits.CastFromBytes, 4)}
	case *array.Timestamp:
		bufs = []*memory.Buffer{validity, gatherFixed(mem, src.TimestampValues(), idx, arrow.TimestampTraits.CastFromBytes, 8)}
	case *array.Boolean:
		vals := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
		out := vals.Bytes()
		clear(out)
		for k, i := range idx {
			if src.Value(int(i)) {
				bitutil.SetBit(out, k)
			}
		}
		bufs = []*memory.Buffer{validity, vals}
	case *array.List:
		items, ok := src.ListValues().(*array.String)
		if !ok {
			releaseAll(validity)
			return nil, fmt.Errorf("columnar.Gather: list of %s not supported", src.ListValues().DataType())
		}
		loffs := ListOffsets(src)
		offBuf := newBuffer(mem, 4*(n+1))
		offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
		var elems []int32
		for k, i := range idx {
			offs[k] = int32(len(elems))
			for e := loffs[i]; e < loffs[i+1]; e++ {
				elems = append(elems, e)
			}
		}
		offs[n] = int32(len(elems))
		child, err := Gather(mem, items, elems)
		if err != nil {
			releaseAll(validity, offBuf)
			return nil, err
		}
		children = []arrow.ArrayData{child.Data()}
		defer child.Release()
		bufs = []*memory.Buffer{validity, offBuf}
	default:
		releaseAll(validity)
		return nil, fmt.Errorf("columnar.Gather: type %s not supported", a.DataType())
	}
	d := array.NewData(a.DataType(), n, bufs, children, nulls, 0)
	releaseAll(bufs...)
	out := array.MakeFromData(d)
	d.Release()
	return out, nil
}

// newBuffer allocates size bytes from mem. They are not necessarily zeroed
// (see PoolAllocator): callers overwrite them, or clear them first.
func newBuffer(mem memory.Allocator, size int) *memory.Buffer {
	return memory.NewBufferWithAllocator(mem.Allocate(size), mem)
}

func releaseAll(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// gatherValidity returns the validity bitmap of the gathered rows and
// their null count, or nil when none is null.
func gatherValidity(mem memory.Allocator, a arrow.Array, idx []int32) (*memory.Buffer, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	nulls := 0
	for _, i := range idx {
		if a.IsNull(int(i)) {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(len(idx)))))
	out := buf.Bytes()
	clear(out)
	for k, i := range idx {
		if a.IsValid(int(i)) {
			bitutil.SetBit(out, k)
		}
	}
	return buf, nulls
}

func gatherFixed[T any](mem memory.Allocator, vals []T, idx []int32, cast func([]byte) []T, width int) *memory.Buffer {
	buf := newBuffer(mem, width*len(idx))
	out := cast(buf.Bytes())[:len(idx)]
	for k, i := range idx {
		out[k] = vals[i]
	}
	return buf
}

func gatherStrings(mem memory.Allocator, s Strings, idx []int32) (*memory.Buffer, *memory.Buffer) {
	n := len(idx)
	size := 0
	for _, i := range idx {
		size += int(s.offs[i+1] - s.offs[i])
	}
	offBuf := newBuffer(mem, 4*(n+1))
	dataBuf := newBuffer(mem, size)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	data := dataBuf.Bytes()
	pos := int32(0)
	for k, i := range idx {
		offs[k] = pos
		pos += int32(copy(data[pos:], s.At(int(i))))
	}
	offs[n] = pos
	return offBuf, dataBuf
}

// GatherRecord applies Gather to every column of rec.
func GatherRecord(mem memory.Allocator, rec arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := Gather(mem, rec.Column(i), idx)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", rec.ColumnName(i), err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(idx))), nil
}
