package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"ingot/formats"
	"ingot/validate"
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
				r, err := formats.NewCSVReader(bytes.NewReader(in), "bench.csv", formats.CSVOptions{BatchRows: batch, KeyColumn: "orderId"})
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

// BenchmarkValidate measures reading plus typing and checking the Kevel
// rules on one goroutine.
func BenchmarkValidate(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := formats.NewCSVReader(bytes.NewReader(in), "bench.csv", formats.CSVOptions{KeyColumn: "orderId"})
		if err != nil {
			b.Fatal(err)
		}
		v, err := validate.NewOrderValidator(formats.KevelCSV, r.Header(), validate.OrderOptions{})
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
	report(b, genRows)
}
