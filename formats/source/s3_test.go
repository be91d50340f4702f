package source

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/internal/s3test"
)

// startS3 starts a fake S3 on 127.0.0.1 holding objects in bucket "in",
// and points the environment at it.
func startS3(t testing.TB, objects map[string][]byte) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t, "in")
	srv.Env(t)
	for k, v := range objects {
		_, err := srv.Backend.PutObject("in", k, nil, bytes.NewReader(v), int64(len(v)), nil)
		require.NoError(t, err)
	}
	return srv
}

func uris(objs []Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.URI)
	}
	return out
}

func TestS3SourceList(t *testing.T) {
	startS3(t, map[string][]byte{
		"top.csv":                   []byte("top"),
		"d/2024/01/a.csv.gz":        []byte("a"),
		"d/2024/02/b.csv.gz":        []byte("bb"),
		"d/2024/02/c.json":          []byte("c"),
		"d/2024/02/deeper/e.csv.gz": []byte("e"),
		"d/.hidden/x.csv.gz":        []byte("x"),
		"d/folder/":                 nil, // a folder marker
		"dx/other.csv.gz":           []byte("o"),
	})
	st := testStores(t, nil, StoreOptions{})
	ctx := context.Background()
	for _, c := range []struct {
		arg  string
		want []string
	}{
		{"s3://in/top.csv", []string{"s3://in/top.csv"}},
		{"s3://in/d/", []string{"s3://in/d/2024/01/a.csv.gz", "s3://in/d/2024/02/b.csv.gz", "s3://in/d/2024/02/c.json", "s3://in/d/2024/02/deeper/e.csv.gz"}},
		{"s3://in/d", []string{"s3://in/d/2024/01/a.csv.gz", "s3://in/d/2024/02/b.csv.gz", "s3://in/d/2024/02/c.json", "s3://in/d/2024/02/deeper/e.csv.gz"}},
		{"s3://in/d/*/*/*.csv.gz", []string{"s3://in/d/2024/01/a.csv.gz", "s3://in/d/2024/02/b.csv.gz"}},
		{"s3://in/d/**/*.csv.gz", []string{"s3://in/d/2024/01/a.csv.gz", "s3://in/d/2024/02/b.csv.gz", "s3://in/d/2024/02/deeper/e.csv.gz"}},
		{"s3://in/d/.hidden/*.gz", []string{"s3://in/d/.hidden/x.csv.gz"}},
		{"s3://in/d/2024/0[2]/?.json", []string{"s3://in/d/2024/02/c.json"}},
		{"s3://in/*.csv", []string{"s3://in/top.csv"}},
	} {
		objs, err := st.Resolve(ctx, []string{c.arg})
		require.NoError(t, err, c.arg)
		require.Equal(t, c.want, uris(objs), c.arg)
	}
	objs, err := st.Resolve(ctx, []string{"s3://in/d/2024/02/b.csv.gz"})
	require.NoError(t, err)
	require.EqualValues(t, 2, objs[0].Size)
	require.Equal(t, "b.csv.gz", objs[0].Name)
	objs, err = st.Resolve(ctx, []string{"s3://in/d/2024/02/b.*"})
	require.NoError(t, err)
	require.False(t, objs[0].ModTime.IsZero(), "a listing gives the modification time")

	for _, arg := range []string{"s3://in/nothing", "s3://in/d/*.xml", "s3://in/zz/"} {
		_, err := st.Resolve(ctx, []string{arg})
		require.ErrorIs(t, err, ErrNoMatch, arg)
	}
	_, err = st.Resolve(ctx, []string{"s3://in/d/[.csv"})
	require.ErrorContains(t, err, "bad pattern")
	_, err = st.Resolve(ctx, []string{"s3://nobucket/x"})
	require.Error(t, err)
}

func TestS3SourceRead(t *testing.T) {
	data := randomBytes(1 << 20)
	srv := startS3(t, map[string][]byte{"big.bin": data})
	ctx := context.Background()

	t.Run("streams and resumes", func(t *testing.T) {
		var logs bytes.Buffer
		st := testStores(t, &logs, StoreOptions{})
		srv.CutAfter.Store(300_000)
		srv.Cuts.Store(2)
		before := srv.Count("GET object")
		got, r, err := readURI(t, st, "s3://in/big.bin")
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got), "resumed bytes differ")
		require.Equal(t, sha256Hex(data), r.SHA256())
		require.Equal(t, 3, srv.Count("GET object")-before)
		require.Equal(t, 2, bytes.Count(logs.Bytes(), []byte("resuming with a ranged GET")), logs.String())
	})
	t.Run("random access", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{})
		objs, err := st.Resolve(ctx, []string{"s3://in/big.bin"})
		require.NoError(t, err)
		r, err := st.Open(ctx, objs[0])
		require.NoError(t, err)
		defer r.Close()
		require.EqualValues(t, len(data), r.Size())
		p := make([]byte, 1000)
		n, err := r.ReadAt(p, 5000)
		require.NoError(t, err)
		require.Equal(t, 1000, n)
		require.Equal(t, data[5000:6000], p)
		n, err = r.ReadAt(p, int64(len(data))-10)
		require.ErrorIs(t, err, io.EOF)
		require.Equal(t, 10, n)
	})
	t.Run("changed while read", func(t *testing.T) {
		_, err := srv.Backend.PutObject("in", "v.bin", nil, bytes.NewReader(data), int64(len(data)), nil)
		require.NoError(t, err)
		st := testStores(t, nil, StoreOptions{})
		objs, err := st.Resolve(ctx, []string{"s3://in/v.bin"})
		require.NoError(t, err)
		srv.CutAfter.Store(300_000)
		srv.Cuts.Store(1)
		r, err := st.Open(ctx, objs[0])
		require.NoError(t, err)
		defer r.Close()
		_, err = io.ReadFull(r, make([]byte, 100_000))
		require.NoError(t, err)
		other := bytes.ToUpper(data)
		other[0] ^= 1
		_, err = srv.Backend.PutObject("in", "v.bin", nil, bytes.NewReader(other), int64(len(other)), nil)
		require.NoError(t, err)
		_, err = io.ReadAll(r)
		require.ErrorIs(t, err, errChanged)
		require.ErrorContains(t, err, "resume at byte 300000")
	})
}

func TestMoveProcessed(t *testing.T) {
	ctx := context.Background()
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "orders.csv")
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o666))
		st := Stores{}
		objs, err := st.Resolve(ctx, []string{p})
		require.NoError(t, err)
		moved, err := st.MoveProcessed(ctx, objs[0])
		require.NoError(t, err)
		require.Equal(t, filepath.Join(dir, "processed", "orders.csv"), moved.URI)
		_, err = os.Stat(p)
		require.ErrorIs(t, err, fs.ErrNotExist)
		b, err := os.ReadFile(moved.URI)
		require.NoError(t, err)
		require.Equal(t, "x", string(b))
		// A second file of that name is not moved over the first.
		require.NoError(t, os.WriteFile(p, []byte("y"), 0o666))
		_, err = st.MoveProcessed(ctx, objs[0])
		require.ErrorIs(t, err, fs.ErrExist)
		_, err = os.Stat(p)
		require.NoError(t, err, "a refused move leaves the source")
	})
	t.Run("s3", func(t *testing.T) {
		srv := startS3(t, map[string][]byte{"in/a.csv": []byte("a")})
		st := testStores(t, nil, StoreOptions{})
		objs, err := st.Resolve(ctx, []string{"s3://in/in/a.csv"})
		require.NoError(t, err)
		moved, err := st.MoveProcessed(ctx, objs[0])
		require.NoError(t, err)
		require.Equal(t, "s3://in/in/processed/a.csv", moved.URI)
		_, err = srv.Backend.HeadObject("in", "in/a.csv")
		require.Error(t, err, "the source is gone")
		got, _, err := readURI(t, st, moved.URI)
		require.NoError(t, err)
		require.Equal(t, "a", string(got))
		_, err = srv.Backend.PutObject("in", "in/a.csv", nil, bytes.NewReader([]byte("b")), 1, nil)
		require.NoError(t, err)
		_, err = st.MoveProcessed(ctx, objs[0])
		require.ErrorIs(t, err, fs.ErrExist)
		_, err = srv.Backend.HeadObject("in", "in/a.csv")
		require.NoError(t, err, "a refused move leaves the source")
	})
	t.Run("http", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{})
		_, err := st.MoveProcessed(ctx, Object{URI: "http://127.0.0.1:1/x.csv"})
		require.ErrorContains(t, err, "cannot be moved")
	})
}
