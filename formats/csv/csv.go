package csv

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/formats/parse"
	"ingot/issue"
)

// Options configures a Reader. The zero value reads comma-separated,
// double-quoted CSV whose first record is the header.
type Options struct {
	// Delimiter separates fields; default ','.
	Delimiter byte
	// Quote encloses fields that hold delimiters, quotes or line breaks; a
	// quote inside such a field is written twice. Default '"'.
	Quote byte
	// NoHeader says the first record is data. The columns are then named by
	// Names, or column1, column2, … after the first record's field count.
	NoHeader bool
	// Names names the columns when NoHeader is set.
	Names []string
	// DropSurplus drops the fields of a row past the header's count
	// instead of appending them to its last field; the row keeps its
	// FieldCount issue either way.
	DropSurplus bool
	// KeyColumn, if set, names the column whose last non-empty value before
	// each batch is passed on as Batch.PrevKey.
	KeyColumn string
	// Carry, with KeyColumn, names columns whose values on the first row
	// of the last record begun before each batch are passed on as
	// Batch.Carry (in this order; "" for a column not in the header). A
	// record begins where the key changes to a new non-empty value.
	Carry []string
	// BatchRows caps the rows of a batch; default columnar.DefaultBatchRows.
	BatchRows int
	// BatchBytes ends a batch early once its field bytes exceed it; default
	// 8 MiB. It bounds memory when rows are wide.
	BatchBytes int
	// MaxRecordBytes is the longest record accepted (a quoted field can span
	// lines); a longer one is a fatal *parse.Error wrapping
	// parse.ErrRecordTooLong, most likely an unbalanced quote. It bounds the
	// read buffer, which holds a whole record. Default DefaultMaxRecordBytes
	// (16 MiB).
	MaxRecordBytes int
	// MaxFieldBytes is the longest field accepted; a longer one is a fatal
	// *parse.Error wrapping parse.ErrFieldTooLong that names line, column
	// and field. Default DefaultMaxFieldBytes (1 MiB).
	MaxFieldBytes int
	// MaxColumns is the most fields the header (or, with NoHeader, the
	// first record) may have; more is a fatal *parse.Error wrapping
	// parse.ErrTooManyColumns, raised while the header is parsed, before
	// any per-column state is allocated. Default DefaultMaxColumns
	// (10,000).
	MaxColumns int
	// Allocator allocates the batches' buffers; default memory.DefaultAllocator.
	Allocator memory.Allocator
}

func (o Options) withDefaults() Options {
	o.Delimiter = cmp.Or(o.Delimiter, ',')
	o.Quote = cmp.Or(o.Quote, '"')
	o.BatchRows = cmp.Or(o.BatchRows, columnar.DefaultBatchRows)
	o.BatchBytes = cmp.Or(o.BatchBytes, 8<<20)
	o.MaxRecordBytes = cmp.Or(o.MaxRecordBytes, DefaultMaxRecordBytes)
	o.MaxFieldBytes = cmp.Or(o.MaxFieldBytes, DefaultMaxFieldBytes)
	o.MaxColumns = cmp.Or(o.MaxColumns, DefaultMaxColumns)
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o
}

// Validate reports options that cannot work, naming the field.
func (o Options) Validate() error {
	bad := func(b byte) bool { return b == '\n' || b == '\r' || b >= utf8.RuneSelf }
	switch {
	case o.Delimiter != 0 && bad(o.Delimiter):
		return fmt.Errorf("csv.Options.Delimiter: %q cannot separate fields", o.Delimiter)
	case o.Quote != 0 && bad(o.Quote):
		return fmt.Errorf("csv.Options.Quote: %q cannot quote fields", o.Quote)
	case o.Delimiter != 0 && o.Delimiter == o.Quote:
		return fmt.Errorf("csv.Options.Quote: same as Delimiter (%q)", o.Quote)
	case o.BatchRows < 0:
		return fmt.Errorf("csv.Options.BatchRows: must be > 0, got %d", o.BatchRows)
	case o.BatchBytes < 0:
		return fmt.Errorf("csv.Options.BatchBytes: must be > 0, got %d", o.BatchBytes)
	case o.MaxRecordBytes < 0:
		return fmt.Errorf("csv.Options.MaxRecordBytes: must be > 0, got %d", o.MaxRecordBytes)
	case o.MaxFieldBytes < 0 || o.MaxFieldBytes > math.MaxInt32:
		return fmt.Errorf("csv.Options.MaxFieldBytes: must be > 0 and < 2 GiB, got %d", o.MaxFieldBytes)
	case o.MaxColumns < 0:
		return fmt.Errorf("csv.Options.MaxColumns: must be > 0, got %d", o.MaxColumns)
	}
	return nil
}

// Default limits of Options against hostile or broken input. Each bounds
// memory whatever the input's shape; raise them in Options.
const (
	DefaultMaxRecordBytes = 16 << 20
	DefaultMaxFieldBytes  = 1 << 20
	DefaultMaxColumns     = 10_000
)

// The read buffer starts small, so that small inputs (and fuzzing) cost
// little, and doubles each time a read fills it, up to readChunk.
const (
	firstChunk = 64 << 10
	readChunk  = 1 << 20
)

// colBuf accumulates one column of the batch under construction: the bytes
// of its values back to back and the Arrow offsets.
type colBuf struct {
	data []byte  // len = bytes used; cap from the allocator
	raw  []byte  // the allocation behind data (what Free needs)
	offs []int32 // len = rows+1 of the batch
	rawO []byte  // the allocation behind offs
}

// Reader reads CSV into columnar batches of string columns, one per
// header field, each row carrying its line and byte offset. It implements
// array.RecordReader; ReadBatch gives the batches with their issues.
//
// Rows whose structure is wrong are kept and flagged, so that nothing is
// lost: a row with too few fields is padded with empty values, one with too
// many has the surplus appended to its last field (delimiter included;
// dropped with Options.DropSurplus), and both get a FieldCount issue; a quoted field followed by stray text keeps
// that text and gets BadQuote; a field that is not valid UTF-8 gets
// InvalidUTF8; a quoted field left open at the end of the input gets
// UnterminatedQuote. Blank lines are skipped. Line breaks are \n, \r\n or
// a lone \r.
type Reader struct {
	opt    Options
	src    io.Reader
	source string
	mem    memory.Allocator

	buf       []byte
	pos, end  int
	eof       bool
	readErr   error
	base      int64 // stream offset of buf[0]
	line      int64 // line number at buf[pos]
	lineStart int64 // stream offset of the start of that line
	special   [256]bool
	masks     [4]uint64 // delimiter, quote, \n, \r repeated in every byte

	header     []string
	schema     *arrow.Schema
	nf         int
	headerMode bool
	keyCol     int
	prevKey    string
	carryCol   []int
	carry      []string

	cols    []colBuf
	lines   []int64
	rawL    []byte
	offs    []int64
	rawF    []byte
	rows    int
	bytes   int
	issues  columnar.Issues
	estSize []int // per column, bytes of the last batch: the next one's first guess

	seq    int
	err    error // sticky
	recErr error // set by parseRecord with stErr
	cur    *columnar.Batch
	refs   atomic.Int64
}

// NewReader reads the header (unless opt.NoHeader) and returns a reader
// of the records that follow. source names the input in errors and
// provenance.
func NewReader(r io.Reader, source string, opt Options) (*Reader, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	cr := &Reader{
		opt: opt, src: r, source: source, mem: opt.Allocator,
		buf: make([]byte, firstChunk), line: 1, keyCol: -1,
	}
	cr.refs.Store(1)
	for i, b := range []byte{opt.Delimiter, opt.Quote, '\n', '\r'} {
		cr.special[b] = true
		cr.masks[i] = lsb * uint64(b)
	}
	if err := cr.readHeader(); err != nil {
		return nil, err
	}
	return cr, nil
}

// readHeader parses the first record as the column names, or, with
// NoHeader, peeks at it for the field count and rewinds.
func (r *Reader) readHeader() error {
	r.headerMode = true
	r.nf = 1 << 30
	r.startBatch()
	st, err := r.nextRecord()
	r.headerMode = false
	if err != nil {
		r.freeBatch()
		return err
	}
	if st == stEOF {
		r.freeBatch()
		return &parse.Error{Source: r.source, Line: r.line, Err: parse.ErrEmpty}
	}
	names := make([]string, len(r.cols))
	for i := range r.cols {
		names[i] = string(r.cols[i].data)
	}
	hdrLine, hdrOff := r.lines[0], r.offs[0]
	r.freeBatch()
	r.cols = nil
	r.issues.Reset()
	if r.opt.NoHeader {
		// The record is data: rewind to its start, still in the buffer.
		r.pos, r.line, r.lineStart = int(hdrOff-r.base), hdrLine, hdrOff
		if len(r.opt.Names) > 0 {
			names = r.opt.Names
		} else {
			for i := range names {
				names[i] = fmt.Sprintf("column%d", i+1)
			}
		}
	} else if len(names) > 0 {
		names[0] = strings.TrimPrefix(names[0], "\uFEFF")
	}
	for i, n := range names {
		if !utf8.ValidString(n) || strings.IndexByte(n, 0) >= 0 {
			return &parse.Error{Source: r.source, Line: hdrLine,
				Err: fmt.Errorf("%w: header column %d holds binary data, not a name", parse.ErrNotText, i+1)}
		}
	}
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if j, dup := seen[n]; dup {
			return &parse.Error{Source: r.source, Line: hdrLine, Field: n,
				Err: fmt.Errorf("duplicate column name: columns %d and %d are both %q", j+1, i+1, n)}
		}
		seen[n] = i
	}
	r.header = names
	r.nf = len(names)
	r.schema = columnar.RawSchema(names, nil)
	if r.opt.KeyColumn != "" {
		k, ok := seen[r.opt.KeyColumn]
		if !ok {
			return &parse.Error{Source: r.source, Line: hdrLine,
				Err: fmt.Errorf("%w: key column %q is not in the header", parse.ErrMissingColumns, r.opt.KeyColumn)}
		}
		r.keyCol = k
	}
	if len(r.opt.Carry) > 0 && r.keyCol >= 0 {
		r.carryCol = make([]int, len(r.opt.Carry))
		for i, name := range r.opt.Carry {
			r.carryCol[i] = -1
			if k, ok := seen[name]; ok {
				r.carryCol[i] = k
			}
		}
	}
	r.estSize = make([]int, r.nf)
	return nil
}

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

// Source returns the name the reader was given for its input.
func (r *Reader) Source() string { return r.source }

// Line returns the line number the next record starts on (or the line the
// reader stopped at).
func (r *Reader) Line() int64 { return r.line }

// InputOffset returns the byte offset, in the decoded stream, of the next
// unread record.
func (r *Reader) InputOffset() int64 { return r.base + int64(r.pos) }

type recStatus uint8

const (
	stOK recStatus = iota
	stBlank
	stMore
	stEOF
	stErr // a limit was exceeded: the error is in recErr
)

// ReadBatch returns the next batch, which the caller owns (Release it), or
// io.EOF after the last one. Another error means the rest of the input
// cannot be read (I/O, decompression, a record past MaxRecordBytes); the
// rows read before it come first as a batch of their own.
func (r *Reader) ReadBatch() (*columnar.Batch, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.startBatch()
	for r.rows < r.opt.BatchRows && r.bytes < r.opt.BatchBytes {
		st, err := r.nextRecord()
		if err != nil {
			r.err = err
			break
		}
		if st == stEOF {
			r.err = io.EOF
			break
		}
	}
	if r.rows == 0 {
		r.freeBatch()
		return nil, r.err
	}
	return r.finishBatch(), nil
}

func (r *Reader) nextRecord() (recStatus, error) {
	for {
		switch st := r.parseRecord(); st {
		case stOK, stEOF:
			return st, nil
		case stErr:
			return st, r.recErr
		case stMore:
			if err := r.refill(); err != nil {
				return st, err
			}
		}
	}
}

// refill moves the unparsed bytes to the front of the buffer, grows it if
// one record fills it, and reads more.
func (r *Reader) refill() error {
	if r.readErr != nil {
		return r.readErr
	}
	if r.pos > 0 {
		r.end = copy(r.buf, r.buf[r.pos:r.end])
		r.base += int64(r.pos)
		r.pos = 0
	}
	full := r.end == len(r.buf) // one record fills the buffer
	if full && r.end >= r.opt.MaxRecordBytes {
		r.readErr = &parse.Error{Source: r.source, Line: r.line, Column: 1, Offset: r.base,
			Err: fmt.Errorf("%w: a record starting here is longer than %d bytes (csv.Options.MaxRecordBytes); is a quote left open?", parse.ErrRecordTooLong, r.opt.MaxRecordBytes)}
		return r.readErr
	}
	if full || len(r.buf) < readChunk {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			r.readErr = &parse.Error{Source: r.source, Line: r.line, Offset: r.base + int64(r.end),
				Err: fmt.Errorf("reading: %w", err)}
			return r.readErr
		}
		if n > 0 {
			return nil
		}
	}
}

// parseRecord parses one record from buf[pos:end]. When the buffer ends
// before the record does (and the input does not), it undoes what it wrote
// and asks for more; the caller refills and calls again.
func (r *Reader) parseRecord() recStatus {
	end := r.end
	buf := r.buf[:end]
	p := r.pos
	eof := r.eof
	if p >= end {
		if eof {
			return stEOF
		}
		return stMore
	}
	if b := buf[p]; b == '\n' || b == '\r' { // blank line
		if b == '\r' {
			if p+1 < end {
				if buf[p+1] == '\n' {
					p++
				}
			} else if !eof {
				return stMore
			}
		}
		p++
		r.pos, r.line, r.lineStart = p, r.line+1, r.base+int64(p)
		return stBlank
	}

	row := r.rows
	line, lineStart := r.line, r.lineStart
	mark := r.issues.Len()
	delim, quote := r.opt.Delimiter, r.opt.Quote
	special := &r.special
	masks := &r.masks
	field := 0
	for {
		if r.headerMode && field >= r.opt.MaxColumns {
			r.rewind(row, mark)
			r.recErr = &parse.Error{Source: r.source, Line: line, Column: r.base + int64(p) - lineStart + 1, Offset: r.base + int64(p),
				Err: fmt.Errorf("%w: the header has more than %d columns (csv.Options.MaxColumns)", parse.ErrTooManyColumns, r.opt.MaxColumns)}
			return stErr
		}
		fp, fline, fls := p, line, lineStart // where the field starts, for errors
		c, fi := r.column(field)
		surplus := field > fi
		keep := len(c.data)
		if surplus && !r.opt.DropSurplus { // a field past the header's count joins the last one
			r.appendTo(c, []byte{delim})
		}
		if p < end && buf[p] == quote {
			qcol := r.base + int64(p) - lineStart + 1
			p++
			for {
				i := bytes.IndexByte(buf[p:end], quote)
				if i < 0 {
					if !eof {
						r.rewind(row, mark)
						return stMore
					}
					seg := buf[p:end]
					line, lineStart = countLines(seg, line, lineStart, r.base+int64(p))
					r.appendTo(c, seg)
					p = end
					r.issues.Add(row, fi, issue.UnterminatedQuote, qcol)
					break
				}
				seg := buf[p : p+i]
				line, lineStart = countLines(seg, line, lineStart, r.base+int64(p))
				r.appendTo(c, seg)
				p += i + 1
				if p < end && buf[p] == quote {
					r.appendTo(c, buf[p:p+1])
					p++
					continue
				}
				if p >= end && !eof {
					r.rewind(row, mark)
					return stMore
				}
				break
			}
			if p < end {
				if b := buf[p]; b != delim && b != '\n' && b != '\r' {
					r.issues.Add(row, fi, issue.BadQuote, r.base+int64(p)-lineStart+1)
					j := p
					for j < end && buf[j] != delim && buf[j] != '\n' && buf[j] != '\r' {
						j++
					}
					if j >= end && !eof {
						r.rewind(row, mark)
						return stMore
					}
					r.appendTo(c, buf[p-1:j]) // the closing quote was not one: keep it
					p = j
				}
			}
		} else {
			j := p
			bare := false
			for j < end {
				if j+8 <= end { // eight bytes at a time to the next special byte
					w := binary.LittleEndian.Uint64(buf[j:])
					m := hasByte(w, masks[0]) | hasByte(w, masks[1]) | hasByte(w, masks[2]) | hasByte(w, masks[3])
					if m == 0 {
						j += 8
						continue
					}
					j += bits.TrailingZeros64(m) >> 3
				}
				b := buf[j]
				if !special[b] {
					j++
					continue
				}
				if b == quote {
					if !bare {
						r.issues.Add(row, fi, issue.BareQuote, r.base+int64(j)-lineStart+1)
						bare = true
					}
					j++
					continue
				}
				break
			}
			if j >= end && !eof {
				r.rewind(row, mark)
				return stMore
			}
			r.appendTo(c, buf[p:j])
			p = j
		}
		if surplus && r.opt.DropSurplus {
			c.data = c.data[:keep]
		}
		if n := len(c.data) - int(c.offs[row]); n > r.opt.MaxFieldBytes {
			r.recErr = r.fieldTooLong(row, mark, fi, n, fline, r.base+int64(fp), fls)
			return stErr
		}
		c.offs[row+1] = int32(len(c.data))
		field++
		if p < end && buf[p] == delim {
			p++
			continue
		}
		if p < end { // a line break ends the record
			if buf[p] == '\r' {
				if p+1 < end {
					if buf[p+1] == '\n' {
						p++
					}
				} else if !eof {
					r.rewind(row, mark)
					return stMore
				}
			}
			p++
			line++
			lineStart = r.base + int64(p)
		}
		break
	}
	if !r.headerMode && field != r.nf {
		for f := field; f < r.nf; f++ {
			c := &r.cols[f]
			c.offs[row+1] = int32(len(c.data))
		}
		r.issues.Add(row, columnar.RowLevel, issue.FieldCount, int64(field))
	}
	r.lines[row] = r.line
	r.offs[row] = r.base + int64(r.pos)
	r.rows++
	r.bytes += p - r.pos
	r.pos, r.line, r.lineStart = p, line, lineStart
	return stOK
}

// fieldTooLong undoes the record row and explains that its field fi,
// starting on line at stream offset off (the line starting at lineStart),
// is n bytes long.
func (r *Reader) fieldTooLong(row, mark, fi, n int, line, off, lineStart int64) error {
	r.rewind(row, mark)
	pe := &parse.Error{Source: r.source, Line: line, Column: off - lineStart + 1, Offset: off,
		Err: fmt.Errorf("%w: field %d of the record starting at line %d is %d bytes, longer than %d (csv.Options.MaxFieldBytes)",
			parse.ErrFieldTooLong, fi+1, r.line, n, r.opt.MaxFieldBytes)}
	if fi < len(r.header) {
		pe.Field = r.header[fi]
	}
	return pe
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasByte has the high bit set in the lowest byte of w that equals the
// byte repeated in mask (higher bytes may be set spuriously, the lowest
// never is).
func hasByte(w, mask uint64) uint64 {
	x := w ^ mask
	return (x - lsb) &^ x & msb
}

// column returns the buffer that field i goes to and its index: in header
// mode a new column per field; otherwise the field's column, or the last
// one for fields past the header's count.
func (r *Reader) column(i int) (*colBuf, int) {
	if r.headerMode {
		for len(r.cols) <= i {
			r.cols = append(r.cols, colBuf{data: make([]byte, 0, 32), offs: make([]int32, 2)})
		}
		return &r.cols[i], i
	}
	if i >= r.nf {
		i = r.nf - 1
	}
	return &r.cols[i], i
}

func countLines(seg []byte, line, lineStart, segOff int64) (int64, int64) {
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		line += int64(n)
		lineStart = segOff + int64(bytes.LastIndexByte(seg, '\n')) + 1
	}
	return line, lineStart
}

// rewind undoes the partly parsed record row.
func (r *Reader) rewind(row, mark int) {
	if r.headerMode {
		r.cols = r.cols[:0]
	} else {
		for i := range r.cols {
			c := &r.cols[i]
			c.data = c.data[:c.offs[row]]
		}
	}
	r.issues.Row, r.issues.Col = r.issues.Row[:mark], r.issues.Col[:mark]
	r.issues.Code, r.issues.Arg = r.issues.Code[:mark], r.issues.Arg[:mark]
}

func (r *Reader) appendTo(c *colBuf, b []byte) {
	if len(c.data)+len(b) > cap(c.data) {
		r.grow(c, len(b))
	}
	c.data = append(c.data, b...)
}

func (r *Reader) grow(c *colBuf, need int) {
	n := max(2*cap(c.data), len(c.data)+need+4096)
	if c.raw == nil { // header mode: Go memory
		nd := make([]byte, len(c.data), n)
		copy(nd, c.data)
		c.data = nd
		return
	}
	c.raw = r.mem.Reallocate(n, c.raw)
	c.data = c.raw[:len(c.data):len(c.raw)]
}

// startBatch allocates the buffers of a new batch.
func (r *Reader) startBatch() {
	r.rows, r.bytes = 0, 0
	r.issues = columnar.Issues{}
	n := r.opt.BatchRows
	if r.headerMode {
		n = 1
	}
	r.rawL = r.mem.Allocate(8 * n)
	r.rawF = r.mem.Allocate(8 * n)
	r.lines = arrow.Int64Traits.CastFromBytes(r.rawL)
	r.offs = arrow.Int64Traits.CastFromBytes(r.rawF)
	if r.headerMode {
		return
	}
	if len(r.cols) != r.nf {
		r.cols = make([]colBuf, r.nf)
	}
	for i := range r.cols {
		c := &r.cols[i]
		size := max(r.estSize[i]+r.estSize[i]/8, 4096)
		c.raw = r.mem.Allocate(size)
		c.data = c.raw[:0:len(c.raw)]
		c.rawO = r.mem.Allocate(4 * (n + 1))
		c.offs = arrow.Int32Traits.CastFromBytes(c.rawO)
		c.offs[0] = 0
	}
}

// freeBatch returns the buffers of an unfinished batch.
func (r *Reader) freeBatch() {
	r.mem.Free(r.rawL)
	r.mem.Free(r.rawF)
	r.rawL, r.rawF, r.lines, r.offs = nil, nil, nil, nil
	for i := range r.cols {
		c := &r.cols[i]
		if c.raw != nil {
			r.mem.Free(c.raw)
			r.mem.Free(c.rawO)
		}
		*c = colBuf{}
	}
}

// finishBatch wraps the buffers of the batch under construction as Arrow
// arrays, checks UTF-8, and hands the batch over.
func (r *Reader) finishBatch() *columnar.Batch {
	n := r.rows
	arrs := make([]arrow.Array, 0, r.nf+2)
	for i := range r.cols {
		c := &r.cols[i]
		if !utf8.Valid(c.data) {
			r.flagInvalidUTF8(i, c, n)
		}
		r.estSize[i] = len(c.data)
		arrs = append(arrs, r.wrap(arrow.BinaryTypes.String, n, c.rawO, c.raw))
		*c = colBuf{}
	}
	arrs = append(arrs, r.wrap(arrow.PrimitiveTypes.Int64, n, r.rawL), r.wrap(arrow.PrimitiveTypes.Int64, n, r.rawF))
	b := &columnar.Batch{
		Source:  r.source,
		Seq:     r.seq,
		Rec:     array.NewRecordBatch(r.schema, arrs, int64(n)),
		Issues:  r.issues,
		PrevKey: r.prevKey,
		Carry:   r.carry,
	}
	for _, a := range arrs {
		a.Release()
	}
	r.rawL, r.rawF, r.lines, r.offs = nil, nil, nil, nil
	r.issues = columnar.Issues{}
	r.seq++
	if r.carryCol != nil {
		r.carryForward(b)
	} else if r.keyCol >= 0 {
		k := b.Field(r.keyCol)
		for i := n - 1; i >= 0; i-- {
			if v := k.Value(i); v != "" {
				r.prevKey = strings.Clone(v)
				break
			}
		}
	}
	return b
}

// carryForward finds the first row of the batch's last record begun in
// it, if any, and keeps its carried values (and the key in force) for the
// next batch. A new slice is made so that b keeps its own.
func (r *Reader) carryForward(b *columnar.Batch) {
	k := columnar.StringsOf(b.Field(r.keyCol))
	cur := []byte(r.prevKey)
	start := -1
	for i := range k.Len() {
		if v := k.At(i); len(v) > 0 && string(v) != string(cur) {
			cur = v
			start = i
		}
	}
	if start < 0 {
		return
	}
	r.prevKey = string(cur)
	r.carry = make([]string, len(r.carryCol))
	for i, c := range r.carryCol {
		if c >= 0 {
			r.carry[i] = strings.Clone(b.Field(c).Value(start))
		}
	}
}

// wrap makes an array of n values over allocator-owned buffers (the last
// one is the values; a string array gets offsets first).
func (r *Reader) wrap(t arrow.DataType, n int, bufs ...[]byte) arrow.Array {
	mbufs := make([]*memory.Buffer, 1, 3)
	for _, b := range bufs {
		mbufs = append(mbufs, memory.NewBufferWithAllocator(b, r.mem))
	}
	d := array.NewData(t, n, mbufs, nil, 0, 0)
	for _, b := range mbufs[1:] {
		b.Release()
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// flagInvalidUTF8 adds an InvalidUTF8 issue for every value of column i
// that is not UTF-8, with the byte index of the first bad byte.
func (r *Reader) flagInvalidUTF8(i int, c *colBuf, n int) {
	for row := range n {
		v := c.data[c.offs[row]:c.offs[row+1]]
		if utf8.Valid(v) {
			continue
		}
		k := 0
		for k < len(v) {
			ru, size := utf8.DecodeRune(v[k:])
			if ru == utf8.RuneError && size <= 1 {
				break
			}
			k += size
		}
		r.issues.Add(row, i, issue.InvalidUTF8, int64(k))
	}
}

// Schema returns the schema of the batches: the header's string columns,
// then the provenance columns.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next reads the next batch for the RecordReader interface, releasing the
// previous one. It returns false at the end or on an error (see Err).
func (r *Reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	b, err := r.ReadBatch()
	if err != nil {
		return false
	}
	r.cur = b
	return true
}

// Batch returns the current batch of Next, valid until the next call to
// Next; Retain it to keep it.
func (r *Reader) Batch() *columnar.Batch { return r.cur }

// RecordBatch returns the current record of Next, valid until the next call.
func (r *Reader) RecordBatch() arrow.RecordBatch {
	if r.cur == nil {
		return nil
	}
	return r.cur.Rec
}

// Record is RecordBatch, for the deprecated part of the RecordReader interface.
//
// Deprecated: use RecordBatch.
func (r *Reader) Record() arrow.RecordBatch { return r.RecordBatch() }

// Err returns the error that stopped Next, or nil at the normal end.
func (r *Reader) Err() error {
	if errors.Is(r.err, io.EOF) {
		return nil
	}
	return r.err
}

// Retain adds a reference to the reader.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one frees the current batch.
func (r *Reader) Release() {
	if r.refs.Add(-1) == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

var _ array.RecordReader = (*Reader)(nil)
