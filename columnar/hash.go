package columnar

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/zeebo/xxh3"
)

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
			offs := ListOffsets(src)
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
