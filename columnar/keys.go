package columnar

import (
	"math/bits"

	"github.com/zeebo/xxh3"
)

// Key is the 128-bit hash of a record key (an order id, say). Sets and maps
// of keys hold the hash instead of the string: 16 bytes a key, whatever
// its length. Two different keys share a Key with probability about
// n²/2¹²⁹ for n keys, which is below 10⁻²⁴ for a billion keys.
type Key struct{ Hi, Lo uint64 }

// KeyOf hashes b.
func KeyOf(b []byte) Key {
	h := xxh3.Hash128(b)
	if h.Hi == 0 && h.Lo == 0 {
		h.Lo = 1 // the zero Key marks an empty slot in KeyMap
	}
	return Key{h.Hi, h.Lo}
}

// KeyOfString hashes s.
func KeyOfString(s string) Key {
	h := xxh3.HashString128(s)
	if h.Hi == 0 && h.Lo == 0 {
		h.Lo = 1
	}
	return Key{h.Hi, h.Lo}
}

// KeyMap maps Keys to values of type V with open addressing and linear
// probing: one flat array of slots, no per-entry allocation, about
// (16+sizeof(V))/0.7 bytes a key. The zero value is an empty map.
type KeyMap[V any] struct {
	keys []Key
	vals []V
	n    int
	mask uint64
}

// Len returns the number of keys in the map.
func (m *KeyMap[V]) Len() int { return m.n }

// Get returns the value for k and whether k is present.
func (m *KeyMap[V]) Get(k Key) (V, bool) {
	var zero V
	if m.n == 0 {
		return zero, false
	}
	for i := k.Lo & m.mask; ; i = (i + 1) & m.mask {
		s := m.keys[i]
		if s == k {
			return m.vals[i], true
		}
		if s == (Key{}) {
			return zero, false
		}
	}
}

// Put sets the value for k and returns the previous value and whether
// there was one.
func (m *KeyMap[V]) Put(k Key, v V) (old V, existed bool) {
	if (m.n+1)*10 > len(m.keys)*7 {
		m.grow()
	}
	for i := k.Lo & m.mask; ; i = (i + 1) & m.mask {
		s := m.keys[i]
		if s == k {
			old, m.vals[i] = m.vals[i], v
			return old, true
		}
		if s == (Key{}) {
			m.keys[i], m.vals[i] = k, v
			m.n++
			return old, false
		}
	}
}

func (m *KeyMap[V]) grow() {
	size := 1024
	if len(m.keys) > 0 {
		size = len(m.keys) * 2
	}
	oldK, oldV := m.keys, m.vals
	m.keys = make([]Key, size)
	m.vals = make([]V, size)
	m.mask = uint64(size - 1)
	m.n = 0
	for i, k := range oldK {
		if k != (Key{}) {
			m.Put(k, oldV[i])
		}
	}
}

// Range calls f for every key and value until f returns false.
func (m *KeyMap[V]) Range(f func(Key, V) bool) {
	for i, k := range m.keys {
		if k != (Key{}) && !f(k, m.vals[i]) {
			return
		}
	}
}

// Mix64 folds x into the running hash h. It is the combining step of
// row fingerprints: order-sensitive and cheap.
func Mix64(h, x uint64) uint64 {
	hi, lo := bits.Mul64(h^x, 0x9E3779B97F4A7C15)
	return hi ^ lo ^ (h >> 29)
}
