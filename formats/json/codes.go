package json

import (
	"fmt"
	"strconv"

	"ingot/columnar"
)

// The issue codes of the JSON readers. They are numbered apart from the
// codes of package validate (which this package may not import) until the
// codes' leaf package takes them in; CodeInfos gives their names,
// severities and hints for that table, and Message renders their
// messages.
const (
	// CodeSyntax: the record is not a JSON object (JSON Lines, or an array
	// element that is not an object). The row's values are all null.
	// Arg = SyntaxArg(problem, found byte, byte column).
	CodeSyntax columnar.Code = 256 + iota
	// CodeInvalidUTF8: a string held bytes that are not UTF-8; each was
	// replaced by U+FFFD. Arg = byte column of the first one.
	CodeInvalidUTF8
	// CodeLoneSurrogate: a \u escape named half of a UTF-16 surrogate
	// pair without the other half; it was replaced by U+FFFD. Arg = byte
	// column of the escape.
	CodeLoneSurrogate
	// CodeDuplicateKey: a key appeared twice in one object; the last value
	// was kept. Arg = byte column of the later key.
	CodeDuplicateKey
	// CodeRecordTooLong: a JSON Lines record is longer than
	// Options.MaxRecordBytes; it was skipped. Row-level; Arg = the limit.
	CodeRecordTooLong
	// CodeFieldTooLong: a value is longer than Options.MaxFieldBytes; it
	// was dropped (null). Arg = byte column of the value.
	CodeFieldTooLong
	// CodeTooDeep: values nest deeper than Options.MaxDepth (JSON Lines);
	// the record's values are all null. Row-level; Arg = byte column.
	CodeTooDeep
	// CodeTooManyKeys: a key first seen after Options.MaxColumns columns
	// were discovered; its value went into the rest column. Arg = byte
	// column of the key.
	CodeTooManyKeys
	codeEnd
)

// CodeInfo describes an issue code for the report.
type CodeInfo struct {
	Code  columnar.Code
	Name  string // stable machine name
	Error bool   // true: the record is rejected; false: a warning
	Hint  string // how to fix it, for people
}

// CodeInfos lists the codes of this package.
func CodeInfos() []CodeInfo {
	return []CodeInfo{
		{CodeSyntax, "json_syntax", true, "each record must be one JSON object; look at the given line and column (a missing comma or quote, a trailing comma, an unescaped control character)"},
		{CodeInvalidUTF8, "json_invalid_utf8", true, "JSON text must be UTF-8; pass --encoding with the file's encoding"},
		{CodeLoneSurrogate, "json_lone_surrogate", false, `a \uD800-\uDFFF escape must be half of a surrogate pair; the lone half was replaced by U+FFFD`},
		{CodeDuplicateKey, "json_duplicate_key", false, "a key should appear once per object; the last value was kept"},
		{CodeRecordTooLong, "json_record_too_long", true, "the record is longer than the limit: is a line break missing, or raise the record size limit"},
		{CodeFieldTooLong, "json_field_too_long", true, "the value is longer than the limit; raise the field size limit if it is real"},
		{CodeTooDeep, "json_too_deep", true, "values nest deeper than the limit; flatten the record or raise the depth limit"},
		{CodeTooManyKeys, "json_too_many_keys", false, "the records have more distinct keys than the column limit; the extra keys were kept in the rest column"},
	}
}

// Problem says what a syntax error expected (CodeSyntax's detail).
type Problem uint8

// The syntax problems.
const (
	ProbValue          Problem = iota + 1 // expected a value
	ProbObject                            // expected an object
	ProbArrayStart                        // expected '['
	ProbKeyOrEnd                          // expected a key or '}'
	ProbKey                               // expected a key
	ProbColon                             // expected ':'
	ProbCommaOrBrace                      // expected ',' or '}'
	ProbCommaOrBracket                    // expected ',' or ']'
	ProbValueOrBracket                    // expected a value or ']'
	ProbLiteral                           // expected true, false or null
	ProbDigit                             // expected a digit
	ProbEscape                            // expected an escape character
	ProbHex                               // expected a hex digit of \u
	ProbControl                           // a raw control character in a string
	ProbStringEnd                         // expected the closing quote
	ProbEndOfLine                         // expected the end of the line
	ProbEndOfInput                        // expected the end of the input
	ProbDepth                             // nesting deeper than the limit
	probEnd
)

var problemText = [probEnd]string{
	ProbValue:          "a value",
	ProbObject:         "an object ('{')",
	ProbArrayStart:     "'[' opening an array of objects",
	ProbKeyOrEnd:       "a key in double quotes or '}'",
	ProbKey:            "a key in double quotes",
	ProbColon:          "':' after the key",
	ProbCommaOrBrace:   "',' or '}' after an object member",
	ProbCommaOrBracket: "',' or ']' after an array element",
	ProbValueOrBracket: "a value or ']'",
	ProbLiteral:        "true, false or null",
	ProbDigit:          "a digit",
	ProbEscape:         `an escape (\" \\ \/ \b \f \n \r \t or \uXXXX)`,
	ProbHex:            `four hex digits after \u`,
	ProbControl:        "no raw control character in a string (write it as an escape such as \\n)",
	ProbStringEnd:      "'\"' closing the string",
	ProbEndOfLine:      "the end of the line after the object",
	ProbEndOfInput:     "the end of the input after the array",
	ProbDepth:          "values nested no deeper than the limit",
}

// String returns what the problem expected.
func (p Problem) String() string {
	if p < probEnd && problemText[p] != "" {
		return problemText[p]
	}
	return "valid JSON"
}

// SyntaxArg packs the detail of a CodeSyntax issue: the problem, the byte
// found (-1 for the end of the line or input) and the byte column.
func SyntaxArg(p Problem, found int, col int64) int64 {
	return int64(uint64(col)&0xffffffff | uint64(p)<<32 | uint64(found+1)<<40)
}

// UnpackSyntaxArg undoes SyntaxArg.
func UnpackSyntaxArg(arg int64) (p Problem, found int, col int64) {
	u := uint64(arg)
	return Problem(u >> 32 & 0xff), int(u>>40&0x1ff) - 1, int64(u & 0xffffffff)
}

// describeFound renders the byte found at a problem: a quoted character,
// "byte 0xNN" outside ASCII, or the end of the line or input.
func describeFound(found int, endOf string) string {
	switch {
	case found < 0:
		return "the end of the " + endOf
	case found < 0x20 || found >= 0x7f:
		return fmt.Sprintf("byte 0x%02X", found)
	default:
		return strconv.QuoteRune(rune(found))
	}
}

// Message renders the message of an issue of this package: what was
// expected and what was found, with the byte column.
func Message(code columnar.Code, arg int64) string {
	switch code {
	case CodeSyntax:
		p, found, col := UnpackSyntaxArg(arg)
		return fmt.Sprintf("column %d: expected %s, found %s", col, p, describeFound(found, "line"))
	case CodeInvalidUTF8:
		return fmt.Sprintf("column %d: expected UTF-8 text, found an invalid byte (replaced by U+FFFD)", arg)
	case CodeLoneSurrogate:
		return fmt.Sprintf(`column %d: expected a UTF-16 surrogate pair, found a lone half (replaced by U+FFFD)`, arg)
	case CodeDuplicateKey:
		return fmt.Sprintf("column %d: expected each key once, found this one again (the last value is kept)", arg)
	case CodeRecordTooLong:
		return fmt.Sprintf("expected a record of at most %d bytes, found a longer one (skipped)", arg)
	case CodeFieldTooLong:
		return fmt.Sprintf("column %d: expected a value of at most the field size limit, found a longer one (dropped)", arg)
	case CodeTooDeep:
		return fmt.Sprintf("column %d: expected values nested no deeper than the limit, found deeper nesting", arg)
	case CodeTooManyKeys:
		return fmt.Sprintf("column %d: expected at most the column limit of distinct keys, found more (kept in the rest column)", arg)
	}
	return fmt.Sprintf("code_%d", code)
}
