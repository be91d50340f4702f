package ingot

import "ingot/validate"

// chartsReport gives the report its charts: the records per month and the
// totals the writer counted, without the files that failed and the runs
// superseded later.
func (j *job) chartsReport() *validate.Charts {
	var drops []validate.ChartDrop
	for _, d := range j.dropped {
		if d.outcome != outRejected {
			drops = append(drops, validate.ChartDrop{File: int(d.file), Month: d.month, Changed: d.outcome == outAdded || d.outcome == outUpdated})
		}
	}
	return j.charts.Charts(func(f int) bool { return f < len(j.files) && j.files[f].failed }, drops)
}
