package orders

import (
	"ingot/columnar"
	"ingot/kinds"
)

// Holding back the rows of orders that may still be superseded.
//
// An order whose id comes back later in the import is superseded by its
// last run, and only the last run may be written. Which run is the last
// is known only at the end of the input, so the grouper writes straight
// away while no order id has come back (a file without repeated orders
// costs nothing more), and from the first repeat on holds every kept
// order's rows and events back (kinds.HeldOutput, kinds.EventHolder): the
// pipeline spools them and writes them once Settle has said which runs
// were superseded, skipping those. The rows written before the first
// repeat that turn out superseded are few unless the repeats come after a
// long clean stretch (a file sent twice); Settle counts them per
// partition, and the pipeline removes files whose rows are all
// superseded without reading them.

// seenFilter is a blocked Bloom filter of the order ids of the import: a
// test costs one cache line. Its size is fixed (16 MiB): about one false
// "seen" in 10^9 tests at a million orders, more as an import grows past
// a few million; a false one only starts the holding back early.
type seenFilter struct{ w []uint64 }

const (
	seenBlockWords = 8 // a 64-byte cache line
	seenBlocks     = 1 << 18
)

// testAndAdd adds k and reports whether it may have been added before.
func (f *seenFilter) testAndAdd(k columnar.Key) bool {
	if f.w == nil {
		f.w = make([]uint64, seenBlocks*seenBlockWords)
	}
	blk := f.w[(k.Hi&(seenBlocks-1))*seenBlockWords:][:seenBlockWords]
	h, seen := k.Lo, true
	for i := range blk {
		bit := uint64(1) << (h & 63)
		h >>= 6
		if blk[i]&bit == 0 {
			seen = false
			blk[i] |= bit
		}
	}
	return seen
}

// holdFrom decides whether the run of key is held back: from the first
// order id that may have come back on, every kept run is. It tells the
// sink to hold events back from then on; a sink that cannot hold events
// (a test's) makes the grouper write everything straight away.
func (g *grouper) holdFrom(key string) error {
	if !g.seen.testAndAdd(columnar.KeyOfString(key)) || g.holding || g.noHold {
		return nil
	}
	h, ok := g.out.(kinds.EventHolder)
	if !ok {
		g.noHold = true
		return nil
	}
	g.holding = true
	return h.HoldEvents()
}
