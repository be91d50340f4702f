// Package csv is the reader shape of delimited text: it reads CSV (any
// one-byte delimiter, quoted fields with embedded newlines, a header row
// or given names) into columnar batches of string columns, one per header
// field, each row carrying its line and byte offset.
//
// Rows whose structure is wrong are kept and flagged with issues (package
// issue); input that cannot be read on is a *parse.Error, as is a record,
// field or header past its limit (Options), which bound memory whatever
// the input's shape. It knows no
// format's field names: the formats package binds them.
package csv
