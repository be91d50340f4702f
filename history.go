package ingot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ingot/commit"
	"ingot/validate"
)

// Types of HistoryEntry.
const (
	HistoryImport       = "import"
	HistoryScheduledRun = "scheduled_run"
)

// HistoryEntry is one line of `ingot log`: an import (committed, or not:
// failed, cancelled, a dry run, nothing changed) or a run of a schedule.
// Its JSON is what `ingot log --json` prints, an array newest first; the
// field names are stable (new fields may be added):
//
//	type          "import" or "scheduled_run"
//	time          when it started (an import) or was due (a scheduled run), UTC
//	import_id     the import (for a scheduled run: the last import it made)
//	status        completed, completed_with_failures, failed, cancelled,
//	              dry_run (imports); queued, in_progress, completed,
//	              failed, cancelled, skipped (scheduled runs)
//	dry_run       true for a dry run
//	committed     true when the import's manifest is in the log
//	kind, format  of the import
//	version       the committed version, absent when nothing was committed
//	finished      when it ended, absent while it runs
//	files         the number of source files
//	counts        rows, records, rejected, added, updated, unchanged, …
//	error         why it failed or was cancelled or skipped
//	report        report.json, relative to the warehouse
//	manifest      the commit manifest, for a committed import
//	run           the scheduled run's record (id, schedule, spec,
//	              scheduled_at, started_at, finished_at, import_ids)
type HistoryEntry struct {
	Type      string           `json:"type"`
	Time      time.Time        `json:"time"`
	ImportID  string           `json:"import_id,omitempty"`
	Status    string           `json:"status"`
	DryRun    bool             `json:"dry_run"`
	Committed bool             `json:"committed"`
	Kind      string           `json:"kind,omitempty"`
	Format    string           `json:"format,omitempty"`
	Version   int64            `json:"version,omitempty"`
	Finished  time.Time        `json:"finished,omitzero"`
	Files     int              `json:"files"`
	Counts    map[string]int64 `json:"counts"`
	Error     string           `json:"error,omitempty"`
	Report    string           `json:"report,omitempty"`
	Manifest  *commit.Manifest `json:"manifest,omitempty"`
	Run       *ScheduledRun    `json:"run,omitempty"`
}

// History lists what happened in the warehouse dest, newest first: every
// commit (from the manifests), every import that left a report under
// _ingot/reports (failed, cancelled, dry runs with the default report
// directory, imports that changed nothing), and every scheduled run. It
// only reads. Reports and run records that cannot be read are skipped
// and returned in warnings.
func History(ctx context.Context, dest string) (entries []HistoryEntry, warnings []error, err error) {
	var st commit.Store
	if strings.HasPrefix(strings.ToLower(dest), "s3://") {
		// The log of an S3 warehouse is read through the SDK; its
		// reports are local files elsewhere and are not listed.
		st, err = commit.OpenStore(ctx, dest, commit.StoreOptions{})
	} else {
		st, err = commit.OpenLocalReadOnly(dest)
	}
	if err != nil {
		return nil, nil, err
	}
	log, problems, err := commit.ReadLogTolerant(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range problems {
		warnings = append(warnings, fmt.Errorf("version %d: %w (`ingot repair --dest %s` shows what it referenced)", p.Version, p, dest))
	}
	byImport := map[string]int{}
	for _, m := range log {
		m := m
		byImport[m.ImportID] = len(entries)
		entries = append(entries, HistoryEntry{Type: HistoryImport, Time: m.CommittedAt.UTC(), ImportID: m.ImportID,
			Status: validate.StatusCompleted, Committed: true, Kind: m.Kind, Format: m.Format, Version: m.Version,
			Finished: m.CommittedAt.UTC(), Files: len(m.Sources), Counts: m.Counts, Manifest: &m})
	}
	reports := filepath.Join(dest, "_ingot", "reports")
	dirs, rerr := os.ReadDir(reports)
	if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		warnings = append(warnings, rerr)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		p := filepath.Join(reports, d.Name(), validate.ReportFile)
		r, err := validate.ReadReport(p)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				warnings = append(warnings, err)
			}
			continue
		}
		rel := filepath.ToSlash(filepath.Join("_ingot", "reports", d.Name(), validate.ReportFile))
		e := HistoryEntry{Type: HistoryImport}
		if i, ok := byImport[r.ImportID]; ok {
			e = entries[i]
		}
		e.Time, e.ImportID, e.Status, e.DryRun = r.StartedAt.UTC(), r.ImportID, r.Status, r.DryRun
		e.Kind, e.Format, e.Finished, e.Files, e.Error, e.Report = r.Kind, r.Format, r.FinishedAt.UTC(), len(r.Files), r.Error, rel
		if e.Manifest == nil {
			c := r.Counts
			e.Counts = map[string]int64{"rows": c.Rows, "records": c.Records, "valid": c.Valid, "rejected": c.Rejected,
				"added": c.Added, "updated": c.Updated, "unchanged": c.Unchanged, "superseded": c.Superseded}
		}
		if i, ok := byImport[r.ImportID]; ok {
			entries[i] = e
		} else {
			byImport[r.ImportID] = len(entries)
			entries = append(entries, e)
		}
	}
	runs, errs := ReadScheduledRuns(dest)
	warnings = append(warnings, errs...)
	for _, r := range runs {
		r := r
		entries = append(entries, HistoryEntry{Type: HistoryScheduledRun, Time: r.ScheduledAt.UTC(), ImportID: r.ImportID,
			Status: r.Status, Version: r.Version, Finished: r.FinishedAt.UTC(), Counts: r.Counts, Error: r.Error, Run: &r})
	}
	for i := range entries {
		if entries[i].Counts == nil {
			entries[i].Counts = map[string]int64{}
		}
	}
	slices.SortStableFunc(entries, func(a, b HistoryEntry) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.Type, a.Type), cmp.Compare(b.ImportID, a.ImportID))
	})
	return entries, warnings, nil
}
