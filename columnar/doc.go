// Package columnar holds the in-memory form of ingot's data between stages:
// Arrow record batches of raw string columns with the provenance of every
// row (Batch), issues as parallel columns (Issues), the vectorised kernels
// that turn raw columns into typed ones (numbers, timestamps, booleans,
// lists, trimming, lower-casing, hashing), the sequential grouping of an
// order's consecutive rows, and a compact hash table for key sets.
//
// Kernels work on whole columns, optionally through a selection vector, and
// write into caller-owned buffers; they allocate nothing per row. Bad data
// is never an error return: a kernel records an issue (row, column, code)
// and leaves the output value null. Errors are for bugs and I/O only.
//
// The package knows no file format, schema or CLI.
package columnar
