package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func slogTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"data/orders.csv", "data/orders.csv"},
		{"file:///a/b.csv", "file:///a/b.csv"},
		{"https://example.com/a.csv", "https://example.com/a.csv"},
		{"https://user:pw@example.com/a.csv", "https://REDACTED@example.com/a.csv"},
		{"https://ghp_token@example.com/a.csv", "https://REDACTED@example.com/a.csv"},
		{"https://example.com/a.csv?X-Amz-Signature=abc&X-Amz-Expires=60", "https://example.com/a.csv?X-Amz-Expires=60&X-Amz-Signature=REDACTED"},
		{"https://example.com/a?access_token=t&page=2", "https://example.com/a?access_token=REDACTED&page=2"},
		{"https://example.com/a?sig=1&sv=2&se=3", "https://example.com/a?se=3&sig=REDACTED&sv=2"},
		{"sftp://alice@host:2222/in/*.csv", "sftp://alice@host:2222/in/*.csv"},
		{"sftp://alice:hunter2@host/in/x.csv", "sftp://alice:REDACTED@host/in/x.csv"},
		{"s3://bucket/key.csv", "s3://bucket/key.csv"},
		{"https://user:pw@exa mple.com/%zz?token=x", "https://REDACTED@exa mple.com/%zz?REDACTED"},
	} {
		require.Equal(t, c.want, Redact(c.in), c.in)
	}
}

func TestRetry(t *testing.T) {
	ctx := t.Context()
	p := RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: 2 * time.Millisecond}
	var buf bytes.Buffer
	n := 0
	err := retry(ctx, p, slogTo(&buf), "GET x", func() error {
		n++
		return &StatusError{URL: "x", Status: "503 Service Unavailable", Code: 503}
	})
	require.Equal(t, 3, n)
	require.ErrorContains(t, err, "gave up after 3 attempts")
	require.Equal(t, 2, bytes.Count(buf.Bytes(), []byte("retrying")))

	n = 0
	err = retry(ctx, p, nil, "GET x", func() error {
		n++
		return &StatusError{URL: "x", Status: "403 Forbidden", Code: 403}
	})
	require.Equal(t, 1, n, "a 4xx is not retried")
	require.Error(t, err)

	require.False(t, Transient(errChanged))
	require.False(t, Transient(errors.New("x")))
	require.True(t, Transient(&StatusError{Code: 429}))

	// Delays grow and stay within [d/2, d], capped at Max.
	q := RetryPolicy{Initial: 100 * time.Millisecond, Max: time.Second}
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		d := q.delay(i + 1)
		want *= time.Millisecond
		require.True(t, d >= want/2 && d <= want, "delay %d: %s not in [%s, %s]", i+1, d, want/2, want)
	}
}
