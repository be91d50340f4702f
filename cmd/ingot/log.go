package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ingot/commit"
)

func logCmd(g *globals) *cobra.Command {
	var (
		dest   string
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "log",
		Short: "List the commits of a warehouse, newest first",
		Example: `  ingot log --dest ./warehouse
  ingot log --dest ./warehouse --json | jq '.[0].counts'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openExisting(dest)
			if err != nil {
				return err
			}
			log, err := readLogWarn(cmd.Context(), st, g)
			if err != nil {
				return err
			}
			slices.Reverse(log)
			if asJSON {
				if log == nil {
					log = []commit.Manifest{}
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(log)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCOMMITTED\tIMPORT\tKIND\tSOURCES\tROWS\tADDED\tUPDATED\tUNCHANGED\tREJECTED\tDATA FILES")
			for _, m := range log {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s/%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", m.Version,
					m.CommittedAt.UTC().Format(time.RFC3339), m.ImportID, m.Kind, m.Format, len(m.Sources), m.Counts["rows"],
					m.Counts["added"], m.Counts["updated"], m.Counts["unchanged"], m.Counts["rejected"], len(m.Files))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory")
	c.Flags().BoolVar(&asJSON, "json", false, "print the manifests as a JSON array")
	return c
}

// openExisting opens a warehouse that must exist, read-only: reading
// commands never create, sweep or change anything.
func openExisting(dest string) (commit.Store, error) {
	if !isDir(dest) {
		return nil, usage("--dest %s: no warehouse there (nothing has been imported into it)", dest)
	}
	return commit.OpenLocalReadOnly(dest)
}

// readLogWarn reads the manifests a reading command can trust and warns
// on stderr about each one it skips, with the way out.
func readLogWarn(ctx context.Context, st commit.Store, g *globals) ([]commit.Manifest, error) {
	log, problems, err := commit.ReadLogTolerant(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		fmt.Fprintf(g.stderr, "ingot: warning: skipped version %d: %v\n", p.Version, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(g.stderr, "ingot: warning: showing the %d valid version(s); `ingot repair --dest %s` shows what the damaged manifest(s) referenced and, with --apply, moves them aside\n",
			len(log), st.URI())
	}
	return log, nil
}
