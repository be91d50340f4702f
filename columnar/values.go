package columnar

import (
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"
)

// This file parses and formats single values from and to bytes, without
// allocating: the building blocks of the column kernels.

// TrimSpace returns b without leading and trailing ASCII white space.
func TrimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && asciiSpace[b[i]] {
		i++
	}
	for j > i && asciiSpace[b[j-1]] {
		j--
	}
	return b[i:j]
}

var asciiSpace = [256]bool{' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true}

// bstr views b as a string for the standard library's parsers, which do
// not keep it.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ParseDecimal parses a decimal number such as 12, -0.5, 1234.50 or 1e3,
// surrounded by optional spaces. It refuses what a person would not write
// as a plain number: thousands separators, decimal commas, currency signs,
// hex, underscores, NaN and infinities. Numbers of up to 15 digits without
// exponent take an exact fast path; the rest go through strconv and round
// the same way.
func ParseDecimal(b []byte) (float64, bool) {
	b = TrimSpace(b)
	n := len(b)
	if n == 0 {
		return 0, false
	}
	i := 0
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var m uint64
	digits, frac := 0, 0
	dot := false
	for ; i < n; i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return 0, false
	}
	if i == n {
		if digits <= 15 {
			f := float64(m) / pow10[frac]
			if neg {
				f = -f
			}
			return f, true
		}
		return parseFloatSlow(b)
	}
	if c := b[i]; c != 'e' && c != 'E' {
		return 0, false
	}
	i++
	if i < n && (b[i] == '-' || b[i] == '+') {
		i++
	}
	if i == n {
		return 0, false
	}
	for ; i < n; i++ {
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
	}
	return parseFloatSlow(b)
}

func parseFloatSlow(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(bstr(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// ParseInteger parses a whole number, surrounded by optional spaces, and
// also accepts a zero fraction (12.0) as spreadsheets write it.
func ParseInteger(b []byte) (int64, bool) {
	b = TrimSpace(b)
	n := len(b)
	i := 0
	neg := false
	if n > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	start := i
	var v uint64
	for ; i < n && b[i] >= '0' && b[i] <= '9'; i++ {
		if v > (math.MaxInt64+1)/10 {
			return 0, false
		}
		v = v*10 + uint64(b[i]-'0')
	}
	if i == start {
		return 0, false
	}
	if i < n {
		if b[i] != '.' {
			return 0, false
		}
		for i++; i < n; i++ {
			if b[i] != '0' {
				return 0, false
			}
		}
	}
	if neg {
		if v > math.MaxInt64+1 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseBool parses true/false, yes/no and 1/0 in any case, with optional
// surrounding spaces.
func ParseBool(b []byte) (v, ok bool) {
	b = TrimSpace(b)
	switch len(b) {
	case 1:
		switch b[0] {
		case '1':
			return true, true
		case '0':
			return false, true
		}
	case 2:
		if b[0]|0x20 == 'n' && b[1]|0x20 == 'o' {
			return false, true
		}
	case 3:
		if b[0]|0x20 == 'y' && b[1]|0x20 == 'e' && b[2]|0x20 == 's' {
			return true, true
		}
	case 4:
		if b[0]|0x20 == 't' && b[1]|0x20 == 'r' && b[2]|0x20 == 'u' && b[3]|0x20 == 'e' {
			return true, true
		}
	case 5:
		if b[0]|0x20 == 'f' && b[1]|0x20 == 'a' && b[2]|0x20 == 'l' && b[3]|0x20 == 's' && b[4]|0x20 == 'e' {
			return false, true
		}
	}
	return false, false
}

// digits reads n decimal digits at b[i:].
func digits(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := b[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// DaysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (H. Hinnant's algorithm).
func DaysFromCivil(y, m, d int) int64 {
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

// CivilFromDays is the inverse of DaysFromCivil: the proleptic Gregorian
// date of a count of days since 1970-01-01.
func CivilFromDays(z int64) (y, m, d int) {
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

const microsPerDay = 86400 * 1_000_000

// ParseTimestamp parses an ISO-8601 date-time into microseconds since the
// Unix epoch, UTC: YYYY-MM-DD, then T or a space, hh:mm[:ss[.fraction]],
// then Z, ±hh:mm, ±hhmm or ±hh (a numeric offset may follow one space, as
// in Shopify's 2021-03-04 10:11:12 +0100). Without a zone the time is taken as UTC; a
// date alone is midnight UTC. Surrounding spaces are ignored. Fractions
// beyond microseconds are truncated.
func ParseTimestamp(b []byte) (int64, bool) {
	b = TrimSpace(b)
	y, ok1 := digits(b, 0, 4)
	mo, ok2 := digits(b, 5, 2)
	d, ok3 := digits(b, 8, 2)
	if !ok1 || !ok2 || !ok3 || b[4] != '-' || b[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false
	}
	days := DaysFromCivil(y, mo, d)
	if len(b) == 10 {
		return days * microsPerDay, true
	}
	if b[10] != 'T' && b[10] != ' ' && b[10] != 't' {
		return 0, false
	}
	h, ok1 := digits(b, 11, 2)
	mi, ok2 := digits(b, 14, 2)
	if !ok1 || !ok2 || b[13] != ':' || h > 23 || mi > 59 {
		return 0, false
	}
	i := 16
	sec, us := 0, 0
	if i < len(b) && b[i] == ':' {
		s, ok := digits(b, i+1, 2)
		if !ok || s > 60 {
			return 0, false
		}
		sec = min(s, 59) // a leap second is kept within its minute
		i += 3
		if i < len(b) && (b[i] == '.' || b[i] == ',') {
			i++
			start := i
			scale := 100000
			for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
				us += int(b[i]-'0') * scale
				scale /= 10
			}
			if i == start {
				return 0, false
			}
		}
	}
	off := 0
	if i+1 < len(b) && b[i] == ' ' && (b[i+1] == '+' || b[i+1] == '-') {
		i++ // Shopify's "2021-03-04 10:11:12 +0100"
	}
	if i < len(b) {
		switch c := b[i]; c {
		case 'Z', 'z':
			i++
		case '+', '-':
			oh, ok := digits(b, i+1, 2)
			if !ok || oh > 18 {
				return 0, false
			}
			om := 0
			j := i + 3
			if j < len(b) {
				if b[j] == ':' {
					j++
				}
				m, ok := digits(b, j, 2)
				if !ok || m > 59 {
					return 0, false
				}
				om = m
				j += 2
			}
			off = oh*3600 + om*60
			if c == '-' {
				off = -off
			}
			i = j
		default:
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	secs := int64(h*3600+mi*60+sec) - int64(off)
	return days*microsPerDay + secs*1_000_000 + int64(us), true
}

// AppendTimestamp appends micros (since the epoch, UTC) as RFC 3339 with a
// Z, and a fraction only when there is one: 2020-09-16T09:38:06Z.
func AppendTimestamp(dst []byte, micros int64) []byte {
	days := micros / microsPerDay
	rem := micros % microsPerDay
	if rem < 0 {
		rem += microsPerDay
		days--
	}
	y, m, d := CivilFromDays(days)
	s := rem / 1_000_000
	us := rem % 1_000_000
	dst = append4(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, int(s/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(s/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(s%60))
	if us != 0 {
		dst = append(dst, '.')
		for scale := int64(100000); scale > 0 && us != 0; scale /= 10 {
			dst = append(dst, byte('0'+us/scale))
			us %= scale
		}
	}
	return append(dst, 'Z')
}

// Month returns the year and month of micros (since the epoch, UTC) as
// YYYYMM.
func Month(micros int64) int32 {
	days := micros / microsPerDay
	if micros%microsPerDay < 0 {
		days--
	}
	y, m, _ := CivilFromDays(days)
	return int32(y*100 + m)
}

// AppendMonth appends a YYYYMM month as YYYY-MM.
func AppendMonth(dst []byte, ym int32) []byte {
	dst = append4(dst, int(ym/100))
	dst = append(dst, '-')
	return append2(dst, int(ym%100))
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

func append4(dst []byte, v int) []byte {
	if v < 0 || v > 9999 {
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// AppendJSONString appends s as a JSON string. s must be valid UTF-8 (the
// readers guarantee it for every value that reaches a record).
func AppendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	i := plainPrefix(s)
	dst = append(dst, s[:i]...)
	start := i
	for ; i < len(s); i++ {
		c := s[i]
		if !jsonEscape[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', HexDigits[c>>4], HexDigits[c&15])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainPrefix returns the length of the prefix of s that JSON needs no
// escape for, testing eight bytes at a time: no control character, quote
// or backslash.
func plainPrefix(s []byte) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(s[i:])
		q, b := w^(ones*'"'), w^(ones*'\\')
		m := (w-ones*0x20)&^w | (q-ones)&^q | (b-ones)&^b
		if m&highs != 0 {
			break
		}
	}
	for ; i < len(s) && !jsonEscape[s[i]]; i++ {
	}
	return i
}

// HexDigits are the lower-case hex digits, by value.
const HexDigits = "0123456789abcdef"

// AppendHex16 appends v as 16 lower-case hex digits (the spelling of
// fingerprints).
func AppendHex16(dst []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, HexDigits[v>>uint(shift)&15])
	}
	return dst
}

var jsonEscape = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// AppendJSONNumber appends f as a JSON number: the shortest form that
// reads back as f.
func AppendJSONNumber(dst []byte, f float64) []byte {
	if d, ok := appendCents(dst, f); ok {
		return d
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
