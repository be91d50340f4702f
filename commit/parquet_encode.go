package commit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"unsafe"

	ddzstd "github.com/DataDog/zstd"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"ingot/version"
)

// The Parquet encoding goes straight from Arrow buffers to Parquet pages:
// values are copied (or dictionary-indexed) a run of rows at a time from
// the Arrow arrays into page buffers, without parquet.Value, row structs or
// reflection. The page, level and footer formats are parquet-go's (its
// format, thrift, rle and delta packages); pages are compressed with the C
// zstd library. bench/RESULTS.md ("Parquet writer") has the measurements
// behind each choice.

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
		lc, ok := ps.Lookup(leafPath(f)...)
		if !ok {
			return nil, fmt.Errorf("column %s: no Parquet leaf at %v", f.Name, leafPath(f))
		}
		lt, isList := f.Type.(*arrow.ListType)
		leaves[i] = leafColumn{index: lc.ColumnIndex, maxDef: lc.MaxDefinitionLevel, elemNull: isList && lt.ElemField().Nullable}
	}
	return &parquetSchema{arrow: s, schema: ps, leaves: leaves}, nil
}

// leafPath returns the path of f's Parquet leaf column.
func leafPath(f arrow.Field) []string {
	if _, ok := f.Type.(*arrow.ListType); ok {
		return []string{f.Name, "list", "element"}
	}
	return []string{f.Name}
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

// schemaElements returns the footer schema of ps as parquet-go writes it:
// that of an empty file written by parquet-go.
func schemaElements(ps *parquet.Schema) ([]format.SchemaElement, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[any](&buf, ps)
	if err := w.Close(); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	return f.Metadata().Schema, nil
}

// columnKind is how the values of a column are laid out in Arrow.
type columnKind uint8

const (
	kindBytes   columnKind = iota // string, or list<string> elements
	kindInt64                     // int64, timestamp
	kindInt32                     // int32
	kindFloat64                   // float64
	kindBool                      // bool
)

// columnSpec says how one Arrow field is written.
type columnSpec struct {
	name     string
	path     []string
	kind     columnKind
	typ      format.Type
	dict     bool
	list     bool
	elemNull bool // list elements may be null
	maxDef   byte
	maxRep   byte
	encs     []format.Encoding // of the chunk: values, levels, dictionary page
}

// encoding returns the encoding of the column's data pages.
func (c *columnSpec) encoding() format.Encoding {
	switch {
	case c.dict:
		return format.RLEDictionary
	case c.kind == kindBytes:
		return format.DeltaLengthByteArray
	case c.kind == kindInt64 || c.kind == kindInt32:
		return format.DeltaBinaryPacked
	}
	return format.Plain
}

// encoder makes the Parquet files of one table. It is shared by the
// table's files and safe for concurrent use; each row group is encoded with
// scratch buffers taken from a free list.
type encoder struct {
	cols      []columnSpec // by Arrow field, in leaf order
	schema    []format.SchemaElement
	pageBytes int
	level     int
	scratch   chan *scratch // free list, Concurrency long
}

func newEncoder(table string, s *arrow.Schema, opt WriterOptions) (*encoder, error) {
	ps, err := newParquetSchema(table, s, opt.Dictionary)
	if err != nil {
		return nil, err
	}
	elems, err := schemaElements(ps.schema)
	if err != nil {
		return nil, fmt.Errorf("parquet schema: %w", err)
	}
	e := &encoder{
		cols:      make([]columnSpec, s.NumFields()),
		schema:    elems,
		pageBytes: int(opt.PageBytes),
		level:     opt.CompressionLevel,
		scratch:   make(chan *scratch, opt.Concurrency),
	}
	for i, f := range s.Fields() {
		if ps.leaves[i].index != i {
			return nil, fmt.Errorf("column %s: expected leaf column %d, found %d", f.Name, i, ps.leaves[i].index)
		}
		lc, _ := ps.schema.Lookup(leafPath(f)...)
		c := columnSpec{
			name:   f.Name,
			path:   leafPath(f),
			dict:   slices.Contains(opt.Dictionary, f.Name),
			maxDef: byte(lc.MaxDefinitionLevel),
			maxRep: byte(lc.MaxRepetitionLevel),
		}
		dt := f.Type
		if lt, ok := dt.(*arrow.ListType); ok {
			c.list, c.elemNull, dt = true, lt.ElemField().Nullable, lt.Elem()
		}
		switch dt.(type) {
		case *arrow.StringType:
			c.kind, c.typ = kindBytes, format.ByteArray
		case *arrow.Int64Type, *arrow.TimestampType:
			c.kind, c.typ = kindInt64, format.Int64
		case *arrow.Int32Type:
			c.kind, c.typ = kindInt32, format.Int32
		case *arrow.Float64Type:
			c.kind, c.typ = kindFloat64, format.Double
		case *arrow.BooleanType:
			c.kind, c.typ = kindBool, format.Boolean
		default:
			return nil, fmt.Errorf("column %s: unsupported type %s", f.Name, f.Type)
		}
		c.encs = []format.Encoding{c.encoding()}
		if c.maxDef > 0 || c.maxRep > 0 {
			c.encs = append(c.encs, format.RLE)
		}
		if c.dict {
			c.encs = append(c.encs, format.Plain)
		}
		slices.Sort(c.encs)
		e.cols[i] = c
	}
	return e, nil
}

// scratch is the working memory of one row group being encoded: the page
// being filled, the encoded pages of the current column chunk, its
// dictionary, and a zstd context.
type scratch struct {
	zctx ddzstd.Ctx
	page pageBuf
	// chunk being encoded
	body     []byte // data pages, headers included
	locs     []format.PageLocation
	ci       format.ColumnIndex
	chunk    stats
	values   int64 // level entries of the chunk
	nulls    int64
	rows     int64 // of the chunk so far
	uncomp   int64 // uncompressed bytes of the pages, headers included
	pages    int32
	dict     dictTable
	dictVals []byte  // PLAIN-encoded dictionary values
	stamps   []int32 // per dictionary value: last page whose bounds include it
	// encoding buffers
	reps, defs, vals, comp []byte
	hdr                    bytes.Buffer
	thrift                 *thrift.Encoder
}

// pageBuf holds the rows of the data page being filled.
type pageBuf struct {
	vals   []byte  // PLAIN values of float64 and boolean columns
	i64    []int64 // values of int64 columns
	i32    []int32 // values of int32 columns
	lens   []int32 // lengths of the byte array values (DELTA_LENGTH_BYTE_ARRAY)
	data   []byte  // bytes of the byte array values
	idx    []int32 // dictionary indices
	defs   []byte  // definition levels, one a level entry
	reps   []byte  // repetition levels, one a level entry
	nbits  int     // boolean values in vals
	values int     // level entries
	nulls  int     // level entries without a value
	rows   int
	st     stats
}

func (p *pageBuf) reset() {
	p.vals, p.lens, p.data, p.idx = p.vals[:0], p.lens[:0], p.data[:0], p.idx[:0]
	p.i64, p.i32 = p.i64[:0], p.i32[:0]
	p.defs, p.reps = p.defs[:0], p.reps[:0]
	p.nbits, p.values, p.nulls, p.rows = 0, 0, 0, 0
	p.st = stats{}
}

// size is the bytes the page's values take before compression.
func (p *pageBuf) size() int {
	return len(p.vals) + len(p.data) + 4*len(p.lens) + 4*len(p.idx) + 8*len(p.i64) + 4*len(p.i32) + len(p.defs)/4 + len(p.reps)/8
}

// stats are the bounds of the values of a page or a column chunk. Byte
// arrays reference the Arrow buffers while a row group is encoded.
type stats struct {
	ok     bool
	i0, i1 int64 // int64, int32, bool
	f0, f1 float64
	b0, b1 []byte
	k0, k1 uint64 // big-endian 8-byte prefixes of b0, b1
}

// addBytes widens s to v.
func (s *stats) addBytes(v []byte) {
	k := prefix8(v)
	if s.ok && k > s.k0 && k < s.k1 {
		return
	}
	if !s.ok {
		s.ok, s.b0, s.b1, s.k0, s.k1 = true, v, v, k, k
		return
	}
	if k <= s.k0 && bytes.Compare(v, s.b0) < 0 {
		s.b0, s.k0 = v, k
	}
	if k >= s.k1 && bytes.Compare(v, s.b1) > 0 {
		s.b1, s.k1 = v, k
	}
}

// prefix8 returns the first 8 bytes of v as a big-endian number, zero
// padded: prefix8(a) < prefix8(b) implies a < b.
func prefix8(v []byte) uint64 {
	if len(v) >= 8 {
		return binary.BigEndian.Uint64(v)
	}
	var k uint64
	for i, c := range v {
		k |= uint64(c) << (56 - 8*i)
	}
	return k
}

func (s *stats) addInts(lo, hi int64) {
	if !s.ok {
		s.ok, s.i0, s.i1 = true, lo, hi
		return
	}
	s.i0, s.i1 = min(s.i0, lo), max(s.i1, hi)
}

func (s *stats) addFloats(lo, hi float64) {
	if !s.ok {
		s.ok, s.f0, s.f1 = true, lo, hi
		return
	}
	s.f0, s.f1 = min(s.f0, lo), max(s.f1, hi)
}

// merge widens s to o.
func (s *stats) merge(o *stats, k columnKind) {
	if !o.ok {
		return
	}
	switch k {
	case kindBytes:
		s.addBytes(o.b0)
		s.addBytes(o.b1)
	case kindFloat64:
		s.addFloats(o.f0, o.f1)
	default:
		s.addInts(o.i0, o.i1)
	}
}

// appendBound appends the PLAIN encoding (without length) of the lower
// (hi false) or upper bound of s.
func (s *stats) appendBound(dst []byte, k columnKind, hi bool) []byte {
	switch k {
	case kindBytes:
		if hi {
			return append(dst, s.b1...)
		}
		return append(dst, s.b0...)
	case kindFloat64:
		f := s.f0
		if hi {
			f = s.f1
		}
		// Parquet asks for -0 as a lower bound and +0 as an upper one.
		if f == 0 {
			f = math.Copysign(0, 1)
			if !hi {
				f = math.Copysign(0, -1)
			}
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	}
	v := s.i0
	if hi {
		v = s.i1
	}
	switch k {
	case kindInt32:
		return binary.LittleEndian.AppendUint32(dst, uint32(v))
	case kindBool:
		return append(dst, byte(v))
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(v))
}

// columnIndexLimit is the longest byte array bound kept in a column index
// (parquet-go's default): longer lower bounds are truncated, longer upper
// bounds truncated and incremented.
const columnIndexLimit = 16

func (e *encoder) getScratch() *scratch {
	select {
	case s := <-e.scratch:
		return s
	default:
	}
	s := &scratch{zctx: ddzstd.NewCtx()}
	s.thrift = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&s.hdr))
	return s
}

func (e *encoder) putScratch(s *scratch) {
	s.body = s.body[:0]
	s.dict.reset()
	s.page.st, s.chunk = stats{}, stats{} // drop references to Arrow buffers
	select {
	case e.scratch <- s:
	default:
	}
}

// parquetFile is one Parquet file being written. It keeps only what the
// footer needs between row groups.
type parquetFile struct {
	enc       *encoder
	w         io.Writer
	off       int64
	rowGroups []format.RowGroup
	colIdx    [][]format.ColumnIndex // by row group, column
	offIdx    [][]format.OffsetIndex
	err       error // a failed write leaves the file unusable
}

func (e *encoder) newFile(w io.Writer) *parquetFile {
	return &parquetFile{enc: e, w: w}
}

// parquetMagic starts and ends a Parquet file.
const parquetMagic = "PAR1"

func (f *parquetFile) write(b []byte) error {
	if f.err != nil {
		return f.err
	}
	n, err := f.w.Write(b)
	f.off += int64(n)
	if err != nil {
		f.err = err
	}
	return err
}

// writeRowGroup writes rows [off, off+n) of cols (the chunks of each
// column, in order) as one row group.
func (f *parquetFile) writeRowGroup(cols [][]arrow.Array, off, n int64) error {
	if f.err != nil {
		return f.err
	}
	if f.off == 0 {
		if err := f.write([]byte(parquetMagic)); err != nil {
			return err
		}
	}
	s := f.enc.getScratch()
	defer f.enc.putScratch(s)
	rg := format.RowGroup{
		Columns:    make([]format.ColumnChunk, len(cols)),
		NumRows:    n,
		FileOffset: f.off,
	}
	if len(f.rowGroups) <= math.MaxInt16 {
		rg.Ordinal = int16(len(f.rowGroups))
	}
	cis := make([]format.ColumnIndex, len(cols))
	ois := make([]format.OffsetIndex, len(cols))
	start := f.off
	for i, c := range cols {
		spec := &f.enc.cols[i]
		if err := f.writeColumn(s, spec, c, off, n, &rg.Columns[i], &cis[i], &ois[i]); err != nil {
			return fmt.Errorf("column %s: %w", spec.name, err)
		}
		rg.TotalByteSize += rg.Columns[i].MetaData.TotalUncompressedSize
	}
	rg.TotalCompressedSize = f.off - start
	f.rowGroups = append(f.rowGroups, rg)
	f.colIdx = append(f.colIdx, cis)
	f.offIdx = append(f.offIdx, ois)
	return nil
}

// writeColumn encodes rows [off, off+n) of c as one column chunk.
func (f *parquetFile) writeColumn(s *scratch, spec *columnSpec, c []arrow.Array, off, n int64, cc *format.ColumnChunk, ci *format.ColumnIndex, oi *format.OffsetIndex) error {
	s.body, s.locs = s.body[:0], s.locs[:0]
	s.ci = format.ColumnIndex{}
	s.chunk = stats{}
	s.values, s.nulls, s.rows, s.uncomp, s.pages = 0, 0, 0, 0, 0
	if spec.dict {
		s.dict.reset()
		s.dictVals, s.stamps = s.dictVals[:0], s.stamps[:0]
	}
	s.page.reset()

	// Rows are added a run at a time; a page is cut after the run that
	// fills it, so pages start on row boundaries.
	const run = 1024
	pos := int64(0)
	for _, chunk := range c {
		clen := int64(chunk.Len())
		lo, hi := max(off, pos)-pos, min(off+n, pos+clen)-pos
		pos += clen
		if lo >= hi {
			continue
		}
		if chunk.NullN() > 0 && spec.maxDef == 0 {
			return fmt.Errorf("expected no nulls (the column is not nullable), found %d", chunk.NullN())
		}
		for b := lo; b < hi; b += run {
			e := min(b+run, hi)
			if err := s.add(spec, chunk, int(b), int(e)); err != nil {
				return err
			}
			if s.page.size() >= f.enc.pageBytes {
				if err := s.flushPage(spec, f.enc.level); err != nil {
					return err
				}
			}
		}
	}
	if s.page.values > 0 {
		if err := s.flushPage(spec, f.enc.level); err != nil {
			return err
		}
	}

	// The dictionary page, then the data pages.
	md := format.ColumnMetaData{
		Type:         spec.typ,
		Encoding:     spec.encs,
		PathInSchema: spec.path,
		Codec:        format.Zstd,
		NumValues:    s.values,
	}
	start := f.off
	if spec.dict {
		md.DictionaryPageOffset = f.off
		if err := s.writeDictPage(f, spec, f.enc.level); err != nil {
			return err
		}
		md.EncodingStats = append(md.EncodingStats, format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1})
	}
	md.DataPageOffset = f.off
	md.EncodingStats = append(md.EncodingStats, format.PageEncodingStats{PageType: format.DataPageV2, Encoding: spec.encoding(), Count: s.pages})
	if err := f.write(s.body); err != nil {
		return err
	}
	md.TotalCompressedSize = f.off - start
	md.TotalUncompressedSize = s.uncomp
	md.Statistics.NullCount = s.nulls
	if s.chunk.ok {
		md.Statistics.MinValue = s.chunk.appendBound([]byte{}, spec.kind, false)
		md.Statistics.MaxValue = s.chunk.appendBound([]byte{}, spec.kind, true)
	}
	*cc = format.ColumnChunk{MetaData: md}

	locs := slices.Clone(s.locs)
	for i := range locs {
		locs[i].Offset += md.DataPageOffset
	}
	*oi = format.OffsetIndex{PageLocations: locs}
	*ci = s.ci
	ci.BoundaryOrder = format.Unordered
	s.ci = format.ColumnIndex{} // ci owns the slices now
	return nil
}

// nullMask is the validity bitmap of an Arrow array with nulls.
type nullMask struct {
	bits []byte
	off  int
}

// maskOf returns a's validity bitmap, and false when a has no nulls.
func maskOf(a arrow.Array) (nullMask, bool) {
	if a.NullN() == 0 {
		return nullMask{}, false
	}
	return nullMask{a.NullBitmapBytes(), a.Data().Offset()}, true
}

func (m nullMask) null(i int) bool {
	j := m.off + i
	return m.bits[j>>3]&(1<<(j&7)) == 0
}

// add appends rows [lo, hi) of a to the page.
func (s *scratch) add(spec *columnSpec, a arrow.Array, lo, hi int) error {
	p := &s.page
	p.rows += hi - lo
	if spec.list {
		l, ok := a.(*array.List)
		if !ok {
			return fmt.Errorf("expected a list array, found %s", a.DataType())
		}
		s.addList(spec, l, lo, hi)
		return nil
	}
	m, nulls := maskOf(a)
	if spec.maxDef > 0 {
		base := len(p.defs)
		p.defs = appendRepeat(p.defs, spec.maxDef, hi-lo)
		if nulls {
			defs := p.defs[base:]
			for i := lo; i < hi; i++ {
				if m.null(i) {
					defs[i-lo] = 0
					p.nulls++
				}
			}
		}
	}
	p.values += hi - lo
	switch spec.kind {
	case kindBytes:
		str, ok := a.(*array.String)
		if !ok {
			return fmt.Errorf("expected a string array, found %s", a.DataType())
		}
		offs, data := str.ValueOffsets(), stringData(str)
		if spec.dict {
			s.addDictRun(offs, data, lo, hi, m, nulls)
			return nil
		}
		st := p.st
		for i := lo; i < hi; i++ {
			if nulls && m.null(i) {
				continue
			}
			v := data[offs[i]:offs[i+1]]
			p.lens = append(p.lens, int32(len(v)))
			if k := prefix8(v); !st.ok || k <= st.k0 || k >= st.k1 {
				st.addBytes(v)
			}
			if nulls {
				p.data = append(p.data, v...)
			}
		}
		p.st = st
		if !nulls {
			p.data = append(p.data, data[offs[lo]:offs[hi]]...)
		}
	case kindInt64:
		var vs []int64
		switch a := a.(type) {
		case *array.Int64:
			vs = a.Int64Values()
		case *array.Timestamp:
			vs = unsafe.Slice((*int64)(unsafe.SliceData(a.TimestampValues())), a.Len())
		default:
			return fmt.Errorf("expected an int64 or timestamp array, found %s", a.DataType())
		}
		p.i64 = addInts(p.i64, &p.st, vs, lo, hi, m, nulls)
	case kindInt32:
		a, ok := a.(*array.Int32)
		if !ok {
			return fmt.Errorf("expected an int32 array, found %s", a.DataType())
		}
		p.i32 = addInts(p.i32, &p.st, a.Int32Values(), lo, hi, m, nulls)
	case kindFloat64:
		a, ok := a.(*array.Float64)
		if !ok {
			return fmt.Errorf("expected a float64 array, found %s", a.DataType())
		}
		addFloats(p, a.Float64Values(), lo, hi, m, nulls)
	case kindBool:
		a, ok := a.(*array.Boolean)
		if !ok {
			return fmt.Errorf("expected a boolean array, found %s", a.DataType())
		}
		for i := lo; i < hi; i++ {
			if nulls && m.null(i) {
				continue
			}
			if p.nbits%8 == 0 {
				p.vals = append(p.vals, 0)
			}
			b := int64(0)
			if a.Value(i) {
				p.vals[len(p.vals)-1] |= 1 << (p.nbits % 8)
				b = 1
			}
			p.nbits++
			p.st.addInts(b, b)
		}
	}
	return nil
}

// addInts appends the non-null values [lo, hi) of vs to dst and widens st
// to them.
func addInts[T int32 | int64](dst []T, st *stats, vs []T, lo, hi int, m nullMask, nulls bool) []T {
	n := len(dst)
	if !nulls {
		dst = append(dst, vs[lo:hi]...)
	} else {
		for i := lo; i < hi; i++ {
			if !m.null(i) {
				dst = append(dst, vs[i])
			}
		}
	}
	if added := dst[n:]; len(added) > 0 {
		mn, mx := added[0], added[0]
		for _, v := range added {
			mn, mx = min(mn, v), max(mx, v)
		}
		st.addInts(int64(mn), int64(mx))
	}
	return dst
}

// addFloats appends the non-null values [lo, hi) of a float64 column;
// NaNs are left out of the bounds.
func addFloats(p *pageBuf, vs []float64, lo, hi int, m nullMask, nulls bool) {
	n := len(p.vals)
	if !nulls {
		p.vals = append(p.vals, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vs[lo:hi]))), 8*(hi-lo))...)
	} else {
		for i := lo; i < hi; i++ {
			if !m.null(i) {
				p.vals = binary.LittleEndian.AppendUint64(p.vals, math.Float64bits(vs[i]))
			}
		}
	}
	mn, mx, ok := math.Inf(1), math.Inf(-1), false
	for b := p.vals[n:]; len(b) >= 8; b = b[8:] {
		v := math.Float64frombits(binary.LittleEndian.Uint64(b))
		if v == v {
			mn, mx, ok = min(mn, v), max(mx, v), true
		}
	}
	if ok {
		p.st.addFloats(mn, mx)
	}
}

// addList appends rows [lo, hi) of a list<string>: a null list is one
// level entry at definition 0, an empty list one at the level of the list,
// a null element one at the level below maxDef.
func (s *scratch) addList(spec *columnSpec, a *array.List, lo, hi int) {
	p := &s.page
	elems := a.ListValues().(*array.String)
	eoffs, data := elems.ValueOffsets(), stringData(elems)
	em, enulls := maskOf(elems)
	lm, lnulls := maskOf(a)
	loffs := a.Offsets()[a.Data().Offset():]
	emptyDef := spec.maxDef - 1
	if spec.elemNull {
		emptyDef--
	}
	for i := lo; i < hi; i++ {
		if lnulls && lm.null(i) {
			p.reps, p.defs = append(p.reps, 0), append(p.defs, 0)
			p.values++
			p.nulls++
			continue
		}
		b, e := int(loffs[i]), int(loffs[i+1])
		if b == e {
			p.reps, p.defs = append(p.reps, 0), append(p.defs, emptyDef)
			p.values++
			p.nulls++
			continue
		}
		for j := b; j < e; j++ {
			r := byte(1)
			if j == b {
				r = 0
			}
			p.reps = append(p.reps, r)
			p.values++
			if enulls && em.null(j) {
				p.defs = append(p.defs, spec.maxDef-1)
				p.nulls++
				continue
			}
			p.defs = append(p.defs, spec.maxDef)
			v := data[eoffs[j]:eoffs[j+1]]
			if spec.dict {
				s.addDict(v)
				continue
			}
			p.lens = append(p.lens, int32(len(v)))
			p.data = append(p.data, v...)
			p.st.addBytes(v)
		}
	}
}

// addDict appends the dictionary index of v to the page, adding v to the
// dictionary if new. The page bounds take each dictionary value once.
func (s *scratch) addDict(v []byte) {
	idx, added := s.dict.index(v)
	if added {
		s.dictVals = binary.LittleEndian.AppendUint32(s.dictVals, uint32(len(v)))
		s.dictVals = append(s.dictVals, v...)
		s.stamps = append(s.stamps, -1)
	}
	s.page.idx = append(s.page.idx, idx)
	if s.stamps[idx] != s.pages {
		s.stamps[idx] = s.pages
		s.page.st.addBytes(v)
	}
}

// addDictRun is addDict of the non-null values [lo, hi) of a string array
// (offsets and value buffer), with the table lookup of short values
// already in the table inline.
func (s *scratch) addDictRun(offs []int32, data []byte, lo, hi int, m nullMask, nulls bool) {
	t := &s.dict
	for i := lo; i < hi; i++ {
		if nulls && m.null(i) {
			continue
		}
		v := data[offs[i]:offs[i+1]]
		if len(v) > 24 || 2*(t.short+1) > len(t.slots) {
			s.addDict(v)
			continue
		}
		w0, w1, w2 := dictKey(v)
		ln := uint32(len(v)) + 1
		mask := uint64(len(t.slots) - 1)
		for j := dictHash(w0, w1, w2, ln) & mask; ; j = (j + 1) & mask {
			sl := &t.slots[j]
			if sl.ln == ln && sl.w0 == w0 && sl.w1 == w1 && sl.w2 == w2 {
				idx := sl.idx
				s.page.idx = append(s.page.idx, idx)
				if s.stamps[idx] != s.pages {
					s.stamps[idx] = s.pages
					s.page.st.addBytes(v)
				}
				break
			}
			if sl.ln == 0 {
				s.addDict(v)
				break
			}
		}
	}
}

// dictTable maps the values of a column chunk's dictionary to their
// indices. Values of up to 24 bytes (the usual case for the
// low-cardinality columns worth a dictionary) are their own keys in an
// open-addressing table: their length, first 16 and last 8 bytes, compared
// as words, without hashing or comparing memory. Longer values go to a Go
// map, faster for them (BenchmarkDictionary); its keys alias the Arrow
// buffers, alive while the row group is encoded.
type dictTable struct {
	slots []dictSlot // power of two long
	short int        // values in slots
	long  map[string]int32
	n     int32 // values
}

// dictSlot is a value of up to 24 bytes: its first 16 bytes and, past 16
// bytes, its last 8 (zero padded), its length plus one (0: free slot) and
// its index.
type dictSlot struct {
	w0, w1, w2 uint64
	ln         uint32
	idx        int32
}

func (t *dictTable) reset() {
	clear(t.slots)
	clear(t.long)
	t.short, t.n = 0, 0
}

// dictKey returns the key words of v, at most 24 bytes long.
func dictKey(v []byte) (w0, w1, w2 uint64) {
	n := len(v)
	if cap(v) >= 16 {
		// One unconditional load of 16 bytes, masked to the value.
		w := v[:16]
		w0 = binary.LittleEndian.Uint64(w) & (^uint64(0) >> (64 - 8*uint(min(n, 8))))
		w1 = binary.LittleEndian.Uint64(w[8:]) & (^uint64(0) >> (64 - 8*uint(min(max(n-8, 0), 8))))
	} else {
		w0, w1 = load16(v[:min(n, 16)])
	}
	if n > 16 {
		w2 = binary.LittleEndian.Uint64(v[n-8:])
	}
	return w0, w1, w2
}

// dictHash returns the slot hash of a key.
func dictHash(w0, w1, w2 uint64, ln uint32) uint64 {
	hi, lo := bits.Mul64(w0^0x9E3779B97F4A7C15, w1^w2^uint64(ln)<<32^0xC2B2AE3D27D4EB4F)
	return hi ^ lo
}

// index returns the index of v, and whether v was added.
func (t *dictTable) index(v []byte) (int32, bool) {
	if len(v) > 24 {
		key := unsafe.String(unsafe.SliceData(v), len(v))
		if idx, ok := t.long[key]; ok {
			return idx, false
		}
		if t.long == nil {
			t.long = make(map[string]int32)
		}
		t.long[key] = t.n
		t.n++
		return t.n - 1, true
	}
	w0, w1, w2 := dictKey(v)
	ln := uint32(len(v)) + 1
	if 2*(t.short+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := dictHash(w0, w1, w2, ln) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.ln == ln && sl.w0 == w0 && sl.w1 == w1 && sl.w2 == w2 {
			return sl.idx, false
		}
		if sl.ln == 0 {
			*sl = dictSlot{w0: w0, w1: w1, w2: w2, ln: ln, idx: t.n}
			t.short++
			t.n++
			return sl.idx, true
		}
	}
}

func (t *dictTable) grow() {
	old := t.slots
	t.slots = make([]dictSlot, max(64, 2*len(old)))
	mask := uint64(len(t.slots) - 1)
	for _, sl := range old {
		if sl.ln == 0 {
			continue
		}
		i := dictHash(sl.w0, sl.w1, sl.w2, sl.ln) & mask
		for t.slots[i].ln != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = sl
	}
}

// load16 returns the bytes of v (at most 16) as two little-endian words,
// zero padded.
func load16(v []byte) (w0, w1 uint64) {
	if len(v) >= 8 {
		return binary.LittleEndian.Uint64(v), load8(v[8:])
	}
	return load8(v), 0
}

// load8 returns the bytes of v (at most 8) as a little-endian word, zero
// padded.
func load8(v []byte) uint64 {
	switch n := len(v); {
	case n >= 8:
		return binary.LittleEndian.Uint64(v)
	case n >= 4:
		// Two overlapping loads: the shared bytes are the same.
		return uint64(binary.LittleEndian.Uint32(v)) | uint64(binary.LittleEndian.Uint32(v[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(v[0]) | uint64(v[n/2])<<(8*(n/2)) | uint64(v[n-1])<<(8*(n-1))
	}
	return 0
}

// stringData returns the whole value buffer of a, which its offsets index.
func stringData(a *array.String) []byte {
	if b := a.Data().Buffers()[2]; b != nil {
		return b.Bytes()
	}
	return nil
}

func appendRepeat(dst []byte, v byte, n int) []byte {
	l := len(dst)
	dst = slices.Grow(dst, n)[:l+n]
	if v == 0 {
		clear(dst[l:])
		return dst
	}
	dst[l] = v
	for k := 1; k < n; k *= 2 {
		copy(dst[l+k:], dst[l:l+k])
	}
	return dst
}

// flushPage encodes, compresses and appends the page to the chunk body.
func (s *scratch) flushPage(spec *columnSpec, level int) error {
	p := &s.page
	var err error
	s.reps, s.defs = s.reps[:0], s.defs[:0]
	if spec.maxRep > 0 {
		if s.reps, err = (&rle.Encoding{BitWidth: bits.Len8(spec.maxRep)}).EncodeLevels(s.reps, p.reps); err != nil {
			return err
		}
	}
	if spec.maxDef > 0 {
		if p.nulls == 0 && spec.maxRep == 0 {
			// One run of maxDef: the usual case, without scanning the levels.
			s.defs = binary.AppendUvarint(s.defs, uint64(p.values)<<1)
			s.defs = append(s.defs, spec.maxDef)
		} else if s.defs, err = (&rle.Encoding{BitWidth: bits.Len8(spec.maxDef)}).EncodeLevels(s.defs, p.defs); err != nil {
			return err
		}
	}
	vals := p.vals
	switch {
	case spec.dict:
		if s.vals, err = (&rle.DictionaryEncoding{}).EncodeInt32(s.vals, p.idx); err != nil {
			return err
		}
		vals = s.vals
	case spec.kind == kindBytes:
		if s.vals, err = (&delta.BinaryPackedEncoding{}).EncodeInt32(s.vals, p.lens); err != nil {
			return err
		}
		s.vals = append(s.vals, p.data...)
		vals = s.vals
	case spec.kind == kindInt64:
		s.vals, _ = (&delta.BinaryPackedEncoding{}).EncodeInt64(s.vals, p.i64)
		vals = s.vals
	case spec.kind == kindInt32:
		s.vals, _ = (&delta.BinaryPackedEncoding{}).EncodeInt32(s.vals, p.i32)
		vals = s.vals
	}
	if s.comp, err = s.zctx.CompressLevel(s.comp[:cap(s.comp)], vals, level); err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	levels := len(s.reps) + len(s.defs)
	h := format.PageHeader{
		Type:                 format.DataPageV2,
		UncompressedPageSize: int32(levels + len(vals)),
		CompressedPageSize:   int32(levels + len(s.comp)),
		DataPageHeaderV2: thrift.New(format.DataPageHeaderV2{
			NumValues:                  int32(p.values),
			NumNulls:                   int32(p.nulls),
			NumRows:                    int32(p.rows),
			Encoding:                   spec.encoding(),
			DefinitionLevelsByteLength: int32(len(s.defs)),
			RepetitionLevelsByteLength: int32(len(s.reps)),
			IsCompressed:               thrift.New(true),
		}),
	}
	s.hdr.Reset()
	if err := s.thrift.Encode(&h); err != nil {
		return err
	}
	s.locs = append(s.locs, format.PageLocation{
		Offset:             int64(len(s.body)),
		CompressedPageSize: int32(s.hdr.Len()) + h.CompressedPageSize,
		FirstRowIndex:      s.rows,
	})
	s.body = append(s.body, s.hdr.Bytes()...)
	s.body = append(s.body, s.reps...)
	s.body = append(s.body, s.defs...)
	s.body = append(s.body, s.comp...)
	s.uncomp += int64(s.hdr.Len()) + int64(h.UncompressedPageSize)

	// Column index and chunk statistics.
	nullPage := p.values == p.nulls
	s.ci.NullPages = append(s.ci.NullPages, nullPage)
	s.ci.NullCounts = append(s.ci.NullCounts, int64(p.nulls))
	switch {
	case !nullPage && !p.st.ok:
		// Values but no bounds: all NaN, which is then the page's bounds.
		nan := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
		s.ci.MinValues = append(s.ci.MinValues, nan)
		s.ci.MaxValues = append(s.ci.MaxValues, nan)
	case p.st.ok:
		lo, hi := p.st.appendBound([]byte{}, spec.kind, false), p.st.appendBound([]byte{}, spec.kind, true)
		if spec.kind == kindBytes && len(lo) > columnIndexLimit {
			lo = lo[:columnIndexLimit]
		}
		if spec.kind == kindBytes && len(hi) > columnIndexLimit {
			hi = incrementBytes(hi[:columnIndexLimit])
		}
		s.ci.MinValues = append(s.ci.MinValues, lo)
		s.ci.MaxValues = append(s.ci.MaxValues, hi)
		s.chunk.merge(&p.st, spec.kind)
	default:
		s.ci.MinValues = append(s.ci.MinValues, []byte{})
		s.ci.MaxValues = append(s.ci.MaxValues, []byte{})
	}
	s.values += int64(p.values)
	s.nulls += int64(p.nulls)
	s.rows += int64(p.rows)
	s.pages++
	p.reset()
	return nil
}

// incrementBytes turns a truncated upper bound into one above every value
// it was cut from (parquet-java's BinaryTruncator).
func incrementBytes(v []byte) []byte {
	for i := len(v) - 1; i >= 0; i-- {
		v[i]++
		if v[i] != 0 {
			return v
		}
	}
	for i := range v {
		v[i] = 0xFF
	}
	return v
}

// writeDictPage writes the chunk's dictionary page to f.
func (s *scratch) writeDictPage(f *parquetFile, spec *columnSpec, level int) error {
	var err error
	if s.comp, err = s.zctx.CompressLevel(s.comp[:cap(s.comp)], s.dictVals, level); err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	h := format.PageHeader{
		Type:                 format.DictionaryPage,
		UncompressedPageSize: int32(len(s.dictVals)),
		CompressedPageSize:   int32(len(s.comp)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
			NumValues: int32(len(s.stamps)),
			Encoding:  format.Plain,
		}),
	}
	s.hdr.Reset()
	if err := s.thrift.Encode(&h); err != nil {
		return err
	}
	s.uncomp += int64(s.hdr.Len()) + int64(h.UncompressedPageSize)
	if err := f.write(s.hdr.Bytes()); err != nil {
		return err
	}
	return f.write(s.comp)
}

// close writes the page index and the footer; it does not close the
// underlying writer.
func (f *parquetFile) close() error {
	if f.err != nil {
		return f.err
	}
	if f.off == 0 {
		if err := f.write([]byte(parquetMagic)); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	enc := thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&buf))
	encode := func(v any) (int64, int32, error) {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return 0, 0, err
		}
		at := f.off
		return at, int32(buf.Len()), f.write(buf.Bytes())
	}
	var err error
	for r := range f.rowGroups {
		for c := range f.rowGroups[r].Columns {
			cc := &f.rowGroups[r].Columns[c]
			if cc.ColumnIndexOffset, cc.ColumnIndexLength, err = encode(&f.colIdx[r][c]); err != nil {
				return err
			}
		}
	}
	for r := range f.rowGroups {
		for c := range f.rowGroups[r].Columns {
			cc := &f.rowGroups[r].Columns[c]
			if cc.OffsetIndexOffset, cc.OffsetIndexLength, err = encode(&f.offIdx[r][c]); err != nil {
				return err
			}
		}
	}
	md := format.FileMetaData{
		Version:      2,
		Schema:       f.enc.schema,
		RowGroups:    f.rowGroups,
		CreatedBy:    version.CreatedBy(),
		ColumnOrders: make([]format.ColumnOrder, len(f.enc.cols)),
	}
	for _, rg := range f.rowGroups {
		md.NumRows += rg.NumRows
	}
	for i := range md.ColumnOrders {
		md.ColumnOrders[i] = format.ColumnOrder{Value: &format.TypeDefinedOrder{}}
	}
	buf.Reset()
	if err := enc.Encode(&md); err != nil {
		return err
	}
	buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(buf.Len())))
	buf.WriteString(parquetMagic)
	f.colIdx, f.offIdx = nil, nil
	return f.write(buf.Bytes())
}
