package keyed

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats"
	"ingot/kinds"
)

var fuzzSpec = &Spec{Kind: "customers", UserID: true, Create: "customerCreate", Update: "customerUpdate"}

// FuzzCustomersBinding feeds arbitrary text through the CSV and JSON Lines
// shapes into the customers binding: it must never panic, every row must
// be either rejected (with a reject) or kept with a non-empty id and
// attributes that are one JSON object, and merging a record into itself
// must change nothing.
func FuzzCustomersBinding(f *testing.F) {
	f.Add([]byte("userId,city\nA@b.co,Berlin\n"), byte(0))
	f.Add([]byte("userId,a,b\nx@y.z,1\n\"q@r.s\",\"2\",3,4\n"), byte(1))
	f.Add([]byte(`{"userId":"a@b.co","n":1.50,"o":{"x":[1,2]},"t":true}`+"\n"+`{"userId":null}`+"\n{bad\n"), byte(0))
	f.Add([]byte("userId\n\xff@x.y\n"), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		ragged := []string{kinds.RaggedReject, kinds.RaggedPad, kinds.RaggedTruncate}[int(mode)%3]
		for _, shape := range []formats.Shape{formats.CSV, formats.JSONLines} {
			r, err := shape(bytes.NewReader(data), "fuzz", formats.ReadOptions{BatchRows: 3})
			if err != nil {
				continue
			}
			v, err := NewValidator(fuzzSpec, r.Header(), kinds.BindOptions{HashEmails: mode&4 != 0,
				Records: kinds.RecordOptions{OnRagged: ragged, Delimiter: ','}})
			if err != nil {
				continue
			}
			var d differ
			for {
				b, err := r.ReadBatch()
				if errors.Is(err, io.EOF) || err != nil && b == nil {
					break
				}
				n := b.Rows()
				got, err := v.Validate(b)
				require.NoError(t, err)
				o := got.(*Rows)
				require.Equal(t, n, o.Rows())
				rejected := map[int32]bool{}
				for _, row := range o.RejectRow {
					rejected[row] = true
				}
				for row := range n {
					require.Equal(t, o.RowError[row], rejected[int32(row)], "row %d", row)
					if o.RowError[row] {
						continue
					}
					require.NotEmpty(t, o.ID(row))
					var m map[string]json.RawMessage
					require.NoError(t, json.Unmarshal(o.Attrs(row), &m), "%s", o.Attrs(row))
					merged, changed, removed, err := d.diff(o.Attrs(row), o.Attrs(row), false)
					require.NoError(t, err)
					require.Empty(t, changed)
					require.Empty(t, removed)
					require.Equal(t, string(o.Attrs(row)), string(merged))
					// Overwriting with nothing removes every attribute.
					_, _, removed, err = d.diff(o.Attrs(row), []byte("{}"), true)
					require.NoError(t, err)
					require.Len(t, removed, len(m))
				}
			}
		}
	})
}
