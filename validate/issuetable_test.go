package validate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/issue"
)

func TestIssueTableRows(t *testing.T) {
	var tab IssueTable // the zero value is ready
	require.Empty(t, tab.Rows(10))

	tab.Add("total", issue.NotANumber, 3)
	tab.Add("currency", issue.Missing, 3)
	tab.Add("total", issue.TotalMismatch, 50) // a warning: after every error
	tab.Add("userId", issue.InvalidUserID, 1)
	tab.Add("total", issue.NotANumber, 2) // known pair
	tab.Add("", issue.FieldCount, 4)      // row level

	var other IssueTable
	other.Add("userId", issue.InvalidUserID, 1)
	other.Add("lineItem_status", issue.BadEnum, 1)
	tab.Merge(&other)

	got := tab.Rows(300)
	want := []IssueRow{
		{Column: "total", Code: "not_a_number", Severity: issue.Error, Count: 5, Percent: 1.67},
		{Column: "", Code: "field_count", Severity: issue.Error, Count: 4, Percent: 1.33},
		{Column: "currency", Code: "missing", Severity: issue.Error, Count: 3, Percent: 1},
		{Column: "userId", Code: "invalid_user_id", Severity: issue.Error, Count: 2, Percent: 0.67},
		{Column: "lineItem_status", Code: "bad_value", Severity: issue.Error, Count: 1, Percent: 0.33},
		{Column: "total", Code: "total_mismatch", Severity: issue.Warning, Count: 50, Percent: 16.67},
	}
	require.Len(t, got, len(want))
	for i := range want {
		require.NotEmpty(t, got[i].Hint, "hint of %s", got[i].Code)
		got[i].Hint = ""
		require.Equal(t, want[i], got[i], "row %d", i)
	}
	require.Equal(t, int64(5), tab.Count("total", issue.NotANumber))
	require.Zero(t, tab.Count("total", issue.Missing))
	require.Equal(t, 6, tab.Len())

	// Zero records: no division by zero.
	for _, r := range tab.Rows(0) {
		require.Zero(t, r.Percent)
	}
}

func TestIssueTableAddIssues(t *testing.T) {
	var is columnar.Issues
	is.Add(0, 1, issue.NotANumber, 0)
	is.Add(3, columnar.RowLevel, issue.FieldCount, 40)
	is.Add(4, 1, issue.NotANumber, 0)
	is.Add(5, 7, issue.Missing, 0) // column out of range: counted as row level
	var tab IssueTable
	tab.AddIssues(&is, []string{"orderId", "total"})
	require.Equal(t, int64(2), tab.Count("total", issue.NotANumber))
	require.Equal(t, int64(1), tab.Count("", issue.FieldCount))
	require.Equal(t, int64(1), tab.Count("", issue.Missing))
}

func TestIssueTableAddAllocs(t *testing.T) {
	var tab IssueTable
	cols := []string{"total", "currency", "userId"}
	for _, c := range cols {
		tab.Add(c, issue.NotANumber, 1)
		tab.Add(c, issue.Missing, 1)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, c := range cols {
			tab.Add(c, issue.NotANumber, 1) // alternating pairs: the map path
			tab.Add(c, issue.Missing, 1)
			tab.Add(c, issue.Missing, 1) // a run: the shortcut
		}
	})
	require.Zero(t, allocs)
}

func BenchmarkIssueTableAddIssues(b *testing.B) {
	var is columnar.Issues
	names := []string{"orderId", "total", "currency", "userId", "createdAt"}
	codes := []columnar.Code{issue.NotANumber, issue.Missing, issue.BadCurrency, issue.InvalidUserID, issue.BadTimestamp}
	for i := range 6000 {
		is.Add(i, i%len(names), codes[(i/3)%len(codes)], 0)
	}
	var tab IssueTable
	b.ReportAllocs()
	for b.Loop() {
		tab.AddIssues(&is, names)
	}
	b.ReportMetric(float64(is.Len()*b.N)/b.Elapsed().Seconds(), "issues/s")
}
