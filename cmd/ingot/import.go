package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ingot"
	"ingot/formats/source"
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
directories, file://, http(s)://, s3://bucket/key (or a prefix, or a glob over
keys) and sftp://user@host:port/path (globs too) URIs, or - for standard input;
plain or gzip/zstd/zip-compressed. --dest may be s3://bucket/prefix.

S3 uses the standard AWS credential chain, region and AWS_ENDPOINT_URL_S3.
SFTP authenticates with --sftp-key (INGOT_SFTP_KEY_PASSPHRASE for an encrypted
key), an ssh-agent, or INGOT_SFTP_PASSWORD; host keys are always checked
against --known-hosts. Credentials never appear in reports or logs.

The report (report.json, rejects.csv, rejects.json) goes to
<dest>/_ingot/reports/<import id>/, or --report-dir; a dry run writes only the
report, by default into the current directory.`,
		Example: `  ingot import orders export.csv --format kevel-csv
  ingot import orders 'exports/2024-*.csv.gz' --format kevel-csv --dest /data/warehouse
  ingot import orders export.csv --format kevel-csv --dry-run --json | jq .counts
  zcat export.csv.gz | ingot import orders - --format kevel-csv
  ingot import orders 's3://exports/2024/*.csv.gz' --dest s3://lake/warehouse --move-processed`,
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
			opt.Stdin = g.stdin
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
	f.StringVar(&opt.Format, "format", "kevel-csv", "input format: "+strings.Join(ingot.FormatNames(""), ", "))
	f.StringVar(&opt.Dest, "dest", "./warehouse", "warehouse directory or s3://bucket/prefix")
	addStoreFlags(f, &opt.Stores)
	f.BoolVar(&opt.MoveProcessed, "move-processed", false, "after a successful import, move each imported source into processed/ beside it (local, s3, sftp; failed files stay)")
	f.BoolVar(&opt.DryRun, "dry-run", false, "run everything but the commit; write only the report")
	f.StringVar(&opt.ReportDir, "report-dir", "", "where to write the report (default: in the warehouse, or . on a dry run)")
	f.StringVar(&opt.Encoding, "encoding", "", "text encoding of the sources: utf-8 (default), auto, or a name such as windows-1252")
	f.StringVar(&delimiter, "delimiter", "", `CSV field delimiter (default ","; \t for tab)`)
	f.BoolVar(&opt.HashEmails, "hash-emails", false, "store e-mail user ids as their SHA-256 (type email_sha256)")
	f.StringVar(&opt.MaxRejected, "max-rejected", "", "fail (commit nothing) when more records are rejected: a count, a percentage like 2.5%, or none (default 50%)")
	f.IntVar(&opt.BatchRows, "batch-rows", 0, "rows per batch (default 16384)")
	f.IntVar(&opt.Workers, "workers", 0, "validation goroutines (default: number of CPUs)")
	f.BoolVar(&asJSON, "json", false, "print report.json to stdout")
	f.BoolVar(&quiet, "quiet", false, "no progress lines or summary on stderr (errors still)")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(ingot.FormatNames(""), cobra.ShellCompDirectiveNoFileComp))
	return c
}

// addStoreFlags adds the flags of remote sources and destinations.
func addStoreFlags(f *pflag.FlagSet, o *source.StoreOptions) {
	f.BoolVar(&o.S3.PathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	f.StringVar(&o.SFTP.KeyFile, "sftp-key", "", "private key file for sftp:// sources (passphrase from INGOT_SFTP_KEY_PASSPHRASE)")
	f.StringVar(&o.SFTP.KnownHosts, "known-hosts", "", "known_hosts file that SFTP host keys are checked against (default ~/.ssh/known_hosts)")
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
