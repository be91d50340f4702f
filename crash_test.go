package ingot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/internal/fault"
	"ingot/schema"
)

// The crash test's knobs. CI runs the defaults (about two minutes on the
// shared 2-core machine); `make soak` sets INGOT_SOAK=1 for the long run.
const (
	crashOrders     = 3000  // orders of the file whose import is killed
	crashKills      = 20    // random SIGKILLs that must land
	soakOrders      = 30000 // INGOT_SOAK=1
	soakKills       = 100
	crashBaseOrders = 1000 // orders committed as version 1 before the crashes
)

// crashScenario is one run of the child that is killed: at a fault point
// (INGOT_FAULT) or at a random moment (after delay).
type crashScenario struct {
	name  string
	fault string
	delay time.Duration
}

// TestCrashAnywhere kills a real `ingot import` child process with SIGKILL
// at each named fault point (a binary built with the ingotfault tag) and
// at random moments, on top of a committed version 1. After each kill the
// warehouse must hold version 1, or version 2 complete: every manifest
// names only complete files, every table reads through DuckDB with the
// counts of that version, one orderPlace per order. `ingot vacuum
// --apply` then removes what the kill left without touching a named file,
// and a rerun must finish with exactly the counts of an import that was
// never killed: no duplicate rows or events.
//
// INGOT_SOAK=1 runs 30,000 orders and 100 random kills; INGOT_CRASH_SEED
// picks the seed of the random moments (default 1). -short skips the
// random kills.
func TestCrashAnywhere(t *testing.T) {
	orders, kills := crashOrders, crashKills
	if os.Getenv("INGOT_SOAK") != "" {
		orders, kills = soakOrders, soakKills
	}
	if testing.Short() {
		kills = 0
	}
	seed := uint64(1)
	if s := os.Getenv("INGOT_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "INGOT_CRASH_SEED")
		seed = n
	}
	start := time.Now()
	dir := t.TempDir()
	bin := buildFaultBinary(t, dir)
	t.Logf("built the ingotfault binary in %s", time.Since(start).Round(time.Millisecond))

	base := filepath.Join(dir, "base.csv")
	src := filepath.Join(dir, "orders.csv")
	bin.run(t, nil, "gen", "orders", "--orders", strconv.Itoa(crashBaseOrders), "--seed", "11", "-o", base)
	// Repeated orders make the import rewrite parts (supersession), so
	// that the part-rewritten point is reached.
	bin.run(t, nil, "gen", "orders", "--orders", strconv.Itoa(orders), "--seed", "12", "--repeats", "0.02", "-o", src)

	// Version 1, the state every scenario starts from, and the reference:
	// version 2 as an import that is never killed commits it.
	baseWH := filepath.Join(dir, "base-wh")
	bin.run(t, nil, "import", "orders", base, "--dest", baseWH, "--quiet")
	v1 := snapshotWarehouse(t, baseWH)
	require.Equal(t, int64(1), v1.version)
	refWH := filepath.Join(dir, "ref-wh")
	copyTree(t, baseWH, refWH)
	t0 := time.Now()
	bin.run(t, nil, "import", "orders", src, "--dest", refWH, "--quiet")
	importTime := time.Since(t0)
	v2 := snapshotWarehouse(t, refWH)
	require.Equal(t, int64(2), v2.version)
	require.Greater(t, v2.orderPlace, v1.orderPlace)
	t.Logf("reference import of %d orders: %s; version 2 holds %d orders, %d line items, %d events",
		orders, importTime.Round(time.Millisecond), v2.rows[schema.Orders], v2.rows[schema.LineItems], v2.events)

	scenarios := []crashScenario{
		{name: "first part published", fault: fault.PartPublished + ":1"},
		{name: "30 parts published", fault: fault.PartPublished + ":30"},
		{name: "mid event spool", fault: fault.SpoolWritten + ":2"},
		{name: "part rewritten without superseded rows", fault: fault.PartRewritten + ":1"},
		{name: "segment published, no manifest", fault: fault.SegmentPublished + ":1"},
		{name: "manifest written, no report", fault: fault.ManifestWritten + ":1"},
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pointKills, randomKills, finished := 0, 0, 0
	afterKill := map[int64]int{} // versions found after a kill
	run := func(i int, sc crashScenario) bool {
		t0 := time.Now()
		wh := filepath.Join(dir, fmt.Sprintf("wh-%d", i))
		tmp := filepath.Join(dir, fmt.Sprintf("tmp-%d", i))
		copyTree(t, baseWH, wh)
		require.NoError(t, os.Mkdir(tmp, 0o777))
		env := []string{"TMPDIR=" + tmp}
		if sc.fault != "" {
			env = append(env, fault.Env+"="+sc.fault)
		}
		cmd := exec.Command(bin.path, "import", "orders", src, "--dest", wh, "--quiet")
		cmd.Env = append(os.Environ(), env...)
		require.NoError(t, cmd.Start())
		if sc.fault == "" {
			timer := time.AfterFunc(sc.delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		err := cmd.Wait()
		bin.count(cmd)
		killed := false
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			ws, ok := ee.Sys().(syscall.WaitStatus)
			require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "%s: the import failed instead of being killed: %v", sc.name, err)
			killed = true
		} else {
			require.NoError(t, err)
			require.Empty(t, sc.fault, "%s: the fault point was never reached", sc.name)
		}
		// What the kill left: version 1 untouched, or version 2 whole.
		got := snapshotWarehouse(t, wh)
		want := v1
		if got.version == 2 || !killed {
			want = v2
		}
		want.requireSame(t, got, sc.name+": after the kill")
		if sc.fault == fault.ManifestWritten+":1" {
			require.Equal(t, int64(2), got.version, "killed after the manifest: committed")
		} else if sc.fault != "" {
			require.Equal(t, int64(1), got.version, "%s: killed before the manifest: nothing committed", sc.name)
		}
		// Vacuum removes the leftovers and nothing a manifest names (the
		// rerun's snapshot finds any named file it took).
		bin.run(t, nil, "vacuum", "--dest", wh, "--older-than", "1ns", "--apply")
		requireOnlyNamedFiles(t, wh)
		// The rerun: exactly the reference, whatever the kill left.
		bin.run(t, []string{"TMPDIR=" + tmp}, "import", "orders", src, "--dest", wh, "--quiet")
		v2.requireSame(t, snapshotWarehouse(t, wh), sc.name+": after the rerun")
		require.NoDirExists(t, filepath.Join(wh, "_ingot", "tmp"), "%s: the rerun left its spools", sc.name)
		// The killed import's work folder in $TMPDIR is swept by the
		// rerun (its lock is free), which removes its own.
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		require.Empty(t, left, "%s: $TMPDIR after the rerun", sc.name)
		require.NoError(t, os.RemoveAll(wh))
		require.NoError(t, os.RemoveAll(tmp))
		if killed {
			afterKill[got.version]++
		}
		t.Logf("%s: killed %v, version %d after it, rerun exact (%s)", sc.name, killed, got.version, time.Since(t0).Round(time.Millisecond))
		return killed
	}
	for i, sc := range scenarios {
		require.True(t, run(i, sc), sc.name)
		pointKills++
	}
	// Random moments within the time a whole import takes, until kills
	// have landed (an import that finished first counts as finished and
	// is checked all the same), bounded in tries.
	for i := 0; randomKills < kills && i < 3*kills; i++ {
		delay := time.Duration(rng.Int64N(int64(importTime)))
		if run(len(scenarios)+i, crashScenario{name: fmt.Sprintf("random kill %d at %s", i+1, delay.Round(time.Millisecond)), delay: delay}) {
			randomKills++
		} else {
			finished++
		}
	}
	require.Equal(t, kills, randomKills, "random kills that landed")
	t.Logf("survived %d fault points and %d random kills (%d imports finished before their kill; after the kills %d times version 1, %d times version 2), %d orders, seed %d, in %s (the ingot processes: %s of CPU)",
		pointKills, randomKills, finished, afterKill[1], afterKill[2], orders, seed, time.Since(start).Round(time.Second), bin.cpu.Round(time.Second))
}

// buildFaultBinary builds cmd/ingot with the ingotfault tag into dir.
func buildFaultBinary(t *testing.T, dir string) *ingotBin {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the fault binary with")
	}
	bin := filepath.Join(dir, "ingot-fault")
	cmd := exec.Command(goBin, "build", "-tags=duckdb_arrow,ingotfault", "-o", bin, "./cmd/ingot")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build -tags=duckdb_arrow,ingotfault: %s", out)
	return &ingotBin{path: bin}
}

// ingotBin is a built ingot binary and the CPU time its runs took.
type ingotBin struct {
	path string
	cpu  time.Duration
}

// run runs the binary to completion and requires exit 0.
func (b *ingotBin) run(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(b.path, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	b.count(cmd)
	require.NoError(t, err, "ingot %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// count adds the CPU time of a finished command.
func (b *ingotBin) count(cmd *exec.Cmd) {
	if ps := cmd.ProcessState; ps != nil {
		b.cpu += ps.UserTime() + ps.SystemTime()
	}
}

// warehouseSnapshot is what a warehouse holds, independent of import ids
// and paths: what two warehouses that committed the same data share.
type warehouseSnapshot struct {
	version    int64            // newest
	rows       map[string]int64 // per table, read through DuckDB
	current    int64            // orders in the current state
	distinct   int64            // distinct order ids over every version
	events     int64            // event lines over every segment
	orderPlace int64            // orderPlace events (checked: one per order)
	types      map[string]int64 // events per type
}

// snapshotWarehouse checks what every reader relies on and returns what
// the warehouse holds: the log reads whole, versions are contiguous,
// every file a manifest names exists with its size, every table reads
// through DuckDB with the rows the manifests say, the current state has
// each order once, and the segments hold one orderPlace per order.
func snapshotWarehouse(t *testing.T, dest string) warehouseSnapshot {
	t.Helper()
	ctx := context.Background()
	st, err := commit.OpenLocalReadOnly(dest)
	require.NoError(t, err)
	log, err := commit.ReadLog(ctx, st)
	require.NoError(t, err, "the log of %s", dest)
	s := warehouseSnapshot{rows: map[string]int64{}, types: map[string]int64{}}
	named := map[string]int64{}
	for i, m := range log {
		require.Equal(t, int64(i+1), m.Version, "versions are contiguous")
		s.version = m.Version
		for _, f := range m.Files {
			fi, err := os.Stat(filepath.Join(dest, filepath.FromSlash(f.Path)))
			require.NoError(t, err, "version %d names %s", m.Version, f.Path)
			require.Equal(t, f.Bytes, fi.Size(), "version %d names %s with %d bytes", m.Version, f.Path, f.Bytes)
			named[f.Table] += f.Rows
		}
		require.FileExists(t, filepath.Join(dest, filepath.FromSlash(m.Events)), "version %d names its segment", m.Version)
	}
	db, err := commit.OpenSQLWithLog(ctx, st, log)
	require.NoError(t, err)
	defer db.Close()
	for view, table := range map[string]string{commit.OrdersHistoryView: schema.Orders, commit.LineItemsHistoryView: schema.LineItems} {
		var n int64
		require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM "+view).Scan(&n), view)
		require.Equal(t, named[table], n, "%s: DuckDB reads the rows the manifests name", view)
		s.rows[table] = n
	}
	var dup int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT order_id) FROM "+commit.OrdersView).Scan(&s.current, &dup))
	require.Equal(t, s.current, dup, "the current state holds each order once")
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(DISTINCT order_id) FROM "+commit.OrdersHistoryView).Scan(&s.distinct))

	places := map[string]int{}
	for _, m := range log {
		f, err := os.Open(filepath.Join(dest, filepath.FromSlash(m.Events)))
		require.NoError(t, err)
		err = commit.ReadEvents(f, func(line []byte) error {
			var e struct{ Type, Key string }
			if err := json.Unmarshal(line, &e); err != nil {
				return err
			}
			s.events++
			s.types[e.Type]++
			if e.Type == "orderPlace" {
				places[e.Key]++
			}
			return nil
		})
		f.Close()
		require.NoError(t, err, "segment %s", m.Events)
	}
	for k, n := range places {
		require.Equal(t, 1, n, "one orderPlace per order: %s has %d", k, n)
	}
	s.orderPlace = int64(len(places))
	require.Equal(t, s.distinct, s.orderPlace, "an orderPlace for every committed order")
	return s
}

// requireSame fails unless got holds what s holds.
func (s warehouseSnapshot) requireSame(t *testing.T, got warehouseSnapshot, what string) {
	t.Helper()
	require.Equal(t, s, got, "%s: the warehouse should hold version %d exactly", what, s.version)
}

// requireOnlyNamedFiles fails if dest holds a file outside the log, the
// report folders (each with its report.json) and what the manifests name.
func requireOnlyNamedFiles(t *testing.T, dest string) {
	t.Helper()
	log := readLog(t, dest)
	named, committed := map[string]bool{}, map[string]bool{}
	for _, m := range log {
		committed[m.ImportID] = true
		named[m.Events] = true
		for _, f := range m.Files {
			named[f.Path] = true
		}
	}
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		rel = filepath.ToSlash(rel)
		switch {
		case named[rel], strings.HasPrefix(rel, commit.LogDir):
		case strings.HasPrefix(rel, "_ingot/reports/"):
			// A committed import killed before its report keeps its
			// rejects: they are the only account of its rejected rows.
			id := strings.Split(rel, "/")[2]
			if !committed[id] {
				require.FileExists(t, filepath.Join(dest, "_ingot", "reports", id, "report.json"), "%s: a report folder without report.json", rel)
			}
		default:
			t.Errorf("%s: left after vacuum, and no manifest names it", rel)
		}
		return nil
	}))
}

// copyTree copies the folder from to to (which must not exist).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o777)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}))
}
