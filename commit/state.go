package commit

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"ingot/columnar"
	"ingot/internal/duck"
)

// stateMemoryLimit bounds DuckDB's memory while LoadState scans: it
// streams two columns, so little is needed, and the import runs beside it.
const stateMemoryLimit = "1GB"

// LoadState returns, for every key of table, the fingerprint of its row in
// the newest manifest that has it, by querying DuckDB over the files the
// manifests name (only those). Keys are hashed with columnar.KeyOf.
// Fingerprint column values are 16 lower-case hex digits (a uint64).
//
// log must be in ascending version order, as ReadLog returns it. Keys are
// expected to be unique within one version of table; if one is not, one of
// its rows wins. The result streams from DuckDB as Arrow records (DuckDB
// uses half the cores and at most 1 GB): memory is the map, about
// 35 bytes a key. Stores that are not local are not supported yet.
func LoadState(ctx context.Context, s Store, log []Manifest, table, keyColumn, fpColumn string) (*columnar.KeyMap[uint64], error) {
	state := &columnar.KeyMap[uint64]{}
	if _, _, _, err := localFiles(s, log, table); err != nil {
		return nil, fmt.Errorf("load state of %s: %w", table, err)
	}
	var conn driver.Conn
	var ar *duckdb.Arrow
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
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
		if ar == nil {
			var err error
			if conn, ar, err = openArrowConn(ctx); err != nil {
				return nil, fmt.Errorf("load state of %s: %w", table, err)
			}
		}
		q := fmt.Sprintf("SELECT %s, %s FROM read_parquet([%s], hive_partitioning = false)", sqlIdent(keyColumn), sqlIdent(fpColumn), strings.Join(files, ", "))
		if err := loadVersion(ctx, ar, q, state); err != nil {
			return nil, fmt.Errorf("load state of %s, version %d: %w", table, m.Version, err)
		}
	}
	return state, nil
}

// openArrowConn opens an in-memory DuckDB connection for scans.
func openArrowConn(ctx context.Context) (driver.Conn, *duckdb.Arrow, error) {
	threads := max(1, runtime.GOMAXPROCS(0)/2)
	c, err := duck.Connector(threads, stateMemoryLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("open duckdb: %w", err)
	}
	conn, err := c.Connect(ctx)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("open duckdb: %w", err), c.Close())
	}
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("open duckdb: %w", err), conn.Close(), c.Close())
	}
	return &connCloser{Conn: conn, c: c}, ar, nil
}

// connCloser closes the connector with its only connection.
type connCloser struct {
	driver.Conn
	c *duckdb.Connector
}

func (c *connCloser) Close() error { return errors.Join(c.Conn.Close(), c.c.Close()) }

// stringColumn is what LoadState needs of a DuckDB VARCHAR column, whichever
// Arrow string type it arrives as.
type stringColumn interface {
	arrow.Array
	Value(int) string
}

// loadVersion runs q (key, fingerprint) and puts every row into state.
func loadVersion(ctx context.Context, ar *duckdb.Arrow, q string, state *columnar.KeyMap[uint64]) error {
	rr, err := ar.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		keys, ok1 := rec.Column(0).(stringColumn)
		fps, ok2 := rec.Column(1).(stringColumn)
		if !ok1 || !ok2 {
			return fmt.Errorf("expected two string columns, found %s and %s", rec.Column(0).DataType(), rec.Column(1).DataType())
		}
		for i := range int(rec.NumRows()) {
			if keys.IsNull(i) {
				return fmt.Errorf("null key")
			}
			if fps.IsNull(i) {
				return fmt.Errorf("key %q: null fingerprint", keys.Value(i))
			}
			fp, ok := parseFingerprint(fps.Value(i))
			if !ok {
				return fmt.Errorf("key %q: expected a fingerprint of 16 lower-case hex digits, found %q", keys.Value(i), fps.Value(i))
			}
			state.Put(columnar.KeyOfString(keys.Value(i)), fp)
		}
	}
	return rr.Err()
}

var _ stringColumn = (*array.String)(nil)

// parseFingerprint parses 16 lower-case hex digits.
func parseFingerprint(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var v uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
