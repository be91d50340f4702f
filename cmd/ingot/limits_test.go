package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/validate"
)

// TestLimitFlags checks that the limit flags reach the reader and that a
// file over a limit fails cleanly with nothing committed.
func TestLimitFlags(t *testing.T) {
	dest := t.TempDir()
	r := importJSON(t, 1, fixture("basic.csv"), "--dest", dest, "--max-columns", "3")
	require.Equal(t, validate.StatusFailed, r.Status)
	require.Contains(t, r.Files[0].Error, "too many columns: the header has more than 3 columns")
	require.Zero(t, r.Version)

	r = importJSON(t, 1, fixture("basic.csv"), "--dest", dest, "--max-field-bytes", "8")
	require.Contains(t, r.Files[0].Error, "field too long")

	code, _, errs := cli(t, "import", "orders", fixture("basic.csv"), "--format", "kevel-csv", "--dest", dest, "--max-field-bytes", "-1")
	require.Equal(t, 2, code, errs)
}

// TestGzipPaddingAndGarbage imports a gzip padded with zeros to a tape
// block (accepted, as gzip(1) does) and one with bytes appended (refused
// as corrupt_archive, nothing committed).
func TestGzipPaddingAndGarbage(t *testing.T) {
	plain, err := os.ReadFile(fixture("basic.csv"))
	require.NoError(t, err)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, err = w.Write(plain)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	dir := t.TempDir()
	padded := filepath.Join(dir, "padded.csv.gz")
	require.NoError(t, os.WriteFile(padded, append(bytes.Clone(gz.Bytes()), make([]byte, 10240-gz.Len()%10240)...), 0o644))
	garbage := filepath.Join(dir, "garbage.csv.gz")
	require.NoError(t, os.WriteFile(garbage, append(bytes.Clone(gz.Bytes()), "oops\n"...), 0o644))

	dest := t.TempDir()
	r := importJSON(t, 1, garbage, "--dest", dest)
	require.Contains(t, r.Files[0].Error, "garbage.csv.gz: corrupt_archive: gzip: truncated or corrupt input")
	require.Contains(t, r.Files[0].Error, "trailing garbage after the last gzip member")
	require.Zero(t, r.Version)

	r = importJSON(t, 0, padded, "--dest", dest)
	require.Equal(t, validate.StatusCompleted, r.Status)
	require.Equal(t, int64(7), r.Counts.Rows)
	require.Equal(t, "gzip", r.Files[0].Compression)
}
