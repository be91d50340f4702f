package validate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSummaryAlreadyCommitted: a file skipped as already committed is
// counted as such, not as ok or failed, and its message is shown.
func TestSummaryAlreadyCommitted(t *testing.T) {
	r := &Report{Kind: "orders", Format: "kevel-csv", Status: StatusCompleted, Files: []FileReport{
		{URI: "a.csv", Status: FileAlreadyCommitted, CommittedVersion: 3, Message: "already committed as version 3 (a source with the same sha256)"},
		{URI: "b.csv", Status: FileOK, Rows: 7},
		{URI: "c.csv", Status: FileFailed, Error: "line 1: bad header"},
	}}
	var b strings.Builder
	r.WriteSummary(&b)
	require.Contains(t, b.String(), "files: 3 (1 ok, 1 failed, 1 already committed)")
	require.Contains(t, b.String(), "already committed as version 3")
}
