package orders

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/zeebo/xxh3"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/parse"
	"ingot/issue"
	"ingot/schema"
	"ingot/validate"
)

// OrderColumns is the part of schema.OrdersSchema that comes from the
// input: order_id … last_updated. records.go adds fingerprint and provenance.
var OrderColumns = arrow.NewSchema(schema.OrdersSchema.Fields()[:17], nil)

// ItemColumns is the part of schema.LineItemsSchema that comes from the
// input: line_item_id … status. records.go adds order_id, line_no and
// provenance.
var ItemColumns = arrow.NewSchema(schema.LineItemsSchema.Fields()[2:24], nil)

// MissingColumnsError says which required columns a header lacks.
type MissingColumnsError struct {
	Format  string
	Missing []string
	Near    map[string]string // missing name → a header name that differs only in case or spacing
}

// Error lists the missing columns and likely misspellings.
func (e *MissingColumnsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", parse.ErrMissingColumns, e.Format, strings.Join(e.Missing, ", "))
	for _, m := range e.Missing {
		if n, ok := e.Near[m]; ok {
			fmt.Fprintf(&b, "; found %q, did you mean %q? (names are case-sensitive)", n, m)
		}
	}
	return b.String()
}

// Unwrap returns parse.ErrMissingColumns.
func (e *MissingColumnsError) Unwrap() error { return parse.ErrMissingColumns }

// Options configures an Validator.
type Options struct {
	// HashEmails replaces e-mail user ids by their SHA-256 (type email_sha256).
	HashEmails bool
	// Allocator for the typed columns; default memory.DefaultAllocator.
	Allocator memory.Allocator
	// Pool, if set, provides recycled memory for buffers written whole
	// (the JSON fragments), returned by Rows.Release.
	Pool *columnar.PoolAllocator
}

// Validator turns raw batches of an order format into typed order
// rows. It is safe for concurrent use: Validate keeps no state between
// calls.
type Validator struct {
	format   *formats.Format
	opt      Options
	header   []string
	fieldCol []int // raw column of each field, -1 if absent
	keyField int
	order    []int // field feeding each column of OrderColumns, -1 if none
	item     []int // field feeding each column of ItemColumns
	typeF    int   // the UserIDType field
	orderSum [4]int
	itemSum  [4]int // columns total, subtotal, tax, shipping in their parts

	// Bytes per row of the last batch's JSON fragments: the next batch's
	// first guess, so that the buffers rarely grow.
	orderJSONHint, itemJSONHint atomic.Int64
}

// NewValidator binds format to a header. A missing required column is
// a *MissingColumnsError; columns the format does not know are ignored.
func NewValidator(format *formats.Format, header []string, opt Options) (*Validator, error) {
	if opt.Allocator == nil {
		opt.Allocator = memory.DefaultAllocator
	}
	v := &Validator{format: format, opt: opt, header: header, keyField: -1, typeF: -1}
	pos := make(map[string]int, len(header))
	for i, h := range header {
		pos[h] = i
	}
	var missing []string
	near := map[string]string{}
	for fi, f := range format.Fields {
		i, ok := pos[f.Name]
		if !ok {
			i = -1
			if f.Required {
				missing = append(missing, f.Name)
				for _, h := range header {
					if normName(h) == normName(f.Name) {
						near[f.Name] = h
					}
				}
			}
		}
		v.fieldCol = append(v.fieldCol, i)
		switch f.Type {
		case formats.Key:
			v.keyField = fi
		case formats.UserIDType:
			v.typeF = fi
		}
	}
	if len(missing) > 0 {
		return nil, &MissingColumnsError{Format: format.Name, Missing: missing, Near: near}
	}
	if v.keyField < 0 {
		return nil, fmt.Errorf("orders: order format %s has no Key field", format.Name)
	}
	var err error
	if v.order, err = v.feeds(OrderColumns, schema.Orders); err != nil {
		return nil, err
	}
	if v.item, err = v.feeds(ItemColumns, schema.LineItems); err != nil {
		return nil, err
	}
	for k, name := range []string{"total", "subtotal", "tax", "shipping"} {
		v.orderSum[k] = OrderColumns.FieldIndices(name)[0]
		v.itemSum[k] = ItemColumns.FieldIndices(name)[0]
	}
	return v, nil
}

func normName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// feeds maps every column of sch to the field of table that fills it.
func (v *Validator) feeds(sch *arrow.Schema, table string) ([]int, error) {
	out := make([]int, sch.NumFields())
	for c, col := range sch.Fields() {
		out[c] = -1
		for fi, f := range v.format.Fields {
			if f.Table == table && f.Column == col.Name {
				out[c] = fi
			}
		}
		if out[c] < 0 && !col.Nullable && col.Type.ID() != arrow.BOOL {
			return nil, fmt.Errorf("orders: order format %s: nothing fills non-nullable column %s", v.format.Name, col.Name)
		}
	}
	return out, nil
}

// Header returns the header the validator was bound to.
func (v *Validator) Header() []string { return v.header }

// KeyColumn returns the name of the input column holding the order id.
func (v *Validator) KeyColumn() string { return v.format.Fields[v.keyField].Name }

// FieldOf returns the field read from raw column col, or nil.
func (v *Validator) FieldOf(col int) *formats.Field {
	for fi, c := range v.fieldCol {
		if c == col && col >= 0 {
			return &v.format.Fields[fi]
		}
	}
	return nil
}

// Fragments holds one JSON fragment per row back to back: fragment i is
// Data[Offs[i]:Offs[i+1]].
type Fragments struct {
	Data []byte
	Offs []int32
}

// At returns fragment i.
func (f *Fragments) At(i int) []byte { return f.Data[f.Offs[i]:f.Offs[i+1]] }

// Rows is a raw batch of an order format, typed and checked.
type Rows struct {
	// Source names the input the rows came from.
	Source string
	// Lines holds the line each row starts on.
	Lines []int64
	// Starts lists the rows that begin an order (a key different from the
	// one in force).
	Starts []int32
	// OrderID holds, for every row, the order it belongs to; null before
	// the first order of a file.
	OrderID *array.String
	// Orders has the OrderColumns of every start, in Starts order.
	Orders arrow.RecordBatch
	// Items has the ItemColumns of every row.
	Items arrow.RecordBatch
	// Issues are the reader's and the rules' issues; Col is a raw column.
	Issues columnar.Issues
	// RowError marks the rows with an issue of severity Error.
	RowError []bool
	// OrderHash and ItemHash identify the content of each start's order
	// columns and each row's line-item columns (hashes of their JSON).
	OrderHash, ItemHash []uint64
	// Month is the YYYYMM of each start's created_at (0 when invalid).
	Month []int32
	// OrderJSON and ItemJSON are the JSON object members of each start's
	// order columns and each row's line-item columns.
	OrderJSON, ItemJSON Fragments
	// Rejects holds a reject for every issue of severity Error, in row
	// order, and RejectRow the row of each: the grouper keeps those of the
	// records it rejects. They are made here, in parallel, so that the raw
	// columns can be dropped right after validation.
	Rejects   []validate.Reject
	RejectRow []int32

	rows int
	pool *columnar.PoolAllocator
}

// Rows returns the number of input rows.
func (o *Rows) Rows() int { return o.rows }

// Release frees the arrays.
func (o *Rows) Release() {
	if o.pool != nil {
		for _, f := range []*Fragments{&o.OrderJSON, &o.ItemJSON} {
			if f.Data != nil {
				o.pool.Free(f.Data)
				f.Data = nil
			}
		}
	}
	for _, r := range []interface{ Release() }{o.OrderID, o.Orders, o.Items} {
		if r != nil {
			r.Release()
		}
	}
}

// Validate types and checks one raw batch. It takes over the caller's
// reference to b and releases it: the result keeps what later stages need.
func (v *Validator) Validate(b *columnar.Batch) (_ *Rows, err error) {
	mem := v.opt.Allocator
	n := b.Rows()
	o := &Rows{Source: b.Source, Lines: slices.Clone(b.Lines()), rows: n, pool: v.opt.Pool}
	defer b.Release()
	defer func() {
		if err != nil {
			o.Release()
		}
	}()
	o.Issues.Append(&b.Issues)

	keyCol := v.fieldCol[v.keyField]
	ids := array.NewStringBuilder(mem)
	defer ids.Release()
	var orphans []int32
	// Starts is never nil: a nil selection means every row to the kernels.
	o.Starts, orphans = columnar.FillDown(columnar.StringsOf(b.Field(keyCol)), []byte(b.PrevKey), ids, make([]int32, 0, 64), nil)
	o.OrderID = ids.NewStringArray()
	for _, r := range orphans {
		o.Issues.Add(int(r), keyCol, issue.OrphanRow, 0)
	}

	if o.Orders, err = v.build(b, OrderColumns, v.order, o.Starts, &o.Issues); err != nil {
		return nil, err
	}
	if o.Items, err = v.build(b, ItemColumns, v.item, nil, &o.Issues); err != nil {
		return nil, err
	}
	validate.SumCheck(o.Orders, v.orderSum, o.Starts, v.fieldCol[v.order[v.orderSum[0]]], &o.Issues)
	validate.SumCheck(o.Items, v.itemSum, nil, v.fieldCol[v.item[v.itemSum[0]]], &o.Issues)

	validate.SortIssues(&o.Issues)
	o.RowError = make([]bool, n)
	for k, c := range o.Issues.Code {
		if issue.InfoOf(c).Severity == issue.Error {
			row := int(o.Issues.Row[k])
			o.RowError[row] = true
			o.Rejects = append(o.Rejects, v.reject(b, o, k))
			o.RejectRow = append(o.RejectRow, int32(row))
		}
	}

	o.Month = make([]int32, len(o.Starts))
	created := o.Orders.Column(OrderColumns.FieldIndices("created_at")[0]).(*array.Timestamp)
	for i, ts := range created.TimestampValues() {
		if created.IsValid(i) {
			o.Month[i] = columnar.Month(int64(ts))
		}
	}
	if o.OrderJSON, err = fragments(o.Orders, &v.orderJSONHint, v.opt.Pool); err != nil {
		return nil, err
	}
	if o.ItemJSON, err = fragments(o.Items, &v.itemJSONHint, v.opt.Pool); err != nil {
		return nil, err
	}
	// The content hashes are those of the JSON fragments: a canonical
	// rendering of the typed values (floats in their shortest form, nulls
	// left out), so 12.5 and 12.50 hash alike, and hashing ~400 bytes in
	// one go costs a fraction of hashing each value.
	o.OrderHash = hashFragments(&o.OrderJSON)
	o.ItemHash = hashFragments(&o.ItemJSON)
	return o, nil
}

func hashFragments(f *Fragments) []uint64 {
	h := make([]uint64, len(f.Offs)-1)
	for i := range h {
		h[i] = xxh3.Hash(f.At(i))
	}
	return h
}

// reject renders issue k of o as a reject.
func (v *Validator) reject(b *columnar.Batch, o *Rows, k int) validate.Reject {
	row, col, code := int(o.Issues.Row[k]), int(o.Issues.Col[k]), o.Issues.Code[k]
	r := validate.Reject{File: b.Source, Line: o.Lines[row], RecordID: o.OrderID.Value(row), Code: code}
	mc := issue.MessageContext{Fields: len(v.header), RecordID: r.RecordID, Line: r.Line}
	if col >= 0 && col < b.NumFields() {
		r.Column = v.header[col]
		r.Value = b.Field(col).Value(row)
		mc.Field = r.Column
		if f := v.FieldOf(col); f != nil {
			mc.Allowed = f.Allowed
		}
	} else {
		r.Value = rowText(b, row)
	}
	if code == issue.InvalidUserID && v.typeF >= 0 && v.fieldCol[v.typeF] >= 0 {
		mc.UserIDType = strings.TrimSpace(b.Field(v.fieldCol[v.typeF]).Value(row))
	}
	r.Message = issue.Message(code, o.Issues.Arg[k], r.Value, mc)
	r.Value = strings.Clone(r.Value)
	return r
}

// rowText rebuilds a raw row as comma-separated text, for whole-row rejects.
func rowText(b *columnar.Batch, row int) string {
	var sb strings.Builder
	for c := range b.NumFields() {
		if c > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(b.Field(c).Value(row))
	}
	return sb.String()
}

func fragments(rec arrow.RecordBatch, hint *atomic.Int64, pool *columnar.PoolAllocator) (Fragments, error) {
	j, err := columnar.NewJSONRows(rec)
	if err != nil {
		return Fragments{}, err
	}
	n := int(rec.NumRows())
	per := cmp.Or(hint.Load(), 400)
	size := int(int64(n) * per * 9 / 8)
	f := Fragments{Offs: make([]int32, n+1)}
	if pool != nil {
		f.Data = pool.Allocate(size)[:0]
	} else {
		f.Data = make([]byte, 0, size)
	}
	for i := range n {
		f.Data = j.Append(f.Data, i)
		f.Offs[i+1] = int32(len(f.Data))
	}
	if n > 0 {
		hint.Store(int64(len(f.Data)/n + 1))
	}
	return f, nil
}

// build makes the columns of schema for the rows sel (all when nil) of b.
func (v *Validator) build(b *columnar.Batch, schema *arrow.Schema, feed []int, sel []int32, is *columnar.Issues) (arrow.RecordBatch, error) {
	mem := v.opt.Allocator
	rows := b.Rows()
	if sel != nil {
		rows = len(sel)
	}
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	views := make([]arrow.Array, len(feed)) // columns shared with the raw batch
	for c, fi := range feed {
		out := rb.Field(c)
		if fi < 0 || v.fieldCol[fi] < 0 { // column absent from this input
			if bb, ok := out.(*array.BooleanBuilder); ok {
				for range rows {
					bb.Append(false)
				}
				continue
			}
			out.AppendNulls(rows)
			continue
		}
		f := &v.format.Fields[fi]
		col := v.fieldCol[fi]
		in := columnar.StringsOf(b.Field(col))
		chk := columnar.Check{Issues: is, Col: col, Required: f.Required, Missing: issue.Missing}
		switch f.Type {
		case formats.Text, formats.Key:
			if sel == nil {
				if a, ok := columnar.TextsView(mem, b.Field(col), chk); ok {
					views[c] = a
					continue
				}
			}
			columnar.Texts(in, sel, out.(*array.StringBuilder), chk)
		case formats.Decimal:
			chk.Bad = issue.NotANumber
			columnar.Money(in, sel, out.(*array.Decimal128Builder), columnar.MoneyCheck{Check: chk, Rounded: issue.DecimalRounded, Overflow: issue.DecimalOverflow})
		case formats.Integer:
			chk.Bad = issue.NotAnInteger
			columnar.Int64s(in, sel, out.(*array.Int64Builder), chk)
		case formats.Boolean:
			chk.Bad = issue.NotABoolean
			columnar.Bools(in, sel, out.(*array.BooleanBuilder), false, chk)
		case formats.Timestamp:
			chk.Bad = issue.BadTimestamp
			columnar.Timestamps(in, sel, out.(*array.TimestampBuilder), chk)
		case formats.List:
			columnar.Lists(in, sel, out.(*array.ListBuilder), ';', chk)
		case formats.Enum:
			chk.Bad = issue.BadEnum
			columnar.Enum(in, sel, out.(*array.StringBuilder), f.Allowed, chk)
		case formats.CurrencyCode:
			chk.Bad = issue.BadCurrency
			validate.Currencies(in, sel, out.(*array.StringBuilder), chk)
		case formats.UserIDType:
			// Written together with the value, below.
		case formats.UserIDValue:
			if v.typeF < 0 || v.fieldCol[v.typeF] < 0 {
				return nil, fmt.Errorf("orders: order format %s: a user id needs a user id type", v.format.Name)
			}
			types := columnar.StringsOf(b.Field(v.fieldCol[v.typeF]))
			typeOut := rb.Field(slices.Index(feed, v.typeF)).(*array.StringBuilder)
			validate.UserIDs(types, in, sel, typeOut, out.(*array.StringBuilder), v.opt.HashEmails, v.fieldCol[v.typeF], chk)
		default:
			return nil, fmt.Errorf("orders: field %s: unknown type %d", f.Name, f.Type)
		}
	}
	cols := make([]arrow.Array, len(feed))
	for c := range cols {
		if views[c] != nil {
			cols[c] = views[c]
		} else {
			cols[c] = rb.Field(c).NewArray()
		}
	}
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	return array.NewRecordBatch(schema, cols, int64(rows)), nil
}
