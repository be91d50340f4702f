package orders

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/formats"
	"ingot/formats/csv"
	"ingot/formats/parse"
	"ingot/issue"
)

// FuzzKevelRows feeds arbitrary rows under a Kevel header through the
// reader and the order validator, at a small batch size, and checks what
// must hold for any input: no panic or leak, typed columns as long as
// their rows, starts in order, every issue on a row of its batch, a reject
// for every error and every error row flagged, and JSON fragments that
// parse.
func FuzzKevelRows(f *testing.F) {
	f.Add([]byte(kevelRow(order1, item1a) + kevelRow("", item1b) + kevelRow(order2, item2)))
	f.Add([]byte(kevelRow("", item1b) + "\"unterminated"))
	f.Add([]byte("A,,,,\n\"x\"y,1\r\n,,\xff\n"))
	for _, p := range []string{"rejects.csv", "nonseq.csv"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kevel", p)); err == nil {
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				f.Add(b[i+1:])
			}
		}
	}
	f.Fuzz(func(t *testing.T, rows []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		in := append([]byte(kevelHeader), rows...)
		r, err := csv.NewReader(bytes.NewReader(in), "fuzz.csv", csv.Options{BatchRows: 3, KeyColumn: "orderId", Allocator: mem})
		require.NoError(t, err)
		v, err := NewValidator(formats.KevelCSV, r.Header(), Options{Allocator: mem})
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
			require.Equal(t, n, o.Rows())
			require.Equal(t, int64(len(o.Starts)), o.Orders.NumRows())
			require.Equal(t, int64(n), o.Items.NumRows())
			require.Equal(t, n, o.OrderID.Len())
			for i := 1; i < len(o.Starts); i++ {
				require.Less(t, o.Starts[i-1], o.Starts[i])
			}
			errRows := map[int32]bool{}
			for k := range o.Issues.Len() {
				require.Less(t, int(o.Issues.Row[k]), n)
				if issue.InfoOf(o.Issues.Code[k]).Severity == issue.Error {
					errRows[o.Issues.Row[k]] = true
				}
			}
			require.Len(t, o.RejectRow, len(o.Rejects))
			for row := range n {
				require.Equal(t, errRows[int32(row)], o.RowError[row], "row %d", row)
			}
			for _, frags := range []Fragments{o.OrderJSON, o.ItemJSON} {
				for i := 0; i+1 < len(frags.Offs); i++ {
					if o.RowError[min(i, n-1)] {
						continue // rejected rows may hold invalid UTF-8
					}
					var m map[string]any
					require.NoError(t, json.Unmarshal(append(append([]byte{'{'}, frags.At(i)...), '}'), &m), "%q", frags.At(i))
				}
			}
			o.Release()
		}
	})
}
