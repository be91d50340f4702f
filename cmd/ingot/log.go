package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"ingot"
	"ingot/commit"
	"ingot/internal/s3conf"
)

func logCmd(g *globals) *cobra.Command {
	var (
		dest      string
		pathStyle bool
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "log",
		Short: "List the imports and scheduled runs of a warehouse, newest first",
		Long: `List what happened in a warehouse, newest first: every import — committed, and
also failed, cancelled, dry runs and imports that changed nothing, as far as
their report.json is under <dest>/_ingot/reports/ (a dry run with a
--report-dir elsewhere is not listed) — and every run of ingot schedule.
It only reads.

--json prints an array of objects with these fields (new ones may be added):
  type          "import" or "scheduled_run"
  time          when it started (an import) or was due (a scheduled run), UTC
  import_id     the import (for a scheduled run, the last import it made)
  status        imports: completed, completed_with_failures, failed,
                cancelled, dry_run; scheduled runs: queued, in_progress,
                completed, failed, cancelled, skipped
  dry_run       true for a dry run
  committed     true when the import's manifest is in the log
  kind, format  of the import
  version       the committed version (absent when nothing was committed)
  finished      when it ended
  files         the number of source files
  counts        rows, records, rejected, added, updated, unchanged, ...
  error         why it failed, was cancelled or skipped
  report        report.json, relative to the warehouse
  manifest      the commit manifest of a committed import
  run           a scheduled run's record (id, schedule, spec, scheduled_at,
                started_at, finished_at, import_ids)`,
		Example: `  ingot log --dest ./warehouse
  ingot log --dest ./warehouse --json | jq '.[] | select(.status == "failed")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, done, err := openWarehouseRead(cmd.Context(), dest, pathStyle, false)
			if err != nil {
				return err
			}
			done()
			entries, warnings, err := ingot.History(cmd.Context(), dest)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(g.stderr, "ingot: warning: skipped", w)
			}
			if asJSON {
				if entries == nil {
					entries = []ingot.HistoryEntry{}
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tWHAT\tSTATUS\tVERSION\tIMPORT\tKIND\tFILES\tROWS\tADDED\tUPDATED\tUNCHANGED\tREJECTED\tDURATION")
			for _, e := range entries {
				what, kind := "import", e.Kind+"/"+e.Format
				if e.DryRun {
					what = "dry run"
				}
				if e.Type == ingot.HistoryScheduledRun {
					what, kind = "scheduled", "-"
				}
				status := e.Status
				if e.Committed && status == "completed" {
					status = "committed"
				}
				version, dur := "-", "-"
				if e.Version > 0 {
					version = fmt.Sprint(e.Version)
				}
				if !e.Finished.IsZero() && !e.Time.IsZero() && e.Type == ingot.HistoryImport {
					dur = e.Finished.Sub(e.Time).Round(time.Millisecond).String()
				} else if e.Run != nil && !e.Run.FinishedAt.IsZero() {
					dur = e.Run.FinishedAt.Sub(e.Run.StartedAt).Round(time.Millisecond).String()
				}
				id := e.ImportID
				if id == "" {
					id = "-"
				}
				files := fmt.Sprint(e.Files)
				if e.Type == ingot.HistoryScheduledRun {
					files = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", e.Time.UTC().Format(time.RFC3339), what, status,
					version, id, kind, files, e.Counts["rows"], e.Counts["added"], e.Counts["updated"], e.Counts["unchanged"],
					e.Counts["rejected"], dur)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&dest, "dest", "./warehouse", "warehouse directory or s3://bucket/prefix")
	c.Flags().BoolVar(&pathStyle, "s3-path-style", false, "address S3 buckets by path (automatic for an IP or localhost endpoint)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the entries as a JSON array (fields above)")
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

// readLogWarn reads the log of st, skipping damaged manifests with a
// warning on stderr that names them and the way out (ingot repair).
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

// openWarehouseRead opens a warehouse that must exist, read-only, as
// openExisting does, or an s3:// warehouse through the SDK. With fetch,
// the data files its log names are copied into a temporary directory for
// DuckDB (which reads local files only here), and done removes it: reading
// commands write nothing to the warehouse.
func openWarehouseRead(ctx context.Context, dest string, pathStyle, fetch bool) (st commit.Store, done func(), err error) {
	done = func() {}
	if !strings.HasPrefix(strings.ToLower(dest), "s3://") {
		st, err = openExisting(dest)
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
