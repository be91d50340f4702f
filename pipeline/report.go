package pipeline

import (
	"slices"
	"time"

	"ingot/validate"
	"ingot/version"
)

// report assembles report.json from the attempt and its stages' results.
func (a *attempt) report(status string) *validate.Report {
	total := a.totals()
	var it validate.IssueTable
	for fi, f := range a.files {
		if f.failed {
			continue
		}
		for k, n := range a.issues(fi) {
			it.Add(k.Column, k.Code, n)
		}
	}
	var samples validate.Samples
	var superseded []validate.SupersededRun
	if a.result != nil {
		samples, superseded = a.result.Samples, a.result.Superseded
	}
	r := &validate.Report{
		SchemaVersion: 1,
		ImportID:      a.importID,
		Status:        status,
		DryRun:        a.opt.DryRun,
		Kind:          a.opt.Kind.Name(),
		Format:        a.opt.Format.Name,
		Dest:          a.opt.Dest,
		StartedAt:     a.started.UTC(),
		FinishedAt:    a.opt.Now().UTC(),
		Counts:        total,
		Issues:        it.Rows(total.Records),
		Samples:       samples,
		Stats:         a.stats,
		Superseded:    superseded,
		Charts:        a.chartsReport(),
		ReportDir:     a.reportDir,
		Ingot:         ptr(version.Get()),
		Command:       a.opt.Command,
		Options:       a.opt.Recorded,
		Pinned:        a.opt.Pinned,
	}
	if a.committed {
		r.Version = a.version
	}
	if a.rejectsDone {
		r.Rejects = validate.RejectFiles{Count: a.rejects.Written(), CSV: validate.RejectsCSV, JSON: validate.RejectsJSON}
	}
	var bytes int64
	for _, f := range a.files {
		r.Files = append(r.Files, f.report)
		bytes += f.report.Bytes
	}
	wall := time.Since(a.started).Seconds()
	clocks := slices.Clone(a.clocks)
	if clocks == nil { // the stages never ran
		for _, name := range []string{"read", "validate", "group", "write", "events"} {
			clocks = append(clocks, &stageClock{name: name})
		}
	}
	clocks = append(clocks, &a.summaryClock, &a.commitClock)
	for _, c := range clocks {
		r.Timings = append(r.Timings, timing(c.name, c.seconds(), total.Rows, bytes))
	}
	r.Timings = append(r.Timings, timing("total", wall, total.Rows, bytes))
	return r
}

func timing(stage string, secs float64, rows, bytes int64) validate.StageTiming {
	t := validate.StageTiming{Stage: stage, Seconds: secs, Rows: rows}
	if secs > 0 {
		t.RowsPerSec = float64(rows) / secs
		t.MBPerSec = float64(bytes) / 1e6 / secs
	}
	return t
}

func ptr[T any](v T) *T { return &v }
