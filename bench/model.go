package bench

import "ingot/columnar"

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
	row     func(g *generator, m *order, k int, d defect) // the format's row writer
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
	_, mo, _ := columnar.CivilFromDays(floorDiv(t, 86400))
	in := mo >= 4 && mo <= 10
	return in != south
}
