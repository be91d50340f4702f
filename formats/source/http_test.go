package source

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fastRetry keeps retry waits short in tests.
var fastRetry = RetryPolicy{Attempts: 4, Initial: time.Millisecond, Max: 5 * time.Millisecond}

// testStores returns NewStores with fast retries and a logger writing to
// buf.
func testStores(t *testing.T, logs *bytes.Buffer, opt StoreOptions) Stores {
	t.Helper()
	if logs != nil {
		opt.Logger = slogTo(logs)
	}
	if opt.Retry == (RetryPolicy{}) {
		opt.Retry = fastRetry
	}
	st, err := NewStores(context.Background(), opt)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, CloseStores(st)) })
	return st
}

// readURI resolves one argument and reads its single object through the
// Stores' Reader.
func readURI(t *testing.T, st Stores, uri string) ([]byte, *Reader, error) {
	t.Helper()
	ctx := context.Background()
	objs, err := st.Resolve(ctx, []string{uri})
	if err != nil {
		return nil, nil, err
	}
	require.Len(t, objs, 1)
	r, err := st.Open(ctx, objs[0])
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return b, r, err
}

// cutHandler serves data, cutting the connection after cut bytes of the
// first `cuts` responses; with ranges it honours Range and If-Range.
type cutHandler struct {
	data     []byte
	etag     string
	ranges   bool
	cut      int
	cuts     atomic.Int32
	requests atomic.Int32
	changed  atomic.Bool // serve other bytes under another ETag from now on
}

func (h *cutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	data, etag := h.data, h.etag
	if h.changed.Load() {
		data, etag = bytes.ToUpper(data), `"v2"`
	}
	start := 0
	if h.ranges {
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("ETag", etag)
		if rg := r.Header.Get("Range"); rg != "" && r.Header.Get("If-Range") == etag {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			if err != nil || n >= len(data) {
				http.Error(w, "bad range", http.StatusRequestedRangeNotSatisfiable)
				return
			}
			start = n
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)-start))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	}
	body := data[start:]
	if h.cuts.Load() > 0 && len(body) > h.cut {
		h.cuts.Add(-1)
		w.Write(body[:h.cut])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Write(body)
}

// startHTTP starts h on 127.0.0.1.
func startHTTP(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestHTTPSource(t *testing.T) {
	data := randomBytes(300_000)
	t.Run("streams", func(t *testing.T) {
		h := &cutHandler{data: data}
		srv := startHTTP(t, h)
		var logs bytes.Buffer
		got, r, err := readURI(t, testStores(t, &logs, StoreOptions{}), srv.URL+"/dir/orders.csv")
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got))
		require.True(t, r.EOF())
		require.EqualValues(t, len(data), r.BytesRead())
		require.Equal(t, "orders.csv", r.obj.Name)
		require.Empty(t, logs.String())
	})
	t.Run("resumes with a range", func(t *testing.T) {
		h := &cutHandler{data: data, etag: `"v1"`, ranges: true, cut: 100_000}
		h.cuts.Store(2)
		srv := startHTTP(t, h)
		var logs bytes.Buffer
		got, r, err := readURI(t, testStores(t, &logs, StoreOptions{}), srv.URL+"/orders.csv")
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got), "resumed bytes differ")
		require.Equal(t, sha256Hex(data), r.SHA256())
		require.EqualValues(t, 3, h.requests.Load())
		require.Equal(t, 2, strings.Count(logs.String(), "resuming with a range request"), logs.String())
	})
	t.Run("no ranges fails the file", func(t *testing.T) {
		h := &cutHandler{data: data, cut: 100_000}
		h.cuts.Store(1)
		srv := startHTTP(t, h)
		_, _, err := readURI(t, testStores(t, nil, StoreOptions{}), srv.URL+"/orders.csv")
		require.ErrorContains(t, err, "connection lost at byte 100000")
		require.ErrorContains(t, err, "no byte ranges")
	})
	t.Run("changed meanwhile fails the file", func(t *testing.T) {
		h := &cutHandler{data: data, etag: `"v1"`, ranges: true, cut: 100_000}
		h.cuts.Store(1)
		srv := startHTTP(t, &changeAfterFirst{h})
		_, _, err := readURI(t, testStores(t, nil, StoreOptions{}), srv.URL+"/orders.csv")
		require.ErrorIs(t, err, errChanged)
	})
}

// changeAfterFirst makes h serve a changed file after its first request.
type changeAfterFirst struct{ h *cutHandler }

func (c *changeAfterFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.h.ServeHTTP(w, r)
	c.h.changed.Store(true)
}

func TestHTTPSourceStatusAndRedirects(t *testing.T) {
	var fails atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/data.csv", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "identity", r.Header.Get("Accept-Encoding"))
		io.WriteString(w, "a,b\n1,2\n")
	})
	mux.HandleFunc("/old.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/data.csv", http.StatusFound)
	})
	mux.HandleFunc("/missing.csv", http.NotFound)
	mux.HandleFunc("/broken.csv", func(w http.ResponseWriter, r *http.Request) {
		fails.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/flaky.csv", func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(1) < 3 {
			http.Error(w, "slow down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	srv := startHTTP(t, mux)
	var logs bytes.Buffer
	st := testStores(t, &logs, StoreOptions{})

	got, _, err := readURI(t, st, srv.URL+"/old.csv")
	require.NoError(t, err)
	require.Equal(t, "a,b\n1,2\n", string(got))

	_, _, err = readURI(t, st, srv.URL+"/missing.csv?token=s3cr3t")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 404, se.Code)
	require.ErrorContains(t, err, "404 Not Found")
	require.ErrorContains(t, err, srv.URL+"/missing.csv?token=REDACTED")
	require.NotContains(t, err.Error(), "s3cr3t")

	fails.Store(0)
	_, _, err = readURI(t, st, srv.URL+"/broken.csv")
	require.ErrorContains(t, err, "500 Internal Server Error")
	require.ErrorContains(t, err, "gave up after 4 attempts")
	require.EqualValues(t, 4, fails.Load())

	fails.Store(0)
	got, _, err = readURI(t, st, srv.URL+"/flaky.csv")
	require.NoError(t, err)
	require.Equal(t, "ok\n", string(got))
	require.Contains(t, logs.String(), "transient failure, retrying")
}
