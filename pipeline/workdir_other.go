//go:build !unix

package pipeline

import "os"

// newWorkDir creates the attempt's work folder under the system
// temporary folder (ingot-*); remove deletes it. Without flock, the
// folders of killed imports are not swept here.
func newWorkDir() (dir string, remove func(), err error) {
	dir, err = os.MkdirTemp("", "ingot-*")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
