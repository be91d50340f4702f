package compress

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"ingot/formats/source"
	"ingot/internal/testcsv"
)

// plainVariants derives the plain, BOM and CRLF inputs from one fixture.
func plainVariants(t testing.TB) map[string][]byte {
	t.Helper()
	plain, err := os.ReadFile("../testdata/sources/orders.csv")
	require.NoError(t, err)
	return map[string][]byte{
		"plain": plain,
		"bom":   append([]byte("\xef\xbb\xbf"), plain...),
		"crlf":  bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n")),
	}
}

// zipEntry is one entry of a zip made by makeZip.
type zipEntry struct {
	name   string
	body   []byte
	method uint16
}

// makeZip builds a zip archive; a name ending in "/" is a directory.
func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zstd.ZipMethodWinZip, zstd.ZipCompressor())
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		require.NoError(t, err)
		_, err = f.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// compressors make each compression's input from plain bytes.
var compressors = []struct {
	name, compression, inner string
	compress                 func(t testing.TB, plain []byte) []byte
}{
	{"none", CompressionNone, "", func(_ testing.TB, p []byte) []byte { return p }},
	{"gzip", CompressionGzip, "", func(t testing.TB, p []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, err := w.Write(p)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return buf.Bytes()
	}},
	{"gzip multi-member", CompressionGzip, "", func(t testing.TB, p []byte) []byte {
		var buf bytes.Buffer
		for _, part := range [][]byte{p[:len(p)/3], p[len(p)/3:]} {
			w := gzip.NewWriter(&buf)
			_, err := w.Write(part)
			require.NoError(t, err)
			require.NoError(t, w.Close())
		}
		return buf.Bytes()
	}},
	{"zstd", CompressionZstd, "", func(t testing.TB, p []byte) []byte {
		enc, err := zstd.NewWriter(nil)
		require.NoError(t, err)
		return enc.EncodeAll(p, nil)
	}},
	{"zstd two frames and a skippable one", CompressionZstd, "", func(t testing.TB, p []byte) []byte {
		enc, err := zstd.NewWriter(nil)
		require.NoError(t, err)
		out := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'x', 'y', 'z'} // skippable frame, 3 bytes
		out = enc.EncodeAll(p[:len(p)/2], out)
		return enc.EncodeAll(p[len(p)/2:], out)
	}},
	{"zip deflate", CompressionZip, "orders.csv", func(t testing.TB, p []byte) []byte {
		return makeZip(t, zipEntry{name: "orders.csv", body: p, method: zip.Deflate})
	}},
	{"zip stored, with directories and __MACOSX", CompressionZip, "export/orders.csv", func(t testing.TB, p []byte) []byte {
		return makeZip(t,
			zipEntry{name: "export/"},
			zipEntry{name: "export/orders.csv", body: p, method: zip.Store},
			zipEntry{name: "__MACOSX/export/._orders.csv", body: []byte("resource fork"), method: zip.Deflate})
	}},
	{"zip zstd", CompressionZip, "orders.csv", func(t testing.TB, p []byte) []byte {
		return makeZip(t, zipEntry{name: "orders.csv", body: p, method: zstd.ZipMethodWinZip})
	}},
}

// streamOnly hides every method of a reader but Read.
type streamOnly struct{ r io.Reader }

func (s streamOnly) Read(p []byte) (int, error) { return s.r.Read(p) }

// inputModes feed compressed bytes to Decompress in different ways.
var inputModes = map[string]func([]byte) io.Reader{
	"random access":         func(b []byte) io.Reader { return bytes.NewReader(b) },
	"stream":                func(b []byte) io.Reader { return streamOnly{bytes.NewReader(b)} },
	"stream of single byte": func(b []byte) io.Reader { return streamOnly{iotest.OneByteReader(bytes.NewReader(b))} },
}

func TestDecompressVariants(t *testing.T) {
	for vname, plain := range plainVariants(t) {
		for _, c := range compressors {
			compressed := c.compress(t, plain)
			for mname, mode := range inputModes {
				t.Run(vname+"/"+c.name+"/"+mname, func(t *testing.T) {
					t.Setenv("TMPDIR", t.TempDir()) // the zip spool goes here
					d, err := Decompress(mode(compressed), vname+".csv")
					require.NoError(t, err)
					require.Equal(t, c.compression, d.Compression)
					require.Equal(t, c.inner, d.Inner)
					got, err := io.ReadAll(d)
					require.NoError(t, err)
					require.Equal(t, plain, got)
					require.NoError(t, d.Close())
					require.NoError(t, d.Close(), "Close is idempotent")
					left, err := os.ReadDir(os.TempDir())
					require.NoError(t, err)
					require.Empty(t, left, "no spool file is left behind")
				})
			}
		}
	}
}

// realCompressed are the real compressed fixtures and what they hold
// (sizes and hashes from zstd -dc and zcat).
var realCompressed = []struct {
	file, compression string
	size              int64
	sha256            string
}{
	{"lineitem1k.tbl.zst", CompressionZstd, 123848, "66b0ce01093a5a41c7ab9b2618d60d4dc6fbd6545c2893db12bbdc2a94d55dc1"},
	{"ncvoter.csv.zst", CompressionZstd, 7588, "8837cdfe86f2a844085afdf485e986c6927c35a15f6a20c0e4df3d354f90c2dd"},
	{"broken_test.csv.zst", CompressionZstd, 1840, "3318f221f03a45476dd565cecd6db806f3cf0f61573d0b2d5c17814b95191d0e"},
	{"concat.gz", CompressionGzip, 1804, "2769a93c07d1ed9881bea25f7a7e8275813156efc593e6fc9d61bb95ba49b062"},
	{"bgzf.gz", CompressionGzip, 946, "d639116d38b74ee20d879b81cdcb21197d404f1d245a721998751ba8c8bb385d"},
}

func TestDecompressRealFiles(t *testing.T) {
	for _, tt := range realCompressed {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("..", "testdata", "compressed", tt.file)
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			rawSum := sha256.Sum256(raw)

			r, err := source.Open(context.Background(), source.Object{URI: path, Name: tt.file, Size: -1})
			require.NoError(t, err)
			defer r.Close()
			d, err := Decompress(r, tt.file)
			require.NoError(t, err)
			defer d.Close()
			require.Equal(t, tt.compression, d.Compression)
			h := sha256.New()
			n, err := io.Copy(h, d)
			require.NoError(t, err)
			require.Equal(t, tt.size, n)
			require.Equal(t, tt.sha256, hex.EncodeToString(h.Sum(nil)))

			require.Equal(t, int64(len(raw)), r.BytesRead(), "the raw bytes were all read")
			require.Equal(t, hex.EncodeToString(rawSum[:]), r.SHA256(), "the hash is of the raw (compressed) file")
		})
	}
}

// TestDecompressZipHashesWholeArchive reads a zip from a local file through
// ReadAt and checks that the Reader still saw every byte.
func TestDecompressZipHashesWholeArchive(t *testing.T) {
	plain := plainVariants(t)["plain"]
	archive := makeZip(t, zipEntry{name: "orders.csv", body: plain, method: zip.Deflate})
	path := filepath.Join(t.TempDir(), "orders.csv.zip")
	require.NoError(t, os.WriteFile(path, archive, 0o644))
	sum := sha256.Sum256(archive)

	r, err := source.Open(context.Background(), source.Object{URI: path, Size: -1})
	require.NoError(t, err)
	defer r.Close()
	d, err := Decompress(r, "orders.csv.zip")
	require.NoError(t, err)
	require.Equal(t, CompressionZip, d.Compression)
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Equal(t, plain, got)
	require.NoError(t, d.Close())
	require.Equal(t, int64(len(archive)), r.BytesRead())
	require.Equal(t, hex.EncodeToString(sum[:]), r.SHA256())
	require.NoError(t, r.Close(), "Decompressed.Close leaves r open")
}

func TestDecompressZipFileCount(t *testing.T) {
	tests := []struct {
		name    string
		zip     []byte
		wantErr string
	}{
		{"two files", makeZip(t,
			zipEntry{name: "orders.csv", body: []byte("a\n"), method: zip.Deflate},
			zipEntry{name: "dir/"},
			zipEntry{name: "dir/customers.csv", body: []byte("b\n"), method: zip.Store}),
			`found 2: "orders.csv", "dir/customers.csv"`},
		{"only directories and metadata", makeZip(t,
			zipEntry{name: "dir/"},
			zipEntry{name: "__MACOSX/._orders.csv", body: []byte("x")}),
			`found none (only directories or __MACOSX entries: "dir/", "__MACOSX/._orders.csv")`},
		{"empty archive", makeZip(t), "found an empty archive"},
	}
	for _, tt := range tests {
		for mname, mode := range inputModes {
			t.Run(tt.name+"/"+mname, func(t *testing.T) {
				t.Setenv("TMPDIR", t.TempDir())
				_, err := Decompress(mode(tt.zip), "export.zip")
				require.ErrorIs(t, err, ErrZipFileCount)
				require.ErrorIs(t, err, ErrCorruptArchive)
				require.ErrorContains(t, err, "export.zip: corrupt_archive: zip archive must hold exactly one file, "+tt.wantErr)
				left, err := os.ReadDir(os.TempDir())
				require.NoError(t, err)
				require.Empty(t, left, "the spool file is removed on error")
			})
		}
	}
}

// readAllDecompressed decompresses in and reads it to the end, returning
// the first error.
func readAllDecompressed(in io.Reader, name string) ([]byte, error) {
	d, err := Decompress(in, name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}

func TestDecompressTruncated(t *testing.T) {
	plain := testcsv.Orders(256 << 10) // long enough to span several blocks
	for _, c := range compressors {
		if c.compression == CompressionNone {
			continue
		}
		full := c.compress(t, plain)
		for _, cut := range []int{len(full) / 2, len(full) - 1} {
			for mname, mode := range inputModes {
				if mname == "stream of single byte" {
					continue
				}
				t.Run(fmt.Sprintf("%s/cut at %d/%s", c.name, cut, mname), func(t *testing.T) {
					t.Setenv("TMPDIR", t.TempDir())
					got, err := readAllDecompressed(mode(full[:cut]), "orders.csv.x")
					require.Error(t, err)
					var ce *CompressionError
					require.ErrorAs(t, err, &ce, "got %v", err)
					require.Equal(t, c.compression, ce.Compression)
					require.Equal(t, "orders.csv.x", ce.Source)
					require.ErrorContains(t, err, "orders.csv.x: corrupt_archive: "+c.compression+": truncated or corrupt input at compressed byte ")
					require.LessOrEqual(t, ce.Offset, int64(cut))
					if c.compression != CompressionZip {
						// A stream decoder fails at the end of what is there.
						require.Equal(t, int64(cut), ce.Offset)
						require.ErrorIs(t, err, io.ErrUnexpectedEOF)
					} else {
						require.ErrorIs(t, err, zip.ErrFormat)
					}
					require.Equal(t, int64(len(got)), ce.Output)
					require.True(t, bytes.Equal(plain[:len(got)], got), "what came out before the error is right")
				})
			}
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	flip := func(path string, at func(n int) int) []byte {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		b[at(len(b))] ^= 0x55
		return b
	}
	broken := "../testdata/compressed/broken_test.csv.zst"
	tests := []struct {
		name, compression string
		in                []byte
	}{
		{"zstd flipped byte mid-frame", CompressionZstd, flip(broken, func(n int) int { return n / 2 })},
		{"zstd flipped checksum", CompressionZstd, flip(broken, func(n int) int { return n - 2 })},
		{"zstd bad frame header", CompressionZstd, flip(broken, func(int) int { return 4 })},
		{"gzip flipped byte in a member", CompressionGzip, flip("../testdata/compressed/concat.gz", func(n int) int { return n / 2 })},
		{"gzip flipped CRC", CompressionGzip, flip("../testdata/compressed/bgzf.gz", func(n int) int { return n - 30 })},
		{"gzip header only", CompressionGzip, []byte{0x1f, 0x8b, 8, 0}},
		{"zstd magic only", CompressionZstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
		{"zip local header only", CompressionZip, []byte("PK\x03\x04 and then nothing useful")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAllDecompressed(bytes.NewReader(tt.in), "bad")
			var ce *CompressionError
			require.ErrorAs(t, err, &ce, "got %v", err)
			require.Equal(t, tt.compression, ce.Compression)
			require.Positive(t, ce.Offset)
		})
	}
}

func TestDecompressInputError(t *testing.T) {
	plain := testcsv.Orders(64 << 10)
	for _, c := range compressors {
		full := c.compress(t, plain)
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			_, err := readAllDecompressed(io.MultiReader(bytes.NewReader(full[:len(full)/2]), iotest.ErrReader(errBoom)), "orders")
			require.ErrorIs(t, err, errBoom)
			var ce *CompressionError
			require.False(t, errors.As(err, &ce), "an input error is not corruption: %v", err)
		})
	}
}

func TestDecompressShortInputs(t *testing.T) {
	for _, in := range []string{"", "\x1f", "PK", "\x28\xb5\x2f", "a,b\n"} {
		d, err := Decompress(strings.NewReader(in), "short")
		require.NoError(t, err, "%q", in)
		require.Equal(t, CompressionNone, d.Compression)
		got, err := io.ReadAll(d)
		require.NoError(t, err)
		require.Equal(t, in, string(got))
	}
}

// closeRecorder records whether Close was called.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestDecompressCloseLeavesInputOpen(t *testing.T) {
	plain := plainVariants(t)["plain"]
	for _, c := range compressors {
		t.Run(c.name, func(t *testing.T) {
			in := &closeRecorder{Reader: bytes.NewReader(c.compress(t, plain))}
			d, err := Decompress(in, "x")
			require.NoError(t, err)
			require.NoError(t, d.Close())
			require.False(t, in.closed)
			if c.compression != CompressionNone { // whose Close does nothing
				_, err = d.Read(make([]byte, 1))
				require.ErrorIs(t, err, os.ErrClosed, "reading after Close fails")
			}
		})
	}
}

// maxExpansion bounds decompressed bytes per compressed byte: a zstd RLE
// block turns 4 bytes into at most 128 KiB; deflate stays near 1032:1.
const maxExpansion = 128 << 10 / 4

func FuzzDecompress(f *testing.F) {
	files, err := filepath.Glob("../testdata/compressed/*.*")
	require.NoError(f, err)
	for _, p := range files {
		if strings.HasSuffix(p, ".md") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	plain := plainVariants(f)["plain"]
	for _, c := range compressors {
		f.Add(c.compress(f, plain))
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, in []byte) {
		limit := int64(len(in))*maxExpansion + 1<<10
		for _, mode := range []func([]byte) io.Reader{
			func(b []byte) io.Reader { return bytes.NewReader(b) },
			func(b []byte) io.Reader { return streamOnly{bytes.NewReader(b)} },
		} {
			d, err := Decompress(mode(in), "fuzz")
			if err != nil {
				require.Empty(t, d.Compression)
				continue
			}
			n, err := io.Copy(io.Discard, io.LimitReader(d, limit+1))
			require.NoError(t, d.Close())
			require.LessOrEqual(t, n, limit, "%s output is bounded by the input", d.Compression)
			if d.Compression == CompressionNone {
				require.NoError(t, err)
				require.Equal(t, int64(len(in)), n)
			}
		}
	})
}

func BenchmarkDecompress(b *testing.B) {
	plain := testcsv.Orders(16 << 20)
	rows := bytes.Count(plain, []byte{'\n'})
	buf := make([]byte, 256<<10)
	for _, c := range compressors {
		if strings.Contains(c.name, " ") && c.name != "zip deflate" {
			continue // the variants with several members, frames or entries
		}
		compressed := c.compress(b, plain)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			for b.Loop() {
				d, err := Decompress(bytes.NewReader(compressed), "bench")
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := d.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				d.Close()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(len(compressed))/float64(len(plain)), "ratio")
		})
	}
}

func TestDecompressCanceled(t *testing.T) {
	for _, file := range []string{"lineitem1k.tbl.zst", "concat.gz"} {
		t.Run(file, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			r, err := source.Open(ctx, source.Object{URI: filepath.Join("..", "testdata", "compressed", file)})
			require.NoError(t, err)
			defer r.Close()
			d, err := Decompress(r, file)
			require.NoError(t, err)
			defer d.Close()
			_, err = d.Read(make([]byte, 10))
			require.NoError(t, err)
			cancel()
			_, err = io.Copy(io.Discard, d)
			require.ErrorIs(t, err, context.Canceled)
			var ce *CompressionError
			require.False(t, errors.As(err, &ce), "cancellation is not corruption: %v", err)
		})
	}
}

var errBoom = errors.New("boom")
