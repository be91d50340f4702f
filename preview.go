package ingot

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"context"
	"errors"
	"io"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/parse"
	"ingot/formats/source"
	"ingot/pipeline"
	"ingot/transform"
	"ingot/transform/derive"
)

// PreviewColumn is one column of a preview: for a customers mapping, a
// mapped attribute and the file header it reads; otherwise a column as
// the transforms leave it (Header is then its name too). Values are its
// first values, after the transforms and the mapping's value maps and
// fallbacks: what the import would validate.
type PreviewColumn struct {
	Attribute string   `json:"attribute"`
	Header    string   `json:"header"`
	Values    []string `json:"values"`
}

// Preview reads the first rows (n, default 3) of the first source of
// opt, applies its transforms and mapping, and returns each resulting
// column with its first values, for `ingot preview`. Nothing is
// validated or written. A transform or mapped header that does not fit
// the file is an error naming it.
func Preview(ctx context.Context, opt ImportOptions, n int) ([]PreviewColumn, error) {
	if n <= 0 {
		n = 3
	}
	if opt.mapping != nil && len(opt.Mapping) == 0 {
		opt.Mapping = opt.mapping.MappingAttrs(opt.now().UTC())
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	prog, _ := opt.CompileTransforms() // checked by Validate
	format, _ := formatByName(opt.Kind, opt.Format).WithKey(opt.OrderID)
	st, err := source.NewStores(ctx, opt.Stores)
	if err != nil {
		return nil, err
	}
	defer source.CloseStores(st)
	st.Stdin = opt.Stdin
	objs, err := st.Resolve(ctx, opt.Sources[:1])
	if err != nil {
		return nil, &UsageError{err}
	}
	if len(objs) == 0 {
		return nil, usagef("no file matches %s", opt.Sources[0])
	}
	in, err := formats.OpenInput(ctx, st, objs[0], opt.Encoding)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	name := source.Redact(objs[0].URI)
	r, err := format.Shape(in.Text, name, formats.ReadOptions{Delimiter: opt.Delimiter, BatchRows: n})
	if err != nil {
		return nil, err
	}
	b, err := r.ReadBatch()
	if errors.Is(err, io.EOF) {
		return nil, &parse.Error{Source: name, Line: 1, Err: errors.New("the file has a header and no records")}
	}
	if err != nil {
		return nil, err
	}
	defer b.Release()
	if prog != nil {
		var ev *derive.Evaluator
		for _, s := range prog.Steps() {
			if s.Op == transform.OpDerive {
				ev = derive.NewEvaluator(ctx, nil)
				defer ev.Close()
				prog.SetEvaluator(ev)
				break
			}
		}
		var tb, ty [][]transform.ValueType
		if _, err := prog.Names(r.Header()); err != nil {
			return nil, &parse.Error{Source: name, Line: 1, Err: err}
		}
		tr, err := pipeline.TransformBatch(prog, b, memory.DefaultAllocator, &tb, &ty)
		if err != nil {
			return nil, &parse.Error{Source: name, Line: 1, Err: err}
		}
		defer tr.Release()
		b = tr
	}
	headers := map[string]string{}
	for _, a := range opt.Mapping {
		headers[a.Attribute] = a.Header
	}
	sc := b.Rec.Schema()
	out := make([]PreviewColumn, 0, b.NumFields())
	for i := range b.NumFields() {
		col := PreviewColumn{Attribute: sc.Field(i).Name, Header: sc.Field(i).Name, Values: []string{}}
		if h, ok := headers[col.Attribute]; ok {
			col.Header = h
		}
		f := columnar.StringsOf(b.Field(i))
		for r := range min(n, b.Rows()) {
			col.Values = append(col.Values, string(f.At(r)))
		}
		out = append(out, col)
	}
	return out, nil
}
