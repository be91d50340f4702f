package commit

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"ingot/internal/duck"
	"ingot/schema"
)

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return duck.Literal(s) }

// sqlIdent quotes s as a SQL identifier.
func sqlIdent(s string) string { return duck.Ident(s) }

// duckdbType returns the DuckDB type that reads back a column of Arrow type
// t written by a TableWriter.
func duckdbType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.StringType:
		return "VARCHAR", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP WITH TIME ZONE", nil
		}
		return "TIMESTAMP", nil
	case *arrow.ListType:
		e, err := duckdbType(t.Elem())
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	}
	return "", fmt.Errorf("no DuckDB type for Arrow type %s", t)
}

// localFiles returns the local paths of the files of table named by log,
// in log order, with the version of each and its partition value (from the
// Hive folder <PartitionColumn>=<value> of its path; "" if none).
func localFiles(s Store, log []Manifest, table string) (paths []string, versions []int64, parts []string, err error) {
	for _, m := range log {
		for _, f := range m.Files {
			if f.Table != table {
				continue
			}
			lp := s.LocalPath(f.Path)
			if lp == "" {
				return nil, nil, nil, fmt.Errorf("store %s: DuckDB queries are not supported yet for this store (it is not local)", s.URI())
			}
			paths = append(paths, lp)
			versions = append(versions, m.Version)
			parts = append(parts, hivePartition(f.Path))
		}
	}
	return paths, versions, parts, nil
}

// hivePartition returns the value of the PartitionColumn folder of a store
// path, or "".
func hivePartition(p string) string {
	for _, seg := range strings.Split(p, "/") {
		if v, ok := strings.CutPrefix(seg, schema.PartitionColumn+"="); ok {
			return v
		}
	}
	return ""
}
