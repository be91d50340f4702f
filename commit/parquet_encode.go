package commit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	ddzstd "github.com/DataDog/zstd"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The Parquet encoding goes straight from Arrow buffers to Parquet pages:
// values are copied (or dictionary-indexed) a run of rows at a time from
// the Arrow arrays into page buffers, without parquet.Value, row structs or
// reflection. The page, level and footer formats are parquet-go's (its
// format, thrift, rle and delta packages); pages are compressed with the C
// zstd library. bench/RESULTS.md ("Parquet writer") has the measurements
// behind each choice.

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
		case *arrow.Decimal128Type:
			// Money, in ten-thousandths: PLAIN pages compress under zstd
			// to about half the size of delta-packed ones (prices are
			// unrelated row to row, and mostly-zero columns such as
			// shipping and refund leave long runs of zero bytes).
			c.kind, c.typ, c.plain = kindInt64, format.Int64, true
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
		case *array.Decimal128:
			p.i64 = addMoney(p.i64, &p.st, a.Values(), lo, hi, m, nulls)
			return nil
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

// addMoney appends the non-null values [lo, hi) of a DECIMAL(18,4) column
// as int64 (the low words of the 128-bit values, which hold every value of
// 18 digits) and widens st to them.
func addMoney(dst []int64, st *stats, vs []decimal128.Num, lo, hi int, m nullMask, nulls bool) []int64 {
	n := len(dst)
	for i := lo; i < hi; i++ {
		if !nulls || !m.null(i) {
			dst = append(dst, int64(vs[i].LowBits()))
		}
	}
	if added := dst[n:]; len(added) > 0 {
		mn, mx := added[0], added[0]
		for _, v := range added {
			mn, mx = min(mn, v), max(mx, v)
		}
		st.addInts(mn, mx)
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
	case spec.kind == kindInt64 && spec.plain:
		s.vals = s.vals[:0]
		for _, v := range p.i64 {
			s.vals = binary.LittleEndian.AppendUint64(s.vals, uint64(v))
		}
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
