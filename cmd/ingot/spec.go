package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"ingot"
)

// specCmd is `ingot spec print|schema`.
func specCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "spec",
		Short: "Show a job spec as it will run, or the JSON Schema of job specs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usage("expected a subcommand: print or schema (ingot help spec)")
		},
	}
	c.AddCommand(specPrintCmd(g), specSchemaCmd(g))
	return c
}

func specPrintCmd(g *globals) *cobra.Command {
	f := &importFlags{}
	c := &cobra.Command{
		Use:   "print --spec FILE [flags]",
		Short: "Print a job spec resolved: flags applied, defaults filled in, secrets masked",
		Long: `Print a job spec as ingot import --spec (or ingot schedule) would run it, as
YAML: every import with the flags given here applied (they override the
spec's fields, as they do for import), the defaults filled in, and secrets
masked (****): the values of environment variables whose names say they hold
credentials (…_PASSWORD, …_TOKEN, …_SECRET, …_KEY), passwords in URIs, and
signature, token and key query parameters. The output is itself a spec.`,
		Example: `  ingot spec print --spec nightly.yaml
  ingot spec print --spec nightly.yaml --dest s3://bucket/warehouse --hash-emails`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.specFile == "" {
				return usage("--spec FILE is required")
			}
			s, err := ingot.LoadSpec(f.specFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			out, err := ingot.ResolveSpec(s, func(o *ingot.ImportOptions) error { return f.apply(cmd.Flags(), o) })
			if err != nil {
				return err
			}
			_, err = g.stdout.Write(out)
			return err
		},
	}
	f.register(c.Flags())
	registerCompletions(c)
	return c
}

func specSchemaCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of job specs (ingot.schema.json), for editors",
		Example: `  ingot spec schema > ingot.schema.json
  # then, in a spec, for editors with the YAML language server:
  # yaml-language-server: $schema=./ingot.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := g.stdout.Write(ingot.SpecSchema())
			return err
		},
	}
}

// mappingCmd is `ingot mapping export|import`.
func mappingCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "mapping",
		Short: "Export a spec's customer attribute mapping as JSON, or import one into a spec",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usage("expected a subcommand: export or import (ingot help mapping)")
		},
	}
	var specFile, out string
	export := &cobra.Command{
		Use:   "export --spec FILE [-o FILE]",
		Short: "Write the mapping of the spec's customers import as JSON",
		Long: `Write the attribute mapping of the spec's customers import as a JSON array,
one object per attribute (attribute, header, type, mandatory, fallback,
ignore_on_update, values, allowed), to standard output or -o FILE. A value map
whose keys are all text is an object; one with a number, boolean or null key is
a list of {"from", "to"} pairs, so that no key loses its type.`,
		Example: `  ingot mapping export --spec customers.yaml -o mapping.json`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if specFile == "" {
				return usage("--spec FILE is required")
			}
			data, err := ingot.ExportSpecMapping(specFile)
			if err != nil {
				return usageOr(err)
			}
			if out == "" || out == "-" {
				_, err = g.stdout.Write(data)
				return err
			}
			return os.WriteFile(out, data, 0o666)
		},
	}
	export.Flags().StringVar(&specFile, "spec", "", "job spec (YAML or JSON) with a customers import")
	export.Flags().StringVarP(&out, "output", "o", "", "write the JSON to this file (default: standard output)")
	_ = export.Flags().SetAnnotation("spec", cobra.BashCompFilenameExt, []string{"yaml", "yml", "json"})
	_ = export.Flags().SetAnnotation("output", cobra.BashCompFilenameExt, []string{"json"})

	var importSpec string
	imp := &cobra.Command{
		Use:   "import MAPPING --spec FILE",
		Short: "Write a mapping (JSON) into the spec as its customers import's mapping",
		Long: `Read a mapping as ingot mapping export writes it (JSON, or YAML) and write it
into the spec as the mapping of its customers import, replacing the one there.
Only the mapping's lines change: the rest of the spec, its comments and
layout are kept. The mapping is checked as a spec's mapping is (types,
fallbacks, allowed values), and the spec with it must decode, or nothing is
written.`,
		Example: `  ingot mapping export --spec customers.yaml -o mapping.json
  # edit mapping.json, then
  ingot mapping import mapping.json --spec customers.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usage("expected one MAPPING file, found %d arguments", len(args))
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"json", "yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if importSpec == "" {
				return usage("--spec FILE is required: the spec the mapping goes into")
			}
			return usageOr(ingot.ImportSpecMapping(args[0], importSpec))
		},
	}
	imp.Flags().StringVar(&importSpec, "spec", "", "job spec (YAML or JSON) whose customers import takes the mapping")
	_ = imp.Flags().SetAnnotation("spec", cobra.BashCompFilenameExt, []string{"yaml", "yml", "json"})
	c.AddCommand(export, imp)
	return c
}

// usageOr maps an *ingot.UsageError to exit code 2; other errors pass.
func usageOr(err error) error {
	var ue *ingot.UsageError
	if errors.As(err, &ue) {
		return &exitError{code: exitUsage, err: err}
	}
	return err
}
