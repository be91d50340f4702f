package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"ingot"
	"ingot/columnar"
	"ingot/formats"
	"ingot/kinds"
	"ingot/kinds/events"
	"ingot/validate"
)

// eventRows is the number of events of each generated feed.
const eventRows = 100_000

var (
	evOnce               sync.Once
	evCE, evRD, evJSONL  []byte
	evNames              = []string{"orderCompleted", "productViewed", "cartAbandoned", "newsletterSubscribed", "pageViewed"}
	evCities, evProducts = []string{"Berlin", "Hamburg", "München", "Köln", "Wien"}, []string{"SKU-4711", "SKU-0815", "SKU-2000", "SKU-1234"}
)

// eventsInput generates the three feeds once, the same events in each
// format's own words: CrossEngage JSON (an id or an e-mail with its
// business unit, a timestamp, totals, a cart of 1–3 products), Related
// Digital's positional CSV (transaction attributes included) and JSON
// Lines.
func eventsInput() {
	evOnce.Do(func() {
		r := rand.New(rand.NewPCG(3, 4))
		var ce, rd, jl bytes.Buffer
		ce.WriteString("[\n")
		for i := range eventRows {
			name := evNames[r.IntN(len(evNames))]
			sec := int64(1601510400) + int64(i)*37 // from 2020-10-01, ~43 days
			ts := fmt.Sprintf("2020-%02d-%02dT%02d:%02d:%02dZ", 10+int(sec-1601510400)/(31*86400), 1+int(sec-1601510400)/86400%31,
				sec/3600%24, sec/60%60, sec%60)
			p := evProducts[r.IntN(len(evProducts))]
			total := fmt.Sprintf("%d.%02d", 5+r.IntN(300), r.IntN(100))
			if i > 0 {
				ce.WriteString(",\n")
			}
			user := fmt.Sprintf(`"id":"c-%d"`, r.IntN(50_000))
			if r.IntN(4) == 0 {
				user = fmt.Sprintf(`"email":"customer.%d@example.com","businessUnit":"de"`, r.IntN(50_000))
			}
			fmt.Fprintf(&ce, `  {"event":%q,%s,"timestamp":%q,"orderId":"%d","total":%s,"currency":"EUR","cart":[`, name, user, ts, 100000+i, total)
			for k := range 1 + r.IntN(3) {
				if k > 0 {
					ce.WriteByte(',')
				}
				fmt.Fprintf(&ce, `{"productId":%q,"price":%d.95,"quantity":%d}`, evProducts[r.IntN(len(evProducts))], 5+r.IntN(90), 1+r.IntN(3))
			}
			ce.WriteString("]}")
			rts := ts[:10] + " " + ts[11:19]
			typ := "7"
			if name != "orderCompleted" {
				typ = fmt.Sprint(1 + r.IntN(6))
			}
			fmt.Fprintf(&rd, "%s;C%d;%s;SHOES;%s;%d;%s;%s;BU-DE;;;;Trail Runner;Nordkap;;;;;;;;;P-%d;coupon=X\n",
				rts, r.IntN(50_000), typ, p, 1+r.IntN(3), total, evCities[r.IntN(len(evCities))], i)
			fmt.Fprintf(&jl, `{"event":%q,"userId":"customer.%d@example.com","timestamp":%q,"productId":%q,"total":%s,"city":%q}`+"\n",
				name, r.IntN(50_000), ts, p, total, evCities[r.IntN(len(evCities))])
		}
		ce.WriteString("\n]\n")
		evCE, evRD, evJSONL = ce.Bytes(), rd.Bytes(), jl.Bytes()
	})
}

// runEvents reads in as format, validates and (with group) diffs against
// state on one goroutine; it returns the state the events make.
func runEvents(b *testing.B, f *formats.Format, name string, in []byte, group bool, state *columnar.KeyMap[uint64]) {
	pool := &columnar.PoolAllocator{}
	r, err := f.Shape(bytes.NewReader(in), name, formats.ReadOptions{Allocator: pool})
	if err != nil {
		b.Fatal(err)
	}
	v, err := events.Kind.Bind(f, r.Header(), kinds.BindOptions{Allocator: pool, Pool: pool})
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
		g, err = events.Kind.NewGrouper(kinds.GroupConfig{Files: []string{name}, Rejects: rw, ImportID: "bench",
			Pool: pool, EventHead: []byte(`,"version":1`), State: state})
		if err != nil {
			b.Fatal(err)
		}
	}
	valid := 0
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
		for _, bad := range o.(*events.Rows).RowError {
			if !bad {
				valid++
			}
		}
		if g == nil {
			o.Release()
			continue
		}
		if err := g.Add(0, o, nil, &sink); err != nil {
			b.Fatal(err)
		}
	}
	if valid != eventRows {
		b.Fatalf("%s: %d valid events, want %d", f.Name, valid, eventRows)
	}
	if g != nil {
		if _, err := g.Settle(); err != nil {
			b.Fatal(err)
		}
	}
}

// committedState is the state of a warehouse holding every event of in.
func committedState(b *testing.B, f *formats.Format, name string, in []byte) *columnar.KeyMap[uint64] {
	pool := &columnar.PoolAllocator{}
	r, err := f.Shape(bytes.NewReader(in), name, formats.ReadOptions{Allocator: pool})
	if err != nil {
		b.Fatal(err)
	}
	v, err := events.Kind.Bind(f, r.Header(), kinds.BindOptions{Allocator: pool, Pool: pool})
	if err != nil {
		b.Fatal(err)
	}
	state := &columnar.KeyMap[uint64]{}
	var buf, key []byte
	for {
		bt, err := r.ReadBatch()
		if errors.Is(err, io.EOF) {
			return state
		}
		if err != nil {
			b.Fatal(err)
		}
		o, err := v.Validate(bt)
		if err != nil {
			b.Fatal(err)
		}
		rows := o.(*events.Rows)
		for i := range rows.Rows() {
			var fp uint64
			fp, buf = events.Fingerprint(buf, rows.Event(i), rows.Type(i), rows.ID(i), rows.At[i], rows.Props(i))
			key = columnar.AppendHex16(key[:0], fp)
			state.Put(columnar.KeyOf(key), fp)
		}
	}
}

// BenchmarkEvents measures the events kind on one goroutine, per feed:
// reading and binding (validate: JSON types, user ids, timestamps,
// properties as JSON), then the whole kind (group: fingerprint, diff,
// event lines, records built per day) into an empty warehouse and into
// one that holds every event (a re-import: everything unchanged).
func BenchmarkEvents(b *testing.B) {
	eventsInput()
	const ceName = "event_history_20201201000000.json"
	for _, tc := range []struct {
		name string
		f    *formats.Format
		in   []byte
	}{
		{"crossengage", formats.CrossEngageJSON, evCE},
		{"related-digital", formats.RelatedDigital, evRD},
		{"jsonl", formats.EventsJSONL, evJSONL},
	} {
		for _, mode := range []string{"validate", "group-new", "group-reimport"} {
			b.Run(tc.name+"/"+mode, func(b *testing.B) {
				var state *columnar.KeyMap[uint64]
				if mode == "group-reimport" {
					state = committedState(b, tc.f, ceName, tc.in)
				}
				b.SetBytes(int64(len(tc.in)))
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					runEvents(b, tc.f, ceName, tc.in, mode != "validate", state)
				}
				report(b, eventRows)
				cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
				b.ReportMetric(cpu, "cpu-s/op")
				b.ReportMetric(float64(eventRows)/cpu, "rows/cpu-s")
			})
		}
	}
}

// BenchmarkEventsImport measures whole imports (ingot.Import: read,
// validate on every core, diff, Parquet partitioned by day, the event
// log, the DuckDB summary, the commit) of each feed into a fresh
// warehouse, and the re-import of the same file (nothing added, nothing
// committed).
func BenchmarkEventsImport(b *testing.B) {
	eventsInput()
	dir := b.TempDir()
	for _, tc := range []struct {
		format, file string
		in           []byte
	}{
		{"crossengage-json", "event_history_20201201000000.json", evCE},
		{"related-digital", "events.csv", evRD},
		{"jsonl", "events.jsonl", evJSONL},
	} {
		src := filepath.Join(dir, tc.file)
		if err := os.WriteFile(src, tc.in, 0o666); err != nil {
			b.Fatal(err)
		}
		for _, again := range []bool{false, true} {
			name := tc.format + "/new"
			if again {
				name = tc.format + "/reimport"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(tc.in)))
				var cpu float64 // of the timed imports only
				for b.Loop() {
					b.StopTimer()
					dest := filepath.Join(b.TempDir(), "wh")
					opt := ingot.ImportOptions{Kind: ingot.KindEvents, Format: tc.format, Sources: []string{src}, Dest: dest,
						ReportDir: b.TempDir()}
					if again {
						if _, err := ingot.Import(context.Background(), opt); err != nil {
							b.Fatal(err)
						}
						opt.ReportDir = b.TempDir()
					}
					b.StartTimer()
					cpu0 := cpuTime()
					rep, err := ingot.Import(context.Background(), opt)
					cpu += (cpuTime() - cpu0).Seconds()
					if err != nil {
						b.Fatal(err)
					}
					want := int64(eventRows)
					if again {
						want = 0
					}
					if rep.Counts.Added != want {
						b.Fatalf("added %d, want %d", rep.Counts.Added, want)
					}
				}
				report(b, eventRows)
				b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(eventRows)*float64(b.N)/cpu, "rows/cpu-s")
			})
		}
	}
}
