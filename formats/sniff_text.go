package formats

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteText writes what was sniffed for people: a block of facts, then
// the columns aligned, with their types and first values (each cut after
// 24 characters, control characters escaped).
func (s *Sniffed) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	p("source", "%s", s.Source)
	p("compression", "%s", s.Compression)
	p("encoding", "%s (confidence %.2f)", s.Encoding, s.EncodingConfidence)
	switch s.Syntax {
	case SyntaxCSV:
		header := "absent"
		if s.Header != nil && *s.Header {
			header = "present"
		}
		p("syntax", "csv, delimiter '%s', quote '%s', header %s", s.Delimiter, s.Quote, header)
	case SyntaxJSONL:
		p("syntax", "jsonl (one object per line)")
	default:
		p("syntax", "json (an array, or objects one after the other)")
	}
	whole := ""
	if s.Complete {
		whole = ", the whole input"
	}
	p("sampled", "%d rows, %d bytes%s", s.SampledRows, s.SampledBytes, whole)
	switch {
	case s.Format != nil:
		p("format", "%s", matchText(*s.Format))
		for _, m := range s.Matches[1:] {
			p("", "also %s", matchText(m))
		}
	case len(s.Generic) > 0:
		var names []string
		for _, g := range s.Generic {
			names = append(names, g.Kind+" "+g.Format)
		}
		p("format", "generic (no format's required fields are all there): %s", strings.Join(names, ", "))
	default:
		p("format", "none recognised")
	}
	if s.Suggest != "" {
		p("suggest", "%s", s.Suggest)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "column\ttype\tpattern\tfirst values")
	for _, c := range s.Columns {
		vals := make([]string, len(c.First))
		for i, v := range c.First {
			vals[i] = cell(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(c.Name), c.Type, c.Pattern, strings.Join(vals, " | "))
	}
	return tw.Flush()
}

func matchText(m Match) string {
	t := fmt.Sprintf("%s %s (%d of its %d fields present)", m.Kind, m.Format, m.Present, m.Fields)
	if m.Title != "" {
		t += ": " + m.Title
	}
	return t
}

// cell prints a value on one line of an aligned table.
func cell(v string) string {
	if utf8.RuneCountInString(v) > 24 {
		r := []rune(v)
		v = string(r[:23]) + "…"
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		q := strconv.Quote(v)
		return q[1 : len(q)-1]
	}
	return v
}
