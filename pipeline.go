package ingot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/charset"
	"ingot/formats/compress"
	"ingot/formats/csv"
	"ingot/formats/parse"
	"ingot/formats/source"
	"ingot/kinds/orders"
	"ingot/validate"
)

var orderFormats = map[string]*formats.Format{
	formats.KevelCSV.Name: formats.KevelCSV,
}

func formatNames() []string {
	var out []string
	for n := range orderFormats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// rawItem travels from the reader to the validators: a batch of a file,
// or the end of a file (normal, or failed with err).
type rawItem struct {
	seq   int
	file  int
	batch *columnar.Batch
	v     *orders.Validator
	end   bool
	err   error
}

// valItem is a rawItem after validation.
type valItem struct {
	seq  int
	file int
	rows *orders.Rows
	v    *orders.Validator
	end  bool
	err  error
}

// fileState is what the job knows of one source file.
type fileState struct {
	obj         source.Object
	report      validate.FileReport
	src         *source.Reader
	failed      bool
	header      []string
	counts      validate.Counts
	issues      map[issueKey]int64
	rejectsSeen int64
}

type issueKey struct {
	column string
	code   columnar.Code
}

// stageClock adds up the time a stage spends working, across goroutines.
type stageClock struct{ ns atomic.Int64 }

func (c *stageClock) since(t time.Time) { c.ns.Add(int64(time.Since(t))) }

func (c *stageClock) seconds() float64 { return time.Duration(c.ns.Load()).Seconds() }

// readFiles opens every source in turn and sends its batches, then an end
// (or failure) marker per file. A file that fails does not stop the others.
func (j *job) readFiles(ctx context.Context, out chan<- rawItem) error {
	seq := 0
	send := func(it rawItem) error {
		it.seq = seq
		seq++
		select {
		case out <- it:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for fi := range j.files {
		err := j.readFile(ctx, fi, send)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := send(rawItem{file: fi, end: err == nil, err: err}); err != nil {
			return err
		}
	}
	return nil
}

// readFile streams one file. Its error fails the file only.
func (j *job) readFile(ctx context.Context, fi int, send func(rawItem) error) (err error) {
	f := j.files[fi]
	start := time.Now()
	defer func() { j.clock.read.since(start) }()
	src, err := source.Open(ctx, f.obj)
	if err != nil {
		return err
	}
	f.src = src
	defer src.Close()
	dec, err := compress.Decompress(src, f.obj.Name)
	if err != nil {
		return err
	}
	defer dec.Close()
	f.report.Compression = dec.Compression
	txt, err := charset.Decode(dec, j.opt.Encoding)
	if err != nil {
		return err
	}
	f.report.Encoding, f.report.EncodingConfidence = txt.Encoding, txt.Confidence
	name := f.obj.URI
	r, err := csv.NewReader(txt, name, csv.Options{
		Delimiter: j.opt.Delimiter, BatchRows: j.opt.BatchRows, KeyColumn: j.format.KeyField().Name,
		Allocator: j.pool,
	})
	if err != nil {
		return err
	}
	f.header = r.Header()
	v, err := orders.NewValidator(j.format, r.Header(), orders.Options{HashEmails: j.opt.HashEmails, Allocator: j.pool, Pool: j.pool})
	if err != nil {
		return &parse.Error{Source: name, Line: 1, Err: err}
	}
	for {
		t := time.Now()
		b, err := r.ReadBatch()
		j.clock.read.since(t)
		start = time.Now() // time sending is not reading
		if errors.Is(err, io.EOF) {
			f.report.SHA256 = src.SHA256()
			f.report.Bytes = src.BytesRead()
			j.opt.Logger.Debug("file read", "import_id", j.importID, "file", f.obj.URI, "rows", f.report.Rows, "bytes", f.report.Bytes)
			return nil
		}
		if err != nil {
			return err
		}
		f.report.Rows += int64(b.Rows())
		j.progress.rows.Add(int64(b.Rows()))
		j.progress.bytes.Store(j.bytesBefore(fi) + src.BytesRead())
		if err := send(rawItem{file: fi, batch: b, v: v}); err != nil {
			b.Release()
			return err
		}
	}
}

// bytesBefore sums the bytes of the files read before file fi.
func (j *job) bytesBefore(fi int) int64 {
	var n int64
	for _, f := range j.files[:fi] {
		n += f.report.Bytes
	}
	return n
}

// validateBatches is one validator goroutine.
func (j *job) validateBatches(ctx context.Context, in <-chan rawItem, out chan<- valItem) error {
	for it := range in {
		vi := valItem{seq: it.seq, file: it.file, v: it.v, end: it.end, err: it.err}
		if it.batch != nil {
			t := time.Now()
			rows, err := it.v.Validate(it.batch)
			j.clock.validate.since(t)
			if err != nil {
				return fmt.Errorf("%s: validating rows from line %d: %w", it.batch.Source, firstLine(it.batch), err)
			}
			vi.rows = rows
		}
		select {
		case out <- vi:
		case <-ctx.Done():
			if vi.rows != nil {
				vi.rows.Release()
			}
			return ctx.Err()
		}
	}
	return nil
}

func firstLine(b *columnar.Batch) int64 {
	if b.Rows() == 0 {
		return 0
	}
	return b.Lines()[0]
}

// runPipeline streams every file through read → validate → sequence →
// write, concurrently, and returns when all have been written (or the
// first internal error).
func (j *job) runPipeline(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	workers := j.opt.Workers
	// Channels are short: every batch in flight is memory.
	raw := make(chan rawItem, workers)
	val := make(chan valItem, workers)
	toWrite := make(chan writeItem, 2)
	events := make(chan eventChunk, 8)

	g.Go(func() error {
		defer close(raw)
		return j.readFiles(ctx, raw)
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			return j.validateBatches(ctx, raw, val)
		})
	}
	g.Go(func() error {
		wg.Wait()
		close(val)
		return nil
	})
	g.Go(func() error {
		defer close(toWrite)
		defer close(events)
		return j.sequence(ctx, val, toWrite, events)
	})
	g.Go(func() error { return j.writeBatches(ctx, toWrite) })
	g.Go(func() error { return j.writeEvents(ctx, events) })
	if j.opt.Progress != nil {
		done := make(chan struct{})
		defer close(done)
		go j.reportProgress(done)
	}
	err := g.Wait()
	// Drain what a failed pipeline left behind.
	for it := range raw {
		if it.batch != nil {
			it.batch.Release()
		}
	}
	for it := range val {
		if it.rows != nil {
			it.rows.Release()
		}
	}
	return err
}

// reportProgress prints a line every ProgressEvery until done.
func (j *job) reportProgress(done <-chan struct{}) {
	t := time.NewTicker(j.opt.ProgressEvery)
	defer t.Stop()
	start := time.Now()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			rows, bytes := j.progress.rows.Load(), j.progress.bytes.Load()
			el := time.Since(start).Seconds()
			fmt.Fprintf(j.opt.Progress, "ingot: %s rows, %.1f MB read, %.0f rows/s, %.1f MB/s\n",
				fmtInt(rows), float64(bytes)/1e6, float64(rows)/el, float64(bytes)/1e6/el)
		}
	}
}

func fmtInt(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// tempDir makes the import's scratch directory for event spools.
func tempDir() (string, error) { return os.MkdirTemp("", "ingot-*") }
