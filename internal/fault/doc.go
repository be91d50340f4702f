// Package fault is the crash tests' way into a running import: named
// points in the import's code where a test build can kill the process.
//
// In a normal build Hit does nothing and costs nothing: the release
// binary carries no fault hook. A build with the ingotfault tag
// (go build -tags=duckdb_arrow,ingotfault) reads INGOT_FAULT once, as
// "point" or "point:n", and sends SIGKILL to its own process the n-th
// time (default the first) Hit(point) is reached. The points are the
// Point constants; crash_test.go at the module root drives them.
//
// It does not simulate errors or delays, only the abrupt end of the
// process, which is what a power cut, an OOM kill or kill -9 look like to
// the warehouse.
package fault

// Points where an import can be killed.
const (
	// PartPublished: a Parquet part was published (renamed to its final
	// name), before the manifest names it.
	PartPublished = "part-published"
	// SpoolWritten: a chunk of event lines was written into a file's
	// event spool, which is not closed yet.
	SpoolWritten = "spool-written"
	// PartRewritten: a part holding superseded rows was rewritten
	// without them, and the old one not yet removed.
	PartRewritten = "part-rewritten"
	// SegmentPublished: the event segment is linked to its final name;
	// the manifest is not written yet.
	SegmentPublished = "segment-published"
	// ManifestWritten: the manifest is in place (the import is
	// committed); the rejects and report.json are not written yet.
	ManifestWritten = "manifest-written"
)

// Env is the environment variable a fault build reads: "point" or
// "point:n".
const Env = "INGOT_FAULT"
