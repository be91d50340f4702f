package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/formats/parse"
	"ingot/internal/shareddata"
)

// corpusFiles lists the CSV seeds kept in testdata.
func corpusFiles(t testing.TB) []string {
	var files []string
	for _, dir := range []string{"../testdata/csv-spectrum/csvs", "../testdata/duckdb-csv"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".tsv")) {
				files = append(files, p)
			}
			return err
		})
		require.NoError(t, err)
	}
	require.NotEmpty(t, files)
	return files
}

// checkInvariants reads in with the reader and checks what must hold for
// any input: no panic, no leak, the rows come out in input order with
// growing lines and offsets, every issue names a row of its batch, and the
// error (if any) is positioned.
func checkInvariants(t testing.TB, in []byte, opt Options) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opt.Allocator = mem
	r, err := NewReader(bytes.NewReader(in), "fuzz.csv", opt)
	if err != nil {
		var pe *parse.Error
		require.ErrorAs(t, err, &pe)
		return
	}
	lastLine, lastOff := int64(0), int64(-1)
	for {
		b, err := r.ReadBatch()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var pe *parse.Error
				require.ErrorAs(t, err, &pe)
			}
			return
		}
		for i, l := range b.Lines() {
			off := b.Offsets()[i]
			require.Greater(t, l, lastLine)
			require.Greater(t, off, lastOff)
			require.Less(t, off, int64(len(in)))
			lastLine, lastOff = l, off
		}
		for k := range b.Issues.Len() {
			require.Less(t, int(b.Issues.Row[k]), b.Rows())
		}
		b.Release()
	}
}

// TestCSVCorpus runs every corpus file through the reader with the
// delimiters the files use.
func TestCSVCorpus(t *testing.T) {
	for _, f := range corpusFiles(t) {
		in, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, d := range []byte{',', ';', '|', '\t'} {
			t.Run(f+"/"+string(d), func(t *testing.T) {
				checkInvariants(t, in, Options{Delimiter: d, BatchRows: 3})
			})
		}
	}
}

// FuzzCSVReader checks the invariants on any input and, where Go's
// encoding/csv accepts the input without complaint, that both readers see
// the same records.
func FuzzCSVReader(f *testing.F) {
	for _, p := range corpusFiles(f) {
		if in, err := os.ReadFile(p); err == nil {
			f.Add(in)
		}
	}
	// The shared corpora beyond the copies in testdata, when present.
	shareddata.AddSeeds(f, shareddata.Corpus("w3c-csvw-tests", ".csv", ".tsv"))
	shareddata.AddSeeds(f, shareddata.Corpus("csvlint-fixtures", ".csv"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkInvariants(t, in, Options{BatchRows: 2})
		checkInvariants(t, in, Options{Delimiter: ';', NoHeader: true, BatchRows: 5})
		compareWithEncodingCSV(t, in)
	})
}

// compareWithEncodingCSV compares records with encoding/csv on inputs
// where both readers agree on the dialect: no CR (encoding/csv rewrites
// \r\n inside quotes), no BOM, no invalid UTF-8 and every record as long as
// the header.
func compareWithEncodingCSV(t *testing.T, in []byte) {
	if bytes.IndexByte(in, '\r') >= 0 || bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) {
		return
	}
	want, err := stdcsv.NewReader(bytes.NewReader(in)).ReadAll()
	if err != nil || len(want) == 0 {
		return
	}
	r, err := NewReader(bytes.NewReader(in), "fuzz.csv", Options{})
	if err != nil {
		return // duplicate or binary header names are refused by us only
	}
	got := [][]string{r.Header()}
	for {
		b, err := r.ReadBatch()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		if b.Issues.Len() > 0 {
			b.Release()
			return
		}
		for i := range b.Rows() {
			row := make([]string, b.NumFields())
			for c := range row {
				row[c] = strings.Clone(b.Field(c).Value(i))
			}
			got = append(got, row)
		}
		b.Release()
	}
	require.Equal(t, want, got)
}
