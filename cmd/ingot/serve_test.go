package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeCommand(t *testing.T) {
	code, _, errs := cli(t, "serve", "--dest", t.TempDir()+"/none")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "no warehouse there")

	dest := t.TempDir()
	importJSON(t, exitOK, fixture("basic.csv"), "--dest", dest)

	code, _, errs = cli(t, "serve", "--dest", dest, "--addr", "127.0.0.1:notaport")
	require.Equal(t, exitFailed, code)
	require.Contains(t, errs, "serve:")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dest", dest, "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb)
	}()
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
	}
	require.NotEmpty(t, url, "stderr: %s", errb.String())
	resp, err := http.Get(url)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "basic.csv")
	cancel()
	select {
	case code := <-done:
		require.Equal(t, exitOK, code, "stopped by the signal's context: a clean exit")
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
