package bench

import (
	"crypto/sha256"
	"strconv"

	"ingot/columnar"
)

// The Kevel CSV writer: the header and one row per line item, order
// fields on an order's first row, defects injected where the model says.

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
		g.row(g, m, k, d)
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
		digits := columnar.HexDigits
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

// upperHex spells some sha256 user ids in upper case, as exports do.
const upperHex = "0123456789ABCDEF"

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
	y, mo, d := columnar.CivilFromDays(days)
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
	y, mo, d := columnar.CivilFromDays(days)
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
