// Package formats describes the input formats ingot reads and turns their
// bytes into raw Arrow batches.
//
// The work is split by concern into small packages: source opens URIs
// (local paths and globs, file://) with their metadata; compress
// recognises compression by its magic bytes (gzip, zstd, zip holding one
// file); charset converts text encodings to UTF-8; csv (one package per
// reader shape; JSON comes next) reads text into batches of string columns
// that carry every row's provenance (source, line, byte offset); parse
// holds the positioned error they share.
//
// This package holds one file per format (kevel.go): its Format value, the
// field table saying which header names are expected, which are required,
// which rule checks each and which column of which committed table each
// fills. It also adapts each reader shape to the Shape signature (shape.go)
// and provides Open, which chains source → compress → charset → shape.
//
// Readers never hold a whole file: memory is bounded by the batch size.
// Structural problems that spoil one row (a wrong field count, bad quoting,
// invalid UTF-8) become issues on that row; problems that make the rest of
// the input unreadable are a *parse.Error naming file, line and column.
//
// Formats does not type, validate or group values: the kinds do (package
// kinds/orders), with the shared rule kernels of package validate. It
// imports only the leaves (columnar, schema, issue) and its own
// sub-packages.
package formats
