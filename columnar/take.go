package columnar

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/zeebo/xxh3"
)

// Take returns the rows sel of a, in that order, as a new array. It covers
// the types of ingot's tables: strings, float64, int64, int32, booleans,
// timestamps and lists of strings.
func Take(mem memory.Allocator, a arrow.Array, sel []int32) (arrow.Array, error) {
	n := len(sel)
	switch src := a.(type) {
	case *array.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		s := StringsOf(src)
		size := 0
		for _, i := range sel {
			size += len(s.At(int(i)))
		}
		b.ReserveData(size)
		for _, i := range sel {
			if src.IsNull(int(i)) {
				b.AppendNull() // a null still needs its offset
				continue
			}
			b.UnsafeAppend(s.At(int(i)))
		}
		return b.NewArray(), nil
	case *array.Float64:
		return takeFixed(array.NewFloat64Builder(mem), src, src.Float64Values(), sel), nil
	case *array.Int64:
		return takeFixed(array.NewInt64Builder(mem), src, src.Int64Values(), sel), nil
	case *array.Int32:
		return takeFixed(array.NewInt32Builder(mem), src, src.Int32Values(), sel), nil
	case *array.Timestamp:
		return takeFixed(array.NewTimestampBuilder(mem, src.DataType().(*arrow.TimestampType)), src, src.TimestampValues(), sel), nil
	case *array.Boolean:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for _, i := range sel {
			if src.IsNull(int(i)) {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			b.UnsafeAppend(src.Value(int(i)))
		}
		return b.NewArray(), nil
	case *array.List:
		items, ok := src.ListValues().(*array.String)
		if !ok {
			return nil, fmt.Errorf("columnar.Take: list of %s not supported", src.ListValues().DataType())
		}
		b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		defer b.Release()
		vb := b.ValueBuilder().(*array.StringBuilder)
		b.Reserve(n)
		offs := src.Offsets()
		for _, i := range sel {
			if src.IsNull(int(i)) {
				b.AppendNull()
				continue
			}
			b.Append(true)
			for k := offs[i]; k < offs[i+1]; k++ {
				vb.Append(items.Value(int(k)))
			}
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("columnar.Take: type %s not supported", a.DataType())
}

type fixedBuilder[T any] interface {
	Reserve(int)
	UnsafeAppend(T)
	UnsafeAppendBoolToBitmap(bool)
	NewArray() arrow.Array
	Release()
}

func takeFixed[T any](b fixedBuilder[T], src arrow.Array, vals []T, sel []int32) arrow.Array {
	defer b.Release()
	b.Reserve(len(sel))
	if src.NullN() == 0 {
		for _, i := range sel {
			b.UnsafeAppend(vals[i])
		}
		return b.NewArray()
	}
	for _, i := range sel {
		if src.IsNull(int(i)) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(vals[i])
	}
	return b.NewArray()
}

// TakeRecord applies Take to every column of rec.
func TakeRecord(mem memory.Allocator, rec arrow.RecordBatch, sel []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := Take(mem, rec.Column(i), sel)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", rec.ColumnName(i), err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(len(sel))), nil
}

// Hash seeds distinguishing a null from every value.
const nullHash = 0x6e756c6c6e756c6c

// HashRows folds every column of cols into h, one hash per row: after the
// call h[i] identifies the values of row i (sel[i] when sel is not nil)
// across the columns, in column order. Floats hash by value (0 and -0 are
// the same), strings by bytes, lists by their items.
func HashRows(cols []arrow.Array, sel []int32, h []uint64) error {
	for _, a := range cols {
		switch src := a.(type) {
		case *array.String:
			s := StringsOf(src)
			hashEach(src, sel, h, func(i int) uint64 { return xxh3.Hash(s.At(i)) })
		case *array.Float64:
			v := src.Float64Values()
			hashEach(src, sel, h, func(i int) uint64 { return math.Float64bits(v[i] + 0) })
		case *array.Int64:
			v := src.Int64Values()
			hashEach(src, sel, h, func(i int) uint64 { return uint64(v[i]) })
		case *array.Int32:
			v := src.Int32Values()
			hashEach(src, sel, h, func(i int) uint64 { return uint64(v[i]) })
		case *array.Timestamp:
			v := src.TimestampValues()
			hashEach(src, sel, h, func(i int) uint64 { return uint64(v[i]) })
		case *array.Boolean:
			hashEach(src, sel, h, func(i int) uint64 {
				if src.Value(i) {
					return 1
				}
				return 2
			})
		case *array.List:
			items, ok := src.ListValues().(*array.String)
			if !ok {
				return fmt.Errorf("columnar.HashRows: list of %s not supported", src.ListValues().DataType())
			}
			s := StringsOf(items)
			offs := src.Offsets()
			hashEach(src, sel, h, func(i int) uint64 {
				x := uint64(offs[i+1] - offs[i])
				for k := offs[i]; k < offs[i+1]; k++ {
					x = Mix64(x, xxh3.Hash(s.At(int(k))))
				}
				return x
			})
		default:
			return fmt.Errorf("columnar.HashRows: type %s not supported", a.DataType())
		}
	}
	return nil
}

func hashEach(a arrow.Array, sel []int32, h []uint64, f func(i int) uint64) {
	nulls := a.NullN() > 0
	for k := range h {
		i := k
		if sel != nil {
			i = int(sel[k])
		}
		if nulls && a.IsNull(i) {
			h[k] = Mix64(h[k], nullHash)
			continue
		}
		h[k] = Mix64(h[k], f(i))
	}
}
