package ingot

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"ingot/commit"
	"ingot/schema"
	"ingot/validate"
)

// droppedRun is a run of rows superseded by a later run of the same order.
type droppedRun struct {
	runRef
	key string
	by  runRef
}

// applySupersessions settles the orders whose id came back after other
// orders: the last run (of a file that did not fail) wins; every earlier
// run moves from its count to superseded, and the rows already written for
// it are removed from the Parquet files and the event spool of its file.
// It costs nothing when no order repeats.
func (j *job) applySupersessions(ctx context.Context) error {
	if len(j.superseded) == 0 {
		return nil
	}
	runs := map[string][]runRef{}
	var keys []string
	for _, s := range j.superseded {
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
			if !j.files[rs[i].file].failed {
				win = i
				break
			}
		}
		if win < 0 {
			continue
		}
		for i, r := range rs {
			if i == win || j.files[r.file].failed {
				continue
			}
			j.dropped = append(j.dropped, droppedRun{runRef: r, key: k, by: rs[win]})
			c := &j.files[r.file].counts
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
	if j.opt.DryRun {
		return nil
	}
	return j.removeDropped(ctx)
}

// removeDropped rewrites the Parquet files and event spools that hold rows
// of dropped runs that were written (added or updated).
func (j *job) removeDropped(ctx context.Context) error {
	type fileMonth struct {
		file  int32
		month int32
	}
	byFile := map[int32]map[string][]droppedRun{}
	touched := map[fileMonth]bool{}
	for _, d := range j.dropped {
		if d.outcome != outAdded && d.outcome != outUpdated {
			continue
		}
		if byFile[d.file] == nil {
			byFile[d.file] = map[string][]droppedRun{}
		}
		byFile[d.file][d.key] = append(byFile[d.file][d.key], d)
		touched[fileMonth{d.file, d.month}] = true
	}
	for fi, drops := range byFile {
		out := j.out[fi]
		keep := func(rec arrow.RecordBatch) []bool {
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
		var files []commit.FileInfo
		for _, f := range out.files {
			month := monthOf(f.Partition)
			if !touched[fileMonth{fi, month}] {
				files = append(files, f)
				continue
			}
			nf, err := commit.FilterFile(ctx, j.store, f, schema.Lookup(f.Table).Schema, j.importID, &j.parts, keep)
			if err != nil {
				return fmt.Errorf("removing superseded rows from %s: %w", f.Path, err)
			}
			if nf.Path != "" {
				files = append(files, nf)
			}
		}
		out.files = files
		if out.spool != "" {
			if err := j.filterSpool(ctx, int(fi), out, drops); err != nil {
				return err
			}
		}
	}
	return nil
}

// monthOf turns a partition value YYYY-MM into YYYYMM.
func monthOf(p string) int32 {
	var y, m int32
	if _, err := fmt.Sscanf(p, "%d-%d", &y, &m); err != nil {
		return -1
	}
	return y*100 + m
}

// filterSpool rewrites a file's event spool without the events of dropped
// runs (matched by key and first line).
func (j *job) filterSpool(ctx context.Context, fi int, out *fileOutput, drops map[string][]droppedRun) error {
	in, err := j.store.Open(ctx, out.spool)
	if err != nil {
		return err
	}
	defer in.Close()
	path := j.spoolPath(fi, 1)
	fw, err := j.store.Create(ctx, path, false)
	if err != nil {
		return err
	}
	w, err := commit.NewEventWriter(fw, commit.EventOptions{})
	if err != nil {
		fw.Abort()
		return err
	}
	var head struct {
		Key    string `json:"key"`
		Source struct {
			Line int64 `json:"line"`
		} `json:"source"`
	}
	err = commit.ReadEvents(in, func(line []byte) error {
		if err := json.Unmarshal(line, &head); err != nil {
			return fmt.Errorf("event spool: %w", err)
		}
		for _, d := range drops[head.Key] {
			if d.first == head.Source.Line {
				return nil
			}
		}
		return w.WriteLine(line)
	})
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = fw.Close()
	} else {
		fw.Abort()
	}
	if err != nil {
		return err
	}
	out.eventLines = w.Lines()
	_ = j.store.Remove(ctx, out.spool)
	out.spool = path
	return nil
}

// supersededReport lists the superseded runs for the report (at most 1000).
func (j *job) supersededReport() []validate.SupersededRun {
	var out []validate.SupersededRun
	for _, d := range j.dropped {
		if len(out) == 1000 {
			break
		}
		out = append(out, validate.SupersededRun{
			OrderID: d.key,
			File:    j.files[d.file].obj.URI, FirstLine: d.first, LastLine: d.last,
			ByFile: j.files[d.by.file].obj.URI, ByFirstLine: d.by.first, ByLastLine: d.by.last,
		})
	}
	return out
}
