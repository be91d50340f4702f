package commit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// openStoreFile returns a reader of the whole of a store file and its size:
// the file itself for a local store, else its content read into memory.
func openStoreFile(ctx context.Context, s Store, p string) (io.ReaderAt, int64, func() error, error) {
	if lp := s.LocalPath(p); lp != "" {
		if err := ctx.Err(); err != nil {
			return nil, 0, nil, err
		}
		f, err := os.Open(lp)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("open %s: %w", p, err)
		}
		st, err := f.Stat()
		if err != nil {
			return nil, 0, nil, errors.Join(fmt.Errorf("open %s: %w", p, err), f.Close())
		}
		return f, st.Size(), f.Close, nil
	}
	b, err := s.ReadFile(ctx, p)
	if err != nil {
		return nil, 0, nil, err
	}
	return bytes.NewReader(b), int64(len(b)), func() error { return nil }, nil
}

// readParquet calls f with each row group of the Parquet file in r as an
// Arrow record of schema (which must be the schema the file was written
// with, by name and type). The record is released when f returns; f must
// Retain it to keep it.
func readParquet(ctx context.Context, r io.ReaderAt, size int64, schema *arrow.Schema, mem memory.Allocator, f func(arrow.RecordBatch) error) error {
	pf, err := parquet.OpenFile(r, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return err
	}
	leaves := make([]leafColumn, schema.NumFields())
	for i, fld := range schema.Fields() {
		path := []string{fld.Name}
		lt, isList := fld.Type.(*arrow.ListType)
		if isList {
			path = append(path, "list", "element")
		}
		lc, ok := pf.Schema().Lookup(path...)
		if !ok {
			return fmt.Errorf("expected column %s in the file, found none", fld.Name)
		}
		leaves[i] = leafColumn{index: lc.ColumnIndex, maxDef: lc.MaxDefinitionLevel, elemNull: isList && lt.ElemField().Nullable}
	}
	vals := make([]parquet.Value, readBatch)
	for ri, rg := range pf.RowGroups() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := array.NewRecordBuilder(mem, schema)
		b.Reserve(int(rg.NumRows()))
		for i, fld := range schema.Fields() {
			if err := readColumn(rg.ColumnChunks()[leaves[i].index], b.Field(i), leaves[i], vals); err != nil {
				b.Release()
				return fmt.Errorf("row group %d, column %s: %w", ri, fld.Name, err)
			}
		}
		rec := b.NewRecordBatch()
		b.Release()
		if rec.NumRows() != rg.NumRows() {
			rec.Release()
			return fmt.Errorf("row group %d: expected %d rows, read %d", ri, rg.NumRows(), rec.NumRows())
		}
		err := f(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// readColumn appends every value of a column chunk to b.
func readColumn(cc parquet.ColumnChunk, b array.Builder, lc leafColumn, vals []parquet.Value) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(vals)
			if n > 0 {
				if aerr := appendArrow(b, vals[:n], lc); aerr != nil {
					parquet.Release(p)
					return aerr
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(p)
				return err
			}
		}
		parquet.Release(p)
	}
}

// appendArrow appends values read from a page to b.
func appendArrow(b array.Builder, vals []parquet.Value, lc leafColumn) error {
	switch b := b.(type) {
	case *array.ListBuilder:
		eb := b.ValueBuilder().(*array.StringBuilder)
		emptyDef := lc.maxDef - 1
		if lc.elemNull {
			emptyDef--
		}
		for _, v := range vals {
			def := v.DefinitionLevel()
			if v.RepetitionLevel() == 0 {
				switch {
				case def == 0:
					b.AppendNull()
					continue
				case def == emptyDef:
					b.AppendEmptyValue()
					continue
				}
				b.Append(true)
			}
			if def == lc.maxDef {
				eb.BinaryBuilder.Append(v.ByteArray())
			} else {
				eb.AppendNull()
			}
		}
		return nil
	}
	for _, v := range vals {
		if v.IsNull() {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.StringBuilder:
			b.BinaryBuilder.Append(v.ByteArray())
		case *array.Float64Builder:
			b.Append(v.Double())
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(v.Int64()))
		case *array.Int64Builder:
			b.Append(v.Int64())
		case *array.Int32Builder:
			b.Append(v.Int32())
		case *array.BooleanBuilder:
			b.Append(v.Boolean())
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v.Int64()))
		default:
			return fmt.Errorf("unsupported type %s", b.Type())
		}
	}
	return nil
}

// FilterFile rewrites a published file keeping only the rows where
// keep(rec)[i] is true, as a new part of the same table and partition,
// removes the old one and returns the new FileInfo (Rows 0 → no file,
// FileInfo.Path == ""). keep sees each row group as a record of schema and
// must return one bool per row.
func FilterFile(ctx context.Context, s Store, f FileInfo, schema *arrow.Schema, importID string, parts *Parts, keep func(rec arrow.RecordBatch) []bool) (FileInfo, error) {
	r, size, closeFile, err := openStoreFile(ctx, s, f.Path)
	if err != nil {
		return FileInfo{}, fmt.Errorf("filter %s: %w", f.Path, err)
	}
	mem := memory.DefaultAllocator
	w, err := NewTableWriter(s, f.Table, schema, importID, parts,
		WriterOptions{Concurrency: 1, MaxFileRows: max(f.Rows, DefaultMaxFileRows)})
	if err != nil {
		return FileInfo{}, errors.Join(fmt.Errorf("filter %s: %w", f.Path, err), closeFile())
	}
	err = readParquet(ctx, r, size, schema, mem, func(rec arrow.RecordBatch) error {
		mask := keep(rec)
		if len(mask) != int(rec.NumRows()) {
			return fmt.Errorf("keep returned %d flags for %d rows", len(mask), rec.NumRows())
		}
		kept := filterRecord(rec, mask, mem)
		defer kept.Release()
		if kept.NumRows() == 0 {
			return nil
		}
		return w.Write(ctx, f.Partition, kept)
	})
	if cerr := closeFile(); err == nil {
		err = cerr
	}
	var files []FileInfo
	if err == nil {
		files, err = w.Close(ctx)
	}
	if err != nil {
		return FileInfo{}, errors.Join(fmt.Errorf("filter %s: %w", f.Path, err), w.Abort(ctx))
	}
	if len(files) > 1 {
		return FileInfo{}, errors.Join(fmt.Errorf("filter %s: expected one file, wrote %d", f.Path, len(files)), w.Abort(ctx))
	}
	if err := s.Remove(ctx, f.Path); err != nil {
		return FileInfo{}, errors.Join(fmt.Errorf("filter %s: %w", f.Path, err), w.Abort(ctx))
	}
	if len(files) == 0 {
		return FileInfo{}, nil
	}
	return files[0], nil
}

// filterRecord returns the rows of rec where keep is true. When all are,
// it returns rec itself, retained.
func filterRecord(rec arrow.RecordBatch, keep []bool, mem memory.Allocator) arrow.RecordBatch {
	if !slices.Contains(keep, false) {
		rec.Retain()
		return rec
	}
	b := array.NewRecordBuilder(mem, rec.Schema())
	defer b.Release()
	for c, col := range rec.Columns() {
		copyRows(b.Field(c), col, keep)
	}
	return b.NewRecordBatch()
}

// copyRows appends the rows of a where keep is true to b.
func copyRows(b array.Builder, a arrow.Array, keep []bool) {
	for i, k := range keep {
		if !k {
			continue
		}
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		switch a := a.(type) {
		case *array.String:
			b.(*array.StringBuilder).Append(a.Value(i))
		case *array.Float64:
			b.(*array.Float64Builder).Append(a.Value(i))
		case *array.Decimal128:
			b.(*array.Decimal128Builder).Append(a.Value(i))
		case *array.Int64:
			b.(*array.Int64Builder).Append(a.Value(i))
		case *array.Int32:
			b.(*array.Int32Builder).Append(a.Value(i))
		case *array.Boolean:
			b.(*array.BooleanBuilder).Append(a.Value(i))
		case *array.Timestamp:
			b.(*array.TimestampBuilder).Append(a.Value(i))
		case *array.List:
			lb := b.(*array.ListBuilder)
			eb := lb.ValueBuilder().(*array.StringBuilder)
			elems := a.ListValues().(*array.String)
			lb.Append(true)
			s, e := a.ValueOffsets(i)
			for j := int(s); j < int(e); j++ {
				if elems.IsNull(j) {
					eb.AppendNull()
				} else {
					eb.Append(elems.Value(j))
				}
			}
		}
	}
}

// readBatch is how many values are read from a page at a time.
const readBatch = 1024
