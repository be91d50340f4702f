package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/columnar"
	"ingot/transform"
	"ingot/transform/derive"
)

// transformStage applies a job spec's transforms (and a customers
// mapping) to every raw batch, in input order, between the reader and the
// validators: one goroutine, so that the record key a batch continues
// (PrevKey) and the values carried from a record's first row (Carry) are
// tracked on the transformed columns, as the reader tracks them on the
// raw ones when there are no transforms. The kernels work on whole
// columns; a batch costs an Arrow record per changed column, nothing per
// row.
type transformStage struct {
	prog  *transform.Program
	eval  *derive.Evaluator
	mem   memory.Allocator
	key   string   // the format's key field, after the transforms
	carry []string // the format's carried fields
	clock stageClock

	file    int // the file whose batches are being tracked
	prevKey string
	carried []string
	tbufs   [][]transform.ValueType
	types   [][]transform.ValueType
}

func newTransformStage(ctx context.Context, opt Options, mem memory.Allocator) *transformStage {
	s := &transformStage{prog: opt.Transforms.Clone(), mem: mem, file: -1, clock: stageClock{name: "transform"}}
	if k := opt.Format.KeyField(); k != nil {
		s.key, s.carry = k.Name, opt.Format.Carry()
	}
	for _, st := range s.prog.Steps() {
		if st.Op == transform.OpDerive {
			s.eval = derive.NewEvaluator(ctx, nil)
			s.prog.SetEvaluator(s.eval)
			break
		}
	}
	return s
}

func (s *transformStage) close() error {
	if s.eval != nil {
		return s.eval.Close()
	}
	return nil
}

func (s *transformStage) run(ctx context.Context, in <-chan rawItem, out chan<- rawItem) error {
	for it := range in {
		if it.batch != nil {
			t := time.Now()
			b, err := s.apply(it.file, it.batch)
			s.clock.since(t)
			if err != nil {
				return err
			}
			it.batch = b
		}
		select {
		case out <- it:
		case <-ctx.Done():
			if it.batch != nil {
				it.batch.Release()
			}
			return ctx.Err()
		}
	}
	return nil
}

// apply transforms one batch of file fi, which it takes over.
func (s *transformStage) apply(fi int, b *columnar.Batch) (*columnar.Batch, error) {
	defer b.Release()
	if fi != s.file {
		s.file, s.prevKey, s.carried = fi, "", nil
	}
	res, err := TransformBatch(s.prog, b, s.mem, &s.tbufs, &s.types)
	if err != nil {
		return nil, fmt.Errorf("%s: transforming the rows from line %d: %w", b.Source, firstLine(b), err)
	}
	res.PrevKey, res.Carry = s.prevKey, s.carried
	s.track(res)
	return res, nil
}

// track keeps the key in force at the end of b and, when the format
// carries fields, their values on the first row of its last record, for
// the next batch (as csv.Reader does on raw columns).
func (s *transformStage) track(b *columnar.Batch) {
	if s.key == "" {
		return
	}
	names := b.Rec.Schema()
	kc := -1
	for i := range b.NumFields() {
		if names.Field(i).Name == s.key {
			kc = i
		}
	}
	if kc < 0 {
		return
	}
	k := columnar.StringsOf(b.Field(kc))
	cur := []byte(s.prevKey)
	start := -1
	for i := range k.Len() {
		if v := k.At(i); len(v) > 0 && string(v) != string(cur) {
			cur = v
			start = i
		}
	}
	if start < 0 {
		return
	}
	s.prevKey = string(cur)
	if len(s.carry) == 0 {
		return
	}
	s.carried = make([]string, len(s.carry))
	for i, name := range s.carry {
		for c := range b.NumFields() {
			if names.Field(c).Name == name {
				s.carried[i] = strings.Clone(b.Field(c).Value(start))
			}
		}
	}
}

// TransformBatch applies prog to a raw batch and returns the transformed
// batch (the caller releases both): the program's columns, then the
// batch's provenance; the reader's issues moved to the columns they
// became (an issue on a deleted column concerns the row) followed by the
// transforms' issues (a failed cast, an unparsable timestamp, a missing
// or mistyped attribute), which reject their rows; and, for a typed
// (JSON) batch, the value types of every column. tbufs and types are
// buffers the caller keeps from batch to batch. PrevKey and Carry are not
// set: they depend on the batches before.
func TransformBatch(prog *transform.Program, b *columnar.Batch, mem memory.Allocator, tbufs, types *[][]transform.ValueType) (*columnar.Batch, error) {
	in := transform.Input{Rec: b.Rec}
	n := b.Rows()
	if b.Types != nil {
		nf := b.NumFields()
		for len(*tbufs) < nf {
			*tbufs = append(*tbufs, nil)
		}
		*types = (*types)[:0]
		for i := range nf {
			buf := slices.Grow((*tbufs)[i][:0], n)[:n]
			vt := b.Types[i]
			for r := range n {
				buf[r] = toTransformType(vt.At(r))
			}
			(*tbufs)[i] = buf
			*types = append(*types, buf)
		}
		in.Types = *types
	}
	res, err := prog.Apply(in)
	if err != nil {
		return nil, err
	}
	out := &columnar.Batch{Source: b.Source, Seq: b.Seq, Rec: res.Record(mem)}
	is := &out.Issues
	for k := range b.Issues.Code {
		col := int(b.Issues.Col[k])
		if col >= 0 {
			col = res.OutputOf(col)
		}
		is.Add(int(b.Issues.Row[k]), col, b.Issues.Code[k], b.Issues.Arg[k])
	}
	is.Append(&res.Issues)
	if b.Types != nil {
		out.Types = make([]columnar.ValueTypes, res.Len())
		for j := range res.Len() {
			if src := res.SourceOf(j); src >= 0 && src < len(b.Types) {
				out.Types[j] = b.Types[src]
				continue
			}
			c := res.Column(j)
			row := make([]columnar.ValueType, n)
			for r := range n {
				row[r] = fromTransformType(c.Type(r), c.At(r))
			}
			out.Types[j] = columnar.ValueTypes{Row: row}
		}
	}
	return out, nil
}

func toTransformType(t columnar.ValueType) transform.ValueType {
	switch t {
	case columnar.TypeNumber:
		return transform.TypeNumber
	case columnar.TypeBool:
		return transform.TypeBool
	case columnar.TypeAbsent, columnar.TypeNull:
		return transform.TypeNull
	case columnar.TypeObject, columnar.TypeArray:
		return transform.TypeRaw
	}
	return transform.TypeString
}

func fromTransformType(t transform.ValueType, v []byte) columnar.ValueType {
	switch t {
	case transform.TypeNumber:
		return columnar.TypeNumber
	case transform.TypeBool:
		return columnar.TypeBool
	case transform.TypeNull:
		return columnar.TypeNull
	case transform.TypeRaw:
		if len(v) > 0 && v[0] == '[' {
			return columnar.TypeArray
		}
		return columnar.TypeObject
	}
	return columnar.TypeString
}
