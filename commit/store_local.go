package commit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ingot/internal/durable"
)

// StaleTempAge is how old a temporary file must be before OpenLocal
// removes it: older than any write in progress can be, so a sweep never
// races a live import.
const StaleTempAge = time.Hour

// LocalStore is a Store in a directory of the local filesystem. Files are
// written under a unique temporary name in their target directory, fsynced,
// then published by rename (or, for put-if-absent, by link and unlink, which
// fails if the target exists), and the directory is fsynced, as Prometheus
// tsdb/fileutil does. A crash leaves at most temporary files, which List
// never shows and OpenLocal sweeps.
type LocalStore struct {
	dir      string // absolute, cleaned
	uri      string
	readOnly bool // OpenLocalReadOnly: every write fails
}

var _ Store = (*LocalStore)(nil)

// OpenLocal opens the store in dir, creating dir if it is missing, and
// removes temporary files older than StaleTempAge left by crashed writers.
func OpenLocal(dir string) (*LocalStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open local store %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o777); err != nil {
		return nil, fmt.Errorf("open local store %q: %w", dir, err)
	}
	s := &LocalStore{dir: abs, uri: dir}
	if err := s.sweep(time.Now().Add(-StaleTempAge)); err != nil {
		return nil, fmt.Errorf("open local store %q: sweep temporaries: %w", dir, err)
	}
	return s, nil
}

// ErrReadOnly is the cause of every write to a store opened read-only.
var ErrReadOnly = errors.New("store opened read-only")

// OpenLocalReadOnly opens the existing store in dir for reading only: it
// creates nothing, sweeps nothing, and every write fails with
// ErrReadOnly. Reading commands (log, sql, serve) use it, so that they
// work on a read-only mount and never change a warehouse.
func OpenLocalReadOnly(dir string) (*LocalStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open local store %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("open local store %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open local store %q: expected a directory, found a file", dir)
	}
	return &LocalStore{dir: abs, uri: dir, readOnly: true}, nil
}

func (s *LocalStore) checkWritable(op, p string) error {
	if s.readOnly {
		return fmt.Errorf("%s %s: %w", op, p, ErrReadOnly)
	}
	return nil
}

// sweep removes the temporary files last modified before cutoff.
func (s *LocalStore) sweep(cutoff time.Time) error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked
			}
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if info.ModTime().Before(cutoff) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
}

// Dir returns the absolute directory of the store.
func (s *LocalStore) Dir() string { return s.dir }

// URI returns the directory as given to OpenLocal.
func (s *LocalStore) URI() string { return s.uri }

// LocalPath returns the filesystem path of p.
func (s *LocalStore) LocalPath(p string) string {
	return filepath.Join(s.dir, filepath.FromSlash(p))
}

// Create starts a new file at p under a temporary name in p's directory,
// creating the directory if needed.
func (s *LocalStore) Create(ctx context.Context, p string, exclusive bool) (FileWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.checkWritable("create", p); err != nil {
		return nil, err
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	final := s.LocalPath(p)
	dir := filepath.Dir(final)
	created, err := mkdirAll(dir)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	f, err := CreateTemp(dir, TempPrefix, "-"+filepath.Base(final))
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	return &localFile{
		f:         f,
		buf:       bufio.NewWriterSize(f, 64<<10),
		name:      p,
		final:     final,
		exclusive: exclusive,
		created:   created,
	}, nil
}

// CreateTemp creates a new file in dir named prefix + random digits +
// suffix with mode 0666 before the umask; see durable.CreateTemp.
func CreateTemp(dir, prefix, suffix string) (*os.File, error) {
	return durable.CreateTemp(dir, prefix, suffix)
}

// mkdirAll creates dir and its missing parents and returns the ones it
// created, outermost first, so that their parents can be fsynced.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	slices.Reverse(missing)
	return missing, nil
}

// PutIfAbsent creates p holding data, or fails with ErrExists.
func (s *LocalStore) PutIfAbsent(ctx context.Context, p string, data []byte) error {
	return putIfAbsent(ctx, s, p, data)
}

// ReadFile returns the content of p.
func (s *LocalStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.LocalPath(p))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// Open returns a reader of p.
func (s *LocalStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	f, err := os.Open(s.LocalPath(p))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	return f, nil
}

// List returns the files whose path starts with prefix, sorted, without
// temporaries. A prefix naming nothing gives an empty list.
func (s *LocalStore) List(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Walk the deepest directory that contains every match.
	root := prefix
	if i := strings.LastIndexByte(root, '/'); i >= 0 {
		root = root[:i]
	} else {
		root = ""
	}
	if root != "" && !fs.ValidPath(root) {
		return nil, fmt.Errorf("list %q: invalid prefix", prefix)
	}
	var out []string
	err := filepath.WalkDir(s.LocalPath(root), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), TempPrefix) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), TempPrefix) || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, prefix) {
			out = append(out, rel)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	slices.Sort(out)
	return out, nil
}

// Remove deletes p.
func (s *LocalStore) Remove(ctx context.Context, p string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkPath(p); err != nil {
		return err
	}
	if err := s.checkWritable("remove", p); err != nil {
		return err
	}
	if err := os.Remove(s.LocalPath(p)); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// Link hard-links from to to, failing with ErrExists if to exists, and
// fsyncs to's directory.
func (s *LocalStore) Link(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.checkWritable("link", to); err != nil {
		return err
	}
	for _, p := range []string{from, to} {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	dst := s.LocalPath(to)
	created, err := mkdirAll(filepath.Dir(dst))
	if err != nil {
		return fmt.Errorf("link %s: %w", to, err)
	}
	if err := os.Link(s.LocalPath(from), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("link %s: %w", to, ErrExists)
		}
		return fmt.Errorf("link %s to %s: %w", from, to, err)
	}
	dirs := []string{filepath.Dir(dst)}
	for _, d := range created { // new directories are entries of their parents
		dirs = append(dirs, filepath.Dir(d))
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("link %s: sync directory: %w", to, err)
		}
	}
	return nil
}

// localFile is a FileWriter of a LocalStore.
type localFile struct {
	f         *os.File
	buf       *bufio.Writer
	name      string   // store path, for messages
	final     string   // filesystem path to publish at
	exclusive bool     // publish with link (fails if final exists)
	created   []string // directories Create made, outermost first
	size      int64
	flushed   int64 // bytes whose writeback was started
	done      bool
}

func (w *localFile) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("write %s: file already closed", w.name)
	}
	n, err := w.buf.Write(p)
	w.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", w.name, err)
	}
	if w.size-w.flushed >= writebackEvery {
		// Start writing the file back to disk now, without waiting, so
		// that the fsync at Close finds little left to do: otherwise a
		// whole import's output is written back at its very end.
		if err := w.buf.Flush(); err != nil {
			return n, fmt.Errorf("write %s: %w", w.name, err)
		}
		startWriteback(w.f, w.flushed, w.size-w.flushed)
		w.flushed = w.size
	}
	return n, nil
}

// writebackEvery is how many bytes a local file gathers before their
// writeback to disk is started.
const writebackEvery = 8 << 20

func (w *localFile) Size() int64 { return w.size }

// Close flushes and fsyncs the temporary file, publishes it and fsyncs the
// directory. On failure the temporary file is removed.
func (w *localFile) Close() error {
	if w.done {
		return fmt.Errorf("close %s: file already closed", w.name)
	}
	w.done = true
	tmp := w.f.Name()
	err := w.buf.Flush()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.publish(tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("publish %s: %w", w.name, err)
	}
	dir := filepath.Dir(w.final)
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("publish %s: sync directory: %w", w.name, err)
	}
	for _, d := range w.created {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("publish %s: sync directory: %w", w.name, err)
		}
	}
	return nil
}

func (w *localFile) publish(tmp string) error {
	if !w.exclusive {
		return os.Rename(tmp, w.final)
	}
	if err := os.Link(tmp, w.final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return err
	}
	return os.Remove(tmp)
}

// Abort closes and removes the temporary file.
func (w *localFile) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	err := w.f.Close()
	if rerr := os.Remove(w.f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("abort %s: %w", w.name, err)
	}
	return nil
}

// syncDir fsyncs a directory so that the entries just created in it
// survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
