package orders

import (
	"cmp"
	"slices"
	"strings"

	"ingot/columnar"
	"ingot/issue"
	"ingot/kinds"
	"ingot/schema"
	"ingot/validate"
)

// pendingBatch is a validated batch in the grouper: the orders and line
// items it keeps, filled in as the orders that touch it close. It goes to
// the writer once no open order touches it.
type pendingBatch struct {
	g    *grouper
	file int
	o    *Rows

	ordIdx     []int32 // index into o.Starts of each kept order
	ordFP      []uint64
	ordChanged []bool
	ordHeld    []bool // held back until Settle (kinds.HeldOutput)
	ordMonth   []int32

	itemRow     []int32 // row of each kept line item
	itemLineNo  []int32
	itemMonth   []int32
	itemChanged []bool
	itemHeld    []bool
}

// part is the rows [from, to) of one batch.
type part struct {
	pb       *pendingBatch
	from, to int
}

// openRun is an order whose rows may continue in the next batch.
type openRun struct {
	key   string
	si    int // its start in parts[0].pb.o.Starts; -1 for rows before any order
	parts []part
	rows  int
	// first and last are its lines, month the month of its order.
	first, last int64
	month       int32
	// tooLarge: it has more rows than cfg.MaxLineItems; its parts are no
	// longer kept (nor its batches held), it will be rejected as one.
	tooLarge bool
}

// runRef identifies a run of rows of one order in the import.
type runRef struct {
	file        int32
	first, last int64 // lines
	month       int32
	rows        int32
	outcome     uint8
	held        bool // its rows and event were held back, not written
}

// Outcomes of a run.
const (
	outRejected uint8 = iota + 1
	outAdded
	outUpdated
	outUnchanged
)

// supersession records that run prev of key was replaced by a later run.
type supersession struct {
	key  string
	prev runRef
	by   runRef
}

// fileGroup is what the grouper knows of one source file.
type fileGroup struct {
	header []string
	failed bool
	counts validate.Counts
	issues map[kinds.IssueKey]int64
}

// grouper is the orders kind's group and diff stage: it puts the rows of
// each order together (an order is a run of consecutive rows with one
// order id), decides per order rejected or kept, and for kept ones added,
// updated or unchanged against the committed state; records issues,
// rejects and samples; renders the events; and hands batches with their
// selections to the writer. Every run goes to the run log, which finds the
// orders whose id came back after other orders.
type grouper struct {
	cfg      kinds.GroupConfig
	keyField string // the format's order id header name

	files      []fileGroup
	runs       *runLog
	superseded []supersession
	dropped    []droppedRun // superseded runs, once Settle ran
	// droppedLines are the dropped runs' lines by file, once Settle ran.
	droppedLines map[int]lineRanges
	samples      validate.SampleKeeper
	rejectErr    error

	pend    []*pendingBatch
	open    *openRun
	file    int
	fileKey []byte // the current file's name as a JSON string
	payload []byte
	out     kinds.Sink
	enrich  *enricher // nil when no product is committed

	maxItems int // cfg.MaxLineItems or its default

	seen    seenFilter // the order ids of the import, to start holding
	holding bool       // kept runs are held back from now on (hold.go)
	noHold  bool       // the sink cannot hold events: nothing is held
}

func newGrouper(cfg kinds.GroupConfig, keyField string) *grouper {
	g := &grouper{cfg: cfg, keyField: keyField, runs: newRunLog(cfg.TempDir), file: -1,
		maxItems: cmp.Or(cfg.MaxLineItems, kinds.DefaultMaxLineItems),
		files:    make([]fileGroup, len(cfg.Files)), enrich: newEnricher(cfg.Lookups[schema.Products])}
	for i := range g.files {
		g.files[i].issues = map[kinds.IssueKey]int64{}
	}
	return g
}

func (g *grouper) setFile(file int) {
	if file != g.file {
		g.file = file
		g.fileKey = columnar.AppendJSONString(g.fileKey[:0], []byte(g.cfg.Files[file]))
	}
}

// Add sequences the rows of one validated batch.
func (g *grouper) Add(file int, v kinds.Validated, header []string, out kinds.Sink) error {
	g.setFile(file)
	g.out = out
	o := v.(*Rows)
	f := &g.files[file]
	f.header = header
	for k, c := range o.Issues.Code {
		f.issues[kinds.IssueKey{Column: columnName(header, int(o.Issues.Col[k])), Code: c}]++
	}
	n := o.Rows()
	pb := &pendingBatch{g: g, file: file, o: o,
		ordIdx: make([]int32, 0, len(o.Starts)), ordFP: make([]uint64, 0, len(o.Starts)),
		ordChanged: make([]bool, 0, len(o.Starts)), ordMonth: make([]int32, 0, len(o.Starts)),
		ordHeld: make([]bool, 0, len(o.Starts)),
		itemRow: make([]int32, 0, n), itemLineNo: make([]int32, 0, n),
		itemMonth: make([]int32, 0, n), itemChanged: make([]bool, 0, n), itemHeld: make([]bool, 0, n)}
	g.pend = append(g.pend, pb)
	first := n
	if len(o.Starts) > 0 {
		first = int(o.Starts[0])
	}
	var err error
	if first > 0 {
		if g.open == nil { // rows before the file's first order
			g.open = &openRun{si: -1, first: o.Lines[0]}
		}
		g.extend(g.open, part{pb, 0, first})
	}
	for si, st := range o.Starts {
		if g.open != nil {
			err = g.closeRun(g.open, err)
		}
		end := n
		if si+1 < len(o.Starts) {
			end = int(o.Starts[si+1])
		}
		g.open = &openRun{key: o.OrderID.Value(int(st)), si: si, first: o.Lines[st], month: o.Month[si]}
		g.extend(g.open, part{pb, int(st), end})
	}
	if err != nil {
		return err
	}
	// Every batch before the open run's first one is complete; all are
	// when the open run keeps no part (too large, or rows before any
	// order, whose rejects are taken at once).
	done := len(g.pend)
	if g.open != nil && len(g.open.parts) > 0 {
		for i, p := range g.pend {
			if p == g.open.parts[0].pb {
				done = i
				break
			}
		}
	}
	return g.flush(done)
}

// EndFile closes the file's last order and hands out its batches.
func (g *grouper) EndFile(file int, out kinds.Sink) error {
	g.setFile(file)
	g.out = out
	var err error
	if g.open != nil {
		err = g.closeRun(g.open, nil)
		g.open = nil
	}
	if err != nil {
		return err
	}
	return g.flush(len(g.pend))
}

// FailFile drops the pending batches of a failed file.
func (g *grouper) FailFile(file int) {
	g.files[file].failed = true
	for _, pb := range g.pend {
		pb.o.Release()
	}
	g.pend, g.open = g.pend[:0], nil
}

// Finish reads the run log back: the orders that came back.
func (g *grouper) Finish() error {
	var err error
	if g.superseded, err = g.runs.supersessions(); err != nil {
		return err
	}
	for _, s := range g.superseded {
		g.files[s.by.file].issues[kinds.IssueKey{Column: g.keyField, Code: issue.NotSequential}]++
	}
	return g.rejectErr
}

// Close removes the run log's spill files.
func (g *grouper) Close() { g.runs.close() }

// flush hands the first n pending batches to the writer.
func (g *grouper) flush(n int) error {
	for _, pb := range g.pend[:n] {
		if err := g.out.Write(pb); err != nil {
			return err
		}
	}
	g.pend = append(g.pend[:0], g.pend[n:]...)
	return nil
}

func columnName(header []string, col int) string {
	if col < 0 || col >= len(header) {
		return ""
	}
	return header[col]
}

// extend adds the rows of p to the open run r. The rows before any order
// are rejected at once, and a run over the line-item limit stops keeping
// its parts: neither holds batches back, so memory stays bounded however
// long the run.
func (g *grouper) extend(r *openRun, p part) {
	r.rows += p.to - p.from
	r.last = p.pb.o.Lines[p.to-1]
	switch {
	case r.si < 0:
		g.rejectPart(p)
	case r.tooLarge:
	case r.rows > g.maxItems:
		// Its batches will be handed on and released: the key, which
		// points into one, is copied.
		r.tooLarge, r.parts, r.key = true, nil, strings.Clone(r.key)
	default:
		r.parts = append(r.parts, p)
	}
}

// closeRun decides the fate of a complete run of rows. err is the first
// error so far, which it passes on.
func (g *grouper) closeRun(r *openRun, err error) error {
	f := &g.files[g.file]
	ref := runRef{file: int32(g.file), first: r.first, last: r.last}
	rows, bad := r.rows, r.tooLarge
	for _, p := range r.parts {
		for _, e := range p.pb.o.RowError[p.from:p.to] {
			bad = bad || e
		}
	}
	ref.rows = int32(min(rows, 1<<31-1))
	f.counts.Records++
	if r.si >= 0 {
		ref.month = r.month
		if herr := g.holdFrom(r.key); herr != nil && err == nil {
			err = herr
		}
		ref.held = g.holding
	}
	if bad || r.si < 0 {
		ref.outcome = outRejected
		f.counts.Rejected++
		f.counts.RowsRejected += int64(rows)
		if r.tooLarge {
			g.rejectTooLarge(r, f)
		} else {
			g.rejects(r)
		}
	} else if kerr := g.keep(r, f, rows, &ref); err == nil {
		err = kerr
	}
	if r.si >= 0 {
		g.runs.add(r.key, ref)
	}
	return err
}

// rejects records the rejects of the run's rows.
func (g *grouper) rejects(r *openRun) {
	for _, p := range r.parts {
		g.rejectPart(p)
	}
}

// rejectTooLarge records the one reject of a run over the line-item
// limit, on its first line: its rows' own rejects are left out.
func (g *grouper) rejectTooLarge(r *openRun, f *fileGroup) {
	f.issues[kinds.IssueKey{Column: g.keyField, Code: issue.OrderTooLarge}]++
	lim := int64(g.maxItems)
	err := g.cfg.Rejects.Add(validate.Reject{
		File: g.cfg.Files[g.file], Line: r.first, RecordID: r.key, Column: g.keyField,
		Code: issue.OrderTooLarge, Value: r.key,
		Message: issue.Message(issue.OrderTooLarge, lim, r.key, issue.MessageContext{RecordID: r.key}),
	})
	if err != nil && g.rejectErr == nil {
		g.rejectErr = err
	}
}

// rejectPart records the rejects of the rows of p.
func (g *grouper) rejectPart(p part) {
	o := p.pb.o
	// RejectRow is in row order: find the part's first by binary search,
	// so that a batch whose every row has an issue costs n log n, not n²
	// (each run used to scan the batch's rejects).
	k0, _ := slices.BinarySearch(o.RejectRow, int32(p.from))
	for k := k0; k < len(o.RejectRow) && int(o.RejectRow[k]) < p.to; k++ {
		if err := g.cfg.Rejects.Add(o.Rejects[k]); err != nil && g.rejectErr == nil {
			g.rejectErr = err
		}
	}
}

// keep selects a valid run's rows for writing, classifies it against the
// committed state and builds its event and sample.
func (g *grouper) keep(r *openRun, f *fileGroup, rows int, ref *runRef) error {
	first := r.parts[0]
	o0 := first.pb.o
	fp := Fingerprint(o0, r.si, r.parts)
	typ := "orderPlace"
	committed, known := g.cfg.State.Get(columnar.KeyOfString(r.key))
	switch {
	case !known:
		ref.outcome = outAdded
		f.counts.Added++
	case committed == fp:
		ref.outcome = outUnchanged
		f.counts.Unchanged++
		typ = ""
	default:
		ref.outcome = outUpdated
		f.counts.Updated++
		typ = "orderUpdate"
	}
	f.counts.Valid++
	f.counts.RowsCommitted += int64(rows)
	changed := typ != ""

	pb := first.pb
	pb.ordIdx = append(pb.ordIdx, int32(r.si))
	pb.ordFP = append(pb.ordFP, fp)
	pb.ordChanged = append(pb.ordChanged, changed)
	pb.ordHeld = append(pb.ordHeld, changed && ref.held)
	pb.ordMonth = append(pb.ordMonth, ref.month)
	line := int32(0)
	for _, p := range r.parts {
		for row := p.from; row < p.to; row++ {
			line++
			p.pb.itemRow = append(p.pb.itemRow, int32(row))
			p.pb.itemLineNo = append(p.pb.itemLineNo, line)
			p.pb.itemMonth = append(p.pb.itemMonth, ref.month)
			p.pb.itemChanged = append(p.pb.itemChanged, changed)
			p.pb.itemHeld = append(p.pb.itemHeld, changed && ref.held)
		}
	}

	// The record as JSON: the event's payload, written straight into the
	// event buffer (or a scratch buffer when there is no event), and the
	// sample.
	var evbuf *[]byte
	if changed && g.cfg.EventHead != nil {
		evbuf = g.out.Events()
	}
	dst := g.payload[:0]
	if evbuf != nil {
		dst = kinds.AppendEventHead(*evbuf, []byte(typ), []byte(r.key), g.cfg.EventHead, g.fileKey, ref.first)
	}
	p0 := len(dst)
	dst = appendPayload(dst, o0, r.si, fp, r.parts, g.enrich)
	g.samples.Add(dst[p0:])
	if evbuf != nil {
		*evbuf = append(dst, "}\n"...)
		return g.out.EventsAdded()
	}
	g.payload = dst
	return nil
}

// Fingerprint is the content fingerprint of an order: the hash of its
// order columns mixed with those of its line items, in order.
func Fingerprint(o *Rows, si int, parts []part) uint64 {
	fp := o.OrderHash[si]
	for _, p := range parts {
		for _, h := range p.pb.o.ItemHash[p.from:p.to] {
			fp = columnar.Mix64(fp, h)
		}
	}
	return fp
}

// appendPayload appends the order as JSON: its order columns, its
// fingerprint and its line items, enriched with what e knows of their
// products.
func appendPayload(dst []byte, o0 *Rows, si int, fp uint64, parts []part, e *enricher) []byte {
	dst = append(dst, '{')
	dst = append(dst, o0.OrderJSON.At(si)...)
	dst = append(dst, `,"fingerprint":"`...)
	dst = columnar.AppendHex16(dst, fp)
	dst = append(dst, `","line_items":[`...)
	sep := false
	for _, p := range parts {
		for row := p.from; row < p.to; row++ {
			if sep {
				dst = append(dst, ',')
			}
			sep = true
			dst = append(dst, '{')
			start := len(dst)
			dst = append(dst, p.pb.o.ItemJSON.At(row)...)
			if e != nil {
				dst = e.appendItem(dst, start, p.pb.o.productID(row))
			}
			dst = append(dst, '}')
		}
	}
	return append(dst, "]}"...)
}
