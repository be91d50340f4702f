package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/spf13/cobra"

	"ingot"
	"ingot/bench"
	"ingot/internal/textfmt"
)

func genCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "gen",
		Short: "Generate synthetic input files for tests and capacity planning",
	}
	var (
		opt    bench.GenOptions
		out    string
		format string
	)
	orders := &cobra.Command{
		Use:   "orders",
		Short: "Generate a realistic Kevel CSV of orders",
		Long: `Generate a Kevel CSV of orders: 1–8 line items per order, order fields on the
first row only, names with commas, quotes and non-ASCII text, mixed-case e-mails
and sha256 ids, created over 2020–2022. --defects adds that fraction of broken
rows (empty required fields, bad numbers, e-mails, dates, statuses, quantities,
field counts); --repeats makes that fraction of orders come back later as a
second run; --hot-order brings the first order's id back after that fraction
of orders (one id repeated thousands of times, interleaved with the others). --format shopify-csv writes the same orders as a Shopify "Export
orders" CSV. A file name ending in .gz or .zst is compressed.`,
		Example: `  ingot gen orders --orders 100000 -o orders.csv
  ingot gen orders --orders 1000000 --defects 0.005 --seed 7 -o orders_1m.csv.zst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opt.Validate(); err != nil {
				return usage("%v", err)
			}
			if out == "" {
				return usage("-o: an output file is required (- for stdout)")
			}
			write, ok := bench.Writers[format]
			if !ok {
				return usage("--format: no generator for %q (have: %s)", format, strings.Join(slices.Sorted(maps.Keys(bench.Writers)), ", "))
			}
			st, err := generate(write, opt, out, g.stdout)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "ingot: wrote %s orders, %s rows, %.1f MB to %s (defect rows: %d, repeated orders: %d)\n",
				fmtInt(st.Orders), fmtInt(st.Rows), float64(st.Bytes)/1e6, out, sum(st.Defects), st.Repeated)
			return nil
		},
	}
	f := orders.Flags()
	f.IntVar(&opt.Orders, "orders", 1000, "number of orders")
	f.Float64Var(&opt.Defects, "defects", 0.005, "fraction of rows with one defect (0 for a clean file)")
	f.Float64Var(&opt.Repeats, "repeats", 0, "fraction of orders written a second time, later")
	f.Float64Var(&opt.HotOrder, "hot-order", 0, "fraction of orders after which the first order's id comes back as another run")
	f.Int64Var(&opt.Seed, "seed", 1, "random seed: the same seed gives the same file")
	f.StringVar(&format, "format", "kevel-csv", "the input format to write: "+strings.Join(ingot.FormatNames("orders"), ", "))
	f.StringVarP(&out, "output", "o", "", "output file (.gz and .zst are compressed; - for stdout)")
	c.AddCommand(orders)
	return c
}

// generate writes the file, compressed by its suffix.
func generate(write func(io.Writer, bench.GenOptions) (bench.GenStats, error), opt bench.GenOptions, out string, stdout io.Writer) (bench.GenStats, error) {
	var w io.Writer = stdout
	var closers []io.Closer
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return bench.GenStats{}, err
		}
		closers = append(closers, f)
		w = f
	}
	switch {
	case strings.HasSuffix(out, ".gz"):
		zw := gzip.NewWriter(w)
		closers = append([]io.Closer{zw}, closers...)
		w = zw
	case strings.HasSuffix(out, ".zst"):
		zw, err := zstd.NewWriter(w)
		if err != nil {
			return bench.GenStats{}, err
		}
		closers = append([]io.Closer{zw}, closers...)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	st, err := write(bw, opt)
	if err == nil {
		err = bw.Flush()
	}
	for _, c := range closers {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return st, err
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func fmtInt(n int) string { return textfmt.Thousands(int64(n)) }
