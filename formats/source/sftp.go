package source

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SFTPOptions configure the SFTP store. Secrets come from the
// environment, never from options or flags: INGOT_SFTP_PASSWORD (password
// and keyboard-interactive auth) and INGOT_SFTP_KEY_PASSPHRASE (for an
// encrypted KeyFile). An ssh-agent is used when SSH_AUTH_SOCK is set.
type SFTPOptions struct {
	// KeyFile is a private key file (the CLI's --sftp-key).
	KeyFile string
	// KnownHosts is the known_hosts file host keys are checked against
	// (the CLI's --known-hosts); "" means ~/.ssh/known_hosts. The check
	// cannot be turned off: an unknown or changed host key is refused.
	KnownHosts string
	// Timeout bounds connecting and the SSH handshake (0: 30s).
	Timeout time.Duration
}

// sftpStore serves sftp:// sources. It keeps one SSH connection per
// user@host:port for the life of the store (one import), shared by every
// file of that host; CloseStores closes them.
type sftpStore struct {
	opt   StoreOptions
	mu    sync.Mutex
	conns map[string]*sftpConn
	vault vault // URIs holding a password, by their redacted form
}

// sftpConn is one pooled connection.
type sftpConn struct {
	ssh *ssh.Client
	sc  *sftp.Client
}

func (c *sftpConn) close() error {
	err := c.sc.Close()
	return errors.Join(err, c.ssh.Close())
}

func newSFTPStore(opt StoreOptions) *sftpStore {
	return &sftpStore{opt: opt, conns: make(map[string]*sftpConn)}
}

// sftpTarget is a parsed sftp:// URI.
type sftpTarget struct {
	user, host, port string
	password         string // from the URI, discouraged; "" if none
	path             string
}

func (t sftpTarget) addr() string { return net.JoinHostPort(t.host, t.port) }
func (t sftpTarget) key() string  { return t.user + "@" + t.addr() }

// uri returns the URI of path p on the target's host, as the user wrote
// the host part (user info included, so Open can reconnect).
func (t sftpTarget) uri(p string) string {
	u := url.URL{Scheme: "sftp", Host: t.addr(), Path: p}
	if t.password != "" {
		u.User = url.UserPassword(t.user, t.password)
	} else {
		u.User = url.User(t.user)
	}
	return u.String()
}

func parseSFTP(uri string) (sftpTarget, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return sftpTarget{}, fmt.Errorf("source %s: bad sftp URI: %w", Redact(uri), redactErr(err))
	}
	t := sftpTarget{host: u.Hostname(), port: u.Port(), path: u.Path}
	if t.host == "" {
		return sftpTarget{}, fmt.Errorf("source %s: no host: expected sftp://user@host:port/path", Redact(uri))
	}
	if t.port == "" {
		t.port = "22"
	}
	if u.User != nil {
		t.user = u.User.Username()
		t.password, _ = u.User.Password()
	}
	if t.user == "" {
		t.user = os.Getenv("USER")
	}
	if t.user == "" {
		return sftpTarget{}, fmt.Errorf("source %s: no user: expected sftp://user@host:port/path", Redact(uri))
	}
	if t.path == "" {
		t.path = "/"
	}
	return t, nil
}

// conn returns the pooled connection for t, dialling it if needed.
func (s *sftpStore) conn(ctx context.Context, t sftpTarget) (*sftpConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[t.key()]; ok {
		return c, nil
	}
	var c *sftpConn
	err := retry(ctx, s.opt.Retry, s.opt.Logger, "connect sftp://"+t.key(), func() error {
		var err error
		c, err = s.dial(ctx, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.conns[t.key()] = c
	return c, nil
}

// drop closes c and forgets it, if it is still the pooled connection.
func (s *sftpStore) drop(t sftpTarget, c *sftpConn) {
	s.mu.Lock()
	if s.conns[t.key()] == c {
		delete(s.conns, t.key())
	}
	s.mu.Unlock()
	_ = c.close()
}

// Close closes every pooled connection.
func (s *sftpStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for k, c := range s.conns {
		errs = append(errs, c.close())
		delete(s.conns, k)
	}
	return errors.Join(errs...)
}

// hostKeyError is a refused host key, with what to do about it.
type hostKeyError struct{ msg string }

func (e *hostKeyError) Error() string { return e.msg }

// knownHostsFile returns the known_hosts path in use.
func (s *sftpStore) knownHostsFile() (string, error) {
	if s.opt.SFTP.KnownHosts != "" {
		return s.opt.SFTP.KnownHosts, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("sftp: no known_hosts file given and no home directory to find ~/.ssh/known_hosts: %w", err)
	}
	return filepath.Join(home, ".ssh", "known_hosts"), nil
}

// hostKeyCallback checks host keys against the known_hosts file and
// explains a refusal. It also returns the key algorithms known for addr,
// so the server is asked for a key type the file has.
func (s *sftpStore) hostKeyCallback(t sftpTarget) (ssh.HostKeyCallback, []string, error) {
	file, err := s.knownHostsFile()
	if err != nil {
		return nil, nil, err
	}
	scan := fmt.Sprintf("ssh-keyscan -p %s %s >> %s", t.port, t.host, file)
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, nil, &hostKeyError{fmt.Sprintf(
			"sftp %s: cannot check the server's host key: known_hosts file %s: %v. Host keys are always checked: "+
				"create the file with the server's key after verifying its fingerprint, e.g. %s", t.addr(), file, err, scan)}
	}
	// Probe with a throw-away key to learn which key types the file holds
	// for this host.
	var algos []string
	if pub, _, err := ed25519.GenerateKey(rand.Reader); err == nil {
		if probe, err := ssh.NewPublicKey(pub); err == nil {
			var ke *knownhosts.KeyError
			if err := cb(t.addr(), &net.TCPAddr{IP: net.IPv4zero}, probe); errors.As(err, &ke) {
				for _, k := range ke.Want {
					switch typ := k.Key.Type(); typ {
					case ssh.KeyAlgoRSA:
						algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
					default:
						algos = append(algos, typ)
					}
				}
			}
		}
	}
	check := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(hostname, remote, key)
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &re):
			return &hostKeyError{fmt.Sprintf("sftp %s: host key %s %s is marked revoked in %s:%d; refusing to connect",
				t.addr(), key.Type(), ssh.FingerprintSHA256(key), re.Revoked.Filename, re.Revoked.Line)}
		case errors.As(err, &ke) && len(ke.Want) == 0:
			return &hostKeyError{fmt.Sprintf("sftp %s: unknown host key (%s %s): %s has no key for this host. "+
				"Verify the fingerprint with the server's administrator, then add it: %s", t.addr(), key.Type(), ssh.FingerprintSHA256(key), file, scan)}
		case errors.As(err, &ke):
			w := ke.Want[0]
			return &hostKeyError{fmt.Sprintf("sftp %s: host key MISMATCH: the server offered %s %s, but %s:%d holds a different key for this host. "+
				"The server's key changed, or someone is intercepting the connection. If the change is expected, remove the old entry "+
				"(ssh-keygen -R '%s' -f %s) and add the new one after verifying it (%s)",
				t.addr(), key.Type(), ssh.FingerprintSHA256(key), w.Filename, w.Line, knownhosts.Normalize(t.addr()), file, scan)}
		default:
			return &hostKeyError{fmt.Sprintf("sftp %s: host key check failed: %v", t.addr(), err)}
		}
	}
	return check, algos, nil
}

// auth returns the authentication methods available: the key file, the
// ssh-agent, and a password, in that order.
func (s *sftpStore) auth(t sftpTarget) ([]ssh.AuthMethod, func(), error) {
	var methods []ssh.AuthMethod
	cleanup := func() {}
	if f := s.opt.SFTP.KeyFile; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("sftp: key file: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			pass := os.Getenv("INGOT_SFTP_KEY_PASSPHRASE")
			if pass == "" {
				return nil, nil, fmt.Errorf("sftp: key file %s is encrypted: set INGOT_SFTP_KEY_PASSPHRASE to its passphrase", f)
			}
			signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass))
			if err != nil {
				// The error never holds the passphrase.
				return nil, nil, fmt.Errorf("sftp: key file %s: cannot decrypt it with INGOT_SFTP_KEY_PASSPHRASE: %w", f, err)
			}
		} else if err != nil {
			return nil, nil, fmt.Errorf("sftp: key file %s: expected an OpenSSH or PEM private key: %w", f, err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
			cleanup = func() { c.Close() }
		} else {
			s.opt.Logger.Warn("sftp: SSH_AUTH_SOCK is set but the ssh-agent cannot be reached", "error", err.Error())
		}
	}
	pass := os.Getenv("INGOT_SFTP_PASSWORD")
	if pass == "" {
		pass = t.password
	}
	if pass != "" {
		methods = append(methods, ssh.Password(pass), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pass
				}
				return answers, nil
			}))
	}
	if len(methods) == 0 {
		return nil, nil, fmt.Errorf("sftp %s: no credentials: give a key file (--sftp-key), run an ssh-agent (SSH_AUTH_SOCK), or set INGOT_SFTP_PASSWORD", t.key())
	}
	return methods, cleanup, nil
}

// dial opens an SSH connection to t and starts SFTP on it.
func (s *sftpStore) dial(ctx context.Context, t sftpTarget) (*sftpConn, error) {
	check, algos, err := s.hostKeyCallback(t)
	if err != nil {
		return nil, err
	}
	methods, cleanup, err := s.auth(t)
	if err != nil {
		return nil, err
	}
	defer cleanup() // the agent is needed only during the handshake
	timeout := s.opt.SFTP.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var hkErr error
	cfg := &ssh.ClientConfig{
		User: t.user,
		Auth: methods,
		HostKeyCallback: func(h string, r net.Addr, k ssh.PublicKey) error {
			hkErr = check(h, r, k)
			return hkErr
		},
		HostKeyAlgorithms: algos,
		Timeout:           timeout,
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", t.addr())
	if err != nil {
		return nil, fmt.Errorf("sftp %s: connect: %w", t.addr(), err)
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	cc, chans, reqs, err := ssh.NewClientConn(nc, t.addr(), cfg)
	if err != nil {
		nc.Close()
		if hkErr != nil {
			return nil, hkErr
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("sftp %s: authentication refused (tried: key file, ssh-agent, password as available): %w", t.key(), errAuth)
		}
		return nil, fmt.Errorf("sftp %s: %w", t.addr(), err)
	}
	_ = nc.SetDeadline(time.Time{})
	client := ssh.NewClient(cc, chans, reqs)
	sc, err := sftp.NewClient(client, sftp.UseConcurrentReads(true))
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("sftp %s: start the sftp subsystem: %w", t.addr(), err)
	}
	return &sftpConn{ssh: client, sc: sc}, nil
}

// errAuth is a refused login; it is not retried.
var errAuth = errors.New("permission denied")

// List expands sftp://user@host:port/path: a file, a directory (its files,
// recursively) or a glob with the local glob's semantics.
func (s *sftpStore) List(ctx context.Context, arg string) ([]Object, error) {
	t, err := parseSFTP(arg)
	if err != nil {
		return nil, err
	}
	c, err := s.conn(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), err)
	}
	p := t.path
	if fi, err := c.sc.Stat(p); err == nil {
		if fi.IsDir() {
			return s.walk(ctx, c, t, arg, p, nil)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("source %s: not a regular file (mode %s)", Redact(arg), fi.Mode())
		}
		return []Object{{URI: s.vault.hide(t.uri(p)), Name: path.Base(p), Size: fi.Size(), ModTime: fi.ModTime()}}, nil
	} else if !hasMeta(p) {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), err)
	}
	elems := strings.Split(p, "/")
	i := 0
	for i < len(elems) && !hasMeta(elems[i]) {
		i++
	}
	root, pattern := strings.Join(elems[:i], "/"), elems[i:]
	if root == "" {
		root = "/"
	}
	for _, el := range pattern {
		if el == "**" {
			continue
		}
		if _, err := path.Match(el, ""); err != nil {
			return nil, fmt.Errorf("source %s: bad pattern element %q: %w", Redact(arg), el, err)
		}
	}
	return s.walk(ctx, c, t, arg, root, pattern)
}

// walk lists the regular files under root matching pattern (every
// non-hidden file if nil), sorted by path.
func (s *sftpStore) walk(ctx context.Context, c *sftpConn, t sftpTarget, arg, root string, pattern []string) ([]Object, error) {
	var out []Object
	var visit func(dir string, rel []string) error
	visit = func(dir string, rel []string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := c.sc.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			elems := append(slices.Clip(rel), e.Name())
			full := path.Join(dir, e.Name())
			if e.IsDir() {
				if pattern == nil && hidden(e.Name()) || pattern != nil && !matchElems(pattern, elems, true) {
					continue
				}
				if err := visit(full, elems); err != nil {
					return err
				}
				continue
			}
			if pattern == nil && hidden(e.Name()) || pattern != nil && !matchElems(pattern, elems, false) {
				continue
			}
			fi := e
			if e.Mode()&fs.ModeSymlink != 0 {
				if fi, err = c.sc.Stat(full); err != nil {
					continue // a dangling link
				}
			}
			if fi.Mode().IsRegular() {
				out = append(out, Object{URI: s.vault.hide(t.uri(full)), Name: e.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
			}
		}
		return nil
	}
	if err := visit(root, nil); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("source %s: %w (directory %q does not exist)", Redact(arg), ErrNoMatch, root)
		}
		return nil, fmt.Errorf("source %s: %w", Redact(arg), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), ErrNoMatch)
	}
	slices.SortFunc(out, func(a, b Object) int { return cmp.Compare(a.URI, b.URI) })
	return out, nil
}

// Open opens the file over the host's pooled connection. If the
// connection drops mid-file, the reader reconnects, checks that the file
// still has the size and modification time it had, and continues from the
// byte it reached.
func (s *sftpStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	t, err := parseSFTP(s.vault.reveal(o.URI))
	if err != nil {
		return nil, err
	}
	r := &sftpReader{ctx: ctx, s: s, t: t, uri: Redact(o.URI)}
	if err := r.open(); err != nil {
		return nil, fmt.Errorf("open %s: %w", r.uri, err)
	}
	return r, nil
}

// sftpReader reads one file; see sftpStore.Open.
type sftpReader struct {
	ctx     context.Context
	s       *sftpStore
	t       sftpTarget
	uri     string // redacted
	c       *sftpConn
	f       *sftp.File
	size    int64
	mtime   time.Time
	opened  bool
	off     int64
	resumes int
	mu      sync.Mutex // guards f and c for ReadAt
	closed  bool
	buf     []byte // read-ahead, so that each request to the server is large
	pending []byte // read ahead, not yet returned
	err     error  // what the read-ahead ended with, returned once pending is empty
}

// sftpReadAhead is the size of the reads sent to the server: pkg/sftp
// splits one large read into concurrent requests, which a long round trip
// needs (a 32 KiB request per round trip caps a 50 ms link at 640 KiB/s).
const sftpReadAhead = 1 << 20

// open (re)opens the file at r.off, with retries and reconnection.
func (r *sftpReader) open() error {
	return retry(r.ctx, r.s.opt.Retry, r.s.opt.Logger, "open "+r.uri, func() error {
		c, err := r.s.conn(r.ctx, r.t)
		if err != nil {
			return err
		}
		f, err := c.sc.Open(r.t.path)
		if err != nil {
			if connLost(err) {
				r.s.drop(r.t, c)
			}
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			if connLost(err) {
				r.s.drop(r.t, c)
			}
			return err
		}
		if !r.opened {
			r.size, r.mtime, r.opened = fi.Size(), fi.ModTime(), true
		} else if fi.Size() != r.size || !fi.ModTime().Equal(r.mtime) {
			f.Close()
			return fmt.Errorf("reopen at byte %d: %w (size %d, modified %s; was %d, %s)", r.off, errChanged,
				fi.Size(), fi.ModTime().UTC().Format(time.RFC3339), r.size, r.mtime.UTC().Format(time.RFC3339))
		}
		if r.off > 0 {
			if _, err := f.Seek(r.off, io.SeekStart); err != nil {
				f.Close()
				return err
			}
		}
		r.mu.Lock()
		r.c, r.f = c, f
		r.mu.Unlock()
		return nil
	})
}

// connLost reports whether err means the SSH connection is gone.
func connLost(err error) bool {
	return errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || Transient(err)
}

// Read reads the file through a read-ahead buffer, reconnecting and
// resuming after a dropped connection.
func (r *sftpReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read %s: reader closed", r.uri)
	}
	if len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if len(p) >= sftpReadAhead {
			return r.fill(p)
		}
		if r.buf == nil {
			r.buf = make([]byte, sftpReadAhead)
		}
		n, err := r.fill(r.buf)
		r.pending, r.err = r.buf[:n], err
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// fill reads from the file at r.off, reconnecting and resuming after a
// dropped connection.
func (r *sftpReader) fill(p []byte) (int, error) {
	for {
		if r.f == nil {
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.f.Read(p)
		r.off += int64(n)
		if err == nil {
			return n, nil
		}
		if err == io.EOF && r.off == r.size {
			return n, io.EOF
		}
		if err == io.EOF {
			err = fmt.Errorf("file ended at byte %d of %d: %w", r.off, r.size, io.ErrUnexpectedEOF)
		}
		if !connLost(err) {
			return n, fmt.Errorf("sftp read %s at byte %d: %w", r.uri, r.off, err)
		}
		r.mu.Lock()
		r.f.Close()
		r.s.drop(r.t, r.c)
		r.f, r.c = nil, nil
		r.mu.Unlock()
		if cerr := r.ctx.Err(); cerr != nil {
			return n, cerr
		}
		if r.resumes >= maxResumes {
			return n, fmt.Errorf("sftp read %s: connection lost at byte %d after %d resumptions: %w", r.uri, r.off, r.resumes, err)
		}
		r.resumes++
		r.s.opt.Logger.LogAttrs(r.ctx, slog.LevelWarn, "sftp connection dropped, reconnecting to resume",
			slog.String("uri", r.uri), slog.Int64("offset", r.off), slog.String("error", err.Error()))
		if n > 0 {
			return n, nil
		}
	}
}

// ReadAt reads at off over the current connection.
func (r *sftpReader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	f := r.f
	r.mu.Unlock()
	if f == nil {
		return 0, fmt.Errorf("sftp read %s at byte %d: connection lost", r.uri, off)
	}
	n, err := f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("sftp read %s at byte %d: %w", r.uri, off, err)
	}
	return n, err
}

// Size returns the file's size when it was opened.
func (r *sftpReader) Size() int64 { return r.size }

// Close closes the file; the connection stays pooled.
func (r *sftpReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}

// move renames the file into processed/ beside it (SFTP's rename refuses
// to replace an existing file).
func (s *sftpStore) move(ctx context.Context, o Object) (Object, error) {
	t, err := parseSFTP(s.vault.reveal(o.URI))
	if err != nil {
		return Object{}, err
	}
	c, err := s.conn(ctx, t)
	if err != nil {
		return Object{}, fmt.Errorf("move %s: %w", Redact(o.URI), err)
	}
	dir, base := path.Split(t.path)
	dstDir := path.Join(dir, "processed")
	dst := path.Join(dstDir, base)
	if err := c.sc.MkdirAll(dstDir); err != nil {
		return Object{}, fmt.Errorf("move %s: create %s: %w", Redact(o.URI), dstDir, err)
	}
	if _, err := c.sc.Lstat(dst); err == nil {
		return Object{}, fmt.Errorf("move %s: %s already exists: %w", Redact(o.URI), dst, errExists)
	}
	if err := c.sc.Rename(t.path, dst); err != nil {
		return Object{}, fmt.Errorf("move %s to %s: %w", Redact(o.URI), dst, err)
	}
	o.URI = s.vault.hide(t.uri(dst))
	return o, nil
}
