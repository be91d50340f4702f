package charset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The encodings Decode names itself, as reported in Decoded.Encoding.
// Other encodings are reported by their WHATWG or IANA name, lower-cased.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
	EncodingISO88591    = "iso-8859-1"
	// EncodingBinary is what "auto" says of bytes that are not text (a
	// NUL byte that is not UTF-16's): they pass through unchanged, for
	// the parser to refuse.
	EncodingBinary = "binary"
)

// Confidences Decode reports for what "auto" detects.
const (
	ConfidenceCertain = 1.0 // an explicit name, a BOM, or valid UTF-8 with non-ASCII bytes
	ConfidenceASCII   = 0.9 // the text read was pure ASCII, so valid UTF-8, but proves nothing
)

// ErrUnknownEncoding is the cause of Decode's error for a name that is
// neither "auto" nor an encoding golang.org/x/text knows and supports.
var ErrUnknownEncoding = errors.New("unknown encoding")

// autoSample is how much "auto" looks at.
const autoSample = 64 << 10

var (
	bomUTF8    = []byte{0xef, 0xbb, 0xbf}
	bomUTF16LE = []byte{0xff, 0xfe}
	bomUTF16BE = []byte{0xfe, 0xff}
)

// Decoded is a reader of UTF-8 text and what Decode chose to produce it.
type Decoded struct {
	io.Reader
	Encoding   string  // canonical name used, e.g. "utf-8", "windows-1252"
	Confidence float64 // 1 for an explicit name
	BOM        bool    // a BOM was found and removed

	late *asciiThenDetect // "auto" on a sample of pure ASCII: decides later
}

// Final returns the encoding and confidence once the text has been read:
// with "auto", an input whose first 64 KiB are pure ASCII is reported as
// utf-8 (confidence 0.9) when Decode returns, and changes to what the
// first non-ASCII bytes show (utf-8, or a single-byte encoding, which
// then decodes the rest) if there are any. Otherwise it is Encoding and
// Confidence.
func (d Decoded) Final() (encoding string, confidence float64) {
	if d.late != nil && d.late.decided {
		return d.late.encoding, d.late.confidence
	}
	return d.Encoding, d.Confidence
}

// Decode returns a reader that yields UTF-8 from r. name is
//   - "utf-8": r's bytes pass through unchanged and uncopied, except that
//     a leading UTF-8 BOM is skipped. Invalid UTF-8 is left for the
//     parser to report.
//   - "utf-16": a BOM decides the byte order, little-endian without one;
//     "utf-16le" and "utf-16be" fix it (a BOM of that order is skipped).
//     Encoding is then "utf-16le" or "utf-16be".
//   - "auto" or "" (the default): a UTF-8 BOM means utf-8 and a UTF-16
//     BOM utf-16 (confidence 1). Otherwise the first 64 KiB decide:
//     every other byte zero is BOM-less UTF-16 (0.8); other NUL bytes
//     are binary (EncodingBinary, passed through); valid UTF-8 with
//     non-ASCII bytes is utf-8 (1), passed through uncopied; anything
//     else not UTF-8 is the single-byte encoding GuessSingleByte finds
//     most plausible (windows-1252, windows-1250, iso-8859-2,
//     windows-1251, koi8-r), with its confidence. A sample of pure ASCII
//     is utf-8 (0.9) and passes through uncopied until the first
//     non-ASCII byte, where the next 64 KiB decide the same way (see
//     Decoded.Final). Multi-byte legacy encodings (Shift_JIS, GBK, …)
//     are not detected: name them.
//   - any other WHATWG label (golang.org/x/text's htmlindex), then any IANA
//     name (ianaindex): windows-1252, shift_jis, euc-jp, gbk, big5,
//     iso-8859-15, koi8-r, … Case and surrounding spaces do not matter.
//     As in WHATWG (and in browsers) the labels iso-8859-1, latin1 and
//     us-ascii mean windows-1252; the two differ only in bytes 0x80–0x9F,
//     which windows-1252 decodes to the characters (€, smart quotes, …)
//     that files labelled latin1 nearly always mean.
//
// An unknown name is an error wrapping ErrUnknownEncoding that lists a few
// valid ones. Decode reads what it needs to decide (3 bytes for a BOM, 64
// KiB for "auto") before it returns, and hands every byte it read but the
// BOM back through the returned reader. Bytes that are invalid in the
// chosen encoding decode to U+FFFD.
func Decode(r io.Reader, name string) (Decoded, error) {
	label := strings.ToLower(strings.TrimSpace(name))
	switch label {
	case "utf-8", "utf8":
		return decodeUTF8(r, ConfidenceCertain)
	case "", "auto":
		return detect(r)
	case "utf-16":
		return decodeUTF16(r, unicode.LittleEndian, true)
	case "utf-16le":
		return decodeUTF16(r, unicode.LittleEndian, false)
	case "utf-16be":
		return decodeUTF16(r, unicode.BigEndian, false)
	}
	enc, canon, err := lookupEncoding(name, label)
	if err != nil {
		return Decoded{}, err
	}
	switch canon {
	case EncodingUTF8: // another label of it, such as unicode-1-1-utf-8
		return decodeUTF8(r, ConfidenceCertain)
	case EncodingUTF16LE: // such as "ucs-2" or "unicode"
		return decodeUTF16(r, unicode.LittleEndian, false)
	case EncodingUTF16BE:
		return decodeUTF16(r, unicode.BigEndian, false)
	}
	return Decoded{Reader: transform.NewReader(r, enc.NewDecoder()), Encoding: canon, Confidence: ConfidenceCertain}, nil
}

// someEncodings ends the errors about unknown encodings.
const someEncodings = `expected "auto", "utf-8", "utf-16", "utf-16le", "utf-16be", "windows-1252", ` +
	`"iso-8859-1", "iso-8859-15", "shift_jis", "euc-jp", "gbk", "big5", "koi8-r" or another WHATWG or IANA name`

// lookupEncoding finds a label in the WHATWG index, then the IANA one.
func lookupEncoding(name, label string) (encoding.Encoding, string, error) {
	if enc, err := htmlindex.Get(label); err == nil {
		canon, err := htmlindex.Name(enc)
		if err != nil || enc == encoding.Replacement {
			return nil, "", fmt.Errorf("encoding %q: %w: WHATWG maps it to the replacement encoding, which cannot be decoded; %s",
				name, ErrUnknownEncoding, someEncodings)
		}
		return enc, canon, nil
	}
	enc, err := ianaindex.IANA.Encoding(label)
	switch {
	case err == nil && enc == nil:
		return nil, "", fmt.Errorf("encoding %q: %w: IANA knows it but golang.org/x/text cannot decode it; %s",
			name, ErrUnknownEncoding, someEncodings)
	case err == nil:
		canon, err := ianaindex.IANA.Name(enc)
		if err != nil {
			canon = label
		}
		return enc, strings.ToLower(canon), nil
	}
	return nil, "", fmt.Errorf("encoding %q: %w: %s", name, ErrUnknownEncoding, someEncodings)
}

// decodeUTF8 passes r through, skipping a UTF-8 BOM. It reads up to 3
// bytes ahead, even when r returns them one at a time.
func decodeUTF8(r io.Reader, confidence float64) (Decoded, error) {
	head := make([]byte, len(bomUTF8))
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Decoded{}, fmt.Errorf("decode utf-8: read first bytes: %w", err)
	}
	head = head[:n]
	d := Decoded{Encoding: EncodingUTF8, Confidence: confidence}
	if bytes.Equal(head, bomUTF8) {
		d.BOM, head = true, head[:0]
	}
	d.Reader = passThrough(head, r)
	return d, nil
}

// passThrough returns a reader of pre, then r.
func passThrough(pre []byte, r io.Reader) io.Reader {
	if len(pre) == 0 {
		return r
	}
	return io.MultiReader(bytes.NewReader(pre), r)
}

// decodeUTF16 decodes UTF-16 in the given byte order. A BOM of that order
// is skipped; with bomDecides, a BOM of either order is skipped and picks
// the order.
func decodeUTF16(r io.Reader, order unicode.Endianness, bomDecides bool) (Decoded, error) {
	head := make([]byte, 2)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Decoded{}, fmt.Errorf("decode utf-16: read first bytes: %w", err)
	}
	head = head[:n]
	bom := false
	switch {
	case bytes.Equal(head, bomUTF16LE) && (bomDecides || order == unicode.LittleEndian):
		order, bom = unicode.LittleEndian, true
	case bytes.Equal(head, bomUTF16BE) && (bomDecides || order == unicode.BigEndian):
		order, bom = unicode.BigEndian, true
	}
	if bom {
		head = head[:0]
	}
	return utf16Decoded(passThrough(head, r), order, bom, ConfidenceCertain), nil
}

// utf16Decoded decodes BOM-less UTF-16 from r.
func utf16Decoded(r io.Reader, order unicode.Endianness, bom bool, confidence float64) Decoded {
	name := EncodingUTF16LE
	if order == unicode.BigEndian {
		name = EncodingUTF16BE
	}
	dec := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder()
	return Decoded{Reader: transform.NewReader(r, dec), Encoding: name, Confidence: confidence, BOM: bom}
}

// detect implements "auto".
func detect(r io.Reader) (Decoded, error) {
	buf := make([]byte, autoSample)
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Decoded{}, fmt.Errorf("detect encoding: read first %d bytes: %w", autoSample, err)
	}
	buf = buf[:n]
	atEOF := n < autoSample
	switch {
	case bytes.HasPrefix(buf, bomUTF8):
		return Decoded{Reader: passThrough(buf[len(bomUTF8):], r), Encoding: EncodingUTF8, Confidence: ConfidenceCertain, BOM: true}, nil
	case bytes.HasPrefix(buf, bomUTF16LE):
		return utf16Decoded(passThrough(buf[2:], r), unicode.LittleEndian, true, ConfidenceCertain), nil
	case bytes.HasPrefix(buf, bomUTF16BE):
		return utf16Decoded(passThrough(buf[2:], r), unicode.BigEndian, true, ConfidenceCertain), nil
	}
	if order, ok := utf16Guess(buf); ok {
		return utf16Decoded(passThrough(buf, r), order, false, ConfidenceUTF16), nil
	}
	sample := buf
	if !atEOF {
		sample = trimPartialRune(buf)
	}
	if bytes.IndexByte(sample, 0) >= 0 {
		return Decoded{Reader: passThrough(buf, r), Encoding: EncodingBinary, Confidence: ConfidenceASCII}, nil
	}
	if utf8.Valid(sample) {
		if !isASCII(sample) {
			return Decoded{Reader: passThrough(buf, r), Encoding: EncodingUTF8, Confidence: ConfidenceCertain}, nil
		}
		if atEOF {
			return Decoded{Reader: passThrough(buf, r), Encoding: EncodingUTF8, Confidence: ConfidenceASCII}, nil
		}
		// Pure ASCII so far: UTF-8 unless a later byte says otherwise.
		late := &asciiThenDetect{r: r, encoding: EncodingUTF8, confidence: ConfidenceASCII}
		return Decoded{Reader: passThrough(buf, late), Encoding: EncodingUTF8, Confidence: ConfidenceASCII, late: late}, nil
	}
	g := GuessSingleByte(buf)
	enc, _ := lookupCandidate(g.Encoding)
	return Decoded{Reader: transform.NewReader(passThrough(buf, r), enc.NewDecoder()), Encoding: g.Encoding, Confidence: g.Confidence}, nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b, cut
// off by the end of the sample.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
