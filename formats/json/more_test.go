package json

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Shape
	}{
		{`[{"a":1}]`, Array},
		{"\ufeff \n [", Array},
		{`[{"a":1} {"a":2}]`, Array}, // the reader reports the missing comma
		{"{\"a\":1}\n{\"a\":2}\n", Lines},
		{`{"a":"` + strings.Repeat("x", 2000), Lines}, // a first line longer than the prefix
		{"{\"a\" 1}\n{\"a\":2}\n", Lines},             // a bad first line: the reader reports it
		{"{\n  \"a\": 1\n}\n", Objects},
		{"\n\n{\"a\":1}\n{\"a\":2}\n", Lines},         // blank lines first
		{"{\n  \"order\": {\n    \"id\": 1", Objects}, // cut by the prefix
		{"", NotJSON},
		{"  \n", NotJSON},
		{"id,name\n1,x\n", NotJSON},
		{`"just a string"`, NotJSON},
	}
	for _, tt := range tests {
		in := tt.in[:min(len(tt.in), 1024)]
		require.Equal(t, tt.want, Sniff([]byte(in)), "%q", in)
	}
}

// A key first seen in a later batch becomes a new column at the end; the
// earlier batches do not have it, rows before its first appearance hold
// null, and the other columns keep their index.
func TestDiscoveredColumnsGrow(t *testing.T) {
	in := "{\"a\":1}\n{\"a\":2,\"b\":\"x\"}\n{\"c\":true}\n{\"b\":\"y\",\"a\":3}\n"
	r, err := NewReader(strings.NewReader(in), "grow.jsonl", Options{BatchRows: 1})
	require.NoError(t, err)
	var fields [][]string
	for {
		b, err := r.ReadBatch()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		var names []string
		for i := range b.NumFields() {
			names = append(names, b.Rec.Schema().Field(i).Name)
		}
		fields = append(fields, names)
		b.Release()
	}
	require.Equal(t, [][]string{{"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b", "c"}}, fields)
	require.Equal(t, []string{"a", "b", "c"}, r.Fields())
	require.Equal(t, 5, r.Schema().NumFields())

	// Within a batch, the rows before a key's first appearance are null.
	r, err = NewReader(strings.NewReader(in), "grow.jsonl", Options{})
	require.NoError(t, err)
	b, err := r.ReadBatch()
	require.NoError(t, err)
	defer b.Release()
	require.Equal(t, []string{"a=number:1", "a=number:2 b=string:x", "c=boolean:true", "a=number:3 b=string:y"}, renderRows(t, b))
	require.Equal(t, 3, b.Field(2).NullN())
}

// A column whose values all have one type carries that type only; the
// others a type per row.
func TestValueTypesRepresentation(t *testing.T) {
	in := "{\"s\":\"a\",\"m\":1}\n{\"s\":\"b\",\"m\":\"1\"}\n{\"s\":\"c\"}\n"
	r, err := NewReader(strings.NewReader(in), "t.jsonl", Options{})
	require.NoError(t, err)
	b, err := r.ReadBatch()
	require.NoError(t, err)
	defer b.Release()
	require.Equal(t, columnar.ValueTypes{Uniform: columnar.TypeString}, b.Types[0])
	require.Equal(t, []columnar.ValueType{columnar.TypeNumber, columnar.TypeString, columnar.TypeAbsent}, b.Types[1].Row)
	// The number 1 and the string "1" have the same text and differ by type.
	require.Equal(t, b.Field(1).Value(0), b.Field(1).Value(1))
	require.NotEqual(t, b.Types[1].At(0), b.Types[1].At(1))
}

// chunkReader returns at most n bytes a read, like a network stream.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// An over-long JSON line is skipped with an issue in bounded memory; the
// next line reads.
func TestLongLineSkipped(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 8<<20) + "\"}\n"
	in := "{\"a\":1}\n" + long + "{\"a\":2}\n"
	r, err := NewReader(chunkReader{strings.NewReader(in), 4096}, "long.jsonl", Options{MaxRecordBytes: 64 << 10})
	require.NoError(t, err)
	b, err := r.ReadBatch()
	require.NoError(t, err)
	defer b.Release()
	require.Equal(t, []string{"a=number:1", "", "a=number:2"}, renderRows(t, b))
	require.Equal(t, []int64{1, 2, 3}, b.Lines())
	require.Equal(t, []int64{0, 8, int64(8 + len(long))}, b.Offsets())
	require.Equal(t, columnar.Issues{Row: []int32{1}, Col: []int32{columnar.RowLevel}, Code: []columnar.Code{CodeRecordTooLong}, Arg: []int64{64 << 10}}, b.Issues)
	require.LessOrEqual(t, len(r.buf), readChunk, "the buffer stays at most the read chunk (the record limit is below it)")
}

// In an array, an over-long record fails the input, naming where it
// starts.
func TestArrayRecordTooLong(t *testing.T) {
	in := "[{\"a\":1},\n {\"a\":\"" + strings.Repeat("x", 100000) + "\"}]"
	res := read(t, in, Options{MaxRecordBytes: 1000}, iotest.HalfReader)
	require.ErrorIs(t, res.err, ErrTooLong)
	var pe *ParseError
	require.ErrorAs(t, res.err, &pe)
	require.Equal(t, [3]int64{2, 2, 11}, [3]int64{pe.Line, pe.Column, pe.Offset})
	require.Equal(t, []string{"a=number:1"}, res.rows)
}

// Reading allocates per batch, never per record.
func TestNoAllocationPerRecord(t *testing.T) {
	in := genLines(20000, appendEvent)
	mem := &columnar.PoolAllocator{}
	readAll := func() {
		r, err := NewReader(bytes.NewReader(in), "events.jsonl", Options{Allocator: mem})
		require.NoError(t, err)
		for {
			b, err := r.ReadBatch()
			if err == io.EOF {
				return
			}
			require.NoError(t, err)
			b.Release()
		}
	}
	allocs := testing.AllocsPerRun(3, readAll)
	require.Less(t, allocs/20000, 0.05, "%.0f allocations for 20,000 records", allocs)
}

func TestRecordReaderInterface(t *testing.T) {
	r, err := NewReader(strings.NewReader("[{\"a\":1}\n{\"a\":2}]"), "ce.json", Options{BatchRows: 1})
	require.NoError(t, err)
	defer r.Release()
	n := 0
	for r.Next() {
		n += int(r.RecordBatch().NumRows())
		require.Equal(t, r.Batch().Rec, r.RecordBatch())
	}
	require.Equal(t, 1, n)
	require.EqualError(t, r.Err(), "ce.json: line 2, column 1 (byte 9): JSON syntax error: expected ',' or ']' after an array element, found '{'")
	require.Equal(t, Array, r.Shape())
}

func TestOptionsValidate(t *testing.T) {
	for _, tt := range []struct {
		opt  Options
		want string
	}{
		{Options{Shape: NotJSON}, "json.Options.Shape"},
		{Options{BatchRows: -1}, "json.Options.BatchRows"},
		{Options{MaxDepth: -1}, "json.Options.MaxDepth"},
		{Options{RestColumn: "_line"}, "json.Options.RestColumn"},
		{Options{Fields: []string{"a", "_rest"}}, "json.Options.Fields[1]"},
		{Options{Fields: []string{"a", "b", "a"}}, "json.Options.Fields: 0 and 2"},
	} {
		err := tt.opt.Validate()
		require.ErrorContains(t, err, tt.want)
		_, err = NewReader(strings.NewReader("{}"), "x", tt.opt)
		require.ErrorContains(t, err, tt.want)
	}
	require.NoError(t, Options{Fields: []string{"event", "id"}}.Validate())
}

func TestMessages(t *testing.T) {
	infos := CodeInfos()
	require.Len(t, infos, int(codeEnd-CodeSyntax))
	names := map[string]bool{}
	for _, info := range infos {
		require.NotEmpty(t, info.Hint)
		require.False(t, names[info.Name], "name %s twice", info.Name)
		names[info.Name] = true
		require.NotContains(t, Message(info.Code, 7), "code_")
	}
	require.Equal(t, `column 12: expected ':' after the key, found '1'`, Message(CodeSyntax, SyntaxArg(ProbColon, '1', 12)))
	require.Equal(t, `column 3: expected '"' closing the string, found the end of the line`, Message(CodeSyntax, SyntaxArg(ProbStringEnd, -1, 3)))
	require.Equal(t, `column 1: expected an object ('{'), found byte 0xFF`, Message(CodeSyntax, SyntaxArg(ProbObject, 0xff, 1)))
	p, found, col := UnpackSyntaxArg(SyntaxArg(ProbDepth, 255, 1<<31))
	require.Equal(t, []int64{int64(ProbDepth), 255, 1 << 31}, []int64{int64(p), int64(found), col})
}

// peakAllocator tracks the most memory outstanding at once.
type peakAllocator struct {
	memory.Allocator
	cur, peak int
}

func (p *peakAllocator) Allocate(n int) []byte {
	p.cur += n
	p.peak = max(p.peak, p.cur)
	return p.Allocator.Allocate(n)
}

func (p *peakAllocator) Reallocate(n int, b []byte) []byte {
	p.cur += n - len(b)
	p.peak = max(p.peak, p.cur)
	return p.Allocator.Reallocate(n, b)
}

func (p *peakAllocator) Free(b []byte) {
	p.cur -= len(b)
	p.Allocator.Free(b)
}

// A hostile record with 30,000 distinct keys: 10,000 columns, the rest in
// the rest column, and batch buffers that stay bounded.
func TestWideRecordsBounded(t *testing.T) {
	var b strings.Builder
	for rec := range 3 {
		b.WriteByte('{')
		for k := range 30000 {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d_%d":%d`, rec%2, k, k)
		}
		b.WriteString("}\n")
	}
	mem := &peakAllocator{Allocator: memory.NewGoAllocator()}
	r, err := NewReader(strings.NewReader(b.String()), "wide.jsonl", Options{Allocator: mem})
	require.NoError(t, err)
	rows := 0
	for {
		bt, err := r.ReadBatch()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		rows += bt.Rows()
		require.Equal(t, 10001, bt.NumFields())
		bt.Release()
	}
	require.Equal(t, 3, rows)
	require.Less(t, mem.peak, 256<<20, "peak %d MiB", mem.peak>>20)
	t.Logf("peak %d MiB for %d MB of input", mem.peak>>20, b.Len()/1e6)
}
