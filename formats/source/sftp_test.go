package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"ingot/internal/sftptest"
)

const (
	sftpUser     = "alice"
	sftpPassword = "correct-horse-battery-staple"
)

// startSSH starts a server (internal/sftptest) accepting sftpUser with
// sftpPassword or the client key.
func startSSH(t testing.TB, client ssh.PublicKey) *sftptest.Server {
	t.Helper()
	return sftptest.Start(t, sftpUser, sftpPassword, client)
}

// sftpEnv clears the SFTP secrets and the agent from the environment.
func sftpEnv(t testing.TB) {
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("INGOT_SFTP_PASSWORD", "")
	t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "")
}

// sftpFiles creates dir/in/{a.csv,b.csv,c.json,sub/d.csv,.h.csv} and
// returns dir.
func sftpFiles(t testing.TB, big []byte) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "in", "sub"), 0o777))
	for name, body := range map[string][]byte{
		"in/a.csv": []byte("a\n"), "in/b.csv": big, "in/c.json": []byte("{}"),
		"in/sub/d.csv": []byte("d\n"), "in/.h.csv": []byte("h\n"),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o666))
	}
	return dir
}

func TestSFTPSource(t *testing.T) {
	sftpEnv(t)
	ctx := context.Background()
	client, priv := sftptest.NewKey(t)
	srv := startSSH(t, client.PublicKey())
	big := randomBytes(2 << 20)
	dir := sftpFiles(t, big)
	kh := srv.KnownHostsFor(t, srv.HostKey.PublicKey())
	key := sftptest.WriteKeyWithPassphrase(t, priv, "")

	t.Run("key, glob, pooled", func(t *testing.T) {
		before := srv.Conns.Load()
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/*.csv")})
		require.NoError(t, err)
		require.Equal(t, []string{srv.URI(dir + "/in/a.csv"), srv.URI(dir + "/in/b.csv")}, uris(objs))
		require.EqualValues(t, len(big), objs[1].Size)
		objs, err = st.Resolve(ctx, []string{srv.URI(dir + "/in/**/*.csv"), srv.URI(dir + "/in")})
		require.NoError(t, err)
		require.Equal(t, []string{
			srv.URI(dir + "/in/a.csv"), srv.URI(dir + "/in/b.csv"), srv.URI(dir + "/in/sub/d.csv"), srv.URI(dir + "/in/c.json"),
		}, uris(objs))
		for _, o := range objs {
			r, err := st.Open(ctx, o)
			require.NoError(t, err)
			got, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			want, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(o.URI, srv.URI(dir))))
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), o.URI)
		}
		require.EqualValues(t, 1, srv.Conns.Load()-before, "one connection for the host")
		_, err = st.Resolve(ctx, []string{srv.URI(dir + "/in/*.xml")})
		require.ErrorIs(t, err, ErrNoMatch)
		_, err = st.Resolve(ctx, []string{srv.URI(dir + "/nope/*.csv")})
		require.ErrorIs(t, err, ErrNoMatch)
	})
	t.Run("encrypted key", func(t *testing.T) {
		enc := sftptest.WriteKeyWithPassphrase(t, priv, "open sesame")
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: enc, KnownHosts: kh}})
		_, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "INGOT_SFTP_KEY_PASSPHRASE")
		t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "wrong")
		_, err = st.Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "cannot decrypt")
		t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "open sesame")
		got, _, err := readURI(t, st, srv.URI(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
	t.Run("password", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KnownHosts: kh}})
		_, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "no credentials")
		t.Setenv("INGOT_SFTP_PASSWORD", "wrong")
		before := srv.Conns.Load()
		_, err = st.Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "authentication refused")
		require.EqualValues(t, 1, srv.Conns.Load()-before, "a refused login is not retried")
		t.Setenv("INGOT_SFTP_PASSWORD", sftpPassword)
		got, _, err := readURI(t, st, srv.URI(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
	t.Run("agent", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "agent.sock")
		l, err := net.Listen("unix", sock)
		require.NoError(t, err)
		defer l.Close()
		kr := agent.NewKeyring()
		require.NoError(t, kr.Add(agent.AddedKey{PrivateKey: priv}))
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { defer c.Close(); agent.ServeAgent(kr, c) }()
			}
		}()
		t.Setenv("SSH_AUTH_SOCK", sock)
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KnownHosts: kh}})
		got, _, err := readURI(t, st, srv.URI(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
	t.Run("dropped mid-file", func(t *testing.T) {
		var logs bytes.Buffer
		st := testStores(t, &logs, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/b.csv")})
		require.NoError(t, err)
		before := srv.Conns.Load()
		srv.DropAfter.Store(700_000)
		srv.Drops.Store(1)
		// Close the listing's connection so that the read dials anew.
		require.NoError(t, CloseStores(st))
		r, err := st.Open(ctx, objs[0])
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.True(t, bytes.Equal(big, got), "resumed bytes differ")
		require.Equal(t, sha256Hex(big), r.SHA256())
		require.EqualValues(t, 2, srv.Conns.Load()-before, "dropped, then reconnected once")
		require.Contains(t, logs.String(), "reconnecting to resume")
	})
	t.Run("move processed", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/c.json")})
		require.NoError(t, err)
		moved, err := st.MoveProcessed(ctx, objs[0])
		require.NoError(t, err)
		require.Equal(t, srv.URI(dir+"/in/processed/c.json"), moved.URI)
		_, err = os.Stat(filepath.Join(dir, "in", "c.json"))
		require.ErrorIs(t, err, os.ErrNotExist)
		require.FileExists(t, filepath.Join(dir, "in", "processed", "c.json"))
	})
}

func TestSFTPHostKeys(t *testing.T) {
	sftpEnv(t)
	t.Setenv("INGOT_SFTP_PASSWORD", sftpPassword)
	ctx := context.Background()
	srv := startSSH(t, nil)
	dir := sftpFiles(t, []byte("b\n"))
	other, _ := sftptest.NewKey(t)
	scan := fmt.Sprintf("ssh-keyscan -p %s %s >> ", srv.Port, srv.Host)
	for _, c := range []struct {
		name string
		kh   string
		want []string
	}{
		{"unknown host", srv.KnownHostsFor(t, nil), []string{"unknown host key", scan, ssh.FingerprintSHA256(srv.HostKey.PublicKey())}},
		{"mismatch", srv.KnownHostsFor(t, other.PublicKey()), []string{"host key MISMATCH", "ssh-keygen -R", scan}},
		{"no known_hosts file", filepath.Join(t.TempDir(), "absent"), []string{"cannot check the server's host key", scan}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := srv.Conns.Load()
			st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KnownHosts: c.kh}})
			_, err := st.Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
			require.LessOrEqual(t, srv.Conns.Load()-before, int32(1), "a refused host key is not retried")
		})
	}
	t.Run("default known_hosts", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
		_, err := testStores(t, nil, StoreOptions{}).Resolve(ctx, []string{srv.URI(dir + "/in/a.csv")})
		require.ErrorContains(t, err, filepath.Join(home, ".ssh", "known_hosts"))
		line := knownhosts.Line([]string{knownhosts.Normalize(srv.Addr)}, srv.HostKey.PublicKey())
		require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(line+"\n"), 0o600))
		got, _, err := readURI(t, testStores(t, nil, StoreOptions{}), srv.URI(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
}
