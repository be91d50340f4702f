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

// ErrCorruptArchive is matched (errors.Is) by every error that rejects a
// compressed input as damaged or unusable: a *CompressionError (truncated,
// bad checksum, trailing garbage), a zip archive that does not hold
// exactly one file, a zip entry with an unsafe name. Its text,
// "corrupt_archive", is the code users see in the error.
var ErrCorruptArchive = errors.New("corrupt_archive")

// ErrTrailingGarbage is the cause of a *CompressionError for bytes after
// the last gzip member that are neither another member nor zero padding.
// gzip(1) warns and ignores them; ingot refuses the file, since they are
// most often a second file appended by mistake or a damaged member.
var ErrTrailingGarbage = errors.New("trailing garbage after the last gzip member")

// ErrUnsafeZipEntry is the cause of the error for a zip entry whose name is
// absolute or climbs out with "..": ingot never uses entry names as paths,
// but such a name is made to attack tools that do, so the archive is
// refused.
var ErrUnsafeZipEntry = errors.New("unsafe zip entry name")

// ErrDecompressionLimit is the cause of the error for a compressed input
// whose output passes DecompressOptions.MaxBytes or MaxRatio: most likely
// a decompression bomb.
var ErrDecompressionLimit = errors.New("decompression limit exceeded")

// Default limits of DecompressOptions.
const (
	// DefaultMaxRatio is the most decompressed bytes per compressed byte:
	// order exports compress 4-20:1, while one order row repeated reaches
	// 229:1 with gzip -9, zeros 1000:1, and zstd far more. 100:1 is also
	// Apache POI's bound for zip bombs (ZipSecureFile's inflate ratio).
	DefaultMaxRatio = 100
	// DefaultRatioAfter is how much output may come before the ratio is
	// checked, so that small, very regular files are never refused.
	DefaultRatioAfter = 64 << 20
)

// DecompressOptions bound what a compressed input may expand to. The zero
// value applies the defaults: no size limit, ratio at most
// DefaultMaxRatio once DefaultRatioAfter bytes have come out.
type DecompressOptions struct {
	// MaxBytes is the most decompressed bytes one input may give; past it
	// reading fails with an error wrapping ErrDecompressionLimit. 0 means
	// no limit: a large export is legitimate, and memory downstream is
	// bounded by batches, not by the file.
	MaxBytes int64
	// MaxRatio is the most decompressed bytes per compressed byte read,
	// checked once RatioAfter bytes have come out; past it reading fails
	// with an error wrapping ErrDecompressionLimit. 0 means
	// DefaultMaxRatio; a negative value disables the check.
	MaxRatio int64
	// RatioAfter is the output before which the ratio is not checked; 0
	// means DefaultRatioAfter.
	RatioAfter int64
}

func (o DecompressOptions) withDefaults() DecompressOptions {
	o.MaxRatio = cmp.Or(o.MaxRatio, DefaultMaxRatio)
	o.RatioAfter = cmp.Or(o.RatioAfter, DefaultRatioAfter)
	return o
}

// Validate reports options that cannot work, naming the field.
func (o DecompressOptions) Validate() error {
	switch {
	case o.MaxBytes < 0:
		return fmt.Errorf("formats.DecompressOptions.MaxBytes: expected 0 (no limit) or more, found %d", o.MaxBytes)
	case o.RatioAfter < 0:
		return fmt.Errorf("formats.DecompressOptions.RatioAfter: expected 0 (default) or more, found %d", o.RatioAfter)
	}
	return nil
}

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
// "orders.csv.gz: corrupt_archive: gzip: truncated or corrupt input at compressed byte 4711 (after 90000 decompressed bytes): unexpected EOF".
func (e *CompressionError) Error() string {
	s := cmp.Or(e.Source, "input")
	return fmt.Sprintf("%s: %s: %s: truncated or corrupt input at compressed byte %d (after %d decompressed bytes): %v",
		s, ErrCorruptArchive, e.Compression, e.Offset, e.Output, e.Err)
}

// Unwrap returns the decoder's error.
func (e *CompressionError) Unwrap() error { return e.Err }

// Is makes every CompressionError match ErrCorruptArchive.
func (e *CompressionError) Is(target error) bool { return target == ErrCorruptArchive }

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
	return DecompressWithOptions(r, name, DecompressOptions{})
}

// DecompressWithOptions is Decompress with limits on the output: see
// DecompressOptions. A gzip input may end in zero bytes after its last
// member (as tape and block devices pad), which are skipped as gzip(1)
// does; any other bytes there are an error wrapping ErrTrailingGarbage.
func DecompressWithOptions(r io.Reader, name string, opt DecompressOptions) (Decompressed, error) {
	if err := opt.Validate(); err != nil {
		return Decompressed{}, err
	}
	opt = opt.withDefaults()
	var head [4]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Decompressed{}, fmt.Errorf("%s: read first bytes: %w", cmp.Or(name, "input"), err)
	}
	pre := &prefixReader{pre: head[:n:n], r: r}
	switch kind := sniffCompression(head[:n]); kind {
	case CompressionGzip, CompressionZstd:
		src := &countReader{r: pre}
		d := &decoded{name: name, comp: kind, in: src, opt: opt}
		br := bufio.NewReaderSize(src, decompressBufSize)
		if kind == CompressionGzip {
			zr, err := gzip.NewReader(br)
			if err != nil {
				return Decompressed{}, d.fail(err)
			}
			zr.Multistream(false) // gzipMembers reads the members one by one
			// gzip's Close only repeats a decode error, which Read has
			// reported already.
			d.r, d.close = &gzipMembers{zr: zr, br: br, in: src}, func() error { zr.Close(); return nil }
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
		return openZip(r, pre, name, opt)
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
func openZip(r io.Reader, pre *prefixReader, name string, opt DecompressOptions) (_ Decompressed, err error) {
	d := &decoded{name: name, comp: CompressionZip, opt: opt}
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
	// The central directory at the end has been read: count the entry's
	// compressed bytes from here, for the ratio check.
	at.base = at.n
	f := files[0]
	if unsafeZipName(f.Name) {
		return Decompressed{}, fmt.Errorf("%s: %w: %w %q: absolute or climbing out with \"..\" (the name is never used as a path; the archive is refused as made to attack tools that do)",
			cmp.Or(name, "input"), ErrCorruptArchive, ErrUnsafeZipEntry, f.Name)
	}
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

// unsafeZipName reports whether a zip entry name is absolute (/x, \\x,
// C:x) or has a ".." element, with either slash.
func unsafeZipName(n string) bool {
	n = strings.ReplaceAll(n, "\\", "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return true
	}
	for _, e := range strings.Split(n, "/") {
		if e == ".." {
			return true
		}
	}
	return false
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
			return fmt.Errorf("%s: %w: %w, found an empty archive", src, ErrCorruptArchive, ErrZipFileCount)
		}
		return fmt.Errorf("%s: %w: %w, found none (only directories or __MACOSX entries: %s)", src, ErrCorruptArchive, ErrZipFileCount, list(ignored))
	}
	return fmt.Errorf("%s: %w: %w, found %d: %s", src, ErrCorruptArchive, ErrZipFileCount, len(files), list(files))
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
	opt     DecompressOptions
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
	if lerr := d.checkLimits(); lerr != nil {
		d.err = lerr
		return n, lerr
	}
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

// checkLimits fails the read once the output passes MaxBytes, or MaxRatio
// times the compressed bytes read after RatioAfter bytes of output.
func (d *decoded) checkLimits() error {
	o := d.opt
	if o.MaxBytes > 0 && d.out > o.MaxBytes {
		return fmt.Errorf("%s: %s: %w: the decompressed content passed %d bytes (DecompressOptions.MaxBytes, --max-decompressed-bytes)",
			cmp.Or(d.name, "input"), d.comp, ErrDecompressionLimit, o.MaxBytes)
	}
	if o.MaxRatio <= 0 || d.out <= o.RatioAfter {
		return nil
	}
	in := int64(0)
	switch {
	case d.in != nil:
		in = d.in.n
	case d.inAt != nil:
		in = d.inAt.n - d.inAt.base
	}
	if d.out/max(in, 1) > o.MaxRatio {
		return fmt.Errorf("%s: %s: %w: %d compressed bytes gave %d bytes, more than %d:1 (DecompressOptions.MaxRatio, --max-decompression-ratio); a decompression bomb?",
			cmp.Or(d.name, "input"), d.comp, ErrDecompressionLimit, in, d.out, o.MaxRatio)
	}
	return nil
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

// gzipMembers reads the members of a gzip stream one after the other.
// After the last one, the input may end or hold only zero bytes (padding
// to a block size, which gzip(1) skips); anything else is
// ErrTrailingGarbage.
type gzipMembers struct {
	zr   *gzip.Reader
	br   *bufio.Reader // what zr reads, with no buffer of its own
	in   *countReader  // what br reads, for offsets
	done bool
}

// Read reads decompressed bytes across members.
func (g *gzipMembers) Read(p []byte) (int, error) {
	if g.done {
		return 0, io.EOF
	}
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		more, err := g.nextMember()
		if err != nil {
			return n, err
		}
		if !more {
			g.done = true
			return n, io.EOF
		}
		if n > 0 {
			return n, nil
		}
	}
}

// nextMember starts the next member if one follows, reports false at the
// end of the input (after any zero padding), or fails on anything else.
func (g *gzipMembers) nextMember() (bool, error) {
	b, err := g.br.Peek(2)
	if len(b) == 0 && err == io.EOF {
		return false, nil
	}
	if len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		if err := g.zr.Reset(g.br); err != nil {
			return false, err
		}
		g.zr.Multistream(false)
		return true, nil
	}
	if err != nil && err != io.EOF {
		return false, err
	}
	at := g.in.n - int64(g.br.Buffered())
	for ; ; at++ { // zero padding to the end, or garbage
		c, err := g.br.ReadByte()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if c != 0 {
			return false, fmt.Errorf("%w: byte %#02x at compressed byte %d", ErrTrailingGarbage, c, at)
		}
	}
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

// countReaderAt records the furthest offset read through it, the bytes
// read, and the first error other than io.EOF.
type countReaderAt struct {
	r    io.ReaderAt
	max  int64
	n    int64 // bytes read in all
	base int64 // n when the zip entry was opened
	err  error
}

// ReadAt reads and records.
func (c *countReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.max = max(c.max, off+int64(n))
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
