package main

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"ingot"
	"ingot/formats"
)

func sniffCmd(g *globals) *cobra.Command {
	var (
		opt       ingot.SniffOptions
		delimiter string
		quote     string
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "sniff SOURCE...",
		Short: "Say what a file holds: encoding, dialect, columns, format",
		Long: `Read the start of each source (256 KiB of text by default) and say what it
holds: compression, text encoding (with a confidence), syntax (csv, jsonl,
json), the CSV delimiter, quote and whether there is a header row, each
column's inferred type (integer, decimal, bool, timestamp with its pattern,
email, string) and first three values, and the registered formats that
recognise the header (a format recognises it when all its required fields
are there), with an import command line. Sources are what import takes:
paths, globs, directories, URIs, or - for standard input. Nothing is written.

--json prints an array with one object per source: source, compression,
encoding, encoding_confidence, syntax, delimiter, quote, header,
sampled_bytes, sampled_rows, complete, columns[] (name, type, pattern,
first_values), format (kind, format, title, fields_present, fields; null
when none), matches[], generic[] and suggest. Fields may be added; none
will change meaning.`,
		Example: `  ingot sniff export.csv
  ingot sniff 'exports/*.csv.gz' --json | jq '.[].format'
  zcat export.csv.gz | ingot sniff -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if fs.Changed("delimiter") {
				d, err := ingot.ParseDelimiter(delimiter)
				if err != nil {
					return usage("--%v", err)
				}
				opt.Delimiter = d
			}
			if fs.Changed("quote") {
				if len(quote) != 1 {
					return usage("--quote: expected one character, found %q", quote)
				}
				opt.Quote = quote[0]
			}
			opt.Sources = args
			opt.Stdin = g.stdin
			if opt.Encoding == "auto" {
				opt.Encoding = ""
			}
			res, err := ingot.Sniff(cmd.Context(), opt)
			var ue *ingot.UsageError
			if err != nil && errors.As(err, &ue) {
				return &exitError{code: exitUsage, err: err}
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if asJSON {
				if res == nil {
					res = []*formats.Sniffed{}
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			for i, s := range res {
				if i > 0 {
					if _, err := g.stdout.Write([]byte("\n")); err != nil {
						return err
					}
				}
				if err := s.WriteText(g.stdout); err != nil {
					return err
				}
			}
			return nil
		},
	}
	fs := c.Flags()
	fs.StringVar(&opt.Encoding, "encoding", "auto", "text encoding: auto, or a name such as utf-8 or windows-1252")
	fs.StringVar(&delimiter, "delimiter", "", `CSV delimiter to use rather than detect (\t for tab)`)
	fs.StringVar(&quote, "quote", "", "CSV quote character to use rather than detect")
	fs.StringVar(&opt.Header, "header", "", "present or absent, rather than detected")
	fs.IntVar(&opt.SampleBytes, "sample-bytes", formats.DefaultSniffBytes, "how much text to read per source")
	fs.BoolVar(&opt.Stores.S3.PathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	fs.StringVar(&opt.Stores.SFTP.KeyFile, "sftp-key", "", "private key file for sftp:// sources (passphrase from INGOT_SFTP_KEY_PASSPHRASE)")
	fs.StringVar(&opt.Stores.SFTP.KnownHosts, "known-hosts", "", "known_hosts file that SFTP host keys are checked against (default ~/.ssh/known_hosts)")
	fs.BoolVar(&asJSON, "json", false, "print a JSON array, one object per source")
	return c
}
