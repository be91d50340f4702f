package orders

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/formats"
	"ingot/issue"
	"ingot/kinds"
	"ingot/schema"
	"ingot/validate"
)

// holdingSink is a sink that can hold events back (kinds.EventHolder),
// as the pipeline's does: it records what was held apart.
type holdingSink struct {
	sink
	heldFrom   int      // len(events) when HoldEvents was called; -1 before
	heldOrders []string // "order_id@source_line" of held orders rows
}

func (s *holdingSink) HoldEvents() error {
	if s.heldFrom < 0 {
		s.heldFrom = len(s.events)
	}
	return nil
}

func (s *holdingSink) Write(o kinds.Output) error {
	ho, ok := o.(kinds.HeldOutput)
	require.True(s.t, ok, "an orders batch can hold rows back")
	err := ho.HeldRecords(func(table, partition string, rec arrow.RecordBatch) error {
		defer rec.Release()
		if table == schema.Orders {
			ids := rec.Column(0).(*array.String)
			lines := rec.Column(int(rec.NumCols()) - 1).(*array.Int64)
			for i := range int(rec.NumRows()) {
				s.heldOrders = append(s.heldOrders, ids.Value(i)+"@"+lines.ValueStr(i))
			}
		}
		return nil
	})
	require.NoError(s.t, err)
	return s.sink.Write(o) // releases o
}

// groupWith runs in through a grouper configured by cfg, handing out to
// out, and returns the grouper (closed by the test's end).
func groupWith(t *testing.T, in string, batch int, out kinds.Sink, cfg func(*kinds.GroupConfig), each func(*grouper)) (*kinds.Result, *validate.RejectWriter, string) {
	t.Helper()
	rows := validateAll(t, in, batch, Options{Allocator: memory.NewCheckedAllocator(memory.NewGoAllocator())})
	dir := t.TempDir()
	rw, err := validate.NewRejectWriter(dir)
	require.NoError(t, err)
	t.Cleanup(func() { rw.Abort() })
	c := kinds.GroupConfig{Format: formats.KevelCSV, Files: []string{"orders.csv"}, State: &columnar.KeyMap[uint64]{},
		Rejects: rw, ImportID: "imp", Pool: &columnar.PoolAllocator{}, EventHead: []byte(`,"version":1`), TempDir: t.TempDir()}
	if cfg != nil {
		cfg(&c)
	}
	gr, err := Kind.NewGrouper(c)
	require.NoError(t, err)
	t.Cleanup(gr.Close)
	header := strings.Split(strings.TrimSuffix(kevelHeader, "\n"), ",")
	for _, r := range rows {
		require.NoError(t, gr.Add(0, r, header, out))
		if each != nil {
			each(gr.(*grouper))
		}
	}
	require.NoError(t, gr.EndFile(0, out))
	require.NoError(t, gr.Finish())
	res, err := gr.Settle()
	require.NoError(t, err)
	return res, rw, dir
}

// TestHoldFromFirstRepeat: rows are written straight away until an order
// id comes back; from then on the kept runs are held back, and Settle
// says which held lines stay and how many rows written before were
// dropped, per partition, so that no held superseded row is ever written.
func TestHoldFromFirstRepeat(t *testing.T) {
	o3 := strings.Replace(order2, "O-2", "O-3", 1)
	// Lines: 2 O-2 (2021-02), 3 O-1, 4 O-3, 5–6 O-1 again (the first
	// repeat: held from here), 7 O-2 again, 8 O-3 again.
	in := kevelHeader + kevelRow(order2, item2) + kevelRow(order1, item1a) + kevelRow(o3, item2) +
		kevelRow(order1, item1a) + kevelRow("", item1b) + kevelRow(order2, item2) + kevelRow(o3, item2)
	for _, batch := range []int{1, 2, 3, 100} {
		s := &holdingSink{sink: sink{t: t, written: map[string][]string{}}, heldFrom: -1}
		res, _, _ := groupWith(t, in, batch, s, nil, nil)
		require.Equal(t, validate.Counts{Records: 6, Valid: 3, Added: 3, Superseded: 3, RowsCommitted: 4, RowsSuperseded: 3}, res.Counts[0], "batch %d", batch)
		require.ElementsMatch(t, []string{"O-2", "O-1", "O-3"}, s.written[schema.Orders], "batch %d: written straight away", batch)
		require.ElementsMatch(t, []string{"O-1@5", "O-2@7", "O-3@8"}, s.heldOrders, "batch %d", batch)
		require.Positive(t, s.heldFrom, "batch %d: events held from the first repeat", batch)
		require.Equal(t, 3, strings.Count(string(s.events[:s.heldFrom]), "\n"), "batch %d: three events before", batch)

		rm := res.Removals[0]
		require.NotNil(t, rm)
		require.True(t, rm.Counted)
		require.Equal(t, map[string]bool{"2021-02": true, "2020-09": true}, rm.Partitions)
		require.Equal(t, map[string]int64{"2021-02": 2, "2020-09": 1}, rm.DroppedRows[schema.Orders])
		require.Equal(t, map[string]int64{"2021-02": 2, "2020-09": 1}, rm.DroppedRows[schema.LineItems])
		require.Equal(t, int64(3), rm.DroppedEvents, "every event written before the first repeat is dropped")
		for line, keep := range map[int64]bool{2: false, 3: false, 4: false, 5: true, 6: true, 7: true, 8: true} {
			require.Equal(t, keep, rm.KeepLine(line), "batch %d line %d", batch, line)
		}
	}
}

// TestOrderTooLarge: an order with more line items than the limit is
// rejected as one, with one reject on its first line, and its batches are
// handed on while it is still open: the grouper never holds more than the
// batch it is in, however long the order.
func TestOrderTooLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(kevelHeader + kevelRow(order2, item2) + kevelRow(order1, item1a))
	for range 200 {
		b.WriteString(kevelRow("", item1b))
	}
	b.WriteString(kevelRow(strings.Replace(order2, "O-2", "O-3", 1), item2))
	for _, batch := range []int{1, 7, 64, 1000} {
		s := &sink{t: t, written: map[string][]string{}}
		maxPending := 0
		res, rw, dir := groupWith(t, b.String(), batch, s, func(c *kinds.GroupConfig) { c.MaxLineItems = 50 },
			func(g *grouper) { maxPending = max(maxPending, len(g.pend)) })
		require.Equal(t, validate.Counts{Records: 3, Valid: 2, Added: 2, Rejected: 1, RowsCommitted: 2, RowsRejected: 201}, res.Counts[0], "batch %d", batch)
		require.Equal(t, int64(1), res.Issues[0][kinds.IssueKey{Column: "orderId", Code: issue.OrderTooLarge}])
		require.Equal(t, []string{"O-2", "O-3"}, s.written[schema.Orders])
		if batch < 50 {
			require.LessOrEqual(t, maxPending, 50/batch+2, "batch %d: the order's batches are not held", batch)
		}
		require.NoError(t, rw.Finish(nil))
		csv, err := os.ReadFile(filepath.Join(dir, "rejects.csv"))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
		require.Len(t, lines, 2, "batch %d: one reject for the order: %s", batch, csv)
		require.Contains(t, lines[1], "order_too_large")
		require.Contains(t, lines[1], "O-1")
		require.Contains(t, lines[1], "orders.csv,3,")
	}
}
