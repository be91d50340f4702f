package csv

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats/parse"
)

// repeatReader yields s over and over, n bytes in all, without holding
// them: a long line costs the test nothing.
type repeatReader struct {
	s   string
	n   int64
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	k := 0
	for k < len(p) {
		c := copy(p[k:], r.s[r.off:])
		k += c
		r.off = (r.off + c) % len(r.s)
	}
	r.n -= int64(k)
	return k, nil
}

func TestCSVReaderLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name    string
		opt     Options
		in      io.Reader
		rows    int   // rows read before the error
		want    error // cause
		line    int64
		col     int64
		off     int64
		field   string
		message string
	}{
		{
			name: "field over MaxFieldBytes",
			opt:  Options{MaxFieldBytes: 1000},
			in:   strings.NewReader("a,b\n1,2\n3," + long(1001) + "\n4,5\n"),
			rows: 1, want: parse.ErrFieldTooLong, line: 3, col: 3, off: 10, field: "b",
			message: `t.csv: line 3, column 3 (byte 10), field "b": field too long: field 2 of the record starting at line 3 is 1001 bytes, longer than 1000`,
		},
		{
			name: "field at MaxFieldBytes passes, the next one fails",
			opt:  Options{MaxFieldBytes: 1000},
			in:   strings.NewReader("a,b\n1," + long(1000) + "\n" + long(1001) + ",2\n"),
			rows: 1, want: parse.ErrFieldTooLong, line: 3, col: 1, off: 1007, field: "a",
		},
		{
			name: "quoted field spanning lines",
			opt:  Options{MaxFieldBytes: 1000},
			in:   strings.NewReader("a,b\n1,\"" + strings.Repeat("x\n", 600) + "\"\n"),
			rows: 0, want: parse.ErrFieldTooLong, line: 2, col: 3, off: 6, field: "b",
			message: "field 2 of the record starting at line 2 is 1200 bytes",
		},
		{
			name: "surplus fields joining the last column",
			opt:  Options{MaxFieldBytes: 1000},
			in:   strings.NewReader("a,b\n1" + strings.Repeat(",xxxxxxxxx", 101) + "\n"),
			rows: 0, want: parse.ErrFieldTooLong, line: 2, field: "b",
		},
		{
			name: "default field limit is 1 MiB",
			in:   strings.NewReader("a\n" + long(1<<20) + "\n" + long(1<<20+1) + "\n"),
			rows: 1, want: parse.ErrFieldTooLong, line: 3, col: 1, off: 1<<20 + 3, field: "a",
		},
		{
			name: "a field in the header",
			opt:  Options{MaxFieldBytes: 10},
			in:   strings.NewReader("a," + long(11) + "\n"),
			want: parse.ErrFieldTooLong, line: 1, col: 3, off: 2,
		},
		{
			name: "record over MaxRecordBytes",
			opt:  Options{MaxRecordBytes: 1 << 20, MaxFieldBytes: 4 << 20},
			in:   strings.NewReader("a\n1\n\"" + long(3<<20) + "\"\n"),
			rows: 1, want: parse.ErrRecordTooLong, line: 3, col: 1, off: 4,
			message: "a record starting here is longer than 1048576 bytes (csv.Options.MaxRecordBytes)",
		},
		{
			name: "a 64 MiB line with the default limits",
			in:   io.MultiReader(strings.NewReader("a,b\n1,2\n"), &repeatReader{s: "0123456789abcdef", n: 64 << 20}),
			rows: 1, want: parse.ErrRecordTooLong, line: 3, off: 8,
			message: "longer than 16777216 bytes",
		},
		{
			name: "a header over MaxColumns",
			opt:  Options{MaxColumns: 3},
			in:   strings.NewReader("a,b,c,d\n1,2,3,4\n"),
			want: parse.ErrTooManyColumns, line: 1, col: 7, off: 6,
			message: "t.csv: line 1, column 7 (byte 6): too many columns: the header has more than 3 columns (csv.Options.MaxColumns)",
		},
		{
			name: "a first record over MaxColumns without header",
			opt:  Options{MaxColumns: 2, NoHeader: true},
			in:   strings.NewReader("1,2,3\n"),
			want: parse.ErrTooManyColumns, line: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(tc.in, "t.csv", tc.opt)
			var rows int
			if err == nil {
				var got [][]string
				got, _, _, _, err = readAll(t, r)
				rows = len(got)
			}
			require.Error(t, err)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, tc.rows, rows, "the rows before the bad record still come out")
			var pe *parse.Error
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "t.csv", pe.Source)
			require.Equal(t, tc.line, pe.Line, "line")
			if tc.col != 0 {
				require.Equal(t, tc.col, pe.Column, "column")
			}
			if tc.off != 0 {
				require.Equal(t, tc.off, pe.Offset, "offset")
			}
			require.Equal(t, tc.field, pe.Field)
			require.Contains(t, err.Error(), tc.message)
		})
	}
}

func TestCSVReaderColumnsAtLimit(t *testing.T) {
	names := make([]string, 50)
	for i := range names {
		names[i] = "c" + strings.Repeat("x", i)
	}
	in := strings.Join(names, ",") + "\n" + strings.Repeat("1,", 49) + "1\n"
	r, err := NewReader(strings.NewReader(in), "t.csv", Options{MaxColumns: 50})
	require.NoError(t, err)
	rows, _, _, _, err := readAll(t, r)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Len(t, r.Header(), 50)
}

// TestCSVReaderWideHeaderCheap checks that a header of 3M columns fails
// before anything is allocated per column: a few MB, not gigabytes.
func TestCSVReaderWideHeaderCheap(t *testing.T) {
	in := bytes.Repeat([]byte("a,"), 3_000_000)
	in[len(in)-1] = '\n'
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := NewReader(bytes.NewReader(in), "wide.csv", Options{})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, parse.ErrTooManyColumns)
	alloc := after.TotalAlloc - before.TotalAlloc
	require.Less(t, alloc, uint64(64<<20), "allocated %d bytes for a header it refuses", alloc)
}

func TestOptionsValidateLimits(t *testing.T) {
	for _, o := range []Options{{MaxFieldBytes: -1}, {MaxColumns: -1}, {MaxRecordBytes: -1}, {MaxFieldBytes: 1 << 31}} {
		require.Error(t, o.Validate(), "%+v", o)
	}
}
