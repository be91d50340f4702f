package ingot

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB database/sql driver
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// moneyCols are the money columns of orders and line_items.
var moneyCols = []string{"total", "subtotal", "tax", "shipping", "discount", "refund"}

// ratOf reads a decimal text exactly.
func ratOf(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	require.True(t, ok, s)
	return r
}

// scaledText renders ten-thousandths as DuckDB prints DECIMAL(38,4).
func scaledText(v *big.Int) string {
	return new(big.Rat).SetFrac(v, big.NewInt(10000)).FloatString(4)
}

// TestMoneyExact imports orders whose money a binary float gets wrong
// (0.1 + 0.2, an 18-digit total, a total that differs from its parts by
// 0.0001) and checks the committed Parquet with DuckDB and with
// parquet-go, the events and the report: every figure exact, a fifth
// decimal rounded half-even with a warning, a value beyond DECIMAL(18,4)
// rejected. The expectations are computed here with math/big from the
// file, read with encoding/csv.
func TestMoneyExact(t *testing.T) {
	src := filepath.Join("testdata", "kevel", "money.csv")
	f, err := os.Open(src)
	require.NoError(t, err)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	// What each total is stored as: itself, except the one with a fifth
	// decimal (1.00005 → 1.0000, half to even) and the one that does not
	// fit 14 integer digits (rejected).
	tooBig := new(big.Rat).SetInt64(1e14)
	rounded := map[string]string{"1.00005": "1.0000"}
	want := new(big.Rat)
	wantTotal := map[string]string{} // order id → exact total text
	var overflow int64
	for _, r := range recs[1:] {
		s := r[col["total"]]
		if ratOf(t, s).Cmp(tooBig) >= 0 {
			overflow++
			continue
		}
		if x, ok := rounded[s]; ok {
			s = x
		}
		want.Add(want, ratOf(t, s))
		wantTotal[r[col["orderId"]]] = ratOf(t, s).FloatString(4)
	}
	require.Equal(t, int64(1), overflow, "the fixture has one total beyond DECIMAL(18,4)")

	dest := t.TempDir()
	rep := importKeyed(t, dest, ImportOptions{Kind: KindOrders, Format: "kevel-csv"}, src)
	issues := map[string]int64{}
	for _, is := range rep.Issues {
		issues[is.Column+" "+is.Code] += is.Count
	}
	require.Equal(t, int64(1), issues["total decimal_rounded"], "1.00005")
	require.Equal(t, int64(1), issues["lineItem_total decimal_rounded"])
	require.Equal(t, overflow, issues["total decimal_overflow"])
	// 3.3 = 1.1 + 2.2 exactly (not in float64); 10.0001 ≠ 10 + 0 + 0.
	require.Equal(t, int64(1), issues["total total_mismatch"])
	require.Equal(t, int64(len(wantTotal)), rep.Counts.RowsCommitted)

	// DuckDB on the committed files: the type, every total and the sum.
	glob := func(table string) string { return filepath.Join(dest, table, "*", "*.parquet") }
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	for _, table := range []string{"orders", "line_items"} {
		rows, err := db.Query("DESCRIBE SELECT * FROM read_parquet('" + glob(table) + "')")
		require.NoError(t, err)
		types := map[string]string{}
		for rows.Next() {
			var name, typ string
			var null, key, def, extra sql.NullString
			require.NoError(t, rows.Scan(&name, &typ, &null, &key, &def, &extra))
			types[name] = typ
		}
		require.NoError(t, rows.Err())
		rows.Close()
		for _, c := range moneyCols {
			require.Equal(t, "DECIMAL(18,4)", types[c], "%s.%s", table, c)
		}
	}
	var sum string
	require.NoError(t, db.QueryRow("SELECT sum(total)::VARCHAR FROM read_parquet('"+glob("orders")+"')").Scan(&sum))
	require.Equal(t, want.FloatString(4), sum, "sum(total) is exact")
	require.NoError(t, db.QueryRow("SELECT sum(total)::VARCHAR FROM read_parquet('"+glob("line_items")+"')").Scan(&sum))
	require.Equal(t, want.FloatString(4), sum, "each order has one item of its total")
	rows, err := db.Query("SELECT order_id, total::VARCHAR FROM read_parquet('" + glob("orders") + "')")
	require.NoError(t, err)
	got := map[string]string{}
	for rows.Next() {
		var id, total string
		require.NoError(t, rows.Scan(&id, &total))
		got[id] = total
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Equal(t, wantTotal, got)

	// parquet-go: INT64 with the DECIMAL(18,4) logical type, ten-thousandths.
	files, err := filepath.Glob(glob("orders"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	scaled := new(big.Int)
	for _, path := range files {
		f, err := os.Open(path)
		require.NoError(t, err)
		st, err := f.Stat()
		require.NoError(t, err)
		pf, err := parquet.OpenFile(f, st.Size())
		require.NoError(t, err)
		lc, ok := pf.Schema().Lookup("total")
		require.True(t, ok)
		require.Equal(t, "DECIMAL(18,4)", lc.Node.Type().LogicalType().String())
		require.Equal(t, parquet.Int64Type.Kind(), lc.Node.Type().Kind())
		for _, rg := range pf.RowGroups() {
			pages := rg.ColumnChunks()[lc.ColumnIndex].Pages()
			for {
				p, err := pages.ReadPage()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				vals := make([]parquet.Value, p.NumValues())
				n, err := p.Values().ReadValues(vals)
				if !errors.Is(err, io.EOF) {
					require.NoError(t, err)
				}
				for _, v := range vals[:n] {
					scaled.Add(scaled, big.NewInt(v.Int64()))
				}
			}
			require.NoError(t, pages.Close())
		}
		f.Close()
	}
	require.Equal(t, want.FloatString(4), scaledText(scaled))

	// The events carry the exact decimal as a JSON number.
	evs := eventsOf(t, dest, 1)
	require.Len(t, evs, len(wantTotal))
	for _, e := range evs {
		var p struct {
			Total json.Number `json:"total"`
		}
		d := json.NewDecoder(strings.NewReader(string(e.Payload)))
		d.UseNumber()
		require.NoError(t, d.Decode(&p))
		require.Zero(t, ratOf(t, p.Total.String()).Cmp(ratOf(t, wantTotal[e.Key])), "%s: %s", e.Key, p.Total)
		require.NotContains(t, string(p.Total), "e", "plain decimal text")
		_, err := strconv.ParseFloat(string(p.Total), 64)
		require.NoError(t, err, "a JSON number")
	}
	// The report's statistics are exact too: sum, minimum, maximum.
	var found bool
	for _, s := range rep.Stats["orders"] {
		if s.Column != "total" {
			continue
		}
		found = true
		require.Equal(t, "DECIMAL(18,4)", s.Type)
		require.Equal(t, want.FloatString(4), ratOf(t, string(s.Sum)).FloatString(4))
		require.Equal(t, json.Number("12345678901234.5678"), s.Max)
		require.Equal(t, json.Number("0.1"), s.Min)
	}
	require.True(t, found, "orders.total has statistics")
}

// TestShopifyLineTotalsExact checks the Shopify line totals (unit price ×
// quantity − line discount) in the committed line_items against the same
// figure computed with math/big from the fixture.
func TestShopifyLineTotalsExact(t *testing.T) {
	src := filepath.Join("testdata", "shopify", "orders.csv")
	f, err := os.Open(src)
	require.NoError(t, err)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	want := map[string]string{} // sku → price × quantity − discount
	for _, r := range recs[1:] {
		sku, price, qty := r[col["Lineitem sku"]], r[col["Lineitem price"]], r[col["Lineitem quantity"]]
		if sku == "" || price == "" || qty == "" {
			continue
		}
		x := new(big.Rat).Mul(ratOf(t, price), ratOf(t, qty))
		if d := r[col["Lineitem discount"]]; d != "" {
			x.Sub(x, ratOf(t, d))
		}
		want[sku] = x.FloatString(4)
	}
	require.NotEmpty(t, want)

	dest := t.TempDir()
	importKeyed(t, dest, ImportOptions{Kind: KindOrders, Format: "shopify-csv"}, src)
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT sku, total::VARCHAR, subtotal::VARCHAR FROM read_parquet('" + filepath.Join(dest, "line_items", "*", "*.parquet") + "') WHERE sku IS NOT NULL")
	require.NoError(t, err)
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var sku, total, subtotal string
		require.NoError(t, rows.Scan(&sku, &total, &subtotal))
		require.Equal(t, total, subtotal, sku)
		if _, ok := want[sku]; ok {
			got[sku] = total
		}
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, got)
	for sku, v := range got {
		require.Equal(t, want[sku], v, sku)
	}
}
