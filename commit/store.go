package commit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// ErrExists is returned when a put-if-absent finds its path already taken:
// another writer committed first.
var ErrExists = errors.New("commit: file already exists")

// Store is where a warehouse lives. Paths are relative and slash-separated
// ("orders/created_month=2020-09/part-x-1.parquet"); they follow
// fs.ValidPath, and no element may start with TempPrefix. A missing file is
// reported as an error that wraps fs.ErrNotExist.
//
// Nothing in the interface assumes a filesystem except LocalPath, so an
// object store (S3 with If-None-Match: *) can implement it too.
type Store interface {
	// Create starts a new file at path. Nothing is visible at path until
	// Close returns nil. With exclusive, Close fails with ErrExists if path
	// already exists (put-if-absent); without, Close replaces what is there.
	Create(ctx context.Context, path string, exclusive bool) (FileWriter, error)
	// PutIfAbsent creates path holding data atomically, or fails with
	// ErrExists.
	PutIfAbsent(ctx context.Context, path string, data []byte) error
	// ReadFile returns the whole content of path.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// Open returns a reader of path's content; the caller closes it.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// List returns the paths of the files under prefix, sorted. prefix is
	// matched as a string, as on S3: "orders/" lists the orders table,
	// "_ingot/log/0000" the first manifests. Files still being written are
	// never listed.
	List(ctx context.Context, prefix string) ([]string, error)
	// Remove deletes path.
	Remove(ctx context.Context, path string) error
	// Link makes the file at from also visible at to, or fails with
	// ErrExists if to exists (put-if-absent): a commit can claim a name
	// for a file written earlier without copying it (a hard link on
	// disk; a conditional server-side copy on an object store).
	Link(ctx context.Context, from, to string) error
	// LocalPath returns a filesystem path DuckDB can read for path, or ""
	// if the store is not local.
	LocalPath(path string) string
	// URI is the store's location as the user gave it (for messages).
	URI() string
}

// FileWriter is a file being written to a Store. Exactly one of Close and
// Abort should be called; after either, the writer is finished and further
// calls return an error.
type FileWriter interface {
	io.Writer
	// Close makes everything written visible at the path given to Create,
	// durably (the local store fsyncs the file and its directory).
	Close() error
	// Abort discards everything written; nothing becomes visible.
	Abort() error
	// Size returns the number of bytes written so far.
	Size() int64
}

// TempPrefix starts the base name of a file that is still being written.
// List skips such names and OpenLocal sweeps old ones.
const TempPrefix = ".tmp-"

// checkPath returns an error unless p is a valid store path.
func checkPath(p string) error {
	if !fs.ValidPath(p) || p == "." {
		return fmt.Errorf("commit: invalid store path %q: want a relative slash-separated path without . or .. elements", p)
	}
	for _, e := range strings.Split(p, "/") {
		if strings.HasPrefix(e, TempPrefix) {
			return fmt.Errorf("commit: invalid store path %q: element %q starts with the temporary prefix %q", p, e, TempPrefix)
		}
	}
	return nil
}

// putIfAbsent implements Store.PutIfAbsent with Create.
func putIfAbsent(ctx context.Context, s Store, path string, data []byte) error {
	w, err := s.Create(ctx, path, true)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return errors.Join(err, w.Abort())
	}
	return w.Close()
}
