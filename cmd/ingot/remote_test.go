package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/internal/s3test"
	"ingot/internal/sftptest"
	"ingot/validate"
)

// cliIn runs the command line in-process with stdin.
func cliIn(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture(name))
	require.NoError(t, err)
	return b
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func decodeReport(t *testing.T, out string) *validate.Report {
	t.Helper()
	var r validate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return &r
}

// TestImportStdin reads a gzip file from standard input, counted and
// hashed like a file, and named "-" in the report.
func TestImportStdin(t *testing.T) {
	dest := t.TempDir()
	data := gz(t, fixtureBytes(t, "basic.csv"))
	code, out, errs := cliIn(t, data, "import", "orders", "-", "--format", "kevel-csv", "--json", "--quiet", "--dest", dest)
	require.Equal(t, 0, code, errs)
	r := decodeReport(t, out)
	require.Equal(t, validate.StatusCompleted, r.Status)
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, "-", r.Files[0].URI)
	require.Equal(t, "gzip", r.Files[0].Compression)
	require.Equal(t, int64(len(data)), r.Files[0].Bytes)
	require.Len(t, r.Files[0].SHA256, 64)

	code, _, errs = cliIn(t, data, "import", "orders", "-", "-", "--dest", dest, "--quiet")
	require.Equal(t, exitUsage, code, errs)
	require.Contains(t, errs, "standard input")
}

// TestImportRemoteSecrets imports from HTTP with user:password in the URL
// and from S3 with keys in the environment, one HTTP file failing, and
// finds the secrets in no output: stdout, stderr with debug logs,
// report.json, the rejects, the manifests, the event log, the data.
func TestImportRemoteSecrets(t *testing.T) {
	const user, pass = "ingot-user", "p4ss-w0rd-secret-7731"
	body := fixtureBytes(t, "basic.csv")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/orders.csv" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(hs.Close)
	s3 := s3test.Start(t, "in")
	s3.Env(t)
	require.NoError(t, s3.Backend.CreateBucket("x"))
	_, err := s3.Backend.PutObject("in", "drop/rejects.csv.gz", nil, bytes.NewReader(gz(t, fixtureBytes(t, "rejects.csv"))), int64(len(gz(t, fixtureBytes(t, "rejects.csv")))), nil)
	require.NoError(t, err)

	authed := strings.Replace(hs.URL, "http://", "http://"+user+":"+pass+"@", 1)
	dest, reports := t.TempDir(), t.TempDir()
	code, out, errs := cli(t, "--log-level", "debug", "import", "orders", authed+"/orders.csv", authed+"/missing.csv",
		"s3://in/drop/*.csv.gz", "--format", "kevel-csv", "--json", "--dest", dest, "--report-dir", reports, "--max-rejected", "none")
	require.Equal(t, exitPartial, code, errs)
	r := decodeReport(t, out)
	require.Equal(t, validate.StatusCompletedWithFailures, r.Status)
	require.Len(t, r.Files, 3)
	require.Equal(t, validate.FileFailed, r.Files[1].Status)
	require.Contains(t, r.Files[1].Error, "404")
	require.Positive(t, r.Counts.Rejected)

	for _, secret := range []string{pass, s3test.SecretKey, s3test.AccessKey} {
		require.NotContains(t, out, secret)
		require.NotContains(t, errs, secret)
		for _, dir := range []string{dest, reports} {
			n := 0
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				require.False(t, bytes.Contains(b, []byte(secret)), "%s holds a secret", p)
				n++
				return nil
			}))
			require.Positive(t, n)
		}
	}
	require.FileExists(t, filepath.Join(reports, "rejects.csv"))
	require.Contains(t, errs, "REDACTED", "the URI is named, redacted")
	ms := manifests(t, dest)
	require.Len(t, ms, 1)
	require.Len(t, ms[0].Sources, 2)
}

// TestS3Destination imports from S3 (a listing and a glob) into an S3
// warehouse, reads it back with ingot log and ingot sql, re-imports (no
// new version), runs two imports at once (contiguous versions), and
// moves the processed sources.
func TestS3Destination(t *testing.T) {
	s3 := s3test.Start(t, "in", "lake")
	s3.Env(t)
	put := func(key string, b []byte) {
		_, err := s3.Backend.PutObject("in", key, nil, bytes.NewReader(b), int64(len(b)), nil)
		require.NoError(t, err)
	}
	put("a/basic.csv.gz", gz(t, fixtureBytes(t, "basic.csv")))
	put("a/notes.txt", []byte("not an export"))
	put("b/changed.csv", fixtureBytes(t, "changed.csv"))
	put("c/nonseq.csv", fixtureBytes(t, "nonseq.csv"))
	for _, p := range []string{"x", "y"} { // new orders, for the concurrent imports
		b := fixtureBytes(t, "basic.csv")
		for _, id := range []string{"A-1", "B-2", "C-3", "D-4"} {
			b = bytes.ReplaceAll(b, []byte("\n"+id+","), []byte("\n"+p+id+","))
		}
		put("d/"+p+".csv", b)
	}
	const dest = "s3://lake/wh"
	imp := func(want int, args ...string) *validate.Report {
		t.Helper()
		code, out, errs := cli(t, append([]string{"import", "orders", "--format", "kevel-csv", "--json", "--quiet",
			"--dest", dest, "--report-dir", t.TempDir()}, args...)...)
		require.Equal(t, want, code, errs)
		return decodeReport(t, out)
	}
	r := imp(0, "s3://in/a/*.csv.gz")
	require.Equal(t, int64(1), r.Version)
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, "s3://in/a/basic.csv.gz", r.Files[0].URI)

	// A re-import adds nothing: a committed source of the same size is
	// hashed first, found committed and not read again (issue 9's
	// idempotency for remote sources); --force reads and diffs it.
	r = imp(0, "s3://in/a/*.csv.gz")
	require.Zero(t, r.Version, "a re-import adds nothing")
	require.Equal(t, validate.FileAlreadyCommitted, r.Files[0].Status)
	require.Equal(t, int64(1), r.Files[0].CommittedVersion)
	require.Zero(t, r.Counts.Rows)
	r = imp(0, "s3://in/a/*.csv.gz", "--force")
	require.Zero(t, r.Version)
	require.Equal(t, int64(4), r.Counts.Unchanged)

	r = imp(0, "s3://in/b/", "--move-processed") // a prefix lists its keys
	require.Equal(t, int64(2), r.Version)
	require.Equal(t, int64(1), r.Counts.Updated)
	_, err := s3.Backend.HeadObject("in", "b/processed/changed.csv")
	require.NoError(t, err, "moved after the commit")
	_, err = s3.Backend.HeadObject("in", "b/changed.csv")
	require.Error(t, err)

	// A dry run moves nothing.
	imp(0, "s3://in/c/nonseq.csv", "--dry-run", "--move-processed")
	_, err = s3.Backend.HeadObject("in", "c/nonseq.csv")
	require.NoError(t, err)

	// Two imports at once: both commit, on contiguous versions.
	var wg sync.WaitGroup
	reps := make([]*validate.Report, 2)
	for i, src := range []string{"s3://in/d/x.csv", "s3://in/d/y.csv"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"import", "orders", "--format", "kevel-csv", "--json", "--quiet",
				"--dest", dest, "--report-dir", t.TempDir(), src}, strings.NewReader(""), &out, &errb)
			if code == 0 {
				reps[i] = decodeReport(t, out.String())
			} else {
				t.Errorf("concurrent import %d: exit %d: %s", i, code, errb.String())
			}
		}()
	}
	wg.Wait()
	require.NotNil(t, reps[0])
	require.NotNil(t, reps[1])
	require.ElementsMatch(t, []int64{3, 4}, []int64{reps[0].Version, reps[1].Version})
	require.Equal(t, int64(4), reps[0].Counts.Added)
	require.Equal(t, int64(4), reps[1].Counts.Added)

	code, out, errs := cli(t, "log", "--dest", dest, "--json")
	require.Equal(t, 0, code, errs)
	var log []struct{ Version int64 }
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	versions := []int64{}
	for _, m := range log {
		if m.Version > 0 {
			versions = append(versions, m.Version)
		}
	}
	require.Equal(t, []int64{4, 3, 2, 1}, versions)

	cwd, err := os.Getwd()
	require.NoError(t, err)
	before := snapshot(t, cwd)
	code, out, errs = cli(t, "sql", "--dest", dest, "-c", "SELECT status FROM line_items WHERE order_id = 'D-4' ORDER BY line_no")
	require.Equal(t, 0, code, errs)
	require.Equal(t, "status\npaid\nrefunded\nrefunded\n", out)
	require.Equal(t, before, snapshot(t, cwd), "ingot sql writes nothing locally")
}

// TestImportSFTP imports a glob over an SFTP server with a key file and a
// checked host key, moves the source into processed/, refuses a server
// whose host key is not known, and keeps a password from the environment
// out of every output.
func TestImportSFTP(t *testing.T) {
	const user, pass = "partner", "sftp-pw-secret-4410"
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "")
	t.Setenv("INGOT_SFTP_PASSWORD", "")
	signer, priv := sftptest.NewKey(t)
	srv := sftptest.Start(t, user, pass, signer.PublicKey())
	key, known := sftptest.WriteKey(t, priv), srv.KnownHosts(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "basic.csv"), fixtureBytes(t, "basic.csv"), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o666))
	dest := t.TempDir()

	code, out, errs := cli(t, "import", "orders", srv.URI(dir)+"/*.csv", "--format", "kevel-csv", "--json", "--quiet",
		"--dest", dest, "--sftp-key", key, "--known-hosts", known, "--move-processed")
	require.Equal(t, 0, code, errs)
	r := decodeReport(t, out)
	require.Equal(t, int64(4), r.Counts.Added)
	require.Equal(t, srv.URI(dir)+"/basic.csv", r.Files[0].URI)
	require.FileExists(t, filepath.Join(dir, "processed", "basic.csv"))
	require.NoFileExists(t, filepath.Join(dir, "basic.csv"))
	require.FileExists(t, filepath.Join(dir, "notes.txt"))

	// A host key that is not in known_hosts is refused.
	empty := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	code, _, errs = cli(t, "import", "orders", srv.URI(dir)+"/processed/basic.csv", "--dest", dest, "--sftp-key", key, "--known-hosts", empty, "--quiet")
	require.NotEqual(t, 0, code)
	require.Contains(t, errs, "host key")

	// Password auth from the environment; the password is nowhere.
	t.Setenv("INGOT_SFTP_PASSWORD", pass)
	reports := t.TempDir()
	code, out, errs = cli(t, "--log-level", "debug", "import", "orders", srv.URI(dir)+"/processed/basic.csv", "--json",
		"--dest", dest, "--known-hosts", known, "--report-dir", reports)
	require.Equal(t, 0, code, errs)
	require.Equal(t, validate.FileAlreadyCommitted, decodeReport(t, out).Files[0].Status, "moved, then re-imported: committed already")
	require.NotContains(t, out+errs, pass)
	for _, d := range []string{dest, reports} {
		require.NoError(t, filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.False(t, bytes.Contains(b, []byte(pass)), "%s holds the password", p)
			return nil
		}))
	}
}
