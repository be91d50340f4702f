package commit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	ddzstd "github.com/DataDog/zstd"
	"github.com/klauspost/compress/zstd"
)

// DefaultEventLevel is the zstd level of event segments unless told
// otherwise. Segments are compressed with the reference C library
// (github.com/DataDog/zstd): on order events it compresses at level 1 about
// 1.6 times as fast as klauspost's fastest level, with a better ratio
// (bench/RESULTS.md, "Event segments"); the event log is the largest output
// of an import, so this is a fifth of its CPU.
const DefaultEventLevel = 1

// EventOptions configures an EventWriter. The zero value works.
type EventOptions struct {
	// Level is the zstd level (the C library's: -7 fastest to 22
	// smallest); zero means DefaultEventLevel.
	Level int
}

// Validate reports a bad field.
func (o EventOptions) Validate() error {
	if o.Level < -7 || o.Level > 22 {
		return fmt.Errorf("commit.EventOptions.Level: expected 0 or a zstd level in [-7, 22], found %d", o.Level)
	}
	return nil
}

// eventBufferSize is how many bytes of lines an EventWriter gathers before
// handing them to the compressor.
const eventBufferSize = 256 << 10

// EventWriter writes an event-log segment: one zstd frame of JSON Lines.
// The caller builds each line (the bytes of one JSON object); the writer
// adds the newlines and compresses. It is not safe for concurrent use.
type EventWriter struct {
	enc   *ddzstd.Writer
	buf   []byte
	lines int64
	bytes int64
	err   error
}

// NewEventWriter returns a writer compressing to w.
func NewEventWriter(w io.Writer, opt EventOptions) (*EventWriter, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	level := opt.Level
	if level == 0 {
		level = DefaultEventLevel
	}
	return &EventWriter{enc: ddzstd.NewWriterLevel(w, level), buf: make([]byte, 0, eventBufferSize)}, nil
}

// WriteLine appends line and a newline. line must not contain a newline
// (a JSON object encoded by encoding/json never does). line is not kept.
func (e *EventWriter) WriteLine(line []byte) error {
	if e.err != nil {
		return e.err
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		return fmt.Errorf("write event %d: expected one line, found a newline at byte %d", e.lines+1, i)
	}
	if len(e.buf)+len(line)+1 > cap(e.buf) {
		if err := e.flush(); err != nil {
			return err
		}
	}
	if len(line)+1 > cap(e.buf) {
		if _, err := e.enc.Write(line); err != nil {
			e.err = fmt.Errorf("write event %d: %w", e.lines+1, err)
			return e.err
		}
		e.buf = append(e.buf, '\n')
	} else {
		e.buf = append(e.buf, line...)
		e.buf = append(e.buf, '\n')
	}
	e.lines++
	e.bytes += int64(len(line)) + 1
	return nil
}

// WriteLines writes a chunk of whole lines, each ending in a newline,
// straight to the compressor without copying: the fast path for callers
// that build lines in bulk. chunk is not kept.
func (e *EventWriter) WriteLines(chunk []byte) error {
	if e.err != nil {
		return e.err
	}
	if len(chunk) == 0 {
		return nil
	}
	if chunk[len(chunk)-1] != '\n' {
		return fmt.Errorf("write events after line %d: expected whole lines, found %d bytes without a final newline", e.lines, len(chunk)-bytes.LastIndexByte(chunk, '\n')-1)
	}
	if err := e.flush(); err != nil {
		return err
	}
	if _, err := e.enc.Write(chunk); err != nil {
		e.err = fmt.Errorf("write events after line %d: %w", e.lines, err)
		return e.err
	}
	e.lines += int64(bytes.Count(chunk, []byte{'\n'}))
	e.bytes += int64(len(chunk))
	return nil
}

func (e *EventWriter) flush() error {
	if len(e.buf) == 0 {
		return nil
	}
	if _, err := e.enc.Write(e.buf); err != nil {
		e.err = fmt.Errorf("write events: %w", err)
		return e.err
	}
	e.buf = e.buf[:0]
	return nil
}

// Lines returns the number of lines written.
func (e *EventWriter) Lines() int64 { return e.lines }

// Bytes returns the number of uncompressed bytes written, newlines
// included.
func (e *EventWriter) Bytes() int64 { return e.bytes }

// Close writes what is buffered and ends the zstd frame. It does not close
// the underlying writer.
func (e *EventWriter) Close() error {
	if errors.Is(e.err, errEventsClosed) {
		return e.err
	}
	err := e.flush()
	if cerr := e.enc.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close events: %w", cerr)
	}
	e.err = errEventsClosed
	return err
}

var errEventsClosed = errors.New("event writer closed")

// maxEventLine is the longest line ReadEvents accepts.
const maxEventLine = 256 << 20

// ReadEvents decompresses a segment written by EventWriter and calls f with
// each line, without its newline. The slice is valid only during the call.
// An error from f stops the reading and is returned as is.
func ReadEvents(r io.Reader, f func(line []byte) error) error {
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer dec.Close()
	br := bufio.NewReaderSize(dec, 256<<10)
	var long []byte // a line longer than br's buffer
	for n := int64(1); ; {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(chunk) > maxEventLine {
				return fmt.Errorf("read events: line %d longer than %d bytes", n, maxEventLine)
			}
			long = append(long, chunk...)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read events: line %d: %w", n, err)
		}
		line := chunk
		if len(long) > 0 {
			line = append(long, chunk...)
			long = long[:0]
		}
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				return fmt.Errorf("read events: line %d: expected a newline at the end of the segment, found end of data", n)
			}
			if ferr := f(line[:len(line)-1]); ferr != nil {
				return ferr
			}
			n++
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}
