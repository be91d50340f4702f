package ingot

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// realData returns the path of a file of the shared real-data folder —
// next to the module root, or next to the main checkout when the module
// is a git worktree — skipping the test when it is absent.
func realData(t *testing.T, parts ...string) string {
	t.Helper()
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	dirs := []string{filepath.Join(filepath.Dir(root), "shared")}
	if b, err := os.ReadFile(filepath.Join(root, ".git")); err == nil {
		// A worktree: "gitdir: <main>/.git/worktrees/<name>".
		gitdir := strings.TrimSpace(strings.TrimPrefix(string(b), "gitdir:"))
		if i := strings.LastIndex(gitdir, string(filepath.Separator)+".git"+string(filepath.Separator)); i >= 0 {
			dirs = append(dirs, filepath.Join(filepath.Dir(gitdir[:i]), "shared"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(append([]string{d, "realdata"}, parts...)...)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("real data not available next to the repository")
	return ""
}

// readCSV reads a whole CSV file with encoding/csv: the independent
// reading the assertions are derived from.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestOlistCustomers imports the Olist customers (1,000, keyed by
// customer_unique_id, 32 hex digits: an email_md5-shaped id) and checks
// every committed customer against encoding/csv's reading of the file.
func TestOlistCustomers(t *testing.T) {
	src := realData(t, "olist-subset1000-ingestdate", "olist_customers_dataset.csv")
	rows := readCSV(t, src)
	ids := map[string]map[string]string{}
	for _, r := range rows {
		ids[r["customer_unique_id"]] = r // last wins
	}
	dest := t.TempDir()
	opt := ImportOptions{Kind: KindCustomers, UserIDColumn: "customer_unique_id", UserIDType: "email_md5"}
	rep := importKeyed(t, dest, opt, src)
	require.Equal(t, int64(len(rows)), rep.Counts.Records)
	require.Equal(t, int64(len(ids)), rep.Counts.Added)
	require.Equal(t, int64(len(rows)-len(ids)), rep.Counts.Superseded)
	require.Zero(t, rep.Counts.Rejected)
	cur := current(t, dest, customersQuery)
	require.Len(t, cur, len(ids))
	for id, r := range ids {
		want := map[string]any{}
		for k, v := range r {
			if k != "customer_unique_id" && v != "" {
				want[k] = v
			}
		}
		require.Equal(t, want, cur[id], "customer %s", id)
	}
	rep = importKeyed(t, dest, opt, src)
	require.Zero(t, rep.Version, "re-import adds nothing")
}

// TestOlistProducts imports the first 999 Olist products by product_id:
// every product added with its columns as text attributes, the empty ones
// left out (29 have no category).
func TestOlistProducts(t *testing.T) {
	src := realData(t, "olist-head999", "olist_products_dataset.csv")
	rows := readCSV(t, src)
	dest := t.TempDir()
	rep := importKeyed(t, dest, ImportOptions{Kind: KindProducts, KeyColumn: "product_id"}, src)
	require.Equal(t, int64(len(rows)), rep.Counts.Added)
	cur := current(t, dest, productsQuery)
	require.Len(t, cur, len(rows))
	noCategory := 0
	for _, r := range rows {
		got := cur[r["product_id"]]
		require.NotNil(t, got, r["product_id"])
		if r["product_category_name"] == "" {
			noCategory++
			require.NotContains(t, got, "product_category_name")
		} else {
			require.Equal(t, r["product_category_name"], got["product_category_name"])
		}
		require.Equal(t, r["product_weight_g"], got["product_weight_g"])
	}
	require.Positive(t, noCategory)
}
