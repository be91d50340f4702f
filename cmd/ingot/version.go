package main

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/cobra"

	"ingot/version"
)

func versionCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of ingot, Go, DuckDB, Arrow and parquet-go",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := version.Get()
			in.DuckDBEngine = duckdbVersion()
			if asJSON {
				e := json.NewEncoder(g.stdout)
				e.SetIndent("", "  ")
				return e.Encode(in)
			}
			p := func(k, v string) {
				if v == "" {
					v = "unknown"
				}
				fmt.Fprintf(g.stdout, "%-12s %s\n", k, v)
			}
			p("ingot", in.Version)
			p("commit", in.Commit)
			p("commit time", in.CommitTime)
			p("go", in.Go)
			p("duckdb", in.DuckDBEngine)
			p("duckdb-go", in.DuckDB)
			p("arrow-go", in.Arrow)
			p("parquet-go", in.Parquet)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the versions as JSON")
	return c
}

// duckdbVersion asks the embedded DuckDB for its version.
func duckdbVersion() string {
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		return ""
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT version()").Scan(&v); err != nil {
		return ""
	}
	return v
}
