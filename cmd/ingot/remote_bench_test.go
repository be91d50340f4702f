package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/bench"
	"ingot/internal/s3test"
)

// BenchmarkImportS3VsDisk imports the same generated gzip Kevel CSV from
// the in-process S3 server and from the local disk into an empty local
// warehouse (bench/RESULTS.md, issue 7: within 15%). INGOT_BENCH_ORDERS
// sets the orders (default 100,000; the recorded figures use 1,000,000).
// Besides MB/s it reports the CPU seconds of the process per import (the
// machine is shared, so wall time alone misleads) and the peak RSS growth
// during the import. The fake S3 server runs in the same process and holds
// the object in memory; that memory is in the baseline, not the growth.
func BenchmarkImportS3VsDisk(b *testing.B) {
	orders := 100_000
	if s := os.Getenv("INGOT_BENCH_ORDERS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		orders = n
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "orders.csv.gz")
	f, err := os.Create(path)
	require.NoError(b, err)
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<20)
	st, err := bench.GenerateOrders(bw, bench.GenOptions{Orders: orders, Seed: 1, Defects: 0.005})
	require.NoError(b, err)
	require.NoError(b, bw.Flush())
	require.NoError(b, zw.Close())
	require.NoError(b, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(b, err)
	srv := s3test.Start(b, "in")
	srv.Env(b)
	_, err = srv.Backend.PutObject("in", "orders.csv.gz", nil, bytes.NewReader(data), int64(len(data)), nil)
	require.NoError(b, err)

	for _, c := range []struct{ name, src string }{{"disk", path}, {"s3", "s3://in/orders.csv.gz"}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var cpu time.Duration
			var peak int64
			for b.Loop() {
				b.StopTimer()
				dest := b.TempDir()
				base := rss()
				var grow atomic.Int64
				done := make(chan struct{})
				go func() {
					t := time.NewTicker(20 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-done:
							return
						case <-t.C:
							if r := rss() - base; r > grow.Load() {
								grow.Store(r)
							}
						}
					}
				}()
				c0 := cpuTime()
				b.StartTimer()
				var out, errb bytes.Buffer
				code := run(context.Background(), []string{"import", "orders", c.src, "--format", "kevel-csv", "--quiet",
					"--dest", dest, "--max-rejected", "none"}, strings.NewReader(""), &out, &errb)
				b.StopTimer()
				cpu += cpuTime() - c0
				close(done)
				require.Equal(b, 0, code, errb.String())
				peak = max(peak, grow.Load())
				b.StartTimer()
			}
			b.ReportMetric(float64(st.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(peak)/(1<<20), "peak-rss-growth-MiB")
		})
	}
}

// rss returns the resident memory of the process in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
