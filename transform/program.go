package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
)

// StepError is a step that cannot run: a bad argument, or a field the
// batch does not have. Index is the step's position in the list (0-based),
// so that the caller can point at the spec's line.
type StepError struct {
	Index int
	Op    Op
	Err   error
}

func (e *StepError) Error() string {
	switch e.Op {
	case OpSelect, OpFill, OpCheck: // the steps of a mapping (MappingSteps)
		return fmt.Sprintf("mapping: %v", e.Err)
	}
	return fmt.Sprintf("transforms[%d] (%s): %v", e.Index, e.Op, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Program is a compiled list of steps. Compile it once per job; Apply it
// to every batch. A Program owns the buffers of its outputs and reuses
// them, so it is not safe for concurrent use: give each worker its own
// (Clone).
type Program struct {
	steps   []Step
	codes   Codes
	maps    []*mapper  // per step, nil when none
	pats    []*Pattern // per step, nil when none
	fill    [][]byte   // per step, the text of a fill
	plan    *plan
	result  Result
	bufs    []Column // owned outputs, one per producing step
	views   []Column // views of the input's data columns
	eval    Evaluator
	bad     []int32
	badAt   []int64
	inNames []string
}

// Compile checks the steps' arguments (patterns, zones, maps, casts) and
// prepares them. Fields are resolved later, against each batch's columns.
func Compile(steps []Step, codes Codes) (*Program, error) {
	p := &Program{steps: slices.Clone(steps), codes: codes,
		maps: make([]*mapper, len(steps)), pats: make([]*Pattern, len(steps)), fill: make([][]byte, len(steps))}
	for i, s := range steps {
		fail := func(format string, args ...any) error {
			return &StepError{Index: i, Op: s.Op, Err: fmt.Errorf(format, args...)}
		}
		p.fill[i] = []byte(s.Value.Text)
		if s.Field == "" {
			return nil, fail("no field")
		}
		switch s.Op {
		case OpRename, OpCopy:
			if s.To == "" {
				return nil, fail("no target field (to)")
			}
		case OpMap:
			if s.Map == nil || len(s.Map.Entries) == 0 {
				return nil, fail("no values to map")
			}
		case OpTimestamp:
			pat, err := CompilePattern(s.Pattern, s.Zone)
			if err != nil {
				return nil, &StepError{Index: i, Op: s.Op, Err: err}
			}
			p.pats[i] = pat
		case OpCast:
			if s.Cast > KindBool {
				return nil, fail("cannot cast to %s", s.Cast)
			}
		case OpSelect:
			if len(s.Fields) == 0 || len(s.Fields) != len(s.Names) {
				return nil, fail("expected as many names as fields")
			}
			seen := map[string]bool{}
			for _, n := range s.Names {
				if n == "" || seen[n] {
					return nil, fail("empty or repeated name %q", n)
				}
				seen[n] = true
			}
		case OpCheck:
			if s.Check.Type > AttrEmail {
				return nil, fail("unknown attribute type")
			}
		case OpDerive:
			if strings.TrimSpace(s.Expr) == "" {
				return nil, fail("no expression")
			}
		case OpNew, OpDelete, OpFill:
		default:
			return nil, fail("unknown operation")
		}
		if s.Map != nil && (s.Op == OpMap || s.Op == OpCopy) {
			m, err := compileMap(s.Map)
			if err != nil {
				return nil, &StepError{Index: i, Op: s.Op, Err: err}
			}
			p.maps[i] = m
		}
	}
	return p, nil
}

// Clone returns a Program with the same steps and buffers of its own.
func (p *Program) Clone() *Program {
	q, err := Compile(p.steps, p.codes)
	if err != nil {
		panic("transform: recompiling a compiled program failed: " + err.Error())
	}
	return q
}

// Input is a batch to transform: its record (string data columns, then
// any provenance columns named columnar.LineColumn and
// columnar.OffsetColumn, which are passed through) and, for JSON input,
// the JSON types of the values of each data column (Types[i] for column
// i; nil or a nil entry for untyped text).
type Input struct {
	Rec   arrow.RecordBatch
	Types [][]ValueType
}

// Result is a transformed batch, valid until the next Apply: its data
// columns, the kind of each, and the issues the transforms found. Issue
// columns index Names; an issue on a field a later step deleted has column
// columnar.RowLevel.
type Result struct {
	Names  []string
	Kinds  []Kind
	Issues columnar.Issues
	cols   []*Column
	prov   []arrow.Array
	schema *arrow.Schema
	plan   *plan
}

// OutputOf returns the output column of input data column in (the
// column it became through renames and in-place steps), or
// columnar.RowLevel when a step deleted it or a select left it out: so
// that a reader's issue on an input column can name the field it is now.
func (r *Result) OutputOf(in int) int {
	if r.plan == nil || in < 0 || in >= len(r.plan.names) {
		return columnar.RowLevel
	}
	return int(r.plan.outIndex[in])
}

// SourceOf returns the input data column that output column out shows
// unchanged (renamed or copied without a map), or -1 when its values
// were computed by a step.
func (r *Result) SourceOf(out int) int {
	if r.plan == nil || out < 0 || out >= len(r.plan.out) {
		return -1
	}
	return r.plan.out[out].src
}

// Len returns the number of data columns.
func (r *Result) Len() int { return len(r.cols) }

// Column returns data column i. It belongs to the Program.
func (r *Result) Column(i int) *Column { return r.cols[i] }

// Record copies the result into a new Arrow record: the data columns as
// strings (an unchanged input column is shared, not copied), then the
// provenance columns. The caller releases it. It allocates per column,
// never per row.
func (r *Result) Record(mem memory.Allocator) arrow.RecordBatch {
	arrs := make([]arrow.Array, 0, len(r.cols)+len(r.prov))
	for _, c := range r.cols {
		arrs = append(arrs, c.array(mem))
	}
	for _, a := range r.prov {
		a.Retain()
		arrs = append(arrs, a)
	}
	n := int64(0)
	if len(arrs) > 0 {
		n = int64(arrs[0].Len())
	}
	rec := array.NewRecordBatch(r.schema, arrs, n)
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// plan is the steps resolved against one list of input columns.
type plan struct {
	names []string // the input's data column names
	ops   []execOp
	out   []slot // the output columns, in order
	// outIndex maps a slot id to its output position, or RowLevel.
	outIndex []int32
	names2   []string
	kinds    []Kind
	schema   *arrow.Schema
	nprov    int
}

type slot struct {
	name  string
	src   int // input column, or -1
	buf   int // owned buffer, or -1
	kind  Kind
	id    int // the field's identity through renames and in-place steps
	typed bool
}

type execOp struct {
	snap   []slot // the columns a derive step sees
	step   int
	in     slot
	buf    int
	lineID int // slot id of the field written, for issue columns
}

// bind resolves the steps against the input's column names.
func (p *Program) bind(names []string, nprov int) (*plan, error) {
	pl := &plan{names: slices.Clone(names), nprov: nprov}
	cur := make([]slot, len(names))
	for i, n := range names {
		cur[i] = slot{name: n, src: i, buf: -1, id: i}
	}
	ids := len(names)
	find := func(name string) int {
		for i, s := range cur {
			if s.name == name {
				return i
			}
		}
		return -1
	}
	nbuf := 0
	for si, s := range p.steps {
		fail := func(format string, args ...any) error {
			return &StepError{Index: si, Op: s.Op, Err: fmt.Errorf(format, args...)}
		}
		missing := func(name string) error {
			have := make([]string, len(cur))
			for i, c := range cur {
				have[i] = c.name
			}
			return fail("no field %q; the fields at this step are: %s", name, strings.Join(have, ", "))
		}
		k := find(s.Field)
		switch s.Op {
		case OpRename:
			if k < 0 {
				return nil, missing(s.Field)
			}
			if s.To != s.Field && find(s.To) >= 0 {
				return nil, fail("field %q already exists; delete it first", s.To)
			}
			cur[k].name = s.To
		case OpCopy:
			if k < 0 {
				return nil, missing(s.Field)
			}
			if find(s.To) >= 0 {
				return nil, fail("field %q already exists; delete it first", s.To)
			}
			ns := cur[k]
			ns.name, ns.id = s.To, ids
			ids++
			if p.maps[si] != nil {
				pl.ops = append(pl.ops, execOp{step: si, in: cur[k], buf: nbuf, lineID: ns.id})
				ns.src, ns.buf, ns.kind = -1, nbuf, KindText
				nbuf++
			}
			cur = append(cur, ns)
		case OpNew:
			if k >= 0 {
				return nil, fail("field %q already exists; use map, or delete it first", s.Field)
			}
			ns := slot{name: s.Field, src: -1, buf: nbuf, id: ids, typed: s.Value.Type != TypeString}
			ids++
			pl.ops = append(pl.ops, execOp{step: si, buf: nbuf, lineID: ns.id})
			nbuf++
			cur = append(cur, ns)
		case OpDelete:
			if k < 0 {
				return nil, missing(s.Field)
			}
			cur = slices.Delete(cur, k, k+1)
		case OpDerive:
			if k >= 0 {
				return nil, fail("field %q already exists; delete it first", s.Field)
			}
			ns := slot{name: s.Field, src: -1, buf: nbuf, id: ids}
			ids++
			pl.ops = append(pl.ops, execOp{step: si, buf: nbuf, lineID: ns.id, snap: slices.Clone(cur)})
			nbuf++
			cur = append(cur, ns)
		case OpSelect:
			next := make([]slot, 0, len(s.Fields))
			used := map[int]bool{}
			for j, h := range s.Fields {
				k := find(h)
				if k < 0 {
					have := make([]string, len(cur))
					for i, c := range cur {
						have[i] = c.name
					}
					return nil, fail("the header %q of attribute %q is not in the file; its fields are: %s", h, s.Names[j], strings.Join(have, ", "))
				}
				ns := cur[k]
				ns.name = s.Names[j]
				if used[k] { // a header mapped to a second attribute: a copy
					ns.id = ids
					ids++
				}
				used[k] = true
				next = append(next, ns)
			}
			cur = next
		case OpCheck:
			if k < 0 {
				return nil, missing(s.Field)
			}
			pl.ops = append(pl.ops, execOp{step: si, in: cur[k], buf: -1, lineID: cur[k].id})
		case OpMap, OpTimestamp, OpCast, OpFill:
			if k < 0 {
				return nil, missing(s.Field)
			}
			pl.ops = append(pl.ops, execOp{step: si, in: cur[k], buf: nbuf, lineID: cur[k].id})
			cur[k].src, cur[k].buf = -1, nbuf
			nbuf++
			switch s.Op {
			case OpMap:
				cur[k].kind = KindText // a map may write anything
			case OpTimestamp:
				cur[k].kind = KindTimestamp
			case OpCast:
				cur[k].kind = s.Cast
			}
		}
	}
	pl.out = cur
	pl.outIndex = make([]int32, ids)
	for i := range pl.outIndex {
		pl.outIndex[i] = columnar.RowLevel
	}
	fields := make([]arrow.Field, 0, len(cur)+nprov)
	for i, s := range cur {
		pl.outIndex[s.id] = int32(i)
		pl.names2 = append(pl.names2, s.name)
		pl.kinds = append(pl.kinds, s.kind)
		fields = append(fields, arrow.Field{Name: s.name, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	if nprov > 0 {
		fields = append(fields,
			arrow.Field{Name: columnar.LineColumn, Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: columnar.OffsetColumn, Type: arrow.PrimitiveTypes.Int64})
	}
	pl.schema = arrow.NewSchema(fields, nil)
	if len(p.bufs) < nbuf {
		p.bufs = append(p.bufs, make([]Column, nbuf-len(p.bufs))...)
	}
	return pl, nil
}

// Names returns the names of the columns the program makes of an input
// whose data columns are header (the header a format's checks must see),
// or the StepError of a step that does not fit it (a field it names is
// missing): the spec does not fit the file, before any row is read. The
// binding is kept for the batches of that header.
func (p *Program) Names(header []string) ([]string, error) {
	if p.plan == nil || !slices.Equal(p.plan.names, header) || p.plan.nprov != 2 {
		pl, err := p.bind(header, 2)
		if err != nil {
			return nil, err
		}
		p.plan = pl
	}
	return slices.Clone(p.plan.names2), nil
}

// SourceName returns the input column whose values output column name
// shows unchanged (through renames and copies without a map) for an
// input of the given header, or "" when the values were computed or the
// program does not fit the header. Readers told to follow a column (a
// record key, carried columns) follow its source.
func (p *Program) SourceName(header []string, name string) string {
	if _, err := p.Names(header); err != nil {
		return ""
	}
	for _, s := range p.plan.out {
		if s.name == name && s.src >= 0 {
			return header[s.src]
		}
	}
	return ""
}

// Origins maps each output column that comes from an input column under
// another name (renamed, selected by a mapping, and changed in place or
// not) to that input column's header, for an input of the given header;
// nil when the program does not fit it. Columns a step made (new, copy,
// derive) have no origin.
func (p *Program) Origins(header []string) map[string]string {
	if _, err := p.Names(header); err != nil {
		return nil
	}
	out := map[string]string{}
	for _, s := range p.plan.out {
		if s.id < len(header) && header[s.id] != s.name {
			out[s.name] = header[s.id]
		}
	}
	return out
}

// Steps returns a copy of the program's steps.
func (p *Program) Steps() []Step { return slices.Clone(p.steps) }

// Codes returns the issue codes the program records.
func (p *Program) Codes() Codes { return p.codes }

// Apply runs the program over a batch. The Result and its columns are
// valid until the next call. An error means the steps do not fit the
// batch's columns (a field a step names is missing): a problem with the
// spec, not with the data, reported once for the whole input.
func (p *Program) Apply(in Input) (*Result, error) {
	rec := in.Rec
	ncols := int(rec.NumCols())
	nprov := 0
	sc := rec.Schema()
	if ncols >= 2 && sc.Field(ncols-2).Name == columnar.LineColumn && sc.Field(ncols-1).Name == columnar.OffsetColumn {
		nprov = 2
	}
	ndata := ncols - nprov
	if p.plan == nil || !p.sameNames(sc, ndata) || p.plan.nprov != nprov {
		names := make([]string, ndata)
		for i := range ndata {
			names[i] = sc.Field(i).Name
			if _, ok := rec.Column(i).(*array.String); !ok {
				return nil, fmt.Errorf("transform: column %q is %s, not a string column", names[i], rec.Column(i).DataType())
			}
		}
		pl, err := p.bind(names, nprov)
		if err != nil {
			return nil, err
		}
		p.plan = pl
	}
	pl := p.plan
	n := int(rec.NumRows())
	p.views = p.views[:0]
	for i := range ndata {
		var types []ValueType
		if i < len(in.Types) {
			types = in.Types[i]
		}
		p.views = append(p.views, ViewOf(rec.Column(i).(*array.String), types))
	}
	r := &p.result
	r.Issues.Reset()
	for _, op := range pl.ops {
		s := &p.steps[op.step]
		var out *Column
		if op.buf >= 0 {
			out = &p.bufs[op.buf]
		}
		var src *Column
		if s.Op != OpNew && s.Op != OpDerive {
			src = p.column(op.in)
		}
		col := int(pl.outIndex[op.lineID])
		switch s.Op {
		case OpNew:
			constColumn(out, n, s.Value, s.Value.Type != TypeString)
		case OpCopy, OpMap:
			p.maps[op.step].apply(src, out)
		case OpCast:
			p.bad = castColumn(src, out, s.Cast, p.bad[:0])
			for _, row := range p.bad {
				r.Issues.Add(int(row), col, p.codes.Cast, int64(s.Cast))
			}
		case OpFill:
			fillColumn(src, out, s.Value, p.fill[op.step])
		case OpDerive:
			if err := p.derive(op, s, n, out); err != nil {
				return nil, &StepError{Index: op.step, Op: s.Op, Err: err}
			}
		case OpCheck:
			checkColumn(src, s, col, p.codes, &r.Issues)
		case OpTimestamp:
			p.bad, p.badAt = timestampColumn(src, out, p.pats[op.step], p.bad[:0], p.badAt[:0])
			for k, row := range p.bad {
				r.Issues.Add(int(row), col, p.codes.Timestamp, p.badAt[k])
			}
		}
	}
	r.Names, r.Kinds, r.schema, r.plan = pl.names2, pl.kinds, pl.schema, pl
	r.cols = r.cols[:0]
	for _, s := range pl.out {
		r.cols = append(r.cols, p.column(s))
	}
	r.prov = r.prov[:0]
	for i := ndata; i < ncols; i++ {
		r.prov = append(r.prov, rec.Column(i))
	}
	return r, nil
}

// Evaluator computes derive steps (package derive implements it with
// DuckDB). Eval returns the values of field = expr for every row of rec,
// whose data columns have the given kinds; the Program copies them.
type Evaluator interface {
	Eval(field, expr string, rec arrow.RecordBatch, kinds []Kind) (*array.String, error)
}

// SetEvaluator gives the Program what it needs to run derive steps. A
// Program with derive steps and no Evaluator fails at its first batch.
// Derive steps allocate per batch (the columns they read are copied into
// an Arrow record for the evaluator).
func (p *Program) SetEvaluator(e Evaluator) { p.eval = e }

// derive runs a derive step: the columns as they are at the step go to
// the evaluator as a record, and its answer into out.
func (p *Program) derive(op execOp, s *Step, n int, out *Column) error {
	if p.eval == nil {
		return fmt.Errorf("no evaluator for derived fields (see package transform/derive)")
	}
	mem := memory.DefaultAllocator
	fields := make([]arrow.Field, len(op.snap))
	arrs := make([]arrow.Array, len(op.snap))
	kinds := make([]Kind, len(op.snap))
	for i, sl := range op.snap {
		fields[i] = arrow.Field{Name: sl.name, Type: arrow.BinaryTypes.String, Nullable: true}
		arrs[i] = p.column(sl).array(mem)
		kinds[i] = sl.kind
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	defer rec.Release()
	res, err := p.eval.Eval(s.Field, s.Expr, rec, kinds)
	if err != nil {
		return err
	}
	defer res.Release()
	if res.Len() != n {
		return fmt.Errorf("the evaluator returned %d values for %d rows", res.Len(), n)
	}
	out.reset(n)
	vals := ViewOf(res, nil)
	for i := range n {
		out.appendValue(vals.At(i))
	}
	if res.NullN() > 0 {
		out.valid = out.bitmap()
		for i := range n {
			if res.IsValid(i) {
				out.valid[i>>3] |= 1 << (i & 7)
			}
		}
	}
	return nil
}

func (p *Program) column(s slot) *Column {
	if s.buf >= 0 {
		return &p.bufs[s.buf]
	}
	return &p.views[s.src]
}

func (p *Program) sameNames(sc *arrow.Schema, ndata int) bool {
	if len(p.plan.names) != ndata {
		return false
	}
	for i, n := range p.plan.names {
		if sc.Field(i).Name != n {
			return false
		}
	}
	return true
}
