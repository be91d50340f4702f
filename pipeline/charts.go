package pipeline

import "ingot/validate"

// chartsReport gives the report its charts: the records per partition and
// the totals the writer counted, without the files that failed and the
// records superseded later.
func (a *attempt) chartsReport() *validate.Charts {
	if a.write == nil {
		return nil
	}
	var drops []validate.ChartDrop
	if a.result != nil {
		drops = a.result.Dropped
	}
	return a.write.charts.Charts(func(f int) bool { return f < len(a.files) && a.files[f].failed }, drops)
}
