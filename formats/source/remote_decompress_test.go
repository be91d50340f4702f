package source

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats/compress"
	"ingot/internal/sftptest"
)

// TestRemoteDecompress reads the real compressed fixtures and a zip from
// S3 (with a dropped connection) and SFTP through Decompress, as the
// import does, and expects exactly what the local files give: the same
// decompressed bytes, and the hash and count of the raw bytes. The zip is
// read through ReadAt (ranged GETs on S3).
func TestRemoteDecompress(t *testing.T) {
	sftpEnv(t)
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	plain, err := os.ReadFile(filepath.Join("..", "testdata", "sources", "orders.csv"))
	require.NoError(t, err)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: "orders.csv", Method: zip.Deflate})
	require.NoError(t, err)
	_, err = zf.Write(plain)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	dir := t.TempDir()
	files := map[string][]byte{"orders.csv.zip": zbuf.Bytes()}
	for _, f := range []string{"lineitem1k.tbl.zst", "ncvoter.csv.zst", "broken_test.csv.zst", "concat.gz", "bgzf.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "compressed", f))
		require.NoError(t, err)
		files[f] = b
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o666))
	}
	s3srv := startS3(t, files)
	client, priv := sftptest.NewKey(t)
	ss := startSSH(t, client.PublicKey())
	st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{
		KeyFile: sftptest.WriteKey(t, priv), KnownHosts: ss.KnownHosts(t),
	}})

	read := func(t *testing.T, uri string) (plainSum, rawSum string, rawN int64, compression string) {
		objs, err := st.Resolve(ctx, []string{uri})
		require.NoError(t, err)
		r, err := st.Open(ctx, objs[0])
		require.NoError(t, err)
		defer r.Close()
		d, err := compress.Decompress(r, objs[0].Name)
		require.NoError(t, err)
		defer d.Close()
		h := sha256.New()
		_, err = io.Copy(h, d)
		require.NoError(t, err)
		require.True(t, r.EOF(), "Decompress read the raw object to its end")
		return hex.EncodeToString(h.Sum(nil)), r.SHA256(), r.BytesRead(), d.Compression
	}
	for name := range files {
		t.Run(name, func(t *testing.T) {
			wantPlain, wantRaw, wantN, wantComp := read(t, filepath.Join(dir, name))
			require.EqualValues(t, len(files[name]), wantN)
			s3srv.CutAfter.Store(int64(len(files[name]) / 2))
			s3srv.Cuts.Store(1)
			for _, uri := range []string{"s3://in/" + name, ss.URI(filepath.Join(dir, name))} {
				p, raw, n, comp := read(t, uri)
				require.Equal(t, wantComp, comp, uri)
				require.Equal(t, wantPlain, p, uri)
				require.Equal(t, wantRaw, raw, uri)
				require.Equal(t, wantN, n, uri)
			}
		})
	}
}
