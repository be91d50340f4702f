package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/issue"
)

// sampleReport is a completed import in which one of two files failed.
func sampleReport() *Report {
	started := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var tab IssueTable
	tab.Add("total", issue.NotANumber, 412)
	tab.Add("lineItem_status", issue.BadEnum, 37)
	tab.Add("", issue.FieldCount, 3)
	tab.Add("orderId", issue.NotSequential, 12)
	var k SampleKeeper
	for i := 1; i <= 7; i++ {
		k.Add(json.RawMessage(`{"order_id":"ORD-` + strconv.Itoa(i) + `","total":12.5}`))
	}
	mean := 44.25
	return &Report{
		ImportID:   "20261122T100000Z-3f2a",
		Status:     StatusCompletedWithFailures,
		Kind:       "orders",
		Format:     "kevel-csv",
		Dest:       "./warehouse",
		StartedAt:  started,
		FinishedAt: started.Add(12*time.Second + 340*time.Millisecond),
		Version:    7,
		Files: []FileReport{
			{URI: "orders-2020.csv.gz", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Bytes: 62388669,
				Encoding: "windows-1252", EncodingConfidence: 0.93, Compression: "gzip", Rows: 251463, Status: FileOK},
			{URI: "orders-2021.zip", Bytes: 1024, Encoding: "utf-8", Compression: "zip", Rows: 40, Status: FileFailed,
				Error: "orders-2021.zip: zip holds 2 files, expected exactly one"},
		},
		Counts: Counts{Rows: 251503, Records: 100012, Valid: 99540, Rejected: 460, Added: 99000, Updated: 500, Unchanged: 40, Superseded: 12,
			RowsCommitted: 250266, RowsRejected: 1161, RowsSuperseded: 36, RowsFailed: 40},
		Issues:  tab.Rows(100012),
		Samples: k.Samples(),
		Stats: map[string][]ColumnStats{
			"orders": {
				{Column: "order_id", Type: "VARCHAR", Count: 99540, Distinct: 99321, Min: "ORD-1", Max: "ORD-99999", Top: []TopValue{{"ORD-1", 1}}, TopApprox: true},
				{Column: "total", Type: "DOUBLE", Count: 99540, Nulls: 0, Distinct: 18000, Min: 0.5, Max: 1999.99, Mean: &mean, Top: []TopValue{{19.99, 812}}},
			},
		},
		Timings: []StageTiming{
			NewStageTiming("parse", 3210*time.Millisecond, 251503, 62389693),
			NewStageTiming("validate", 1500*time.Millisecond, 251503, 0),
			NewStageTiming("commit", 4*time.Second, 250266, 0),
		},
		Rejects: RejectFiles{Count: 1212, CSV: RejectsCSV, JSON: RejectsJSON},
		Superseded: []SupersededRun{
			{OrderID: "ORD-17", File: "orders-2020.csv.gz", FirstLine: 10, LastLine: 12, ByFile: "orders-2020.csv.gz", ByFirstLine: 812, ByLastLine: 815},
			{OrderID: "ORD 18", File: "orders-2020.csv.gz", FirstLine: 13, LastLine: 13, ByFile: "orders-2021.zip", ByFirstLine: 2, ByLastLine: 3},
		},
	}
}

func TestReportWriteReadGolden(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport()
	path, err := r.WriteFile(dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, ReportFile), path)
	require.Equal(t, dir, r.ReportDir)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	golden(t, "report.golden.json", b)

	// Every contract field is there, by name.
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"schema_version", "import_id", "status", "dry_run", "kind", "format", "dest", "started_at", "finished_at",
		"version", "files", "counts", "issues", "samples", "stats", "timings", "superseded", "rejects"} {
		require.Contains(t, m, k)
	}
	for _, k := range []string{"uri", "sha256", "bytes", "encoding", "compression", "rows", "status", "error"} {
		require.Contains(t, m["files"].([]any)[1], k)
	}
	for _, k := range []string{"rows", "records", "valid", "rejected", "added", "updated", "unchanged", "superseded",
		"rows_committed", "rows_rejected", "rows_superseded", "rows_failed"} {
		require.Contains(t, m["counts"], k)
	}
	for _, k := range []string{"column", "code", "severity", "hint", "count", "percent"} {
		require.Contains(t, m["issues"].([]any)[0], k)
	}
	for _, k := range []string{"stage", "seconds", "rows", "rows_per_sec", "mb_per_sec"} {
		require.Contains(t, m["timings"].([]any)[0], k)
	}

	// Reading it back and writing it again gives the same bytes.
	got, err := ReadReport(path)
	require.NoError(t, err)
	require.Equal(t, dir, got.ReportDir)
	require.Equal(t, r.Superseded, got.Superseded)
	require.Equal(t, r.Counts, got.Counts)
	require.Equal(t, r.Files, got.Files)
	require.Equal(t, r.Issues, got.Issues)
	require.True(t, r.StartedAt.Equal(got.StartedAt))
	dir2 := t.TempDir()
	path2, err := got.WriteFile(dir2)
	require.NoError(t, err)
	b2, err := os.ReadFile(path2)
	require.NoError(t, err)
	require.Equal(t, string(b), string(b2))

	// A second write replaces the report whole; no temporary file is left.
	r.Status = StatusCompleted
	_, err = r.WriteFile(dir)
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "report.json and report.html")
}

func TestReportDryRunAndEmpty(t *testing.T) {
	r := &Report{ImportID: "x", Status: StatusDryRun, DryRun: true, Kind: "orders", Format: "kevel-csv"}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	s := string(b)
	require.NotContains(t, s, `"version"`, "no version on a dry run")
	require.NotContains(t, s, `"error"`)
	require.Contains(t, s, `"files":[]`)
	require.Contains(t, s, `"issues":[]`)
	require.Contains(t, s, `"stats":{}`)
	require.Contains(t, s, `"timings":[]`)
	require.Contains(t, s, `"samples":{"first":[],"last":[]}`)
	require.Contains(t, s, `"superseded":[]`)
	// json.Marshal of the value (not the pointer) behaves the same.
	b2, err := json.Marshal(*r)
	require.NoError(t, err)
	require.Equal(t, s, string(b2))
}

func TestReadReportErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	_, err := ReadReport(write("newer.json", `{"schema_version": 2, "status": "completed"}`))
	require.ErrorContains(t, err, "expected schema_version 1 to 1, found 2")
	_, err = ReadReport(write("none.json", `{"status": "completed"}`))
	require.ErrorContains(t, err, "found 0")
	_, err = ReadReport(write("bad.json", "{\n  \"schema_version\": 1,\n  \"status\": completed\n}"))
	require.ErrorContains(t, err, "line 3, column 13")
	_, err = ReadReport(filepath.Join(dir, "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestCountsCheck(t *testing.T) {
	tests := []struct {
		name string
		c    Counts
		want string
	}{
		{"zero", Counts{}, ""},
		{"balanced", Counts{Rows: 10, RowsCommitted: 6, RowsRejected: 2, RowsSuperseded: 1, RowsFailed: 1}, ""},
		{"rows lost", Counts{Rows: 10, RowsCommitted: 6, RowsRejected: 2},
			"counts: expected rows = rows_committed + rows_rejected + rows_superseded + rows_failed, found 10 ≠ 6 + 2 + 0 + 0 = 8 (-2)"},
		{"rows twice", Counts{Rows: 3, RowsCommitted: 3, RowsRejected: 1}, "= 4 (+1)"},
		{"negative", Counts{Rows: 0, RowsCommitted: 1, RowsRejected: -1, Added: -2},
			"counts: added: expected 0 or more, found -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Check()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSampleKeeper(t *testing.T) {
	rec := func(i int) json.RawMessage { return json.RawMessage(`{"n":` + strconv.Itoa(i) + `}`) }
	texts := func(ms []json.RawMessage) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = string(m)
		}
		return out
	}
	tests := []struct {
		n           int
		first, last []string
	}{
		{0, []string{}, []string{}},
		{3, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`}, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`}},
		{7, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":4}`, `{"n":5}`}, []string{`{"n":3}`, `{"n":4}`, `{"n":5}`, `{"n":6}`, `{"n":7}`}},
		{12, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":4}`, `{"n":5}`}, []string{`{"n":8}`, `{"n":9}`, `{"n":10}`, `{"n":11}`, `{"n":12}`}},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			var k SampleKeeper
			for i := 1; i <= tc.n; i++ {
				k.Add(rec(i))
			}
			s := k.Samples()
			require.Equal(t, tc.first, texts(s.First))
			require.Equal(t, tc.last, texts(s.Last))
		})
	}

	t.Run("copies", func(t *testing.T) {
		var k SampleKeeper
		buf := []byte(`{"a":1}`)
		k.Add(buf)
		copy(buf, `{"b":2}`) // the caller reuses its buffer
		s := k.Samples()
		require.Equal(t, `{"a":1}`, string(s.First[0]))
		require.Equal(t, `{"a":1}`, string(s.Last[0]))
		k.Add(json.RawMessage(`not json`))
		require.Equal(t, `"not json"`, string(k.Samples().Last[1]))
	})

	t.Run("no allocation once warm", func(t *testing.T) {
		var k SampleKeeper
		r := json.RawMessage(`{"order_id":"ORD-1","total":12.5}`)
		for range 20 {
			k.Add(r)
		}
		require.Zero(t, testing.AllocsPerRun(100, func() { k.Add(r) }))
	})
}

func TestNewStageTiming(t *testing.T) {
	st := NewStageTiming("parse", 2*time.Second, 1_000_000, 250_000_000)
	require.Equal(t, StageTiming{Stage: "parse", Seconds: 2, Rows: 1_000_000, Bytes: 250_000_000, RowsPerSec: 500_000, MBPerSec: 125}, st)
	require.Equal(t, StageTiming{Stage: "x", Rows: 5}, NewStageTiming("x", 0, 5, 0))
}

func TestWriteSummaryGolden(t *testing.T) {
	r := sampleReport()
	r.ReportDir = "warehouse/_ingot/reports/20261122T100000Z-3f2a"
	var b bytes.Buffer
	r.WriteSummary(&b)
	golden(t, "summary.golden.txt", b.Bytes())

	// A dry run with more issue kinds than the summary lists, and counts
	// that do not add up.
	d := sampleReport()
	d.Status, d.DryRun, d.Version, d.ReportDir = StatusDryRun, true, 0, "."
	for i := range 7 {
		d.Superseded = append(d.Superseded, SupersededRun{OrderID: "ORD-" + strconv.Itoa(i), File: "a.csv", FirstLine: int64(2 * i), LastLine: int64(2 * i),
			ByFile: "a.csv", ByFirstLine: int64(100 + i), ByLastLine: int64(101 + i)})
	}
	d.Files = d.Files[:1]
	d.Counts.RowsFailed = 0
	var tab IssueTable
	for i, c := range issue.Codes() {
		tab.Add("col"+strconv.Itoa(i), c, int64(i+1))
	}
	d.Issues = tab.Rows(d.Counts.Records)
	b.Reset()
	d.WriteSummary(&b)
	golden(t, "summary_dryrun.golden.txt", b.Bytes())
	require.Contains(t, b.String(), "WARNING: the counts do not add up")

	// An empty, failed report prints without panicking.
	b.Reset()
	(&Report{Status: StatusFailed, Error: "no such file: orders.csv"}).WriteSummary(&b)
	require.True(t, strings.HasPrefix(b.String(), "ingot import - (-): failed, nothing committed\n"), b.String())
	require.Contains(t, b.String(), "error: no such file: orders.csv")
}
