package charset

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The single-byte encodings "auto" chooses between when a sample is not
// UTF-8, in order of preference: on a tie (the sample's bytes read alike,
// or nothing tells them apart) the first wins. Western European first,
// since it is by far the most common; then Central European (Polish,
// Czech, Hungarian, …), then Cyrillic.
var candidates = []struct {
	name string
	cm   *charmap.Charmap
}{
	{EncodingWindows1252, charmap.Windows1252},
	{"windows-1250", charmap.Windows1250},
	{"iso-8859-2", charmap.ISO8859_2},
	{"windows-1251", charmap.Windows1251},
	{"koi8-r", charmap.KOI8R},
}

// alphabets are the non-ASCII letters (lower case) of the languages the
// candidates are written in. A decoding whose letters all belong to one
// language is more plausible than one that mixes è from French with č
// from Czech: that is what tells windows-1252 from windows-1250 when
// both read every byte as a letter.
var alphabets = []string{
	"àâæçéèêëîïôœùûüÿ",  // French
	"äöüßé",             // German
	"áéíñóúü",           // Spanish
	"áâãàçéêíóôõú",      // Portuguese
	"àèéìíîòóùú",        // Italian
	"áéèëïóöüíú",        // Dutch
	"åäöæøéáíóúýðþ",     // Nordic
	"ąćęłńóśźż",         // Polish
	"áčďéěíňóřšťúůýž",   // Czech
	"áäčďéíĺľňóôŕšťúýž", // Slovak
	"áéíóöőúüű",         // Hungarian
	"čćđšž",             // Croatian, Slovene
	"ăâîșşțţ",           // Romanian
	"абвгдеёжзийклмнопрстуфхцчшщъыьэюя", // Russian
	"абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", // Ukrainian
}

// singleByte is a candidate's decoding of the bytes 0x80–0xFF.
type singleByte struct {
	name  string
	enc   encoding.Encoding
	runes [128]rune
}

// tables are the candidates' decodings, built once: read-only after.
var tables = func() []singleByte {
	out := make([]singleByte, len(candidates))
	for i, c := range candidates {
		out[i] = singleByte{name: c.name, enc: c.cm}
		for b := range 128 {
			out[i].runes[b] = c.cm.DecodeByte(byte(0x80 + b))
		}
	}
	return out
}()

// Guess is what the heuristic found for a sample that is not UTF-8.
type Guess struct {
	Encoding   string  // e.g. windows-1252
	Confidence float64 // 0.3 (nothing to go on) to 0.95
	Scores     map[string]float64
}

// GuessSingleByte scores each candidate single-byte encoding on how
// plausible the text of sample is once decoded with it, and returns the
// best. The score looks at every byte ≥ 0x80 and its neighbours: an
// undefined byte or a C1 control (in ISO-8859-x) counts heavily against,
// a letter next to a letter of the same script for, a letter next to a
// letter of another script (Cyrillic inside a Latin word) against, a
// symbol between two letters (¹ or ± inside a word) against, a letter of
// the language whose alphabet holds most of the sample's letters a little
// more for, an upper-case
// letter right after a lower-case one against, and a run of three
// accented Latin letters (typical of Cyrillic read as Latin) slightly
// against. Punctuation and spaces around words (“ ” € NBSP) are neutral.
//
// Confidence (0.5 to 0.95; 0.3 when no candidate scores above zero)
// grows with the lead, per non-ASCII byte, over the best candidate that
// decodes the sample differently (candidates that agree on every byte
// present are not rivals) and with the number of non-ASCII bytes seen.
func GuessSingleByte(sample []byte) Guess {
	g := Guess{Scores: make(map[string]float64, len(tables))}
	var present [128]bool
	high := 0
	for _, c := range sample {
		if c >= 0x80 {
			present[c-0x80] = true
			high++
		}
	}
	best, bestScore := 0, math.Inf(-1)
	scores := make([]float64, len(tables))
	for i := range tables {
		scores[i] = tables[i].score(sample, &present)
		g.Scores[tables[i].name] = math.Round(scores[i]*100) / 100
		if scores[i] > bestScore {
			best, bestScore = i, scores[i]
		}
	}
	rival := math.Inf(-1)
	for i := range tables {
		if i != best && tables[i].differs(&tables[best], &present) && scores[i] > rival {
			rival = scores[i]
		}
	}
	g.Encoding = tables[best].name
	switch {
	case bestScore <= 0 || high == 0:
		g.Confidence = 0.3
	default:
		margin := 1.0
		if !math.IsInf(rival, -1) {
			// a lead of a quarter point per non-ASCII byte is a clear one
			margin = min(1, max(0, (bestScore-rival)/(0.25*float64(high))))
		}
		evidence := min(1, float64(high)/8)
		g.Confidence = math.Round((0.5+0.45*margin*evidence)*100) / 100
	}
	return g
}

// differs reports whether t and u decode some byte present differently.
func (t *singleByte) differs(u *singleByte, present *[128]bool) bool {
	for b, ok := range present {
		if ok && t.runes[b] != u.runes[b] {
			return true
		}
	}
	return false
}

// The classes of a character next to a non-ASCII one.
const (
	clOther = iota
	clLatinLower
	clLatinUpper
	clOtherLetter // a letter of another script
)

// score is how plausible sample is in t (see GuessSingleByte).
func (t *singleByte) score(sample []byte, present *[128]bool) float64 {
	lang := t.language(present)
	s := 0.0
	class := func(i int) (int, rune) {
		if i < 0 || i >= len(sample) {
			return clOther, 0
		}
		c := sample[i]
		var r rune
		if c < 0x80 {
			r = rune(c)
		} else {
			r = t.runes[c-0x80]
		}
		switch {
		case !unicode.IsLetter(r):
			return clOther, r
		case !unicode.Is(unicode.Latin, r):
			return clOtherLetter, r
		case unicode.IsUpper(r):
			return clLatinUpper, r
		}
		return clLatinLower, r
	}
	letter := func(cl int) bool { return cl != clOther }
	for i, c := range sample {
		if c < 0x80 {
			continue
		}
		r := t.runes[c-0x80]
		if r == utf8.RuneError || unicode.IsControl(r) {
			s -= 4
			continue
		}
		cl, _ := class(i)
		lc, lr := class(i - 1)
		rc, _ := class(i + 1)
		if !letter(cl) {
			// A symbol, digit or punctuation mark inside a word is not text
			// (± ¹ ¶ ¤); spaces (NBSP), dashes, ’ and · are.
			odd := unicode.IsSymbol(r) || unicode.IsNumber(r) ||
				unicode.IsPunct(r) && !unicode.Is(unicode.Pd, r) && r != '\u2019' && r != '\u00b7'
			if odd && letter(lc) && letter(rc) {
				s -= 1.5
			}
			continue
		}
		script := func(x int) int {
			if x == clLatinUpper {
				return clLatinLower
			}
			return x
		}
		same, other := false, false
		for _, n := range [2]int{lc, rc} {
			switch {
			case !letter(n):
			case script(n) == script(cl):
				same = true
			default:
				other = true
			}
		}
		switch {
		case other:
			s -= 2
		case same:
			s++
			if strings.ContainsRune(lang, unicode.ToLower(r)) {
				s += 0.5
			}
		}
		if cl == clLatinUpper && lc == clLatinLower || lc == clOtherLetter && unicode.IsLower(lr) && unicode.IsUpper(r) {
			s--
		}
		if script(cl) == clLatinLower && i >= 2 && i+1 < len(sample) && sample[i-1] >= 0x80 && sample[i+1] >= 0x80 {
			if ll, _ := class(i - 1); script(ll) == clLatinLower {
				if rl, _ := class(i + 1); script(rl) == clLatinLower {
					s -= 0.5
				}
			}
		}
	}
	return s
}

// language returns the alphabet of alphabets that holds the most of the
// distinct letters the bytes present decode to in t.
func (t *singleByte) language(present *[128]bool) string {
	best, most := "", 0
	for _, a := range alphabets {
		n := 0
		for b, ok := range present {
			if ok && strings.ContainsRune(a, unicode.ToLower(t.runes[b])) {
				n++
			}
		}
		if n > most {
			best, most = a, n
		}
	}
	return best
}

// utf16Guess looks for BOM-less UTF-16: text whose every other byte is
// zero (ASCII-range characters). It returns the byte order, if any.
func utf16Guess(sample []byte) (xunicode.Endianness, bool) {
	if len(sample) < 4 {
		return xunicode.LittleEndian, false
	}
	var even, odd int
	for i := 0; i+1 < len(sample); i += 2 {
		if sample[i] == 0 {
			even++
		}
		if sample[i+1] == 0 {
			odd++
		}
	}
	pairs := len(sample) / 2
	switch {
	case odd*10 >= pairs*4 && even*20 < pairs:
		return xunicode.LittleEndian, true
	case even*10 >= pairs*4 && odd*20 < pairs:
		return xunicode.BigEndian, true
	}
	return xunicode.LittleEndian, false
}

// ConfidenceUTF16 is the confidence of BOM-less UTF-16 found by its zero
// bytes.
const ConfidenceUTF16 = 0.8

// asciiThenDetect is "auto" on an input whose sample was pure ASCII: the
// bytes pass through, uncopied, while they stay ASCII (which every
// candidate encoding decodes alike); at the first non-ASCII byte it looks
// at the next 64 KiB and either stays UTF-8 (if they are valid UTF-8) or
// decodes the rest as the single-byte encoding GuessSingleByte picks.
type asciiThenDetect struct {
	r          io.Reader // the rest of the input; replaced by the decoder once decided
	pending    []byte    // bytes read past the first non-ASCII one, not yet handed out
	decided    bool
	encoding   string
	confidence float64
}

// Read implements io.Reader.
func (a *asciiThenDetect) Read(p []byte) (int, error) {
	if a.decided {
		return a.r.Read(p)
	}
	if len(a.pending) > 0 {
		if err := a.decide(); err != nil {
			return 0, err
		}
		return a.r.Read(p)
	}
	n, err := a.r.Read(p)
	if i := nonASCII(p[:n]); i >= 0 {
		a.pending = append([]byte(nil), p[i:n]...)
		if i == 0 {
			if derr := a.decide(); derr != nil {
				return 0, derr
			}
			return a.r.Read(p)
		}
		return i, nil // err is nil or io.EOF: the pending bytes come next
	}
	return n, err
}

// decide reads a window after the first non-ASCII byte and chooses.
func (a *asciiThenDetect) decide() error {
	a.decided = true
	window := make([]byte, autoSample)
	k := copy(window, a.pending)
	m, err := io.ReadFull(a.r, window[k:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("detect encoding: read past the first non-ASCII byte: %w", err)
	}
	window = window[:k+m]
	atEOF := k+m < autoSample
	rest := passThrough(window, a.r)
	sample := window
	if !atEOF {
		sample = trimPartialRune(window)
	}
	if utf8.Valid(sample) {
		a.r, a.encoding, a.confidence = rest, EncodingUTF8, ConfidenceCertain
		return nil
	}
	g := GuessSingleByte(window)
	enc, _ := lookupCandidate(g.Encoding)
	a.r = transform.NewReader(rest, enc.NewDecoder())
	a.encoding, a.confidence = g.Encoding, g.Confidence
	return nil
}

func lookupCandidate(name string) (encoding.Encoding, bool) {
	for i := range tables {
		if tables[i].name == name {
			return tables[i].enc, true
		}
	}
	return charmap.Windows1252, false
}

// nonASCII returns the index of the first byte ≥ 0x80 in b, or -1; 32
// bytes at a time.
func nonASCII(b []byte) int {
	const hi = 0x8080808080808080
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		if (binary.LittleEndian.Uint64(w)|binary.LittleEndian.Uint64(w[8:])|
			binary.LittleEndian.Uint64(w[16:])|binary.LittleEndian.Uint64(w[24:]))&hi != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}
