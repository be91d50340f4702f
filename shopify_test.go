package ingot

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats"
)

// TestShopifyRealExports imports the real Shopify exports of the shared
// corpus (three export versions, 71 to 79 columns) and checks the report
// against what an independent CSV reader (encoding/csv) finds in each file:
// the rows, the orders (distinct Name), every row accounted for, the
// ignored columns, one missing-sku issue per empty Lineitem sku and one
// invalid e-mail per order whose first row has no Email.
func TestShopifyRealExports(t *testing.T) {
	root := filepath.Join("..", "shared", "realdata")
	files, _ := filepath.Glob(filepath.Join(root, "shopify-*", "*.csv"))
	if len(files) == 0 {
		t.Skip("shared/realdata not present")
	}
	for _, path := range files {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			require.NoError(t, err)
			header, data := recs[0], recs[1:]
			col := map[string]int{}
			for i, h := range header {
				col[h] = i
			}
			names := map[string]bool{}
			var emptySKU, noEmail, apostrophes int64
			var ignored []string
			for _, h := range header {
				if !formats.ShopifyCSV.Known(h) {
					ignored = append(ignored, h)
				}
			}
			for _, r := range data {
				names[r[col["Name"]]] = true
				if r[col["Lineitem sku"]] == "" {
					emptySKU++
				}
				if r[col["Id"]] != "" && r[col["Email"]] == "" {
					noEmail++
				}
				for _, v := range r {
					if strings.HasPrefix(v, "'") {
						apostrophes++
					}
				}
			}
			dest := t.TempDir()
			rep, err := Import(context.Background(), ImportOptions{Kind: KindOrders, Format: "shopify-csv",
				Sources: []string{path}, Dest: dest, ReportDir: t.TempDir(), MaxRejected: "none"})
			require.NoError(t, err)
			c := rep.Counts
			require.Equal(t, int64(len(data)), c.Rows)
			require.Equal(t, int64(len(names)), c.Records, "distinct Name values")
			require.Equal(t, c.Rows, c.RowsCommitted+c.RowsRejected+c.RowsSuperseded+c.RowsFailed)
			require.Zero(t, c.RowsFailed)
			require.Len(t, rep.Files, 1)
			require.Equal(t, ignored, rep.Files[0].IgnoredColumns)
			issues := map[string]int64{}
			for _, is := range rep.Issues {
				issues[is.Column+" "+is.Code] += is.Count
			}
			require.Equal(t, emptySKU, issues["Lineitem sku missing"])
			require.Equal(t, noEmail, issues["Email invalid_user_id"])
			if c.RowsRejected == 0 {
				require.Equal(t, int64(len(data)), c.RowsCommitted)
			}
			if apostrophes > 0 { // 'zips are in ignored columns: never a value issue
				require.Contains(t, ignored, "Billing Zip")
			}
		})
	}
}

// TestOrderIDOption checks --order-id: a choice the format offers is
// accepted, anything else is a usage error naming the choices.
func TestOrderIDOption(t *testing.T) {
	opt := ImportOptions{Kind: KindOrders, Format: "shopify-csv", Sources: []string{"x.csv"}, OrderID: "Id"}
	require.NoError(t, opt.Validate())
	opt.OrderID = "Email"
	var ue *UsageError
	require.ErrorAs(t, opt.Validate(), &ue)
	require.ErrorContains(t, opt.Validate(), "choose one of: Name, Id")
	opt.Format, opt.OrderID = "kevel-csv", "Id"
	require.ErrorContains(t, opt.Validate(), "format kevel-csv has a fixed record key (orderId)")
}
