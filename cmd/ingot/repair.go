package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"ingot/commit"
)

func repairCmd(g *globals) *cobra.Command {
	var (
		dest  string
		apply bool
	)
	c := &cobra.Command{
		Use:   "repair",
		Short: "Show damaged manifests and move them out of the log",
		Long: `Find the manifests of the log that cannot be trusted (torn by a crash, edited
by hand, naming paths outside the warehouse), show what each seems to reference
and whether those files exist, and with --apply move each into
_ingot/quarantine/ so that imports can run again. Imports refuse to run while
a damaged manifest is in the log; log and sql skip it with a warning.

The files a quarantined manifest named stay where they are, unreferenced:
'ingot vacuum' lists them. Without --apply nothing is changed.`,
		Example: `  ingot repair --dest ./warehouse
  ingot repair --dest ./warehouse --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isDir(dest) {
				return usage("--dest %s: no warehouse there", dest)
			}
			var (
				st  commit.Store
				err error
			)
			if apply {
				st, err = commit.OpenLocal(dest)
			} else {
				st, err = commit.OpenLocalReadOnly(dest)
			}
			if err != nil {
				return err
			}
			items, err := commit.PlanRepair(cmd.Context(), st, time.Now())
			if err != nil {
				return err
			}
			w := g.stdout
			if apply {
				if err := commit.ApplyRepair(cmd.Context(), st, items); err != nil {
					return err
				}
			}
			if len(items) == 0 {
				fmt.Fprintf(w, "every manifest of %s can be trusted; nothing to repair\n", dest)
				return nil
			}
			for _, it := range items {
				p := it.Problem
				fmt.Fprintf(w, "%s (version %d, %d bytes): %v\n", p.Path, p.Version, p.Size, p.Err)
				if it.Refs.ImportID != "" {
					fmt.Fprintf(w, "  import %s\n", it.Refs.ImportID)
				}
				if len(it.Refs.Paths) == 0 {
					fmt.Fprintln(w, "  names no file that can be read from it")
				} else {
					fmt.Fprintln(w, "  names (as far as it can be read):")
				}
				for i, r := range it.Refs.Paths {
					if it.Sizes[i] < 0 {
						fmt.Fprintf(w, "    %s  (missing)\n", r)
					} else {
						fmt.Fprintf(w, "    %s  %d bytes\n", r, it.Sizes[i])
					}
				}
				for _, s := range it.Segments {
					fmt.Fprintf(w, "  event segment of the same version, not named by it: %s\n", s)
				}
				if apply {
					fmt.Fprintf(w, "  moved to %s\n", it.To)
				} else {
					fmt.Fprintf(w, "  would move it to %s\n", it.To)
				}
			}
			if !apply {
				fmt.Fprintf(w, "nothing changed; run again with --apply to move %d manifest(s) aside\n", len(items))
				return nil
			}
			fmt.Fprintf(w, "moved %d manifest(s) aside; imports can run again. The files they named are no longer referenced: 'ingot vacuum --dest %s' lists them\n",
				len(items), dest)
			return nil
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory")
	c.Flags().BoolVar(&apply, "apply", false, "move the damaged manifests into _ingot/quarantine/ (default: only show them)")
	return c
}
