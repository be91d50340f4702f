package issue_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats/json"
	"ingot/issue"
)

// TestJSONCodesMatchReader keeps the repeated table of the JSON reader's
// codes in step with the reader's own.
func TestJSONCodesMatchReader(t *testing.T) {
	infos := json.CodeInfos()
	require.NotEmpty(t, infos)
	for _, ci := range infos {
		got := issue.InfoOf(ci.Code)
		require.Equal(t, ci.Name, got.Name, "code %d", ci.Code)
		require.Equal(t, ci.Error, got.Severity == issue.Error, "code %s", ci.Name)
		require.Equal(t, ci.Hint, got.Hint, "code %s", ci.Name)
	}
	require.Equal(t, issue.JSONSyntax, json.CodeSyntax)
	require.Contains(t, issue.Codes(), json.CodeTooManyKeys)
}
