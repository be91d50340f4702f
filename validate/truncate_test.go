package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/issue"
)

func TestTruncateValue(t *testing.T) {
	long := strings.Repeat("x", 60<<20)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "abc", "abc"},
		{"at the limit", strings.Repeat("x", 256), strings.Repeat("x", 256)},
		{"one over", strings.Repeat("x", 257), strings.Repeat("x", 256) + "…(257 bytes)"},
		{"60 MB", long, strings.Repeat("x", 256) + "…(62914560 bytes)"},
		{"two-byte runes end on the limit", strings.Repeat("é", 200), strings.Repeat("é", 128) + "…(400 bytes)"},
		{"three-byte runes do not split", strings.Repeat("日", 100), strings.Repeat("日", 85) + "…(300 bytes)"},
		{"invalid bytes are cut as bytes", strings.Repeat("\xff", 300), strings.Repeat("\xff", 256) + "…(300 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruncateValue(tt.in)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), MaxQuotedValueBytes+len("…(18446744073709551615 bytes)"))
		})
	}
}

func TestTruncateJSONStrings(t *testing.T) {
	big := strings.Repeat("y", 1000)
	key := "k" + strings.Repeat("e", 300)
	tests := []struct {
		name, in, want string
	}{
		{"short record unchanged", `{"a": "b",  "n": 1.50}`, `{"a": "b",  "n": 1.50}`},
		{"long value cut, order, numbers and keys kept",
			`{"z":"` + big + `","a":12.50,"` + key + `":[1,"` + big + `",{"q":null,"t":true}],"e":{}, "f":[]}`,
			`{"z":"` + big[:256] + `…(1000 bytes)","a":12.50,"` + key + `":[1,"` + big[:256] + `…(1000 bytes)",{"q":null,"t":true}],"e":{},"f":[]}`},
		{"HTML not escaped", `{"a":"<b>&` + big + `"}`, `{"a":"<b>&` + big[:252] + `…(1004 bytes)"}`},
		{"not JSON left alone", `{"a":` + big, `{"a":` + big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(truncateJSONStrings([]byte(tt.in)))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRejectsAndSamplesTruncateValues(t *testing.T) {
	dir := t.TempDir()
	w, err := NewRejectWriter(dir)
	require.NoError(t, err)
	huge := strings.Repeat("z", 2<<20)
	require.NoError(t, w.Add(Reject{File: "o.csv", Line: 7, RecordID: "ORD-1", Column: "lineItem_name", Code: issue.Missing, Value: huge}))
	require.NoError(t, w.Finish(nil))
	want := strings.Repeat("z", 256) + "…(2097152 bytes)"
	rows := readRejectsCSV(t, filepath.Join(dir, RejectsCSV))
	require.Len(t, rows, 2)
	require.Equal(t, want, rows[1][6])
	b, err := os.ReadFile(filepath.Join(dir, RejectsJSON))
	require.NoError(t, err)
	var js []rejectJSON
	require.NoError(t, json.Unmarshal(b, &js))
	require.Equal(t, want, js[0].Value)
	require.Less(t, len(b), 2048)

	var k SampleKeeper
	for range 12 {
		k.Add(json.RawMessage(`{"order_id":"ORD-1","name":"` + huge + `"}`))
	}
	s := k.Samples()
	require.Len(t, s.First, 5)
	require.Len(t, s.Last, 5)
	for _, r := range append(s.First, s.Last...) {
		require.Equal(t, `{"order_id":"ORD-1","name":"`+want+`"}`, string(r))
	}
	k = SampleKeeper{}
	k.Add(json.RawMessage(huge + "{"))
	require.Equal(t, `"`+strings.Repeat("z", 256)+`…(2097153 bytes)"`, string(k.Samples().First[0]), "invalid JSON is kept as a cut string")
}
