package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ingot/commit"
)

func vacuumCmd(g *globals) *cobra.Command {
	var (
		dest      string
		apply     bool
		olderThan time.Duration
	)
	c := &cobra.Command{
		Use:   "vacuum",
		Short: "List (and with --apply remove) what crashed or cancelled imports left",
		Long: `List what crashed or cancelled imports left in a warehouse, with sizes:
temporary files (.tmp-*), event spools under _ingot/tmp/, Parquet parts that no
manifest names, event segments that no manifest names, and report folders of
imports that never committed and have no report.json. --apply removes them.

Never listed: a file a manifest names (including manifests moved aside by
'ingot repair'), the log itself, and any file of an import that may still be
running. An import counts as running while any of its files (parts, spools,
segments, report folder) was modified less than --older-than ago (default 1h);
raise it if an import of yours runs silent for longer. Vacuum refuses to run
while a manifest cannot be trusted: run 'ingot repair' first.`,
		Example: `  ingot vacuum --dest ./warehouse
  ingot vacuum --dest ./warehouse --older-than 24h --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isDir(dest) {
				return usage("--dest %s: no warehouse there", dest)
			}
			if olderThan <= 0 {
				return usage("--older-than: expected a duration > 0 such as 1h or 30m, found %s", olderThan)
			}
			// Read-only even with --apply: opening for writing would sweep
			// temporaries by its own rule before they are listed.
			// RemoveGarbage deletes through the filesystem.
			st, err := commit.OpenLocalReadOnly(dest)
			if err != nil {
				return err
			}
			garbage, err := commit.FindGarbage(cmd.Context(), st, commit.VacuumOptions{OlderThan: olderThan})
			if err != nil {
				return err
			}
			var total int64
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			if len(garbage) > 0 {
				fmt.Fprintln(tw, "KIND\tBYTES\tMODIFIED\tPATH")
			}
			for _, x := range garbage {
				total += x.Bytes
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", x.Kind, x.Bytes, x.ModTime.UTC().Format(time.RFC3339), x.Path)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			switch {
			case len(garbage) == 0:
				fmt.Fprintf(g.stdout, "nothing to remove in %s (files of imports active in the last %s are kept)\n", dest, olderThan)
			case apply:
				if err := commit.RemoveGarbage(cmd.Context(), st, garbage); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "removed %d item(s), %d bytes\n", len(garbage), total)
			default:
				fmt.Fprintf(g.stdout, "%d item(s), %d bytes; nothing removed: run again with --apply to remove them\n", len(garbage), total)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory")
	c.Flags().BoolVar(&apply, "apply", false, "remove what is listed (default: only list)")
	c.Flags().DurationVar(&olderThan, "older-than", commit.DefaultVacuumAge, "only files of imports silent for longer than this (a running import is never touched)")
	return c
}
