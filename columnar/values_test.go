package columnar

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12", 12, true}, {"12.50", 12.5, true}, {" -0.5 ", -0.5, true}, {"+3", 3, true},
		{".5", 0.5, true}, {"5.", 5, true}, {"1e3", 1000, true}, {"1.5E-2", 0.015, true},
		{"0.1", 0.1, true}, {"123456789012345", 123456789012345, true},
		{"1234567890123456789", 1234567890123456789, true}, {"0.30000000000000004", 0.30000000000000004, true},
		{"", 0, false}, {" ", 0, false}, {"n/a", 0, false}, {"12,50", 0, false}, {"€19.99", 0, false},
		{"1,234.50", 0, false}, {"0x1p3", 0, false}, {"1_000", 0, false}, {"NaN", 0, false},
		{"Inf", 0, false}, {"1e", 0, false}, {"1e+", 0, false}, {"-", 0, false}, {".", 0, false},
		{"1.2.3", 0, false}, {"1e400", 0, false}, {"12 50", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseDecimal([]byte(tc.in))
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

// FuzzParseDecimal checks the fast path against strconv.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12.50", "-0.001", "99999999999999.9", "1e3", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDecimal([]byte(s))
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(string(TrimSpace([]byte(s))), 64)
		require.NoError(t, err)
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), s)
	})
}

func TestParseInteger(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"3", 3, true}, {" 12 ", 12, true}, {"12.0", 12, true}, {"-7", -7, true}, {"+7", 7, true},
		{"9223372036854775807", math.MaxInt64, true}, {"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"12.5", 0, false}, {"two", 0, false}, {"", 0, false},
		{"1e3", 0, false}, {"-", 0, false}, {".0", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseInteger([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "TRUE": true, " True ": true, "yes": true, "1": true,
		"false": false, "No": false, "0": false, "FALSE": false} {
		v, ok := ParseBool([]byte(in))
		require.True(t, ok, in)
		require.Equal(t, want, v, in)
	}
	for _, in := range []string{"", "t", "f", "y", "n", "2", "truth", "nope"} {
		_, ok := ParseBool([]byte(in))
		require.False(t, ok, in)
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 of the expected instant, "" = invalid
	}{
		{"2020-09-16T10:38:06+0100", "2020-09-16T09:38:06Z"},
		{"2020-09-16T10:38:06+01:00", "2020-09-16T09:38:06Z"},
		{"2020-09-16T10:38:06-05", "2020-09-16T15:38:06Z"},
		{"2020-09-16T10:38:06Z", "2020-09-16T10:38:06Z"},
		{"2020-09-16 10:38:06", "2020-09-16T10:38:06Z"},
		{"2020-09-16T10:38", "2020-09-16T10:38:00Z"},
		{"2020-09-16T10:38:06.123456789Z", "2020-09-16T10:38:06.123456Z"},
		{"2020-09-16T10:38:06,5+02:00", "2020-09-16T08:38:06.5Z"},
		{"2020-09-16", "2020-09-16T00:00:00Z"},
		{"2020-01-01T00:30:00+0100", "2019-12-31T23:30:00Z"},
		{"2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"},
		{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
		{" 2020-09-16T10:38:06Z ", "2020-09-16T10:38:06Z"},
		{"2021-03-04 10:11:12 +0100", "2021-03-04T09:11:12Z"}, // Shopify
		{"2025-05-11 09:55:16 -0400", "2025-05-11T13:55:16Z"},
		{"2021-03-04 10:11:12  +0100", ""}, {"2021-03-04 10:11:12 Z", ""}, {"2021-03-04 10:11:12 ", "2021-03-04T10:11:12Z"},
		{"2023-02-29T12:00:00Z", ""}, {"2020-13-01", ""}, {"2020-09-16T24:00:00Z", ""},
		{"18/10/2020 02:58", ""}, {"2020-09-16T10:38:06+", ""}, {"2020-09-16T10:38:06 UTC", ""},
		{"2020-09-16T10:38:06.Z", ""}, {"2020-9-16", ""}, {"", ""}, {"2020-09-16X10:38", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			us, ok := ParseTimestamp([]byte(tc.in))
			if tc.want == "" {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			want, err := time.Parse(time.RFC3339Nano, tc.want)
			require.NoError(t, err)
			require.Equal(t, want.UnixMicro(), us)
			require.Equal(t, tc.want, string(AppendTimestamp(nil, us)))
		})
	}
}

// FuzzJSONNumber checks that every float reads back exactly.
func FuzzJSONNumber(f *testing.F) {
	f.Add(12.5)
	f.Add(-0.07)
	f.Add(1e300)
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		var back float64
		require.NoError(t, json.Unmarshal(AppendJSONNumber(nil, x), &back))
		require.Equal(t, x, back)
	})
}

// FuzzTimestampRoundTrip checks the calendar arithmetic against package
// time over any instant.
func FuzzTimestampRoundTrip(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1600249086123456))
	f.Add(int64(-1))
	f.Fuzz(func(t *testing.T, us int64) {
		us %= 253402300799999999 // up to 9999-12-31
		tm := time.UnixMicro(us).UTC()
		if tm.Year() < 0 {
			return
		}
		got := string(AppendTimestamp(nil, us))
		back, ok := ParseTimestamp([]byte(got))
		require.True(t, ok, got)
		require.Equal(t, us, back)
		require.Equal(t, int32(tm.Year()*100+int(tm.Month())), Month(us))
		require.Equal(t, tm.Format("2006-01"), string(AppendMonth(nil, Month(us))))
	})
}

func TestAppendJSON(t *testing.T) {
	for _, s := range []string{"plain", `he said "hi"`, "back\\slash", "line\nbreak\r\t", "ctl\x01\x1f", "日本 ß é 🙂", ""} {
		var back string
		require.NoError(t, json.Unmarshal(AppendJSONString(nil, []byte(s)), &back))
		require.Equal(t, s, back)
	}
	for _, tc := range []struct {
		f    float64
		want string
	}{{0, "0"}, {12.5, "12.5"}, {-0.01, "-0.01"}, {1e20, "1e+20"}, {123456789.25, "123456789.25"},
		{3, "3"}, {-7, "-7"}, {math.Nextafter(0.3, 1), "0.30000000000000004"}, {19.99, "19.99"}, {1e-7, "1e-07"}} {
		got := AppendJSONNumber(nil, tc.f)
		require.Equal(t, tc.want, string(got))
		var back float64
		require.NoError(t, json.Unmarshal(got, &back))
		require.Equal(t, tc.f, back)
	}
}

func TestKeyMap(t *testing.T) {
	var m KeyMap[int]
	for i := range 5000 {
		_, existed := m.Put(KeyOfString(strconv.Itoa(i)), i)
		require.False(t, existed)
	}
	old, existed := m.Put(KeyOfString("42"), -1)
	require.True(t, existed)
	require.Equal(t, 42, old)
	require.Equal(t, 5000, m.Len())
	for i := range 5000 {
		v, ok := m.Get(KeyOfString(strconv.Itoa(i)))
		require.True(t, ok)
		if i != 42 {
			require.Equal(t, i, v)
		}
	}
	_, ok := m.Get(KeyOfString("nope"))
	require.False(t, ok)
	n := 0
	m.Range(func(Key, int) bool { n++; return true })
	require.Equal(t, 5000, n)
}

// FuzzAppendJSONString checks the escaping, fast path included, against
// encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	f.Add("plain ascii text, long enough for words")
	f.Add("with \"quotes\" and \\ backslashes\n\t\x01")
	f.Add("日本語 é ß 🙂 12345678")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var back string
		require.NoError(t, json.Unmarshal(AppendJSONString(nil, []byte(s)), &back))
		require.Equal(t, s, back)
	})
}
