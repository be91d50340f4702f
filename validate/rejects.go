package validate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"unicode/utf8"

	"ingot/columnar"
	"ingot/internal/durable"
	"ingot/issue"
)

// Names of the files a RejectWriter writes.
const (
	RejectsCSV  = "rejects.csv"
	RejectsJSON = "rejects.json"
)

// RejectsHeader is the header of rejects.csv and the keys of the objects
// in rejects.json, in order.
var RejectsHeader = []string{"file", "line", "record_id", "column", "code", "message", "value"}

// Reject is one issue that rejected a record: a line of rejects.csv.
type Reject struct {
	File     string        // the source file's URI or path
	Line     int64         // the line the issue is on
	RecordID string        // the record's key (order id, user id), if known
	Column   string        // the header name of the field; "" for the whole row
	Code     columnar.Code // written as the code's name
	Message  string        // see Message
	Value    string        // the field's raw value, cut by TruncateValue when added
}

// rejectJSON is the shape of a reject in rejects.json. Value holds the
// value as valid UTF-8 (invalid bytes become U+FFFD, as encoding/json
// does); when the value was not valid UTF-8, ValueBase64 holds its exact
// bytes.
type rejectJSON struct {
	File        string `json:"file"`
	Line        int64  `json:"line"`
	RecordID    string `json:"record_id"`
	Column      string `json:"column"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	Value       string `json:"value"`
	ValueBase64 []byte `json:"value_base64,omitempty"`
}

// RejectWriter spools rejects to a temporary file in its directory as
// they come, so that they are never all in memory, and Finish writes
// rejects.csv and rejects.json from the spool, leaving out the rejects of
// records superseded later in the import. It is safe for concurrent use.
type RejectWriter struct {
	dir string
	opt RejectOptions

	mu      sync.Mutex
	spool   *os.File
	w       *bufio.Writer
	buf     []byte
	n       int64 // rejects added
	written int64 // rejects written by Finish
	done    bool  // finished or aborted
	err     error // first spool write error, sticky
}

// RejectOptions configure a RejectWriter. The zero value writes rejects
// as they are given.
type RejectOptions struct {
	// MaskEmails masks every e-mail-like token of a reject's record id,
	// message and value with MaskEmails before it is spooled, and says so
	// at the end of its message (MaskedNote): an import with
	// --hash-emails never writes a plain address, not even the invalid one
	// that got its record rejected, and not even to the spool.
	MaskEmails bool
}

// NewRejectWriter starts a RejectWriter whose files go into dir, which
// must exist, with the zero RejectOptions.
func NewRejectWriter(dir string) (*RejectWriter, error) {
	return NewRejectWriterWith(dir, RejectOptions{})
}

// NewRejectWriterWith starts a RejectWriter whose files go into dir,
// which must exist.
func NewRejectWriterWith(dir string, opt RejectOptions) (*RejectWriter, error) {
	f, err := os.CreateTemp(dir, ".rejects-*.spool")
	if err != nil {
		return nil, fmt.Errorf("validate: new reject writer: %w", err)
	}
	return &RejectWriter{dir: dir, opt: opt, spool: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Add spools r. After an I/O error every Add returns that error.
func (w *RejectWriter) Add(r Reject) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return errors.New("validate: reject writer: Add after Finish or Abort")
	}
	if w.err != nil {
		return w.err
	}
	if w.opt.MaskEmails {
		r = maskReject(r)
	}
	b := w.buf[:0]
	b = appendString(b, r.File)
	b = binary.AppendVarint(b, r.Line)
	b = appendString(b, r.RecordID)
	b = appendString(b, r.Column)
	b = binary.AppendUvarint(b, uint64(r.Code))
	b = appendString(b, r.Message)
	b = appendString(b, TruncateValue(r.Value))
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("validate: reject writer: spool to %s: %w", w.spool.Name(), err)
		return w.err
	}
	w.n++
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Count returns the number of rejects added.
func (w *RejectWriter) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Written returns the number of rejects Finish wrote: Count less those
// dropped.
func (w *RejectWriter) Written() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
}

// Finish writes rejects.csv (header file,line,record_id,column,code,
// message,value; code is the code's name) and rejects.json (a JSON array
// of objects with the same keys) into the directory, in the order the
// rejects were added, leaving out every reject for which drop(file, line)
// is true; drop may be nil. Both files are written, even with no
// rejects, to temporary names first and renamed into place, so a reader
// never sees half a file. The spool is removed.
func (w *RejectWriter) Finish(drop func(file string, line int64) bool) (err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return errors.New("validate: reject writer: Finish after Finish or Abort")
	}
	w.done = true
	defer func() {
		err = errors.Join(err, w.removeSpool())
	}()
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("validate: reject writer: spool to %s: %w", w.spool.Name(), err)
	}
	if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("validate: reject writer: rewind %s: %w", w.spool.Name(), err)
	}

	csvOut, err := newAtomicFile(filepath.Join(w.dir, RejectsCSV))
	if err != nil {
		return err
	}
	defer csvOut.abort()
	jsonOut, err := newAtomicFile(filepath.Join(w.dir, RejectsJSON))
	if err != nil {
		return err
	}
	defer jsonOut.abort()

	cw := csv.NewWriter(csvOut.w)
	if err := cw.Write(RejectsHeader); err != nil {
		return fmt.Errorf("validate: write %s: %w", csvOut.path, err)
	}
	jw := jsonOut.w
	var jbuf bytes.Buffer
	enc := json.NewEncoder(&jbuf)
	enc.SetEscapeHTML(false)
	rec := make([]string, len(RejectsHeader))
	rd := spoolReader{r: bufio.NewReaderSize(w.spool, 64<<10)}
	w.written = 0
	for {
		r, ok := rd.next()
		if !ok {
			break
		}
		if drop != nil && drop(r.File, r.Line) {
			continue
		}
		code := issue.InfoOf(r.Code).Name
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6] =
			r.File, strconv.FormatInt(r.Line, 10), r.RecordID, r.Column, code, r.Message, r.Value
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("validate: write %s: %w", csvOut.path, err)
		}
		j := rejectJSON{File: r.File, Line: r.Line, RecordID: r.RecordID, Column: r.Column, Code: code, Message: r.Message, Value: r.Value}
		if !utf8.ValidString(r.Value) {
			j.ValueBase64 = []byte(r.Value)
		}
		jbuf.Reset()
		if err := enc.Encode(&j); err != nil {
			return fmt.Errorf("validate: write %s: %w", jsonOut.path, err)
		}
		sep := ",\n"
		if w.written == 0 {
			sep = "[\n"
		}
		jw.WriteString(sep)
		jw.Write(bytes.TrimSuffix(jbuf.Bytes(), []byte("\n")))
		w.written++
	}
	if rd.err != nil {
		return fmt.Errorf("validate: reject writer: read back %s: %w", w.spool.Name(), rd.err)
	}
	if w.written == 0 {
		jw.WriteString("[]\n")
	} else {
		jw.WriteString("\n]\n")
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("validate: write %s: %w", csvOut.path, err)
	}
	if err := csvOut.commit(); err != nil {
		return err
	}
	return jsonOut.commit()
}

// Abort removes the spool without writing anything. It is a no-op after
// Finish or another Abort.
func (w *RejectWriter) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	w.done = true
	return w.removeSpool()
}

func (w *RejectWriter) removeSpool() error {
	name := w.spool.Name()
	err := errors.Join(w.spool.Close(), os.Remove(name))
	if err != nil {
		return fmt.Errorf("validate: reject writer: remove spool: %w", err)
	}
	return nil
}

// spoolReader decodes the spool written by RejectWriter.Add, with a
// sticky error.
type spoolReader struct {
	r   *bufio.Reader
	err error
	buf []byte
}

func (s *spoolReader) next() (Reject, bool) {
	var r Reject
	if _, err := s.r.Peek(1); err != nil {
		if err != io.EOF {
			s.err = err
		}
		return r, false
	}
	r.File = s.str()
	r.Line = s.varint()
	r.RecordID = s.str()
	r.Column = s.str()
	r.Code = columnar.Code(s.uvarint())
	r.Message = s.str()
	r.Value = s.str()
	return r, s.err == nil
}

func (s *spoolReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(s.r)
	if err != nil {
		s.err = fmt.Errorf("truncated spool: %w", err)
	}
	return v
}

func (s *spoolReader) varint() int64 {
	if s.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(s.r)
	if err != nil {
		s.err = fmt.Errorf("truncated spool: %w", err)
	}
	return v
}

func (s *spoolReader) str() string {
	n := s.uvarint()
	if s.err != nil {
		return ""
	}
	if n > 1<<31 {
		s.err = fmt.Errorf("corrupt spool: string of %d bytes", n)
		return ""
	}
	if uint64(cap(s.buf)) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.err = fmt.Errorf("truncated spool: %w", err)
		return ""
	}
	return string(b)
}

// atomicFile is written under a temporary name in the target's directory
// and renamed over the target by commit, after an fsync.
type atomicFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	done bool
}

func newAtomicFile(path string) (*atomicFile, error) {
	f, err := durable.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-", "")
	if err != nil {
		return nil, fmt.Errorf("validate: create %s: %w", path, err)
	}
	return &atomicFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// commit flushes, syncs, closes and renames the file into place, and
// syncs the directory so that the rename survives a crash.
func (a *atomicFile) commit() error {
	if err := a.w.Flush(); err != nil {
		return fmt.Errorf("validate: write %s: %w", a.path, err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("validate: sync %s: %w", a.path, err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("validate: close %s: %w", a.path, err)
	}
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		return fmt.Errorf("validate: rename %s into place: %w", a.path, err)
	}
	a.done = true
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		_ = d.Sync() // best effort: not every platform can sync a directory
		d.Close()
	}
	return nil
}

// abort removes the temporary file unless commit succeeded.
func (a *atomicFile) abort() {
	if a.done {
		return
	}
	a.f.Close()
	os.Remove(a.f.Name())
}

// writeFileAtomic writes data to path through an atomicFile.
func writeFileAtomic(path string, data []byte) error {
	a, err := newAtomicFile(path)
	if err != nil {
		return err
	}
	defer a.abort()
	if _, err := a.w.Write(data); err != nil {
		return fmt.Errorf("validate: write %s: %w", path, err)
	}
	return a.commit()
}
