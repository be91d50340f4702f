package source

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

const (
	sftpUser     = "alice"
	sftpPassword = "correct-horse-battery-staple"
)

// sshServer is an SSH server with the SFTP subsystem on 127.0.0.1,
// serving the local file system (paths are absolute).
type sshServer struct {
	addr    string
	host    string
	port    string
	hostKey ssh.Signer
	// dropAfter, with drops > 0, closes the next connection after that
	// many bytes sent to the client.
	dropAfter atomic.Int64
	drops     atomic.Int32
	conns     atomic.Int32
}

func newSigner(t testing.TB) (ssh.Signer, ed25519.PrivateKey) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s, priv
}

// startSSH starts a server accepting sftpUser with sftpPassword or the
// client key.
func startSSH(t testing.TB, client ssh.PublicKey) *sshServer {
	t.Helper()
	hk, _ := newSigner(t)
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == sftpUser && string(pw) == sftpPassword {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == sftpUser && client != nil && bytes.Equal(k.Marshal(), client.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hk)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &sshServer{addr: l.Addr().String(), hostKey: hk}
	s.host, s.port, _ = net.SplitHostPort(s.addr)
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			if s.drops.Load() > 0 {
				s.drops.Add(-1)
				nc = &dropConn{Conn: nc, left: s.dropAfter.Load()}
			}
			wg.Go(func() { serveSSH(nc, cfg) })
		}
	})
	return s
}

func serveSSH(nc net.Conn, cfg *ssh.ServerConfig) {
	defer nc.Close()
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			return
		}
		go func() {
			defer ch.Close()
			for req := range creqs {
				if req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp" {
					req.Reply(true, nil)
					srv, err := sftp.NewServer(ch)
					if err != nil {
						return
					}
					srv.Serve()
					srv.Close()
					return
				}
				req.Reply(false, nil)
			}
		}()
	}
}

// dropConn closes the connection once left bytes have been written.
type dropConn struct {
	net.Conn
	mu   sync.Mutex
	left int64
}

func (c *dropConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		c.Conn.Close()
		return 0, net.ErrClosed
	}
	if int64(len(p)) > c.left {
		n, _ := c.Conn.Write(p[:c.left])
		c.left = 0
		c.Conn.Close()
		return n, net.ErrClosed
	}
	c.left -= int64(len(p))
	return c.Conn.Write(p)
}

// knownHosts writes a known_hosts file with key for the server.
func (s *sshServer) knownHosts(t testing.TB, key ssh.PublicKey) string {
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := ""
	if key != nil {
		line = knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, key) + "\n"
	}
	require.NoError(t, os.WriteFile(p, []byte(line), 0o600))
	return p
}

// uri returns the sftp URI of a local path on the server.
func (s *sshServer) uri(p string) string {
	return "sftp://" + sftpUser + "@" + s.addr + filepath.ToSlash(p)
}

// writeKey writes priv as an OpenSSH private key file, encrypted if
// passphrase is set.
func writeKey(t testing.TB, priv ed25519.PrivateKey, passphrase string) string {
	var blk *pem.Block
	var err error
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(blk), 0o600))
	return p
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
	client, priv := newSigner(t)
	srv := startSSH(t, client.PublicKey())
	big := randomBytes(2 << 20)
	dir := sftpFiles(t, big)
	kh := srv.knownHosts(t, srv.hostKey.PublicKey())
	key := writeKey(t, priv, "")

	t.Run("key, glob, pooled", func(t *testing.T) {
		before := srv.conns.Load()
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/*.csv")})
		require.NoError(t, err)
		require.Equal(t, []string{srv.uri(dir + "/in/a.csv"), srv.uri(dir + "/in/b.csv")}, uris(objs))
		require.EqualValues(t, len(big), objs[1].Size)
		objs, err = st.Resolve(ctx, []string{srv.uri(dir + "/in/**/*.csv"), srv.uri(dir + "/in")})
		require.NoError(t, err)
		require.Equal(t, []string{
			srv.uri(dir + "/in/a.csv"), srv.uri(dir + "/in/b.csv"), srv.uri(dir + "/in/sub/d.csv"), srv.uri(dir + "/in/c.json"),
		}, uris(objs))
		for _, o := range objs {
			r, err := st.Open(ctx, o)
			require.NoError(t, err)
			got, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			want, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(o.URI, srv.uri(dir))))
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), o.URI)
		}
		require.EqualValues(t, 1, srv.conns.Load()-before, "one connection for the host")
		_, err = st.Resolve(ctx, []string{srv.uri(dir + "/in/*.xml")})
		require.ErrorIs(t, err, ErrNoMatch)
		_, err = st.Resolve(ctx, []string{srv.uri(dir + "/nope/*.csv")})
		require.ErrorIs(t, err, ErrNoMatch)
	})
	t.Run("encrypted key", func(t *testing.T) {
		enc := writeKey(t, priv, "open sesame")
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: enc, KnownHosts: kh}})
		_, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "INGOT_SFTP_KEY_PASSPHRASE")
		t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "wrong")
		_, err = st.Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "cannot decrypt")
		t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "open sesame")
		got, _, err := readURI(t, st, srv.uri(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
	t.Run("password", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KnownHosts: kh}})
		_, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "no credentials")
		t.Setenv("INGOT_SFTP_PASSWORD", "wrong")
		before := srv.conns.Load()
		_, err = st.Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
		require.ErrorContains(t, err, "authentication refused")
		require.EqualValues(t, 1, srv.conns.Load()-before, "a refused login is not retried")
		t.Setenv("INGOT_SFTP_PASSWORD", sftpPassword)
		got, _, err := readURI(t, st, srv.uri(dir+"/in/a.csv"))
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
		got, _, err := readURI(t, st, srv.uri(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
	t.Run("dropped mid-file", func(t *testing.T) {
		var logs bytes.Buffer
		st := testStores(t, &logs, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/b.csv")})
		require.NoError(t, err)
		before := srv.conns.Load()
		srv.dropAfter.Store(700_000)
		srv.drops.Store(1)
		// Close the listing's connection so that the read dials anew.
		require.NoError(t, CloseStores(st))
		r, err := st.Open(ctx, objs[0])
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.True(t, bytes.Equal(big, got), "resumed bytes differ")
		require.Equal(t, sha256Hex(big), r.SHA256())
		require.EqualValues(t, 2, srv.conns.Load()-before, "dropped, then reconnected once")
		require.Contains(t, logs.String(), "reconnecting to resume")
	})
	t.Run("move processed", func(t *testing.T) {
		st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KeyFile: key, KnownHosts: kh}})
		objs, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/c.json")})
		require.NoError(t, err)
		moved, err := st.MoveProcessed(ctx, objs[0])
		require.NoError(t, err)
		require.Equal(t, srv.uri(dir+"/in/processed/c.json"), moved.URI)
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
	other, _ := newSigner(t)
	scan := fmt.Sprintf("ssh-keyscan -p %s %s >> ", srv.port, srv.host)
	for _, c := range []struct {
		name string
		kh   string
		want []string
	}{
		{"unknown host", srv.knownHosts(t, nil), []string{"unknown host key", scan, ssh.FingerprintSHA256(srv.hostKey.PublicKey())}},
		{"mismatch", srv.knownHosts(t, other.PublicKey()), []string{"host key MISMATCH", "ssh-keygen -R", scan}},
		{"no known_hosts file", filepath.Join(t.TempDir(), "absent"), []string{"cannot check the server's host key", scan}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := srv.conns.Load()
			st := testStores(t, nil, StoreOptions{SFTP: SFTPOptions{KnownHosts: c.kh}})
			_, err := st.Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
			require.LessOrEqual(t, srv.conns.Load()-before, int32(1), "a refused host key is not retried")
		})
	}
	t.Run("default known_hosts", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
		_, err := testStores(t, nil, StoreOptions{}).Resolve(ctx, []string{srv.uri(dir + "/in/a.csv")})
		require.ErrorContains(t, err, filepath.Join(home, ".ssh", "known_hosts"))
		line := knownhosts.Line([]string{knownhosts.Normalize(srv.addr)}, srv.hostKey.PublicKey())
		require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(line+"\n"), 0o600))
		got, _, err := readURI(t, testStores(t, nil, StoreOptions{}), srv.uri(dir+"/in/a.csv"))
		require.NoError(t, err)
		require.Equal(t, "a\n", string(got))
	})
}
