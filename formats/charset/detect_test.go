package charset

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"ingot/internal/shareddata"
)

// encodeWith encodes UTF-8 text s in a single-byte charmap; every
// character of s must exist there.
func encodeWith(t *testing.T, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	var out []byte
	for _, r := range s {
		b, ok := cm.EncodeRune(r)
		require.True(t, ok, "%q cannot be encoded in %s", r, cm)
		out = append(out, b)
	}
	return out
}

// TestDetectSingleByte checks "auto" on texts written in each candidate
// encoding: the encoding found, and the text decoded exactly.
func TestDetectSingleByte(t *testing.T) {
	tests := []struct {
		name string
		cm   *charmap.Charmap
		text string
		want string // encoding "auto" must find
		min  float64
	}{
		{"French orders, cp1252", charmap.Windows1252,
			"orderId;name;price\no-1;Crème brûlée “maison”;12,50 €\no-2;Café au lait – grand;3,20 €\no-3;Pâté en croûte;9,90 €\n",
			EncodingWindows1252, 0.6},
		{"German, cp1252", charmap.Windows1252,
			"id,name,city\n1,Jürgen Müller,Düsseldorf\n2,Grüße aus Köln,München\n3,Straße,Göttingen\n",
			EncodingWindows1252, 0.6},
		{"Spanish with an apostrophe, cp1252", charmap.Windows1252,
			"id,name\n1,Niño’s señal\n2,Añejo rosé\n3,Jalapeño\n",
			EncodingWindows1252, 0.6},
		{"Polish, iso-8859-2", charmap.ISO8859_2,
			"id;nazwa;miasto\n1;Zażółć gęślą jaźń;Łódź\n2;Świętokrzyskie;Kraków\n3;Ślęża;Gdańsk\n",
			"iso-8859-2", 0.6},
		{"Czech, iso-8859-2", charmap.ISO8859_2,
			"id;jméno;město\n1;Příliš žluťoučký kůň;Plzeň\n2;úpěl ďábelské ódy;České Budějovice\n",
			"iso-8859-2", 0.5},
		{"Polish, windows-1250", charmap.Windows1250,
			"id;nazwa;miasto\n1;Zażółć gęślą jaźń;Łódź\n2;Świętokrzyskie;Kraków\n3;Ślęża;Gdańsk\n",
			"windows-1250", 0.6},
		{"Russian, windows-1251", charmap.Windows1251,
			"id;имя;город\n1;Пётр Чайковский;Москва\n2;Лев Толстой;Тула\n3;Привет мир;Санкт-Петербург\n",
			"windows-1251", 0.6},
		{"Russian, koi8-r", charmap.KOI8R,
			"id;имя;город\n1;Пётр Чайковский;Москва\n2;Лев Толстой;Тула\n3;Привет мир;Санкт-Петербург\n",
			"koi8-r", 0.6},
		{"one accented letter", charmap.Windows1252, "name\nJosé\n", EncodingWindows1252, 0.5},
		{"only a euro sign", charmap.Windows1252, "price\n5 €\n", EncodingWindows1252, 0.3},
		{"only NBSPs", charmap.Windows1252, "a\u00a0b\n", EncodingWindows1252, 0.3},
	}
	for _, tt := range tests {
		raw := encodeWith(t, tt.cm, tt.text)
		for shape, wrap := range readerShapes {
			t.Run(tt.name+"/"+shape, func(t *testing.T) {
				d, err := Decode(wrap(bytes.NewReader(raw)), "auto")
				require.NoError(t, err)
				require.Equal(t, tt.want, d.Encoding, "scores %v", GuessSingleByte(raw).Scores)
				require.GreaterOrEqual(t, d.Confidence, tt.min)
				require.Less(t, d.Confidence, 1.0)
				got, err := io.ReadAll(d)
				require.NoError(t, err)
				require.Equal(t, tt.text, string(got))
			})
		}
	}
}

// TestDecodeAutoLate checks the deferred decision of a sample of pure
// ASCII: the bytes read before the first non-ASCII one pass through, the
// rest is decoded as what the next bytes show, and Final says so.
func TestDecodeAutoLate(t *testing.T) {
	ascii := strings.Repeat("orderId,total\no-1,9.99\n", 4000) // > 64 KiB
	tests := []struct {
		name, tail string
		encoding   string
		want       string
	}{
		{"stays ASCII", "", EncodingUTF8, ""},
		{"windows-1252 later", "o-2,Cr\xe8me \x93br\xfbl\xe9e\x94\n", EncodingWindows1252, "o-2,Crème “brûlée”\n"},
		{"UTF-8 later", "o-2,Crème brûlée\n", EncodingUTF8, "o-2,Crème brûlée\n"},
		{"non-ASCII first byte of a read", "\xe9t\xe9\n", EncodingWindows1252, "été\n"},
	}
	for _, tt := range tests {
		for shape, wrap := range readerShapes {
			t.Run(tt.name+"/"+shape, func(t *testing.T) {
				d, err := Decode(wrap(strings.NewReader(ascii+tt.tail)), "")
				require.NoError(t, err)
				require.Equal(t, EncodingUTF8, d.Encoding)
				require.Equal(t, ConfidenceASCII, d.Confidence)
				got, err := io.ReadAll(d)
				require.NoError(t, err)
				require.Equal(t, ascii+tt.want, string(got))
				enc, conf := d.Final()
				require.Equal(t, tt.encoding, enc)
				if tt.tail == "" {
					require.Equal(t, ConfidenceASCII, conf)
				}
			})
		}
	}
}

// TestDecodeAutoLateReadError: an error reading past the first non-ASCII
// byte is returned, not swallowed.
func TestDecodeAutoLateReadError(t *testing.T) {
	ascii := strings.Repeat("a", autoSample+10)
	r := io.MultiReader(strings.NewReader(ascii+"\xe9"), iotest.ErrReader(errBoom))
	d, err := Decode(r, "auto")
	require.NoError(t, err)
	_, err = io.ReadAll(d)
	require.ErrorIs(t, err, errBoom)
}

// TestDecodeBinary: bytes with NULs (not UTF-16's) are not text: they pass
// through for the parser to refuse, rather than being read as
// windows-1252.
func TestDecodeBinary(t *testing.T) {
	in := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
	d, err := Decode(strings.NewReader(in), "auto")
	require.NoError(t, err)
	require.Equal(t, EncodingBinary, d.Encoding)
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Equal(t, in, string(got))
}

// TestGuessShort: short samples never panic and say little.
func TestGuessShort(t *testing.T) {
	for _, in := range []string{"", "\x80", "\xe9", "a\xe9", "\xe9a", "\x00\x00", "\x81\x8d\x8f\x90\x9d"} {
		g := GuessSingleByte([]byte(in))
		require.NotEmpty(t, g.Encoding, "%q", in)
		require.True(t, g.Confidence > 0 && g.Confidence < 1, "%q: %v", in, g.Confidence)
	}
}

// TestDetectSuperstoreCP1252 decodes the real re-exported Superstore
// sample (windows-1252: curly quotes 0x93/0x94, NBSP 0xA0, ü, é) with
// "auto" and compares it with the file decoded byte by byte with
// windows-1252's table.
func TestDetectSuperstoreCP1252(t *testing.T) {
	dir := shareddata.Dir()
	if dir == "" {
		t.Skip("no shared folder")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "realdata", "superstore-semicolon-cp1252", "Sample - Superstore.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("superstore-semicolon-cp1252 is absent")
	}
	require.NoError(t, err)
	var want strings.Builder
	for _, b := range raw {
		want.WriteRune(charmap.Windows1252.DecodeByte(b))
	}
	d, err := Decode(bytes.NewReader(raw), "")
	require.NoError(t, err)
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	enc, conf := d.Final()
	require.Equal(t, EncodingWindows1252, enc)
	require.GreaterOrEqual(t, conf, 0.6)
	require.Equal(t, want.String(), string(got))
	require.Contains(t, string(got), "Post-it “Important Message” Note Pad")
	require.Contains(t, string(got), "Conference\u00a0phone")
}
