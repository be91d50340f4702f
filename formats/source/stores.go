package source

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"ingot/internal/s3conf"
)

// StoreOptions configure the remote stores that NewStores builds. The zero
// value reads credentials and endpoints from the environment only, logs
// nothing, and retries with the RetryPolicy defaults.
type StoreOptions struct {
	// Logger receives retries, resumed transfers and moves, with URIs
	// redacted; nil discards.
	Logger *slog.Logger
	// Retry bounds the retries of transient failures in every store.
	Retry RetryPolicy
	// HTTPClient fetches http(s) sources; nil uses a client with the
	// default transport's settings (proxy from the environment), following
	// up to 10 redirects, with no overall timeout (a large file may take
	// long) but a one-minute wait for response headers. A body that
	// stalls without the connection dropping is not cut: cancel ctx.
	HTTPClient *http.Client
	// S3 configures the S3 client: region, endpoint for S3-compatible
	// stores, path-style addressing (the CLI's --s3-path-style).
	S3 s3conf.Options
	// SFTP configures the SFTP store: key file, known_hosts.
	SFTP SFTPOptions
}

// NewStores returns Stores serving http(s)://, s3:// and sftp:// with
// opt. Nothing is contacted and no client is built until a URI of the
// scheme is first used, so a run over local files never loads AWS
// configuration or reads SSH keys. Call CloseStores when the import is
// done to close pooled SFTP connections.
func NewStores(ctx context.Context, opt StoreOptions) (Stores, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.S3.Logger == nil {
		opt.S3.Logger = opt.Logger
	}
	if opt.S3.MaxAttempts == 0 {
		opt.S3.MaxAttempts = opt.Retry.attempts()
	}
	return Stores{
		HTTP: newHTTPStore(opt),
		S3:   newS3Store(opt),
		SFTP: newSFTPStore(opt),
	}, nil
}

// CloseStores closes the stores of s that hold connections (the SFTP
// pool). It is safe on the zero Stores.
func CloseStores(s Stores) error {
	var errs []error
	for _, st := range []Store{s.HTTP, s.S3, s.SFTP} {
		if c, ok := st.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
