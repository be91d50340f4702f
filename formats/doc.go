// Package formats turns sources into raw Arrow batches: it opens URIs
// (local paths and globs, file://, and with NewStores http(s)://, s3://
// and sftp://, streamed, retried and resumed; see StoreOptions), recognises compression by its magic
// bytes (gzip, zstd, zip holding one file), converts text encodings to
// UTF-8, and reads CSV into batches of string columns that carry every
// row's provenance (source, line, byte offset). It also holds the input
// schemas of section 2 of the design, such as Kevel CSV orders: which
// header names are expected, which are required, and which rule checks
// each.
//
// Readers never hold a whole file: memory is bounded by the batch size.
// Structural problems that spoil one row (a wrong field count, bad quoting,
// invalid UTF-8) become issues on that row; problems that make the rest of
// the input unreadable are a *ParseError naming file, line and column.
//
// Formats does not type, validate or group values: package validate and
// columnar do.
package formats
