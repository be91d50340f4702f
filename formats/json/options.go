package json

import (
	"cmp"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
)

// Shape is how the records of a JSON input are laid out.
type Shape uint8

// The shapes. Auto is the zero value: the reader looks at the first bytes
// (see Sniff).
const (
	// Auto detects the shape: '[' first is Array; '{' first is Lines,
	// unless the first object spans several lines (a pretty-printed
	// document), which is Objects.
	Auto Shape = iota
	// Lines is JSON Lines: one object per line; blank lines are skipped;
	// a bad line is one rejected record.
	Lines
	// Array is one JSON array whose elements are the records; a syntax
	// error fails the rest of the input.
	Array
	// Objects is one or more objects separated by whitespace, each of
	// which may span lines (a pretty-printed document, or concatenated
	// JSON); a syntax error fails the rest of the input.
	Objects
	// NotJSON is what Sniff says of an input that is none of the above.
	NotJSON
)

var shapeNames = [...]string{"auto", "jsonl", "json-array", "json-objects", "not-json"}

// String returns the shape's name.
func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return fmt.Sprintf("Shape(%d)", uint8(s))
}

// Options configures a Reader. The zero value detects the shape and
// discovers the columns.
type Options struct {
	// Shape of the input; default Auto.
	Shape Shape
	// Fields, when set, are the columns, in this order: the top-level keys
	// the caller wants. Every other key goes into RestColumn. Nil means
	// discover the columns (see Reader).
	Fields []string
	// RestColumn names the column that gathers, as one compact JSON object,
	// the keys that have no column of their own (with Fields: every key not
	// in it; when discovering: keys past MaxColumns and keys named like a
	// provenance column). Default "_rest".
	RestColumn string
	// BatchRows caps the rows of a batch; default columnar.DefaultBatchRows.
	// Batches of many columns get fewer rows, so that a batch's fixed
	// per-row buffers stay near 16 MiB.
	BatchRows int
	// BatchBytes ends a batch early once its records' bytes exceed it;
	// default 8 MiB.
	BatchBytes int
	// MaxRecordBytes is the longest record (object) accepted; default
	// 16 MiB. A longer JSON Lines record is skipped with a
	// CodeRecordTooLong issue; in an array it fails the input (ErrTooLong).
	MaxRecordBytes int
	// MaxFieldBytes is the longest value accepted (its text in the
	// column); default 1 MiB. A longer one is dropped with a
	// CodeFieldTooLong issue.
	MaxFieldBytes int
	// MaxDepth is the deepest nesting of objects and arrays accepted,
	// the record itself being depth 1 (an enclosing array is not counted);
	// default 1000. Deeper is CodeTooDeep in JSON Lines and ErrTooDeep in
	// an array.
	MaxDepth int
	// MaxColumns caps the columns discovered; default 10,000. Keys first
	// seen after that go into RestColumn with a CodeTooManyKeys issue.
	MaxColumns int
	// Allocator allocates the batches' buffers; default
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

func (o Options) withDefaults() Options {
	o.RestColumn = cmp.Or(o.RestColumn, "_rest")
	o.BatchRows = cmp.Or(o.BatchRows, columnar.DefaultBatchRows)
	o.BatchBytes = cmp.Or(o.BatchBytes, 8<<20)
	o.MaxRecordBytes = cmp.Or(o.MaxRecordBytes, 16<<20)
	o.MaxFieldBytes = cmp.Or(o.MaxFieldBytes, 1<<20)
	o.MaxDepth = cmp.Or(o.MaxDepth, 1000)
	o.MaxColumns = cmp.Or(o.MaxColumns, 10000)
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o
}

// Validate reports options that cannot work, naming the field.
func (o Options) Validate() error {
	const base = "json.Options."
	switch {
	case o.Shape >= NotJSON:
		return fmt.Errorf("%sShape: %v is not a shape to read", base, o.Shape)
	case o.BatchRows < 0:
		return fmt.Errorf("%sBatchRows: must be > 0, got %d", base, o.BatchRows)
	case o.BatchBytes < 0:
		return fmt.Errorf("%sBatchBytes: must be > 0, got %d", base, o.BatchBytes)
	case o.MaxRecordBytes < 0:
		return fmt.Errorf("%sMaxRecordBytes: must be > 0, got %d", base, o.MaxRecordBytes)
	case o.MaxFieldBytes < 0:
		return fmt.Errorf("%sMaxFieldBytes: must be > 0, got %d", base, o.MaxFieldBytes)
	case o.MaxDepth < 0:
		return fmt.Errorf("%sMaxDepth: must be > 0, got %d", base, o.MaxDepth)
	case o.MaxColumns < 0:
		return fmt.Errorf("%sMaxColumns: must be > 0, got %d", base, o.MaxColumns)
	}
	rest := cmp.Or(o.RestColumn, "_rest")
	if rest == columnar.LineColumn || rest == columnar.OffsetColumn {
		return fmt.Errorf("%sRestColumn: %q is a provenance column", base, rest)
	}
	seen := make(map[string]int, len(o.Fields))
	for i, f := range o.Fields {
		switch f {
		case columnar.LineColumn, columnar.OffsetColumn, rest:
			return fmt.Errorf("%sFields[%d]: %q is a column the reader adds", base, i, f)
		}
		if j, dup := seen[f]; dup {
			return fmt.Errorf("%sFields: %d and %d are both %q", base, j, i, f)
		}
		seen[f] = i
	}
	return nil
}
