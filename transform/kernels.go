package transform

import (
	"math"
	"strconv"

	"ingot/columnar"
)

// The column kernels: each reads a whole column and writes a whole owned
// column, reusing its buffers; values it cannot convert are kept as they
// were and listed in bad (row, and a detail: the byte position for
// timestamps).

// castColumn rewrites the values of in as kind k into out. Empty values and
// nulls pass unchanged. It appends the rows it cannot convert to bad.
func castColumn(in, out *Column, k Kind, bad []int32) []int32 {
	n := in.n
	out.reset(n)
	var scratch [32]byte
	for i := range n {
		v := in.At(i)
		if len(v) == 0 || in.IsNull(i) {
			out.appendValue(v)
			continue
		}
		t := in.Type(i)
		var w []byte
		ok := true
		switch k {
		case KindText:
			w = v
		case KindInteger:
			if t == TypeBool || t == TypeRaw {
				ok = false
				break
			}
			var x int64
			if x, ok = columnar.ParseInteger(v); ok {
				w = strconv.AppendInt(scratch[:0], x, 10)
			}
		case KindFloat:
			if t == TypeBool || t == TypeRaw {
				ok = false
				break
			}
			var f float64
			if f, ok = columnar.ParseDecimal(v); ok {
				w = appendFloat(scratch[:0], f)
			}
		case KindBool:
			if t == TypeRaw {
				ok = false
				break
			}
			var b bool
			if b, ok = columnar.ParseBool(v); ok {
				w = strconv.AppendBool(scratch[:0], b)
			}
		}
		if !ok {
			bad = append(bad, int32(i))
			w = v
		}
		out.appendValue(w)
	}
	out.finishLike(in, in.Types != nil)
	if in.Types != nil {
		out.copyTypes(in)
		to := kindType(k)
		for i := range n {
			if out.Types[i] != TypeNull && len(in.At(i)) > 0 {
				out.Types[i] = to
			}
		}
		// Values that failed keep their type.
		for _, r := range bad {
			out.Types[r] = in.Types[r]
		}
	}
	return bad
}

func kindType(k Kind) ValueType {
	switch k {
	case KindInteger, KindFloat:
		return TypeNumber
	case KindBool:
		return TypeBool
	}
	return TypeString
}

// appendFloat writes f in the shortest form that reads back as f, without
// an exponent for everyday magnitudes: 1000, 0.5, -12.25.
func appendFloat(dst []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// timestampColumn parses the values of in with p and writes them as
// ISO-8601 UTC into out. Empty values and nulls pass unchanged. Rows that do
// not match are appended to bad with the 1-based byte column of the first
// mismatch in at.
func timestampColumn(in, out *Column, p *Pattern, bad []int32, at []int64) ([]int32, []int64) {
	n := in.n
	out.reset(n)
	var scratch [40]byte
	for i := range n {
		v := in.At(i)
		if len(v) == 0 || in.IsNull(i) {
			out.appendValue(v)
			continue
		}
		us, pos, ok := p.Parse(v)
		if !ok || (in.Types != nil && in.Types[i] != TypeString) {
			bad = append(bad, int32(i))
			at = append(at, int64(pos+1))
			out.appendValue(v)
			continue
		}
		out.appendValue(columnar.AppendTimestamp(scratch[:0], us))
	}
	out.finishLike(in, in.Types != nil)
	if in.Types != nil {
		out.copyTypes(in)
	}
	return bad, at
}

// constColumn fills out with n copies of v.
func constColumn(out *Column, n int, v Value, typed bool) {
	out.reset(n)
	if need := n * len(v.Text); cap(out.data) < need {
		out.data = make([]byte, 0, need)
	}
	for range n {
		out.data = append(out.data, v.Text...)
		out.offs = append(out.offs, int32(len(out.data)))
	}
	out.n = n
	if v.Type == TypeNull {
		out.valid = out.bitmap()
	}
	if typed {
		if cap(out.tbuf) < n {
			out.tbuf = make([]ValueType, n)
		}
		out.tbuf = out.tbuf[:n]
		for i := range out.tbuf {
			out.tbuf[i] = v.Type
		}
		out.Types = out.tbuf
	}
}

// copyTypes gives c (computed row by row from in) a copy of in's types.
func (c *Column) copyTypes(in *Column) {
	n := c.n
	if cap(c.tbuf) < n {
		c.tbuf = make([]ValueType, n)
	}
	c.tbuf = c.tbuf[:n]
	for i := range n {
		c.tbuf[i] = in.Type(i)
	}
	c.Types = c.tbuf
}
