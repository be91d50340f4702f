package transform

import (
	"fmt"
	"strings"
	"time"
)

// Pattern is a compiled Java/Joda date-time pattern: a short list of
// fields and literals matched byte by byte, with no time.Parse per value.
//
// Supported letters (counts as in Java): y (year: yyyy four digits, yy two
// digits pivoting at 70 — 00–69 are 20xx, 70–99 19xx — or a full year if
// more digits are written), M (month: M/MM digits, MMM abbreviated name,
// MMMM full name, in English, any case), d (day of month), H (hour 0–23),
// h (hour 1–12, with a), a (AM/PM), m (minute), s (second), S (fraction of
// a second, up to nanoseconds, truncated to microseconds), E (day name,
// matched and ignored), Z, ZZ, X, XX, XXX (a zone offset: Z, ±hh, ±hhmm or
// ±hh:mm, whatever the count), z (UTC or GMT). Text in single quotes is a
// literal ('T'; ” is a quote); so is every other non-letter character. A
// space in the pattern matches one or more spaces. Numeric fields accept
// fewer digits than their count (MM matches 4 in 4/7/2026) unless another
// numeric field is next to them with no separator (yyyyMMdd), where they take
// exactly their count.
//
// A value without a zone field is in the pattern's zone (UTC by default).
// Fields the pattern lacks default to 1970-01-01 00:00:00.
type Pattern struct {
	src   string
	items []item
	loc   *time.Location // nil: fixed offset off
	off   int            // seconds east of UTC, when loc is nil
}

type itemKind uint8

const (
	itLiteral itemKind = iota
	itSpace
	itYear
	itYear2
	itMonth
	itMonthName
	itDay
	itHour24
	itHour12
	itAmPm
	itMinute
	itSecond
	itFraction
	itDayName
	itOffset
	itZoneName
)

type item struct {
	kind     itemKind
	min, max int    // digits for numeric fields
	lit      string // literal text
	count    int    // letters in the pattern, for formatting
}

// CompilePattern compiles a Java/Joda pattern; zone is the zone of values
// that carry no offset: "" or UTC, a fixed offset (+01:00, -0500) or an
// IANA name (Europe/Paris).
func CompilePattern(pattern, zone string) (*Pattern, error) {
	p := &Pattern{src: pattern}
	if err := p.setZone(zone); err != nil {
		return nil, err
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for {
				if j >= len(pattern) {
					return nil, fmt.Errorf("pattern %q: unterminated quote at column %d", pattern, i+1)
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(pattern[j])
				j++
			}
			if j == i+1 {
				lit.WriteByte('\'') // '' outside quotes is a quote
			}
			p.addLiteral(lit.String())
			i = j + 1
		case c == ' ':
			j := i
			for j < len(pattern) && pattern[j] == ' ' {
				j++
			}
			p.items = append(p.items, item{kind: itSpace})
			i = j
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			it, err := letterItem(c, j-i)
			if err != nil {
				return nil, fmt.Errorf("pattern %q, column %d: %w", pattern, i+1, err)
			}
			p.items = append(p.items, it)
			i = j
		default:
			p.addLiteral(string(c))
			i++
		}
	}
	if len(p.items) == 0 {
		return nil, fmt.Errorf("pattern is empty")
	}
	seen := map[itemKind]bool{}
	for k, it := range p.items {
		if it.kind > itSpace && it.kind != itDayName {
			if seen[it.kind] {
				return nil, fmt.Errorf("pattern %q: the same field appears twice", pattern)
			}
			seen[it.kind] = true
		}
		// A numeric field followed directly by another takes exactly its
		// count of digits.
		if numeric(it.kind) && (k+1 < len(p.items) && numeric(p.items[k+1].kind) || k > 0 && numeric(p.items[k-1].kind)) {
			p.items[k].min, p.items[k].max = it.count, it.count
		}
	}
	if seen[itHour12] && seen[itHour24] {
		return nil, fmt.Errorf("pattern %q: both H and h", pattern)
	}
	return p, nil
}

func numeric(k itemKind) bool {
	switch k {
	case itYear, itYear2, itMonth, itDay, itHour24, itHour12, itMinute, itSecond, itFraction:
		return true
	}
	return false
}

func (p *Pattern) addLiteral(s string) {
	if n := len(p.items); n > 0 && p.items[n-1].kind == itLiteral {
		p.items[n-1].lit += s
		return
	}
	p.items = append(p.items, item{kind: itLiteral, lit: s})
}

func letterItem(c byte, n int) (item, error) {
	it := item{count: n, min: 1}
	switch c {
	case 'y', 'u':
		if n == 2 {
			it.kind, it.max = itYear2, 4
		} else {
			it.kind, it.max = itYear, max(n, 4)
		}
	case 'M', 'L':
		if n >= 3 {
			it.kind = itMonthName
		} else {
			it.kind, it.max = itMonth, 2
		}
	case 'd':
		it.kind, it.max = itDay, 2
	case 'H':
		it.kind, it.max = itHour24, 2
	case 'h':
		it.kind, it.max = itHour12, 2
	case 'a':
		it.kind = itAmPm
	case 'm':
		it.kind, it.max = itMinute, 2
	case 's':
		it.kind, it.max = itSecond, 2
	case 'S':
		it.kind, it.max = itFraction, max(n, 9)
	case 'E':
		it.kind = itDayName
	case 'Z', 'X', 'x':
		it.kind = itOffset
	case 'z':
		it.kind = itZoneName
	case 'Y':
		return it, fmt.Errorf("Y is the week-based year; write y for the calendar year")
	case 'D':
		return it, fmt.Errorf("D is the day of the year; write d for the day of the month")
	case 'k', 'K':
		return it, fmt.Errorf("%c is not supported; write H (0-23) or h with a (1-12)", c)
	default:
		return it, fmt.Errorf("unknown pattern letter %c (supported: y M d H h a m s S E Z X z; quote literal text like 'T')", c)
	}
	return it, nil
}

func (p *Pattern) setZone(zone string) error {
	switch zone {
	case "", "UTC", "utc", "Z", "GMT":
		return nil
	}
	if off, n, ok := parseOffset([]byte(zone), 0); ok && n == len(zone) {
		p.off = off
		return nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("zone %q: expected UTC, an offset like +01:00 or an IANA name like Europe/Paris: %w", zone, err)
	}
	p.loc = loc
	return nil
}

// String returns the pattern as written.
func (p *Pattern) String() string { return p.src }

var monthNames = [12]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

var dayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// matchName matches a name of names (lower case) at b[i:], in full or as
// its first three letters, in any ASCII case; it returns the index and the
// bytes consumed.
func matchName(b []byte, i int, names []string) (int, int) {
	for k, name := range names {
		n := prefixFold(b[i:], name)
		if n == len(name) || n >= 3 {
			if n != len(name) {
				n = 3
			}
			return k, n
		}
	}
	return -1, 0
}

// prefixFold returns how many leading bytes of b equal name's, in any ASCII
// case.
func prefixFold(b []byte, name string) int {
	n := 0
	for n < len(b) && n < len(name) && b[n]|0x20 == name[n] {
		n++
	}
	return n
}

// parseOffset parses Z, ±hh, ±hhmm or ±hh:mm at b[i:].
func parseOffset(b []byte, i int) (secs, n int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	if b[i] == 'Z' || b[i] == 'z' {
		return 0, 1, true
	}
	if b[i] != '+' && b[i] != '-' {
		return 0, 0, false
	}
	h, ok := fixedDigits(b, i+1, 2)
	if !ok || h > 18 {
		return 0, 0, false
	}
	j := i + 3
	m := 0
	if j < len(b) && b[j] == ':' {
		if m, ok = fixedDigits(b, j+1, 2); !ok {
			return 0, 0, false
		}
		j += 3
	} else if mm, ok := fixedDigits(b, j, 2); ok {
		m = mm
		j += 2
	}
	if m > 59 {
		return 0, 0, false
	}
	secs = h*3600 + m*60
	if b[i] == '-' {
		secs = -secs
	}
	return secs, j - i, true
}

func fixedDigits(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// Parse parses b (surrounding spaces ignored) into microseconds since the
// Unix epoch, UTC. When b does not match, ok is false and at is the 0-based
// byte position within b where matching failed.
func (p *Pattern) Parse(b []byte) (micros int64, at int, ok bool) {
	lead := 0
	for lead < len(b) && b[lead] == ' ' {
		lead++
	}
	end := len(b)
	for end > lead && b[end-1] == ' ' {
		end--
	}
	v := b[lead:end]
	year, month, day := 1970, 1, 1
	hour, minute, sec, us := 0, 0, 0, 0
	pm, ampm := false, false
	off, hasOff := 0, false
	i := 0
	for _, it := range p.items {
		switch it.kind {
		case itLiteral:
			if len(v)-i < len(it.lit) || string(v[i:i+len(it.lit)]) != it.lit {
				return 0, lead + i, false
			}
			i += len(it.lit)
		case itSpace:
			if i >= len(v) || v[i] != ' ' {
				return 0, lead + i, false
			}
			for i < len(v) && v[i] == ' ' {
				i++
			}
		case itMonthName:
			k, n := matchName(v, i, monthNames[:])
			if k < 0 {
				return 0, lead + i, false
			}
			month = k + 1
			i += n
		case itDayName:
			k, n := matchName(v, i, dayNames[:])
			if k < 0 {
				return 0, lead + i, false
			}
			i += n
		case itAmPm:
			if len(v)-i < 2 || v[i+1]|0x20 != 'm' {
				return 0, lead + i, false
			}
			switch v[i] | 0x20 {
			case 'a':
			case 'p':
				pm = true
			default:
				return 0, lead + i, false
			}
			ampm = true
			i += 2
		case itOffset:
			s, n, good := parseOffset(v, i)
			if !good {
				return 0, lead + i, false
			}
			off, hasOff = s, true
			i += n
		case itZoneName:
			switch {
			case len(v)-i >= 3 && (string(v[i:i+3]) == "UTC" || string(v[i:i+3]) == "GMT"):
				i += 3
			case i < len(v) && v[i] == 'Z':
				i++
			default:
				return 0, lead + i, false
			}
			hasOff = true
		default:
			start := i
			x := 0
			for i < len(v) && i-start < it.max && v[i] >= '0' && v[i] <= '9' {
				x = x*10 + int(v[i]-'0')
				i++
			}
			nd := i - start
			if nd < it.min {
				return 0, lead + start, false
			}
			switch it.kind {
			case itYear:
				year = x
			case itYear2:
				year = x
				if nd <= 2 {
					year += 1900
					if x < 70 {
						year += 100
					}
				}
			case itMonth:
				if x < 1 || x > 12 {
					return 0, lead + start, false
				}
				month = x
			case itDay:
				if x < 1 || x > 31 {
					return 0, lead + start, false
				}
				day = x
			case itHour24:
				if x > 23 {
					return 0, lead + start, false
				}
				hour = x
			case itHour12:
				if x < 1 || x > 12 {
					return 0, lead + start, false
				}
				hour = x
			case itMinute:
				if x > 59 {
					return 0, lead + start, false
				}
				minute = x
			case itSecond:
				if x > 60 {
					return 0, lead + start, false
				}
				sec = min(x, 59)
			case itFraction:
				for k := nd; k < 6; k++ {
					x *= 10
				}
				for k := nd; k > 6; k-- {
					x /= 10
				}
				us = x
			}
		}
	}
	if i != len(v) {
		return 0, lead + i, false
	}
	if day > daysIn(year, month) {
		return 0, lead, false
	}
	if ampm {
		if hour == 12 {
			hour = 0
		}
		if pm {
			hour += 12
		}
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+minute*60+sec)
	switch {
	case hasOff:
		secs -= int64(off)
	case p.loc != nil:
		secs = time.Date(year, time.Month(month), day, hour, minute, sec, 0, p.loc).Unix()
	default:
		secs -= int64(p.off)
	}
	return secs*1_000_000 + int64(us), 0, true
}

// Append appends micros (UTC) formatted with the pattern, in UTC: the
// inverse of Parse for the values Parse accepts, used by tests and to
// show examples.
func (p *Pattern) Append(dst []byte, micros int64) []byte {
	days := floorDiv(micros, 86_400_000_000)
	rem := micros - days*86_400_000_000
	y, mo, d := civilFromDays(days)
	s := int(rem / 1_000_000)
	us := int(rem % 1_000_000)
	h, mi, sec := s/3600, s/60%60, s%60
	for _, it := range p.items {
		switch it.kind {
		case itLiteral:
			dst = append(dst, it.lit...)
		case itSpace:
			dst = append(dst, ' ')
		case itYear:
			dst = appendPad(dst, y, it.count)
		case itYear2:
			dst = appendPad(dst, y%100, 2)
		case itMonth:
			dst = appendPad(dst, mo, it.count)
		case itMonthName:
			name := monthNames[mo-1]
			if it.count == 3 {
				name = name[:3]
			}
			dst = append(dst, name[0]-'a'+'A')
			dst = append(dst, name[1:]...)
		case itDayName:
			name := dayNames[floorMod(days+4, 7)]
			if it.count <= 3 {
				name = name[:3]
			}
			dst = append(dst, name[0]-'a'+'A')
			dst = append(dst, name[1:]...)
		case itDay:
			dst = appendPad(dst, d, it.count)
		case itHour24:
			dst = appendPad(dst, h, it.count)
		case itHour12:
			dst = appendPad(dst, (h+11)%12+1, it.count)
		case itAmPm:
			if h < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case itMinute:
			dst = appendPad(dst, mi, it.count)
		case itSecond:
			dst = appendPad(dst, sec, it.count)
		case itFraction:
			f := us
			for k := it.count; k < 6; k++ {
				f /= 10
			}
			dst = appendPad(dst, f, it.count)
		case itOffset:
			dst = append(dst, 'Z')
		case itZoneName:
			dst = append(dst, "UTC"...)
		}
	}
	return dst
}

func appendPad(dst []byte, v, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for len(buf)-i < width {
		i--
		buf[i] = '0'
	}
	return append(dst, buf[i:]...)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
