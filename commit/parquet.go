package commit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/internal/fault"
	"ingot/schema"
)

// Defaults of WriterOptions, chosen by measurement (bench/RESULTS.md,
// "Parquet writer").
const (
	DefaultRowGroupRows     = 128 << 10
	DefaultMaxBuffered      = 64 << 20
	DefaultMaxFileRows      = 8 << 20
	DefaultCompressionLevel = 1 // zstd SpeedFastest
	DefaultPageBytes        = 256 << 10
)

// WriterOptions configures a TableWriter. The zero value works: every zero
// field takes its default.
type WriterOptions struct {
	// RowGroupRows is the number of rows of a full row group. A partition
	// is encoded as soon as it holds this many rows; default
	// DefaultRowGroupRows.
	RowGroupRows int
	// MaxBuffered bounds the bytes of Arrow data the writer holds, waiting
	// or being encoded, across all partitions; past it the biggest waiting
	// partition is flushed as a (smaller) row group. Default
	// DefaultMaxBuffered.
	MaxBuffered int64
	// MaxFileRows starts a new part file of a partition past this many
	// rows; default DefaultMaxFileRows.
	MaxFileRows int64
	// Concurrency is the number of partitions encoded at once, each by its
	// own goroutine; default runtime.GOMAXPROCS(0).
	Concurrency int
	// CompressionLevel is the zstd level, 1 (fastest) to 22; default
	// DefaultCompressionLevel.
	CompressionLevel int
	// Dictionary names the columns written with dictionary encoding (for a
	// list column, its elements). nil means DictionaryColumns(table); an
	// empty non-nil slice means none.
	Dictionary []string
	// PageBytes is the target size of a data page before compression;
	// default DefaultPageBytes.
	PageBytes int64
	// PartitionColumn names the Hive partition folder; default
	// PartitionColumn.
	PartitionColumn string
	// Allocator serves the compact copies the writer makes of small slices
	// of big records (the encoders' buffers are Go memory); default
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// withDefaults returns o with every zero field set to its default.
func (o WriterOptions) withDefaults(table string) WriterOptions {
	o.RowGroupRows = cmp.Or(o.RowGroupRows, DefaultRowGroupRows)
	o.MaxBuffered = cmp.Or(o.MaxBuffered, DefaultMaxBuffered)
	o.MaxFileRows = cmp.Or(o.MaxFileRows, DefaultMaxFileRows)
	o.Concurrency = cmp.Or(o.Concurrency, runtime.GOMAXPROCS(0))
	o.CompressionLevel = cmp.Or(o.CompressionLevel, DefaultCompressionLevel)
	o.PageBytes = cmp.Or(o.PageBytes, DefaultPageBytes)
	o.PartitionColumn = cmp.Or(o.PartitionColumn, schema.PartitionColumn)
	if o.Dictionary == nil {
		o.Dictionary = DictionaryColumns(table)
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o
}

// Validate reports the first bad field.
func (o WriterOptions) Validate() error {
	switch {
	case o.RowGroupRows < 0:
		return fmt.Errorf("commit.WriterOptions.RowGroupRows: expected >= 0, found %d", o.RowGroupRows)
	case o.MaxBuffered < 0:
		return fmt.Errorf("commit.WriterOptions.MaxBuffered: expected >= 0, found %d", o.MaxBuffered)
	case o.MaxFileRows < 0:
		return fmt.Errorf("commit.WriterOptions.MaxFileRows: expected >= 0, found %d", o.MaxFileRows)
	case o.MaxFileRows > 0 && int64(cmp.Or(o.RowGroupRows, DefaultRowGroupRows)) > o.MaxFileRows:
		return fmt.Errorf("commit.WriterOptions.MaxFileRows: expected >= RowGroupRows (%d), found %d",
			cmp.Or(o.RowGroupRows, DefaultRowGroupRows), o.MaxFileRows)
	case o.Concurrency < 0:
		return fmt.Errorf("commit.WriterOptions.Concurrency: expected >= 0, found %d", o.Concurrency)
	case o.CompressionLevel < 0 || o.CompressionLevel > 22:
		return fmt.Errorf("commit.WriterOptions.CompressionLevel: expected 0 to 22, found %d", o.CompressionLevel)
	case o.PageBytes < 0:
		return fmt.Errorf("commit.WriterOptions.PageBytes: expected >= 0, found %d", o.PageBytes)
	case o.PartitionColumn != "" && !validElement(o.PartitionColumn):
		return fmt.Errorf("commit.WriterOptions.PartitionColumn: expected a folder name, found %q", o.PartitionColumn)
	}
	return nil
}

// DictionaryColumns returns the columns of table worth dictionary
// encoding, as package schema lists them; none for a table it does not
// know.
func DictionaryColumns(table string) []string {
	if t := schema.Lookup(table); t != nil {
		return t.Dictionary
	}
	return []string{}
}

// validElement reports whether s can be one folder or file name of a store
// path.
func validElement(s string) bool {
	return s != "" && !strings.Contains(s, "/") && fs.ValidPath(s) && !strings.HasPrefix(s, TempPrefix)
}

// Parts hands out the <n> of part-<import>-<n>.parquet. One Parts is shared
// by every TableWriter of an import so that no two files of the import
// share a name. The zero value is ready to use and starts at 1.
type Parts struct{ n atomic.Int64 }

// Next returns the next part number.
func (p *Parts) Next() int64 { return p.n.Add(1) }

// TableWriter writes records of one table into Hive partitions
// <table>/<PartitionColumn>=<p>/part-<importID>-<n>.parquet.
//
// Records are kept per partition (retained, or copied when they are small
// slices of a bigger record) until a partition holds RowGroupRows rows, which
// are then encoded as one row group by one of Concurrency goroutines, or
// until the writer holds more than MaxBuffered bytes, when the biggest
// partitions are flushed early as smaller row groups. Partitions are
// encoded concurrently with each other and with the caller; one partition's
// row groups are written in order by one goroutine at a time.
//
// Memory bound:
//   - the Arrow data held, waiting or being encoded, stays below
//     MaxBuffered plus the last record written: when a Write goes over,
//     the biggest partitions are handed to the encoders, and while
//     Concurrency of them are busy, Write blocks until one is done;
//   - each of the Concurrency encoders also holds the page it is filling
//     (a little over PageBytes), the compressed pages and dictionary of
//     one column chunk, and a zstd context: a few MB, kept for the
//     next row group;
//   - each open part file (one a partition) keeps its footer (a few KB a
//     row group, bounded through MaxFileRows) and the store's write buffer.
//
// TestTableWriterMemoryBound shows it for 36 partitions of two tables.
//
// With p partitions written in interleaved small records, row groups hold
// about min(RowGroupRows, MaxBuffered/p/rowBytes) rows: 64 MiB over 36
// months of line items (about 330 bytes a row in Arrow) gives 5,000-row
// groups.
//
// Write may be called from several goroutines; Close and Abort end the
// writer.
type TableWriter struct {
	s        Store
	table    string
	schema   *arrow.Schema
	importID string
	parts    *Parts
	opt      WriterOptions
	enc      *encoder
	sem      chan struct{}

	mu         sync.Mutex
	partitions map[string]*partition
	buffered   int64         // bytes held: pending, queued and being encoded
	progress   chan struct{} // closed and replaced when buffered shrinks or a runner stops
	running    int           // partitions with a runner goroutine
	err        error         // first failure; the writer is then broken
	files      []FileInfo    // published part files
	open       []*partFile   // part files not yet published, for Abort
	ended      bool

	rowGroups atomic.Int64 // written, for benchmarks
}

// partition is the state of one Hive partition of a TableWriter. All fields
// but file are guarded by TableWriter.mu; file belongs to the runner.
type partition struct {
	value   string
	pending []held  // not yet handed to the runner
	rows    int64   // of pending
	bytes   int64   // of pending
	queue   []group // handed to the runner, in order
	running bool
	file    *partFile
}

// held is a record the writer keeps and the bytes it is charged for.
type held struct {
	rec   arrow.RecordBatch
	bytes int64
}

// group is a run of records encoded together.
type group struct {
	recs  []arrow.RecordBatch
	rows  int64
	bytes int64
	final bool // close the partition's file after this group
}

// partFile is an open part file.
type partFile struct {
	path string
	w    FileWriter
	enc  *parquetFile
	rows int64
}

// NewTableWriter returns a writer of table (with the given Arrow schema)
// into s, naming files after importID and numbers from parts.
func NewTableWriter(s Store, table string, schema *arrow.Schema, importID string, parts *Parts, opt WriterOptions) (*TableWriter, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if !validElement(table) {
		return nil, fmt.Errorf("new table writer: expected a table name usable as a folder, found %q", table)
	}
	if !validElement("part-" + importID) {
		return nil, fmt.Errorf("new table writer %s: expected an import id usable in a file name, found %q", table, importID)
	}
	if parts == nil {
		return nil, fmt.Errorf("new table writer %s: parts is nil", table)
	}
	opt = opt.withDefaults(table)
	enc, err := newEncoder(table, schema, opt)
	if err != nil {
		return nil, fmt.Errorf("new table writer %s: %w", table, err)
	}
	return &TableWriter{
		s:          s,
		table:      table,
		schema:     schema,
		importID:   importID,
		parts:      parts,
		opt:        opt,
		enc:        enc,
		sem:        make(chan struct{}, opt.Concurrency),
		partitions: make(map[string]*partition),
		progress:   make(chan struct{}),
	}, nil
}

// Write adds the rows of rec (whose schema must equal the table's) to
// partition p (e.g. "2020-09"; "" for an unpartitioned table). The writer
// keeps rec (Retain) until it is encoded; the caller may Release its own
// reference at once. Write blocks while the writer is over its memory bound
// (see TableWriter). ctx also governs the encoding a Write starts in the
// background: cancelling it breaks the writer. After an error the writer is
// broken: Abort it.
func (w *TableWriter) Write(ctx context.Context, p string, rec arrow.RecordBatch) error {
	if rs := rec.Schema(); rs != w.schema && !rs.Equal(w.schema) {
		return fmt.Errorf("write %s: record schema does not match the table's:\nrecord: %s\ntable: %s", w.table, rec.Schema(), w.schema)
	}
	if p != "" && !validElement(p) {
		return fmt.Errorf("write %s: expected a partition value usable in a folder name, found %q", w.table, p)
	}
	if rec.NumRows() == 0 {
		return nil
	}
	for i := range w.schema.NumFields() {
		if f := w.schema.Field(i); !f.Nullable && rec.Column(i).NullN() > 0 {
			n := rec.Column(i).NullN()
			return fmt.Errorf("write %s: column %s: expected no nulls (the column is not nullable), found %d", w.table, f.Name, n)
		}
	}
	rec, err := hold(rec, w.opt.Allocator)
	if err != nil {
		return fmt.Errorf("write %s: %w", w.table, err)
	}
	size := footprint(rec)

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.ended {
		rec.Release()
		return w.brokenLocked()
	}
	pt := w.partitions[p]
	if pt == nil {
		pt = &partition{value: p}
		w.partitions[p] = pt
	}
	pt.pending = append(pt.pending, held{rec, size})
	pt.rows += rec.NumRows()
	pt.bytes += size
	w.buffered += size

	for pt.rows >= int64(w.opt.RowGroupRows) {
		if err := w.dispatchLocked(ctx, pt, int64(w.opt.RowGroupRows), false); err != nil {
			return err
		}
	}
	for w.buffered > w.opt.MaxBuffered {
		if w.err != nil {
			return w.err
		}
		if w.running < w.opt.Concurrency {
			if big := w.biggestLocked(); big != nil {
				if err := w.dispatchLocked(ctx, big, big.rows, false); err != nil {
					return err
				}
				continue
			}
		}
		if w.running == 0 {
			break // nothing to wait for: cannot happen while buffered > 0
		}
		if err := w.waitLocked(ctx); err != nil {
			return err
		}
	}
	return w.err
}

func (w *TableWriter) brokenLocked() error {
	if w.err != nil {
		return w.err
	}
	return fmt.Errorf("write %s: writer already closed", w.table)
}

// biggestLocked returns the partition with the most pending bytes, or nil.
func (w *TableWriter) biggestLocked() *partition {
	var big *partition
	for _, pt := range w.partitions {
		if pt.rows > 0 && (big == nil || pt.bytes > big.bytes || pt.bytes == big.bytes && pt.value < big.value) {
			big = pt
		}
	}
	return big
}

// waitLocked releases mu until a runner makes progress or ctx is done.
func (w *TableWriter) waitLocked(ctx context.Context) error {
	ch := w.progress
	w.mu.Unlock()
	var err error
	select {
	case <-ch:
	case <-ctx.Done():
		err = ctx.Err()
	}
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("write %s: %w", w.table, err)
	}
	return err
}

// signalLocked wakes the waiters.
func (w *TableWriter) signalLocked() {
	close(w.progress)
	w.progress = make(chan struct{})
}

// dispatchLocked hands the first n pending rows of pt (all of them if n
// is larger) to its runner, starting one if needed. It releases mu while it
// waits for a free encoder.
func (w *TableWriter) dispatchLocked(ctx context.Context, pt *partition, n int64, final bool) error {
	g := group{final: final}
	for len(pt.pending) > 0 && g.rows < n {
		h := pt.pending[0]
		rows := h.rec.NumRows()
		if g.rows+rows <= n {
			pt.pending[0] = held{}
			pt.pending = pt.pending[1:]
			g.recs = append(g.recs, h.rec)
			g.rows += rows
			g.bytes += h.bytes
			pt.rows -= rows
			pt.bytes -= h.bytes
			continue
		}
		// Split the record: its head completes the group, its tail stays.
		k := n - g.rows
		head, tail := h.rec.NewSlice(0, k), h.rec.NewSlice(k, rows)
		h.rec.Release()
		hb := h.bytes * k / rows
		pt.pending[0] = held{tail, h.bytes - hb}
		g.recs = append(g.recs, head)
		g.rows += k
		g.bytes += hb
		pt.rows -= k
		pt.bytes -= hb
	}
	if len(pt.pending) == 0 {
		pt.pending = nil
	}
	pt.queue = append(pt.queue, g)
	if pt.running {
		return nil
	}
	pt.running = true
	w.running++
	w.mu.Unlock()
	var err error
	select {
	case w.sem <- struct{}{}:
		go w.run(ctx, pt)
	case <-ctx.Done():
		err = ctx.Err()
	}
	w.mu.Lock()
	if err != nil {
		pt.running = false
		w.running--
		if w.err == nil {
			w.err = fmt.Errorf("write %s: %w", w.table, err)
		}
		return w.err
	}
	return nil
}

// run encodes the groups queued for pt until there are none.
func (w *TableWriter) run(ctx context.Context, pt *partition) {
	defer func() { <-w.sem }()
	for {
		w.mu.Lock()
		if len(pt.queue) == 0 || w.err != nil {
			pt.running = false
			w.running--
			w.signalLocked()
			w.mu.Unlock()
			return
		}
		g := pt.queue[0]
		pt.queue[0] = group{}
		pt.queue = pt.queue[1:]
		w.mu.Unlock()

		err := w.encode(ctx, pt, g)
		for _, r := range g.recs {
			r.Release()
		}

		w.mu.Lock()
		w.buffered -= g.bytes
		if err != nil && w.err == nil {
			w.err = err
		}
		w.signalLocked()
		w.mu.Unlock()
	}
}

// encode writes g into pt's part files, as row groups of at most
// RowGroupRows rows, rolling files at MaxFileRows.
func (w *TableWriter) encode(ctx context.Context, pt *partition, g group) error {
	if g.rows > 0 {
		// cols[i] are the chunks of column i, referenced by g.recs.
		cols := make([][]arrow.Array, w.schema.NumFields())
		chunks := make([]arrow.Array, len(cols)*len(g.recs))
		for i := range cols {
			cols[i] = chunks[i*len(g.recs) : (i+1)*len(g.recs)]
			for j, r := range g.recs {
				cols[i][j] = r.Column(i)
			}
		}
		for off := int64(0); off < g.rows; {
			// Start a new file rather than split a row group across two.
			if pt.file != nil && pt.file.rows+min(g.rows-off, int64(w.opt.RowGroupRows)) > w.opt.MaxFileRows {
				if err := w.publish(ctx, pt); err != nil {
					return err
				}
			}
			if pt.file == nil {
				if err := w.openFile(ctx, pt); err != nil {
					return err
				}
			}
			n := min(g.rows-off, int64(w.opt.RowGroupRows), w.opt.MaxFileRows-pt.file.rows)
			if err := pt.file.enc.writeRowGroup(cols, off, n); err != nil {
				return fmt.Errorf("write %s: %w", pt.file.path, err)
			}
			pt.file.rows += n
			off += n
			w.rowGroups.Add(1)
		}
	}
	if g.final && pt.file != nil {
		return w.publish(ctx, pt)
	}
	return nil
}

// openFile starts the next part file of pt.
func (w *TableWriter) openFile(ctx context.Context, pt *partition) error {
	dir := w.table + "/"
	if pt.value != "" {
		dir += w.opt.PartitionColumn + "=" + pt.value + "/"
	}
	p := fmt.Sprintf("%spart-%s-%d.parquet", dir, w.importID, w.parts.Next())
	fw, err := w.s.Create(ctx, p, true)
	if err != nil {
		return err
	}
	f := &partFile{path: p, w: fw, enc: w.enc.newFile(writerOnly{fw})}
	w.mu.Lock()
	w.open = append(w.open, f)
	w.mu.Unlock()
	pt.file = f
	return nil
}

// publish writes the footer of pt's file and makes it visible.
func (w *TableWriter) publish(ctx context.Context, pt *partition) error {
	f := pt.file
	pt.file = nil
	err := f.enc.close()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		err = fmt.Errorf("finish %s: %w", f.path, err)
		w.forget(f)
		return errors.Join(err, f.w.Abort())
	}
	if err := f.w.Close(); err != nil {
		w.forget(f)
		return err
	}
	w.mu.Lock()
	w.open = slices.DeleteFunc(w.open, func(o *partFile) bool { return o == f })
	w.files = append(w.files, FileInfo{Table: w.table, Path: f.path, Partition: pt.value, Rows: f.rows, Bytes: f.w.Size()})
	w.mu.Unlock()
	fault.Hit(fault.PartPublished)
	return nil
}

func (w *TableWriter) forget(f *partFile) {
	w.mu.Lock()
	w.open = slices.DeleteFunc(w.open, func(o *partFile) bool { return o == f })
	w.mu.Unlock()
}

// Close flushes every partition, publishes every file and returns them
// sorted by path. After an error nothing more is published; call Abort to
// remove what was.
func (w *TableWriter) Close(ctx context.Context) ([]FileInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return nil, fmt.Errorf("close %s: writer already closed", w.table)
	}
	w.ended = true
	values := make([]string, 0, len(w.partitions))
	for v := range w.partitions {
		values = append(values, v)
	}
	slices.Sort(values)
	for _, v := range values {
		if w.err != nil {
			break
		}
		pt := w.partitions[v]
		if err := w.dispatchLocked(ctx, pt, pt.rows, true); err != nil {
			break
		}
	}
	for w.running > 0 {
		if err := w.waitLocked(ctx); err != nil {
			break
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	files := slices.Clone(w.files)
	slices.SortFunc(files, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// Abort discards everything written or buffered: files not yet published
// are aborted, published ones removed. It waits for the encoders to stop
// and may be called after Close, even after a failed one.
func (w *TableWriter) Abort(ctx context.Context) error {
	w.mu.Lock()
	w.ended = true
	if w.err == nil {
		w.err = fmt.Errorf("write %s: writer aborted", w.table)
	}
	for w.running > 0 {
		ch := w.progress
		w.mu.Unlock()
		<-ch // runners stop after their current group; never abandon them
		w.mu.Lock()
	}
	var errs []error
	for _, pt := range w.partitions {
		for _, h := range pt.pending {
			h.rec.Release()
		}
		for _, g := range pt.queue {
			for _, r := range g.recs {
				r.Release()
			}
		}
		pt.pending, pt.queue, pt.rows, pt.bytes = nil, nil, 0, 0
		pt.file = nil
	}
	w.buffered = 0
	for _, f := range w.open {
		errs = append(errs, f.w.Abort())
	}
	w.open = nil
	for _, f := range w.files {
		if err := w.s.Remove(ctx, f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	w.files = nil
	w.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("abort %s: %w", w.table, err)
	}
	return nil
}

// writerOnly hides the Close of a FileWriter from encoders that close what
// they write to.
type writerOnly struct{ w io.Writer }

func (o writerOnly) Write(p []byte) (int, error) { return o.w.Write(p) }

// hold returns a reference to rec the writer may keep: rec itself,
// retained, or a compact copy when rec is a small slice of bigger buffers
// (keeping it would pin the whole of them).
func hold(rec arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	if fp := footprint(rec); fp <= 64<<10 || fp <= 4*logicalSize(rec)+64<<10 {
		rec.Retain()
		return rec, nil
	}
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range rec.Columns() {
		cp, err := array.Concatenate([]arrow.Array{c}, mem)
		if err != nil {
			return nil, fmt.Errorf("copy column %s: %w", rec.ColumnName(i), err)
		}
		cols[i] = cp
	}
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows()), nil
}

// footprint returns the bytes of the buffers rec references: their whole
// capacity, even when rec is a slice of them.
func footprint(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataFootprint(c.Data())
	}
	return n
}

func dataFootprint(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Cap())
		}
	}
	for _, c := range d.Children() {
		n += dataFootprint(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += dataFootprint(d.Dictionary())
	}
	return n
}

// logicalSize returns about the bytes rec's rows need on their own: what a
// compact copy would take.
func logicalSize(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += arrayLogical(c)
	}
	return n
}

func arrayLogical(a arrow.Array) int64 {
	l := int64(a.Len())
	bitmap := (l + 7) / 8
	switch a := a.(type) {
	case *array.String:
		if l == 0 {
			return 0
		}
		return bitmap + 4*(l+1) + int64(a.ValueOffset(a.Len()-1)+len(a.Value(a.Len()-1))-a.ValueOffset(0))
	case *array.Binary:
		if l == 0 {
			return 0
		}
		return bitmap + 4*(l+1) + int64(a.ValueOffset(a.Len()-1)+len(a.Value(a.Len()-1))-a.ValueOffset(0))
	case *array.List:
		if l == 0 {
			return 0
		}
		lo, _ := a.ValueOffsets(0)
		_, hi := a.ValueOffsets(a.Len() - 1)
		child := array.NewSlice(a.ListValues(), lo, hi)
		defer child.Release()
		return bitmap + 4*(l+1) + arrayLogical(child)
	case *array.Boolean:
		return 2 * bitmap
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		return bitmap + l*int64(fw.BitWidth()+7)/8
	}
	return dataFootprint(a.Data())
}
