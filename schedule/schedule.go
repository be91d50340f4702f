// Package schedule runs a job on a cron schedule, in UTC, until it is
// told to stop: the loop behind `ingot schedule`. An occurrence that comes
// while the previous run is still going is skipped (and recorded as
// skipped), never queued up, so a slow import cannot pile up work. Each
// run's life — queued, in progress, then completed, failed or cancelled —
// is handed to a Recorder, which ingot writes into the warehouse for
// `ingot log` and `ingot serve`.
//
// The package knows nothing of imports: the job is a function.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Run statuses.
const (
	Queued     = "queued"
	InProgress = "in_progress"
	Completed  = "completed"
	Failed     = "failed"
	Cancelled  = "cancelled"
	Skipped    = "skipped" // the previous run was still going
)

// Run is one occurrence of the schedule.
type Run struct {
	// ID is unique per occurrence: the scheduled time, e.g.
	// 20261201T030000Z.
	ID          string    `json:"id"`
	Schedule    string    `json:"schedule"`
	ScheduledAt time.Time `json:"scheduled_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	Status      string    `json:"status"`
	// Result fields the job fills in.
	ImportID string           `json:"import_id,omitempty"`
	Version  int64            `json:"version,omitempty"`
	Counts   map[string]int64 `json:"counts,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// Job runs one occurrence. It may fill in run's result fields. A job
// whose context is cancelled should stop before committing and return an
// error wrapping context.Canceled.
type Job func(ctx context.Context, run *Run) error

// Options configure Loop. The zero value plus a Spec is ready to use.
type Options struct {
	// Spec is the cron expression: five fields (minute hour day-of-month
	// month day-of-week) or a descriptor such as @daily, @hourly or
	// @every 2s. Times are UTC.
	Spec string
	// Record, if set, receives a copy of the run at every change of
	// status. Errors are logged; they do not stop the schedule.
	Record func(Run) error
	// Logger gets a line per run and per skip; default discards.
	Logger *slog.Logger
	// RunContext is the parent of each run's context; cancel it to
	// abandon the run in progress (a second Ctrl-C). Default: runs are
	// never cancelled, only waited for.
	RunContext context.Context
	// Now is the clock; default time.Now.
	Now func() time.Time
	// MaxRuns stops the loop after that many runs have finished (skips
	// do not count); 0 means no limit. Tests and one-shot use.
	MaxRuns int
}

// Parse checks spec and returns its schedule in UTC.
func Parse(spec string) (cron.Schedule, error) {
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	s, err := p.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w (expected five fields such as \"0 3 * * *\", or @daily, @hourly, @every 10m)", spec, err)
	}
	return s, nil
}

// Loop runs job at every occurrence of opt.Spec until ctx is done; then it
// waits for the run in progress (which continues under opt.RunContext) to
// end, and returns nil. It returns an error only for a bad spec.
func Loop(ctx context.Context, opt Options, job Job) error {
	sched, err := Parse(opt.Spec)
	if err != nil {
		return err
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RunContext == nil {
		opt.RunContext = context.Background()
	}
	record := func(r Run) {
		if opt.Record == nil {
			return
		}
		if err := opt.Record(r); err != nil {
			opt.Logger.Error("recording a scheduled run", "run", r.ID, "status", r.Status, "err", err)
		}
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		busy    bool
		done    int
		allDone = make(chan struct{})
	)
	defer wg.Wait()
	next := sched.Next(opt.Now().UTC())
	for {
		timer := time.NewTimer(max(next.Sub(opt.Now()), 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			opt.Logger.Info("schedule stopping; waiting for the run in progress")
			return nil
		case <-allDone:
			timer.Stop()
			return nil
		case <-timer.C:
		}
		at := next
		next = sched.Next(at)
		run := Run{ID: at.UTC().Format("20060102T150405.000Z"), Schedule: opt.Spec, ScheduledAt: at.UTC(), Status: Queued}
		mu.Lock()
		if opt.MaxRuns > 0 && done >= opt.MaxRuns {
			mu.Unlock()
			return nil
		}
		if busy {
			mu.Unlock()
			run.Status = Skipped
			run.Error = "the previous run was still in progress"
			opt.Logger.Warn("scheduled run skipped: the previous one is still in progress", "scheduled_at", run.ScheduledAt)
			record(run)
			continue
		}
		busy = true
		mu.Unlock()
		record(run)
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.StartedAt = opt.Now().UTC()
			run.Status = InProgress
			record(run)
			opt.Logger.Info("scheduled run started", "scheduled_at", run.ScheduledAt)
			err := job(opt.RunContext, &run)
			run.FinishedAt = opt.Now().UTC()
			switch {
			case err == nil:
				run.Status = Completed
			case errors.Is(err, context.Canceled):
				run.Status = Cancelled
				run.Error = err.Error()
			default:
				run.Status = Failed
				run.Error = err.Error()
			}
			record(run)
			opt.Logger.Info("scheduled run finished", "scheduled_at", run.ScheduledAt, "status", run.Status, "err", err)
			mu.Lock()
			busy = false
			done++
			if opt.MaxRuns > 0 && done == opt.MaxRuns {
				close(allDone)
			}
			mu.Unlock()
		}()
	}
}
