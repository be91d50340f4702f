package commit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/schema"
)

func TestVacuum(t *testing.T) {
	const (
		a = "20261201T100000Z-aaaaaa" // committed
		b = "20261201T110000Z-bbbbbb" // crashed before its manifest
		c = "20261201T120000Z-cccccc" // still running: one fresh spool
		d = "20261201T130000Z-dddddd" // failed, with its report
		e = "20261201T140000Z-eeeeee" // crashed a minute ago
		q = "20261201T150000Z-qqqqqq" // its manifest was quarantined by repair
	)
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	old, fresh := 2*time.Hour, time.Minute
	part := func(id string, n int) string {
		return "orders/created_month=2020-09/part-" + id + "-" + string(rune('0'+n)) + ".parquet"
	}
	files := []struct {
		path string
		age  time.Duration
		kind string // "" when vacuum must keep it
	}{
		{part(a, 1), old, ""},
		{part(a, 2), old, ""},
		{EventsPath(1, a), old, ""},
		{"_ingot/reports/" + a + "/report.json", old, ""},
		{"_ingot/reports/" + a + "/rejects.csv", old, ""},
		{part(a, 3), old, GarbageData},
		{"orders/created_month=2020-09/.tmp-123-" + part(b, 1)[len("orders/created_month=2020-09/"):], old, GarbageTemporary},
		{part(b, 1), old, GarbageData},
		{"line_items/created_month=2020-09/part-" + b + "-2.parquet", old, GarbageData},
		{EventsPath(2, b), old, GarbageSegment},
		{"_ingot/tmp/" + b + "/events-0-0.jsonl.zst", old, GarbageSpool},
		{"_ingot/reports/" + b + "/.rejects-42.spool", old, ""}, // listed as its folder
		{"_ingot/reports/" + b + "/.rejects.csv.tmp-7", old, ""},
		{part(c, 1), old, ""},
		{EventsPath(3, c), old, ""},
		{"_ingot/tmp/" + c + "/events-0-0.jsonl.zst", fresh, ""},
		{"_ingot/reports/" + c + "/.rejects-1.spool", old, ""},
		{"_ingot/reports/" + d + "/report.json", old, ""},
		{"_ingot/reports/" + d + "/rejects.csv", old, ""},
		{part(e, 1), fresh, ""},
		{"orders/.tmp-fresh", fresh, ""},
		{part(q, 1), old, ""},
		{"orders/README.txt", old, ""},
		{"_ingot/log/notes.txt", old, ""},
		{"_ingot/other/x", old, ""},
	}
	ctx := context.Background()
	s := openTestStore(t)
	m := testManifest(1)
	m.ImportID = a
	m.Files = []FileInfo{{Table: schema.Orders, Path: part(a, 1), Rows: 1, Bytes: 5}, {Table: schema.Orders, Path: part(a, 2), Rows: 1, Bytes: 5}}
	m.Events = EventsPath(1, a)
	require.NoError(t, PutManifest(ctx, s, m))
	qm := testManifest(9)
	qm.Files = []FileInfo{{Table: schema.Orders, Path: part(q, 1), Rows: 1}}
	qb := manifestJSON(t, qm)
	require.NoError(t, s.PutIfAbsent(ctx, QuarantineDir+"00000000000000000009.json.20261201T160000Z", qb[:len(qb)-20]))
	want := map[string]string{}
	for _, f := range files {
		lp := s.LocalPath(f.path)
		require.NoError(t, os.MkdirAll(filepath.Dir(lp), 0o777))
		require.NoError(t, os.WriteFile(lp, []byte("0123456789"), 0o666))
		require.NoError(t, os.Chtimes(lp, now.Add(-f.age), now.Add(-f.age)))
		if f.kind != "" {
			want[f.path] = f.kind
		}
	}
	want["_ingot/reports/"+b+"/"] = GarbageReportFolder

	clock := func() time.Time { return now }
	g, err := FindGarbage(ctx, s, VacuumOptions{Now: clock})
	require.NoError(t, err)
	got := map[string]string{}
	for _, x := range g {
		got[x.Path] = x.Kind
		if x.Kind == GarbageReportFolder {
			require.Equal(t, int64(20), x.Bytes, "a folder's size is the sum of its files")
		} else {
			require.Equal(t, int64(10), x.Bytes)
		}
		require.True(t, x.ModTime.Before(now.Add(-time.Hour)))
	}
	require.Equal(t, want, got)

	// A shorter quiet time takes the recent crash too, never a named file.
	g2, err := FindGarbage(ctx, s, VacuumOptions{Now: clock, OlderThan: 30 * time.Second})
	require.NoError(t, err)
	got2 := map[string]bool{}
	for _, x := range g2 {
		got2[x.Path] = true
	}
	for _, p := range []string{part(c, 1), "_ingot/tmp/" + c + "/events-0-0.jsonl.zst", part(e, 1), "orders/.tmp-fresh", EventsPath(3, c)} {
		require.True(t, got2[p], p)
	}
	for _, p := range []string{part(a, 1), part(a, 2), EventsPath(1, a), part(q, 1), "orders/README.txt", "_ingot/log/notes.txt"} {
		require.False(t, got2[p], p)
	}

	require.NoError(t, RemoveGarbage(ctx, s, g))
	for _, f := range files {
		_, err := os.Stat(s.LocalPath(f.path))
		if f.kind != "" || filepath.Dir(f.path) == "_ingot/reports/"+b {
			require.ErrorIs(t, err, os.ErrNotExist, f.path)
		} else {
			require.NoError(t, err, f.path)
		}
	}
	_, err = os.Stat(s.LocalPath("_ingot/tmp/" + b))
	require.ErrorIs(t, err, os.ErrNotExist, "an empty spool folder goes too")
	_, err = os.Stat(s.LocalPath("_ingot/tmp/" + c))
	require.NoError(t, err, "a running import's spool folder stays")
	g, err = FindGarbage(ctx, s, VacuumOptions{Now: clock})
	require.NoError(t, err)
	require.Empty(t, g)
	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	require.Len(t, log, 1)
}

func TestVacuumRefusesUntrustedLog(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	writeRaw(t, s, ManifestPath(1), []byte(`{"version": 1, "files": [`))
	_, err := FindGarbage(ctx, s, VacuumOptions{})
	require.ErrorIs(t, err, ErrVacuumBadLog)
	require.ErrorContains(t, err, "run `ingot repair --dest ")
}

func TestVacuumRemoveRefusesOddPaths(t *testing.T) {
	s := openTestStore(t)
	err := RemoveGarbage(context.Background(), s, []Garbage{{Path: "../x"}, {Path: ManifestPath(1)}, {Path: "/etc/passwd"}})
	require.ErrorContains(t, err, `refusing to remove "../x"`)
	require.ErrorContains(t, err, `refusing to remove "_ingot/log/00000000000000000001.json"`)
	require.ErrorContains(t, err, `refusing to remove "/etc/passwd"`)
}
