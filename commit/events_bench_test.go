package commit

import (
	"fmt"
	"io"
	"testing"
)

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkEventWriter compresses 20,000 order events of about 1 KB at each
// zstd level. MB/s is uncompressed JSON; ratio is uncompressed/compressed.
func BenchmarkEventWriter(b *testing.B) {
	var lines [][]byte
	var raw int64
	for _, l := range eventLines(20000) {
		lines = append(lines, []byte(l))
		raw += int64(len(l)) + 1
	}
	for _, level := range []int{-5, -1, 1, 3, 6} {
		{
			b.Run(fmt.Sprintf("level=%d", level), func(b *testing.B) {
				b.SetBytes(raw)
				b.ReportAllocs()
				var out countWriter
				for b.Loop() {
					out = countWriter{}
					w, err := NewEventWriter(&out, EventOptions{Level: level})
					if err != nil {
						b.Fatal(err)
					}
					for _, l := range lines {
						if err := w.WriteLine(l); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(raw)/float64(out.n), "ratio")
				b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(raw)/float64(len(lines)), "B/line")
			})
		}
	}
}

var _ io.Writer = (*countWriter)(nil)
