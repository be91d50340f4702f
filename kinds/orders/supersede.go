package orders

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/columnar"
	"ingot/kinds"
	"ingot/validate"
)

// droppedRun is a run of rows superseded by a later run of the same order.
type droppedRun struct {
	runRef
	key string
	by  runRef
}

// Settle settles the orders whose id came back after other orders: the
// last run (of a file that did not fail) wins; every earlier run moves
// from its count to superseded, and the rows and events already written
// for it are listed for removal. It costs nothing when no order repeats.
func (g *grouper) Settle() (*kinds.Result, error) {
	g.settle()
	res := &kinds.Result{
		Issues:     make([]map[kinds.IssueKey]int64, len(g.files)),
		Counts:     make([]validate.Counts, len(g.files)),
		Samples:    g.samples.Samples(),
		Superseded: g.supersededReport(),
		DropReject: g.dropReject,
		Removals:   g.removals(),
		Dropped:    g.droppedRecords(),
	}
	for i, f := range g.files {
		res.Issues[i], res.Counts[i] = f.issues, f.counts
	}
	return res, nil
}

// settle decides the dropped runs and moves their counts to superseded.
func (g *grouper) settle() {
	if len(g.superseded) == 0 {
		return
	}
	runs := map[string][]runRef{}
	var keys []string
	for _, s := range g.superseded {
		rs := runs[s.key]
		if len(rs) == 0 {
			keys = append(keys, s.key)
			rs = append(rs, s.prev)
		}
		runs[s.key] = append(rs, s.by)
	}
	for _, k := range keys {
		rs := runs[k]
		win := -1
		for i := len(rs) - 1; i >= 0; i-- {
			if !g.files[rs[i].file].failed {
				win = i
				break
			}
		}
		if win < 0 {
			continue
		}
		for i, r := range rs {
			if i == win || g.files[r.file].failed {
				continue
			}
			g.dropped = append(g.dropped, droppedRun{runRef: r, key: k, by: rs[win]})
			c := &g.files[r.file].counts
			switch r.outcome {
			case outRejected:
				c.Rejected--
				c.RowsRejected -= int64(r.rows)
			case outAdded:
				c.Added--
			case outUpdated:
				c.Updated--
			case outUnchanged:
				c.Unchanged--
			}
			if r.outcome != outRejected {
				c.Valid--
				c.RowsCommitted -= int64(r.rows)
			}
			c.Superseded++
			c.RowsSuperseded += int64(r.rows)
		}
	}
}

// dropReject says whether the reject at file, line is one of a dropped
// run.
func (g *grouper) dropReject(file int, line int64) bool {
	for _, r := range g.dropped {
		if int(r.file) == file && r.first <= line && line <= r.last {
			return true
		}
	}
	return false
}

// removals lists, per file, the written rows and events of dropped runs
// (those added or updated): matched by order id and line range, events by
// key and first line.
func (g *grouper) removals() map[int]*kinds.Removal {
	byFile := map[int]map[string][]droppedRun{}
	out := map[int]*kinds.Removal{}
	for _, d := range g.dropped {
		if d.outcome != outAdded && d.outcome != outUpdated {
			continue
		}
		fi := int(d.file)
		if byFile[fi] == nil {
			byFile[fi] = map[string][]droppedRun{}
			out[fi] = &kinds.Removal{Partitions: map[string]bool{}}
		}
		byFile[fi][d.key] = append(byFile[fi][d.key], d)
		out[fi].Partitions[string(columnar.AppendMonth(nil, d.month))] = true
	}
	for fi, drops := range byFile {
		out[fi].KeepRow = func(rec arrow.RecordBatch) []bool {
			ids := rec.Column(rec.Schema().FieldIndices("order_id")[0]).(*array.String)
			lines := rec.Column(rec.Schema().FieldIndices("source_line")[0]).(*array.Int64).Int64Values()
			k := make([]bool, rec.NumRows())
			for i := range k {
				k[i] = true
				for _, d := range drops[ids.Value(i)] {
					if d.first <= lines[i] && lines[i] <= d.last {
						k[i] = false
					}
				}
			}
			return k
		}
		out[fi].KeepEvent = func(key string, line int64) bool {
			for _, d := range drops[key] {
				if d.first == line {
					return false
				}
			}
			return true
		}
	}
	return out
}

// supersededReport lists the superseded runs for the report (at most 1000).
func (g *grouper) supersededReport() []validate.SupersededRun {
	var out []validate.SupersededRun
	for _, d := range g.dropped {
		if len(out) == 1000 {
			break
		}
		out = append(out, validate.SupersededRun{
			OrderID: d.key,
			File:    g.cfg.Files[d.file], FirstLine: d.first, LastLine: d.last,
			ByFile: g.cfg.Files[d.by.file], ByFirstLine: d.by.first, ByLastLine: d.by.last,
		})
	}
	return out
}

// droppedRecords lists the dropped runs that were valid, for the charts.
func (g *grouper) droppedRecords() []validate.ChartDrop {
	var out []validate.ChartDrop
	for _, d := range g.dropped {
		if d.outcome != outRejected {
			out = append(out, validate.ChartDrop{File: int(d.file), Partition: string(columnar.AppendMonth(nil, d.month)),
				Changed: d.outcome == outAdded || d.outcome == outUpdated})
		}
	}
	return out
}
