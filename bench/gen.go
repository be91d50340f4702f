package bench

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// KevelHeader is the 39 column names in the order the generator writes them:
// the field table of the Kevel CSV order schema, order-level fields
// (orderId … lastUpdated) first, then the line-item fields.
var KevelHeader = []string{
	"orderId", "userIdType", "userId", "currency", "total", "subtotal", "tax",
	"shipping", "discount", "refund", "paymentMethod", "shippingMethod",
	"shippingCountry", "source", "promotions", "createdAt", "lastUpdated",
	"lineItem_id", "lineItem_productId", "lineItem_itemGroupId", "lineItem_name",
	"lineItem_sku", "lineItem_brand", "lineItem_category", "lineItem_categories",
	"lineItem_currency", "lineItem_total", "lineItem_subtotal", "lineItem_tax",
	"lineItem_shipping", "lineItem_discount", "lineItem_refund", "lineItem_quantity",
	"lineItem_promotions", "lineItem_adult", "lineItem_subscriptionDuration",
	"lineItem_size", "lineItem_sizeSystem", "lineItem_status",
}

// orderFields is the number of order-level columns at the start of
// KevelHeader (orderId … lastUpdated): written on an order's first row only.
const orderFields = 17

// The defect kinds GenerateOrders injects, as keys of GenStats.Defects. Each
// defect row carries exactly one. The order-level kinds (EmptyCurrency,
// BadEmail, BadCreatedAt, and BadTotal on a first row, where it hits the
// order's total) only ever land on an order's first row; on continuation
// rows BadTotal hits lineItem_total.
const (
	DefectEmptyCurrency  = "empty_currency"       // currency empty on a first row
	DefectEmptyProductID = "empty_product_id"     // lineItem_productId empty
	DefectBadTotal       = "non_numeric_total"    // total (first row) or lineItem_total: n/a, 12,50, €19.99
	DefectBadEmail       = "bad_email"            // userIdType email with userId john.doe@, null, …
	DefectBadCreatedAt   = "bad_created_at"       // createdAt like 18/10/2020 02:58
	DefectUnknownStatus  = "unknown_status"       // lineItem_status outside the allowed set, e.g. shipped
	DefectBadQuantity    = "non_integer_quantity" // lineItem_quantity like two or 1.5
	DefectFieldCount     = "field_count"          // one field too many: an unquoted comma in lineItem_name
)

// defect is a defect kind as the generator tracks it; 0 is none.
type defect uint8

const (
	noDefect defect = iota
	// Order-level kinds: only on first rows.
	defEmptyCurrency
	defBadEmail
	defBadCreatedAt
	// Kinds that fit any row.
	defBadTotal
	defEmptyProductID
	defUnknownStatus
	defBadQuantity
	defFieldCount
	numDefects
)

// firstLineKind is the first kind that may land on a continuation row.
const firstLineKind = defBadTotal

var defectNames = [numDefects]string{
	defEmptyCurrency:  DefectEmptyCurrency,
	defBadEmail:       DefectBadEmail,
	defBadCreatedAt:   DefectBadCreatedAt,
	defBadTotal:       DefectBadTotal,
	defEmptyProductID: DefectEmptyProductID,
	defUnknownStatus:  DefectUnknownStatus,
	defBadQuantity:    DefectBadQuantity,
	defFieldCount:     DefectFieldCount,
}

// GenOptions configures GenerateOrders. The zero value (plus Orders) gives a
// clean file.
type GenOptions struct {
	// Orders is the number of distinct orders to write (required, 1..1e9).
	Orders int
	// Defects is the fraction of data rows carrying one defect, 0..1
	// (0 = clean). Each data row is defective with this probability.
	Defects float64
	// Repeats is the fraction of orders whose id comes back later as a
	// second, non-adjacent run of rows with changed content (0 = none).
	Repeats float64
	// Seed selects the orders: the same options and seed give the same
	// bytes. Customers and products do not depend on Seed, so files made
	// with different seeds share them, as two exports of one shop would.
	Seed int64
	// From and To bound createdAt, [From, To); zero means
	// 2020-01-01T00:00:00Z and 2023-01-01T00:00:00Z.
	From, To time.Time
	// RepeatOrderID writes orderId on continuation rows too. By default
	// only an order's first row carries it, with the other order-level
	// fields.
	RepeatOrderID bool
}

// Default createdAt range.
var (
	defaultFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	defaultTo   = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxOrders keeps order numbers within 10 digits.
const maxOrders = 1_000_000_000

// withDefaults fills From and To.
func (o GenOptions) withDefaults() GenOptions {
	if o.From.IsZero() {
		o.From = defaultFrom
	}
	if o.To.IsZero() {
		o.To = defaultTo
	}
	return o
}

// startSecond is the first whole second at or after t.
func startSecond(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// Validate reports the first option that GenerateOrders cannot use, naming
// the field.
func (o GenOptions) Validate() error {
	const base = "bench.GenOptions."
	o = o.withDefaults()
	switch {
	case o.Orders <= 0 || o.Orders > maxOrders:
		return fmt.Errorf("%sOrders: must be in 1..%d, got %d", base, maxOrders, o.Orders)
	case !(o.Defects >= 0 && o.Defects <= 1):
		return fmt.Errorf("%sDefects: must be a fraction in 0..1, got %v", base, o.Defects)
	case !(o.Repeats >= 0 && o.Repeats <= 1):
		return fmt.Errorf("%sRepeats: must be a fraction in 0..1, got %v", base, o.Repeats)
	case o.From.Year() < 1 || o.From.Year() > 9998:
		return fmt.Errorf("%sFrom: must lie in years 1..9998, got %s", base, o.From.Format(time.RFC3339))
	case o.To.Year() < 1 || o.To.Year() > 9998:
		return fmt.Errorf("%sTo: must lie in years 1..9998, got %s", base, o.To.Format(time.RFC3339))
	case o.To.Unix() <= startSecond(o.From):
		return fmt.Errorf("%sTo: must be at least a second after From (%s), got %s",
			base, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339))
	}
	return nil
}

// GenStats says what was written.
type GenStats struct {
	// Orders and data rows written (a repeated run counts as rows, not as
	// a new order).
	Orders, Rows int
	// Bytes written, header included. After a write error: the bytes
	// handed to the buffered writer, not all of which reached w.
	Bytes int64
	// Defects maps a defect kind (the Defect* constants) to the number of
	// rows carrying it. Kinds that did not occur are absent.
	Defects map[string]int
	// Repeated is the number of orders written twice.
	Repeated int
}

// Sizes of the buffers: rows are appended to a reused slice that is handed
// to a 1 MiB bufio.Writer whenever it passes flushAt.
const (
	writerSize = 1 << 20
	flushAt    = 64 << 10
)

// GenerateOrders writes a Kevel CSV (header + rows) to w: LF line endings,
// UTF-8 without BOM, fields quoted only where CSV needs it.
//
// Every order has 1–8 line items (mean about 2.5), one per row; the
// order-level fields are on its first row only. Orders are contiguous except
// for the second runs that Repeats asks for. Amounts have two decimals and
// add up on clean rows: total = subtotal + tax + shipping for the order and
// every line, the order's subtotal, tax, discount and refund are the sums of
// its lines', and its shipping is the lines' plus an order-level fee.
//
// On a write error it returns the error with the statistics of what was
// generated up to then.
func GenerateOrders(w io.Writer, o GenOptions) (GenStats, error) {
	if err := o.Validate(); err != nil {
		return GenStats{}, err
	}
	o = o.withDefaults()
	g := newGenerator(o)
	bw := bufio.NewWriterSize(w, writerSize)

	flush := func() error {
		if len(g.buf) == 0 {
			return nil
		}
		n, err := bw.Write(g.buf)
		g.bytes += int64(n)
		g.buf = g.buf[:0]
		if err != nil {
			return fmt.Errorf("bench: write orders at byte %d: %w", g.bytes, err)
		}
		return nil
	}

	g.buf = appendHeader(g.buf)
	var err error
	for i := 0; i < o.Orders && err == nil; i++ {
		g.model(i, &g.m)
		g.writeRun(&g.m)
		g.orders++
		// The last order is never repeated: nothing would follow it to
		// separate its two runs.
		if o.Repeats > 0 && i < o.Orders-1 && g.main.prob(o.Repeats) {
			g.queue.push(pending{slot: i + g.repeatDelay(), ord: i})
		}
		for len(g.queue) > 0 && g.queue[0].slot <= i {
			g.writeRepeat(g.queue.pop().ord)
		}
		if len(g.buf) >= flushAt {
			err = flush()
		}
	}
	for len(g.queue) > 0 && err == nil {
		g.writeRepeat(g.queue.pop().ord)
		if len(g.buf) >= flushAt {
			err = flush()
		}
	}
	if err == nil {
		err = flush()
	}
	if err == nil {
		if ferr := bw.Flush(); ferr != nil {
			err = fmt.Errorf("bench: write orders, flushing the last %d bytes: %w", bw.Buffered(), ferr)
		}
	}
	st := GenStats{
		Orders:   g.orders,
		Rows:     g.rows,
		Bytes:    g.bytes,
		Defects:  make(map[string]int),
		Repeated: g.repeated,
	}
	for d, n := range g.counts {
		if n > 0 {
			st.Defects[defectNames[d]] = n
		}
	}
	return st, err
}

// ---- random numbers ----

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

// ---- the model ----

// Number of products: groups of variantsPerGroup variants that share an
// itemGroupId, brand, category and base name.
const (
	productGroups    = 10_000
	variantsPerGroup = 4
	numProducts      = productGroups * variantsPerGroup
	maxItems         = 8
)

type product struct {
	num   int   // 0..numProducts-1
	cat   uint8 // index into categories
	brand uint8 // index into brands
	adj   uint8 // index into adjectives
	noun  uint8 // index into the category's nouns
	color int8  // index into colors, -1 = no colour in the name
	adult uint8 // 0 empty, 1 false, 2 true
	sub   uint8 // 0 none, else 1 + index into subscriptions
	price int64 // unit price in EUR cents
}

type item struct {
	prod     product
	size     int8 // index into sizes, -1 = none
	qty      int64
	status   uint8
	promo    uint8 // index into linePromos
	subtotal int64 // cents, after discount
	tax      int64
	shipping int64
	discount int64
	refund   int64
	total    int64
}

type order struct {
	idx      int
	num      int64 // printed as ORD-%010d
	user     int
	caseMode uint8 // e-mail case: 0 lower, 1 title, 2 upper
	space    uint8 // e-mail padding: 0 none, 1 leading, 2 trailing, 3 both
	upperHex bool
	country  uint8
	cur      uint8
	payment  uint8
	shipVia  uint8
	source   uint8
	promo    uint8
	zone     uint8 // 0 +hhmm, 1 Z, 2 +hh:mm
	offset   int32 // minutes east of UTC
	created  int64 // unix seconds
	updated  int64 // unix seconds, 0 = empty
	n        int
	items    [maxItems]item
	subtotal int64
	tax      int64
	shipping int64
	discount int64
	refund   int64
	total    int64
}

// pending is an order waiting for its second run: it is written after
// order slot has been.
type pending struct{ slot, ord int }

// pendingHeap is a min-heap of pending runs by (slot, ord).
type pendingHeap []pending

func (p pending) before(q pending) bool {
	return p.slot < q.slot || p.slot == q.slot && p.ord < q.ord
}

func (h *pendingHeap) push(p pending) {
	*h = append(*h, p)
	s := *h
	for i := len(s) - 1; i > 0; {
		j := (i - 1) / 2
		if !s[i].before(s[j]) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
}

func (h *pendingHeap) pop() pending {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		m := 2*i + 1
		if m >= n {
			break
		}
		if r := m + 1; r < n && s[r].before(s[m]) {
			m = r
		}
		if !s[m].before(s[i]) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

type generator struct {
	seed     uint64
	from     int64 // unix seconds
	span     int64 // seconds in [From, To)
	users    int
	defects  float64
	repeatID bool

	main rnd // defects, repeats and revisions
	ord  rnd // one order's content, reseeded per order
	usr  rnd // one customer, reseeded per order
	prd  rnd // one product, reseeded per line item

	tCountry, tPayment, tShipVia, tSource, tPromo table
	tItems, tQty, tSize, tStatus, tUserType       table
	tCase, tSpace, tZone, tDomain, tPhone         table

	m       order
	queue   pendingHeap
	buf     []byte
	scratch []byte

	orders, rows, repeated int
	bytes                  int64
	counts                 [numDefects]int
}

func newGenerator(o GenOptions) *generator {
	g := &generator{
		seed:     uint64(o.Seed),
		from:     startSecond(o.From),
		span:     o.To.Unix() - startSecond(o.From),
		users:    o.Orders/2 + 1,
		defects:  o.Defects,
		repeatID: o.RepeatOrderID,
		buf:      make([]byte, 0, flushAt+16<<10),
		scratch:  make([]byte, 0, 256),
	}
	g.main.seed(seedOf(keyMain, g.seed, 0))
	countryW := make([]int, len(countries))
	for k, c := range countries {
		countryW[k] = c.weight
	}
	g.tCountry = weights(countryW...)
	g.tPayment = weights(paymentWeights[:]...)
	g.tShipVia = weights(shipViaWeights[:]...)
	g.tSource = weights(sourceWeights[:]...)
	g.tPromo = weights(promoWeights[:]...)
	g.tItems = weights(92, 67, 38, 26, 13, 10, 5, 5) // 1..8 items, mean 2.52
	g.tQty = weights(180, 46, 16, 8, 6)              // quantity 1..5
	g.tSize = weights(50, 90, 76, 40)                // S M L XL
	g.tStatus = weights(statusWeights[:]...)
	g.tUserType = weights(205, 31, 13, 7) // email, email_sha256, phone, crm_id
	g.tCase = weights(150, 80, 26)        // lower, Title, UPPER
	g.tSpace = weights(240, 8, 5, 3)      // none, leading, trailing, both
	g.tZone = weights(240, 8, 8)          // +hhmm, Z, +hh:mm
	domainW := make([]int, len(domains))
	for k, d := range domains {
		domainW[k] = d.weight
	}
	g.tDomain = weights(domainW...)
	phoneW := make([]int, len(phones))
	for k := range phones {
		phoneW[k] = phones[k].weight
	}
	g.tPhone = weights(phoneW...)
	return g
}

// orderNumber maps order index i to a unique 10-digit number: a
// multiplicative permutation of 0..1e10-1 shifted by the seed, so numbers
// are unique within a file but not ascending.
func (g *generator) orderNumber(i int) int64 {
	const mod = 10_000_000_000
	const mul = 3_141_592_653 // odd and not a multiple of 5: invertible mod 1e10; i*mul < 2^64
	off := splitmix(g.seed^keyOrder) % mod
	return int64((uint64(i)*mul + off) % mod)
}

// repeatDelay is the number of orders between an order and its second run:
// half the time a few, else up to about 20,000 (so runs span batches).
func (g *generator) repeatDelay() int {
	if g.main.u64()&1 == 0 {
		return 1 + g.main.intn(20)
	}
	return 1 + g.main.intn(20_000)
}

// product fills p with product n's attributes (independent of the seed).
func (g *generator) product(n int, p *product) {
	grp, v := n/variantsPerGroup, n%variantsPerGroup
	r := &g.prd
	r.seed(seedOf(keyProduct, 0, uint64(grp)))
	c := r.intn(len(categories))
	cat := &categories[c]
	p.num = n
	p.cat = uint8(c)
	p.brand = uint8(r.intn(len(brands)))
	p.adj = uint8(r.intn(len(adjectives)))
	p.noun = uint8(r.intn(len(cat.nouns)))
	p.price = cat.minPrice + int64(r.intn(int(cat.maxPrice-cat.minPrice)))
	p.price += int64(v) * 100 // variants differ a little in price
	p.color = -1
	if r.prob(0.3) {
		p.color = int8((r.intn(len(colors)) + v) % len(colors))
	}
	switch {
	case cat.adult:
		p.adult = 2
	case r.prob(0.3):
		p.adult = 1
	default:
		p.adult = 0
	}
	p.sub = 0
	if cat.subscription {
		p.sub = uint8(1 + r.intn(len(subscriptions)))
	}
}

// localPrice converts EUR cents to a shelf price in currency cur: x.99, or
// whole hundreds for currencies without small units.
func localPrice(eur int64, cur int) int64 {
	rate := currencies[cur].per100
	v := eur * rate / 100
	if rate >= 10_000 {
		return (v/10_000 + 1) * 10_000
	}
	return (v/100+1)*100 - 1
}

// model fills m with order i's content: it depends only on the seed and i,
// so a repeated run can rebuild it.
func (g *generator) model(i int, m *order) {
	r := &g.ord
	r.seed(seedOf(keyOrder, g.seed, uint64(i)))
	m.idx = i
	m.num = g.orderNumber(i)
	m.user = r.intn(g.users)
	m.caseMode = uint8(r.pick(&g.tCase))
	m.space = uint8(r.pick(&g.tSpace))
	m.upperHex = r.intn(4) == 0
	c := r.pick(&g.tCountry)
	m.country = uint8(c)
	ctry := &countries[c]
	m.cur = ctry.cur
	if r.intn(100) < 5 { // cross-border: paid in EUR or USD
		m.cur = uint8(r.intn(2)) // curEUR or curUSD
	}
	m.payment = uint8(r.pick(&g.tPayment))
	m.shipVia = uint8(r.pick(&g.tShipVia))
	m.source = uint8(r.pick(&g.tSource))
	m.promo = uint8(r.pick(&g.tPromo))
	m.zone = uint8(r.pick(&g.tZone))
	m.created = g.from + int64(r.u64()%uint64(g.span))
	m.offset = int32(ctry.std)
	if summer(m.created, ctry.south) {
		m.offset = int32(ctry.dst)
	}
	m.updated = 0
	if r.intn(10) >= 4 {
		m.updated = m.created + int64(r.intn(30*86400))
	}

	promo := &promos[m.promo]
	base := r.pick(&g.tStatus)
	cur := int(m.cur)
	m.n = 1 + r.pick(&g.tItems)
	m.subtotal, m.tax, m.shipping, m.discount, m.refund = 0, 0, 0, 0, 0
	for k := 0; k < m.n; k++ {
		it := &m.items[k]
		x := r.u64() >> 32
		g.product(int((x*x>>32)*numProducts>>32), &it.prod) // popular products first
		cat := &categories[it.prod.cat]
		it.size = -1
		if cat.sized {
			it.size = int8(r.pick(&g.tSize))
		}
		it.qty = int64(1 + r.pick(&g.tQty))
		it.status = uint8(base)
		if r.intn(100) < 15 {
			it.status = uint8(r.pick(&g.tStatus))
		}
		gross := localPrice(it.prod.price, cur) * it.qty
		it.discount, it.promo = 0, 0
		if promo.pct > 0 {
			it.discount = (gross*promo.pct + 50) / 100
			it.promo = promo.line
		} else if r.intn(100) < 4 {
			it.discount = (gross*15 + 50) / 100
			it.promo = linePromoBundle
		}
		it.subtotal = gross - it.discount
		it.tax = (it.subtotal*ctry.taxBP + 5000) / 10000
		it.shipping = 0
		if cat.bulky {
			it.shipping = localPrice(1490, cur)
		}
		it.total = it.subtotal + it.tax + it.shipping
		m.subtotal += it.subtotal
		m.tax += it.tax
		m.shipping += it.shipping
		m.discount += it.discount
	}
	if !promo.freeShip && m.subtotal < localPrice(5000, cur) {
		m.shipping += localPrice(490, cur)
	}
	g.settle(m)
}

// settle sets refunds from the line statuses and the order's total.
func (g *generator) settle(m *order) {
	m.refund = 0
	for k := 0; k < m.n; k++ {
		it := &m.items[k]
		it.refund = 0
		if it.status == statusRefunded {
			it.refund = it.total
		}
		m.refund += it.refund
	}
	m.total = m.subtotal + m.tax + m.shipping
}

// revise changes an order for its second run, as a later export would
// show it: the line statuses move on and lastUpdated is set, later than
// any first run's.
func (g *generator) revise(m *order) {
	for k := 0; k < m.n; k++ {
		it := &m.items[k]
		switch it.status {
		case statusPlaced:
			it.status = statusPaid
			if g.main.intn(10) == 0 {
				it.status = statusCancelled
			}
		case statusPaid:
			it.status = statusFulfilled
		case statusFulfilled:
			if g.main.intn(7) == 0 {
				it.status = statusRefunded
			}
		}
	}
	m.updated = m.created + 31*86400 + int64(g.main.intn(60*86400))
	g.settle(m)
}

// summer reports whether daylight saving time is (roughly) in force at t:
// April–October in the north, October–March in the south.
func summer(t int64, south bool) bool {
	_, mo, _ := civil(floorDiv(t, 86400))
	in := mo >= 4 && mo <= 10
	return in != south
}

// ---- writing ----

func appendHeader(b []byte) []byte {
	for k, h := range KevelHeader {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, h...)
	}
	return append(b, '\n')
}

func (g *generator) writeRepeat(ord int) {
	g.model(ord, &g.m)
	g.revise(&g.m)
	g.writeRun(&g.m)
	g.repeated++
}

// writeRun writes all rows of m, drawing each row's defect.
func (g *generator) writeRun(m *order) {
	for k := 0; k < m.n; k++ {
		d := noDefect
		if g.defects > 0 && g.main.prob(g.defects) {
			if k == 0 {
				d = defect(1 + g.main.intn(int(numDefects)-1))
			} else {
				d = firstLineKind + defect(g.main.intn(int(numDefects-firstLineKind)))
			}
			g.counts[d]++
		}
		g.writeRow(m, k, d)
	}
	g.rows += m.n
}

const emptyOrderFields = ",,,,,,,,,,,,,,,,," // orderFields commas

func (g *generator) writeRow(m *order, k int, d defect) {
	b := g.buf
	it := &m.items[k]
	cur := currencies[m.cur].code
	switch {
	case k == 0:
		b = g.appendOrderFields(b, m, d)
	case g.repeatID:
		b = appendOrderID(b, m.num)
		b = append(b, emptyOrderFields...)
	default:
		b = append(b, emptyOrderFields...)
	}

	// lineItem_id: unique within the order.
	b = append(b, byte('1'+k), ',')
	if d != defEmptyProductID {
		b = append(b, 'P')
		b = strconv.AppendInt(b, int64(100_000+it.prod.num), 10)
	}
	b = append(b, ",G"...)
	b = strconv.AppendInt(b, int64(10_000+it.prod.num/variantsPerGroup), 10)
	b = append(b, ',')
	cat := &categories[it.prod.cat]
	if d == defFieldCount {
		b = append(b, badNames[it.prod.num%len(badNames)]...)
	} else {
		s := g.scratch[:0]
		s = append(s, adjectives[it.prod.adj]...)
		s = append(s, ' ')
		s = append(s, cat.nouns[it.prod.noun]...)
		if it.prod.color >= 0 {
			s = append(s, ", "...)
			s = append(s, colors[it.prod.color]...)
		}
		g.scratch = s
		b = appendField(b, s)
	}
	b = append(b, ",SKU-"...)
	b = strconv.AppendInt(b, int64(100_000+it.prod.num), 10)
	if it.size >= 0 {
		b = append(b, '-')
		b = append(b, sizes[it.size]...)
	}
	b = append(b, ',')
	b = appendField(b, brands[it.prod.brand])
	b = append(b, ',')
	b = append(b, cat.path...)
	b = append(b, ',')
	b = append(b, cat.parents...)
	b = append(b, ',')
	b = append(b, cur...)
	b = append(b, ',')
	if d == defBadTotal {
		b = appendBadMoney(b, it.total, m.num)
	} else {
		b = appendMoney(b, it.total)
	}
	b = append(b, ',')
	b = appendMoney(b, it.subtotal)
	b = append(b, ',')
	b = appendMoney(b, it.tax)
	b = append(b, ',')
	b = appendMoney(b, it.shipping)
	b = append(b, ',')
	b = appendMoney(b, it.discount)
	b = append(b, ',')
	b = appendMoney(b, it.refund)
	b = append(b, ',')
	if d == defBadQuantity {
		b = append(b, badQuantities[m.num%int64(len(badQuantities))]...)
	} else {
		b = strconv.AppendInt(b, it.qty, 10)
	}
	b = append(b, ',')
	b = append(b, linePromos[it.promo]...)
	b = append(b, ',')
	b = append(b, adults[it.prod.adult]...)
	b = append(b, ',')
	if it.prod.sub > 0 {
		b = strconv.AppendInt(b, subscriptions[it.prod.sub-1], 10)
	}
	b = append(b, ',')
	if it.size >= 0 {
		b = append(b, sizes[it.size]...)
		b = append(b, ',')
		b = append(b, sizeSystems[currencies[m.cur].sizeSys]...)
	} else {
		b = append(b, ',')
	}
	b = append(b, ',')
	if d == defUnknownStatus {
		b = append(b, badStatuses[m.num%int64(len(badStatuses))]...)
	} else {
		b = append(b, statuses[it.status]...)
	}
	g.buf = append(b, '\n')
}

func appendOrderID(b []byte, num int64) []byte {
	b = append(b, "ORD-"...)
	return appendPadded(b, num, 10)
}

// appendOrderFields writes the 17 order-level fields and their commas.
func (g *generator) appendOrderFields(b []byte, m *order, d defect) []byte {
	cur := currencies[m.cur].code
	b = appendOrderID(b, m.num)
	b = append(b, ',')
	if d == defBadEmail {
		b = append(b, "email,"...)
		b = append(b, badEmails[m.num%int64(len(badEmails))]...)
	} else {
		b = g.appendUser(b, m)
	}
	b = append(b, ',')
	if d != defEmptyCurrency {
		b = append(b, cur...)
	}
	b = append(b, ',')
	if d == defBadTotal {
		b = appendBadMoney(b, m.total, m.num)
	} else {
		b = appendMoney(b, m.total)
	}
	b = append(b, ',')
	b = appendMoney(b, m.subtotal)
	b = append(b, ',')
	b = appendMoney(b, m.tax)
	b = append(b, ',')
	b = appendMoney(b, m.shipping)
	b = append(b, ',')
	b = appendMoney(b, m.discount)
	b = append(b, ',')
	b = appendMoney(b, m.refund)
	b = append(b, ',')
	b = append(b, payments[m.payment]...)
	b = append(b, ',')
	b = appendField(b, shipVias[m.shipVia])
	b = append(b, ',')
	b = appendField(b, countries[m.country].name)
	b = append(b, ',')
	b = append(b, sources[m.source]...)
	b = append(b, ',')
	b = append(b, promos[m.promo].text...)
	b = append(b, ',')
	if d == defBadCreatedAt {
		b = appendBadTime(b, m.created+int64(m.offset)*60, m.num)
	} else {
		b = appendTime(b, m.created, m.offset, m.zone)
	}
	b = append(b, ',')
	if m.updated != 0 {
		b = appendTime(b, m.updated, m.offset, m.zone)
	}
	return append(b, ',')
}

// appendUser writes "userIdType,userId" for the order's customer. The
// customer (type, name, domain) depends only on its number; the spelling of
// an e-mail (case, stray spaces) and of a hash (hex case) varies per order.
func (g *generator) appendUser(b []byte, m *order) []byte {
	r := &g.usr
	r.seed(seedOf(keyUser, 0, uint64(m.user)))
	typ := r.pick(&g.tUserType)
	switch typ {
	case 2: // phone
		ph := &phones[r.pick(&g.tPhone)]
		b = append(b, "phone,"...)
		b = append(b, ph.prefix...)
		for j := 0; j < ph.digits; j++ {
			d := r.intn(10)
			if j == 0 && ph.prefix == "+1" {
				d = 2 + r.intn(8) // NANP area codes start with 2-9
			}
			b = append(b, byte('0'+d))
		}
		return b
	case 3: // custom type
		b = append(b, "crm_id,C-"...)
		return strconv.AppendInt(b, int64(10_000+m.user), 10)
	}
	// e-mail, canonical (lower-case) form into scratch
	s := g.scratch[:0]
	first := firstNames[r.intn(len(firstNames))]
	last := lastNames[r.intn(len(lastNames))]
	switch r.intn(10) {
	case 0, 1, 2, 3, 4:
		s = append(s, first...)
		s = append(s, '.')
		s = append(s, last...)
	case 5, 6:
		s = append(s, first[0], '.')
		s = append(s, last...)
	case 7:
		s = append(s, first...)
		s = append(s, '_')
		s = append(s, last...)
	default:
		s = append(s, first...)
		s = append(s, last...)
		s = strconv.AppendInt(s, int64(r.intn(100)), 10)
	}
	s = append(s, '@')
	s = append(s, domains[r.pick(&g.tDomain)].name...)
	g.scratch = s
	if typ == 1 {
		sum := sha256.Sum256(s)
		b = append(b, "email_sha256,"...)
		digits := lowerHex
		if m.upperHex {
			digits = upperHex
		}
		for _, c := range sum {
			b = append(b, digits[c>>4], digits[c&15])
		}
		return b
	}
	b = append(b, "email,"...)
	needQuote := m.space != 0
	if needQuote {
		b = append(b, '"')
	}
	if m.space&1 != 0 {
		b = append(b, ' ')
	}
	switch m.caseMode {
	case 0:
		b = append(b, s...)
	case 1: // Title case words, upper-case top-level domain
		tld := len(s)
		for j := len(s) - 1; j >= 0; j-- {
			if s[j] == '.' {
				tld = j
				break
			}
		}
		for j, c := range s {
			if j == 0 || j > tld || isSep(s[j-1]) {
				c = upper(c)
			}
			b = append(b, c)
		}
	default:
		for _, c := range s {
			b = append(b, upper(c))
		}
	}
	if m.space&2 != 0 {
		b = append(b, ' ')
	}
	if needQuote {
		b = append(b, '"')
	}
	return b
}

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

func isSep(c byte) bool { return c == '.' || c == '_' || c == '@' }

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// appendField appends s as one CSV field, quoted only if it holds a comma,
// a quote, CR or LF, or starts or ends with a space or tab.
func appendField[T string | []byte](b []byte, s T) []byte {
	quote := len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t')
	quotes := false
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '"':
			quotes = true
			quote = true
		case ',', '\r', '\n':
			quote = true
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	if !quotes {
		b = append(b, s...)
	} else {
		for j := 0; j < len(s); j++ {
			if s[j] == '"' {
				b = append(b, '"')
			}
			b = append(b, s[j])
		}
	}
	return append(b, '"')
}

// appendMoney appends cents (≥ 0) with two decimals.
func appendMoney(b []byte, cents int64) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	c := cents % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// appendBadMoney appends a non-numeric rendering of cents, chosen by n:
// n/a, a decimal comma (quoted, as CSV needs) or a currency sign.
func appendBadMoney(b []byte, cents int64, n int64) []byte {
	switch n % 3 {
	case 0:
		return append(b, "n/a"...)
	case 1:
		b = append(b, '"')
		b = strconv.AppendInt(b, cents/100, 10)
		c := cents % 100
		return append(b, ',', byte('0'+c/10), byte('0'+c%10), '"')
	default:
		b = append(b, "€"...)
		return appendMoney(b, cents)
	}
}

// appendPadded appends v (≥ 0) zero-padded to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var d [20]byte
	i := len(d)
	for v > 0 || i > len(d)-width {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[i:]...)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// appendTime appends unix time t in ISO-8601 at offset minutes east of UTC:
// zone 0 as 2020-10-18T02:58:12+0200, 1 as UTC with Z, 2 with +02:00.
func appendTime(b []byte, t int64, offset int32, zone uint8) []byte {
	if zone == 1 {
		offset = 0
	}
	local := t + int64(offset)*60
	days := floorDiv(local, 86400)
	secs := int(local - days*86400)
	y, mo, d := civil(days)
	b = appendPadded(b, int64(y), 4)
	b = append(b, '-')
	b = append2(b, mo)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	b = append2(b, secs%60)
	if zone == 1 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	b = append(b, sign)
	b = append2(b, int(offset/60))
	if zone == 2 {
		b = append(b, ':')
	}
	return append2(b, int(offset%60))
}

// appendBadTime appends local time t in a form that is not ISO-8601:
// 18/10/2020 02:58, or a zero date.
func appendBadTime(b []byte, local int64, n int64) []byte {
	if n%4 == 0 {
		return append(b, "0000-00-00 00:00:00"...)
	}
	days := floorDiv(local, 86400)
	secs := int(local - days*86400)
	y, mo, d := civil(days)
	b = append2(b, d)
	b = append(b, '/')
	b = append2(b, mo)
	b = append(b, '/')
	b = appendPadded(b, int64(y), 4)
	b = append(b, ' ')
	b = append2(b, secs/3600)
	b = append(b, ':')
	return append2(b, secs/60%60)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse).
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}

// ---- vocabulary (read-only) ----

type currency struct {
	code    string
	per100  int64 // units per 100 EUR units
	sizeSys uint8 // index into sizeSystems
}

// currencies; EUR and USD must stay first (cross-border orders pick 0 or 1).
var currencies = [...]currency{
	{"EUR", 100, 0}, {"USD", 110, 1}, {"GBP", 85, 2}, {"CHF", 95, 0},
	{"SEK", 1150, 0}, {"JPY", 16000, 0}, {"PLN", 430, 0}, {"KRW", 145000, 0},
	{"DKK", 745, 0}, {"NOK", 1170, 0}, {"CAD", 150, 1}, {"AUD", 165, 2},
}

const (
	curEUR = iota
	curUSD
	curGBP
	curCHF
	curSEK
	curJPY
	curPLN
	curKRW
	curDKK
	curNOK
	curCAD
	curAUD
)

var sizeSystems = [...]string{"EU", "US", "UK"}

type country struct {
	name     string
	weight   int
	cur      uint8
	taxBP    int64 // tax rate in basis points
	std, dst int16 // UTC offset in minutes, standard and summer time
	south    bool  // southern hemisphere: summer time around January
}

var countries = [...]country{
	{"Germany", 60, curEUR, 1900, 60, 120, false},
	{"France", 30, curEUR, 2000, 60, 120, false},
	{"United Kingdom", 30, curGBP, 2000, 0, 60, false},
	{"United States", 36, curUSD, 725, -300, -240, false},
	{"Netherlands", 12, curEUR, 2100, 60, 120, false},
	{"Austria", 10, curEUR, 2000, 60, 120, false},
	{"Switzerland", 10, curCHF, 810, 60, 120, false},
	{"Spain", 10, curEUR, 2100, 60, 120, false},
	{"Italy", 10, curEUR, 2200, 60, 120, false},
	{"Sweden", 8, curSEK, 2500, 60, 120, false},
	{"Poland", 8, curPLN, 2300, 60, 120, false},
	{"Belgium", 6, curEUR, 2100, 60, 120, false},
	{"Denmark", 5, curDKK, 2500, 60, 120, false},
	{"Norway", 5, curNOK, 2500, 60, 120, false},
	{"Japan", 5, curJPY, 1000, 540, 540, false},
	{"Korea, Republic of", 4, curKRW, 1000, 540, 540, false},
	{"Canada", 4, curCAD, 1300, -300, -240, false},
	{"Australia", 3, curAUD, 1000, 600, 660, true},
}

var payments = [...]string{"Visa", "Mastercard", "PayPal", "Klarna", "American Express",
	"Apple Pay", "Google Pay", "SEPA Direct Debit", ""}
var paymentWeights = [len(payments)]int{70, 50, 55, 25, 12, 14, 6, 8, 16}

var shipVias = [...]string{"UPS", "DHL", "DPD", "GLS", "FedEx", "Hermes", "Click & Collect",
	"Royal Mail", "USPS", ""}
var shipViaWeights = [len(shipVias)]int{50, 70, 30, 20, 18, 22, 16, 10, 10, 10}

var sources = [...]string{"web", "app", "phone call", "POS"}
var sourceWeights = [len(sources)]int{150, 70, 16, 20}

// Line-item promotions; index 0 is none.
var linePromos = [...]string{"", "SUMMER10", "WELCOME5", "BLACKFRIDAY20", "BUNDLE15"}

const linePromoBundle = 4

type promo struct {
	text     string
	pct      int64 // discount on every line, percent
	line     uint8 // index into linePromos for discounted lines
	freeShip bool
}

var promos = [...]promo{
	{"", 0, 0, false},
	{"SUMMER10", 10, 1, false},
	{"FREESHIP", 0, 0, true},
	{"SUMMER10;FREESHIP", 10, 1, true},
	{"WELCOME5", 5, 2, false},
	{"BLACKFRIDAY20", 20, 3, false},
}
var promoWeights = [len(promos)]int{150, 22, 40, 14, 18, 12}

const (
	statusPlaced = iota
	statusPaid
	statusFulfilled
	statusRefunded
	statusCancelled
)

var statuses = [...]string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
var statusWeights = [len(statuses)]int{26, 56, 148, 16, 10}

var sizes = [...]string{"S", "M", "L", "XL"}

// adults renders product.adult.
var adults = [...]string{"", "false", "true"}

// subscriptions are durations in milliseconds: 30, 90 and 365 days.
var subscriptions = [...]int64{2_592_000_000, 7_776_000_000, 31_536_000_000}

type category struct {
	path         string // the leaf, "A > B > C"
	parents      string // its ancestors, most general first, ';'-separated
	nouns        []string
	minPrice     int64 // EUR cents
	maxPrice     int64
	sized        bool
	adult        bool
	bulky        bool // ships at a per-line fee
	subscription bool
}

var categories = [...]category{
	{path: "Men > Shirts > Short Sleeve Shirts", parents: "Men;Men > Shirts",
		nouns: []string{"Oxford Shirt", "Polo Shirt", "Linen Shirt", "Hawaiian Shirt"}, minPrice: 1999, maxPrice: 6999, sized: true},
	{path: "Men > Trousers > Chinos", parents: "Men;Men > Trousers",
		nouns: []string{"Chino", "Cargo Pants", "Jogger"}, minPrice: 2999, maxPrice: 8999, sized: true},
	{path: "Women > Dresses > Maxi Dresses", parents: "Women;Women > Dresses",
		nouns: []string{"Maxi Dress", "Wrap Dress", "Robe d'été"}, minPrice: 3999, maxPrice: 12999, sized: true},
	{path: "Women > Tops > T-Shirts", parents: "Women;Women > Tops",
		nouns: []string{"Tee", "Tank Top", "Longsleeve"}, minPrice: 999, maxPrice: 3999, sized: true},
	{path: "Sports > Running > Jackets", parents: "Sports;Sports > Running",
		nouns: []string{"Running Jacket", "Windbreaker", "Straßenlauf Jacke"}, minPrice: 4999, maxPrice: 14999, sized: true},
	{path: "Kids > Toys > Puzzles", parents: "Kids;Kids > Toys",
		nouns: []string{"Puzzle, 1000 pieces", "Jigsaw", "Floor Puzzle"}, minPrice: 999, maxPrice: 3999},
	{path: "Home > Kitchen > Mugs", parents: "Home;Home > Kitchen",
		nouns: []string{"Mug", "Café au Lait Bowl", "Teapot"}, minPrice: 799, maxPrice: 3999},
	{path: "Home > Decor > Candles", parents: "Home;Home > Decor",
		nouns: []string{"Crème Brûlée Candle", "Scented Candle", "Tea Lights"}, minPrice: 599, maxPrice: 2999},
	{path: "Home > Furniture > Chairs", parents: "Home;Home > Furniture",
		nouns: []string{"Chair", "Bar Stool", "Rocking Chair"}, minPrice: 4999, maxPrice: 29999, bulky: true},
	{path: "Beauty > Skincare > Serums", parents: "Beauty;Beauty > Skincare",
		nouns: []string{"Serum", "Night Cream", "Eye Gel"}, minPrice: 1299, maxPrice: 5999},
	{path: "Electronics > Audio > Headphones", parents: "Electronics;Electronics > Audio",
		nouns: []string{"Headphones", "Earbuds", "Speaker"}, minPrice: 2999, maxPrice: 24999},
	{path: "Food & Drink > Tea > Green Tea", parents: "Food & Drink;Food & Drink > Tea",
		nouns: []string{"日本 Matcha Set", "Sencha", "Genmaicha"}, minPrice: 699, maxPrice: 4999},
	{path: "Food & Drink > Wine > Red Wine", parents: "Food & Drink;Food & Drink > Wine",
		nouns: []string{"Rioja Reserva", "Château Bordeaux", "Barolo"}, minPrice: 899, maxPrice: 5999, adult: true},
	{path: "Subscriptions > Coffee > Monthly Box", parents: "Subscriptions;Subscriptions > Coffee",
		nouns: []string{"Coffee Club Box", "Espresso Box"}, minPrice: 1999, maxPrice: 3999, subscription: true},
	{path: "Party > Supplies > Balloons", parents: "Party;Party > Supplies",
		nouns: []string{"Party Pack 🎉", "Balloons", "Confetti"}, minPrice: 299, maxPrice: 1999},
	{path: "Books > Fiction > Crime", parents: "Books;Books > Fiction",
		nouns: []string{`Mystery "Night Train"`, "Thriller", "Novel"}, minPrice: 899, maxPrice: 2999},
}

var adjectives = [...]string{"Classic", "Essential", "Premium", "Organic", "Vintage",
	"Relaxed", "Deluxe", "Eco", "Signature", "Soft", `The "Everyday"`, "Élégant", "Große",
	"Basic"}

var colors = [...]string{"Navy", "Black", "White", "Olive", "Bordeaux Red", "Crème",
	"Sky Blue", "Grey Melange"}

var brands = [...]string{"Nordwind", "Müller & Söhne", "Café Noir", "Acme", "Blue Harbor",
	"Smith, Jones & Co", "Ōkami", "Zephyr", "Kranich", "Maison Lumière", "North Peak",
	"Urban Fox"}

// Defect renderings.
var (
	// badNames have a comma and no quote, written unquoted: one field too many.
	badNames      = [...]string{"Basic Tee, Navy", "Socks, 3 pack", "Mug, white", "Hoodie, Grey Melange"}
	badEmails     = [...]string{"john.doe@", "null", "anna.schmidt.example.com", "NULL", "undefined"}
	badStatuses   = [...]string{"shipped", "returned", "on_hold"}
	badQuantities = [...]string{"two", "1.5", "2x"}
)

var firstNames = [...]string{"anna", "lukas", "marie", "jonas", "sophie", "leon", "emma",
	"paul", "julia", "felix", "laura", "max", "chloe", "hugo", "olivia", "noah", "james",
	"emily", "liam", "yuki", "minjun", "sven", "ingrid", "piotr", "zofia", "lucia", "marco"}

var lastNames = [...]string{"schmidt", "mueller", "schneider", "fischer", "weber", "martin",
	"bernard", "dubois", "smith", "jones", "brown", "taylor", "johansson", "nowak",
	"kowalski", "tanaka", "kim", "rossi", "garcia", "oconnor", "meyer", "wagner", "becker",
	"hoffmann"}

type domain struct {
	name   string
	weight int
}

var domains = [...]domain{{"gmail.com", 70}, {"web.de", 25}, {"gmx.de", 25},
	{"yahoo.com", 20}, {"outlook.com", 25}, {"hotmail.co.uk", 15}, {"orange.fr", 15},
	{"icloud.com", 20}, {"t-online.de", 12}, {"proton.me", 8}, {"example.com", 21}}

type phone struct {
	prefix string
	digits int // digits after the prefix
	weight int
}

var phones = [...]phone{{"+49151", 8, 30}, {"+49170", 8, 20}, {"+336", 8, 20},
	{"+447", 9, 20}, {"+1", 10, 25}, {"+467", 8, 8}, {"+4860", 7, 8}, {"+4179", 7, 8},
	{"+8190", 8, 5}, {"+8210", 8, 5}}
