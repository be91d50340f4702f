// Package durable holds the file-writing helpers that the packages which
// write files (commit's local store, validate's rejects and report) share,
// so that every file ingot writes follows the same rules: created with
// mode 0666 before the process umask, written under a temporary name and
// renamed into place.
package durable

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// CreateTemp creates a new file in dir named prefix + random digits +
// suffix, as os.CreateTemp does, but with mode 0666 before the process
// umask (os.CreateTemp makes 0600): a file that is published by renaming
// it keeps that mode, and the warehouse must be readable by the other
// users and engines of the platform.
func CreateTemp(dir, prefix, suffix string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}
