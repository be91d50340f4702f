package formats

import (
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/formats/source"
)

func TestCrossEngageNames(t *testing.T) {
	for _, tc := range []struct {
		name, key, err string
	}{
		{"event_history_20201001120000.json", "20201001120000", ""},
		{"event_history_20201001120000.json.zip", "20201001120000", ""},
		{"event_history_20201001120000.json.gz", "", "named event_history_YYYYMMDDHHMMSS.json or .json.zip"},
		{"event_history_2020100112000.json", "", "named event_history_YYYYMMDDHHMMSS.json"},
		{"Event_History_20201001120000.json", "", "named event_history_YYYYMMDDHHMMSS.json"},
		{"event_history_20201301120000.json", "", "expected a valid UTC date and time YYYYMMDDHHMMSS"},
		{"event_history_20201001250000.json", "", "expected a valid UTC date and time YYYYMMDDHHMMSS"},
	} {
		key, err := CrossEngageSourceName(tc.name)
		if tc.err != "" {
			require.ErrorIs(t, err, ErrSourceName, tc.name)
			require.ErrorContains(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.key, key)
	}
	us, ok := CrossEngageFileTime("event_history_20201002090000.json.zip")
	require.True(t, ok)
	require.Equal(t, int64(1601629200)*1_000_000, us)

	require.NoError(t, ZipEntryNamedAsArchive("event_history_20201001120000.json.zip", "event_history_20201001120000.json"))
	require.ErrorContains(t, ZipEntryNamedAsArchive("event_history_20201001120000.json.zip", "dir/event_history_20201001120000.json"),
		`to hold one file named "event_history_20201001120000.json", found "dir/event_history_20201001120000.json"`)
	require.ErrorContains(t, ZipEntryNamedAsArchive("event_history_20201001120000.json", "x.json"), "named as the file it holds plus .zip")
}

func TestSortSources(t *testing.T) {
	obj := func(uri string) source.Object {
		return source.Object{URI: uri, Name: uri[len("d/"):]}
	}
	objs := []source.Object{obj("d/event_history_20201003000000.json"), obj("d/bad.json"), obj("d/event_history_20201001000000.json.zip"),
		{URI: source.StdinURI, Name: "stdin"}, obj("d/event_history_20201002000000.json"), obj("d/worse.json")}
	var got []string
	for _, o := range SortSources(CrossEngageJSON, objs) {
		got = append(got, o.URI)
	}
	require.Equal(t, []string{source.StdinURI, "d/event_history_20201001000000.json.zip", "d/event_history_20201002000000.json",
		"d/event_history_20201003000000.json", "d/bad.json", "d/worse.json"}, got)
	// By name; a format without a rule keeps the order given.
	got = got[:0]
	for _, o := range SortSources(RelatedDigital, []source.Object{obj("d/b.csv"), obj("d/a.csv"), obj("d/c.csv")}) {
		got = append(got, o.Name)
	}
	require.Equal(t, []string{"a.csv", "b.csv", "c.csv"}, got)
	require.Equal(t, objs, SortSources(KevelCSV, objs))
}

func TestMaxFields(t *testing.T) {
	for _, tc := range []struct {
		in   string
		end  bool
		want int
	}{
		{"a;b;c\na\n", false, 3},
		{"a;b\na;b;c;d", false, 2},
		{"a;b\na;b;c;d", true, 4},
		{"a;\"x;y\";c\n", false, 3},
		{"a;\"x\n;y\"\"\";c;d\n", false, 4},
		{"a;x\";y;c\n", false, 4}, // a quote inside a field quotes nothing
		{"", true, 1},
	} {
		require.Equal(t, tc.want, maxFields([]byte(tc.in), ';', tc.end), "%q", tc.in)
	}
}
