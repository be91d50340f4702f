package json

import (
	"errors"
	"fmt"
)

// Sentinel causes of a ParseError.
var (
	// ErrSyntax: the input is not JSON of the expected shape.
	ErrSyntax = errors.New("JSON syntax error")
	// ErrTooLong: a record is longer than Options.MaxRecordBytes.
	ErrTooLong = errors.New("record too long")
	// ErrTooDeep: values nest deeper than Options.MaxDepth.
	ErrTooDeep = errors.New("JSON nested too deeply")
	// ErrNotJSON: automatic detection found neither '[' nor '{' first.
	ErrNotJSON = errors.New("input is not JSON")
)

// ParseError is a problem that stops a JSON input at a known place. Line
// and Column are 1-based; Column counts bytes within the line, as
// encoding/csv does. Offset is the 0-based byte offset in the stream.
type ParseError struct {
	Source string // file name or URI
	Line   int64
	Column int64
	Offset int64
	Err    error
}

// Error renders the error as
// "events.json: line 12, column 3 (byte 345): JSON syntax error: expected ...".
func (e *ParseError) Error() string {
	s := e.Source
	if s == "" {
		s = "input"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(", column %d", e.Column)
		}
		s += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }
