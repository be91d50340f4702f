package commit

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/internal/s3conf"
	"ingot/internal/s3test"
	"ingot/schema"
)

// openS3TestStore starts a fake S3 on 127.0.0.1 and opens the store
// s3://wh/prefix on it through OpenStore and the environment, as the CLI
// will.
func openS3TestStore(t *testing.T, opt StoreOptions) (*S3Store, *s3test.Server) {
	t.Helper()
	srv := s3test.Start(t, "wh")
	srv.Env(t)
	st, err := OpenStore(context.Background(), "s3://wh/prefix", opt)
	require.NoError(t, err)
	s, ok := st.(*S3Store)
	require.True(t, ok, "OpenStore(s3://) gave %T", st)
	return s, srv
}

func TestOpenStoreChooses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := OpenStore(ctx, dir, StoreOptions{})
	require.NoError(t, err)
	require.IsType(t, &LocalStore{}, st)
	st, err = OpenStore(ctx, "file://"+dir, StoreOptions{})
	require.NoError(t, err)
	require.Equal(t, dir, st.(*LocalStore).Dir())
	_, err = OpenStore(ctx, "gs://bucket/x", StoreOptions{})
	require.ErrorContains(t, err, "expected a local directory or s3://bucket/prefix")
	_, err = OpenStore(ctx, "s3://", StoreOptions{})
	require.ErrorContains(t, err, "no bucket")
}

func TestS3StoreBasics(t *testing.T) {
	ctx := context.Background()
	s, srv := openS3TestStore(t, StoreOptions{})
	require.Equal(t, "", s.LocalPath("a/b"))
	require.Equal(t, "s3://wh/prefix", s.URI())

	// Create, not exclusive, replaces; exclusive refuses.
	for _, body := range []string{"one", "two"} {
		w, err := s.Create(ctx, "t/a.txt", false)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
		require.EqualValues(t, len(body), w.Size())
		require.NoError(t, w.Close())
		got, err := s.ReadFile(ctx, "t/a.txt")
		require.NoError(t, err)
		require.Equal(t, body, string(got))
	}
	w, err := s.Create(ctx, "t/a.txt", true)
	require.NoError(t, err)
	_, err = w.Write([]byte("three"))
	require.NoError(t, err)
	require.ErrorIs(t, w.Close(), ErrExists)
	require.Error(t, w.Close(), "a second Close")

	// An aborted file never appears.
	w, err = s.Create(ctx, "t/b.txt", true)
	require.NoError(t, err)
	_, err = w.Write([]byte("gone"))
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	_, err = s.ReadFile(ctx, "t/b.txt")
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = s.Open(ctx, "t/b.txt")
	require.ErrorIs(t, err, fs.ErrNotExist)

	// List by string prefix, sorted, relative to the store's prefix;
	// objects outside the prefix are not seen.
	for _, p := range []string{"t/c.txt", "t2/d.txt", "_ingot/log/00000000000000000001.json"} {
		require.NoError(t, s.PutIfAbsent(ctx, p, []byte(p)))
	}
	_, err = srv.Backend.PutObject("wh", "other/x.txt", nil, bytes.NewReader([]byte("x")), 1, nil)
	require.NoError(t, err)
	_, err = srv.Backend.PutObject("wh", "prefixed/x.txt", nil, bytes.NewReader([]byte("x")), 1, nil)
	require.NoError(t, err)
	got, err := s.List(ctx, "t")
	require.NoError(t, err)
	require.Equal(t, []string{"t/a.txt", "t/c.txt", "t2/d.txt"}, got)
	got, err = s.List(ctx, "t/")
	require.NoError(t, err)
	require.Equal(t, []string{"t/a.txt", "t/c.txt"}, got)
	got, err = s.List(ctx, "nothing/")
	require.NoError(t, err)
	require.Empty(t, got)

	// Link is a put-if-absent server-side copy.
	require.NoError(t, s.Link(ctx, "t/c.txt", "t/linked.txt"))
	b, err := s.ReadFile(ctx, "t/linked.txt")
	require.NoError(t, err)
	require.Equal(t, "t/c.txt", string(b))
	require.ErrorIs(t, s.Link(ctx, "t/a.txt", "t/linked.txt"), ErrExists)
	b, err = s.ReadFile(ctx, "t/linked.txt")
	require.NoError(t, err)
	require.Equal(t, "t/c.txt", string(b), "a refused link must not replace")
	require.ErrorIs(t, s.Link(ctx, "t/missing.txt", "t/new.txt"), fs.ErrNotExist)

	// Remove.
	require.NoError(t, s.Remove(ctx, "t/linked.txt"))
	_, err = s.ReadFile(ctx, "t/linked.txt")
	require.ErrorIs(t, err, fs.ErrNotExist)

	// Paths are checked as in the local store.
	_, err = s.Create(ctx, "../x", false)
	require.Error(t, err)
	require.Error(t, s.PutIfAbsent(ctx, "a/.tmp-x", nil))
}

func TestS3StoreMultipart(t *testing.T) {
	ctx := context.Background()
	s, srv := openS3TestStore(t, StoreOptions{PartSize: minPartSize})
	data := make([]byte, 2*minPartSize+12345)
	_, _ = rand.Read(data)

	t.Run("upload", func(t *testing.T) {
		w, err := s.Create(ctx, "big/one.bin", true)
		require.NoError(t, err)
		for off := 0; off < len(data); off += 100_000 { // writes across part boundaries
			_, err := w.Write(data[off:min(off+100_000, len(data))])
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		require.Equal(t, 1, srv.Count("POST create-multipart"))
		require.Equal(t, 3, srv.Count("PUT part"))
		got, err := s.ReadFile(ctx, "big/one.bin")
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got), "content differs")
	})
	t.Run("exactly one part is a single put", func(t *testing.T) {
		before := srv.Count("PUT part")
		w, err := s.Create(ctx, "big/exact.bin", true)
		require.NoError(t, err)
		_, err = w.Write(data[:minPartSize])
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.Equal(t, before, srv.Count("PUT part"))
	})
	t.Run("abort leaves no upload", func(t *testing.T) {
		w, err := s.Create(ctx, "big/aborted.bin", true)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.Equal(t, 1, srv.Uploads(t, s.c, "wh"), "the upload is in progress")
		require.NoError(t, w.Abort())
		require.Equal(t, 0, srv.Uploads(t, s.c, "wh"))
		_, err = s.ReadFile(ctx, "big/aborted.bin")
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("losing put-if-absent aborts", func(t *testing.T) {
		w, err := s.Create(ctx, "big/one.bin", true) // exists
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.ErrorIs(t, w.Close(), ErrExists)
		require.Equal(t, 0, srv.Uploads(t, s.c, "wh"), "a failed complete leaves no multipart upload")
		got, err := s.ReadFile(ctx, "big/one.bin")
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got), "the loser must not replace the winner")
	})
	t.Run("cancelled context still aborts", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		w, err := s.Create(cctx, "big/cancelled.bin", false)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		cancel()
		require.Error(t, w.Close())
		require.Equal(t, 0, srv.Uploads(t, s.c, "wh"))
	})
}

// TestS3StoreManifestRace: committers race for each version; exactly one
// wins, the others get ErrExists, re-read the log and take the next
// version, until every committer has committed once.
func TestS3StoreManifestRace(t *testing.T) {
	ctx := context.Background()
	s, _ := openS3TestStore(t, StoreOptions{})
	const writers = 6
	var wg sync.WaitGroup
	lost := make([]int, writers)
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			for {
				log, err := ReadLog(ctx, s)
				if err != nil {
					errs[i] = err
					return
				}
				m := testManifest(NextVersion(log))
				m.ImportID = string(rune('a' + i))
				err = PutManifest(ctx, s, m)
				if errors.Is(err, ErrExists) {
					lost[i]++
					continue
				}
				errs[i] = err
				return
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	require.Len(t, log, writers)
	seen := map[string]bool{}
	for i, m := range log {
		require.EqualValues(t, i+1, m.Version)
		require.False(t, seen[m.ImportID], "import %s committed twice", m.ImportID)
		seen[m.ImportID] = true
	}
	total := 0
	for _, n := range lost {
		total += n
	}
	t.Logf("%d lost races", total)
}

// TestS3StoreDestinationRoundTrip writes Parquet parts with the table
// writer, an event segment and the manifest to S3, then reads the log and
// the parts back through the store.
func TestS3StoreDestinationRoundTrip(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, srv := openS3TestStore(t, StoreOptions{PartSize: minPartSize})
	d := genDataset(mem, 1000, 250, 11)
	defer d.release()

	files := writeDataset(t, s, d, WriterOptions{Allocator: mem, RowGroupRows: 1000})
	require.NotEmpty(t, files)
	require.NoError(t, s.PutIfAbsent(ctx, EventsPath(1, "imp-1"), []byte("segment")))
	m := testManifest(1)
	m.Files = files
	require.NoError(t, PutManifest(ctx, s, m))
	require.ErrorIs(t, PutManifest(ctx, s, m), ErrExists)

	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	require.Len(t, log, 1)
	require.Equal(t, files, log[0].Files)
	require.EqualValues(t, 2, NextVersion(log))

	var want, got int64
	for _, f := range files {
		want += f.Rows
		r, size, closeFn, err := openStoreFile(ctx, s, f.Path)
		require.NoError(t, err)
		require.Equal(t, f.Bytes, size, f.Path)
		sch := schema.OrdersSchema
		if f.Table == schema.LineItems {
			sch = schema.LineItemsSchema
		}
		require.NoError(t, readParquet(ctx, r, size, sch, mem, func(rec arrow.RecordBatch) error {
			got += rec.NumRows()
			return nil
		}))
		require.NoError(t, closeFn())
	}
	require.Equal(t, want, got)
	require.Zero(t, srv.Uploads(t, s.c, "wh"))

	// DuckDB reads the warehouse through a cache of the log's files.
	_, err = OpenSQL(ctx, s)
	require.ErrorContains(t, err, "not supported yet for this store")
	cs, err := NewCachedStore(s, t.TempDir())
	require.NoError(t, err)
	require.Equal(t, "", cs.LocalPath(files[0].Path), "nothing is cached before Fetch")
	require.NoError(t, cs.(*CachedStore).Fetch(ctx, log))
	require.NotEqual(t, "", cs.LocalPath(files[0].Path))
	gets := srv.Count("GET object")
	require.NoError(t, cs.(*CachedStore).Fetch(ctx, log))
	require.Equal(t, gets, srv.Count("GET object"), "a second Fetch downloads nothing")
	var orderRows int64
	for _, f := range files {
		if f.Table == schema.Orders {
			orderRows += f.Rows
		}
	}
	db := openSQL(t, cs)
	var n int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM "+OrdersHistoryView).Scan(&n))
	require.Equal(t, orderRows, n)
	state, err := LoadState(ctx, cs, log, schema.Orders, "order_id", "fingerprint")
	require.NoError(t, err)
	var keys int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(DISTINCT order_id) FROM "+OrdersHistoryView).Scan(&keys))
	require.Positive(t, keys)
	require.Equal(t, keys, state.Len())
	ls, err := NewCachedStore(openTestStore(t), t.TempDir())
	require.NoError(t, err)
	require.IsType(t, &LocalStore{}, ls, "a local store needs no cache")

	rc, err := s.Open(ctx, EventsPath(1, "imp-1"))
	require.NoError(t, err)
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, "segment", string(b))
}

func TestS3StorePathStyle(t *testing.T) {
	// An IP endpoint is path-style whatever the option says; a host name
	// is virtual-hosted unless forced.
	require.True(t, s3conf.LocalOrIP("127.0.0.1"))
	require.True(t, s3conf.LocalOrIP("localhost"))
	require.True(t, s3conf.LocalOrIP("::1"))
	require.False(t, s3conf.LocalOrIP("s3.example.com"))
}

// TestS3StoreFaults fails the requests of a multipart upload, a
// put-if-absent and a link as a struggling S3 does (500, 503 SlowDown, a
// stall past the read timeout, an error after the work was done): each
// write ends published whole or not at all, never as a multipart upload
// left behind, and a retried write that finds its own object is a
// success, not ErrExists.
func TestS3StoreFaults(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 2*minPartSize+777)
	_, _ = rand.Read(data)
	for _, c := range []struct {
		name      string
		fault     s3test.Fault
		published bool
	}{
		{"complete: 500 once", s3test.Fault{Kind: "POST complete", Status: 500, Code: "InternalError"}, true},
		{"complete: done, then 500", s3test.Fault{Kind: "POST complete", After: true, Status: 500, Code: "InternalError"}, true},
		{"complete: done, then stalls", s3test.Fault{Kind: "POST complete", After: true, Delay: 5 * time.Second}, true},
		{"complete: 500 always", s3test.Fault{Kind: "POST complete", Times: -1, Status: 500, Code: "InternalError"}, false},
		{"part: 503 SlowDown twice", s3test.Fault{Kind: "PUT part", Nth: 2, Times: 2, Status: 503, Code: "SlowDown"}, true},
		{"part: 503 SlowDown always", s3test.Fault{Kind: "PUT part", Nth: 2, Times: -1, Status: 503, Code: "SlowDown"}, false},
		{"part: stalls once", s3test.Fault{Kind: "PUT part", Delay: 5 * time.Second}, true},
		{"start: 500 always", s3test.Fault{Kind: "POST create-multipart", Times: -1, Status: 500, Code: "InternalError"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, srv := openS3TestStore(t, StoreOptions{PartSize: minPartSize,
				S3: s3conf.Options{MaxBackoff: 10 * time.Millisecond, ReadTimeout: time.Second}})
			srv.Inject(c.fault)
			w, err := s.Create(ctx, "big/x.bin", true)
			require.NoError(t, err)
			_, werr := w.Write(data)
			if werr != nil {
				require.Error(t, w.Close())
			} else {
				werr = w.Close()
			}
			require.Positive(t, srv.Hits(), "the fault was hit (write: %v)", werr)
			got, rerr := s.ReadFile(ctx, "big/x.bin")
			if c.published {
				require.NoError(t, werr)
				require.NoError(t, rerr)
				require.True(t, bytes.Equal(data, got), "published whole")
			} else {
				require.Error(t, werr)
				require.ErrorIs(t, rerr, fs.ErrNotExist, "not published at all")
			}
			require.Zero(t, srv.Uploads(t, s.c, "wh"), "no multipart upload left")
		})
	}
	t.Run("put-if-absent and link: done, then 503", func(t *testing.T) {
		s, srv := openS3TestStore(t, StoreOptions{S3: s3conf.Options{MaxBackoff: 10 * time.Millisecond}})
		srv.Inject(s3test.Fault{Kind: "PUT object", After: true, Status: 503, Code: "SlowDown"})
		require.NoError(t, s.PutIfAbsent(ctx, "_ingot/log/1.json", []byte("mine")), "the retry finds its own object")
		require.ErrorIs(t, s.PutIfAbsent(ctx, "_ingot/log/1.json", []byte("mine")), ErrExists, "another write is refused")
		srv.Inject(s3test.Fault{Kind: "PUT copy", After: true, Status: 500, Code: "InternalError"})
		require.NoError(t, s.Link(ctx, "_ingot/log/1.json", "seg/1"), "the retried copy finds its own copy")
		require.NoError(t, s.Link(ctx, "_ingot/log/1.json", "seg/1"), "linking the same file again is idempotent")
		require.NoError(t, s.PutIfAbsent(ctx, "other", []byte("x")))
		require.ErrorIs(t, s.Link(ctx, "other", "seg/1"), ErrExists, "a copy of another file is no success")
		require.Equal(t, 2, srv.Hits())
	})
}
