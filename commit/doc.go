// Package commit makes an import durable and visible: it writes the
// orders and line_items tables as Hive-partitioned, zstd-compressed Parquet,
// the import's event-log segment, and last the manifest whose put-if-absent
// creation is the single commit point (design section 3). It also reads the
// log back: the manifests, the committed state that new records are diffed
// against, and DuckDB views over the committed tables.
//
// Stores hide where the warehouse lives; the local store writes under
// unique temporary names, fsyncs, renames and fsyncs the directory.
//
// A manifest that cannot be trusted is skipped by ReadLogTolerant (for
// reading commands) and stops ReadLog (for writers); PlanRepair and
// ApplyRepair move it aside. FindGarbage and RemoveGarbage clean up what
// crashed runs left, never a file a manifest names.
//
// Commit does not validate, group or diff records: it writes what it is
// given.
package commit
