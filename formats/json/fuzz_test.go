package json

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

var fuzzSeeds = []string{
	`{"a":1,"b":"x","c":[1,{"d":null}],"e":true}`,
	`{"id":12345678901234567890,"s":"\u00e9\ud83d\ude00\n","n":-0.5e-3}`,
	`{"a":1,"a":2}`,
	"{\"a\":\"\xff\"}",
	`{"a":"\ud800"}`,
	`{"_line":1,"_rest":2}`,
	`{"a" 1}`,
	`[1,2]`,
	`{"a":[[[[]]]],"b":{}}`,
	`{"a":01}`,
}

// rowValue rebuilds row i of a batch as encoding/json would decode the
// record (numbers as json.Number), merging the rest column back in.
func rowValue(t *testing.T, b *columnar.Batch, i int, rest string) map[string]any {
	t.Helper()
	m := map[string]any{}
	for c := range b.NumFields() {
		name := b.Rec.Schema().Field(c).Name
		text := b.Field(c).Value(i)
		var v any
		switch b.Types[c].At(i) {
		case columnar.TypeAbsent:
			continue
		case columnar.TypeNull:
			v = nil
		case columnar.TypeBool:
			v = text == "true"
		case columnar.TypeNumber:
			v = stdjson.Number(text)
		case columnar.TypeString:
			v = text
		case columnar.TypeObject, columnar.TypeArray:
			v = decodeStd(t, []byte(text))
		}
		if name == rest {
			for k, x := range v.(map[string]any) {
				m[k] = x
			}
			continue
		}
		m[name] = v
	}
	return m
}

func decodeStd(t *testing.T, b []byte) any {
	t.Helper()
	d := stdjson.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v), "%q", b)
	return v
}

// depth returns how deeply the JSON text b nests (strings skipped).
func depth(b []byte) int {
	d, most := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			d++
			most = max(most, d)
		case '}', ']':
			d--
		}
	}
	return most
}

// batches reads in and returns its batches (the caller releases them) and
// the error that ended it.
func batches(t *testing.T, in []byte, opt Options) ([]*columnar.Batch, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in), "fuzz", opt)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	var out []*columnar.Batch
	for {
		b, err := r.ReadBatch()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
}

// rowsOf flattens batches into (batch, row) pairs with the issue codes of
// each row.
type rowRef struct {
	b     *columnar.Batch
	i     int
	codes []columnar.Code
}

func rowsOf(bs []*columnar.Batch) []rowRef {
	var out []rowRef
	for _, b := range bs {
		start := len(out)
		for i := range b.Rows() {
			out = append(out, rowRef{b: b, i: i})
		}
		for k := range b.Issues.Len() {
			ref := &out[start+int(b.Issues.Row[k])]
			ref.codes = append(ref.codes, b.Issues.Code[k])
		}
	}
	return out
}

func (r rowRef) rejected() bool {
	for _, c := range r.codes {
		if c == CodeSyntax || c == CodeTooDeep {
			return true
		}
	}
	return false
}

// FuzzJSONLines checks the JSON Lines reader against encoding/json: a line
// is accepted exactly when encoding/json finds it a valid object (within
// the depth limit), and then the values are the same.
func FuzzJSONLines(f *testing.F) {
	f.Add([]byte(strings.Join(fuzzSeeds, "\n")))
	for _, s := range fuzzSeeds {
		f.Add([]byte(s + "\r\n\n"))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bs, err := batches(t, in, Options{Shape: Lines, BatchRows: 3, Allocator: mem})
		defer func() {
			for _, b := range bs {
				b.Release()
			}
		}()
		require.NoError(t, err)
		rows := rowsOf(bs)
		k := 0
		for line := range bytes.SplitSeq(in, []byte{'\n'}) {
			if len(bytes.Trim(line, " \t\r")) == 0 {
				continue
			}
			require.Less(t, k, len(rows), "a row per non-blank line")
			row := rows[k]
			k++
			trimmed := bytes.TrimLeft(line, " \t\r")
			want := stdjson.Valid(line) && trimmed[0] == '{' && depth(line) <= 1000
			require.Equal(t, want, !row.rejected(), "line %q: issues %v", line, row.codes)
			if want {
				require.Equal(t, decodeStd(t, line), any(rowValue(t, row.b, row.i, "_rest")), "line %q", line)
			}
		}
		require.Equal(t, len(rows), k, "no row without a line")
		sameInPieces(t, in, Options{Shape: Lines})
	})
}

// sameInPieces checks that reading in one byte at a time, a row a batch,
// gives what reading whole does: the paths that undo a record cut by the
// buffer and parse it again are exact.
func sameInPieces(t *testing.T, in []byte, opt Options) {
	t.Helper()
	whole := read(t, string(in), opt, func(r io.Reader) io.Reader { return r })
	opt.BatchRows = 1
	pieces := read(t, string(in), opt, iotest.OneByteReader)
	require.Equal(t, whole.rows, pieces.rows)
	require.Equal(t, whole.lines, pieces.lines)
	require.Equal(t, whole.offs, pieces.offs)
	require.Equal(t, whole.issues, pieces.issues)
	require.Equal(t, fmt.Sprint(whole.err), fmt.Sprint(pieces.err))
}

// FuzzJSONArray checks the array reader against encoding/json: the input
// is accepted exactly when encoding/json finds it a valid array (within
// the depth limit), and then each object element is the same and each
// other element a rejected record.
func FuzzJSONArray(f *testing.F) {
	f.Add([]byte("[" + strings.Join(fuzzSeeds[:6], ",\n") + "]"))
	f.Add([]byte(`[{"a":1} {"a":2}]`))
	f.Add([]byte(`[{"a":1},]`))
	f.Add([]byte("\ufeff[]"))
	f.Add([]byte(`[1, "x", {"a":[]}] `))
	f.Fuzz(func(t *testing.T, in []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bs, err := batches(t, in, Options{Shape: Array, BatchRows: 2, Allocator: mem})
		defer func() {
			for _, b := range bs {
				b.Release()
			}
		}()
		sameInPieces(t, in, Options{Shape: Array})
		doc := bytes.TrimPrefix(in, bom)
		trimmed := bytes.TrimLeft(doc, " \t\r\n")
		want := stdjson.Valid(doc) && trimmed[0] == '[' && depth(doc) <= 1001
		if !want {
			var pe *ParseError
			require.ErrorAs(t, err, &pe, "input %q", in)
			require.Positive(t, pe.Line)
			return
		}
		require.NoError(t, err, "input %q", in)
		elems := decodeStd(t, doc).([]any)
		rows := rowsOf(bs)
		require.Len(t, rows, len(elems))
		for i, e := range elems {
			if _, ok := e.(map[string]any); !ok {
				require.True(t, rows[i].rejected(), "element %d is not an object", i)
				continue
			}
			require.False(t, rows[i].rejected(), "element %d: %v", i, rows[i].codes)
			require.Equal(t, e, any(rowValue(t, rows[i].b, rows[i].i, "_rest")))
		}
	})
}
