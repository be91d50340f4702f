package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"ingot"
	"ingot/formats/compress"
	"ingot/formats/csv"
	"ingot/validate"
)

func importCmd(g *globals) *cobra.Command {
	var (
		opt       ingot.ImportOptions
		asJSON    bool
		quiet     bool
		delimiter string
	)
	c := &cobra.Command{
		Use:   "import KIND SOURCE...",
		Short: "Import files into the warehouse",
		Long: `Import files of one kind into the warehouse: read, validate, group the rows of
each order, diff against what is committed, and commit Parquet, an event-log
segment and a manifest atomically. Sources are paths, globs (** for any depth),
directories or file:// URIs, plain or gzip/zstd/zip-compressed.

The report (report.json, rejects.csv, rejects.json) goes to
<dest>/_ingot/reports/<import id>/, or --report-dir; a dry run writes only the
report, by default into the current directory.`,
		Example: `  ingot import orders export.csv --format kevel-csv
  ingot import orders 'exports/2024-*.csv.gz' --format kevel-csv --dest /data/warehouse
  ingot import orders export.csv --format kevel-csv --dry-run --json | jq .counts`,
		Args: cobra.MinimumNArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return ingot.KindNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Kind, opt.Sources = args[0], args[1:]
			switch len(delimiter) {
			case 0:
			case 1:
				opt.Delimiter = delimiter[0]
			default:
				if delimiter == `\t` || delimiter == "tab" {
					opt.Delimiter = '\t'
				} else {
					return usage("--delimiter: expected one character, found %q", delimiter)
				}
			}
			log, err := g.logger()
			if err != nil {
				return usage("%v", err)
			}
			opt.Logger = log
			opt.Command = append([]string{"ingot"}, g.args...)
			if !quiet {
				opt.Progress = g.stderr
			}
			rep, err := ingot.Import(cmd.Context(), opt)
			var ue *ingot.UsageError
			if errors.As(err, &ue) {
				return &exitError{code: exitUsage, err: err}
			}
			if rep == nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if jerr := enc.Encode(rep); jerr != nil {
					return jerr
				}
			}
			if !quiet || err != nil {
				rep.WriteSummary(g.stderr)
			}
			switch {
			case errors.Is(err, context.Canceled):
				return &exitError{code: exitCanceled, err: err}
			case err != nil:
				return &exitError{code: exitFailed, err: err}
			case rep.Status == validate.StatusCompletedWithFailures:
				return &exitError{code: exitPartial}
			case rep.DryRun && failedFiles(rep) > 0:
				return &exitError{code: exitPartial}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&opt.Format, "format", "", "input format: "+strings.Join(ingot.FormatNames(""), ", ")+" (default: kevel-csv for orders, csv for customers and products)")
	f.StringVar(&opt.Dest, "dest", "./warehouse", "warehouse directory")
	f.BoolVar(&opt.DryRun, "dry-run", false, "run everything but the commit; write only the report")
	f.StringVar(&opt.ReportDir, "report-dir", "", "where to write the report (default: in the warehouse, or . on a dry run)")
	f.StringVar(&opt.Encoding, "encoding", "", "text encoding of the sources: utf-8 (default), auto, or a name such as windows-1252")
	f.StringVar(&delimiter, "delimiter", "", `CSV field delimiter (default ","; \t for tab)`)
	f.BoolVar(&opt.HashEmails, "hash-emails", false, "store e-mail user ids as their SHA-256 (type email_sha256)")
	f.StringVar(&opt.UserIDColumn, "user-id", "", "customers: the column holding the user id (default userId)")
	f.StringVar(&opt.UserIDType, "user-id-type", "", "customers: the type of the user ids: email (default), email_sha256, email_md5, phone, phone_sha256 or a custom type")
	f.StringVar(&opt.KeyColumn, "key", "", "products: the column holding the product id (default productId)")
	f.StringVar(&opt.Merge, "merge", "", "customers, products: merge (default: given attributes added or replaced, others kept) or overwrite")
	f.StringVar(&opt.OnRagged, "on-ragged", "", "customers, products: rows with too few or too many fields: reject (default), pad or truncate")
	f.StringVar(&opt.OrderID, "order-id", "", "the column that identifies an order, where the format offers a choice (shopify-csv: Name or Id; default Name)")
	f.StringVar(&opt.MaxRejected, "max-rejected", "", "fail (commit nothing) when more records are rejected: a count, a percentage like 2.5%, or none (default 50%)")
	f.IntVar(&opt.MaxRecordBytes, "max-record-bytes", csv.DefaultMaxRecordBytes, "longest CSV record accepted, in bytes; a longer one fails the file")
	f.IntVar(&opt.MaxFieldBytes, "max-field-bytes", csv.DefaultMaxFieldBytes, "longest CSV field accepted, in bytes; a longer one fails the file")
	f.IntVar(&opt.MaxColumns, "max-columns", csv.DefaultMaxColumns, "most columns a header may have; more fails the file before reading it")
	f.Int64Var(&opt.MaxDecompressedBytes, "max-decompressed-bytes", 0, "most bytes one compressed source may expand to (0: no limit)")
	f.Int64Var(&opt.MaxDecompressionRatio, "max-decompression-ratio", compress.DefaultMaxRatio,
		"most decompressed bytes per compressed byte, checked after the first 64 MiB; -1 disables (stops decompression bombs)")
	f.IntVar(&opt.BatchRows, "batch-rows", 0, "rows per batch (default 16384)")
	f.IntVar(&opt.Workers, "workers", 0, "validation goroutines (default: number of CPUs)")
	f.BoolVar(&asJSON, "json", false, "print report.json to stdout")
	f.BoolVar(&quiet, "quiet", false, "no progress lines or summary on stderr (errors still)")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ingot.FormatNames(""), cobra.ShellCompDirectiveNoFileComp))
	return c
}

func failedFiles(r *validate.Report) int {
	n := 0
	for _, f := range r.Files {
		if f.Status == validate.FileFailed {
			n++
		}
	}
	return n
}
