package charset

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"ingot/internal/testcsv"
)

// readerShapes deliver the same bytes in differently sized reads, so that
// a BOM or a multi-byte character can be split between reads.
var readerShapes = map[string]func(io.Reader) io.Reader{
	"whole":    func(r io.Reader) io.Reader { return r },
	"one byte": iotest.OneByteReader,
	"half":     iotest.HalfReader,
	"data+EOF": iotest.DataErrReader,
}

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file, name string
		encoding   string
		confidence float64
		bom        bool
		golden     string // expected UTF-8, from iconv; "" to skip the comparison
	}{
		{"latin1.csv", "iso-8859-1", EncodingWindows1252, 1, false, "latin1.csv.utf8"}, // WHATWG: the label means windows-1252
		{"latin1.csv", "latin1", EncodingWindows1252, 1, false, "latin1.csv.utf8"},
		// No byte in 0x80–0x9F: windows-1252 reads them as ISO-8859-1 does.
		{"latin1.csv", "auto", EncodingWindows1252, guessed, false, "latin1.csv.utf8"},
		{"all_latin1.csv", "auto", EncodingWindows1252, guessed, false, "all_latin1.csv.utf8"},
		{"all_latin1.csv", "ISO-8859-1", EncodingWindows1252, 1, false, "all_latin1.csv.utf8"},
		{"utf16.csv", "utf-16", EncodingUTF16LE, 1, true, "utf16.csv.utf8"},
		{"utf16.csv", "UTF-16LE", EncodingUTF16LE, 1, true, "utf16.csv.utf8"},
		{"utf16.csv", "auto", EncodingUTF16LE, 1, true, "utf16.csv.utf8"},
		{"shift_jis.csv", "shift_jis", "shift_jis", 1, false, "shift_jis.csv.utf8"},
		{"shift_jis.csv", "sjis", "shift_jis", 1, false, "shift_jis.csv.utf8"},
		{"shift_jis.csv", "Windows-31J", "shift_jis", 1, false, "shift_jis.csv.utf8"},
		// Not detected (its lead bytes fall in 0x80–0x9F): documented.
		{"shift_jis.csv", "auto", "", guessed, false, ""},
		{"shift_jis.csv.utf8", "auto", EncodingUTF8, 1, false, "shift_jis.csv.utf8"},
		{"latin1.csv.utf8", "", EncodingUTF8, 1, false, "latin1.csv.utf8"},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "charset", tt.file))
		require.NoError(t, err)
		var want []byte
		if tt.golden != "" {
			want, err = os.ReadFile(filepath.Join("..", "testdata", "charset", tt.golden))
			require.NoError(t, err)
		}
		for shape, wrap := range readerShapes {
			t.Run(tt.file+"/"+tt.name+"/"+shape, func(t *testing.T) {
				d, err := Decode(wrap(bytes.NewReader(raw)), tt.name)
				require.NoError(t, err)
				if tt.encoding != "" {
					require.Equal(t, tt.encoding, d.Encoding)
				}
				requireConfidence(t, tt.confidence, d.Confidence)
				require.Equal(t, tt.bom, d.BOM)
				got, err := io.ReadAll(d)
				require.NoError(t, err)
				if want != nil {
					require.Equal(t, string(want), string(got))
				}
			})
		}
	}
}

// guessed in a test table stands for a confidence strictly between 0 and
// 1: a guess, whose exact figure the heuristic's tests check.
const guessed = -1

func requireConfidence(t *testing.T, want, got float64) {
	t.Helper()
	if want == guessed {
		require.Greater(t, got, 0.0)
		require.Less(t, got, 1.0)
		return
	}
	require.Equal(t, want, got)
}

func TestDecodeAuto(t *testing.T) {
	ascii := strings.Repeat("orderId,total\no-1,9.99\n", 4000) // > 64 KiB
	// a two-byte character straddles the end of the 64 KiB sample
	straddle := "é" + strings.Repeat("a", autoSample-3) + "é and more"
	tests := []struct {
		name       string
		in         string
		encoding   string
		confidence float64
		bom        bool
		want       string
	}{
		{"empty", "", EncodingUTF8, ConfidenceASCII, false, ""},
		{"pure ASCII", ascii, EncodingUTF8, ConfidenceASCII, false, ascii},
		{"UTF-8", "name\nJosé\n", EncodingUTF8, 1, false, "name\nJosé\n"},
		{"UTF-8 cut inside a character by the sample", straddle, EncodingUTF8, 1, false, straddle},
		{"UTF-8 BOM", "\xef\xbb\xbfname\n", EncodingUTF8, 1, true, "name\n"},
		{"UTF-8 BOM only", "\xef\xbb\xbf", EncodingUTF8, 1, true, ""},
		{"UTF-16LE BOM", "\xff\xfen\x00\xe9\x00", EncodingUTF16LE, 1, true, "né"},
		{"UTF-16BE BOM", "\xfe\xff\x00n\x00\xe9", EncodingUTF16BE, 1, true, "né"},
		{"windows-1252: a byte in 0x80-0x9F", "\x93quoted\x94 \x80 5\n", EncodingWindows1252, guessed, false, "“quoted” € 5\n"},
		{"iso-8859-1: high bytes, none in 0x80-0x9F", "Jos\xe9 M\xfcller\n", EncodingWindows1252, guessed, false, "José Müller\n"},
		{"BOM-less UTF-16LE", "n\x00a\x00m\x00e\x00\n\x00J\x00o\x00s\x00\xe9\x00", EncodingUTF16LE, ConfidenceUTF16, false, "name\nJosé"},
		{"BOM-less UTF-16BE", "\x00n\x00a\x00m\x00e\x00\n\x00J\x00o\x00s\x00\xe9", EncodingUTF16BE, ConfidenceUTF16, false, "name\nJosé"},
		// A pure ASCII sample defers the decision to the first non-ASCII
		// byte (see TestDecodeAutoLate for Final).
		{"windows-1252 after an ASCII sample", ascii + "caf\xe9\n", EncodingUTF8, ConfidenceASCII, false, ascii + "café\n"},
		{"UTF-8 after an ASCII sample", ascii + "café\n", EncodingUTF8, ConfidenceASCII, false, ascii + "café\n"},
	}
	for _, tt := range tests {
		for shape, wrap := range readerShapes {
			t.Run(tt.name+"/"+shape, func(t *testing.T) {
				d, err := Decode(wrap(strings.NewReader(tt.in)), "auto")
				require.NoError(t, err)
				require.Equal(t, tt.encoding, d.Encoding)
				requireConfidence(t, tt.confidence, d.Confidence)
				require.Equal(t, tt.bom, d.BOM)
				got, err := io.ReadAll(d)
				require.NoError(t, err)
				require.Equal(t, tt.want, string(got), "every byte read to decide is handed back")
			})
		}
	}
}

func TestDecodeUTF8(t *testing.T) {
	tests := []struct {
		in, want string
		bom      bool
	}{
		{"", "", false},
		{"a", "a", false},
		{"ab", "ab", false},
		{"\xef\xbb", "\xef\xbb", false}, // a partial BOM is data
		{"\xef\xbb\xbf", "", true},
		{"\xef\xbb\xbfa,b\r\n", "a,b\r\n", true},
		{"a,b\n\xef\xbb\xbf", "a,b\n\xef\xbb\xbf", false}, // only a leading BOM
		{"\xff\xfe", "\xff\xfe", false},                   // invalid UTF-8 passes through (named utf-8: no BOM sniffing)
	}
	for _, name := range []string{"utf-8", "UTF8", " utf-8 ", "unicode-1-1-utf-8"} {
		for _, tt := range tests {
			for shape, wrap := range readerShapes {
				t.Run(name+"/"+shape, func(t *testing.T) {
					d, err := Decode(wrap(strings.NewReader(tt.in)), name)
					require.NoError(t, err)
					require.Equal(t, EncodingUTF8, d.Encoding)
					require.Equal(t, 1.0, d.Confidence)
					require.Equal(t, tt.bom, d.BOM, "%q", tt.in)
					got, err := io.ReadAll(d)
					require.NoError(t, err)
					require.Equal(t, tt.want, string(got), "%q", tt.in)
				})
			}
		}
	}
}

// bufRecorder records the buffers Read is given.
type bufRecorder struct {
	r    io.Reader
	bufs []*byte
}

func (b *bufRecorder) Read(p []byte) (int, error) {
	if len(p) > 0 {
		b.bufs = append(b.bufs, &p[0])
	}
	return b.r.Read(p)
}

// TestDecodeUTF8NoCopy checks that past the first bytes the UTF-8 reader
// reads straight into the caller's buffer.
func TestDecodeUTF8NoCopy(t *testing.T) {
	for _, in := range []string{"\xef\xbb\xbf" + strings.Repeat("x", 100), strings.Repeat("y", 100)} {
		rec := &bufRecorder{r: strings.NewReader(in)}
		d, err := Decode(rec, "utf-8")
		require.NoError(t, err)
		p := make([]byte, 64)
		for {
			_, err := d.Read(p)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
		require.Greater(t, len(rec.bufs), 1)
		for _, b := range rec.bufs[1:] { // the first was Decode's own 3 bytes
			require.Same(t, &p[0], b)
		}
	}
}

func TestDecodeNames(t *testing.T) {
	tests := []struct {
		name, encoding string
		in, want       string
	}{
		{" Windows-1252 ", EncodingWindows1252, "\x80", "€"},
		{"cp1252", EncodingWindows1252, "\x9f", "Ÿ"},
		{"us-ascii", EncodingWindows1252, "a", "a"},
		{"iso-8859-15", "iso-8859-15", "\xa4", "€"},
		{"koi8-r", "koi8-r", "\xc1", "а"},
		{"gb2312", "gbk", "\xc4\xe3", "你"},
		{"ucs-2", EncodingUTF16LE, "\xff\xfeh\x00i\x00", "hi"},
		{"utf-16be", EncodingUTF16BE, "\xfe\xff\x00h\x00i", "hi"},
		{"utf-16be", EncodingUTF16BE, "\x00h\x00i", "hi"},
		{"utf-16", EncodingUTF16LE, "h\x00i\x00", "hi"}, // no BOM: little-endian
		{"utf-16", EncodingUTF16BE, "\xfe\xff\x00h\x00i", "hi"},
		{"utf-16le", EncodingUTF16LE, "h\x00\xff", "h\ufffd"}, // an odd byte out is invalid
		{"ibm037", "ibm037", "\xc1\xc2", "AB"},                // IANA only
		{"EBCDIC-CP-US", "ibm037", "\xc1", "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.in, func(t *testing.T) {
			d, err := Decode(strings.NewReader(tt.in), tt.name)
			require.NoError(t, err)
			require.Equal(t, tt.encoding, d.Encoding)
			require.Equal(t, 1.0, d.Confidence)
			got, err := io.ReadAll(d)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestDecodeUnknown(t *testing.T) {
	tests := []struct{ name, wantErr string }{
		{"klingon", `encoding "klingon": unknown encoding: expected "auto", "utf-8", "utf-16"`},
		{"iso-2022-kr", "replacement encoding"},
		{"utf-32", "cannot decode it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader("x"), tt.name)
			require.ErrorIs(t, err, ErrUnknownEncoding)
			require.ErrorContains(t, err, tt.wantErr)
			require.ErrorContains(t, err, "windows-1252")
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	for _, name := range []string{"utf-8", "auto", "utf-16"} {
		_, err := Decode(iotest.ErrReader(errBoom), name)
		require.ErrorIs(t, err, errBoom, name)
	}
}

func BenchmarkDecode(b *testing.B) {
	plain := testcsv.Orders(16 << 20)
	rows := bytes.Count(plain, []byte{'\n'})
	buf := make([]byte, 256<<10)
	latin := []byte(strings.NewReplacer("ä", "\xe4", "ß", "\xdf", "日本茶", "Tee").Replace(string(plain)))
	ascii := []byte(strings.NewReplacer("ä", "a", "ß", "ss", "日本茶", "Tee").Replace(string(plain)))
	utf16 := []byte{0xff, 0xfe}
	for _, c := range plain { // ASCII and the odd UTF-8 byte: a fair size
		utf16 = append(utf16, c, 0)
	}
	for _, bc := range []struct {
		name, encoding string
		in             []byte
	}{
		{"utf-8", "utf-8", plain},
		{"auto utf-8", "auto", plain},
		{"auto ascii", "auto", ascii}, // ASCII checked as it passes
		{"utf-8 ascii", "utf-8", ascii},
		{"windows-1252", "windows-1252", latin},
		{"auto windows-1252", "auto", latin},
		{"utf-16le", "utf-16", utf16},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				d, err := Decode(bytes.NewReader(bc.in), bc.encoding)
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
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

var errBoom = errors.New("boom")
