// Package json reads JSON Lines and JSON arrays of objects into raw
// columnar batches, streaming: memory is bounded by the batch size and the
// longest record, never by the file.
//
// Each record (an object) becomes a row. Its columns are either fixed
// (Options.Fields: the caller names the keys it wants, every other key
// goes, as compact JSON, into one object-valued column named by
// Options.RestColumn, "_rest" by default) or discovered (the union of the
// top-level keys seen so far). Values keep their text: a string its decoded
// text, a number its text exactly as written (12345678901234567890 stays
// that), true and false the text "true" and "false", an object or array
// its compact JSON text; null and a missing key are Arrow nulls. The JSON
// type of every value travels beside the text in columnar.Batch.Types, so
// that later stages can tell the number 1 from the string "1".
//
// Positions are exact: every row carries the line and byte offset of its
// record's first byte, and every problem names the line and the byte
// column (1-based, counted in bytes as encoding/csv does) where it is.
//
// The shapes differ in what a syntax error does. In JSON Lines a bad line
// is one rejected record (a row with a CodeSyntax issue and null values)
// and the lines after it import. In a JSON array (or a stream of
// concatenated objects) a syntax error leaves no way to find the next
// record, so it fails the rest of the file with a *ParseError naming file,
// line, column and byte offset; the rows before it are returned first.
//
// Problems in a value that do not break the syntax are issues on the
// value, which is kept: invalid UTF-8 and lone UTF-16 surrogates are
// replaced by U+FFFD (as encoding/json does), a duplicate key keeps the
// last value. Limits guard against hostile input: Options.MaxRecordBytes,
// MaxFieldBytes, MaxDepth and MaxColumns.
//
// The package does not type, validate or bind fields to a kind: it only
// turns bytes into text columns with types and positions. It decodes no
// charsets (its input is UTF-8; a leading UTF-8 byte order mark is
// skipped) and opens no files.
package json
