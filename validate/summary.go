package validate

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"ingot/internal/duck"
)

// SummaryOptions configures a Summariser. The zero value works.
type SummaryOptions struct {
	// Threads is DuckDB's worker thread count (SET threads). Default 1:
	// each table's query then runs on its own thread only, next to the
	// import's own goroutines.
	Threads int
	// MemoryLimit is DuckDB's memory_limit, such as "512MB" or "2GiB".
	// Default "512MB". The summary queries keep fixed-size sketches, so
	// they need little whatever the input size.
	MemoryLimit string
	// TopK is the number of most frequent values kept per column.
	// Default 5.
	TopK int
	// Queue is the number of records buffered per table before Add
	// blocks. Default 4.
	Queue int
}

// Defaults of SummaryOptions.
const (
	DefaultSummaryThreads     = 1
	DefaultSummaryMemoryLimit = "512MB"
	DefaultSummaryTopK        = 5
	DefaultSummaryQueue       = 4

	// topTracked is the number of values the Space-Saving counter of a
	// column tracks. Columns with at most this many distinct values get
	// exact top counts; otherwise every count is off by at most
	// rows/topTracked.
	topTracked = 256
)

var memoryLimitRE = regexp.MustCompile(`(?i)^\s*[0-9]+(\.[0-9]+)?\s*(b|bytes|kb|mb|gb|tb|kib|mib|gib|tib)\s*$`)

// Validate reports the first field that is out of range, by name.
func (o SummaryOptions) Validate() error {
	const base = "validate.SummaryOptions."
	switch {
	case o.Threads < 0:
		return fmt.Errorf("%sThreads: expected 0 (default) or more, found %d", base, o.Threads)
	case o.MemoryLimit != "" && !memoryLimitRE.MatchString(o.MemoryLimit):
		return fmt.Errorf("%sMemoryLimit: expected a size such as 512MB or 2GiB, found %q", base, o.MemoryLimit)
	case o.TopK < 0 || o.TopK > topTracked:
		return fmt.Errorf("%sTopK: expected 0 (default) to %d, found %d", base, topTracked, o.TopK)
	case o.Queue < 0:
		return fmt.Errorf("%sQueue: expected 0 (default) or more, found %d", base, o.Queue)
	}
	return nil
}

func (o SummaryOptions) withDefaults() SummaryOptions {
	o.Threads = cmp.Or(o.Threads, DefaultSummaryThreads)
	o.MemoryLimit = cmp.Or(o.MemoryLimit, DefaultSummaryMemoryLimit)
	o.TopK = cmp.Or(o.TopK, DefaultSummaryTopK)
	o.Queue = cmp.Or(o.Queue, DefaultSummaryQueue)
	return o
}

// ColumnStats describes one column of a table.
//
// For list columns (promotions, categories) the statistics describe the
// elements: Distinct, Min, Max and Top are over the non-null elements of
// all lists, Elements counts them and Mean is the mean number of elements
// in a non-null list. Count and Nulls count rows, as for other columns.
type ColumnStats struct {
	Column string `json:"column"`
	// Type is the DuckDB name of the column's type: VARCHAR, DOUBLE,
	// BIGINT, BOOLEAN, TIMESTAMP WITH TIME ZONE, VARCHAR[], ...
	Type string `json:"type"`
	// Count is the number of rows, nulls included.
	Count int64 `json:"count"`
	// Nulls is the number of rows whose value is null.
	Nulls int64 `json:"nulls"`
	// Distinct is the approximate number of distinct non-null values
	// (DuckDB approx_count_distinct, a HyperLogLog).
	Distinct int64 `json:"distinct"`
	// Min and Max are the smallest and largest non-null values: numbers,
	// strings, booleans, or timestamps as RFC 3339 strings in UTC. Absent
	// when every value is null.
	Min any `json:"min,omitempty"`
	Max any `json:"max,omitempty"`
	// Mean is the arithmetic mean of a number column (or the mean list
	// length, see above). Absent for other types.
	Mean *float64 `json:"mean,omitempty"`
	// Sum is the exact sum of a money column (DECIMAL(18,4)), as a JSON
	// number. Absent for other types.
	Sum json.Number `json:"sum,omitempty"`
	// Elements is the number of non-null elements of a list column.
	Elements int64 `json:"elements,omitempty"`
	// Top holds up to TopK most frequent non-null values, most frequent
	// first, ties in value order. Booleans get their true and false
	// counts here.
	Top []TopValue `json:"top,omitempty"`
	// TopApprox is true when the column had more distinct values than the
	// counter tracks (256): the Top counts are then lower bounds, each
	// short of the truth by at most 1/256 of the values counted
	// (Space-Saving's guarantee), and a value whose true count exceeds
	// that bound is sure to be among those tracked.
	TopApprox bool `json:"top_approx,omitempty"`
	// Sampled, when set, is the number of rows Distinct, Top and the
	// extremes of strings were computed over: a sample of the Count rows
	// (see TableTotals). Zero means all rows. Count, Nulls, Mean, and Min
	// and Max of numbers, timestamps and booleans are always exact.
	Sampled int64 `json:"sampled_rows,omitempty"`
}

// TopValue is a value and how many rows (or list elements) hold it.
type TopValue struct {
	Value any   `json:"value"`
	Count int64 `json:"count"`
}

// Summariser computes per-column statistics of streams of Arrow records
// with DuckDB, while the records flow: each table is an Arrow stream
// registered as a view (duckdb Arrow.RegisterView), scanned by one
// aggregate query running concurrently with the producer. A table with
// list columns gets a second stream and query that unnests them.
//
// DuckDB computes counts, nulls, approximate distinct counts, minima,
// maxima and means. The top values are counted in Go, by a Space-Saving
// counter per column fed as DuckDB pulls each record: DuckDB 1.4's
// approx_top_k returns the values without their counts, and an exact
// GROUP BY would need memory in proportion to the distinct values.
//
// One in-memory DuckDB serves one Summariser, with one connection per
// query. Records are shared with DuckDB without copying (Arrow C stream
// interface); every reference the Summariser takes is dropped by Finish
// or Close.
//
// Add may be called from one goroutine per table; Finish and Close must
// not run concurrently with Add.
type Summariser struct {
	opt    SummaryOptions
	conn   *duckdb.Connector
	db     *sql.DB
	ctx    context.Context // bounds the queries; cancelled by Close
	cancel context.CancelFunc
	tables map[string]*tableSummary
	names  []string
	wg     sync.WaitGroup

	sendMu sync.RWMutex // write-held to close the streams; read-held by Add while sending
	ended  bool         // streams closed (Finish or Close); guarded by sendMu

	closeOnce sync.Once
	closeErr  error
}

// colKind says which aggregates a column gets.
type colKind uint8

const (
	kindNumber colKind = iota + 1
	kindString
	kindTime // timestamps and dates: min and max, no mean
	kindBool
	kindList
)

type colPlan struct {
	name    string
	typ     string // DuckDB type name
	kind    colKind
	first   int // index of the first result column of query A
	elFirst int // index of the first result column of query B (lists)
}

type tableSummary struct {
	name    string
	widths  [2]int // result columns of the queries of streams[0] and [1]
	schema  *arrow.Schema
	cols    []colPlan
	streams []*summaryStream // [0]: all columns; [1]: list elements, if any
	top     []*topCounter    // per column; fed by streams[0]
}

// summaryStream is one producer→DuckDB channel and the query reading it.
type summaryStream struct {
	ch     chan arrow.RecordBatch
	closed bool          // ch closed; guarded by Summariser.sendMu
	done   chan struct{} // closed when the query goroutine returns
	err    error         // the query's error, readable after done
	reader *chanReader
	cols   []int // the columns of the table the stream carries; nil: all
	query  string
	view   string
	sqlc   *sql.Conn
	result []any // the query's single result row, readable after done
}

// NewSummariser opens an in-memory DuckDB and starts one aggregate query
// per table (two for tables with list columns), each waiting for the
// records Add will feed it. ctx bounds the life of the queries: cancel it,
// or call Close, to stop them.
func NewSummariser(ctx context.Context, schemas map[string]*arrow.Schema, opt SummaryOptions) (*Summariser, error) {
	return newSummariser(ctx, schemas, opt, nil)
}

// newSummariser is NewSummariser with a hook that may change a table's
// plan (its queries) before the queries start; tests use it.
func newSummariser(ctx context.Context, schemas map[string]*arrow.Schema, opt SummaryOptions, plan func(*tableSummary)) (*Summariser, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if len(schemas) == 0 {
		return nil, errors.New("validate: new summariser: expected at least one table schema, found none")
	}
	opt = opt.withDefaults()
	s := &Summariser{opt: opt, tables: make(map[string]*tableSummary, len(schemas))}
	for name, sc := range schemas {
		t, err := planTable(name, sc, opt)
		if err != nil {
			return nil, err
		}
		if plan != nil {
			plan(t)
		}
		s.tables[name] = t
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)

	conn, err := duck.Connector(opt.Threads, opt.MemoryLimit)
	if err != nil {
		return nil, fmt.Errorf("validate: new summariser: open DuckDB (threads %d, memory limit %s): %w", opt.Threads, opt.MemoryLimit, err)
	}
	s.conn = conn
	s.db = sql.OpenDB(conn)
	s.ctx, s.cancel = context.WithCancel(ctx)

	n := 0
	for _, name := range s.names {
		t := s.tables[name]
		for _, st := range t.streams {
			st.view = fmt.Sprintf("ingot_summary_%d", n)
			n++
			st.query = strings.ReplaceAll(st.query, "$view", st.view)
			st.sqlc, err = s.db.Conn(ctx)
			if err == nil {
				// DuckDB's C API Arrow scan (duckdb_arrow_scan, behind
				// RegisterView) pushes projections into a stream that
				// ignores them, so DuckDB reads the wrong columns, or
				// crashes on a list, whenever a query uses a subset of
				// the columns (duckdb/duckdb-go#24 and #28; seen with
				// DuckDB 1.4.5). Our queries use every column of their
				// stream; without the unused_columns optimizer the scan
				// reads every column in schema order even if one day
				// they do not. (No query has a WHERE clause, so no
				// filter is pushed into the stream either.)
				_, err = st.sqlc.ExecContext(ctx, "SET disabled_optimizers = 'unused_columns'")
			}
			if err != nil {
				return nil, errors.Join(fmt.Errorf("validate: new summariser: connect to DuckDB: %w", err), s.Close())
			}
		}
	}
	for _, name := range s.names {
		t := s.tables[name]
		for _, st := range t.streams {
			st.reader.ctx = s.ctx
			s.wg.Add(1)
			go s.run(t, st)
		}
	}
	return s, nil
}

// planTable decides the aggregates of every column and writes the queries.
func planTable(name string, sc *arrow.Schema, opt SummaryOptions) (*tableSummary, error) {
	t := &tableSummary{name: name, schema: sc}
	var qa, qb, unnest []string
	var lists []int // the list columns
	qa = append(qa, "count(*)")
	for i, f := range sc.Fields() {
		kind, typ, _, err := kindOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("validate: new summariser: table %q, column %q: %w", name, f.Name, err)
		}
		c := colPlan{name: f.Name, typ: typ, kind: kind, first: len(qa)}
		q := quoteIdent(f.Name)
		switch kind {
		case kindNumber:
			qa = append(qa, "count("+q+")", "approx_count_distinct("+q+")", "min("+q+")", "max("+q+")", "avg("+q+")")
		case kindString, kindTime, kindBool:
			qa = append(qa, "count("+q+")", "approx_count_distinct("+q+")", "min("+q+")", "max("+q+")")
		case kindList:
			qa = append(qa, "count("+q+")", "CAST(sum(len("+q+")) AS BIGINT)", "avg(len("+q+"))")
			lists = append(lists, i)
			e := fmt.Sprintf("e%d", i)
			unnest = append(unnest, "unnest("+q+") AS "+e)
			c.elFirst = len(qb)
			qb = append(qb, "count("+e+")", "approx_count_distinct("+e+")", "min("+e+")", "max("+e+")")
		}
		t.cols = append(t.cols, c)
		t.top = append(t.top, newTopCounter(f.Type, opt.TopK))
	}
	t.widths = [2]int{len(qa), len(qb)}
	a := &summaryStream{
		ch:    make(chan arrow.RecordBatch, opt.Queue),
		done:  make(chan struct{}),
		query: "SELECT " + strings.Join(qa, ", ") + " FROM $view",
	}
	a.reader = &chanReader{schema: sc, ch: a.ch, refs: 1, observe: t.observe}
	t.streams = append(t.streams, a)
	if len(qb) > 0 {
		// The element query sees only the list columns: Add projects each
		// record (without copying) so that DuckDB converts no more.
		var fields []arrow.Field
		for _, i := range lists {
			fields = append(fields, sc.Field(i))
		}
		b := &summaryStream{
			ch:    make(chan arrow.RecordBatch, opt.Queue),
			done:  make(chan struct{}),
			query: "SELECT " + strings.Join(qb, ", ") + " FROM (SELECT " + strings.Join(unnest, ", ") + " FROM $view)",
			cols:  lists,
		}
		b.reader = &chanReader{schema: arrow.NewSchema(fields, nil), ch: b.ch, refs: 1}
		t.streams = append(t.streams, b)
	}
	return t, nil
}

// kindOf maps an Arrow type to the aggregates it gets and its DuckDB name.
func kindOf(dt arrow.DataType) (kind colKind, typ string, elem colKind, err error) {
	switch dt := dt.(type) {
	case *arrow.Int8Type:
		return kindNumber, "TINYINT", 0, nil
	case *arrow.Int16Type:
		return kindNumber, "SMALLINT", 0, nil
	case *arrow.Int32Type:
		return kindNumber, "INTEGER", 0, nil
	case *arrow.Int64Type:
		return kindNumber, "BIGINT", 0, nil
	case *arrow.Uint8Type:
		return kindNumber, "UTINYINT", 0, nil
	case *arrow.Uint16Type:
		return kindNumber, "USMALLINT", 0, nil
	case *arrow.Uint32Type:
		return kindNumber, "UINTEGER", 0, nil
	case *arrow.Uint64Type:
		return kindNumber, "UBIGINT", 0, nil
	case *arrow.Float32Type:
		return kindNumber, "FLOAT", 0, nil
	case *arrow.Float64Type:
		return kindNumber, "DOUBLE", 0, nil
	case *arrow.Decimal128Type:
		return kindNumber, fmt.Sprintf("DECIMAL(%d,%d)", dt.Precision, dt.Scale), 0, nil
	case *arrow.StringType, *arrow.LargeStringType:
		return kindString, "VARCHAR", 0, nil
	case *arrow.BooleanType:
		return kindBool, "BOOLEAN", 0, nil
	case *arrow.Date32Type:
		return kindTime, "DATE", 0, nil
	case *arrow.TimestampType:
		if dt.TimeZone != "" {
			return kindTime, "TIMESTAMP WITH TIME ZONE", 0, nil
		}
		return kindTime, "TIMESTAMP", 0, nil
	case *arrow.ListType:
		ek, et, _, err := kindOf(dt.Elem())
		if err != nil {
			return 0, "", 0, err
		}
		if ek == kindList {
			return 0, "", 0, fmt.Errorf("expected a list of scalars, found %s", dt)
		}
		return kindList, et + "[]", ek, nil
	}
	return 0, "", 0, fmt.Errorf("expected a number, string, boolean, date, timestamp or list type, found %s", dt)
}

func quoteIdent(s string) string { return duck.Ident(s) }

// run registers the stream as a view and runs its query to the end.
func (s *Summariser) run(t *tableSummary, st *summaryStream) {
	defer s.wg.Done()
	defer close(st.done)
	err := st.sqlc.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("expected a DuckDB driver connection, found %T", dc)
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		release, err := ar.RegisterView(st.reader, st.view)
		if err != nil {
			return fmt.Errorf("register the record stream as a view: %w", err)
		}
		defer release()
		rr, err := ar.QueryContext(s.ctx, st.query)
		if err != nil {
			return err
		}
		defer rr.Release()
		for rr.Next() {
			rec := rr.RecordBatch()
			if rec.NumRows() != 1 || st.result != nil {
				return fmt.Errorf("expected one result row, found %d more", rec.NumRows())
			}
			st.result = make([]any, rec.NumCols())
			for i, col := range rec.Columns() {
				st.result[i] = scalarOf(col, 0)
			}
		}
		if err := rr.Err(); err != nil {
			return err
		}
		if st.result == nil {
			return errors.New("expected one result row, found none")
		}
		return nil
	})
	if err != nil {
		st.err = fmt.Errorf("validate: summary of table %q: %w", t.name, err)
	}
	st.reader.Release()
}

// errEnded is returned by Add after Finish or Close.
var errEnded = errors.New("validate: summariser: Add after Finish or Close")

// Add feeds rec to the queries of table. It takes its own references to
// rec (the caller keeps and releases its own) and blocks while the
// table's queue is full. It returns the query's error, rather than block,
// if the query has failed, and ctx's error if ctx ends first. rec must
// have the table's schema.
func (s *Summariser) Add(ctx context.Context, table string, rec arrow.RecordBatch) error {
	t := s.tables[table]
	if t == nil {
		return fmt.Errorf("validate: summariser: Add: expected one of the tables %s, found %q", strings.Join(s.names, ", "), table)
	}
	if !rec.Schema().Equal(t.schema) {
		return fmt.Errorf("validate: summariser: Add to table %q: expected schema %s, found %s", table, t.schema, rec.Schema())
	}
	if rec.NumRows() == 0 {
		return nil
	}
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.ended {
		return errEnded
	}
	for _, st := range t.streams {
		select {
		case <-st.done:
			return cmp.Or(st.err, fmt.Errorf("validate: summary of table %q: query ended before its input", table))
		default:
		}
		var out arrow.RecordBatch
		if st.cols == nil {
			rec.Retain()
			out = rec
		} else {
			cols := make([]arrow.Array, len(st.cols))
			for i, c := range st.cols {
				cols[i] = rec.Column(c)
			}
			out = array.NewRecordBatch(st.reader.schema, cols, rec.NumRows()) // retains the columns
		}
		select {
		case st.ch <- out:
		case <-st.done:
			out.Release()
			return cmp.Or(st.err, fmt.Errorf("validate: summary of table %q: query ended before its input", table))
		case <-ctx.Done():
			out.Release()
			return fmt.Errorf("validate: summary of table %q: %w", table, ctx.Err())
		case <-s.ctx.Done():
			out.Release()
			return fmt.Errorf("validate: summary of table %q: %w", table, s.ctx.Err())
		}
	}
	return nil
}

// endStreams closes every channel once; the readers then report the end
// of their streams.
func (s *Summariser) endStreams() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.ended = true
	for _, t := range s.tables {
		for _, st := range t.streams {
			if !st.closed {
				st.closed = true
				close(st.ch)
			}
		}
	}
}

// drain releases the records left in the channels of queries that ended
// early. It must run after endStreams and after every query returned.
func (s *Summariser) drain() {
	for _, t := range s.tables {
		for _, st := range t.streams {
			for rec := range st.ch {
				rec.Release()
			}
		}
	}
}

// Finish ends the streams, waits for the queries and returns the
// statistics of every table, by table name, columns in schema order. If
// ctx ends first it returns ctx's error; Close then stops the queries.
func (s *Summariser) Finish(ctx context.Context) (map[string][]ColumnStats, error) {
	s.endStreams()
	var errs []error
	for _, name := range s.names {
		for _, st := range s.tables[name].streams {
			select {
			case <-st.done:
				if st.err != nil {
					errs = append(errs, st.err)
				}
			case <-ctx.Done():
				return nil, fmt.Errorf("validate: summary: waiting for the queries: %w", ctx.Err())
			}
		}
	}
	s.drain()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make(map[string][]ColumnStats, len(s.tables))
	for _, name := range s.names {
		stats, err := s.tables[name].stats()
		if err != nil {
			return nil, err
		}
		out[name] = stats
	}
	return out, nil
}

// Close stops the queries if they still run, releases every record the
// Summariser holds and closes DuckDB. It is idempotent and may be called
// after an error or without Finish.
func (s *Summariser) Close() error {
	s.closeOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		s.endStreams()
		s.wg.Wait()
		s.drain()
		var errs []error
		for _, t := range s.tables {
			for _, st := range t.streams {
				if st.sqlc != nil {
					errs = append(errs, st.sqlc.Close())
				}
			}
		}
		if s.db != nil {
			errs = append(errs, s.db.Close())
		}
		if s.conn != nil {
			errs = append(errs, s.conn.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("validate: close summariser: %w", err)
		}
	})
	return s.closeErr
}

// stats assembles the statistics of a table from the query results and
// the top counters.
func (t *tableSummary) stats() ([]ColumnStats, error) {
	ra := t.streams[0].result
	var rb []any
	if len(t.streams) > 1 {
		rb = t.streams[1].result
	}
	if len(ra) != t.widths[0] || len(rb) != t.widths[1] {
		return nil, fmt.Errorf("validate: summary of table %q: expected %d and %d result columns, found %d and %d",
			t.name, t.widths[0], t.widths[1], len(ra), len(rb))
	}
	rows, _ := ra[0].(int64)
	out := make([]ColumnStats, len(t.cols))
	for i, c := range t.cols {
		cs := ColumnStats{Column: c.name, Type: c.typ, Count: rows}
		r := ra[c.first:]
		nonNull, _ := r[0].(int64)
		cs.Nulls = rows - nonNull
		switch c.kind {
		case kindList:
			cs.Elements, _ = r[1].(int64)
			cs.Mean = finite(r[2])
			e := rb[c.elFirst:]
			cs.Distinct, _ = e[1].(int64)
			cs.Distinct = min(cs.Distinct, cs.Elements)
			cs.Min, cs.Max = jsonValue(e[2]), jsonValue(e[3])
		default:
			cs.Distinct, _ = r[1].(int64)
			cs.Distinct = min(cs.Distinct, nonNull)
			cs.Min, cs.Max = jsonValue(r[2]), jsonValue(r[3])
			if c.kind == kindNumber {
				cs.Mean = finite(r[4])
			}
		}
		if tc := t.top[i]; tc != nil {
			cs.Top, cs.TopApprox = tc.top()
		}
		out[i] = cs
	}
	return out, nil
}

// finite returns v as a *float64 when it is a finite number.
func finite(v any) *float64 {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// jsonValue makes a value JSON-safe: non-finite floats become strings.
func jsonValue(v any) any {
	switch f := v.(type) {
	case float64:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	case float32:
		return jsonValue(float64(f))
	}
	return v
}

// scalarOf returns element i of a result column as a Go value that
// outlives the column: int64, uint64, float64, bool, string (timestamps
// as RFC 3339 in UTC, dates as YYYY-MM-DD), or nil when null.
func scalarOf(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.String: // Value aliases the result's buffer, freed by Release
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return strings.Clone(a.Value(i))
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return formatTime(int64(a.Value(i)), unit)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Decimal128:
		// An exact number: the decimal text without trailing zeros.
		s := a.ValueStr(i)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return json.Number(s)
	}
	return arr.ValueStr(i)
}

// formatTime renders an epoch timestamp as RFC 3339 in UTC.
func formatTime(v int64, unit arrow.TimeUnit) string {
	var t time.Time
	switch unit {
	case arrow.Second:
		t = time.Unix(v, 0)
	case arrow.Millisecond:
		t = time.UnixMilli(v)
	case arrow.Microsecond:
		t = time.UnixMicro(v)
	default:
		t = time.Unix(0, v)
	}
	return t.UTC().Format(time.RFC3339Nano)
}
