package validate

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"ingot/issue"
)

// ReportHTMLFile is the name of the report for people, next to
// report.json.
const ReportHTMLFile = "report.html"

// RejectsPerFile is how many rejects of each file report.html lists; the
// rest are in rejects.csv and rejects.json, which it links to.
const RejectsPerFile = 20

// supersededShown is how many superseded runs report.html shows before
// folding the rest into a <details>.
const supersededShown = 20

//go:embed report.html.tmpl
var templateFS embed.FS

// reportTemplate renders a reportView. html/template escapes every value
// for its context (text, attribute, URL, inside <svg>); nothing in the
// view is template.HTML.
var reportTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"num":   group,
	"pct":   func(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) + "%" },
	"f1":    func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"secs":  seconds,
	"xy":    func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"add":   func(a, b float64) float64 { return a + b },
	"mid":   func(a, b float64) float64 { return (a + b) / 2 },
	"minus": func(a, b int) int { return a - b },
	"rate":  func(v float64) string { return group(int64(math.Round(v))) },
}).ParseFS(templateFS, "report.html.tmpl"))

// WriteHTML renders the report as one self-contained HTML page: inline
// CSS and SVG charts, no script, nothing fetched from the network. The
// rejects it lists are read from ReportDir's rejects.csv, when ReportDir
// is set and the file is there; the links to the rejects files are
// relative, so the page works from the report's directory.
func (r *Report) WriteHTML(w io.Writer) error {
	v := newReportView(r)
	if err := reportTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("validate: render report.html of %s: %w", r.ImportID, err)
	}
	return nil
}

// writeHTMLFile renders the report into dir/report.html atomically.
func (r *Report) writeHTMLFile(dir string) error {
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ReportHTMLFile), b.Bytes())
}

// reportView is what the template shows, formatted.
type reportView struct {
	R           *Report
	Title       string
	Banner      banner
	Duration    string
	Started     string
	Finished    string
	Files       []fileView
	Counts      Counts
	Verb        string // committed, or "to commit" on a dry run
	Would       string
	CountsErr   string
	Accounting  *barChart
	Issues      []IssueRow
	IssueTotal  int64
	Charts      []*barChart
	ChartNotes  []string
	Rejects     []fileRejects
	RejectsErr  string
	RejectLinks []rejectLink
	Stats       []tableStats
	First, Last []sampleView
	Superseded  []SupersededRun
	// SupersededHead is shown, SupersededTail folded away.
	SupersededHead, SupersededTail []SupersededRun
	Timings                        []StageTiming
	Generated                      string
	// Command is the command line as one string; Options the recorded
	// options as name and JSON value; Build the version that ran.
	Command string
	Options [][2]string
	Build   string
}

type banner struct {
	Class, Label, Detail string
	DryRun               bool
}

type fileView struct {
	FileReport
	EncodingText string
}

type rejectLink struct{ Href, Label string }

// fileRejects is the first rejects of one source file and how many it
// has in all.
type fileRejects struct {
	File  string
	Count int64
	Rows  [][]string // line, record_id, column, code, message, value
}

type tableStats struct {
	Table   string
	Rows    int64
	Sampled int64
	Columns []colView
}

type colView struct {
	Column, Type, Nulls, Distinct, Min, Max, Mean string
	Top                                           []string
	TopApprox                                     bool
	Sampled                                       bool
}

type sampleView struct {
	Summary string
	JSON    string
}

func newReportView(r *Report) *reportView {
	v := &reportView{R: r, Counts: r.Counts, Issues: r.Issues, Superseded: r.Superseded, Timings: r.Timings,
		Verb: "committed", Generated: time.Now().UTC().Format(time.RFC3339)}
	v.Title = fmt.Sprintf("ingot import %s", orDash(r.ImportID))
	v.Banner = statusBanner(r)
	if r.DryRun {
		v.Verb, v.Would = "to commit", "would be "
	}
	if !r.StartedAt.IsZero() {
		v.Started = r.StartedAt.UTC().Format(time.RFC3339)
	}
	if !r.FinishedAt.IsZero() {
		v.Finished = r.FinishedAt.UTC().Format(time.RFC3339)
		if !r.StartedAt.IsZero() {
			v.Duration = seconds(r.FinishedAt.Sub(r.StartedAt).Seconds())
		}
	}
	for _, f := range r.Files {
		enc := orDash(f.Encoding)
		if f.EncodingConfidence > 0 {
			enc += fmt.Sprintf(" (%.0f%% confidence)", f.EncodingConfidence*100)
		}
		v.Files = append(v.Files, fileView{FileReport: f, EncodingText: enc})
	}
	if err := r.Counts.Check(); err != nil {
		v.CountsErr = err.Error()
	}
	v.Accounting = accountingChart(r.Counts, v.Verb)
	for _, is := range r.Issues {
		v.IssueTotal += is.Count
	}
	v.Charts, v.ChartNotes = reportCharts(r)
	v.Rejects, v.RejectsErr = readRejects(r, RejectsPerFile)
	for _, l := range []string{r.Rejects.CSV, r.Rejects.JSON} {
		if l != "" {
			v.RejectLinks = append(v.RejectLinks, rejectLink{Href: l, Label: l})
		}
	}
	n := min(len(r.Superseded), supersededShown)
	v.SupersededHead, v.SupersededTail = r.Superseded[:n], r.Superseded[n:]
	v.Command = strings.Join(r.Command, " ")
	for _, k := range sortedKeys(r.Options) {
		v.Options = append(v.Options, [2]string{k, jsonText(r.Options[k])})
	}
	if r.Ingot != nil {
		v.Build = r.Ingot.String()
	}
	v.Stats = statsViews(r.Stats)
	v.First = sampleViews(r.Samples.First)
	v.Last = sampleViews(r.Samples.Last)
	return v
}

func statusBanner(r *Report) banner {
	b := banner{DryRun: r.DryRun || r.Status == StatusDryRun}
	switch r.Status {
	case StatusCompleted:
		b.Class, b.Label = "ok", "Completed"
		if r.Version > 0 {
			b.Detail = fmt.Sprintf("committed as version %d", r.Version)
		}
	case StatusCompletedWithFailures:
		b.Class, b.Label = "warn", "Completed with failures"
		b.Detail = "some files failed; the others were committed"
		if r.Version > 0 {
			b.Detail += fmt.Sprintf(" as version %d", r.Version)
		}
	case StatusFailed:
		b.Class, b.Label, b.Detail = "bad", "Failed", "nothing was committed"
	case "cancelled":
		b.Class, b.Label, b.Detail = "muted", "Cancelled", "nothing was committed"
	case StatusDryRun:
		b.Class, b.Label, b.Detail = "dry", "Dry run", "everything ran but the commit: nothing was committed, the counts say what would have been"
	default:
		b.Class, b.Label = "muted", orDash(r.Status)
	}
	return b
}

// accountingChart draws the row accounting as one stacked bar.
func accountingChart(c Counts, verb string) *barChart {
	if c.Rows == 0 {
		return nil
	}
	ch := &barChart{ID: "chart-rows", Title: "Where the rows went", Width: 960, Height: 78, Horizontal: true,
		Desc: fmt.Sprintf("%s rows read: %s %s, %s rejected, %s superseded, %s failed.", group(c.Rows), group(c.RowsCommitted), verb,
			group(c.RowsRejected), group(c.RowsSuperseded), group(c.RowsFailed)),
		Left: 0, Top: 8, Right: 960, Bottom: 40}
	x := 0.0
	for _, seg := range []struct {
		n           int64
		class, name string
	}{{c.RowsCommitted, "s-ok", verb}, {c.RowsRejected, "s-bad", "rejected"}, {c.RowsSuperseded, "s-sup", "superseded"}, {c.RowsFailed, "s-fail", "failed"}} {
		if seg.n <= 0 {
			continue
		}
		w := float64(seg.n) / float64(c.Rows) * 960
		ch.Bars = append(ch.Bars, svgBar{X: x, Y: 8, W: w, H: 32, Class: seg.class,
			Tip: fmt.Sprintf("%s rows %s (%.2f%%)", group(seg.n), seg.name, float64(seg.n)*100/float64(c.Rows))})
		x += w
	}
	lx := 0.0
	for _, seg := range []struct {
		n           int64
		class, name string
	}{{c.RowsCommitted, "s-ok", verb}, {c.RowsRejected, "s-bad", "rejected"}, {c.RowsSuperseded, "s-sup", "superseded"}, {c.RowsFailed, "s-fail", "failed"}} {
		ch.Legend = append(ch.Legend, svgLegend{X: lx, Y: 64, Class: seg.class, Label: fmt.Sprintf("%s %s (%.1f%%)", group(seg.n), seg.name, float64(seg.n)*100/float64(c.Rows))})
		lx += 240
	}
	return ch
}

// reportCharts builds the charts the report has data for, and notes on
// those it has not.
func reportCharts(r *Report) (charts []*barChart, notes []string) {
	if ch := r.Charts; ch != nil && len(ch.RecordsPerMonth) > 0 {
		cats := make([]string, len(ch.RecordsPerMonth))
		vals := make([][]int64, len(ch.RecordsPerMonth))
		var total int64
		for i, m := range ch.RecordsPerMonth {
			cats[i] = m.Month
			vals[i] = []int64{m.Changed, m.Records - m.Changed}
			total += m.Records
		}
		every := (len(cats) + 23) / 24
		legendChanged := "added or updated"
		if r.DryRun {
			legendChanged = "to add or update"
		}
		charts = append(charts, columnChart("chart-months", "Records per month",
			fmt.Sprintf("%s by the month they were created (UTC), %s to %s.", plural(total, "valid record", "valid records"), cats[0], cats[len(cats)-1]),
			"month created (UTC)", r.Kind, cats, vals, []string{"s-ok", "s-unch"}, []string{legendChanged, "unchanged"}, every, len(cats) > 12))
	} else {
		notes = append(notes, "Records per month: no valid records, or a report written before ingot counted them.")
	}
	if ch := r.Charts; ch != nil && ch.TotalsHistogram != nil && len(ch.TotalsHistogram.Bins) > 0 {
		h := ch.TotalsHistogram
		cats := make([]string, len(h.Bins))
		vals := make([][]int64, len(h.Bins))
		for i, b := range h.Bins {
			cats[i] = binLabel(b)
			vals[i] = []int64{b.Count}
		}
		desc := fmt.Sprintf("%s of %s.%s in bins of a 1-2-5 logarithmic scale, amounts in each order's own currency.", plural(h.Count, "value", "values"), h.Table, h.Column)
		if h.Superseded > 0 {
			desc += fmt.Sprintf(" Includes %s.", plural(h.Superseded, "superseded run", "superseded runs"))
		}
		if h.Negative > 0 {
			desc += fmt.Sprintf(" The first bin holds %s.", plural(h.Negative, "negative value", "negative values"))
		}
		charts = append(charts, columnChart("chart-totals", "Distribution of order totals", desc,
			h.Column+" (1-2-5 log bins, lower bound included)", "orders", cats, vals, []string{"s-ok"}, nil, 1, len(cats) > 12))
	} else {
		notes = append(notes, "Distribution of order totals: no valid orders, or a report written before ingot counted them.")
	}
	if len(r.Issues) > 0 {
		n := min(len(r.Issues), 10)
		cats := make([]string, n)
		vals := make([]int64, n)
		classes := make([]string, n)
		hints := make([]string, n)
		for i, is := range r.Issues[:n] {
			col := is.Column
			if col == "" {
				col = "(row)"
			}
			cats[i] = is.Code + " · " + col
			vals[i] = is.Count
			classes[i] = "s-bad"
			if is.Severity == issue.Warning {
				classes[i] = "s-warn"
			}
			hints[i] = fmt.Sprintf("%s, %.2f%% of records", is.Severity, is.Percent)
		}
		desc := fmt.Sprintf("The %d most frequent of %d kinds of issue, by count.", n, len(r.Issues))
		if n == len(r.Issues) {
			desc = fmt.Sprintf("%s, by count.", plural(int64(n), "The one kind of issue", "All "+strconv.Itoa(n)+" kinds of issue"))
		}
		charts = append(charts, rowChart("chart-issues", "Top issues by count", desc, "issues", cats, vals, classes, hints))
	}
	return charts, notes
}

// readRejects reads the first perFile rejects of each source file from
// the report directory's rejects.csv, and counts them all.
func readRejects(r *Report, perFile int) ([]fileRejects, string) {
	if r.ReportDir == "" || r.Rejects.CSV == "" || r.Rejects.Count == 0 {
		return nil, ""
	}
	f, err := os.Open(filepath.Join(r.ReportDir, filepath.Base(r.Rejects.CSV)))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "rejects.csv is not next to this report."
		}
		return nil, err.Error()
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // rejects.csv written before byte_offset and header have fewer fields
	if _, err := cr.Read(); err != nil {
		return nil, fmt.Sprintf("reading rejects.csv: %v", err)
	}
	var out []fileRejects
	index := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && len(rec) < 7 {
			err = fmt.Errorf("expected at least 7 columns, found %d", len(rec))
		}
		if err != nil {
			return out, fmt.Sprintf("reading rejects.csv: %v", err)
		}
		i, ok := index[rec[0]]
		if !ok {
			i = len(out)
			index[strings.Clone(rec[0])] = i
			out = append(out, fileRejects{File: strings.Clone(rec[0])})
		}
		fr := &out[i]
		fr.Count++
		if len(fr.Rows) < perFile {
			row := make([]string, len(rec)-1)
			for k := range row {
				row[k] = strings.Clone(rec[k+1])
			}
			fr.Rows = append(fr.Rows, row)
		}
	}
	return out, ""
}

func statsViews(stats map[string][]ColumnStats) []tableStats {
	var out []tableStats
	for _, table := range sortedKeys(stats) {
		cols := stats[table]
		ts := tableStats{Table: table}
		for _, c := range cols {
			ts.Rows = max(ts.Rows, c.Count)
			ts.Sampled = max(ts.Sampled, c.Sampled)
			cv := colView{Column: c.Column, Type: c.Type, Nulls: group(c.Nulls), Distinct: "≈ " + group(c.Distinct),
				Min: statValue(c.Min), Max: statValue(c.Max), TopApprox: c.TopApprox, Sampled: c.Sampled > 0}
			if c.Count > 0 && c.Nulls > 0 {
				cv.Nulls += fmt.Sprintf(" (%.1f%%)", float64(c.Nulls)*100/float64(c.Count))
			}
			if c.Mean != nil {
				cv.Mean = meanText(*c.Mean)
			}
			for _, tv := range c.Top[:min(len(c.Top), 5)] {
				cv.Top = append(cv.Top, fmt.Sprintf("%s × %s", statValue(tv.Value), group(tv.Count)))
			}
			ts.Columns = append(ts.Columns, cv)
		}
		out = append(out, ts)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// statValue renders a statistic's value, shortening long text.
func statValue(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		s = x
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case int64:
		s = group(x)
	default:
		s = fmt.Sprint(x)
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

func meanText(m float64) string {
	switch a := math.Abs(m); {
	case a >= 1000:
		return strconv.FormatFloat(m, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(m, 'f', 3, 64)
	}
	return strconv.FormatFloat(m, 'g', 4, 64)
}

// sampleViews pretty-prints records and sums each up in a line: its
// first few scalar fields.
func sampleViews(recs []json.RawMessage) []sampleView {
	var out []sampleView
	for _, raw := range recs {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			pretty.Reset()
			pretty.Write(raw)
		}
		out = append(out, sampleView{Summary: sampleSummary(raw), JSON: pretty.String()})
	}
	return out
}

func sampleSummary(raw json.RawMessage) string {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return statValue(string(raw))
	}
	var parts []string
	var created, items string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			break
		}
		var val any
		if err := d.Decode(&val); err != nil {
			break
		}
		key, _ := k.(string)
		switch x := val.(type) {
		case string, json.Number, bool:
			switch {
			case key == "created_at" || key == "occurred_at":
				created = statValue(x)
			case key == "fingerprint" || key == "user_id_type" || len(parts) >= 4:
			default:
				parts = append(parts, key+" "+statValue(x))
			}
		case []any:
			if key == "line_items" {
				items = fmt.Sprintf("%d line items", len(x))
			}
		}
	}
	for _, s := range []string{created, items} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

// plural writes n with the singular or the plural noun: "1 value",
// "2,048 values". A singular that does not start with a digit is used
// as is ("The one kind").
func plural(n int64, one, many string) string {
	if n == 1 {
		if strings.HasPrefix(one, "The ") {
			return one
		}
		return "1 " + one
	}
	if strings.HasPrefix(many, "All ") {
		return many
	}
	return group(n) + " " + many
}

// jsonText writes v as JSON for people: without encoding/json's \u003c
// escapes (html/template escapes the page), or as fmt prints it when it
// is not JSON.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
