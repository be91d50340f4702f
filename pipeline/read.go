package pipeline

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/compress"
	"ingot/formats/parse"
	"ingot/formats/source"
	"ingot/kinds"
	"ingot/transform"
	"ingot/validate"
)

// rawItem travels from the reader to the validators: a batch of a file,
// or the end of a file (normal, or failed with err).
type rawItem struct {
	seq    int
	file   int
	batch  *columnar.Batch
	v      kinds.Validator
	header []string
	end    bool
	err    error
}

// valItem is a rawItem after validation.
type valItem struct {
	seq    int
	file   int
	rows   kinds.Validated
	header []string
	end    bool
	err    error
}

// stageClock adds up the time a stage spends working, across goroutines.
type stageClock struct {
	name string
	ns   atomic.Int64
}

func (c *stageClock) since(t time.Time) { c.ns.Add(int64(time.Since(t))) }

func (c *stageClock) seconds() float64 { return time.Duration(c.ns.Load()).Seconds() }

// readStage opens every source in turn, decodes it, binds the kind to its
// header and sends its batches, then an end (or failure) marker per file.
// A file that fails does not stop the others. It owns the files' reports
// while it runs.
type readStage struct {
	opt   Options
	files []*fileIn
	pool  *columnar.PoolAllocator
	clock stageClock
	// progress, read by the attempt.
	rows, bytes atomic.Int64
	// progress, if set, is called after every batch read.
	progress func(rows, bytes int64)
	// names, when the import has transforms, is the read stage's own
	// copy of them: it gives the header the format binds to.
	names *transform.Program
}

func (s *readStage) run(ctx context.Context, out chan<- rawItem) error {
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
	for fi := range s.files {
		if s.files[fi].skipped {
			continue // committed already: nothing to read
		}
		err := s.readFile(ctx, fi, send)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			f := s.files[fi]
			f.failed = true
			f.report.Status = validate.FileFailed
			f.report.Error = err.Error()
			if errors.Is(err, ErrNewColumns) {
				return err // --on-new-columns fail: nothing is imported
			}
		}
		if err := send(rawItem{file: fi, end: err == nil, err: err}); err != nil {
			return err
		}
	}
	return nil
}

// readFile streams one file. Its error fails the file only.
func (s *readStage) readFile(ctx context.Context, fi int, send func(rawItem) error) (err error) {
	f := s.files[fi]
	start := time.Now()
	defer func() { s.clock.since(start) }()
	format := s.opt.Format
	if format.SourceName != nil && f.obj.URI != source.StdinURI {
		if _, err := format.SourceName(f.obj.Name); err != nil {
			return err
		}
	}
	in, err := formats.OpenInputLimited(ctx, s.opt.Stores, f.obj, s.opt.Encoding, compress.DecompressOptions{
		MaxBytes: s.opt.MaxDecompressedBytes, MaxRatio: s.opt.MaxDecompressionRatio})
	if err != nil {
		return err
	}
	defer in.Close()
	f.report.Compression = in.Compression
	f.report.Encoding, f.report.EncodingConfidence = in.Encoding, in.Confidence
	name := f.report.URI // redacted
	if format.ZipEntry != nil && in.Inner != "" && f.obj.URI != source.StdinURI {
		if err := format.ZipEntry(f.obj.Name, in.Inner); err != nil {
			return err
		}
	}
	var key string
	carry := format.Carry()
	if k := format.KeyField(); k != nil {
		key = k.Name
	}
	if s.names != nil {
		// The key and the carried fields are the transformed columns'
		// (the transform stage follows them).
		key, carry = "", nil
	}
	text, d, first := s.dialect(in.Text, format)
	if format.Syntax() == formats.SyntaxCSV {
		f.report.Delimiter = formats.DelimiterString(d.Delimiter)
		h := d.Header
		f.report.Header = &h
	}
	hint := func(err error, header []string) error {
		if errors.Is(err, parse.ErrMissingColumns) {
			if h := formats.HeaderHint(header, format, d.Delimiter, s.opt.Formats); h != "" {
				return fmt.Errorf("%w; %s", err, h)
			}
		}
		return err
	}
	r, err := format.Shape(text, name, formats.ReadOptions{
		Delimiter: d.Delimiter, Quote: d.Quote, NoHeader: !d.Header, DropSurplus: s.opt.Records.OnRagged == kinds.RaggedTruncate,
		BatchRows: s.opt.BatchRows, KeyColumn: key, Carry: carry, Allocator: s.pool,
		MaxRecordBytes: s.opt.MaxRecordBytes, MaxFieldBytes: s.opt.MaxFieldBytes, MaxColumns: s.opt.MaxColumns,
	})
	if err != nil {
		return hint(err, first)
	}
	header := r.Header()
	if s.names != nil {
		// The format's checks apply to the columns the transforms make.
		raw := header
		if header, err = s.names.Names(header); err != nil {
			return &parse.Error{Source: name, Line: 1, Err: err}
		}
		f.origins = s.names.Origins(raw)
	}
	f.report.IgnoredColumns = format.Ignored(header)
	rec := s.opt.Records
	rec.Delimiter = d.Delimiter
	v, err := s.opt.Kind.Bind(format, header, kinds.BindOptions{HashEmails: s.opt.HashEmails, Allocator: s.pool, Pool: s.pool, Records: rec})
	if err != nil {
		return &parse.Error{Source: name, Line: 1, Err: hint(err, header)}
	}
	if len(f.report.IgnoredColumns) > 0 && s.opt.OnNewColumns == OnNewColumnsFail {
		return &parse.Error{Source: name, Line: 1, Err: fmt.Errorf("%w: %s (--on-new-columns fail)", ErrNewColumns, strings.Join(quoted(f.report.IgnoredColumns), ", "))}
	}
	src := in.Raw
	for {
		t := time.Now()
		b, err := r.ReadBatch()
		s.clock.since(t)
		start = time.Now() // time sending is not reading
		if errors.Is(err, io.EOF) {
			f.report.Encoding, f.report.EncodingConfidence = in.Detected()
			f.report.SHA256 = src.SHA256()
			f.report.Bytes = src.BytesRead()
			s.opt.Logger.Debug("file read", "file", f.report.URI, "rows", f.report.Rows, "bytes", f.report.Bytes)
			return nil
		}
		if err != nil {
			return err
		}
		f.report.Rows += int64(b.Rows())
		s.rows.Add(int64(b.Rows()))
		s.bytes.Store(s.bytesBefore(fi) + src.BytesRead())
		if s.progress != nil {
			s.progress(s.rows.Load(), s.bytes.Load())
		}
		if err := send(rawItem{file: fi, batch: b, v: v, header: header}); err != nil {
			b.Release()
			return err
		}
	}
}

// dialect returns the dialect to read delimited text in, the text to
// read (a buffered reader over it: its start was looked at) and its
// first record (to explain a header the format cannot bind). What the
// options give is used; what they leave open is sniffed for the formats
// that take any columns (Format.Attributes) and defaulted (',', '"', a
// header) for the others, whose files are written one way. Past its
// first 64 KiB the buffered reader reads straight into the reader's
// buffer (bufio does for reads larger than its own).
func (s *readStage) dialect(text io.Reader, format *formats.Format) (io.Reader, formats.Dialect, []string) {
	d := formats.Dialect{Delimiter: cmp.Or(s.opt.Delimiter, format.Delimiter), Quote: s.opt.Quote, Header: s.opt.Header != formats.HeaderAbsent}
	if format.Syntax() != formats.SyntaxCSV {
		return text, d, nil
	}
	br := bufio.NewReaderSize(text, dialectSample)
	sample, err := br.Peek(dialectSample)
	text = br
	if format.Attributes && (d.Delimiter == 0 || d.Quote == 0 || s.opt.Header == formats.HeaderDetect) {
		found := formats.SniffDialect(sample, err != nil)
		if d.Delimiter == 0 {
			d.Delimiter = found.Delimiter
		}
		if d.Quote == 0 {
			d.Quote = found.Quote
		}
		if s.opt.Header == formats.HeaderDetect {
			d.Header = found.Header
		}
	}
	d.Delimiter, d.Quote = cmp.Or(d.Delimiter, ','), cmp.Or(d.Quote, '"')
	return text, d, formats.FirstRecord(sample, d)
}

// dialectSample is how much of a source's text the dialect is sniffed
// from.
const dialectSample = 64 << 10

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// bytesBefore sums the bytes of the files read before file fi.
func (s *readStage) bytesBefore(fi int) int64 {
	var n int64
	for _, f := range s.files[:fi] {
		n += f.report.Bytes
	}
	return n
}

// validateStage is the validator goroutines: each takes raw batches and
// hands them on validated, in any order.
type validateStage struct {
	workers int
	clock   stageClock
}

func (s *validateStage) run(ctx context.Context, in <-chan rawItem, out chan<- valItem) error {
	for it := range in {
		vi := valItem{seq: it.seq, file: it.file, header: it.header, end: it.end, err: it.err}
		if it.batch != nil {
			t := time.Now()
			src, line := it.batch.Source, firstLine(it.batch)
			rows, err := it.v.Validate(it.batch)
			s.clock.since(t)
			if err != nil {
				return fmt.Errorf("%s: validating rows from line %d: %w", src, line, err)
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

// runStages streams every file through read → validate → group → write
// (and events), concurrently, and returns when all have been written (or
// at the first internal error).
func (a *attempt) runStages(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	workers := a.opt.Workers
	// Channels are short: every batch in flight is memory.
	raw := make(chan rawItem, workers)
	val := make(chan valItem, workers)
	toWrite := make(chan writeItem, 2)
	events := make(chan eventChunk, 8)

	read := &readStage{opt: a.opt, files: a.files, pool: a.pool, clock: stageClock{name: "read"}}
	var ts *transformStage
	if a.opt.Transforms != nil {
		read.names = a.opt.Transforms.Clone()
		ts = newTransformStage(ctx, a.opt, a.pool)
		defer ts.close()
	}
	if a.opt.OnProgress != nil {
		read.progress = func(rows, bytes int64) {
			a.opt.OnProgress(Progress{Phase: PhaseRead, Rows: rows, Bytes: bytes, TotalBytes: a.totalBytes, Elapsed: time.Since(a.t0)})
		}
		read.progress(0, 0)
	}
	vs := &validateStage{workers: workers, clock: stageClock{name: "validate"}}
	group := &groupStage{grouper: a.grouper, out: toWrite, events: events, dryRun: a.opt.DryRun,
		evFree: a.events.free, clock: stageClock{name: "group"}}
	a.readRows, a.readBytes = read.rows.Load, read.bytes.Load
	a.clocks = []*stageClock{&read.clock, &vs.clock, &group.clock, &a.write.clock, &a.events.clock}

	read0 := raw
	if ts != nil {
		a.clocks = slices.Insert(a.clocks, 1, &ts.clock)
		read0 = make(chan rawItem, 2)
		g.Go(func() error {
			defer close(raw)
			return ts.run(ctx, read0, raw)
		})
	}
	g.Go(func() error {
		defer close(read0)
		return read.run(ctx, read0)
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			return vs.run(ctx, raw, val)
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
		return group.run(ctx, val)
	})
	g.Go(func() error { return a.write.run(ctx, toWrite) })
	g.Go(func() error { return a.events.run(ctx, events) })
	err := g.Wait()
	// Drain what a failed pipeline left behind.
	if ts != nil {
		for it := range read0 {
			if it.batch != nil {
				it.batch.Release()
			}
		}
	}
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
