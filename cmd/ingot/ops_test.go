package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot"
	"ingot/validate"
)

// TestMain lets a test run this test binary as the ingot command: with
// INGOT_TEST_CLI=1 it is main(), with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("INGOT_TEST_CLI") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"ingot"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		return
	}
	os.Exit(m.Run())
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	require.NoError(t, err)
	return a
}

func TestImportSpec(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "wh")
	spec := writeFile(t, dir, "job.yaml", fmt.Sprintf(`kind: orders
format: kevel-csv
source:
  uri: %s
  csv: {delimiter: ","}
dest: %s
max_rejected: none
`, abs(t, fixture("basic.csv")), dest))

	code, out, errs := cli(t, "import", "--spec", spec, "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, int64(1), r.Version)
	require.Equal(t, dest, r.Dest)
	require.Equal(t, "none", r.Options["max_rejected"])

	// Flags override the spec's fields; KIND SOURCE its kind and sources.
	other := filepath.Join(dir, "other")
	code, out, errs = cli(t, "import", "orders", fixture("changed.csv"), "--spec", spec, "--dest", other, "--dry-run",
		"--report-dir", filepath.Join(dir, "rep"), "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, other, r.Dest)
	require.True(t, r.DryRun)
	require.Equal(t, fixture("changed.csv"), r.Files[0].URI)

	for _, tc := range []struct{ name, spec, want string }{
		{"unknown key", "kind: orders\nsource: {uri: x.csv}\nfrmat: kevel-csv\n", "bad.yaml:3:1"},
		{"bad format", "kind: orders\nformat: kevel-tsv\nsource: {uri: x.csv}\n", "bad.yaml:2:9"},
		{"bad transform", "kind: orders\nsource: {uri: x.csv}\ntransforms:\n  - cast: {field: a, to: money}\n", "bad.yaml:4:"},
		{"format auto, no such file", "kind: orders\nformat: auto\nsource: {uri: x.csv}\n", "x.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := writeFile(t, t.TempDir(), "bad.yaml", tc.spec)
			code, _, errs := cli(t, "import", "--spec", bad, "--dest", filepath.Join(t.TempDir(), "wh"))
			require.Equal(t, exitUsage, code, errs)
			require.Contains(t, errs, tc.want)
		})
	}
	code, _, errs = cli(t, "import", "orders")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "expected KIND and at least one SOURCE")
}

// TestFromReport: a dry run is repeated for real with the same kind,
// format, options and files; a source changed since stops it.
func TestFromReport(t *testing.T) {
	dir := t.TempDir()
	dest, reports := filepath.Join(dir, "wh"), filepath.Join(dir, "dry")
	src := writeFile(t, dir, "orders.csv", readFixture(t, "basic.csv"))
	dry := importJSON(t, 0, src, "--dest", dest, "--dry-run", "--report-dir", reports, "--max-rejected", "10")
	require.Equal(t, int64(4), dry.Counts.Added)
	report := filepath.Join(reports, "report.json")

	// Unchanged: imported for real, with the dry run's options.
	code, out, errs := cli(t, "import", "--from-report", report, "--json", "--quiet")
	require.Equal(t, 0, code, errs)
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, int64(1), r.Version)
	require.False(t, r.DryRun)
	require.Equal(t, dry.Counts, r.Counts)
	require.Equal(t, "10", r.Options["max_rejected"])
	require.Equal(t, dest, r.Dest)
	require.Len(t, manifests(t, dest), 1)

	// Changed since: it says which and stops, nothing committed.
	require.NoError(t, os.WriteFile(src, []byte(readFixture(t, "changed.csv")), 0o644))
	code, _, errs = cli(t, "import", "--from-report", report)
	require.Equal(t, exitFailed, code, errs)
	require.Contains(t, errs, "1 source(s) changed since the report")
	require.Contains(t, errs, src+": sha256 was "+dry.Files[0].SHA256[:12])
	require.Contains(t, errs, "--allow-changed")
	require.Len(t, manifests(t, dest), 1)

	// --allow-changed imports the file as it is now.
	code, _, errs = cli(t, "import", "--from-report", report, "--allow-changed", "--quiet")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "importing them as they are now")
	require.Len(t, manifests(t, dest), 2)

	code, _, errs = cli(t, "import", "--from-report", filepath.Join(dir, "none.json"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "--from-report")
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(fixture(name))
	require.NoError(t, err)
	return string(b)
}

// TestLogListsEveryImport: failed and dry-run imports (with their report
// in the warehouse) and imports that changed nothing are listed with the
// commits, newest first, marked; ingot log writes nothing.
func TestLogListsEveryImport(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	time.Sleep(1100 * time.Millisecond) // import ids and times are per second
	importJSON(t, exitFailed, fixture("rejects.csv"), "--dest", dest, "--max-rejected", "0")
	time.Sleep(1100 * time.Millisecond)
	importJSON(t, 0, fixture("changed.csv"), "--dest", dest, "--dry-run", "--report-dir", filepath.Join(dest, "_ingot", "reports", "try"))
	before := snapshot(t, dest)

	code, out, errs := cli(t, "log", "--dest", dest, "--json")
	require.Equal(t, 0, code, errs)
	var entries []ingot.HistoryEntry
	require.NoError(t, json.Unmarshal([]byte(out), &entries))
	require.Len(t, entries, 3)
	require.Equal(t, []string{validate.StatusDryRun, validate.StatusFailed, validate.StatusCompleted},
		[]string{entries[0].Status, entries[1].Status, entries[2].Status})
	require.True(t, entries[0].DryRun)
	require.False(t, entries[1].Committed)
	require.Contains(t, entries[1].Error, "--max-rejected")
	require.True(t, entries[2].Committed)
	require.Equal(t, int64(1), entries[2].Version)
	require.Equal(t, "_ingot/reports/try/report.json", entries[0].Report)

	code, out, _ = cli(t, "log", "--dest", dest)
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	require.Contains(t, lines[1], "dry run")
	require.Contains(t, lines[2], "failed")
	require.Contains(t, lines[3], "committed")
	require.Equal(t, before, snapshot(t, dest), "ingot log writes nothing")
}

// TestScheduleCommand runs a spec on @every 1s for one real run: it is
// recorded in the warehouse and listed by ingot log; a second run of the
// unchanged file commits nothing new.
func TestScheduleCommand(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "wh")
	spec := writeFile(t, dir, "job.yaml", fmt.Sprintf("schedule: \"@every 1s\"\nkind: orders\nsource: {uri: %s}\ndest: %s\n",
		abs(t, fixture("basic.csv")), dest))
	code, _, errs := cli(t, "schedule", "--spec", spec, "--max-runs", "2")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "completed, version 1, 4 added")
	require.Contains(t, errs, "completed, 0 added, 0 updated, 0 unchanged", "the file is committed already: not read again")
	require.Len(t, manifests(t, dest), 1, "the unchanged re-import commits nothing")

	all, errList := ingot.ReadScheduledRuns(dest)
	require.Empty(t, errList)
	var runs []ingot.ScheduledRun
	for _, r := range all {
		fi, err := os.Stat(filepath.Join(dest, "_ingot", "schedule", r.ID+".json"))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o666)&^umask(), fi.Mode().Perm(), "created with the umask")
		if r.Status != "skipped" { // on a busy machine a run may outlast 1 s
			runs = append(runs, r)
		}
	}
	require.Len(t, runs, 2)
	for _, r := range runs {
		require.Equal(t, "completed", r.Status)
		require.Equal(t, spec, r.Spec)
		require.Len(t, r.ImportIDs, 1)
		require.False(t, r.StartedAt.Before(r.ScheduledAt))
		require.False(t, r.FinishedAt.Before(r.StartedAt))
	}

	code, out, _ := cli(t, "log", "--dest", dest, "--json")
	require.Equal(t, 0, code)
	var entries []ingot.HistoryEntry
	require.NoError(t, json.Unmarshal([]byte(out), &entries))
	types := map[string]int{}
	for _, e := range entries {
		if e.Status != "skipped" {
			types[e.Type]++
		}
	}
	require.Equal(t, map[string]int{"scheduled_run": 2, "import": 2}, types)

	code, _, errs = cli(t, "schedule", "--spec", writeFile(t, dir, "nosched.yaml", "kind: orders\nsource: {uri: x.csv}\n"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "no schedule")
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

// TestCancelWithSIGINT runs ingot as a child process and interrupts it
// while it reads: it says "cancelled, nothing committed", exits 130,
// commits nothing, leaves no _ingot/tmp, and its report says cancelled.
func TestCancelWithSIGINT(t *testing.T) {
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "orders.csv"), filepath.Join(dir, "wh")
	code, _, errs := cli(t, "gen", "orders", "--orders", "20000", "-o", src)
	require.Equal(t, 0, code, errs)

	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "import", "orders", src, "--dest", dest, "--log-level", "debug")
	cmd.Env = append(os.Environ(), "INGOT_TEST_CLI=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "import started") {
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
			break
		}
	}
	for sc.Scan() {
		seen = append(seen, sc.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, strings.Join(seen, "\n"))
	require.Equal(t, exitCanceled, ee.ExitCode(), strings.Join(seen, "\n"))
	all := strings.Join(seen, "\n")
	require.Contains(t, all, "ingot: cancelled, nothing committed")
	require.NotContains(t, all, "context canceled")
	require.NotContains(t, all, "do not add up")
	require.Empty(t, manifests(t, dest))
	require.NoDirExists(t, filepath.Join(dest, "_ingot", "tmp"))
	require.NoError(t, filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dest, p)
			require.True(t, strings.HasPrefix(rel, filepath.Join("_ingot", "reports")), "left behind: %s", rel)
		}
		return err
	}))
	code, out, _ := cli(t, "log", "--dest", dest, "--json")
	require.Equal(t, 0, code)
	var entries []ingot.HistoryEntry
	require.NoError(t, json.Unmarshal([]byte(out), &entries))
	require.Len(t, entries, 1)
	require.Equal(t, ingot.StatusCancelled, entries[0].Status)
}

// TestDryRunReportDir: a dry run without --report-dir writes into a
// fresh ./ingot-dry-run-<import id>/, never over ./report.json.
func TestDryRunReportDir(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, dir, "orders.csv", readFixture(t, "basic.csv"))
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("report.json", []byte("mine"), 0o644))
	r := importJSON(t, 0, src, "--dest", "wh", "--dry-run")
	require.FileExists(t, filepath.Join("ingot-dry-run-"+r.ImportID, "report.json"))
	b, err := os.ReadFile("report.json")
	require.NoError(t, err)
	require.Equal(t, "mine", string(b))
}

// TestSummaryAndErrors: the summary names issues, rejected records and
// reject lines apart, sorts issues by count and says that stages
// overlap; an unwritable warehouse is named as such.
func TestSummaryAndErrors(t *testing.T) {
	dest := t.TempDir()
	code, _, errs := cli(t, "import", "orders", fixture("rejects.csv"), "--dest", dest, "--max-rejected", "none")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "rejected records:")
	require.Contains(t, errs, "reject lines:")
	require.Contains(t, errs, "most frequent issues, by count")
	require.Contains(t, errs, "stages overlap")
	require.Contains(t, errs, "≈")
	// The issue rows are in decreasing count.
	var counts []int
	in := false
	for _, l := range strings.Split(errs, "\n") {
		switch {
		case strings.HasPrefix(l, "most frequent issues"):
			in = true
		case in && strings.HasPrefix(l, "  ") && !strings.Contains(l, "count"):
			var n int
			_, err := fmt.Sscan(strings.ReplaceAll(strings.Fields(l)[0], ",", ""), &n)
			require.NoError(t, err)
			counts = append(counts, n)
		case in:
			in = strings.HasPrefix(l, "  ")
		}
	}
	require.NotEmpty(t, counts)
	for i := 1; i < len(counts); i++ {
		require.GreaterOrEqual(t, counts[i-1], counts[i], errs)
	}

	// Progress into a pipe: a line per phase.
	require.Contains(t, errs, "ingot: committing\n")
	require.Contains(t, errs, "ingot: writing the report and the rejects\n")

	// A warehouse that cannot be written (here: a file, not a directory)
	// is named as the warehouse, not as a report directory.
	notDir := writeFile(t, t.TempDir(), "file", "x")
	code, _, errs = cli(t, "import", "orders", fixture("basic.csv"), "--dest", notDir)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errs, "cannot write into the warehouse "+notDir+": not a directory")
	require.NotContains(t, errs, "report")
	require.NotContains(t, errs, "reject writer")
	require.NotContains(t, errs, ".spool")
}
