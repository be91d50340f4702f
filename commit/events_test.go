package commit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEventsRoundTrip(t *testing.T) {
	long := `{"type":"orderPlace","payload":"` + strings.Repeat("x", 3*eventBufferSize) + `"}`
	for _, tc := range []struct {
		name  string
		lines []string
		opt   EventOptions
	}{
		{name: "empty"},
		{name: "one", lines: []string{`{"type":"orderPlace","key":"A1"}`}},
		{name: "empty line", lines: []string{`{}`, ``, `{}`}},
		{name: "many", lines: eventLines(5000), opt: EventOptions{Level: 6}},
		{name: "fastest level", lines: eventLines(100), opt: EventOptions{Level: -5}},
		{name: "longer than the buffers", lines: []string{`{"a":1}`, long, `{"b":2}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewEventWriter(&buf, tc.opt)
			require.NoError(t, err)
			var want int64
			for _, l := range tc.lines {
				require.NoError(t, w.WriteLine([]byte(l)))
				want += int64(len(l)) + 1
			}
			require.NoError(t, w.Close())
			require.Equal(t, int64(len(tc.lines)), w.Lines())
			require.Equal(t, want, w.Bytes())

			var got []string
			require.NoError(t, ReadEvents(bytes.NewReader(buf.Bytes()), func(line []byte) error {
				got = append(got, string(line))
				return nil
			}))
			if len(tc.lines) == 0 {
				require.Empty(t, got)
			} else {
				require.Equal(t, tc.lines, got)
			}
		})
	}
}

func TestEventWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewEventWriter(&buf, EventOptions{})
	require.NoError(t, err)
	require.NoError(t, w.WriteLine([]byte(`{"a":1}`)))
	require.ErrorContains(t, w.WriteLine([]byte("{\"a\":\n1}")), "newline at byte 5")
	require.NoError(t, w.Close())
	require.Error(t, w.WriteLine([]byte(`{}`)), "write after Close")

	_, err = NewEventWriter(&buf, EventOptions{Level: 99})
	require.ErrorContains(t, err, "commit.EventOptions.Level")
	_, err = NewEventWriter(&buf, EventOptions{Level: -8})
	require.ErrorContains(t, err, "commit.EventOptions.Level")
}

func TestReadEventsErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewEventWriter(&buf, EventOptions{})
	require.NoError(t, err)
	for _, l := range eventLines(3) {
		require.NoError(t, w.WriteLine([]byte(l)))
	}
	require.NoError(t, w.Close())

	stop := errors.New("stop")
	n := 0
	err = ReadEvents(bytes.NewReader(buf.Bytes()), func([]byte) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 2, n)

	err = ReadEvents(bytes.NewReader(buf.Bytes()[:buf.Len()/2]), func([]byte) error { return nil })
	require.Error(t, err, "truncated segment")
	err = ReadEvents(strings.NewReader("not zstd"), func([]byte) error { return nil })
	require.Error(t, err)
}

// eventLines returns n order events of about 1 KB, like those of an import.
func eventLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		var items strings.Builder
		for j := range 1 + i%4 {
			if j > 0 {
				items.WriteString(",")
			}
			fmt.Fprintf(&items, `{"line_no":%d,"product_id":"P%06d","sku":"SKU-%06d-M","name":"Classic Cotton Shirt #%d","brand":"Brand %d","category":"Dept %d > Shirt > Line %d","currency":"EUR","total":%d.%02d,"quantity":%d,"status":"paid"}`,
				j+1, (i*7+j)%50000, (i*7+j)%50000, (i*7+j)%50000, i%200, i%10, i%300, 10+i%190, i%100, 1+i%3)
		}
		lines[i] = fmt.Sprintf(`{"type":"orderPlace","key":"ORD-%09d","version":7,"import_id":"imp-20261123T013000-7f3a9c","at":"2026-11-23T01:30:%02dZ","source":{"file":"s3://shop-exports/orders/orders_2026-11-23.csv.gz","line":%d},"payload":{"order_id":"ORD-%09d","user_id_type":"email_sha256","user_id":"%064x","currency":"EUR","total":%d.%02d,"created_at":"2021-%02d-%02dT10:%02d:00Z","line_items":[%s]}}`,
			100000000+i, i%60, 2+i*2, 100000000+i, uint64(i)*0x9E3779B97F4A7C15, 20+i%400, i%100, 1+i%12, 1+i%28, i%60, items.String())
	}
	return lines
}

// TestEventWriteLines mixes single lines and whole chunks.
func TestEventWriteLines(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewEventWriter(&buf, EventOptions{})
	require.NoError(t, err)
	require.NoError(t, w.WriteLine([]byte(`{"a":1}`)))
	require.NoError(t, w.WriteLines([]byte("{\"b\":2}\n{\"c\":3}\n")))
	require.NoError(t, w.WriteLines(nil))
	require.ErrorContains(t, w.WriteLines([]byte("{\"d\":4}\n{\"e\"")), "found 4 bytes without a final newline")
	require.NoError(t, w.WriteLine([]byte(`{"f":6}`)))
	require.NoError(t, w.Close())
	require.Equal(t, int64(4), w.Lines())
	var got []string
	require.NoError(t, ReadEvents(bytes.NewReader(buf.Bytes()), func(l []byte) error {
		got = append(got, string(l))
		return nil
	}))
	require.Equal(t, []string{`{"a":1}`, `{"b":2}`, `{"c":3}`, `{"f":6}`}, got)
}
