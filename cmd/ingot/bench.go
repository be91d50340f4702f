package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"ingot/bench"
)

func benchCmd(g *globals) *cobra.Command {
	var (
		opt    bench.HarnessOptions
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "bench",
		Short: "Generate orders, import them, and report throughput and memory per phase",
		Long: `Generate a Kevel CSV or, with --format, another order format (or take
--input), then measure one after the other:
reading it into Arrow batches, a dry-run import, the import into an empty
warehouse, and the same import again (every order unchanged). Each phase prints
its time, rows/s, MB/s and the peak resident memory of the process; the import's
own stages follow.`,
		Example: `  ingot bench --orders 1000000
  ingot bench --input orders.csv --json > result.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := bench.Run(cmd.Context(), opt, g.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			res.WriteTable(g.stdout)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&opt.Orders, "orders", 1_000_000, "orders to generate")
	f.Float64Var(&opt.Defects, "defects", 0.005, "defect rate of the generated file (negative: none)")
	f.Int64Var(&opt.Seed, "seed", 1, "generator seed")
	f.StringVar(&opt.Format, "format", "kevel-csv", "the order format to generate and import (kevel-csv, shopify-csv)")
	f.StringVar(&opt.Input, "input", "", "use this file (in --format) instead of generating one")
	f.StringVar(&opt.Dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	f.IntVar(&opt.Workers, "workers", 0, "import workers (default: number of CPUs)")
	f.IntVar(&opt.BatchRows, "batch-rows", 0, "rows per batch")
	f.BoolVar(&opt.DuckDB, "duckdb", false, "also run the same import as DuckDB SQL, for comparison (needs several GB of memory)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}
