//go:build unix

package pipeline

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// workDirLock is the file in an import's work folder that the import
// holds an exclusive flock on while it runs. The kernel drops the lock
// when the process ends, however it ends (SIGKILL, OOM kill), so a work
// folder whose lock can be taken belongs to an import that is gone.
const workDirLock = ".lock"

// newWorkDir creates the attempt's work folder under the system
// temporary folder (ingot-*), locked while the import runs, after
// removing the work folders that killed imports left there (their lock
// is free). remove unlocks and deletes the folder.
func newWorkDir() (dir string, remove func(), err error) {
	sweepWorkDirs(os.TempDir())
	dir, err = os.MkdirTemp("", "ingot-*")
	if err != nil {
		return "", nil, err
	}
	// The lock file is created empty, locked (waiting while a sweeper
	// looks at it), then given the process id: a sweeper removes only a
	// folder whose lock it can take and whose lock file is not empty,
	// never one whose import is between creating and locking it.
	f, err := os.OpenFile(filepath.Join(dir, workDirLock), os.O_CREATE|os.O_RDWR, 0o666)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err == nil {
			_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() {
		f.Close()
		os.RemoveAll(dir)
	}, nil
}

// sweepWorkDirs removes the ingot-* folders of tmp whose lock file can be
// locked and names a process: their import ended without removing them
// (it was killed). Folders without a lock file or with an empty one (an
// import that is just starting, or not ingot's) are left alone, and so is
// every error.
func sweepWorkDirs(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, "ingot-*"))
	for _, d := range dirs {
		f, err := os.OpenFile(filepath.Join(d, workDirLock), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
				os.RemoveAll(d)
			}
		}
		f.Close()
	}
}
