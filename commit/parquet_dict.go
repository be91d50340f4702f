package commit

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// addDict appends the dictionary index of v to the page, adding v to the
// dictionary if new. The page bounds take each dictionary value once.
func (s *scratch) addDict(v []byte) {
	idx, added := s.dict.index(v)
	if added {
		s.dictVals = binary.LittleEndian.AppendUint32(s.dictVals, uint32(len(v)))
		s.dictVals = append(s.dictVals, v...)
		s.stamps = append(s.stamps, -1)
	}
	s.page.idx = append(s.page.idx, idx)
	if s.stamps[idx] != s.pages {
		s.stamps[idx] = s.pages
		s.page.st.addBytes(v)
	}
}

// addDictRun is addDict of the non-null values [lo, hi) of a string array
// (offsets and value buffer), with the table lookup of short values
// already in the table inline.
func (s *scratch) addDictRun(offs []int32, data []byte, lo, hi int, m nullMask, nulls bool) {
	t := &s.dict
	for i := lo; i < hi; i++ {
		if nulls && m.null(i) {
			continue
		}
		v := data[offs[i]:offs[i+1]]
		if len(v) > 24 || 2*(t.short+1) > len(t.slots) {
			s.addDict(v)
			continue
		}
		w0, w1, w2 := dictKey(v)
		ln := uint32(len(v)) + 1
		mask := uint64(len(t.slots) - 1)
		for j := dictHash(w0, w1, w2, ln) & mask; ; j = (j + 1) & mask {
			sl := &t.slots[j]
			if sl.ln == ln && sl.w0 == w0 && sl.w1 == w1 && sl.w2 == w2 {
				idx := sl.idx
				s.page.idx = append(s.page.idx, idx)
				if s.stamps[idx] != s.pages {
					s.stamps[idx] = s.pages
					s.page.st.addBytes(v)
				}
				break
			}
			if sl.ln == 0 {
				s.addDict(v)
				break
			}
		}
	}
}

// dictTable maps the values of a column chunk's dictionary to their
// indices. Values of up to 24 bytes (the usual case for the
// low-cardinality columns worth a dictionary) are their own keys in an
// open-addressing table: their length, first 16 and last 8 bytes, compared
// as words, without hashing or comparing memory. Longer values go to a Go
// map, faster for them (BenchmarkDictionary); its keys alias the Arrow
// buffers, alive while the row group is encoded.
type dictTable struct {
	slots []dictSlot // power of two long
	short int        // values in slots
	long  map[string]int32
	n     int32 // values
}

// dictSlot is a value of up to 24 bytes: its first 16 bytes and, past 16
// bytes, its last 8 (zero padded), its length plus one (0: free slot) and
// its index.
type dictSlot struct {
	w0, w1, w2 uint64
	ln         uint32
	idx        int32
}

func (t *dictTable) reset() {
	clear(t.slots)
	clear(t.long)
	t.short, t.n = 0, 0
}

// dictKey returns the key words of v, at most 24 bytes long.
func dictKey(v []byte) (w0, w1, w2 uint64) {
	n := len(v)
	if cap(v) >= 16 {
		// One unconditional load of 16 bytes, masked to the value.
		w := v[:16]
		w0 = binary.LittleEndian.Uint64(w) & (^uint64(0) >> (64 - 8*uint(min(n, 8))))
		w1 = binary.LittleEndian.Uint64(w[8:]) & (^uint64(0) >> (64 - 8*uint(min(max(n-8, 0), 8))))
	} else {
		w0, w1 = load16(v[:min(n, 16)])
	}
	if n > 16 {
		w2 = binary.LittleEndian.Uint64(v[n-8:])
	}
	return w0, w1, w2
}

// dictHash returns the slot hash of a key.
func dictHash(w0, w1, w2 uint64, ln uint32) uint64 {
	hi, lo := bits.Mul64(w0^0x9E3779B97F4A7C15, w1^w2^uint64(ln)<<32^0xC2B2AE3D27D4EB4F)
	return hi ^ lo
}

// index returns the index of v, and whether v was added.
func (t *dictTable) index(v []byte) (int32, bool) {
	if len(v) > 24 {
		key := unsafe.String(unsafe.SliceData(v), len(v))
		if idx, ok := t.long[key]; ok {
			return idx, false
		}
		if t.long == nil {
			t.long = make(map[string]int32)
		}
		t.long[key] = t.n
		t.n++
		return t.n - 1, true
	}
	w0, w1, w2 := dictKey(v)
	ln := uint32(len(v)) + 1
	if 2*(t.short+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := dictHash(w0, w1, w2, ln) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.ln == ln && sl.w0 == w0 && sl.w1 == w1 && sl.w2 == w2 {
			return sl.idx, false
		}
		if sl.ln == 0 {
			*sl = dictSlot{w0: w0, w1: w1, w2: w2, ln: ln, idx: t.n}
			t.short++
			t.n++
			return sl.idx, true
		}
	}
}

func (t *dictTable) grow() {
	old := t.slots
	t.slots = make([]dictSlot, max(64, 2*len(old)))
	mask := uint64(len(t.slots) - 1)
	for _, sl := range old {
		if sl.ln == 0 {
			continue
		}
		i := dictHash(sl.w0, sl.w1, sl.w2, sl.ln) & mask
		for t.slots[i].ln != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = sl
	}
}

// load16 returns the bytes of v (at most 16) as two little-endian words,
// zero padded.
func load16(v []byte) (w0, w1 uint64) {
	if len(v) >= 8 {
		return binary.LittleEndian.Uint64(v), load8(v[8:])
	}
	return load8(v), 0
}

// load8 returns the bytes of v (at most 8) as a little-endian word, zero
// padded.
func load8(v []byte) uint64 {
	switch n := len(v); {
	case n >= 8:
		return binary.LittleEndian.Uint64(v)
	case n >= 4:
		// Two overlapping loads: the shared bytes are the same.
		return uint64(binary.LittleEndian.Uint32(v)) | uint64(binary.LittleEndian.Uint32(v[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(v[0]) | uint64(v[n/2])<<(8*(n/2)) | uint64(v[n-1])<<(8*(n-1))
	}
	return 0
}

// stringData returns the whole value buffer of a, which its offsets index.
func stringData(a *array.String) []byte {
	if b := a.Data().Buffers()[2]; b != nil {
		return b.Bytes()
	}
	return nil
}

func appendRepeat(dst []byte, v byte, n int) []byte {
	l := len(dst)
	dst = slices.Grow(dst, n)[:l+n]
	if v == 0 {
		clear(dst[l:])
		return dst
	}
	dst[l] = v
	for k := 1; k < n; k *= 2 {
		copy(dst[l+k:], dst[l:l+k])
	}
	return dst
}

// writeDictPage writes the chunk's dictionary page to f.
func (s *scratch) writeDictPage(f *parquetFile, spec *columnSpec, level int) error {
	var err error
	if s.comp, err = s.zctx.CompressLevel(s.comp[:cap(s.comp)], s.dictVals, level); err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	h := format.PageHeader{
		Type:                 format.DictionaryPage,
		UncompressedPageSize: int32(len(s.dictVals)),
		CompressedPageSize:   int32(len(s.comp)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
			NumValues: int32(len(s.stamps)),
			Encoding:  format.Plain,
		}),
	}
	s.hdr.Reset()
	if err := s.thrift.Encode(&h); err != nil {
		return err
	}
	s.uncomp += int64(s.hdr.Len()) + int64(h.UncompressedPageSize)
	if err := f.write(s.hdr.Bytes()); err != nil {
		return err
	}
	return f.write(s.comp)
}
