package serve

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"ingot/schedule"
)

// ScheduleDir is where `ingot schedule` records its runs, one JSON file a
// run, relative to the warehouse.
const ScheduleDir = "_ingot/schedule"

// runRow is one line of the scheduled-runs list.
type runRow struct {
	ID          string
	Spec        string
	Scheduled   string
	Started     string
	Finished    string
	Status      string
	StatusClass string
	ImportID    string
	Version     int64
	Counts      map[string]int64
	Error       string
}

// scheduledRun is a run record as `ingot schedule` writes it.
type scheduledRun struct {
	schedule.Run
	Spec      string   `json:"spec"`
	ImportIDs []string `json:"import_ids,omitempty"`
}

// scheduledRuns reads the run records of `ingot schedule`, newest first.
func (s *Server) scheduledRuns() ([]runRow, []string) {
	entries, err := fs.ReadDir(s.root.FS(), ScheduleDir)
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, []string{fmt.Sprintf("reading the scheduled runs: %v", err)}
	}
	var rows []runRow
	var problems []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := path.Join(ScheduleDir, e.Name())
		b, err := fs.ReadFile(s.root.FS(), p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		var run scheduledRun
		if err := json.Unmarshal(b, &run); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		row := runRow{ID: run.ID, Spec: run.Spec, Status: run.Status, ImportID: run.ImportID,
			Version: run.Version, Counts: run.Counts, Error: run.Error}
		const layout = "2006-01-02 15:04:05"
		row.Scheduled = run.ScheduledAt.UTC().Format(layout)
		if !run.StartedAt.IsZero() {
			row.Started = run.StartedAt.UTC().Format(layout)
		}
		if !run.FinishedAt.IsZero() {
			row.Finished = run.FinishedAt.UTC().Format(layout)
		}
		switch run.Status {
		case schedule.Completed:
			row.StatusClass = "ok"
		case schedule.Failed:
			row.StatusClass = "bad"
		case schedule.Skipped, schedule.Cancelled:
			row.StatusClass = "warn"
		default:
			row.StatusClass = "muted"
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b runRow) int { return cmp.Compare(b.Scheduled+b.ID, a.Scheduled+a.ID) })
	return rows, problems
}
