package ingot

import (
	"time"

	"ingot/validate"
)

// report assembles report.json from the job's state.
func (j *job) report(status string, stats map[string][]validate.ColumnStats) *validate.Report {
	total := j.totals()
	var it validate.IssueTable
	for _, f := range j.files {
		if f.failed {
			continue
		}
		for k, n := range f.issues {
			it.Add(k.column, k.code, n)
		}
	}
	r := &validate.Report{
		SchemaVersion: 1,
		ImportID:      j.importID,
		Status:        status,
		DryRun:        j.opt.DryRun,
		Kind:          j.opt.Kind,
		Format:        j.opt.Format,
		Dest:          j.opt.Dest,
		StartedAt:     j.started.UTC(),
		FinishedAt:    j.opt.Now().UTC(),
		Counts:        total,
		Issues:        it.Rows(total.Records),
		Samples:       j.samples.Samples(),
		Stats:         stats,
		Superseded:    j.supersededReport(),
		Charts:        j.chartsReport(),
		ReportDir:     j.reportDir,
	}
	if status == validate.StatusCompleted || status == validate.StatusCompletedWithFailures {
		r.Version = j.version
	}
	if j.rejectsDone {
		r.Rejects = validate.RejectFiles{Count: j.rejects.Written(), CSV: validate.RejectsCSV, JSON: validate.RejectsJSON}
	}
	var bytes int64
	for _, f := range j.files {
		r.Files = append(r.Files, f.report)
		bytes += f.report.Bytes
	}
	wall := time.Since(j.started).Seconds()
	for _, st := range []struct {
		name  string
		clock *stageClock
	}{
		{"read", &j.clock.read}, {"validate", &j.clock.validate}, {"group", &j.clock.sequence},
		{"write", &j.clock.write}, {"events", &j.clock.events}, {"summarise", &j.clock.summary},
		{"commit", &j.clock.commit},
	} {
		r.Timings = append(r.Timings, timing(st.name, st.clock.seconds(), total.Rows, bytes))
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
