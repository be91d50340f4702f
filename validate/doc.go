// Package validate checks records against the rules of their schema and
// reports on an import.
//
// Rules run vectorised over whole columns and produce issues as columns
// (row, column, code): an issue of severity Error rejects its record, a
// Warning is only counted. The codes themselves live in package issue.
// This package writes
// rejects.csv and rejects.json, and summarises an import with DuckDB over
// the Arrow batches (column statistics, the issue table, samples) into
// report.json.
//
// It does not read files (package formats) or write the warehouse
// (package commit).
package validate
