package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"ingot"
	"ingot/bench"
	"ingot/commit"
	"ingot/issue"
	"ingot/validate"
	"ingot/version"
)

// cli runs the command line in-process and returns the exit code and the
// output streams.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func fixture(name string) string { return filepath.Join("..", "..", "testdata", "kevel", name) }

// importJSON imports and decodes the report printed by --json.
func importJSON(t *testing.T, wantCode int, args ...string) *validate.Report {
	t.Helper()
	code, out, errs := cli(t, append([]string{"import", "orders", "--format", "kevel-csv", "--json", "--quiet"}, args...)...)
	require.Equal(t, wantCode, code, "stderr: %s", errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.NoError(t, r.Counts.Check())
	return &r
}

// sqlRows runs SQL over the warehouse and returns the rows as strings.
func sqlRows(t *testing.T, dest, q string) [][]string {
	t.Helper()
	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(q)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
			if v == nil {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	require.NoError(t, rows.Err())
	return out
}

// events reads the event segment that the manifest of a version names.
func events(t *testing.T, dest string, version int64) []map[string]any {
	t.Helper()
	var seg string
	for _, m := range manifests(t, dest) {
		if m.Version == version {
			seg = m.Events
		}
	}
	require.NotEmpty(t, seg, "no manifest of version %d", version)
	f, err := os.Open(filepath.Join(dest, filepath.FromSlash(seg)))
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	require.NoError(t, commit.ReadEvents(f, func(line []byte) error {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}))
	return out
}

func manifests(t *testing.T, dest string) []commit.Manifest {
	t.Helper()
	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	log, err := commit.ReadLog(context.Background(), st)
	require.NoError(t, err)
	return log
}

func TestImportAndReimport(t *testing.T) {
	dest := t.TempDir()
	r := importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	require.Equal(t, validate.StatusCompleted, r.Status)
	require.Equal(t, int64(1), r.Version)
	require.Equal(t, validate.Counts{Rows: 7, Records: 4, Valid: 4, Added: 4, RowsCommitted: 7}, r.Counts)
	require.Equal(t, "utf-8", r.Files[0].Encoding)
	require.Equal(t, "none", r.Files[0].Compression)
	require.Len(t, r.Files[0].SHA256, 64)

	// The committed tables, read back through DuckDB.
	require.Equal(t, [][]string{
		{"A-1", "email", "anna.schmidt@example.com", "EUR", "30.5", "[SUMMER10 FREESHIP]", "2020-09-16 09:38:06", "2020-09", "2"},
		{"B-2", "email_sha256", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", "USD", "10", "NULL", "2021-02-01 00:30:00", "2021-02", "5"},
		{"C-3", "phone", "+4915112345678", "GBP", "5.99", "NULL", "2022-12-31 23:59:59", "2022-12", "6"},
		{"D-4", "crm_id", "C-88123", "CHF", "100", "NULL", "2020-01-01 00:00:00", "2020-01", "7"},
	}, sqlRows(t, dest, `SELECT order_id, user_id_type, user_id, currency, total, promotions,
		strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), created_month, source_line FROM orders ORDER BY order_id`))
	require.Equal(t, [][]string{
		{"A-1", "1", "Shirt, \"blue\"", "paid", "[Men Men > Shirts]", "false", "NULL", "2"},
		{"A-1", "2", "Socks\nwith a line break", "placed", "NULL", "false", "NULL", "3"},
		{"B-2", "1", "Mug 日本", "fulfilled", "NULL", "true", "86400000", "5"},
		{"C-3", "1", "Crème brûlée", "cancelled", "NULL", "false", "NULL", "6"},
		{"D-4", "1", "Bag", "paid", "NULL", "false", "NULL", "7"},
		{"D-4", "2", "Belt", "paid", "NULL", "false", "NULL", "8"},
		{"D-4", "3", "Hat", "refunded", "NULL", "false", "NULL", "9"},
	}, sqlRows(t, dest, `SELECT order_id, line_no, name, status, categories, adult, subscription_duration, source_line
		FROM line_items ORDER BY order_id, line_no`))

	ev := events(t, dest, 1)
	require.Len(t, ev, 4)
	for _, e := range ev {
		require.Equal(t, "orderPlace", e["type"])
		require.Equal(t, float64(1), e["version"])
		require.Equal(t, r.ImportID, e["import_id"])
	}
	require.Equal(t, "A-1", ev[0]["key"])
	payload := ev[0]["payload"].(map[string]any)
	require.Len(t, payload["line_items"], 2)
	require.Equal(t, map[string]any{"file": fixture("basic.csv"), "line": float64(2)}, ev[0]["source"])

	// The same file again: committed already, not read again.
	r2 := importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	require.Equal(t, validate.Counts{}, r2.Counts)
	require.Equal(t, validate.FileAlreadyCommitted, r2.Files[0].Status)
	require.Equal(t, int64(1), r2.Files[0].CommittedVersion)
	require.Zero(t, r2.Version, "nothing changed: no version is committed")
	// --force reads it: nothing changes, no event, no data file.
	forced := importJSON(t, 0, fixture("basic.csv"), "--dest", dest, "--force")
	require.Equal(t, validate.Counts{Rows: 7, Records: 4, Valid: 4, Unchanged: 4, RowsCommitted: 7}, forced.Counts)
	require.Zero(t, forced.Version, "nothing changed: no version is committed")
	require.Len(t, manifests(t, dest), 1)

	// One line item's status changed: one orderUpdate, and the current
	// state shows it.
	r3 := importJSON(t, 0, fixture("changed.csv"), "--dest", dest)
	require.Equal(t, validate.Counts{Rows: 7, Records: 4, Valid: 4, Updated: 1, Unchanged: 3, RowsCommitted: 7}, r3.Counts)
	require.Equal(t, int64(2), r3.Version)
	ev = events(t, dest, 2)
	require.Len(t, ev, 1)
	require.Equal(t, "orderUpdate", ev[0]["type"])
	require.Equal(t, "D-4", ev[0]["key"])
	require.Equal(t, [][]string{{"1", "paid"}, {"2", "refunded"}, {"3", "refunded"}},
		sqlRows(t, dest, `SELECT line_no, status FROM line_items WHERE order_id = 'D-4' ORDER BY line_no`))
	require.Equal(t, [][]string{{"2"}}, sqlRows(t, dest, `SELECT count(*) FROM orders_history WHERE order_id = 'D-4'`))

	// ingot log lists the imports, newest first: the two commits and the
	// two imports that changed nothing in between.
	code, out, _ := cli(t, "log", "--dest", dest, "--json")
	require.Equal(t, 0, code)
	var listed []ingot.HistoryEntry
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	require.Len(t, listed, 4)
	require.Equal(t, []int64{2, 0, 0, 1}, []int64{listed[0].Version, listed[1].Version, listed[2].Version, listed[3].Version})
	require.Equal(t, []string{r3.ImportID, forced.ImportID, r2.ImportID, r.ImportID},
		[]string{listed[0].ImportID, listed[1].ImportID, listed[2].ImportID, listed[3].ImportID})
	require.Equal(t, []bool{true, false, false, true}, []bool{listed[0].Committed, listed[1].Committed, listed[2].Committed, listed[3].Committed})
	require.Equal(t, int64(2), listed[0].Manifest.Version)
}

func TestImportNonSequential(t *testing.T) {
	dest := t.TempDir()
	r := importJSON(t, 0, fixture("nonseq.csv"), "--dest", dest)
	require.Equal(t, validate.Counts{Rows: 5, Records: 4, Valid: 3, Added: 3, Superseded: 1,
		RowsCommitted: 3, RowsSuperseded: 2}, r.Counts)
	require.Equal(t, []validate.SupersededRun{{OrderID: "A-1", File: fixture("nonseq.csv"), FirstLine: 2, LastLine: 3,
		ByFile: fixture("nonseq.csv"), ByFirstLine: 6, ByLastLine: 6}}, r.Superseded)
	require.True(t, slices.ContainsFunc(r.Issues, func(i validate.IssueRow) bool {
		return i.Code == "order_not_sequential" && i.Count == 1 && i.Severity == issue.Warning
	}), "%+v", r.Issues)
	// Only the last run is committed, in the table and in the events.
	require.Equal(t, [][]string{{"A-1", "1", "fulfilled", "6"}, {"B-2", "1", "fulfilled", "5"}, {"C-3", "1", "cancelled", "7"}},
		sqlRows(t, dest, `SELECT order_id, line_no, status, source_line FROM line_items_history ORDER BY order_id`))
	require.Equal(t, [][]string{{"A-1", "6"}, {"B-2", "5"}, {"C-3", "7"}},
		sqlRows(t, dest, `SELECT order_id, source_line FROM orders_history ORDER BY order_id`))
	var keys []string
	for _, e := range events(t, dest, 1) {
		keys = append(keys, e["key"].(string))
	}
	require.ElementsMatch(t, []string{"A-1", "B-2", "C-3"}, keys)
}

func TestImportRejects(t *testing.T) {
	dest := t.TempDir()
	// By default an import that rejects more than half of its records
	// fails with nothing committed and says what it suspects.
	code, _, errs := cli(t, "import", "orders", fixture("rejects.csv"), "--format", "kevel-csv", "--dest", dest)
	require.Equal(t, 1, code)
	require.Contains(t, errs, "75.00% of records rejected (6 of 8), more than --max-rejected 50%; nothing was committed")
	require.Contains(t, errs, "wrong file, format, delimiter or encoding")
	require.Empty(t, manifests(t, dest))
	r := importJSON(t, 0, fixture("rejects.csv"), "--dest", dest, "--max-rejected", "none")
	require.Equal(t, validate.Counts{Rows: 10, Records: 8, Valid: 2, Rejected: 6, Added: 2,
		RowsCommitted: 2, RowsRejected: 8}, r.Counts)

	dir := filepath.Join(dest, "_ingot", "reports", r.ImportID)
	f, err := os.Open(filepath.Join(dir, "rejects.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"file", "line", "record_id", "column", "code", "message", "value", "byte_offset", "header"}, recs[0])
	type rej struct{ line, id, column, code string }
	var got []rej
	src, err := os.ReadFile(fixture("rejects.csv"))
	require.NoError(t, err)
	for _, rec := range recs[1:] {
		got = append(got, rej{rec[1], rec[2], rec[3], rec[4]})
		// The byte offset is where the reject's line starts.
		off, err := strconv.ParseInt(rec[7], 10, 64)
		require.NoError(t, err)
		require.Equal(t, byte('\n'), src[off-1], "line %s starts at byte %d", rec[1], off)
		require.Equal(t, rec[1], strconv.Itoa(bytes.Count(src[:off], []byte("\n"))+1), "byte %d is on line %s", off, rec[1])
	}
	require.Equal(t, []rej{
		{"2", "A-1", "currency", "missing"},
		{"4", "B-2", "lineItem_total", "not_a_number"},
		{"5", "C-3", "userId", "invalid_user_id"},
		{"7", "D-4", "lineItem_status", "bad_value"},
		{"8", "F-6", "lineItem_quantity", "not_an_integer"},
		{"10", "H-8", "", "field_count"},
		{"10", "H-8", "lineItem_status", "bad_value"},
	}, got)
	require.Equal(t, `expected a decimal number, found "12,50"`, recs[2][5])
	require.Equal(t, `expected 39 fields, found 40`, recs[6][5])

	var js []map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "rejects.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &js))
	require.Len(t, js, 7)

	// The warnings are counted, not rejected.
	var mismatch []string
	for _, i := range r.Issues {
		if i.Code == "total_mismatch" {
			require.Equal(t, issue.Warning, i.Severity)
			mismatch = append(mismatch, fmt.Sprintf("%s:%d", i.Column, i.Count))
		}
	}
	require.ElementsMatch(t, []string{"total:1", "lineItem_total:1"}, mismatch)
	require.Equal(t, [][]string{{"G-7"}, {"I-9"}}, sqlRows(t, dest, `SELECT order_id FROM orders ORDER BY 1`))

	// --max-rejected turns the same import into a failure that commits nothing.
	dest2, reports := t.TempDir(), t.TempDir()
	code, _, errs = cli(t, "import", "orders", fixture("rejects.csv"), "--format", "kevel-csv", "--dest", dest2,
		"--max-rejected", "50%", "--quiet", "--report-dir", reports)
	require.Equal(t, 1, code)
	failed, err := validate.ReadReport(filepath.Join(reports, "report.json"))
	require.NoError(t, err)
	require.Equal(t, validate.StatusFailed, failed.Status)
	require.Equal(t, int64(7), failed.Rejects.Count, "the rejects of a failed import are written")
	require.Contains(t, errs, "75.00% of records rejected (6 of 8), more than --max-rejected 50%; nothing was committed")
	require.Empty(t, manifests(t, dest2))
	for _, f := range tree(t, dest2) {
		require.NotContains(t, f, ".parquet", "a failed import leaves no data file")
		require.NotContains(t, f, ".jsonl.zst", "a failed import leaves no event segment")
	}
}

func TestDryRun(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "wh")
	reports := t.TempDir()
	r := importJSON(t, 0, fixture("basic.csv"), "--dest", dest, "--dry-run", "--report-dir", reports)
	require.Equal(t, validate.StatusDryRun, r.Status)
	require.True(t, r.DryRun)
	require.Zero(t, r.Version)
	require.Equal(t, int64(4), r.Counts.Added)
	require.NoDirExists(t, dest, "a dry run creates no warehouse")
	require.FileExists(t, filepath.Join(reports, "report.json"))
	require.FileExists(t, filepath.Join(reports, "rejects.csv"))
	raw, err := os.ReadFile(filepath.Join(reports, "report.json"))
	require.NoError(t, err)
	var top map[string]any
	require.NoError(t, json.Unmarshal(raw, &top))
	require.NotContains(t, top, "version", "no version on a dry run")

	// Into an existing warehouse: still writes nothing there, and diffs.
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	before := tree(t, dest)
	r = importJSON(t, 0, fixture("changed.csv"), "--dest", dest, "--dry-run", "--report-dir", reports)
	require.Equal(t, int64(1), r.Counts.Updated)
	require.Equal(t, int64(3), r.Counts.Unchanged)
	require.Equal(t, before, tree(t, dest))
}

// tree lists the files under dir.
func tree(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	}))
	return out
}

// TestVariants checks that compression, a BOM and CRLF line ends give the
// same import as the plain file.
func TestVariants(t *testing.T) {
	plain, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	crlf := bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n"))
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	zst := func(b []byte) []byte {
		w, _ := zstd.NewWriter(nil)
		return w.EncodeAll(b, nil)
	}
	zipped := func(b []byte) []byte {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		f, _ := w.Create("orders.csv")
		f.Write(b)
		w.Close()
		return buf.Bytes()
	}
	ref := variantResult(t, "plain.csv", plain)
	for _, v := range []struct {
		name, compression string
		data              []byte
	}{
		{"bom.csv", "none", append([]byte("\ufeff"), plain...)},
		{"crlf.csv", "none", crlf},
		{"orders.csv.gz", "gzip", gz(plain)},
		{"orders.csv.zst", "zstd", zst(plain)},
		{"orders.zip", "zip", zipped(plain)},
		{"crlf-bom.gz", "gzip", gz(append([]byte("\ufeff"), crlf...))},
		{"no-extension", "zstd", zst(crlf)},
	} {
		t.Run(v.name, func(t *testing.T) {
			got := variantResult(t, v.name, v.data)
			require.Equal(t, v.compression, got.compression)
			if strings.Contains(v.name, "crlf") || v.name == "no-extension" {
				// A quoted value keeps its line break as written, so the
				// order holding it has another fingerprint.
				for i := range got.items {
					got.items[i] = strings.ReplaceAll(got.items[i], "\r\n", "\n")
				}
				require.NotEqual(t, ref.fingerprints[0], got.fingerprints[0])
				got.fingerprints[0] = ref.fingerprints[0]
			}
			require.Equal(t, ref.fingerprints, got.fingerprints)
			require.Equal(t, ref.orders, got.orders)
			require.Equal(t, ref.items, got.items)
			require.Equal(t, ref.counts, got.counts)
		})
	}
}

type variant struct {
	compression                 string
	orders, items, fingerprints []string
	counts                      validate.Counts
}

func variantResult(t *testing.T, name string, data []byte) variant {
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(src, data, 0o644))
	dest := filepath.Join(dir, "wh")
	r := importJSON(t, 0, src, "--dest", dest)
	v := variant{compression: r.Files[0].Compression, counts: r.Counts}
	for _, row := range sqlRows(t, dest, `SELECT order_id, user_id, total, created_at, source_line, fingerprint FROM orders ORDER BY order_id`) {
		v.orders = append(v.orders, fmt.Sprint(row[:5]))
		v.fingerprints = append(v.fingerprints, row[5])
	}
	for _, row := range sqlRows(t, dest, `SELECT order_id, line_no, name, total, status, source_line FROM line_items ORDER BY order_id, line_no`) {
		v.items = append(v.items, fmt.Sprint(row))
	}
	return v
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tests := []struct {
		name string
		file string
		code int
		msg  string
	}{
		{"empty file", write("empty.csv", ""), 1, "empty.csv: line 1: empty input: no header row"},
		{"not CSV", write("bin.csv", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 1, "input is not text"},
		{"missing columns", write("cols.csv", "orderId,userId\nA,b\n"), 1,
			"cols.csv: line 1: missing required columns: kevel-csv: userIdType, currency"},
		{"no such file", filepath.Join(dir, "nope.csv"), 2, "nope.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := cli(t, "import", "orders", tc.file, "--format", "kevel-csv", "--dest", filepath.Join(dir, "wh"), "--quiet")
			require.Equal(t, tc.code, code, errs)
			require.Contains(t, errs, tc.msg)
		})
	}
	// One bad file among good ones: exit 3, the good one committed.
	dest := filepath.Join(dir, "wh2")
	code, out, errs := cli(t, "import", "orders", fixture("basic.csv"), filepath.Join(dir, "cols.csv"),
		"--format", "kevel-csv", "--dest", dest, "--json", "--quiet")
	require.Equal(t, 3, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, validate.StatusCompletedWithFailures, r.Status)
	require.Equal(t, validate.FileFailed, r.Files[1].Status)
	require.Contains(t, r.Files[1].Error, "missing required columns")
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, [][]string{{"4"}}, sqlRows(t, dest, "SELECT count(*) FROM orders"))

	// Usage errors exit 2.
	code, _, errs = cli(t, "import", "orders", fixture("basic.csv"), "--format", "nope")
	require.Equal(t, 2, code)
	require.Contains(t, errs, `unknown orders format "nope"`)
	code, _, _ = cli(t, "import", "widgets", fixture("basic.csv"))
	require.Equal(t, 2, code)
	code, _, _ = cli(t, "import", "orders")
	require.Equal(t, 2, code)
}

// TestUnterminatedQuoteRow checks that an unterminated quote at the very end
// rejects that order (with its line and column) and keeps the others.
func TestUnterminatedQuoteRow(t *testing.T) {
	plain, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	dir := t.TempDir()
	src := filepath.Join(dir, "q.csv")
	bad := "E-5,email,e@example.org,EUR,1,1,0,0,0,0,,,,,,2020-01-01T00:00:00Z,,L1,P1,,\"open name"
	require.NoError(t, os.WriteFile(src, append(plain, bad...), 0o644))
	dest := filepath.Join(dir, "wh")
	r := importJSON(t, 0, src, "--dest", dest)
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, int64(1), r.Counts.Rejected)
	raw, err := os.ReadFile(filepath.Join(dest, "_ingot", "reports", r.ImportID, "rejects.csv"))
	require.NoError(t, err)
	require.Contains(t, string(raw), "10,E-5,lineItem_name,unterminated_quote")
}

func TestGen(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.csv.gz")
	code, _, errs := cli(t, "gen", "orders", "--orders", "300", "--defects", "0.02", "--repeats", "0.05", "--seed", "3", "-o", out)
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "wrote 300 orders")
	r := importJSON(t, 0, out, "--dest", filepath.Join(dir, "wh"))
	require.Equal(t, "gzip", r.Files[0].Compression)
	require.Positive(t, r.Counts.Rejected)
	require.Positive(t, r.Counts.Superseded)
	require.Equal(t, int64(300)+int64(len(r.Superseded)), r.Counts.Records)
}

// TestEncoding imports a windows-1252 file (é, €, curly quotes): without
// flags the encoding is detected and the text comes out exact; read as
// UTF-8 it is rejected with a hint to name the encoding.
func TestEncoding(t *testing.T) {
	plain, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	// windows-1252 bytes: è û é, then “ ” and € (0x93 0x94 0x80).
	latin := bytes.ReplaceAll(plain, []byte("Crème brûlée"), []byte("Cr\xe8me br\xfbl\xe9e \x93maison\x94 \x80"))
	latin = bytes.ReplaceAll(latin, []byte("Mug 日本"), []byte("Mug"))
	const want = "Crème brûlée “maison” €"
	dir := t.TempDir()
	src := filepath.Join(dir, "latin.csv")
	require.NoError(t, os.WriteFile(src, latin, 0o644))

	dest := filepath.Join(dir, "wh1")
	r := importJSON(t, 0, src, "--dest", dest)
	require.Equal(t, "windows-1252", r.Files[0].Encoding)
	require.Greater(t, r.Files[0].EncodingConfidence, 0.5)
	require.Less(t, r.Files[0].EncodingConfidence, 1.0)
	require.Zero(t, r.Counts.Rejected)
	require.Equal(t, [][]string{{want}}, sqlRows(t, dest, `SELECT name FROM line_items WHERE order_id = 'C-3'`))

	r = importJSON(t, 0, src, "--dest", filepath.Join(dir, "wh2"), "--encoding", "utf-8")
	require.Equal(t, int64(1), r.Counts.Rejected)
	require.True(t, slices.ContainsFunc(r.Issues, func(i validate.IssueRow) bool {
		return i.Code == "invalid_utf8" && strings.Contains(i.Hint, "--encoding")
	}), "%+v", r.Issues)

	dest = filepath.Join(dir, "wh3")
	r = importJSON(t, 0, src, "--dest", dest, "--encoding", "windows-1252")
	require.Equal(t, "windows-1252", r.Files[0].Encoding)
	require.Equal(t, 1.0, r.Files[0].EncodingConfidence)
	require.Equal(t, [][]string{{want}}, sqlRows(t, dest, `SELECT name FROM line_items WHERE order_id = 'C-3'`))

	code, _, errs := cli(t, "import", "orders", src, "--format", "kevel-csv", "--dest", filepath.Join(dir, "wh4"), "--encoding", "klingon", "--quiet")
	require.Equal(t, exitUsage, code, "an unknown encoding is a bad flag")
	require.Contains(t, errs, "klingon")
	require.NoDirExists(t, filepath.Join(dir, "wh4"))
}

func TestSQLCommand(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	code, out, errs := cli(t, "sql", "--dest", dest, "--format", "table", "-c", "SELECT order_id, total FROM orders ORDER BY order_id LIMIT 2")
	require.Equal(t, 0, code, errs)
	// Money is DECIMAL(18,4): printed exactly, at its scale, as DuckDB does.
	require.Equal(t, "order_id  total\nA-1       30.5000\nB-2       10.0000\n", out)
	code, out, errs = cli(t, "sql", "--dest", dest, "--format", "table", "-c", "SELECT sum(total) AS s FROM orders WHERE order_id IN ('A-1', 'B-2')")
	require.Equal(t, 0, code, errs)
	require.Equal(t, "s\n40.5000\n", out, "sum(total) is exact")

	// Money a binary float cannot sum (money.csv): 0.1 + 0.2, and
	// 0.2 + 12345678901234.5678 + 3.3 (18 digits).
	money := t.TempDir()
	importJSON(t, 0, fixture("money.csv"), "--dest", money, "--max-rejected", "none")
	for format, want := range map[string]string{
		"csv":   "s\n0.3000\n12345678901238.0678\n",
		"json":  "[\n  {\"s\":0.3000},\n  {\"s\":12345678901238.0678}\n]\n",
		"table": "s\n0.3000\n12345678901238.0678\n",
	} {
		code, out, errs = cli(t, "sql", "--dest", money, "--format", format, "-c",
			"SELECT sum(total) AS s FROM orders WHERE order_id IN ('M-1', 'M-2') UNION ALL SELECT sum(total) FROM orders WHERE order_id IN ('M-2', 'M-3', 'M-6') ORDER BY 1")
		require.Equal(t, 0, code, errs)
		require.Equal(t, want, out, format)
	}

	// Not on a terminal, csv is the default; every statement is printed.
	var o bytes.Buffer
	code = run(context.Background(), []string{"sql", "--dest", dest}, strings.NewReader("SELECT count(*) AS n FROM line_items;\nSELECT 1 AS one;"), &o, &o)
	require.Equal(t, 0, code, o.String())
	require.Equal(t, "n\n7\none\n1\n", o.String())
	code, out, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT 1 AS a; -- a comment; with a semicolon\nSELECT 'x;y' AS \"b;c\"; /* ; */ SELECT 2 AS d")
	require.Equal(t, 0, code, errs)
	require.Equal(t, "a\n1\nb;c\nx;y\nd\n2\n", out)

	code, _, errs = cli(t, "sql", "--dest", filepath.Join(dest, "nope"), "-c", "SELECT 1")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "no warehouse there")
	code, _, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT * FROM nosuchtable")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "nosuchtable")
	code, _, errs = cli(t, "sql", "--dest", dest, "--format", "xml", "-c", "SELECT 1")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--format")
}

// TestSQLFormats prints lists, timestamps, decimals and NULLs in every
// output format, as DuckDB itself renders them.
func TestSQLFormats(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	q := `SELECT order_id, promotions, created_at, CAST(total AS DECIMAL(18,4)) AS total, last_updated, CAST(2.5 AS DOUBLE) AS d
		FROM orders WHERE order_id IN ('A-1', 'B-2') ORDER BY order_id`
	// DuckDB's own text of the same values, to compare with.
	want := sqlRows(t, dest, `SELECT order_id, CAST(promotions AS VARCHAR), CAST(created_at AS VARCHAR),
		CAST(CAST(total AS DECIMAL(18,4)) AS VARCHAR), CAST(last_updated AS VARCHAR) FROM orders WHERE order_id IN ('A-1', 'B-2') ORDER BY order_id`)
	for _, tc := range []struct {
		format string
		want   string
	}{
		{"csv", fmt.Sprintf("order_id,promotions,created_at,total,last_updated,d\nA-1,\"%s\",%s,%s,,2.5\nB-2,,%s,%s,%s,2.5\n",
			want[0][1], want[0][2], want[0][3], want[1][2], want[1][3], want[1][4])},
		{"jsonl", fmt.Sprintf(`{"order_id":"A-1","promotions":["SUMMER10","FREESHIP"],"created_at":"%s","total":%s,"last_updated":null,"d":2.5}`+"\n"+
			`{"order_id":"B-2","promotions":null,"created_at":"%s","total":%s,"last_updated":"%s","d":2.5}`+"\n",
			want[0][2], want[0][3], want[1][2], want[1][3], want[1][4])},
		{"markdown", fmt.Sprintf("| order_id | promotions | created_at | total | last_updated | d |\n|---|---|---|---:|---|---:|\n"+
			"| A-1 | %s | %s | %s | NULL | 2.5 |\n| B-2 | NULL | %s | %s | %s | 2.5 |\n",
			want[0][1], want[0][2], want[0][3], want[1][2], want[1][3], want[1][4])},
	} {
		t.Run(tc.format, func(t *testing.T) {
			code, out, errs := cli(t, "sql", "--dest", dest, "--format", tc.format, "-c", q)
			require.Equal(t, 0, code, errs)
			require.Equal(t, tc.want, out)
		})
	}
	code, out, errs := cli(t, "sql", "--dest", dest, "--format", "json", "-c", "SELECT 1 AS a; SELECT 'x' AS b WHERE false")
	require.Equal(t, 0, code, errs)
	require.Equal(t, "[\n  {\"a\":1}\n]\n[]\n", out)
}

// TestVersion: ingot version names every embedded engine; report.json
// and the Parquet files carry the same ingot version.
func TestVersion(t *testing.T) {
	code, out, errs := cli(t, "version", "--json")
	require.Equal(t, 0, code, errs)
	var v version.Info
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, runtime.Version(), v.Go)
	require.True(t, strings.HasPrefix(v.DuckDBEngine, "v1."), v.DuckDBEngine)
	require.NotEmpty(t, v.Arrow)
	require.NotEmpty(t, v.Parquet)
	code, out, _ = cli(t, "--version")
	require.Equal(t, 0, code)
	require.Equal(t, "ingot "+version.Get().String()+"\n", out)

	dest := t.TempDir()
	r := importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	require.Equal(t, version.Get().Version, r.Ingot.Version)
	require.Equal(t, []string{"ingot", "import", "orders", "--format", "kevel-csv", "--json", "--quiet", fixture("basic.csv"), "--dest", dest}, r.Command)
	require.Equal(t, "kevel-csv", r.Options["format"])
	require.Equal(t, [][]string{{version.CreatedBy()}}, sqlRows(t, dest,
		`SELECT DISTINCT created_by FROM parquet_file_metadata('`+filepath.Join(dest, filepath.FromSlash(manifests(t, dest)[0].Files[0].Path))+`')`))
}

// TestBatchSizes imports the same files at batch sizes that cut orders at
// every place, and checks that the committed tables, events and counts do
// not depend on where the batches end.
// TestBatchSizes runs the batch-size harness for every registered format:
// batches of 1, 2, 3 and 7 rows give the same tables, events and counts as
// large ones. A format needs a generator in bench.Writers to be tested.
func TestBatchSizes(t *testing.T) {
	// Hand-written fixtures of a format, imported along with its
	// generated file.
	fixtures := map[string][]string{
		"kevel-csv":   {fixture("nonseq.csv"), fixture("rejects.csv")},
		"shopify-csv": {filepath.Join("..", "..", "testdata", "shopify", "orders.csv")},
	}
	for _, format := range ingot.FormatNames("orders") {
		t.Run(format, func(t *testing.T) { batchSizes(t, format, fixtures[format]) })
	}
}

func batchSizes(t *testing.T, format string, fixtures []string) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.csv")
	write, ok := bench.Writers[format]
	require.True(t, ok, "format %s has no generator in bench.Writers", format)
	f, err := os.Create(gen)
	require.NoError(t, err)
	_, err = write(f, bench.GenOptions{Orders: 60, Defects: 0.05, Repeats: 0.1, Seed: 9})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	type result struct {
		counts         validate.Counts
		orders, items  [][]string
		events         []string
		superseded     int
		rejectsWritten int64
	}
	run := func(batch string) result {
		dest := filepath.Join(dir, "wh-"+batch)
		args := append(append([]string{}, fixtures...), gen, "--format", format, "--dest", dest, "--batch-rows", batch)
		r := importJSON(t, 0, args...)
		var ev []string
		for _, e := range events(t, dest, 1) {
			ev = append(ev, fmt.Sprint(e["type"], e["key"], e["source"], e["payload"].(map[string]any)["fingerprint"]))
		}
		slices.Sort(ev)
		return result{
			counts:         r.Counts,
			orders:         sqlRows(t, dest, `SELECT order_id, fingerprint, source_file, source_line FROM orders ORDER BY ALL`),
			items:          sqlRows(t, dest, `SELECT order_id, line_no, sku, status, source_line FROM line_items ORDER BY ALL`),
			events:         ev,
			superseded:     len(r.Superseded),
			rejectsWritten: r.Rejects.Count,
		}
	}
	ref := run("1000")
	require.Positive(t, ref.counts.Superseded)
	require.Positive(t, ref.counts.Rejected)
	for _, batch := range []string{"1", "2", "3", "7"} {
		t.Run("batch="+batch, func(t *testing.T) {
			require.Equal(t, ref, run(batch))
		})
	}
}

// TestFilesFollowUmask: every file an import writes is created with the
// process umask (0644 under umask 022), so that other users and engines
// can read the warehouse and the reports.
func TestFilesFollowUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dest := t.TempDir()
	importJSON(t, 0, fixture("rejects.csv"), "--dest", dest, "--max-rejected", "none")
	n := 0
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dest {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o644)
		if d.IsDir() {
			want = 0o755
		}
		require.Equal(t, want, fi.Mode().Perm(), p)
		n++
		return nil
	}))
	require.Greater(t, n, 10)
}

// TestReadingCommandsWriteNothing: ingot log and ingot sql change nothing
// in a warehouse, not even a stale temporary file a crashed writer left.
func TestReadingCommandsWriteNothing(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	stale := filepath.Join(dest, "orders", commit.TempPrefix+"crashed")
	require.NoError(t, os.WriteFile(stale, []byte("x"), 0o644))
	old := time.Now().Add(-2 * commit.StaleTempAge)
	require.NoError(t, os.Chtimes(stale, old, old))
	before := snapshot(t, dest)
	code, _, errs := cli(t, "log", "--dest", dest)
	require.Equal(t, 0, code, errs)
	code, _, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT count(*) FROM orders")
	require.Equal(t, 0, code, errs)
	require.Equal(t, before, snapshot(t, dest))
}

// snapshot lists every path under dir with its size and modification time.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %d %d %s", p, fi.Size(), fi.ModTime().UnixNano(), fi.Mode()))
		return nil
	}))
	return out
}
