package ingot

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"ingot/columnar"
	"ingot/formats"
	"ingot/formats/compress"
	"ingot/formats/csv"
	"ingot/formats/source"
	"ingot/kinds"
	"ingot/spec"
	"ingot/validate"
)

// LoadSpec reads a job spec (design section 4), checking each import's
// format against the formats of its kind that the spec contract names and
// that this build registers. A *spec.Error lists every problem with its
// file:line:col; it is also a *UsageError (exit code 2).
func LoadSpec(path string) (*spec.Spec, error) {
	s, err := spec.Load(path, specOptions())
	if err != nil {
		return nil, &UsageError{err}
	}
	return s, nil
}

// SpecOptions returns the options of one import of a spec: the one place
// where a spec becomes ImportOptions, shared by `ingot import --spec` and
// `ingot schedule`. What a spec may say but this build cannot do yet
// (a CSV quote of more than one character, …) is refused with a *UsageError naming its place in the spec,
// never silently ignored.
func SpecOptions(s *spec.Spec, im spec.Import) (ImportOptions, error) {
	var problems []spec.Problem
	refuse := func(pos spec.Pos, path, format string, args ...any) {
		problems = append(problems, spec.Problem{File: s.File, Line: pos.Line, Column: pos.Column, Path: path,
			Msg: fmt.Sprintf(format, args...)})
	}
	if q := im.Source.CSV.Quote; len(q) > 1 {
		refuse(im.Pos, "source.csv.quote", "expected one character, found %q", q)
	}
	o, err := specImportOptions(im)
	if err != nil {
		refuse(im.Pos, "source.csv.delimiter", "%v", err)
	}
	o.Transforms = im.Transforms
	if len(im.Mapping) > 0 {
		// The fallbacks are evaluated when the import starts (ImportOptions.Now).
		o.mapping = &im
		for _, a := range im.Mapping {
			if a.IgnoreOnUpdate {
				o.IgnoreOnUpdate = append(o.IgnoreOnUpdate, a.Attribute)
			}
		}
		o.Preprocess = true // the customer import workflow: structure first
		if im.Kind != KindCustomers {
			refuse(im.Mapping[0].Pos, "mapping", "a mapping is for customers imports, not %s", im.Kind)
		}
	}
	if _, err := (ImportOptions{Transforms: o.Transforms, Mapping: im.MappingAttrs(time.Now())}).CompileTransforms(); err != nil {
		var se *spec.Error
		if errors.As(im.StepError(s.File, err), &se) {
			problems = append(problems, se.Problems...)
		} else {
			refuse(im.Pos, "transforms", "%v", err)
		}
	}
	if len(problems) > 0 {
		return o, &UsageError{&spec.Error{Problems: problems}}
	}
	return o, nil
}

// specImportOptions maps the fields of a spec's import onto
// ImportOptions, one to one (specImport is the way back). It refuses
// nothing: what this build cannot do yet is SpecOptions' business.
func specImportOptions(im spec.Import) (ImportOptions, error) {
	o := ImportOptions{
		Kind: im.Kind, Format: im.Format, Sources: im.Source.URIs, Dest: im.Dest,
		DryRun: im.DryRun, ReportDir: im.ReportDir, Encoding: im.Source.Encoding,
		HashEmails: im.HashEmails, MaxRejected: im.MaxRejected,
		OrderID: im.OrderID, KeyColumn: im.Key, Merge: im.Merge, OnRagged: im.OnRagged, OnNewColumns: im.OnNewColumns,
		AllowChangedOptions: im.AllowChangedOptions, MoveProcessed: im.MoveProcessed,
		MaxRecordBytes: im.MaxRecordBytes, MaxFieldBytes: im.MaxFieldBytes, MaxColumns: im.MaxColumns,
		MaxDecompressedBytes: im.MaxDecompressedBytes, MaxDecompressionRatio: im.MaxDecompressionRatio,
		MaxLineItems: im.MaxLineItems, BatchRows: im.BatchRows, Workers: im.Workers,
	}
	o.Stores.S3.PathStyle = im.S3PathStyle
	o.Stores.SFTP.KeyFile, o.Stores.SFTP.KnownHosts = im.SFTPKey, im.KnownHosts
	if im.UserID != nil {
		o.UserIDColumn, o.UserIDType = im.UserID.Column, im.UserID.Type
		o.HashEmails = o.HashEmails || im.UserID.Hash
	}
	if o.Format == "" {
		o.Format = im.WithDefaults().Format
	}
	if q := im.Source.CSV.Quote; len(q) == 1 {
		o.Quote = q[0]
	}
	if h := im.Source.CSV.Header; h != nil {
		o.Header = formats.HeaderAbsent
		if *h {
			o.Header = formats.HeaderPresent
		}
	}
	d, err := ParseDelimiter(im.Source.CSV.Delimiter)
	o.Delimiter = d
	return o, err
}

// specImport is specImportOptions the other way: the import im with
// every field the options hold set from o, for printing a spec as a run
// will use it (flags applied).
func specImport(im spec.Import, o ImportOptions) spec.Import {
	im.Kind, im.Format, im.Source.URIs, im.Dest = o.Kind, o.Format, o.Sources, o.Dest
	im.DryRun, im.ReportDir, im.Source.Encoding = o.DryRun, o.ReportDir, o.Encoding
	im.HashEmails, im.MaxRejected = o.HashEmails, o.MaxRejected
	im.OrderID, im.Key, im.Merge, im.OnRagged = o.OrderID, o.KeyColumn, o.Merge, o.OnRagged
	im.AllowChangedOptions, im.MoveProcessed = o.AllowChangedOptions, o.MoveProcessed
	im.MaxRecordBytes, im.MaxFieldBytes, im.MaxColumns = o.MaxRecordBytes, o.MaxFieldBytes, o.MaxColumns
	im.MaxDecompressedBytes, im.MaxDecompressionRatio = o.MaxDecompressedBytes, o.MaxDecompressionRatio
	im.MaxLineItems = o.MaxLineItems
	im.BatchRows, im.Workers = o.BatchRows, o.Workers
	im.S3PathStyle, im.SFTPKey, im.KnownHosts = o.Stores.S3.PathStyle, o.Stores.SFTP.KeyFile, o.Stores.SFTP.KnownHosts
	im.OnNewColumns = o.OnNewColumns
	if o.Delimiter != 0 {
		im.Source.CSV.Delimiter = string(rune(o.Delimiter))
	}
	if o.Quote != 0 {
		im.Source.CSV.Quote = string(rune(o.Quote))
	}
	if o.Header != formats.HeaderDetect {
		h := o.Header == formats.HeaderPresent
		im.Source.CSV.Header = &h
	}
	if o.UserIDColumn != "" || o.UserIDType != "" || im.UserID != nil {
		u := spec.UserID{Column: o.UserIDColumn, Type: o.UserIDType, Hash: o.HashEmails}
		im.UserID = &u
	}
	return im
}

// DropOtherKinds clears the options that concern other kinds than
// o.Kind: merge (customers, products), order_id (orders), key
// (products), user_id and user_id_type (customers). A flag given for a
// spec of several imports applies to the imports it concerns (--order-id
// to its orders, not to its customers), as a spec's own fields do.
func (o *ImportOptions) DropOtherKinds() {
	if o.Kind != KindCustomers && o.Kind != KindProducts {
		o.Merge = ""
	}
	if o.Kind != KindOrders {
		o.OrderID = ""
	}
	if o.Kind != KindProducts {
		o.KeyColumn = ""
	}
	if o.Kind != KindCustomers {
		o.UserIDColumn, o.UserIDType = "", ""
	}
}

// ResolveSpec renders a spec as its runs will use it: each import's
// fields, overridden by apply (the command line's flags; nil for none),
// with the defaults filled in and secrets masked (spec.Spec.Resolved),
// for `ingot spec print`. It refuses nothing a spec may say, even what
// imports cannot do yet.
func ResolveSpec(s *spec.Spec, apply func(*ImportOptions) error) ([]byte, error) {
	out := *s
	out.Imports = make([]spec.Import, len(s.Imports))
	for i, im := range s.Imports {
		o, err := specImportOptions(im)
		if err != nil {
			return nil, &UsageError{&spec.Error{Problems: []spec.Problem{{File: s.File, Line: im.Pos.Line, Column: im.Pos.Column,
				Path: "source.csv.delimiter", Msg: err.Error()}}}}
		}
		if apply != nil {
			if err := apply(&o); err != nil {
				return nil, err
			}
		}
		o.MaxRecordBytes = cmp.Or(o.MaxRecordBytes, csv.DefaultMaxRecordBytes)
		o.MaxFieldBytes = cmp.Or(o.MaxFieldBytes, csv.DefaultMaxFieldBytes)
		o.MaxColumns = cmp.Or(o.MaxColumns, csv.DefaultMaxColumns)
		o.MaxLineItems = cmp.Or(o.MaxLineItems, kinds.DefaultMaxLineItems)
		o.MaxDecompressionRatio = cmp.Or(o.MaxDecompressionRatio, compress.DefaultMaxRatio)
		o.BatchRows = cmp.Or(o.BatchRows, columnar.DefaultBatchRows)
		o.MaxRejected = cmp.Or(o.MaxRejected, DefaultMaxRejected)
		o.DropOtherKinds()
		out.Imports[i] = specImport(im, o)
		if o.Kind != KindCustomers {
			out.Imports[i].UserID = nil
		}
	}
	return out.Resolved()
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
		OrderID: str("order_id"), UserIDColumn: str("user_id"), UserIDType: str("user_id_type"), KeyColumn: str("key"),
		Merge: str("merge"), OnRagged: str("on_ragged"),
	}
	if b, ok := r.Options["allow_changed_options"].(bool); ok {
		o.AllowChangedOptions = b
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
