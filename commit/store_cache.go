package commit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// CachedStore is a Store that reads and writes through another one and
// keeps local copies of the data files of a log, so that DuckDB, which
// reads local files only here (no httpfs), can query a warehouse on S3:
// LocalPath gives the local copy of a file once Fetch has fetched it, and
// "" for any other. Everything else goes to the wrapped store.
type CachedStore struct {
	Store
	dir string
}

// NewCachedStore returns s with a cache in dir (created if missing). A
// local store needs none and is returned as it is.
func NewCachedStore(s Store, dir string) (Store, error) {
	if _, ok := s.(*LocalStore); ok {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("cache of %s: %w", s.URI(), err)
	}
	return &CachedStore{Store: s, dir: dir}, nil
}

// Fetch copies into the cache every data file that log names and the
// cache does not hold yet with the size the manifest records. A file is
// downloaded under a temporary name and renamed into place, so a copy in
// the cache is always whole.
func (c *CachedStore) Fetch(ctx context.Context, log []Manifest) error {
	for _, m := range log {
		for _, f := range m.Files {
			if err := c.fetch(ctx, f); err != nil {
				return fmt.Errorf("cache %s of version %d from %s: %w", f.Path, m.Version, c.URI(), err)
			}
		}
	}
	return nil
}

func (c *CachedStore) fetch(ctx context.Context, f FileInfo) error {
	if err := checkPath(f.Path); err != nil {
		return err
	}
	dst := filepath.Join(c.dir, filepath.FromSlash(f.Path))
	if st, err := os.Stat(dst); err == nil && st.Size() == f.Bytes {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return err
	}
	rc, err := c.Store.Open(ctx, f.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	tmp := filepath.Join(filepath.Dir(dst), TempPrefix+strconv.FormatInt(time.Now().UnixNano(), 36)+"-"+filepath.Base(dst))
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, rc)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != f.Bytes {
		err = fmt.Errorf("expected %d bytes as the manifest says, found %d", f.Bytes, n)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

// LocalPath returns the cached copy of p, or "" if Fetch has not fetched
// it (then readers fall back to the wrapped store).
func (c *CachedStore) LocalPath(p string) string {
	if checkPath(p) != nil {
		return ""
	}
	lp := filepath.Join(c.dir, filepath.FromSlash(p))
	if _, err := os.Stat(lp); err != nil {
		return ""
	}
	return lp
}

// Dir returns the cache directory.
func (c *CachedStore) Dir() string { return c.dir }
