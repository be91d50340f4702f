// Package parse holds what every reader shape shares: Error, a problem in
// the structure of an input at a known place (file, line, column, byte
// offset), and the sentinel causes readers wrap in it, so that callers can
// test with errors.Is whatever the format.
package parse

import (
	"errors"
	"fmt"
)

// Sentinel causes of an Error.
var (
	ErrFieldCount        = errors.New("wrong number of fields")
	ErrBareQuote         = errors.New(`bare " in non-quoted field`)
	ErrQuote             = errors.New(`extraneous or missing " in quoted field`)
	ErrUnterminatedQuote = errors.New(`quoted field not terminated`)
	ErrFieldTooLong      = errors.New("field too long")
	ErrRecordTooLong     = errors.New("record too long")
	ErrTooManyColumns    = errors.New("too many columns")
	ErrInvalidUTF8       = errors.New("invalid UTF-8")
	ErrEmpty             = errors.New("empty input: no header row")
	ErrMissingColumns    = errors.New("missing required columns")
	ErrNotText           = errors.New("input is not text")
)

// Error is a problem in the structure of an input at a known place.
// Line and Column are 1-based; Column counts bytes within the line, as
// encoding/csv does. Offset is the 0-based byte offset in the decoded
// stream. Zero means unknown.
type Error struct {
	Source string // file name or URI
	Line   int64
	Column int64
	Offset int64
	Field  string // the header name of the field, if known
	Err    error
}

// Error renders the error as "orders.csv: line 12, column 7 (byte 4711): cause".
func (e *Error) Error() string {
	s := e.Source
	if s == "" {
		s = "input"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(", column %d", e.Column)
		}
		if e.Offset > 0 {
			s += fmt.Sprintf(" (byte %d)", e.Offset)
		}
	}
	if e.Field != "" {
		s += fmt.Sprintf(", field %q", e.Field)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
