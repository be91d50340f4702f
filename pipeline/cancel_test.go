package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/formats/source"
	"ingot/validate"
)

// TestCancel cancels an import at several points: while reading, just
// before the commit, between the event segment and the manifest (during
// the commit), and after the manifest. Before the manifest nothing is
// committed, the report says cancelled and nothing is left in the
// warehouse but the report; after it the import is complete.
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	a := things(t, dir, "a.csv", 0, 400, "x")
	for _, tc := range []struct {
		name      string
		at        func(cancel context.CancelFunc, o *Options)
		committed bool
	}{
		{"while reading", func(cancel context.CancelFunc, o *Options) {
			o.OnProgress = func(p Progress) {
				if p.Phase == PhaseRead && p.Rows >= 20 {
					cancel()
				}
			}
		}, false},
		{"before the commit", func(cancel context.CancelFunc, o *Options) {
			o.OnProgress = func(p Progress) {
				if p.Phase == PhaseCommit {
					cancel()
				}
			}
		}, false},
		{"during the commit", func(cancel context.CancelFunc, o *Options) {
			o.BeforeManifest = func(int) { cancel() }
		}, false},
		{"after the commit", func(cancel context.CancelFunc, o *Options) {
			o.AfterManifest = func(err error) error { cancel(); return err }
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest, reports := t.TempDir(), t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt := Options{Kind: thingsKind{}, Format: thingsCSV, Dest: dest, ReportDir: reports, BatchRows: 10, Workers: 2, MaxRejected: "none"}
			tc.at(cancel, &opt)
			rep, err := Run(ctx, opt, []source.Object{{URI: a, Name: "a.csv", Size: -1}})
			require.NotNil(t, rep)
			st, oerr := commit.OpenLocal(dest)
			require.NoError(t, oerr)
			log, lerr := commit.ReadLog(context.Background(), st)
			require.NoError(t, lerr)
			saved, rerr := validate.ReadReport(filepath.Join(reports, validate.ReportFile))
			require.NoError(t, rerr)
			if tc.committed {
				require.NoError(t, err)
				require.Equal(t, validate.StatusCompleted, rep.Status)
				require.Equal(t, int64(1), rep.Version)
				require.Len(t, log, 1)
				require.Equal(t, validate.StatusCompleted, saved.Status)
				return
			}
			require.ErrorIs(t, err, context.Canceled)
			require.EqualError(t, err, "cancelled, nothing committed")
			require.Equal(t, StatusCancelled, rep.Status)
			require.Equal(t, StatusCancelled, saved.Status)
			require.Zero(t, rep.Version)
			require.Empty(t, log)
			// Nothing is left in the warehouse: no data file, no spool,
			// no _ingot/tmp.
			var left []string
			require.NoError(t, filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					left = append(left, p)
				}
				return err
			}))
			require.Empty(t, left)
			require.NoDirExists(t, filepath.Join(dest, "_ingot", "tmp"))
		})
	}
}

// TestProgressPhases: the observer sees reading, then each phase in
// order, and LineProgress prints one line per phase.
func TestProgressPhases(t *testing.T) {
	dir := t.TempDir()
	a := things(t, dir, "a.csv", 0, 100, "x")
	var phases []string
	var lines []byte
	lp := LineProgress(writerFunc(func(b []byte) { lines = append(lines, b...) }), 0)
	_, err := Run(context.Background(), Options{Kind: thingsKind{}, Format: thingsCSV, Dest: t.TempDir(), ReportDir: t.TempDir(),
		BatchRows: 10, MaxRejected: "none", OnProgress: func(p Progress) {
			if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
				phases = append(phases, p.Phase)
			}
			lp(p)
		}}, []source.Object{{URI: a, Name: "a.csv", Size: 1}})
	require.NoError(t, err)
	require.Equal(t, []string{PhaseRead, PhaseSummary, PhaseCommit, PhaseReport, PhaseDone}, phases)
	// Reading printed nothing (under 10 s); each later phase one line.
	require.Equal(t, "ingot: read 100 rows; computing column statistics\ningot: committing\ningot: writing the report and the rejects\n", string(lines))
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// TestLineProgressEvery: while reading, one line at most every period.
func TestLineProgressEvery(t *testing.T) {
	var n int
	lp := LineProgress(writerFunc(func([]byte) { n++ }), 10*time.Second)
	for _, s := range []int{0, 1, 5, 9, 11, 12, 20, 22, 35} {
		lp(Progress{Phase: PhaseRead, Rows: int64(s), Elapsed: time.Duration(s) * time.Second})
	}
	require.Equal(t, 3, n) // at 11, 22 and 35 s
	require.Equal(t, "1,000 rows, 2.0 MB read of 4.0 MB (50%), 500 rows/s, 1.0 MB/s",
		ReadLine(Progress{Rows: 1000, Bytes: 2e6, TotalBytes: 4e6, Elapsed: 2 * time.Second}))
}
