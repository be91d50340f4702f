// Package version tells which build of ingot is running: its own version
// and commit from the Go build information, and the versions of the
// engines it embeds (Go, DuckDB, Arrow, parquet-go). It is a leaf: it
// imports nothing of ingot's, so every stage can stamp what it writes
// (Parquet created_by, report.json, manifests) with the same version.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Info describes the running build.
type Info struct {
	// Version is ingot's module version ("v1.2.3", or "(devel)" for a
	// build from a work tree).
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from, with
	// "+dirty" when the work tree had changes; empty if unknown.
	Commit string `json:"commit,omitempty"`
	// CommitTime is the revision's time (RFC 3339); empty if unknown.
	CommitTime string `json:"commit_time,omitempty"`
	// Go is the Go toolchain version.
	Go string `json:"go"`
	// DuckDB is the version of the DuckDB Go driver module; the engine's
	// own version is in DuckDBEngine when the caller filled it in.
	DuckDB string `json:"duckdb_go"`
	// DuckDBEngine is DuckDB's own version (SELECT version()), filled in by
	// commands that open DuckDB anyway; empty otherwise.
	DuckDBEngine string `json:"duckdb,omitempty"`
	// Arrow is the version of arrow-go.
	Arrow string `json:"arrow_go"`
	// Parquet is the version of parquet-go.
	Parquet string `json:"parquet_go"`
}

var get = sync.OnceValue(func() Info {
	in := Info{Version: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return in
	}
	if bi.Main.Version != "" {
		in.Version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Commit = s.Value
		case "vcs.time":
			in.CommitTime = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && in.Commit != "" {
		in.Commit += "+dirty"
	}
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
		}
		switch {
		case d.Path == "github.com/duckdb/duckdb-go/v2":
			in.DuckDB = v
		case d.Path == "github.com/apache/arrow-go/v18":
			in.Arrow = v
		case d.Path == "github.com/parquet-go/parquet-go":
			in.Parquet = v
		}
	}
	return in
})

// Get returns the running build's Info (computed once; it never changes
// while the process runs).
func Get() Info { return get() }

// String returns the version and the short commit, e.g.
// "(devel) 1a2b3c4d5e6f" or "v1.2.0".
func (in Info) String() string {
	s := in.Version
	if in.Commit != "" {
		c := in.Commit
		if len(c) > 12 && !strings.HasSuffix(c, "+dirty") {
			c = c[:12]
		} else if len(c) > 18 {
			c = c[:12] + "+dirty"
		}
		s += " " + c
	}
	return s
}

// CreatedBy is the Parquet created_by string of files ingot writes, in the
// "application version x (build y)" form readers parse.
func CreatedBy() string {
	in := Get()
	return "ingot version " + in.Version + " (build " + in.Commit + ")"
}
