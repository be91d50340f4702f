package transform

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
)

// benchRecord is a raw batch of rows rows with one column per kernel's
// input: an integer-ish, a float, a bool, a timestamp in a custom pattern,
// a tier code, and a plain text column.
func benchRecord(rows int) (arrow.RecordBatch, map[string]int) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"qty", "price", "flag", "when", "tier", "name"}
	bs := make([]*array.StringBuilder, len(names))
	for i := range bs {
		bs[i] = array.NewStringBuilder(memory.DefaultAllocator)
	}
	bools := []string{"true", "no", "YES", "0"}
	size := map[string]int{}
	for i := range rows {
		vals := []string{
			strconv.Itoa(r.IntN(100)) + ".0",
			strconv.FormatFloat(r.Float64()*1000, 'f', 2, 64),
			bools[r.IntN(4)],
			fmt.Sprintf("%d/%d/%02d %d:%02d", 1+r.IntN(12), 1+r.IntN(28), r.IntN(30), r.IntN(24), r.IntN(60)),
			strconv.Itoa(1 + r.IntN(3)),
			fmt.Sprintf("customer %d", i),
		}
		for k, v := range vals {
			bs[k].Append(v)
			size[names[k]] += len(v)
		}
	}
	var arrs []arrow.Array
	for _, b := range bs {
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	for range 2 {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		for i := range rows {
			b.Append(int64(i))
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	return array.NewRecordBatch(columnar.RawSchema(names, nil), arrs, int64(rows)), size
}

var benchSteps = map[string][]Step{
	"rename":        {{Op: OpRename, Field: "name", To: "fullName"}},
	"copy":          {{Op: OpCopy, Field: "name", To: "alias"}},
	"copy+map":      {{Op: OpCopy, Field: "tier", To: "tierName", Map: strMap("1", "one", "2", "two")}},
	"new":           {{Op: OpNew, Field: "source", Value: Value{Text: "crm"}}},
	"delete":        {{Op: OpDelete, Field: "name"}},
	"map":           {{Op: OpMap, Field: "tier", Map: strMap("1", "gold", "2", "silver", "3", "bronze")}},
	"timestamp":     {{Op: OpTimestamp, Field: "when", Pattern: "M/d/yy H:mm"}},
	"cast-int":      {{Op: OpCast, Field: "qty", Cast: KindInteger}},
	"cast-float":    {{Op: OpCast, Field: "price", Cast: KindFloat}},
	"cast-bool":     {{Op: OpCast, Field: "flag", Cast: KindBool}},
	"fill":          {{Op: OpFill, Field: "name", Value: Value{Text: "unknown"}}},
	"check-numeric": {{Op: OpCheck, Field: "price", Check: AttrCheck{Type: AttrNumeric}}},
	"check-boolean": {{Op: OpCheck, Field: "flag", Check: AttrCheck{Type: AttrBoolean}, Mandatory: true}},
	"check-select":  {{Op: OpCheck, Field: "tier", Check: AttrCheck{Type: AttrSelect, Allowed: []string{"1", "2", "3"}}}},
	"mapping":       mustMapping(),
	"all": {
		{Op: OpRename, Field: "name", To: "fullName"},
		{Op: OpCopy, Field: "tier", To: "tierName", Map: strMap("1", "one", "2", "two")},
		{Op: OpNew, Field: "source", Value: Value{Text: "crm"}},
		{Op: OpTimestamp, Field: "when", Pattern: "M/d/yy H:mm"},
		{Op: OpCast, Field: "qty", Cast: KindInteger},
		{Op: OpCast, Field: "price", Cast: KindFloat},
		{Op: OpCast, Field: "flag", Cast: KindBool},
		{Op: OpDelete, Field: "tier"},
	},
}

var benchOrder = []string{"rename", "copy", "copy+map", "new", "delete", "map", "timestamp", "cast-int", "cast-float", "cast-bool",
	"fill", "check-numeric", "check-boolean", "check-select", "mapping", "all"}

// mustMapping is a customers mapping of every benchmark column: select,
// a value map, a fallback and each attribute's type check.
func mustMapping() []Step {
	steps, err := MappingSteps([]Attr{
		{Attribute: "quantity", Header: "qty", Type: AttrNumeric, Mandatory: true},
		{Attribute: "price", Header: "price", Type: AttrNumeric},
		{Attribute: "newsletter", Header: "flag", Type: AttrBoolean, Fallback: "false", HasFallback: true},
		{Attribute: "tier", Header: "tier", Type: AttrSelect, Allowed: []string{"gold", "silver", "bronze"},
			Values: strMap("1", "gold", "2", "silver", "3", "bronze")},
		{Attribute: "name", Header: "name"},
	})
	if err != nil {
		panic(err)
	}
	return steps
}

// stepBytes returns the bytes of the input columns the steps read.
func stepBytes(steps []Step, size map[string]int) int64 {
	n := 0
	for _, s := range steps {
		if s.Op == OpSelect {
			for _, f := range s.Fields {
				n += size[f]
			}
			continue
		}
		n += size[s.Field]
	}
	return int64(n)
}

// BenchmarkKernels applies each transform to batches of DefaultBatchRows
// rows; bytes are those of the columns the steps read (rename, copy and
// delete are resolved once per schema and cost nothing per batch). Steady
// state allocates nothing.
func BenchmarkKernels(b *testing.B) {
	rec, size := benchRecord(columnar.DefaultBatchRows)
	defer rec.Release()
	for _, name := range benchOrder {
		b.Run(fmt.Sprintf("%s/rows=%d", name, rec.NumRows()), func(b *testing.B) {
			p, err := Compile(benchSteps[name], testCodes)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Apply(Input{Rec: rec}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(stepBytes(benchSteps[name], size))
			for b.Loop() {
				if _, err := p.Apply(Input{Rec: rec}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*float64(rec.NumRows())/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRecord measures materialising a Result as an Arrow record,
// which allocates per column (never per row).
func BenchmarkRecord(b *testing.B) {
	rec, size := benchRecord(columnar.DefaultBatchRows)
	defer rec.Release()
	p, err := Compile(benchSteps["all"], testCodes)
	if err != nil {
		b.Fatal(err)
	}
	var pool columnar.PoolAllocator
	b.ReportAllocs()
	b.SetBytes(stepBytes(benchSteps["all"], size))
	for b.Loop() {
		r, err := p.Apply(Input{Rec: rec})
		if err != nil {
			b.Fatal(err)
		}
		r.Record(&pool).Release()
	}
	b.ReportMetric(float64(b.N)*float64(rec.NumRows())/b.Elapsed().Seconds(), "rows/s")
}

// TestZeroAllocs proves that every kernel, and a program of all of them,
// allocates nothing per batch once its buffers have grown.
func TestZeroAllocs(t *testing.T) {
	rec, _ := benchRecord(1024)
	defer rec.Release()
	for _, name := range benchOrder {
		p, err := Compile(benchSteps[name], testCodes)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Apply(Input{Rec: rec}); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := p.Apply(Input{Rec: rec}); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per batch, want 0", name, allocs)
		}
	}
}

// BenchmarkTypedMap applies a value map to a column read from JSON,
// whose keys match by type as well as text (the number 1 is not "1").
func BenchmarkTypedMap(b *testing.B) {
	rec, size := benchRecord(columnar.DefaultBatchRows)
	defer rec.Release()
	types := make([][]ValueType, rec.NumCols()-2)
	for i := range types {
		types[i] = make([]ValueType, rec.NumRows())
	}
	for r := range types[4] { // tier: every other value a number
		if r%2 == 0 {
			types[4][r] = TypeNumber
		}
	}
	steps := []Step{{Op: OpMap, Field: "tier", Map: &ValueMap{Entries: []MapEntry{
		{From: Value{Type: TypeNumber, Text: "1"}, To: Value{Text: "gold"}},
		{From: Value{Type: TypeString, Text: "2"}, To: Value{Text: "silver"}},
	}}}}
	p, err := Compile(steps, testCodes)
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Rec: rec, Types: types}
	if _, err := p.Apply(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size["tier"]))
	for b.Loop() {
		if _, err := p.Apply(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(rec.NumRows())/b.Elapsed().Seconds(), "rows/s")
}
