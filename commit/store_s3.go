package commit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"ingot/internal/s3conf"
)

// StoreOptions configure OpenStore.
type StoreOptions struct {
	// S3 configures the client of an s3:// destination: region, endpoint,
	// path-style addressing (the CLI's --s3-path-style), retries.
	S3 s3conf.Options
	// PartSize is the size of the parts of a multipart upload (0: 16 MiB;
	// at least 5 MiB, S3's minimum). A file smaller than one part is sent
	// with a single PutObject. Each open FileWriter buffers one part.
	PartSize int64
	// Logger receives retries and aborted uploads; nil discards.
	Logger *slog.Logger
}

// OpenStore opens the store at uri: s3://bucket/prefix for an S3 store,
// else a local directory (a path or a file:// URI) with OpenLocal.
func OpenStore(ctx context.Context, uri string, opt StoreOptions) (Store, error) {
	if len(uri) >= 5 && strings.EqualFold(uri[:5], "s3://") {
		if opt.S3.Logger == nil {
			opt.S3.Logger = opt.Logger
		}
		c, err := s3conf.New(ctx, opt.S3)
		if err != nil {
			return nil, err
		}
		return OpenS3(c, uri, opt)
	}
	if len(uri) >= 7 && strings.EqualFold(uri[:7], "file://") {
		u, err := url.Parse(uri)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			return nil, fmt.Errorf("open store %q: expected file:///path", uri)
		}
		return OpenLocal(u.Path)
	}
	if i := strings.Index(uri, "://"); i > 0 {
		return nil, fmt.Errorf("open store: destination %q: expected a local directory or s3://bucket/prefix", uri)
	}
	return OpenLocal(uri)
}

// minPartSize is S3's smallest part of a multipart upload (but the last).
const minPartSize = 5 << 20

// S3Store is a Store under a prefix of an S3 bucket (or of an
// S3-compatible store). Files become visible when their upload completes,
// so there are no temporary names: a small file is one PutObject, a large
// one a multipart upload completed at Close (aborted by Abort or on any
// failure, so no multipart upload is left dangling). Put-if-absent is a
// conditional write (If-None-Match: *), which S3 answers with 412
// Precondition Failed, or 409 ConditionalRequestConflict during a race,
// when the key exists; both are ErrExists.
type S3Store struct {
	c        *s3.Client
	bucket   string
	prefix   string // "" or ending in "/"
	uri      string
	partSize int64
	log      *slog.Logger
}

var _ Store = (*S3Store)(nil)

// OpenS3 returns the store at s3://bucket/prefix through c. Nothing is
// contacted.
func OpenS3(c *s3.Client, uri string, opt StoreOptions) (*S3Store, error) {
	bucket, prefix, err := s3conf.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if !fs.ValidPath(prefix) {
			return nil, fmt.Errorf("open store %q: prefix %q: expected slash-separated names without . or .. elements", uri, prefix)
		}
		prefix += "/"
	}
	ps := opt.PartSize
	if ps <= 0 {
		ps = 16 << 20
	}
	ps = max(ps, minPartSize)
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &S3Store{c: c, bucket: bucket, prefix: prefix, uri: uri, partSize: ps, log: log}, nil
}

// URI returns the store's URI as given.
func (s *S3Store) URI() string { return s.uri }

// LocalPath returns "": nothing of an S3 store is on the local disk.
func (s *S3Store) LocalPath(string) string { return "" }

func (s *S3Store) key(p string) *string { return aws.String(s.prefix + p) }

// isExists reports whether err is a failed put-if-absent.
func isExists(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "PreconditionFailed", "ConditionalRequestConflict":
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode() == 412 || re.HTTPStatusCode() == 409
	}
	return false
}

// isNotFound reports whether err is S3's answer for a missing key.
func isNotFound(err error) bool {
	var nk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound")
}

// Create starts a file at p. Bytes are buffered up to the part size; past
// it a multipart upload starts.
func (s *S3Store) Create(ctx context.Context, p string, exclusive bool) (FileWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	return &s3Writer{s: s, ctx: ctx, name: p, key: s.key(p), exclusive: exclusive, token: newWriteToken()}, nil
}

// PutIfAbsent creates p holding data with one conditional PutObject.
func (s *S3Store) PutIfAbsent(ctx context.Context, p string, data []byte) error {
	if err := checkPath(p); err != nil {
		return err
	}
	return s.put(ctx, p, data, true)
}

func (s *S3Store) put(ctx context.Context, p string, data []byte, exclusive bool) error {
	tok := newWriteToken()
	in := &s3.PutObjectInput{
		Bucket: &s.bucket, Key: s.key(p), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		Metadata:      map[string]string{writeTokenMeta: tok},
	}
	if exclusive {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := s.c.PutObject(ctx, in); err != nil {
		if exclusive && isExists(err) {
			if s.wrote(ctx, p, tok) {
				return nil // an attempt the SDK retried had succeeded
			}
			return fmt.Errorf("put %s: %w", p, ErrExists)
		}
		return fmt.Errorf("put %s in %s: %w", p, s.uri, err)
	}
	return nil
}

// writeTokenMeta is the user metadata (x-amz-meta-ingot-write) holding
// the random token of the write that created an object.
//
// The SDK retries a request whose answer was lost (a 500 or 503 after
// the write was done, a read timeout, a dropped connection). A
// put-if-absent retried that way finds its own object and gets 412: it
// would report ErrExists, and the import would take its own commit for
// another writer's and remove the files that commit names. Each write
// carries a fresh token, so a 412 whose object carries the writer's own
// token is the writer's own success.
const writeTokenMeta = "ingot-write"

// newWriteToken returns a fresh random token for writeTokenMeta.
func newWriteToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// token returns the write token of the object at p ("" if it has none or
// cannot be read).
func (s *S3Store) token(ctx context.Context, p string) string {
	h, err := s.c.HeadObject(context.WithoutCancel(ctx), &s3.HeadObjectInput{Bucket: &s.bucket, Key: s.key(p)})
	if err != nil {
		return ""
	}
	for k, v := range h.Metadata {
		if strings.EqualFold(k, writeTokenMeta) {
			return v
		}
	}
	return ""
}

// wrote reports whether the object at p is the one written with tok.
func (s *S3Store) wrote(ctx context.Context, p, tok string) bool {
	return tok != "" && s.token(ctx, p) == tok
}

// ReadFile returns the content of p.
func (s *S3Store) ReadFile(ctx context.Context, p string) ([]byte, error) {
	rc, err := s.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s in %s: %w", p, s.uri, err)
	}
	return b, nil
}

// Open returns a reader of p's content.
func (s *S3Store) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: s.key(p)})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("open %s in %s: %w", p, s.uri, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("open %s in %s: %w", p, s.uri, err)
	}
	return out.Body, nil
}

// List returns the paths under prefix, sorted.
func (s *S3Store) List(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	full := s.prefix + prefix
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket}
	if full != "" {
		in.Prefix = &full
	}
	pages := s3.NewListObjectsV2Paginator(s.c, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %q in %s: %w", prefix, s.uri, err)
		}
		for _, o := range page.Contents {
			k := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if k == "" || strings.HasSuffix(k, "/") || checkPath(k) != nil {
				continue // folder markers and keys that are no store path
			}
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Remove deletes p. S3 does not say whether the key existed, so removing
// a missing file succeeds.
func (s *S3Store) Remove(ctx context.Context, p string) error {
	if err := checkPath(p); err != nil {
		return err
	}
	if _, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: s.key(p)}); err != nil {
		return fmt.Errorf("remove %s in %s: %w", p, s.uri, err)
	}
	return nil
}

// Link copies from to to on the server, put-if-absent (CopyObject with
// If-None-Match: *), failing with ErrExists if to exists, unless to is a
// copy of from already (a retried copy: see writeTokenMeta). A single
// CopyObject copies up to 5 GiB, far above ingot's part files.
func (s *S3Store) Link(ctx context.Context, from, to string) error {
	for _, p := range []string{from, to} {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	src := s3conf.CopySource(s.bucket, s.prefix+from)
	_, err := s.c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: &s.bucket, Key: s.key(to), CopySource: &src, IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		if isExists(err) {
			// A retried copy finds the copy it made: the same write token
			// as from's (from is the writer's own file, named by its
			// import).
			if tok := s.token(ctx, from); s.wrote(ctx, to, tok) {
				return nil
			}
			return fmt.Errorf("link %s: %w", to, ErrExists)
		}
		if isNotFound(err) {
			return fmt.Errorf("link %s to %s: %w", from, to, fs.ErrNotExist)
		}
		return fmt.Errorf("link %s to %s in %s: %w", from, to, s.uri, err)
	}
	return nil
}

// s3Writer is a FileWriter of an S3Store: it buffers one part; the first
// full part starts a multipart upload, and each further full part is
// uploaded as it fills.
type s3Writer struct {
	s         *S3Store
	ctx       context.Context
	name      string
	key       *string
	exclusive bool
	token     string // writeTokenMeta of a multipart upload
	buf       []byte
	size      int64
	uploadID  *string
	parts     []types.CompletedPart
	done      bool
	err       error // sticky failure of a part upload
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("write %s: file already closed", w.name)
	}
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, w.s.partSize)
		}
		k := min(len(p), int(w.s.partSize)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		w.size += int64(k)
		if len(w.buf) == int(w.s.partSize) && len(p) > 0 {
			// Upload only once more bytes come, so that the last part
			// is never empty.
			if err := w.uploadPart(); err != nil {
				w.err = err
				return n, err
			}
		}
	}
	return n, nil
}

// uploadPart sends the buffer as the next part, starting the multipart
// upload if needed.
func (w *s3Writer) uploadPart() error {
	s := w.s
	if w.uploadID == nil {
		out, err := s.c.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: w.key,
			Metadata: map[string]string{writeTokenMeta: w.token}})
		if err != nil {
			return fmt.Errorf("write %s in %s: start multipart upload: %w", w.name, s.uri, err)
		}
		w.uploadID = out.UploadId
	}
	num := int32(len(w.parts) + 1)
	out, err := s.c.UploadPart(w.ctx, &s3.UploadPartInput{
		Bucket: &s.bucket, Key: w.key, UploadId: w.uploadID, PartNumber: aws.Int32(num),
		Body: bytes.NewReader(w.buf), ContentLength: aws.Int64(int64(len(w.buf))),
	})
	if err != nil {
		return fmt.Errorf("write %s in %s: upload part %d: %w", w.name, s.uri, num, err)
	}
	w.parts = append(w.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	w.buf = w.buf[:0]
	return nil
}

func (w *s3Writer) Size() int64 { return w.size }

// Close publishes the file: one PutObject if it fits one part, else the
// last part and CompleteMultipartUpload. With exclusive, both carry
// If-None-Match: *, and a taken key is ErrExists. On failure the
// multipart upload is aborted.
func (w *s3Writer) Close() error {
	if w.done {
		return fmt.Errorf("close %s: file already closed", w.name)
	}
	w.done = true
	if w.err != nil {
		return errors.Join(w.err, w.abort())
	}
	if w.uploadID == nil {
		return w.s.put(w.ctx, w.name, w.buf, w.exclusive)
	}
	if err := w.uploadPart(); err != nil {
		return errors.Join(err, w.abort())
	}
	in := &s3.CompleteMultipartUploadInput{
		Bucket: &w.s.bucket, Key: w.key, UploadId: w.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
	}
	if w.exclusive {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := w.s.c.CompleteMultipartUpload(w.ctx, in); err != nil {
		if w.s.wrote(w.ctx, w.name, w.token) {
			// A retried complete (412, or NoSuchUpload) after the
			// complete the SDK did not hear back from: the upload is
			// done, and the object is this writer's.
			w.uploadID, w.buf = nil, nil
			return nil
		}
		if w.exclusive && isExists(err) {
			err = fmt.Errorf("publish %s: %w", w.name, ErrExists)
		} else {
			err = fmt.Errorf("publish %s in %s: complete multipart upload: %w", w.name, w.s.uri, err)
		}
		return errors.Join(err, w.abort())
	}
	w.buf = nil
	return nil
}

// Abort discards the file, aborting its multipart upload if one started.
func (w *s3Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	return w.abort()
}

func (w *s3Writer) abort() error {
	w.buf = nil
	if w.uploadID == nil {
		return nil
	}
	// Abort even if the writer's context is done: a dangling upload costs
	// storage until a lifecycle rule removes it.
	ctx := context.WithoutCancel(w.ctx)
	_, err := w.s.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &w.s.bucket, Key: w.key, UploadId: w.uploadID})
	w.uploadID = nil
	if err != nil {
		w.s.log.Warn("abort multipart upload failed; a lifecycle rule (AbortIncompleteMultipartUpload) will have to remove it",
			"store", w.s.uri, "path", w.name, "error", err.Error())
		return fmt.Errorf("abort %s in %s: %w", w.name, w.s.uri, err)
	}
	return nil
}
