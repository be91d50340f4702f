package ingot

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/internal/shareddata"
	"ingot/pipeline"
	"ingot/validate"
)

// specFixture loads testdata/transforms/<name> and returns the options of
// its one import, reading src (in testdata/transforms) into dest.
func specFixture(t *testing.T, name, dest string, src ...string) ImportOptions {
	t.Helper()
	s, err := LoadSpec(filepath.Join("testdata", "transforms", name))
	require.NoError(t, err)
	o, err := SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	o.Sources = nil
	for _, f := range src {
		o.Sources = append(o.Sources, filepath.Join("testdata", "transforms", f))
	}
	o.Dest, o.ReportDir = dest, t.TempDir()
	return o
}

// rejectRows reads the rejects.csv of a report directory, header first.
func rejectRows(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, validate.RejectsCSV))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// rejectsBy picks line, record id, column and code of each reject.
func rejectsBy(rows [][]string) [][4]string {
	var out [][4]string
	for _, r := range rows[1:] {
		out = append(out, [4]string{r[1], r[2], r[3], r[4]})
	}
	return out
}

// TestSpecTransformsEndToEnd: a spec's transforms reshape a CSV of
// customers on the way in; a failed cast and an unparsable timestamp
// reject their rows (with line, record id and the field), never a zero.
func TestSpecTransformsEndToEnd(t *testing.T) {
	dest := t.TempDir()
	o := specFixture(t, "transforms.yaml", dest, "customers_raw.csv")
	o.MaxRejected = "none"
	rep, err := Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, [3]int64{4, 2, 2}, [3]int64{rep.Counts.Records, rep.Counts.Added, rep.Counts.Rejected})
	cur := current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"Level": "1", "Orders": "12", "Signup": "2026-04-07T14:30:00Z", "Town": "Berlin",
		"source": "crm", "tierName": "one"}, cur["alice@example.com"])
	require.Equal(t, map[string]any{"Level": "2", "Orders": "3", "Signup": "2026-04-08T09:00:00Z", "Town": "Paris",
		"source": "crm", "tierName": "two"}, cur["bob@example.com"])
	require.Equal(t, [][4]string{
		{"4", "carol@example.com", "Orders", "bad_cast"},
		{"5", "dave@example.com", "Signup", "timestamp_pattern_mismatch"},
	}, rejectsBy(rejectRows(t, o.ReportDir)))
	rows := rejectRows(t, o.ReportDir)
	require.Equal(t, `expected an integer such as 12 (the spec's cast), found "abc"`, rows[1][5])
	require.Equal(t, "", rows[1][8], "Orders kept its name")
	require.Equal(t, `expected a date-time matching the spec's timestamp pattern, found "2026-04-10" (it stops matching at byte 3)`, rows[2][5])
}

// TestSpecTransformsTypedJSON: value maps on JSON input are type-aware
// (the number 1 is not the text "1"), and casts keep JSON types.
func TestSpecTransformsTypedJSON(t *testing.T) {
	dest := t.TempDir()
	o := specFixture(t, "typed.yaml", dest, "typed.jsonl")
	o.MaxRejected = "none"
	rep, err := Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, int64(2), rep.Counts.Added)
	cur := current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"tier": "one", "vip": true}, cur["a@example.com"], "the number 1 matches the key 1")
	require.Equal(t, map[string]any{"tier": "1", "vip": false}, cur["b@example.com"], "the text \"1\" does not")
	require.Equal(t, [][4]string{{"3", "c@example.com", "vip", "bad_cast"}}, rejectsBy(rejectRows(t, o.ReportDir)))
}

// TestCustomersMappingEndToEnd: with a mapping only the mapped
// attributes are imported, renamed, value-mapped, filled by their
// fallbacks (a dynamic date evaluated at the run's clock), type-checked
// and, for ignore_on_update, left alone when the customer is updated.
func TestCustomersMappingEndToEnd(t *testing.T) {
	dest := t.TempDir()
	o := specFixture(t, "mapping.yaml", dest, "customers_mapped.csv")
	o.Now = func() time.Time { return time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC) }
	rep, err := Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, [3]int64{5, 2, 3}, [3]int64{rep.Counts.Records, rep.Counts.Added, rep.Counts.Rejected})
	cur := current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"city": "Berlin", "joined": "2026-01-05", "tier": "gold", "homepage": "https://alice.example",
		"newsletter": "yes", "score": "12.5", "tags": "a;b"}, cur["alice@example.com"], "Extra is not mapped")
	require.Equal(t, map[string]any{"city": "Unknown", "joined": "2026-04-01", "tier": "silver", "newsletter": "false"},
		cur["bob@example.com"], "fallbacks: static, first day of this month at the run's clock, static boolean")
	require.Equal(t, [][4]string{
		{"4", "carol@example.com", "joined", "bad_attribute_value"},
		{"4", "carol@example.com", "homepage", "bad_attribute_value"},
		{"4", "carol@example.com", "newsletter", "bad_attribute_value"},
		{"4", "carol@example.com", "score", "bad_attribute_value"},
		{"5", "dave@example.com", "tier", "bad_attribute_value"},
		{"6", "", "userId", "missing_attribute"},
	}, rejectsBy(rejectRows(t, o.ReportDir)), "every issue of a rejected record, in row order")
	rows := rejectRows(t, o.ReportDir)
	require.Equal(t, `expected a date such as 2026-04-07, found "05/01/2026"`, rows[1][5])
	require.Equal(t, [3]string{"joined", "05/01/2026", "Joined"}, [3]string{rows[1][3], rows[1][6], rows[1][8]},
		"the attribute, the value and the file's header")
	require.Equal(t, "expected a value for the mandatory attribute userId, found an empty field and no fallback", rows[6][5])

	// An update: tier changes, city is ignore_on_update and stays; a new
	// customer gets its city.
	o = specFixture(t, "mapping.yaml", dest, "customers_mapped_update.csv")
	o.Now = func() time.Time { return time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC) }
	rep, err = Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, [2]int64{1, 1}, [2]int64{rep.Counts.Added, rep.Counts.Updated})
	cur = current(t, dest, customersQuery)
	require.Equal(t, "Berlin", cur["alice@example.com"]["city"], "ignore_on_update: never changed on update")
	require.Equal(t, "silver", cur["alice@example.com"]["tier"])
	require.Equal(t, map[string]any{"city": "Lisbon", "joined": "2026-05-01", "newsletter": "false"}, cur["eve@example.com"],
		"written when the customer is created")
	ev := eventsOf(t, dest, rep.Version)
	for _, e := range ev {
		if e.Key == "alice@example.com" {
			require.JSONEq(t, `{"user_id_type":"email","user_id":"alice@example.com","attributes":{"newsletter":"false","tier":"silver"}}`, string(e.Payload),
				"an empty Opt-In takes its fallback")
		}
	}

	// overwrite keeps an ignore_on_update attribute too.
	o = specFixture(t, "mapping.yaml", dest, "customers_mapped_update.csv")
	o.Merge, o.AllowChangedOptions = "overwrite", true
	_, err = Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, "Berlin", current(t, dest, customersQuery)["alice@example.com"]["city"])
}

// TestWorkflowStructuralErrors: with pre-processing, a structural error
// in any file (a mapped header missing, an inconsistent column count)
// fails the import before anything is imported, naming file and line;
// nothing is committed, not even the good file's records.
func TestWorkflowStructuralErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"missing mapped header", "customers_no_level.csv", `customers_no_level.csv: line 1: mapping: the header "Level" of attribute "tier" is not in the file`},
		{"inconsistent column count", "customers_ragged.csv", "customers_ragged.csv: line 3 (byte 86): expected 8 fields, found 3 (inconsistent column count)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := t.TempDir()
			o := specFixture(t, "mapping.yaml", dest, "customers_mapped_update.csv", tc.file)
			require.True(t, o.Preprocess)
			rep, err := Import(context.Background(), o)
			var pe *pipeline.PreprocessError
			require.ErrorAs(t, err, &pe)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, validate.StatusFailed, rep.Status)
			require.Zero(t, rep.Version)
			require.Equal(t, validate.FileOK, rep.Files[0].Status)
			require.Equal(t, validate.FileFailed, rep.Files[1].Status)
			require.Empty(t, readLog(t, dest), "nothing committed")
		})
	}
}

// TestOnlineRetailAsKevelOrders imports the UCI Online Retail sample as
// Kevel orders through a spec of transforms alone (renames, constants, a
// custom timestamp pattern, casts, DuckDB derives), in small batches so
// that orders span them. The expectations come from a separate read of
// the CSV: one order per distinct InvoiceNo, rejected when a row lacks
// its CustomerID, and the committed quantities sum to the file's.
func TestOnlineRetailAsKevelOrders(t *testing.T) {
	dir := shareddata.Dir()
	path := filepath.Join(dir, "realdata", "online-retail-head1000", "OnlineRetail.csv")
	if _, err := os.Stat(path); dir == "" || err != nil {
		t.Skip("Online Retail sample absent")
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	require.Equal(t, []string{"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"}, rows[0])
	invoices, noCustomer := map[string]bool{}, map[string]bool{}
	qty := map[string]int64{}
	for _, r := range rows[1:] {
		invoices[r[0]] = true
		if r[6] == "" {
			noCustomer[r[0]] = true
		}
		q, err := strconv.ParseInt(r[3], 10, 64)
		require.NoError(t, err)
		qty[r[0]] += q
	}
	var wantQty int64
	for inv, q := range qty {
		if !noCustomer[inv] {
			wantQty += q
		}
	}

	dest := t.TempDir()
	s, err := LoadSpec(filepath.Join("testdata", "transforms", "online_retail.yaml"))
	require.NoError(t, err)
	o, err := SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	o.Sources, o.Dest, o.ReportDir, o.BatchRows = []string{path}, dest, t.TempDir(), 100
	rep, err := Import(context.Background(), o)
	require.NoError(t, err)
	c := rep.Counts
	require.Equal(t, int64(len(rows)-1), c.Rows)
	require.Equal(t, int64(len(invoices)), c.Records, "one order per InvoiceNo")
	require.Equal(t, int64(len(noCustomer)), c.Rejected)
	require.Equal(t, int64(len(invoices)-len(noCustomer)), c.Added)
	require.NoError(t, c.Check())
	for _, is := range rep.Issues {
		require.Contains(t, []string{"invalid_user_id", "total_mismatch"}, is.Code, "no other issue: every date parses, every number casts")
	}

	st, err := commit.OpenLocalReadOnly(dest)
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	var n, sum int64
	require.NoError(t, db.QueryRow("SELECT count(*) FROM orders").Scan(&n))
	require.Equal(t, c.Added, n)
	require.NoError(t, db.QueryRow("SELECT sum(quantity) FROM line_items").Scan(&sum))
	require.Equal(t, wantQty, sum)
	var at time.Time
	var sku, cur string
	var subtotal float64
	require.NoError(t, db.QueryRow(`SELECT o.created_at, l.sku, o.currency, l.subtotal FROM orders o JOIN line_items l USING (order_id)
		WHERE order_id = '536365' ORDER BY l.line_no LIMIT 1`).Scan(&at, &sku, &cur, &subtotal))
	require.Equal(t, time.Date(2010, 12, 1, 8, 26, 0, 0, time.UTC), at.UTC(), "M/d/yy H:mm")
	require.Equal(t, [2]string{"85123A", "GBP"}, [2]string{sku, cur})
	require.InDelta(t, 15.3, subtotal, 1e-9, "round(6 × 2.55, 2) by DuckDB")
}

// TestPreprocessStructure: each structural error of the workflow's
// pre-processing, on any kind of file, fails the import before anything
// is imported (the good file's records neither), naming file and line.
func TestPreprocessStructure(t *testing.T) {
	for _, tc := range []struct {
		name, format, good, bad, want string
	}{
		{"empty file", "csv", "good.csv", "empty.csv", "empty.csv: line 1: empty input: no header row"},
		{"header and no records", "csv", "good.csv", "header_only.csv", "header_only.csv: line 1: the file is empty: a header and no records"},
		{"duplicate header", "csv", "good.csv", "dup_header.csv", `dup_header.csv: line 1, field "city": duplicate column name`},
		{"broken JSON", "jsonl", "good.jsonl", "broken.jsonl", "broken.jsonl: line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := t.TempDir()
			o := ImportOptions{Kind: KindCustomers, Format: tc.format, Dest: dest, ReportDir: t.TempDir(), Preprocess: true,
				Sources: []string{filepath.Join("testdata", "transforms", tc.good), filepath.Join("testdata", "transforms", tc.bad)}}
			rep, err := Import(context.Background(), o)
			var pe *pipeline.PreprocessError
			require.ErrorAs(t, err, &pe, "%v", err)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, validate.StatusFailed, rep.Status)
			require.Empty(t, readLog(t, dest), "nothing committed")

			// Without pre-processing the good file is imported (the
			// bad one fails, or loses its broken records).
			o.Preprocess, o.ReportDir, o.MaxRejected = false, t.TempDir(), "none"
			rep, _ = Import(context.Background(), o)
			require.Positive(t, rep.Version)
		})
	}
}

// TestKevelOrdersThroughTransformsRejects: in orders brought into
// kevel-csv by transforms, a quantity that does not cast and a date that
// does not match the pattern reject their whole orders, each reject
// naming the line, the order id and the field.
func TestKevelOrdersThroughTransformsRejects(t *testing.T) {
	dest := t.TempDir()
	s, err := LoadSpec(filepath.Join("testdata", "transforms", "online_retail.yaml"))
	require.NoError(t, err)
	o, err := SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	o.Sources, o.Dest, o.ReportDir = []string{filepath.Join("testdata", "transforms", "retail_small.csv")}, dest, t.TempDir()
	rep, err := Import(context.Background(), o)
	require.NoError(t, err)
	require.Equal(t, [3]int64{4, 2, 2}, [3]int64{rep.Counts.Records, rep.Counts.Added, rep.Counts.Rejected})
	got := rejectsBy(rejectRows(t, o.ReportDir))
	require.Equal(t, [4]string{"3", "536365", "lineItem_quantity", "bad_cast"}, got[0])
	require.Contains(t, got, [4]string{"5", "536367", "createdAt", "timestamp_pattern_mismatch"})
	// The value a cast could not convert is kept as it was, never a
	// zero: the kind's own checks see it too, and what was derived from
	// it is missing.
	require.Contains(t, got, [4]string{"3", "536365", "lineItem_quantity", "not_an_integer"})
	require.Contains(t, got, [4]string{"3", "536365", "lineItem_subtotal", "missing"})
}
