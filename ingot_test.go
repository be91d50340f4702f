package ingot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/internal/s3test"
	"ingot/schema"
	"ingot/validate"
)

// TestCommitRace makes another import commit the version this one was
// about to take: the loser must re-read the log, diff against the newer
// state and commit the next version, without duplicating rows.
func TestCommitRace(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	src := filepath.Join("testdata", "kevel", "basic.csv")
	// Force: the retry must diff the same file against the winner's
	// commit, not skip it as already committed.
	opt := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{src}, Dest: dest, ReportDir: t.TempDir(), Force: true}
	attempts := 0
	opt.beforeCommit = func(attempt int) {
		attempts = attempt
		if attempt == 1 { // another writer wins version 1 with the same file
			other := opt
			other.beforeCommit = nil
			other.ReportDir = t.TempDir()
			rep, err := Import(ctx, other)
			require.NoError(t, err)
			require.Equal(t, int64(1), rep.Version)
			require.Equal(t, int64(4), rep.Counts.Added)
		}
	}
	rep, err := Import(ctx, opt)
	require.NoError(t, err)
	require.Equal(t, 1, attempts, "the retry finds nothing to commit, so it does not reach the commit")
	require.Zero(t, rep.Version, "nothing changed on top of the winner: no version committed")
	require.Equal(t, int64(4), rep.Counts.Unchanged, "the retry diffs against the winner's commit")
	require.Zero(t, rep.Counts.Added)

	log := readLog(t, dest)
	require.Len(t, log, 1)
	// The losing attempt's data files are gone: only the winner's remain.
	var parts []string
	require.NoError(t, filepath.Walk(filepath.Join(dest, "orders"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			parts = append(parts, p)
		}
		return err
	}))
	var named int
	for _, f := range log[0].Files {
		if f.Table == schema.Orders {
			named++
		}
	}
	require.Len(t, parts, named)
}

// TestDanglingSegmentIsNoClaim leaves an event segment without a manifest,
// as a crashed writer would: it claims nothing, so the next import commits
// the version right after the log, with a segment of its own.
func TestDanglingSegmentIsNoClaim(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	dangling := filepath.Join(dest, filepath.FromSlash(commit.EventsPath(1, "20200101T000000Z-000000")))
	require.NoError(t, os.MkdirAll(filepath.Dir(dangling), 0o755))
	require.NoError(t, os.WriteFile(dangling, nil, 0o644))
	rep, err := Import(ctx, ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest, ReportDir: t.TempDir(),
		Sources: []string{filepath.Join("testdata", "kevel", "basic.csv")}})
	require.NoError(t, err)
	require.Equal(t, int64(1), rep.Version)
	log := readLog(t, dest)
	require.Len(t, log, 1)
	require.Equal(t, commit.EventsPath(1, rep.ImportID), log[0].Events)
}

// TestNoDoubleCommitWhileAnotherWriterIsBetweenSegmentAndManifest is the
// race that committed imports twice: writer A has published its event
// segment and not yet its manifest when writer B starts. B must commit
// version 1 (not skip to 2 on top of a state without A's orders), A must
// lose the manifest race, diff again and find every order unchanged.
func TestNoDoubleCommitWhileAnotherWriterIsBetweenSegmentAndManifest(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	src := filepath.Join("testdata", "kevel", "basic.csv")
	opt := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{src}, Dest: dest, ReportDir: t.TempDir(), Force: true}
	var attempts int
	opt.beforeManifest = func(attempt int) {
		attempts = attempt
		if attempt != 1 {
			return
		}
		other := opt
		other.beforeManifest = nil
		other.ReportDir = t.TempDir()
		rep, err := Import(ctx, other)
		require.NoError(t, err)
		require.Equal(t, int64(1), rep.Version)
		require.Equal(t, int64(4), rep.Counts.Added)
	}
	rep, err := Import(ctx, opt)
	require.NoError(t, err)
	require.Equal(t, 1, attempts, "the retry finds nothing to commit, so it does not reach the commit")
	require.Zero(t, rep.Version, "nothing changed, nothing committed")
	require.Equal(t, int64(4), rep.Counts.Unchanged)
	log := readLog(t, dest)
	require.Len(t, log, 1)
	require.Equal(t, int64(4), tableRows(log, schema.Orders))
	require.Len(t, eventKeys(t, dest, log), 4)
}

// TestCommitStateUnknown: the manifest is written, but the writer is told
// it failed. It must find its own commit in the log and report success,
// keeping its files, without a second commit.
func TestCommitStateUnknown(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	calls := 0
	rep, err := Import(ctx, ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest, ReportDir: t.TempDir(),
		Sources: []string{filepath.Join("testdata", "kevel", "basic.csv")},
		afterManifest: func(err error) error {
			calls++
			require.NoError(t, err)
			return errors.New("connection reset by peer")
		}})
	require.NoError(t, err)
	require.Equal(t, 1, calls)
	require.Equal(t, int64(1), rep.Version)
	log := readLog(t, dest)
	require.Len(t, log, 1)
	for _, f := range log[0].Files {
		require.FileExists(t, filepath.Join(dest, filepath.FromSlash(f.Path)))
	}
	require.FileExists(t, filepath.Join(dest, filepath.FromSlash(log[0].Events)))
}

// TestConcurrentWriters runs 8 imports of different files and 4 of one
// file at once into one destination: all commit, on contiguous versions,
// every order once and one orderPlace event per order.
func TestConcurrentWriters(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		dest := t.TempDir()
		st, err := commit.OpenLocal(dest)
		require.NoError(t, err)
		concurrentWriters(t, dest, st)
	})
	// The same on an S3 destination (gofakes3 on loopback, honouring
	// conditional writes): the put-if-absent manifest decides there too.
	t.Run("s3", func(t *testing.T) {
		s3 := s3test.Start(t, "lake")
		s3.Env(t)
		const dest = "s3://lake/wh"
		st, err := commit.OpenStore(context.Background(), dest, commit.StoreOptions{})
		require.NoError(t, err)
		concurrentWriters(t, dest, st)
	})
}

// concurrentWriters runs 8 imports of different files and 4 of one file
// at once into dest (read back through st): all commit, on contiguous
// versions; the added counts sum to the table; one event per order.
func concurrentWriters(t *testing.T, dest string, st commit.Store) {
	ctx := context.Background()
	base, err := os.ReadFile(filepath.Join("testdata", "kevel", "basic.csv"))
	require.NoError(t, err)
	idRE := regexp.MustCompile(`(?m)^([A-Z]-\d+),`)
	var srcs []string
	for i := range 8 {
		p := filepath.Join(t.TempDir(), fmt.Sprintf("part%d.csv", i))
		require.NoError(t, os.WriteFile(p, idRE.ReplaceAll(base, []byte(fmt.Sprintf("${1}-w%d,", i))), 0o644))
		srcs = append(srcs, p)
	}
	shared := filepath.Join("testdata", "kevel", "basic.csv")
	jobs := append(slices.Clone(srcs), shared, shared, shared, shared)
	var wg sync.WaitGroup
	reps := make([]*validate.Report, len(jobs))
	errs := make([]error, len(jobs))
	for i, src := range jobs {
		wg.Go(func() {
			reps[i], errs[i] = Import(ctx, ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest,
				ReportDir: t.TempDir(), Sources: []string{src}, Workers: 1})
		})
	}
	wg.Wait()
	var added, sharedAdded int64
	for i := range jobs {
		require.NoError(t, errs[i], "import %d", i)
		added += reps[i].Counts.Added
		if i >= len(srcs) {
			sharedAdded += reps[i].Counts.Added
		}
	}
	require.Equal(t, int64(4), sharedAdded, "the shared file's orders are added by exactly one of its imports")
	log, err := commit.ReadLog(ctx, st)
	require.NoError(t, err)
	require.Len(t, log, 9, "8 distinct files and one commit of the shared file")
	for i, m := range log {
		require.Equal(t, int64(i+1), m.Version, "versions are contiguous")
	}
	require.Equal(t, added, tableRows(log, schema.Orders))
	keys := storeEventKeys(t, st, log)
	require.Len(t, keys, int(added))
	seen := map[string]bool{}
	for _, k := range keys {
		require.False(t, seen[k], "one event per order: %s twice", k)
		seen[k] = true
	}
}

func readLog(t *testing.T, dest string) []commit.Manifest {
	t.Helper()
	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	log, err := commit.ReadLog(context.Background(), st)
	require.NoError(t, err)
	return log
}

func tableRows(log []commit.Manifest, table string) int64 {
	var n int64
	for _, m := range log {
		for _, f := range m.Files {
			if f.Table == table {
				n += f.Rows
			}
		}
	}
	return n
}

// eventKeys returns the key of every event in the segments log names.
func eventKeys(t *testing.T, dest string, log []commit.Manifest) []string {
	t.Helper()
	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	return storeEventKeys(t, st, log)
}

// storeEventKeys returns the key of every event in the segments log
// names, read from st.
func storeEventKeys(t *testing.T, st commit.Store, log []commit.Manifest) []string {
	t.Helper()
	var keys []string
	for _, m := range log {
		f, err := st.Open(context.Background(), m.Events)
		require.NoError(t, err)
		require.NoError(t, commit.ReadEvents(f, func(line []byte) error {
			var e struct{ Key string }
			if err := json.Unmarshal(line, &e); err != nil {
				return err
			}
			keys = append(keys, e.Key)
			return nil
		}))
		f.Close()
	}
	return keys
}
