package ingot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/validate"
)

// TestAlreadyCommitted: a local source whose sha256 a manifest lists is
// not imported again (the report says which version has it), alongside
// new files that are; --force reads it again and, diffing as always,
// emits events only for the records that changed since.
func TestAlreadyCommitted(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	basic := filepath.Join("testdata", "kevel", "basic.csv")
	changed := filepath.Join("testdata", "kevel", "changed.csv")
	imp := func(force bool, srcs ...string) *validate.Report {
		t.Helper()
		rep, err := Import(ctx, ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest, Sources: srcs, Force: force})
		require.NoError(t, err)
		return rep
	}
	rep := imp(false, basic)
	require.Equal(t, int64(1), rep.Version)
	require.Equal(t, int64(4), rep.Counts.Added)

	rep = imp(false, basic)
	require.Zero(t, rep.Version, "nothing committed")
	require.Equal(t, validate.Counts{}, rep.Counts, "nothing read")
	f := rep.Files[0]
	require.Equal(t, validate.FileAlreadyCommitted, f.Status)
	require.Equal(t, int64(1), f.CommittedVersion)
	require.Contains(t, f.Message, "already committed as version 1")
	require.Equal(t, readLog(t, dest)[0].Sources[0].SHA256, f.SHA256)
	// report.json says so too.
	raw, err := os.ReadFile(filepath.Join(rep.ReportDir, "report.json"))
	require.NoError(t, err)
	var onDisk validate.Report
	require.NoError(t, json.Unmarshal(raw, &onDisk))
	require.Equal(t, validate.FileAlreadyCommitted, onDisk.Files[0].Status)
	require.Equal(t, validate.StatusCompleted, onDisk.Status)

	// With a new file: the committed one is skipped, the new one imported,
	// and the manifest lists only the new one as its source.
	rep = imp(false, basic, changed)
	require.Equal(t, int64(2), rep.Version)
	require.Equal(t, validate.FileAlreadyCommitted, rep.Files[0].Status)
	require.Equal(t, validate.FileOK, rep.Files[1].Status)
	require.Equal(t, int64(1), rep.Counts.Updated)
	require.Equal(t, int64(3), rep.Counts.Unchanged)
	log := readLog(t, dest)
	require.Len(t, log, 2)
	require.Len(t, log[1].Sources, 1)
	require.Equal(t, changed, log[1].Sources[0].URI)
	require.Equal(t, int64(3), rep.Counts.Unchanged)

	// --force: basic.csv is read again and wins back the one order that
	// changed.csv updated; one event, none for the unchanged orders.
	rep = imp(true, basic)
	require.Equal(t, int64(3), rep.Version)
	require.Equal(t, validate.FileOK, rep.Files[0].Status)
	require.Equal(t, [2]int64{1, 3}, [2]int64{rep.Counts.Updated, rep.Counts.Unchanged})
	log = readLog(t, dest)
	require.Len(t, eventKeys(t, dest, log[2:]), 1, "one event: the order that changed")

	// Now the newest version holding basic.csv is 3.
	rep = imp(false, basic)
	require.Equal(t, int64(3), rep.Files[0].CommittedVersion)
	require.Len(t, readLog(t, dest), 3)
}
