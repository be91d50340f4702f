// Package source opens the inputs of an import: it expands the user's
// source arguments (paths, directories, globs, file:// URIs) into objects
// with their metadata, and opens each as a Reader that counts its bytes
// and hashes them (SHA-256 of the stored, still compressed bytes).
//
// Remote schemes (http, s3, sftp) plug in as a Store of Stores; there is
// no global registry. NewStores builds all three from StoreOptions:
// streamed, retried with backoff (RetryPolicy), resumed after a dropped
// connection when the object is unchanged, SFTP host keys always checked,
// and URIs redacted (Redact) in everything printed or returned.
// MoveProcessed is the opt-in file lifecycle. It does not decompress or
// decode: packages compress and charset do.
package source
