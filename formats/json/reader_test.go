package json

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
)

// issue is an issue with its row numbered across batches.
type issue struct {
	Row, Col int
	Code     columnar.Code
	Arg      int64
}

// result is everything a reader produced: each row rendered as
// "key=type:text ..." in column order (absent values left out), the rows'
// lines and offsets, the issues, the columns of the last batch and the
// error that ended the input.
type result struct {
	rows   []string
	lines  []int64
	offs   []int64
	issues []issue
	fields []string
	err    error
}

// read reads in with opt, wrapping the input with wrap.
func read(t testing.TB, in string, opt Options, wrap func(io.Reader) io.Reader) result {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opt.Allocator = mem
	r, err := NewReader(wrap(strings.NewReader(in)), "in.json", opt)
	if err != nil {
		return result{err: err}
	}
	defer r.Release()
	var res result
	base := 0
	for {
		b, err := r.ReadBatch()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				res.err = err
			}
			break
		}
		res.rows = append(res.rows, renderRows(t, b)...)
		res.lines = append(res.lines, b.Lines()...)
		res.offs = append(res.offs, b.Offsets()...)
		for k := range b.Issues.Len() {
			res.issues = append(res.issues, issue{int(b.Issues.Row[k]) + base, int(b.Issues.Col[k]), b.Issues.Code[k], b.Issues.Arg[k]})
		}
		res.fields = nil
		for i := range b.NumFields() {
			res.fields = append(res.fields, b.Rec.Schema().Field(i).Name)
		}
		base += b.Rows()
		b.Release()
	}
	return res
}

// renderRows renders the rows of a batch, checking that the types agree
// with the nulls.
func renderRows(t testing.TB, b *columnar.Batch) []string {
	t.Helper()
	require.Len(t, b.Types, b.NumFields())
	out := make([]string, b.Rows())
	for i := range b.Rows() {
		var parts []string
		for c := range b.NumFields() {
			f := b.Field(c)
			typ := b.Types[c].At(i)
			null := typ == columnar.TypeAbsent || typ == columnar.TypeNull
			if f.IsNull(i) != null && !(f.IsNull(i) && hasIssue(b, i, c, CodeFieldTooLong)) {
				t.Fatalf("row %d column %d: type %v but null=%v", i, c, typ, f.IsNull(i))
			}
			if typ == columnar.TypeAbsent {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s=%v:%s", b.Rec.Schema().Field(c).Name, typ, f.Value(i)))
		}
		out[i] = strings.Join(parts, " ")
	}
	return out
}

func hasIssue(b *columnar.Batch, row, col int, code columnar.Code) bool {
	for k := range b.Issues.Len() {
		if int(b.Issues.Row[k]) == row && int(b.Issues.Col[k]) == col && b.Issues.Code[k] == code {
			return true
		}
	}
	return false
}

// mark is a position marked in a test input: its byte offset, line and
// byte column in the input without the marks.
type mark struct {
	off       int64
	line, col int64
}

// unmark removes the marks from a test input: § before the first byte of
// each record, ∑ where the (first) problem is.
func unmark(in string) (clean string, recs []mark, errAt *mark) {
	var b strings.Builder
	line, lineStart := int64(1), 0
	for i, ch := range in {
		m := mark{int64(b.Len()), line, int64(b.Len()-lineStart) + 1}
		switch ch {
		case '§':
			recs = append(recs, m)
			continue
		case '∑':
			if errAt == nil {
				errAt = &m
			}
			continue
		}
		_, size := utf8.DecodeRuneInString(in[i:])
		b.WriteString(in[i : i+size]) // invalid bytes as they are
		if ch == '\n' {
			line++
			lineStart = b.Len()
		}
	}
	return b.String(), recs, errAt
}

// wraps are the ways of feeding an input: whole, and in pieces that make
// the reader refill at every possible place.
var wraps = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

// manyKeys returns n members "k0":0,"k1":1,...
func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	return strings.Join(parts, ",")
}

func syn(p Problem, found int, col int64) int64 { return SyntaxArg(p, found, col) }

func TestReader(t *testing.T) {
	const rowLevel = columnar.RowLevel
	tests := []struct {
		name string
		opt  Options
		// in marks each record's start with § and the problem with ∑.
		in     string
		rows   []string
		issues []issue // Arg 0 here means: the byte column of ∑
		fields []string
		// errIs, when set, is the cause of the error that ends the input,
		// which must be at ∑.
		errIs error
	}{{
		name: "lines",
		in:   "§{\"a\":1,\"b\":\"x\"}\n§{\"b\":\"y\", \"a\": 2}\r\n\n  \n§{}\n",
		rows: []string{"a=number:1 b=string:x", "a=number:2 b=string:y", ""},
	}, {
		name: "lines: no final newline, bom",
		in:   "\ufeff§{\"a\":true}\n§{\"a\":false}",
		rows: []string{"a=boolean:true", "a=boolean:false"},
	}, {
		name: "values keep their text and type",
		in:   "§{\"id\":12345678901234567890,\"f\":-0.50e+10,\"z\":0,\"s\":\"1\",\"n\":null,\"t\":true,\"o\":{ \"k\" : [ 1 , \"v\" , { } , [ ] ] },\"e\":[]}\n",
		rows: []string{`id=number:12345678901234567890 f=number:-0.50e+10 z=number:0 s=string:1 n=null: t=boolean:true o=object:{"k":[1,"v",{},[]]} e=array:[]`},
	}, {
		name: "escapes decoded at the top, kept when nested",
		in:   `§{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00","o":["\n\u00e9"]}`,
		rows: []string{"s=string:a\"b\\c/d\b\f\n\r\té€😀 o=array:[\"\\n\\u00e9\"]"},
	}, {
		name:   "duplicate key: the last wins",
		in:     `§{"a":1,"b":2,∑"a":"x"}`,
		rows:   []string{"a=string:x b=number:2"},
		issues: []issue{{0, 0, CodeDuplicateKey, 0}},
	}, {
		name:   "invalid UTF-8 replaced",
		in:     "§{\"a\":\"x∑\xffy\xfe\"}\n",
		rows:   []string{"a=string:x\uFFFDy\uFFFD"},
		issues: []issue{{0, 0, CodeInvalidUTF8, 0}},
	}, {
		name:   "lone surrogate replaced",
		in:     `§{"a":"x∑\ud800y"}`,
		rows:   []string{"a=string:x\uFFFDy"},
		issues: []issue{{0, 0, CodeLoneSurrogate, 0}},
	}, {
		name:   "lone surrogate in a nested string replaced by its escape",
		in:     `§{"a":["∑\udc00"]}`,
		rows:   []string{`a=array:["\ufffd"]`},
		issues: []issue{{0, 0, CodeLoneSurrogate, 0}},
	}, {
		name:   "bad line: missing colon; the others import",
		in:     "§{\"a\":1}\n§{\"a\" ∑1}\n§{\"a\":3}\n",
		rows:   []string{"a=number:1", "", "a=number:3"},
		issues: []issue{{1, rowLevel, CodeSyntax, syn(ProbColon, '1', 0)}},
	}, {
		name:   "bad line: trailing comma",
		in:     "§{\"a\":1,∑}\n",
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbKey, '}', 0)}},
	}, {
		name:   "bad line: unterminated string",
		in:     "§{\"a\":\"xyz∑\n§{\"a\":2}\n",
		rows:   []string{"", "a=number:2"},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbStringEnd, -1, 0)}},
	}, {
		name:   "bad line: bad escape",
		in:     `§{"a":"x\∑q"}`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbEscape, 'q', 0)}},
	}, {
		name:   "bad line: raw tab in a string",
		in:     "§{\"a\":\"x∑\ty\"}",
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbControl, '\t', 0)}},
	}, {
		name:   "bad line: leading zero",
		in:     `§{"a":0∑1}`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbCommaOrBrace, '1', 0)}},
	}, {
		name:   "bad line: number without digits",
		in:     `§{"a":-∑x}`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbDigit, 'x', 0)}},
	}, {
		name:   "bad line: bad literal",
		in:     `§{"a":tru∑x}`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbLiteral, 'x', 0)}},
	}, {
		name:   "bad line: text after the object",
		in:     `§{"a":1} ∑x`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbEndOfLine, 'x', 0)}},
	}, {
		name:   "bad line: not an object",
		opt:    Options{Shape: Lines},
		in:     "§∑[1,2]\n§{\"a\":1}",
		rows:   []string{"", "a=number:1"},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbObject, '[', 0)}},
	}, {
		name:   "bad line: single quotes",
		in:     `  §{∑'a':1}`,
		rows:   []string{""},
		issues: []issue{{0, rowLevel, CodeSyntax, syn(ProbKeyOrEnd, '\'', 0)}},
	}, {
		name:   "too deep",
		opt:    Options{MaxDepth: 3},
		in:     "§{\"a\":[[1]]}\n§{\"a\":[[∑[1]]]}\n",
		rows:   []string{"a=array:[[1]]", ""},
		issues: []issue{{1, rowLevel, CodeTooDeep, 0}},
	}, {
		name:   "field too long",
		opt:    Options{MaxFieldBytes: 4},
		in:     "§{\"a\":\"abcd\",\"b\":∑\"abcde\"}\n",
		rows:   []string{"a=string:abcd b=string:"},
		issues: []issue{{0, 1, CodeFieldTooLong, 0}},
	}, {
		name:   "record too long: skipped, the next line reads",
		opt:    Options{MaxRecordBytes: 20},
		in:     "§{\"a\":\"0123456789012345678901234567890123456789\"}\n§{\"a\":1}\n",
		rows:   []string{"", "a=number:1"},
		issues: []issue{{0, rowLevel, CodeRecordTooLong, 20}},
	}, {
		name:   "fixed fields: the rest gathered",
		opt:    Options{Fields: []string{"event", "id"}},
		in:     "§{\"event\":\"view\",\"x\":{\"p\": 1},\"id\":\"u1\",\"y\":[true]}\n§{\"id\":2}\n",
		rows:   []string{`event=string:view id=string:u1 _rest=object:{"x":{"p":1},"y":[true]}`, "id=number:2"},
		fields: []string{"event", "id", "_rest"},
	}, {
		name:   "fixed fields: a duplicate in the rest",
		opt:    Options{Fields: []string{"id"}},
		in:     `§{"x":1,"y":2,∑"x":"3"}`,
		rows:   []string{`_rest=object:{"y":2,"x":"3"}`},
		issues: []issue{{0, 1, CodeDuplicateKey, 0}},
	}, {
		name:   "fixed fields: a duplicate among many rest keys",
		opt:    Options{Fields: []string{"id"}},
		in:     "§{" + manyKeys(40) + `,∑"k3":"x"}`,
		rows:   []string{"_rest=object:{" + strings.Replace(manyKeys(40), `"k3":3,`, "", 1) + `,"k3":"x"}`},
		issues: []issue{{0, 1, CodeDuplicateKey, 0}},
	}, {
		name:   "discovered: provenance names go to the rest",
		in:     `§{"_line":1,"a":2}`,
		rows:   []string{`_rest=object:{"_line":1} a=number:2`},
		fields: []string{"_rest", "a"},
	}, {
		name:   "discovered: too many keys",
		opt:    Options{MaxColumns: 2},
		in:     `§{"a":1,"b":2,∑"c":3}`,
		rows:   []string{`a=number:1 b=number:2 _rest=object:{"c":3}`},
		issues: []issue{{0, rowLevel, CodeTooManyKeys, 0}},
	}, {
		name: "array",
		opt:  Options{Shape: Array},
		in:   "[\n  §{\"a\": 1},\n  §{\n    \"a\": \"x\"\n  }\n]\n",
		rows: []string{"a=number:1", "a=string:x"},
	}, {
		name: "array: empty",
		in:   " [ ] ",
	}, {
		name:  "array: missing comma fails the file at the spot",
		in:    "[§{\"a\":1},\n §{\"a\":2}\n ∑{\"a\":3}]",
		rows:  []string{"a=number:1", "a=number:2"},
		errIs: ErrSyntax,
	}, {
		name:  "array: trailing comma",
		in:    "[§{\"a\":1},∑]",
		rows:  []string{"a=number:1"},
		errIs: ErrSyntax,
	}, {
		name:   "array: an element not an object is a rejected record",
		in:     "[§{\"a\":1}, §∑[2, 3], §\"s\"]",
		rows:   []string{"a=number:1", "", ""},
		issues: []issue{{1, rowLevel, CodeSyntax, syn(ProbObject, '[', 0)}, {2, rowLevel, CodeSyntax, syn(ProbObject, '"', 19)}},
	}, {
		name:  "array: text after the end",
		in:    "[§{}] ∑x",
		rows:  []string{""},
		errIs: ErrSyntax,
	}, {
		name:  "array: unterminated",
		in:    "[§{\"a\":1}, §{\"a\":2}∑",
		rows:  []string{"a=number:1", "a=number:2"},
		errIs: ErrSyntax,
	}, {
		name:  "array: unterminated object",
		in:    "[§{\"a\":1}, {\"a\":∑",
		rows:  []string{"a=number:1"},
		errIs: ErrSyntax,
	}, {
		name:  "array: too deep fails",
		opt:   Options{Shape: Array, MaxDepth: 2},
		in:    "[§{\"a\":[1]}, {\"a\":[∑[1]]}]",
		rows:  []string{"a=array:[1]"},
		errIs: ErrTooDeep,
	}, {
		name:  "array: not an array",
		opt:   Options{Shape: Array},
		in:    " ∑{}",
		errIs: ErrSyntax,
	}, {
		name: "objects: pretty-printed documents",
		in:   "§{\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}\n§{\"a\": 3}\n",
		rows: []string{`a=number:1 b=object:{"c":2}`, "a=number:3"},
	}, {
		name:  "objects: syntax error fails the file",
		in:    "{\n  \"a\": 1\n  ∑\"b\": 2\n}\n",
		errIs: ErrSyntax,
	}, {
		name:  "not JSON",
		in:    "∑a,b\n1,2\n",
		errIs: ErrNotJSON,
	}}
	for _, tt := range tests {
		in, recs, errAt := unmark(tt.in)
		var wantLines, wantOffs []int64
		for _, m := range recs {
			wantLines = append(wantLines, m.line)
			wantOffs = append(wantOffs, m.off)
		}
		wantIssues := slices.Clone(tt.issues)
		for i := range wantIssues {
			switch is := &wantIssues[i]; {
			case is.Code == CodeSyntax:
				if p, found, col := UnpackSyntaxArg(is.Arg); col == 0 {
					is.Arg = SyntaxArg(p, found, errAt.col)
				}
			case is.Arg == 0:
				is.Arg = errAt.col
			}
		}
		for _, w := range wraps {
			for _, rows := range []int{0, 1, 2} {
				t.Run(fmt.Sprintf("%s/%s/rows=%d", tt.name, w.name, rows), func(t *testing.T) {
					opt := tt.opt
					opt.BatchRows = rows
					got := read(t, in, opt, w.wrap)
					if tt.errIs != nil {
						require.ErrorIs(t, got.err, tt.errIs)
						var pe *ParseError
						require.ErrorAs(t, got.err, &pe)
						require.Equal(t, "in.json", pe.Source)
						require.Equal(t, [3]int64{errAt.line, errAt.col, errAt.off}, [3]int64{pe.Line, pe.Column, pe.Offset}, "error position: %v", got.err)
					} else {
						require.NoError(t, got.err)
					}
					require.Equal(t, tt.rows, got.rows)
					require.Equal(t, wantLines, got.lines, "lines")
					require.Equal(t, wantOffs, got.offs, "offsets")
					require.Equal(t, wantIssues, got.issues)
					if tt.fields != nil {
						require.Equal(t, tt.fields, got.fields)
					}
				})
			}
		}
	}
}
