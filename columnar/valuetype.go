package columnar

// ValueType is the type a value had in a typed source such as JSON, where
// the number 1, the string "1" and the boolean true are different values
// even though a raw batch holds all of them as text. Readers of text
// sources (CSV) record no types: every value there is text.
type ValueType uint8

// The value types of JSON. The text a raw batch holds for each is given in
// the comments; TypeAbsent and TypeNull values are Arrow nulls.
const (
	TypeAbsent ValueType = iota // the key was not in the record
	TypeNull                    // JSON null
	TypeBool                    // true or false: the text "true" or "false"
	TypeNumber                  // a number: its text exactly as written (no rounding)
	TypeString                  // a string: its decoded text
	TypeObject                  // an object: its compact JSON text
	TypeArray                   // an array: its compact JSON text
)

var valueTypeNames = [...]string{"absent", "null", "boolean", "number", "string", "object", "array"}

// String returns the type's name as JSON users know it ("number",
// "string", ...; "absent" for a missing key).
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return "invalid"
}

// ValueTypes holds the types of one column's values in a batch. Columns
// whose values all have one type (the usual case in a feed) carry only
// that type; the others one byte per row.
type ValueTypes struct {
	// Uniform is the type of every row when Row is nil.
	Uniform ValueType
	// Row is the type of each row, or nil.
	Row []ValueType
}

// At returns the type of row i.
func (t ValueTypes) At(i int) ValueType {
	if t.Row == nil {
		return t.Uniform
	}
	return t.Row[i]
}
