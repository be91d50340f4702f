// Package serve is ingot's read-only local web view of a warehouse: the
// imports newest first (committed, failed, cancelled and dry runs whose
// reports are in the warehouse), each import's report.html and rejects
// files, the tables with their row counts and partitions as the manifests
// name them, and the event log's counts by type.
//
// It only reads. Every file is opened through an os.Root on the
// warehouse, so no URL reaches a file outside it (no "..", no symbolic
// link out); only GET and HEAD are served; nothing is written, swept or
// deleted, unlike commit.OpenLocal. Pages are rendered on the server
// with html/template and carry no script.
package serve
