package commit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"ingot/schema"
)

// partRec is one record of one partition, as the diff stage hands them to
// commit.
type partRec struct {
	part string
	rec  arrow.RecordBatch
}

// dataset is synthetic orders and line items shaped like the real data:
// order_id unique, 8 currencies, 5 statuses, ~50k product names, money
// with 2 decimals, created_at over 36 months, promotions mostly empty.
type dataset struct {
	orders, items       []partRec
	orderRows, itemRows int64
}

func (d *dataset) release() {
	for _, r := range d.orders {
		r.rec.Release()
	}
	for _, r := range d.items {
		r.rec.Release()
	}
}

var (
	currencies  = []string{"EUR", "USD", "GBP", "CHF", "SEK", "PLN", "DKK", "NOK"}
	currencyW   = []int{40, 25, 12, 6, 5, 5, 4, 3}
	payments    = []string{"Visa", "Mastercard", "PayPal", "Amex", "Klarna", "Invoice"}
	shippings   = []string{"UPS", "DHL", "Hermes", "Pickup"}
	countries   = []string{"Germany", "France", "United Kingdom", "Italy", "Spain", "Netherlands", "Belgium", "Austria", "Switzerland", "Poland", "Sweden", "Denmark", "Norway", "Finland", "Ireland", "Portugal", "Czechia", "Hungary", "Greece", "Romania", "United States", "Canada", "Japan", "Australia", "Luxembourg", "Slovakia", "Slovenia", "Croatia", "Estonia", "Latvia"}
	sources     = []string{"web", "app", "phone call", "POS"}
	statuses    = []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
	sizes       = []string{"XS", "S", "M", "L", "XL", "XXL"}
	sizeSystems = []string{"EU", "US", "UK"}
	promoCodes  = func() []string {
		var p []string
		for i := range 20 {
			p = append(p, fmt.Sprintf("PROMO%02d", i))
		}
		return p
	}()
	words = []string{"Classic", "Slim", "Organic", "Cotton", "Linen", "Wool", "Leather", "Canvas", "Vintage", "Sport", "Urban", "Outdoor", "Premium", "Basic", "Soft", "Light", "Heavy", "Stretch", "Relaxed", "Tailored"}
	kinds = []string{"Shirt", "T-Shirt", "Jeans", "Jacket", "Sneaker", "Boot", "Dress", "Skirt", "Sweater", "Hoodie", "Cap", "Scarf", "Belt", "Bag", "Sock"}
)

func weighted(r *rand.Rand, w []int) int {
	t := 0
	for _, x := range w {
		t += x
	}
	n := r.IntN(t)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func money(r *rand.Rand, lo, hi int) float64 { return float64(lo*100+r.IntN((hi-lo)*100)) / 100 }

// genDataset builds nOrders orders in batches of batchOrders orders; each
// batch is split by created_month into one record per month (so Writes
// are small and interleaved over 36 partitions, as in a real import).
func genDataset(mem memory.Allocator, nOrders, batchOrders int, seed uint64) *dataset {
	d := &dataset{}
	genBatches(mem, nOrders, batchOrders, seed, func(orders, items []partRec) {
		d.orders = append(d.orders, orders...)
		d.items = append(d.items, items...)
		for _, r := range orders {
			d.orderRows += r.rec.NumRows()
		}
		for _, r := range items {
			d.itemRows += r.rec.NumRows()
		}
	})
	return d
}

// genBatches generates the records of genDataset one batch of orders at a
// time and hands them to f, which owns them.
func genBatches(mem memory.Allocator, nOrders, batchOrders int, seed uint64, f func(orders, items []partRec)) {
	r := rand.New(rand.NewPCG(seed, 42))
	const months = 36
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	importID := "imp-20261123T013000-7f3a9c"
	sourceFile := "s3://shop-exports/orders/orders_2026-11-23.csv.gz"
	var line int64 = 1
	var fpbuf [8]byte
	for start := 0; start < nOrders; start += batchOrders {
		end := min(start+batchOrders, nOrders)
		var orders, items []partRec
		ob := make([]*array.RecordBuilder, months)
		ib := make([]*array.RecordBuilder, months)
		for m := range months {
			ob[m] = array.NewRecordBuilder(mem, schema.OrdersSchema)
			ib[m] = array.NewRecordBuilder(mem, schema.LineItemsSchema)
		}
		for o := start; o < end; o++ {
			m := r.IntN(months)
			b := ob[m]
			created := base.AddDate(0, m, 0).Add(time.Duration(r.Int64N(int64(28 * 24 * time.Hour))))
			orderID := "ORD-" + strconv.FormatInt(int64(100000000+int(seed%100)*1000000+o), 10)
			user := r.IntN(nOrders/2 + 1)
			cur := currencies[weighted(r, currencyW)]
			str := func(i int, s string) { b.Field(i).(*array.StringBuilder).Append(s) }
			optStr := func(i int, s string, pNull int) {
				if r.IntN(100) < pNull {
					b.Field(i).AppendNull()
				} else {
					str(i, s)
				}
			}
			str(0, orderID)
			switch t := r.IntN(100); {
			case t < 70:
				str(1, "email_sha256")
				hx := fmt.Appendf(nil, "%032x%032x", user*7919, user)
				str(2, string(hx))
			case t < 95:
				str(1, "email")
				str(2, "user"+strconv.Itoa(user)+"@example.com")
			default:
				str(1, "crm_id")
				str(2, "CRM-"+strconv.Itoa(user))
			}
			str(3, cur)
			sub := money(r, 5, 480)
			tax := float64(int(sub*19)) / 100
			ship := []float64{0, 4.95, 9.9}[r.IntN(3)]
			disc := 0.0
			if r.IntN(4) == 0 {
				disc = money(r, 1, 30)
			}
			refund := 0.0
			if r.IntN(20) == 0 {
				refund = sub
			}
			for i, v := range []float64{sub + tax + ship, sub, tax, ship, disc, refund} {
				b.Field(4 + i).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(math.Round(v * 1e4))))
			}
			optStr(10, payments[r.IntN(len(payments))], 5)
			optStr(11, shippings[r.IntN(len(shippings))], 10)
			optStr(12, countries[r.IntN(len(countries))], 3)
			optStr(13, sources[r.IntN(len(sources))], 20)
			appendPromos(r, b.Field(14).(*array.ListBuilder))
			b.Field(15).(*array.TimestampBuilder).Append(arrow.Timestamp(created.UnixMicro()))
			if r.IntN(2) == 0 {
				b.Field(16).AppendNull()
			} else {
				b.Field(16).(*array.TimestampBuilder).Append(arrow.Timestamp(created.Add(time.Duration(r.Int64N(int64(72 * time.Hour)))).UnixMicro()))
			}
			for i := range fpbuf {
				fpbuf[i] = byte(r.Uint32())
			}
			fp := hex.EncodeToString(fpbuf[:])
			str(17, fp)
			str(18, importID)
			str(19, sourceFile)
			b.Field(20).(*array.Int64Builder).Append(line)

			nItems := 1 + weighted(r, []int{35, 25, 15, 10, 6, 4, 3, 2})
			lb := ib[m]
			ls := func(i int, s string) { lb.Field(i).(*array.StringBuilder).Append(s) }
			lopt := func(i int, s string, pNull int) {
				if r.IntN(100) < pNull {
					lb.Field(i).AppendNull()
				} else {
					ls(i, s)
				}
			}
			for li := range nItems {
				prod := r.IntN(50000)
				ls(0, orderID)
				lb.Field(1).(*array.Int32Builder).Append(int32(li + 1))
				lopt(2, "LI-"+strconv.Itoa(li+1), 10)
				ls(3, "P"+strconv.Itoa(100000+prod))
				lopt(4, "G"+strconv.Itoa(10000+prod/3), 30)
				lopt(5, words[prod%len(words)]+" "+words[(prod/20)%len(words)]+" "+kinds[(prod/400)%len(kinds)]+" #"+strconv.Itoa(prod), 2)
				ls(6, "SKU-"+strconv.Itoa(prod)+"-"+sizes[prod%len(sizes)])
				lopt(7, "Brand "+strconv.Itoa(prod%200), 5)
				cat := (prod / 7) % 300
				lopt(8, "Dept "+strconv.Itoa(cat/30)+" > "+kinds[cat%len(kinds)]+" > Line "+strconv.Itoa(cat), 5)
				cb := lb.Field(9).(*array.ListBuilder)
				if r.IntN(10) == 0 {
					cb.AppendNull()
				} else {
					cb.Append(true)
					vb := cb.ValueBuilder().(*array.StringBuilder)
					vb.Append("Dept " + strconv.Itoa(cat/30))
					vb.Append(kinds[cat%len(kinds)])
					if cat%2 == 0 {
						vb.Append("Line " + strconv.Itoa(cat))
					}
				}
				ls(10, cur)
				lsub := money(r, 2, 200)
				ltax := float64(int(lsub*19)) / 100
				for i, v := range []float64{lsub + ltax, lsub, ltax, 0, 0, 0} {
					lb.Field(11 + i).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(math.Round(v * 1e4))))
				}
				lb.Field(17).(*array.Int64Builder).Append(int64(1 + weighted(r, []int{70, 15, 8, 4, 3})))
				appendPromos(r, lb.Field(18).(*array.ListBuilder))
				lb.Field(19).(*array.BooleanBuilder).Append(r.IntN(100) == 0)
				if r.IntN(20) == 0 {
					lb.Field(20).(*array.Int64Builder).Append(30 * 24 * 3600 * 1000)
				} else {
					lb.Field(20).AppendNull()
				}
				if r.IntN(2) == 0 {
					ls(21, sizes[r.IntN(len(sizes))])
					ls(22, sizeSystems[r.IntN(len(sizeSystems))])
				} else {
					lb.Field(21).AppendNull()
					lb.Field(22).AppendNull()
				}
				ls(23, statuses[weighted(r, []int{10, 40, 40, 5, 5})])
				ls(24, importID)
				ls(25, sourceFile)
				lb.Field(26).(*array.Int64Builder).Append(line)
				line++
			}
		}
		for m := range months {
			part := base.AddDate(0, m, 0).Format("2006-01")
			if rec := ob[m].NewRecordBatch(); rec.NumRows() > 0 {
				orders = append(orders, partRec{part, rec})
			} else {
				rec.Release()
			}
			if rec := ib[m].NewRecordBatch(); rec.NumRows() > 0 {
				items = append(items, partRec{part, rec})
			} else {
				rec.Release()
			}
			ob[m].Release()
			ib[m].Release()
		}
		f(orders, items)
	}
}

func appendPromos(r *rand.Rand, b *array.ListBuilder) {
	switch t := r.IntN(100); {
	case t < 3:
		b.AppendNull()
	case t < 85:
		b.AppendEmptyValue()
	default:
		b.Append(true)
		vb := b.ValueBuilder().(*array.StringBuilder)
		vb.Append(promoCodes[r.IntN(len(promoCodes))])
		if t >= 95 {
			vb.Append(promoCodes[r.IntN(len(promoCodes))])
		}
	}
}

// memStore is a Store in memory, for tests and benchmarks that should not
// measure the disk. LocalPath is "".
type memStore struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newMemStore() *memStore { return &memStore{files: map[string][]byte{}} }

func (s *memStore) Create(ctx context.Context, p string, exclusive bool) (FileWriter, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	return &memFile{s: s, path: p, exclusive: exclusive}, nil
}

func (s *memStore) PutIfAbsent(ctx context.Context, p string, data []byte) error {
	return putIfAbsent(ctx, s, p, data)
}

func (s *memStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[p]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", p, fs.ErrNotExist)
	}
	return slices.Clone(b), nil
}

func (s *memStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	b, err := s.ReadFile(ctx, p)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memStore) List(ctx context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.files {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *memStore) Remove(ctx context.Context, p string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[p]; !ok {
		return fmt.Errorf("remove %s: %w", p, fs.ErrNotExist)
	}
	delete(s.files, p)
	return nil
}

func (s *memStore) Link(ctx context.Context, from, to string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[from]
	if !ok {
		return fmt.Errorf("link %s: %w", from, fs.ErrNotExist)
	}
	if _, ok := s.files[to]; ok {
		return fmt.Errorf("link %s: %w", to, ErrExists)
	}
	s.files[to] = b
	return nil
}

func (s *memStore) LocalPath(string) string { return "" }
func (s *memStore) URI() string             { return "mem://" }

type memFile struct {
	s         *memStore
	path      string
	exclusive bool
	buf       bytes.Buffer
	done      bool
}

func (f *memFile) Write(p []byte) (int, error) { return f.buf.Write(p) }
func (f *memFile) Size() int64                 { return int64(f.buf.Len()) }
func (f *memFile) Abort() error                { f.done = true; return nil }
func (f *memFile) Close() error {
	if f.done {
		return fmt.Errorf("close %s: already closed", f.path)
	}
	f.done = true
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	if _, ok := f.s.files[f.path]; ok && f.exclusive {
		return fmt.Errorf("publish %s: %w", f.path, ErrExists)
	}
	f.s.files[f.path] = f.buf.Bytes()
	return nil
}

// discardStore counts what is written and keeps nothing: benchmarks of the
// encoders should not measure a store.
type discardStore struct{ memStore }

func newDiscardStore() *discardStore { return &discardStore{memStore{files: map[string][]byte{}}} }

func (s *discardStore) Create(ctx context.Context, p string, exclusive bool) (FileWriter, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	return &discardFile{}, nil
}

type discardFile struct{ n int64 }

func (f *discardFile) Write(p []byte) (int, error) { f.n += int64(len(p)); return len(p), nil }
func (f *discardFile) Size() int64                 { return f.n }
func (f *discardFile) Abort() error                { return nil }
func (f *discardFile) Close() error                { return nil }
