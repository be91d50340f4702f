package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"ingot"
	"ingot/formats"
	"ingot/formats/csv"
	"ingot/kinds/orders"
)

var (
	genOnce sync.Once
	genData []byte
	genRows int
)

// benchInput is a 100,000-order Kevel CSV with the default defect rate,
// generated once per test binary.
func benchInput(b *testing.B) []byte {
	genOnce.Do(func() {
		var buf bytes.Buffer
		st, err := GenerateOrders(&buf, GenOptions{Orders: 100_000, Defects: 0.005, Seed: 1})
		if err != nil {
			panic(err)
		}
		genData, genRows = buf.Bytes(), st.Rows
	})
	return genData
}

func report(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVReader measures the CSV reader alone: bytes to Arrow string
// columns with provenance.
func BenchmarkCSVReader(b *testing.B) {
	in := benchInput(b)
	for _, batch := range []int{4096, 16384, 65536} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := csv.NewReader(bytes.NewReader(in), "bench.csv", csv.Options{BatchRows: batch, KeyColumn: "orderId"})
				if err != nil {
					b.Fatal(err)
				}
				for {
					bt, err := r.ReadBatch()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					bt.Release()
				}
			}
			report(b, genRows)
		})
	}
}

// BenchmarkValidate measures reading plus typing and checking the rules
// on one goroutine, for every registered order format (the same 100,000
// generated orders written by each format's writer).
func BenchmarkValidate(b *testing.B) {
	for _, f := range ingot.Formats() {
		b.Run(f.Name, func(b *testing.B) {
			in, rows := benchInput(b), genRows
			if f.Name != "kevel-csv" {
				var buf bytes.Buffer
				st, err := Writers[f.Name](&buf, GenOptions{Orders: 100_000, Defects: 0.005, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				in, rows = buf.Bytes(), st.Rows
			}
			benchValidate(b, f, in, rows)
		})
	}
}

func benchValidate(b *testing.B, f *formats.Format, in []byte, rows int) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := csv.NewReader(bytes.NewReader(in), "bench.csv", csv.Options{KeyColumn: f.KeyField().Name, Carry: f.Carry()})
		if err != nil {
			b.Fatal(err)
		}
		v, err := orders.NewValidator(f, r.Header(), orders.Options{})
		if err != nil {
			b.Fatal(err)
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
			o.Release()
		}
	}
	report(b, rows)
}

// BenchmarkImport measures the whole import of 100,000 generated orders:
// read, validate, group, diff, Parquet, events, summary and commit into an
// empty warehouse, with GOMAXPROCS goroutines.
func BenchmarkImport(b *testing.B) {
	in := benchInput(b)
	dir := b.TempDir()
	src := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(src, in, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, dry := range []bool{false, true} {
		b.Run(fmt.Sprintf("dry=%v", dry), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				dest := filepath.Join(dir, fmt.Sprintf("wh-%v-%d", dry, n))
				rep, err := ingot.Import(context.Background(), ingot.ImportOptions{
					Kind: ingot.KindOrders, Format: "kevel-csv", Sources: []string{src},
					Dest: dest, DryRun: dry, ReportDir: filepath.Join(dir, "report"),
				})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Counts.Rows != int64(genRows) {
					b.Fatalf("imported %d rows, want %d", rep.Counts.Rows, genRows)
				}
				os.RemoveAll(dest)
			}
			report(b, genRows)
		})
	}
}
