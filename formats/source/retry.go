package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/aws/smithy-go"
)

// RetryPolicy bounds the retries of transient failures: connection
// resets, timeouts, a connection dropped mid-body, HTTP 5xx and 429, and
// S3 throttling (SlowDown). The zero value is ready to use.
type RetryPolicy struct {
	// Attempts is the most tries per operation, the first included (0: 5;
	// 1 disables retries).
	Attempts int
	// Initial is the delay before the second try (0: 200ms); each further
	// delay doubles, up to Max (0: 10s), and is drawn uniformly from
	// [d/2, d] (jitter, so that many readers do not retry in step).
	Initial, Max time.Duration
}

func (p RetryPolicy) attempts() int {
	if p.Attempts <= 0 {
		return 5
	}
	return p.Attempts
}

// delay returns the jittered wait before try n+1 (n >= 1).
func (p RetryPolicy) delay(n int) time.Duration {
	d, top := p.Initial, p.Max
	if d <= 0 {
		d = 200 * time.Millisecond
	}
	if top <= 0 {
		top = 10 * time.Second
	}
	for i := 1; i < n && d < top; i++ {
		d *= 2
	}
	d = min(d, top)
	return d/2 + rand.N(d/2+1)
}

// retry runs op until it succeeds, fails with an error that is not
// transient, ctx is done, or the policy's attempts are spent. Each retry
// is logged at level Warn with what (which must be redacted) and the
// cause. The error returned is op's last, wrapped with the number of
// attempts when there were several.
func retry(ctx context.Context, p RetryPolicy, log *slog.Logger, what string, op func() error) error {
	n := p.attempts()
	for i := 1; ; i++ {
		err := op()
		if err == nil {
			return nil
		}
		if i >= n || !Transient(err) {
			if i > 1 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, i)
			}
			return err
		}
		d := p.delay(i)
		if log != nil {
			log.LogAttrs(ctx, slog.LevelWarn, "transient failure, retrying",
				slog.String("what", what), slog.Int("attempt", i), slog.Duration("wait", d), slog.String("error", err.Error()))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retry cancelled: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// StatusError is an HTTP response with an error status.
type StatusError struct {
	URL    string // redacted
	Status string // e.g. "404 Not Found"
	Code   int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: server answered %s, expected 200 OK", e.URL, e.Status)
}

// errChanged marks an object that changed between two reads of it; it is
// never transient.
var errChanged = errors.New("the object changed while it was being read")

// Transient reports whether err is worth retrying: a connection reset,
// refused or timed out, a body cut short, an HTTP 5xx or 429, or an S3
// throttling or server error. Cancellation and everything else is
// permanent.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errChanged) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == 429 || se.Code == 408
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
			"InternalError", "ServiceUnavailable", "RequestLimitExceeded", "TooManyRequests":
			return true
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
