package commit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/schema"
)

func testManifest(v int64) *Manifest {
	return &Manifest{
		Version:     v,
		ImportID:    "imp-1",
		CommittedAt: time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC),
		Kind:        "orders",
		Format:      "kevel-csv",
		Files: []FileInfo{
			{Table: schema.Orders, Path: "orders/created_month=2020-09/part-imp-1-1.parquet", Partition: "2020-09", Rows: 10, Bytes: 1234},
			{Table: schema.LineItems, Path: "line_items/created_month=2020-09/part-imp-1-2.parquet", Partition: "2020-09", Rows: 25, Bytes: 2345},
		},
		Events:  EventsPath(v, "imp"),
		Sources: []SourceInfo{{URI: "file:///in/orders.csv", SHA256: "ab12", Bytes: 999}},
		Counts:  map[string]int64{"rows": 25, "added": 10},
	}
}

func TestPaths(t *testing.T) {
	require.Equal(t, "_ingot/log/00000000000000000007.json", ManifestPath(7))
	require.Equal(t, "_ingot/events/00000000000000000007-20261123T014512Z-3f9a1c.jsonl.zst", EventsPath(7, "20261123T014512Z-3f9a1c"))
	v, ok := parseVersion(ManifestPath(123456), LogDir, manifestSuffix)
	require.True(t, ok)
	require.Equal(t, int64(123456), v)
	for _, p := range []string{"_ingot/log/7.json", "_ingot/log/0000000000000000000x.json", "_ingot/log/00000000000000000000.json", "_ingot/events/00000000000000000001.json"} {
		_, ok := parseVersion(p, LogDir, manifestSuffix)
		require.False(t, ok, p)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	require.Empty(t, log)

	// Written out of order; read back in order. Non-manifest files are ignored.
	for _, v := range []int64{2, 1, 3} {
		require.NoError(t, PutManifest(ctx, s, testManifest(v)))
	}
	require.NoError(t, s.PutIfAbsent(ctx, LogDir+"README.txt", []byte("not a manifest")))
	log, err = ReadLog(ctx, s)
	require.NoError(t, err)
	require.Len(t, log, 3)
	for i, m := range log {
		require.Equal(t, *testManifest(int64(i + 1)), m)
	}

	err = PutManifest(ctx, s, testManifest(2))
	require.ErrorIs(t, err, ErrExists)
	require.ErrorContains(t, err, ManifestPath(2))
	require.ErrorContains(t, PutManifest(ctx, s, testManifest(0)), "version > 0")
}

func TestNextVersion(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		manifests []int64
		segments  []int64
		want      int64
	}{
		{name: "empty", want: 1},
		{name: "manifests", manifests: []int64{1, 2}, segments: []int64{1, 2}, want: 3},
		// A segment without manifest (a writer in flight, or crashed) is
		// no claim: the next version is still the one after the log.
		{name: "dangling segment", manifests: []int64{1, 2}, segments: []int64{1, 2, 3}, want: 3},
		{name: "gap", manifests: []int64{1, 5}, want: 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			for _, v := range tc.manifests {
				require.NoError(t, PutManifest(ctx, s, testManifest(v)))
			}
			for _, v := range tc.segments {
				require.NoError(t, s.PutIfAbsent(ctx, EventsPath(v, "imp"), []byte{}))
			}
			log, err := ReadLog(ctx, s)
			require.NoError(t, err)
			require.Equal(t, tc.want, NextVersion(log))
		})
	}
}

func TestFindImport(t *testing.T) {
	log := []Manifest{{Version: 1, ImportID: "a"}, {Version: 2, ImportID: "b"}}
	m, ok := FindImport(log, "b")
	require.True(t, ok)
	require.Equal(t, int64(2), m.Version)
	_, ok = FindImport(log, "c")
	require.False(t, ok)
}

func TestReadLogErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, content, want string
	}{
		{name: "not json", content: `{"version": 2,`, want: "unexpected end of JSON input"},
		{name: "wrong type", content: `{"version": "two"}`, want: "cannot unmarshal"},
		{name: "other version", content: `{"version": 3}`, want: "expected version 2, found 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			require.NoError(t, PutManifest(ctx, s, testManifest(1)))
			require.NoError(t, s.PutIfAbsent(ctx, ManifestPath(2), []byte(tc.content)))
			_, err := ReadLog(ctx, s)
			require.ErrorContains(t, err, ManifestPath(2))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
