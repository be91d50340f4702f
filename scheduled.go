package ingot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"ingot/schedule"
	"ingot/spec"
)

// ScheduleDir is where `ingot schedule` records its runs, relative to a
// warehouse: one <run id>.json per occurrence, rewritten at each change of
// status.
const ScheduleDir = "_ingot/schedule"

// ScheduledRun is the record of one occurrence of a schedule, as written
// to <dest>/_ingot/schedule/<id>.json and listed by `ingot log`: the
// schedule's Run (id, schedule, scheduled_at, started_at, finished_at,
// status, import_id, version, counts, error) plus the spec and the ids of
// every import the run made.
type ScheduledRun struct {
	schedule.Run
	// Spec is the spec file the schedule runs.
	Spec string `json:"spec"`
	// ImportIDs are the imports the run made, in order (ImportID is the
	// last of them).
	ImportIDs []string `json:"import_ids,omitempty"`
}

// ScheduleOptions configure Schedule.
type ScheduleOptions struct {
	// Spec is the job spec, whose Schedule is the cron expression (UTC).
	Spec *spec.Spec
	// Imports are the spec's imports as options (SpecOptions, then any
	// flags), run one after the other at every occurrence.
	Imports []ImportOptions
	// RunContext is the parent of each run's context: cancelling it
	// abandons the run in progress safely (nothing committed). Default:
	// the run in progress is waited for.
	RunContext context.Context
	// Logger gets a line per run and per skip; default discards.
	Logger *slog.Logger
	// OnRecord, if set, sees every record written (for a person's log).
	OnRecord func(ScheduledRun)
	// MaxRuns stops after that many runs (skips do not count); 0: none.
	MaxRuns int
}

// Schedule runs the spec's imports at every occurrence of its schedule
// until ctx is done, then waits for the run in progress (which goes on
// under RunContext) and returns nil. An occurrence that comes while the
// previous run is still going is skipped and recorded as skipped. Every
// change of a run's status is recorded in the warehouse of each import
// (ScheduleDir), atomically. Re-importing an unchanged file commits no
// new version, so an idle schedule adds nothing to the warehouse but its
// records.
func Schedule(ctx context.Context, opt ScheduleOptions) error {
	if opt.Spec == nil || opt.Spec.Schedule == "" {
		return usagef("the spec has no schedule: add schedule: \"0 3 * * *\" (cron, UTC) or @daily, @every 1h")
	}
	if len(opt.Imports) == 0 {
		return usagef("the spec has no import")
	}
	for _, o := range opt.Imports {
		if err := o.Validate(); err != nil {
			return err
		}
	}
	var dests []string
	for _, o := range opt.Imports {
		d := o.Dest
		if d == "" {
			d = "warehouse"
		}
		if !slices.Contains(dests, d) {
			dests = append(dests, d)
		}
	}
	var (
		mu  sync.Mutex
		ids = map[string][]string{} // run id → import ids
	)
	record := func(r schedule.Run) error {
		mu.Lock()
		rec := ScheduledRun{Run: r, Spec: opt.Spec.File, ImportIDs: slices.Clone(ids[r.ID])}
		mu.Unlock()
		var errs []error
		for _, d := range dests {
			errs = append(errs, WriteScheduledRun(d, rec))
		}
		if opt.OnRecord != nil {
			opt.OnRecord(rec)
		}
		return errors.Join(errs...)
	}
	job := func(ctx context.Context, run *schedule.Run) error {
		for _, o := range opt.Imports {
			o.Logger = opt.Logger
			rep, err := Import(ctx, o)
			if rep != nil {
				mu.Lock()
				ids[run.ID] = append(ids[run.ID], rep.ImportID)
				mu.Unlock()
				run.ImportID = rep.ImportID
				run.Version = max(run.Version, rep.Version)
				if run.Counts == nil {
					run.Counts = map[string]int64{}
				}
				c := rep.Counts
				for k, v := range map[string]int64{"rows": c.Rows, "records": c.Records, "rejected": c.Rejected,
					"added": c.Added, "updated": c.Updated, "unchanged": c.Unchanged} {
					run.Counts[k] += v
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return schedule.Loop(ctx, schedule.Options{Spec: opt.Spec.Schedule, Record: record, Logger: opt.Logger,
		RunContext: opt.RunContext, MaxRuns: opt.MaxRuns}, job)
}

// WriteScheduledRun writes a run's record into the warehouse dest as
// _ingot/schedule/<id>.json: to a temporary file created with the
// process umask, synced, then renamed over the previous state, so a
// reader sees one whole record or the other.
func WriteScheduledRun(dest string, r ScheduledRun) error {
	dir := filepath.Join(dest, filepath.FromSlash(ScheduleDir))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("recording scheduled run %s in the warehouse %s: %w", r.ID, dest, err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	final := filepath.Join(dir, r.ID+".json")
	tmp := filepath.Join(dir, "."+r.ID+"."+hex.EncodeToString(rnd[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return fmt.Errorf("recording scheduled run %s in the warehouse %s: %w", r.ID, dest, err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("recording scheduled run %s in the warehouse %s: %w", r.ID, dest, err)
	}
	return nil
}

// ReadScheduledRuns reads the records of scheduled runs in the warehouse
// dest, in no particular order; it never writes. A record that cannot be
// read is returned in errs and skipped.
func ReadScheduledRuns(dest string) (runs []ScheduledRun, errs []error) {
	dir := filepath.Join(dest, filepath.FromSlash(ScheduleDir))
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, []error{err}
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || filepath.Ext(name) != ".json" || name[0] == '.' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var r ScheduledRun
		if err := json.Unmarshal(b, &r); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Join(dir, name), err))
			continue
		}
		runs = append(runs, r)
	}
	return runs, errs
}
