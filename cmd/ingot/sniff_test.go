package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"ingot/formats"
	"ingot/internal/shareddata"
	"ingot/validate"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/sniff")

// TestSniffGolden runs ingot sniff on a few fixtures, as text and as
// JSON, against golden files (go test -run TestSniffGolden -update
// rewrites them).
func TestSniffGolden(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"kevel", filepath.Join("..", "..", "testdata", "kevel", "basic.csv")},
		{"shopify", filepath.Join("..", "..", "testdata", "shopify", "orders.csv")},
		{"customers-utf16-tab", filepath.Join("..", "..", "testdata", "customers", "utf16-tab.txt")},
		{"products-jsonl", filepath.Join("..", "..", "testdata", "products", "products.jsonl")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, "sniff", tc.file)
			require.Equal(t, 0, code, errs)
			golden(t, filepath.Join("testdata", "sniff", tc.name+".txt"), out)
			code, out, errs = cli(t, "sniff", "--json", tc.file)
			require.Equal(t, 0, code, errs)
			var got []formats.Sniffed
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			require.Len(t, got, 1)
			golden(t, filepath.Join("testdata", "sniff", tc.name+".json"), out)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o777))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o666))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	require.Equal(t, string(want), got)
}

// TestSniffStdin reads standard input ("-").
func TestSniffStdin(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shopify", "orders.csv"))
	require.NoError(t, err)
	var out, errb strings.Builder
	code := run(t.Context(), []string{"sniff", "--json", "-"}, strings.NewReader(string(raw)), &out, &errb)
	require.Equal(t, 0, code, errb.String())
	var got []formats.Sniffed
	require.NoError(t, json.Unmarshal([]byte(out.String()), &got))
	require.Equal(t, "shopify-csv", got[0].Format.Format)
}

// TestUTF16TabCustomers: an Excel "Unicode text" export (UTF-16LE with a
// BOM, tab-separated) imports as customers without any flag.
func TestUTF16TabCustomers(t *testing.T) {
	dest := t.TempDir()
	code, out, errs := cli(t, "import", "customers", filepath.Join("..", "..", "testdata", "customers", "utf16-tab.txt"),
		"--user-id", "email", "--dest", dest, "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "utf-16le", r.Files[0].Encoding)
	require.Equal(t, `\t`, r.Files[0].Delimiter)
	require.True(t, *r.Files[0].Header)
	require.Equal(t, int64(3), r.Counts.Added)
	require.Equal(t, [][]string{{"chloe@example.com", "Saint-Étienne", "Lefèvre"}},
		sqlRows(t, dest, `SELECT user_id, json_extract_string(attributes, '$.city'), json_extract_string(attributes, '$.lastName') FROM customers WHERE user_id LIKE 'chloe%'`))
}

// TestHeaderHints: an import whose header does not fit its format says
// which format the file looks like, or which delimiter it seems to use.
func TestHeaderHints(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := cli(t, "import", "orders", filepath.Join("..", "..", "testdata", "shopify", "orders.csv"),
		"--format", "kevel-csv", "--dest", filepath.Join(dir, "wh1"), "--quiet")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "this looks like a Shopify orders export: use --format shopify-csv")

	raw, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	require.NoError(t, err)
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = ';'
	require.NoError(t, w.WriteAll(recs))
	src := filepath.Join(dir, "semicolons.csv")
	require.NoError(t, os.WriteFile(src, []byte(b.String()), 0o644))
	code, _, errs = cli(t, "import", "orders", src, "--format", "kevel-csv", "--dest", filepath.Join(dir, "wh2"), "--quiet")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "the header seems to be separated by ';', not ',': use --delimiter ';'")
	base := importJSON(t, 0, fixture("basic.csv"), "--dest", filepath.Join(dir, "wh0"))
	r := importJSON(t, 0, src, "--dest", filepath.Join(dir, "wh3"), "--delimiter", ";")
	require.Equal(t, base.Counts.Added, r.Counts.Added)
}

// TestFormatAuto: --format auto imports a Shopify export as
// shopify-csv, and refuses a file no orders format recognises.
func TestFormatAuto(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := cli(t, "import", "orders", filepath.Join("..", "..", "testdata", "shopify", "orders.csv"), "--format", "auto",
		"--dest", filepath.Join(dir, "wh"), "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "shopify-csv", r.Format)
	require.Positive(t, r.Counts.Added)

	code, _, errs = cli(t, "import", "orders", filepath.Join("..", "..", "testdata", "products", "products.csv"), "--format", "auto",
		"--dest", filepath.Join(dir, "wh2"), "--quiet")
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "it looks like products csv: ingot import products --format csv")
}

// TestNewColumns: columns the orders format does not know are ignored
// and listed, or, with --on-new-columns fail, fail the import before
// anything is imported, naming them.
func TestNewColumns(t *testing.T) {
	raw, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	require.NoError(t, err)
	for i := range recs {
		extra := "x"
		if i == 0 {
			extra = "loyaltyTier"
		}
		recs[i] = append(recs[i], extra)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "extra.csv")
	var b strings.Builder
	require.NoError(t, csv.NewWriter(&b).WriteAll(recs))
	require.NoError(t, os.WriteFile(src, []byte(b.String()), 0o644))

	base := importJSON(t, 0, fixture("basic.csv"), "--dest", filepath.Join(dir, "wh0"))
	r := importJSON(t, 0, src, "--dest", filepath.Join(dir, "wh1"))
	require.Equal(t, []string{"loyaltyTier"}, r.Files[0].IgnoredColumns)
	require.Equal(t, base.Counts.Added, r.Counts.Added)
	require.Equal(t, base.Counts.Rejected, r.Counts.Rejected)

	dest := filepath.Join(dir, "wh2")
	other := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(other, raw, 0o644))
	code, _, errs := cli(t, "import", "orders", other, src, "--format", "kevel-csv", "--dest", dest, "--on-new-columns", "fail", "--quiet")
	require.Equal(t, 1, code, errs)
	require.Contains(t, errs, `"loyaltyTier"`)
	require.Contains(t, errs, "--on-new-columns fail")
	require.Empty(t, manifests(t, dest), "nothing imported, not even the other file")

	code, _, errs = cli(t, "import", "orders", src, "--format", "kevel-csv", "--dest", dest, "--on-new-columns", "maybe", "--quiet")
	require.Equal(t, 2, code, errs)
}

// TestOrdersRagged: orders rows with too few or too many fields, under
// each --on-ragged policy; the rows are counted as field_count issues
// every time.
func TestOrdersRagged(t *testing.T) {
	raw, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	// Line 5 (order B-2, one row) gets a field too many; line 6 (order
	// C-3) loses its last field, the status, which it needs.
	require.True(t, strings.HasPrefix(lines[4], "B-2,"))
	require.True(t, strings.HasPrefix(lines[5], "C-3,"))
	lines[4] += ",surplus"
	lines[5] = lines[5][:strings.LastIndexByte(lines[5], ',')]
	src := filepath.Join(t.TempDir(), "ragged.csv")
	require.NoError(t, os.WriteFile(src, []byte(strings.Join(lines, "\n")), 0o644))
	for _, tc := range []struct {
		mode     string
		rejected []string // orders
	}{
		{"", []string{"B-2", "C-3"}},
		{"reject", []string{"B-2", "C-3"}},
		{"pad", []string{"B-2", "C-3"}}, // C-3 padded, but its status is then missing
		{"truncate", []string{"C-3"}},
	} {
		t.Run("mode="+tc.mode, func(t *testing.T) {
			dest := t.TempDir()
			args := []string{src, "--dest", dest}
			if tc.mode != "" {
				args = append(args, "--on-ragged", tc.mode)
			}
			r := importJSON(t, 0, args...)
			require.Equal(t, int64(len(tc.rejected)), r.Counts.Rejected)
			var fc int64
			for _, is := range r.Issues {
				if is.Code == "field_count" {
					fc = is.Count
				}
			}
			require.Equal(t, int64(2), fc, "ragged rows are always counted")
			got := sqlRows(t, dest, "SELECT order_id FROM orders ORDER BY 1")
			var ids []string
			for _, row := range got {
				ids = append(ids, row[0])
			}
			for _, id := range []string{"A-1", "B-2", "C-3"} {
				require.Equal(t, !contains(tc.rejected, id), contains(ids, id), id)
			}
			if tc.mode == "truncate" {
				require.Equal(t, [][]string{{"fulfilled"}}, sqlRows(t, dest, "SELECT status FROM line_items WHERE order_id = 'B-2'"))
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestSuperstoreCP1252 imports the real re-exported Superstore sample
// (windows-1252, ';'-separated, CRLF) as customers keyed by Row ID, with
// no encoding or delimiter flag; every Product Name must equal the one an
// independent reading finds (the bytes decoded with windows-1252's table,
// split by encoding/csv), curly quotes and NBSPs included.
func TestSuperstoreCP1252(t *testing.T) {
	dir := shareddata.Dir()
	if dir == "" {
		t.Skip("no shared folder")
	}
	src := filepath.Join(dir, "realdata", "superstore-semicolon-cp1252", "Sample - Superstore.csv")
	raw, err := os.ReadFile(src)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("superstore-semicolon-cp1252 is absent")
	}
	require.NoError(t, err)
	var text strings.Builder
	for _, c := range raw {
		text.WriteRune(charmap.Windows1252.DecodeByte(c))
	}
	cr := csv.NewReader(strings.NewReader(text.String()))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	require.NoError(t, err)
	want := map[string]string{}
	for _, r := range recs[1:] {
		want[r[0]] = r[9]
	}
	require.Equal(t, "Product Name", recs[0][9])

	dest := t.TempDir()
	code, out, errs := cli(t, "import", "customers", src, "--user-id", "Row ID", "--user-id-type", "row", "--dest", dest, "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "windows-1252", r.Files[0].Encoding)
	require.Equal(t, ";", r.Files[0].Delimiter)
	require.Zero(t, r.Counts.Rejected)
	require.Equal(t, int64(len(want)), r.Counts.Added)
	rows := sqlRows(t, dest, `SELECT user_id, json_extract_string(attributes, '$."Product Name"') FROM customers`)
	got := map[string]string{}
	for _, row := range rows {
		got[row[0]] = row[1]
	}
	require.Equal(t, want, got)
	var curly, nbsp int
	for _, v := range got {
		curly += strings.Count(v, "”")
		nbsp += strings.Count(v, "\u00a0")
	}
	require.Positive(t, curly)
	require.Positive(t, nbsp)
}
