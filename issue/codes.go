package issue

import (
	"fmt"

	"ingot/columnar"
)

// Severity says what an issue does to its record.
type Severity uint8

const (
	// Error rejects the record (for orders: the whole order).
	Error Severity = iota + 1
	// Warning is reported and counted; the record is kept.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText makes a Severity print as its name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// The issue codes. Their names (Info) are part of the report contract:
// scripts match on them.
const (
	_ columnar.Code = iota

	// Structure of the input, found by readers.
	FieldCount        // row has more or fewer fields than the header; Arg = fields found
	BadQuote          // a quoted field is followed by something other than a delimiter or line end; Arg = byte column
	BareQuote         // a quote inside an unquoted field, kept as text; Arg = byte column
	UnterminatedQuote // a quoted field runs to the end of the input; Arg = byte column of the opening quote
	InvalidUTF8       // the field is not valid UTF-8 in the declared encoding; Arg = byte index within the field

	// Values, found by rules.
	Missing       // a required field is empty
	NotANumber    // expected a decimal number
	NotAnInteger  // expected an integer
	NotABoolean   // expected true or false
	BadTimestamp  // expected an ISO-8601 date-time
	BadCurrency   // expected an ISO 4217 currency code
	BadEnum       // value outside the allowed set
	InvalidUserID // user id invalid for its userIdType; Arg = a UserIDProblem
	TotalMismatch // total ≠ subtotal + tax + shipping
	OrphanRow     // a line-item row before any order's first row
	NotSequential // an order id came back after other orders; Arg = first line of the earlier run
	DuplicateItem // a line-item id repeats within its order
	// DuplicateRecord: a customer's or product's key came again later in
	// the import; the last record was imported. Arg = line of the other.
	DuplicateRecord
	// UnknownColumn: a column the format does not know was ignored.
	UnknownColumn

	// Money, found by the exact decimal kernel (columnar.Money).
	DecimalRounded  // a money value had more than four decimal places and was rounded half-even
	DecimalOverflow // a money value does not fit DECIMAL(18,4)
	// WrongType: a JSON value of another type than the field needs (a
	// number where a string is expected). Arg = the columnar.ValueType
	// found; MessageContext.Want says what was expected.
	WrongType
	// DuplicateEvent: an event (the same id, or the same content) came
	// again in the import; it was imported once. Arg = line of the first.
	DuplicateEvent
	// OrderTooLarge: an order has more line items than the limit
	// (--max-line-items); the whole order is rejected. Arg = the limit.
	OrderTooLarge
	// The transforms and attribute mapping of a job spec.

	// CastFailed: a value a cast transform could not convert. Arg = the
	// target (CastTarget).
	CastFailed
	// TimestampPattern: a value that does not match a timestamp
	// transform's pattern. Arg = 1-based byte column of the mismatch.
	TimestampPattern
	// MissingAttribute: a mandatory attribute of a mapping is empty and
	// has no fallback. Arg = the attribute type (AttrKind).
	MissingAttribute
	// BadAttribute: a value not of its mapped attribute's type (or not
	// one of a select's values). Arg = the attribute type (AttrKind).
	BadAttribute
	numCodes
)

// UserIDProblem details an InvalidUserID issue (its Arg).
type UserIDProblem int64

// What can be wrong with a user id.
const (
	UserIDPlaceholder UserIDProblem = iota + 1 // empty, null, undefined, none
	UserIDEmail                                // not an e-mail address
	UserIDHex64                                // not 64 hex digits
	UserIDHex32                                // not 32 hex digits
	UserIDPhone                                // not an E.164 phone number
)

// CastTarget is what a cast converts to (the Arg of CastFailed), in the
// order of package transform's kinds.
type CastTarget int64

// The cast targets.
const (
	CastString CastTarget = iota
	CastInteger
	CastFloat
	CastBool
)

// AttrKind is the type of a mapped attribute (the Arg of
// MissingAttribute and BadAttribute), in the order of package
// transform's attribute types.
type AttrKind int64

// The attribute types of a mapping.
const (
	AttrString AttrKind = iota
	AttrNumeric
	AttrDate
	AttrDatetime
	AttrBoolean
	AttrSelect
	AttrList
	AttrURL
	AttrEmail
)

// Info describes a code.
type Info struct {
	Name     string   // stable machine name, e.g. "not_a_number"
	Severity Severity // what it does to the record
	Hint     string   // how to fix it, for humans
}

var infos = [numCodes]Info{
	FieldCount:        {"field_count", Error, "every row needs as many fields as the header; check for an unquoted delimiter in a value"},
	BadQuote:          {"bad_quote", Error, `a quoted value must end with " followed by the delimiter or a line end; write a quote inside a quoted value as ""`},
	BareQuote:         {"bare_quote", Warning, `a " inside an unquoted value was kept as text; quote the value to be explicit`},
	UnterminatedQuote: {"unterminated_quote", Error, `a quoted value is never closed; look for a missing " at the given line and column`},
	InvalidUTF8:       {"invalid_utf8", Error, "the bytes are not UTF-8; pass --encoding with the file's encoding (e.g. windows-1252)"},
	Missing:           {"missing", Error, "the field is required: fill it in (in an order file, order fields on the order's first row and line-item fields on every row)"},
	NotANumber:        {"not_a_number", Error, "write decimal numbers with a dot and no currency sign or thousands separator, e.g. 1234.50"},
	NotAnInteger:      {"not_an_integer", Error, "write a whole number, e.g. 3"},
	NotABoolean:       {"not_a_boolean", Error, "write true or false"},
	BadTimestamp:      {"bad_timestamp", Error, "write the date-time as the format documents it, e.g. ISO-8601 with a time zone: 2020-09-16T10:38:06+0100 or 2020-09-16T09:38:06Z"},
	BadCurrency:       {"bad_currency", Error, "use an ISO 4217 code such as EUR, USD, GBP"},
	BadEnum:           {"bad_value", Error, "use one of the allowed values listed in the message"},
	InvalidUserID:     {"invalid_user_id", Error, "the user id must match its user id type: an e-mail, 64 hex digits for *_sha256, 32 for email_md5, E.164 for phone; placeholders such as null are not ids"},
	TotalMismatch:     {"total_mismatch", Warning, "total should equal subtotal + tax + shipping"},
	OrphanRow:         {"orphan_row", Error, "a line-item row needs an order: the first row of the file must carry the order id"},
	NotSequential:     {"order_not_sequential", Warning, "keep all rows of an order together; the last run of rows was imported and the earlier one superseded"},
	DuplicateItem:     {"duplicate_line_item", Warning, "line-item ids should be unique within their order"},
	DuplicateRecord:   {"duplicate_record", Warning, "each customer or product should appear once per import; the last record was imported and the earlier one superseded"},
	UnknownColumn:     {"unknown_column", Warning, "the column is not one the format knows and was ignored"},
	DecimalRounded:    {"decimal_rounded", Warning, "money is stored with four decimal places (DECIMAL(18,4)); the value was rounded half-even to four"},
	DecimalOverflow:   {"decimal_overflow", Error, "money must fit DECIMAL(18,4): at most 14 digits before the decimal point"},
	WrongType:         {"wrong_type", Error, "give the field a value of the JSON type it needs, e.g. a string in quotes rather than a number"},
	DuplicateEvent:    {"duplicate_event", Warning, "the same event came twice in the import (the same id, or the same content); it was imported once"},
	OrderTooLarge:     {"order_too_large", Error, "an order this large is almost always rows of several orders under one id; split it, or raise --max-line-items"},
	CastFailed:        {"bad_cast", Error, "the spec casts this field: integers are written 12, 12.0 or \" 12 \"; floats 1.5 or 1e3; booleans true/false, yes/no or 1/0 (any case)"},
	TimestampPattern:  {"timestamp_pattern_mismatch", Error, "the value must match the pattern of the spec's timestamp transform (Java/Joda letters, e.g. yyyy/MM/dd HH:mm); the message gives the byte where it stops matching"},
	MissingAttribute:  {"missing_attribute", Error, "the mapping makes this attribute mandatory: fill it in the file, or give the attribute a fallback in the spec"},
	BadAttribute:      {"bad_attribute_value", Error, "the value must be of the attribute's type in the mapping: numbers 1234.5, dates 2026-04-07, date-times 2026-04-07T14:30:00Z, booleans true/false, http(s) URLs, e-mail addresses, or one of a select's values"},
}

// InfoOf returns the description of c.
func InfoOf(c columnar.Code) Info {
	if int(c) < len(infos) && infos[c].Name != "" {
		return infos[c]
	}
	if i := int(c) - int(JSONSyntax); i >= 0 && i < len(jsonInfos) {
		return jsonInfos[i]
	}
	return Info{Name: fmt.Sprintf("code_%d", c), Severity: Error}
}

// Codes returns every defined code, in numeric order.
func Codes() []columnar.Code {
	cs := make([]columnar.Code, 0, numCodes-1)
	for c := columnar.Code(1); c < numCodes; c++ {
		cs = append(cs, c)
	}
	for i := range jsonInfos {
		cs = append(cs, JSONSyntax+columnar.Code(i))
	}
	return cs
}
