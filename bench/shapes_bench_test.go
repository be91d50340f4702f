package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ingot"
)

// BenchmarkImportShapes imports files of the same 50,000 orders in the
// shapes that used to cost more than their size (issue 9: the cost stays
// linear in the input): clean; every row with an issue (storm); every row
// with an issue and 30% of orders coming back later (storm+repeats, where
// each reject was matched against every superseded run); the first order's
// id coming back after 5% of orders (hot: about 2,600 runs of one id); and the
// file sent three times in one file (three copies: the first two
// superseded). Compare the rows/s of each with clean's (within 3× is the
// bar); the figures are in RESULTS.md.
func BenchmarkImportShapes(b *testing.B) {
	const orders = 50_000
	shapes := []struct {
		name   string
		opt    GenOptions
		copies int
	}{
		{"clean", GenOptions{Orders: orders, Defects: 0.005, Seed: 1}, 1},
		{"storm", GenOptions{Orders: orders, Defects: 1, Seed: 1}, 1},
		{"storm+repeats", GenOptions{Orders: orders, Defects: 1, Repeats: 0.3, Seed: 1}, 1},
		{"hot", GenOptions{Orders: orders, Defects: 0.005, HotOrder: 0.05, Seed: 1}, 1},
		{"three-copies", GenOptions{Orders: orders, Defects: 0.005, Seed: 1}, 3},
	}
	dir := b.TempDir()
	for _, sh := range shapes {
		var buf bytes.Buffer
		st, err := GenerateOrders(&buf, sh.opt)
		if err != nil {
			b.Fatal(err)
		}
		header, body, _ := strings.Cut(buf.String(), "\n")
		in := header + "\n" + strings.Repeat(body, sh.copies)
		rows := st.Rows * sh.copies
		src := filepath.Join(dir, sh.name+".csv")
		if err := os.WriteFile(src, []byte(in), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(sh.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			n := 0
			for b.Loop() {
				n++
				dest := filepath.Join(dir, "wh")
				rep, err := ingot.Import(context.Background(), ingot.ImportOptions{
					Kind: ingot.KindOrders, Format: "kevel-csv", Sources: []string{src},
					Dest: dest, ReportDir: filepath.Join(dir, "report"), MaxRejected: "none",
				})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Counts.Rows != int64(rows) {
					b.Fatalf("imported %d rows, want %d", rep.Counts.Rows, rows)
				}
				os.RemoveAll(dest)
			}
			report(b, rows)
		})
	}
}
