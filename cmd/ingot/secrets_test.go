package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/commit"
	"ingot/internal/s3test"
	"ingot/internal/sftptest"
)

// ordersWithEmails returns a kevel-csv file of four orders with ids
// prefix-1..4 whose user ids are the given addresses: the first order is
// rejected (no currency), the second committed, the third rejected for
// its address, the fourth rejected (a quantity that is no number).
func ordersWithEmails(prefix string, emails [4]string) []byte {
	head, _, _ := strings.Cut(string(fixtureBytesNoT("basic.csv")), "\n")
	rows := []string{
		prefix + "-1,email," + emails[0] + ",,30.50,25.00,4.50,1.00,0,0,Visa,UPS,France,web,,2020-09-16T10:38:06+0100,,L1,P1,,Shirt,SKU1,Acme,,,EUR,20.00,16.50,3.00,0.50,0,0,1,,,,M,EU,paid",
		prefix + "-2,email," + emails[1] + ",EUR,10,8,1,1,0,0,,,,,,2021-01-31T23:30:00-0100,,L1,P9,,Mug,SKU9,,,,EUR,10,8,1,1,0,0,1,,,,,,fulfilled",
		prefix + "-3,email," + emails[2] + ",EUR,10,8,1,1,0,0,,,,,,2021-01-31T23:30:00-0100,,L1,P9,,Mug,SKU9,,,,EUR,10,8,1,1,0,0,1,,,,,,fulfilled",
		prefix + "-4,email," + emails[3] + ",EUR,10,8,1,1,0,0,,,,,,2021-01-31T23:30:00-0100,,L1,P9,,Mug,SKU9,,,,EUR,10,8,1,1,0,0,x,,,,,,fulfilled",
	}
	return []byte(head + "\n" + strings.Join(rows, "\n") + "\n")
}

func fixtureBytesNoT(name string) []byte {
	b, err := os.ReadFile(fixture(name))
	if err != nil {
		panic(err)
	}
	return b
}

// TestNothingSecretIsWritten imports with --hash-emails from credentialed
// sources — an HTTP URL with user:password and query tokens, S3 with
// static keys from the environment, SFTP with a password in the URI and
// one in the environment — with files that fail and records rejected for
// their addresses, then runs ingot log and ingot sql, and greps every
// byte ingot wrote (the warehouse with its reports and rejects, the
// decompressed event log, every Parquet value, the temporary directory,
// stdout and stderr with debug logs and progress) for each plain address
// and each secret.
func TestNothingSecretIsWritten(t *testing.T) {
	const (
		httpUser, httpPass = "ingot-user", "http-pass-5e1f-secret"
		token, sig         = "tok-3b7a-secret", "sig-8c2d-secret"
		sftpUser           = "partner"
		sftpURIPass        = "sftp-uri-pass-1a9b-secret"
		sftpEnvPass        = "sftp-env-pass-6d0c-secret"
	)
	emails := map[string][4]string{
		"H": {"Carol.Valid@example.com", "dave.http@example.org", "eve@@example.net", "frank.http@example.com"},
		"S": {"gina.s3@example.com", "hank.s3@example.org", "ida@s3@example.net", "jack.s3@example.com"},
		"F": {"kim.sftp@example.com", "lee.sftp@example.org", "mo@@sftp.example", "ned.sftp@example.com"},
	}
	customers := "userId,firstName,lastName,city,newsletter\nzed.cust@example.com,Zed,A,Rome,true\nxi@@bad.example,Xi,C,Lima,true\n" +
		"wu.cust@example.com,Wu,D,Kyiv,true\nwu.cust@example.com,Wu,E,Kyiv,false\nvic.cust@example.com,\"Vic,F\n"
	plain := []string{"zed.cust@", "xi@@", "wu.cust@", "vic.cust@"}
	for _, es := range emails {
		for _, e := range es {
			plain = append(plain, strings.ToLower(e[:strings.IndexByte(e, '@')+1]))
		}
	}
	secrets := []string{httpPass, token, sig, sftpURIPass, sftpEnvPass, s3test.AccessKey, s3test.SecretKey}

	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("INGOT_SFTP_KEY_PASSPHRASE", "")
	t.Setenv("INGOT_SFTP_PASSWORD", "")

	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != httpUser || p != httpPass {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/orders.csv" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(ordersWithEmails("H", emails["H"]))
	}))
	t.Cleanup(hs.Close)
	s3 := s3test.Start(t, "in")
	s3.Env(t)
	s3b := ordersWithEmails("S", emails["S"])
	_, err := s3.Backend.PutObject("in", "drop/orders.csv", nil, bytes.NewReader(s3b), int64(len(s3b)), nil)
	require.NoError(t, err)
	sftpSrv := sftptest.Start(t, sftpUser, sftpURIPass, nil)
	sftpEnvSrv := sftptest.Start(t, sftpUser, sftpEnvPass, nil)
	files := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(files, "orders.csv"), ordersWithEmails("F", emails["F"]), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(files, "customers.csv"), []byte(customers), 0o666))
	withPass := func(srv *sftptest.Server, pass, p string) string {
		return strings.Replace(srv.URI(p), sftpUser+"@", sftpUser+":"+pass+"@", 1)
	}

	dest := t.TempDir()
	q := "?token=" + token + "&sig=" + sig + "&X-Amz-Signature=" + sig
	authed := strings.Replace(hs.URL, "http://", "http://"+httpUser+":"+httpPass+"@", 1)
	var outputs []string
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errs := cli(t, args...)
		require.Equal(t, wantCode, code, "ingot %s\nstderr: %s", strings.Join(args, " "), errs)
		outputs = append(outputs, out, errs)
		return out + errs
	}
	common := []string{"--hash-emails", "--max-rejected", "none", "--log-level", "debug"}
	// Orders from the three sources, one HTTP file missing: committed
	// with a failed file.
	run(exitPartial, append([]string{"import", "orders", authed + "/orders.csv" + q, authed + "/missing.csv" + q,
		"s3://in/drop/orders.csv", withPass(sftpSrv, sftpURIPass, filepath.Join(files, "orders.csv")),
		"--dest", dest, "--known-hosts", sftpSrv.KnownHosts(t)}, common...)...)
	// Customers over SFTP with the password in the environment.
	t.Setenv("INGOT_SFTP_PASSWORD", sftpEnvPass)
	run(0, append([]string{"import", "customers", sftpEnvSrv.URI(filepath.Join(files, "customers.csv")), "--json",
		"--dest", dest, "--known-hosts", sftpEnvSrv.KnownHosts(t)}, common...)...)
	t.Setenv("INGOT_SFTP_PASSWORD", "")
	// Imports that fail: a refused password (every file fails), a
	// refused SFTP login, a dry run.
	run(exitFailed, append([]string{"import", "orders", strings.Replace(authed, httpPass, httpPass+"x", 1) + "/orders.csv" + q, "--json", "--dest", dest}, common...)...)
	run(exitUsage, append([]string{"import", "orders", withPass(sftpSrv, sftpURIPass+"x", filepath.Join(files, "orders.csv")),
		"--dest", dest, "--known-hosts", sftpSrv.KnownHosts(t)}, common...)...)
	run(0, append([]string{"import", "orders", "s3://in/drop/orders.csv", "--dry-run", "--report-dir", filepath.Join(dest, "dry")}, common...)...)
	// Reading commands.
	run(0, "log", "--dest", dest)
	run(0, "log", "--dest", dest, "--json")
	for _, view := range []string{"orders", "line_items", "customers"} {
		run(0, "sql", "--dest", dest, "-c", "SELECT * FROM "+view, "--format", "json")
	}

	// Every byte written: files as they are, event segments decompressed,
	// Parquet values through DuckDB.
	var written bytes.Buffer
	nfiles := 0
	for _, root := range []string{dest, tmp} {
		require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			written.Write(b)
			nfiles++
			switch {
			case strings.HasSuffix(p, ".jsonl.zst"):
				require.NoError(t, commit.ReadEvents(bytes.NewReader(b), func(line []byte) error {
					written.Write(line)
					return nil
				}))
			case strings.HasSuffix(p, ".parquet"):
				written.WriteString(parquetValues(t, p))
			}
			return nil
		}))
	}
	all := strings.ToLower(written.String() + strings.Join(outputs, "\n"))
	for _, s := range secrets {
		require.NotContains(t, all, strings.ToLower(s), "a secret was written")
	}
	for _, e := range plain {
		require.NotContains(t, all, e, "a plain address was written")
	}
	// What was checked is what it should be.
	require.Contains(t, all, "redacted", "sources are named, redacted")
	require.Contains(t, all, "e***@@example.net", "rejects name the bad address, masked")
	require.Contains(t, all, "e-mail masked", "and say so")
	require.Contains(t, all, "404 not found")
	require.Contains(t, all, "get http://redacted@127.0.0.1:", "a redacted URL is not masked again")
	require.Contains(t, all, "401 unauthorized")
	require.Contains(t, all, "email_sha256")
	t.Logf("%d files (%d bytes with events and Parquet values) and %d outputs checked", nfiles, written.Len(), len(outputs))
}

// parquetValues returns every value of a Parquet file as text, read by
// DuckDB.
func parquetValues(t *testing.T, path string) string {
	t.Helper()
	st, err := commit.OpenLocalReadOnly(filepath.Dir(path))
	require.NoError(t, err)
	db, err := commit.OpenSQL(context.Background(), st)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT * FROM read_parquet('" + strings.ReplaceAll(path, "'", "''") + "')")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		require.NoError(t, rows.Scan(ptrs...))
		fmt.Fprintln(&b, vals...)
	}
	require.NoError(t, rows.Err())
	return b.String()
}
