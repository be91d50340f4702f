package commit

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func openTestStore(t *testing.T) *LocalStore {
	t.Helper()
	s, err := OpenLocal(filepath.Join(t.TempDir(), "warehouse"))
	require.NoError(t, err)
	return s
}

func TestLocalStorePublish(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		exclusive bool
		existing  bool
		wantErr   error
		want      string
	}{
		{name: "new", want: "new data"},
		{name: "replace", existing: true, want: "new data"},
		{name: "exclusive new", exclusive: true, want: "new data"},
		{name: "exclusive taken", exclusive: true, existing: true, wantErr: ErrExists, want: "old data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			const p = "orders/created_month=2020-09/part-x-1.parquet"
			if tc.existing {
				require.NoError(t, s.PutIfAbsent(ctx, p, []byte("old data")))
			}
			w, err := s.Create(ctx, p, tc.exclusive)
			require.NoError(t, err)
			_, err = io.WriteString(w, "new data")
			require.NoError(t, err)
			require.Equal(t, int64(8), w.Size())

			// Nothing new is visible before Close.
			files, err := s.List(ctx, "orders/")
			require.NoError(t, err)
			if tc.existing {
				require.Equal(t, []string{p}, files)
			} else {
				require.Empty(t, files)
			}

			err = w.Close()
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorContains(t, err, p)
			} else {
				require.NoError(t, err)
			}
			got, err := s.ReadFile(ctx, p)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			requireNoTemporaries(t, s)
			require.Error(t, w.Close(), "second Close")
		})
	}
}

func requireNoTemporaries(t *testing.T, s *LocalStore) {
	t.Helper()
	err := filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		require.NotContains(t, d.Name(), TempPrefix, "left behind: %s", p)
		return nil
	})
	require.NoError(t, err)
}

func TestLocalStoreAbort(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	w, err := s.Create(ctx, "a/b.parquet", false)
	require.NoError(t, err)
	_, err = w.Write([]byte("partial"))
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	require.NoError(t, w.Abort(), "Abort twice")
	_, err = s.ReadFile(ctx, "a/b.parquet")
	require.ErrorIs(t, err, fs.ErrNotExist)
	requireNoTemporaries(t, s)
	_, err = w.Write([]byte("more"))
	require.Error(t, err)
	require.Error(t, w.Close())
}

func TestLocalStorePutIfAbsentRace(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	const writers = 8
	for round := range 5 {
		p := ManifestPath(int64(round + 1))
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				errs[i] = s.PutIfAbsent(ctx, p, []byte{byte('a' + i)})
			})
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, won, "two writers won %s", p)
				won = i
				continue
			}
			require.ErrorIs(t, err, ErrExists)
		}
		require.NotEqual(t, -1, won, "nobody won %s", p)
		got, err := s.ReadFile(ctx, p)
		require.NoError(t, err)
		require.Equal(t, []byte{byte('a' + won)}, got)
	}
	requireNoTemporaries(t, s)
}

func TestLocalStoreList(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	for _, p := range []string{
		"orders/created_month=2020-10/part-a-2.parquet",
		"orders/created_month=2020-09/part-a-1.parquet",
		"line_items/created_month=2020-09/part-a-3.parquet",
		"_ingot/log/00000000000000000001.json",
	} {
		require.NoError(t, s.PutIfAbsent(ctx, p, []byte("x")))
	}
	// A writer in progress leaves a temporary next to the files.
	w, err := s.Create(ctx, "orders/created_month=2020-09/part-a-9.parquet", false)
	require.NoError(t, err)
	defer func() { require.NoError(t, w.Abort()) }()

	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"orders/", []string{
			"orders/created_month=2020-09/part-a-1.parquet",
			"orders/created_month=2020-10/part-a-2.parquet",
		}},
		{"orders/created_month=2020-1", []string{"orders/created_month=2020-10/part-a-2.parquet"}},
		{"_ingot/log/", []string{"_ingot/log/00000000000000000001.json"}},
		{"", []string{
			"_ingot/log/00000000000000000001.json",
			"line_items/created_month=2020-09/part-a-3.parquet",
			"orders/created_month=2020-09/part-a-1.parquet",
			"orders/created_month=2020-10/part-a-2.parquet",
		}},
		{"customers/", nil},
	} {
		got, err := s.List(ctx, tc.prefix)
		require.NoError(t, err, tc.prefix)
		require.Equal(t, tc.want, got, tc.prefix)
	}
}

func TestLocalStoreSweep(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "warehouse")
	s, err := OpenLocal(dir)
	require.NoError(t, err)
	stale, err := s.Create(ctx, "orders/created_month=2020-09/part-a-1.parquet", false)
	require.NoError(t, err)
	fresh, err := s.Create(ctx, "orders/created_month=2020-09/part-a-2.parquet", false)
	require.NoError(t, err)
	defer func() { require.NoError(t, fresh.Abort()) }()
	staleName := stale.(*localFile).f.Name()
	freshName := fresh.(*localFile).f.Name()
	old := time.Now().Add(-2 * StaleTempAge)
	require.NoError(t, os.Chtimes(staleName, old, old))

	_, err = OpenLocal(dir) // a later run
	require.NoError(t, err)
	_, err = os.Stat(staleName)
	require.ErrorIs(t, err, fs.ErrNotExist, "stale temporary not swept")
	_, err = os.Stat(freshName)
	require.NoError(t, err, "a write in progress was swept")
	require.Error(t, stale.Close(), "publishing a swept file")
}

func TestLocalStorePaths(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	for _, p := range []string{"", ".", "/abs", "../up", "a/../b", "a//b", "a/.tmp-x", "a/"} {
		_, err := s.Create(ctx, p, false)
		require.Error(t, err, "%q", p)
		_, err = s.ReadFile(ctx, p)
		require.Error(t, err, "%q", p)
	}
	require.Equal(t, filepath.Join(s.Dir(), "a", "b.parquet"), s.LocalPath("a/b.parquet"))

	err := s.Remove(ctx, "missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, s.PutIfAbsent(ctx, "x/y", []byte("1")))
	r, err := s.Open(ctx, "x/y")
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, "1", string(b))
	require.NoError(t, s.Remove(ctx, "x/y"))
	_, err = s.Open(ctx, "x/y")
	require.True(t, errors.Is(err, fs.ErrNotExist))

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Create(cctx, "x/z", false)
	require.ErrorIs(t, err, context.Canceled)
}

func TestLocalStoreLink(t *testing.T) {
	ctx := context.Background()
	st, err := OpenLocal(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, st.PutIfAbsent(ctx, "tmp/spool.zst", []byte("events")))
	require.NoError(t, st.Link(ctx, "tmp/spool.zst", "_ingot/events/00000000000000000001.jsonl.zst"))
	got, err := st.ReadFile(ctx, "_ingot/events/00000000000000000001.jsonl.zst")
	require.NoError(t, err)
	require.Equal(t, "events", string(got))
	require.ErrorIs(t, st.Link(ctx, "tmp/spool.zst", "_ingot/events/00000000000000000001.jsonl.zst"), ErrExists)
	require.ErrorIs(t, st.Link(ctx, "tmp/missing", "x/y"), fs.ErrNotExist)
	require.Error(t, st.Link(ctx, "tmp/spool.zst", "../escape"))
}
