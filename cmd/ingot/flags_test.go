package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadFlagsExit2 runs ingot import with one bad flag, spec or
// argument at a time: each exits 2 before anything moves, with a message
// naming the flag (or the spec's file, line and column), and writes
// nothing: no warehouse, no report, no dry-run folder in the working
// directory.
func TestBadFlagsExit2(t *testing.T) {
	dir := t.TempDir()
	badKey := writeFile(t, dir, "bad-key.yaml", "imports:\n  - kind: orders\n    source: "+abs(t, fixture("basic.csv"))+"\n    encodin: latin1\n")
	badEnc := writeFile(t, dir, "bad-enc.yaml", "imports:\n  - kind: orders\n    source:\n      path: "+abs(t, fixture("basic.csv"))+"\n      encoding: klingon\n")
	badYAML := writeFile(t, dir, "bad-yaml.yaml", "imports:\n  - kind: orders\n   format: [\n")
	src := fixture("basic.csv")
	for _, c := range []struct {
		name string
		args []string // after "import"
		want []string // in stderr
	}{
		{"encoding", []string{"orders", src, "--encoding", "bogus"}, []string{"--encoding", `"bogus"`, "unknown encoding"}},
		{"max-rejected", []string{"orders", src, "--max-rejected", "12x"}, []string{"--max-rejected", `"12x"`}},
		{"negative max-rejected", []string{"orders", src, "--max-rejected", "-5"}, []string{"--max-rejected", `"-5"`}},
		{"format", []string{"orders", src, "--format", "nope"}, []string{`format "nope"`, "kevel-csv"}},
		{"format of another kind", []string{"orders", src, "--format", "csv"}, []string{`format "csv"`}},
		{"kind", []string{"invoices", src}, []string{`kind "invoices"`}},
		{"delimiter", []string{"orders", src, "--delimiter", "ab"}, []string{"--delimiter", `"ab"`}},
		{"batch-rows", []string{"orders", src, "--batch-rows", "-1"}, []string{"--batch-rows", "-1"}},
		{"batch-rows not a number", []string{"orders", src, "--batch-rows", "many"}, []string{"--batch-rows", `"many"`}},
		{"workers", []string{"orders", src, "--workers", "-3"}, []string{"--workers", "-3"}},
		{"max-record-bytes", []string{"orders", src, "--max-record-bytes", "-1"}, []string{"--max-record-bytes"}},
		{"max-field-bytes", []string{"orders", src, "--max-field-bytes", "-1"}, []string{"--max-field-bytes"}},
		{"max-columns", []string{"orders", src, "--max-columns", "-1"}, []string{"--max-columns"}},
		{"max-decompressed-bytes", []string{"orders", src, "--max-decompressed-bytes", "-1"}, []string{"--max-decompressed-bytes"}},
		{"on-ragged", []string{"customers", src, "--on-ragged", "zz"}, []string{"--on-ragged", `"zz"`}},
		{"merge", []string{"customers", src, "--merge", "zz"}, []string{"--merge", `"zz"`}},
		{"order-id", []string{"orders", src, "--format", "kevel-csv", "--order-id", "Name"}, []string{"kevel-csv", "record key"}},
		{"dest scheme", []string{"orders", src, "--dest", "gs://bucket/wh"}, []string{"--dest", "gs://bucket/wh", "s3://bucket/prefix"}},
		{"dest with a secret", []string{"orders", src, "--dest", "gs://user:hunter2@bucket/wh"}, []string{"--dest", "REDACTED"}},
		{"log-level", []string{"orders", src, "--log-level", "loud"}, []string{"--log-level", `"loud"`}},
		{"log-format", []string{"orders", src, "--log-format", "xml"}, []string{"--log-format", `"xml"`}},
		{"unknown flag", []string{"orders", src, "--fast"}, []string{"unknown flag: --fast"}},
		{"missing value", []string{"orders", src, "--user-id-type"}, []string{"--user-id-type"}},
		{"no source", []string{"orders"}, []string{"expected KIND and at least one SOURCE"}},
		{"no match", []string{"orders", filepath.Join(dir, "none-*.csv")}, []string{"none-*.csv"}},
		{"spec and report", []string{"--spec", badKey, "--from-report", "r.json"}, []string{"--spec and --from-report"}},
		{"spec unknown key", []string{"--spec", badKey}, []string{badKey + ":4:5", "encodin"}},
		{"spec bad encoding", []string{"--spec", badEnc}, []string{badEnc + ":5:17", "klingon"}},
		{"spec bad yaml", []string{"--spec", badYAML}, []string{badYAML + ":", "YAML syntax"}},
		{"spec missing", []string{"--spec", filepath.Join(dir, "absent.yaml")}, []string{"absent.yaml"}},
		{"from-report missing", []string{"--from-report", filepath.Join(dir, "absent.json")}, []string{"--from-report", "absent.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "wh")
			reports := t.TempDir()
			cwd, err := os.Getwd()
			require.NoError(t, err)
			before := snapshot(t, cwd)
			// The case's own arguments come last, so that a flag missing
			// its value is the last one.
			var common []string
			if c.name != "dest scheme" && c.name != "dest with a secret" {
				common = append(common, "--dest", dest)
			}
			args := append(append([]string{"import", "--report-dir", reports}, common...), c.args...)
			code, out, errs := cli(t, args...)
			require.Equal(t, exitUsage, code, "stdout: %s\nstderr: %s", out, errs)
			for _, w := range c.want {
				require.Contains(t, errs, w)
			}
			require.NotContains(t, errs, "hunter2")
			require.Empty(t, out)
			require.NoDirExists(t, dest, "nothing written to the destination")
			entries, err := os.ReadDir(reports)
			require.NoError(t, err)
			require.Empty(t, entries, "no report written")
			require.Equal(t, before, snapshot(t, cwd), "nothing written in the working directory")

			// The same with --dry-run, which would write its report into a
			// fresh folder of the working directory.
			code, _, errs = cli(t, append(append([]string{"import", "--dry-run"}, common...), c.args...)...)
			require.Equal(t, exitUsage, code, errs)
			require.Equal(t, before, snapshot(t, cwd), "a refused dry run writes no folder")
		})
	}
}
