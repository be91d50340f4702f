package keyed

import (
	"bytes"
	"cmp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/zeebo/xxh3"

	"ingot/columnar"
	"ingot/issue"
	"ingot/kinds"
	"ingot/schema"
	"ingot/validate"
)

// Outcomes of a record.
const (
	outAdded uint8 = iota + 1
	outUpdated
	outUnchanged
)

// seenRec is where a key was last kept in the import.
type seenRec struct {
	file    int32
	line    int64
	outcome uint8
}

// maxSuperseded caps the superseded records listed in the report.
const maxSuperseded = 1000

// Grouper is the group and diff stage of a keyed kind. A record is one
// row, so nothing waits: every batch goes to the writer as it comes. A
// key that comes again later in the import supersedes its earlier record
// (last wins, as for orders): the earlier row and event are taken out
// before the commit (Result.Removals), both lines reported.
type Grouper struct {
	spec      *Spec
	cfg       kinds.GroupConfig
	table     *schema.Table
	committed kinds.Lookup
	overwrite bool

	files      []fileGroup
	seen       columnar.KeyMap[seenRec] // by the hash of the key; file -1: forgotten
	dropped    []map[int64]bool         // per file, lines of superseded records
	superseded []validate.SupersededRun
	samples    validate.SampleKeeper
	rejectErr  error

	differ       differ
	key, payload []byte
	fileKey      []byte
	file         int
}

type fileGroup struct {
	counts validate.Counts
	issues map[kinds.IssueKey]int64
}

// NewGrouper starts the grouping of one attempt of spec's kind, whose
// committed attributes are cfg.Lookups[table].
func NewGrouper(spec *Spec, table *schema.Table, cfg kinds.GroupConfig) *Grouper {
	g := &Grouper{spec: spec, cfg: cfg, table: table, committed: cfg.Lookups[table.Name],
		overwrite: cfg.Records.Merge == kinds.MergeOverwrite, differ: newDiffer(cfg.Records.IgnoreOnUpdate),
		files: make([]fileGroup, len(cfg.Files)), dropped: make([]map[int64]bool, len(cfg.Files)),
		file: -1}
	for i := range g.files {
		g.files[i].issues = map[kinds.IssueKey]int64{}
	}
	return g
}

// Lookups is what a keyed kind asks the pipeline for: the committed
// attributes of its table by key.
func Lookups(spec *Spec, table *schema.Table) []kinds.LookupSpec {
	return []kinds.LookupSpec{{Table: table.Name, Key: table.Key, Value: "attributes"}}
}

// Add classifies the rows of one validated batch and hands it on.
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
	n := o.Rows()
	ob := &outBatch{g: g, file: file, o: o, sink: out, rows: make([]int32, 0, n), changed: make([]bool, 0, n),
		fps: make([]uint64, 0, n), attrBuf: make([]byte, 0, len(o.attrBuf)+len(o.attrBuf)/4), attrOff: make([]int32, 1, n+1)}
	for k := range o.RejectRow {
		if err := g.cfg.Rejects.Add(o.Rejects[k]); err != nil && g.rejectErr == nil {
			g.rejectErr = err
		}
	}
	keyCol := o.keyColumn(g)
	for row := range o.Rows() {
		f.counts.Records++
		if o.RowError[row] {
			f.counts.Rejected++
			f.counts.RowsRejected++
			continue
		}
		if err := g.keep(ob, row, f, keyCol); err != nil {
			return err
		}
	}
	return out.Write(ob)
}

func (o *Rows) keyColumn(g *Grouper) string {
	if g.spec.UserID {
		c := g.cfg.Records.UserIDColumn
		if c == "" {
			c = DefaultUserIDColumn
		}
		return c
	}
	return cmp.Or(g.cfg.Records.KeyColumn, g.spec.KeyColumn)
}

// keep diffs one valid row against the committed state.
func (g *Grouper) keep(ob *outBatch, row int, f *fileGroup, keyCol string) error {
	o := ob.o
	line := o.Lines[row]
	g.key = g.key[:0]
	if g.spec.UserID {
		g.key = append(append(g.key, o.Type(row)...), kinds.KeySep...)
	}
	g.key = append(g.key, o.ID(row)...)
	hk := columnar.KeyOf(g.key)
	if prev, ok := g.seen.Get(hk); ok && prev.file >= 0 {
		pf := &g.files[prev.file]
		switch prev.outcome {
		case outAdded:
			pf.counts.Added--
		case outUpdated:
			pf.counts.Updated--
		case outUnchanged:
			pf.counts.Unchanged--
		}
		pf.counts.Valid--
		pf.counts.RowsCommitted--
		pf.counts.Superseded++
		pf.counts.RowsSuperseded++
		if g.dropped[prev.file] == nil {
			g.dropped[prev.file] = map[int64]bool{}
		}
		g.dropped[prev.file][prev.line] = true
		f.issues[kinds.IssueKey{Column: keyCol, Code: issue.DuplicateRecord}]++
		if len(g.superseded) < maxSuperseded {
			g.superseded = append(g.superseded, validate.SupersededRun{OrderID: string(o.ID(row)),
				File: g.cfg.Files[prev.file], FirstLine: prev.line, LastLine: prev.line,
				ByFile: g.cfg.Files[g.file], ByFirstLine: line, ByLastLine: line})
		}
	}
	given := o.Attrs(row)
	committed, known := g.committed[string(g.key)]
	merged := given
	var changed, removed []member
	outcome := outAdded
	if known {
		var err error
		merged, changed, removed, err = g.differ.diff([]byte(committed), given, g.overwrite)
		if err != nil {
			return err
		}
		outcome = outUpdated
		if len(changed) == 0 && len(removed) == 0 {
			outcome = outUnchanged
		}
	}
	g.seen.Put(hk, seenRec{file: int32(g.file), line: line, outcome: outcome})
	f.counts.Valid++
	f.counts.RowsCommitted++
	typ := g.spec.Create
	switch outcome {
	case outAdded:
		f.counts.Added++
	case outUpdated:
		f.counts.Updated++
		typ = g.spec.Update
	default:
		f.counts.Unchanged++
		typ = ""
	}
	fp := xxh3.Hash(merged)
	ob.keep(row, merged, fp, typ != "")

	// The event: the key, and every attribute of a new record or only
	// what changed of an updated one.
	var evbuf *[]byte
	if typ != "" && g.cfg.EventHead != nil {
		evbuf = ob.sink.Events()
	}
	dst := g.payload[:0]
	if evbuf != nil {
		dst = kinds.AppendEventHead(*evbuf, []byte(typ), o.ID(row), g.cfg.EventHead, g.fileKey, line)
	}
	p0 := len(dst)
	dst = append(dst, '{')
	if g.spec.UserID {
		dst = append(dst, `"user_id_type":`...)
		dst = columnar.AppendJSONString(dst, o.Type(row))
		dst = append(dst, `,"user_id":`...)
	} else {
		dst = append(dst, '"')
		dst = append(dst, g.spec.KeyName...)
		dst = append(dst, `":`...)
	}
	dst = columnar.AppendJSONString(dst, o.ID(row))
	dst = append(dst, `,"attributes":`...)
	if outcome == outUpdated {
		dst = appendMembers(dst, changed)
		if len(removed) > 0 {
			dst = append(dst, `,"removed":[`...)
			for i, r := range removed {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, r.key...)
			}
			dst = append(dst, ']')
		}
	} else {
		dst = append(dst, merged...)
	}
	dst = append(dst, '}')
	g.samples.Add(dst[p0:])
	if evbuf != nil {
		*evbuf = append(dst, "}\n"...)
		return ob.sink.EventsAdded()
	}
	g.payload = dst
	return nil
}

// differ merges or overwrites attribute objects, reusing its buffers:
// one per grouper.
type differ struct {
	old, cur, changed, merged, removed []member
	buf                                []byte
	// keep holds the attributes never changed on update (their keys as
	// JSON strings): a committed record keeps its value, given or not.
	keep map[string]bool
}

func newDiffer(ignoreOnUpdate []string) differ {
	d := differ{}
	if len(ignoreOnUpdate) > 0 {
		d.keep = make(map[string]bool, len(ignoreOnUpdate))
		for _, a := range ignoreOnUpdate {
			d.keep[string(columnar.AppendJSONString(nil, []byte(a)))] = true
		}
	}
	return d
}

// diff merges given into committed (both JSON objects with keys sorted
// by their bytes) or, with overwrite, takes given as it is; it returns
// the new attributes (sorted), the attributes added or changed and those
// removed. The results alias the arguments and d's buffers, valid until
// the next call.
func (d *differ) diff(committed, given []byte, overwrite bool) (merged []byte, changed, removed []member, err error) {
	if d.old, err = splitObject(d.old[:0], committed); err != nil {
		return nil, nil, nil, err
	}
	if d.cur, err = splitObject(d.cur[:0], given); err != nil {
		return nil, nil, nil, err
	}
	if d.keep != nil { // an update: what is never updated is not given
		cur := d.cur[:0]
		for _, m := range d.cur {
			if !d.keep[string(m.key)] {
				cur = append(cur, m)
			}
		}
		d.cur = cur
	}
	sortMembers(d.old)
	sortMembers(d.cur)
	d.changed, d.merged, d.removed = d.changed[:0], d.merged[:0], d.removed[:0]
	old, cur := d.old, d.cur
	for len(old) > 0 || len(cur) > 0 {
		c := 0
		switch {
		case len(old) == 0:
			c = 1
		case len(cur) == 0:
			c = -1
		default:
			c = bytes.Compare(old[0].key, cur[0].key)
		}
		switch {
		case c < 0: // only committed
			if overwrite && !d.keep[string(old[0].key)] {
				d.removed = append(d.removed, old[0])
			} else {
				d.merged = append(d.merged, old[0])
			}
			old = old[1:]
		case c > 0: // only given
			d.changed = append(d.changed, cur[0])
			d.merged = append(d.merged, cur[0])
			cur = cur[1:]
		default:
			if !bytes.Equal(old[0].value, cur[0].value) {
				d.changed = append(d.changed, cur[0])
			}
			d.merged = append(d.merged, cur[0])
			old, cur = old[1:], cur[1:]
		}
	}
	if len(d.changed) == 0 && len(d.removed) == 0 {
		return committed, nil, nil, nil
	}
	d.buf = appendMembers(d.buf[:0], d.merged)
	return d.buf, d.changed, d.removed, nil
}

// EndFile has nothing pending: every batch went out in Add.
func (g *Grouper) EndFile(file int, out kinds.Sink) error { return nil }

// FailFile forgets the records of a failed file: a key it had does not
// supersede anything any more.
func (g *Grouper) FailFile(file int) {
	var gone []columnar.Key
	g.seen.Range(func(k columnar.Key, s seenRec) bool {
		if int(s.file) == file {
			gone = append(gone, k)
		}
		return true
	})
	for _, k := range gone {
		g.seen.Put(k, seenRec{file: -1})
	}
}

// Finish reports the first reject that could not be written.
func (g *Grouper) Finish() error { return g.rejectErr }

// Settle returns the counts and the superseded records to take out.
func (g *Grouper) Settle() (*kinds.Result, error) {
	r := &kinds.Result{Samples: g.samples.Samples(), Superseded: g.superseded, Removals: map[int]*kinds.Removal{}}
	for fi := range g.files {
		r.Counts = append(r.Counts, g.files[fi].counts)
		r.Issues = append(r.Issues, g.files[fi].issues)
		drop := g.dropped[fi]
		if len(drop) == 0 {
			continue
		}
		lineCol := g.table.Schema.NumFields() - 1
		r.Removals[fi] = &kinds.Removal{
			Partitions: map[string]bool{"": true},
			KeepRow: func(rec arrow.RecordBatch) []bool {
				lines := rec.Column(lineCol).(*array.Int64).Int64Values()
				keep := make([]bool, len(lines))
				for i, l := range lines {
					keep[i] = !drop[l]
				}
				return keep
			},
			KeepEvent: func(_ string, line int64) bool { return !drop[line] },
		}
	}
	return r, nil
}

// Close has nothing to remove.
func (g *Grouper) Close() {}
