package source

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// httpStore serves http:// and https:// sources.
type httpStore struct {
	opt    StoreOptions
	client *http.Client
	vault  vault // URLs with credentials, by their redacted form
}

func newHTTPStore(opt StoreOptions) *httpStore {
	c := opt.HTTPClient
	if c == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = time.Minute
		c = &http.Client{Transport: tr}
	}
	return &httpStore{opt: opt, client: c}
}

// List returns the URL as one object of unknown size: no request is made
// (a presigned URL may allow GET only), so a missing file is found when it
// is opened. HTTP has no listing, so there are no globs. The object's URI
// is redacted (see Redact); Open finds the URL as given.
func (s *httpStore) List(ctx context.Context, arg string) ([]Object, error) {
	u, err := url.Parse(arg)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad URL: %w", Redact(arg), redactErr(err))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("source %s: URL has no host: expected http(s)://host/path", Redact(arg))
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		name = u.Host
	}
	return []Object{{URI: s.vault.hide(arg), Name: name, Size: -1}}, nil
}

// Open GETs the URL, following redirects, and streams the body as it is
// sent (Accept-Encoding: identity, so the bytes are the file's own and a
// gzip file stays gzip for the decoder). A 4xx or 5xx answer is a
// *StatusError naming the redacted URL and the status; 5xx, 429 and
// connection failures are retried. If the connection drops mid-body and
// the server takes byte ranges (Accept-Ranges: bytes, a strong ETag or a
// Last-Modified date, and a Content-Length), the read resumes with a Range
// request conditional on that validator (If-Range); otherwise, or if the
// file changed meanwhile, the read fails with the cause.
func (s *httpStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	r := &httpReader{ctx: ctx, s: s, url: s.vault.reveal(o.URI), uri: Redact(o.URI), size: -1}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// httpReader streams one HTTP body; see httpStore.Open.
type httpReader struct {
	ctx       context.Context
	s         *httpStore
	url       string // as given; after the first response, the final URL after redirects
	uri       string // redacted, for messages
	size      int64
	validator string // strong ETag or Last-Modified, for If-Range; "" if none
	ranges    bool   // the server said Accept-Ranges: bytes
	off       int64
	body      io.ReadCloser
	resumes   int
	closed    bool
}

// open GETs the URL from r.off, with retries.
func (r *httpReader) open() error {
	return retry(r.ctx, r.s.opt.Retry, r.s.opt.Logger, "GET "+r.uri, func() error {
		req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
		if err != nil {
			return fmt.Errorf("GET %s: %w", r.uri, redactErr(err))
		}
		req.Header.Set("Accept-Encoding", "identity")
		resuming := r.off > 0
		if resuming {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(r.off, 10)+"-")
			req.Header.Set("If-Range", r.validator)
		}
		resp, err := r.s.client.Do(req)
		if err != nil {
			return fmt.Errorf("GET %s: %w", r.uri, redactErr(err))
		}
		if !resuming {
			if resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				return &StatusError{URL: r.uri, Status: resp.Status, Code: resp.StatusCode}
			}
			r.url = resp.Request.URL.String() // resume where the redirects led
			r.size = resp.ContentLength
			r.ranges = strings.EqualFold(resp.Header.Get("Accept-Ranges"), "bytes")
			if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				r.validator = et
			} else if lm := resp.Header.Get("Last-Modified"); lm != "" {
				if _, err := http.ParseTime(lm); err == nil {
					r.validator = lm
				}
			}
			if resp.Header.Get("Content-Encoding") != "" && !strings.EqualFold(resp.Header.Get("Content-Encoding"), "identity") {
				r.ranges = false // ranges would count encoded bytes
			}
			r.body = resp.Body
			return nil
		}
		switch resp.StatusCode {
		case http.StatusPartialContent:
			want := fmt.Sprintf("bytes %d-%d/%d", r.off, r.size-1, r.size)
			if got := resp.Header.Get("Content-Range"); got != want {
				resp.Body.Close()
				return fmt.Errorf("GET %s: resume at byte %d: expected Content-Range %q, found %q: %w", r.uri, r.off, want, got, errChanged)
			}
			r.body = resp.Body
			return nil
		case http.StatusOK: // If-Range failed: the whole new file came back
			resp.Body.Close()
			return fmt.Errorf("GET %s: resume at byte %d: %w (the server sent the whole file again)", r.uri, r.off, errChanged)
		default:
			resp.Body.Close()
			return fmt.Errorf("resume at byte %d: %w", r.off, &StatusError{URL: r.uri, Status: resp.Status, Code: resp.StatusCode})
		}
	})
}

// resumable reports whether a dropped transfer can continue with a range.
func (r *httpReader) resumable() bool {
	return r.ranges && r.validator != "" && r.size > 0
}

// Read streams the body, resuming after a dropped connection when the
// server allows it.
func (r *httpReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read %s: reader closed", r.uri)
	}
	for {
		if r.body == nil {
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if err == nil {
			return n, nil
		}
		if err == io.EOF && (r.size < 0 || r.off == r.size) {
			return n, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		r.body.Close()
		r.body = nil
		if cerr := r.ctx.Err(); cerr != nil {
			return n, cerr
		}
		err = redactErr(err)
		if !r.resumable() {
			return n, fmt.Errorf("GET %s: connection lost at byte %d and the server offers no byte ranges to resume from (Accept-Ranges, ETag or Last-Modified, Content-Length): %w", r.uri, r.off, err)
		}
		if r.resumes >= maxResumes {
			return n, fmt.Errorf("GET %s: connection lost at byte %d after %d resumptions: %w", r.uri, r.off, r.resumes, err)
		}
		r.resumes++
		r.s.opt.Logger.LogAttrs(r.ctx, slog.LevelWarn, "connection dropped, resuming with a range request",
			slog.String("uri", r.uri), slog.Int64("offset", r.off), slog.String("error", err.Error()))
		if n > 0 {
			return n, nil
		}
	}
}

// Size returns the Content-Length (-1 if unknown). httpReader has no
// ReadAt, so the Reader does not offer random access over HTTP.
func (r *httpReader) Size() int64 { return r.size }

// Close ends the transfer.
func (r *httpReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}
