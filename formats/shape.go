package formats

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/formats/charset"
	"ingot/formats/compress"
	"ingot/formats/csv"
	"ingot/formats/source"
)

// BatchReader is a reader shape at work on one input: it yields batches of
// raw string columns, one per header field, until io.EOF.
type BatchReader interface {
	// Header returns the input's field names.
	Header() []string
	// ReadBatch returns the next batch, or io.EOF after the last.
	ReadBatch() (*columnar.Batch, error)
}

// ReadOptions are what a reader shape needs beyond its input.
type ReadOptions struct {
	// Delimiter of delimited text; default ','.
	Delimiter byte
	// Quote of delimited text; default '"'.
	Quote byte
	// NoHeader says delimited text has no header row: its columns are
	// column1, column2, ….
	NoHeader bool
	// DropSurplus drops the fields of a row past the header's count
	// (--on-ragged truncate) instead of joining them to the last field.
	DropSurplus bool
	// BatchRows caps the rows of a batch; default columnar.DefaultBatchRows.
	BatchRows int
	// KeyColumn names the field whose last value before each batch is
	// passed on as Batch.PrevKey, so that records spanning batches can be
	// grouped.
	KeyColumn string
	// Carry names the columns whose values on a record's first row are
	// passed on as Batch.Carry (Format.Carry).
	Carry []string
	// Allocator allocates the batches' buffers.
	Allocator memory.Allocator
	// Limits against hostile input (csv.Options); zero means each default.
	MaxRecordBytes, MaxFieldBytes, MaxColumns int
}

// Shape turns UTF-8 text into a BatchReader. source names the input in
// provenance and errors.
type Shape func(r io.Reader, source string, opt ReadOptions) (BatchReader, error)

// CSV is the shape of delimited text with a header row (package csv).
func CSV(r io.Reader, source string, opt ReadOptions) (BatchReader, error) {
	return csv.NewReader(r, source, csv.Options{
		Delimiter: opt.Delimiter, Quote: opt.Quote, NoHeader: opt.NoHeader, DropSurplus: opt.DropSurplus, BatchRows: opt.BatchRows, KeyColumn: opt.KeyColumn, Carry: opt.Carry, Allocator: opt.Allocator,
		MaxRecordBytes: opt.MaxRecordBytes, MaxFieldBytes: opt.MaxFieldBytes, MaxColumns: opt.MaxColumns,
	})
}

// Input is one source opened and decoded, ready for a shape: the raw
// reader (its size, SHA-256 and bytes read) and what was detected.
type Input struct {
	// Text is the decoded UTF-8 stream.
	Text io.Reader
	// Raw is the source as stored: its SHA-256 and bytes read.
	Raw *source.Reader
	// Compression and Encoding say what was detected; Confidence is the
	// encoding's.
	Compression, Encoding string
	Confidence            float64
	// Inner is the name of the file inside a zip source, else "".
	Inner string

	decoded charset.Decoded
	closers []io.Closer
}

// Detected returns the encoding and its confidence as known now: with
// "auto", an input whose first 64 KiB are ASCII is settled only at its
// first non-ASCII byte (charset.Decoded.Final), so ask again once the
// text has been read.
func (in *Input) Detected() (encoding string, confidence float64) {
	if in.decoded.Reader == nil {
		return in.Encoding, in.Confidence
	}
	return in.decoded.Final()
}

// Close closes the decoder and the source.
func (in *Input) Close() error {
	var first error
	for i := len(in.closers) - 1; i >= 0; i-- {
		if err := in.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	in.closers = nil
	return first
}

// OpenInput opens o through st (the stores of remote schemes and
// standard input; the zero Stores reads local files only) and decodes it:
// decompression by magic bytes, then the encoding (a name, or "" or
// "auto" to detect it).
func OpenInput(ctx context.Context, st source.Stores, o source.Object, encoding string) (*Input, error) {
	return OpenInputLimited(ctx, st, o, encoding, compress.DecompressOptions{})
}

// OpenInputLimited is OpenInput with limits on decompression (a
// decompression bomb fails the file; see compress.DecompressOptions).
func OpenInputLimited(ctx context.Context, st source.Stores, o source.Object, encoding string, limits compress.DecompressOptions) (*Input, error) {
	src, err := st.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	in := &Input{Raw: src, closers: []io.Closer{src}}
	dec, err := compress.DecompressWithOptions(src, o.Name, limits)
	if err != nil {
		in.Close()
		return nil, err
	}
	in.closers = append(in.closers, dec)
	in.Compression, in.Inner = dec.Compression, dec.Inner
	txt, err := charset.Decode(dec, encoding)
	if err != nil {
		in.Close()
		return nil, err
	}
	in.Text, in.Encoding, in.Confidence, in.decoded = txt, txt.Encoding, txt.Confidence, txt
	return in, nil
}
