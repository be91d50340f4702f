package commit

import (
	"context"
	"fmt"
	"strings"
)

// LoadLookup returns, for every key of table, the value of column value in
// the row of the newest manifest that has the key: the current state of
// one column, as the kinds that merge (customers) or enrich (orders with
// products) need it. A key is the values of the key columns joined with
// sep. Like LoadState it asks DuckDB for the files the manifests name,
// version by version, a later version's row replacing an earlier one's;
// within one version keys are unique (the pipeline removes superseded
// records before it commits). With nothing committed the map is empty.
func LoadLookup(ctx context.Context, s Store, log []Manifest, table string, key []string, value, sep string) (map[string]string, error) {
	out := map[string]string{}
	if len(key) == 0 {
		return nil, fmt.Errorf("load %s.%s: no key column", table, value)
	}
	if _, _, _, err := localFiles(s, log, table); err != nil {
		return nil, fmt.Errorf("load %s.%s: %w", table, value, err)
	}
	cols := make([]string, 0, len(key)+1)
	for _, k := range key {
		cols = append(cols, sqlIdent(k))
	}
	cols = append(cols, sqlIdent(value))
	var db *lookupConn
	defer func() {
		if db != nil {
			db.close()
		}
	}()
	var kb strings.Builder
	for _, m := range log {
		var files []string
		for _, f := range m.Files {
			if f.Table == table {
				files = append(files, sqlString(s.LocalPath(f.Path)))
			}
		}
		if len(files) == 0 {
			continue
		}
		if db == nil {
			conn, ar, err := openArrowConn(ctx)
			if err != nil {
				return nil, fmt.Errorf("load %s.%s: %w", table, value, err)
			}
			db = &lookupConn{close: func() { _ = conn.Close() }}
			db.query = func(q string, row func(vals []string) error) error {
				rr, err := ar.QueryContext(ctx, q)
				if err != nil {
					return err
				}
				defer rr.Release()
				vals := make([]string, len(cols))
				for rr.Next() {
					rec := rr.RecordBatch()
					cs := make([]stringColumn, len(cols))
					for i := range cs {
						c, ok := rec.Column(i).(stringColumn)
						if !ok {
							return fmt.Errorf("column %s: expected strings, found %s", cols[i], rec.Column(i).DataType())
						}
						cs[i] = c
					}
					for r := range int(rec.NumRows()) {
						for i, c := range cs {
							if c.IsNull(r) {
								vals[i] = ""
							} else {
								vals[i] = c.Value(r)
							}
						}
						if err := row(vals); err != nil {
							return err
						}
					}
				}
				return rr.Err()
			}
		}
		q := fmt.Sprintf("SELECT %s FROM read_parquet([%s], hive_partitioning = false)", strings.Join(cols, ", "), strings.Join(files, ", "))
		err := db.query(q, func(vals []string) error {
			kb.Reset()
			for i, v := range vals[:len(key)] {
				if i > 0 {
					kb.WriteString(sep)
				}
				kb.WriteString(v)
			}
			out[kb.String()] = strings.Clone(vals[len(key)])
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load %s.%s, version %d: %w", table, value, m.Version, err)
		}
	}
	return out, nil
}

// lookupConn is the DuckDB connection of one LoadLookup.
type lookupConn struct {
	query func(q string, row func(vals []string) error) error
	close func()
}
