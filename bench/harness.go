package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"ingot"
	"ingot/formats/csv"
	"ingot/validate"
)

// HarnessOptions configures Run. The zero value benchmarks 1,000,000
// generated orders with the default defect rate.
type HarnessOptions struct {
	Orders    int     // orders to generate; default 1,000,000
	Defects   float64 // defect rate of the generated file; default 0.005, negative for none
	Seed      int64   // generator seed; default 1
	Input     string  // an existing input file to use instead of generating one
	Format    string  // the order format to generate and import; default kevel-csv
	Dir       string  // work directory; default a temporary one, removed afterwards
	Workers   int     // import workers; default GOMAXPROCS
	BatchRows int     // rows per batch; default the importer's
	// DuckDB also runs the same import as DuckDB SQL (the anchor a user
	// would write instead), in the same process, for comparison.
	DuckDB bool
}

// Stage is one measured phase.
type Stage struct {
	Name    string  `json:"stage"`
	Seconds float64 `json:"seconds"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	PeakRSS int64   `json:"peak_rss_bytes"`
}

// keyColumn is the record key's header name of a registered format.
func keyColumn(format string) string {
	for _, f := range ingot.Formats() {
		if f.Name == format && f.KeyField() != nil {
			return f.KeyField().Name
		}
	}
	return ""
}

// RowsPerSec returns the stage's throughput in rows.
func (s Stage) RowsPerSec() float64 { return float64(s.Rows) / s.Seconds }

// MBPerSec returns the stage's throughput in megabytes of input.
func (s Stage) MBPerSec() float64 { return float64(s.Bytes) / 1e6 / s.Seconds }

// Result is what Run measured.
type Result struct {
	Machine string           `json:"machine"`
	Input   string           `json:"input"`
	Rows    int64            `json:"rows"`
	Bytes   int64            `json:"bytes"`
	Stages  []Stage          `json:"stages"`
	Import  *validate.Report `json:"import"` // the report of the committing import
}

// Run generates (or takes) an order file and measures, one after the
// other: reading it into Arrow batches, a dry-run import, the import into
// an empty warehouse, the same import again (every order unchanged), and
// with DuckDB the same import written as DuckDB SQL.
// Each phase reports its wall time and the peak resident memory of the
// process while it ran. progress gets a line per phase.
func Run(ctx context.Context, opt HarnessOptions, progress io.Writer) (*Result, error) {
	opt.Orders = cmp.Or(opt.Orders, 1_000_000)
	opt.Seed = cmp.Or(opt.Seed, 1)
	opt.Format = cmp.Or(opt.Format, "kevel-csv")
	if opt.Defects == 0 {
		opt.Defects = 0.005
	} else if opt.Defects < 0 {
		opt.Defects = 0
	}
	dir := opt.Dir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	} else {
		d, err := os.MkdirTemp("", "ingot-bench-*")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	res := &Result{Machine: Machine()}
	rss := startRSSSampler()
	defer rss.stop()
	phase := func(name string, rows, bytes int64, f func() (int64, int64, error)) error {
		runtime.GC()
		debug.FreeOSMemory()
		rss.reset()
		t := time.Now()
		r, b, err := f()
		st := Stage{Name: name, Seconds: time.Since(t).Seconds(), Rows: cmp.Or(r, rows), Bytes: cmp.Or(b, bytes), PeakRSS: rss.peak()}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		res.Stages = append(res.Stages, st)
		fmt.Fprintf(progress, "bench: %-12s %7.2f s  %10.0f rows/s  %7.1f MB/s  peak RSS %s\n",
			name, st.Seconds, st.RowsPerSec(), st.MBPerSec(), fmtBytes(st.PeakRSS))
		return nil
	}

	res.Input = opt.Input
	if res.Input == "" {
		res.Input = filepath.Join(dir, "orders.csv")
		err := phase("generate", 0, 0, func() (int64, int64, error) {
			f, err := os.Create(res.Input)
			if err != nil {
				return 0, 0, err
			}
			defer f.Close()
			w := bufio.NewWriterSize(f, 1<<20)
			write, ok := Writers[opt.Format]
			if !ok {
				return 0, 0, fmt.Errorf("bench: no generator for format %q", opt.Format)
			}
			st, err := write(w, GenOptions{Orders: opt.Orders, Defects: opt.Defects, Seed: opt.Seed})
			if err == nil {
				err = w.Flush()
			}
			return int64(st.Rows), st.Bytes, err
		})
		if err != nil {
			return nil, err
		}
	}
	fi, err := os.Stat(res.Input)
	if err != nil {
		return nil, err
	}
	res.Bytes = fi.Size()

	err = phase("read", 0, res.Bytes, func() (int64, int64, error) {
		n, err := readOnly(res.Input, opt.BatchRows, keyColumn(opt.Format))
		res.Rows = n
		return n, res.Bytes, err
	})
	if err != nil {
		return nil, err
	}
	imp := func(name, dest string, dry bool) error {
		return phase(name, res.Rows, res.Bytes, func() (int64, int64, error) {
			rep, err := ingot.Import(ctx, ingot.ImportOptions{
				Kind: ingot.KindOrders, Format: opt.Format, Sources: []string{res.Input}, Dest: dest,
				DryRun: dry, ReportDir: filepath.Join(dir, "report-"+name), Workers: opt.Workers, BatchRows: opt.BatchRows,
			})
			if err != nil {
				return 0, 0, err
			}
			if !dry && name == "import" {
				res.Import = rep
			}
			return rep.Counts.Rows, 0, nil
		})
	}
	dest := filepath.Join(dir, "warehouse")
	if err := os.RemoveAll(dest); err != nil { // the import starts from an empty warehouse
		return nil, err
	}
	for _, p := range []struct {
		name string
		dry  bool
	}{{"import-dry", true}, {"import", false}, {"reimport", false}} {
		if err := imp(p.name, dest, p.dry); err != nil {
			return nil, err
		}
	}
	if opt.DuckDB {
		err := phase("duckdb-sql", res.Rows, res.Bytes, func() (int64, int64, error) {
			_, err := runDuckDB(ctx, res.Input, filepath.Join(dir, "duckdb-out"), 0, opt.Defects > 0 || opt.Input != "")
			return res.Rows, res.Bytes, err
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// readOnly reads a CSV into batches and drops them: the reader's speed.
func readOnly(path string, batch int, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := csv.NewReader(f, path, csv.Options{BatchRows: batch, KeyColumn: key})
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		b, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += int64(b.Rows())
		b.Release()
	}
}

// WriteTable prints the phases and the import's own stage timings.
func (r *Result) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "machine: %s\ninput:   %s (%.1f MB, %d rows)\n\n", r.Machine, r.Input, float64(r.Bytes)/1e6, r.Rows)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tseconds\trows/s\tMB/s\tpeak RSS\t")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.1f\t%s\t\n", s.Name, s.Seconds, s.RowsPerSec(), s.MBPerSec(), fmtBytes(s.PeakRSS))
	}
	tw.Flush()
	if r.Import != nil {
		fmt.Fprintln(w, "\nimport stages (busy time, summed over goroutines):")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "stage\tseconds\trows/s\tMB/s\t")
		for _, t := range r.Import.Timings {
			fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.1f\t\n", t.Stage, t.Seconds, t.RowsPerSec, t.MBPerSec)
		}
		tw.Flush()
	}
}

// Machine describes the computer: CPU model, cores, memory and Go version.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb := procField(b, "MemTotal:"); kb > 0 {
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s", model, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// procField reads a "Name:   123 kB" line of a /proc file.
func procField(b []byte, name string) int64 {
	i := bytes.Index(b, []byte(name))
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+len(name):]))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n
}

// rssSampler polls the resident set size and keeps the peak since reset.
type rssSampler struct {
	max  atomic.Int64
	done chan struct{}
}

func startRSSSampler() *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	rss := procField(b, "VmRSS:") << 10
	for {
		cur := s.max.Load()
		if rss <= cur || s.max.CompareAndSwap(cur, rss) {
			return
		}
	}
}

func (s *rssSampler) reset()      { s.max.Store(0); s.sample() }
func (s *rssSampler) peak() int64 { s.sample(); return s.max.Load() }
func (s *rssSampler) stop()       { close(s.done) }

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
