package ingot

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/formats/source"
	"ingot/internal/s3conf"
	"ingot/internal/s3test"
	"ingot/schema"
)

// TestS3DestinationFaults imports into an S3 warehouse (gofakes3 on
// 127.0.0.1 behind s3test's fault injection) while S3 fails the parts,
// the event segment or the manifest: 500 InternalError, 503 SlowDown, a
// stalled answer longer than the client's read timeout, and failures
// that come after the write was done (the client is told it failed, but
// the object is there). Each import ends with the previous version or
// the new one, never anything in between: the log has every version
// once, each manifest's files are all there and count what they say, the
// table holds each order once, and no multipart upload is left.
func TestS3DestinationFaults(t *testing.T) {
	ctx := context.Background()
	basic := filepath.Join("testdata", "kevel", "basic.csv")
	changed := filepath.Join("testdata", "kevel", "changed.csv")
	for _, c := range []struct {
		name  string
		fault s3test.Fault
		// committed: the second import commits (version 2); otherwise
		// it fails and version 1 stays the last.
		committed bool
	}{
		{"500 on a part, once", s3test.Fault{Kind: "PUT object", KeyContains: "orders/", Status: 500, Code: "InternalError"}, true},
		{"503 SlowDown on the manifest, always", s3test.Fault{Kind: "PUT object", KeyContains: "_ingot/log/", Times: -1, Status: 503, Code: "SlowDown"}, false},
		{"500 on the event segment's copy, always", s3test.Fault{Kind: "PUT copy", KeyContains: "_ingot/events/", Times: -1, Status: 500, Code: "InternalError"}, false},
		{"a part stalls past the read timeout", s3test.Fault{Kind: "PUT object", KeyContains: "line_items/", Delay: 5 * time.Second}, true},
		{"the manifest stalls past the read timeout", s3test.Fault{Kind: "PUT object", KeyContains: "_ingot/log/", Delay: 5 * time.Second}, true},
		{"the manifest is written, then 500", s3test.Fault{Kind: "PUT object", KeyContains: "_ingot/log/", After: true, Status: 500, Code: "InternalError"}, true},
		{"the manifest is written, then stalls", s3test.Fault{Kind: "PUT object", KeyContains: "_ingot/log/", After: true, Delay: 5 * time.Second}, true},
		{"a part is written, then 503", s3test.Fault{Kind: "PUT object", KeyContains: "orders/", After: true, Status: 503, Code: "SlowDown"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := s3test.Start(t, "lake")
			srv.Env(t)
			opt := ImportOptions{Kind: KindOrders, Format: "kevel-csv", Dest: "s3://lake/wh", Workers: 1,
				Stores: source.StoreOptions{S3: s3conf.Options{MaxBackoff: 20 * time.Millisecond, ReadTimeout: time.Second}}}
			first := opt
			first.Sources, first.ReportDir = []string{basic}, t.TempDir()
			rep, err := Import(ctx, first)
			require.NoError(t, err)
			require.Equal(t, int64(1), rep.Version)

			srv.Inject(c.fault)
			second := opt
			second.Sources, second.ReportDir = []string{changed}, t.TempDir()
			start := time.Now()
			rep, err = Import(ctx, second)
			took := time.Since(start)
			require.Positive(t, srv.Hits(), "the fault was hit")
			st, oerr := commit.OpenStore(ctx, opt.Dest, commit.StoreOptions{})
			require.NoError(t, oerr)
			log, lerr := commit.ReadLog(ctx, st)
			require.NoError(t, lerr)
			if c.committed {
				require.NoError(t, err)
				require.Equal(t, int64(2), rep.Version)
				require.Len(t, log, 2)
			} else {
				require.Error(t, err)
				require.Zero(t, rep.Version)
				require.Len(t, log, 1, "the failed import left version 1 the last")
			}
			t.Logf("%s: err=%v, %d hits, %.2f s", c.name, err, srv.Hits(), took.Seconds())
			checkS3Warehouse(t, st, log)
			require.Empty(t, unreferenced(t, st, log), "what the import wrote is committed or removed")
			require.Zero(t, srv.Uploads(t, srv.Client(t, s3conf.Options{}), "lake"), "no multipart upload left")
		})
	}
}

// unreferenced lists the files of st that no manifest of log names,
// manifests aside.
func unreferenced(t *testing.T, st commit.Store, log []commit.Manifest) []string {
	t.Helper()
	named := map[string]bool{}
	for _, m := range log {
		named[m.Events] = true
		for _, f := range m.Files {
			named[f.Path] = true
		}
	}
	all, err := st.List(context.Background(), "")
	require.NoError(t, err)
	var out []string
	for _, p := range all {
		if !named[p] && !strings.HasPrefix(p, "_ingot/log/") {
			out = append(out, p)
		}
	}
	return out
}

// checkS3Warehouse checks that every manifest of log names files that are
// there with the bytes it says, that versions are 1..n, and that the
// orders table holds each order once.
func checkS3Warehouse(t *testing.T, st commit.Store, log []commit.Manifest) {
	t.Helper()
	ctx := context.Background()
	for i, m := range log {
		require.Equal(t, int64(i+1), m.Version)
		for _, f := range m.Files {
			b, err := st.ReadFile(ctx, f.Path)
			require.NoError(t, err, "version %d names %s", m.Version, f.Path)
			require.Equal(t, f.Bytes, int64(len(b)), f.Path)
		}
		_, err := st.ReadFile(ctx, m.Events)
		require.NoError(t, err, "version %d names its event segment", m.Version)
	}
	cs, err := commit.NewCachedStore(st, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, cs.(*commit.CachedStore).Fetch(ctx, log))
	state, err := commit.LoadState(ctx, cs, log, schema.Orders, "order_id", "fingerprint")
	require.NoError(t, err)
	require.Equal(t, 4, state.Len(), "each of the 4 orders once")
}
