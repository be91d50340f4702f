package orders

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
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
	// OnRagged is what a row with more or fewer fields than the header
	// does (kinds.RecordOptions.OnRagged): reject its order ("" or
	// reject), or keep it with its missing fields empty (pad; a row with
	// too many is still rejected) or its surplus fields dropped by the
	// reader (truncate). Its field_count issue is counted either way.
	OnRagged string
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
	order    []int    // field feeding each column of OrderColumns, -1 if none
	item     []int    // field feeding each column of ItemColumns
	typeF    int      // the UserIDType field
	carry    []string // the format's carried header names (formats.Format.Carry)
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
		switch {
		case f.Name == "" && f.Const != "":
			i = colConst
		case !ok:
			i = -1
			if f.Required && !slices.Contains(missing, f.Name) {
				missing = append(missing, f.Name)
				for _, h := range header {
					if normName(h) == normName(f.Name) {
						near[f.Name] = h
					}
				}
			}
		}
		v.fieldCol = append(v.fieldCol, i)
		if f.Name == "" && f.Const == "" {
			return nil, fmt.Errorf("orders: order format %s: field %d has neither a name nor a constant", format.Name, fi)
		}
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
	v.carry = format.Carry()
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

// colConst is the fieldCol of a constant field (Name "", Const set).
const colConst = -2

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

// raggedKept says whether a FieldCount issue (found fields) leaves its
// row in, by the OnRagged policy.
func (v *Validator) raggedKept(c columnar.Code, found int64) bool {
	if c != issue.FieldCount {
		return false
	}
	switch v.opt.OnRagged {
	case "truncate":
		return true
	case "pad":
		return found < int64(len(v.header))
	}
	return false
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

	raws := v.raws(b, o.Starts)
	defer func() {
		for fi, a := range raws {
			if a != nil && (v.fieldCol[fi] < 0 || v.format.Fields[fi].Inherit) {
				a.Release()
			}
		}
	}()
	inh := v.inherited(b, o.Starts)
	defer func() {
		for _, a := range inh {
			a.Release()
		}
	}()
	if o.Orders, err = v.build(b, raws, inh, OrderColumns, v.order, o.Starts, &o.Issues); err != nil {
		return nil, err
	}
	if o.Items, err = v.build(b, raws, inh, ItemColumns, v.item, nil, &o.Issues); err != nil {
		return nil, err
	}
	if err = v.checkOnly(b, raws, inh, o.Starts, &o.Issues); err != nil {
		return nil, err
	}
	validate.SumCheck(o.Orders, v.orderSum, o.Starts, v.fieldCol[v.order[v.orderSum[0]]], &o.Issues)
	validate.SumCheck(o.Items, v.itemSum, nil, v.fieldCol[v.item[v.itemSum[0]]], &o.Issues)

	validate.SortIssues(&o.Issues)
	o.RowError = make([]bool, n)
	for k, c := range o.Issues.Code {
		if issue.InfoOf(c).Severity == issue.Error && !v.raggedKept(c, o.Issues.Arg[k]) {
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
	// rendering of the typed values (money as its exact decimal without
	// trailing zeros, nulls left out), so 12.5 and 12.50 hash alike, as
	// they did when money was a float, and hashing ~400 bytes in one go
	// costs a fraction of hashing each value.
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
	r := validate.Reject{File: b.Source, Line: o.Lines[row], Offset: b.Offsets()[row], RecordID: o.OrderID.Value(row), Code: code}
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

// raws returns the raw column of every field: the input's column, a
// constant one for Const fields, the record's first-row values for
// Inherit fields, nil when absent. Const and Inherit columns are new and
// the caller releases them.
func (v *Validator) raws(b *columnar.Batch, starts []int32) []*array.String {
	out := make([]*array.String, len(v.format.Fields))
	for fi := range v.format.Fields {
		f := &v.format.Fields[fi]
		switch col := v.fieldCol[fi]; {
		case col == colConst:
			out[fi] = constString(v.opt.Allocator, f.Const, b.Rows()).(*array.String)
		case col < 0:
		case f.Inherit:
			out[fi] = v.inherit(b, col, slices.Index(v.carry, f.Name), starts)
		default:
			out[fi] = b.Field(col)
		}
	}
	return out
}

// inherited returns the record's first-row values of every carried
// column (v.carry); empty values for those absent from the input.
func (v *Validator) inherited(b *columnar.Batch, starts []int32) []*array.String {
	out := make([]*array.String, len(v.carry))
	for k, name := range v.carry {
		if col := slices.Index(v.header, name); col >= 0 {
			out[k] = v.inherit(b, col, k, starts)
		} else {
			out[k] = constString(v.opt.Allocator, "", b.Rows()).(*array.String)
		}
	}
	return out
}

// inherit makes a column holding, for every row, the value of column col
// on the first row of its record: rows before the batch's first start take
// carried value k (the reader's, from the previous batch).
func (v *Validator) inherit(b *columnar.Batch, col, k int, starts []int32) *array.String {
	in := columnar.StringsOf(b.Field(col))
	out := array.NewStringBuilder(v.opt.Allocator)
	defer out.Release()
	n := b.Rows()
	out.Reserve(n)
	var cur []byte
	if k >= 0 && k < len(b.Carry) {
		cur = []byte(b.Carry[k])
	}
	si := 0
	for i := range n {
		if si < len(starts) && int(starts[si]) == i {
			cur = in.At(i)
			si++
		}
		out.BinaryBuilder.Append(cur)
	}
	return out.NewStringArray()
}

// checkOnly checks the present fields that fill no column (Column ""):
// record-level ones (table orders) on the records' first rows, the others
// on every row.
func (v *Validator) checkOnly(b *columnar.Batch, raws, inh []*array.String, starts []int32, is *columnar.Issues) error {
	for fi := range v.format.Fields {
		f := &v.format.Fields[fi]
		if f.Column != "" || raws[fi] == nil {
			continue
		}
		sel := starts
		if f.Table != schema.Orders {
			sel = nil
		}
		typ, ok := checkTypes[f.Type]
		if !ok {
			return fmt.Errorf("orders: order format %s: field %s of type %d cannot be checked only", v.format.Name, f.Name, f.Type)
		}
		sch := arrow.NewSchema([]arrow.Field{{Name: f.Name, Type: typ, Nullable: true}}, nil)
		rec, err := v.build(b, raws, inh, sch, []int{fi}, sel, is)
		if err != nil {
			return err
		}
		rec.Release()
	}
	return nil
}

// repeats reports whether an earlier field reads the same input column.
func (v *Validator) repeats(fi int) bool {
	name := v.format.Fields[fi].Name
	for _, f := range v.format.Fields[:fi] {
		if f.Name == name && name != "" {
			return true
		}
	}
	return false
}

// checkTypes are the Arrow types a check-only field is built as.
var checkTypes = map[formats.FieldType]arrow.DataType{
	formats.Text: arrow.BinaryTypes.String, formats.Key: arrow.BinaryTypes.String,
	formats.Enum: arrow.BinaryTypes.String, formats.CurrencyCode: arrow.BinaryTypes.String,
	formats.Decimal: schema.Money, formats.Integer: arrow.PrimitiveTypes.Int64,
	formats.Boolean: arrow.FixedWidthTypes.Boolean, formats.Timestamp: schema.Timestamp,
}

// build makes the columns of schema for the rows sel (all when nil) of b.
func (v *Validator) build(b *columnar.Batch, raws, inh []*array.String, schema *arrow.Schema, feed []int, sel []int32, is *columnar.Issues) (arrow.RecordBatch, error) {
	mem := v.opt.Allocator
	rows := b.Rows()
	if sel != nil {
		rows = len(sel)
	}
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	views := make([]arrow.Array, len(feed)) // columns made without rb: views of the raw batch, money
	for c, fi := range feed {
		out := rb.Field(c)
		if fi < 0 || raws[fi] == nil { // column absent from this input
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
		in := columnar.StringsOf(raws[fi])
		chk := columnar.Check{Issues: is, Col: col, Required: f.Required, Missing: issue.Missing}
		if f.Inherit || v.repeats(fi) { // the record-level or first field of the name reports its issues
			chk.Issues = &columnar.Issues{}
		}
		switch f.Type {
		case formats.Text, formats.Key:
			if sel == nil && col >= 0 && !f.Inherit {
				if a, ok := columnar.TextsView(mem, b.Field(col), chk); ok {
					views[c] = a
					continue
				}
			}
			columnar.Texts(in, sel, out.(*array.StringBuilder), chk)
		case formats.Decimal:
			chk.Bad = issue.NotANumber
			views[c] = columnar.Money(mem, in, sel, columnar.MoneyCheck{Check: chk, Rounded: issue.DecimalRounded, Overflow: issue.DecimalOverflow})
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
			if v.typeF < 0 || raws[v.typeF] == nil {
				return nil, fmt.Errorf("orders: order format %s: a user id needs a user id type", v.format.Name)
			}
			types := columnar.StringsOf(raws[v.typeF])
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
	if err := v.derive(schema, feed, cols, sel, inh, is); err != nil {
		return nil, err
	}
	return array.NewRecordBatch(schema, cols, int64(rows)), nil
}

// derive replaces the columns of fields with Times/Less or Map by their
// derived values (formats.Field).
// A derived value that does not fit DECIMAL(18,4) is null with a
// decimal_overflow issue in is.
func (v *Validator) derive(sch *arrow.Schema, feed []int, cols []arrow.Array, sel []int32, inh []*array.String, is *columnar.Issues) error {
	colOf := func(name string) int {
		for c, fi := range feed {
			if fi >= 0 && v.format.Fields[fi].Name == name {
				return c
			}
		}
		return -1
	}
	for c, fi := range feed {
		if fi < 0 {
			continue
		}
		f := &v.format.Fields[fi]
		switch {
		case f.Times != "" || f.Less != "":
			times, less := colOf(f.Times), colOf(f.Less)
			if (f.Times != "" && times < 0) || (f.Less != "" && less < 0) {
				return fmt.Errorf("orders: order format %s: field %s: %s or %s fills no column of %s", v.format.Name, f.Name, f.Times, f.Less, sch.Field(c).Name)
			}
			var q *array.Int64
			var d *array.Decimal128
			if times >= 0 {
				q, _ = cols[times].(*array.Int64)
			}
			if less >= 0 {
				d, _ = cols[less].(*array.Decimal128)
			}
			p, ok := cols[c].(*array.Decimal128)
			if !ok || (times >= 0 && q == nil) || (less >= 0 && d == nil) {
				return fmt.Errorf("orders: order format %s: field %s: Times must be an integer and Less a decimal", v.format.Name, f.Name)
			}
			chk := is
			if f.Inherit || v.repeats(fi) { // the first field of the name reports
				chk = nil
			}
			nb := array.NewDecimal128Builder(v.opt.Allocator, schema.Money)
			nb.Reserve(p.Len())
			pv := p.Values()
			var dv []decimal128.Num
			if d != nil {
				dv = d.Values()
			}
			for i := range p.Len() {
				if p.IsNull(i) || (q != nil && q.IsNull(i)) || (d != nil && d.IsNull(i)) {
					nb.UnsafeAppendBoolToBitmap(false)
					continue
				}
				// Exact, in ten-thousandths: price × quantity − discount.
				x, ok := int64(pv[i].LowBits()), true
				if q != nil {
					x, ok = columnar.MoneyMul(x, q.Value(i))
				}
				if ok && d != nil {
					x, ok = columnar.MoneySub(x, int64(dv[i].LowBits()))
				}
				if !ok {
					if chk != nil {
						chk.Add(rowOf(sel, i), v.fieldCol[fi], issue.DecimalOverflow, 0)
					}
					nb.UnsafeAppendBoolToBitmap(false)
					continue
				}
				nb.UnsafeAppend(decimal128.FromI64(x))
			}
			cols[c].Release()
			cols[c] = nb.NewArray()
			nb.Release()
		case f.Map != nil:
			k := slices.Index(v.carry, f.With)
			s, ok := cols[c].(*array.String)
			if k < 0 || !ok {
				return fmt.Errorf("orders: order format %s: field %s: Map needs a text column and a carried With field", v.format.Name, f.Name)
			}
			with := columnar.StringsOf(inh[k])
			var allowed []string // the With field's values, to match without allocating
			for _, wf := range v.format.Fields {
				if wf.Name == f.With && len(wf.Allowed) > 0 {
					allowed = wf.Allowed
					break
				}
			}
			sb := array.NewStringBuilder(v.opt.Allocator)
			sb.Reserve(s.Len())
			for i := range s.Len() {
				if s.IsNull(i) {
					sb.AppendNull()
					continue
				}
				raw := columnar.TrimSpace(with.At(rowOf(sel, i)))
				var w string
				if allowed == nil {
					w = strings.ToLower(string(raw))
				} else if a := columnar.MatchFold(raw, allowed); a >= 0 {
					w = allowed[a]
				}
				sb.Append(f.Map(s.Value(i), w))
			}
			cols[c].Release()
			cols[c] = sb.NewArray()
			sb.Release()
		}
	}
	return nil
}

func rowOf(sel []int32, i int) int {
	if sel == nil {
		return i
	}
	return int(sel[i])
}
