package commit

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeRaw puts bytes at a store path as a damaged writer or a hand edit
// would, bypassing PutManifest.
func writeRaw(t *testing.T, s *LocalStore, p string, b []byte) {
	t.Helper()
	require.NoError(t, s.PutIfAbsent(context.Background(), p, b))
}

func manifestJSON(t *testing.T, m *Manifest) []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	return b
}

func TestReadLogTolerant(t *testing.T) {
	good := func(v int64) []byte { return manifestJSON(t, testManifest(v)) }
	edited := func(v int64, edit func(*Manifest)) []byte {
		m := testManifest(v)
		edit(m)
		return manifestJSON(t, m)
	}
	tests := []struct {
		name string
		bad  []byte // the manifest of version 2
		msg  string
	}{
		{"torn in the middle", good(2)[:200], "unexpected end of JSON input"},
		{"torn to nothing", []byte{}, "empty file"},
		{"zeros after a crash", make([]byte, 512), "invalid character"},
		{"hand edit breaks the syntax", []byte(strings.Replace(string(good(2)), `"rows": 10,`, `"rows": 10,,`, 1)), "invalid character ','"},
		{"another version inside", good(5), "expected version 2, found 5"},
		{"a path leaving the warehouse", edited(2, func(m *Manifest) { m.Files[0].Path = "../../etc/passwd" }), `files[0]: commit: invalid store path "../../etc/passwd"`},
		{"an absolute path", edited(2, func(m *Manifest) { m.Files[1].Path = "/etc/passwd" }), `files[1]: commit: invalid store path "/etc/passwd"`},
		{"a temporary path", edited(2, func(m *Manifest) { m.Files[0].Path = "orders/.tmp-1-part.parquet" }), "temporary prefix"},
		{"negative rows", edited(2, func(m *Manifest) { m.Files[0].Rows = -1 }), "expected a table and counts >= 0"},
		{"no table", edited(2, func(m *Manifest) { m.Files[0].Table = "" }), "expected a table"},
		{"bad events path", edited(2, func(m *Manifest) { m.Events = "_ingot/../../x" }), "events: commit: invalid store path"},
		{"trailing garbage", append(good(2), []byte("}}")...), "invalid character '}' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTestStore(t)
			writeRaw(t, s, ManifestPath(1), good(1))
			writeRaw(t, s, ManifestPath(2), tt.bad)
			writeRaw(t, s, ManifestPath(3), good(3))

			log, problems, err := ReadLogTolerant(ctx, s)
			require.NoError(t, err)
			require.Len(t, log, 2)
			require.Equal(t, int64(1), log[0].Version)
			require.Equal(t, int64(3), log[1].Version)
			require.Len(t, problems, 1)
			require.Equal(t, ManifestPath(2), problems[0].Path)
			require.Equal(t, int64(2), problems[0].Version)
			require.Equal(t, int64(len(tt.bad)), problems[0].Size)
			require.ErrorIs(t, problems[0], ErrBadManifest)
			require.ErrorContains(t, problems[0], tt.msg)

			// Writers get an error naming the file and the way out.
			_, err = ReadLog(ctx, s)
			require.ErrorIs(t, err, ErrBadManifest)
			var be *BadLogError
			require.ErrorAs(t, err, &be)
			require.ErrorContains(t, err, "_ingot/log/00000000000000000002.json: manifest cannot be trusted: ")
			require.ErrorContains(t, err, "Run `ingot repair --dest "+s.URI()+"`")
		})
	}
}

func TestSalvageReferences(t *testing.T) {
	full := manifestJSON(t, testManifest(4))
	r := SalvageReferences(full[:len(full)*2/3])
	require.Equal(t, "imp-1", r.ImportID)
	require.Equal(t, []string{
		"orders/created_month=2020-09/part-imp-1-1.parquet",
		"line_items/created_month=2020-09/part-imp-1-2.parquet",
	}, r.Paths, "the events line is past the tear")
	r = SalvageReferences(full)
	require.Len(t, r.Paths, 3)
	require.Equal(t, EventsPath(4, "imp"), r.Paths[2])
	require.Empty(t, SalvageReferences([]byte(`{"path": "unterminated`)).Paths)
	require.Empty(t, SalvageReferences(make([]byte, 64)).Paths)
}

func TestRepair(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	require.NoError(t, PutManifest(ctx, s, testManifest(1)))
	torn := manifestJSON(t, testManifest(2))
	torn = torn[:len(torn)*2/3]
	writeRaw(t, s, ManifestPath(2), torn)
	writeRaw(t, s, "orders/created_month=2020-09/part-imp-1-1.parquet", []byte("PAR1 data PAR1"))
	writeRaw(t, s, EventsPath(2, "imp"), []byte("segment"))

	items, err := PlanRepair(ctx, s, now)
	require.NoError(t, err)
	require.Len(t, items, 1)
	it := items[0]
	require.Equal(t, ManifestPath(2), it.Problem.Path)
	require.Equal(t, "imp-1", it.Refs.ImportID)
	require.Equal(t, []int64{14, -1}, it.Sizes, "one part is there, the other missing")
	require.Equal(t, []string{EventsPath(2, "imp")}, it.Segments)
	require.Equal(t, "_ingot/quarantine/00000000000000000002.json.20261201T230000Z", it.To)
	_, err = os.Stat(s.LocalPath(ManifestPath(2)))
	require.NoError(t, err, "planning changes nothing")

	require.NoError(t, ApplyRepair(ctx, s, items))
	log, err := ReadLog(ctx, s)
	require.NoError(t, err, "the log can be trusted again")
	require.Len(t, log, 1)
	b, err := s.ReadFile(ctx, it.To)
	require.NoError(t, err)
	require.Equal(t, torn, b, "the damaged manifest is kept, byte for byte")
	items, err = PlanRepair(ctx, s, now)
	require.NoError(t, err)
	require.Empty(t, items)
	require.NoError(t, ApplyRepair(ctx, s, []RepairItem{it}), "a second apply finds it gone and does nothing")
}
