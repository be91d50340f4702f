package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"ingot/internal/htmltest"
	"ingot/issue"
)

// evil is a value that would run a script if a page did not escape it.
const evil = `<script>alert("x")</script>`

// htmlReport is sampleReport with hostile text in every place data
// reaches the page, charts, and rejects on disk in dir.
func htmlReport(t *testing.T, dir string) *Report {
	t.Helper()
	r := sampleReport()
	r.Files[0].URI = "orders-" + evil + ".csv"
	r.Samples.First[0] = json.RawMessage(`{"order_id":"ORD-1","total":12.5,"line_items":[{"name":` + jsonString(evil) + `}]}`)
	r.Stats["orders"][0].Top = append(r.Stats["orders"][0].Top, TopValue{evil, 1})
	r.Stats["orders"][0].Sampled = 5000
	r.Superseded[0].OrderID = evil
	r.Error = "failed because of " + evil
	r.Command = []string{"ingot", "import", "orders", "orders-" + evil + ".csv", "--max-rejected", "5%"}
	r.Options = map[string]any{"max_rejected": "5%", "hash_emails": false, "delimiter": evil}
	r.Charts = &Charts{
		RecordsPerMonth: []MonthCount{{"2020-09", 120, 100}, {"2020-10", 80, 80}, {"2020-12", 5, 0}},
		TotalsHistogram: &Histogram{Table: "orders", Column: "total", Scale: "log125", Count: 210, Superseded: 5,
			Bins: []Bin{{Lo: ptr(5), Hi: ptr(10), Count: 10}, {Lo: ptr(10), Hi: ptr(20), Count: 150}, {Lo: ptr(20), Hi: ptr(50), Count: 50}}},
	}
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	for i := range 25 {
		require.NoError(t, w.Add(Reject{File: r.Files[0].URI, Line: int64(10 + i), RecordID: "ORD-9", Column: "lineItem_name", Code: issue.BadEnum, Value: evil}))
	}
	require.NoError(t, w.Add(Reject{File: "other.csv", Line: 3, RecordID: "ORD-7", Column: "total", Code: issue.NotANumber, Value: "12,50"}))
	require.NoError(t, w.Finish(nil))
	r.Rejects.Count = w.Written()
	return r
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// rows returns the text of the cells of each body row of a table.
func rows(table *html.Node) [][]string {
	var out [][]string
	for _, tb := range htmltest.Elements(table, "tbody") {
		for _, tr := range htmltest.Elements(tb, "tr") {
			var cells []string
			for _, td := range htmltest.Elements(tr, "td") {
				cells = append(cells, strings.TrimSpace(htmltest.Text(td)))
			}
			out = append(out, cells)
		}
	}
	return out
}

func TestReportHTML(t *testing.T) {
	dir := t.TempDir()
	r := htmlReport(t, dir)
	_, err := r.WriteFile(dir)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, ReportHTMLFile))
	require.NoError(t, err)
	doc := htmltest.Parse(t, b)

	t.Run("escaping", func(t *testing.T) {
		require.Empty(t, htmltest.Elements(doc, "script"), "no data may become a script element")
		body := htmltest.Text(doc)
		require.Contains(t, body, "orders-"+evil+".csv", "the file name is shown as text")
		require.Contains(t, body, `"name": "\u003cscript\u003ealert(\"x\")\u003c/script\u003e"`, "the sample keeps JSON's escaping")
		require.Contains(t, body, evil+" × 1", "a top value")
		require.Contains(t, body, "failed because of "+evil)
		require.NotContains(t, string(b), evil, "never written raw")
	})

	t.Run("self-contained", func(t *testing.T) {
		htmltest.Walk(doc, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			require.NotContains(t, []string{"link", "img", "iframe", "object", "embed"}, n.Data)
			require.Empty(t, htmltest.Attr(n, "src"), n.Data)
			for _, a := range n.Attr {
				if a.Key == "href" {
					require.NotContains(t, a.Val, ":", "links are relative")
				}
			}
		})
		require.NotContains(t, string(b), "@import")
		require.NotContains(t, string(b), "url(")
	})

	t.Run("banner and facts", func(t *testing.T) {
		st := htmltest.ByID(t, doc, "status")
		require.Contains(t, htmltest.Attr(st, "class"), "warn")
		require.Equal(t, StatusCompletedWithFailures, htmltest.Attr(st, "data-status"))
		require.Contains(t, htmltest.Text(st), "Completed with failures")
		require.Contains(t, htmltest.Text(st), "as version 7")
		require.Empty(t, filterID(doc, "dry-run-banner"), "no dry-run banner on a commit")
		require.Equal(t,
			"251,503 rows read = 250,266 committed + 1,161 rejected + 36 superseded + 40 failed",
			strings.Join(strings.Fields(htmltest.Text(htmltest.ByID(t, doc, "row-accounting"))), " "))
	})

	t.Run("command and options", func(t *testing.T) {
		require.Equal(t, "ingot import orders orders-"+evil+".csv --max-rejected 5%", htmltest.Text(htmltest.ByID(t, doc, "command")))
		opts := rows(htmltest.ByID(t, doc, "options"))
		require.Equal(t, [][]string{{"delimiter", `"<script>alert(\"x\")</script>"`}, {"hash_emails", "false"}, {"max_rejected", `"5%"`}}, opts)
	})

	t.Run("tables", func(t *testing.T) {
		files := rows(htmltest.ByID(t, doc, "files"))
		require.Len(t, files, 2)
		require.Equal(t, []string{"ok", "orders-" + evil + ".csv", "62,388,669", "251,463", "windows-1252 (93% confidence)", "gzip",
			"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}, files[0])
		require.Contains(t, files[1][1], "zip holds 2 files")

		issues := rows(htmltest.ByID(t, doc, "issue-table"))
		require.Len(t, issues, len(r.Issues))
		require.Equal(t, []string{"error", "not_a_number", "total", "412", "0.41%", issue.InfoOf(issue.NotANumber).Hint}, issues[0])
		for _, row := range issues {
			if row[1] == "field_count" {
				require.Equal(t, "(row)", row[2])
			}
		}

		rej := htmltest.Elements(htmltest.ByID(t, doc, "rejects"), "table")
		require.Len(t, rej, 2, "one table per file")
		first := rows(rej[0])
		require.Len(t, first, RejectsPerFile, "the first rejects of the file")
		require.Equal(t, "10", first[0][0])
		require.Equal(t, evil, first[0][5])
		require.Contains(t, htmltest.Text(htmltest.ByID(t, doc, "rejects")), "25 rejects, the first 20")
		var hrefs []string
		for _, a := range htmltest.Elements(htmltest.ByID(t, doc, "rejects"), "a") {
			hrefs = append(hrefs, htmltest.Attr(a, "href"))
		}
		require.Equal(t, []string{RejectsCSV, RejectsJSON}, hrefs)

		stats := htmltest.Text(htmltest.ByID(t, doc, "statistics"))
		require.Contains(t, stats, "orders — 99,540 rows, sampled over 5,000")
		require.Contains(t, stats, "≈ 99,321")
		require.Contains(t, stats, "sampled")
	})

	t.Run("charts", func(t *testing.T) {
		for _, tc := range []struct {
			id     string
			rects  int
			labels []string
		}{
			// 3 months, two stacked segments but one empty; plus the legend's 2 swatches.
			{"chart-months", 2 + 1 + 1 + 2, []string{"month created (UTC)", "orders", "2020-09", "2020-12", "0", "50", "100", "150", "added or updated", "unchanged", "120"}},
			{"chart-totals", 3, []string{"total (1-2-5 log bins, lower bound included)", "5–10", "10–20", "20–50", "150"}},
			{"chart-issues", len(r.Issues), []string{"issues", "not_a_number · total", "field_count · (row)", "412", "0", "500"}},
			{"chart-rows", 4 + 4, []string{"250,266 committed (99.5%)", "40 failed (0.0%)"}},
		} {
			svg := htmltest.ByID(t, doc, tc.id)
			require.Equal(t, "svg", svg.Data)
			require.Len(t, htmltest.Elements(svg, "rect"), tc.rects, tc.id)
			var texts []string
			for _, n := range htmltest.Elements(svg, "text") {
				texts = append(texts, htmltest.Text(n))
			}
			for _, l := range tc.labels {
				require.Contains(t, texts, l, tc.id)
			}
			require.NotEmpty(t, htmltest.Text(htmltest.Elements(svg, "title")[0]), "an accessible title")
		}
		// The month bars' tooltips carry the exact counts.
		var tips []string
		for _, n := range htmltest.Elements(htmltest.ByID(t, doc, "chart-months"), "title")[1:] {
			tips = append(tips, htmltest.Text(n))
		}
		require.Equal(t, []string{"2020-09: 100 added or updated", "2020-09: 20 unchanged", "2020-10: 80 added or updated", "2020-12: 5 unchanged"}, tips)
		require.Contains(t, htmltest.Text(htmltest.ByID(t, doc, "charts")), "Includes 5 superseded runs")
	})

	t.Run("samples", func(t *testing.T) {
		s := htmltest.ByID(t, doc, "samples")
		ds := htmltest.Elements(s, "details")
		require.Len(t, ds, 10)
		sum := htmltest.Text(htmltest.Elements(ds[0], "summary")[0])
		require.Equal(t, "order_id ORD-1 · total 12.5 · 1 line items", sum)
		require.Contains(t, htmltest.Text(htmltest.Elements(ds[9], "summary")[0]), "order_id ORD-7")
	})

	t.Run("superseded", func(t *testing.T) {
		tables := htmltest.Elements(htmltest.ByID(t, doc, "superseded"), "table")
		require.Len(t, tables, 1, "two runs: nothing folded")
		rs := rows(tables[0])
		require.Equal(t, []string{evil, "orders-2020.csv.gz", "10–12", "orders-2020.csv.gz", "812–815"}, rs[0])
		require.Equal(t, "13", rs[1][2])
	})
}

func filterID(root *html.Node, id string) []*html.Node {
	var out []*html.Node
	htmltest.Walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && htmltest.Attr(n, "id") == id {
			out = append(out, n)
		}
	})
	return out
}

// TestReportHTMLStatuses renders every status, an empty report included,
// and checks the banner.
func TestReportHTMLStatuses(t *testing.T) {
	tests := []struct {
		status string
		dry    bool
		class  string
		label  string
	}{
		{StatusCompleted, false, "ok", "Completed"},
		{StatusCompletedWithFailures, false, "warn", "Completed with failures"},
		{StatusFailed, false, "bad", "Failed"},
		{"cancelled", false, "muted", "Cancelled"},
		{StatusDryRun, true, "dry", "Dry run"},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			for _, r := range []*Report{sampleReport(), {ImportID: "empty"}} {
				r.Status, r.DryRun = tc.status, tc.dry
				if tc.dry {
					r.Version = 0
				}
				var b bytes.Buffer
				require.NoError(t, r.WriteHTML(&b))
				doc := htmltest.Parse(t, b.Bytes())
				st := htmltest.ByID(t, doc, "status")
				require.Contains(t, htmltest.Attr(st, "class"), tc.class)
				require.Contains(t, htmltest.Text(st), tc.label)
				dry := filterID(doc, "dry-run-banner")
				if tc.dry {
					require.Len(t, dry, 1)
					require.Contains(t, htmltest.Text(dry[0]), "DRY RUN")
					require.Contains(t, htmltest.Text(htmltest.Elements(doc, "title")[0]), "(dry run)")
				} else {
					require.Empty(t, dry)
				}
			}
		})
	}
	t.Run("dry run counts say would", func(t *testing.T) {
		r := sampleReport()
		r.Status, r.DryRun, r.Version = StatusDryRun, true, 0
		var b bytes.Buffer
		require.NoError(t, r.WriteHTML(&b))
		doc := htmltest.Parse(t, b.Bytes())
		require.Contains(t, htmltest.Text(htmltest.ByID(t, doc, "row-accounting")), "to commit")
		require.Contains(t, htmltest.Text(htmltest.ByID(t, doc, "counts")), "would be added")
	})
}

func TestReportHTMLMissingRejects(t *testing.T) {
	r := sampleReport()
	r.ReportDir = t.TempDir() // counts rejects, but the files are not there
	var b bytes.Buffer
	require.NoError(t, r.WriteHTML(&b))
	require.Contains(t, htmltest.Text(htmltest.ByID(t, htmltest.Parse(t, b.Bytes()), "rejects")), "rejects.csv is not next to this report")
}

func TestNiceTicks(t *testing.T) {
	require.Equal(t, []float64{0, 1}, niceTicks(0, 5))
	require.Equal(t, []float64{0, 100, 200, 300, 400}, niceTicks(372, 5))
	require.Equal(t, []float64{0, 1000, 2000, 3000, 4000, 5000}, niceTicks(4990, 5))
	require.Equal(t, []float64{0, 1, 2, 3}, niceTicks(3, 5), "counts: no fractional ticks")
	require.Equal(t, []float64{0, 1}, niceTicks(1, 5))
}

// BenchmarkWriteHTML renders the report of an import with 100,000 rejects
// in two files: the cost is reading rejects.csv for the first rejects of
// each file and the per-file counts.
func BenchmarkWriteHTML(b *testing.B) {
	dir := b.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(b, err)
	const n = 100_000
	for i := range n {
		require.NoError(b, w.Add(Reject{File: []string{"a.csv", "b.csv"}[i%2], Line: int64(i + 2), RecordID: "ORD-1", Column: "total",
			Code: issue.NotANumber, Message: "expected a decimal number, found \"12,50\"", Value: "12,50"}))
	}
	require.NoError(b, w.Finish(nil))
	r := sampleReport()
	r.ReportDir = dir
	r.Rejects.Count = n
	fi, err := os.Stat(filepath.Join(dir, RejectsCSV))
	require.NoError(b, err)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		require.NoError(b, r.WriteHTML(&out))
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rejects/s")
}

// FuzzReportHTMLEscaping puts arbitrary text wherever data reaches the
// page and checks that it never becomes markup: the page parses to the
// template's own elements only, and the text appears as text.
func FuzzReportHTMLEscaping(f *testing.F) {
	for _, s := range []string{evil, `"><img src=x onerror=alert(1)>`, "</title><script>x</script>", "javascript:alert(1)",
		"]]><svg onload=alert(1)>", "<!--", "\x00\xff", "a\r\nb", "{{.R}}", `</style><style>*{}`} {
		f.Add(s)
	}
	allowed := map[string]bool{}
	for _, tag := range strings.Fields(`html head body meta title style main h1 h2 h3 div section dl dt dd table thead tbody tr th td
		span strong p a figure figcaption svg line rect text details summary pre footer em`) {
		allowed[tag] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := sampleReport()
		r.Files[0].URI = s
		r.Files[1].Error = s
		r.Issues[0].Column = s
		r.Issues[0].Hint = s
		r.Stats["orders"][0].Top[0].Value = s
		r.Stats["orders"][0].Min = s
		r.Superseded[0].OrderID = s
		r.Error = s
		r.Kind = s
		r.Rejects.CSV = s
		r.Samples.First[0] = json.RawMessage(`{"order_id":` + jsonString(s) + `}`)
		r.Charts = &Charts{RecordsPerMonth: []MonthCount{{Month: s, Records: 3, Changed: 1}}}
		var b bytes.Buffer
		require.NoError(t, r.WriteHTML(&b))
		doc := htmltest.Parse(t, b.Bytes())
		htmltest.Walk(doc, func(n *html.Node) {
			if n.Type == html.ElementNode {
				require.True(t, allowed[n.Data], "element <%s> from %q", n.Data, s)
				for _, a := range n.Attr {
					require.False(t, strings.HasPrefix(strings.ToLower(a.Key), "on"), "attribute %s from %q", a.Key, s)
					if a.Key == "href" {
						require.NotContains(t, strings.ToLower(a.Val), "javascript:", s)
					}
				}
			}
		})
	})
}
