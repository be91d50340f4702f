package bench

import (
	"io"
	"strconv"

	"ingot/columnar"
)

// The Shopify "Export orders" writer: the same model as the Kevel writer
// (customers, products, orders, repeats and defects), written as Shopify
// exports it. Name, Email and Created at are repeated on continuation
// rows; Id, the order totals, Currency and Financial Status are on an
// order's first row only. Columns ingot ignores are written too (Billing
// Zip with Shopify's leading apostrophe, Notes that sometimes span lines,
// Vendor, Tags, …) so that the reader skips them as it would in a real
// export. Prices exclude tax: Total = Subtotal + Shipping + Taxes.

// ShopifyHeader is the column names the Shopify writer writes: a subset of
// Shopify's 79-column export, in its order.
var ShopifyHeader = []string{
	"Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
	"Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
	"Discount Code", "Discount Amount", "Shipping Method", "Created at",
	"Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
	"Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
	"Lineitem fulfillment status", "Billing Zip", "Shipping Country", "Notes",
	"Payment Method", "Refunded Amount", "Vendor", "Id", "Tags", "Source", "Lineitem discount",
}

// GenerateShopify writes o.Orders synthetic orders as a Shopify "Export
// orders" CSV to w (see GenerateOrders for the options, the defects and
// the repeats; a defect lands on the Shopify column of the same meaning).
func GenerateShopify(w io.Writer, o GenOptions) (GenStats, error) {
	return generateFormat(w, o, appendShopifyHeader, (*generator).writeShopifyRow)
}

func appendShopifyHeader(b []byte) []byte {
	for k, h := range ShopifyHeader {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, h...)
	}
	return append(b, '\n')
}

// shopifyFinancial maps the model's status of an order's first item to a
// Financial Status.
var shopifyFinancial = [len(statuses)]string{"pending", "paid", "paid", "refunded", "voided"}

func (g *generator) writeShopifyRow(m *order, k int, d defect) {
	b := g.buf
	it := &m.items[k]
	cur := currencies[m.cur].code
	st := m.items[0].status
	// Name, Email: on every row.
	b = append(b, '#')
	b = strconv.AppendInt(b, m.num, 10)
	b = append(b, ',')
	if d == defBadEmail && k == 0 {
		b = append(b, badEmails[m.num%int64(len(badEmails))]...)
	} else {
		b = g.appendEmail(b, m)
	}
	b = append(b, ',')
	if k == 0 {
		b = append(b, shopifyFinancial[st]...)
		b = append(b, ',')
		if st != 0 {
			b = appendShopifyTime(b, m.created+600, m.offset)
		}
		b = append(b, ',')
		if st == 2 {
			b = append(b, "fulfilled,"...)
			b = appendShopifyTime(b, m.created+86400, m.offset)
		} else {
			b = append(b, "unfulfilled,"...)
		}
		b = append(b, ",no,"...)
		if d != defEmptyCurrency {
			b = append(b, cur...)
		}
		var sub, disc int64
		for j := range m.n {
			sub += localPrice(m.items[j].prod.price, int(m.cur))*m.items[j].qty - m.items[j].discount
			disc += m.items[j].discount
		}
		b = append(b, ',')
		b = appendMoney(b, sub)
		b = append(b, ',')
		b = appendMoney(b, m.shipping)
		b = append(b, ',')
		b = appendMoney(b, m.tax)
		b = append(b, ',')
		if d == defBadTotal {
			b = appendBadMoney(b, sub+m.shipping+m.tax, m.num)
		} else {
			b = appendMoney(b, sub+m.shipping+m.tax)
		}
		b = append(b, ',')
		b = append(b, promos[m.promo].text...)
		b = append(b, ',')
		b = appendMoney(b, disc)
		b = append(b, ',')
		b = appendField(b, shipVias[m.shipVia])
	} else {
		b = append(b, ",,,,,,,,,,,,"...) // the 13 order fields from Financial Status to Shipping Method
	}
	b = append(b, ',')
	if d == defBadCreatedAt && k == 0 {
		b = appendBadTime(b, m.created+int64(m.offset)*60, m.num)
	} else {
		b = appendShopifyTime(b, m.created, m.offset)
	}
	b = append(b, ',')
	if d == defBadQuantity {
		b = append(b, badQuantities[m.num%int64(len(badQuantities))]...)
	} else {
		b = strconv.AppendInt(b, it.qty, 10)
	}
	b = append(b, ',')
	cat := &categories[it.prod.cat]
	if d == defFieldCount {
		b = append(b, badNames[it.prod.num%len(badNames)]...)
	} else {
		s := g.scratch[:0]
		s = append(s, adjectives[it.prod.adj]...)
		s = append(s, ' ')
		s = append(s, cat.nouns[it.prod.noun]...)
		if it.size >= 0 {
			s = append(s, " - "...)
			s = append(s, sizes[it.size]...)
		}
		g.scratch = s
		b = appendField(b, s)
	}
	unit := localPrice(it.prod.price, int(m.cur))
	b = append(b, ',')
	if d == defBadTotal && k > 0 {
		b = appendBadMoney(b, unit, m.num)
	} else {
		b = appendMoney(b, unit)
	}
	b = append(b, ',')
	if it.promo > 0 {
		b = appendMoney(b, unit+unit/5)
	}
	b = append(b, ',')
	if d != defEmptyProductID {
		b = append(b, "SKU-"...)
		b = strconv.AppendInt(b, int64(100_000+it.prod.num), 10)
		if it.size >= 0 {
			b = append(b, '-')
			b = append(b, sizes[it.size]...)
		}
	}
	b = append(b, ",true,true,"...)
	switch {
	case d == defUnknownStatus:
		b = append(b, badStatuses[m.num%int64(len(badStatuses))]...)
	case it.status == 2:
		b = append(b, "fulfilled"...)
	case it.status == 3 && k > 0:
		b = append(b, "restocked"...)
	default:
		b = append(b, "pending"...)
	}
	b = append(b, ",'"...) // Billing Zip, with Shopify's Excel guard
	b = appendPadded(b, m.num%100_000, 5)
	b = append(b, ',')
	if k == 0 {
		b = appendField(b, countries[m.country].name)
		b = append(b, ',')
		if m.num%7 == 0 {
			b = append(b, "\"Please leave the parcel\nat the back door, thanks\""...)
		}
		b = append(b, ',')
		b = appendField(b, payments[m.payment])
		b = append(b, ',')
		b = appendMoney(b, m.refund)
	} else {
		b = append(b, ",,,"...)
	}
	b = append(b, ',')
	b = appendField(b, brands[it.prod.brand])
	b = append(b, ',')
	if k == 0 {
		b = strconv.AppendInt(b, 4_000_000_000_000+m.num, 10)
		b = append(b, ",\"vip, newsletter\","...)
		b = append(b, sources[m.source]...)
	} else {
		b = append(b, ",,"...)
	}
	b = append(b, ',')
	b = appendMoney(b, it.discount)
	g.buf = append(b, '\n')
}

// appendEmail appends the order's customer's e-mail address (lower case;
// Shopify normalises it).
func (g *generator) appendEmail(b []byte, m *order) []byte {
	r := &g.usr
	r.seed(seedOf(keyUser, 0, uint64(m.user)))
	b = append(b, firstNames[r.intn(len(firstNames))]...)
	b = append(b, '.')
	b = append(b, lastNames[r.intn(len(lastNames))]...)
	b = strconv.AppendInt(b, int64(m.user%1000), 10)
	b = append(b, '@')
	return append(b, domains[r.pick(&g.tDomain)].name...)
}

// appendShopifyTime appends t (unix seconds) at offset minutes east of UTC
// as Shopify writes it: 2021-03-04 10:11:12 +0100.
func appendShopifyTime(b []byte, t int64, offset int32) []byte {
	local := t + int64(offset)*60
	days := floorDiv(local, 86400)
	secs := int(local - days*86400)
	y, mo, d := columnar.CivilFromDays(days)
	b = appendPadded(b, int64(y), 4)
	b = append(b, '-')
	b = append2(b, mo)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, ' ')
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	b = append2(b, secs%60)
	b = append(b, ' ')
	off := offset
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = append2(b, int(off/60))
	return append2(b, int(off%60))
}
