package validate

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"
)

// MaxQuotedValueBytes is how much of a raw value rejects and report
// samples keep: a longer value is cut there (never inside a UTF-8
// sequence) and followed by "…(N bytes)" giving its full length, so a
// hostile 60 MB field cannot blow up report.json or rejects.csv.
const MaxQuotedValueBytes = 256

// TruncateValue returns v if it is at most MaxQuotedValueBytes long, else
// its first MaxQuotedValueBytes bytes (less the start of a UTF-8 sequence
// that would be split) and "…(N bytes)" with N = len(v).
func TruncateValue(v string) string {
	if len(v) <= MaxQuotedValueBytes {
		return v
	}
	n := MaxQuotedValueBytes
	for m := n - 1; m >= 0 && m > n-utf8.UTFMax; m-- {
		if utf8.RuneStart(v[m]) {
			r, size := utf8.DecodeRuneInString(v[m:])
			if (r != utf8.RuneError || size > 1) && m+size > n {
				n = m
			}
			break
		}
	}
	return v[:n] + "…(" + strconv.Itoa(len(v)) + " bytes)"
}

// truncateJSONStrings returns the JSON value b with every string value
// (not object key) cut by TruncateValue, keys and their order kept. b is
// returned unchanged when it is short enough to need nothing or is not
// valid JSON.
func truncateJSONStrings(b []byte) []byte {
	if len(b) <= MaxQuotedValueBytes {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	type frame struct {
		obj bool
		n   int // tokens written at this level
	}
	var st []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			st = st[:len(st)-1]
			continue
		}
		key := false
		if len(st) > 0 {
			f := &st[len(st)-1]
			if f.n > 0 {
				if f.obj && f.n%2 == 1 {
					out.WriteByte(':')
				} else {
					out.WriteByte(',')
				}
			}
			key = f.obj && f.n%2 == 0
			f.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			st = append(st, frame{obj: v == '{'})
		case string:
			if !key {
				v = TruncateValue(v)
			}
			if err := enc.Encode(v); err != nil {
				return b
			}
			out.Truncate(out.Len() - 1) // Encode's newline
		case json.Number:
			out.WriteString(v.String())
		case bool:
			out.WriteString(strconv.FormatBool(v))
		case nil:
			out.WriteString("null")
		}
	}
	if !dec.More() && out.Len() > 0 {
		return out.Bytes()
	}
	return b
}
