//go:build duckdb_arrow

package derive

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/transform"
)

func record(mem memory.Allocator, cols ...string) arrow.RecordBatch {
	var names []string
	var arrs []arrow.Array
	n := 0
	for _, c := range cols {
		name, vals, _ := strings.Cut(c, "=")
		names = append(names, name)
		b := array.NewStringBuilder(mem)
		b.AppendValues(strings.Split(vals, "|"), nil)
		arrs = append(arrs, b.NewArray())
		n = arrs[len(arrs)-1].Len()
		b.Release()
	}
	for range 2 {
		b := array.NewInt64Builder(mem)
		for i := range n {
			b.Append(int64(i))
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	rec := array.NewRecordBatch(columnar.RawSchema(names, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// TestDerive casts the inputs with a transform program, then derives a
// column from them through DuckDB, batch after batch on one connection.
func TestDerive(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	p, err := transform.Compile([]transform.Step{
		{Op: transform.OpCast, Field: "Quantity", Cast: transform.KindInteger},
		{Op: transform.OpCast, Field: "UnitPrice", Cast: transform.KindFloat},
	}, transform.Codes{Cast: 1})
	require.NoError(t, err)
	tests := []struct {
		expr string
		in   []string
		want []string
	}{
		{"round(Quantity * UnitPrice, 2)", []string{"Quantity=6| 2 |-1|", "UnitPrice=2.55|1e1|3.39|1"}, []string{"15.3", "20.0", "-3.39", "(null)"}},
		{"upper(Name) || '-' || Quantity", []string{"Quantity=1|2", "UnitPrice=0|0", "Name=ab|cd"}, []string{"AB-1", "CD-2"}},
		{"Quantity > 1", []string{"Quantity=1|2", "UnitPrice=0|0"}, []string{"false", "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			d, err := New(ctx, "out", tc.expr)
			require.NoError(t, err)
			defer d.Close()
			rec := record(mem, tc.in...)
			defer rec.Release()
			for range 2 { // the view is registered afresh for every batch
				r, err := p.Apply(transform.Input{Rec: rec})
				require.NoError(t, err)
				out := r.Record(mem)
				got, err := d.Apply(ctx, mem, out, r.Kinds)
				out.Release()
				require.NoError(t, err)
				var vals []string
				for i := range got.Len() {
					vals = append(vals, got.ValueStr(i))
				}
				got.Release()
				require.Equal(t, tc.want, vals)
			}
		})
	}
}

func TestDeriveErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	rec := record(mem, "a=1|2", "b=x|y")
	defer rec.Release()
	for _, expr := range []string{"nosuch + 1", "a * b", "a +"} {
		d, err := New(ctx, "out", expr)
		require.NoError(t, err)
		_, err = d.Apply(ctx, mem, rec, []transform.Kind{transform.KindText, transform.KindText})
		require.Error(t, err, expr)
		require.Contains(t, err.Error(), "derive out = "+expr)
		require.NoError(t, d.Close())
	}
	_, err := New(ctx, "", "1")
	require.Error(t, err)
}

// TestProgramDerive runs a derive step inside a transform program: it sees
// the columns as the earlier steps left them, and later steps see it.
func TestProgramDerive(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ev := NewEvaluator(context.Background(), mem)
	defer ev.Close()
	p, err := transform.Compile([]transform.Step{
		{Op: transform.OpRename, Field: "Quantity", To: "qty"},
		{Op: transform.OpCast, Field: "qty", Cast: transform.KindInteger},
		{Op: transform.OpCast, Field: "UnitPrice", Cast: transform.KindFloat},
		{Op: transform.OpDerive, Field: "lineItem_total", Expr: "round(qty * UnitPrice, 2)"},
		{Op: transform.OpCast, Field: "lineItem_total", Cast: transform.KindFloat},
		{Op: transform.OpDelete, Field: "UnitPrice"},
	}, transform.Codes{Cast: 1})
	require.NoError(t, err)
	rec := record(mem, "Quantity=6|12|x", "UnitPrice=2.55|0.85|1")
	defer rec.Release()
	_, err = p.Apply(transform.Input{Rec: rec})
	require.EqualError(t, err, "transforms[3] (derive): no evaluator for derived fields (see package transform/derive)")
	p.SetEvaluator(ev)
	for range 2 {
		r, err := p.Apply(transform.Input{Rec: rec})
		require.NoError(t, err)
		require.Equal(t, []string{"qty", "lineItem_total"}, r.Names)
		tot := r.Column(1)
		require.Equal(t, "15.3", string(tot.At(0)))
		require.Equal(t, "10.2", string(tot.At(1)))
		require.True(t, tot.IsNull(2), "x is not an integer: TRY_CAST gives NULL, and the cast issue rejects the row")
		require.Equal(t, []int32{2}, r.Issues.Row)
	}
}
