package commit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"ingot/version"
)

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
