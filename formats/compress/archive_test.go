package compress

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"ingot/internal/testcsv"
)

func gzipOf(t testing.TB, parts ...[]byte) []byte {
	var buf bytes.Buffer
	for _, p := range parts {
		w := gzip.NewWriter(&buf)
		_, err := w.Write(p)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
	return buf.Bytes()
}

func zstdFrame(t testing.TB, p []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	return enc.EncodeAll(p, nil)
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// TestDecompressDamagedArchives builds each kind of damaged or unusual
// archive and checks that it is read whole or refused as corrupt_archive,
// never read in part without an error.
func TestDecompressDamagedArchives(t *testing.T) {
	plain := testcsv.Orders(96 << 10)
	a, b, c := plain[:len(plain)/3], plain[len(plain)/3:len(plain)/2], plain[len(plain)/2:]
	gz := gzipOf(t, plain)
	zs := zstdFrame(t, plain)
	oneZip := makeZip(t, zipEntry{name: "orders.csv", body: plain, method: zip.Deflate})
	rng := rand.New(rand.NewPCG(9, 9))
	flip := func(in []byte, at int) []byte {
		out := bytes.Clone(in)
		out[at] ^= 0x5a
		return out
	}
	type tcase struct {
		name  string
		in    []byte
		want  []byte // nil: refused
		cause error  // with want == nil, the cause beside ErrCorruptArchive
		msg   string
	}
	tests := []tcase{
		{name: "gzip whole", in: gz, want: plain},
		{name: "gzip three concatenated members", in: gzipOf(t, a, b, c), want: plain},
		{name: "gzip members with an empty one", in: gzipOf(t, a, nil, cat(b, c)), want: plain},
		{name: "gzip with 512 zero bytes of padding", in: cat(gz, make([]byte, 512)), want: plain},
		{name: "gzip members padded to a 10240-byte tape block", in: func() []byte {
			m := gzipOf(t, a, cat(b, c))
			return cat(m, make([]byte, 10240-len(m)%10240))
		}(), want: plain},
		{name: "gzip with one zero byte after", in: cat(gz, []byte{0}), want: plain},
		{name: "gzip bad CRC", in: flip(gz, len(gz)-6), cause: gzip.ErrChecksum},
		{name: "gzip bad size in the trailer", in: flip(gz, len(gz)-2), cause: gzip.ErrChecksum},
		{name: "gzip trailing garbage", in: cat(gz, []byte("hello\n")), cause: ErrTrailingGarbage,
			msg: fmt.Sprintf("trailing garbage after the last gzip member: byte 0x68 at compressed byte %d", len(gz))},
		{name: "gzip zero padding then garbage", in: cat(gz, make([]byte, 100), []byte("x")), cause: ErrTrailingGarbage,
			msg: fmt.Sprintf("at compressed byte %d", len(gz)+100)},
		{name: "gzip second member with a bad header", in: cat(gz, []byte{0x1f, 0x8b, 99, 0, 0, 0, 0, 0, 0, 0}), cause: gzip.ErrHeader},
		{name: "gzip second member cut in its header", in: cat(gz, []byte{0x1f}), cause: ErrTrailingGarbage},
		{name: "zstd whole", in: zs, want: plain},
		{name: "zstd two frames", in: cat(zstdFrame(t, a), zstdFrame(t, cat(b, c))), want: plain},
		{name: "zstd trailing garbage", in: cat(zs, []byte("hello\n"))},
		{name: "zip of one file", in: oneZip, want: plain},
		{name: "zip of two files", in: makeZip(t,
			zipEntry{name: "orders.csv", body: a, method: zip.Deflate},
			zipEntry{name: "more.csv", body: b, method: zip.Deflate}),
			cause: ErrZipFileCount, msg: `orders.zip: corrupt_archive: zip archive must hold exactly one file, found 2: "orders.csv", "more.csv"`},
		{name: "zip bad CRC", in: func() []byte {
			i := bytes.Index(oneZip, []byte("orders.csv")) + len("orders.csv") + 100
			return flip(oneZip, i)
		}()},
	}
	for i := range 6 { // cut at random bytes
		at := 2 + rng.IntN(len(gz)-3)
		tests = append(tests, tcase{name: fmt.Sprintf("gzip cut at byte %d", at), in: gz[:at], cause: io.ErrUnexpectedEOF})
		at = 4 + rng.IntN(len(zs)-5)
		tests = append(tests, tcase{name: fmt.Sprintf("zstd cut at byte %d", at), in: zs[:at]})
		at = 4 + rng.IntN(len(oneZip)-5)
		if i < 3 {
			tests = append(tests, tcase{name: fmt.Sprintf("zip cut at byte %d", at), in: oneZip[:at]})
		}
	}
	for _, tt := range tests {
		for mname, mode := range inputModes {
			if mname == "stream of single byte" && len(tt.in) > 64<<10 {
				continue
			}
			t.Run(tt.name+"/"+mname, func(t *testing.T) {
				t.Setenv("TMPDIR", t.TempDir())
				got, err := readAllDecompressed(mode(tt.in), "orders.zip")
				if tt.want != nil {
					require.NoError(t, err)
					require.True(t, bytes.Equal(tt.want, got), "read %d bytes, want %d", len(got), len(tt.want))
					return
				}
				require.Error(t, err, "read %d of %d bytes without an error", len(got), len(plain))
				require.ErrorIs(t, err, ErrCorruptArchive)
				require.ErrorContains(t, err, "orders.zip: corrupt_archive: ")
				if tt.cause != nil {
					require.ErrorIs(t, err, tt.cause)
				}
				require.ErrorContains(t, err, tt.msg)
				require.True(t, bytes.HasPrefix(plain, got), "what came out before the error is the start of the content")
			})
		}
	}
}

func TestDecompressUnsafeZipNames(t *testing.T) {
	for _, name := range []string{"../orders.csv", "../../etc/cron.d/x", "/etc/passwd", "a/../../b.csv",
		`..\..\windows\orders.csv`, `C:\orders.csv`, "C:orders.csv", `\\server\share\orders.csv`} {
		t.Run(name, func(t *testing.T) {
			in := makeZip(t, zipEntry{name: name, body: []byte("a\n1\n"), method: zip.Store})
			_, err := Decompress(bytes.NewReader(in), "evil.zip")
			require.ErrorIs(t, err, ErrUnsafeZipEntry)
			require.ErrorIs(t, err, ErrCorruptArchive)
			require.ErrorContains(t, err, fmt.Sprintf("evil.zip: corrupt_archive: unsafe zip entry name %q", name))
		})
	}
	for _, name := range []string{"orders..csv", "dir/orders.csv", "..orders.csv", "a/.../b.csv"} {
		in := makeZip(t, zipEntry{name: name, body: []byte("a\n1\n"), method: zip.Store})
		d, err := Decompress(bytes.NewReader(in), "fine.zip")
		require.NoError(t, err, name)
		require.Equal(t, name, d.Inner)
		require.NoError(t, d.Close())
	}
}

// bomb compresses n bytes of one CSV row repeated.
func bomb(t testing.TB, kind string, n int) []byte {
	row := []byte("o-1,email,a@example.com,EUR,10.00,8.40,1.60,0,0,0,2021-01-01T00:00:00Z,p-1,SKU-1,Hemd,1,paid\n")
	chunk := bytes.Repeat(row, (64<<10)/len(row))
	var buf bytes.Buffer
	var w io.WriteCloser
	switch kind {
	case CompressionGzip:
		w = gzip.NewWriter(&buf)
	case CompressionZstd:
		zw, err := zstd.NewWriter(&buf)
		require.NoError(t, err)
		w = zw
	case CompressionZip:
		zw := zip.NewWriter(&buf)
		f, err := zw.Create("orders.csv")
		require.NoError(t, err)
		w = struct {
			io.Writer
			io.Closer
		}{f, zw}
	}
	for written := 0; written < n; written += len(chunk) {
		_, err := w.Write(chunk)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestDecompressLimits(t *testing.T) {
	for _, kind := range []string{CompressionGzip, CompressionZstd, CompressionZip} {
		b := bomb(t, kind, 16<<20)
		t.Run(kind+" bomb over MaxRatio", func(t *testing.T) {
			d, err := DecompressWithOptions(bytes.NewReader(b), "bomb."+kind, DecompressOptions{MaxRatio: 100, RatioAfter: 1 << 20})
			require.NoError(t, err)
			defer d.Close()
			n, err := io.Copy(io.Discard, d)
			require.ErrorIs(t, err, ErrDecompressionLimit)
			require.NotErrorIs(t, err, ErrCorruptArchive)
			require.ErrorContains(t, err, "bomb."+kind+": "+kind+": decompression limit exceeded: ")
			require.ErrorContains(t, err, "more than 100:1 (DecompressOptions.MaxRatio, --max-decompression-ratio); a decompression bomb?")
			// The compressed side counts what the decoder has read, read-ahead
			// included, so the check fires by 100 × the whole input at worst.
			require.LessOrEqual(t, n, max(int64(100*len(b)), 1<<20)+256<<10, "stops once the ratio is passed")
			require.Less(t, n, int64(16<<20))
		})
		t.Run(kind+" bomb with the ratio check off", func(t *testing.T) {
			got, err := readAllDecompressedOpt(bytes.NewReader(b), "bomb", DecompressOptions{MaxRatio: -1, RatioAfter: 1})
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(got), 16<<20)
		})
		t.Run(kind+" over MaxBytes", func(t *testing.T) {
			d, err := DecompressWithOptions(bytes.NewReader(b), "big", DecompressOptions{MaxBytes: 3 << 20})
			require.NoError(t, err)
			defer d.Close()
			n, err := io.Copy(io.Discard, d)
			require.ErrorIs(t, err, ErrDecompressionLimit)
			require.ErrorContains(t, err, "passed 3145728 bytes (DecompressOptions.MaxBytes, --max-decompressed-bytes)")
			require.LessOrEqual(t, n, int64(3<<20+256<<10))
		})
	}
	t.Run("ordinary data passes a tight ratio", func(t *testing.T) {
		plain := testcsv.Orders(4 << 20)
		for _, c := range compressors {
			got, err := readAllDecompressedOpt(bytes.NewReader(c.compress(t, plain)), "ok", DecompressOptions{MaxRatio: 20, RatioAfter: 1, MaxBytes: int64(len(plain))})
			require.NoError(t, err, c.name)
			require.Equal(t, len(plain), len(got), c.name)
		}
	})
	t.Run("default ratio stops a zstd zero bomb after 64 MiB", func(t *testing.T) {
		var buf bytes.Buffer
		zw, err := zstd.NewWriter(&buf)
		require.NoError(t, err)
		zero := make([]byte, 1<<20)
		for range 256 {
			_, err := zw.Write(zero)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		d, err := Decompress(bytes.NewReader(buf.Bytes()), "zeros.zst")
		require.NoError(t, err)
		defer d.Close()
		n, err := io.Copy(io.Discard, d)
		require.ErrorIs(t, err, ErrDecompressionLimit)
		require.Less(t, n, int64(DefaultRatioAfter+1<<20))
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []DecompressOptions{{MaxBytes: -1}, {RatioAfter: -1}} {
			_, err := DecompressWithOptions(strings.NewReader("a"), "x", o)
			require.ErrorContains(t, err, "formats.DecompressOptions.")
		}
	})
}

func readAllDecompressedOpt(in io.Reader, name string, opt DecompressOptions) ([]byte, error) {
	d, err := DecompressWithOptions(in, name, opt)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}
