package columnar

import (
	"math/big"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MoneyScale is the number of decimal places of every money value: money
// is DECIMAL(18,4), an int64 counting ten-thousandths.
const MoneyScale = 4

// MoneyPrecision is the number of significant digits money holds.
const MoneyPrecision = 18

// MoneyMax is the largest scaled money value, 99999999999999.9999.
const MoneyMax = 999_999_999_999_999_999

// MoneyStatus says how ParseMoney read a value.
type MoneyStatus uint8

// What ParseMoney can find.
const (
	MoneyOK       MoneyStatus = iota // exact
	MoneyRounded                     // more than four decimal places, rounded half-even
	MoneyOverflow                    // more than 18 digits once scaled
	MoneyBad                         // not a decimal number
)

// ParseMoney parses a decimal number such as 12, -0.5, 1234.50 or 1e3
// (what ParseDecimal accepts) straight into ten-thousandths, never through
// a binary float. A value with more than four decimal places is rounded
// half-even (MoneyRounded); one whose scaled value has more than 18 digits
// is MoneyOverflow; anything else that is not a plain number is MoneyBad.
// Numbers without exponent take an allocation-free path, and the usual
// ones (up to 14 integer and 4 fraction digits, no spaces) a straight one.
func ParseMoney(b []byte) (int64, MoneyStatus) {
	i, n := 0, len(b)
	neg := false
	if n > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	var m uint64
	s := i
	for i < n && b[i]-'0' <= 9 {
		m = m*10 + uint64(b[i]-'0')
		i++
	}
	if id := i - s; id <= MoneyPrecision-MoneyScale {
		f := 0
		if i < n && b[i] == '.' {
			i++
			fs := i
			for i < n && i-fs < MoneyScale && b[i]-'0' <= 9 {
				m = m*10 + uint64(b[i]-'0')
				i++
			}
			f = i - fs
		}
		// Fourteen integer and four fraction digits fit DECIMAL(18,4).
		if i == n && id+f > 0 {
			m *= moneyPow10[MoneyScale-f]
			if neg {
				return -int64(m), MoneyOK
			}
			return int64(m), MoneyOK
		}
	}
	return parseMoney(b)
}

// moneyPow10 scales a value with k fraction digits by moneyPow10[4-k].
var moneyPow10 = [MoneyScale + 1]uint64{1, 10, 100, 1000, 10000}

// parseMoney is ParseMoney for every input: spaces, more than four
// fraction digits (rounded), overflow, exponents, refusals.
func parseMoney(b []byte) (int64, MoneyStatus) {
	b = TrimSpace(b)
	n := len(b)
	if n == 0 {
		return 0, MoneyBad
	}
	i := 0
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var m uint64  // the scaled magnitude so far
	digits := 0   // integer and fraction digits read
	frac := -1    // fraction digits read; -1 before the dot
	over := false // the magnitude passed MoneyMax
	// Rounding state for fraction digits past the fourth.
	var first byte // the fifth fraction digit
	sticky := false
	for ; i < n; i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			digits++
			d := uint64(c - '0')
			switch {
			case frac < 0 || frac < MoneyScale:
				if frac >= 0 {
					frac++
				}
				if !over {
					m = m*10 + d
					if frac < 0 && m > MoneyMax/10000 {
						over = true
					}
				}
			case frac == MoneyScale:
				first = c
				frac++
			default:
				if c != '0' {
					sticky = true
				}
				frac++
			}
			continue
		}
		if c == '.' && frac < 0 {
			frac = 0
			continue
		}
		break
	}
	if digits == 0 {
		return 0, MoneyBad
	}
	if i < n {
		if c := b[i]; c != 'e' && c != 'E' {
			return 0, MoneyBad
		}
		return parseMoneySlow(b)
	}
	if over {
		return 0, MoneyOverflow
	}
	if frac < 0 {
		frac = 0
	}
	st := MoneyOK
	if frac > MoneyScale {
		st = MoneyRounded
		if first > '5' || first == '5' && (sticky || m&1 == 1) {
			m++
		}
		frac = MoneyScale
	}
	for ; frac < MoneyScale; frac++ {
		m *= 10
	}
	if m > MoneyMax {
		return 0, MoneyOverflow
	}
	v := int64(m)
	if neg {
		v = -v
	}
	return v, st
}

var (
	moneyUnit = big.NewInt(1e4)
	moneyMax  = big.NewInt(MoneyMax)
)

// parseMoneySlow parses numbers with an exponent, exactly.
func parseMoneySlow(b []byte) (int64, MoneyStatus) {
	// Refuse what strconv.ParseFloat refuses (hex, underscores, inf).
	if _, err := strconv.ParseFloat(bstr(b), 64); err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, MoneyBad
		}
	}
	r, ok := new(big.Rat).SetString(string(b))
	if !ok {
		return 0, MoneyBad
	}
	r.Mul(r, new(big.Rat).SetInt(moneyUnit))
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	st := MoneyOK
	if rem.Sign() != 0 {
		st = MoneyRounded
		// Compare 2|rem| with the denominator: above half rounds away from
		// zero, exactly half rounds to even.
		twice := new(big.Int).Abs(rem)
		twice.Lsh(twice, 1)
		c := twice.Cmp(r.Denom())
		if c > 0 || c == 0 && q.Bit(0) == 1 {
			if r.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	if new(big.Int).Abs(q).Cmp(moneyMax) > 0 {
		return 0, MoneyOverflow
	}
	return q.Int64(), st
}

// AppendMoney appends the scaled value v as a plain decimal number without
// trailing zeros (30.5000 → 30.5, 12.0000 → 12), the exact text of the
// value: a JSON number and a SQL literal alike.
func AppendMoney(dst []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = strconv.AppendUint(dst, u/1e4, 10)
	f := u % 1e4
	if f == 0 {
		return dst
	}
	var buf [5]byte
	buf[0] = '.'
	for k := 4; k >= 1; k-- {
		buf[k] = byte('0' + f%10)
		f /= 10
	}
	w := 5
	for buf[w-1] == '0' {
		w--
	}
	return append(dst, buf[:w]...)
}

// MoneyCheck is a Check for money: Bad for a value that is not a number,
// Rounded (a warning; the rounded value is kept) for more than four
// decimal places, Overflow (the value becomes null) for one that does not
// fit DECIMAL(18,4).
type MoneyCheck struct {
	Check
	Rounded  Code
	Overflow Code
}

// Money parses the selected values of in (all of them when sel is nil)
// into a new DECIMAL(18,4) array allocated from mem, one value per
// selected row, with ParseMoney. The values are written straight into the
// array's buffers, without a builder: nothing is allocated per row.
func Money(mem memory.Allocator, in Strings, sel []int32, c MoneyCheck) *array.Decimal128 {
	n := count(in, sel)
	valid := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	bits := valid.Bytes()
	clear(bits)
	vals := newBuffer(mem, n*arrow.Decimal128SizeBytes)
	vs := arrow.Decimal128Traits.CastFromBytes(vals.Bytes())
	nulls := 0
	for i := range n {
		row := rowOf(sel, i)
		v := in.At(row)
		if len(v) == 0 {
			c.missing(row)
			vs[i] = decimal128.Num{}
			nulls++
			continue
		}
		x, st := ParseMoney(v)
		if st != MoneyOK {
			if st == MoneyRounded {
				c.Issues.Add(row, c.Col, c.Rounded, 0)
			} else {
				code := c.Bad
				if st == MoneyOverflow {
					code = c.Overflow
				}
				c.Issues.Add(row, c.Col, code, 0)
				vs[i] = decimal128.Num{}
				nulls++
				continue
			}
		}
		// decimal128.FromI64, inlined: the high word is the sign.
		vs[i] = decimal128.New(x>>63, uint64(x))
		bits[i>>3] |= 1 << (i & 7)
	}
	d := array.NewData(MoneyType, n, []*memory.Buffer{valid, vals}, nil, nulls, 0)
	valid.Release()
	vals.Release()
	defer d.Release()
	return array.NewDecimal128Data(d)
}

// MoneyType is the Arrow type of money, DECIMAL(18,4) in 128-bit slots
// (the type DuckDB's Arrow scan and every Arrow reader take); the values
// always fit an int64 of ten-thousandths.
var MoneyType = &arrow.Decimal128Type{Precision: MoneyPrecision, Scale: MoneyScale}

// MoneyValues returns the scaled int64 values of a DECIMAL(18,4) column
// (the low words of its 128-bit values; money never needs the high one).
// Null slots hold whatever the buffer holds.
func MoneyValues(a *array.Decimal128, dst []int64) []int64 {
	vs := a.Values()
	dst = dst[:0]
	for _, v := range vs {
		dst = append(dst, int64(v.LowBits()))
	}
	return dst
}

// MoneyMul returns the money value x (ten-thousandths) times the whole
// number q, exactly, and false when the product does not fit
// DECIMAL(18,4).
func MoneyMul(x, q int64) (int64, bool) {
	ux, uq := uint64(x), uint64(q)
	neg := false
	if x < 0 {
		ux, neg = -ux, !neg
	}
	if q < 0 {
		uq, neg = -uq, !neg
	}
	hi, lo := bits.Mul64(ux, uq)
	if hi != 0 || lo > MoneyMax {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

// MoneySub returns x − y for money values (ten-thousandths), exactly,
// and false when the difference does not fit DECIMAL(18,4). Money values
// are at most 18 digits, so the int64 difference itself cannot overflow.
func MoneySub(x, y int64) (int64, bool) {
	d := x - y
	return d, d >= -MoneyMax && d <= MoneyMax
}
