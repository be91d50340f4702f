package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/internal/s3test"
	"ingot/internal/sftptest"
	"ingot/validate"
)

// cutOnce serves data with http.ServeContent (ranges, If-Range on a
// strong ETag), or without ranges when plain is set, and cuts the
// connection once, at cut bytes of the first body: it flushes what was
// sent and closes the socket, as a dropped link does.
type cutOnce struct {
	data     []byte
	cut      int
	plain    bool
	cuts     atomic.Int32
	requests atomic.Int32
}

func (h *cutOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if h.cuts.Add(1) == 1 {
		w = &cutWriter{ResponseWriter: w, left: h.cut}
	}
	if h.plain {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)))
		_, _ = w.Write(h.data)
		return
	}
	w.Header().Set("ETag", `"v1"`)
	http.ServeContent(w, r, "orders.csv", time.Time{}, bytes.NewReader(h.data))
}

// cutWriter passes left body bytes, then hijacks and closes the
// connection.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.left < 0 {
		return 0, http.ErrHijacked
	}
	if len(p) <= c.left {
		c.left -= len(p)
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.left])
	c.left = -1
	c.ResponseWriter.(http.Flusher).Flush()
	if conn, _, err := c.ResponseWriter.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
	return n, http.ErrHijacked
}

// TestImportNetworkDrops imports one file over HTTP, S3 and SFTP while
// the connection drops once, half-way through the body. Each read
// resumes from the byte it reached (an HTTP range conditional on the
// ETag, an S3 ranged GET on the ETag, an SFTP reconnect and seek), and
// the import is the local import's: the sha256 in report.json is the
// file's, and the counts are equal. Without byte ranges an HTTP drop
// fails the file cleanly, nothing committed.
func TestImportNetworkDrops(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("INGOT_SFTP_PASSWORD", "")
	t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "")
	dir := t.TempDir()
	src := filepath.Join(dir, "orders.csv")
	code, _, errs := cli(t, "gen", "orders", "--orders", "3000", "--defects", "0", "--seed", "7", "-o", src)
	require.Equal(t, 0, code, errs)
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	local := importJSON(t, 0, src, "--dest", filepath.Join(dir, "local"))
	require.Equal(t, want, local.Files[0].SHA256)
	half := len(data) / 2
	t.Logf("%d bytes, %d rows; each connection drops at byte %d", len(data), local.Counts.Rows, half)

	check := func(t *testing.T, r *validate.Report) {
		t.Helper()
		require.Equal(t, validate.StatusCompleted, r.Status)
		require.Equal(t, want, r.Files[0].SHA256, "the bytes read are the file's")
		require.Equal(t, int64(len(data)), r.Files[0].Bytes)
		require.Equal(t, local.Counts, r.Counts)
		require.Equal(t, int64(1), r.Version)
	}

	t.Run("http", func(t *testing.T) {
		h := &cutOnce{data: data, cut: half}
		srv := httptest.NewServer(h)
		defer srv.Close()
		code, out, errs := cli(t, "import", "orders", srv.URL+"/orders.csv", "--format", "kevel-csv", "--json", "--dest", t.TempDir())
		require.Equal(t, 0, code, errs)
		check(t, decodeReport(t, out))
		require.Contains(t, errs, "resuming with a range request")
		require.EqualValues(t, 2, h.requests.Load(), "one GET, one ranged GET")
	})
	t.Run("http without ranges", func(t *testing.T) {
		h := &cutOnce{data: data, cut: half, plain: true}
		srv := httptest.NewServer(h)
		defer srv.Close()
		dest := t.TempDir()
		code, out, errs := cli(t, "import", "orders", srv.URL+"/orders.csv", "--format", "kevel-csv", "--json", "--dest", dest)
		require.Equal(t, exitFailed, code, errs)
		r := decodeReport(t, out)
		require.Equal(t, validate.StatusFailed, r.Status)
		require.Contains(t, r.Files[0].Error, "connection lost at byte "+strconv.Itoa(half))
		require.Contains(t, r.Files[0].Error, "no byte ranges")
		require.Zero(t, r.Version)
		require.Empty(t, manifests(t, dest), "nothing committed")
	})
	t.Run("s3", func(t *testing.T) {
		s3 := s3test.Start(t, "in")
		s3.Env(t)
		_, err := s3.Backend.PutObject("in", "drop/orders.csv", nil, bytes.NewReader(data), int64(len(data)), nil)
		require.NoError(t, err)
		s3.CutAfter.Store(int64(half))
		s3.Cuts.Store(1)
		code, out, errs := cli(t, "import", "orders", "s3://in/drop/orders.csv", "--format", "kevel-csv", "--json", "--dest", t.TempDir())
		require.Equal(t, 0, code, errs)
		check(t, decodeReport(t, out))
		require.Zero(t, s3.Cuts.Load(), "the cut happened")
		require.Contains(t, errs, "resuming with a ranged GET")
	})
	t.Run("sftp", func(t *testing.T) {
		const user = "partner"
		signer, priv := sftptest.NewKey(t)
		srv := sftptest.Start(t, user, "", signer.PublicKey())
		srv.DropAfter.Store(int64(half))
		srv.Drops.Store(1)
		code, out, errs := cli(t, "import", "orders", srv.URI(src), "--format", "kevel-csv", "--json", "--dest", t.TempDir(),
			"--sftp-key", sftptest.WriteKey(t, priv), "--known-hosts", srv.KnownHosts(t))
		require.Equal(t, 0, code, errs)
		check(t, decodeReport(t, out))
		require.EqualValues(t, 2, srv.Conns.Load(), "dropped, then reconnected once")
		require.Contains(t, errs, "reconnecting to resume")
	})
}
