package commit

import (
	"bytes"
	"encoding/binary"
	"math"
)

// stats are the bounds of the values of a page or a column chunk. Byte
// arrays reference the Arrow buffers while a row group is encoded.
type stats struct {
	ok     bool
	i0, i1 int64 // int64, int32, bool
	f0, f1 float64
	b0, b1 []byte
	k0, k1 uint64 // big-endian 8-byte prefixes of b0, b1
}

// addBytes widens s to v.
func (s *stats) addBytes(v []byte) {
	k := prefix8(v)
	if s.ok && k > s.k0 && k < s.k1 {
		return
	}
	if !s.ok {
		s.ok, s.b0, s.b1, s.k0, s.k1 = true, v, v, k, k
		return
	}
	if k <= s.k0 && bytes.Compare(v, s.b0) < 0 {
		s.b0, s.k0 = v, k
	}
	if k >= s.k1 && bytes.Compare(v, s.b1) > 0 {
		s.b1, s.k1 = v, k
	}
}

// prefix8 returns the first 8 bytes of v as a big-endian number, zero
// padded: prefix8(a) < prefix8(b) implies a < b.
func prefix8(v []byte) uint64 {
	if len(v) >= 8 {
		return binary.BigEndian.Uint64(v)
	}
	var k uint64
	for i, c := range v {
		k |= uint64(c) << (56 - 8*i)
	}
	return k
}

func (s *stats) addInts(lo, hi int64) {
	if !s.ok {
		s.ok, s.i0, s.i1 = true, lo, hi
		return
	}
	s.i0, s.i1 = min(s.i0, lo), max(s.i1, hi)
}

func (s *stats) addFloats(lo, hi float64) {
	if !s.ok {
		s.ok, s.f0, s.f1 = true, lo, hi
		return
	}
	s.f0, s.f1 = min(s.f0, lo), max(s.f1, hi)
}

// merge widens s to o.
func (s *stats) merge(o *stats, k columnKind) {
	if !o.ok {
		return
	}
	switch k {
	case kindBytes:
		s.addBytes(o.b0)
		s.addBytes(o.b1)
	case kindFloat64:
		s.addFloats(o.f0, o.f1)
	default:
		s.addInts(o.i0, o.i1)
	}
}

// appendBound appends the PLAIN encoding (without length) of the lower
// (hi false) or upper bound of s.
func (s *stats) appendBound(dst []byte, k columnKind, hi bool) []byte {
	switch k {
	case kindBytes:
		if hi {
			return append(dst, s.b1...)
		}
		return append(dst, s.b0...)
	case kindFloat64:
		f := s.f0
		if hi {
			f = s.f1
		}
		// Parquet asks for -0 as a lower bound and +0 as an upper one.
		if f == 0 {
			f = math.Copysign(0, 1)
			if !hi {
				f = math.Copysign(0, -1)
			}
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	}
	v := s.i0
	if hi {
		v = s.i1
	}
	switch k {
	case kindInt32:
		return binary.LittleEndian.AppendUint32(dst, uint32(v))
	case kindBool:
		return append(dst, byte(v))
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(v))
}

// columnIndexLimit is the longest byte array bound kept in a column index
// (parquet-go's default): longer lower bounds are truncated, longer upper
// bounds truncated and incremented.
const columnIndexLimit = 16
