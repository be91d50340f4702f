package orders

import (
	"encoding/json"
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

// sink collects what a grouper hands out: the rows written per table
// (order id and line number or source line), and the event lines.
type sink struct {
	t       *testing.T
	events  []byte
	written map[string][]string // table → "order_id/changed"
	items   []string            // "order_id#line_no"
	dryRun  bool
}

func (s *sink) Write(o kinds.Output) error {
	defer o.Release()
	return o.Records(func(table, partition string, changed bool, rec arrow.RecordBatch) error {
		defer rec.Release()
		require.Contains(s.t, partition, "-", "a YYYY-MM partition")
		ids := rec.Column(0).(*array.String)
		for i := range int(rec.NumRows()) {
			tag := strings.Clone(ids.Value(i))
			if !changed {
				tag += "=" // unchanged: feeds the summary only
			}
			s.written[table] = append(s.written[table], tag)
			if table == schema.LineItems {
				s.items = append(s.items, strings.Clone(ids.Value(i))+"#"+rec.Column(1).(*array.Int32).ValueStr(i))
			}
		}
		return nil
	})
}

func (s *sink) Events() *[]byte {
	if s.dryRun {
		return nil
	}
	return &s.events
}

func (s *sink) EventsAdded() error { return nil }

// eventLines decodes the collected events.
func (s *sink) eventLines() []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(s.events)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(s.t, json.Unmarshal([]byte(l), &m))
		out = append(out, m)
	}
	return out
}

// group runs a whole file through a grouper in batches of batch rows and
// returns its result and what it handed out.
func group(t *testing.T, in string, batch int, state *columnar.KeyMap[uint64]) (*kinds.Result, *sink) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	pool := &columnar.PoolAllocator{}
	rows := validateAll(t, in, batch, Options{Allocator: mem})
	if state == nil {
		state = &columnar.KeyMap[uint64]{}
	}
	rw, err := validate.NewRejectWriter(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { rw.Abort() })
	gr, err := Kind.NewGrouper(kinds.GroupConfig{Format: formats.KevelCSV, Files: []string{"orders.csv"}, State: state,
		Rejects: rw, ImportID: "imp", Pool: pool, EventHead: []byte(`,"version":1`), TempDir: t.TempDir()})
	require.NoError(t, err)
	defer gr.Close()
	s := &sink{t: t, written: map[string][]string{}}
	header := strings.Split(strings.TrimSuffix(kevelHeader, "\n"), ",")
	for _, r := range rows {
		require.NoError(t, gr.Add(0, r, header, s))
	}
	require.NoError(t, gr.EndFile(0, s))
	require.NoError(t, gr.Finish())
	res, err := gr.Settle()
	require.NoError(t, err)
	return res, s
}

// TestGroupAcrossBatches: an order's rows are one record however the
// batches cut them, its line items numbered in order.
func TestGroupAcrossBatches(t *testing.T) {
	in := kevelHeader + kevelRow(order1, item1a) + kevelRow("", item1b) + kevelRow("", item1b) + kevelRow(order2, item2)
	for _, batch := range []int{1, 2, 3, 100} {
		res, s := group(t, in, batch, nil)
		c := res.Counts[0]
		require.Equal(t, validate.Counts{Records: 2, Valid: 2, Added: 2, RowsCommitted: 4}, c, "batch %d", batch)
		require.Equal(t, []string{"O-1", "O-2"}, s.written[schema.Orders], "batch %d", batch)
		require.ElementsMatch(t, []string{"O-1#1", "O-1#2", "O-1#3", "O-2#1"}, s.items, "batch %d", batch)
		ev := s.eventLines()
		require.Len(t, ev, 2)
		require.Equal(t, "orderPlace", ev[0]["type"])
		require.Equal(t, "O-1", ev[0]["key"])
		require.EqualValues(t, 2, ev[0]["source"].(map[string]any)["line"])
		require.Len(t, ev[0]["payload"].(map[string]any)["line_items"], 3)
	}
}

// TestDiffAgainstState: an order whose fingerprint is committed is
// unchanged (written to no table, no event); one with another fingerprint
// is updated; an unknown one is added.
func TestDiffAgainstState(t *testing.T) {
	in := kevelHeader + kevelRow(order1, item1a) + kevelRow(order2, item2)
	_, first := group(t, in, 10, nil)
	state := &columnar.KeyMap[uint64]{}
	for _, e := range first.eventLines() {
		p := e["payload"].(map[string]any)
		var fp uint64
		for _, c := range p["fingerprint"].(string) {
			fp = fp<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
		}
		if e["key"] == "O-2" {
			fp++ // committed with other content
		}
		state.Put(columnar.KeyOfString(e["key"].(string)), fp)
	}
	res, s := group(t, kevelHeader+kevelRow(order1, item1a)+kevelRow(order2, item2)+
		kevelRow(strings.Replace(order2, "O-2", "O-3", 1), item2), 2, state)
	require.Equal(t, validate.Counts{Records: 3, Valid: 3, Added: 1, Updated: 1, Unchanged: 1, RowsCommitted: 3}, res.Counts[0])
	require.Equal(t, []string{"O-1=", "O-2", "O-3"}, s.written[schema.Orders])
	var types []string
	for _, e := range s.eventLines() {
		types = append(types, e["type"].(string)+" "+e["key"].(string))
	}
	require.Equal(t, []string{"orderUpdate O-2", "orderPlace O-3"}, types)
}

// TestSupersession: an order that comes back after another one: the last
// run wins, the earlier one is superseded (counts, issue, removals, and
// its rejects dropped).
func TestSupersession(t *testing.T) {
	bad := strings.Replace(order1, ",eur,", ",EURO,", 1) // rejected first run
	in := kevelHeader + kevelRow(bad, item1a) + kevelRow(order2, item2) + kevelRow(order1, item1a) + kevelRow("", item1b) +
		kevelRow(strings.Replace(order2, "O-2", "O-3", 1), item2) + kevelRow(order2, item2)
	res, _ := group(t, in, 2, nil)
	require.Equal(t, validate.Counts{Records: 5, Valid: 3, Added: 3, Superseded: 2, RowsCommitted: 4, RowsSuperseded: 2}, res.Counts[0])
	require.Equal(t, int64(2), res.Issues[0][kinds.IssueKey{Column: "orderId", Code: issue.NotSequential}])
	require.Len(t, res.Superseded, 2)
	got := map[string][2]int64{}
	for _, s := range res.Superseded {
		got[s.OrderID] = [2]int64{s.FirstLine, s.ByFirstLine}
	}
	require.Equal(t, map[string][2]int64{"O-1": {2, 4}, "O-2": {3, 7}}, got)
	require.True(t, res.DropReject(0, 2), "the rejected first run of O-1")
	require.False(t, res.DropReject(0, 4))
	// Only O-2's first run was written (O-1's was rejected): it is the one
	// to remove, in its month (created 2021-02-01 UTC), from rows and events.
	rm := res.Removals[0]
	require.NotNil(t, rm)
	require.Equal(t, map[string]bool{"2021-02": true}, rm.Partitions)
	require.False(t, rm.KeepEvent("O-2", 3))
	require.True(t, rm.KeepEvent("O-2", 7))
	require.True(t, rm.KeepEvent("O-1", 4))
}

// TestRunLog: every run is logged, and reading the log back pairs each run
// of a key with its next one, in import order, whatever the bucket.
func TestRunLog(t *testing.T) {
	l := newRunLog(t.TempDir())
	defer l.close()
	// Many keys spread over every bucket, a few repeated.
	for i := range 5000 {
		l.add(string(rune('a'+i%26))+strings.Repeat("x", i%7)+string(rune('0'+i/26%10))+string(rune('0'+i/260)), runRef{file: 0, first: int64(i + 2), last: int64(i + 2), outcome: outAdded})
	}
	l.add("k", runRef{file: 0, first: 10_000, last: 10_001, rows: 2, month: 202001, outcome: outAdded})
	l.add("other", runRef{file: 0, first: 10_002, last: 10_002})
	l.add("k", runRef{file: 1, first: 5, last: 5, outcome: outRejected})
	l.add("k", runRef{file: 1, first: 9, last: 9, outcome: outUpdated})
	ss, err := l.supersessions()
	require.NoError(t, err)
	var k []supersession
	for _, s := range ss {
		if s.key == "k" {
			k = append(k, s)
		}
	}
	require.Len(t, k, 2, "each run paired with the next")
	require.Equal(t, runRef{file: 0, first: 10_000, last: 10_001, rows: 2, month: 202001, outcome: outAdded}, k[0].prev)
	require.Equal(t, int64(5), k[0].by.first)
	require.Equal(t, int64(5), k[1].prev.first)
	require.Equal(t, runRef{file: 1, first: 9, last: 9, outcome: outUpdated}, k[1].by)
	for i := 1; i < len(ss); i++ { // in import order of the later run
		a, b := ss[i-1].by, ss[i].by
		require.True(t, a.file < b.file || a.file == b.file && a.first <= b.first)
	}
}
