package ingot

import (
	"bufio"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/issue"
)

// TestRepeatedRowBombIsRejectedAsOne imports the gzip of one valid row
// repeated 300,000 times (one order, as the bomb of a row repeated
// forever is) with a line-item limit of 1,000: the order is rejected as
// one (order_too_large, one reject naming it and its first line, every
// row counted), and the heap stays bounded: the order's batches are
// handed on while it is open (without the limit the grouper held all of
// them until the order ended, and this test took minutes).
func TestRepeatedRowBombIsRejectedAsOne(t *testing.T) {
	const repeats = 300_000
	dir := t.TempDir()
	src := filepath.Join(dir, "bomb.csv.gz")
	f, err := os.Create(src)
	require.NoError(t, err)
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<20)
	basic, err := os.ReadFile(filepath.Join("testdata", "kevel", "basic.csv"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(basic), "\n")
	_, _ = bw.WriteString(lines[0])
	for range repeats {
		_, _ = bw.WriteString(lines[1])
	}
	require.NoError(t, bw.Flush())
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())

	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the heap while the import runs
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	rep, err := Import(context.Background(), ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{src},
		Dest: filepath.Join(dir, "wh"), MaxLineItems: 1000, MaxRejected: "none", MaxDecompressionRatio: -1})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	c := rep.Counts
	require.Equal(t, int64(repeats), c.Rows)
	require.Equal(t, int64(1), c.Records)
	require.Equal(t, int64(1), c.Rejected)
	require.Equal(t, int64(repeats), c.RowsRejected)
	require.NoError(t, c.Check())
	require.Equal(t, int64(1), rep.Rejects.Count, "one reject for the order, not one per row")
	rejects, err := os.ReadFile(filepath.Join(rep.ReportDir, "rejects.csv"))
	require.NoError(t, err)
	require.Contains(t, string(rejects), "order_too_large")
	require.Contains(t, string(rejects), "bomb.csv.gz,2,A-1,orderId")
	var n int64
	for _, is := range rep.Issues {
		if is.Code == issue.InfoOf(issue.OrderTooLarge).Name {
			n += is.Count
		}
	}
	require.Equal(t, int64(1), n)
	t.Logf("peak heap in use: %d MiB", peak>>20)
	require.Less(t, peak, uint64(400<<20), "the order is not held whole")
}
