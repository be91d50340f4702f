package serve

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"ingot/commit"
	"ingot/internal/textfmt"
	"ingot/validate"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// pages holds one template per page, each a clone of the layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"num": group, "bytes": byteSize, "base": baseName, "minus1": func(n int) int { return n - 1 }, "barw": func(n, total int64) int {
		if total <= 0 {
			return 0
		}
		return int(n * 400 / total)
	}}
	layout := template.Must(template.New("layout.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/layout.tmpl"))
	out := map[string]*template.Template{}
	for _, p := range []string{"imports", "tables", "events"} {
		out[p] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+p+".tmpl"))
	}
	return out
}()

// page is what every page gets: its own data in Data.
type page struct {
	Title string
	Nav   string
	Dest  string
	Data  any
	Error string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	p.Nav, p.Dest = name, s.dest
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout.tmpl", p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = b.WriteTo(w)
}

// Date and Clock split Time ("2006-01-02 15:04:05") for the narrow
// first column.
func (r importRow) Date() string  { d, _, _ := strings.Cut(r.Time, " "); return d }
func (r importRow) Clock() string { _, c, _ := strings.Cut(r.Time, " "); return c }

// importsPage is the import list and the runs of `ingot schedule`.
type importsPage struct {
	Imports []importRow
	Runs    []runRow
}

// importRow is one line of the import list.
type importRow struct {
	ID          string
	Time        string
	Kind        string
	Format      string
	Files       int
	FirstFile   string
	Status      string
	StatusClass string
	DryRun      bool
	Version     int64
	Counts      validate.Counts
	Duration    string
	Report      bool // a report folder with report.json
	Error       string
	at          time.Time
}

func (s *Server) imports(w http.ResponseWriter, r *http.Request) {
	rows, problems := s.importRows(r)
	runs, more := s.scheduledRuns()
	problems = append(problems, more...)
	p := page{Title: "Imports", Data: importsPage{Imports: rows, Runs: runs}}
	if len(problems) > 0 {
		p.Error = strings.Join(problems, "\n")
	}
	s.render(w, r, "imports", p)
}

// importRows gathers the imports from the reports in the warehouse and
// from the manifests (a commit whose report was written elsewhere still
// shows), newest first.
func (s *Server) importRows(r *http.Request) ([]importRow, []string) {
	var rows []importRow
	var problems []string
	index := map[string]int{}
	entries, err := fs.ReadDir(s.root.FS(), ReportsDir)
	if err != nil && !isNotExist(err) {
		problems = append(problems, fmt.Sprintf("reading the reports: %v", err))
	}
	for _, e := range entries {
		if !e.IsDir() || !validID(e.Name()) {
			continue
		}
		p := path.Join(ReportsDir, e.Name(), validate.ReportFile)
		row, err := s.reportListRow(e.Name(), p)
		if err != nil {
			if !isNotExist(err) {
				problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			}
			continue
		}
		index[row.ID] = len(rows)
		rows = append(rows, row)
	}
	log, err := commit.ReadLog(r.Context(), s.store)
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, m := range log {
		if i, ok := index[m.ImportID]; ok {
			if rows[i].Version == 0 {
				rows[i].Version = m.Version
			}
			continue
		}
		row := importRow{ID: m.ImportID, Kind: m.Kind, Format: m.Format, Files: len(m.Sources), Version: m.Version,
			Status: validate.StatusCompleted, StatusClass: "ok", at: m.CommittedAt,
			Time: m.CommittedAt.UTC().Format(timeLayout), Duration: "–"}
		if len(m.Sources) > 0 {
			row.FirstFile = m.Sources[0].URI
		}
		c := m.Counts
		row.Counts = validate.Counts{Rows: c["rows"], Records: c["records"], Valid: c["valid"], Rejected: c["rejected"],
			Added: c["added"], Updated: c["updated"], Unchanged: c["unchanged"], Superseded: c["superseded"]}
		rows = append(rows, row)
	}
	sortImports(rows)
	return rows, problems
}

// reportListRow returns the list row of the report at p, from the cache
// while the file keeps its size and modification time (WriteFile
// replaces a report whole, so either changes when it is rewritten).
func (s *Server) reportListRow(id, p string) (importRow, error) {
	fi, err := s.root.Stat(p)
	if err != nil {
		return importRow{}, err
	}
	key := reportKey{size: fi.Size(), mtime: fi.ModTime()}
	s.mu.Lock()
	c, ok := s.reports[p]
	s.mu.Unlock()
	if ok && c.key == key {
		return c.row, nil
	}
	var row importRow
	b, err := s.root.ReadFile(p)
	if err != nil {
		return importRow{}, err
	}
	rep, err := validate.ParseReport(b, p)
	if err != nil {
		row = importRow{ID: id, Report: true, Status: "unreadable", StatusClass: "bad", Error: err.Error(), at: fi.ModTime(),
			Time: fi.ModTime().UTC().Format(timeLayout), Duration: "–"}
	} else {
		row = reportRow(id, rep)
	}
	s.mu.Lock()
	s.reports[p] = cachedRow{key, row}
	s.mu.Unlock()
	return row, nil
}

// reportKey identifies one version of a report file.
type reportKey struct {
	size  int64
	mtime time.Time
}

// cachedRow is the list row of one version of a report.
type cachedRow struct {
	key reportKey
	row importRow
}

func reportRow(id string, rep *validate.Report) importRow {
	row := importRow{ID: id, Kind: rep.Kind, Format: rep.Format, Files: len(rep.Files), Status: rep.Status,
		DryRun: rep.DryRun || rep.Status == validate.StatusDryRun, Version: rep.Version, Counts: rep.Counts,
		Report: true, Error: rep.Error, at: rep.StartedAt, Duration: "–"}
	if len(rep.Files) > 0 {
		row.FirstFile = rep.Files[0].URI
	}
	if !rep.StartedAt.IsZero() {
		row.Time = rep.StartedAt.UTC().Format(timeLayout)
		if !rep.FinishedAt.IsZero() {
			row.Duration = duration(rep.FinishedAt.Sub(rep.StartedAt))
		}
	}
	switch rep.Status {
	case validate.StatusCompleted:
		row.StatusClass = "ok"
	case validate.StatusCompletedWithFailures:
		row.StatusClass = "warn"
	case validate.StatusFailed:
		row.StatusClass = "bad"
	case validate.StatusDryRun:
		row.StatusClass = "dry"
	default:
		row.StatusClass = "muted"
	}
	return row
}

// tableView is one table of the warehouse as the manifests name it.
type tableView struct {
	Name       string
	Rows       int64
	Files      int
	Bytes      int64
	Commits    int
	Partitions []partitionView
}

type partitionView struct {
	Name        string
	Rows        int64
	Files       int
	Bytes       int64
	LastVersion int64
}

type tablesData struct {
	Tables   []tableView
	Versions int
}

func (s *Server) tables(w http.ResponseWriter, r *http.Request) {
	log, err := commit.ReadLog(r.Context(), s.store)
	p := page{Title: "Tables"}
	if err != nil {
		p.Error = err.Error()
	}
	byName := map[string]*tableView{}
	parts := map[string]map[string]*partitionView{}
	for _, m := range log {
		seen := map[string]bool{}
		for _, f := range m.Files {
			t := byName[f.Table]
			if t == nil {
				t = &tableView{Name: f.Table}
				byName[f.Table] = t
				parts[f.Table] = map[string]*partitionView{}
			}
			t.Rows += f.Rows
			t.Files++
			t.Bytes += f.Bytes
			if !seen[f.Table] {
				seen[f.Table] = true
				t.Commits++
			}
			pv := parts[f.Table][f.Partition]
			if pv == nil {
				pv = &partitionView{Name: f.Partition}
				parts[f.Table][f.Partition] = pv
			}
			pv.Rows += f.Rows
			pv.Files++
			pv.Bytes += f.Bytes
			pv.LastVersion = m.Version
		}
	}
	data := tablesData{Versions: len(log)}
	for _, name := range sortedKeys(byName) {
		t := byName[name]
		for _, pn := range sortedKeys(parts[name]) {
			t.Partitions = append(t.Partitions, *parts[name][pn])
		}
		data.Tables = append(data.Tables, *t)
	}
	p.Data = data
	s.render(w, r, "tables", p)
}

// eventCount is the count of events by type of one segment.
type eventCount struct {
	Total  int64
	ByType map[string]int64
}

type eventRow struct {
	Version  int64
	ImportID string
	Segment  string
	Total    int64
	Types    []typeCount
	Error    string
}

type typeCount struct {
	Type  string
	Count int64
}

type eventsData struct {
	Total    int64
	Types    []typeCount
	Versions []eventRow
}

func (s *Server) eventLog(w http.ResponseWriter, r *http.Request) {
	log, err := commit.ReadLog(r.Context(), s.store)
	p := page{Title: "Event log"}
	if err != nil {
		p.Error = err.Error()
	}
	all := map[string]int64{}
	var data eventsData
	for i := len(log) - 1; i >= 0; i-- {
		m := log[i]
		row := eventRow{Version: m.Version, ImportID: m.ImportID, Segment: m.Events}
		if m.Events == "" {
			row.Error = "no segment"
		} else if c, err := s.segmentCounts(r, m.Events); err != nil {
			row.Error = err.Error()
		} else {
			row.Total = c.Total
			row.Types = sortedCounts(c.ByType)
			data.Total += c.Total
			for t, n := range c.ByType {
				all[t] += n
			}
		}
		data.Versions = append(data.Versions, row)
	}
	data.Types = sortedCounts(all)
	p.Data = data
	s.render(w, r, "events", p)
}

// segmentCounts reads a committed segment once and remembers its counts:
// a segment named by a manifest never changes.
func (s *Server) segmentCounts(r *http.Request, seg string) (eventCount, error) {
	s.mu.Lock()
	c, ok := s.events[seg]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	f, err := s.store.Open(r.Context(), seg)
	if err != nil {
		return eventCount{}, err
	}
	defer f.Close()
	c = eventCount{ByType: map[string]int64{}}
	var head struct {
		Type string `json:"type"`
	}
	err = commit.ReadEvents(f, func(line []byte) error {
		t, ok := typeOf(line)
		if !ok {
			head.Type = ""
			if err := json.Unmarshal(line, &head); err != nil {
				return fmt.Errorf("%s: event %d: %w", seg, c.Total+1, err)
			}
			t = head.Type
		}
		c.ByType[t]++
		c.Total++
		return r.Context().Err()
	})
	if err != nil {
		return eventCount{}, err
	}
	s.mu.Lock()
	s.events[seg] = c
	s.mu.Unlock()
	return c, nil
}

// typeOf reads the type of an event line as ingot writes it,
// {"type":"orderPlace",…}, without decoding the rest; ok is false for any
// other shape (the caller then decodes the line).
func typeOf(line []byte) (string, bool) {
	const prefix = `{"type":"`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return "", false
	}
	rest := line[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

func sortedCounts(m map[string]int64) []typeCount {
	out := make([]typeCount, 0, len(m))
	for t, n := range m {
		out = append(out, typeCount{t, n})
	}
	slices.SortFunc(out, func(a, b typeCount) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Type, b.Type)
	})
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

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// group formats n with thousands separators.
func group(n int64) string { return textfmt.Thousands(n) }

// byteSize formats a size in bytes with a binary unit.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// timeLayout is how the import list shows times (UTC).
const timeLayout = "2006-01-02 15:04:05"

// baseName is the last element of a path or URI.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return p
}
