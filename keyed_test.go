package ingot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/validate"
)

func keyedFixture(kind, name string) string { return filepath.Join("testdata", kind, name) }

// importKeyed imports src into dest with opt's kind, format and options.
func importKeyed(t *testing.T, dest string, opt ImportOptions, src ...string) *validate.Report {
	t.Helper()
	opt.Sources, opt.Dest, opt.ReportDir = src, dest, t.TempDir()
	if opt.MaxRejected == "" {
		opt.MaxRejected = "none"
	}
	rep, err := Import(context.Background(), opt)
	require.NoError(t, err)
	return rep
}

// current returns the current attributes by key of a keyed view, decoded.
func current(t *testing.T, dest, query string) map[string]map[string]any {
	t.Helper()
	st, err := commit.OpenLocalReadOnly(dest)
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]map[string]any{}
	for rows.Next() {
		var k, attrs string
		require.NoError(t, rows.Scan(&k, &attrs))
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(attrs), &m))
		out[k] = m
	}
	require.NoError(t, rows.Err())
	return out
}

// event is what the tests read of an event line.
type event struct {
	Type    string               `json:"type"`
	Key     string               `json:"key"`
	Version int64                `json:"version"`
	Source  struct{ Line int64 } `json:"source"`
	Payload json.RawMessage      `json:"payload"`
}

// eventsOf returns the events of version v.
func eventsOf(t *testing.T, dest string, v int64) []event {
	t.Helper()
	var out []event
	for _, m := range readLog(t, dest) {
		if m.Version != v {
			continue
		}
		f, err := os.Open(filepath.Join(dest, m.Events))
		require.NoError(t, err)
		require.NoError(t, commit.ReadEvents(f, func(line []byte) error {
			var e event
			require.NoError(t, json.Unmarshal(line, &e))
			out = append(out, e)
			return nil
		}))
		f.Close()
	}
	return out
}

const customersQuery = "SELECT user_id, attributes FROM customers"

func TestCustomersMergeAndOverwrite(t *testing.T) {
	dest := t.TempDir()
	opt := ImportOptions{Kind: KindCustomers}
	rep := importKeyed(t, dest, opt, keyedFixture("customers", "customers.csv"))
	require.Equal(t, int64(1), rep.Version)
	c := rep.Counts
	require.Equal(t, [6]int64{5, 3, 1, 3, 1, 0}, [6]int64{c.Records, c.Valid, c.Rejected, c.Added, c.Superseded, c.Updated})
	require.NoError(t, c.Check())
	cur := current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"city": "Berlin", "firstName": "Alice", "lastName": "Smith-Jones", "newsletter": "true"},
		cur["alice@example.com"], "the user id is trimmed and lower-cased; the later row of the same id wins")
	require.NotContains(t, cur["bob@example.com"], "lastName", "an empty CSV value is an attribute not given")

	// merge: given attributes added or replaced, the others kept.
	rep = importKeyed(t, dest, opt, keyedFixture("customers", "customers_update.csv"))
	require.Equal(t, int64(2), rep.Version)
	require.Equal(t, int64(1), rep.Counts.Updated)
	require.Equal(t, int64(1), rep.Counts.Unchanged, "bob's only given attribute, city, is what he has")
	cur = current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"city": "Hamburg", "firstName": "Alice", "lastName": "Smith-Jones", "newsletter": "true", "tier": "gold"},
		cur["alice@example.com"])
	ev := eventsOf(t, dest, 2)
	require.Len(t, ev, 1)
	require.Equal(t, "customerUpdate", ev[0].Type)
	require.JSONEq(t, `{"user_id_type":"email","user_id":"alice@example.com","attributes":{"city":"Hamburg","tier":"gold"}}`,
		string(ev[0].Payload), "an update carries only what changed")

	// Re-importing adds nothing.
	rep = importKeyed(t, dest, opt, keyedFixture("customers", "customers_update.csv"))
	require.Zero(t, rep.Version)
	require.Equal(t, int64(2), rep.Counts.Unchanged)

	// overwrite: the customer becomes exactly what was given. The merge
	// strategy is pinned by the commits so far (merge): changing it must
	// be allowed.
	opt.Merge = "overwrite"
	_, err := Import(context.Background(), ImportOptions{Kind: opt.Kind, Format: opt.Format, Merge: "overwrite", Dest: dest,
		ReportDir: t.TempDir(), Sources: []string{keyedFixture("customers", "customers_update.csv")}})
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "merge: this import has overwrite, the customers were committed with merge")
	opt.AllowChangedOptions = true
	rep = importKeyed(t, dest, opt, keyedFixture("customers", "customers_update.csv"))
	require.Equal(t, int64(2), rep.Counts.Updated)
	cur = current(t, dest, customersQuery)
	require.Equal(t, map[string]any{"city": "Hamburg", "tier": "gold"}, cur["alice@example.com"])
	require.Equal(t, map[string]any{"city": "Paris"}, cur["bob@example.com"])
	require.Equal(t, map[string]any{"city": "Madrid", "firstName": "Carol", "lastName": "White"}, cur["carol@example.com"],
		"a customer not in the file is untouched")
	ev = eventsOf(t, dest, rep.Version)
	require.Len(t, ev, 2)
	var removed struct{ Removed []string }
	for _, e := range ev {
		if e.Key == "bob@example.com" {
			require.NoError(t, json.Unmarshal(e.Payload, &removed))
		}
	}
	require.Equal(t, []string{"firstName", "newsletter"}, removed.Removed)

	// The history keeps every version.
	hist := current(t, dest, "SELECT user_id || '@v' || version, attributes FROM customers_history")
	require.Len(t, hist, 3+1+2)
}

func TestCustomersDuplicateIDs(t *testing.T) {
	dest := t.TempDir()
	rep := importKeyed(t, dest, ImportOptions{Kind: KindCustomers}, keyedFixture("customers", "customers.csv"))
	require.Len(t, rep.Superseded, 1)
	s := rep.Superseded[0]
	require.Equal(t, [2]int64{2, 6}, [2]int64{s.FirstLine, s.ByFirstLine}, "both lines are reported")
	var dup int64
	for _, is := range rep.Issues {
		if is.Code == "duplicate_record" {
			dup = is.Count
		}
	}
	require.Equal(t, int64(1), dup)
	var lines []int64
	for _, e := range eventsOf(t, dest, 1) {
		require.Equal(t, "customerCreate", e.Type)
		lines = append(lines, e.Source.Line)
	}
	slices.Sort(lines)
	require.Equal(t, []int64{3, 5, 6}, lines, "the superseded record's event is taken out")
	hist := current(t, dest, "SELECT user_id || ':' || source_line, attributes FROM customers_history")
	require.Len(t, hist, 3, "and so is its row")
	require.Contains(t, hist, "alice@example.com:6")
}

func TestCustomersJSONKeepsTypes(t *testing.T) {
	dest := t.TempDir()
	rep := importKeyed(t, dest, ImportOptions{Kind: KindCustomers, Format: "jsonl"}, keyedFixture("customers", "customers.jsonl"))
	require.Equal(t, int64(2), rep.Counts.Added)
	require.Equal(t, int64(2), rep.Counts.Rejected, "the line with a syntax error and the one without a user id")
	st, err := commit.OpenLocalReadOnly(dest)
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	var attrs string
	require.NoError(t, db.QueryRow("SELECT attributes FROM customers WHERE user_id = 'dave@example.com'").Scan(&attrs))
	require.Equal(t, `{"age":41,"firstName":"Dave","score":12345678901234567890,"tags":["a","b"]}`, attrs,
		"numbers keep their text, arrays their JSON")
	require.NoError(t, db.QueryRow("SELECT attributes FROM customers WHERE user_id = 'alice@example.com'").Scan(&attrs))
	require.Equal(t, `{"address":{"city":"Berlin","zip":"10115"},"age":34,"firstName":"Alice","vip":true}`, attrs)

	// A JSON array merges into the same customers.
	rep = importKeyed(t, dest, ImportOptions{Kind: KindCustomers, Format: "json"}, keyedFixture("customers", "customers.json"))
	require.Equal(t, [2]int64{1, 1}, [2]int64{rep.Counts.Added, rep.Counts.Unchanged})
	rep = importKeyed(t, dest, ImportOptions{Kind: KindCustomers, Format: "jsonl"}, keyedFixture("customers", "customers.jsonl"))
	require.Zero(t, rep.Version, "re-import adds nothing")
	require.Equal(t, int64(2), rep.Counts.Unchanged)
}

func TestCustomersHashEmailsAndMissingColumn(t *testing.T) {
	dest := t.TempDir()
	rep := importKeyed(t, dest, ImportOptions{Kind: KindCustomers, HashEmails: true}, keyedFixture("customers", "customers_update.csv"))
	cur := current(t, dest, "SELECT user_id_type || ':' || user_id, attributes FROM customers")
	// sha256("alice@example.com")
	require.Contains(t, cur, "email_sha256:ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976")
	require.Equal(t, int64(2), rep.Counts.Added)

	_, err := Import(context.Background(), ImportOptions{Kind: KindCustomers, UserIDColumn: "email", Dest: t.TempDir(),
		ReportDir: t.TempDir(), Sources: []string{keyedFixture("customers", "customers.csv")}})
	require.ErrorContains(t, err, "missing required columns: email")
	_, err = Import(context.Background(), ImportOptions{Kind: KindProducts, Dest: t.TempDir(),
		ReportDir: t.TempDir(), Sources: []string{keyedFixture("customers", "customers.csv")}})
	require.ErrorContains(t, err, "missing required columns: productId")
	_, err = Import(context.Background(), ImportOptions{Kind: KindCustomers, Merge: "replace", Sources: []string{"x"}})
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
}

func TestCustomersRaggedRows(t *testing.T) {
	src := keyedFixture("customers", "ragged.csv")
	for _, tc := range []struct {
		mode     string
		rejected []int64
		kept     map[string]map[string]any
	}{
		{"", []int64{3, 4}, map[string]map[string]any{"gina@example.com": {"firstName": "Gina", "city": "Lyon"}}},
		{"pad", []int64{4}, map[string]map[string]any{"gina@example.com": {"firstName": "Gina", "city": "Lyon"},
			"hank@example.com": {"firstName": "Hank"}}},
		{"truncate", nil, map[string]map[string]any{"gina@example.com": {"firstName": "Gina", "city": "Lyon"},
			"hank@example.com": {"firstName": "Hank"}, "ivy@example.com": {"firstName": "Ivy", "city": "Nice"}}},
	} {
		t.Run("mode="+tc.mode, func(t *testing.T) {
			dest := t.TempDir()
			opt := ImportOptions{Kind: KindCustomers, OnRagged: tc.mode, Sources: []string{src}, Dest: dest,
				ReportDir: t.TempDir(), MaxRejected: "none"}
			rep, err := Import(context.Background(), opt)
			require.NoError(t, err)
			require.Equal(t, int64(len(tc.rejected)), rep.Counts.Rejected)
			var fc int64
			for _, is := range rep.Issues {
				if is.Code == "field_count" {
					fc = is.Count
				}
			}
			require.Equal(t, int64(2), fc, "ragged rows are always counted")
			rj, err := os.ReadFile(filepath.Join(opt.ReportDir, validate.RejectsJSON))
			require.NoError(t, err)
			var rejects []struct{ Line int64 }
			require.NoError(t, json.Unmarshal(rj, &rejects))
			var lines []int64
			for _, r := range rejects {
				lines = append(lines, r.Line)
			}
			require.Equal(t, tc.rejected, lines)
			require.Equal(t, tc.kept, current(t, dest, customersQuery))
		})
	}
}

const productsQuery = "SELECT product_id, attributes FROM products"

func TestProductsAddUpdateUnchanged(t *testing.T) {
	dest := t.TempDir()
	opt := ImportOptions{Kind: KindProducts}
	rep := importKeyed(t, dest, opt, keyedFixture("products", "products.csv"))
	require.Equal(t, [3]int64{3, 1, 0}, [3]int64{rep.Counts.Added, rep.Counts.Rejected, rep.Counts.Updated},
		"the row without a productId is rejected")
	rep = importKeyed(t, dest, opt, keyedFixture("products", "products_update.csv"))
	require.Equal(t, [3]int64{1, 1, 1}, [3]int64{rep.Counts.Added, rep.Counts.Updated, rep.Counts.Unchanged})
	types := map[string]string{}
	for _, e := range eventsOf(t, dest, rep.Version) {
		types[e.Key] = e.Type
	}
	require.Equal(t, map[string]string{"P1": "productUpdate", "P4": "productAdd"}, types)
	rep = importKeyed(t, dest, opt, keyedFixture("products", "products_update.csv"))
	require.Zero(t, rep.Version)
	rep = importKeyed(t, dest, ImportOptions{Kind: KindProducts, Format: "json"}, keyedFixture("products", "products.json"))
	require.Equal(t, int64(2), rep.Counts.Added)
	cur := current(t, dest, productsQuery)
	require.Equal(t, map[string]any{"brand": "Acme", "name": "Numbered"}, cur["7"], "a numeric product id is its text")
	require.Equal(t, "17.99", cur["P1"]["price"])
	require.Len(t, cur, 6)
}

// TestProductEnrichment: once products are committed, an order event's
// line item gains the product's brand only when the order row had none.
func TestProductEnrichment(t *testing.T) {
	dest := t.TempDir()
	orders := keyedFixture("products", "orders_enrich.csv")
	importKeyed(t, dest, ImportOptions{Kind: KindOrders}, orders)
	item := func(v int64, order string) map[string]any {
		for _, e := range eventsOf(t, dest, v) {
			if e.Key == order {
				var p struct {
					LineItems []map[string]any `json:"line_items"`
				}
				require.NoError(t, json.Unmarshal(e.Payload, &p))
				return p.LineItems[0]
			}
		}
		t.Fatalf("no event of %s in version %d", order, v)
		return nil
	}
	require.NotContains(t, item(1, "E-1"), "brand", "no products committed yet: nothing to enrich with")

	importKeyed(t, dest, ImportOptions{Kind: KindProducts}, keyedFixture("products", "products.csv"))
	// The same orders, each line item's status changed: all updated.
	changed := filepath.Join(t.TempDir(), "orders.csv")
	b, err := os.ReadFile(orders)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(changed, []byte(strings.ReplaceAll(string(b), ",paid\n", ",fulfilled\n")), 0o666))
	rep := importKeyed(t, dest, ImportOptions{Kind: KindOrders}, changed)
	require.Equal(t, int64(3), rep.Counts.Updated)
	e1 := item(rep.Version, "E-1")
	require.Equal(t, "Acme", e1["brand"], "the order row had no brand: the product's")
	require.Equal(t, "Blue Shirt", e1["name"])
	require.Equal(t, "Shirts", e1["category"])
	e2 := item(rep.Version, "E-2")
	require.Equal(t, "OwnBrand", e2["brand"], "the order's own brand is never replaced")
	require.Equal(t, "My Shoes", e2["name"])
	require.Equal(t, "Shoes", e2["category"], "what it omitted is added")
	require.NotContains(t, item(rep.Version, "E-3"), "brand", "an unknown product adds nothing")

	// The committed line items are the order's own.
	st, err := commit.OpenLocalReadOnly(dest)
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM line_items WHERE brand IS NOT NULL").Scan(&n))
	require.Equal(t, 1, n)
}

// TestKeyedBatchSizes: whatever the batch size, the same records are
// committed with the same counts.
func TestKeyedBatchSizes(t *testing.T) {
	for _, tc := range []struct {
		kind, format string
		files        []string
	}{
		{KindCustomers, "csv", []string{"customers.csv", "customers_update.csv"}},
		{KindCustomers, "jsonl", []string{"customers.jsonl"}},
		{KindCustomers, "json", []string{"customers.json"}},
		{KindProducts, "csv", []string{"products.csv", "products_update.csv"}},
		{KindProducts, "jsonl", []string{"products.jsonl"}},
	} {
		t.Run(tc.kind+"/"+tc.format, func(t *testing.T) {
			var srcs []string
			for _, f := range tc.files {
				srcs = append(srcs, keyedFixture(tc.kind, f))
			}
			q := customersQuery
			if tc.kind == KindProducts {
				q = productsQuery
			}
			var want map[string]map[string]any
			var wantCounts validate.Counts
			for _, rows := range []int{0, 1, 2, 3} {
				dest := t.TempDir()
				rep := importKeyed(t, dest, ImportOptions{Kind: tc.kind, Format: tc.format, BatchRows: rows}, srcs...)
				got := current(t, dest, q)
				require.NotEmpty(t, got)
				if want == nil {
					want, wantCounts = got, rep.Counts
					continue
				}
				require.Equal(t, want, got, "batch rows %d", rows)
				require.Equal(t, wantCounts, rep.Counts, "batch rows %d", rows)
			}
		})
	}
}
