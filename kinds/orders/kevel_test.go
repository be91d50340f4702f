package orders

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/csv"
	"ingot/formats/parse"
	"ingot/issue"
)

const kevelHeader = "orderId,userIdType,userId,currency,total,subtotal,tax,shipping,discount,refund," +
	"paymentMethod,shippingMethod,shippingCountry,source,promotions,createdAt,lastUpdated," +
	"lineItem_id,lineItem_productId,lineItem_itemGroupId,lineItem_name,lineItem_sku,lineItem_brand," +
	"lineItem_category,lineItem_categories,lineItem_currency,lineItem_total,lineItem_subtotal,lineItem_tax," +
	"lineItem_shipping,lineItem_discount,lineItem_refund,lineItem_quantity,lineItem_promotions,lineItem_adult," +
	"lineItem_subscriptionDuration,lineItem_size,lineItem_sizeSystem,lineItem_status\n"

// kevelRow builds a data row from the order part (17 fields or empty) and
// the line-item part (22 fields).
func kevelRow(order, item string) string {
	if order == "" {
		order = strings.Repeat(",", 16)
	}
	return order + "," + item + "\n"
}

const (
	order1 = "O-1,email, Anna.Schmidt@Example.COM ,eur,30.50,25.00,4.50,1.00,0,0,Visa,UPS,France,web,SUMMER10;FREESHIP,2020-09-16T10:38:06+0100,"
	item1a = "L1,P1,G1,\"Shirt, blue\",SKU1,Acme,Men > Shirts,Men;Men > Shirts,EUR,20.00,16.50,3.00,0.50,0,0,1,,false,,M,EU,paid"
	item1b = "L2,P2,,Socks,SKU2,,,,EUR,10.50,8.50,1.50,0.50,0,0,2,,,,,,placed"
	order2 = "O-2,email_sha256,ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789,USD,10,8,1,1,0,0,,,,,,2021-01-31T23:30:00-0100,2021-02-02T00:00:00Z"
	item2  = "L1,P9,,Mug,SKU9,,,,USD,10,8,1,1,0,0,1,,TRUE,86400000,,,fulfilled"
)

// validateAll reads a Kevel CSV with the given batch size and validates
// every batch.
func validateAll(t *testing.T, in string, batch int, opt Options) []*Rows {
	t.Helper()
	r, err := csv.NewReader(strings.NewReader(in), "orders.csv", csv.Options{BatchRows: batch, KeyColumn: "orderId", Allocator: opt.Allocator})
	require.NoError(t, err)
	v, err := NewValidator(formats.KevelCSV, r.Header(), opt)
	require.NoError(t, err)
	var out []*Rows
	for {
		b, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		o, err := v.Validate(b)
		require.NoError(t, err)
		out = append(out, o)
	}
}

func TestKevelValidate(t *testing.T) {
	in := kevelHeader + kevelRow(order1, item1a) + kevelRow("", item1b) + kevelRow(order2, item2)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := validateAll(t, in, 100, Options{Allocator: mem})
	require.Len(t, rows, 1)
	o := rows[0]
	defer o.Release()

	require.Equal(t, []int32{0, 2}, o.Starts)
	require.Equal(t, []string{"O-1", "O-1", "O-2"}, stringValues(o.OrderID))
	require.Zero(t, o.Issues.Len(), "clean input has no issues: %+v", o.Issues)
	require.Equal(t, []bool{false, false, false}, o.RowError)
	require.Equal(t, []int32{202009, 202102}, o.Month, "O-2 is 2021-02-01T00:30Z in UTC")

	orders := recordJSON(t, o.Orders)
	require.Equal(t, "email", orders[0]["user_id_type"])
	require.Equal(t, "anna.schmidt@example.com", orders[0]["user_id"])
	require.Equal(t, "EUR", orders[0]["currency"])
	require.Equal(t, "30.5", orders[0]["total"], "Arrow's JSON writes a decimal as its text")
	require.Contains(t, string(o.OrderJSON.At(0)), `"total":30.5,`, "events and fingerprints carry the exact decimal as a JSON number")
	require.Equal(t, []any{"SUMMER10", "FREESHIP"}, orders[0]["promotions"])
	require.Nil(t, orders[0]["last_updated"])
	require.Equal(t, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", orders[1]["user_id"])
	require.Nil(t, orders[1]["payment_method"])

	items := recordJSON(t, o.Items)
	require.Len(t, items, 3)
	require.Equal(t, "Shirt, blue", items[0]["name"])
	require.Equal(t, []any{"Men", "Men > Shirts"}, items[0]["categories"])
	require.Equal(t, false, items[1]["adult"], "an empty adult is false")
	require.Equal(t, true, items[2]["adult"])
	require.Equal(t, float64(86400000), items[2]["subscription_duration"])
	require.Equal(t, "fulfilled", items[2]["status"])

	var frag map[string]any
	require.NoError(t, json.Unmarshal([]byte("{"+string(o.OrderJSON.At(0))+"}"), &frag))
	require.Equal(t, "2020-09-16T09:38:06Z", frag["created_at"])
	require.NotContains(t, frag, "last_updated", "nulls are left out")
	require.NoError(t, json.Unmarshal([]byte("{"+string(o.ItemJSON.At(0))+"}"), &frag))
	require.Equal(t, "Shirt, blue", frag["name"])

	require.NotEqual(t, o.ItemHash[0], o.ItemHash[1])
	require.NotEqual(t, o.OrderHash[0], o.OrderHash[1])
}

// TestKevelHashesStable checks that the content hashes ignore how values
// are written (12.5 vs 12.50, e-mail case) but see real changes.
func TestKevelHashesStable(t *testing.T) {
	hashes := func(order, item string) (uint64, uint64) {
		rows := validateAll(t, kevelHeader+kevelRow(order, item), 10, Options{})
		defer rows[0].Release()
		return rows[0].OrderHash[0], rows[0].ItemHash[0]
	}
	o1, i1 := hashes(order1, item1a)
	o2, i2 := hashes(strings.Replace(strings.Replace(order1, "30.50", "30.5", 1), "Anna.Schmidt", "anna.schmidt", 1),
		strings.Replace(item1a, "20.00", "20", 1))
	require.Equal(t, o1, o2)
	require.Equal(t, i1, i2)
	_, i3 := hashes(order1, strings.Replace(item1a, ",paid", ",refunded", 1))
	require.NotEqual(t, i1, i3)
}

func TestKevelIssues(t *testing.T) {
	names := strings.Split(strings.TrimSpace(kevelHeader), ",")
	type want struct {
		row  int
		col  string
		code columnar.Code
		arg  int64
	}
	tests := []struct {
		name  string
		order string
		item  string
		want  []want
	}{
		{"empty currency", strings.Replace(order1, ",eur,", ",,", 1), item1a, []want{{0, "currency", issue.Missing, 0}}},
		{"unknown currency", strings.Replace(order1, ",eur,", ",EURO,", 1), item1a, []want{{0, "currency", issue.BadCurrency, 0}}},
		{"decimal comma", strings.Replace(order1, ",30.50,", ",\"30,50\",", 1), item1a, []want{{0, "total", issue.NotANumber, 0}}},
		{"currency sign", order1, strings.Replace(item1a, ",20.00,", ",€20.00,", 1), []want{{0, "lineItem_total", issue.NotANumber, 0}}},
		{"bad email", strings.Replace(order1, " Anna.Schmidt@Example.COM ", "john.doe@", 1), item1a, []want{{0, "userId", issue.InvalidUserID, int64(issue.UserIDEmail)}}},
		{"placeholder id", strings.Replace(order1, " Anna.Schmidt@Example.COM ", "NULL", 1), item1a, []want{{0, "userId", issue.InvalidUserID, int64(issue.UserIDPlaceholder)}}},
		{"short sha256", strings.Replace(order2, "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", "abc", 1), item2, []want{{0, "userId", issue.InvalidUserID, int64(issue.UserIDHex64)}}},
		{"missing type", strings.Replace(order1, ",email,", ",,", 1), item1a, []want{{0, "userIdType", issue.Missing, 0}}},
		{"bad date", strings.Replace(order1, "2020-09-16T10:38:06+0100", "18/10/2020 02:58", 1), item1a, []want{{0, "createdAt", issue.BadTimestamp, 0}}},
		{"bad status", order1, strings.Replace(item1a, ",paid", ",shipped", 1), []want{{0, "lineItem_status", issue.BadEnum, 0}}},
		{"bad quantity", order1, strings.Replace(item1a, ",0,0,1,,", ",0,0,two,,", 1), []want{{0, "lineItem_quantity", issue.NotAnInteger, 0}}},
		{"bad adult", order1, strings.Replace(item1a, ",false,", ",maybe,", 1), []want{{0, "lineItem_adult", issue.NotABoolean, 0}}},
		{"empty product", order1, strings.Replace(item1a, "L1,P1,", "L1,,", 1), []want{{0, "lineItem_productId", issue.Missing, 0}}},
		{"total mismatch", strings.Replace(order1, ",30.50,", ",31.50,", 1), item1a, []want{{0, "total", issue.TotalMismatch, 0}}},
		{"orphan row", "", item1a, []want{{0, "orderId", issue.OrphanRow, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := validateAll(t, kevelHeader+kevelRow(tc.order, tc.item), 10, Options{})
			o := rows[0]
			defer o.Release()
			var got []want
			for k := range o.Issues.Len() {
				got = append(got, want{int(o.Issues.Row[k]), names[o.Issues.Col[k]], o.Issues.Code[k], o.Issues.Arg[k]})
			}
			require.Equal(t, tc.want, got)
			isErr := issue.InfoOf(tc.want[0].code).Severity == issue.Error
			require.Equal(t, isErr, o.RowError[0])
		})
	}
}

func TestKevelHashEmails(t *testing.T) {
	rows := validateAll(t, kevelHeader+kevelRow(order1, item1a), 10, Options{HashEmails: true})
	defer rows[0].Release()
	got := recordJSON(t, rows[0].Orders)[0]
	sum := sha256.Sum256([]byte("anna.schmidt@example.com"))
	require.Equal(t, "email_sha256", got["user_id_type"])
	require.Equal(t, hex.EncodeToString(sum[:]), got["user_id"])
}

func TestKevelMissingColumns(t *testing.T) {
	hdr := strings.Replace(strings.Replace(kevelHeader, "currency,", "Currency,", 1), ",lineItem_sku", "", 1)
	_, err := NewValidator(formats.KevelCSV, strings.Split(strings.TrimSpace(hdr), ","), Options{})
	require.ErrorIs(t, err, parse.ErrMissingColumns)
	require.EqualError(t, err, `missing required columns: kevel-csv: currency, lineItem_sku; found "Currency", did you mean "currency"? (names are case-sensitive)`)
}

// TestKevelBatchBoundaries checks that where batches split an input does
// not change the order ids, the starts or the issues.
func TestKevelBatchBoundaries(t *testing.T) {
	in := kevelHeader + kevelRow("", item1b) + kevelRow(order1, item1a) + kevelRow("", item1b) +
		kevelRow(strings.Replace(order1, "O-1,", "O-1,", 1), item1b) + // same id repeated: continuation
		kevelRow(order2, item2) + kevelRow("", item2) + kevelRow(order1, item1a)
	type flat struct {
		ids    []string
		starts []int
		errs   []bool
	}
	var ref *flat
	for _, batch := range []int{1, 2, 3, 1000} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			f := &flat{}
			base := 0
			for _, o := range validateAll(t, in, batch, Options{}) {
				f.ids = append(f.ids, stringValues(o.OrderID)...)
				for _, s := range o.Starts {
					f.starts = append(f.starts, base+int(s))
				}
				f.errs = append(f.errs, o.RowError...)
				base += o.Rows()
				o.Release()
			}
			require.Equal(t, []string{"", "O-1", "O-1", "O-1", "O-2", "O-2", "O-1"}, f.ids)
			require.Equal(t, []int{1, 4, 6}, f.starts)
			if ref == nil {
				ref = f
			}
			require.Equal(t, ref, f)
		})
	}
}

func stringValues(a *array.String) []string {
	out := make([]string, a.Len())
	for i := range out {
		out[i] = a.Value(i)
	}
	return out
}

// recordJSON decodes rec through Arrow's JSON rendering.
func recordJSON(t *testing.T, rec arrow.RecordBatch) []map[string]any {
	t.Helper()
	raw, err := rec.MarshalJSON()
	require.NoError(t, err)
	var out []map[string]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}
