package ingot

import (
	"context"
	"strconv"
	"time"

	"ingot/columnar"
	"ingot/issue"
	"ingot/kinds/orders"
	"ingot/validate"
)

// pendingBatch is a validated batch in the sequencer: the orders and line
// items it keeps, filled in as the orders that touch it close. It goes to
// the writer once no open order touches it.
type pendingBatch struct {
	file int
	o    *orders.Rows
	v    *orders.Validator

	ordIdx     []int32 // index into o.Starts of each kept order
	ordFP      []uint64
	ordChanged []bool
	ordMonth   []int32

	itemRow     []int32 // row of each kept line item
	itemLineNo  []int32
	itemMonth   []int32
	itemChanged []bool
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
}

// runRef identifies a run of rows of one order in the import.
type runRef struct {
	file        int32
	first, last int64 // lines
	month       int32
	rows        int32
	outcome     uint8
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

// writeItem goes from the sequencer to the writer.
type writeItem struct {
	file int
	pb   *pendingBatch
	end  bool  // file done: publish its files
	err  error // file failed: discard its files
}

// eventChunkSize is how many bytes of event lines the sequencer gathers
// before handing them to the event writer.
const eventChunkSize = 1 << 20

// eventChunk carries whole event lines, each ending in '\n'.
type eventChunk struct {
	file int
	data []byte
	end  bool
	err  error
}

// sequencer state, owned by the sequence goroutine.
type sequencer struct {
	j       *job
	ctx     context.Context
	out     chan<- writeItem
	events  chan<- eventChunk
	pend    []*pendingBatch
	open    *openRun
	file    int
	fileKey []byte // the current file's name as a JSON string
	evbuf   []byte
	payload []byte
	err     error // sticky: an event chunk could not be sent
}

// sequence puts validated batches back in input order and groups their
// rows into orders: it decides, per order, rejected or kept, and for kept
// ones added, updated or unchanged against the committed state; records
// issues, rejects and samples; builds the events; and hands batches with
// their selections to the writer.
func (j *job) sequence(ctx context.Context, in <-chan valItem, out chan<- writeItem, events chan<- eventChunk) error {
	s := &sequencer{j: j, ctx: ctx, out: out, events: events, file: -1}
	waiting := map[int]valItem{}
	next := 0
	for vi := range in {
		waiting[vi.seq] = vi
		for {
			it, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			t := time.Now()
			err := s.process(it)
			j.clock.sequence.since(t)
			if err != nil {
				return err
			}
		}
	}
	// Every run is logged: find the orders that came back, while the
	// writers finish.
	t := time.Now()
	defer j.clock.sequence.since(t)
	var err error
	if j.superseded, err = j.runs.supersessions(); err != nil {
		return err
	}
	for _, s := range j.superseded {
		j.files[s.by.file].issues[issueKey{j.format.KeyField().Name, issue.NotSequential}]++
	}
	return nil
}

func (s *sequencer) process(it valItem) error {
	if it.file != s.file {
		s.file = it.file
		s.fileKey = columnar.AppendJSONString(s.fileKey[:0], []byte(s.j.files[it.file].obj.URI))
	}
	switch {
	case it.rows != nil:
		return s.batch(it)
	case it.end:
		if s.open != nil {
			s.closeRun(s.open)
			s.open = nil
		}
		if err := s.flush(len(s.pend)); err != nil {
			return err
		}
		if err := s.sendEvents(true, nil); err != nil {
			return err
		}
		return s.send(writeItem{file: it.file, end: true})
	default: // the file failed
		f := s.j.files[it.file]
		f.failed = true
		f.report.Status = validate.FileFailed
		f.report.Error = it.err.Error()
		for _, pb := range s.pend {
			pb.o.Release()
		}
		s.pend, s.open, s.evbuf = s.pend[:0], nil, s.evbuf[:0]
		if err := s.sendEvents(false, it.err); err != nil {
			return err
		}
		return s.send(writeItem{file: it.file, err: it.err})
	}
}

func (s *sequencer) send(w writeItem) error {
	select {
	case s.out <- w:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// batch sequences the rows of one validated batch.
func (s *sequencer) batch(it valItem) error {
	o := it.rows
	f := s.j.files[it.file]
	for k, c := range o.Issues.Code {
		f.issues[issueKey{s.columnName(f, int(o.Issues.Col[k])), c}]++
	}
	n := o.Rows()
	pb := &pendingBatch{file: it.file, o: o, v: it.v,
		ordIdx: make([]int32, 0, len(o.Starts)), ordFP: make([]uint64, 0, len(o.Starts)),
		ordChanged: make([]bool, 0, len(o.Starts)), ordMonth: make([]int32, 0, len(o.Starts)),
		itemRow: make([]int32, 0, n), itemLineNo: make([]int32, 0, n),
		itemMonth: make([]int32, 0, n), itemChanged: make([]bool, 0, n)}
	s.pend = append(s.pend, pb)
	first := n
	if len(o.Starts) > 0 {
		first = int(o.Starts[0])
	}
	if first > 0 {
		if s.open == nil { // rows before the file's first order
			s.open = &openRun{si: -1}
		}
		s.open.parts = append(s.open.parts, part{pb, 0, first})
	}
	for si, st := range o.Starts {
		if s.open != nil {
			s.closeRun(s.open)
		}
		end := n
		if si+1 < len(o.Starts) {
			end = int(o.Starts[si+1])
		}
		s.open = &openRun{key: o.OrderID.Value(int(st)), si: si, parts: []part{{pb, int(st), end}}}
	}
	// Every batch before the open run's first one is complete.
	done := len(s.pend)
	if s.open != nil {
		for i, p := range s.pend {
			if p == s.open.parts[0].pb {
				done = i
				break
			}
		}
	}
	if err := s.flush(done); err != nil {
		return err
	}
	return s.err
}

// flush hands the first n pending batches to the writer.
func (s *sequencer) flush(n int) error {
	for _, pb := range s.pend[:n] {
		if err := s.send(writeItem{file: pb.file, pb: pb}); err != nil {
			return err
		}
	}
	s.pend = append(s.pend[:0], s.pend[n:]...)
	return nil
}

func (s *sequencer) sendEvents(end bool, err error) error {
	if s.j.opt.DryRun {
		s.evbuf = s.evbuf[:0]
		return nil
	}
	c := eventChunk{file: s.file, data: s.evbuf, end: end, err: err}
	select { // a buffer the event writer is done with, or a new one
	case s.evbuf = <-s.j.evFree:
		s.evbuf = s.evbuf[:0]
	default:
		s.evbuf = make([]byte, 0, eventChunkSize+eventChunkSize/2)
	}
	select {
	case s.events <- c:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

func (s *sequencer) columnName(f *fileState, col int) string {
	if col < 0 || col >= len(f.header) {
		return ""
	}
	return f.header[col]
}

// closeRun decides the fate of a complete run of rows.
func (s *sequencer) closeRun(r *openRun) {
	j := s.j
	f := j.files[s.file]
	first := r.parts[0]
	o0 := first.pb.o
	last := r.parts[len(r.parts)-1]
	ref := runRef{
		file:  int32(s.file),
		first: o0.Lines[first.from],
		last:  last.pb.o.Lines[last.to-1],
	}
	rows, bad := 0, false
	for _, p := range r.parts {
		rows += p.to - p.from
		for _, e := range p.pb.o.RowError[p.from:p.to] {
			bad = bad || e
		}
	}
	ref.rows = int32(rows)
	f.counts.Records++
	if r.si >= 0 {
		ref.month = o0.Month[r.si]
	}
	if bad || r.si < 0 {
		ref.outcome = outRejected
		f.counts.Rejected++
		f.counts.RowsRejected += int64(rows)
		s.rejects(r, f)
	} else {
		s.keep(r, f, rows, &ref)
	}
	if r.si >= 0 {
		j.runs.add(r.key, ref)
	}
}

// rejects records the rejects of the run's rows.
func (s *sequencer) rejects(r *openRun, f *fileState) {
	for _, p := range r.parts {
		o := p.pb.o
		for k, row := range o.RejectRow {
			if int(row) < p.from || int(row) >= p.to {
				continue
			}
			if err := s.j.rejects.Add(o.Rejects[k]); err != nil && s.j.rejectErr == nil {
				s.j.rejectErr = err
			}
			f.rejectsSeen++
		}
	}
}

// keep selects a valid run's rows for writing, classifies it against the
// committed state and builds its event and sample.
func (s *sequencer) keep(r *openRun, f *fileState, rows int, ref *runRef) {
	j := s.j
	first := r.parts[0]
	o0 := first.pb.o
	fp := o0.OrderHash[r.si]
	for _, p := range r.parts {
		for _, h := range p.pb.o.ItemHash[p.from:p.to] {
			fp = columnar.Mix64(fp, h)
		}
	}
	typ := "orderPlace"
	committed, known := j.state.Get(columnar.KeyOfString(r.key))
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
	pb.ordMonth = append(pb.ordMonth, ref.month)
	line := int32(0)
	for _, p := range r.parts {
		for row := p.from; row < p.to; row++ {
			line++
			p.pb.itemRow = append(p.pb.itemRow, int32(row))
			p.pb.itemLineNo = append(p.pb.itemLineNo, line)
			p.pb.itemMonth = append(p.pb.itemMonth, ref.month)
			p.pb.itemChanged = append(p.pb.itemChanged, changed)
		}
	}

	// The record as JSON: the event's payload, written straight into the
	// event buffer (or a scratch buffer when there is no event), and the
	// sample.
	event := changed && !j.opt.DryRun
	dst := s.payload[:0]
	if event {
		dst = append(s.evbuf, `{"type":"`...)
		dst = append(dst, typ...)
		dst = append(dst, `","key":`...)
		dst = columnar.AppendJSONString(dst, []byte(r.key))
		dst = append(dst, j.eventHead...)
		dst = append(dst, `,"source":{"file":`...)
		dst = append(dst, s.fileKey...)
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, ref.first, 10)
		dst = append(dst, `},"payload":`...)
	}
	p0 := len(dst)
	dst = append(dst, '{')
	dst = append(dst, o0.OrderJSON.At(r.si)...)
	dst = append(dst, `,"fingerprint":"`...)
	dst = appendHex16(dst, fp)
	dst = append(dst, `","line_items":[`...)
	sep := false
	for _, p := range r.parts {
		for row := p.from; row < p.to; row++ {
			if sep {
				dst = append(dst, ',')
			}
			sep = true
			dst = append(dst, '{')
			dst = append(dst, p.pb.o.ItemJSON.At(row)...)
			dst = append(dst, '}')
		}
	}
	dst = append(dst, "]}"...)
	j.samples.Add(dst[p0:])
	if event {
		s.evbuf = append(dst, "}\n"...)
		if len(s.evbuf) >= eventChunkSize && s.err == nil {
			s.err = s.sendEvents(false, nil)
		}
	} else {
		s.payload = dst
	}
}

// appendHex16 appends fp as 16 lower-case hex digits: the fingerprint
// column's spelling.
func appendHex16(dst []byte, fp uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[fp>>uint(shift)&15])
	}
	return dst
}

const hexDigits = "0123456789abcdef"
