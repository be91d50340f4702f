package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"ingot/internal/s3test"
	"ingot/internal/sftptest"
)

// TestSecretsNeverShown runs sources with credentials in URIs and the
// environment through successes, retries, resumptions and failures, and
// greps every error, every log line and every returned object for the
// secrets.
func TestSecretsNeverShown(t *testing.T) {
	sftpEnv(t)
	ctx := context.Background()
	const (
		userPass   = "http-basic-pass-9f3a"
		token      = "tok-7c1e-secret"
		sig        = "sig-5d2b-secret"
		sftpPass   = "sftp-uri-pass-2e8c"
		passphrase = "key-passphrase-4a6d"
	)
	secrets := []string{userPass, token, sig, sftpPass, passphrase, sftpPassword, s3test.SecretKey, s3test.AccessKey}

	var logs bytes.Buffer
	var outputs []string
	note := func(err error) {
		if err != nil {
			outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err.Error()))
		}
	}
	noteObjs := func(objs []Object) {
		for _, o := range objs {
			outputs = append(outputs, fmt.Sprintf("%+v", o))
		}
	}

	// HTTP: basic auth and tokens in the URL; 200, a cut without ranges,
	// 404, 500 and a refused connection.
	data := randomBytes(200_000)
	h := &cutHandler{data: data, cut: 50_000}
	mux := http.NewServeMux()
	mux.Handle("/cut.csv", h)
	mux.HandleFunc("/ok.csv", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/missing.csv", http.NotFound)
	mux.HandleFunc("/err.csv", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "x", 500) })
	hs := startHTTP(t, mux)
	srv := startS3(t, map[string][]byte{"obj.bin": data})
	st := testStores(t, &logs, StoreOptions{})
	base := strings.Replace(hs.URL, "http://", "http://user:"+userPass+"@", 1)
	q := "?token=" + token + "&X-Amz-Signature=" + sig + "&X-Amz-Credential=" + s3test.AccessKey
	h.cuts.Store(1)
	for _, p := range []string{"/ok.csv", "/cut.csv", "/missing.csv", "/err.csv"} {
		objs, err := st.Resolve(ctx, []string{base + p + q})
		note(err)
		noteObjs(objs)
		if err == nil {
			r, err := st.Open(ctx, objs[0])
			note(err)
			if err == nil {
				_, err = io.ReadAll(r)
				note(err)
				note(r.Close())
			}
		}
	}
	_, _, err := readURI(t, st, "http://user:"+userPass+"@127.0.0.1:1/x.csv"+q)
	note(err)

	// S3 with keys from the environment: a resumed read, a missing key
	// and bucket.
	srv.CutAfter.Store(80_000)
	srv.Cuts.Store(1)
	_, _, err = readURI(t, st, "s3://in/obj.bin")
	note(err)
	for _, a := range []string{"s3://in/none", "s3://nobucket/x", "s3://" + s3test.AccessKey + ":" + s3test.SecretKey + "@in/x"} {
		_, err := st.Resolve(ctx, []string{a})
		note(err)
	}

	// SFTP: a password in the URI and the environment, an encrypted key,
	// wrong ones, a refused host key.
	client, priv := sftptest.NewKey(t)
	ss := startSSH(t, client.PublicKey())
	dir := sftpFiles(t, []byte("b\n"))
	kh := ss.KnownHostsFor(t, ss.HostKey.PublicKey())
	withPass := "sftp://" + sftpUser + ":" + sftpPass + "@" + ss.Addr + dir
	for _, c := range []struct {
		env  map[string]string
		opt  SFTPOptions
		uris []string
	}{
		{map[string]string{"INGOT_SFTP_PASSWORD": sftpPassword}, SFTPOptions{KnownHosts: kh}, []string{withPass + "/in/*.csv", ss.URI(dir + "/in/a.csv")}},
		{nil, SFTPOptions{KnownHosts: kh}, []string{withPass + "/in/a.csv"}}, // wrong password in the URI
		{map[string]string{"INGOT_SFTP_KEY_PASSPHRASE": passphrase}, SFTPOptions{KnownHosts: kh, KeyFile: sftptest.WriteKeyWithPassphrase(t, priv, passphrase)}, []string{ss.URI(dir + "/in/a.csv")}},
		{map[string]string{"INGOT_SFTP_KEY_PASSPHRASE": passphrase + "x"}, SFTPOptions{KnownHosts: kh, KeyFile: sftptest.WriteKeyWithPassphrase(t, priv, passphrase)}, []string{ss.URI(dir + "/in/a.csv")}},
		{map[string]string{"INGOT_SFTP_PASSWORD": sftpPassword}, SFTPOptions{KnownHosts: ss.KnownHostsFor(t, nil)}, []string{withPass + "/in/a.csv"}},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		sst := testStores(t, &logs, StoreOptions{SFTP: c.opt})
		objs, err := sst.Resolve(ctx, c.uris)
		note(err)
		noteObjs(objs)
		for _, o := range objs {
			r, err := sst.Open(ctx, o)
			note(err)
			if err == nil {
				_, err = io.ReadAll(r)
				note(err)
				r.Close()
			}
		}
		for k := range c.env {
			t.Setenv(k, "")
		}
	}

	outputs = append(outputs, logs.String())
	all := strings.Join(outputs, "\n")
	require.Contains(t, all, "REDACTED", "the run printed redacted URIs")
	require.Contains(t, all, "404 Not Found")
	require.Contains(t, all, "resuming with a ranged GET")
	require.Contains(t, all, "host key")
	for _, s := range secrets {
		require.NotContains(t, all, s)
	}
	t.Logf("%d outputs, %d bytes of logs checked", len(outputs), logs.Len())
}
