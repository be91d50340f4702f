package formats

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"ingot/columnar"
	"ingot/formats/compress"
	"ingot/formats/json"
	"ingot/formats/source"
)

// The syntaxes Sniff tells apart.
const (
	SyntaxCSV   = "csv"
	SyntaxJSONL = "jsonl"
	SyntaxJSON  = "json"
)

// DefaultSniffBytes is how much of its decoded text Sniff reads.
const DefaultSniffBytes = 256 << 10

// sniffRows bounds the records whose values Sniff types.
const sniffRows = 1000

// SniffOptions configure Sniff. The zero value detects everything.
type SniffOptions struct {
	// Encoding of the text: "" or auto to detect it, or a name.
	Encoding string
	// Delimiter, Quote: given, they are used rather than detected.
	Delimiter, Quote byte
	// Header: "" detects whether the first record is a header; "present"
	// or "absent" says.
	Header string
	// Formats are the formats to recognise (the registry's).
	Formats []*Format
	// SampleBytes is how much decoded text is read; default
	// DefaultSniffBytes.
	SampleBytes int
	// Limits on decompression (see compress.DecompressOptions).
	Limits compress.DecompressOptions
}

// The values of SniffOptions.Header.
const (
	HeaderDetect  = ""
	HeaderPresent = "present"
	HeaderAbsent  = "absent"
)

// Sniffed is what Sniff found in one source. Its JSON form is what
// `ingot sniff --json` prints (an array of them); fields may be added,
// none will change meaning.
type Sniffed struct {
	Source             string  `json:"source"`
	Compression        string  `json:"compression"`
	Encoding           string  `json:"encoding"`
	EncodingConfidence float64 `json:"encoding_confidence"`
	// Syntax is csv, jsonl or json.
	Syntax string `json:"syntax"`
	// Delimiter and Quote (csv only), as characters ("\t" for a tab).
	Delimiter string `json:"delimiter,omitempty"`
	Quote     string `json:"quote,omitempty"`
	// Header says whether the first record is a header (csv only; JSON
	// records name their fields).
	Header *bool `json:"header,omitempty"`
	// SampledBytes and SampledRows are how much was looked at; Complete
	// says the sample is the whole input.
	SampledBytes int  `json:"sampled_bytes"`
	SampledRows  int  `json:"sampled_rows"`
	Complete     bool `json:"complete"`
	// Columns in input order.
	Columns []SniffedColumn `json:"columns"`
	// Format is the best format recognised, nil when none is; Matches
	// every format whose required fields are all present, best first.
	Format  *Match  `json:"format"`
	Matches []Match `json:"matches"`
	// Generic lists the registered formats that take any columns (kind
	// and name) of the input's syntax, when no format is recognised.
	Generic []Match `json:"generic,omitempty"`
	// Suggest is a command line that would import the input.
	Suggest string `json:"suggest,omitempty"`
}

// SniffedColumn is one column: its name, the type of its values (see
// InferType; a timestamp with its pattern) and its first three values.
type SniffedColumn struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Pattern string   `json:"pattern,omitempty"`
	First   []string `json:"first_values"`
}

// Match is a format that recognises a header: every one of its required
// fields is there. Present counts the format's fields found.
type Match struct {
	Kind    string `json:"kind"`
	Format  string `json:"format"`
	Title   string `json:"title,omitempty"`
	Present int    `json:"fields_present,omitempty"`
	Fields  int    `json:"fields,omitempty"`
}

// shapeSyntax returns the syntax a format's shape reads: csv, jsonl,
// json, or "" for a shape this file does not know (a format is then
// matched whatever the input's syntax).
func shapeSyntax(f *Format) string {
	if f.Shape == nil {
		return ""
	}
	p := reflect.ValueOf(f.Shape).Pointer()
	switch p {
	case reflect.ValueOf(CSV).Pointer():
		return SyntaxCSV
	case reflect.ValueOf(JSONLines).Pointer():
		return SyntaxJSONL
	case reflect.ValueOf(JSONDocument).Pointer():
		return SyntaxJSON
	}
	return ""
}

// Syntax returns the syntax f reads: csv, jsonl, json, or "" when its
// shape is another one.
func (f *Format) Syntax() string { return shapeSyntax(f) }

// requiredNames returns the header names f requires.
func requiredNames(f *Format) []string {
	var out []string
	for _, fd := range f.Fields {
		if fd.Required && fd.Name != "" && !slices.Contains(out, fd.Name) {
			out = append(out, fd.Name)
		}
	}
	return out
}

// Recognize returns the formats of all that recognise header, best
// first: a format recognises a header when every field its table marks
// Required is in it (syntax "" matches formats of any syntax; a format
// whose shape reads another syntax is skipped). Formats without required
// named fields (the generic customers and products formats, which take
// any columns) never recognise a header. Ties (the most fields present
// first) keep the order of all.
func Recognize(header []string, syntax string, all []*Format) []Match {
	var out []Match
	for _, f := range all {
		if s := shapeSyntax(f); syntax != "" && s != "" && s != syntax {
			continue
		}
		req := requiredNames(f)
		if len(req) == 0 {
			continue
		}
		ok := true
		for _, r := range req {
			if !slices.Contains(header, r) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		m := Match{Kind: f.Kind, Format: f.Name, Title: f.Title}
		for _, fd := range f.Fields {
			if fd.Name != "" {
				m.Fields++
				if slices.Contains(header, fd.Name) {
					m.Present++
				}
			}
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.Present, a.Present) })
	return out
}

// HeaderHint explains a header that format cannot bind (its required
// columns are missing) by what the header looks like instead: "the
// header seems to be separated by ';', not ','" when re-splitting it
// helps, "this looks like a Shopify export: use --format shopify-csv"
// when another of all recognises it. "" when nothing helps.
func HeaderHint(header []string, format *Format, delim byte, all []*Format) string {
	delim = cmp.Or(delim, ',')
	joined := strings.Join(header, string(delim))
	if len(header) <= 2 {
		for _, d := range Delimiters {
			if d == delim || strings.Count(joined, string(d)) == 0 {
				continue
			}
			split := strings.Split(joined, string(d))
			hint := fmt.Sprintf("the header seems to be separated by %s, not %s: use --delimiter %s", delimName(d), delimName(delim), flagDelim(d))
			if ms := Recognize(split, SyntaxCSV, all); len(ms) > 0 && (ms[0].Kind != format.Kind || ms[0].Format != format.Name) {
				hint += "; " + matchHint(ms[0], format)
			}
			return hint
		}
	}
	for _, m := range Recognize(header, format.Syntax(), all) {
		if m.Kind == format.Kind && m.Format == format.Name {
			continue
		}
		return matchHint(m, format)
	}
	return ""
}

// matchHint says what to run for a recognised format.
func matchHint(m Match, current *Format) string {
	what := cmp.Or(m.Title, m.Kind+" "+m.Format+" file")
	if m.Kind != current.Kind {
		return fmt.Sprintf("this looks like %s: use ingot import %s --format %s", article(what), m.Kind, m.Format)
	}
	return fmt.Sprintf("this looks like %s: use --format %s", article(what), m.Format)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("AEIOUaeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func delimName(d byte) string {
	switch d {
	case '\t':
		return "tabs"
	case ',':
		return "','"
	}
	return fmt.Sprintf("'%c'", d)
}

func flagDelim(d byte) string {
	if d == '\t' {
		return `'\t'`
	}
	return fmt.Sprintf("'%c'", d)
}

// DelimiterString writes a delimiter as a person reads it: "\t" for a tab.
func DelimiterString(d byte) string {
	if d == '\t' {
		return `\t`
	}
	return string(rune(d))
}

// Sniff opens one source (as an import does: st's stores, decompression
// by magic bytes, the encoding) and reads at most opt.SampleBytes of its
// text to say what it holds: compression, encoding and confidence,
// syntax, CSV dialect, columns with their types and first values, and
// the formats of opt.Formats that recognise its header.
func Sniff(ctx context.Context, st source.Stores, o source.Object, opt SniffOptions) (*Sniffed, error) {
	in, err := OpenInputLimited(ctx, st, o, opt.Encoding, opt.Limits)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	size := cmp.Or(opt.SampleBytes, DefaultSniffBytes)
	buf := make([]byte, size)
	n, err := io.ReadFull(in.Text, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	sample := buf[:n]
	s := &Sniffed{Source: source.Redact(o.URI), Compression: in.Compression, SampledBytes: n, Complete: n < size}
	s.Encoding, s.EncodingConfidence = in.Detected()
	SniffSample(s, sample, opt)
	return s, nil
}

// SniffSample fills s from a sample of decoded text (s.Complete says
// whether it is the whole input): everything Sniff finds after decoding.
func SniffSample(s *Sniffed, sample []byte, opt SniffOptions) {
	sample = bytes.TrimPrefix(sample, []byte("\uFEFF"))
	var header []string
	var cols [][]string
	var types [][]columnar.ValueType
	switch json.Sniff(sample) {
	case json.Array, json.Objects:
		s.Syntax = SyntaxJSON
		header, cols, types = sniffJSON(sample, json.Auto, s.Complete)
	case json.Lines:
		s.Syntax = SyntaxJSONL
		header, cols, types = sniffJSON(sample, json.Lines, s.Complete)
	default:
		s.Syntax = SyntaxCSV
		d := SniffDialect(sample, s.Complete)
		if opt.Delimiter != 0 {
			d.Delimiter = opt.Delimiter
		}
		if opt.Quote != 0 {
			d.Quote = opt.Quote
		}
		recs := splitRecords(sample, d.Delimiter, d.Quote, s.Complete, sniffRows+1)
		switch opt.Header {
		case HeaderPresent:
			d.Header = true
		case HeaderAbsent:
			d.Header = false
		default:
			d.Header = HasHeader(recs)
		}
		h := d.Header
		s.Delimiter, s.Quote, s.Header = DelimiterString(d.Delimiter), string(rune(d.Quote)), &h
		width := 0
		for _, r := range recs {
			width = max(width, len(r))
		}
		if d.Header && len(recs) > 0 {
			header, recs = recs[0], recs[1:]
		}
		for i := len(header); i < width; i++ {
			header = append(header, fmt.Sprintf("column%d", i+1))
		}
		cols = make([][]string, len(header))
		for _, r := range recs {
			for c := range header {
				v := ""
				if c < len(r) {
					v = r[c]
				}
				cols[c] = append(cols[c], v)
			}
		}
	}
	if len(cols) > 0 {
		s.SampledRows = len(cols[0])
	}
	for c, name := range header {
		col := SniffedColumn{Name: name, First: []string{}}
		vals := cols[c]
		col.First = append(col.First, vals[:min(3, len(vals))]...)
		col.Type, col.Pattern = InferType(vals)
		if types != nil {
			col.Type, col.Pattern = jsonType(vals, types[c])
		}
		s.Columns = append(s.Columns, col)
	}
	s.Matches = Recognize(header, s.Syntax, opt.Formats)
	if s.Matches == nil {
		s.Matches = []Match{}
	}
	if len(s.Matches) > 0 {
		s.Format = &s.Matches[0]
	} else {
		for _, f := range opt.Formats {
			if f.Attributes && len(requiredNames(f)) == 0 && shapeSyntax(f) == s.Syntax {
				s.Generic = append(s.Generic, Match{Kind: f.Kind, Format: f.Name, Title: f.Title})
			}
		}
	}
	s.Suggest = suggest(s)
}

// sniffJSON reads the records of a JSON sample: their keys, values and
// value types. A record cut by the end of the sample is left out.
func sniffJSON(sample []byte, shape json.Shape, complete bool) ([]string, [][]string, [][]columnar.ValueType) {
	if shape == json.Lines && !complete {
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample, complete = sample[:i+1], true
		}
	}
	r, err := json.NewReader(bytes.NewReader(sample), "sample", json.Options{Shape: shape, BatchRows: sniffRows})
	if err != nil {
		return nil, nil, nil
	}
	var header []string
	var cols [][]string
	var types [][]columnar.ValueType
	rows := 0
	for rows < sniffRows {
		b, err := r.ReadBatch()
		if b != nil {
			names := r.Fields()
			for i := 0; i < b.NumFields() && i < len(names); i++ {
				if i >= len(header) {
					header = append(header, names[i])
					cols = append(cols, make([]string, rows))
					types = append(types, make([]columnar.ValueType, rows))
				}
				f := b.Field(i)
				for row := range b.Rows() {
					t := columnar.TypeAbsent
					if b.Types != nil && i < len(b.Types) {
						t = b.Types[i].At(row)
					}
					cols[i] = append(cols[i], f.Value(row))
					types[i] = append(types[i], t)
				}
			}
			rows += b.Rows()
			for i := range cols { // keys not in this batch
				for len(cols[i]) < rows {
					cols[i] = append(cols[i], "")
					types[i] = append(types[i], columnar.TypeAbsent)
				}
			}
			b.Release()
		}
		if err != nil {
			break
		}
	}
	return header, cols, types
}

// jsonType is the type of a JSON column: that of its values (strings are
// typed further by InferType: a timestamp or an e-mail in a string), or
// "mixed".
func jsonType(vals []string, types []columnar.ValueType) (string, string) {
	var kinds []columnar.ValueType
	var strs []string
	for i, t := range types {
		switch t {
		case columnar.TypeAbsent, columnar.TypeNull:
			continue
		case columnar.TypeString:
			strs = append(strs, vals[i])
		}
		if !slices.Contains(kinds, t) {
			kinds = append(kinds, t)
		}
	}
	switch {
	case len(kinds) == 0:
		return TypeEmpty, ""
	case len(kinds) > 1:
		return "mixed", ""
	}
	switch kinds[0] {
	case columnar.TypeBool:
		return TypeBool, ""
	case columnar.TypeNumber:
		if t, _ := InferType(vals); t == TypeInteger {
			return TypeInteger, ""
		}
		return TypeDecimal, ""
	case columnar.TypeString:
		t, p := InferType(strs)
		if t == TypeTimestamp || t == TypeEmail {
			return t, p
		}
		return TypeString, ""
	}
	return kinds[0].String(), ""
}

// suggest writes the import command line for what was found.
func suggest(s *Sniffed) string {
	var b strings.Builder
	switch {
	case s.Format != nil:
		fmt.Fprintf(&b, "ingot import %s --format %s", s.Format.Kind, s.Format.Format)
	case len(s.Generic) > 0:
		kind := s.Generic[0].Kind
		email := ""
		for _, c := range s.Columns {
			if c.Type == TypeEmail {
				email = c.Name
				break
			}
		}
		for _, g := range s.Generic {
			if g.Kind == "customers" && email != "" {
				kind = g.Kind
			}
		}
		fmt.Fprintf(&b, "ingot import %s --format %s", kind, s.Syntax)
		if kind == "customers" && email != "" {
			fmt.Fprintf(&b, " --user-id %s", shellQuote(email))
		}
	default:
		return ""
	}
	if s.Syntax == SyntaxCSV {
		if s.Delimiter != "," {
			fmt.Fprintf(&b, " --delimiter %s", shellQuote(s.Delimiter))
		}
	}
	if s.EncodingConfidence < 1 && s.Encoding != "utf-8" {
		fmt.Fprintf(&b, " --encoding %s", s.Encoding)
	}
	fmt.Fprintf(&b, " %s", shellQuote(s.Source))
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
