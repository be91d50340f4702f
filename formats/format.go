package formats

// Format is one input format: what the --format flag names, the kind of
// record it holds, the reader shape that parses it and its field table.
// It is plain data; each format's file defines one, and the registry in
// package ingot lists them.
type Format struct {
	// Name is the --format value, e.g. kevel-csv.
	Name string
	// Kind is the kind of record the format holds, e.g. orders.
	Kind string
	// Shape reads the format's text into raw batches.
	Shape Shape
	// Fields is the field table: every field the format knows, matched by
	// header name (never by position), and the column it fills.
	Fields []Field
}

// Field binds one field of an input format to a column of a committed
// table (package schema).
type Field struct {
	Name     string    // header name in the input (case-sensitive)
	Table    string    // the committed table it fills, e.g. schema.Orders
	Column   string    // the column of that table
	Type     FieldType // how the value is typed and checked
	Required bool      // an empty value is an error (record-level fields: on the record's first row)
	Allowed  []string  // Enum: the allowed values, lower case
}

// FieldType says how a field is typed and checked.
type FieldType uint8

// The field types.
const (
	Text         FieldType = iota + 1 // a string; empty is null
	Key                               // the record's key: rows of one record carry it or leave it empty
	Decimal                           // money: DECIMAL(18,4), exact (scaled int64)
	Integer                           // an int64
	Boolean                           // true/false; empty is false
	Timestamp                         // ISO-8601, stored as microseconds UTC
	List                              // ;-separated strings
	CurrencyCode                      // an ISO 4217 code, upper-cased
	Enum                              // one of Allowed, lower-cased
	UserIDType                        // the type that decides how UserIDValue is checked
	UserIDValue                       // the user id, normalised by its type
)

// KeyField returns the field of type Key, or nil.
func (f *Format) KeyField() *Field {
	for i := range f.Fields {
		if f.Fields[i].Type == Key {
			return &f.Fields[i]
		}
	}
	return nil
}
