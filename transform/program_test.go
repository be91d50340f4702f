package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

const (
	codeCast columnar.Code = 41
	codeTS   columnar.Code = 42
)

var testCodes = Codes{Cast: codeCast, Timestamp: codeTS}

// rawRecord builds a raw batch: string columns from cols ("name=v1|v2|…",
// a value of \N is a null), then the provenance columns.
func rawRecord(mem memory.Allocator, cols ...string) arrow.RecordBatch {
	var names []string
	var arrs []arrow.Array
	n := 0
	for _, c := range cols {
		name, vals, _ := strings.Cut(c, "=")
		names = append(names, name)
		b := array.NewStringBuilder(mem)
		for _, v := range strings.Split(vals, "|") {
			if v == `\N` {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		a := b.NewArray()
		b.Release()
		n = a.Len()
		arrs = append(arrs, a)
	}
	for range 2 {
		b := array.NewInt64Builder(mem)
		for i := range n {
			b.Append(int64(i + 2))
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

// dump renders a result as "name:kind=v1|v2" per column, nulls as \N, and
// its issues as "row/col/code/arg".
func dump(r *Result) (cols []string, issues []string) {
	for i := range r.Len() {
		c := r.Column(i)
		var vals []string
		for j := range c.Len() {
			v := string(c.At(j))
			if c.IsNull(j) {
				v = `\N`
			}
			if c.Types != nil {
				v += ":" + c.Type(j).String()
			}
			vals = append(vals, v)
		}
		cols = append(cols, fmt.Sprintf("%s:%s=%s", r.Names[i], r.Kinds[i], strings.Join(vals, "|")))
	}
	for k := range r.Issues.Len() {
		issues = append(issues, fmt.Sprintf("%d/%d/%d/%d", r.Issues.Row[k], r.Issues.Col[k], r.Issues.Code[k], r.Issues.Arg[k]))
	}
	return cols, issues
}

func strMap(kv ...string) *ValueMap {
	m := &ValueMap{}
	for i := 0; i < len(kv); i += 2 {
		m.Entries = append(m.Entries, MapEntry{From: Value{Text: kv[i]}, To: Value{Text: kv[i+1]}})
	}
	return m
}

func TestProgram(t *testing.T) {
	tests := []struct {
		name   string
		in     []string
		types  [][]ValueType
		steps  []Step
		want   []string
		issues []string
	}{
		{
			name:  "rename",
			in:    []string{"a=1|2", "b=x|y"},
			steps: []Step{{Op: OpRename, Field: "a", To: "id"}},
			want:  []string{"id:string=1|2", "b:string=x|y"},
		},
		{
			name:  "copy",
			in:    []string{"a=1|2"},
			steps: []Step{{Op: OpCopy, Field: "a", To: "c"}},
			want:  []string{"a:string=1|2", "c:string=1|2"},
		},
		{
			name:  "copy with map",
			in:    []string{"tier=1|2|3|"},
			steps: []Step{{Op: OpCopy, Field: "tier", To: "tierName", Map: strMap("1", "one", "2", "two")}},
			want:  []string{"tier:string=1|2|3|", "tierName:string=one|two|3|"},
		},
		{
			name:  "new",
			in:    []string{"a=1|2|3"},
			steps: []Step{{Op: OpNew, Field: "source", Value: Value{Text: "crm"}}},
			want:  []string{"a:string=1|2|3", "source:string=crm|crm|crm"},
		},
		{
			name:  "new empty",
			in:    []string{"a=1|2"},
			steps: []Step{{Op: OpNew, Field: "note", Value: Value{}}},
			want:  []string{"a:string=1|2", "note:string=|"},
		},
		{
			name:  "delete",
			in:    []string{"a=1", "legacy_id=9", "b=2"},
			steps: []Step{{Op: OpDelete, Field: "legacy_id"}},
			want:  []string{"a:string=1", "b:string=2"},
		},
		{
			name:  "map in place",
			in:    []string{"s=G|S|B|g"},
			steps: []Step{{Op: OpMap, Field: "s", Map: strMap("G", "gold", "S", "silver")}},
			want:  []string{"s:string=gold|silver|B|g"},
		},
		{
			name:   "timestamp",
			in:     []string{"signup=2026/04/07 14:30|2026/4/7 9:05||7.4.2026"},
			steps:  []Step{{Op: OpTimestamp, Field: "signup", Pattern: "yyyy/MM/dd HH:mm"}},
			want:   []string{"signup:timestamp=2026-04-07T14:30:00Z|2026-04-07T09:05:00Z||7.4.2026"},
			issues: []string{"3/0/42/2"},
		},
		{
			name:   "cast integer",
			in:     []string{"n=12|12.0| 12 |-3|12.5|1e3|x|"},
			steps:  []Step{{Op: OpCast, Field: "n", Cast: KindInteger}},
			want:   []string{"n:integer=12|12|12|-3|12.5|1e3|x|"},
			issues: []string{"4/0/41/1", "5/0/41/1", "6/0/41/1"},
		},
		{
			name:   "cast float",
			in:     []string{"f=1.5|1e3| 2 |-0.25|1,5|abc|1e400"},
			steps:  []Step{{Op: OpCast, Field: "f", Cast: KindFloat}},
			want:   []string{"f:float=1.5|1000|2|-0.25|1,5|abc|1e400"},
			issues: []string{"4/0/41/2", "5/0/41/2", "6/0/41/2"},
		},
		{
			name:   "cast bool",
			in:     []string{"b=true|FALSE|Yes|no|1|0| TRUE |y|2"},
			steps:  []Step{{Op: OpCast, Field: "b", Cast: KindBool}},
			want:   []string{"b:bool=true|false|true|false|true|false|true|y|2"},
			issues: []string{"7/0/41/3", "8/0/41/3"},
		},
		{
			name:  "cast string",
			in:    []string{"s= a |b"},
			steps: []Step{{Op: OpCast, Field: "s", Cast: KindText}},
			want:  []string{"s:string= a |b"},
		},
		{
			name: "steps in order, issues on the final column",
			in:   []string{"legacy=1|2", "number_of_orders=3|x", "when=2026-04-07|bad"},
			steps: []Step{
				{Op: OpRename, Field: "number_of_orders", To: "completedOrders"},
				{Op: OpCast, Field: "completedOrders", Cast: KindInteger},
				{Op: OpTimestamp, Field: "when", Pattern: "yyyy-MM-dd"},
				{Op: OpDelete, Field: "legacy"},
				{Op: OpRename, Field: "when", To: "joined"},
			},
			want:   []string{"completedOrders:integer=3|x", "joined:timestamp=2026-04-07T00:00:00Z|bad"},
			issues: []string{"1/0/41/1", "1/1/42/1"},
		},
		{
			name:   "issue on a deleted field is row-level",
			in:     []string{"a=x"},
			steps:  []Step{{Op: OpCast, Field: "a", Cast: KindFloat}, {Op: OpDelete, Field: "a"}},
			want:   nil,
			issues: []string{"0/-1/41/2"},
		},
		{
			name:  "nulls pass",
			in:    []string{`a=\N|1`},
			steps: []Step{{Op: OpCast, Field: "a", Cast: KindInteger}, {Op: OpCopy, Field: "a", To: "b", Map: strMap("1", "one")}},
			want:  []string{`a:integer=\N|1`, `b:string=\N|one`},
		},
		{
			name:  "typed map: the number 1 does not match the text 1",
			in:    []string{`v=1|1|true|x|\N`},
			types: [][]ValueType{{TypeNumber, TypeString, TypeBool, TypeString, TypeNull}},
			steps: []Step{{Op: OpMap, Field: "v", Map: &ValueMap{Entries: []MapEntry{
				{From: Value{Type: TypeNumber, Text: "1"}, To: Value{Text: "one (number)"}},
				{From: Value{Type: TypeBool, Text: "true"}, To: Value{Type: TypeNumber, Text: "1"}},
				{From: Value{Type: TypeNull}, To: Value{Text: "none"}},
			}}}},
			want: []string{`v:string=one (number):string|1:string|1:number|x:string|none:string`},
		},
		{
			name:  "untyped map: a string key wins over a number key of the same text",
			in:    []string{"v=1|2"},
			steps: []Step{{Op: OpMap, Field: "v", Map: &ValueMap{Entries: []MapEntry{{From: Value{Type: TypeNumber, Text: "1"}, To: Value{Text: "num"}}, {From: Value{Text: "1"}, To: Value{Text: "str"}}, {From: Value{Type: TypeNumber, Text: "2"}, To: Value{Type: TypeNull}}}}}},
			want:  []string{`v:string=str|\N`},
		},
		{
			name:   "typed cast",
			in:     []string{`n=1.0|"x"|true|\N|12`},
			types:  [][]ValueType{{TypeNumber, TypeString, TypeBool, TypeNull, TypeString}},
			steps:  []Step{{Op: OpCast, Field: "n", Cast: KindInteger}},
			want:   []string{`n:integer=1:number|"x":string|true:bool|\N:null|12:number`},
			issues: []string{"1/0/41/1", "2/0/41/1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			p, err := Compile(tc.steps, testCodes)
			require.NoError(t, err)
			rec := rawRecord(mem, tc.in...)
			defer rec.Release()
			// Twice into the same program: the second run reuses the
			// buffers and must give the same answer.
			for range 2 {
				r, err := p.Apply(Input{Rec: rec, Types: tc.types})
				require.NoError(t, err)
				cols, issues := dump(r)
				require.Equal(t, tc.want, cols)
				require.Equal(t, tc.issues, issues)
				out := r.Record(mem)
				require.Equal(t, int64(len(tc.want)+2), out.NumCols())
				require.Equal(t, columnar.LineColumn, out.Schema().Field(len(tc.want)).Name)
				for i := range tc.want {
					a := out.Column(i).(*array.String)
					for j := range a.Len() {
						require.Equal(t, string(r.Column(i).At(j)), a.Value(j))
						require.Equal(t, r.Column(i).IsNull(j), a.IsNull(j))
					}
				}
				out.Release()
			}
		})
	}
}

// TestProgramSchemaErrors checks that steps naming fields the batch lacks,
// or creating fields it has, fail with the step's index and the fields.
func TestProgramSchemaErrors(t *testing.T) {
	tests := []struct {
		steps []Step
		want  string
	}{
		{[]Step{{Op: OpRename, Field: "x", To: "y"}}, `transforms[0] (rename): no field "x"; the fields at this step are: a, b`},
		{[]Step{{Op: OpDelete, Field: "a"}, {Op: OpCast, Field: "a", Cast: KindBool}}, `transforms[1] (cast): no field "a"; the fields at this step are: b`},
		{[]Step{{Op: OpRename, Field: "a", To: "b"}}, `transforms[0] (rename): field "b" already exists; delete it first`},
		{[]Step{{Op: OpCopy, Field: "a", To: "b"}}, `transforms[0] (copy): field "b" already exists; delete it first`},
		{[]Step{{Op: OpNew, Field: "a"}}, `transforms[0] (new): field "a" already exists; use map, or delete it first`},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := rawRecord(mem, "a=1", "b=2")
	defer rec.Release()
	for _, tc := range tests {
		p, err := Compile(tc.steps, testCodes)
		require.NoError(t, err)
		_, err = p.Apply(Input{Rec: rec})
		require.EqualError(t, err, tc.want)
		var se *StepError
		require.ErrorAs(t, err, &se)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		step Step
		want string
	}{
		{Step{Op: OpRename, Field: "a"}, "transforms[0] (rename): no target field (to)"},
		{Step{Op: OpMap, Field: "a"}, "transforms[0] (map): no values to map"},
		{Step{Op: OpMap, Field: "a", Map: strMap("1", "x", "1", "y")}, `transforms[0] (map): the key "1" appears twice`},
		{Step{Op: OpTimestamp, Field: "a", Pattern: "YYYY"}, `transforms[0] (timestamp): pattern "YYYY", column 1: Y is the week-based year; write y for the calendar year`},
		{Step{Op: OpCast, Field: "a", Cast: KindTimestamp}, "transforms[0] (cast): cannot cast to timestamp"},
		{Step{Op: OpCast}, "transforms[0] (cast): no field"},
	}
	for _, tc := range tests {
		_, err := Compile([]Step{tc.step}, testCodes)
		require.EqualError(t, err, tc.want)
	}
}

// TestProgramRebind checks that a program follows a change of columns
// between batches (another file of the same import).
func TestProgramRebind(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p, err := Compile([]Step{{Op: OpRename, Field: "a", To: "z"}}, testCodes)
	require.NoError(t, err)
	r1 := rawRecord(mem, "a=1", "b=2")
	defer r1.Release()
	r2 := rawRecord(mem, "b=3", "a=4")
	defer r2.Release()
	res, err := p.Apply(Input{Rec: r1})
	require.NoError(t, err)
	cols, _ := dump(res)
	require.Equal(t, []string{"z:string=1", "b:string=2"}, cols)
	res, err = p.Apply(Input{Rec: r2})
	require.NoError(t, err)
	cols, _ = dump(res)
	require.Equal(t, []string{"b:string=3", "z:string=4"}, cols)
}

func TestCastKind(t *testing.T) {
	for s, want := range map[string]Kind{"string": KindText, "integer": KindInteger, "int": KindInteger,
		"float": KindFloat, "double": KindFloat, "bool": KindBool, "Boolean": KindBool} {
		k, ok := CastKind(s)
		require.True(t, ok, s)
		require.Equal(t, want, k, s)
	}
	_, ok := CastKind("date")
	require.False(t, ok)
}
