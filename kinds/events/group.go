package events

import (
	"encoding/binary"

	"github.com/zeebo/xxh3"

	"ingot/columnar"
	"ingot/issue"
	"ingot/kinds"
	"ingot/validate"
)

// seenEvent is where an event was first kept in the import.
type seenEvent struct {
	file int32 // -1: its file failed, the event is forgotten
	line int64
}

// Grouper is the diff stage of the events kind. An event is one row, so
// nothing waits: every batch goes to the writer as it comes. An event is
// added when its key is not committed, unchanged when it is with the
// same fingerprint, updated when an event id comes back with other
// content. An event whose key was already kept in this import is a
// duplicate: counted unchanged, written once, with a duplicate_event
// warning.
type Grouper struct {
	cfg     kinds.GroupConfig
	files   []fileCounts
	seen    columnar.KeyMap[seenEvent]
	samples validate.SampleKeeper
	// rejectErr is the first reject that could not be written.
	rejectErr error

	file    int
	fileKey []byte
	key     []byte
	payload []byte
	hashBuf []byte
}

type fileCounts struct {
	counts validate.Counts
	issues map[kinds.IssueKey]int64
}

// NewGrouper starts the diff of one attempt.
func NewGrouper(cfg kinds.GroupConfig) *Grouper {
	g := &Grouper{cfg: cfg, files: make([]fileCounts, len(cfg.Files)), file: -1}
	for i := range g.files {
		g.files[i].issues = map[kinds.IssueKey]int64{}
	}
	if g.cfg.State == nil {
		g.cfg.State = &columnar.KeyMap[uint64]{}
	}
	return g
}

// Outcomes of an event.
const (
	outAdded uint8 = iota + 1
	outUpdated
	outUnchanged
)

// Fingerprint returns the content fingerprint of an event: its name, user
// id type, user id, time and properties.
func Fingerprint(buf []byte, event, typ, id []byte, at int64, props []byte) (uint64, []byte) {
	buf = append(buf[:0], event...)
	buf = append(buf, 0)
	buf = append(buf, typ...)
	buf = append(buf, 0)
	buf = append(buf, id...)
	buf = append(buf, 0)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(at))
	buf = append(buf, props...)
	return xxh3.Hash(buf), buf
}

// Add diffs the rows of one validated batch and hands it on.
func (g *Grouper) Add(file int, v kinds.Validated, header []string, out kinds.Sink) error {
	o := v.(*Rows)
	if file != g.file {
		g.file = file
		g.fileKey = columnar.AppendJSONString(g.fileKey[:0], []byte(g.cfg.Files[file]))
	}
	f := &g.files[file]
	for k, n := range o.Issues {
		f.issues[k] += n
	}
	for k := range o.RejectRow {
		if err := g.cfg.Rejects.Add(o.Rejects[k]); err != nil && g.rejectErr == nil {
			g.rejectErr = err
		}
	}
	n := o.Rows()
	ob := &outBatch{g: g, file: file, o: o, rows: make([]int32, 0, n), outcome: make([]uint8, 0, n),
		fps: make([]uint64, 0, n), keyBuf: make([]byte, 0, 16*n), keyOff: make([]int32, 1, n+1)}
	var hx [16]byte
	for row := range n {
		f.counts.Records++
		if o.RowError[row] {
			f.counts.Rejected++
			f.counts.RowsRejected++
			continue
		}
		var fp uint64
		fp, g.hashBuf = Fingerprint(g.hashBuf, o.Event(row), o.Type(row), o.ID(row), o.At[row], o.Props(row))
		g.key = append(g.key[:0], o.Key(row)...)
		if len(g.key) == 0 {
			g.key = columnar.AppendHex16(g.key, fp)
		}
		hk := columnar.KeyOf(g.key)
		f.counts.Valid++
		f.counts.RowsCommitted++
		line := o.Lines[row]
		if prev, ok := g.seen.Get(hk); ok && prev.file >= 0 {
			// The same event again in this import: imported once.
			f.counts.Unchanged++
			f.issues[kinds.IssueKey{Column: "", Code: issue.DuplicateEvent}]++
			continue
		}
		g.seen.Put(hk, seenEvent{file: int32(file), line: line})
		outcome := outAdded
		if committed, ok := g.cfg.State.Get(hk); ok {
			outcome = outUnchanged
			if committed != fp {
				outcome = outUpdated
			}
		}
		switch outcome {
		case outAdded:
			f.counts.Added++
		case outUpdated:
			f.counts.Updated++
		default:
			f.counts.Unchanged++
		}
		ob.keep(row, g.key, fp, outcome)
		// The event line: the feed's event name as its type.
		var evbuf *[]byte
		if outcome != outUnchanged && g.cfg.EventHead != nil {
			evbuf = out.Events()
		}
		dst := g.payload[:0]
		if evbuf != nil {
			dst = kinds.AppendEventHead(*evbuf, o.Event(row), g.key, g.cfg.EventHead, g.fileKey, line)
		}
		p0 := len(dst)
		dst = append(dst, `{"event":`...)
		dst = columnar.AppendJSONString(dst, o.Event(row))
		dst = append(dst, `,"user_id_type":`...)
		dst = columnar.AppendJSONString(dst, o.Type(row))
		dst = append(dst, `,"user_id":`...)
		dst = columnar.AppendJSONString(dst, o.ID(row))
		dst = append(dst, `,"occurred_at":"`...)
		dst = columnar.AppendTimestamp(dst, o.At[row])
		dst = append(dst, `","properties":`...)
		dst = append(dst, o.Props(row)...)
		dst = append(dst, `,"fingerprint":"`...)
		dst = append(dst, columnar.AppendHex16(hx[:0], fp)...)
		dst = append(dst, `"}`...)
		g.samples.Add(dst[p0:])
		if evbuf != nil {
			*evbuf = append(dst, "}\n"...)
			if err := out.EventsAdded(); err != nil {
				return err
			}
			continue
		}
		g.payload = dst
	}
	return out.Write(ob)
}

// EndFile has nothing pending: every batch went out in Add.
func (g *Grouper) EndFile(file int, out kinds.Sink) error { return nil }

// FailFile forgets the events of a failed file: the same event in a
// later file is not a duplicate any more.
func (g *Grouper) FailFile(file int) {
	var gone []columnar.Key
	g.seen.Range(func(k columnar.Key, s seenEvent) bool {
		if int(s.file) == file {
			gone = append(gone, k)
		}
		return true
	})
	for _, k := range gone {
		g.seen.Put(k, seenEvent{file: -1})
	}
}

// Finish reports the first reject that could not be written.
func (g *Grouper) Finish() error { return g.rejectErr }

// Settle returns the counts: events are never superseded.
func (g *Grouper) Settle() (*kinds.Result, error) {
	r := &kinds.Result{Samples: g.samples.Samples()}
	for fi := range g.files {
		r.Counts = append(r.Counts, g.files[fi].counts)
		r.Issues = append(r.Issues, g.files[fi].issues)
	}
	return r, nil
}

// Close has nothing to remove.
func (g *Grouper) Close() {}
