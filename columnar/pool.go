package columnar

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PoolAllocator is a memory.Allocator that recycles freed buffers by
// power-of-two size class, so that a stream of batches of similar sizes
// reuses the same memory instead of allocating (and zeroing) new buffers
// and leaving the old ones to the garbage collector.
//
// Memory it hands out is NOT zeroed. That suits buffers the caller writes
// completely (the CSV reader's columns, Gather's outputs) and Arrow's
// builders, which clear the memory they take (memory.Set); anything else
// must clear what it reads before writing it. The zero value is ready to
// use and safe for concurrent use.
type PoolAllocator struct {
	classes [poolClasses]sync.Pool
	inUse   atomic.Int64
}

const (
	poolMinShift = 6  // 64 bytes
	poolClasses  = 21 // up to 64 MiB
)

var _ memory.Allocator = (*PoolAllocator)(nil)

func poolClass(size int) int {
	if size <= 1<<poolMinShift {
		return 0
	}
	return bits.Len(uint(size-1)) - poolMinShift
}

// Allocate returns a buffer of size bytes, recycled when one is free.
func (p *PoolAllocator) Allocate(size int) []byte {
	c := poolClass(size)
	if c >= poolClasses {
		p.inUse.Add(int64(size))
		return make([]byte, size)
	}
	p.inUse.Add(1 << (c + poolMinShift))
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:size]
	}
	return make([]byte, size, 1<<(c+poolMinShift))
}

// Reallocate grows or shrinks b to size, keeping its contents.
func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b to its size class. b may have any length; its capacity
// says which buffer it is.
func (p *PoolAllocator) Free(b []byte) {
	p.inUse.Add(-int64(cap(b)))
	c := poolClass(cap(b))
	if c >= poolClasses || cap(b) != 1<<(c+poolMinShift) {
		return // not one of ours, or too big: the GC takes it
	}
	b = b[:0]
	p.classes[c].Put(&b)
}

// Allocated returns the bytes handed out and not yet freed, counted by
// capacity.
func (p *PoolAllocator) Allocated() int64 { return p.inUse.Load() }
