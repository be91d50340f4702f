package issue

import "ingot/columnar"

// The issue codes of the JSON readers (package formats/json numbers them
// from 256, apart from the codes above; this package is a leaf and does
// not import it, so the table is repeated here and a test keeps the two
// in step).
const (
	JSONSyntax columnar.Code = 256 + iota
	JSONInvalidUTF8
	JSONLoneSurrogate
	JSONDuplicateKey
	JSONRecordTooLong
	JSONFieldTooLong
	JSONTooDeep
	JSONTooManyKeys
)

var jsonInfos = [...]Info{
	{"json_syntax", Error, "each record must be one JSON object; look at the given line and column (a missing comma or quote, a trailing comma, an unescaped control character)"},
	{"json_invalid_utf8", Error, "JSON text must be UTF-8; pass --encoding with the file's encoding"},
	{"json_lone_surrogate", Warning, `a \uD800-\uDFFF escape must be half of a surrogate pair; the lone half was replaced by U+FFFD`},
	{"json_duplicate_key", Warning, "a key should appear once per object; the last value was kept"},
	{"json_record_too_long", Error, "the record is longer than the limit: is a line break missing, or raise the record size limit"},
	{"json_field_too_long", Error, "the value is longer than the limit; raise the field size limit if it is real"},
	{"json_too_deep", Error, "values nest deeper than the limit; flatten the record or raise the depth limit"},
	{"json_too_many_keys", Warning, "the records have more distinct keys than the column limit; the extra keys were kept in the rest column"},
}
