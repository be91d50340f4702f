package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"ingot/internal/s3conf"
)

// s3Store serves s3:// sources through aws-sdk-go-v2. Its client is built
// on first use.
type s3Store struct {
	opt    StoreOptions
	once   sync.Once
	client *s3.Client
	err    error
}

func newS3Store(opt StoreOptions) *s3Store { return &s3Store{opt: opt} }

// NewS3Store returns a Store of s3:// URIs using client (for callers that
// built their own, and for tests). opt.S3 is ignored.
func NewS3Store(client *s3.Client, opt StoreOptions) Store {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s := &s3Store{opt: opt, client: client}
	s.once.Do(func() {})
	return s
}

func (s *s3Store) get(ctx context.Context) (*s3.Client, error) {
	s.once.Do(func() { s.client, s.err = s3conf.New(ctx, s.opt.S3) })
	return s.client, s.err
}

// List expands s3://bucket/key (one object; if no object has that key but
// keys start with key+"/", the objects under it), s3://bucket/prefix/
// (every object under the prefix, recursively) and s3://bucket/glob, where
// the key is a pattern with the local glob's semantics over the
// slash-separated key: *, ? and [..] within one element, ** across any
// number. Names starting with "." are skipped unless the pattern says
// otherwise, as locally. Keys ending in "/" (folder markers) are never
// objects.
func (s *s3Store) List(ctx context.Context, arg string) ([]Object, error) {
	bucket, key, err := s3conf.ParseURI(arg)
	if err != nil {
		return nil, err
	}
	c, err := s.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), err)
	}
	switch {
	case hasMeta(key):
		elems := strings.Split(key, "/")
		i := 0
		for i < len(elems) && !hasMeta(elems[i]) {
			i++
		}
		pattern := elems[i:]
		for _, el := range pattern {
			if el == "**" {
				continue
			}
			if _, err := path.Match(el, ""); err != nil {
				return nil, fmt.Errorf("source %s: bad pattern element %q: %w", Redact(arg), el, err)
			}
		}
		root := strings.Join(elems[:i], "/")
		if root != "" {
			root += "/"
		}
		return s.list(ctx, c, arg, bucket, root, pattern)
	case key == "" || strings.HasSuffix(key, "/"):
		return s.list(ctx, c, arg, bucket, key, nil)
	}
	var h *s3.HeadObjectOutput
	err = retry(ctx, s.opt.Retry, s.opt.Logger, "HEAD "+arg, func() error {
		var err error
		h, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		return err
	})
	if err == nil {
		return []Object{{URI: arg, Name: path.Base(key), Size: aws.ToInt64(h.ContentLength), ModTime: aws.ToTime(h.LastModified)}}, nil
	}
	if !notFound(err) {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), err)
	}
	return s.list(ctx, c, arg, bucket, key+"/", nil) // a "directory"
}

// list returns the objects under prefix whose key after prefix matches
// pattern (every non-hidden one if pattern is nil), sorted by key.
func (s *s3Store) list(ctx context.Context, c *s3.Client, arg, bucket, prefix string, pattern []string) ([]Object, error) {
	var out []Object
	in := &s3.ListObjectsV2Input{Bucket: &bucket}
	if prefix != "" {
		in.Prefix = &prefix
	}
	pages := s3.NewListObjectsV2Paginator(c, in)
	for pages.HasMorePages() {
		var page *s3.ListObjectsV2Output
		err := retry(ctx, s.opt.Retry, s.opt.Logger, "LIST "+arg, func() error {
			var err error
			page, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("source %s: list s3://%s/%s: %w", Redact(arg), bucket, prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			rel := strings.TrimPrefix(k, prefix)
			if rel == "" || strings.HasSuffix(k, "/") {
				continue
			}
			elems := strings.Split(rel, "/")
			if pattern == nil {
				if slices.ContainsFunc(elems, hidden) {
					continue
				}
			} else if !matchElems(pattern, elems, false) {
				continue
			}
			out = append(out, Object{
				URI:     "s3://" + bucket + "/" + k,
				Name:    path.Base(k),
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified),
			})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source %s: %w", Redact(arg), ErrNoMatch)
	}
	slices.SortFunc(out, func(a, b Object) int { return cmp.Compare(a.URI, b.URI) })
	return out, nil
}

// notFound reports whether err is S3's answer for a missing key.
func notFound(err error) bool {
	var nk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

// preconditionFailed reports whether err is a 412 (If-Match failed).
func preconditionFailed(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict")
}

// Open starts a GET of the object. The reader streams the body; when the
// connection drops it resumes with a ranged GET from the byte it reached,
// conditional on the ETag of the first response (If-Match), so a changed
// object fails the file instead of splicing two versions. It also offers
// ReadAt (ranged GETs) for readers that need random access.
func (s *s3Store) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	bucket, key, err := s3conf.ParseURI(o.URI)
	if err != nil {
		return nil, err
	}
	c, err := s.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", Redact(o.URI), err)
	}
	r := &s3Reader{ctx: ctx, c: c, s: s, uri: Redact(o.URI), bucket: bucket, key: key, size: -1}
	if err := r.open(); err != nil {
		return nil, fmt.Errorf("open %s: %w", r.uri, err)
	}
	return r, nil
}

// s3Reader reads one object; see s3Store.Open.
type s3Reader struct {
	ctx         context.Context
	c           *s3.Client
	s           *s3Store
	uri         string // redacted
	bucket, key string
	etag        string
	size        int64
	off         int64
	body        io.ReadCloser
	resumes     int
	closed      bool
}

// maxResumes bounds the resumptions of one object's read.
const maxResumes = 100

// open GETs the object from r.off, with retries.
func (r *s3Reader) open() error {
	return retry(r.ctx, r.s.opt.Retry, r.s.opt.Logger, "GET "+r.uri, func() error {
		in := &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key}
		if r.etag != "" {
			in.IfMatch = aws.String(r.etag)
		}
		if r.off > 0 {
			in.Range = aws.String("bytes=" + strconv.FormatInt(r.off, 10) + "-")
		}
		out, err := r.c.GetObject(r.ctx, in)
		if err != nil {
			if r.etag != "" && preconditionFailed(err) {
				return fmt.Errorf("resume at byte %d: %w (ETag %s no longer matches)", r.off, errChanged, r.etag)
			}
			return err
		}
		etag := aws.ToString(out.ETag)
		if r.etag == "" {
			r.etag, r.size = etag, aws.ToInt64(out.ContentLength)
			if out.ContentLength == nil {
				r.size = -1
			}
			r.body = out.Body
			return nil
		}
		// A resumed GET: the same object, from the offset asked for.
		want := fmt.Sprintf("bytes %d-%d/%d", r.off, r.size-1, r.size)
		if etag != r.etag || aws.ToString(out.ContentRange) != want {
			out.Body.Close()
			return fmt.Errorf("resume at byte %d: %w (expected ETag %s and range %q, found %s and %q)",
				r.off, errChanged, r.etag, want, etag, aws.ToString(out.ContentRange))
		}
		r.body = out.Body
		return nil
	})
}

// Read streams the object, resuming after a dropped connection.
func (r *s3Reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read %s: reader closed", r.uri)
	}
	for {
		if r.body == nil {
			if r.size >= 0 && r.off >= r.size {
				return 0, io.EOF
			}
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
			err = fmt.Errorf("body ended at byte %d of %d: %w", r.off, r.size, io.ErrUnexpectedEOF)
		}
		r.body.Close()
		r.body = nil
		if cerr := r.ctx.Err(); cerr != nil {
			return n, cerr
		}
		if r.size < 0 || r.resumes >= maxResumes {
			return n, fmt.Errorf("s3 GET %s: %w", r.uri, err)
		}
		r.resumes++
		r.s.opt.Logger.LogAttrs(r.ctx, slog.LevelWarn, "connection dropped, resuming with a ranged GET",
			slog.String("uri", r.uri), slog.Int64("offset", r.off), slog.String("error", err.Error()))
		if n > 0 {
			return n, nil
		}
	}
}

// ReadAt reads len(p) bytes at off with a ranged GET on the same ETag.
func (r *s3Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.uri, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	var n int
	err := retry(r.ctx, r.s.opt.Retry, r.s.opt.Logger, "GET range "+r.uri, func() error {
		out, err := r.c.GetObject(r.ctx, &s3.GetObjectInput{
			Bucket: &r.bucket, Key: &r.key, IfMatch: aws.String(r.etag),
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1)),
		})
		if err != nil {
			if preconditionFailed(err) {
				return fmt.Errorf("read at byte %d: %w", off, errChanged)
			}
			return err
		}
		defer out.Body.Close()
		n, err = io.ReadFull(out.Body, p[:end-off])
		return err
	})
	if err != nil {
		return n, fmt.Errorf("read %s at byte %d: %w", r.uri, off, err)
	}
	if end-off < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Size returns the object's size (-1 if the server did not say).
func (r *s3Reader) Size() int64 { return r.size }

// Close ends the transfer.
func (r *s3Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}

// move copies the object to processed/ beside it, put-if-absent and only
// if it is still the object read (same ETag), then deletes the original.
func (s *s3Store) move(ctx context.Context, o Object) (Object, error) {
	bucket, key, err := s3conf.ParseURI(o.URI)
	if err != nil {
		return Object{}, err
	}
	c, err := s.get(ctx)
	if err != nil {
		return Object{}, err
	}
	dir, base := path.Split(key)
	dst := dir + "processed/" + base
	src := s3conf.CopySource(bucket, key)
	err = retry(ctx, s.opt.Retry, s.opt.Logger, "COPY "+o.URI, func() error {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: &bucket, Key: &dst, CopySource: &src, IfNoneMatch: aws.String("*"),
		})
		return err
	})
	if err != nil {
		if preconditionFailed(err) {
			return Object{}, fmt.Errorf("move %s: s3://%s/%s already exists: %w", Redact(o.URI), bucket, dst, errExists)
		}
		return Object{}, fmt.Errorf("move %s: copy: %w", Redact(o.URI), err)
	}
	err = retry(ctx, s.opt.Retry, s.opt.Logger, "DELETE "+o.URI, func() error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
		return err
	})
	if err != nil {
		return Object{}, fmt.Errorf("move %s: copied, but delete failed: %w", Redact(o.URI), err)
	}
	o.URI, o.Name = "s3://"+bucket+"/"+dst, base
	return o, nil
}
