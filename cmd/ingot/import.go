package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ingot"
	"ingot/columnar"
	"ingot/formats/compress"
	"ingot/formats/csv"
	"ingot/kinds"
	"ingot/validate"
)

// importFlags are the flags of import (and schedule) that may override a
// spec's or a report's fields.
type importFlags struct {
	opt          ingot.ImportOptions
	delimiter    string
	quote        string
	asJSON       bool
	quiet        bool
	specFile     string
	fromReport   string
	allowChanged bool
}

// apply copies the flags the user set onto o, leaving the others as the
// spec or the report has them.
func (f *importFlags) apply(fs *pflag.FlagSet, o *ingot.ImportOptions) error {
	set := func(name string, fn func()) {
		if fs.Changed(name) {
			fn()
		}
	}
	set("format", func() { o.Format = f.opt.Format })
	set("dest", func() { o.Dest = f.opt.Dest })
	set("dry-run", func() { o.DryRun = f.opt.DryRun })
	set("force", func() { o.Force = f.opt.Force })
	set("report-dir", func() { o.ReportDir = f.opt.ReportDir })
	set("encoding", func() { o.Encoding = f.opt.Encoding })
	set("hash-emails", func() { o.HashEmails = f.opt.HashEmails })
	set("max-rejected", func() { o.MaxRejected = f.opt.MaxRejected })
	set("batch-rows", func() { o.BatchRows = f.opt.BatchRows })
	set("workers", func() { o.Workers = f.opt.Workers })
	set("order-id", func() { o.OrderID = f.opt.OrderID })
	set("user-id", func() { o.UserIDColumn = f.opt.UserIDColumn })
	set("user-id-type", func() { o.UserIDType = f.opt.UserIDType })
	set("key", func() { o.KeyColumn = f.opt.KeyColumn })
	set("merge", func() { o.Merge = f.opt.Merge })
	set("on-ragged", func() { o.OnRagged = f.opt.OnRagged })
	set("on-new-columns", func() { o.OnNewColumns = f.opt.OnNewColumns })
	set("header", func() { o.Header = f.opt.Header })
	set("s3-path-style", func() { o.Stores.S3.PathStyle = f.opt.Stores.S3.PathStyle })
	set("sftp-key", func() { o.Stores.SFTP.KeyFile = f.opt.Stores.SFTP.KeyFile })
	set("known-hosts", func() { o.Stores.SFTP.KnownHosts = f.opt.Stores.SFTP.KnownHosts })
	set("move-processed", func() { o.MoveProcessed = f.opt.MoveProcessed })
	set("allow-changed-options", func() { o.AllowChangedOptions = f.opt.AllowChangedOptions })
	set("max-record-bytes", func() { o.MaxRecordBytes = f.opt.MaxRecordBytes })
	set("max-field-bytes", func() { o.MaxFieldBytes = f.opt.MaxFieldBytes })
	set("max-columns", func() { o.MaxColumns = f.opt.MaxColumns })
	set("max-line-items", func() { o.MaxLineItems = f.opt.MaxLineItems })
	set("max-decompressed-bytes", func() { o.MaxDecompressedBytes = f.opt.MaxDecompressedBytes })
	set("max-decompression-ratio", func() { o.MaxDecompressionRatio = f.opt.MaxDecompressionRatio })
	if fs.Changed("delimiter") {
		d, err := ingot.ParseDelimiter(f.delimiter)
		if err != nil {
			return usage("--%v", err)
		}
		o.Delimiter = d
	}
	if fs.Changed("quote") {
		if len(f.quote) != 1 {
			return usage("--quote: expected one character, found %q", f.quote)
		}
		o.Quote = f.quote[0]
	}
	return nil
}

func (f *importFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.opt.Format, "format", "", "input format: "+strings.Join(ingot.FormatNames(""), ", ")+", or auto to recognise it (default: kevel-csv for orders, csv for customers and products, crossengage-json for events)")
	fs.StringVar(&f.opt.Dest, "dest", "./warehouse", "warehouse directory or s3://bucket/prefix")
	fs.BoolVar(&f.opt.Stores.S3.PathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	fs.StringVar(&f.opt.Stores.SFTP.KeyFile, "sftp-key", "", "private key file for sftp:// sources (passphrase from INGOT_SFTP_KEY_PASSPHRASE)")
	fs.StringVar(&f.opt.Stores.SFTP.KnownHosts, "known-hosts", "", "known_hosts file that SFTP host keys are checked against (default ~/.ssh/known_hosts)")
	fs.BoolVar(&f.opt.MoveProcessed, "move-processed", false, "after a successful import, move each imported source into processed/ beside it (local, s3, sftp; failed files stay)")
	fs.BoolVar(&f.opt.DryRun, "dry-run", false, "run everything but the commit; write only the report")
	fs.BoolVar(&f.opt.Force, "force", false, "import local files even if a file with the same sha256 is already committed (default: skip them as already committed)")
	fs.StringVar(&f.opt.ReportDir, "report-dir", "", "where to write the report (default: in the warehouse, or ./ingot-dry-run-<import id>/ on a dry run)")
	fs.StringVar(&f.opt.Encoding, "encoding", "auto", "text encoding of the sources: auto (BOM, UTF-8, else the likely single-byte encoding), or a name such as utf-8 or windows-1252")
	fs.StringVar(&f.delimiter, "delimiter", "", `CSV field delimiter (default: "," for orders, detected among , ; \t | for customers and products; \t for tab)`)
	fs.StringVar(&f.quote, "quote", "", `CSV quote character (default: ", detected for customers and products)`)
	fs.StringVar(&f.opt.Header, "header", "", "whether CSV files start with a header row: present or absent (default: present for orders, detected for customers and products)")
	fs.StringVar(&f.opt.OnNewColumns, "on-new-columns", "", "columns the format does not know: ignore (default; listed in the report) or fail (nothing imported); customers and products make them attributes")
	fs.BoolVar(&f.opt.HashEmails, "hash-emails", false, "store e-mail user ids as their SHA-256 (type email_sha256); addresses quoted in rejects, errors and reports are masked (f***@example.com)")
	fs.StringVar(&f.opt.MaxRejected, "max-rejected", "", "fail (commit nothing) when more records are rejected: a count, a percentage like 2.5%, or none (default 50%)")
	fs.StringVar(&f.opt.UserIDColumn, "user-id", "", "customers, events (jsonl): the column holding the user id (default userId)")
	fs.StringVar(&f.opt.UserIDType, "user-id-type", "", "customers, events (jsonl, when a record has no userIdType): the type of the user ids: email (default), email_sha256, email_md5, phone, phone_sha256 or a custom type")
	fs.StringVar(&f.opt.KeyColumn, "key", "", "products: the column holding the product id (default productId)")
	fs.StringVar(&f.opt.Merge, "merge", "", "customers, products: merge (default: given attributes added or replaced, others kept) or overwrite")
	fs.StringVar(&f.opt.OnRagged, "on-ragged", "", "rows with too few or too many fields: reject (default), pad (missing fields empty) or truncate (surplus dropped too); always counted")
	fs.StringVar(&f.opt.OrderID, "order-id", "", "the column that identifies an order, where the format offers a choice (shopify-csv: Name or Id; default Name)")
	fs.IntVar(&f.opt.MaxRecordBytes, "max-record-bytes", csv.DefaultMaxRecordBytes, "longest CSV record accepted, in bytes; a longer one fails the file")
	fs.IntVar(&f.opt.MaxFieldBytes, "max-field-bytes", csv.DefaultMaxFieldBytes, "longest CSV field accepted, in bytes; a longer one fails the file")
	fs.IntVar(&f.opt.MaxColumns, "max-columns", csv.DefaultMaxColumns, "most columns a header may have; more fails the file before reading it")
	fs.IntVar(&f.opt.MaxLineItems, "max-line-items", kinds.DefaultMaxLineItems, "most line items an order may have; a larger order is rejected as one (order_too_large)")
	fs.Int64Var(&f.opt.MaxDecompressedBytes, "max-decompressed-bytes", 0, "most bytes one compressed source may expand to (0: no limit)")
	fs.Int64Var(&f.opt.MaxDecompressionRatio, "max-decompression-ratio", compress.DefaultMaxRatio,
		"most decompressed bytes per compressed byte, checked after the first 64 MiB; -1 disables (stops decompression bombs)")
	fs.IntVar(&f.opt.BatchRows, "batch-rows", 0, "rows per batch (default "+strconv.Itoa(columnar.DefaultBatchRows)+")")
	fs.IntVar(&f.opt.Workers, "workers", 0, "validation goroutines (default: number of CPUs)")
	fs.BoolVar(&f.opt.AllowChangedOptions, "allow-changed-options", false,
		"import even if an option that changes what is stored (hash-emails, user-id-type, order-id, merge) differs from the warehouse's earlier commits")
	fs.StringVar(&f.specFile, "spec", "", "job spec (YAML or JSON); flags override its fields")
	_ = fs.SetAnnotation("spec", cobra.BashCompFilenameExt, []string{"yaml", "yml", "json"})
	for name, values := range flagValues {
		_ = fs.SetAnnotation(name, flagValuesAnnotation, values)
	}
}

// flagValues are the values of the import flags that take one of a
// fixed list, for shell completion.
var flagValues = map[string][]string{
	"merge":        {"merge", "overwrite"},
	"on-ragged":    {"reject", "pad", "truncate"},
	"order-id":     {"Name", "Id"},
	"user-id-type": {"email", "email_sha256", "email_md5", "phone", "phone_sha256"},
	"encoding":     {"utf-8", "auto", "windows-1252", "iso-8859-1", "iso-8859-15", "utf-16", "shift_jis"},
	"max-rejected": {"none", "0", "1%", "50%"},
}

const flagValuesAnnotation = "ingot_values"

// registerCompletions gives the flags of c completions: --format the
// registered formats, and the flags listed in flagValues their values.
func registerCompletions(c *cobra.Command) {
	fs := c.Flags()
	if fs.Lookup("format") != nil {
		// The formats of the kind given as the first argument, or all.
		_ = c.RegisterFlagCompletionFunc("format", func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 && slices.Contains(ingot.KindNames(), args[0]) {
				return ingot.FormatNames(args[0]), cobra.ShellCompDirectiveNoFileComp
			}
			return ingot.FormatNames(""), cobra.ShellCompDirectiveNoFileComp
		})
	}
	fs.VisitAll(func(fl *pflag.Flag) {
		if v, ok := fl.Annotations[flagValuesAnnotation]; ok {
			_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.FixedCompletions(v, cobra.ShellCompDirectiveNoFileComp))
		}
	})
}

func importCmd(g *globals) *cobra.Command {
	f := &importFlags{}
	c := &cobra.Command{
		Use:   "import KIND SOURCE... | import --spec FILE | import --from-report REPORT",
		Short: "Import files into the warehouse",
		Long: `Import files of one kind into the warehouse: read, validate, group the rows of
each order, diff against what is committed, and commit Parquet, an event-log
segment and a manifest atomically. Sources are paths, globs (** for any depth),
directories or file:// URIs, plain or gzip/zstd/zip-compressed.

--spec FILE reads the kind, format, sources and options from a job spec; flags
given as well override its fields, and KIND SOURCE... its kind and sources.
--from-report REPORT repeats the import a report.json describes (usually a dry
run) for real, with the same kind, format, options and files; if a file changed
since (its sha256 differs), it says which and stops unless --allow-changed.

Options that change how records are stored (--hash-emails; --order-id of
shopify-csv; customers' --user-id-type and --merge; products' --merge) are
pinned by the warehouse: each commit records them, and an import with other
values than the newest commit of its kind is refused before reading any data
(exit 2) unless --allow-changed-options.

The report (report.json, rejects.csv, rejects.json) goes to
<dest>/_ingot/reports/<import id>/, or --report-dir; a dry run writes only the
report, by default into a fresh ./ingot-dry-run-<import id>/.

Ctrl-C or SIGTERM stops an import before its commit: nothing is committed,
what it wrote is removed, the report says cancelled, and the exit code is 130.`,
		Example: `  ingot import orders export.csv --format kevel-csv
  ingot import orders 'exports/2024-*.csv.gz' --format kevel-csv --dest /data/warehouse
  ingot import orders export.csv --dry-run --json | jq .counts
  ingot import --spec nightly.yaml --dest /tmp/try
  ingot import --from-report ingot-dry-run-20261201T101500Z-3f9a1c/report.json`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return ingot.KindNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if f.specFile != "" && f.fromReport != "" {
				return usage("--spec and --from-report do not go together: a report already says what to import")
			}
			if len(args) == 1 {
				return usage("expected KIND and at least one SOURCE, found only %q", args[0])
			}
			if f.specFile == "" && f.fromReport == "" && len(args) < 2 {
				return usage("expected KIND SOURCE... (e.g. ingot import orders export.csv), or --spec FILE, or --from-report REPORT")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			jobs, err := f.jobs(cmd, args, g)
			if err != nil {
				return err
			}
			var last error
			for _, o := range jobs {
				if err := runImport(cmd.Context(), g, f, o); err != nil {
					var ee *exitError
					if errors.As(err, &ee) && ee.code == exitPartial {
						last = err // the others still run
						continue
					}
					return err
				}
			}
			return last
		},
	}
	f.register(c.Flags())
	c.Flags().StringVar(&f.fromReport, "from-report", "", "repeat the import a report.json describes (a dry run) for real")
	c.Flags().BoolVar(&f.allowChanged, "allow-changed", false, "with --from-report: import even if a source changed since the report")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print report.json to stdout")
	c.Flags().BoolVar(&f.quiet, "quiet", false, "no progress or summary on stderr (errors still)")
	registerCompletions(c)
	return c
}

// jobs returns the imports the command line asks for: one from flags and
// arguments, one per import of a spec, or the one a report describes.
func (f *importFlags) jobs(cmd *cobra.Command, args []string, g *globals) ([]ingot.ImportOptions, error) {
	fs := cmd.Flags()
	var jobs []ingot.ImportOptions
	switch {
	case f.specFile != "":
		s, err := ingot.LoadSpec(f.specFile)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		for _, im := range s.Imports {
			o, err := ingot.SpecOptions(s, im)
			if err != nil {
				return nil, &exitError{code: exitUsage, err: err}
			}
			jobs = append(jobs, o)
		}
	case f.fromReport != "":
		o, changed, err := ingot.FromReport(cmd.Context(), f.fromReport)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		if len(changed) > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "%d source(s) changed since the report %s:", len(changed), f.fromReport)
			for _, c := range changed {
				b.WriteString("\n  " + c.String())
			}
			if !f.allowChanged {
				b.WriteString("\nnothing was imported; run a new dry run, or add --allow-changed to import the files as they are now")
				return nil, &exitError{code: exitFailed, err: errors.New(b.String())}
			}
			fmt.Fprintf(g.stderr, "ingot: warning: %s\n  importing them as they are now (--allow-changed)\n", b.String())
		}
		jobs = append(jobs, o)
	default:
		jobs = append(jobs, ingot.ImportOptions{Format: f.opt.Format, Dest: f.opt.Dest})
	}
	for i := range jobs {
		if err := f.apply(fs, &jobs[i]); err != nil {
			return nil, err
		}
		if len(args) > 0 {
			jobs[i].Kind, jobs[i].Sources = args[0], args[1:]
		}
		if f.specFile != "" && len(args) == 0 {
			jobs[i].DropOtherKinds() // a flag concerns the spec's imports of its kinds
		}
	}
	return jobs, nil
}

// runImport runs one import and maps its result to an exit code.
func runImport(ctx context.Context, g *globals, f *importFlags, opt ingot.ImportOptions) error {
	log, err := g.logger()
	if err != nil {
		return usage("%v", err)
	}
	opt.Logger = log
	opt.Stdin = g.stdin
	opt.Command = append([]string{"ingot"}, g.args...)
	var wait func()
	opt.OnProgress, wait = progressFor(g.stderr, f.quiet)
	rep, err := ingot.Import(ctx, opt)
	wait()
	if opt.HashEmails && err != nil {
		err = maskedError{err}
	}
	var ue *ingot.UsageError
	if errors.As(err, &ue) {
		return &exitError{code: exitUsage, err: err}
	}
	var ce *ingot.CancelledError
	if errors.As(err, &ce) || (rep == nil && errors.Is(err, context.Canceled)) {
		msg := "cancelled, nothing committed"
		if rep != nil && rep.ReportDir != "" {
			msg += " (report: " + rep.Path() + ")"
		}
		return &exitError{code: exitCanceled, err: errors.New(msg)}
	}
	if rep == nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(rep); jerr != nil {
			return jerr
		}
	}
	if !f.quiet || err != nil {
		rep.WriteSummary(g.stderr)
	}
	if err == nil && ctx.Err() != nil && rep.Version > 0 {
		fmt.Fprintf(g.stderr, "ingot: the cancel came after the commit: the import is complete (version %d)\n", rep.Version)
	}
	switch {
	case err != nil:
		return &exitError{code: exitFailed, err: err}
	case rep.Status == validate.StatusCompletedWithFailures:
		return &exitError{code: exitPartial}
	case rep.DryRun && rep.FailedFiles() > 0:
		return &exitError{code: exitPartial}
	}
	return nil
}

// maskedError is an error whose message has its e-mail addresses masked
// (validate.MaskEmails): with --hash-emails, an error quoting the input
// must not print a plain address on stderr.
type maskedError struct{ err error }

func (e maskedError) Error() string { return validate.MaskEmails(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }
