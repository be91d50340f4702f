package columnar

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// gatherFixture builds one array of every supported type from JSON, with
// nulls, then slices it so that offsets are exercised.
func gatherFixture(t *testing.T, mem memory.Allocator) []arrow.Array {
	types := []struct {
		dt   arrow.DataType
		json string
	}{
		{arrow.BinaryTypes.String, `["skip", "a", null, "", "héllo", "z"]`},
		{arrow.PrimitiveTypes.Float64, `[9, 1.5, null, -0, 3.25, 7]`},
		{arrow.PrimitiveTypes.Int64, `[9, 1, null, -5, 1e3, 7]`},
		{arrow.PrimitiveTypes.Int32, `[9, 1, 2, -5, 3, null]`},
		{arrow.FixedWidthTypes.Boolean, `[true, true, null, false, true, false]`},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `["1970-01-01T00:00:00Z", "2020-09-16T09:38:06Z", null, "1969-12-31T23:59:59Z", "2262-01-01T00:00:00Z", "2000-02-29T12:00:00Z"]`},
		{arrow.ListOf(arrow.BinaryTypes.String), `[["x"], ["a", "b"], null, [], ["c", null, "d"], ["e"]]`},
	}
	var out []arrow.Array
	for _, tc := range types {
		a, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
		require.NoError(t, err, tc.dt)
		s := array.NewSlice(a, 1, int64(a.Len()))
		a.Release()
		out = append(out, s)
	}
	return out
}

func TestGather(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	arrs := gatherFixture(t, mem)
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for _, idx := range [][]int32{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 2, 0}, {3}, {}, {1, 1, 1}} {
		for _, a := range arrs {
			t.Run(fmt.Sprintf("%s/%v", a.DataType(), idx), func(t *testing.T) {
				got, err := Gather(mem, a, idx)
				require.NoError(t, err)
				defer got.Release()
				require.Equal(t, len(idx), got.Len())
				for k, i := range idx {
					require.Equal(t, a.IsNull(int(i)), got.IsNull(k), "row %d", k)
					require.Equal(t, a.ValueStr(int(i)), got.ValueStr(k), "row %d", k)
				}
				if v, ok := got.(interface{ ValidateFull() error }); ok {
					require.NoError(t, v.ValidateFull())
				}
			})
		}
	}
}

func BenchmarkGather(b *testing.B) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	fb := array.NewFloat64Builder(mem)
	const n = 16384
	for i := range n {
		sb.Append(fmt.Sprintf("product name number %d", i))
		fb.Append(float64(i) / 100)
	}
	strs, floats := sb.NewArray(), fb.NewArray()
	defer strs.Release()
	defer floats.Release()
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32((i * 7919) % n)
	}
	for _, pieces := range []int{1, 36} {
		b.Run(fmt.Sprintf("pieces=%d", pieces), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				step := n / pieces
				for p := 0; p < n; p += step {
					for _, a := range []arrow.Array{strs, floats} {
						g, err := Gather(mem, a, idx[p:min(n, p+step)])
						if err != nil {
							b.Fatal(err)
						}
						g.Release()
					}
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestGatherPool gathers through a PoolAllocator whose recycled buffers
// hold garbage: the results must not depend on zeroed memory.
func TestGatherPool(t *testing.T) {
	var pool PoolAllocator
	for range 3 { // dirty some buffers of every small class
		for c := 0; c < 12; c++ {
			b := pool.Allocate(1 << (c + poolMinShift))
			for i := range b {
				b[i] = 0xA5
			}
			pool.Free(b)
		}
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	arrs := gatherFixture(t, mem)
	for _, a := range arrs {
		got, err := Gather(&pool, a, []int32{4, 0, 1, 2, 3})
		require.NoError(t, err)
		for k, i := range []int{4, 0, 1, 2, 3} {
			require.Equal(t, a.IsNull(i), got.IsNull(k))
			require.Equal(t, a.ValueStr(i), got.ValueStr(k), "%s row %d", a.DataType(), k)
		}
		got.Release()
		a.Release()
	}
	require.Zero(t, pool.Allocated())
	mem.AssertSize(t, 0)
}
