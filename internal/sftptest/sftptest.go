package sftptest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is a running SSH/SFTP server.
type Server struct {
	// Addr is host:port on 127.0.0.1; Host and Port are its parts.
	Addr, Host, Port string
	// HostKey is the server's host key.
	HostKey ssh.Signer
	// DropAfter, while Drops > 0, makes each new connection close itself
	// once it has sent that many bytes to the client (SSH framing
	// included), as a network that drops mid-file does; each such
	// connection decrements Drops.
	DropAfter atomic.Int64
	Drops     atomic.Int32
	// Conns counts the connections accepted.
	Conns atomic.Int32
	user  string
}

// NewKey returns a fresh ed25519 key.
func NewKey(t testing.TB) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s, priv
}

// Start starts a server that accepts user with password (if not empty)
// or with the client key (if not nil); it stops at the end of the test.
func Start(t testing.TB, user, password string, client ssh.PublicKey) *Server {
	t.Helper()
	hk, _ := NewKey(t)
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if password != "" && c.User() == user && string(pw) == password {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if client != nil && c.User() == user && bytes.Equal(k.Marshal(), client.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hk)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{Addr: l.Addr().String(), HostKey: hk, user: user}
	s.Host, s.Port, _ = net.SplitHostPort(s.Addr)
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			s.Conns.Add(1)
			if s.Drops.Load() > 0 {
				s.Drops.Add(-1)
				nc = &dropConn{Conn: nc, left: s.DropAfter.Load()}
			}
			wg.Go(func() { serve(nc, cfg) })
		}
	})
	return s
}

func serve(nc net.Conn, cfg *ssh.ServerConfig) {
	defer nc.Close()
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "session only")
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
					_ = req.Reply(true, nil)
					srv, err := sftp.NewServer(ch)
					if err != nil {
						return
					}
					_ = srv.Serve()
					_ = srv.Close()
					return
				}
				_ = req.Reply(false, nil)
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

// KnownHosts writes a known_hosts file holding the server's host key.
func (s *Server) KnownHosts(t testing.TB) string {
	t.Helper()
	return s.KnownHostsFor(t, s.HostKey.PublicKey())
}

// KnownHostsFor writes a known_hosts file holding key for the server's
// address (another key: a changed host key), or an empty file if key is
// nil (an unknown host).
func (s *Server) KnownHostsFor(t testing.TB, key ssh.PublicKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := ""
	if key != nil {
		line = knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, key) + "\n"
	}
	require.NoError(t, os.WriteFile(p, []byte(line), 0o600))
	return p
}

// URI returns the sftp:// URI of a local path on the server, as the user.
func (s *Server) URI(p string) string {
	return "sftp://" + s.user + "@" + s.Addr + filepath.ToSlash(p)
}

// WriteKey writes priv as an unencrypted OpenSSH private key file.
func WriteKey(t testing.TB, priv ed25519.PrivateKey) string {
	t.Helper()
	return WriteKeyWithPassphrase(t, priv, "")
}

// WriteKeyWithPassphrase writes priv as an OpenSSH private key file,
// encrypted with passphrase unless it is empty.
func WriteKeyWithPassphrase(t testing.TB, priv ed25519.PrivateKey, passphrase string) string {
	t.Helper()
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
