package commit

import (
	"bytes"
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	ddzstd "github.com/DataDog/zstd"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"ingot/schema"
)

// writeDataset writes d's orders and line items interleaved, as an import
// does, with the same options for both tables, and returns the files.
func writeDataset(tb testing.TB, s Store, d *dataset, opt WriterOptions) []FileInfo {
	files, _ := writeDatasetParts(tb, s, []*dataset{d}, opt, opt, false)
	return files
}

// writeDatasetParts is writeDataset of several datasets in a row, with
// options per table and every record in one partition if onePart. It also
// returns the number of row groups written.
func writeDatasetParts(tb testing.TB, s Store, ds []*dataset, oopt, iopt WriterOptions, onePart bool) ([]FileInfo, int64) {
	part := func(p string) string {
		if onePart {
			return "all"
		}
		return p
	}
	ctx := context.Background()
	var parts Parts
	ow, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp-bench", &parts, oopt)
	require.NoError(tb, err)
	iw, err := NewTableWriter(s, schema.LineItems, schema.LineItemsSchema, "imp-bench", &parts, iopt)
	require.NoError(tb, err)
	for _, d := range ds {
		perOrder := len(d.items) / max(1, len(d.orders))
		j := 0
		for _, o := range d.orders {
			require.NoError(tb, ow.Write(ctx, part(o.part), o.rec))
			for k := 0; k < perOrder && j < len(d.items); k++ {
				require.NoError(tb, iw.Write(ctx, part(d.items[j].part), d.items[j].rec))
				j++
			}
		}
		for ; j < len(d.items); j++ {
			require.NoError(tb, iw.Write(ctx, part(d.items[j].part), d.items[j].rec))
		}
	}
	of, err := ow.Close(ctx)
	require.NoError(tb, err)
	lf, err := iw.Close(ctx)
	require.NoError(tb, err)
	return append(of, lf...), ow.rowGroups.Load() + iw.rowGroups.Load()
}

func totalBytes(files []FileInfo) int64 {
	var n int64
	for _, f := range files {
		n += f.Bytes
	}
	return n
}

func stringColumns(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		switch f.Type.(type) {
		case *arrow.StringType, *arrow.ListType:
			out = append(out, f.Name)
		}
	}
	return out
}

// BenchmarkTableWriter writes 100k orders (and their 260k line items) as
// the two tables over 36 partitions, in small interleaved records (~110
// orders and ~290 line items a Write), into a store that only counts bytes
// (store=local: a LocalStore). Each sub-benchmark changes one setting of the
// defaults; x10 writes 1M distinct orders. MB/s is Parquet produced; rows/s
// and rows/cpu-s count orders and line items; cpu-s/op is the process's CPU
// time, steadier than wall time on a shared machine. bench/RESULTS.md has
// the figures, and those of arrow-go pqarrow, measured with this benchmark
// before its code was removed.
func BenchmarkTableWriter(b *testing.B) {
	d := genDataset(memory.NewGoAllocator(), 100_000, 4096, 1)
	defer d.release()
	// 1M orders, made only if a x10 benchmark runs: 10 datasets of distinct
	// orders (repeating one would flatter zstd).
	var ten []*dataset
	tenDatasets := func() []*dataset {
		if ten == nil {
			ten = []*dataset{d}
			for seed := uint64(2); seed <= 10; seed++ {
				ten = append(ten, genDataset(memory.NewGoAllocator(), 100_000, 4096, seed))
			}
		}
		return ten
	}
	defer func() {
		for _, x := range ten[min(1, len(ten)):] {
			x.release()
		}
	}()

	type config struct {
		name string
		opt  WriterOptions
		dict string // low (DictionaryColumns), all (every string column), none
		one  bool   // all rows in one partition: full row groups
		x10  bool   // 10 datasets of 100k orders: as many rows as 1M orders
		disk bool   // into a LocalStore (fsync and all) instead of counting bytes
	}
	configs := []config{
		{name: "zstd=1/dict=low/conc=1", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1}, dict: "low"},
		{name: "zstd=1/dict=low/conc=2", opt: WriterOptions{CompressionLevel: 1, Concurrency: 2}, dict: "low"},
		{name: "zstd=3/dict=low/conc=1", opt: WriterOptions{CompressionLevel: 3, Concurrency: 1}, dict: "low"},
		{name: "zstd=1/dict=all/conc=1", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1}, dict: "all"},
		{name: "zstd=1/dict=none/conc=1", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1}, dict: "none"},
		{name: "zstd=1/dict=low/conc=1/page=1M", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1, PageBytes: 1 << 20}, dict: "low"},
		{name: "zstd=1/dict=low/conc=1/buf=16M", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1, MaxBuffered: 16 << 20}, dict: "low"},
		{name: "zstd=1/dict=low/conc=1/parts=1", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1}, dict: "low", one: true},
		{name: "zstd=1/dict=low/conc=2/store=local", opt: WriterOptions{CompressionLevel: 1, Concurrency: 2}, dict: "low", disk: true},
		{name: "zstd=1/dict=low/conc=1/x10", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1}, dict: "low", x10: true},
		{name: "zstd=1/dict=low/conc=2/x10", opt: WriterOptions{CompressionLevel: 1, Concurrency: 2}, dict: "low", x10: true},
		{name: "zstd=1/dict=low/conc=1/buf=128M/x10", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1, MaxBuffered: 128 << 20}, dict: "low", x10: true},
		{name: "zstd=1/dict=low/conc=1/buf=16M/x10", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1, MaxBuffered: 16 << 20}, dict: "low", x10: true},
		{name: "zstd=1/dict=low/conc=1/buf=256M/x10", opt: WriterOptions{CompressionLevel: 1, Concurrency: 1, MaxBuffered: 256 << 20}, dict: "low", x10: true},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			oopt, iopt := c.opt, c.opt
			switch c.dict {
			case "all":
				oopt.Dictionary, iopt.Dictionary = stringColumns(schema.OrdersSchema), stringColumns(schema.LineItemsSchema)
			case "none":
				oopt.Dictionary, iopt.Dictionary = []string{}, []string{}
			}
			b.ReportAllocs()
			ds := []*dataset{d}
			if c.x10 {
				ds = tenDatasets()
			}
			var rows int64
			for _, d := range ds {
				rows += d.orderRows + d.itemRows
			}
			var out, groups int64
			cpu0 := cpuTime()
			for b.Loop() {
				var s Store = newDiscardStore()
				if c.disk {
					b.StopTimer()
					ls, err := OpenLocal(b.TempDir())
					require.NoError(b, err)
					s = ls
					b.StartTimer()
				}
				var files []FileInfo
				files, groups = writeDatasetParts(b, s, ds, oopt, iopt, c.one)
				out = totalBytes(files)
			}
			cpu := (cpuTime() - cpu0).Seconds()
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(rows)*float64(b.N)/cpu, "rows/cpu-s")
			b.SetBytes(out)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(out)/float64(rows), "B/row")
			b.ReportMetric(float64(rows)/float64(groups), "rows/rg")
		})
	}
}

// cpuTime returns the user+system CPU time of the process so far: on a
// shared machine it measures work where wall time measures contention.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recordingCtx is a zstd context that keeps a copy of every page it
// compresses.
type recordingCtx struct {
	ddzstd.Ctx
	mu    *sync.Mutex
	pages *[][]byte
}

func (c recordingCtx) CompressLevel(dst, src []byte, level int) ([]byte, error) {
	c.mu.Lock()
	*c.pages = append(*c.pages, bytes.Clone(src))
	c.mu.Unlock()
	return c.Ctx.CompressLevel(dst, src, level)
}

// BenchmarkPageCompression compresses the pages (data and dictionary, as
// encoded before compression) of the 100k-order dataset with the codecs
// tried for them: klauspost/compress at its fastest level with entropy
// coding of literals on (the codec of the parquet-go version), and the C
// library (DataDog/zstd) at levels 1 and 3 with a reused context. ratio is
// the bytes in over the bytes out.
func BenchmarkPageCompression(b *testing.B) {
	d := genDataset(memory.NewGoAllocator(), 100_000, 4096, 1)
	defer d.release()
	var mu sync.Mutex
	var pages [][]byte
	record := func(w *TableWriter) {
		s := w.enc.getScratch()
		s.zctx = recordingCtx{Ctx: s.zctx, mu: &mu, pages: &pages}
		w.enc.putScratch(s)
	}
	ctx := context.Background()
	var parts Parts
	opt := WriterOptions{Concurrency: 1}
	ow, err := NewTableWriter(newDiscardStore(), schema.Orders, schema.OrdersSchema, "imp", &parts, opt)
	require.NoError(b, err)
	iw, err := NewTableWriter(newDiscardStore(), schema.LineItems, schema.LineItemsSchema, "imp", &parts, opt)
	require.NoError(b, err)
	record(ow)
	record(iw)
	for _, o := range d.orders {
		require.NoError(b, ow.Write(ctx, o.part, o.rec))
	}
	for _, o := range d.items {
		require.NoError(b, iw.Write(ctx, o.part, o.rec))
	}
	_, err = ow.Close(ctx)
	require.NoError(b, err)
	_, err = iw.Close(ctx)
	require.NoError(b, err)
	var in int64
	for _, p := range pages {
		in += int64(len(p))
	}

	kp, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithAllLitEntropyCompression(true), zstd.WithWindowSize(1<<20))
	require.NoError(b, err)
	dd := ddzstd.NewCtx()
	for _, c := range []struct {
		name string
		enc  func(dst, src []byte) ([]byte, error)
	}{
		{"klauspost=fastest", func(dst, src []byte) ([]byte, error) { return kp.EncodeAll(src, dst[:0]), nil }},
		{"datadog=1", func(dst, src []byte) ([]byte, error) { return dd.CompressLevel(dst[:cap(dst)], src, 1) }},
		{"datadog=3", func(dst, src []byte) ([]byte, error) { return dd.CompressLevel(dst[:cap(dst)], src, 3) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(in)
			var dst []byte
			var out int64
			for b.Loop() {
				out = 0
				for _, p := range pages {
					if dst, err = c.enc(dst, p); err != nil {
						b.Fatal(err)
					}
					out += int64(len(dst))
				}
			}
			b.ReportMetric(float64(in)/float64(out), "ratio")
			b.ReportMetric(float64(len(pages)), "pages")
		})
	}
}

// BenchmarkDictionary looks up the values of the dictionary-encoded line
// item columns of 20k orders in the encoder's dictionary table and, for
// comparison, in a Go map keyed by the same strings.
func BenchmarkDictionary(b *testing.B) {
	d := genDataset(memory.NewGoAllocator(), 20_000, 4096, 1)
	defer d.release()
	for _, name := range []string{"brand", "category", "currency", "size", "status", "import_id", "source_file"} {
		c := schema.LineItemsSchema.FieldIndices(name)[0]
		var vals [][]byte
		var size int64
		for _, r := range d.items {
			a := r.rec.Column(c).(*array.String)
			offs, data := a.ValueOffsets(), stringData(a)
			for i := range a.Len() {
				if !a.IsNull(i) {
					vals = append(vals, data[offs[i]:offs[i+1]])
					size += int64(offs[i+1] - offs[i])
				}
			}
		}
		b.Run(name+"/table", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(size)
			var t dictTable
			for b.Loop() {
				t.reset()
				for _, v := range vals {
					t.index(v)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
		})
		b.Run(name+"/map", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(size)
			m := map[string]int32{}
			for b.Loop() {
				clear(m)
				for _, v := range vals {
					k := unsafe.String(unsafe.SliceData(v), len(v))
					if _, ok := m[k]; !ok {
						m[k] = int32(len(m))
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
		})
	}
}
