package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// errExists is the cause of a MoveProcessed error when the target name is
// taken.
var errExists = fs.ErrExist

// mover is a Store that can move an object into processed/.
type mover interface {
	move(ctx context.Context, o Object) (Object, error)
}

// MoveProcessed moves a source object into a "processed" folder (prefix)
// beside it: data/orders.csv becomes data/processed/orders.csv, and
// s3://b/in/x.csv becomes s3://b/in/processed/x.csv. It returns the object
// at its new place. It never replaces a file already there (the error
// wraps fs.ErrExist). Local files, S3 and SFTP are supported; HTTP is not.
//
// This is the opt-in file lifecycle: call it only after the import that
// read o has committed, and never for a file that failed.
func (s Stores) MoveProcessed(ctx context.Context, o Object) (Object, error) {
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}
	if o.URI == StdinURI {
		return Object{}, fmt.Errorf("move standard input: there is no file to move: %w", errors.ErrUnsupported)
	}
	scheme, _ := splitScheme(o.URI)
	if scheme == "" || scheme == "file" {
		return moveLocal(o)
	}
	st, err := s.store(scheme, o.URI)
	if err != nil {
		return Object{}, err
	}
	m, ok := st.(mover)
	if !ok {
		return Object{}, fmt.Errorf("move %s: %s:// sources cannot be moved: %w", Redact(o.URI), scheme, errors.ErrUnsupported)
	}
	return m.move(ctx, o)
}

// moveLocal moves a local file into processed/ beside it, with a hard
// link and an unlink so that an existing target is never replaced (a
// rename across file systems is not possible here anyway: processed/ is
// in the same directory).
func moveLocal(o Object) (Object, error) {
	p := o.URI
	if scheme, _ := splitScheme(p); scheme == "file" {
		var err error
		if p, err = filePath(p); err != nil {
			return Object{}, err
		}
	}
	dir := filepath.Join(filepath.Dir(p), "processed")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return Object{}, fmt.Errorf("move %s: %w", p, err)
	}
	dst := filepath.Join(dir, filepath.Base(p))
	if err := os.Link(p, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Object{}, fmt.Errorf("move %s: %s already exists: %w", p, dst, errExists)
		}
		// No hard links here (some file systems): rename if nothing is there.
		if _, serr := os.Lstat(dst); serr == nil {
			return Object{}, fmt.Errorf("move %s: %s already exists: %w", p, dst, errExists)
		}
		if rerr := os.Rename(p, dst); rerr != nil {
			return Object{}, fmt.Errorf("move %s: %w", p, rerr)
		}
	} else if err := os.Remove(p); err != nil {
		return Object{}, fmt.Errorf("move %s: linked to %s but cannot remove the original: %w", p, dst, err)
	}
	o.URI, o.Name = dst, filepath.Base(dst)
	return o, nil
}
