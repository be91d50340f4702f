package ingot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"ingot/formats"
	"ingot/formats/source"
	"ingot/spec"
	"ingot/validate"
)

// LoadSpec reads a job spec (design section 4), checking each import's
// format against the formats of its kind that the spec contract names and
// that this build registers. A *spec.Error lists every problem with its
// file:line:col; it is also a *UsageError (exit code 2).
func LoadSpec(path string) (*spec.Spec, error) {
	formats := spec.DefaultFormats()
	for _, k := range []string{KindOrders, KindCustomers, KindProducts, KindEvents} {
		for _, f := range FormatNames(k) {
			if !slices.Contains(formats[k], f) {
				formats[k] = append(formats[k], f)
			}
		}
	}
	s, err := spec.Load(path, spec.Options{Formats: formats})
	if err != nil {
		return nil, &UsageError{err}
	}
	return s, nil
}

// SpecOptions returns the options of one import of a spec: the one place
// where a spec becomes ImportOptions, shared by `ingot import --spec` and
// `ingot schedule`. What a spec may say but this build cannot do yet
// (transforms, a customers mapping, user_id, …) is refused with a *UsageError naming its place in the spec,
// never silently ignored.
func SpecOptions(s *spec.Spec, im spec.Import) (ImportOptions, error) {
	var problems []spec.Problem
	refuse := func(pos spec.Pos, path, format string, args ...any) {
		problems = append(problems, spec.Problem{File: s.File, Line: pos.Line, Column: pos.Column, Path: path,
			Msg: fmt.Sprintf(format, args...)})
	}
	if len(im.Transforms) > 0 {
		pos := im.Pos
		if len(im.TransformPos) > 0 {
			pos = im.TransformPos[0]
		}
		refuse(pos, "transforms", "transforms are not supported yet by imports (remove them, or transform the file beforehand)")
	}
	if len(im.Mapping) > 0 {
		refuse(im.Mapping[0].Pos, "mapping", "a mapping is not supported yet by imports")
	}
	if im.UserID != nil {
		refuse(im.Pos, "user_id", "user_id is not supported yet by %s imports", im.Kind)
	}
	if im.OrderID != "" {
		refuse(im.Pos, "order_id", "order_id is not supported yet (it is for Shopify orders)")
	}
	if im.Merge != "" {
		refuse(im.Pos, "merge", "merge is not supported yet")
	}
	o := ImportOptions{
		Kind: im.Kind, Format: im.Format, Sources: im.Source.URIs, Dest: im.Dest,
		DryRun: im.DryRun, ReportDir: im.ReportDir, Encoding: im.Source.Encoding,
		HashEmails: im.HashEmails, MaxRejected: im.MaxRejected,
		OnRagged: im.OnRagged, OnNewColumns: im.OnNewColumns,
	}
	if q := im.Source.CSV.Quote; len(q) > 1 {
		refuse(im.Pos, "source.csv.quote", "expected one character, found %q", q)
	} else if q != "" {
		o.Quote = q[0]
	}
	if h := im.Source.CSV.Header; h != nil {
		o.Header = formats.HeaderAbsent
		if *h {
			o.Header = formats.HeaderPresent
		}
	}
	if o.Format == "" {
		o.Format = im.WithDefaults().Format
	}
	if d, err := ParseDelimiter(im.Source.CSV.Delimiter); err != nil {
		refuse(im.Pos, "source.csv.delimiter", "%v", err)
	} else {
		o.Delimiter = d
	}
	if len(problems) > 0 {
		return o, &UsageError{&spec.Error{Problems: problems}}
	}
	return o, nil
}

// ParseDelimiter reads a CSV delimiter as a person writes it: one
// character, or \t or tab for a tab; "" is the default (0).
func ParseDelimiter(s string) (byte, error) {
	switch {
	case s == "":
		return 0, nil
	case s == `\t` || s == "tab":
		return '\t', nil
	case len(s) == 1:
		return s[0], nil
	}
	return 0, fmt.Errorf("delimiter: expected one character (or \\t for a tab), found %q", s)
}

// ChangedSource is a source whose content is not what a report recorded.
type ChangedSource struct {
	URI       string
	Recorded  string // sha256 in the report
	Now       string // sha256 now; "" when the source could not be read
	ReadError error  // why it could not be read, if it could not
}

func (c ChangedSource) String() string {
	if c.ReadError != nil {
		return fmt.Sprintf("%s: cannot be read any more (%v)", c.URI, c.ReadError)
	}
	return fmt.Sprintf("%s: sha256 was %s in the report, is %s now", c.URI, short(c.Recorded), short(c.Now))
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// FromReport returns the options of the import a report.json describes
// (usually a dry run), ready to run it for real: the same kind, format,
// options and source files (each file the report lists, not the patterns
// again, so a file added since is not picked up). DryRun and ReportDir
// are cleared. It also hashes every source and returns those whose
// sha256 differs from the report's, so the caller can stop unless the
// user allows it.
func FromReport(ctx context.Context, path string) (ImportOptions, []ChangedSource, error) {
	r, err := validate.ReadReport(path)
	if err != nil {
		return ImportOptions{}, nil, &UsageError{fmt.Errorf("--from-report: %w", errors.Unwrap(err))}
	}
	if r.Options == nil || len(r.Files) == 0 {
		return ImportOptions{}, nil, usagef("--from-report %s: the report records no options or no files (written by an older ingot?); run the import again with its flags", path)
	}
	str := func(k string) string {
		if v, ok := r.Options[k].(string); ok {
			return v
		}
		return ""
	}
	o := ImportOptions{
		Kind: r.Kind, Format: r.Format, Dest: str("dest"), Encoding: str("encoding"),
		MaxRejected: str("max_rejected"), Command: r.Command,
	}
	if b, ok := r.Options["hash_emails"].(bool); ok {
		o.HashEmails = b
	}
	if n, ok := r.Options["batch_rows"]; ok {
		if v, err := strconv.Atoi(fmt.Sprint(n)); err == nil && v > 0 {
			o.BatchRows = v
		}
	}
	if d := str("delimiter"); d != "" && d != "\x00" {
		if o.Delimiter, err = ParseDelimiter(d); err != nil {
			return o, nil, usagef("--from-report %s: options.%v", path, err)
		}
	}
	var changed []ChangedSource
	for _, f := range r.Files {
		o.Sources = append(o.Sources, f.URI)
		if f.SHA256 == "" { // the file failed before it was read through
			continue
		}
		now, err := hashSource(ctx, f.URI)
		if err != nil || now != f.SHA256 {
			changed = append(changed, ChangedSource{URI: f.URI, Recorded: f.SHA256, Now: now, ReadError: err})
		}
	}
	return o, changed, nil
}

// hashSource returns the sha256 of a source's bytes as stored (before
// decompression), as report.json records it.
func hashSource(ctx context.Context, uri string) (string, error) {
	objs, err := source.Resolve(ctx, []string{uri})
	if err != nil {
		return "", err
	}
	if len(objs) != 1 {
		return "", fmt.Errorf("expected one file, found %d", len(objs))
	}
	r, err := source.Open(ctx, objs[0])
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
