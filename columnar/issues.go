package columnar

// Code identifies a kind of issue. The codes themselves, their names,
// severities and messages are defined by package issue; columnar only
// carries them.
type Code uint16

// RowLevel is the column index of an issue that concerns a whole row rather
// than one field (a wrong field count, say).
const RowLevel = -1

// Issues records problems found in a batch as parallel columns, one entry
// per problem. The zero value is empty and ready to use; Reset keeps the
// capacity.
type Issues struct {
	Row  []int32 // row within the batch
	Col  []int32 // data column, or RowLevel
	Code []Code
	// Arg is a code-specific detail: the field count found, the byte column
	// within the line where the problem starts, ...
	Arg []int64
}

// Add appends one issue.
func (is *Issues) Add(row, col int, code Code, arg int64) {
	is.Row = append(is.Row, int32(row))
	is.Col = append(is.Col, int32(col))
	is.Code = append(is.Code, code)
	is.Arg = append(is.Arg, arg)
}

// Len returns the number of issues.
func (is *Issues) Len() int { return len(is.Row) }

// Reset empties the set and keeps its capacity.
func (is *Issues) Reset() {
	is.Row, is.Col, is.Code, is.Arg = is.Row[:0], is.Col[:0], is.Code[:0], is.Arg[:0]
}

// Append adds every issue of o.
func (is *Issues) Append(o *Issues) {
	is.Row = append(is.Row, o.Row...)
	is.Col = append(is.Col, o.Col...)
	is.Code = append(is.Code, o.Code...)
	is.Arg = append(is.Arg, o.Arg...)
}
