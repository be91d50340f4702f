package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
)

// TestDamagedManifest tears the manifest of version 2 and checks that
// log and sql keep working on version 1 with a warning, that an import
// refuses naming the file and the way out, and that repair shows what the
// manifest referenced and, with --apply, moves it aside so imports work
// again.
func TestDamagedManifest(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	importJSON(t, 0, fixture("changed.csv"), "--dest", dest)
	mpath := filepath.Join(dest, filepath.FromSlash(commit.ManifestPath(2)))
	b, err := os.ReadFile(mpath)
	require.NoError(t, err)
	torn := b[:len(b)/2]
	require.NoError(t, os.WriteFile(mpath, torn, 0o644))

	code, out, errs := cli(t, "log", "--dest", dest)
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "ingot: warning: skipped")
	require.Contains(t, errs, "version 2: _ingot/log/00000000000000000002.json: manifest cannot be trusted: unexpected end of JSON input")
	require.Contains(t, errs, "`ingot repair --dest "+dest+"`")
	require.Contains(t, out, "committed  1 ", "version 1 is listed")
	require.NotContains(t, out, "committed  2 ", "version 2 is skipped")

	code, out, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT max(version) FROM orders_history")
	require.Equal(t, 0, code, errs)
	require.Contains(t, errs, "version 2: _ingot/log/00000000000000000002.json: manifest cannot be trusted")
	require.Contains(t, out, "\n1\n")

	code, _, errs = cli(t, "import", "orders", fixture("basic.csv"), "--format", "kevel-csv", "--dest", dest, "--quiet")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "_ingot/log/00000000000000000002.json: manifest cannot be trusted")
	require.Contains(t, errs, "Run `ingot repair --dest "+dest+"`")

	code, out, errs = cli(t, "repair", "--dest", dest)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "_ingot/log/00000000000000000002.json (version 2, ")
	require.Contains(t, out, "names (as far as it can be read):")
	require.Contains(t, out, ".parquet  ")
	require.Contains(t, out, "would move it to _ingot/quarantine/00000000000000000002.json.")
	require.Contains(t, out, "nothing changed; run again with --apply")
	_, err = os.Stat(mpath)
	require.NoError(t, err, "without --apply nothing moves")

	code, out, errs = cli(t, "repair", "--dest", dest, "--apply")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "moved to _ingot/quarantine/")
	_, err = os.Stat(mpath)
	require.ErrorIs(t, err, os.ErrNotExist)
	q, err := filepath.Glob(filepath.Join(dest, "_ingot", "quarantine", "00000000000000000002.json.*"))
	require.NoError(t, err)
	require.Len(t, q, 1)
	kept, err := os.ReadFile(q[0])
	require.NoError(t, err)
	require.Equal(t, torn, kept)

	code, out, _ = cli(t, "repair", "--dest", dest)
	require.Equal(t, 0, code)
	require.Contains(t, out, "nothing to repair")
	r := importJSON(t, 0, fixture("changed.csv"), "--dest", dest)
	require.Equal(t, int64(2), r.Version, "the import runs again on top of version 1")
}

func TestVacuumCommand(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	// What a crash leaves: a part no manifest names, a spool, a temporary.
	old := time.Now().Add(-2 * time.Hour)
	left := []string{
		"orders/created_month=2020-09/part-20261201T000000Z-dead00-1.parquet",
		"_ingot/tmp/20261201T000000Z-dead00/events-0-0.jsonl.zst",
		"orders/created_month=2020-09/.tmp-99-part-20261201T000000Z-dead00-2.parquet",
	}
	for _, p := range left {
		lp := filepath.Join(dest, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(lp), 0o777))
		require.NoError(t, os.WriteFile(lp, []byte("crash"), 0o666))
		require.NoError(t, os.Chtimes(lp, old, old))
	}
	code, out, errs := cli(t, "vacuum", "--dest", dest)
	require.Equal(t, 0, code, errs)
	for _, p := range left {
		require.Contains(t, out, p)
	}
	require.Contains(t, out, "unreferenced_data")
	require.Contains(t, out, "3 item(s), 15 bytes; nothing removed")

	code, out, _ = cli(t, "vacuum", "--dest", dest, "--older-than", "3h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "nothing to remove")

	code, out, errs = cli(t, "vacuum", "--dest", dest, "--apply")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "removed 3 item(s), 15 bytes")
	for _, p := range left {
		_, err := os.Stat(filepath.Join(dest, filepath.FromSlash(p)))
		require.ErrorIs(t, err, os.ErrNotExist)
	}
	require.Len(t, sqlRows(t, dest, "SELECT * FROM orders"), 4, "the committed data is untouched")

	code, _, errs = cli(t, "vacuum", "--dest", dest, "--older-than", "0s")
	require.Equal(t, 2, code, errs)
}

// TestDamagedManifestVariants damages the newest manifest in the ways a
// crash or a hand edit does — zeros where the data was, trailing bytes,
// valid JSON naming another version, a path outside the warehouse, an
// empty file — and checks each time that ingot log and ingot sql work on
// version 1 and say they skipped version 2, writing nothing, and that an
// import refuses, naming the file and ingot repair, writing nothing to the
// warehouse.
func TestDamagedManifestVariants(t *testing.T) {
	dest := t.TempDir()
	importJSON(t, 0, fixture("basic.csv"), "--dest", dest)
	importJSON(t, 0, fixture("changed.csv"), "--dest", dest)
	mpath := filepath.Join(dest, filepath.FromSlash(commit.ManifestPath(2)))
	good, err := os.ReadFile(mpath)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		bad  func([]byte) []byte
	}{
		{"zeros", func(b []byte) []byte { return make([]byte, len(b)) }},
		{"empty", func([]byte) []byte { return nil }},
		{"trailing bytes", func(b []byte) []byte { return append(slices.Clone(b), "}garbage"...) }},
		{"another version", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version": 2`), []byte(`"version": 7`), 1)
		}},
		{"a path outside the warehouse", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"path": "orders/`), []byte(`"path": "../../etc/orders/`), 1)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := c.bad(good)
			require.NotEqual(t, good, bad)
			require.NoError(t, os.WriteFile(mpath, bad, 0o644))
			defer func() { require.NoError(t, os.WriteFile(mpath, good, 0o644)) }()
			before := snapshot(t, dest)

			code, out, errs := cli(t, "log", "--dest", dest)
			require.Equal(t, 0, code, errs)
			require.Contains(t, errs, "skipped")
			require.Contains(t, errs, "version 2: _ingot/log/00000000000000000002.json: manifest cannot be trusted")
			require.Contains(t, out, "committed  1 ")
			require.NotContains(t, out, "committed  2 ")
			code, out, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT max(version) FROM orders_history")
			require.Equal(t, 0, code, errs)
			require.Contains(t, errs, "version 2: _ingot/log/00000000000000000002.json")
			require.Contains(t, out, "\n1\n")
			require.Equal(t, before, snapshot(t, dest), "reading commands write nothing")

			code, _, errs = cli(t, "import", "orders", fixture("nonseq.csv"), "--format", "kevel-csv", "--dest", dest, "--quiet")
			require.Equal(t, exitFailed, code, errs)
			require.Contains(t, errs, "_ingot/log/00000000000000000002.json: manifest cannot be trusted")
			require.Contains(t, errs, "ingot repair --dest "+dest)
			// Only its failed report, which says why, is written.
			reports := filepath.Join(dest, "_ingot", "reports")
			outside := func(snap []string) []string {
				return slices.DeleteFunc(snap, func(s string) bool { return strings.HasPrefix(s, reports) })
			}
			require.Equal(t, outside(before), outside(snapshot(t, dest)), "the refused import changed no data")
		})
	}
}
