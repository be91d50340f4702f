package bench

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"ingot/formats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Column indexes, in the order of the design's Kevel field table.
const (
	cOrderID = iota
	cUserIDType
	cUserID
	cCurrency
	cTotal
	cSubtotal
	cTax
	cShipping
	cDiscount
	cRefund
	cPaymentMethod
	cShippingMethod
	cShippingCountry
	cSource
	cPromotions
	cCreatedAt
	cLastUpdated
	cLineID
	cProductID
	cItemGroupID
	cName
	cSKU
	cBrand
	cCategory
	cCategories
	cLineCurrency
	cLineTotal
	cLineSubtotal
	cLineTax
	cLineShipping
	cLineDiscount
	cLineRefund
	cQuantity
	cLinePromotions
	cAdult
	cSubscription
	cSize
	cSizeSystem
	cStatus
	numCols
)

// designHeader is the field table of design section 2, copied by hand.
var designHeader = []string{
	"orderId", "userIdType", "userId", "currency", "total", "subtotal", "tax", "shipping",
	"discount", "refund", "paymentMethod", "shippingMethod", "shippingCountry", "source",
	"promotions", "createdAt", "lastUpdated", "lineItem_id", "lineItem_productId",
	"lineItem_itemGroupId", "lineItem_name", "lineItem_sku", "lineItem_brand",
	"lineItem_category", "lineItem_categories", "lineItem_currency", "lineItem_total",
	"lineItem_subtotal", "lineItem_tax", "lineItem_shipping", "lineItem_discount",
	"lineItem_refund", "lineItem_quantity", "lineItem_promotions", "lineItem_adult",
	"lineItem_subscriptionDuration", "lineItem_size", "lineItem_sizeSystem", "lineItem_status",
}

var (
	reOrderID = regexp.MustCompile(`^ORD-[0-9]{10}$`)
	reMoney   = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)
	reInt     = regexp.MustCompile(`^[0-9]+$`)
	reEmail   = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
	reHex64   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	reE164    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	reCurr    = regexp.MustCompile(`^[A-Z]{3}$`)

	reZoneCompact = regexp.MustCompile(`[+-][0-9]{4}$`)
	reZoneColon   = regexp.MustCompile(`[+-][0-9]{2}:[0-9]{2}$`)
)

var validStatus = map[string]bool{"placed": true, "paid": true, "fulfilled": true, "refunded": true, "cancelled": true}

// parseTime accepts the three createdAt spellings the generator writes.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// cents parses a clean money value; ok is false if it is not one.
func cents(s string) (v int64, ok bool) {
	if !reMoney.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	return v, err == nil
}

// run is one contiguous run of an order's rows.
type run struct {
	id    string
	line  int // line of the first row (1-based, header = 1)
	rows  int
	first []string // the first row's fields
	clean bool     // no defect on any row
	// sums of the line items
	total, subtotal, tax, shipping, discount, refund int64
}

// scanned is what a re-scan of a generated file finds.
type scanned struct {
	rows    int
	runs    []run
	defects map[string]int
	months  map[string]bool
	records [][]string
}

// encodeMinimal writes rec as one CSV line, quoting only where needed:
// what the generator promises to do.
func encodeMinimal(rec []string) string {
	var sb strings.Builder
	for k, f := range rec {
		if k > 0 {
			sb.WriteByte(',')
		}
		need := strings.ContainsAny(f, ",\"\r\n") ||
			f != "" && (f[0] == ' ' || f[0] == '\t' || f[len(f)-1] == ' ' || f[len(f)-1] == '\t')
		if !need {
			sb.WriteString(f)
			continue
		}
		sb.WriteByte('"')
		sb.WriteString(strings.ReplaceAll(f, `"`, `""`))
		sb.WriteByte('"')
	}
	return sb.String()
}

// scanOrders parses data with encoding/csv and checks every structural
// promise of GenerateOrders; it classifies defects by looking at the
// values, independently of the generator. (Plain conditions rather than
// require calls per value keep it fast on 50,000 rows.)
func scanOrders(t *testing.T, data []byte, repeatID bool) scanned {
	t.Helper()
	require.True(t, utf8.Valid(data), "output is not UTF-8")
	require.False(t, bytes.HasPrefix(data, []byte("\xef\xbb\xbf")), "output starts with a BOM")
	require.NotContains(t, string(data), "\r", "output has CR")
	require.True(t, bytes.HasSuffix(data, []byte("\n")), "output does not end with LF")
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")

	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, len(lines), "a record spans lines")
	require.Equal(t, KevelHeader, recs[0])

	s := scanned{defects: map[string]int{}, months: map[string]bool{}, records: recs[1:]}
	var (
		cur     *run
		lineIDs map[string]bool
		line    int
	)
	check := func(ok bool, format string, args ...any) {
		if !ok {
			t.Helper()
			t.Fatalf("line %d: %s\n%s", line, fmt.Sprintf(format, args...), lines[line-1])
		}
	}
	money := func(s, what string) int64 {
		v, ok := cents(s)
		check(ok, "%s: %q is not money", what, s)
		return v
	}
	endRun := func() {
		if cur == nil {
			return
		}
		check(cur.rows >= 1 && cur.rows <= 8, "order %s has %d rows", cur.id, cur.rows)
		if cur.clean {
			f := cur.first
			line = cur.line
			check(money(f[cSubtotal], "subtotal") == cur.subtotal, "subtotal is not the sum of the lines' %d", cur.subtotal)
			check(money(f[cTax], "tax") == cur.tax, "tax is not the sum of the lines' %d", cur.tax)
			check(money(f[cDiscount], "discount") == cur.discount, "discount is not the sum of the lines' %d", cur.discount)
			check(money(f[cRefund], "refund") == cur.refund, "refund is not the sum of the lines' %d", cur.refund)
			ship := money(f[cShipping], "shipping")
			check(ship >= cur.shipping, "shipping below the lines' %d", cur.shipping)
			check(money(f[cTotal], "total") == cur.total+ship-cur.shipping,
				"total is not Σ line totals %d + order shipping %d", cur.total, ship-cur.shipping)
		}
		s.runs = append(s.runs, *cur)
		cur = nil
	}

	for i, rec := range recs[1:] {
		line = i + 2
		s.rows++
		check(len(rec) == numCols || len(rec) == numCols+1, "%d fields", len(rec))
		first := rec[cUserIDType] != ""
		if first {
			endRun()
			line = i + 2
			check(reOrderID.MatchString(rec[cOrderID]), "orderId %q", rec[cOrderID])
			cur = &run{id: rec[cOrderID], line: line, first: rec, clean: true}
			lineIDs = map[string]bool{}
		} else {
			check(cur != nil, "continuation row before any order")
			if repeatID {
				check(rec[cOrderID] == cur.id, "orderId %q on a continuation row of %s", rec[cOrderID], cur.id)
			} else {
				check(rec[cOrderID] == "", "orderId %q on a continuation row", rec[cOrderID])
			}
			for c := cOrderID + 1; c < orderFields; c++ {
				check(rec[c] == "", "order field %s on a continuation row", KevelHeader[c])
			}
		}
		cur.rows++

		if len(rec) == numCols+1 {
			s.defects[DefectFieldCount]++
			cur.clean = false
			continue
		}
		check(lines[i+1] == encodeMinimal(rec), "quoted differently from %s", encodeMinimal(rec))

		var kinds []string
		if first {
			if rec[cCurrency] == "" {
				kinds = append(kinds, DefectEmptyCurrency)
			}
			if !reMoney.MatchString(rec[cTotal]) {
				kinds = append(kinds, DefectBadTotal)
			}
			if rec[cUserIDType] == "email" && !reEmail.MatchString(strings.TrimSpace(rec[cUserID])) {
				kinds = append(kinds, DefectBadEmail)
			}
			if _, ok := parseTime(rec[cCreatedAt]); !ok {
				kinds = append(kinds, DefectBadCreatedAt)
			}
		} else if !reMoney.MatchString(rec[cLineTotal]) {
			kinds = append(kinds, DefectBadTotal)
		}
		if rec[cProductID] == "" {
			kinds = append(kinds, DefectEmptyProductID)
		}
		if !validStatus[rec[cStatus]] {
			kinds = append(kinds, DefectUnknownStatus)
		}
		if !reInt.MatchString(rec[cQuantity]) {
			kinds = append(kinds, DefectBadQuantity)
		}
		check(len(kinds) <= 1, "more than one defect: %v", kinds)
		if len(kinds) == 1 {
			s.defects[kinds[0]]++
			cur.clean = false
			continue
		}

		// A clean row: every value is well-formed and the amounts add up.
		if first {
			checkOrderFields(check, money, rec)
			ct, _ := parseTime(rec[cCreatedAt])
			s.months[ct.UTC().Format("2006-01")] = true
		}
		check(!lineIDs[rec[cLineID]], "duplicate lineItem_id %q", rec[cLineID])
		lineIDs[rec[cLineID]] = true
		for _, c := range []int{cLineID, cProductID, cItemGroupID, cName, cSKU, cBrand, cCategory, cCategories} {
			check(rec[c] != "", "%s empty", KevelHeader[c])
		}
		if cur.first[cCurrency] != "" {
			check(rec[cLineCurrency] == cur.first[cCurrency], "lineItem_currency %q, order's %q", rec[cLineCurrency], cur.first[cCurrency])
		}
		q, err := strconv.Atoi(rec[cQuantity])
		check(err == nil && q >= 1 && q <= 5, "quantity %q", rec[cQuantity])
		check(oneOf(rec[cAdult], "", "false", "true"), "adult %q", rec[cAdult])
		check(oneOf(rec[cSize], "", "S", "M", "L", "XL"), "size %q", rec[cSize])
		check(oneOf(rec[cSizeSystem], "", "EU", "US", "UK"), "sizeSystem %q", rec[cSizeSystem])
		check((rec[cSize] == "") == (rec[cSizeSystem] == ""), "size without sizeSystem or the reverse")
		check(rec[cSubscription] == "" || reInt.MatchString(rec[cSubscription]), "subscriptionDuration %q", rec[cSubscription])
		lt, ls := money(rec[cLineTotal], "lineItem_total"), money(rec[cLineSubtotal], "lineItem_subtotal")
		lx, lh := money(rec[cLineTax], "lineItem_tax"), money(rec[cLineShipping], "lineItem_shipping")
		check(lt == ls+lx+lh, "lineItem_total != subtotal + tax + shipping")
		cur.total += lt
		cur.subtotal += ls
		cur.tax += lx
		cur.shipping += lh
		cur.discount += money(rec[cLineDiscount], "lineItem_discount")
		cur.refund += money(rec[cLineRefund], "lineItem_refund")
	}
	endRun()
	return s
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// checkOrderFields checks the order-level fields of a clean first row.
func checkOrderFields(check func(bool, string, ...any), money func(string, string) int64, rec []string) {
	check(reCurr.MatchString(rec[cCurrency]), "currency %q", rec[cCurrency])
	check(money(rec[cTotal], "total") == money(rec[cSubtotal], "subtotal")+money(rec[cTax], "tax")+money(rec[cShipping], "shipping"),
		"total != subtotal + tax + shipping")
	money(rec[cDiscount], "discount")
	money(rec[cRefund], "refund")
	id := rec[cUserID]
	switch rec[cUserIDType] {
	case "email":
		check(reEmail.MatchString(strings.TrimSpace(id)), "e-mail %q", id)
	case "email_sha256":
		check(reHex64.MatchString(id), "sha256 %q", id)
	case "phone":
		check(reE164.MatchString(id), "phone %q", id)
	default:
		check(id != "", "empty user id")
	}
	ct, ok := parseTime(rec[cCreatedAt])
	check(ok, "createdAt %q", rec[cCreatedAt])
	if rec[cLastUpdated] != "" {
		lu, ok := parseTime(rec[cLastUpdated])
		check(ok, "lastUpdated %q", rec[cLastUpdated])
		check(!lu.Before(ct), "lastUpdated before createdAt")
	}
	if rec[cPromotions] != "" {
		for _, p := range strings.Split(rec[cPromotions], ";") {
			check(p != "", "empty promotion in %q", rec[cPromotions])
		}
	}
}

func generate(t testing.TB, o GenOptions) ([]byte, GenStats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := GenerateOrders(&buf, o)
	require.NoError(t, err)
	return buf.Bytes(), st
}

// within reports whether the observed fraction k/n is within 5 standard
// deviations (plus a rounding slack) of p.
func within(p float64, k, n int) bool {
	sd := math.Sqrt(p * (1 - p) / float64(n))
	return math.Abs(float64(k)/float64(n)-p) <= 5*sd+1e-9
}

func TestGenerateOrders(t *testing.T) {
	tests := []struct {
		name string
		opt  GenOptions
	}{
		{"clean", GenOptions{Orders: 2000, Seed: 1}},
		{"one order", GenOptions{Orders: 1, Seed: 3, Repeats: 1}},
		{"two orders, all repeated", GenOptions{Orders: 2, Seed: 3, Repeats: 1}},
		{"defects 5%", GenOptions{Orders: 4000, Seed: 2, Defects: 0.05}},
		{"every row defective", GenOptions{Orders: 500, Seed: 4, Defects: 1}},
		{"repeats 10%", GenOptions{Orders: 3000, Seed: 5, Repeats: 0.1}},
		{"every order repeated", GenOptions{Orders: 500, Seed: 6, Repeats: 1}},
		{"defects, repeats, orderId on every row", GenOptions{Orders: 4000, Seed: 7, Defects: 0.02, Repeats: 0.05, RepeatOrderID: true}},
		{"one day in 2024", GenOptions{Orders: 300, Seed: 8,
			From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, st := generate(t, tc.opt)
			s := scanOrders(t, data, tc.opt.RepeatOrderID)

			require.Equal(t, int64(len(data)), st.Bytes)
			require.Equal(t, s.rows, st.Rows)

			// Orders: every id in one run, or two non-adjacent runs.
			runsOf := map[string][]int{}
			for k, r := range s.runs {
				runsOf[r.id] = append(runsOf[r.id], k)
			}
			require.Len(t, runsOf, tc.opt.Orders)
			require.Equal(t, tc.opt.Orders, st.Orders)
			repeated := 0
			for id, ks := range runsOf {
				require.LessOrEqual(t, len(ks), 2, "order %s has %d runs", id, len(ks))
				if len(ks) == 2 {
					repeated++
					require.Greater(t, ks[1]-ks[0], 1, "order %s: second run adjacent to the first", id)
					a, b := s.runs[ks[0]], s.runs[ks[1]]
					require.Equal(t, a.rows, b.rows, "order %s", id)
					require.NotEqual(t, a.first[cLastUpdated], b.first[cLastUpdated], "order %s: second run unchanged", id)
				}
			}
			require.Equal(t, st.Repeated, repeated)
			if tc.opt.Repeats == 0 || tc.opt.Orders == 1 {
				require.Zero(t, st.Repeated)
			}
			if tc.opt.Orders > 1 {
				require.True(t, within(tc.opt.Repeats, st.Repeated, tc.opt.Orders-1),
					"repeated %d of %d, asked %v", st.Repeated, tc.opt.Orders-1, tc.opt.Repeats)
			}

			// Defects: what a re-scan finds is what the stats say.
			require.Equal(t, s.defects, st.Defects)
			total := 0
			for _, n := range st.Defects {
				total += n
			}
			require.True(t, within(tc.opt.Defects, total, st.Rows),
				"%d defect rows of %d, asked %v", total, st.Rows, tc.opt.Defects)
			if tc.opt.Defects >= 0.05 {
				for _, k := range []string{DefectEmptyCurrency, DefectEmptyProductID, DefectBadTotal,
					DefectBadEmail, DefectBadCreatedAt, DefectUnknownStatus, DefectBadQuantity, DefectFieldCount} {
					require.Positive(t, st.Defects[k], "kind %s never injected", k)
				}
			}

			if !tc.opt.From.IsZero() {
				for _, r := range s.runs {
					if ct, ok := parseTime(r.first[cCreatedAt]); ok {
						require.False(t, ct.Before(tc.opt.From) || !ct.Before(tc.opt.To), "createdAt %s", ct)
					}
				}
			}
		})
	}
}

func TestGenerateOrdersClean(t *testing.T) {
	data, st := generate(t, GenOptions{Orders: 3000, Seed: 9})
	require.Empty(t, st.Defects)
	s := scanOrders(t, data, false)
	require.Empty(t, s.defects)
	for _, r := range s.runs {
		require.True(t, r.clean)
	}
}

func TestGenerateOrdersDeterministic(t *testing.T) {
	opt := GenOptions{Orders: 500, Seed: 42, Defects: 0.05, Repeats: 0.1}
	a, sa := generate(t, opt)
	b, sb := generate(t, opt)
	require.Equal(t, a, b, "same seed, different bytes")
	require.Equal(t, sa, sb)
	opt.Seed = 43
	c, _ := generate(t, opt)
	require.NotEqual(t, a, c, "different seed, same bytes")
}

// TestGenerateOrdersShape checks, over the 20,000 orders the brief asks
// for, that the file looks like a real export: every month, the spread of
// line items, and the awkward values a reader has to cope with.
func TestGenerateOrdersShape(t *testing.T) {
	data, st := generate(t, GenOptions{Orders: 20_000, Seed: 1, Defects: 0.005})
	s := scanOrders(t, data, false)

	for y := 2020; y <= 2022; y++ {
		for m := 1; m <= 12; m++ {
			k := fmt.Sprintf("%d-%02d", y, m)
			require.True(t, s.months[k], "no order created in %s", k)
		}
	}
	require.Len(t, s.months, 36)

	mean := float64(st.Rows) / float64(st.Orders)
	require.InDelta(t, 2.51, mean, 0.1, "mean line items per order")
	perRow := float64(st.Bytes) / float64(st.Rows)
	require.InDelta(t, 248, perRow, 15, "bytes per row")
	items := map[int]int{}
	for _, r := range s.runs {
		items[r.rows]++
	}
	for n := 1; n <= 8; n++ {
		require.Positive(t, items[n], "no order with %d items", n)
	}

	seen := map[string]int{}
	note := func(what string, ok bool) {
		if ok {
			seen[what]++
		}
	}
	text := string(data)
	note(`quoted "Korea, Republic of"`, strings.Contains(text, `,"Korea, Republic of",`))
	discounted, refunded, firsts := 0, 0, 0
	for _, rec := range s.records {
		if len(rec) != numCols {
			continue
		}
		name := rec[cName]
		note("name with comma", strings.Contains(name, ","))
		note("name with quote", strings.Contains(name, `"`))
		note("name with é/ß", strings.ContainsAny(name, "éß"))
		note("name with 日本", strings.Contains(name, "日本"))
		note("name with emoji", strings.Contains(name, "🎉"))
		note("status "+rec[cStatus], validStatus[rec[cStatus]])
		note("size "+rec[cSize], rec[cSize] != "")
		note("adult true", rec[cAdult] == "true")
		note("adult false", rec[cAdult] == "false")
		note("adult empty", rec[cAdult] == "")
		note("subscription", rec[cSubscription] != "")
		note("quantity "+rec[cQuantity], true)
		note("line promotion", rec[cLinePromotions] != "")
		note("line shipping", rec[cLineShipping] != "0.00")
		note("category path", strings.Count(rec[cCategory], " > ") == 2)
		note("categories list", strings.Contains(rec[cCategories], ";"))
		if rec[cUserIDType] == "" {
			continue
		}
		firsts++
		typ, id := rec[cUserIDType], rec[cUserID]
		note("type "+typ, true)
		note("e-mail mixed case", typ == "email" && strings.ToLower(id) != id)
		note("e-mail lower case", typ == "email" && strings.ToLower(id) == id)
		note("e-mail padded", typ == "email" && strings.TrimSpace(id) != id)
		note("upper-case hex", typ == "email_sha256" && strings.ToLower(id) != id)
		note("lower-case hex", typ == "email_sha256" && strings.ToLower(id) == id)
		note("currency "+rec[cCurrency], true)
		note("payment "+rec[cPaymentMethod], true)
		note("shipping "+rec[cShippingMethod], true)
		note("source "+rec[cSource], true)
		note("promotions SUMMER10;FREESHIP", rec[cPromotions] == "SUMMER10;FREESHIP")
		note("promotions empty", rec[cPromotions] == "")
		ca := rec[cCreatedAt]
		note("createdAt +hhmm", reZoneCompact.MatchString(ca))
		note("createdAt Z", strings.HasSuffix(ca, "Z"))
		note("createdAt +hh:mm", reZoneColon.MatchString(ca))
		note("lastUpdated empty", rec[cLastUpdated] == "")
		note("lastUpdated set", rec[cLastUpdated] != "")
		if rec[cDiscount] != "0.00" {
			discounted++
		}
		if rec[cRefund] != "0.00" {
			refunded++
		}
	}
	for _, want := range []string{
		`quoted "Korea, Republic of"`, "name with comma", "name with quote", "name with é/ß",
		"name with 日本", "name with emoji", "status placed", "status paid", "status fulfilled",
		"status refunded", "status cancelled", "size S", "size M", "size L", "size XL",
		"adult true", "adult false", "adult empty", "subscription", "quantity 1", "quantity 5",
		"line promotion", "line shipping", "category path", "categories list",
		"type email", "type email_sha256", "type phone", "type crm_id",
		"e-mail mixed case", "e-mail lower case", "e-mail padded", "upper-case hex", "lower-case hex",
		"currency EUR", "currency USD", "currency GBP", "currency CHF", "currency SEK",
		"currency JPY", "currency PLN", "payment Visa", "payment Mastercard", "payment PayPal",
		"payment Klarna", "shipping UPS", "shipping DHL", "source web", "source app",
		"source phone call", "source POS", "promotions SUMMER10;FREESHIP", "promotions empty",
		"createdAt +hhmm", "createdAt Z", "createdAt +hh:mm", "lastUpdated empty", "lastUpdated set",
	} {
		require.Positive(t, seen[want], "never saw: %s", want)
	}
	require.Greater(t, seen["type email"], firsts*7/10, "e-mail should be the usual userIdType")
	require.Less(t, discounted, firsts/2, "discount should mostly be 0")
	require.Less(t, refunded, firsts/4, "refund should mostly be 0")
}

func TestGenerateOrdersGolden(t *testing.T) {
	data, _ := generate(t, GenOptions{Orders: 25, Seed: 1, Defects: 0.1, Repeats: 0.2})
	path := filepath.Join("testdata", "orders_seed1.golden.csv")
	if *update {
		require.NoError(t, os.WriteFile(path, data, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), string(data), "generator output changed; if on purpose, run go test -update")
}

func TestGenOptionsValidate(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		opt  GenOptions
		want string // substring of the error; "" = valid
	}{
		{"minimal", GenOptions{Orders: 1}, ""},
		{"everything", GenOptions{Orders: 10, Defects: 1, Repeats: 1, From: day, To: day.Add(time.Second)}, ""},
		{"no orders", GenOptions{}, "bench.GenOptions.Orders: must be in 1..1000000000, got 0"},
		{"negative orders", GenOptions{Orders: -5}, "bench.GenOptions.Orders"},
		{"too many orders", GenOptions{Orders: maxOrders + 1}, "bench.GenOptions.Orders"},
		{"negative defects", GenOptions{Orders: 1, Defects: -0.1}, "bench.GenOptions.Defects: must be a fraction in 0..1, got -0.1"},
		{"defects above 1", GenOptions{Orders: 1, Defects: 1.5}, "bench.GenOptions.Defects"},
		{"defects NaN", GenOptions{Orders: 1, Defects: math.NaN()}, "bench.GenOptions.Defects"},
		{"repeats above 1", GenOptions{Orders: 1, Repeats: 2}, "bench.GenOptions.Repeats"},
		{"To before From", GenOptions{Orders: 1, From: day, To: day.Add(-time.Hour)}, "bench.GenOptions.To: must be at least a second after From"},
		{"To equals From", GenOptions{Orders: 1, From: day, To: day}, "bench.GenOptions.To"},
		{"From after default To", GenOptions{Orders: 1, From: day}, "bench.GenOptions.To"},
		{"year 9999", GenOptions{Orders: 1, To: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, "bench.GenOptions.To: must lie in years 1..9998"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opt.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			_, gerr := GenerateOrders(io.Discard, tc.opt)
			require.EqualError(t, gerr, err.Error())
		})
	}
}

var errDiskFull = errors.New("disk full")

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestGenerateOrdersWriteError(t *testing.T) {
	for _, n := range []int{0, 100, 3 << 20} {
		t.Run(fmt.Sprintf("fail after %d bytes", n), func(t *testing.T) {
			_, err := GenerateOrders(&failingWriter{n: n}, GenOptions{Orders: 50_000, Seed: 1})
			require.ErrorIs(t, err, errDiskFull)
			require.ErrorContains(t, err, "bench: write orders")
		})
	}
}

// TestGenerateOrdersAllocs checks that allocations do not grow with the
// number of rows: ten times the orders, (almost) the same allocations. The
// slack covers the repeat queue, whose size grows with the file.
func TestGenerateOrdersAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 22,000 orders several times")
	}
	allocs := func(orders int) float64 {
		return testing.AllocsPerRun(2, func() {
			_, err := GenerateOrders(io.Discard, GenOptions{Orders: orders, Seed: 1, Defects: 0.01, Repeats: 0.05})
			require.NoError(t, err)
		})
	}
	small, big := allocs(2_000), allocs(20_000)
	require.LessOrEqual(t, big-small, 8.0, "allocations grow with rows: %v for 2,000 orders, %v for 20,000", small, big)
}

func BenchmarkGenerateOrders(b *testing.B) {
	for _, bc := range []struct {
		orders  int
		defects float64
		repeats float64
	}{
		{10_000, 0, 0},
		{10_000, 0.005, 0},
		{10_000, 0.005, 0.01},
	} {
		o := GenOptions{Orders: bc.orders, Defects: bc.defects, Repeats: bc.repeats, Seed: 1}
		b.Run(fmt.Sprintf("orders=%d defects=%g repeats=%g", bc.orders, bc.defects, bc.repeats), func(b *testing.B) {
			st, err := GenerateOrders(io.Discard, o)
			require.NoError(b, err)
			b.SetBytes(st.Bytes)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := GenerateOrders(io.Discard, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(st.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestHeaderMatchesDesign pins the generator's header, and the Kevel
// format's field names, to the field table of design section 2.
func TestHeaderMatchesDesign(t *testing.T) {
	require.Equal(t, designHeader, KevelHeader)
	var names []string
	for _, f := range formats.KevelCSV.Fields {
		names = append(names, f.Name)
	}
	require.Equal(t, designHeader, names)
}
