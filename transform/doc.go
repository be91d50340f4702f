// Package transform reshapes the raw string columns of a batch on the way
// in, before validation: the transforms of a job spec (rename, copy, new,
// delete, map, timestamp, cast, derive), and after them a customers
// mapping (MappingSteps: select, fill, check), compiled once into a
// Program and applied to whole columns of every batch; the fallback date
// expressions of an
// attribute mapping (DateExpr: "today", "+1 week", "next monday 09:00", …),
// evaluated once per run against an injected clock; and the attribute-type
// checks of a mapping (CheckAttr: numeric, date, datetime, boolean, select,
// list, url, email) as column kernels.
//
// Columns stay text: a cast or a timestamp rewrites a value in its
// canonical spelling (" 12 " → "12", "1e3" → "1000", "YES" → "true",
// "12/1/10 8:26" → "2010-12-01T08:26:00Z") and records the column's new
// kind; the stages after it parse the text into typed Arrow columns. A
// value that cannot be cast or parsed is never turned into a zero or a
// null: it is kept as it was and an issue on its row (columnar.Issues)
// rejects the record. Empty values and nulls pass every transform
// unchanged: whether a field may be missing is the validator's business.
//
// Kernels read columnar views of Arrow arrays and write into buffers the
// Program owns and reuses, so that applying a Program to a batch allocates
// nothing in steady state; only materialising the result as an Arrow
// record (Result.Record) allocates, per column, not per row.
//
// The package knows no file format, kind or CLI, and imports only columnar
// and arrow-go. It does not read files or decide which fields a kind
// requires. Derive steps (SQL expressions) run through an Evaluator the
// caller sets; package transform/derive provides one with DuckDB, and
// those steps, unlike the others, allocate per batch.
package transform
