package columnar

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// DefaultBatchRows is the number of rows a reader puts in a batch unless
// told otherwise. Big enough to amortise per-batch work over the columns,
// small enough that the dozen batches in flight in an import stay a few
// MiB each (measured: 16,384 costs 250 MiB more peak RSS for no gain).
const DefaultBatchRows = 8192

// Names of the provenance columns every raw batch carries after its data
// columns.
const (
	LineColumn   = "_line"   // int64: 1-based line on which the row starts
	OffsetColumn = "_offset" // int64: byte offset (decoded stream) of the row's start
)

// Batch is a run of consecutive rows from one source: Arrow string columns,
// one per field of the source's header, followed by the provenance columns
// LineColumn and OffsetColumn, plus the structural issues found while
// reading those rows.
//
// A Batch owns one reference to Rec. Release drops it; a stage that hands a
// batch to another goroutine and keeps using it must Retain first.
type Batch struct {
	// Source is the URI (or path) of the file the rows were read from.
	Source string
	// Seq numbers the batches of one source from 0.
	Seq int
	// Rec holds the data columns and then the two provenance columns.
	Rec arrow.RecordBatch
	// Issues found while reading: wrong field count, bad quoting, invalid
	// UTF-8. Column indexes refer to the data columns.
	Issues Issues
	// Types, for a typed source (JSON), holds the type of every value of
	// each data column; nil for a text source (CSV), whose values are all
	// text.
	Types []ValueTypes
	// PrevKey is the last non-empty value of the key column (if the reader
	// was told one) before this batch in the same source, so that a batch can
	// be grouped without seeing its predecessor. Empty for the first batch.
	PrevKey string
	// Carry holds the values of the reader's carried columns on the first
	// row of the last record begun before this batch (see csv.Options.Carry),
	// nil when none were asked for or no record began yet.
	Carry []string
}

// Rows returns the number of rows in the batch.
func (b *Batch) Rows() int { return int(b.Rec.NumRows()) }

// NumFields returns the number of data columns (without provenance).
func (b *Batch) NumFields() int { return int(b.Rec.NumCols()) - 2 }

// Field returns data column i.
func (b *Batch) Field(i int) *array.String { return b.Rec.Column(i).(*array.String) }

// Lines returns the start line of every row.
func (b *Batch) Lines() []int64 {
	return b.Rec.Column(int(b.Rec.NumCols()) - 2).(*array.Int64).Int64Values()
}

// Offsets returns the start byte offset of every row.
func (b *Batch) Offsets() []int64 {
	return b.Rec.Column(int(b.Rec.NumCols()) - 1).(*array.Int64).Int64Values()
}

// Retain adds a reference to the batch's record.
func (b *Batch) Retain() { b.Rec.Retain() }

// Release drops a reference to the batch's record.
func (b *Batch) Release() {
	if b.Rec != nil {
		b.Rec.Release()
	}
}

// RawSchema returns the schema of a raw batch with the given field names:
// one non-nullable string column per name, then the provenance columns.
func RawSchema(names []string, meta *arrow.Metadata) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(names)+2)
	for _, n := range names {
		fields = append(fields, arrow.Field{Name: n, Type: arrow.BinaryTypes.String})
	}
	fields = append(fields,
		arrow.Field{Name: LineColumn, Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: OffsetColumn, Type: arrow.PrimitiveTypes.Int64})
	return arrow.NewSchema(fields, meta)
}
