package ingot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/schema"
)

// TestCommitRace makes another import commit the version this one was
// about to take: the loser must re-read the log, diff against the newer
// state and commit the next version, without duplicating rows.
func TestCommitRace(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	src := filepath.Join("testdata", "kevel", "basic.csv")
	opt := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Sources: []string{src}, Dest: dest, ReportDir: t.TempDir()}
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
	require.Equal(t, 2, attempts)
	require.Equal(t, int64(2), rep.Version)
	require.Equal(t, int64(4), rep.Counts.Unchanged, "the retry diffs against the winner's commit")
	require.Zero(t, rep.Counts.Added)

	st, err := commit.OpenLocal(dest)
	require.NoError(t, err)
	log, err := commit.ReadLog(ctx, st)
	require.NoError(t, err)
	require.Len(t, log, 2)
	require.Empty(t, log[1].Files)
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

// TestClaimedVersionSkipped leaves an event segment without a manifest, as
// a crashed writer would: the next import must not reuse its version.
func TestClaimedVersionSkipped(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dest, "_ingot", "events"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dest, filepath.FromSlash(commit.EventsPath(1))), nil, 0o644))
	rep, err := Import(ctx, ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest, ReportDir: t.TempDir(),
		Sources: []string{filepath.Join("testdata", "kevel", "basic.csv")}})
	require.NoError(t, err)
	require.Equal(t, int64(2), rep.Version)
}
