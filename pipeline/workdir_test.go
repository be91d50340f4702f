//go:build unix

package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSweepWorkDirs: the work folder of an import that is gone (its lock
// free) is removed; those of a running import (locked), of one just
// starting (empty lock file) and folders without a lock file are kept.
func TestSweepWorkDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	mk := func(name, lock string) string {
		d := filepath.Join(tmp, name)
		require.NoError(t, os.MkdirAll(filepath.Join(d, "warehouse"), 0o777))
		if lock != "-" {
			require.NoError(t, os.WriteFile(filepath.Join(d, workDirLock), []byte(lock), 0o666))
		}
		return d
	}
	dead := mk("ingot-111", "4242\n")
	starting := mk("ingot-222", "")
	foreign := mk("ingot-333", "-")
	other := mk("other-444", "4242\n")

	running, remove, err := newWorkDir() // sweeps first, then locks its own
	require.NoError(t, err)
	require.NoDirExists(t, dead)
	for _, d := range []string{starting, foreign, other, running} {
		require.DirExists(t, d)
	}
	sweepWorkDirs(tmp) // another import starting: the running one stays
	require.DirExists(t, running)
	remove()
	require.NoDirExists(t, running)
}
