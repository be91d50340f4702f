package csv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/formats/parse"
	"ingot/issue"
)

// wantIssue is an expected issue: row (0-based data row), column, code, arg.
type wantIssue struct {
	Row, Col int
	Code     columnar.Code
	Arg      int64
}

// readAll reads every batch of a CSV input and returns the rows as
// strings, their lines and offsets, and the issues with rows renumbered
// across batches.
func readAll(t testing.TB, r *Reader) (rows [][]string, lines, offs []int64, issues []wantIssue, err error) {
	t.Helper()
	base := 0
	for {
		b, e := r.ReadBatch()
		if e != nil {
			if !errors.Is(e, io.EOF) {
				err = e
			}
			return
		}
		n := b.Rows()
		for i := range n {
			row := make([]string, b.NumFields())
			for c := range row {
				row[c] = b.Field(c).Value(i)
			}
			rows = append(rows, row)
		}
		lines = append(lines, b.Lines()...)
		offs = append(offs, b.Offsets()...)
		for k := range b.Issues.Len() {
			issues = append(issues, wantIssue{int(b.Issues.Row[k]) + base, int(b.Issues.Col[k]), b.Issues.Code[k], b.Issues.Arg[k]})
		}
		base += n
		b.Release()
	}
}

// readers wraps an input in ways that make the reader refill at every
// possible place.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

func TestCSVReader(t *testing.T) {
	tests := []struct {
		name   string
		opt    Options
		in     string
		header []string
		rows   [][]string
		lines  []int64
		offs   []int64
		issues []wantIssue
	}{{
		name:   "simple",
		in:     "a,b\n1,2\n3,4\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}, {"3", "4"}},
		lines:  []int64{2, 3},
		offs:   []int64{4, 8},
	}, {
		name:   "no final newline",
		in:     "a,b\n1,2\n3,4",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}, {"3", "4"}},
		lines:  []int64{2, 3},
	}, {
		name:   "crlf and lone cr",
		in:     "a,b\r\n1,2\r\n3,4\r5,6\r",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}},
		lines:  []int64{2, 3, 4},
		offs:   []int64{5, 10, 14},
	}, {
		name:   "bom skipped",
		in:     "\ufeffa,b\n1,2\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}},
	}, {
		name:   "quoted delimiter, quote and newlines",
		in:     "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"line1\nline2\r\nline3\",z\n4,5\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"x,y", `he said "hi"`}, {"line1\nline2\r\nline3", "z"}, {"4", "5"}},
		lines:  []int64{2, 3, 6},
	}, {
		name:   "empty fields and quoted empty",
		in:     "a,b,c\n,,\n\"\",x,\"\"\n",
		header: []string{"a", "b", "c"},
		rows:   [][]string{{"", "", ""}, {"", "x", ""}},
	}, {
		name:   "blank lines skipped but counted",
		in:     "a\n\n1\n\r\n\n2\n",
		header: []string{"a"},
		rows:   [][]string{{"1"}, {"2"}},
		lines:  []int64{3, 6},
	}, {
		name:   "semicolon and single quote",
		opt:    Options{Delimiter: ';', Quote: '\''},
		in:     "a;b\n'x;1';\"y\"\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"x;1", `"y"`}},
	}, {
		name:   "too few fields padded",
		in:     "a,b,c\n1,2\n4,5,6\n",
		header: []string{"a", "b", "c"},
		rows:   [][]string{{"1", "2", ""}, {"4", "5", "6"}},
		issues: []wantIssue{{0, columnar.RowLevel, issue.FieldCount, 2}},
	}, {
		name:   "too many fields kept in the last",
		in:     "a,b\n1,2,3,\"4\"\n5,6\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2,3,4"}, {"5", "6"}},
		issues: []wantIssue{{0, columnar.RowLevel, issue.FieldCount, 4}},
	}, {
		name:   "bare quote kept with a warning",
		in:     "a,b\n5\" screen,x\n",
		header: []string{"a", "b"},
		rows:   [][]string{{`5" screen`, "x"}},
		issues: []wantIssue{{0, 0, issue.BareQuote, 2}},
	}, {
		name:   "text after closing quote",
		in:     "a,b\n\"abc\"def,x\n1,2\n",
		header: []string{"a", "b"},
		rows:   [][]string{{`abc"def`, "x"}, {"1", "2"}},
		issues: []wantIssue{{0, 0, issue.BadQuote, 6}},
	}, {
		name:   "unterminated quote at the end",
		in:     "a,b\n1,2\n3,\"open\nmore",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}, {"3", "open\nmore"}},
		lines:  []int64{2, 3},
		issues: []wantIssue{{1, 1, issue.UnterminatedQuote, 3}},
	}, {
		name:   "invalid utf-8",
		in:     "a,b\nok,caf\xe9 au lait\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"ok", "caf\xe9 au lait"}},
		issues: []wantIssue{{0, 1, issue.InvalidUTF8, 3}},
	}, {
		name:   "no header",
		opt:    Options{NoHeader: true},
		in:     "1,2\n3,4\n",
		header: []string{"column1", "column2"},
		rows:   [][]string{{"1", "2"}, {"3", "4"}},
		lines:  []int64{1, 2},
		offs:   []int64{0, 4},
	}, {
		name:   "surplus fields dropped",
		opt:    Options{DropSurplus: true},
		in:     "a,b\n1,2,\"3,x\",4\n5,6\n7\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"1", "2"}, {"5", "6"}, {"7", ""}},
		issues: []wantIssue{{0, columnar.RowLevel, issue.FieldCount, 4}, {2, columnar.RowLevel, issue.FieldCount, 1}},
	}, {
		name:   "quoted single quote, semicolons",
		opt:    Options{Delimiter: ';', Quote: '\''},
		in:     "a;b\n'x;y';'it''s'\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"x;y", "it's"}},
	}, {
		name:   "no header with names",
		opt:    Options{NoHeader: true, Names: []string{"x", "y"}},
		in:     "1,2\n",
		header: []string{"x", "y"},
		rows:   [][]string{{"1", "2"}},
	}, {
		name:   "header only",
		in:     "a,b\n",
		header: []string{"a", "b"},
	}, {
		name:   "column of issue on a later line of a multi-line record",
		in:     "a,b\n\"x\ny\",\"p\"q\n",
		header: []string{"a", "b"},
		rows:   [][]string{{"x\ny", `p"q`}},
		issues: []wantIssue{{0, 1, issue.BadQuote, 7}},
	}}
	for _, tc := range tests {
		for _, rd := range readers {
			for _, batch := range []int{1, 2, 3, 1000} {
				t.Run(fmt.Sprintf("%s/%s/batch=%d", tc.name, rd.name, batch), func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					opt := tc.opt
					opt.BatchRows, opt.Allocator = batch, mem
					r, err := NewReader(rd.wrap(strings.NewReader(tc.in)), "t.csv", opt)
					require.NoError(t, err)
					require.Equal(t, tc.header, r.Header())
					rows, lines, offs, issues, err := readAll(t, r)
					require.NoError(t, err)
					require.Equal(t, tc.rows, rows)
					if tc.lines != nil {
						require.Equal(t, tc.lines, lines)
					}
					if tc.offs != nil {
						require.Equal(t, tc.offs, offs)
					}
					require.Equal(t, tc.issues, issues)
				})
			}
		}
	}
}

func TestCSVReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		in   string
		want error
		msg  string
	}{
		{"empty", Options{}, "", parse.ErrEmpty, "t.csv: line 1: empty input: no header row"},
		{"only blank lines", Options{}, "\n\n", parse.ErrEmpty, "t.csv: line 3: empty input"},
		{"binary header", Options{}, "PK\x03\x04\x00\x00,b\n", parse.ErrNotText, "t.csv: line 1: input is not text: header column 1 holds binary data"},
		{"duplicate names", Options{}, "a,b,a\n", nil, `t.csv: line 1, field "a": duplicate column name: columns 1 and 3 are both "a"`},
		{"key column missing", Options{KeyColumn: "id"}, "a,b\n", parse.ErrMissingColumns, `key column "id" is not in the header`},
		{"bad delimiter", Options{Delimiter: '\n'}, "a\n", nil, "csv.Options.Delimiter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.in), "t.csv", tc.opt)
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestCSVReaderRecordTooLong(t *testing.T) {
	in := "a,b\n1,2\n3,\"" + strings.Repeat("x", 3<<20) + "\n"
	r, err := NewReader(strings.NewReader(in), "t.csv", Options{MaxRecordBytes: 1 << 20})
	require.NoError(t, err)
	rows, _, _, _, err := readAll(t, r)
	require.Len(t, rows, 1, "the rows before the long record still come out")
	var pe *parse.Error
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, parse.ErrRecordTooLong)
	require.Equal(t, int64(3), pe.Line)
	require.Equal(t, int64(8), pe.Offset)
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	k := copy(p, strings.Repeat("1,2\n", 1+len(p)/4)[:min(len(p), f.n)])
	f.n -= k
	return k, nil
}

func TestCSVReaderIOError(t *testing.T) {
	r, err := NewReader(io.MultiReader(strings.NewReader("a,b\n"), &failingReader{n: 4000}), "t.csv", Options{})
	require.NoError(t, err)
	rows, _, _, _, err := readAll(t, r)
	require.Len(t, rows, 1000)
	require.ErrorContains(t, err, "disk on fire")
	require.ErrorContains(t, err, "t.csv: line 1002")
}

func TestCSVReaderPrevKey(t *testing.T) {
	in := "id,x\nA,1\n,2\n,3\nB,4\n,5\nC,6\n"
	r, err := NewReader(strings.NewReader(in), "t.csv", Options{KeyColumn: "id", BatchRows: 2})
	require.NoError(t, err)
	var prev []string
	for {
		b, err := r.ReadBatch()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		prev = append(prev, b.PrevKey)
		b.Release()
	}
	require.Equal(t, []string{"", "A", "B"}, prev)
}

// TestCSVReaderCarry checks that the carried columns' values on the first
// row of the last record begun before a batch reach that batch, whether
// the key is repeated on continuation rows (Shopify's Name) or left empty,
// and that a record spanning several batches keeps its first row's values.
func TestCSVReaderCarry(t *testing.T) {
	in := "name,cur,fin,x\n" +
		"A,EUR,paid,1\n" + // batch 0
		"A,,,2\n" +
		",,,3\n" + // batch 1
		"A,,,4\n" +
		"B,USD,voided,5\n" + // batch 2
		"C,,pending,6\n" +
		"C,GBP,,7\n" + // batch 3: a later non-empty cur on C is not its first row's
		"D,CHF,paid,8\n"
	r, err := NewReader(strings.NewReader(in), "t.csv", Options{KeyColumn: "name", Carry: []string{"cur", "nope", "fin"}, BatchRows: 2})
	require.NoError(t, err)
	var carry [][]string
	var prev []string
	for {
		b, err := r.ReadBatch()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		carry = append(carry, b.Carry)
		prev = append(prev, b.PrevKey)
		b.Release()
	}
	require.Equal(t, [][]string{nil, {"EUR", "", "paid"}, {"EUR", "", "paid"}, {"", "", "pending"}}, carry)
	require.Equal(t, []string{"", "A", "A", "C"}, prev)
}

// TestCSVReaderRecordReader checks the array.RecordReader face.
func TestCSVReaderRecordReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := NewReader(strings.NewReader("a\n1\n2\n3\n"), "t.csv", Options{BatchRows: 2, Allocator: mem})
	require.NoError(t, err)
	defer r.Release()
	var n int64
	for r.Next() {
		n += r.RecordBatch().NumRows()
		require.Equal(t, r.Schema(), r.RecordBatch().Schema())
	}
	require.NoError(t, r.Err())
	require.Equal(t, int64(3), n)
}

// TestCSVSpectrum parses every csv-spectrum file and compares with its
// expected JSON (every value a string).
func TestCSVSpectrum(t *testing.T) {
	files, err := filepath.Glob("../testdata/csv-spectrum/csvs/*.csv")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".csv")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			raw, err := os.ReadFile(filepath.Join("../testdata/csv-spectrum/json", name+".json"))
			require.NoError(t, err)
			var want []map[string]string
			require.NoError(t, json.Unmarshal(raw, &want))
			r, err := NewReader(strings.NewReader(string(in)), f, Options{})
			require.NoError(t, err)
			rows, _, _, issues, err := readAll(t, r)
			require.NoError(t, err)
			require.Empty(t, issues)
			got := make([]map[string]string, 0, len(rows))
			for _, row := range rows {
				m := map[string]string{}
				for i, h := range r.Header() {
					m[h] = row[i]
				}
				got = append(got, m)
			}
			require.Equal(t, want, got)
		})
	}
}
