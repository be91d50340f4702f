package validate

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/issue"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "golden file %s (run go test -update to rewrite)", path)
}

// trickyRejects have values that stress CSV and JSON quoting.
var trickyRejects = []Reject{
	{File: "orders.csv", Line: 2, Offset: 310, RecordID: "ORD-1", Column: "total", Code: issue.NotANumber, Value: "12,50"},
	{File: "orders.csv", Line: 3, Offset: 402, RecordID: "ORD-1", Column: "lineItem_name", Code: issue.FieldCount, Value: "a \"quoted\"\nmulti-line, name"},
	{File: "orders.csv", Line: 5, Offset: 611, RecordID: "ORD-2", Column: "userId", Code: issue.InvalidUserID, Value: "M\xfcller@example.com"},
	{File: "orders.csv", Line: 9, Offset: 1 << 40, RecordID: "ORD 3", Column: "currency", Code: issue.Missing, Value: ""},
	{File: "dir/other file.csv", Line: 12, RecordID: "", Column: "", Code: issue.FieldCount, Value: " leading blank, tab\tand lone CR\r"},
	{File: "orders.csv", Line: 14, Offset: 2000, RecordID: "ORD-4", Column: "lineItem_status", Code: issue.BadEnum, Value: "日本 <b>&</b>"},
}

func withMessages(rs []Reject) []Reject {
	out := make([]Reject, len(rs))
	for i, r := range rs {
		var arg int64
		switch r.Code {
		case issue.FieldCount:
			arg = 40
		case issue.InvalidUserID:
			arg = int64(issue.UserIDEmail)
		}
		r.Message = issue.Message(r.Code, arg, r.Value, issue.MessageContext{Fields: 39, Allowed: []string{"placed", "paid"}, UserIDType: "email"})
		out[i] = r
	}
	return out
}

func readRejectsCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

func readRejectsJSON(t *testing.T, path string) []rejectJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []rejectJSON
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestRejectWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	rejects := withMessages(trickyRejects)
	for _, r := range rejects {
		require.NoError(t, w.Add(r))
	}
	require.Equal(t, int64(len(rejects)), w.Count())

	// The records on orders.csv line 5 were superseded later in the import.
	drop := func(file string, line int64) bool { return file == "orders.csv" && line == 5 }
	// A spec renamed the file's "Total Amount" to total.
	headerOf := func(file, column string) string {
		if file == "orders.csv" && column == "total" {
			return "Total Amount"
		}
		return ""
	}
	w.SetHeaderOf(headerOf)
	require.NoError(t, w.Finish(drop))
	require.Equal(t, int64(len(rejects)-1), w.Written())
	kept := append(append([]Reject(nil), rejects[:2]...), rejects[3:]...)

	rows := readRejectsCSV(t, filepath.Join(dir, RejectsCSV))
	require.Equal(t, RejectsHeader, rows[0])
	require.Len(t, rows, len(kept)+1)
	for i, r := range kept {
		require.Equal(t, []string{r.File, strconv.FormatInt(r.Line, 10), r.RecordID, r.Column, issue.InfoOf(r.Code).Name, r.Message, r.Value,
			strconv.FormatInt(r.Offset, 10), headerOf(r.File, r.Column)}, rows[i+1])
	}

	objs := readRejectsJSON(t, filepath.Join(dir, RejectsJSON))
	require.Len(t, objs, len(kept))
	for i, r := range kept {
		o := objs[i]
		v := o.Value
		if o.ValueBase64 != nil {
			v = string(o.ValueBase64) // the exact bytes of a value that is not UTF-8
		}
		require.Equal(t, rejectJSON{File: r.File, Line: r.Line, RecordID: r.RecordID, Column: r.Column, Code: issue.InfoOf(r.Code).Name, Message: r.Message, Value: r.Value,
			ByteOffset: r.Offset, Header: headerOf(r.File, r.Column)},
			rejectJSON{File: o.File, Line: o.Line, RecordID: o.RecordID, Column: o.Column, Code: o.Code, Message: o.Message, Value: v, ByteOffset: o.ByteOffset, Header: o.Header})
	}

	// The spool is gone; only the two files remain.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Error(t, w.Add(rejects[0]), "Add after Finish")
	require.Error(t, w.Finish(nil), "Finish twice")
	require.NoError(t, w.Abort(), "Abort after Finish is a no-op")
}

func TestRejectWriterInvalidUTF8InJSON(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	require.NoError(t, w.Add(Reject{File: "f.csv", Line: 1, Code: issue.InvalidUTF8, Value: "a\xffb", Message: issue.Message(issue.InvalidUTF8, 1, "a\xffb", issue.MessageContext{})}))
	require.NoError(t, w.Add(Reject{File: "f.csv", Line: 2, Code: issue.NotANumber, Value: "ok"}))
	require.NoError(t, w.Finish(nil))
	objs := readRejectsJSON(t, filepath.Join(dir, RejectsJSON))
	require.Equal(t, "a\uFFFDb", objs[0].Value) // readable text
	require.Equal(t, []byte("a\xffb"), objs[0].ValueBase64)
	require.Equal(t, `expected UTF-8 text, found an invalid byte at byte 1 of "a\xffb"`, objs[0].Message)
	require.Nil(t, objs[1].ValueBase64, "only values that are not UTF-8 carry value_base64")
	raw, err := os.ReadFile(filepath.Join(dir, RejectsJSON))
	require.NoError(t, err)
	require.NotContains(t, string(raw[:len(raw)/2]), `"value_base64":null`)
}

func TestRejectWriterEmpty(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	require.NoError(t, w.Finish(nil))
	b, err := os.ReadFile(filepath.Join(dir, RejectsCSV))
	require.NoError(t, err)
	require.Equal(t, "file,line,record_id,column,code,message,value,byte_offset,header\n", string(b))
	b, err = os.ReadFile(filepath.Join(dir, RejectsJSON))
	require.NoError(t, err)
	require.Equal(t, "[]\n", string(b))

	// Dropping everything also leaves valid, empty files.
	dir = t.TempDir()
	w, err = NewRejectWriter(dir)
	require.NoError(t, err)
	require.NoError(t, w.Add(trickyRejects[0]))
	require.NoError(t, w.Finish(func(string, int64) bool { return true }))
	require.Len(t, readRejectsCSV(t, filepath.Join(dir, RejectsCSV)), 1)
	require.Empty(t, readRejectsJSON(t, filepath.Join(dir, RejectsJSON)))
}

func TestRejectWriterAbort(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	require.NoError(t, w.Add(trickyRejects[0]))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the spool")
	require.NoError(t, w.Abort())
	require.NoError(t, w.Abort())
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
	require.Error(t, w.Finish(nil))

	_, err = NewRejectWriter(filepath.Join(dir, "missing"))
	require.ErrorContains(t, err, "validate: new reject writer")
}

func TestRejectWriterConcurrentAdd(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2500 {
				require.NoError(t, w.Add(Reject{File: "f" + strconv.Itoa(g), Line: int64(i), Code: issue.Missing, Message: "m"}))
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(10000), w.Count())
	require.NoError(t, w.Finish(func(_ string, line int64) bool { return line%2 == 1 }))
	require.Equal(t, int64(5000), w.Written())
	require.Len(t, readRejectsCSV(t, filepath.Join(dir, RejectsCSV)), 5001)
	require.Len(t, readRejectsJSON(t, filepath.Join(dir, RejectsJSON)), 5000)
}

func TestRejectWriterGolden(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	for _, r := range withMessages(trickyRejects) {
		require.NoError(t, w.Add(r))
	}
	require.NoError(t, w.Finish(nil))
	for _, name := range []string{RejectsCSV, RejectsJSON} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		golden(t, name+".golden", b)
	}
}

func BenchmarkRejectWriter(b *testing.B) {
	rs := withMessages(trickyRejects)
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewRejectWriter(b.TempDir())
		require.NoError(b, err)
		for i := range 10000 {
			require.NoError(b, w.Add(rs[i%len(rs)]))
		}
		require.NoError(b, w.Finish(nil))
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rejects/s")
}
