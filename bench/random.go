package bench

import (
	"math/rand/v2"
)

// rnd is a PCG with the few draws the generator needs, called on the
// concrete type so that no draw goes through an interface.
type rnd struct{ p rand.PCG }

func (r *rnd) seed(a, b uint64) { r.p.Seed(a, b) }

func (r *rnd) u64() uint64 { return r.p.Uint64() }

// intn returns a number in [0, n) for 0 < n < 2^31 (multiply-shift; the
// bias of at most n/2^32 does not matter here).
func (r *rnd) intn(n int) int { return int((r.p.Uint64() >> 32) * uint64(n) >> 32) }

// prob reports true with probability p.
func (r *rnd) prob(p float64) bool { return float64(r.p.Uint64()>>11)*(1.0/(1<<53)) < p }

// pick draws an index from a weight table.
func (r *rnd) pick(t *table) int { return int(t[r.p.Uint64()>>56]) }

// table maps a random byte to an index so that index k comes up with
// probability weight[k]/sum(weights).
type table [256]uint8

// weights builds a table from weights (at most 256 of them, sum > 0).
func weights(w ...int) (t table) {
	total := 0
	for _, x := range w {
		total += x
	}
	lo, cum := 0, 0
	for k, x := range w {
		cum += x
		hi := cum * 256 / total
		for j := lo; j < hi; j++ {
			t[j] = uint8(k)
		}
		lo = hi
	}
	return t
}

// splitmix is the SplitMix64 finaliser: it spreads nearby seeds apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream keys: orders depend on the seed, customers and products do not.
const (
	keyMain    = 0x6d61696e // "main"
	keyOrder   = 0x6f726472 // "ordr"
	keyUser    = 0x75736572 // "user"
	keyProduct = 0x70726f64 // "prod"
)

// seedOf derives the two PCG seed words of entity n in stream key.
func seedOf(key, seed, n uint64) (uint64, uint64) {
	a := splitmix(key ^ splitmix(seed))
	return splitmix(a ^ n), splitmix(a + n*0x9e3779b97f4a7c15)
}
