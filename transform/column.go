package transform

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ValueType is the JSON type of one value of a column read from JSON, so
// that value maps can tell the number 1 from the text "1". Columns read
// from CSV carry no types: every value is text.
type ValueType uint8

// The JSON types a value may have. TypeString is the zero value.
const (
	TypeString ValueType = iota // a JSON string, or any CSV value
	TypeNumber                  // a JSON number, kept as its text
	TypeBool                    // true or false
	TypeNull                    // JSON null (the Arrow value is null)
	TypeRaw                     // an object or array, kept as its JSON text
)

var typeNames = [...]string{"string", "number", "bool", "null", "raw"}

func (t ValueType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type?"
}

// Kind is what a column's text holds after the transforms: Text unless a
// cast or a timestamp transform made it something else. The stages after
// the transforms read it to build typed columns.
type Kind uint8

// Kinds of columns.
const (
	KindText      Kind = iota // any text
	KindInteger               // canonical whole numbers: -12
	KindFloat                 // shortest round-tripping decimals: 1000, 0.5
	KindBool                  // true or false
	KindTimestamp             // ISO-8601 UTC: 2026-04-07T14:30:00Z
)

var kindNames = [...]string{"string", "integer", "float", "bool", "timestamp"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// Column is a string column as the kernels see it: offsets into bytes,
// an optional validity bitmap and optional per-value JSON types. It is
// either a view of an input Arrow array or a buffer a Program owns and
// reuses from batch to batch.
type Column struct {
	offs  []int32 // n+1 offsets; offs[0] may be non-zero (a view of a slice)
	data  []byte
	valid []byte // validity bitmap; nil when every value is valid
	voff  int    // bit offset of value 0 in valid
	// Types, when not nil, holds the JSON type of every value.
	Types []ValueType
	n     int
	arr   *array.String // the array viewed, when the column is a view
	vbuf  []byte        // owned bitmap storage, kept across batches
	tbuf  []ValueType   // owned types storage, kept across batches
}

// bitmap returns the owned validity storage for c.n values, all cleared.
func (c *Column) bitmap() []byte {
	nb := int(bitutil.BytesForBits(int64(c.n)))
	if cap(c.vbuf) < nb {
		c.vbuf = make([]byte, nb)
	}
	c.vbuf = c.vbuf[:nb]
	clear(c.vbuf)
	return c.vbuf
}

// ViewOf returns a column viewing a (no copy). types may be nil (text).
func ViewOf(a *array.String, types []ValueType) Column {
	c := Column{offs: a.ValueOffsets(), data: a.ValueBytes(), n: a.Len(), Types: types, arr: a}
	if a.NullN() > 0 {
		c.valid, c.voff = a.NullBitmapBytes(), a.Data().Offset()
	}
	return c
}

// Len returns the number of values.
func (c *Column) Len() int { return c.n }

// At returns value i (empty for a null); the bytes belong to the column.
func (c *Column) At(i int) []byte {
	b := c.offs[0]
	return c.data[c.offs[i]-b : c.offs[i+1]-b]
}

// IsNull reports whether value i is null.
func (c *Column) IsNull(i int) bool {
	return c.valid != nil && !bitutil.BitIsSet(c.valid, c.voff+i)
}

// Type returns the JSON type of value i: TypeNull for a null, TypeString
// for an untyped column.
func (c *Column) Type(i int) ValueType {
	if c.IsNull(i) {
		return TypeNull
	}
	if c.Types == nil {
		return TypeString
	}
	return c.Types[i]
}

// reset empties an owned column for n values, keeping its buffers.
func (c *Column) reset(n int) {
	c.offs = append(c.offs[:0], 0)
	c.data = c.data[:0]
	c.valid = nil
	c.voff = 0
	c.Types = nil
	c.n = 0
	c.arr = nil
	if cap(c.offs) < n+1 {
		c.offs = make([]int32, 1, n+1)
	}
}

// appendValue appends v as the next value.
func (c *Column) appendValue(v []byte) {
	c.data = append(c.data, v...)
	c.offs = append(c.offs, int32(len(c.data)))
	c.n++
}

// finish sets validity and types of an owned column from the column it
// was computed from (same rows): nulls stay nulls.
func (c *Column) finishLike(in *Column, typed bool) {
	if in.valid != nil {
		c.valid = c.bitmap()
		for i := range c.n {
			if !in.IsNull(i) {
				bitutil.SetBit(c.valid, i)
			}
		}
	} else {
		c.valid = nil
	}
	if !typed {
		c.Types = nil
	}
}

// array returns the column as an Arrow string array: the viewed array
// itself (retained) when the column is an unchanged view, otherwise a copy
// of the owned buffers into memory from mem.
func (c *Column) array(mem memory.Allocator) arrow.Array {
	if c.arr != nil {
		c.arr.Retain()
		return c.arr
	}
	n := c.n
	offs := memory.NewResizableBuffer(mem)
	offs.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	copy(arrow.Int32Traits.CastFromBytes(offs.Bytes()), c.offs[:n+1])
	data := memory.NewResizableBuffer(mem)
	data.Resize(len(c.data))
	copy(data.Bytes(), c.data)
	var valid *memory.Buffer
	nulls := 0
	if c.valid != nil {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(len(c.valid))
		copy(valid.Bytes(), c.valid)
		nulls = n - bitutil.CountSetBits(c.valid, 0, n)
	}
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offs, data}, nil, nulls, 0)
	offs.Release()
	data.Release()
	if valid != nil {
		valid.Release()
	}
	defer d.Release()
	return array.NewStringData(d)
}
