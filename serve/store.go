package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"ingot/commit"
)

// errReadOnly is what every writing method of rootStore returns.
var errReadOnly = errors.New("serve: the warehouse is opened read-only")

// rootStore is a commit.Store over an os.Root that can only read: enough
// for commit.ReadLog and for opening the files manifests name, and unable
// to leave the warehouse directory.
type rootStore struct {
	root *os.Root
	uri  string
}

var _ commit.Store = (*rootStore)(nil)

func (s *rootStore) Create(context.Context, string, bool) (commit.FileWriter, error) {
	return nil, errReadOnly
}

func (s *rootStore) PutIfAbsent(context.Context, string, []byte) error { return errReadOnly }

func (s *rootStore) Remove(context.Context, string) error { return errReadOnly }

func (s *rootStore) Link(context.Context, string, string) error { return errReadOnly }

// LocalPath returns "": nothing outside this package gets a path to
// open behind the root's back.
func (s *rootStore) LocalPath(string) string { return "" }

func (s *rootStore) URI() string { return s.uri }

func (s *rootStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("read %q: %w", p, fs.ErrNotExist)
	}
	return s.root.ReadFile(p)
}

func (s *rootStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("open %q: %w", p, fs.ErrNotExist)
	}
	return s.root.Open(p)
}

// List walks the deepest directory holding every match, as the local
// store does, skipping files still being written.
func (s *rootStore) List(ctx context.Context, prefix string) ([]string, error) {
	dir := "."
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		dir = prefix[:i]
	}
	if !fs.ValidPath(dir) {
		return nil, fmt.Errorf("list %q: invalid prefix", prefix)
	}
	var out []string
	err := fs.WalkDir(s.root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), commit.TempPrefix) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), commit.TempPrefix) && strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
		return ctx.Err()
	})
	return out, err
}
