package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ingot/commit"
	"ingot/internal/s3conf"
)

func logCmd(g *globals) *cobra.Command {
	var (
		dest      string
		asJSON    bool
		pathStyle bool
	)
	c := &cobra.Command{
		Use:   "log",
		Short: "List the commits of a warehouse, newest first",
		Example: `  ingot log --dest ./warehouse
  ingot log --dest ./warehouse --json | jq '.[0].counts'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, done, err := openExisting(cmd.Context(), dest, pathStyle, false)
			if err != nil {
				return err
			}
			defer done()
			log, err := commit.ReadLog(cmd.Context(), st)
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
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory or s3://bucket/prefix")
	c.Flags().BoolVar(&pathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the manifests as a JSON array")
	return c
}

// openExisting opens a warehouse that must exist, read-only: reading
// commands never create, sweep or change anything. An s3:// warehouse is
// read through the SDK; with fetch, the data files its log names are
// copied into a temporary directory for DuckDB (which reads local files
// only here), and done removes it. Nothing is written to the warehouse.
func openExisting(ctx context.Context, dest string, pathStyle, fetch bool) (st commit.Store, done func(), err error) {
	done = func() {}
	if !strings.HasPrefix(strings.ToLower(dest), "s3://") {
		if !isDir(dest) {
			return nil, done, usage("--dest %s: no warehouse there (nothing has been imported into it)", dest)
		}
		st, err = commit.OpenLocalReadOnly(dest)
		return st, done, err
	}
	remote, err := commit.OpenStore(ctx, dest, commit.StoreOptions{S3: s3conf.Options{PathStyle: pathStyle}})
	if err != nil {
		return nil, done, err
	}
	if !fetch {
		return remote, done, nil
	}
	tmp, err := os.MkdirTemp("", "ingot-cache-*")
	if err != nil {
		return nil, done, err
	}
	done = func() { _ = os.RemoveAll(tmp) }
	cached, err := commit.NewCachedStore(remote, tmp)
	if err != nil {
		done()
		return nil, func() {}, err
	}
	log, err := commit.ReadLog(ctx, cached)
	if err == nil {
		if c, ok := cached.(*commit.CachedStore); ok {
			err = c.Fetch(ctx, log)
		}
	}
	if err != nil {
		done()
		return nil, func() {}, err
	}
	return cached, done, nil
}
