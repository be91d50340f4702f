package transform

import (
	"fmt"
	"strings"

	"ingot/columnar"
)

// Op is the operation of a Step.
type Op uint8

// The operations, in the words of the job spec.
const (
	OpRename    Op = iota + 1 // Field becomes To
	OpCopy                    // To is a copy of Field, through Map when set
	OpNew                     // Field is a new column holding Value on every row
	OpDelete                  // Field is dropped
	OpMap                     // Field's values are replaced through Map
	OpTimestamp               // Field is parsed with Pattern and written as ISO-8601 UTC
	OpCast                    // Field is checked and rewritten as Cast
	// The steps of an attribute mapping (MappingSteps).
	OpSelect // keep only Fields, in order, renamed to Names
	OpFill   // Field's empty values and nulls become Value
	OpCheck  // Field's values are checked against Check; nothing changes
	// OpDerive makes Field a new column computed from the row's fields by
	// Expr (SQL), through the Program's Evaluator.
	OpDerive
)

var opNames = [...]string{"", "rename", "copy", "new", "delete", "map", "timestamp", "cast", "select", "fill", "check", "derive"}

func (o Op) String() string {
	if int(o) < len(opNames) && o != 0 {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Step is one transform of a job spec. Which fields matter depends on Op.
type Step struct {
	Op Op
	// Field is the column the step reads (rename, copy: the source) or
	// writes (new, delete, map, timestamp, cast).
	Field string
	// To is the new name (rename) or the new column (copy).
	To string
	// Value is the constant of a new column.
	Value Value
	// Map replaces values: required for OpMap, optional for OpCopy.
	Map *ValueMap
	// Pattern is the Java/Joda date-time pattern of a timestamp step, and
	// Zone the zone of values that carry none: empty or "UTC", a fixed
	// offset such as +01:00, or an IANA name such as Europe/Paris.
	Pattern, Zone string
	// Cast is the kind a cast step converts to.
	Cast Kind
	// Fields and Names are the columns a select keeps and their new names
	// (the headers and attributes of a mapping).
	Fields, Names []string
	// Check is what a check step verifies: the attribute type, allowed
	// values, and whether an empty value is missing (Mandatory). Its Col
	// and Code are set by the Program.
	Check     AttrCheck
	Mandatory bool
	// Expr is the expression of a derive step.
	Expr string
}

// Value is a typed constant of a job spec: a key or replacement of a value
// map, or the value of a new column. Type is TypeString for quoted YAML
// scalars and for every value of a CSV file.
type Value struct {
	Type ValueType
	Text string // the text as written; empty for TypeNull
}

func (v Value) String() string {
	if v.Type == TypeString {
		return fmt.Sprintf("%q", v.Text)
	}
	if v.Type == TypeNull {
		return "null"
	}
	return v.Text
}

// MapEntry replaces the values equal to From by To.
type MapEntry struct{ From, To Value }

// ValueMap replaces exact matches; unmatched values pass unchanged. On a
// column with JSON types, a key matches only values of its own type (the
// number 1 does not match the text "1"); on an untyped (CSV) column, a key
// matches by its text whatever its type, a string key winning over a
// number or bool key of the same text. A null key matches nulls; a null
// replacement makes the value null.
type ValueMap struct {
	Entries []MapEntry
}

// CastKind parses the target of a cast: string, integer, float or bool
// (also int, double, boolean as synonyms).
func CastKind(s string) (Kind, bool) {
	switch strings.ToLower(s) {
	case "string", "text":
		return KindText, true
	case "integer", "int", "long":
		return KindInteger, true
	case "float", "double", "number":
		return KindFloat, true
	case "bool", "boolean":
		return KindBool, true
	}
	return 0, false
}

// Codes are the issue codes a Program records; package validate owns
// their names and messages.
type Codes struct {
	Cast      columnar.Code // a value that is not of the cast's kind
	Timestamp columnar.Code // a value that does not match the pattern
	Missing   columnar.Code // an empty value of a mandatory attribute
	Attr      columnar.Code // a value not of its attribute's type
}
