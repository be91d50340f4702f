package ingot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/spec"
	"ingot/transform"
)

func loadSpec(t *testing.T, text string) *spec.Spec {
	t.Helper()
	p := filepath.Join(t.TempDir(), "job.yaml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	s, err := LoadSpec(p)
	require.NoError(t, err)
	return s
}

// TestSpecOptions: a spec's import becomes ImportOptions; what imports
// cannot do yet is refused at its position in the spec.
func TestSpecOptions(t *testing.T) {
	s := loadSpec(t, `kind: orders
source:
  uri: [a.csv, "b/*.csv"]
  encoding: windows-1252
  csv: {delimiter: ";"}
dest: ./wh
dry_run: true
report_dir: ./rep
hash_emails: true
max_rejected: 2.5%
`)
	o, err := SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	require.Equal(t, ImportOptions{Kind: "orders", Format: "kevel-csv", Sources: []string{"a.csv", "b/*.csv"}, Dest: "./wh",
		DryRun: true, ReportDir: "./rep", Encoding: "windows-1252", Delimiter: ';', HashEmails: true, MaxRejected: "2.5%"}, o)

	// Transforms and a customers mapping pass to the import; the mapping
	// turns the pre-processing on and lists its ignore_on_update
	// attributes.
	s = loadSpec(t, "kind: customers\nsource: {uri: a.csv}\ntransforms:\n  - delete: x\n"+
		"mapping:\n  - {attribute: userId, header: E-Mail}\n  - {attribute: city, header: Town, ignore_on_update: true}\n")
	o, err = SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	require.Equal(t, []transform.Step{{Op: transform.OpDelete, Field: "x"}}, o.Transforms)
	require.Equal(t, []string{"city"}, o.IgnoreOnUpdate)
	require.True(t, o.Preprocess)
	// The dialect, format auto, ragged rows and new columns are supported.
	s = loadSpec(t, "kind: customers\nformat: auto\nsource: {uri: a.csv, csv: {header: false, quote: \"'\"}}\non_ragged: pad\non_new_columns: fail\n")
	o, err = SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	require.Equal(t, "auto", o.Format)
	require.Equal(t, "absent", o.Header)
	require.Equal(t, byte('\''), o.Quote)
	require.Equal(t, "pad", o.OnRagged)
	require.Equal(t, "fail", o.OnNewColumns)
	s = loadSpec(t, "kind: customers\nsource: {uri: a.csv, csv: {header: true}}\n")
	o, err = SpecOptions(s, s.Imports[0])
	require.NoError(t, err)
	require.Equal(t, "auto", o.Format, "the spec's default format for customers")
	require.Equal(t, "present", o.Header)

	p := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(p, []byte("kind: orders\nformat: shopify-tsv\n"), 0o644))
	_, err = LoadSpec(p)
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, p+":2:9: format: expected a orders format")
}

// TestScheduleSkipsOverlap: a run that outlasts the next occurrences
// makes them skipped, each recorded; the run itself commits and is
// recorded completed with its version and counts.
func TestScheduleSkipsOverlap(t *testing.T) {
	dest := t.TempDir()
	o := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{filepath.Join("testdata", "kevel", "basic.csv")}, Dest: dest}
	o.beforeCommit = func(int) { time.Sleep(2300 * time.Millisecond) } // two occurrences of @every 1s pass
	var mu sync.Mutex
	var statuses []string
	err := Schedule(context.Background(), ScheduleOptions{
		Spec: &spec.Spec{File: "job.yaml", Schedule: "@every 1s"}, Imports: []ImportOptions{o}, MaxRuns: 1,
		OnRecord: func(r ScheduledRun) {
			mu.Lock()
			statuses = append(statuses, r.Status)
			mu.Unlock()
		},
	})
	require.NoError(t, err)
	// How many occurrences pass during the run depends on the machine's
	// load: at least two.
	require.GreaterOrEqual(t, len(statuses), 5, statuses)
	require.Equal(t, []string{"queued", "in_progress"}, statuses[:2])
	require.Equal(t, "completed", statuses[len(statuses)-1])
	for _, st := range statuses[2 : len(statuses)-1] {
		require.Equal(t, "skipped", st)
	}
	skipped := len(statuses) - 3
	runs, errs := ReadScheduledRuns(dest)
	require.Empty(t, errs)
	require.Len(t, runs, 1+skipped)
	byStatus := map[string]int{}
	for _, r := range runs {
		byStatus[r.Status]++
		if r.Status == "completed" {
			require.Equal(t, int64(1), r.Version)
			require.Equal(t, int64(4), r.Counts["added"])
			require.Len(t, r.ImportIDs, 1)
		}
	}
	require.Equal(t, map[string]int{"completed": 1, "skipped": skipped}, byStatus)

	// History lists the runs with the import, newest first.
	h, warnings, err := History(context.Background(), dest)
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Len(t, h, 2+skipped)
	for i := 1; i < len(h); i++ {
		require.False(t, h[i].Time.After(h[i-1].Time))
	}
}

// TestScheduleAbandon: cancelling the run context abandons the run in
// progress: nothing committed, the run recorded cancelled.
func TestScheduleAbandon(t *testing.T) {
	dest := t.TempDir()
	runCtx, abandon := context.WithCancel(context.Background())
	o := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{filepath.Join("testdata", "kevel", "basic.csv")}, Dest: dest}
	o.beforeCommit = func(int) { abandon() }
	err := Schedule(context.Background(), ScheduleOptions{
		Spec: &spec.Spec{File: "job.yaml", Schedule: "@every 1s"}, Imports: []ImportOptions{o}, MaxRuns: 1, RunContext: runCtx,
	})
	require.NoError(t, err)
	all, _ := ReadScheduledRuns(dest)
	var runs []ScheduledRun
	for _, r := range all {
		if r.Status != "skipped" { // an occurrence may pass during the run
			runs = append(runs, r)
		}
	}
	require.Len(t, runs, 1)
	require.Equal(t, "cancelled", runs[0].Status)
	require.Equal(t, "cancelled, nothing committed", runs[0].Error)
	require.Empty(t, readLog(t, dest))
	_, err = os.Stat(filepath.Join(dest, "_ingot", "tmp"))
	require.True(t, errors.Is(err, os.ErrNotExist))
}
