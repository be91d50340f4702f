package serve

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"ingot"
	"ingot/commit"
	"ingot/internal/htmltest"
	"ingot/validate"
)

const evilName = "orders-<script>alert(1)<.csv"

// warehouse builds a warehouse with two commits (one from a file whose
// name and data hold a <script>), a failed import, a dry run and a
// cancelled import whose reports are in it, an unreadable report, and a
// stale temporary file that a writer would sweep. It returns the
// warehouse and the import ids by name.
func warehouse(t *testing.T) (string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	dest := t.TempDir()
	src := t.TempDir()
	evil := filepath.Join(src, evilName)
	b, err := os.ReadFile(filepath.Join("..", "testdata", "kevel", "script.csv"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(evil, b, 0o644))
	basic := filepath.Join("..", "testdata", "kevel", "basic.csv")

	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Minute); return clock }
	ids := map[string]string{}
	run := func(name string, opt ingot.ImportOptions) {
		opt.Kind, opt.Format, opt.Dest, opt.Now = ingot.KindOrders, "kevel-csv", dest, now
		rep, _ := ingot.Import(ctx, opt)
		require.NotNil(t, rep, name)
		ids[name] = rep.ImportID
	}
	run("basic", ingot.ImportOptions{Sources: []string{basic}})
	run("evil", ingot.ImportOptions{Sources: []string{evil}})
	run("failed", ingot.ImportOptions{Sources: []string{basic, evil}, MaxRejected: "0"})
	dry := filepath.Join(dest, ReportsDir, "dry-run-1")
	require.NoError(t, os.MkdirAll(dry, 0o755))
	run("dry", ingot.ImportOptions{Sources: []string{basic}, DryRun: true, ReportDir: dry})
	ids["dry"] = "dry-run-1"

	cancelled := &validate.Report{ImportID: "cancelled-1", Status: "cancelled", Kind: "orders", Format: "kevel-csv",
		StartedAt: now(), FinishedAt: now(), Error: "cancelled, nothing committed"}
	_, err = cancelled.WriteFile(mkdir(t, filepath.Join(dest, ReportsDir, "cancelled-1")))
	require.NoError(t, err)
	ids["cancelled"] = "cancelled-1"
	require.NoError(t, os.WriteFile(filepath.Join(mkdir(t, filepath.Join(dest, ReportsDir, "broken-1")), validate.ReportFile), []byte("{"), 0o644))

	stale := filepath.Join(dest, "orders", commit.TempPrefix+"stale")
	require.NoError(t, os.WriteFile(stale, []byte("x"), 0o644))
	old := time.Now().Add(-2 * commit.StaleTempAge)
	require.NoError(t, os.Chtimes(stale, old, old))
	return dest, ids
}

func mkdir(t *testing.T, p string) string {
	require.NoError(t, os.MkdirAll(p, 0o755))
	return p
}

// snapshot lists every path under dir with its size and modification
// time, to prove that serving changed nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		fi, err := d.Info()
		require.NoError(t, err)
		out[p] = fi.Mode().String() + " " + fi.ModTime().String() + " " + strconv.FormatInt(fi.Size(), 10)
		return nil
	}))
	return out
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// text is the text below n with runs of white space made one space.
func text(n *html.Node) string { return strings.Join(strings.Fields(htmltest.Text(n)), " ") }

func bodyRows(table *html.Node) []*html.Node {
	var out []*html.Node
	for _, tb := range htmltest.Elements(table, "tbody") {
		out = append(out, htmltest.Elements(tb, "tr")...)
	}
	return out
}

func cells(tr *html.Node) []string {
	var out []string
	for _, td := range htmltest.Elements(tr, "td") {
		out = append(out, text(td))
	}
	return out
}

func TestServe(t *testing.T) {
	dest, ids := warehouse(t)
	before := snapshot(t, dest)
	s, err := New(dest, nil)
	require.NoError(t, err)
	defer s.Close()

	t.Run("imports", func(t *testing.T) {
		w := get(t, s, "/")
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		require.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
		doc := htmltest.Parse(t, w.Body.Bytes())
		require.Empty(t, htmltest.Elements(doc, "script"))
		rows := bodyRows(htmltest.ByID(t, doc, "imports"))
		var order, statuses []string
		byImport := map[string][]string{}
		for _, tr := range rows {
			id := htmltest.Attr(tr, "data-import")
			order = append(order, id)
			c := cells(tr)
			byImport[id] = c
			statuses = append(statuses, text(htmltest.Elements(tr, "span")[0]))
		}
		// Newest first; the unreadable report sorts by its folder's time,
		// which is now, so first.
		require.Equal(t, []string{"broken-1", ids["cancelled"], ids["dry"], ids["failed"], ids["evil"], ids["basic"]}, order)
		require.Equal(t, []string{"unreadable", "cancelled", "DRY RUN", "failed", "completed", "completed"}, statuses)
		require.Equal(t, []string{"2026-11-0109:01:00", ids["basic"], "orderskevel-csv", "basic.csv", "completed",
			"1", "7", "4", "4", "0", "0", "0", "2m0s"}, byImport[ids["basic"]])
		evil := byImport[ids["evil"]]
		require.Equal(t, evilName, evil[3], "the file name is text")
		require.Equal(t, []string{"2", "2", "2", "1", "0", "0", "1"}, evil[5:12])
		require.Equal(t, "basic.csv and 1 more", byImport[ids["failed"]][3])
		require.Contains(t, byImport[ids["failed"]][4], "nothing was committed")
		require.Equal(t, "–", byImport[ids["dry"]][5], "a dry run has no version")
		require.Contains(t, byImport["broken-1"][4], "broken-1/report.json: unexpected EOF")

		var links []string
		htmltest.Walk(htmltest.ByID(t, doc, "imports"), func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "a" {
				links = append(links, htmltest.Attr(n, "href"))
			}
		})
		require.Contains(t, links, "/reports/"+ids["evil"]+"/report.html")
		require.Len(t, links, 6)
	})

	t.Run("a rewritten report shows", func(t *testing.T) {
		dir := filepath.Join(dest, ReportsDir, "cancelled-1")
		rep, err := validate.ReadReport(filepath.Join(dir, validate.ReportFile))
		require.NoError(t, err)
		rep.Error = "cancelled at the second attempt, nothing committed"
		_, err = rep.WriteFile(dir)
		require.NoError(t, err)
		before = snapshot(t, dest)
		require.Contains(t, get(t, s, "/").Body.String(), "cancelled at the second attempt")
	})

	t.Run("report files", func(t *testing.T) {
		w := get(t, s, "/reports/"+ids["evil"]+"/")
		require.Equal(t, http.StatusFound, w.Code)
		require.Equal(t, "/reports/"+ids["evil"]+"/report.html", w.Header().Get("Location"))

		w = get(t, s, "/reports/"+ids["evil"]+"/report.html")
		require.Equal(t, http.StatusOK, w.Code)
		doc := htmltest.Parse(t, w.Body.Bytes())
		require.Empty(t, htmltest.Elements(doc, "script"))
		require.Contains(t, text(htmltest.ByID(t, doc, "status")), "Completed")
		require.Contains(t, text(htmltest.ByID(t, doc, "files")), evilName)

		for name, ctype := range map[string]string{"rejects.csv": "text/csv; charset=utf-8", "rejects.json": "application/json; charset=utf-8",
			"report.json": "application/json; charset=utf-8"} {
			w := get(t, s, "/reports/"+ids["evil"]+"/"+name)
			require.Equal(t, http.StatusOK, w.Code, name)
			require.Equal(t, ctype, w.Header().Get("Content-Type"))
			want, err := os.ReadFile(filepath.Join(dest, ReportsDir, ids["evil"], name))
			require.NoError(t, err)
			require.Equal(t, string(want), w.Body.String())
		}
		require.Contains(t, get(t, s, "/reports/"+ids["evil"]+"/rejects.csv").Body.String(), `<script>alert(""status"")</script>`)

		// The dry run and the cancelled import have their pages too.
		doc = htmltest.Parse(t, get(t, s, "/reports/dry-run-1/report.html").Body.Bytes())
		require.Contains(t, text(htmltest.ByID(t, doc, "dry-run-banner")), "DRY RUN")
		doc = htmltest.Parse(t, get(t, s, "/reports/cancelled-1/report.html").Body.Bytes())
		require.Contains(t, text(htmltest.ByID(t, doc, "status")), "Cancelled")
	})

	t.Run("tables", func(t *testing.T) {
		w := get(t, s, "/tables")
		require.Equal(t, http.StatusOK, w.Code)
		doc := htmltest.Parse(t, w.Body.Bytes())
		got := map[string][]string{}
		for _, tr := range bodyRows(htmltest.ByID(t, doc, "tables")) {
			got[htmltest.Attr(tr, "data-table")] = cells(tr)
		}
		// basic.csv: 4 orders (7 rows, 7 line items) in 4 months; the <script>
		// file: one valid order with one item in a month already there.
		require.Equal(t, []string{"orders", "5", "5", got["orders"][3], "4", "2"}, got["orders"])
		require.Equal(t, []string{"line_items", "8", "5", got["line_items"][3], "4", "2"}, got["line_items"])
		parts := map[string][]string{}
		for _, tr := range bodyRows(htmltest.ByID(t, doc, "partitions-orders")) {
			c := cells(tr)
			parts[c[0]] = append(c[1:3], c[4])
		}
		require.Equal(t, map[string][]string{
			"2020-01": {"1", "1", "1"},
			"2020-09": {"2", "2", "2"}, // last written by the second commit
			"2021-02": {"1", "1", "1"},
			"2022-12": {"1", "1", "1"},
		}, parts)
	})

	t.Run("events", func(t *testing.T) {
		w := get(t, s, "/events")
		require.Equal(t, http.StatusOK, w.Code)
		doc := htmltest.Parse(t, w.Body.Bytes())
		var rows [][]string
		for _, tr := range bodyRows(htmltest.ByID(t, doc, "event-types")) {
			rows = append(rows, cells(tr))
		}
		require.Equal(t, [][]string{{"orderPlace", "5", ""}, {"total", "5", ""}}, rows)
		segs := bodyRows(htmltest.ByID(t, doc, "segments"))
		require.Len(t, segs, 2)
		require.Equal(t, []string{"2", ids["evil"], commit.EventsPath(2, ids["evil"]), "1", "orderPlace 1"}, cells(segs[0]))
		require.Equal(t, "4", cells(segs[1])[3])
		// A second request is served from the cache and says the same.
		require.Equal(t, w.Body.String(), get(t, s, "/events").Body.String())
	})

	t.Run("not found and traversal", func(t *testing.T) {
		// A symbolic link out of the warehouse, named as a report file.
		link := filepath.Join(dest, ReportsDir, ids["basic"], "rejects.json")
		require.NoError(t, os.Remove(link))
		require.NoError(t, os.Symlink("/etc/passwd", link))
		require.NoError(t, os.WriteFile(filepath.Join(dest, ReportsDir, ids["basic"], "notes.txt"), []byte("secret"), 0o644))
		before = snapshot(t, dest)
		for _, target := range []string{
			"/reports/../../etc/passwd",
			"/reports/%2e%2e/%2e%2e/etc/passwd",
			"/reports/x/..%2f..%2fetc%2fpasswd",
			"/reports/" + ids["basic"] + "/../../log/00000000000000000001.json",
			"/reports/..%5c..%5cetc/passwd",
			"/reports/" + ids["basic"] + "/rejects.json",
			"/reports/" + ids["basic"] + "/notes.txt",
			"/reports/.hidden/report.json",
			"/reports/nope/report.html",
			"/reports/nope/",
			"/_ingot/log/00000000000000000001.json",
			"/orders/",
			"/etc/passwd",
			"/./tables",
		} {
			w := get(t, s, target)
			require.Equal(t, http.StatusNotFound, w.Code, target)
			require.NotContains(t, w.Body.String(), "root:", target)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x")))
		require.Equal(t, http.StatusMethodNotAllowed, w.Code)
		require.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
		w = httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/tables", nil))
		require.Equal(t, http.StatusOK, w.Code)
	})

	t.Run("report.html rendered when missing", func(t *testing.T) {
		p := filepath.Join(dest, ReportsDir, ids["failed"], validate.ReportHTMLFile)
		require.NoError(t, os.Remove(p))
		before = snapshot(t, dest)
		w := get(t, s, "/reports/"+ids["failed"]+"/report.html")
		require.Equal(t, http.StatusOK, w.Code)
		doc := htmltest.Parse(t, w.Body.Bytes())
		require.Contains(t, text(htmltest.ByID(t, doc, "status")), "Failed")
		require.NoFileExists(t, p, "rendered, not written")
	})

	require.Equal(t, before, snapshot(t, dest), "serving wrote, removed or touched nothing")
}

func TestServeEmptyAndMissing(t *testing.T) {
	_, err := New(filepath.Join(t.TempDir(), "none"), nil)
	require.ErrorIs(t, err, fs.ErrNotExist)

	dest := t.TempDir()
	s, err := New(dest, nil)
	require.NoError(t, err)
	defer s.Close()
	for target, want := range map[string]string{"/": "No imports yet.", "/tables": "nothing has been committed", "/events": "No events"} {
		w := get(t, s, target)
		require.Equal(t, http.StatusOK, w.Code)
		require.Contains(t, w.Body.String(), want)
	}
	entries, err := os.ReadDir(dest)
	require.NoError(t, err)
	require.Empty(t, entries, "an empty warehouse stays empty")
}

// TestRun serves on a loopback port and stops when the context ends.
func TestRun(t *testing.T) {
	dest, _ := warehouse(t)
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Dest: dest, Addr: "127.0.0.1:0", Ready: func(u string) { urls <- u }})
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatal(err)
	}
	require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)
	resp, err := http.Get(url + "tables")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `id="tables"`)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestServeScheduledRuns: the runs of `ingot schedule` recorded in the
// warehouse are listed under the imports, newest first, skipped ones too,
// with the data HTML-escaped.
func TestServeScheduledRuns(t *testing.T) {
	dest := t.TempDir()
	dir := mkdir(t, filepath.Join(dest, filepath.FromSlash(ScheduleDir)))
	for name, body := range map[string]string{
		"20261201T030000.000Z.json": `{"id":"20261201T030000.000Z","schedule":"@daily","scheduled_at":"2026-12-01T03:00:00Z",
			"started_at":"2026-12-01T03:00:00.1Z","finished_at":"2026-12-01T03:00:09Z","status":"completed",
			"import_id":"20261201T030000Z-abcdef","version":7,"counts":{"added":12,"unchanged":3},"spec":"/etc/<b>nightly</b>.yaml"}`,
		"20261202T030000.000Z.json": `{"id":"20261202T030000.000Z","schedule":"@daily","scheduled_at":"2026-12-02T03:00:00Z",
			"status":"skipped","error":"the previous run was still in progress","spec":"nightly.yaml"}`,
		"notes.txt": "ignored",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	s, err := New(dest, nil)
	require.NoError(t, err)
	defer s.Close()
	w := get(t, s, "/")
	require.Equal(t, http.StatusOK, w.Code)
	doc := htmltest.Parse(t, w.Body.Bytes())
	rows := bodyRows(htmltest.ByID(t, doc, "scheduled-runs"))
	require.Len(t, rows, 2)
	require.Equal(t, "2026-12-02 03:00:00", cells(rows[0])[0])
	require.Contains(t, text(rows[0]), "skipped")
	require.Contains(t, text(rows[0]), "the previous run was still in progress")
	c := cells(rows[1])
	require.Equal(t, "/etc/<b>nightly</b>.yaml", c[3], "escaped, shown as text")
	require.Equal(t, "completed", c[4])
	require.Equal(t, "7", c[6])
	require.Equal(t, "12", c[7])
	require.Empty(t, htmltest.Elements(doc, "b"), "no element injected from the data")
	require.Contains(t, w.Body.String(), "No imports yet.")
}
