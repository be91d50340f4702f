package s3conf

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// Options configure an S3 client. The zero value uses the environment
// only: credentials from the standard chain (AWS_ACCESS_KEY_ID and
// friends, the shared config and credentials files with AWS_PROFILE, web
// identity, ECS task and EC2 instance roles), the region from AWS_REGION or
// the profile (us-east-1 if none is set), and the endpoint from
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
type Options struct {
	// Region overrides the configured region.
	Region string
	// Endpoint overrides AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL, for an
	// S3-compatible store such as MinIO ("http://127.0.0.1:9000").
	Endpoint string
	// PathStyle forces path-style addressing (https://host/bucket/key).
	// It is used anyway when the endpoint's host is an IP address or
	// localhost, where virtual-hosted bucket names cannot resolve.
	PathStyle bool
	// Profile selects a shared-config profile, as AWS_PROFILE does.
	Profile string
	// MaxAttempts bounds the SDK's attempts per request (0: 5). The SDK
	// retries throttling (SlowDown), 5xx and connection errors with
	// exponential backoff and jitter.
	MaxAttempts int
	// MaxBackoff caps the SDK's delay between attempts (0: 10s).
	MaxBackoff time.Duration
	// ReadTimeout is the longest a connection may deliver nothing while a
	// response is awaited or read (0: DefaultReadTimeout); a stalled
	// server then fails the attempt with a timeout, which is retried like
	// a dropped connection, instead of hanging the import. It resets on
	// every byte received, so a slow but progressing transfer goes on.
	ReadTimeout time.Duration
	// Logger receives one line per retried request; nil discards.
	Logger *slog.Logger
}

// DefaultReadTimeout is Options.ReadTimeout's default: far longer than
// S3 takes to answer even a CompleteMultipartUpload of many parts, which
// it keeps alive with white space.
const DefaultReadTimeout = time.Minute

// Endpoint returns the endpoint the client will use: o.Endpoint, else
// AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else "" (AWS itself).
func (o Options) endpoint() string {
	for _, e := range []string{o.Endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")} {
		if e != "" {
			return e
		}
	}
	return ""
}

// New builds an S3 client from o and the environment. Loading the
// configuration does not contact any server; credentials are fetched on the
// first request.
func New(ctx context.Context, o Options) (*s3.Client, error) {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	maxBackoff := o.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Second
	}
	readTimeout := o.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithReadTimeout(readTimeout)),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		config.WithDefaultRegion("us-east-1"),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = maxBackoff
			})
		}),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Logger != nil {
		opts = append(opts, config.WithLogger(slogAdapter{o.Logger}), config.WithClientLogMode(aws.LogRetries))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	ep := o.endpoint()
	pathStyle := o.PathStyle
	if ep != "" {
		u, err := url.Parse(ep)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("s3: endpoint %q: expected a URL such as https://s3.example.com or http://127.0.0.1:9000", ep)
		}
		if LocalOrIP(u.Hostname()) {
			pathStyle = true
		}
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		if ep != "" {
			so.BaseEndpoint = aws.String(ep)
		}
		so.UsePathStyle = pathStyle
	}), nil
}

// LocalOrIP reports whether host is an IP address or localhost, where
// only path-style addressing works.
func LocalOrIP(host string) bool {
	return net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// ParseURI splits s3://bucket/key into bucket and key. The key may be
// empty (the whole bucket) and keeps a trailing slash.
func ParseURI(uri string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		if len(uri) > 5 && strings.EqualFold(uri[:5], "s3://") {
			rest, ok = uri[5:], true
		}
	}
	if !ok {
		return "", "", fmt.Errorf("s3 URI %q: expected s3://bucket/key", uri)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("s3 URI %q: no bucket: expected s3://bucket/key", uri)
	}
	if strings.ContainsAny(bucket, "@:?#") {
		// Do not echo the URI: it may hold credentials.
		return "", "", fmt.Errorf("s3 URI: the bucket part holds '@', ':', '?' or '#', which no bucket name has (credentials never go in an s3 URI: use the AWS environment or profile)")
	}
	return bucket, key, nil
}

// CopySource returns the x-amz-copy-source of a CopyObject from key in
// bucket: the bucket and each element of the key path-escaped.
func CopySource(bucket, key string) string {
	elems := strings.Split(key, "/")
	for i, e := range elems {
		elems[i] = url.PathEscape(e)
	}
	return url.PathEscape(bucket) + "/" + strings.Join(elems, "/")
}

// slogAdapter sends the SDK's log lines to a slog.Logger. The SDK's retry
// lines name the operation and attempt, never credentials.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Logf(c logging.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	a.l.Log(context.Background(), level, "s3: "+fmt.Sprintf(format, v...))
}
