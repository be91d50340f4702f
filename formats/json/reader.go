package json

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
)

// The read buffer starts small, so that small inputs (and fuzzing) cost
// little, and doubles each time a read fills it, up to readChunk (or the
// longest record).
const (
	firstChunk = 64 << 10
	readChunk  = 1 << 20
	sniffBytes = 1 << 10
	// rowBudget bounds a batch's per-row buffers (offsets, validity,
	// types) over all its columns: wide records get shorter batches.
	rowBudget = 16 << 20
)

// colBuf accumulates one column of the batch under construction. Scratch
// buffers (keys, the rest object) are colBufs in Go memory (raw nil).
type colBuf struct {
	name  string
	data  []byte  // the values back to back; cap from the allocator
	raw   []byte  // the allocation behind data
	offs  []int32 // rows+1 offsets
	rawO  []byte
	valid []byte // validity bitmap
	types []columnar.ValueType
	set   int // the row last written, or -1
	est   int // bytes of the last batch: the next one's first guess
}

// Reader reads a JSON input into columnar batches: one nullable string
// column per field, then the provenance columns, with the JSON type of
// every value in Batch.Types. It implements array.RecordReader; ReadBatch
// gives the batches with their issues.
//
// Columns. With Options.Fields the columns are those fields and then
// Options.RestColumn, in every batch. Otherwise they are discovered: a key
// gets a column when first seen, appended after the existing ones, and
// keeps its index for the rest of the input. So each batch's schema
// extends the one before it: a batch has every column seen up to its end,
// rows before a key's first appearance hold null (TypeAbsent) there, and
// a column first seen in a later batch is absent from the earlier ones
// (read it as null). Schema returns the latest batch's schema.
//
// Rows. Each record is a row whose _line and _offset are those of its
// first byte (its '{', or the first non-blank byte of a rejected line).
// A JSON Lines record that cannot be read (CodeSyntax, CodeTooDeep,
// CodeRecordTooLong) is still a row, with null values and the issue, so
// that every line is accounted for; blank lines are no rows.
type Reader struct {
	opt    Options
	src    io.Reader
	source string
	mem    memory.Allocator
	shape  Shape

	// Input.
	buf       []byte
	pos, end  int
	eof       bool
	readErr   error
	base      int64 // stream offset of buf[0]
	line      int64 // line number at buf[pos]
	lineStart int64 // stream offset of that line's start
	skipping  bool  // discarding an over-long JSON line
	arr       int   // state between the records of an array or object stream

	// Scanner: the cursor, the end of what may be scanned, and the line
	// it is on; the last problem.
	p, lim            int
	hard              bool
	sline, slineStart int64
	prob              Problem
	probAt            int
	stk               []byte
	run               int // start of the raw text not yet copied (see rawValue)

	// Columns.
	cols    []*colBuf
	index   map[string]int
	pred    []int32 // pred[c+2]: the column whose key followed column c's last time (c = -1: the first key; -2: a rest key)
	fixed   bool
	rest    int // index of the rest column, or -1
	key     colBuf
	restBuf colBuf              // the rest object of the record being read
	restKey []byte              // its keys so far, back to back (to find duplicates)
	restEnd []int               // where each key ends in restKey
	restAt  []int               // where each member starts in restBuf
	restSet map[string]struct{} // the keys, when there are many
	keep    [][]columnar.ValueType

	// Batch under construction.
	lines, offs []int64
	rawL, rawF  []byte
	rows        int
	rowsCap     int
	bytes       int
	issues      columnar.Issues
	schema      *arrow.Schema
	schemaN     int

	seq  int
	err  error // sticky
	cur  *columnar.Batch
	refs atomic.Int64
}

// NewReader returns a reader of r. With Options.Shape Auto it reads the
// first KiB to detect the shape and fails with ErrNotJSON if the input is
// not JSON. source names the input in errors and provenance.
func NewReader(r io.Reader, source string, opt Options) (*Reader, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	jr := &Reader{
		opt: opt, src: r, source: source, mem: opt.Allocator, shape: opt.Shape,
		buf: make([]byte, firstChunk), line: 1, rest: -1,
		index: make(map[string]int),
	}
	jr.refs.Store(1)
	jr.key.set, jr.restBuf.set = -1, -1
	if opt.Fields != nil {
		jr.fixed = true
		for i, f := range opt.Fields {
			jr.index[f] = i
			jr.cols = append(jr.cols, &colBuf{name: f, set: -1})
		}
		jr.rest = len(jr.cols)
		jr.cols = append(jr.cols, &colBuf{name: opt.RestColumn, set: -1})
	}
	for !jr.eof && jr.end < sniffBytes && jr.readErr == nil {
		jr.fill()
	}
	if jr.readErr != nil {
		return nil, jr.readErr
	}
	if bytes.HasPrefix(jr.buf[:jr.end], bom) {
		jr.pos = len(bom)
	}
	if jr.shape == Auto {
		jr.shape = Sniff(jr.buf[:jr.end])
		if jr.shape == NotJSON {
			if len(bytes.TrimLeft(jr.buf[jr.pos:jr.end], " \t\r\n")) == 0 {
				jr.shape = Lines // empty: no records
			} else {
				jr.p, jr.lim, jr.sline = jr.pos, jr.end, 1
				jr.ws()
				return nil, jr.fatal(ErrNotJSON, "'[' or '{'", jr.p)
			}
		}
	}
	return jr, nil
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// Shape returns the shape read (detected, with Auto).
func (r *Reader) Shape() Shape { return r.shape }

// Source returns the name the reader was given for its input.
func (r *Reader) Source() string { return r.source }

// Line returns the line number the next record starts on (or the line the
// reader stopped at).
func (r *Reader) Line() int64 { return r.line }

// InputOffset returns the byte offset of the next unread byte.
func (r *Reader) InputOffset() int64 { return r.base + int64(r.pos) }

// Fields returns the names of the data columns so far.
func (r *Reader) Fields() []string {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.name
	}
	return names
}

// fill reads more input after buf[:end], growing the buffer when it is
// full.
func (r *Reader) fill() {
	if r.end == len(r.buf) || len(r.buf) < readChunk && r.end > len(r.buf)/2 {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return
		}
		if err != nil {
			r.readErr = &ParseError{Source: r.source, Line: r.line, Offset: r.base + int64(r.end),
				Err: fmt.Errorf("reading: %w", err)}
			return
		}
		if n > 0 {
			return
		}
	}
}

// refill moves the unparsed bytes to the front of the buffer and reads
// until it is full (or the input ends). Filling it, rather than taking
// what one read gives, bounds how often a long record is scanned again
// from its start: once per doubling of the buffer.
func (r *Reader) refill() error {
	if r.readErr != nil {
		return r.readErr
	}
	if r.pos > 0 {
		r.end = copy(r.buf, r.buf[r.pos:r.end])
		r.base += int64(r.pos)
		r.pos = 0
	}
	r.fill()
	for r.readErr == nil && !r.eof && r.end < len(r.buf) {
		r.fill()
	}
	return r.readErr
}

// fatal makes the error that stops the input at buffer index at, on the
// scanner's line.
func (r *Reader) fatal(cause error, expected string, at int) error {
	found := "the end of the input"
	if at < r.lim {
		found = describeFound(int(r.buf[at]), "input")
	}
	return &ParseError{Source: r.source, Line: r.sline, Column: r.col(at), Offset: r.base + int64(at),
		Err: fmt.Errorf("%w: expected %s, found %s", cause, expected, found)}
}

// ReadBatch returns the next batch, which the caller owns (Release it), or
// io.EOF after the last one. Another error means the rest of the input
// cannot be read (I/O, a syntax error in an array, a record past
// MaxRecordBytes in an array); the rows read before it come first as a
// batch of their own.
func (r *Reader) ReadBatch() (*columnar.Batch, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.startBatch()
	for r.rows < r.rowsCap && r.bytes < r.opt.BatchBytes {
		var done bool
		var err error
		if r.shape == Lines {
			done, err = r.nextLine()
		} else {
			done, err = r.nextElement()
		}
		if err != nil {
			r.err = err
			break
		}
		if done {
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

// nextLine reads the next non-blank line into a row. done means the input
// ended.
func (r *Reader) nextLine() (done bool, err error) {
	for {
		if r.skipping {
			if i := bytes.IndexByte(r.buf[r.pos:r.end], '\n'); i >= 0 {
				r.pos += i + 1
				r.line++
				r.lineStart = r.base + int64(r.pos)
				r.skipping = false
				continue
			}
			r.pos = r.end
			if r.eof {
				return true, nil
			}
			if err := r.refill(); err != nil {
				return false, err
			}
			continue
		}
		lineEnd := r.end
		next := r.end
		if i := bytes.IndexByte(r.buf[r.pos:r.end], '\n'); i >= 0 {
			lineEnd = r.pos + i
			next = lineEnd + 1
		} else if !r.eof {
			if r.end-r.pos > r.opt.MaxRecordBytes {
				r.tooLong()
				r.skipping = true
				return false, nil
			}
			if err := r.refill(); err != nil {
				return false, err
			}
			continue
		} else if r.pos == r.end {
			return true, nil
		}
		added := true
		if lineEnd-r.pos > r.opt.MaxRecordBytes {
			r.tooLong()
		} else {
			added = r.parseLine(lineEnd)
		}
		r.pos = next
		if next > lineEnd {
			r.line++
			r.lineStart = r.base + int64(next)
		}
		if added {
			return false, nil
		}
	}
}

// tooLong adds a row for the over-long record starting at r.pos.
func (r *Reader) tooLong() {
	row := r.rows
	r.lines[row], r.offs[row] = r.line, r.base+int64(r.pos)
	r.issues.Add(row, columnar.RowLevel, CodeRecordTooLong, int64(r.opt.MaxRecordBytes))
	r.endRow()
}

// parseLine parses the line buf[pos:lineEnd] into a row, unless it is
// blank; it says whether it added a row.
func (r *Reader) parseLine(lineEnd int) bool {
	r.p, r.lim, r.hard = r.pos, lineEnd, true
	r.sline, r.slineStart = r.line, r.lineStart
	r.ws()
	if r.p >= r.lim {
		return false
	}
	row := r.rows
	mark := r.issues.Len()
	r.lines[row], r.offs[row] = r.line, r.base+int64(r.p)
	var st status
	if r.buf[r.p] != '{' {
		st = r.fail(ProbObject, r.p)
	} else if st = r.record(); st == sOK {
		r.ws()
		if r.p < r.lim {
			st = r.fail(ProbEndOfLine, r.p)
		}
	}
	if st != sOK {
		r.rewind(row, mark)
		if r.prob == ProbDepth {
			r.issues.Add(row, columnar.RowLevel, CodeTooDeep, r.col(r.probAt))
		} else {
			found := -1
			if r.probAt < r.lim {
				found = int(r.buf[r.probAt])
			}
			r.issues.Add(row, columnar.RowLevel, CodeSyntax, SyntaxArg(r.prob, found, r.col(r.probAt)))
		}
	}
	r.bytes += lineEnd - r.pos
	r.endRow()
	return true
}

// Between the records of an array or object stream.
const (
	aStart = iota // before '[' (Array) or before the next object (Objects)
	aFirst        // after '[': an element or ']'
	aElem         // after ',': an element
	aAfter        // after an element: ',' or ']'
	aDone         // after ']': only whitespace
)

// nextElement reads the next record of an array or object stream into a
// row. done means the input ended.
func (r *Reader) nextElement() (done bool, err error) {
	for {
		r.p, r.lim, r.hard = r.pos, r.end, r.eof
		r.sline, r.slineStart = r.line, r.lineStart
		r.ws()
		r.commit()
		if r.p >= r.lim {
			if !r.eof {
				if err := r.refill(); err != nil {
					return false, err
				}
				continue
			}
			switch {
			case r.shape == Objects && r.arr == aStart, r.arr == aDone:
				return true, nil
			case r.arr == aStart:
				return false, r.fatal(ErrSyntax, ProbArrayStart.String(), r.p)
			case r.arr == aFirst:
				return false, r.fatal(ErrSyntax, ProbValueOrBracket.String(), r.p)
			case r.arr == aElem:
				return false, r.fatal(ErrSyntax, ProbValue.String(), r.p)
			default:
				return false, r.fatal(ErrSyntax, ProbCommaOrBracket.String(), r.p)
			}
		}
		c := r.buf[r.p]
		switch r.arr {
		case aStart:
			if r.shape == Objects {
				break // an element
			}
			if c != '[' {
				return false, r.fatal(ErrSyntax, ProbArrayStart.String(), r.p)
			}
			r.p++
			r.arr = aFirst
			r.commit()
			continue
		case aFirst:
			if c == ']' {
				r.p++
				r.arr = aDone
				r.commit()
				continue
			}
		case aAfter:
			switch c {
			case ',':
				r.p++
				r.arr = aElem
				r.commit()
				continue
			case ']':
				r.p++
				r.arr = aDone
				r.commit()
				continue
			}
			return false, r.fatal(ErrSyntax, ProbCommaOrBracket.String(), r.p)
		case aDone:
			return false, r.fatal(ErrSyntax, ProbEndOfInput.String(), r.p)
		}
		// An element at r.p.
		row := r.rows
		mark := r.issues.Len()
		r.lines[row], r.offs[row] = r.sline, r.base+int64(r.p)
		start := r.p
		var st status
		notObject := c != '{'
		if notObject {
			if r.shape == Objects {
				return false, r.fatal(ErrSyntax, ProbObject.String(), r.p)
			}
			r.key.data = r.key.data[:0]
			_, st = r.rawValue(&r.key, columnar.RowLevel, 1)
			if st == sOK && r.p >= r.lim && !r.hard {
				st = sMore
			}
		} else {
			st = r.record()
		}
		switch st {
		case sMore:
			r.rewind(row, mark)
			if r.end-r.pos > r.opt.MaxRecordBytes {
				r.sline, r.slineStart = r.line, r.lineStart
				r.lim = r.end
				return false, &ParseError{Source: r.source, Line: r.line, Column: r.col(start), Offset: r.base + int64(start),
					Err: fmt.Errorf("%w: a record starting here is longer than %d bytes", ErrTooLong, r.opt.MaxRecordBytes)}
			}
			if err := r.refill(); err != nil {
				return false, err
			}
			continue
		case sFail:
			r.rewind(row, mark)
			cause := ErrSyntax
			if r.prob == ProbDepth {
				cause = ErrTooDeep
			}
			return false, r.fatal(cause, r.prob.String(), r.probAt)
		}
		if notObject {
			r.issues.Add(row, columnar.RowLevel, CodeSyntax, SyntaxArg(ProbObject, int(c), r.col(start)))
		}
		if r.shape == Array {
			r.arr = aAfter
		}
		r.bytes += r.p - start
		r.commit()
		r.endRow()
		return false, nil
	}
}

// commit makes the scanner's position the reader's.
func (r *Reader) commit() {
	r.pos, r.line, r.lineStart = r.p, r.sline, r.slineStart
}

// record parses the object at r.p (its '{') into the row r.rows.
func (r *Reader) record() status {
	row := r.rows
	r.p++
	r.ws()
	if r.p >= r.lim {
		return r.short(ProbKeyOrEnd, r.p)
	}
	if r.buf[r.p] == '}' {
		r.p++
		return sOK
	}
	r.restBuf.data = r.restBuf.data[:0]
	r.restKey, r.restEnd, r.restAt = r.restKey[:0], r.restEnd[:0], r.restAt[:0]
	clear(r.restSet)
	prev := -1
	for k := 0; ; k++ {
		if r.buf[r.p] != '"' {
			if k == 0 {
				return r.fail(ProbKeyOrEnd, r.p)
			}
			return r.fail(ProbKey, r.p)
		}
		keyAt := r.p
		r.key.data = r.key.data[:0]
		if st := r.str(&r.key, false, columnar.RowLevel); st != sOK {
			return st
		}
		r.ws()
		if r.p >= r.lim {
			return r.short(ProbColon, r.p)
		}
		if r.buf[r.p] != ':' {
			return r.fail(ProbColon, r.p)
		}
		r.p++
		r.ws()
		if r.p >= r.lim {
			return r.short(ProbValue, r.p)
		}
		ci := r.lookup(prev, keyAt)
		prev = max(ci, -2)
		if ci >= 0 {
			c := r.cols[ci]
			if c.set == row { // a duplicate: the last one wins
				r.issues.Add(row, ci, CodeDuplicateKey, r.col(keyAt))
				c.data = c.data[:c.offs[row]]
				c.valid[row>>3] &^= 1 << (row & 7)
			}
			c.set = row
			valAt := r.p
			t, st := r.value(c, ci, 2)
			if st != sOK {
				return st
			}
			c.offs[row+1] = int32(len(c.data))
			c.types[row] = t
			if t != columnar.TypeNull {
				if len(c.data)-int(c.offs[row]) > r.opt.MaxFieldBytes {
					r.issues.Add(row, ci, CodeFieldTooLong, r.col(valAt))
					c.data = c.data[:c.offs[row]]
					c.offs[row+1] = c.offs[row]
				} else {
					c.valid[row>>3] |= 1 << (row & 7)
				}
			}
		} else if st := r.restMember(keyAt); st != sOK {
			return st
		}
		r.ws()
		if r.p >= r.lim {
			return r.short(ProbCommaOrBrace, r.p)
		}
		switch r.buf[r.p] {
		case ',':
			r.p++
			r.ws()
			if r.p >= r.lim {
				return r.short(ProbKey, r.p)
			}
			continue
		case '}':
			r.p++
			return r.endRest(row)
		}
		return r.fail(ProbCommaOrBrace, r.p)
	}
}

// lookup returns the column of the key in r.key, which follows a key of
// column prev (-1: none; -2: a rest key), discovering it if need be, or
// -1 for the rest column. Records of a feed mostly list their keys in the
// same order, so the column that followed prev last time is tried first.
func (r *Reader) lookup(prev, keyAt int) int {
	key := r.key.data
	slot := prev + 2
	if slot < len(r.pred) {
		if ci := r.pred[slot]; ci >= 0 && r.cols[ci].name == string(key) {
			return int(ci)
		}
	}
	ci, ok := r.index[string(key)]
	if !ok {
		ci = -1
		if !r.fixed {
			switch name := string(key); {
			case name == columnar.LineColumn || name == columnar.OffsetColumn || name == r.opt.RestColumn:
			case len(r.cols) >= r.opt.MaxColumns:
				r.issues.Add(r.rows, columnar.RowLevel, CodeTooManyKeys, r.col(keyAt))
			default:
				ci = r.addColumn(name)
			}
		}
	}
	for len(r.pred) < len(r.cols)+2 {
		r.pred = append(r.pred, -1)
	}
	r.pred[slot] = int32(ci)
	return ci
}

// restMember appends the member whose key is in r.key and whose value is
// at r.p to the record's rest object.
func (r *Reader) restMember(keyAt int) status {
	row := r.rows
	if r.rest < 0 {
		r.rest = len(r.cols)
		r.addColumn(r.opt.RestColumn)
	}
	key := r.key.data
	// Duplicates: a linear search of the keys so far, or past 32 members a
	// set of them (records with that many keys for the rest are rare).
	if len(r.restEnd) < 32 {
		r.restDup(row, keyAt)
	} else {
		if r.restSet == nil {
			r.restSet = make(map[string]struct{})
		}
		if len(r.restSet) == 0 {
			start := 0
			for _, end := range r.restEnd {
				r.restSet[string(r.restKey[start:end])] = struct{}{}
				start = end
			}
		}
		if _, dup := r.restSet[string(key)]; dup {
			r.restDup(row, keyAt)
		} else {
			r.restSet[string(key)] = struct{}{}
		}
	}
	r.restKey = append(r.restKey, key...)
	r.restEnd = append(r.restEnd, len(r.restKey))
	r.restAt = append(r.restAt, len(r.restBuf.data))
	r.put(&r.restBuf, comma)
	r.restBuf.data = columnar.AppendJSONString(r.restBuf.data, r.key.data)
	r.put(&r.restBuf, colon)
	valAt := r.p
	mark := len(r.restBuf.data)
	_, st := r.rawValue(&r.restBuf, r.rest, 2)
	if st == sOK && len(r.restBuf.data)-mark > r.opt.MaxFieldBytes {
		r.issues.Add(row, r.rest, CodeFieldTooLong, r.col(valAt))
		r.restBuf.data = append(r.restBuf.data[:mark], litNull...)
	}
	return st
}

// restDup removes from the record's rest object an earlier member with
// the key in r.key, if any: the last one wins.
func (r *Reader) restDup(row, keyAt int) {
	key := r.key.data
	for i, end := range r.restEnd {
		kstart := 0
		if i > 0 {
			kstart = r.restEnd[i-1]
		}
		if string(r.restKey[kstart:end]) != string(key) {
			continue
		}
		r.issues.Add(row, r.rest, CodeDuplicateKey, r.col(keyAt))
		from, to := r.restAt[i], len(r.restBuf.data)
		if i+1 < len(r.restAt) {
			to = r.restAt[i+1]
		}
		n := copy(r.restBuf.data[from:], r.restBuf.data[to:])
		r.restBuf.data = r.restBuf.data[:from+n]
		kn := copy(r.restKey[kstart:], r.restKey[end:])
		r.restKey = r.restKey[:kstart+kn]
		for j := i + 1; j < len(r.restAt); j++ {
			r.restAt[j] -= to - from
			r.restEnd[j] -= end - kstart
		}
		r.restAt = append(r.restAt[:i], r.restAt[i+1:]...)
		r.restEnd = append(r.restEnd[:i], r.restEnd[i+1:]...)
		return
	}
}

var (
	comma = []byte{','}
	colon = []byte{':'}
	brace = []byte{'}'}
)

// endRest writes the record's rest object, if it has members, into the
// rest column.
func (r *Reader) endRest(row int) status {
	if len(r.restBuf.data) == 0 {
		return sOK
	}
	r.restBuf.data[0] = '{'
	c := r.cols[r.rest]
	c.set = row
	r.put(c, r.restBuf.data)
	r.put(c, brace)
	c.offs[row+1] = int32(len(c.data))
	c.types[row] = columnar.TypeObject
	c.valid[row>>3] |= 1 << (row & 7)
	r.restBuf.data = r.restBuf.data[:0]
	return sOK
}

// endRow completes the row r.rows: columns it did not set get a null.
func (r *Reader) endRow() {
	row := r.rows
	for _, c := range r.cols {
		if c.set != row {
			c.offs[row+1] = int32(len(c.data))
			c.types[row] = columnar.TypeAbsent
		}
	}
	r.rows++
}

// rewind undoes what parsing row wrote.
func (r *Reader) rewind(row, mark int) {
	for _, c := range r.cols {
		if c.set == row {
			c.data = c.data[:c.offs[row]]
			c.valid[row>>3] &^= 1 << (row & 7)
			c.set = -1
		}
	}
	r.restBuf.data = r.restBuf.data[:0]
	r.issues.Row, r.issues.Col = r.issues.Row[:mark], r.issues.Col[:mark]
	r.issues.Code, r.issues.Arg = r.issues.Code[:mark], r.issues.Arg[:mark]
}

// put appends b to c, growing its buffer (from the allocator, unless c is
// a scratch buffer) when needed.
func (r *Reader) put(c *colBuf, b []byte) {
	if len(c.data)+len(b) > cap(c.data) {
		r.grow(c, len(b))
	}
	c.data = append(c.data, b...)
}

func (r *Reader) grow(c *colBuf, need int) {
	n := max(2*cap(c.data), len(c.data)+need+4096)
	if c.raw == nil {
		nd := make([]byte, len(c.data), n)
		copy(nd, c.data)
		c.data = nd
		return
	}
	c.raw = r.mem.Reallocate(n, c.raw)
	c.data = c.raw[:len(c.data):len(c.raw)]
}

// addColumn adds a column discovered in the row r.rows; the rows before
// hold null.
func (r *Reader) addColumn(name string) int {
	// A batch's per-row buffers stay near rowBudget: as columns come, the
	// batch under construction ends sooner.
	if n := rowBudget / ((len(r.cols) + 1) * 16); n < r.rowsCap {
		r.rowsCap = min(r.rowsCap, max(n, r.rows+1, 16))
	}
	c := &colBuf{name: name, set: -1}
	r.alloc(c)
	for i := 0; i <= r.rows; i++ {
		c.offs[i] = 0
	}
	for i := 0; i < r.rows; i++ {
		c.types[i] = columnar.TypeAbsent
	}
	r.cols = append(r.cols, c)
	if r.rest < 0 || name != r.opt.RestColumn { // the rest column is no key's
		r.index[name] = len(r.cols) - 1
	}
	return len(r.cols) - 1
}

// alloc gives c the buffers of a batch of r.rowsCap rows.
func (r *Reader) alloc(c *colBuf) {
	n := r.rowsCap
	first := 4096
	if len(r.cols) > 256 {
		first = 256 // wide records: most columns are short
	}
	c.raw = r.mem.Allocate(max(c.est+c.est/8, first))
	c.data = c.raw[:0:len(c.raw)]
	c.rawO = r.mem.Allocate(4 * (n + 1))
	c.offs = arrow.Int32Traits.CastFromBytes(c.rawO)
	c.offs[0] = 0
	c.valid = r.mem.Allocate((n + 7) / 8)
	clear(c.valid)
	if k := len(r.keep); k > 0 && cap(r.keep[k-1]) >= n {
		c.types = r.keep[k-1][:n]
		r.keep = r.keep[:k-1]
	} else {
		c.types = make([]columnar.ValueType, n)
	}
	c.set = -1
}

// startBatch allocates the buffers of a new batch.
func (r *Reader) startBatch() {
	r.rows, r.bytes = 0, 0
	r.issues = columnar.Issues{}
	ncols := max(len(r.cols), 1)
	r.rowsCap = max(min(r.opt.BatchRows, rowBudget/(ncols*16)), 16)
	r.rowsCap = min(r.rowsCap, r.opt.BatchRows)
	n := r.rowsCap
	r.rawL = r.mem.Allocate(8 * n)
	r.rawF = r.mem.Allocate(8 * n)
	r.lines = arrow.Int64Traits.CastFromBytes(r.rawL)
	r.offs = arrow.Int64Traits.CastFromBytes(r.rawF)
	for _, c := range r.cols {
		r.alloc(c)
	}
}

// freeBatch returns the buffers of an unfinished batch.
func (r *Reader) freeBatch() {
	r.mem.Free(r.rawL)
	r.mem.Free(r.rawF)
	r.rawL, r.rawF, r.lines, r.offs = nil, nil, nil, nil
	for _, c := range r.cols {
		if c.raw != nil {
			r.mem.Free(c.raw)
			r.mem.Free(c.rawO)
			r.mem.Free(c.valid)
		}
		if c.types != nil {
			r.keep = append(r.keep, c.types)
		}
		c.raw, c.data, c.rawO, c.offs, c.valid, c.types = nil, nil, nil, nil, nil, nil
	}
}

// finishBatch wraps the buffers of the batch under construction as Arrow
// arrays and hands the batch over.
func (r *Reader) finishBatch() *columnar.Batch {
	n := r.rows
	arrs := make([]arrow.Array, 0, len(r.cols)+2)
	types := make([]columnar.ValueTypes, len(r.cols))
	for i, c := range r.cols {
		valid := 0
		full := n / 8
		for _, b := range c.valid[:full] {
			valid += bits.OnesCount8(b)
		}
		if n%8 != 0 {
			valid += bits.OnesCount8(c.valid[full] & (1<<(n%8) - 1))
		}
		c.est = len(c.data)
		arrs = append(arrs, r.wrap(arrow.BinaryTypes.String, n, n-valid, c.valid, c.rawO, c.raw))
		t := c.types[:n]
		uniform := true
		for _, v := range t {
			if v != t[0] {
				uniform = false
				break
			}
		}
		if uniform && n > 0 {
			types[i] = columnar.ValueTypes{Uniform: t[0]}
			r.keep = append(r.keep, c.types)
		} else {
			types[i] = columnar.ValueTypes{Row: t}
		}
		c.raw, c.data, c.rawO, c.offs, c.valid, c.types = nil, nil, nil, nil, nil, nil
	}
	arrs = append(arrs, r.wrap(arrow.PrimitiveTypes.Int64, n, 0, nil, r.rawL), r.wrap(arrow.PrimitiveTypes.Int64, n, 0, nil, r.rawF))
	if r.schema == nil || r.schemaN != len(r.cols) {
		fields := make([]arrow.Field, 0, len(r.cols)+2)
		for _, c := range r.cols {
			fields = append(fields, arrow.Field{Name: c.name, Type: arrow.BinaryTypes.String, Nullable: true})
		}
		fields = append(fields,
			arrow.Field{Name: columnar.LineColumn, Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: columnar.OffsetColumn, Type: arrow.PrimitiveTypes.Int64})
		r.schema = arrow.NewSchema(fields, nil)
		r.schemaN = len(r.cols)
	}
	b := &columnar.Batch{
		Source: r.source,
		Seq:    r.seq,
		Rec:    array.NewRecordBatch(r.schema, arrs, int64(n)),
		Issues: r.issues,
		Types:  types,
	}
	for _, a := range arrs {
		a.Release()
	}
	r.rawL, r.rawF, r.lines, r.offs = nil, nil, nil, nil
	r.issues = columnar.Issues{}
	r.seq++
	return b
}

// wrap makes an array of n values over allocator-owned buffers: the
// validity bitmap (nil: no nulls), then a string array's offsets, then the
// values.
func (r *Reader) wrap(t arrow.DataType, n, nulls int, valid []byte, bufs ...[]byte) arrow.Array {
	mbufs := make([]*memory.Buffer, 1, 3)
	if valid != nil {
		mbufs[0] = memory.NewBufferWithAllocator(valid, r.mem)
	}
	for _, b := range bufs {
		mbufs = append(mbufs, memory.NewBufferWithAllocator(b, r.mem))
	}
	d := array.NewData(t, n, mbufs, nil, nulls, 0)
	for _, b := range mbufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// Schema returns the schema of the latest batch: the data columns, then
// the provenance columns. Before the first batch of a reader that
// discovers its columns it has only the provenance columns.
func (r *Reader) Schema() *arrow.Schema {
	if r.schema == nil || r.schemaN != len(r.cols) {
		fields := make([]arrow.Field, 0, len(r.cols)+2)
		for _, c := range r.cols {
			fields = append(fields, arrow.Field{Name: c.name, Type: arrow.BinaryTypes.String, Nullable: true})
		}
		fields = append(fields,
			arrow.Field{Name: columnar.LineColumn, Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: columnar.OffsetColumn, Type: arrow.PrimitiveTypes.Int64})
		return arrow.NewSchema(fields, nil)
	}
	return r.schema
}

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

// RecordBatch returns the current record of Next, valid until the next
// call.
func (r *Reader) RecordBatch() arrow.RecordBatch {
	if r.cur == nil {
		return nil
	}
	return r.cur.Rec
}

// Record is RecordBatch, for the deprecated part of the RecordReader
// interface.
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
