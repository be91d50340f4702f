package charset

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"ingot/internal/shareddata"
)

// FuzzDecode feeds arbitrary bytes to the charset layer under each way of
// naming an encoding: it must never panic or hang, must hand out valid
// UTF-8 for every encoding but the pass-through utf-8, and must pass
// utf-8 through unchanged but for a leading BOM.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("../testdata/charset/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	shareddata.AddSeeds(f, shareddata.Corpus("csvlint-fixtures"))
	shareddata.AddSeeds(f, shareddata.Corpus("JSONTestSuite/test_parsing", "utf16.json", "UTF-16.json", "BOM.json", "UTF8_BOM_no_data.json"))
	f.Add([]byte("\xef\xbb\xbfa,b\n"))
	f.Add([]byte("\xff\xfea\x00,\x00b\x00"))
	f.Add([]byte("\xfe\xff\x00a"))
	f.Add([]byte("caf\xe9 \x80\x9f"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, enc := range []string{"", "utf-8", "auto", "utf-16", "utf-16be", "windows-1252", "shift_jis", "iso-8859-15"} {
			d, err := Decode(bytes.NewReader(in), enc)
			require.NoError(t, err, enc)
			out, err := io.ReadAll(d)
			require.NoError(t, err, enc)
			final, conf := d.Final()
			require.True(t, conf > 0 && conf <= 1, "confidence %v", conf)
			switch {
			case enc == "utf-8":
				want := bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))
				require.Equal(t, want, out, "utf-8 passes through")
			case (final == "utf-8" || final == EncodingBinary) && !d.BOM:
				require.Equal(t, in, out, "auto: utf-8 and binary pass through")
			case final != "utf-8":
				require.True(t, utf8.Valid(out), "%s gives valid UTF-8", final)
			}
		}
	})
}
