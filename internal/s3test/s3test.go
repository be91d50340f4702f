package s3test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"ingot/internal/s3conf"
)

// AccessKey and SecretKey are the credentials Env sets; tests grep
// outputs for them.
const (
	AccessKey = "AKIAINGOTTESTKEY0001"
	SecretKey = "ingot-test-secret-do-not-print-0123456789"
)

// Server is a running fake S3.
type Server struct {
	URL     string
	Backend *s3mem.Backend
	// CutAfter, when > 0, makes the next GET response with a body stop
	// after that many body bytes, the connection closed; each cut
	// decrements Cuts, and cutting stops when Cuts reaches 0.
	CutAfter atomic.Int64
	Cuts     atomic.Int64
	// Requests counts requests by "METHOD kind" (see kind).
	mu       sync.Mutex
	requests map[string]int
	condMu   sync.Mutex
	inner    http.Handler
	faults   []*faultState // guarded by mu
}

// Fault makes the server fail requests, as a struggling S3 does: with
// an error status (500 InternalError, 503 SlowDown), after a delay (a
// client whose read timeout is shorter sees a timeout), or after having
// done the work (the write happened, but the client sees a failure:
// "commit state unknown").
type Fault struct {
	// Kind is the kind of request to fail, as Count names it ("PUT
	// object", "POST complete", "PUT part", "PUT copy", "GET object",
	// ...).
	Kind string
	// KeyContains, if set, restricts the fault to keys containing it.
	KeyContains string
	// Nth is the first matching request that fails, counting from 1
	// (0: the first); Times is how many matching requests fail from there
	// on (0: one; -1: all).
	Nth, Times int
	// Status and Code are the error answered, e.g. 503 and "SlowDown";
	// Status 0 answers normally (after Delay).
	Status int
	Code   string
	// Delay is how long the server waits before it answers (or before
	// the work, unless After).
	Delay time.Duration
	// After does the request's work before the delay and the error.
	After bool
}

type faultState struct {
	Fault
	seen, hit int
}

// Inject adds a fault; it applies to requests from now on.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// Hits returns how many requests the injected faults have failed or
// delayed.
func (s *Server) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.hit
	}
	return n
}

// fault returns the fault that applies to r, if any, counting it.
func (s *Server) fault(k, key string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Kind != k || f.KeyContains != "" && !strings.Contains(key, f.KeyContains) {
			continue
		}
		f.seen++
		first := max(f.Nth, 1)
		times := f.Times
		if times == 0 {
			times = 1
		}
		if f.seen >= first && (times < 0 || f.seen < first+times) {
			f.hit++
			fc := f.Fault
			return &fc
		}
	}
	return nil
}

// Start starts a server with the given buckets, stopped at the end of
// the test.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	be := s3mem.New()
	faker := gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog()))
	s := &Server{Backend: be, inner: faker.Server(), requests: make(map[string]int)}
	for _, b := range buckets {
		require.NoError(t, be.CreateBucket(b))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(s)
	ts.Listener.Close()
	ts.Listener = l
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // cut responses are expected
	ts.Start()
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// Env points the AWS SDK's standard chain at s through the environment
// only (static keys, region, AWS_ENDPOINT_URL_S3), with no shared config
// file and no instance metadata, so nothing but 127.0.0.1 is contacted.
func (s *Server) Env(t testing.TB) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           AccessKey,
		"AWS_SECRET_ACCESS_KEY":       SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "us-east-1",
		"AWS_ENDPOINT_URL_S3":         s.URL,
		"AWS_ENDPOINT_URL":            "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_ROLE_ARN":                "",
	} {
		t.Setenv(k, v)
	}
}

// Client returns a client built by s3conf from the environment Env sets.
func (s *Server) Client(t testing.TB, o s3conf.Options) *s3.Client {
	t.Helper()
	s.Env(t)
	c, err := s3conf.New(context.Background(), o)
	require.NoError(t, err)
	return c
}

// Count returns how many requests of a kind were served: "PUT object",
// "GET object", "POST create-multipart", "PUT part", "POST complete",
// "DELETE abort", "PUT copy", "GET list".
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[kind]
}

// Uploads returns the multipart uploads in progress in bucket.
func (s *Server) Uploads(t testing.TB, c *s3.Client, bucket string) int {
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" {
		return 0 // gofakes3's answer for a bucket that never had an upload
	}
	require.NoError(t, err)
	return len(out.Uploads)
}

func kind(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "POST create-multipart"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "POST complete"
	case r.Method == http.MethodPut && q.Has("partNumber"):
		return "PUT part"
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "DELETE abort"
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "PUT copy"
	case r.Method == http.MethodGet && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0:
		return "GET list"
	}
	return r.Method + " object"
}

// ServeHTTP adds the conditions gofakes3 lacks, the cuts and the
// faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := kind(r)
	s.mu.Lock()
	s.requests[k]++
	s.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if k2, err := url.PathUnescape(key); err == nil {
		key = k2
	}
	f := s.fault(k, key)
	if f == nil {
		s.serve(w, r, k, bucket, key)
		return
	}
	if f.After {
		s.serve(httptest.NewRecorder(), r, k, bucket, key)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done(): // the client gave up
			t.Stop()
			return
		}
	}
	switch {
	case f.Status != 0:
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected fault</Message></Error>`, f.Code)
	case !f.After:
		s.serve(w, r, k, bucket, key)
	}
}

// serve answers r as S3 would.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, k, bucket, key string) {
	if r.Header.Get("If-None-Match") == "*" && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
		s.condMu.Lock()
		defer s.condMu.Unlock()
		if _, err := s.Backend.HeadObject(bucket, key); err == nil {
			preconditionFailed(w, "At least one of the pre-conditions you specified did not hold")
			return
		}
	}
	if r.Method == http.MethodGet && r.Header.Get("If-Match") != "" && key != "" {
		obj, err := s.Backend.HeadObject(bucket, key)
		if err == nil && strings.Trim(r.Header.Get("If-Match"), `"`) != hex.EncodeToString(obj.Hash) {
			preconditionFailed(w, "At least one of the pre-conditions you specified did not hold")
			return
		}
	}
	if r.Method == http.MethodGet && key != "" && s.CutAfter.Load() > 0 && s.Cuts.Load() > 0 {
		s.Cuts.Add(-1)
		cw := &cutWriter{ResponseWriter: w, left: s.CutAfter.Load()}
		s.inner.ServeHTTP(cw, r)
		return
	}
	s.inner.ServeHTTP(w, r)
}

func preconditionFailed(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusPreconditionFailed)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>%s</Message><Condition>If-None-Match</Condition></Error>`, msg)
}

// cutWriter passes left body bytes, then closes the connection.
type cutWriter struct {
	http.ResponseWriter
	left int64
	cut  bool
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, net.ErrClosed
	}
	if int64(len(p)) <= c.left {
		c.left -= int64(len(p))
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.left])
	c.cut = true
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := c.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
	return n, net.ErrClosed
}
