package formats

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Format is one input format: what the --format flag names, the kind of
// record it holds, the reader shape that parses it and its field table.
// It is plain data; each format's file defines one, and the registry in
// package ingot lists them.
type Format struct {
	// Name is the --format value, e.g. kevel-csv.
	Name string
	// Title names the format for people, as in "this looks like a
	// Shopify export" (optional; Name and Kind otherwise).
	Title string
	// Kind is the kind of record the format holds, e.g. orders.
	Kind string
	// Shape reads the format's text into raw batches.
	Shape Shape
	// Fields is the field table: every field the format knows, matched by
	// header name (never by position), and the column it fills.
	Fields []Field
	// Attributes: every column the field table does not list is an
	// attribute of the record (customers, products), so none is ignored.
	Attributes bool
	// KeyChoices, if set, lists the header names that may be chosen as the
	// record key (WithKey); the field of type Key is the default.
	KeyChoices []string
	// Delimiter is the format's field delimiter when the import gives
	// none (Related Digital: ';'); 0 means ','.
	Delimiter byte
	// Events says how an event format's columns make an event (kind
	// events); nil for the other kinds.
	Events *EventLayout
	// SourceName, if set, is the format's naming rule for source files:
	// it returns the key by which a file sorts among the import's files
	// (SortSources) or an error wrapping ErrSourceName saying why the name
	// breaks the rule; such a file fails with that error, the others
	// import.
	SourceName func(name string) (key string, err error)
	// ZipEntry, if set, checks the name of the one file inside a zip
	// source against the archive's name; an error fails the file.
	ZipEntry func(archive, entry string) error
}

// Field binds one field of an input format to a column of a committed
// table (package schema).
//
// Most fields copy one input column into one committed column. A few
// attributes cover formats whose columns do not map one to one:
//   - Column "": the field is checked (type, Required, Allowed) but not
//     stored, e.g. a status that only feeds another column through Map.
//   - Name "" with Const: no input column; every row has the value Const
//     (e.g. the user id type of a format whose user id is always an
//     e-mail).
//   - Inherit: a record-level value that continuation rows leave blank is
//     taken from the record's first row, for a column of a per-row table
//     (e.g. an order's currency for each of its line items). Issues are
//     reported by the record-level field of the same name, not here.
//   - Times and Less: the stored value is value × Times − Less, naming
//     other fields of the same table (a unit price times the quantity,
//     less the line discount), computed exactly in DECIMAL(18,4); a result
//     that does not fit is null with a decimal_overflow error.
//   - Map and With: the stored value is Map(value, value of field With on
//     the record's first row), both lower-cased (Enum fields).
type Field struct {
	Name     string    // header name in the input (case-sensitive); "" with Const
	Table    string    // the committed table it fills, e.g. schema.Orders
	Column   string    // the column of that table; "" to check only
	Type     FieldType // how the value is typed and checked
	Required bool      // an empty value is an error (record-level fields: on the record's first row)
	Allowed  []string  // Enum: the allowed values, lower case

	Const       string                          // Name "": the value of every row
	Inherit     bool                            // take the value of the record's first row
	Times, Less string                          // Decimal: stored = value × field Times − field Less
	Map         func(value, with string) string // Enum: the stored value, from the value and field With's
	With        string                          // the record-level field Map reads (inherited)
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
	Timestamp                         // ISO-8601 (also "2006-01-02 15:04:05 -0700"), stored as microseconds UTC
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

// Carry returns the header names whose record-level values continuation
// rows inherit (fields with Inherit, and the fields Map reads through
// With): a reader passes their values on the last record's first row from
// batch to batch (ReadOptions.Carry), so that a batch can be validated
// without its predecessor.
func (f *Format) Carry() []string {
	var out []string
	add := func(name string) {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, fd := range f.Fields {
		if fd.Inherit {
			add(fd.Name)
		}
		if fd.Map != nil {
			add(fd.With)
		}
	}
	return out
}

// Known reports whether the format reads the header name.
func (f *Format) Known(name string) bool {
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return true
		}
	}
	return false
}

// Ignored returns the names of header that the format does not read, in
// header order: they are skipped, and the report lists them.
func (f *Format) Ignored(header []string) []string {
	if f.Attributes {
		return nil
	}
	var out []string
	for _, h := range header {
		if !f.Known(h) {
			out = append(out, h)
		}
	}
	return out
}

// WithKey returns a copy of f whose record key is the header name key,
// one of f.KeyChoices. The former key field is kept, checked only (it
// fills no column); the chosen one fills the key's column. key "" or the
// current key's name returns f itself.
func (f *Format) WithKey(key string) (*Format, error) {
	cur := f.KeyField()
	if key == "" || (cur != nil && cur.Name == key) {
		return f, nil
	}
	if len(f.KeyChoices) == 0 {
		return nil, fmt.Errorf("format %s has a fixed record key (%s); it offers no choice", f.Name, cmp.Or(keyName(cur), "none"))
	}
	if cur == nil || !slices.Contains(f.KeyChoices, key) {
		return nil, fmt.Errorf("format %s: %q cannot be the record key (choose one of: %s)",
			f.Name, key, strings.Join(f.KeyChoices, ", "))
	}
	g := *f
	g.Fields = slices.Clone(f.Fields)
	found := false
	for i := range g.Fields {
		fd := &g.Fields[i]
		switch {
		case fd.Name == cur.Name && fd.Type == Key:
			fd.Type, fd.Column = Text, ""
		case fd.Name == key && fd.Table == cur.Table:
			fd.Type, fd.Column, fd.Required = Key, cur.Column, true
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("format %s: no field %q in table %s", f.Name, key, cur.Table)
	}
	return &g, nil
}

func keyName(f *Field) string {
	if f == nil {
		return ""
	}
	return f.Name
}
