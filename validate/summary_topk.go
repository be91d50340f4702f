package validate

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/zeebo/xxh3"

	"ingot/columnar"
)

// observe feeds a record to the table's top counters.
func (t *tableSummary) observe(rec arrow.RecordBatch) {
	for i, tc := range t.top {
		if tc != nil {
			tc.addArray(rec.Column(i))
		}
	}
}

// topCounter finds the most frequent values of a column with the
// Space-Saving algorithm (Metwally, Agrawal, El Abbadi 2005): it tracks at
// most topTracked values; an untracked value replaces the least counted
// one and inherits its count as its possible error. Counts are exact
// while no value has been replaced. Memory is fixed, and a value costs
// O(1): a probe in an open-addressing index, then a move to the next
// count bucket of the "stream summary" (slots linked in buckets of equal
// count, the buckets linked in increasing count).
//
// Values are keyed by their 64-bit pattern (numbers, booleans, times) or
// by the xxh3 hash of their bytes (strings), whose collisions are
// negligible for the few hundred values tracked.
type topCounter struct {
	typ     arrow.DataType // the scalar type counted (a list's element type)
	k       int
	index   [topIndexSize]int32 // slot+1 by key hash, 0 = empty; linear probing
	slots   []topSlot
	buckets []topBucket
	freeB   int32 // first free bucket, -1 if none
	minB    int32 // bucket of the lowest count, -1 while empty
	// replaced is true once a value has been evicted.
	replaced bool
}

const (
	topIndexBits = 10 // index of 1024 entries: at most 1/4 full
	topIndexSize = 1 << topIndexBits
)

type topSlot struct {
	key        uint64
	count      int64
	err        int64  // overcount inherited from the evicted value
	str        []byte // string values
	bucket     int32
	prev, next int32 // siblings in the bucket, -1 at the ends
}

type topBucket struct {
	count      int64
	head       int32 // first slot, -1 when free
	prev, next int32 // neighbouring buckets: lower and higher count
}

func newTopCounter(dt arrow.DataType, k int) *topCounter {
	if l, ok := dt.(*arrow.ListType); ok {
		dt = l.Elem()
	}
	return &topCounter{typ: dt, k: k, freeB: -1, minB: -1,
		slots: make([]topSlot, 0, topTracked), buckets: make([]topBucket, 0, topTracked)}
}

// home is the index position a key probes first.
func home(key uint64) uint32 {
	return uint32((key * 0x9E3779B97F4A7C15) >> (64 - topIndexBits))
}

// lookup returns the slot of key, or -1 and the empty position where key
// would go.
func (c *topCounter) lookup(key uint64) (slot int32, at uint32) {
	for i := home(key); ; i = (i + 1) & (topIndexSize - 1) {
		e := c.index[i]
		if e == 0 {
			return -1, i
		}
		if c.slots[e-1].key == key {
			return e - 1, i
		}
	}
}

// unindex removes key (present) with backward-shift deletion, so that no
// tombstones build up under constant replacement.
func (c *topCounter) unindex(key uint64) {
	_, i := c.lookup(key)
	for {
		j := i
		for {
			j = (j + 1) & (topIndexSize - 1)
			e := c.index[j]
			if e == 0 {
				c.index[i] = 0
				return
			}
			// Move e back to i unless its home lies cyclically in (i, j].
			h := home(c.slots[e-1].key)
			if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
				c.index[i] = e
				i = j
				break
			}
		}
	}
}

func (c *topCounter) add(key uint64) {
	if s, at := c.lookup(key); s >= 0 {
		c.increment(s)
	} else {
		c.insert(key, "", at)
	}
}

func (c *topCounter) addString(key uint64, v string) {
	if s, at := c.lookup(key); s >= 0 {
		c.increment(s)
	} else {
		c.insert(key, v, at)
	}
}

func (c *topCounter) insert(key uint64, v string, at uint32) {
	if len(c.slots) < topTracked {
		s := int32(len(c.slots))
		c.slots = append(c.slots, topSlot{key: key, str: append([]byte(nil), v...), bucket: -1, prev: -1, next: -1})
		c.index[at] = s + 1
		c.increment(s)
		return
	}
	c.replaced = true
	s := c.buckets[c.minB].head
	sl := &c.slots[s]
	c.unindex(sl.key)
	sl.key, sl.err = key, sl.count
	sl.str = append(sl.str[:0], v...)
	_, at = c.lookup(key) // the deletion may have moved the free position
	c.index[at] = s + 1
	c.increment(s)
}

// increment moves slot s from its bucket (none for a new slot) to the
// bucket of count+1.
func (c *topCounter) increment(s int32) {
	sl := &c.slots[s]
	from := sl.bucket
	// The bucket after which a new count+1 bucket would go.
	after := from
	next := c.minB
	if from >= 0 {
		next = c.buckets[from].next
	}
	sl.count++
	var to int32
	if next >= 0 && c.buckets[next].count == sl.count {
		to = next
	} else {
		to = c.newBucket(sl.count, after, next)
	}
	if from >= 0 {
		c.unlinkSlot(s, from)
	}
	sl.bucket, sl.prev, sl.next = to, -1, c.buckets[to].head
	if sl.next >= 0 {
		c.slots[sl.next].prev = s
	}
	c.buckets[to].head = s
}

// newBucket links a bucket of count between after and next (-1: none).
func (c *topCounter) newBucket(count int64, after, next int32) int32 {
	var b int32
	if c.freeB >= 0 {
		b = c.freeB
		c.freeB = c.buckets[b].next
	} else {
		b = int32(len(c.buckets))
		c.buckets = append(c.buckets, topBucket{})
	}
	c.buckets[b] = topBucket{count: count, head: -1, prev: after, next: next}
	if after >= 0 {
		c.buckets[after].next = b
	} else {
		c.minB = b
	}
	if next >= 0 {
		c.buckets[next].prev = b
	}
	return b
}

// unlinkSlot takes s out of bucket b, and frees b if that empties it.
func (c *topCounter) unlinkSlot(s, b int32) {
	sl := &c.slots[s]
	if sl.prev >= 0 {
		c.slots[sl.prev].next = sl.next
	} else {
		c.buckets[b].head = sl.next
	}
	if sl.next >= 0 {
		c.slots[sl.next].prev = sl.prev
	}
	if c.buckets[b].head >= 0 {
		return
	}
	bk := c.buckets[b]
	if bk.prev >= 0 {
		c.buckets[bk.prev].next = bk.next
	} else {
		c.minB = bk.next
	}
	if bk.next >= 0 {
		c.buckets[bk.next].prev = bk.prev
	}
	c.buckets[b].next = c.freeB
	c.freeB = b
}

func (c *topCounter) addArray(arr arrow.Array) {
	switch a := arr.(type) {
	case *array.List:
		if a.Len() == 0 {
			return
		}
		off := columnar.ListOffsets(a)
		start, end := int64(off[0]), int64(off[a.Len()])
		if a.NullN() > 0 {
			// Null lists may still span child values; walk the valid ones.
			for i := 0; i < a.Len(); i++ {
				if a.IsValid(i) {
					s, e := a.ValueOffsets(i)
					c.addRange(a.ListValues(), int(s), int(e))
				}
			}
			return
		}
		c.addRange(a.ListValues(), int(start), int(end))
	default:
		c.addRange(arr, 0, arr.Len())
	}
}

// addRange counts the non-null values arr[from:to].
func (c *topCounter) addRange(arr arrow.Array, from, to int) {
	hasNulls := arr.NullN() > 0
	switch a := arr.(type) {
	case *array.String:
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			c.addString(xxh3.HashString(v), v)
		}
	case *array.LargeString:
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			c.addString(xxh3.HashString(v), v)
		}
	case *array.Int64:
		addInts(c, a.Int64Values(), a, from, to, hasNulls)
	case *array.Int32:
		addInts(c, a.Int32Values(), a, from, to, hasNulls)
	case *array.Int16:
		addInts(c, a.Int16Values(), a, from, to, hasNulls)
	case *array.Int8:
		addInts(c, a.Int8Values(), a, from, to, hasNulls)
	case *array.Uint64:
		addInts(c, a.Uint64Values(), a, from, to, hasNulls)
	case *array.Uint32:
		addInts(c, a.Uint32Values(), a, from, to, hasNulls)
	case *array.Uint16:
		addInts(c, a.Uint16Values(), a, from, to, hasNulls)
	case *array.Uint8:
		addInts(c, a.Uint8Values(), a, from, to, hasNulls)
	case *array.Timestamp:
		addInts(c, a.TimestampValues(), a, from, to, hasNulls)
	case *array.Date32:
		addInts(c, a.Date32Values(), a, from, to, hasNulls)
	case *array.Decimal128:
		vals := a.Values()
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			c.add(vals[i].LowBits())
		}
	case *array.Float64:
		vals := a.Float64Values()
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			c.add(floatKey(vals[i]))
		}
	case *array.Float32:
		vals := a.Float32Values()
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			c.add(floatKey(float64(vals[i])))
		}
	case *array.Boolean:
		for i := from; i < to; i++ {
			if hasNulls && a.IsNull(i) {
				continue
			}
			if a.Value(i) {
				c.add(1)
			} else {
				c.add(0)
			}
		}
	}
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func addInts[T integer](c *topCounter, vals []T, a arrow.Array, from, to int, hasNulls bool) {
	vals = vals[from:to]
	if !hasNulls {
		for _, v := range vals {
			c.add(uint64(int64(v)))
		}
		return
	}
	for i, v := range vals {
		if a.IsNull(from + i) {
			continue
		}
		c.add(uint64(int64(v)))
	}
}

// floatKey is the key of a float: -0 counts as 0 and every NaN as one.
func floatKey(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return 0x7FF8000000000001
	}
	return math.Float64bits(f)
}

// top returns the k values with the highest guaranteed counts (count
// minus inherited error), and whether the counts are approximate.
func (c *topCounter) top() ([]TopValue, bool) {
	if len(c.slots) == 0 {
		return nil, false
	}
	order := make([]int, len(c.slots))
	for i := range order {
		order[i] = i
	}
	vals := make([]any, len(c.slots))
	for i := range c.slots {
		vals[i] = c.value(&c.slots[i])
	}
	slices.SortFunc(order, func(a, b int) int {
		sa, sb := &c.slots[a], &c.slots[b]
		if d := cmp.Compare(sb.count-sb.err, sa.count-sa.err); d != 0 {
			return d
		}
		return compareValues(vals[a], vals[b])
	})
	n := min(c.k, len(order))
	out := make([]TopValue, n)
	for i := range n {
		sl := &c.slots[order[i]]
		out[i] = TopValue{Value: vals[order[i]], Count: sl.count - sl.err}
	}
	return out, c.replaced
}

// value turns a slot back into a JSON-ready value of the column's type.
func (c *topCounter) value(sl *topSlot) any {
	switch dt := c.typ.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return string(sl.str)
	case *arrow.BooleanType:
		return sl.key == 1
	case *arrow.Float64Type, *arrow.Float32Type:
		return jsonValue(math.Float64frombits(sl.key))
	case *arrow.Decimal128Type:
		return json.Number(columnar.AppendMoney(nil, int64(sl.key)))
	case *arrow.Uint64Type, *arrow.Uint32Type, *arrow.Uint16Type, *arrow.Uint8Type:
		return sl.key
	case *arrow.TimestampType:
		return formatTime(int64(sl.key), dt.Unit)
	case *arrow.Date32Type:
		return arrow.Date32(int32(sl.key)).ToTime().Format(time.DateOnly)
	}
	return int64(sl.key)
}

// compareValues orders two top values of the same type for stable output.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(x, y)
	case uint64:
		y, _ := b.(uint64)
		return cmp.Compare(x, y)
	case float64:
		y, _ := b.(float64)
		return cmp.Compare(x, y)
	case json.Number: // money, see value
		y, _ := b.(json.Number)
		xv, _ := columnar.ParseMoney([]byte(x))
		yv, _ := columnar.ParseMoney([]byte(y))
		return cmp.Compare(xv, yv)
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}
