package json

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"ingot/columnar"
)

// A small generator of realistic feeds: CrossEngage-like events (an event
// name, a user id or e-mail + business unit, a timestamp, order totals and
// a cart of products) and customer records (names with non-ASCII letters,
// dates, a boolean, numbers, a list), one object per line.

var (
	firstNames = []string{"Anna", "Jörg", "Léa", "Mehmet", "Sofia", "Łukasz", "Emma", "Noah", "Zoë", "Kenji"}
	lastNames  = []string{"Schmidt", "Müller", "Dubois", "Yılmaz", "Rossi", "Nowak", "García", "Smith", "Brontë", "Tanaka"}
	cities     = []string{"Berlin", "München", "Paris", "İstanbul", "Milano", "Kraków", "Sevilla", "London", "Zürich", "Tōkyō"}
	events     = []string{"orderCompleted", "productViewed", "cartAbandoned", "newsletterSubscribed", "searchPerformed"}
	products   = []string{"Trail Runner 2", "Merino Socks", "Rain Jacket \"Storm\"", "Water Bottle 0.75l", "Headlamp 300lm", "Trekking Poles"}
)

func appendEvent(b []byte, rng *rand.Rand, i int) []byte {
	b = append(b, `{"event":"`...)
	b = append(b, events[rng.IntN(len(events))]...)
	if rng.IntN(4) == 0 {
		fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		b = fmt.Appendf(b, `","email":"%s.%s%d@example.com","businessUnit":"%s"`, fn, ln, i%997, []string{"de", "at", "ch"}[rng.IntN(3)])
	} else {
		b = fmt.Appendf(b, `","id":"c-%d"`, 100000+rng.IntN(900000))
	}
	b = fmt.Appendf(b, `,"timestamp":"2020-%02d-%02dT%02d:%02d:%02dZ","orderId":"%d","total":%d.%02d,"currency":"EUR","cart":[`,
		1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 100000000+i, rng.IntN(500), rng.IntN(100))
	for k := range 1 + rng.IntN(3) {
		if k > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"productId":"SKU-%04d","name":%s,"price":%d.%02d,"quantity":%d}`,
			rng.IntN(10000), strconv.Quote(products[rng.IntN(len(products))]), rng.IntN(200), rng.IntN(100), 1+rng.IntN(3))
	}
	return append(b, "]}\n"...)
}

func appendCustomer(b []byte, rng *rand.Rand, i int) []byte {
	fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	return fmt.Appendf(b, `{"userId":"%d","email":"%s.%s%d@example.com","firstName":"%s","lastName":"%s","birthday":"19%02d-%02d-%02d","city":"%s","country":"DE","optIn":%t,"loyaltyPoints":%d,"segments":["%s","%s"],"lastOrderAt":"2021-0%d-1%dT10:00:00+01:00","note":"likes \"outdoor\"\tgear"}`+"\n",
		12345678901234567+i, fn, ln, i, fn, ln, 40+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28), cities[rng.IntN(len(cities))],
		rng.IntN(2) == 0, rng.IntN(100000), []string{"vip", "new", "churned"}[rng.IntN(3)], []string{"runner", "hiker"}[rng.IntN(2)], 1+rng.IntN(9), rng.IntN(10))
}

// genLines generates n records with gen, one per line.
func genLines(n int, gen func([]byte, *rand.Rand, int) []byte) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b []byte
	for i := range n {
		b = gen(b, rng, i)
	}
	return b
}

// asArray turns JSON lines into a pretty-ish JSON array.
func asArray(lines []byte) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	recs := bytes.Split(bytes.TrimSuffix(lines, []byte{'\n'}), []byte{'\n'})
	for i, r := range recs {
		b.WriteString("  ")
		b.Write(r)
		if i < len(recs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func TestGeneratedFeedsRead(t *testing.T) {
	for _, gen := range []func([]byte, *rand.Rand, int) []byte{appendEvent, appendCustomer} {
		in := genLines(500, gen)
		res := read(t, string(in), Options{}, func(r io.Reader) io.Reader { return r })
		require := func(cond bool, f string, a ...any) {
			t.Helper()
			if !cond {
				t.Fatalf(f, a...)
			}
		}
		require(res.err == nil && len(res.rows) == 500 && len(res.issues) == 0, "lines: err %v rows %d issues %v", res.err, len(res.rows), res.issues)
		arr := read(t, string(asArray(in)), Options{}, func(r io.Reader) io.Reader { return r })
		require(arr.err == nil && fmt.Sprint(arr.rows) == fmt.Sprint(res.rows), "array differs: %v", arr.err)
	}
}

func benchRead(b *testing.B, in []byte, opt Options) {
	b.Helper()
	mem := &columnar.PoolAllocator{}
	opt.Allocator = mem
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	rows := 0
	cpu0 := cpuSeconds(b)
	b.ResetTimer()
	for range b.N {
		r, err := NewReader(bytes.NewReader(in), "bench.jsonl", opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			bt, err := r.ReadBatch()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += bt.Rows()
			bt.Release()
		}
	}
	cpu := cpuSeconds(b) - cpu0
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/cpu, "rows/cpu-s")
	b.ReportMetric(float64(len(in))*float64(b.N)/cpu/1e6, "MB/cpu-s")
}

// cpuSeconds returns the CPU time the process has used (garbage collection
// included): steadier than wall time on a shared machine.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkJSONLines reads 20,000 generated records (about 6 MiB of
// events, 5 MiB of customers) per iteration on one goroutine.
func BenchmarkJSONLines(b *testing.B) {
	evs := genLines(20000, appendEvent)
	custs := genLines(20000, appendCustomer)
	b.Run("events/discovered", func(b *testing.B) { benchRead(b, evs, Options{Shape: Lines}) })
	b.Run("events/fixed", func(b *testing.B) {
		benchRead(b, evs, Options{Shape: Lines, Fields: []string{"event", "id", "email", "businessUnit"}})
	})
	b.Run("customers/discovered", func(b *testing.B) { benchRead(b, custs, Options{Shape: Lines}) })
}

// BenchmarkJSONArray reads the same events as one JSON array.
func BenchmarkJSONArray(b *testing.B) {
	evs := asArray(genLines(20000, appendEvent))
	b.Run("events/discovered", func(b *testing.B) { benchRead(b, evs, Options{Shape: Array}) })
	b.Run("events/fixed", func(b *testing.B) {
		benchRead(b, evs, Options{Shape: Array, Fields: []string{"event", "id", "email", "businessUnit"}})
	})
}
