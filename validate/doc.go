// Package validate holds what every kind's rules and reports share: the
// rule kernels that run vectorised over whole columns (user ids,
// currencies, total = subtotal + tax + shipping), the rejects (rejects.csv
// and rejects.json), the issue table, and the report with its DuckDB
// summary over the Arrow batches (column statistics, samples) written as
// report.json.
//
// An issue of severity Error rejects its record, a Warning is only
// counted; the codes themselves live in package issue. It does not read
// files (package formats), bind a format to a kind (package kinds/...) or
// write the warehouse (package commit).
package validate
