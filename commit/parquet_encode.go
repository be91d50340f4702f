package commit

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// The Parquet encoding is parquet-go's (measured against arrow-go's
// pqarrow: about half the CPU for files of the same size, see
// bench/RESULTS.md). Arrow columns are turned into parquet.Values a batch
// at a time and written column by column: no row structs, no reflection.

// leafColumn says how an Arrow field maps to its Parquet leaf column.
type leafColumn struct {
	index    int  // leaf column index in the Parquet schema
	maxDef   int  // maximum definition level
	elemNull bool // list column whose elements may be null
}

// parquetSchema is the Parquet form of an Arrow schema.
type parquetSchema struct {
	arrow  *arrow.Schema
	schema *parquet.Schema
	leaves []leafColumn // by Arrow field
}

// newParquetSchema maps s to Parquet, dictionary-encoding the columns named
// in dict. Supported Arrow types: string, float64, int64, int32, bool,
// timestamp[us] (UTC-adjusted when its time zone is set) and list<string>.
func newParquetSchema(name string, s *arrow.Schema, dict []string) (*parquetSchema, error) {
	for _, d := range dict {
		if len(s.FieldIndices(d)) == 0 {
			return nil, fmt.Errorf("dictionary column %q: not in the schema", d)
		}
	}
	fields := make([]parquet.Field, s.NumFields())
	for i, f := range s.Fields() {
		n, err := parquetNode(f, slices.Contains(dict, f.Name))
		if err != nil {
			return nil, err
		}
		fields[i] = namedField{Node: n, name: f.Name}
	}
	ps := parquet.NewSchema(name, orderedGroup{fields: fields})
	leaves := make([]leafColumn, s.NumFields())
	for i, f := range s.Fields() {
		path := []string{f.Name}
		lt, isList := f.Type.(*arrow.ListType)
		if isList {
			path = append(path, "list", "element")
		}
		lc, ok := ps.Lookup(path...)
		if !ok {
			return nil, fmt.Errorf("column %s: no Parquet leaf at %v", f.Name, path)
		}
		leaves[i] = leafColumn{index: lc.ColumnIndex, maxDef: lc.MaxDefinitionLevel, elemNull: isList && lt.ElemField().Nullable}
	}
	return &parquetSchema{arrow: s, schema: ps, leaves: leaves}, nil
}

// parquetNode returns the Parquet node of an Arrow field.
func parquetNode(f arrow.Field, dict bool) (parquet.Node, error) {
	leaf := func(dt arrow.DataType) (parquet.Node, error) {
		var n parquet.Node
		switch t := dt.(type) {
		case *arrow.StringType:
			n = parquet.String()
		case *arrow.Float64Type:
			n = parquet.Leaf(parquet.DoubleType)
		case *arrow.Int64Type:
			n = parquet.Int(64)
		case *arrow.Int32Type:
			n = parquet.Int(32)
		case *arrow.BooleanType:
			n = parquet.Leaf(parquet.BooleanType)
		case *arrow.TimestampType:
			if t.Unit != arrow.Microsecond {
				return nil, fmt.Errorf("column %s: expected a timestamp in microseconds, found %s", f.Name, t)
			}
			n = parquet.TimestampAdjusted(parquet.Microsecond, t.TimeZone != "")
		default:
			return nil, fmt.Errorf("column %s: unsupported type %s", f.Name, dt)
		}
		if dict {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		}
		return n, nil
	}
	var n parquet.Node
	if lt, ok := f.Type.(*arrow.ListType); ok {
		if _, ok := lt.Elem().(*arrow.StringType); !ok {
			return nil, fmt.Errorf("column %s: expected a list of strings, found %s", f.Name, lt)
		}
		e, err := leaf(lt.Elem())
		if err != nil {
			return nil, err
		}
		if lt.ElemField().Nullable {
			e = parquet.Optional(e)
		}
		n = parquet.List(e)
	} else {
		var err error
		if n, err = leaf(f.Type); err != nil {
			return nil, err
		}
	}
	if f.Nullable {
		n = parquet.Optional(n)
	}
	return n, nil
}

// orderedGroup is a Parquet group whose fields keep the order of the Arrow
// schema (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }
func (g orderedGroup) String() string          { return fmt.Sprintf("group(%d fields)", len(g.fields)) }

// namedField is a field of an orderedGroup.
type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string { return f.name }

// Value is for writing Go values, which commit never does.
func (f namedField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// encoder makes the Parquet files of one table.
type encoder struct {
	ps  *parquetSchema
	cfg *parquet.WriterConfig
}

func newEncoder(table string, s *arrow.Schema, opt WriterOptions) (*encoder, error) {
	ps, err := newParquetSchema(table, s, opt.Dictionary)
	if err != nil {
		return nil, err
	}
	cfg, err := parquet.NewWriterConfig(ps.schema,
		parquet.Compression(newZstdCodec(zstd.EncoderLevelFromZstd(opt.CompressionLevel), opt.Concurrency)),
		parquet.PageBufferSize(int(opt.PageBytes)),
		parquet.DataPageStatistics(false), // the column index has them
		parquet.CreatedBy("ingot", "", ""))
	if err != nil {
		return nil, err
	}
	return &encoder{ps: ps, cfg: cfg}, nil
}

// parquetFile is one Parquet file being written.
type parquetFile struct {
	ps   *parquetSchema
	w    *parquet.GenericWriter[any]
	vals []parquet.Value
}

func (e *encoder) newFile(w io.Writer) *parquetFile {
	return &parquetFile{ps: e.ps, w: parquet.NewGenericWriter[any](w, e.cfg)}
}

// valueBatch is how many rows are turned into values at a time.
const valueBatch = 1024

// writeRowGroup writes rows [off, off+n) of cols as one row group.
func (f *parquetFile) writeRowGroup(cols []*arrow.Chunked, off, n int64) error {
	rg := f.w.BeginRowGroup()
	cws := rg.ColumnWriters()
	for i, c := range cols {
		lc := f.ps.leaves[i]
		cw := cws[lc.index]
		field := f.ps.arrow.Field(i)
		pos := int64(0)
		for _, chunk := range c.Chunks() {
			if chunk.NullN() > 0 && !field.Nullable {
				return fmt.Errorf("column %s: expected no nulls (the column is not nullable), found %d", field.Name, chunk.NullN())
			}
			clen := int64(chunk.Len())
			lo, hi := max(off, pos)-pos, min(off+n, pos+clen)-pos
			pos += clen
			for b := lo; b < hi; b += valueBatch {
				f.vals = appendValues(f.vals[:0], chunk, int(b), int(min(b+valueBatch, hi)), lc)
				if _, err := cw.WriteRowValues(f.vals); err != nil {
					return fmt.Errorf("column %s: %w", field.Name, err)
				}
			}
		}
	}
	clear(f.vals[:cap(f.vals)]) // drop the references into Arrow buffers
	_, err := rg.Commit()
	return err
}

// close writes the footer; it does not close the underlying writer.
func (f *parquetFile) close() error { return f.w.Close() }

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// appendValues appends the values of rows [lo, hi) of a to vals. The
// values alias a's buffers until written.
func appendValues(vals []parquet.Value, a arrow.Array, lo, hi int, lc leafColumn) []parquet.Value {
	if l, ok := a.(*array.List); ok {
		return appendList(vals, l, lo, hi, lc)
	}
	n := len(vals)
	vals = slices.Grow(vals, hi-lo)[:n+hi-lo]
	out := vals[n:]
	switch a := a.(type) {
	case *array.String:
		offs := a.ValueOffsets() // relative to ValueBytes after subtracting offs[0]
		data, base := a.ValueBytes(), offs[0]
		for i := range out {
			out[i] = parquet.ByteArrayValue(data[offs[lo+i]-base : offs[lo+i+1]-base])
		}
	case *array.Float64:
		for i, v := range a.Float64Values()[lo:hi] {
			out[i] = parquet.DoubleValue(v)
		}
	case *array.Int64:
		for i, v := range a.Int64Values()[lo:hi] {
			out[i] = parquet.Int64Value(v)
		}
	case *array.Int32:
		for i, v := range a.Int32Values()[lo:hi] {
			out[i] = parquet.Int32Value(v)
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues()[lo:hi] {
			out[i] = parquet.Int64Value(int64(v))
		}
	case *array.Boolean:
		for i := range out {
			out[i] = parquet.BooleanValue(a.Value(lo + i))
		}
	}
	if a.NullN() == 0 {
		for i := range out {
			out[i].SetDefinitionLevel(lc.maxDef)
			out[i].SetColumnIndex(lc.index)
		}
		return vals
	}
	for i := range out {
		if a.IsNull(lo + i) {
			out[i] = parquet.Value{}
		} else {
			out[i].SetDefinitionLevel(lc.maxDef)
		}
		out[i].SetColumnIndex(lc.index)
	}
	return vals
}

// appendList appends the values of rows [lo, hi) of a list<string>: a null
// list is one null at level 0, an empty list one null at the level of the
// list, a null element one null at the level below maxDef.
func appendList(vals []parquet.Value, a *array.List, lo, hi int, lc leafColumn) []parquet.Value {
	elems := a.ListValues().(*array.String)
	emptyDef := lc.maxDef - 1
	if lc.elemNull {
		emptyDef--
	}
	for i := lo; i < hi; i++ {
		var v parquet.Value
		v.SetColumnIndex(lc.index)
		if a.IsNull(i) {
			vals = append(vals, v)
			continue
		}
		s, e := a.ValueOffsets(i)
		if s == e {
			v.SetDefinitionLevel(emptyDef)
			vals = append(vals, v)
			continue
		}
		for j := int(s); j < int(e); j++ {
			var ev parquet.Value
			if elems.IsNull(j) {
				ev.SetDefinitionLevel(lc.maxDef - 1)
			} else {
				ev = parquet.ByteArrayValue(bytesOf(elems.Value(j)))
				ev.SetDefinitionLevel(lc.maxDef)
			}
			if j > int(s) {
				ev.SetRepetitionLevel(1)
			}
			ev.SetColumnIndex(lc.index)
			vals = append(vals, ev)
		}
	}
	return vals
}

// zstdCodec is parquet-go's zstd codec with entropy coding of literals
// always on (as arrow-go does): ids and hex fingerprints are mostly
// literals, which klauspost's fastest level would otherwise store raw
// (fingerprints took 77% more room). Encoders are kept in a free list, not
// a sync.Pool, which every GC empties: a new encoder allocates its history.
type zstdCodec struct {
	level zstd.EncoderLevel
	encs  chan *zstd.Encoder
	decs  chan *zstd.Decoder
}

func newZstdCodec(level zstd.EncoderLevel, n int) *zstdCodec {
	return &zstdCodec{level: level, encs: make(chan *zstd.Encoder, n), decs: make(chan *zstd.Decoder, n)}
}

func (c *zstdCodec) String() string                            { return "ZSTD" }
func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	var e *zstd.Encoder
	select {
	case e = <-c.encs:
	default:
		var err error
		e, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(c.level), zstd.WithEncoderConcurrency(1),
			zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithAllLitEntropyCompression(true),
			zstd.WithWindowSize(1<<20))
		if err != nil {
			return nil, err
		}
	}
	dst = e.EncodeAll(src, dst[:0])
	select {
	case c.encs <- e:
	default:
	}
	return dst, nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	var d *zstd.Decoder
	select {
	case d = <-c.decs:
	default:
		var err error
		if d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return nil, err
		}
	}
	dst, err := d.DecodeAll(src, dst[:0])
	select {
	case c.decs <- d:
	default:
		d.Close()
	}
	return dst, err
}
