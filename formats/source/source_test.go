package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// sourceTree builds a directory of files for Resolve and returns its root:
//
//	a.csv b.csv.gz notes.txt .hidden.csv .git/e.csv empty/
//	sub/c.csv sub/deep/d.csv zlink -> sub
func sourceTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, p := range []string{"a.csv", "b.csv.gz", "notes.txt", ".hidden.csv", ".git/e.csv", "sub/c.csv", "sub/deep/d.csv"} {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte("content of "+p+"\n"), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(root, "empty"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "zlink")))
	return root
}

// fileURI makes a file:// URI of an absolute path.
func fileURI(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path
	}
	return "file://" + p
}

func TestResolve(t *testing.T) {
	root := sourceTree(t)
	in := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	tests := []struct {
		name    string
		args    []string
		want    []string // paths under root, in order
		wantErr string   // a substring of the error
		wantIs  error
	}{
		{name: "file", args: []string{in("a.csv")}, want: []string{"a.csv"}},
		{name: "glob star", args: []string{in("*.csv")}, want: []string{"a.csv"}},
		{name: "glob question and class", args: []string{in("[ab].cs?*")}, want: []string{"a.csv", "b.csv.gz"}},
		{name: "glob in a directory element", args: []string{in("s*/*.csv")}, want: []string{"sub/c.csv"}},
		{name: "double star matches no directory too", args: []string{in("**/*.csv")}, want: []string{"a.csv", "sub/c.csv", "sub/deep/d.csv"}},
		{name: "double star at the end", args: []string{in("sub/**")}, want: []string{"sub/c.csv", "sub/deep/d.csv"}},
		{name: "double star in the middle", args: []string{in("sub/**/d.csv")}, want: []string{"sub/deep/d.csv"}},
		{name: "a leading dot is matched only explicitly", args: []string{in(".*.csv")}, want: []string{".hidden.csv"}},
		{name: "directory is walked sorted, skipping dot names", args: []string{root},
			want: []string{"a.csv", "b.csv.gz", "notes.txt", "sub/c.csv", "sub/deep/d.csv"}},
		{name: "directory symlink named", args: []string{in("zlink")}, want: []string{"zlink/c.csv", "zlink/deep/d.csv"}},
		{name: "glob through a directory symlink", args: []string{in("zlink/*.csv")}, want: []string{"zlink/c.csv"}},
		{name: "relative and unclean paths are the same file", args: []string{in("a.csv"), root + "/sub/../a.csv"}, want: []string{"a.csv"}},
		{name: "hidden directory named explicitly", args: []string{in(".git")}, want: []string{".git/e.csv"}},
		{name: "file URI", args: []string{fileURI(in("a.csv"))}, want: []string{"a.csv"}},
		{name: "file URI with localhost", args: []string{"file://localhost" + strings.TrimPrefix(fileURI(in("sub")), "file://")},
			want: []string{"sub/c.csv", "sub/deep/d.csv"}},
		{name: "file URI glob", args: []string{fileURI(in("sub/*.csv"))}, want: []string{"sub/c.csv"}},
		{name: "arguments keep their order, duplicates once", args: []string{in("sub"), in("*.csv"), in("sub/c.csv")},
			want: []string{"sub/c.csv", "sub/deep/d.csv", "a.csv"}},

		{name: "no match", args: []string{in("*.json")}, wantErr: `"` + in("*.json") + `": matches no file`, wantIs: ErrNoMatch},
		{name: "glob under a missing directory", args: []string{in("nope/*.csv")}, wantErr: "nope", wantIs: ErrNoMatch},
		{name: "missing file", args: []string{in("missing.csv")}, wantErr: "missing.csv", wantIs: fs.ErrNotExist},
		{name: "empty directory", args: []string{in("empty")}, wantErr: "empty", wantIs: ErrNoMatch},
		{name: "bad pattern", args: []string{in("[a.csv")}, wantErr: "bad pattern"},
		{name: "s3 not yet", args: []string{"s3://bucket/orders/*.csv"}, wantErr: "s3:// scheme not supported yet", wantIs: ErrSchemeNotSupported},
		{name: "https not yet", args: []string{"https://example.com/orders.csv"}, wantErr: "https:// scheme not supported yet", wantIs: ErrSchemeNotSupported},
		{name: "sftp not yet", args: []string{"sftp://me@host:22/orders.csv"}, wantIs: ErrSchemeNotSupported},
		{name: "unknown scheme", args: []string{"ftp://host/orders.csv"}, wantErr: `unknown URI scheme "ftp"`},
		{name: "file URI with a host", args: []string{"file://server/share/a.csv"}, wantErr: `names host "server"`},
		{name: "no arguments", args: nil, wantErr: "no source given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(context.Background(), tt.args)
			if tt.wantErr != "" || tt.wantIs != nil {
				require.Error(t, err)
				require.ErrorContains(t, err, tt.wantErr)
				if tt.wantIs != nil {
					require.ErrorIs(t, err, tt.wantIs)
				}
				return
			}
			require.NoError(t, err)
			var paths []string
			for _, o := range got {
				rel, err := filepath.Rel(root, o.URI)
				require.NoError(t, err)
				paths = append(paths, filepath.ToSlash(rel))
				require.Equal(t, filepath.Base(o.URI), o.Name)
				fi, err := os.Stat(o.URI)
				require.NoError(t, err)
				require.Equal(t, fi.Size(), o.Size)
				require.Equal(t, fi.ModTime(), o.ModTime)
			}
			require.Equal(t, tt.want, paths)
		})
	}
}

func TestResolveRelative(t *testing.T) {
	root := sourceTree(t)
	t.Chdir(root)
	got, err := Resolve(context.Background(), []string{"*.csv", "sub"})
	require.NoError(t, err)
	var uris []string
	for _, o := range got {
		uris = append(uris, o.URI)
	}
	require.Equal(t, []string{"a.csv", filepath.Join("sub", "c.csv"), filepath.Join("sub", "deep", "d.csv")}, uris,
		"a relative path stays relative")
}

func TestResolveCanceled(t *testing.T) {
	root := sourceTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Resolve(ctx, []string{root})
	require.ErrorIs(t, err, context.Canceled)
}

// rawFixtures lists files whose raw bytes the Reader must hash.
var rawFixtures = []string{
	"../testdata/sources/orders.csv",
	"../testdata/compressed/lineitem1k.tbl.zst",
	"../testdata/compressed/concat.gz",
	"../testdata/charset/utf16.csv",
}

func TestReaderCountsAndHashes(t *testing.T) {
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, path := range rawFixtures {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		for rname, wrap := range readers {
			t.Run(filepath.Base(path)+"/"+rname, func(t *testing.T) {
				objs, err := Resolve(context.Background(), []string{path})
				require.NoError(t, err)
				require.Len(t, objs, 1)
				r, err := Open(context.Background(), objs[0])
				require.NoError(t, err)
				defer r.Close()
				require.Equal(t, objs[0], r.Object())
				require.Equal(t, int64(len(raw)), r.Size())

				got, err := io.ReadAll(wrap(r))
				require.NoError(t, err)
				require.Equal(t, raw, got)
				require.True(t, r.EOF())
				require.Equal(t, int64(len(raw)), r.BytesRead())
				require.Equal(t, hex.EncodeToString(sum[:]), r.SHA256())

				// ReadAt neither moves the position nor feeds the hash.
				p := make([]byte, 4)
				n, err := r.ReadAt(p, 1)
				require.NoError(t, err)
				require.Equal(t, raw[1:5], p[:n])
				require.Equal(t, int64(len(raw)), r.BytesRead())
				require.Equal(t, hex.EncodeToString(sum[:]), r.SHA256())
			})
		}
	}
}

func TestReaderPartialHash(t *testing.T) {
	path := rawFixtures[0]
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	r, err := Open(context.Background(), Object{URI: path, Name: filepath.Base(path), Size: -1})
	require.NoError(t, err)
	defer r.Close()
	p := make([]byte, 10)
	_, err = io.ReadFull(r, p)
	require.NoError(t, err)
	sum := sha256.Sum256(raw[:10])
	require.Equal(t, hex.EncodeToString(sum[:]), r.SHA256(), "the hash covers what was read so far")
	require.False(t, r.EOF())
}

func TestReaderCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, Object{URI: rawFixtures[1], Size: -1})
	require.NoError(t, err)
	defer r.Close()
	p := make([]byte, 100)
	_, err = r.Read(p)
	require.NoError(t, err)
	cancel()
	_, err = r.Read(p)
	require.ErrorIs(t, err, context.Canceled)
	_, err = r.ReadAt(p, 0)
	require.ErrorIs(t, err, context.Canceled)

	_, err = Open(ctx, Object{URI: rawFixtures[1]})
	require.ErrorIs(t, err, context.Canceled)
}

func TestReaderClose(t *testing.T) {
	r, err := Open(context.Background(), Object{URI: fileURI(mustAbs(t, rawFixtures[0]))})
	require.NoError(t, err, "Open takes file URIs too")
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close is idempotent")
	_, err = r.Read(make([]byte, 1))
	require.ErrorIs(t, err, os.ErrClosed)
}

func TestOpenErrors(t *testing.T) {
	root := sourceTree(t)
	tests := []struct {
		name    string
		uri     string
		wantErr string
		wantIs  error
	}{
		{name: "missing", uri: filepath.Join(root, "missing.csv"), wantIs: fs.ErrNotExist},
		{name: "directory", uri: root, wantErr: "is a directory"},
		{name: "s3", uri: "s3://bucket/key.csv", wantIs: ErrSchemeNotSupported},
		{name: "unknown scheme", uri: "gopher://x/y", wantErr: "unknown URI scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), Object{URI: tt.uri})
			require.Error(t, err)
			require.ErrorContains(t, err, tt.wantErr)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
}

// memStore is an in-memory Store of one scheme, to show how remote stores
// plug in.
type memStore struct {
	files      map[string][]byte
	randomRead bool // offer ReadAt and Size
}

func (m memStore) List(ctx context.Context, arg string) ([]Object, error) {
	var out []Object
	for uri, b := range m.files {
		if strings.HasPrefix(uri, arg) {
			out = append(out, Object{URI: uri, Name: uri[strings.LastIndex(uri, "/")+1:], Size: int64(len(b))})
		}
	}
	if len(out) == 0 {
		return nil, ErrNoMatch
	}
	return out, nil
}

func (m memStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	b, ok := m.files[o.URI]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if m.randomRead {
		return struct {
			*bytes.Reader
			io.Closer
		}{bytes.NewReader(b), io.NopCloser(nil)}, nil
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func TestStoresPlugIn(t *testing.T) {
	content := []byte("orderId,total\no-1,9.99\n")
	sum := sha256.Sum256(content)
	for _, random := range []bool{false, true} {
		st := Stores{HTTP: memStore{files: map[string][]byte{"https://example.com/orders.csv": content}, randomRead: random}}
		objs, err := st.Resolve(context.Background(), []string{"https://example.com/"})
		require.NoError(t, err)
		require.Equal(t, []Object{{URI: "https://example.com/orders.csv", Name: "orders.csv", Size: int64(len(content))}}, objs)

		r, err := st.Open(context.Background(), objs[0])
		require.NoError(t, err)
		if random {
			require.Equal(t, int64(len(content)), r.Size())
			p := make([]byte, 5)
			_, err = r.ReadAt(p, 2)
			require.NoError(t, err)
			require.Equal(t, "derId", string(p))
		} else {
			require.Equal(t, int64(-1), r.Size())
			_, err = r.ReadAt(make([]byte, 1), 0)
			require.ErrorContains(t, err, "no random access")
		}
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, content, got)
		require.Equal(t, hex.EncodeToString(sum[:]), r.SHA256())
		require.NoError(t, r.Close())

		_, err = st.Resolve(context.Background(), []string{"s3://bucket/x"})
		require.ErrorIs(t, err, ErrSchemeNotSupported, "only the configured schemes are served")
	}
}

func TestSplitScheme(t *testing.T) {
	tests := []struct{ in, scheme string }{
		{"orders.csv", ""},
		{"/data/orders.csv", ""},
		{`C:\data\orders.csv`, ""},
		{"C://data", ""}, // one letter: a drive, not a scheme
		{"S3://Bucket/key", "s3"},
		{"git+ssh://x", "git+ssh"},
		{"a b://x", ""},
		{"dir/with://colon", ""},
	}
	for _, tt := range tests {
		got, _ := splitScheme(tt.in)
		require.Equal(t, tt.scheme, got, tt.in)
	}
}

func TestMatchElems(t *testing.T) {
	tests := []struct {
		pattern, path string
		full, prefix  bool
	}{
		{"*.csv", "a.csv", true, true},
		{"*.csv", "sub", false, false},
		{"*/*.csv", "sub", false, true},
		{"**/*.csv", "sub/deep", false, true},
		{"**/*.csv", "sub/deep/x.csv", true, true},
		{"**/*.csv", ".git", false, false},
		{"**", "a/b/c", true, true},
		{"a/**/b", "a/b", true, true},
		{"a/**/b", "a/x/y/b", true, true},
		{"a/**/b", "c", false, false},
	}
	for _, tt := range tests {
		pat, elems := strings.Split(tt.pattern, "/"), strings.Split(tt.path, "/")
		require.Equal(t, tt.full, matchElems(pat, elems, false), "%s ~ %s", tt.pattern, tt.path)
		require.Equal(t, tt.prefix, matchElems(pat, elems, true), "%s ~ %s (prefix)", tt.pattern, tt.path)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	return abs
}

// errReader fails with err after handing out b.
type errReader struct {
	b   []byte
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.b) == 0 {
		return 0, e.err
	}
	n := copy(p, e.b)
	e.b = e.b[n:]
	return n, nil
}

var errBoom = errors.New("boom")

func BenchmarkReader(b *testing.B) {
	path := filepath.Join(b.TempDir(), "orders.csv")
	// 8 MiB of order-like rows: the reader's cost does not depend on them.
	row := []byte("A-1,email,anna@example.com,EUR,30.50,25.00,5.50,0,0,0,2020-09-16T10:38:06+0100,P1,SKU-1,Hemd,1,paid\n")
	data := bytes.Repeat(row, (8<<20)/len(row))
	require.NoError(b, os.WriteFile(path, data, 0o644))
	rows := bytes.Count(data, []byte{'\n'})
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(context.Background(), Object{URI: path})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		_ = r.SHA256()
		r.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
