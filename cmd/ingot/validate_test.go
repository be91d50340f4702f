package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot"
	"ingot/validate"
)

func transformsFixture(name string) string {
	return filepath.Join("..", "..", "testdata", "transforms", name)
}

// TestValidateCommand: without sources the spec is linted; with them the
// files are pre-processed and validated, the report written and nothing
// committed, with import's exit codes.
func TestValidateCommand(t *testing.T) {
	spec := transformsFixture("mapping.yaml")
	code, out, _ := cli(t, "validate", "--spec", spec)
	require.Equal(t, 0, code)
	require.Contains(t, out, "ok (1 import(s): customers)")

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("kind: customers\nsource: {uri: a.csv}\nmapping:\n  - {attribute: a, header: b, type: colour}\n"), 0o644))
	code, _, errOut := cli(t, "validate", "--spec", bad)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "bad.yaml:4:")

	dest, rd := t.TempDir(), t.TempDir()
	code, out, _ = cli(t, "validate", "--spec", spec, "--dest", dest, "--report-dir", rd, "--json", "--quiet", transformsFixture("customers_mapped.csv"))
	require.Equal(t, 0, code)
	var rep validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, validate.StatusDryRun, rep.Status)
	require.Equal(t, int64(3), rep.Counts.Rejected)
	rejects, err := os.ReadFile(filepath.Join(rd, validate.RejectsCSV))
	require.NoError(t, err)
	require.Equal(t, 7, strings.Count(string(rejects), "\n"), "the header and six rejects")
	_, err = os.Stat(filepath.Join(dest, "_ingot"))
	require.True(t, os.IsNotExist(err), "nothing written to the warehouse")

	code, _, errOut = cli(t, "validate", "--spec", spec, "--dest", dest, "--report-dir", t.TempDir(), "--quiet",
		transformsFixture("customers_mapped.csv"), transformsFixture("customers_ragged.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "customers_ragged.csv: line 3 (byte 86): expected 8 fields, found 3")
}

// TestPreviewCommand: per mapped attribute its header and first three
// values after the mapping's value maps and fallbacks, as text and JSON.
func TestPreviewCommand(t *testing.T) {
	code, out, _ := cli(t, "preview", transformsFixture("customers_mapped.csv"), "--spec", transformsFixture("mapping.yaml"), "--json")
	require.Equal(t, 0, code)
	var cols []ingot.PreviewColumn
	require.NoError(t, json.Unmarshal([]byte(out), &cols))
	require.Len(t, cols, 8)
	require.Equal(t, ingot.PreviewColumn{Attribute: "tier", Header: "Level", Values: []string{"gold", "silver", "gold"}}, cols[3])
	require.Equal(t, ingot.PreviewColumn{Attribute: "city", Header: "Town", Values: []string{"Berlin", "Unknown", "Madrid"}}, cols[1])

	code, out, _ = cli(t, "preview", transformsFixture("customers_mapped.csv"), "--spec", transformsFixture("mapping.yaml"))
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 9)
	require.Regexp(t, `^ATTRIBUTE +HEADER +VALUE 1 +VALUE 2 +VALUE 3$`, lines[0])
	require.Regexp(t, `^tier +Level +gold +silver +gold$`, lines[4])

	code, _, errOut := cli(t, "preview", transformsFixture("customers_no_level.csv"), "--spec", transformsFixture("mapping.yaml"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `the header "Level" of attribute "tier" is not in the file`)
}
