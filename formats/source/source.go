package source

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Object is one input file: where it is and what is known before reading it.
type Object struct {
	URI     string    // as resolved (a local path stays a path; file:// URIs become paths)
	Name    string    // base name, for messages and for zip naming rules
	Size    int64     // -1 if unknown
	ModTime time.Time // zero if unknown
}

// ErrSchemeNotSupported is the cause of Resolve and Open errors for a URI
// whose scheme ingot knows (http, https, s3, sftp) but whose store is not
// configured or not written yet.
var ErrSchemeNotSupported = errors.New("scheme not supported yet")

// ErrNoMatch is the cause of a Resolve error for an argument (a pattern or
// a directory) that matches no file.
var ErrNoMatch = errors.New("matches no file")

// Store lists and opens the objects of one URI scheme. The local file
// system is built in; remote schemes plug into Stores.
type Store interface {
	// List expands one source argument of the store's scheme (a URI,
	// possibly a prefix or a glob) into objects, in a stable order. An
	// argument that matches nothing is an error wrapping ErrNoMatch.
	List(ctx context.Context, arg string) ([]Object, error)
	// Open opens o for sequential reading. If the returned reader also has
	// ReadAt(p []byte, off int64) (int, error) and Size() int64 with a size
	// >= 0, the Reader that wraps it offers random access too.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Stores chooses a Store by URI scheme. Local paths and file:// URIs are
// always served from the local file system; a nil field means its schemes
// are not supported yet. The zero value is ready to use. There is no
// global registry: a caller that has, say, an S3 client builds a Stores
// holding it and calls its methods.
type Stores struct {
	HTTP Store // http:// and https://
	S3   Store // s3://bucket/key
	SFTP Store // sftp://user@host:port/path
	// Stdin is what the source "-" reads; nil reads os.Stdin. It can be
	// read once only, so "-" may be given once.
	Stdin io.Reader
}

// StdinURI is the source argument that reads standard input. Its Object
// has this URI, the Name "stdin" and an unknown size; it is counted and
// hashed like any file, and cannot be moved by MoveProcessed.
const StdinURI = "-"

// Resolve expands the user's source arguments into objects with the zero
// Stores, which knows local paths and file:// URIs only. See
// Stores.Resolve.
func Resolve(ctx context.Context, args []string) ([]Object, error) {
	return Stores{}.Resolve(ctx, args)
}

// Open opens an object for reading with the zero Stores. See Stores.Open.
func Open(ctx context.Context, o Object) (*Reader, error) {
	return Stores{}.Open(ctx, o)
}

// Resolve expands the user's source arguments into objects, in a stable
// order: the arguments in the order given, and the files of each argument
// sorted by path. A file named by two arguments is listed once, where it
// first appears.
//
// A local argument is one of:
//   - a path to a file;
//   - a directory: its files, recursively, sorted;
//   - a glob: *, ? and [..] match within one path element, as in
//     filepath.Match, and an element that is exactly ** matches any number
//     of directories, none included. A glob matches files only.
//   - a file:// URI (file:///abs/path or file://localhost/abs/path), which
//     becomes a local path and is then treated as above.
//
// Directory walks and globs skip names starting with "." (such as .git or
// .DS_Store) unless the pattern element itself starts with ".". They
// follow a symbolic link to a file, and a directory argument that is a
// symbolic link, but not symbolic links to directories inside the tree
// (which could loop). A pattern,
// directory or path that matches nothing is an error naming it. URIs of a
// remote scheme go to the Store of that scheme; if it is nil the error
// wraps ErrSchemeNotSupported.
func (s Stores) Resolve(ctx context.Context, args []string) ([]Object, error) {
	if len(args) == 0 {
		return nil, errors.New("resolve sources: no source given")
	}
	var out []Object
	seen := make(map[string]bool)
	for _, arg := range args {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("resolve sources: %w", err)
		}
		if arg == StdinURI {
			if seen[StdinURI] {
				return nil, errors.New(`resolve sources: "-" (standard input) given twice: it can be read once only`)
			}
			seen[StdinURI] = true
			out = append(out, Object{URI: StdinURI, Name: "stdin", Size: -1})
			continue
		}
		objs, err := s.resolveOne(ctx, arg)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			key := o.URI
			if scheme, _ := splitScheme(key); scheme == "" {
				if abs, err := filepath.Abs(key); err == nil {
					key = abs
				}
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, o)
		}
	}
	return out, nil
}

// Open opens an object for reading. The returned Reader counts bytes and
// computes the SHA-256 of the raw (still compressed) bytes as they are
// read. ctx is checked before every read; once it is done, reads fail
// with its error.
func (s Stores) Open(ctx context.Context, o Object) (*Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(o.URI), err)
	}
	scheme, _ := splitScheme(o.URI)
	var (
		rc  io.ReadCloser
		err error
	)
	switch {
	case o.URI == StdinURI:
		in := s.Stdin
		if in == nil {
			in = os.Stdin
		}
		rc = io.NopCloser(in)
	case scheme == "" || scheme == "file":
		rc, err = localStore{}.Open(ctx, o)
	default:
		st, serr := s.store(scheme, o.URI)
		if serr != nil {
			return nil, serr
		}
		rc, err = st.Open(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	return newReader(ctx, o, rc), nil
}

// resolveOne expands one argument.
func (s Stores) resolveOne(ctx context.Context, arg string) ([]Object, error) {
	scheme, _ := splitScheme(arg)
	switch scheme {
	case "":
		return localStore{}.List(ctx, arg)
	case "file":
		p, err := filePath(arg)
		if err != nil {
			return nil, err
		}
		return localStore{}.List(ctx, p)
	}
	st, err := s.store(scheme, arg)
	if err != nil {
		return nil, err
	}
	return st.List(ctx, arg)
}

// store returns the Store for a remote scheme.
func (s Stores) store(scheme, uri string) (Store, error) {
	var st Store
	switch scheme {
	case "http", "https":
		st = s.HTTP
	case "s3":
		st = s.S3
	case "sftp":
		st = s.SFTP
	default:
		return nil, fmt.Errorf("source %q: unknown URI scheme %q: expected a local path, a glob, or a file://, http(s)://, s3:// or sftp:// URI", Redact(uri), scheme)
	}
	if st == nil {
		return nil, fmt.Errorf("source %q: %s:// %w (local paths, globs and file:// URIs are)", Redact(uri), scheme, ErrSchemeNotSupported)
	}
	return st, nil
}

// splitScheme returns the lower-cased scheme of a URI ("" for a path) and
// the rest after "://". A scheme is at least two letters, so a Windows
// drive letter ("C:\data") is not one.
func splitScheme(s string) (scheme, rest string) {
	i := strings.Index(s, "://")
	if i < 2 {
		return "", s
	}
	for j := 0; j < i; j++ {
		c := s[j]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", s
		}
	}
	return strings.ToLower(s[:i]), s[i+3:]
}

// filePath turns a file:// URI into a local path.
func filePath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("source %q: bad file URI: %w", uri, err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("source %q: file URI names host %q: expected file:///path or file://localhost/path", uri, u.Host)
	}
	if u.Path == "" {
		return "", fmt.Errorf("source %q: file URI has no path: expected file:///path", uri)
	}
	return filepath.FromSlash(u.Path), nil
}

// localStore is the local file system.
type localStore struct{}

// List implements Store for local paths, directories and globs.
func (localStore) List(ctx context.Context, arg string) ([]Object, error) {
	if arg == "" {
		return nil, errors.New("source \"\": empty path")
	}
	fi, err := os.Stat(arg)
	switch {
	case err == nil && fi.IsDir():
		return walkLocal(ctx, arg, arg, nil)
	case err == nil:
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("source %q: not a regular file (mode %s)", arg, fi.Mode())
		}
		return []Object{localObject(arg, fi)}, nil
	case !hasMeta(arg):
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	root, pattern := splitGlob(arg)
	if root == "" {
		root = "."
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %q: %w (directory %q does not exist)", arg, ErrNoMatch, root)
	}
	for _, el := range pattern {
		if el == "**" {
			continue
		}
		if _, err := filepath.Match(el, ""); err != nil {
			return nil, fmt.Errorf("source %q: bad pattern element %q: %w", arg, el, err)
		}
	}
	return walkLocal(ctx, arg, root, pattern)
}

// Open implements Store for local files. The file:// scheme is accepted.
func (localStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	p := o.URI
	if scheme, _ := splitScheme(p); scheme == "file" {
		var err error
		if p, err = filePath(p); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open source: %w", err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open source %q: is a directory, expected a file", p)
	}
	return &localFile{File: f, size: fi.Size()}, nil
}

// localFile is an open local file with the size it had when opened.
type localFile struct {
	*os.File
	size int64
}

// Size returns the file's size when it was opened.
func (f *localFile) Size() int64 { return f.size }

// localObject describes a local file.
func localObject(path string, fi fs.FileInfo) Object {
	return Object{URI: path, Name: filepath.Base(path), Size: fi.Size(), ModTime: fi.ModTime()}
}

// hasMeta reports whether a path holds glob meta characters.
func hasMeta(p string) bool {
	return strings.ContainsAny(p, "*?[")
}

// splitGlob splits a glob into the directory before its first element with
// meta characters and the pattern elements from there on.
func splitGlob(p string) (root string, pattern []string) {
	elems := strings.Split(filepath.ToSlash(p), "/")
	i := 0
	for i < len(elems) && !hasMeta(elems[i]) {
		i++
	}
	root = strings.Join(elems[:i], "/")
	if root == "" && i > 0 { // an absolute pattern such as /*.csv
		root = "/"
	}
	return filepath.FromSlash(root), elems[i:]
}

// walkLocal lists the regular files under root, sorted by path, whose
// path relative to root matches pattern (every file if pattern is nil).
// arg names the source in errors.
func walkLocal(ctx context.Context, arg, root string, pattern []string) ([]Object, error) {
	var out []Object
	walkRoot := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		walkRoot += string(filepath.Separator) // WalkDir follows a root symlink only so
	}
	err := filepath.WalkDir(walkRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path == walkRoot {
			return nil
		}
		rel, err := filepath.Rel(walkRoot, path)
		if err != nil {
			return err
		}
		elems := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			if pattern == nil && hidden(d.Name()) || pattern != nil && !matchElems(pattern, elems, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if pattern == nil && hidden(d.Name()) || pattern != nil && !matchElems(pattern, elems, false) {
			return nil
		}
		fi, err := os.Stat(path) // follows a symbolic link to a file
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			out = append(out, localObject(path, fi))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source %q: %w", arg, ErrNoMatch)
	}
	// WalkDir visits in lexical order per directory; sort the whole list
	// by path so the order does not depend on that.
	slices.SortFunc(out, func(a, b Object) int { return cmp.Compare(a.URI, b.URI) })
	return out, nil
}

// hidden reports whether a name starts with a dot.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// matchElems matches path elements against pattern elements, where "**"
// matches any number of elements. With prefix set it reports whether some
// path below elems could still match (used to prune directories).
func matchElems(pattern, elems []string, prefix bool) bool {
	for len(pattern) > 0 {
		if pattern[0] == "**" {
			for i := 0; i <= len(elems); i++ {
				if i > 0 && hidden(elems[i-1]) {
					return false // ** does not descend into hidden directories
				}
				if matchElems(pattern[1:], elems[i:], prefix) {
					return true
				}
			}
			return false
		}
		if len(elems) == 0 {
			return prefix
		}
		if !matchElem(pattern[0], elems[0]) {
			return false
		}
		pattern, elems = pattern[1:], elems[1:]
	}
	return len(elems) == 0
}

// matchElem matches one path element; a leading dot must be matched by a
// leading dot in the pattern, as in a shell.
func matchElem(pattern, name string) bool {
	if hidden(name) && !hidden(pattern) {
		return false
	}
	ok, _ := filepath.Match(pattern, name) // syntax was checked in List
	return ok
}

// Reader reads one object. It counts the bytes read and hashes them with
// SHA-256 as they pass. When the object is a local file (or a store
// returns a reader with random access) it also offers ReadAt and Size;
// ReadAt neither moves the read position nor feeds the hash.
//
// A Reader is not safe for concurrent Reads; ReadAt may run concurrently
// with Read.
type Reader struct {
	ctx    context.Context
	obj    Object
	rc     io.ReadCloser
	ra     io.ReaderAt // nil without random access
	size   int64
	n      int64
	h      hash.Hash
	eof    bool
	closed bool
}

// sizedReaderAt is the random access a store's reader may offer.
type sizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

// newReader wraps a store's reader.
func newReader(ctx context.Context, o Object, rc io.ReadCloser) *Reader {
	r := &Reader{ctx: ctx, obj: o, rc: rc, size: -1, h: sha256.New()}
	if ra, ok := rc.(sizedReaderAt); ok && ra.Size() >= 0 {
		r.ra, r.size = ra, ra.Size()
	}
	return r
}

// Read reads from the object, counting and hashing what it returns. It
// fails with ctx's error once ctx is done.
func (r *Reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read %s: %w", Redact(r.obj.URI), os.ErrClosed)
	}
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", Redact(r.obj.URI), err)
	}
	n, err := r.rc.Read(p)
	if n > 0 {
		r.h.Write(p[:n])
		r.n += int64(n)
	}
	if err == io.EOF {
		r.eof = true
		return n, io.EOF
	}
	if err != nil {
		return n, fmt.Errorf("read %s at byte %d: %w", Redact(r.obj.URI), r.n, err)
	}
	return n, nil
}

// ReadAt reads len(p) bytes at offset off, as io.ReaderAt. It fails when
// the object has no random access (Size returns -1). It does not count
// toward BytesRead or the hash.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if r.ra == nil {
		return 0, fmt.Errorf("read %s at byte %d: no random access to this object", Redact(r.obj.URI), off)
	}
	if r.closed {
		return 0, fmt.Errorf("read %s: %w", Redact(r.obj.URI), os.ErrClosed)
	}
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", Redact(r.obj.URI), err)
	}
	return r.ra.ReadAt(p, off)
}

// Size returns the object's size in bytes if it offers random access
// (ReadAt), else -1.
func (r *Reader) Size() int64 { return r.size }

// Object returns the object being read.
func (r *Reader) Object() Object { return r.obj }

// Close closes the object. It is idempotent.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if err := r.rc.Close(); err != nil {
		return fmt.Errorf("close %s: %w", Redact(r.obj.URI), err)
	}
	return nil
}

// BytesRead returns the number of bytes Read has returned so far.
func (r *Reader) BytesRead() int64 { return r.n }

// SHA256 returns the hex SHA-256 of everything Read has returned so far;
// it is the object's hash once Read has returned io.EOF (see EOF).
func (r *Reader) SHA256() string {
	var sum [sha256.Size]byte
	return hex.EncodeToString(r.h.Sum(sum[:0]))
}

// EOF reports whether Read has reached the end of the object, so that
// BytesRead and SHA256 describe the whole object.
func (r *Reader) EOF() bool { return r.eof }
