package source

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/internal/sftptest"
)

// BenchmarkSourceRead reads the same generated 64 MiB object from a local
// file, through the S3 store (the real SDK against gofakes3 on loopback)
// and through the SFTP store (an in-process SSH server on loopback),
// through the Reader that counts and hashes, as an import does, with
// 256 KiB reads.
func BenchmarkSourceRead(b *testing.B) {
	const size = 64 << 20
	data := randomBytes(size)
	p := filepath.Join(b.TempDir(), "big.bin")
	require.NoError(b, os.WriteFile(p, data, 0o666))
	srv := startS3(b, nil)
	_, err := srv.Backend.PutObject("in", "big.bin", nil, bytes.NewReader(data), size, nil)
	require.NoError(b, err)
	sftpEnv(b)
	client, priv := sftptest.NewKey(b)
	ss := startSSH(b, client.PublicKey())
	st, err := NewStores(context.Background(), StoreOptions{SFTP: SFTPOptions{
		KeyFile: sftptest.WriteKey(b, priv), KnownHosts: ss.KnownHosts(b),
	}})
	require.NoError(b, err)
	defer CloseStores(st)
	buf := make([]byte, 256<<10)
	for _, c := range []struct{ name, uri string }{{"local", p}, {"s3", "s3://in/big.bin"}, {"sftp", ss.URI(p)}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			objs, err := st.Resolve(ctx, []string{c.uri})
			require.NoError(b, err)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				r, err := st.Open(ctx, objs[0])
				require.NoError(b, err)
				n, err := io.CopyBuffer(io.Discard, r, buf)
				require.NoError(b, err)
				require.EqualValues(b, size, n)
				require.NoError(b, r.Close())
			}
		})
	}
}
