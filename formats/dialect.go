package formats

import (
	"bytes"
	"cmp"
	"slices"
)

// Dialect is how delimited text is written: its delimiter, its quote
// character and whether its first record is a header.
type Dialect struct {
	Delimiter byte
	Quote     byte
	Header    bool
}

// Delimiters are the field delimiters SniffDialect chooses between, in
// order of preference on a tie.
var Delimiters = []byte{',', ';', '\t', '|'}

// maxSniffRecords bounds the records SniffDialect looks at.
const maxSniffRecords = 200

// SniffDialect finds the dialect of delimited text from its first bytes
// (sample; atEOF when it is the whole input). The delimiter is the one of
// Delimiters that splits the records into the same number of fields most
// consistently (two fields at least; quoted fields are skipped over, and
// the last record of a sample that does not reach the end of the input is
// ignored, since it may be cut); the quote is ' only when fields are
// enclosed in ' and never in "; the header is present unless the first
// record looks like data (HasHeader). An empty sample, or one that no
// delimiter splits, is comma-separated with a header.
func SniffDialect(sample []byte, atEOF bool) Dialect {
	d := Dialect{Delimiter: ',', Quote: '"', Header: true}
	sample = bytes.TrimPrefix(sample, []byte("\uFEFF"))
	bestScore := 0.0
	for _, delim := range Delimiters {
		recs := splitRecords(sample, delim, '"', atEOF, maxSniffRecords)
		if s := consistency(recs); s > bestScore {
			d.Delimiter, bestScore = delim, s
		}
	}
	if quotedFields(sample, d.Delimiter, '\'') > 0 && quotedFields(sample, d.Delimiter, '"') == 0 {
		d.Quote = '\''
	}
	recs := splitRecords(sample, d.Delimiter, d.Quote, atEOF, maxSniffRecords)
	d.Header = HasHeader(recs)
	return d
}

// FirstRecord returns the fields of the first record of text in dialect
// d (nil if text is empty), a UTF-8 BOM skipped.
func FirstRecord(text []byte, d Dialect) []string {
	text = bytes.TrimPrefix(text, []byte("\uFEFF"))
	recs := splitRecords(text, cmp.Or(d.Delimiter, ','), cmp.Or(d.Quote, '"'), true, 1)
	if len(recs) == 0 {
		return nil
	}
	return recs[0]
}

// consistency scores how well records split: the share of records with
// the most frequent field count, times a little more for more fields; 0
// when that count is 1.
func consistency(recs [][]string) float64 {
	if len(recs) == 0 {
		return 0
	}
	counts := map[int]int{}
	for _, r := range recs {
		counts[len(r)]++
	}
	mode, n := 0, 0
	for c, k := range counts {
		if k > n || k == n && c > mode {
			mode, n = c, k
		}
	}
	if mode < 2 {
		return 0
	}
	share := float64(n) / float64(len(recs))
	return share * (1 + float64(min(mode, 50))/1000)
}

// splitRecords splits text into at most limit records of fields, the way
// a CSV reader would (quote characters doubled inside quoted fields; line
// breaks \n, \r\n or \r; blank lines skipped). Without atEOF the last,
// possibly cut, record is dropped.
func splitRecords(text []byte, delim, quote byte, atEOF bool, limit int) [][]string {
	var recs [][]string
	var rec []string
	var field []byte
	p := 0
	for p < len(text) && len(recs) < limit {
		if len(rec) == 0 && len(field) == 0 && (text[p] == '\n' || text[p] == '\r') {
			p++ // blank line
			continue
		}
		if text[p] == quote {
			p++
			for {
				i := bytes.IndexByte(text[p:], quote)
				if i < 0 {
					field = append(field, text[p:]...)
					p = len(text)
					break
				}
				field = append(field, text[p:p+i]...)
				p += i + 1
				if p < len(text) && text[p] == quote {
					field = append(field, quote)
					p++
					continue
				}
				break
			}
		}
		j := p
		for j < len(text) && text[j] != delim && text[j] != '\n' && text[j] != '\r' {
			j++
		}
		field = append(field, text[p:j]...)
		p = j
		rec = append(rec, string(field))
		field = field[:0]
		if p >= len(text) {
			break
		}
		if text[p] == delim {
			p++
			if p == len(text) {
				rec = append(rec, "")
			}
			continue
		}
		if text[p] == '\r' && p+1 < len(text) && text[p+1] == '\n' {
			p++
		}
		p++
		recs = append(recs, rec)
		rec = nil
	}
	if len(rec) > 0 && atEOF && len(recs) < limit {
		recs = append(recs, rec)
	}
	return recs
}

// quotedFields counts the fields of text that open with quote right after
// a delimiter or at the start of a line.
func quotedFields(text []byte, delim, quote byte) int {
	n := 0
	for i, c := range text {
		if c == quote && (i == 0 || text[i-1] == delim || text[i-1] == '\n' || text[i-1] == '\r') {
			n++
		}
	}
	return n
}

// HasHeader says whether the first of recs is a header rather than data:
// each column whose other values share a type (number, date, e-mail,
// boolean) votes for a header if the first value does not have it and
// against if it does; a first value repeated below votes against; an
// empty or duplicated first value is data. Without rows to compare, or
// without votes, a header is assumed (most files have one).
func HasHeader(recs [][]string) bool {
	if len(recs) == 0 {
		return true
	}
	first := recs[0]
	for i, v := range first {
		if v == "" || slices.Contains(first[:i], v) {
			return false
		}
	}
	if len(recs) == 1 {
		return true
	}
	votes := 0
	for c, h := range first {
		var col []string
		for _, r := range recs[1:] {
			if c < len(r) {
				col = append(col, r[c])
			}
		}
		if len(col) == 0 {
			continue
		}
		t, _ := InferType(col)
		if t != TypeString && t != TypeEmpty {
			if ht, _ := InferType([]string{h}); ht == t || t == TypeDecimal && ht == TypeInteger {
				votes--
			} else {
				votes++
			}
			continue
		}
		if slices.Contains(col, h) {
			votes--
		}
	}
	return votes >= 0
}
