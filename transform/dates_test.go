package transform

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDateExpr evaluates every kind of fallback expression against fixed
// clocks: a Wednesday afternoon in January (month ends, weekdays on both
// sides) and a Monday at the end of a leap February.
func TestDateExpr(t *testing.T) {
	wed := time.Date(2026, 1, 28, 15, 4, 5, 0, time.UTC) // Wednesday
	// The same instant seen from another zone must give the same answers:
	// expressions are evaluated in UTC.
	wedTokyo := wed.In(time.FixedZone("JST", 9*3600))
	mon := time.Date(2028, 2, 28, 23, 30, 0, 0, time.UTC) // Monday, leap year
	tests := []struct {
		expr string
		now  time.Time
		want string
	}{
		{"2026-04-07", wed, "2026-04-07T00:00:00Z"},
		{"2026-04-07T14:30:00Z", wed, "2026-04-07T14:30:00Z"},
		{"2026-04-07T14:30:00+02:00", wed, "2026-04-07T12:30:00Z"},
		{"Apr 7, 2026", wed, "2026-04-07T00:00:00Z"},
		{"April 7, 2026", wed, "2026-04-07T00:00:00Z"},
		{"7 Apr 2026", wed, "2026-04-07T00:00:00Z"},
		{"@1712491800", wed, "2024-04-07T12:10:00Z"},
		{"today", wed, "2026-01-28T00:00:00Z"},
		{"today", wedTokyo, "2026-01-28T00:00:00Z"},
		{"Today", wed, "2026-01-28T00:00:00Z"},
		{"tomorrow", wed, "2026-01-29T00:00:00Z"},
		{"yesterday", wed, "2026-01-27T00:00:00Z"},
		{"now", wed, "2026-01-28T15:04:05Z"},
		{"+1 day", wed, "2026-01-29T15:04:05Z"},
		{"+1day", wed, "2026-01-29T15:04:05Z"},
		{"-1 day", wed, "2026-01-27T15:04:05Z"},
		{"+2 days", wed, "2026-01-30T15:04:05Z"},
		{"-1 week", wed, "2026-01-21T15:04:05Z"},
		{"+1 week", wed, "2026-02-04T15:04:05Z"},
		{"+1 month", wed, "2026-02-28T15:04:05Z"},
		{"+1 month", mon, "2028-03-28T23:30:00Z"},
		{"-1 month", wed, "2025-12-28T15:04:05Z"},
		{"+1 month", time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC), "2026-02-28T08:00:00Z"},
		{"+1 year", time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC), "2029-02-28T08:00:00Z"},
		{"+13 months", wed, "2027-02-28T15:04:05Z"},
		{"+1 year", wed, "2027-01-28T15:04:05Z"},
		{"-1 year", mon, "2027-02-28T23:30:00Z"},
		{"+3 hours", wed, "2026-01-28T18:04:05Z"},
		{"-30 minutes", wed, "2026-01-28T14:34:05Z"},
		{"tomorrow 10:00", wed, "2026-01-29T10:00:00Z"},
		{"today 23:59:59", wed, "2026-01-28T23:59:59Z"},
		{"+1 day 14:00", wed, "2026-01-29T14:00:00Z"},
		{"monday", wed, "2026-02-02T00:00:00Z"},
		{"wednesday", wed, "2026-01-28T00:00:00Z"},
		{"monday", mon, "2028-02-28T00:00:00Z"},
		{"next monday 09:00", wed, "2026-02-02T09:00:00Z"},
		{"next monday", mon, "2028-03-06T00:00:00Z"},
		{"next wednesday", wed, "2026-02-04T00:00:00Z"},
		{"last friday", wed, "2026-01-23T00:00:00Z"},
		{"last wednesday", wed, "2026-01-21T00:00:00Z"},
		{"last monday", mon, "2028-02-21T00:00:00Z"},
		{"last fri", wed, "2026-01-23T00:00:00Z"},
		{"first day of this month", wed, "2026-01-01T00:00:00Z"},
		{"last day of this month", wed, "2026-01-31T00:00:00Z"},
		{"first day of next month", wed, "2026-02-01T00:00:00Z"},
		{"last day of next month", wed, "2026-02-28T00:00:00Z"},
		{"last day of next month", time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), "2028-01-31T00:00:00Z"},
		{"last day of this month", mon, "2028-02-29T00:00:00Z"},
		{"first day of last month", wed, "2025-12-01T00:00:00Z"},
		{"last day of last month 18:00", wed, "2025-12-31T18:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := ParseDateExpr(tc.expr)
			require.NoError(t, err)
			require.Equal(t, tc.want, e.Eval(tc.now).Format(time.RFC3339))
			require.Equal(t, tc.expr, e.String())
		})
	}
}

func TestDateExprStatic(t *testing.T) {
	e, err := ParseDateExpr("2026-04-07")
	require.NoError(t, err)
	require.True(t, e.Static())
	e, err = ParseDateExpr("today")
	require.NoError(t, err)
	require.False(t, e.Static())
}

func TestDateExprErrors(t *testing.T) {
	for _, s := range []string{"", "soon", "+1 fortnight", "1 day", "+ day", "next", "next month",
		"first day of the month", "2026-13-01", "today 25:00 x", "+1 hour 10:00", "@12x", "last day of next year"} {
		_, err := ParseDateExpr(s)
		require.Error(t, err, s)
	}
	_, err := ParseDateExpr("soon")
	require.EqualError(t, err, `date expression "soon": expected a date (2026-04-07, Apr 7, 2026, @1712491800), `+
		`today, tomorrow, yesterday, now, +N day|week|month|year, a weekday, next or last WEEKDAY, `+
		`or first|last day of this|next|last month, optionally followed by HH:MM`)
}

func TestFormatFallback(t *testing.T) {
	at := time.Date(2026, 4, 7, 14, 30, 0, 0, time.UTC)
	s, err := FormatFallback(AttrDate, at)
	require.NoError(t, err)
	require.Equal(t, "2026-04-07", s)
	s, err = FormatFallback(AttrDatetime, at)
	require.NoError(t, err)
	require.Equal(t, "2026-04-07T14:30:00Z", s)
	_, err = FormatFallback(AttrNumeric, at)
	require.Error(t, err)
}
