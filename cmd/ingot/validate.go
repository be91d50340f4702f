package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"ingot"
)

func validateCmd(g *globals) *cobra.Command {
	f := &importFlags{}
	c := &cobra.Command{
		Use:   "validate --spec FILE [SOURCE...]",
		Short: "Lint a job spec and, with sources, check files against it without importing",
		Long: `Lint a job spec: unknown keys, wrong types and bad values are reported with
their file, line and column (exit code 2).

With SOURCE..., the spec's import (a spec of one import) runs on them as the
first two steps of the customer import workflow, committing nothing:
pre-processing of every file (empty file, missing or duplicate headers, headers
the mapping names that a file lacks, inconsistent column counts, JSON
structure), then the validation of every record (transforms, mapping types,
mandatory attributes, unique ids). The report (report.json, rejects.csv,
rejects.json, per file) is written as a dry run's. Exit codes are import's.`,
		Example: `  ingot validate --spec customers.yaml
  ingot validate --spec customers.yaml crm-export.csv --report-dir ./check`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.specFile == "" {
				return usage("--spec FILE is required")
			}
			s, err := ingot.LoadSpec(f.specFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var jobs []ingot.ImportOptions
			for _, im := range s.Imports {
				o, err := ingot.SpecOptions(s, im)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if err := f.apply(cmd.Flags(), &o); err != nil {
					return err
				}
				jobs = append(jobs, o)
			}
			if len(args) == 0 {
				fmt.Fprintf(g.stdout, "%s: ok (%d import(s): %s)\n", f.specFile, len(jobs), kindsOf(jobs))
				return nil
			}
			if len(jobs) != 1 {
				return usage("%s holds %d imports (%s): give sources to a spec of one import", f.specFile, len(jobs), kindsOf(jobs))
			}
			o := jobs[0]
			o.Sources, o.DryRun, o.Preprocess = args, true, true
			return runImport(cmd.Context(), g, f, o)
		},
	}
	f.register(c.Flags())
	c.Flags().BoolVar(&f.asJSON, "json", false, "print report.json to stdout")
	c.Flags().BoolVar(&f.quiet, "quiet", false, "no progress or summary on stderr (errors still)")
	return c
}

func kindsOf(jobs []ingot.ImportOptions) string {
	ks := make([]string, len(jobs))
	for i, o := range jobs {
		ks[i] = o.Kind
	}
	return strings.Join(ks, ", ")
}

func previewCmd(g *globals) *cobra.Command {
	f := &importFlags{}
	var rows int
	c := &cobra.Command{
		Use:   "preview SOURCE --spec FILE",
		Short: "Show each mapped attribute, its header and its first values",
		Long: `Read the first rows of SOURCE, apply the spec's transforms and mapping, and
print, per mapped attribute (or per column, without a mapping), the file header
it reads and its first values as the import would validate them. Nothing is
validated or written.`,
		Example: `  ingot preview crm-export.csv --spec customers.yaml
  ingot preview crm-export.csv --spec customers.yaml --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.specFile == "" {
				return usage("--spec FILE is required")
			}
			s, err := ingot.LoadSpec(f.specFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if len(s.Imports) != 1 {
				return usage("%s holds %d imports: preview a spec of one import", f.specFile, len(s.Imports))
			}
			o, err := ingot.SpecOptions(s, s.Imports[0])
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if err := f.apply(cmd.Flags(), &o); err != nil {
				return err
			}
			o.Sources = args
			o.Stdin = g.stdin
			cols, err := ingot.Preview(cmd.Context(), o, rows)
			if err != nil {
				return err
			}
			if f.asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(cols)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprint(tw, "ATTRIBUTE\tHEADER")
			for i := range rows {
				fmt.Fprintf(tw, "\tVALUE %d", i+1)
			}
			fmt.Fprintln(tw)
			for _, c := range cols {
				fmt.Fprintf(tw, "%s\t%s", c.Attribute, c.Header)
				for i := range rows {
					v := ""
					if i < len(c.Values) {
						v = c.Values[i]
					}
					fmt.Fprintf(tw, "\t%s", printable(v))
				}
				fmt.Fprintln(tw)
			}
			return tw.Flush()
		},
	}
	f.register(c.Flags())
	c.Flags().IntVar(&rows, "rows", 3, "how many values to show per attribute")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print the preview as JSON")
	return c
}

// printable shows a value on one line: tabs and line breaks escaped, an
// empty value as "".
func printable(v string) string {
	if v == "" {
		return `""`
	}
	if strings.ContainsAny(v, "\t\r\n") {
		return strings.NewReplacer("\t", `\t`, "\r", `\r`, "\n", `\n`).Replace(v)
	}
	return v
}
