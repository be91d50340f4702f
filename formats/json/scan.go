package json

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"ingot/columnar"
)

// The scanner: methods of Reader that parse JSON at r.p in r.buf[:r.lim].
// Each returns a status. sMore means the buffer ended before the token did
// and the input goes on (r.hard is false): the caller undoes the record,
// reads more and parses it again. sFail records the problem in r.prob and
// r.probAt. When r.hard is set, the end of the buffer is the end of the
// record (a line) or of the input, and running into it is a problem.
type status uint8

const (
	sOK status = iota
	sMore
	sFail
)

// fail records a problem at buffer index at.
func (r *Reader) fail(p Problem, at int) status {
	r.prob, r.probAt = p, at
	return sFail
}

// short is what running into the end of the buffer at index at means.
func (r *Reader) short(p Problem, at int) status {
	if r.hard {
		return r.fail(p, at)
	}
	return sMore
}

// ws skips whitespace, counting line breaks.
func (r *Reader) ws() {
	buf := r.buf[:r.lim]
	p := r.p
	for p < len(buf) {
		switch buf[p] {
		case ' ', '\t', '\r':
			p++
		case '\n':
			p++
			r.sline++
			r.slineStart = r.base + int64(p)
		default:
			r.p = p
			return
		}
	}
	r.p = p
}

// col returns the 1-based byte column of buffer index at on the current
// scan line.
func (r *Reader) col(at int) int64 { return r.base + int64(at) - r.slineStart + 1 }

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// strStop marks the bytes that end a run of plain string bytes.
var strStop = func() (t [256]bool) {
	for b := range 256 {
		t[b] = b == '"' || b == '\\' || b < 0x20 || b >= 0x80
	}
	return
}()

var replacement = []byte("\uFFFD")
var replacementEsc = []byte(`\ufffd`)

// str scans the string at r.p (its opening quote) into dst: decoded text,
// or with raw the JSON text (quotes and escapes kept) by the run protocol
// (see rawValue). Invalid UTF-8 and lone surrogates become U+FFFD (in raw
// text, the escape \ufffd for a surrogate) with an issue on column col of
// the row.
func (r *Reader) str(dst *colBuf, raw bool, col int) status {
	buf := r.buf[:r.lim]
	p := r.p + 1
	start := p
	flagged, flaggedLone := false, false // one issue of each kind per value
	for {
		for p+8 <= len(buf) {
			w := binary.LittleEndian.Uint64(buf[p:])
			q := w ^ (lsb * '"')
			s := w ^ (lsb * '\\')
			m := ((q - lsb) &^ q) | ((s - lsb) &^ s) | ((w - lsb*0x20) &^ w) | w
			m &= msb
			if m != 0 {
				p += bits.TrailingZeros64(m) >> 3
				break
			}
			p += 8
		}
		for p < len(buf) && !strStop[buf[p]] {
			p++
		}
		if p >= len(buf) {
			return r.short(ProbStringEnd, p)
		}
		c := buf[p]
		switch {
		case c == '"':
			if !raw {
				r.put(dst, buf[start:p])
			}
			r.p = p + 1
			return sOK
		case c == '\\':
			if p+1 >= len(buf) {
				return r.short(ProbEscape, p+1)
			}
			var ch byte
			switch buf[p+1] {
			case '"', '\\', '/':
				ch = buf[p+1]
			case 'b':
				ch = '\b'
			case 'f':
				ch = '\f'
			case 'n':
				ch = '\n'
			case 'r':
				ch = '\r'
			case 't':
				ch = '\t'
			case 'u':
				h, st := r.hex4(buf, p+2)
				if st != sOK {
					return st
				}
				n := 6
				ru := rune(h)
				lone := false
				switch {
				case h >= 0xD800 && h < 0xDC00:
					if p+12 > len(buf) && !r.hard {
						return sMore
					}
					lone = true
					if p+12 <= len(buf) && buf[p+6] == '\\' && buf[p+7] == 'u' {
						if l, ok := hex4(buf[p+8 : p+12]); ok && l >= 0xDC00 && l < 0xE000 {
							ru = 0x10000 + (rune(h)-0xD800)<<10 + (rune(l) - 0xDC00)
							n, lone = 12, false
						}
					}
				case h >= 0xDC00 && h < 0xE000:
					lone = true
				}
				if lone {
					if !flaggedLone {
						r.issues.Add(r.rows, col, CodeLoneSurrogate, r.col(p))
						flaggedLone = true
					}
					if raw {
						r.put(dst, buf[r.run:p])
						r.put(dst, replacementEsc)
						p += 6
						r.run = p
						continue
					}
					ru = utf8.RuneError
				}
				if raw {
					p += n
					continue
				}
				r.put(dst, buf[start:p])
				var tmp [4]byte
				r.put(dst, tmp[:utf8.EncodeRune(tmp[:], ru)])
				p += n
				start = p
				continue
			default:
				return r.fail(ProbEscape, p+1)
			}
			if !raw {
				r.put(dst, buf[start:p])
				r.put(dst, []byte{ch})
				start = p + 2
			}
			p += 2
		case c < 0x20:
			return r.fail(ProbControl, p)
		default:
			if !r.hard && !utf8.FullRune(buf[p:]) {
				return sMore
			}
			ru, size := utf8.DecodeRune(buf[p:])
			if ru == utf8.RuneError && size <= 1 {
				if !flagged {
					r.issues.Add(r.rows, col, CodeInvalidUTF8, r.col(p))
					flagged = true
				}
				if raw {
					r.put(dst, buf[r.run:p])
					r.put(dst, replacement)
					p++
					r.run = p
					continue
				}
				r.put(dst, buf[start:p])
				r.put(dst, replacement)
				p++
				start = p
				continue
			}
			p += size
		}
	}
}

// hex4 reads the four hex digits of a \u escape at buf[at:].
func (r *Reader) hex4(buf []byte, at int) (uint32, status) {
	var h uint32
	for i := range 4 {
		if at+i >= len(buf) {
			return 0, r.short(ProbHex, at+i)
		}
		d := unhex(buf[at+i])
		if d < 0 {
			return 0, r.fail(ProbHex, at+i)
		}
		h = h<<4 | uint32(d)
	}
	return h, sOK
}

func hex4(b []byte) (uint32, bool) {
	var h uint32
	for _, c := range b {
		d := unhex(c)
		if d < 0 {
			return 0, false
		}
		h = h<<4 | uint32(d)
	}
	return h, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func isDigit(c byte) bool { return c-'0' < 10 }

// number checks the number at r.p and moves past it; its text is
// r.buf[start:r.p].
func (r *Reader) number() status {
	buf := r.buf[:r.lim]
	p := r.p
	if buf[p] == '-' {
		p++
	}
	if p >= len(buf) {
		return r.short(ProbDigit, p)
	}
	switch c := buf[p]; {
	case c == '0':
		p++
	case c >= '1' && c <= '9':
		p++
		for p < len(buf) && isDigit(buf[p]) {
			p++
		}
	default:
		return r.fail(ProbDigit, p)
	}
	if p < len(buf) && buf[p] == '.' {
		p++
		if p >= len(buf) {
			return r.short(ProbDigit, p)
		}
		if !isDigit(buf[p]) {
			return r.fail(ProbDigit, p)
		}
		for p < len(buf) && isDigit(buf[p]) {
			p++
		}
	}
	if p < len(buf) && (buf[p] == 'e' || buf[p] == 'E') {
		p++
		if p < len(buf) && (buf[p] == '+' || buf[p] == '-') {
			p++
		}
		if p >= len(buf) {
			return r.short(ProbDigit, p)
		}
		if !isDigit(buf[p]) {
			return r.fail(ProbDigit, p)
		}
		for p < len(buf) && isDigit(buf[p]) {
			p++
		}
	}
	if p >= len(buf) && !r.hard {
		return sMore // the number may go on
	}
	r.p = p
	return sOK
}

var (
	litTrue  = []byte("true")
	litFalse = []byte("false")
	litNull  = []byte("null")
)

// literal checks that lit is at r.p and moves past it.
func (r *Reader) literal(lit []byte) status {
	buf := r.buf[:r.lim]
	p := r.p
	for i, c := range lit {
		if p+i >= len(buf) {
			return r.short(ProbLiteral, p+i)
		}
		if buf[p+i] != c {
			return r.fail(ProbLiteral, p+i)
		}
	}
	r.p = p + len(lit)
	return sOK
}

// value scans the value at r.p (after whitespace) into dst as a column
// holds it: a string's decoded text, a number's or literal's text, an
// object's or array's compact JSON text (null writes nothing). depth is
// the nesting depth of the value if it is an object or array.
func (r *Reader) value(dst *colBuf, col, depth int) (columnar.ValueType, status) {
	buf := r.buf[:r.lim]
	switch c := buf[r.p]; c {
	case '"':
		return columnar.TypeString, r.str(dst, false, col)
	case '{', '[':
		return r.rawValue(dst, col, depth)
	case 't':
		r.put(dst, litTrue)
		return columnar.TypeBool, r.literal(litTrue)
	case 'f':
		r.put(dst, litFalse)
		return columnar.TypeBool, r.literal(litFalse)
	case 'n':
		return columnar.TypeNull, r.literal(litNull)
	default:
		if c == '-' || isDigit(c) {
			start := r.p
			st := r.number()
			if st == sOK {
				r.put(dst, buf[start:r.p])
			}
			return columnar.TypeNumber, st
		}
		return columnar.TypeAbsent, r.fail(ProbValue, r.p)
	}
}

// rawValue scans the value at r.p into dst as compact JSON text.
//
// The run protocol: most JSON text is copied as it is, so the scanners
// of raw text write nothing while the text needs no change; r.run marks
// the start of the bytes not yet copied. Where the text changes
// (whitespace dropped, a replacement), the run so far is copied and a new
// one starts. rawValue copies the last run.
func (r *Reader) rawValue(dst *colBuf, col, depth int) (columnar.ValueType, status) {
	r.run = r.p
	t, st := r.rawScan(dst, col, depth)
	if st == sOK {
		r.put(dst, r.buf[r.run:r.p])
	}
	return t, st
}

// rawScan scans the value at r.p by the run protocol.
func (r *Reader) rawScan(dst *colBuf, col, depth int) (columnar.ValueType, status) {
	switch c := r.buf[r.p]; c {
	case '"':
		return columnar.TypeString, r.str(dst, true, col)
	case '{':
		return columnar.TypeObject, r.compact(dst, col, depth)
	case '[':
		return columnar.TypeArray, r.compact(dst, col, depth)
	case 't':
		return columnar.TypeBool, r.literal(litTrue)
	case 'f':
		return columnar.TypeBool, r.literal(litFalse)
	case 'n':
		return columnar.TypeNull, r.literal(litNull)
	default:
		if c == '-' || isDigit(c) {
			return columnar.TypeNumber, r.number()
		}
		return columnar.TypeAbsent, r.fail(ProbValue, r.p)
	}
}

// wsRun skips whitespace by the run protocol.
func (r *Reader) wsRun(dst *colBuf) {
	p0 := r.p
	r.ws()
	if r.p != p0 {
		r.put(dst, r.buf[r.run:p0])
		r.run = r.p
	}
}

// States of compact.
const (
	cValue    = iota // a value is expected
	cFirst           // after '[': a value or ']'
	cKey             // a key is expected
	cKeyOrEnd        // after '{': a key or '}'
	cAfter           // a value ended
)

// compact scans the object or array at r.p into dst as compact JSON text
// (no whitespace between tokens, strings as written but with invalid UTF-8
// and lone surrogates replaced), checking its syntax and depth, by the run
// protocol (see rawValue).
func (r *Reader) compact(dst *colBuf, col, depth int) status {
	stk := r.stk[:0]
	defer func() { r.stk = stk[:0] }()
	state := cValue
	for {
		r.wsRun(dst)
		buf := r.buf[:r.lim]
		p := r.p
		if p >= len(buf) {
			switch state {
			case cFirst:
				return r.short(ProbValueOrBracket, p)
			case cKey:
				return r.short(ProbKey, p)
			case cKeyOrEnd:
				return r.short(ProbKeyOrEnd, p)
			case cAfter:
				if stk[len(stk)-1] == '{' {
					return r.short(ProbCommaOrBrace, p)
				}
				return r.short(ProbCommaOrBracket, p)
			}
			return r.short(ProbValue, p)
		}
		c := buf[p]
		switch state {
		case cValue, cFirst:
			switch c {
			case '{', '[':
				if depth+len(stk) > r.opt.MaxDepth {
					return r.fail(ProbDepth, p)
				}
				stk = append(stk, c)
				r.p = p + 1
				state = cFirst
				if c == '{' {
					state = cKeyOrEnd
				}
				continue
			case ']':
				if state == cFirst {
					stk = stk[:len(stk)-1]
					r.p = p + 1
					state = cAfter
					break
				}
				return r.fail(ProbValue, p)
			default:
				if _, st := r.rawScan(dst, col, depth); st != sOK {
					if st == sFail && r.prob == ProbValue && state == cFirst {
						r.prob = ProbValueOrBracket
					}
					return st
				}
				state = cAfter
			}
		case cKey, cKeyOrEnd:
			if c == '}' && state == cKeyOrEnd {
				stk = stk[:len(stk)-1]
				r.p = p + 1
				state = cAfter
				break
			}
			if c != '"' {
				if state == cKey {
					return r.fail(ProbKey, p)
				}
				return r.fail(ProbKeyOrEnd, p)
			}
			if st := r.str(dst, true, col); st != sOK {
				return st
			}
			r.wsRun(dst)
			if r.p >= r.lim {
				return r.short(ProbColon, r.p)
			}
			if r.buf[r.p] != ':' {
				return r.fail(ProbColon, r.p)
			}
			r.p++
			state = cValue
			continue
		case cAfter:
			top := stk[len(stk)-1]
			switch {
			case c == ',':
				r.p = p + 1
				state = cValue
				if top == '{' {
					state = cKey
				}
				continue
			case c == '}' && top == '{', c == ']' && top == '[':
				stk = stk[:len(stk)-1]
				r.p = p + 1
			case top == '{':
				return r.fail(ProbCommaOrBrace, p)
			default:
				return r.fail(ProbCommaOrBracket, p)
			}
		}
		if len(stk) == 0 {
			return sOK
		}
	}
}
