package bench

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

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

// Writers are the generators of synthetic orders, by format name: one
// writer per format (gen_<format>.go). Every registered format needs one:
// the batch-size harness and the benchmarks run for each.
var Writers = map[string]func(w io.Writer, o GenOptions) (GenStats, error){
	"kevel-csv":   GenerateOrders,
	"shopify-csv": GenerateShopify,
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
	// HotOrder is the fraction of orders after which the first order's id
	// comes back as one more run of rows (changed content), interleaved
	// with the others: one order id repeated thousands of times, the
	// worst case for supersession (0 = none).
	HotOrder float64
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
	case !(o.HotOrder >= 0 && o.HotOrder <= 1):
		return fmt.Errorf("%sHotOrder: must be a fraction in 0..1, got %v", base, o.HotOrder)
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
	return generateFormat(w, o, appendHeader, (*generator).writeRow)
}

// generateFormat runs the model and writes it with a format's header and row
// writer (one per format: gen_<format>.go).
func generateFormat(w io.Writer, o GenOptions, header func([]byte) []byte, row func(g *generator, m *order, k int, d defect)) (GenStats, error) {
	if err := o.Validate(); err != nil {
		return GenStats{}, err
	}
	o = o.withDefaults()
	g := newGenerator(o)
	g.row = row
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

	g.buf = header(g.buf)
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
		if o.HotOrder > 0 && i > 0 && g.main.prob(o.HotOrder) {
			g.writeRepeat(0)
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
