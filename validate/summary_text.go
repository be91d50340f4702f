package validate

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ingot/internal/textfmt"
	"ingot/issue"
)

// How much of the report the summary shows.
const (
	summaryIssues  = 10
	summaryColumns = 8
)

// WriteSummary writes the report for a person, as the import prints it
// on stderr. Its numbers reconcile: rows read are split into committed,
// rejected, superseded and failed; issues (problems found in fields),
// rejected records (those with an error) and reject lines (one per error
// in a rejected record, in rejects.csv) are named as such; the most
// frequent issues are sorted by count; approximate statistics say so; and
// the stage timings say that stages overlap.
func (r *Report) WriteSummary(w io.Writer) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	g := textfmt.Thousands

	status := strings.ReplaceAll(cmp.Or(r.Status, "-"), "_", " ")
	if r.DryRun {
		status = "DRY RUN"
		if r.Status != StatusDryRun {
			status += ", " + strings.ReplaceAll(r.Status, "_", " ")
		}
	}
	p("ingot import %s (%s): %s", cmp.Or(r.Kind, "-"), cmp.Or(r.Format, "-"), status)
	switch {
	case r.DryRun || r.Status == StatusFailed || r.Status == StatusCancelled:
		p(", nothing committed")
	case r.Version > 0:
		p(", version %d", r.Version)
	case r.Status == StatusCompleted:
		p(", nothing changed: no new version")
	}
	p("\n  import %s → %s", cmp.Or(r.ImportID, "-"), cmp.Or(r.Dest, "-"))
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		p(", started %s, took %s", r.StartedAt.UTC().Format(time.RFC3339), seconds(r.FinishedAt.Sub(r.StartedAt).Seconds()))
	}
	p("\n")
	if r.Error != "" {
		p("  error: %s\n", r.Error)
	}

	failed := r.FailedFiles()
	p("\nfiles: %d (%d ok, %d failed)\n", len(r.Files), len(r.Files)-failed, failed)
	files := &table{align: "llrrll"}
	for _, f := range r.Files {
		enc := cmp.Or(f.Encoding, "-")
		if f.EncodingConfidence > 0 {
			enc += fmt.Sprintf(" (%.0f%% sure)", f.EncodingConfidence*100)
		}
		files.row(f.Status, f.URI, g(f.Bytes)+" bytes", g(f.Rows)+" rows", enc, cmp.Or(f.Compression, "-"))
		if f.Error != "" {
			files.note("    error: " + f.Error)
		}
		if n := len(f.IgnoredColumns); n > 0 {
			names := f.IgnoredColumns[:min(n, 5)]
			more := ""
			if n > len(names) {
				more = fmt.Sprintf(", … (%d more; see report.json)", n-len(names))
			}
			files.note(fmt.Sprintf("    ignored %d columns the format does not read: %s%s", n, strings.Join(names, ", "), more))
		}
	}
	files.write(&b, "  ")

	c := r.Counts
	committed := "committed"
	if r.DryRun || r.Version == 0 {
		committed = "to commit"
	}
	p("\nrows:    %s read = %s %s + %s in rejected records + %s superseded + %s in failed files\n",
		g(c.Rows), g(c.RowsCommitted), committed, g(c.RowsRejected), g(c.RowsSuperseded), g(c.RowsFailed))
	if err := c.Check(); err != nil && r.Status != StatusCancelled && r.Status != StatusFailed {
		p("  WARNING: the counts do not add up: %v\n", err)
	}
	would := ""
	if r.DryRun {
		would = "would be "
	}
	p("records: %s read: %s valid (%s%s added, %s updated, %s unchanged), %s rejected, %s superseded\n",
		g(c.Records), g(c.Valid), would, g(c.Added), g(c.Updated), g(c.Unchanged), g(c.Rejected), g(c.Superseded))

	// Issues, rejected records and reject lines are three different counts.
	var total, errs, warns int64
	for _, is := range r.Issues {
		total += is.Count
		if is.Severity == issue.Error {
			errs += is.Count
		} else {
			warns += is.Count
		}
	}
	if total == 0 {
		p("\nissues: none\n")
	} else {
		p("\nissues: %s found (%s errors, %s warnings) — a record can have several\n", g(total), g(errs), g(warns))
		p("  rejected records: %s (an error rejects its record; a warning does not)\n", g(c.Rejected))
		if r.Rejects.CSV != "" {
			p("  reject lines:     %s (one per error in a rejected record, in the rejects files)\n", g(r.Rejects.Count))
		}
		rows := slices.Clone(r.Issues)
		slices.SortStableFunc(rows, func(a, b IssueRow) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Severity, b.Severity))
		})
		p("most frequent issues, by count")
		if len(rows) > summaryIssues {
			p(" (%d of %d kinds; all in report.json)", summaryIssues, len(rows))
		}
		p(":\n")
		t := &table{align: "rrllll"}
		t.row("count", "% of records", "severity", "code", "column", "hint")
		for _, is := range rows[:min(len(rows), summaryIssues)] {
			t.row(g(is.Count), fmt.Sprintf("%.2f%%", is.Percent), is.Severity.String(), is.Code, cmp.Or(is.Column, "(record)"), is.Hint)
		}
		t.write(&b, "  ")
	}

	if len(r.Superseded) > 0 {
		p("\nsuperseded: %s runs of rows replaced by a later run of the same order (the last run wins); first %d:\n",
			g(max(c.Superseded, int64(len(r.Superseded)))), min(len(r.Superseded), 5))
		for _, s := range r.Superseded[:min(len(r.Superseded), 5)] {
			p("  order %s: %s, superseded by %s\n", issue.RecordID(s.OrderID, ""), lineRange(s.File, s.FirstLine, s.LastLine, ""), lineRange(s.ByFile, s.ByFirstLine, s.ByLastLine, s.File))
		}
	}

	writeStats(&b, r)

	if len(r.Timings) > 0 {
		p("\ntimings (the stages overlap — they run at the same time — so their times add up to more than the total):\n")
		t := &table{align: "lrrrr"}
		for _, tm := range r.Timings {
			mb := ""
			if tm.MBPerSec > 0 {
				mb = fmt.Sprintf("%.1f MB/s", tm.MBPerSec)
			}
			t.row(tm.Stage, seconds(tm.Seconds), g(tm.Rows)+" rows", g(int64(math.Round(tm.RowsPerSec)))+" rows/s", mb)
		}
		t.write(&b, "  ")
	}

	p("\n")
	if r.ReportDir != "" {
		p("report:  %s\n", r.Path())
	}
	if r.Rejects.CSV != "" {
		p("rejects: %s, %s (%s reject lines)\n", filepath.Join(r.ReportDir, r.Rejects.CSV), filepath.Join(r.ReportDir, r.Rejects.JSON), g(r.Rejects.Count))
	}
	io.WriteString(w, b.String())
}

// writeStats prints a few column statistics per table; distinct counts
// are HyperLogLog estimates and say so (≈), as do sampled statistics.
func writeStats(b *strings.Builder, r *Report) {
	tables := make([]string, 0, len(r.Stats))
	for t := range r.Stats {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, name := range tables {
		cols := r.Stats[name]
		if len(cols) == 0 {
			continue
		}
		fmt.Fprintf(b, "\ncolumns of %s (≈ marks approximate values: distinct counts are estimates", name)
		if cols[0].Sampled > 0 {
			fmt.Fprintf(b, "; distinct values and top values from a sample of %s rows", textfmt.Thousands(cols[0].Sampled))
		}
		b.WriteString("):\n")
		t := &table{align: "llrrl"}
		t.row("column", "type", "nulls", "distinct", "most frequent")
		for _, c := range cols[:min(len(cols), summaryColumns)] {
			top := ""
			if len(c.Top) > 0 {
				approx := ""
				if c.TopApprox {
					approx = "≈"
				}
				top = fmt.Sprintf("%v (%s%s)", c.Top[0].Value, approx, textfmt.Thousands(c.Top[0].Count))
			}
			t.row(c.Column, c.Type, textfmt.Thousands(c.Nulls), "≈"+textfmt.Thousands(c.Distinct), top)
		}
		if len(cols) > summaryColumns {
			t.note(fmt.Sprintf("  … %d more columns in report.json", len(cols)-summaryColumns))
		}
		t.write(b, "  ")
	}
}

// Path is where the report's report.json is written (ReportDir/report.json).
func (r *Report) Path() string { return filepath.Join(r.ReportDir, ReportFile) }

// table lays out rows of cells in columns, each aligned left (l) or
// right (r), two spaces apart, with no trailing blanks; a note is a line
// of its own below the row before it.
type table struct {
	align string
	rows  [][]string // a note is a row of one cell starting with "\x00"
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) note(s string) { t.rows = append(t.rows, []string{"\x00" + s}) }

func (t *table) write(b *strings.Builder, indent string) {
	widths := make([]int, len(t.align))
	for _, r := range t.rows {
		if strings.HasPrefix(r[0], "\x00") {
			continue
		}
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		if s, ok := strings.CutPrefix(r[0], "\x00"); ok {
			b.WriteString(indent + s + "\n")
			continue
		}
		var line strings.Builder
		line.WriteString(indent)
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if t.align[i] == 'r' {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
}

// lineRange renders "file lines 10–12" (or "line 10"), leaving out the
// file when it is sameFile.
func lineRange(file string, first, last int64, sameFile string) string {
	var b strings.Builder
	if file != sameFile {
		b.WriteString(file)
		b.WriteByte(' ')
	}
	if last > first {
		fmt.Fprintf(&b, "lines %d–%d", first, last)
	} else {
		fmt.Fprintf(&b, "line %d", first)
	}
	return b.String()
}

// FailedFiles is how many of the report's files failed.
func (r *Report) FailedFiles() int {
	n := 0
	for _, f := range r.Files {
		if f.Status == FileFailed {
			n++
		}
	}
	return n
}
