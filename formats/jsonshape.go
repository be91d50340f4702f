package formats

import (
	"errors"
	"io"

	"ingot/columnar"
	"ingot/formats/json"
)

// JSONLines is the shape of JSON Lines: one object per line, a bad line
// one rejected record (package json).
func JSONLines(r io.Reader, source string, opt ReadOptions) (BatchReader, error) {
	return newJSONShape(r, source, opt, json.Lines)
}

// JSONDocument is the shape of a JSON array of objects, or of objects one
// after the other (pretty-printed or not); a syntax error fails the rest
// of the input. A file of one object per line is read as JSON Lines.
func JSONDocument(r io.Reader, source string, opt ReadOptions) (BatchReader, error) {
	return newJSONShape(r, source, opt, json.Auto)
}

// jsonShape adapts json.Reader to BatchReader. The columns of a JSON input
// are its records' keys, discovered as it is read: the header is that of
// the first batch, read ahead, and a later batch may carry more columns
// (its record's schema names them; the kinds that read JSON bind by the
// batch's schema).
type jsonShape struct {
	r      *json.Reader
	first  *columnar.Batch
	err    error
	header []string
}

func newJSONShape(r io.Reader, source string, opt ReadOptions, shape json.Shape) (BatchReader, error) {
	jr, err := json.NewReader(r, source, json.Options{Shape: shape, BatchRows: opt.BatchRows, Allocator: opt.Allocator})
	if err != nil {
		return nil, err
	}
	s := &jsonShape{r: jr}
	s.first, s.err = jr.ReadBatch()
	if s.err != nil && !errors.Is(s.err, io.EOF) && s.first == nil {
		return nil, s.err
	}
	s.header = jr.Fields()
	return s, nil
}

// Header returns the columns of the first batch.
func (s *jsonShape) Header() []string { return s.header }

// ReadBatch returns the next batch, or io.EOF after the last.
func (s *jsonShape) ReadBatch() (*columnar.Batch, error) {
	if s.first != nil {
		b := s.first
		s.first = nil
		return b, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.r.ReadBatch()
}
