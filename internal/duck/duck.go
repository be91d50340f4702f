// Package duck holds the DuckDB helpers that the packages which query
// DuckDB (commit's state and SQL views, validate's summary) share: quoting
// identifiers and string literals, and the connector every scan opens.
package duck

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Ident quotes s as a DuckDB identifier: "s", a quote inside doubled.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Literal quotes s as a DuckDB string literal: 's', a quote inside
// doubled.
func Literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Connector opens an in-memory DuckDB with at most threads threads (0:
// DuckDB's default) and the given memory limit ("" for DuckDB's default),
// both set when the database is created.
func Connector(threads int, memoryLimit string) (*duckdb.Connector, error) {
	v := url.Values{}
	if threads > 0 {
		v.Set("threads", strconv.Itoa(threads))
	}
	if memoryLimit != "" {
		v.Set("memory_limit", memoryLimit)
	}
	dsn := ""
	if len(v) > 0 {
		dsn = "?" + v.Encode()
	}
	return duckdb.NewConnector(dsn, nil)
}
