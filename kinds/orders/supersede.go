package orders

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/columnar"
	"ingot/kinds"
	"ingot/schema"
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
	g.indexDropped()
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

// lineRange is the lines [first, last] of a run.
type lineRange struct{ first, last int64 }

// lineRanges are the disjoint line ranges of runs of one file, sorted.
type lineRanges []lineRange

// sortedRanges sorts rs (the runs of one file never overlap).
func sortedRanges(rs lineRanges) lineRanges {
	slices.SortFunc(rs, func(a, b lineRange) int { return cmp.Compare(a.first, b.first) })
	return rs
}

// has says whether line falls in one of the ranges: a binary search, so
// that matching n rows or rejects against d dropped runs costs n log d.
func (rs lineRanges) has(line int64) bool {
	i, _ := slices.BinarySearchFunc(rs, line, func(r lineRange, l int64) int { return cmp.Compare(r.last, l) })
	return i < len(rs) && rs[i].first <= line
}

// dropReject says whether the reject at file, line is one of a dropped
// run.
func (g *grouper) dropReject(file int, line int64) bool {
	return g.droppedLines[file].has(line)
}

// indexDropped sorts the dropped runs' lines by file, for dropReject.
func (g *grouper) indexDropped() {
	g.droppedLines = map[int]lineRanges{}
	for _, d := range g.dropped {
		g.droppedLines[int(d.file)] = append(g.droppedLines[int(d.file)], lineRange{d.first, d.last})
	}
	for fi, rs := range g.droppedLines {
		g.droppedLines[fi] = sortedRanges(rs)
	}
}

// removals lists, per file, the rows and events of dropped runs that
// were written or held (those added or updated), matched by source line
// (a line belongs to one run of one order). Held ones are skipped when
// the pipeline writes what was held; for those written before the
// grouper began holding, it gets the counts per partition, so that it
// removes the files whose rows are all dropped without reading them and
// rewrites only the others.
func (g *grouper) removals() map[int]*kinds.Removal {
	out := map[int]*kinds.Removal{}
	written := map[int]lineRanges{}
	for _, d := range g.dropped {
		if d.outcome != outAdded && d.outcome != outUpdated {
			continue
		}
		fi := int(d.file)
		rm := out[fi]
		if rm == nil {
			rm = &kinds.Removal{Partitions: map[string]bool{}, Counted: true, DroppedRows: map[string]map[string]int64{
				schema.Orders: {}, schema.LineItems: {},
			}}
			out[fi] = rm
		}
		written[fi] = append(written[fi], lineRange{d.first, d.last})
		if d.held {
			continue
		}
		part := string(columnar.AppendMonth(nil, d.month))
		rm.Partitions[part] = true
		rm.DroppedRows[schema.Orders][part]++
		rm.DroppedRows[schema.LineItems][part] += int64(d.rows)
		if g.cfg.EventHead != nil {
			rm.DroppedEvents++
		}
	}
	for fi, rm := range out {
		rs := sortedRanges(written[fi])
		rm.KeepLine = func(line int64) bool { return !rs.has(line) }
		rm.KeepRow = func(rec arrow.RecordBatch) []bool {
			lines := rec.Column(rec.Schema().FieldIndices("source_line")[0]).(*array.Int64).Int64Values()
			k := make([]bool, len(lines))
			for i, l := range lines {
				k[i] = !rs.has(l)
			}
			return k
		}
		rm.KeepEvent = func(_ string, line int64) bool { return !rs.has(line) }
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
