package compress

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
)

// The compressions Decompress recognises, as reported in
// Decompressed.Compression.
const (
	CompressionNone = "none"
	CompressionGzip = "gzip"
	CompressionZstd = "zstd"
	CompressionZip  = "zip"
)

const (
	// decompressBufSize is the read size on the compressed input. Decoders
	// read through a bufio.Reader of this size, so a hashing source sees
	// few large reads rather than many small ones.
	decompressBufSize = 128 << 10

	// zstdMaxWindow bounds a zstd decoder's memory: frames that need a
	// larger window are refused. 128 MiB is the limit of the zstd command
	// line tool (windowLog 27), which --long and --ultra -22 reach.
	zstdMaxWindow = 128 << 20

	// zstdConcurrency 1 decodes a zstd stream synchronously, on the
	// reader's goroutine. On the 2-core project machine that was faster
	// (about 850-900 MB/s out on a 620 MB file) than decoding blocks ahead
	// in other goroutines (about 700 MB/s with 2 or 4), and it leaves the
	// other core to the parser.
	zstdConcurrency = 1
)

// ErrZipFileCount is the cause of the error for a zip archive that does
// not hold exactly one file.
var ErrZipFileCount = errors.New("zip archive must hold exactly one file")

// CompressionError is truncated or corrupt compressed input. Offset is
// how far into the compressed input reading had got when the decoder
// failed (decoders read ahead, so the damage is at or before it; for a
// truncated file it is the file's size); Output is how many decompressed
// bytes had been handed out.
type CompressionError struct {
	Source      string // the name given to Decompress
	Compression string // "gzip", "zstd" or "zip"
	Offset      int64  // compressed bytes read when the error showed
	Output      int64  // decompressed bytes returned before it
	Err         error  // the decoder's error, such as io.ErrUnexpectedEOF
}

// Error renders the error as
// "orders.csv.gz: gzip: truncated or corrupt input at compressed byte 4711 (after 90000 decompressed bytes): unexpected EOF".
func (e *CompressionError) Error() string {
	s := cmp.Or(e.Source, "input")
	return fmt.Sprintf("%s: %s: truncated or corrupt input at compressed byte %d (after %d decompressed bytes): %v",
		s, e.Compression, e.Offset, e.Output, e.Err)
}

// Unwrap returns the decoder's error.
func (e *CompressionError) Unwrap() error { return e.Err }

// Decompressed is the decompressed content of an input.
type Decompressed struct {
	io.ReadCloser        // Close releases decoder resources and temp files (not the underlying r)
	Compression   string // "none", "gzip", "zstd" or "zip"
	Inner         string // the file name inside a zip, else ""
}

// Decompress looks at the first bytes of r (magic numbers, never the file
// name) and returns a reader of the decompressed content plus what it
// found: "none", "gzip", "zstd" or "zip". name is used in messages only.
//
// gzip: multi-member files (and BGZF) are read whole. zstd: concatenated
// and skippable frames are read; windows over 128 MiB are refused, which
// bounds decoder memory. zip: the archive must hold exactly one file
// (directories and __MACOSX entries are ignored); more or none is an
// error wrapping ErrZipFileCount that lists what it holds. Entries may be
// stored, deflated or zstd-compressed. Zip needs random access: when r
// has ReadAt and Size (such as a *Reader of a local file) with a size >= 0
// that is used, and once the inner file is read to its end the rest of r
// is read sequentially too, so a hashing *Reader still sees every byte;
// otherwise r is spooled to a temporary file, which is unlinked at once
// where the system allows it and removed on Close in any case.
//
// Truncated or corrupt input gives a *CompressionError naming the
// compression and the byte offset reached; an error of r itself is
// returned wrapped, not as corruption. With "none", the returned reader
// hands out r's bytes without copying them, and Close does nothing.
func Decompress(r io.Reader, name string) (Decompressed, error) {
	var head [4]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Decompressed{}, fmt.Errorf("%s: read first bytes: %w", cmp.Or(name, "input"), err)
	}
	pre := &prefixReader{pre: head[:n:n], r: r}
	switch kind := sniffCompression(head[:n]); kind {
	case CompressionGzip, CompressionZstd:
		src := &countReader{r: pre}
		d := &decoded{name: name, comp: kind, in: src}
		br := bufio.NewReaderSize(src, decompressBufSize)
		if kind == CompressionGzip {
			zr, err := gzip.NewReader(br)
			if err != nil {
				return Decompressed{}, d.fail(err)
			}
			// gzip's Close only repeats a decode error, which Read has
			// reported already.
			d.r, d.close = zr, func() error { zr.Close(); return nil }
		} else {
			zr, err := zstd.NewReader(br,
				zstd.WithDecoderConcurrency(zstdConcurrency),
				zstd.WithDecoderMaxWindow(zstdMaxWindow))
			if err != nil {
				return Decompressed{}, d.fail(err)
			}
			d.r, d.close = zr, func() error { zr.Close(); return nil }
		}
		return Decompressed{ReadCloser: d, Compression: kind}, nil
	case CompressionZip:
		return openZip(r, pre, name)
	default:
		return Decompressed{ReadCloser: io.NopCloser(pre), Compression: CompressionNone}, nil
	}
}

// sniffCompression names the compression whose magic number starts b.
func sniffCompression(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return CompressionGzip
	case len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd:
		return CompressionZstd
	case len(b) >= 4 && b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18:
		return CompressionZstd // a skippable frame, 0x184D2A5?
	case len(b) >= 4 && b[0] == 'P' && b[1] == 'K' &&
		(b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6 || b[2] == 7 && b[3] == 8):
		return CompressionZip // local file header, empty archive, spanned marker
	}
	return CompressionNone
}

// openZip opens the single file of a zip archive whose first bytes were
// read into pre.
func openZip(r io.Reader, pre *prefixReader, name string) (_ Decompressed, err error) {
	d := &decoded{name: name, comp: CompressionZip}
	var (
		ra   io.ReaderAt
		size int64
	)
	if s, ok := r.(interface {
		io.ReaderAt
		Size() int64
	}); ok && s.Size() >= 0 {
		ra, size = s, s.Size()
		// Once the inner file is done, read the rest of r so that a
		// hashing reader has seen the whole archive.
		d.onEOF = func() error {
			if _, err := io.Copy(io.Discard, pre); err != nil {
				return fmt.Errorf("%s: read rest of zip archive: %w", cmp.Or(name, "input"), err)
			}
			return nil
		}
	} else {
		f, err := spool(pre, name)
		if err != nil {
			return Decompressed{}, err
		}
		d.closers = append(d.closers, f.close)
		defer func() {
			if err != nil {
				f.close()
			}
		}()
		ra, size = f.File, f.size
	}
	at := &countReaderAt{r: ra}
	d.inAt = at
	zr, err := zip.NewReader(at, size)
	if err != nil {
		return Decompressed{}, d.fail(err)
	}
	zr.RegisterDecompressor(zstd.ZipMethodWinZip, zstd.ZipDecompressor(zstd.WithDecoderMaxWindow(zstdMaxWindow)))
	zr.RegisterDecompressor(zstd.ZipMethodPKWare, zstd.ZipDecompressor(zstd.WithDecoderMaxWindow(zstdMaxWindow)))

	var files, ignored []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") || isMacOSXEntry(f.Name) {
			ignored = append(ignored, f)
			continue
		}
		files = append(files, f)
	}
	if len(files) != 1 {
		return Decompressed{}, zipCountError(name, files, ignored)
	}
	f := files[0]
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return Decompressed{}, fmt.Errorf("%s: zip entry %q uses compression method %d: %w (supported: stored, deflate, zstd)",
				cmp.Or(name, "input"), f.Name, f.Method, err)
		}
		return Decompressed{}, d.fail(err)
	}
	d.r = rc
	d.close = func() error { rc.Close(); return nil } // like gzip's, it only repeats a Read error
	return Decompressed{ReadCloser: d, Compression: CompressionZip, Inner: f.Name}, nil
}

// isMacOSXEntry reports whether a zip entry is macOS Finder metadata.
func isMacOSXEntry(name string) bool {
	return name == "__MACOSX" || strings.HasPrefix(name, "__MACOSX/") || strings.Contains(name, "/__MACOSX/")
}

// zipCountError describes a zip archive that does not hold exactly one file.
func zipCountError(name string, files, ignored []*zip.File) error {
	list := func(fs []*zip.File) string {
		const max = 20
		var b strings.Builder
		for i, f := range fs {
			if i == max {
				fmt.Fprintf(&b, ", … and %d more", len(fs)-max)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", f.Name)
		}
		return b.String()
	}
	src := cmp.Or(name, "input")
	if len(files) == 0 {
		if len(ignored) == 0 {
			return fmt.Errorf("%s: %w, found an empty archive", src, ErrZipFileCount)
		}
		return fmt.Errorf("%s: %w, found none (only directories or __MACOSX entries: %s)", src, ErrZipFileCount, list(ignored))
	}
	return fmt.Errorf("%s: %w, found %d: %s", src, ErrZipFileCount, len(files), list(files))
}

// spoolFile is a temporary copy of a stream.
type spoolFile struct {
	*os.File
	size    int64
	removed bool
}

// spool copies r to a temporary file, for zip archives read from a stream
// without random access.
func spool(r io.Reader, name string) (*spoolFile, error) {
	f, err := os.CreateTemp("", "ingot-zip-*")
	if err != nil {
		return nil, fmt.Errorf("%s: zip needs random access: create spool file: %w", cmp.Or(name, "input"), err)
	}
	s := &spoolFile{File: f}
	// Unlink at once where the system allows it, so that nothing is left
	// behind if the process dies; elsewhere close removes it.
	s.removed = os.Remove(f.Name()) == nil
	n, err := io.Copy(f, r)
	s.size = n
	if err != nil {
		s.close()
		return nil, fmt.Errorf("%s: zip needs random access: spool %d bytes to a temporary file: %w", cmp.Or(name, "input"), n, err)
	}
	return s, nil
}

// close closes and removes the spool file.
func (s *spoolFile) close() error {
	err := s.File.Close()
	if !s.removed {
		s.removed = true
		err = errors.Join(err, os.Remove(s.Name()))
	}
	if err != nil {
		return fmt.Errorf("remove zip spool file: %w", err)
	}
	return nil
}

// decoded is the reader Decompress returns for compressed input: it
// counts output, turns decoder errors into CompressionErrors and keeps
// the first error.
type decoded struct {
	r       io.Reader
	name    string
	comp    string
	in      *countReader   // the compressed input, for gzip and zstd
	inAt    *countReaderAt // the compressed input, for zip
	out     int64
	err     error          // sticky
	onEOF   func() error   // run once when r reaches its end
	close   func() error   // the decoder's
	closers []func() error // then these, in order
	closed  bool
}

// Read reads decompressed bytes.
func (d *decoded) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.closed {
		return 0, fmt.Errorf("%s: read after close: %w", cmp.Or(d.name, "input"), os.ErrClosed)
	}
	n, err := d.r.Read(p)
	d.out += int64(n)
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		if d.onEOF != nil {
			f := d.onEOF
			d.onEOF = nil
			if ferr := f(); ferr != nil {
				d.err = ferr
				return n, ferr
			}
		}
		d.err = io.EOF
	default:
		d.err = d.fail(err)
	}
	return n, d.err
}

// fail explains a decoder error: an error of the input itself is passed
// on, anything else is corruption.
func (d *decoded) fail(err error) error {
	src := cmp.Or(d.name, "input")
	off := int64(0)
	var inErr error
	if d.in != nil {
		off, inErr = d.in.n, d.in.err
	}
	if d.inAt != nil {
		off, inErr = d.inAt.max, d.inAt.err
	}
	if inErr != nil {
		return fmt.Errorf("%s: read %s input at byte %d: %w", src, d.comp, off, inErr)
	}
	return &CompressionError{Source: d.name, Compression: d.comp, Offset: off, Output: d.out, Err: err}
}

// Close releases the decoder and any spool file. It is idempotent.
func (d *decoded) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.close != nil {
		errs = append(errs, d.close())
	}
	for _, c := range d.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// prefixReader hands out pre, then reads from r. Past the prefix it adds
// no copy.
type prefixReader struct {
	pre []byte
	r   io.Reader
}

// Read reads from the prefix, then from r.
func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// countReader counts the bytes read through it and keeps the first error
// other than io.EOF.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

// Read reads and counts.
func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// countReaderAt records the furthest offset read through it and the first
// error other than io.EOF.
type countReaderAt struct {
	r   io.ReaderAt
	max int64
	err error
}

// ReadAt reads and records.
func (c *countReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.max = max(c.max, off+int64(n))
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
