package orders

import (
	"bytes"
	stdcsv "encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/formats"
	"ingot/formats/csv"
	"ingot/formats/parse"
	"ingot/issue"
)

// shopifyFixture is testdata/shopify/orders.csv: orders built from the
// Shopify field list, one per status combination, with continuation rows,
// a multi-line note, a leading-apostrophe zip and columns ingot ignores.
func shopifyFixture(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shopify", "orders.csv"))
	require.NoError(t, err)
	return b
}

// validateShopify reads a Shopify export at a batch size the way the
// pipeline does (key column and carried columns from the format) and
// validates every batch.
func validateShopify(t testing.TB, in []byte, f *formats.Format, batch int, mem memory.Allocator) ([]*Rows, []string) {
	r, err := csv.NewReader(bytes.NewReader(in), "orders.csv", csv.Options{BatchRows: batch,
		KeyColumn: f.KeyField().Name, Carry: f.Carry(), Allocator: mem})
	require.NoError(t, err)
	v, err := NewValidator(f, r.Header(), Options{Allocator: mem})
	require.NoError(t, err)
	var out []*Rows
	for {
		b, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			return out, r.Header()
		}
		require.NoError(t, err)
		o, err := v.Validate(b)
		require.NoError(t, err)
		out = append(out, o)
	}
}

func TestShopifyValidate(t *testing.T) {
	in := shopifyFixture(t)
	// What the field list says each row becomes: order id, line status
	// (ShopifyLineStatus of the fulfillment and the order's financial
	// status), currency (the order's), line total (price × quantity −
	// discount).
	wantItems := []string{
		"#1001 fulfilled EUR 31.47", // paid + fulfilled; 3 × 10.99 − 1.50
		"#1001 paid EUR 9",          // paid + pending; Currency inherited
		"#1002 cancelled USD 5",     // voided
		"#1003 refunded EUR 10",     // partially_refunded + restocked
		"#1003 fulfilled EUR 10",
		"#1003 paid EUR 10", // partially_refunded + partial
		"#1004 placed GBP 2",
		"#1004 placed GBP 10", // empty sku: an issue, below
		"#1005 placed EUR 1",  // authorized
		"#1006 placed EUR 1",  // financial status "shipped": an issue
		"#1007 refunded EUR 7",
	}
	wantIssues := []string{"7 Lineitem sku missing", "8 Email invalid_user_id", "9 Financial Status bad_value"}
	wantOrders := []string{
		"#1001 email anna.schmidt@example.com EUR 53.9 40.47 8.53 4.9 1.5 0 [SPRING10] 2021-03-04T09:11:12Z",
		"#1002 email bob@example.org USD 5 5 0 0 0 0 <nil> 2021-03-06T04:30:00Z",
		"#1003 email carla@example.org EUR 30 30 0 0 0 10 <nil> 2021-03-06T08:00:00Z",
		"#1004 email dan@example.org GBP 2 2 0 0 0 0 <nil> 2021-03-07T11:00:00Z",
		"#1005 <nil> <nil> EUR 1 1 0 0 0 0 <nil> 2021-03-08T11:00:00Z",
		"#1006 email eve@example.org EUR 1 1 0 0 0 0 <nil> 2021-03-08T11:00:00Z",
		"#1007 email fay@example.org EUR 7 7 0 0 0 7 <nil> 2021-03-09T11:00:00Z",
	}
	for _, batch := range []int{1, 2, 3, 7, 1000} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rows, header := validateShopify(t, in, formats.ShopifyCSV, batch, mem)
			var items, issues, orders []string
			base := 0
			for _, o := range rows {
				for i, it := range recordJSON(t, o.Items) {
					items = append(items, fmt.Sprint(o.OrderID.Value(i), " ", it["status"], " ", it["currency"], " ", it["total"]))
					require.Equal(t, it["total"], it["subtotal"], "row %d", base+i)
				}
				for _, m := range recordJSON(t, o.Orders) {
					orders = append(orders, fmt.Sprint(m["order_id"], " ", m["user_id_type"], " ", m["user_id"], " ", m["currency"], " ",
						m["total"], " ", m["subtotal"], " ", m["tax"], " ", m["shipping"], " ", m["discount"], " ", m["refund"], " ",
						m["promotions"], " ", m["created_at"]))
				}
				for k := range o.Issues.Len() {
					issues = append(issues, fmt.Sprint(base+int(o.Issues.Row[k]), " ", header[o.Issues.Col[k]], " ", issue.InfoOf(o.Issues.Code[k]).Name))
				}
				base += o.Rows()
				o.Release()
			}
			require.Equal(t, wantItems, items)
			require.Equal(t, wantIssues, issues)
			require.Equal(t, wantOrders, orders)
		})
	}
}

func TestShopifyOrderIDChoice(t *testing.T) {
	f, err := formats.ShopifyCSV.WithKey("Id")
	require.NoError(t, err)
	rows, _ := validateShopify(t, shopifyFixture(t), f, 2, memory.DefaultAllocator)
	var ids []string
	for _, o := range rows {
		ids = append(ids, stringValues(o.OrderID)...)
		o.Release()
	}
	// Continuation rows leave Id blank: they belong to the order above.
	require.Equal(t, []string{"3823857205423", "3823857205423", "3823857205424", "3823857205425", "3823857205425", "3823857205425",
		"3823857205426", "3823857205426", "3823857205427", "3823857205428", "3823857205429"}, ids)
	_, err = formats.ShopifyCSV.WithKey("Email")
	require.ErrorContains(t, err, `"Email" cannot be the record key`)
	same, err := formats.ShopifyCSV.WithKey("Name")
	require.NoError(t, err)
	require.Same(t, formats.ShopifyCSV, same)
}

func TestShopifyHeaderByName(t *testing.T) {
	in := shopifyFixture(t)
	// The same export with its columns in reverse order imports alike.
	recs := parseCSV(t, in)
	for i, r := range recs {
		for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
			r[a], r[b] = r[b], r[a]
		}
		recs[i] = r
	}
	var buf bytes.Buffer
	for _, r := range recs {
		for k, v := range r {
			if k > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
		}
		buf.WriteByte('\n')
	}
	a, _ := validateShopify(t, in, formats.ShopifyCSV, 1000, memory.DefaultAllocator)
	b, _ := validateShopify(t, buf.Bytes(), formats.ShopifyCSV, 1000, memory.DefaultAllocator)
	require.Equal(t, recordJSON(t, a[0].Items), recordJSON(t, b[0].Items))
	require.Equal(t, recordJSON(t, a[0].Orders), recordJSON(t, b[0].Orders))
	require.Equal(t, []string{"Tags", "Vendor", "Notes", "Billing Zip"}, formats.ShopifyCSV.Ignored(recs[0]))
	for _, o := range append(a, b...) {
		o.Release()
	}
}

// parseCSV reads a whole CSV with encoding/csv: an independent reader.
func parseCSV(t testing.TB, in []byte) [][]string {
	recs, err := stdcsv.NewReader(bytes.NewReader(in)).ReadAll()
	require.NoError(t, err)
	return recs
}

// FuzzShopifyRows feeds arbitrary rows under a Shopify header through the
// reader and the order validator at a small batch size, and checks what
// must hold for any input: no panic or leak, typed columns as long as
// their rows, every issue on a row of its batch, a reject for every error,
// error rows flagged, statuses and currencies only from the allowed sets,
// and JSON fragments that parse.
func FuzzShopifyRows(f *testing.F) {
	in := shopifyFixture(f)
	i := bytes.IndexByte(in, '\n')
	header := in[:i+1]
	f.Add(in[i+1:])
	f.Add([]byte("#1,a@b.c,paid,,,EUR,1,0,0,1,,0,,2021-03-04 10:11:12 +0100,1,x,1,S,pending\n,,,,,,,,,,,,,,,,,,\n"))
	f.Add([]byte("\"unterminated\n#2,,,,\xff"))
	f.Fuzz(func(t *testing.T, rows []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		data := append(append([]byte{}, header...), rows...)
		r, err := csv.NewReader(bytes.NewReader(data), "fuzz.csv", csv.Options{BatchRows: 3, KeyColumn: "Name",
			Carry: formats.ShopifyCSV.Carry(), Allocator: mem})
		require.NoError(t, err)
		v, err := NewValidator(formats.ShopifyCSV, r.Header(), Options{Allocator: mem})
		require.NoError(t, err)
		for {
			b, err := r.ReadBatch()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var pe *parse.Error
				require.ErrorAs(t, err, &pe)
				return
			}
			n := b.Rows()
			o, err := v.Validate(b)
			require.NoError(t, err)
			require.Equal(t, int64(len(o.Starts)), o.Orders.NumRows())
			require.Equal(t, int64(n), o.Items.NumRows())
			errRows := map[int32]bool{}
			for k := range o.Issues.Len() {
				require.Less(t, int(o.Issues.Row[k]), n)
				if issue.InfoOf(o.Issues.Code[k]).Severity == issue.Error {
					errRows[o.Issues.Row[k]] = true
				}
			}
			require.Len(t, o.RejectRow, len(o.Rejects))
			status := o.Items.Column(ItemColumns.FieldIndices("status")[0]).(*array.String)
			for row := range n {
				require.Equal(t, errRows[int32(row)], o.RowError[row], "row %d", row)
				if status.IsValid(row) {
					require.Contains(t, formats.KevelStatuses, status.Value(row))
				}
			}
			for _, frags := range []Fragments{o.OrderJSON, o.ItemJSON} {
				for i := 0; i+1 < len(frags.Offs); i++ {
					if o.RowError[min(i, n-1)] {
						continue
					}
					var m map[string]any
					require.NoError(t, json.Unmarshal(append(append([]byte{'{'}, frags.At(i)...), '}'), &m), "%q", frags.At(i))
				}
			}
			o.Release()
		}
	})
}
