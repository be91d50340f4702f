package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/compress"
	"ingot/formats/json"
	"ingot/formats/parse"
	"ingot/issue"
	"ingot/transform"
	"ingot/validate"
)

// maxStructural caps the structural problems a pre-processing reports.
const maxStructural = 50

// PreprocessError is the outcome of a pre-processing that found
// structural errors: nothing was imported. Problems are in file order,
// each naming its file, line and, when known, column and field.
type PreprocessError struct {
	Problems []*parse.Error
	// More counts the problems left out after the first maxStructural.
	More int
}

func (e *PreprocessError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pre-processing found structural errors; nothing was imported:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

// preprocess reads every file once, before anything is imported, for
// the structure of the customer import workflow: a file that cannot be
// opened or is empty (no header, or no record), a missing or repeated
// header, a header the transforms or the mapping name that the file
// lacks, rows whose field count is not the header's, quoting that never
// closes, JSON that is not records. Values are not checked: that is the
// validation's business. The files' reports get the error of each file
// that has one.
func (a *attempt) preprocess(ctx context.Context) error {
	pe := &PreprocessError{}
	add := func(f *fileIn, p *parse.Error) {
		if !f.failed {
			f.failed = true
			f.report.Status = validate.FileFailed
			f.report.Error = p.Error()
		}
		if len(pe.Problems) < maxStructural {
			pe.Problems = append(pe.Problems, p)
		} else {
			pe.More++
		}
	}
	var names *transform.Program
	if a.opt.Transforms != nil {
		names = a.opt.Transforms.Clone()
	}
	for _, f := range a.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.preprocessFile(ctx, f, names, add); err != nil {
			var p *parse.Error
			if !errors.As(err, &p) {
				p = &parse.Error{Source: f.report.URI, Err: err}
			}
			add(f, p)
		}
	}
	if len(pe.Problems) > 0 {
		return pe
	}
	// The import reads the files again from the start.
	for _, f := range a.files {
		f.report.Status, f.report.Error = validate.FileOK, ""
	}
	return nil
}

// preprocessFile checks one file; add records each structural problem
// of its rows, the error returned the one that stops the file.
func (a *attempt) preprocessFile(ctx context.Context, f *fileIn, names *transform.Program, add func(*fileIn, *parse.Error)) error {
	in, err := formats.OpenInputLimited(ctx, a.opt.Stores, f.obj, a.opt.Encoding, compress.DecompressOptions{
		MaxBytes: a.opt.MaxDecompressedBytes, MaxRatio: a.opt.MaxDecompressionRatio})
	if err != nil {
		return err
	}
	defer in.Close()
	name := f.report.URI
	r, err := a.opt.Format.Shape(in.Text, name, formats.ReadOptions{
		Delimiter: a.opt.Delimiter, BatchRows: a.opt.BatchRows, Allocator: a.pool,
		MaxRecordBytes: a.opt.MaxRecordBytes, MaxFieldBytes: a.opt.MaxFieldBytes, MaxColumns: a.opt.MaxColumns,
	})
	if err != nil {
		return err
	}
	header := r.Header()
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			return &parse.Error{Source: name, Line: 1, Err: fmt.Errorf("column %d has no header name", i+1)}
		}
		if j, dup := seen[h]; dup {
			return &parse.Error{Source: name, Line: 1, Field: h, Err: fmt.Errorf("duplicate header: columns %d and %d are both %q", j+1, i+1, h)}
		}
		seen[h] = i
	}
	if names != nil {
		if _, err := names.Names(header); err != nil {
			return &parse.Error{Source: name, Line: 1, Err: err}
		}
	}
	rows := 0
	for {
		b, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rows += b.Rows()
		lines, offs := b.Lines(), b.Offsets()
		for k, code := range b.Issues.Code {
			if !structural(code) {
				continue
			}
			row, col, arg := int(b.Issues.Row[k]), int(b.Issues.Col[k]), b.Issues.Arg[k]
			p := &parse.Error{Source: name, Line: lines[row], Offset: offs[row]}
			var value string
			if col >= 0 && col < b.NumFields() {
				p.Field = b.Rec.Schema().Field(col).Name
				value = b.Field(col).Value(row)
			}
			switch {
			case code >= issue.JSONSyntax:
				p.Err = errors.New(json.Message(code, arg))
			case code == issue.FieldCount:
				p.Err = errors.New(issue.Message(code, arg, value, issue.MessageContext{Fields: len(header)}) + " (inconsistent column count)")
			default:
				if code == issue.BadQuote || code == issue.UnterminatedQuote {
					p.Column = arg
				}
				p.Err = errors.New(issue.Message(code, arg, value, issue.MessageContext{}))
			}
			add(f, p)
		}
		b.Release()
	}
	if rows == 0 {
		return &parse.Error{Source: name, Line: 1, Err: errors.New("the file is empty: a header and no records")}
	}
	return nil
}

// structural reports whether an issue a reader found is about the file's
// structure rather than a value: field counts, quoting, JSON syntax and
// nesting.
func structural(code columnar.Code) bool {
	switch code {
	case issue.FieldCount, issue.BadQuote, issue.UnterminatedQuote,
		issue.JSONSyntax, issue.JSONRecordTooLong, issue.JSONTooDeep:
		return true
	}
	return false
}
