package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"ingot"
)

func scheduleCmd(g *globals) *cobra.Command {
	f := &importFlags{}
	var maxRuns int
	c := &cobra.Command{
		Use:   "schedule --spec FILE",
		Short: "Run a spec's imports on its cron schedule until stopped",
		Long: `Run the imports of a job spec at every occurrence of its schedule: (cron, in
UTC: five fields such as "0 3 * * *", or @daily, @hourly, @every 10m) until
SIGINT or SIGTERM. Then it stops once the run in progress has committed (or
ended), and exits 0; a second signal abandons the run in progress safely
(nothing committed). An occurrence that comes while the previous run is still
going is skipped and recorded as skipped.

Every run is recorded in the warehouse, under _ingot/schedule/<run id>.json,
with its scheduled time, start, end, status (queued, in_progress, completed,
failed, cancelled, skipped), version and counts; ingot log lists them.
Re-importing unchanged files commits nothing new. Flags override the spec's
fields.`,
		Example: `  ingot schedule --spec nightly.yaml
  ingot schedule --spec nightly.yaml --dest /data/warehouse --max-runs 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.specFile == "" {
				return usage("--spec FILE is required: the schedule and the imports come from a job spec")
			}
			s, err := ingot.LoadSpec(f.specFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if s.Schedule == "" {
				return usage("%s: the spec has no schedule: add schedule: \"0 3 * * *\" (cron, UTC), @daily or @every 1h", f.specFile)
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
				o.DropOtherKinds() // a flag concerns the spec's imports of its kinds
				o.Command = append([]string{"ingot"}, g.args...)
				jobs = append(jobs, o)
			}
			log, err := g.logger()
			if err != nil {
				return usage("%v", err)
			}
			// The first signal stops the schedule (the command's context);
			// a second one abandons the run in progress.
			runCtx, abandon := context.WithCancel(context.Background())
			defer abandon()
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			go func() {
				n := 0
				for range sigs {
					if n++; n >= 2 {
						fmt.Fprintln(g.stderr, "ingot: second signal: abandoning the run in progress (nothing of it is committed)")
						abandon()
						return
					}
				}
			}()
			go func() {
				<-cmd.Context().Done()
				if !f.quiet {
					fmt.Fprintln(g.stderr, "ingot: stopping: waiting for the run in progress to finish (signal again to abandon it)")
				}
			}()
			if !f.quiet {
				fmt.Fprintf(g.stderr, "ingot: schedule %q (UTC) from %s: %d import(s); stop with Ctrl-C\n", s.Schedule, f.specFile, len(jobs))
			}
			err = ingot.Schedule(cmd.Context(), ingot.ScheduleOptions{
				Spec: s, Imports: jobs, RunContext: runCtx, Logger: log, MaxRuns: maxRuns,
				OnRecord: func(r ingot.ScheduledRun) {
					if f.quiet || r.Status == "queued" {
						return
					}
					line := fmt.Sprintf("ingot: run %s (due %s): %s", r.ID, r.ScheduledAt.Format(time.RFC3339), r.Status)
					if r.Version > 0 {
						line += fmt.Sprintf(", version %d", r.Version)
					}
					if r.Counts != nil && r.Status != "in_progress" {
						line += fmt.Sprintf(", %d added, %d updated, %d unchanged, %d rejected",
							r.Counts["added"], r.Counts["updated"], r.Counts["unchanged"], r.Counts["rejected"])
					}
					if r.Error != "" {
						line += ": " + r.Error
					}
					fmt.Fprintln(g.stderr, line)
				},
			})
			if err != nil {
				return err
			}
			if !f.quiet {
				fmt.Fprintln(g.stderr, "ingot: schedule stopped")
			}
			return nil
		},
	}
	f.register(c.Flags())
	c.Flags().IntVar(&maxRuns, "max-runs", 0, "stop after this many runs (skips do not count); 0 runs until stopped")
	c.Flags().BoolVar(&f.quiet, "quiet", false, "no line per run on stderr (errors still)")
	registerCompletions(c)
	return c
}
