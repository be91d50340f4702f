//go:build duckdb_arrow

// Package derive evaluates `derive: {field, expr}` transforms of a job spec: a DuckDB
// SQL expression over the fields of a row (Quantity * UnitPrice), run on
// a whole batch at once through DuckDB's Arrow interface (the batch is
// registered as a view and scanned zero-copy through the Arrow C data
// interface), giving one new text column.
//
// Columns enter DuckDB typed by their transform kind: integer columns as
// BIGINT, float as DOUBLE, bool as BOOLEAN, timestamp as TIMESTAMPTZ (a
// value that does not convert is NULL), text as VARCHAR. The result is
// cast to VARCHAR; a NULL result is a null value. Doubles print in their
// shortest exact form, so money wants round(Quantity * UnitPrice, 2).
//
// It is its own package, built only with the duckdb_arrow tag, so that
// package transform keeps to columnar and arrow-go. Unlike the transform
// kernels it allocates per batch (DuckDB's scan and result), and a
// Deriver, holding one DuckDB connection, is not safe for concurrent use.
// Evaluator plugs Derivers into a transform.Program's derive steps.
package derive

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"ingot/transform"
)

// Deriver evaluates one expression on batches.
type Deriver struct {
	Field, Expr string
	conn        driver.Conn
	c           *duckdb.Connector
	ar          *duckdb.Arrow
	view        string
}

// New opens an in-memory DuckDB connection for field = expr. The
// expression is checked against the first batch (Apply), when the
// columns are known.
func New(ctx context.Context, field, expr string) (*Deriver, error) {
	if strings.TrimSpace(field) == "" || strings.TrimSpace(expr) == "" {
		return nil, errors.New("derive: expected a field and an expression")
	}
	c, err := duckdb.NewConnector("", func(ex driver.ExecerContext) error {
		// One thread keeps the rows in order; the scan must read every
		// column, since DuckDB's Arrow scan ignores pushed projections
		// (see validate/summary.go).
		for _, q := range []string{"SET threads = 1", "SET disabled_optimizers = 'unused_columns'"} {
			if _, err := ex.ExecContext(ctx, q, nil); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("derive: open duckdb: %w", err)
	}
	conn, err := c.Connect(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("derive: open duckdb: %w", err), c.Close())
	}
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("derive: open duckdb: %w", err), conn.Close(), c.Close())
	}
	return &Deriver{Field: field, Expr: expr, conn: conn, c: c, ar: ar, view: "ingot_derive"}, nil
}

// Close closes the DuckDB connection.
func (d *Deriver) Close() error { return errors.Join(d.conn.Close(), d.c.Close()) }

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

var sqlTypes = map[transform.Kind]string{
	transform.KindInteger:   "BIGINT",
	transform.KindFloat:     "DOUBLE",
	transform.KindBool:      "BOOLEAN",
	transform.KindTimestamp: "TIMESTAMPTZ",
}

// query builds the SELECT that types the columns and evaluates the
// expression. Every column of the view is read (see New).
func (d *Deriver) query(sc *arrow.Schema, kinds []transform.Kind) string {
	cols := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		col := ident(f.Name)
		if i < len(kinds) {
			if t, ok := sqlTypes[kinds[i]]; ok {
				col = fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", col, t, col)
			}
		}
		cols[i] = col
	}
	return fmt.Sprintf("SELECT CAST((%s) AS VARCHAR) AS %s FROM (SELECT %s FROM %s)",
		d.Expr, ident(d.Field), strings.Join(cols, ", "), d.view)
}

// Apply evaluates the expression on rec, whose first len(kinds) columns
// are data columns of those kinds (transform.Result.Record and
// Result.Kinds), and returns the new string column, one value per row,
// allocated from mem. An error is a problem with the expression (a
// column it names is missing, a type it cannot apply to), reported with
// DuckDB's message.
func (d *Deriver) Apply(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, kinds []transform.Kind) (*array.String, error) {
	rr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	release, err := d.ar.RegisterView(rr, d.view)
	if err != nil {
		return nil, fmt.Errorf("derive %s: register the batch: %w", d.Field, err)
	}
	defer release()
	res, err := d.ar.QueryContext(ctx, d.query(rec.Schema(), kinds))
	if err != nil {
		return nil, fmt.Errorf("derive %s = %s: %w", d.Field, d.Expr, err)
	}
	defer res.Release()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(int(rec.NumRows()))
	for res.Next() {
		col := res.RecordBatch().Column(0)
		s, ok := col.(interface {
			arrow.Array
			Value(int) string
		})
		if !ok {
			return nil, fmt.Errorf("derive %s: expected a text result, found %s", d.Field, col.DataType())
		}
		for i := range s.Len() {
			if s.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(s.Value(i))
		}
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("derive %s = %s: %w", d.Field, d.Expr, err)
	}
	if int64(b.Len()) != rec.NumRows() {
		return nil, fmt.Errorf("derive %s: expected %d values, found %d", d.Field, rec.NumRows(), b.Len())
	}
	return b.NewStringArray(), nil
}

// Evaluator runs the derive steps of a transform.Program
// (Program.SetEvaluator), one Deriver per step. Close it after the
// import.
type Evaluator struct {
	ctx      context.Context
	mem      memory.Allocator
	derivers map[[2]string]*Deriver
}

var _ transform.Evaluator = (*Evaluator)(nil)

// NewEvaluator returns an Evaluator whose queries run under ctx and whose
// results are allocated from mem (nil: Go memory).
func NewEvaluator(ctx context.Context, mem memory.Allocator) *Evaluator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Evaluator{ctx: ctx, mem: mem, derivers: map[[2]string]*Deriver{}}
}

// Eval evaluates field = expr on rec.
func (e *Evaluator) Eval(field, expr string, rec arrow.RecordBatch, kinds []transform.Kind) (*array.String, error) {
	key := [2]string{field, expr}
	d := e.derivers[key]
	if d == nil {
		var err error
		if d, err = New(e.ctx, field, expr); err != nil {
			return nil, err
		}
		e.derivers[key] = d
	}
	return d.Apply(e.ctx, e.mem, rec, kinds)
}

// Close closes every Deriver's connection.
func (e *Evaluator) Close() error {
	var errs []error
	for _, d := range e.derivers {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}
