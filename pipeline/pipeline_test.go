package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"

	"ingot/columnar"
	"ingot/commit"
	"ingot/formats"
	"ingot/formats/parse"
	"ingot/formats/source"
	"ingot/kinds"
	"ingot/schema"
	"ingot/validate"
)

// The pipeline is tested with a kind and a format of its own, not the
// orders kind: "things", one row per record, keyed by id, with a value.
// It shows the stages drive any kind through the kinds contract.

var thingsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.BinaryTypes.String},
	{Name: "fingerprint", Type: arrow.BinaryTypes.String},
	{Name: "import_id", Type: arrow.BinaryTypes.String},
}, nil)

var thingsTable = &schema.Table{Name: "things", Schema: thingsSchema, Key: []string{"id"}, Partition: schema.PartitionColumn}

var thingsCSV = &formats.Format{Name: "things-csv", Kind: "things", Shape: formats.CSV, Fields: []formats.Field{
	{Name: "id", Table: "things", Column: "id", Type: formats.Key, Required: true},
	{Name: "value", Table: "things", Column: "value", Type: formats.Text},
}}

type thingsKind struct{}

func (thingsKind) Name() string            { return "things" }
func (thingsKind) Tables() []*schema.Table { return []*schema.Table{thingsTable} }
func (thingsKind) State() kinds.StateSpec {
	return kinds.StateSpec{Table: "things", Key: "id", Fingerprint: "fingerprint"}
}

func (thingsKind) Bind(f *formats.Format, header []string, _ kinds.BindOptions) (kinds.Validator, error) {
	v := thingsValidator{id: -1, value: -1}
	for i, h := range header {
		switch h {
		case "id":
			v.id = i
		case "value":
			v.value = i
		}
	}
	if v.id < 0 || v.value < 0 {
		return nil, fmt.Errorf("%w: %s needs id and value", parse.ErrMissingColumns, f.Name)
	}
	return v, nil
}

func (thingsKind) NewGrouper(cfg kinds.GroupConfig) (kinds.Grouper, error) {
	g := &thingsGrouper{cfg: cfg, counts: make([]validate.Counts, len(cfg.Files))}
	return g, nil
}

type thingsValidator struct{ id, value int }

// thingRows is a validated batch: the raw batch and its columns.
type thingRows struct {
	b         *columnar.Batch
	id, value int
}

func (r *thingRows) Rows() int { return r.b.Rows() }
func (r *thingRows) Release()  { r.b.Release() }

func (v thingsValidator) Validate(b *columnar.Batch) (kinds.Validated, error) {
	return &thingRows{b: b, id: v.id, value: v.value}, nil
}

// thingsGrouper keeps every row with a value and rejects the others.
type thingsGrouper struct {
	cfg    kinds.GroupConfig
	counts []validate.Counts
	order  []string // file:first line of each batch added, in order
}

// thingOut is one batch's rows to write.
type thingOut struct {
	file           int
	ids, vals, fps []string
	changed        []bool
	importID       string
	released       *int
}

func (o *thingOut) File() int { return o.file }
func (o *thingOut) Release()  { *o.released++ }
func (o *thingOut) Records(yield func(table, partition string, changed bool, rec arrow.RecordBatch) error) error {
	for _, want := range []bool{true, false} {
		b := array.NewRecordBuilder(memory.DefaultAllocator, thingsSchema)
		n := 0
		for i := range o.ids {
			if o.changed[i] != want {
				continue
			}
			n++
			b.Field(0).(*array.StringBuilder).Append(o.ids[i])
			b.Field(1).(*array.StringBuilder).Append(o.vals[i])
			b.Field(2).(*array.StringBuilder).Append(o.fps[i])
			b.Field(3).(*array.StringBuilder).Append(o.importID)
		}
		rec := b.NewRecordBatch()
		b.Release()
		if n == 0 {
			rec.Release()
			continue
		}
		if err := yield("things", "all", want, rec); err != nil {
			return err
		}
	}
	return nil
}

var released int // Outputs released, across tests

func (g *thingsGrouper) Add(file int, v kinds.Validated, header []string, out kinds.Sink) error {
	r := v.(*thingRows)
	defer r.Release()
	g.order = append(g.order, fmt.Sprintf("%d:%d", file, r.b.Lines()[0]))
	o := &thingOut{file: file, importID: g.cfg.ImportID, released: &released}
	c := &g.counts[file]
	for i := range r.Rows() {
		c.Records++
		id, val := strings.Clone(r.b.Field(r.id).Value(i)), strings.Clone(r.b.Field(r.value).Value(i))
		if val == "" {
			c.Rejected++
			c.RowsRejected++
			if err := g.cfg.Rejects.Add(validate.Reject{File: g.cfg.Files[file], Line: r.b.Lines()[i], RecordID: id, Column: "value"}); err != nil {
				return err
			}
			continue
		}
		fp := xxh3.HashString(val)
		committed, known := g.cfg.State.Get(columnar.KeyOfString(id))
		typ := "thingAdd"
		switch {
		case !known:
			c.Added++
		case committed == fp:
			c.Unchanged++
			typ = ""
		default:
			c.Updated++
			typ = "thingUpdate"
		}
		c.Valid++
		c.RowsCommitted++
		o.ids, o.vals = append(o.ids, id), append(o.vals, val)
		o.fps = append(o.fps, string(columnar.AppendHex16(nil, fp)))
		o.changed = append(o.changed, typ != "")
		if ev := out.Events(); ev != nil && typ != "" {
			*ev = fmt.Appendf(*ev, `{"type":%q,"key":%q%s}`+"\n", typ, id, g.cfg.EventHead)
			if err := out.EventsAdded(); err != nil {
				return err
			}
		}
	}
	return out.Write(o)
}

func (g *thingsGrouper) EndFile(int, kinds.Sink) error { return nil }
func (g *thingsGrouper) FailFile(int)                  {}
func (g *thingsGrouper) Finish() error                 { return nil }
func (g *thingsGrouper) Close()                        {}
func (g *thingsGrouper) Settle() (*kinds.Result, error) {
	return &kinds.Result{Counts: g.counts, Issues: make([]map[kinds.IssueKey]int64, len(g.counts))}, nil
}

// things writes a things CSV of ids from..to-1 with value v (every
// seventh row without one: rejected).
func things(t *testing.T, dir, name string, from, to int, v string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,value\n")
	for i := from; i < to; i++ {
		val := v
		if i%7 == 3 {
			val = ""
		}
		fmt.Fprintf(&b, "T-%d,%s\n", i, val)
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func runThings(t *testing.T, dest string, dry bool, batch int, paths ...string) *validate.Report {
	t.Helper()
	return runThingsWith(t, dest, func(o *Options) { o.DryRun, o.BatchRows = dry, batch }, paths...)
}

// runThingsWith is runThings with the options set changes.
func runThingsWith(t *testing.T, dest string, set func(*Options), paths ...string) *validate.Report {
	t.Helper()
	var objs []source.Object
	for _, p := range paths {
		objs = append(objs, source.Object{URI: p, Name: filepath.Base(p), Size: -1})
	}
	opt := Options{Kind: thingsKind{}, Format: thingsCSV, Dest: dest, ReportDir: t.TempDir(), BatchRows: 16, Workers: 3, MaxRejected: "none"}
	set(&opt)
	rep, err := Run(context.Background(), opt, objs)
	require.NoError(t, err)
	return rep
}

// eventKeys reads the event segment of a manifest.
func eventKeys(t *testing.T, dest string, m commit.Manifest) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(m.Events)))
	require.NoError(t, err)
	d, err := zstd.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	defer d.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(d)
	require.NoError(t, err)
	var keys []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" {
			keys = append(keys, l[strings.Index(l, `"key":`)+7:strings.Index(l, `","version"`)])
		}
	}
	return keys
}

func TestPipelineWithAFakeKind(t *testing.T) {
	dir, dest := t.TempDir(), t.TempDir()
	a := things(t, dir, "a.csv", 0, 50, "x")
	b := things(t, dir, "b.csv", 50, 120, "y")
	for _, batch := range []int{1, 7, 1000} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			dest := t.TempDir()
			rep := runThings(t, dest, false, batch, a, b)
			require.Equal(t, validate.StatusCompleted, rep.Status)
			require.Equal(t, int64(1), rep.Version)
			require.Equal(t, validate.Counts{Rows: 120, Records: 120, Valid: 103, Rejected: 17, Added: 103, RowsCommitted: 103, RowsRejected: 17}, rep.Counts)
			require.Equal(t, int64(17), rep.Rejects.Count)
			st, err := commit.OpenLocal(dest)
			require.NoError(t, err)
			log, err := commit.ReadLog(context.Background(), st)
			require.NoError(t, err)
			require.Len(t, log, 1)
			var rows int64
			for _, f := range log[0].Files {
				require.Equal(t, "things", f.Table)
				rows += f.Rows
			}
			require.Equal(t, int64(103), rows)
			require.Len(t, eventKeys(t, dest, log[0]), 103)
			require.Equal(t, "things", rep.Kind)
			require.Equal(t, "things-csv", rep.Format)
			var stages []string
			for _, tm := range rep.Timings {
				stages = append(stages, tm.Stage)
			}
			require.Equal(t, []string{"read", "validate", "group", "write", "events", "summarise", "commit", "total"}, stages)
		})
	}

	// Into one warehouse: the same files again change nothing and commit
	// nothing; one changed file updates its records.
	rep := runThings(t, dest, false, 16, a, b)
	require.Equal(t, int64(1), rep.Version)
	rep = runThings(t, dest, false, 16, a, b)
	require.Zero(t, rep.Version)
	require.Equal(t, validate.Counts{}, rep.Counts, "both files are committed already: not read again")
	for _, f := range rep.Files {
		require.Equal(t, validate.FileAlreadyCommitted, f.Status)
		require.Equal(t, int64(1), f.CommittedVersion)
	}
	rep = runThingsWith(t, dest, func(o *Options) { o.Force = true }, a, b)
	require.Zero(t, rep.Version)
	require.Equal(t, int64(103), rep.Counts.Unchanged)
	c := things(t, dir, "c.csv", 50, 120, "z")
	rep = runThingsWith(t, dest, func(o *Options) { o.Force = true }, a, c)
	require.Equal(t, int64(2), rep.Version)
	require.Equal(t, int64(60), rep.Counts.Updated)
	require.Equal(t, int64(43), rep.Counts.Unchanged)

	// A dry run writes nothing.
	d := things(t, dir, "d.csv", 500, 510, "w")
	rep = runThings(t, dest, true, 16, d)
	require.Equal(t, validate.StatusDryRun, rep.Status)
	require.Equal(t, int64(8), rep.Counts.Added) // 500 and 507 have no value
	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	log, err := commit.ReadLog(context.Background(), st)
	require.NoError(t, err)
	require.Len(t, log, 2)
}

// TestPipelineFailedFile: a file the kind cannot bind fails alone; the
// other is committed and the status says so.
func TestPipelineFailedFile(t *testing.T) {
	dir, dest := t.TempDir(), t.TempDir()
	good := things(t, dir, "good.csv", 0, 10, "x")
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("id,other\n1,2\n"), 0o644))
	rep := runThings(t, dest, false, 4, bad, good)
	require.Equal(t, validate.StatusCompletedWithFailures, rep.Status)
	require.Equal(t, validate.FileFailed, rep.Files[0].Status)
	require.Contains(t, rep.Files[0].Error, "bad.csv: line 1")
	require.Contains(t, rep.Files[0].Error, "missing required columns")
	require.Equal(t, int64(9), rep.Counts.Added) // 3 has no value
}

// recorder is a Grouper that records the order batches arrive in.
type recorder struct {
	thingsGrouper
	seen []int
}

func (r *recorder) Add(file int, v kinds.Validated, _ []string, _ kinds.Sink) error {
	r.seen = append(r.seen, v.Rows())
	v.Release()
	return nil
}

type sized int

func (s sized) Rows() int { return int(s) }
func (s sized) Release()  {}

// TestGroupStageRestoresInputOrder: validators finish in any order; the
// group stage hands batches to the kind in input order.
func TestGroupStageRestoresInputOrder(t *testing.T) {
	in := make(chan valItem, 100)
	perm := rand.Perm(50)
	for _, p := range perm {
		in <- valItem{seq: p, rows: sized(p)}
	}
	close(in)
	r := &recorder{}
	out := make(chan writeItem, 100)
	ev := make(chan eventChunk, 100)
	s := &groupStage{grouper: r, out: out, events: ev, evFree: make(chan []byte, 1)}
	require.NoError(t, s.run(context.Background(), in))
	for i, n := range r.seen {
		require.Equal(t, i, n)
	}
	require.Len(t, r.seen, 50)
}
