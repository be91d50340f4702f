// Package s3conf builds the aws-sdk-go-v2 S3 client that ingot's S3 source
// (package formats) and S3 destination store (package commit) share: the
// standard credential chain, the region, an endpoint for S3-compatible
// stores, path-style addressing, checksums only when required, and the
// SDK's bounded retries logged through log/slog.
//
// It does not read or write objects, and it holds no global state: every
// call to New builds a new client from its Options and the environment.
package s3conf
