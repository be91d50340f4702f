package json

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/internal/shareddata"
)

// The CrossEngage feed as its documentation publishes the example: the
// third and fourth events have no comma between them. The error must
// point at the fourth event's '{', and the events before it come first.
func TestCrossEngageMissingComma(t *testing.T) {
	path := filepath.Join("testdata", "crossengage", "event_history_20201001120000.json")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	// Where the comma is missing, found independently of the reader.
	at := bytes.Index(data, []byte("}\n  {\n    \"event\": \"cartAbandoned\"")) + len("}\n  ")
	wantLine := int64(bytes.Count(data[:at], []byte{'\n'}) + 1)
	wantCol := int64(at - bytes.LastIndexByte(data[:at], '\n'))

	for _, w := range wraps {
		t.Run(w.name, func(t *testing.T) {
			opt := Options{Fields: []string{"event", "id", "email", "businessUnit"}}
			res := read(t, string(data), opt, w.wrap)
			var pe *ParseError
			require.ErrorAs(t, res.err, &pe)
			require.ErrorIs(t, res.err, ErrSyntax)
			require.Equal(t, [3]int64{28, 3, int64(at)}, [3]int64{pe.Line, pe.Column, pe.Offset})
			require.Equal(t, [2]int64{wantLine, wantCol}, [2]int64{pe.Line, pe.Column})
			require.Equal(t, "in.json: line 28, column 3 (byte "+strconv.Itoa(at)+"): JSON syntax error: expected ',' or ']' after an array element, found '{'", pe.Error())
			require.Equal(t, []int64{2, 14, 21}, res.lines)
			require.Len(t, res.rows, 3)
		})
	}

	// With the comma put back, all five events read.
	fixed := string(data[:at-3]) + "," + string(data[at-3:])
	res := read(t, fixed, Options{Fields: []string{"event", "id", "email", "businessUnit"}}, wraps[0].wrap)
	require.NoError(t, res.err)
	require.Equal(t, []int64{2, 14, 21, 28, 36}, res.lines)
	require.Equal(t, []string{
		`event=string:orderCompleted id=string:c-100234 _rest=object:{"timestamp":"2020-09-30T21:14:08Z","orderId":"100000981","total":129.90,"currency":"EUR","cart":[{"productId":"SKU-4711","name":"Trail Runner 2","brand":"Nordkap","price":89.95,"quantity":1},{"productId":"SKU-0815","name":"Merino Socks","brand":"Nordkap","price":19.975,"quantity":2}]}`,
		`event=string:newsletterSubscribed email=string:anna.schmidt@example.com businessUnit=string:de _rest=object:{"timestamp":"2020-09-30T22:01:45Z","source":"footer"}`,
		`event=string:productViewed id=string:c-100977 _rest=object:{"timestamp":"2020-10-01T07:12:30Z","productId":"SKU-4711","category":["Shoes","Running"]}`,
		`event=string:cartAbandoned id=string:c-100977 _rest=object:{"timestamp":"2020-10-01T07:40:02Z","cartValue":89.95,"currency":"EUR","itemCount":1}`,
		`event=string:orderCompleted email=string:jörg.müller@example.de businessUnit=string:at _rest=object:{"timestamp":"2020-10-01T11:58:59+02:00","orderId":"100001002","total":54.00,"currency":"EUR","loyaltyId":12345678901234567890,"giftWrap":false,"voucher":null}`,
	}, res.rows)
}

// The Shopify REST fixtures are pretty-printed: wrapped documents
// ({"order": {...}}), detected as Objects and read as one record, and one
// bare array (transactions.json, whatever the corpus notes say), read as
// an array. Each record must match encoding/json's reading.
func TestShopifyFixtures(t *testing.T) {
	dir := shareddata.Path(t, "realdata", "shopify-api-fixtures-json")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			bs, err := batches(t, data, Options{})
			defer func() {
				for _, b := range bs {
					b.Release()
				}
			}()
			require.NoError(t, err)
			rows := rowsOf(bs)
			want := decodeStd(t, data)
			var records []any
			wrapped := false
			switch v := want.(type) {
			case []any:
				require.Equal(t, Array, Sniff(data[:min(len(data), 1024)]))
				records = v
			default:
				require.Equal(t, Objects, Sniff(data[:min(len(data), 1024)]))
				records = []any{v}
				wrapped = true
				require.Equal(t, []int64{1}, rows[0].b.Lines())
			}
			require.Len(t, rows, len(records))
			for i, rec := range records {
				require.Empty(t, rows[i].codes)
				require.Equal(t, rec, any(rowValue(t, rows[i].b, rows[i].i, "_rest")))
			}
			if wrapped { // a wrapper: its one key holds the resource
				b := rows[0].b
				require.Equal(t, 1, b.NumFields())
				require.Contains(t, []columnar.ValueType{columnar.TypeObject, columnar.TypeArray}, b.Types[0].At(0))
			}
		})
	}
}
