package ingot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
)

// TestFailedImportsLeaveNoTemporaries runs imports that fail on each
// error path after they started writing (every file failed, too many
// rejects, cancelled after the data was written, a lost commit race given
// up) and one that succeeds with a failed file: none leaves anything in
// the system temporary folder ($TMPDIR), under _ingot/tmp/, a temporary
// file anywhere in the warehouse, or anything `ingot vacuum` would list.
func TestFailedImportsLeaveNoTemporaries(t *testing.T) {
	// Every folder of the test is made before TMPDIR points to tmp, which
	// must stay empty.
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	require.NoError(t, os.Mkdir(tmp, 0o777))
	t.Setenv("TMPDIR", tmp)
	basic := filepath.Join("testdata", "kevel", "basic.csv")
	rejects := filepath.Join("testdata", "kevel", "rejects.csv")
	badHeader := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(badHeader, []byte("a,b\n1,2\n"), 0o666))

	cases := []struct {
		name    string
		opt     func(dest string) ImportOptions
		ctx     func() (context.Context, context.CancelFunc)
		wantErr string
	}{
		{name: "every file failed",
			opt:     func(string) ImportOptions { return ImportOptions{Sources: []string{badHeader}} },
			wantErr: "every file failed"},
		{name: "too many rejects",
			opt:     func(string) ImportOptions { return ImportOptions{Sources: []string{rejects}, MaxRejected: "0"} },
			wantErr: "--max-rejected"},
		{name: "cancelled after writing", wantErr: "cancel",
			opt: func(string) ImportOptions {
				return ImportOptions{Sources: []string{rejects, basic}, MaxRejected: "none"}
			}},
		{name: "commit race given up", wantErr: "gave up",
			opt: func(dest string) ImportOptions {
				o := ImportOptions{Sources: []string{basic}, CommitRetryFor: time.Nanosecond, Force: true}
				o.beforeCommit = func(int) { // another writer takes the version
					other := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: dest, Sources: []string{rejects}, MaxRejected: "none"}
					_, err := Import(context.Background(), other)
					require.NoError(t, err)
				}
				return o
			}},
		{name: "one file of two failed",
			opt: func(string) ImportOptions { return ImportOptions{Sources: []string{badHeader, basic}} }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := filepath.Join(dir, fmt.Sprintf("wh-%d", i))
			opt := c.opt(dest)
			opt.Kind, opt.Format, opt.Dest = KindOrders, "kevel-csv", dest
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.name == "cancelled after writing" {
				opt.OnProgress = func(p Progress) {
					if p.Phase == PhaseSummary { // every file is written
						cancel()
					}
				}
			}
			_, err := Import(ctx, opt)
			if c.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, c.wantErr)
			}
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			require.Empty(t, left, "the system temporary folder")
			require.NoDirExists(t, filepath.Join(dest, "_ingot", "tmp"))
			require.NoError(t, filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), commit.TempPrefix) {
					t.Errorf("temporary file left: %s", p)
				}
				return err
			}))
			st, err := commit.OpenLocalReadOnly(dest)
			require.NoError(t, err)
			garbage, err := commit.FindGarbage(context.Background(), st, commit.VacuumOptions{OlderThan: time.Nanosecond})
			require.NoError(t, err)
			require.Empty(t, garbage, "what vacuum would remove")
		})
	}
}
