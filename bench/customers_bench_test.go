package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"ingot/columnar"
	"ingot/formats"
	"ingot/kinds"
	"ingot/kinds/customers"
	"ingot/validate"
)

// customerRows is the size of the generated customers input.
const customerRows = 200_000

var (
	custOnce            sync.Once
	custCSV, custJSONL  []byte
	custCommitted       kinds.Lookup // every customer known, one attribute different
	custFirst, custCity = []string{"Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hugo"},
		[]string{"Berlin", "Paris", "Lyon", "São Paulo", "Oslo", "Madrid", "Rome", "Kraków"}
)

// customersInput generates 200,000 customers, once: as CSV (text
// attributes) and as JSON Lines (typed: a number, a boolean, an object).
func customersInput() {
	custOnce.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		var c, j bytes.Buffer
		c.WriteString("userId,firstName,lastName,city,zip,newsletter,tier,signupDate\n")
		custCommitted = kinds.Lookup{}
		for i := range customerRows {
			fn, city := custFirst[r.IntN(len(custFirst))], custCity[r.IntN(len(custCity))]
			zip, nl := 10000+r.IntN(89999), r.IntN(2) == 1
			fmt.Fprintf(&c, "Customer.%d@Example.com,%s,Last%d,%s,%d,%t,tier%d,2024-%02d-%02d\n",
				i, fn, i%977, city, zip, nl, i%4, 1+i%12, 1+i%28)
			fmt.Fprintf(&j, `{"userId":"customer.%d@example.com","firstName":%q,"age":%d,"newsletter":%t,"address":{"city":%q,"zip":"%d"}}`+"\n",
				i, fn, 18+i%60, nl, city, zip)
			custCommitted[fmt.Sprintf("email\x00customer.%d@example.com", i)] =
				fmt.Sprintf(`{"city":%q,"firstName":%q,"lastName":"Last%d","tier":"old"}`, city, fn, i%977)
		}
		custCSV, custJSONL = c.Bytes(), j.Bytes()
	})
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// nopSink takes what a grouper hands out, builds its records (as the
// writer would) and drops them.
type nopSink struct{ ev []byte }

func (s *nopSink) Write(o kinds.Output) error {
	defer o.Release()
	return o.Records(func(_, _ string, _ bool, rec arrow.RecordBatch) error {
		rec.Release()
		return nil
	})
}
func (s *nopSink) Events() *[]byte { return &s.ev }
func (s *nopSink) EventsAdded() error {
	s.ev = s.ev[:0]
	return nil
}

// runCustomers reads in with shape, validates and (with group) groups and
// diffs against committed on one goroutine.
func runCustomers(b *testing.B, shape formats.Shape, in []byte, group bool, committed kinds.Lookup) {
	pool := &columnar.PoolAllocator{}
	r, err := shape(bytes.NewReader(in), "bench", formats.ReadOptions{Allocator: pool})
	if err != nil {
		b.Fatal(err)
	}
	v, err := customers.Kind.Bind(nil, r.Header(), kinds.BindOptions{Allocator: pool, Pool: pool})
	if err != nil {
		b.Fatal(err)
	}
	var g kinds.Grouper
	var sink nopSink
	if group {
		rw, err := validate.NewRejectWriter(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer rw.Abort()
		g, err = customers.Kind.NewGrouper(kinds.GroupConfig{Files: []string{"bench"}, Rejects: rw, ImportID: "bench",
			Pool: pool, EventHead: []byte(`,"version":1`), Lookups: map[string]kinds.Lookup{"customers": committed}})
		if err != nil {
			b.Fatal(err)
		}
	}
	for {
		bt, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		o, err := v.Validate(bt)
		if err != nil {
			b.Fatal(err)
		}
		if g == nil {
			o.Release()
			continue
		}
		if err := g.Add(0, o, nil, &sink); err != nil {
			b.Fatal(err)
		}
	}
	if g != nil {
		if err := g.EndFile(0, &sink); err != nil {
			b.Fatal(err)
		}
		res, err := g.Settle()
		if err != nil {
			b.Fatal(err)
		}
		if res.Counts[0].Valid != customerRows {
			b.Fatalf("valid %d, want %d", res.Counts[0].Valid, customerRows)
		}
	}
}

// BenchmarkCustomers measures the customers path on one goroutine: the
// reader and the binding (validate: user ids checked and normalised,
// attributes as sorted JSON), then the whole kind (group: diff, events,
// records built) into an empty warehouse and against one where every
// customer exists (merge: the committed attributes parsed and merged).
func BenchmarkCustomers(b *testing.B) {
	customersInput()
	for _, tc := range []struct {
		name      string
		shape     formats.Shape
		in        []byte
		group     bool
		committed kinds.Lookup
	}{
		{"csv/validate", formats.CSV, custCSV, false, nil},
		{"jsonl/validate", formats.JSONLines, custJSONL, false, nil},
		{"csv/group-new", formats.CSV, custCSV, true, nil},
		{"jsonl/group-new", formats.JSONLines, custJSONL, true, nil},
		{"csv/group-merge", formats.CSV, custCSV, true, custCommitted},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.in)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				runCustomers(b, tc.shape, tc.in, tc.group, tc.committed)
			}
			report(b, customerRows)
			// On a shared machine wall time says more about the neighbours
			// than about the code: the process's CPU time (GC included)
			// per run is the figure to compare.
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(cpu, "cpu-s/op")
			b.ReportMetric(float64(customerRows)/cpu, "rows/cpu-s")
		})
	}
}
