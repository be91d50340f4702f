package transform

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPatternParse(t *testing.T) {
	tests := []struct {
		pattern, zone, in string
		want              string // RFC 3339 UTC, or "" when the value must fail
		at                int    // 0-based failure position, when want is ""
	}{
		{pattern: "yyyy/MM/dd HH:mm", in: "2026/04/07 14:30", want: "2026-04-07T14:30:00Z"},
		{pattern: "yyyy/MM/dd HH:mm", in: "2026/4/7 14:30", want: "2026-04-07T14:30:00Z"},
		{pattern: "yyyy/MM/dd HH:mm", in: "  2026/04/07   14:30 ", want: "2026-04-07T14:30:00Z"},
		{pattern: "yyyy/MM/dd HH:mm", in: "2026-04-07 14:30", at: 4},
		{pattern: "yyyy/MM/dd HH:mm", in: "2026/04/07 24:00", at: 11},
		{pattern: "yyyy/MM/dd HH:mm", in: "2026/04/07 14:30:00", at: 16},
		{pattern: "M/d/yy H:mm", in: "12/1/10 8:26", want: "2010-12-01T08:26:00Z"},
		{pattern: "M/d/yy H:mm", in: "12/1/2010 8:26", want: "2010-12-01T08:26:00Z"},
		{pattern: "M/d/yy H:mm", in: "1/2/99 23:59", want: "1999-01-02T23:59:00Z"},
		{pattern: "M/d/yy H:mm", in: "1/2/69 0:00", want: "2069-01-02T00:00:00Z"},
		{pattern: "M/d/yy H:mm", in: "13/1/10 8:26", at: 0},
		{pattern: "dd.MM.yyyy", in: "07.04.2026", want: "2026-04-07T00:00:00Z"},
		{pattern: "dd.MM.yyyy", in: "31.04.2026", at: 0},
		{pattern: "dd.MM.yyyy", in: "29.02.2024", want: "2024-02-29T00:00:00Z"},
		{pattern: "dd.MM.yyyy", in: "29.02.2023", at: 0},
		{pattern: "dd.MM.yyyy", in: "", at: 0},
		{pattern: "yyyyMMddHHmmss", in: "20260407143005", want: "2026-04-07T14:30:05Z"},
		{pattern: "yyyyMMdd", in: "2026047", at: 6},
		{pattern: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", in: "2026-04-07T14:30:05.123+02:00", want: "2026-04-07T12:30:05.123Z"},
		{pattern: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", in: "2026-04-07T14:30:05.123Z", want: "2026-04-07T14:30:05.123Z"},
		{pattern: "yyyy-MM-dd HH:mm:ss Z", in: "2024-03-01 10:00:00 -0500", want: "2024-03-01T15:00:00Z"},
		{pattern: "yyyy-MM-dd HH:mm:ss Z", in: "2024-03-01 10:00:00 +01", want: "2024-03-01T09:00:00Z"},
		{pattern: "yyyy-MM-dd HH:mm:ss Z", in: "2024-03-01 10:00:00", at: 19},
		{pattern: "yyyy-MM-dd HH:mm:ss.S", in: "2024-03-01 10:00:00.5", want: "2024-03-01T10:00:00.5Z"},
		{pattern: "yyyy-MM-dd HH:mm:ss.S", in: "2024-03-01 10:00:00.123456789", want: "2024-03-01T10:00:00.123456Z"},
		{pattern: "MM/dd/yyyy hh:mm a", in: "04/07/2026 02:30 PM", want: "2026-04-07T14:30:00Z"},
		{pattern: "MM/dd/yyyy hh:mm a", in: "04/07/2026 12:05 am", want: "2026-04-07T00:05:00Z"},
		{pattern: "MM/dd/yyyy hh:mm a", in: "04/07/2026 12:05 pm", want: "2026-04-07T12:05:00Z"},
		{pattern: "MM/dd/yyyy hh:mm a", in: "04/07/2026 13:05 pm", at: 11},
		{pattern: "MM/dd/yyyy hh:mm a", in: "04/07/2026 01:05 xm", at: 17},
		{pattern: "EEE, d MMM yyyy HH:mm:ss z", in: "Tue, 7 Apr 2026 14:30:00 GMT", want: "2026-04-07T14:30:00Z"},
		{pattern: "d MMMM yyyy", in: "7 april 2026", want: "2026-04-07T00:00:00Z"},
		{pattern: "d MMMM yyyy", in: "7 Sept 2026", at: 5},
		{pattern: "MMM d, yyyy", in: "Sep 7, 2026", want: "2026-09-07T00:00:00Z"},
		{pattern: "yyyy-MM-dd HH:mm", zone: "+01:00", in: "2026-04-07 14:30", want: "2026-04-07T13:30:00Z"},
		{pattern: "yyyy-MM-dd HH:mm", zone: "Europe/Paris", in: "2026-07-01 12:00", want: "2026-07-01T10:00:00Z"},
		{pattern: "yyyy-MM-dd HH:mm", zone: "Europe/Paris", in: "2026-01-01 12:00", want: "2026-01-01T11:00:00Z"},
		{pattern: "yyyy-MM-dd HH:mmZ", zone: "Europe/Paris", in: "2026-01-01 12:00Z", want: "2026-01-01T12:00:00Z"},
		{pattern: "HH:mm", in: "14:30", want: "1970-01-01T14:30:00Z"},
		{pattern: "yyyy''MM", in: "2026'04", want: "2026-04-01T00:00:00Z"},
		{pattern: "yyyy 'at' HH", in: "2026 at 07", want: "2026-01-01T07:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"|"+tc.in, func(t *testing.T) {
			p, err := CompilePattern(tc.pattern, tc.zone)
			require.NoError(t, err)
			us, at, ok := p.Parse([]byte(tc.in))
			if tc.want == "" {
				require.False(t, ok, "parsed as %s", time.UnixMicro(us).UTC())
				require.Equal(t, tc.at, at)
				return
			}
			require.True(t, ok, "failed at %d", at)
			require.Equal(t, tc.want, time.UnixMicro(us).UTC().Format(time.RFC3339Nano))
		})
	}
}

func TestPatternCompileErrors(t *testing.T) {
	tests := []struct{ pattern, zone, want string }{
		{"YYYY-MM-dd", "", `pattern "YYYY-MM-dd", column 1: Y is the week-based year; write y for the calendar year`},
		{"yyyy-MM-DD", "", `pattern "yyyy-MM-DD", column 9: D is the day of the year; write d for the day of the month`},
		{"yyyy-MM-ddTHH", "", `pattern "yyyy-MM-ddTHH", column 11: unknown pattern letter T (supported: y M d H h a m s S E Z X z; quote literal text like 'T')`},
		{"yyyy-MM-dd'T", "", `pattern "yyyy-MM-dd'T": unterminated quote at column 11`},
		{"yyyy yyyy", "", `pattern "yyyy yyyy": the same field appears twice`},
		{"HH hh", "", `pattern "HH hh": both H and h`},
		{"", "", `pattern is empty`},
		{"yyyy", "Mars/Olympus", `zone "Mars/Olympus": expected UTC, an offset like +01:00 or an IANA name like Europe/Paris: unknown time zone Mars/Olympus`},
	}
	for _, tc := range tests {
		_, err := CompilePattern(tc.pattern, tc.zone)
		require.EqualError(t, err, tc.want, tc.pattern)
	}
}

var roundTripPatterns = []string{
	"yyyy/MM/dd HH:mm", "M/d/yyyy H:mm", "dd.MM.yyyy", "yyyyMMddHHmmss", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
	"EEE, d MMM yyyy hh:mm:ss a z", "d MMMM yyyy HH:mm:ss.SSSSSS", "yy-M-d H:m:s",
}

// FuzzPattern compiles arbitrary patterns and parses arbitrary values with
// them (neither may panic), and checks that for the known patterns every
// instant formatted with the pattern parses back to itself, to the
// pattern's precision.
func FuzzPattern(f *testing.F) {
	f.Add("yyyy/MM/dd HH:mm", "2026/04/07 14:30", int64(1712491800_000000))
	f.Add("M/d/yy H:mm", "12/1/10 8:26", int64(0))
	f.Add("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2026-04-07T14:30:05.123+02:00", int64(-86400_000000*365*100))
	f.Add("'", "''", int64(1))
	f.Add("EEE MMMM a z Z", "Mon May AM UTC +99", int64(253402300799_000000))
	f.Fuzz(func(t *testing.T, pattern, value string, micros int64) {
		if p, err := CompilePattern(pattern, ""); err == nil {
			if _, at, ok := p.Parse([]byte(value)); !ok && (at < 0 || at > len(value)) {
				t.Fatalf("failure position %d outside %q", at, value)
			}
		}
		// Years 1970–2069 keep yy unambiguous.
		const lo, hi = int64(0), int64(3155760000_000000)
		micros = lo + (micros%(hi-lo)+(hi-lo))%(hi-lo)
		for _, src := range roundTripPatterns {
			p, err := CompilePattern(src, "")
			require.NoError(t, err)
			text := p.Append(nil, micros)
			got, at, ok := p.Parse(text)
			require.True(t, ok, "%s: %q failed at %d", src, text, at)
			require.Equal(t, truncate(src, micros), got, "%s: %q", src, text)
		}
	})
}

// truncate drops what pattern src does not write of micros.
func truncate(src string, micros int64) int64 {
	switch src {
	case "yyyy/MM/dd HH:mm", "M/d/yyyy H:mm":
		return micros - micros%60_000000
	case "dd.MM.yyyy":
		return micros - micros%86400_000000
	case "yyyy-MM-dd'T'HH:mm:ss.SSSXXX":
		return micros - micros%1000
	case "d MMMM yyyy HH:mm:ss.SSSSSS":
		return micros
	}
	return micros - micros%1_000000
}
