package commit

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing n bytes of f from off
// back to disk, and returns at once (sync_file_range with
// SYNC_FILE_RANGE_WRITE). It is a hint: errors are left to the fsync
// that follows.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
