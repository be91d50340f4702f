package serve

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"ingot/validate"
)

// DefaultAddr is where Run listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8080"

// ReportsDir is the folder of the import reports in a warehouse.
const ReportsDir = "_ingot/reports"

// reportFiles are the only files of a report folder the server hands
// out, with their content types.
var reportFiles = map[string]string{
	validate.ReportHTMLFile: "text/html; charset=utf-8",
	validate.ReportFile:     "application/json; charset=utf-8",
	validate.RejectsCSV:     "text/csv; charset=utf-8",
	validate.RejectsJSON:    "application/json; charset=utf-8",
}

// contentSecurity forbids every script and every fetch: the pages and the
// reports need only their inline styles.
const contentSecurity = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Server serves the web view of one warehouse. It is an http.Handler;
// it is safe for concurrent use.
type Server struct {
	dest  string
	root  *os.Root
	store *rootStore
	mux   *http.ServeMux
	log   *slog.Logger

	mu      sync.Mutex
	events  map[string]eventCount // segment path → its counts (segments never change)
	reports map[string]cachedRow  // report.json path → its list row
}

// New opens the warehouse at dest for reading. It fails if dest is not a
// directory; it creates nothing.
func New(dest string, logger *slog.Logger) (*Server, error) {
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, fmt.Errorf("serve: open the warehouse %s: %w", dest, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{dest: dest, root: root, store: &rootStore{root: root, uri: dest}, log: logger, events: map[string]eventCount{},
		reports: map[string]cachedRow{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.imports)
	mux.HandleFunc("GET /reports/{id}/{$}", s.reportIndex)
	mux.HandleFunc("GET /reports/{id}/{file}", s.reportFile)
	mux.HandleFunc("GET /tables", s.tables)
	mux.HandleFunc("GET /events", s.eventLog)
	s.mux = mux
	return s, nil
}

// Close releases the warehouse directory.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP answers GET and HEAD only, and 404 to any path that is not
// clean (no "..", no encoded dots or backslashes) before routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	if !cleanURLPath(r) {
		http.NotFound(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// cleanURLPath reports whether the request's path is one a browser would
// send for a link of these pages: absolute, no dot segments, no
// backslash or NUL, in raw or decoded form.
func cleanURLPath(r *http.Request) bool {
	p, raw := r.URL.Path, strings.ToLower(r.URL.EscapedPath())
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	for _, bad := range []string{"%2e", "%5c", "%00", "%2f"} {
		if strings.Contains(raw, bad) {
			return false
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// Options configure Run. The zero value plus Dest serves on DefaultAddr.
type Options struct {
	// Dest is the warehouse directory.
	Dest string
	// Addr is the TCP address to listen on; default DefaultAddr.
	Addr string
	// Logger receives one line per request error; default discards.
	Logger *slog.Logger
	// Ready, if set, is called with the URL once the server listens.
	Ready func(url string)
}

// Run serves the warehouse until ctx is done, then shuts down, letting
// requests in flight finish for up to five seconds.
func Run(ctx context.Context, opt Options) error {
	s, err := New(opt.Dest, opt.Logger)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cmp.Or(opt.Addr, DefaultAddr))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if opt.Ready != nil {
		opt.Ready("http://" + ln.Addr().String() + "/")
	}
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// validID reports whether id can name a report folder: one path element,
// not hidden, not a temporary.
func validID(id string) bool {
	return id != "" && fs.ValidPath(id) && !strings.ContainsAny(id, "/\\") && !strings.HasPrefix(id, ".")
}

func (s *Server) reportIndex(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	if _, err := s.root.Stat(path.Join(ReportsDir, id)); err != nil {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, validate.ReportHTMLFile, http.StatusFound)
}

// reportFile serves one of the files of a report folder. A report.html
// that is missing (a report written before ingot rendered them) is
// rendered from report.json.
func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("file")
	ctype, ok := reportFiles[name]
	if !validID(id) || !ok {
		http.NotFound(w, r)
		return
	}
	p := path.Join(ReportsDir, id, name)
	f, err := s.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) && name == validate.ReportHTMLFile {
		s.renderReport(w, r, id)
		return
	}
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

func (s *Server) renderReport(w http.ResponseWriter, r *http.Request, id string) {
	b, err := s.root.ReadFile(path.Join(ReportsDir, id, validate.ReportFile))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	rep, err := validate.ParseReport(b, path.Join(ReportsDir, id, validate.ReportFile))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var out bytes.Buffer
	if err := rep.WriteHTML(&out); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = out.WriteTo(w)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("serve", "path", r.URL.Path, "err", err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// sortImports orders rows newest first, then by import id.
func sortImports(rows []importRow) {
	slices.SortStableFunc(rows, func(a, b importRow) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}
