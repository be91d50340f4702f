package commit

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

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
// in dict. Supported Arrow types: string, float64, decimal128 of
// at most 18 digits (as INT64 DECIMAL), int64, int32, bool,
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
		case *arrow.Decimal128Type:
			// Money: values that fit 18 digits are INT64 with the DECIMAL
			// logical type, which every Parquet reader sums exactly.
			if t.Precision > 18 {
				return nil, fmt.Errorf("column %s: expected a decimal of at most 18 digits, found %s", f.Name, t)
			}
			n = parquet.Decimal(int(t.Scale), int(t.Precision), parquet.Int64Type)
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
	kindInt64                     // int64, timestamp, decimal128 (its low words)
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
	plain    bool // int64 values written PLAIN (money), not delta-packed
	maxDef   byte
	maxRep   byte
	encs     []format.Encoding // of the chunk: values, levels, dictionary page
}

// encoding returns the encoding of the column's data pages.
func (c *columnSpec) encoding() format.Encoding {
	switch {
	case c.dict:
		return format.RLEDictionary
	case c.plain:
		return format.Plain
	case c.kind == kindBytes:
		return format.DeltaLengthByteArray
	case c.kind == kindInt64 || c.kind == kindInt32:
		return format.DeltaBinaryPacked
	}
	return format.Plain
}
